//! The signed root record of a sanctions set (list id, version, root, counts,
//! publication time, publisher key id, Ed25519 signature).
//!
//! A list publisher builds a sanctions set (see `zktr_sanctions`), and signs a
//! [`SanctionsRootRecord`] naming its root. A `not_sanctioned` proof is accepted only
//! against a root that a trusted publisher signed.
//!
//! # Signing bytes
//!
//! The signature covers [`SanctionsRootRecord::signing_bytes`], a canonical binary
//! encoding that does not depend on JSON formatting:
//!
//! ```text
//! "zktr.sanctions-root.v2" || 0x00
//! u32be(len) || list_id (UTF-8)
//! u32be(len) || version (UTF-8)
//! root       (32 bytes, big-endian canonical integer)
//! u64be(key_count) || u64be(party_count) || u64be(published_at)
//! u32be(len) || publisher_key_id (UTF-8)
//! ```
//!
//! The domain prefix keeps a sanctions-root signature from ever being valid for another
//! zktr message signed with the same key; the length prefixes keep field boundaries
//! unambiguous. Its version is the sanctions tree's shape: `v2` signs a root of the 4-ary
//! tree (`zktr_circuits::trees::sanctions`, tree version 2). A record signed under `v1`
//! named a root of the binary tree of `not_sanctioned/v1`; it never verifies here, and
//! [`SignedSanctionsRoot::verify`] says so by name ([`SanctionsRootError::TreeVersion1`])
//! so the publisher knows to rebuild and re-sign rather than suspect a forgery.
//!
//! # JSON
//!
//! Records serialize with serde; the root is `0x` + 64 hex digits (as circom tools print
//! field elements) and the signature is 128 hex digits.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zktr_circuits::field::fr_to_be_bytes;
use zktr_circuits::trees::sanctions::SanctionsRoot;

use crate::domain::RETIRED_SANCTIONS_ROOT_V1;
/// Domain prefix of the signing bytes of a sanctions root record.
pub use crate::domain::SANCTIONS_ROOT as SANCTIONS_ROOT_DOMAIN;

/// Prefix of a publisher key id.
pub const PUBLISHER_KEY_ID_PREFIX: &str = "ed25519:";

/// The longest JSON form [`SignedSanctionsRoot::from_json`] reads (a real one is under
/// 1 KiB; the bound keeps a hostile file from costing memory).
pub const MAX_SANCTIONS_ROOT_JSON_BYTES: usize = 64 << 10;

/// Why a signed sanctions root is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SanctionsRootError {
    /// The record names another publisher key than the one it is checked against.
    #[error("the record names publisher key {in_record}, but the given key is {given}")]
    PublisherMismatch {
        /// The key id in the record.
        in_record: String,
        /// The key id of the key it was checked against.
        given: String,
    },
    /// The Ed25519 signature does not verify.
    #[error("the publisher's signature over the sanctions root record does not verify")]
    BadSignature,
    /// The signature is the publisher's, but over a root of the binary sanctions tree of
    /// `not_sanctioned/v1`, which this build no longer proves or verifies against.
    #[error(
        "the record was signed for a version-1 (binary) sanctions tree; this build uses the \
         4-ary tree of version 2: rebuild the set with this build and have the publisher sign \
         its root again"
    )]
    TreeVersion1,
    /// A signed root in JSON could not be read.
    #[error("malformed signed sanctions root JSON")]
    Json(#[source] serde_json::Error),
    /// The JSON form is longer than [`MAX_SANCTIONS_ROOT_JSON_BYTES`].
    #[error(
        "signed sanctions root JSON is {len} bytes, more than the {MAX_SANCTIONS_ROOT_JSON_BYTES} limit"
    )]
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
}

/// What a list publisher signs about a sanctions set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionsRootRecord {
    /// Which list(s) the set was built from, e.g. `ofac-sdn` or `ofac-sdn+un`.
    pub list_id: String,
    /// The version of the list, e.g. its publication date `2025-11-19`.
    pub version: String,
    /// The root of the set's indexed Merkle tree.
    #[serde(with = "root_hex")]
    pub root: SanctionsRoot,
    /// Number of distinct keys in the tree.
    pub key_count: u64,
    /// Number of listed parties the keys came from.
    pub party_count: u64,
    /// When the publisher signed, in unix seconds.
    pub published_at: u64,
    /// The publisher's key id, see [`publisher_key_id`].
    pub publisher_key_id: String,
}

