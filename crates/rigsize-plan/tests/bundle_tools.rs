//! The bundle's files through their tools' own checks: `docker compose config` (or
//! docker-compose v1) on docker-compose.yml, and LiteLLM's proxy config loader on
//! litellm/config.yaml. Where a tool is absent the test says so loudly and skips — except
//! under CI=true, where scripts/ci-deps.sh installs them and absence fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use rigsize_catalog::Catalog;
use rigsize_plan::commands::ModelRepo;
use rigsize_plan::emit::{bundle, compose, BundleFile};
use rigsize_plan::plan_from_toml;

fn files_of(text: &str, name: &str) -> Vec<BundleFile> {
    let catalog = Catalog::builtin().unwrap();
    let r = plan_from_toml(text, name, &catalog).unwrap();
    bundle(&r, 1, |id| ModelRepo::from_catalog(&catalog, id)).unwrap()
}

fn example(name: &str) -> Vec<BundleFile> {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    files_of(&std::fs::read_to_string(&path).unwrap(), &path)
}

fn write(files: &[BundleFile], tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rigsize-tools-{}-{tag}", std::process::id()));
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.contents).unwrap();
    }
    dir
}

/// Absent tool: a loud skip, or a failure under CI=true.
fn missing(tool: &str, how: &str) {
    let msg = format!("{tool} is not installed here, so this check did NOT run ({how})");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true: {msg}");
    }
    eprintln!("\n*** WARNING: {msg} ***\n");
}

fn compose_cmd() -> Option<Vec<&'static str>> {
    let ok = |c: &[&str]| {
        Command::new(c[0])
            .args(&c[1..])
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    [&["docker", "compose"][..], &["docker-compose"][..]]
        .into_iter()
        .find(|c| ok(c))
        .map(|c| c.to_vec())
}

/// The compose file's GPUs per port, as (port, device_ids).
fn compose_gpus(y: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut port = String::new();
    for l in y.lines().map(str::trim) {
        if let Some(p) = l.strip_prefix("ports: [\"127.0.0.1:") {
            port = p.split(':').next().unwrap().to_string();
        }
        if let Some(ids) = l.strip_prefix("device_ids: ") {
            let ids: Vec<String> = serde_json::from_str(ids).unwrap();
            out.push((port.clone(), ids.join(",")));
        }
    }
    out
}

fn check_compose(files: &[BundleFile], tag: &str) {
    let y = &files
        .iter()
        .find(|f| f.path == "docker-compose.yml")
        .expect("a compose file")
        .contents;
    let script = &files
        .iter()
        .find(|f| f.path == "launch.sh")
        .unwrap()
        .contents;
    // Every service reserves the GPUs its launch line pins, on the same port.
    let gpus = compose_gpus(y);
    assert!(!gpus.is_empty(), "{y}");
    for (port, ids) in &gpus {
        let line = script
            .lines()
            .chain(script.lines().map(|l| l.trim_start_matches("#   ")))
            .find(|l| l.contains(&format!("--port {port}")) && l.contains("CUDA_VISIBLE_DEVICES="))
            .unwrap_or_else(|| panic!("no launch line on port {port}:\n{script}"));
        assert!(
            line.contains(&format!("CUDA_VISIBLE_DEVICES={ids} ")),
            "{line} vs {ids}"
        );
    }
    if y.contains("vllm/vllm-openai") {
        let tag = format!("vllm/vllm-openai:v{}", compose::vllm_version());
        assert!(y.contains(&tag), "{tag}\n{y}");
    }
    let Some(cmd) = compose_cmd() else {
        return missing(
            "docker compose (plugin) / docker-compose",
            "apt-get install docker-compose",
        );
    };
    let dir = write(files, tag);
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .args(["-f", "docker-compose.yml", "config", "-q"])
        .current_dir(&dir)
        .env("HOME", "/home/rig")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}:\n{}\n{y}",
        cmd.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn home_office_compose_passes_docker_compose_config() {
    check_compose(&example("home-office-coding.toml"), "home");
}

#[test]
fn vllm_services_pass_docker_compose_config_with_their_gpu_shares() {
    // The best-ranked build of two BF16 models whose bundle serves them with
    // vLLM (which build that is follows the speed calibration).
    let catalog = Catalog::builtin().unwrap();
    let r = plan_from_toml(common::TWO_BF16, "vllm-pair", &catalog).unwrap();
    let files = (1..=r.candidates.len())
        .map(|i| bundle(&r, i, |id| ModelRepo::from_catalog(&catalog, id)).unwrap())
        .find(|files| {
            files
                .iter()
                .any(|f| f.path == "docker-compose.yml" && f.contents.contains("vllm/vllm-openai"))
        })
        .expect("a ranked build served by vLLM");
    let y = &files
        .iter()
        .find(|f| f.path == "docker-compose.yml")
        .unwrap()
        .contents;
    assert!(y.contains("vllm/vllm-openai"), "{y}");
    assert!(y.contains("--gpu-memory-utilization"), "{y}");
    check_compose(&files, "vllm");
}

#[test]
fn a_mac_bundle_has_no_compose_file() {
    assert!(!example("apple-only.toml")
        .iter()
        .any(|f| f.path == "docker-compose.yml"));
}

/// The Python that has `litellm[proxy]`: $RIGSIZE_LITELLM_PYTHON, else the venv
/// scripts/ci-deps.sh makes.
fn litellm_python() -> Option<PathBuf> {
    let p = std::env::var_os("RIGSIZE_LITELLM_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            let home = std::env::var_os("HOME")?;
            Some(Path::new(&home).join(".cache/rigsize/litellm-venv/bin/python"))
        })?;
    let ok = Command::new(&p)
        .args(["-c", "import litellm.proxy.proxy_server"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(p)
}

#[test]
fn litellm_configs_pass_the_proxys_own_loader() {
    let Some(py) = litellm_python() else {
        return missing(
            "litellm[proxy]",
            "scripts/ci-deps.sh makes ~/.cache/rigsize/litellm-venv, or set RIGSIZE_LITELLM_PYTHON",
        );
    };
    let check = format!(
        "{}/tests/tools/litellm_check.py",
        env!("CARGO_MANIFEST_DIR")
    );
    for name in ["home-office-coding.toml", "apple-only.toml"] {
        let files = example(name);
        let cfg = &files
            .iter()
            .find(|f| f.path == "litellm/config.yaml")
            .unwrap()
            .contents;
        let roles: Vec<String> = cfg
            .lines()
            .filter_map(|l| l.trim().strip_prefix("- model_name: "))
            .map(|s| serde_json::from_str::<String>(s).unwrap())
            .collect();
        assert!(!roles.is_empty(), "{cfg}");
        let dir = write(&files, name);
        let out = Command::new(&py)
            .arg(&check)
            .arg(dir.join("litellm/config.yaml"))
            .args(&roles)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
