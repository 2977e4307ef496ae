//! safetensors headers: the 8-byte little-endian header length, then that
//! many bytes of JSON (`{"name": {"dtype", "shape", "data_offsets"}, …}`),
//! never the tensor data. The index (`model.safetensors.index.json`) names
//! the shards.
//!
//! Quantized checkpoints store packed tensors whose element count is not the
//! parameter count; these are turned back into parameters so that bytes
//! *and* parameters come out right:
//! - MXFP4 (gpt-oss): `*_blocks` (U8, two values a byte) + `*_scales` (U8,
//!   one per 32 values) are exactly GGML's MXFP4 block (17 B / 32 values);
//! - AWQ / GPTQ `qweight` and compressed-tensors `weight_packed` (I32 or U8
//!   holding 32/bits values each) with their scales and zero points, counted
//!   as the int4 group-128 (or NVFP4) layout;
//! - FP8 (`F8_E4M3`/`F8_E5M2`) tensors are 1 byte a value; their scale
//!   tensors are kept as they are (F32 / BF16).

use std::collections::HashSet;
use std::io::Read;

use rigsize_core::dtype::DType;
use rigsize_core::tensors::{TensorRole, TensorSpec};
use serde_json::Value;

use crate::error::ImportError;
use crate::hf_config::QuantInfo;
use crate::names;

/// The safetensors reference implementation refuses headers over 100 MB.
pub const MAX_HEADER_LEN: u64 = 100_000_000;
/// Most tensors in one shard.
pub const MAX_TENSORS: usize = 1 << 20;

/// One tensor entry of a safetensors header.
#[derive(Debug, Clone, PartialEq)]
pub struct StTensor {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<u64>,
    pub n_elements: u64,
    pub n_bytes: u64,
}

/// A parsed header.
#[derive(Debug, Clone, PartialEq)]
pub struct StHeader {
    pub tensors: Vec<StTensor>,
    /// 8 + the JSON length: where the data starts.
    pub header_len: u64,
    /// Bytes of tensor data the header describes (the largest end offset).
    pub data_len: u64,
}

/// Bits of one element of a safetensors dtype.
pub fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F64" | "I64" | "U64" => 64,
        "F32" | "I32" | "U32" => 32,
        "F16" | "BF16" | "I16" | "U16" => 16,
        "F8_E4M3" | "F8_E5M2" | "F8_E8M0" | "I8" | "U8" | "BOOL" => 8,
        "F6_E2M3" | "F6_E3M2" => 6,
        "F4" => 4,
        _ => return None,
    })
}

fn malformed(name: &str, offset: u64, why: impl Into<String>) -> ImportError {
    ImportError::Malformed {
        path: name.to_string(),
        format: "safetensors",
        offset,
        why: why.into(),
    }
}

/// Reads the header from `r`. `file_len`, when known, bounds the header and
/// the data offsets.
pub fn read_header<R: Read>(
    mut r: R,
    name: &str,
    file_len: Option<u64>,
) -> Result<StHeader, ImportError> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len).map_err(|e| {
        malformed(
            name,
            0,
            format!("cannot read the 8-byte header length: {e}"),
        )
    })?;
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER_LEN {
        return Err(malformed(
            name,
            0,
            format!("header length {n} exceeds the {MAX_HEADER_LEN}-byte limit"),
        ));
    }
    if let Some(fl) = file_len {
        if n + 8 > fl {
            return Err(malformed(
                name,
                0,
                format!("header length {n} is beyond the file's {fl} bytes"),
            ));
        }
    }
    let mut buf = Vec::with_capacity(n.min(1 << 20) as usize);
    let got = r
        .take(n)
        .read_to_end(&mut buf)
        .map_err(|e| malformed(name, 8, format!("read error: {e}")))?;
    if (got as u64) < n {
        return Err(malformed(
            name,
            8 + got as u64,
            format!("the file ends inside the header ({got} of {n} bytes)"),
        ));
    }
    parse_header_json(&buf, name, file_len.map(|f| f - 8 - n))
}

