//! A parsed GGUF header (one file or all parts of a split) to a
//! [`ModelArch`] with its exact tensor list.
//!
//! The hyper-parameters are read the way llama.cpp's `llama_model::load_hparams`
//! reads them (src/llama-model.cpp, src/llama-hparams.cpp):
//! - `{arch}.attention.head_count` / `head_count_kv` may be per-layer arrays;
//!   a zero KV head count marks a recurrent layer (Jamba, LFM2).
//! - Sliding-window layers: `{arch}.attention.sliding_window_pattern` is
//!   either a period `n` (`set_swa_pattern(n)`: layer `il` slides when
//!   `il % n < n - 1`, so the last layer of each period is full) or a
//!   per-layer bool array (true = sliding). Without the key the period is
//!   the architecture's own: gemma2 and gpt-oss 2, gemma3 6 (only when
//!   `sliding_window` > 0), cohere2 / llama4 / exaone4 4, gemma3n 5,
//!   smallthinker 4 with the dense layer first. Other architectures have no
//!   sliding layers, whatever `sliding_window` says (llama.cpp ignores it).
//! - MLA (deepseek2): `attention.kv_lora_rank` + `rope.dimension_count`
//!   cached per token, K only.
//! - Recurrent state (llama-hparams.cpp `n_embd_r` / `n_embd_s`): conv
//!   `(ssm.conv_kernel − 1) × (ssm.inner_size + 2 × ssm.group_count ×
//!   ssm.state_size)`, state `ssm.state_size × ssm.inner_size`; RWKV
//!   `token_shift_count × n_embd` and `n_embd × wkv.head_size`; LFM2
//!   `n_embd × (shortconv.l_cache − 1)`. qwen3next's recurrent layers are
//!   those with `(il + 1) % full_attention_interval != 0`.

use std::collections::HashMap;

use rigsize_core::dtype::DType;
use rigsize_core::model::{ModelArch, Moe};
use rigsize_core::tensors::{TensorRole, TensorSpec};

use crate::error::ImportError;
use crate::gguf::{GgufHeader, GgufValue, TensorInfo};
use crate::{names, params_from_tensors, ImportedModel};

mod attention;

/// Most parts a split GGUF may have.
pub const MAX_SPLIT_PARTS: u32 = 1024;

/// Most layers a model may claim: the core's cap, which every record obeys.
pub const MAX_LAYERS: u64 = rigsize_core::model::MAX_LAYERS as u64;

/// llama.cpp's `llama_ftype` names (general.file_type).
pub fn file_type_name(ft: u64) -> Option<&'static str> {
    Some(match ft {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => return None,
    })
}

struct Meta<'a> {
    h: &'a GgufHeader,
    arch: String,
    n_layer: usize,
    src: &'a str,
}

impl<'a> Meta<'a> {
    /// The first part's architecture and layer count, checked before any
    /// per-layer key is read (their arrays are sized by it).
    fn from_parts(parts: &'a [(String, GgufHeader)], source: &str) -> Result<Self, ImportError> {
        let (first_name, h) = parts.first().ok_or_else(|| ImportError::Unsupported {
            source_name: source.to_string(),
            why: "no GGUF parts".into(),
        })?;
        let arch = h
            .get_str("general.architecture")
            .ok_or_else(|| ImportError::Unsupported {
                source_name: first_name.clone(),
                why: "general.architecture is missing".into(),
            })?
            .to_string();
        if let Some(count) = h.get_u64("split.count") {
            if count as usize != parts.len() {
                return Err(ImportError::Unsupported {
                    source_name: first_name.clone(),
                    why: format!(
                        "split.count says {count} parts but {} were read",
                        parts.len()
                    ),
                });
            }
        }
        let block_count =
            h.get_u64(&format!("{arch}.block_count"))
                .ok_or_else(|| ImportError::Unsupported {
                    source_name: first_name.clone(),
                    why: format!("{arch}.block_count is missing"),
                })?;
        if block_count == 0 || block_count > MAX_LAYERS {
            return Err(ImportError::Unsupported {
                source_name: first_name.clone(),
                why: format!("{arch}.block_count = {block_count} (1 to {MAX_LAYERS} allowed)"),
            });
        }
        Ok(Meta {
            h,
            arch,
            n_layer: block_count as usize,
            src: first_name,
        })
    }

