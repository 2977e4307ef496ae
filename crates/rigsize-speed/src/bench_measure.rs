//! What one benchmark row measured, as model terms: the decode and prefill
//! cases its test asks for, and how its decode figure compares with a step.

use serde::{Deserialize, Serialize};

use rigsize_core::engine::Engine;

use crate::bench::TestKind;
use crate::model::{terms, SpeedRequest, Terms};

/// What the model is compared with for one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DecodeMeasure {
    /// Generated tokens per second over all streams, during generation.
    Total,
    /// Output tokens per second of a serving run, prompt processing included:
    /// `isl_over_osl` prompt tokens are prefilled per output token.
    ServingOutput { isl_over_osl: f64 },
    /// Per-request decode (from the time per output token) of a serving
    /// engine with `streams` requests in flight: new requests' prompts are
    /// prefilled in the same steps (chunked prefill), `isl_over_osl` prompt
    /// tokens per output token of each stream, so every step also computes
    /// `streams × isl_over_osl` prompt tokens.
    ServingTpot { isl_over_osl: f64 },
}

/// What a row measured, as model terms to compare against.
pub(crate) struct Measured {
    pub(crate) decode: Option<(Terms, f64, DecodeMeasure)>,
    pub(crate) prefill: Option<(Terms, f64)>,
    pub(crate) why_not: Vec<String>,
}

/// The decode and prefill cases of a row's test, on its base request.
pub(crate) fn measured(
    test: &TestKind,
    base: &SpeedRequest,
    tg: Option<f64>,
    pp: Option<f64>,
    conc: Option<u32>,
    row_depth: u64,
    engine: Engine,
) -> Result<Measured, String> {
    let mut m = Measured {
        decode: None,
        prefill: None,
        why_not: Vec::new(),
    };
    match *test {
        TestKind::LlamaBench {
            pp: p,
            tg: g,
            depth,
        } => {
            if let (Some(v), true) = (tg, g > 0) {
                let mut r = base.clone();
                r.depth_tokens = depth + g / 2;
                m.decode = Some((terms(&r), v, DecodeMeasure::Total));
            }
            if let (Some(v), true) = (pp, p > 0) {
                let mut r = base.clone();
                r.prompt_tokens = p;
                r.depth_tokens = depth + p;
                m.prefill = Some((terms(&r), v));
            }
        }
        TestKind::PromptThenGen { pp: p, tg: g } => {
            prompt_then_gen(&mut m, base, (tg, pp), (p, g), conc, engine);
        }
        TestKind::Serving { isl, osl } => match conc {
            Some(c) if c > 0 => serving(&mut m, base, (tg, pp), (isl, osl), c),
            _ => {
                return Err(
                    "serving run without a fixed concurrency (offline max-throughput): the batch size is the engine scheduler's choice, not an input".into(),
                )
            }
        },
        TestKind::StreamDecode => {
            if let Some(v) = tg {
                let mut r = base.clone();
                r.depth_tokens = row_depth + 128;
                m.decode = Some((terms(&r), v, DecodeMeasure::Total));
            }
        }
    }
    Ok(m)
}

/// `ppP+tgT` at `conc` streams: llama-batched-bench, or a serving engine
/// whose batched decode steps also prefill arriving prompts.
fn prompt_then_gen(
    m: &mut Measured,
    base: &SpeedRequest,
    (tg, pp): (Option<f64>, Option<f64>),
    (p, g): (u64, u64),
    conc: Option<u32>,
    engine: Engine,
) {
    let s = conc.unwrap_or(1).max(1);
    if let Some(v) = tg {
        let mut r = base.clone();
        r.streams = s;
        r.depth_tokens = p + g / 2;
        // A serving engine's B > 1 run prefills arriving prompts
        // between the decode steps it times; llama.cpp's batched
        // bench prefills every prompt first.
        let measure = if engine.is_paged() && s > 1 && g > 0 {
            r.prompt_tokens = p.max(1);
            DecodeMeasure::ServingTpot {
                isl_over_osl: p as f64 / g as f64,
            }
        } else {
            DecodeMeasure::Total
        };
        m.decode = Some((terms(&r), v, measure));
    }
    if let Some(v) = pp {
        let mut r = base.clone();
        r.prompt_tokens = p;
        r.prefill_streams = s;
        r.depth_tokens = p;
        m.prefill = Some((terms(&r), v));
    }
}

/// `ISLx/OSLy` at `c` requests in flight: output throughput with the
/// prompts' prefill inside; its prefill figure is not a model input.
fn serving(
    m: &mut Measured,
    base: &SpeedRequest,
    (tg, pp): (Option<f64>, Option<f64>),
    (isl, osl): (u64, u64),
    c: u32,
) {
    if let Some(v) = tg {
        let mut r = base.clone();
        r.streams = c;
        r.depth_tokens = isl + osl / 2;
        r.prompt_tokens = isl.max(1);
        // Prompts are prefilled in chunks of many requests.
        let ub = r.ubatch_tokens();
        r.prefill_streams = ((ub / isl.max(1)).max(1) as u32).min(c);
        let ratio = isl as f64 / osl.max(1) as f64;
        m.decode = Some((
            terms(&r),
            v,
            DecodeMeasure::ServingOutput {
                isl_over_osl: ratio,
            },
        ));
    }
    if pp.is_some() {
        m.why_not
            .push("serving prefill throughput is not modelled".to_string());
    }
}
