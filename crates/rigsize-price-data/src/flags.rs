//! Flags a price carries to the reader, and the consistency rules that demand them.
//!
//! A figure that contradicts another figure of the same product (an MSRP
//! estimate below what shops charged, a larger memory configuration cheaper
//! than a smaller one) may still be the best the snapshot has, but it must not
//! pass silently: the snapshot file carries the flag, the parser refuses an
//! unflagged contradiction, and every report can show it ([`Snapshot::flags_for`]).

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

    /// Flags of the price [`Snapshot::headline`] picks for `item_id`, each
    /// with the figures behind it. Empty when the item is unpriced.
    pub fn flags_for(&self, item_id: &str) -> Vec<FlagNote> {
        self.headline(item_id)
            .map(|p| self.notes_for(p))
            .unwrap_or_default()
    }

    /// Flags of one record (the one a caller chose by its own policy), each
    /// with the figures behind it.
    pub fn notes_for(&self, p: &PriceRecord) -> Vec<FlagNote> {
        record_flags(p)
            .into_iter()
            .map(|flag| FlagNote {
                item_id: p.item_id.clone(),
                flag,
                explanation: match self.contradiction(p, flag) {
                    Some(why) => format!("{}: {why}", flag.explain()),
                    None => flag.explain().to_string(),
                },
            })
            .collect()
    }

    /// Records that contradict another figure without carrying the flag the
    /// contradiction demands: `(record line, flag, why)`. The parser rejects a
    /// snapshot with any.
    pub fn unflagged_contradictions(&self) -> Vec<(usize, PriceFlag, String)> {
        let mut out = Vec::new();
        for p in &self.prices {
            for flag in [PriceFlag::MsrpBelowObserved, PriceFlag::LargerConfigCheaper] {
                if p.flags.contains(&flag) {
                    continue;
                }
                if let Some(why) = self.contradiction(p, flag) {
                    out.push((p.line, flag, format!("{}: {why}", p.item_id)));
                }
            }
        }
        out
    }

    /// Ids of the product line `item_id` belongs to (itself when it has none).
    fn line_members<'a>(&'a self, item_id: &'a str) -> Vec<&'a str> {
        let line = self.item(item_id).and_then(|i| i.product_line.as_deref());
        match line {
            None => vec![item_id],
            Some(l) => self
                .items
                .iter()
                .filter(|i| i.exists() && i.product_line.as_deref() == Some(l))
                .map(|i| i.id.as_str())
                .collect(),
        }
    }

    /// Whether `p` shows the contradiction `flag` names, and the figures if so.
    /// `MsrpBelowObserved`: an MSRP estimate below the highest observed
    /// headline price of its product line. `LargerConfigCheaper`: a headline
    /// price below the headline of a smaller memory configuration of its line.
    fn contradiction(&self, p: &PriceRecord, flag: PriceFlag) -> Option<String> {
        let headlines = || {
            self.line_members(&p.item_id)
                .into_iter()
                .filter_map(|id| self.headline(id))
        };
        match flag {
            PriceFlag::MsrpBelowObserved if p.is_msrp_derived() => {
                let o = headlines()
                    .filter(|h| h.source == Source::Snapshot)
                    .max_by(|a, b| a.price_chf.total_cmp(&b.price_chf))?;
                (p.price_chf < o.price_chf).then(|| {
                    format!(
                        "MSRP estimate CHF {:.2} is below the observed CHF {:.2} of {} ({}, {})",
                        p.price_chf, o.price_chf, o.item_id, o.retailer, o.observed_at
                    )
                })
            }
            PriceFlag::LargerConfigCheaper => {
                let gb = self.item(&p.item_id)?.memory_gb?;
                if !std::ptr::eq(self.headline(&p.item_id)?, p) {
                    return None;
                }
                let (small_gb, small) = headlines()
                    .filter_map(|h| Some((self.item(&h.item_id)?.memory_gb?, h)))
                    .find(|(small_gb, small)| *small_gb < gb && p.price_chf < small.price_chf)?;
                Some(format!(
                    "{gb} GB at CHF {:.2} is below {} ({small_gb} GB) at CHF {:.2}",
                    p.price_chf, small.item_id, small.price_chf
                ))
            }
            _ => None,
        }
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
