//! Storage types of weights and KV cache, with their real block layouts.
//!
//! A quantized tensor is stored in blocks: `block_elems` values take
//! `block_bytes` bytes, scales included. The GGML figures are those of
//! `ggml/src/ggml.c` `type_traits` (and `ggml-common.h` block structs); the
//! non-GGML formats (FP8, NVFP4, AWQ/GPTQ int4) are described the same way so
//! every size is one formula: `ceil(n / block_elems) × block_bytes`.

use serde::{Deserialize, Serialize};

use crate::error::{closest, CoreError};

/// A storage type. The GGML variants carry their on-disk type id.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    F32,
    F16,
    BF16,
    F64,
    I8,
    I16,
    I32,
    I64,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q8_1,
    Q2_K,
    Q3_K,
    Q4_K,
    Q5_K,
    Q6_K,
    Q8_K,
    IQ1_S,
    IQ1_M,
    IQ2_XXS,
    IQ2_XS,
    IQ2_S,
    IQ3_XXS,
    IQ3_S,
    IQ4_NL,
    IQ4_XS,
    TQ1_0,
    TQ2_0,
    MXFP4,
    /// FP8 (e4m3) with one fp32 scale per 128×128 block (DeepSeek / Qwen FP8
    /// checkpoints); per-tensor-scaled FP8 is the same to within bytes.
    FP8,
    /// NVIDIA FP4: e2m1 values, one fp8 scale per 16 values (plus one fp32
    /// per tensor, ignored).
    NVFP4,
    /// AWQ / GPTQ 4-bit, group size 128: 4-bit values, an fp16 scale and a
    /// 4-bit zero point per group.
    INT4_G128,
    /// MLX affine 4-bit, group 64: 32 B of values + fp16 scale + fp16 bias.
    MLX_Q4,
    MLX_Q5,
    MLX_Q6,
    MLX_Q8,
    /// MLX affine 4-bit, group 32.
    MLX_Q4_G32,
    MLX_Q5_G32,
}

/// Block layout of a storage type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockLayout {
    pub block_elems: u64,
    pub block_bytes: u64,
}

impl DType {
    /// Every type, in GGML id order first, for listings and error messages.
    pub const ALL: [DType; 41] = [
        DType::F32,
        DType::F16,
        DType::Q4_0,
        DType::Q4_1,
        DType::Q5_0,
        DType::Q5_1,
        DType::Q8_0,
        DType::Q8_1,
        DType::Q2_K,
        DType::Q3_K,
        DType::Q4_K,
        DType::Q5_K,
        DType::Q6_K,
        DType::Q8_K,
        DType::IQ2_XXS,
        DType::IQ2_XS,
        DType::IQ3_XXS,
        DType::IQ1_S,
        DType::IQ4_NL,
        DType::IQ3_S,
        DType::IQ2_S,
        DType::IQ4_XS,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F64,
        DType::IQ1_M,
        DType::BF16,
        DType::TQ1_0,
        DType::TQ2_0,
        DType::MXFP4,
        DType::FP8,
        DType::NVFP4,
        DType::INT4_G128,
        DType::MLX_Q4,
        DType::MLX_Q5,
        DType::MLX_Q6,
        DType::MLX_Q8,
        DType::MLX_Q4_G32,
        DType::MLX_Q5_G32,
    ];

    /// Block layout. Sizes from ggml-common.h: e.g. `block_q4_0` is an fp16
    /// scale + 16 bytes of nibbles = 18 B per 32 weights; `block_q4_K` is
    /// 2×fp16 + 12 B scales + 128 B = 144 B per 256.
    pub fn layout(self) -> BlockLayout {
        let (block_elems, block_bytes) = match self {
            DType::F32 => (1, 4),
            DType::F16 | DType::BF16 => (1, 2),
            DType::F64 => (1, 8),
            DType::I8 => (1, 1),
            DType::I16 => (1, 2),
            DType::I32 => (1, 4),
            DType::I64 => (1, 8),
            DType::Q4_0 => (32, 18),
            DType::Q4_1 => (32, 20),
            DType::Q5_0 => (32, 22),
            DType::Q5_1 => (32, 24),
            DType::Q8_0 => (32, 34),
            DType::Q8_1 => (32, 36),
            DType::Q2_K => (256, 84),
            DType::Q3_K => (256, 110),
            DType::Q4_K => (256, 144),
            DType::Q5_K => (256, 176),
            DType::Q6_K => (256, 210),
            DType::Q8_K => (256, 292),
            DType::IQ1_S => (256, 50),
            DType::IQ1_M => (256, 56),
            DType::IQ2_XXS => (256, 66),
            DType::IQ2_XS => (256, 74),
            DType::IQ2_S => (256, 82),
            DType::IQ3_XXS => (256, 98),
            DType::IQ3_S => (256, 110),
            DType::IQ4_NL => (32, 18),
            DType::IQ4_XS => (256, 136),
            DType::TQ1_0 => (256, 54),
            DType::TQ2_0 => (256, 66),
            DType::MXFP4 => (32, 17),
            DType::FP8 => (128 * 128, 128 * 128 + 4),
            DType::NVFP4 => (16, 9),
            // two groups of 128: 2×64 B values + 2×2 B scales + 1 B of two zeros
            DType::INT4_G128 => (256, 133),
            DType::MLX_Q4 => (64, 36),
            DType::MLX_Q5 => (64, 44),
            DType::MLX_Q6 => (64, 52),
            DType::MLX_Q8 => (64, 68),
            DType::MLX_Q4_G32 => (32, 20),
            DType::MLX_Q5_G32 => (32, 24),
        };
        BlockLayout {
            block_elems,
            block_bytes,
        }
    }

