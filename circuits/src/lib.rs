//! # zktr-circuits
//!
//! The pure mathematics of zktr: no I/O, no networks, no IVMS101.
//!
//! * [`poseidon`]: Poseidon over BN254 exactly as circomlib defines it (`Poseidon(n)` and
//!   `PoseidonEx(n, 1)` with an initial state), natively and as an R1CS gadget.
//! * [`domain`]: the one table of domain tags, one per use of the hash.
//! * [`commitment`]: the transfer commitment `C`, a depth-4 Merkle tree over 16 salted slots.
//! * [`trees`]: the append-only commitment log (4-ary, 16 levels) and the indexed sanctions tree
//!   (depth 24), with native proofs and in-circuit verification.
//! * [`circuits`]: the three claims, `threshold`, `committed` and `not_sanctioned`, each a
//!   [`ConstraintSynthesizer`](ark_relations::gr1cs::ConstraintSynthesizer) with a typed
//!   public-input struct that owns the order of its field elements.
//! * `gadgets`: the small R1CS building blocks the circuits share (range checks,
//!   comparisons, Merkle paths), each documenting its constraint cost.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod circuits;
pub mod commitment;
pub mod domain;
mod error;
pub mod field;
mod gadgets;
pub mod poseidon;
pub mod trees;

pub use ark_bn254::Fr;
pub use error::{Error, Result};
