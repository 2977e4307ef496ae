//! `rigsize validate FILE.csv`: predicted vs measured speed for benchmark
//! rows in dev.csv's columns; `rigsize calibrate FILE.csv --write OUT`:
//! refits the speed calibration (data/speed-calibration.toml).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use rigsize_catalog::Catalog;
use rigsize_speed::bench::parse_csv;
use rigsize_speed::cv::cross_validate_with;
use rigsize_speed::fit::DEFAULT_SHRINK_K;
use rigsize_speed::report::{calibration_file_text, civil_date, render_report};
use rigsize_speed::{calibrate, validate, BenchRow, Calibration};

#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    /// Benchmark CSVs with dev.csv's columns (hardware_id, engine, model_id,
    /// params_b, active_params_b, model_size_gib, depth, concurrency, test,
    /// pp_tok_s, tg_tok_s…); several files are pooled.
    #[arg(required = true)]
    pub file: Vec<PathBuf>,
    /// Calibration file to validate instead of the built-in one.
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Print JSON: {"decode": {"mdape", "n"}, "prefill": {…}, "groups": […],
    /// "breakdown": {per engine, one stream vs B > 1}, "unpredicted": […],
    /// "rows": […], "cross_validation": {…} (unless --no-cv)}. MdAPE in percent.
    #[arg(long)]
    pub json: bool,
    /// Skip the leave-one-source-out cross-validation (each source's rows
    /// predicted by a calibration refitted without them, at the calibration's
    /// shrinkage strength); the in-sample validation alone.
    #[arg(long)]
    pub no_cv: bool,
}

fn read_all(files: &[PathBuf]) -> Result<Vec<BenchRow>> {
    let mut rows = Vec::new();
    for f in files {
        rows.extend(read_rows(f)?);
    }
    Ok(rows)
}

fn names(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The benchmark rows of a CSV (a regular file under the size cap: a FIFO
/// would block the read forever).
fn read_rows(path: &Path) -> Result<Vec<BenchRow>> {
    let text = rigsize_fs::read_text(path)?;
    Ok(parse_csv(&text, &path.display().to_string())?)
}

pub fn run(args: ValidateArgs, catalog: &Catalog) -> Result<()> {
    let rows = read_all(&args.file)?;
    let cal = match &args.calibration {
        Some(p) => Calibration::from_toml(
            &rigsize_fs::read_text(p).with_context(|| "reading the calibration")?,
        )?,
        None => Calibration::builtin()?,
    };
    let rep = validate(catalog, &rows, &cal);
    let k = cal.meta.shrink_k.unwrap_or(DEFAULT_SHRINK_K);
    let cv = (!args.no_cv).then(|| cross_validate_with(catalog, &rows, Some(k)));
    if args.json {
        let mut v = serde_json::to_value(&rep)?;
        if let (Some(cv), Some(obj)) = (&cv, v.as_object_mut()) {
            obj.insert("cross_validation".into(), serde_json::to_value(cv)?);
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{}", render_report(&rep, cv.as_ref()));
    }
    Ok(())
}

#[derive(Debug, Args, Clone)]
pub struct CalibrateArgs {
    /// Benchmark CSVs to fit on (data/bench/dev.csv and data/bench/batched.csv,
    /// copies of public measurements); several files are pooled.
    #[arg(required_unless_present = "with", conflicts_with = "with")]
    pub file: Vec<PathBuf>,
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
    if args.file.is_empty() {
        return crate::cmd::local_cal::run(&args.with, catalog, args.json);
    }
    let rows = read_all(&args.file)?;
    let today = civil_date(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    let command = format!(
        "rigsize calibrate {}{}",
        names(&args.file),
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
        &names(&args.file),
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
