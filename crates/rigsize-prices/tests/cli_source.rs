//! toppreise-cli as the first live source, via a stand-in script that prints fixtures.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;

use rigsize_prices::{CliChoice, Mode, Prices, Sort, Source};

mod common;
use common::{config, dead_base, fixture_path};

fn fake_cli(dir: &std::path::Path, offers_fixture: &str) -> std::path::PathBuf {
    let p = dir.join("toppreise-cli");
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{log}'\ncase \"$1\" in\n  search) cat '{search}' ;;\n  product) cat '{offers}' ;;\n  *) echo unknown >&2; exit 2 ;;\nesac\n",
        log = dir.join("calls.log").display(),
        search = fixture_path("cli_search_rtx_pro_6000.md").display(),
        offers = fixture_path(offers_fixture).display(),
    );
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn cli_is_used_before_http() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), &dead_base());
    cfg.cli = CliChoice::Program(fake_cli(dir.path(), "cli_product_833823_offers.md"));
    let prices = Prices::new(cfg);
    let r = prices
        .search("RTX PRO 6000", Sort::PriceAsc, 5, Mode::Online)
        .unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.quotes.len(), 3);
    assert_eq!(
        r.quotes[0].observed_at, "2026-02-17 09:41 UTC",
        "toppreise-cli's Data from timestamp"
    );
    assert!(r.quotes[0].retailer.starts_with("toppreise-cli"));
    let r = prices.offers("p833823", Mode::Online).unwrap();
    assert_eq!(r.quotes.len(), 4);
    assert_eq!(r.quotes[0].source, Source::Live);
    assert_eq!(r.quotes[0].shipping_chf, Some(0.0));
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    assert!(
        calls.contains("search RTX PRO 6000 --limit 5 --sort price-asc"),
        "{calls}"
    );
    assert!(
        calls.contains("product p833823 --section offers"),
        "{calls}"
    );
}

#[test]
fn cli_output_change_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), &dead_base());
    cfg.cli = CliChoice::Program(fake_cli(dir.path(), "cli_offers_changed.md"));
    let r = Prices::new(cfg).offers("833823", Mode::Online).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("could not parse toppreise-cli offers table")),
        "{:?}",
        r.warnings
    );
    // Nothing is passed off as live: the stored (snapshot or estimate) prices.
    assert!(!r.quotes.is_empty());
    assert!(r
        .quotes
        .iter()
        .all(|q| matches!(q.source, Source::Snapshot | Source::Estimate)));
}
