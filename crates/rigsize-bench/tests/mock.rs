//! rigsize bench against the scripted loopback server: known rates are
//! measured, and every misbehaviour is a clear error within the time bound.

use std::time::{Duration, Instant};

use rigsize_bench::mock::{start, Script};
use rigsize_bench::{BenchConfig, BenchError, Client};

fn cfg(depths: &[u64], streams: &[u32], max_tokens: u32) -> BenchConfig {
    BenchConfig {
        depths: depths.to_vec(),
        streams: streams.to_vec(),
        max_tokens,
        warmup: false,
    }
}

fn client(url: &str, timeout_s: u64) -> Client {
    Client::new(url, Duration::from_secs(timeout_s)).unwrap()
}

#[test]
fn known_rate_and_ttft_are_measured() {
    let (ttft, rate) = (Duration::from_millis(300), 50.0);
    let url = start(Script::Stream { ttft, rate }, "m");
    let c = client(&url, 30);
    let info = c.server_info().unwrap();
    assert_eq!(info.build.as_deref(), Some("b9999-mock"));
    let model = c.pick_model(&info, None).unwrap();
    let r = c
        .run(&model, &cfg(&[0, 2000], &[1, 4], 40), |_, _| {})
        .unwrap();
    assert_eq!(r.len(), 4);
    for p in &r {
        let err = (p.decode_tok_s_per_stream - rate).abs() / rate;
        assert!(
            err < 0.05,
            "decode {} vs {rate} at {p:?}",
            p.decode_tok_s_per_stream
        );
        assert!(
            (p.ttft_s - 0.3).abs() < 0.05,
            "ttft {} vs 0.3 at {p:?}",
            p.ttft_s
        );
        let total = rate * p.streams as f64;
        assert!((p.decode_tok_s_total - total).abs() / total < 0.05, "{p:?}");
        assert_eq!(p.completion_tokens, 40);
        assert_eq!(p.tokens_counted_by, "usage");
    }
    // The prompt reaches the depth asked for (words stand for tokens here).
    assert!(
        r[2].prompt_tokens >= 1990 && r[2].prompt_tokens <= 2000,
        "{:?}",
        r[2]
    );
}

#[test]
fn slow_first_token_is_ttft_not_decode() {
    let url = start(
        Script::Stream {
            ttft: Duration::from_millis(1500),
            rate: 100.0,
        },
        "m",
    );
    let r = client(&url, 30)
        .run("m", &cfg(&[0], &[1], 30), |_, _| {})
        .unwrap();
    assert!((r[0].ttft_s - 1.5).abs() < 0.05, "{:?}", r[0]);
    assert!(
        (r[0].decode_tok_s_per_stream - 100.0).abs() < 5.0,
        "{:?}",
        r[0]
    );
}

fn fails(script: Script, timeout_s: u64) -> (BenchError, Duration) {
    let url = start(script, "m");
    let t = Instant::now();
    let e = client(&url, timeout_s)
        .run("m", &cfg(&[0], &[1], 16), |_, _| {})
        .unwrap_err();
    (e, t.elapsed())
}

#[test]
fn misbehaving_servers_are_clear_errors_within_the_bound() {
    let (e, _) = fails(Script::NotStreaming, 10);
    assert!(matches!(e, BenchError::NotStreaming { .. }), "{e}");
    for s in [400, 404, 500, 503] {
        let (e, _) = fails(Script::Status(s), 10);
        assert!(
            matches!(e, BenchError::Http { status, .. } if status == s),
            "{e}"
        );
        assert!(e.to_string().contains("scripted failure"), "{e}");
    }
    let (e, _) = fails(Script::Garbage, 10);
    assert!(matches!(e, BenchError::Garbage { .. }), "{e}");
    let (e, _) = fails(Script::Disconnect(3), 10);
    assert!(matches!(e, BenchError::Disconnected { .. }), "{e}");
    let (e, _) = fails(Script::Endless, 10);
    assert!(matches!(e, BenchError::Runaway { .. }), "{e}");
    let (e, took) = fails(Script::Hang, 2);
    assert!(matches!(e, BenchError::Timeout { secs: 2, .. }), "{e}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn unknown_model_and_unreachable_url() {
    let url = start(
        Script::Stream {
            ttft: Duration::ZERO,
            rate: 100.0,
        },
        "served-model",
    );
    let c = client(&url, 10);
    let info = c.server_info().unwrap();
    let e = c.pick_model(&info, Some("other")).unwrap_err();
    assert!(e.to_string().contains("serves: served-model"), "{e}");
    // A port nothing listens on: bind, learn the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = client(&format!("http://127.0.0.1:{port}/v1"), 5)
        .server_info()
        .unwrap_err();
    assert!(matches!(e, BenchError::Unreachable { .. }), "{e}");
    assert!(Client::new("localhost:8080/v1", Duration::from_secs(1)).is_err());
}
