//! The ProofBundle: everything a counterparty or regulator needs to check the claims of
//! one transfer without decrypting anything.
//!
//! * `commitment`: the transfer commitment `C` every claim is bound to;
//! * `jurisdiction`: whose Travel Rule threshold the `threshold` claim uses (a key of the
//!   verifier's policy, e.g. `FATF`, `US`, `EU`);
//! * `claims`: per claim its circuit (kind and version), public inputs, the 128-byte
//!   compressed Groth16 proof and the id of the verifying key it was made for;
//! * `tree_head`: the sender log's signed tree head whose root the `committed` claim uses;
//! * `sanctions_root`: the publisher-signed sanctions root the `not_sanctioned` claims use;
//! * `clearances`: compliance officers' signed clearances of name hits, each standing in
//!   for one party's `not_sanctioned` claim ([`crate::clearance`]); usually none;
//! * `price_quote` (version 2): the price publisher's signed quote that the
//!   `threshold/v2` claim's fiat value follows from ([`crate::SignedPriceQuote`]).
//!
//! # Versions
//!
//! Version 1 has no price quote (its threshold claim is `threshold/v1`, the fiat value on
//! the prover's word). Version 2 carries one. This build reads both and writes 2 exactly
//! when the bundle has a quote ([`ProofBundle::version_for`]); a version-1 bundle with a
//! quote, or a version-2 bundle without one, is refused as malformed. An older build
//! refuses a version-2 bundle by its version instead of dropping the quote it cannot read.
//!
//! Two encodings: protobuf (the wire; see `proto/proto/zktr/bundle/v1/bundle.proto` and
//! [`crate::wire`]) and JSON (for people: field elements as `0x` + 64 hex digits, proofs
//! and signatures as hex).

use crate::clearance::Clearance;
use crate::encoding::{PROOF_BYTES, serde_hex};
use crate::price_quote::SignedPriceQuote;
use crate::sanctions_root::SignedSanctionsRoot;
use crate::tree_head::SignedTreeHead;
use serde::{Deserialize, Serialize};
use zktr_circuits::Fr;
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::commitment::Commitment;

/// The newest bundle format version this build writes and reads (see "Versions").
pub const BUNDLE_VERSION: u32 = 2;

/// The bundle format versions this build reads.
pub const BUNDLE_VERSIONS: [u32; 2] = [1, 2];

/// Why a bundle cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleDecodeError {
    /// Not protobuf of the bundle's shape (truncated, or not a bundle at all).
    #[error("truncated or malformed protobuf bundle")]
    Protobuf(#[source] prost::DecodeError),
    /// Not JSON of the bundle's shape.
    #[error("malformed JSON bundle: {0}")]
    Json(String),
    /// A version this build cannot read.
    #[error("bundle version {0} is not supported (this build reads 1 and 2)")]
    Version(u32),
    /// A required field is absent.
    #[error("the bundle has no {0}")]
    Missing(&'static str),
    /// A field has a value of the wrong shape.
    #[error("bundle field {field}: {reason}")]
    Field {
        /// Which field (e.g. `claims[2].proof`).
        field: String,
        /// Why.
        reason: String,
    },
}

/// One claim's proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimProof {
    /// The circuit (claim kind and version).
    #[serde(with = "circuit_str")]
    pub circuit: CircuitId,
    /// The public inputs, in the circuit's order.
    #[serde(with = "serde_hex::fr_vec")]
    pub public_inputs: Vec<Fr>,
    /// The compressed Groth16 proof.
    #[serde(with = "serde_hex::bytes")]
    pub proof: [u8; PROOF_BYTES],
    /// The id of the verifying key the proof was made for.
    pub verifying_key_id: String,
}

/// The claims of one transfer with what they refer to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofBundle {
    /// 1, or 2 when the bundle carries a price quote ([`ProofBundle::version_for`]).
    pub version: u32,
    /// The transfer commitment `C`.
    #[serde(with = "commitment_hex")]
    pub commitment: Commitment,
    /// The jurisdiction whose threshold the `threshold` claim states.
    pub jurisdiction: String,
    /// The claims.
    pub claims: Vec<ClaimProof>,
    /// The sender log's signed tree head (the `committed` claim's `log_root`).
    pub tree_head: SignedTreeHead,
    /// The signed sanctions root (the `not_sanctioned` claims' `sanctions_root`).
    pub sanctions_root: SignedSanctionsRoot,
    /// Officers' clearances, each in place of one party's `not_sanctioned` claim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clearances: Vec<Clearance>,
    /// The signed price quote of a `threshold/v2` claim (version 2 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_quote: Option<SignedPriceQuote>,
}

impl ProofBundle {
    /// The JSON form (pretty-printed).
    pub fn to_json(&self) -> String {
        // Strings, integers and hex only: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form.
    pub fn from_json(text: &str) -> Result<Self, BundleDecodeError> {
        let b: Self =
            serde_json::from_str(text).map_err(|e| BundleDecodeError::Json(e.to_string()))?;
        b.check_version()?;
        Ok(b)
    }

    /// The version a bundle with (or without) a price quote is written as.
    pub fn version_for(price_quote: Option<&SignedPriceQuote>) -> u32 {
        if price_quote.is_some() { 2 } else { 1 }
    }

    /// Checks that the version is one this build reads and agrees with the contents
    /// (a quote exactly in version 2).
    pub fn check_version(&self) -> Result<(), BundleDecodeError> {
        if !BUNDLE_VERSIONS.contains(&self.version) {
            return Err(BundleDecodeError::Version(self.version));
        }
        if self.version != Self::version_for(self.price_quote.as_ref()) {
            return Err(BundleDecodeError::Field {
                field: "price_quote".into(),
                reason: format!(
                    "a version-{} bundle {} a price quote",
                    self.version,
                    if self.price_quote.is_some() {
                        "cannot carry"
                    } else {
                        "must carry"
                    }
                ),
            });
        }
        Ok(())
    }

    /// The claim of a circuit, if present.
    pub fn claim(&self, circuit: CircuitId) -> Option<&ClaimProof> {
        self.claims.iter().find(|c| c.circuit == circuit)
    }
}

mod circuit_str {
    use super::CircuitId;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(c: &CircuitId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CircuitId, D::Error> {
        let s = String::deserialize(d)?;
        CircuitId::parse(&s).ok_or_else(|| D::Error::custom(format!("unknown circuit {s:?}")))
    }
}

mod commitment_hex {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Commitment, s: S) -> Result<S::Ok, S::Error> {
        serde_hex::fr::serialize(&c.0, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Commitment, D::Error> {
        Ok(Commitment(serde_hex::fr::deserialize(d)?))
    }
}
