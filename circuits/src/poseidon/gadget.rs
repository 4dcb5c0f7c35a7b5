//! Poseidon as an R1CS gadget over `FpVar<Fr>`, with the same constants as the native
//! function (see [`super`]).
//!
//! # Constraints
//!
//! Additions and multiplications by constants are free (linear combinations). Each x^5
//! S-box on a variable costs 3 constraints (x^2, x^4, x^4 * x); an S-box on a constant
//! (the tag in `state[0]` in the first round, constant inputs such as a slot index) costs
//! nothing. So a hash of `n` variable inputs costs
//! `3 * (8 * (n + 1) + R_P - 1)` constraints: 240 for n = 2 (as circomlib's `Poseidon(2)`),
//! 261 for n = 3 with all inputs variable, 258 when one of the 3 inputs is a constant.

use super::{FULL_ROUNDS, params};
use crate::field::Fr;
use ark_r1cs_std::fields::{FieldVar, fp::FpVar};
use ark_relations::gr1cs::SynthesisError;

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// In-circuit `PoseidonEx(inputs, 1)` with `initialState = tag`, 1 to 12 inputs.
///
/// Returns `SynthesisError::Unsatisfiable` for an unsupported arity (a programming error:
/// every circuit uses fixed arities).
pub fn hash_tagged(tag: u64, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let p = params(inputs.len()).map_err(|_| SynthesisError::Unsatisfiable)?;
    let t = p.width;
    let mut state: Vec<FpVar<Fr>> = Vec::with_capacity(t);
    state.push(FpVar::Constant(Fr::from(tag)));
    state.extend(inputs.iter().cloned());
    let half = FULL_ROUNDS / 2;
    let rounds = FULL_ROUNDS + p.partial_rounds;
    for r in 0..rounds {
        for (s, c) in state.iter_mut().zip(&p.ark[r * t..(r + 1) * t]) {
            *s += *c;
        }
        if r < half || r >= half + p.partial_rounds {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        let mut next = Vec::with_capacity(t);
        for row in &p.mds {
            let mut acc = FpVar::Constant(Fr::from(0u64));
            for (m, s) in row.iter().zip(&state) {
                acc += s * *m;
            }
            next.push(acc);
        }
        state = next;
    }
    Ok(state.swap_remove(0))
}

/// In-circuit tagged two-to-one hash (240 constraints for two variable inputs).
pub fn hash2(tag: u64, left: &FpVar<Fr>, right: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash_tagged(tag, &[left.clone(), right.clone()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::{GR1CSVar, alloc::AllocVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use ark_std::UniformRand;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    /// Gadget equals native on 100 random inputs for every width, with and without a tag.
    #[test]
    fn gadget_equals_native() {
        let mut rng = StdRng::seed_from_u64(42);
        for n in 1..=super::super::MAX_INPUTS {
            for k in 0..100 {
                let tag = if k % 2 == 0 { 0 } else { 1 + (k as u64 % 6) };
                let cs = ConstraintSystem::<Fr>::new_ref();
                let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let vars: Vec<FpVar<Fr>> = xs
                    .iter()
                    .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
                    .collect();
                let out = hash_tagged(tag, &vars).unwrap();
                assert_eq!(
                    out.value().unwrap(),
                    super::super::hash_tagged(tag, &xs).unwrap()
                );
                assert!(cs.is_satisfied().unwrap());
            }
        }
    }

    #[test]
    fn constraint_costs() {
        for (n, expected) in [(1usize, 213usize), (2, 240), (3, 261), (4, 297)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<FpVar<Fr>> = (0..n)
                .map(|i| FpVar::new_witness(cs.clone(), || Ok(Fr::from(i as u64))).unwrap())
                .collect();
            let _ = hash_tagged(5, &vars).unwrap();
            assert_eq!(cs.num_constraints(), expected, "Poseidon({n})");
        }
    }
}
