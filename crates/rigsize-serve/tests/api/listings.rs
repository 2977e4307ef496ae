//! `GET /api/models`, `/api/hardware` and `/api/prices`: lists, filters and bad queries.

use axum::http::StatusCode;

use super::{assert_error, get, send, state};

#[tokio::test]
async fn models_list_and_filters() {
    let (status, v, _) = send(state(), get("/api/models")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let rows = v.as_array().unwrap();
    assert!(rows.len() > 10);
    assert!(rows.iter().any(|r| r["id"] == "qwen3-coder-30b-a3b"));
    let (status, v, _) = send(state(), get("/api/models?moe=true&search=qwen")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for r in v.as_array().unwrap() {
        assert!(r["params_active"].as_u64() < r["params_total"].as_u64());
        assert!(
            r["id"].as_str().unwrap().contains("qwen")
                || r["name"].as_str().unwrap().to_lowercase().contains("qwen")
        );
    }
    let (status, v, _) = send(
        state(),
        get("/api/models?fits=rtx-4090&ctx=32k&sort=params"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for r in v.as_array().unwrap() {
        assert_eq!(r["fit"]["fits"], true);
    }
    let (status, v, _) = send(state(), get("/api/models?sort=price")).await;
    assert_error(
        status,
        &v,
        StatusCode::BAD_REQUEST,
        "unknown --sort 'price'",
    );
    let (status, v, _) = send(state(), get("/api/models?streams=abc")).await;
    assert_error(
        status,
        &v,
        StatusCode::BAD_REQUEST,
        "invalid query parameters",
    );
    let (status, v, _) = send(state(), get("/api/models?bogus=1")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "bogus");
    let (status, v, _) = send(state(), get("/api/models?fits=nope")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "nope");
}

#[tokio::test]
async fn hardware_list_and_filters() {
    let (status, v, _) = send(state(), get("/api/hardware")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let rows = v.as_array().unwrap();
    assert!(rows.iter().any(|r| r["device"]["id"] == "rtx-5090"));
    let (status, v, _) = send(state(), get("/api/hardware?kind=apple_soc&min_memory=100")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(!v.as_array().unwrap().is_empty());
    for r in v.as_array().unwrap() {
        assert_eq!(r["device"]["kind"], "apple_soc");
    }
    let (status, v, _) = send(state(), get("/api/hardware?kind=tpu")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "unknown --kind 'tpu'");
    let (status, v, _) = send(state(), get("/api/hardware?min_memory=lots")).await;
    assert_error(
        status,
        &v,
        StatusCode::BAD_REQUEST,
        "invalid query parameters",
    );
}

#[tokio::test]
async fn prices_from_the_snapshot() {
    let (status, v, _) = send(
        state(),
        get("/api/prices?q=rtx%205090&sort=price-asc&limit=5"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let quotes = v["quotes"].as_array().unwrap();
    assert!(!quotes.is_empty() && quotes.len() <= 5, "{v}");
    for q in quotes {
        assert!(q["price_chf"].as_f64().unwrap() > 0.0);
        assert!(q["observed_at"].is_string());
        assert!(["snapshot", "estimate", "cache"].contains(&q["source"].as_str().unwrap()));
    }
    let (status, v, _) = send(state(), get("/api/prices")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "missing field `q`");
    let (status, v, _) = send(state(), get("/api/prices?q=%20")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "empty search query");
    let (status, v, _) = send(state(), get("/api/prices?q=x&limit=0")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "--limit must be");
    let (status, v, _) = send(state(), get("/api/prices?q=x&sort=cheap")).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "cheap");
}
