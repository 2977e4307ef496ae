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
    let file = PathBuf::from(
        args.first()
            .expect("usage: calibrate FILE.csv [--write OUT] [--json | --cv-json]"),
    );
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
    let rows = read_csv(&file).expect("csv");
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
            file.display(),
            write
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "-".into())
        ),
        &file.display().to_string(),
        true,
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&rep).unwrap());
        return;
    }
    if args.iter().any(|a| a == "--cv-json") {
        println!("{}", serde_json::to_string_pretty(&cv).unwrap());
        return;
    }
    print!("{}", rigsize_speed::fit::render_report(&rep, cv.as_ref()));
    match write {
        Some(p) => {
            std::fs::write(&p, rigsize_speed::fit::calibration_file_text(&cal)).expect("write")
        }
        None => print!("{}", cal.to_toml()),
    }
}
