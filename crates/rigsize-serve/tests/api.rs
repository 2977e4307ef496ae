//! Router tests without a socket: every route, its errors, and the limits.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use rigsize_catalog::Catalog;
use rigsize_serve::plan::{build_plan_report, PlanRequest};
use rigsize_serve::speed::{build_speed_report, SpeedRequest};
use rigsize_serve::{build_fit_report, router, AppState, FitRequest, Limits};
use serde_json::{json, Value};
use tower::ServiceExt;

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

const EXAMPLE: &str = include_str!("../../../examples/single-24gb-budget.toml");

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
