//! `rigsize plan FILE --emit DIR`: the bundle on disk, and the bad-input cases — a
//! non-empty DIR refused unless --force, an unwritable path a clear error, nothing
//! half-written left behind.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn example() -> String {
    format!(
        "{}/../../examples/home-office-coding.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rigsize-emit-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn emit(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    let mut c = Command::cargo_bin("rigsize").unwrap();
    c.env_remove("RIGSIZE_CATALOG")
        .args(["plan", &example(), "--json", "--emit"])
        .arg(dir)
        .args(extra)
        .assert()
}

/// Only DIR itself may appear in its parent: no temporary directory is left.
fn only_entry(parent: &Path, name: &str) {
    let names: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [name.to_string()], "{names:?}");
}

#[test]
fn emit_writes_the_bundle_and_refuses_a_non_empty_dir_unless_forced() {
    let parent = scratch("refuse");
    let dir = parent.join("bundle");
    emit(&dir, &[]).success();
    for f in ["launch.sh", "README.md", "litellm/config.yaml"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("launch.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "launch.sh is executable");
    }
    std::fs::write(dir.join("mine.txt"), "keep").unwrap();
    emit(&dir, &[])
        .failure()
        .stderr(predicate::str::contains("not empty").and(predicate::str::contains("--force")));
    assert!(
        dir.join("mine.txt").is_file(),
        "a refused emit leaves DIR alone"
    );
    emit(&dir, &["--force"]).success();
    assert!(!dir.join("mine.txt").exists(), "--force replaces DIR");
    assert!(dir.join("launch.sh").is_file());
    only_entry(&parent, "bundle");
    std::fs::remove_dir_all(&parent).unwrap();
}

#[test]
fn emit_to_an_unwritable_or_missing_place_is_a_clear_error_and_leaves_nothing() {
    let parent = scratch("bad");
    emit(&parent.join("no/such/dir"), &[])
        .failure()
        .stderr(predicate::str::contains("does not exist"));
    let file = parent.join("a-file");
    std::fs::write(&file, "x").unwrap();
    emit(&file, &[])
        .failure()
        .stderr(predicate::str::contains("not a directory"));
    emit(&parent.join("b"), &["--build", "999"])
        .failure()
        .stderr(predicate::str::contains("--build 999"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = parent.join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        // root may write anyway; the check holds for everyone else.
        let writable = std::fs::write(ro.join("probe"), "").is_ok();
        if !writable {
            emit(&ro.join("bundle"), &[])
                .failure()
                .stderr(predicate::str::contains("cannot write the bundle"));
            assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // procfs takes no new directory, even from root: an unwritable place for everyone.
    #[cfg(target_os = "linux")]
    emit(Path::new("/proc/rigsize-emit-test"), &[])
        .failure()
        .stderr(predicate::str::contains(
            "cannot write the bundle to /proc/rigsize-emit-test",
        ));
    let left: Vec<_> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("rigsize-emit"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir_all(&parent).unwrap();
}
