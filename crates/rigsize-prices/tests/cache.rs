//! The SQLite cache: expiry, history, corrupted and foreign files.

use chrono::{Duration, Utc};
use rigsize_prices::cache::{Cache, FILE_NAME};
use rigsize_prices::{Condition, Mode, PriceQuote, Prices, Sort, Source};

mod common;
use common::{config, dead_base, fixture, serve};

fn quote(item: &str, price: f64) -> PriceQuote {
    PriceQuote {
        item_id: item.into(),
        name: "test".into(),
        price_chf: price,
        shipping_chf: None,
        retailer: "Shop".into(),
        url: Some("https://www.toppreise.ch/x-p1".into()),
        observed_at: String::new(),
        source: Source::Live,
        condition: Condition::New,
        note: None,
        flags: Vec::new(),
    }
}

#[test]
fn stale_entries_expire_and_trigger_a_live_fetch() {
    let srv = serve(vec![(
        "/produktsuche",
        200,
        fixture("html_search_rtx_pro_6000.html"),
    )]);
    let dir = tempfile::tempdir().unwrap();
    {
        let (cache, w) = Cache::open(dir.path()).unwrap();
        assert!(w.is_empty());
        let old = Utc::now() - Duration::days(8);
        cache
            .record(
                &[quote("rtx-pro-6000-ws", 9999.0)],
                "toppreise.ch",
                Some("rtx pro 6000"),
                old,
            )
            .unwrap();
    }
    let prices = Prices::new(config(dir.path(), &srv.base));
    let r = prices
        .search("RTX PRO 6000", Sort::PriceAsc, 5, Mode::Online)
        .unwrap();
    assert_eq!(
        srv.log.lock().unwrap().len(),
        1,
        "8-day-old cache is stale at max_age 7 days"
    );
    assert_eq!(r.quotes[0].source, Source::Live);

    // With max_age 10 days the same entry would have been fresh.
    let dir2 = tempfile::tempdir().unwrap();
    {
        let (cache, _) = Cache::open(dir2.path()).unwrap();
        cache
            .record(
                &[quote("rtx-pro-6000-ws", 9999.0)],
                "toppreise.ch",
                Some("rtx pro 6000"),
                Utc::now() - Duration::days(8),
            )
            .unwrap();
    }
    let mut cfg = config(dir2.path(), &dead_base());
    cfg.max_age = Duration::days(10);
    let r = Prices::new(cfg)
        .search("RTX PRO 6000", Sort::PriceAsc, 5, Mode::Online)
        .unwrap();
    assert_eq!(r.quotes.len(), 1);
    assert_eq!(r.quotes[0].source, Source::Cache);
    assert_eq!(r.quotes[0].price_chf, 9999.0);
}

#[test]
fn stale_cache_is_used_with_a_warning_when_offline_fetch_fails() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (cache, _) = Cache::open(dir.path()).unwrap();
        cache
            .record(
                &[quote("rtx-5090", 2500.0)],
                "toppreise.ch",
                Some("rtx 5090"),
                Utc::now() - Duration::days(30),
            )
            .unwrap();
    }
    let prices = Prices::new(config(dir.path(), &dead_base()));
    let r = prices
        .search("RTX 5090", Sort::PriceAsc, 5, Mode::Online)
        .unwrap();
    assert_eq!(r.quotes[0].source, Source::Cache);
    assert!(
        r.warnings.iter().any(|w| w.contains("older than 7 days")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn history_keeps_every_observation() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = Cache::open(dir.path()).unwrap();
    let now = Utc::now();
    cache
        .record(
            &[quote("rtx-5090", 2300.0)],
            "toppreise.ch",
            None,
            now - Duration::days(20),
        )
        .unwrap();
    cache
        .record(
            &[quote("rtx-5090", 2250.0), quote("rtx-5090", 2400.0)],
            "toppreise.ch",
            None,
            now,
        )
        .unwrap();
    let h = cache.history("rtx-5090").unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0].quote.price_chf, 2300.0);
    let latest = cache.latest_for_item("rtx-5090").unwrap();
    assert_eq!(latest.len(), 2);
    drop(cache);
    let prices = Prices::new(config(dir.path(), &dead_base()));
    let best = prices.best_price("rtx-5090", None).unwrap();
    assert_eq!((best.price_chf, best.source), (2250.0, Source::Cache));
    let hist = prices.history("rtx-5090").unwrap();
    assert!(hist.quotes.len() > 3);
    assert_eq!(hist.quotes.last().unwrap().source, Source::Cache);
}

#[test]
fn corrupted_file_is_moved_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(FILE_NAME), b"this is not a database, just garbage bytes ....................................................................................").unwrap();
    let prices = Prices::new(config(dir.path(), &dead_base()));
    assert!(prices.cache().is_some());
    let r = prices
        .search("DGX Spark", Sort::PriceAsc, 5, Mode::Offline)
        .unwrap();
    assert!(
        r.warnings.iter().any(|w| w.contains("moved it to")),
        "{:?}",
        r.warnings
    );
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".broken-"))
        .collect();
    assert_eq!(aside.len(), 1);
    // The rebuilt cache works.
    prices
        .cache()
        .unwrap()
        .record(&[quote("dgx-spark", 3000.0)], "t", None, Utc::now())
        .unwrap();
    // And opening it again is clean.
    let (_, w) = Cache::open(dir.path()).unwrap();
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn foreign_database_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
        conn.execute_batch(
            "CREATE TABLE photos(id INTEGER, data BLOB); INSERT INTO photos VALUES (1, x'00');",
        )
        .unwrap();
    }
    let (cache, w) = Cache::open(dir.path()).unwrap();
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("not a rigsize price cache"), "{w:?}");
    assert!(cache.history("x").unwrap().is_empty());
}

#[test]
fn offline_search_returns_dated_snapshot_observations() {
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &dead_base()));
    let r = prices
        .search("RTX PRO 6000", Sort::PriceAsc, 100, Mode::Offline)
        .unwrap();
    assert!(r.warnings.iter().any(|w| w.contains("not live")));
    let with_url: Vec<_> = r.quotes.iter().filter(|q| q.url.is_some()).collect();
    assert!(with_url.iter().any(|q| q.price_chf == 7691.0
        && q.observed_at == "2026-02-17"
        && q.source == Source::Snapshot));
    assert!(
        r.quotes
            .iter()
            .all(|q| q.item_id.starts_with("rtx-pro-6000")),
        "{:?}",
        r.quotes.iter().map(|q| &q.item_id).collect::<Vec<_>>()
    );
    assert!(r
        .quotes
        .windows(2)
        .all(|w| w[0].price_chf <= w[1].price_chf));
    // Nonexistent products (the NVLink bridge for RTX PRO 6000) are not offered.
    assert!(!r.quotes.iter().any(|q| q.item_id.contains("nvlink")));
}
