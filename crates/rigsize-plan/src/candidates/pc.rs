//! Self-built PCs around discrete GPUs: platform, case, cooling and noise,
//! PSU, RAM and the rest of the bill of materials from data/build-rules.toml.

use rigsize_core::hardware::Device;
use rigsize_speed::model::Split;

use super::bom::component;
use super::{BuildKind, Hw, PricedGpu};
use crate::data::{CoolingRule, PartPrice, PcPlatform};
use crate::report::Component;
use crate::requirements::{Ctx, EngineFamily, Noise, Platform};

const GIB: f64 = rigsize_core::units::GIB;

/// One kind of card in a PC build: the device, its price, how many, its slot width.
pub(crate) struct Card<'a> {
    pub d: &'a Device,
    pub price: &'a PartPrice,
    pub n: u32,
    pub width: f64,
    /// Board power (the catalog's, else the rules' default).
    pub tdp: f64,
    /// The catalog's note for buyers (editions, NVLink).
    pub note: Option<&'a str>,
}

impl<'a> Card<'a> {
    /// One card of a priced GPU.
    pub(crate) fn one(g: &'a PricedGpu) -> Card<'a> {
        Card {
            d: g.device,
            price: &g.price,
            n: 1,
            width: g.width,
            tdp: g.tdp,
            note: g.buyer_note,
        }
    }
    pub(crate) fn cooling(&self) -> &str {
        self.d.cooling.as_deref().unwrap_or("open-air")
    }
    fn tdp_w(&self) -> f64 {
        self.tdp
    }
}

/// What the chassis decision gives: the case item, why, and its noise step.
struct CaseChoice {
    item: String,
    why: String,
    noise_step: u32,
}

/// A PC build around `cards`: one entry for N of one GPU, two entries (one
/// card each) for a mixed pair. Power, slots, noise and RAM count every card.
pub(crate) fn pc_build(cx: &Ctx, platform: Platform, cards: &[Card]) -> Option<Hw> {
    let g = &cx.rules.general;
    let n: u32 = cards.iter().map(|c| c.n).sum();
    let plat = choose_platform(cx, n)?;
    let mut flags = Vec::new();
    let max_width = cards.iter().map(|c| c.width).fold(0.0, f64::max);
    let too_wide = n > 1 && max_width > plat.max_slot_width_multi;
    let case_choice = choose_case(cx, cards, n, too_wide)?;
    let label = label(cards, n);
    if too_wide {
        flags.push(format!(
            "{label}: a {max_width}-slot card is too wide for the {} slot spacing; the build uses PCIe risers in an open frame",
            plat.name
        ));
    }
    let noise = noise_up(cooling_noise(cx, cards)?, case_choice.noise_step);
    let gpu_w: f64 = cards.iter().map(|c| c.tdp_w() * c.n as f64).sum();
    let peak = gpu_w + plat.cpu_tdp_w + g.base_system_w;
    let (psu_part, psu_watts) = choose_psu(cx, peak, &mut flags)?;
    let psu_need = peak * g.psu_headroom;
    let vram_gb: f64 = cards
        .iter()
        .map(|c| c.d.memory_bytes as f64 / GIB * c.n as f64)
        .sum();
    let ram_need = (vram_gb * g.ram_to_vram_ratio).max(g.ram_min_gb);
    let (ram_part, ram_kits) = choose_ram(cx, plat, ram_need)?;
    let cpu = cx.price(&plat.cpu)?;
    let board = cx.price(&plat.motherboard)?;
    let cooler = cx.price(&plat.cooler)?;
    let case = cx.price(&case_choice.item)?;
    let lanes = plat
        .lanes_per_gpu
        .get((n - 1) as usize)
        .copied()
        .unwrap_or(16);
    let mut components = gpu_lines(cards, lanes);
    components.extend([
        component(&cpu, 1, &format!("{}: {}", plat.name, plat.why)),
        component(&board, 1, &plat.source),
        component(
            &ram_part,
            ram_kits,
            &format!(
                "system RAM ≥ max({} GB, {} × {vram_gb:.0} GB VRAM) = {ram_need:.0} GB",
                g.ram_min_gb, g.ram_to_vram_ratio
            ),
        ),
        component(
            &psu_part,
            1,
            &format!(
                "PSU ≥ {} × peak {peak:.0} W (GPUs {:.0} + CPU {:.0} + system {:.0}) = {psu_need:.0} W → {psu_watts:.0} W",
                g.psu_headroom, gpu_w, plat.cpu_tdp_w, g.base_system_w
            ),
        ),
        component(&case, 1, &case_choice.why),
        component(&cooler, 1, "CPU air cooler (the CPU is not the inference bottleneck)"),
    ]);
    if let Some(m) = cx.price(&g.misc_item) {
        components.push(component(
            &m,
            1,
            "cables, thermal paste (the research's BOM allowance)",
        ));
    }
    flags.extend(card_flags(cards, &label));
    Some(assemble(
        cards, n, plat, platform, label, components, noise, peak, flags,
    ))
}

/// The first platform of the rules that takes `n` GPUs (with x16 to each of
/// two cards when the requirements ask for full lanes).
fn choose_platform<'r>(cx: &Ctx<'r>, n: u32) -> Option<&'r PcPlatform> {
    cx.rules
        .platform
        .iter()
        .filter(|p| n >= p.min_gpus && n <= p.max_gpus)
        .find(|p| {
            if n == 2 && cx.req.platform.full_x16_lanes {
                p.lanes_per_gpu.iter().take(2).all(|l| *l >= 16)
            } else {
                true
            }
        })
}

