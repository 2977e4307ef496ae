//! Price history keeps retired snapshot figures visible, with their reason.

use rigsize_prices::Prices;

mod common;
use common::{config, dead_base};

#[test]
fn history_shows_retired_figures_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let prices = Prices::new(config(dir.path(), &dead_base()));
    let h = prices
        .history("kingston-fury-beast-ddr5-5600-64g-cl36")
        .unwrap();
    assert!(!h.quotes.is_empty());
    assert!(h.quotes.iter().all(|q| q
        .note
        .as_deref()
        .is_some_and(|n| n.starts_with("RETIRED, not used for pricing") && n.contains("629"))));
    // ... and best_price never takes them.
    assert!(prices
        .best_price("kingston-fury-beast-ddr5-5600-64g-cl36", None)
        .is_none());
}
