//! The server under hostile load (issue 12): caps answered 413 naming the
//! cap, a full heavy queue answered 503 with Retry-After, cheap routes
//! answering while the heavy pool is busy, timed-out and abandoned plans
//! stopping, and the access settings (token, CORS, rate limit).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use rigsize_catalog::Catalog;
use rigsize_serve::{router, startup_lines, Access, AppState, Limits, RateLimit};
use serde_json::{json, Value};
use tower::ServiceExt;

fn state(limits: Limits) -> AppState {
    AppState::with_limits(Catalog::builtin().expect("catalog"), limits)
}

/// `n` roles, each ranking every model ("best-that-fits").
fn roles_toml(n: usize) -> String {
    let mut t = String::from("[budget]\nmax_chf = 15000\n");
    for i in 0..n {
        t += &format!("[[role]]\nname = \"r{i}\"\nmodels = \"best-that-fits\"\ncontext = 32768\n");
    }
    t
}

/// The slowest plan within the caps (32 ranked roles): seconds in a debug
/// build, a third of a second in release.
fn slow_plan_body() -> String {
    json!({ "toml": roles_toml(rigsize_plan::limits::MAX_ROLES) }).to_string()
}

fn post(uri: &str, body: String) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v, headers)
}

/// How long the slow plan takes when nobody cancels it, halved and capped
/// at a second: the time a cancelled one must stop within, so a plan that
/// merely finished would not pass.
async fn stop_within() -> Duration {
    (slow_plan_time().await / 2).min(Duration::from_secs(1))
}

/// How long the slow plan takes when nobody cancels it.
async fn slow_plan_time() -> Duration {
    tokio::task::spawn_blocking(|| {
        let req: rigsize_serve::plan::PlanRequest =
            serde_json::from_str(&slow_plan_body()).unwrap();
        let t = Instant::now();
        rigsize_serve::plan::build_plan_report(&req, &Catalog::builtin().unwrap()).unwrap();
        t.elapsed()
    })
    .await
    .unwrap()
}

/// Waits until the pool has `n` running computations, up to `within`.
async fn wait_running(s: &AppState, n: usize, within: Duration) -> bool {
    let t = Instant::now();
    while t.elapsed() < within {
        if s.pool.running() == n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.pool.running() == n
}

#[tokio::test]
async fn eight_hundred_roles_are_a_413_naming_the_cap() {
    let app = router(state(Limits::default()));
    let t = Instant::now();
    let (status, v, _) = send(
        &app,
        post("/api/plan", json!({"toml": roles_toml(800)}).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(msg.contains("max_roles = 32"), "{msg}");
    assert!(msg.contains("800"), "{msg}");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "refused before planning"
    );
}

#[tokio::test]
async fn a_full_heavy_queue_is_503_with_retry_after_and_cheap_routes_still_answer() {
    let s = state(Limits {
        heavy_workers: 1,
        heavy_queue: 0,
        ..Limits::default()
    });
    let app = router(s.clone());
    let busy = tokio::spawn({
        let app = app.clone();
        async move { send(&app, post("/api/plan", slow_plan_body())).await }
    });
    assert!(
        wait_running(&s, 1, Duration::from_secs(5)).await,
        "the slow plan started"
    );
    let (status, v, headers) = send(&app, post("/api/plan", slow_plan_body())).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(headers[header::RETRY_AFTER], "1");
    assert!(
        v["error"].as_str().unwrap().contains("queue is full"),
        "{v}"
    );
    // The pool is busy; the cheap routes do not wait for it.
    assert_eq!(s.pool.running(), 1);
    for uri in ["/api/health", "/api/hardware", "/api/models"] {
        let (status, v, _) = send(&app, get(uri)).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {v}");
    }
    let fit = json!({"model": "gpt-oss-20b", "hw": "rtx-5090"}).to_string();
    let (status, v, _) = send(&app, post("/api/fit", fit)).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        s.pool.running(),
        1,
        "the slow plan was still running meanwhile"
    );
    let (status, v, _) = busy.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn a_timed_out_plan_stops_within_a_second() {
    // The timeout falls well inside the plan's own time (a release build
    // plans it in well under 150 ms), so the plan is cut, not finished.
    let took = slow_plan_time().await;
    let within = (took / 2).min(Duration::from_secs(1));
    let s = state(Limits {
        heavy_workers: 1,
        timeout: (took / 4).clamp(Duration::from_millis(1), Duration::from_millis(150)),
        ..Limits::default()
    });
    let app = router(s.clone());
    let (status, v, _) = send(&app, post("/api/plan", slow_plan_body())).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{v}");
    let answered = Instant::now();
    assert!(
        wait_running(&s, 0, within).await,
        "the plan still runs {:?} after its 408",
        answered.elapsed()
    );
}

#[tokio::test]
async fn an_abandoned_plan_stops_within_a_second_of_the_disconnect() {
    let within = stop_within().await;
    let s = state(Limits::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(s.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    use tokio::io::AsyncWriteExt;
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = slow_plan_body();
    let head = format!(
        "POST /api/plan HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(body.as_bytes()).await.unwrap();
    assert!(
        wait_running(&s, 1, Duration::from_secs(5)).await,
        "the plan started"
    );
    drop(conn);
    let gone = Instant::now();
    assert!(
        wait_running(&s, 0, within).await,
        "the plan still runs {:?} after the client left",
        gone.elapsed()
    );
}

fn with_peer(mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 168, 1, 20], 50000))));
    req
}

