//! R1CS building blocks shared by the claim circuits. Each documents its cost.
//!
//! None of them ever fails on a false witness: a false statement produces an
//! *unsatisfied* constraint system (so it cannot be proven), never an error or a panic.

pub mod commitment;
pub mod merkle;
pub mod range;
