//! Which list publishers a screening trusts, and the check that comes before every
//! answer: nothing answers NOT LISTED (or LISTED) from a set whose signed root does not
//! verify under a trusted publisher's key (DESIGN.md, "Sanctions sets").
//!
//! Trusted publishers come from public key files (`--publisher KEY.pub`, see
//! [`crate::publisher`]) or from a trust file in the policy file's format
//! (`zktr_records::policy_file`): either a whole policy file, or just its publishers,
//!
//! ```json
//! { "sanctions_publishers": [
//!     { "name": "OFAC mirror", "public_key": "<64 hex>", "max_age_seconds": 172800 } ] }
//! ```
//!
//! A set is accepted when its record names a trusted key, the Ed25519 signature over the
//! record verifies under that key, its `published_at` is not in the future (more than
//! [`CLOCK_SKEW_SECONDS`] ahead of now) and, for a trust-file publisher, not older than
//! its `max_age_seconds`. The set file itself was already checked against the record on
//! load (rebuilt root and counts, see [`crate::file`]).

use crate::error::SanctionsError;
use crate::limits::MAX_TRUST_FILE_BYTES;
use crate::set::SanctionsSet;
use ed25519_dalek::VerifyingKey;
use std::path::{Path, PathBuf};
use zktr_records::policy_file::TrustedPublisher;
use zktr_records::publisher_key_id;

/// How far in the future a publication time may be (clocks differ).
pub const CLOCK_SKEW_SECONDS: u64 = 300;

/// Why a set is not trusted, or a trust file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The trust or key file could not be read.
    #[error(transparent)]
    Read(#[from] SanctionsError),
    /// The trust file is not in the policy file's publisher format.
    #[error("{path}: {reason}")]
    Malformed {
        /// The trust file.
        path: PathBuf,
        /// What is wrong, with the field.
        reason: String,
    },
    /// The set was signed by (or names) a key that is not trusted.
    #[error(
        "the set {list_id} {version} names publisher key {key_id}, which is not trusted (trusted: {})",
        trusted.join(", ")
    )]
    UnknownPublisher {
        /// The list id in the record.
        list_id: String,
        /// The version in the record.
        version: String,
        /// The key id the record names.
        key_id: String,
        /// The trusted key ids.
        trusted: Vec<String>,
    },
    /// The record names a trusted key but the signature does not verify under it.
    #[error(
        "the signature of set {list_id} {version} does not verify under publisher key {key_id}"
    )]
    BadSignature {
        /// The list id in the record.
        list_id: String,
        /// The version in the record.
        version: String,
        /// The trusted key it was checked against.
        key_id: String,
    },
    /// Published later than now.
    #[error("the set claims publication at {published_at} (unix seconds), {ahead} s in the future")]
    FromTheFuture {
        /// The record's time.
        published_at: u64,
        /// How far ahead of now.
        ahead: u64,
    },
    /// Older than the trust file allows for this publisher.
    #[error(
        "the set was published {age} s ago; the trust file allows {publisher} at most {max_age} s"
    )]
    Stale {
        /// The publisher's name in the trust file.
        publisher: String,
        /// Age of the set.
        age: u64,
        /// The allowed age.
        max_age: u64,
    },
}

/// One trusted publisher key.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    /// Its name (the trust file's `name`, or the key file's path).
    pub name: String,
    /// The key.
    pub key: VerifyingKey,
    /// Its key id.
    pub key_id: String,
    /// The oldest root accepted from it, if the trust file says.
    pub max_age_seconds: Option<u64>,
}

/// The publishers a screening trusts.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    keys: Vec<TrustedKey>,
}

/// What was verified about a set: who signed which list, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSet {
    /// The trusted publisher's name.
    pub publisher: String,
    /// The publisher's key id.
    pub key_id: String,
    /// The record's list id.
    pub list_id: String,
    /// The record's version.
    pub version: String,
    /// The record's publication time, unix seconds.
    pub published_at: u64,
}

