//! The beneficiary's receipt of an attested transfer: the beneficiary VASP countersigns
//! `(envelope id, C, the originator's signed tree head it saw, received_at)` with its
//! Ed25519 receipt key, so an independent party attests that `C` existed at
//! `received_at` (`../shared/DESIGN.md`, "Commitment log and time"). A regulator compares
//! `received_at` and the tree head's time with the block time of the txid.
//!
//! # Signing bytes
//!
//! ```text
//! "zktr.receipt.v1" || 0x00
//! u32be(len) || envelope_id (UTF-8, the UUID's hyphenated form)
//! C (32 bytes, big-endian canonical integer)
//! u32be(len) || log_id (UTF-8)
//! u64be(tree size)
//! log root (32 bytes)
//! u64be(tree head time)
//! u32be(len) || beneficiary (UTF-8, the receiving VASP's name)
//! u64be(received_at)   unix seconds
//! ```
//!
//! The tree head's own signature is not repeated: the receipt names the head by its
//! fields, and the head verifies on its own under the log's key.
//!
//! The JSON form (serde) is what a node exports and `zktr receipt verify` reads: hex for
//! `C`, the root and the signature.

use crate::encoding::serde_hex;
use crate::tree_head::SignedTreeHead;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::fr_to_be_bytes;

/// Domain prefix of a receipt's signing bytes.
pub use crate::domain::RECEIPT as RECEIPT_DOMAIN;

/// Why a receipt is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The signature does not verify under the given key.
    #[error("the receipt's signature does not verify under this key")]
    BadSignature,
    /// The receipt is for another envelope.
    #[error("the receipt is for envelope {receipt}, not {expected}")]
    OtherEnvelope {
        /// The receipt's envelope id.
        receipt: String,
        /// The envelope it should be for.
        expected: String,
    },
    /// The receipt names another commitment.
    #[error("the receipt countersigns another commitment")]
    OtherCommitment,
    /// The receipt names another tree head than the one sent.
    #[error("the receipt names another tree head (log {log_id}, size {size})")]
    OtherTreeHead {
        /// The log named.
        log_id: String,
        /// The size named.
        size: u64,
    },
    /// The JSON form does not parse.
    #[error("not a receipt: {0}")]
    Json(String),
}

/// A beneficiary's signed receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The transfer's envelope id.
    pub envelope_id: String,
    /// The transfer commitment `C`.
    #[serde(with = "commitment_hex")]
    pub commitment: Commitment,
    /// The originator's tree head the beneficiary saw (with its log signature).
    pub tree_head: SignedTreeHead,
    /// The beneficiary VASP's name (its certificate CN).
    pub beneficiary: String,
    /// When the beneficiary received and accepted the transfer, unix seconds.
    pub received_at: u64,
    /// Ed25519 signature over [`Receipt::signing_bytes`] by the beneficiary's receipt key.
    #[serde(with = "serde_hex::bytes")]
    pub signature: [u8; 64],
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

impl Receipt {
    /// The canonical bytes a beneficiary signs.
    pub fn signing_bytes(
        envelope_id: &str,
        commitment: &Commitment,
        tree_head: &SignedTreeHead,
        beneficiary: &str,
        received_at: u64,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(RECEIPT_DOMAIN.len() + 200);
        out.extend_from_slice(RECEIPT_DOMAIN);
        out.push(0);
        put_str(&mut out, envelope_id);
        out.extend_from_slice(&fr_to_be_bytes(&commitment.0));
        put_str(&mut out, &tree_head.log_id);
        out.extend_from_slice(&tree_head.size.to_be_bytes());
        out.extend_from_slice(&fr_to_be_bytes(&tree_head.root.0));
        out.extend_from_slice(&tree_head.time.to_be_bytes());
        put_str(&mut out, beneficiary);
        out.extend_from_slice(&received_at.to_be_bytes());
        out
    }

    /// Signs a receipt with the beneficiary's receipt key.
    pub fn sign(
        envelope_id: &str,
        commitment: Commitment,
        tree_head: SignedTreeHead,
        beneficiary: &str,
        received_at: u64,
        key: &SigningKey,
    ) -> Self {
        let bytes = Self::signing_bytes(
            envelope_id,
            &commitment,
            &tree_head,
            beneficiary,
            received_at,
        );
        Self {
            envelope_id: envelope_id.to_owned(),
            commitment,
            tree_head,
            beneficiary: beneficiary.to_owned(),
            received_at,
            signature: key.sign(&bytes).to_bytes(),
        }
    }

