//! "What would it take": the same requirements with one role's model fixed
//! (at a given context), and the cheapest build that then meets every minimum.

use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;

use crate::cancel::Cancel;
use crate::candidate::build_candidate;
use crate::candidates::Hw;
use crate::error::PlanError;
use crate::placement::base_bytes_total;
use crate::report::Candidate;
use crate::requirements::{Ctx, ModelChoice, Requirements, Tokens};

/// `req` with role `role` served by `model` alone at `ctx` tokens (a hard minimum).
pub(crate) fn with_model(req: &Requirements, role: usize, model: &str, ctx: u64) -> Requirements {
    let mut r = req.clone();
    let x = &mut r.roles[role];
    x.models = ModelChoice::List(vec![model.to_string()]);
    x.context = Tokens::Count(ctx);
    x.context_min = None;
    x.named_models.clear();
    r
}

/// The cheapest of `hws` (by parts before storage) on which `req` meets every
/// minimum, evaluated in price order.
pub(crate) fn cheapest_meeting(
    req: &Requirements,
    catalog: &Catalog,
    hws: &[&Hw],
    cancel: &Cancel,
) -> Result<Option<Candidate>, PlanError> {
    let cx = Ctx::new(req, catalog)?;
    // The smallest model choice of each role: a lower bound on the memory.
    let smallest: Vec<usize> = cx
        .options
        .iter()
        .map(|opts| {
            (0..opts.len())
                .min_by_key(|&i| cx.models[opts[i].model].weights_gguf.bytes)
                .unwrap_or(0)
        })
        .collect();
    let mut order: Vec<(&Hw, f64)> = hws
        .iter()
        .filter(|hw| {
            let need = base_bytes_total(&cx, &smallest, hw.family, KvType::Q8_0);
            need <= hw.caps.iter().sum::<u64>()
        })
        .map(|hw| (*hw, hw.components.iter().map(|c| c.price_chf).sum::<f64>()))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (hw, _) in order {
        cancel.check()?;
        let c = build_candidate(&cx, hw, cancel)?;
        if c.meets_all_minimums {
            return Ok(Some(c));
        }
    }
    Ok(None)
}
