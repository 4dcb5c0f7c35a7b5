//! The signed tree head (STH) of a VASP's commitment log: `(log_id, size, root, time)`
//! with the log's Ed25519 signature, as Certificate Transparency logs sign theirs.
//!
//! # Signing bytes
//!
//! ```text
//! "zktr.tree-head.v1" || 0x00
//! u32be(len) || log_id (UTF-8)
//! u64be(size)
//! root (32 bytes, big-endian canonical integer)
//! u64be(time)          unix seconds
//! ```
//!
//! The domain prefix keeps a tree-head signature from being valid for any other zktr
//! message signed with the same key (sanctions roots use `zktr.sanctions-root.v1`).

use crate::encoding::serde_hex;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zktr_circuits::Fr;
use zktr_circuits::field::fr_to_be_bytes;
use zktr_circuits::trees::log::LogRoot;

/// Domain prefix of the signing bytes of a tree head.
pub use crate::domain::TREE_HEAD as TREE_HEAD_DOMAIN;

/// Why a signed tree head is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeHeadError {
    /// The Ed25519 signature does not verify under the given key.
    #[error("the signature of tree head {size} of log {log_id:?} does not verify")]
    BadSignature {
        /// The log.
        log_id: String,
        /// The tree size.
        size: u64,
    },
}

/// A signed tree head of a commitment log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedTreeHead {
    /// The log's id (e.g. the VASP's log URL or name).
    pub log_id: String,
    /// Number of leaves.
    pub size: u64,
    /// The log's root at `size`.
    #[serde(with = "root_hex")]
    pub root: LogRoot,
    /// When the log signed, unix seconds.
    pub time: u64,
    /// Ed25519 signature over [`SignedTreeHead::signing_bytes`].
    #[serde(with = "serde_hex::bytes")]
    pub signature: [u8; 64],
}

impl SignedTreeHead {
    /// The canonical bytes a log signs.
    pub fn signing_bytes(log_id: &str, size: u64, root: &LogRoot, time: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(TREE_HEAD_DOMAIN.len() + 1 + 4 + log_id.len() + 48);
        out.extend_from_slice(TREE_HEAD_DOMAIN);
        out.push(0);
        let len = u32::try_from(log_id.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(log_id.as_bytes());
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&fr_to_be_bytes(&root.0));
        out.extend_from_slice(&time.to_be_bytes());
        out
    }

    /// Signs a tree head with the log's key.
    pub fn sign(log_id: &str, size: u64, root: LogRoot, time: u64, key: &SigningKey) -> Self {
        let signature = key
            .sign(&Self::signing_bytes(log_id, size, &root, time))
            .to_bytes();
        Self {
            log_id: log_id.to_owned(),
            size,
            root,
            time,
            signature,
        }
    }

    /// Checks the signature (strict Ed25519) under the log's key.
    pub fn verify(&self, log_key: &VerifyingKey) -> Result<(), TreeHeadError> {
        let sig = Signature::from_bytes(&self.signature);
        log_key
            .verify_strict(
                &Self::signing_bytes(&self.log_id, self.size, &self.root, self.time),
                &sig,
            )
            .map_err(|_| TreeHeadError::BadSignature {
                log_id: self.log_id.clone(),
                size: self.size,
            })
    }
}

mod root_hex {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(root: &LogRoot, s: S) -> Result<S::Ok, S::Error> {
        serde_hex::fr::serialize(&root.0, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LogRoot, D::Error> {
        let x: Fr = serde_hex::fr::deserialize(d)?;
        Ok(LogRoot(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_signed() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let sth = SignedTreeHead::sign(
            "log.vasp-a",
            9,
            LogRoot(Fr::from(77u64)),
            1_763_500_000,
            &key,
        );
        sth.verify(&key.verifying_key()).unwrap();
        let json = serde_json::to_string(&sth).unwrap();
        let back: SignedTreeHead = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sth);
        let mut variants = vec![sth.clone(); 5];
        variants[0].log_id.push('x');
        variants[1].size += 1;
        variants[2].root = LogRoot(Fr::from(78u64));
        variants[3].time += 1;
        variants[4].signature[0] ^= 1;
        for v in variants {
            assert!(v.verify(&key.verifying_key()).is_err());
        }
        let other = SigningKey::from_bytes(&[4u8; 32]);
        assert!(sth.verify(&other.verifying_key()).is_err());
    }
}
