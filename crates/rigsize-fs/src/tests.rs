use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::*;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rigsize-fs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&d);
    d
}

#[test]
fn reads_a_regular_file() {
    let p = tmp("plain");
    std::fs::write(&p, "hello").unwrap();
    assert_eq!(read_text(&p).unwrap(), "hello");
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn refuses_a_file_over_the_cap_naming_both_sizes() {
    let p = tmp("big");
    std::fs::write(&p, vec![b'x'; 100]).unwrap();
    let e = read_regular(&p, 99).unwrap_err();
    assert!(
        matches!(
            e,
            FileError::TooLarge {
                len: 100,
                cap: 99,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(read_regular(&p, 100).unwrap().len(), 100);
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn refuses_a_directory() {
    let e = read_text(&std::env::temp_dir()).unwrap_err();
    assert!(
        matches!(
            e,
            FileError::NotRegular {
                kind: FileKind::Directory,
                ..
            }
        ),
        "{e}"
    );
    assert!(check_not_special(&std::env::temp_dir()).is_ok());
}

#[test]
fn missing_file_names_the_path() {
    let p = tmp("missing");
    let e = read_text(&p).unwrap_err();
    assert!(e.to_string().contains(&p.display().to_string()), "{e}");
    assert!(check_not_special(&p).is_ok());
}

#[test]
fn not_utf8_is_an_error_not_a_panic() {
    let p = tmp("latin1");
    std::fs::write(&p, [b'a', 0xff, b'b']).unwrap();
    let e = read_text(&p).unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    std::fs::remove_file(&p).unwrap();
}

#[cfg(unix)]
#[test]
fn refuses_a_fifo_at_once() {
    let p = tmp("fifo");
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let t = Instant::now();
    let e = read_text(&p).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(
            e,
            FileError::NotRegular {
                kind: FileKind::Fifo,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("FIFO"), "{e}");
    assert!(check_not_special(&p).is_err());
    std::fs::remove_file(&p).unwrap();
}

#[cfg(unix)]
#[test]
fn refuses_a_character_device() {
    let e = read_text(Path::new("/dev/zero")).unwrap_err();
    assert!(
        matches!(
            e,
            FileError::NotRegular {
                kind: FileKind::CharDevice,
                ..
            }
        ),
        "{e}"
    );
}
