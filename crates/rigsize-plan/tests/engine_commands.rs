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
            for line in cmd.command.lines().filter(|l| !l.trim().is_empty()) {
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
