//! Per-layer attention from a config: which kind each layer has (from
//! `layer_types` or the family's rule, see the parent module's doc), head
//! shapes, linear / recurrent state and MLA.

use rigsize_core::model::{LayerAttention, LinearDims, MlaDims};
use serde_json::Value;

use super::HfConfig;
use crate::error::ImportError;

/// The attention kind of one layer, before its shape is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Full,
    Sliding,
    /// Linear attention or a recurrent (Mamba-style) block.
    Linear,
    Mla,
}

/// Head counts and widths shared by every attention layer.
pub(super) struct Heads {
    pub(super) n_heads: u32,
    kv_heads: u32,
    pub(super) head_dim: u32,
    head_dim_v: u32,
}

impl Heads {
    pub(super) fn read(c: &HfConfig, hidden: u32) -> Result<Heads, ImportError> {
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
        // MLA's v_head_dim is the latent one, not the cached V width.
        let head_dim_v = c
            .u32("v_head_dim")?
            .filter(|_| c.u64("kv_lora_rank").is_none())
            .unwrap_or(head_dim);
        Ok(Heads {
            n_heads,
            kv_heads,
            head_dim,
            head_dim_v,
        })
    }
}

/// Layer kinds from `layer_types` when listed, else from the family's rule.
pub(super) fn layer_kinds(
    c: &HfConfig,
    family: &str,
    n: usize,
    window: Option<u32>,
) -> Result<Vec<Kind>, ImportError> {
    let layer_types = c
        .get("layer_types")
        .or_else(|| c.get("layers_block_type"))
        .and_then(Value::as_array);
    if let Some(lt) = layer_types {
        if lt.len() != n {
            return Err(ImportError::config(
                c.path,
                format!(
                    "layer_types lists {} layers but num_hidden_layers is {n}",
                    lt.len()
                ),
            ));
        }
        return Ok(lt
            .iter()
            .map(|t| kind_of_layer_type(&t.as_str().unwrap_or("").to_ascii_lowercase()))
            .collect());
    }
    let mut kinds = vec![Kind::Full; n];
    if c.u64("linear_num_value_heads").is_some() || family == "qwen3_next" {
        let iv = c.u64("full_attention_interval").unwrap_or(4).max(1);
        for (i, k) in kinds.iter_mut().enumerate() {
            *k = if (i as u64 + 1).is_multiple_of(iv) {
                Kind::Full
            } else {
                Kind::Linear
            };
        }
    } else if window.is_some() {
        sliding_by_family(c, family, &mut kinds);
    }
    Ok(kinds)
}

/// One lower-cased `layer_types` entry; the names vary by family
/// (`sliding_attention`, `chunked_attention`, `linear_attention`, `mamba`…).
fn kind_of_layer_type(t: &str) -> Kind {
    if t.contains("sliding") || t.contains("chunked") || t.contains("local") {
        Kind::Sliding
    } else if t.contains("linear")
        || t.contains("mamba")
        || t.contains("conv")
        || t.contains("ssm")
        || t.contains("recurrent")
    {
        Kind::Linear
    } else {
        Kind::Full
    }
}

/// The sliding layers of a family whose config has a window but no
/// `layer_types`, as transformers' configuration classes place them.
fn sliding_by_family(c: &HfConfig, family: &str, kinds: &mut [Kind]) {
    match family {
        "gemma3" | "gemma3_text" => {
            let p = c.u64("sliding_window_pattern").unwrap_or(6).max(1);
            for (i, k) in kinds.iter_mut().enumerate() {
                *k = if (i as u64 + 1).is_multiple_of(p) {
                    Kind::Full
                } else {
                    Kind::Sliding
                };
            }
        }
        "gemma2" | "gpt_oss" => {
            for (i, k) in kinds.iter_mut().enumerate() {
                *k = if (i + 1) % 2 == 1 {
                    Kind::Sliding
                } else {
                    Kind::Full
                };
            }
        }
        f if f.starts_with("qwen") => {
            if c.bool("use_sliding_window") == Some(true) {
                let from = c.u64("max_window_layers").unwrap_or(0) as usize;
                for k in kinds.iter_mut().skip(from) {
                    *k = Kind::Sliding;
                }
            }
        }
        _ => {
            if c.bool("use_sliding_window") != Some(false) {
                kinds.fill(Kind::Sliding);
            }
        }
    }
}

