//! Flags a price carries to the reader, and the consistency rules that demand them.
//!
//! A figure that contradicts another figure of the same product (an MSRP
//! estimate below what shops charged, a larger memory configuration cheaper
//! than a smaller one) may still be the best the snapshot has, but it must not
//! pass silently: the snapshot file carries the flag, the parser refuses an
//! unflagged contradiction, and every report can show it ([`Snapshot::flags_for`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::quote::{Condition, Source};
use crate::snapshot::{PriceRecord, Snapshot};

/// Why a price needs a caveat next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriceFlag {
    /// Converted, author-estimated or MSRP-derived: no Swiss shop showed this figure.
    Estimate,
    /// An MSRP-derived estimate below an observed price of the same product line.
    MsrpBelowObserved,
    /// A larger memory configuration of the same system priced below a smaller one.
    LargerConfigCheaper,
    /// From a research draft the author later deleted; the final research does not confirm it.
    DraftFigure,
}

impl PriceFlag {
    /// The kebab-case name used in `data/prices.toml` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PriceFlag::Estimate => "estimate",
            PriceFlag::MsrpBelowObserved => "msrp-below-observed",
            PriceFlag::LargerConfigCheaper => "larger-config-cheaper",
            PriceFlag::DraftFigure => "draft-figure",
        }
    }

    /// Parses a name written in the snapshot. `estimate` is not accepted there:
    /// it follows from `source = "estimate"`.
    pub fn parse_data(s: &str) -> Option<PriceFlag> {
        match s {
            "msrp-below-observed" => Some(PriceFlag::MsrpBelowObserved),
            "larger-config-cheaper" => Some(PriceFlag::LargerConfigCheaper),
            "draft-figure" => Some(PriceFlag::DraftFigure),
            _ => None,
        }
    }

    /// One line for a report.
    pub fn explain(self) -> &'static str {
        match self {
            PriceFlag::Estimate => "no Swiss shop price observed (converted, author's or MSRP-derived figure)",
            PriceFlag::MsrpBelowObserved => "launch-MSRP estimate below the observed shop price of the same product line: the real price is likely higher",
            PriceFlag::LargerConfigCheaper => "a larger memory configuration of the same system is priced below a smaller one (different sources or dates)",
            PriceFlag::DraftFigure => "figure from a deleted research draft, not confirmed by the final research",
        }
    }
}

/// A flag as a report shows it: which item, which flag, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagNote {
    pub item_id: String,
    pub flag: PriceFlag,
    pub explanation: String,
}

impl Snapshot {
    /// The price a buyer of a new `item_id` is quoted by default, the planner's
    /// order without its purchase policy: observed before estimate, newest
    /// observation, then cheapest. Exact id only (variants are other items).
    pub fn headline(&self, item_id: &str) -> Option<&PriceRecord> {
        self.prices
            .iter()
            .filter(|p| p.item_id == item_id && p.condition == Condition::New)
            .min_by(|a, b| {
                (a.source == Source::Estimate)
                    .cmp(&(b.source == Source::Estimate))
                    .then(b.observed_at.cmp(&a.observed_at))
                    .then(a.price_chf.total_cmp(&b.price_chf))
            })
    }

    /// Flags of the price [`Snapshot::headline`] picks for `item_id` (its data
    /// flags, plus `estimate` when it is one). Empty when unpriced.
    pub fn flags_for(&self, item_id: &str) -> Vec<FlagNote> {
        self.headline(item_id)
            .map(record_flags)
            .unwrap_or_default()
            .into_iter()
            .map(|flag| FlagNote {
                item_id: item_id.to_string(),
                flag,
                explanation: flag.explain().to_string(),
            })
            .collect()
    }

    /// Records that contradict another figure without carrying the flag the
    /// contradiction demands: `(record line, flag, why)`. The parser rejects a
    /// snapshot with any.
    pub fn unflagged_contradictions(&self) -> Vec<(usize, PriceFlag, String)> {
        let mut out = Vec::new();
        let line_of = |id: &str| {
            self.item(id)
                .and_then(|i| i.product_line.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let mut lines: HashMap<String, Vec<&str>> = HashMap::new();
        for item in self.items.iter().filter(|i| i.exists()) {
            lines.entry(line_of(&item.id)).or_default().push(&item.id);
        }
        for p in self.prices.iter().filter(|p| p.is_msrp_derived()) {
            let observed = lines[&line_of(&p.item_id)]
                .iter()
                .filter_map(|id| self.headline(id))
                .filter(|h| h.source == Source::Snapshot)
                .max_by(|a, b| a.price_chf.total_cmp(&b.price_chf));
            if let Some(o) = observed {
                if p.price_chf < o.price_chf && !p.flags.contains(&PriceFlag::MsrpBelowObserved) {
                    out.push((
                        p.line,
                        PriceFlag::MsrpBelowObserved,
                        format!(
                            "{}: MSRP estimate CHF {:.2} is below the observed CHF {:.2} of {} ({})",
                            p.item_id, p.price_chf, o.price_chf, o.item_id, o.retailer
                        ),
                    ));
                }
            }
        }
        for ids in lines.values() {
            out.extend(self.config_inversions(ids));
        }
        out.sort_by_key(|c| c.0);
        out
    }

    /// Larger memory configurations of one product line priced below smaller ones.
    fn config_inversions(&self, ids: &[&str]) -> Vec<(usize, PriceFlag, String)> {
        let sized: Vec<(f64, &PriceRecord)> = ids
            .iter()
            .filter_map(|id| Some((self.item(id)?.memory_gb?, self.headline(id)?)))
            .collect();
        let mut out = Vec::new();
        for (big_gb, big) in &sized {
            let undercut = sized.iter().find(|(small_gb, small)| {
                small_gb < big_gb && big.price_chf < small.price_chf
            });
            if let Some((small_gb, small)) = undercut {
                if !big.flags.contains(&PriceFlag::LargerConfigCheaper) {
                    out.push((
                        big.line,
                        PriceFlag::LargerConfigCheaper,
                        format!(
                            "{} ({big_gb} GB) at CHF {:.2} is below {} ({small_gb} GB) at CHF {:.2}",
                            big.item_id, big.price_chf, small.item_id, small.price_chf
                        ),
                    ));
                }
            }
        }
        out
    }
}

/// Flags of one record: written ones plus `estimate` from its source.
pub fn record_flags(p: &PriceRecord) -> Vec<PriceFlag> {
    let mut f = Vec::new();
    if p.source == Source::Estimate {
        f.push(PriceFlag::Estimate);
    }
    f.extend(p.flags.iter().copied());
    f
}
