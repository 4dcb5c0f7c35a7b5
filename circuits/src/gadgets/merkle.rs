//! Merkle path verification with a *private* position in a 4-ary Poseidon tree (the
//! commitment log and the sanctions tree, circuit version 2).
//!
//! [`root_from_quad_path`]: per level a base-4 digit as two bits (2 booleanity
//! constraints), the four children in two binary steps (5, see the function), and one
//! 4-to-1 Poseidon (width 5: 297). The sanctions tree's 12 levels (`2^24` positions):
//! 12 * 304 = 3,648 constraints; the log's 16 (`2^32`): 4,864. Version 1's binary paths
//! (a booleanity and a swap constraint plus a 2-to-1 Poseidon, 242 per level) cost 5,808
//! and 7,744 for the same capacities: 0.63x.

use crate::field::Fr;
use crate::poseidon::gadget::hash_tagged;
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

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

/// One base-4 digit of a 4-ary path position: `digit = low + 2 * high`.
#[derive(Clone)]
pub struct QuadDigit {
    /// Bit 0 of the digit.
    pub low: Boolean<Fr>,
    /// Bit 1 of the digit.
    pub high: Boolean<Fr>,
}

/// Allocates the position's base-4 digits (leaf level first, `levels` of them, each as two
/// constrained bits) as private witnesses. The bits of the digits are the bits of `index`,
/// so the position is below `4^levels` by construction.
pub fn alloc_quad_position(
    cs: ConstraintSystemRef<Fr>,
    index: u64,
    levels: usize,
) -> Result<Vec<QuadDigit>, SynthesisError> {
    (0..levels)
        .map(|h| {
            Ok(QuadDigit {
                low: Boolean::new_witness(cs.clone(), || Ok((index >> (2 * h)) & 1 == 1))?,
                high: Boolean::new_witness(cs.clone(), || Ok((index >> (2 * h + 1)) & 1 == 1))?,
            })
        })
        .collect()
}

