//! Hugging Face `config.json` (transformers names) to a [`ModelArch`].
//!
//! Multimodal configs keep the language model under `text_config`; its
//! fields win over the top level. Layer kinds come from `layer_types` when
//! the config lists them, otherwise from the family's own rule as written in
//! transformers' configuration classes:
//! - gemma3: `sliding_window_pattern` (default 6), layer `i` slides unless
//!   `(i + 1) % pattern == 0`; gemma2: even layers slide;
//! - gpt_oss: layer `i` slides when `(i + 1) % 2 == 1`;
//! - qwen2 / qwen3 families: with `use_sliding_window`, layers from
//!   `max_window_layers` on slide;
//! - mistral-style: `sliding_window` set and no `layer_types` → every layer;
//! - qwen3_next: `full_attention_interval` (default 4), layer `i` is full
//!   when `(i + 1) % interval == 0`, linear (Gated DeltaNet) otherwise;
//! - MLA (DeepSeek, Kimi, GLM-5): `kv_lora_rank` present.
//!
//! A window at least as long as `max_position_embeddings` is treated as full
//! attention (it never slides).

use rigsize_core::dtype::DType;
use rigsize_core::model::{LayerAttention, LinearDims, MlaDims, ModelArch, Moe};
use serde_json::Value;

use crate::error::ImportError;

/// The config as read: top level plus the text sub-config, if any.
pub struct HfConfig<'a> {
    top: &'a Value,
    text: Option<&'a Value>,
    path: &'a str,
}

impl<'a> HfConfig<'a> {
    pub fn new(v: &'a Value, path: &'a str) -> HfConfig<'a> {
        let text = v
            .get("text_config")
            .or_else(|| v.get("language_config"))
            .or_else(|| v.get("llm_config"))
            .filter(|t| t.is_object());
        HfConfig { top: v, text, path }
    }

    /// A field from `text_config`, else the top level (nulls count as absent).
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.text
            .and_then(|t| t.get(k))
            .filter(|v| !v.is_null())
            .or_else(|| self.top.get(k).filter(|v| !v.is_null()))
    }

    pub fn u64(&self, k: &str) -> Option<u64> {
        self.get(k).and_then(|v| {
            v.as_u64().or_else(|| {
                v.as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1e18)
                    .map(|f| f as u64)
            })
        })
    }

    fn u32(&self, k: &str) -> Result<Option<u32>, ImportError> {
        match self.u64(k) {
            None => Ok(None),
            Some(v) => u32::try_from(v)
                .map(Some)
                .map_err(|_| ImportError::config(self.path, format!("{k} = {v} is out of range"))),
        }
    }

    fn first_u32(&self, keys: &[&str]) -> Result<Option<u32>, ImportError> {
        for k in keys {
            if let Some(v) = self.u32(k)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    fn need(&self, keys: &[&str]) -> Result<u32, ImportError> {
        self.first_u32(keys)?.ok_or_else(|| {
            ImportError::config(self.path, format!("{} is missing", keys.join(" / ")))
        })
    }

    pub fn bool(&self, k: &str) -> Option<bool> {
        self.get(k).and_then(Value::as_bool)
    }

    pub fn str(&self, k: &str) -> Option<&'a str> {
        self.get(k).and_then(Value::as_str)
    }

    pub fn model_type(&self) -> String {
        self.text
            .and_then(|t| t.get("model_type"))
            .and_then(Value::as_str)
            .or_else(|| self.top.get("model_type").and_then(Value::as_str))
            .unwrap_or("unknown")
            .to_string()
    }

    /// `quantization_config` (top level, as transformers writes it).
    pub fn quantization(&self) -> Option<&'a Value> {
        self.top
            .get("quantization_config")
            .or_else(|| self.top.get("compression_config"))
            .or_else(|| self.text.and_then(|t| t.get("quantization_config")))
            .filter(|v| v.is_object())
    }
}

/// What `quantization_config` says about the stored weights.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantInfo {
    /// `fp8`, `awq`, `gptq`, `mxfp4`, `compressed-tensors`, `bitsandbytes`…
    pub method: String,
    /// Weight bits when stated (4 for AWQ/GPTQ int4, 8 for FP8).
    pub bits: Option<u32>,
    /// The storage type of the quantized linear layers.
    pub dtype: Option<DType>,
    /// compressed-tensors `format` (`pack-quantized`, `nvfp4-pack-quantized`,
    /// `float-quantized`…).
    pub format: Option<String>,
}

