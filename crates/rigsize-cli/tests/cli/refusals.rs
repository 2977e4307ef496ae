//! Bad input is refused with exit code 2 and a reason: unknown names, bad values, broken catalog overrides.

use predicates::prelude::*;

use super::rigsize;

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
fn hardware_min_memory_nan_is_refused() {
    // NaN used to list no device at all, with exit code 0.
    rigsize()
        .args(["hardware", "--min-memory", "nan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--min-memory must be a number"));
}
