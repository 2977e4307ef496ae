//! `rigsize bench --url http://HOST:PORT/v1`: measures a running
//! OpenAI-compatible server and prints it next to rigsize's prediction;
//! `--save FILE` appends the points as benchmark rows (data/bench's CSV
//! columns) that `rigsize validate` and `rigsize calibrate` read.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use rigsize_app::speed::{build_speed_report_with, SpeedRequest};
use rigsize_bench::{BenchConfig, BenchResult, Client, ServerInfo};
use rigsize_catalog::Catalog;
use rigsize_core::units::{format_tokens, parse_tokens};

use crate::cmd::common::{resolve_hw, resolve_model};
use crate::render::Table;

#[derive(Debug, Args, Clone)]
pub struct BenchArgs {
    /// The server's OpenAI base URL, e.g. http://127.0.0.1:8080/v1.
    #[arg(long)]
    pub url: String,
    /// Model name the server serves (default: the first of its /v1/models).
    #[arg(long)]
    pub model: Option<String>,
    /// Prompt lengths (tokens in context), comma-separated: 0,8k,32k.
    #[arg(long, default_value = "0,8k")]
    pub depth: String,
    /// Parallel streams, comma-separated: 1,4,8.
    #[arg(long, default_value = "1")]
    pub streams: String,
    /// Tokens generated per request.
    #[arg(long, default_value_t = 128)]
    pub max_tokens: u32,
    /// Time bound per request, seconds: a stream still running then is an error.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Skip the short warm-up request (sent so that model loading is not timed).
    #[arg(long)]
    pub no_warmup: bool,
    /// Catalog model the server runs, for the prediction and the saved rows
    /// (default: the served name, if the catalog knows it).
    #[arg(long = "as")]
    pub as_model: Option<String>,
    /// Quantization of the served model, for the prediction (default: the model's default).
    #[arg(long)]
    pub quant: Option<String>,
    /// Hardware, for the prediction and the saved rows: ID[:COUNT] or
    /// `local` (default: local when detection finds a known box).
    #[arg(long)]
    pub hw: Option<String>,
    /// Engine, for the prediction: llama.cpp, ollama, vllm, sglang, mlx, trtllm (default: what the server reports, else
    /// llama.cpp).
    #[arg(long)]
    pub engine: Option<String>,
    /// Print JSON: {"server", "model", "hw", "results": [{depth, streams,
    /// ttft_s, prefill_tok_s, decode_tok_s_per_stream, decode_tok_s_total,
    /// predicted_decode_tok_s_per_stream, …}]}.
    #[arg(long)]
    pub json: bool,
    /// Append the results as rows to this CSV (data/bench/dev.csv's columns;
    /// created with its header). Nothing is written if the run fails.
    #[arg(long)]
    pub save: Option<PathBuf>,
}

fn list<T>(s: &str, what: &str, f: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| f(p).with_context(|| format!("--{what} '{p}'")))
        .collect()
}

/// What the prediction and the saved rows need: hardware and catalog model.
struct Target {
    hw: Option<String>,
    model: Option<String>,
    engine: String,
}

fn context(args: &BenchArgs, catalog: &Catalog, info: &ServerInfo, served: &str) -> Result<Target> {
    let hw = match args.hw.as_deref() {
        Some(h) => Some(resolve_hw(catalog, h)?.0),
        None => rigsize_detect::detect(catalog).hw,
    };
    let model = match &args.as_model {
        Some(m) => Some(catalog.model(m)?.arch.id.clone()),
        None => catalog.model(served).ok().map(|m| m.arch.id.clone()),
    };
    let engine = args
        .engine
        .clone()
        .or(info.engine.engine_name().map(String::from))
        .unwrap_or_else(|| "llama.cpp".into());
    Ok(Target { hw, model, engine })
}

