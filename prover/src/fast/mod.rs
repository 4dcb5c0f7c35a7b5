//! zktr's own Groth16 proof computation (BN254): the same proof as arkworks'
//! `create_proof_with_reduction_and_matrices` (bit for bit, given the same `r`, `s`),
//! computed faster.
//!
//! Given the full assignment `z` (the constant 1, the public inputs, the witness), the
//! proving key and randomness `r`, `s`:
//!
//! ```text
//! h    = QAP witness map of z                           (qap: 7 NTTs of the domain size)
//! A    = alpha + sum z_j a_j + r delta                  (G1 MSM over z)
//! B    = beta  + sum z_j b_j + s delta                  (G2 MSM over z, and the same in G1)
//! C    = sum_{j witness} z_j l_j + sum h_i H_i + s A + r B_G1 - r s delta
//! ```
//!
//! * [`qap`]: the witness map with the domain, twiddles and coset tables built once per
//!   circuit ([`QapDomain`](qap::QapDomain));
//! * [`msm`]: Pippenger with batch-affine bucket accumulation, signed digits and the
//!   0/±1 scalars summed without a bucket pass; `z` is classified and recoded once for
//!   the four MSMs over it.
//!
//! # Cost
//!
//! Four MSMs of the assignment's length (three in G1, one in G2, where an addition costs
//! about three times as much) and one of the domain size `N` (in G1), plus the seven NTTs.
//! The per-circuit state ([`FastKey`]) is the QAP tables: `3N` field elements, and,
//! once [`FastKey::build_tables`] has run, shifted copies of every fixed base
//! ([`Tables`]): each MSM then uses one set of wider buckets for all its windows.
//!
//! # Binding to the key
//!
//! A [`FastKey`] records the verifying key's id and a fingerprint of the proving key
//! it was built for (query lengths and several points); [`FastKey::prove`] refuses any
//! other key, so state built for one key is never used with another.

pub mod field;
pub mod msm;
pub mod qap;
pub mod table_file;
#[cfg(test)]
mod tests;

use ark_bn254::{Bn254, Fr, G1Affine, G2Affine};
use ark_ec::CurveGroup;
use ark_ec::pairing::Pairing;
use ark_ff::{PrimeField, Zero};
use ark_groth16::{Proof, ProvingKey};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::utils::matrix::Matrix;
use msm::{Bases, Msm, PreparedScalars, Scalar, ShiftedBases};
use qap::QapDomain;
use std::sync::OnceLock;

/// Why the fast engine cannot prove.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The state was built for another proving key.
    #[error("prover tables built for key {built_for} used with key {used_with}")]
    KeyMismatch {
        /// The verifying key id the state was built for.
        built_for: String,
        /// The key it was used with.
        used_with: String,
    },
    /// The proving key, matrices and assignment do not fit together.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// No evaluation domain of the needed size.
    #[error("no evaluation domain for {0} points")]
    NoDomain(usize),
}

/// What identifies a proving key cheaply: its verifying key's id, the query lengths and
/// some of its points (checked before every proof).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fingerprint {
    vk_id: String,
    lens: [usize; 5],
    g1: Vec<G1Affine>,
    g2: Vec<G2Affine>,
}

impl Fingerprint {
    fn of(pk: &ProvingKey<Bn254>, vk_id: &str) -> Self {
        let ends = |v: &[G1Affine]| [v.first().copied(), v.last().copied()];
        let mut g1 = vec![pk.delta_g1, pk.beta_g1, pk.vk.alpha_g1];
        for q in [&pk.a_query, &pk.b_g1_query, &pk.h_query, &pk.l_query] {
            g1.extend(ends(q).into_iter().flatten());
        }
        let g2 = [pk.b_g2_query.first(), pk.b_g2_query.last()]
            .into_iter()
            .flatten()
            .copied()
            .chain([pk.vk.delta_g2, pk.vk.beta_g2])
            .collect();
        Self {
            vk_id: vk_id.to_owned(),
            lens: [
                pk.a_query.len(),
                pk.b_g1_query.len(),
                pk.b_g2_query.len(),
                pk.h_query.len(),
                pk.l_query.len(),
            ],
            g1,
            g2,
        }
    }
}

