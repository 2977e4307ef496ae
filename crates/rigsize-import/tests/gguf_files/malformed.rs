//! Truncated files and lying headers are errors with an offset, never panics or huge allocations.

use rigsize_import::{gguf, load, ImportError};

use super::common::temp_dir;
use super::llama;

#[test]
fn every_truncation_is_an_error_with_an_offset() {
    let g = llama("llama", 1, 256, 4, Some(2), 512, 20);
    let (h, _) = g.header();
    for cut in 0..h.len() {
        match gguf::parse_bytes(&h[..cut], "cut") {
            Err(ImportError::Malformed { offset, .. }) => assert!(offset <= cut as u64),
            Err(e) => panic!("cut {cut}: unexpected error kind {e}"),
            Ok(p) => assert!(p.header_len <= cut as u64, "cut {cut} parsed"),
        }
    }
}

#[test]
fn a_file_shorter_than_its_tensors_is_truncated() {
    let g = llama("llama", 1, 256, 4, Some(2), 512, 20);
    let d = temp_dir("short");
    let p = g.write_to(&d.join("t.gguf"));
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len - 1)
        .unwrap();
    let e = load(&p.display().to_string()).unwrap_err().to_string();
    assert!(e.contains("truncated"), "{e}");
}

fn raw(version: u32, n_tensors: u64, n_kv: u64, rest: &[u8]) -> Vec<u8> {
    let mut v = b"GGUF".to_vec();
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(&n_tensors.to_le_bytes());
    v.extend_from_slice(&n_kv.to_le_bytes());
    v.extend_from_slice(rest);
    v
}

fn err(bytes: &[u8]) -> String {
    match gguf::parse_bytes(bytes, "evil.gguf") {
        Err(e) => e.to_string(),
        Ok(_) => panic!("parsed"),
    }
}

#[test]
fn lying_headers_are_refused_without_allocating() {
    assert!(err(b"GGML\x03\0\0\0").contains("not a GGUF"));
    assert!(err(&raw(1, 0, 0, &[])).contains("version 1"));
    assert!(err(&raw(3u32.swap_bytes(), 0, 0, &[])).contains("big-endian"));
    assert!(err(&raw(3, u64::MAX, 0, &[])).contains("tensors"));
    assert!(err(&raw(3, 0, u64::MAX, &[])).contains("metadata"));
    // A key claiming 2^60 bytes.
    let e = err(&raw(3, 0, 1, &(1u64 << 60).to_le_bytes()));
    assert!(e.contains("at byte 24"), "{e}");
    // A string value claiming 1 GiB in a tiny file: refused by the cap.
    let mut kv = Vec::new();
    kv.extend_from_slice(&1u64.to_le_bytes());
    kv.push(b'k');
    kv.extend_from_slice(&8u32.to_le_bytes());
    kv.extend_from_slice(&(1u64 << 30).to_le_bytes());
    assert!(err(&raw(3, 0, 1, &kv)).contains("limit"));
    // An array claiming 2^40 u8 elements.
    let mut kv = Vec::new();
    kv.extend_from_slice(&1u64.to_le_bytes());
    kv.push(b'k');
    kv.extend_from_slice(&9u32.to_le_bytes());
    kv.extend_from_slice(&0u32.to_le_bytes());
    kv.extend_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(err(&raw(3, 0, 1, &kv)).contains("elements"));
    // An array just under the cap but truncated: fails at the end of data.
    let mut kv2 = kv.clone();
    kv2.truncate(kv.len() - 8);
    kv2.extend_from_slice(&(1u64 << 20).to_le_bytes());
    assert!(err(&raw(3, 0, 1, &kv2)).contains("ends"));
    // Tensor infos: 5 dims, overflowing dims, unknown type.
    let tensor = |n_dims: u32, dims: &[u64], ty: u32| {
        let mut t = Vec::new();
        t.extend_from_slice(&1u64.to_le_bytes());
        t.push(b't');
        t.extend_from_slice(&n_dims.to_le_bytes());
        for d in dims {
            t.extend_from_slice(&d.to_le_bytes());
        }
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&0u64.to_le_bytes());
        raw(3, 1, 0, &t)
    };
    assert!(err(&tensor(5, &[1, 1, 1, 1, 1], 0)).contains("dimensions"));
    assert!(err(&tensor(3, &[1 << 30, 1 << 30, 1 << 30], 0)).contains("overflow"));
    assert!(err(&tensor(1, &[32], 4)).contains("unknown ggml type"));
    assert!(err(&tensor(1, &[33], 12)).contains("multiple"));
    assert!(gguf::parse_bytes(&tensor(1, &[256], 12), "ok").is_ok());
}
