//! The three claim circuits. All take the transfer commitment `C` as their first public
//! input, so the claims of one transfer are bound together.
//!
//! | circuit | public inputs (in order) | statement |
//! |---|---|---|
//! | [`threshold`] | C, T, currency, direction | fiat value (slot 1) `>= T` (direction 1) or `< T` (0), in the committed currency (slot 2) |
//! | [`committed`] | C, log_root, asset_id, asset_amount, beneficiary_address_key | C is a leaf of the log under log_root; slots 3, 4, 5 hold the public values |
//! | [`not_sanctioned`] (v2) | C, sanctions_root, party | each key slot of the party is absent from the set (an id key may be 0); 4-ary sanctions tree |
//!
//! | [`priced_threshold`] (`threshold/v2`) | C, T, currency, direction, asset_id, price_num, price_den, valid_from, valid_until | as `threshold`, and the fiat value is `floor(amount * num / den)` of the committed asset amount (slot 3) at a price quote valid at the commitment time (slot 14) |
//!
//! `threshold/v2` is the threshold claim of a priced bundle: the fiat value follows from
//! the asset amount and a publisher's signed quote instead of the prover's word.
//! `threshold/v1` stays, for bundles without a quote (a policy accepts them only if it
//! allows unpriced thresholds).
//!
//! Each public-input struct owns the ordering of its field elements
//! (`to_field_elements` / `from_field_elements`), so prover and verifier cannot disagree.

pub mod committed;
pub mod not_sanctioned;
pub mod priced_threshold;
pub mod threshold;

use crate::error::Result;
use crate::field::Fr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};

pub use committed::{CommittedCircuit, CommittedPublicInputs};
pub use not_sanctioned::{NotSanctionedCircuit, NotSanctionedPublicInputs, Party};
pub use priced_threshold::{
    PricedThresholdCircuit, PricedThresholdPublicInputs, fiat_value_from_price,
};
pub use threshold::{ThresholdCircuit, ThresholdDirection, ThresholdPublicInputs};

/// Identifies a circuit (and so its Groth16 keys). The string form includes a version that
/// changes whenever the constraint system changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CircuitId {
    /// `threshold` (v1: the fiat value on the prover's word).
    Threshold,
    /// `threshold` (v2: the fiat value priced by a signed quote).
    ThresholdV2,
    /// `committed` v2 (4-ary commitment log).
    Committed,
    /// `not_sanctioned` for the originator (name and id keys), v2 (4-ary sanctions tree).
    NotSanctionedOriginator,
    /// `not_sanctioned` for the beneficiary (name, id and address keys), v2 (4-ary
    /// sanctions tree).
    NotSanctionedBeneficiary,
}

impl CircuitId {
    /// All circuits.
    pub const ALL: [CircuitId; 5] = [
        CircuitId::Threshold,
        CircuitId::ThresholdV2,
        CircuitId::Committed,
        CircuitId::NotSanctionedOriginator,
        CircuitId::NotSanctionedBeneficiary,
    ];

