//! Point and number encodings of snarkjs / ffjavascript (BN254 only).
//!
//! - **LEM** (file sections of `.ptau` and `.zkey`): affine `x` then `y`, each coordinate
//!   in Montgomery form (R = 2^256), little-endian 32-byte words; an `Fq2` coordinate is
//!   `c0` then `c1`. The point at infinity is all zeros.
//! - **Uncompressed** (what every transcript hash absorbs, ffjavascript `toRprUncompressed`):
//!   the canonical (non-Montgomery) coordinates, each coordinate's bytes reversed, i.e.
//!   big-endian, so an `Fq2` coordinate reads `c1 || c0`. Infinity is all zeros.
//! - **Compressed** (phase-1 response hashes, `LEMtoC`): the uncompressed `x`, with bit
//!   0x80 of the first byte set when `y` is "negative" (see [`fq2_is_negative`]) and
//!   infinity as 0x40 followed by zeros.
//!
//! Our arkworks field elements are also Montgomery with R = 2^256, so LEM words are the
//! internal limbs (`Fp::0`); reading checks every word is below the modulus and every
//! point is on the curve and in the prime-order subgroup.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};

/// Bytes of a G1 point in LEM or uncompressed form.
pub const G1_LEN: usize = 64;
/// Bytes of a G2 point in LEM or uncompressed form.
pub const G2_LEN: usize = 128;

/// Why a point or number does not decode (the caller adds the file and section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // each names what the point is not
pub enum PointError {
    /// A coordinate word is not below the field modulus.
    NotReduced,
    /// The coordinates do not satisfy the curve equation.
    NotOnCurve,
    /// The point is not in the prime-order subgroup.
    NotInSubgroup,
}

impl core::fmt::Display for PointError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PointError::NotReduced => "a coordinate is not below the field modulus",
            PointError::NotOnCurve => "a point is not on the curve",
            PointError::NotInSubgroup => "a point is not in the prime-order subgroup",
        })
    }
}

fn word(bytes: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, l) in limbs.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        *l = u64::from_le_bytes(b);
    }
    BigInt(limbs)
}

fn put_word(out: &mut [u8], w: &BigInt<4>) {
    for (i, l) in w.0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&l.to_le_bytes());
    }
}

/// An `Fq` from its Montgomery word.
pub fn fq_from_montgomery(bytes: &[u8]) -> Result<Fq, PointError> {
    let w = word(bytes);
    if w >= Fq::MODULUS {
        return Err(PointError::NotReduced);
    }
    Ok(Fq::new_unchecked(w))
}

fn fq_lem(out: &mut [u8], x: &Fq) {
    put_word(out, &x.0);
}

/// Writes a G1 point in LEM form.
pub fn g1_to_lem(out: &mut [u8], p: &G1Affine) {
    if p.is_zero() {
        out[..G1_LEN].fill(0);
        return;
    }
    fq_lem(&mut out[0..32], &p.x);
    fq_lem(&mut out[32..64], &p.y);
}

/// Writes a G2 point in LEM form.
pub fn g2_to_lem(out: &mut [u8], p: &G2Affine) {
    if p.is_zero() {
        out[..G2_LEN].fill(0);
        return;
    }
    fq_lem(&mut out[0..32], &p.x.c0);
    fq_lem(&mut out[32..64], &p.x.c1);
    fq_lem(&mut out[64..96], &p.y.c0);
    fq_lem(&mut out[96..128], &p.y.c1);
}

/// Reads a G1 point in LEM form, checked.
pub fn g1_from_lem(bytes: &[u8]) -> Result<G1Affine, PointError> {
    if bytes[..G1_LEN].iter().all(|b| *b == 0) {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(
        fq_from_montgomery(&bytes[0..32])?,
        fq_from_montgomery(&bytes[32..64])?,
    );
    if !p.is_on_curve() {
        return Err(PointError::NotOnCurve);
    }
    // G1 of BN254 has cofactor 1: on the curve is in the group.
    Ok(p)
}

/// Reads a G2 point in LEM form, checked (curve and subgroup).
pub fn g2_from_lem(bytes: &[u8]) -> Result<G2Affine, PointError> {
    let p = g2_from_lem_on_curve(bytes)?;
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(PointError::NotInSubgroup);
    }
    Ok(p)
}

/// Reads a G2 point in LEM form, checked on the curve only. For bulk sections whose
/// points never reach a verifying key (prover-side bases, powers checked by pairings
/// against fully checked points): a subgroup check costs about 0.3 ms per point, which
/// is most of reading a 2^15 phase 1.
pub fn g2_from_lem_on_curve(bytes: &[u8]) -> Result<G2Affine, PointError> {
    if bytes[..G2_LEN].iter().all(|b| *b == 0) {
        return Ok(G2Affine::zero());
    }
    let x = Fq2::new(
        fq_from_montgomery(&bytes[0..32])?,
        fq_from_montgomery(&bytes[32..64])?,
    );
    let y = Fq2::new(
        fq_from_montgomery(&bytes[64..96])?,
        fq_from_montgomery(&bytes[96..128])?,
    );
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(PointError::NotOnCurve);
    }
    Ok(p)
}

fn fq_be(out: &mut [u8], x: &Fq) {
    let b = x.into_bigint().to_bytes_be();
    out[..32].copy_from_slice(&b);
}

/// Appends a G1 point in uncompressed form.
pub fn g1_uncompressed(p: &G1Affine) -> [u8; G1_LEN] {
    let mut out = [0u8; G1_LEN];
    if !p.is_zero() {
        fq_be(&mut out[0..32], &p.x);
        fq_be(&mut out[32..64], &p.y);
    }
    out
}

/// A G2 point in uncompressed form.
pub fn g2_uncompressed(p: &G2Affine) -> [u8; G2_LEN] {
    let mut out = [0u8; G2_LEN];
    if !p.is_zero() {
        fq_be(&mut out[0..32], &p.x.c1);
        fq_be(&mut out[32..64], &p.x.c0);
        fq_be(&mut out[64..96], &p.y.c1);
        fq_be(&mut out[96..128], &p.y.c0);
    }
    out
}

/// ffjavascript's sign of an `Fq`: above (p - 1) / 2.
pub fn fq_is_negative(x: &Fq) -> bool {
    x.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

/// ffjavascript's sign of an `Fq2`: that of `c1`, or of `c0` when `c1` is zero.
pub fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1.is_zero() {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

/// A G1 point in compressed form.
pub fn g1_compressed(p: &G1Affine) -> [u8; 32] {
    let mut out = [0u8; 32];
    if p.is_zero() {
        out[0] = 0x40;
        return out;
    }
    fq_be(&mut out, &p.x);
    if fq_is_negative(&p.y) {
        out[0] |= 0x80;
    }
    out
}

/// A G2 point in compressed form.
pub fn g2_compressed(p: &G2Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if p.is_zero() {
        out[0] = 0x40;
        return out;
    }
    fq_be(&mut out[0..32], &p.x.c1);
    fq_be(&mut out[32..64], &p.x.c0);
    if fq2_is_negative(&p.y) {
        out[0] |= 0x80;
    }
    out
}

/// An `Fr` as 32 little-endian bytes (canonical form).
pub fn fr_to_le(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    put_word(&mut out, &x.into_bigint());
    out
}

/// An `Fr` from 32 little-endian canonical bytes; `None` if not below the modulus.
pub fn fr_from_le(bytes: &[u8]) -> Option<Fr> {
    Fr::from_bigint(word(bytes))
}
