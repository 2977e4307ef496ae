//! Placement stage: the roles' models grouped into deployments (one server
//! per model, its weights once), then placed on the build's devices.

use rigsize_core::dtype::KvType;
use rigsize_core::memory::runtime_overhead_per_device;

use crate::candidates::Hw;
use crate::requirements::{Ctx, EngineFamily};

/// One model server: the model, the roles it serves and its memory.
pub(crate) struct Deployment {
    pub model: usize,
    pub roles: Vec<usize>,
    /// Everything but the per-device runtime overhead.
    pub base_bytes: u64,
    pub weights_bytes: u64,
    pub kv_bytes: u64,
    pub state_bytes: u64,
    pub compute_bytes: u64,
    pub streams: u32,
}

impl Deployment {
    pub(crate) fn update_base(&mut self) {
        self.base_bytes =
            self.weights_bytes + self.kv_bytes + self.state_bytes + self.compute_bytes;
    }
}

/// Where a deployment lives: (device index, bytes there).
pub(crate) type Placement = Vec<(usize, u64)>;

/// The deployments of one model choice per role (`combo[role]` indexes
/// `cx.options[role]`): roles on the same model share one server.
pub(crate) fn deployments_for(
    cx: &Ctx,
    combo: &[usize],
    fam: EngineFamily,
    kv: KvType,
) -> Vec<Deployment> {
    let mut deps: Vec<Deployment> = Vec::new();
    for (ri, &oi) in combo.iter().enumerate() {
        let m = cx.options[ri][oi].model;
        let rk = cx.role_kv(ri, m, fam, kv);
        let streams = cx.req.roles[ri].streams;
        match deps.iter_mut().find(|d| d.model == m) {
            Some(d) => {
                d.roles.push(ri);
                d.kv_bytes += rk.kv;
                d.state_bytes += rk.state;
                d.streams += streams;
            }
            None => deps.push(Deployment {
                model: m,
                roles: vec![ri],
                base_bytes: 0,
                weights_bytes: cx.models[m].weights(fam).bytes,
                kv_bytes: rk.kv,
                state_bytes: rk.state,
                compute_bytes: cx.compute_bytes(m, fam),
                streams,
            }),
        }
    }
    for d in &mut deps {
        d.update_base();
    }
    deps
}

/// The summed `base_bytes` of [`deployments_for`], without building the
/// deployments: the model search's quick memory bound for every combination.
pub(crate) fn base_bytes_total(cx: &Ctx, combo: &[usize], fam: EngineFamily, kv: KvType) -> u64 {
    let model = |ri: usize| cx.options[ri][combo[ri]].model;
    (0..combo.len())
        .map(|ri| {
            let m = model(ri);
            let rk = cx.role_kv(ri, m, fam, kv);
            // A model's weights and buffers count once, with its first role.
            let first = (0..ri).all(|rj| model(rj) != m);
            let own = if first {
                cx.models[m].weights(fam).bytes + cx.compute_bytes(m, fam)
            } else {
                0
            };
            own + rk.kv + rk.state
        })
        .sum()
}

/// Places deployments on devices: each on its own device where possible,
/// spanning several devices when it needs to.
pub(crate) fn place(hw: &Hw, deps: &[Deployment]) -> Option<(Vec<Placement>, Vec<u64>)> {
    let runtime = runtime_overhead_per_device(hw.family.engine(), hw.device.kind);
    let bases: Vec<u64> = deps.iter().map(|d| d.base_bytes).collect();
    place_bytes(&hw.caps, runtime, &bases)
}

/// [`place`] on plain numbers: device capacities, the per-device runtime and
/// each deployment's bytes. Largest deployment first; a deployment goes to the
/// least-loaded device that holds it, else spans the devices with the most
/// free room, each taking layers in proportion to its room.
pub(crate) fn place_bytes(
    caps: &[u64],
    runtime: u64,
    bases: &[u64],
) -> Option<(Vec<Placement>, Vec<u64>)> {
    let n = caps.len();
    let mut used = vec![0u64; n];
    let mut placements: Vec<Placement> = vec![vec![]; bases.len()];
    let mut order: Vec<usize> = (0..bases.len()).collect();
    order.sort_by(|a, b| bases[*b].cmp(&bases[*a]));
    for di in order {
        let need1 = bases[di] + runtime;
        let single = (0..n)
            .filter(|&g| used[g] + need1 <= caps[g])
            .min_by_key(|&g| used[g]);
        if let Some(g) = single {
            used[g] += need1;
            placements[di] = vec![(g, need1)];
            continue;
        }
        placements[di] = span(caps, runtime, bases[di], &mut used)?;
    }
    Some((placements, used))
}

