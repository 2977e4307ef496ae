//! The listings: `models --fits`, `hardware` and offline `prices search`.

use super::{json, rigsize};

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
fn hardware_lists_devices() {
    let v = json(&["hardware", "--json"]);
    assert!(!v.as_array().unwrap().is_empty());
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
