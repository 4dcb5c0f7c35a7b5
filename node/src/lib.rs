//! # zktr-node
//!
//! The VASP's running node. Today: the commitment of a transfer from its TRISA payload
//! ([`commit`]) and both sides of an attested transfer as library code ([`flow`]). The
//! gRPC services over mutual TLS, storage and the log service come with the node issues;
//! this is the only crate that will know async, networks, TLS or storage.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod commit;
pub mod fetch;
pub mod flow;

pub use commit::{CommitError, TransferDetails};
pub use flow::{
    AcceptedTransfer, Beneficiary, Clock, CommitmentOpening, FixedClock, FlowError, Originator,
    OutgoingTransfer, SystemClock, ThresholdRule, received_transfer,
};
