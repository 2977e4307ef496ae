//! Models the plan does not use but the buyer should hear about (issue 10,
//! item 5): every model the buyer named, and every model left out only by a
//! few percent of context — each with why it is out and what it would take.

use rigsize_catalog::Catalog;
use rigsize_core::units::format_tokens;

use crate::cancel::Cancel;
use crate::candidates::Hw;
use crate::error::PlanError;
use crate::report::{Candidate, ModelOut};
use crate::requirements::{resolve::WindowOut, Ctx};
use crate::whatif::{cheapest_meeting, with_model};

/// A model whose window is at most this much short of a role's minimum is
/// reported even when the buyer did not name it ("within, say, 10 %").
pub(crate) const NEAR_WINDOW_PCT: f64 = 10.0;

/// The report's `models_out` for the ranked `top` pick.
pub(crate) fn models_out(
    cx: &Ctx,
    catalog: &Catalog,
    hws: &[&Hw],
    top: Option<&Candidate>,
    cancel: &Cancel,
) -> Result<Vec<ModelOut>, PlanError> {
    let mut out = Vec::new();
    for w in &cx.windows_out {
        let short = (1.0 - w.window as f64 / w.needed as f64) * 100.0;
        if w.named || short <= NEAR_WINDOW_PCT {
            out.push(window_out(cx, catalog, hws, w, short, cancel)?);
        }
    }
    for (ri, role) in cx.req.roles.iter().enumerate() {
        for id in &role.named_models {
            let Ok(rec) = catalog.model(id) else { continue };
            let model = &rec.arch.id;
            let planned = top.and_then(|t| t.roles.get(ri));
            if planned.is_some_and(|p| &p.model == model)
                || out
                    .iter()
                    .any(|o: &ModelOut| &o.model == model && o.role == role.name)
            {
                continue;
            }
            out.push(not_chosen(cx, catalog, hws, ri, model, planned, cancel)?);
        }
    }
    Ok(out)
}

fn window_out(
    cx: &Ctx,
    catalog: &Catalog,
    hws: &[&Hw],
    w: &WindowOut,
    short: f64,
    cancel: &Cancel,
) -> Result<ModelOut, PlanError> {
    let role = &cx.req.roles[w.role];
    let score = w
        .quality
        .map_or(String::new(), |q| format!(" (it scores {q:.1}%)"));
    let reason = format!(
        "its window of {} tokens is {short:.1}% short of the {} that role '{}' needs as a hard minimum{score}",
        format_tokens(w.window),
        format_tokens(w.needed),
        role.name
    );
    let req = with_model(cx.req, w.role, &w.model, w.window);
    let best = cheapest_meeting(&req, catalog, hws, cancel)?;
    let hint = format!(
        "or make {} a target with context_min = \"{}\" in the requirements",
        format_tokens(w.needed),
        format_tokens(w.window)
    );
    Ok(finish(
        &w.model,
        &role.name,
        w.named,
        reason,
        &format!("at its own {} window", format_tokens(w.window)),
        best,
        w.role,
        Some(hint),
    ))
}

fn not_chosen(
    cx: &Ctx,
    catalog: &Catalog,
    hws: &[&Hw],
    ri: usize,
    model: &str,
    planned: Option<&crate::report::RoleResult>,
    cancel: &Cancel,
) -> Result<ModelOut, PlanError> {
    let role = &cx.req.roles[ri];
    let bench = role
        .rank_by
        .as_deref()
        .unwrap_or(crate::requirements::DEFAULT_BENCHMARK);
    let score = cx.quality.score(model, bench).map(|s| s.score_pct);
    if let (Some(p), Some(q), Some(pq)) = (planned, score, planned.and_then(|p| p.quality_pct)) {
        if q < pq {
            return Ok(ModelOut {
                model: model.to_string(),
                role: role.name.clone(),
                named: true,
                reason: format!(
                    "the planned {} scores higher on {bench} ({pq:.1}% vs {q:.1}%) and keeps every minimum",
                    p.model
                ),
                what_it_would_take: "nothing to gain: it is the weaker model for this role".into(),
                build: None,
                build_price_chf: None,
                tok_s_per_stream: None,
            });
        }
    }
    let req = with_model(cx.req, ri, model, cx.ctx[ri]);
    let best = cheapest_meeting(&req, catalog, hws, cancel)?;
    let reason = match planned {
        Some(p) => format!(
            "it does not keep every minimum on the top pick, which plans {} for this role",
            p.model
        ),
        None => "no build keeps every minimum with it".into(),
    };
    Ok(finish(
        model,
        &role.name,
        true,
        reason,
        &format!("at {}", format_tokens(cx.ctx[ri])),
        best,
        ri,
        None,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    model: &str,
    role: &str,
    named: bool,
    reason: String,
    at: &str,
    best: Option<Candidate>,
    ri: usize,
    hint: Option<String>,
) -> ModelOut {
    let mut take = match &best {
        Some(c) => format!(
            "{at}: {} (CHF {:.0}) runs it at {:.1} tok/s per stream with every other minimum kept",
            c.name,
            c.total_price_chf,
            c.roles.get(ri).map_or(0.0, |r| r.tok_s_per_stream)
        ),
        None => format!("{at}: no build in the catalog runs it with every other minimum kept"),
    };
    if let Some(h) = hint {
        take = format!("{take}; {h}");
    }
    ModelOut {
        model: model.to_string(),
        role: role.to_string(),
        named,
        reason,
        what_it_would_take: take,
        build: best.as_ref().map(|c| c.name.clone()),
        build_price_chf: best.as_ref().map(|c| c.total_price_chf),
        tok_s_per_stream: best
            .as_ref()
            .and_then(|c| c.roles.get(ri))
            .map(|r| r.tok_s_per_stream),
    }
}
