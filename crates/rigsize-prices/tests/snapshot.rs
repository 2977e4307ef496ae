//! The shipped snapshot: strict parsing, known ids, stated conversions.

use std::collections::HashSet;

use rigsize_prices::{Condition, Snapshot, Source};

mod common;

/// Ids of the research's hardware_ids.csv plus every `[[device]]` id of the
/// repository's data/hardware.toml (devices added since, such as the M5 Macs).
fn hardware_ids() -> HashSet<String> {
    let csv = common::fixture("hardware_ids.csv");
    let csv_ids = csv.lines().skip(1).filter_map(|l| l.split(',').next());
    let toml = include_str!("../../../data/hardware.toml");
    let toml_ids = toml
        .lines()
        .filter_map(|l| l.strip_prefix("id = \"")?.strip_suffix('"'));
    csv_ids.chain(toml_ids).map(str::to_string).collect()
}

#[test]
fn embedded_snapshot_parses_with_all_csv_rows() {
    let s = Snapshot::embedded();
    assert!(s.items.len() > 100);
    // Every row of prices_chf.csv (lines 2..=376) is present, cited by line:
    // priced, or retired with its reason.
    for line in 2..=376 {
        let tag = format!("prices_chf.csv:{line};");
        assert!(
            s.prices
                .iter()
                .chain(&s.retired)
                .any(|p| p.citation.starts_with(&tag)),
            "missing observation from {tag}"
        );
    }
    assert!(s
        .prices
        .iter()
        .all(|p| !p.citation.is_empty() && !p.retailer.is_empty()));
}

#[test]
fn every_item_id_is_known() {
    let hw = hardware_ids();
    let s = Snapshot::embedded();
    for item in &s.items {
        if let Some(parent) = &item.hardware_id {
            assert!(
                hw.contains(parent),
                "{}: hardware_id {parent} not in hardware_ids.csv or data/hardware.toml",
                item.id
            );
        }
        // GPUs and systems use the catalog id unless they are a named variant
        // of one, or are flagged as not in the catalog / nonexistent.
        if (item.kind == "gpu" || item.kind == "system") && !hw.contains(&item.id) {
            let explained = item.hardware_id.is_some()
                || !item.exists()
                || item.note.as_deref().is_some_and(|n| {
                    n.contains("not in hardware_ids.csv") || n.contains("not stated")
                })
                || item.id.contains("snapdragon")
                || item.id.starts_with("tt-");
            assert!(
                explained,
                "{} ({}) is neither a hardware id nor explained",
                item.id, item.kind
            );
        }
    }
    for p in &s.prices {
        assert!(
            s.item(&p.item_id).is_some(),
            "price for unknown {}",
            p.item_id
        );
    }
    // Key catalog ids carry prices.
    for id in [
        "rtx-5090",
        "rtx-pro-6000-ws",
        "dgx-spark",
        "mac-studio-2025-m3-ultra-512g",
        "m3-ultra-80c",
    ] {
        assert!(s.records_for(id).next().is_some(), "no price for {id}");
    }
}

