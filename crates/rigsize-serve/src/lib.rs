//! `rigsize serve` and `rigsize mcp`.
//!
//! - [`router`]: the JSON API (`/api/fit`, `/api/speed`, `/api/plan`,
//!   `/api/models`, `/api/hardware`, `/api/prices`, `/api/health`,
//!   `/api/openapi.json`) and the page at `/`, with a request body cap, a
//!   request timeout, caps on a plan ([`rigsize_plan::limits`]), a bounded
//!   pool for heavy work ([`pool`]) and, beyond loopback, a token, CORS and a
//!   rate limit ([`access`]). Every error is `{"error": "…"}` with a 4xx
//!   (501: a feature not in this build; 503: the heavy queue is full).
//! - [`serve`]: binds it (loopback unless told otherwise) and runs it.
//! - [`run_mcp`]: the same operations as Model Context Protocol tools over
//!   stdio.
//!
//! The requests carry the CLI's options under their flag names in
//! snake_case, and the answers are the CLI's `--json` output.

pub mod access;
pub mod api;
/// Requests and reports shared with the CLI (see the rigsize-app crate).
pub use rigsize_app::{catalog, fit, speed};
pub mod error;
pub mod mcp;
pub mod openapi;
pub mod plan;
pub mod pool;
pub mod prices;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rigsize_catalog::Catalog;

pub use access::{Access, RateLimit};
pub use api::router;
pub use error::ApiError;
pub use fit::{build_fit_report, FitRequest};
pub use mcp::run_mcp;
pub use pool::HeavyPool;

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, bytes; larger → 413.
    pub max_body_bytes: usize,
    /// Longest a request may take; longer → 408, and its work is cancelled.
    pub timeout: Duration,
    /// Cheap requests (health, fit, models, hardware, the page) handled at
    /// once; more wait for a slot (within the timeout).
    pub max_concurrent: usize,
    /// Heavy computations (plan, speed, prices) running at once: the cores.
    pub heavy_workers: usize,
    /// Heavy requests waiting for a worker; beyond → 503 with Retry-After.
    pub heavy_queue: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 256 * 1024,
            timeout: Duration::from_secs(20),
            max_concurrent: 256,
            heavy_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            // 32 per core: at ~10 ms per typical plan a full queue drains in
            // well under a second, and 64 clients at once are all served.
            heavy_queue: 32 * std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// What every handler shares: the catalog, the price settings, the limits,
/// the heavy pool and the access settings.
#[derive(Debug, Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub prices: prices::PriceSettings,
    pub limits: Limits,
    pub pool: HeavyPool,
    pub access: Access,
}

impl AppState {
    pub fn new(catalog: Catalog) -> AppState {
        AppState::with_limits(catalog, Limits::default())
    }

    /// A state whose heavy pool has `limits.heavy_workers` workers.
    pub fn with_limits(catalog: Catalog, limits: Limits) -> AppState {
        AppState {
            catalog: Arc::new(catalog),
            prices: prices::PriceSettings::default(),
            pool: HeavyPool::new(limits.heavy_workers),
            limits,
            access: Access::default(),
        }
    }
}

/// Binds `bind:port` (port 0: any free port) and serves until Ctrl-C.
/// Prints the address it listens on (`rigsize serve: listening on
/// http://127.0.0.1:8080/`) to stderr, then a line per failure only.
pub async fn serve(bind: IpAddr, port: u16, catalog: Catalog) -> anyhow::Result<()> {
    serve_with(bind, port, catalog, None, None).await
}

/// [`serve`] with an optional bearer token and CORS origin. Beyond
/// loopback a per-client rate limit applies and a warning is printed.
pub async fn serve_with(
    bind: IpAddr,
    port: u16,
    catalog: Catalog,
    token: Option<String>,
    cors_origin: Option<String>,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(bind, port))
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}:{port}: {e}"))?;
    let addr = listener.local_addr()?;
    let mut state = AppState::new(catalog);
    state.access = Access::for_bind(addr, token, cors_origin);
    let _ = access::cors(&state.access).map_err(anyhow::Error::msg)?;
    serve_state(listener, state).await
}

/// As [`serve`], on a listener the caller bound.
pub async fn serve_on(listener: tokio::net::TcpListener, catalog: Catalog) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let mut state = AppState::new(catalog);
    state.access = Access::for_bind(addr, None, None);
    serve_state(listener, state).await
}

/// What the server prints when it starts: where it listens and, beyond
/// loopback, what that exposes.
pub fn startup_lines(addr: SocketAddr, access: &Access) -> Vec<String> {
    let shown = match addr {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    };
    let mut lines = vec![format!("rigsize serve: listening on http://{shown}/")];
    if !addr.ip().is_loopback() {
        let auth = if access.token.is_some() {
            "the API needs the bearer token"
        } else {
            "the API has no authentication (set --token or RIGSIZE_TOKEN)"
        };
        let rate = access
            .rate_limit
            .map(|r| {
                format!(
                    "; each address may send {:.0} requests/s (bursts of {})",
                    1.0 / r.period.as_secs_f64(),
                    r.burst
                )
            })
            .unwrap_or_default();
        lines.push(format!(
            "rigsize serve: warning: {} is reachable from other machines; {auth}{rate}",
            addr.ip()
        ));
    }
    lines
}

/// Serves `state` on `listener` until Ctrl-C.
pub async fn serve_state(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    for line in startup_lines(addr, &state.access) {
        eprintln!("{line}");
    }
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
