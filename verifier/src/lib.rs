//! # zktr-verifier
//!
//! Prepared verifying keys, single and batch Groth16 verification, and the policy that
//! decides which bundles are accepted. The records it checks (bundles, signed tree heads,
//! signed sanctions roots) are `zktr-records`; it never proves (the prover is a sibling).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
mod fixed_base;
mod keys;
mod policy;
pub mod snarkjs;
mod verify;

pub use batch::{BatchError, BatchItem, batch_verify, verify_one};
pub use keys::{CircuitKey, VerifyingKeys, load_verifying_key};
pub use policy::{
    ListRule, MAX_POLICY_FILE_BYTES, Policy, PolicyError, PriceRule, claim_name, parse_asset_id,
};
pub use verify::{
    Accepted, Cleared, KeyUse, OnChainTransfer, Problem, ProvenPrice, ProvenThreshold, Reason,
    Rejection, Screened, SeenLists, ThresholdGap, VerifyRequest, check_price_quote, verify_bundle,
    verify_bundles, verify_bundles_each,
};

/// Every error of this crate, for callers that map them in one place (a service's
/// handler, the CLI). The module errors stay available for callers that match finely.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A policy file cannot be read or is not a usable policy.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Verifying keys or their manifest cannot be used.
    #[error(transparent)]
    Params(#[from] zktr_records::ParamsError),
    /// A batch of proofs does not verify (the bad ones named) or cannot be checked.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// A bundle is refused under the policy (every problem listed).
    #[error(transparent)]
    Rejected(#[from] Rejection),
}
