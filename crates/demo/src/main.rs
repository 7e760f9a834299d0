//! `make demo`: `PORT` (default 8080), `TOLEM_STATE_DIR` (default `.state`),
//! `TOLEM_INDEX_HTML` (the storefront page, default `index.html`),
//! `TOLEM_STOREFRONT_DIR` (default `demo`), `TOLEM_WIDGET_DIR` (default `dist`),
//! `TOLEM_EMBED_DIR` (default `demo/embed`), `TOLEM_NPM_APP_DIR` (an app bundled from the npm
//! package, served at `/embed/npm/`), `TOLEM_CDN_PORT` (default `PORT + 1`: the widget files
//! with CORS, as from a CDN),
//! `TOLEM_DEMO_MAX_SECONDS` (stop by itself after this long; tests set it),
//! `TOLEM_BEREKE_TWO_STAGE=1` / `TOLEM_ECOMMPAY_HOLD=1` (hold first, capture later),
//! `TOLEM_PROVIDER_TIMEOUT_MS` (the backend's wait per provider request, default 5000),
//! `TOLEM_PROVIDER_ORIGIN` (where the backend calls the provider APIs, default the demo's own
//! origin; the fault tests put a relay they can close there), `TOLEM_RATE_LIMIT_PER_MINUTE` /
//! `TOLEM_RATE_LIMIT_BURST` (the backend's per-client limit on start and pay; default 1200 / 200,
//! `0` turns it off), `TOLEM_ALLOWED_ORIGINS` (comma-separated origins besides the demo's own
//! whose pages may use its backend: a shop's dev server, `trunk serve` on 8081).

use std::path::PathBuf;
use std::time::Duration;

use tolem_demo::{Demo, DemoOptions};
use tolem_sandbox::demo_credentials as creds;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned())
}

