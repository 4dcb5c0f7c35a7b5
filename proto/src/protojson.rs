//! Protobuf-JSON (the proto3 JSON mapping) for every message zktr compiles from
//! `proto/`, with `google.protobuf.Any` expanded as `{"@type": ..., fields...}`.
//!
//! The mapping is done by prost-reflect over the descriptor set that `build.rs` writes, so
//! it follows the proto files exactly: it reads proto field names (`name_identifiers`)
//! and JSON names (`nameIdentifier`), enum names and numbers, and 64-bit integers as
//! strings or numbers. It writes proto field names, enum names and every field, as Go's
//! `protojson` with `UseProtoNames` and `EmitUnpopulated` does (TRISA's fixtures).

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use std::sync::OnceLock;

static DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/zktr_descriptors.bin"));

/// Why a protobuf-JSON value could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoJsonError {
    /// The embedded descriptor set is broken (a build problem, not an input problem).
    #[error("embedded protobuf descriptors: {0}")]
    Descriptors(String),
    /// The message name is not in the descriptor set.
    #[error("unknown protobuf message {0}")]
    UnknownMessage(String),
    /// The JSON is not a valid protobuf-JSON value of the message.
    #[error("not a valid protobuf-JSON {message}: {reason}")]
    Invalid {
        /// The message's full name.
        message: String,
        /// What is wrong, as the JSON reader reports it.
        reason: String,
    },
    /// The message could not be decoded from or encoded to protobuf.
    #[error("protobuf {message}: {reason}")]
    Protobuf {
        /// The message's full name.
        message: String,
        /// What is wrong.
        reason: String,
    },
}

/// The descriptor pool of zktr's protos (decoded once).
pub fn pool() -> Result<&'static DescriptorPool, ProtoJsonError> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(DESCRIPTORS).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| ProtoJsonError::Descriptors(e.clone()))
}

fn descriptor(full_name: &str) -> Result<prost_reflect::MessageDescriptor, ProtoJsonError> {
    pool()?
        .get_message_by_name(full_name)
        .ok_or_else(|| ProtoJsonError::UnknownMessage(full_name.to_string()))
}

/// Writes `msg` (whose protobuf type is `full_name`) as protobuf-JSON.
pub fn to_value<M: Message>(msg: &M, full_name: &str) -> Result<serde_json::Value, ProtoJsonError> {
    let desc = descriptor(full_name)?;
    let dynamic = DynamicMessage::decode(desc, msg.encode_to_vec().as_slice()).map_err(|e| {
        ProtoJsonError::Protobuf {
            message: full_name.to_string(),
            reason: e.to_string(),
        }
    })?;
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false);
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| ProtoJsonError::Invalid {
            message: full_name.to_string(),
            reason: e.to_string(),
        })
}

/// Reads a protobuf-JSON text as message `full_name`.
pub fn from_str<M: Message + Default>(json: &str, full_name: &str) -> Result<M, ProtoJsonError> {
    let desc = descriptor(full_name)?;
    let mut de = serde_json::Deserializer::from_str(json);
    let invalid = |e: serde_json::Error| ProtoJsonError::Invalid {
        message: full_name.to_string(),
        reason: e.to_string(),
    };
    let dynamic = DynamicMessage::deserialize(desc, &mut de).map_err(invalid)?;
    de.end().map_err(invalid)?;
    M::decode(dynamic.encode_to_vec().as_slice()).map_err(|e| ProtoJsonError::Protobuf {
        message: full_name.to_string(),
        reason: e.to_string(),
    })
}
