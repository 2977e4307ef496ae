//! The engine profile table (`data/engines.toml`), embedded and checked strictly: per engine
//! its aliases, the kernels it runs, what it allocates, its defaults, its runtime overhead,
//! its quantizations and its command-line vocabulary. Every fact about an engine that fit,
//! speed, calibration and plan use is read from here, so "ollama is llama.cpp" is written
//! once, in the data.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

pub use super::kernels::{Coverage, KernelEra, KernelGraphs, SmallBatchKernels};
use super::Engine;
use crate::dtype::{DType, KvType};
use crate::quant::QuantScheme;

/// The shipped table.
pub const ENGINES_TOML: &str = include_str!("../../../../data/engines.toml");

/// How an engine lays out its KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    /// One preallocated `-c` cache split over `-np` slots (llama.cpp).
    Slots,
    /// Blocks carved out of a fixed share of device memory (vLLM, SGLang).
    Paged,
    /// Caches that grow with the context (MLX).
    Growing,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvRules {
    pub allocation: Allocation,
    /// Paged engines: the share of device memory the engine takes.
    #[serde(default)]
    pub memory_fraction: Option<f64>,
    /// Paged engines: tokens per block.
    #[serde(default)]
    pub block_tokens: Option<u32>,
    /// What a decode step's attention scans, where it is more than the
    /// context (`None`: the context, a sliding layer its window).
    #[serde(default)]
    pub decode_scan: Option<DecodeScan>,
    pub source: String,
}

/// The cells a slot cache's decode attention scans: every cell up to the
/// last used one, masked or not. On sliding layers that is the whole
/// window-plus-micro-batch ring once it has wrapped.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecodeScan {
    /// The build month (`YYYY-MM`) from which sliding layers keep their own
    /// window-sized cache; before it they kept (and scanned) the whole context.
    pub sliding_cache_since: String,
    pub source: String,
}