#[test]
fn conversions_are_as_stated() {
    let s = Snapshot::embedded();
    let m = &s.meta;
    assert_eq!(
        (m.usd_chf, m.eur_chf, m.rmb_chf, m.vat_ch),
        (0.80, 0.94, 0.11, 1.081)
    );
    let mut converted = 0;
    for p in &s.prices {
        let (Some(orig), Some(cur)) = (p.original_price, &p.original_currency) else {
            assert!(p.quantity == 1);
            continue;
        };
        let rate = m.rate(cur).unwrap();
        let expect = orig * rate * p.vat_factor.unwrap_or(1.0) / p.quantity as f64;
        assert!(
            (p.price_chf - expect).abs() < 0.006,
            "line {}: {} != {orig} {cur} x {rate} / {}",
            p.line,
            p.price_chf,
            p.quantity
        );
        if cur != "CHF" {
            converted += 1;
            assert_eq!(
                p.source,
                Source::Estimate,
                "line {}: converted price must be an estimate",
                p.line
            );
        }
        if p.vat_factor.is_some() {
            assert_eq!(p.vat_factor, Some(m.vat_ch));
            assert_eq!(cur, "USD");
        }
    }
    assert!(converted > 100);
    // Spot check: RTX PRO 6000 '~$7,500' -> 6000 CHF; RTX 5090 MSRP not used (observed).
    let r = s
        .prices
        .iter()
        .find(|p| p.item_id == "rtx-pro-6000" && p.original_price == Some(7500.0))
        .unwrap();
    assert_eq!(r.price_chf, 6000.0);
    // An MSRP estimate: RTX PRO 6000 Max-Q $8,565 x 0.80 x 1.081.
    let e = s
        .prices
        .iter()
        .find(|p| p.item_id == "rtx-pro-6000-maxq")
        .unwrap();
    assert_eq!(e.price_chf, 7407.01);
    assert_eq!(e.source, Source::Estimate);
}

#[test]
fn sets_are_divided_per_unit() {
    let s = Snapshot::embedded();
    let pair = s
        .prices
        .iter()
        .find(|p| p.product.contains("RTX 5090 32GB x2") && p.original_price == Some(4800.0))
        .unwrap();
    assert_eq!(pair.quantity, 2);
    assert_eq!(pair.price_chf, 2400.0);
}

#[test]
fn unknown_field_names_file_and_line() {
    let text = "[meta]\nsnapshot_date = \"2026-02-17\"\nfx_date = \"2026-02-17\"\nusd_chf = 0.8\neur_chf = 0.94\nrmb_chf = 0.11\nvat_ch = 1.081\nsources = []\n\n[[item]]\nid = \"x\"\nkind = \"gpu\"\nname = \"X\"\ncolour = \"red\"\n\n[[price]]\n";
    let e = Snapshot::parse(text, "data/prices.toml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("data/prices.toml:"), "{e}");
    assert!(e.contains("colour"), "{e}");
    let line: usize = e.split(':').nth(1).unwrap().parse().unwrap();
    assert!((10..=14).contains(&line), "{e}");
}

#[test]
fn unknown_item_reference_names_line() {
    let text = "item = []\n[meta]\nsnapshot_date = \"2026-02-17\"\nfx_date = \"2026-02-17\"\nusd_chf = 0.8\neur_chf = 0.94\nrmb_chf = 0.11\nvat_ch = 1.081\nsources = []\n\n\n[[price]]\nitem_id = \"nope\"\nprice_chf = 1.0\nretailer = \"r\"\nobserved_at = \"2026-02\"\ncondition = \"new\"\nsource = \"snapshot\"\nproduct = \"p\"\ncitation = \"c\"\n";
    let e = Snapshot::parse(text, "prices.toml")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("prices.toml:12:"), "{e}");
    assert!(e.contains("nope"));
}

#[test]
fn best_price_prefers_observations_and_filters_condition() {
    let s = Snapshot::embedded();
    let q = rigsize_prices::best_price(s, None, "rtx-pro-6000-ws", None).unwrap();
    assert_eq!(q.price_chf, 7691.0);
    assert_eq!(q.source, Source::Snapshot);
    assert!(q.url.unwrap().contains("p833823"));
    let used = rigsize_prices::best_price(s, None, "rtx-3090", Some(Condition::Used)).unwrap();
    assert_eq!(used.condition, Condition::Used);
    // Variants count for their parent: the GX10 is a gb10-partner-system.
    let gb10 = rigsize_prices::best_price(s, None, "gb10-partner-systems", None).unwrap();
    assert_eq!(gb10.price_chf, 2477.0);
    // Estimate only when nothing was observed.
    let est = rigsize_prices::best_price(s, None, "rtx-5070-ti", None).unwrap();
    assert_eq!(est.source, Source::Estimate);
    assert!(rigsize_prices::best_price(s, None, "no-such-item", None).is_none());
}
