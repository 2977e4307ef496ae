//! Models given as files: a config.json and the llama.cpp GGUF fixtures, against the catalog and llama.cpp's own figures.

use predicates::prelude::*;

use super::{json, rigsize};

#[test]
fn imported_config_gives_the_catalog_kv() {
    let cfg = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rigsize-import/tests/fixtures/configs/gemma-3-27b-it.json"
    );
    let imported = json(&["fit", "-m", cfg, "-q", "q4_k_m", "--ctx", "32k", "--json"]);
    let catalog = json(&[
        "fit",
        "-m",
        "gemma-3-27b-it",
        "-q",
        "q4_k_m",
        "--ctx",
        "32k",
        "--json",
    ]);
    assert_eq!(imported["kv_cache_bytes"], catalog["kv_cache_bytes"]);
    rigsize()
        .args(["fit", "-m", "/nonexistent/model.gguf"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("model.gguf"));
}

/// The contract, end to end: `rigsize fit --model FILE.gguf --engine
/// llama.cpp --ctx N --streams S --kv-type T --json` reports the KV bytes
/// llama.cpp itself allocated for `-c N×S -np S -ctk T -ctv T`, as recorded
/// in tests/fixtures/llamacpp/kv_measurements.json (scripts/llamacpp/).
#[test]
fn fit_on_gguf_fixtures_equals_llama_cpp_allocations() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/llamacpp");
    let text = std::fs::read_to_string(format!("{dir}/kv_measurements.json")).unwrap();
    let runs: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for r in runs.as_array().unwrap() {
        let (c, s) = (
            r["n_ctx_arg"].as_u64().unwrap(),
            r["n_parallel"].as_u64().unwrap(),
        );
        let (k, v) = (r["type_k"].as_str().unwrap(), r["type_v"].as_str().unwrap());
        // Runs the CLI can express with its defaults: N×S = -c, one KV type,
        // separate slots, the default micro-batch.
        if c % s != 0 || k != v || r["kv_unified"] == true || r["n_ubatch"] != 512 {
            continue;
        }
        let file = format!("{dir}/{}", r["model_file"].as_str().unwrap());
        let out = json(&[
            "fit",
            "--model",
            &file,
            "--engine",
            "llama.cpp",
            "--ctx",
            &(c / s).to_string(),
            "--streams",
            &s.to_string(),
            "--kv-type",
            k,
            "--json",
        ]);
        let sum = |kinds: &[&str]| -> u64 {
            r["caches"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| kinds.contains(&x["kind"].as_str().unwrap()))
                .map(|x| x["total_bytes"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(
            out["kv_cache_bytes"].as_u64().unwrap(),
            sum(&["non-swa", "swa"]),
            "{}",
            r["command"]
        );
        assert_eq!(
            out["recurrent_state_bytes"].as_u64().unwrap(),
            sum(&["recurrent"]),
            "{}",
            r["command"]
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} runs checked");
}

#[test]
fn fit_on_gguf_fixtures_reports_the_files_tensor_bytes() {
    // weights.json: gguf-py's per-tensor byte sums of each fixture, incl. the
    // mixed-type Q4_K_M files llama-quantize wrote.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/llamacpp");
    let text = std::fs::read_to_string(format!("{dir}/weights.json")).unwrap();
    let w: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for (name, f) in w["files"].as_object().unwrap() {
        let path = format!("{dir}/{name}");
        if !std::path::Path::new(&path).exists() {
            continue; // the F32 sources of the quantized files are not committed
        }
        let out = json(&["fit", "--model", &path, "--ctx", "1024", "--json"]);
        assert_eq!(out["weights_bytes"], f["total_tensor_bytes"], "{name}");
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}
