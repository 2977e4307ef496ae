//! What only the command line does on top of the shared request layer
//! (`rigsize-app`): reading models from files and the Hub, and loading the
//! user's catalog overrides.

use anyhow::{Context, Result};
use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;

pub use rigsize_app::fit::{default_quant, engine_config, kv_type, ResolvedModel};

/// llama.cpp expert offload, as `fit` and `speed` take it (defined once).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OffloadArgs {
    /// llama.cpp expert offload: keep the routed experts of the first N
    /// blocks in system RAM (`--n-cpu-moe N`; N = block count is `--cpu-moe`).
    /// Mixture-of-experts models on llama.cpp only.
    #[arg(long, value_name = "N")]
    pub n_cpu_moe: Option<u32>,
    /// System RAM in GB: checks that it holds the offloaded experts.
    #[arg(long, value_name = "GB")]
    pub ram_gb: Option<f64>,
    /// Peak system-RAM bandwidth in GB/s (channels × MT/s × 8 B, e.g. 89.6
    /// for 2-channel DDR5-5600). Default: rigsize's reference host (AM5,
    /// 2-channel DDR5-5600).
    #[arg(long, value_name = "GB_S")]
    pub ram_bw_gbs: Option<f64>,
}

/// Resolves `--model` (catalog id or alias, or a GGUF file, a snapshot
/// directory, a config.json, an `hf:` repo) and `--quant`. The web API and
/// the tool server use the catalog-only resolver; the CLI adds imports.
pub fn resolve_model(
    catalog: &Catalog,
    model: &str,
    quant: Option<&str>,
    engine: Engine,
) -> Result<ResolvedModel> {
    if rigsize_import::is_import_spec(model) {
        return resolve_imported(model, quant, engine);
    }
    rigsize_app::fit::resolve_model(catalog, model, quant, engine)
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

/// The `--hw` value that stands for this machine.
pub const LOCAL_HW: &str = "local";

/// Resolves `--hw local` to the detected box (`rtx-3090:2`,
/// `m3-ultra-80c@256`); any other value is returned as given. Also returns
/// the detected Apple wired-memory limit, for fit.
pub fn resolve_hw(catalog: &Catalog, hw: &str) -> Result<(String, Option<u64>)> {
    if !hw.trim().eq_ignore_ascii_case(LOCAL_HW) {
        return Ok((hw.to_string(), None));
    }
    let d = rigsize_detect::detect(catalog);
    match d.hw {
        Some(spec) => {
            eprintln!("--hw local: detected {spec}");
            Ok((spec, d.wired_limit_bytes))
        }
        None => anyhow::bail!(
            "--hw local: {}",
            d.hw_problem
                .unwrap_or_else(|| "nothing detected on this machine".into())
        ),
    }
}
