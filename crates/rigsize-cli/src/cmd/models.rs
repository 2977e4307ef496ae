//! `rigsize models`: list and filter the model catalog, optionally against
//! a device (`--fits rtx-4090 --ctx 32k`).

use anyhow::Result;
use clap::Args;
use rigsize_app::catalog::{list_models, ModelsQuery};
use rigsize_catalog::Catalog;
use rigsize_core::units::{format_tokens, parse_tokens};

use crate::cmd::common::kv_type;
use crate::render::{gib, Table};

#[derive(Debug, Args, Clone)]
pub struct ModelsArgs {
    /// Only models that fit this hardware (ID, ID:COUNT, ID@GB).
    #[arg(long)]
    pub fits: Option<String>,
    /// Context per stream for --fits.
    #[arg(long, default_value = "8192")]
    pub ctx: String,
    /// Streams for --fits.
    #[arg(long, default_value_t = 1)]
    pub streams: u32,
    /// Quantization for sizes (default: the engine's usual one per model).
    #[arg(long)]
    pub quant: Option<String>,
    #[arg(long, default_value = "f16")]
    pub kv_type: String,
    /// Engine whose sizes and default quantization apply: llama.cpp, ollama, vllm, sglang, mlx, trtllm.
    #[arg(long, default_value = "llama.cpp")]
    pub engine: String,
    /// Only ids or names containing this text.
    #[arg(long)]
    pub search: Option<String>,
    /// Only mixture-of-experts models.
    #[arg(long)]
    pub moe: bool,
    /// Sort by: name, params, active, context, kv.
    #[arg(long, default_value = "name")]
    pub sort: String,
    /// With --fits: allow contexts up to each model's documented RoPE/YaRN
    /// extension (default: the native window is the limit).
    #[arg(long)]
    pub extend_context: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ModelsArgs, catalog: &Catalog) -> Result<()> {
    let query = ModelsQuery {
        fits: args.fits.clone(),
        ctx: Some(args.ctx.clone()),
        streams: Some(args.streams),
        quant: args.quant.clone(),
        kv_type: Some(args.kv_type.clone()),
        engine: Some(args.engine.clone()),
        search: args.search.clone(),
        moe: Some(args.moe),
        sort: Some(args.sort.clone()),
        extend_context: Some(args.extend_context),
    };
    let rows = list_models(&query, catalog)?;
    let hw = args
        .fits
        .as_deref()
        .map(|h| catalog.device_set(h))
        .transpose()?;
    let ctx = parse_tokens(&args.ctx)?;
    let kv = kv_type(&args.kv_type)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut header = vec![
        "id",
        "params B",
        "active B",
        "attention layers",
        "KV KiB/token",
        "native ctx",
        "quant",
        "weights GiB",
    ];
    if hw.is_some() {
        header.extend(["total GiB", "max ctx/stream"]);
    }
    let mut t = Table::new(header);
    for r in &rows {
        let mut cells = vec![
            r.id.clone(),
            format!("{:.1}", r.params_total as f64 / 1e9),
            format!("{:.1}", r.params_active as f64 / 1e9),
            r.attention.clone(),
            format!("{:.1}", r.kv_bytes_per_token_f16 as f64 / 1024.0),
            format_tokens(r.native_context),
            r.quant.clone(),
            gib(r.weights_bytes),
        ];
        if let Some(f) = &r.fit {
            cells.push(gib(f.total_bytes));
            cells.push(
                f.max_context_tokens
                    .map(format_tokens)
                    .unwrap_or_else(|| "-".into()),
            );
        }
        t.row(cells);
    }
    print!("{}", t.render());
    match &hw {
        Some(set) => println!(
            "{} models fit {} × {} at {} tokens × {} stream(s), KV {}, within each model's {} context; memory in GiB (2^30 B)",
            rows.len(),
            set.count,
            set.device.id,
            format_tokens(ctx),
            args.streams,
            kv,
            if args.extend_context { "extended (RoPE/YaRN)" } else { "native" }
        ),
        None => println!("{} models; KV per token at 16 bit (sliding-window layers excluded); memory in GiB (2^30 B)", rows.len()),
    }
    Ok(())
}
