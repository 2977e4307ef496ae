//! What can go wrong when reading a model from a file, a directory or the Hub.
//! Every message names the file (or URL) and, for binary headers, the byte
//! offset where reading stopped, so a user can tell a truncated download
//! from a file that is not what its name says.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    /// A file could not be opened or read.
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },

    /// A binary header (GGUF, safetensors) that is truncated, lies about its
    /// sizes or breaks a limit.
    #[error("{path}: malformed {format} header at byte {offset}: {why}")]
    Malformed {
        path: String,
        format: &'static str,
        offset: u64,
        why: String,
    },

    /// A JSON file (config.json, safetensors index, Hub answer) that does
    /// not parse or lacks a required field.
    #[error("{path}: {why}")]
    BadConfig { path: String, why: String },

    /// The header parsed, but the model it describes is not something the
    /// memory model can use (no layers, unknown architecture fields…).
    #[error("{source_name}: {why}")]
    Unsupported { source_name: String, why: String },

    /// The spec does not name anything loadable.
    #[error("'{spec}' is not a model file, directory or hf: repo: {why}")]
    NotFound { spec: String, why: String },

    /// The Hub could not be reached or answered with an error.
    #[error("{url}: {why}")]
    Network { url: String, why: String },
}

impl ImportError {
    pub(crate) fn io(path: impl Into<String>, e: impl std::fmt::Display) -> ImportError {
        ImportError::Io {
            path: path.into(),
            message: e.to_string(),
        }
    }

    pub(crate) fn config(path: impl Into<String>, why: impl Into<String>) -> ImportError {
        ImportError::BadConfig {
            path: path.into(),
            why: why.into(),
        }
    }

    /// Renames the file an error talks about (a header parsed from a cache
    /// or a buffer is reported under its real name).
    pub(crate) fn with_path(self, name: &str) -> ImportError {
        match self {
            ImportError::Malformed {
                format,
                offset,
                why,
                ..
            } => ImportError::Malformed {
                path: name.to_string(),
                format,
                offset,
                why,
            },
            ImportError::Io { message, .. } => ImportError::Io {
                path: name.to_string(),
                message,
            },
            ImportError::BadConfig { why, .. } => ImportError::BadConfig {
                path: name.to_string(),
                why,
            },
            other => other,
        }
    }
}
