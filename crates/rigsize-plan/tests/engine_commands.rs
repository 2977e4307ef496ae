//! Every command `rigsize plan` prints for an example's top pick is checked against the
//! engine's own argument vocabulary (data/engine-args, read from the engines' parsers by
//! scripts/engine-args/extract.py): an unknown flag or a value of the wrong form fails.

mod common;

use common::BIG_ON_BOXES;
use rigsize_catalog::Catalog;
use rigsize_engine_args::check_line;
use rigsize_plan::commands::{engine_commands, multi_machine, ModelRepo};
use rigsize_plan::plan_from_toml;
use rigsize_plan::requirements::Platform;
use rigsize_speed::model::Link;

fn examples() -> Vec<(String, String)> {
    let dir = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_printed_command_parses_with_the_engines_own_vocabulary() {
    let catalog = Catalog::builtin().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, text) in examples() {
        let report = plan_from_toml(&text, &path, &catalog).unwrap();
        for cmd in &report.commands {
            // A comment-only line starts nothing (a server with no checkpoint of its format).
            let lines = cmd.command.lines().map(str::trim);
            for line in lines.filter(|l| !l.is_empty() && !l.starts_with('#')) {
                match check_line(line) {
                    Ok(inv) => checked += inv.len(),
                    Err(e) => failures.push(format!("{path}: {line}\n    {e}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "commands that would not start:\n{}",
        failures.join("\n")
    );
    assert!(checked >= 4, "only {checked} invocations checked");
}

#[test]
fn no_device_is_shared_beyond_its_memory_and_vllm_fractions_fit() {
    let catalog = Catalog::builtin().unwrap();
    let mut shared_devices = 0;
    for (path, text) in examples() {
        let report = plan_from_toml(&text, &path, &catalog).unwrap();
        let Some(top) = report.candidates.first() else {
            continue;
        };
        for dev in &top.memory.devices {
            // The servers started together (alternatives replace the line before them).
            let on: Vec<_> = report
                .commands
                .iter()
                .filter(|k| !k.alternative)
                .filter_map(|k| k.shares.iter().find(|s| s.device == dev.index))
                .collect();
            let sum: u64 = on.iter().map(|s| s.bytes).sum();
            assert!(
                sum <= dev.memory_bytes,
                "{path}: device {} over-shared",
                dev.index
            );
            if on.len() > 1 {
                shared_devices += 1;
            }
            // Every vLLM line's fraction plus the others' planned bytes stays within the device.
            for k in report.commands.iter().filter(|k| k.engine == "vllm") {
                let Some(s) = k.shares.iter().find(|s| s.device == dev.index) else {
                    continue;
                };
                let util = util_of(&k.command);
                let others = sum - s.bytes;
                assert!(util * dev.memory_bytes as f64 + others as f64 <= dev.memory_bytes as f64);
            }
        }
        for k in &report.commands {
            if let (Some(model), Some(d)) = (&k.model, &k.download) {
                // A line never names the BF16 repo for a quantized plan.
                let role = top.roles.iter().find(|r| &r.model == model).unwrap();
                assert!(
                    k.engine != "vllm" || !role.quant.starts_with('q'),
                    "{path}: vLLM line with {} for a {} plan",
                    d.repo,
                    role.quant
                );
            }
        }
    }
    assert!(
        shared_devices >= 1,
        "no example shares a device: the check is idle"
    );
}

#[test]
fn two_vllm_servers_on_one_card_take_planned_shares_that_sum_below_it() {
    let catalog = Catalog::builtin().unwrap();
    let report = plan_from_toml(common::TWO_BF16, "two-bf16", &catalog).unwrap();
    let mut seen = 0;
    for c in &report.candidates {
        let cmds = engine_commands(c, |id| ModelRepo::from_catalog(&catalog, id));
        let vllm: Vec<_> = cmds.iter().filter(|k| k.engine == "vllm").collect();
        for dev in &c.memory.devices {
            let on: Vec<_> = vllm
                .iter()
                .filter(|k| k.shares.iter().any(|s| s.device == dev.index))
                .collect();
            if on.len() < 2 {
                continue;
            }
            seen += 1;
            // Both started together: their fractions of the card sum below it.
            let sum: f64 = on.iter().map(|k| util_of(&k.command)).sum();
            assert!(sum <= 1.0, "{}: {sum}", c.name);
            for k in &on {
                check_line(&k.command).unwrap();
                let share = k.shares.iter().find(|s| s.device == dev.index).unwrap();
                // Each takes at least what the plan sized for it.
                assert!(util_of(&k.command) * dev.memory_bytes as f64 >= share.bytes as f64);
            }
        }
    }
    assert!(seen >= 1, "no candidate runs two vLLM servers on one card");
}

fn util_of(cmd: &str) -> f64 {
    cmd.split("--gpu-memory-utilization ")
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("a vLLM line states its share")
}

/// Every multi-machine build that splits a model prints a distributed-engine line on the
/// first box, and the other boxes' lines are stated per machine.
#[test]
fn a_model_split_over_boxes_gets_a_distributed_engine_command() {
    let catalog = Catalog::builtin().unwrap();
    let report = plan_from_toml(BIG_ON_BOXES, "boxes", &catalog).unwrap();
    let (mut split, mut distributed, mut unsourced) = (0, 0, 0);
    for c in report.candidates.iter().filter(|c| multi_machine(c)) {
        let cmds = engine_commands(c, |id| ModelRepo::from_catalog(&catalog, id));
        for r in c.roles.iter().filter(|r| r.devices.len() > 1) {
            split += 1;
            let dist = cmds.iter().find(|k| {
                k.model.as_deref() == Some(r.model.as_str())
                    && (k.command.contains("--rpc ") || k.command.starts_with("mlx.launch"))
            });
            // Without a checkpoint of the planned format and size, the line says so and
            // names no repo (data/checkpoints.toml has no MLX Qwen3-235B of known size).
            let Some(k) = dist else {
                let mine: Vec<_> = cmds
                    .iter()
                    .filter(|k| k.model.as_deref() == Some(r.model.as_str()))
                    .collect();
                assert!(
                    mine.iter().all(|k| k.engine == "none"
                        && k.command.starts_with('#')
                        && k.purpose.contains("checkpoint")),
                    "{}: no distributed line: {cmds:#?}",
                    c.name
                );
                unsourced += 1;
                continue;
            };
            distributed += 1;
            assert_eq!(k.machine, Some(r.devices[0]), "{}", c.name);
            check_line(&k.command).unwrap();
            for &m in &r.devices[1..] {
                if k.command.contains("--rpc ") {
                    let peer = cmds.iter().find(|p| p.machine == Some(m));
                    let peer = peer.unwrap_or_else(|| panic!("{}: machine {m} idle", c.name));
                    assert!(peer.command.starts_with("rpc-server "), "{}", peer.command);
                    check_line(&peer.command).unwrap();
                }
            }
        }
    }
    assert!(split >= 2, "only {split} split models among the candidates");
    assert!(
        distributed >= 1 && distributed + unsourced == split,
        "{distributed} distributed lines, {unsourced} without a checkpoint, of {split}"
    );
    // The DGX Spark pair's link is typed data: ConnectX-7, not a PCIe stand-in.
    let spark_pairs: Vec<_> = report
        .candidates
        .iter()
        .filter(|c| c.platform == Platform::DgxSpark && c.device_count == 2)
        .collect();
    assert!(!spark_pairs.is_empty());
    for c in spark_pairs {
        assert_eq!(c.link, Some(Link::Cx7), "{}", c.name);
    }
}

/// A format with no GGUF file (NVFP4) gets no llama-server line naming one, and no vLLM
/// line naming the BF16 repo: a vLLM line names only an NVFP4 checkpoint from
/// data/checkpoints.toml (nvidia/Qwen3-8B-NVFP4 for the coder), and a model without one
/// (the vision model) gets a note that says why instead.
#[test]
fn a_quantization_without_a_known_checkpoint_prints_no_line_that_names_a_wrong_file() {
    let catalog = Catalog::builtin().unwrap();
    let table = rigsize_catalog::checkpoints::builtin().unwrap();
    let text = common::TWO_BF16.replace("quant = \"bf16\"", "quant = \"nvfp4\"");
    let report = plan_from_toml(&text, "nvfp4", &catalog).unwrap();
    let top = report.candidates.first().expect("a build");
    let cmds = engine_commands(top, |id| ModelRepo::from_catalog(&catalog, id));
    assert!(!cmds.is_empty());
    let (mut vllm, mut notes) = (0, 0);
    for k in &cmds {
        assert!(!k.command.contains(":NVFP4"), "{}", k.command);
        assert!(k.engine != "llama.cpp", "{}", k.command);
        if k.engine == "vllm" {
            let d = k.download.as_ref().unwrap();
            assert!(
                table.iter().any(|c| c.repo == d.repo && c.quant == "nvfp4"),
                "{}",
                k.command
            );
            vllm += 1;
        } else {
            assert!(k.command.starts_with('#'), "{}", k.command);
            assert!(k.purpose.contains("nvfp4 checkpoint"), "{}", k.purpose);
            notes += 1;
        }
    }
    assert!(vllm >= 1 && notes >= 1, "{cmds:#?}");
}

/// An FP8-native model planned at FP8 over two DGX Sparks: vLLM over Ray is printed.
const FP8_ON_SPARKS: &str = r#"
title = "fp8 model over two Sparks"
[[role]]
name = "main"
kind = "main"
models = ["minimax-m2.5"]
quant = "fp8"
context = "32k"
speed_min = 1
[budget]
max_chf = 30000
[platform]
allowed = ["dgx-spark"]
clusters = true
"#;

/// Every line of every candidate of a multi-box plan parses, the `ray start` lines under
/// vLLM's multi-node executor included (their vocabulary is Ray's own click command).
#[test]
fn every_candidates_lines_parse_ray_included() {
    let catalog = Catalog::builtin().unwrap();
    let report = plan_from_toml(FP8_ON_SPARKS, "fp8-sparks", &catalog).unwrap();
    let mut ray = 0;
    for c in &report.candidates {
        for k in engine_commands(c, |id| ModelRepo::from_catalog(&catalog, id)) {
            for line in k.command.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let inv = check_line(line).unwrap_or_else(|e| panic!("{}: {line}\n{e}", c.name));
                ray += inv
                    .iter()
                    .filter(|i| i.program == rigsize_engine_args::Program::RayStart)
                    .count();
            }
        }
    }
    assert!(ray >= 2, "only {ray} `ray start` lines checked");
}

/// The flags a plan prints for an engine's server are the ones its profile
/// (data/engines.toml `[engine.cli]`) names: one vocabulary for the commands and the table.
#[test]
fn printed_server_flags_are_the_engine_profiles() {
    use rigsize_core::engine::Engine;
    let catalog = Catalog::builtin().unwrap();
    let mut texts = examples();
    texts.push(("fp8-sparks".into(), FP8_ON_SPARKS.into()));
    texts.push(("boxes".into(), BIG_ON_BOXES.into()));
    let mut checked = 0;
    for (path, text) in texts {
        let report = plan_from_toml(&text, &path, &catalog).unwrap();
        for c in &report.candidates {
            for k in engine_commands(c, |id| ModelRepo::from_catalog(&catalog, id)) {
                for line in k.command.lines().map(str::trim) {
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    for inv in check_line(line).unwrap() {
                        let vocab = &inv.program.vocabulary().engine;
                        let Some(cli) = Engine::ALL.iter().find_map(|e| {
                            e.profile()
                                .cli
                                .as_ref()
                                .filter(|c| c.vocabulary.as_ref() == Some(vocab))
                        }) else {
                            continue;
                        };
                        for o in &inv.options {
                            assert!(
                                cli.flags.values().any(|f| f == o),
                                "{path}: {o} on `{line}` is not in the {vocab} profile's flags"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} options checked");
}

/// The device pinning of every llama-server line follows the candidate's
/// backend: Vulkan builds number devices through GGML_VK_VISIBLE_DEVICES,
/// ROCm through HIP_VISIBLE_DEVICES, CUDA through CUDA_VISIBLE_DEVICES; only
/// AMD and Intel builds ever plan a backend other than the vendor's.
#[test]
fn llama_lines_pin_devices_through_the_planned_backend() {
    use rigsize_core::engine::Backend;
    let catalog = Catalog::builtin().unwrap();
    let mut vulkan = 0;
    for (path, text) in examples() {
        let report = plan_from_toml(&text, &path, &catalog).unwrap();
        for c in &report.candidates {
            let amd_or_intel = matches!(
                c.platform,
                Platform::Amd | Platform::Intel | Platform::StrixHalo
            );
            assert!(
                c.backend.is_none() || amd_or_intel,
                "{path}: {} plans {:?} on {:?}",
                c.name,
                c.backend,
                c.platform
            );
            let env = match (c.backend, c.platform) {
                (Some(Backend::Vulkan), _) => "GGML_VK_VISIBLE_DEVICES=",
                (_, Platform::Amd) => "HIP_VISIBLE_DEVICES=",
                (_, Platform::Nvidia) => "CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=",
                _ => continue,
            };
            vulkan += usize::from(c.backend == Some(Backend::Vulkan));
            for k in engine_commands(c, |id| ModelRepo::from_catalog(&catalog, id)) {
                if k.engine != "llama.cpp" || k.command.trim_start().starts_with('#') {
                    continue;
                }
                assert!(
                    k.command.starts_with(env),
                    "{path}: {} ({:?}): {}",
                    c.name,
                    c.backend,
                    k.command
                );
                if c.backend == Some(Backend::Vulkan) {
                    assert!(k.purpose.contains("Vulkan build"), "{}", k.purpose);
                }
            }
        }
    }
    assert!(
        vulkan > 0,
        "no example plans a Vulkan build: the check is idle"
    );
}
