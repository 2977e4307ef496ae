//! `rigsize serve` and `rigsize mcp`.
//!
//! - [`router`]: the JSON API (`/api/fit`, `/api/speed`, `/api/plan`,
//!   `/api/models`, `/api/hardware`, `/api/prices`, `/api/health`,
//!   `/api/openapi.json`) and the page at `/`, with a request body cap, a
//!   request timeout and a concurrency limit. Every error is a 4xx (or a 501
//!   for a feature not in this build) with `{"error": "…"}`.
//! - [`serve`]: binds it (loopback unless told otherwise) and runs it.
//! - [`run_mcp`]: the same operations as Model Context Protocol tools over
//!   stdio.
//!
//! The requests carry the CLI's options under their flag names in
//! snake_case, and the answers are the CLI's `--json` output.

pub mod api;
/// Requests and reports shared with the CLI (see the rigsize-app crate).
pub use rigsize_app::{catalog, fit, speed};
pub mod error;
pub mod mcp;
pub mod openapi;
pub mod plan;
pub mod prices;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rigsize_catalog::Catalog;

pub use api::router;
pub use error::ApiError;
pub use fit::{build_fit_report, FitRequest};
pub use mcp::run_mcp;

/// Limits applied to every request.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, bytes; larger → 413.
    pub max_body_bytes: usize,
    /// Longest a request may take; longer → 408.
    pub timeout: Duration,
    /// Requests handled at once; more wait for a slot (within the timeout).
    pub max_concurrent: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body_bytes: 256 * 1024,
            timeout: Duration::from_secs(20),
            max_concurrent: 64,
        }
    }
}

/// What every handler shares: the catalog, the price settings and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    pub catalog: Arc<Catalog>,
    pub prices: prices::PriceSettings,
    pub limits: Limits,
}

impl AppState {
    pub fn new(catalog: Catalog) -> AppState {
        AppState {
            catalog: Arc::new(catalog),
            prices: prices::PriceSettings::default(),
            limits: Limits::default(),
        }
    }
}

/// Binds `bind:port` (port 0: any free port) and serves until Ctrl-C.
/// Prints the address it listens on (`rigsize serve: listening on
/// http://127.0.0.1:8080/`) to stderr, then a line per failure only.
pub async fn serve(bind: IpAddr, port: u16, catalog: Catalog) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(bind, port))
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}:{port}: {e}"))?;
    serve_on(listener, catalog).await
}

/// As [`serve`], on a listener the caller bound.
pub async fn serve_on(listener: tokio::net::TcpListener, catalog: Catalog) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let shown = match addr {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    };
    eprintln!("rigsize serve: listening on http://{shown}/");
    if !addr.ip().is_loopback() {
        eprintln!(
            "rigsize serve: warning: {} is reachable from other machines; the API has no authentication",
            addr.ip()
        );
    }
    let app = router(AppState::new(catalog));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
