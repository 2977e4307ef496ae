//! `rigsize plan FILE --emit DIR`: a deployable bundle for one build — a launch script per
//! machine, a LiteLLM router config that gives every role one OpenAI-compatible endpoint,
//! and a README with the downloads, the Mac wired-memory line and health checks.
//!
//! Pure: returns the files; the CLI writes them (all or nothing).

pub mod compose;

use std::collections::BTreeSet;

use crate::commands::{engine_commands, multi_machine, ModelRepo};
use crate::error::PlanError;
use crate::report::{Candidate, EngineCommand, PlanReport};
use crate::requirements::Platform;

/// The port the LiteLLM proxy listens on (LiteLLM's documented default, 4000).
pub const ROUTER_PORT: u16 = 4000;
/// Environment variables a command line may read (the buyer's addresses), with what to set
/// (no quotes in the text: it sits inside `"${VAR:?text}"`).
const REQUIRED_ENV: &[(&str, &str)] = &[
    (
        "RPC_PEERS",
        "host:50052 of each other box on the direct link, comma-separated",
    ),
    ("LINK_IP", "the address of this box on the direct link"),
    ("HEAD_IP", "the address of the first box on the direct link"),
];

/// One file of the bundle, its path relative to the bundle's directory.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleFile {
    pub path: String,
    pub contents: String,
    /// A script: written with the executable bit.
    pub executable: bool,
}

/// The bundle for build `build` (1-based rank in the report).
pub fn bundle(
    report: &PlanReport,
    build: usize,
    repo_of: impl Fn(&str) -> Option<ModelRepo>,
) -> Result<Vec<BundleFile>, PlanError> {
    let n = report.candidates.len();
    let c = build
        .checked_sub(1)
        .and_then(|i| report.candidates.get(i))
        .ok_or_else(|| {
            PlanError::Invalid(format!("--build {build}: the report ranks builds 1 to {n}"))
        })?;
    if !c.memory.fits {
        return Err(PlanError::Invalid(format!(
            "--build {build} ({}): the planned models do not fit, so there is nothing to launch",
            c.name
        )));
    }
    let cmds = engine_commands(c, repo_of);
    let mut files: Vec<BundleFile> = machines(c)
        .into_iter()
        .map(|m| BundleFile {
            path: script_name(m),
            contents: script(c, &cmds, m),
            executable: true,
        })
        .collect();
    if c.platform == Platform::Nvidia && !multi_machine(c) {
        let lines: Vec<&EngineCommand> = cmds.iter().filter(|k| k.machine.is_none()).collect();
        if let Some(y) = compose::compose_file(&c.name, &lines) {
            files.push(BundleFile {
                path: "docker-compose.yml".into(),
                contents: y,
                executable: false,
            });
        }
    }
    files.push(BundleFile {
        path: "litellm/config.yaml".into(),
        contents: litellm_config(c, &cmds),
        executable: false,
    });
    files.push(BundleFile {
        path: "README.md".into(),
        contents: readme(report, c, &cmds),
        executable: false,
    });
    Ok(files)
}

/// The machines of a build: each box of a cluster, or the only one (None).
fn machines(c: &Candidate) -> Vec<Option<usize>> {
    if multi_machine(c) {
        (0..c.device_count as usize).map(Some).collect()
    } else {
        vec![None]
    }
}

fn script_name(m: Option<usize>) -> String {
    m.map_or("launch.sh".into(), |i| format!("launch-machine-{i}.sh"))
}

/// The host a machine's servers are reached at from the router.
fn host(m: Option<usize>) -> String {
    m.map_or("127.0.0.1".into(), |i| format!("rig-{i}"))
}

fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The bash script that starts one machine's servers and stops them when it exits.
fn script(c: &Candidate, cmds: &[EngineCommand], m: Option<usize>) -> String {
    let mine: Vec<&EngineCommand> = cmds.iter().filter(|k| k.machine == m).collect();
    let mut s = format!(
        "#!/usr/bin/env bash\n# rigsize plan bundle: {}{}.\n# Starts this machine's servers in the background (logs in ./logs) and stops them on exit.\nset -euo pipefail\ncd \"$(dirname \"$0\")\"\nmkdir -p logs\n",
        c.name,
        m.map_or(String::new(), |i| format!(", machine {i}"))
    );
    let started: Vec<&&EngineCommand> = mine
        .iter()
        .filter(|k| !k.alternative && !k.command.starts_with('#'))
        .collect();
    for (var, what) in REQUIRED_ENV {
        if started
            .iter()
            .any(|k| k.command.contains(&format!("${var}")))
        {
            s.push_str(&format!(": \"${{{var}:?set {var} to {what}}}\"\n"));
        }
    }
    s.push_str("pids=()\ntrap 'kill \"${pids[@]}\" 2>/dev/null || true' EXIT\n");
    for k in &started {
        s.push_str(&format!("\n# {}: {}\n", k.engine, k.purpose));
        if k.port.is_none() && k.shares.is_empty() {
            s.push_str(&format!("{}\n", k.command)); // a setting (sysctl), not a server
            continue;
        }
        let log = match (k.port, &k.model) {
            (Some(p), Some(model)) => format!("logs/{p}-{}.log", slug(model)),
            _ => format!("logs/{}.log", slug(&k.engine)),
        };
        s.push_str(&format!("{} > {log} 2>&1 &\npids+=(\"$!\")\n", k.command));
    }
    if !started.iter().any(|k| k.port.is_some())
        && cmds.iter().any(|k| k.command.starts_with("mlx.launch "))
    {
        s.push_str("\n# No server of its own here: machine 0's mlx.launch starts this Mac's rank over ssh.\n");
    }
    let other: Vec<&&EngineCommand> = mine.iter().filter(|k| !started.contains(k)).collect();
    if !other.is_empty() {
        s.push_str("\n# Not started (an alternative to a line above, or a note):\n");
        for k in other {
            s.push_str(&format!(
                "# {}: {}\n#   {}\n",
                k.engine,
                k.purpose,
                k.command.trim_start_matches("# ")
            ));
        }
    }
    s.push_str("\nwait\n");
    s
}

/// YAML that LiteLLM's proxy loads: one `model_list` entry per role, each pointing at its
/// server's OpenAI-compatible API. Scalars are JSON-quoted (valid YAML, no escaping traps).
fn litellm_config(c: &Candidate, cmds: &[EngineCommand]) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut y = format!(
        "# LiteLLM proxy for {}: every role at one endpoint, http://<router>:{ROUTER_PORT}/v1\n# litellm --config litellm/config.yaml --port {ROUTER_PORT}\nmodel_list:\n",
        c.name
    );
    for k in cmds.iter().filter(|k| !k.alternative && k.port.is_some()) {
        let (Some(port), Some(model)) = (k.port, &k.model) else {
            continue;
        };
        // vLLM and mlx_lm serve the repo's name; llama-server answers any name.
        let served = match (&k.download, k.engine.as_str()) {
            (Some(d), "vllm" | "mlx_lm") => d.repo.clone(),
            _ => model.clone(),
        };
        for role in &k.roles {
            y.push_str(&format!(
                "  - model_name: {}\n    litellm_params:\n      model: {}\n      api_base: {}\n      api_key: {}\n",
                q(&slug(role)),
                q(&format!("openai/{served}")),
                q(&format!("http://{}:{port}/v1", host(k.machine))),
                q("none")
            ));
        }
    }
    y
}

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

