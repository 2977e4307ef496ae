//! `data/models.toml`: one `[[model]]` per architecture, read strictly
//! (unknown keys are errors, so a typo never silently drops a fact).

use rigsize_core::dtype::DType;
use rigsize_core::model::{
    expand_pattern, LayerAttention, LinearDims, MlaDims, ModelArch, Moe, VisionEncoder,
};
use serde::{Deserialize, Serialize};

use crate::error::CatalogError;

#[derive(Debug, Deserialize)]
struct ModelsFile {
    #[serde(default)]
    model: Vec<ModelToml>,
}

/// The on-disk shape of one model record.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelToml {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub family: String,
    #[serde(default)]
    pub hf_repo: Option<String>,
    /// Parameters in billions, as counted from the config (see models_notes).
    pub params_total_b: f64,
    pub params_active_b: f64,
    /// Active minus the input embedding: what a decoded token reads.
    pub params_active_decode_b: f64,
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    pub kv_heads: u32,
    pub head_dim: u32,
    #[serde(default)]
    pub head_dim_v: Option<u32>,
    pub vocab: u32,
    pub tie_embeddings: bool,
    /// Dense FFN width (`intermediate_size` where it is used).
    pub ffn: u32,
    /// Per-layer attention kinds, repeated from layer 0: F full, S sliding,
    /// L linear/recurrent, M MLA.
    pub layer_pattern: String,
    #[serde(default)]
    pub sliding_window: Option<u32>,
    /// Full-attention (F) layers of a mixed S/F model whose KV heads differ
    /// from the sliding layers' (Gemma 4: 16 sliding vs 4 global KV heads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_kv_heads: Option<u32>,
    /// As `full_kv_heads`, for the K (and V) head width (Gemma 4: 512 vs 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_head_dim: Option<u32>,
    pub native_context: u64,
    #[serde(default)]
    pub extended_context: Option<u64>,
    pub native_dtype: String,
    /// The research's figure for the growing layers' KV per token at 16 bit,
    /// kept to cross-check the formula (tests recompute it).
    #[serde(default)]
    pub kv_bytes_per_token_fp16: Option<u64>,
    #[serde(default)]
    pub kv_sliding_bytes_per_token_fp16: Option<u64>,
    #[serde(default)]
    pub moe: Option<MoeToml>,
    #[serde(default)]
    pub mla: Option<MlaToml>,
    #[serde(default)]
    pub linear: Option<LinearToml>,
    #[serde(default)]
    pub indexer_head_dim: Option<u32>,
    /// `[model.vision]`: the vision encoder of a vision-language model.
    #[serde(default)]
    pub vision: Option<VisionToml>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub release_date: Option<String>,
    pub source: String,
    pub verified: bool,
    #[serde(default)]
    pub unverified_fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Written by `rigsize catalog add` from an imported config, not
    /// reviewed against a model card: every output that uses it says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub user_added: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MoeToml {
    pub experts: u32,
    pub experts_per_token: u32,
    #[serde(default)]
    pub shared_experts: u32,
    pub expert_ffn: u32,
    #[serde(default)]
    pub shared_expert_ffn: Option<u32>,
    #[serde(default)]
    pub dense_layers: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MlaToml {
    #[serde(default)]
    pub q_lora_rank: Option<u32>,
    pub kv_lora_rank: u32,
    pub qk_nope_head_dim: u32,
    pub qk_rope_head_dim: u32,
    pub v_head_dim: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinearToml {
    pub num_key_heads: u32,
    pub num_value_heads: u32,
    pub key_head_dim: u32,
    pub value_head_dim: u32,
    pub conv_kernel: u32,
}

/// `[model.vision]`: what images cost a vision-language model.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VisionToml {
    /// Vision tower + projector, billions of parameters (the `mmproj` file).
    pub encoder_params_b: f64,
    /// Tokens one image becomes at `reference_resolution_px`.
    pub tokens_per_image: u32,
    /// Square edge, pixels, the `tokens_per_image` figure is for.
    pub reference_resolution_px: u32,
    /// Dynamic-resolution models: pixels per token (Qwen2.5-VL: 28×28 = 784).
    #[serde(default)]
    pub pixels_per_token: Option<u32>,
    /// Where the figures come from (config.json `vision_config`, model card).
    pub source: String,
}

