//! Checking one printed shell line against the vocabularies.
//!
//! A line is: optional `VAR=value` assignments, then a known program and its arguments,
//! optionally followed by a `# comment`. `mlx.launch [options] -- COMMAND` is checked as the
//! launcher's options and then COMMAND in turn. Anything else is an error, so a new kind of
//! printed line must be taught here before it can ship.

use thiserror::Error;

use crate::vocab::{FlagKind, Program};

/// A checked program invocation within a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub program: Program,
    /// The options as written (`--port`, `-c` …).
    pub options: Vec<String>,
    pub positionals: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CheckError {
    #[error("cannot split the line into shell words: {0}")]
    Unparsable(String),
    #[error("no command on the line")]
    Empty,
    #[error("`{0}` is not a program rigsize knows how to check (llama-server, rpc-server, vllm serve, ray start, python -m sglang.launch_server, mlx_lm.server, mlx.launch, sysctl)")]
    UnknownProgram(String),
    #[error("{program}: unknown option `{option}` ({engine} {version})")]
    UnknownOption {
        program: &'static str,
        option: String,
        engine: String,
        version: String,
    },
    #[error("{program}: `{option}` needs a value")]
    MissingValue {
        program: &'static str,
        option: String,
    },
    #[error("{program}: `{option}` takes no value, got `{value}`")]
    UnexpectedValue {
        program: &'static str,
        option: String,
        value: String,
    },
    #[error("{program}: `{option} {value}` is not {expected}")]
    BadValue {
        program: &'static str,
        option: String,
        value: String,
        expected: String,
    },
    #[error("{program}: unexpected argument `{0}`", program = .1)]
    ExtraArgument(String, &'static str),
    #[error("sysctl: `{0}` is not `iogpu.wired_limit_mb=<MB>`")]
    BadSysctl(String),
}

/// Checks one printed line; returns the invocations it holds (a wrapper and what it runs).
pub fn check_line(line: &str) -> Result<Vec<Invocation>, CheckError> {
    let words = words(line)?;
    let mut rest: &[String] = &words;
    while let Some(w) = rest.first() {
        if is_assignment(w) || w == "sudo" {
            rest = &rest[1..];
        } else {
            break;
        }
    }
    if rest.is_empty() {
        return Err(CheckError::Empty);
    }
    let mut out = Vec::new();
    check_command(rest, &mut out)?;
    Ok(out)
}

/// Shell words up to a `#` that starts a word (a comment).
fn words(line: &str) -> Result<Vec<String>, CheckError> {
    let mut lex = shlex::Shlex::new(line);
    let mut out = Vec::new();
    for w in lex.by_ref() {
        if w.starts_with('#') {
            break;
        }
        out.push(w);
    }
    if lex.had_error {
        return Err(CheckError::Unparsable(line.to_string()));
    }
    Ok(out)
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        None => false,
    }
}

fn check_command(words: &[String], out: &mut Vec<Invocation>) -> Result<(), CheckError> {
    let (program, args) = identify(words)?;
    let Some(program) = program else {
        return Ok(()); // sysctl, checked in identify
    };
    let (inv, wrapped) = check_args(program, args)?;
    out.push(inv);
    if let Some(cmd) = wrapped {
        check_command(cmd, out)?;
    }
    Ok(())
}

/// The program a command line runs, and its arguments.
fn identify(words: &[String]) -> Result<(Option<Program>, &[String]), CheckError> {
    let first = words[0].as_str();
    let base = first.rsplit('/').next().unwrap_or(first);
    match base {
        "llama-server" => Ok((Some(Program::LlamaServer), &words[1..])),
        "mlx_lm.server" => Ok((Some(Program::MlxLmServer), &words[1..])),
        "mlx.launch" => Ok((Some(Program::MlxLaunch), &words[1..])),
        "rpc-server" => Ok((Some(Program::RpcServer), &words[1..])),
        "vllm" if words.get(1).map(String::as_str) == Some("serve") => {
            Ok((Some(Program::VllmServe), &words[2..]))
        }
        "ray" if words.get(1).map(String::as_str) == Some("start") => {
            Ok((Some(Program::RayStart), &words[2..]))
        }
        "python" | "python3" => match (words.get(1).map(String::as_str), words.get(2)) {
            (Some("-m"), Some(m)) if m == "sglang.launch_server" => {
                Ok((Some(Program::Sglang), &words[3..]))
            }
            (Some("-m"), Some(m)) if m == "mlx_lm.server" => {
                Ok((Some(Program::MlxLmServer), &words[3..]))
            }
            _ => Err(CheckError::UnknownProgram(words.join(" "))),
        },
        "sysctl" => {
            for w in &words[1..] {
                let ok = w
                    .strip_prefix("iogpu.wired_limit_mb=")
                    .is_some_and(|v| v.parse::<u64>().is_ok());
                if !ok {
                    return Err(CheckError::BadSysctl(w.clone()));
                }
            }
            if words.len() < 2 {
                return Err(CheckError::BadSysctl(String::new()));
            }
            Ok((None, &words[1..]))
        }
        _ => Err(CheckError::UnknownProgram(first.to_string())),
    }
}

