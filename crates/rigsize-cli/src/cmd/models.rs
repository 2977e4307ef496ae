//! `rigsize models`: list and filter the model catalog, optionally against
//! a device (`--fits rtx-4090 --ctx 32k`).

use anyhow::Result;
use clap::Args;
use rigsize_catalog::{Catalog, ModelRecord};
use rigsize_core::dtype::KvType;
use rigsize_core::fit::{fit, FitInput, FitReport};
use rigsize_core::kv::per_token_bytes;
use rigsize_core::memory::MemoryRequest;
use rigsize_core::units::{format_tokens, parse_tokens};
use serde::Serialize;

use crate::cmd::common::{engine_config, kv_type, resolve_model};
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
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct ModelRow<'a> {
    id: &'a str,
    name: &'a str,
    params_total: u64,
    params_active: u64,
    layers: u32,
    attention: String,
    kv_bytes_per_token_f16: u64,
    kv_sliding_bytes_per_token_f16: u64,
    native_context: u64,
    max_context: u64,
    quant: String,
    weights_bytes: u64,
    fit: Option<FitReport>,
    source: &'a str,
    verified: bool,
}

fn attention_summary(m: &ModelRecord) -> String {
    let a = &m.arch;
    let mut parts = Vec::new();
    for kind in ["full", "sliding", "mla", "recurrent"] {
        let n = a.count_layers(kind);
        if n > 0 {
            parts.push(format!("{n} {kind}"));
        }
    }
    parts.join(" + ")
}

pub fn run(args: ModelsArgs, catalog: &Catalog) -> Result<()> {
    let engine = engine_config(&args.engine, None, false, false, None)?;
    let ctx = parse_tokens(&args.ctx)?;
    let kv = kv_type(&args.kv_type)?;
    let hw = args
        .fits
        .as_deref()
        .map(|h| catalog.device_set(h))
        .transpose()?;
    let mut rows = Vec::new();
    for rec in &catalog.models {
        let a = &rec.arch;
        if args.moe && !a.is_moe() {
            continue;
        }
        if let Some(s) = &args.search {
            let s = s.to_ascii_lowercase();
            if !a.id.contains(&s) && !a.name.to_ascii_lowercase().contains(&s) {
                continue;
            }
        }
        let resolved = resolve_model(catalog, &a.id, args.quant.as_deref(), engine.engine)?;
        let fit_report = hw.as_ref().map(|set| {
            fit(&FitInput {
                model: a,
                quant_label: resolved.quant_label.clone(),
                weights: &resolved.weights,
                request: MemoryRequest {
                    ctx,
                    streams: args.streams.max(1),
                    kv_type_k: kv,
                    kv_type_v: kv,
                    engine: engine.clone(),
                },
                hardware: Some(set),
                wired_limit_bytes: None,
            })
        });
        if fit_report.as_ref().is_some_and(|f| f.fits != Some(true)) {
            continue;
        }
        let pt = per_token_bytes(a, KvType::F16, KvType::F16);
        rows.push(ModelRow {
            id: &a.id,
            name: &a.name,
            params_total: a.params_total,
            params_active: a.params_active,
            layers: a.n_layers(),
            attention: attention_summary(rec),
            kv_bytes_per_token_f16: pt.growing + pt.indexer,
            kv_sliding_bytes_per_token_f16: pt.sliding,
            native_context: a.native_context,
            max_context: a.max_context(),
            quant: resolved.quant_label,
            weights_bytes: resolved.weights.bytes,
            fit: fit_report,
            source: &rec.source,
            verified: rec.verified,
        });
    }
    match args.sort.as_str() {
        "name" => rows.sort_by(|a, b| a.id.cmp(b.id)),
        "params" => rows.sort_by_key(|r| std::cmp::Reverse(r.params_total)),
        "active" => rows.sort_by_key(|r| std::cmp::Reverse(r.params_active)),
        "context" => rows.sort_by_key(|r| std::cmp::Reverse(r.max_context)),
        "kv" => rows.sort_by_key(|r| r.kv_bytes_per_token_f16),
        other => anyhow::bail!("unknown --sort '{other}': use name, params, active, context or kv"),
    }
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
            r.id.to_string(),
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
            "{} models fit {} × {} at {} tokens × {} stream(s), KV {}; memory in GiB (2^30 B)",
            rows.len(),
            set.count,
            set.device.id,
            format_tokens(ctx),
            args.streams,
            kv
        ),
        None => println!("{} models; KV per token at 16 bit (sliding-window layers excluded); memory in GiB (2^30 B)", rows.len()),
    }
    Ok(())
}
