//! The price snapshot and the price types, apart from the live fetchers and
//! the cache (crate rigsize-prices), so a pure consumer such as the planner
//! reads `data/prices.toml` through the one strict parser without pulling an
//! HTTP client and SQLite into its build.

pub mod age;
pub mod error;
pub mod flags;
pub mod quote;
pub mod snapshot;

pub use age::{age, PriceAge};
pub use error::{Error, Result};
pub use flags::{FlagNote, PriceFlag};
pub use quote::{Condition, PriceQuote, Source};
pub use snapshot::{Item, PriceRecord, Snapshot};