fn program_name(p: Program) -> &'static str {
    match p {
        Program::LlamaServer => "llama-server",
        Program::VllmServe => "vllm serve",
        Program::Sglang => "sglang.launch_server",
        Program::MlxLmServer => "mlx_lm.server",
        Program::MlxLaunch => "mlx.launch",
        Program::RpcServer => "rpc-server",
        Program::RayStart => "ray start",
    }
}

type Checked<'a> = (Invocation, Option<&'a [String]>);

fn check_args(program: Program, args: &[String]) -> Result<Checked<'_>, CheckError> {
    let vocab = program.vocabulary();
    let name = program_name(program);
    let mut inv = Invocation {
        program,
        options: Vec::new(),
        positionals: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        if w == "--" && program == Program::MlxLaunch {
            let wrapped = &args[i + 1..];
            return Ok((inv, (!wrapped.is_empty()).then_some(wrapped)));
        }
        if !w.starts_with('-') || w == "-" || w.parse::<f64>().is_ok() {
            inv.positionals.push(w.clone());
            i += 1;
            continue;
        }
        let (opt, inline) = match w.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ => (w.as_str(), None),
        };
        let flag = vocab.find(opt).ok_or_else(|| CheckError::UnknownOption {
            program: name,
            option: opt.to_string(),
            engine: vocab.engine.clone(),
            version: vocab.version.clone(),
        })?;
        inv.options.push(opt.to_string());
        i += 1;
        if flag.kind == FlagKind::Flag {
            if let Some(v) = inline {
                return Err(CheckError::UnexpectedValue {
                    program: name,
                    option: opt.to_string(),
                    value: v,
                });
            }
            continue;
        }
        let values: Vec<String> = match inline {
            Some(v) => vec![v],
            None if flag.kind == FlagKind::List => {
                let n = args[i..].iter().take_while(|a| !a.starts_with('-')).count();
                let vs = args[i..i + n].to_vec();
                i += n;
                vs
            }
            None => match args.get(i) {
                Some(v) => {
                    i += 1;
                    vec![v.clone()]
                }
                None => vec![],
            },
        };
        if values.is_empty() {
            return Err(CheckError::MissingValue {
                program: name,
                option: opt.to_string(),
            });
        }
        for v in &values {
            check_value(name, opt, flag, v)?;
        }
    }
    if let Some(max) = vocab.max_positionals() {
        if let Some(extra) = inv.positionals.get(max) {
            return Err(CheckError::ExtraArgument(extra.clone(), name));
        }
    }
    Ok((inv, None))
}