impl VisionToml {
    fn to_encoder(&self) -> Result<VisionEncoder, String> {
        if self.source.trim().is_empty() {
            return Err("[model.vision] has no source".into());
        }
        if !(self.encoder_params_b.is_finite() && self.encoder_params_b > 0.0) {
            return Err(format!(
                "[model.vision] encoder_params_b must be a positive number of billions, got {}",
                self.encoder_params_b
            ));
        }
        Ok(VisionEncoder {
            encoder_params: billions(self.encoder_params_b),
            tokens_per_image: self.tokens_per_image,
            reference_resolution_px: self.reference_resolution_px,
            pixels_per_token: self.pixels_per_token,
        })
    }
}

/// A model as the catalog knows it: the architecture plus provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelRecord {
    pub arch: ModelArch,
    pub aliases: Vec<String>,
    pub hf_repo: Option<String>,
    pub license: Option<String>,
    pub release_date: Option<String>,
    pub source: String,
    pub verified: bool,
    pub unverified_fields: Vec<String>,
    pub notes: Option<String>,
    /// Written by `rigsize catalog add` (see [`ModelToml::user_added`]).
    pub user_added: bool,
    /// Cited KV bytes per token (growing, sliding) at 16 bit, when the source gives them.
    pub cited_kv_per_token_fp16: (Option<u64>, Option<u64>),
}

impl ModelRecord {
    /// The line every report using a `rigsize catalog add` record carries,
    /// so a figure read by the importer is never mistaken for a reviewed one.
    pub fn user_added_note(&self) -> Option<String> {
        self.user_added.then(|| {
            format!(
                "model {}: user-added record, not reviewed ({})",
                self.arch.id, self.source
            )
        })
    }
}

fn billions(b: f64) -> u64 {
    (b * 1e9).round() as u64
}

fn parse_dtype(s: &str) -> Option<DType> {
    DType::ALL
        .iter()
        .copied()
        .find(|t| t.name() == s.to_ascii_lowercase())
}

impl ModelToml {
    /// Builds the core architecture, checking what TOML cannot.
    pub fn to_record(&self) -> Result<ModelRecord, String> {
        let layers = self.layers()?;
        self.check_layer_keys(&layers)?;
        let arch = self.arch(layers)?;
        arch.validate().map_err(|e| e.to_string())?;
        Ok(ModelRecord {
            arch,
            aliases: self.aliases.clone(),
            hf_repo: self.hf_repo.clone(),
            license: self.license.clone(),
            release_date: self.release_date.clone(),
            source: self.source.clone(),
            verified: self.verified,
            unverified_fields: self.unverified_fields.clone(),
            notes: self.notes.clone(),
            user_added: self.user_added,
            cited_kv_per_token_fp16: (
                self.kv_bytes_per_token_fp16,
                self.kv_sliding_bytes_per_token_fp16,
            ),
        })
    }

    /// One attention entry per layer from `layer_pattern`; each letter needs
    /// its own table (window, `[model.mla]`, `[model.linear]`).
    fn layers(&self) -> Result<Vec<LayerAttention>, String> {
        let letters = expand_pattern(&self.layer_pattern, self.layers)?;
        let head_dim_v = self.head_dim_v.unwrap_or(self.head_dim);
        let mut layers = Vec::with_capacity(letters.len());
        for c in letters {
            layers.push(self.layer(c, head_dim_v)?);
        }
        Ok(layers)
    }

