//! The contents of a TRISA `Payload`: the IVMS101 identity and the generic transaction
//! (or a `Pending` reply), packed in `google.protobuf.Any`.

use crate::pb::api::Payload;
use crate::pb::generic::{Pending, Transaction};
use prost::Message;
use zktr_ivms101::{ConvertError, IdentityPayload, ProtoMapped};

/// `Any` type URL prefix TRISA uses.
pub const TYPE_URL_PREFIX: &str = "type.googleapis.com/";

/// Why a payload's contents could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The payload has no identity / transaction.
    #[error("the payload has no {0}")]
    Missing(&'static str),
    /// An `Any` holds a type zktr does not read here.
    #[error("the payload's {what} has unexpected type {type_url:?}")]
    UnexpectedType {
        /// identity or transaction.
        what: &'static str,
        /// The `Any` type URL.
        type_url: String,
    },
    /// The `Any` value does not decode.
    #[error("the payload's {what} does not decode: {reason}")]
    Decode {
        /// identity or transaction.
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The identity decodes but is not valid IVMS101.
    #[error("the payload's identity: {0}")]
    Identity(#[from] ConvertError),
}

/// The transaction part of a payload.
#[derive(Debug, Clone, PartialEq)]
pub enum TransactionPayload {
    /// `trisa.data.generic.v1beta1.Transaction`.
    Transaction(Transaction),
    /// `trisa.data.generic.v1beta1.Pending`.
    Pending(Pending),
}

impl TransactionPayload {
    /// The on-chain transaction (the `Pending`'s reference transaction for a reply).
    pub fn transaction(&self) -> Option<&Transaction> {
        match self {
            TransactionPayload::Transaction(t) => Some(t),
            TransactionPayload::Pending(p) => p.transaction.as_ref(),
        }
    }

    fn to_any(&self) -> prost_types::Any {
        match self {
            TransactionPayload::Transaction(t) => prost_types::Any {
                type_url: format!("{TYPE_URL_PREFIX}trisa.data.generic.v1beta1.Transaction"),
                value: t.encode_to_vec(),
            },
            TransactionPayload::Pending(p) => prost_types::Any {
                type_url: format!("{TYPE_URL_PREFIX}trisa.data.generic.v1beta1.Pending"),
                value: p.encode_to_vec(),
            },
        }
    }
}

fn type_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// Builds a payload from an identity and a transaction.
pub fn build(
    identity: &IdentityPayload,
    transaction: &TransactionPayload,
    sent_at: &str,
) -> Payload {
    Payload {
        identity: Some(prost_types::Any {
            type_url: format!("{TYPE_URL_PREFIX}{}", IdentityPayload::PROTO_NAME),
            value: identity.to_proto().encode_to_vec(),
        }),
        transaction: Some(transaction.to_any()),
        sent_at: sent_at.to_string(),
        received_at: String::new(),
    }
}

/// The IVMS101 identity of a payload.
pub fn identity(p: &Payload) -> Result<IdentityPayload, PayloadError> {
    let any = p
        .identity
        .as_ref()
        .ok_or(PayloadError::Missing("identity"))?;
    if type_name(&any.type_url) != IdentityPayload::PROTO_NAME {
        return Err(PayloadError::UnexpectedType {
            what: "identity",
            type_url: any.type_url.chars().take(200).collect(),
        });
    }
    let pb = zktr_ivms101::pb::IdentityPayload::decode(any.value.as_slice()).map_err(|e| {
        PayloadError::Decode {
            what: "identity",
            reason: e.to_string(),
        }
    })?;
    Ok(IdentityPayload::from_proto(pb)?)
}

/// The transaction of a payload.
pub fn transaction(p: &Payload) -> Result<TransactionPayload, PayloadError> {
    let any = p
        .transaction
        .as_ref()
        .ok_or(PayloadError::Missing("transaction"))?;
    let decode_err = |e: prost::DecodeError| PayloadError::Decode {
        what: "transaction",
        reason: e.to_string(),
    };
    match type_name(&any.type_url) {
        "trisa.data.generic.v1beta1.Transaction" => Ok(TransactionPayload::Transaction(
            Transaction::decode(any.value.as_slice()).map_err(decode_err)?,
        )),
        "trisa.data.generic.v1beta1.Pending" => Ok(TransactionPayload::Pending(
            Pending::decode(any.value.as_slice()).map_err(decode_err)?,
        )),
        _ => Err(PayloadError::UnexpectedType {
            what: "transaction",
            type_url: any.type_url.chars().take(200).collect(),
        }),
    }
}
