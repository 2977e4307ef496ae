//! Tensor names to [`TensorRole`]s: llama.cpp's GGUF names
//! (`blk.N.attn_q.weight`) and Hugging Face's safetensors names
//! (`model.layers.N.self_attn.q_proj.weight`).

use rigsize_core::tensors::TensorRole;

/// Role and layer of a GGUF tensor name.
pub fn gguf_role(name: &str) -> (TensorRole, Option<u32>) {
    use TensorRole as R;
    let base = name
        .strip_suffix(".weight")
        .or_else(|| name.strip_suffix(".bias"))
        .or_else(|| name.strip_suffix(".scale"))
        .unwrap_or(name);
    let (layer, rest) = match base.strip_prefix("blk.") {
        Some(r) => match r.split_once('.') {
            Some((n, rest)) => (n.parse::<u32>().ok(), rest),
            None => (None, r),
        },
        None => (None, base),
    };
    let role = match rest {
        "token_embd" => R::TokenEmbd,
        "output" => R::Output,
        _ if rest.contains("norm") => R::Norm,
        "attn_q" => R::AttnQ,
        "attn_k" => R::AttnK,
        "attn_v" => R::AttnV,
        "attn_qkv" => R::AttnQkv,
        "attn_output" | "attn_out" => R::AttnOutput,
        "attn_q_a" | "attn_q_b" | "attn_kv_a_mqa" | "attn_kv_b" | "attn_k_b" | "attn_v_b" => {
            R::AttnLatent
        }
        "ffn_gate_exps" => R::FfnGateExps,
        "ffn_up_exps" | "ffn_gate_up_exps" => R::FfnUpExps,
        "ffn_down_exps" => R::FfnDownExps,
        "ffn_gate_shexp" => R::FfnGateShexp,
        "ffn_up_shexp" => R::FfnUpShexp,
        "ffn_down_shexp" => R::FfnDownShexp,
        "ffn_gate" => R::FfnGate,
        "ffn_up" => R::FfnUp,
        "ffn_down" => R::FfnDown,
        "ssm_conv1d" | "ssm_a" | "ssm_d" | "ssm_dt" | "ssm_beta_alpha" => R::Unquantized,
        _ if rest.starts_with("ssm_") => R::Ssm,
        _ if rest.starts_with("ffn_gate_inp") || rest.starts_with("exp_probs") => R::Unquantized,
        "attn_sinks" | "rope_freqs" | "attn_k_b_trans" => R::Unquantized,
        // Old GGUFs store one tensor per expert: blk.N.ffn_gate.E.weight.
        _ => match rest.split_once('.') {
            Some(("ffn_gate", e)) if e.parse::<u32>().is_ok() => R::FfnGateExps,
            Some(("ffn_up", e)) if e.parse::<u32>().is_ok() => R::FfnUpExps,
            Some(("ffn_down", e)) if e.parse::<u32>().is_ok() => R::FfnDownExps,
            _ => R::Other,
        },
    };
    (role, layer)
}

