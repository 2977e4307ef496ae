//! The engine profile table (data/engines.toml) names, per engine, the program and the flag
//! rigsize prints for each purpose; every one must be an option of that program's own
//! parser (data/engine-args), with the value form the purpose needs.

use rigsize_core::engine::{Arg, Engine};
use rigsize_engine_args::{FlagKind, Program};

fn program_of(vocabulary: &str) -> Program {
    Program::ALL
        .into_iter()
        .find(|p| p.vocabulary().engine == vocabulary)
        .unwrap_or_else(|| panic!("no data/engine-args vocabulary named '{vocabulary}'"))
}

/// The value form each purpose takes (None: any form the parser accepts).
fn form(arg: Arg) -> Option<&'static [FlagKind]> {
    use FlagKind::*;
    match arg {
        Arg::Ctx | Arg::Parallel | Arg::Port | Arg::TensorParallel | Arg::PipelineParallel => {
            Some(&[Int])
        }
        Arg::Ubatch | Arg::GpuLayers | Arg::KvCacheBytes => Some(&[Int, Str]),
        Arg::MemoryFraction => Some(&[Float]),
        Arg::KvUnified => Some(&[Flag]),
        Arg::Model | Arg::HfRepo | Arg::Host | Arg::Rpc => Some(&[Str]),
        _ => None,
    }
}

#[test]
fn every_profile_flag_is_an_option_of_its_program_with_the_right_form() {
    let mut checked = 0;
    for e in Engine::ALL {
        let Some(cli) = &e.profile().cli else {
            continue;
        };
        let Some(vocab) = &cli.vocabulary else {
            assert!(cli.flags.is_empty(), "{e}: flags without a vocabulary");
            continue;
        };
        let program = program_of(vocab);
        let v = program.vocabulary();
        for (&arg, flag) in &cli.flags {
            let f = v.find(flag).unwrap_or_else(|| {
                panic!(
                    "{e}: {arg:?} = {flag} is no option of {vocab} {}",
                    v.version
                )
            });
            if let Some(kinds) = form(arg) {
                assert!(
                    kinds.contains(&f.kind),
                    "{e}: {flag} is {:?}, {arg:?} needs {kinds:?}",
                    f.kind
                );
            }
            checked += 1;
        }
        // The program name is how the checker recognises the line.
        let line = format!("{} --help-not-an-option", cli.program);
        let err = rigsize_engine_args::check_line(&line).unwrap_err();
        assert!(
            matches!(err, rigsize_engine_args::CheckError::UnknownOption { .. }),
            "{e}: `{}` is not recognised as {vocab}: {err}",
            cli.program
        );
    }
    assert!(checked >= 20, "only {checked} flags checked");
}
