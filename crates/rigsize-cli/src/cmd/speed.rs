//! `rigsize speed`: decode and prefill speed, time to first token and
//! concurrency, with the error band measured on public benchmarks.

use anyhow::Result;
use clap::Args;
use rigsize_app::speed::{build_speed_report_with, SpeedReport, SpeedRequest};
use rigsize_catalog::Catalog;
use rigsize_core::hardware::DeviceSet;
use rigsize_core::units::format_tokens;

use crate::cmd::common::resolve_model;
use crate::cmd::speed_capacity as capacity;
use crate::render::Table;

#[derive(Debug, Args, Clone)]
pub struct SpeedArgs {
    /// Model: a catalog id or alias (`rigsize models` lists them).
    #[arg(long, short)]
    pub model: String,
    /// Quantization (q4_k_m, q8_0, mxfp4, fp8, mlx-4bit…). Default: the
    /// model's native format where engines run it (gpt-oss: mxfp4), else q4_k_m
    /// (mlx-4bit on MLX, the released dtype on vLLM/SGLang).
    #[arg(long, short)]
    pub quant: Option<String>,
    /// Hardware: ID or ID:COUNT (`rigsize hardware` lists ids).
    #[arg(long)]
    pub hw: String,
    /// Engine: llama.cpp, ollama, vllm, sglang, mlx, trtllm.
    #[arg(long, short, default_value = "llama.cpp")]
    pub engine: String,
    /// Context already in the cache while decoding, comma-separated:
    /// 0,32k,128k,200k (k = 1000, ki = 1024). Default: 0 and 32k, or the
    /// model's window where it is shorter.
    #[arg(long)]
    pub depth: Option<String>,
    /// Parallel streams decoding together, comma-separated: 1,4,8.
    #[arg(long, default_value = "1")]
    pub streams: String,
    /// Prompt tokens prefilled for the first token (new tokens; the rest of
    /// the depth is a cached prefix). Default: the whole depth (cold start),
    /// at least 512.
    #[arg(long)]
    pub prompt: Option<String>,
    /// Multi-device split: layer (devices in turn) or tensor (tensor parallel).
    /// Default: tensor for vLLM/SGLang/TensorRT-LLM/MLX, layer for llama.cpp.
    #[arg(long)]
    pub split: Option<String>,
    /// Link between devices: pcie4, pcie5, nvlink, tb5, tb5-rdma.
    /// Default: from the device (NVLink if it has it, Thunderbolt 5 for Macs).
    #[arg(long)]
    pub link: Option<String>,
    /// KV cache element type: f16, bf16, q8_0, q4_0, fp8…
    #[arg(long, default_value = "f16")]
    pub kv_type: String,
    /// GPU backend of the llama.cpp build: vulkan, or the vendor's own
    /// (cuda, rocm, metal: the default). On AMD and Intel, Vulkan is
    /// calibrated apart (it decodes 15–30 % faster than ROCm on AMD).
    #[arg(long)]
    pub backend: Option<String>,
    /// Allow depths up to the model's documented RoPE/YaRN extension
    /// (default: the native window is the limit).
    #[arg(long)]
    pub extend_context: bool,
    /// Images in the prompt (vision-language models): their tokens are
    /// prefilled with the text, after the vision encoder runs.
    #[arg(long)]
    pub images: Option<u32>,
    /// Square image edge in pixels (default: the model's reference size).
    #[arg(long)]
    pub image_px: Option<u32>,
    /// Tokens per prefill pass (llama.cpp `-ub`; default: the engine's, 512
    /// for llama.cpp). llama.cpp keeps the window plus one pass on
    /// sliding-window layers, and every decode step reads it.
    #[arg(long)]
    pub ubatch: Option<u32>,
    #[command(flatten)]
    pub offload: crate::cmd::common::OffloadArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print the derivation of every figure.
    #[arg(long)]
    pub explain: bool,
    /// Also report, per depth, the largest number of streams (1–256) that
    /// keeps at least this decode speed per stream (tok/s), with its
    /// per-stream and total figures.
    #[arg(long, value_name = "TOK_S")]
    pub min_per_stream: Option<f64>,
}

