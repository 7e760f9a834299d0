//! The backend as its own process: `TOLEM_ADDR` (default `127.0.0.1:8081`), routes under
//! `/api/checkout`. See `Config::from_env` for the variables.
//!
//! Shutdown (SIGTERM or Ctrl-C): readiness turns 503 at once; after `TOLEM_DRAIN_MS`
//! (default 0: set it to your load balancer's probe interval) the listener closes, requests
//! in flight are finished (for at most `TOLEM_SHUTDOWN_TIMEOUT_MS`, default 30 000), the
//! store's connections are closed, and the process exits 0. `TOLEM_MAX_SECONDS` starts the
//! same shutdown after that long (tests set it, so no instance outlives them).
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
    let format = std::env::var("TOLEM_LOG_FORMAT").ok();
    match tolem_backend::observe::LogFormat::from_setting(format.as_deref()) {
        Ok(f) => tolem_backend::observe::init_logs(f),
        Err(e) => {
            eprintln!("tolem-backend: {e}");
            return std::process::ExitCode::from(2);
        }
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tolem-backend: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let shutdown = match tolem_backend::config::Shutdown::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tolem-backend: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let (drain, grace) = (shutdown.drain, shutdown.grace);
    let engine = tolem_backend::store::Engine::of_url(config.database.url.expose()).map_or("?", |e| e.as_str());
    let state: Arc<AppState> = match AppState::new(config).await {
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
    // The address bound (with port 0 in `TOLEM_ADDR`, the one the system chose).
    let bound = listener.local_addr().map_or(addr, |a| a.to_string());
    tracing::info!(addr = %bound, store = engine, "tolem-backend listening");
    let router = Router::new().nest("/api/checkout", app(state.clone()));
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let draining = state.clone();
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal(shutdown.max_running).await;
            draining.start_draining();
            tracing::info!(drain_ms = drain.as_millis(), "shutting down: readiness is 503, draining");
            tokio::time::sleep(drain).await;
            tracing::info!("no new connections; finishing requests in flight");
            let _ = stopping_tx.send(());
        });
    let served = tokio::select! {
        served = server => served,
        () = async {
            let _ = stopping_rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_ms = grace.as_millis(), "requests still in flight after the shutdown timeout; stopping anyway");
            Ok(())
        }
    };
    state.store.close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tolem-backend: {e}");
            std::process::ExitCode::from(1)
        }
    }
}

/// Resolves on SIGTERM (what orchestrators send), Ctrl-C, or after `max_running`.
async fn shutdown_signal(max_running: Option<std::time::Duration>) {
    let deadline = async {
        match max_running {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = signal() => {}
        () = deadline => tracing::info!("TOLEM_MAX_SECONDS reached"),
    }
}

/// SIGTERM or Ctrl-C.
async fn signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
