//! How old a dated price is, from a today-date the caller passes in.
//!
//! No clock here: the crate stays pure and testable; the CLI or server passes
//! today's date, and every report can open with "prices of 2026-02-17, 291
//! days old".

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::snapshot::{is_iso_date, Snapshot};

/// The age of a dated figure on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceAge {
    /// The figure's date as written (`2026-02-17`, or `2026-02` month precision).
    pub date: String,
    /// The day the age is counted to.
    pub today: String,
    /// Whole days from `date` (its first day when less precise) to `today`.
    pub days: i64,
}

impl fmt::Display for PriceAge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = if self.days == 1 { "day" } else { "days" };
        write!(f, "prices of {}, {} {unit} old", self.date, self.days)
    }
}

/// Day number of a civil date (days since 1970-01-01), proleptic Gregorian.
fn day_number(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    day_number(if m == 12 { y + 1 } else { y }, m % 12 + 1, 1) - day_number(y, m, 1)
}

/// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` to a day number (the first day of
/// a year or month); `None` for anything else or an impossible day.
pub fn parse_day(s: &str) -> Option<i64> {
    if !is_iso_date(s) {
        return None;
    }
    let mut it = s.split('-').map(|p| p.parse::<i64>().ok());
    let y = it.next()??;
    let m = it.next().unwrap_or(Some(1))?;
    let d = it.next().unwrap_or(Some(1))?;
    (d <= days_in_month(y, m)).then(|| day_number(y, m, d))
}

/// Age of `date` on `today` (both ISO dates). Errors on a malformed date and
/// on a `today` before `date`, which means a wrong clock, not a fresh price.
pub fn age(date: &str, today: &str) -> Result<PriceAge> {
    let bad = |what: &str, v: &str| {
        Error::Invalid(format!("{what} '{v}' is not an ISO date (YYYY-MM-DD)"))
    };
    let from = parse_day(date).ok_or_else(|| bad("price date", date))?;
    let to = parse_day(today).ok_or_else(|| bad("today's date", today))?;
    if to < from {
        return Err(Error::Invalid(format!(
            "today's date {today} is before the price date {date}: check the system clock"
        )));
    }
    Ok(PriceAge {
        date: date.to_string(),
        today: today.to_string(),
        days: to - from,
    })
}

impl Snapshot {
    /// The snapshot's age on `today`: `prices of 2026-02-17, 291 days old`.
    pub fn age(&self, today: &str) -> Result<PriceAge> {
        age(&self.meta.snapshot_date, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_counts_291_days() {
        let a = age("2026-02-17", "2026-12-05").unwrap();
        assert_eq!(a.days, 291);
        assert_eq!(a.to_string(), "prices of 2026-02-17, 291 days old");
    }

    #[test]
    fn days_cross_leap_years_and_month_precision() {
        assert_eq!(age("2024-02-28", "2024-03-01").unwrap().days, 2);
        assert_eq!(age("2023-02-28", "2023-03-01").unwrap().days, 1);
        assert_eq!(
            age("2025-12-31", "2026-01-01").unwrap().to_string(),
            "prices of 2025-12-31, 1 day old"
        );
        assert_eq!(age("2026-02", "2026-03-01").unwrap().days, 28);
        assert_eq!(age("2026-02-17", "2026-02-17").unwrap().days, 0);
    }

    #[test]
    fn bad_dates_and_a_clock_before_the_snapshot_are_errors() {
        assert!(age("2026-02-30", "2026-12-05").is_err());
        assert!(age("2026-02-17", "yesterday").is_err());
        let e = age("2026-02-17", "2025-01-01").unwrap_err().to_string();
        assert!(e.contains("before the price date"), "{e}");
    }

    #[test]
    fn embedded_snapshot_age_uses_its_date() {
        let s = Snapshot::embedded();
        let a = s.age("2026-12-05").unwrap();
        assert_eq!(a.date, s.meta.snapshot_date);
        assert!(a.days > 0);
    }
}
