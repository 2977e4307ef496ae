//! One prediction, and validating the public benchmark file.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rigsize_catalog::Catalog;
use rigsize_core::engine::Engine;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::{bench::parse_csv, predict, validate, Calibration, SpeedRequest};

fn benches(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("catalog");
    let cal = Calibration::builtin().expect("calibration");
    let model = catalog.model("gpt-oss-120b").expect("model").arch.clone();
    let weights = weights_for_scheme(&model, QuantScheme::parse("mxfp4").unwrap());
    let set = catalog.device_set("rtx-5090").expect("hardware");
    let mut req = SpeedRequest::new(&model, &weights, &set, Engine::LlamaCpp);
    req.depth_tokens = 32_768;
    req.prompt_tokens = 32_768;
    req.streams = 8;
    c.bench_function("predict gpt-oss-120b on rtx-5090, 8 streams at 32k", |b| {
        b.iter(|| predict(black_box(&req), black_box(&cal)))
    });
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/bench/dev.csv");
    if let Ok(text) = std::fs::read_to_string(path) {
        let rows = parse_csv(&text, path).expect("csv");
        c.bench_function("validate dev.csv", |b| {
            b.iter(|| validate(black_box(&catalog), black_box(&rows), black_box(&cal)))
        });
    }
}

criterion_group!(speed, benches);
criterion_main!(speed);
