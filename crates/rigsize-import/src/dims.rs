//! Sanity caps on an imported architecture's dimensions. Imported files
//! come from strangers; these bounds keep every product the memory model
//! forms inside `u64` and refuse shapes no real model has.

use rigsize_core::model::{LayerAttention, ModelArch};

/// Largest dimensions a model may claim. Real models are far below (hidden
/// 16384, vocab 262k, 512 experts); the caps keep every product the memory
/// model forms (rows × columns × experts, bytes × cells) inside `u64`.
pub const MAX_DIM: u32 = 1 << 20;
pub const MAX_VOCAB: u32 = 1 << 24;
pub const MAX_CONTEXT: u64 = 1 << 34;

/// Checks an architecture's dimensions against the caps above.
pub fn check_dims(a: &ModelArch) -> Result<(), String> {
    let mut dims = arch_dims(a);
    layer_dims(a, &mut dims)?;
    // Elements cached per token over all layers (real models: under 2^22).
    let per_token = a.layers.iter().fold(0u64, |acc, l| {
        let (k, v) = l.kv_elems_per_token();
        acc.saturating_add(k).saturating_add(v)
    });
    if per_token > 1 << 28 {
        return Err(format!(
            "{per_token} cached values per token is not plausible"
        ));
    }
    if let Some((what, v)) = dims.iter().find(|(_, v)| *v > MAX_DIM as u64) {
        return Err(format!("{what} = {v} exceeds {MAX_DIM}"));
    }
    if a.vocab > MAX_VOCAB {
        return Err(format!("vocabulary of {} exceeds {MAX_VOCAB}", a.vocab));
    }
    if a.native_context > MAX_CONTEXT || a.extended_context.unwrap_or(0) > MAX_CONTEXT {
        return Err(format!(
            "context of {} tokens exceeds {MAX_CONTEXT}",
            a.max_context()
        ));
    }
    Ok(())
}

/// The model-wide dimensions, named as errors report them, in the order
/// they are checked (the first over the cap is the one reported).
fn arch_dims(a: &ModelArch) -> Vec<(&'static str, u64)> {
    let mut dims: Vec<(&'static str, u64)> = vec![
        ("hidden size", a.hidden as u64),
        ("attention heads", a.n_heads as u64),
        ("head dim", a.head_dim as u64),
        ("FFN width", a.ffn as u64),
    ];
    if let Some(m) = &a.moe {
        dims.extend([
            ("experts", m.experts as u64),
            ("experts per token", m.experts_per_token as u64),
            ("shared experts", m.shared_experts as u64),
            ("expert FFN width", m.expert_ffn as u64),
            (
                "shared expert FFN width",
                m.shared_expert_ffn.unwrap_or(0) as u64,
            ),
            ("dense layers", m.dense_layers as u64),
        ]);
    }
    if let Some(m) = &a.mla {
        dims.extend([
            ("q_lora_rank", m.q_lora_rank.unwrap_or(0) as u64),
            ("kv_lora_rank", m.kv_lora_rank as u64),
            ("qk_nope_head_dim", m.qk_nope_head_dim as u64),
            ("qk_rope_head_dim", m.qk_rope_head_dim as u64),
            ("v_head_dim", m.v_head_dim as u64),
        ]);
    }
    if let Some(l) = &a.linear {
        dims.extend([
            ("linear key heads", l.num_key_heads as u64),
            ("linear value heads", l.num_value_heads as u64),
            ("linear key head dim", l.key_head_dim as u64),
            ("linear value head dim", l.value_head_dim as u64),
            ("conv kernel", l.conv_kernel as u64),
        ]);
    }
    dims
}

/// Appends each layer's dimensions; a recurrent state too large to be real
/// is refused at once (it has no dimension to cap).
fn layer_dims(a: &ModelArch, dims: &mut Vec<(&'static str, u64)>) -> Result<(), String> {
    for l in &a.layers {
        match *l {
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
                dims.extend([
                    ("KV heads", kv_heads as u64),
                    ("K head dim", head_dim_k as u64),
                    ("V head dim", head_dim_v as u64),
                ]);
            }
            LayerAttention::Mla {
                kv_lora_rank,
                rope_dim,
            } => {
                dims.extend([
                    ("kv_lora_rank", kv_lora_rank as u64),
                    ("rope dim", rope_dim as u64),
                ]);
            }
            LayerAttention::Recurrent {
                state_elems,
                conv_elems,
            } => {
                if state_elems > 1 << 40 || conv_elems > 1 << 40 {
                    return Err(format!("recurrent state of {state_elems}+{conv_elems} values per layer is not plausible"));
                }
            }
        }
    }
    Ok(())
}

/// An upper bound of the parameters
/// [`tensor_plan`](rigsize_core::tensors::tensor_plan) rebuilds, computed
/// with checked arithmetic (`None` on overflow): every rebuilt tensor has one
/// side at most `small` (hidden, LoRA ranks, head widths) and the other at
/// most `big`, with at most 16 tensors a layer.
pub(crate) fn rebuild_bound(a: &ModelArch) -> Option<u64> {
    let h = a.hidden as u64;
    let heads = a.n_heads as u64;
    let mut small = h.max(a.head_dim as u64).max(a.ffn as u64);
    let mut big = h
        .max(a.ffn as u64)
        .max(heads.checked_mul(a.head_dim as u64)?.checked_mul(2)?);
    if let Some(m) = &a.moe {
        small = small
            .max(m.expert_ffn as u64)
            .max(m.shared_expert_ffn.unwrap_or(0) as u64);
        big = big
            .max((m.expert_ffn as u64).checked_mul(m.experts as u64)?)
            .max((m.shared_experts as u64).checked_mul(m.expert_ffn as u64)?)
            .max(h.checked_mul(m.experts as u64)?);
    }
    if let Some(d) = &a.mla {
        let qk = (d.qk_nope_head_dim as u64) + (d.qk_rope_head_dim as u64);
        small = small
            .max(d.q_lora_rank.unwrap_or(0) as u64)
            .max(d.kv_lora_rank as u64 + d.qk_rope_head_dim as u64);
        big = big
            .max(heads.checked_mul(qk)?)
            .max(heads.checked_mul(d.qk_nope_head_dim as u64 + d.v_head_dim as u64)?)
            .max(heads.checked_mul(d.v_head_dim as u64)?);
    }
    if let Some(l) = &a.linear {
        let kd = (l.num_key_heads as u64).checked_mul(l.key_head_dim as u64)?;
        let vd = (l.num_value_heads as u64).checked_mul(l.value_head_dim as u64)?;
        small = small.max(vd).max(l.conv_kernel as u64);
        big = big.max(kd.checked_mul(2)?.checked_add(vd.checked_mul(2)?)?);
    }
    for l in &a.layers {
        let (k, v) = l.kv_elems_per_token();
        big = big.max(k).max(v);
    }
    let per_layer = small.checked_mul(big)?.checked_mul(16)?;
    let layers = per_layer.checked_mul(a.layers.len() as u64)?;
    let embd = h.checked_mul(a.vocab as u64)?.checked_mul(2)?;
    layers.checked_add(embd)
}