/// `http://127.0.0.1:8081,https://shop.test`: each an origin (scheme and host, a port if
/// any, nothing after it).
fn allowed_origins(list: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    for entry in list.split(',').map(|e| e.trim().trim_end_matches('/')).filter(|e| !e.is_empty()) {
        let rest = entry.strip_prefix("http://").or_else(|| entry.strip_prefix("https://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@']) => origins.push(entry.to_owned()),
            _ => return Err(format!("{entry:?} is not an origin (http(s)://host[:port])")),
        }
    }
    Ok(origins)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().with_target(false).init();
    let port: u16 = match env_or("PORT", "8080").parse() {
        Ok(p) => p,
        Err(_) => {
            eprintln!("tolem-demo: PORT must be a number");
            return std::process::ExitCode::from(2);
        }
    };
    let state_dir = env_or("TOLEM_STATE_DIR", ".state");
    let options = DemoOptions {
        index_html: PathBuf::from(env_or("TOLEM_INDEX_HTML", "index.html")),
        storefront_dir: PathBuf::from(env_or("TOLEM_STOREFRONT_DIR", "demo")),
        widget_dir: PathBuf::from(env_or("TOLEM_WIDGET_DIR", "dist")),
        embed_dir: PathBuf::from(env_or("TOLEM_EMBED_DIR", "demo/embed")),
        npm_app_dir: std::env::var("TOLEM_NPM_APP_DIR").ok().filter(|v| !v.is_empty()).map(PathBuf::from),
        cdn_port: match env_or("TOLEM_CDN_PORT", &port.saturating_add(1).to_string()).parse() {
            Ok(p) => Some(p),
            Err(_) => {
                eprintln!("tolem-demo: TOLEM_CDN_PORT must be a number");
                return std::process::ExitCode::from(2);
            }
        },
        state_dir: (state_dir != ":memory:").then(|| PathBuf::from(state_dir)),
        provider_timeout: match env_or("TOLEM_PROVIDER_TIMEOUT_MS", "5000").parse() {
            Ok(ms) => Duration::from_millis(ms),
            Err(_) => {
                eprintln!("tolem-demo: TOLEM_PROVIDER_TIMEOUT_MS must be a number of milliseconds");
                return std::process::ExitCode::from(2);
            }
        },
        provider_origin: std::env::var("TOLEM_PROVIDER_ORIGIN").ok().filter(|v| !v.is_empty()),
        trusted_proxies: 0,
        page_lifetime: match env_or("TOLEM_PAGE_LIFETIME_SECONDS", "1200").parse() {
            Ok(secs) => Duration::from_secs(secs),
            Err(_) => {
                eprintln!("tolem-demo: TOLEM_PAGE_LIFETIME_SECONDS must be a number of seconds");
                return std::process::ExitCode::from(2);
            }
        },
        rate_limit: match (
            env_or("TOLEM_RATE_LIMIT_PER_MINUTE", "1200").parse(),
            env_or("TOLEM_RATE_LIMIT_BURST", "200").parse(),
        ) {
            (Ok(0), _) => None,
            (Ok(per_minute), Ok(burst)) => Some(tolem_backend::RateLimit { per_minute, burst }),
            _ => {
                eprintln!("tolem-demo: TOLEM_RATE_LIMIT_PER_MINUTE and TOLEM_RATE_LIMIT_BURST must be numbers");
                return std::process::ExitCode::from(2);
            }
        },
        bereke_two_stage: env_or("TOLEM_BEREKE_TWO_STAGE", "0") == "1",
        ecommpay_hold: env_or("TOLEM_ECOMMPAY_HOLD", "0") == "1",
        ioka_manual_capture: env_or("TOLEM_IOKA_CAPTURE", "AUTO").eq_ignore_ascii_case("MANUAL"),
        bereke_unsigned_callbacks: env_or("TOLEM_BEREKE_UNSIGNED_CALLBACKS", "0") == "1",
        sandbox_tweak: None,
        extra_origins: match allowed_origins(&env_or("TOLEM_ALLOWED_ORIGINS", "")) {
            Ok(origins) => origins,
            Err(e) => {
                eprintln!("tolem-demo: TOLEM_ALLOWED_ORIGINS: {e}");
                return std::process::ExitCode::from(2);
            }
        },
    };
    let max_seconds: Option<u64> = std::env::var("TOLEM_DEMO_MAX_SECONDS").ok().and_then(|v| v.parse().ok());
    let demo = match Demo::bind(port, options).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("tolem-demo: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let o = demo.origin.clone();
    println!(
        "\nTolem demo on {o}\n\n  storefront      {o}/?provider=ioka&locale=kk  (also bereke, ecommpay, paytone, oneentry)\n  widget files    {o}/tolem/  and, as from a CDN, {cdn}/tolem/\n  embeddings      {o}/embed/script-tag.html  cdn.html  element.html  (strict CSP)\n  backend         {o}/api/checkout/  (admin token {admin})\n  notifications   {o}/shop/notifications  (signed with {notify})\n  sandbox         {o}/sandbox/{{ioka,bereke,ecommpay,paytone,oneentry}}/…\n  credentials     {o}/sandbox/credentials.json\n\n  ioka            API key {}  public key {}  webhook key {}\n  bereke          userName {}  password {}  callback token {}\n  ecommpay        project {}  secret {}\n  paytone         public key {}  API key {}  account {}  secret key (callbacks) {}\n  oneentry        app token {}  user {} / {}\n  test card       5555 5555 5555 5599, 12/30, CVC 123 (4111 1111 1111 1111 asks for 3-D Secure password 12345678)\n\nPress Ctrl-C to stop.",
        creds::IOKA_API_KEY,
        creds::IOKA_PUBLIC_KEY,
        creds::IOKA_WEBHOOK_KEY,
        creds::BEREKE_USER_NAME,
        creds::BEREKE_PASSWORD,
        creds::BEREKE_CALLBACK_TOKEN,
        creds::ECOMMPAY_PROJECT_ID,
        creds::ECOMMPAY_SECRET,
        creds::PAYTONE_PUBLIC_KEY,
        creds::PAYTONE_API_KEY,
        creds::PAYTONE_ACCOUNT_ID,
        creds::PAYTONE_SECRET_KEY,
        creds::ONEENTRY_APP_TOKEN,
        creds::ONEENTRY_EMAIL,
        creds::ONEENTRY_PASSWORD,
        admin = tolem_demo::DEMO_ADMIN_TOKEN,
        notify = tolem_demo::DEMO_NOTIFY_SECRET,
        cdn = demo.cdn_origin.as_deref().unwrap_or("(none)"),
    );
    let shutdown = async move {
        match max_seconds {
            Some(s) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = tokio::time::sleep(Duration::from_secs(s)) => eprintln!("tolem-demo: TOLEM_DEMO_MAX_SECONDS reached, stopping"),
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    match demo.serve(shutdown).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tolem-demo: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_origins;

    #[test]
    fn allowed_origins_are_origins_only() {
        assert_eq!(
            allowed_origins(" http://127.0.0.1:8081/ , https://shop.test,"),
            Ok(vec!["http://127.0.0.1:8081".to_owned(), "https://shop.test".to_owned()])
        );
        assert_eq!(allowed_origins(""), Ok(vec![]));
        for bad in ["127.0.0.1:8081", "https://shop.test/checkout", "ftp://x", "https://u@shop.test", "https://"] {
            assert!(allowed_origins(bad).is_err(), "{bad}");
        }
    }
}
