//! `rigsize plan` and `rigsize pack`: priced candidates, imported models and budgets from the environment.

use predicates::prelude::*;

use super::{json, rigsize};

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
