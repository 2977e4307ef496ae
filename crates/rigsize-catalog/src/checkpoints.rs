//! Published checkpoints: per catalog model, the repos an engine loads for each format and
//! quantization, with their size on disk and the date that size was read.
//!
//! A plan prints a repo only when its size agrees with the weights it planned, so the size
//! is the fact that matters here; where no source gave it, it is `None` (unknown), never 0.
//!
//! | field | meaning |
//! |---|---|
//! | `model` | catalog model id |
//! | `format` | `gguf` (llama.cpp), `mlx` (mlx_lm), `safetensors` (vLLM, SGLang) |
//! | `quant` | the planner's quantization name (`q4_k_m`, `mlx-4bit`, `fp8` …) |
//! | `repo` | Hugging Face repo, `owner/name` |
//! | `files` | GGUF files of that quantization (optional) |
//! | `bytes`, `bytes_exact` | size on disk; `bytes_exact = false` for a rounded figure |
//! | `read` | `YYYY-MM-DD` the size (or the repo) was read |
//! | `source` | where it was read |

use rigsize_core::quant::QuantScheme;
use serde::Deserialize;

use crate::CatalogError;

/// How far a checkpoint's size may be from the weights a plan sized, as a share of the
/// planned bytes, for the plan to print it. Publishers of one nominal quantization differ by
/// a few percent (embedding and output tensors kept wider, the GGUF header, MLX's kept
/// layers): the 50 sized entries sit within 0.97–1.06 of the catalog's estimate, most
/// within 1.03. Past 5% the file is another mix, and on a card planned with a few GiB
/// of headroom the memory plan would no longer hold (+5% of 60 GiB of weights is 3 GiB).
pub const SIZE_TOLERANCE: f64 = 0.05;

/// The embedded checkpoint table.
pub const CHECKPOINTS_TOML: &str = include_str!("../../../data/checkpoints.toml");
const FILE: &str = "data/checkpoints.toml";

/// How an engine reads the checkpoint's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointFormat {
    Gguf,
    Mlx,
    Safetensors,
}

