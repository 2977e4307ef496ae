//! The rows of one calibration level that inform each parameter.

use std::collections::BTreeSet;

use crate::bench::RowCase;
use crate::calib::{LLAMACPP_VULKAN, REFERENCE_ENGINE};
use crate::fit_grids::Free;
use crate::model::Params;

/// A case with the multipliers its parameters get: the engine factors when
/// hardware terms are fitted, the hardware terms when engine factors are.
pub(crate) type Scaled<'a> = (&'a RowCase, Params);

/// Independent measurement setups behind `cs` (source × hardware × devices ×
/// model × quantization).
pub(crate) fn setups(cs: &[Scaled]) -> usize {
    cs.iter()
        .map(|c| c.0.setup.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Whether a row ran the reference kernels (llama.cpp, and its Vulkan
/// backend, which has no MoE or small-batch factor of its own): only those
/// rows set the hardware's MoE-layer cost and small-batch terms. Serving
/// engines' fused-MoE paths carry their own factor; when their rows set the
/// hardware value too, vLLM's H100 rows held NVIDIA's MoE cost at 96 µs and
/// llama.cpp's one-stream MoE rows on RTX cards came out 20–45 % slow.
pub(crate) fn runs_reference_kernels(c: &RowCase) -> bool {
    matches!(c.engine_key(), REFERENCE_ENGINE | LLAMACPP_VULKAN)
}

/// A hardware level's prefill rows for its GEMM rate: the reference
/// kernels' where they are at least half of them. vLLM's and SGLang's
/// prefill rows are the time to first token of serving runs (request
/// overheads inside); they set their engines' factors, not the chip's rate.
/// A level measured mostly on other engines (Hopper, CDNA) keeps all its
/// rows. Out of source prefill 16.5 → 15.0 %, one-stream and batched decode
/// unchanged (docs/speed-model.md, thirteenth pass).
pub(crate) fn reference_prompts(pre: Vec<Scaled<'_>>) -> Vec<Scaled<'_>> {
    let refs: Vec<Scaled> = pre
        .iter()
        .copied()
        .filter(|c| runs_reference_kernels(c.0))
        .collect();
    if !refs.is_empty() && 2 * refs.len() >= pre.len() {
        refs
    } else {
        pre
    }
}

/// The rows of one level that inform each parameter.
pub(crate) struct LevelRows<'a> {
    pub(crate) dec: Vec<Scaled<'a>>,
    /// One-stream decode rows (all decode rows where the level has none).
    pub(crate) one: Vec<Scaled<'a>>,
    pub(crate) multi: Vec<Scaled<'a>>,
    pub(crate) moe: Vec<Scaled<'a>>,
    /// Decode rows with layers launched without a graph.
    pub(crate) launch: Vec<Scaled<'a>>,
    /// Decode rows of two or more streams on llama.cpp's small-batch kernels.
    pub(crate) batch: Vec<Scaled<'a>>,
    pub(crate) pre: Vec<Scaled<'a>>,
    pub(crate) attn: Vec<Scaled<'a>>,
    pub(crate) decode_attn: Vec<Scaled<'a>>,
    pub(crate) moe_pre: Vec<Scaled<'a>>,
    /// Batched decode rows whose streams read different experts.
    pub(crate) route: Vec<Scaled<'a>>,
    /// Decode rows with small-batch math on light weight types.
    pub(crate) light: Vec<Scaled<'a>>,
}

fn pick<'a>(rows: &[Scaled<'a>], keep: impl Fn(&RowCase) -> bool) -> Vec<Scaled<'a>> {
    rows.iter().copied().filter(|c| keep(c.0)).collect()
}

