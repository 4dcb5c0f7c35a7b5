//! # zktr-prover
//!
//! Proving keys, witness building from a committed transfer, parallel proving of every
//! claim of one or many transfers, and assembly of the `ProofBundle`.
//!
//! * `keys`: `zktr setup` key generation, the manifest, hash-checked fast loading;
//! * [`engine`]: one circuit's prover, reusing its constraint matrices between proofs;
//! * `statement`: the claims of one transfer, checked natively before proving;
//! * `prover`: the [`Prover`], dividing the cores between proofs and arkworks;
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod engine;
mod error;
mod fast;
mod keys;
mod prover;
mod statement;

pub use error::{ProverError, Refusal};
pub use keys::{ProvingKeys, os_rng};
pub use prover::{BundleContext, Parallelism, Prover};
pub use statement::{ClaimWitness, SanctionsSets, TransferStatement};