/// Role and layer of a Hugging Face tensor name.
pub fn hf_role(name: &str) -> (TensorRole, Option<u32>) {
    use TensorRole as R;
    let lname = name.to_ascii_lowercase();
    let layer = lname
        .split('.')
        .collect::<Vec<_>>()
        .windows(2)
        .find_map(|w| {
            if w[0] == "layers" || w[0] == "h" || w[0] == "blocks" {
                w[1].parse::<u32>().ok()
            } else {
                None
            }
        });
    let has = |s: &str| lname.contains(s);
    let role = if has("visual") || has("vision") || has("multi_modal_projector") || has("audio") {
        R::Other
    } else if has("embed_tokens") || has("wte.") || lname.ends_with("tok_embeddings.weight") {
        R::TokenEmbd
    } else if lname.starts_with("lm_head") || lname.ends_with("output.weight") && layer.is_none() {
        R::Output
    } else if has("norm") {
        R::Norm
    } else if has("shared_expert_gate")
        || has(".router")
        || lname.ends_with("mlp.gate.weight")
        || has("e_score_correction")
        || has("sinks")
    {
        R::Unquantized
    } else if has("shared_expert") {
        if has("gate_proj") {
            R::FfnGateShexp
        } else if has("up_proj") {
            R::FfnUpShexp
        } else {
            R::FfnDownShexp
        }
    } else if has(".experts.") || has("block_sparse_moe.experts") {
        if has("gate_up_proj") || has("up_proj") || has("w3") {
            R::FfnUpExps
        } else if has("gate_proj") || has("w1") {
            R::FfnGateExps
        } else {
            R::FfnDownExps
        }
    } else if has("q_a_proj") || has("q_b_proj") || has("kv_a_proj") || has("kv_b_proj") {
        R::AttnLatent
    } else if has("linear_attn") || has("mixer") {
        if has("conv1d") || lname.ends_with("a_log") || lname.ends_with("dt_bias") {
            R::Unquantized
        } else {
            R::Ssm
        }
    } else if has("q_proj") {
        R::AttnQ
    } else if has("k_proj") {
        R::AttnK
    } else if has("v_proj") {
        R::AttnV
    } else if has("qkv_proj") || has("query_key_value") {
        R::AttnQkv
    } else if has("o_proj") || has("self_attn.dense") {
        R::AttnOutput
    } else if has("gate_up_proj") {
        R::FfnUp
    } else if has("gate_proj") {
        R::FfnGate
    } else if has("up_proj") {
        R::FfnUp
    } else if has("down_proj") {
        R::FfnDown
    } else {
        R::Other
    };
    (role, layer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TensorRole as R;

    #[test]
    fn gguf_names() {
        assert_eq!(gguf_role("token_embd.weight"), (R::TokenEmbd, None));
        assert_eq!(gguf_role("output.weight"), (R::Output, None));
        assert_eq!(gguf_role("output_norm.weight"), (R::Norm, None));
        assert_eq!(gguf_role("blk.3.attn_q.weight"), (R::AttnQ, Some(3)));
        assert_eq!(gguf_role("blk.3.attn_q.bias"), (R::AttnQ, Some(3)));
        assert_eq!(
            gguf_role("blk.10.ffn_down_exps.weight"),
            (R::FfnDownExps, Some(10))
        );
        assert_eq!(
            gguf_role("blk.1.ffn_gate_inp.weight"),
            (R::Unquantized, Some(1))
        );
        assert_eq!(gguf_role("blk.1.attn_kv_a_norm.weight"), (R::Norm, Some(1)));
        assert_eq!(
            gguf_role("blk.1.attn_kv_b.weight"),
            (R::AttnLatent, Some(1))
        );
        assert_eq!(gguf_role("blk.2.ffn_up.7.weight"), (R::FfnUpExps, Some(2)));
        assert_eq!(
            gguf_role("blk.2.ssm_conv1d.weight"),
            (R::Unquantized, Some(2))
        );
        assert_eq!(gguf_role("blk.2.ssm_out.weight"), (R::Ssm, Some(2)));
        assert_eq!(
            gguf_role("blk.2.ffn_gate_shexp.weight"),
            (R::FfnGateShexp, Some(2))
        );
    }

    #[test]
    fn hf_names() {
        assert_eq!(hf_role("model.embed_tokens.weight"), (R::TokenEmbd, None));
        assert_eq!(hf_role("lm_head.weight"), (R::Output, None));
        assert_eq!(
            hf_role("model.layers.4.self_attn.k_proj.weight"),
            (R::AttnK, Some(4))
        );
        assert_eq!(
            hf_role("model.layers.4.mlp.experts.17.down_proj.weight"),
            (R::FfnDownExps, Some(4))
        );
        assert_eq!(
            hf_role("model.layers.4.mlp.gate.weight"),
            (R::Unquantized, Some(4))
        );
        assert_eq!(
            hf_role("model.layers.4.mlp.shared_experts.up_proj.weight"),
            (R::FfnUpShexp, Some(4))
        );
        assert_eq!(
            hf_role("model.layers.0.input_layernorm.weight"),
            (R::Norm, Some(0))
        );
        assert_eq!(
            hf_role("model.layers.0.mlp.down_proj.weight"),
            (R::FfnDown, Some(0))
        );
        assert_eq!(
            hf_role("model.layers.0.mlp.experts.gate_up_proj_blocks"),
            (R::FfnUpExps, Some(0))
        );
    }
}
