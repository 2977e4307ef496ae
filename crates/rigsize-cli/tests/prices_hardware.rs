//! `rigsize prices` opens with the snapshot's age and shows price flags;
//! `rigsize hardware` marks unverified values and lists this year's devices.

use assert_cmd::Command;

fn rigsize() -> Command {
    let mut c = Command::cargo_bin("rigsize").unwrap();
    let home = std::env::temp_dir().join("rigsize-test-home-e2");
    std::fs::create_dir_all(&home).unwrap();
    c.env_remove("RIGSIZE_CATALOG");
    c.env_remove("XDG_CONFIG_HOME");
    c.env("HOME", home);
    c.env(
        "RIGSIZE_CACHE_DIR",
        std::env::temp_dir().join("rigsize-test-cache-e2"),
    );
    c
}

fn stdout(args: &[&str], today: &str) -> String {
    let out = rigsize()
        .args(args)
        .env("RIGSIZE_TODAY", today)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn prices_table_opens_with_the_snapshot_age() {
    let out = stdout(
        &["prices", "search", "rtx-pro-6000-maxq", "--offline"],
        "2026-12-05",
    );
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("prices of 2026-02-17, 291 days old"),
        "{first}"
    );
    // The MSRP estimate below the observed Workstation price carries its flag and legend.
    assert!(out.contains("msrp-below-observed"), "{out}");
    assert!(
        out.contains("msrp-below-observed: launch-MSRP estimate"),
        "{out}"
    );
}

#[test]
fn prices_json_carries_the_age_and_the_flags() {
    let out = stdout(
        &["prices", "history", "rtx-pro-6000-maxq", "--json"],
        "2026-03-19",
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["snapshot_age"]["days"], 30);
    assert_eq!(v["snapshot_age"]["date"], "2026-02-17");
    let flags = v["quotes"][0]["flags"].as_array().unwrap();
    assert!(
        flags.iter().any(|f| f == "msrp-below-observed"),
        "{flags:?}"
    );
}

#[test]
fn a_clock_before_the_snapshot_is_a_clear_error() {
    let out = rigsize()
        .args(["prices", "history", "rtx-5090"])
        .env("RIGSIZE_TODAY", "2025-01-01")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("before the price date"), "{err}");
}

#[test]
fn hardware_marks_unverified_values_in_the_table_and_json() {
    let out = stdout(&["hardware", "--search", "cmp-170hx"], "2026-12-05");
    let row = out.lines().find(|l| l.starts_with("cmp-170hx")).unwrap();
    // NVIDIA's 8 GB, marked unverified; the record as a whole is benchmark-only.
    assert!(
        row.starts_with("cmp-170hx?") && row.contains(" 8*"),
        "{row}"
    );
    assert!(out.contains("* unverified value"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&stdout(
        &["hardware", "--json", "--search", "cmp-170hx"],
        "2026-12-05",
    ))
    .unwrap();
    let d = &v[0];
    assert_eq!(d["device"]["memory_bytes"], 8u64 << 30);
    assert_eq!(d["verified"], false);
    assert!(d["unverified_fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "memory_gib"));
}

#[test]
fn hardware_json_lists_the_m5_family_and_2026_devices_with_sources() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&["hardware", "--json"], "2026-12-05")).unwrap();
    let rows = v.as_array().unwrap();
    let get = |id: &str| {
        rows.iter()
            .find(|r| r["device"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    for id in [
        "m5-10c",
        "m5-pro",
        "m5-max",
        "macbook-pro-14-2025-m5",
        "macbook-pro-2026-m5-pro",
        "macbook-pro-2026-m5-max",
        "arc-pro-b70",
    ] {
        let r = get(id);
        assert!(r["source"].as_str().unwrap().contains("https://"), "{id}");
    }
    // The table shows the configurations too.
    let table = stdout(
        &["hardware", "--search", "macbook-pro-2026-m5-max"],
        "2026-12-05",
    );
    let row = table
        .lines()
        .find(|l| l.starts_with("macbook-pro-2026-m5-max "))
        .unwrap();
    assert!(row.contains("36,48,64,128*"), "{row}");
    // Each memory configuration is listed (chosen with ID@GB).
    let max = get("macbook-pro-2026-m5-max");
    assert_eq!(max["memory_configs_bytes"].as_array().unwrap().len(), 4);
    assert_eq!(max["chip"], "m5-max");
    let dated_2026 = rows
        .iter()
        .filter(|r| {
            r["launch_date"]
                .as_str()
                .is_some_and(|d| d.starts_with("2026"))
        })
        .count();
    assert!(
        dated_2026 >= 6,
        "only {dated_2026} devices launched in 2026"
    );
}

#[test]
fn plan_live_reports_each_part_and_falls_back_with_the_reason() {
    // Nothing listens on port 9 of loopback: every lookup fails, every part
    // keeps its snapshot price and says why, and the totals agree.
    let cache = tempfile::tempdir().unwrap();
    let out = rigsize()
        .args([
            "plan",
            "../../examples/home-office-coding.toml",
            "--live",
            "--json",
            "--detail",
            "1",
        ])
        .env("RIGSIZE_TOPPREISE_URL", "http://127.0.0.1:9/")
        .env("RIGSIZE_CACHE_DIR", cache.path())
        .env("PATH", "/usr/bin:/bin")
        .env("RIGSIZE_TODAY", "2026-12-05")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let live = &v["live_prices"];
    let build = &live["builds"][0];
    assert_eq!(build["name"], v["candidates"][0]["name"]);
    let parts = live["parts"]["parts"].as_array().unwrap();
    let n = v["candidates"][0]["components"].as_array().unwrap().len();
    assert!(!parts.is_empty() && parts.len() <= n);
    assert!(parts
        .iter()
        .all(|p| p["fallback"].as_str().is_some_and(|w| !w.is_empty())));
    assert_eq!(build["parts_not_refreshed"], n);
    let (s, l) = (
        build["snapshot_total_chf"].as_f64().unwrap(),
        build["live_total_chf"].as_f64().unwrap(),
    );
    assert!(
        (s - l).abs() < 1.0,
        "snapshot {s} vs live {l} with every part on its fallback"
    );
}
