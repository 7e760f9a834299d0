//! Tolem checkout widget: the browser edge of `tolem-core`, rendered with Yew.
//!
//! `Tolem.mount(target, options)` returns a [`CheckoutHandle`] with `update(partial)` and
//! `unmount()`. All decisions live in `tolem_core::flow`; this crate turns events from the
//! browser into flow events and carries out the flow's effects (fetch, timers, storage,
//! navigation, DOM events). It is the only code that touches `web-sys`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

mod browser;
mod checkout;
mod i18n;
mod oneentry_direct;
mod options;
mod views;

pub use options::WidgetOptions;

use checkout::{Checkout, CheckoutProps};

thread_local! {
    /// Host elements of mounted widgets, so the panic hook can tell each of them.
    static HOSTS: RefCell<Vec<web_sys::Element>> = const { RefCell::new(Vec::new()) };
}

/// Installs the panic hook once: a bug in Tolem dispatches `tolem:error` with code
/// `INTERNAL` on every mounted widget and logs to the console, instead of failing silently.
fn install_panic_hook() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
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
    app: Option<yew::AppHandle<Checkout>>,
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
pub fn mount(target: JsValue, options: JsValue) -> Result<CheckoutHandle, JsValue> {
    install_panic_hook();
    let host = browser::resolve_target(&target).ok_or_else(|| config_error("tolem: mount target not found"))?;
    let parsed = WidgetOptions::from_js(&options).map_err(|e| {
        let detail = browser::error_detail("CONFIG_ERROR", &e);
        browser::Callbacks::from_options(&options).emit(&host, "error", &detail);
        config_error(&format!("tolem: {e}"))
    })?;
    let props = CheckoutProps {
        options: Rc::new(parsed),
        host: host.clone(),
        callbacks: Rc::new(browser::Callbacks::from_options(&options)),
    };
    // A fresh child: Yew owns it, the merchant's element keeps its own attributes.
    let root = browser::fresh_root(&host).ok_or_else(|| config_error("tolem: cannot create the widget root"))?;
    let app = yew::Renderer::<Checkout>::with_root_and_props(root, props).render();
    HOSTS.with(|h| {
        if let Ok(mut h) = h.try_borrow_mut() {
            h.push(host.clone());
        }
    });
    Ok(CheckoutHandle { app: Some(app), host, options })
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
                browser::Callbacks::from_options(&merged).emit(&self.host, "error", &detail);
                return Err(config_error(&format!("tolem: {e}")));
            }
        };
        if let Some(app) = self.app.as_mut() {
            app.update(CheckoutProps {
                options: Rc::new(parsed),
                host: self.host.clone(),
                callbacks: Rc::new(browser::Callbacks::from_options(&merged)),
            });
        }
        self.options = merged;
        Ok(())
    }

    /// Removes the widget, cancelling its timers, listeners and requests.
    pub fn unmount(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
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