impl DecodeScan {
    /// Whether a build of `month` (`None`: a current build) has the sliding cache.
    pub fn has_sliding_cache(&self, month: Option<&str>) -> bool {
        month.is_none_or(|m| m >= self.sliding_cache_since.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Tokens one prefill step processes (llama.cpp `-ub`).
    pub ubatch: u32,
    /// Tokens the compute buffer is sized for; `None`: the configured `-ub`.
    #[serde(default)]
    pub compute_buffer_tokens: Option<u32>,
    /// The units one-token decode attention runs on (the speed model's rate).
    pub decode_attention: AttentionUnits,
    /// The units the small-batch weight kernels (mat-vec) compute on: the
    /// speed model's rate for decode's GEMM math.
    pub decode_matvec: AttentionUnits,
    /// Which weight kernels the engine's Metal backend runs at small batch
    /// widths (`None`: no Metal backend, or one that reads each weight once
    /// per step at every width).
    #[serde(default)]
    pub metal: Option<SmallBatchKernels>,
    /// The same for the engine's CUDA backend on discrete NVIDIA cards.
    #[serde(default)]
    pub cuda: Option<SmallBatchKernels>,
    /// The same for the engine's Vulkan backend (any vendor's card).
    #[serde(default)]
    pub vulkan: Option<SmallBatchKernels>,
    pub source: String,
}

/// Where a decode kernel computes: the shader ALUs (vector FP32 rate) or the
/// matrix units (the FP16 tensor rate). Used for decode attention
/// (`decode_attention`) and the small-batch weight kernels (`decode_matvec`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionUnits {
    Vector,
    Tensor,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overhead {
    pub gpu_mib: u64,
    pub apple_soc_mib: u64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quants {
    pub default: String,
    /// Native dtype name → the default for models released in it.
    #[serde(default)]
    pub by_native: BTreeMap<String, String>,
    /// Quantizations a refused fit tries, largest first.
    pub ladder: Vec<String>,
    /// KV cache types a refused fit tries, largest first.
    pub kv_ladder: Vec<String>,
    pub source: String,
}

/// What a flag on a printed command line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arg {
    Model,
    HfRepo,
    Ctx,
    Parallel,
    Port,
    Host,
    KvUnified,
    FlashAttn,
    GpuLayers,
    KvTypeK,
    KvTypeV,
    SplitMode,
    TensorSplit,
    Rpc,
    Ubatch,
    TensorParallel,
    PipelineParallel,
    MemoryFraction,
    DistributedBackend,
    KvCacheBytes,
    KvBits,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cli {
    /// How a command line starts (`llama-server`, `vllm serve`).
    pub program: String,
    /// The `data/engine-args/` vocabulary (its `engine` field) the flags are checked against.
    #[serde(default)]
    pub vocabulary: Option<String>,
    pub flags: BTreeMap<Arg, String>,
    pub source: String,
}

impl Cli {
    /// The flag for `arg`, if this engine has one.
    pub fn flag(&self, arg: Arg) -> Option<&str> {
        self.flags.get(&arg).map(String::as_str)
    }
}

/// What an engine's kernels decide, stated once by the engine that owns them.
#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    pub kv: KvRules,
    pub batch: Batch,
    pub overhead: Overhead,
    pub quant: Quants,
    default_quant: QuantScheme,
    by_native: Vec<(DType, QuantScheme)>,
}

impl Runtime {
    /// The quantization used when none is given, for a model released in `native`.
    pub fn default_quant(&self, native: DType) -> QuantScheme {
        self.by_native
            .iter()
            .find(|(d, _)| *d == native)
            .map_or(self.default_quant, |(_, q)| *q)
    }
}

/// One engine, resolved: an engine that runs another's kernels carries that one's runtime.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineProfile {
    pub engine: Engine,
    pub aliases: Vec<String>,
    /// The engine whose kernels and allocator this one runs (itself for most).
    pub kernels: Engine,
    /// The engine's own repositories (`owner/name` on GitHub): many people
    /// publish measurements in them, so a benchmark file there is its own
    /// source, not one with the repository's other files.
    pub repositories: Vec<String>,
    pub source: String,
    pub runtime: Runtime,
    pub cli: Option<Cli>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEngine {
    name: Engine,
    #[serde(default)]
    kernels: Option<Engine>,
    aliases: Vec<String>,
    #[serde(default)]
    repositories: Vec<String>,
    source: String,
    kv: Option<KvRules>,
    batch: Option<Batch>,
    overhead: Option<Overhead>,
    quant: Option<Quants>,
    cli: Option<Cli>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    engine: Vec<RawEngine>,
}

/// The table, in [`Engine::ALL`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Profiles {
    list: Vec<EngineProfile>,
}

impl Profiles {
    pub fn get(&self, e: Engine) -> &EngineProfile {
        // Complete and in `Engine::ALL` order: checked by `parse_profiles`.
        &self.list[Engine::ALL.iter().position(|x| *x == e).unwrap_or(0)]
    }

    pub fn iter(&self) -> impl Iterator<Item = &EngineProfile> {
        self.list.iter()
    }
}

/// The shipped table (checked by this module's tests, so a broken file fails the build's tests).
pub fn profiles() -> &'static Profiles {
    static P: LazyLock<Profiles> = LazyLock::new(|| {
        parse_profiles(ENGINES_TOML)
            .unwrap_or_else(|e| panic!("data/engines.toml (embedded) is invalid: {e}"))
    });
    &P
}