impl CheckpointFormat {
    pub fn name(self) -> &'static str {
        match self {
            CheckpointFormat::Gguf => "GGUF",
            CheckpointFormat::Mlx => "MLX",
            CheckpointFormat::Safetensors => "safetensors",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointRecord {
    pub model: String,
    pub format: CheckpointFormat,
    /// Canonical quantization name ([`QuantScheme::name`]).
    pub quant: String,
    pub repo: String,
    pub files: Vec<String>,
    pub bytes: Option<u64>,
    pub bytes_exact: bool,
    pub read: String,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    checkpoint: Vec<RecordToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordToml {
    model: String,
    format: CheckpointFormat,
    quant: String,
    repo: String,
    #[serde(default)]
    files: Vec<String>,
    bytes: Option<i64>,
    #[serde(default = "yes")]
    bytes_exact: bool,
    read: String,
    source: String,
}

fn yes() -> bool {
    true
}

/// The embedded table, checked.
pub fn builtin() -> Result<Vec<CheckpointRecord>, CatalogError> {
    parse_checkpoints(CHECKPOINTS_TOML, FILE)
}

/// Parses and checks a checkpoint table: known formats and quantizations that agree,
/// `owner/name` repos, positive sizes, real dates, a source, and no repeated entry.
pub fn parse_checkpoints(text: &str, file: &str) -> Result<Vec<CheckpointRecord>, CatalogError> {
    let parsed: FileToml =
        toml::from_str(text).map_err(|e| CatalogError::from_toml(file, text, &e))?;
    let mut out: Vec<CheckpointRecord> = Vec::new();
    for (i, r) in parsed.checkpoint.into_iter().enumerate() {
        let bad = |m: String| CatalogError::Malformed {
            file: file.to_string(),
            line: None,
            message: format!("checkpoint #{} ({} {}): {m}", i + 1, r.model, r.repo),
        };
        let scheme = QuantScheme::parse(&r.quant).map_err(|e| bad(e.to_string()))?;
        let quant = scheme.name();
        let fits_format = match r.format {
            CheckpointFormat::Gguf => scheme.is_gguf(),
            // mlx-community also publishes gpt-oss with its MXFP4 experts kept.
            CheckpointFormat::Mlx => matches!(scheme, QuantScheme::Mlx { .. }) || quant == "mxfp4",
            CheckpointFormat::Safetensors => {
                !scheme.is_gguf() && !matches!(scheme, QuantScheme::Mlx { .. })
            }
        };
        if !fits_format {
            return Err(bad(format!(
                "quant '{quant}' is not a {} quantization",
                r.format.name()
            )));
        }
        if !valid_repo(&r.repo) {
            return Err(bad("repo must be 'owner/name'".into()));
        }
        if let Some(f) = r.files.iter().find(|f| {
            r.format != CheckpointFormat::Gguf || !f.to_ascii_lowercase().ends_with(".gguf")
        }) {
            return Err(bad(format!(
                "file '{f}': only GGUF entries list .gguf files"
            )));
        }
        let bytes = match r.bytes {
            None => None,
            Some(b) if b > 0 => Some(b as u64),
            Some(b) => return Err(bad(format!("bytes must be positive, got {b}"))),
        };
        if !valid_day(&r.read) {
            return Err(bad(format!("read '{}' is not a YYYY-MM-DD date", r.read)));
        }
        if r.source.trim().is_empty() {
            return Err(bad(
                "source is empty: every figure cites where it was read".into()
            ));
        }
        if out
            .iter()
            .any(|o| o.model == r.model && o.quant == quant && o.repo == r.repo)
        {
            return Err(bad(format!("{quant} of this repo is listed twice")));
        }
        out.push(CheckpointRecord {
            model: r.model,
            format: r.format,
            quant,
            repo: r.repo,
            files: r.files,
            bytes,
            bytes_exact: r.bytes_exact,
            read: r.read,
            source: r.source,
        });
    }
    Ok(out)
}

fn valid_repo(r: &str) -> bool {
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(r.split_once('/'), Some((o, n)) if ok(o) && ok(n))
}

/// A calendar day `YYYY-MM-DD` (month 1–12, day within the month).
fn valid_day(d: &str) -> bool {
    let p: Vec<&str> = d.split('-').collect();
    let num = |s: &str, n: usize| {
        (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(day)) = (
        p.first().and_then(|s| num(s, 4)),
        p.get(1).and_then(|s| num(s, 2)),
        p.get(2).and_then(|s| num(s, 2)),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    p.len() == 3 && (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[[checkpoint]]
model = "m"
format = "gguf"
quant = "Q4_K_M"
repo = "o/m-GGUF"
files = ["m-Q4_K_M.gguf"]
bytes = 100
read = "2026-02-28"
source = "s"
"#;

    #[test]
    fn reads_a_record_and_names_its_quant_canonically() {
        let r = parse_checkpoints(OK, "t").unwrap();
        assert_eq!(r[0].quant, "q4_k_m");
        assert_eq!(r[0].bytes, Some(100));
        assert!(r[0].bytes_exact);
    }

    #[test]
    fn refuses_broken_records() {
        for (from, to, why) in [
            ("bytes = 100", "bytes = 0", "positive"),
            ("2026-02-28", "2026-02-30", "date"),
            ("\"o/m-GGUF\"", "\"m-GGUF\"", "owner/name"),
            ("\"Q4_K_M\"", "\"fp8\"", "not a GGUF"),
            ("\"Q4_K_M\"", "\"q9\"", "quantization"),
            ("source = \"s\"", "source = \" \"", "source"),
            ("\"gguf\"", "\"onnx\"", "unknown variant"),
            ("bytes = 100", "size = 100", "unknown field"),
        ] {
            let t = OK.replace(from, to);
            let e = parse_checkpoints(&t, "t").unwrap_err().to_string();
            assert!(e.contains(why), "{to}: {e}");
        }
        let twice = format!("{OK}{OK}");
        let e = parse_checkpoints(&twice, "t").unwrap_err().to_string();
        assert!(e.contains("twice"), "{e}");
    }
}
