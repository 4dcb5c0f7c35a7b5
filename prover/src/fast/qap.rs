//! The QAP witness map (libsnark's reduction, as arkworks' `LibsnarkReduction`): the
//! coefficients of `h(X) = (A(X) B(X) - C(X)) / Z(X)`, with every table that depends only
//! on the circuit's domain built once ([`QapDomain`]).
//!
//! `A`, `B`, `C` are the polynomials whose values on the domain `{w^i}` (size `N`, the
//! next power of two at or above `constraints + inputs`) are the rows of `A z`, `B z`,
//! `C z` (and, for `A`, the public inputs after the constraints, as arkworks does).
//! Each is interpolated (inverse NTT), moved to the coset `g * {w^i}` (coefficient `i`
//! times `g^i`) and evaluated there (NTT); there `Z = g^N - 1` is a constant, so
//! `h = iNTT((a b - c) / (g^N - 1))` shifted back by `g^-i`. The scalings are folded
//! into two precomputed tables: `g^i / N` (after the first inverse NTT) and
//! `g^-i / (N (g^N - 1))` (after the last).
//!
//! # Cost
//!
//! Seven radix-2 NTTs of size `N` (`N/2 log N` butterflies, one multiplication each),
//! `3N` multiplications for the scalings and `N` for `a b`, plus one multiplication per
//! matrix entry. The twiddles `w^k` and `w^-k` (`k < N/2`) and the two scaling tables
//! are built once: `3N` field elements (32 bytes each; 3 MiB for `N = 2^15`). Arkworks'
//! FFTs recompute their twiddles and coset powers on every call.
//!
//! # Parallelism
//!
//! The `A`/`B`/`C` chains run as rayon tasks, and each NTT stage splits its butterflies
//! into tasks, all in the current pool.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::utils::matrix::Matrix;
use rayon::prelude::*;

use super::field::{FastMul, RowSum};

/// Butterflies per rayon task (below this, a stage's blocks are grouped).
const TASK: usize = 1 << 10;

/// The domain of a circuit with its twiddle and scaling tables.
#[derive(Clone, Debug)]
pub struct QapDomain {
    size: usize,
    /// `w^k`, `k < N/2`.
    roots: Vec<Fr>,
    /// `w^-k`, `k < N/2`.
    inv_roots: Vec<Fr>,
    /// `g^i / N`.
    to_coset: Vec<Fr>,
    /// `g^-i / (N (g^N - 1))`.
    from_coset: Vec<Fr>,
}

impl QapDomain {
    /// The domain for `num_constraints + num_inputs` points (the same `w` as arkworks'
    /// `Radix2EvaluationDomain`; the coset generator is `Fr::GENERATOR` as in
    /// `LibsnarkReduction`). `None` if the field has no such domain.
    pub fn new(num_constraints: usize, num_inputs: usize) -> Option<Self> {
        let d = Radix2EvaluationDomain::<Fr>::new(num_constraints + num_inputs)?;
        let size = d.size();
        let powers = |base: Fr, scale: Fr, n: usize| -> Vec<Fr> {
            let mut out = Vec::with_capacity(n);
            let mut acc = scale;
            for _ in 0..n {
                out.push(acc);
                acc *= base;
            }
            out
        };
        let g = Fr::GENERATOR;
        let g_inv = g.inverse()?;
        let z_inv = (g.pow([size as u64]) - Fr::from(1u64)).inverse()?;
        Some(Self {
            size,
            roots: powers(d.group_gen(), Fr::from(1u64), size / 2),
            inv_roots: powers(d.group_gen_inv(), Fr::from(1u64), size / 2),
            to_coset: powers(g, d.size_inv(), size),
            from_coset: powers(g_inv, d.size_inv() * z_inv, size),
        })
    }

    /// The domain size `N`.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes held by the tables.
    pub fn table_bytes(&self) -> usize {
        (self.roots.len() + self.inv_roots.len() + self.to_coset.len() + self.from_coset.len())
            * core::mem::size_of::<Fr>()
    }

