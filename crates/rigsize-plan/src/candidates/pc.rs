//! Self-built PCs around discrete GPUs: platform, case, cooling and noise,
//! PSU, RAM and the rest of the bill of materials from data/build-rules.toml.

use std::rc::Rc;

use rigsize_core::hardware::Device;
use rigsize_speed::model::{Link, Split};

use super::bom::component;
use super::{BuildKind, Hw, PricedGpu};
use crate::data::{CoolingRule, PartPrice, PcPlatform};
use crate::physical::boards::SlotFit;
use crate::physical::noise::NoiseEstimate;
use crate::physical::pc::{board_plan, psu_plan, BoardPlan, PcCard, PsuPlan};
use crate::physical::Physical;
use crate::report::Component;
use crate::requirements::{Ctx, EngineFamily, Platform};
use crate::whole::Whole;

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
    /// The card as data/physical.toml's rules see it.
    pub(crate) fn phys(&self) -> PcCard<'_> {
        PcCard {
            hardware_id: &self.d.id,
            name: &self.d.name,
            catalog_cooling: self.d.cooling.as_deref(),
            catalog_width: self.width,
            tdp_w: self.tdp_w(),
            n: self.n,
        }
    }
}

/// What the chassis decision gives: the case item, why, and — when the cards
/// do not sit in the board's slots natively — why they need risers.
struct CaseChoice {
    item: String,
    why: String,
    risers: Option<String>,
}

/// A PC build around `cards`: one entry for N of one GPU, two entries (one
/// card each) for a mixed pair. Power, slots, noise and RAM count every card.
pub(crate) fn pc_build(cx: &Ctx, platform: Platform, cards: &[Card]) -> Option<Hw> {
    let g = &cx.rules.general;
    let n: u32 = cards.iter().map(|c| c.n).sum();
    let plat = choose_platform(cx, n)?;
    let phys = Physical::builtin();
    let pcards: Vec<PcCard> = cards.iter().map(Card::phys).collect();
    let board_plan = board_plan(phys, &plat.id, &plat.motherboard, n, |i| {
        cx.price(i).is_some()
    });
    let mut flags = board_plan.flags.clone();
    let case_choice = choose_case(cx, cards, n, &board_plan.item)?;
    let label = label(cards, n);
    flags.extend(phys.slot_flags(
        &label,
        &plat.name,
        &board_plan.item,
        &pcards,
        case_choice.risers.as_deref(),
    ));
    let noise = phys.cards_noise(&pcards, &board_plan.item, &case_choice.item)?;
    let gpu_w: f64 = cards.iter().map(|c| c.tdp_w() * c.n as f64).sum();
    let other_w = plat.cpu_tdp_w + g.base_system_w;
    let peak = gpu_w + other_w;
    // Only PSUs with an observed price: an author's estimate is no price.
    let psu = psu_plan(phys, gpu_w, n, other_w, |i| {
        cx.price(i).filter(|p| !p.estimate).map(|p| p.price_chf)
    })?;
    flags.extend(psu.flags.iter().cloned());
    let lanes = board_plan
        .layout
        .as_ref()
        .and_then(|l| l.slots.first().map(|s| s.lanes))
        .or(plat.lanes_per_gpu.get((n - 1) as usize).copied())
        .unwrap_or(16);
    let mut components = gpu_lines(phys, cards, lanes);
    components.extend(platform_parts(
        cx,
        plat,
        cards,
        &board_plan,
        &case_choice,
        &psu,
        gpu_w,
    )?);
    flags.extend(card_flags(cards, &label));
    Some(assemble(
        cards,
        n,
        plat,
        platform,
        label,
        components,
        noise,
        (peak, psu.wall.wall_w),
        flags,
    ))
}

