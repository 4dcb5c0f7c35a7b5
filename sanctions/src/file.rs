//! The `.zkts` set file: everything a node needs to screen and to prove against a set,
//! without the lists (a node never re-reads lists on start).
//!
//! ```text
//! magic    "ZKTS\r\n\x1a\n"     (8 bytes; catches text-mode mangling like PNG's)
//! version  u32 = 2                (1: the binary tree of not_sanctioned/v1, refused by name)
//! sections, in this order, each  u32 tag || u64 length || bytes:
//!   1 RECORD   the signed root record, JSON (see zktr_records::sanctions_root)
//!   2 STATS    6 x u64: parties, names, identifiers, addresses, dates of birth, skipped
//!   3 PARTIES  u32 count, then per party: u8 kind || u32 len || id || u32 len || name
//!   4 KEYS     u64 count, then 32-byte big-endian keys, strictly ascending
//!   5 INDEX    per key: u32 count || count x u32 party positions, strictly ascending
//! checksum SHA-256 of every byte before it (32 bytes)
//! ```
//! All integers are big-endian. Loading checks, in order: length, checksum, magic,
//! version, each section's bounds, every key in `(0, 2^248)` and strictly ascending,
//! parties strictly sorted by id, index positions in range, the rebuilt tree's root equal
//! to the signed root, and the record's counts. A node can then trust the set once
//! [`SanctionsSet::verify_publisher`] accepts the signature.
//!
//! Version 2 holds the same sections as version 1; what changed is the tree they stand
//! for: the set's keys build a 4-ary tree (tree version 2), and the record is signed under
//! the `zktr.sanctions-root.v2` domain. A version-1 file's root is of the binary tree, so
//! it is refused by name rather than loaded and found not to match.

use super::error::{Result, SanctionsError};
use super::party::PartyKind;
use super::set::{SanctionsSet, SetParty, SetStats};
use sha2::{Digest, Sha256};
use std::path::Path;
use zktr_circuits::field::{ScreeningKey, fr_from_be_bytes, fr_to_be_bytes};
use zktr_circuits::trees::sanctions::SanctionsTree;
use zktr_records::SignedSanctionsRoot;

use crate::limits::MAX_SET_FILE_BYTES;

/// The file's first 8 bytes.
pub const MAGIC: &[u8; 8] = b"ZKTS\r\n\x1a\n";
/// The format version this code writes and reads: the sanctions tree version
/// ([`zktr_circuits::trees::sanctions::SANCTIONS_TREE_VERSION`]).
pub const VERSION: u32 = zktr_circuits::trees::sanctions::SANCTIONS_TREE_VERSION;
/// The first format version, whose root is of the binary tree of `not_sanctioned/v1`.
const VERSION_BINARY_TREE: u32 = 1;

const RECORD: u32 = 1;
const STATS: u32 = 2;
const PARTIES: u32 = 3;
const KEYS: u32 = 4;
const INDEX: u32 = 5;

fn invalid(reason: impl Into<String>) -> SanctionsError {
    SanctionsError::InvalidSetFile(reason.into())
}

