//! Errors of the pure core. Each names the value that was wrong and why, so the
//! CLI can print it as-is.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// A user-supplied value that cannot mean anything sensible.
    #[error("invalid {what} '{value}': {why}")]
    InvalidValue {
        what: String,
        value: String,
        why: String,
    },
    /// A name that is not one of a fixed set (quantization, KV type, engine…).
    #[error("unknown {what} '{value}'{}. Known: {}", suggestion(.suggestions), .known.join(", "))]
    Unknown {
        what: String,
        value: String,
        suggestions: Vec<String>,
        known: Vec<String>,
    },
    /// A model record that contradicts itself (e.g. more KV heads than heads).
    #[error("model '{model}' is inconsistent: {why}")]
    InconsistentModel { model: String, why: String },
}

fn suggestion(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", s.join(", "))
    }
}

/// Closest names to `value` among `candidates`, best first: the shared helper
/// every "unknown X" error uses, so all suggestions behave the same way.
pub fn closest<'a, I>(value: &str, candidates: I, max: usize) -> Vec<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let needle = normalize(value);
    let mut scored: Vec<(f64, String)> = candidates
        .into_iter()
        .map(|c| {
            let hay = normalize(c);
            let mut score = strsim::jaro_winkler(&needle, &hay);
            // A candidate containing every token of the query is a strong hint
            // ("qwen2.5 coder 72b" → "qwen2.5-coder-32b-instruct").
            let tokens: Vec<&str> = needle.split('-').filter(|t| !t.is_empty()).collect();
            let hits = tokens.iter().filter(|t| hay.contains(*t)).count();
            if !tokens.is_empty() {
                score += 0.3 * hits as f64 / tokens.len() as f64;
            }
            (score, c.to_string())
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored
        .into_iter()
        .filter(|(s, _)| *s > 0.75)
        .take(max)
        .map(|(_, c)| c)
        .collect()
}

fn normalize(s: &str) -> String {
    s.trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_ids() {
        let ids = [
            "qwen2.5-coder-32b-instruct",
            "qwen2.5-72b-instruct",
            "llama-3.3-70b-instruct",
            "gpt-oss-120b",
        ];
        let s = closest("Qwen2.5-Coder 72B", ids, 3);
        assert_eq!(
            s.first().map(String::as_str),
            Some("qwen2.5-coder-32b-instruct")
        );
        assert!(s.contains(&"qwen2.5-72b-instruct".to_string()));
        assert_eq!(
            closest("rtx5090", ["rtx-5090", "rtx-4090", "h100-sxm"], 1),
            vec!["rtx-5090"]
        );
    }

    #[test]
    fn nothing_close_means_no_suggestion() {
        assert!(closest("zzzz", ["gpt-oss-120b"], 3).is_empty());
    }
}
