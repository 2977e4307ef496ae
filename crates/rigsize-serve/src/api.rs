//! The HTTP side: routes, extraction that turns every bad input into a 4xx
//! JSON error, and the limits.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::error::Overloaded;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

use crate::catalog::{list_hardware, list_models, HardwareQuery, ModelsQuery};
use crate::error::ApiError;
use crate::fit::{build_fit_report, FitRequest};
use crate::plan::{PlanJob, PlanRequest};
use crate::prices::PricesQuery;
use crate::speed::{build_speed_report, SpeedRequest};
use crate::{access, AppState, Limits};

/// The page at `/`: one self-contained file, no external assets.
pub const PAGE_HTML: &str = include_str!("page.html");

/// The API and the page, with the limits of `state.limits` and the access
/// settings of `state.access`.
///
/// Two classes of routes: heavy ones (plan, speed, prices) are admitted up
/// to workers + queue and shed beyond with 503 (tower's load shed over a
/// global concurrency limit), then run in [`crate::pool::HeavyPool`]; cheap
/// ones have their own concurrency limit and never wait behind heavy work.
pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    let access = state.access.clone();
    let admitted = Arc::new(Semaphore::new(state.pool.size() + limits.heavy_queue));
    let heavy = Router::new()
        .route("/api/speed", post(speed_handler))
        .route("/api/plan", post(plan_handler))
        .route("/api/prices", get(prices_handler))
        .route_layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overloaded))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::with_semaphore(admitted)),
        );
    let cheap = Router::new()
        .route("/", get(page))
        .route("/index.html", get(page))
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi))
        .route("/api/fit", post(fit_handler))
        .route("/api/models", get(models_handler))
        .route("/api/hardware", get(hardware_handler))
        .route_layer(GlobalConcurrencyLimitLayer::new(
            limits.max_concurrent.max(1),
        ));
    let token: Option<Arc<str>> = access.token.as_deref().map(Arc::from);
    let mut app = cheap
        .merge(heavy)
        .fallback(not_found)
        .with_state(state)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .layer(middleware::from_fn_with_state(token, access::require_token))
        .layer(middleware::from_fn_with_state(limits, json_errors));
    if let Some(rate) = access.rate_limit {
        app = access::with_rate_limit(app, rate);
    }
    app.layer(access::cors(&access).unwrap_or_else(|_| CorsLayer::new()))
}

/// The load shedder's answer when the heavy queue is full.
async fn overloaded(err: BoxError) -> Response {
    if err.is::<Overloaded>() {
        let mut r = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is busy with other plans and its queue is full; retry in a second",
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    }
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error: {err}; please report it"),
    )
    .into_response()
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
            ),
        ],
        Html(PAGE_HTML),
    )
}

async fn health(State(s): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "models": s.catalog.models.len(),
        "hardware": s.catalog.hardware.len(),
    }))
}

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

async fn not_found(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no route {} {}; see /api/openapi.json for the API",
            req.method(),
            req.uri().path()
        ),
    )
}

/// The body as bytes, a too-large or unreadable body as a JSON error.
fn body_bytes(body: Result<Bytes, BytesRejection>, limits: &Limits) -> Result<Bytes, ApiError> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limits)
        } else {
            ApiError::new(
                r.status(),
                format!("cannot read the request body: {}", r.body_text()),
            )
        }
    })
}

fn too_large(limits: &Limits) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than the limit of {} bytes",
            limits.max_body_bytes
        ),
    )
}

fn json_body<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(format!(
            "empty request body: send {what} as a JSON object"
        )));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid {what} JSON: {e}")))
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|r| {
        let text = r.body_text();
        let text = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        ApiError::bad_request(format!("invalid query parameters: {text}"))
    })
}

/// Runs a computation off the async threads, so the timeout can answer
/// while it runs; a panic inside becomes a 500 JSON error.
async fn compute<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error while computing: {e}; please report it"),
        )
    })?
}

