//! `pack`: a node's memory budget (seed 004: `PORTEN_VRAM_BUDGET_MB`,
//! `PORTEN_AUTO_DOWNLOAD_MB`) against the models people ask it for.
//!
//! Greedy by demand: the most demanded models that fit stay loaded; models that fit in the VRAM left over are loaded on demand and
//! unloaded when idle; models that only fit by evicting a resident are kept
//! on disk; the rest are not packed, with the reason.

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::memory::{estimate, weights_for_scheme, MemoryRequest};

use crate::error::PlanError;

/// Context each resident model is sized for (seed 004: "a few GB on top at
/// typical context (8–32k)").
/// MB as the pack budgets count them (MiB).
const MB: u64 = 1 << 20;

pub const PACK_CONTEXT: u64 = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackState {
    Resident,
    UnloadWhenIdle,
    CachedOnDisk,
    NotPacked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackEntry {
    pub model: String,
    pub demand: f64,
    pub quant: String,
    /// Bytes while loaded (weights + KV at PACK_CONTEXT + buffers).
    pub loaded_mb: u64,
    /// Bytes of the weights file on disk.
    pub download_mb: u64,
    pub state: PackState,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackReport {
    pub vram_budget_mb: u64,
    pub download_budget_mb: u64,
    pub resident_mb: u64,
    pub downloaded_mb: u64,
    pub context_tokens: u64,
    pub entries: Vec<PackEntry>,
}

/// Parses `model=weight,model=weight` (a bare model gets weight 1).
pub fn parse_demand(s: &str) -> Result<Vec<(String, f64)>, PlanError> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (m, w) = match part.split_once('=') {
            Some((m, w)) => {
                let w: f64 = w.trim().parse().map_err(|_| {
                    PlanError::Invalid(format!("demand '{part}': weight '{w}' is not a number"))
                })?;
                (m.trim(), w)
            }
            None => (part, 1.0),
        };
        if !(w.is_finite() && w > 0.0) {
            return Err(PlanError::Invalid(format!(
                "demand '{part}': the weight must be a positive number"
            )));
        }
        out.push((m.to_string(), w));
    }
    if out.is_empty() {
        return Err(PlanError::Invalid(
            "--demand is empty: give model=weight,…".into(),
        ));
    }
    Ok(out)
}

pub fn pack(
    vram_budget_mb: u64,
    download_budget_mb: u64,
    demand: &[(String, f64)],
    catalog: &Catalog,
) -> Result<PackReport, PlanError> {
    let mut entries = pack_entries(demand, catalog)?;
    // Most demanded first; ties: smaller first (more models fit).
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        entries[b]
            .demand
            .total_cmp(&entries[a].demand)
            .then(entries[a].loaded_mb.cmp(&entries[b].loaded_mb))
    });
    let (resident, disk) =
        place_residents(&mut entries, &order, vram_budget_mb, download_budget_mb);
    Ok(PackReport {
        vram_budget_mb,
        download_budget_mb,
        resident_mb: resident,
        downloaded_mb: disk,
        context_tokens: PACK_CONTEXT,
        entries,
    })
}

/// One entry per demanded model, sized at the engine's default quantization.
fn pack_entries(demand: &[(String, f64)], catalog: &Catalog) -> Result<Vec<PackEntry>, PlanError> {
    let mut entries = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, w) in demand {
        let rec = catalog.model(name)?;
        let arch = &rec.arch;
        // An alias and its id, or one id twice, would be packed twice and
        // their memory counted twice.
        if let Some((_, first)) = seen.iter().find(|(id, _)| *id == arch.id) {
            return Err(PlanError::Invalid(format!(
                "--demand names {} twice ('{first}' and '{name}'): give it once, with the summed weight",
                arch.id
            )));
        }
        seen.push((arch.id.clone(), name.clone()));
        let scheme = rigsize_core::engine::default_quant(arch, Engine::LlamaCpp);
        let weights = weights_for_scheme(arch, scheme);
        let req = MemoryRequest {
            ctx: PACK_CONTEXT.min(arch.max_context()),
            streams: 1,
            kv_type_k: KvType::F16,
            kv_type_v: KvType::F16,
            engine: EngineConfig::new(Engine::LlamaCpp),
        };
        let e = estimate(arch, &weights, &req);
        entries.push(PackEntry {
            model: arch.id.clone(),
            demand: *w,
            quant: scheme.name(),
            loaded_mb: e.total_bytes.div_ceil(MB),
            download_mb: weights.bytes.div_ceil(MB),
            state: PackState::NotPacked,
            why: String::new(),
        });
    }
    Ok(entries)
}

