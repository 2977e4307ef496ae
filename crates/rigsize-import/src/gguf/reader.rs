//! The byte-level GGUF parser behind [`super::read_header_with`]: every
//! read is counted so each error names its offset, and every length is
//! checked against [`Limits`] before it sizes anything.

use std::io::{self, Read};

use rigsize_core::dtype::DType;

use super::{ty, GgufArray, GgufHeader, GgufValue, Limits, TensorInfo, MAX_TOTAL_ELEMENTS};
use crate::error::ImportError;

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

pub(super) struct Parser<'a, R> {
    r: Counting<R>,
    lim: Limits,
    name: &'a str,
}

impl<'a, R: Read> Parser<'a, R> {
    pub(super) fn new(r: R, lim: Limits, name: &'a str) -> Self {
        Parser {
            r: Counting { inner: r, pos: 0 },
            lim,
            name,
        }
    }

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

    /// The whole header: preamble, metadata, then tensor infos, each
    /// checked before the next is read so errors name the first bad byte.
    pub(super) fn header(mut self) -> Result<GgufHeader, ImportError> {
        let version = self.preamble()?;
        let n_tensors = self.count(8, "the tensor count", "tensors", self.lim.max_tensors)?;
        let n_kv = self.count(
            16,
            "the metadata count",
            "metadata entries",
            self.lim.max_kv,
        )?;
        let kv = self.metadata(n_kv)?;
        let alignment = self.alignment(&kv)?;
        let mut tensors = Vec::with_capacity(n_tensors.min(4096) as usize);
        let mut total_elements = 0u64;
        for i in 0..n_tensors {
            let t = self.tensor_info(i, alignment)?;
            total_elements = total_elements.saturating_add(t.n_elements);
            if total_elements > MAX_TOTAL_ELEMENTS {
                return Err(self.err(format!(
                    "the tensors hold more than {MAX_TOTAL_ELEMENTS} values in all; no real model is that large"
                )));
            }
            tensors.push(t);
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

    /// Magic and version; the versions llama.cpp no longer reads get their
    /// own message, since re-converting is the fix.
    fn preamble(&mut self) -> Result<u32, ImportError> {
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
            2 | 3 => Ok(version),
            1 => Err(self.err_at(
                4,
                "GGUF version 1 (2023, 32-bit lengths) is not supported; re-convert the model",
            )),
            v if v.swap_bytes() == 2 || v.swap_bytes() == 3 => {
                Err(self.err_at(4, "big-endian GGUF is not supported"))
            }
            v => Err(self.err_at(4, format!("unknown GGUF version {v} (2 and 3 are known)"))),
        }
    }

    /// The tensor or metadata count at byte `at`, refused above `limit`
    /// before anything is sized by it.
    fn count(&mut self, at: u64, what: &str, noun: &str, limit: u64) -> Result<u64, ImportError> {
        let n = self.u64(what)?;
        if n > limit {
            return Err(self.err_at(
                at,
                format!("header claims {n} {noun}, more than the limit of {limit}"),
            ));
        }
        Ok(n)
    }

    fn metadata(&mut self, n_kv: u64) -> Result<Vec<(String, GgufValue)>, ImportError> {
        let mut kv = Vec::with_capacity(n_kv.min(256) as usize);
        for i in 0..n_kv {
            let key = self.string(self.lim.max_key_len, &format!("metadata key #{i}"))?;
            let t = self.u32(&format!("the type of '{key}'"))?;
            let v = self.value(t, 0, &format!("'{key}'"))?;
            kv.push((key, v));
        }
        Ok(kv)
    }

    /// `general.alignment` (32 when absent); tensor offsets must be multiples.
    fn alignment(&self, kv: &[(String, GgufValue)]) -> Result<u64, ImportError> {
        let mut alignment = 32u64;
        if let Some((_, v)) = kv.iter().find(|(k, _)| k == "general.alignment") {
            match v.as_u64() {
                Some(a) if a > 0 && a.is_power_of_two() && a <= 1 << 20 => alignment = a,
                _ => {
                    return Err(self.err(format!("general.alignment is {v:?}, not a power of two")))
                }
            }
        }
        Ok(alignment)
    }

    /// Tensor info #`i`: name, shape, ggml type and data offset.
    fn tensor_info(&mut self, i: u64, alignment: u64) -> Result<TensorInfo, ImportError> {
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
        let (dims, n_elements) = self.shape(&name, n_dims)?;
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
        Ok(TensorInfo {
            name,
            dims,
            dtype,
            offset,
            n_elements,
            n_bytes,
        })
    }

    /// The `n_dims` extents and their product, capped at 2^56 so byte
    /// counts computed from it cannot overflow.
    fn shape(&mut self, name: &str, n_dims: u32) -> Result<(Vec<u64>, u64), ImportError> {
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
        Ok((dims, n_elements))
    }
}
