//! # zktr-trisa
//!
//! TRISA v1beta1, wire-compatible: `SecureEnvelope`, `Payload`, `Error` (TRISA's error
//! codes), `TransferState`, and the generic `Transaction` and `Pending` payloads
//! ([`pb`]); sealing and opening envelopes exactly as TRISA does (`envelope`,
//! [`crypto`], `keys`), plus X25519/HPKE sealing for peers that advertise it; and the
//! protobuf-JSON forms of envelopes and payloads ([`json`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crypto;
mod envelope;
pub mod json;
mod keys;
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
pub use keys::{HpkeKem, KeyError, PublicSealingKey, SealingKey, pem_blocks};
pub use payload::{PayloadError, TransactionPayload};
pub use pb::api::{Payload, SecureEnvelope, TransferState, error::Code as ErrorCode};
pub use pb::generic::{Pending, Transaction};

/// Every error of this crate, for callers that map them in one place (a service's
/// handler, the CLI). The module errors stay available for callers that match finely;
/// a received envelope's TRISA rejection is [`rules::Rejection`], a reply, not an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An envelope could not be sealed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// An envelope could not be opened (the failing step named).
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A sealing key is malformed or of an unsupported kind.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A payload holds no usable identity or transaction.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// A cipher or HMAC operation failed.
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
}
