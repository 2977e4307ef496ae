//! `rigsize pack`: which demanded models a node keeps resident, loads on
//! demand, or keeps on disk, within its budgets (PORTEN_VRAM_BUDGET_MB,
//! PORTEN_AUTO_DOWNLOAD_MB).

use anyhow::Result;
use clap::Args;
use rigsize_catalog::Catalog;
use rigsize_plan::{pack, parse_demand};

#[derive(Debug, Args, Clone)]
pub struct PackArgs {
    /// Memory the node may use for models, MB.
    #[arg(long, env = "PORTEN_VRAM_BUDGET_MB", value_name = "MB")]
    pub vram_budget_mb: u64,
    /// Disk the node may use for downloaded weights, MB.
    #[arg(long, env = "PORTEN_AUTO_DOWNLOAD_MB", value_name = "MB")]
    pub download_budget_mb: u64,
    /// Demanded models with weights: "model=weight,model=weight" (a bare model counts 1).
    #[arg(long, value_name = "LIST")]
    pub demand: String,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: PackArgs, catalog: &Catalog) -> Result<()> {
    let demand = parse_demand(&args.demand)?;
    let report = pack(
        args.vram_budget_mb,
        args.download_budget_mb,
        &demand,
        catalog,
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_markdown());
    }
    Ok(())
}
