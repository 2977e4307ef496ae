//! The one place the price crates read a clock: today's date for the age of
//! a price. The pure crates (rigsize-price-data, the planner) take the date as
//! an argument.

use crate::{PriceAge, Result, Snapshot};

/// Today's date (YYYY-MM-DD) for price ages: `RIGSIZE_TODAY` when set (for
/// reproducible output and tests), else the local clock. The pure crates take
/// the date as an argument; this is the one place that reads a clock for them.
pub fn today() -> String {
    match std::env::var("RIGSIZE_TODAY") {
        Ok(d) if !d.trim().is_empty() => d.trim().to_string(),
        _ => chrono::Local::now().date_naive().to_string(),
    }
}

/// The embedded snapshot's age today: "prices of 2026-02-17, 291 days old".
pub fn snapshot_age() -> Result<PriceAge> {
    Snapshot::embedded().age(&today())
}
