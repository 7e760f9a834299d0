//! Tolem checkout widget: the browser edge of `tolem-core`, rendered with Yew.
//!
//! `Tolem.mount(target, options)` returns a [`CheckoutHandle`] with `update(partial)` and
//! `unmount()`. All decisions live in `tolem_core::flow`; this crate turns events from the
//! browser into flow events and carries out the flow's effects (fetch, timers, storage,
//! navigation, DOM events). It is the only code that touches `web-sys`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::{component, html, Html, Properties};

mod browser;
mod checkout;
// The browser-direct modes with the `browser-direct` feature (tolem_direct_bg.wasm), their
// absence without it (tolem_bg.wasm).
#[cfg_attr(not(feature = "browser-direct"), path = "direct_absent.rs")]
mod direct;
mod effects;
mod i18n;
#[cfg(feature = "browser-direct")]
mod oneentry_direct;
mod options;
mod views;

pub use options::WidgetOptions;

/// The heap: lol_alloc's free list in place of Rust's default dlmalloc, a few kilobytes less
/// for every shopper (docs/benchmarks.md, size). The widget allocates little and lives
/// shortly; the lock is never contended (wasm here is single-threaded).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

use checkout::{Checkout, CheckoutProps};

thread_local! {
    /// Host elements of mounted widgets, so the panic hook can tell each of them.
    static HOSTS: RefCell<Vec<web_sys::Element>> = const { RefCell::new(Vec::new()) };
    /// Yew apps whose widget was unmounted, kept for the next mount (see [`Slot`]).
    static PARKED: RefCell<Vec<Parked>> = const { RefCell::new(Vec::new()) };
    /// Tells one checkout from the next in a reused [`Slot`].
    static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Props of a [`Slot`]: the checkout it shows, if any.
#[derive(Properties, PartialEq)]
struct SlotProps {
    checkout: Option<CheckoutProps>,
    generation: u64,
}

/// The root of each Yew app: shows one checkout, or nothing while parked.
///
/// Yew never removes the event listeners an app registers on its root element (it assumes an
/// app lives as long as the page), so an app per mount would leak a root, its listeners and
/// their closures every time a widget is unmounted. Instead an unmounted widget's app is
/// parked with its root detached and reused by the next mount: the number of apps is the
/// most widgets ever mounted at once, however often they come and go. A new `generation` is
/// a new key, so the reused app starts its checkout from scratch.
#[component]
fn Slot(props: &SlotProps) -> Html {
    match &props.checkout {
        Some(checkout) => html! { <Checkout key={props.generation} ..checkout.clone() /> },
        None => html! {},
    }
}

/// A parked app and the root element it renders into.
struct Parked {
    app: yew::AppHandle<Slot>,
    root: web_sys::Element,
}

/// Installs the panic hook once: a bug in Tolem dispatches `tolem:error` with code
/// `INTERNAL` on every mounted widget and logs to the console, instead of failing silently.
fn install_panic_hook() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Through Yew: its renderer replaces any hook set with std::panic::set_hook by its own
        // console-only one on the first render, unless the hook came through here.
        yew::set_custom_panic_hook(Box::new(|info| {
            let message = info.to_string();
            web_sys::console::error_1(&JsValue::from_str(&format!("tolem: internal error: {message}")));
            let hosts = HOSTS.with(|h| h.try_borrow().map(|h| h.clone()).unwrap_or_default());
            for host in hosts {
                let detail = browser::error_detail("INTERNAL", &message);
                browser::dispatch(&host, "tolem:error", &detail);
            }
        }));
    });
}

/// A mounted checkout: `update(partial)` and `unmount()`.
#[wasm_bindgen]
pub struct CheckoutHandle {
    app: Option<yew::AppHandle<Slot>>,
    root: web_sys::Element,
    generation: u64,
    host: web_sys::Element,
    options: JsValue,
}

fn config_error(message: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    let _ = js_sys::Reflect::set(&err, &"code".into(), &"CONFIG_ERROR".into());
    err.into()
}

