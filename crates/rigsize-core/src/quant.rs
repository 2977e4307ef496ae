//! Quantization schemes: which storage type each tensor gets.
//!
//! The GGUF K-quant mixes follow llama.cpp's `llama_tensor_get_type`
//! (src/llama-quant.cpp): e.g. Q4_K_M stores the output head at Q6_K and the
//! `attn_v` / `ffn_down` tensors of the layers picked by `use_more_bits` at
//! Q6_K, with a fallback type where a row is not a multiple of 256. The
//! Hugging Face formats (FP8, AWQ/GPTQ, NVFP4, MXFP4) quantize the linear
//! layers and keep embeddings, output head, routers and norms in BF16.

use serde::{Deserialize, Serialize};

use crate::dtype::DType;
use crate::error::{closest, CoreError};
use crate::model::ModelArch;
use crate::tensors::{TensorRole, TensorSpec};

/// A file-level quantization choice (`--quant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantScheme {
    /// Every tensor in one GGUF type (`F16`, `Q8_0`, `Q4_0`…), output head
    /// as llama.cpp's rules say.
    Gguf(GgufFtype),
    /// Hugging Face / vLLM formats.
    Bf16,
    Fp8,
    Int4Awq,
    Nvfp4,
    /// gpt-oss' native release: MXFP4 experts, everything else BF16.
    Mxfp4Moe,
    /// MLX affine quantization, `bits` per weight with an fp16 scale and bias
    /// per group (mlx_lm quantizes embeddings and the head too).
    Mlx {
        bits: u8,
        group: u8,
    },
}

/// llama.cpp file types (`llama_ftype`), the ones people download.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GgufFtype {
    F32,
    F16,
    BF16,
    Q8_0,
    Q6_K,
    Q5_K_M,
    Q5_K_S,
    Q5_0,
    Q5_1,
    Q4_K_M,
    Q4_K_S,
    Q4_0,
    Q4_1,
    Q3_K_L,
    Q3_K_M,
    Q3_K_S,
    Q2_K,
    IQ4_XS,
    IQ4_NL,
    /// `MXFP4_MOE`: experts MXFP4, the rest Q8_0 (llama-quantize).
    MXFP4_MOE,
}

/// Names accepted by `--quant`, with what they mean.
pub const QUANT_NAMES: &[(&str, &str)] = &[
    ("f32", "GGUF F32"),
    ("f16", "GGUF F16"),
    ("bf16", "BF16 (GGUF or safetensors)"),
    ("q8_0", "GGUF Q8_0"),
    ("q6_k", "GGUF Q6_K"),
    ("q5_k_m", "GGUF Q5_K_M"),
    ("q5_k_s", "GGUF Q5_K_S"),
    ("q5_0", "GGUF Q5_0"),
    ("q5_1", "GGUF Q5_1"),
    ("q4_k_m", "GGUF Q4_K_M"),
    ("q4_k_s", "GGUF Q4_K_S"),
    ("q4_0", "GGUF Q4_0"),
    ("q4_1", "GGUF Q4_1"),
    ("q3_k_l", "GGUF Q3_K_L"),
    ("q3_k_m", "GGUF Q3_K_M"),
    ("q3_k_s", "GGUF Q3_K_S"),
    ("q2_k", "GGUF Q2_K"),
    ("iq4_xs", "GGUF IQ4_XS"),
    ("iq4_nl", "GGUF IQ4_NL"),
    ("mxfp4", "MXFP4 experts (gpt-oss GGUF: rest Q8_0)"),
    (
        "mxfp4-bf16",
        "MXFP4 experts, rest BF16 (gpt-oss safetensors)",
    ),
    ("fp8", "FP8 e4m3, 128x128 block scales (vLLM/SGLang)"),
    ("awq", "AWQ/GPTQ int4, group 128"),
    ("nvfp4", "NVFP4 (Blackwell)"),
    ("mlx-4bit", "MLX 4-bit, group 64"),
    ("mlx-5bit", "MLX 5-bit, group 64"),
    ("mlx-6bit", "MLX 6-bit, group 64"),
    ("mlx-8bit", "MLX 8-bit, group 64"),
];

