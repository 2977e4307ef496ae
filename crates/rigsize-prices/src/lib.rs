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

mod live_quote;
mod lookup;
mod refresh;

/// The snapshot and price types live in rigsize-price-data (no I/O).
pub use rigsize_price_data::{error, quote, snapshot};

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

pub use cache::Cache;
pub use error::{Error, Result};
pub use quote::{Condition, Mode, PriceQuote, Quotes, Sort, Source};
pub use rigsize_price_data::{age, FlagNote, PriceAge, PriceFlag};
pub use snapshot::{Item, PriceRecord, Snapshot};

pub use clock::{snapshot_age, today};
pub use live::HttpSettings;
use live::LiveSource;
pub use parts::{live_parts, LivePart, LiveParts};
pub use refresh::{RefreshProgress, RefreshReport};

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

/// A price session: snapshot + optional cache + lazily built live source.
pub struct Prices {
    config: Config,
    snapshot: &'static Snapshot,
    cache: Option<Cache>,
    open_warnings: Vec<String>,
    live: std::cell::OnceCell<std::result::Result<Box<dyn LiveSource>, String>>,
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
