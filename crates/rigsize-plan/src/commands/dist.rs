//! One model split over several boxes (a DGX Spark or Strix Halo pair): llama.cpp's RPC
//! backend, and vLLM over Ray where a checkpoint of the planned format is known. Macs are
//! served by `mlx.launch` in [`super::lines::mlx_line`].
//!
//! The peers' addresses are the buyer's: the lines read them from environment variables
//! (`RPC_PEERS`, `HEAD_IP`, `LINK_IP`) that the emitted scripts require, never a placeholder.
//! `rpc-server` and `ray start` are checked like the servers (their options read from
//! rpc-server.cpp and Ray's click command); the Ray lines are only ever alternatives.

use super::lines::{device_env, gguf_checkpoint, llama_args, vllm_checkpoint, vllm_util};
use super::Server;
use crate::report::{Candidate, EngineCommand};
use crate::requirements::Platform;

/// llama.cpp's rpc-server default port (tools/rpc/rpc-server.cpp).
pub const RPC_PORT: u16 = 50052;
/// Ray's default GCS port (`ray start --head`).
pub const RAY_PORT: u16 = 6379;

pub(super) fn split_lines(c: &Candidate, sv: &Server) -> Vec<EngineCommand> {
    let head = sv.devices[0];
    let peers = &sv.devices[1..];
    let mut out = Vec::new();
    let ch = match gguf_checkpoint(sv) {
        Ok(ch) => ch,
        Err(why) => {
            let mut k = sv.command(
                "none",
                format!("{}; no command — llama.cpp RPC: {why}", sv.purpose),
                format!(
                    "# {}: no checkpoint of the planned format and size is known",
                    sv.model
                ),
            );
            k.machine = Some(head);
            out.push(k);
            if c.platform == Platform::DgxSpark {
                out.extend(ray_lines(c, sv));
            }
            return out;
        }
    };
    for &m in peers {
        let mut k = sv.command(
            "llama.cpp rpc",
            format!(
                "machine {m} lends its GPU memory to {}'s server on machine {head} over the direct link (llama.cpp RPC, no authentication: LINK_IP is this box's address on the direct link only)",
                sv.model
            ),
            format!("rpc-server --host \"$LINK_IP\" --port {RPC_PORT} -c"),
        );
        k.machine = Some(m);
        k.port = None;
        out.push(k);
    }
    let cmd = format!(
        "{}{} -sm layer --rpc \"$RPC_PEERS\" --port {}",
        device_env(c, &[0]),
        llama_args(c, sv, &ch.rec.repo),
        sv.port
    );
    let mut purpose = format!(
        "{}; split by layers over {} boxes with llama.cpp RPC (RPC_PEERS: the other boxes' link addresses with :{RPC_PORT}, comma-separated)",
        sv.purpose,
        sv.devices.len()
    );
    if let Some(n) = &ch.note {
        purpose.push_str(&format!("; {n}"));
    }
    let mut k = sv.command("llama.cpp", purpose, cmd);
    k.machine = Some(head);
    k.download = Some(ch.download(sv.weights_bytes));
    out.push(k);
    if c.platform == Platform::DgxSpark {
        out.extend(ray_lines(c, sv));
    }
    out
}

/// vLLM multi-node over Ray: a head on the first box, a worker on each other, and
/// `vllm serve` with one pipeline stage per box (one GPU each).
fn ray_lines(c: &Candidate, sv: &Server) -> Vec<EngineCommand> {
    let Ok(ch) = vllm_checkpoint(sv) else {
        return vec![];
    };
    let Ok(util) = vllm_util(c, sv, &[]) else {
        return vec![];
    };
    let head = sv.devices[0];
    let mut out = Vec::new();
    let mut ray = sv.command(
        "ray",
        "vLLM multi-node: the Ray head on the first box".into(),
        format!("ray start --head --port {RAY_PORT}"),
    );
    ray.machine = Some(head);
    ray.port = None;
    ray.alternative = true;
    out.push(ray);
    for &m in &sv.devices[1..] {
        let mut w = sv.command(
            "ray",
            format!("vLLM multi-node: machine {m} joins the Ray cluster (HEAD_IP: the first box's link address)"),
            format!("ray start --address \"$HEAD_IP:{RAY_PORT}\""),
        );
        w.machine = Some(m);
        w.port = None;
        w.alternative = true;
        out.push(w);
    }
    let mut k = sv.command(
        "vllm",
        format!("{} — with vLLM over Ray instead of llama.cpp RPC, one pipeline stage per box", sv.purpose),
        format!(
            "vllm serve {} --tensor-parallel-size 1 --pipeline-parallel-size {} --distributed-executor-backend ray --max-model-len {} --max-num-seqs {} --gpu-memory-utilization {util:.2} --port {}",
            ch.rec.repo,
            sv.devices.len(),
            sv.max_ctx,
            sv.streams,
            sv.port
        ),
    );
    k.machine = Some(head);
    k.alternative = true;
    k.download = Some(ch.download(sv.weights_bytes));
    out.push(k);
    out
}
