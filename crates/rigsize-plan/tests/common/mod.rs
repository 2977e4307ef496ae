//! Checks shared by the plan test files.

use rigsize_plan::report::{Candidate, Verdict};
use rigsize_plan::Requirements;

/// A candidate marked as meeting every minimum really does, by the numbers
/// it prints (memory per device, speeds, context, memory minimum, power).
pub fn assert_meets_by_numbers(c: &Candidate, req: &Requirements) {
    assert!(c.memory.fits, "{}", c.name);
    assert!(
        c.memory.required_bytes <= c.memory.available_bytes,
        "{}",
        c.name
    );
    for d in &c.memory.devices {
        assert!(
            d.used_bytes <= d.available_bytes,
            "{} device {}",
            c.name,
            d.index
        );
    }
    for role in &c.roles {
        if let Some(m) = role.minimum {
            assert!(
                role.tok_s_per_stream >= m,
                "{}: {} {}",
                c.name,
                role.role,
                role.tok_s_per_stream
            );
        }
        assert_ne!(role.verdict, Verdict::Fails);
        assert!(
            role.model_max_context >= role.context,
            "{}: {}",
            c.name,
            role.model
        );
    }
    let phys_gb = c.memory.physical_bytes as f64 / (1u64 << 30) as f64;
    assert!(phys_gb + 0.5 >= req.memory.min_gb.unwrap(), "{}", c.name);
    assert!(c.wall_power_w <= req.environment.max_watts(), "{}", c.name);
    assert!(c
        .checks
        .iter()
        .filter(|k| k.requirement != "budget")
        .all(|k| k.verdict != Verdict::Fails));
    if c.qualifies {
        assert!(c.total_price_chf <= req.budget.max_chf);
    }
}
