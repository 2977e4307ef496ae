//! Which kernel a decode batch dispatches to, and the weight and expert reads that follow from it.

use rigsize_catalog::Catalog;
use rigsize_core::engine::{Backend, Engine};
use rigsize_core::hardware::DeviceSet;
use rigsize_core::memory::weights_for_scheme;
use rigsize_core::model::ModelArch;
use rigsize_core::quant::QuantScheme;
use rigsize_speed::model::{terms, BatchPrompts, Params, SpeedRequest};
use rigsize_speed::Calibration;

use super::{arch, params};

#[test]
fn metal_small_batches_reread_the_weights_no_small_batch_kernel_covers() {
    let c = Catalog::builtin().unwrap();
    let mac = c.device_set("m2-ultra").unwrap();
    let gpu = c.device_set("rtx-4090").unwrap();
    let m = arch(&c, "qwen3-8b");
    let read = |quant: &str, set: &DeviceSet, engine: Engine, streams: u32| {
        let w = weights_for_scheme(&m, QuantScheme::parse(quant).unwrap());
        let mut req = SpeedRequest::new(&m, &w, set, engine);
        req.streams = streams;
        terms(&req).decode.weight_bytes
    };
    let llama = Engine::LlamaCpp;
    // Q8_0 has a small-batch kernel from 2 streams: one read per step.
    assert_eq!(read("q8_0", &mac, llama, 2), read("q8_0", &mac, llama, 1));
    // Q4_K only from 4: at 2 and 3 the mat-vec kernel runs once per stream.
    let one = read("q4_k_m", &mac, llama, 1);
    assert!(read("q4_k_m", &mac, llama, 2) > 1.8 * one);
    assert!(read("q4_k_m", &mac, llama, 3) > 2.7 * one);
    assert_eq!(read("q4_k_m", &mac, llama, 4), one);
    // The small-batch kernel takes at most 5 streams per threadgroup: 6–8
    // streams read the weights it covers twice.
    assert_eq!(read("q8_0", &mac, llama, 5), read("q8_0", &mac, llama, 1));
    let q8 = read("q8_0", &mac, llama, 1);
    assert!((read("q8_0", &mac, llama, 6) / q8 - 2.0).abs() < 0.01);
    assert!((read("q4_k_m", &mac, llama, 8) / one - 2.0).abs() < 0.01);
    assert_eq!(read("q8_0", &gpu, llama, 8), read("q8_0", &gpu, llama, 1));
    // Above 8 streams: the matrix-matrix kernel, one read.
    assert_eq!(read("q4_k_m", &mac, llama, 16), one);
    // CUDA's mat-vec kernels take up to 8 columns at once (MLX's own
    // table: tests/mlx_dispatch.rs).
    assert_eq!(
        read("q4_k_m", &gpu, llama, 2),
        read("q4_k_m", &gpu, llama, 1)
    );

    // Routed experts below 32 tokens: one read per (token, expert) pair,
    // more than the union of experts the batch touches.
    let moe = arch(&c, "qwen3-30b-a3b");
    let w = weights_for_scheme(&moe, QuantScheme::parse("q8_0").unwrap());
    let step = |set: &DeviceSet, streams: u32| {
        let mut req = SpeedRequest::new(&moe, &w, set, llama);
        req.streams = streams;
        terms(&req).decode.weight_bytes
    };
    let routed = w.routed_expert_bytes as f64;
    let pairs = 16.0 * rigsize_speed::model::expert_fraction(&moe, 1.0);
    let union = rigsize_speed::model::expert_fraction(&moe, 16.0);
    let extra = step(&mac, 16) - step(&gpu, 16);
    assert!((extra - routed * (pairs - union)).abs() < 1.0, "{extra}");
    // From 32 tokens a grouped GEMM per expert reads each touched expert once.
    assert_eq!(step(&mac, 32), step(&gpu, 32));
}

