//! `GET /api/prices?q=…` and the `prices` tool: CHF prices with retailer,
//! URL, date and source, as `rigsize prices search --offline --json` prints
//! them. The server never fetches live prices (nor runs toppreise-cli) on a
//! request: it answers from the dated snapshot and the local price cache.

use std::path::PathBuf;

use rigsize_prices::{CliChoice, Config, Mode, Prices, Quotes, Sort};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Most results one query returns.
pub const MAX_LIMIT: u32 = 200;

/// `rigsize prices search`'s options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PricesQuery {
    /// Search text: a product or catalog id, e.g. "RTX PRO 6000", "rtx-5090", "mac studio".
    pub q: String,
    /// Sort: relevance (default), price-asc, price-desc.
    #[serde(default)]
    pub sort: Option<String>,
    /// At most this many results, 1–200. Default 20.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Where the price cache lives: `None` = `RIGSIZE_CACHE_DIR` or the user
/// cache directory, as for the CLI.
#[derive(Debug, Clone, Default)]
pub struct PriceSettings {
    pub cache_dir: Option<PathBuf>,
}

fn parse_sort(s: Option<&str>) -> Result<Sort, ApiError> {
    match s.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("relevance") => Ok(Sort::Relevance),
        Some("price-asc") | Some("price_asc") => Ok(Sort::PriceAsc),
        Some("price-desc") | Some("price_desc") => Ok(Sort::PriceDesc),
        Some(other) => Err(ApiError::bad_request(format!(
            "unknown --sort '{other}': use relevance, price-asc or price-desc"
        ))),
    }
}

/// Looks prices up, offline.
pub fn prices(q: &PricesQuery, settings: &PriceSettings) -> Result<Quotes, ApiError> {
    if q.q.trim().is_empty() {
        return Err(ApiError::bad_request("empty search query"));
    }
    if q.q.len() > 200 {
        return Err(ApiError::bad_request(
            "the search query is longer than 200 characters",
        ));
    }
    let sort = parse_sort(q.sort.as_deref())?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "--limit must be 1 to {MAX_LIMIT}, got {limit}"
        )));
    }
    let mut config = Config::from_env();
    if settings.cache_dir.is_some() {
        config.cache_dir = settings.cache_dir.clone();
    }
    config.cli = CliChoice::Disabled;
    let session = Prices::new(config);
    session
        .search(&q.q, sort, limit as usize, Mode::Offline)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}
