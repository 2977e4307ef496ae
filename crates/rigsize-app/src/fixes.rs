//! The smallest changes that make a refused run fit: more devices, a
//! smaller quantization or KV type, a shorter context, fewer streams, the
//! model's context extension, or another engine. Each candidate is re-sized
//! through the same [`fit_report_only`] path, so a fix is only offered when
//! the numbers say it works.

use rigsize_catalog::{Catalog, MAX_DEVICE_COUNT};
use rigsize_core::engine::Engine;
use rigsize_core::fit::{Blocker, FitReport, Fix, FixKind, HardwareFit};
use rigsize_core::units::{format_tokens, to_gib};

use crate::fit::{fit_report_only, FitRequest, Resolver};

/// Quantizations to try, largest first: the engine's `quant.ladder` (data/engines.toml).
fn quant_ladder(engine: Engine) -> &'static [String] {
    &engine.runtime().quant.ladder
}

/// KV cache types to try, largest first: the engine's `quant.kv_ladder`.
fn kv_ladder(engine: Engine) -> &'static [String] {
    &engine.runtime().quant.kv_ladder
}

/// The run with one change: memory fits and the engine accepts it (a
/// context blocker may remain; it has its own fix).
fn works(req: &FitRequest, catalog: &Catalog, resolve: &Resolver) -> Option<FitReport> {
    let (r, _) = fit_report_only(req, catalog, resolve).ok()?;
    let ok = r.memory_fits() != Some(false)
        && r.blockers
            .iter()
            .all(|b| matches!(b, Blocker::Context { .. }));
    ok.then_some(r)
}

/// `hw` with another device count ("rtx-3090" → "rtx-3090:2").
fn with_count(hw: &str, n: u32) -> String {
    let head = match hw.rsplit_once(':') {
        Some((h, c)) if c.trim().parse::<u32>().is_ok() => h,
        _ => hw,
    };
    format!("{head}:{n}")
}