/// rigsize's predicted decode rate per stream for each point.
fn predict(args: &BenchArgs, catalog: &Catalog, ctx: &Target, r: &mut [BenchResult]) -> Result<()> {
    let (Some(hw), Some(model)) = (&ctx.hw, &ctx.model) else {
        return Ok(());
    };
    let text = |s: String| Some(serde_json::Value::String(s));
    for p in r.iter_mut() {
        let req = SpeedRequest {
            model: model.clone(),
            quant: args.quant.clone(),
            hw: hw.clone(),
            engine: Some(ctx.engine.clone()),
            depth: text(p.depth.to_string()),
            streams: text(p.streams.to_string()),
            prompt: text(p.prompt_tokens.max(1).to_string()),
            split: None,
            link: None,
            kv_type: None,
            backend: None,
            extend_context: false,
            images: None,
            image_px: None,
            n_cpu_moe: None,
            ram_gb: None,
            ram_bw_gbs: None,
            ubatch: None,
        };
        let mut out = build_speed_report_with(&req, catalog, &resolve_model)?;
        crate::cmd::local_cal::apply(&mut out, &catalog.device_set(hw)?.device.id)?;
        p.predicted_decode_tok_s_per_stream = out
            .predictions
            .first()
            .map(|c| c.prediction.decode_tok_s_per_stream);
    }
    Ok(())
}

pub fn run(args: BenchArgs, catalog: &Catalog) -> Result<()> {
    let cfg = BenchConfig {
        depths: list(&args.depth, "depth", |p| match p {
            "0" => Ok(0),
            p => Ok(parse_tokens(p)?),
        })?,
        streams: list(&args.streams, "streams", |p| {
            p.parse::<u32>()
                .map_err(|_| anyhow::anyhow!("not a whole number"))
        })?,
        max_tokens: args.max_tokens,
        warmup: !args.no_warmup,
    };
    cfg.check()?;
    anyhow::ensure!(
        (1..=3600).contains(&args.timeout),
        "--timeout {}: give 1 to 3600 seconds",
        args.timeout
    );
    if let Some(p) = &args.save {
        crate::cmd::bench_csv::check_target(p)?;
    }
    let client = Client::new(&args.url, Duration::from_secs(args.timeout))?;
    let info = client.server_info()?;
    let served = client.pick_model(&info, args.model.as_deref())?;
    let ctx = context(&args, catalog, &info, &served)?;
    let bar = crate::cmd::bench_csv::progress(cfg.request_count());
    let mut results = client.run(&served, &cfg, |done, _| bar.set_position(done))?;
    bar.finish_and_clear();
    predict(&args, catalog, &ctx, &mut results)?;
    if let Some(p) = &args.save {
        let rows = crate::cmd::bench_csv::rows(
            &args,
            catalog,
            &info,
            &served,
            &ctx.hw,
            &ctx.model,
            &ctx.engine,
            &results,
        )?;
        crate::cmd::bench_csv::append(p, &rows)?;
        eprintln!("appended {} row(s) to {}", rows.len(), p.display());
    }
    if args.json {
        let v = serde_json::json!({
            "server": {"url": client.base, "engine": info.engine, "build": info.build},
            "model": served, "catalog_model": ctx.model, "hw": ctx.hw, "engine": ctx.engine,
            "results": results,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    print_table(&client, &info, &served, &ctx, &results);
    Ok(())
}

fn print_table(client: &Client, info: &ServerInfo, served: &str, ctx: &Target, r: &[BenchResult]) {
    println!(
        "{} at {} ({}{})",
        served,
        client.base,
        ctx.engine,
        info.build
            .as_deref()
            .map(|b| format!(" {b}"))
            .unwrap_or_default()
    );
    let mut t = Table::new([
        "depth",
        "streams",
        "TTFT s",
        "prefill tok/s",
        "decode tok/s/stream",
        "decode tok/s total",
        "predicted tok/s/stream",
        "server's decode",
    ]);
    let opt = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}"));
    for p in r {
        t.row([
            format_tokens(p.depth),
            p.streams.to_string(),
            format!("{:.3}", p.ttft_s),
            format!("{:.0}", p.prefill_tok_s),
            format!("{:.1}", p.decode_tok_s_per_stream),
            format!("{:.1}", p.decode_tok_s_total),
            opt(p.predicted_decode_tok_s_per_stream),
            opt(p.server_decode_tok_s_per_stream),
        ]);
    }
    print!("{}", t.render());
    if ctx.hw.is_none() {
        println!("no prediction: give --hw (or run where `rigsize detect` finds a known box)");
    }
    if ctx.model.is_none() {
        println!("no prediction: '{served}' is not a catalog model; give --as MODEL (a catalog id, `rigsize models`)");
    }
}
