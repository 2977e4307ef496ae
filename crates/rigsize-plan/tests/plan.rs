//! The issue's "must show" on examples/home-office-coding.toml, the other
//! examples, impossible requirements, and strict parsing.

mod common;

use common::{assert_every_device_earns_its_place, assert_meets_by_numbers};
use rigsize_catalog::Catalog;
use rigsize_plan::requirements::Platform;
use rigsize_plan::{pack, parse_demand, plan_from_toml, render, PackState, PlanReport};

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

fn example(name: &str) -> PlanReport {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    plan_from_toml(&text, &path, &catalog()).unwrap()
}

#[test]
fn home_office_has_within_budget_nvidia_and_apple_candidates() {
    let r = example("home-office-coding.toml");
    for p in [Platform::Nvidia, Platform::Apple] {
        assert!(
            r.candidates
                .iter()
                .any(|c| c.platform == p && c.within_budget && c.meets_all_minimums),
            "no qualifying {p:?} candidate"
        );
    }
    let top = r.top_pick.as_ref().expect("a top pick");
    assert!(!top.why.is_empty());
    assert!(r.closest.is_none());
}

#[test]
fn candidates_marked_meeting_minimums_do_by_their_numbers() {
    let r = example("home-office-coding.toml");
    let req: rigsize_plan::Requirements = toml::from_str(
        &std::fs::read_to_string(format!(
            "{}/../../examples/home-office-coding.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    for c in r.candidates.iter().filter(|c| c.meets_all_minimums) {
        assert_meets_by_numbers(c, &req);
    }
}

#[test]
fn totals_equal_the_sum_of_parts() {
    let r = example("home-office-coding.toml");
    for c in &r.candidates {
        let sum: f64 = c.components.iter().map(|p| p.price_chf).sum();
        assert!(
            (sum - c.total_price_chf).abs() < 0.011,
            "{}: {sum} vs {}",
            c.name,
            c.total_price_chf
        );
        for p in &c.components {
            assert!((p.unit_price_chf * p.quantity as f64 - p.price_chf).abs() < 0.011);
            assert!(
                !p.price_source.is_empty() && !p.price_date.is_empty(),
                "{}",
                p.name
            );
        }
    }
}

#[test]
fn traps_are_flagged() {
    let r = example("home-office-coding.toml");
    // gpt-oss-120b (128K) cannot be the 200K main agent.
    assert!(r
        .not_considered
        .iter()
        .any(|n| n.starts_with("gpt-oss-120b")));
    // Two PRO 6000 for a model no single card holds (~132 GiB).
    let big = plan_from_toml(
        "[[role]]\nname = \"main\"\nmodels = [\"qwen3-235b-a22b\"]\ncontext = \"8k\"\n[budget]\nmax_chf = 30000\n[environment]\nnoise = \"any\"\n[platform]\nallowed = [\"nvidia\"]\n",
        "big.toml",
        &catalog(),
    )
    .unwrap();
    let pro2 = big
        .candidates
        .iter()
        .find(|c| c.hardware_id == "rtx-pro-6000-ws" && c.device_count == 2)
        .expect("2x RTX PRO 6000 WS");
    assert!(pro2
        .flags
        .iter()
        .any(|f| f.to_lowercase().contains("no nvlink")));
    assert!(pro2.flags.iter().any(|f| f.contains("600 W")));
    // An explicit model with too short a context is flagged report-wide.
    let text = std::fs::read_to_string(format!(
        "{}/../../examples/home-office-coding.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace(
        "models = \"best-that-fits\"",
        "models = [\"gpt-oss-120b\", \"qwen3-coder-next\"]",
    );
    let r = plan_from_toml(&text, "x.toml", &catalog()).unwrap();
    assert!(r
        .flags
        .iter()
        .any(|f| f.contains("gpt-oss-120b") && f.contains("below")));
}

#[test]
fn impossible_requirements_get_a_closest_answer() {
    let low = r#"
title = "too cheap"
[[role]]
name = "main"
kind = "main"
models = ["qwen3-coder-next"]
context = "200k"
speed_min = 30
[budget]
max_chf = 500
"#;
    let r = plan_from_toml(low, "low.toml", &catalog()).unwrap();
    assert!(r.top_pick.is_none());
    assert!(!r.candidates.is_empty());
    let c = r.closest.expect("closest");
    assert!(
        c.what_it_would_take.iter().any(|w| w.contains("CHF")),
        "{:?}",
        c.what_it_would_take
    );
    let huge = r#"
[[role]]
name = "main"
kind = "main"
models = ["kimi-k2-instruct"]
context = "128k"
streams = 64
speed_min = 200
[budget]
max_chf = 5000
[platform]
allowed = ["nvidia"]
"#;
    let r = plan_from_toml(huge, "huge.toml", &catalog()).unwrap();
    assert!(r.top_pick.is_none());
    let c = r.closest.clone().expect("closest");
    assert!(!c.what_it_would_take.is_empty());
    let md = render::to_markdown(&r, 1);
    assert!(md.contains("What it would take"));
}

#[test]
fn other_examples_plan() {
    for f in [
        "single-24gb-budget.toml",
        "three-agents-200k.toml",
        "apple-only.toml",
    ] {
        let r = example(f);
        assert!(r.top_pick.is_some(), "{f}");
        let md = render::to_markdown(&r, 2);
        assert!(md.contains("Bill of materials"), "{f}");
        let html = render::to_html(&r, 2);
        assert!(
            html.starts_with("<!DOCTYPE html>") && !html.contains("<script"),
            "{f}"
        );
    }
    let apple = example("apple-only.toml");
    assert!(apple
        .candidates
        .iter()
        .all(|c| c.platform == Platform::Apple));
}

#[test]
fn json_has_the_issue_fields() {
    let r = example("home-office-coding.toml");
    let v = serde_json::to_value(&r).unwrap();
    let c = &v["candidates"][0];
    for k in [
        "name",
        "total_price_chf",
        "within_budget",
        "meets_all_minimums",
        "components",
        "roles",
        "memory",
    ] {
        assert!(!c[k].is_null(), "{k}");
    }
    for k in [
        "kind",
        "name",
        "price_chf",
        "price_source",
        "price_date",
        "url",
    ] {
        assert!(c["components"][0].get(k).is_some(), "component {k}");
    }
    for k in [
        "role",
        "model",
        "tok_s_per_stream",
        "target",
        "minimum",
        "verdict",
    ] {
        assert!(c["roles"][0].get(k).is_some(), "role {k}");
    }
    assert!(c["memory"]["required_bytes"].is_u64() && c["memory"]["available_bytes"].is_u64());
}

#[test]
fn bad_requirements_name_file_and_line() {
    let bad = "[[role]]\nname = \"a\"\nmodels = [\"qwen3-8b\"]\ncontext = \"8k\"\nspeeed_min = 3\n[budget]\nmax_chf = 1\n";
    let e = plan_from_toml(bad, "req.toml", &catalog())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("req.toml:"), "{e}");
    assert!(e.contains("speeed_min"), "{e}");
    let bad =
        "[[role]]\nname = \"a\"\nmodels = \"the-best\"\ncontext = \"8k\"\n[budget]\nmax_chf = 1\n";
    let e = plan_from_toml(bad, "req.toml", &catalog())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("req.toml:") && e.contains("best-that-fits"),
        "{e}"
    );
    let bad = "[[role]]\nname = \"a\"\nmodels = [\"qwen9-coder\"]\ncontext = \"8k\"\n[budget]\nmax_chf = 1\n";
    let e = plan_from_toml(bad, "req.toml", &catalog())
        .unwrap_err()
        .to_string();
    assert!(e.contains("qwen9-coder"), "{e}");
}

#[test]
fn absurd_numbers_in_requirements_are_errors() {
    // Each of these used to be accepted: NaN passed `max_chf <= 0`, and
    // 4294967295 streams at 10M tokens overflowed the KV byte count (a panic).
    let role = |extra: &str| {
        format!("[[role]]\nname = \"a\"\nmodels = [\"qwen3-8b\"]\ncontext = \"8k\"\n{extra}\n")
    };
    let cases = [
        (role("streams = 4294967295"), "streams must be at most 1024"),
        (
            role("streams_target = 5000"),
            "streams_target must be at most 1024",
        ),
        (
            role("speed_min = nan"),
            "speed_min must be a positive number",
        ),
        (
            role("speed_target = inf"),
            "speed_target must be a positive number",
        ),
        (
            role("ttft_max_s = -1.0"),
            "ttft_max_s must be a positive number",
        ),
        (
            role("prefill_target = 0.0"),
            "prefill_target must be a positive number",
        ),
    ];
    for (text, want) in cases {
        let text = format!("{text}[budget]\nmax_chf = 5000\n");
        let e = plan_from_toml(&text, "req.toml", &catalog())
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("req.toml:2: ") && e.contains(want), "{e}");
    }
    let ok_role = role("");
    for (tail, want) in [
        (
            "[budget]\nmax_chf = nan\n",
            "budget.max_chf must be positive",
        ),
        (
            "[budget]\nmax_chf = inf\n",
            "budget.max_chf must be positive",
        ),
        ("[budget]\nmax_chf = 100\nmin_chf = 200\n", "budget.min_chf"),
        (
            "[budget]\nmax_chf = 100\nsweet_spot_chf = [90, 10]\n",
            "sweet_spot_chf",
        ),
        (
            "[budget]\nmax_chf = 100\n[memory]\nmin_gb = -1\n",
            "memory.min_gb must be positive",
        ),
        (
            "[budget]\nmax_chf = 100\n[memory]\ntarget_gb = nan\n",
            "memory.target_gb must be positive",
        ),
        (
            "[budget]\nmax_chf = 100\n[environment]\noutlet_amps = 0\n",
            "outlet_amps must be positive",
        ),
        (
            "[budget]\nmax_chf = 100\n[environment]\ncontinuous_share = 2\n",
            "continuous_share",
        ),
        (
            "[budget]\nmax_chf = 100\n[environment]\nmax_continuous_w = nan\n",
            "max_continuous_w must be positive",
        ),
    ] {
        let e = plan_from_toml(&format!("{ok_role}{tail}"), "req.toml", &catalog())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("req.toml:") && e.contains(want),
            "{want}: {e}"
        );
    }
    // The largest allowed load still plans (no overflow at the caps).
    let max = "[[role]]\nname = \"a\"\nmodels = [\"qwen3-coder-480b-a35b\"]\ncontext = \"10m\"\nstreams = 1024\n[budget]\nmax_chf = 5000\n";
    let r = plan_from_toml(max, "req.toml", &catalog()).unwrap();
    assert!(r.candidates.iter().all(|c| !c.meets_all_minimums));
}

