//! Fits the expert-offload model on data/bench/offload.csv and prints the
//! parameters, each row's prediction and the leave-one-source-out errors —
//! the numbers data/offload.toml stores.
//!
//! cargo run -p rigsize-speed --example offload_fit

use rigsize_catalog::Catalog;
use rigsize_speed::offload::OffloadCalibration;
use rigsize_speed::offload_fit::{builtin_cases, fit, loso, median, predict_case};
use rigsize_speed::Calibration;

fn main() -> Result<(), String> {
    let catalog = Catalog::builtin().map_err(|e| e.to_string())?;
    let cal = Calibration::builtin().map_err(|e| e.to_string())?;
    let cases = builtin_cases(&catalog)?;
    let all: Vec<_> = cases.iter().collect();
    let params = fit(&all, &cal);
    let off = OffloadCalibration {
        params,
        loso_decode_pct: 0.0,
        loso_prefill_pct: 0.0,
        fitted: String::new(),
    };
    println!("row  source                                     tg meas  tg pred   pp meas  pp pred");
    for c in &cases {
        let (tg, pp) = predict_case(c, &cal, &off);
        println!(
            "{:>3}  {:<40.40}  {:>7}  {:>7.2}  {:>8}  {:>7.1}",
            c.row_id,
            c.source,
            c.tg.map(|v| format!("{v:.2}")).unwrap_or_default(),
            tg,
            c.pp.map(|v| format!("{v:.1}")).unwrap_or_default(),
            pp
        );
    }
    let (d, p) = loso(&cases, &cal);
    let mut sources: Vec<&str> = cases.iter().map(|c| c.source.as_str()).collect();
    sources.sort();
    sources.dedup();
    println!(
        "fit on all {} rows ({} sources): cpu_bw_eff = {:.2}, layer_sync_s = {:e}, pcie_eff = {:.2}",
        cases.len(),
        sources.len(),
        params.cpu_bw_eff,
        params.layer_sync_s,
        params.pcie_eff
    );
    println!(
        "leave-one-source-out: decode median |error| {:.1} % over {} rows, prefill {:.1} % over {} rows",
        median(&d),
        d.len(),
        median(&p),
        p.len()
    );
    Ok(())
}
