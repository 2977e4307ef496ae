//! `rigsize fit`: will this model fit, at this context, with this many
//! streams, on this hardware?

use anyhow::Result;
use clap::Args;
use rigsize_app::fit::{build_fit_report_with, FitRequest};
use rigsize_catalog::Catalog;
use rigsize_core::fit::{FitReport, HardwareFit};
use rigsize_core::offload::OffloadFit;
use rigsize_core::units::format_tokens;

use crate::cmd::common::resolve_model;
use crate::render::{gib, gib_signed, thousands, Table};

mod workload;

#[derive(Debug, Args, Clone)]
pub struct FitArgs {
    /// Model: a catalog id or alias (`rigsize models` lists them), a GGUF
    /// file (split files too), a snapshot directory or config.json, or a
    /// Hugging Face repo `hf:owner/repo[:QUANT]` (headers only).
    #[arg(long, short, required_unless_present = "load")]
    pub model: Option<String>,
    /// Several models at once: MODEL[:QUANT][@CTX][xSTREAMS], repeatable, e.g.
    /// `--load qwen3-coder-30b-a3b:q4_k_m@200kx3 --load gemma-3-27b-it@32k`.
    /// A model named twice at the same quantization stores its weights once.
    #[arg(long, conflicts_with = "model")]
    pub load: Vec<String>,
    /// Quantization (q4_k_m, q8_0, mxfp4, fp8, awq, mlx-4bit…). Default: the
    /// usual one for the engine.
    #[arg(long, short)]
    pub quant: Option<String>,
    /// Context per stream in tokens: 32768, 200k (=200,000), 128ki (=131,072).
    #[arg(long, short, default_value = "8192")]
    pub ctx: String,
    /// KV cache element type: f16, bf16, q8_0, q5_0, q5_1, q4_0, fp8, f32.
    #[arg(long, default_value = "f16")]
    pub kv_type: String,
    /// V cache type when it differs from K (llama.cpp -ctv).
    #[arg(long)]
    pub kv_type_v: Option<String>,
    /// Parallel streams (agents, server slots) sharing the weights.
    #[arg(long, short, default_value_t = 1)]
    pub streams: u32,
    /// Hardware: ID, ID:COUNT, ID@MEMORY_GB[:COUNT] (`rigsize hardware` lists ids).
    #[arg(long)]
    pub hw: Option<String>,
    /// Engine whose allocation rules apply: llama.cpp, ollama, vllm, sglang, mlx, trtllm.
    #[arg(long, short, default_value = "llama.cpp")]
    pub engine: String,
    /// llama.cpp -ub (physical batch size).
    #[arg(long)]
    pub ubatch: Option<u32>,
    /// llama.cpp --kv-unified: one cache shared by all slots.
    #[arg(long)]
    pub kv_unified: bool,
    /// llama.cpp --swa-full: full-size caches for sliding-window layers.
    #[arg(long)]
    pub swa_full: bool,
    /// vLLM/SGLang --gpu-memory-utilization (0–1).
    #[arg(long)]
    pub gpu_memory_utilization: Option<f64>,
    /// Apple: GPU wired-memory limit in GB if raised with sysctl iogpu.wired_limit_mb.
    #[arg(long)]
    pub wired_limit_gb: Option<f64>,
    /// Allow contexts up to the model's documented RoPE/YaRN extension
    /// (llama.cpp --rope-scaling yarn, vLLM --rope-scaling / hf-overrides);
    /// without it the native window is the limit.
    #[arg(long)]
    pub extend_context: bool,
    /// Count the vision encoder (mmproj / vision tower) of a vision-language
    /// model: on/off. Default: on for vLLM/SGLang/TensorRT-LLM, off otherwise.
    #[arg(long)]
    pub vision: Option<bool>,
    #[command(flatten)]
    pub offload: crate::cmd::common::OffloadArgs,
    /// Print each formula with its numbers.
    #[arg(long)]
    pub explain: bool,
    /// Print one JSON object (bytes, not GiB).
    #[arg(long)]
    pub json: bool,
}

/// The flags as the shared request type: `POST /api/fit` and the MCP `fit`
/// tool take the same fields, so all three answer alike.
pub fn to_request(args: &FitArgs) -> Result<FitRequest> {
    let model = args
        .model
        .clone()
        .ok_or_else(|| anyhow::anyhow!("--model is required (or use --load for several models)"))?;
    Ok(FitRequest {
        model,
        quant: args.quant.clone(),
        ctx: Some(serde_json::Value::String(args.ctx.clone())),
        kv_type: Some(args.kv_type.clone()),
        kv_type_v: args.kv_type_v.clone(),
        streams: Some(args.streams),
        hw: args.hw.clone(),
        engine: Some(args.engine.clone()),
        ubatch: args.ubatch,
        kv_unified: args.kv_unified,
        swa_full: args.swa_full,
        gpu_memory_utilization: args.gpu_memory_utilization,
        wired_limit_gb: args.wired_limit_gb,
        extend_context: args.extend_context,
        vision: args.vision,
        n_cpu_moe: args.offload.n_cpu_moe,
        ram_gb: args.offload.ram_gb,
        ram_bw_gbs: args.offload.ram_bw_gbs,
    })
}