    fn key(&self, k: &str) -> String {
        format!("{}.{k}", self.arch)
    }
    fn get(&self, k: &str) -> Option<&GgufValue> {
        self.h.get(&self.key(k))
    }
    fn u64(&self, k: &str) -> Option<u64> {
        self.get(k).and_then(|v| match v {
            GgufValue::Array(a) => a.values.iter().filter_map(GgufValue::as_u64).max(),
            v => v.as_u64(),
        })
    }
    fn u32(&self, k: &str) -> Result<Option<u32>, ImportError> {
        match self.u64(k) {
            None => Ok(None),
            Some(v) => u32::try_from(v)
                .map(Some)
                .map_err(|_| self.bad(format!("{} = {v} is out of range", self.key(k)))),
        }
    }
    fn bad(&self, why: impl Into<String>) -> ImportError {
        ImportError::Unsupported {
            source_name: self.src.to_string(),
            why: why.into(),
        }
    }
    /// A per-layer value: a scalar repeated, or an array of one per layer.
    fn per_layer(&self, k: &str) -> Result<Option<Vec<u64>>, ImportError> {
        let Some(v) = self.get(k) else {
            return Ok(None);
        };
        match v {
            GgufValue::Array(a) => {
                if !a.kept || a.len as usize != self.n_layer {
                    return Err(self.bad(format!(
                        "{} has {} entries for {} layers",
                        self.key(k),
                        a.len,
                        self.n_layer
                    )));
                }
                a.values
                    .iter()
                    .map(|x| {
                        x.as_u64()
                            .ok_or_else(|| self.bad(format!("{} holds {x:?}", self.key(k))))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            v => match v.as_u64() {
                Some(x) => Ok(Some(vec![x; self.n_layer])),
                None => Err(self.bad(format!("{} is {v:?}, not a count", self.key(k)))),
            },
        }
    }
}

fn to_u32(v: u64, what: &str, src: &str) -> Result<u32, ImportError> {
    u32::try_from(v).map_err(|_| ImportError::Unsupported {
        source_name: src.to_string(),
        why: format!("{what} = {v} is out of range"),
    })
}

/// Builds the model from the parts of one GGUF (one part unless split),
/// in part order; `file_bytes` is the total size when known.
pub fn model_from_gguf(
    parts: &[(String, GgufHeader)],
    source: &str,
    file_bytes: Option<u64>,
) -> Result<ImportedModel, ImportError> {
    let m = Meta::from_parts(parts, source)?;
    let (h, first_name, arch) = (m.h, m.src, m.arch.clone());
    let mut notes = Vec::new();
    let tensors = collect_tensors(parts, &m)?;
    let heads = attention::Heads::read(&m)?;
    let sliding = attention::sliding_layers(&m, &mut notes)?;
    let recurrent = attention::recurrent_layers(&m, &heads)?;
    let linear = attention::linear_dims(&m)?;
    let mla = attention::MlaShape::read(&m, heads.head_k, heads.head_v)?;
    let layers = attention::layer_list(&m, &heads, &sliding, &recurrent, &mla)?;
    let moe = moe_from_meta(&m, parts, &tensors)?;

    let tied = !tensors.iter().any(|(t, _)| t.role == TensorRole::Output);
    let vocab = vocab_size(&m, parts)?;
    let native_context = native_context(&m, &mut notes);
    let (params_total, params_active, params_active_decode) =
        params_from_tensors(&tensors, moe.as_ref());
    let native_dtype = dominant_dtype(&tensors);

    let arch_model = ModelArch {
        id: file_stem(first_name).to_ascii_lowercase(),
        name: model_name(h, first_name),
        family: arch,
        params_total,
        params_active,
        params_active_decode,
        hidden: heads.hidden,
        n_heads: heads.n_heads,
        head_dim: heads.head_k,
        vocab,
        tied_embeddings: tied,
        ffn: m.u32("feed_forward_length")?.unwrap_or(0),
        moe,
        mla: mla.dims,
        linear,
        layers,
        indexer_head_dim: None,
        native_context,
        extended_context: None,
        native_dtype,
        vision: None,
    };
    crate::check_dims(&arch_model).map_err(|e| m.bad(e))?;
    arch_model.validate().map_err(|e| m.bad(e.to_string()))?;
    Ok(ImportedModel {
        arch: arch_model,
        tensors: Some(tensors),
        file_bytes,
        source: source.to_string(),
        quant_label: quant_label(h),
        notes,
    })
}

/// `general.name`, else `general.basename`, else the file's stem.
fn model_name(h: &GgufHeader, first_name: &str) -> String {
    h.get_str("general.name")
        .or(h.get_str("general.basename"))
        .map(str::to_string)
        .unwrap_or_else(|| file_stem(first_name))
}

/// llama.cpp's name for `general.file_type`, or the raw number.
fn quant_label(h: &GgufHeader) -> Option<String> {
    h.get_u64("general.file_type")
        .map(|ft| match file_type_name(ft) {
            Some(n) => n.to_string(),
            None => format!("file_type {ft}"),
        })
}

/// The tensors of every part, with roles; refuses an empty list and totals
/// no real model reaches, so later sums cannot overflow.
fn collect_tensors(
    parts: &[(String, GgufHeader)],
    m: &Meta,
) -> Result<Vec<(TensorSpec, DType)>, ImportError> {
    let mut tensors: Vec<(TensorSpec, DType)> = Vec::new();
    for (_, p) in parts {
        for t in &p.tensors {
            let (role, layer) = names::gguf_role(&t.name);
            tensors.push((
                TensorSpec {
                    name: t.name.clone(),
                    role,
                    layer,
                    n_elements: t.n_elements,
                    row_len: t.dims[0],
                },
                t.dtype,
            ));
        }
    }
    if tensors.is_empty() {
        return Err(m.bad("the file lists no tensors"));
    }
    let all_elems = tensors
        .iter()
        .fold(0u64, |a, (t, _)| a.saturating_add(t.n_elements));
    if all_elems > crate::gguf::MAX_TOTAL_ELEMENTS {
        return Err(m.bad(format!(
            "the parts hold {all_elems} values in all; no real model is that large"
        )));
    }
    Ok(tensors)
}

/// A tensor info by name, in whichever part holds it.
fn find_tensor<'a>(parts: &'a [(String, GgufHeader)], name: &str) -> Option<&'a TensorInfo> {
    parts
        .iter()
        .flat_map(|(_, p)| p.tensors.iter())
        .find(|t| t.name == name)
}

/// MoE from `expert_*` keys; the expert FFN width falls back to the last
/// layer's expert tensors because older converters omit the key.
fn moe_from_meta(
    m: &Meta,
    parts: &[(String, GgufHeader)],
    tensors: &[(TensorSpec, DType)],
) -> Result<Option<Moe>, ImportError> {
    let experts = m.u32("expert_count")?.unwrap_or(0);
    if experts == 0 {
        return Ok(None);
    }
    let n_layer = m.n_layer;
    let used = m.u32("expert_used_count")?.unwrap_or(0);
    let expert_ffn = match m.u32("expert_feed_forward_length")? {
        Some(v) => v,
        None => find_tensor(parts, &format!("blk.{}.ffn_gate_exps.weight", n_layer - 1))
            .or_else(|| find_tensor(parts, &format!("blk.{}.ffn_down_exps.weight", n_layer - 1)))
            .and_then(|t| t.dims.get(1).copied())
            .map(|v| v.min(u32::MAX as u64) as u32)
            .unwrap_or(0),
    };
    let has_shexp = tensors
        .iter()
        .any(|(t, _)| t.role == TensorRole::FfnGateShexp || t.role == TensorRole::FfnDownShexp);
    let shared = m.u32("expert_shared_count")?.unwrap_or(has_shexp as u32);
    Ok(Some(Moe {
        experts,
        experts_per_token: used,
        shared_experts: shared,
        expert_ffn,
        shared_expert_ffn: m.u32("expert_shared_feed_forward_length")?,
        dense_layers: m.u32("leading_dense_block_count")?.unwrap_or(0),
    }))
}

/// `vocab_size`, else the tokenizer's token count, else the embedding's
/// second dimension: converters disagree on which they write.
fn vocab_size(m: &Meta, parts: &[(String, GgufHeader)]) -> Result<u32, ImportError> {
    let vocab = match m.u64("vocab_size") {
        Some(v) => v,
        None => match m
            .h
            .get("tokenizer.ggml.tokens")
            .and_then(GgufValue::as_array)
        {
            Some(a) => a.len,
            None => find_tensor(parts, "token_embd.weight")
                .and_then(|t| t.dims.get(1).copied())
                .unwrap_or(0),
        },
    };
    to_u32(vocab, "vocabulary size", m.src)
}

/// `context_length`, or 4096 with a note when the file omits it.
fn native_context(m: &Meta, notes: &mut Vec<String>) -> u64 {
    match m.u64("context_length") {
        Some(c) if c > 0 => c,
        _ => {
            notes.push(format!(
                "{}.context_length is missing: assumed 4096",
                m.arch
            ));
            4096
        }
    }
}

/// The storage type holding most bytes stands for the file.
fn dominant_dtype(tensors: &[(TensorSpec, DType)]) -> DType {
    let mut by_type: HashMap<DType, u64> = HashMap::new();
    for (t, ty) in tensors {
        *by_type.entry(*ty).or_default() += ty.bytes_for(t.n_elements);
    }
    by_type
        .iter()
        .max_by_key(|(t, b)| (**b, **t))
        .map(|(t, _)| *t)
        .unwrap_or(DType::F16)
}

/// The file name without directories, split suffix and `.gguf`.
pub fn file_stem(path: &str) -> String {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let base = base.strip_suffix(".gguf").unwrap_or(base);
    match split_suffix(base) {
        Some((stem, _, _)) => stem.to_string(),
        None => base.to_string(),
    }
}

/// `name-00001-of-00003` → (`name`, 1, 3).
pub fn split_suffix(stem: &str) -> Option<(&str, u32, u32)> {
    let (head, count) = stem.rsplit_once("-of-")?;
    let (prefix, no) = head.rsplit_once('-')?;
    if no.len() != 5 || count.len() != 5 {
        return None;
    }
    let no: u32 = no.parse().ok()?;
    let count: u32 = count.parse().ok()?;
    (no >= 1 && no <= count).then_some((prefix, no, count))
}

/// Names of every part of a split GGUF given one part's name
/// (`x-00002-of-00003.gguf` → parts 1..=3), or just the name.
pub fn split_part_names(path: &str) -> Vec<String> {
    let Some(stem) = path.strip_suffix(".gguf") else {
        return vec![path.to_string()];
    };
    match split_suffix(stem).filter(|(_, _, count)| *count <= MAX_SPLIT_PARTS) {
        Some((prefix, _, count)) => (1..=count)
            .map(|i| format!("{prefix}-{i:05}-of-{count:05}.gguf"))
            .collect(),
        None => vec![path.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_names() {
        assert_eq!(split_suffix("m-00001-of-00003"), Some(("m", 1, 3)));
        assert_eq!(split_suffix("m-1-of-3"), None);
        assert_eq!(split_suffix("m-00004-of-00003"), None);
        assert_eq!(
            split_part_names("d/m-00002-of-00002.gguf"),
            vec!["d/m-00001-of-00002.gguf", "d/m-00002-of-00002.gguf"]
        );
        assert_eq!(
            file_stem("a/Qwen3-8B-Q4_K_M-00001-of-00002.gguf"),
            "Qwen3-8B-Q4_K_M"
        );
        assert_eq!(file_type_name(15), Some("Q4_K_M"));
    }
}
