//! `rigsize bench --save`: measured points as rows in data/bench's CSV
//! columns, so `rigsize validate` and `rigsize calibrate` read them; and the
//! progress bar (a terminal only).

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rigsize_bench::{BenchResult, ServerInfo};
use rigsize_catalog::Catalog;
use rigsize_core::units::GIB;

use crate::cmd::bench::BenchArgs;
use crate::cmd::common::resolve_model;

/// data/bench/dev.csv's columns, in order.
pub const COLUMNS: [&str; 20] = [
    "row_id",
    "source",
    "hardware_id",
    "n_devices",
    "backend",
    "engine",
    "model_id",
    "arch",
    "params_b",
    "active_params_b",
    "quant",
    "model_size_gib",
    "depth",
    "concurrency",
    "test",
    "pp_tok_s",
    "tg_tok_s",
    "build",
    "reliability",
    "notes",
];

/// A progress bar on a terminal; hidden otherwise (pipes, CI logs).
pub fn progress(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(s) = ProgressStyle::with_template("{bar:30} {pos}/{len} requests, {elapsed}") {
        bar.set_style(s);
    }
    bar
}

/// Refuses, before measuring, a file whose header is not dev.csv's.
pub fn check_target(path: &Path) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(()); // created on save
    };
    let Some(first) = text.lines().next() else {
        return Ok(());
    };
    anyhow::ensure!(
        first.trim() == COLUMNS.join(","),
        "--save {}: the file exists and its header is not data/bench/dev.csv's columns ({})",
        path.display(),
        COLUMNS.join(",")
    );
    Ok(())
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rigsize_speed::fit::civil_date(secs)
}

/// One row per point.
#[allow(clippy::too_many_arguments)]
pub fn rows(
    args: &BenchArgs,
    catalog: &Catalog,
    info: &ServerInfo,
    served: &str,
    hw: &Option<String>,
    model: &Option<String>,
    engine: &str,
    results: &[BenchResult],
) -> Result<Vec<Vec<String>>> {
    let (hw_id, count) = match hw
        .as_deref()
        .map(|h| h.rsplit_once(':').unwrap_or((h, "1")))
    {
        Some((h, c)) => (h.to_string(), c.to_string()),
        None => (String::new(), String::new()),
    };
    let facts = match model {
        Some(m) => {
            let engine_t = rigsize_core::engine::Engine::parse(engine)?;
            let r = resolve_model(catalog, m, args.quant.as_deref(), engine_t)?;
            let a = &r.arch;
            [
                m.clone(),
                if a.moe.is_some() { "moe" } else { "dense" }.to_string(),
                format!("{:.2}", a.params_total as f64 / 1e9),
                format!("{:.2}", a.params_active as f64 / 1e9),
                r.quant_label.clone(),
                format!("{:.2}", r.weights.bytes as f64 / GIB),
            ]
        }
        None => [
            served.to_string(),
            String::new(),
            String::new(),
            String::new(),
            args.quant.clone().unwrap_or_default(),
            String::new(),
        ],
    };
    let source = format!("rigsize bench {} ({})", args.url, today());
    Ok(results
        .iter()
        .map(|p| {
            let mut row = vec![
                String::new(),
                source.clone(),
                hw_id.clone(),
                count.clone(),
                String::new(),
                engine.to_string(),
            ];
            row.extend(facts.iter().cloned());
            row.extend([
                "0".to_string(),
                p.streams.to_string(),
                format!("pp{}+tg{}", p.prompt_tokens, p.completion_tokens),
                format!("{:.2}", p.prefill_tok_s),
                format!("{:.2}", p.decode_tok_s_total),
                info.build.clone().unwrap_or_default(),
                "user".to_string(),
                format!(
                    "requested depth {}; TTFT {:.3} s; decode {:.2} tok/s per stream; tokens counted by {}{}; server model '{}'",
                    p.depth, p.ttft_s, p.decode_tok_s_per_stream, p.tokens_counted_by,
                    p.server_decode_tok_s_per_stream
                        .map(|v| format!("; server's own decode {v:.2} tok/s"))
                        .unwrap_or_default(),
                    served
                ),
            ]);
            row
        })
        .collect())
}

/// Appends rows (with the header when the file is new or empty).
pub fn append(path: &Path, rows: &[Vec<String>]) -> Result<()> {
    let fresh = std::fs::metadata(path)
        .map(|m| m.len() == 0)
        .unwrap_or(true);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut w = csv::Writer::from_writer(file);
    if fresh {
        w.write_record(COLUMNS)?;
    }
    for r in rows {
        w.write_record(r)?;
    }
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