#[tokio::test]
async fn the_token_guards_the_api_but_not_health() {
    let mut s = state(Limits::default());
    s.access.token = Some("s3cret".into());
    let app = router(s);
    let fit = json!({"model": "gpt-oss-20b", "hw": "rtx-5090"}).to_string();
    let (status, v, headers) = send(&app, post("/api/fit", fit.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert!(v["error"].as_str().unwrap().contains("Bearer"), "{v}");
    let mut wrong = post("/api/fit", fit.clone());
    wrong
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer s3cret2".parse().unwrap());
    assert_eq!(send(&app, wrong).await.0, StatusCode::UNAUTHORIZED);
    let mut right = post("/api/fit", fit);
    right
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
    assert_eq!(send(&app, right).await.0, StatusCode::OK);
    assert_eq!(send(&app, get("/api/health")).await.0, StatusCode::OK);
    assert_eq!(
        send(&app, get("/api/models")).await.0,
        StatusCode::UNAUTHORIZED
    );
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/fit")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_is_closed_unless_an_origin_is_given() {
    let app = router(state(Limits::default()));
    let (_, _, h) = send(&app, preflight("https://evil.example")).await;
    assert!(
        h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
        "{h:?}"
    );
    let mut s = state(Limits::default());
    s.access.cors_origin = Some("https://intranet.example".into());
    let app = router(s);
    let (_, _, h) = send(&app, preflight("https://intranet.example")).await;
    assert_eq!(
        h[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://intranet.example"
    );
    // Another origin is told the one allowed origin, which its browser
    // does not match.
    let (_, _, h) = send(&app, preflight("https://evil.example")).await;
    assert_ne!(
        h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .map(|v| v.to_str().unwrap()),
        Some("https://evil.example")
    );
}

#[tokio::test]
async fn beyond_loopback_each_client_is_rate_limited() {
    let lan: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let access = Access::for_bind(lan, None, None);
    assert!(access.rate_limit.is_some());
    assert!(
        Access::for_bind("127.0.0.1:8080".parse().unwrap(), None, None)
            .rate_limit
            .is_none()
    );
    let mut s = state(Limits::default());
    s.access.rate_limit = Some(RateLimit {
        period: Duration::from_secs(60),
        burst: 2,
    });
    let app = router(s);
    for _ in 0..2 {
        assert_eq!(
            send(&app, with_peer(get("/api/health"))).await.0,
            StatusCode::OK
        );
    }
    let (status, v, h) = send(&app, with_peer(get("/api/health"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(h.contains_key(header::RETRY_AFTER));
    assert!(
        v["error"].as_str().unwrap().contains("too many requests"),
        "{v}"
    );
}

#[test]
fn binding_beyond_loopback_prints_a_warning() {
    let lan: SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let open = startup_lines(lan, &Access::for_bind(lan, None, None));
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(open[1].contains("warning"), "{open:?}");
    assert!(open[1].contains("no authentication"), "{open:?}");
    assert!(open[1].contains("20 requests/s"), "{open:?}");
    let guarded = startup_lines(lan, &Access::for_bind(lan, Some("t".into()), None));
    assert!(guarded[1].contains("bearer token"), "{guarded:?}");
    let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let quiet = startup_lines(local, &Access::for_bind(local, None, None));
    assert_eq!(
        quiet,
        vec!["rigsize serve: listening on http://127.0.0.1:8080/"]
    );
}

#[test]
fn a_cors_value_that_is_not_an_origin_is_refused() {
    let a = Access {
        cors_origin: Some("*".into()),
        ..Access::default()
    };
    let e = rigsize_serve::access::cors(&a).unwrap_err();
    assert!(e.contains("not an origin"), "{e}");
}
