//! The backend as its own process: `TOLEM_ADDR` (default `127.0.0.1:8081`), routes under
//! `/api/checkout`. See `Config::from_env` for the variables.
//!
//! `tolem-backend sign|verify <provider> --secret S` is the signature tool (see `cli`).

use std::sync::Arc;

use axum::Router;
use tolem_backend::{app, AppState, Config};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if tolem_backend::cli::is_tool_command(&args) {
        let mut input = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut input) {
            eprintln!("tolem-backend: cannot read stdin: {e}");
            return std::process::ExitCode::from(2);
        }
        let outcome = tolem_backend::cli::run(&args, &input);
        print!("{}", outcome.stdout);
        eprint!("{}", outcome.stderr);
        return std::process::ExitCode::from(outcome.code);
    }
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(serve()),
        Err(e) => {
            eprintln!("tolem-backend: cannot start the runtime: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

async fn serve() -> std::process::ExitCode {
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
    let served = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
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
