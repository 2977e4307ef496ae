//! Planner errors: a bad requirements file names the file and line.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum PlanError {
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Requirements {
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{file}: {message}")]
    Data { file: String, message: String },
    /// The caller cancelled the plan (or its deadline passed) before it finished.
    #[error("the plan was cancelled before it finished")]
    Cancelled,
    #[error(transparent)]
    Catalog(#[from] rigsize_catalog::CatalogError),
}
