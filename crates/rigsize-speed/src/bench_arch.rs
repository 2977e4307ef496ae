//! The model a benchmark row measured and the bytes its weights take:
//! the catalog's record, or a stand-in rebuilt from the row's own counts.

use rigsize_catalog::Catalog;
use rigsize_core::dtype::DType;
use rigsize_core::memory::{weights_for_scheme, TypeShare, WeightsEstimate};
use rigsize_core::model::{LayerAttention, ModelArch, Moe};
use rigsize_core::quant::QuantScheme;

use crate::bench::{opt_f64, BenchRow};

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

/// Weights of a row: the reported file size split the way the
/// quantization's rebuild of the architecture splits it (routed experts,
/// input embedding, what one token reads), so a row is sized as `speed`
/// sizes the same model. A split by parameter shares alone gave gpt-oss's
/// MXFP4 experts the bytes per weight of its Q8_0 attention and head: one
/// token's read 17 % short of the rebuild's, and every fitted rate bent to
/// match. Without a rebuild, the parameter shares split the file.
pub fn row_weights(m: &ModelArch, row: &BenchRow) -> Result<WeightsEstimate, String> {
    let params = opt_f64(&row.params_b)
        .map(|b| b * 1e9)
        .unwrap_or(m.params_total as f64)
        .max(1.0);
    let rebuilt = quant_for_sizing(&row.quant).map(|s| weights_for_scheme(m, s));
    let bytes = match (opt_f64(&row.model_size_gib), &rebuilt) {
        (Some(g), _) if g > 0.0 => g * (1u64 << 30) as f64,
        (_, Some(w)) => w.bytes as f64 * params / m.params_total.max(1) as f64,
        (_, None) => {
            return Err(format!(
                "no model_size_gib and quantization '{}' is not one rigsize can size",
                row.quant
            ))
        }
    };
    let (routed, embd, decode, by_type) = match &rebuilt {
        Some(w) if w.bytes > 0 => {
            let scale = bytes / w.bytes as f64;
            (
                w.routed_expert_bytes as f64 * scale,
                w.token_embd_bytes as f64 * scale,
                w.decode_bytes_per_token as f64 * scale,
                scaled_shares(&w.by_type, scale),
            )
        }
        _ => share_split(m, bytes),
    };
    Ok(WeightsEstimate {
        bytes: bytes as u64,
        params: params as u64,
        routed_expert_bytes: routed as u64,
        routed_expert_bytes_by_layer: Vec::new(),
        token_embd_bytes: embd as u64,
        decode_bytes_per_token: decode as u64,
        by_type,
        basis: "benchmark file size, split as the quantization's rebuild splits it".into(),
    })
}

/// A file split by parameter shares (routed experts, input embedding, one
/// token's read), for quantizations rigsize cannot rebuild.
fn share_split(m: &ModelArch, bytes: f64) -> (f64, f64, f64, Vec<TypeShare>) {
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
    (
        routed,
        embd,
        (bytes - routed - embd) + routed * frac,
        Vec::new(),
    )
}

/// Type shares scaled to the row's file size (the bytes per type keep the
/// rebuild's proportions).
fn scaled_shares(shares: &[TypeShare], scale: f64) -> Vec<TypeShare> {
    shares
        .iter()
        .map(|t| TypeShare {
            bytes: (t.bytes as f64 * scale) as u64,
            ..t.clone()
        })
        .collect()
}

/// The row's model: the catalog's, or one rebuilt from its parameter counts.
pub(crate) fn row_model(catalog: &Catalog, row: &BenchRow) -> Result<(ModelArch, bool), String> {
    Ok(match catalog.model(&row.model_id) {
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
    })
}
