//! GGUF header reader: magic, version, metadata key/values and tensor infos,
//! never the tensor data.
//!
//! The file comes from a stranger, so the reader trusts nothing it reads:
//! every length and count is checked against [`Limits`] before it is used,
//! nothing is allocated by a header field beyond those caps (a lying string
//! length reads until the file ends, and fails there), arrays that are only
//! counted (the tokenizer's tokens and merges) are skipped without storing
//! them, and every error carries the byte offset where reading stopped.
//!
//! Layout (little-endian; ggml/docs/gguf.md): `"GGUF"`, `u32 version` (2 or
//! 3), `u64 n_tensors`, `u64 n_kv`, then `n_kv` × (`string key`, `u32 type`,
//! value), then `n_tensors` × (`string name`, `u32 n_dims`, `n_dims × u64`,
//! `u32 ggml_type`, `u64 offset`). A string is `u64 len` + bytes.

use std::io::Read;

use rigsize_core::dtype::DType;

use crate::error::ImportError;

mod reader;

/// Hard caps on what a header may claim.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest metadata key (the GGUF spec caps keys at 65535 bytes).
    pub max_key_len: u64,
    /// Longest string value (chat templates are tens of KiB).
    pub max_string_len: u64,
    /// Most elements in one array (a tokenizer's merges run to ~10^6).
    pub max_array_len: u64,
    /// Most numeric array elements kept in memory; longer arrays are
    /// counted and skipped.
    pub max_kept_array: u64,
    /// Most string array elements kept; longer string arrays are counted
    /// and skipped (`tokenizer.ggml.tokens`).
    pub max_kept_strings: u64,
    pub max_kv: u64,
    pub max_tensors: u64,
    /// ggml's GGML_MAX_DIMS.
    pub max_dims: u32,
    /// Arrays of arrays may nest this deep.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_key_len: 65_535,
            max_string_len: 16 << 20,
            max_array_len: 1 << 26,
            max_kept_array: 1 << 16,
            max_kept_strings: 64,
            max_kv: 1 << 16,
            max_tensors: 1 << 20,
            max_dims: 4,
            max_depth: 3,
        }
    }
}

/// Most values all tensors of one file may hold together (2^50, about
/// 10^15: 500× the largest released model), so sums never overflow.
pub const MAX_TOTAL_ELEMENTS: u64 = 1 << 50;

/// GGUF metadata value types (gguf_type).
pub mod ty {
    pub const U8: u32 = 0;
    pub const I8: u32 = 1;
    pub const U16: u32 = 2;
    pub const I16: u32 = 3;
    pub const U32: u32 = 4;
    pub const I32: u32 = 5;
    pub const F32: u32 = 6;
    pub const BOOL: u32 = 7;
    pub const STRING: u32 = 8;
    pub const ARRAY: u32 = 9;
    pub const U64: u32 = 10;
    pub const I64: u32 = 11;
    pub const F64: u32 = 12;
}

/// One metadata value.
#[derive(Debug, Clone, PartialEq)]
pub enum GgufValue {
    U8(u8),
    I8(i8),
    U16(u16),
    I16(i16),
    U32(u32),
    I32(i32),
    F32(f32),
    Bool(bool),
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Array(GgufArray),
}

/// An array value. `values` holds the elements when the array is short
/// enough to keep (see [`Limits`]); `len` is always the true length.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufArray {
    pub elem_type: u32,
    pub len: u64,
    pub values: Vec<GgufValue>,
    /// False when the elements were counted and skipped.
    pub kept: bool,
}

impl GgufValue {
    /// The value as an unsigned integer, if it is a non-negative integer
    /// (or a bool).
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            GgufValue::U8(v) => Some(v as u64),
            GgufValue::U16(v) => Some(v as u64),
            GgufValue::U32(v) => Some(v as u64),
            GgufValue::U64(v) => Some(v),
            GgufValue::I8(v) => u64::try_from(v).ok(),
            GgufValue::I16(v) => u64::try_from(v).ok(),
            GgufValue::I32(v) => u64::try_from(v).ok(),
            GgufValue::I64(v) => u64::try_from(v).ok(),
            GgufValue::Bool(b) => Some(b as u64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            GgufValue::F32(v) => Some(v as f64),
            GgufValue::F64(v) => Some(v),
            _ => self.as_u64().map(|v| v as f64),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            GgufValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&GgufArray> {
        match self {
            GgufValue::Array(a) => Some(a),
            _ => None,
        }
    }
}

/// One tensor info.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    /// ggml `ne`: `dims[0]` is the row length.
    pub dims: Vec<u64>,
    pub dtype: DType,
    /// Offset of the data from the start of the data section.
    pub offset: u64,
    pub n_elements: u64,
    pub n_bytes: u64,
}

/// A parsed header.
#[derive(Debug, Clone, PartialEq)]
pub struct GgufHeader {
    pub version: u32,
    pub kv: Vec<(String, GgufValue)>,
    pub tensors: Vec<TensorInfo>,
    /// Bytes from the start of the file to the end of the tensor infos.
    pub header_len: u64,
    /// Where tensor data starts (header padded to the alignment).
    pub data_offset: u64,
    pub alignment: u64,
}

impl GgufHeader {
    pub fn get(&self, key: &str) -> Option<&GgufValue> {
        self.kv.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(GgufValue::as_u64)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(GgufValue::as_str)
    }

    /// Bytes of tensor data the infos describe.
    pub fn tensor_bytes(&self) -> u64 {
        self.tensors.iter().map(|t| t.n_bytes).sum()
    }

    /// Size the file must at least have for its tensor data to fit.
    pub fn min_file_len(&self) -> u64 {
        self.tensors
            .iter()
            .map(|t| {
                self.data_offset
                    .saturating_add(t.offset)
                    .saturating_add(t.n_bytes)
            })
            .max()
            .unwrap_or(self.data_offset)
    }
}

/// Reads a GGUF header from `r`, naming `name` in errors.
pub fn read_header<R: Read>(r: R, name: &str) -> Result<GgufHeader, ImportError> {
    read_header_with(r, name, Limits::default())
}

/// As [`read_header`], with explicit limits.
pub fn read_header_with<R: Read>(r: R, name: &str, lim: Limits) -> Result<GgufHeader, ImportError> {
    reader::Parser::new(r, lim, name).header()
}

/// Parses a header held in memory.
pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<GgufHeader, ImportError> {
    read_header(bytes, name)
}
