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
//! `Fq`: one Montgomery product (16 + 16 64-bit multiplications). `Fq2`: three 4x4-limb
//! products and two Montgomery reductions (Karatsuba with lazy reduction, 80
//! multiplications instead of three full products' 96), a square two `Fq` products.

use ark_bn254::{Fq, Fq2, Fr};
use ark_ff::{AdditiveGroup, BigInt, Field, Fp256, MontBackend, MontConfig};

/// Multiplication always inlined into the caller (see the module docs).
pub trait FastMul: Field {
    /// `self * other`.
    fn mul_fast(&self, other: &Self) -> Self;
    /// `self^2`.
    fn square_fast(&self) -> Self;
}

/// `Fq` and `Fr` (and any 4-limb Montgomery field).
impl<C: MontConfig<4>> FastMul for Fp256<MontBackend<C, 4>> {
    #[inline(always)]
    fn mul_fast(&self, other: &Self) -> Self {
        let mut a = *self;
        C::mul_assign(&mut a, other);
        a
    }

    #[inline(always)]
    fn square_fast(&self) -> Self {
        let mut a = *self;
        C::square_in_place(&mut a);
        a
    }
}

impl FastMul for Fq2 {
    #[inline(always)]
    fn mul_fast(&self, other: &Self) -> Self {
        // (a0 + a1 u)(b0 + b1 u) with u^2 = -1, Karatsuba with lazy reduction: the three
        // products are kept double-width and only the two coefficients are reduced
        // (`lazy` below).
        let (c0, c1) = lazy::fq2_mul(&self.c0.0.0, &self.c1.0.0, &other.c0.0.0, &other.c1.0.0);
        Fq2::new(Fq::new_unchecked(BigInt(c0)), Fq::new_unchecked(BigInt(c1)))
    }

    #[inline(always)]
    fn square_fast(&self) -> Self {
        // (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u.
        let c0 = (self.c0 + self.c1).mul_fast(&(self.c0 - self.c1));
        let c1 = self.c0.mul_fast(&self.c1);
        Fq2::new(c0, c1.double())
    }
}

/// Denominators of a batch-affine level ([`crate::fast::msm`]) inverted together by
/// Montgomery's trick, which costs three products per element in the field it runs in.
/// For `Fq2` that field is `Fq`: `1 / d = conj(d) / N(d)` with the norm
/// `N(a0 + a1 u) = a0^2 + a1^2` in `Fq` (`u^2 = -1`), so the trick's three products are
/// `Fq` products, plus the norm (two squares, one reduction) and the conjugate's scaling
/// (two `Fq` products): about 7 `Fq` products per element against three `Fq2` products'
/// 11. For `Fq` the norm is the element itself.
pub trait BatchInverse: FastMul {
    /// The field the batch inversion runs in.
    type Norm: FastMul;
    /// `N(self)`, zero exactly when `self` is.
    fn norm(&self) -> Self::Norm;
    /// `1 / self`, given `norm_inverse = 1 / N(self)`.
    fn inverse_from_norm(&self, norm_inverse: &Self::Norm) -> Self;
}

impl BatchInverse for Fq {
    type Norm = Fq;

    #[inline(always)]
    fn norm(&self) -> Fq {
        *self
    }

    #[inline(always)]
    fn inverse_from_norm(&self, norm_inverse: &Fq) -> Fq {
        *norm_inverse
    }
}

impl BatchInverse for Fq2 {
    type Norm = Fq;

    #[inline(always)]
    fn norm(&self) -> Fq {
        // arkworks' `QuadExtField::norm` reduces both squares and multiplies by the
        // non-residue; here a0^2 + a1^2 < 2 p^2 < p 2^256: one reduction of the
        // double-width sum (the tests compare the two).
        let a0 = &self.c0.0.0;
        let a1 = &self.c1.0.0;
        let wide = lazy::add(&lazy::mul_wide(a0, a0), &lazy::mul_wide(a1, a1));
        Fq::new_unchecked(BigInt(lazy::reduce::<ark_bn254::FqConfig>(wide)))
    }

    #[inline(always)]
    fn inverse_from_norm(&self, norm_inverse: &Fq) -> Fq2 {
        // (a0 - a1 u) / (a0^2 + a1^2).
        Fq2::new(
            self.c0.mul_fast(norm_inverse),
            -self.c1.mul_fast(norm_inverse),
        )
    }
}

