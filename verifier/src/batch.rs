//! Single and batch Groth16 verification.
//!
//! A proof `(A, B, C)` of public inputs `x` verifies when
//! `e(A, B) = e(alpha, beta) * e(L(x), gamma) * e(C, delta)` with
//! `L(x) = IC_0 + sum_i x_i IC_{i+1}`. For `n` proofs under one key, draw independent
//! 128-bit random scalars `r_j` and check the single equation
//!
//! ```text
//! prod_j e(r_j A_j, B_j) * e(sum_j r_j L_j, -gamma) * e(sum_j r_j C_j, -delta)
//!     * e(-(sum_j r_j) alpha, beta) = 1
//! ```
//!
//! as one multi-pairing (n + 3 Miller loops, one final exponentiation). `sum_j r_j L_j`
//! needs only `|x| + 1` scalar multiplications: its scalars are `sum_j r_j` and
//! `sum_j r_j x_ji`. If any proof is invalid the combined check passes with
//! probability at most about 2^-128 (the `r_j` are drawn from OS randomness after the
//! proofs are fixed). When a batch fails it is split in halves and each half is checked
//! again with fresh scalars, down to single proofs, which names exactly the bad ones.

use crate::keys::CircuitKey;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::pairing::{Pairing, PairingOutput};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{One, Zero};
use ark_groth16::Proof;
use ark_std::rand::{CryptoRng, RngCore, SeedableRng, rngs::StdRng};
use rayon::prelude::*;

/// One proof with its public inputs.
#[derive(Clone, Debug)]
pub struct BatchItem {
    /// Public inputs (without the constant 1).
    pub public_inputs: Vec<Fr>,
    /// The proof.
    pub proof: Proof<Bn254>,
}

/// Why a batch was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// These proofs (indices into the batch) do not verify; all others do.
    #[error("{} of {total} proofs do not verify: indices {bad:?}", bad.len())]
    BadProofs {
        /// Indices of the failing proofs, ascending.
        bad: Vec<usize>,
        /// Batch size.
        total: usize,
    },
    /// OS randomness was not available for the random scalars.
    #[error("no OS randomness for the batch scalars: {0}")]
    Randomness(String),
}

/// A CSPRNG seeded from the operating system.
pub fn os_rng() -> Result<StdRng, BatchError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| BatchError::Randomness(e.to_string()))?;
    Ok(StdRng::from_seed(seed))
}

/// Verifies one proof: `e(A, B) e(L, -gamma) e(C, -delta) = e(alpha, beta)` with the
/// precomputed `e(alpha, beta)`, `L = IC_0 + sum x_i IC_{i+1}` computed from fixed-base
/// tables of the `IC_i` (see `crate::fixed_base`: at most 32 mixed additions per input,
/// where arkworks' `verify_proof` runs a double-and-add per input).
pub fn verify_one(key: &CircuitKey, public_inputs: &[Fr], proof: &Proof<Bn254>) -> bool {
    let vk = key.vk();
    if public_inputs.len() + 1 != vk.gamma_abc_g1.len() {
        return false;
    }
    let mut l = vk.gamma_abc_g1[0].into_group();
    for (x, table) in public_inputs.iter().zip(key.input_tables()) {
        l += table.mul(x);
    }
    let ml = Bn254::multi_miller_loop(
        [
            <Bn254 as Pairing>::G1Prepared::from(proof.a),
            l.into_affine().into(),
            proof.c.into(),
        ],
        [
            proof.b.into(),
            key.prepared.gamma_g2_neg_pc.clone(),
            key.prepared.delta_g2_neg_pc.clone(),
        ],
    );
    match Bn254::final_exponentiation(ml) {
        Some(out) => out.0 == key.prepared.alpha_g1_beta_g2,
        None => false,
    }
}

