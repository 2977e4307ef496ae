//! `rigsize fit`: the JSON contract, llama.cpp's cell semantics, the table and `--load` workloads.

use predicates::prelude::*;

use super::{json, rigsize};

#[test]
fn fit_json_has_the_contract_fields() {
    let v = json(&[
        "fit",
        "--model",
        "qwen3-coder-30b-a3b",
        "--quant",
        "q4_k_m",
        "--ctx",
        "200k",
        "--kv-type",
        "q8_0",
        "--streams",
        "3",
        "--hw",
        "rtx-5090",
        "--json",
    ]);
    for key in [
        "weights_bytes",
        "kv_cache_bytes",
        "kv_cache_bytes_per_stream",
        "overhead_bytes",
        "total_bytes",
        "available_bytes",
        "fits",
        "headroom_bytes",
        "max_context_tokens",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let total = v["total_bytes"].as_u64().unwrap();
    let parts = v["weights_bytes"].as_u64().unwrap()
        + v["kv_cache_bytes"].as_u64().unwrap()
        + v["recurrent_state_bytes"].as_u64().unwrap()
        + v["overhead_bytes"].as_u64().unwrap();
    assert_eq!(total, parts, "total is the sum of its parts");
    assert_eq!(
        v["kv_cache_bytes"].as_u64().unwrap(),
        3 * v["kv_cache_bytes_per_stream"].as_u64().unwrap()
    );
    assert_eq!(v["fits"], false);
    // 200k × 3 q8_0 on a 32 GiB card does not fit; the largest context that
    // does is smaller but positive.
    let max = v["max_context_tokens"].as_u64().unwrap();
    assert!(max > 10_000 && max < 200_000, "{max}");
}

#[test]
fn llama_cpp_semantics_match_server_flags() {
    // --ctx N --streams S means `llama-server -c N×S -np S`: S slots of
    // pad(N, 256) cells. 1000 tokens → 1024 cells per slot.
    let v = json(&[
        "fit",
        "-m",
        "llama-3.1-8b-instruct",
        "--ctx",
        "1000",
        "--streams",
        "3",
        "--json",
    ]);
    // 32 layers × 2 × 8 heads × 128 × 2 B = 131,072 B per cell.
    assert_eq!(v["kv_cache_bytes"].as_u64().unwrap(), 3 * 1024 * 131_072);
    assert!(v["engine_semantics"]
        .as_str()
        .unwrap()
        .contains("-c 3000 -np 3"));
}

#[test]
fn fit_table_shows_gib_and_verdict() {
    rigsize()
        .args([
            "fit",
            "-m",
            "llama-3.3-70b-instruct",
            "--ctx",
            "200k",
            "--hw",
            "rtx-5090:2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("GiB"))
        .stdout(predicate::str::contains("does NOT fit"))
        .stdout(predicate::str::contains("2 × rtx-5090"));
}

#[test]
fn explain_prints_formulas() {
    rigsize()
        .args(["fit", "-m", "gpt-oss-120b", "--ctx", "32k", "--explain"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sliding cache"))
        .stdout(predicate::str::contains("mxfp4"));
}

#[test]
fn workload_counts_shared_weights_once() {
    let one = json(&[
        "fit",
        "--load",
        "qwen3-coder-30b-a3b:q4_k_m@32kx2",
        "--json",
    ]);
    let two = json(&[
        "fit",
        "--load",
        "qwen3-coder-30b-a3b:q4_k_m@32kx2",
        "--load",
        "qwen3-coder-30b-a3b:q4_k_m@32kx2",
        "--json",
    ]);
    assert_eq!(one["weights_bytes"], two["weights_bytes"]);
    assert_eq!(
        two["kv_cache_bytes"].as_u64().unwrap(),
        2 * one["kv_cache_bytes"].as_u64().unwrap()
    );
    assert_eq!(
        two["loads"][1]["weights_shared_with"],
        "qwen3-coder-30b-a3b@32kx2"
    );
    let mixed = json(&[
        "fit",
        "--load",
        "qwen3-coder-30b-a3b@200kx3",
        "--load",
        "gemma-3-27b-it@32k",
        "--hw",
        "rtx-5090:2",
        "--json",
    ]);
    assert!(mixed["weights_bytes"].as_u64().unwrap() > one["weights_bytes"].as_u64().unwrap());
    assert!(mixed["context_scale_that_fits"].as_f64().is_some());
    rigsize()
        .args(["fit", "--load", "gpt-oss-20b@32kx0"])
        .assert()
        .code(2);
}

#[test]
fn workload_warns_of_a_context_beyond_the_model() {
    // `fit --model gpt-oss-20b --ctx 200k` warns; `--load` used to say nothing.
    let v = json(&[
        "fit",
        "--load",
        "gpt-oss-20b@200k",
        "--load",
        "qwen3-8b@8k",
        "--json",
    ]);
    let w = v["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    let w = w[0].as_str().unwrap();
    assert!(
        w.starts_with("gpt-oss-20b@200kx1: ") && w.contains("cannot attend that far"),
        "{w}"
    );
    rigsize()
        .args(["fit", "--load", "gpt-oss-20b@200k"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "warning: gpt-oss-20b@200kx1: 200000 tokens",
        ));
}
