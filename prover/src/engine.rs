//! Proving one circuit fast: what does not change between proofs of a circuit is built
//! once and reused.
//!
//! `Groth16::prove` synthesizes the circuit with matrix construction on (every
//! constraint's linear combinations are recorded, inlined and turned into sparse
//! matrices), only to throw the matrices away after one proof. Here the matrices are
//! built once per circuit (from the blank circuit, in setup mode, exactly as key
//! generation builds them) and every proof synthesizes the *witness only*
//! (`construct_matrices: false`: no linear combinations are stored).
//!
//! The witness-only synthesis allocates exactly the same variables in the same order as
//! the setup synthesis (the circuits allocate unconditionally; the optimization goal is
//! the same), so the assignment lines up with the matrices; the tests check that the
//! proofs verify.
//!
//! [`CircuitProver::prove`] then computes the proof with zktr's own engine
//! (`fast`, re-exported here as [`FastKey`], [`msm`], [`qap`]: batch-affine MSMs, the
//! QAP with per-circuit tables, optional fixed-base tables from
//! [`CircuitProver::build_tables`]), which gives the same proof as arkworks for the
//! same `r`, `s`; [`CircuitProver::prove_arkworks`]
//! is the same path through arkworks' `create_proof_with_reduction_and_matrices`, and
//! [`CircuitProver::prove_plain`] arkworks' `Groth16::prove`, both kept for the
//! benchmarks' side-by-side comparison.

use crate::error::ProverError;
pub use crate::fast::{EngineError, FastKey, Tables, field, msm, qap, table_file};
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, R1CS_PREDICATE_LABEL, SynthesisMode,
};
use ark_relations::utils::matrix::Matrix;
use ark_std::rand::{CryptoRng, RngCore};
use std::sync::OnceLock;
use zktr_circuits::circuits::CircuitId;

/// The R1CS matrices of a circuit with its sizes.
#[derive(Debug)]
pub struct Matrices {
    /// `A`, `B`, `C`.
    pub abc: Vec<Matrix<Fr>>,
    /// Instance variables including the constant 1.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Constraints.
    pub num_constraints: usize,
}

impl Matrices {
    /// Synthesizes the blank circuit in setup mode.
    pub fn build(circuit: CircuitId) -> Result<Self, ProverError> {
        let fail = |e: ark_relations::gr1cs::SynthesisError| ProverError::Proving {
            claim: circuit,
            reason: e.to_string(),
        };
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit
            .blank_circuit()
            .generate_constraints(cs.clone())
            .map_err(fail)?;
        cs.finalize();
        let mut all = cs.to_matrices().map_err(fail)?;
        let abc = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| ProverError::Proving {
                claim: circuit,
                reason: "no R1CS predicate in the constraint system".into(),
            })?;
        Ok(Self {
            abc,
            num_instance: cs.num_instance_variables(),
            num_witness: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }
}

/// A circuit's proving key with its cached matrices.
pub struct CircuitProver {
    /// The circuit.
    pub circuit: CircuitId,
    /// The proving key.
    pub pk: ProvingKey<Bn254>,
    /// The verifying key's id (what bundles carry).
    pub vk_id: String,
    matrices: OnceLock<Matrices>,
    /// The fast engine's state, built with the key and bound to it (checked per proof).
    fast: Result<FastKey, EngineError>,
}

impl core::fmt::Debug for CircuitProver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CircuitProver")
            .field("circuit", &self.circuit)
            .field("vk_id", &self.vk_id)
            .finish_non_exhaustive()
    }
}

impl CircuitProver {
    /// Wraps a proving key.
    pub fn new(circuit: CircuitId, pk: ProvingKey<Bn254>) -> Self {
        let vk_id = zktr_records::manifest::verifying_key_id(&pk.vk);
        let fast = FastKey::new(&pk, &vk_id);
        Self {
            circuit,
            pk,
            vk_id,
            matrices: OnceLock::new(),
            fast,
        }
    }

    /// The matrices, built on first use.
    pub fn matrices(&self) -> Result<&Matrices, ProverError> {
        if let Some(m) = self.matrices.get() {
            return Ok(m);
        }
        let m = Matrices::build(self.circuit)?;
        Ok(self.matrices.get_or_init(|| m))
    }

    /// The fast engine's state (built with the key).
    pub fn fast_key(&self) -> Result<&FastKey, ProverError> {
        self.fast.as_ref().map_err(|e| ProverError::Proving {
            claim: self.circuit,
            reason: e.to_string(),
        })
    }

    /// Builds what is built on first use (the matrices) now.
    pub fn warm_up(&self) -> Result<(), ProverError> {
        self.fast_key()?;
        self.matrices().map(|_| ())
    }

