//! What a model is, as far as memory and speed care: its layers, what each
//! layer caches per token, and how many parameters it reads per token.
//!
//! A [`ModelArch`] comes from the catalog (a cited config.json), from a GGUF
//! header or from a Hugging Face config; the memory and speed models only see
//! this type, so every source is treated alike.

use serde::{Deserialize, Serialize};

use crate::dtype::DType;
use crate::error::CoreError;
use crate::units::{MAX_CONTEXT_TOKENS, MAX_STREAMS};

/// The most layers a model record may have: the GGUF importer's cap. The
/// deepest model in the catalog (data/models*.toml) has 126 layers; a count far beyond is a
/// typo or a hostile file, and the per-layer list is sized by it.
pub const MAX_LAYERS: u32 = 4096;

/// What one layer keeps per sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayerAttention {
    /// Full causal attention: K and V for every token of the context.
    Full {
        kv_heads: u32,
        head_dim_k: u32,
        head_dim_v: u32,
    },
    /// Sliding-window attention: K and V for the last `window` tokens only.
    Sliding {
        kv_heads: u32,
        head_dim_k: u32,
        head_dim_v: u32,
        window: u32,
    },
    /// Multi-head latent attention (DeepSeek): one compressed latent of
    /// `kv_lora_rank` plus the decoupled RoPE key of `rope_dim` per token,
    /// no per-head K/V.
    Mla { kv_lora_rank: u32, rope_dim: u32 },
    /// Linear attention / recurrent layer (Gated DeltaNet, Mamba): a fixed
    /// state per sequence that does not grow with context.
    Recurrent {
        /// Elements of the recurrent (matrix) state per sequence.
        state_elems: u64,
        /// Elements of the short-convolution state per sequence.
        conv_elems: u64,
    },
}

impl LayerAttention {
    /// Elements cached per token for K and V (each), before element size;
    /// zero for recurrent layers.
    pub fn kv_elems_per_token(&self) -> (u64, u64) {
        match *self {
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
            } => (
                kv_heads as u64 * head_dim_k as u64,
                kv_heads as u64 * head_dim_v as u64,
            ),
            // The latent and the RoPE key form one cached row; V is read
            // back from the latent, so nothing else is stored.
            LayerAttention::Mla {
                kv_lora_rank,
                rope_dim,
            } => (kv_lora_rank as u64 + rope_dim as u64, 0),
            LayerAttention::Recurrent { .. } => (0, 0),
        }
    }

    pub fn short_name(&self) -> &'static str {
        match self {
            LayerAttention::Full { .. } => "full",
            LayerAttention::Sliding { .. } => "sliding",
            LayerAttention::Mla { .. } => "mla",
            LayerAttention::Recurrent { .. } => "recurrent",
        }
    }
}

/// Mixture-of-experts layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moe {
    /// Routed experts per MoE layer.
    pub experts: u32,
    /// Routed experts used per token.
    pub experts_per_token: u32,
    /// Always-active shared experts per MoE layer.
    pub shared_experts: u32,
    /// Hidden width of one routed expert.
    pub expert_ffn: u32,
    /// Hidden width of the shared expert(s) together, when it differs from
    /// `shared_experts × expert_ffn` (Qwen3-Next).
    pub shared_expert_ffn: Option<u32>,
    /// Leading layers with a dense FFN instead of experts (DeepSeek's
    /// `first_k_dense_replace`).
    pub dense_layers: u32,
}

/// Extra dimensions of MLA models that only the weight count needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlaDims {
    pub q_lora_rank: Option<u32>,
    pub kv_lora_rank: u32,
    pub qk_nope_head_dim: u32,
    pub qk_rope_head_dim: u32,
    pub v_head_dim: u32,
}

/// Dimensions of linear-attention (Gated DeltaNet) layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearDims {
    pub num_key_heads: u32,
    pub num_value_heads: u32,
    pub key_head_dim: u32,
    pub value_head_dim: u32,
    pub conv_kernel: u32,
}

