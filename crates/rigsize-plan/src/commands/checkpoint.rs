//! Choosing the published checkpoint a command loads: of the planned model, format and
//! quantization (data/checkpoints.toml), and of the size the plan sized — within
//! [`SIZE_TOLERANCE`]. A repo whose size is known to differ is never printed as a command;
//! its size is named in the note instead.

use std::sync::OnceLock;

use rigsize_catalog::checkpoints::{self, CheckpointFormat, CheckpointRecord, SIZE_TOLERANCE};
use rigsize_core::quant::QuantScheme;

use super::ModelRepo;
use crate::report::Download;

/// The embedded table, read once (its tests keep it valid; broken, it holds nothing).
pub(crate) fn table() -> &'static [CheckpointRecord] {
    static T: OnceLock<Vec<CheckpointRecord>> = OnceLock::new();
    T.get_or_init(|| checkpoints::builtin().unwrap_or_default())
}

/// A checkpoint chosen for a command, and what the reader must know about it.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub rec: CheckpointRecord,
    /// Said beside the command when the size could not be compared.
    pub note: Option<String>,
}

impl Chosen {
    /// The `hf download` of this checkpoint (the GGUF files where the table names them).
    pub fn download(&self, planned: u64) -> Download {
        let include = match self.rec.format {
            CheckpointFormat::Gguf => Some(match self.rec.files.as_slice() {
                [one] => one.clone(),
                _ => format!("*{}*", self.rec.quant.to_uppercase()),
            }),
            _ => None,
        };
        Download {
            repo: self.rec.repo.clone(),
            include,
            bytes: planned,
            checkpoint_bytes: self.rec.bytes,
            checkpoint_source: Some(self.rec.source.clone()),
        }
    }
}

pub(super) fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}

/// The checkpoint of `format` and the planned `quant` whose size is closest to `planned`
/// bytes: one within the tolerance, else one of unknown size (said so); Err names why
/// none is printed.
pub fn choose(
    repo: Option<&ModelRepo>,
    model: &str,
    format: CheckpointFormat,
    quant: &str,
    planned: u64,
) -> Result<Chosen, String> {
    let want = QuantScheme::parse(quant).map_or_else(|_| quant.to_ascii_lowercase(), |s| s.name());
    let all = repo.map_or(&[][..], |r| r.checkpoints.as_slice());
    let same: Vec<&CheckpointRecord> = all
        .iter()
        .filter(|c| c.format == format && c.quant == want)
        .collect();
    let gap = |c: &CheckpointRecord| {
        c.bytes
            .map(|b| (b as f64 - planned as f64).abs() / planned.max(1) as f64)
    };
    let best = same
        .iter()
        .filter(|c| gap(c).is_some_and(|g| g <= SIZE_TOLERANCE))
        .min_by(|a, b| gap(a).unwrap_or(1.0).total_cmp(&gap(b).unwrap_or(1.0)));
    if let Some(c) = best {
        return Ok(Chosen {
            rec: (*c).clone(),
            note: None,
        });
    }
    if let Some(c) = same.iter().find(|c| c.bytes.is_none()) {
        return Ok(Chosen {
            rec: (*c).clone(),
            note: Some(format!(
                "{}'s size is not in rigsize's checkpoint data: check it is about the planned {:.1} GiB before relying on the plan",
                c.repo,
                gib(planned)
            )),
        });
    }
    let name = format.name();
    match same.first() {
        Some(c) => {
            let b = c.bytes.unwrap_or_default();
            Err(format!(
                "the {name} {want} checkpoint rigsize knows ({}, {:.1} GiB) is {:+.0}% off the planned {:.1} GiB (more than ±{:.0}%), so it is not printed",
                c.repo,
                gib(b),
                (b as f64 / planned.max(1) as f64 - 1.0) * 100.0,
                gib(planned),
                SIZE_TOLERANCE * 100.0
            ))
        }
        None => Err(format!(
            "rigsize knows no {name} {want} checkpoint of {model} (data/checkpoints.toml)"
        )),
    }
}

/// The quantization of a `format` checkpoint whose known size is within the tolerance of
/// `planned` bytes (the closest), for an engine that cannot load the planned format.
pub fn same_size_quant(
    repo: Option<&ModelRepo>,
    format: CheckpointFormat,
    planned: u64,
) -> Option<String> {
    let all = repo.map_or(&[][..], |r| r.checkpoints.as_slice());
    let gap = |b: u64| (b as f64 - planned as f64).abs() / planned.max(1) as f64;
    all.iter()
        .filter(|c| c.format == format)
        .filter_map(|c| c.bytes.map(|b| (gap(b), c)))
        .filter(|(g, _)| *g <= SIZE_TOLERANCE)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.quant.clone())
}

/// The table's records of one model, with the catalog's own repo as its native
/// safetensors checkpoint (size unknown unless the table gives it).
pub(crate) fn of_model(
    model: &str,
    hf_repo: Option<&str>,
    native: Option<&str>,
) -> Vec<CheckpointRecord> {
    let mut v: Vec<CheckpointRecord> = table()
        .iter()
        .filter(|c| c.model == model)
        .cloned()
        .collect();
    if let (Some(repo), Some(native)) = (hf_repo, native) {
        // The native dtype's own name (`bf16`, `fp8`, `mxfp4`), as the plan names it.
        let quant = native.to_string();
        if !v.iter().any(|c| c.repo == repo) {
            v.push(CheckpointRecord {
                model: model.to_string(),
                format: CheckpointFormat::Safetensors,
                quant,
                repo: repo.to_string(),
                files: vec![],
                bytes: None,
                bytes_exact: false,
                read: String::new(),
                source: "the catalog's hf_repo (data/models*.toml)".into(),
            });
        }
    }
    v
}
