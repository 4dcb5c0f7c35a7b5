//! Multiplication in BN254's base field `Fq` (and `Fq2 = Fq[u]/(u^2 + 1)`) for the MSM's
//! inner loops, and in the scalar field `Fr` for the QAP's NTTs, always inlined.
//!
//! arkworks' Montgomery multiplication and squaring (`MontConfig::mul_assign`,
//! `square_in_place`: CIOS with the "no-carry" shortcut) are `#[inline(always)]`, but
//! the `Fp` operators that call them (`MulAssign`, `Field::square_in_place`) carry no
//! inline hint, so inside a large function such as the batch-affine level loop the
//! compiler calls them out of line: every product goes through memory and the loop's
//! independent products cannot overlap. [`FastMul`] calls arkworks' functions directly.
//! Measured on the 2-core machine (`prover/examples/msm_parts.rs`, docs/performance.md):
//! a G1 bucket-tree addition (5 products and a square) took about 195 ns through the
//! operators and about 168 ns with them inlined.
//!
//! The values are arkworks' own (the same functions compute them); the tests check the
//! `Fq2` formulas against arkworks' operators on random and edge values.
//!
//! # Cost
//!
//! `Fq`: one Montgomery product (16 + 16 64-bit multiplications). `Fq2`: three `Fq`
//! products (Karatsuba), a square two.

use ark_bn254::{Fq, Fq2, FqConfig, Fr, FrConfig};
use ark_ff::{AdditiveGroup, Field, MontConfig};

/// Multiplication always inlined into the caller (see the module docs).
pub trait FastMul: Field {
    /// `self * other`.
    fn mul_fast(&self, other: &Self) -> Self;
    /// `self^2`.
    fn square_fast(&self) -> Self;
}

impl FastMul for Fq {
    #[inline(always)]
    fn mul_fast(&self, other: &Self) -> Self {
        let mut a = *self;
        <FqConfig as MontConfig<4>>::mul_assign(&mut a, other);
        a
    }

    #[inline(always)]
    fn square_fast(&self) -> Self {
        let mut a = *self;
        <FqConfig as MontConfig<4>>::square_in_place(&mut a);
        a
    }
}

impl FastMul for Fr {
    #[inline(always)]
    fn mul_fast(&self, other: &Self) -> Self {
        let mut a = *self;
        <FrConfig as MontConfig<4>>::mul_assign(&mut a, other);
        a
    }

    #[inline(always)]
    fn square_fast(&self) -> Self {
        let mut a = *self;
        <FrConfig as MontConfig<4>>::square_in_place(&mut a);
        a
    }
}

impl FastMul for Fq2 {
    #[inline(always)]
    fn mul_fast(&self, other: &Self) -> Self {
        // (a0 + a1 u)(b0 + b1 u) with u^2 = -1.
        let v0 = self.c0.mul_fast(&other.c0);
        let v1 = self.c1.mul_fast(&other.c1);
        let cross = (self.c0 + self.c1).mul_fast(&(other.c0 + other.c1));
        Fq2::new(v0 - v1, cross - v0 - v1)
    }

    #[inline(always)]
    fn square_fast(&self) -> Self {
        // (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u.
        let c0 = (self.c0 + self.c1).mul_fast(&(self.c0 - self.c1));
        let c1 = self.c0.mul_fast(&self.c1);
        Fq2::new(c0, c1.double())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{PrimeField, UniformRand, Zero};
    use ark_std::rand::{SeedableRng, rngs::StdRng};
    use proptest::prelude::*;

    fn fq(limbs: [u64; 4]) -> Fq {
        // Any 256-bit value, reduced: covers the largest canonical elements.
        Fq::from_le_bytes_mod_order(
            &limbs
                .iter()
                .flat_map(|l| l.to_le_bytes())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn edge_values_match_arkworks() {
        let minus_one = -Fq::from(1u64);
        let largest = fq([u64::MAX; 4]);
        let edges = [
            Fq::zero(),
            Fq::from(1u64),
            Fq::from(2u64),
            minus_one,
            largest,
            -largest,
        ];
        for a in edges {
            for b in edges {
                assert_eq!(a.mul_fast(&b), a * b);
            }
            assert_eq!(a.square_fast(), a.square());
        }
    }

    #[test]
    fn random_values_match_arkworks() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..10_000 {
            let (a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            assert_eq!(a.mul_fast(&b), a * b);
            let (e, f) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            assert_eq!(e.mul_fast(&f), e * f);
            assert_eq!(e.square_fast(), e.square());
            let (x, y) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng));
            assert_eq!(x.mul_fast(&y), x * y);
            assert_eq!(x.square_fast(), x.square());
        }
    }

    proptest! {
        #[test]
        fn any_limbs_match_arkworks(a in any::<[u64; 4]>(), b in any::<[u64; 4]>()) {
            let (a, b) = (fq(a), fq(b));
            prop_assert_eq!(a.mul_fast(&b), a * b);
            prop_assert_eq!(a.square_fast(), a.square());
            let c = Fq::from_bigint(a.into_bigint()).unwrap_or_default();
            prop_assert_eq!(c.mul_fast(&b), c * b);
        }
    }
}
