//! The statements of one transfer's claims, checked natively before anything is proven.
//!
//! A claim that cannot be true (a listed party, an amount on the wrong side of `T`, a
//! commitment that is not in the log) is refused with a [`Refusal`] naming the claim:
//! no proof is attempted, so no time is wasted and no unsatisfiable witness reaches
//! the proving code.

use crate::error::{ProverError, Refusal};
use zktr_circuits::Fr;
use zktr_circuits::circuits::not_sanctioned::ZeroKey;
use zktr_circuits::circuits::{
    BlankCircuit, CircuitId, CommittedCircuit, CommittedPublicInputs, NotSanctionedCircuit,
    NotSanctionedPublicInputs, Party, ThresholdCircuit, ThresholdDirection, ThresholdPublicInputs,
};
use zktr_circuits::commitment::{CommitmentTree, Slot};
use zktr_circuits::field::{ScreeningKey, Word248, fr_to_u64, fr_to_u128};
use zktr_circuits::trees::log::{InclusionProof, LogRoot};
use zktr_circuits::trees::sanctions::SanctionsTree;

/// Everything needed to prove the four claims of one committed transfer.
#[derive(Clone, Copy, Debug)]
pub struct TransferStatement<'a> {
    /// The transfer's commitment tree (values and salts).
    pub tree: &'a CommitmentTree,
    /// The threshold `T` in minor units of the committed currency.
    pub threshold: u64,
    /// The ISO 4217 numeric currency of `T`.
    pub threshold_currency: u16,
    /// The side of `T` the claim states.
    pub direction: ThresholdDirection,
    /// `C`'s inclusion proof in the sender's log.
    pub inclusion: &'a InclusionProof,
    /// The log root the inclusion proof is for (the signed tree head's).
    pub log_root: LogRoot,
    /// The sanctions set both parties are screened against.
    pub sanctions: &'a SanctionsTree,
}

/// One claim ready to prove: its circuit with witness, and its public inputs.
#[derive(Clone)]
pub struct ClaimWitness {
    /// The circuit id.
    pub circuit: CircuitId,
    /// The circuit with its witness.
    pub synthesizer: BlankCircuit,
    /// The public inputs, in circuit order.
    pub public_inputs: Vec<Fr>,
}

impl core::fmt::Debug for ClaimWitness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The witness is private: only the claim is shown.
        f.debug_struct("ClaimWitness")
            .field("circuit", &self.circuit)
            .finish_non_exhaustive()
    }
}

fn refuse(claim: CircuitId, reason: Refusal) -> ProverError {
    ProverError::Refused { claim, reason }
}

fn witness_err(claim: CircuitId) -> impl Fn(zktr_circuits::Error) -> ProverError {
    move |source| ProverError::Witness { claim, source }
}

