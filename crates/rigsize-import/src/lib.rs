//! Reads real models for rigsize: GGUF files (split or not), Hugging Face
//! snapshots (config.json + safetensors headers) and `hf:` repos on the Hub,
//! reading headers only.
//!
//! The CLI calls [`is_import_spec`] on `--model X`, then [`load`]; the
//! resulting [`ImportedModel`] carries a [`ModelArch`] that the memory and
//! speed models treat like a catalog record, plus the exact tensor list when
//! the source has one.
//!
//! Every input is untrusted: see [`gguf`] and [`safetensors`] for the limits.

pub mod error;
pub mod gguf;
pub mod gguf_model;
pub mod hf_config;
pub mod hub;
pub mod names;
pub mod safetensors;

mod dims;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use rigsize_core::dtype::DType;
use rigsize_core::memory::{weights_from_tensors, WeightsEstimate};
use rigsize_core::model::{ModelArch, Moe};
use rigsize_core::tensors::{tensor_plan, TensorRole, TensorSpec};

use dims::rebuild_bound;
use serde_json::Value;

pub use dims::{check_dims, MAX_CONTEXT, MAX_DIM, MAX_VOCAB};
pub use error::ImportError;

/// A model read from a file, a directory or the Hub.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedModel {
    pub arch: ModelArch,
    /// Every stored tensor with its storage type, when the source lists
    /// them (GGUF, safetensors headers); `None` when only a config was read.
    pub tensors: Option<Vec<(TensorSpec, DType)>>,
    /// Bytes of the model file(s), when known.
    pub file_bytes: Option<u64>,
    /// The path or Hub URL it was read from.
    pub source: String,
    /// The file's quantization (`Q4_K_M` from `general.file_type`, `fp8`
    /// from `quantization_config`…).
    pub quant_label: Option<String>,
    /// What was assumed or skipped while reading.
    pub notes: Vec<String>,
}

impl ImportedModel {
    /// Exact weights from the tensor list, if there is one.
    pub fn weights(&self) -> Option<WeightsEstimate> {
        let t = self.tensors.as_ref()?;
        let basis = if self.source.ends_with(".gguf") || self.source.contains(".gguf") {
            "GGUF tensor infos"
        } else {
            "safetensors headers"
        };
        Some(weights_from_tensors(&self.arch, t, basis))
    }
}

/// (total, active, active_decode) parameters from a tensor list: routed
/// experts count `experts_per_token / experts` towards active; the input
/// embedding is not read per decoded token unless it is also the head.
pub(crate) fn params_from_tensors(
    tensors: &[(TensorSpec, DType)],
    moe: Option<&Moe>,
) -> (u64, u64, u64) {
    let total: u64 = tensors.iter().map(|(t, _)| t.n_elements).sum();
    let routed: u64 = tensors
        .iter()
        .filter(|(t, _)| t.role.is_routed_expert())
        .map(|(t, _)| t.n_elements)
        .sum();
    let embd: u64 = tensors
        .iter()
        .filter(|(t, _)| t.role == TensorRole::TokenEmbd)
        .map(|(t, _)| t.n_elements)
        .sum();
    let has_head = tensors.iter().any(|(t, _)| t.role == TensorRole::Output);
    let active = match moe {
        Some(m) if m.experts > 0 => {
            let frac = m.experts_per_token.min(m.experts) as f64 / m.experts as f64;
            total - routed + (routed as f64 * frac).round() as u64
        }
        _ => total,
    };
    let decode = if has_head {
        active.saturating_sub(embd)
    } else {
        active
    };
    (total, active, decode)
}