/// Shifted copies of every fixed base of a proving key ([`msm::ShiftedBases`]): `A`,
/// `B` (G1 and G2) and `L` for windows of `z_bits`, `H` for windows of `h_bits`.
#[derive(Clone, Debug)]
pub struct Tables {
    z_bits: usize,
    h_bits: usize,
    a: ShiftedBases<ark_bn254::g1::Config>,
    b_g1: ShiftedBases<ark_bn254::g1::Config>,
    b_g2: ShiftedBases<ark_bn254::g2::Config>,
    l: ShiftedBases<ark_bn254::g1::Config>,
    h: ShiftedBases<ark_bn254::g1::Config>,
}

impl Tables {
    /// Builds the copies for `pk` (in parallel in the current rayon pool). Cost: about
    /// 254 doublings per base (G2 ones cost about 3.5 times G1 ones).
    fn new(pk: &ProvingKey<Bn254>) -> Self {
        let z_bits = msm::table_window_bits(pk.a_query.len());
        let h_bits = msm::table_window_bits(pk.h_query.len());
        let ((a, b_g1), ((l, h), b_g2)) = rayon::join(
            || {
                rayon::join(
                    || ShiftedBases::new(&pk.a_query, z_bits),
                    || ShiftedBases::new(&pk.b_g1_query, z_bits),
                )
            },
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || ShiftedBases::new(&pk.l_query, z_bits),
                            || ShiftedBases::new(&pk.h_query, h_bits),
                        )
                    },
                    || ShiftedBases::new(&pk.b_g2_query, z_bits),
                )
            },
        );
        Self {
            z_bits,
            h_bits,
            a,
            b_g1,
            b_g2,
            l,
            h,
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.a.bytes() + self.b_g1.bytes() + self.b_g2.bytes() + self.l.bytes() + self.h.bytes()
    }
}

/// The per-circuit state of the fast engine, bound to one proving key.
#[derive(Clone, Debug)]
pub struct FastKey {
    fingerprint: Fingerprint,
    qap: QapDomain,
    tables: OnceLock<Tables>,
}

impl FastKey {
    /// Builds the state for `pk` (whose verifying key has id `vk_id`). The domain size is
    /// `h_query.len() + 1` (libsnark's reduction has `N - 1` `H` bases). Cost: `3N`
    /// multiplications.
    pub fn new(pk: &ProvingKey<Bn254>, vk_id: &str) -> Result<Self, EngineError> {
        let n = pk.h_query.len() + 1;
        let qap = QapDomain::new(n, 0).ok_or(EngineError::NoDomain(n))?;
        if qap.size() != n {
            return Err(EngineError::Shape(format!(
                "{} H bases is not a power-of-two domain minus one",
                pk.h_query.len()
            )));
        }
        Ok(Self {
            fingerprint: Fingerprint::of(pk, vk_id),
            qap,
            tables: OnceLock::new(),
        })
    }

    /// Builds the fixed-base tables ([`Tables`]) for `pk` unless built; refused for a key
    /// this state was not built for. Proofs use them from then on.
    pub fn build_tables(
        &self,
        pk: &ProvingKey<Bn254>,
        vk_id: &str,
    ) -> Result<&Tables, EngineError> {
        self.check(pk, vk_id)?;
        Ok(self.tables.get_or_init(|| Tables::new(pk)))
    }

    /// Installs tables read from a file ([`table_file::read`], which checked them against
    /// `pk`) unless tables are already built; refused for a key this state was not built
    /// for.
    pub fn install_tables(
        &self,
        pk: &ProvingKey<Bn254>,
        vk_id: &str,
        tables: Tables,
    ) -> Result<&Tables, EngineError> {
        self.check(pk, vk_id)?;
        Ok(self.tables.get_or_init(|| tables))
    }

    /// The fixed-base tables, if built.
    pub fn tables(&self) -> Option<&Tables> {
        self.tables.get()
    }

    /// Bytes of precomputed tables held (QAP tables and, if built, the fixed-base ones).
    pub fn table_bytes(&self) -> usize {
        self.qap.table_bytes() + self.tables.get().map_or(0, Tables::bytes)
    }

    fn check(&self, pk: &ProvingKey<Bn254>, vk_id: &str) -> Result<(), EngineError> {
        if self.is_for(pk, vk_id) {
            Ok(())
        } else {
            Err(EngineError::KeyMismatch {
                built_for: self.fingerprint.vk_id.clone(),
                used_with: vk_id.to_owned(),
            })
        }
    }

    /// The QAP domain.
    pub fn qap(&self) -> &QapDomain {
        &self.qap
    }

    /// Whether this state was built for `pk` (with verifying key id `vk_id`).
    pub fn is_for(&self, pk: &ProvingKey<Bn254>, vk_id: &str) -> bool {
        self.fingerprint.vk_id == vk_id && self.fingerprint == Fingerprint::of(pk, vk_id)
    }

