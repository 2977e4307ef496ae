//! `rigsize bench` against the scripted loopback server: the JSON contract,
//! `--save` rows that `rigsize validate` reads, and bad input that exits
//! non-zero within the time bound with nothing written.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use rigsize_bench::mock::{start, Script};
use serde_json::Value;

/// `rigsize` with no GPU tools on PATH and an empty /proc root, so `local`
/// detection finds nothing whatever machine runs the tests.
fn rigsize(empty: &Path) -> Command {
    let mut c = Command::cargo_bin("rigsize").unwrap();
    c.env("PATH", empty)
        .env("RIGSIZE_SYSROOT", empty)
        .env_remove("RIGSIZE_CATALOG")
        .env("XDG_CONFIG_HOME", empty);
    c
}

#[test]
fn json_reports_the_scripted_rates_and_a_prediction() {
    let url = start(
        Script::Stream {
            ttft: Duration::from_millis(200),
            rate: 40.0,
        },
        "qwen3-8b",
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = rigsize(tmp.path())
        .args([
            "bench",
            "--url",
            &url,
            "--depth",
            "0,1k",
            "--streams",
            "1,2",
            "--max-tokens",
            "30",
        ])
        .args(["--hw", "rtx-4090", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 4);
    for p in r {
        let decode = p["decode_tok_s_per_stream"].as_f64().unwrap();
        assert!((decode - 40.0).abs() / 40.0 < 0.05, "{p}");
        assert!((p["ttft_s"].as_f64().unwrap() - 0.2).abs() < 0.05, "{p}");
        let total = p["decode_tok_s_total"].as_f64().unwrap();
        let streams = p["streams"].as_f64().unwrap();
        assert!(
            (total - 40.0 * streams).abs() / (40.0 * streams) < 0.05,
            "{p}"
        );
        assert!(p["prefill_tok_s"].as_f64().unwrap() > 0.0);
        // The served name is a catalog id, so rigsize predicts it on the 4090.
        assert!(
            p["predicted_decode_tok_s_per_stream"].as_f64().unwrap() > 0.0,
            "{p}"
        );
    }
    assert_eq!(r[2]["depth"], 1000);
}

#[test]
fn save_appends_rows_that_validate_reads() {
    let url = start(
        Script::Stream {
            ttft: Duration::from_millis(50),
            rate: 200.0,
        },
        "served",
    );
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("mine.csv");
    for _ in 0..2 {
        rigsize(tmp.path())
            .args(["bench", "--url", &url, "--depth", "0", "--max-tokens", "20"])
            .args(["--hw", "rtx-4090", "--as", "qwen3-8b", "--save"])
            .arg(&csv)
            .assert()
            .success();
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("row_id,source,hardware_id,n_devices,backend,engine,model_id"));
    assert!(
        lines[1].contains("rtx-4090,1,,llama.cpp,qwen3-8b"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("b9999-mock"), "{}", lines[1]);
    let out = rigsize(tmp.path())
        .args(["validate", "--json"])
        .arg(&csv)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["decode"]["n"], 2, "{v}");
}

/// A run that must fail: non-zero exit, the message, within `bound`, and
/// the --save file untouched.
fn must_fail(url: &str, extra: &[&str], message: &str, bound: Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("out.csv");
    let t = Instant::now();
    let out = rigsize(tmp.path())
        .args([
            "bench",
            "--url",
            url,
            "--depth",
            "0",
            "--max-tokens",
            "16",
            "--timeout",
            "3",
        ])
        .args(extra)
        .arg("--save")
        .arg(&csv)
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(message), "wanted '{message}' in: {err}");
    assert!(t.elapsed() < bound, "took {:?}", t.elapsed());
    assert!(!csv.exists(), "--save was written on error");
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let bound = Duration::from_secs(15);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    must_fail(
        &format!("http://127.0.0.1:{port}/v1"),
        &[],
        "cannot reach",
        bound,
    );
    let ok = start(
        Script::Stream {
            ttft: Duration::ZERO,
            rate: 500.0,
        },
        "served",
    );
    must_fail(
        &ok,
        &["--model", "nope"],
        "does not serve model 'nope'",
        bound,
    );
    must_fail(
        &start(Script::Hang, "m"),
        &[],
        "within the 3 s time bound",
        bound,
    );
    must_fail(&start(Script::Endless, "m"), &[], "kept streaming", bound);
    must_fail(&start(Script::Garbage, "m"), &[], "not valid JSON", bound);
    must_fail(&start(Script::Status(500), "m"), &[], "HTTP 500", bound);
    must_fail(&start(Script::Status(401), "m"), &[], "HTTP 401", bound);
    must_fail(
        &start(Script::NotStreaming, "m"),
        &[],
        "did not stream",
        bound,
    );
    must_fail(
        &start(Script::Disconnect(2), "m"),
        &[],
        "before it finished",
        bound,
    );
    must_fail(&ok, &["--streams", "0"], "streams 0", bound);
    must_fail("localhost:1/v1", &[], "must start with http://", bound);
}

fn decode_at_depth_0(v: &Value) -> f64 {
    v["predictions"][0]["decode_tok_s_per_stream"]
        .as_f64()
        .unwrap()
}

#[test]
fn calibrate_with_own_rows_moves_speed_towards_them() {
    // A "machine" that decodes at 60 tok/s: the rows saved by bench.
    let rate = 60.0;
    let url = start(
        Script::Stream {
            ttft: Duration::from_millis(100),
            rate,
        },
        "qwen3-8b",
    );
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("mine.csv");
    let config = tmp.path().join("config");
    rigsize(tmp.path())
        .args([
            "bench",
            "--url",
            &url,
            "--depth",
            "0,1k",
            "--streams",
            "1,2",
            "--max-tokens",
            "24",
        ])
        .args(["--hw", "rtx-4090", "--save"])
        .arg(&csv)
        .assert()
        .success();
    let speed = || -> Value {
        let out = rigsize(tmp.path())
            .env("RIGSIZE_CONFIG_DIR", &config)
            .args([
                "speed", "-m", "qwen3-8b", "--hw", "rtx-4090", "--depth", "0", "--json",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let before = speed();
    let out = rigsize(tmp.path())
        .env("RIGSIZE_CONFIG_DIR", &config)
        .args(["calibrate", "--json", "--with"])
        .arg(&csv)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let cal: Value = serde_json::from_slice(&out).unwrap();
    let e = &cal["entries"][0];
    assert_eq!(e["hardware_id"], "rtx-4090");
    assert_eq!(e["n_decode"], 4);
    assert!(config.join("local-calibration.toml").exists());
    let after = speed();
    let (b, a) = (decode_at_depth_0(&before), decode_at_depth_0(&after));
    assert!(
        (a - rate).abs() < (b - rate).abs(),
        "before {b}, after {a}, measured {rate}"
    );
    let scale = e["decode_scale"].as_f64().unwrap();
    assert!((a / b - scale).abs() < 1e-9, "{a} / {b} vs {scale}");
    let notes = after["notes"].to_string();
    assert!(notes.contains("calibrated for your machine"), "{notes}");
    let band = after["predictions"][0]["error_band_pct"]["decode"]
        .as_f64()
        .unwrap();
    assert_eq!(band, e["decode_band_pct"].as_f64().unwrap());
    // Another machine is untouched.
    let other = rigsize(tmp.path())
        .env("RIGSIZE_CONFIG_DIR", &config)
        .args(["speed", "-m", "qwen3-8b", "--hw", "rtx-3090", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(!String::from_utf8_lossy(&other).contains("calibrated for your machine"));
}
