//! `POST /api/plan`: requirements as TOML, text or JSON, and its errors.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use rigsize_catalog::Catalog;
use rigsize_serve::plan::{build_plan_report, PlanRequest};
use serde_json::{json, Value};

use super::{assert_error, post_json, send, state, wire, EXAMPLE};

#[tokio::test]
async fn plan_from_toml_json_and_text() {
    let catalog = Catalog::builtin().unwrap();
    let want = build_plan_report(
        &PlanRequest {
            toml: Some(EXAMPLE.into()),
            requirements: None,
            top: None,
        },
        &catalog,
    )
    .unwrap();
    let want = wire(&want);
    assert!(!want["candidates"].as_array().unwrap().is_empty());
    // {"toml": "…"}
    let (status, v, _) = send(
        state(),
        post_json("/api/plan", json!({"toml": EXAMPLE}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v == want, "plan answer differs");
    // text/plain
    let req = Request::post("/api/plan")
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(EXAMPLE))
        .unwrap();
    let (status, v, _) = send(state(), req).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v == want, "plan answer differs");
    // The requirements as a JSON object.
    let as_json: Value = toml::from_str::<toml::Value>(EXAMPLE)
        .map(|t| serde_json::to_value(t).unwrap())
        .unwrap();
    let (status, v, _) = send(state(), post_json("/api/plan", as_json.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["candidates"], want["candidates"]);
    // top
    let (status, v, _) = send(
        state(),
        post_json("/api/plan", json!({"toml": EXAMPLE, "top": 3}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["candidates"].as_array().unwrap().len() <= 4);
    for c in v["candidates"].as_array().unwrap() {
        assert!(c["total_price_chf"].as_f64().unwrap() > 0.0);
    }
}

#[tokio::test]
async fn plan_errors() {
    for (ct, body, want) in [
        ("application/json", "{}", "missing field `role`"),
        ("application/json", r#"{"top": 3}"#, "no requirements"),
        (
            "application/json",
            r#"{"toml": "x", "requirements": {"a": 1}}"#,
            "not both",
        ),
        ("application/json", "42", "expected an object"),
        ("application/json", "nope", "invalid plan request JSON"),
        (
            "application/json",
            r#"{"toml": 5}"#,
            "invalid plan request JSON",
        ),
        (
            "application/json",
            r#"{"toml": "title = ", "top": 1}"#,
            "requirements",
        ),
        (
            "application/json",
            r#"{"toml": "[[role]]\nname = 1"}"#,
            "requirements",
        ),
        (
            "application/json",
            r#"{"toml": "x = 1", "top": 0}"#,
            "--top must be",
        ),
        ("text/plain", "\u{ff}not toml", "requirements"),
        ("text/plain", "", "requirements"),
    ] {
        let req = Request::post("/api/plan")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body.as_bytes().to_vec()))
            .unwrap();
        let (status, v, _) = send(state(), req).await;
        assert_error(status, &v, StatusCode::BAD_REQUEST, want);
    }
    let req = Request::post("/api/plan")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(vec![0xffu8, 0xfe]))
        .unwrap();
    let (status, v, _) = send(state(), req).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "not UTF-8");
}
