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
    let url = start(Script::Stream { ttft: Duration::from_millis(200), rate: 40.0 }, "qwen3-8b");
    let tmp = tempfile::tempdir().unwrap();
    let out = rigsize(tmp.path())
        .args(["bench", "--url", &url, "--depth", "0,1k", "--streams", "1,2", "--max-tokens", "30"])
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
        assert!((total - 40.0 * streams).abs() / (40.0 * streams) < 0.05, "{p}");
        assert!(p["prefill_tok_s"].as_f64().unwrap() > 0.0);
        // The served name is a catalog id, so rigsize predicts it on the 4090.
        assert!(p["predicted_decode_tok_s_per_stream"].as_f64().unwrap() > 0.0, "{p}");
    }
    assert_eq!(r[2]["depth"], 1000);
}

#[test]
fn save_appends_rows_that_validate_reads() {
    let url = start(Script::Stream { ttft: Duration::from_millis(50), rate: 200.0 }, "served");
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
    assert!(lines[1].contains("rtx-4090,1,,llama.cpp,qwen3-8b"), "{}", lines[1]);
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
        .args(["bench", "--url", url, "--depth", "0", "--max-tokens", "16", "--timeout", "3"])
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
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    must_fail(&format!("http://127.0.0.1:{port}/v1"), &[], "cannot reach", bound);
    let ok = start(Script::Stream { ttft: Duration::ZERO, rate: 500.0 }, "served");
    must_fail(&ok, &["--model", "nope"], "does not serve model 'nope'", bound);
    must_fail(&start(Script::Hang, "m"), &[], "within the 3 s time bound", bound);
    must_fail(&start(Script::Endless, "m"), &[], "kept streaming", bound);
    must_fail(&start(Script::Garbage, "m"), &[], "not valid JSON", bound);
    must_fail(&start(Script::Status(500), "m"), &[], "HTTP 500", bound);
    must_fail(&start(Script::Status(401), "m"), &[], "HTTP 401", bound);
    must_fail(&start(Script::NotStreaming, "m"), &[], "did not stream", bound);
    must_fail(&start(Script::Disconnect(2), "m"), &[], "before it finished", bound);
    must_fail(&ok, &["--streams", "0"], "streams 0", bound);
    must_fail("localhost:1/v1", &[], "must start with http://", bound);
}
