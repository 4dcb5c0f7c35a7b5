//! Fixed-base scalar multiplication for the verifying key's input bases
//! (`gamma_abc_g1[1..]`), which every verification multiplies by the public inputs.
//!
//! Each base `P` gets a table of `d * 2^(8w) * P` for every byte position `w` (32 of them)
//! and digit `d` in `1..=255`, in affine form. `x * P` is then the sum of at most 32 table
//! points (one mixed addition per non-zero byte of `x`), no doublings: about 8x fewer group
//! operations than a GLV multiplication. A table is 8,160 points (510 KiB) per base and
//! takes a few milliseconds to build, so tables are built on first use, not at key load.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField, Zero};

const WINDOWS: usize = 32;
const DIGITS: usize = 255;

/// The precomputed multiples of one base.
#[derive(Clone, Debug)]
pub struct FixedBaseTable {
    /// `points[w * 255 + (d - 1)] = d * 2^(8w) * P`.
    points: Vec<G1Affine>,
}

impl FixedBaseTable {
    /// Builds the table of `base`.
    pub fn new(base: &G1Affine) -> Self {
        let mut projective = Vec::with_capacity(WINDOWS * DIGITS);
        let mut window_base = base.into_group();
        for _ in 0..WINDOWS {
            let mut acc = window_base;
            for _ in 0..DIGITS {
                projective.push(acc);
                acc += window_base;
            }
            // acc = 256 * window_base: the next window's base.
            window_base = acc;
        }
        Self {
            points: normalize_serial(&projective),
        }
    }

    /// `x * base`.
    pub fn mul(&self, x: &Fr) -> G1Projective {
        let bytes = x.into_bigint().to_bytes_le();
        let mut acc = G1Projective::zero();
        for (w, b) in bytes.iter().enumerate().take(WINDOWS) {
            if *b != 0 {
                acc += self.points[w * DIGITS + (*b as usize - 1)];
            }
        }
        acc
    }
}

/// Jacobian to affine with one serial batch inversion. `CurveGroup::normalize_batch` runs
/// rayon jobs (arkworks' `parallel` feature); inside the `OnceLock` initializer a worker
/// waiting on those jobs can steal another claim's verification of the same key and
/// block on the `OnceLock` it is itself initializing (seen as a hang of
/// `verifier/tests/policy_gaps.rs`). This never enters rayon.
fn normalize_serial(points: &[G1Projective]) -> Vec<G1Affine> {
    let mut z_inverses: Vec<ark_bn254::Fq> = points.iter().map(|p| p.z).collect();
    ark_ff::fields::serial_batch_inversion_and_mul(&mut z_inverses, &ark_bn254::Fq::from(1u64));
    points
        .iter()
        .zip(z_inverses)
        .map(|(p, z_inv)| {
            if p.is_zero() {
                G1Affine::zero()
            } else {
                let z_inv2 = ark_ff::Field::square(&z_inv);
                G1Affine::new_unchecked(p.x * z_inv2, p.y * z_inv2 * z_inv)
            }
        })
        .collect()
}

/// Tables for every input base of a verifying key.
///
/// Serial on purpose: the tables are built inside a `OnceLock` on first use, often from a
/// rayon worker (`verify_bundle` verifies claims in parallel). An initializer that waits
/// on rayon jobs can deadlock with another worker blocked on the same `OnceLock` (seen in
/// `verifier/tests/policy_gaps.rs`); a serial build cannot.
pub fn input_tables(gamma_abc_g1: &[G1Affine]) -> Vec<FixedBaseTable> {
    gamma_abc_g1
        .get(1..)
        .unwrap_or_default()
        .iter()
        .map(|p| {
            if p.is_zero() {
                FixedBaseTable {
                    points: vec![G1Affine::zero(); WINDOWS * DIGITS],
                }
            } else {
                FixedBaseTable::new(p)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn table_multiplication_equals_plain_multiplication() {
        let mut rng = StdRng::seed_from_u64(5);
        let p = G1Projective::rand(&mut rng).into_affine();
        let t = FixedBaseTable::new(&p);
        for x in [
            Fr::from(0u64),
            Fr::from(1u64),
            Fr::from(255u64),
            Fr::from(256u64),
            -Fr::from(1u64),
        ] {
            assert_eq!(t.mul(&x), p * x, "{x}");
        }
        for _ in 0..50 {
            let x = Fr::rand(&mut rng);
            assert_eq!(t.mul(&x), p * x);
        }
    }
}
