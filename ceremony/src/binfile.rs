//! The container shared by snarkjs's binary files (`.ptau`, `.zkey`, `.r1cs`), as
//! `@iden3/binfileutils` reads and writes it: a 4-byte magic (`ptau`, `zkey`, `r1cs`), a
//! `u32` version, a `u32` section count, then per section a `u32` id, a `u64` byte length
//! and the bytes. All integers little-endian. A section id may repeat in the format, but
//! none of ours does, so a repeated id is refused.

use crate::error::{CeremonyError, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed container: its sections by id, bytes borrowed from the file.
pub struct BinFile {
    /// Where it was read from (for errors).
    pub path: PathBuf,
    bytes: Vec<u8>,
    sections: BTreeMap<u32, (usize, usize)>,
}

impl BinFile {
    /// Reads and splits `path`; `magic` is the expected 4-byte type.
    pub fn read(path: &Path, magic: &[u8; 4], max_version: u32) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| CeremonyError::io(path, e))?;
        Self::parse(path, bytes, magic, max_version)
    }

    /// Splits `bytes` (read from `path`).
    pub fn parse(path: &Path, bytes: Vec<u8>, magic: &[u8; 4], max_version: u32) -> Result<Self> {
        let bad = |reason: String| CeremonyError::format(path, reason);
        if bytes.len() < 12 {
            return Err(bad(format!(
                "{} bytes: too short for a header (truncated?)",
                bytes.len()
            )));
        }
        if &bytes[..4] != magic {
            return Err(bad(format!(
                "not a .{} file (magic {:?})",
                String::from_utf8_lossy(magic),
                String::from_utf8_lossy(&bytes[..4])
            )));
        }
        let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if version == 0 || version > max_version {
            return Err(bad(format!("unsupported version {version}")));
        }
        let n = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        let mut sections = BTreeMap::new();
        let mut pos = 12usize;
        for _ in 0..n {
            if bytes.len() < pos + 12 {
                return Err(bad(format!(
                    "section header at byte {pos} cut off (truncated?)"
                )));
            }
            let id =
                u32::from_le_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]]);
            let mut l = [0u8; 8];
            l.copy_from_slice(&bytes[pos + 4..pos + 12]);
            let len = usize::try_from(u64::from_le_bytes(l))
                .map_err(|_| bad(format!("section {id} length does not fit in memory")))?;
            pos += 12;
            let end = pos
                .checked_add(len)
                .filter(|e| *e <= bytes.len())
                .ok_or_else(|| {
                    bad(format!(
                        "section {id} ({len} bytes) runs past the end of the file (truncated?)"
                    ))
                })?;
            if sections.insert(id, (pos, end)).is_some() {
                return Err(bad(format!("section {id} appears twice")));
            }
            pos = end;
        }
        if pos != bytes.len() {
            return Err(bad(format!(
                "{} bytes after the last section",
                bytes.len() - pos
            )));
        }
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            sections,
        })
    }

    /// Whether section `id` is present.
    pub fn has(&self, id: u32) -> bool {
        self.sections.contains_key(&id)
    }

    /// The bytes of section `id`, or an error naming it.
    pub fn section(&self, id: u32) -> Result<&[u8]> {
        let (a, b) = self
            .sections
            .get(&id)
            .ok_or_else(|| CeremonyError::format(&self.path, format!("section {id} is missing")))?;
        Ok(&self.bytes[*a..*b])
    }
}

/// Builds a container in memory.
pub struct BinWriter {
    bytes: Vec<u8>,
    count: u32,
}

impl BinWriter {
    /// Starts a file of type `magic`.
    pub fn new(magic: &[u8; 4], version: u32) -> Self {
        let mut bytes = Vec::with_capacity(1 << 20);
        bytes.extend_from_slice(magic);
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        Self { bytes, count: 0 }
    }

    /// Appends section `id`.
    pub fn section(&mut self, id: u32, data: &[u8]) {
        self.bytes.extend_from_slice(&id.to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(data);
        self.count += 1;
    }

    /// The finished bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes[8..12].copy_from_slice(&self.count.to_le_bytes());
        self.bytes
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so
/// a failed or interrupted write never leaves a partial file under the final name.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| CeremonyError::format(path, "not a file path".to_string()))?;
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    std::fs::write(&tmp, bytes).map_err(|e| CeremonyError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        CeremonyError::io(path, e)
    })
}

/// A little-endian cursor over a section, failing with the file and section named.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    path: &'a Path,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `data` (section `what` of `path`).
    pub fn new(data: &'a [u8], path: &'a Path, what: &'static str) -> Self {
        Self {
            data,
            pos: 0,
            path,
            what,
        }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or_else(|| {
                CeremonyError::format(
                    self.path,
                    format!("{} section ends early (truncated?)", self.what),
                )
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// A `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Fails unless every byte was read.
    pub fn finish(&self) -> Result<()> {
        if self.pos != self.data.len() {
            return Err(CeremonyError::format(
                self.path,
                format!(
                    "{} section has {} unexpected trailing bytes",
                    self.what,
                    self.data.len() - self.pos
                ),
            ));
        }
        Ok(())
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Fails with a message about this section.
    pub fn error(&self, reason: impl Into<String>) -> CeremonyError {
        CeremonyError::format(
            self.path,
            format!("{} section: {}", self.what, reason.into()),
        )
    }
}
