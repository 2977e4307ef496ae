//! The planner: candidates → complete priced builds → placement → memory and
//! speed → verdicts → ranking.

use std::collections::HashMap;

use rigsize_catalog::Catalog;
use rigsize_core::dtype::{DType, KvType};
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::hardware::{Device, DeviceKind, DeviceSet};
use rigsize_core::memory::{
    compute_buffer_bytes, estimate_on, runtime_overhead_per_device, weights_for_scheme,
    MemoryRequest, WeightsEstimate,
};
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;
use rigsize_core::units::{format_tokens, to_gib};
use rigsize_speed::model::{Link, Split};

use crate::commands::engine_commands;
use crate::data::{BuildRules, PartPrice, PriceBook, Quality};
use crate::error::PlanError;
use crate::report::*;
use crate::requirements::{ModelChoice, Noise, Platform, Requirements, RoleKind};
use crate::speed::{role_speed, SpeedInput};

const GIB: f64 = rigsize_core::units::GIB;
/// Memory a unified box (DGX Spark, Strix Halo) keeps for its OS. A planning
/// margin chosen by rigsize, not a measured figure: a headless Linux with
/// a desktop session idles at 2–4 GiB, and the margin leaves room for the
/// page cache and the engine's host-side buffers. Stated in every report.
const BOX_OS_RESERVE: u64 = 8 << 30;
/// Apple: the wired limit the plan may raise to (RAM minus this). The same
/// planning margin as [`BOX_OS_RESERVE`], for macOS and the apps beside the
/// model; reports flag every build that relies on raising the limit.
const APPLE_OS_RESERVE: u64 = 8 << 30;
const MAX_OPTIONS_PER_ROLE: usize = 8;
const MAX_COMBOS: usize = 512;
pub const DEFAULT_BENCHMARK: &str = "swe-bench-verified";

/// Plans from the text of a requirements file.
pub fn plan_from_toml(text: &str, file: &str, catalog: &Catalog) -> Result<PlanReport, PlanError> {
    let req = Requirements::from_toml(text, file)?;
    plan(&req, catalog)
}

// ---------------------------------------------------------------- models

/// One model option of one role, resolved for one engine family.
#[derive(Clone)]
struct ModelOpt {
    model: usize, // index into Ctx::models
    quality: Option<f64>,
}

struct ResolvedModel {
    arch: ModelArch,
    /// Weights for llama.cpp (GGUF) and MLX.
    weights_gguf: WeightsEstimate,
    quant_gguf: String,
    weights_mlx: WeightsEstimate,
    quant_mlx: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum EngineFamily {
    LlamaCpp,
    Mlx,
}

impl EngineFamily {
    fn engine(self) -> Engine {
        match self {
            EngineFamily::LlamaCpp => Engine::LlamaCpp,
            EngineFamily::Mlx => Engine::Mlx,
        }
    }
}

fn default_scheme(m: &ModelArch, fam: EngineFamily) -> QuantScheme {
    match fam {
        EngineFamily::LlamaCpp => {
            if m.native_dtype == DType::MXFP4 {
                QuantScheme::parse("mxfp4").expect("known")
            } else {
                QuantScheme::parse("q4_k_m").expect("known")
            }
        }
        EngineFamily::Mlx => QuantScheme::Mlx { bits: 4, group: 64 },
    }
}

/// KV + state bytes of one role on one model (all its streams), per engine
/// family and KV type.
#[derive(Clone, Copy, Default)]
struct RoleKv {
    kv: u64,
    state: u64,
}

struct Ctx<'a> {
    req: &'a Requirements,
    rules: &'a BuildRules,
    book: &'a PriceBook,
    quality: &'a Quality,
    models: Vec<ResolvedModel>,
    /// options[role] = model options in order of preference.
    options: Vec<Vec<ModelOpt>>,
    ctx: Vec<u64>,
    /// (role, model, family, kv) → bytes
    role_kv: HashMap<(usize, usize, EngineFamily, KvType), RoleKv>,
    /// (model, family) → compute buffer bytes
    compute: HashMap<(usize, EngineFamily), u64>,
    flags: Vec<String>,
    not_considered: Vec<String>,
}

fn kv_engine(fam: EngineFamily) -> EngineConfig {
    let mut e = EngineConfig::new(fam.engine());
    // One cache shared by the slots of all roles served by this model
    // (llama-server --kv-unified): cells = the sum of the roles' contexts.
    e.kv_unified = true;
    e
}

