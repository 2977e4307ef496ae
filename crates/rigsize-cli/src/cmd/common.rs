//! Resolving what the user named (model, quantization, hardware, engine)
//! into core values, shared by every subcommand.

use anyhow::{Context, Result};
use rigsize_catalog::Catalog;
use rigsize_core::dtype::{DType, KvType};
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::memory::{weights_for_scheme, WeightsEstimate};
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;

/// A model ready for the estimators: architecture, weights at the chosen
/// quantization, and a label for that quantization.
pub struct ResolvedModel {
    pub arch: ModelArch,
    pub weights: WeightsEstimate,
    pub quant_label: String,
    /// Notes about choices made for the user (default quantization…).
    pub notes: Vec<String>,
}

/// The quantization used when none is given: what each engine typically
/// runs (llama.cpp: Q4_K_M GGUF; MLX: 4-bit; vLLM/SGLang: the released dtype).
pub fn default_quant(model: &ModelArch, engine: Engine) -> QuantScheme {
    match engine {
        Engine::LlamaCpp | Engine::Ollama => {
            if model.native_dtype == DType::MXFP4 {
                QuantScheme::parse("mxfp4").expect("known scheme")
            } else {
                QuantScheme::parse("q4_k_m").expect("known scheme")
            }
        }
        Engine::Mlx => QuantScheme::Mlx { bits: 4, group: 64 },
        _ => match model.native_dtype {
            DType::FP8 => QuantScheme::Fp8,
            DType::MXFP4 => QuantScheme::Mxfp4Moe,
            DType::INT4_G128 => QuantScheme::Int4Awq,
            _ => QuantScheme::Bf16,
        },
    }
}

/// Resolves `--model` (catalog id or alias, or a GGUF file, a snapshot
/// directory, a config.json, an `hf:` repo) and `--quant`.
pub fn resolve_model(
    catalog: &Catalog,
    model: &str,
    quant: Option<&str>,
    engine: Engine,
) -> Result<ResolvedModel> {
    if rigsize_import::is_import_spec(model) {
        return resolve_imported(model, quant, engine);
    }
    let rec = catalog.model(model)?;
    let arch = rec.arch.clone();
    let mut notes = Vec::new();
    let scheme = match quant {
        Some(q) => QuantScheme::parse(q)?,
        None => {
            let q = default_quant(&arch, engine);
            notes.push(format!(
                "no --quant given: using {q}, the usual choice for {engine}"
            ));
            q
        }
    };
    let weights = weights_for_scheme(&arch, scheme);
    Ok(ResolvedModel {
        arch,
        weights,
        quant_label: scheme.name(),
        notes,
    })
}

/// An imported model: a file with tensor infos gives exact weights (its own
/// types; `--quant` cannot change them); a bare config is typed by `--quant`.
fn resolve_imported(spec: &str, quant: Option<&str>, engine: Engine) -> Result<ResolvedModel> {
    let imported = rigsize_import::load(spec).with_context(|| format!("reading model '{spec}'"))?;
    let mut notes = imported.notes.clone();
    let arch = imported.arch.clone();
    if let Some(weights) = imported.weights() {
        if let Some(q) = quant {
            let file_quant = imported
                .quant_label
                .clone()
                .unwrap_or_else(|| "its own types".into());
            anyhow::bail!(
                "--quant {q} cannot apply to {spec}: the file stores its tensors as {file_quant}; drop --quant, or give a config.json / catalog id to size another quantization"
            );
        }
        return Ok(ResolvedModel {
            arch,
            weights,
            quant_label: imported.quant_label.unwrap_or_else(|| "as stored".into()),
            notes,
        });
    }
    let scheme = match quant {
        Some(q) => QuantScheme::parse(q)?,
        None => {
            let q = default_quant(&arch, engine);
            notes.push(format!("{spec} has no tensor list: sizing it at {q}"));
            q
        }
    };
    Ok(ResolvedModel {
        weights: weights_for_scheme(&arch, scheme),
        arch,
        quant_label: scheme.name(),
        notes,
    })
}

/// Engine configuration from the common flags.
pub fn engine_config(
    engine: &str,
    ubatch: Option<u32>,
    kv_unified: bool,
    swa_full: bool,
    gpu_util: Option<f64>,
) -> Result<EngineConfig> {
    let engine = Engine::parse(engine)?;
    let mut cfg = EngineConfig::new(engine);
    if let Some(u) = ubatch {
        anyhow::ensure!(
            (1..=65_536).contains(&u),
            "--ubatch must be 1 to 65536, got {u}"
        );
        cfg.n_ubatch = u;
    }
    cfg.kv_unified = kv_unified;
    cfg.swa_full = swa_full;
    if let Some(g) = gpu_util {
        anyhow::ensure!(
            g > 0.0 && g <= 1.0,
            "--gpu-memory-utilization must be above 0 and at most 1, got {g}"
        );
        cfg.gpu_memory_utilization = g;
    }
    Ok(cfg)
}

/// `--kv-type`, with llama.cpp's and vLLM's spellings.
pub fn kv_type(s: &str) -> Result<KvType> {
    KvType::parse(s).with_context(|| "see --help for the KV cache types".to_string())
}

/// Loads the catalog with the user's overrides (`--catalog`, then the
/// config-dir file).
pub fn load_catalog(extra: &[std::path::PathBuf]) -> Result<Catalog> {
    let mut c = Catalog::builtin()?;
    if let Some(p) = Catalog::user_catalog_path() {
        c.merge_file(&p)?;
    }
    for p in extra {
        c.merge_file(p)?;
    }
    Ok(c)
}
