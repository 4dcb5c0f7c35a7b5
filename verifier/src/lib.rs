//! # zktr-verifier
//!
//! Verifying keys, single and batch Groth16 verification, the signed records that proofs
//! refer to (signed tree heads, signed sanctions roots), and policy checks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod sanctions_root;
