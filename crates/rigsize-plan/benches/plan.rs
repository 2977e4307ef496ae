//! Planning examples/home-office-coding.toml over the whole catalog (issue 7: < 100 ms).

use criterion::{criterion_group, criterion_main, Criterion};
use rigsize_catalog::Catalog;
use rigsize_plan::plan_from_toml;

fn bench(c: &mut Criterion) {
    let catalog = Catalog::builtin().unwrap();
    let text = include_str!("../../../examples/home-office-coding.toml");
    // Warm the embedded data (rules, scores, price snapshot, calibration).
    plan_from_toml(text, "home-office-coding.toml", &catalog).unwrap();
    c.bench_function("plan home-office-coding (whole catalog)", |b| {
        b.iter(|| plan_from_toml(text, "home-office-coding.toml", &catalog).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