impl SanctionsRootRecord {
    /// The canonical, domain-separated bytes that the publisher signs (see module docs).
    pub fn signing_bytes(&self) -> Vec<u8> {
        self.signing_bytes_under(SANCTIONS_ROOT_DOMAIN)
    }

    fn signing_bytes_under(&self, domain: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            domain.len()
                + 1
                + 12
                + self.list_id.len()
                + self.version.len()
                + self.publisher_key_id.len()
                + 32
                + 24,
        );
        out.extend_from_slice(domain);
        out.push(0);
        put_str(&mut out, &self.list_id);
        put_str(&mut out, &self.version);
        out.extend_from_slice(&fr_to_be_bytes(&self.root.0));
        out.extend_from_slice(&self.key_count.to_be_bytes());
        out.extend_from_slice(&self.party_count.to_be_bytes());
        out.extend_from_slice(&self.published_at.to_be_bytes());
        put_str(&mut out, &self.publisher_key_id);
        out
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Strings longer than 4 GiB cannot be produced by any reader; saturate rather than
    // wrap so the encoding stays injective for every realistic input.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A sanctions root record with the publisher's Ed25519 signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedSanctionsRoot {
    /// The signed record.
    pub record: SanctionsRootRecord,
    /// Ed25519 signature over [`SanctionsRootRecord::signing_bytes`].
    #[serde(with = "crate::encoding::serde_hex::bytes")]
    pub signature: [u8; 64],
}

impl SignedSanctionsRoot {
    /// Signs `record` with the publisher's key. The record's `publisher_key_id` should be
    /// [`publisher_key_id`] of this key, or [`verify`](Self::verify) will refuse it.
    pub fn sign(record: SanctionsRootRecord, key: &SigningKey) -> Self {
        let signature = key.sign(&record.signing_bytes()).to_bytes();
        Self { record, signature }
    }

    /// Checks that the record names `publisher` and that the signature verifies
    /// (strict Ed25519: no malleable or small-order forms).
    pub fn verify(&self, publisher: &VerifyingKey) -> Result<(), SanctionsRootError> {
        let given = publisher_key_id(publisher);
        if self.record.publisher_key_id != given {
            return Err(SanctionsRootError::PublisherMismatch {
                in_record: self.record.publisher_key_id.clone(),
                given,
            });
        }
        let sig = Signature::from_bytes(&self.signature);
        if publisher
            .verify_strict(&self.record.signing_bytes(), &sig)
            .is_ok()
        {
            return Ok(());
        }
        let v1 = self.record.signing_bytes_under(RETIRED_SANCTIONS_ROOT_V1);
        if publisher.verify_strict(&v1, &sig).is_ok() {
            return Err(SanctionsRootError::TreeVersion1);
        }
        Err(SanctionsRootError::BadSignature)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, integers and hex cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form.
    pub fn from_json(json: &str) -> Result<Self, SanctionsRootError> {
        if json.len() > MAX_SANCTIONS_ROOT_JSON_BYTES {
            return Err(SanctionsRootError::TooLarge { len: json.len() });
        }
        serde_json::from_str(json).map_err(SanctionsRootError::Json)
    }
}

/// The id of a publisher key: `ed25519:` + the first 16 bytes of SHA-256 of the 32-byte
/// public key, in lower-case hex.
pub fn publisher_key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut s = String::from(PUBLISHER_KEY_ID_PREFIX);
    s.push_str(&hex::encode(&digest[..16]));
    s
}

mod root_hex {
    use super::SanctionsRoot;
    use crate::encoding::{bytes_from_hex, fr_to_hex};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use zktr_circuits::field::fr_from_be_bytes;

