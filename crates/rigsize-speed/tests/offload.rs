//! The expert-offload calibration: what data/offload.toml stores is what a
//! fit on data/bench/offload.csv gives, and every row is predicted.

use rigsize_catalog::Catalog;
use rigsize_speed::offload::OffloadData;
use rigsize_speed::offload_fit::{builtin_cases, fit, loso, median, predict_case};
use rigsize_speed::Calibration;

#[test]
fn stored_calibration_is_the_fit_on_the_offload_rows() {
    let catalog = Catalog::builtin().unwrap();
    let cal = Calibration::builtin().unwrap();
    let cases = builtin_cases(&catalog).unwrap();
    let stored = OffloadData::builtin().unwrap().calibration;
    let p = fit(&cases.iter().collect::<Vec<_>>(), &cal);
    assert!(
        (p.cpu_bw_eff - stored.params.cpu_bw_eff).abs() < 1e-9,
        "{p:?}"
    );
    assert!(
        (p.layer_sync_s - stored.params.layer_sync_s).abs() < 1e-9,
        "{p:?}"
    );
    assert!((p.pcie_eff - stored.params.pcie_eff).abs() < 1e-9, "{p:?}");
    let (d, pp) = loso(&cases, &cal);
    assert_eq!(d.len(), cases.iter().filter(|c| c.tg.is_some()).count());
    assert!(
        (median(&d) - stored.loso_decode_pct).abs() < 0.05,
        "{}",
        median(&d)
    );
    assert!(
        (median(&pp) - stored.loso_prefill_pct).abs() < 0.05,
        "{}",
        median(&pp)
    );
}

#[test]
fn every_offload_row_is_predicted() {
    let catalog = Catalog::builtin().unwrap();
    let cal = Calibration::builtin().unwrap();
    let off = OffloadData::builtin().unwrap().calibration;
    let cases = builtin_cases(&catalog).unwrap();
    assert!(cases.len() >= 14);
    let mut sources: Vec<&str> = cases.iter().map(|c| c.source.as_str()).collect();
    sources.sort();
    sources.dedup();
    assert!(sources.len() >= 3);
    for c in &cases {
        let (tg, pp) = predict_case(c, &cal, &off);
        assert!(tg.is_finite() && tg > 0.0, "row {}", c.row_id);
        assert!(pp.is_finite() && pp > 0.0, "row {}", c.row_id);
        assert!(c.split.host_bytes > 0, "row {} offloads nothing", c.row_id);
        // Within a factor of two of what was measured: a sanity bound, the
        // error band is the leave-one-source-out median above.
        if let Some(m) = c.tg {
            assert!(
                tg / m > 0.5 && tg / m < 2.0,
                "row {}: {tg} vs {m}",
                c.row_id
            );
        }
    }
}

#[test]
fn reference_host_is_two_channels_of_ddr5_5600() {
    let h = OffloadData::builtin().unwrap().reference_host;
    assert_eq!((h.channels, h.mts), (2, 5600));
    assert!((h.bandwidth_bytes_per_s() - 89.6e9).abs() < 1.0);
}