#[test]
fn wide_decode_batches_run_the_matrix_kernel_in_whole_tiles() {
    let c = Catalog::builtin().unwrap();
    let m = arch(&c, "qwen3-8b");
    let w = weights_for_scheme(&m, QuantScheme::parse("q8_0").unwrap());
    let decode = |hw: &str, engine: Engine, streams: u32| {
        let set = c.device_set(hw).unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, engine);
        req.streams = streams;
        terms(&req).decode
    };
    // Up to 8 streams: mat-vec kernels, no matrix-matrix part.
    let t8 = decode("m2-ultra", Engine::LlamaCpp, 8);
    assert_eq!((t8.gemm_tile_s, t8.gemm_tokens), (0.0, 0.0));
    assert!(t8.gemm_s > 0.0);
    // 9–32 streams on Metal: one 32-token tile, the same math for 9 as for 32.
    let (t9, t32) = (
        decode("m2-ultra", Engine::LlamaCpp, 9),
        decode("m2-ultra", Engine::LlamaCpp, 32),
    );
    assert_eq!((t9.gemm_tokens, t32.gemm_tokens), (32.0, 32.0));
    assert_eq!(t9.gemm_tile_s, t32.gemm_tile_s);
    assert_eq!(t9.gemm_s, 0.0, "a dense model has no per-column part left");
    assert_eq!(decode("m2-ultra", Engine::LlamaCpp, 33).gemm_tokens, 64.0);
    // CUDA's tiles step by 8 columns.
    assert_eq!(decode("rtx-4090", Engine::LlamaCpp, 9).gemm_tokens, 16.0);
    // Vulkan on an AMD card: mat-vec up to 8 columns, then 32-token tiles;
    // the same card on ROCm has no table (every stream's math per column).
    let on = |backend: Option<Backend>, streams: u32| {
        let set = c.device_set("radeon-ai-pro-r9700").unwrap();
        let mut req = SpeedRequest::new(&m, &w, &set, Engine::LlamaCpp);
        req.streams = streams;
        req.backend = backend;
        terms(&req).decode.gemm_tokens
    };
    let vk = Some(Backend::Vulkan);
    assert_eq!((on(vk, 8), on(vk, 9), on(vk, 33)), (0.0, 32.0, 64.0));
    assert_eq!(on(None, 9), 0.0);
    // Engines without a table (vLLM) keep every stream's math at the decode rate.
    let v = decode("rtx-4090", Engine::Vllm, 32);
    assert_eq!(v.gemm_tile_s, 0.0);
    // The tile's math runs at prefill's rate; the thin-expert factor of
    // prefill (`moe_prefill_half_tokens`) does not touch it (the step adds
    // the whole weight read already).
    let p = Params {
        prefill_util: 0.5,
        moe_prefill_half_tokens: 32.0,
        ..params(
            &Calibration::builtin().unwrap(),
            Engine::LlamaCpp,
            &c.device_set("m2-ultra").unwrap(),
        )
    };
    assert!((p.tile_gemm_s(&t32) - t32.gemm_tile_s / 0.5).abs() < 1e-12);
}

/// A benchmark's synthetic tokens share expert reads: the spread is the
/// routed bytes beyond one stream's, zero for a dense model, at one stream,
/// for independent requests and in kernels that read each (token, expert)
/// pair (Metal below 32 streams), and the routing overlap takes exactly that
/// share off the read.
#[test]
fn routing_overlap_takes_only_the_experts_read_beyond_one_stream() {
    let c = Catalog::builtin().unwrap();
    let set = c.device_set("dgx-spark").unwrap();
    let moe = arch(&c, "gpt-oss-120b");
    let w = weights_for_scheme(&moe, QuantScheme::parse("mxfp4").unwrap());
    let dense = arch(&c, "qwen3-8b");
    let wd = weights_for_scheme(&dense, QuantScheme::parse("q8_0").unwrap());
    let step = |m: &ModelArch, w, streams| {
        let mut req = SpeedRequest::new(m, w, &set, Engine::LlamaCpp);
        req.streams = streams;
        req.prompts = BatchPrompts::Synthetic;
        terms(&req).decode
    };
    // Independent requests (the default: agents, users) read the union.
    let mut independent = SpeedRequest::new(&moe, &w, &set, Engine::LlamaCpp);
    independent.streams = 32;
    assert_eq!(independent.prompts, BatchPrompts::Independent);
    assert_eq!(terms(&independent).decode.expert_spread_s, 0.0);
    assert_eq!(step(&moe, &w, 1).expert_spread_s, 0.0);
    assert_eq!(step(&dense, &wd, 32).expert_spread_s, 0.0);
    let (one, wide) = (step(&moe, &w, 1), step(&moe, &w, 32));
    // Independent routing: the extra weight read of 32 streams is all experts.
    let spread = wide.expert_spread_s;
    assert!(spread > 0.0 && spread < wide.mem_s);
    assert!(((wide.mem_s - one.mem_s) - spread).abs() / spread < 1e-9);
    let p = |overlap| Params {
        moe_route_overlap: overlap,
        ..rigsize_speed::calib::DEFAULT_PARAMS
    };
    // Fully alike routing reads what one stream reads.
    let same = p(1.0).weight_read_s(&wide) * p(1.0).mem_eff;
    assert!((same - one.mem_s).abs() / one.mem_s < 1e-9);
    assert!(p(0.5).weight_read_s(&wide) < p(0.0).weight_read_s(&wide));
    // Metal's per-pair expert kernel reads every pair, synthetic or not.
    let mac = c.device_set("m2-ultra-76c").unwrap();
    let mut pairs = SpeedRequest::new(&moe, &w, &mac, Engine::LlamaCpp);
    pairs.streams = 8;
    pairs.prompts = BatchPrompts::Synthetic;
    let d = terms(&pairs).decode;
    assert!(d.expert_per_pair && d.expert_spread_s == 0.0);
    pairs.streams = 32;
    let d = terms(&pairs).decode;
    assert!(!d.expert_per_pair && d.expert_spread_s > 0.0);
}
