//! Engine × hardware × quantization rules (`data/engine-compat.toml`)
//! applied to a fit: a refusal becomes a blocker, a caveat a dated warning.

use std::sync::OnceLock;

use rigsize_catalog::Catalog;
use rigsize_core::compat::{CompatData, Effect, Subject};
use rigsize_core::engine::Engine;
use rigsize_core::fit::{Blocker, FitReport, Fix, FixKind};
use rigsize_core::hardware::DeviceSet;
use rigsize_core::model::ModelArch;
use rigsize_core::units::to_gib;

use crate::fit::{fit_report_only, FitRequest, Resolver};

/// The built-in rules, parsed once.
pub fn rules() -> anyhow::Result<&'static CompatData> {
    static DATA: OnceLock<Result<CompatData, String>> = OnceLock::new();
    DATA.get_or_init(|| rigsize_catalog::compat::builtin_compat().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Adds the rules that match this engine, device set, quantization and
/// model to `report`: refusals as blockers, caveats as warnings.
pub fn apply(
    report: &mut FitReport,
    engine: Engine,
    set: &DeviceSet,
    model: &ModelArch,
    catalog: &Catalog,
) -> anyhow::Result<()> {
    let arch = catalog
        .hardware_record(&set.device.id)
        .ok()
        .and_then(|r| r.arch.clone());
    let vendor = set.device.vendor_key();
    let findings = rules()?.check(&Subject {
        engine,
        quant: &report.quant,
        vendor: &vendor,
        kind: set.device.kind,
        family: &set.device.family,
        device: &set.device.id,
        arch: arch.as_deref(),
        model_family: &model.family,
    });
    for f in findings {
        match f.effect {
            Effect::Refuse => report.add_blocker(Blocker::Engine {
                rule: format!(
                    "{} with {} on {}: {}",
                    engine, report.quant, set.device.id, f.message
                ),
                source: f.source,
            }),
            Effect::Warn => report
                .warnings
                .push(format!("{} (as of {}; {})", f.message, f.as_of, f.source)),
        }
    }
    Ok(())
}

/// Engines to offer when the requested one is refused, in order.
const ENGINES: [Engine; 4] = [Engine::LlamaCpp, Engine::Mlx, Engine::Vllm, Engine::Sglang];

/// Fixes for an engine refusal: the same engine with another quantization,
/// or another engine with its usual quantization, where the result fits.
pub fn engine_fixes(
    req: &FitRequest,
    report: &FitReport,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Vec<Fix> {
    let mut out = Vec::new();
    let describe = |r: &FitReport| match (r.hardware.as_ref(), r.available_bytes) {
        (Some(_), Some(a)) => format!(
            "needs {:.1} GiB of {:.1} GiB",
            to_gib(r.total_bytes),
            to_gib(a)
        ),
        _ => format!("needs {:.1} GiB", to_gib(r.total_bytes)),
    };
    let fits = |r: &FitReport| r.fits != Some(false);
    if req.quant.is_some() {
        let mut t = req.clone();
        t.quant = None;
        if let Ok((r, _)) = fit_report_only(&t, catalog, resolve) {
            if fits(&r) && r.quant != report.quant {
                out.push(Fix {
                    change: FixKind::Quant {
                        quant: r.quant.clone(),
                    },
                    total_bytes: r.total_bytes,
                    description: format!("--quant {} on {}: {}", r.quant, r.engine, describe(&r)),
                });
            }
        }
    }
    for e in ENGINES.iter().filter(|e| e.name() != report.engine) {
        let mut t = req.clone();
        t.engine = Some(e.name().to_string());
        t.quant = None;
        if let Ok((r, _)) = fit_report_only(&t, catalog, resolve) {
            if fits(&r) {
                out.push(Fix {
                    change: FixKind::Engine {
                        engine: e.name().to_string(),
                    },
                    total_bytes: r.total_bytes,
                    description: format!("--engine {} (--quant {}): {}", e, r.quant, describe(&r)),
                });
                break;
            }
        }
    }
    out
}