fn section(out: &mut Vec<u8>, tag: u32, body: &[u8]) {
    out.extend_from_slice(&tag.to_be_bytes());
    out.extend_from_slice(&(body.len() as u64).to_be_bytes());
    out.extend_from_slice(body);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

impl SanctionsSet {
    /// The set as `.zkts` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.tree.len() * 40);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        section(&mut out, RECORD, self.signed.to_json().as_bytes());
        let s = self.stats;
        let stats: Vec<u8> = [
            s.parties,
            s.names,
            s.identifiers,
            s.addresses,
            s.dates_of_birth,
            s.skipped,
        ]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
        section(&mut out, STATS, &stats);
        let mut parties = Vec::new();
        parties.extend_from_slice(&(self.parties.len() as u32).to_be_bytes());
        for p in &self.parties {
            parties.push(p.kind.code());
            put_str(&mut parties, &p.id);
            put_str(&mut parties, &p.name);
        }
        section(&mut out, PARTIES, &parties);
        let mut keys = Vec::with_capacity(8 + 32 * self.tree.len());
        keys.extend_from_slice(&(self.tree.len() as u64).to_be_bytes());
        for k in self.tree.keys() {
            keys.extend_from_slice(&fr_to_be_bytes(&k.to_fr()));
        }
        section(&mut out, KEYS, &keys);
        let mut index = Vec::new();
        for ps in &self.index {
            index.extend_from_slice(&(ps.len() as u32).to_be_bytes());
            for p in ps {
                index.extend_from_slice(&p.to_be_bytes());
            }
        }
        section(&mut out, INDEX, &index);
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Writes the `.zkts` file.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_bytes()).map_err(|e| SanctionsError::write(path, e))
    }

    /// Loads a `.zkts` file, checking it (see the module docs). The magic is checked
    /// before the rest is read, and at most [`MAX_SET_FILE_BYTES`] are read, so a wrong
    /// or endless file fails at once.
    pub fn load(path: &Path) -> Result<Self> {
        use std::io::Read;
        let mut file = std::fs::File::open(path).map_err(|e| SanctionsError::io(path, e))?;
        let mut magic = [0u8; 8];
        let mut got = 0;
        while got < magic.len() {
            match file.read(magic.get_mut(got..).unwrap_or_default()) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SanctionsError::io(path, e)),
            }
        }
        if got < magic.len() || &magic != MAGIC {
            return Err(invalid(format!(
                "{}: not a .zkts file (wrong magic)",
                path.display()
            )));
        }
        let mut bytes = magic.to_vec();
        file.take(MAX_SET_FILE_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| SanctionsError::io(path, e))?;
        if bytes.len() as u64 > MAX_SET_FILE_BYTES {
            return Err(SanctionsError::TooLarge {
                path: path.to_path_buf(),
                what: "a .zkts set file",
                limit: crate::limits::describe(MAX_SET_FILE_BYTES),
            });
        }
        Self::from_bytes(&bytes)
    }

    /// Reads `.zkts` bytes, checking them (see the module docs).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < MAGIC.len() + 4 + 32 {
            return Err(invalid(format!("{} bytes is too short", bytes.len())));
        }
        let (body, checksum) = bytes.split_at(bytes.len() - 32);
        if bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(invalid("not a .zkts file (wrong magic)"));
        }
        if Sha256::digest(body).as_slice() != checksum {
            return Err(invalid(
                "checksum mismatch: the file is corrupt or was modified",
            ));
        }
        let mut r = Cursor {
            bytes: body,
            pos: MAGIC.len(),
        };
        let version = r.u32("version")?;
        if version == VERSION_BINARY_TREE {
            return Err(invalid(
                "format version 1: its root is of the binary sanctions tree of \
                 not_sanctioned/v1, which this build no longer proves against; rebuild the set \
                 from its lists with this build (`zktr sanctions build`) and have the publisher \
                 sign the new root",
            ));
        }
        if version != VERSION {
            return Err(invalid(format!(
                "format version {version}, this build reads version {VERSION}"
            )));
        }
        let mut record = r.section(RECORD, "RECORD")?;
        let json = std::str::from_utf8(record.rest())
            .map_err(|_| invalid("the root record is not UTF-8"))?;
        let signed = SignedSanctionsRoot::from_json(json)?;

        let mut s = r.section(STATS, "STATS")?;
        let stats = SetStats {
            parties: s.u64("stats")?,
            names: s.u64("stats")?,
            identifiers: s.u64("stats")?,
            addresses: s.u64("stats")?,
            dates_of_birth: s.u64("stats")?,
            skipped: s.u64("stats")?,
        };
        s.end("STATS")?;

        let mut p = r.section(PARTIES, "PARTIES")?;
        let count = p.u32("party count")? as usize;
        let mut parties: Vec<SetParty> = Vec::with_capacity(count.min(p.remaining()));
        for _ in 0..count {
            let kind = PartyKind::from_code(p.u8("party kind")?);
            let id = p.string("party id")?;
            let name = p.string("party name")?;
            if parties.last().is_some_and(|last| last.id >= id) {
                return Err(invalid(format!(
                    "parties not strictly sorted by id at {id:?}"
                )));
            }
            parties.push(SetParty { id, kind, name });
        }
        p.end("PARTIES")?;

        let mut k = r.section(KEYS, "KEYS")?;
        let count = k.u64("key count")?;
        if count.checked_mul(32) != Some(k.remaining() as u64) {
            return Err(invalid(format!(
                "KEYS announces {count} keys but holds {} bytes",
                k.remaining()
            )));
        }
        let mut keys = Vec::with_capacity(k.remaining() / 32);
        while k.remaining() > 0 {
            let b = k.array32("key")?;
            let fr = fr_from_be_bytes(&b).map_err(|_| invalid("a key is not a field element"))?;
            let key = ScreeningKey::new(fr)
                .map_err(|_| invalid(format!("key #{} is 0 or not below 2^248", keys.len())))?;
            if keys.last().is_some_and(|last: &ScreeningKey| *last >= key) {
                return Err(invalid(format!(
                    "keys not strictly ascending at key #{}",
                    keys.len()
                )));
            }
            keys.push(key);
        }

        let mut ix = r.section(INDEX, "INDEX")?;
        let mut index = Vec::with_capacity(keys.len());
        for i in 0..keys.len() {
            let n = ix.u32("index")? as usize;
            if n == 0 {
                return Err(invalid(format!("key #{i} belongs to no party")));
            }
            let mut ps = Vec::with_capacity(n.min(parties.len()));
            for _ in 0..n {
                let p = ix.u32("index")?;
                if p as usize >= parties.len() || ps.last().is_some_and(|last| *last >= p) {
                    return Err(invalid(format!(
                        "key #{i}: party positions out of range or unsorted"
                    )));
                }
                ps.push(p);
            }
            index.push(ps);
        }
        ix.end("INDEX")?;
        r.end("file")?;

        let tree = SanctionsTree::from_sorted_keys(keys)?;
        let rec = &signed.record;
        if tree.root() != rec.root {
            return Err(invalid(
                "the rebuilt tree's root differs from the signed root",
            ));
        }
        if rec.key_count != tree.len() as u64 || rec.party_count != parties.len() as u64 {
            return Err(invalid(format!(
                "the signed record counts {} keys and {} parties, the file holds {} and {}",
                rec.key_count,
                rec.party_count,
                tree.len(),
                parties.len()
            )));
        }
        if stats.parties != parties.len() as u64 {
            return Err(invalid("STATS disagrees with PARTIES"));
        }
        tracing::debug!(
            list = %rec.list_id,
            version = %rec.version,
            keys = rec.key_count,
            "sanctions set file checked"
        );
        Ok(Self {
            signed,
            tree,
            parties,
            index,
            stats,
        })
    }
}

