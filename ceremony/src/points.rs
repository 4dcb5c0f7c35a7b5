//! Bulk point work shared by both phases: decoding and encoding sections, scaling every
//! point of a section by its own scalar, and random linear combinations for checks.

use crate::binfile::Reader;
use crate::encoding::{self, G1_LEN, G2_LEN};
use crate::error::Result;
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, PrimeField, UniformRand};
use rayon::prelude::*;

/// Decodes `n` points of `len` bytes each from `r`, in parallel, with `decode`.
fn read_points<P: Send, E: ToString + Send>(
    r: &mut Reader<'_>,
    n: usize,
    len: usize,
    decode: impl Fn(&[u8]) -> core::result::Result<P, E> + Sync + Send,
) -> Result<Vec<P>> {
    let bytes = r.take(n.checked_mul(len).ok_or_else(|| r.error("size overflow"))?)?;
    let out: core::result::Result<Vec<_>, _> = bytes.par_chunks(len).map(decode).collect();
    out.map_err(|e| r.error(e.to_string()))
}

/// Decodes `n` G1 points (LEM) from `r`.
pub fn read_g1s(r: &mut Reader<'_>, n: usize) -> Result<Vec<G1Affine>> {
    read_points(r, n, G1_LEN, encoding::g1_from_lem)
}

/// Decodes `n` G2 points (LEM) from `r`.
pub fn read_g2s(r: &mut Reader<'_>, n: usize) -> Result<Vec<G2Affine>> {
    read_points(r, n, G2_LEN, encoding::g2_from_lem)
}

/// Decodes `n` G2 points (LEM) from `r`, on-curve checks only (see
/// [`encoding::g2_from_lem_on_curve`]).
pub fn read_g2s_on_curve(r: &mut Reader<'_>, n: usize) -> Result<Vec<G2Affine>> {
    read_points(r, n, G2_LEN, encoding::g2_from_lem_on_curve)
}

/// Appends `len` bytes per point to `out`, each written by `encode`, in parallel.
fn encode_points<P: Sync>(
    out: &mut Vec<u8>,
    ps: &[P],
    len: usize,
    encode: impl Fn(&mut [u8], &P) + Sync + Send,
) {
    let start = out.len();
    out.resize(start + ps.len() * len, 0);
    out[start..]
        .par_chunks_mut(len)
        .zip(ps.par_iter())
        .for_each(|(o, p)| encode(o, p));
}

/// Encodes G1 points (LEM).
pub fn write_g1s(out: &mut Vec<u8>, ps: &[G1Affine]) {
    encode_points(out, ps, G1_LEN, encoding::g1_to_lem);
}

/// Encodes G2 points (LEM).
pub fn write_g2s(out: &mut Vec<u8>, ps: &[G2Affine]) {
    encode_points(out, ps, G2_LEN, encoding::g2_to_lem);
}

/// Uncompressed encodings of G1 points, concatenated (for hashing).
pub fn g1s_uncompressed(ps: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_points(&mut out, ps, G1_LEN, |o, p| {
        o.copy_from_slice(&encoding::g1_uncompressed(p))
    });
    out
}

/// Uncompressed encodings of G2 points, concatenated (for hashing).
pub fn g2s_uncompressed(ps: &[G2Affine]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_points(&mut out, ps, G2_LEN, |o, p| {
        o.copy_from_slice(&encoding::g2_uncompressed(p))
    });
    out
}

/// Compressed encodings of G1 points, concatenated (for hashing).
pub fn g1s_compressed(ps: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_points(&mut out, ps, 32, |o, p| {
        o.copy_from_slice(&encoding::g1_compressed(p))
    });
    out
}

/// Compressed encodings of G2 points, concatenated (for hashing).
pub fn g2s_compressed(ps: &[G2Affine]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_points(&mut out, ps, 64, |o, p| {
        o.copy_from_slice(&encoding::g2_compressed(p))
    });
    out
}

/// `ps[i] * first * step^i` for every i, in either group.
fn scale<G: CurveGroup<ScalarField = Fr>>(ps: &mut [G::Affine], first: Fr, step: Fr) {
    let scalars = geometric(ps.len(), first, step);
    let scaled: Vec<G> = ps
        .par_iter()
        .zip(scalars.par_iter())
        .map(|(p, s)| *p * s)
        .collect();
    ps.copy_from_slice(&G::normalize_batch(&scaled));
}

/// `ps[i] * first * step^i` for every i.
pub fn scale_g1(ps: &mut [G1Affine], first: Fr, step: Fr) {
    scale::<G1Projective>(ps, first, step);
}