impl<'a> Ctx<'a> {
    fn new(req: &'a Requirements, catalog: &Catalog) -> Result<Ctx<'a>, PlanError> {
        let rules = BuildRules::builtin();
        let book = PriceBook::builtin();
        let quality = Quality::builtin();
        let mut ctx = Ctx {
            req,
            rules,
            book,
            quality,
            models: vec![],
            options: vec![],
            ctx: vec![],
            role_kv: HashMap::new(),
            compute: HashMap::new(),
            flags: vec![],
            not_considered: vec![],
        };
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut add = |ctx: &mut Ctx, id: &str, quant: Option<&str>| -> Result<usize, PlanError> {
            let rec = catalog.model(id)?;
            let key = format!("{}|{}", rec.arch.id, quant.unwrap_or(""));
            if let Some(i) = index.get(&key) {
                return Ok(*i);
            }
            ctx.flags.extend(rec.user_added_note());
            let arch = rec.arch.clone();
            let (sg, sm) = match quant {
                Some(q) => {
                    let s = QuantScheme::parse(q).map_err(|e| PlanError::Invalid(e.to_string()))?;
                    let mlx = if matches!(s, QuantScheme::Mlx { .. }) {
                        s
                    } else {
                        default_scheme(&arch, EngineFamily::Mlx)
                    };
                    (s, mlx)
                }
                None => (
                    default_scheme(&arch, EngineFamily::LlamaCpp),
                    default_scheme(&arch, EngineFamily::Mlx),
                ),
            };
            let m = ResolvedModel {
                weights_gguf: weights_for_scheme(&arch, sg),
                quant_gguf: sg.name(),
                weights_mlx: weights_for_scheme(&arch, sm),
                quant_mlx: sm.name(),
                arch,
            };
            ctx.models.push(m);
            index.insert(key, ctx.models.len() - 1);
            Ok(ctx.models.len() - 1)
        };
        for role in &req.roles {
            let c = role.context.tokens()?;
            ctx.ctx.push(c);
            let bench = role.rank_by.as_deref().unwrap_or(DEFAULT_BENCHMARK);
            let mut opts = Vec::new();
            match &role.models {
                ModelChoice::List(list) => {
                    for id in list {
                        let i = add(&mut ctx, id, role.quant.as_deref())?;
                        let q = quality
                            .score(&ctx.models[i].arch.id, bench)
                            .map(|s| s.score_pct);
                        opts.push(ModelOpt {
                            model: i,
                            quality: q,
                        });
                    }
                }
                ModelChoice::Keyword(_) => {
                    let mut scored: Vec<(String, f64)> = quality
                        .score
                        .iter()
                        .filter(|s| s.kind == "open" && s.benchmark == bench)
                        .map(|s| (s.model.clone(), s.score_pct))
                        .collect();
                    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
                    scored.dedup_by(|a, b| a.0 == b.0);
                    if scored.is_empty() {
                        return Err(PlanError::Invalid(format!(
                            "role '{}': no model has a '{bench}' score to rank \"best-that-fits\"; list the models",
                            role.name
                        )));
                    }
                    for (id, score) in scored {
                        let Ok(rec) = catalog.model(&id) else {
                            ctx.not_considered
                                .push(format!("{id} ({bench} {score}%): not in the model catalog"));
                            continue;
                        };
                        if rec.arch.max_context() < c {
                            ctx.not_considered.push(format!(
                                "{id} ({bench} {score}%) for role '{}': its context of {} tokens is below the {} requested",
                                role.name,
                                format_tokens(rec.arch.max_context()),
                                format_tokens(c)
                            ));
                            continue;
                        }
                        let i = add(&mut ctx, &id, role.quant.as_deref())?;
                        opts.push(ModelOpt {
                            model: i,
                            quality: Some(score),
                        });
                    }
                    if opts.is_empty() {
                        return Err(PlanError::Invalid(format!(
                            "role '{}': no ranked model supports {} tokens of context",
                            role.name,
                            format_tokens(c)
                        )));
                    }
                }
            }
            opts.truncate(MAX_OPTIONS_PER_ROLE);
            ctx.options.push(opts);
        }
        // Context traps of listed models.
        for (ri, role) in req.roles.iter().enumerate() {
            for o in &ctx.options[ri] {
                let m = &ctx.models[o.model].arch;
                if m.max_context() < ctx.ctx[ri] {
                    ctx.flags.push(format!(
                        "{} supports {} tokens of context, below the {} asked for role '{}': it can only serve that role with a shorter context",
                        m.id,
                        format_tokens(m.max_context()),
                        format_tokens(ctx.ctx[ri]),
                        role.name
                    ));
                } else if m.native_context < ctx.ctx[ri] {
                    ctx.flags.push(format!(
                        "{} is trained for {} tokens; {} for role '{}' needs its documented context extension (YaRN), which may cost quality",
                        m.id,
                        format_tokens(m.native_context),
                        format_tokens(ctx.ctx[ri]),
                        role.name
                    ));
                }
            }
        }
        // Precompute KV per role × model × engine × KV type.
        for (ri, role) in req.roles.iter().enumerate() {
            for o in ctx.options[ri].clone() {
                for fam in [EngineFamily::LlamaCpp, EngineFamily::Mlx] {
                    let m = &ctx.models[o.model];
                    let w = match fam {
                        EngineFamily::LlamaCpp => &m.weights_gguf,
                        EngineFamily::Mlx => &m.weights_mlx,
                    };
                    ctx.compute
                        .entry((o.model, fam))
                        .or_insert_with(|| compute_buffer_bytes(&m.arch, &kv_engine(fam)));
                    for kv in [KvType::F16, KvType::Q8_0] {
                        let r = MemoryRequest {
                            ctx: ctx.ctx[ri],
                            streams: role.streams,
                            kv_type_k: kv,
                            kv_type_v: kv,
                            engine: kv_engine(fam),
                        };
                        let e = estimate_on(&m.arch, w, &r, DeviceKind::Gpu, 1);
                        ctx.role_kv.insert(
                            (ri, o.model, fam, kv),
                            RoleKv {
                                kv: e.kv_cache_bytes,
                                state: e.recurrent_state_bytes,
                            },
                        );
                    }
                }
            }
        }
        ctx.flags.dedup();
        Ok(ctx)
    }

    fn price(&self, item: &str) -> Option<PartPrice> {
        if let Some(a) = self.rules.allowance.iter().find(|a| a.id == item) {
            return Some(a.part());
        }
        self.book.best(item, &self.req.purchase)
    }
}

// ---------------------------------------------------------------- hardware

#[derive(Clone)]
struct Hw {
    name: String,
    platform: Platform,
    hardware_id: String,
    device: Device,
    count: u32,
    /// Usable bytes per device for the engine.
    available: u64,
    /// Apple: available with the default wired limit (to flag a raise).
    default_available: u64,
    /// Every device, in plan order (a mixed pair: the larger card first).
    cards: Vec<Device>,
    /// Usable bytes of each device in `cards`.
    caps: Vec<u64>,
    family: EngineFamily,
    split: Split,
    link: Option<Link>,
    components: Vec<Component>,
    noise: Noise,
    peak_w: f64,
    flags: Vec<String>,
    /// A PC build gets its storage after the models are known.
    is_pc: bool,
}

fn component(p: &PartPrice, qty: u32, why: &str) -> Component {
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

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn noise_up(n: Noise, steps: u32) -> Noise {
    let order = [Noise::Silent, Noise::Quiet, Noise::Moderate, Noise::Loud];
    let i = order.iter().position(|x| *x == n).unwrap_or(3);
    order[(i + steps as usize).min(3)]
}

fn gpu_platform(d: &Device) -> Option<Platform> {
    match d.vendor.to_ascii_lowercase().as_str() {
        v if v.contains("nvidia") => Some(Platform::Nvidia),
        v if v.contains("amd") => Some(Platform::Amd),
        v if v.contains("intel") => Some(Platform::Intel),
        _ => None,
    }
}

fn enumerate_hardware(cx: &Ctx, catalog: &Catalog, unpriced: &mut Vec<String>) -> Vec<Hw> {
    let req = cx.req;
    let rules = cx.rules;
    let mut out = Vec::new();
    let mut priced: Vec<(&Device, PartPrice, Platform, f64)> = Vec::new();
    // Discrete GPUs, 1–4 of each.
    for rec in &catalog.hardware {
        let d = &rec.device;
        if d.kind != DeviceKind::Gpu || !rec.candidates.is_empty() {
            continue;
        }
        let Some(platform) = gpu_platform(d) else {
            continue;
        };
        if !req.platform.allowed.contains(&platform) {
            continue;
        }
        let width = d.slot_width.unwrap_or(2.0);
        if width <= 0.0 {
            continue; // SXM/OAM module: not a PCIe card
        }
        let Some(gpu_price) = cx.price(&d.id) else {
            unpriced.push(if cx.book.item(&d.id).is_some() {
                format!(
                    "{} ({}): no price under the purchase conditions (condition, risk, estimates)",
                    d.name, d.id
                )
            } else {
                format!("{} ({}): no price in the snapshot", d.name, d.id)
            });
            continue;
        };
        for n in 1..=4u32 {
            let card = Card {
                d,
                price: &gpu_price,
                n,
                width,
            };
            if let Some(hw) = pc_build(cx, platform, &[card]) {
                out.push(hw);
            }
        }
        priced.push((d, gpu_price, platform, width));
    }
    out.extend(mixed_pairs(cx, &priced));
    // Unified-memory systems and clusters.
    for s in &rules.system {
        if !req.platform.allowed.contains(&s.platform) {
            continue;
        }
        let spec = format!("{}@{}", s.device, s.memory_gb);
        let device = match catalog.device_set(&spec) {
            Ok(set) => set.device,
            Err(_) => match catalog.hardware_record(&s.device) {
                Ok(r) => {
                    let mut d = r.device.clone();
                    d.memory_bytes = (s.memory_gb * GIB) as u64;
                    d
                }
                Err(_) => {
                    unpriced.push(format!(
                        "{}: device '{}' not in the catalog",
                        s.name, s.device
                    ));
                    continue;
                }
            },
        };
        let Some(price) = cx.price(&s.item) else {
            unpriced.push(format!("{} ({}): no price in the snapshot", s.name, s.item));
            continue;
        };
        let (max_n, link_item) = match s.platform {
            Platform::Apple => (
                rules.cluster.apple_max,
                rules.cluster.apple_link_item.clone(),
            ),
            Platform::DgxSpark => (
                rules.cluster.dgx_spark_max,
                rules.cluster.dgx_spark_link_item.clone(),
            ),
            _ => (1, String::new()),
        };
        let max_n = if s.cluster && req.platform.clusters {
            max_n.max(1)
        } else {
            1
        };
        for n in 1..=max_n {
            let mut components = vec![component(&price, n, "the system (unified memory)")];
            let mut flags = vec![];
            if n > 1 {
                let links = if s.platform == Platform::Apple {
                    n * (n - 1) / 2
                } else {
                    1
                };
                match cx.price(&link_item) {
                    Some(p) => components.push(component(
                        &p,
                        links,
                        if s.platform == Platform::Apple {
                            "direct Thunderbolt 5 link between every pair of Macs (RDMA needs a full mesh)"
                        } else {
                            "ConnectX-7 200 GbE direct link between the two units"
                        },
                    )),
                    None => flags.push(format!("link item '{link_item}' has no price")),
                }
            }
            let (available, default_available) = match device.kind {
                DeviceKind::AppleSoc => {
                    let raised = device.memory_bytes.saturating_sub(APPLE_OS_RESERVE);
                    let def = device.usable_memory_bytes(None);
                    (raised.max(def), def)
                }
                _ => {
                    let a = device.memory_bytes.saturating_sub(BOX_OS_RESERVE);
                    (a, a)
                }
            };
            let family = if s.platform == Platform::Apple {
                EngineFamily::Mlx
            } else {
                EngineFamily::LlamaCpp
            };
            out.push(Hw {
                name: if n == 1 {
                    s.name.clone()
                } else {
                    format!("{n}× {}", s.name)
                },
                platform: s.platform,
                hardware_id: device.id.clone(),
                device: device.clone(),
                count: n,
                available,
                default_available,
                cards: vec![device.clone(); n as usize],
                caps: vec![available; n as usize],
                family,
                split: Split::Tensor,
                link: Some(if s.platform == Platform::Apple {
                    Link::Tb5Rdma
                } else {
                    Link::Pcie4
                }),
                components,
                noise: s.noise,
                peak_w: s.power_w * n as f64,
                flags,
                is_pc: false,
            });
        }
    }
    out
}

/// How many of the largest priced cards (by memory) get a mixed partner.
const MIXED_LARGE: usize = 6;
/// Upper bound on mixed two-GPU candidates (bench: the whole plan < 100 ms).
const MAX_MIXED: usize = 60;

/// Mixed two-GPU workstations: each of the [`MIXED_LARGE`] largest priced
/// actively cooled cards (by memory) with, for every smaller memory size of
/// the same vendor, the cheapest card of that size — one of each card.
/// Passive (server) cards are left out: they need a server chassis, not a
/// workstation, and their N-card builds are already candidates.
fn mixed_pairs(cx: &Ctx, priced: &[(&Device, PartPrice, Platform, f64)]) -> Vec<Hw> {
    let active: Vec<usize> = (0..priced.len())
        .filter(|&i| priced[i].0.cooling.as_deref() != Some("passive"))
        .collect();
    let mut by_mem = active.clone();
    by_mem.sort_by(|&a, &b| priced[b].0.memory_bytes.cmp(&priced[a].0.memory_bytes));
    // The cheapest card of each (vendor, memory size).
    let cheapest = |b: usize| {
        !active.iter().any(|&o| {
            priced[o].2 == priced[b].2
                && priced[o].0.memory_bytes == priced[b].0.memory_bytes
                && (priced[o].1.price_chf, o) < (priced[b].1.price_chf, b)
        })
    };
    let mut out = Vec::new();
    for &a in by_mem.iter().take(MIXED_LARGE) {
        for &b in &by_mem {
            let (da, pa, plat, wa) = &priced[a];
            let (db, pb, platb, wb) = &priced[b];
            if plat != platb
                || db.memory_bytes >= da.memory_bytes
                || !cheapest(b)
                || out.len() >= MAX_MIXED
            {
                continue;
            }
            let cards = [
                Card {
                    d: da,
                    price: pa,
                    n: 1,
                    width: *wa,
                },
                Card {
                    d: db,
                    price: pb,
                    n: 1,
                    width: *wb,
                },
            ];
            if let Some(hw) = pc_build(cx, *plat, &cards) {
                out.push(hw);
            }
        }
    }
    out
}

/// One kind of card in a PC build: the device, its price, how many, its slot width.
struct Card<'a> {
    d: &'a Device,
    price: &'a PartPrice,
    n: u32,
    width: f64,
}

/// A PC build around `cards`: one entry for N of one GPU, two entries (one
/// card each) for a mixed pair. Power, slots, noise and RAM count every card.
fn pc_build(cx: &Ctx, platform: Platform, cards: &[Card]) -> Option<Hw> {
    let rules = cx.rules;
    let g = &rules.general;
    let n: u32 = cards.iter().map(|c| c.n).sum();
    let mixed = cards.len() > 1;
    let plat = rules
        .platform
        .iter()
        .filter(|p| n >= p.min_gpus && n <= p.max_gpus)
        .find(|p| {
            if n == 2 && cx.req.platform.full_x16_lanes {
                p.lanes_per_gpu.iter().take(2).all(|l| *l >= 16)
            } else {
                true
            }
        })?;
    let mut flags = Vec::new();
    let cooling_of = |c: &Card| c.d.cooling.as_deref().unwrap_or("open-air").to_string();
    let passive_card = cards.iter().find(|c| cooling_of(c) == "passive");
    let slots_needed: f64 = cards.iter().map(|c| c.width.ceil() * c.n as f64).sum();
    let max_width = cards.iter().map(|c| c.width).fold(0.0, f64::max);
    let too_wide = n > 1 && max_width > plat.max_slot_width_multi;
    // Cards counted per cooler design: `levels[k-1]` is the noise of k such cards.
    let mut cool_rules: Vec<(&crate::data::CoolingRule, u32)> = Vec::new();
    for c in cards {
        let r = rules
            .cooling(&cooling_of(c))
            .or(rules.cooling("open-air"))?;
        match cool_rules.iter_mut().find(|x| std::ptr::eq(x.0, r)) {
            Some(x) => x.1 += c.n,
            None => cool_rules.push((r, c.n)),
        }
    }
    // Case: passive cards need a server chassis; otherwise the first case that fits.
    let (case_item, case_why, case_step) = if let Some(pc) = passive_card {
        let r = rules
            .cooling(&cooling_of(pc))
            .or(rules.cooling("open-air"))?;
        (r.passive_case.clone()?, r.why.clone(), 0u32)
    } else {
        let c = rules.case.iter().find(|c| {
            n <= c.max_gpus && slots_needed <= c.slots && (!too_wide || c.noise_step > 0)
        })?;
        (c.item.clone(), c.why.clone(), c.noise_step)
    };
    let label = if mixed {
        cards
            .iter()
            .map(|c| c.d.name.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    } else {
        format!("{n}× {}", cards[0].d.name)
    };
    if too_wide {
        flags.push(format!(
            "{label}: a {max_width}-slot card is too wide for the {} slot spacing; the build uses PCIe risers in an open frame",
            plat.name
        ));
    }
    // The loudest cooler design, at its card count, sets the noise.
    let base_noise = cool_rules
        .iter()
        .map(|(r, k)| {
            r.levels
                .get((k - 1) as usize)
                .copied()
                .unwrap_or(Noise::Loud)
        })
        .max()
        .unwrap_or(Noise::Loud);
    let noise = noise_up(base_noise, case_step);
    let gpu_w: f64 = cards
        .iter()
        .map(|c| c.d.tdp_w.unwrap_or(300.0) * c.n as f64)
        .sum();
    let peak = gpu_w + plat.cpu_tdp_w + g.base_system_w;
    let psu_need = peak * g.psu_headroom;
    let psu = rules
        .psu
        .iter()
        .filter(|p| p.watts >= psu_need)
        .filter_map(|p| cx.price(&p.item).map(|pr| (p, pr)))
        .min_by(|a, b| a.1.price_chf.total_cmp(&b.1.price_chf));
    let (psu_part, psu_watts) = match psu {
        Some((p, pr)) => (pr, p.watts),
        None => {
            let (p, pr) = rules
                .psu
                .iter()
                .filter_map(|p| cx.price(&p.item).map(|pr| (p, pr)))
                .max_by(|a, b| a.0.watts.total_cmp(&b.0.watts))?;
            flags.push(format!(
                "peak draw {peak:.0} W × {} = {psu_need:.0} W is above the largest PSU ({:.0} W): power-limit the cards or use two PSUs",
                g.psu_headroom, p.watts
            ));
            (pr, p.watts)
        }
    };
    let vram_gb: f64 = cards
        .iter()
        .map(|c| c.d.memory_bytes as f64 / GIB * c.n as f64)
        .sum();
    let ram_need = (vram_gb * g.ram_to_vram_ratio).max(g.ram_min_gb);
    let ram = rules
        .ram
        .iter()
        .filter(|r| r.ecc == plat.ecc_ram)
        .filter_map(|r| {
            let kits = (ram_need / r.gb).ceil().max(1.0) as u32;
            let max_kits = if plat.id == "am5" { 2 } else { 4 };
            if kits > max_kits {
                return None;
            }
            cx.price(&r.item).map(|p| (r, p, kits))
        })
        .min_by(|a, b| (a.1.price_chf * a.2 as f64).total_cmp(&(b.1.price_chf * b.2 as f64)))?;
    let cpu = cx.price(&plat.cpu)?;
    let board = cx.price(&plat.motherboard)?;
    let cooler = cx.price(&plat.cooler)?;
    let case = cx.price(&case_item)?;
    let lanes = plat
        .lanes_per_gpu
        .get((n - 1) as usize)
        .copied()
        .unwrap_or(16);
    let mut components = Vec::new();
    for c in cards {
        components.push(component(
            c.price,
            c.n,
            &format!(
                "{} GB {} per card, {} W, {} cooler, {} slots, PCIe x{lanes}",
                (c.d.memory_bytes as f64 / GIB).round(),
                c.d.vendor,
                c.d.tdp_w.unwrap_or(300.0),
                cooling_of(c),
                c.width
            ),
        ));
    }
    components.extend([
        component(&cpu, 1, &format!("{}: {}", plat.name, plat.why)),
        component(&board, 1, &plat.source),
        component(
            &ram.1,
            ram.2,
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
                g.psu_headroom,
                gpu_w,
                plat.cpu_tdp_w,
                g.base_system_w
            ),
        ),
        component(&case, 1, &case_why),
        component(&cooler, 1, "CPU air cooler (the CPU is not the inference bottleneck)"),
    ]);
    if let Some(m) = cx.price(&g.misc_item) {
        components.push(component(
            &m,
            1,
            "cables, thermal paste (the research's BOM allowance)",
        ));
    }
    for c in cards {
        let d = c.d;
        if d.id.starts_with("rtx-pro-6000") {
            if c.n > 1 {
                flags.push("RTX PRO 6000 Blackwell has no NVLink (the research planned a CHF 100-200 bridge that does not exist): the cards talk over PCIe".into());
            }
            if d.id == "rtx-pro-6000-ws" {
                flags.push("RTX PRO 6000 Workstation Edition: 600 W, dual flow-through (open-air) — not the 300 W blower, which is the Max-Q edition; PSU and noise are sized for 600 W".into());
            } else if d.id == "rtx-pro-6000-maxq" {
                flags.push("RTX PRO 6000 Max-Q: the 300 W blower edition (same 96 GB and bandwidth as the 600 W Workstation Edition, lower sustained clocks)".into());
            }
        }
        if cooling_of(c) == "passive" {
            flags.push(format!(
                "{}: passive card, needs a server chassis with forced airflow — loud, not a home-office machine",
                d.name
            ));
        }
        if c.n > 1
            && d.nvlink_bytes_per_s.unwrap_or(0.0) <= 0.0
            && !d.id.starts_with("rtx-pro-6000")
        {
            flags.push(format!(
                "{}: no NVLink; multi-GPU traffic goes over PCIe",
                d.name
            ));
        }
    }
    if mixed {
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
    let mut devs = Vec::new();
    for c in cards {
        for _ in 0..c.n {
            devs.push(c.d.clone());
        }
    }
    let d = cards[0].d;
    Some(Hw {
        name: if mixed {
            format!("{label} on {}", plat.id.to_uppercase())
        } else if n == 1 {
            format!("{} on {}", d.name, plat.id.to_uppercase())
        } else {
            format!("{n}× {} on {}", d.name, plat.id.to_uppercase())
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
        peak_w: peak,
        flags,
        is_pc: true,
    })
}

// ---------------------------------------------------------------- placement

struct Deployment {
    model: usize,
    roles: Vec<usize>,
    /// Everything but the per-device runtime overhead.
    base_bytes: u64,
    weights_bytes: u64,
    kv_bytes: u64,
    state_bytes: u64,
    compute_bytes: u64,
    streams: u32,
}

/// Where a deployment lives: (device index, bytes there).
type Placement = Vec<(usize, u64)>;

struct Evaluation {
    kv: KvType,
    deployments: Vec<Deployment>,
    placements: Vec<Placement>,
    /// Per-device used bytes.
    used: Vec<u64>,
    /// Step seconds per deployment under contention.
    step: Vec<f64>,
    prefill: Vec<(f64, f64)>,
    fits: bool,
    /// Roles meeting their minimum speed and context.
    roles_ok: usize,
    all_ok: bool,
}

fn deployments_for(cx: &Ctx, combo: &[usize], fam: EngineFamily, kv: KvType) -> Vec<Deployment> {
    let mut deps: Vec<Deployment> = Vec::new();
    for (ri, &oi) in combo.iter().enumerate() {
        let m = cx.options[ri][oi].model;
        let rk = cx
            .role_kv
            .get(&(ri, m, fam, kv))
            .copied()
            .unwrap_or_default();
        let streams = cx.req.roles[ri].streams;
        match deps.iter_mut().find(|d| d.model == m) {
            Some(d) => {
                d.roles.push(ri);
                d.kv_bytes += rk.kv;
                d.state_bytes += rk.state;
                d.streams += streams;
            }
            None => {
                let rm = &cx.models[m];
                let w = match fam {
                    EngineFamily::LlamaCpp => rm.weights_gguf.bytes,
                    EngineFamily::Mlx => rm.weights_mlx.bytes,
                };
                deps.push(Deployment {
                    model: m,
                    roles: vec![ri],
                    base_bytes: 0,
                    weights_bytes: w,
                    kv_bytes: rk.kv,
                    state_bytes: rk.state,
                    compute_bytes: cx.compute.get(&(m, fam)).copied().unwrap_or(0),
                    streams,
                });
            }
        }
    }
    for d in &mut deps {
        d.base_bytes = d.weights_bytes + d.kv_bytes + d.state_bytes + d.compute_bytes;
    }
    deps
}

/// Places deployments on devices: each on its own device where possible,
/// spanning several devices when it needs to.
fn place(hw: &Hw, deps: &[Deployment]) -> Option<(Vec<Placement>, Vec<u64>)> {
    let n = hw.count as usize;
    let runtime = runtime_overhead_per_device(hw.family.engine(), hw.device.kind);
    let cap = |g: usize| hw.caps[g];
    let mut used = vec![0u64; n];
    let mut placements: Vec<Placement> = vec![vec![]; deps.len()];
    let mut order: Vec<usize> = (0..deps.len()).collect();
    order.sort_by(|a, b| deps[*b].base_bytes.cmp(&deps[*a].base_bytes));
    for di in order {
        let need1 = deps[di].base_bytes + runtime;
        // Single device: prefer the least-loaded device that fits.
        let single = (0..n)
            .filter(|&g| used[g] + need1 <= cap(g))
            .min_by_key(|&g| used[g]);
        if let Some(g) = single {
            used[g] += need1;
            placements[di] = vec![(g, need1)];
            continue;
        }
        // Span k devices, most free room first (emptiest first for equal cards).
        let mut devs: Vec<usize> = (0..n).collect();
        devs.sort_by_key(|&g| std::cmp::Reverse(cap(g).saturating_sub(used[g])));
        let mut placed = false;
        for k in 2..=n {
            let chosen = &devs[..k];
            let need = deps[di].base_bytes + runtime * k as u64;
            // Room on each device after its own runtime overhead.
            let room: Vec<u64> = chosen
                .iter()
                .map(|&g| cap(g).saturating_sub(used[g]).saturating_sub(runtime))
                .collect();
            let free: u64 = room.iter().sum();
            if free < deps[di].base_bytes || room.contains(&0) {
                continue;
            }
            // Each device: its runtime + a share of the rest proportional
            // to its free room (unequal cards get unequal layer counts).
            let mut rest = need;
            let mut p = Vec::new();
            for (j, &g) in chosen.iter().enumerate() {
                let share = if j + 1 == k {
                    rest
                } else {
                    runtime + ((deps[di].base_bytes as f64) * room[j] as f64 / free as f64) as u64
                };
                let share = share.min(rest);
                rest -= share;
                used[g] += share;
                p.push((g, share));
            }
            placements[di] = p;
            placed = true;
            break;
        }
        if !placed {
            return None;
        }
    }
    Some((placements, used))
}

/// (model, roles signature, kv, device count, mask of the card types used)
type SpeedKey = (usize, u64, KvType, u32, u64);

#[derive(Default)]
struct SpeedCache {
    /// (model, roles signature, kv, k) → (step_s, prefill tok/s, ttft s)
    map: HashMap<SpeedKey, (f64, f64, f64)>,
}

fn evaluate(
    cx: &Ctx,
    hw: &Hw,
    combo: &[usize],
    kv: KvType,
    streams_override: Option<&[u32]>,
    cache: &mut SpeedCache,
) -> Evaluation {
    let mut deps = deployments_for(cx, combo, hw.family, kv);
    if let Some(so) = streams_override {
        // Re-derive KV for target streams (linear in streams).
        for d in &mut deps {
            let mut kvb = 0u64;
            let mut st = 0u64;
            let mut streams = 0u32;
            for &ri in &d.roles {
                let base = cx.req.roles[ri].streams.max(1) as u64;
                let rk = cx
                    .role_kv
                    .get(&(ri, d.model, hw.family, kv))
                    .copied()
                    .unwrap_or_default();
                kvb += rk.kv / base * so[ri] as u64;
                st += rk.state / base * so[ri] as u64;
                streams += so[ri];
            }
            d.kv_bytes = kvb;
            d.state_bytes = st;
            d.streams = streams;
            d.base_bytes = d.weights_bytes + d.kv_bytes + d.state_bytes + d.compute_bytes;
        }
    }
    let Some((placements, used)) = place(hw, &deps) else {
        return Evaluation {
            kv,
            deployments: deps,
            placements: vec![],
            used: vec![],
            step: vec![],
            prefill: vec![],
            fits: false,
            roles_ok: 0,
            all_ok: false,
        };
    };
    // Alone step per deployment.
    let mut alone = Vec::with_capacity(deps.len());
    let mut prefill = Vec::with_capacity(deps.len());
    for (di, d) in deps.iter().enumerate() {
        let k = placements[di].len() as u32;
        let sig = d.roles.iter().fold(0u64, |acc, r| acc | (1 << r)) | ((d.streams as u64) << 32);
        // Card types the deployment runs on (a type = the first device of that id).
        let types: Vec<usize> = {
            let mut t: Vec<usize> = placements[di]
                .iter()
                .map(|&(g, _)| {
                    hw.cards
                        .iter()
                        .position(|c| c.id == hw.cards[g].id)
                        .unwrap_or(0)
                })
                .collect();
            t.sort_unstable();
            t.dedup();
            t
        };
        let mask = types.iter().fold(0u64, |acc, &t| acc | (1 << t));
        let key = (d.model, sig, kv, k, mask);
        let v = *cache.map.entry(key).or_insert_with(|| {
            let rm = &cx.models[d.model];
            let w = match hw.family {
                EngineFamily::LlamaCpp => &rm.weights_gguf,
                EngineFamily::Mlx => &rm.weights_mlx,
            };
            // Depth: half of each stream's context (the average over a
            // conversation that fills it), weighted by streams.
            let (mut tok, mut s) = (0u64, 0u64);
            let mut prompt = 0u64;
            for &ri in &d.roles {
                let r = &cx.req.roles[ri];
                tok += cx.ctx[ri] / 2 * r.streams as u64;
                s += r.streams as u64;
                if let Some(p) = r.ttft_prompt.as_ref().and_then(|p| p.tokens().ok()) {
                    prompt = prompt.max(p);
                }
            }
            let depth = tok / s.max(1);
            let prompt = if prompt == 0 { depth.min(8192) } else { prompt };
            // One card type: that card's speed. A layer split over unequal
            // cards: every token passes through both, so it is planned at the
            // slower card's pace (the k-card estimate of each type, slowest kept).
            let mut v = (0f64, f64::INFINITY, 0f64);
            for &t in &types {
                let set = DeviceSet {
                    device: hw.cards[t].clone(),
                    count: k,
                };
                let e = role_speed(&SpeedInput {
                    model: &rm.arch,
                    weights: w,
                    devices: &set,
                    engine: hw.family.engine(),
                    split: hw.split,
                    link: hw.link,
                    streams: d.streams,
                    depth_tokens: depth.max(prompt),
                    kv_type: kv,
                    prompt_tokens: prompt,
                });
                v = (
                    v.0.max(e.step_s),
                    v.1.min(e.prefill_tok_s),
                    v.2.max(e.ttft_s),
                );
            }
            v
        });
        alone.push(v.0);
        prefill.push((v.1, v.2));
    }
    // Contention.
    let n = hw.count as usize;
    let mut load = vec![0f64; n];
    for (di, p) in placements.iter().enumerate() {
        let total: u64 = p.iter().map(|x| x.1).sum::<u64>().max(1);
        for &(g, b) in p {
            load[g] += alone[di] * b as f64 / total as f64;
        }
    }
    let step: Vec<f64> = placements
        .iter()
        .map(|p| p.iter().map(|&(g, _)| load[g]).sum::<f64>())
        .collect();
    let mut roles_ok = 0;
    for (di, d) in deps.iter().enumerate() {
        for &ri in &d.roles {
            let r = &cx.req.roles[ri];
            let tps = 1.0 / step[di];
            let speed_ok = r.speed_min.is_none_or(|m| tps >= m);
            let ctx_ok = cx.models[d.model].arch.max_context() >= cx.ctx[ri];
            if speed_ok && ctx_ok {
                roles_ok += 1;
            }
        }
    }
    let all_ok = roles_ok == cx.req.roles.len();
    Evaluation {
        kv,
        deployments: deps,
        placements,
        used,
        step,
        prefill,
        fits: true,
        roles_ok,
        all_ok,
    }
}

/// Tries model combinations in order of preference; the first that fits and
/// meets every role's minimum wins, else the one that comes closest.
fn best_evaluation(cx: &Ctx, hw: &Hw) -> (Vec<usize>, Evaluation) {
    let sizes: Vec<usize> = cx.options.iter().map(|o| o.len()).collect();
    let mut combo = vec![0usize; sizes.len()];
    let mut cache = SpeedCache::default();
    let mut best: Option<(Vec<usize>, Evaluation)> = None;
    let score = |e: &Evaluation| {
        (e.fits as usize) * 1000 + e.roles_ok * 10 + (e.kv == KvType::F16) as usize
    };
    let total_cap: u64 = hw.caps.iter().sum();
    for _ in 0..MAX_COMBOS {
        // Quick memory bound on the cheapest KV.
        let lower: u64 = deployments_for(cx, &combo, hw.family, KvType::Q8_0)
            .iter()
            .map(|d| d.base_bytes)
            .sum();
        if lower <= total_cap {
            for kv in [KvType::F16, KvType::Q8_0] {
                let e = evaluate(cx, hw, &combo, kv, None, &mut cache);
                if !e.fits {
                    continue;
                }
                let done = e.all_ok;
                if best.as_ref().is_none_or(|b| score(&e) > score(&b.1)) {
                    best = Some((combo.clone(), e));
                }
                if done {
                    return best.expect("set");
                }
                break; // fits at this KV: a smaller KV type does not change speed minimums much
            }
        }
        // Next combination (last role varies fastest).
        let mut i = sizes.len();
        loop {
            if i == 0 {
                return best.unwrap_or_else(|| {
                    let c = vec![0; sizes.len()];
                    let e = evaluate(cx, hw, &c, KvType::Q8_0, None, &mut cache);
                    (c, e)
                });
            }
            i -= 1;
            combo[i] += 1;
            if combo[i] < sizes[i] {
                break;
            }
            combo[i] = 0;
        }
    }
    best.unwrap_or_else(|| {
        let c = vec![0; sizes.len()];
        let e = evaluate(cx, hw, &c, KvType::Q8_0, None, &mut cache);
        (c, e)
    })
}

// ---------------------------------------------------------------- verdicts

fn verdict(value: f64, target: Option<f64>, minimum: Option<f64>) -> Verdict {
    match (target, minimum) {
        (None, None) => Verdict::NotRequired,
        (t, m) => {
            if m.is_some_and(|m| value < m) {
                Verdict::Fails
            } else if t.is_none_or(|t| value >= t) {
                Verdict::MeetsTarget
            } else {
                Verdict::MeetsMinimum
            }
        }
    }
}

fn fmt_opt(x: Option<f64>, unit: &str) -> String {
    x.map(|v| format!("{v} {unit}"))
        .unwrap_or_else(|| "-".into())
}

fn build_candidate(cx: &Ctx, catalog: &Catalog, mut hw: Hw) -> Candidate {
    let (combo, ev) = best_evaluation(cx, &hw);
    let req = cx.req;
    let mut flags = std::mem::take(&mut hw.flags);
    let mut checks = Vec::new();
    let mut roles = Vec::new();
    // Storage for PC builds.
    if hw.is_pc {
        let files: u64 = ev.deployments.iter().map(|d| d.weights_bytes).sum();
        let g = &cx.rules.general;
        let need_tb = (files as f64 / 1e12 * g.storage_model_factor).max(g.storage_min_tb);
        if let Some((s, p)) = cx
            .rules
            .storage
            .iter()
            .filter(|s| s.tb >= need_tb)
            .filter_map(|s| cx.price(&s.item).map(|p| (s, p)))
            .min_by(|a, b| a.1.price_chf.total_cmp(&b.1.price_chf))
        {
            let pos = hw.components.len().saturating_sub(1);
            hw.components.insert(
                pos,
                component(
                    &p,
                    1,
                    &format!(
                        "NVMe ≥ max({} TB, {} × {:.0} GB of planned model files) → {} TB",
                        g.storage_min_tb,
                        g.storage_model_factor,
                        files as f64 / 1e9,
                        s.tb
                    ),
                ),
            );
        }
    }
    let total: f64 = round2(hw.components.iter().map(|c| c.price_chf).sum());
    // Roles.
    for (ri, r) in req.roles.iter().enumerate() {
        let opt = &cx.options[ri][combo[ri]];
        let rm = &cx.models[opt.model];
        let di = ev.deployments.iter().position(|d| d.roles.contains(&ri));
        let (tps, pf, ttft, devices, shares) = match (ev.fits, di) {
            (true, Some(di)) => {
                let d = &ev.deployments[di];
                (
                    1.0 / ev.step[di],
                    ev.prefill[di].0,
                    ev.prefill[di].1,
                    ev.placements[di].iter().map(|x| x.0).collect(),
                    d.roles
                        .iter()
                        .filter(|&&o| o != ri)
                        .map(|&o| req.roles[o].name.clone())
                        .collect(),
                )
            }
            _ => (0.0, 0.0, 0.0, vec![], vec![]),
        };
        let tps = (tps * 10.0).round() / 10.0;
        let v = if ev.fits {
            verdict(tps, r.speed_target, r.speed_min)
        } else {
            Verdict::Fails
        };
        checks.push(Check {
            requirement: format!("{} speed ({} × {})", r.name, r.streams, rm.arch.id),
            value: format!("{tps:.1} tok/s per stream"),
            target: fmt_opt(r.speed_target, "tok/s"),
            minimum: fmt_opt(r.speed_min, "tok/s"),
            verdict: v,
            shortfall: (v == Verdict::Fails).then(|| {
                if !ev.fits {
                    "the models do not fit in memory".to_string()
                } else {
                    format!(
                        "{tps:.1} tok/s < {} tok/s minimum ({:.0}% short)",
                        r.speed_min.unwrap_or(0.0),
                        (1.0 - tps / r.speed_min.unwrap_or(1.0)) * 100.0
                    )
                }
            }),
        });
        if rm.arch.max_context() < cx.ctx[ri] {
            checks.push(Check {
                requirement: format!("{} context ({})", r.name, rm.arch.id),
                value: format!("{} max", format_tokens(rm.arch.max_context())),
                target: format_tokens(cx.ctx[ri]),
                minimum: format_tokens(cx.ctx[ri]),
                verdict: Verdict::Fails,
                shortfall: Some(format!(
                    "{} supports {} < {} requested",
                    rm.arch.id,
                    format_tokens(rm.arch.max_context()),
                    format_tokens(cx.ctx[ri])
                )),
            });
        }
        if let Some(t) = r.ttft_max_s {
            let v = if ttft <= t {
                Verdict::MeetsTarget
            } else {
                Verdict::MeetsMinimum
            };
            checks.push(Check {
                requirement: format!("{} time to first token", r.name),
                value: format!("{ttft:.1} s"),
                target: format!("{t} s"),
                minimum: "-".into(),
                verdict: v,
                shortfall: None,
            });
        }
        if let Some(t) = r.prefill_target {
            let v = if pf >= t {
                Verdict::MeetsTarget
            } else {
                Verdict::MeetsMinimum
            };
            checks.push(Check {
                requirement: format!("{} prefill", r.name),
                value: format!("{pf:.0} tok/s"),
                target: format!("{t} tok/s"),
                minimum: "-".into(),
                verdict: v,
                shortfall: None,
            });
        }
        roles.push(RoleResult {
            role: r.name.clone(),
            kind: match r.kind {
                RoleKind::Main => "main",
                RoleKind::SubAgent => "sub-agent",
                RoleKind::Vision => "vision",
                RoleKind::Other => "other",
            }
            .into(),
            model: rm.arch.id.clone(),
            model_name: rm.arch.name.clone(),
            quant: match hw.family {
                EngineFamily::LlamaCpp => rm.quant_gguf.clone(),
                EngineFamily::Mlx => rm.quant_mlx.clone(),
            },
            context: cx.ctx[ri],
            streams: r.streams,
            tok_s_per_stream: tps,
            target: r.speed_target,
            minimum: r.speed_min,
            verdict: v,
            prefill_tok_s: (pf * 10.0).round() / 10.0,
            ttft_s: (ttft * 100.0).round() / 100.0,
            model_native_context: rm.arch.native_context,
            model_max_context: rm.arch.max_context(),
            quality_pct: opt.quality,
            devices,
            shares_weights_with: shares,
        });
    }
    // Memory.
    let n = hw.count as usize;
    let mut devices = Vec::new();
    let runtime = runtime_overhead_per_device(hw.family.engine(), hw.device.kind);
    for g in 0..n {
        let mut parts = Vec::new();
        if ev.fits {
            for (di, p) in ev.placements.iter().enumerate() {
                let Some(&(_, bytes)) = p.iter().find(|x| x.0 == g) else {
                    continue;
                };
                let d = &ev.deployments[di];
                // Fraction of the deployment here (each device also holds its runtime).
                let f = bytes.saturating_sub(runtime) as f64 / d.base_bytes.max(1) as f64;
                let m = &cx.models[d.model].arch.id;
                let q = match hw.family {
                    EngineFamily::LlamaCpp => &cx.models[d.model].quant_gguf,
                    EngineFamily::Mlx => &cx.models[d.model].quant_mlx,
                };
                let names: Vec<String> =
                    d.roles.iter().map(|&r| req.roles[r].name.clone()).collect();
                let share = if p.len() > 1 {
                    format!(" ({:.0}% of the layers)", f * 100.0)
                } else {
                    String::new()
                };
                parts.push(MemoryPart {
                    label: format!("{m} {q} weights — {}{share}", names.join(" + ")),
                    bytes: (d.weights_bytes as f64 * f) as u64,
                });
                let kv_desc: Vec<String> = d
                    .roles
                    .iter()
                    .map(|&r| format!("{} × {}", req.roles[r].streams, format_tokens(cx.ctx[r])))
                    .collect();
                parts.push(MemoryPart {
                    label: format!("KV cache {} ({}), {}", kv_desc.join(" + "), ev.kv.name(), m),
                    bytes: ((d.kv_bytes + d.state_bytes) as f64 * f) as u64,
                });
                parts.push(MemoryPart {
                    label: format!("compute buffers + runtime, {m}"),
                    bytes: ((d.compute_bytes as f64) * f) as u64 + runtime,
                });
            }
        }
        devices.push(DeviceMemory {
            index: g,
            device: hw.cards[g].name.clone(),
            memory_bytes: hw.cards[g].memory_bytes,
            available_bytes: hw.caps[g],
            used_bytes: if ev.fits { ev.used[g] } else { 0 },
            parts,
        });
    }
    let required: u64 = if ev.fits {
        ev.used.iter().sum()
    } else {
        ev.deployments.iter().map(|d| d.base_bytes + runtime).sum()
    };
    let available: u64 = hw.caps.iter().sum();
    let physical: u64 = hw.cards.iter().map(|c| c.memory_bytes).sum();
    if !ev.fits {
        checks.push(Check {
            requirement: "models fit in memory".into(),
            value: format!("{:.1} GiB needed", to_gib(required)),
            target: "-".into(),
            minimum: format!("{:.1} GiB usable", to_gib(available)),
            verdict: Verdict::Fails,
            shortfall: Some(format!(
                "needs {:.1} GiB, {} has {:.1} GiB usable ({:.1} GiB short)",
                to_gib(required),
                hw.name,
                to_gib(available),
                to_gib(required.saturating_sub(available))
            )),
        });
    }
    if hw.count > 1 && ev.fits && !hw.is_pc {
        if ev.placements.iter().any(|p| p.len() > 1) {
            flags.push(if hw.platform == Platform::Apple {
                "a model spans several Macs: tensor parallelism over Thunderbolt 5 needs RDMA (macOS 26.2+, MLX JACCL / exo 1.0); without RDMA expect a fraction of the planned speed".to_string()
            } else {
                "a model spans both units over the 200 GbE link (llama.cpp RPC / vLLM multi-node): planned with a PCIe-4-class link, unmeasured".to_string()
            });
        } else {
            flags.push("each model runs on its own machine: one server per box, clients address them separately (no interconnect traffic)".into());
        }
    }
    if ev.fits && ev.kv != KvType::F16 {
        flags.push(format!(
            "KV cache quantized to {} to fit (llama.cpp -ctk/-ctv q8_0 with -fa on; vLLM --kv-cache-dtype fp8; MLX --kv-bits 8)",
            ev.kv.name()
        ));
    }
    if hw.device.kind == DeviceKind::AppleSoc
        && ev.fits
        && ev.used.iter().any(|u| *u > hw.default_available)
    {
        flags.push(format!(
            "uses more than macOS's default GPU share ({:.0} GiB of {:.0} GiB): raise it with `sudo sysctl iogpu.wired_limit_mb={}`",
            to_gib(hw.default_available),
            to_gib(hw.device.memory_bytes),
            hw.available >> 20
        ));
    }
    let phys_gb = physical as f64 / GIB;
    let mv = verdict(phys_gb, req.memory.target_gb, req.memory.min_gb);
    checks.push(Check {
        requirement: "GPU-accessible memory".into(),
        value: format!("{phys_gb:.0} GB"),
        target: fmt_opt(req.memory.target_gb, "GB"),
        minimum: fmt_opt(req.memory.min_gb, "GB"),
        verdict: mv,
        shortfall: (mv == Verdict::Fails).then(|| {
            format!(
                "{phys_gb:.0} GB < {} GB minimum",
                req.memory.min_gb.unwrap_or(0.0)
            )
        }),
    });
    let within = total <= req.budget.max_chf;
    let bv = if !within {
        Verdict::Fails
    } else if req
        .budget
        .sweet_spot_chf
        .is_none_or(|[lo, hi]| total >= lo && total <= hi)
        || req.budget.sweet_spot_chf.is_some_and(|[lo, _]| total < lo)
    {
        Verdict::MeetsTarget
    } else {
        Verdict::MeetsMinimum
    };
    checks.push(Check {
        requirement: "budget".into(),
        value: format!("CHF {total:.0}"),
        target: req
            .budget
            .sweet_spot_chf
            .map(|[a, b]| format!("CHF {a:.0}–{b:.0}"))
            .unwrap_or("-".into()),
        minimum: format!("≤ CHF {:.0}", req.budget.max_chf),
        verdict: bv,
        shortfall: (!within).then(|| {
            format!(
                "CHF {total:.0} is CHF {:.0} over the CHF {:.0} maximum",
                total - req.budget.max_chf,
                req.budget.max_chf
            )
        }),
    });
    let want = req.environment.noise;
    let nv = if want == Noise::Any || hw.noise <= want {
        Verdict::MeetsTarget
    } else {
        Verdict::Fails
    };
    checks.push(Check {
        requirement: "noise".into(),
        value: hw.noise.name().into(),
        target: want.name().into(),
        minimum: want.name().into(),
        verdict: nv,
        shortfall: (nv == Verdict::Fails).then(|| {
            format!(
                "{} is {}, the room allows {}",
                hw.name,
                hw.noise.name(),
                want.name()
            )
        }),
    });
    let maxw = req.environment.max_watts();
    let pv = if hw.peak_w <= maxw {
        Verdict::MeetsTarget
    } else {
        Verdict::Fails
    };
    checks.push(Check {
        requirement: "power (outlet)".into(),
        value: format!("{:.0} W peak", hw.peak_w),
        target: format!("≤ {maxw:.0} W"),
        minimum: format!("≤ {maxw:.0} W"),
        verdict: pv,
        shortfall: (pv == Verdict::Fails).then(|| {
            format!(
                "peak {:.0} W exceeds the outlet's {maxw:.0} W by {:.0} W",
                hw.peak_w,
                hw.peak_w - maxw
            )
        }),
    });
    if hw.components.iter().any(|c| c.estimate) {
        flags.push("some part prices are estimates (converted, MSRP-derived or guessed): see the bill of materials".into());
    }
    if hw.components.iter().any(|c| c.condition == "used") {
        flags.push("includes used parts: check warranty and return terms".into());
    }
    let meets_all = checks
        .iter()
        .filter(|c| c.requirement != "budget")
        .all(|c| c.verdict.ok());
    // Concurrency target.
    let targets: Vec<u32> = req
        .roles
        .iter()
        .map(|r| r.streams_target.unwrap_or(r.streams))
        .collect();
    if meets_all && req.roles.iter().any(|r| r.streams_target.is_some()) {
        let mut cache = SpeedCache::default();
        let e = evaluate(cx, &hw, &combo, ev.kv, Some(&targets), &mut cache);
        let e = if e.fits {
            e
        } else {
            evaluate(cx, &hw, &combo, KvType::Q8_0, Some(&targets), &mut cache)
        };
        let total_target: u32 = targets.iter().sum();
        let ok = e.fits && e.all_ok;
        checks.push(Check {
            requirement: "concurrent streams (target)".into(),
            value: if ok {
                format!("{total_target} streams fit and keep every minimum speed")
            } else if e.fits {
                format!("{total_target} streams fit but a role drops below its minimum")
            } else {
                format!("{total_target} streams do not fit")
            },
            target: format!("{total_target}"),
            minimum: format!("{}", req.roles.iter().map(|r| r.streams).sum::<u32>()),
            verdict: if ok {
                Verdict::MeetsTarget
            } else {
                Verdict::MeetsMinimum
            },
            shortfall: None,
        });
    }
    let targets_met = checks
        .iter()
        .filter(|c| c.verdict == Verdict::MeetsTarget)
        .count() as u32;
    let _ = catalog;
    Candidate {
        name: hw.name.clone(),
        platform: hw.platform,
        hardware_id: hw.hardware_id.clone(),
        device_count: hw.count,
        total_price_chf: total,
        within_budget: within,
        meets_all_minimums: meets_all,
        qualifies: meets_all && within,
        on_pareto_front: false,
        targets_met,
        components: hw.components,
        roles,
        memory: MemorySummary {
            required_bytes: required,
            available_bytes: available,
            physical_bytes: physical,
            headroom_bytes: available as i64 - required as i64,
            fits: ev.fits,
            kv_type: ev.kv.name().to_string(),
            devices,
        },
        checks,
        noise: hw.noise,
        peak_power_w: hw.peak_w,
        engine: hw.family.engine().name().to_string(),
        flags,
    }
}

// ---------------------------------------------------------------- ranking

fn dominates(a: &Candidate, b: &Candidate) -> bool {
    let ge = a.total_price_chf <= b.total_price_chf
        && a.main_speed() >= b.main_speed()
        && a.memory.headroom_bytes >= b.memory.headroom_bytes;
    let gt = a.total_price_chf < b.total_price_chf
        || a.main_speed() > b.main_speed()
        || a.memory.headroom_bytes > b.memory.headroom_bytes;
    ge && gt
}

/// Plans a requirements set over the whole catalog.
pub fn plan(req: &Requirements, catalog: &Catalog) -> Result<PlanReport, PlanError> {
    let cx = Ctx::new(req, catalog)?;
    let mut unpriced = Vec::new();
    let hws = enumerate_hardware(&cx, catalog, &mut unpriced);
    let mut cands: Vec<Candidate> = hws
        .into_iter()
        .map(|hw| build_candidate(&cx, catalog, hw))
        .collect();
    // Pareto front among qualifying candidates.
    let q: Vec<usize> = (0..cands.len()).filter(|&i| cands[i].qualifies).collect();
    for &i in &q {
        let dominated = q.iter().any(|&j| j != i && dominates(&cands[j], &cands[i]));
        cands[i].on_pareto_front = !dominated;
    }
    let preferred = |c: &Candidate| req.platform.preferred.contains(&c.platform);
    cands.sort_by(|a, b| {
        b.qualifies
            .cmp(&a.qualifies)
            .then(b.on_pareto_front.cmp(&a.on_pareto_front))
            .then(preferred(b).cmp(&preferred(a)))
            .then(b.targets_met.cmp(&a.targets_met))
            .then(a.failures().len().cmp(&b.failures().len()))
            .then(a.total_price_chf.total_cmp(&b.total_price_chf))
    });
    let qualifying = cands.iter().filter(|c| c.qualifies).count();
    let top_pick = cands.first().filter(|c| c.qualifies).map(|c| TopPick {
        name: c.name.clone(),
        why: why_top(c, &cands, req),
    });
    // Near misses: one failing check.
    let mut near: Vec<NearMiss> = cands
        .iter()
        .filter(|c| !c.qualifies && c.failures().len() == 1)
        .map(|c| {
            let f = c.failures()[0];
            NearMiss {
                name: c.name.clone(),
                total_price_chf: c.total_price_chf,
                fails: format!(
                    "{}: {}",
                    f.requirement,
                    f.shortfall.clone().unwrap_or_else(|| f.value.clone())
                ),
            }
        })
        .collect();
    near.sort_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf));
    near.truncate(8);
    let closest = if qualifying == 0 {
        closest_answer(&cands, req)
    } else {
        None
    };
    let quality = quality_check(&cx, cands.first());
    let commands = cands
        .first()
        .map(|c| {
            engine_commands(c, |id| {
                catalog.model(id).ok().and_then(|m| m.hf_repo.clone())
            })
        })
        .unwrap_or_default();
    let mut flags = cx.flags.clone();
    flags.dedup();
    let mut not_considered = cx.not_considered.clone();
    not_considered.extend(unpriced);
    Ok(PlanReport {
        title: req.title.clone().unwrap_or_else(|| "rigsize plan".into()),
        price_snapshot_date: cx.book.snapshot_date.clone(),
        budget_max_chf: req.budget.max_chf,
        candidates_evaluated: cands.len(),
        candidates_qualifying: qualifying,
        candidates: cands,
        top_pick,
        near_misses: near,
        closest,
        quality,
        commands,
        flags,
        not_considered,
        assumptions: assumptions(),
    })
}

fn assumptions() -> Vec<String> {
    vec![
        "Speeds are decode tok/s per stream with every stream of every role generating at once, at half of each stream's context (the average depth of a conversation that fills it), from rigsize-speed's calibrated model; models sharing a device take turns.".into(),
        "Memory is the rigsize-core model (weights + KV + compute buffers + runtime): llama.cpp with one unified KV cache per model (--kv-unified) on PCs, DGX Spark and Strix Halo; MLX on Macs. Quantization: Q4_K_M GGUF (MXFP4 for gpt-oss) or MLX 4-bit unless the role names one.".into(),
        "Unified boxes keep 8 GiB for the OS; Macs may raise the GPU wired limit to RAM − 8 GiB (flagged when used).".into(),
        "Prices: the dated offline snapshot data/prices.toml; per part the newest observation, observed prices before estimates, then a preferred retailer, then the lowest price. Not live prices.".into(),
        "Builds follow data/build-rules.toml (platform per GPU count, PSU ≥ 1.5 × peak draw, RAM, case, cooler, storage).".into(),
    ]
}

fn why_top(c: &Candidate, all: &[Candidate], req: &Requirements) -> Vec<String> {
    let mut why = vec![format!(
        "meets every minimum within budget (CHF {:.0} of CHF {:.0}) and {} of {} requirements at their target",
        c.total_price_chf,
        req.budget.max_chf,
        c.targets_met,
        c.checks.len()
    )];
    if let Some(m) = c.roles.first() {
        let main = c.roles.iter().find(|r| r.kind == "main").unwrap_or(m);
        why.push(format!(
            "main agent {} at {:.1} tok/s per stream under the full load",
            main.model, main.tok_s_per_stream
        ));
    }
    why.push(format!(
        "{:.0} GiB of {:.0} GiB usable memory planned ({:.0} GiB headroom)",
        to_gib(c.memory.required_bytes),
        to_gib(c.memory.available_bytes),
        c.memory.headroom_bytes as f64 / GIB
    ));
    if c.on_pareto_front {
        why.push("on the Pareto front of price, main-agent speed and memory headroom".into());
    }
    if req.platform.preferred.contains(&c.platform) {
        why.push(format!("preferred platform ({})", c.platform.name()));
    }
    let cheaper = all
        .iter()
        .filter(|o| o.qualifies && o.total_price_chf < c.total_price_chf)
        .min_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf));
    if let Some(o) = cheaper {
        why.push(format!(
            "the cheapest qualifying build is {} at CHF {:.0}; it meets {} requirements at their target, this pick {}",
            o.name, o.total_price_chf, o.targets_met, c.targets_met
        ));
    }
    why
}