pub(crate) fn level_rows<'a>(cases: &[Scaled<'a>]) -> LevelRows<'a> {
    let dec = pick(cases, |c| c.decode.is_some());
    let pre = pick(cases, |c| c.prefill.is_some());
    let d = |c: &RowCase| c.decode.as_ref().unwrap().0.decode;
    let f = |c: &RowCase| c.prefill.as_ref().unwrap().0.prefill;
    let one = pick(&dec, |c| d(c).streams <= 1.0);
    LevelRows {
        one: if one.is_empty() { dec.clone() } else { one },
        multi: pick(&dec, |c| d(c).streams > 1.0),
        moe: pick(&dec, |c| d(c).moe_layers > 0.0),
        launch: pick(&dec, |c| d(c).launch_layers > 0.0),
        batch: pick(&dec, |c| d(c).batch_layers > 0.0),
        // Attention matters in a row when it is at least a tenth of the GEMM work.
        attn: pick(&pre, |c| f(c).attn_s > 0.1 * f(c).gemm_s),
        // Decode rows whose attention is a tenth of the weight read or more
        // (at a typical 10 % of the vector rate): the long-context rows.
        decode_attn: pick(&dec, |c| {
            let t = d(c);
            t.kv_s + t.attn_s / 0.1 > 0.1 * t.mem_s
        }),
        moe_pre: pick(&pre, |c| f(c).expert_gemm_s > 0.0),
        route: pick(&dec, |c| d(c).expert_spread_s > 0.0),
        light: pick(&dec, |c| d(c).gemm_light_s > 0.0),
        dec,
        pre,
    }
}

/// The rows a level is fitted on. A hardware level (not an engine factor's)
/// takes the MoE-layer cost, the small-batch math rate, the per-stream cost,
/// the decode attention rate and the prefill rate from the reference
/// kernels' rows, which are what the hardware terms describe.
pub(crate) fn fitted_rows<'a>(cases: &[Scaled<'a>], factor: bool) -> LevelRows<'a> {
    let mut r = level_rows(cases);
    if !factor {
        r.moe.retain(|c| runs_reference_kernels(c.0));
        // The small-batch math rate and per-stream cost are the reference
        // kernels' too: MLX's qmv and the serving engines' GEMMs carry their
        // own factors. With their batched rows setting the hardware value,
        // the M4 Max's MLX rows held the Apple Max tier's rate up and an
        // M1 Max's llama.cpp K-quant steps at 4–8 streams came out 50–65 %
        // fast out of source.
        r.multi.retain(|c| runs_reference_kernels(c.0));
        // So is decode attention: llama.cpp's FlashAttention vec kernels run
        // on the shader ALUs, vLLM's and SGLang's on the matrix units. With
        // the MI100's vLLM sweeps setting the AMD rate, an R9700's and an
        // MI300X's llama.cpp decode at 16–32K came out 35–68 % slow (holdout
        // and hr5); their own rows put the attention near the KV read.
        r.decode_attn.retain(|c| runs_reference_kernels(c.0));
        r.pre = reference_prompts(r.pre);
    }
    r
}

/// Independent setups behind each parameter of one level.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub(crate) decode: usize,
    pub(crate) multi: usize,
    pub(crate) moe: usize,
    pub(crate) launch: usize,
    pub(crate) batch: usize,
    pub(crate) prefill: usize,
    pub(crate) attn: usize,
    pub(crate) decode_attn: usize,
    pub(crate) moe_prefill: usize,
    pub(crate) route: usize,
    pub(crate) light: usize,
}

/// The setups behind each parameter the level frees (0 for one it holds),
/// which weigh its own fit against its parent's.
pub(crate) fn setup_counts(r: &LevelRows, free: Free) -> Counts {
    let count = |on: bool, rows: &[Scaled]| if on { setups(rows) } else { 0 };
    Counts {
        decode: count(free.mem_eff, &r.dec),
        multi: count(free.decode_util, &r.multi),
        moe: count(free.moe_overhead, &r.moe),
        launch: count(free.launch, &r.launch),
        batch: count(free.batch, &r.batch),
        prefill: count(free.prefill_util, &r.pre),
        attn: count(free.attn_rel, &r.attn),
        decode_attn: count(free.decode_attn, &r.decode_attn),
        moe_prefill: count(free.moe_prefill, &r.moe_pre),
        route: count(free.route_overlap, &r.route),
        light: count(free.light_math, &r.light),
    }
}
