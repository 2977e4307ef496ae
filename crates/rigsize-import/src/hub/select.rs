//! What to read from a repo: the `hf:` spec, the file listing, and the GGUF
//! files (all split parts) of one quantization.

use serde_json::Value;

use super::HubFile;
use crate::error::ImportError;
use crate::gguf_model::{self, split_suffix};

fn safe_repo_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Files from a tree listing (array) or a model info (`siblings`).
pub fn parse_listing(v: &Value, url: &str) -> Result<Vec<HubFile>, ImportError> {
    let mut out = Vec::new();
    if let Some(arr) = v.as_array() {
        for e in arr {
            if e.get("type").and_then(Value::as_str) != Some("file") {
                continue;
            }
            let Some(path) = e.get("path").and_then(Value::as_str) else {
                continue;
            };
            if !safe_repo_path(path) {
                continue;
            }
            let lfs = e.get("lfs");
            out.push(HubFile {
                path: path.to_string(),
                size: lfs
                    .and_then(|l| l.get("size"))
                    .or_else(|| e.get("size"))
                    .and_then(Value::as_u64),
                oid: lfs
                    .and_then(|l| l.get("oid"))
                    .or_else(|| e.get("oid"))
                    .and_then(Value::as_str)
                    .filter(|o| {
                        o.chars().all(|c| c.is_ascii_alphanumeric())
                            && !o.is_empty()
                            && o.len() <= 128
                    })
                    .map(str::to_string),
            });
        }
    } else if let Some(sib) = v.get("siblings").and_then(Value::as_array) {
        for e in sib {
            let Some(path) = e.get("rfilename").and_then(Value::as_str) else {
                continue;
            };
            if !safe_repo_path(path) {
                continue;
            }
            out.push(HubFile {
                path: path.to_string(),
                size: e.get("size").and_then(Value::as_u64),
                oid: None,
            });
        }
    } else {
        return Err(ImportError::config(url, "the Hub's answer lists no files"));
    }
    Ok(out)
}

/// `hf:owner/repo[:QUANT]` → (repo, quant).
pub fn parse_spec(spec: &str) -> Result<(String, Option<String>), ImportError> {
    let rest = spec.strip_prefix("hf:").unwrap_or(spec).trim();
    let rest = rest.strip_prefix("https://huggingface.co/").unwrap_or(rest);
    let (repo, quant) = match rest.split_once(':') {
        Some((r, q)) => (r, Some(q.to_string()).filter(|q| !q.is_empty())),
        None => (rest, None),
    };
    let repo = repo.trim_end_matches('/');
    let ok = repo.split('/').count() == 2
        && repo.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.len() <= 96
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
    if !ok {
        return Err(ImportError::NotFound {
            spec: spec.to_string(),
            why: "expected hf:owner/repo or hf:owner/repo:QUANT".into(),
        });
    }
    if let Some(q) = &quant {
        if q.len() > 64
            || !q
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(ImportError::NotFound {
                spec: spec.to_string(),
                why: format!("'{q}' is not a quantization label"),
            });
        }
    }
    Ok((repo.to_string(), quant))
}

/// The model GGUFs of a repo by file stem (shards of one file once), sorted:
/// what an error lists when no quantization was asked for or none matches.
pub(super) fn gguf_stems(files: &[HubFile]) -> Vec<String> {
    let mut stems: Vec<String> = files
        .iter()
        .filter(|f| is_model_gguf(&f.path))
        .map(|f| gguf_model::file_stem(&f.path))
        .collect();
    stems.sort();
    stems.dedup();
    stems
}

pub(super) fn is_model_gguf(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    base.ends_with(".gguf") && !base.starts_with("mmproj") && !base.contains("imatrix")
}

/// The quant label a GGUF file name carries: the text after the model name,
/// e.g. `Qwen3-8B-UD-Q4_K_XL.gguf` → candidates `Q4_K_XL`, `UD-Q4_K_XL`.
fn name_matches_quant(path: &str, quant: &str) -> bool {
    let q = quant.to_ascii_uppercase();
    let base = path.rsplit('/').next().unwrap_or(path);
    let stem = base.strip_suffix(".gguf").unwrap_or(base);
    let stem = split_suffix(stem)
        .map(|(s, _, _)| s)
        .unwrap_or(stem)
        .to_ascii_uppercase();
    if let Some(pre) = stem.strip_suffix(&q) {
        return pre.is_empty() || pre.ends_with(['-', '.', '_']);
    }
    // A folder named after the quant (unsloth's split files).
    path.split('/')
        .rev()
        .skip(1)
        .any(|d| d.eq_ignore_ascii_case(quant))
}

