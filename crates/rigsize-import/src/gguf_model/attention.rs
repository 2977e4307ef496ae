//! Per-layer attention from GGUF metadata: head shapes, sliding layers,
//! recurrent state, Gated DeltaNet widths and MLA, read the way llama.cpp's
//! `load_hparams` reads them (see the parent module's doc).

use rigsize_core::model::{LayerAttention, LinearDims, MlaDims};

use super::{to_u32, Meta};
use crate::error::ImportError;
use crate::gguf::GgufValue;

/// Head counts and widths; per-layer KV heads because hybrids vary them.
pub(super) struct Heads {
    pub(super) hidden: u32,
    pub(super) n_heads: u32,
    /// True when `head_count_kv` is an array: its zeros mark recurrent layers.
    kv_arr_given: bool,
    kv: Vec<u64>,
    pub(super) head_k: u32,
    pub(super) head_v: u32,
    head_k_swa: u32,
    head_v_swa: u32,
}

impl Heads {
    pub(super) fn read(m: &Meta) -> Result<Heads, ImportError> {
        let n_layer = m.n_layer;
        let hidden = match m.u64("embedding_length") {
            Some(v) => to_u32(v, "embedding_length", m.src)?,
            None => return Err(m.bad(format!("{}.embedding_length is missing", m.arch))),
        };
        let heads = m
            .per_layer("attention.head_count")?
            .unwrap_or_else(|| vec![0; n_layer]);
        let n_heads = to_u32(
            heads.iter().copied().max().unwrap_or(0),
            "head_count",
            m.src,
        )?;
        let kv_arr_given = matches!(m.get("attention.head_count_kv"), Some(GgufValue::Array(_)));
        let kv = m
            .per_layer("attention.head_count_kv")?
            .unwrap_or_else(|| heads.clone());
        let head_k = match m.u32("attention.key_length")? {
            Some(v) => v,
            None if n_heads > 0 => hidden / n_heads,
            None => 0,
        };
        let head_v = m.u32("attention.value_length")?.unwrap_or(head_k);
        let head_k_swa = m.u32("attention.key_length_swa")?.unwrap_or(head_k);
        let head_v_swa = m.u32("attention.value_length_swa")?.unwrap_or(head_v);
        Ok(Heads {
            hidden,
            n_heads,
            kv_arr_given,
            kv,
            head_k,
            head_v,
            head_k_swa,
            head_v_swa,
        })
    }
}

/// The window and which layers slide.
pub(super) struct Sliding {
    window: u32,
    layers: Vec<bool>,
}

/// How llama.cpp picks the sliding layers when the file names no pattern.
fn default_swa_period(arch: &str) -> Option<(u64, bool)> {
    Some(match arch {
        "gemma2" | "gpt-oss" => (2, false),
        "gemma3" | "gemma-embedding" => (6, false),
        "cohere2" | "llama4" | "exaone4" => (4, false),
        "gemma3n" => (5, false),
        "smallthinker" => (4, true),
        _ => return None,
    })
}

/// `set_swa_pattern(n, dense_first)`.
fn swa_from_period(n_layer: usize, n: u64, dense_first: bool) -> Vec<bool> {
    (0..n_layer as u64)
        .map(|il| {
            n == 0
                || if dense_first {
                    il % n != 0
                } else {
                    il % n < n - 1
                }
        })
        .collect()
}

