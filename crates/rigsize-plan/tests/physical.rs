//! Issue 10 items 6-8 on every example's full plan: the outlet verdict is
//! decided on wall power against the circuit's continuous rating, the noise
//! word follows the dBA thresholds, and two-GPU AM5 builds never claim an
//! unverified lane split without saying so.

use rigsize_catalog::Catalog;
use rigsize_plan::physical::Physical;
use rigsize_plan::report::{CheckKind, PlanReport};
use rigsize_plan::requirements::Noise;
use rigsize_plan::{plan_from_toml, Requirements, Verdict};

fn example(name: &str) -> (PlanReport, Requirements) {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let r = plan_from_toml(&text, &path, &Catalog::builtin().unwrap()).unwrap();
    (r, Requirements::from_toml(&text, &path).unwrap())
}

/// One main role on a model of about 270 GB (three 96 GB cards hold it).
const BIG_ROLE: &str = "[[role]]\nname = \"main\"\nkind = \"main\"\nmodels = [\"qwen3-coder-480b-a35b\"]\ncontext = \"32k\"\nstreams = 1\nspeed_min = 5\n[budget]\nmax_chf = 40000\n";

const EXAMPLES: [&str; 4] = [
    "apple-only.toml",
    "home-office-coding.toml",
    "single-24gb-budget.toml",
    "three-agents-200k.toml",
];

#[test]
fn every_passing_outlet_verdict_has_wall_power_within_the_rating() {
    for name in EXAMPLES {
        let (r, req) = example(name);
        let rating = req.environment.max_watts();
        for c in &r.candidates {
            let check = c
                .checks
                .iter()
                .find(|k| k.kind == CheckKind::Power)
                .expect("an outlet check");
            assert_eq!(
                check.verdict != Verdict::Fails,
                c.wall_power_w <= rating,
                "{name}: {} wall {} W vs {rating} W: {:?}",
                c.name,
                c.wall_power_w,
                check
            );
            // A PSU converts with losses: the wall never reads below the DC peak.
            assert!(c.wall_power_w >= c.peak_power_w.floor(), "{}", c.name);
        }
    }
}

#[test]
fn the_noise_word_is_the_dba_estimate_through_the_thresholds() {
    let t = &Physical::builtin().noise;
    for name in EXAMPLES {
        let (r, _) = example(name);
        for c in &r.candidates {
            let want = rigsize_plan::physical::noise::word(t, c.noise_dba);
            // noise_dba is rounded to 0.1 in the report.
            let near = [c.noise_dba - 0.05, c.noise_dba + 0.05]
                .map(|d| rigsize_plan::physical::noise::word(t, d));
            assert!(
                c.noise == want || near.contains(&c.noise),
                "{name}: {} is {:?} at {} dBA",
                c.name,
                c.noise,
                c.noise_dba
            );
        }
    }
}

#[test]
fn issue_10_builds_are_judged_by_wall_power_and_noise() {
    let (r, _) = example("home-office-coding.toml");
    let build = |id: &str, n: u32| {
        r.candidates
            .iter()
            .find(|c| c.hardware_id == id && c.device_count == n)
            .unwrap_or_else(|| panic!("{n}× {id} is a candidate"))
    };
    // Three 600 W cards (2,250 W DC) exceed a Swiss 10 A outlet at the wall
    // (planned for a model only three 96 GB cards hold, so the third card earns its place).
    let big = format!(
        "{}\n[environment]\nnoise = \"any\"\noutlet_volts = 230\noutlet_amps = 10\n[platform]\nallowed = [\"nvidia\"]\n",
        BIG_ROLE
    );
    let r3 = plan_from_toml(&big, "big.toml", &Catalog::builtin().unwrap()).unwrap();
    let three = r3
        .candidates
        .iter()
        .find(|c| c.hardware_id == "rtx-pro-6000-ws" && c.device_count == 3)
        .expect("3× rtx-pro-6000-ws is a candidate");
    assert!(
        three.wall_power_w > 2300.0,
        "{} {}",
        three.name,
        three.wall_power_w
    );
    assert!(three.failures().iter().any(|f| f.kind == CheckKind::Power));
    // Two RTX 5090s are not quiet (planned for a ~45 GB model, which two of
    // them hold); one PRO 6000 WS is.
    let mid = format!(
        "{}\n[environment]\nnoise = \"any\"\n[platform]\nallowed = [\"nvidia\"]\n",
        BIG_ROLE.replace("qwen3-coder-480b-a35b", "qwen3-coder-next")
    );
    let r2 = plan_from_toml(&mid, "mid.toml", &Catalog::builtin().unwrap()).unwrap();
    let two = r2
        .candidates
        .iter()
        .find(|c| c.hardware_id == "rtx-5090" && c.device_count == 2)
        .expect("2× rtx-5090 is a candidate");
    assert!(
        two.noise > Noise::Quiet,
        "{} {:?} {}",
        two.name,
        two.noise,
        two.noise_dba
    );
    let one = build("rtx-pro-6000-ws", 1);
    assert_eq!(one.noise, Noise::Quiet, "{} {}", one.name, one.noise_dba);
    // (PRO 6000 WS / Max-Q + RTX 4000 Ada are now set aside as surplus-device
    // builds; their noise order is tested in physical::noise.)
}

#[test]
fn two_gpu_am5_builds_say_when_their_lane_split_is_unverified() {
    for name in EXAMPLES {
        let (r, _) = example(name);
        for c in r
            .candidates
            .iter()
            .filter(|c| c.device_count == 2 && c.name.ends_with("on AM5"))
        {
            let board = c
                .components
                .iter()
                .find(|p| p.kind == "motherboard")
                .expect("a board");
            let verified = Physical::builtin()
                .board(&board.item_id)
                .is_some_and(|b| b.layout_verified);
            if !verified {
                assert!(
                    board.why.contains("unverified"),
                    "{}: {}",
                    c.name,
                    board.why
                );
                assert!(
                    c.flags.iter().any(|f| f.contains("unverified")),
                    "{}: {:?}",
                    c.name,
                    c.flags
                );
            }
        }
    }
}

#[test]
fn only_psus_with_an_observed_price_are_chosen_and_shortfalls_are_flagged() {
    let phys = Physical::builtin();
    for name in EXAMPLES {
        let (r, _) = example(name);
        for c in r
            .candidates
            .iter()
            .filter(|c| c.components.iter().any(|p| p.kind == "gpu"))
        {
            let psu = c
                .components
                .iter()
                .find(|p| p.kind == "psu")
                .expect("a PSU");
            assert!(!psu.estimate, "{}: {} is an estimate", c.name, psu.name);
            let rating = phys.psu(&psu.item_id).expect("a [[psu]] record").watts;
            // The ATX 3.1 size is in the PSU line; a PSU below it is flagged.
            let need: f64 = psu
                .why
                .split(") = ")
                .nth(1)
                .and_then(|t| t.split(" W").next())
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| panic!("{}: no ATX size in {}", c.name, psu.why));
            if need > rating {
                assert!(
                    c.flags.iter().any(|f| f.starts_with("PSU: ATX 3.1")),
                    "{}: {} W PSU below {need} W without a flag",
                    c.name,
                    rating
                );
            }
        }
    }
}
