//! Single-machine lines: llama-server (with vLLM where a checkpoint of the planned format is
//! known) and mlx_lm.server, each with the checkpoint [`super::checkpoint::choose`] picks.

use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Backend, Engine, EngineConfig};

use rigsize_catalog::checkpoints::{CheckpointFormat, SIZE_TOLERANCE};
use rigsize_core::quant::QuantScheme;

use super::checkpoint::{choose, gib, same_size_quant, Chosen};
use super::{multi_machine, Server};
use crate::report::{Candidate, EngineCommand};
use crate::requirements::Platform;

/// The quantization types `llama-quantize` writes (llama.cpp tools/quantize/quantize.cpp
/// QUANT_OPTIONS), which GGUF repos name their files by. Anything else (fp8, nvfp4, awq)
/// has no GGUF file to fetch.
const GGUF_TYPES: &[&str] = &[
    "q4_0",
    "q4_1",
    "q5_0",
    "q5_1",
    "q8_0",
    "q2_k",
    "q2_k_s",
    "q3_k_s",
    "q3_k_m",
    "q3_k_l",
    "q4_k_s",
    "q4_k_m",
    "q5_k_s",
    "q5_k_m",
    "q6_k",
    "iq1_s",
    "iq1_m",
    "iq2_xxs",
    "iq2_xs",
    "iq2_s",
    "iq2_m",
    "iq3_xxs",
    "iq3_xs",
    "iq3_s",
    "iq3_m",
    "iq4_nl",
    "iq4_xs",
    "tq1_0",
    "tq2_0",
    "mxfp4",
    "mxfp4_moe",
    "f16",
    "bf16",
    "f32",
];

/// True when llama.cpp has GGUF files of this quantization.
pub(super) fn is_gguf(quant: &str) -> bool {
    GGUF_TYPES.contains(&quant.to_ascii_lowercase().as_str())
}

/// vLLM's default `--gpu-memory-utilization` (a server alone on its devices keeps it):
/// `kv.memory_fraction` in data/engines.toml.
fn vllm_default_util() -> f64 {
    EngineConfig::new(Engine::Vllm).gpu_memory_utilization
}

/// mlx_lm on a Mac (tensor parallel over Macs with mlx.launch), with the MLX checkpoint
/// of the planned quantization and size; none known, a note and no line.
pub(super) fn mlx_line(c: &Candidate, sv: &Server) -> EngineCommand {
    let chosen = match choose(
        sv.repo.as_ref(),
        sv.model,
        CheckpointFormat::Mlx,
        &sv.quant,
        sv.weights_bytes,
    ) {
        Ok(ch) => ch,
        Err(why) => {
            let mut k = sv.command(
                "none",
                format!("{}; no command — mlx_lm: {why}", sv.purpose),
                format!(
                    "# {}: no checkpoint of the planned format and size is known",
                    sv.model
                ),
            );
            k.machine = multi_machine(c).then_some(sv.devices[0]);
            return k;
        }
    };
    let repo = chosen.rec.repo.clone();
    let mut cmd = format!("mlx_lm.server --model {repo} --port {}", sv.port);
    if c.memory.kv_type != KvType::F16 {
        cmd.push_str(" --kv-bits 8");
    }
    let mut purpose = sv.purpose.clone();
    if let Some(n) = &chosen.note {
        purpose.push_str(&format!("; {n}"));
    }
    if sv.devices.len() > 1 {
        // mlx.launch starts one rank per host of the hostfile; mlx_lm.server shards the
        // model over the ranks (tensor parallel; `--pipeline` for a TCP ring).
        cmd = format!("mlx.launch --backend jaccl --hostfile hosts.json -- {cmd}");
        purpose.push_str(&format!(
            "; tensor parallel over {} Macs with MLX's JACCL backend (Thunderbolt 5 RDMA, macOS 26.2+); hosts.json lists the Macs in device order",
            sv.devices.len()
        ));
    }
    let mut k = sv.command("mlx_lm", purpose, cmd);
    k.machine = multi_machine(c).then_some(sv.devices[0]);
    k.download = Some(chosen.download(sv.weights_bytes));
    k
}

/// What a llama-server line planned on the Vulkan backend needs.
const VULKAN_BUILD: &str = "; llama.cpp's Vulkan build (cmake -DGGML_VULKAN=ON, or the ghcr.io/ggml-org/llama.cpp:server-vulkan image), the faster decoder on this card";

