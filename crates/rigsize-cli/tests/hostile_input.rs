//! Hostile input on the command line (issue 12): paths the user names must
//! be regular files (a FIFO would block `open` forever, a device would never
//! end), each refused at once naming the path; oversized requirements are
//! refused naming the cap, as the server does.
#![cfg(unix)]

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

/// A FIFO nobody writes to, in its own directory (removed on drop).
struct Fifo {
    dir: PathBuf,
    path: PathBuf,
}

impl Fifo {
    fn new(tag: &str) -> Fifo {
        let dir = std::env::temp_dir().join(format!("rigsize-fifo-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pipe");
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
        Fifo { dir, path }
    }
    fn s(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

impl Drop for Fifo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn rigsize() -> Command {
    let mut c = Command::cargo_bin("rigsize").unwrap();
    let home = std::env::temp_dir().join("rigsize-test-home");
    std::fs::create_dir_all(&home).unwrap();
    c.env_remove("RIGSIZE_CATALOG");
    c.env_remove("XDG_CONFIG_HOME");
    c.env("HOME", home);
    // A hang fails the test instead of blocking it; the refusal itself is
    // immediate (a stat, no open).
    c.timeout(Duration::from_secs(10));
    c
}

fn refused(c: &mut Command, fifo: &Fifo) {
    c.assert()
        .failure()
        .stderr(predicate::str::contains(fifo.s()))
        .stderr(predicate::str::contains("FIFO"))
        .stderr(predicate::str::contains("not a regular file"));
}

#[test]
fn plan_refuses_a_fifo_requirements_file() {
    let f = Fifo::new("plan");
    refused(rigsize().args(["plan", f.s()]), &f);
}

#[test]
fn fit_refuses_a_fifo_model() {
    let f = Fifo::new("fit");
    refused(
        rigsize().args(["fit", "--model", f.s(), "--hw", "rtx-5090"]),
        &f,
    );
}

#[test]
fn validate_and_calibrate_refuse_a_fifo_csv() {
    let f = Fifo::new("validate");
    refused(rigsize().args(["validate", f.s()]), &f);
    refused(rigsize().args(["calibrate", f.s()]), &f);
}

#[test]
fn catalog_flag_and_env_refuse_a_fifo() {
    let f = Fifo::new("catalog");
    refused(rigsize().args(["--catalog", f.s(), "models"]), &f);
    refused(rigsize().env("RIGSIZE_CATALOG", f.s()).arg("models"), &f);
}

#[test]
fn a_requirements_file_naming_a_fifo_model_is_refused() {
    let f = Fifo::new("plan-model");
    let req = f.dir.join("req.toml");
    let text = format!(
        "[budget]\nmax_chf = 5000\n[[role]]\nname = \"a\"\nmodels = [\"{}\"]\ncontext = 8192\n",
        f.s()
    );
    std::fs::write(&req, text).unwrap();
    refused(rigsize().args(["plan", req.to_str().unwrap()]), &f);
}

#[test]
fn a_character_device_is_refused() {
    rigsize()
        .args(["plan", "/dev/zero"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("/dev/zero"))
        .stderr(predicate::str::contains("character device"));
}

#[test]
fn plan_refuses_eight_hundred_roles_naming_the_cap() {
    let dir = std::env::temp_dir().join(format!("rigsize-caps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let req = dir.join("big.toml");
    let mut text = String::from("[budget]\nmax_chf = 15000\n");
    for i in 0..800 {
        text +=
            &format!("[[role]]\nname = \"r{i}\"\nmodels = \"best-that-fits\"\ncontext = 32768\n");
    }
    std::fs::write(&req, text).unwrap();
    rigsize()
        .args(["plan", req.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("big.toml"))
        .stderr(predicate::str::contains("max_roles = 32"));
    let _ = std::fs::remove_dir_all(&dir);
}
