//! Every device earns its place (issue 10, item 1): a build is left out when
//! one of its devices holds nothing, or holds only roles that a build of the
//! remaining devices serves with the same (or better) models and every
//! minimum kept — unless the requirements mark such a role `dedicated`.

use rigsize_core::units::to_gib;

use crate::report::{Candidate, CheckKind, SetAside, SetAsideKind};
use crate::requirements::Requirements;

/// The devices of a build as a multiset of (name, memory bytes).
fn devices(c: &Candidate) -> Vec<(&str, u64)> {
    let mut d: Vec<(&str, u64)> = c
        .memory
        .devices
        .iter()
        .map(|d| (d.device.as_str(), d.memory_bytes))
        .collect();
    d.sort_unstable();
    d
}

/// The indices of `x`'s devices left over when `r`'s devices are taken out;
/// None unless `r`'s devices are a strict sub-multiset of `x`'s.
fn extra_devices(x: &Candidate, r: &Candidate) -> Option<Vec<usize>> {
    let mut left: Vec<usize> = (0..x.memory.devices.len()).collect();
    for (name, mem) in devices(r) {
        let pos = left.iter().rposition(|&i| {
            let d = &x.memory.devices[i];
            d.device == name && d.memory_bytes == mem
        })?;
        left.remove(pos);
    }
    (!left.is_empty()).then_some(left)
}

/// `r` runs every role on the same model as `x`, or on a better-scored one.
fn same_or_better_models(x: &Candidate, r: &Candidate) -> bool {
    x.roles.len() == r.roles.len()
        && x.roles.iter().zip(&r.roles).all(|(a, b)| {
            a.model == b.model
                || matches!((a.quality_pct, b.quality_pct), (Some(qa), Some(qb)) if qb >= qa)
        })
}

/// `r` keeps everything `x` keeps: every minimum when `x` meets them all,
/// else it fails nothing `x` does not fail (a smaller build that trades one
/// failure for another keeps less, not the same).
fn keeps_minimums(x: &Candidate, r: &Candidate) -> bool {
    r.memory.fits
        && if x.meets_all_minimums {
            r.meets_all_minimums
        } else {
            let xf: Vec<(CheckKind, &str)> = x
                .failures()
                .iter()
                .map(|c| (c.kind, c.requirement.as_str()))
                .collect();
            r.failures()
                .iter()
                .all(|c| xf.contains(&(c.kind, c.requirement.as_str())))
        }
}

/// Why `x` is set aside, if it is.
fn set_aside_reason(
    x: &Candidate,
    all: &[Candidate],
    req: &Requirements,
    any_fits: bool,
) -> Option<(SetAsideKind, String)> {
    if !x.memory.fits {
        return any_fits.then(|| {
            (
                SetAsideKind::TooSmall,
                format!(
                    "needs {:.0} GiB, has {:.0} GiB usable",
                    to_gib(x.memory.required_bytes),
                    to_gib(x.memory.available_bytes)
                ),
            )
        });
    }
    if let Some(d) = x.memory.devices.iter().find(|d| d.roles.is_empty()) {
        return Some((
            SetAsideKind::IdleDevice,
            format!("device {} ({}) holds nothing", d.index, d.device),
        ));
    }
    let dedicated = |role: &str| req.roles.iter().any(|r| r.name == role && r.dedicated);
    let (r, extra) = all
        .iter()
        .filter(|r| r.device_count < x.device_count && r.platform == x.platform)
        .filter(|r| same_or_better_models(x, r) && keeps_minimums(x, r))
        .filter_map(|r| extra_devices(x, r).map(|e| (r, e)))
        .filter(|(_, e)| {
            !e.iter()
                .any(|&i| x.memory.devices[i].roles.iter().all(|role| dedicated(role)))
        })
        .min_by(|a, b| a.0.total_price_chf.total_cmp(&b.0.total_price_chf))?;
    let what: Vec<String> = extra
        .iter()
        .map(|&i| {
            let d = &x.memory.devices[i];
            format!("the {} holds only {}", d.device, d.roles.join(" + "))
        })
        .collect();
    Some((
        SetAsideKind::SurplusDevice,
        format!(
            "{}, which {} serves with the same models and {} (CHF {:.0})",
            what.join("; "),
            r.name,
            if x.meets_all_minimums {
                "every minimum kept"
            } else {
                "no failure the larger build does not have"
            },
            r.total_price_chf
        ),
    ))
}

