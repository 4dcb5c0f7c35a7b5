//! # zktr-node
//!
//! Everything a VASP's node does with the outside world: the IVMS101 data model, the
//! screening-key normalization, TRISA-compatible secure envelopes, sanctions-list
//! ingestion, and (later) the gRPC services and storage.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod commit;
pub mod ivms101;
pub mod sanctions;
pub mod screening;
pub mod trisa;