/// `Fq2` products with lazy reduction, on Montgomery-form limbs (little-endian).
///
/// With `a = a0 + a1 u`, `b = b0 + b1 u`: `v0 = a0 b0`, `v1 = a1 b1` and
/// `m = (a0 + a1)(b0 + b1)` as 512-bit integers (no reduction), then
/// `c0 = REDC(v0 - v1 + p^2)` and `c1 = REDC(m - v0 - v1)`: three 4x4-limb products and
/// two Montgomery reductions (80 64-bit multiplications), against three full
/// Montgomery products (96). Bounds (`p < 2^254`, inputs canonical): `a0 + a1 < 2p`
/// fits 4 limbs, `m < 4p^2 < 2^510`, both reduced values lie in `[0, 2p^2)`, below
/// `p 2^256` as REDC needs, so its result is below `2p`, and one conditional
/// subtraction makes it canonical. Measured on the 2-core machine: 71 ns against 86 ns
/// for Karatsuba over three Montgomery products (`Fq2` multiplication alone, a loop of
/// independent products).
mod lazy {
    use ark_bn254::FqConfig;
    use ark_ff::MontConfig;

    /// `q^2` in 8 limbs (`q` the base field's modulus).
    const Q_SQUARED: [u64; 8] = {
        let q = <FqConfig as MontConfig<4>>::MODULUS.0;
        mul_wide(&q, &q)
    };

    /// `(c0, c1)` of `(a0 + a1 u)(b0 + b1 u)` in `Fq2`.
    #[inline(always)]
    pub(super) fn fq2_mul(
        a0: &[u64; 4],
        a1: &[u64; 4],
        b0: &[u64; 4],
        b1: &[u64; 4],
    ) -> ([u64; 4], [u64; 4]) {
        let v0 = mul_wide(a0, b0);
        let v1 = mul_wide(a1, b1);
        let m = mul_wide(&add(a0, a1), &add(b0, b1));
        // v0 - v1 + q^2 and m - v0 - v1 are both in [0, 2 q^2): no borrow.
        let c0 = reduce::<FqConfig>(sub(&add(&v0, &Q_SQUARED), &v1).0);
        let c1 = reduce::<FqConfig>(sub(&sub(&m, &v0).0, &v1).0);
        (c0, c1)
    }

    /// `a + b` (no overflow in the uses here: two values below `p < 2^254` in 4 limbs,
    /// sums below `2^512` in 8).
    #[inline(always)]
    pub(super) fn add<const N: usize>(a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        let mut r = [0u64; N];
        let mut carry = false;
        for i in 0..N {
            let (x, c1) = a[i].overflowing_add(b[i]);
            let (y, c2) = x.overflowing_add(u64::from(carry));
            r[i] = y;
            carry = c1 | c2;
        }
        r
    }

    /// `a - b` modulo `2^(64 N)`, and whether it borrowed (`a < b`).
    #[inline(always)]
    fn sub<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], bool) {
        let mut r = [0u64; N];
        let mut borrow = false;
        for i in 0..N {
            let (x, b1) = a[i].overflowing_sub(b[i]);
            let (y, b2) = x.overflowing_sub(u64::from(borrow));
            r[i] = y;
            borrow = b1 | b2;
        }
        (r, borrow)
    }

    /// The 512-bit product of two 256-bit integers (schoolbook; `const` for
    /// [`Q_SQUARED`]).
    #[inline(always)]
    pub(super) const fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
        let mut r = [0u64; 8];
        let mut i = 0;
        while i < 4 {
            let mut carry = 0u64;
            let mut j = 0;
            while j < 4 {
                let t = r[i + j] as u128 + (a[i] as u128) * (b[j] as u128) + carry as u128;
                r[i + j] = t as u64;
                carry = (t >> 64) as u64;
                j += 1;
            }
            r[i + 4] = carry;
            i += 1;
        }
        r
    }

    /// Montgomery reduction `t 2^-256 mod p`, canonical, for `t < p 2^256`.
    #[inline(always)]
    pub(super) fn reduce<C: MontConfig<4>>(mut t: [u64; 8]) -> [u64; 4] {
        let p = C::MODULUS.0;
        let mut carry_out = false;
        for i in 0..4 {
            let k = t[i].wrapping_mul(C::INV);
            let mut carry = 0u64;
            for j in 0..4 {
                let x = t[i + j] as u128 + (k as u128) * (p[j] as u128) + carry as u128;
                t[i + j] = x as u64;
                carry = (x >> 64) as u64;
            }
            let (x, c1) = t[i + 4].overflowing_add(carry);
            let (y, c2) = x.overflowing_add(u64::from(carry_out));
            t[i + 4] = y;
            carry_out = c1 | c2;
        }
        // Below 2p: subtract p once if not below it.
        let r = [t[4], t[5], t[6], t[7]];
        match sub(&r, &p) {
            (_, true) => r,
            (s, false) => s,
        }
    }
}

/// `sum_k z_k c_k` in `Fr` with one Montgomery reduction per [`RowSum::WIDE_TERMS`]
/// products instead of one per product: the products are added as 512-bit integers.
/// For the QAP's matrix rows (`A z`, `B z`, `C z`; about 8 entries a row in zktr's
/// circuits). Bounds: canonical inputs give products below `r^2`, and
/// `5 r^2 < r 2^256` (`r < 2^253.6`), so up to five products can be reduced at once.
#[derive(Clone, Copy, Debug)]
pub struct RowSum {
    wide: [u64; 8],
    terms: usize,
    done: Fr,
}