    /// The Groth16 proof of `full` (`[1, inputs.., witness..]`, `num_inputs` counting
    /// the 1) with randomness `r`, `s`: the same proof as arkworks'
    /// `create_proof_with_reduction_and_matrices(pk, r, s, abc, num_inputs,
    /// num_constraints, full)`.
    #[allow(clippy::too_many_arguments)]
    pub fn prove(
        &self,
        pk: &ProvingKey<Bn254>,
        vk_id: &str,
        abc: &[Matrix<Fr>],
        num_inputs: usize,
        num_constraints: usize,
        full: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<Proof<Bn254>, EngineError> {
        self.check(pk, vk_id)?;
        let shape = |what: String| Err(EngineError::Shape(what));
        if abc.len() != 3 || abc.iter().any(|m| m.len() != num_constraints) {
            return shape("matrices are not three of the constraint count".into());
        }
        if full.len() != pk.a_query.len() || num_inputs == 0 || num_inputs > full.len() {
            return shape(format!(
                "assignment of {} variables ({num_inputs} inputs), key of {}",
                full.len(),
                pk.a_query.len()
            ));
        }
        if full.len() - num_inputs != pk.l_query.len() {
            return shape(format!(
                "{} witness variables, {} L bases",
                full.len() - num_inputs,
                pk.l_query.len()
            ));
        }
        if full[0] != Fr::from(1u64) {
            return shape("the assignment does not start with the constant 1".into());
        }
        match Radix2EvaluationDomain::<Fr>::compute_size_of_domain(num_constraints + num_inputs) {
            Some(n) if n == self.qap.size() => {}
            _ => {
                return shape(format!(
                    "{num_constraints} constraints + {num_inputs} inputs do not fit the key's domain of {}",
                    self.qap.size()
                ));
            }
        }
        if abc
            .iter()
            .flat_map(|m| m.iter().flatten())
            .any(|(_, i)| *i >= full.len())
        {
            return shape("a matrix refers to a variable past the assignment".into());
        }

        let tables = self.tables.get();
        let prepare = |v: &[Scalar], bits: Option<usize>| match bits {
            Some(c) => PreparedScalars::with_window(v, c),
            None => PreparedScalars::new(v),
        };
        let (h, z) = rayon::join(
            || {
                let h = self.qap.witness_map(abc, num_inputs, num_constraints, full);
                let h: Vec<Scalar> = h
                    .iter()
                    .take(pk.h_query.len())
                    .map(|x| x.into_bigint())
                    .collect();
                prepare(&h, tables.map(|t| t.h_bits))
            },
            || {
                let z: Vec<Scalar> = full.iter().map(|x| x.into_bigint()).collect();
                prepare(&z, tables.map(|t| t.z_bits))
            },
        );

        // All five MSMs' tasks together, largest first (`msm_batch`).
        let (g1_sums, g2_sums) = msm::msm_batch(
            &[
                Msm::new(Bases::new(&pk.a_query, tables.map(|t| &t.a)), 0, &z),
                Msm::new(Bases::new(&pk.b_g1_query, tables.map(|t| &t.b_g1)), 0, &z),
                Msm::new(
                    Bases::new(&pk.l_query, tables.map(|t| &t.l)),
                    num_inputs,
                    &z,
                ),
                Msm::new(Bases::new(&pk.h_query, tables.map(|t| &t.h)), 0, &h),
            ],
            &[Msm::new(
                Bases::new(&pk.b_g2_query, tables.map(|t| &t.b_g2)),
                0,
                &z,
            )],
        );
        let ([a, b1, l, hq], [b2]) = (
            <[_; 4]>::try_from(g1_sums).map_err(|_| EngineError::Shape("MSM results".into()))?,
            <[_; 1]>::try_from(g2_sums).map_err(|_| EngineError::Shape("MSM results".into()))?,
        );
        let g_a = a + pk.vk.alpha_g1 + pk.delta_g1 * r;
        let g1_b = if r.is_zero() {
            <Bn254 as Pairing>::G1::zero()
        } else {
            b1 + pk.beta_g1 + pk.delta_g1 * s
        };
        let g2_b = b2 + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
        let g_c = g_a * s + g1_b * r - pk.delta_g1 * (r * s) + l + hq;
        Ok(Proof {
            a: g_a.into_affine(),
            b: g2_b.into_affine(),
            c: g_c.into_affine(),
        })
    }
}
