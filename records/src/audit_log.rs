//! A node's audit log of regulator requests: append-only, hash-linked, its head signed.
//!
//! Every request a regulator makes of a node (list, fetch, disclose, read this log;
//! refused ones too) is one [`AuditEntry`]. Entry `n` carries the hash of entry `n - 1`
//! (zeros for entry 0), so changing, removing or reordering any entry changes every later
//! hash; the node signs the last hash with the log's size ([`SignedAuditHead`]). A
//! regulator that kept an earlier head checks that the log it reads now still starts
//! with the entries it saw ([`verify_chain`] and comparing hashes).
//!
//! Entries name who asked, what and the outcome: never personal data, disclosed values,
//! salts or keys.
//!
//! # Entry hash
//!
//! ```text
//! SHA-256( "zktr.regulator-audit.entry.v1" || 0x00
//!          u64be(seq) || u64be(at)
//!          u32be(len) || caller || u32be(len) || action
//!          u32be(len) || subject || u32be(len) || outcome
//!          prev_hash (32 bytes) )
//! ```
//!
//! # Head signing bytes
//!
//! ```text
//! "zktr.regulator-audit.v1" || 0x00
//! u32be(len) || node (UTF-8, the node's name)
//! u64be(size) || head_hash (32 bytes) || u64be(time)
//! ```
//!
//! The entry hash's tag is not a signature domain (nothing signs entries one by one); it
//! keeps these hashes apart from every other SHA-256 in zktr.

use crate::encoding::serde_hex;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Domain prefix of a signed audit head.
pub use crate::domain::REGULATOR_AUDIT as AUDIT_HEAD_DOMAIN;

/// Tag of an entry's hash.
pub const ENTRY_HASH_TAG: &[u8] = b"zktr.regulator-audit.entry.v1";

/// Why an audit log does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditLogError {
    /// The head's signature does not verify under the key.
    #[error("the audit head's signature does not verify under this key")]
    BadSignature,
    /// An entry's number is not its position.
    #[error("entry {found} stands where entry {expected} should")]
    OutOfOrder {
        /// The expected number.
        expected: u64,
        /// The entry's number.
        found: u64,
    },
    /// An entry does not name the previous entry's hash.
    #[error("entry {0} does not link to the entry before it")]
    BrokenLink(u64),
    /// An entry's hash is not the hash of its fields.
    #[error("entry {0}'s hash is not the hash of its fields (it was altered)")]
    BadHash(u64),
    /// The entries do not end at the signed head.
    #[error("the entries end at size {size} with another hash than the signed head's")]
    HeadMismatch {
        /// Entries read.
        size: u64,
    },
}

fn put_str(h: &mut Sha256, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    h.update(len.to_be_bytes());
    h.update(s.as_bytes());
}

/// One regulator request, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its position, from 0.
    pub seq: u64,
    /// When it was recorded, unix seconds.
    pub at: u64,
    /// The caller's certificate common name.
    pub caller: String,
    /// `list`, `get`, `disclose`, `audit-log`.
    pub action: String,
    /// What was asked about (a period, a transfer id, slot names).
    pub subject: String,
    /// `ok ...` or `refused: ...`.
    pub outcome: String,
    /// The previous entry's hash (zeros for entry 0).
    #[serde(with = "serde_hex::bytes")]
    pub prev_hash: [u8; 32],
    /// This entry's hash ([`AuditEntry::compute_hash`]).
    #[serde(with = "serde_hex::bytes")]
    pub hash: [u8; 32],
}

impl AuditEntry {
    /// The hash of an entry's fields and its link.
    pub fn compute_hash(
        seq: u64,
        at: u64,
        caller: &str,
        action: &str,
        subject: &str,
        outcome: &str,
        prev_hash: &[u8; 32],
    ) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(ENTRY_HASH_TAG);
        h.update([0u8]);
        h.update(seq.to_be_bytes());
        h.update(at.to_be_bytes());
        put_str(&mut h, caller);
        put_str(&mut h, action);
        put_str(&mut h, subject);
        put_str(&mut h, outcome);
        h.update(prev_hash);
        h.finalize().into()
    }

    /// A new entry after `prev_hash`, its hash computed.
    pub fn new(
        seq: u64,
        at: u64,
        caller: &str,
        action: &str,
        subject: &str,
        outcome: &str,
        prev_hash: [u8; 32],
    ) -> Self {
        let hash = Self::compute_hash(seq, at, caller, action, subject, outcome, &prev_hash);
        Self {
            seq,
            at,
            caller: caller.to_owned(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            outcome: outcome.to_owned(),
            prev_hash,
            hash,
        }
    }

    /// Whether the stored hash is the hash of the fields.
    pub fn hash_holds(&self) -> bool {
        Self::compute_hash(
            self.seq,
            self.at,
            &self.caller,
            &self.action,
            &self.subject,
            &self.outcome,
            &self.prev_hash,
        ) == self.hash
    }
}