    /// The layer a pattern letter stands for; any letter other than F, S and
    /// M is linear, since `expand_pattern` admits only those four.
    fn layer(&self, c: char, head_dim_v: u32) -> Result<LayerAttention, String> {
        Ok(match c {
            'F' => LayerAttention::Full {
                kv_heads: self.full_kv_heads.unwrap_or(self.kv_heads),
                head_dim_k: self.full_head_dim.unwrap_or(self.head_dim),
                head_dim_v: self.full_head_dim.unwrap_or(head_dim_v),
            },
            'S' => LayerAttention::Sliding {
                kv_heads: self.kv_heads,
                head_dim_k: self.head_dim,
                head_dim_v,
                window: self
                    .sliding_window
                    .ok_or("layer_pattern has S layers but sliding_window is not set")?,
            },
            'M' => {
                let m = self
                    .mla
                    .as_ref()
                    .ok_or("layer_pattern has M layers but [model.mla] is missing")?;
                LayerAttention::Mla {
                    kv_lora_rank: m.kv_lora_rank,
                    rope_dim: m.qk_rope_head_dim,
                }
            }
            _ => {
                let l = self
                    .linear
                    .as_ref()
                    .ok_or("layer_pattern has L layers but [model.linear] is missing")?;
                let d = linear_dims(l);
                LayerAttention::Recurrent {
                    state_elems: d.state_elems(),
                    conv_elems: d.conv_elems(),
                }
            }
        })
    }

    /// Keys that only mean something for some layer kinds must not be set
    /// where the pattern lacks those layers: they would be silently ignored.
    fn check_layer_keys(&self, layers: &[LayerAttention]) -> Result<(), String> {
        let sliding = layers
            .iter()
            .any(|l| matches!(l, LayerAttention::Sliding { .. }));
        let full = layers
            .iter()
            .any(|l| matches!(l, LayerAttention::Full { .. }));
        if (self.full_kv_heads.is_some() || self.full_head_dim.is_some()) && !(sliding && full) {
            return Err("full_kv_heads / full_head_dim describe the F layers of a model that also has S layers; set kv_heads / head_dim instead".into());
        }
        if self.sliding_window.is_some() && !sliding {
            return Err("sliding_window is set but layer_pattern has no S layers".into());
        }
        Ok(())
    }

    /// The core architecture from the checked layers (not yet validated).
    fn arch(&self, layers: Vec<LayerAttention>) -> Result<ModelArch, String> {
        let native_dtype = parse_dtype(&self.native_dtype)
            .ok_or_else(|| format!("native_dtype '{}' is not a known type", self.native_dtype))?;
        Ok(ModelArch {
            id: self.id.clone(),
            name: self.name.clone(),
            family: self.family.clone(),
            params_total: billions(self.params_total_b),
            params_active: billions(self.params_active_b),
            params_active_decode: billions(self.params_active_decode_b),
            hidden: self.hidden,
            n_heads: self.heads,
            head_dim: self.head_dim,
            vocab: self.vocab,
            tied_embeddings: self.tie_embeddings,
            ffn: self.ffn,
            moe: self.moe.as_ref().map(moe),
            mla: self.mla.as_ref().map(mla_dims),
            linear: self.linear.as_ref().map(linear_dims),
            layers,
            indexer_head_dim: self.indexer_head_dim,
            native_context: self.native_context,
            extended_context: self.extended_context,
            native_dtype,
            vision: self
                .vision
                .as_ref()
                .map(VisionToml::to_encoder)
                .transpose()?,
        })
    }
}

fn moe(m: &MoeToml) -> Moe {
    Moe {
        experts: m.experts,
        experts_per_token: m.experts_per_token,
        shared_experts: m.shared_experts,
        expert_ffn: m.expert_ffn,
        shared_expert_ffn: m.shared_expert_ffn,
        dense_layers: m.dense_layers,
    }
}

fn mla_dims(m: &MlaToml) -> MlaDims {
    MlaDims {
        q_lora_rank: m.q_lora_rank,
        kv_lora_rank: m.kv_lora_rank,
        qk_nope_head_dim: m.qk_nope_head_dim,
        qk_rope_head_dim: m.qk_rope_head_dim,
        v_head_dim: m.v_head_dim,
    }
}

