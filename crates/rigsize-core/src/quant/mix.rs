//! llama.cpp's per-tensor type rules for GGUF files (`llama_tensor_get_type`,
//! src/llama-quant.cpp), kept apart from the scheme names because they are
//! the one part of quantization that mirrors another project's code.

use crate::dtype::DType;
use crate::model::ModelArch;
use crate::tensors::{TensorRole, TensorSpec};

use super::GgufFtype;

/// llama.cpp's `use_more_bits`: the first and last eighth of the layers and
/// every third layer between get more bits.
pub fn use_more_bits(i_layer: u64, n_layers: u64) -> bool {
    i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2
}

pub(super) fn assign_gguf(ftype: GgufFtype, model: &ModelArch, plan: &[TensorSpec]) -> Vec<DType> {
    let mut mix = GgufMix::new(ftype, model, plan);
    plan.iter().map(|t| mix.tensor_type(t)).collect()
}

/// The type a GGUF ftype gives every tensor its rules do not single out.
fn default_type(ftype: GgufFtype) -> DType {
    use GgufFtype as F;
    match ftype {
        F::F32 => DType::F32,
        F::F16 => DType::F16,
        F::BF16 => DType::BF16,
        F::Q8_0 => DType::Q8_0,
        F::Q6_K => DType::Q6_K,
        F::Q5_K_M | F::Q5_K_S => DType::Q5_K,
        F::Q5_0 => DType::Q5_0,
        F::Q5_1 => DType::Q5_1,
        F::Q4_K_M | F::Q4_K_S => DType::Q4_K,
        F::Q4_0 => DType::Q4_0,
        F::Q4_1 => DType::Q4_1,
        F::Q3_K_L | F::Q3_K_M | F::Q3_K_S => DType::Q3_K,
        F::Q2_K => DType::Q2_K,
        F::IQ4_XS => DType::IQ4_XS,
        F::IQ4_NL => DType::IQ4_NL,
        F::MXFP4_MOE => DType::MXFP4,
    }
}

/// Heads per KV head of the first attention layer (1 without one): llama.cpp
/// gives `attn_v` more bits when it is shared by 4 heads or more.
fn n_gqa(model: &ModelArch) -> u32 {
    model
        .layers
        .iter()
        .find_map(|l| match l {
            crate::model::LayerAttention::Full { kv_heads, .. }
            | crate::model::LayerAttention::Sliding { kv_heads, .. } => {
                Some(model.n_heads / (*kv_heads).max(1))
            }
            _ => None,
        })
        .unwrap_or(1)
}

/// The state of llama.cpp's `llama_tensor_get_type` over one file: what it
/// knows of the model, and the running `attn_v` / `ffn_down` counters, which
/// is why tensors must be visited in plan order.
struct GgufMix {
    ftype: GgufFtype,
    default: DType,
    float_file: bool,
    n_layers: u64,
    n_expert: u32,
    n_gqa: u32,
    has_output: bool,
    is_70b: bool,
    n_attn_v: u64,
    i_attn_v: u64,
    n_ffn_down_dense: u64,
    i_ffn_down_dense: u64,
}

impl GgufMix {
    fn new(ftype: GgufFtype, model: &ModelArch, plan: &[TensorSpec]) -> GgufMix {
        use GgufFtype as F;
        use TensorRole as R;
        let n_layers = model.n_layers() as u64;
        let n_expert = model.moe.as_ref().map(|m| m.experts).unwrap_or(0);
        GgufMix {
            ftype,
            default: default_type(ftype),
            float_file: matches!(ftype, F::F32 | F::F16 | F::BF16),
            n_layers,
            n_expert,
            n_gqa: n_gqa(model),
            has_output: plan.iter().any(|t| t.role == R::Output),
            // llama.cpp's LLM_TYPE_70B: 80-layer dense Llama / Qwen2 models.
            is_70b: n_layers == 80
                && n_expert == 0
                && matches!(model.family.as_str(), "llama" | "qwen2"),
            // attn_v layers are counted in order of appearance, like
            // qs.i_attention_wv.
            n_attn_v: plan.iter().filter(|t| t.role == R::AttnV).count() as u64,
            i_attn_v: 0,
            n_ffn_down_dense: plan.iter().filter(|t| t.role == R::FfnDown).count() as u64,
            i_ffn_down_dense: 0,
        }
    }

    /// The type of the next tensor of the plan.
    fn tensor_type(&mut self, t: &TensorSpec) -> DType {
        use GgufFtype as F;
        use TensorRole as R;
        // 1-D tensors and the tensors llama.cpp never quantizes stay F32.
        if t.is_vector() || matches!(t.role, R::Norm | R::Unquantized) {
            return DType::F32;
        }
        if self.float_file {
            return self.default;
        }
        let is_output = t.role == R::Output || (!self.has_output && t.role == R::TokenEmbd);
        let ty = if is_output {
            self.output_type(t)
        } else if self.ftype == F::MXFP4_MOE {
            // MXFP4_MOE: experts MXFP4, every other matrix Q8_0.
            if t.role.is_routed_expert() {
                DType::MXFP4
            } else {
                DType::Q8_0
            }
        } else {
            self.matrix_type(t)
        };
        fallback_if_incompatible(ty, t.row_len)
    }