    /// Bytes for `n` values. Rows are whole blocks in every real format, so a
    /// partial block is rounded up rather than silently dropped.
    pub fn bytes_for(self, n: u64) -> u64 {
        let l = self.layout();
        n.div_ceil(l.block_elems) * l.block_bytes
    }

    /// Bits per weight, for display ("Q4_K_M ≈ 4.9 bpw").
    pub fn bits_per_weight(self) -> f64 {
        let l = self.layout();
        l.block_bytes as f64 * 8.0 / l.block_elems as f64
    }

    /// GGML's type id as written in GGUF tensor infos, `None` for non-GGML formats.
    pub fn ggml_id(self) -> Option<u32> {
        Some(match self {
            DType::F32 => 0,
            DType::F16 => 1,
            DType::Q4_0 => 2,
            DType::Q4_1 => 3,
            DType::Q5_0 => 6,
            DType::Q5_1 => 7,
            DType::Q8_0 => 8,
            DType::Q8_1 => 9,
            DType::Q2_K => 10,
            DType::Q3_K => 11,
            DType::Q4_K => 12,
            DType::Q5_K => 13,
            DType::Q6_K => 14,
            DType::Q8_K => 15,
            DType::IQ2_XXS => 16,
            DType::IQ2_XS => 17,
            DType::IQ3_XXS => 18,
            DType::IQ1_S => 19,
            DType::IQ4_NL => 20,
            DType::IQ3_S => 21,
            DType::IQ2_S => 22,
            DType::IQ4_XS => 23,
            DType::I8 => 24,
            DType::I16 => 25,
            DType::I32 => 26,
            DType::I64 => 27,
            DType::F64 => 28,
            DType::IQ1_M => 29,
            DType::BF16 => 30,
            DType::TQ1_0 => 34,
            DType::TQ2_0 => 35,
            DType::MXFP4 => 39,
            DType::FP8
            | DType::NVFP4
            | DType::INT4_G128
            | DType::MLX_Q4
            | DType::MLX_Q5
            | DType::MLX_Q6
            | DType::MLX_Q8
            | DType::MLX_Q4_G32
            | DType::MLX_Q5_G32 => return None,
        })
    }

    /// The type with GGML id `id`, as read from a GGUF tensor info.
    pub fn from_ggml_id(id: u32) -> Option<DType> {
        DType::ALL.iter().copied().find(|t| t.ggml_id() == Some(id))
    }

    /// The lower-case name used on the command line and in GGUF tools ("q4_k").
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::F64 => "f64",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::Q4_0 => "q4_0",
            DType::Q4_1 => "q4_1",
            DType::Q5_0 => "q5_0",
            DType::Q5_1 => "q5_1",
            DType::Q8_0 => "q8_0",
            DType::Q8_1 => "q8_1",
            DType::Q2_K => "q2_k",
            DType::Q3_K => "q3_k",
            DType::Q4_K => "q4_k",
            DType::Q5_K => "q5_k",
            DType::Q6_K => "q6_k",
            DType::Q8_K => "q8_k",
            DType::IQ1_S => "iq1_s",
            DType::IQ1_M => "iq1_m",
            DType::IQ2_XXS => "iq2_xxs",
            DType::IQ2_XS => "iq2_xs",
            DType::IQ2_S => "iq2_s",
            DType::IQ3_XXS => "iq3_xxs",
            DType::IQ3_S => "iq3_s",
            DType::IQ4_NL => "iq4_nl",
            DType::IQ4_XS => "iq4_xs",
            DType::TQ1_0 => "tq1_0",
            DType::TQ2_0 => "tq2_0",
            DType::MXFP4 => "mxfp4",
            DType::FP8 => "fp8",
            DType::NVFP4 => "nvfp4",
            DType::INT4_G128 => "int4_g128",
            DType::MLX_Q4 => "mlx_q4",
            DType::MLX_Q5 => "mlx_q5",
            DType::MLX_Q6 => "mlx_q6",
            DType::MLX_Q8 => "mlx_q8",
            DType::MLX_Q4_G32 => "mlx_q4_g32",
            DType::MLX_Q5_G32 => "mlx_q5_g32",
        }
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Element type of the KV cache (`-ctk` / `-ctv` in llama.cpp,
/// `--kv-cache-dtype` in vLLM).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvType {
    F32,
    F16,
    BF16,
    /// 8-bit float (vLLM `fp8`, e4m3 or e5m2): 1 byte per element.
    FP8,
    Q8_0,
    Q5_0,
    Q5_1,
    Q4_0,
    Q4_1,
    IQ4_NL,
}

