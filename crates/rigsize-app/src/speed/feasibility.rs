//! Whether the largest cell of a speed request can run at all: no speed is
//! given for a run that does not fit, and the refusal says why.

use rigsize_catalog::Catalog;
use rigsize_core::fit::FitReport;
use rigsize_core::units::format_tokens;

use super::{Grid, SpeedRequest};
use crate::fit::{build_fit_report_with, FitRequest, ResolvedModel, Resolver};
use crate::vision::ImageLoad;

/// Feasibility first: the largest cell must fit (memory, context, engine)
/// or no speed is given; smaller cells need less of everything. Returns the
/// fit and the report's notes (the model's, the fit's warnings, vision and
/// prompt remarks, in that order).
pub(super) fn feasibility(
    req: &SpeedRequest,
    catalog: &Catalog,
    resolve: &Resolver,
    model: &ResolvedModel,
    grid: &Grid,
    vision: &ImageLoad,
) -> anyhow::Result<(FitReport, Vec<String>)> {
    let mut notes = model.notes.clone();
    // The fit's warnings below carry the user-added-record note, if any.
    let deepest = grid
        .depths
        .iter()
        .chain(&grid.prompt)
        .copied()
        .max()
        .unwrap_or(0);
    let deepest = deepest.max(grid.prompt.unwrap_or(0) + vision.tokens);
    let most_streams = grid.streams.iter().copied().max().unwrap_or(1);
    let fit = check_fit(req, catalog, resolve, deepest.max(1), most_streams, vision)?;
    notes.extend(fit.warnings.iter().cloned());
    notes.extend(vision.note(&model.arch));
    if let Some(p) = grid.prompt {
        if let Some(d) = grid.depths.iter().find(|d| **d < p) {
            notes.push(format!(
                "prompt {} is longer than depth {}: the prompt is prefilled from an empty cache",
                format_tokens(p),
                format_tokens(*d)
            ));
        }
    }
    Ok((fit, notes))
}

/// The fit of the largest cell; an error with the fit numbers and the
/// smallest fixes when it does not fit, so no speed is given for a run
/// that cannot happen.
fn check_fit(
    req: &SpeedRequest,
    catalog: &Catalog,
    resolve: &Resolver,
    ctx: u64,
    streams: u32,
    vision: &ImageLoad,
) -> anyhow::Result<FitReport> {
    let mut f = FitRequest::new(req.model.clone());
    f.quant = req.quant.clone();
    f.ctx = Some(serde_json::Value::from(ctx));
    f.kv_type = req.kv_type.clone();
    f.streams = Some(streams);
    f.hw = Some(req.hw.clone());
    f.engine = req.engine.clone();
    f.extend_context = req.extend_context;
    f.n_cpu_moe = req.n_cpu_moe;
    f.ubatch = req.ubatch;
    f.ram_gb = req.ram_gb;
    f.ram_bw_gbs = req.ram_bw_gbs;
    if vision.images > 0 {
        f.vision = Some(true);
    }
    let (report, _) = build_fit_report_with(&f, catalog, resolve)?;
    if report.fits == Some(false) {
        anyhow::bail!("{}", refusal(&report));
    }
    Ok(report)
}

/// "does not fit" with the numbers and the fixes, one paragraph.
pub fn refusal(r: &FitReport) -> String {
    use rigsize_core::units::to_gib;
    let hw = r
        .hardware
        .as_ref()
        .map(|h| format!("{} × {}", h.count, h.id))
        .unwrap_or_default();
    let mut msg = format!(
        "no speed: {} {} with {} on {hw} at {} tokens × {} stream(s) does not fit: {}. Memory: {:.1} GiB needed (weights {:.1}, KV cache {:.1}, other {:.1}), {:.1} GiB available",
        r.model,
        r.quant,
        r.engine,
        format_tokens(r.ctx),
        r.streams,
        r.reason.as_deref().unwrap_or("it does not fit"),
        to_gib(r.total_bytes),
        to_gib(r.weights_bytes),
        to_gib(r.kv_cache_bytes),
        to_gib(r.total_bytes.saturating_sub(r.weights_bytes + r.kv_cache_bytes)),
        to_gib(r.available_bytes.unwrap_or(0)),
    );
    if let Some(o) = &r.offload {
        msg.push_str(&format!(
            " on the GPU, with expert offload (--n-cpu-moe {}) keeping {:.1} GiB of experts in system RAM",
            o.n_cpu_moe,
            to_gib(o.host_bytes)
        ));
    }
    if !r.fixes.is_empty() {
        msg.push_str(". Smallest fixes (--ctx stands for the deepest --depth or --prompt): ");
        msg.push_str(
            &r.fixes
                .iter()
                .map(|f| f.description.clone())
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
    msg.push_str(" (memory in GiB, 2^30 B)");
    msg
}
