//! Bill of materials: one priced line per part, and the storage a PC gets
//! once its planned model files are known.

use super::{BuildKind, Hw};
use crate::data::PartPrice;
use crate::report::Component;
use crate::requirements::Ctx;
use crate::whole::Whole;

/// One BOM line: `qty` of a priced part, with the build rule that chose it.
pub(crate) fn component(p: &PartPrice, qty: u32, why: &str) -> Component {
    Component {
        kind: p.kind.clone(),
        name: p.name.clone(),
        item_id: p.item_id.clone(),
        quantity: qty,
        unit_price_chf: p.price_chf,
        price_chf: round2(p.price_chf * qty as f64),
        price_source: p.price_source.clone(),
        price_date: p.price_date.clone(),
        url: p.url.clone(),
        condition: p.condition.clone(),
        estimate: p.estimate,
        why: why.to_string(),
    }
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Adds the cheapest NVMe drive that holds the planned model files (with the
/// rules' factor for downloads and spares) to a PC, before its last line.
pub(crate) fn add_storage(
    cx: &Ctx,
    hw: &Hw,
    components: &mut Vec<Component>,
    model_file_bytes: u64,
) {
    if hw.build != BuildKind::Pc {
        return;
    }
    let g = &cx.rules.general;
    let need_tb = (model_file_bytes as f64 / 1e12 * g.storage_model_factor).max(g.storage_min_tb);
    let Some((s, p)) = cx
        .rules
        .storage
        .iter()
        .filter(|s| s.tb >= need_tb)
        .filter_map(|s| cx.price(&s.item).map(|p| (s, p)))
        .min_by(|a, b| a.1.price_chf.total_cmp(&b.1.price_chf))
    else {
        return;
    };
    let pos = components.len().saturating_sub(1);
    components.insert(
        pos,
        component(
            &p,
            1,
            &format!(
                "NVMe ≥ max({} TB, {} × {:.0} GB of planned model files) → {} TB",
                g.storage_min_tb,
                g.storage_model_factor,
                Whole(model_file_bytes as f64 / 1e9),
                s.tb
            ),
        ),
    );
}

/// The build's total price.
pub(crate) fn total_chf(components: &[Component]) -> f64 {
    round2(components.iter().map(|c| c.price_chf).sum())
}