/// Sliding layers: an explicit per-layer array, a period, or the
/// architecture's own period; none for architectures llama.cpp never slides.
pub(super) fn sliding_layers(m: &Meta, notes: &mut Vec<String>) -> Result<Sliding, ImportError> {
    let (arch, n_layer) = (m.arch.as_str(), m.n_layer);
    let n_swa = m.u32("attention.sliding_window")?.unwrap_or(0);
    let mut swa = vec![false; n_layer];
    if n_swa > 0 {
        match m.get("attention.sliding_window_pattern") {
            Some(GgufValue::Array(a)) => {
                if !a.kept || a.len as usize != n_layer {
                    return Err(m.bad(format!(
                        "{arch}.attention.sliding_window_pattern has {} entries for {n_layer} layers",
                        a.len
                    )));
                }
                for (i, v) in a.values.iter().enumerate() {
                    swa[i] = v.as_u64().ok_or_else(|| m.bad("sliding_window_pattern holds a non-bool"))? != 0;
                }
            }
            Some(v) => {
                let n = v.as_u64().ok_or_else(|| m.bad("sliding_window_pattern is not a number"))?;
                let dense_first = default_swa_period(arch).map(|d| d.1).unwrap_or(false);
                swa = swa_from_period(n_layer, n, dense_first);
            }
            None => match default_swa_period(arch) {
                Some((n, dense_first)) => swa = swa_from_period(n_layer, n, dense_first),
                None => notes.push(format!(
                    "{arch}.attention.sliding_window = {n_swa} but llama.cpp applies no sliding pattern to {arch}: all layers treated as full attention"
                )),
            },
        }
    }
    Ok(Sliding {
        window: n_swa,
        layers: swa,
    })
}

/// Which layers are recurrent, and the state each caches.
pub(super) struct Recurrent {
    layers: Vec<bool>,
    state_elems: u64,
    conv_elems: u64,
}

/// Recurrent layers: zero KV heads, qwen3next's interval, or a wholly
/// recurrent architecture (mamba, RWKV).
pub(super) fn recurrent_layers(m: &Meta, heads: &Heads) -> Result<Recurrent, ImportError> {
    let (arch, n_layer) = (m.arch.as_str(), m.n_layer);
    let mut recurrent = vec![false; n_layer];
    if heads.kv_arr_given {
        // `kv` has one entry per layer (`per_layer` checks the length).
        for (r, kv) in recurrent.iter_mut().zip(&heads.kv) {
            *r = *kv == 0;
        }
    }
    let interval =
        m.u64("full_attention_interval")
            .or(if arch == "qwen3next" { Some(4) } else { None });
    if let Some(iv) = interval {
        if iv == 0 {
            return Err(m.bad("full_attention_interval is 0"));
        }
        for (i, r) in recurrent.iter_mut().enumerate() {
            *r = !(i as u64 + 1).is_multiple_of(iv);
        }
    }
    if matches!(
        arch,
        "mamba" | "mamba2" | "rwkv6" | "rwkv7" | "rwkv6qwen2" | "arwkv7"
    ) {
        recurrent = vec![true; n_layer];
    }
    let (state_elems, conv_elems) = if recurrent.iter().any(|r| *r) {
        recurrent_state(m, heads.hidden)?
    } else {
        (0, 0)
    };
    Ok(Recurrent {
        layers: recurrent,
        state_elems,
        conv_elems,
    })
}

/// (state, conv) values a recurrent layer keeps: llama-hparams.cpp's
/// `n_embd_s` / `n_embd_r` for RWKV, LFM2 short convolutions and Mamba.
fn recurrent_state(m: &Meta, hidden: u32) -> Result<(u64, u64), ImportError> {
    let arch = m.arch.as_str();
    let h64 = hidden as u64;
    if let Some(hs) = m.u64("wkv.head_size") {
        let shift = m.u64("token_shift_count").unwrap_or(2);
        return Ok((h64.saturating_mul(hs), shift.saturating_mul(h64)));
    }
    if let Some(l) = m.u64("shortconv.l_cache") {
        return Ok((0, h64.saturating_mul(l.saturating_sub(1))));
    }
    let d_conv = m.u64("ssm.conv_kernel");
    let d_inner = m.u64("ssm.inner_size");
    let d_state = m.u64("ssm.state_size");
    let (Some(d_conv), Some(d_inner), Some(d_state)) = (d_conv, d_inner, d_state) else {
        return Err(m.bad(format!(
            "{arch} has recurrent layers but {arch}.ssm.conv_kernel / inner_size / state_size are missing"
        )));
    };
    let n_group = m.u64("ssm.group_count").unwrap_or(0);
    let conv = d_conv
        .saturating_sub(1)
        .checked_mul(d_inner.saturating_add(n_group.saturating_mul(d_state).saturating_mul(2)))
        .ok_or_else(|| m.bad("ssm sizes overflow"))?;
    let state = d_state
        .checked_mul(d_inner)
        .ok_or_else(|| m.bad("ssm sizes overflow"))?;
    Ok((state, conv))
}

