//! `rigsize fit --load …`: several models at once, weights shared where the
//! same model is loaded twice at one quantization.

use anyhow::Result;
use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::EngineConfig;
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::MemoryRequest;
use rigsize_core::units::{format_tokens, parse_tokens, MAX_STREAMS};
use rigsize_core::workload::{estimate, Load, WorkloadEstimate};

use super::FitArgs;
use crate::cmd::common::{engine_config, kv_type, resolve_model, ResolvedModel};
use crate::render::{gib, gib_signed, Table};

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
        Some(t) => parse_ctx_streams(spec, t, default_streams)?,
    };
    Ok(LoadSpec {
        model,
        quant,
        ctx,
        streams,
    })
}

/// The `CTX[xSTREAMS]` after the `@` of a `--load` item.
fn parse_ctx_streams(spec: &str, t: &str, default_streams: u32) -> Result<(u64, u32)> {
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
    Ok((ctx, streams))
}

pub(super) fn run_workload(args: &FitArgs, catalog: &Catalog) -> Result<()> {
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
    let resolved: Vec<ResolvedModel> = specs
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
    let loads = to_loads(&specs, &resolved, (k, v), &engine);
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
    print!("{}", workload_table(&w).render());
    print_verdict(&w, hw.as_ref());
    println!("\nmemory in GiB (2^30 bytes); weights of a model loaded twice at one quantization are counted once");
    Ok(())
}

/// Each parsed item with its resolved model, as the estimator's loads.
fn to_loads<'a>(
    specs: &[LoadSpec],
    resolved: &'a [ResolvedModel],
    (k, v): (KvType, KvType),
    engine: &EngineConfig,
) -> Vec<Load<'a>> {
    specs
        .iter()
        .zip(resolved)
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
        .collect()
}

/// One row per load, then the shared runtime overhead and the total.
fn workload_table(w: &WorkloadEstimate) -> Table {
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
    t
}

/// With `--hw`: whether it all fits and by how much contexts could scale;
/// then the warnings.
fn print_verdict(w: &WorkloadEstimate, hw: Option<&DeviceSet>) {
    if let (Some(set), Some(avail), Some(head)) = (hw, w.available_bytes, w.headroom_bytes) {
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
}
