//! Fits data/speed-calibration.toml on a benchmark CSV and prints the
//! validation (the CLI's `rigsize calibrate` does the same):
//!
//! `cargo run --release -p rigsize-speed --example calibrate -- data/bench/dev.csv --write data/speed-calibration.toml`
//!
//! `RIGSIZE_CATALOG=extra.toml` merges catalog records first.

use std::path::PathBuf;

use rigsize_catalog::Catalog;
use rigsize_speed::{calibrate, read_csv};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Every leading argument ending in .csv is a benchmark file; their rows are pooled.
    let files: Vec<PathBuf> = args
        .iter()
        .take_while(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    assert!(
        !files.is_empty(),
        "usage: [RIGSIZE_CV_K=K] calibrate FILE.csv [MORE.csv…] [--write OUT] [--json | --cv-json]"
    );
    let names = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let json = args.iter().any(|a| a == "--json");
    let mut catalog = Catalog::builtin().expect("catalog");
    if let Some(p) = std::env::var_os("RIGSIZE_CATALOG") {
        catalog.merge_file(std::path::Path::new(&p)).expect("merge");
    }
    let mut rows = Vec::new();
    for f in &files {
        rows.extend(read_csv(f).expect("csv"));
    }
    // RIGSIZE_CV_K=8 with --cv-json: leave-one-source-out at that one
    // shrinkage strength only (a ninth of the full run), for trying changes.
    if let Some(k) = std::env::var("RIGSIZE_CV_K")
        .ok()
        .and_then(|k| k.parse::<f64>().ok())
    {
        let cv = rigsize_speed::fit::cross_validate_with(&catalog, &rows, Some(k));
        println!("{}", serde_json::to_string_pretty(&cv).unwrap());
        return;
    }
    let (cal, rep, cv) = calibrate(
        &catalog,
        &rows,
        &rigsize_speed::fit::civil_date(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        ),
        &format!(
            "rigsize calibrate {} --write {}",
            names,
            write
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "-".into())
        ),
        &names,
        std::env::var_os("RIGSIZE_NO_CV").is_none(),
    );
    // --write with --json or --cv-json writes the calibration too: one
    // cross-validation run gives both the file and its per-row figures.
    if let Some(p) = &write {
        std::fs::write(p, rigsize_speed::fit::calibration_file_text(&cal)).expect("write");
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&rep).unwrap());
    } else if args.iter().any(|a| a == "--cv-json") {
        println!("{}", serde_json::to_string_pretty(&cv).unwrap());
    } else {
        print!("{}", rigsize_speed::fit::render_report(&rep, cv.as_ref()));
        if write.is_none() {
            print!("{}", cal.to_toml());
        }
    }
}
