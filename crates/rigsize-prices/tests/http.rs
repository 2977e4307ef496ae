//! The HTTP fetcher against a local server on 127.0.0.1 (never the internet).

use rigsize_prices::{Mode, Prices, Sort, Source};

mod common;
use common::{config, dead_base, fixture, serve};

#[test]
fn live_search_then_cache_hit() {
    let srv = serve(vec![(
        "/produktsuche",
        200,
        fixture("html_search_rtx_pro_6000.html"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &srv.base));
    let r = prices
        .search("RTX PRO 6000", Sort::PriceAsc, 5, Mode::Online)
        .unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.quotes.len(), 2);
    let q = &r.quotes[0];
    assert_eq!(q.source, Source::Live);
    assert_eq!(q.price_chf, 7691.0);
    assert_eq!(
        q.item_id, "rtx-pro-6000-ws",
        "known toppreise id maps to the catalog item"
    );
    assert!(q.url.as_deref().unwrap().starts_with(&srv.base));
    {
        let log = srv.log.lock().unwrap();
        assert_eq!(log.len(), 1);
        assert!(
            log[0]
                .0
                .starts_with("/produktsuche?q=RTX+PRO+6000&sort=price_asc"),
            "{}",
            log[0].0
        );
        assert_eq!(log[0].1, "rigsize-test");
    }
    // Second time: fresh cache, no request.
    let r2 = prices
        .search("rtx  pro 6000", Sort::PriceAsc, 5, Mode::Online)
        .unwrap();
    assert_eq!(r2.quotes.len(), 2);
    assert!(r2.quotes.iter().all(|q| q.source == Source::Cache));
    assert_eq!(srv.log.lock().unwrap().len(), 1);
}

#[test]
fn live_offers_via_product_page() {
    let srv = serve(vec![(
        "/price-comparison/",
        200,
        fixture("html_product_833823_markup.html"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &srv.base));
    // A real toppreise URL is rebased onto the local server.
    let r = prices
        .offers("https://www.toppreise.ch/price-comparison/Graphics-cards/NVIDIA-RTX-Pro-6000-Blackwell-Workstation-900-5G144-2200-000-p833823", Mode::Online)
        .unwrap();
    assert_eq!(r.quotes.len(), 3);
    assert_eq!(r.quotes[0].retailer, "Techmania");
    assert_eq!(r.quotes[0].item_id, "rtx-pro-6000-ws");
    assert!(srv.log.lock().unwrap()[0].0.ends_with("-p833823"));
    // Offers are in the history now.
    let h = prices.history("rtx-pro-6000-ws").unwrap();
    assert!(h
        .quotes
        .iter()
        .any(|q| q.source == Source::Cache && q.retailer == "Digitec"));
    assert!(h.quotes.iter().any(|q| q.source == Source::Snapshot));
}

#[test]
fn retries_on_server_error_then_falls_back_with_warning() {
    let srv = serve(vec![("/", 503, "busy".into())]);
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &srv.base));
    let r = prices
        .search("RTX PRO 6000", Sort::PriceAsc, 10, Mode::Online)
        .unwrap();
    assert_eq!(srv.log.lock().unwrap().len(), 2, "one retry");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("live price lookup failed") && w.contains("503")),
        "{:?}",
        r.warnings
    );
    assert!(!r.quotes.is_empty());
    assert!(r
        .quotes
        .iter()
        .all(|q| matches!(q.source, Source::Snapshot | Source::Estimate)));
}

#[test]
fn changed_layout_is_a_warning_naming_the_url_not_a_price() {
    let srv = serve(vec![(
        "/price-comparison/",
        200,
        fixture("html_product_changed_layout.html"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &srv.base));
    let r = prices.offers("p833823", Mode::Online).unwrap();
    let w = r.warnings.join("\n");
    assert!(
        w.contains("could not parse toppreise.ch product page"),
        "{w}"
    );
    assert!(
        w.contains(&format!("{}/price-comparison/-p833823", srv.base)),
        "{w}"
    );
    // Only the dated snapshot prices for that product, never a scraped figure.
    assert!(r.quotes.iter().all(|q| q.source != Source::Live));
    assert!(r
        .quotes
        .iter()
        .any(|q| q.price_chf == 7691.0 && q.observed_at == "2026-02-17"));
}

#[test]
fn unreachable_site_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &dead_base()));
    let r = prices
        .search("DGX Spark", Sort::PriceAsc, 3, Mode::Online)
        .unwrap();
    assert!(r
        .warnings
        .iter()
        .any(|w| w.contains("live price lookup failed")));
    assert_eq!(r.quotes.len(), 3);
    assert!(r.quotes.iter().all(|q| q.item_id == "dgx-spark"));
}

#[test]
fn refresh_uses_product_ids_and_search_terms() {
    let srv = serve(vec![
        (
            "/price-comparison/",
            200,
            fixture("html_product_833823.html"),
        ),
        (
            "/produktsuche",
            200,
            fixture("html_search_rtx_pro_6000.html"),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &srv.base));
    let mut seen = Vec::new();
    let report = prices
        .refresh(
            &["rtx-pro-6000-ws".to_string(), "rtx-5090".to_string()],
            &mut |p| seen.push((p.index, p.total, p.item_id.clone(), p.outcome.clone())),
        )
        .unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].1, 2);
    // rtx-pro-6000-ws has two toppreise ids -> two product pages, 3 offers each.
    assert_eq!(seen[0].3, Ok(6));
    // rtx-5090's search term matches nothing on the RTX PRO page: a per-item failure.
    assert!(seen[1].3.is_err());
    assert_eq!(report.refreshed, vec!["rtx-pro-6000-ws"]);
    assert_eq!(report.failed.len(), 1);
    let best = prices.best_price("rtx-pro-6000-ws", None).unwrap();
    assert_eq!(best.source, Source::Cache);
    assert_eq!(best.price_chf, 7691.0);
}
