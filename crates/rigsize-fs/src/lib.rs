//! Reading files a user names (a requirements file, a CSV, a catalog
//! override, a model's config or GGUF header).
//!
//! Why this exists: `open(2)` on a FIFO blocks until a writer appears, and
//! reading a character device such as `/dev/zero` never ends, so a path
//! given by mistake (or by a hostile client) would hang the CLI or a
//! server thread forever. Every such path goes through [`check_regular`]
//! before anything opens it, is opened with `O_NONBLOCK` (so a FIFO swapped
//! in between the check and the open cannot block either) and re-checked on
//! the open handle, and is read with a size cap.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use thiserror::Error;

/// Cap for text files rigsize parses whole (requirements, catalogs, CSVs,
/// config.json): far above any real one (the bundled catalog is < 1 MiB,
/// a model's config.json a few KiB), far below what would hurt memory.
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// What a path turned out to be, when it is not what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Other,
}

impl FileKind {
    fn of(m: &Metadata) -> Option<FileKind> {
        let t = m.file_type();
        if t.is_file() {
            return None;
        }
        if t.is_dir() {
            return Some(FileKind::Directory);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return Some(FileKind::Fifo);
            }
            if t.is_socket() {
                return Some(FileKind::Socket);
            }
            if t.is_char_device() {
                return Some(FileKind::CharDevice);
            }
            if t.is_block_device() {
                return Some(FileKind::BlockDevice);
            }
        }
        Some(FileKind::Other)
    }

    pub fn name(self) -> &'static str {
        match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO (named pipe)",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Other => "a special file",
        }
    }
}

#[derive(Debug, Error)]
pub enum FileError {
    #[error("cannot read {path}: {}", self.reason())]
    NotRegular { path: String, kind: FileKind },
    #[error("cannot read {path}: {}", self.reason())]
    TooLarge { path: String, len: u64, cap: u64 },
    #[error("cannot read {path}: {}", self.reason())]
    Io { path: String, message: String },
}

impl FileError {
    /// Why the file cannot be read, without the path: for callers whose
    /// own error already names it.
    pub fn reason(&self) -> String {
        match self {
            FileError::NotRegular { kind, .. } => {
                format!("it is {}, not a regular file", kind.name())
            }
            FileError::TooLarge { len, cap, .. } => {
                format!("it is {len} bytes, above the limit of {cap} bytes")
            }
            FileError::Io { message, .. } => message.clone(),
        }
    }

    fn io(path: &Path, e: std::io::Error) -> FileError {
        FileError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// The path's metadata when it is a regular file (symlinks followed);
/// anything else is refused without opening it.
pub fn check_regular(path: &Path) -> Result<Metadata, FileError> {
    let m = std::fs::metadata(path).map_err(|e| FileError::io(path, e))?;
    match FileKind::of(&m) {
        None => Ok(m),
        Some(kind) => Err(FileError::NotRegular {
            path: path.display().to_string(),
            kind,
        }),
    }
}

/// Refuses a path that exists but is neither a regular file nor a
/// directory (a FIFO, a device, a socket); a missing path passes, so the
/// caller can give its own "not found" message.
pub fn check_not_special(path: &Path) -> Result<(), FileError> {
    match std::fs::metadata(path) {
        Err(_) => Ok(()),
        Ok(m) => match FileKind::of(&m) {
            None | Some(FileKind::Directory) => Ok(()),
            Some(kind) => Err(FileError::NotRegular {
                path: path.display().to_string(),
                kind,
            }),
        },
    }
}

/// Opens a regular file for reading: checked before the open, opened
/// without blocking, and checked again on the handle (the path may have
/// been swapped in between).
pub fn open_regular(path: &Path) -> Result<File, FileError> {
    check_regular(path)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path).map_err(|e| FileError::io(path, e))?;
    let m = f.metadata().map_err(|e| FileError::io(path, e))?;
    if let Some(kind) = FileKind::of(&m) {
        return Err(FileError::NotRegular {
            path: path.display().to_string(),
            kind,
        });
    }
    Ok(f)
}

/// The bytes of a regular file of at most `cap` bytes.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, FileError> {
    let f = open_regular(path)?;
    let too_large = |len| FileError::TooLarge {
        path: path.display().to_string(),
        len,
        cap,
    };
    let len = f.metadata().map_err(|e| FileError::io(path, e))?.len();
    if len > cap {
        return Err(too_large(len));
    }
    // The file may grow after the stat: read one byte past the cap to see.
    let mut buf = Vec::with_capacity(len as usize);
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| FileError::io(path, e))?;
    if buf.len() as u64 > cap {
        return Err(too_large(buf.len() as u64));
    }
    Ok(buf)
}

/// The UTF-8 text of a regular file of at most `cap` bytes.
pub fn read_regular_string(path: &Path, cap: u64) -> Result<String, FileError> {
    let bytes = read_regular(path, cap)?;
    String::from_utf8(bytes).map_err(|e| FileError::Io {
        path: path.display().to_string(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// [`read_regular_string`] with [`MAX_TEXT_BYTES`].
pub fn read_text(path: &Path) -> Result<String, FileError> {
    read_regular_string(path, MAX_TEXT_BYTES)
}

#[cfg(test)]
mod tests;
