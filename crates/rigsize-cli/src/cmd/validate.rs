//! `rigsize validate FILE.csv`: predicted vs measured speed for benchmark
//! rows in dev.csv's columns; `rigsize calibrate FILE.csv --write OUT`:
//! refits the speed calibration (data/speed-calibration.toml).

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use rigsize_catalog::Catalog;
use rigsize_speed::fit::{calibration_file_text, civil_date, render_report};
use rigsize_speed::{calibrate, read_csv, validate, Calibration};

#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    /// Benchmark CSV with dev.csv's columns (hardware_id, engine, model_id,
    /// params_b, active_params_b, model_size_gib, depth, concurrency, test,
    /// pp_tok_s, tg_tok_s…).
    pub file: PathBuf,
    /// Calibration file to validate instead of the built-in one.
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Print JSON: {"decode": {"mdape", "n"}, "prefill": {…}, "groups": […],
    /// "unpredicted": […], "rows": […]}. MdAPE in percent.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ValidateArgs, catalog: &Catalog) -> Result<()> {
    let rows = read_csv(&args.file)?;
    let cal = match &args.calibration {
        Some(p) => Calibration::from_toml(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )?,
        None => Calibration::builtin()?,
    };
    let rep = validate(catalog, &rows, &cal);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rep)?);
    } else {
        print!("{}", render_report(&rep, None));
    }
    Ok(())
}

#[derive(Debug, Args, Clone)]
pub struct CalibrateArgs {
    /// Benchmark CSV to fit on (data/bench/dev.csv, a copy of the public measurements).
    #[arg(required_unless_present = "with", conflicts_with = "with")]
    pub file: Option<PathBuf>,
    /// Your own measured rows (`rigsize bench --save`): corrections for your
    /// machine, stored in the user config dir and used by speed and bench.
    #[arg(long, num_args = 1..)]
    pub with: Vec<PathBuf>,
    /// Write the calibration here (data/speed-calibration.toml); without it
    /// the file is printed.
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Skip the leave-one-source-out cross-validation.
    #[arg(long)]
    pub no_cv: bool,
    /// Print the validation as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run_calibrate(args: CalibrateArgs, catalog: &Catalog) -> Result<()> {
    let Some(file) = args.file.clone() else {
        return crate::cmd::local_cal::run(&args.with, catalog, args.json);
    };
    let rows = read_csv(&file)?;
    let today = civil_date(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    let command = format!(
        "rigsize calibrate {}{}",
        file.display(),
        args.write
            .as_ref()
            .map(|p| format!(" --write {}", p.display()))
            .unwrap_or_default()
    );
    let (cal, rep, cv) = calibrate(
        catalog,
        &rows,
        &today,
        &command,
        &file.display().to_string(),
        !args.no_cv,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rep)?);
    } else {
        eprint!("{}", render_report(&rep, cv.as_ref()));
    }
    let text = calibration_file_text(&cal);
    match &args.write {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("wrote {}", p.display());
        }
        None if !args.json => print!("{text}"),
        None => {}
    }
    Ok(())
}