impl QuantScheme {
    /// Parses `--quant`. Also accepts common spellings from file names
    /// (`Q4_K_M`, `UD-Q4_K_XL` is *not* guessed: it is a different mix).
    pub fn parse(s: &str) -> Result<QuantScheme, CoreError> {
        use GgufFtype as G;
        let key = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let scheme = match key.as_str() {
            "f32" | "fp32" => QuantScheme::Gguf(G::F32),
            "f16" | "fp16" => QuantScheme::Gguf(G::F16),
            "bf16" => QuantScheme::Bf16,
            "gguf_bf16" => QuantScheme::Gguf(G::BF16),
            "q8_0" | "q8" => QuantScheme::Gguf(G::Q8_0),
            "q6_k" | "q6" => QuantScheme::Gguf(G::Q6_K),
            "q5_k_m" | "q5_k" => QuantScheme::Gguf(G::Q5_K_M),
            "q5_k_s" => QuantScheme::Gguf(G::Q5_K_S),
            "q5_0" => QuantScheme::Gguf(G::Q5_0),
            "q5_1" => QuantScheme::Gguf(G::Q5_1),
            "q4_k_m" | "q4_k" | "q4" => QuantScheme::Gguf(G::Q4_K_M),
            "q4_k_s" => QuantScheme::Gguf(G::Q4_K_S),
            "q4_0" => QuantScheme::Gguf(G::Q4_0),
            "q4_1" => QuantScheme::Gguf(G::Q4_1),
            "q3_k_l" => QuantScheme::Gguf(G::Q3_K_L),
            "q3_k_m" | "q3_k" => QuantScheme::Gguf(G::Q3_K_M),
            "q3_k_s" => QuantScheme::Gguf(G::Q3_K_S),
            "q2_k" => QuantScheme::Gguf(G::Q2_K),
            "iq4_xs" => QuantScheme::Gguf(G::IQ4_XS),
            "iq4_nl" => QuantScheme::Gguf(G::IQ4_NL),
            "mxfp4" | "mxfp4_moe" => QuantScheme::Gguf(G::MXFP4_MOE),
            "mxfp4_bf16" => QuantScheme::Mxfp4Moe,
            "fp8" | "fp8_e4m3" | "f8" => QuantScheme::Fp8,
            "awq" | "gptq" | "int4" | "w4a16" => QuantScheme::Int4Awq,
            "nvfp4" | "fp4" => QuantScheme::Nvfp4,
            "mlx_4bit" | "4bit" => QuantScheme::Mlx { bits: 4, group: 64 },
            "mlx_5bit" | "5bit" => QuantScheme::Mlx { bits: 5, group: 64 },
            "mlx_6bit" | "6bit" => QuantScheme::Mlx { bits: 6, group: 64 },
            "mlx_8bit" | "8bit" => QuantScheme::Mlx { bits: 8, group: 64 },
            "mlx_4bit_g32" | "4bit_g32" => QuantScheme::Mlx { bits: 4, group: 32 },
            "mlx_5bit_g32" | "5bit_g32" => QuantScheme::Mlx { bits: 5, group: 32 },
            _ => {
                return Err(CoreError::Unknown {
                    what: "quantization".into(),
                    value: s.to_string(),
                    suggestions: closest(s, QUANT_NAMES.iter().map(|(n, _)| *n), 3),
                    known: QUANT_NAMES.iter().map(|(n, _)| n.to_string()).collect(),
                })
            }
        };
        Ok(scheme)
    }

    /// The canonical name, as accepted by [`QuantScheme::parse`].
    pub fn name(&self) -> String {
        match self {
            QuantScheme::Gguf(GgufFtype::MXFP4_MOE) => "mxfp4".into(),
            QuantScheme::Gguf(GgufFtype::BF16) => "gguf-bf16".into(),
            QuantScheme::Gguf(f) => format!("{f:?}").to_ascii_lowercase(),
            QuantScheme::Bf16 => "bf16".into(),
            QuantScheme::Fp8 => "fp8".into(),
            QuantScheme::Int4Awq => "awq".into(),
            QuantScheme::Nvfp4 => "nvfp4".into(),
            QuantScheme::Mxfp4Moe => "mxfp4-bf16".into(),
            QuantScheme::Mlx { bits, group: 64 } => format!("mlx-{bits}bit"),
            QuantScheme::Mlx { bits, group } => format!("mlx-{bits}bit-g{group}"),
        }
    }

    pub fn is_gguf(&self) -> bool {
        matches!(self, QuantScheme::Gguf(_))
    }

    /// The type each tensor gets under this scheme, in plan order.
    pub fn assign(&self, model: &ModelArch, plan: &[TensorSpec]) -> Vec<DType> {
        match self {
            QuantScheme::Gguf(ftype) => assign_gguf(*ftype, model, plan),
            _ => plan.iter().map(|t| self.hf_type(t)).collect(),
        }
    }