/// True when `--model X` names something to import rather than a catalog
/// id: `hf:` repos, `.gguf` / `.json` paths, and anything that exists on disk.
pub fn is_import_spec(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    if s.starts_with("hf:") {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if lower.ends_with(".gguf") || lower.ends_with(".json") || lower.ends_with(".safetensors") {
        return true;
    }
    let p = Path::new(s);
    p.exists() && (s.contains('/') || s.contains('\\') || p.is_dir() || p.is_file())
}

/// Loads a model from a GGUF file, a snapshot directory, a config.json or
/// an `hf:` repo.
pub fn load(spec: &str) -> Result<ImportedModel, ImportError> {
    let spec = spec.trim();
    if spec.starts_with("hf:") {
        return hub::load(spec);
    }
    let p = Path::new(spec);
    // A FIFO or a device would block or never end: refuse it by its type.
    rigsize_fs::check_not_special(p).map_err(|e| ImportError::io(spec, e.reason()))?;
    if p.is_dir() {
        return load_dir(p);
    }
    let lower = spec.to_ascii_lowercase();
    if lower.ends_with(".gguf") {
        return load_gguf(p);
    }
    if !p.exists() {
        return Err(ImportError::NotFound {
            spec: spec.to_string(),
            why: "no such file or directory".into(),
        });
    }
    if lower.ends_with(".safetensors") || lower.ends_with("model.safetensors.index.json") {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return load_dir(dir);
    }
    if lower.ends_with(".json") {
        return load_config(p);
    }
    // Sniff the magic of files with another name.
    let mut magic = [0u8; 4];
    if let Ok(mut f) = rigsize_fs::open_regular(p) {
        use std::io::Read;
        if f.read_exact(&mut magic).is_ok() && &magic == b"GGUF" {
            return load_gguf(p);
        }
    }
    Err(ImportError::NotFound {
        spec: spec.to_string(),
        why: "not a .gguf file, a config.json or a snapshot directory".into(),
    })
}

fn file_len(p: &Path) -> Result<u64, ImportError> {
    std::fs::metadata(p)
        .map(|m| m.len())
        .map_err(|e| ImportError::io(p.display().to_string(), e))
}

/// Loads a local GGUF file; for a split file, every part.
pub fn load_gguf(path: &Path) -> Result<ImportedModel, ImportError> {
    let shown = path.display().to_string();
    let part_names = gguf_model::split_part_names(&shown);
    let mut parts = Vec::with_capacity(part_names.len());
    let mut total = 0u64;
    for name in &part_names {
        let pp = Path::new(name);
        if !pp.exists() {
            return Err(ImportError::NotFound {
                spec: shown.clone(),
                why: format!(
                    "split part {name} is missing (all {} parts are needed)",
                    part_names.len()
                ),
            });
        }
        let len = file_len(pp)?;
        let f =
            rigsize_fs::open_regular(pp).map_err(|e| ImportError::io(name.clone(), e.reason()))?;
        let h = gguf::read_header(BufReader::with_capacity(1 << 16, f), name)?;
        if h.min_file_len() > len {
            return Err(ImportError::Malformed {
                path: name.clone(),
                format: "GGUF",
                offset: h.header_len,
                why: format!(
                    "its tensors need {} bytes but the file has {len}: truncated download?",
                    h.min_file_len()
                ),
            });
        }
        total += len;
        parts.push((name.clone(), h));
    }
    gguf_model::model_from_gguf(&parts, &shown, Some(total))
}

/// Loads a config.json and the safetensors beside it, if any.
pub fn load_config(path: &Path) -> Result<ImportedModel, ImportError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    load_snapshot(dir, path)
}

/// Loads a snapshot directory: config.json (+ safetensors), or the one
/// GGUF model it holds.
pub fn load_dir(dir: &Path) -> Result<ImportedModel, ImportError> {
    let cfg = dir.join("config.json");
    if cfg.is_file() {
        return load_snapshot(dir, &cfg);
    }
    let mut ggufs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ImportError::io(dir.display().to_string(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            n.ends_with(".gguf") && !n.starts_with("mmproj")
        })
        .collect();
    ggufs.sort();
    let mut models: Vec<String> = ggufs
        .iter()
        .map(|p| gguf_model::file_stem(&p.display().to_string()))
        .collect();
    models.dedup();
    match models.len() {
        0 => Err(ImportError::NotFound {
            spec: dir.display().to_string(),
            why: "the directory has no config.json and no .gguf file".into(),
        }),
        1 => load_gguf(&ggufs[0]),
        _ => Err(ImportError::NotFound {
            spec: dir.display().to_string(),
            why: format!(
                "the directory holds several GGUF models; name one: {}",
                models.join(", ")
            ),
        }),
    }
}

