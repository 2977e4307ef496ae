//! `refresh`: live prices of many catalog items into the cache, one by one.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::live::LiveSource;
use crate::live_quote::{hit_quote, now_rfc3339, offer_quotes};
use crate::quote::{PriceQuote, Sort};
use crate::snapshot::{self, Item};
use crate::Prices;

/// Progress of [`Prices::refresh`], reported once per item.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshProgress {
    /// 1-based position.
    pub index: usize,
    pub total: usize,
    pub item_id: String,
    /// Number of prices stored, or the reason it failed.
    pub outcome: std::result::Result<usize, String>,
}

/// Outcome of a refresh.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshReport {
    pub quotes: Vec<PriceQuote>,
    pub refreshed: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

impl Prices {
    /// Refreshes live prices of `items` (empty = every catalog item with a
    /// toppreise product id or search term) into the cache. Items are fetched
    /// one by one (the HTTP client spaces requests); a failure is reported per
    /// item and does not stop the rest.
    pub fn refresh(
        &self,
        items: &[String],
        progress: &mut dyn FnMut(&RefreshProgress),
    ) -> Result<RefreshReport> {
        let mut report = RefreshReport {
            warnings: self.warnings(),
            ..Default::default()
        };
        let targets = self.refresh_targets(items)?;
        let live = match self.live() {
            Ok(l) => l,
            Err(e) => {
                report
                    .warnings
                    .push(format!("no live price source ({e}); nothing refreshed"));
                return Ok(report);
            }
        };
        let total = targets.len();
        for (n, item) in targets.into_iter().enumerate() {
            let now = Utc::now();
            let outcome = self.refresh_one(live, item, now);
            let p = RefreshProgress {
                index: n + 1,
                total,
                item_id: item.id.clone(),
                outcome: outcome.as_ref().map(Vec::len).map_err(|e| e.to_string()),
            };
            progress(&p);
            match outcome {
                Ok(q) => {
                    self.record(&q, &live.label(), None, now, &mut report.warnings);
                    report.refreshed.push(item.id.clone());
                    report.quotes.extend(q);
                }
                Err(e) => report.failed.push((item.id.clone(), e.to_string())),
            }
        }
        Ok(report)
    }

    /// The items named, or every existing item a live lookup can find.
    fn refresh_targets(&self, items: &[String]) -> Result<Vec<&'static Item>> {
        if items.is_empty() {
            return Ok(self
                .snapshot
                .items
                .iter()
                .filter(|i| i.exists() && (!i.toppreise_ids.is_empty() || i.search_term.is_some()))
                .collect());
        }
        items
            .iter()
            .map(|id| {
                self.snapshot
                    .item(id)
                    .ok_or_else(|| Error::Invalid(format!("unknown item '{id}'")))
            })
            .collect()
    }

    pub(crate) fn refresh_one(
        &self,
        live: &dyn LiveSource,
        item: &Item,
        now: DateTime<Utc>,
    ) -> Result<Vec<PriceQuote>> {
        let at = now_rfc3339(now);
        if !item.toppreise_ids.is_empty() {
            let mut out = Vec::new();
            for pid in &item.toppreise_ids {
                let page = live.offers(pid)?;
                out.extend(offer_quotes(self.snapshot, &page, &at, Some(&item.id)));
            }
            return Ok(out);
        }
        let term = item.search_term.as_deref().unwrap_or(&item.name);
        let page = live.search(term, Sort::Relevance, 20)?;
        let want = snapshot::tokens(term);
        // Only products whose name contains every word of the term count:
        // a search also returns accessories and neighbours.
        let hits: Vec<PriceQuote> = page
            .hits
            .iter()
            .filter(|h| {
                let name = snapshot::tokens(&h.name);
                want.iter().all(|w| name.contains(w))
            })
            .map(|h| {
                let mut q = hit_quote(self.snapshot, h, &live.label(), &at);
                q.item_id = item.id.clone();
                q
            })
            .collect();
        if hits.is_empty() {
            return Err(Error::Invalid(format!("no search result matches '{term}'")));
        }
        Ok(hits)
    }
}