/// Reads `quantization_config`.
pub fn quant_info(q: &Value) -> QuantInfo {
    let method = q
        .get("quant_method")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_ascii_lowercase();
    let mut bits = q.get("bits").and_then(Value::as_u64).map(|b| b as u32);
    let mut format = q.get("format").and_then(Value::as_str).map(str::to_string);
    let mut float = false;
    // compressed-tensors: config_groups.*.weights.{num_bits,type}
    if let Some(groups) = q.get("config_groups").and_then(Value::as_object) {
        for g in groups.values() {
            if let Some(w) = g.get("weights") {
                if let Some(b) = w.get("num_bits").and_then(Value::as_u64) {
                    bits = Some(b as u32);
                }
                float = w.get("type").and_then(Value::as_str) == Some("float");
            }
            if format.is_none() {
                format = g.get("format").and_then(Value::as_str).map(str::to_string);
            }
        }
    }
    let fmt = format.as_deref().unwrap_or("");
    let dtype = match method.as_str() {
        "fp8" | "fbgemm_fp8" => Some(DType::FP8),
        "mxfp4" => Some(DType::MXFP4),
        "awq" | "gptq" | "auto-round" | "autoround" if bits.unwrap_or(4) == 4 => {
            Some(DType::INT4_G128)
        }
        "modelopt" if q.get("quant_algo").and_then(Value::as_str) == Some("NVFP4") => {
            Some(DType::NVFP4)
        }
        "compressed-tensors" => match (bits, float) {
            _ if fmt.contains("nvfp4") => Some(DType::NVFP4),
            (Some(8), true) => Some(DType::FP8),
            (Some(8), false) => Some(DType::I8),
            (Some(4), true) => Some(DType::NVFP4),
            (Some(4), false) => Some(DType::INT4_G128),
            _ => None,
        },
        _ => None,
    };
    if method == "fp8" && bits.is_none() {
        bits = Some(8);
    }
    QuantInfo {
        method,
        bits,
        dtype,
        format,
    }
}

fn dtype_from_torch(s: &str) -> Option<DType> {
    Some(match s.to_ascii_lowercase().trim_start_matches("torch.") {
        "bfloat16" | "bf16" => DType::BF16,
        "float16" | "fp16" | "half" => DType::F16,
        "float32" | "fp32" | "float" => DType::F32,
        _ => return None,
    })
}

