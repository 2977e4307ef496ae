//! "Not recommended, and why" (issue 10, item 10): the build families the
//! rules list (data/build-rules.toml [[family]]) planned like any build, with
//! the measured reason each is rejected for these requirements.

use crate::data::FamilyRule;
use crate::report::{Candidate, NotRecommended, SetAside};

/// Every family that does not make the ranking's top, with its reasons.
pub(crate) fn not_recommended(
    families: &[FamilyRule],
    all: &[&Candidate],
    set_aside: &[SetAside],
    top: Option<&Candidate>,
) -> Vec<NotRecommended> {
    families
        .iter()
        .filter_map(|f| {
            let c = all
                .iter()
                .filter(|c| c.hardware_id == f.hardware && c.device_count == f.count)
                .min_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf));
            let Some(c) = c else {
                return Some(NotRecommended {
                    family: f.name.clone(),
                    build: None,
                    total_price_chf: None,
                    reasons: vec![
                        "not planned: no priced build of it under the purchase conditions and platforms".into(),
                    ],
                });
            };
            if top.is_some_and(|t| t.name == c.name) {
                return None;
            }
            let reasons = reasons(c, set_aside, top);
            Some(NotRecommended {
                family: f.name.clone(),
                build: Some(c.name.clone()),
                total_price_chf: Some(c.total_price_chf),
                reasons,
            })
        })
        .collect()
}

/// The failing checks with their shortfalls; for a build that passes them,
/// why it is still set aside or how it compares with the top pick.
fn reasons(c: &Candidate, set_aside: &[SetAside], top: Option<&Candidate>) -> Vec<String> {
    let mut r: Vec<String> = c
        .failures()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f.requirement,
                f.shortfall.clone().unwrap_or_else(|| f.value.clone())
            )
        })
        .collect();
    if let Some(s) = set_aside.iter().find(|s| s.name == c.name) {
        r.push(s.reason.clone());
    }
    if let Some(t) = top.filter(|_| r.is_empty()) {
        r.push(format!(
            "meets the minimums, but the top pick {} costs CHF {:.0} ({:+.0}) and runs the main agent at {:.1} tok/s ({:.1} here); {} and {:.0} W peak here",
            t.name,
            t.total_price_chf,
            t.total_price_chf - c.total_price_chf,
            t.main_speed(),
            c.main_speed(),
            c.noise.name(),
            c.peak_power_w
        ));
    }
    r
}
