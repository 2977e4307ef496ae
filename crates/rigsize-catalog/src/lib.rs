//! The catalog: every model and device rigsize knows, from `data/*.toml`
//! embedded at build time, plus the user's own records.
//!
//! Adding a model or a GPU is a data change (like tokei's languages.json):
//! nothing in code lists them. User records with the same id replace the
//! built-in ones, so a user can also correct a fact.

pub mod checkpoints;
pub mod compat;
pub mod error;
pub mod hardware;
pub mod models;
pub mod user;
pub mod vector_flops;

use std::path::Path;

use rigsize_core::error::closest;
use rigsize_core::hardware::DeviceSet;

pub use error::CatalogError;
pub use hardware::HardwareRecord;
pub use models::ModelRecord;

/// The built-in data files, embedded so the binary works anywhere.
pub const MODELS_TOML: &str = include_str!("../../../data/models.toml");
/// Models that appear in public benchmarks but not in the research file.
pub const MODELS_EXTRA_TOML: &str = include_str!("../../../data/models-extra.toml");
pub const HARDWARE_TOML: &str = include_str!("../../../data/hardware.toml");

/// Most devices of one kind rigsize plans with (`--hw rtx-3090:N`).
pub const MAX_DEVICE_COUNT: u32 = 16;

#[derive(Debug, Clone)]
pub struct Catalog {
    pub models: Vec<ModelRecord>,
    pub hardware: Vec<HardwareRecord>,
}

