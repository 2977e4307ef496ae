//! `rigsize speed`: `--min-per-stream` stream caps and the notes a prediction carries.

use predicates::prelude::*;

use super::{json, rigsize};

#[test]
fn speed_min_per_stream_reports_the_largest_batch_that_keeps_the_speed() {
    let v = json(&[
        "speed",
        "-m",
        "qwen3-coder-30b-a3b",
        "--hw",
        "rtx-5090",
        "--depth",
        "0,32k",
        "--min-per-stream",
        "15",
        "--json",
    ]);
    let caps = v["max_streams"].as_array().expect("max_streams");
    assert_eq!(caps.len(), 2);
    for c in caps {
        let n = c["streams"].as_u64().expect("a stream count") as f64;
        let per = c["decode_tok_s_per_stream"].as_f64().unwrap();
        let total = c["decode_tok_s_total"].as_f64().unwrap();
        assert!(per >= 15.0, "{c}");
        assert!((total - per * n).abs() < 1e-6 * total.max(1.0), "{c}");
        assert!(c["limited_by"].is_string(), "{c}");
    }
    // A deeper cache holds fewer streams.
    assert!(caps[1]["streams"].as_u64() < caps[0]["streams"].as_u64());
    // Every prediction names the builds its calibration stands for.
    let b = v["predictions"][0]["calibration_builds"]
        .as_str()
        .expect("calibration_builds");
    assert!(b.starts_with("llama.cpp b"), "{b}");
}

#[test]
fn speed_min_per_stream_refuses_a_non_positive_speed() {
    rigsize()
        .args([
            "speed",
            "-m",
            "qwen3-coder-30b-a3b",
            "--hw",
            "rtx-5090",
            "--min-per-stream=0",
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--min-per-stream"));
}

#[test]
fn speed_notes_the_qwen3_next_cuda_change() {
    rigsize()
        .args([
            "speed",
            "-m",
            "qwen3-next-80b-a3b",
            "--hw",
            "a100-80g-pcie",
            "--depth",
            "0",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("known change, 2026-02"))
        .stdout(predicate::str::contains("calibration stands for llama.cpp"));
}