/// Checks the random linear combination of `items` (all under `key`) in one multi-pairing.
/// Items with the wrong number of public inputs make it fail.
pub fn check_combined<R: RngCore + CryptoRng>(
    key: &CircuitKey,
    items: &[&BatchItem],
    rng: &mut R,
) -> bool {
    let vk = key.vk();
    let n_inputs = vk.gamma_abc_g1.len() - 1;
    if items.is_empty() {
        return true;
    }
    if items.iter().any(|it| it.public_inputs.len() != n_inputs) {
        return false;
    }
    let r: Vec<Fr> = items
        .iter()
        .map(|_| {
            let mut b = [0u8; 16];
            rng.fill_bytes(&mut b);
            Fr::from(u128::from_le_bytes(b))
        })
        .collect();

    // Scalars of IC: sum r_j, and sum_j r_j x_ji.
    let mut ic_scalars = vec![Fr::zero(); n_inputs + 1];
    for (rj, it) in r.iter().zip(items) {
        ic_scalars[0] += rj;
        for (s, x) in ic_scalars[1..].iter_mut().zip(&it.public_inputs) {
            *s += *rj * x;
        }
    }
    let sum_r = ic_scalars[0];
    let l = G1Projective::msm_unchecked(&vk.gamma_abc_g1, &ic_scalars);
    let cs: Vec<G1Affine> = items.iter().map(|it| it.proof.c).collect();
    let c = G1Projective::msm_unchecked(&cs, &r);
    let neg_alpha = vk.alpha_g1.into_group() * (-sum_r);

    // r_j A_j, with 128-bit scalars.
    let ra: Vec<G1Projective> = items
        .par_iter()
        .zip(&r)
        .map(|(it, rj)| it.proof.a.into_group() * rj)
        .collect();
    let mut g1: Vec<G1Affine> = G1Projective::normalize_batch(&ra);
    let tail = G1Projective::normalize_batch(&[l, c, neg_alpha]);
    g1.extend(tail);

    let mut g2: Vec<<Bn254 as Pairing>::G2Prepared> =
        items.par_iter().map(|it| it.proof.b.into()).collect();
    g2.push(key.prepared.gamma_g2_neg_pc.clone());
    g2.push(key.prepared.delta_g2_neg_pc.clone());
    g2.push(key.beta_g2_prepared.clone());

    // Miller loops in parallel chunks, one final exponentiation.
    let threads = rayon::current_num_threads().max(1);
    let chunk = g1.len().div_ceil(threads).max(1);
    let g1_prepared: Vec<<Bn254 as Pairing>::G1Prepared> = g1.into_iter().map(Into::into).collect();
    let ml = g1_prepared
        .par_chunks(chunk)
        .zip(g2.par_chunks(chunk))
        .map(|(a, b)| Bn254::multi_miller_loop(a.iter().cloned(), b.iter().cloned()))
        .reduce(
            || ark_ec::pairing::MillerLoopOutput(<Bn254 as Pairing>::TargetField::one()),
            |x, y| ark_ec::pairing::MillerLoopOutput(x.0 * y.0),
        );
    match Bn254::final_exponentiation(ml) {
        Some(out) => out == PairingOutput::<Bn254>::zero(),
        None => false,
    }
}

/// Batch-verifies `items` (all under `key`). On failure, bisects to name every bad proof.
pub fn batch_verify(key: &CircuitKey, items: &[BatchItem]) -> Result<(), BatchError> {
    let mut rng = os_rng()?;
    let refs: Vec<(usize, &BatchItem)> = items.iter().enumerate().collect();
    let mut bad = Vec::new();
    find_bad(key, &refs, &mut rng, &mut bad);
    if bad.is_empty() {
        Ok(())
    } else {
        bad.sort_unstable();
        Err(BatchError::BadProofs {
            bad,
            total: items.len(),
        })
    }
}

fn find_bad<R: RngCore + CryptoRng>(
    key: &CircuitKey,
    items: &[(usize, &BatchItem)],
    rng: &mut R,
    bad: &mut Vec<usize>,
) {
    match items {
        [] => {}
        [(i, it)] => {
            if !verify_one(key, &it.public_inputs, &it.proof) {
                bad.push(*i);
            }
        }
        _ => {
            let refs: Vec<&BatchItem> = items.iter().map(|(_, it)| *it).collect();
            if check_combined(key, &refs, rng) {
                return;
            }
            let (left, right) = items.split_at(items.len() / 2);
            find_bad(key, left, rng, bad);
            find_bad(key, right, rng, bad);
        }
    }
}