fn check_value(
    program: &'static str,
    opt: &str,
    flag: &crate::vocab::Flag,
    v: &str,
) -> Result<(), CheckError> {
    let bad = |expected: String| CheckError::BadValue {
        program,
        option: opt.to_string(),
        value: v.to_string(),
        expected,
    };
    match flag.kind {
        FlagKind::Int if v.parse::<i64>().is_err() => Err(bad("an integer".into())),
        FlagKind::Float if v.parse::<f64>().map_or(true, |f| !f.is_finite()) => {
            Err(bad("a number".into()))
        }
        FlagKind::Choice if !flag.choices.iter().any(|c| c == v) => {
            Err(bad(format!("one of {}", flag.choices.join(", "))))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(line: &str) -> CheckError {
        check_line(line).expect_err(line)
    }

    #[test]
    fn a_good_llama_server_line_passes_with_env_and_comment() {
        let inv = check_line(
            "CUDA_VISIBLE_DEVICES=0,1 llama-server -hf Qwen/X-GGUF:Q4_K_M -c 409600 -np 3 --kv-unified -fa on -ngl 999 -ctk q8_0 -ctv q8_0 -sm layer --tensor-split 96,32 --port 8080  # main",
        )
        .unwrap();
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].program, Program::LlamaServer);
        assert!(inv[0].options.contains(&"--kv-unified".to_string()));
    }

    #[test]
    fn unknown_flags_and_wrong_values_fail() {
        assert!(matches!(
            err("llama-server --no-such-flag 3"),
            CheckError::UnknownOption { .. }
        ));
        assert!(matches!(
            err("llama-server -c lots"),
            CheckError::BadValue { .. }
        ));
        assert!(matches!(
            err("llama-server -ctk q7_0"),
            CheckError::BadValue { .. }
        ));
        assert!(matches!(
            err("llama-server -fa maybe"),
            CheckError::BadValue { .. }
        ));
        assert!(matches!(
            err("llama-server -c"),
            CheckError::MissingValue { .. }
        ));
        assert!(matches!(
            err("llama-server --kv-unified=1"),
            CheckError::UnexpectedValue { .. }
        ));
        assert!(matches!(
            err("llama-server … -c 8"),
            CheckError::ExtraArgument(..)
        ));
        assert!(matches!(
            err("vllm serve m --kv-cache-dtype q8_0"),
            CheckError::BadValue { .. }
        ));
        assert!(matches!(
            err("vllm serve m --gpu-memory-utilization most"),
            CheckError::BadValue { .. }
        ));
        assert!(matches!(
            err("vllm serve a b"),
            CheckError::ExtraArgument(..)
        ));
        assert!(matches!(err("ollama run x"), CheckError::UnknownProgram(_)));
        assert!(matches!(err("ray stop"), CheckError::UnknownProgram(_)));
        assert!(matches!(
            err("sudo sysctl iogpu.wired_limit_mb=lots"),
            CheckError::BadSysctl(_)
        ));
    }

    #[test]
    fn vllm_sglang_mlx_lines() {
        check_line("CUDA_VISIBLE_DEVICES=0 vllm serve Qwen/Q --max-model-len 200000 --max-num-seqs 3 --kv-cache-dtype fp8 --tensor-parallel-size 1 --gpu-memory-utilization 0.9 --port 8180").unwrap();
        check_line("python -m sglang.launch_server --model-path Qwen/Q --tp-size 2 --mem-fraction-static 0.8 --port 30000").unwrap();
        check_line("mlx_lm.server --model mlx-community/Q-4bit --port 8080").unwrap();
        check_line("sudo sysctl iogpu.wired_limit_mb=245760").unwrap();
        check_line("rpc-server --host \"$LINK_IP\" --port 50052 -c").unwrap();
        assert!(matches!(
            err("rpc-server --port many"),
            CheckError::BadValue { .. }
        ));
        assert!(matches!(
            err("rpc-server --ngl 99"),
            CheckError::UnknownOption { .. }
        ));
        let inv = check_line("mlx.launch --backend jaccl --hostfile macs.json -- python -m mlx_lm.server --model m --port 8080").unwrap();
        assert_eq!(
            inv.iter().map(|i| i.program).collect::<Vec<_>>(),
            vec![Program::MlxLaunch, Program::MlxLmServer]
        );
        assert!(matches!(
            err("mlx.launch --backend tb9 -- mlx_lm.server"),
            CheckError::BadValue { .. }
        ));
    }

    #[test]
    fn ray_start_lines() {
        let inv = check_line("ray start --head --port 6379").unwrap();
        assert_eq!(inv[0].program, Program::RayStart);
        assert_eq!(inv[0].options, vec!["--head", "--port"]);
        check_line("ray start --address \"$HEAD_IP:6379\"  # worker").unwrap();
        check_line("ray start --head --port=6379 --num-gpus 1 --include-dashboard false").unwrap();
        for (line, want) in [
            ("ray start --head --port auto", "BadValue"),
            ("ray start --head=yes", "UnexpectedValue"),
            ("ray start --num-gpus one", "BadValue"),
            ("ray start --include-dashboard maybe", "BadValue"),
            ("ray start --head --gcs-port 6379", "UnknownOption"),
            ("ray start --address", "MissingValue"),
            ("ray start head", "ExtraArgument"),
        ] {
            let e = err(line);
            assert!(format!("{e:?}").starts_with(want), "{line}: {e:?}");
        }
    }
}