/// The candidates split by [`earns_its_place`].
pub(crate) struct Earned {
    /// The builds whose devices all earn their place, in input order.
    pub kept: Vec<Candidate>,
    /// Why each other build is set aside.
    pub set_aside: Vec<SetAside>,
    /// Every input position: the set-aside build there, `None` where the
    /// build was kept (so every build can be listed in input order again
    /// without a copy of them all).
    pub rest: Vec<Option<Candidate>>,
}

/// Splits the candidates into the ones whose devices all earn their place
/// and the ones set aside (with the reason).
pub(crate) fn earns_its_place(all: Vec<Candidate>, req: &Requirements) -> Earned {
    let any_fits = all.iter().any(|c| c.memory.fits);
    let reasons: Vec<Option<(SetAsideKind, String)>> = all
        .iter()
        .map(|x| set_aside_reason(x, &all, req, any_fits))
        .collect();
    let mut kept = Vec::new();
    let mut aside = Vec::new();
    let mut rest = Vec::with_capacity(all.len());
    for (c, r) in all.into_iter().zip(reasons) {
        match r {
            None => {
                kept.push(c);
                rest.push(None);
            }
            Some((kind, reason)) => {
                aside.push(SetAside {
                    name: c.name.clone(),
                    total_price_chf: c.total_price_chf,
                    kind,
                    reason,
                });
                rest.push(Some(c));
            }
        }
    }
    Earned {
        kept,
        set_aside: aside,
        rest,
    }
}

