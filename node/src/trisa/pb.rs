//! The generated protobuf types of TRISA's v1beta1 packages (from `node/proto/trisa/`).
#![allow(missing_docs, clippy::all)]

/// `trisa.api.v1beta1`: SecureEnvelope, Payload, Error, TransferState.
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/trisa.api.v1beta1.rs"));
}

/// `trisa.data.generic.v1beta1`: Transaction, Pending.
pub mod generic {
    include!(concat!(env!("OUT_DIR"), "/trisa.data.generic.v1beta1.rs"));
}