    fn hf_type(&self, t: &TensorSpec) -> DType {
        use TensorRole as R;
        let keep_high =
            t.is_vector() || matches!(t.role, R::TokenEmbd | R::Output | R::Norm | R::Unquantized);
        let linear = match self {
            QuantScheme::Bf16 => DType::BF16,
            QuantScheme::Fp8 => DType::FP8,
            QuantScheme::Int4Awq => DType::INT4_G128,
            QuantScheme::Nvfp4 => DType::NVFP4,
            QuantScheme::Mxfp4Moe => {
                if t.role.is_routed_expert() {
                    DType::MXFP4
                } else {
                    DType::BF16
                }
            }
            QuantScheme::Mlx { bits, group } => {
                // mlx_lm quantizes the embedding and head as well.
                if t.is_vector() || matches!(t.role, R::Norm | R::Unquantized) {
                    return DType::BF16;
                }
                return mlx_dtype(*bits, *group);
            }
            QuantScheme::Gguf(_) => unreachable!("GGUF schemes use assign_gguf"),
        };
        if keep_high {
            DType::BF16
        } else {
            linear
        }
    }
}

impl std::fmt::Display for QuantScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// MLX affine quantization as a block layout: `group` values of `bits` bits
/// plus an fp16 scale and an fp16 bias.
fn mlx_dtype(bits: u8, group: u8) -> DType {
    match (bits, group) {
        (4, 32) => DType::MLX_Q4_G32,
        (5, 32) => DType::MLX_Q5_G32,
        (4, _) => DType::MLX_Q4,
        (5, _) => DType::MLX_Q5,
        (6, _) => DType::MLX_Q6,
        _ => DType::MLX_Q8,
    }
}

/// llama.cpp's `use_more_bits`: the first and last eighth of the layers and
/// every third layer between get more bits.
pub fn use_more_bits(i_layer: u64, n_layers: u64) -> bool {
    i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2
}

