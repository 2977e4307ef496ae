//! `plan --live`: the parts of the builds the report details, looked up now
//! through the live price source (toppreise.ch, cached), next to the snapshot
//! prices the plan ranked them with. The ranking itself stays on the dated
//! snapshot (one price basis for every build); this section says what the
//! same parts cost today, and which could not be refreshed and why.

use rigsize_plan::report::{Candidate, PlanReport};
use rigsize_prices::parts::LiveParts;
use serde::Serialize;

use super::prices::LiveBar;

/// One build's parts at live prices.
#[derive(Debug, Serialize)]
pub struct LiveBuild {
    pub name: String,
    pub snapshot_total_chf: f64,
    /// The same parts at the live (or fallback) price of each.
    pub live_total_chf: f64,
    /// Parts that kept their snapshot or cached price (see `parts`' fallback).
    pub parts_not_refreshed: usize,
}

#[derive(Debug, Serialize)]
pub struct LiveSection {
    pub builds: Vec<LiveBuild>,
    pub parts: LiveParts,
}

/// Refreshes the parts of the first `n` builds, with a progress bar.
pub fn refresh(report: &PlanReport, n: usize) -> LiveSection {
    let builds: Vec<&Candidate> = report.candidates.iter().take(n.max(1)).collect();
    let ids: Vec<String> = builds
        .iter()
        .flat_map(|c| c.components.iter().map(|p| p.item_id.clone()))
        .collect();
    let bar = LiveBar::new();
    let parts = rigsize_prices::parts::live_parts(&ids, &mut |p| bar.update(p));
    bar.finish();
    let builds = builds
        .iter()
        .map(|c| {
            let mut live = 0.0;
            let mut stale = 0;
            for p in &c.components {
                let lp = parts.get(&p.item_id);
                if lp.is_none_or(|x| x.fallback.is_some()) {
                    stale += 1;
                }
                let unit = lp
                    .and_then(|x| x.quote.as_ref())
                    .map_or(p.unit_price_chf, |q| q.price_chf);
                live += unit * p.quantity as f64;
            }
            LiveBuild {
                name: c.name.clone(),
                snapshot_total_chf: c.total_price_chf,
                live_total_chf: live,
                parts_not_refreshed: stale,
            }
        })
        .collect();
    LiveSection { builds, parts }
}

/// The section in Markdown.
pub fn to_markdown(s: &LiveSection) -> String {
    let mut out = String::from("\n## Live prices of the detailed builds\n\n");
    out.push_str(
        "The ranking above uses the dated snapshot; these are the same parts looked up now.\n\n",
    );
    out.push_str(
        "| build | snapshot CHF | live CHF | parts not refreshed |\n|---|---:|---:|---:|\n",
    );
    for b in &s.builds {
        out.push_str(&format!(
            "| {} | {:.0} | {:.0} | {} |\n",
            b.name, b.snapshot_total_chf, b.live_total_chf, b.parts_not_refreshed
        ));
    }
    let stale: Vec<String> = s
        .parts
        .parts
        .iter()
        .filter_map(|p| {
            p.fallback
                .as_ref()
                .map(|why| format!("- {}: {why}", p.item_id))
        })
        .collect();
    if !stale.is_empty() {
        out.push_str("\nNot refreshed (kept their cached or snapshot price):\n\n");
        out.push_str(&stale.join("\n"));
        out.push('\n');
    }
    for w in &s.parts.warnings {
        out.push_str(&format!("\nwarning: {w}\n"));
    }
    out
}
