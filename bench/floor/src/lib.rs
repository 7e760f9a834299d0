//! The floor of the size benchmark: one Yew component that posts `start` with gloo-net, reads
//! the answer's amount and methods through serde-wasm-bindgen, and shows the methods as radio
//! buttons and a Pay button. No providers, no languages, no journal, no error model: what is
//! left is what Yew, gloo-net, serde, serde-wasm-bindgen and wasm-bindgen cost any widget.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

#[derive(Deserialize, Clone, PartialEq)]
struct Method {
    id: String,
    label: String,
}

#[derive(Deserialize, Clone, PartialEq)]
struct StartAnswer {
    amount: i64,
    methods: Vec<Method>,
}

enum Message {
    Answered(Result<StartAnswer, String>),
    Picked(String),
}

struct Floor {
    answer: Option<Result<StartAnswer, String>>,
    picked: Option<String>,
}

async fn start() -> Result<StartAnswer, String> {
    let response = gloo_net::http::Request::post("start").send().await.map_err(|e| e.to_string())?;
    let text = response.text().await.map_err(|e| e.to_string())?;
    let value = js_sys::JSON::parse(&text).map_err(|_| "not JSON".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

impl Component for Floor {
    type Message = Message;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move { link.send_message(Message::Answered(start().await)) });
        Floor { answer: None, picked: None }
    }

    fn update(&mut self, _ctx: &Context<Self>, message: Message) -> bool {
        match message {
            Message::Answered(answer) => self.answer = Some(answer),
            Message::Picked(id) => self.picked = Some(id),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        match &self.answer {
            None => html! { <p role="status">{ "…" }</p> },
            Some(Err(error)) => html! { <p role="alert">{ error.clone() }</p> },
            Some(Ok(answer)) => html! {
                <form>
                    { for answer.methods.iter().map(|m| {
                        let id = m.id.clone();
                        html! {
                            <label>
                                <input type="radio" name="method" onchange={ctx.link().callback(move |_| Message::Picked(id.clone()))} />
                                { m.label.clone() }
                            </label>
                        }
                    }) }
                    <button disabled={self.picked.is_none()}>{ answer.amount.to_string() }</button>
                </form>
            },
        }
    }
}

/// Renders the floor widget into `target`.
#[wasm_bindgen]
pub fn mount(target: web_sys::Element) {
    yew::Renderer::<Floor>::with_root(target).render();
}
