//! `GET /api/prices?q=…` and the `prices` tool: CHF prices from the dated
//! snapshot (the server never fetches live prices on a request).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// `rigsize prices search`'s options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PricesQuery {
    /// Search text: a product or catalog id, e.g. "RTX PRO 6000", "rtx-5090", "mac studio".
    pub q: String,
    /// Sort: price-asc (default), price-desc, date.
    #[serde(default)]
    pub sort: Option<String>,
    /// At most this many results (1–200).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Looks prices up.
pub fn prices(q: &PricesQuery) -> Result<serde_json::Value, ApiError> {
    if q.q.trim().is_empty() {
        return Err(ApiError::bad_request("the search text q is empty"));
    }
    Err(ApiError::not_implemented(
        "price lookup (the rigsize-prices crate)",
    ))
}
