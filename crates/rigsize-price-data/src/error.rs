//! One error type for the crate, so the CLI can print a single clear line.

use std::path::PathBuf;

/// Everything that can go wrong. Offline situations are *not* errors: the public
/// API answers them with cached or snapshot prices plus a warning, because a
/// planner with a dated price is more useful than a planner that stops.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded or given snapshot file is malformed; names file and line so
    /// a data fix is one jump away.
    #[error("{file}:{line}: {message}")]
    Snapshot {
        file: String,
        line: usize,
        message: String,
    },
    /// A page or program output did not have the shape we expect. We refuse to
    /// guess a price from a layout we do not understand.
    #[error("could not parse {what} from {url}: {reason}")]
    Parse {
        what: String,
        url: String,
        reason: String,
    },
    /// Network failure after all retries.
    #[error("HTTP request to {url} failed: {message}")]
    Http { url: String, message: String },
    /// The toppreise-cli program failed to run or exited non-zero.
    #[error("toppreise-cli ({program}) failed: {message}")]
    Cli { program: PathBuf, message: String },
    /// The SQLite cache could not be used even after rebuilding it.
    #[error("price cache {path}: {message}")]
    Cache { path: PathBuf, message: String },
    /// A caller named something we do not know.
    #[error("{0}")]
    Invalid(String),
}

/// Crate-wide result alias.
pub type Result<T> = std::result::Result<T, Error>;