impl LinearDims {
    /// Recurrent state elements per layer per sequence: one key×value matrix
    /// per value head.
    pub fn state_elems(&self) -> u64 {
        self.num_value_heads as u64 * self.key_head_dim as u64 * self.value_head_dim as u64
    }
    /// Convolution state per layer per sequence: (kernel − 1) past inputs of
    /// the q, k and v projections.
    pub fn conv_elems(&self) -> u64 {
        let conv_dim = 2 * self.num_key_heads as u64 * self.key_head_dim as u64
            + self.num_value_heads as u64 * self.value_head_dim as u64;
        (self.conv_kernel.saturating_sub(1)) as u64 * conv_dim
    }
}

/// The vision side of a vision-language model: the encoder (vision tower
/// plus projector, llama.cpp's `mmproj` file) and how many tokens an image
/// becomes. Images add encoder memory and prompt tokens; text-only records
/// have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisionEncoder {
    /// Parameters of the vision tower and projector.
    pub encoder_params: u64,
    /// Tokens one image becomes at `reference_resolution_px`.
    pub tokens_per_image: u32,
    /// Square image edge, pixels, that `tokens_per_image` is for.
    pub reference_resolution_px: u32,
    /// Dynamic-resolution models (Qwen2.5-VL: 28×28 = 784): one token per
    /// this many pixels at any size; `None` for fixed-size encoders, which
    /// resize every image to the reference size.
    pub pixels_per_token: Option<u32>,
}

impl VisionEncoder {
    /// Tokens one square image of `edge_px` pixels becomes: fixed-size
    /// encoders always give `tokens_per_image`; dynamic ones one token per
    /// `pixels_per_token` pixels (at least one).
    pub fn tokens_for_image(&self, edge_px: u32) -> u64 {
        match self.pixels_per_token {
            Some(ppt) if ppt > 0 => ((edge_px as u64 * edge_px as u64) / ppt as u64).max(1),
            _ => self.tokens_per_image as u64,
        }
    }
}

/// A model's architecture and size, whatever it was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelArch {
    pub id: String,
    pub name: String,
    /// Architecture family (`llama`, `qwen3moe`, `gpt_oss`, …).
    pub family: String,
    /// Every parameter stored (all experts, embeddings, output head once if tied).
    pub params_total: u64,
    /// Parameters used per token, embeddings and output head included.
    pub params_active: u64,
    /// Parameters *read* per decoded token: active minus the input embedding
    /// (a lookup reads one row), the output head included.
    pub params_active_decode: u64,
    pub hidden: u32,
    pub n_heads: u32,
    pub head_dim: u32,
    pub vocab: u32,
    pub tied_embeddings: bool,
    /// Dense FFN width (dense models and the dense layers of MoE models).
    pub ffn: u32,
    pub moe: Option<Moe>,
    pub mla: Option<MlaDims>,
    pub linear: Option<LinearDims>,
    /// One entry per layer, in order.
    pub layers: Vec<LayerAttention>,
    /// DeepSeek Sparse Attention indexer key width per layer (cached per token).
    pub indexer_head_dim: Option<u32>,
    /// Context the model was trained for.
    pub native_context: u64,
    /// Context reachable with the documented extension (YaRN…), if any.
    pub extended_context: Option<u64>,
    /// The dtype the weights were released in (bf16, fp8, mxfp4…).
    pub native_dtype: DType,
    /// The vision encoder of a vision-language model, `None` for text-only.
    #[serde(default)]
    pub vision: Option<VisionEncoder>,
}

impl ModelArch {
    pub fn n_layers(&self) -> u32 {
        self.layers.len() as u32
    }

    pub fn is_moe(&self) -> bool {
        self.moe.is_some()
    }

    /// The largest context the model supports (extended if documented).
    pub fn max_context(&self) -> u64 {
        self.extended_context
            .unwrap_or(self.native_context)
            .max(self.native_context)
    }