/// Everything but the GPUs: CPU, board, RAM, PSU, case, cooler, the misc
/// allowance (None: a part has no price).
fn platform_parts(
    cx: &Ctx,
    plat: &PcPlatform,
    cards: &[Card],
    board_plan: &BoardPlan,
    case_choice: &CaseChoice,
    psu: &PsuPlan,
    gpu_w: f64,
) -> Option<Vec<Component>> {
    let g = &cx.rules.general;
    let vram_gb: f64 = cards
        .iter()
        .map(|c| c.d.memory_bytes as f64 / GIB * c.n as f64)
        .sum();
    let ram_need = (vram_gb * g.ram_to_vram_ratio).max(g.ram_min_gb);
    let (ram_part, ram_kits) = choose_ram(cx, plat, ram_need)?;
    let mut parts = vec![
        component(
            &*cx.price(&plat.cpu)?,
            1,
            &format!("{}: {}", plat.name, plat.why),
        ),
        component(&*cx.price(&board_plan.item)?, 1, &board_plan.why),
        component(
            &ram_part,
            ram_kits,
            &format!(
                "system RAM ≥ max({} GB, {} × {vram_gb:.0} GB VRAM) = {ram_need:.0} GB",
                g.ram_min_gb,
                g.ram_to_vram_ratio,
                vram_gb = Whole(vram_gb),
                ram_need = Whole(ram_need)
            ),
        ),
        component(
            &*cx.price(&psu.item)?,
            1,
            &format!(
                "PSU for GPUs {gpu_w:.0} W + CPU {:.0} W + system {:.0} W; {}",
                Whole(plat.cpu_tdp_w),
                Whole(g.base_system_w),
                psu.why,
                gpu_w = Whole(gpu_w)
            ),
        ),
        component(&*cx.price(&case_choice.item)?, 1, &case_choice.why),
        component(
            &*cx.price(&plat.cooler)?,
            1,
            "CPU air cooler (the CPU is not the inference bottleneck)",
        ),
    ];
    if let Some(m) = cx.price(&g.misc_item) {
        parts.push(component(
            &m,
            1,
            "cables, thermal paste (the research's BOM allowance)",
        ));
    }
    Some(parts)
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

/// Passive cards need a server chassis; otherwise the first case whose
/// slots take the cards on `board` natively, or one that takes them on
/// risers (an open frame).
fn choose_case(cx: &Ctx, cards: &[Card], n: u32, board: &str) -> Option<CaseChoice> {
    if let Some(pc) = cards.iter().find(|c| c.cooling() == "passive") {
        let r = cooling_rule(cx, pc)?;
        return Some(CaseChoice {
            item: r.passive_case.clone()?,
            why: r.why.clone(),
            risers: None,
        });
    }
    let phys = Physical::builtin();
    let pcards: Vec<PcCard> = cards.iter().map(Card::phys).collect();
    cx.rules
        .case
        .iter()
        .filter(|c| n <= c.max_gpus)
        .find_map(|c| {
            let risers = match phys.fit(board, &pcards, &c.item) {
                Some(SlotFit::Fits { .. }) => None,
                Some(SlotFit::NeedsRisers { reason }) => Some(reason),
                Some(SlotFit::TooManyCards { slots }) => {
                    Some(format!("the board has {slots} GPU slots for {n} cards"))
                }
                None => Some("no slot data for this board or case".into()),
            };
            // A case with panels (noise_step 0) only takes cards that fit natively.
            (risers.is_none() || c.noise_step > 0).then(|| CaseChoice {
                item: c.item.clone(),
                why: c.why.clone(),
                risers,
            })
        })
}

/// The cheapest RAM kits of the platform's kind (ECC or not) that reach
/// `need_gb` within the platform's slots.
fn choose_ram(cx: &Ctx, plat: &PcPlatform, need_gb: f64) -> Option<(Rc<PartPrice>, u32)> {
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

fn gpu_lines(phys: &Physical, cards: &[Card], lanes: u32) -> Vec<Component> {
    cards
        .iter()
        .map(|c| {
            let (slots, shape) = phys.card_slots(&c.d.id, c.width);
            let edition = match shape.map(|s| s.planned) {
                Some(crate::physical::Edition::Partner) => " (partner card)",
                Some(crate::physical::Edition::Reference) => " (reference card)",
                None => "",
            };
            component(
                c.price,
                c.n,
                &format!(
                    "{} GB {} per card, {} W, {} cooler, {slots} slots{edition}, PCIe x{lanes}",
                    (c.d.memory_bytes as f64 / GIB).round(),
                    c.d.vendor,
                    c.tdp_w(),
                    phys.design(&c.phys()).name(),
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
        } else if c.n > 1 && c.note.is_none() {
            flags.push(format!(
                "{}: NVLink needs a bridge this build does not include; planned over PCIe (a layer split passes little between cards)",
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
    noise: NoiseEstimate,
    (peak_w, wall_w): (f64, f64),
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
        backend: None,
        split: Split::Layer,
        // The bill of parts has no NVLink bridge, so the cards talk over PCIe.
        link: (n > 1).then(|| {
            Link::pcie_for(&rigsize_core::hardware::DeviceSet {
                device: d.clone(),
                count: n,
            })
        }),
        components,
        noise: noise.word,
        noise_dba: noise.dba,
        peak_w,
        wall_w,
        flags,
        build: BuildKind::Pc,
    }
}
