//! The ProofBundle: everything a counterparty or regulator needs to check the claims of
//! one transfer without decrypting anything.
//!
//! * `commitment`: the transfer commitment `C` every claim is bound to;
//! * `jurisdiction`: whose Travel Rule threshold the `threshold` claim uses (a key of the
//!   verifier's policy, e.g. `FATF`, `US`, `EU`);
//! * `claims`: per claim its circuit (kind and version), public inputs, the 128-byte
//!   compressed Groth16 proof and the id of the verifying key it was made for;
//! * `tree_head`: the sender log's signed tree head whose root the `committed` claim uses;
//! * `sanctions_root`: the publisher-signed sanctions root the `not_sanctioned` claims use
//!   (the first list's, when a policy requires several);
//! * `more_sanctions_roots` (version 3): the roots of the further lists, one per list;
//!   each party has one `not_sanctioned` claim (or clearance) per root;
//! * `clearances`: compliance officers' signed clearances of name hits, each standing in
//!   for one party's `not_sanctioned` claim ([`crate::clearance`]); usually none;
//! * `price_quote` (version 2): the price publisher's signed quote that the
//!   `threshold/v2` claim's fiat value follows from ([`crate::SignedPriceQuote`]).
//!
//! # Versions
//!
//! Version 1 has no price quote (its threshold claim is `threshold/v1`, the fiat value on
//! the prover's word) and one sanctions root. Version 2 carries a quote and one root.
//! Version 3 carries more than one sanctions root (`more_sanctions_roots`, at most
//! [`MAX_SANCTIONS_ROOTS`] in all), with or without a quote. This build reads all three and
//! writes the lowest that holds the bundle ([`ProofBundle::version_for`]), so a bundle
//! screened against one list is byte-for-byte what it was before; a version that
//! disagrees with the contents (a quote in version 1, none in version 2, further roots in
//! version 1 or 2, none in version 3) is refused as malformed. An older build refuses a
//! newer bundle by its version instead of dropping what it cannot read.
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
pub const BUNDLE_VERSION: u32 = 3;

/// The bundle format versions this build reads.
pub const BUNDLE_VERSIONS: [u32; 3] = [1, 2, 3];

/// Most sanctions roots (lists) one bundle carries; a policy requiring more lists than
/// this cannot be met, and a bundle with more is refused as malformed.
pub const MAX_SANCTIONS_ROOTS: usize = 8;

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
    #[error("bundle version {0} is not supported (this build reads 1, 2 and 3)")]
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
    /// 1, 2 when the bundle carries a price quote, 3 when it carries several sanctions
    /// roots ([`ProofBundle::version_for`]).
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
    /// The signed sanctions root (the `not_sanctioned` claims' `sanctions_root`); the
    /// first list's when there are several.
    pub sanctions_root: SignedSanctionsRoot,
    /// The further lists' signed roots (version 3), one per list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_sanctions_roots: Vec<SignedSanctionsRoot>,
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

    /// The version a bundle with (or without) a price quote and with `sanctions_roots`
    /// roots in all is written as: the lowest that holds it.
    pub fn version_for(price_quote: Option<&SignedPriceQuote>, sanctions_roots: usize) -> u32 {
        if sanctions_roots > 1 {
            3
        } else if price_quote.is_some() {
            2
        } else {
            1
        }
    }

    /// Every signed sanctions root, the first list's first.
    pub fn sanctions_roots(&self) -> impl Iterator<Item = &SignedSanctionsRoot> {
        core::iter::once(&self.sanctions_root).chain(&self.more_sanctions_roots)
    }

    /// Checks that the version is one this build reads and agrees with the contents
    /// (a quote exactly in version 2, or optionally in 3; further roots exactly in 3).
    pub fn check_version(&self) -> Result<(), BundleDecodeError> {
        if !BUNDLE_VERSIONS.contains(&self.version) {
            return Err(BundleDecodeError::Version(self.version));
        }
        let roots = 1 + self.more_sanctions_roots.len();
        if roots > MAX_SANCTIONS_ROOTS {
            return Err(BundleDecodeError::Field {
                field: "more_sanctions_roots".into(),
                reason: format!("{roots} sanctions roots, at most {MAX_SANCTIONS_ROOTS} are read"),
            });
        }
        let expected = Self::version_for(self.price_quote.as_ref(), roots);
        if self.version == expected {
            return Ok(());
        }
        if expected == 3 || self.version == 3 {
            return Err(BundleDecodeError::Field {
                field: "more_sanctions_roots".into(),
                reason: format!(
                    "a version-{} bundle {} more than one sanctions root",
                    self.version,
                    if roots > 1 {
                        "cannot carry"
                    } else {
                        "must carry"
                    }
                ),
            });
        }
        Err(BundleDecodeError::Field {
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
        })
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
        CircuitId::parse(&s).ok_or_else(|| D::Error::custom(CircuitId::unknown_reason(&s)))
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
