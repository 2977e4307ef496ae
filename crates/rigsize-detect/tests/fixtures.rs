//! Detection on captured tool outputs: each fixture directory becomes fake
//! programs on a private PATH plus a `/proc` root.

use std::path::{Path, PathBuf};

use rigsize_catalog::Catalog;
use rigsize_detect::{detect_with, Detection};

const TOOLS: &[&str] = &[
    "nvidia-smi",
    "rocm-smi",
    "system_profiler",
    "sysctl",
    "vm_stat",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Writes a fake program per captured output into a temp dir.
fn fake_path(dir: &Path, tmp: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for t in TOOLS {
        let captured = dir.join(t);
        if captured.exists() {
            let p = tmp.join(t);
            std::fs::write(
                &p,
                format!("#!/bin/sh\nexec /bin/cat '{}'\n", captured.display()),
            )
            .unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

fn detect(name: &str) -> Detection {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fixture(name);
    fake_path(&dir, tmp.path());
    detect_with(
        &Catalog::builtin().unwrap(),
        &dir.join("root"),
        Some(tmp.path().as_os_str()),
    )
}

#[test]
fn rtx_4090_box() {
    let d = detect("rtx4090");
    assert_eq!(d.hw.as_deref(), Some("rtx-4090"));
    let g = &d.devices[0];
    assert!(g.known);
    assert_eq!(g.memory_total_bytes, Some(24564 << 20));
    assert_eq!(g.memory_free_bytes, Some(22812 << 20));
    assert_eq!(
        d.cpu.as_deref(),
        Some("AMD Ryzen 9 7950X 16-Core Processor")
    );
    assert_eq!(d.cpu_threads, Some(32));
    assert_eq!(d.ram_total_bytes, Some(65536232 * 1024));
    assert_eq!(d.ram_free_bytes, Some(58000000 * 1024));
}

#[test]
fn two_rtx_3090s_are_one_spec_with_a_count() {
    let d = detect("rtx3090x2");
    assert_eq!(d.hw.as_deref(), Some("rtx-3090:2"));
    assert_eq!(d.devices.len(), 2);
    assert_eq!(d.devices[0].memory_free_bytes, Some(5332 << 20));
}

#[test]
fn power_limit_tells_max_q_from_workstation() {
    assert_eq!(
        detect("rtxpro6000-maxq").hw.as_deref(),
        Some("rtx-pro-6000-maxq")
    );
    assert_eq!(
        detect("rtxpro6000-ws").hw.as_deref(),
        Some("rtx-pro-6000-ws")
    );
    assert!(detect("rtxpro6000-maxq").devices[0]
        .matched_by
        .contains("300 W"));
}

#[test]
fn mac_studio_m3_ultra_256() {
    let d = detect("mac-studio-m3-ultra-256");
    assert_eq!(d.hw.as_deref(), Some("m3-ultra-80c@256"));
    assert_eq!(d.ram_total_bytes, Some(256 << 30));
    // free + inactive + speculative pages of 16 KiB
    let free = (9876543u64 + 1234567 + 45678) * 16384;
    assert_eq!(d.devices[0].memory_free_bytes, Some(free));
    assert_eq!(d.cpu_threads, Some(32));
    assert_eq!(d.wired_limit_bytes, None);
}

#[test]
fn dgx_spark_from_gb10_and_proc() {
    let d = detect("dgx-spark");
    assert_eq!(d.hw.as_deref(), Some("dgx-spark"));
    assert_eq!(d.devices.len(), 1);
    assert_eq!(d.devices[0].memory_total_bytes, Some(125489508 * 1024));
    assert_eq!(d.cpu_threads, Some(20));
}

#[test]
fn strix_halo_from_cpuinfo() {
    assert_eq!(detect("strix-halo").hw.as_deref(), Some("strix-halo-395"));
}

#[test]
fn radeon_from_rocm_smi() {
    let d = detect("radeon-7900xtx");
    assert_eq!(d.hw.as_deref(), Some("rx-7900-xtx"));
    assert_eq!(d.devices[0].memory_total_bytes, Some(25753026560));
}

#[test]
fn unknown_gpu_is_a_flagged_local_record() {
    let d = detect("unknown-gpu");
    let g = &d.devices[0];
    assert!(!g.known);
    assert_eq!(g.hw, "local-nvidia-rtx-a400");
    assert!(g.local_record.as_ref().unwrap().contains("memory_gib = 4"));
    assert!(d.hw.is_none());
    assert!(d.hw_problem.unwrap().contains("not in the catalog"));
}

#[test]
fn mixed_cards_have_no_single_spec() {
    let d = detect("mixed");
    assert!(d.hw.is_none());
    assert!(d.hw_problem.unwrap().contains("rtx-4090, rtx-3090"));
}

#[test]
fn no_tools_nothing_detected() {
    let d = detect("empty");
    assert!(d.nothing_detected());
    assert!(d.tools.iter().all(|t| t.status == "absent"));
}

/// A fake tool that prints `out` and exits with `code`.
fn tool_dir(tool: &str, out: &str, code: i32) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join(tool);
    std::fs::write(&p, format!("#!/bin/sh\necho '{out}'\nexit {code}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}

#[test]
fn a_failing_or_garbled_tool_is_reported_not_guessed() {
    let cat = Catalog::builtin().unwrap();
    let root = fixture("empty").join("root");
    let broken = tool_dir(
        "nvidia-smi",
        "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.",
        9,
    );
    let d = detect_with(&cat, &root, Some(broken.path().as_os_str()));
    assert!(d.devices.is_empty());
    let t = d.tools.iter().find(|t| t.tool == "nvidia-smi").unwrap();
    assert_eq!(t.status, "failed");
    assert!(t.detail.as_ref().unwrap().contains("exited"), "{t:?}");
    let garbled = tool_dir("nvidia-smi", "something else entirely", 0);
    let d = detect_with(&cat, &root, Some(garbled.path().as_os_str()));
    assert!(d.devices.is_empty());
    let t = d.tools.iter().find(|t| t.tool == "nvidia-smi").unwrap();
    assert_eq!(t.status, "failed");
    assert!(t.detail.as_ref().unwrap().contains("expected 7"), "{t:?}");
}

#[test]
fn mac_without_gpu_cores_gets_the_family_id() {
    use std::os::unix::fs::PermissionsExt;
    let dir = fixture("mac-studio-m3-ultra-256");
    let tmp = tempfile::tempdir().unwrap();
    fake_path(&dir, tmp.path());
    let text = std::fs::read_to_string(dir.join("system_profiler")).unwrap();
    let without = tmp.path().join("captured.json");
    std::fs::write(&without, text.replace("\"sppci_cores\" : \"80\",", "")).unwrap();
    let p = tmp.path().join("system_profiler");
    std::fs::write(
        &p,
        format!("#!/bin/sh\nexec /bin/cat '{}'\n", without.display()),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let d = detect_with(
        &Catalog::builtin().unwrap(),
        &dir.join("root"),
        Some(tmp.path().as_os_str()),
    );
    assert_eq!(d.hw.as_deref(), Some("m3-ultra@256"), "{:?}", d.devices);
    assert!(d.devices[0]
        .matched_by
        .contains("m3-ultra-60c, m3-ultra-80c"));
}
