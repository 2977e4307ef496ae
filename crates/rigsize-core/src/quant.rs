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

mod mix;

use mix::assign_gguf;
pub use mix::use_more_bits;

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
}