    pub fn count_layers(&self, kind: &str) -> usize {
        self.layers
            .iter()
            .filter(|l| l.short_name() == kind)
            .count()
    }

    /// Checks the record for contradictions that would make every estimate
    /// wrong (zero layers, KV heads above heads…).
    pub fn validate(&self) -> Result<(), CoreError> {
        self.contradiction()
            .map_err(|why| CoreError::InconsistentModel {
                model: self.id.clone(),
                why,
            })
    }

    /// The first contradiction found, checks in a fixed order so the same
    /// record always gets the same message.
    fn contradiction(&self) -> Result<(), String> {
        self.check_sizes()?;
        for (i, l) in self.layers.iter().enumerate() {
            self.check_layer(i, l)?;
        }
        if let Some(m) = &self.moe {
            if m.experts_per_token == 0 || m.experts_per_token > m.experts {
                return Err(format!(
                    "{} experts per token out of {} experts",
                    m.experts_per_token, m.experts
                ));
            }
        }
        if self.native_context == 0 {
            return Err("native context is zero".into());
        }
        if let Some(v) = &self.vision {
            check_vision(v)?;
        }
        self.check_bounds()?;
        self.check_cache_size()
    }

    /// Layer count, parameter totals, hidden size and vocabulary.
    fn check_sizes(&self) -> Result<(), String> {
        if self.layers.is_empty() {
            return Err("it has no layers".into());
        }
        if self.params_total == 0 {
            return Err("params_total is zero".into());
        }
        if self.params_active > self.params_total {
            return Err(format!(
                "active parameters ({}) exceed total parameters ({})",
                self.params_active, self.params_total
            ));
        }
        if self.params_active_decode > self.params_active {
            return Err("params_active_decode exceeds params_active".into());
        }
        if self.hidden == 0 || self.vocab == 0 {
            return Err("hidden size and vocabulary must be positive".into());
        }
        Ok(())
    }

    /// One layer's heads, MLA rank and window.
    fn check_layer(&self, i: usize, l: &LayerAttention) -> Result<(), String> {
        match *l {
            LayerAttention::Full {
                kv_heads,
                head_dim_k,
                ..
            }
            | LayerAttention::Sliding {
                kv_heads,
                head_dim_k,
                ..
            } => {
                if kv_heads == 0 || head_dim_k == 0 {
                    return Err(format!("layer {i} has zero KV heads or head_dim"));
                }
                if self.n_heads > 0 && kv_heads > self.n_heads {
                    return Err(format!(
                        "layer {i} has {kv_heads} KV heads but only {} attention heads",
                        self.n_heads
                    ));
                }
            }
            LayerAttention::Mla {
                kv_lora_rank: 0, ..
            } => {
                return Err(format!("layer {i} is MLA with kv_lora_rank 0"));
            }
            _ => {}
        }
        if let LayerAttention::Sliding { window: 0, .. } = l {
            return Err(format!("layer {i} has a sliding window of 0"));
        }
        Ok(())
    }

    /// Caps that keep the weight sums inside their integer types.
    fn check_bounds(&self) -> Result<(), String> {
        if self.layers.len() > MAX_LAYERS as usize {
            return Err(format!(
                "{} layers; at most {MAX_LAYERS} are accepted",
                self.layers.len()
            ));
        }
        // The embedding table is part of the parameters: a record that says
        // otherwise has a wrong hidden size or vocabulary (and hidden × vocab
        // could overflow the weight sums).
        if self.hidden as u128 * self.vocab as u128 > self.params_total as u128 {
            return Err(format!(
                "hidden {} × vocab {} exceeds the {} parameters",
                self.hidden, self.vocab, self.params_total
            ));
        }
        Ok(())
    }

