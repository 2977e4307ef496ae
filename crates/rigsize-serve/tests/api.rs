//! Router tests without a socket: every route, its errors, and the limits.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use rigsize_catalog::Catalog;
use rigsize_serve::{router, AppState};
use serde_json::Value;
use tower::ServiceExt;

#[path = "api/fit.rs"]
mod fit;
#[path = "api/limits.rs"]
mod limits;
#[path = "api/listings.rs"]
mod listings;
#[path = "api/meta.rs"]
mod meta;
#[path = "api/plan.rs"]
mod plan;
#[path = "api/speed.rs"]
mod speed;

fn state() -> AppState {
    let mut s = AppState::new(Catalog::builtin().expect("catalog"));
    let dir = std::env::temp_dir().join(format!("rigsize-serve-test-{}", std::process::id()));
    s.prices.cache_dir = Some(dir);
    s
}

async fn send(state: AppState, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
    let res = router(state).oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let v = if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|c| c.to_str().unwrap().starts_with("application/json"))
    {
        serde_json::from_slice(&bytes).expect("JSON body")
    } else {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    (status, v, headers)
}

/// A value as a client sees it: serialized to text, parsed back.
fn wire<T: serde::Serialize>(t: &T) -> Value {
    serde_json::from_str(&serde_json::to_string(t).unwrap()).unwrap()
}

fn post_json(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn assert_error(status: StatusCode, v: &Value, want: StatusCode, contains: &str) {
    assert_eq!(status, want, "{v}");
    let msg = v["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {v}"));
    assert!(
        msg.contains(contains),
        "error {msg:?} does not contain {contains:?}"
    );
}

const EXAMPLE: &str = include_str!("../../../examples/single-24gb-budget.toml");
