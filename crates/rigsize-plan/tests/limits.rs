//! The caps on one plan (issue 12): each oversized request is refused
//! before planning, naming its cap; every shipped example passes.

use rigsize_catalog::Catalog;
use rigsize_plan::limits::{self, Cap, LimitedPlanError};
use rigsize_plan::Requirements;

fn roles(n: usize, models: &str, context: &str, streams: u32) -> String {
    let mut t = String::from("[budget]\nmax_chf = 15000\n");
    for i in 0..n {
        t += &format!(
            "[[role]]\nname = \"r{i}\"\nmodels = {models}\ncontext = {context}\nstreams = {streams}\n"
        );
    }
    t
}

fn cap_of(text: &str, catalog: &Catalog) -> Option<Cap> {
    let req = Requirements::from_toml(text, "t.toml").expect("valid requirements");
    limits::check(&req, catalog).err().map(|e| e.cap)
}

const BEST: &str = "\"best-that-fits\"";
const ONE: &str = "[\"qwen3-coder-30b-a3b\"]";

#[test]
fn every_example_is_within_the_caps() {
    let catalog = Catalog::builtin().unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            assert_eq!(cap_of(&text, &catalog), None, "{}", p.display());
            n += 1;
        }
    }
    assert!(n >= 3, "examples found: {n}");
}

#[test]
fn eight_hundred_roles_are_refused_naming_the_roles_cap() {
    let catalog = Catalog::builtin().unwrap();
    let text = roles(800, BEST, "32768", 1);
    let e = limits::plan_from_toml(&text, "big.toml", &catalog).unwrap_err();
    match &e {
        LimitedPlanError::Limit { limit, .. } => {
            assert_eq!(limit.cap, Cap::Roles);
            assert_eq!(limit.got, 800);
        }
        other => panic!("expected a cap, got {other}"),
    }
    let msg = e.to_string();
    assert!(msg.starts_with("big.toml: "), "{msg}");
    assert!(msg.contains("max_roles = 32"), "{msg}");
}

#[test]
fn the_roles_cap_is_inclusive() {
    let catalog = Catalog::builtin().unwrap();
    assert_eq!(
        cap_of(&roles(limits::MAX_ROLES, ONE, "8192", 1), &catalog),
        None
    );
    assert_eq!(
        cap_of(&roles(limits::MAX_ROLES + 1, ONE, "8192", 1), &catalog),
        Some(Cap::Roles)
    );
}

#[test]
fn too_many_models_for_one_role() {
    let catalog = Catalog::builtin().unwrap();
    let list: Vec<String> = (0..=limits::MAX_MODELS_PER_ROLE)
        .map(|i| format!("\"m{i}\""))
        .collect();
    let text = roles(1, &format!("[{}]", list.join(", ")), "8192", 1);
    assert_eq!(cap_of(&text, &catalog), Some(Cap::ModelsPerRole));
    // Named models count with the listed ones.
    let half = limits::MAX_MODELS_PER_ROLE / 2 + 1;
    let names = |from: usize| {
        (from..from + half)
            .map(|i| format!("\"m{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = roles(1, &format!("[{}]", names(0)), "8192", 1)
        + &format!("named_models = [{}]\n", names(100));
    assert_eq!(cap_of(&text, &catalog), Some(Cap::ModelsPerRole));
}

#[test]
fn streams_and_context_over_all_roles() {
    let catalog = Catalog::builtin().unwrap();
    // Each role is valid alone (≤ 1024 streams); together they are not.
    assert_eq!(
        cap_of(&roles(2, ONE, "8192", 1000), &catalog),
        Some(Cap::StreamsPerRequest)
    );
    // 1 M tokens × 512 streams = 512 M tokens held at once.
    assert_eq!(
        cap_of(&roles(1, ONE, "\"1M\"", 512), &catalog),
        Some(Cap::ContextPerRequest)
    );
}

#[test]
fn a_large_user_catalog_hits_the_combination_and_cost_caps() {
    let builtin = Catalog::builtin().unwrap();
    // The worst request within the role cap passes on the built-in catalog.
    let worst = roles(limits::MAX_ROLES, BEST, "32768", 1);
    let req = Requirements::from_toml(&worst, "w.toml").unwrap();
    let est = limits::check(&req, &builtin).unwrap();
    assert_eq!(
        est.candidate_combinations,
        builtin.hardware.len() as u64 * limits::COMBOS_SEARCHED
    );
    // Twice the hardware: combinations still fit, the cost does not.
    let mut double = builtin.clone();
    double.hardware.extend(builtin.hardware.iter().cloned());
    assert_eq!(cap_of(&worst, &double), Some(Cap::PlanCost));
    // Ten times: too many combinations even for one role.
    let mut ten = builtin.clone();
    for _ in 0..9 {
        ten.hardware.extend(builtin.hardware.iter().cloned());
    }
    assert_eq!(
        cap_of(&roles(3, BEST, "8192", 1), &ten),
        Some(Cap::CandidateCombinations)
    );
}

#[test]
fn within_the_caps_the_checked_plan_is_the_plan() {
    let catalog = Catalog::builtin().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/home-office-coding.toml"
    ))
    .unwrap();
    let a = limits::plan_from_toml(&text, "h.toml", &catalog).unwrap();
    let b = rigsize_plan::plan_from_toml(&text, "h.toml", &catalog).unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
}