/// The environment that pins a server to its devices, in PCI bus order (as nvidia-smi
/// numbers them), or nothing on a one-GPU box.
pub(super) fn device_env(c: &Candidate, devices: &[usize]) -> String {
    let ids: Vec<String> = devices.iter().map(|d| d.to_string()).collect();
    // llama.cpp's Vulkan build numbers the devices it enumerates (`--list-devices`).
    if c.backend == Some(Backend::Vulkan) {
        return format!("GGML_VK_VISIBLE_DEVICES={} ", ids.join(","));
    }
    match c.platform {
        Platform::Nvidia => format!(
            "CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES={} ",
            ids.join(",")
        ),
        Platform::Amd => format!("HIP_VISIBLE_DEVICES={} ", ids.join(",")),
        _ => String::new(),
    }
}

/// The llama-server arguments for the planned model and cache (without devices and port),
/// loading `repo`'s file of the planned quantization.
pub(super) fn llama_args(c: &Candidate, sv: &Server, repo: &str) -> String {
    let kv = c.memory.kv_type;
    let mut cmd = format!(
        "llama-server -hf {repo}:{} -c {} -np {} --kv-unified -fa on -ngl 999",
        sv.quant.to_uppercase(),
        sv.total_ctx,
        sv.streams
    );
    if kv != KvType::F16 {
        cmd.push_str(&format!(" -ctk {0} -ctv {0}", kv.name()));
    }
    cmd
}

/// The GGUF checkpoint of the planned quantization and size, for llama.cpp.
pub(super) fn gguf_checkpoint(sv: &Server) -> Result<Chosen, String> {
    if !is_gguf(&sv.quant) {
        return Err(format!(
            "{} is not a GGUF quantization type, so there is no GGUF file to load",
            sv.quant
        ));
    }
    choose(
        sv.repo.as_ref(),
        sv.model,
        CheckpointFormat::Gguf,
        &sv.quant,
        sv.weights_bytes,
    )
}

/// llama-server on the planned devices, and the same with vLLM where it applies. Each
/// names only a checkpoint of the planned format and size; where llama.cpp has none and
/// vLLM has one, vLLM's line is the one started.
pub(super) fn llama_lines(c: &Candidate, sv: &Server, all: &[Server]) -> Vec<EngineCommand> {
    let mut out = Vec::new();
    let mem: Vec<u64> = sv
        .devices
        .iter()
        .map(|&g| c.memory.devices.get(g).map_or(0, |d| d.memory_bytes))
        .collect();
    let unequal = mem.iter().any(|&m| m != mem[0]);
    let mut notes = Vec::new();
    match gguf_checkpoint(sv) {
        Ok(ch) => {
            let mut cmd = format!(
                "{}{}",
                device_env(c, &sv.devices),
                llama_args(c, sv, &ch.rec.repo)
            );
            if sv.devices.len() > 1 {
                cmd.push_str(" -sm layer");
                // Unequal cards (a mixed pair): layers in proportion to each card's memory.
                if unequal {
                    let gib: Vec<String> = mem.iter().map(|m| (m >> 30).to_string()).collect();
                    cmd.push_str(&format!(" --tensor-split {}", gib.join(",")));
                }
            }
            cmd.push_str(&format!(" --port {}", sv.port));
            let mut purpose = sv.purpose.clone();
            if c.backend == Some(Backend::Vulkan) {
                purpose.push_str(VULKAN_BUILD);
            }
            if let Some(n) = &ch.note {
                purpose.push_str(&format!("; {n}"));
            }
            if sv.repo.as_ref().is_some_and(|r| r.moe) {
                purpose.push_str("; if it does not load after all, add --n-cpu-moe N (the experts of N layers in system RAM, slower decode) and raise N until it loads");
            }
            let mut k = sv.command("llama.cpp", purpose, cmd);
            k.machine = multi_machine(c).then_some(sv.devices[0]);
            k.download = Some(ch.download(sv.weights_bytes));
            out.push(k);
        }
        Err(why) => notes.push(format!("llama.cpp: {why}")),
    }
    let nvidia = matches!(c.platform, Platform::Nvidia | Platform::DgxSpark);
    if nvidia && !unequal {
        match vllm_line(c, sv, all) {
            Ok(mut k) => {
                // No llama.cpp line: vLLM's is the one to start, not an alternative.
                if out.is_empty() {
                    k.alternative = false;
                    k.purpose = k.purpose.replacen(VLLM_ALT, " — with vLLM", 1);
                }
                out.push(k)
            }
            Err(why) => notes.push(format!("vLLM: {why}")),
        }
    }
    if !notes.is_empty() {
        let note = notes.join("; ");
        match out.first_mut() {
            Some(k) => k.purpose = format!("{}; {note}", k.purpose),
            None => out.push(sv.command(
                "none",
                format!("{}; no command — {note}", sv.purpose),
                format!(
                    "# {}: no checkpoint of the planned format and size is known",
                    sv.model
                ),
            )),
        }
    }
    out
}

