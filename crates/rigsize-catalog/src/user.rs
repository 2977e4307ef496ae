//! The user's own catalog file, as `rigsize catalog add|list|remove` edits
//! it: records built from an imported config so that a model released
//! today can be planned before the built-in data knows it.
//!
//! Every write goes to a temporary file beside the target and is renamed
//! over it, so a failed write never leaves a half-written catalog.

use std::path::{Path, PathBuf};

use rigsize_core::model::{LayerAttention, ModelArch};

use crate::error::CatalogError;
use crate::models::{parse_models, LinearToml, MlaToml, ModelToml, MoeToml, VisionToml};
use crate::Catalog;

/// Where `catalog add` writes: `$RIGSIZE_CATALOG`, else
/// `<config dir>/rigsize/catalog.toml` (the file [`Catalog::user_catalog_path`]
/// reads), whether or not it exists yet.
pub fn user_catalog_target() -> Result<PathBuf, CatalogError> {
    if let Some(p) = std::env::var_os("RIGSIZE_CATALOG") {
        return Ok(p.into());
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
        .map(|b| b.join("rigsize").join("catalog.toml"))
        .ok_or_else(|| CatalogError::Io {
            file: "user catalog".into(),
            message: "neither RIGSIZE_CATALOG, XDG_CONFIG_HOME nor HOME is set".into(),
        })
}

/// The shortest prefix that, repeated from layer 0, gives every layer's kind.
fn compress_pattern(letters: &[char]) -> String {
    (1..=letters.len())
        .find(|&p| {
            letters
                .iter()
                .enumerate()
                .all(|(i, c)| *c == letters[i % p])
        })
        .map(|p| letters[..p].iter().collect())
        .unwrap_or_default()
}

fn b(n: u64) -> f64 {
    n as f64 / 1e9
}

/// (kv_heads, head_dim_k, head_dim_v) of one kind of attention layer.
type KvShape = (u32, u32, u32);

/// What the layers say in the schema's terms: the layer letters, the base
/// KV shape (sliding layers first), the full layers' shape where it
/// differs, and the sliding window.
struct Layout {
    letters: Vec<char>,
    base: Option<KvShape>,
    full_override: Option<KvShape>,
    window: Option<u32>,
}

fn layout(arch: &ModelArch) -> Result<Layout, String> {
    let mut letters = Vec::with_capacity(arch.layers.len());
    let (mut full, mut slide): (Option<KvShape>, Option<KvShape>) = (None, None);
    let mut window = None;
    for l in &arch.layers {
        let (c, dims, slot) = match *l {
            LayerAttention::Full {
                kv_heads,
                head_dim_k,
                head_dim_v,
            } => ('F', (kv_heads, head_dim_k, head_dim_v), Some(&mut full)),
            LayerAttention::Sliding {
                kv_heads,
                head_dim_k,
                head_dim_v,
                window: w,
            } => {
                if window.is_some_and(|x| x != w) {
                    return Err("sliding layers with different windows".into());
                }
                window = Some(w);
                ('S', (kv_heads, head_dim_k, head_dim_v), Some(&mut slide))
            }
            LayerAttention::Mla { .. } => ('M', (0, 0, 0), None),
            LayerAttention::Recurrent { .. } => ('L', (0, 0, 0), None),
        };
        if let Some(slot) = slot {
            if slot.is_some_and(|a| a != dims) {
                return Err("layers of one kind with different KV head counts or widths".into());
            }
            *slot = Some(dims);
        }
        letters.push(c);
    }
    // Sliding layers give the base shape; full ones that differ override it.
    let full_override = match (slide, full) {
        (Some(s), Some(f)) if f != s => {
            if f.1 != f.2 {
                return Err("full layers whose K and V widths differ from each other and from the sliding layers'".into());
            }
            Some(f)
        }
        _ => None,
    };
    Ok(Layout {
        letters,
        base: slide.or(full),
        full_override,
        window,
    })
}

impl ModelToml {
    /// A record for `arch` as the importer read it. Fails where the schema
    /// cannot say what the architecture is (per-layer KV heads that differ,
    /// Mamba-style recurrent layers), rather than storing something else.
    pub fn from_arch(
        arch: &ModelArch,
        source: &str,
        hf_repo: Option<String>,
    ) -> Result<ModelToml, String> {
        let Layout {
            letters,
            base: attn,
            full_override: overrides,
            window,
        } = layout(arch)?;
        if letters.contains(&'L') && arch.linear.is_none() {
            return Err("recurrent layers that are not Gated DeltaNet (Mamba-style state): the catalog schema cannot describe them".into());
        }
        let (kv_heads, head_dim, head_dim_v) =
            attn.unwrap_or((arch.n_heads, arch.head_dim, arch.head_dim));
        let head_dim = if attn.is_some() {
            head_dim
        } else {
            arch.head_dim
        };
        Ok(ModelToml {
            id: String::new(),
            name: arch.name.clone(),
            aliases: Vec::new(),
            family: arch.family.clone(),
            hf_repo,
            params_total_b: b(arch.params_total),
            params_active_b: b(arch.params_active),
            params_active_decode_b: b(arch.params_active_decode),
            layers: arch.n_layers(),
            hidden: arch.hidden,
            heads: arch.n_heads,
            kv_heads,
            head_dim,
            head_dim_v: (head_dim_v != head_dim).then_some(head_dim_v),
            vocab: arch.vocab,
            tie_embeddings: arch.tied_embeddings,
            ffn: arch.ffn,
            layer_pattern: compress_pattern(&letters),
            sliding_window: window,
            full_kv_heads: overrides.map(|f| f.0),
            full_head_dim: overrides.map(|f| f.1),
            native_context: arch.native_context,
            extended_context: arch.extended_context,
            native_dtype: arch.native_dtype.name().to_string(),
            kv_bytes_per_token_fp16: None,
            kv_sliding_bytes_per_token_fp16: None,
            moe: moe_table(arch),
            mla: mla_table(arch),
            linear: linear_table(arch),
            indexer_head_dim: arch.indexer_head_dim,
            vision: vision_table(arch, source),
            license: None,
            release_date: None,
            source: source.to_string(),
            verified: false,
            unverified_fields: Vec::new(),
            notes: None,
            user_added: true,
        })
    }
}

/// The record's `moe` table: what sizes a mixture-of-experts model's
/// experts and routing.
fn moe_table(arch: &ModelArch) -> Option<MoeToml> {
    arch.moe.as_ref().map(|m| MoeToml {
        experts: m.experts,
        experts_per_token: m.experts_per_token,
        shared_experts: m.shared_experts,
        expert_ffn: m.expert_ffn,
        shared_expert_ffn: m.shared_expert_ffn,
        dense_layers: m.dense_layers,
    })
}

/// The record's `mla` table: the latent attention widths that size its
/// KV cache.
fn mla_table(arch: &ModelArch) -> Option<MlaToml> {
    arch.mla.as_ref().map(|m| MlaToml {
        q_lora_rank: m.q_lora_rank,
        kv_lora_rank: m.kv_lora_rank,
        qk_nope_head_dim: m.qk_nope_head_dim,
        qk_rope_head_dim: m.qk_rope_head_dim,
        v_head_dim: m.v_head_dim,
    })
}

/// The record's `linear` table: the Gated DeltaNet heads that size its
/// recurrent state.
fn linear_table(arch: &ModelArch) -> Option<LinearToml> {
    arch.linear.as_ref().map(|l| LinearToml {
        num_key_heads: l.num_key_heads,
        num_value_heads: l.num_value_heads,
        key_head_dim: l.key_head_dim,
        value_head_dim: l.value_head_dim,
        conv_kernel: l.conv_kernel,
    })
}

/// The record's `vision` table: the encoder and image tokens, with where
/// they came from.
fn vision_table(arch: &ModelArch, source: &str) -> Option<VisionToml> {
    arch.vision.as_ref().map(|v| VisionToml {
        encoder_params_b: b(v.encoder_params),
        tokens_per_image: v.tokens_per_image,
        reference_resolution_px: v.reference_resolution_px,
        pixels_per_token: v.pixels_per_token,
        source: source.to_string(),
    })
}

/// A catalog id from a model name: lower case, runs of other characters as `-`.
pub fn id_from_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The user catalog file: its path and current text (empty if absent).
pub struct UserCatalog {
    pub path: PathBuf,
    text: String,
}

fn io(path: &Path, e: impl std::fmt::Display) -> CatalogError {
    CatalogError::Io {
        file: path.display().to_string(),
        message: e.to_string(),
    }
}

impl UserCatalog {
    pub fn open(path: &Path) -> Result<UserCatalog, CatalogError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(io(path, e)),
        };
        let uc = UserCatalog {
            path: path.to_path_buf(),
            text,
        };
        // Refuse to edit a file that does not parse: the edit would hide the fault.
        Catalog::builtin()?.merge_text(&uc.text, &uc.file())?;
        Ok(uc)
    }

    fn file(&self) -> String {
        self.path.display().to_string()
    }

    /// The file's model records, in file order.
    pub fn models(&self) -> Result<Vec<crate::ModelRecord>, CatalogError> {
        parse_models(&self.text, &self.file())
    }

    /// Appends `rec`. An id (or alias) already known, built-in or user,
    /// needs `force`: a user record then replaces the older user record and
    /// shadows a built-in one.
    pub fn add(&mut self, rec: &ModelToml, force: bool) -> Result<(), CatalogError> {
        let file = self.file();
        let mut builtin = Catalog::builtin()?;
        builtin.merge_text(&self.text, &file)?;
        if let Ok(prev) = builtin.model(&rec.id) {
            if !force {
                let whose = if prev.user_added
                    || self.models()?.iter().any(|m| m.arch.id == prev.arch.id)
                {
                    "the user catalog"
                } else {
                    "the built-in catalog"
                };
                return Err(CatalogError::Malformed {
                    file,
                    line: None,
                    message: format!("model id '{}' is already in {whose} (as '{}'); pass --force to replace it, or --id to name the new record", rec.id, prev.arch.id),
                });
            }
        }
        let mut kept = self.without(&rec.id)?;
        #[derive(serde::Serialize)]
        struct One<'a> {
            model: [&'a ModelToml; 1],
        }
        let added = toml::to_string(&One { model: [rec] }).map_err(|e| io(&self.path, e))?;
        if !kept.is_empty() && !kept.ends_with("\n\n") {
            kept.push_str(if kept.ends_with('\n') { "\n" } else { "\n\n" });
        }
        kept.push_str(&added);
        // The new text must load exactly as the catalog will read it.
        builtin = Catalog::builtin()?;
        builtin.merge_text(&kept, &file)?;
        self.write(kept)
    }

    /// Removes the user record `id`; built-in records cannot be removed.
    pub fn remove(&mut self, id: &str) -> Result<(), CatalogError> {
        if !self
            .models()?
            .iter()
            .any(|m| m.arch.id.eq_ignore_ascii_case(id))
        {
            let builtin = Catalog::builtin()?.model(id).is_ok();
            return Err(CatalogError::Malformed {
                file: self.file(),
                line: None,
                message: if builtin {
                    format!("'{id}' is a built-in record, not a user record; only records in this file can be removed")
                } else {
                    format!("no user record '{id}' (see rigsize catalog list --user)")
                },
            });
        }
        let text = self.without(id)?;
        self.write(text)
    }

    /// The file's text without the `[[model]]` record `id`; other records
    /// and top-level comments are kept as written.
    fn without(&self, id: &str) -> Result<String, CatalogError> {
        let mut out = String::new();
        let mut block = String::new();
        let flush = |block: &mut String, out: &mut String| -> Result<(), CatalogError> {
            let drop = block.trim_start().starts_with("[[model]]")
                && parse_models(block, &self.file())?
                    .iter()
                    .any(|m| m.arch.id.eq_ignore_ascii_case(id));
            if !drop {
                out.push_str(block);
            }
            block.clear();
            Ok(())
        };
        for line in self.text.split_inclusive('\n') {
            let t = line.trim_start();
            if t.starts_with("[[") && !block.is_empty() {
                flush(&mut block, &mut out)?;
            }
            block.push_str(line);
        }
        flush(&mut block, &mut out)?;
        Ok(out)
    }

    fn write(&mut self, text: String) -> Result<(), CatalogError> {
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let tmp = dir.join(format!(".catalog.toml.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &text).map_err(|e| io(&tmp, e))?;
        if let Err(e) = std::fs::rename(&tmp, &self.path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(&self.path, e));
        }
        self.text = text;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_is_the_shortest_repeating_prefix() {
        let l: Vec<char> = "SSSSSFSSSSSFSS".chars().collect();
        assert_eq!(compress_pattern(&l), "SSSSSF");
        assert_eq!(compress_pattern(&['F'; 4]), "F");
        assert_eq!(compress_pattern(&['L', 'L', 'L', 'F']), "LLLF");
    }

    #[test]
    fn every_builtin_arch_round_trips_through_a_user_record() {
        for m in Catalog::builtin().unwrap().models {
            let mut t = ModelToml::from_arch(&m.arch, "test", None).unwrap();
            t.id = m.arch.id.clone();
            assert_eq!(t.to_record().unwrap().arch, m.arch, "{}", m.arch.id);
        }
    }

    #[test]
    fn ids_are_slugs() {
        assert_eq!(
            id_from_name("Qwen/Qwen3.6-27B Instruct"),
            "qwen-qwen3.6-27b-instruct"
        );
    }
}
