//! The embedding pages (`/embed/*`), served with the strict Content Security Policy a careful
//! merchant sends (docs/architecture.md, "Quality bars"), and the CDN-like second origin for the widget files.
//!
//! Pages are files in `demo/embed/`. Before serving an HTML page the demo fills in what only it
//! knows: `__TOLEM_CDN__` (the second origin) and `__TOLEM_JS_SRI__` / `__TOLEM_CSS_SRI__`
//! (the hashes `make dist` wrote to `integrity.json`), so the pages carry the same
//! `integrity` attributes the README tells merchants to use; and `__TOLEM_CLIENT_SECRET__`,
//! the checkout session of the page's order (`?order=`, default `EL-1001`), made by the shop
//! server the way a shop that renders its checkout page on the server does it.

use std::path::{Path, PathBuf};

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::shop::{Cart, Shop};
use crate::DemoOptions;

/// The policy from the README, word for word.
pub const STRICT_CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'";

#[derive(Clone)]
struct Pages {
    dir: PathBuf,
    widget_dir: PathBuf,
    cdn_origin: Option<String>,
    shop: Arc<Shop>,
}

/// `/embed/*`: the pages, the widget files in a sub-folder, and the npm-bundled app.
pub fn router(options: &DemoOptions, cdn_origin: Option<String>, shop: Arc<Shop>) -> Router {
    let csp =
        SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(STRICT_CSP));
    let pages = Pages { dir: options.embed_dir.clone(), widget_dir: options.widget_dir.clone(), cdn_origin, shop };
    let mut router = Router::new()
        .route("/{file}", get(page))
        .with_state(pages)
        .nest_service("/vendor/tolem", ServeDir::new(&options.widget_dir));
    if let Some(dir) = &options.npm_app_dir {
        router = router.nest_service("/npm", ServeDir::new(dir).append_index_html_on_directories(true));
    }
    router.layer(csp)
}

/// The second origin: the widget files with the headers a CDN sends for cross-origin use.
pub fn cdn_router(widget_dir: &Path) -> Router {
    Router::new()
        .nest_service("/tolem", ServeDir::new(widget_dir))
        .layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ))
}

/// `name.html|js|css`, lower-case letters, digits and dashes: nothing else is a page.
fn content_type(file: &str) -> Option<&'static str> {
    let (stem, ext) = file.rsplit_once('.')?;
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return None;
    }
    match ext {
        "html" => Some("text/html; charset=utf-8"),
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        _ => None,
    }
}

fn integrity(widget_dir: &Path) -> serde_json::Value {
    std::fs::read(widget_dir.join("integrity.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

async fn page(
    State(pages): State<Pages>,
    UrlPath(file): UrlPath<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(kind) = content_type(&file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(mut body) = tokio::fs::read_to_string(pages.dir.join(&file)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut csp = STRICT_CSP.to_owned();
    if file.ends_with(".html") {
        let sri = integrity(&pages.widget_dir);
        let hash = |name: &str| sri.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let cdn = pages.cdn_origin.clone().unwrap_or_default();
        if body.contains("__TOLEM_CDN__") && !cdn.is_empty() {
            // The cross-origin page may load the widget from the CDN, and nothing else.
            csp = format!(
                "default-src 'self'; script-src 'self' {cdn} 'wasm-unsafe-eval'; style-src 'self' {cdn}; connect-src 'self' {cdn}"
            );
        }
        if body.contains("__TOLEM_CLIENT_SECRET__") {
            let order_id = query.get("order").cloned().unwrap_or_else(|| "EL-1001".to_owned());
            let return_url = format!("{}/embed/{file}?order={order_id}", pages.shop.origin);
            let cart = Cart { order_id, items: vec![], return_url, providers: vec![], shopper: None };
            match pages.shop.session(cart).await {
                Ok(session) => body = body.replace("__TOLEM_CLIENT_SECRET__", &session.client_secret),
                Err(refused) => return refused,
            }
        }
        body = body
            .replace("__TOLEM_CDN__", &cdn)
            .replace("__TOLEM_JS_SRI__", &hash("tolem.js"))
            .replace("__TOLEM_CSS_SRI__", &hash("tolem.css"));
    }
    let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static(STRICT_CSP));
    ([(header::CONTENT_TYPE, HeaderValue::from_static(kind)), (header::CONTENT_SECURITY_POLICY, csp)], body)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn only_plain_page_names_are_served() {
        assert_eq!(content_type("script-tag.html"), Some("text/html; charset=utf-8"));
        assert_eq!(content_type("embed.js"), Some("text/javascript; charset=utf-8"));
        for bad in ["../Cargo.toml", "a/b.html", ".html", "x.wasm", "X.html", "..html", "a.b.html", "noext"] {
            assert_eq!(content_type(bad), None, "{bad}");
        }
    }
}
