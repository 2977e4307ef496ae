//! `POST /api/fit`: the shared report, its defaults and its 4xx errors.

use axum::http::StatusCode;
use rigsize_catalog::Catalog;
use rigsize_serve::{build_fit_report, FitRequest};
use serde_json::json;

use super::{assert_error, post_json, send, state, wire};

#[tokio::test]
async fn fit_answers_the_shared_report() {
    let body = json!({"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "ctx": 200000,
        "kv_type": "q8_0", "streams": 3, "hw": "rtx-5090"});
    let (status, v, _) = send(state(), post_json("/api/fit", body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let req: FitRequest = serde_json::from_value(body).unwrap();
    let (report, _) = build_fit_report(&req, &Catalog::builtin().unwrap()).unwrap();
    assert!(
        v == wire(&report),
        "the API answer differs from the shared function's"
    );
    assert_eq!(v["model"], "qwen3-coder-30b-a3b");
    assert_eq!(v["ctx"], 200000);
    assert_eq!(v["streams"], 3);
    assert!(v["total_bytes"].as_u64().unwrap() > v["weights_bytes"].as_u64().unwrap());
    assert!(v["fits"].is_boolean());
    assert_eq!(v["hardware"]["id"], "rtx-5090");
}

#[tokio::test]
async fn fit_accepts_ctx_as_text_and_defaults() {
    let (status, v, _) = send(
        state(),
        post_json("/api/fit", r#"{"model": "gpt-oss-20b", "ctx": "128ki"}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["ctx"], 131072);
    assert_eq!(v["streams"], 1);
    assert_eq!(v["kv_type"], "f16");
    assert!(v["hardware"].is_null());
}

#[tokio::test]
async fn fit_errors_are_4xx_json_with_the_cli_message() {
    let cases: &[(&str, &str)] = &[
        (r#"{"model": "no-such-model"}"#, "no-such-model"),
        (
            r#"{"model": "gpt-oss-20b", "hw": "no-such-gpu"}"#,
            "no-such-gpu",
        ),
        (
            r#"{"model": "gpt-oss-20b", "streams": 0}"#,
            "--streams must be 1 to 1024",
        ),
        (
            r#"{"model": "gpt-oss-20b", "streams": 5000}"#,
            "--streams must be 1 to 1024",
        ),
        (
            r#"{"model": "gpt-oss-20b", "streams": -1}"#,
            "invalid fit request JSON",
        ),
        (r#"{"model": "gpt-oss-20b", "ctx": "lots"}"#, "lots"),
        (r#"{"model": "gpt-oss-20b", "ctx": -5}"#, "negative"),
        (r#"{"model": "gpt-oss-20b", "ctx": 1e30}"#, "token count"),
        (r#"{"model": "gpt-oss-20b", "ctx": [1]}"#, "token count"),
        (
            r#"{"model": "gpt-oss-20b", "kv_type": "q3"}"#,
            "KV cache types",
        ),
        (r#"{"model": "gpt-oss-20b", "quant": "q1_z"}"#, "q1_z"),
        (r#"{"model": "gpt-oss-20b", "engine": "tgi"}"#, "tgi"),
        (
            r#"{"model": "gpt-oss-20b", "ubatch": 0}"#,
            "--ubatch must be",
        ),
        (
            r#"{"model": "gpt-oss-20b", "gpu_memory_utilization": 2}"#,
            "--gpu-memory-utilization",
        ),
        (
            r#"{"model": "gpt-oss-20b", "wired_limit_gb": -1}"#,
            "--wired-limit-gb",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090:0"}"#,
            "rtx-5090:0",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090:99999999999"}"#,
            "99999999999",
        ),
        (
            r#"{"model": "gpt-oss-20b", "ctxx": 5}"#,
            "unknown field `ctxx`",
        ),
        (r#"{"quant": "q4_k_m"}"#, "missing field `model`"),
        (r#"{"model": "#, "invalid fit request JSON"),
        (r#"[1,2,3]"#, "invalid fit request JSON"),
        ("", "empty request body"),
        ("\u{0}\u{ff}", "invalid fit request JSON"),
    ];
    for (body, want) in cases {
        let (status, v, _) = send(state(), post_json("/api/fit", *body)).await;
        assert_error(status, &v, StatusCode::BAD_REQUEST, want);
    }
}

#[tokio::test]
async fn unknown_model_suggests_close_ids() {
    let (status, v, _) = send(
        state(),
        post_json("/api/fit", r#"{"model": "gpt-oss-12b"}"#),
    )
    .await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "gpt-oss-120b");
}