    /// The output head (or the tied embedding standing in for it).
    fn output_type(&self, t: &TensorSpec) -> DType {
        if self.ftype == GgufFtype::MXFP4_MOE || !t.row_len.is_multiple_of(256) {
            DType::Q8_0
        } else if self.default != DType::Q8_0 {
            DType::Q6_K
        } else {
            self.default
        }
    }

    /// The per-role upgrades of the K-quant mixes.
    fn matrix_type(&mut self, t: &TensorSpec) -> DType {
        use GgufFtype as F;
        use TensorRole as R;
        let ty = self.default;
        match t.role {
            R::AttnV => self.attn_v_type(),
            R::AttnK if self.n_expert == 8 => DType::Q8_0,
            R::FfnDown | R::FfnDownExps | R::FfnDownShexp => self.ffn_down_type(t),
            R::AttnOutput => self.attn_output_type(),
            R::AttnQkv => match self.ftype {
                F::Q3_K_M | F::Q3_K_L => DType::Q4_K,
                F::Q4_K_M => DType::Q5_K,
                F::Q5_K_M => DType::Q6_K,
                _ => ty,
            },
            _ => ty,
        }
    }

    fn attn_v_type(&mut self) -> DType {
        use GgufFtype as F;
        let (i, n_gqa) = (self.i_attn_v, self.n_gqa);
        let more = use_more_bits(i, self.n_attn_v);
        let mut ty = match self.ftype {
            F::Q2_K if n_gqa >= 4 => DType::Q4_K,
            F::Q2_K => DType::Q3_K,
            F::Q3_K_M if i < 2 => DType::Q5_K,
            F::Q3_K_M => DType::Q4_K,
            F::Q3_K_L => DType::Q5_K,
            F::IQ4_NL | F::IQ4_XS if n_gqa >= 4 => DType::Q5_K,
            F::Q4_K_M | F::Q5_K_M if more => DType::Q6_K,
            F::Q4_K_S if i < 4 => DType::Q5_K,
            _ => self.default,
        };
        // LLM_TYPE_70B: 8 heads share each attn_v row, so more bits cost
        // little.
        if self.is_70b && matches!(ty, DType::Q3_K | DType::Q4_K) {
            ty = DType::Q5_K;
        }
        if self.n_expert == 8 {
            ty = DType::Q8_0;
        }
        self.i_attn_v += 1;
        ty
    }

    fn ffn_down_type(&mut self, t: &TensorSpec) -> DType {
        use GgufFtype as F;
        // Dense models count ffn_down tensors in order; MoE models read the
        // layer from the name (layer_info).
        let (i, n) = if self.n_expert > 1 {
            (t.layer.unwrap_or(0) as u64, self.n_layers)
        } else {
            let i = self.i_ffn_down_dense;
            self.i_ffn_down_dense += 1;
            (i, self.n_ffn_down_dense)
        };
        match self.ftype {
            F::Q2_K => DType::Q3_K,
            // non-Falcon: every other layer gets Q4_K too
            F::Q3_K_M if i < n / 16 => DType::Q5_K,
            F::Q3_K_M => DType::Q4_K,
            F::Q3_K_L => DType::Q5_K,
            F::Q4_K_M | F::Q5_K_M if use_more_bits(i, n) => DType::Q6_K,
            F::IQ4_NL | F::IQ4_XS if i < n / 8 => DType::Q5_K,
            F::Q4_K_S if i < n / 8 => DType::Q5_K,
            _ => self.default,
        }
    }

    fn attn_output_type(&self) -> DType {
        use GgufFtype as F;
        let ftype = self.ftype;
        if self.n_expert == 8
            && matches!(
                ftype,
                F::Q2_K | F::Q3_K_S | F::Q3_K_M | F::IQ4_NL | F::Q4_K_S | F::Q4_K_M | F::IQ4_XS
            )
        {
            DType::Q5_K
        } else if self.n_expert != 8 && matches!(ftype, F::Q2_K) {
            DType::Q3_K
        } else if self.n_expert != 8 && matches!(ftype, F::Q3_K_M) {
            DType::Q4_K
        } else if self.n_expert != 8 && matches!(ftype, F::Q3_K_L) {
            DType::Q5_K
        } else {
            self.default
        }
    }
}

/// llama.cpp's fallback when a row is not a multiple of the type's block
/// (e.g. a 2880-wide gpt-oss row cannot hold Q4_K's 256-value blocks).
fn fallback_if_incompatible(ty: DType, row_len: u64) -> DType {
    let block = ty.layout().block_elems;
    if row_len.is_multiple_of(block) {
        return ty;
    }
    let fallback = match ty {
        DType::Q2_K | DType::Q3_K | DType::IQ4_XS => DType::IQ4_NL,
        DType::Q4_K => DType::Q5_0,
        DType::Q5_K => DType::Q5_1,
        DType::Q6_K => DType::Q8_0,
        _ => DType::F16,
    };
    if row_len.is_multiple_of(fallback.layout().block_elems) {
        fallback
    } else {
        DType::F16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incompatible_rows_fall_back() {
        assert_eq!(fallback_if_incompatible(DType::Q4_K, 2880), DType::Q5_0);
        assert_eq!(fallback_if_incompatible(DType::Q6_K, 2880), DType::Q8_0);
        assert_eq!(fallback_if_incompatible(DType::Q4_K, 4096), DType::Q4_K);
    }
}
