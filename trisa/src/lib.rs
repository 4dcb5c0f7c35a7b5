//! # zktr-trisa
//!
//! TRISA v1beta1, wire-compatible: `SecureEnvelope`, `Payload`, `Error` (TRISA's error
//! codes), `TransferState`, and the generic `Transaction` and `Pending` payloads
//! ([`pb`]); sealing and opening envelopes exactly as TRISA does ([`envelope`],
//! [`crypto`], [`keys`]), plus X25519/HPKE sealing for peers that advertise it; and the
//! protobuf-JSON forms of envelopes and payloads ([`json`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crypto;
pub mod envelope;
pub mod json;
pub mod keys;
pub mod payload;
pub mod rules;

/// The generated protobuf types of TRISA's v1beta1 packages (from `zktr-proto`).
pub mod pb {
    /// `trisa.api.v1beta1`: SecureEnvelope, Payload, Error, TransferState, ...
    pub use zktr_proto::trisa::api::v1beta1 as api;
    /// `trisa.data.generic.v1beta1`: Transaction, Pending.
    pub use zktr_proto::trisa::data::generic::v1beta1 as generic;
}

pub use envelope::{OpenError, SealError, SealOptions, Step, open, open_bytes, seal, seal_bytes};
pub use keys::{KeyError, PublicSealingKey, SealingKey};
pub use payload::{PayloadError, TransactionPayload};
pub use pb::api::{Payload, SecureEnvelope, TransferState, error::Code as ErrorCode};
pub use pb::generic::{Pending, Transaction};
