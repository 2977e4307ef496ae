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
    let mut out = Vec::new();
    push_global(m, &mut out);
    for (i, layer) in m.layers.iter().enumerate() {
        let il = i as u32;
        let h = m.hidden as u64;
        out.push(lt(il, "attn_norm", TensorRole::Norm, h, 1));
        out.push(lt(il, "ffn_norm", TensorRole::Norm, h, 1));
        push_attention(m, il, layer, &mut out);
        push_ffn(m, il, &mut out);
    }
    push_remainder(m, &mut out);
    out
}

/// A tensor of layer `il`, named `blk.{il}.{s}.weight` as llama.cpp does.
fn lt(il: u32, s: &str, role: TensorRole, row_len: u64, rows: u64) -> TensorSpec {
    t(
        format!("blk.{il}.{s}.weight"),
        role,
        Some(il),
        row_len,
        rows,
    )
}

/// The tensors outside the layers: embedding, head (unless tied), final norm.
fn push_global(m: &ModelArch, out: &mut Vec<TensorSpec>) {
    use TensorRole as R;
    let h = m.hidden as u64;
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
}

/// The attention (or recurrent) projections of one layer, by its kind.
fn push_attention(m: &ModelArch, il: u32, layer: &LayerAttention, out: &mut Vec<TensorSpec>) {
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
        } => push_gqa(m, il, kv_heads, head_dim_k, head_dim_v, out),
        LayerAttention::Mla { .. } => push_mla(m, il, out),
        LayerAttention::Recurrent { .. } => push_recurrent(m, il, out),
    }
}

/// Grouped-query attention: q, k, v and output projections.
fn push_gqa(
    m: &ModelArch,
    il: u32,
    kv_heads: u32,
    head_dim_k: u32,
    head_dim_v: u32,
    out: &mut Vec<TensorSpec>,
) {
    use TensorRole as R;
    let h = m.hidden as u64;
    let q_out = m.n_heads as u64 * head_dim_k as u64;
    // Qwen3-Next's gated attention doubles q_proj (query + gate).
    let q_rows = if m.linear.is_some() { 2 * q_out } else { q_out };
    out.push(lt(il, "attn_q", R::AttnQ, h, q_rows));
    out.push(lt(
        il,
        "attn_k",
        R::AttnK,
        h,
        kv_heads as u64 * head_dim_k as u64,
    ));
    out.push(lt(
        il,
        "attn_v",
        R::AttnV,
        h,
        kv_heads as u64 * head_dim_v as u64,
    ));
    out.push(lt(
        il,
        "attn_output",
        R::AttnOutput,
        m.n_heads as u64 * head_dim_v as u64,
        h,
    ));
}

/// Multi-head latent attention (DeepSeek): low-rank q and kv projections.
fn push_mla(m: &ModelArch, il: u32, out: &mut Vec<TensorSpec>) {
    use TensorRole as R;
    let Some(d) = &m.mla else { return };
    let h = m.hidden as u64;
    let heads = m.n_heads as u64;
    let qk = (d.qk_nope_head_dim + d.qk_rope_head_dim) as u64;
    match d.q_lora_rank {
        Some(r) => {
            out.push(lt(il, "attn_q_a", R::AttnLatent, h, r as u64));
            out.push(lt(il, "attn_q_a_norm", R::Norm, r as u64, 1));
            out.push(lt(il, "attn_q_b", R::AttnLatent, r as u64, heads * qk));
        }
        None => out.push(lt(il, "attn_q", R::AttnQ, h, heads * qk)),
    }
    let kv_a = (d.kv_lora_rank + d.qk_rope_head_dim) as u64;
    out.push(lt(il, "attn_kv_a_mqa", R::AttnLatent, h, kv_a));
    out.push(lt(il, "attn_kv_a_norm", R::Norm, d.kv_lora_rank as u64, 1));
    out.push(lt(
        il,
        "attn_kv_b",
        R::AttnLatent,
        d.kv_lora_rank as u64,
        heads * (d.qk_nope_head_dim + d.v_head_dim) as u64,
    ));
    out.push(lt(
        il,
        "attn_output",
        R::AttnOutput,
        heads * d.v_head_dim as u64,
        h,
    ));
}

/// Linear-attention / SSM layers (Qwen3-Next's gated delta net).
fn push_recurrent(m: &ModelArch, il: u32, out: &mut Vec<TensorSpec>) {
    use TensorRole as R;
    let Some(d) = &m.linear else { return };
    let h = m.hidden as u64;
    let kd = d.num_key_heads as u64 * d.key_head_dim as u64;
    let vd = d.num_value_heads as u64 * d.value_head_dim as u64;
    out.push(lt(il, "ssm_in", R::Ssm, h, 2 * kd + 2 * vd));
    out.push(lt(il, "ssm_ba", R::Ssm, h, 2 * d.num_value_heads as u64));
    out.push(lt(
        il,
        "ssm_conv1d",
        R::Unquantized,
        d.conv_kernel as u64,
        2 * kd + vd,
    ));
    out.push(lt(il, "ssm_out", R::Ssm, vd, h));
}

/// Feed-forward: dense, or experts (+ shared experts).
fn push_ffn(m: &ModelArch, il: u32, out: &mut Vec<TensorSpec>) {
    use TensorRole as R;
    let h = m.hidden as u64;
    let dense_layer = match &m.moe {
        None => true,
        Some(moe) => il < moe.dense_layers,
    };
    if dense_layer {
        let f = m.ffn as u64;
        out.push(lt(il, "ffn_gate", R::FfnGate, h, f));
        out.push(lt(il, "ffn_up", R::FfnUp, h, f));
        out.push(lt(il, "ffn_down", R::FfnDown, f, h));
    } else if let Some(moe) = &m.moe {
        let e = moe.experts as u64;
        let f = moe.expert_ffn as u64;
        out.push(lt(il, "ffn_gate_inp", R::Unquantized, h, e));
        out.push(lt(il, "ffn_gate_exps", R::FfnGateExps, h, f * e));
        out.push(lt(il, "ffn_up_exps", R::FfnUpExps, h, f * e));
        out.push(lt(il, "ffn_down_exps", R::FfnDownExps, f, h * e));
        let shared = moe
            .shared_expert_ffn
            .map(u64::from)
            .unwrap_or(moe.shared_experts as u64 * f);
        if shared > 0 {
            out.push(lt(il, "ffn_gate_shexp", R::FfnGateShexp, h, shared));
            out.push(lt(il, "ffn_up_shexp", R::FfnUpShexp, h, shared));
            out.push(lt(il, "ffn_down_shexp", R::FfnDownShexp, shared, h));
        }
    }
}

/// Keeps the total equal to the cited parameter count: whatever the rebuild
/// does not account for becomes one `other` entry.
fn push_remainder(m: &ModelArch, out: &mut Vec<TensorSpec>) {
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
}

/// Parameters the rebuilt tensors account for, before the remainder: a check
/// that the rebuild understands the architecture.
pub fn rebuilt_params(plan: &[TensorSpec]) -> u64 {
    plan.iter()
        .filter(|t| t.role != TensorRole::Other)
        .map(|t| t.n_elements)
        .sum()
}
