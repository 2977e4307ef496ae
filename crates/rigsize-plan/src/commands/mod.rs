//! Engine commands that run the planned workload on the top pick.
//!
//! One server per model (the roles on it share its slots), each on its planned devices
//! with its planned share of their memory. A line names only a checkpoint whose format is
//! the one the plan sized; where rigsize knows none, the purpose says so and no line is
//! printed. Every line is checked against the engines' own vocabularies in the tests.

pub mod checkpoint;
mod dist;
mod lines;

use std::collections::BTreeMap;

use rigsize_catalog::checkpoints::{CheckpointFormat, CheckpointRecord};
use rigsize_core::engine::Engine;

use crate::report::{Candidate, DeviceShare, EngineCommand, RoleResult};
use crate::requirements::Platform;

/// What the catalog knows of a model's published checkpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRepo {
    /// The publisher's repo (its native weights).
    pub repo: String,
    /// Every published checkpoint rigsize knows of the model (data/checkpoints.toml, and
    /// the native repo), of every format.
    pub checkpoints: Vec<CheckpointRecord>,
    /// The native weight format's name (`bf16`, `fp8`, `mxfp4` …).
    pub native: String,
    pub moe: bool,
    /// Attention heads (vLLM's tensor-parallel size must divide them).
    pub heads: u32,
}

impl ModelRepo {
    /// The catalog's record of a model's repo (None: unknown model, or no repo named).
    pub fn from_catalog(catalog: &rigsize_catalog::Catalog, id: &str) -> Option<ModelRepo> {
        let m = catalog.model(id).ok()?;
        let native = m.arch.native_dtype.name().to_string();
        Some(ModelRepo {
            repo: m.hf_repo.clone()?,
            checkpoints: checkpoint::of_model(&m.arch.id, m.hf_repo.as_deref(), Some(&native)),
            native,
            moe: m.arch.is_moe(),
            heads: m.arch.n_heads,
        })
    }
}

/// The first port the model servers listen on (llama-server's default, 8080).
pub const FIRST_PORT: u16 = 8080;

/// llama-server, vLLM and mlx_lm commands, one server per model.
pub fn engine_commands(
    c: &Candidate,
    repo_of: impl Fn(&str) -> Option<ModelRepo>,
) -> Vec<EngineCommand> {
    // A build whose models do not fit gets no command that looks as if it would run.
    if !c.memory.fits {
        return vec![];
    }
    // Group roles by model: one server per model, its slots shared by the roles.
    let mut by_model: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in c
        .roles
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.devices.is_empty())
    {
        by_model.entry(r.model.clone()).or_default().push(i);
    }
    let servers: Vec<Server> = (FIRST_PORT..)
        .zip(by_model.iter())
        .map(|(port, (model, idx))| {
            let roles: Vec<&RoleResult> = idx.iter().map(|&i| &c.roles[i]).collect();
            Server::new(c, model, roles, port, repo_of(model))
        })
        .collect();
    let mut out = Vec::new();
    if let Some(mb) = c.wired_limit_mb {
        for machine in machine_indices(c) {
            out.push(EngineCommand {
                engine: "macos".into(),
                purpose: "let the GPU wire more of the unified memory (resets at reboot)".into(),
                command: format!("sudo sysctl iogpu.wired_limit_mb={mb}"),
                machine,
                ..Default::default()
            });
        }
    }
    for sv in &servers {
        let split_machines = multi_machine(c) && sv.devices.len() > 1;
        if c.engine == Engine::Mlx {
            let mlx = lines::mlx_line(c, sv);
            // No MLX checkpoint of the planned size: llama.cpp (Metal) with a GGUF of the
            // same size, if one is known, said so in the purpose.
            let gguf = (mlx.engine == "none")
                .then(|| {
                    checkpoint::same_size_quant(
                        sv.repo.as_ref(),
                        CheckpointFormat::Gguf,
                        sv.weights_bytes,
                    )
                })
                .flatten();
            match gguf {
                Some(q) => {
                    let alt = sv.with_quant(&q, &mlx.purpose);
                    if split_machines {
                        out.extend(dist::split_lines(c, &alt));
                    } else {
                        out.extend(lines::llama_lines(c, &alt, &servers));
                    }
                }
                None => out.push(mlx),
            }
        } else if split_machines {
            out.extend(dist::split_lines(c, sv));
        } else {
            out.extend(lines::llama_lines(c, sv, &servers));
        }
    }
    out
}