#[test]
fn pack_keeps_the_most_demanded_resident() {
    let d = parse_demand("qwen3-coder-next=5, qwen3-coder-30b-a3b=3,gpt-oss-120b=2,deepseek-v3")
        .unwrap();
    let r = pack(65536, 120000, &d, &catalog()).unwrap();
    let state = |m: &str| r.entries.iter().find(|e| e.model == m).unwrap().state;
    assert_eq!(state("qwen3-coder-next"), PackState::Resident);
    assert_eq!(state("deepseek-v3"), PackState::NotPacked);
    assert!(r.resident_mb <= 65536 && r.downloaded_mb <= 120000);
    assert!(parse_demand("x=-1").is_err());
    assert!(parse_demand("").is_err());
}

#[test]
fn pack_refuses_a_model_demanded_twice() {
    // Packed twice, its memory was counted twice against the budget.
    let d = parse_demand("qwen3-coder-30b-a3b=2,gpt-oss-20b,qwen3-coder-30b-a3b=1").unwrap();
    let e = pack(65536, 120000, &d, &catalog()).unwrap_err().to_string();
    assert!(e.contains("names qwen3-coder-30b-a3b twice"), "{e}");
}

#[test]
fn data_files_parse() {
    let _ = rigsize_plan::data::BuildRules::builtin();
    let q = rigsize_plan::data::Quality::builtin();
    let c = catalog();
    for s in q.score.iter().filter(|s| s.kind == "open") {
        assert!(c.model(&s.model).is_ok(), "{}", s.model);
    }
}