    pub fn serialize<S: Serializer>(root: &SanctionsRoot, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fr_to_hex(&root.0))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SanctionsRoot, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || D::Error::custom("root must be 0x + 64 hex digits");
        let digits = s.strip_prefix("0x").ok_or_else(bad)?;
        let bytes: [u8; 32] = bytes_from_hex("root", digits).map_err(|_| bad())?;
        let fr = fr_from_be_bytes(&bytes).map_err(D::Error::custom)?;
        Ok(SanctionsRoot(fr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zktr_circuits::field::fr_from_u64;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn record(k: &SigningKey) -> SanctionsRootRecord {
        SanctionsRootRecord {
            list_id: "ofac-sdn".into(),
            version: "2025-11-19".into(),
            root: SanctionsRoot(fr_from_u64(123_456_789)),
            key_count: 40_000,
            party_count: 18_000,
            published_at: 1_763_510_400,
            publisher_key_id: publisher_key_id(&k.verifying_key()),
        }
    }

    #[test]
    fn sign_verify_json_round_trip() {
        let k = key(7);
        let signed = SignedSanctionsRoot::sign(record(&k), &k);
        signed.verify(&k.verifying_key()).unwrap();
        let json = signed.to_json();
        assert!(json.contains("\"root\": \"0x"));
        let back = SignedSanctionsRoot::from_json(&json).unwrap();
        assert_eq!(back, signed);
        back.verify(&k.verifying_key()).unwrap();
    }

    /// A record the publisher signed under the retired v1 domain (a root of the binary
    /// tree) is refused by name; a v1 signature by another key is just a bad signature.
    #[test]
    fn a_version_1_root_is_refused_by_name() {
        let k = key(7);
        let r = record(&k);
        let v1 = k
            .sign(&r.signing_bytes_under(RETIRED_SANCTIONS_ROOT_V1))
            .to_bytes();
        let signed = SignedSanctionsRoot {
            record: r.clone(),
            signature: v1,
        };
        let err = signed.verify(&k.verifying_key()).unwrap_err();
        assert!(matches!(err, SanctionsRootError::TreeVersion1), "{err}");
        assert!(err.to_string().contains("version-1"));
        let mut other = signed.clone();
        other.signature = key(8)
            .sign(&r.signing_bytes_under(RETIRED_SANCTIONS_ROOT_V1))
            .to_bytes();
        assert!(matches!(
            other.verify(&k.verifying_key()),
            Err(SanctionsRootError::BadSignature)
        ));
    }

    #[test]
    fn every_field_is_covered() {
        let k = key(7);
        let signed = SignedSanctionsRoot::sign(record(&k), &k);
        let mut variants = Vec::new();
        let mut r = signed.clone();
        r.record.list_id.push('x');
        variants.push(r);
        let mut r = signed.clone();
        r.record.version = "2025-11-20".into();
        variants.push(r);
        let mut r = signed.clone();
        r.record.root = SanctionsRoot(fr_from_u64(1));
        variants.push(r);
        let mut r = signed.clone();
        r.record.key_count += 1;
        variants.push(r);
        let mut r = signed.clone();
        r.record.party_count -= 1;
        variants.push(r);
        let mut r = signed.clone();
        r.record.published_at += 1;
        variants.push(r);
        let mut r = signed.clone();
        r.signature[10] ^= 1;
        variants.push(r);
        for v in variants {
            assert!(matches!(
                v.verify(&k.verifying_key()),
                Err(SanctionsRootError::BadSignature)
            ));
        }
    }

    #[test]
    fn wrong_publisher_is_refused() {
        let k = key(7);
        let other = key(8);
        let signed = SignedSanctionsRoot::sign(record(&k), &k);
        assert!(matches!(
            signed.verify(&other.verifying_key()),
            Err(SanctionsRootError::PublisherMismatch { .. })
        ));
        // A record claiming the other key's id but signed by k.
        let mut rec = record(&k);
        rec.publisher_key_id = publisher_key_id(&other.verifying_key());
        let forged = SignedSanctionsRoot::sign(rec, &k);
        assert!(matches!(
            forged.verify(&other.verifying_key()),
            Err(SanctionsRootError::BadSignature)
        ));
    }

    #[test]
    fn malformed_json_is_a_typed_error() {
        for bad in [
            "",
            "{}",
            r#"{"record":{"list_id":"a","version":"b","root":"0x12","key_count":1,"party_count":1,"published_at":1,"publisher_key_id":"x"},"signature":"00"}"#,
        ] {
            assert!(matches!(
                SignedSanctionsRoot::from_json(bad),
                Err(SanctionsRootError::Json(_))
            ));
        }
        let huge = format!(
            "{{\"pad\":\"{}\"}}",
            "x".repeat(MAX_SANCTIONS_ROOT_JSON_BYTES)
        );
        assert!(matches!(
            SignedSanctionsRoot::from_json(&huge),
            Err(SanctionsRootError::TooLarge { .. })
        ));
    }

    #[test]
    fn key_id_shape() {
        let id = publisher_key_id(&key(1).verifying_key());
        assert!(id.starts_with(PUBLISHER_KEY_ID_PREFIX));
        assert_eq!(id.len(), PUBLISHER_KEY_ID_PREFIX.len() + 32);
        assert_ne!(id, publisher_key_id(&key(2).verifying_key()));
    }
}
