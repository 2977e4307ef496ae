//! The three questions a session answers — search, offers, history — each
//! from the best source available: live, then the cache, then the snapshot.

use chrono::Utc;

use crate::cache;
use crate::error::{Error, Result};
use crate::live_quote::{hit_quote, item_id_for, now_rfc3339, offer_quotes};
use crate::parse::{self, normalize_product_ref};
use crate::quote::{Mode, PriceQuote, Quotes, Sort, Source};
use crate::snapshot::{Item, PriceRecord};
use crate::Prices;

/// `quotes` in `sort` order, the first `limit` kept.
fn sorted(mut quotes: Vec<PriceQuote>, sort: Sort, limit: usize) -> Vec<PriceQuote> {
    sort.apply(&mut quotes);
    quotes.truncate(limit);
    quotes
}

impl Prices {
    /// Searches prices. Offline: snapshot (and cached) prices of catalog items
    /// whose id, search term or name matches every word. Online: a fresh cached
    /// answer, else a live search (stored in the cache); if that fails, the
    /// offline answer with a warning.
    pub fn search(&self, query: &str, sort: Sort, limit: usize, mode: Mode) -> Result<Quotes> {
        let mut warnings = self.warnings();
        if query.trim().is_empty() {
            return Err(Error::Invalid("empty search query".into()));
        }
        if mode == Mode::Online {
            if let Some(quotes) = self.search_online(query, sort, limit, &mut warnings) {
                return Ok(Quotes { quotes, warnings });
            }
        }
        let quotes = self.search_offline(query, &mut warnings);
        Ok(Quotes {
            quotes: sorted(quotes, sort, limit),
            warnings,
        })
    }

    /// A fresh cached answer, else a live one (stored in the cache), else a
    /// stale cached one with a warning; `None` sends the caller offline.
    fn search_online(
        &self,
        query: &str,
        sort: Sort,
        limit: usize,
        warnings: &mut Vec<String>,
    ) -> Option<Vec<PriceQuote>> {
        let now = Utc::now();
        let cached = self
            .cache
            .as_ref()
            .and_then(|c| c.latest_for_query(query).ok())
            .unwrap_or_default();
        if let Some(first) = cached.first() {
            if cache::is_fresh(first.fetched_at, now, self.config.max_age) {
                let quotes = cached.into_iter().map(|c| c.quote).collect();
                return Some(sorted(quotes, sort, limit));
            }
        }
        match self.live().and_then(|l| {
            l.search(query, sort, limit)
                .map(|p| (l.label(), p))
                .map_err(|e| e.to_string())
        }) {
            Ok((label, page)) => {
                let at = page.data_from.clone().unwrap_or_else(|| now_rfc3339(now));
                let quotes: Vec<PriceQuote> = page
                    .hits
                    .iter()
                    .map(|h| hit_quote(self.snapshot, h, &label, &at))
                    .collect();
                self.record(
                    &quotes,
                    &label,
                    Some(&cache::normalize_query(query)),
                    now,
                    warnings,
                );
                Some(sorted(quotes, sort, limit))
            }
            Err(e) => {
                warnings.push(format!("live price lookup failed ({e}); showing cached and snapshot prices with their dates"));
                let first = cached.first()?;
                warnings.push(format!(
                    "cached search result from {} is older than {} days",
                    now_rfc3339(first.fetched_at),
                    self.config.max_age.num_days()
                ));
                let quotes = cached.into_iter().map(|c| c.quote).collect();
                Some(sorted(quotes, sort, limit))
            }
        }
    }

    /// Cached and snapshot prices of the catalog items matching `query`,
    /// unsorted, with a warning saying they are not live.
    fn search_offline(&self, query: &str, warnings: &mut Vec<String>) -> Vec<PriceQuote> {
        let mut quotes = Vec::new();
        for item in self.snapshot.find_items(query) {
            if let Some(c) = &self.cache {
                if let Ok(rows) = c.latest_for_item(&item.id) {
                    quotes.extend(rows.into_iter().map(|r| r.quote));
                }
            }
            quotes.extend(
                self.snapshot
                    .prices
                    .iter()
                    .filter(|p| p.item_id == item.id)
                    .map(PriceRecord::to_quote),
            );
        }
        if let Some(oldest) = quotes
            .iter()
            .filter(|q| q.source == Source::Snapshot)
            .map(|q| q.observed_at.as_str())
            .max()
        {
            warnings.push(format!(
                "offline prices: snapshot of {} (observations up to {oldest}), not live",
                self.snapshot.meta.snapshot_date
            ));
        }
        if quotes.is_empty() {
            warnings.push(format!("no snapshot or cached price matches '{query}'"));
        }
        quotes
    }

