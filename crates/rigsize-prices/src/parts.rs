//! `plan --live`: refresh the parts of the top builds through the live source.
//!
//! A planner prices its builds from the dated snapshot; before a purchase the
//! few parts of its best builds are worth a live look. Each part gets the
//! cheapest new offer found now, or keeps its cached / snapshot price with the
//! stated reason — a failed lookup never drops a part or stops the rest.

use chrono::Utc;
use serde::Serialize;

use crate::quote::{Condition, PriceQuote, Source};
use crate::{Config, Prices, RefreshProgress};

/// One part after a live refresh.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LivePart {
    pub item_id: String,
    /// The price to use: the cheapest new live offer, else the fallback
    /// (latest cached live price, else the snapshot's headline price).
    /// `None` when nothing prices the item at all.
    pub quote: Option<PriceQuote>,
    /// Why the part did not get a live price; `None` when it did.
    pub fallback: Option<String>,
}

/// Every requested part, in request order (duplicates removed).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiveParts {
    pub parts: Vec<LivePart>,
    pub warnings: Vec<String>,
}

impl LiveParts {
    /// The refreshed part `item_id`, if it was requested.
    pub fn get(&self, item_id: &str) -> Option<&LivePart> {
        self.parts.iter().find(|p| p.item_id == item_id)
    }

    /// How many parts got a live price.
    pub fn live_count(&self) -> usize {
        self.parts.iter().filter(|p| p.fallback.is_none()).count()
    }
}

impl Prices {
    /// Looks up live prices of `item_ids` (the parts of the builds a planner
    /// shows), one item at a time with `progress` after each, storing every
    /// answer in the cache. A part that cannot be refreshed keeps its latest
    /// cached or snapshot price and says why.
    pub fn live_parts(
        &self,
        item_ids: &[String],
        progress: &mut dyn FnMut(&RefreshProgress),
    ) -> LiveParts {
        let mut ids: Vec<&str> = Vec::new();
        for id in item_ids {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        let mut out = LiveParts {
            warnings: self.warnings(),
            ..Default::default()
        };
        let live = self.live();
        if let Err(e) = &live {
            out.warnings.push(format!(
                "no live price source ({e}); parts keep their stored prices"
            ));
        }
        let total = ids.len();
        for (n, id) in ids.into_iter().enumerate() {
            let mut fetched = 0;
            let part = match (&live, self.snapshot.item(id)) {
                (_, None) => self.fallback(id, "not a priced catalog item".into()),
                (Err(e), Some(_)) => self.fallback(id, format!("no live price source ({e})")),
                (Ok(_), Some(item))
                    if item.toppreise_ids.is_empty() && item.search_term.is_none() =>
                {
                    self.fallback(
                        id,
                        "no toppreise product id or search term to look it up".into(),
                    )
                }
                (Ok(l), Some(item)) => {
                    let now = Utc::now();
                    match self.refresh_one(*l, item, now) {
                        Ok(quotes) => {
                            fetched = quotes.len();
                            self.record(&quotes, &l.label(), None, now, &mut out.warnings);
                            let best = quotes
                                .into_iter()
                                .filter(|q| q.condition == Condition::New)
                                .min_by(|a, b| a.price_chf.total_cmp(&b.price_chf));
                            match best {
                                Some(q) => LivePart {
                                    item_id: id.to_string(),
                                    quote: Some(q),
                                    fallback: None,
                                },
                                None => {
                                    self.fallback(id, "the live source listed no new offer".into())
                                }
                            }
                        }
                        Err(e) => self.fallback(id, format!("live lookup failed ({e})")),
                    }
                }
            };
            progress(&RefreshProgress {
                index: n + 1,
                total,
                item_id: id.to_string(),
                outcome: match &part.fallback {
                    None => Ok(fetched),
                    Some(why) => Err(why.clone()),
                },
            });
            out.parts.push(part);
        }
        out
    }

    /// The stored price of `id` with the reason it was not refreshed: the
    /// cheapest offer of the latest cached fetch, else the snapshot headline.
    fn fallback(&self, id: &str, reason: String) -> LivePart {
        let cached = self
            .cache()
            .and_then(|c| c.latest_for_item(id).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.quote)
            .filter(|q| q.condition == Condition::New)
            .min_by(|a, b| a.price_chf.total_cmp(&b.price_chf));
        let quote = cached.or_else(|| self.snapshot.headline(id).map(|p| p.to_quote()));
        let kept = match &quote {
            Some(q) if q.source == Source::Cache => {
                format!("kept the cached price of {}", q.observed_at)
            }
            Some(q) => format!("kept the {} price of {}", q.source.as_str(), q.observed_at),
            None => "no stored price".into(),
        };
        LivePart {
            item_id: id.to_string(),
            quote,
            fallback: Some(format!("{reason}; {kept}")),
        }
    }
}

/// Convenience: `plan --live` via a session from the environment
/// ([`Prices::live_parts`]).
pub fn live_parts(item_ids: &[String], progress: &mut dyn FnMut(&RefreshProgress)) -> LiveParts {
    Prices::new(Config::from_env()).live_parts(item_ids, progress)
}