fn readme(report: &PlanReport, c: &Candidate, cmds: &[EngineCommand]) -> String {
    let mut s = format!(
        "# {}: {}\n\nWritten by `rigsize plan --emit` from the plan priced on {}. Memory is in GiB.\n\n## Machines\n\n",
        report.title, c.name, report.price_snapshot_date
    );
    for m in machines(c) {
        let dev = m
            .and_then(|i| c.memory.devices.get(i))
            .or(c.memory.devices.first());
        s.push_str(&format!(
            "- {}{}: run `./{}`\n",
            m.map_or("this machine".into(), |i| format!(
                "machine {i} (`{}`)",
                host(Some(i))
            )),
            dev.map_or(String::new(), |d| format!(", {}", d.device)),
            script_name(m)
        ));
    }
    if multi_machine(c) {
        s.push_str("\nName the machines `rig-0`, `rig-1` … in `/etc/hosts` of the router's host (their addresses on your network); the split-model lines use the direct link's addresses from the environment variables the scripts ask for. Start machine 1 and up first (their `rpc-server`s), machine 0 last: its server connects to them.\n");
    }
    s.push_str("\n## Servers\n\n| port | machine | engine | model | roles | planned memory |\n|---|---|---|---|---|---|\n");
    for k in cmds.iter().filter(|k| k.port.is_some() && !k.alternative) {
        let mem: Vec<String> = k
            .shares
            .iter()
            .map(|d| format!("{:.1} on device {}", gib(d.bytes), d.device))
            .collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            k.port.unwrap_or_default(),
            k.machine.map_or("—".into(), |m| m.to_string()),
            k.engine,
            k.model.as_deref().unwrap_or(""),
            k.roles.join(", "),
            mem.join(", ")
        ));
    }
    downloads(cmds, &mut s);
    if let Some(mb) = c.wired_limit_mb {
        s.push_str(&format!(
            "\n## macOS GPU memory\n\nOn every Mac, after each reboot (the scripts run it too, with sudo):\n\n```sh\nsudo sysctl iogpu.wired_limit_mb={mb}\n```\n"
        ));
    }
    if cmds.iter().any(|k| k.command.starts_with("mlx.launch ")) {
        // https://ml-explore.github.io/mlx/build/html/usage/launching_distributed.html
        let hosts: Vec<String> = machines(c).into_iter().map(host).collect();
        s.push_str(&format!(
            "\n## Mac cluster\n\nOnce, from machine 0 (ssh to every Mac works, RDMA enabled in recovery mode, macOS 26.2+), write the hostfile `mlx.launch` reads; run the scripts from the directory that holds it:\n\n```sh\nmlx.distributed_config --verbose --backend jaccl --hosts {} --over thunderbolt --auto-setup --output hosts.json\n```\n",
            hosts.join(",")
        ));
    }
    if c.platform == Platform::Nvidia && !multi_machine(c) {
        s.push_str("\nOr in containers (NVIDIA Container Toolkit): `docker compose up -d` starts the same servers from `docker-compose.yml`, each on the GPUs its `CUDA_VISIBLE_DEVICES` names; `docker compose --profile alternative up` adds the vLLM alternatives (one of each pair at a time: they share the port).\n");
    }
    s.push_str(&format!(
        "\n## Router\n\n```sh\npip install 'litellm[proxy]'\nlitellm --config litellm/config.yaml --port {ROUTER_PORT}\n```\n\nRoles by name: {}.\n",
        c.roles.iter().map(|r| format!("`{}`", slug(&r.role))).collect::<Vec<_>>().join(", ")
    ));
    s.push_str("\n## Health checks\n\n```sh\n");
    for k in cmds.iter().filter(|k| k.port.is_some() && !k.alternative) {
        let p = k.port.unwrap_or_default();
        s.push_str(&format!(
            "curl -fsS http://{}:{p}/v1/models\n",
            host(k.machine)
        ));
    }
    s.push_str(&format!(
        "curl -fsS http://127.0.0.1:{ROUTER_PORT}/v1/models   # the router\n```\n"
    ));
    s
}

/// `hf download` lines for every checkpoint a started line loads (alternatives listed apart).
fn downloads(cmds: &[EngineCommand], s: &mut String) {
    s.push_str("\n## Downloads\n\nEach repo is the published checkpoint of the planned format whose size (from rigsize's checkpoint data, `data/checkpoints.toml`, with its source and date) agrees with the weights the plan sized; where no source gave the size, the line says so.\n\n```sh\npip install -U huggingface_hub\n");
    let mut seen = BTreeSet::new();
    for alt in [false, true] {
        for k in cmds.iter().filter(|k| k.alternative == alt) {
            let Some(d) = &k.download else { continue };
            if !seen.insert((d.repo.clone(), d.include.clone())) {
                continue;
            }
            let inc = d
                .include
                .as_ref()
                .map_or(String::new(), |i| format!(" --include \"{i}\""));
            let what = if alt {
                format!(", only for the {} alternative", k.engine)
            } else {
                String::new()
            };
            let size = match d.checkpoint_bytes {
                Some(b) => format!("{:.1} GiB (planned {:.1} GiB)", gib(b), gib(d.bytes)),
                None => format!(
                    "size not in rigsize's data; planned {:.1} GiB",
                    gib(d.bytes)
                ),
            };
            s.push_str(&format!("hf download {}{inc}   # {size}{what}\n", d.repo));
        }
    }
    s.push_str("```\n\n`llama-server -hf` fetches its GGUF on first start by itself; the lines above fetch ahead.\n");
}