    /// Offers of one product: a toppreise id (`833823`, `p833823`), a toppreise
    /// URL, or a catalog item id with a known toppreise product.
    pub fn offers(&self, product: &str, mode: Mode) -> Result<Quotes> {
        let mut warnings = self.warnings();
        let item = self.snapshot.item(product);
        let product_ref = product_ref(item, product, mode)?;
        let pid = normalize_product_ref(&product_ref);
        let item_id = item
            .map(|i| i.id.clone())
            .unwrap_or_else(|| item_id_for(self.snapshot, pid.as_deref()));
        if mode == Mode::Online {
            if let Some(quotes) = self.offers_online(&product_ref, &item_id, &mut warnings) {
                return Ok(Quotes { quotes, warnings });
            }
        }
        let mut quotes = self.offers_offline(&item_id, &pid);
        if quotes.is_empty() {
            warnings.push(format!("no cached or snapshot price for '{product}'"));
        } else {
            warnings.push("offline prices (cache/snapshot), not live".into());
        }
        Sort::PriceAsc.apply(&mut quotes);
        Ok(Quotes { quotes, warnings })
    }

    /// The live offers, cheapest first and stored in the cache; `None` (and a
    /// warning) when the lookup fails.
    fn offers_online(
        &self,
        product_ref: &str,
        item_id: &str,
        warnings: &mut Vec<String>,
    ) -> Option<Vec<PriceQuote>> {
        let now = Utc::now();
        match self.live().and_then(|l| {
            l.offers(product_ref)
                .map(|p| (l.label(), p))
                .map_err(|e| e.to_string())
        }) {
            Ok((label, page)) => {
                let at = page.data_from.clone().unwrap_or_else(|| now_rfc3339(now));
                let mut quotes = offer_quotes(self.snapshot, &page, &at, Some(item_id));
                self.record(&quotes, &label, None, now, warnings);
                Sort::PriceAsc.apply(&mut quotes);
                Some(quotes)
            }
            Err(e) => {
                warnings.push(format!(
                    "live offer lookup failed ({e}); showing cached and snapshot prices with their dates"
                ));
                None
            }
        }
    }

    /// The item's cached prices, then its snapshot prices (matched by item
    /// id or by the product id in their URL), unsorted.
    fn offers_offline(&self, item_id: &str, pid: &Option<String>) -> Vec<PriceQuote> {
        let mut quotes: Vec<PriceQuote> = self
            .cache
            .as_ref()
            .and_then(|c| c.latest_for_item(item_id).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.quote)
            .collect();
        quotes.extend(
            self.snapshot
                .prices
                .iter()
                .filter(|p| {
                    p.item_id == item_id
                        || pid.is_some()
                            && p.url.as_deref().and_then(parse::product_id_from_url) == *pid
                })
                .map(PriceRecord::to_quote),
        );
        quotes
    }

    /// Price history of an item: snapshot observations then every cached live
    /// observation, oldest first.
    pub fn history(&self, item_id: &str) -> Result<Quotes> {
        let mut warnings = self.warnings();
        if self.snapshot.item(item_id).is_none() && !item_id.starts_with("toppreise-p") {
            return Err(Error::Invalid(format!("unknown item '{item_id}'")));
        }
        let mut quotes: Vec<PriceQuote> = self
            .snapshot
            .prices
            .iter()
            .filter(|p| p.item_id == item_id)
            .map(PriceRecord::to_quote)
            .collect();
        // Retired figures belong to the history, marked so none is taken for a price.
        quotes.extend(
            self.snapshot
                .retired
                .iter()
                .filter(|p| p.item_id == item_id)
                .map(|p| {
                    let mut q = p.to_quote();
                    let why = p.retired.as_deref().unwrap_or_default();
                    q.note = Some(format!("RETIRED, not used for pricing: {why}"));
                    q
                }),
        );
        quotes.sort_by(|a, b| a.observed_at.cmp(&b.observed_at));
        if let Some(c) = &self.cache {
            match c.history(item_id) {
                Ok(rows) => quotes.extend(rows.into_iter().map(|r| r.quote)),
                Err(e) => warnings.push(format!("could not read cached history: {e}")),
            }
        }
        Ok(Quotes { quotes, warnings })
    }
}

/// What to look up for `product`: a catalog item's first toppreise id, else
/// `product` itself when it reads as a toppreise id or URL.
fn product_ref(item: Option<&Item>, product: &str, mode: Mode) -> Result<String> {
    Ok(match item {
        Some(i) => match i.toppreise_ids.first() {
            Some(p) => p.clone(),
            None if mode == Mode::Offline => String::new(),
            None => {
                return Err(Error::Invalid(format!(
                    "item '{product}' has no toppreise product id; try `prices search`"
                )))
            }
        },
        None => {
            if normalize_product_ref(product).is_none() && !product.contains("://") {
                return Err(Error::Invalid(format!(
                    "'{product}' is neither a catalog item, a toppreise product id nor a URL"
                )));
            }
            product.to_string()
        }
    })
}