impl Catalog {
    /// The embedded catalog. Fails only if the shipped data is broken, which
    /// the tests rule out.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let mut models = models::parse_models(MODELS_TOML, "data/models.toml")?;
        models.extend(models::parse_models(
            MODELS_EXTRA_TOML,
            "data/models-extra.toml",
        )?);
        let mut hardware = hardware::parse_hardware(HARDWARE_TOML, "data/hardware.toml")?;
        vector_flops::apply(
            &mut hardware,
            vector_flops::VECTOR_FLOPS_TOML,
            "data/vector-flops.toml",
        )?;
        let catalog = Catalog { models, hardware };
        catalog.check_unique("data/models*.toml, data/hardware.toml")?;
        Ok(catalog)
    }

    /// Merges a user's TOML file (`[[model]]` and/or `[[device]]` records).
    /// A record whose id already exists replaces the built-in one.
    pub fn merge_file(&mut self, path: &Path) -> Result<(), CatalogError> {
        let file = path.display().to_string();
        let text = rigsize_fs::read_text(path).map_err(|e| CatalogError::Io {
            file: file.clone(),
            message: e.reason(),
        })?;
        self.merge_text(&text, &file)
    }

    /// As [`Catalog::merge_file`], from text.
    pub fn merge_text(&mut self, text: &str, file: &str) -> Result<(), CatalogError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| CatalogError::from_toml(file, text, &e))?;
        if let Some(key) = table
            .keys()
            .find(|k| !matches!(k.as_str(), "model" | "device"))
        {
            return Err(CatalogError::Malformed {
                file: file.to_string(),
                line: None,
                message: format!(
                    "unknown top-level key '{key}': a catalog file holds [[model]] and [[device]] records"
                ),
            });
        }
        for m in models::parse_models(text, file)? {
            self.models.retain(|x| x.arch.id != m.arch.id);
            self.models.push(m);
        }
        for h in hardware::parse_hardware(text, file)? {
            self.hardware.retain(|x| x.device.id != h.device.id);
            self.hardware.push(h);
        }
        self.check_unique(file)
    }

    /// The user config file, if present: `$RIGSIZE_CATALOG`, else
    /// `<config dir>/rigsize/catalog.toml`.
    pub fn user_catalog_path() -> Option<std::path::PathBuf> {
        let p = user::user_catalog_target().ok()?;
        // A file named by $RIGSIZE_CATALOG must exist (reading it reports
        // the error); the default one is optional.
        (std::env::var_os("RIGSIZE_CATALOG").is_some() || p.exists()).then_some(p)
    }

    fn check_unique(&self, file: &str) -> Result<(), CatalogError> {
        let mut seen = std::collections::HashMap::new();
        for m in &self.models {
            for name in std::iter::once(&m.arch.id).chain(m.aliases.iter()) {
                if let Some(prev) = seen.insert(name.to_ascii_lowercase(), m.arch.id.clone()) {
                    if prev != m.arch.id {
                        return Err(CatalogError::Malformed {
                            file: file.to_string(),
                            line: None,
                            message: format!(
                                "model id or alias '{name}' is used by both '{prev}' and '{}'",
                                m.arch.id
                            ),
                        });
                    }
                }
            }
        }
        let mut seen = std::collections::HashMap::new();
        for h in &self.hardware {
            for name in std::iter::once(&h.device.id).chain(h.aliases.iter()) {
                if let Some(prev) = seen.insert(name.to_ascii_lowercase(), h.device.id.clone()) {
                    if prev != h.device.id {
                        return Err(CatalogError::Malformed {
                            file: file.to_string(),
                            line: None,
                            message: format!(
                                "hardware id or alias '{name}' is used by both '{prev}' and '{}'",
                                h.device.id
                            ),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// A model by id or alias (case-insensitive); an unknown name gets the
    /// closest ids as suggestions.
    pub fn model(&self, name: &str) -> Result<&ModelRecord, CatalogError> {
        let key = name.trim().to_ascii_lowercase();
        self.models
            .iter()
            .find(|m| {
                m.arch.id.eq_ignore_ascii_case(&key)
                    || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(&key))
                    || m.hf_repo
                        .as_deref()
                        .is_some_and(|r| r.eq_ignore_ascii_case(&key))
            })
            .ok_or_else(|| CatalogError::UnknownId {
                what: "model",
                id: name.to_string(),
                suggestions: closest(
                    name,
                    self.models.iter().flat_map(|m| {
                        std::iter::once(m.arch.id.as_str())
                            .chain(m.aliases.iter().map(String::as_str))
                    }),
                    3,
                ),
                see: "rigsize models",
            })
    }

    /// A device by id or alias.
    pub fn hardware_record(&self, name: &str) -> Result<&HardwareRecord, CatalogError> {
        let key = name.trim().to_ascii_lowercase();
        self.hardware
            .iter()
            .find(|h| {
                h.device.id.eq_ignore_ascii_case(&key)
                    || h.aliases.iter().any(|a| a.eq_ignore_ascii_case(&key))
            })
            .ok_or_else(|| CatalogError::UnknownId {
                what: "hardware",
                id: name.to_string(),
                suggestions: closest(
                    name,
                    self.hardware.iter().flat_map(|h| {
                        std::iter::once(h.device.id.as_str())
                            .chain(h.aliases.iter().map(String::as_str))
                    }),
                    3,
                ),
                see: "rigsize hardware",
            })
    }

    /// Parses a hardware spec: `ID`, `ID:COUNT`, `ID@MEMORY` or
    /// `ID@MEMORY:COUNT`, where MEMORY picks one of the sold memory
    /// configurations in GB (`m3-ultra-80c@256`, `rtx-3090:2`).
    pub fn device_set(&self, spec: &str) -> Result<DeviceSet, CatalogError> {
        let bad = |why: String| {
            CatalogError::Core(rigsize_core::CoreError::InvalidValue {
                what: "hardware spec".into(),
                value: spec.to_string(),
                why,
            })
        };
        let (head, count) = match spec.rsplit_once(':') {
            Some((h, c)) => {
                let n: u32 = c.trim().parse().map_err(|_| {
                    bad(format!("device count '{c}' is not a positive whole number"))
                })?;
                if n == 0 || n > MAX_DEVICE_COUNT {
                    return Err(bad(format!("device count must be 1 to {MAX_DEVICE_COUNT}")));
                }
                (h, n)
            }
            None => (spec, 1),
        };
        let (id, memory) = match head.split_once('@') {
            Some((i, m)) => (i, Some(m)),
            None => (head, None),
        };
        let rec = self.hardware_record(id)?;
        let mut device = rec.device.clone();
        if let Some(m) = memory {
            let gb: f64 = m
                .trim()
                .trim_end_matches(|c: char| c.is_ascii_alphabetic())
                .parse()
                .map_err(|_| bad(format!("memory '{m}' is not a number of GB")))?;
            let want = (gb * (1u64 << 30) as f64).round() as u64;
            let found = rec
                .memory_configs_bytes
                .iter()
                .copied()
                .find(|b| b.abs_diff(want) < (1 << 29));
            match found {
                Some(b) => device.memory_bytes = b,
                None => {
                    let sold: Vec<String> = rec
                        .memory_configs_bytes
                        .iter()
                        .map(|b| format!("{}", (*b as f64 / (1u64 << 30) as f64).round()))
                        .collect();
                    return Err(bad(format!(
                        "{} is not sold with {m} GB; configurations: {} GB",
                        rec.device.id,
                        sold.join(", ")
                    )));
                }
            }
        }
        Ok(DeviceSet { device, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_loads_and_validates() {
        let c = Catalog::builtin().unwrap();
        assert!(c.models.len() >= 47);
        assert!(!c.hardware.is_empty());
    }

    #[test]
    fn every_shared_model_id_is_present() {
        let c = Catalog::builtin().unwrap();
        let shared = include_str!("../../../data/models.toml");
        for line in shared.lines().filter(|l| l.starts_with("id = ")) {
            let id = line.trim_start_matches("id = ").trim_matches('"');
            assert!(c.model(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn unknown_model_suggests() {
        let c = Catalog::builtin().unwrap();
        let e = c.model("Qwen2.5-Coder 72B").unwrap_err().to_string();
        assert!(e.contains("qwen2.5-coder-32b-instruct"), "{e}");
        assert!(e.contains("qwen2.5-72b-instruct"), "{e}");
    }

    #[test]
    fn overrides_replace_and_report_lines() {
        let mut c = Catalog::builtin().unwrap();
        let bad = "[[model]]\nid = \"x\"\nname = \"x\"\nfamily = \"llama\"\nbogus = 1\n";
        let e = c.merge_text(bad, "user.toml").unwrap_err().to_string();
        assert!(e.starts_with("user.toml:"), "{e}");
        assert!(e.contains("bogus"), "{e}");
        let e = c
            .merge_text("[[gpu]]\nid = 1\n", "user.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("gpu"), "{e}");
    }

    #[test]
    fn device_spec_parses_counts() {
        let c = Catalog::builtin().unwrap();
        let s = c.device_set("rtx-5090:2").unwrap();
        assert_eq!(s.count, 2);
        for bad in ["rtx-5090:0", "rtx-5090:x", "rtx-5090:99", "rtx-9999"] {
            assert!(c.device_set(bad).is_err(), "{bad}");
        }
    }
}
