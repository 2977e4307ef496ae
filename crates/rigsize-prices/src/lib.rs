//! rigsize-prices: Swiss (CHF) hardware prices with their provenance.
//!
//! Three layers, each labelled on every [`PriceQuote`] (`source`):
//! - a dated snapshot compiled into the binary (`data/prices.toml`) so rigsize
//!   always has a price offline — `snapshot`, or `estimate` when converted/derived;
//! - live lookups via `toppreise-cli` (if on PATH) or toppreise.ch pages — `live`;
//! - a SQLite cache of every live lookup, for freshness and history — `cache`.
//!
//! Offline or failed fetches are not errors: the answer carries the best cached
//! or snapshot price with its date and a warning ([`Quotes::warnings`]), so the
//! CLI can print the table, warn on stderr and exit 0.

pub mod cache;
pub mod clock;
pub mod html;
pub mod live;
pub mod markdown;
pub mod parse;
pub mod parts;
/// The snapshot and price types live in rigsize-price-data (no I/O).
pub use rigsize_price_data::{error, quote, snapshot};

use std::path::PathBuf;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

pub use cache::Cache;
pub use error::{Error, Result};
pub use quote::{Condition, Mode, PriceQuote, Quotes, Sort, Source};
pub use rigsize_price_data::{age, FlagNote, PriceAge, PriceFlag};
pub use snapshot::{Item, PriceRecord, Snapshot};

pub use clock::{snapshot_age, today};
pub use live::HttpSettings;
use live::LiveSource;
use parse::{normalize_product_ref, ProductOffers, SearchHit};
pub use parts::{live_parts, LivePart, LiveParts};

/// Default freshness of cached live prices.
pub const DEFAULT_MAX_AGE_DAYS: i64 = 7;

/// Which toppreise-cli to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CliChoice {
    /// `toppreise-cli` if it is on PATH.
    #[default]
    Auto,
    /// This program.
    Program(PathBuf),
    /// Never; use the HTTP client.
    Disabled,
}

/// Settings of a [`Prices`] session.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cache directory; `None` = `RIGSIZE_CACHE_DIR` or the user cache dir.
    pub cache_dir: Option<PathBuf>,
    /// Freshness of cached live prices.
    pub max_age: Duration,
    pub cli: CliChoice,
    pub http: HttpSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cache_dir: None,
            max_age: Duration::days(DEFAULT_MAX_AGE_DAYS),
            cli: CliChoice::Auto,
            http: HttpSettings::default(),
        }
    }
}

impl Config {
    /// Defaults plus environment overrides: `RIGSIZE_CACHE_DIR`,
    /// `RIGSIZE_TOPPREISE_URL` (base URL), `RIGSIZE_TOPPREISE_CLI` (program path,
    /// or `none` to skip it).
    pub fn from_env() -> Config {
        let mut c = Config::default();
        if let Ok(u) = std::env::var("RIGSIZE_TOPPREISE_URL") {
            if !u.trim().is_empty() {
                c.http.base_url = u.trim().to_string();
            }
        }
        if let Some(p) = std::env::var_os("RIGSIZE_TOPPREISE_CLI") {
            c.cli = if p == "none" || p.is_empty() {
                CliChoice::Disabled
            } else {
                CliChoice::Program(PathBuf::from(p))
            };
        }
        c
    }

    /// Sets the cache freshness in days (so callers need no chrono dependency).
    pub fn set_max_age_days(&mut self, days: u32) {
        self.max_age = Duration::days(i64::from(days));
    }
}

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

/// A price session: snapshot + optional cache + lazily built live source.
pub struct Prices {
    config: Config,
    snapshot: &'static Snapshot,
    cache: Option<Cache>,
    open_warnings: Vec<String>,
    live: std::cell::OnceCell<std::result::Result<Box<dyn LiveSource>, String>>,
}