/// What needs fixing when memory is short, smallest change first within
/// each kind: more devices, a smaller quantization or KV type, the largest
/// context that fits, expert offload, fewer streams.
fn memory_fixes(
    req: &FitRequest,
    report: &FitReport,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Vec<Fix> {
    let mut out = Vec::new();
    let Some(h) = &report.hardware else {
        return out;
    };
    let engine = Engine::parse(&report.engine).unwrap_or(Engine::LlamaCpp);
    out.extend(more_devices(req, h, catalog, resolve));
    out.extend(smaller_quant(req, report, engine, catalog, resolve));
    out.extend(smaller_kv(req, report, engine, catalog, resolve));
    if let Some(c) = h.max_context_tokens.filter(|c| *c < report.ctx) {
        out.push(Fix {
            change: FixKind::Context { ctx: c },
            total_bytes: h.available_bytes,
            description: format!(
                "--ctx {c} ({}): the largest context per stream that fits",
                format_tokens(c)
            ),
        });
    }
    out.extend(crate::offload::offload_fix(req, report, catalog, resolve));
    if report.streams > 1 {
        if let Some((s, r)) = fewer_streams(req, report.streams, catalog, resolve) {
            out.push(Fix {
                change: FixKind::Streams { streams: s },
                total_bytes: r.total_bytes,
                description: format!("--streams {s}: needs {}", needs(&r)),
            });
        }
    }
    out
}

/// "X GiB of Y GiB": what a fixed run needs of what it has, as each fix says.
fn needs(r: &FitReport) -> String {
    format!(
        "{:.1} GiB of {:.1} GiB",
        to_gib(r.total_bytes),
        to_gib(r.available_bytes.unwrap_or(0))
    )
}

/// The fewest more devices of the same kind that fit.
fn more_devices(
    req: &FitRequest,
    h: &HardwareFit,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Option<Fix> {
    let hw = req.hw.clone().unwrap_or_default();
    for n in h.count + 1..=MAX_DEVICE_COUNT {
        let mut t = req.clone();
        t.hw = Some(with_count(&hw, n));
        if let Some(r) = works(&t, catalog, resolve) {
            return Some(Fix {
                change: FixKind::Devices { count: n },
                total_bytes: r.total_bytes,
                description: format!("{n} × {}: needs {}", h.id, needs(&r)),
            });
        }
    }
    None
}

/// The largest quantization down the engine's ladder that fits with
/// smaller weights than the run's.
fn smaller_quant(
    req: &FitRequest,
    report: &FitReport,
    engine: Engine,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Option<Fix> {
    for q in quant_ladder(engine) {
        let mut t = req.clone();
        t.quant = Some(q.to_string());
        if let Some(r) =
            works(&t, catalog, resolve).filter(|r| r.weights_bytes < report.weights_bytes)
        {
            return Some(Fix {
                change: FixKind::Quant {
                    quant: r.quant.clone(),
                },
                total_bytes: r.total_bytes,
                description: format!("--quant {}: needs {}", r.quant, needs(&r)),
            });
        }
    }
    None
}

/// The largest KV cache type down the engine's ladder that fits with a
/// smaller cache than the run's (K and V alike).
fn smaller_kv(
    req: &FitRequest,
    report: &FitReport,
    engine: Engine,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Option<Fix> {
    for kv in kv_ladder(engine) {
        let mut t = req.clone();
        t.kv_type = Some(kv.to_string());
        t.kv_type_v = None;
        if let Some(r) =
            works(&t, catalog, resolve).filter(|r| r.kv_cache_bytes < report.kv_cache_bytes)
        {
            return Some(Fix {
                change: FixKind::KvType {
                    kv_type: kv.to_string(),
                },
                total_bytes: r.total_bytes,
                description: format!("--kv-type {kv}: needs {}", needs(&r)),
            });
        }
    }
    None
}

/// The most streams below `streams` that fit (memory is monotone in them).
fn fewer_streams(
    req: &FitRequest,
    streams: u32,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Option<(u32, FitReport)> {
    let at = |s: u32| {
        let mut t = req.clone();
        t.streams = Some(s);
        works(&t, catalog, resolve)
    };
    let mut best = at(1).map(|r| (1, r))?;
    let (mut lo, mut hi) = (1u32, streams);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match at(mid) {
            Some(r) => {
                best = (mid, r);
                lo = mid;
            }
            None => hi = mid,
        }
    }
    Some(best)
}

/// The smallest fixes for a report that does not fit, best first: the
/// context one (if the context is the issue), the engine one, then the
/// memory ones.
pub fn smallest_fixes(
    req: &FitRequest,
    report: &FitReport,
    catalog: &Catalog,
    resolve: &Resolver,
) -> Vec<Fix> {
    let mut out = Vec::new();
    for b in &report.blockers {
        match b {
            Blocker::Context {
                extended_tokens: Some(e),
                extension_enabled: false,
                requested_tokens,
                ..
            } if requested_tokens <= e => out.push(Fix {
                change: FixKind::ExtendContext,
                total_bytes: 0,
                description: format!(
                    "--extend-context: the documented RoPE/YaRN extension reaches {} tokens (may cost quality)",
                    e
                ),
            }),
            Blocker::Context {
                limit_tokens,
                extended_tokens,
                extension_enabled,
                ..
            } => {
                out.push(Fix {
                    change: FixKind::Context { ctx: *limit_tokens },
                    total_bytes: 0,
                    description: format!(
                        "--ctx {limit_tokens} ({}) or less: the model's native window",
                        format_tokens(*limit_tokens)
                    ),
                });
                if let (Some(e), false) = (extended_tokens, extension_enabled) {
                    out.push(Fix {
                        change: FixKind::ExtendContext,
                        total_bytes: 0,
                        description: format!(
                            "--extend-context with --ctx {e} or less: the documented RoPE/YaRN extension (may cost quality)"
                        ),
                    });
                }
            }
            Blocker::Engine { .. } | Blocker::Memory { .. } | Blocker::SystemMemory { .. } => {}
        }
    }
    if report
        .blockers
        .iter()
        .any(|b| matches!(b, Blocker::Engine { .. }))
    {
        out.extend(crate::compat::engine_fixes(req, report, catalog, resolve));
    }
    if report.memory_fits() == Some(false) {
        out.extend(memory_fixes(req, report, catalog, resolve));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_counts_replace_the_old_one() {
        assert_eq!(with_count("rtx-3090", 2), "rtx-3090:2");
        assert_eq!(with_count("rtx-3090:2", 3), "rtx-3090:3");
        assert_eq!(with_count("m3-ultra-80c@256:2", 4), "m3-ultra-80c@256:4");
        assert_eq!(with_count("m3-ultra-80c@256", 2), "m3-ultra-80c@256:2");
    }
}