    /// The coefficients of `h` (length `N`), as `LibsnarkReduction::witness_map_from_matrices`
    /// computes them. `abc` are the R1CS matrices, `num_inputs` counts the constant 1.
    pub fn witness_map(
        &self,
        abc: &[Matrix<Fr>],
        num_inputs: usize,
        num_constraints: usize,
        full: &[Fr],
    ) -> Vec<Fr> {
        let n = self.size;
        let eval_rows = |m: &Matrix<Fr>, extra_inputs: bool| -> Vec<Fr> {
            let mut v = vec![Fr::zero(); n];
            v[..num_constraints]
                .par_iter_mut()
                .zip(m.par_iter())
                .with_min_len(256)
                .for_each(|(out, row)| {
                    let mut acc = RowSum::new();
                    for (coeff, i) in row {
                        let z = &full[*i];
                        if coeff.is_one() {
                            acc.add(z);
                        } else {
                            acc.add_product(z, coeff);
                        }
                    }
                    *out = acc.finish();
                });
            if extra_inputs {
                v[num_constraints..num_constraints + num_inputs]
                    .copy_from_slice(&full[..num_inputs]);
            }
            v
        };
        let to_coset = |m: &Matrix<Fr>, extra: bool| -> Vec<Fr> {
            let mut v = eval_rows(m, extra);
            ntt(&mut v, &self.inv_roots);
            v.par_iter_mut()
                .zip(self.to_coset.par_iter())
                .with_min_len(TASK)
                .for_each(|(x, s)| *x = x.mul_fast(s));
            ntt(&mut v, &self.roots);
            v
        };
        let (mut a, (b, c)) = rayon::join(
            || to_coset(&abc[0], true),
            || rayon::join(|| to_coset(&abc[1], false), || to_coset(&abc[2], false)),
        );
        a.par_iter_mut()
            .zip(b.par_iter().zip(c.par_iter()))
            .with_min_len(TASK)
            .for_each(|(a, (b, c))| {
                *a = a.mul_fast(b) - c;
            });
        drop((b, c));
        ntt(&mut a, &self.inv_roots);
        a.par_iter_mut()
            .zip(self.from_coset.par_iter())
            .with_min_len(TASK)
            .for_each(|(x, s)| *x = x.mul_fast(s));
        a
    }
}

/// In-place unscaled NTT: `v_j <- sum_i v_i r^(ij)` where `roots[k] = r^k` (`k < N/2`,
/// `r` of order `N = v.len()`, a power of two). Bit reversal, then decimation in time.
pub fn ntt(v: &mut [Fr], roots: &[Fr]) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let log_n = n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log_n);
        if i < j {
            v.swap(i, j);
        }
    }
    let mut h = 1;
    while h < n {
        let stride = n / (2 * h);
        let butterfly = |lo: &mut [Fr], hi: &mut [Fr], first: usize| {
            for (j, (l, u)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                // The twiddle w^0 = 1 (every butterfly of the first stage, the first
                // of each block after) needs no product.
                let t = if first + j == 0 {
                    *u
                } else {
                    u.mul_fast(&roots[(first + j) * stride])
                };
                *u = *l - t;
                *l += t;
            }
        };
        if h >= TASK {
            v.par_chunks_mut(2 * h).for_each(|block| {
                let (lo, hi) = block.split_at_mut(h);
                lo.par_chunks_mut(TASK)
                    .zip(hi.par_chunks_mut(TASK))
                    .enumerate()
                    .for_each(|(t, (l, u))| butterfly(l, u, t * TASK));
            });
        } else {
            v.par_chunks_mut((2 * h).max(2 * TASK)).for_each(|group| {
                for block in group.chunks_mut(2 * h) {
                    let (lo, hi) = block.split_at_mut(h);
                    butterfly(lo, hi, 0);
                }
            });
        }
        h *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::GeneralEvaluationDomain;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn ntt_matches_arkworks_fft() {
        let mut rng = StdRng::seed_from_u64(1);
        for log in 0..12 {
            let n = 1 << log;
            let d = GeneralEvaluationDomain::<Fr>::new(n).expect("domain");
            let q = QapDomain::new(n, 0).expect("domain");
            let v: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let mut ours = v.clone();
            ntt(&mut ours, &q.roots);
            assert_eq!(ours, d.fft(&v));
        }
    }
}