/// The signed head of a node's audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAuditHead {
    /// The node's name.
    pub node: String,
    /// Number of entries.
    pub size: u64,
    /// The last entry's hash (zeros if empty).
    #[serde(with = "serde_hex::bytes")]
    pub head_hash: [u8; 32],
    /// When it was signed, unix seconds.
    pub time: u64,
    /// Ed25519 signature over [`SignedAuditHead::signing_bytes`].
    #[serde(with = "serde_hex::bytes")]
    pub signature: [u8; 64],
}

impl SignedAuditHead {
    /// The canonical bytes a node signs.
    pub fn signing_bytes(node: &str, size: u64, head_hash: &[u8; 32], time: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(AUDIT_HEAD_DOMAIN.len() + 1 + 4 + node.len() + 48);
        out.extend_from_slice(AUDIT_HEAD_DOMAIN);
        out.push(0);
        let len = u32::try_from(node.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(node.as_bytes());
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(head_hash);
        out.extend_from_slice(&time.to_be_bytes());
        out
    }

    /// Signs a head.
    pub fn sign(node: &str, size: u64, head_hash: [u8; 32], time: u64, key: &SigningKey) -> Self {
        let signature = key
            .sign(&Self::signing_bytes(node, size, &head_hash, time))
            .to_bytes();
        Self {
            node: node.to_owned(),
            size,
            head_hash,
            time,
            signature,
        }
    }

    /// Checks the signature (strict Ed25519).
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), AuditLogError> {
        let bytes = Self::signing_bytes(&self.node, self.size, &self.head_hash, self.time);
        key.verify_strict(&bytes, &Signature::from_bytes(&self.signature))
            .map_err(|_| AuditLogError::BadSignature)
    }
}

/// Checks a whole log (entries from 0) against its signed head: every entry in place,
/// linked to the one before, its hash the hash of its fields, the last hash the head's,
/// and the head's signature under `key`.
pub fn verify_chain(
    entries: &[AuditEntry],
    head: &SignedAuditHead,
    key: &VerifyingKey,
) -> Result<(), AuditLogError> {
    head.verify(key)?;
    let mut prev = [0u8; 32];
    for (i, e) in entries.iter().enumerate() {
        let i = i as u64;
        if e.seq != i {
            return Err(AuditLogError::OutOfOrder {
                expected: i,
                found: e.seq,
            });
        }
        if e.prev_hash != prev {
            return Err(AuditLogError::BrokenLink(i));
        }
        if !e.hash_holds() {
            return Err(AuditLogError::BadHash(i));
        }
        prev = e.hash;
    }
    if entries.len() as u64 != head.size || prev != head.head_hash {
        return Err(AuditLogError::HeadMismatch {
            size: entries.len() as u64,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|e| e.hash).unwrap_or([0; 32]);
            out.push(AuditEntry::new(
                i,
                1_700_000_000 + i,
                "regulator.test",
                "get",
                "transfer x",
                "ok",
                prev,
            ));
        }
        out
    }

    #[test]
    fn a_chain_verifies_and_any_change_is_caught() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let entries = chain(4);
        let head = SignedAuditHead::sign("alpha", 4, entries[3].hash, 1, &key);
        verify_chain(&entries, &head, &key.verifying_key()).unwrap();

        let mut altered = entries.clone();
        altered[1].outcome = "refused: no".into();
        assert_eq!(
            verify_chain(&altered, &head, &key.verifying_key()),
            Err(AuditLogError::BadHash(1))
        );
        let mut dropped = entries.clone();
        dropped.remove(2);
        assert!(verify_chain(&dropped, &head, &key.verifying_key()).is_err());
        let other = SigningKey::from_bytes(&[8; 32]);
        assert_eq!(
            verify_chain(&entries, &head, &other.verifying_key()),
            Err(AuditLogError::BadSignature)
        );
        let short = SignedAuditHead::sign("alpha", 3, entries[2].hash, 1, &key);
        assert_eq!(
            verify_chain(&entries, &short, &key.verifying_key()),
            Err(AuditLogError::HeadMismatch { size: 4 })
        );
    }

    #[test]
    fn the_entry_tag_is_not_a_signature_domain() {
        for (_, d) in crate::domain::ALL {
            assert_ne!(d, ENTRY_HASH_TAG);
        }
    }
}
