//! A scripted OpenAI-compatible server on loopback for tests: it streams at
//! a known rate after a known delay, or misbehaves in one chosen way.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

/// What the server does with a completion request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Script {
    /// First token after `ttft`, then one token every 1/`rate` s; reports
    /// usage and llama-server-style timings (with `server_rate`).
    Stream { ttft: Duration, rate: f64 },
    /// Answers with one JSON body, not a stream.
    NotStreaming,
    /// Answers this HTTP status with an error body.
    Status(u16),
    /// Sends a chunk that is not JSON after two good ones.
    Garbage,
    /// Streams tokens forever and never finishes.
    Endless,
    /// Sends one token, then nothing, never closing.
    Hang,
    /// Drops the connection after this many tokens.
    Disconnect(u32),
}

fn chunk(text: &str, finish: Option<&str>) -> Bytes {
    let v = json!({"object": "text_completion", "choices": [{"index": 0, "text": text, "finish_reason": finish}]});
    Bytes::from(format!("data: {v}\n\n"))
}

type Item = Result<Bytes, std::io::Error>;

fn sse(body: impl futures_util::Stream<Item = Item> + Send + 'static) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from_stream(body))
        .expect("static headers")
}

fn scripted(script: Script, req: Value) -> Response {
    let n = req.get("max_tokens").and_then(Value::as_u64).unwrap_or(16);
    let prompt_words = req
        .get("prompt")
        .and_then(Value::as_str)
        .map_or(0, |p| p.split_whitespace().count() as u64);
    match script {
        Script::Stream { ttft, rate } => {
            let start = tokio::time::Instant::now();
            let per = Duration::from_secs_f64(1.0 / rate);
            let tokens = stream::iter(0..n).then(move |i| async move {
                tokio::time::sleep_until(start + ttft + per * i as u32).await;
                Ok::<_, std::io::Error>(chunk(" tok", None))
            });
            let end = stream::once(async move {
                let decode_ms = (n - 1) as f64 * 1e3 / rate;
                let v = json!({"choices": [{"index": 0, "text": "", "finish_reason": "length"}],
                    "usage": {"prompt_tokens": prompt_words, "completion_tokens": n},
                    "timings": {"prompt_n": prompt_words, "predicted_n": n,
                        "prompt_per_second": prompt_words as f64 / ttft.as_secs_f64().max(1e-3),
                        "predicted_per_second": (n - 1) as f64 * 1e3 / decode_ms}});
                Ok(Bytes::from(format!("data: {v}\n\ndata: [DONE]\n\n")))
            });
            sse(tokens.chain(end))
        }
        Script::NotStreaming => Json(
            json!({"choices": [{"text": "hello", "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_words, "completion_tokens": 1}}),
        )
        .into_response(),
        Script::Status(s) => (
            StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(json!({"error": {"message": "scripted failure", "code": s}})),
        )
            .into_response(),
        Script::Garbage => sse(stream::iter([
            Ok(chunk("a", None)),
            Ok(chunk("b", None)),
            Ok(Bytes::from_static(b"data: {\"choices\": [oops\n\n")),
        ])),
        Script::Endless => sse(stream::unfold((), |_| async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Some((Ok(chunk(" more", None)), ()))
        })),
        Script::Hang => sse(stream::iter([Ok(chunk("a", None))]).chain(stream::pending())),
        Script::Disconnect(k) => sse(stream::iter(0..k)
            .then(|_| async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(chunk(" tok", None))
            })
            .chain(stream::once(async {
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "scripted drop",
                ))
            }))),
    }
}

/// Starts the server on a background thread; returns its `/v1` base URL.
/// It runs until the process exits.
pub fn start(script: Script, model: &'static str) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        rt.block_on(async move {
            let app = Router::new()
                .route(
                    "/v1/models",
                    get(move || async move {
                        Json(json!({"object": "list", "data": [{"id": model, "object": "model"}]}))
                    }),
                )
                .route(
                    "/props",
                    get(|| async { Json(json!({"build_info": "b9999-mock"})) }),
                )
                .route(
                    "/v1/completions",
                    post(move |Json(req): Json<Value>| async move { scripted(script, req) }),
                );
            let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .expect("bind loopback");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            axum::serve(listener, app).await.expect("serve");
        });
    });
    let addr = rx.recv().expect("mock server started");
    format!("http://{addr}/v1")
}
