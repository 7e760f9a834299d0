//! The backend as its own process: `TOLEM_ADDR` (default `127.0.0.1:8081`), routes under
//! `/api/checkout`. See `Config::from_env` for the variables.

use std::sync::Arc;

use axum::Router;
use tolem_backend::{app, AppState, Config};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().with_target(false).init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tolem-backend: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let state: Arc<AppState> = match AppState::new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tolem-backend: cannot open the store: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let addr = std::env::var("TOLEM_ADDR").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tolem-backend: cannot listen on {addr}: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    tracing::info!(%addr, "tolem-backend listening");
    let router = Router::new().nest("/api/checkout", app(state));
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tolem-backend: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
