//! llama.cpp expert offload (`--n-cpu-moe N`) in the request layer: the
//! checks every interface shares, the GPU/RAM split of a fit, the system-RAM
//! bandwidth the speed model uses, and the "offload N expert layers" fix.

use std::sync::OnceLock;

use anyhow::Result;
use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::fit::{Blocker, FitReport, Fix, FixKind};
use rigsize_core::offload::{split, OffloadFit, OffloadSplit};
use rigsize_core::units::{format_tokens, to_gib};
use rigsize_speed::offload::{predict_offload, Host, OffloadData};
use serde::Serialize;

use crate::fit::{fit_report_only, FitRequest, ResolvedModel, Resolver};

/// The shipped offload calibration (`data/offload.toml`).
pub fn data() -> Result<&'static OffloadData> {
    static D: OnceLock<Result<OffloadData, String>> = OnceLock::new();
    D.get_or_init(|| OffloadData::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The split for `n` on `engine`, or why there is none: expert offload is a
/// llama.cpp flag, and `n` must name blocks of a mixture-of-experts model.
pub fn split_for(model: &ResolvedModel, engine: Engine, n: u32) -> Result<OffloadSplit> {
    anyhow::ensure!(
        engine == Engine::LlamaCpp,
        "--n-cpu-moe is llama.cpp's expert offload (the routed experts of the first N blocks stay in system RAM and run on the CPU); {engine} has no such mode. Use --engine llama.cpp, or drop --n-cpu-moe"
    );
    Ok(split(&model.arch, &model.weights, n)?)
}

/// Bytes from a `--ram-gb` value (GB = 10^9 bytes, as RAM is sold).
pub fn ram_bytes(gb: Option<f64>) -> Result<Option<u64>> {
    gb.map(|g| {
        anyhow::ensure!(
            g.is_finite() && g > 0.0 && g <= 65_536.0,
            "--ram-gb must be a positive size in GB (at most 65536), got {g}"
        );
        Ok((g * 1e9) as u64)
    })
    .transpose()
}

/// The system-RAM bandwidth: `--ram-bw-gbs` (peak GB/s: channels × MT/s ×
/// 8 B), else rigsize's reference host from `data/offload.toml`.
pub fn host(ram_bw_gbs: Option<f64>) -> Result<Host> {
    match ram_bw_gbs {
        Some(g) => {
            anyhow::ensure!(
                g.is_finite() && g > 0.0 && g <= 10_000.0,
                "--ram-bw-gbs must be a positive bandwidth in GB/s (at most 10000), got {g}"
            );
            Ok(Host {
                ram_bytes_per_s: g * 1e9,
                source: format!("--ram-bw-gbs {g}"),
            })
        }
        None => {
            let r = &data()?.reference_host;
            Ok(Host {
                ram_bytes_per_s: r.bandwidth_bytes_per_s(),
                source: format!(
                    "assumed {}: {:.1} GB/s peak; --ram-bw-gbs sets yours",
                    r.name,
                    r.bandwidth_bytes_per_s() / 1e9
                ),
            })
        }
    }
}

/// Adds the offload section to a fit report (and the RAM blocker or note).
pub fn annotate(report: &mut FitReport, s: &OffloadSplit, full_weights: u64, ram: Option<u64>) {
    let fit = OffloadFit::new(s, full_weights, report.total_bytes, ram);
    match ram {
        Some(r) if s.host_bytes > r => report.add_blocker(Blocker::SystemMemory {
            needed_bytes: s.host_bytes,
            available_bytes: r,
        }),
        Some(_) => {}
        None => report.warnings.push(format!(
            "expert offload keeps {:.1} GiB of experts in system RAM, on top of the OS and other programs; give --ram-gb to check it",
            to_gib(s.host_bytes)
        )),
    }
    report.offload = Some(fit);
}

/// What `rigsize speed` reports about the offload mode.
#[derive(Debug, Clone, Serialize)]
pub struct OffloadSpeed {
    /// "expert offload": the predictions come from the offload model.
    pub mode: String,
    pub n_cpu_moe: u32,
    pub offloaded_moe_layers: u32,
    pub moe_layers: u32,
    /// Weights left on the GPU(s) and experts held in system RAM, bytes.
    pub gpu_weights_bytes: u64,
    pub host_bytes: u64,
    pub ram_bandwidth_bytes_per_s: f64,
    pub ram_bandwidth_source: String,
    /// Leave-one-source-out median errors of the offload model, %.
    pub error_band_pct: rigsize_speed::ErrorBand,
    pub calibration: String,
}

impl OffloadSpeed {
    pub fn new(s: &OffloadSplit, host: &Host) -> Result<OffloadSpeed> {
        let c = &data()?.calibration;
        Ok(OffloadSpeed {
            mode: "expert offload".into(),
            n_cpu_moe: s.n_cpu_moe,
            offloaded_moe_layers: s.offloaded_moe_layers,
            moe_layers: s.moe_layers,
            gpu_weights_bytes: s.gpu_weights.bytes,
            host_bytes: s.host_bytes,
            ram_bandwidth_bytes_per_s: host.ram_bytes_per_s,
            ram_bandwidth_source: host.source.clone(),
            error_band_pct: rigsize_speed::ErrorBand {
                decode: c.loso_decode_pct,
                prefill: c.loso_prefill_pct,
            },
            calibration: c.fitted.clone(),
        })
    }
}

/// The request with `--n-cpu-moe n`, if it fits (memory, RAM and engine;
/// a context blocker may remain, as for the other memory fixes).
fn fits_with(req: &FitRequest, n: u32, catalog: &Catalog, resolve: &Resolver) -> Option<FitReport> {
    let mut t = req.clone();
    t.n_cpu_moe = Some(n);
    let (r, _) = fit_report_only(&t, catalog, resolve).ok()?;
    let ok = r.memory_fits() != Some(false)
        && r.blockers
            .iter()
            .all(|b| matches!(b, Blocker::Context { .. }));
    ok.then_some(r)
}

/// "offload N expert layers to system RAM": the smallest N that fits, with
/// both memories and the offload model's decode speed. `None` unless the
/// engine is llama.cpp and the model has experts.
pub fn offload_fix(
    req: &FitRequest,
    report: &FitReport,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Option<Fix> {
    let engine = Engine::parse(&report.engine).ok()?;
    if engine != Engine::LlamaCpp {
        return None;
    }
    let model = resolve(catalog, &req.model, req.quant.as_deref(), engine).ok()?;
    model.arch.moe.as_ref()?;
    let layers = model.arch.n_layers();
    let from = req.n_cpu_moe.unwrap_or(0) + 1;
    // GPU bytes fall as N grows, so the first N whose GPU share fits is the
    // smallest; RAM needs grow with N, so if that N's experts do not fit the
    // RAM given, no N does.
    let mut gpu_only = req.clone();
    gpu_only.ram_gb = None;
    let (mut lo, mut hi) = (from, layers);
    fits_with(&gpu_only, hi, catalog, resolve)?;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match fits_with(&gpu_only, mid, catalog, resolve) {
            Some(_) => hi = mid,
            None => lo = mid + 1,
        }
    }
    let n = hi;
    let r = fits_with(req, n, catalog, resolve)?;
    let off = r.offload.as_ref()?;
    let hw = req.hw.as_deref().and_then(|h| catalog.device_set(h).ok());
    let host = host(req.ram_bw_gbs).ok()?;
    let tok_s = hw
        .as_ref()
        .and_then(|set| decode_at(&model, set, n, r.ctx, &host));
    Some(Fix {
        change: FixKind::Offload {
            n_cpu_moe: n,
            gpu_bytes: off.gpu_bytes,
            host_bytes: off.host_bytes,
            decode_tok_s: tok_s,
        },
        total_bytes: off.gpu_bytes,
        description: format!(
            "offload {n} expert layers to system RAM (--n-cpu-moe {n}): {:.1} GiB on the GPU, {:.1} GiB in RAM{}",
            to_gib(off.gpu_bytes),
            to_gib(off.host_bytes),
            tok_s
                .map(|t| format!(
                    ", ~{t:.1} tok/s decode at {} (expert offload model; RAM {})",
                    format_tokens(r.ctx),
                    host.source
                ))
                .unwrap_or_default()
        ),
    })
}

/// Single-stream decode with `--n-cpu-moe n` at `depth` tokens.
fn decode_at(
    model: &ResolvedModel,
    set: &rigsize_core::hardware::DeviceSet,
    n: u32,
    depth: u64,
    host: &Host,
) -> Option<f64> {
    let s = split(&model.arch, &model.weights, n).ok()?;
    let cal = crate::speed::calibration().ok()?;
    let off = &data().ok()?.calibration;
    let mut r =
        rigsize_speed::SpeedRequest::new(&model.arch, &s.gpu_weights, set, Engine::LlamaCpp);
    r.depth_tokens = depth;
    Some(predict_offload(&r, &s, host, cal, off).decode_tok_s_per_stream)
}
