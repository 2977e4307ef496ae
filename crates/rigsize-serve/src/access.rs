//! Who may use the server: an optional bearer token, CORS, and a per-client
//! rate limit. On loopback (the default) none of these is needed; once the
//! server binds to a LAN address, anyone there can reach it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::CorsLayer;

use crate::error::ApiError;

/// Per-client request rate when serving beyond loopback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// One request is replenished every `period`.
    pub period: Duration,
    /// Requests a client may send at once before being limited.
    pub burst: u32,
}

impl Default for RateLimit {
    /// 20 requests/s with bursts of 40: a colleague's page load (a few
    /// requests) never notices, a flood from one address is cut to 20/s.
    fn default() -> RateLimit {
        RateLimit {
            period: Duration::from_millis(50),
            burst: 40,
        }
    }
}

/// How the server lets clients in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Required as `Authorization: Bearer TOKEN` on every `/api/` route but
    /// `/api/health` and `/api/openapi.json`.
    pub token: Option<String>,
    /// The one origin whose pages may call the API from a browser. `None`:
    /// no CORS headers at all, so browsers keep other sites' pages out.
    pub cors_origin: Option<String>,
    /// Per-client-IP rate limit (needs the peer address: serve with
    /// connect info).
    pub rate_limit: Option<RateLimit>,
}

impl Access {
    /// The settings for a server bound to `addr`: a rate limit unless it is
    /// loopback.
    pub fn for_bind(
        addr: SocketAddr,
        token: Option<String>,
        cors_origin: Option<String>,
    ) -> Access {
        Access {
            token: token.filter(|t| !t.is_empty()),
            cors_origin,
            rate_limit: (!addr.ip().is_loopback()).then(RateLimit::default),
        }
    }
}

/// The CORS layer: the given origin only, or none.
pub fn cors(access: &Access) -> Result<CorsLayer, String> {
    let Some(origin) = &access.cors_origin else {
        return Ok(CorsLayer::new());
    };
    let value = HeaderValue::from_str(origin)
        .ok()
        .filter(|_| origin.starts_with("http://") || origin.starts_with("https://"))
        .ok_or_else(|| {
            format!("--cors {origin:?} is not an origin such as https://intranet.example:8443")
        })?;
    Ok(CorsLayer::new()
        .allow_origin(value)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .max_age(Duration::from_secs(600)))
}

/// `app` behind a per-client rate limit, answering 429 with `Retry-After`.
pub fn with_rate_limit(app: Router, limit: RateLimit) -> Router {
    let config = GovernorConfigBuilder::default()
        .period(limit.period)
        .burst_size(limit.burst.max(1))
        .finish()
        .expect("a non-zero period and burst");
    app.layer(GovernorLayer::new(Arc::new(config)).error_handler(too_many))
}

fn too_many(e: GovernorError) -> Response {
    match e {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let mut r = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many requests from this address; retry in {wait_time} s"),
            )
            .into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait_time.max(1)));
            r
        }
        GovernorError::UnableToExtractKey => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot tell the client's address for the rate limit; please report it",
        )
        .into_response(),
        GovernorError::Other { code, msg, .. } => {
            ApiError::new(code, msg.unwrap_or_else(|| "request refused".into())).into_response()
        }
    }
}

/// Paths anyone may read without the token.
fn is_public(path: &str) -> bool {
    !path.starts_with("/api/") || path == "/api/health" || path == "/api/openapi.json"
}

/// Equal in time whatever the first differing byte, so the answer's timing
/// does not leak the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 401 unless the request carries the token (when one is set).
pub async fn require_token(
    State(token): State<Option<Arc<str>>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(token) = token else {
        return next.run(req).await;
    };
    if req.method() == Method::OPTIONS || is_public(req.uri().path()) {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given.is_some_and(|g| same(g.as_bytes(), token.as_bytes())) {
        return next.run(req).await;
    }
    let mut r = ApiError::new(
        StatusCode::UNAUTHORIZED,
        if given.is_some() {
            "the bearer token is wrong"
        } else {
            "this server needs a token: send Authorization: Bearer TOKEN"
        },
    )
    .into_response();
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}