async fn fit_handler(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(body, &s.limits)?;
    let req: FitRequest = json_body(&bytes, "fit request")?;
    let catalog = s.catalog.clone();
    let report = compute(move || Ok(build_fit_report(&req, &catalog)?.0)).await?;
    Ok(Json(report).into_response())
}

async fn speed_handler(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(body, &s.limits)?;
    let req: SpeedRequest = json_body(&bytes, "speed request")?;
    let catalog = s.catalog.clone();
    let report = s
        .pool
        .run(move |_| Ok(build_speed_report(&req, &catalog)?))
        .await?;
    Ok(Json(report).into_response())
}

fn is_text_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let v = v.to_ascii_lowercase();
            v.starts_with("text/") || v.starts_with("application/toml")
        })
        .unwrap_or(false)
}

async fn plan_handler(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = body_bytes(body, &s.limits)?;
    let req = if is_text_body(&headers) {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::bad_request("the requirements text is not UTF-8"))?;
        PlanRequest {
            toml: Some(text.to_string()),
            requirements: None,
            top: None,
        }
    } else {
        let v: serde_json::Value = json_body(&bytes, "plan request")?;
        match v {
            serde_json::Value::Object(obj)
                if !obj.is_empty()
                    && obj
                        .keys()
                        .all(|k| k == "toml" || k == "requirements" || k == "top") =>
            {
                serde_json::from_value(serde_json::Value::Object(obj))
                    .map_err(|e| ApiError::bad_request(format!("invalid plan request JSON: {e}")))?
            }
            serde_json::Value::Object(obj) => PlanRequest {
                toml: None,
                requirements: Some(obj),
                top: None,
            },
            _ => {
                return Err(ApiError::bad_request(
                    "invalid plan request JSON: expected an object: {\"toml\": \"…\"} or the requirements",
                ))
            }
        }
    };
    let catalog = s.catalog.clone();
    let prepared = catalog.clone();
    let job = compute(move || PlanJob::prepare(&req, &prepared)).await?;
    let report = s.pool.run(move |cancel| job.run(&catalog, cancel)).await?;
    Ok(Json(report).into_response())
}

async fn models_handler(
    State(s): State<AppState>,
    q: Result<Query<ModelsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let catalog = s.catalog.clone();
    let rows = compute(move || Ok(list_models(&q, &catalog)?)).await?;
    Ok(Json(rows).into_response())
}

async fn hardware_handler(
    State(s): State<AppState>,
    q: Result<Query<HardwareQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let rows = list_hardware(&q, &s.catalog)?;
    Ok(Json(rows).into_response())
}

async fn prices_handler(
    State(s): State<AppState>,
    q: Result<Query<PricesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let settings = s.prices.clone();
    let quotes = s
        .pool
        .run(move |_| crate::prices::prices(&q, &settings))
        .await?;
    Ok(Json(quotes).into_response())
}

fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error: {detail}; please report it"),
    )
    .into_response()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Turns the framework's own error responses (405, 408, 413, 415…) into
/// the API's `{"error": "…"}` shape.
async fn json_errors(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(res.headers()) {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned().or_else(|| {
        (status == StatusCode::METHOD_NOT_ALLOWED)
            .then(|| HeaderValue::from_static(allowed_methods(&path)))
    });
    let err = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = allow
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .unwrap_or("another method")
                .to_string();
            ApiError::new(
                status,
                format!("{method} is not allowed on {path}; use {allowed}"),
            )
        }
        StatusCode::REQUEST_TIMEOUT => ApiError::new(
            status,
            format!(
                "the request took longer than {}; try a smaller one",
                secs(limits.timeout)
            ),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => too_large(&limits),
        _ => ApiError::new(
            status,
            status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_ascii_lowercase(),
        ),
    };
    let mut out = err.into_response();
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    out
}

/// The methods a route answers, for 405 responses.
fn allowed_methods(path: &str) -> &'static str {
    match path {
        "/api/fit" | "/api/speed" | "/api/plan" => "POST",
        _ => "GET,HEAD",
    }
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}