/// Parses and checks an engine table; the error names the engine and the field.
pub fn parse_profiles(text: &str) -> Result<Profiles, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| format!("data/engines.toml: {e}"))?;
    let mut list = Vec::new();
    for &e in &Engine::ALL {
        let mut same = raw.engine.iter().filter(|r| r.name == e);
        let r = same
            .next()
            .ok_or_else(|| format!("engine '{e}' has no [[engine]] entry"))?;
        if same.next().is_some() {
            return Err(format!("engine '{e}' appears twice"));
        }
        let owner = match r.kernels {
            Some(k) if k != e => {
                let o = raw.engine.iter().find(|o| o.name == k);
                let o = o.ok_or_else(|| format!("{e}: kernels '{k}' has no entry"))?;
                if o.kernels.is_some_and(|kk| kk != k) {
                    return Err(format!("{e}: kernels '{k}' runs another engine's kernels"));
                }
                if r.kv.is_some() || r.batch.is_some() || r.overhead.is_some() || r.quant.is_some()
                {
                    return Err(format!(
                        "{e}: runs {k}'s kernels, so kv, batch, overhead and quant are {k}'s; remove them"
                    ));
                }
                o
            }
            _ => r,
        };
        let runtime = runtime(owner)?;
        check_text(e, "source", &r.source)?;
        if let Some(c) = &r.cli {
            check_cli(e, c)?;
        }
        list.push(EngineProfile {
            engine: e,
            aliases: r.aliases.clone(),
            kernels: owner.name,
            repositories: r.repositories.clone(),
            source: r.source.clone(),
            runtime,
            cli: r.cli.clone(),
        });
    }
    check_aliases(&list)?;
    Ok(Profiles { list })
}

/// The runtime tables of an engine that runs its own kernels, each checked:
/// every figure here feeds fit and speed, so a bad one must fail at load.
fn runtime(r: &RawEngine) -> Result<Runtime, String> {
    let e = r.name;
    let missing = |t: &str| format!("{e}: missing [engine.{t}] table");
    let kv = r.kv.clone().ok_or_else(|| missing("kv"))?;
    let batch = r.batch.clone().ok_or_else(|| missing("batch"))?;
    let overhead = r.overhead.clone().ok_or_else(|| missing("overhead"))?;
    let quant = r.quant.clone().ok_or_else(|| missing("quant"))?;
    for (t, s) in [
        ("kv", &kv.source),
        ("batch", &batch.source),
        ("overhead", &overhead.source),
        ("quant", &quant.source),
    ] {
        check_text(e, &format!("{t}.source"), s)?;
    }
    check_kv(e, &kv)?;
    check_batch(e, &batch, kv.allocation)?;
    if overhead.gpu_mib == 0 || overhead.apple_soc_mib == 0 {
        return Err(format!("{e}: overhead must be positive MiB"));
    }
    let (default_quant, by_native) = check_quants(e, &quant)?;
    Ok(Runtime {
        kv,
        batch,
        overhead,
        quant,
        default_quant,
        by_native,
    })
}

/// Paging parameters belong to paged caches only, and must be usable there.
fn check_kv(e: Engine, kv: &KvRules) -> Result<(), String> {
    let paged = kv.allocation == Allocation::Paged;
    match (paged, kv.memory_fraction, kv.block_tokens) {
        (true, Some(f), Some(b)) if f > 0.0 && f <= 1.0 && b >= 1 => {}
        (true, ..) => {
            return Err(format!(
                "{e}: a paged cache needs memory_fraction in (0, 1] and block_tokens ≥ 1"
            ))
        }
        (false, None, None) => {}
        (false, ..) => {
            return Err(format!(
                "{e}: memory_fraction and block_tokens are for paged caches only"
            ))
        }
    }
    Ok(())
}

/// Batch sizes, the per-backend kernel limits, and the compute-buffer rule
/// (only a slots cache may size its buffer from `-ub`).
fn check_batch(e: Engine, batch: &Batch, allocation: Allocation) -> Result<(), String> {
    if batch.ubatch == 0 || batch.compute_buffer_tokens == Some(0) {
        return Err(format!("{e}: batch sizes must be at least 1 token"));
    }
    for (t, k) in [("metal", &batch.metal), ("cuda", &batch.cuda)] {
        let Some(m) = k else { continue };
        check_kernels(e, t, m)?;
    }
    if batch.compute_buffer_tokens.is_none() && allocation != Allocation::Slots {
        return Err(format!(
            "{e}: compute_buffer_tokens may follow -ub only for a slots (llama.cpp) cache"
        ));
    }
    Ok(())
}