fn load_snapshot(dir: &Path, cfg_path: &Path) -> Result<ImportedModel, ImportError> {
    let shown = cfg_path.display().to_string();
    let text = rigsize_fs::read_regular(cfg_path, hub::MAX_JSON_FETCH).map_err(|e| match e {
        rigsize_fs::FileError::TooLarge { .. } => {
            ImportError::config(&shown, "config.json is larger than 64 MiB")
        }
        e => ImportError::io(&shown, e.reason()),
    })?;
    let cfg: Value = serde_json::from_slice(&text)
        .map_err(|e| ImportError::config(&shown, format!("not JSON: {e}")))?;
    let index = dir.join("model.safetensors.index.json");
    let shards: Vec<PathBuf> = if index.is_file() {
        let ix = index.display().to_string();
        let b = rigsize_fs::read_regular(&index, hub::MAX_JSON_FETCH)
            .map_err(|e| ImportError::io(&ix, e.reason()))?;
        let v: Value = serde_json::from_slice(&b)
            .map_err(|e| ImportError::config(&ix, format!("not JSON: {e}")))?;
        safetensors::index_shards(&v, &ix)?
            .into_iter()
            .map(|s| dir.join(s))
            .collect()
    } else {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| ImportError::io(dir.display().to_string(), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("safetensors"))
            .collect();
        v.sort();
        v
    };
    let mut headers = Vec::with_capacity(shards.len());
    let mut total = 0u64;
    let mut notes = Vec::new();
    for s in &shards {
        let name = s.display().to_string();
        if !s.exists() {
            notes.push(format!(
                "{name} (named by the index) is missing: parameters estimated from config.json"
            ));
            headers.clear();
            break;
        }
        let len = file_len(s)?;
        let f = rigsize_fs::open_regular(s).map_err(|e| ImportError::io(&name, e.reason()))?;
        headers.push(safetensors::read_header(
            BufReader::new(f),
            &name,
            Some(len),
        )?);
        total += len;
    }
    let file_bytes = (!headers.is_empty()).then_some(total);
    finish_snapshot(
        &cfg,
        &shown,
        &headers,
        &dir.display().to_string(),
        file_bytes,
        notes,
    )
}

/// Builds a model from the bytes of a config.json alone (parameters rebuilt
/// from its dimensions). `name` is used in errors.
pub fn from_config_json(bytes: &[u8], name: &str) -> Result<ImportedModel, ImportError> {
    if bytes.len() as u64 > hub::MAX_JSON_FETCH {
        return Err(ImportError::config(
            name,
            "config.json is larger than 64 MiB",
        ));
    }
    let cfg: Value = serde_json::from_slice(bytes)
        .map_err(|e| ImportError::config(name, format!("not JSON: {e}")))?;
    finish_snapshot(&cfg, name, &[], name, None, Vec::new())
}

/// Builds the model from a config and its safetensors headers (possibly
/// none, in which case the tensors are rebuilt from the config).
pub(crate) fn finish_snapshot(
    cfg: &Value,
    cfg_name: &str,
    headers: &[safetensors::StHeader],
    source: &str,
    file_bytes: Option<u64>,
    mut notes: Vec<String>,
) -> Result<ImportedModel, ImportError> {
    let mut arch = hf_config::arch_from_config(cfg, cfg_name, &mut notes)?;
    check_dims(&arch).map_err(|why| ImportError::Unsupported {
        source_name: cfg_name.to_string(),
        why,
    })?;
    let quant = hf_config::HfConfig::new(cfg, cfg_name)
        .quantization()
        .map(hf_config::quant_info);
    let quant_label = match &quant {
        Some(q) => Some(q.method.clone()),
        None => Some(arch.native_dtype.name().to_string()),
    };
    let all: Vec<safetensors::StTensor> = headers
        .iter()
        .flat_map(|h| h.tensors.iter().cloned())
        .collect();
    let tensors = if all.is_empty() {
        None
    } else {
        Some(safetensors::typed_tensors(
            &all,
            quant.as_ref(),
            &mut notes,
        )?)
    };
    let (total, active, decode) = match &tensors {
        Some(t) => params_from_tensors(t, arch.moe.as_ref()),
        None => {
            if rebuild_bound(&arch).is_none_or(|b| b > gguf::MAX_TOTAL_ELEMENTS) {
                return Err(ImportError::Unsupported {
                    source_name: cfg_name.to_string(),
                    why: "the dimensions imply more than 10^15 parameters".into(),
                });
            }
            let plan = tensor_plan(&arch);
            let typed: Vec<(TensorSpec, DType)> =
                plan.into_iter().map(|t| (t, DType::BF16)).collect();
            notes.push(
                "no safetensors headers read: parameters rebuilt from config.json dimensions"
                    .into(),
            );
            params_from_tensors(&typed, arch.moe.as_ref())
        }
    };
    arch.params_total = total;
    arch.params_active = active;
    arch.params_active_decode = decode;
    if let Some(t) = &tensors {
        // A tied checkpoint stores no lm_head.
        if !t.iter().any(|(s, _)| s.role == TensorRole::Output)
            && t.iter().any(|(s, _)| s.role == TensorRole::TokenEmbd)
        {
            arch.tied_embeddings = true;
        }
    }
    check_dims(&arch).map_err(|why| ImportError::Unsupported {
        source_name: cfg_name.to_string(),
        why,
    })?;
    arch.validate().map_err(|e| ImportError::Unsupported {
        source_name: cfg_name.to_string(),
        why: e.to_string(),
    })?;
    Ok(ImportedModel {
        arch,
        tensors,
        file_bytes,
        source: source.to_string(),
        quant_label,
        notes,
    })
}
