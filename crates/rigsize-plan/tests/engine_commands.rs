//! Every command `rigsize plan` prints for an example's top pick is checked against the
//! engine's own argument vocabulary (data/engine-args, read from the engines' parsers by
//! scripts/engine-args/extract.py): an unknown flag or a value of the wrong form fails.

use rigsize_catalog::Catalog;
use rigsize_engine_args::check_line;
use rigsize_plan::plan_from_toml;

fn examples() -> Vec<(String, String)> {
    let dir = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
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
    assert!(failures.is_empty(), "commands that would not start:\n{}", failures.join("\n"));
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
            assert!(sum <= dev.memory_bytes, "{path}: device {} over-shared", dev.index);
            if on.len() > 1 {
                shared_devices += 1;
            }
            // Every vLLM line's fraction plus the others' planned bytes stays within the device.
            for k in report.commands.iter().filter(|k| k.engine == "vllm") {
                let Some(s) = k.shares.iter().find(|s| s.device == dev.index) else {
                    continue;
                };
                let util: f64 = k
                    .command
                    .split("--gpu-memory-utilization ")
                    .nth(1)
                    .and_then(|v| v.split_whitespace().next())
                    .and_then(|v| v.parse().ok())
                    .expect("a vLLM line states its share");
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
    assert!(shared_devices >= 1, "no example shares a device: the check is idle");
}
