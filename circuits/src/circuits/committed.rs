//! `committed`: `C` is in the sender's commitment log, and it commits to exactly this
//! on-chain transfer (asset id, asset amount, beneficiary address key).
//!
//! Public: `(C, log_root, asset_id, asset_amount, beneficiary_address_key)`.
//! Private: the salts of slots 3, 4, 5 and the 4 siblings of their multi-opening; the
//! log position (16 base-4 digits, 32 bits) and its 48 siblings.
//!
//! Constraints (`committed/v2`):
//! * open slots 3, 4, 5 of `C` with the public values as the slot values (so equality is
//!   free): 3 * 258 + 5 * 240 = 1,974;
//! * `C` is the leaf at a private position of the 16-level 4-ary log: 16 * 304 = 4,864
//!   (`committed/v1`'s binary depth-32 path cost 32 * 242 = 7,744).
//!
//! Every position below `4^16 = 2^32` is reachable and no other: the 32 bits of the 16
//! digits are each constrained boolean.

use super::expect_len;
use crate::commitment::{Commitment, MultiOpening, Slot, SlotSet};
use crate::domain::LOG_QUAD_NODE;
use crate::error::{Error, Result};
use crate::field::{Fr, ScreeningKey, Word248, fr_to_u128};
use crate::gadgets::{
    commitment::{OpenedSlot, enforce_opening},
    merkle::{alloc_quad_position, alloc_siblings, root_from_quad_path},
};
use crate::trees::log::{InclusionProof, LOG_LEVELS, LOG_PATH_SIBLINGS, LogRoot};
use ark_ff::Zero;
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

const NAME: &str = "committed";
const SLOTS: [Slot; 3] = [
    Slot::AssetAmount,
    Slot::AssetId,
    Slot::BeneficiaryAddressKey,
];

/// Public inputs of `committed`, in this order:
/// `C, log_root, asset_id, asset_amount, beneficiary_address_key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommittedPublicInputs {
    /// The transfer commitment.
    pub commitment: Commitment,
    /// Root of the sender's log (from a signed tree head).
    pub log_root: LogRoot,
    /// The on-chain asset.
    pub asset_id: Word248,
    /// The on-chain amount in base units.
    pub asset_amount: u128,
    /// Screening key of the on-chain destination address.
    pub beneficiary_address_key: ScreeningKey,
}

impl CommittedPublicInputs {
    /// Number of field elements.
    pub const COUNT: usize = 5;

    /// The field elements, in circuit order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![
            self.commitment.0,
            self.log_root.0,
            self.asset_id.to_fr(),
            Fr::from(self.asset_amount),
            self.beneficiary_address_key.to_fr(),
        ]
    }

    /// Parses and range-checks the field elements.
    pub fn from_field_elements(xs: &[Fr]) -> Result<Self> {
        expect_len(NAME, xs, Self::COUNT)?;
        let bad = |input, reason| Error::PublicInputInvalid {
            circuit: NAME,
            input,
            reason,
        };
        Ok(Self {
            commitment: Commitment(xs[0]),
            log_root: LogRoot(xs[1]),
            asset_id: Word248::new(xs[2]).map_err(|_| bad("asset_id", "must be below 2^248"))?,
            asset_amount: fr_to_u128(&xs[3]).ok_or(bad("asset_amount", "must be below 2^128"))?,
            beneficiary_address_key: ScreeningKey::new(xs[4])
                .map_err(|_| bad("beneficiary_address_key", "must be in 1..2^248"))?,
        })
    }
}

/// The `committed` circuit with its witness.
#[derive(Clone, Debug)]
pub struct CommittedCircuit {
    public: CommittedPublicInputs,
    salts: [Fr; 3],
    siblings: Vec<Fr>,
    log_index: u64,
    log_siblings: Vec<Fr>,
}

impl CommittedCircuit {
    /// The circuit for `public`, from a multi-opening of slots 3, 4, 5 and the log
    /// inclusion proof of `C`.
    pub fn new(
        public: CommittedPublicInputs,
        opening: &MultiOpening,
        inclusion: &InclusionProof,
    ) -> Result<Self> {
        let shape = |reason| Error::WitnessShape {
            circuit: NAME,
            reason,
        };
        if opening.slot_set()? != SlotSet::new(&SLOTS)? {
            return Err(shape("the opening must be of slots 3, 4 and 5"));
        }
        if inclusion.siblings.len() != LOG_PATH_SIBLINGS
            || inclusion.index >= crate::trees::log::LOG_CAPACITY
        {
            return Err(shape(
                "the inclusion proof must have 48 siblings (16 levels of 3) and a 32-bit index",
            ));
        }
        let mut salts = [Fr::zero(); 3];
        for (s, slot) in salts.iter_mut().zip(SLOTS) {
            *s = opening.get(slot).ok_or(shape("slot missing"))?.1;
        }
        Ok(Self {
            public,
            salts,
            siblings: opening.siblings.clone(),
            log_index: inclusion.index,
            log_siblings: inclusion.siblings.clone(),
        })
    }

    /// A circuit of the right shape with a placeholder witness.
    pub fn blank() -> Self {
        let n = SlotSet::new(&SLOTS).map(|s| s.sibling_count()).unwrap_or(0);
        let one = ScreeningKey::new(Fr::from(1u64)).unwrap_or_else(|_| unreachable!());
        Self {
            public: CommittedPublicInputs {
                commitment: Commitment(Fr::zero()),
                log_root: LogRoot(Fr::zero()),
                asset_id: Word248::from_digest_prefix(&[0; 32]),
                asset_amount: 0,
                beneficiary_address_key: one,
            },
            salts: [Fr::zero(); 3],
            siblings: vec![Fr::zero(); n],
            log_index: 0,
            log_siblings: vec![Fr::zero(); LOG_PATH_SIBLINGS],
        }
    }

    /// The public inputs.
    pub fn public_inputs(&self) -> &CommittedPublicInputs {
        &self.public
    }
}

impl ConstraintSynthesizer<Fr> for CommittedCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let inputs: Vec<FpVar<Fr>> = self
            .public
            .to_field_elements()
            .into_iter()
            .map(|x| FpVar::new_input(cs.clone(), || Ok(x)))
            .collect::<Result<_, _>>()?;
        let (c, log_root) = (&inputs[0], &inputs[1]);
        // Slot 3 = asset_amount (input 3), slot 4 = asset_id (input 2), slot 5 = address (input 4).
        let values = [inputs[3].clone(), inputs[2].clone(), inputs[4].clone()];
        let mut opened = Vec::with_capacity(3);
        for ((slot, value), salt) in SLOTS.into_iter().zip(values).zip(self.salts) {
            opened.push(OpenedSlot {
                slot,
                value,
                salt: FpVar::new_witness(cs.clone(), || Ok(salt))?,
            });
        }
        let siblings = alloc_siblings(cs.clone(), &self.siblings)?;
        enforce_opening(c, &opened, &siblings)?;

        let digits = alloc_quad_position(cs.clone(), self.log_index, LOG_LEVELS)?;
        let log_siblings = alloc_siblings(cs.clone(), &self.log_siblings)?;
        let root = root_from_quad_path(LOG_QUAD_NODE, c, &digits, &log_siblings)?;
        root.enforce_equal(log_root)
    }
}
