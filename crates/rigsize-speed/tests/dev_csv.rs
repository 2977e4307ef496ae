//! The shipped calibration on the public benchmark file: the targets of the
//! speed issue, and the JSON shape `rigsize validate --json` promises.

use rigsize_catalog::Catalog;
use rigsize_speed::{read_csv, validate, Calibration};

fn dev_rows() -> Option<Vec<rigsize_speed::BenchRow>> {
    // The repository's copy of the public measurements (data/bench/README.md).
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/bench/dev.csv");
    Some(read_csv(&p).expect("data/bench/dev.csv parses"))
}

#[test]
fn dev_csv_meets_the_targets() {
    let Some(rows) = dev_rows() else { return };
    let rep = validate(
        &Catalog::builtin().unwrap(),
        &rows,
        &Calibration::builtin().unwrap(),
    );
    assert!(rep.decode.n >= 250, "{}", rep.decode.n);
    assert!(
        rep.decode.mdape <= 12.0,
        "decode MdAPE {}",
        rep.decode.mdape
    );
    assert!(
        rep.prefill.mdape <= 25.0,
        "prefill MdAPE {}",
        rep.prefill.mdape
    );
    assert_eq!(rep.rows.len() + rep.unpredicted.len(), rows.len());
    for u in &rep.unpredicted {
        assert!(!u.reason.is_empty());
    }
}

#[test]
fn shipped_bands_are_cross_validated() {
    let c = Calibration::builtin().unwrap();
    let cv = c.meta.cv_decode_mdape_pct.expect("cross-validated figures");
    // The fallback band is the cross-validated error, not the in-sample one.
    assert!((c.meta.decode_band_pct - cv).abs() < 0.1);
    assert!(c.meta.decode_band_pct >= c.meta.decode_mdape_pct);
    assert!(c.meta.shrink_k.is_some());
}

#[test]
fn validation_json_has_the_promised_top_level() {
    let Some(rows) = dev_rows() else { return };
    let rep = validate(
        &Catalog::builtin().unwrap(),
        &rows[..20],
        &Calibration::builtin().unwrap(),
    );
    let v = serde_json::to_value(&rep).unwrap();
    for k in ["decode", "prefill", "groups", "unpredicted"] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert!(v["decode"]["mdape"].is_number());
    assert!(v["decode"]["n"].is_number());
}

#[test]
fn unknown_hardware_is_a_reason_not_a_drop() {
    let text = "row_id,hardware_id,n_devices,engine,model_id,params_b,active_params_b,quant,model_size_gib,depth,concurrency,test,pp_tok_s,tg_tok_s\n\
                1,warp-drive-9000,1,llama.cpp,llama-2-7b,6.74,6.74,Q4_0,3.56,0,1,pp512/tg128,1000,100\n\
                2,rtx-3090,1,llama.cpp,some-new-model-8b,8.0,8.0,Q4_K_M,4.6,0,1,pp512/tg128,5000,120\n";
    let rows = rigsize_speed::bench::parse_csv(text, "inline").unwrap();
    let rep = validate(
        &Catalog::builtin().unwrap(),
        &rows,
        &Calibration::builtin().unwrap(),
    );
    assert_eq!(rep.unpredicted.len(), 1);
    assert!(rep.unpredicted[0].reason.contains("warp-drive-9000"));
    assert_eq!(rep.rows.len(), 1);
    assert!(!rep.rows[0].model_in_catalog);
    let p = rep.rows[0].decode_predicted.unwrap();
    assert!(p > 60.0 && p < 240.0, "{p}");
}

#[test]
fn impossible_rows_are_unpredicted_with_a_reason() {
    let rows = dev_rows().unwrap();
    let base = rows
        .iter()
        .find(|r| r.test == "pp512/tg128" && r.concurrency.trim() == "1")
        .unwrap()
        .clone();
    let mut bad = Vec::new();
    for (field, value) in [
        ("concurrency", "-3"),
        ("concurrency", "0"),
        ("depth", "-1"),
        ("depth", "18446744073709551615"),
        ("n_devices", "0"),
        ("test", "pp99999999999999/tg128"),
    ] {
        let mut r = base.clone();
        r.row_id = format!("bad-{field}-{value}");
        match field {
            "concurrency" => r.concurrency = value.into(),
            "depth" => r.depth = value.into(),
            "n_devices" => r.n_devices = value.into(),
            _ => r.test = value.into(),
        }
        bad.push(r);
    }
    let mut unknown = base.clone();
    unknown.row_id = "bad-params".into();
    unknown.model_id = "no-such-model-xyz".into();
    unknown.params_b = "0".into();
    bad.push(unknown);
    let rep = validate(
        &Catalog::builtin().unwrap(),
        &bad,
        &Calibration::builtin().unwrap(),
    );
    assert!(
        rep.rows.is_empty(),
        "{} impossible rows were predicted",
        rep.rows.len()
    );
    assert_eq!(rep.unpredicted.len(), bad.len());
    for u in &rep.unpredicted {
        assert!(!u.reason.is_empty(), "{}", u.row_id);
    }
}

