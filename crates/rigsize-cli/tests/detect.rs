//! `rigsize detect` and `--hw local` on captured tool outputs: fake
//! `nvidia-smi` / `system_profiler` / … first (and alone) on PATH, and a
//! fixture tree standing for `/proc` (RIGSIZE_SYSROOT).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const TOOLS: &[&str] = &[
    "nvidia-smi",
    "rocm-smi",
    "system_profiler",
    "sysctl",
    "vm_stat",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rigsize-detect/tests/fixtures")
        .join(name)
}

/// A machine: a temp dir of fake tools printing the fixture's captures.
struct Machine {
    bin: tempfile::TempDir,
    root: PathBuf,
}

fn machine(name: &str) -> Machine {
    use std::os::unix::fs::PermissionsExt;
    let dir = fixture(name);
    let bin = tempfile::tempdir().unwrap();
    for t in TOOLS {
        let captured = dir.join(t);
        if captured.exists() {
            let p = bin.path().join(t);
            std::fs::write(
                &p,
                format!("#!/bin/sh\nexec /bin/cat '{}'\n", captured.display()),
            )
            .unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    Machine {
        bin,
        root: dir.join("root"),
    }
}

impl Machine {
    fn rigsize(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("rigsize")
            .unwrap()
            .env("PATH", self.bin.path())
            .env("RIGSIZE_SYSROOT", &self.root)
            .env_remove("RIGSIZE_CATALOG")
            .env("XDG_CONFIG_HOME", self.bin.path())
            .args(args)
            .assert()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.rigsize(args).success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap()
    }
}

#[test]
fn detect_json_maps_the_three_boxes_to_catalog_ids() {
    for (name, hw) in [
        ("rtx4090", "rtx-4090"),
        ("rtx3090x2", "rtx-3090:2"),
        ("mac-studio-m3-ultra-256", "m3-ultra-80c@256"),
        ("dgx-spark", "dgx-spark"),
    ] {
        let d = machine(name).json(&["detect", "--json"]);
        assert_eq!(d["hw"], hw, "{name}");
        assert!(d["devices"][0]["memory_total_bytes"].as_u64().unwrap() > 0);
        assert!(d["devices"][0]["memory_free_bytes"].as_u64().unwrap() > 0);
        assert!(d["ram_total_bytes"].as_u64().unwrap() > 0);
    }
}

#[test]
fn fit_and_speed_take_hw_local() {
    for (name, hw) in [
        ("rtx4090", "rtx-4090"),
        ("rtx3090x2", "rtx-3090:2"),
        ("mac-studio-m3-ultra-256", "m3-ultra-80c@256"),
    ] {
        let m = machine(name);
        let args = |cmd: &str, hw: &str| -> Vec<String> {
            [cmd, "--model", "qwen3-8b", "--hw", hw, "--json"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        for cmd in ["fit", "speed"] {
            let local = m.json(
                &args(cmd, "local")
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            let given = m.json(&args(cmd, hw).iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(
                local, given,
                "{cmd} on {name}: --hw local must equal --hw {hw}"
            );
        }
    }
}

#[test]
fn hw_local_fails_clearly_without_a_known_box() {
    let out = machine("empty")
        .rigsize(&["fit", "--model", "qwen3-8b", "--hw", "local"])
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("--hw local") && err.contains("no GPU"),
        "{err}"
    );
    let out = machine("unknown-gpu")
        .rigsize(&["speed", "--model", "qwen3-8b", "--hw", "local"])
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("not in the catalog"));
}

#[test]
fn nothing_detected_is_an_answer_not_an_error() {
    let m = machine("empty");
    let out = m.rigsize(&["detect"]).success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&out).starts_with("nothing detected"));
    let d = m.json(&["detect", "--json"]);
    assert_eq!(d["devices"].as_array().unwrap().len(), 0);
    assert!(d["hw"].is_null());
}

#[test]
fn detect_text_shows_ids_memory_and_the_unknown_record() {
    let out = machine("unknown-gpu")
        .rigsize(&["detect"])
        .success()
        .get_output()
        .stdout
        .clone();
    let s = String::from_utf8_lossy(&out);
    assert!(
        s.contains("local-nvidia-rtx-a400") && s.contains("NO (local record)"),
        "{s}"
    );
    assert!(s.contains("[[device]]"), "{s}");
}

fn owned_parts(c: &Value) -> Vec<&Value> {
    c["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["condition"] == "owned")
        .collect()
}

fn by_name<'a>(plan: &'a Value, name: &str) -> &'a Value {
    plan["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no candidate '{name}'"))
}

#[test]
fn plan_have_local_counts_the_owned_cards_free() {
    let m = machine("rtx3090x2");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/single-24gb-budget.toml");
    let file = file.to_str().unwrap();
    let with = m.json(&["plan", file, "--have", "local", "--json", "--top", "40"]);
    let without = m.json(&["plan", file, "--json", "--top", "40"]);
    let name = "GeForce RTX 3090 on AM5";
    let (a, b) = (by_name(&with, name), by_name(&without, name));
    let owned = owned_parts(a);
    assert_eq!(owned.len(), 1, "{a}");
    assert_eq!(owned[0]["item_id"], "rtx-3090");
    assert_eq!(owned[0]["price_chf"], 0.0);
    let card = b["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["item_id"] == "rtx-3090")
        .unwrap();
    let saved = b["total_price_chf"].as_f64().unwrap() - a["total_price_chf"].as_f64().unwrap();
    assert!(
        (saved - card["price_chf"].as_f64().unwrap()).abs() < 0.01,
        "{saved}"
    );
    // A build without a 3090 pays for everything.
    let other = by_name(&with, "Radeon RX 7900 XTX on AM5");
    assert!(owned_parts(other).is_empty());
}

#[test]
fn a_have_section_makes_the_owned_mac_free() {
    let m = machine("empty");
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/apple-only.toml");
    let req = tmp.path().join("req.toml");
    let text = std::fs::read_to_string(src).unwrap() + "\n[have]\nhw = [\"m3-ultra-80c@256\"]\n";
    std::fs::write(&req, text).unwrap();
    let plan = m.json(&["plan", req.to_str().unwrap(), "--json", "--top", "40"]);
    let mac = by_name(&plan, "Mac Studio (2025) M3 Ultra 32C/80C, 256 GB");
    assert_eq!(mac["total_price_chf"], 0.0, "{mac}");
    assert!(mac["flags"].to_string().contains("you already own"));
    // Two of them: one owned, one bought — unless the owned Mac alone serves
    // every role, when the pair is set aside as a surplus device.
    let name = "2× Mac Studio (2025) M3 Ultra 32C/80C, 256 GB";
    match plan["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
    {
        Some(two) => {
            assert_eq!(owned_parts(two)[0]["quantity"], 1);
            assert!(two["total_price_chf"].as_f64().unwrap() > 0.0);
        }
        None => assert!(
            plan["set_aside"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name"] == name && s["kind"] == "surplus-device"),
            "{name} is neither planned nor set aside"
        ),
    }
}
