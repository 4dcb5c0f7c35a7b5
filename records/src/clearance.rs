//! A compliance officer's signed clearance of a screening hit
//! (`../shared/DESIGN.md`, "Sanctions sets").
//!
//! A party whose *name* key is on the sanctions list cannot be proven `not_sanctioned`:
//! the prover refuses and the originator's node holds the transfer for review. Names
//! collide, so a hit is not a verdict. When the originator's compliance officer finds it
//! a false positive (another date of birth, another nationality...), the officer signs a
//! clearance with their own Ed25519 key, and the bundle carries it *instead of* that
//! party's `not_sanctioned` claim. Each verifier's policy decides whose clearances it
//! accepts (`clearances` in the policy file); by default none.
//!
//! A clearance binds exactly one transfer (envelope id and `C`), one party, the slot that
//! hit, and the list version it hit (list id, version, root, publisher), so it cannot be
//! reused for another transfer, another party or a newer list. Only name hits can be
//! cleared ([`ClearedSlot`]): an identifier or address on the list is a match, not a
//! collision, and no clearance is ever made or accepted for it.
//!
//! What a clearance does not give: the cleared party's other keys (national id / LEI,
//! the beneficiary's address) are not proven absent from the list; the officer's
//! signature vouches for the party as a whole. A policy that accepts clearances accepts
//! that.
//!
//! # Signing bytes
//!
//! ```text
//! "zktr.clearance.v1" || 0x00
//! u32be(len) || envelope_id       (UTF-8)
//! C                               (32 bytes, big-endian canonical integer)
//! u32be(len) || party             ("originator" | "beneficiary")
//! u32be(len) || slot              ("originator_name_key" | "beneficiary_name_key")
//! u32be(len) || list_id
//! u32be(len) || list_version
//! sanctions root                  (32 bytes)
//! u32be(len) || publisher_key_id
//! u32be(len) || vasp              (the originator VASP's name, its certificate CN)
//! u32be(len) || officer           (the officer's name or staff id, no other data)
//! u32be(len) || basis             (one of [`BASES`])
//! u64be(cleared_at)               unix seconds
//! ```

use crate::encoding::serde_hex;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zktr_circuits::Fr;
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::fr_to_be_bytes;

/// Domain prefix of a clearance's signing bytes.
pub use crate::domain::CLEARANCE as CLEARANCE_DOMAIN;

/// Prefix of an officer key id: `officer:` + the first 16 bytes of SHA-256 of the key, hex.
pub const OFFICER_KEY_ID_PREFIX: &str = "officer:";

/// Longest officer name accepted (a name or staff id, not a record).
pub const MAX_OFFICER_LEN: usize = 64;

/// Why a screening hit was found a false positive: a closed set of codes, so that no
/// free text (and no personal data) travels in a bundle.
pub const BASES: [&str; 5] = [
    "different-date-of-birth",
    "different-nationality",
    "different-identifier",
    "different-address",
    "other-documented",
];

/// The only slots a clearance may name: a party's name key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ClearedSlot {
    /// Slot 6, the originator's name key.
    #[serde(rename = "originator_name_key")]
    OriginatorName,
    /// Slot 8, the beneficiary's name key.
    #[serde(rename = "beneficiary_name_key")]
    BeneficiaryName,
}

impl ClearedSlot {
    /// The slot's name, as `zktr_circuits::commitment::Slot::name` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ClearedSlot::OriginatorName => "originator_name_key",
            ClearedSlot::BeneficiaryName => "beneficiary_name_key",
        }
    }

    /// The party whose name it is.
    pub fn party(self) -> &'static str {
        match self {
            ClearedSlot::OriginatorName => "originator",
            ClearedSlot::BeneficiaryName => "beneficiary",
        }
    }

    /// The name slot of a party (`originator` / `beneficiary`).
    pub fn of_party(party: &str) -> Option<Self> {
        match party {
            "originator" => Some(ClearedSlot::OriginatorName),
            "beneficiary" => Some(ClearedSlot::BeneficiaryName),
            _ => None,
        }
    }
}

/// Why a clearance is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClearanceError {
    /// The signature does not verify under the given key.
    #[error("the clearance's signature does not verify under the officer's key")]
    BadSignature,
    /// The key id does not name the key it was checked with.
    #[error("the clearance names officer key {named}, not {actual}")]
    OtherKey {
        /// The key id the clearance names.
        named: String,
        /// The id of the key given.
        actual: String,
    },
    /// A basis that is not one of [`BASES`].
    #[error("unknown clearance basis {0:?} (known: {known})", known = BASES.join(", "))]
    UnknownBasis(String),
    /// An officer name that is empty or too long.
    #[error("the officer's name must be 1 to {MAX_OFFICER_LEN} characters")]
    OfficerName,
    /// The JSON form does not parse.
    #[error("not a clearance: {0}")]
    Json(String),
}

