//! End-to-end tests: run the real `rigsize` binary and check what a user
//! sees — tables, JSON, errors and exit codes.

use assert_cmd::Command;
use predicates::prelude::*;

fn rigsize() -> Command {
    let mut c = Command::cargo_bin("rigsize").unwrap();
    // Keep the user's own catalog out of the tests: an empty home.
    let home = std::env::temp_dir().join("rigsize-test-home");
    std::fs::create_dir_all(&home).unwrap();
    c.env_remove("RIGSIZE_CATALOG");
    c.env_remove("XDG_CONFIG_HOME");
    c.env("HOME", home);
    c
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = rigsize().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

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
fn unknown_model_suggests_and_fails() {
    rigsize()
        .args(["fit", "--model", "Qwen2.5-Coder 72B"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown model"))
        .stderr(predicate::str::contains("qwen2.5-coder-32b-instruct"));
}

#[test]
fn bad_values_are_refused_with_a_reason() {
    for (args, needle) in [
        (
            vec!["fit", "-m", "gpt-oss-20b", "--ctx", "0"],
            "at least one token",
        ),
        (vec!["fit", "-m", "gpt-oss-20b", "--ctx=-5"], "negative"),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--ctx", "50m"],
            "more than any model",
        ),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--quant", "q4_k_z"],
            "unknown quantization",
        ),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--kv-type", "q9"],
            "unknown KV cache type",
        ),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--hw", "rtx-9999"],
            "unknown hardware",
        ),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--hw", "rtx-5090:0"],
            "device count",
        ),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--engine", "vlm"],
            "unknown engine",
        ),
        (
            vec!["fit", "-m", "gpt-oss-20b", "--streams", "0"],
            "--streams",
        ),
    ] {
        rigsize()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
    }
}

