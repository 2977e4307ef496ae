//! Every repo a plan prints is a published checkpoint from data/checkpoints.toml (or the
//! catalog's own repo) of the planned format, and never one whose known size differs from
//! the weights the plan sized by more than `SIZE_TOLERANCE`; the bundle's README names
//! each `hf download` with that size.

use rigsize_catalog::checkpoints::{self, SIZE_TOLERANCE};
use rigsize_catalog::Catalog;
use rigsize_plan::commands::{engine_commands, ModelRepo};
use rigsize_plan::emit::bundle;
use rigsize_plan::{plan_from_toml, PlanReport};

fn examples() -> Vec<(String, PlanReport)> {
    let dir = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let catalog = Catalog::builtin().unwrap();
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.display().to_string();
            out.push((
                name.clone(),
                plan_from_toml(&text, &name, &catalog).unwrap(),
            ));
        }
    }
    assert!(out.len() >= 4, "examples/ holds the example plans");
    out
}

/// A repo of the table, or a catalog model's own repo.
fn known_repo(catalog: &Catalog, repo: &str) -> bool {
    checkpoints::builtin()
        .unwrap()
        .iter()
        .any(|c| c.repo == repo)
        || catalog
            .models
            .iter()
            .any(|m| m.hf_repo.as_deref() == Some(repo))
}

#[test]
fn every_printed_repo_is_a_known_checkpoint_of_the_planned_size() {
    let catalog = Catalog::builtin().unwrap();
    let mut checked = 0;
    for (name, r) in examples() {
        for c in r.candidates.iter().filter(|c| c.memory.fits) {
            for k in engine_commands(c, |id| ModelRepo::from_catalog(&catalog, id)) {
                let Some(d) = &k.download else { continue };
                assert!(
                    known_repo(&catalog, &d.repo),
                    "{name} {}: {}",
                    c.name,
                    d.repo
                );
                assert!(k.command.contains(&d.repo), "{}", k.command);
                if let Some(b) = d.checkpoint_bytes {
                    let gap = (b as f64 / d.bytes as f64 - 1.0).abs();
                    assert!(
                        gap <= SIZE_TOLERANCE,
                        "{name} {}: {} is {b} B, planned {} B",
                        c.name,
                        d.repo,
                        d.bytes
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "only {checked} lines named a repo");
}

#[test]
fn every_readme_download_names_a_known_repo_with_its_size() {
    let catalog = Catalog::builtin().unwrap();
    let table = checkpoints::builtin().unwrap();
    for (name, r) in examples() {
        let files = bundle(&r, 1, |id| ModelRepo::from_catalog(&catalog, id)).unwrap();
        let readme = &files
            .iter()
            .find(|f| f.path == "README.md")
            .unwrap()
            .contents;
        let lines: Vec<&str> = readme
            .lines()
            .filter(|l| l.starts_with("hf download "))
            .collect();
        assert!(!lines.is_empty(), "{name}: no download in\n{readme}");
        for l in lines {
            let repo = l.split_whitespace().nth(2).unwrap();
            assert!(known_repo(&catalog, repo), "{name}: {l}");
            let sized: Vec<u64> = table
                .iter()
                .filter(|c| c.repo == repo)
                .filter_map(|c| c.bytes)
                .collect();
            let says_size = sized.iter().any(|&b| {
                l.contains(&format!(
                    "# {:.1} GiB (planned",
                    b as f64 / (1u64 << 30) as f64
                ))
            });
            assert!(
                says_size || l.contains("size not in rigsize's data"),
                "{name}: {l} (sizes on record: {sized:?})"
            );
        }
    }
}

/// A checkpoint known to differ from the planned size is named in a note, never printed
/// as a command: the plan of gpt-oss-120b at Q4_K_M has no such GGUF, and at MXFP4 on a
/// Mac the MLX repo (65.8 GiB against 58.7 GiB planned) is refused with its size.
#[test]
fn a_checkpoint_of_another_size_is_refused_with_its_size() {
    let catalog = Catalog::builtin().unwrap();
    let repo = ModelRepo::from_catalog(&catalog, "gpt-oss-120b").unwrap();
    let planned = 63_000_000_000;
    let e = rigsize_plan::commands::checkpoint::choose(
        Some(&repo),
        "gpt-oss-120b",
        checkpoints::CheckpointFormat::Mlx,
        "mxfp4",
        planned,
    )
    .unwrap_err();
    assert!(
        e.contains("mlx-community/gpt-oss-120b-MXFP4-Q8") && e.contains("65.8 GiB"),
        "{e}"
    );
    let e = rigsize_plan::commands::checkpoint::choose(
        Some(&repo),
        "gpt-oss-120b",
        checkpoints::CheckpointFormat::Gguf,
        "q4_k_m",
        planned,
    )
    .unwrap_err();
    assert!(e.contains("knows no GGUF q4_k_m checkpoint"), "{e}");
    let ok = rigsize_plan::commands::checkpoint::choose(
        Some(&repo),
        "gpt-oss-120b",
        checkpoints::CheckpointFormat::Gguf,
        "mxfp4",
        63_370_000_000,
    )
    .unwrap();
    assert_eq!(ok.rec.repo, "ggml-org/gpt-oss-120b-GGUF");
    assert!(ok.note.is_none());
}