/// What an officer clears: everything the signature covers but the officer's own fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningHit {
    /// The transfer's envelope id.
    pub envelope_id: String,
    /// The transfer commitment `C`.
    #[serde(with = "serde_hex::commitment")]
    pub commitment: Commitment,
    /// The slot that hit.
    pub slot: ClearedSlot,
    /// The list that hit.
    pub list_id: String,
    /// Its version.
    pub list_version: String,
    /// Its root.
    #[serde(with = "serde_hex::fr")]
    pub sanctions_root: Fr,
    /// Its publisher's key id.
    pub publisher_key_id: String,
    /// The originator VASP.
    pub vasp: String,
}

impl ScreeningHit {
    /// The JSON form (what a node shows an officer).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form.
    pub fn from_json(text: &str) -> Result<Self, ClearanceError> {
        serde_json::from_str(text).map_err(|e| ClearanceError::Json(e.to_string()))
    }
}

/// A compliance officer's signed clearance of one screening hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clearance {
    /// The transfer's envelope id.
    pub envelope_id: String,
    /// The transfer commitment `C`.
    #[serde(with = "serde_hex::commitment")]
    pub commitment: Commitment,
    /// The slot that hit (a party's name).
    pub slot: ClearedSlot,
    /// The list that hit.
    pub list_id: String,
    /// Its version.
    pub list_version: String,
    /// Its root.
    #[serde(with = "serde_hex::fr")]
    pub sanctions_root: Fr,
    /// Its publisher's key id.
    pub publisher_key_id: String,
    /// The originator VASP (its certificate CN).
    pub vasp: String,
    /// The officer (name or staff id).
    pub officer: String,
    /// Why the hit is a false positive (one of [`BASES`]).
    pub basis: String,
    /// When the officer signed, unix seconds.
    pub cleared_at: u64,
    /// [`officer_key_id`] of the officer's key.
    pub officer_key_id: String,
    /// Ed25519 signature over [`Clearance::signing_bytes`].
    #[serde(with = "serde_hex::bytes")]
    pub signature: [u8; 64],
}

/// The id of an officer's key: [`OFFICER_KEY_ID_PREFIX`] + hex of the first 16 bytes of
/// SHA-256 of the 32-byte public key.
pub fn officer_key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("{OFFICER_KEY_ID_PREFIX}{}", hex::encode(&digest[..16]))
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn check_fields(officer: &str, basis: &str) -> Result<(), ClearanceError> {
    if officer.trim().is_empty() || officer.chars().count() > MAX_OFFICER_LEN {
        return Err(ClearanceError::OfficerName);
    }
    if !BASES.contains(&basis) {
        return Err(ClearanceError::UnknownBasis(
            basis.chars().take(64).collect(),
        ));
    }
    Ok(())
}