fn cooling_rule<'r>(cx: &Ctx<'r>, c: &Card) -> Option<&'r CoolingRule> {
    cx.rules
        .cooling(c.cooling())
        .or(cx.rules.cooling("open-air"))
}

/// Passive cards need a server chassis; otherwise the first case that fits.
fn choose_case(cx: &Ctx, cards: &[Card], n: u32, too_wide: bool) -> Option<CaseChoice> {
    if let Some(pc) = cards.iter().find(|c| c.cooling() == "passive") {
        let r = cooling_rule(cx, pc)?;
        return Some(CaseChoice {
            item: r.passive_case.clone()?,
            why: r.why.clone(),
            noise_step: 0,
        });
    }
    let slots_needed: f64 = cards.iter().map(|c| c.width.ceil() * c.n as f64).sum();
    let c =
        cx.rules.case.iter().find(|c| {
            n <= c.max_gpus && slots_needed <= c.slots && (!too_wide || c.noise_step > 0)
        })?;
    Some(CaseChoice {
        item: c.item.clone(),
        why: c.why.clone(),
        noise_step: c.noise_step,
    })
}

/// Cards counted per cooler design (`levels[k-1]` is the noise of k such
/// cards); the loudest design, at its card count, sets the noise.
pub(crate) fn cooling_noise(cx: &Ctx, cards: &[Card]) -> Option<Noise> {
    let mut cool_rules: Vec<(&CoolingRule, u32)> = Vec::new();
    for c in cards {
        let r = cooling_rule(cx, c)?;
        match cool_rules.iter_mut().find(|x| std::ptr::eq(x.0, r)) {
            Some(x) => x.1 += c.n,
            None => cool_rules.push((r, c.n)),
        }
    }
    Some(
        cool_rules
            .iter()
            .map(|(r, k)| {
                r.levels
                    .get((k - 1) as usize)
                    .copied()
                    .unwrap_or(Noise::Loud)
            })
            .max()
            .unwrap_or(Noise::Loud),
    )
}

fn noise_up(n: Noise, steps: u32) -> Noise {
    let order = [Noise::Silent, Noise::Quiet, Noise::Moderate, Noise::Loud];
    let i = order.iter().position(|x| *x == n).unwrap_or(3);
    order[(i + steps as usize).min(3)]
}

/// The cheapest priced PSU of at least headroom × peak; else the largest,
/// flagged.
fn choose_psu(cx: &Ctx, peak: f64, flags: &mut Vec<String>) -> Option<(PartPrice, f64)> {
    let g = &cx.rules.general;
    let psu_need = peak * g.psu_headroom;
    let priced = || {
        cx.rules
            .psu
            .iter()
            .filter_map(|p| cx.price(&p.item).map(|pr| (p, pr)))
    };
    if let Some((p, pr)) = priced()
        .filter(|(p, _)| p.watts >= psu_need)
        .min_by(|a, b| a.1.price_chf.total_cmp(&b.1.price_chf))
    {
        return Some((pr, p.watts));
    }
    let (p, pr) = priced().max_by(|a, b| a.0.watts.total_cmp(&b.0.watts))?;
    flags.push(format!(
        "peak draw {peak:.0} W × {} = {psu_need:.0} W is above the largest PSU ({:.0} W): power-limit the cards or use two PSUs",
        g.psu_headroom, p.watts
    ));
    Some((pr, p.watts))
}