impl TransferStatement<'_> {
    /// Checks every claim natively and builds its witness, in [`CircuitId::ALL`] order.
    /// The first false claim is refused.
    pub fn claims(&self) -> Result<Vec<ClaimWitness>, ProverError> {
        Ok(vec![
            self.threshold_claim()?,
            self.committed_claim()?,
            self.not_sanctioned_claim(Party::Originator)?,
            self.not_sanctioned_claim(Party::Beneficiary)?,
        ])
    }

    /// The `threshold` claim.
    pub fn threshold_claim(&self) -> Result<ClaimWitness, ProverError> {
        let id = CircuitId::Threshold;
        let values = self.tree.values();
        let value = fr_to_u64(&values.get(Slot::FiatValue)).ok_or_else(|| {
            refuse(
                id,
                Refusal::SlotOutOfRange {
                    slot: Slot::FiatValue.name(),
                },
            )
        })?;
        if values.get(Slot::FiatCurrency) != Fr::from(u64::from(self.threshold_currency)) {
            return Err(refuse(
                id,
                Refusal::CurrencyMismatch {
                    claimed: self.threshold_currency,
                },
            ));
        }
        if !self.direction.holds(value, self.threshold) {
            return Err(refuse(
                id,
                Refusal::WrongSideOfThreshold {
                    side: match self.direction {
                        ThresholdDirection::AtOrAbove => "at or above",
                        ThresholdDirection::Below => "below",
                    },
                    threshold: self.threshold,
                },
            ));
        }
        let public = ThresholdPublicInputs {
            commitment: self.tree.commitment(),
            threshold: self.threshold,
            currency: self.threshold_currency,
            direction: self.direction,
        };
        let opening = self
            .tree
            .open_many(&[Slot::FiatValue, Slot::FiatCurrency])
            .map_err(witness_err(id))?;
        let circuit = ThresholdCircuit::new(public, &opening).map_err(witness_err(id))?;
        Ok(ClaimWitness {
            circuit: id,
            public_inputs: public.to_field_elements(),
            synthesizer: BlankCircuit::Threshold(circuit),
        })
    }

    /// The `committed` claim (on-chain facts are the committed slots 3, 4, 5).
    pub fn committed_claim(&self) -> Result<ClaimWitness, ProverError> {
        let id = CircuitId::Committed;
        let c = self.tree.commitment();
        if self.inclusion.verify(&c, &self.log_root).is_err() {
            return Err(refuse(id, Refusal::NotInLog));
        }
        let values = self.tree.values();
        let out_of_range = |slot: Slot| refuse(id, Refusal::SlotOutOfRange { slot: slot.name() });
        let public = CommittedPublicInputs {
            commitment: c,
            log_root: self.log_root,
            asset_id: Word248::new(values.get(Slot::AssetId))
                .map_err(|_| out_of_range(Slot::AssetId))?,
            asset_amount: fr_to_u128(&values.get(Slot::AssetAmount))
                .ok_or_else(|| out_of_range(Slot::AssetAmount))?,
            beneficiary_address_key: ScreeningKey::new(values.get(Slot::BeneficiaryAddressKey))
                .map_err(|_| out_of_range(Slot::BeneficiaryAddressKey))?,
        };
        let opening = self
            .tree
            .open_many(&[
                Slot::AssetAmount,
                Slot::AssetId,
                Slot::BeneficiaryAddressKey,
            ])
            .map_err(witness_err(id))?;
        let circuit =
            CommittedCircuit::new(public, &opening, self.inclusion).map_err(witness_err(id))?;
        Ok(ClaimWitness {
            circuit: id,
            public_inputs: public.to_field_elements(),
            synthesizer: BlankCircuit::Committed(circuit),
        })
    }

    /// The `not_sanctioned` claim of one party.
    pub fn not_sanctioned_claim(&self, party: Party) -> Result<ClaimWitness, ProverError> {
        let id = match party {
            Party::Originator => CircuitId::NotSanctionedOriginator,
            Party::Beneficiary => CircuitId::NotSanctionedBeneficiary,
        };
        let values = self.tree.values();
        let mut leaves = Vec::new();
        for (slot, zero) in party.key_slots() {
            let v = values.get(*slot);
            let missing = || {
                refuse(
                    id,
                    Refusal::MissingKey {
                        party: party.as_str(),
                        slot: slot.name(),
                    },
                )
            };
            if v == Fr::from(0u64) {
                if *zero != ZeroKey::Allowed {
                    return Err(missing());
                }
                // An absent id is not screened; any leaf of the set will do.
                leaves.push(self.sanctions.leaf_witness(0).map_err(witness_err(id))?);
                continue;
            }
            let key = ScreeningKey::new(v).map_err(|_| missing())?;
            if self.sanctions.contains(&key) {
                return Err(refuse(
                    id,
                    Refusal::PartyListed {
                        party: party.as_str(),
                        slot: slot.name(),
                    },
                ));
            }
            leaves.push(
                self.sanctions
                    .non_membership_witness(&key)
                    .map_err(witness_err(id))?,
            );
        }
        let public = NotSanctionedPublicInputs {
            commitment: self.tree.commitment(),
            sanctions_root: self.sanctions.root(),
            party,
        };
        let slots: Vec<Slot> = party.key_slots().iter().map(|k| k.0).collect();
        let opening = self.tree.open_many(&slots).map_err(witness_err(id))?;
        let circuit =
            NotSanctionedCircuit::new(public, &opening, leaves).map_err(witness_err(id))?;
        Ok(ClaimWitness {
            circuit: id,
            public_inputs: public.to_field_elements(),
            synthesizer: BlankCircuit::NotSanctioned(circuit),
        })
    }
}
