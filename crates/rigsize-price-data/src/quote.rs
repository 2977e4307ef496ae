//! The one price type every caller sees.

use serde::{Deserialize, Serialize};

/// Where a price came from. Shown next to every price so an old figure is never
/// mistaken for a live one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Fetched just now (toppreise-cli or toppreise.ch).
    Live,
    /// A live fetch read back from the local cache; `observed_at` says when.
    Cache,
    /// A dated observation shipped in `data/prices.toml`.
    Snapshot,
    /// Converted, author-estimated or MSRP-derived; not a Swiss shop price.
    Estimate,
}

impl Source {
    /// Lowercase name as used in JSON, the cache and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Live => "live",
            Source::Cache => "cache",
            Source::Snapshot => "snapshot",
            Source::Estimate => "estimate",
        }
    }
}

/// Item condition; used and refurbished prices must never silently stand in for new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    New,
    Used,
    Refurbished,
}

impl Condition {
    /// Lowercase name as used in JSON and the cache.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::New => "new",
            Condition::Used => "used",
            Condition::Refurbished => "refurbished",
        }
    }

    /// Parses `new` / `used` / `refurbished`.
    pub fn parse(s: &str) -> Option<Condition> {
        match s {
            "new" => Some(Condition::New),
            "used" => Some(Condition::Used),
            "refurbished" => Some(Condition::Refurbished),
            _ => None,
        }
    }
}

/// One price of one item at one retailer at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceQuote {
    /// Catalog item id (`rtx-5090`), or `toppreise-p<digits>` for a live product
    /// that the catalog does not know.
    pub item_id: String,
    /// Product name as the source wrote it.
    pub name: String,
    /// CHF per unit.
    pub price_chf: f64,
    /// Shipping in CHF where the source gives it (offer tables).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub shipping_chf: Option<f64>,
    /// Shop or source.
    pub retailer: String,
    /// Product or offer page, where known.
    pub url: Option<String>,
    /// ISO 8601 date or date-time of the observation ("2026-02" = month precision).
    pub observed_at: String,
    /// live | cache | snapshot | estimate.
    pub source: Source,
    /// new | used | refurbished.
    pub condition: Condition,
    /// Caveats (range low/high, set price divided, conversion).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    /// Flags a report must show next to the price (estimate, MSRP below an
    /// observed price, …); empty for a plain observation.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub flags: Vec<crate::flags::PriceFlag>,
}

/// Result of a query: prices plus the warnings the user must see (offline,
/// stale, fetch failed). Warnings are data, not errors, so the CLI can exit 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quotes {
    pub quotes: Vec<PriceQuote>,
    pub warnings: Vec<String>,
}

/// Sort order of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best match first (catalog order offline, site order online).
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
}

impl Sort {
    /// The toppreise-cli `--sort` value.
    pub fn as_cli(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::PriceAsc => "price-asc",
            Sort::PriceDesc => "price-desc",
        }
    }

    /// Sorts quotes in place; relevance keeps the given order.
    pub fn apply(self, quotes: &mut [PriceQuote]) {
        match self {
            Sort::Relevance => {}
            Sort::PriceAsc => quotes.sort_by(|a, b| a.price_chf.total_cmp(&b.price_chf)),
            Sort::PriceDesc => quotes.sort_by(|a, b| b.price_chf.total_cmp(&a.price_chf)),
        }
    }
}

/// Whether a query may touch the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Fresh cache, else live, else stale cache/snapshot with a warning.
    #[default]
    Online,
    /// Snapshot and cache only; never touches the network.
    Offline,
}
