//! What the fit takes from a benchmark row beyond its figures: how far it
//! speaks for its engine, whether it is fitted or only validated, and the
//! backend it ran.

use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Backend, Engine};
use rigsize_core::hardware::DeviceSet;

use crate::bench::BenchRow;
use crate::model::Link;

/// llama.cpp batched (B > 1) decode rows measured before this month are
/// validated but not fitted: the calibration stands for current builds, and
/// llama.cpp's batched decode of 2023 – early 2024 (before flash attention,
/// PR #5021 of April 2024, and the batched quantized mat-vec kernels) ran
/// about half as fast as today's. The rows show it themselves: the B = 1
/// anchors of llama.cpp PR #3545 (October 2023) and of the aws-samples T4
/// tables (March 2024) are predicted within 5 %, their B > 1 rows 50–64 %
/// too fast. Fitted, they pulled the per-stream and Apple terms towards
/// those kernels; left out of the fit, leave-one-source-out on the other
/// rows went from 21.8 to 18.6 % (decode) and 24.1 to 21.4 % (prefill).
/// The kernel eras of data/engines.toml (`eras`: the matrix-matrix kernel
/// from two streams) now predict PR #3545's batched rows within 16 %
/// in-sample; the T4 tables' build is not stated and they are still
/// 30–70 % fast, so the rule stays.
pub const LLAMACPP_BATCHED_SINCE: &str = "2024-05";

/// The latest month a row states (build, source or notes), if any.
pub(crate) fn stated_month(row: &BenchRow) -> Option<String> {
    [&row.build, &row.source, &row.notes]
        .iter()
        .flat_map(|t| crate::provenance::dates_in(t))
        .max()
}

/// How far a row speaks for its engine (the `reliability` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reliability {
    /// The engine's own programs, figures as published.
    Primary,
    /// The engine's programs, figures derived or the setup partly unstated.
    Secondary,
    /// The user's own run (`rigsize bench --save`).
    User,
    /// The engine's library driven by a custom harness (a script calling
    /// the C API step by step): the harness's own per-step costs are in the
    /// figures, so the row is scored but not fitted.
    Harness,
    /// The engine with third-party kernel or scheduler patches: it speaks
    /// for that build, not for the engine a plan would install, so the row
    /// is scored but not fitted (e.g. vLLM with the Genesis MoE patches).
    Patched,
    /// A vendor's illustrative output: the source shows the table as what a
    /// run "should be similar to" and leaves part of the setup unstated
    /// (AMD's llama.cpp pages for 8× MI300X). Scored, not fitted: fitted,
    /// the four 8-GPU layer-split rows set the whole AMD class's per-layer
    /// cost (70 → 154 µs) and made single Radeon cards' decode out of
    /// source 9.9 → 10.6 % worse.
    Sample,
}

impl Reliability {
    pub fn parse(s: &str) -> Result<Reliability, String> {
        match s.trim() {
            "" | "primary" => Ok(Reliability::Primary),
            "secondary" => Ok(Reliability::Secondary),
            "user" => Ok(Reliability::User),
            "harness" => Ok(Reliability::Harness),
            "patched" => Ok(Reliability::Patched),
            "sample" => Ok(Reliability::Sample),
            other => Err(format!(
                "reliability '{other}' is not one of: primary, secondary, user, harness, patched, sample"
            )),
        }
    }
}

pub(crate) fn validation_only(row: &BenchRow, engine: Engine, streams: f64) -> Option<String> {
    match Reliability::parse(&row.reliability) {
        Ok(Reliability::Harness) => {
            return Some(
                "measured through a custom harness, not the engine's own programs: validated, not fitted"
                    .into(),
            )
        }
        Ok(Reliability::Patched) => {
            return Some(
                "measured on an engine build with third-party patches: validated, not fitted".into(),
            )
        }
        Ok(Reliability::Sample) => {
            return Some(
                "a vendor's illustrative output, the setup partly unstated: validated, not fitted"
                    .into(),
            )
        }
        _ => {}
    }
    let llama = matches!(engine, Engine::LlamaCpp | Engine::Ollama);
    let month = stated_month(row)?;
    (llama && streams > 1.0 && month.as_str() < LLAMACPP_BATCHED_SINCE).then(|| {
        format!(
            "llama.cpp batched decode measured {month}, before {LLAMACPP_BATCHED_SINCE}: validated, not fitted"
        )
    })
}

/// The link a multi-device row ran over, from its (lower-case) notes: NVLink
/// where they name it, PCIe where they deny it ("PCIe, no NVLink"), else the
/// device's default.
pub(crate) fn row_link(notes: &str, devices: &DeviceSet) -> Link {
    let denied = [
        "no nvlink",
        "without nvlink",
        "non-nvlink",
        "nvlink removed",
        "nvlink-removed",
        "nvlink bridge removed",
        "nvlink bridges removed",
    ]
    .iter()
    .any(|d| notes.contains(d));
    if denied {
        Link::pcie_for(devices)
    } else if notes.contains("nvlink") {
        Link::Nvlink
    } else {
        Link::default_for(devices)
    }
}

/// The KV cache type a row's notes state (llama.cpp `-ctk q8_0` or
/// `--cache-type-k q8_0`, vLLM `--kv-cache-dtype fp8`), else f16, the
/// engines' default. A quantized cache reads fewer bytes per decode step at
/// depth; scoring such a row with an f16 cache would charge it bytes it
/// never read. Words that are not a type ("no -ctk given", `auto`) are
/// not a statement.
pub(crate) fn row_kv_type(notes: &str) -> KvType {
    let notes = notes.to_ascii_lowercase();
    [
        "-ctk",
        "--cache-type-k",
        "--kv-cache-dtype",
        "kv_cache_dtype",
    ]
    .iter()
    .flat_map(|key| notes.match_indices(key).map(move |(i, _)| i + key.len()))
    .filter_map(|pos| {
        let rest = notes[pos..].trim_start_matches([' ', '=', ':']);
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        KvType::parse(&word).ok()
    })
    .next()
    .unwrap_or(KvType::F16)
}

/// The `backend` column (empty: not stated).
pub(crate) fn row_backend(row: &BenchRow) -> Result<Option<Backend>, String> {
    if row.backend.trim().is_empty() {
        return Ok(None);
    }
    Backend::parse(&row.backend)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Whether a row's streams decode a benchmark's synthetic tokens:
/// llama-batched-bench (named in its source or notes) fed every sequence
/// token 0 until llama.cpp PR #15398 ("batched-bench : use rand tokens",
/// merged 2025-08-18) and random vocabulary ids since. Either way its
/// streams read fewer distinct experts than requests decoding real text
/// (docs/speed-model.md, fourteenth pass); a serving benchmark or
/// llama-server under a client sends its own prompts and samples its own
/// tokens.
pub(crate) fn row_prompts(row: &BenchRow) -> crate::model::BatchPrompts {
    let text = format!("{} {}", row.source, row.notes).to_ascii_lowercase();
    if ["batched-bench", "batched bench", "batched_bench"]
        .iter()
        .any(|k| text.contains(k))
    {
        crate::model::BatchPrompts::Synthetic
    } else {
        crate::model::BatchPrompts::Independent
    }
}
