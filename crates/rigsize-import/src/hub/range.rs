//! Header reads over HTTP `Range` requests, in chunks that double up to
//! 16 MiB, so a 40 GB file costs a few MB of traffic.

use std::io::{self, Read};

use super::{Hub, MAX_HEADER_FETCH};
use crate::error::ImportError;

/// A `Read` over an HTTP file that fetches growing byte ranges on demand.
pub(super) struct RangeReader<'a> {
    hub: &'a Hub,
    url: String,
    pos: u64,
    chunk: u64,
    buf: Vec<u8>,
    buf_pos: usize,
    len: Option<u64>,
    /// Every byte handed out, for the cache.
    pub(super) record: Vec<u8>,
    /// Why the last read failed, when the Hub said so (an `io::Error`
    /// cannot carry it).
    pub(super) err: Option<ImportError>,
}

impl<'a> RangeReader<'a> {
    /// Starts at byte 0 with a 1 MiB chunk; `len` is the listed file size.
    pub(super) fn new(hub: &'a Hub, url: String, len: Option<u64>) -> Self {
        RangeReader {
            hub,
            url,
            pos: 0,
            chunk: 1 << 20,
            buf: Vec::new(),
            buf_pos: 0,
            len,
            record: Vec::new(),
            err: None,
        }
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf_pos >= self.buf.len() {
            if self.len.is_some_and(|l| self.pos >= l) {
                return Ok(0);
            }
            if self.pos >= MAX_HEADER_FETCH {
                self.err = Some(ImportError::Network {
                    url: self.url.clone(),
                    why: format!(
                        "the header runs past {MAX_HEADER_FETCH} bytes; refusing to read more"
                    ),
                });
                return Err(io::Error::other("header too large"));
            }
            let end = self.pos + self.chunk - 1;
            let end = match self.len {
                Some(l) => end.min(l - 1),
                None => end,
            };
            let resp = match self.hub.request(&self.url, Some((self.pos, end))) {
                Ok(r) => r,
                Err(e) => {
                    let msg = e.to_string();
                    self.err = Some(e);
                    return Err(io::Error::other(msg));
                }
            };
            let want = end - self.pos + 1;
            if resp.status == 200 && self.pos > 0 {
                self.err = Some(ImportError::Network {
                    url: self.url.clone(),
                    why: "the server ignores HTTP Range requests".into(),
                });
                return Err(io::Error::other("no range support"));
            }
            let mut body = resp.body.into_with_config().limit(want).reader();
            let mut chunk = Vec::with_capacity(want.min(1 << 20) as usize);
            (&mut body).take(want).read_to_end(&mut chunk)?;
            if chunk.is_empty() {
                return Ok(0);
            }
            self.buf = chunk;
            self.buf_pos = 0;
            self.chunk = (self.chunk * 2).min(16 << 20);
        }
        let n = out.len().min(self.buf.len() - self.buf_pos);
        out[..n].copy_from_slice(&self.buf[self.buf_pos..self.buf_pos + n]);
        self.record.extend_from_slice(&out[..n]);
        self.buf_pos += n;
        self.pos += n as u64;
        Ok(n)
    }
}
