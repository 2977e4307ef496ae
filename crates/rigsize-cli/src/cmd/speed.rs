//! `rigsize speed`: decode and prefill speed, time to first token and
//! concurrency, with the error band measured on public benchmarks.

use anyhow::Result;
use clap::Args;
use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::units::{format_tokens, parse_tokens};
use rigsize_speed::{predict, Calibration, Link, SpeedPrediction, SpeedRequest, Split};

use crate::cmd::common::{kv_type, resolve_model};
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
    /// 0,32k,128k,200k (k = 1000, ki = 1024).
    #[arg(long, default_value = "0,32k")]
    pub depth: String,
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
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print the derivation of every figure.
    #[arg(long)]
    pub explain: bool,
}

/// Comma-separated token counts.
fn token_list(s: &str, what: &str) -> Result<Vec<u64>> {
    let v: Vec<u64> = s
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| match x.trim() {
            // An empty cache is a depth too (parse_tokens wants a context).
            "0" => Ok(0),
            t => parse_tokens(t).map_err(anyhow::Error::from),
        })
        .collect::<Result<_>>()?;
    anyhow::ensure!(!v.is_empty(), "--{what} needs at least one value");
    Ok(v)
}

fn stream_list(s: &str) -> Result<Vec<u32>> {
    let v: Vec<u32> = s
        .split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|x| {
            x.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=4096).contains(n))
                .ok_or_else(|| {
                    anyhow::anyhow!("--streams value '{x}' is not a count from 1 to 4096")
                })
        })
        .collect::<Result<_>>()?;
    anyhow::ensure!(!v.is_empty(), "--streams needs at least one value");
    Ok(v)
}

#[derive(serde::Serialize)]
struct Cell {
    depth: u64,
    streams: u32,
    prompt_tokens: u64,
    #[serde(flatten)]
    prediction: SpeedPrediction,
}

#[derive(serde::Serialize)]
struct Output {
    model: String,
    quant: String,
    hardware: String,
    devices: u32,
    engine: String,
    split: String,
    link: String,
    kv_type: String,
    calibration_fitted: String,
    notes: Vec<String>,
    predictions: Vec<Cell>,
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
    let engine = Engine::parse(&args.engine)?;
    let model = resolve_model(catalog, &args.model, args.quant.as_deref(), engine)?;
    let set = catalog.device_set(&args.hw)?;
    let cal = Calibration::builtin()?;
    let depths = token_list(&args.depth, "depth")?;
    let streams = stream_list(&args.streams)?;
    let prompt = args
        .prompt
        .as_deref()
        .map(|p| parse_tokens(p).map_err(anyhow::Error::from))
        .transpose()?;
    let kv = kv_type(&args.kv_type)?;
    let mut base = SpeedRequest::new(&model.arch, &model.weights, &set, engine);
    if let Some(s) = &args.split {
        base.split = Split::parse(s)?;
    }
    if let Some(l) = &args.link {
        base.link = Link::parse(l)?;
    }
    base.kv_type = kv;
    let mut notes = model.notes.clone();
    if let Some(p) = prompt {
        if let Some(d) = depths.iter().find(|d| **d < p) {
            notes.push(format!(
                "prompt {} is longer than depth {}: the prompt is prefilled from an empty cache",
                format_tokens(p),
                format_tokens(*d)
            ));
        }
    }
    let mut cells = Vec::new();
    for &d in &depths {
        for &s in &streams {
            let mut r = base.clone();
            r.depth_tokens = d;
            r.streams = s;
            r.prompt_tokens = prompt.unwrap_or(d.max(512)).max(1);
            if r.prompt_tokens > d {
                r.depth_tokens = d.max(r.prompt_tokens);
            }
            let mut p = predict(&r, &cal);
            if r.depth_tokens != d {
                // Decode at the requested depth; the prefill ran on its own.
                let mut dr = r.clone();
                dr.depth_tokens = d;
                let dp = predict(&dr, &cal);
                p.decode_tok_s_per_stream = dp.decode_tok_s_per_stream;
                p.decode_tok_s_total = dp.decode_tok_s_total;
                p.bound = dp.bound;
            }
            cells.push(Cell {
                depth: d,
                streams: s,
                prompt_tokens: r.prompt_tokens,
                prediction: p,
            });
        }
    }
    let out = Output {
        model: model.arch.id.clone(),
        quant: model.quant_label.clone(),
        hardware: set.device.id.clone(),
        devices: set.count,
        engine: engine.name().to_string(),
        split: base.split.name().to_string(),
        link: base.link.name().to_string(),
        kv_type: kv.name().to_string(),
        calibration_fitted: cal.meta.fitted.clone(),
        notes,
        predictions: cells,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{} {} on {}{} with {}{}",
        out.model,
        out.quant,
        if set.count > 1 {
            format!("{}× ", set.count)
        } else {
            String::new()
        },
        set.device.name,
        out.engine,
        if set.count > 1 {
            format!(" ({} split over {})", out.split, out.link)
        } else {
            String::new()
        }
    );
    for n in &out.notes {
        println!("note: {n}");
    }
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
    print!("{}", t.render());
    println!(
        "± = expected error for a new source: the median absolute error rigsize made on public benchmarks of this engine and hardware class when that source was left out of the fit (calibration of {}); see docs/speed-model.md",
        out.calibration_fitted
    );
    if args.explain {
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
    Ok(())
}