/// A bounds-checked reader over a byte slice.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| invalid(format!("truncated while reading {what}")))?;
        let s = self.bytes.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(s)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn rest(&mut self) -> &'a [u8] {
        let s = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        s
    }

    fn array32(&mut self, what: &str) -> Result<[u8; 32]> {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.take(32, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?.first().copied().unwrap_or_default())
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4, what)?);
        Ok(u32::from_be_bytes(b))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8, what)?);
        Ok(u64::from_be_bytes(b))
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let n = self.u32(what)? as usize;
        let b = self.take(n, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| invalid(format!("{what} is not UTF-8")))
    }

    fn section(&mut self, tag: u32, name: &str) -> Result<Cursor<'a>> {
        let found = self.u32(name)?;
        if found != tag {
            return Err(invalid(format!(
                "expected section {name} ({tag}), found tag {found}"
            )));
        }
        let len = self.u64(name)?;
        let len = usize::try_from(len).map_err(|_| invalid(format!("{name} is too long")))?;
        Ok(Cursor {
            bytes: self.take(len, name)?,
            pos: 0,
        })
    }

    fn end(&self, name: &str) -> Result<()> {
        if self.remaining() != 0 {
            return Err(invalid(format!(
                "{} unexpected bytes after {name}",
                self.remaining()
            )));
        }
        Ok(())
    }
}