/// Pass 1: the most demanded models that fit stay resident; pass 2: the rest
/// load on demand or stay on disk. Returns (resident MB, downloaded MB).
fn place_residents(
    entries: &mut [PackEntry],
    order: &[usize],
    vram_budget_mb: u64,
    download_budget_mb: u64,
) -> (u64, u64) {
    let (mut resident, mut disk) = (0u64, 0u64);
    // Pass 1: residents.
    for &i in order {
        let e = &mut entries[i];
        if e.loaded_mb > vram_budget_mb {
            e.why = format!(
                "needs {} MB loaded, more than the whole VRAM budget of {vram_budget_mb} MB",
                e.loaded_mb
            );
            continue;
        }
        if disk + e.download_mb > download_budget_mb {
            e.why = format!(
                "its {} MB download would exceed the {download_budget_mb} MB download budget ({disk} MB used)",
                e.download_mb
            );
            continue;
        }
        if resident + e.loaded_mb <= vram_budget_mb {
            resident += e.loaded_mb;
            disk += e.download_mb;
            e.state = PackState::Resident;
            e.why = format!(
                "demand {} ranks it before the models not yet placed; {} MB fits next to the other residents ({resident} of {vram_budget_mb} MB)",
                e.demand,
                e.loaded_mb
            );
        }
    }
    let disk = place_rest(
        entries,
        order,
        vram_budget_mb - resident,
        disk,
        download_budget_mb,
    );
    (resident, disk)
}

/// Pass 2: models that are not resident load into the free room when asked
/// for, or stay cached on disk. Returns the downloaded MB.
fn place_rest(
    entries: &mut [PackEntry],
    order: &[usize],
    free: u64,
    mut disk: u64,
    download_budget_mb: u64,
) -> u64 {
    for &i in order {
        let e = &mut entries[i];
        if e.state != PackState::NotPacked || !e.why.is_empty() {
            continue;
        }
        if disk + e.download_mb > download_budget_mb {
            e.why = format!(
                "its {} MB download would exceed the {download_budget_mb} MB download budget ({disk} MB used)",
                e.download_mb
            );
            continue;
        }
        disk += e.download_mb;
        if e.loaded_mb <= free {
            e.state = PackState::UnloadWhenIdle;
            e.why = format!(
                "loads into the {free} MB the residents leave free when asked for, and is unloaded when idle"
            );
        } else {
            e.state = PackState::CachedOnDisk;
            e.why = format!(
                "{} MB does not fit beside the residents ({free} MB free): kept on disk, loaded only by evicting an idle resident",
                e.loaded_mb
            );
        }
    }
    disk
}

impl PackReport {
    pub fn to_markdown(&self) -> String {
        let mut s = format!(
            "# rigsize pack\n\nVRAM budget {} MB ({} MB resident), download budget {} MB ({} MB on disk); models sized for {} tokens of context.\n\n| model | demand | quant | loaded MB | download MB | state | why |\n|---|---:|---|---:|---:|---|---|\n",
            self.vram_budget_mb, self.resident_mb, self.download_budget_mb, self.downloaded_mb, self.context_tokens
        );
        for e in &self.entries {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                e.model,
                e.demand,
                e.quant,
                e.loaded_mb,
                e.download_mb,
                match e.state {
                    PackState::Resident => "resident",
                    PackState::UnloadWhenIdle => "unload when idle",
                    PackState::CachedOnDisk => "cached on disk",
                    PackState::NotPacked => "not packed",
                },
                e.why
            ));
        }
        s
    }
}