#[test]
fn malformed_catalog_override_names_file_and_line() {
    let dir = std::env::temp_dir().join(format!("rigsize-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "[[model]]\nid = \"x\"\nlayers = \"many\"\n").unwrap();
    rigsize()
        .args(["--catalog", path.to_str().unwrap(), "models"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:3"));
}

#[test]
fn absurd_catalog_override_is_refused_not_run() {
    // 4294967295 layers built a per-layer list until memory ran out; huge
    // head counts overflowed the KV byte count (a panic) at 10M × 1024.
    let dir = std::env::temp_dir().join(format!("rigsize-test-absurd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let record = |layers: &str, heads: &str, head_dim: &str| {
        format!(
            "[[model]]\nid = \"evil\"\nname = \"Evil\"\nfamily = \"x\"\nparams_total_b = 7\n\
             params_active_b = 7\nparams_active_decode_b = 7\nlayers = {layers}\nhidden = 4096\n\
             heads = {heads}\nkv_heads = {heads}\nhead_dim = {head_dim}\nvocab = 32000\n\
             tie_embeddings = false\nffn = 14336\nlayer_pattern = \"F\"\nnative_context = 10000000\n\
             native_dtype = \"bf16\"\nlicense = \"x\"\nrelease_date = \"2025-01-01\"\n\
             source = \"test\"\nverified = false\n"
        )
    };
    for (i, (text, want)) in [
        (record("32", "8", "128"), None),
        (
            record("4294967295", "8", "128"),
            Some("at most 4096 are accepted"),
        ),
        (
            record("4096", "100000", "100000"),
            Some("implausibly large"),
        ),
        (
            record("32", "8", "128").replace("vocab = 32000", "vocab = 4000000000"),
            Some("exceeds the 7000000000 parameters"),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.join(format!("evil{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let a = rigsize()
            .args(["--catalog", path.to_str().unwrap(), "fit", "-m", "evil"])
            .args(["--ctx", "10m", "--streams", "1024", "--kv-type", "f32"])
            .timeout(std::time::Duration::from_secs(30))
            .assert();
        match want {
            None => {
                a.success();
            }
            Some(w) => {
                a.code(2).stderr(predicate::str::contains(w));
            }
        }
    }
}

#[test]
fn models_fits_filters_by_hardware() {
    let v = json(&["models", "--fits", "rtx-5090", "--ctx", "32k", "--json"]);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"qwen3-8b"));
    assert!(!ids.contains(&"deepseek-v3"));
    for m in v.as_array().unwrap() {
        assert_eq!(m["fit"]["fits"], true);
    }
}

#[test]
fn hardware_min_memory_nan_is_refused() {
    // NaN used to list no device at all, with exit code 0.
    rigsize()
        .args(["hardware", "--min-memory", "nan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--min-memory must be a number"));
}

#[test]
fn hardware_lists_devices() {
    let v = json(&["hardware", "--json"]);
    assert!(!v.as_array().unwrap().is_empty());
}

#[test]
fn fit_table_snapshot() {
    let out = rigsize()
        .args([
            "fit",
            "-m",
            "qwen3-coder-30b-a3b",
            "-q",
            "q4_k_m",
            "--ctx",
            "200k",
            "--kv-type",
            "q8_0",
            "--streams",
            "3",
        ])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn fit_json_snapshot() {
    let mut v = json(&[
        "fit",
        "-m",
        "gemma-3-27b-it",
        "-q",
        "q8_0",
        "--ctx",
        "64k",
        "--json",
    ]);
    // The explain lines are covered by the table snapshot; keep the JSON one
    // about the numbers.
    v["memory"]["explain"] = serde_json::Value::Null;
    insta::assert_json_snapshot!(v);
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

#[test]
fn prices_search_offline_returns_dated_snapshot_quotes() {
    let out = rigsize()
        .args(["prices", "search", "RTX PRO 6000", "--json", "--offline"])
        .env(
            "RIGSIZE_CACHE_DIR",
            std::env::temp_dir().join("rigsize-test-cache"),
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let quotes = v["quotes"].as_array().unwrap();
    assert!(!quotes.is_empty());
    assert!(quotes
        .iter()
        .all(|q| q["observed_at"].is_string() && q["price_chf"].as_f64().unwrap() > 0.0));
    assert!(quotes.iter().any(|q| q["source"] == "snapshot"
        && q["url"]
            .as_str()
            .is_some_and(|u| u.contains("toppreise.ch"))));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not live"));
}

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

#[test]
fn plan_example_gives_priced_candidates() {
    let ex = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/home-office-coding.toml"
    );
    let v = json(&["plan", ex, "--json"]);
    let cands = v["candidates"].as_array().unwrap();
    assert!(!cands.is_empty());
    for c in cands {
        let parts: f64 = c["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["price_chf"].as_f64().unwrap_or(0.0))
            .sum();
        let total = c["total_price_chf"].as_f64().unwrap();
        assert!(
            (parts - total).abs() < 0.01,
            "{}: {parts} vs {total}",
            c["name"]
        );
    }
    rigsize()
        .args(["plan", ex, "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Top pick"));
    rigsize()
        .args(["plan", "/nonexistent.toml"])
        .assert()
        .code(2);
}

#[test]
fn pack_reads_budgets_from_the_environment() {
    rigsize()
        .args([
            "pack",
            "--demand",
            "qwen3-coder-30b-a3b=3,gpt-oss-20b=1",
            "--json",
        ])
        .env("PORTEN_VRAM_BUDGET_MB", "24000")
        .env("PORTEN_AUTO_DOWNLOAD_MB", "100000")
        .assert()
        .success()
        .stdout(predicate::str::contains("qwen3-coder-30b-a3b"));
}

#[test]
fn plan_accepts_an_imported_model() {
    let cfg = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../rigsize-import/tests/fixtures/configs/qwen3-32b.json"
    );
    let dir = std::env::temp_dir().join(format!("rigsize-plan-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let req = dir.join("req.toml");
    std::fs::write(
        &req,
        format!(
            "title = \"imported\"\n[[role]]\nname = \"coder\"\nkind = \"main\"\nmodels = [\"{cfg}\"]\ncontext = \"32k\"\nstreams = 1\nspeed_min = 10\n[budget]\nmax_chf = 6000\n"
        ),
    )
    .unwrap();
    let v = json(&["plan", req.to_str().unwrap(), "--json"]);
    let c = &v["candidates"][0];
    assert_eq!(c["roles"][0]["model"], cfg);
    assert!(c["memory"]["required_bytes"].as_u64().unwrap() > 15 << 30);
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
