//! # zktr-verifier
//!
//! Verifying keys, single and batch Groth16 verification, the signed records that proofs
//! refer to (signed tree heads, signed sanctions roots), and policy checks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod batch;
pub mod bundle;
pub mod encoding;
pub mod fixed_base;
pub mod params;
pub mod policy;
pub mod sanctions_root;
pub mod snarkjs;
pub mod tree_head;
pub mod verify;
pub mod wire;

pub use batch::{BatchError, BatchItem, batch_verify};
pub use bundle::{BundleDecodeError, ClaimProof, ProofBundle};
pub use params::{CircuitKey, Manifest, ParamsError, VerifyingKeys};
pub use policy::{Policy, PolicyError};
pub use tree_head::SignedTreeHead;
pub use verify::{Accepted, Problem, Reason, Rejection, verify_bundle, verify_bundles};
