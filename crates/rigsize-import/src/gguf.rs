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

use std::io::{self, Read};

use rigsize_core::dtype::DType;

use crate::error::ImportError;

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

/// A `Read` that counts what it has read, so errors can name the offset.
struct Counting<R> {
    inner: R,
    pos: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

struct Parser<'a, R> {
    r: Counting<R>,
    lim: Limits,
    name: &'a str,
}

impl<R: Read> Parser<'_, R> {
    fn err(&self, why: impl Into<String>) -> ImportError {
        self.err_at(self.r.pos, why)
    }

    fn err_at(&self, offset: u64, why: impl Into<String>) -> ImportError {
        ImportError::Malformed {
            path: self.name.to_string(),
            format: "GGUF",
            offset,
            why: why.into(),
        }
    }

    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<(), ImportError> {
        let start = self.r.pos;
        match self.r.read_exact(buf) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.err(format!(
                "the file ends while reading {what} (started at byte {start}); truncated download?"
            ))),
            Err(e) => Err(self.err(format!("read error while reading {what}: {e}"))),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, ImportError> {
        let mut b = [0u8; 1];
        self.fill(&mut b, what)?;
        Ok(b[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16, ImportError> {
        let mut b = [0u8; 2];
        self.fill(&mut b, what)?;
        Ok(u16::from_le_bytes(b))
    }
    fn u32(&mut self, what: &str) -> Result<u32, ImportError> {
        let mut b = [0u8; 4];
        self.fill(&mut b, what)?;
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self, what: &str) -> Result<u64, ImportError> {
        let mut b = [0u8; 8];
        self.fill(&mut b, what)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Reads a string of at most `cap` bytes. The buffer grows with the
    /// bytes actually read, so a lying length cannot allocate more than
    /// the file holds.
    fn string(&mut self, cap: u64, what: &str) -> Result<String, ImportError> {
        let at = self.r.pos;
        let len = self.u64(what)?;
        if len > cap {
            return Err(self.err_at(
                at,
                format!("{what} claims {len} bytes, more than the limit of {cap}"),
            ));
        }
        let mut buf = Vec::with_capacity(len.min(4096) as usize);
        let got = (&mut self.r)
            .take(len)
            .read_to_end(&mut buf)
            .map_err(|e| self.err(format!("read error in {what}: {e}")))?;
        if (got as u64) < len {
            return Err(self.err(format!(
                "the file ends inside {what} ({got} of {len} bytes; started at byte {at})"
            )));
        }
        Ok(match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    fn skip_string(&mut self, what: &str) -> Result<(), ImportError> {
        let at = self.r.pos;
        let len = self.u64(what)?;
        if len > self.lim.max_string_len {
            return Err(self.err_at(
                at,
                format!(
                    "{what} claims {len} bytes, more than the limit of {}",
                    self.lim.max_string_len
                ),
            ));
        }
        let got = io::copy(&mut (&mut self.r).take(len), &mut io::sink())
            .map_err(|e| self.err(format!("read error in {what}: {e}")))?;
        if got < len {
            return Err(self.err(format!(
                "the file ends inside {what} ({got} of {len} bytes)"
            )));
        }
        Ok(())
    }

    fn scalar(&mut self, t: u32, what: &str) -> Result<GgufValue, ImportError> {
        Ok(match t {
            ty::U8 => GgufValue::U8(self.u8(what)?),
            ty::I8 => GgufValue::I8(self.u8(what)? as i8),
            ty::U16 => GgufValue::U16(self.u16(what)?),
            ty::I16 => GgufValue::I16(self.u16(what)? as i16),
            ty::U32 => GgufValue::U32(self.u32(what)?),
            ty::I32 => GgufValue::I32(self.u32(what)? as i32),
            ty::F32 => GgufValue::F32(f32::from_bits(self.u32(what)?)),
            ty::BOOL => {
                let at = self.r.pos;
                match self.u8(what)? {
                    0 => GgufValue::Bool(false),
                    1 => GgufValue::Bool(true),
                    b => {
                        return Err(self.err_at(at, format!("{what}: bool byte is {b}, not 0 or 1")))
                    }
                }
            }
            ty::STRING => GgufValue::Str(self.string(self.lim.max_string_len, what)?),
            ty::U64 => GgufValue::U64(self.u64(what)?),
            ty::I64 => GgufValue::I64(self.u64(what)? as i64),
            ty::F64 => GgufValue::F64(f64::from_bits(self.u64(what)?)),
            other => return Err(self.err(format!("{what}: unknown value type {other}"))),
        })
    }

    fn value(&mut self, t: u32, depth: u32, what: &str) -> Result<GgufValue, ImportError> {
        if t != ty::ARRAY {
            return self.scalar(t, what);
        }
        if depth >= self.lim.max_depth {
            return Err(self.err(format!(
                "{what}: arrays nested more than {} deep",
                self.lim.max_depth
            )));
        }
        let at = self.r.pos;
        let elem_type = self.u32(what)?;
        if elem_type > ty::F64 {
            return Err(self.err_at(
                at,
                format!("{what}: unknown array element type {elem_type}"),
            ));
        }
        let len_at = self.r.pos;
        let len = self.u64(what)?;
        if len > self.lim.max_array_len {
            return Err(self.err_at(
                len_at,
                format!(
                    "{what}: array claims {len} elements, more than the limit of {}",
                    self.lim.max_array_len
                ),
            ));
        }
        let keep_cap = match elem_type {
            ty::STRING => self.lim.max_kept_strings,
            ty::ARRAY => self.lim.max_kept_strings,
            _ => self.lim.max_kept_array,
        };
        let kept = len <= keep_cap;
        let mut values = Vec::new();
        if kept {
            values.reserve(len as usize);
        }
        for _ in 0..len {
            if kept {
                values.push(self.value(elem_type, depth + 1, what)?);
            } else {
                self.skip_value(elem_type, depth + 1, what)?;
            }
        }
        Ok(GgufValue::Array(GgufArray {
            elem_type,
            len,
            values,
            kept,
        }))
    }

    fn skip_value(&mut self, t: u32, depth: u32, what: &str) -> Result<(), ImportError> {
        let width = match t {
            ty::U8 | ty::I8 => 1,
            ty::U16 | ty::I16 => 2,
            ty::U32 | ty::I32 | ty::F32 => 4,
            ty::U64 | ty::I64 | ty::F64 => 8,
            ty::BOOL => {
                self.scalar(t, what)?;
                return Ok(());
            }
            ty::STRING => return self.skip_string(what),
            ty::ARRAY => {
                self.value(t, depth, what)?;
                return Ok(());
            }
            other => return Err(self.err(format!("{what}: unknown value type {other}"))),
        };
        let mut b = [0u8; 8];
        self.fill(&mut b[..width], what)
    }

    fn header(mut self) -> Result<GgufHeader, ImportError> {
        let mut magic = [0u8; 4];
        self.fill(&mut magic, "the magic")?;
        if &magic != b"GGUF" {
            return Err(self.err_at(
                0,
                format!("not a GGUF file: it starts with {magic:02x?}, not \"GGUF\""),
            ));
        }
        let version = self.u32("the version")?;
        match version {
            2 | 3 => {}
            1 => {
                return Err(self.err_at(
                    4,
                    "GGUF version 1 (2023, 32-bit lengths) is not supported; re-convert the model",
                ))
            }
            v if v.swap_bytes() == 2 || v.swap_bytes() == 3 => {
                return Err(self.err_at(4, "big-endian GGUF is not supported"))
            }
            v => {
                return Err(self.err_at(4, format!("unknown GGUF version {v} (2 and 3 are known)")))
            }
        }
        let n_tensors = self.u64("the tensor count")?;
        if n_tensors > self.lim.max_tensors {
            return Err(self.err_at(
                8,
                format!(
                    "header claims {n_tensors} tensors, more than the limit of {}",
                    self.lim.max_tensors
                ),
            ));
        }
        let n_kv = self.u64("the metadata count")?;
        if n_kv > self.lim.max_kv {
            return Err(self.err_at(
                16,
                format!(
                    "header claims {n_kv} metadata entries, more than the limit of {}",
                    self.lim.max_kv
                ),
            ));
        }
        let mut kv = Vec::with_capacity(n_kv.min(256) as usize);
        for i in 0..n_kv {
            let key = self.string(self.lim.max_key_len, &format!("metadata key #{i}"))?;
            let t = self.u32(&format!("the type of '{key}'"))?;
            let v = self.value(t, 0, &format!("'{key}'"))?;
            kv.push((key, v));
        }
        let mut alignment = 32u64;
        if let Some((_, v)) = kv.iter().find(|(k, _)| k == "general.alignment") {
            match v.as_u64() {
                Some(a) if a > 0 && a.is_power_of_two() && a <= 1 << 20 => alignment = a,
                _ => {
                    return Err(self.err(format!("general.alignment is {v:?}, not a power of two")))
                }
            }
        }
        let mut tensors = Vec::with_capacity(n_tensors.min(4096) as usize);
        let mut total_elements = 0u64;
        for i in 0..n_tensors {
            let at = self.r.pos;
            let name = self.string(self.lim.max_key_len, &format!("the name of tensor #{i}"))?;
            let n_dims = self.u32(&format!("n_dims of '{name}'"))?;
            if n_dims == 0 || n_dims > self.lim.max_dims {
                return Err(self.err_at(
                    at,
                    format!(
                        "tensor '{name}' has {n_dims} dimensions (1 to {} allowed)",
                        self.lim.max_dims
                    ),
                ));
            }
            let mut dims = Vec::with_capacity(n_dims as usize);
            let mut n_elements: u64 = 1;
            for _ in 0..n_dims {
                let d = self.u64(&format!("the shape of '{name}'"))?;
                if d > i64::MAX as u64 {
                    return Err(self.err(format!("tensor '{name}' has a negative dimension")));
                }
                n_elements = n_elements
                    .checked_mul(d)
                    .filter(|n| *n <= 1 << 56)
                    .ok_or_else(|| {
                        self.err(format!(
                            "tensor '{name}': element count overflows (shape {dims:?} × {d})"
                        ))
                    })?;
                dims.push(d);
            }
            let type_at = self.r.pos;
            let type_id = self.u32(&format!("the type of '{name}'"))?;
            let dtype = DType::from_ggml_id(type_id).ok_or_else(|| {
                self.err_at(
                    type_at,
                    format!("tensor '{name}' has unknown ggml type id {type_id}"),
                )
            })?;
            let block = dtype.layout().block_elems;
            if dims[0] % block != 0 {
                return Err(self.err_at(
                    type_at,
                    format!("tensor '{name}': row length {} is not a multiple of the {dtype} block ({block})", dims[0]),
                ));
            }
            let offset = self.u64(&format!("the offset of '{name}'"))?;
            if offset % alignment != 0 {
                return Err(self.err(format!(
                    "tensor '{name}': data offset {offset} is not a multiple of the alignment {alignment}"
                )));
            }
            let n_bytes = dtype.bytes_for(n_elements);
            if offset.checked_add(n_bytes).is_none() {
                return Err(self.err(format!("tensor '{name}': offset + size overflows")));
            }
            total_elements = total_elements.saturating_add(n_elements);
            if total_elements > MAX_TOTAL_ELEMENTS {
                return Err(self.err(format!(
                    "the tensors hold more than {MAX_TOTAL_ELEMENTS} values in all; no real model is that large"
                )));
            }
            tensors.push(TensorInfo {
                name,
                dims,
                dtype,
                offset,
                n_elements,
                n_bytes,
            });
        }
        let header_len = self.r.pos;
        let data_offset = header_len.div_ceil(alignment) * alignment;
        Ok(GgufHeader {
            version,
            kv,
            tensors,
            header_len,
            data_offset,
            alignment,
        })
    }
}

/// Reads a GGUF header from `r`, naming `name` in errors.
pub fn read_header<R: Read>(r: R, name: &str) -> Result<GgufHeader, ImportError> {
    read_header_with(r, name, Limits::default())
}

/// As [`read_header`], with explicit limits.
pub fn read_header_with<R: Read>(r: R, name: &str, lim: Limits) -> Result<GgufHeader, ImportError> {
    Parser {
        r: Counting { inner: r, pos: 0 },
        lim,
        name,
    }
    .header()
}

/// Parses a header held in memory.
pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<GgufHeader, ImportError> {
    read_header(bytes, name)
}