/// Mounts a checkout into `target` (an element or a CSS selector) with `options`
/// (see `www/index.d.ts`).
///
/// # Errors
/// A `CONFIG_ERROR` (also thrown to the caller) when the target is missing or the options
/// are invalid.
#[wasm_bindgen]
pub fn mount(target: JsValue, options: JsValue, early_start: JsValue) -> Result<CheckoutHandle, JsValue> {
    install_panic_hook();
    // The loader's early `start` (runtime.js), if it sent one: the checkout takes its answer,
    // and a mount that fails aborts it.
    let early_start = Rc::new(Cell::new(browser::EarlyStart::from_js(&early_start)));
    let mounted = mount_with(target, options, early_start.clone());
    if mounted.is_err() {
        if let Some(early) = early_start.take() {
            early.abort();
        }
    }
    mounted
}

fn mount_with(
    target: JsValue,
    options: JsValue,
    early_start: Rc<Cell<Option<browser::EarlyStart>>>,
) -> Result<CheckoutHandle, JsValue> {
    let host = browser::resolve_target(&target).ok_or_else(|| config_error("tolem: mount target not found"))?;
    let parsed = WidgetOptions::from_js(&options).map_err(|e| {
        let detail = browser::error_detail("CONFIG_ERROR", &e);
        browser::Callbacks::from_options(&options).emit(&host, tolem_core::api::WidgetEvent::Error, &detail);
        config_error(&format!("tolem: {e}"))
    })?;
    let props = CheckoutProps {
        options: Rc::new(parsed),
        host: host.clone(),
        callbacks: Rc::new(browser::Callbacks::from_options(&options)),
        early_start,
    };
    // A fresh child of the merchant's element for Yew to own (the element keeps its own
    // attributes): a parked app's root when there is one, else a new app.
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let slot = SlotProps { checkout: Some(props), generation };
    let parked = PARKED.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()));
    let (app, root) = match parked {
        Some(Parked { mut app, root }) => {
            browser::adopt_root(&host, &root).ok_or_else(|| config_error("tolem: cannot attach the widget root"))?;
            app.update(slot);
            (app, root)
        }
        None => {
            let root =
                browser::fresh_root(&host).ok_or_else(|| config_error("tolem: cannot create the widget root"))?;
            (yew::Renderer::<Slot>::with_root_and_props(root.clone(), slot).render(), root)
        }
    };
    HOSTS.with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            h.push(host.clone());
        }
    });
    Ok(CheckoutHandle { app: Some(app), root, generation, host, options })
}

#[wasm_bindgen]
impl CheckoutHandle {
    /// Changes options (locale, amount, …). Changing `provider` or `order.id` starts a new
    /// checkout. Invalid options are reported as `CONFIG_ERROR` and the old ones kept.
    pub fn update(&mut self, partial: JsValue) -> Result<(), JsValue> {
        let merged = js_sys::Object::new();
        js_sys::Object::assign(&merged, &self.options.clone().into());
        js_sys::Object::assign(&merged, &partial.into());
        let merged: JsValue = merged.into();
        let parsed = match WidgetOptions::from_js(&merged) {
            Ok(p) => p,
            Err(e) => {
                let detail = browser::error_detail("CONFIG_ERROR", &e);
                browser::Callbacks::from_options(&merged).emit(
                    &self.host,
                    tolem_core::api::WidgetEvent::Error,
                    &detail,
                );
                return Err(config_error(&format!("tolem: {e}")));
            }
        };
        if let Some(app) = self.app.as_mut() {
            app.update(SlotProps {
                checkout: Some(CheckoutProps {
                    options: Rc::new(parsed),
                    host: self.host.clone(),
                    callbacks: Rc::new(browser::Callbacks::from_options(&merged)),
                    early_start: Rc::default(),
                }),
                generation: self.generation,
            });
        }
        self.options = merged;
        Ok(())
    }

    /// Removes the widget, cancelling its timers, listeners and requests.
    pub fn unmount(&mut self) {
        if let Some(mut app) = self.app.take() {
            // The checkout is destroyed (its timers, listeners and requests go with it); the
            // app and its root wait, detached, for the next mount.
            app.update(SlotProps { checkout: None, generation: self.generation });
            let _ = self.root.parent_node().map(|p| p.remove_child(&self.root));
            let parked = Parked { app, root: self.root.clone() };
            PARKED.with(|p| {
                if let Ok(mut p) = p.try_borrow_mut() {
                    p.push(parked);
                }
            });
        }
        browser::clear_children(&self.host);
        let host = self.host.clone();
        HOSTS.with(|h| {
            if let Ok(mut h) = h.try_borrow_mut() {
                h.retain(|e| e != &host);
            }
        });
    }
}
