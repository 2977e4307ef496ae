//! Benchmark rows in `dev.csv`'s columns, and what each one asks the model.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use rigsize_catalog::Catalog;
use rigsize_core::dtype::{DType, KvType};
use rigsize_core::engine::Engine;
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::{weights_for_scheme, WeightsEstimate};
use rigsize_core::model::{LayerAttention, ModelArch, Moe};
use rigsize_core::quant::QuantScheme;

use crate::error::SpeedError;
use crate::model::{terms, Link, SpeedRequest, Split, Terms};

/// One measurement, as written (numbers are parsed when used, so one bad
/// cell makes one row unpredicted instead of failing the file).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    pub row_id: String,
    pub source: String,
    pub hardware_id: String,
    pub n_devices: String,
    pub backend: String,
    pub engine: String,
    pub model_id: String,
    pub arch: String,
    pub params_b: String,
    pub active_params_b: String,
    pub quant: String,
    pub model_size_gib: String,
    pub depth: String,
    pub concurrency: String,
    pub test: String,
    pub pp_tok_s: String,
    pub tg_tok_s: String,
    pub build: String,
    pub reliability: String,
    pub notes: String,
}

/// Reads rows from CSV text with a header line; columns are matched by name,
/// missing ones are empty.
pub fn parse_csv(text: &str, file: &str) -> Result<Vec<BenchRow>, SpeedError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let err = |m: String| SpeedError::Csv {
        file: file.to_string(),
        message: m,
    };
    let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
    let idx: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    for need in ["hardware_id", "engine", "test"] {
        if !idx.contains_key(need) {
            return Err(err(format!("no '{need}' column")));
        }
    }
    let mut rows = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let get = |c: &str| {
            idx.get(c)
                .and_then(|i| rec.get(*i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let mut row = BenchRow {
            row_id: get("row_id"),
            source: get("source"),
            hardware_id: get("hardware_id"),
            n_devices: get("n_devices"),
            backend: get("backend"),
            engine: get("engine"),
            model_id: get("model_id"),
            arch: get("arch"),
            params_b: get("params_b"),
            active_params_b: get("active_params_b"),
            quant: get("quant"),
            model_size_gib: get("model_size_gib"),
            depth: get("depth"),
            concurrency: get("concurrency"),
            test: get("test"),
            pp_tok_s: get("pp_tok_s"),
            tg_tok_s: get("tg_tok_s"),
            build: get("build"),
            reliability: get("reliability"),
            notes: get("notes"),
        };
        if row.row_id.is_empty() {
            row.row_id = format!("line{}", n + 2);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a benchmark CSV file (the crate's only I/O).
pub fn read_csv(path: &Path) -> Result<Vec<BenchRow>, SpeedError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SpeedError::Csv {
        file: file.clone(),
        message: e.to_string(),
    })?;
    parse_csv(&text, &file)
}

/// What a `test` cell means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TestKind {
    /// llama-bench `ppP/tgT@dN`: prefill of P and generation of T tokens,
    /// each on top of N cached tokens.
    LlamaBench { pp: u64, tg: u64, depth: u64 },
    /// `ppP+tgT`: P-token prompts (per stream) then T generated tokens.
    PromptThenGen { pp: u64, tg: u64 },
    /// `ISLx/OSLy` serving benchmark: output throughput over the run.
    Serving { isl: u64, osl: u64 },
    /// `server-stream-decode`: one stream's generation speed.
    StreamDecode,
}

/// Serving benchmarks run far more concurrent requests than one user plans
/// streams for (dev.csv has 4096); beyond this a count is a typo.
const MAX_BENCH_CONCURRENCY: u32 = 65_536;

/// The token counts a test names, to refuse absurd ones before predicting.
fn test_sizes(t: &TestKind) -> Vec<u64> {
    match *t {
        TestKind::LlamaBench { pp, tg, depth } => vec![pp, tg, depth],
        TestKind::PromptThenGen { pp, tg } => vec![pp, tg],
        TestKind::Serving { isl, osl } => vec![isl, osl],
        TestKind::StreamDecode => vec![],
    }
}

fn num_after(s: &str, prefix: &str) -> Option<u64> {
    let rest = s.strip_prefix(prefix)?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

pub fn parse_test(test: &str) -> Option<TestKind> {
    let t = test.trim().to_ascii_lowercase();
    if t == "server-stream-decode" || t == "stream-decode" {
        return Some(TestKind::StreamDecode);
    }
    if let Some((a, b)) = t.split_once('/') {
        if a.starts_with("isl") {
            return Some(TestKind::Serving {
                isl: num_after(a, "isl")?,
                osl: num_after(b, "osl")?,
            });
        }
        let (tg_part, depth) = match b.split_once("@d") {
            Some((x, d)) => (x, d.parse().ok()?),
            None => (b, 0),
        };
        return Some(TestKind::LlamaBench {
            pp: num_after(a, "pp")?,
            tg: num_after(tg_part, "tg")?,
            depth,
        });
    }
    if let Some((a, b)) = t.split_once('+') {
        return Some(TestKind::PromptThenGen {
            pp: num_after(a, "pp")?,
            tg: num_after(b, "tg")?,
        });
    }
    if let Some((pp, rest)) = t.split_once("@d").or(Some((t.as_str(), "0"))) {
        if let (Some(p), Ok(d)) = (num_after(pp, "pp"), rest.parse::<u64>()) {
            return Some(TestKind::LlamaBench {
                pp: p,
                tg: 0,
                depth: d,
            });
        }
        if let (Some(g), Ok(d)) = (num_after(pp, "tg"), rest.parse::<u64>()) {
            return Some(TestKind::LlamaBench {
                pp: 0,
                tg: g,
                depth: d,
            });
        }
    }
    None
}

fn opt_f64(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number following `key` in free text (`n_ubatch=2048`, `-ub 2048`).
fn number_after_key(text: &str, key: &str) -> Option<u64> {
    let pos = text.find(key)? + key.len();
    let digits: String = text[pos..]
        .trim_start_matches([' ', '='])
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// A stand-in architecture from a row's own facts, for models the catalog
/// does not know: layer count and width from typical scaling of dense
/// transformers (8B ≈ 32 × 4096, 70B ≈ 80 × 8192), GQA with 128-wide heads;
/// MoE with 128 experts, 8 per token.
pub fn synthetic_arch(id: &str, params: f64, active: f64) -> ModelArch {
    let a_b = (active / 1e9).max(0.05);
    let layers = (16.0 * a_b.powf(0.35)).round().clamp(8.0, 128.0) as u32;
    let vocab = 128_000u32;
    let hidden_f = (active * 0.9 / (12.0 * layers as f64)).sqrt();
    let hidden = ((hidden_f / 128.0).round().max(4.0) * 128.0) as u32;
    let heads = hidden / 128;
    let kv_heads = (heads / 4).max(1);
    let is_moe = params > active * 1.2;
    let embd = vocab as f64 * hidden as f64;
    let per_layer_attn = 4.0 * (hidden as f64).powi(2);
    let ffn = (((active - 2.0 * embd) / layers as f64 - per_layer_attn) / (3.0 * hidden as f64))
        .max(hidden as f64) as u32;
    let moe = is_moe.then(|| {
        let (e, k) = (128u32, 8u32);
        let routed = (params - active) / (1.0 - k as f64 / e as f64);
        let expert_ffn = (routed / (layers as f64 * e as f64 * 3.0 * hidden as f64)).max(64.0);
        Moe {
            experts: e,
            experts_per_token: k,
            shared_experts: 0,
            expert_ffn: expert_ffn as u32,
            shared_expert_ffn: None,
            dense_layers: 0,
        }
    });
    ModelArch {
        id: id.to_string(),
        name: format!("{id} (from benchmark facts)"),
        family: "unknown".into(),
        params_total: params as u64,
        params_active: active as u64,
        params_active_decode: (active - embd).max(active * 0.5) as u64,
        hidden,
        n_heads: heads,
        head_dim: 128,
        vocab,
        tied_embeddings: false,
        ffn,
        moe,
        mla: None,
        linear: None,
        layers: (0..layers)
            .map(|_| LayerAttention::Full {
                kv_heads,
                head_dim_k: 128,
                head_dim_v: 128,
            })
            .collect(),
        indexer_head_dim: None,
        native_context: 131_072,
        extended_context: None,
        native_dtype: DType::BF16,
        vision: None,
    }
}

/// The scheme a quantization name is sized as: rigsize's own names, then
/// Unsloth's dynamic mixes (`UD-Q4_K_XL`) as the K-quant they extend, then
/// any `Q<bits>` name as that K-quant (`Q4-XYZ-v2` → Q4_K_M).
pub fn quant_for_sizing(name: &str) -> Option<QuantScheme> {
    if let Ok(s) = QuantScheme::parse(name) {
        return Some(s);
    }
    let key = name.trim().to_ascii_lowercase();
    let key = key.strip_prefix("ud-").unwrap_or(&key);
    let key = key.replace("_xl", "_m");
    if let Ok(s) = QuantScheme::parse(&key) {
        return Some(s);
    }
    let bits = key
        .strip_prefix('q')
        .and_then(|r| r.chars().next())
        .and_then(|c| c.to_digit(10))?;
    let guess = match bits {
        2 => "q2_k",
        3 => "q3_k_m",
        4 => "q4_k_m",
        5 => "q5_k_m",
        6 => "q6_k",
        8 => "q8_0",
        _ => return None,
    };
    QuantScheme::parse(guess).ok()
}

/// Parameters in routed experts, from the architecture.
fn routed_params(m: &ModelArch) -> f64 {
    match &m.moe {
        Some(moe) => {
            let moe_layers = m.n_layers().saturating_sub(moe.dense_layers) as f64;
            moe_layers * moe.experts as f64 * 3.0 * m.hidden as f64 * moe.expert_ffn as f64
        }
        None => 0.0,
    }
}

/// Weights of a row: the reported file size split the way the architecture
/// splits its parameters (routed experts, input embedding, the rest).
/// Without a file size, the quantization's rebuild of the tensors.
pub fn row_weights(m: &ModelArch, row: &BenchRow) -> Result<WeightsEstimate, String> {
    let params = opt_f64(&row.params_b)
        .map(|b| b * 1e9)
        .unwrap_or(m.params_total as f64)
        .max(1.0);
    let bytes = match opt_f64(&row.model_size_gib) {
        Some(g) if g > 0.0 => g * (1u64 << 30) as f64,
        _ => {
            let scheme = quant_for_sizing(&row.quant).ok_or_else(|| {
                format!(
                    "no model_size_gib and quantization '{}' is not one rigsize can size",
                    row.quant
                )
            })?;
            let w = weights_for_scheme(m, scheme);
            w.bytes as f64 * params / m.params_total.max(1) as f64
        }
    };
    let routed = (routed_params(m) / m.params_total.max(1) as f64).clamp(0.0, 0.99) * bytes;
    let embd = if m.tied_embeddings {
        0.0
    } else {
        (m.vocab as f64 * m.hidden as f64 / m.params_total.max(1) as f64).clamp(0.0, 0.5) * bytes
    };
    let frac = m
        .moe
        .as_ref()
        .map(|x| x.experts_per_token as f64 / x.experts.max(1) as f64)
        .unwrap_or(1.0);
    Ok(WeightsEstimate {
        bytes: bytes as u64,
        params: params as u64,
        routed_expert_bytes: routed as u64,
        routed_expert_bytes_by_layer: Vec::new(),
        token_embd_bytes: embd as u64,
        decode_bytes_per_token: ((bytes - routed - embd) + routed * frac) as u64,
        by_type: vec![],
        basis: "benchmark file size, split by the architecture's parameter shares".into(),
    })
}

/// What the model is compared with for one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DecodeMeasure {
    /// Generated tokens per second over all streams, during generation.
    Total,
    /// Output tokens per second of a serving run, prompt processing included:
    /// `isl_over_osl` prompt tokens are prefilled per output token.
    ServingOutput { isl_over_osl: f64 },
}

/// A row turned into model inputs.
#[derive(Debug, Clone)]
pub struct RowCase {
    pub row_index: usize,
    pub row_id: String,
    pub source: String,
    pub engine: Engine,
    pub hardware_id: String,
    pub family: String,
    pub class: String,
    /// Chip tier ([`crate::calib::device_tier`]).
    pub tier: String,
    pub model_in_catalog: bool,
    /// One measurement setup: source document × hardware × device count ×
    /// model × quantization. Rows of one setup differ only in depth, prompt
    /// length or streams, so they are not independent evidence; the fit's
    /// shrinkage counts setups, not rows.
    pub setup: String,
    pub decode: Option<(Terms, f64, DecodeMeasure)>,
    pub prefill: Option<(Terms, f64)>,
    /// Why the row is validated but not fitted (`None`: fitted), see
    /// [`LLAMACPP_BATCHED_SINCE`].
    pub validation_only: Option<String>,
}

impl RowCase {
    /// Streams decoding together in the row's decode measurement (1 without one).
    pub fn streams(&self) -> f64 {
        self.decode.as_ref().map_or(1.0, |d| d.0.decode.streams)
    }
}

/// llama.cpp batched (B > 1) decode rows measured before this month are
/// validated but not fitted: the calibration stands for current builds, and
/// llama.cpp's batched decode of 2023 – early 2024 (before flash attention,
/// PR #5021 of April 2024, and the batched quantized mat-vec kernels) ran
/// about half as fast as today's. The rows show it themselves: the B = 1
/// anchors of llama.cpp PR #3545 (October 2023) and of the aws-samples T4
/// tables (March 2024) are predicted within 5 %, their B > 1 rows 50–64 %
/// too fast. Fitted, they pulled the per-stream and Apple terms towards
/// those kernels; left out of the fit, leave-one-source-out on the other
/// rows went from 21.8 to 18.6 % (decode) and 24.1 to 21.4 % (prefill).
pub const LLAMACPP_BATCHED_SINCE: &str = "2024-05";

/// The latest month a row states (build, source or notes), if any.
fn stated_month(row: &BenchRow) -> Option<String> {
    [&row.build, &row.source, &row.notes]
        .iter()
        .flat_map(|t| crate::provenance::dates_in(t))
        .max()
}

fn validation_only(row: &BenchRow, engine: Engine, streams: f64) -> Option<String> {
    let llama = matches!(engine, Engine::LlamaCpp | Engine::Ollama);
    let month = stated_month(row)?;
    (llama && streams > 1.0 && month.as_str() < LLAMACPP_BATCHED_SINCE).then(|| {
        format!(
            "llama.cpp batched decode measured {month}, before {LLAMACPP_BATCHED_SINCE}: validated, not fitted"
        )
    })
}

/// Devices, split and link a row describes.
fn row_split(row: &BenchRow, engine: Engine) -> Split {
    let n = row.notes.to_ascii_lowercase();
    if n.contains("-sm tensor") || n.contains("tensor parallel") || n.contains("tp2") {
        Split::Tensor
    } else if n.contains("-sm layer") || n.contains("split: layer") {
        Split::Layer
    } else if engine.is_paged() || engine == Engine::Mlx {
        Split::Tensor
    } else {
        Split::Layer
    }
}

/// Builds the model inputs of one row, or says why it cannot.
pub fn row_case(catalog: &Catalog, row: &BenchRow, index: usize) -> Result<RowCase, String> {
    let engine = Engine::parse(&row.engine).map_err(|e| e.to_string())?;
    let rec = catalog
        .hardware_record(&row.hardware_id)
        .map_err(|_| format!("unknown hardware id '{}'", row.hardware_id))?;
    let count: u32 = if row.n_devices.is_empty() {
        1
    } else {
        row.n_devices
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=rigsize_catalog::MAX_DEVICE_COUNT).contains(n))
            .ok_or_else(|| {
                format!(
                    "n_devices '{}' is not a count from 1 to {}",
                    row.n_devices,
                    rigsize_catalog::MAX_DEVICE_COUNT
                )
            })?
    };
    let devices = DeviceSet {
        device: rec.device.clone(),
        count: count.max(1),
    };
    if devices.device.bandwidth_bytes_per_s <= 0.0 || devices.device.fp16_flops <= 0.0 {
        return Err(format!(
            "hardware '{}' has no bandwidth or FP16 compute in the catalog",
            row.hardware_id
        ));
    }
    let (arch, in_catalog) = match catalog.model(&row.model_id) {
        Ok(m) => (m.arch.clone(), true),
        Err(_) => {
            let p = opt_f64(&row.params_b).ok_or_else(|| {
                format!(
                    "model '{}' is not in the catalog and the row gives no params_b",
                    row.model_id
                )
            })? * 1e9;
            if !(p.is_finite() && p > 0.0) {
                return Err(format!(
                    "params_b '{}' is not a positive number",
                    row.params_b
                ));
            }
            let a = opt_f64(&row.active_params_b).map(|a| a * 1e9).unwrap_or(p);
            if !(a.is_finite() && a > 0.0 && a <= p) {
                return Err(format!(
                    "active_params_b '{}' is not a positive number at most params_b",
                    row.active_params_b
                ));
            }
            (synthetic_arch(&row.model_id, p, a), false)
        }
    };
    let weights = row_weights(&arch, row)?;
    let active = opt_f64(&row.active_params_b).map(|a| (a * 1e9) as u64);
    let test =
        parse_test(&row.test).ok_or_else(|| format!("test '{}' is not understood", row.test))?;
    // An empty concurrency means the source did not fix it; anything else
    // must be a real stream count, and a depth a real token count.
    let conc: Option<u32> = match row.concurrency.trim() {
        "" => None,
        c => Some(
            c.parse()
                .ok()
                .filter(|n| (1..=MAX_BENCH_CONCURRENCY).contains(n))
                .ok_or_else(|| format!("concurrency '{c}' is not a stream count"))?,
        ),
    };
    let row_depth: u64 = match row.depth.trim() {
        "" => 0,
        d => d
            .parse()
            .ok()
            .filter(|n| *n <= rigsize_core::units::MAX_CONTEXT_TOKENS)
            .ok_or_else(|| format!("depth '{d}' is not a token count"))?,
    };
    if let Some(big) = test_sizes(&test)
        .into_iter()
        .find(|n| *n > rigsize_core::units::MAX_CONTEXT_TOKENS)
    {
        return Err(format!(
            "test '{}' asks for {big} tokens, beyond any model's context",
            row.test
        ));
    }
    let notes = row.notes.to_ascii_lowercase();
    let ubatch = number_after_key(&notes, "n_ubatch").or_else(|| number_after_key(&notes, "-ub"));
    let split = row_split(row, engine);
    let link = if notes.contains("nvlink") {
        Link::Nvlink
    } else {
        Link::default_for(&devices)
    };
    let mut base = SpeedRequest::new(&arch, &weights, &devices, engine);
    base.split = split;
    base.link = link;
    base.ubatch = ubatch;
    base.active_params = active;
    base.kv_type = KvType::F16;

    let tg = opt_f64(&row.tg_tok_s).filter(|v| *v > 0.0);
    let pp = opt_f64(&row.pp_tok_s).filter(|v| *v > 0.0);
    let mut decode = None;
    let mut prefill = None;
    let mut why_not = Vec::new();
    match test {
        TestKind::LlamaBench {
            pp: p,
            tg: g,
            depth,
        } => {
            if let (Some(v), true) = (tg, g > 0) {
                let mut r = base.clone();
                r.depth_tokens = depth + g / 2;
                decode = Some((terms(&r), v, DecodeMeasure::Total));
            }
            if let (Some(v), true) = (pp, p > 0) {
                let mut r = base.clone();
                r.prompt_tokens = p;
                r.depth_tokens = depth + p;
                prefill = Some((terms(&r), v));
            }
        }
        TestKind::PromptThenGen { pp: p, tg: g } => {
            let s = conc.unwrap_or(1).max(1);
            if let Some(v) = tg {
                let mut r = base.clone();
                r.streams = s;
                r.depth_tokens = p + g / 2;
                decode = Some((terms(&r), v, DecodeMeasure::Total));
            }
            if let Some(v) = pp {
                let mut r = base.clone();
                r.prompt_tokens = p;
                r.prefill_streams = s;
                r.depth_tokens = p;
                prefill = Some((terms(&r), v));
            }
        }
        TestKind::Serving { isl, osl } => match conc {
            Some(c) if c > 0 => {
                if let Some(v) = tg {
                    let mut r = base.clone();
                    r.streams = c;
                    r.depth_tokens = isl + osl / 2;
                    r.prompt_tokens = isl.max(1);
                    // Prompts are prefilled in chunks of many requests.
                    let ub = r.ubatch.unwrap_or_else(|| crate::model::default_ubatch(engine));
                    r.prefill_streams = ((ub / isl.max(1)).max(1) as u32).min(c);
                    let ratio = isl as f64 / osl.max(1) as f64;
                    decode = Some((
                        terms(&r),
                        v,
                        DecodeMeasure::ServingOutput {
                            isl_over_osl: ratio,
                        },
                    ));
                }
                if pp.is_some() {
                    why_not.push("serving prefill throughput is not modelled".to_string());
                }
            }
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
                decode = Some((terms(&r), v, DecodeMeasure::Total));
            }
        }
    }
    // Serving engines run float GEMMs (BF16/FP8/FP4, or AWQ/GPTQ dequantized
    // to FP16), so the datasheet's fastest float rate bounds their prefill;
    // llama.cpp's integer kernels (dp4a, int8 MMQ) and Apple's unbinned chip
    // ids have no such bound in the data.
    let bounded = engine.is_paged();
    if let Some(reason) = prefill.as_ref().filter(|_| bounded).and_then(|(_, v)| {
        crate::plausible::beyond_peak(*v, active.unwrap_or(arch.params_active), &devices)
    }) {
        prefill = None;
        why_not.push(reason);
    }
    if decode.is_none() && prefill.is_none() {
        why_not.push("no measured pp_tok_s or tg_tok_s to compare".into());
        return Err(why_not.join("; "));
    }
    let streams = decode.as_ref().map_or(1.0, |d| d.0.decode.streams);
    Ok(RowCase {
        row_index: index,
        row_id: row.row_id.clone(),
        source: row.source.clone(),
        engine,
        hardware_id: row.hardware_id.clone(),
        family: devices.device.family.clone(),
        class: crate::calib::device_class(&devices.device),
        tier: crate::calib::device_tier(&devices.device),
        model_in_catalog: in_catalog,
        setup: format!(
            "{}|{}|{}|{}|{}",
            crate::fit::source_key(&row.source),
            row.hardware_id,
            count,
            row.model_id,
            row.quant
        ),
        decode,
        prefill,
        validation_only: validation_only(row, engine, streams),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_parse() {
        assert_eq!(
            parse_test("pp2048/tg32@d4096"),
            Some(TestKind::LlamaBench {
                pp: 2048,
                tg: 32,
                depth: 4096
            })
        );
        assert_eq!(
            parse_test("pp512/tg128"),
            Some(TestKind::LlamaBench {
                pp: 512,
                tg: 128,
                depth: 0
            })
        );
        assert_eq!(
            parse_test("pp8192+tg32"),
            Some(TestKind::PromptThenGen { pp: 8192, tg: 32 })
        );
        assert_eq!(
            parse_test("ISL1000/OSL1000"),
            Some(TestKind::Serving {
                isl: 1000,
                osl: 1000
            })
        );
        assert_eq!(
            parse_test("server-stream-decode"),
            Some(TestKind::StreamDecode)
        );
        assert_eq!(parse_test("bogus"), None);
    }

    #[test]
    fn old_llamacpp_batched_rows_are_validation_only() {
        let row = |engine: &str, build: &str| BenchRow {
            engine: engine.into(),
            build: build.into(),
            ..BenchRow::default()
        };
        let old = row("llama.cpp", "PR #3545 branch (merged 2023-10-11)");
        assert!(validation_only(&old, Engine::LlamaCpp, 4.0).is_some());
        // One stream, a recent build, another engine or no date: fitted.
        assert!(validation_only(&old, Engine::LlamaCpp, 1.0).is_none());
        let new = row("llama.cpp", "b9906 (2026-07-20)");
        assert!(validation_only(&new, Engine::LlamaCpp, 4.0).is_none());
        assert!(validation_only(&old, Engine::Vllm, 4.0).is_none());
        assert!(validation_only(&row("llama.cpp", "b1234"), Engine::LlamaCpp, 4.0).is_none());
    }

    #[test]
    fn notes_numbers() {
        assert_eq!(
            number_after_key("fa=1 n_ubatch=2048; x", "n_ubatch"),
            Some(2048)
        );
        assert_eq!(number_after_key("-ub 1024", "-ub"), Some(1024));
    }

    #[test]
    fn synthetic_arch_is_plausible() {
        let m = synthetic_arch("x", 6.74e9, 6.74e9);
        assert!((30..=34).contains(&m.n_layers()), "{}", m.n_layers());
        assert!(m.hidden >= 3840 && m.hidden <= 4480, "{}", m.hidden);
        let moe = synthetic_arch("y", 30.5e9, 3.3e9);
        assert!(moe.moe.is_some());
    }
}
