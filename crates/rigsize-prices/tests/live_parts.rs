//! `plan --live`: the parts of the top builds refreshed through the live
//! source, with per-part fallback and the reason.

use rigsize_prices::{Prices, Source};

mod common;
use common::{config, dead_base, fixture, serve};

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn parts_get_live_offers_or_keep_their_price_with_the_reason() {
    let srv = serve(vec![(
        "/price-comparison/",
        200,
        fixture("html_product_833823_markup.html"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &srv.base));
    let mut seen = Vec::new();
    let r = prices.live_parts(
        &ids(&[
            "rtx-pro-6000-ws",
            "bom-misc-allowance",
            "no-such-part",
            "rtx-pro-6000-ws",
        ]),
        &mut |p| seen.push((p.index, p.total, p.item_id.clone(), p.outcome.is_ok())),
    );
    // Duplicates are looked up once; progress is reported for every part.
    assert_eq!(r.parts.len(), 3);
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0], (1, 3, "rtx-pro-6000-ws".to_string(), true));
    let ws = r.get("rtx-pro-6000-ws").unwrap();
    assert!(ws.fallback.is_none());
    let q = ws.quote.as_ref().unwrap();
    assert_eq!(q.source, Source::Live);
    assert_eq!(q.retailer, "Techmania"); // the cheapest of the page's offers
                                         // No lookup key: keeps the snapshot figure and says so.
    let misc = r.get("bom-misc-allowance").unwrap();
    assert!(misc
        .fallback
        .as_deref()
        .unwrap()
        .contains("no toppreise product id"));
    assert_eq!(misc.quote.as_ref().unwrap().source, Source::Estimate);
    let unknown = r.get("no-such-part").unwrap();
    assert!(unknown.quote.is_none());
    assert!(unknown
        .fallback
        .as_deref()
        .unwrap()
        .contains("not a priced catalog item"));
    assert_eq!(r.live_count(), 1);
    // The live answer is in the cache (history) now.
    let h = prices.history("rtx-pro-6000-ws").unwrap();
    assert!(h.quotes.iter().any(|q| q.source == Source::Cache));
}

#[test]
fn an_unreachable_site_falls_back_to_the_snapshot_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &dead_base()));
    let r = prices.live_parts(&ids(&["rtx-pro-6000-ws", "amd-ryzen-9-9950x"]), &mut |_| {});
    assert_eq!(r.live_count(), 0);
    for p in &r.parts {
        let why = p.fallback.as_deref().unwrap();
        assert!(why.contains("live lookup failed"), "{why}");
        assert!(
            why.contains("kept the snapshot price of 2026-02-17"),
            "{why}"
        );
        assert_eq!(p.quote.as_ref().unwrap().source, Source::Snapshot);
    }
    assert_eq!(
        r.get("rtx-pro-6000-ws")
            .unwrap()
            .quote
            .as_ref()
            .unwrap()
            .price_chf,
        7691.0
    );
}