    /// Every cache byte count is at most f32 × (per-token values ×
    /// MAX_CONTEXT_TOKENS + recurrent state) × MAX_STREAMS; keep it 16×
    /// inside u64 so that sums over loads and devices cannot overflow.
    fn check_cache_size(&self) -> Result<(), String> {
        let (mut per_token, mut per_seq) = (0u128, 0u128);
        for l in &self.layers {
            let (k, v) = l.kv_elems_per_token();
            per_token += k as u128 + v as u128;
            if let LayerAttention::Recurrent {
                state_elems,
                conv_elems,
            } = *l
            {
                per_seq += state_elems as u128 + conv_elems as u128;
            }
        }
        per_token += self.indexer_head_dim.unwrap_or(0) as u128 * self.layers.len() as u128;
        let worst = 4 * (per_token * MAX_CONTEXT_TOKENS as u128 + per_seq) * MAX_STREAMS as u128;
        if worst > (u64::MAX / 16) as u128 {
            return Err(format!(
                "{per_token} cached values per token and {per_seq} of recurrent state per sequence are implausibly large"
            ));
        }
        Ok(())
    }
}

/// A vision encoder with a zero size would divide by zero or hide the images.
fn check_vision(v: &VisionEncoder) -> Result<(), String> {
    if v.encoder_params == 0 || v.tokens_per_image == 0 || v.reference_resolution_px == 0 {
        return Err(
            "vision: encoder_params, tokens_per_image and reference_resolution_px must be positive"
                .into(),
        );
    }
    if v.pixels_per_token == Some(0) {
        return Err("vision: pixels_per_token must be positive".into());
    }
    Ok(())
}

/// Expands a layer pattern such as `"SF"` (sliding, full, repeated) over
/// `n_layers` layers. Letters: `F` full, `S` sliding, `L` linear/recurrent,
/// `M` MLA. The pattern repeats from layer 0; a trailing partial repeat is
/// kept (Gemma-3-27B: 62 layers of `SSSSSF` end with two sliding layers).
pub fn expand_pattern(pattern: &str, n_layers: u32) -> Result<Vec<char>, String> {
    let letters: Vec<char> = pattern
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if letters.is_empty() {
        return Err("the layer pattern is empty".into());
    }
    if n_layers > MAX_LAYERS {
        return Err(format!(
            "{n_layers} layers; at most {MAX_LAYERS} are accepted"
        ));
    }
    if let Some(c) = letters.iter().find(|c| !matches!(c, 'F' | 'S' | 'L' | 'M')) {
        return Err(format!(
            "layer pattern letter '{c}' is not one of F (full), S (sliding), L (linear), M (MLA)"
        ));
    }
    Ok((0..n_layers as usize)
        .map(|i| letters[i % letters.len()])
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemma_pattern_keeps_the_partial_tail() {
        let p = expand_pattern("SSSSSF", 62).unwrap();
        assert_eq!(p.iter().filter(|c| **c == 'F').count(), 10);
        assert_eq!(p.iter().filter(|c| **c == 'S').count(), 52);
        assert_eq!(p[5], 'F');
        assert_eq!(p[61], 'S');
    }

    #[test]
    fn gpt_oss_pattern_starts_sliding() {
        let p = expand_pattern("SF", 36).unwrap();
        assert_eq!(p[0], 'S');
        assert_eq!(p[1], 'F');
        assert_eq!(p.iter().filter(|c| **c == 'F').count(), 18);
    }

    #[test]
    fn bad_pattern_letters_are_named() {
        assert!(expand_pattern("FX", 4).unwrap_err().contains("'X'"));
        assert!(expand_pattern("", 4).is_err());
    }

    #[test]
    fn qwen3_next_linear_state_matches_notes() {
        // models_notes.md: 36 DeltaNet layers hold 19.76 M elements per sequence.
        let d = LinearDims {
            num_key_heads: 16,
            num_value_heads: 32,
            key_head_dim: 128,
            value_head_dim: 128,
            conv_kernel: 4,
        };
        assert_eq!(d.state_elems(), 524_288);
        assert_eq!(d.conv_elems(), 3 * 8192);
        assert_eq!(36 * (d.state_elems() + d.conv_elems()), 19_759_104);
    }
}
