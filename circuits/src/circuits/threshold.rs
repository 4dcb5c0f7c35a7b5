//! `threshold`: the committed fiat value is at or above (or below) a threshold `T`, in the
//! committed currency.
//!
//! Public: `(C, T, currency, direction)`. Private: the fiat value (slot 1), the salts of
//! slots 1 and 2, and the 4 sibling nodes of their multi-opening.
//!
//! Constraints:
//! * open slots 1 (fiat value, private) and 2 (currency, the public input itself) of `C`:
//!   1,716;
//! * fiat value `< 2^64` and `T < 2^64`: 65 each;
//! * `direction` boolean: 1;
//! * `d = direction ? value - T : T - 1 - value` (1 product) and `d < 2^64`: 66.
//!   With both values below 2^64, `d` fits 64 bits exactly when the claim holds.

use super::expect_len;
use crate::commitment::{Commitment, MultiOpening, Slot, SlotSet};
use crate::error::{Error, Result};
use crate::field::{Fr, fr_to_u64};
use crate::gadgets::{
    commitment::{OpenedSlot, enforce_opening},
    range::enforce_bits,
};
use ark_ff::Zero;
use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

const NAME: &str = "threshold";
const SLOTS: [Slot; 2] = [Slot::FiatValue, Slot::FiatCurrency];

/// Which side of the threshold the claim states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdDirection {
    /// `value < T` (public input 0).
    Below,
    /// `value >= T` (public input 1).
    AtOrAbove,
}

impl ThresholdDirection {
    pub(super) fn to_bool(self) -> bool {
        matches!(self, ThresholdDirection::AtOrAbove)
    }

    /// Whether `value` is on this side of `threshold`.
    pub fn holds(self, value: u64, threshold: u64) -> bool {
        match self {
            ThresholdDirection::AtOrAbove => value >= threshold,
            ThresholdDirection::Below => value < threshold,
        }
    }
}

/// Public inputs of `threshold`, in this order: `C, T, currency, direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThresholdPublicInputs {
    /// The transfer commitment.
    pub commitment: Commitment,
    /// The threshold in minor units of `currency`.
    pub threshold: u64,
    /// ISO 4217 numeric code.
    pub currency: u16,
    /// The side of the threshold.
    pub direction: ThresholdDirection,
}

impl ThresholdPublicInputs {
    /// Number of field elements.
    pub const COUNT: usize = 4;

    /// The field elements, in circuit order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![
            self.commitment.0,
            Fr::from(self.threshold),
            Fr::from(u64::from(self.currency)),
            Fr::from(u64::from(self.direction.to_bool())),
        ]
    }

    /// Parses and range-checks the field elements.
    pub fn from_field_elements(xs: &[Fr]) -> Result<Self> {
        expect_len(NAME, xs, Self::COUNT)?;
        let (threshold, currency, direction) = parse_rule(NAME, xs)?;
        Ok(Self {
            commitment: Commitment(xs[0]),
            threshold,
            currency,
            direction,
        })
    }
}

/// Parses and range-checks the threshold rule, public inputs 1 to 3 (`T`, currency,
/// direction) of both threshold circuits. `xs` has at least 4 elements.
pub(super) fn parse_rule(
    circuit: &'static str,
    xs: &[Fr],
) -> Result<(u64, u16, ThresholdDirection)> {
    let bad = |input, reason| Error::PublicInputInvalid {
        circuit,
        input,
        reason,
    };
    let threshold = fr_to_u64(&xs[1]).ok_or(bad("threshold", "must be below 2^64"))?;
    let currency = fr_to_u64(&xs[2])
        .and_then(|c| u16::try_from(c).ok())
        .filter(|c| *c < 1000)
        .ok_or(bad(
            "currency",
            "must be an ISO 4217 numeric code (0..=999)",
        ))?;
    let direction = match fr_to_u64(&xs[3]) {
        Some(0) => ThresholdDirection::Below,
        Some(1) => ThresholdDirection::AtOrAbove,
        _ => return Err(bad("direction", "must be 0 (below) or 1 (at or above)")),
    };
    Ok((threshold, currency, direction))
}

