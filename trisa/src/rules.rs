//! TRISA's rules for a received envelope, as a TRISA node applies them before any
//! business decision (`../shared/TRISA-WIRE.md` 3.3): ValidateMessage, opening in TRISA's
//! order with each failure's error code and retry flag, ValidatePayload, and the identity
//! read as IVMS101. Pure functions: the node's services call them, and the fuzzer feeds
//! them arbitrary envelopes (`fuzz/fuzz_targets/envelope_rules.rs`).

use crate::envelope::OpenError;
use crate::keys::SealingKey;
use crate::payload::TransactionPayload;
use crate::pb::api::{Payload, SecureEnvelope, error::Code as ErrorCode};

fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A rejection: TRISA's error code, message and retry flag (an error envelope's
/// content). Messages name fields, paths and rules, never personal values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// TRISA's error code.
    pub code: ErrorCode,
    /// What is wrong.
    pub message: String,
    /// Whether the sender may fix and resend (REPAIR) rather than give up (REJECTED).
    pub retry: bool,
}

/// A [`Rejection`].
pub fn reject(code: ErrorCode, message: impl Into<String>, retry: bool) -> Rejection {
    Rejection {
        code,
        message: message.into(),
        retry,
    }
}

/// TRISA's ValidateMessage: a UUID id, an RFC 3339 timestamp, and either a payload with
/// every crypto field or a known error with a message. Failures are `BAD_REQUEST`.
pub fn validate_message(env: &SecureEnvelope) -> Result<(), Rejection> {
    let bad = |m: &str| reject(ErrorCode::BadRequest, m, false);
    uuid::Uuid::parse_str(&env.id).map_err(|_| bad("the envelope id is not a UUID"))?;
    if env.timestamp.is_empty() || parse_time(&env.timestamp).is_none() {
        return Err(bad("the envelope timestamp is missing or not RFC 3339"));
    }
    if env.payload.is_empty() {
        let Some(e) = &env.error else {
            return Err(bad("the envelope has neither a payload nor an error"));
        };
        if e.code == 0 || e.message.is_empty() || ErrorCode::try_from(e.code).is_err() {
            return Err(bad("the envelope's error needs a known code and a message"));
        }
        return Ok(());
    }
    if env.encryption_key.is_empty()
        || env.encryption_algorithm.is_empty()
        || env.hmac.is_empty()
        || env.hmac_secret.is_empty()
        || env.hmac_algorithm.is_empty()
    {
        return Err(bad(
            "a payload needs encryption_key, encryption_algorithm, hmac, hmac_secret and hmac_algorithm",
        ));
    }
    Ok(())
}

/// The TRISA error for an envelope that did not open (TRISA's codes per step: algorithms
/// `UNHANDLED_ALGORITHM`, keys `INVALID_KEY` (retry), HMAC `INVALID_SIGNATURE` (retry),
/// decoding `ENVELOPE_DECODE_FAIL`).
pub fn open_rejection(e: &OpenError) -> Rejection {
    match e {
        OpenError::UnsupportedAlgorithm { .. } => {
            reject(ErrorCode::UnhandledAlgorithm, e.to_string(), false)
        }
        OpenError::WrongKey { .. } => {
            reject(ErrorCode::InvalidKey, "unknown public key signature", true)
        }
        OpenError::Unseal { .. } | OpenError::Decrypt(_) => {
            reject(ErrorCode::InvalidKey, e.to_string(), true)
        }
        OpenError::Hmac(_) => reject(ErrorCode::InvalidSignature, e.to_string(), true),
        OpenError::Decode(_) => reject(ErrorCode::EnvelopeDecodeFail, e.to_string(), false),
        OpenError::ErrorEnvelope { .. } | OpenError::NoPayload | OpenError::KeyRequired => {
            reject(ErrorCode::BadRequest, e.to_string(), false)
        }
    }
}

/// What a valid payload holds.
#[derive(Debug, Clone)]
pub struct CheckedPayload {
    /// The payload.
    pub payload: Payload,
    /// Its transaction (or Pending).
    pub transaction: TransactionPayload,
    /// IVMS101 constraint violations (paths and rules, never values).
    pub violations: Vec<String>,
}

/// TRISA's ValidatePayload; then the identity must decode as IVMS101 and name an
/// originator and a beneficiary person. Violations of IVMS101's other constraints are
/// collected, not refused here: TRISA's own reference payloads break several (country
/// codes, LEI check digits), so a node that bounced them would not interoperate; the
/// decision step holds such a transfer for review (or refuses it, if so configured).
pub fn validate_payload(payload: Payload) -> Result<CheckedPayload, Rejection> {
    if payload.identity.is_none() || payload.transaction.is_none() {
        return Err(reject(
            ErrorCode::ValidationError,
            "the payload needs an identity and a transaction",
            true,
        ));
    }
    if parse_time(&payload.sent_at).is_none() {
        return Err(reject(
            ErrorCode::ValidationError,
            "the payload's sent_at is missing or not RFC 3339",
            true,
        ));
    }
    if !payload.received_at.is_empty() && parse_time(&payload.received_at).is_none() {
        return Err(reject(
            ErrorCode::ValidationError,
            "the payload's received_at is not RFC 3339",
            true,
        ));
    }
    let identity = crate::payload::identity(&payload)
        .map_err(|e| reject(ErrorCode::UnparseableIdentity, e.to_string(), true))?;
    let transaction = crate::payload::transaction(&payload)
        .map_err(|e| reject(ErrorCode::UnparseableTransaction, e.to_string(), true))?;
    let has_persons = identity
        .originator
        .as_ref()
        .is_some_and(|o| !o.persons.is_empty())
        && identity
            .beneficiary
            .as_ref()
            .is_some_and(|b| !b.persons.is_empty());
    if !has_persons {
        return Err(reject(
            ErrorCode::IncompleteIdentity,
            "the identity needs at least one originator person and one beneficiary person",
            true,
        ));
    }
    // Violation messages name paths and rules, never personal values.
    let violations =
        zktr_ivms101::validate_identity(&identity, zktr_ivms101::validate::today_utc())
            .iter()
            .map(|v| v.to_string())
            .collect();
    Ok(CheckedPayload {
        payload,
        transaction,
        violations,
    })
}

/// Opens an envelope with `key` and checks its payload: every TRISA failure as the
/// [`Rejection`] to answer with.
pub fn open_checked(env: &SecureEnvelope, key: &SealingKey) -> Result<CheckedPayload, Rejection> {
    let payload = crate::envelope::open(env, Some(key)).map_err(|e| open_rejection(&e))?;
    validate_payload(payload)
}