/// True when every device of the build is its own machine (a cluster of boxes or Macs).
pub fn multi_machine(c: &Candidate) -> bool {
    c.device_count > 1
        && matches!(
            c.platform,
            Platform::Apple | Platform::DgxSpark | Platform::StrixHalo
        )
}

/// The machines a per-machine line runs on: each box of a cluster, or the only one.
fn machine_indices(c: &Candidate) -> Vec<Option<usize>> {
    if multi_machine(c) {
        (0..c.device_count as usize).map(Some).collect()
    } else {
        vec![None]
    }
}

/// One model server's facts, shared by the engines' command lines.
pub(crate) struct Server<'a> {
    pub model: &'a str,
    pub roles: Vec<&'a RoleResult>,
    pub streams: u32,
    pub total_ctx: u64,
    pub max_ctx: u64,
    pub repo: Option<ModelRepo>,
    pub purpose: String,
    pub port: u16,
    pub devices: Vec<usize>,
    /// Planned bytes on each of `devices`.
    pub shares: Vec<DeviceShare>,
    pub weights_bytes: u64,
    /// The planned quantization, as the plan names it (`q4_k_m`, `mlx-4bit`, `fp8` …).
    pub quant: String,
}

impl<'a> Server<'a> {
    fn new(
        c: &Candidate,
        model: &'a str,
        roles: Vec<&'a RoleResult>,
        port: u16,
        repo: Option<ModelRepo>,
    ) -> Server<'a> {
        let names: Vec<&str> = roles.iter().map(|r| r.role.as_str()).collect();
        let streams: u32 = roles.iter().map(|r| r.streams).sum();
        let total_ctx: u64 = roles.iter().map(|r| r.context * r.streams as u64).sum();
        let devices = roles[0].devices.clone();
        let mut weights_bytes = 0;
        let shares = devices
            .iter()
            .map(|&g| {
                let parts = c.memory.devices.get(g).map(|d| d.parts.as_slice());
                let mine = parts
                    .unwrap_or_default()
                    .iter()
                    .filter(|p| p.model.as_deref() == Some(model));
                let mut bytes = 0;
                for p in mine {
                    bytes += p.bytes;
                    if p.weights {
                        weights_bytes += p.bytes;
                    }
                }
                DeviceShare { device: g, bytes }
            })
            .collect::<Vec<_>>();
        let planned: Vec<String> = shares
            .iter()
            .map(|s| format!("{:.1} GiB on device {}", gib(s.bytes), s.device))
            .collect();
        Server {
            model,
            streams,
            total_ctx,
            max_ctx: roles.iter().map(|r| r.context).max().unwrap_or(0),
            repo,
            purpose: format!(
                "{model} for {} ({streams} stream{}, {} tokens of cache; planned {})",
                names.join(" + "),
                if streams == 1 { "" } else { "s" },
                total_ctx,
                planned.join(", ")
            ),
            port,
            devices,
            shares,
            weights_bytes,
            quant: roles[0].quant.clone(),
            roles,
        }
    }

    /// The same server loading a `quant` GGUF instead of the planned format (its weights of
    /// the same size), `why` said in the purpose.
    fn with_quant(&self, quant: &str, why: &str) -> Server<'a> {
        let why = why.split("; no command — ").nth(1).unwrap_or(why);
        Server {
            model: self.model,
            roles: self.roles.clone(),
            streams: self.streams,
            total_ctx: self.total_ctx,
            max_ctx: self.max_ctx,
            repo: self.repo.clone(),
            purpose: format!(
                "{}; {why}, so llama.cpp loads the {quant} GGUF of the same size instead",
                self.purpose
            ),
            port: self.port,
            devices: self.devices.clone(),
            shares: self.shares.clone(),
            weights_bytes: self.weights_bytes,
            quant: quant.to_string(),
        }
    }

    /// The fields every model-server line of this server carries.
    fn command(&self, engine: &str, purpose: String, command: String) -> EngineCommand {
        EngineCommand {
            engine: engine.into(),
            purpose,
            command,
            machine: None,
            port: Some(self.port),
            model: Some(self.model.to_string()),
            roles: self.roles.iter().map(|r| r.role.clone()).collect(),
            shares: self.shares.clone(),
            alternative: false,
            download: None,
        }
    }
}

fn gib(b: u64) -> f64 {
    b as f64 / (1u64 << 30) as f64
}