/// Parses the JSON part of a header.
pub fn parse_header_json(
    json: &[u8],
    name: &str,
    data_len: Option<u64>,
) -> Result<StHeader, ImportError> {
    let v: Value = serde_json::from_slice(json).map_err(|e| {
        malformed(
            name,
            8 + e.column() as u64,
            format!("header is not JSON: {e}"),
        )
    })?;
    let obj = v
        .as_object()
        .ok_or_else(|| malformed(name, 8, "header is not a JSON object"))?;
    if obj.len() > MAX_TENSORS {
        return Err(malformed(
            name,
            8,
            format!(
                "{} tensors, more than the limit of {MAX_TENSORS}",
                obj.len()
            ),
        ));
    }
    let mut tensors = Vec::with_capacity(obj.len());
    let mut max_end = 0u64;
    for (k, t) in obj {
        if k == "__metadata__" {
            continue;
        }
        let (tensor, end) = parse_entry(k, t, name, data_len)?;
        max_end = max_end.max(end);
        tensors.push(tensor);
    }
    Ok(StHeader {
        tensors,
        header_len: 8 + json.len() as u64,
        data_len: max_end,
    })
}

/// One header entry and where its data ends; the byte span must match the
/// dtype and shape exactly, since a lying entry would skew the totals.
fn parse_entry(
    k: &str,
    t: &Value,
    name: &str,
    data_len: Option<u64>,
) -> Result<(StTensor, u64), ImportError> {
    let bad = |why: String| malformed(name, 8, format!("tensor '{k}': {why}"));
    let dtype = t
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no dtype".into()))?;
    let bits = dtype_bits(dtype).ok_or_else(|| bad(format!("unknown dtype {dtype}")))?;
    let shape_v = t
        .get("shape")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no shape".into()))?;
    if shape_v.len() > 8 {
        return Err(bad(format!("{} dimensions", shape_v.len())));
    }
    let mut shape = Vec::with_capacity(shape_v.len());
    let mut n_elements = 1u64;
    for d in shape_v {
        let d = d
            .as_u64()
            .ok_or_else(|| bad(format!("shape entry {d} is not a count")))?;
        n_elements = n_elements
            .checked_mul(d)
            .filter(|n| *n <= 1 << 56)
            .ok_or_else(|| bad("element count overflows".into()))?;
        shape.push(d);
    }
    let offs = t
        .get("data_offsets")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no data_offsets".into()))?;
    let (a, b) = match (
        offs.first().and_then(Value::as_u64),
        offs.get(1).and_then(Value::as_u64),
        offs.len(),
    ) {
        (Some(a), Some(b), 2) if a <= b => (a, b),
        _ => return Err(bad(format!("bad data_offsets {offs:?}"))),
    };
    let n_bytes = (n_elements * bits).div_ceil(8);
    if b - a != n_bytes {
        return Err(bad(format!(
            "data_offsets span {} bytes but {dtype} {shape:?} needs {n_bytes}",
            b - a
        )));
    }
    if let Some(dl) = data_len {
        if b > dl {
            return Err(bad(format!(
                "data ends at {b}, past the file's {dl} data bytes (truncated?)"
            )));
        }
    }
    let tensor = StTensor {
        name: k.to_string(),
        dtype: dtype.to_string(),
        shape,
        n_elements,
        n_bytes,
    };
    Ok((tensor, b))
}

/// Shard file names listed by a `model.safetensors.index.json`.
pub fn index_shards(index: &Value, path: &str) -> Result<Vec<String>, ImportError> {
    let map = index
        .get("weight_map")
        .and_then(Value::as_object)
        .ok_or_else(|| ImportError::config(path, "no weight_map"))?;
    let mut shards: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for f in map.values() {
        let f = f
            .as_str()
            .ok_or_else(|| ImportError::config(path, "weight_map value is not a file name"))?;
        if f.contains("..") || f.starts_with('/') || f.contains('\\') {
            return Err(ImportError::config(
                path,
                format!("weight_map names '{f}', outside the snapshot"),
            ));
        }
        if seen.insert(f.to_string()) {
            shards.push(f.to_string());
        }
    }
    shards.sort();
    Ok(shards)
}