/// qwen3next's Gated DeltaNet widths, stored under `ssm.*`.
pub(super) fn linear_dims(m: &Meta) -> Result<Option<LinearDims>, ImportError> {
    if m.arch != "qwen3next" {
        return Ok(None);
    }
    Ok(
        match (
            m.u32("ssm.group_count")?,
            m.u32("ssm.time_step_rank")?,
            m.u32("ssm.state_size")?,
            m.u32("ssm.inner_size")?,
            m.u32("ssm.conv_kernel")?,
        ) {
            (Some(g), Some(r), Some(s), Some(inner), Some(k)) if r > 0 => Some(LinearDims {
                num_key_heads: g,
                num_value_heads: r,
                key_head_dim: s,
                value_head_dim: inner / r,
                conv_kernel: k,
            }),
            _ => None,
        },
    )
}

/// MLA (deepseek2): the latent rank and RoPE part cached per token.
pub(super) struct MlaShape {
    kv_lora: Option<u32>,
    rope_dim: u32,
    pub(super) dims: Option<MlaDims>,
}

impl MlaShape {
    pub(super) fn read(m: &Meta, head_k: u32, head_v: u32) -> Result<MlaShape, ImportError> {
        let kv_lora = m.u32("attention.kv_lora_rank")?.filter(|r| *r > 0);
        let rope_dim = m.u32("rope.dimension_count")?.unwrap_or(head_k);
        let dims = kv_lora.map(|kv_lora_rank| {
            let k_mla = m
                .u64("attention.key_length_mla")
                .map(|v| v as u32)
                .unwrap_or(head_k);
            let v_mla = m
                .u64("attention.value_length_mla")
                .map(|v| v as u32)
                .unwrap_or(head_v);
            MlaDims {
                q_lora_rank: m
                    .u64("attention.q_lora_rank")
                    .filter(|v| *v > 0)
                    .map(|v| v as u32),
                kv_lora_rank,
                qk_nope_head_dim: k_mla.saturating_sub(rope_dim),
                qk_rope_head_dim: rope_dim,
                v_head_dim: v_mla,
            }
        });
        Ok(MlaShape {
            kv_lora,
            rope_dim,
            dims,
        })
    }
}

/// One attention kind per layer: recurrent wins, then MLA, then sliding.
pub(super) fn layer_list(
    m: &Meta,
    heads: &Heads,
    sliding: &Sliding,
    recurrent: &Recurrent,
    mla: &MlaShape,
) -> Result<Vec<LayerAttention>, ImportError> {
    let mut layers = Vec::with_capacity(m.n_layer);
    for i in 0..m.n_layer {
        let kvh = to_u32(heads.kv[i], "head_count_kv", m.src)?;
        layers.push(if recurrent.layers[i] {
            LayerAttention::Recurrent {
                state_elems: recurrent.state_elems,
                conv_elems: recurrent.conv_elems,
            }
        } else if let Some(r) = mla.kv_lora {
            LayerAttention::Mla {
                kv_lora_rank: r,
                rope_dim: mla.rope_dim,
            }
        } else if sliding.layers[i] {
            LayerAttention::Sliding {
                kv_heads: kvh,
                head_dim_k: heads.head_k_swa,
                head_dim_v: heads.head_v_swa,
                window: sliding.window,
            }
        } else {
            LayerAttention::Full {
                kv_heads: kvh,
                head_dim_k: heads.head_k,
                head_dim_v: heads.head_v,
            }
        });
    }
    Ok(layers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swa_periods_follow_llama_cpp() {
        // gemma3: 5 sliding, 1 full.
        let p = swa_from_period(12, 6, false);
        assert_eq!(p.iter().filter(|s| !**s).count(), 2);
        assert!(!p[5] && !p[11] && p[0]);
        // gpt-oss: layer 0 sliding, layer 1 full.
        let p = swa_from_period(4, 2, false);
        assert_eq!(p, vec![true, false, true, false]);
        // dense first.
        let p = swa_from_period(8, 4, true);
        assert_eq!(p, vec![false, true, true, true, false, true, true, true]);
        // 0: every layer slides.
        assert!(swa_from_period(3, 0, false).iter().all(|s| *s));
    }
}
