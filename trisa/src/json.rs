//! Protobuf-JSON of envelopes and payloads (bytes as base64, `Any` expanded with
//! `@type`), as TRISA's tools read and write them.

use crate::pb::api::{Payload, SecureEnvelope};
use zktr_proto::protojson::{self, ProtoJsonError};

/// Full protobuf name of `SecureEnvelope`.
pub const SECURE_ENVELOPE: &str = "trisa.api.v1beta1.SecureEnvelope";
/// Full protobuf name of `Payload`.
pub const PAYLOAD: &str = "trisa.api.v1beta1.Payload";

/// Reads an envelope from protobuf-JSON.
pub fn envelope_from_json(json: &str) -> Result<SecureEnvelope, ProtoJsonError> {
    protojson::from_str(json, SECURE_ENVELOPE)
}

/// Writes an envelope as protobuf-JSON.
pub fn envelope_to_json(env: &SecureEnvelope) -> Result<serde_json::Value, ProtoJsonError> {
    protojson::to_value(env, SECURE_ENVELOPE)
}

/// Reads a payload from protobuf-JSON.
pub fn payload_from_json(json: &str) -> Result<Payload, ProtoJsonError> {
    protojson::from_str(json, PAYLOAD)
}

/// Writes a payload as protobuf-JSON (identity and transaction expanded with `@type`).
pub fn payload_to_json(payload: &Payload) -> Result<serde_json::Value, ProtoJsonError> {
    protojson::to_value(payload, PAYLOAD)
}
