//! Known engine changes that moved speed by more than 25 % for some setups
//! (`data/bench/known-changes.toml`): a dated note goes with every prediction
//! an entry matches, because the calibration stands for recent builds only.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::SpeedError;

pub const KNOWN_CHANGES_TOML: &str = include_str!("../../../data/bench/known-changes.toml");

/// One change, as the data file states it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KnownChange {
    /// Engine key (`llama.cpp`, `vllm`, …).
    pub engine: String,
    /// Hardware classes it applies to ([`crate::calib::device_class`]).
    pub classes: Vec<String>,
    /// Catalog model ids it applies to.
    pub models: Vec<String>,
    /// When the change landed (`YYYY-MM`).
    pub date: String,
    pub note: String,
    pub sources: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    change: Vec<KnownChange>,
}

/// Parses a known-changes file; every entry must name a source.
pub fn parse(text: &str) -> Result<Vec<KnownChange>, SpeedError> {
    let f: File = toml::from_str(text).map_err(|e| SpeedError::Calibration(e.to_string()))?;
    if let Some(c) = f.change.iter().find(|c| c.sources.is_empty()) {
        return Err(SpeedError::Calibration(format!(
            "known change '{}' ({}) cites no source",
            c.engine, c.date
        )));
    }
    Ok(f.change)
}

/// The shipped list (empty if the file does not parse; its test checks it does).
pub fn builtin() -> &'static [KnownChange] {
    static CHANGES: OnceLock<Vec<KnownChange>> = OnceLock::new();
    CHANGES.get_or_init(|| parse(KNOWN_CHANGES_TOML).unwrap_or_default())
}

/// Dated notes for a prediction of `model` with `engine` on `class`.
pub fn notes_for(engine: &str, class: &str, model: &str) -> Vec<String> {
    builtin()
        .iter()
        .filter(|c| c.engine == engine)
        .filter(|c| c.classes.iter().any(|x| x == class))
        .filter(|c| c.models.iter().any(|m| m == model))
        .map(|c| format!("{} (known change, {}): {}", c.engine, c.date, c.note))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_parses_and_matches_qwen3_next_on_cuda() {
        assert!(!parse(KNOWN_CHANGES_TOML).unwrap().is_empty());
        let n = notes_for("llama.cpp", "nvidia", "qwen3-next-80b-a3b");
        assert_eq!(n.len(), 1);
        assert!(
            n[0].contains("2026-02") && n[0].contains("#19365"),
            "{}",
            n[0]
        );
        assert!(notes_for("llama.cpp", "apple", "qwen3-next-80b-a3b").is_empty());
        assert!(notes_for("vllm", "nvidia", "qwen3-next-80b-a3b").is_empty());
        assert!(notes_for("llama.cpp", "nvidia", "llama-3-8b").is_empty());
    }

    #[test]
    fn an_entry_without_source_is_refused() {
        let t =
            "[[change]]\nengine='x'\nclasses=[]\nmodels=[]\ndate='2026-01'\nnote='n'\nsources=[]\n";
        assert!(parse(t).is_err());
    }
}