/// The GGUF files (all parts) to read for `quant`.
pub fn pick_gguf(files: &[HubFile], quant: &str) -> Result<Vec<HubFile>, String> {
    let mut matches: Vec<&HubFile> = files
        .iter()
        .filter(|f| is_model_gguf(&f.path) && name_matches_quant(&f.path, quant))
        .collect();
    if matches.is_empty() {
        let labels = gguf_stems(files);
        return Err(format!(
            "no GGUF file matches '{quant}'; the repo has: {}",
            if labels.is_empty() {
                "no GGUF files".to_string()
            } else {
                labels.join(", ")
            }
        ));
    }
    matches.sort_by(|a, b| a.path.cmp(&b.path));
    // One model: the group of the first match (its split parts).
    let first = matches[0];
    let group_key = |p: &str| {
        let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        format!("{dir}/{}", gguf_model::file_stem(p))
    };
    let key = group_key(&first.path);
    let group: Vec<HubFile> = matches
        .iter()
        .filter(|f| group_key(&f.path) == key)
        .map(|f| (*f).clone())
        .collect();
    if let Some((_, _, count)) = first.path.strip_suffix(".gguf").and_then(split_suffix) {
        if group.len() != count as usize {
            return Err(format!(
                "{} is split in {count} parts but the repo lists {}",
                key.trim_start_matches('/'),
                group.len()
            ));
        }
    }
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::super::encode_path;
    use super::*;

    fn f(p: &str) -> HubFile {
        HubFile {
            path: p.into(),
            size: Some(10),
            oid: None,
        }
    }

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec("hf:Qwen/Qwen3-8B").unwrap(),
            ("Qwen/Qwen3-8B".into(), None)
        );
        assert_eq!(
            parse_spec("hf:unsloth/Qwen3-8B-GGUF:Q4_K_M")
                .unwrap()
                .1
                .as_deref(),
            Some("Q4_K_M")
        );
        assert!(parse_spec("hf:../etc").is_err());
        assert!(parse_spec("hf:a/b/c").is_err());
        assert!(parse_spec("hf:a/b:Q4/../x").is_err());
    }

    #[test]
    fn picks_quants() {
        let files = vec![
            f("Qwen3-8B-Q4_K_M.gguf"),
            f("Qwen3-8B-UD-Q4_K_XL.gguf"),
            f("Qwen3-8B-Q8_0.gguf"),
            f("mmproj-F16.gguf"),
            f("Q6_K/Qwen3-8B-Q6_K-00001-of-00002.gguf"),
            f("Q6_K/Qwen3-8B-Q6_K-00002-of-00002.gguf"),
        ];
        assert_eq!(
            pick_gguf(&files, "q4_k_m").unwrap()[0].path,
            "Qwen3-8B-Q4_K_M.gguf"
        );
        assert_eq!(
            pick_gguf(&files, "Q4_K_XL").unwrap()[0].path,
            "Qwen3-8B-UD-Q4_K_XL.gguf"
        );
        assert_eq!(pick_gguf(&files, "Q6_K").unwrap().len(), 2);
        let e = pick_gguf(&files, "Q2_K").unwrap_err();
        assert!(e.contains("Qwen3-8B-Q8_0"), "{e}");
        assert!(!e.contains("mmproj"));
        let short = vec![f("Q6_K/Qwen3-8B-Q6_K-00001-of-00002.gguf")];
        assert!(pick_gguf(&short, "Q6_K").is_err());
    }

    #[test]
    fn listing_rejects_escaping_paths() {
        let v: Value = serde_json::json!([
            {"type": "file", "path": "../x.gguf", "size": 1},
            {"type": "file", "path": "ok.gguf", "size": 5, "oid": "abc"},
            {"type": "directory", "path": "sub"}
        ]);
        let l = parse_listing(&v, "u").unwrap();
        assert_eq!(
            l,
            vec![HubFile {
                path: "ok.gguf".into(),
                size: Some(5),
                oid: Some("abc".into())
            }]
        );
        assert_eq!(encode_path("a b/c.gguf"), "a%20b/c.gguf");
    }
}