/// Spans `base` bytes over 2..n devices, most free room first (emptiest
/// first for equal cards): each device holds its runtime plus a share of the
/// rest proportional to its free room (unequal cards get unequal layer counts).
fn span(caps: &[u64], runtime: u64, base: u64, used: &mut [u64]) -> Option<Placement> {
    let n = caps.len();
    let mut devs: Vec<usize> = (0..n).collect();
    devs.sort_by_key(|&g| std::cmp::Reverse(caps[g].saturating_sub(used[g])));
    for k in 2..=n {
        let chosen = &devs[..k];
        let room: Vec<u64> = chosen
            .iter()
            .map(|&g| caps[g].saturating_sub(used[g]).saturating_sub(runtime))
            .collect();
        let free: u64 = room.iter().sum();
        if free < base || room.contains(&0) {
            continue;
        }
        let mut rest = base + runtime * k as u64;
        let mut p = Vec::new();
        for (j, &g) in chosen.iter().enumerate() {
            let share = if j + 1 == k {
                rest
            } else {
                runtime + ((base as f64) * room[j] as f64 / free as f64) as u64
            };
            let share = share.min(rest);
            rest -= share;
            used[g] += share;
            p.push((g, share));
        }
        return Some(p);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: u64 = 1 << 30;

    #[test]
    fn the_quick_bound_is_the_deployments_bytes() {
        let catalog = rigsize_catalog::Catalog::builtin().unwrap();
        let text = include_str!("../../../examples/home-office-coding.toml");
        let req = crate::Requirements::from_toml(text, "home-office-coding.toml").unwrap();
        let cx = Ctx::new(&req, &catalog).unwrap();
        let sizes: Vec<usize> = cx.options.iter().map(|o| o.len()).collect();
        assert!(sizes.iter().product::<usize>() > 1, "{sizes:?}");
        let mut combo = vec![0; sizes.len()];
        loop {
            for fam in EngineFamily::ALL {
                for kv in [KvType::F16, KvType::Q8_0] {
                    let deps = deployments_for(&cx, &combo, fam, kv);
                    let sum: u64 = deps.iter().map(|d| d.base_bytes).sum();
                    assert!(sum > 0);
                    assert_eq!(base_bytes_total(&cx, &combo, fam, kv), sum, "{combo:?}");
                }
            }
            // Next combination (last role fastest).
            let Some(i) = (0..combo.len()).rev().find(|&i| combo[i] + 1 < sizes[i]) else {
                break;
            };
            combo[i] += 1;
            combo[i + 1..].iter_mut().for_each(|c| *c = 0);
        }
    }

    #[test]
    fn one_deployment_per_device_when_each_fits() {
        let (p, used) = place_bytes(&[24 * G, 24 * G], G, &[10 * G, 8 * G]).unwrap();
        assert_eq!(p[0], vec![(0, 11 * G)]);
        assert_eq!(p[1], vec![(1, 9 * G)]);
        assert_eq!(used, vec![11 * G, 9 * G]);
    }

    #[test]
    fn a_model_too_big_for_one_card_spans_in_proportion_to_room() {
        // 96 + 32 GiB cards, a 100 GiB model: split 3:1 by free room.
        let (p, used) = place_bytes(&[96 * G, 32 * G], G, &[100 * G]).unwrap();
        assert_eq!(p[0].len(), 2);
        let total: u64 = p[0].iter().map(|x| x.1).sum();
        assert_eq!(
            total,
            100 * G + 2 * G,
            "every byte and one runtime per device"
        );
        assert_eq!(p[0][0].0, 0, "the larger card first");
        assert!(used[0] <= 96 * G && used[1] <= 32 * G);
        let ratio = p[0][0].1 as f64 / p[0][1].1 as f64;
        assert!((ratio - 95.0 / 31.0).abs() < 0.1, "{ratio}");
    }

    #[test]
    fn nothing_is_placed_beyond_capacity() {
        assert!(place_bytes(&[24 * G, 24 * G], G, &[47 * G]).is_none());
        assert!(place_bytes(&[24 * G], G, &[24 * G]).is_none());
    }

    #[test]
    fn the_largest_goes_first_and_the_next_to_the_emptiest_device() {
        let (p, _) = place_bytes(&[32 * G, 32 * G], 0, &[4 * G, 20 * G, 6 * G]).unwrap();
        assert_eq!(p[1], vec![(0, 20 * G)]);
        assert_eq!(p[2], vec![(1, 6 * G)]);
        assert_eq!(p[0], vec![(1, 4 * G)]);
    }
}