/// The `threshold` circuit with its witness.
#[derive(Clone, Debug)]
pub struct ThresholdCircuit {
    public: ThresholdPublicInputs,
    fiat_value: Fr,
    value_salt: Fr,
    currency_salt: Fr,
    siblings: Vec<Fr>,
}

impl ThresholdCircuit {
    /// The circuit for `public`, with the fiat value and salts from `opening` (a
    /// multi-opening of slots 1 and 2). Whether the statement is true is not checked here
    /// (a false one gives an unsatisfied system); the prover checks it before proving.
    pub fn new(public: ThresholdPublicInputs, opening: &MultiOpening) -> Result<Self> {
        let shape = || Error::WitnessShape {
            circuit: NAME,
            reason: "the opening must be of slots 1 (fiat value) and 2 (currency)",
        };
        if opening.slot_set()? != SlotSet::new(&SLOTS)? {
            return Err(shape());
        }
        let (fiat_value, value_salt) = opening.get(Slot::FiatValue).ok_or_else(shape)?;
        let (_, currency_salt) = opening.get(Slot::FiatCurrency).ok_or_else(shape)?;
        Ok(Self {
            public,
            fiat_value,
            value_salt,
            currency_salt,
            siblings: opening.siblings.clone(),
        })
    }

    /// A circuit of the right shape with a placeholder witness.
    pub fn blank() -> Self {
        let n = SlotSet::new(&SLOTS).map(|s| s.sibling_count()).unwrap_or(0);
        Self {
            public: ThresholdPublicInputs {
                commitment: Commitment(Fr::zero()),
                threshold: 0,
                currency: 0,
                direction: ThresholdDirection::AtOrAbove,
            },
            fiat_value: Fr::zero(),
            value_salt: Fr::zero(),
            currency_salt: Fr::zero(),
            siblings: vec![Fr::zero(); n],
        }
    }

    /// The public inputs.
    pub fn public_inputs(&self) -> &ThresholdPublicInputs {
        &self.public
    }
}

impl ConstraintSynthesizer<Fr> for ThresholdCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let p = self.public;
        let c = FpVar::new_input(cs.clone(), || Ok(p.commitment.0))?;
        let t = FpVar::new_input(cs.clone(), || Ok(Fr::from(p.threshold)))?;
        let currency = FpVar::new_input(cs.clone(), || Ok(Fr::from(u64::from(p.currency))))?;
        let direction = Boolean::new_input(cs.clone(), || Ok(p.direction.to_bool()))?;

        let value = FpVar::new_witness(cs.clone(), || Ok(self.fiat_value))?;
        let value_salt = FpVar::new_witness(cs.clone(), || Ok(self.value_salt))?;
        let currency_salt = FpVar::new_witness(cs.clone(), || Ok(self.currency_salt))?;
        let siblings = crate::gadgets::merkle::alloc_siblings(cs.clone(), &self.siblings)?;
        enforce_opening(
            &c,
            &[
                OpenedSlot {
                    slot: Slot::FiatValue,
                    value: value.clone(),
                    salt: value_salt,
                },
                OpenedSlot {
                    slot: Slot::FiatCurrency,
                    value: currency,
                    salt: currency_salt,
                },
            ],
            &siblings,
        )?;

        enforce_bits(cs.clone(), &value, 64)?;
        enforce_bits(cs.clone(), &t, 64)?;
        // d = dir * (v - T) + (1 - dir) * (T - 1 - v) = 2 * dir * (v - T) - (v - T) - 1 + dir
        let dir = FpVar::from(direction);
        let delta = &value - &t;
        let d = (&dir * &delta).double()? - &delta - FpVar::Constant(Fr::from(1u64)) + &dir;
        enforce_bits(cs, &d, 64)?;
        Ok(())
    }
}

use ark_r1cs_std::fields::FieldVar as _;
