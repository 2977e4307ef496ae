//! Locks `rigsize plan --json` of every example (issue 10, item 13): every
//! change of the planner's output is a reviewed snapshot diff. The report is
//! truncated to the CLI's default `--top 15`, so the snapshot is exactly what
//! `rigsize plan examples/X.toml --json` prints. Accept a deliberate change
//! with `INSTA_UPDATE=always cargo test -p rigsize-plan --test snapshots`
//! (or `cargo insta review`) and review the diff.

use rigsize_catalog::Catalog;
use rigsize_plan::plan_from_toml;

/// The CLI's default `--top`.
const CLI_TOP: usize = 15;

fn snapshot(name: &str) -> String {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let mut report = plan_from_toml(&text, &format!("examples/{name}"), &catalog).unwrap();
    report.truncate(CLI_TOP);
    serde_json::to_string_pretty(&report).unwrap() + "\n"
}

#[test]
fn every_example_is_snapshot_locked() {
    let dir = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "examples/ lost files: {names:?}");
    for name in names {
        let stem = name.trim_end_matches(".toml").to_string();
        insta::assert_snapshot!(stem, snapshot(&name));
    }
}