fn now_rfc3339(now: DateTime<Utc>) -> String {
    now.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn item_id_for(snapshot: &Snapshot, pid: Option<&str>) -> String {
    match pid {
        Some(p) => snapshot
            .item_by_toppreise_id(p)
            .map(|i| i.id.clone())
            .unwrap_or_else(|| format!("toppreise-p{p}")),
        None => "toppreise-unknown".into(),
    }
}

fn hit_quote(snapshot: &Snapshot, h: &SearchHit, label: &str, at: &str) -> PriceQuote {
    let offers = h
        .offer_count
        .map(|n| format!(" of {n} offers"))
        .unwrap_or_default();
    PriceQuote {
        item_id: item_id_for(snapshot, h.product_id.as_deref()),
        name: h.name.clone(),
        price_chf: h.price_min,
        shipping_chf: None,
        retailer: format!("{label} (lowest{offers})"),
        url: h.url.clone(),
        observed_at: at.to_string(),
        source: Source::Live,
        condition: Condition::New,
        note: h.price_max.map(|m| format!("range up to CHF {m:.2}")),
        flags: Vec::new(),
    }
}

fn offer_quotes(
    snapshot: &Snapshot,
    p: &ProductOffers,
    at: &str,
    item: Option<&str>,
) -> Vec<PriceQuote> {
    let item_id = item
        .map(str::to_string)
        .unwrap_or_else(|| item_id_for(snapshot, p.product_id.as_deref()));
    p.offers
        .iter()
        .map(|o| PriceQuote {
            item_id: item_id.clone(),
            name: p.name.clone(),
            price_chf: o.price,
            shipping_chf: o.shipping,
            retailer: o.shop.clone(),
            url: o.url.clone().or_else(|| Some(p.url.clone())),
            observed_at: at.to_string(),
            source: Source::Live,
            condition: Condition::New,
            note: o.rating.map(|r| format!("shop rating {r}/6")),
            flags: Vec::new(),
        })
        .collect()
}

impl Prices {
    /// Opens a session. Never fails: a cache that cannot be opened becomes a
    /// warning and the session runs without one.
    pub fn new(config: Config) -> Prices {
        let mut open_warnings = Vec::new();
        let cache = match config.cache_dir.clone().or_else(cache::default_dir) {
            Some(dir) => match Cache::open(&dir) {
                Ok((c, w)) => {
                    open_warnings.extend(w);
                    Some(c)
                }
                Err(e) => {
                    open_warnings.push(format!("running without a price cache: {e}"));
                    None
                }
            },
            None => {
                open_warnings.push("no user cache directory; running without a price cache".into());
                None
            }
        };
        Prices {
            config,
            snapshot: Snapshot::embedded(),
            cache,
            open_warnings,
            live: std::cell::OnceCell::new(),
        }
    }

    /// The snapshot in use.
    pub fn snapshot(&self) -> &'static Snapshot {
        self.snapshot
    }

    /// The cache, if one could be opened.
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    fn live(&self) -> std::result::Result<&dyn LiveSource, String> {
        let r = self.live.get_or_init(|| {
            let cli = match &self.config.cli {
                CliChoice::Auto => live::find_on_path("toppreise-cli"),
                CliChoice::Program(p) => Some(p.clone()),
                CliChoice::Disabled => None,
            };
            live::choose(cli.as_deref(), &self.config.http).map_err(|e| e.to_string())
        });
        r.as_ref().map(|b| b.as_ref()).map_err(Clone::clone)
    }

    fn warnings(&self) -> Vec<String> {
        self.open_warnings.clone()
    }

    fn record(
        &self,
        quotes: &[PriceQuote],
        provider: &str,
        query: Option<&str>,
        at: DateTime<Utc>,
        w: &mut Vec<String>,
    ) {
        if let Some(c) = &self.cache {
            if let Err(e) = c.record(quotes, provider, query, at) {
                w.push(format!("could not store prices in the cache: {e}"));
            }
        }
    }

    /// Best price for a catalog item (and its variants): the cheapest offer of
    /// the latest cached live fetch if any, else the newest (then cheapest)
    /// snapshot observation, else an estimate; `condition` filters.
    pub fn best_price(&self, item_id: &str, condition: Option<Condition>) -> Option<PriceQuote> {
        best_price(self.snapshot, self.cache.as_ref(), item_id, condition)
    }

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
            let now = Utc::now();
            let cached = self
                .cache
                .as_ref()
                .and_then(|c| c.latest_for_query(query).ok())
                .unwrap_or_default();
            if let Some(first) = cached.first() {
                if cache::is_fresh(first.fetched_at, now, self.config.max_age) {
                    let mut quotes: Vec<PriceQuote> = cached.into_iter().map(|c| c.quote).collect();
                    sort.apply(&mut quotes);
                    quotes.truncate(limit);
                    return Ok(Quotes { quotes, warnings });
                }
            }
            match self.live().and_then(|l| {
                l.search(query, sort, limit)
                    .map(|p| (l.label(), p))
                    .map_err(|e| e.to_string())
            }) {
                Ok((label, page)) => {
                    let at = page.data_from.clone().unwrap_or_else(|| now_rfc3339(now));
                    let mut quotes: Vec<PriceQuote> = page
                        .hits
                        .iter()
                        .map(|h| hit_quote(self.snapshot, h, &label, &at))
                        .collect();
                    self.record(
                        &quotes,
                        &label,
                        Some(&cache::normalize_query(query)),
                        now,
                        &mut warnings,
                    );
                    sort.apply(&mut quotes);
                    quotes.truncate(limit);
                    return Ok(Quotes { quotes, warnings });
                }
                Err(e) => {
                    warnings.push(format!("live price lookup failed ({e}); showing cached and snapshot prices with their dates"));
                    if let Some(first) = cached.first() {
                        warnings.push(format!(
                            "cached search result from {} is older than {} days",
                            now_rfc3339(first.fetched_at),
                            self.config.max_age.num_days()
                        ));
                        let mut quotes: Vec<PriceQuote> =
                            cached.into_iter().map(|c| c.quote).collect();
                        sort.apply(&mut quotes);
                        quotes.truncate(limit);
                        return Ok(Quotes { quotes, warnings });
                    }
                }
            }
        }
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
        sort.apply(&mut quotes);
        quotes.truncate(limit);
        Ok(Quotes { quotes, warnings })
    }

    /// Offers of one product: a toppreise id (`833823`, `p833823`), a toppreise
    /// URL, or a catalog item id with a known toppreise product.
    pub fn offers(&self, product: &str, mode: Mode) -> Result<Quotes> {
        let mut warnings = self.warnings();
        let item = self.snapshot.item(product);
        let product_ref = match item {
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
        };
        let pid = normalize_product_ref(&product_ref);
        let item_id = item
            .map(|i| i.id.clone())
            .unwrap_or_else(|| item_id_for(self.snapshot, pid.as_deref()));
        if mode == Mode::Online {
            let now = Utc::now();
            match self.live().and_then(|l| {
                l.offers(&product_ref).map(|p| (l.label(), p)).map_err(|e| e.to_string())
            }) {
                Ok((label, page)) => {
                    let at = page.data_from.clone().unwrap_or_else(|| now_rfc3339(now));
                    let mut quotes = offer_quotes(self.snapshot, &page, &at, Some(&item_id));
                    self.record(&quotes, &label, None, now, &mut warnings);
                    Sort::PriceAsc.apply(&mut quotes);
                    return Ok(Quotes { quotes, warnings });
                }
                Err(e) => warnings.push(format!(
                    "live offer lookup failed ({e}); showing cached and snapshot prices with their dates"
                )),
            }
        }
        let mut quotes: Vec<PriceQuote> = self
            .cache
            .as_ref()
            .and_then(|c| c.latest_for_item(&item_id).ok())
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
                            && p.url.as_deref().and_then(parse::product_id_from_url) == pid
                })
                .map(PriceRecord::to_quote),
        );
        if quotes.is_empty() {
            warnings.push(format!("no cached or snapshot price for '{product}'"));
        } else {
            warnings.push("offline prices (cache/snapshot), not live".into());
        }
        Sort::PriceAsc.apply(&mut quotes);
        Ok(Quotes { quotes, warnings })
    }

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
        let targets: Vec<&Item> = if items.is_empty() {
            self.snapshot
                .items
                .iter()
                .filter(|i| i.exists() && (!i.toppreise_ids.is_empty() || i.search_term.is_some()))
                .collect()
        } else {
            items
                .iter()
                .map(|id| {
                    self.snapshot
                        .item(id)
                        .ok_or_else(|| Error::Invalid(format!("unknown item '{id}'")))
                })
                .collect::<Result<_>>()?
        };
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

    fn refresh_one(
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

/// Best price over the snapshot (+ the latest cached live fetch when a cache is
/// given). Tiers: cache (cheapest of the latest fetch), then snapshot (newest
/// date, then cheapest), then estimate.
/// Nonexistent products are never chosen through a parent id.
pub fn best_price(
    snapshot: &Snapshot,
    cache: Option<&Cache>,
    item_id: &str,
    condition: Option<Condition>,
) -> Option<PriceQuote> {
    let ok = |q: &PriceQuote| condition.is_none_or(|c| q.condition == c);
    let ids = snapshot.ids_with_variants(item_id);
    if let Some(c) = cache {
        let mut cached: Vec<PriceQuote> = ids
            .iter()
            .filter_map(|id| c.latest_for_item(id).ok())
            .flatten()
            .map(|r| r.quote)
            .filter(ok)
            .collect();
        cached.sort_by(|a, b| a.price_chf.total_cmp(&b.price_chf));
        if let Some(q) = cached.into_iter().next() {
            return Some(q);
        }
    }
    let tier = |s: Source| {
        snapshot
            .records_for(item_id)
            .filter(|p| p.source == s)
            .map(PriceRecord::to_quote)
            .filter(ok)
            .min_by(|a, b| {
                // Newest observation first ("2026-02-17" > "2026-02-16" > "2026-02"),
                // then cheapest: a figure the research later revised must not win
                // just because it was lower.
                b.observed_at
                    .cmp(&a.observed_at)
                    .then(a.price_chf.total_cmp(&b.price_chf))
            })
    };
    tier(Source::Snapshot).or_else(|| tier(Source::Estimate))
}

/// Convenience: a session from the environment ([`Config::from_env`]).
pub fn search(query: &str, sort: Sort, limit: usize, mode: Mode) -> Result<Quotes> {
    Prices::new(Config::from_env()).search(query, sort, limit, mode)
}

/// Convenience: offers via a session from the environment.
pub fn offers(product_id_or_url: &str, mode: Mode) -> Result<Quotes> {
    Prices::new(Config::from_env()).offers(product_id_or_url, mode)
}

/// Convenience: refresh via a session from the environment.
pub fn refresh(
    items: &[String],
    progress: &mut dyn FnMut(&RefreshProgress),
) -> Result<RefreshReport> {
    Prices::new(Config::from_env()).refresh(items, progress)
}

/// Convenience: history via a session from the environment.
pub fn history(item_id: &str) -> Result<Quotes> {
    Prices::new(Config::from_env()).history(item_id)
}
