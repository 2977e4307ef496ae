//! Engine commands that run the planned workload on the top pick.

use std::collections::BTreeMap;

use rigsize_core::dtype::KvType;
use rigsize_core::engine::Engine;

use crate::report::{Candidate, EngineCommand, RoleResult};

/// llama-server, vLLM and mlx_lm commands, one server per model.
pub fn engine_commands(
    c: &Candidate,
    hf_repo: impl Fn(&str) -> Option<String>,
) -> Vec<EngineCommand> {
    // Group roles by model: one server per model, its slots shared by the roles.
    let mut by_model: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in c.roles.iter().enumerate() {
        by_model.entry(r.model.clone()).or_default().push(i);
    }
    let kv_type = c.memory.kv_type;
    let kv = kv_type.name();
    let f16 = kv_type == KvType::F16;
    let mut out = Vec::new();
    let apple = c.engine == Engine::Mlx;
    if let Some(mb) = c.wired_limit_mb {
        out.push(EngineCommand {
            engine: "macos".into(),
            purpose: "let the GPU wire more of the unified memory (resets at reboot)".into(),
            command: format!("sudo sysctl iogpu.wired_limit_mb={mb}"),
        });
    }
    for (port, (model, idx)) in (8080..).zip(by_model.iter()) {
        let roles: Vec<&RoleResult> = idx.iter().map(|&i| &c.roles[i]).collect();
        let sv = Server::new(model, &roles, port, hf_repo(model));
        if apple {
            out.push(mlx_line(c, &sv, f16));
        } else {
            out.extend(llama_lines(c, &sv, kv, f16));
        }
    }
    if !apple {
        out.push(EngineCommand {
            engine: "llama.cpp".into(),
            purpose: "fallback for a MoE model that does not load after all: keep the experts of N layers in system RAM (slower decode)".into(),
            command: "llama-server … --n-cpu-moe 8   # add to the MoE model's line; raise N until it loads".into(),
        });
    }
    out
}

/// One model server's facts, shared by the engines' command lines.
struct Server<'a> {
    model: &'a str,
    roles: &'a [&'a RoleResult],
    streams: u32,
    total_ctx: u64,
    max_ctx: u64,
    repo: String,
    purpose: String,
    port: u16,
}

impl<'a> Server<'a> {
    fn new(
        model: &'a str,
        roles: &'a [&'a RoleResult],
        port: u16,
        repo: Option<String>,
    ) -> Server<'a> {
        let names: Vec<&str> = roles.iter().map(|r| r.role.as_str()).collect();
        let streams: u32 = roles.iter().map(|r| r.streams).sum();
        let total_ctx: u64 = roles.iter().map(|r| r.context * r.streams as u64).sum();
        Server {
            model,
            roles,
            streams,
            total_ctx,
            max_ctx: roles.iter().map(|r| r.context).max().unwrap_or(0),
            repo: repo.unwrap_or_else(|| model.to_string()),
            purpose: format!(
                "{model} for {} ({streams} stream{}, {} tokens of cache)",
                names.join(" + "),
                if streams == 1 { "" } else { "s" },
                total_ctx
            ),
            port,
        }
    }
    fn devices(&self) -> &[usize] {
        &self.roles[0].devices
    }
}

/// mlx_lm on a Mac (tensor parallel over Macs with mlx.launch).
fn mlx_line(c: &Candidate, sv: &Server, f16: bool) -> EngineCommand {
    let bits = if sv.roles[0].quant.contains("8bit") {
        "8bit"
    } else {
        "4bit"
    };
    let short = sv.repo.rsplit('/').next().unwrap_or(&sv.repo);
    let mut cmd = format!(
        "mlx_lm.server --model mlx-community/{short}-{bits} --port {}",
        sv.port
    );
    if !f16 {
        cmd.push_str("  # KV: quantize with --kv-bits 8 where your mlx_lm version offers it");
    }
    let devices = sv.devices();
    if c.device_count > 1 && devices.len() > 1 {
        cmd = format!(
            "mlx.launch --backend jaccl --hostfile macs.json -- {cmd}  # tensor parallel over {} Macs (Thunderbolt 5 RDMA, macOS 26.2+)",
            devices.len()
        );
    }
    EngineCommand {
        engine: "mlx_lm".into(),
        purpose: sv.purpose.clone(),
        command: cmd,
    }
}

/// llama-server on the planned devices, and the same with vLLM where it applies.
fn llama_lines(c: &Candidate, sv: &Server, kv: &str, f16: bool) -> Vec<EngineCommand> {
    let devices = sv.devices();
    let quant = sv.roles[0].quant.to_uppercase();
    let visible: Vec<String> = devices.iter().map(|d| d.to_string()).collect();
    let mut cmd = format!(
        "CUDA_VISIBLE_DEVICES={} llama-server -hf {}-GGUF:{quant} -c {} -np {} --kv-unified -fa on -ngl 999",
        visible.join(","),
        sv.repo,
        sv.total_ctx,
        sv.streams
    );
    if !f16 {
        cmd.push_str(&format!(" -ctk {kv} -ctv {kv}"));
    }
    // Unequal cards (a mixed pair): layers in proportion to each card's memory.
    let mem: Vec<u64> = devices
        .iter()
        .map(|&g| c.memory.devices.get(g).map_or(0, |d| d.memory_bytes))
        .collect();
    let unequal = mem.iter().any(|&m| m != mem[0]);
    if devices.len() > 1 {
        cmd.push_str(" -sm layer");
        if unequal {
            let gib: Vec<String> = mem.iter().map(|m| (m >> 30).to_string()).collect();
            cmd.push_str(&format!(" --tensor-split {}", gib.join(",")));
        }
    }
    cmd.push_str(&format!(" --port {}", sv.port));
    let mut out = vec![EngineCommand {
        engine: "llama.cpp".into(),
        purpose: sv.purpose.clone(),
        command: cmd,
    }];
    if c.platform == crate::requirements::Platform::Nvidia && !unequal {
        out.push(EngineCommand {
            engine: "vllm".into(),
            purpose: format!("{}: the same with vLLM (needs an AWQ/NVFP4/FP8 checkpoint of about the planned size)", sv.model),
            command: format!(
                "CUDA_VISIBLE_DEVICES={} vllm serve {} --max-model-len {} --max-num-seqs {} --kv-cache-dtype {} --tensor-parallel-size {} --gpu-memory-utilization 0.90 --port {}",
                visible.join(","),
                sv.repo,
                sv.max_ctx,
                sv.streams,
                if f16 { "auto" } else { "fp8" },
                devices.len().max(1),
                sv.port + 100
            ),
        });
    }
    out
}
