//! How files are found and read: split parts, a directory holding one GGUF, version 2 files.

use rigsize_import::{gguf, load};

use super::common::{temp_dir, Gguf, V};
use super::llama;

#[test]
fn split_files_are_read_whole() {
    let g = llama("llama", 4, 256, 4, Some(2), 512, 300);
    let d = temp_dir("split");
    // Three parts: metadata + first tensors, then the rest.
    let n = g.tensors.len();
    let chunks = [
        &g.tensors[..n / 3],
        &g.tensors[n / 3..2 * n / 3],
        &g.tensors[2 * n / 3..],
    ];
    for (i, ts) in chunks.iter().enumerate() {
        let mut p = if i == 0 {
            g.clone()
        } else {
            Gguf::new("llama")
        };
        p.tensors = ts.to_vec();
        p.kv("split.no", V::U16(i as u16))
            .kv("split.count", V::U16(3));
        p.write_to(&d.join(format!("m-Q4_K_M-{:05}-of-00003.gguf", i + 1)));
    }
    let part2 = d.join("m-Q4_K_M-00002-of-00003.gguf");
    let m = load(&part2.display().to_string()).unwrap();
    assert_eq!(m.weights().unwrap().bytes, g.tensor_bytes());
    assert_eq!(m.arch.n_layers(), 4);
    std::fs::remove_file(d.join("m-Q4_K_M-00003-of-00003.gguf")).unwrap();
    let e = load(&part2.display().to_string()).unwrap_err().to_string();
    assert!(e.contains("00003-of-00003") && e.contains("missing"), "{e}");
}

#[test]
fn a_directory_with_one_gguf_loads_it() {
    let g = llama("llama", 2, 256, 4, Some(2), 512, 300);
    let d = temp_dir("dir");
    g.write_to(&d.join("x.gguf"));
    let m = load(&d.display().to_string()).unwrap();
    assert_eq!(m.arch.n_layers(), 2);
    g.write_to(&d.join("y.gguf"));
    assert!(load(&d.display().to_string())
        .unwrap_err()
        .to_string()
        .contains("several"));
}

#[test]
fn version_2_files_parse() {
    let mut g = llama("llama", 1, 256, 4, Some(2), 512, 20);
    g.version = 2;
    let h = gguf::parse_bytes(&g.bytes(), "v2").unwrap();
    assert_eq!(h.version, 2);
    assert_eq!(h.tensor_bytes(), g.tensor_bytes());
}
