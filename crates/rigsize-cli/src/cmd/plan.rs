//! `rigsize plan REQUIREMENTS.toml`: ranked, priced, complete builds for a
//! requirements file (docs/requirements-format.md).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rigsize_catalog::Catalog;
use rigsize_plan::{plan_from_toml, render};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Markdown,
    Html,
    Json,
}

#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    /// The requirements file (TOML; see docs/requirements-format.md and examples/).
    pub requirements: PathBuf,
    /// Output format: markdown (default), html (one self-contained file) or json.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: PlanFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Keep the N best candidates in the ranking (the top pick is always kept).
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
}

pub fn run(args: PlanArgs, catalog: &Catalog) -> Result<()> {
    let file = args.requirements.display().to_string();
    let text = std::fs::read_to_string(&args.requirements)
        .with_context(|| format!("cannot read {file}"))?;
    let mut report = plan_from_toml(&text, &file, catalog)?;
    report.truncate(args.top.max(1));
    let format = if args.json {
        PlanFormat::Json
    } else {
        args.format
    };
    let out = match format {
        PlanFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
        PlanFormat::Markdown => render::to_markdown(&report, 3),
        PlanFormat::Html => render::to_html(&report, 3),
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, out).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{out}"),
    }
    Ok(())
}
