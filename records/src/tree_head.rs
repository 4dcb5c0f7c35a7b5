//! The signed tree head (STH) of a VASP's commitment log: `(log_id, size, root, time)`
//! with the log's Ed25519 signature, as Certificate Transparency logs sign theirs.
//!
//! # Signing bytes
//!
//! ```text
//! "zktr.tree-head.v2" || 0x00
//! u32be(len) || log_id (UTF-8)
//! u64be(size)
//! root (32 bytes, big-endian canonical integer)
//! u64be(time)          unix seconds
//! ```
//!
//! The domain prefix keeps a tree-head signature from being valid for any other zktr
//! message signed with the same key (sanctions roots use `zktr.sanctions-root.v2`).
//!
//! The `v2` names the log's tree shape: the root is of the 4-ary log of circuit version 2
//! ([`zktr_circuits::trees::log`]). A head a log signed under the retired
//! `zktr.tree-head.v1` (a root of version 1's binary log) is refused by name
//! ([`TreeHeadError::LogVersion1`]), never taken for a bad signature or for a v2 root.

use crate::domain::RETIRED_TREE_HEAD_V1;
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
    /// The log's key signed this head, but under version 1's domain: its root is of the
    /// binary log of `committed/v1`, which this build no longer proves or verifies against.
    #[error(
        "tree head {size} of log {log_id:?} was signed for a version-1 (binary) commitment log; \
         this build uses the 4-ary log of version 2: the log's node must be upgraded (it \
         rebuilds its log and signs a version-2 head)"
    )]
    LogVersion1 {
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
        Self::signing_bytes_under(TREE_HEAD_DOMAIN, log_id, size, root, time)
    }

    fn signing_bytes_under(
        domain: &[u8],
        log_id: &str,
        size: u64,
        root: &LogRoot,
        time: u64,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(domain.len() + 1 + 4 + log_id.len() + 48);
        out.extend_from_slice(domain);
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
        let under = |domain| {
            Self::signing_bytes_under(domain, &self.log_id, self.size, &self.root, self.time)
        };
        if log_key
            .verify_strict(&under(TREE_HEAD_DOMAIN), &sig)
            .is_ok()
        {
            return Ok(());
        }
        let (log_id, size) = (self.log_id.clone(), self.size);
        if log_key
            .verify_strict(&under(RETIRED_TREE_HEAD_V1), &sig)
            .is_ok()
        {
            return Err(TreeHeadError::LogVersion1 { log_id, size });
        }
        Err(TreeHeadError::BadSignature { log_id, size })
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

    /// A head the log's key signed under version 1's domain is refused by name; the same
    /// signature under another key is only a bad signature.
    #[test]
    fn a_version_1_head_is_refused_by_name() {
        let key = SigningKey::from_bytes(&[3u8; 32]);
        let root = LogRoot(Fr::from(77u64));
        let bytes =
            SignedTreeHead::signing_bytes_under(RETIRED_TREE_HEAD_V1, "log.vasp-a", 9, &root, 5);
        let v1 = SignedTreeHead {
            log_id: "log.vasp-a".into(),
            size: 9,
            root,
            time: 5,
            signature: key.sign(&bytes).to_bytes(),
        };
        let err = v1.verify(&key.verifying_key()).unwrap_err();
        assert!(
            matches!(err, TreeHeadError::LogVersion1 { size: 9, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("version-1"));
        let other = SigningKey::from_bytes(&[4u8; 32]);
        assert!(matches!(
            v1.verify(&other.verifying_key()),
            Err(TreeHeadError::BadSignature { .. })
        ));
    }
}