fn assign_gguf(ftype: GgufFtype, model: &ModelArch, plan: &[TensorSpec]) -> Vec<DType> {
    use GgufFtype as F;
    use TensorRole as R;
    let default = match ftype {
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
    };
    let float_file = matches!(ftype, F::F32 | F::F16 | F::BF16);
    let n_layers = model.n_layers() as u64;
    let n_expert = model.moe.as_ref().map(|m| m.experts).unwrap_or(0);
    let n_gqa = model
        .layers
        .iter()
        .find_map(|l| match l {
            crate::model::LayerAttention::Full { kv_heads, .. }
            | crate::model::LayerAttention::Sliding { kv_heads, .. } => {
                Some(model.n_heads / (*kv_heads).max(1))
            }
            _ => None,
        })
        .unwrap_or(1);
    let has_output = plan.iter().any(|t| t.role == R::Output);
    // llama.cpp's LLM_TYPE_70B: 80-layer dense Llama / Qwen2 models.
    let is_70b =
        n_layers == 80 && n_expert == 0 && matches!(model.family.as_str(), "llama" | "qwen2");
    // attn_v layers are counted in order of appearance, like qs.i_attention_wv.
    let n_attn_v = plan.iter().filter(|t| t.role == R::AttnV).count() as u64;
    let mut i_attn_v = 0u64;
    let mut i_ffn_down_dense = 0u64;
    let n_ffn_down_dense = plan.iter().filter(|t| t.role == R::FfnDown).count() as u64;

    plan.iter()
        .map(|t| {
            // 1-D tensors and the tensors llama.cpp never quantizes stay F32.
            if t.is_vector() || matches!(t.role, R::Norm | R::Unquantized) {
                return DType::F32;
            }
            if float_file {
                return default;
            }
            let is_output = t.role == R::Output || (!has_output && t.role == R::TokenEmbd);
            let mut ty = default;
            if is_output {
                ty = if ftype == F::MXFP4_MOE || t.row_len % 256 != 0 {
                    DType::Q8_0
                } else if default != DType::Q8_0 {
                    DType::Q6_K
                } else {
                    default
                };
            } else if ftype == F::MXFP4_MOE {
                // MXFP4_MOE: experts MXFP4, every other matrix Q8_0.
                ty = if t.role.is_routed_expert() {
                    DType::MXFP4
                } else {
                    DType::Q8_0
                };
            } else {
                match t.role {
                    R::AttnV => {
                        let more = use_more_bits(i_attn_v, n_attn_v);
                        ty = match ftype {
                            F::Q2_K if n_gqa >= 4 => DType::Q4_K,
                            F::Q2_K => DType::Q3_K,
                            F::Q3_K_M if i_attn_v < 2 => DType::Q5_K,
                            F::Q3_K_M => DType::Q4_K,
                            F::Q3_K_L => DType::Q5_K,
                            F::IQ4_NL | F::IQ4_XS if n_gqa >= 4 => DType::Q5_K,
                            F::Q4_K_M | F::Q5_K_M if more => DType::Q6_K,
                            F::Q4_K_S if i_attn_v < 4 => DType::Q5_K,
                            _ => ty,
                        };
                        // LLM_TYPE_70B: 8 heads share each attn_v row, so
                        // more bits cost little.
                        if is_70b && matches!(ty, DType::Q3_K | DType::Q4_K) {
                            ty = DType::Q5_K;
                        }
                        if n_expert == 8 {
                            ty = DType::Q8_0;
                        }
                        i_attn_v += 1;
                    }
                    R::AttnK if n_expert == 8 => ty = DType::Q8_0,
                    R::FfnDown | R::FfnDownExps | R::FfnDownShexp => {
                        // Dense models count ffn_down tensors in order; MoE
                        // models read the layer from the name (layer_info).
                        let (i, n) = if n_expert > 1 {
                            (t.layer.unwrap_or(0) as u64, n_layers)
                        } else {
                            let i = i_ffn_down_dense;
                            i_ffn_down_dense += 1;
                            (i, n_ffn_down_dense)
                        };
                        ty = match ftype {
                            F::Q2_K => DType::Q3_K,
                            // non-Falcon: every other layer gets Q4_K too
                            F::Q3_K_M if i < n / 16 => DType::Q5_K,
                            F::Q3_K_M => DType::Q4_K,
                            F::Q3_K_L => DType::Q5_K,
                            F::Q4_K_M | F::Q5_K_M if use_more_bits(i, n) => DType::Q6_K,
                            F::IQ4_NL | F::IQ4_XS if i < n / 8 => DType::Q5_K,
                            F::Q4_K_S if i < n / 8 => DType::Q5_K,
                            _ => ty,
                        };
                    }
                    R::AttnOutput => {
                        if n_expert == 8
                            && matches!(
                                ftype,
                                F::Q2_K
                                    | F::Q3_K_S
                                    | F::Q3_K_M
                                    | F::IQ4_NL
                                    | F::Q4_K_S
                                    | F::Q4_K_M
                                    | F::IQ4_XS
                            )
                        {
                            ty = DType::Q5_K;
                        } else if n_expert != 8 && matches!(ftype, F::Q2_K) {
                            ty = DType::Q3_K;
                        } else if n_expert != 8 && matches!(ftype, F::Q3_K_M) {
                            ty = DType::Q4_K;
                        } else if n_expert != 8 && matches!(ftype, F::Q3_K_L) {
                            ty = DType::Q5_K;
                        }
                    }
                    R::AttnQkv => {
                        ty = match ftype {
                            F::Q3_K_M | F::Q3_K_L => DType::Q4_K,
                            F::Q4_K_M => DType::Q5_K,
                            F::Q5_K_M => DType::Q6_K,
                            _ => ty,
                        };
                    }
                    _ => {}
                }
            }
            fallback_if_incompatible(ty, t.row_len)
        })
        .collect()
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
    fn use_more_bits_picks_half_the_layers() {
        let n = 32;
        let picked: Vec<u64> = (0..n).filter(|i| use_more_bits(*i, n)).collect();
        // first 4, last 4, and every third in between starting at 6
        assert_eq!(&picked[..5], &[0, 1, 2, 3, 6]);
        assert!(picked.contains(&28) && picked.contains(&31));
        assert_eq!(picked.len(), 16);
    }

    #[test]
    fn parse_suggests_close_names() {
        assert_eq!(
            QuantScheme::parse("Q4_K_M").unwrap(),
            QuantScheme::Gguf(GgufFtype::Q4_K_M)
        );
        let e = QuantScheme::parse("q4_k_z").unwrap_err().to_string();
        assert!(e.contains("q4_k_m") || e.contains("q4_k_s"), "{e}");
        for (name, _) in QUANT_NAMES {
            let q = QuantScheme::parse(name).unwrap();
            assert_eq!(QuantScheme::parse(&q.name()).unwrap(), q, "{name}");
        }
    }

    #[test]
    fn incompatible_rows_fall_back() {
        assert_eq!(fallback_if_incompatible(DType::Q4_K, 2880), DType::Q5_0);
        assert_eq!(fallback_if_incompatible(DType::Q6_K, 2880), DType::Q8_0);
        assert_eq!(fallback_if_incompatible(DType::Q4_K, 4096), DType::Q4_K);
    }
}
