//! `rigsize fit`: will this model fit, at this context, with this many
//! streams, on this hardware?

use anyhow::Result;
use clap::Args;
use rigsize_app::fit::{build_fit_report_with, FitRequest};
use rigsize_catalog::Catalog;
use rigsize_core::fit::FitReport;
use rigsize_core::memory::MemoryRequest;
use rigsize_core::units::{format_tokens, parse_tokens, MAX_STREAMS};

use crate::cmd::common::{engine_config, kv_type, resolve_model};
use crate::render::{gib, gib_signed, thousands, Table};

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
        return run_workload(&args, catalog);
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
    let mut out = String::new();
    out.push_str(&format!(
        "{} ({}) · {} · {} · context {} × {} stream{} · KV {}\n\n",
        r.model,
        r.model_name,
        r.quant,
        r.engine,
        format_tokens(r.ctx),
        r.streams,
        if r.streams == 1 { "" } else { "s" },
        r.kv_type
    ));
    let mut t = Table::new(["component", "GiB", "bytes"]);
    t.row([
        "weights".to_string(),
        gib(r.weights_bytes),
        thousands(r.weights_bytes),
    ]);
    t.row([
        format!(
            "KV cache ({} stream{})",
            r.streams,
            if r.streams == 1 { "" } else { "s" }
        ),
        gib(r.kv_cache_bytes),
        thousands(r.kv_cache_bytes),
    ]);
    if r.streams > 1 {
        t.row([
            "  per stream".to_string(),
            gib(r.kv_cache_bytes_per_stream),
            thousands(r.kv_cache_bytes_per_stream),
        ]);
    }
    if r.recurrent_state_bytes > 0 {
        t.row([
            "recurrent state".to_string(),
            gib(r.recurrent_state_bytes),
            thousands(r.recurrent_state_bytes),
        ]);
    }
    if r.vision_encoder_bytes > 0 {
        t.row([
            "vision encoder".to_string(),
            gib(r.vision_encoder_bytes),
            thousands(r.vision_encoder_bytes),
        ]);
    }
    t.row([
        "compute buffers".to_string(),
        gib(r.compute_buffer_bytes),
        thousands(r.compute_buffer_bytes),
    ]);
    let runtime = r.overhead_bytes - r.compute_buffer_bytes;
    t.row([
        "runtime overhead".to_string(),
        gib(runtime),
        thousands(runtime),
    ]);
    t.row([
        "total".to_string(),
        gib(r.total_bytes),
        thousands(r.total_bytes),
    ]);
    out.push_str(&t.render());
    if let Some(h) = &r.hardware {
        out.push('\n');
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
    }
    if let Some(o) = &r.offload {
        out.push_str(&format!(
            "expert offload (--n-cpu-moe {}): {} GiB on the GPU (the table above), {} GiB of experts in system RAM{} — {} of {} MoE blocks\n",
            o.n_cpu_moe,
            gib(o.gpu_bytes),
            gib(o.host_bytes),
            o.system_ram_bytes
                .map(|b| format!(" of {} GiB given", gib(b)))
                .unwrap_or_default(),
            o.offloaded_moe_layers,
            o.moe_layers
        ));
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

/// One `--load` item, parsed.
struct LoadSpec {
    model: String,
    quant: Option<String>,
    ctx: u64,
    streams: u32,
}

fn parse_load(spec: &str, default_ctx: u64, default_streams: u32) -> Result<LoadSpec> {
    let (head, tail) = match spec.split_once('@') {
        Some((h, t)) => (h, Some(t)),
        None => (spec, None),
    };
    let (model, quant) = match head.split_once(':') {
        Some((m, q)) => (m.to_string(), Some(q.to_string())),
        None => (head.to_string(), None),
    };
    anyhow::ensure!(!model.trim().is_empty(), "--load '{spec}': no model named");
    let (ctx, streams) = match tail {
        None => (default_ctx, default_streams),
        Some(t) => {
            let (c, s) = match t.rsplit_once(['x', '*']) {
                Some((c, s)) => (c, Some(s)),
                None => (t, None),
            };
            let ctx = parse_tokens(c)?;
            let streams = match s {
                Some(s) => s
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_STREAMS).contains(n))
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--load '{spec}': streams '{s}' must be a whole number from 1 to {MAX_STREAMS}"
                        )
                    })?,
                None => default_streams,
            };
            (ctx, streams)
        }
    };
    Ok(LoadSpec {
        model,
        quant,
        ctx,
        streams,
    })
}

