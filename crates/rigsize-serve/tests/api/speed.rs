//! `POST /api/speed`: the shared report, context and stream limits, errors and expert offload.

use axum::http::StatusCode;
use rigsize_catalog::Catalog;
use rigsize_serve::speed::{build_speed_report, SpeedRequest};
use serde_json::json;

use super::{assert_error, post_json, send, state, wire};

#[tokio::test]
async fn speed_answers_the_shared_report() {
    // 128K × 4 streams needs ≈ 70 GiB: a 96 GB card (a 32 GB one is refused).
    let body = json!({"model": "qwen3-coder-30b-a3b", "quant": "q4_k_m", "hw": "rtx-pro-6000-ws",
        "depth": [0, "32k", 131072], "streams": "1,4"});
    let (status, v, _) = send(state(), post_json("/api/speed", body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let req: SpeedRequest = serde_json::from_value(body).unwrap();
    let report = build_speed_report(&req, &Catalog::builtin().unwrap()).unwrap();
    assert!(
        v == wire(&report),
        "the API answer differs from the shared function's"
    );
    let cells = v["predictions"].as_array().unwrap();
    assert_eq!(cells.len(), 6);
    assert_eq!(cells[0]["depth"], 0);
    assert_eq!(cells[5]["depth"], 131072);
    assert_eq!(cells[5]["streams"], 4);
    // Decode slows down as the cache fills.
    let tok = |i: usize| cells[i]["decode_tok_s_per_stream"].as_f64().unwrap();
    assert!(tok(0) > tok(4), "{} vs {}", tok(0), tok(4));
    assert!(cells[0]["error_band_pct"]["decode"].as_f64().unwrap() > 0.0);
}

#[test]
fn speed_beyond_the_model_context_is_flagged() {
    let cat = Catalog::builtin().unwrap();
    let req = |depth: &str, prompt: Option<&str>| -> SpeedRequest {
        let mut b = json!({"model": "qwen3-coder-30b-a3b", "hw": "rtx-5090", "depth": depth});
        if let Some(p) = prompt {
            b["prompt"] = json!(p);
        }
        serde_json::from_value(b).unwrap()
    };
    // A depth the model cannot attend is refused, not given a speed.
    let refused = |r: &SpeedRequest| match build_speed_report(r, &cat) {
        Ok(_) => None,
        Err(e) => Some(e.to_string()),
    };
    // qwen3-coder-30b-a3b attends 262,144 tokens natively.
    assert_eq!(refused(&req("0,32k", None)), None);
    let e = refused(&req("0,2m", None)).unwrap();
    assert!(e.contains("cannot attend that far"), "{e}");
    let e = refused(&req("32k", Some("5m"))).unwrap();
    assert!(e.contains("cannot attend that far"), "{e}");
    // The stream cap is the one `fit` uses.
    let r: SpeedRequest = serde_json::from_value(
        json!({"model": "gpt-oss-20b", "hw": "rtx-5090", "streams": "1,2048"}),
    )
    .unwrap();
    let e = build_speed_report(&r, &cat).unwrap_err().to_string();
    assert!(e.contains("from 1 to 1024"), "{e}");
}

#[tokio::test]
async fn speed_errors() {
    let cases: &[(&str, &str)] = &[
        (r#"{"model": "gpt-oss-20b"}"#, "missing field `hw`"),
        (r#"{"model": "nope", "hw": "rtx-5090"}"#, "nope"),
        (r#"{"model": "gpt-oss-20b", "hw": "rtx-9999"}"#, "rtx-9999"),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "depth": "0,lots"}"#,
            "lots",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "depth": []}"#,
            "must not be empty",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "depth": [{}]}"#,
            "list item",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "streams": "0"}"#,
            "--streams value '0'",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "split": "diagonal"}"#,
            "diagonal",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "link": "wifi"}"#,
            "wifi",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "engine": "tgi"}"#,
            "tgi",
        ),
        (
            r#"{"model": "gpt-oss-20b", "hw": "rtx-5090", "prompt": "-1"}"#,
            "negative",
        ),
        // Runs that cannot happen get no speed (feasibility first).
        (
            r#"{"model": "minimax-m2.5", "quant": "nvfp4", "engine": "vllm", "hw": "rtx-3090"}"#,
            "GiB needed",
        ),
        (
            r#"{"model": "gpt-oss-20b", "engine": "vllm", "hw": "m3-ultra-80c"}"#,
            "vLLM-Metal",
        ),
        (
            r#"{"model": "gpt-oss-20b", "engine": "mlx", "hw": "rtx-4090"}"#,
            "Apple silicon",
        ),
    ];
    for (body, want) in cases {
        let (status, v, _) = send(state(), post_json("/api/speed", *body)).await;
        assert_error(status, &v, StatusCode::BAD_REQUEST, want);
    }
    let many: Vec<u64> = (0..65).map(|i| i * 1000).collect();
    let body = json!({"model": "gpt-oss-20b", "hw": "rtx-5090", "depth": many});
    let (status, v, _) = send(state(), post_json("/api/speed", body.to_string())).await;
    assert_error(status, &v, StatusCode::BAD_REQUEST, "at most 64");
}

#[tokio::test]
async fn speed_takes_expert_offload_and_refuses_it_off_llama_cpp() {
    let body = json!({"model": "gpt-oss-120b", "hw": "rtx-4090", "depth": "8k",
        "n_cpu_moe": 28, "ram_gb": 64, "ram_bw_gbs": 89.6});
    let (status, v, _) = send(state(), post_json("/api/speed", body.to_string())).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["offload"]["mode"], "expert offload");
    assert!(v["offload"]["host_bytes"].as_u64().unwrap() > 0);
    assert!(
        v["predictions"][0]["decode_tok_s_per_stream"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let body =
        json!({"model": "gpt-oss-120b", "hw": "rtx-4090", "engine": "vllm", "n_cpu_moe": 28});
    let (status, v, _) = send(state(), post_json("/api/speed", body.to_string())).await;
    assert_error(
        status,
        &v,
        StatusCode::BAD_REQUEST,
        "llama.cpp's expert offload",
    );
    // Without offload the same request is refused with the offload fix in the reason.
    let body = json!({"model": "gpt-oss-120b", "hw": "rtx-4090", "depth": "8k"});
    let (status, v, _) = send(state(), post_json("/api/speed", body.to_string())).await;
    assert!(status.is_client_error(), "{v}");
    assert!(v["error"].as_str().unwrap().contains("--n-cpu-moe"), "{v}");
}