fn band(v: f64, pct: f64, digits: usize) -> String {
    format!("{v:.digits$} ±{pct:.0}%")
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 120.0 {
        format!("{s:.1} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

pub fn run(args: SpeedArgs, catalog: &Catalog) -> Result<()> {
    let req = request(&args);
    let mut out = build_speed_report_with(&req, catalog, &resolve_model)?;
    let set = catalog.device_set(&args.hw)?;
    crate::cmd::local_cal::apply(&mut out, &set.device.id)?;
    let capacity = match args.min_per_stream {
        Some(min) => Some(capacity::max_streams(&req, catalog, &out, min)?),
        None => None,
    };
    if args.json {
        return print_json(&out, capacity.as_deref());
    }
    print_header(&out, &set);
    print!("{}", table(&out).render());
    if let Some(c) = &capacity {
        capacity::print(c);
    }
    print_footer(&out);
    if args.explain {
        print_explain(&out);
    }
    Ok(())
}

/// The flags as the request the web API takes too, so both share one path.
fn request(args: &SpeedArgs) -> SpeedRequest {
    let text = |s: &str| Some(serde_json::Value::String(s.to_string()));
    SpeedRequest {
        model: args.model.clone(),
        quant: args.quant.clone(),
        hw: args.hw.clone(),
        engine: Some(args.engine.clone()),
        depth: args.depth.as_deref().and_then(text),
        streams: text(&args.streams),
        prompt: args.prompt.as_deref().and_then(text),
        split: args.split.clone(),
        link: args.link.clone(),
        kv_type: Some(args.kv_type.clone()),
        backend: args.backend.clone(),
        extend_context: args.extend_context,
        images: args.images,
        image_px: args.image_px,
        n_cpu_moe: args.offload.n_cpu_moe,
        ram_gb: args.offload.ram_gb,
        ram_bw_gbs: args.offload.ram_bw_gbs,
        ubatch: args.ubatch,
    }
}

/// `--json`: the report, with `max_streams` added when it was asked for.
fn print_json(out: &SpeedReport, capacity: Option<&[capacity::Capacity]>) -> Result<()> {
    let mut v = serde_json::to_value(out)?;
    if let (Some(c), Some(obj)) = (capacity, v.as_object_mut()) {
        obj.insert("max_streams".into(), serde_json::to_value(c)?);
    }
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// What was estimated, on what, and the notes that apply to every cell.
fn print_header(out: &SpeedReport, set: &DeviceSet) {
    println!(
        "{} {} on {}{} with {} ({}){}",
        out.model,
        out.quant,
        if set.count > 1 {
            format!("{}× ", set.count)
        } else {
            String::new()
        },
        set.device.name,
        out.engine,
        out.backend,
        if set.count > 1 {
            format!(" ({} split over {})", out.split, out.link)
        } else {
            String::new()
        }
    );
    if let Some(o) = &out.offload {
        println!(
            "mode: expert offload (llama.cpp --n-cpu-moe {}): experts of {} of {} MoE blocks in system RAM ({:.1} GiB), {:.1} GiB of weights on the GPU; system RAM {:.1} GB/s ({}); its own error band (± {:.0} % decode, ± {:.0} % prefill, leave-one-source-out)",
            o.n_cpu_moe,
            o.offloaded_moe_layers,
            o.moe_layers,
            rigsize_core::units::to_gib(o.host_bytes),
            rigsize_core::units::to_gib(o.gpu_weights_bytes),
            o.ram_bandwidth_bytes_per_s / 1e9,
            o.ram_bandwidth_source,
            o.error_band_pct.decode,
            o.error_band_pct.prefill
        );
    }
    for n in &out.notes {
        println!("note: {n}");
    }
    // Builds/dates the calibration stands for and known-change notes are the
    // same for every cell of one engine × hardware.
    if let Some(first) = out.predictions.first() {
        for n in &first.prediction.notes {
            println!("note: {n}");
        }
    }
}

/// One row per (depth, streams) cell, each figure with its error band.
fn table(out: &SpeedReport) -> Table {
    let mut t = Table::new([
        "depth",
        "streams",
        "decode tok/s/stream",
        "decode tok/s total",
        "bound",
        "prompt",
        "prefill tok/s",
        "TTFT",
    ]);
    for c in &out.predictions {
        let p = &c.prediction;
        t.row([
            format_tokens(c.depth),
            c.streams.to_string(),
            band(p.decode_tok_s_per_stream, p.error_band_pct.decode, 1),
            band(p.decode_tok_s_total, p.error_band_pct.decode, 1),
            p.bound.clone(),
            format_tokens(c.prompt_tokens),
            band(p.prefill_tok_s, p.error_band_pct.prefill, 0),
            format!("{} ±{:.0}%", seconds(p.ttft_s), p.error_band_pct.prefill),
        ]);
    }
    t
}

/// What the ± means and which calibration the figures come from.
fn print_footer(out: &SpeedReport) {
    println!(
        "± = expected error for a new source: the median absolute error rigsize made on public benchmarks of this engine and hardware class when that source was left out of the fit (calibration of {}); see docs/speed-model.md",
        out.calibration_fitted
    );
    if let Some(o) = &out.offload {
        println!(
            "expert offload: the GPU share uses the calibration above; the offload terms were fitted {} (data/offload.toml)",
            o.calibration
        );
    }
    if let Some(b) = out
        .predictions
        .first()
        .and_then(|c| c.prediction.calibration_builds.as_ref())
    {
        println!("calibration stands for {b}");
    }
}

/// `--explain`: the derivation of every cell.
fn print_explain(out: &SpeedReport) {
    for c in &out.predictions {
        println!(
            "\n[depth {}, {} streams]",
            format_tokens(c.depth),
            c.streams
        );
        for l in &c.prediction.explain {
            println!("  {l}");
        }
    }
}
