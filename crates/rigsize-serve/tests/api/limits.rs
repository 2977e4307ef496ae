//! The router's limits and HTTP errors: body size, methods, unknown routes, timeouts and no 5xx for garbage.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use rigsize_catalog::Catalog;
use rigsize_serve::{build_fit_report, FitRequest, Limits};
use serde_json::json;

use super::{assert_error, get, post_json, send, state};

#[tokio::test]
async fn huge_body_is_413() {
    let big = format!(
        r#"{{"model": "gpt-oss-20b", "pad": "{}"}}"#,
        "x".repeat(300 * 1024)
    );
    let (status, v, _) = send(state(), post_json("/api/fit", big.clone())).await;
    assert_error(
        status,
        &v,
        StatusCode::PAYLOAD_TOO_LARGE,
        "limit of 262144 bytes",
    );
    // Without a Content-Length (a chunked stream), too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .into_bytes()
        .chunks(8192)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let stream = Body::from_stream(futures_util::stream::iter(chunks));
    let (status, v, _) = send(state(), post_json("/api/plan", stream)).await;
    assert_error(status, &v, StatusCode::PAYLOAD_TOO_LARGE, "limit");
}

#[tokio::test]
async fn wrong_method_is_405_json_with_allow() {
    let (status, v, headers) = send(state(), get("/api/fit")).await;
    assert_error(status, &v, StatusCode::METHOD_NOT_ALLOWED, "use POST");
    assert_eq!(headers.get(header::ALLOW).unwrap(), "POST");
    let (status, v, _) = send(state(), post_json("/api/models", "{}")).await;
    assert_error(status, &v, StatusCode::METHOD_NOT_ALLOWED, "GET");
    let req = Request::builder()
        .method(Method::DELETE)
        .uri("/api/plan")
        .body(Body::empty())
        .unwrap();
    let (status, v, _) = send(state(), req).await;
    assert_error(status, &v, StatusCode::METHOD_NOT_ALLOWED, "DELETE");
}

#[tokio::test]
async fn unknown_route_is_404_json() {
    let (status, v, _) = send(state(), get("/api/nope")).await;
    assert_error(status, &v, StatusCode::NOT_FOUND, "/api/nope");
    let (status, v, _) = send(state(), get("/../../etc/passwd")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
}

#[tokio::test]
async fn timeout_is_408_json() {
    let mut s = state();
    s.limits = Limits {
        timeout: Duration::from_nanos(1),
        ..Limits::default()
    };
    let (status, v, _) = send(s, get("/api/models?fits=rtx-4090")).await;
    assert_error(status, &v, StatusCode::REQUEST_TIMEOUT, "longer than");
}

/// No body a client can send makes the server answer 5xx (other than 501).
#[tokio::test]
async fn garbage_never_5xx() {
    let bodies = [
        "null", "true", "\"x\"", "{}", "{\"model\": null}", "{\"model\": 5}",
        "{\"model\": \"gpt-oss-20b\", \"ctx\": 18446744073709551616}",
        "{\"model\": \"gpt-oss-20b\", \"ctx\": \"9999999999999k\"}",
        "{\"model\": \"gpt-oss-20b\", \"ctx\": 1, \"hw\": \"rtx-5090:16\", \"streams\": 1024}",
        "{\"model\": \"gpt-oss-20b\", \"ctx\": \"1m\", \"hw\": \"rtx-5090\", \"streams\": 1024, \"kv_type\": \"f32\"}",
        "{\"model\": \"gpt-oss-20b\", \"hw\": \"m3-ultra-80c@999999\"}",
        "{\"model\": \"gpt-oss-20b\", \"hw\": \"@:\"}",
        "{\"model\": \"gpt-oss-20b\", \"wired_limit_gb\": 1e308, \"hw\": \"m4-max-40c\"}",
        "{\"model\": \"gpt-oss-20b\", \"gpu_memory_utilization\": 1e-300, \"engine\": \"vllm\", \"hw\": \"rtx-5090\"}",
        "{\"model\": \"\u{1F600}\"}",
    ];
    let catalog = Catalog::builtin().unwrap();
    for body in bodies {
        for uri in ["/api/fit", "/api/speed", "/api/plan"] {
            let (status, v, _) = send(state(), post_json(uri, body)).await;
            assert!(!status.is_server_error(), "{uri} {body} → {status} {v}");
        }
    }
    // Every model at extreme settings, straight through the shared function.
    for m in &catalog.models {
        for (ctx, streams, hw) in [
            ("1", 1, "rtx-5090:16"),
            ("10m", 1024, "rtx-3060"),
            ("1m", 7, "m3-ultra-80c@512"),
        ] {
            let mut req = FitRequest::new(m.arch.id.clone());
            req.ctx = Some(json!(ctx));
            req.streams = Some(streams);
            req.hw = Some(hw.into());
            let _ = build_fit_report(&req, &catalog);
        }
    }
}