/// `ps[i] * first * step^i` for every i.
pub fn scale_g2(ps: &mut [G2Affine], first: Fr, step: Fr) {
    scale::<G2Projective>(ps, first, step);
}

/// `sum basis[row] * coefficient`: plain additions for coefficients of at most 64 bits
/// (or their negatives; most R1CS coefficients are 1 or small), a full scalar
/// multiplication otherwise. Serial: callers parallelize over many such sums.
pub fn combine<G: CurveGroup<ScalarField = Fr> + VariableBaseMSM>(
    terms: &[(usize, Fr)],
    basis: &[<G as CurveGroup>::Affine],
) -> G {
    let mut acc = G::zero();
    let mut big_bases = Vec::new();
    let mut big_scalars = Vec::new();
    for (row, v) in terms {
        let p = basis[*row];
        let small = v.into_bigint();
        if small.num_bits() <= 64 {
            acc += p.mul_bigint(small);
            continue;
        }
        let neg = (-*v).into_bigint();
        if neg.num_bits() <= 64 {
            acc -= p.mul_bigint(neg);
        } else {
            big_bases.push(p);
            big_scalars.push(*v);
        }
    }
    match big_bases.len() {
        0 => acc,
        1 => acc + big_bases[0] * big_scalars[0],
        _ => acc + G::msm_unchecked(&big_bases, &big_scalars),
    }
}

/// Runs `f` in a rayon pool whose threads have 256 MiB stacks (address space only):
/// arkworks' constraint inlining and its G2 multi-scalar multiplications at low
/// optimization levels need far more than the default 2 MiB.
pub fn with_big_stacks<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .stack_size(256 << 20)
        .thread_name(|i| format!("zktr-ceremony-{i}"))
        .build()
        .map_err(|e| {
            crate::error::CeremonyError::InvalidArgument(format!(
                "cannot start worker threads: {e}"
            ))
        })?;
    Ok(pool.install(f))
}

/// `first, first*step, first*step^2, ...` (n terms).
pub fn geometric(n: usize, first: Fr, step: Fr) -> Vec<Fr> {
    let mut out = Vec::with_capacity(n);
    let mut cur = first;
    for _ in 0..n {
        out.push(cur);
        cur *= step;
    }
    out
}

/// `n` random 128-bit scalars from the OS (for batched checks; public, not secret).
pub fn random_scalars(n: usize) -> Result<Vec<Fr>> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| crate::error::CeremonyError::Randomness(e.to_string()))?;
    use ark_std::rand::{SeedableRng, rngs::StdRng};
    let mut rng = StdRng::from_seed(seed);
    Ok((0..n)
        .map(|_| {
            let v = u128::rand(&mut rng);
            Fr::from(v)
        })
        .collect())
}

/// `(sum r_i a_i, sum r_i a_{i+1})` over consecutive pairs: the two sides of "every point
/// is the previous one times the same secret".
pub fn consecutive_g1(ps: &[G1Affine]) -> Result<(G1Projective, G1Projective)> {
    if ps.len() < 2 {
        return Ok((G1Projective::default(), G1Projective::default()));
    }
    let r = random_scalars(ps.len() - 1)?;
    Ok((
        G1Projective::msm_unchecked(&ps[..ps.len() - 1], &r),
        G1Projective::msm_unchecked(&ps[1..], &r),
    ))
}

/// As [`consecutive_g1`] for G2.
pub fn consecutive_g2(ps: &[G2Affine]) -> Result<(G2Projective, G2Projective)> {
    if ps.len() < 2 {
        return Ok((G2Projective::default(), G2Projective::default()));
    }
    let r = random_scalars(ps.len() - 1)?;
    Ok((
        G2Projective::msm_unchecked(&ps[..ps.len() - 1], &r),
        G2Projective::msm_unchecked(&ps[1..], &r),
    ))
}

/// snarkjs `sameRatio`: `e(a, d) == e(b, c)` with no point at infinity, i.e. `b = a*x`
/// and `d = c*x` for the same `x`.
pub fn same_ratio(a: G1Affine, b: G1Affine, c: G2Affine, d: G2Affine) -> bool {
    use ark_ec::pairing::Pairing;
    if a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero() {
        return false;
    }
    let lhs = ark_bn254::Bn254::multi_pairing([a, (-b.into_group()).into_affine()], [d, c]);
    ark_ff::Zero::is_zero(&lhs)
}