fn linear_dims(l: &LinearToml) -> LinearDims {
    LinearDims {
        num_key_heads: l.num_key_heads,
        num_value_heads: l.num_value_heads,
        key_head_dim: l.key_head_dim,
        value_head_dim: l.value_head_dim,
        conv_kernel: l.conv_kernel,
    }
}

/// Parses a models file (the built-in one or a user override).
pub fn parse_models(text: &str, file: &str) -> Result<Vec<ModelRecord>, CatalogError> {
    let parsed: ModelsFile =
        toml::from_str(text).map_err(|e| CatalogError::from_toml(file, text, &e))?;
    let mut out = Vec::with_capacity(parsed.model.len());
    for m in &parsed.model {
        if m.source.trim().is_empty() {
            return Err(CatalogError::record(file, text, &m.id, "has no source"));
        }
        let rec = m
            .to_record()
            .map_err(|why| CatalogError::record(file, text, &m.id, why))?;
        out.push(rec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VL: &str = r#"
[[model]]
id = "toy-vl"
name = "Toy VL"
family = "qwen2_5_vl"
params_total_b = 7.616
params_active_b = 7.616
params_active_decode_b = 7.071
layers = 28
hidden = 3584
heads = 28
kv_heads = 4
head_dim = 128
vocab = 152064
tie_embeddings = false
ffn = 18944
layer_pattern = "F"
native_context = 32768
native_dtype = "bf16"
source = "test"
verified = false

[model.vision]
encoder_params_b = 0.67
tokens_per_image = 1024
reference_resolution_px = 896
pixels_per_token = 784
source = "test config"
"#;

    #[test]
    fn vision_table_parses_into_the_encoder() {
        let m = parse_models(VL, "t.toml").unwrap();
        let v = m[0].arch.vision.as_ref().unwrap();
        assert_eq!(v.encoder_params, 670_000_000);
        assert_eq!(v.tokens_per_image, 1024);
        assert_eq!(v.reference_resolution_px, 896);
        // Dynamic resolution: 896² / 784 = 1024 tokens, 448² / 784 = 256.
        assert_eq!(v.tokens_for_image(896), 1024);
        assert_eq!(v.tokens_for_image(448), 256);
        // A fixed-size encoder resizes every image to its reference size.
        let fixed = VL.replace("pixels_per_token = 784\n", "");
        let m = parse_models(&fixed, "t.toml").unwrap();
        assert_eq!(
            m[0].arch.vision.as_ref().unwrap().tokens_for_image(448),
            1024
        );
    }

    #[test]
    fn vision_table_is_strict() {
        for (from, to, why) in [
            ("source = \"test config\"", "", "source"),
            (
                "tokens_per_image = 1024",
                "tokens_per_image = 0",
                "positive",
            ),
            (
                "encoder_params_b = 0.67",
                "encoder_params_b = -1",
                "encoder_params_b",
            ),
            (
                "pixels_per_token = 784",
                "pixel_per_token = 784",
                "pixel_per_token",
            ),
            ("source = \"test config\"", "source = \" \"", "no source"),
        ] {
            let e = parse_models(&VL.replace(from, to), "t.toml")
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{to}: {e}");
        }
        // Text-only records have no vision.
        let text = &VL[..VL.find("[model.vision]").unwrap()];
        assert!(parse_models(text, "t.toml").unwrap()[0]
            .arch
            .vision
            .is_none());
    }

    #[test]
    fn the_catalog_vl_models_carry_their_vision_encoder() {
        let c = crate::Catalog::builtin().unwrap();
        let v = |id: &str| c.model(id).unwrap().arch.vision.clone().unwrap();
        assert_eq!(v("qwen2.5-vl-7b-instruct").tokens_for_image(896), 1024);
        assert_eq!(v("gemma-3-27b-it").tokens_for_image(1920), 256);
        assert_eq!(v("gemma-3-4b-it").tokens_per_image, 256);
        assert_eq!(
            v("mistral-small-3.1-24b-instruct-2503").tokens_for_image(1540),
            3025
        );
        assert!(c
            .model("qwen2.5-7b-instruct")
            .unwrap()
            .arch
            .vision
            .is_none());
    }
}
