//! End-to-end tests: run the real `rigsize` binary and check what a user
//! sees — tables, JSON, errors and exit codes.

use assert_cmd::Command;

#[path = "cli/fit.rs"]
mod fit;
#[path = "cli/imported.rs"]
mod imported;
#[path = "cli/listings.rs"]
mod listings;
#[path = "cli/plan.rs"]
mod plan;
#[path = "cli/refusals.rs"]
mod refusals;
#[path = "cli/speed.rs"]
mod speed;

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

// The insta snapshots stay in the root: their files,
// tests/snapshots/cli__*.snap, are named after this module's path.

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
