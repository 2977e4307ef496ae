//! The generated vocabularies, embedded and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// A server program rigsize prints commands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Program {
    LlamaServer,
    /// `vllm serve`
    VllmServe,
    /// `python -m sglang.launch_server`
    Sglang,
    /// `mlx_lm.server`
    MlxLmServer,
    /// `mlx.launch`, MLX's distributed launcher (wraps another command after `--`).
    MlxLaunch,
    /// llama.cpp's `rpc-server`: lends a box's GPU to a llama-server on another box.
    RpcServer,
    /// `ray start`: the Ray cluster vLLM's multi-node executor runs on (click options).
    RayStart,
}

impl Program {
    pub const ALL: [Program; 7] = [
        Program::LlamaServer,
        Program::VllmServe,
        Program::Sglang,
        Program::MlxLmServer,
        Program::MlxLaunch,
        Program::RpcServer,
        Program::RayStart,
    ];

    fn source(self) -> &'static str {
        match self {
            Program::LlamaServer => include_str!("../../../data/engine-args/llama-server.toml"),
            Program::VllmServe => include_str!("../../../data/engine-args/vllm.toml"),
            Program::Sglang => include_str!("../../../data/engine-args/sglang.toml"),
            Program::MlxLmServer => include_str!("../../../data/engine-args/mlx_lm.server.toml"),
            Program::MlxLaunch => include_str!("../../../data/engine-args/mlx.launch.toml"),
            Program::RpcServer => include_str!("../../../data/engine-args/rpc-server.toml"),
            Program::RayStart => include_str!("../../../data/engine-args/ray.toml"),
        }
    }

    /// The parsed vocabulary (the embedded files are checked by this crate's tests).
    pub fn vocabulary(self) -> &'static Vocabulary {
        static CACHE: OnceLock<HashMap<Program, Vocabulary>> = OnceLock::new();
        let all = CACHE.get_or_init(|| {
            Program::ALL
                .iter()
                .map(|&p| {
                    let v: Vocabulary = toml::from_str(p.source())
                        .unwrap_or_else(|e| panic!("data/engine-args for {p:?} is invalid: {e}"));
                    (p, v)
                })
                .collect()
        });
        &all[&self]
    }
}

/// How an option takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlagKind {
    /// Takes no value.
    Flag,
    Int,
    Float,
    /// Any text.
    Str,
    /// One of `choices`.
    Choice,
    /// One or more words.
    List,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub names: Vec<String>,
    pub kind: FlagKind,
    #[serde(default)]
    pub choices: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Positional {
    pub name: String,
    /// argparse's nargs: "1", "?", "*", "+", "...".
    pub nargs: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vocabulary {
    pub engine: String,
    pub package: String,
    pub version: String,
    pub read_on: String,
    pub source: String,
    #[serde(default)]
    pub positional: Vec<Positional>,
    #[serde(default)]
    pub flag: Vec<Flag>,
}

impl Vocabulary {
    pub fn find(&self, name: &str) -> Option<&Flag> {
        self.flag.iter().find(|f| f.names.iter().any(|n| n == name))
    }

    /// How many bare words the program takes at most (`None`: any number).
    pub fn max_positionals(&self) -> Option<usize> {
        let mut n = 0usize;
        for p in &self.positional {
            match p.nargs.as_str() {
                "?" => n += 1,
                "*" | "+" | "..." | "A..." => return None,
                k => n += k.parse::<usize>().unwrap_or(1),
            }
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocabulary_parses_and_names_its_source() {
        for p in Program::ALL {
            let v = p.vocabulary();
            // rpc-server has six options in all; every other program has dozens.
            let least = if p == Program::RpcServer { 6 } else { 10 };
            assert!(
                v.flag.len() >= least,
                "{p:?}: only {} options",
                v.flag.len()
            );
            assert!(!v.version.is_empty() && !v.source.is_empty(), "{p:?}");
            for f in &v.flag {
                assert!(
                    f.names.iter().all(|n| n.starts_with('-')),
                    "{p:?} {:?}",
                    f.names
                );
                assert_eq!(
                    f.kind == FlagKind::Choice,
                    !f.choices.is_empty(),
                    "{p:?} {:?}",
                    f.names
                );
            }
        }
    }

    #[test]
    fn the_flags_rigsize_relies_on_are_known_with_their_value_form() {
        let ls = Program::LlamaServer.vocabulary();
        assert_eq!(ls.find("-c").unwrap().kind, FlagKind::Int);
        assert_eq!(ls.find("-np").unwrap().kind, FlagKind::Int);
        assert_eq!(ls.find("--kv-unified").unwrap().kind, FlagKind::Flag);
        let ctk = ls.find("-ctk").unwrap();
        assert!(ctk.choices.iter().any(|c| c == "q8_0"));
        let v = Program::VllmServe.vocabulary();
        assert_eq!(
            v.find("--gpu-memory-utilization").unwrap().kind,
            FlagKind::Float
        );
        assert_eq!(
            v.find("--tensor-parallel-size").unwrap().kind,
            FlagKind::Int
        );
        assert!(v
            .find("--kv-cache-dtype")
            .unwrap()
            .choices
            .iter()
            .any(|c| c == "fp8"));
        assert_eq!(v.max_positionals(), Some(1));
        assert_eq!(
            Program::Sglang.vocabulary().find("--tp-size").unwrap().kind,
            FlagKind::Int
        );
        assert!(Program::MlxLmServer.vocabulary().find("--model").is_some());
        let rpc = Program::RpcServer.vocabulary();
        assert_eq!(rpc.find("--host").unwrap().kind, FlagKind::Str);
        assert_eq!(rpc.find("-p").unwrap().kind, FlagKind::Int);
        assert_eq!(rpc.find("-c").unwrap().kind, FlagKind::Flag);
        let ray = Program::RayStart.vocabulary();
        assert_eq!(ray.find("--head").unwrap().kind, FlagKind::Flag);
        assert_eq!(ray.find("--port").unwrap().kind, FlagKind::Int);
        assert_eq!(ray.find("--address").unwrap().kind, FlagKind::Str);
        assert_eq!(ray.max_positionals(), Some(0));
    }
}
