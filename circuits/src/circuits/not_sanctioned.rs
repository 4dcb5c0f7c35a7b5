//! `not_sanctioned`: every screening key of one party is absent from a sanctions set.
//!
//! Public: `(C, sanctions_root, party)`. Private: the party's key slots (values and salts)
//! and the siblings of their multi-opening; for each key, a leaf `(low, next)` of the
//! 4-ary indexed tree with its position (12 base-4 digits, two bits each) and 36 siblings.
//!
//! Version 2 (`not_sanctioned.*/v2`) proves against the 4-ary tree (tree version 2);
//! version 1 proved against a binary depth-24 tree and is no longer built: its keys, set
//! files and signed roots are refused by name (see `docs/decisions.md`).
//!
//! The party fixes the key slots, so each party has its own circuit (and keys); the
//! `party` public input is constrained to that party so a proof cannot be presented for
//! the other one:
//! * originator: name (slot 6, never 0), national id / LEI (slot 7, 0 allowed);
//! * beneficiary: name (slot 8, never 0), national id / LEI (slot 9, 0 allowed),
//!   address (slot 5, never 0).
//!
//! Per key `k` with leaf `(low, next)` (see [`crate::trees::sanctions`]):
//! * `k < 2^248`: 249 constraints;
//! * the leaf is under `sanctions_root`: 240 + 12 * 304 = 3,888 (v1: 6,048);
//! * `low < k`: 249 (this also makes a name or address key of 0 impossible, as `low >= 0`);
//! * `next = 0` or `k < next`: 2 (is-zero) + 1 (gate) + 249;
//! * id keys only: `k = 0` switches both comparisons off: 2 (is-zero) + 2 (gates).
//!
//! `low` and `next` are not range-checked: they come from a leaf under a root that the
//! list publisher built from keys below 2^248 and signed (the set loader re-checks it).

use super::expect_len;
use crate::commitment::{Commitment, MultiOpening, Slot, SlotSet};
use crate::domain::{SANCTIONS_LEAF, SANCTIONS_QUAD_NODE};
use crate::error::{Error, Result};
use crate::field::{Fr, KEY_BITS, fr_to_u64};
use crate::gadgets::{
    commitment::{OpenedSlot, enforce_opening},
    merkle::{alloc_quad_position, alloc_siblings, root_from_quad_path},
    range::enforce_bits,
};
use crate::poseidon::gadget::hash2;
use crate::trees::sanctions::{
    LeafWitness, SANCTIONS_LEVELS, SANCTIONS_PATH_SIBLINGS, SanctionsRoot,
};
use ark_ff::Zero;
use ark_r1cs_std::{
    alloc::AllocVar,
    eq::EqGadget,
    fields::{FieldVar, fp::FpVar},
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

const NAME: &str = "not_sanctioned";

/// The party a `not_sanctioned` claim is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    /// The originator (public input 0).
    Originator,
    /// The beneficiary (public input 1).
    Beneficiary,
}

/// Whether a key slot may hold 0 ("no such identifier").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroKey {
    /// The key must be present (names, addresses).
    Forbidden,
    /// 0 means the party has no such identifier; the slot is then not screened.
    Allowed,
}

impl Party {
    /// The public-input encoding.
    pub fn to_fr(self) -> Fr {
        Fr::from(match self {
            Party::Originator => 0u64,
            Party::Beneficiary => 1,
        })
    }

    /// The screened key slots of this party, in witness order.
    pub fn key_slots(self) -> &'static [(Slot, ZeroKey)] {
        match self {
            Party::Originator => &[
                (Slot::OriginatorNameKey, ZeroKey::Forbidden),
                (Slot::OriginatorIdKey, ZeroKey::Allowed),
            ],
            Party::Beneficiary => &[
                (Slot::BeneficiaryNameKey, ZeroKey::Forbidden),
                (Slot::BeneficiaryIdKey, ZeroKey::Allowed),
                (Slot::BeneficiaryAddressKey, ZeroKey::Forbidden),
            ],
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Originator => "originator",
            Party::Beneficiary => "beneficiary",
        }
    }

    fn slot_set(self) -> Result<SlotSet> {
        SlotSet::new(&self.key_slots().iter().map(|k| k.0).collect::<Vec<_>>())
    }
}

/// Public inputs of `not_sanctioned`, in this order: `C, sanctions_root, party`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotSanctionedPublicInputs {
    /// The transfer commitment.
    pub commitment: Commitment,
    /// Root of the signed sanctions set.
    pub sanctions_root: SanctionsRoot,
    /// Whose keys are screened.
    pub party: Party,
}

impl NotSanctionedPublicInputs {
    /// Number of field elements.
    pub const COUNT: usize = 3;

    /// The field elements, in circuit order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![self.commitment.0, self.sanctions_root.0, self.party.to_fr()]
    }

    /// Parses the field elements.
    pub fn from_field_elements(xs: &[Fr]) -> Result<Self> {
        expect_len(NAME, xs, Self::COUNT)?;
        let party = match fr_to_u64(&xs[2]) {
            Some(0) => Party::Originator,
            Some(1) => Party::Beneficiary,
            _ => {
                return Err(Error::PublicInputInvalid {
                    circuit: NAME,
                    input: "party",
                    reason: "must be 0 (originator) or 1 (beneficiary)",
                });
            }
        };
        Ok(Self {
            commitment: Commitment(xs[0]),
            sanctions_root: SanctionsRoot(xs[1]),
            party,
        })
    }
}