/// The architecture a config describes. Parameter counts are left at zero:
/// the caller fills them from safetensors headers or a tensor rebuild.
pub fn arch_from_config(
    v: &Value,
    path: &str,
    notes: &mut Vec<String>,
) -> Result<ModelArch, ImportError> {
    if !v.is_object() {
        return Err(ImportError::config(
            path,
            "config.json is not a JSON object",
        ));
    }
    let c = HfConfig::new(v, path);
    let family = c.model_type();
    let n_layer = c.need(&["num_hidden_layers", "n_layer", "num_layers", "n_layers"])?;
    if n_layer == 0 || n_layer as u64 > crate::gguf_model::MAX_LAYERS {
        return Err(ImportError::config(
            path,
            format!("num_hidden_layers = {n_layer}"),
        ));
    }
    let hidden = c.need(&["hidden_size", "n_embd", "d_model"])?;
    let n_heads = c
        .first_u32(&["num_attention_heads", "n_head", "num_heads"])?
        .unwrap_or(0);
    let kv_heads = c
        .first_u32(&[
            "num_key_value_heads",
            "num_kv_heads",
            "multi_query_group_num",
        ])?
        .unwrap_or(n_heads);
    let head_dim = match c.u32("head_dim")? {
        Some(h) => h,
        None if n_heads > 0 => hidden / n_heads,
        None => 0,
    };
    let head_dim_v = c
        .u32("v_head_dim")?
        .filter(|_| c.u64("kv_lora_rank").is_none())
        .unwrap_or(head_dim);
    let max_pos = c
        .u64("max_position_embeddings")
        .or(c.u64("n_positions"))
        .or(c.u64("seq_length"));
    let window = c
        .first_u32(&["sliding_window", "attention_chunk_size"])?
        .filter(|w| *w > 0)
        .filter(|w| max_pos.is_none_or(|m| (*w as u64) < m));
    let n = n_layer as usize;

    // Layer kinds as letters: F S L M.
    let mut kinds: Vec<char> = vec!['F'; n];
    let layer_types = c
        .get("layer_types")
        .or_else(|| c.get("layers_block_type"))
        .and_then(Value::as_array);
    if let Some(lt) = layer_types {
        if lt.len() != n {
            return Err(ImportError::config(
                path,
                format!(
                    "layer_types lists {} layers but num_hidden_layers is {n}",
                    lt.len()
                ),
            ));
        }
        for (i, t) in lt.iter().enumerate() {
            let t = t.as_str().unwrap_or("").to_ascii_lowercase();
            kinds[i] = if t.contains("sliding") || t.contains("chunked") || t.contains("local") {
                'S'
            } else if t.contains("linear")
                || t.contains("mamba")
                || t.contains("conv")
                || t.contains("ssm")
                || t.contains("recurrent")
            {
                'L'
            } else {
                'F'
            };
        }
    } else if c.u64("linear_num_value_heads").is_some() || family == "qwen3_next" {
        let iv = c.u64("full_attention_interval").unwrap_or(4).max(1);
        for (i, k) in kinds.iter_mut().enumerate() {
            *k = if (i as u64 + 1).is_multiple_of(iv) {
                'F'
            } else {
                'L'
            };
        }
    } else if window.is_some() {
        match family.as_str() {
            "gemma3" | "gemma3_text" => {
                let p = c.u64("sliding_window_pattern").unwrap_or(6).max(1);
                for (i, k) in kinds.iter_mut().enumerate() {
                    *k = if (i as u64 + 1).is_multiple_of(p) {
                        'F'
                    } else {
                        'S'
                    };
                }
            }
            "gemma2" | "gpt_oss" => {
                for (i, k) in kinds.iter_mut().enumerate() {
                    *k = if (i + 1) % 2 == 1 { 'S' } else { 'F' };
                }
            }
            f if f.starts_with("qwen") => {
                if c.bool("use_sliding_window") == Some(true) {
                    let from = c.u64("max_window_layers").unwrap_or(0) as usize;
                    for k in kinds.iter_mut().skip(from) {
                        *k = 'S';
                    }
                }
            }
            _ => {
                if c.bool("use_sliding_window") != Some(false) {
                    kinds = vec!['S'; n];
                }
            }
        }
    }
    let kv_lora = c.u32("kv_lora_rank")?.filter(|r| *r > 0);
    if kv_lora.is_some() {
        for k in kinds.iter_mut() {
            if *k == 'F' {
                *k = 'M';
            }
        }
    }
    if kinds.contains(&'S') && window.is_none() {
        notes.push(
            "layer_types lists sliding layers but sliding_window is missing: treated as full"
                .into(),
        );
        for k in kinds.iter_mut() {
            if *k == 'S' {
                *k = 'F';
            }
        }
    }

    // Linear / recurrent dimensions.
    let linear = match (
        c.u32("linear_num_key_heads")?,
        c.u32("linear_num_value_heads")?,
        c.u32("linear_key_head_dim")?,
        c.u32("linear_value_head_dim")?,
    ) {
        (Some(kh), Some(vh), Some(kd), Some(vd)) => Some(LinearDims {
            num_key_heads: kh,
            num_value_heads: vh,
            key_head_dim: kd,
            value_head_dim: vd,
            conv_kernel: c.u32("linear_conv_kernel_dim")?.unwrap_or(4),
        }),
        _ => None,
    };
    let (state_elems, conv_elems) =
        if let Some(d) = &linear {
            (d.state_elems(), d.conv_elems())
        } else if kinds.contains(&'L') {
            // Mamba-style hybrids (Jamba, Nemotron-H, Granite 4): d_inner =
            // expand × hidden or n_heads × head_dim.
            let d_state = c
                .u64("mamba_d_state")
                .or(c.u64("ssm_state_size"))
                .or(c.u64("state_size"));
            let d_conv = c.u64("mamba_d_conv").or(c.u64("conv_kernel")).unwrap_or(4);
            let d_inner = match (
                c.u64("mamba_num_heads").or(c.u64("mamba_n_heads")),
                c.u64("mamba_head_dim"),
            ) {
                (Some(h), Some(d)) => Some(h.saturating_mul(d)),
                _ => c
                    .u64("mamba_expand")
                    .or(c.u64("expand"))
                    .map(|e| e.saturating_mul(hidden as u64)),
            };
            let groups = c.u64("mamba_n_groups").or(c.u64("n_groups")).unwrap_or(1);
            match (d_state, d_inner) {
                (Some(s), Some(i)) => (
                    s.saturating_mul(i),
                    d_conv.saturating_sub(1).saturating_mul(
                        i.saturating_add(2u64.saturating_mul(groups).saturating_mul(s)),
                    ),
                ),
                _ => return Err(ImportError::config(
                    path,
                    "the config has linear/recurrent layers but no linear_* or mamba_* dimensions",
                )),
            }
        } else {
            (0, 0)
        };
    let rope_dim = c.u32("qk_rope_head_dim")?.unwrap_or(0);
    let mla = match kv_lora {
        Some(r) => Some(MlaDims {
            q_lora_rank: c.u32("q_lora_rank")?.filter(|q| *q > 0),
            kv_lora_rank: r,
            qk_nope_head_dim: c.u32("qk_nope_head_dim")?.unwrap_or(0),
            qk_rope_head_dim: rope_dim,
            v_head_dim: c.u32("v_head_dim")?.unwrap_or(head_dim),
        }),
        None => None,
    };

    let layers: Vec<LayerAttention> = kinds
        .iter()
        .map(|k| match k {
            'S' => LayerAttention::Sliding {
                kv_heads,
                head_dim_k: head_dim,
                head_dim_v,
                window: window.unwrap_or(0),
            },
            'L' => LayerAttention::Recurrent {
                state_elems,
                conv_elems,
            },
            'M' => LayerAttention::Mla {
                kv_lora_rank: kv_lora.unwrap_or(0),
                rope_dim,
            },
            _ => LayerAttention::Full {
                kv_heads,
                head_dim_k: head_dim,
                head_dim_v,
            },
        })
        .collect();

    // MoE.
    let experts = c
        .first_u32(&[
            "num_experts",
            "num_local_experts",
            "n_routed_experts",
            "moe_num_experts",
        ])?
        .unwrap_or(0);
    let ffn = c
        .first_u32(&["intermediate_size", "ffn_hidden_size", "n_inner"])?
        .unwrap_or(0);
    let moe = if experts > 1 {
        let shared_ffn = c.u32("shared_expert_intermediate_size")?.filter(|s| *s > 0);
        let shared = match c.u32("n_shared_experts")? {
            Some(s) => s,
            None => shared_ffn.is_some() as u32,
        };
        Some(Moe {
            experts,
            experts_per_token: c
                .first_u32(&[
                    "num_experts_per_tok",
                    "num_experts_per_token",
                    "moe_topk",
                    "top_k",
                ])?
                .unwrap_or(0),
            shared_experts: shared,
            expert_ffn: c.u32("moe_intermediate_size")?.unwrap_or(ffn),
            shared_expert_ffn: shared_ffn,
            dense_layers: c.u32("first_k_dense_replace")?.unwrap_or(0),
        })
    } else {
        None
    };

    let vocab = c.need(&["vocab_size", "padded_vocab_size"])?;
    let tied = c
        .bool("tie_word_embeddings")
        .unwrap_or(family.starts_with("gemma"));

    // Context: max_position_embeddings; rope_scaling with a factor and no
    // original length extends it.
    let native_context = max_pos.unwrap_or_else(|| {
        notes.push("max_position_embeddings is missing: assumed 4096".into());
        4096
    });
    let mut extended_context = None;
    if let Some(rs) = c.get("rope_scaling").filter(|r| r.is_object()) {
        let kind = rs
            .get("rope_type")
            .or_else(|| rs.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let factor = rs.get("factor").and_then(Value::as_f64).unwrap_or(1.0);
        if kind == "yarn" && rs.get("original_max_position_embeddings").is_none() && factor > 1.0 {
            extended_context = Some((native_context as f64 * factor) as u64);
        }
    }

    let q = c.quantization().map(quant_info);
    let native_dtype = match &q {
        Some(QuantInfo { dtype: Some(d), .. }) => *d,
        _ => c
            .str("torch_dtype")
            .or(c.str("dtype"))
            .and_then(dtype_from_torch)
            .unwrap_or(DType::BF16),
    };

    let name = c
        .top
        .get("_name_or_path")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| {
            c.top
                .get("architectures")
                .and_then(|a| a.get(0))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| family.clone());

    Ok(ModelArch {
        id: name.to_ascii_lowercase().replace(['/', ' '], "-"),
        name,
        family,
        params_total: 0,
        params_active: 0,
        params_active_decode: 0,
        hidden,
        n_heads,
        head_dim,
        vocab,
        tied_embeddings: tied,
        ffn,
        moe,
        mla,
        linear,
        layers,
        indexer_head_dim: c.u32("index_head_dim")?.filter(|_| kv_lora.is_some()),
        native_context,
        extended_context,
        native_dtype,
        vision: None,
    })
}