fn closest_answer(cands: &[Candidate], req: &Requirements) -> Option<Closest> {
    let c = cands.iter().min_by(|a, b| {
        a.failures()
            .len()
            .cmp(&b.failures().len())
            .then(a.total_price_chf.total_cmp(&b.total_price_chf))
    })?;
    let mut take = Vec::new();
    for f in c.failures() {
        take.push(match f.requirement.as_str() {
            "budget" => format!(
                "raise the budget by CHF {:.0} (to CHF {:.0})",
                c.total_price_chf - req.budget.max_chf,
                c.total_price_chf
            ),
            r => f
                .shortfall
                .clone()
                .map(|s| format!("{r}: {s}"))
                .unwrap_or(r.to_string()),
        });
    }
    // Cheapest build that meets every minimum, whatever the budget.
    if let Some(o) = cands
        .iter()
        .filter(|o| o.meets_all_minimums)
        .min_by(|a, b| a.total_price_chf.total_cmp(&b.total_price_chf))
    {
        take.push(format!(
            "the cheapest build meeting every minimum is {} at CHF {:.0} (budget CHF {:.0})",
            o.name, o.total_price_chf, req.budget.max_chf
        ));
    } else if let Some(big) = cands.iter().max_by_key(|o| o.memory.available_bytes) {
        let need = cands
            .iter()
            .map(|o| o.memory.required_bytes)
            .min()
            .unwrap_or(0);
        take.push(format!(
            "no candidate meets every minimum; the largest, {}, has {:.0} GiB usable while the smallest plan needs {:.0} GiB: choose smaller models, shorter contexts or fewer streams",
            big.name,
            to_gib(big.memory.available_bytes),
            to_gib(need)
        ));
    }
    Some(Closest {
        name: c.name.clone(),
        fails: c
            .failures()
            .iter()
            .map(|f| f.shortfall.clone().unwrap_or(f.requirement.clone()))
            .collect(),
        what_it_would_take: take,
    })
}

