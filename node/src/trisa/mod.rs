//! TRISA v1beta1, wire-compatible: `SecureEnvelope`, `Payload`, `Error` (TRISA's error
//! codes), `TransferState`, and the generic `Transaction` and `Pending` payloads
//! ([`pb`]); sealing and opening envelopes exactly as TRISA does ([`envelope`],
//! [`crypto`], [`keys`]), plus X25519/HPKE sealing for peers that advertise it; and the
//! protobuf-JSON forms of envelopes and payloads ([`json`]).

pub mod crypto;
pub mod envelope;
pub mod json;
pub mod keys;
pub mod payload;
pub mod pb;

pub use envelope::{OpenError, SealError, SealOptions, Step, open, open_bytes, seal};
pub use keys::{KeyError, PublicSealingKey, SealingKey};
pub use payload::{PayloadError, TransactionPayload};
pub use pb::api::{Payload, SecureEnvelope, TransferState, error::Code as ErrorCode};
pub use pb::generic::{Pending, Transaction};
