//! `docker-compose.yml` for a one-box NVIDIA build: one service per model server, the
//! same command as the launch script, in the engines' own images — vLLM at the version
//! whose argument parser the commands are checked against (data/engine-args/vllm.toml),
//! llama.cpp's CUDA server image. Each service reserves exactly the GPUs its
//! `CUDA_VISIBLE_DEVICES` names (nvidia-smi / PCI bus order), publishes its port on
//! loopback only (the servers have no authentication; reach them through the router or
//! an SSH tunnel), shares the host's model caches, and answers a health check.

use serde::Deserialize;

use crate::report::EngineCommand;

/// llama.cpp's CUDA server image (its entrypoint is /app/llama-server).
pub const LLAMA_IMAGE: &str = "ghcr.io/ggml-org/llama.cpp:server-cuda";

/// The vLLM release the command vocabulary was read from (one place: the data file).
pub fn vllm_version() -> String {
    #[derive(Deserialize)]
    struct V {
        version: String,
    }
    #[derive(Deserialize)]
    struct Head {
        #[serde(flatten)]
        v: V,
        #[serde(flatten)]
        _rest: toml::Table,
    }
    let text = include_str!("../../../../data/engine-args/vllm.toml");
    toml::from_str::<Head>(text).map_or_else(|_| "latest".into(), |h| h.v.version)
}

/// The program a started line runs, its GPU ids and its arguments.
struct Parsed<'a> {
    program: &'a str,
    gpus: Vec<&'a str>,
    args: Vec<&'a str>,
}

fn parse(cmd: &str) -> Option<Parsed<'_>> {
    let mut words = cmd.split_whitespace().peekable();
    let mut gpus = Vec::new();
    while let Some(w) = words.peek().filter(|w| w.contains('=')) {
        if let Some(ids) = w.strip_prefix("CUDA_VISIBLE_DEVICES=") {
            gpus = ids.split(',').collect();
        }
        words.next();
    }
    let program = words.next()?;
    if program == "vllm" && words.next() != Some("serve") {
        return None;
    }
    Some(Parsed {
        program,
        gpus,
        args: words.collect(),
    })
}

/// The compose file for these lines, or None when no line runs in a container here.
pub fn compose_file(title: &str, cmds: &[&EngineCommand]) -> Option<String> {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let list = |v: &[&str]| {
        format!(
            "[{}]",
            v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        )
    };
    let mut y = format!(
        "# docker compose for {title}: `docker compose up -d` starts the servers (alternatives: `--profile alternative`).\n# Needs the NVIDIA Container Toolkit. Ports are published on 127.0.0.1 only.\nservices:\n"
    );
    let mut any = false;
    for k in cmds {
        let (Some(port), Some(model)) = (k.port, k.model.as_deref()) else {
            continue;
        };
        let Some(p) = parse(&k.command) else { continue };
        let health = format!("http://127.0.0.1:{port}/health");
        // Each image's own tool: curl in llama.cpp's (its Dockerfile's HEALTHCHECK), Python
        // in vLLM's.
        let (image, entry, mut args, cache, probe) = match p.program {
            "llama-server" => (
                LLAMA_IMAGE.to_string(),
                vec!["/app/llama-server"],
                p.args.clone(),
                "${HOME}/.cache/llama.cpp:/root/.cache/llama.cpp",
                vec!["CMD".to_string(), "curl".into(), "-fsS".into(), health],
            ),
            "vllm" => (
                format!("vllm/vllm-openai:v{}", vllm_version()),
                vec!["vllm", "serve"],
                p.args.clone(),
                "${HOME}/.cache/huggingface:/root/.cache/huggingface",
                vec![
                    "CMD".to_string(),
                    "python3".into(),
                    "-c".into(),
                    format!("import urllib.request; urllib.request.urlopen('{health}')"),
                ],
            ),
            _ => continue,
        };
        if p.program == "llama-server" {
            // Inside the container the server must listen beyond its own loopback.
            args.extend(["--host", "0.0.0.0"]);
        }
        any = true;
        let name = format!("{}-{}", p.program.replace('-', ""), slug(model));
        y.push_str(&format!("  {name}:\n    image: {}\n", q(&image)));
        if k.alternative {
            y.push_str("    profiles: [\"alternative\"]\n");
        }
        y.push_str(&format!(
            "    entrypoint: {}\n    command: {}\n    ports: [{}]\n    volumes: [{}]\n    ipc: host\n    restart: unless-stopped\n",
            list(&entry),
            list(&args),
            q(&format!("127.0.0.1:{port}:{port}")),
            q(cache)
        ));
        y.push_str(&format!(
            "    healthcheck:\n      test: {}\n      interval: 30s\n      timeout: 5s\n      retries: 3\n      start_period: 600s\n",
            list(&probe.iter().map(String::as_str).collect::<Vec<_>>())
        ));
        let ids = if p.gpus.is_empty() { vec!["0"] } else { p.gpus };
        y.push_str(&format!(
            "    deploy:\n      resources:\n        reservations:\n          devices:\n            - driver: nvidia\n              device_ids: {}\n              capabilities: [\"gpu\"]\n",
            list(&ids)
        ));
    }
    any.then_some(y)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
