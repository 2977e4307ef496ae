//! Which listed model a role gets: the user's first choice that keeps every
//! minimum, unless a later one meets more targets or is better and faster.

use rigsize_catalog::Catalog;
use rigsize_plan::plan_from_toml;

const TWO_CODERS: &str = r#"
title = "first-listed model, later better one"
[[role]]
name = "agents"
kind = "main"
models = ["qwen3-coder-30b-a3b", "qwen3-coder-next"]
context = "200k"
streams = 3
speed_target = 1000
speed_min = 5
[budget]
max_chf = 12000
[platform]
allowed = ["apple"]
"#;

/// Both models keep the minimum on an M3 Ultra and neither reaches the
/// (unreachable) target, so targets cannot decide. Qwen3-Coder-Next scores
/// higher (data/model-quality.toml) and, with three of four layers linear
/// attention, reads far less KV at 200K: it must replace the first-listed
/// model, which an expert would not keep at a lower quality and speed.
#[test]
fn a_later_model_that_is_better_and_faster_replaces_the_first_listed() {
    let c = Catalog::builtin().unwrap();
    let r = plan_from_toml(TWO_CODERS, "two-coders.toml", &c).unwrap();
    let ultras: Vec<_> = r
        .candidates
        .iter()
        .filter(|x| x.hardware_id.starts_with("m3-ultra") && x.meets_all_minimums)
        .collect();
    assert!(!ultras.is_empty());
    for x in ultras {
        let role = &x.roles[0];
        assert_eq!(role.model, "qwen3-coder-next", "{}", x.name);
    }
}