/// Full layers of an MLA model cache the latent; sliding layers without a
/// window cannot slide, so they count as full (with a note).
pub(super) fn settle_kinds(
    kinds: &mut [Kind],
    mla: bool,
    has_window: bool,
    notes: &mut Vec<String>,
) {
    if mla {
        for k in kinds.iter_mut() {
            if *k == Kind::Full {
                *k = Kind::Mla;
            }
        }
    }
    if kinds.contains(&Kind::Sliding) && !has_window {
        notes.push(
            "layer_types lists sliding layers but sliding_window is missing: treated as full"
                .into(),
        );
        for k in kinds.iter_mut() {
            if *k == Kind::Sliding {
                *k = Kind::Full;
            }
        }
    }
}

/// Gated DeltaNet widths (`linear_*`, qwen3_next and kin).
pub(super) fn linear_dims(c: &HfConfig) -> Result<Option<LinearDims>, ImportError> {
    Ok(
        match (
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
        },
    )
}

/// (state, conv) values a linear / recurrent layer keeps.
pub(super) fn recurrent_state(
    c: &HfConfig,
    linear: Option<&LinearDims>,
    kinds: &[Kind],
    hidden: u32,
) -> Result<(u64, u64), ImportError> {
    if let Some(d) = linear {
        Ok((d.state_elems(), d.conv_elems()))
    } else if kinds.contains(&Kind::Linear) {
        mamba_state(c, hidden)
    } else {
        Ok((0, 0))
    }
}

/// Mamba-style hybrids (Jamba, Nemotron-H, Granite 4): d_inner =
/// expand × hidden or n_heads × head_dim.
fn mamba_state(c: &HfConfig, hidden: u32) -> Result<(u64, u64), ImportError> {
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
        (Some(s), Some(i)) => Ok((
            s.saturating_mul(i),
            d_conv
                .saturating_sub(1)
                .saturating_mul(i.saturating_add(2u64.saturating_mul(groups).saturating_mul(s))),
        )),
        _ => Err(ImportError::config(
            c.path,
            "the config has linear/recurrent layers but no linear_* or mamba_* dimensions",
        )),
    }
}

/// MLA (DeepSeek, Kimi, GLM-5): present when `kv_lora_rank` is.
pub(super) struct MlaShape {
    kv_lora: Option<u32>,
    rope_dim: u32,
    pub(super) dims: Option<MlaDims>,
}

impl MlaShape {
    pub(super) fn read(
        c: &HfConfig,
        kv_lora: Option<u32>,
        head_dim: u32,
    ) -> Result<MlaShape, ImportError> {
        let rope_dim = c.u32("qk_rope_head_dim")?.unwrap_or(0);
        let dims = match kv_lora {
            Some(r) => Some(MlaDims {
                q_lora_rank: c.u32("q_lora_rank")?.filter(|q| *q > 0),
                kv_lora_rank: r,
                qk_nope_head_dim: c.u32("qk_nope_head_dim")?.unwrap_or(0),
                qk_rope_head_dim: rope_dim,
                v_head_dim: c.u32("v_head_dim")?.unwrap_or(head_dim),
            }),
            None => None,
        };
        Ok(MlaShape {
            kv_lora,
            rope_dim,
            dims,
        })
    }
}

/// Each layer's attention with its shape attached.
pub(super) fn layer_list(
    kinds: &[Kind],
    heads: &Heads,
    window: Option<u32>,
    (state_elems, conv_elems): (u64, u64),
    mla: &MlaShape,
) -> Vec<LayerAttention> {
    kinds
        .iter()
        .map(|k| match k {
            Kind::Sliding => LayerAttention::Sliding {
                kv_heads: heads.kv_heads,
                head_dim_k: heads.head_dim,
                head_dim_v: heads.head_dim_v,
                window: window.unwrap_or(0),
            },
            Kind::Linear => LayerAttention::Recurrent {
                state_elems,
                conv_elems,
            },
            Kind::Mla => LayerAttention::Mla {
                kv_lora_rank: mla.kv_lora.unwrap_or(0),
                rope_dim: mla.rope_dim,
            },
            Kind::Full => LayerAttention::Full {
                kv_heads: heads.kv_heads,
                head_dim_k: heads.head_dim,
                head_dim_v: heads.head_dim_v,
            },
        })
        .collect()
}