    /// Builds the fast engine's fixed-base tables for this key (shifted copies of every
    /// query's bases; see [`FastKey::build_tables`]); proofs use them from then on.
    /// Returns the bytes the engine's tables hold.
    pub fn build_tables(&self) -> Result<usize, ProverError> {
        let fast = self.fast_key()?;
        fast.build_tables(&self.pk, &self.vk_id)
            .map_err(|e| ProverError::Proving {
                claim: self.circuit,
                reason: e.to_string(),
            })?;
        Ok(fast.table_bytes())
    }

    /// Installs fixed-base tables read from a file (checked against this key by
    /// [`crate::fast::table_file::read`]); kept if tables are already built.
    pub fn install_tables(&self, tables: Tables) -> Result<(), ProverError> {
        self.fast_key()?
            .install_tables(&self.pk, &self.vk_id, tables)
            .map(|_| ())
            .map_err(|e| ProverError::Proving {
                claim: self.circuit,
                reason: e.to_string(),
            })
    }

    /// Synthesizes `circuit` witness-only: the full assignment `[1, inputs.., witness..]`,
    /// checked against the matrices' shape and this key.
    pub fn assignment<C>(&self, circuit: C) -> Result<Vec<Fr>, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
    {
        let claim = self.circuit;
        let fail = |reason: String| ProverError::Proving { claim, reason };
        let m = self.matrices()?;
        if self.pk.a_query.len() != m.num_instance + m.num_witness {
            return Err(fail(format!(
                "the proving key has {} variables, this build's circuit {}: keys of another circuit version",
                self.pk.a_query.len(),
                m.num_instance + m.num_witness
            )));
        }
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit
            .generate_constraints(cs.clone())
            .map_err(|e| fail(e.to_string()))?;
        let inner = cs
            .borrow()
            .ok_or_else(|| fail("constraint system in use".into()))?;
        let instance = inner
            .instance_assignment()
            .map_err(|e| fail(e.to_string()))?;
        let witness = inner
            .witness_assignment()
            .map_err(|e| fail(e.to_string()))?;
        if instance.len() != m.num_instance || witness.len() != m.num_witness {
            return Err(fail(format!(
                "witness shape {}+{} differs from the circuit's {}+{}",
                instance.len(),
                witness.len(),
                m.num_instance,
                m.num_witness
            )));
        }
        Ok([instance, witness].concat())
    }

    /// Proves `circuit` (which must be of this key's circuit) with fresh `r`, `s`, with
    /// zktr's engine ([`FastKey::prove`]).
    pub fn prove<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof<Bn254>, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        let full = self.assignment(circuit)?;
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        self.prove_assignment(&full, r, s)
    }

    /// The proof of a full assignment (from [`Self::assignment`]) with the given `r`, `s`
    /// by zktr's engine: the same proof [`Self::prove_assignment_arkworks`] gives.
    pub fn prove_assignment(&self, full: &[Fr], r: Fr, s: Fr) -> Result<Proof<Bn254>, ProverError> {
        let m = self.matrices()?;
        self.fast_key()?
            .prove(
                &self.pk,
                &self.vk_id,
                &m.abc,
                m.num_instance,
                m.num_constraints,
                full,
                r,
                s,
            )
            .map_err(|e| ProverError::Proving {
                claim: self.circuit,
                reason: e.to_string(),
            })
    }

    /// Proves `circuit` like [`Self::prove`] (cached matrices, witness-only synthesis)
    /// but computes the proof with arkworks' `create_proof_with_reduction_and_matrices`.
    /// Kept for the benchmarks' comparison.
    pub fn prove_arkworks<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof<Bn254>, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        let full = self.assignment(circuit)?;
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        self.prove_assignment_arkworks(&full, r, s)
    }

    /// The proof of a full assignment with the given `r`, `s` by arkworks'
    /// `create_proof_with_reduction_and_matrices`.
    pub fn prove_assignment_arkworks(
        &self,
        full: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<Proof<Bn254>, ProverError> {
        let m = self.matrices()?;
        Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
            &self.pk,
            r,
            s,
            &m.abc,
            m.num_instance,
            m.num_constraints,
            full,
        )
        .map_err(|e| ProverError::Proving {
            claim: self.circuit,
            reason: e.to_string(),
        })
    }

    /// Proves with arkworks' plain `Groth16::prove` (re-synthesizes with matrices every
    /// time). Kept for the benchmarks' comparison.
    pub fn prove_plain<C, R>(&self, circuit: C, rng: &mut R) -> Result<Proof<Bn254>, ProverError>
    where
        C: ConstraintSynthesizer<Fr>,
        R: RngCore + CryptoRng,
    {
        use ark_snark::SNARK;
        Groth16::<Bn254>::prove(&self.pk, circuit, rng).map_err(|e| ProverError::Proving {
            claim: self.circuit,
            reason: e.to_string(),
        })
    }
}