/// The `not_sanctioned` circuit with its witness.
#[derive(Clone, Debug)]
pub struct NotSanctionedCircuit {
    public: NotSanctionedPublicInputs,
    /// `(key, salt)` per key slot of the party, in [`Party::key_slots`] order.
    keys: Vec<(Fr, Fr)>,
    siblings: Vec<Fr>,
    leaves: Vec<LeafWitness>,
}

impl NotSanctionedCircuit {
    /// The circuit for `public`, from a multi-opening of the party's key slots and one
    /// sanctions-tree leaf per key (for an id key of 0, any leaf of the tree, e.g. the
    /// sentinel). Truth is not checked here; the prover checks before proving.
    pub fn new(
        public: NotSanctionedPublicInputs,
        opening: &MultiOpening,
        leaves: Vec<LeafWitness>,
    ) -> Result<Self> {
        let shape = |reason| Error::WitnessShape {
            circuit: NAME,
            reason,
        };
        let slots = public.party.key_slots();
        if opening.slot_set()? != public.party.slot_set()? {
            return Err(shape("the opening must be of the party's key slots"));
        }
        if leaves.len() != slots.len()
            || leaves
                .iter()
                .any(|l| l.siblings.len() != SANCTIONS_PATH_SIBLINGS)
        {
            return Err(shape("one leaf with 36 siblings per key slot"));
        }
        let keys = slots
            .iter()
            .map(|(s, _)| opening.get(*s).ok_or(shape("slot missing")))
            .collect::<Result<_>>()?;
        Ok(Self {
            public,
            keys,
            siblings: opening.siblings.clone(),
            leaves,
        })
    }

    /// A circuit of the right shape with a placeholder witness.
    pub fn blank(party: Party) -> Self {
        let n = party.slot_set().map(|s| s.sibling_count()).unwrap_or(0);
        let k = party.key_slots().len();
        let leaf = LeafWitness {
            index: 0,
            low: Fr::zero(),
            next: Fr::zero(),
            siblings: vec![Fr::zero(); SANCTIONS_PATH_SIBLINGS],
        };
        Self {
            public: NotSanctionedPublicInputs {
                commitment: Commitment(Fr::zero()),
                sanctions_root: SanctionsRoot(Fr::zero()),
                party,
            },
            keys: vec![(Fr::zero(), Fr::zero()); k],
            siblings: vec![Fr::zero(); n],
            leaves: vec![leaf; k],
        }
    }

    /// The public inputs.
    pub fn public_inputs(&self) -> &NotSanctionedPublicInputs {
        &self.public
    }
}

impl ConstraintSynthesizer<Fr> for NotSanctionedCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let p = self.public;
        let c = FpVar::new_input(cs.clone(), || Ok(p.commitment.0))?;
        let root = FpVar::new_input(cs.clone(), || Ok(p.sanctions_root.0))?;
        let party = FpVar::new_input(cs.clone(), || Ok(p.party.to_fr()))?;
        party.enforce_equal(&FpVar::Constant(p.party.to_fr()))?;

        let slots = p.party.key_slots();
        if self.keys.len() != slots.len() || self.leaves.len() != slots.len() {
            return Err(SynthesisError::Unsatisfiable);
        }
        let mut opened = Vec::with_capacity(slots.len());
        for ((slot, _), (key, salt)) in slots.iter().zip(&self.keys) {
            opened.push(OpenedSlot {
                slot: *slot,
                value: FpVar::new_witness(cs.clone(), || Ok(*key))?,
                salt: FpVar::new_witness(cs.clone(), || Ok(*salt))?,
            });
        }
        let siblings = alloc_siblings(cs.clone(), &self.siblings)?;
        enforce_opening(&c, &opened, &siblings)?;

        let one = FpVar::Constant(Fr::from(1u64));
        for ((_, zero), (o, leaf)) in slots.iter().zip(opened.iter().zip(&self.leaves)) {
            let k = &o.value;
            enforce_bits(cs.clone(), k, KEY_BITS)?;

            let low = FpVar::new_witness(cs.clone(), || Ok(leaf.low))?;
            let next = FpVar::new_witness(cs.clone(), || Ok(leaf.next))?;
            let leaf_hash = hash2(SANCTIONS_LEAF, &low, &next)?;
            let digits = alloc_quad_position(cs.clone(), u64::from(leaf.index), SANCTIONS_LEVELS)?;
            let sibs = alloc_siblings(cs.clone(), &leaf.siblings)?;
            root_from_quad_path(SANCTIONS_QUAD_NODE, &leaf_hash, &digits, &sibs)?
                .enforce_equal(&root)?;

            let above_low = k - &low - &one;
            let below_next = &next - k - &one;
            let next_open = FpVar::from(!next.is_zero()?);
            let (above_low, gate_next) = match zero {
                ZeroKey::Forbidden => (above_low, next_open),
                ZeroKey::Allowed => {
                    let present = FpVar::from(!k.is_zero()?);
                    (&present * &above_low, &present * &next_open)
                }
            };
            enforce_bits(cs.clone(), &above_low, KEY_BITS)?;
            enforce_bits(cs.clone(), &(&gate_next * &below_next), KEY_BITS)?;
        }
        Ok(())
    }
}
