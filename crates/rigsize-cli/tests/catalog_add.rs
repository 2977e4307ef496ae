//! `rigsize catalog add|list|remove` end to end: a GGUF file offline and an
//! `hf:` repo from the Hub-like test server on 127.0.0.1; the added model
//! then works in fit, speed and plan, and says it is a user record.

#[path = "../../rigsize-import/tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{temp_dir, HubServer};
use predicates::prelude::*;

const GGUF: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/llamacpp/gemma3-l8-swa128.gguf"
);
const QWEN3_32B: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../rigsize-import/tests/fixtures/configs/qwen3-32b.json"
);

/// The binary with its user catalog at `cat` and nothing else of the user's.
fn rigsize(cat: &Path) -> Command {
    let mut c = Command::cargo_bin("rigsize").unwrap();
    let home = temp_dir("catalog-add-home");
    c.env("RIGSIZE_CATALOG", cat)
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home)
        .env("RIGSIZE_CACHE_DIR", temp_dir("catalog-add-cache"));
    c
}

fn json(c: &mut Command) -> serde_json::Value {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fresh(name: &str) -> PathBuf {
    let d = temp_dir(name);
    let _ = std::fs::remove_file(d.join("catalog.toml"));
    d.join("catalog.toml")
}

fn plan_file(dir: &Path, model: &str) -> PathBuf {
    let req = dir.join("req.toml");
    std::fs::write(
        &req,
        format!(
            "title = \"user model\"\n[[role]]\nname = \"coder\"\nkind = \"main\"\nmodels = [\"{model}\"]\ncontext = \"32k\"\nstreams = 1\nspeed_min = 5\n[budget]\nmax_chf = 8000\n"
        ),
    )
    .unwrap();
    req
}

/// Every text a report shows about the model, as one string.
fn all_text(v: &serde_json::Value) -> String {
    v.to_string()
}

#[test]
fn gguf_record_is_written_listed_used_and_removed() {
    let cat = fresh("catalog-add-gguf");
    rigsize(&cat)
        .args(["catalog", "add", GGUF, "--id", "tiny-gemma"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tiny-gemma"));
    let text = std::fs::read_to_string(&cat).unwrap();
    assert!(text.contains("user_added = true"), "{text}");
    assert!(text.contains("gemma3-l8-swa128.gguf"), "{text}");

    // The record's architecture is the file's: fit on the id equals fit on the file.
    let by_id = json(rigsize(&cat).args([
        "fit",
        "-m",
        "tiny-gemma",
        "--ctx",
        "4096",
        "--quant",
        "q8_0",
        "--json",
    ]));
    let by_file = json(rigsize(&cat).args(["fit", "-m", GGUF, "--ctx", "4096", "--json"]));
    assert!(by_id["kv_cache_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        by_id["kv_cache_bytes"], by_file["kv_cache_bytes"],
        "{by_id}\n{by_file}"
    );
    assert!(!all_text(&by_file).contains("user-added record"));
    assert!(all_text(&by_id).contains("user-added record"), "{by_id}");

    let listed = json(rigsize(&cat).args(["catalog", "list", "--user", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], "tiny-gemma");
    assert_eq!(listed[0]["user_added"], true);
    let models = json(rigsize(&cat).args(["models", "--search", "tiny-gemma", "--json"]));
    assert_eq!(models[0]["user_added"], true);

    // A duplicate id needs --force; nothing changes without it.
    rigsize(&cat)
        .args(["catalog", "add", GGUF, "--id", "tiny-gemma"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(&cat).unwrap(), text);
    rigsize(&cat)
        .args(["catalog", "add", GGUF, "--id", "tiny-gemma", "--force"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(&cat)
            .unwrap()
            .matches("[[model]]")
            .count(),
        1
    );

    rigsize(&cat)
        .args(["catalog", "remove", "tiny-gemma"])
        .assert()
        .success();
    rigsize(&cat)
        .args(["fit", "-m", "tiny-gemma"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("tiny-gemma"));
    rigsize(&cat)
        .args(["catalog", "remove", "qwen3-32b"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("built-in"));
}

#[test]
fn hf_record_from_the_local_hub_works_in_fit_speed_and_plan() {
    let mut repos = HashMap::new();
    repos.insert(
        "acme/Qwen3-32B-Next".to_string(),
        vec![("config.json".to_string(), std::fs::read(QWEN3_32B).unwrap())],
    );
    let server = HubServer::start(repos, None);
    let dir = temp_dir("catalog-add-hf");
    let cat = fresh("catalog-add-hf");
    let added = json(rigsize(&cat).env("HF_ENDPOINT", &server.endpoint).args([
        "catalog",
        "add",
        "hf:acme/Qwen3-32B-Next",
        "--json",
    ]));
    assert_eq!(added["id"], "qwen3-32b-next");
    assert_eq!(added["hf_repo"], "acme/Qwen3-32B-Next");
    assert!(added["source"]
        .as_str()
        .unwrap()
        .contains("hf:acme/Qwen3-32B-Next"));

    // Same architecture as the built-in Qwen3-32B record: same KV and weights.
    let fit = |m: &str| {
        json(rigsize(&cat).args([
            "fit", "-m", m, "--ctx", "32k", "--quant", "q4_k_m", "--json",
        ]))
    };
    let (user, builtin) = (fit("qwen3-32b-next"), fit("qwen3-32b"));
    assert_eq!(user["kv_cache_bytes"], builtin["kv_cache_bytes"]);
    assert_eq!(user["weights_bytes"], builtin["weights_bytes"]);
    assert!(all_text(&user).contains("user-added record"), "{user}");
    assert!(!all_text(&builtin).contains("user-added record"));

    let speed = json(rigsize(&cat).args([
        "speed",
        "-m",
        "qwen3-32b-next",
        "--hw",
        "rtx-5090",
        "--json",
    ]));
    assert!(all_text(&speed).contains("user-added record"), "{speed}");

    let plan = json(rigsize(&cat).args([
        "plan",
        plan_file(&dir, "qwen3-32b-next").to_str().unwrap(),
        "--json",
    ]));
    assert!(!plan["candidates"].as_array().unwrap().is_empty());
    assert!(
        plan["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("user-added record")),
        "{}",
        plan["flags"]
    );
    let text = rigsize(&cat)
        .args(["plan", plan_file(&dir, "qwen3-32b-next").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("user-added record"));
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let server = HubServer::start(HashMap::new(), None);
    let cat = fresh("catalog-add-bad");
    rigsize(&cat)
        .env("HF_ENDPOINT", &server.endpoint)
        .args(["catalog", "add", "hf:nobody/no-such-model"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("nobody/no-such-model"));
    assert!(!cat.exists());
    rigsize(&cat)
        .args(["catalog", "add", "/nonexistent/model.gguf"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("model.gguf"));
    assert!(!cat.exists());

    // A built-in id is not shadowed by accident.
    rigsize(&cat)
        .args(["catalog", "add", QWEN3_32B, "--id", "qwen3-32b"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("built-in catalog"));
    assert!(!cat.exists());

    // An unwritable place: the catalog's directory is a file.
    let blocker = temp_dir("catalog-add-blocked").join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    rigsize(&blocker.join("catalog.toml"))
        .args(["catalog", "add", GGUF, "--id", "x"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("error:"));
    assert_eq!(
        std::fs::read_to_string(&blocker).unwrap(),
        "not a directory"
    );
}