impl Trust {
    /// Trusts the keys of these public key files (no age limit).
    pub fn from_key_files(paths: &[PathBuf]) -> Result<Self, TrustError> {
        let mut keys = Vec::new();
        for p in paths {
            let key = crate::publisher::read_verifying_key(p)?;
            keys.push(TrustedKey {
                name: p.display().to_string(),
                key_id: publisher_key_id(&key),
                key,
                max_age_seconds: None,
            });
        }
        Ok(Self { keys })
    }

    /// Reads a trust file (a policy file, or `{"sanctions_publishers": [...]}`).
    pub fn from_trust_file(path: &Path) -> Result<Self, TrustError> {
        let bytes = SanctionsError::read_limited(path, MAX_TRUST_FILE_BYTES, "a trust file")?;
        Self::from_trust_json(path, &bytes)
    }

    /// Reads the JSON of a trust file; `path` names it in errors.
    pub fn from_trust_json(path: &Path, json: &[u8]) -> Result<Self, TrustError> {
        let malformed = |reason: String| TrustError::Malformed {
            path: path.to_path_buf(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| malformed(format!("not JSON: {e}")))?;
        let list = value.get("sanctions_publishers").ok_or_else(|| {
            malformed(
                "no \"sanctions_publishers\" (the policy file's list of trusted publishers)".into(),
            )
        })?;
        let publishers: Vec<TrustedPublisher> = serde_json::from_value(list.clone())
            .map_err(|e| malformed(format!("sanctions_publishers: {e}")))?;
        if publishers.is_empty() {
            return Err(malformed(
                "sanctions_publishers is empty: it trusts no one".into(),
            ));
        }
        let mut keys = Vec::new();
        for (i, p) in publishers.iter().enumerate() {
            let mut raw = [0u8; 32];
            hex::decode_to_slice(&p.public_key, &mut raw).map_err(|_| {
                malformed(format!(
                    "sanctions_publishers[{i}].public_key: expected 64 hex digits"
                ))
            })?;
            let key = VerifyingKey::from_bytes(&raw).map_err(|_| {
                malformed(format!(
                    "sanctions_publishers[{i}].public_key: not a valid Ed25519 public key"
                ))
            })?;
            keys.push(TrustedKey {
                name: p.name.clone(),
                key_id: publisher_key_id(&key),
                key,
                max_age_seconds: Some(p.max_age_seconds),
            });
        }
        Ok(Self { keys })
    }

    /// These publishers and `other`'s.
    pub fn with(mut self, other: Trust) -> Self {
        self.keys.extend(other.keys);
        self
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }

    /// Checks `set` (see the module docs) at time `now` (unix seconds).
    pub fn verify(&self, set: &SanctionsSet, now: u64) -> Result<VerifiedSet, TrustError> {
        let rec = &set.signed_root().record;
        let trusted = self
            .keys
            .iter()
            .find(|k| k.key_id == rec.publisher_key_id)
            .ok_or_else(|| TrustError::UnknownPublisher {
                list_id: rec.list_id.clone(),
                version: rec.version.clone(),
                key_id: rec.publisher_key_id.clone(),
                trusted: self.keys.iter().map(|k| k.key_id.clone()).collect(),
            })?;
        match set.signed_root().verify(&trusted.key) {
            Ok(()) => {}
            Err(_) => {
                return Err(TrustError::BadSignature {
                    list_id: rec.list_id.clone(),
                    version: rec.version.clone(),
                    key_id: trusted.key_id.clone(),
                });
            }
        }
        if rec.published_at > now.saturating_add(CLOCK_SKEW_SECONDS) {
            return Err(TrustError::FromTheFuture {
                published_at: rec.published_at,
                ahead: rec.published_at - now,
            });
        }
        if let Some(max_age) = trusted.max_age_seconds {
            let age = now.saturating_sub(rec.published_at);
            if age > max_age {
                return Err(TrustError::Stale {
                    publisher: trusted.name.clone(),
                    age,
                    max_age,
                });
            }
        }
        Ok(VerifiedSet {
            publisher: trusted.name.clone(),
            key_id: trusted.key_id.clone(),
            list_id: rec.list_id.clone(),
            version: rec.version.clone(),
            published_at: rec.published_at,
        })
    }
}