/// The safetensors checkpoint of the planned quantization and size, for vLLM. A plan
/// sized for a GGUF type (which has no safetensors twin) takes the safetensors checkpoint
/// of about the same size (an AWQ/GPTQ 4-bit for a Q4 file), where one is known.
pub(super) fn vllm_checkpoint(sv: &Server) -> Result<Chosen, String> {
    let gguf = QuantScheme::parse(&sv.quant).is_ok_and(|q| q.is_gguf());
    let quant = match gguf {
        true => same_size_quant(
            sv.repo.as_ref(),
            CheckpointFormat::Safetensors,
            sv.weights_bytes,
        )
        .ok_or_else(|| {
            format!(
                "the plan sizes a GGUF {} file; rigsize knows no safetensors checkpoint of {} within ±{:.0}% of its {:.1} GiB (data/checkpoints.toml)",
                sv.quant,
                sv.model,
                SIZE_TOLERANCE * 100.0,
                gib(sv.weights_bytes)
            )
        })?,
        false => sv.quant.clone(),
    };
    choose(
        sv.repo.as_ref(),
        sv.model,
        CheckpointFormat::Safetensors,
        &quant,
        sv.weights_bytes,
    )
}

const VLLM_ALT: &str = " — the same with vLLM instead of llama-server";

/// The vLLM line: only with a checkpoint of the planned format and size, and with this
/// server's planned share of each device (`--gpu-memory-utilization` is a share of the
/// whole card).
fn vllm_line(c: &Candidate, sv: &Server, all: &[Server]) -> Result<EngineCommand, String> {
    let repo = sv
        .repo
        .as_ref()
        .ok_or_else(|| format!("the catalog names no repo for {}", sv.model))?;
    let ch = vllm_checkpoint(sv)?;
    let tp = sv.devices.len().max(1) as u32;
    if repo.heads % tp != 0 {
        return Err(format!(
            "{} attention heads do not split over {tp} cards (vLLM's tensor parallel)",
            repo.heads
        ));
    }
    let util = vllm_util(c, sv, all)?;
    let f16 = c.memory.kv_type == KvType::F16;
    let cmd = format!(
        "{}vllm serve {} --max-model-len {} --max-num-seqs {} --kv-cache-dtype {} --tensor-parallel-size {} --gpu-memory-utilization {util:.2} --port {}",
        device_env(c, &sv.devices),
        ch.rec.repo,
        sv.max_ctx,
        sv.streams,
        if f16 { "auto" } else { "fp8" },
        sv.devices.len().max(1),
        sv.port
    );
    let mut purpose = format!("{}{VLLM_ALT}", sv.purpose);
    if let Some(n) = &ch.note {
        purpose.push_str(&format!("; {n}"));
    }
    let mut k = sv.command("vllm", purpose, cmd);
    k.alternative = true;
    k.machine = multi_machine(c).then_some(sv.devices[0]);
    k.download = Some(ch.download(sv.weights_bytes));
    Ok(k)
}

/// The share of each device this server may take: vLLM's default when it is alone there,
/// else its planned bytes (rounded up to 1%; tensor parallel takes the same share of every
/// card, so the largest). Refused when, with every server on its devices claiming its own
/// vLLM share (the most any mix of the printed lines can take), a device would be passed.
pub(super) fn vllm_util(c: &Candidate, sv: &Server, all: &[Server]) -> Result<f64, String> {
    let shared = all
        .iter()
        .any(|o| o.port != sv.port && o.devices.iter().any(|d| sv.devices.contains(d)));
    if !shared {
        return Ok(vllm_default_util());
    }
    let phys = |g: usize| c.memory.devices.get(g).map_or(0, |d| d.memory_bytes).max(1) as f64;
    let planned_util = |o: &Server| {
        o.shares
            .iter()
            .map(|s| (s.bytes as f64 / phys(s.device) * 100.0).ceil() / 100.0)
            .fold(0.0, f64::max)
    };
    for &g in &sv.devices {
        let claimed: f64 = all
            .iter()
            .filter(|o| o.devices.contains(&g))
            .map(|o| planned_util(o) * phys(g))
            .sum();
        if claimed > phys(g) {
            return Err(format!(
                "the servers sharing device {g} would together claim more than it holds with vLLM's equal share per card"
            ));
        }
    }
    Ok(planned_util(sv))
}