#[test]
fn every_device_earns_its_place_in_every_example() {
    for f in [
        "home-office-coding.toml",
        "single-24gb-budget.toml",
        "three-agents-200k.toml",
        "apple-only.toml",
    ] {
        let path = format!("{}/../../examples/{f}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let req = rigsize_plan::Requirements::from_toml(&text, f).unwrap();
        let r = example(f);
        assert!(!r.candidates.is_empty(), "{f}");
        assert_every_device_earns_its_place(&r, &req);
    }
}

#[test]
fn seed_003_leads_with_one_rtx_pro_6000_and_says_why() {
    let r = example("home-office-coding.toml");
    let top = &r.candidates[0];
    assert_eq!(top.device_count, 1, "{}", top.name);
    assert!(top.hardware_id.starts_with("rtx-pro-6000"), "{}", top.name);
    let pick = r.top_pick.as_ref().unwrap();
    assert_eq!(pick.name, top.name);
    assert!(!pick.decided_by.is_empty() && !pick.decided_by.contains('\n'));
    // Main agent and sub-agents share one batched server on the best model that keeps the minimums.
    let main = top.main_role().unwrap();
    let sub = top.roles.iter().find(|x| x.role == "sub-agents").unwrap();
    assert_eq!(main.model, sub.model, "{}", top.serving);
    assert!(top.servers.iter().any(|s| s.roles.len() >= 2));
    assert!(main.tok_s_per_stream >= 60.0, "{}", main.tok_s_per_stream);
    // Stage 2 is priced and its gain stated.
    let up = top.upgrade.as_ref().expect("an upgrade path");
    assert!(up.stage2_build.starts_with("2× RTX PRO 6000"));
    assert!(up.stage2_cost_chf > 5000.0 && up.stage2_total_chf > top.total_price_chf);
    assert!(up.stage1_ready_chf >= up.stage1_bare_chf);
    assert!(
        up.unlocks.iter().any(|u| u.contains("192 GB")),
        "{:?}",
        up.unlocks
    );
}

#[test]
fn seed_003_explains_every_buyer_named_model_that_is_out() {
    let r = example("home-office-coding.toml");
    for m in ["minimax-m2.5", "gpt-oss-120b"] {
        let o = r
            .models_out
            .iter()
            .find(|o| o.model == m)
            .unwrap_or_else(|| panic!("{m} is not explained"));
        assert!(o.named);
        assert!(o.reason.contains("short of the 200k"), "{}", o.reason);
        let price = o.build_price_chf.expect("a build that would serve it");
        assert!(price > 0.0 && o.tok_s_per_stream.unwrap() >= 30.0, "{o:?}");
    }
    let minimax = r
        .models_out
        .iter()
        .find(|o| o.model == "minimax-m2.5")
        .unwrap();
    assert!(minimax.reason.contains("1.7% short"), "{}", minimax.reason);
    // What it would take is a named build (the cheapest that keeps every other minimum).
    assert!(minimax.build.as_deref().is_some_and(|b| !b.is_empty()));
    let md = render::to_markdown(&r, 3);
    assert!(md.contains("## Models not in the plan") && md.contains("## Not recommended, and why"));
}

#[test]
fn a_cancelled_plan_stops_with_cancelled() {
    let path = format!(
        "{}/../../examples/home-office-coding.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let req = rigsize_plan::Requirements::from_toml(&std::fs::read_to_string(path).unwrap(), "x")
        .unwrap();
    let cancel = rigsize_plan::Cancel::new();
    cancel.cancel();
    let e = rigsize_plan::plan_with(&req, &catalog(), &cancel).unwrap_err();
    assert!(matches!(e, rigsize_plan::PlanError::Cancelled), "{e}");
}

#[test]
fn a_context_target_plans_a_shorter_window_model_at_its_own_window() {
    let text = std::fs::read_to_string(format!(
        "{}/../../examples/home-office-coding.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace(
        "context = \"200k\"",
        "context = \"200k\"\ncontext_min = \"128k\"",
    );
    let r = plan_from_toml(&text, "x.toml", &catalog()).unwrap();
    // MiniMax-M2.5 (196,608 tokens) is now a candidate, not out for its window.
    assert!(!r
        .models_out
        .iter()
        .any(|o| o.model == "minimax-m2.5" && o.reason.contains("window")));
    for c in r.candidates.iter().filter(|c| c.meets_all_minimums) {
        let main = c.main_role().unwrap();
        assert!(main.context <= main.model_max_context, "{}", c.name);
        assert!(main.context >= 128_000, "{}", c.name);
    }
}

#[test]
fn configured_prebuilts_are_judged_like_self_built_pcs() {
    let path = format!(
        "{}/../../examples/home-office-coding.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    // The main agent on qwen3-coder-next (45 GiB): two 32 GB cards earn their place.
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "models = \"best-that-fits\"",
        "models = [\"qwen3-coder-next\"]",
        1,
    );
    let r = plan_from_toml(&text, &path, &catalog()).unwrap();
    let rect = r
        .candidates
        .iter()
        .find(|c| c.name.starts_with("RECT WS-8829C"))
        .expect("the RECT 2x RTX 5090 system is planned");
    assert_eq!(rect.device_count, 2);
    assert_eq!(rect.components.len(), 1, "priced whole, no parts added");
    assert!(rect.flags.iter().any(|f| f.contains("import VAT")));
    // Two 32 GB cards: the same memory verdict as a self-built 2x RTX 5090.
    assert!(rect
        .failures()
        .iter()
        .any(|f| f.kind == rigsize_plan::report::CheckKind::Memory));
    assert!(rect.upgrade.is_none());
}