impl Clearance {
    /// The canonical bytes an officer signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CLEARANCE_DOMAIN.len() + 400);
        out.extend_from_slice(CLEARANCE_DOMAIN);
        out.push(0);
        put_str(&mut out, &self.envelope_id);
        out.extend_from_slice(&fr_to_be_bytes(&self.commitment.0));
        put_str(&mut out, self.slot.party());
        put_str(&mut out, self.slot.as_str());
        put_str(&mut out, &self.list_id);
        put_str(&mut out, &self.list_version);
        out.extend_from_slice(&fr_to_be_bytes(&self.sanctions_root));
        put_str(&mut out, &self.publisher_key_id);
        put_str(&mut out, &self.vasp);
        put_str(&mut out, &self.officer);
        put_str(&mut out, &self.basis);
        out.extend_from_slice(&self.cleared_at.to_be_bytes());
        out
    }

    /// An officer clears `hit` on `basis` at `cleared_at` with their key.
    pub fn sign(
        hit: &ScreeningHit,
        officer: &str,
        basis: &str,
        cleared_at: u64,
        key: &SigningKey,
    ) -> Result<Self, ClearanceError> {
        check_fields(officer, basis)?;
        let mut c = Self {
            envelope_id: hit.envelope_id.clone(),
            commitment: hit.commitment,
            slot: hit.slot,
            list_id: hit.list_id.clone(),
            list_version: hit.list_version.clone(),
            sanctions_root: hit.sanctions_root,
            publisher_key_id: hit.publisher_key_id.clone(),
            vasp: hit.vasp.clone(),
            officer: officer.to_owned(),
            basis: basis.to_owned(),
            cleared_at,
            officer_key_id: officer_key_id(&key.verifying_key()),
            signature: [0; 64],
        };
        c.signature = key.sign(&c.signing_bytes()).to_bytes();
        Ok(c)
    }

    /// The hit this clearance is about.
    pub fn hit(&self) -> ScreeningHit {
        ScreeningHit {
            envelope_id: self.envelope_id.clone(),
            commitment: self.commitment,
            slot: self.slot,
            list_id: self.list_id.clone(),
            list_version: self.list_version.clone(),
            sanctions_root: self.sanctions_root,
            publisher_key_id: self.publisher_key_id.clone(),
            vasp: self.vasp.clone(),
        }
    }

    /// Checks the fields and the signature (strict Ed25519) under the officer's key.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), ClearanceError> {
        check_fields(&self.officer, &self.basis)?;
        let actual = officer_key_id(key);
        if self.officer_key_id != actual {
            return Err(ClearanceError::OtherKey {
                named: self.officer_key_id.chars().take(64).collect(),
                actual,
            });
        }
        key.verify_strict(
            &self.signing_bytes(),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| ClearanceError::BadSignature)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        // Strings, integers and hex only: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form.
    pub fn from_json(text: &str) -> Result<Self, ClearanceError> {
        serde_json::from_str(text).map_err(|e| ClearanceError::Json(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit() -> ScreeningHit {
        ScreeningHit {
            envelope_id: "7a9a6a39-1b0e-4c5e-9d3c-6c4f1e2f3a4b".into(),
            commitment: Commitment(Fr::from(42u64)),
            slot: ClearedSlot::BeneficiaryName,
            list_id: "ofac-sdn".into(),
            list_version: "2026-11-30".into(),
            sanctions_root: Fr::from(7u64),
            publisher_key_id: "ed25519:00".into(),
            vasp: "vasp-a".into(),
        }
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn a_clearance_verifies_under_its_officer_key_only() {
        let c = Clearance::sign(
            &hit(),
            "officer-17",
            "different-date-of-birth",
            100,
            &key(1),
        )
        .unwrap();
        c.verify(&key(1).verifying_key()).unwrap();
        assert!(matches!(
            c.verify(&key(2).verifying_key()),
            Err(ClearanceError::OtherKey { .. })
        ));
        let back = Clearance::from_json(&c.to_json()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.hit(), hit());
    }

    #[test]
    fn every_signed_field_is_covered() {
        let k = key(1);
        let c = Clearance::sign(&hit(), "officer-17", "different-nationality", 100, &k).unwrap();
        let tampered: Vec<Clearance> = vec![
            Clearance {
                envelope_id: "other".into(),
                ..c.clone()
            },
            Clearance {
                commitment: Commitment(Fr::from(43u64)),
                ..c.clone()
            },
            Clearance {
                slot: ClearedSlot::OriginatorName,
                ..c.clone()
            },
            Clearance {
                list_id: "other".into(),
                ..c.clone()
            },
            Clearance {
                list_version: "2026-12-01".into(),
                ..c.clone()
            },
            Clearance {
                sanctions_root: Fr::from(8u64),
                ..c.clone()
            },
            Clearance {
                publisher_key_id: "ed25519:01".into(),
                ..c.clone()
            },
            Clearance {
                vasp: "vasp-b".into(),
                ..c.clone()
            },
            Clearance {
                officer: "officer-18".into(),
                ..c.clone()
            },
            Clearance {
                basis: "different-identifier".into(),
                ..c.clone()
            },
            Clearance {
                cleared_at: 101,
                ..c.clone()
            },
        ];
        for t in tampered {
            assert_eq!(
                t.verify(&k.verifying_key()),
                Err(ClearanceError::BadSignature),
                "{t:?}"
            );
        }
    }

    #[test]
    fn free_text_and_long_names_are_refused() {
        let k = key(1);
        assert!(matches!(
            Clearance::sign(&hit(), "officer", "looked fine to me", 1, &k),
            Err(ClearanceError::UnknownBasis(_))
        ));
        assert_eq!(
            Clearance::sign(&hit(), &"x".repeat(65), "other-documented", 1, &k),
            Err(ClearanceError::OfficerName)
        );
        assert_eq!(
            Clearance::sign(&hit(), " ", "other-documented", 1, &k),
            Err(ClearanceError::OfficerName)
        );
    }

    #[test]
    fn only_name_slots_parse() {
        assert!(serde_json::from_str::<ClearedSlot>("\"beneficiary_address\"").is_err());
        assert_eq!(
            serde_json::from_str::<ClearedSlot>("\"originator_name_key\"").unwrap(),
            ClearedSlot::OriginatorName
        );
    }
}