    /// Stable identifier, e.g. `threshold/v1`.
    pub fn as_str(self) -> &'static str {
        match self {
            CircuitId::Threshold => "threshold/v1",
            CircuitId::ThresholdV2 => "threshold/v2",
            CircuitId::Committed => "committed/v2",
            CircuitId::NotSanctionedOriginator => "not_sanctioned.originator/v2",
            CircuitId::NotSanctionedBeneficiary => "not_sanctioned.beneficiary/v2",
        }
    }

    /// Whether this is a `threshold` claim (of any version).
    pub fn is_threshold(self) -> bool {
        matches!(self, CircuitId::Threshold | CircuitId::ThresholdV2)
    }

    /// Parses [`CircuitId::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Circuit ids this build no longer has (replaced by a newer version), with what
    /// replaced them: so a key, manifest or proof naming one is refused by name.
    pub const RETIRED: [(&'static str, &'static str); 3] = [
        ("committed/v1", "committed/v2 (4-ary commitment log)"),
        (
            "not_sanctioned.originator/v1",
            "not_sanctioned.originator/v2 (4-ary sanctions tree)",
        ),
        (
            "not_sanctioned.beneficiary/v1",
            "not_sanctioned.beneficiary/v2 (4-ary sanctions tree)",
        ),
    ];

    /// Why `s` is not a circuit of this build, for error messages: retired (and by what)
    /// or unknown (and which ids are known).
    pub fn unknown_reason(s: &str) -> String {
        match Self::retired(s) {
            Some(new) => format!(
                "circuit {s:?} is retired in this build, replaced by {new}; regenerate its keys \
                 (`zktr setup`) and prove again"
            ),
            None => format!(
                "unknown circuit {s:?} (this build knows {})",
                Self::ALL.map(Self::as_str).join(", ")
            ),
        }
    }

    /// If `s` names a retired circuit, what replaced it.
    pub fn retired(s: &str) -> Option<&'static str> {
        Self::RETIRED
            .iter()
            .find(|(old, _)| *old == s)
            .map(|(_, new)| *new)
    }

    /// Number of public inputs (without the constant 1).
    pub fn public_input_count(self) -> usize {
        match self {
            CircuitId::Threshold => ThresholdPublicInputs::COUNT,
            CircuitId::ThresholdV2 => PricedThresholdPublicInputs::COUNT,
            CircuitId::Committed => CommittedPublicInputs::COUNT,
            _ => NotSanctionedPublicInputs::COUNT,
        }
    }

    /// A circuit of the right shape with a placeholder witness, for key generation and
    /// for counting constraints.
    pub fn blank_circuit(self) -> BlankCircuit {
        match self {
            CircuitId::Threshold => BlankCircuit::Threshold(ThresholdCircuit::blank()),
            CircuitId::ThresholdV2 => {
                BlankCircuit::PricedThreshold(PricedThresholdCircuit::blank())
            }
            CircuitId::Committed => BlankCircuit::Committed(CommittedCircuit::blank()),
            CircuitId::NotSanctionedOriginator => {
                BlankCircuit::NotSanctioned(NotSanctionedCircuit::blank(Party::Originator))
            }
            CircuitId::NotSanctionedBeneficiary => {
                BlankCircuit::NotSanctioned(NotSanctionedCircuit::blank(Party::Beneficiary))
            }
        }
    }
}

impl core::fmt::Display for CircuitId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A blank circuit of any kind (see [`CircuitId::blank_circuit`]).
#[derive(Clone)]
pub enum BlankCircuit {
    /// `threshold`.
    Threshold(ThresholdCircuit),
    /// `threshold/v2`.
    PricedThreshold(PricedThresholdCircuit),
    /// `committed`.
    Committed(CommittedCircuit),
    /// `not_sanctioned`.
    NotSanctioned(NotSanctionedCircuit),
}

impl ConstraintSynthesizer<Fr> for BlankCircuit {
    fn generate_constraints(
        self,
        cs: ark_relations::gr1cs::ConstraintSystemRef<Fr>,
    ) -> core::result::Result<(), ark_relations::gr1cs::SynthesisError> {
        match self {
            BlankCircuit::Threshold(c) => c.generate_constraints(cs),
            BlankCircuit::PricedThreshold(c) => c.generate_constraints(cs),
            BlankCircuit::Committed(c) => c.generate_constraints(cs),
            BlankCircuit::NotSanctioned(c) => c.generate_constraints(cs),
        }
    }
}

/// Size of one circuit, as `zktr circuits` prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitStats {
    /// The circuit.
    pub id: CircuitId,
    /// R1CS constraints.
    pub constraints: usize,
    /// Public inputs (without the constant 1).
    pub public_inputs: usize,
    /// Private witness variables.
    pub witness_variables: usize,
}

impl CircuitStats {
    /// The Groth16 QAP evaluation domain: the power of two holding the constraints plus
    /// one copy constraint per instance variable (the public inputs and the constant 1),
    /// as arkworks' `LibsnarkReduction` and snarkjs size it. The prover's FFTs and its
    /// largest G1 MSM (`H`, one base per domain point) scale with it, so crossing a power
    /// of two costs about as much as doubling those steps.
    pub fn qap_domain(&self) -> usize {
        (self.constraints + self.public_inputs + 1).next_power_of_two()
    }
}

/// Synthesizes a circuit in setup mode and counts it.
pub fn circuit_stats(id: CircuitId) -> Result<CircuitStats> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    id.blank_circuit().generate_constraints(cs.clone())?;
    cs.finalize();
    Ok(CircuitStats {
        id,
        constraints: cs.num_constraints(),
        public_inputs: cs.num_instance_variables() - 1,
        witness_variables: cs.num_witness_variables(),
    })
}

/// The constraint table of every circuit.
pub fn constraint_table() -> Result<Vec<CircuitStats>> {
    CircuitId::ALL.into_iter().map(circuit_stats).collect()
}

/// Checks the length of a public-input vector.
pub(crate) fn expect_len(circuit: &'static str, xs: &[Fr], expected: usize) -> Result<()> {
    if xs.len() != expected {
        return Err(crate::error::Error::PublicInputCount {
            circuit,
            expected,
            got: xs.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod priced_tests;