    /// Checks the signature (strict Ed25519) under the beneficiary's receipt key.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), ReceiptError> {
        let bytes = Self::signing_bytes(
            &self.envelope_id,
            &self.commitment,
            &self.tree_head,
            &self.beneficiary,
            self.received_at,
        );
        key.verify_strict(&bytes, &Signature::from_bytes(&self.signature))
            .map_err(|_| ReceiptError::BadSignature)
    }

    /// Checks the signature and that the receipt is for exactly this transfer: the
    /// envelope, the commitment and the tree head the originator sent.
    pub fn verify_for(
        &self,
        key: &VerifyingKey,
        envelope_id: &str,
        commitment: &Commitment,
        tree_head: &SignedTreeHead,
    ) -> Result<(), ReceiptError> {
        self.verify(key)?;
        if self.envelope_id != envelope_id {
            return Err(ReceiptError::OtherEnvelope {
                receipt: self.envelope_id.chars().take(64).collect(),
                expected: envelope_id.to_owned(),
            });
        }
        if &self.commitment != commitment {
            return Err(ReceiptError::OtherCommitment);
        }
        if &self.tree_head != tree_head {
            return Err(ReceiptError::OtherTreeHead {
                log_id: self.tree_head.log_id.chars().take(64).collect(),
                size: self.tree_head.size,
            });
        }
        Ok(())
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads the JSON form.
    pub fn from_json(text: &str) -> Result<Self, ReceiptError> {
        serde_json::from_str(text).map_err(|e| ReceiptError::Json(e.to_string()))
    }
}

mod commitment_hex {
    use super::*;
    use serde::{Deserializer, Serializer};
    use zktr_circuits::Fr;

    pub fn serialize<S: Serializer>(c: &Commitment, s: S) -> Result<S::Ok, S::Error> {
        serde_hex::fr::serialize(&c.0, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Commitment, D::Error> {
        let x: Fr = serde_hex::fr::deserialize(d)?;
        Ok(Commitment(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zktr_circuits::Fr;
    use zktr_circuits::trees::log::LogRoot;

    fn receipt() -> (Receipt, SigningKey) {
        let log = SigningKey::from_bytes(&[1; 32]);
        let head =
            SignedTreeHead::sign("alpha-log", 7, LogRoot(Fr::from(9u64)), 1_700_000_000, &log);
        let key = SigningKey::from_bytes(&[2; 32]);
        let r = Receipt::sign(
            "1e7bb3cc-53ff-41b8-870f-4c22110e6f04",
            Commitment(Fr::from(42u64)),
            head,
            "beta.test",
            1_700_000_005,
            &key,
        );
        (r, key)
    }

    #[test]
    fn every_field_is_signed_and_json_round_trips() {
        let (r, key) = receipt();
        let vk = key.verifying_key();
        r.verify(&vk).unwrap();
        let back = Receipt::from_json(&r.to_json()).unwrap();
        assert_eq!(back, r);
        let mut t = r.clone();
        t.envelope_id.push('x');
        assert_eq!(t.verify(&vk), Err(ReceiptError::BadSignature));
        let mut t = r.clone();
        t.commitment = Commitment(Fr::from(43u64));
        assert!(t.verify(&vk).is_err());
        let mut t = r.clone();
        t.tree_head.size += 1;
        assert!(t.verify(&vk).is_err());
        let mut t = r.clone();
        t.tree_head.time += 1;
        assert!(t.verify(&vk).is_err());
        let mut t = r.clone();
        t.beneficiary = "gamma.test".into();
        assert!(t.verify(&vk).is_err());
        let mut t = r.clone();
        t.received_at += 1;
        assert!(t.verify(&vk).is_err());
        assert!(
            r.verify(&SigningKey::from_bytes(&[3; 32]).verifying_key())
                .is_err()
        );
    }

    #[test]
    fn a_receipt_is_for_one_transfer_only() {
        let (r, key) = receipt();
        let vk = key.verifying_key();
        r.verify_for(&vk, &r.envelope_id, &r.commitment, &r.tree_head)
            .unwrap();
        assert!(matches!(
            r.verify_for(&vk, "other", &r.commitment, &r.tree_head),
            Err(ReceiptError::OtherEnvelope { .. })
        ));
        assert_eq!(
            r.verify_for(
                &vk,
                &r.envelope_id,
                &Commitment(Fr::from(1u64)),
                &r.tree_head
            ),
            Err(ReceiptError::OtherCommitment)
        );
        let mut head = r.tree_head.clone();
        head.size = 8;
        assert!(matches!(
            r.verify_for(&vk, &r.envelope_id, &r.commitment, &head),
            Err(ReceiptError::OtherTreeHead { .. })
        ));
    }
}