/// The cheapest RAM kits of the platform's kind (ECC or not) that reach
/// `need_gb` within the platform's slots.
fn choose_ram(cx: &Ctx, plat: &PcPlatform, need_gb: f64) -> Option<(PartPrice, u32)> {
    let max_kits = if plat.id == "am5" { 2 } else { 4 };
    cx.rules
        .ram
        .iter()
        .filter(|r| r.ecc == plat.ecc_ram)
        .filter_map(|r| {
            let kits = (need_gb / r.gb).ceil().max(1.0) as u32;
            if kits > max_kits {
                return None;
            }
            cx.price(&r.item).map(|p| (p, kits))
        })
        .min_by(|a, b| (a.0.price_chf * a.1 as f64).total_cmp(&(b.0.price_chf * b.1 as f64)))
}

fn label(cards: &[Card], n: u32) -> String {
    if cards.len() > 1 {
        cards
            .iter()
            .map(|c| c.d.name.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    } else {
        format!("{n}× {}", cards[0].d.name)
    }
}

fn gpu_lines(cards: &[Card], lanes: u32) -> Vec<Component> {
    cards
        .iter()
        .map(|c| {
            component(
                c.price,
                c.n,
                &format!(
                    "{} GB {} per card, {} W, {} cooler, {} slots, PCIe x{lanes}",
                    (c.d.memory_bytes as f64 / GIB).round(),
                    c.d.vendor,
                    c.tdp_w(),
                    c.cooling(),
                    c.width
                ),
            )
        })
        .collect()
}

/// Traps of the cards: editions, NVLink, passive cooling, mixed pairs.
fn card_flags(cards: &[Card], label: &str) -> Vec<String> {
    let mut flags = Vec::new();
    for c in cards {
        let d = c.d;
        if let Some(n) = c.note {
            flags.push(format!("{}: {n}", d.name));
        }
        if c.cooling() == "passive" {
            flags.push(format!(
                "{}: passive card, needs a server chassis with forced airflow — loud, not a home-office machine",
                d.name
            ));
        }
        if c.n > 1 && d.nvlink_bytes_per_s.unwrap_or(0.0) <= 0.0 && c.note.is_none() {
            flags.push(format!(
                "{}: no NVLink; multi-GPU traffic goes over PCIe",
                d.name
            ));
        }
    }
    if cards.len() > 1 {
        flags.push(format!(
            "mixed pair {label} ({}): each model runs on one card where it fits; a model split by layers over both (llama.cpp --tensor-split by memory) is planned at the slower card's speed; vLLM tensor parallelism needs equal cards. Device 0 in the plan is the {} — check the order with nvidia-smi -L",
            cards
                .iter()
                .map(|c| format!("{:.0} GB", c.d.memory_bytes as f64 / GIB))
                .collect::<Vec<_>>()
                .join(" + "),
            cards[0].d.name
        ));
    }
    flags
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    cards: &[Card],
    n: u32,
    plat: &PcPlatform,
    platform: Platform,
    label: String,
    components: Vec<Component>,
    noise: Noise,
    peak_w: f64,
    flags: Vec<String>,
) -> Hw {
    let devs: Vec<Device> = cards
        .iter()
        .flat_map(|c| std::iter::repeat_n(c.d.clone(), c.n as usize))
        .collect();
    let d = cards[0].d;
    let on = plat.id.to_uppercase();
    Hw {
        name: if cards.len() > 1 {
            format!("{label} on {on}")
        } else if n == 1 {
            format!("{} on {on}", d.name)
        } else {
            format!("{n}× {} on {on}", d.name)
        },
        platform,
        hardware_id: cards
            .iter()
            .map(|c| c.d.id.as_str())
            .collect::<Vec<_>>()
            .join("+"),
        device: d.clone(),
        count: n,
        available: d.memory_bytes,
        default_available: d.memory_bytes,
        caps: devs.iter().map(|x| x.memory_bytes).collect(),
        cards: devs,
        family: EngineFamily::LlamaCpp,
        split: Split::Layer,
        link: None,
        components,
        noise,
        peak_w,
        flags,
        build: BuildKind::Pc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noisier_case_raises_the_noise_and_stops_at_loud() {
        assert_eq!(noise_up(Noise::Quiet, 0), Noise::Quiet);
        assert_eq!(noise_up(Noise::Quiet, 1), Noise::Moderate);
        assert_eq!(noise_up(Noise::Moderate, 5), Noise::Loud);
    }
}