fn run_workload(args: &FitArgs, catalog: &Catalog) -> Result<()> {
    use rigsize_core::workload::{estimate, Load};
    let engine = engine_config(
        &args.engine,
        args.ubatch,
        args.kv_unified,
        args.swa_full,
        args.gpu_memory_utilization,
    )?;
    let default_ctx = parse_tokens(&args.ctx)?;
    let k = kv_type(&args.kv_type)?;
    let v = match &args.kv_type_v {
        Some(v) => kv_type(v)?,
        None => k,
    };
    let specs: Vec<LoadSpec> = args
        .load
        .iter()
        .map(|s| parse_load(s, default_ctx, args.streams.max(1)))
        .collect::<Result<_>>()?;
    let resolved: Vec<_> = specs
        .iter()
        .map(|s| {
            resolve_model(
                catalog,
                &s.model,
                s.quant.as_deref().or(args.quant.as_deref()),
                engine.engine,
            )
        })
        .collect::<Result<_>>()?;
    let loads: Vec<Load> = specs
        .iter()
        .zip(&resolved)
        .map(|(s, r)| Load {
            label: format!("{}@{}x{}", r.arch.id, format_tokens(s.ctx), s.streams),
            model: &r.arch,
            quant_label: r.quant_label.clone(),
            weights: &r.weights,
            request: MemoryRequest {
                ctx: s.ctx,
                streams: s.streams,
                kv_type_k: k,
                kv_type_v: v,
                engine: engine.clone(),
            },
        })
        .collect();
    let hw = args
        .hw
        .as_deref()
        .map(|h| catalog.device_set(h))
        .transpose()?;
    let w = estimate(&loads, hw.as_ref());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&w)?);
        return Ok(());
    }
    let mut t = Table::new([
        "load",
        "quant",
        "weights GiB",
        "KV GiB",
        "state GiB",
        "buffers GiB",
        "total GiB",
    ]);
    for l in &w.loads {
        t.row([
            l.label.clone(),
            l.quant.clone(),
            match &l.weights_shared_with {
                Some(_) => "shared".to_string(),
                None => gib(l.weights_bytes),
            },
            gib(l.kv_cache_bytes),
            gib(l.recurrent_state_bytes),
            gib(l.overhead_bytes),
            gib(l.total_bytes),
        ]);
    }
    let runtime = w.overhead_bytes - w.loads.iter().map(|l| l.overhead_bytes).sum::<u64>();
    t.row([
        "runtime overhead".to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        gib(runtime),
        gib(runtime),
    ]);
    t.row([
        "total".to_string(),
        String::new(),
        gib(w.weights_bytes),
        gib(w.kv_cache_bytes),
        gib(w.recurrent_state_bytes),
        gib(w.overhead_bytes),
        gib(w.total_bytes),
    ]);
    print!("{}", t.render());
    if let (Some(set), Some(avail), Some(head)) = (&hw, w.available_bytes, w.headroom_bytes) {
        println!(
            "\n{} × {}: {} GiB available → {} ({} GiB headroom)",
            set.count,
            set.device.id,
            gib(avail),
            if head >= 0 { "fits" } else { "does NOT fit" },
            gib_signed(head)
        );
        if let Some(s) = w.context_scale_that_fits {
            println!("  every context can be scaled by {s:.3}× and still fit");
        }
    }
    for w in &w.warnings {
        println!("warning: {w}");
    }
    println!("\nmemory in GiB (2^30 bytes); weights of a model loaded twice at one quantization are counted once");
    Ok(())
}
