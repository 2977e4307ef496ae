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
use rigsize_core::model::{ModelArch, Moe};
use serde_json::Value;

use crate::error::ImportError;

mod attention;

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
    let heads = attention::Heads::read(&c, hidden)?;
    let max_pos = c
        .u64("max_position_embeddings")
        .or(c.u64("n_positions"))
        .or(c.u64("seq_length"));
    let window = c
        .first_u32(&["sliding_window", "attention_chunk_size"])?
        .filter(|w| *w > 0)
        .filter(|w| max_pos.is_none_or(|m| (*w as u64) < m));

    let mut kinds = attention::layer_kinds(&c, &family, n_layer as usize, window)?;
    let kv_lora = c.u32("kv_lora_rank")?.filter(|r| *r > 0);
    attention::settle_kinds(&mut kinds, kv_lora.is_some(), window.is_some(), notes);
    let linear = attention::linear_dims(&c)?;
    let state = attention::recurrent_state(&c, linear.as_ref(), &kinds, hidden)?;
    let mla = attention::MlaShape::read(&c, kv_lora, heads.head_dim)?;
    let layers = attention::layer_list(&kinds, &heads, window, state, &mla);

    let (ffn, moe) = moe_from_config(&c)?;
    let vocab = c.need(&["vocab_size", "padded_vocab_size"])?;
    let tied = c
        .bool("tie_word_embeddings")
        .unwrap_or(family.starts_with("gemma"));
    let (native_context, extended_context) = context(&c, max_pos, notes);
    let native_dtype = native_dtype(&c);
    let name = model_name(&c, &family);

    Ok(ModelArch {
        id: name.to_ascii_lowercase().replace(['/', ' '], "-"),
        name,
        family,
        params_total: 0,
        params_active: 0,
        params_active_decode: 0,
        hidden,
        n_heads: heads.n_heads,
        head_dim: heads.head_dim,
        vocab,
        tied_embeddings: tied,
        ffn,
        moe,
        mla: mla.dims,
        linear,
        layers,
        indexer_head_dim: c.u32("index_head_dim")?.filter(|_| kv_lora.is_some()),
        native_context,
        extended_context,
        native_dtype,
        vision: None,
    })
}

/// The dense FFN width and MoE; a single "expert" is a dense model.
fn moe_from_config(c: &HfConfig) -> Result<(u32, Option<Moe>), ImportError> {
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
    if experts <= 1 {
        return Ok((ffn, None));
    }
    let shared_ffn = c.u32("shared_expert_intermediate_size")?.filter(|s| *s > 0);
    let shared = match c.u32("n_shared_experts")? {
        Some(s) => s,
        None => shared_ffn.is_some() as u32,
    };
    let moe = Moe {
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
    };
    Ok((ffn, Some(moe)))
}

/// (native, extended) context: max_position_embeddings; rope_scaling with
/// a factor and no original length extends it.
fn context(c: &HfConfig, max_pos: Option<u64>, notes: &mut Vec<String>) -> (u64, Option<u64>) {
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
    (native_context, extended_context)
}

/// The quantized storage type when `quantization_config` names one, else
/// `torch_dtype` (BF16 when absent, as most checkpoints are).
fn native_dtype(c: &HfConfig) -> DType {
    match c.quantization().map(quant_info) {
        Some(QuantInfo { dtype: Some(d), .. }) => d,
        _ => c
            .str("torch_dtype")
            .or(c.str("dtype"))
            .and_then(dtype_from_torch)
            .unwrap_or(DType::BF16),
    }
}

/// `_name_or_path`, else the first of `architectures`, else the family.
fn model_name(c: &HfConfig, family: &str) -> String {
    c.top
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
        .unwrap_or_else(|| family.to_string())
}