/// Builds the report through the shared request layer, with the CLI's
/// resolver (which also reads GGUF files, configs and `hf:` repos).
pub fn build_report(args: &FitArgs, catalog: &Catalog) -> Result<(FitReport, Vec<String>)> {
    build_fit_report_with(&to_request(args)?, catalog, &resolve_model)
}

pub fn run(args: FitArgs, catalog: &Catalog) -> Result<()> {
    if !args.load.is_empty() {
        return workload::run_workload(&args, catalog);
    }
    let (report, notes) = build_report(&args, catalog)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    print!("{}", render_human(&report, args.explain));
    for n in notes {
        eprintln!("note: {n}");
    }
    Ok(())
}

/// The verdict lines: why it does not fit and the smallest fixes.
fn render_verdict(r: &FitReport) -> String {
    let mut out = String::new();
    match (r.fits, &r.reason) {
        (Some(true), _) => out.push_str("verdict: fits\n"),
        (Some(false), Some(why)) => {
            out.push_str(&format!("verdict: does NOT fit — {why}\n"));
            for f in &r.fixes {
                out.push_str(&format!("  fix: {}\n", f.description));
            }
        }
        _ => {}
    }
    out
}

pub fn render_human(r: &FitReport, explain: bool) -> String {
    let mut out = render_title(r);
    out.push_str(&component_table(r).render());
    if let Some(h) = &r.hardware {
        out.push_str(&render_hardware(h));
    }
    if let Some(o) = &r.offload {
        out.push_str(&render_offload(o));
    }
    out.push_str(&render_verdict(r));
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    if explain {
        out.push_str("\nhow this was computed:\n");
        for line in &r.memory.explain {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str("\nmemory in GiB (2^30 bytes), as nvidia-smi and llama.cpp print it\n");
    out
}

/// `s` after a count other than one.
fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What was sized: model, quantization, engine, context × streams, KV type.
fn render_title(r: &FitReport) -> String {
    format!(
        "{} ({}) · {} · {} · context {} × {} stream{} · KV {}\n\n",
        r.model,
        r.model_name,
        r.quant,
        r.engine,
        format_tokens(r.ctx),
        r.streams,
        plural(r.streams),
        r.kv_type
    )
}

/// One row per memory component; rows that would read zero are left out.
fn component_table(r: &FitReport) -> Table {
    let mut t = Table::new(["component", "GiB", "bytes"]);
    let row = |t: &mut Table, name: String, bytes: u64| {
        t.row([name, gib(bytes), thousands(bytes)]);
    };
    row(&mut t, "weights".to_string(), r.weights_bytes);
    row(
        &mut t,
        format!("KV cache ({} stream{})", r.streams, plural(r.streams)),
        r.kv_cache_bytes,
    );
    if r.streams > 1 {
        row(
            &mut t,
            "  per stream".to_string(),
            r.kv_cache_bytes_per_stream,
        );
    }
    if r.recurrent_state_bytes > 0 {
        row(
            &mut t,
            "recurrent state".to_string(),
            r.recurrent_state_bytes,
        );
    }
    if r.vision_encoder_bytes > 0 {
        row(&mut t, "vision encoder".to_string(), r.vision_encoder_bytes);
    }
    row(
        &mut t,
        "compute buffers".to_string(),
        r.compute_buffer_bytes,
    );
    let runtime = r.overhead_bytes - r.compute_buffer_bytes;
    row(&mut t, "runtime overhead".to_string(), runtime);
    row(&mut t, "total".to_string(), r.total_bytes);
    t
}

/// The hardware lines: available memory, headroom, per-device share and the
/// largest context that fits.
fn render_hardware(h: &HardwareFit) -> String {
    let mut out = String::from("\n");
    let verdict = if h.fits {
        "memory fits"
    } else {
        "memory does NOT fit"
    };
    out.push_str(&format!(
        "{} × {} ({}): {} GiB available of {} GiB → {} ({} GiB headroom)\n",
        h.count,
        h.id,
        h.name,
        gib(h.available_bytes),
        gib(h.memory_bytes),
        verdict,
        gib_signed(h.headroom_bytes)
    ));
    if h.count > 1 {
        out.push_str(&format!(
            "  split by layers: about {} GiB per device\n",
            gib(h.per_device_bytes)
        ));
    }
    match (h.max_context_tokens, h.max_context_limited_by.as_deref()) {
        (Some(c), Some("model")) => out.push_str(&format!(
            "  largest context per stream: {} tokens — the model's maximum; memory allows more\n",
            thousands(c)
        )),
        (Some(c), _) => out.push_str(&format!(
            "  largest context per stream that fits: {} tokens\n",
            thousands(c)
        )),
        (None, _) => out.push_str("  not even the weights fit\n"),
    }
    out
}

/// `--n-cpu-moe`: what stays on the GPU and what goes to system RAM.
fn render_offload(o: &OffloadFit) -> String {
    format!(
        "expert offload (--n-cpu-moe {}): {} GiB on the GPU (the table above), {} GiB of experts in system RAM{} — {} of {} MoE blocks\n",
        o.n_cpu_moe,
        gib(o.gpu_bytes),
        gib(o.host_bytes),
        o.system_ram_bytes
            .map(|b| format!(" of {} GiB given", gib(b)))
            .unwrap_or_default(),
        o.offloaded_moe_layers,
        o.moe_layers
    )
}