fn quality_check(cx: &Ctx, top: Option<&Candidate>) -> QualityCheck {
    let bench = cx
        .req
        .roles
        .get(cx.req.main_role())
        .and_then(|r| r.rank_by.clone())
        .unwrap_or(DEFAULT_BENCHMARK.into());
    let r = |s: &crate::data::Score| QualityRef {
        model: s.model.clone(),
        score_pct: s.score_pct,
        source: format!("{} ({})", s.source, s.as_of),
    };
    let best_open = cx.quality.best("open", &bench).map(r);
    let best_closed = cx.quality.best("proprietary", &bench).map(r);
    let planned = top.and_then(|c| {
        let m = c
            .roles
            .iter()
            .find(|x| x.kind == "main")
            .or(c.roles.first())?;
        Some(match cx.quality.score(&m.model, &bench) {
            Some(s) => r(s),
            None => QualityRef {
                model: m.model.clone(),
                score_pct: f64::NAN,
                source: "no published score in data/model-quality.toml".into(),
            },
        })
    });
    let summary = match (&planned, &best_open, &best_closed) {
        (Some(p), Some(o), Some(c)) if p.score_pct.is_finite() => format!(
            "{} scores {:.1}% on {bench}: {:.1} points below the best open model ({} {:.1}%) and {:.1} below the best closed one ({} {:.1}%)",
            p.model,
            p.score_pct,
            o.score_pct - p.score_pct,
            o.model,
            o.score_pct,
            c.score_pct - p.score_pct,
            c.model,
            c.score_pct
        ),
        (Some(p), _, _) => format!("{} has no published {bench} score; compare it yourself", p.model),
        _ => "no top pick to compare".into(),
    };
    QualityCheck {
        benchmark: bench,
        planned: planned.map(|mut p| {
            if !p.score_pct.is_finite() {
                p.score_pct = -1.0;
            }
            p
        }),
        best_open,
        best_closed,
        summary,
    }
}
