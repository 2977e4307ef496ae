//! The tensors a model stores, derived from its architecture, named as
//! llama.cpp names them in GGUF (`blk.N.attn_v.weight`…).
//!
//! Why derive them at all: quantization is per tensor (Q4_K_M keeps half the
//! `attn_v` and `ffn_down` tensors at Q6_K and the output head at Q6_K), so a
//! size that is "exact where it can be known" needs the tensor list. A GGUF
//! file gives the list directly; for a catalog record it is rebuilt here from
//! the config's dimensions, and whatever small remainder the cited parameter
//! count has beyond the rebuilt tensors (biases, sinks, vision glue) is kept
//! as one `other` entry, so the total always equals the cited count.

use serde::{Deserialize, Serialize};

use crate::model::{LayerAttention, ModelArch};

/// What a tensor does, which decides its quantization type and whether a
/// decoded token reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TensorRole {
    TokenEmbd,
    Output,
    Norm,
    AttnQ,
    AttnK,
    AttnV,
    AttnQkv,
    AttnOutput,
    /// MLA projections (q_a, q_b, kv_a, kv_b).
    AttnLatent,
    /// Linear-attention / SSM projections.
    Ssm,
    /// Small tensors llama.cpp never quantizes (conv kernels, routers…).
    Unquantized,
    FfnGate,
    FfnUp,
    FfnDown,
    FfnGateExps,
    FfnUpExps,
    FfnDownExps,
    FfnGateShexp,
    FfnUpShexp,
    FfnDownShexp,
    /// The part of the cited parameter count not rebuilt tensor by tensor.
    Other,
}

impl TensorRole {
    /// Routed-expert tensors: stored for every expert, read for the top-k only.
    pub fn is_routed_expert(self) -> bool {
        matches!(
            self,
            TensorRole::FfnGateExps | TensorRole::FfnUpExps | TensorRole::FfnDownExps
        )
    }
}

/// One tensor: its name, role, layer and shape summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorSpec {
    pub name: String,
    pub role: TensorRole,
    pub layer: Option<u32>,
    /// Total number of values.
    pub n_elements: u64,
    /// Length of one row (GGUF `ne[0]`): quant blocks must divide it.
    pub row_len: u64,
}

impl TensorSpec {
    /// True for 1-D tensors (norms, biases), which GGUF keeps in F32.
    pub fn is_vector(&self) -> bool {
        self.n_elements == self.row_len
    }
}

fn t(name: String, role: TensorRole, layer: Option<u32>, row_len: u64, rows: u64) -> TensorSpec {
    TensorSpec {
        name,
        role,
        layer,
        n_elements: row_len * rows,
        row_len,
    }
}