/// One backend's small-batch kernel table (`batch.metal`, `batch.cuda`):
/// stream and tile limits of at least one, months as `YYYY-MM`.
fn check_kernels(e: Engine, t: &str, m: &SmallBatchKernels) -> Result<(), String> {
    check_text(e, &format!("batch.{t}.source"), &m.source)?;
    if m.matvec_max_streams < 1 || m.gemm_tile_tokens < 1 || m.expert_gemm_from_streams < 2 {
        return Err(format!(
            "{e}: batch.{t} needs matvec_max_streams ≥ 1, gemm_tile_tokens ≥ 1 and expert_gemm_from_streams ≥ 2"
        ));
    }
    let widths = m
        .chip_limits
        .iter()
        .chain(m.eras.iter().flat_map(|e| e.chip_limits.iter().flatten()));
    if widths.into_iter().any(|c| c.matvec_max_streams < 1)
        || m.expert_gemm_tokens_per_expert
            .is_some_and(|t| t.is_nan() || t <= 0.0)
    {
        return Err(format!(
            "{e}: batch.{t}: chip_limits need matvec_max_streams ≥ 1 and expert_gemm_tokens_per_expert must be > 0"
        ));
    }
    for era in &m.eras {
        check_text(e, &format!("batch.{t}.eras.source"), &era.source)?;
        if !super::kernels::is_month(&era.until)
            || era.matvec_max_streams < 1
            || era.gemm_tile_tokens == Some(0)
        {
            return Err(format!(
                "{e}: batch.{t}.eras: until '{}' must be YYYY-MM, matvec_max_streams and gemm_tile_tokens ≥ 1",
                era.until
            ));
        }
    }
    if let Some(g) = &m.graphs {
        let bad = std::iter::once(&g.since)
            .chain(g.family_since.values())
            .find(|x| !super::kernels::is_month(x));
        if let Some(x) = bad {
            return Err(format!(
                "{e}: batch.{t}.graphs: month '{x}' must be YYYY-MM"
            ));
        }
    }
    Ok(())
}

/// Every quantization and KV type the table names must parse; returns the
/// default and the per-native-dtype choices, resolved.
fn check_quants(
    e: Engine,
    quant: &Quants,
) -> Result<(QuantScheme, Vec<(DType, QuantScheme)>), String> {
    let scheme = |s: &str| QuantScheme::parse(s).map_err(|err| format!("{e}: quant: {err}"));
    let default_quant = scheme(&quant.default)?;
    let mut by_native = Vec::new();
    for (d, q) in &quant.by_native {
        let dt = DType::ALL
            .iter()
            .copied()
            .find(|x| x.name() == d)
            .ok_or_else(|| format!("{e}: quant.by_native: '{d}' is not a dtype"))?;
        by_native.push((dt, scheme(q)?));
    }
    for q in &quant.ladder {
        scheme(q)?;
    }
    for k in &quant.kv_ladder {
        KvType::parse(k).map_err(|err| format!("{e}: quant.kv_ladder: {err}"))?;
    }
    Ok((default_quant, by_native))
}

fn check_text(e: Engine, what: &str, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("{e}: {what} is empty"));
    }
    Ok(())
}

fn check_cli(e: Engine, c: &Cli) -> Result<(), String> {
    check_text(e, "cli.program", &c.program)?;
    check_text(e, "cli.source", &c.source)?;
    if let Some((a, f)) = c.flags.iter().find(|(_, f)| !f.starts_with('-')) {
        return Err(format!("{e}: cli flag {a:?} = '{f}' is not an option"));
    }
    if !c.flags.is_empty() && c.vocabulary.is_none() {
        return Err(format!(
            "{e}: cli flags need the vocabulary they are checked against"
        ));
    }
    Ok(())
}

/// Aliases are lower case, and name one engine only.
fn check_aliases(list: &[EngineProfile]) -> Result<(), String> {
    let mut seen: BTreeMap<&str, Engine> = Engine::ALL.iter().map(|e| (e.name(), *e)).collect();
    for p in list {
        for a in &p.aliases {
            if *a != a.to_ascii_lowercase() || a.trim() != a || a.is_empty() {
                return Err(format!("{}: alias '{a}' must be lower case", p.engine));
            }
            if let Some(other) = seen.insert(a, p.engine) {
                return Err(format!("alias '{a}' of {} already names {other}", p.engine));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
