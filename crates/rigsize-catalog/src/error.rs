//! Catalog errors: every one names the file and, where it can, the line.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CatalogError {
    /// A data file that does not parse or breaks a rule.
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Malformed {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// An id nobody knows; `suggestions` are the closest known ids.
    #[error("unknown {what} '{id}'{}", hint(.suggestions, .see))]
    UnknownId {
        what: &'static str,
        id: String,
        suggestions: Vec<String>,
        see: &'static str,
    },
    #[error("cannot read {file}: {message}")]
    Io { file: String, message: String },
    #[error(transparent)]
    Core(#[from] rigsize_core::CoreError),
}

fn hint(s: &[String], see: &str) -> String {
    if s.is_empty() {
        format!(". See `{see}` for the list")
    } else {
        format!(". Did you mean: {}? (`{see}` lists all)", s.join(", "))
    }
}

impl CatalogError {
    /// Wraps a TOML error, turning its byte span into a 1-based line number.
    pub fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> CatalogError {
        let line = err
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        CatalogError::Malformed {
            file: file.to_string(),
            line,
            message: err.message().to_string(),
        }
    }

    /// A rule broken by a record, located by the line of its `id = "…"`.
    pub fn record(file: &str, text: &str, id: &str, message: impl Into<String>) -> CatalogError {
        let needle = format!("\"{id}\"");
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("id") && l.contains(&needle))
            .map(|i| i + 1);
        CatalogError::Malformed {
            file: file.to_string(),
            line,
            message: format!("record '{id}': {}", message.into()),
        }
    }
}
