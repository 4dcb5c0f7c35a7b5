//! # zktr-prover
//!
//! Proving keys, witness building from a committed transfer, parallel proving of every
//! claim of one or many transfers, and assembly of the `ProofBundle`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