fn bench_rows(name: &str) -> Vec<rigsize_speed::BenchRow> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/bench")
        .join(name);
    read_csv(&p).unwrap_or_else(|e| panic!("data/bench/{name}: {e}"))
}

#[test]
fn batched_csv_is_predicted_and_cites_its_sources() {
    let rows = bench_rows("batched.csv");
    assert!(rows.len() >= 50, "{}", rows.len());
    for r in &rows {
        assert!(
            !r.source.trim().is_empty(),
            "row {} has no source",
            r.row_id
        );
        assert!(!r.build.trim().is_empty(), "row {} has no build", r.row_id);
    }
    let rep = validate(
        &Catalog::builtin().unwrap(),
        &rows,
        &Calibration::builtin().unwrap(),
    );
    assert!(rep.unpredicted.is_empty(), "{:?}", rep.unpredicted);
    // Several streams decoding together: most rows, and reported apart.
    let b = &rep.breakdown;
    assert!(b.multi_stream_decode.n >= 40, "{}", b.multi_stream_decode.n);
    assert_eq!(
        b.multi_stream_decode.n + b.single_stream_decode.n,
        rep.decode.n
    );
    for e in ["vllm", "sglang"] {
        assert!(b.engines.iter().any(|g| g.engine == e), "{e}");
    }
}

#[test]
fn shipped_calibration_states_builds_for_every_engine_it_was_fitted_on() {
    let cal = Calibration::builtin().unwrap();
    let mut rows = bench_rows("dev.csv");
    rows.extend(bench_rows("batched.csv"));
    let rep = validate(&Catalog::builtin().unwrap(), &rows, &cal);
    for g in &rep.breakdown.engines {
        let p = cal
            .provenance_for(&g.engine, "*")
            .unwrap_or_else(|| panic!("no provenance for {}", g.engine));
        assert!(p.rows > 0);
        let text = p.describe();
        assert!(text.starts_with(&g.engine), "{text}");
    }
    // llama.cpp's range comes from numbered builds in the rows.
    let l = cal.provenance_for("llama.cpp", "*").unwrap();
    assert!(l.first_build.as_deref().is_some_and(|b| b.starts_with('b')));
    assert!(l.first_measured.is_some() && l.last_measured >= l.first_measured);
}

/// `holdout.csv` is scored, never fitted: the shipped calibration names
/// the files it was fitted on, and none of its rows is in them.
#[test]
fn holdout_csv_stays_out_of_the_fit_and_is_predicted() {
    let held = bench_rows("holdout.csv");
    assert!(held.len() >= 100, "{}", held.len());
    let cal = Calibration::builtin().unwrap();
    assert!(!cal.meta.data.contains("holdout"), "{}", cal.meta.data);
    let fitted: std::collections::BTreeSet<String> = ["dev.csv", "batched.csv"]
        .iter()
        .flat_map(|f| bench_rows(f))
        .map(|r| r.row_id)
        .collect();
    for r in &held {
        assert!(
            !fitted.contains(&r.row_id),
            "row {} is fitted too",
            r.row_id
        );
        assert!(
            !r.source.trim().is_empty(),
            "row {} has no source",
            r.row_id
        );
        assert!(!r.build.trim().is_empty(), "row {} has no build", r.row_id);
    }
    let rep = validate(&Catalog::builtin().unwrap(), &held, &cal);
    assert!(rep.unpredicted.is_empty(), "{:?}", rep.unpredicted);
    // Several GPUs and several streams: what the file was gathered for.
    assert!(held.iter().filter(|r| r.n_devices.trim() != "1").count() >= 30);
    assert!(rep.breakdown.multi_stream_decode.n >= 40);
}