/// Every build in input order again: `rest` from [`earns_its_place`] with
/// the kept builds, which [`crate::rank::rank`] reordered by `ranked`
/// (`ranked[i]` = the kept position of the build now at `i`). The kept builds
/// carry what ranking added (the Pareto mark, the top pick's stage 2).
pub(crate) fn every_build<'a>(
    rest: &'a [Option<Candidate>],
    kept: &'a [Candidate],
    ranked: &[usize],
) -> Vec<&'a Candidate> {
    let mut now_at = vec![0; ranked.len()];
    for (i, &k) in ranked.iter().enumerate() {
        now_at[k] = i;
    }
    let mut next = now_at.into_iter();
    rest.iter()
        .filter_map(|r| match r {
            Some(c) => Some(c),
            None => next.next().map(|i| &kept[i]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::tests::cand;
    use crate::report::DeviceMemory;

    const G: u64 = 1 << 30;

    fn with_devices(name: &str, price: f64, devs: &[(&str, u64, &[&str])]) -> Candidate {
        let mut c = cand(name, price, 50.0, 10 * G as i64);
        c.device_count = devs.len() as u32;
        c.memory.devices = devs
            .iter()
            .enumerate()
            .map(|(i, (n, m, roles))| DeviceMemory {
                index: i,
                device: n.to_string(),
                memory_bytes: *m,
                available_bytes: *m,
                used_bytes: if roles.is_empty() { 0 } else { G },
                used_pct: 0.0,
                roles: roles.iter().map(|r| r.to_string()).collect(),
                parts: vec![],
            })
            .collect();
        c
    }

    fn req(dedicated: bool) -> Requirements {
        Requirements::from_toml(
            &format!("[[role]]\nname = \"main\"\nmodels = [\"qwen3-32b\"]\ncontext = 1000\n[[role]]\nname = \"vision\"\nmodels = [\"qwen3-32b\"]\ncontext = 1000\ndedicated = {dedicated}\n[budget]\nmax_chf = 9000\n"),
            "t.toml",
        )
        .unwrap()
    }

    #[test]
    fn every_build_comes_back_in_input_order_after_ranking() {
        let a = with_devices("a", 9000.0, &[("PRO", 96 * G, &["main", "vision"])]);
        let idle = with_devices("idle", 100.0, &[("3060", 12 * G, &[])]);
        let b = with_devices("b", 7000.0, &[("5090", 32 * G, &["main", "vision"])]);
        let Earned { mut kept, rest, .. } = earns_its_place(vec![a, idle, b], &req(false));
        assert_eq!(kept.len(), 2);
        // The ranking puts the cheaper b first.
        kept.reverse();
        let names: Vec<&str> = every_build(&rest, &kept, &[1, 0])
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["a", "idle", "b"]);
    }

    #[test]
    fn a_second_card_for_a_role_that_fits_on_the_first_is_set_aside() {
        let big = with_devices("big", 8000.0, &[("PRO", 96 * G, &["main", "vision"])]);
        let pair = with_devices(
            "big+small",
            8400.0,
            &[("PRO", 96 * G, &["main"]), ("3060", 12 * G, &["vision"])],
        );
        let Earned {
            kept,
            set_aside: aside,
            ..
        } = earns_its_place(vec![pair, big], &req(false));
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].name, "big");
        assert_eq!(aside[0].kind, SetAsideKind::SurplusDevice);
        assert!(
            aside[0].reason.contains("the 3060 holds only vision"),
            "{}",
            aside[0].reason
        );
    }

    #[test]
    fn a_dedicated_role_keeps_its_device() {
        let big = with_devices("big", 8000.0, &[("PRO", 96 * G, &["main", "vision"])]);
        let pair = with_devices(
            "big+small",
            8400.0,
            &[("PRO", 96 * G, &["main"]), ("3060", 12 * G, &["vision"])],
        );
        let Earned { kept, .. } = earns_its_place(vec![pair, big], &req(true));
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn a_second_device_that_makes_the_minimums_stays() {
        let mut one = with_devices("one", 3000.0, &[("Mac", 96 * G, &["main", "vision"])]);
        one.meets_all_minimums = false;
        one.checks
            .push(crate::verdicts::power(&req(false), 1e9, 1e9));
        let two = with_devices(
            "two",
            6000.0,
            &[("Mac", 96 * G, &["main"]), ("Mac", 96 * G, &["vision"])],
        );
        let Earned { kept, .. } = earns_its_place(vec![two, one], &req(false));
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn an_idle_device_is_never_kept() {
        let idle = with_devices(
            "idle",
            6000.0,
            &[("Mac", 96 * G, &["main", "vision"]), ("Mac", 96 * G, &[])],
        );
        let Earned {
            kept,
            set_aside: aside,
            ..
        } = earns_its_place(vec![idle], &req(false));
        assert!(kept.is_empty());
        assert_eq!(aside[0].kind, SetAsideKind::IdleDevice);
    }

    #[test]
    fn a_smaller_build_with_a_worse_model_does_not_make_a_device_surplus() {
        let mut small = with_devices("small", 3000.0, &[("5090", 32 * G, &["main"])]);
        small.roles[0].model = "weaker".into();
        small.roles[0].quality_pct = Some(40.0);
        let mut two = with_devices(
            "two",
            6000.0,
            &[("5090", 32 * G, &["main"]), ("5090", 32 * G, &["main"])],
        );
        two.roles[0].quality_pct = Some(70.0);
        let r = Requirements::from_toml(
            "[[role]]\nname = \"main\"\nmodels = [\"qwen3-32b\"]\ncontext = 1000\n[budget]\nmax_chf = 9000\n",
            "t.toml",
        )
        .unwrap();
        let Earned { kept, .. } = earns_its_place(vec![two, small], &r);
        assert_eq!(kept.len(), 2);
    }
}
