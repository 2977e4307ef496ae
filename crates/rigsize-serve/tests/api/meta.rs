//! The health check, the OpenAPI document and the self-contained page.

use axum::http::{header, StatusCode};

use super::{get, send, state};

#[tokio::test]
async fn health_and_openapi() {
    let (status, v, _) = send(state(), get("/api/health")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert!(v["models"].as_u64().unwrap() > 10);
    let (status, v, _) = send(state(), get("/api/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["openapi"], "3.1.0");
    for path in [
        "/api/fit",
        "/api/speed",
        "/api/plan",
        "/api/models",
        "/api/hardware",
        "/api/prices",
        "/api/health",
        "/api/openapi.json",
        "/",
    ] {
        assert!(v["paths"][path].is_object(), "{path} missing");
    }
    // Every $ref resolves inside the document.
    let text = v.to_string();
    for part in text.split("\"$ref\":\"#/").skip(1) {
        let pointer = format!("/{}", &part[..part.find('"').unwrap()]);
        assert!(v.pointer(&pointer).is_some(), "dangling $ref {pointer}");
    }
    let fit_props = &v["components"]["schemas"]["FitRequest"]["properties"];
    for flag in [
        "model",
        "quant",
        "ctx",
        "kv_type",
        "kv_type_v",
        "streams",
        "hw",
        "engine",
        "ubatch",
        "kv_unified",
        "swa_full",
        "gpu_memory_utilization",
        "wired_limit_gb",
    ] {
        assert!(fit_props[flag].is_object(), "FitRequest.{flag} missing");
    }
    let params = v["paths"]["/api/prices"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(params
        .iter()
        .any(|p| p["name"] == "q" && p["required"] == true));
}

#[tokio::test]
async fn page_is_self_contained_html() {
    let (status, v, headers) = send(state(), get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = v.as_str().unwrap();
    assert!(html.contains("<svg") || html.contains("createElementNS"));
    assert!(html.contains("/api/fit"));
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "//cdn"] {
        assert!(
            !html.contains(external),
            "external reference {external} in the page"
        );
    }
    assert!(html.contains("GiB"));
}