/// Rebuilds the tensor list of a catalog model. The sum of `n_elements`
/// equals `params_total` (see the module doc for the `other` remainder).
pub fn tensor_plan(m: &ModelArch) -> Vec<TensorSpec> {
    use TensorRole as R;
    let h = m.hidden as u64;
    let mut out = Vec::new();
    out.push(t(
        "token_embd.weight".into(),
        R::TokenEmbd,
        None,
        h,
        m.vocab as u64,
    ));
    if !m.tied_embeddings {
        out.push(t(
            "output.weight".into(),
            R::Output,
            None,
            h,
            m.vocab as u64,
        ));
    }
    out.push(t("output_norm.weight".into(), R::Norm, None, h, 1));

    for (i, layer) in m.layers.iter().enumerate() {
        let il = i as u32;
        let n = |s: &str| format!("blk.{il}.{s}.weight");
        let l = Some(il);
        out.push(t(n("attn_norm"), R::Norm, l, h, 1));
        out.push(t(n("ffn_norm"), R::Norm, l, h, 1));
        match *layer {
            LayerAttention::Full {
                kv_heads,
                head_dim_k,
                head_dim_v,
            }
            | LayerAttention::Sliding {
                kv_heads,
                head_dim_k,
                head_dim_v,
                ..
            } => {
                let q_out = m.n_heads as u64 * head_dim_k as u64;
                // Qwen3-Next's gated attention doubles q_proj (query + gate).
                let q_rows = if m.linear.is_some() { 2 * q_out } else { q_out };
                out.push(t(n("attn_q"), R::AttnQ, l, h, q_rows));
                out.push(t(
                    n("attn_k"),
                    R::AttnK,
                    l,
                    h,
                    kv_heads as u64 * head_dim_k as u64,
                ));
                out.push(t(
                    n("attn_v"),
                    R::AttnV,
                    l,
                    h,
                    kv_heads as u64 * head_dim_v as u64,
                ));
                out.push(t(
                    n("attn_output"),
                    R::AttnOutput,
                    l,
                    m.n_heads as u64 * head_dim_v as u64,
                    h,
                ));
            }
            LayerAttention::Mla { .. } => {
                if let Some(d) = &m.mla {
                    let heads = m.n_heads as u64;
                    let qk = (d.qk_nope_head_dim + d.qk_rope_head_dim) as u64;
                    match d.q_lora_rank {
                        Some(r) => {
                            out.push(t(n("attn_q_a"), R::AttnLatent, l, h, r as u64));
                            out.push(t(n("attn_q_a_norm"), R::Norm, l, r as u64, 1));
                            out.push(t(n("attn_q_b"), R::AttnLatent, l, r as u64, heads * qk));
                        }
                        None => out.push(t(n("attn_q"), R::AttnQ, l, h, heads * qk)),
                    }
                    let kv_a = (d.kv_lora_rank + d.qk_rope_head_dim) as u64;
                    out.push(t(n("attn_kv_a_mqa"), R::AttnLatent, l, h, kv_a));
                    out.push(t(n("attn_kv_a_norm"), R::Norm, l, d.kv_lora_rank as u64, 1));
                    out.push(t(
                        n("attn_kv_b"),
                        R::AttnLatent,
                        l,
                        d.kv_lora_rank as u64,
                        heads * (d.qk_nope_head_dim + d.v_head_dim) as u64,
                    ));
                    out.push(t(
                        n("attn_output"),
                        R::AttnOutput,
                        l,
                        heads * d.v_head_dim as u64,
                        h,
                    ));
                }
            }
            LayerAttention::Recurrent { .. } => {
                if let Some(d) = &m.linear {
                    let kd = d.num_key_heads as u64 * d.key_head_dim as u64;
                    let vd = d.num_value_heads as u64 * d.value_head_dim as u64;
                    out.push(t(n("ssm_in"), R::Ssm, l, h, 2 * kd + 2 * vd));
                    out.push(t(n("ssm_ba"), R::Ssm, l, h, 2 * d.num_value_heads as u64));
                    out.push(t(
                        n("ssm_conv1d"),
                        R::Unquantized,
                        l,
                        d.conv_kernel as u64,
                        2 * kd + vd,
                    ));
                    out.push(t(n("ssm_out"), R::Ssm, l, vd, h));
                }
            }
        }
        // Feed-forward: dense, or experts (+ shared experts).
        let dense_layer = match &m.moe {
            None => true,
            Some(moe) => il < moe.dense_layers,
        };
        if dense_layer {
            let f = m.ffn as u64;
            out.push(t(n("ffn_gate"), R::FfnGate, l, h, f));
            out.push(t(n("ffn_up"), R::FfnUp, l, h, f));
            out.push(t(n("ffn_down"), R::FfnDown, l, f, h));
        } else if let Some(moe) = &m.moe {
            let e = moe.experts as u64;
            let f = moe.expert_ffn as u64;
            out.push(t(n("ffn_gate_inp"), R::Unquantized, l, h, e));
            out.push(t(n("ffn_gate_exps"), R::FfnGateExps, l, h, f * e));
            out.push(t(n("ffn_up_exps"), R::FfnUpExps, l, h, f * e));
            out.push(t(n("ffn_down_exps"), R::FfnDownExps, l, f, h * e));
            let shared = moe
                .shared_expert_ffn
                .map(u64::from)
                .unwrap_or(moe.shared_experts as u64 * f);
            if shared > 0 {
                out.push(t(n("ffn_gate_shexp"), R::FfnGateShexp, l, h, shared));
                out.push(t(n("ffn_up_shexp"), R::FfnUpShexp, l, h, shared));
                out.push(t(n("ffn_down_shexp"), R::FfnDownShexp, l, shared, h));
            }
        }
    }

    let built: u64 = out.iter().map(|t| t.n_elements).sum();
    if m.params_total > built {
        let rest = m.params_total - built;
        out.push(TensorSpec {
            name: "other (biases, sinks, tensors not rebuilt)".into(),
            role: TensorRole::Other,
            layer: None,
            n_elements: rest,
            // Treated as a matrix with a block-friendly row so it quantizes
            // like the bulk of the model.
            row_len: 256,
        });
    }
    out
}

/// Parameters the rebuilt tensors account for, before the remainder: a check
/// that the rebuild understands the architecture.
pub fn rebuilt_params(plan: &[TensorSpec]) -> u64 {
    plan.iter()
        .filter(|t| t.role != TensorRole::Other)
        .map(|t| t.n_elements)
        .sum()
}
