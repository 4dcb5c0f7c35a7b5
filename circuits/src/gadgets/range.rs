//! Range checks and comparisons on bounded integers.
//!
//! BN254's scalar field has 254 bits; arkworks' generic field comparison only holds below
//! `(p - 1) / 2`, so zktr never relies on it. Every ordered value is first proven to
//! fit `n` bits (`n <= 248`), and `a < b` is then proven as `b - a - 1` fitting `n` bits:
//! with `a, b < 2^n`, `b - a - 1` is in `[0, 2^n)` exactly when `a < b` (otherwise it
//! wraps to at least `p - 2^n`, far above `2^n`).

use crate::field::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

/// Enforces `0 <= x < 2^bits` (`bits <= 253`).
///
/// Cost: `bits` booleanity constraints + 1 for the recomposition.
/// If `x` does not fit, the witness bits are the low bits of `x` and the recomposition
/// constraint is unsatisfied.
pub fn enforce_bits(
    cs: ConstraintSystemRef<Fr>,
    x: &FpVar<Fr>,
    bits: u32,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    assert!(bits <= 253, "range checks are defined below the field size");
    let value = ark_r1cs_std::GR1CSVar::value(x).ok();
    let le = value.map(|v| v.into_bigint().to_bits_le());
    let mut out = Vec::with_capacity(bits as usize);
    let mut acc = FpVar::Constant(Fr::from(0u64));
    let mut coeff = Fr::from(1u64);
    for i in 0..bits as usize {
        let b = Boolean::new_witness(cs.clone(), || {
            le.as_ref()
                .map(|v| v.get(i).copied().unwrap_or(false))
                .ok_or(SynthesisError::AssignmentMissing)
        })?;
        acc += FpVar::from(b.clone()) * coeff;
        coeff += coeff;
        out.push(b);
    }
    acc.enforce_equal(x)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    fn check(x: Fr, bits: u32) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = FpVar::new_witness(cs.clone(), || Ok(x)).unwrap();
        enforce_bits(cs.clone(), &v, bits).unwrap();
        assert_eq!(cs.num_constraints(), bits as usize + 1);
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn bit_ranges() {
        assert!(check(Fr::from(u64::MAX), 64));
        assert!(!check(Fr::from(u64::MAX) + Fr::from(1u64), 64));
        assert!(!check(-Fr::from(1u64), 64));
        assert!(check(Fr::from(0u64), 8));
        assert!(!check(Fr::from(256u64), 8));
    }
}