fn plain_dtype(st: &str) -> DType {
    match st {
        "F64" => DType::F64,
        "F32" => DType::F32,
        "F16" => DType::F16,
        "BF16" => DType::BF16,
        "I64" | "U64" => DType::I64,
        "I32" | "U32" => DType::I32,
        "I16" | "U16" => DType::I16,
        // FP8, int8, uint8, bool: one byte a value.
        _ => DType::I8,
    }
}

/// Turns the tensors of every shard into typed tensor specs with real
/// parameter counts (see the module doc for packed formats).
pub fn typed_tensors(
    all: &[StTensor],
    quant: Option<&QuantInfo>,
    notes: &mut Vec<String>,
) -> Result<Vec<(TensorSpec, DType)>, ImportError> {
    let names: HashSet<&str> = all.iter().map(|t| t.name.as_str()).collect();
    let packed_prefixes = packed_prefixes(all);
    let nvfp4 = quant.is_some_and(|q| q.dtype == Some(DType::NVFP4));
    let bits = quant.and_then(|q| q.bits).unwrap_or(4).clamp(1, 32) as u64;
    let mut out = Vec::with_capacity(all.len());
    let mut fp8 = false;
    for t in all {
        let n = t.name.as_str();
        if is_folded(n, &names, &packed_prefixes) {
            continue;
        }
        let (logical_name, n_elements, row_len, dtype) = if let Some(base) = n
            .strip_suffix("_blocks")
            .filter(|b| names.contains(format!("{b}_scales").as_str()))
        {
            mxfp4_tensor(t, base)
        } else if n.ends_with(".qweight") || n.ends_with(".weight_packed") {
            packed_tensor(t, bits, nvfp4)
        } else {
            if t.dtype.starts_with("F8") {
                fp8 = true;
            }
            (
                t.name.clone(),
                t.n_elements,
                last_dim(t),
                plain_dtype(&t.dtype),
            )
        };
        let (mut role, layer) = names::hf_role(&logical_name);
        if role == TensorRole::Other && (n.contains("scale") || n.contains("zero")) {
            role = TensorRole::Unquantized;
        }
        out.push((
            TensorSpec {
                name: logical_name,
                role,
                layer,
                n_elements,
                row_len,
            },
            dtype,
        ));
    }
    check_total(&out)?;
    if fp8 {
        notes.push("FP8 tensors are counted at 1 byte per value (shown as i8); their scale tensors are listed separately".into());
    }
    if !packed_prefixes.is_empty() {
        notes.push(format!(
            "packed {}-bit weights unpacked to parameters; bytes follow the {} layout",
            bits,
            if nvfp4 { "NVFP4" } else { "int4 group-128" }
        ));
    }
    Ok(out)
}

/// A logical tensor: name, parameters, row length, storage type.
type Logical = (String, u64, u64, DType);

/// Module paths holding a packed weight, whose aux tensors are folded in.
fn packed_prefixes(all: &[StTensor]) -> HashSet<&str> {
    let mut packed_prefixes: HashSet<&str> = HashSet::new();
    for t in all {
        for suffix in [".qweight", ".weight_packed"] {
            if let Some(p) = t.name.strip_suffix(suffix) {
                packed_prefixes.insert(p);
            }
        }
    }
    packed_prefixes
}

/// True for tensors counted with another: MXFP4 scales (with their blocks)
/// and the scales, zero points and indices of a packed weight.
fn is_folded(n: &str, names: &HashSet<&str>, packed_prefixes: &HashSet<&str>) -> bool {
    if let Some(base) = n.strip_suffix("_scales") {
        if names.contains(format!("{base}_blocks").as_str()) {
            return true;
        }
    }
    if let Some((prefix, _)) = n.rsplit_once('.') {
        let aux = matches!(
            n.rsplit('.').next(),
            Some(
                "scales"
                    | "qzeros"
                    | "g_idx"
                    | "weight_scale"
                    | "weight_zero_point"
                    | "weight_global_scale"
                    | "weight_shape"
                    | "input_global_scale"
            )
        );
        if aux && packed_prefixes.contains(prefix) {
            return true;
        }
    }
    false
}

