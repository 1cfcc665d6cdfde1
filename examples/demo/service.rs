//! What the three services share: `baton::init`, the listening socket, the `listening on`
//! line, graceful shutdown.
//!
//! Each service reads `DEMO_LISTEN` (default `127.0.0.1:0`: a free port, so the demo runs
//! beside anything already listening) and the `OTEL_*` variables `baton::init` reads;
//! `OTEL_SERVICE_NAME` defaults to the role.

use std::future::Future;
use std::net::SocketAddr;
use std::process::ExitCode;

use axum::Router;
use axum::routing::get;
use baton::interceptors::server::HttpServerLayer;
use tokio::net::TcpListener;

/// The error a service's `serve` ends with.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs one service: sets it up with `baton::init`, binds `DEMO_LISTEN`, prints
/// `listening on ADDR`, then hands the listener to `serve` until a shutdown signal.
pub(crate) fn run<F, Fut>(role: &'static str, serve: F) -> ExitCode
where
    F: FnOnce(TcpListener) -> Fut,
    Fut: Future<Output = Result<(), BoxError>>,
{
    match run_inner(role, serve) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{role}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_inner<F, Fut>(role: &'static str, serve: F) -> Result<(), BoxError>
where
    F: FnOnce(TcpListener) -> Fut,
    Fut: Future<Output = Result<(), BoxError>>,
{
    let mut init = baton::Init::from_env()?;
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        init = init.service_name(role);
    }
    // Installed outside the runtime and dropped after it: the guard's shutdown waits (within
    // its bound) for the last export, which must not happen on one of the runtime's workers.
    let guard = init.install()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = runtime.block_on(async {
        let listen = env_or("DEMO_LISTEN", "127.0.0.1:0");
        let listener = TcpListener::bind(&listen)
            .await
            .map_err(|e| format!("cannot listen on DEMO_LISTEN {listen:?}: {e}"))?;
        // The first line on stdout, which a parent reads to learn the port.
        println!("listening on {}", listener.local_addr()?);
        serve(listener).await
    });
    if let Err(error) = &served {
        tracing::error!(%error, "{role} stopped");
    }
    drop(runtime);
    drop(guard);
    served
}

/// Serves `routes` on `listener` behind Baton's HTTP server layer, with `GET /health` beside
/// them, until a shutdown signal.
pub(crate) async fn serve_http(listener: TcpListener, routes: Router) -> Result<(), BoxError> {
    let app = routes
        .layer(HttpServerLayer::new())
        // Added after the layer, so untraced: a health check every few seconds would bury the
        // traces that matter.
        .route("/health", get(|| async { "ok" }));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` sends).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
}

/// The variable's value, or `default` when it is unset or empty.
pub(crate) fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}
