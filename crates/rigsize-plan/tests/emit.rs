//! `rigsize plan --emit`: the bundle's files pass their tools' own checks (bash -n,
//! shellcheck where installed, a YAML parse of the LiteLLM config) and agree with the plan.

mod common;

use common::BIG_ON_BOXES;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use rigsize_catalog::Catalog;
use rigsize_plan::commands::{multi_machine, ModelRepo};
use rigsize_plan::emit::{bundle, BundleFile};
use rigsize_plan::{plan_from_toml, PlanReport};

fn report(name: &str) -> PlanReport {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    plan_from_toml(&text, &path, &Catalog::builtin().unwrap()).unwrap()
}

fn emit(r: &PlanReport, build: usize) -> Vec<BundleFile> {
    let catalog = Catalog::builtin().unwrap();
    bundle(r, build, |id| ModelRepo::from_catalog(&catalog, id)).unwrap()
}

fn file<'a>(files: &'a [BundleFile], path: &str) -> &'a BundleFile {
    files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
}

/// `bash -n`, and shellcheck when it is installed, on every script of the bundle.
fn check_scripts(files: &[BundleFile]) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("rigsize-emit-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in files.iter().filter(|f| f.executable) {
        assert!(
            f.contents.starts_with("#!/usr/bin/env bash\n"),
            "{}",
            f.path
        );
        assert!(f.contents.contains("\nset -euo pipefail\n"), "{}", f.path);
        let p = dir.join(f.path.replace('/', "_"));
        std::fs::write(&p, &f.contents).unwrap();
        let out = Command::new("bash").arg("-n").arg(&p).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            f.path,
            String::from_utf8_lossy(&out.stderr)
        );
        if let Ok(out) = Command::new("shellcheck").arg(&p).output() {
            assert!(
                out.status.success(),
                "{}:\n{}",
                f.path,
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn home_office_bundle_has_a_script_a_router_config_and_a_readme_that_agree() {
    let r = report("home-office-coding.toml");
    let files = emit(&r, 1);
    let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "README.md",
            "docker-compose.yml",
            "launch.sh",
            "litellm/config.yaml"
        ]
    );
    check_scripts(&files);
    let script = &file(&files, "launch.sh").contents;
    let readme = &file(&files, "README.md").contents;
    // Every started server is in the script, in the router and in the health checks.
    let servers: Vec<_> = r
        .commands
        .iter()
        .filter(|k| k.port.is_some() && !k.alternative)
        .collect();
    assert!(servers.len() >= 2);
    for k in &servers {
        assert!(script.contains(&k.command), "{}", k.command);
        let port = k.port.unwrap();
        assert!(readme.contains(&format!("curl -fsS http://127.0.0.1:{port}/v1/models")));
        let d = k.download.as_ref().unwrap();
        assert!(
            readme.contains(&format!("hf download {}", d.repo)),
            "{}",
            d.repo
        );
    }
    let yaml: serde_norway::Value =
        serde_norway::from_str(&file(&files, "litellm/config.yaml").contents).unwrap();
    let list = yaml["model_list"].as_sequence().expect("model_list");
    let top = &r.candidates[0];
    assert_eq!(list.len(), top.roles.len(), "one entry per role");
    for e in list {
        let name = e["model_name"].as_str().unwrap();
        let params = &e["litellm_params"];
        assert!(params["model"].as_str().unwrap().starts_with("openai/"));
        let base = params["api_base"].as_str().unwrap();
        let port: u16 = base
            .trim_end_matches("/v1")
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // The role's entry points at the server that serves the role.
        let k = servers
            .iter()
            .find(|k| k.port == Some(port))
            .expect("a started server");
        assert!(
            k.roles
                .iter()
                .any(|role| role.to_lowercase().replace(' ', "-") == name),
            "{name} → {base}"
        );
        assert!(params["api_key"].as_str().is_some());
    }
}

#[test]
fn a_mac_bundle_raises_the_wired_limit_and_every_build_number_is_checked() {
    let r = report("apple-only.toml");
    let files = emit(&r, 1);
    check_scripts(&files);
    if let Some(mb) = r.candidates[0].wired_limit_mb {
        let line = format!("sudo sysctl iogpu.wired_limit_mb={mb}");
        assert!(file(&files, "launch.sh").contents.contains(&line));
        assert!(file(&files, "README.md").contents.contains(&line));
    }
    let catalog = Catalog::builtin().unwrap();
    let n = r.candidates.len();
    for bad in [0, n + 1] {
        let e = bundle(&r, bad, |id| ModelRepo::from_catalog(&catalog, id)).unwrap_err();
        assert!(e.to_string().contains(&format!("--build {bad}")), "{e}");
    }
}

#[test]
fn a_cluster_gets_one_script_per_machine_that_asks_for_the_link_addresses() {
    let catalog = Catalog::builtin().unwrap();
    let r = plan_from_toml(BIG_ON_BOXES, "boxes", &catalog).unwrap();
    let mut seen = 0;
    for (i, c) in r.candidates.iter().enumerate() {
        if !multi_machine(c) || !c.memory.fits {
            continue;
        }
        seen += 1;
        let files = emit(&r, i + 1);
        check_scripts(&files);
        let scripts = files.iter().filter(|f| f.executable).count();
        assert_eq!(scripts, c.device_count as usize, "{}", c.name);
        for f in files.iter().filter(|f| f.executable) {
            // A line reading an address has the script demand it first.
            for var in ["RPC_PEERS", "LINK_IP", "HEAD_IP"] {
                let used = f
                    .contents
                    .lines()
                    .any(|l| !l.starts_with('#') && l.contains(&format!("\"${var}")));
                if used {
                    assert!(
                        f.contents.contains(&format!(": \"${{{var}:?")),
                        "{}: {var}",
                        f.path
                    );
                }
            }
        }
    }
    assert!(seen >= 2, "only {seen} cluster builds");
}