/// The last dimension, at least 1: the row length of a plain tensor.
fn last_dim(t: &StTensor) -> u64 {
    t.shape.last().copied().unwrap_or(1).max(1)
}

/// An MXFP4 `*_blocks` tensor: [.., rows, blocks, 16 bytes] → 32 values
/// per block.
fn mxfp4_tensor(t: &StTensor, base: &str) -> Logical {
    let vals = t.n_elements * 2;
    let row_len = t.shape.iter().rev().take(2).product::<u64>() * 2;
    (base.to_string(), vals, row_len.max(1), DType::MXFP4)
}

/// An int-packed `qweight` / `weight_packed`, `bits` per value.
fn packed_tensor(t: &StTensor, bits: u64, nvfp4: bool) -> Logical {
    let per = (dtype_bits(&t.dtype).unwrap_or(32) / bits).max(1);
    let dt = if nvfp4 {
        DType::NVFP4
    } else if bits >= 8 {
        DType::I8
    } else {
        DType::INT4_G128
    };
    let base = t
        .name
        .rsplit_once('.')
        .map(|(p, _)| format!("{p}.weight"))
        .unwrap_or_default();
    // AWQ packs along the output dim, GPTQ along the input dim: the
    // row length is not always the last dim, so use the unpacked
    // count's largest block-friendly divisor.
    (base, t.n_elements * per, last_dim(t) * per, dt)
}

/// Refuses totals no real model reaches, so later sums cannot overflow.
fn check_total(out: &[(TensorSpec, DType)]) -> Result<(), ImportError> {
    let total: u64 = out
        .iter()
        .fold(0u64, |a, (t, _)| a.saturating_add(t.n_elements));
    if total > crate::gguf::MAX_TOTAL_ELEMENTS {
        return Err(ImportError::Unsupported {
            source_name: "safetensors headers".into(),
            why: format!("the tensors hold {total} values in all; no real model is that large"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(json: &str) -> Vec<u8> {
        let mut v = (json.len() as u64).to_le_bytes().to_vec();
        v.extend_from_slice(json.as_bytes());
        v
    }

    #[test]
    fn reads_a_header() {
        let h = header(
            r#"{"__metadata__":{"format":"pt"},"a.weight":{"dtype":"BF16","shape":[4,8],"data_offsets":[0,64]}}"#,
        );
        let p = read_header(&h[..], "x", None).unwrap();
        assert_eq!(p.tensors.len(), 1);
        assert_eq!(p.tensors[0].n_elements, 32);
        assert_eq!(p.data_len, 64);
    }

    #[test]
    fn rejects_lies() {
        let h = header(r#"{"a":{"dtype":"BF16","shape":[4,8],"data_offsets":[0,63]}}"#);
        assert!(read_header(&h[..], "x", None).is_err());
        let mut h = header("{}");
        h[0..8].copy_from_slice(&u64::MAX.to_le_bytes());
        let e = read_header(&h[..], "x", None).unwrap_err().to_string();
        assert!(e.contains("limit"), "{e}");
        let h = header(
            r#"{"a":{"dtype":"BF16","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,2]}}"#,
        );
        assert!(read_header(&h[..], "x", None).is_err());
    }

    #[test]
    fn mxfp4_pairs_are_exact() {
        let all = vec![
            StTensor {
                name: "model.layers.0.mlp.experts.down_proj_blocks".into(),
                dtype: "U8".into(),
                shape: vec![2, 64, 2, 16],
                n_elements: 4096,
                n_bytes: 4096,
            },
            StTensor {
                name: "model.layers.0.mlp.experts.down_proj_scales".into(),
                dtype: "U8".into(),
                shape: vec![2, 64, 2],
                n_elements: 256,
                n_bytes: 256,
            },
        ];
        let t = typed_tensors(&all, None, &mut Vec::new()).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].0.n_elements, 8192);
        assert_eq!(t[0].1.bytes_for(t[0].0.n_elements), 4096 + 256);
        assert_eq!(t[0].0.role, TensorRole::FfnDownExps);
    }
}
