//! `rigsize hardware`: list and filter the devices rigsize knows.

use anyhow::Result;
use clap::Args;
use rigsize_app::catalog::{list_hardware, HardwareQuery};
use rigsize_catalog::Catalog;
use rigsize_core::units::to_gib;

use crate::render::Table;

/// Marks a value the data lists in `unverified_fields`.
const UNVERIFIED: &str = "*";
/// Marks a record the data marks `verified = false`.
const RECORD_UNVERIFIED: &str = "?";

#[derive(Debug, Args, Clone)]
pub struct HardwareArgs {
    /// Only this kind: gpu, apple_soc, unified_box.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this vendor (NVIDIA, AMD, Apple, Intel…).
    #[arg(long)]
    pub vendor: Option<String>,
    /// Only devices with at least this much memory, in GiB.
    #[arg(long)]
    pub min_memory: Option<f64>,
    /// Only ids or names containing this text.
    #[arg(long)]
    pub search: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: HardwareArgs, catalog: &Catalog) -> Result<()> {
    let query = HardwareQuery {
        kind: args.kind.clone(),
        vendor: args.vendor.clone(),
        min_memory: args.min_memory,
        search: args.search.clone(),
    };
    let rows = list_hardware(&query, catalog)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let mut t = Table::new([
        "id",
        "name",
        "memory GiB",
        "configs (ID@GB)",
        "GB/s",
        "FP16 TFLOPS",
        "TDP W",
        "family",
    ]);
    for h in &rows {
        let d = &h.device;
        let mark = |field: &str, v: String| {
            if h.unverified_fields.iter().any(|f| f == field) {
                format!("{v}{UNVERIFIED}")
            } else {
                v
            }
        };
        let id = if h.verified {
            d.id.clone()
        } else {
            format!("{}{RECORD_UNVERIFIED}", d.id)
        };
        t.row([
            id,
            shorten(&d.name, 48),
            mark("memory_gib", format!("{:.0}", to_gib(d.memory_bytes))),
            mark("memory_configs_gib", configs(&h.memory_configs_bytes)),
            mark(
                "bandwidth_gbs",
                format!("{:.0}", d.bandwidth_bytes_per_s / 1e9),
            ),
            mark("fp16_tflops", format!("{:.1}", d.fp16_flops / 1e12)),
            d.tdp_w
                .map(|w| mark("tdp_w", format!("{w:.0}")))
                .unwrap_or_else(|| "-".into()),
            d.family.clone(),
        ]);
    }
    print!("{}", t.render());
    println!(
        "{} devices; memory in GiB (2^30 B), bandwidth in GB/s (10^9 B/s)",
        rows.len()
    );
    println!(
        "{UNVERIFIED} unverified value (derived or recalled; `unverified_fields` in --json); \
         {RECORD_UNVERIFIED} whole record unverified (rumour or benchmark-only; `verified: false`)"
    );
    Ok(())
}

/// The memory configurations a user can pick with `ID@GB`; "-" when there is one.
fn configs(bytes: &[u64]) -> String {
    if bytes.len() < 2 {
        return "-".into();
    }
    let gib: Vec<String> = bytes.iter().map(|&b| format!("{:.0}", to_gib(b))).collect();
    gib.join(",")
}

/// Long marketing names (GB10 partner lists) would push the numbers off the
/// screen; the full name is in `--json`.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
