//! `data/engine-compat.toml`: which engine runs on which hardware with which
//! quantization (the rules live in `rigsize_core::compat`), read strictly.

use rigsize_core::compat::CompatData;

use crate::error::CatalogError;

/// The built-in rules, embedded like the other data files.
pub const ENGINE_COMPAT_TOML: &str = include_str!("../../../data/engine-compat.toml");

/// Parses and checks a compatibility file.
pub fn parse_compat(text: &str, file: &str) -> Result<CompatData, CatalogError> {
    let data: CompatData =
        toml::from_str(text).map_err(|e| CatalogError::from_toml(file, text, &e))?;
    data.validate().map_err(|why| CatalogError::Malformed {
        file: file.to_string(),
        line: None,
        message: why,
    })?;
    Ok(data)
}

/// The built-in rules.
pub fn builtin_compat() -> Result<CompatData, CatalogError> {
    parse_compat(ENGINE_COMPAT_TOML, "data/engine-compat.toml")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalog;
    use rigsize_core::compat::{Effect, Subject};
    use rigsize_core::engine::Engine;

    fn check(c: &Catalog, d: &CompatData, engine: Engine, hw: &str, quant: &str) -> Vec<Effect> {
        let r = c.hardware_record(hw).unwrap();
        let vendor = r.device.vendor_key();
        d.check(&Subject {
            engine,
            quant,
            vendor: &vendor,
            kind: r.device.kind,
            family: &r.device.family,
            device: &r.device.id,
            arch: r.arch.as_deref(),
            model_family: "llama",
        })
        .into_iter()
        .map(|f| f.effect)
        .collect()
    }

    #[test]
    fn the_shipped_rules_parse_and_every_capability_family_exists() {
        let d = builtin_compat().unwrap();
        let c = Catalog::builtin().unwrap();
        for cap in &d.capabilities {
            assert!(
                c.hardware.iter().any(|h| h.device.family == cap.family),
                "{}",
                cap.family
            );
        }
        // A rule's device families and ids name devices of the catalog.
        for r in &d.rules {
            for f in &r.hardware_families {
                assert!(
                    c.hardware.iter().any(|h| &h.device.family == f),
                    "{}: {f}",
                    r.id
                );
            }
            for id in &r.devices {
                assert!(
                    c.hardware.iter().any(|h| &h.device.id == id),
                    "{}: {id}",
                    r.id
                );
            }
        }
        // Every NVIDIA device (GPUs, GB10 and GB300 boxes) has a compute capability.
        for h in c
            .hardware
            .iter()
            .filter(|h| h.device.vendor_key() == "nvidia")
        {
            assert!(
                d.compute_capability(&h.device.family, h.arch.as_deref())
                    .is_some(),
                "{}",
                h.device.id
            );
        }
        assert_eq!(
            d.compute_capability("nvidia-ampere", Some("Ampere GA100")),
            Some(8.0)
        );
        assert_eq!(
            d.compute_capability("nvidia-ampere", Some("Ampere GA102")),
            Some(8.6)
        );
        assert_eq!(
            d.compute_capability("nvidia-blackwell", Some("Blackwell GB100 (2 dies)")),
            Some(10.0)
        );
    }

    #[test]
    fn every_device_is_keyed_by_its_chips_maker_not_its_seller() {
        let c = Catalog::builtin().unwrap();
        for h in &c.hardware {
            let key = h.device.vendor_key();
            assert!(
                h.device.family.starts_with(&format!("{key}-")),
                "{}",
                h.device.id
            );
        }
        let key = |id: &str| c.hardware_record(id).unwrap().device.vendor_key();
        assert_eq!(key("gb10-partner-systems"), "nvidia");
        assert_eq!(key("strix-halo-395-mini-pcs"), "amd");
        assert_eq!(key("strix-halo-395"), "amd");
    }

    #[test]
    fn engines_and_formats_follow_the_rules() {
        let d = builtin_compat().unwrap();
        let c = Catalog::builtin().unwrap();
        use Effect::{Refuse, Warn};
        for (engine, hw, quant, want) in [
            (Engine::Vllm, "m3-ultra-80c", "nvfp4", vec![Refuse, Refuse]),
            (Engine::Vllm, "m3-ultra-80c", "bf16", vec![Refuse]),
            (Engine::Mlx, "rtx-4090", "mlx-4bit", vec![Refuse]),
            (Engine::Mlx, "m3-ultra-80c", "mlx-4bit", vec![]),
            (Engine::Vllm, "rtx-3090", "nvfp4", vec![Warn]),
            (Engine::Vllm, "rtx-5090", "nvfp4", vec![Warn]),
            (Engine::Vllm, "b200", "nvfp4", vec![]),
            (Engine::Vllm, "rtx-4090", "fp8", vec![]),
            (Engine::Vllm, "rtx-3090", "fp8", vec![Warn]),
            (Engine::Trtllm, "rtx-3090", "fp8", vec![Refuse]),
            (Engine::Trtllm, "rtx-4090", "nvfp4", vec![Refuse]),
            (Engine::Vllm, "v100-32g-sxm2", "bf16", vec![Refuse]),
            (Engine::LlamaCpp, "m3-ultra-80c", "q4_k_m", vec![]),
            (Engine::LlamaCpp, "rtx-4090", "fp8", vec![Refuse]),
            (Engine::LlamaCpp, "radeon-ai-pro-r9700", "q4_k_m", vec![]),
            (Engine::Vllm, "mi300x", "nvfp4", vec![Refuse]),
            (Engine::Sglang, "mi300x", "fp8", vec![]),
            // Boxes whose vendor field names OEMs run what their chip runs:
            // GB10 partner systems ("various") and the DGX Station
            // ("NVIDIA + OEMs") take vLLM and NVFP4 as a DGX Spark does.
            (Engine::Vllm, "gb10-partner-systems", "bf16", vec![]),
            (Engine::Vllm, "dgx-station-gb300", "bf16", vec![]),
            (Engine::Vllm, "dgx-spark", "nvfp4", vec![Warn]),
            (Engine::Vllm, "gb10-partner-systems", "nvfp4", vec![Warn]),
            // vLLM's ROCm builds name their gfx targets: an MI50 (gfx906),
            // MI100 (gfx908) or RX 6800 (gfx1030) needs a fork; an MI210,
            // RX 7900 XTX or R9700 does not, and llama.cpp runs on all.
            (Engine::Vllm, "mi50-32g", "bf16", vec![Warn]),
            (Engine::Vllm, "mi100", "bf16", vec![Warn]),
            (Engine::Vllm, "rx-6800", "bf16", vec![Warn]),
            (Engine::Vllm, "rx-7600", "bf16", vec![Warn]),
            (Engine::Vllm, "mi210", "bf16", vec![]),
            (Engine::Vllm, "rx-7900-xtx", "bf16", vec![]),
            (Engine::Vllm, "radeon-ai-pro-r9700", "bf16", vec![]),
            (Engine::LlamaCpp, "mi50-32g", "q4_k_m", vec![]),
        ] {
            assert_eq!(
                check(&c, &d, engine, hw, quant),
                want,
                "{engine} {hw} {quant}"
            );
        }
    }

    /// The engine table (data/engines.toml) and these rules agree: every quantization an
    /// engine defaults to or tries in a fix runs on some device of the catalog.
    #[test]
    fn every_engine_quantization_of_the_profile_runs_somewhere() {
        let d = builtin_compat().unwrap();
        let c = Catalog::builtin().unwrap();
        for e in Engine::ALL {
            let q = &e.runtime().quant;
            let natives = q.by_native.values();
            for quant in q.ladder.iter().chain([&q.default]).chain(natives) {
                let runs = c
                    .hardware
                    .iter()
                    .any(|h| !check(&c, &d, e, &h.device.id, quant).contains(&Effect::Refuse));
                assert!(runs, "{e} {quant}: refused on every device");
            }
        }
    }

    #[test]
    fn a_rule_without_source_or_date_is_refused() {
        let bad = ENGINE_COMPAT_TOML.replacen("as_of = \"2026-12-05\"", "as_of = \"soon\"", 1);
        let e = parse_compat(&bad, "c.toml").unwrap_err().to_string();
        assert!(e.contains("YYYY-MM-DD"), "{e}");
        let bad = ENGINE_COMPAT_TOML.replace(
            "id = \"vllm-platforms\"\neffect = \"refuse\"",
            "id = \"vllm-platforms\"\neffect = \"maybe\"",
        );
        assert_ne!(bad, ENGINE_COMPAT_TOML);
        assert!(parse_compat(&bad, "c.toml").is_err());
    }
}