impl KvType {
    pub const ALL: [KvType; 10] = [
        KvType::F32,
        KvType::F16,
        KvType::BF16,
        KvType::FP8,
        KvType::Q8_0,
        KvType::Q5_0,
        KvType::Q5_1,
        KvType::Q4_0,
        KvType::Q4_1,
        KvType::IQ4_NL,
    ];

    /// The storage type behind the KV element type.
    pub fn dtype(self) -> DType {
        match self {
            KvType::F32 => DType::F32,
            KvType::F16 => DType::F16,
            KvType::BF16 => DType::BF16,
            KvType::FP8 => DType::I8,
            KvType::Q8_0 => DType::Q8_0,
            KvType::Q5_0 => DType::Q5_0,
            KvType::Q5_1 => DType::Q5_1,
            KvType::Q4_0 => DType::Q4_0,
            KvType::Q4_1 => DType::Q4_1,
            KvType::IQ4_NL => DType::IQ4_NL,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            KvType::FP8 => "fp8",
            other => other.dtype().name(),
        }
    }

    /// Bytes for one row of `n` elements (one token's K or V in one layer).
    pub fn row_bytes(self, n: u64) -> u64 {
        self.dtype().bytes_for(n)
    }

    pub fn parse(s: &str) -> Result<KvType, CoreError> {
        let key = s.trim().to_ascii_lowercase().replace('-', "_");
        let key = match key.as_str() {
            "fp16" | "float16" | "half" => "f16",
            "fp32" | "float32" => "f32",
            "bfloat16" => "bf16",
            "fp8_e4m3" | "fp8_e5m2" | "fp8e4m3" | "q8" => {
                if key == "q8" {
                    "q8_0"
                } else {
                    "fp8"
                }
            }
            other => other,
        };
        KvType::ALL
            .iter()
            .copied()
            .find(|t| t.name() == key)
            .ok_or_else(|| CoreError::Unknown {
                what: "KV cache type".into(),
                value: s.to_string(),
                suggestions: closest(s, KvType::ALL.iter().map(|t| t.name()), 2),
                known: KvType::ALL.iter().map(|t| t.name().to_string()).collect(),
            })
    }
}

impl std::fmt::Display for KvType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ggml_block_sizes_match_ggml_common_h() {
        assert_eq!(DType::Q4_0.bytes_for(32), 18);
        assert_eq!(DType::Q8_0.bytes_for(32), 34);
        assert_eq!(DType::Q4_K.bytes_for(256), 144);
        assert_eq!(DType::Q5_K.bytes_for(256), 176);
        assert_eq!(DType::Q6_K.bytes_for(256), 210);
        assert_eq!(DType::MXFP4.bytes_for(32), 17);
        assert!((DType::Q4_K.bits_per_weight() - 4.5).abs() < 1e-12);
        assert!((DType::Q6_K.bits_per_weight() - 6.5625).abs() < 1e-12);
        assert!((DType::MXFP4.bits_per_weight() - 4.25).abs() < 1e-12);
    }

    #[test]
    fn ggml_ids_round_trip() {
        for t in DType::ALL {
            if let Some(id) = t.ggml_id() {
                assert_eq!(DType::from_ggml_id(id), Some(t));
            }
        }
        assert_eq!(DType::from_ggml_id(12), Some(DType::Q4_K));
        assert_eq!(
            DType::from_ggml_id(4),
            None,
            "ids 4 and 5 were removed from ggml"
        );
    }

    #[test]
    fn kv_types_parse_and_size() {
        assert_eq!(KvType::parse("q8_0").unwrap(), KvType::Q8_0);
        assert_eq!(KvType::parse("F16").unwrap(), KvType::F16);
        assert_eq!(KvType::parse("fp8_e4m3").unwrap(), KvType::FP8);
        assert_eq!(KvType::Q8_0.row_bytes(128), 136);
        assert_eq!(KvType::F16.row_bytes(128), 256);
        assert_eq!(KvType::FP8.row_bytes(128), 128);
        let err = KvType::parse("q9_0").unwrap_err().to_string();
        assert!(err.contains("q8_0"), "{err}");
    }
}
