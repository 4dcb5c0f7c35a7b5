//! Merkle path verification with a *private* position (commitment log, sanctions tree).
//!
//! Cost per level: 1 booleanity constraint for the direction bit, 1 constraint for the
//! swap (`left = cur + bit * (sib - cur)`, `right = cur + sib - left`), and one 2-to-1
//! Poseidon (240). A depth-32 path: 32 * 242 = 7,744 constraints; depth 24: 5,808.

use crate::field::Fr;
use crate::poseidon::gadget::hash2;
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Allocates the position's bits (little-endian, `depth` of them) as private witnesses.
pub fn alloc_position(
    cs: ConstraintSystemRef<Fr>,
    index: u64,
    depth: usize,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    (0..depth)
        .map(|h| Boolean::new_witness(cs.clone(), || Ok((index >> h) & 1 == 1)))
        .collect()
}

/// Allocates the siblings as private witnesses.
pub fn alloc_siblings(
    cs: ConstraintSystemRef<Fr>,
    siblings: &[Fr],
) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    siblings
        .iter()
        .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)))
        .collect()
}

/// The root of `leaf` at the position given by `bits` (leaf level first).
pub fn root_from_path(
    tag: u64,
    leaf: &FpVar<Fr>,
    bits: &[Boolean<Fr>],
    siblings: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    if bits.len() != siblings.len() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut cur = leaf.clone();
    for (bit, sib) in bits.iter().zip(siblings) {
        // bit = 1: the current node is the right child.
        let b = FpVar::from(bit.clone());
        let left = &cur + &(b * (sib - &cur));
        let right = &cur + sib - &left;
        cur = hash2(tag, &left, &right)?;
    }
    Ok(cur)
}
