//! In-circuit opening of commitment slots.
//!
//! Slot `i` is opened at position `i`: the tree shape is the constant shape of the slot
//! set (see [`crate::commitment::fold_slot_tree`]), so there are no direction bits and no
//! selectors at all, and no witness can move a value to another position.
//!
//! Cost: one 3-input Poseidon per opened leaf, whose slot-index input is a constant (258),
//! plus 240 per inner node on the paths, shared between slots. Opening slots {1, 2}:
//! 2 * 258 + 5 * 240 = 1,716 constraints.

use crate::commitment::{Slot, SlotSet, fold_slot_tree};
use crate::domain::{FIELD_LEAF, FIELD_NODE};
use crate::field::Fr;
use crate::poseidon::gadget::{hash_tagged, hash2};
use ark_r1cs_std::{eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::SynthesisError;

/// One slot to open: its value and salt variables.
pub struct OpenedSlot {
    /// The slot (its position).
    pub slot: Slot,
    /// The value variable (a public input where the claim states the value).
    pub value: FpVar<Fr>,
    /// The salt variable (private).
    pub salt: FpVar<Fr>,
}

/// Enforces that `slots` open `commitment`, with `siblings` in traversal order.
pub fn enforce_opening(
    commitment: &FpVar<Fr>,
    slots: &[OpenedSlot],
    siblings: &[FpVar<Fr>],
) -> Result<(), SynthesisError> {
    let set = SlotSet::new(&slots.iter().map(|s| s.slot).collect::<Vec<_>>())
        .map_err(|_| SynthesisError::Unsatisfiable)?;
    let mut sib = siblings.iter();
    let root = fold_slot_tree(
        &set,
        &mut |slot| {
            let o = slots
                .iter()
                .find(|o| o.slot == slot)
                .ok_or(SynthesisError::Unsatisfiable)?;
            let index = FpVar::Constant(Fr::from(slot.index() as u64));
            hash_tagged(FIELD_LEAF, &[index, o.value.clone(), o.salt.clone()])
        },
        &mut |_, _| sib.next().cloned().ok_or(SynthesisError::Unsatisfiable),
        &mut |l, r| hash2(FIELD_NODE, &l, &r),
    )?;
    if sib.next().is_some() {
        return Err(SynthesisError::Unsatisfiable);
    }
    root.enforce_equal(commitment)
}
