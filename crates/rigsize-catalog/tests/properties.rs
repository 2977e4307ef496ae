//! Properties of the memory model over the whole catalog, checked on random
//! requests: more context or more streams never needs less memory, and the
//! reported largest context really is the largest that fits.

use proptest::prelude::*;
use rigsize_catalog::Catalog;
use rigsize_core::dtype::KvType;
use rigsize_core::engine::{Engine, EngineConfig};
use rigsize_core::hardware::DeviceKind;
use rigsize_core::memory::{estimate_on, max_context, weights_for_scheme, MemoryRequest};
use rigsize_core::quant::QuantScheme;

fn catalog() -> &'static Catalog {
    static C: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    C.get_or_init(|| Catalog::builtin().unwrap())
}

const ENGINES: [Engine; 3] = [Engine::LlamaCpp, Engine::Vllm, Engine::Mlx];
const KV: [KvType; 4] = [KvType::F16, KvType::Q8_0, KvType::Q4_0, KvType::FP8];

fn request(ctx: u64, streams: u32, kv: KvType, engine: Engine) -> MemoryRequest {
    MemoryRequest {
        ctx,
        streams,
        kv_type_k: kv,
        kv_type_v: kv,
        engine: EngineConfig::new(engine),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn memory_grows_with_context_and_streams(
        model in 0usize..47,
        ctx in 1u64..300_000,
        extra in 1u64..100_000,
        streams in 1u32..8,
        kv in 0usize..4,
        engine in 0usize..3,
    ) {
        let c = catalog();
        let m = &c.models[model % c.models.len()].arch;
        let w = weights_for_scheme(m, QuantScheme::parse("q4_k_m").unwrap());
        let at = |ctx, s| {
            estimate_on(m, &w, &request(ctx, s, KV[kv], ENGINES[engine]), DeviceKind::Gpu, 1).total_bytes
        };
        prop_assert!(at(ctx + extra, streams) >= at(ctx, streams));
        prop_assert!(at(ctx, streams + 1) >= at(ctx, streams));
        let e = estimate_on(m, &w, &request(ctx, streams, KV[kv], ENGINES[engine]), DeviceKind::Gpu, 1);
        prop_assert_eq!(
            e.total_bytes,
            e.weights_bytes + e.kv_cache_bytes + e.recurrent_state_bytes + e.overhead_bytes
        );
    }

    #[test]
    fn max_context_is_the_largest_that_fits(
        model in 0usize..47,
        gib in 8u64..200,
        streams in 1u32..6,
    ) {
        let c = catalog();
        let m = &c.models[model % c.models.len()].arch;
        let w = weights_for_scheme(m, QuantScheme::parse("q4_k_m").unwrap());
        let req = request(1, streams, KvType::F16, Engine::LlamaCpp);
        let available = gib << 30;
        let total = |ctx| {
            let r = MemoryRequest { ctx, ..req.clone() };
            estimate_on(m, &w, &r, DeviceKind::Gpu, 1).total_bytes
        };
        match max_context(m, &w, &req, DeviceKind::Gpu, 1, available) {
            None => prop_assert!(total(1) > available),
            Some(best) => {
                prop_assert!(total(best) <= available);
                if best < rigsize_core::units::MAX_CONTEXT_TOKENS {
                    prop_assert!(total(best + 1) > available);
                }
            }
        }
    }
}