impl Default for RowSum {
    fn default() -> Self {
        Self::new()
    }
}

impl RowSum {
    /// Products added before a reduction.
    pub const WIDE_TERMS: usize = 5;

    /// The empty sum.
    pub fn new() -> Self {
        Self {
            wide: [0; 8],
            terms: 0,
            done: Fr::ZERO,
        }
    }

    /// Adds `z`.
    #[inline(always)]
    pub fn add(&mut self, z: &Fr) {
        self.done += z;
    }

    /// Adds `z c`.
    #[inline(always)]
    pub fn add_product(&mut self, z: &Fr, c: &Fr) {
        if self.terms == Self::WIDE_TERMS {
            self.flush();
        }
        self.wide = lazy::add(&self.wide, &lazy::mul_wide(&z.0.0, &c.0.0));
        self.terms += 1;
    }

    #[inline(always)]
    fn flush(&mut self) {
        self.done += Fr::new_unchecked(BigInt(lazy::reduce::<ark_bn254::FrConfig>(self.wide)));
        self.wide = [0; 8];
        self.terms = 0;
    }

    /// The sum.
    #[inline(always)]
    pub fn finish(mut self) -> Fr {
        if self.terms > 0 {
            self.flush();
        }
        self.done
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

    #[test]
    fn fq2_edge_values_match_arkworks() {
        let minus_one = -Fq::from(1u64);
        let largest = fq([u64::MAX; 4]);
        let parts = [Fq::zero(), Fq::from(1u64), minus_one, largest, -largest];
        let mut values = Vec::new();
        for a in parts {
            for b in parts {
                values.push(Fq2::new(a, b));
            }
        }
        for x in &values {
            for y in &values {
                assert_eq!(x.mul_fast(y), *x * y, "{x} * {y}");
            }
        }
    }

    /// `Fq2` inverses through the norm, on the edge values' pairs: the norm is
    /// arkworks' (`c0^2 + c1^2`), zero only for zero, and the inverse is arkworks'.
    #[test]
    fn fq2_inverse_from_norm_matches_arkworks() {
        let minus_one = -Fq::from(1u64);
        let largest = fq([u64::MAX; 4]);
        let parts = [Fq::zero(), Fq::from(1u64), minus_one, largest, -largest];
        let mut rng = StdRng::seed_from_u64(5);
        let random = (0..1_000).map(|_| Fq2::rand(&mut rng));
        let edges = parts
            .iter()
            .flat_map(|&a| parts.iter().map(move |&b| Fq2::new(a, b)));
        for x in edges.chain(random) {
            let n = BatchInverse::norm(&x);
            assert_eq!(n, ark_ff::QuadExtField::norm(&x), "{x}");
            assert_eq!(n.is_zero(), x.is_zero(), "{x}");
            if let Some(n_inv) = n.inverse() {
                assert_eq!(Some(x.inverse_from_norm(&n_inv)), x.inverse(), "{x}");
            }
            // In Fq the norm is the element.
            assert_eq!(BatchInverse::norm(&x.c0), x.c0);
            if let Some(inv) = x.c0.inverse() {
                assert_eq!(x.c0.inverse_from_norm(&inv), inv);
            }
        }
    }

    /// Rows of every length up to a few reductions' worth, of random, largest and
    /// unit values, against arkworks' sum of products.
    #[test]
    fn row_sums_match_arkworks() {
        let mut rng = StdRng::seed_from_u64(4);
        let largest = -Fr::from(1u64);
        for len in 0..=17 {
            for kind in 0..3 {
                let pick = |rng: &mut StdRng| match kind {
                    0 => Fr::rand(rng),
                    1 => largest,
                    _ => Fr::from(1u64),
                };
                let z: Vec<Fr> = (0..len).map(|_| pick(&mut rng)).collect();
                let c: Vec<Fr> = (0..len).map(|_| pick(&mut rng)).collect();
                let mut row = RowSum::new();
                let mut expected = Fr::zero();
                for (k, (a, b)) in z.iter().zip(&c).enumerate() {
                    if k % 3 == 2 {
                        row.add(a);
                        expected += a;
                    } else {
                        row.add_product(a, b);
                        expected += *a * b;
                    }
                }
                assert_eq!(row.finish(), expected, "length {len}, kind {kind}");
            }
        }
    }

    proptest! {
        #[test]
        fn fq2_any_limbs_match_arkworks(a in any::<[[u64; 4]; 4]>()) {
            let x = Fq2::new(fq(a[0]), fq(a[1]));
            let y = Fq2::new(fq(a[2]), fq(a[3]));
            prop_assert_eq!(x.mul_fast(&y), x * y);
            prop_assert_eq!(x.mul_fast(&x), x.square());
            prop_assert_eq!(BatchInverse::norm(&x), ark_ff::QuadExtField::norm(&x));
        }

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