/// The root of `leaf` at the position given by `digits` (leaf level first) in a 4-ary
/// tree whose nodes are `PoseidonEx([c0, c1, c2, c3], tag)`. `siblings` holds three per
/// level, in child order (the node's other three children, left to right).
///
/// The digit `low + 2 * high` is placed in two binary steps: `high` says which half of the
/// node holds the current value, `low` which side of its half. Each line below is one
/// multiplication by a bit (1 constraint); the lines marked free are linear because each
/// step only permutes values, so sums are preserved:
///
/// ```text
/// mate = s0 + high * (s2 - s0)        the current value's neighbour in its half
/// o0   = s1 + high * (s0 - s1)        the other half, left
/// o1   = s0 + s1 + s2 - mate - o0     the other half, right (free)
/// p0   = cur + low * (mate - cur)     the current value's half, left
/// p1   = cur + mate - p0              its half, right (free)
/// c0   = p0 + high * (o0 - p0)        c2 = p0 + o0 - c0 (free)
/// c1   = p1 + high * (o1 - p1)        c3 = p1 + o1 - c1 (free)
/// ```
///
/// 5 constraints, plus the 2 booleanity constraints of the digit's bits: 7 per level.
pub fn root_from_quad_path(
    tag: u64,
    leaf: &FpVar<Fr>,
    digits: &[QuadDigit],
    siblings: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    if siblings.len() != 3 * digits.len() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let mut cur = leaf.clone();
    for (d, s) in digits.iter().zip(siblings.chunks_exact(3)) {
        let (s0, s1, s2) = (&s[0], &s[1], &s[2]);
        let low = FpVar::from(d.low.clone());
        let high = FpVar::from(d.high.clone());
        let mate = s0 + &high * (s2 - s0);
        let o0 = s1 + &high * (s0 - s1);
        let o1 = s0 + s1 + s2 - &mate - &o0;
        let p0 = &cur + &low * (&mate - &cur);
        let p1 = &cur + &mate - &p0;
        let c0 = &p0 + &high * (&o0 - &p0);
        let c2 = &p0 + &o0 - &c0;
        let c1 = &p1 + &high * (&o1 - &p1);
        let c3 = &p1 + &o1 - &c1;
        cur = hash_tagged(tag, &[c0, c1, c2, c3])?;
    }
    Ok(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trees::{quad_rebuild_levels, quad_root_from_path, quad_siblings, quad_zero_hashes};
    use ark_r1cs_std::{GR1CSVar, eq::EqGadget};
    use ark_relations::gr1cs::ConstraintSystem;

    fn tree(tag: u64, levels: usize, n: usize) -> (Vec<Vec<Fr>>, Vec<Fr>) {
        let zeros = quad_zero_hashes(tag, levels);
        let mut lv = vec![Vec::new(); levels + 1];
        lv[0] = (0..n).map(|i| Fr::from(7 + 3 * i as u64)).collect();
        quad_rebuild_levels(tag, &mut lv, &zeros, 0);
        (lv, zeros)
    }

    fn synthesize(
        tag: u64,
        leaf: Fr,
        index: u64,
        levels: usize,
        sibs: &[Fr],
        root: Fr,
    ) -> (bool, usize, Fr) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
        let digits = alloc_quad_position(cs.clone(), index, levels).unwrap();
        let sibs = alloc_siblings(cs.clone(), sibs).unwrap();
        let r = root_from_quad_path(tag, &leaf, &digits, &sibs).unwrap();
        let out = r.value().unwrap();
        r.enforce_equal(&FpVar::new_input(cs.clone(), || Ok(root)).unwrap())
            .unwrap();
        (cs.is_satisfied().unwrap(), cs.num_constraints(), out)
    }

    /// The gadget computes the native root for every position of a 3-level tree (each
    /// digit value at each level), at 304 constraints per level (+1 for the root check).
    #[test]
    fn gadget_equals_native_at_every_position() {
        let (tag, levels) = (11, 3);
        let (lv, zeros) = tree(tag, levels, 50);
        let root = lv[levels][0];
        for i in 0..64u64 {
            let leaf = lv[0].get(i as usize).copied().unwrap_or(Fr::from(0u64));
            let sibs: Vec<Fr> = (0..levels)
                .flat_map(|h| quad_siblings(&lv, &zeros, i, h))
                .collect();
            let (ok, n, out) = synthesize(tag, leaf, i, levels, &sibs, root);
            assert_eq!(Some(out), quad_root_from_path(tag, leaf, i, &sibs));
            assert!(ok, "position {i}");
            assert_eq!(n, 304 * levels + 1);
        }
    }

    /// A leaf's path at another position, a changed sibling, a different leaf: all leave
    /// the root check unsatisfied.
    #[test]
    fn wrong_digits_siblings_or_leaf_do_not_reach_the_root() {
        let (tag, levels) = (11, 3);
        let (lv, zeros) = tree(tag, levels, 40);
        let root = lv[levels][0];
        let i = 22u64; // digits 2, 1, 1
        let leaf = lv[0][i as usize];
        let sibs: Vec<Fr> = (0..levels)
            .flat_map(|h| quad_siblings(&lv, &zeros, i, h))
            .collect();
        assert!(synthesize(tag, leaf, i, levels, &sibs, root).0);
        for j in (0..64u64).filter(|j| *j != i) {
            assert!(
                !synthesize(tag, leaf, j, levels, &sibs, root).0,
                "position {j}"
            );
        }
        for k in 0..sibs.len() {
            let mut bad = sibs.clone();
            bad[k] += Fr::from(1u64);
            assert!(
                !synthesize(tag, leaf, i, levels, &bad, root).0,
                "sibling {k}"
            );
        }
        assert!(!synthesize(tag, leaf + Fr::from(1u64), i, levels, &sibs, root).0);
    }
}
