//! Our circuits as circom `.r1cs` files (version 1), so snarkjs can check a phase 2
//! against the same constraint system (`snarkjs zkey new|verify circuit.r1cs ...`).
//!
//! Layout (facts from `r1csfile` `readR1csHeader`/`readConstraints`): section 1 header:
//! `u32` field size 32, the BN254 scalar modulus (LE), `u32` wires, `u32` public outputs,
//! `u32` public inputs, `u32` private inputs, `u64` labels, `u32` constraints. Section 2:
//! per constraint the linear combinations A, B, C, each a `u32` term count then terms
//! (`u32` wire, 32-byte LE canonical coefficient). Section 3: per wire its `u64` label.
//!
//! Wire order is arkworks' variable order, which is also circom's shape: wire 0 is the
//! constant 1, then the public inputs in circuit order, then the witnesses. We declare
//! every public value an input (no outputs) and every witness a private input.

use crate::binfile::{BinFile, BinWriter, Reader, write_atomically};
use crate::encoding::{fr_from_le, fr_to_le};
use crate::error::{CeremonyError, Result};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, R1CS_PREDICATE_LABEL, SynthesisMode,
};
use std::path::Path;
use zktr_circuits::circuits::CircuitId;

/// One linear combination: `(wire, coefficient)` terms.
pub type Lc = Vec<(u32, Fr)>;

/// A rank-1 constraint system in circom's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct R1cs {
    /// Wires, including the constant 1.
    pub wires: u32,
    /// Public inputs (without the constant 1).
    pub public: u32,
    /// Per constraint `(A, B, C)`.
    pub constraints: Vec<(Lc, Lc, Lc)>,
}

impl R1cs {
    /// The constraint system of one of our circuits, exactly as the prover and arkworks'
    /// key generator synthesize it (setup mode, constraints-optimized inlining).
    pub fn of_circuit(circuit: CircuitId) -> Result<Self> {
        Self::of_synthesizer(circuit.blank_circuit(), &circuit.to_string())
    }

    /// The constraint system of any arkworks circuit (`label` names it in errors).
    /// Synthesis runs in its own rayon pool whose threads have 256 MiB stacks: arkworks'
    /// inlining of linear combinations recurses deeply on our Poseidon-heavy circuits,
    /// partly on rayon workers, and overflows the default 2 MiB.
    pub fn of_synthesizer<C: ConstraintSynthesizer<Fr> + Send>(
        synthesizer: C,
        label: &str,
    ) -> Result<Self> {
        crate::points::with_big_stacks(|| Self::synthesize(synthesizer, label))?
    }

    fn synthesize<C: ConstraintSynthesizer<Fr>>(synthesizer: C, label: &str) -> Result<Self> {
        let circuit = label;
        let fail = |e: ark_relations::gr1cs::SynthesisError| CeremonyError::Synthesis {
            circuit: circuit.to_string(),
            reason: e.to_string(),
        };
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        synthesizer.generate_constraints(cs.clone()).map_err(fail)?;
        cs.finalize();
        let mut all = cs.to_matrices().map_err(fail)?;
        let abc = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| CeremonyError::Synthesis {
                circuit: circuit.to_string(),
                reason: "no R1CS predicate".into(),
            })?;
        let [a, b, c]: [_; 3] = abc.try_into().map_err(|_| CeremonyError::Synthesis {
            circuit: circuit.to_string(),
            reason: "R1CS predicate without three matrices".into(),
        })?;
        let lc = |row: &Vec<(Fr, usize)>| row.iter().map(|(v, i)| (*i as u32, *v)).collect::<Lc>();
        let constraints = a
            .iter()
            .zip(b.iter())
            .zip(c.iter())
            .map(|((a, b), c)| (lc(a), lc(b), lc(c)))
            .collect();
        Ok(Self {
            wires: (cs.num_instance_variables() + cs.num_witness_variables()) as u32,
            public: (cs.num_instance_variables() - 1) as u32,
            constraints,
        })
    }

    /// log2 of the QAP domain: constraints plus one row per public value and the constant
    /// 1, rounded up to a power of two (as snarkjs and arkworks size it).
    pub fn domain_power(&self) -> u32 {
        let rows = self.constraints.len() + self.public as usize + 1;
        rows.next_power_of_two().trailing_zeros()
    }

    /// The `.r1cs` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = BinWriter::new(b"r1cs", 1);
        let mut h = Vec::new();
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        h.extend_from_slice(&self.wires.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&self.public.to_le_bytes());
        h.extend_from_slice(&(self.wires - 1 - self.public).to_le_bytes());
        h.extend_from_slice(&u64::from(self.wires).to_le_bytes());
        h.extend_from_slice(&(self.constraints.len() as u32).to_le_bytes());
        w.section(1, &h);
        let mut c = Vec::new();
        for (a, b, cc) in &self.constraints {
            for lc in [a, b, cc] {
                c.extend_from_slice(&(lc.len() as u32).to_le_bytes());
                for (wire, v) in lc {
                    c.extend_from_slice(&wire.to_le_bytes());
                    c.extend_from_slice(&fr_to_le(v));
                }
            }
        }
        w.section(2, &c);
        let mut l = Vec::with_capacity(self.wires as usize * 8);
        for i in 0..u64::from(self.wires) {
            l.extend_from_slice(&i.to_le_bytes());
        }
        w.section(3, &l);
        w.finish()
    }

    /// Writes the `.r1cs` file.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_bytes())
    }

    /// Reads a `.r1cs` file (BN254 only). Outputs count as public values.
    pub fn read(path: &Path) -> Result<Self> {
        let file = BinFile::read(path, b"r1cs", 1)?;
        let mut h = Reader::new(file.section(1)?, path, "header (1)");
        if h.u32()? != 32 || h.take(32)? != Fr::MODULUS.to_bytes_le().as_slice() {
            return Err(h.error("not over the BN254 scalar field"));
        }
        let wires = h.u32()?;
        let outputs = h.u32()?;
        let inputs = h.u32()?;
        let _private = h.u32()?;
        let _labels = h.u64()?;
        let n = h.u32()?;
        let public = outputs
            .checked_add(inputs)
            .filter(|p| *p < wires)
            .ok_or_else(|| h.error("more public values than wires"))?;
        let mut r = Reader::new(file.section(2)?, path, "constraints (2)");
        // Counts come from the file: reserve no more than its bytes can hold (a constraint
        // is at least three 4-byte counts, a term 36 bytes), so a lying header cannot make
        // us allocate gigabytes.
        let mut constraints = Vec::with_capacity((n as usize).min(r.remaining() / 12));
        for _ in 0..n {
            let mut lcs = Vec::with_capacity(3);
            for _ in 0..3 {
                let k = r.u32()?;
                let mut lc = Vec::with_capacity((k as usize).min(r.remaining() / 36));
                for _ in 0..k {
                    let wire = r.u32()?;
                    if wire >= wires {
                        return Err(r.error(format!("wire {wire} out of range")));
                    }
                    let v = fr_from_le(r.take(32)?)
                        .ok_or_else(|| r.error("coefficient not reduced"))?;
                    lc.push((wire, v));
                }
                lcs.push(lc);
            }
            let c = lcs.pop().unwrap_or_default();
            let b = lcs.pop().unwrap_or_default();
            let a = lcs.pop().unwrap_or_default();
            constraints.push((a, b, c));
        }
        r.finish()?;
        Ok(Self {
            wires,
            public,
            constraints,
        })
    }
}
