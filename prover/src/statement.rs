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
    NotSanctionedPublicInputs, Party, PricedThresholdCircuit, ThresholdCircuit, ThresholdDirection,
    ThresholdPublicInputs, priced_threshold,
};
use zktr_circuits::commitment::{CommitmentTree, Slot};
use zktr_circuits::field::{ScreeningKey, Word248, fr_to_u64, fr_to_u128};
use zktr_circuits::trees::log::{InclusionProof, LogRoot};
use zktr_circuits::trees::sanctions::SanctionsTree;
use zktr_records::{Clearance, PricingError, SignedPriceQuote};

/// The sanctions sets a transfer is screened against, in the order of the bundle's signed
/// roots: one (most policies) or several (one per list the policy requires).
#[derive(Clone, Copy, Debug)]
pub enum SanctionsSets<'a> {
    /// One set.
    One(&'a SanctionsTree),
    /// Several sets.
    Many(&'a [&'a SanctionsTree]),
}

impl<'a> SanctionsSets<'a> {
    /// How many sets.
    pub fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(sets) => sets.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Set `i`.
    pub fn get(&self, i: usize) -> Option<&'a SanctionsTree> {
        match self {
            Self::One(set) => (i == 0).then_some(*set),
            Self::Many(sets) => sets.get(i).copied(),
        }
    }

    /// The sets in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a SanctionsTree> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl<'a> From<&'a SanctionsTree> for SanctionsSets<'a> {
    fn from(set: &'a SanctionsTree) -> Self {
        Self::One(set)
    }
}

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
    /// The sanctions sets both parties are screened against: one per list the verifiers'
    /// policy requires (usually one), in the order of the bundle context's signed roots.
    /// Each party gets one `not_sanctioned` claim per set.
    pub sanctions: SanctionsSets<'a>,
    /// Officers' clearances of name hits (usually none): a party whose only listed key in
    /// a set is its name, with a clearance for this `C` and that set, gets the clearance
    /// in the bundle instead of that set's `not_sanctioned` claim
    /// ([`TransferStatement::clearance`]).
    pub clearances: &'a [Clearance],
    /// The price publisher's quote the committed fiat value follows from: with one, the
    /// threshold claim is `threshold/v2` and the bundle carries the quote; without, it is
    /// `threshold/v1` (the fiat value on the committer's word). The prover does not check
    /// the signature (the verifier does, against its policy's publishers).
    pub price: Option<&'a SignedPriceQuote>,
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
    /// Checks every claim natively and builds its witness: `threshold`, `committed`, then
    /// per sanctions set (in order) the originator's and the beneficiary's
    /// `not_sanctioned`. The first false claim is refused. A party with an applicable
    /// clearance for a set has no `not_sanctioned` claim for it.
    pub fn claims(&self) -> Result<Vec<ClaimWitness>, ProverError> {
        self.check_clearances()?;
        let mut claims = vec![self.threshold_claim()?, self.committed_claim()?];
        for list in 0..self.sanctions.len() {
            for party in [Party::Originator, Party::Beneficiary] {
                if self.clearance(party, list)?.is_none() {
                    claims.push(self.not_sanctioned_claim(party, list)?);
                }
            }
        }
        Ok(claims)
    }

    /// The clearances that stand in for `not_sanctioned` claims, per set in party order.
    pub fn used_clearances(&self) -> Result<Vec<Clearance>, ProverError> {
        self.check_clearances()?;
        let mut out = Vec::new();
        for list in 0..self.sanctions.len() {
            for party in [Party::Originator, Party::Beneficiary] {
                if let Some(c) = self.clearance(party, list)? {
                    out.push(c.clone());
                }
            }
        }
        Ok(out)
    }

    /// Every clearance is for this `C` and one of the sets, and no party has two for one
    /// set: anything else is refused ([`Refusal::ClearanceMismatch`]) rather than ignored.
    fn check_clearances(&self) -> Result<(), ProverError> {
        for (i, c) in self.clearances.iter().enumerate() {
            let id = if c.slot.party() == Party::Originator.as_str() {
                CircuitId::NotSanctionedOriginator
            } else {
                CircuitId::NotSanctionedBeneficiary
            };
            let for_a_set = self
                .sanctions
                .iter()
                .any(|s| s.root().0 == c.sanctions_root);
            let twice = self.clearances[..i]
                .iter()
                .any(|d| d.slot == c.slot && d.sanctions_root == c.sanctions_root);
            if c.commitment != self.tree.commitment() || !for_a_set || twice {
                return Err(refuse(id, Refusal::ClearanceMismatch));
            }
        }
        Ok(())
    }

    fn set(&self, id: CircuitId, list: usize) -> Result<&SanctionsTree, ProverError> {
        self.sanctions
            .get(list)
            .ok_or_else(|| refuse(id, Refusal::SanctionsRootMismatch))
    }

    /// The clearance that applies to `party` for sanctions set `list`: one for this `C`
    /// and that set's root, while the party's name key is listed in the set and none of
    /// its other keys is. A clearance for a party whose identifier or address is listed
    /// is refused as that listing ([`Refusal::PartyListed`]): only name collisions can be
    /// cleared. A clearance for a party that is not hit at all is not needed, and not
    /// used. (A clearance for another transfer or set is refused by [`Self::claims`].)
    pub fn clearance(&self, party: Party, list: usize) -> Result<Option<&Clearance>, ProverError> {
        let id = match party {
            Party::Originator => CircuitId::NotSanctionedOriginator,
            Party::Beneficiary => CircuitId::NotSanctionedBeneficiary,
        };
        let set = self.set(id, list)?;
        let Some(c) = self.clearances.iter().find(|c| {
            c.slot.party() == party.as_str()
                && c.sanctions_root == set.root().0
                && c.commitment == self.tree.commitment()
        }) else {
            return Ok(None);
        };
        let values = self.tree.values();
        let mut name_listed = false;
        for (i, (slot, _)) in party.key_slots().iter().enumerate() {
            let v = values.get(*slot);
            let listed = ScreeningKey::new(v)
                .map(|k| v != Fr::from(0u64) && set.contains(&k))
                .unwrap_or(false);
            match (listed, i) {
                (false, _) => {}
                // Slot 0 of each party is its name key.
                (true, 0) => name_listed = true,
                (true, _) => {
                    return Err(refuse(
                        id,
                        Refusal::PartyListed {
                            party: party.as_str(),
                            slot: slot.name(),
                            list,
                        },
                    ));
                }
            }
        }
        Ok(name_listed.then_some(c))
    }

    /// The `threshold` claim: `threshold/v2` with a price quote, else `threshold/v1`.
    pub fn threshold_claim(&self) -> Result<ClaimWitness, ProverError> {
        let id = if self.price.is_some() {
            CircuitId::ThresholdV2
        } else {
            CircuitId::Threshold
        };
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
        if let Some(quote) = self.price {
            return self.priced_threshold_claim(value, &quote.quote);
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

    /// `threshold/v2`: the committed value must be the quote's value of the committed
    /// amount, the quote for the committed asset and currency, and the commitment time in
    /// its window (the circuit's statement, checked here first).
    fn priced_threshold_claim(
        &self,
        value: u64,
        quote: &zktr_records::PriceQuote,
    ) -> Result<ClaimWitness, ProverError> {
        let id = CircuitId::ThresholdV2;
        let values = self.tree.values();
        let out_of_range = |slot: Slot| refuse(id, Refusal::SlotOutOfRange { slot: slot.name() });
        let asset_id =
            Word248::new(values.get(Slot::AssetId)).map_err(|_| out_of_range(Slot::AssetId))?;
        let amount = fr_to_u128(&values.get(Slot::AssetAmount))
            .ok_or_else(|| out_of_range(Slot::AssetAmount))?;
        let committed_at = fr_to_u64(&values.get(Slot::CommittedAt))
            .ok_or_else(|| out_of_range(Slot::CommittedAt))?;
        let not_priced = |priced: String| {
            refuse(
                id,
                Refusal::FiatValueNotPriced {
                    committed: value,
                    priced,
                },
            )
        };
        match quote.value_at(&asset_id, self.threshold_currency, amount, committed_at) {
            Ok(priced) if priced == value => {}
            Ok(priced) => return Err(not_priced(priced.to_string())),
            Err(PricingError::TooLarge) => return Err(not_priced("beyond 2^64".into())),
            Err(PricingError::OtherAsset { .. }) => {
                return Err(refuse(id, Refusal::QuoteMismatch("asset")));
            }
            Err(PricingError::OtherCurrency { .. }) => {
                return Err(refuse(id, Refusal::QuoteMismatch("currency")));
            }
            Err(PricingError::NotValidAt {
                valid_from,
                valid_until,
                committed_at,
            }) => {
                return Err(refuse(
                    id,
                    Refusal::QuoteNotValidAt {
                        committed_at,
                        valid_from,
                        valid_until,
                    },
                ));
            }
        }
        let public = quote.public_inputs(self.tree.commitment(), self.threshold, self.direction);
        let opening = self
            .tree
            .open_many(&priced_threshold::SLOTS)
            .map_err(witness_err(id))?;
        let circuit = PricedThresholdCircuit::new(public, &opening).map_err(witness_err(id))?;
        Ok(ClaimWitness {
            circuit: id,
            public_inputs: public.to_field_elements(),
            synthesizer: BlankCircuit::PricedThreshold(circuit),
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

    /// The `not_sanctioned` claim of one party against sanctions set `list`.
    pub fn not_sanctioned_claim(
        &self,
        party: Party,
        list: usize,
    ) -> Result<ClaimWitness, ProverError> {
        let id = match party {
            Party::Originator => CircuitId::NotSanctionedOriginator,
            Party::Beneficiary => CircuitId::NotSanctionedBeneficiary,
        };
        let set = self.set(id, list)?;
        let values = self.tree.values();
        // A listed identifier or address is reported before a listed name: it is a
        // match, while a name alone may be a collision (clearable by an officer).
        if let Some((slot, _)) = party.key_slots().iter().skip(1).find(|(slot, _)| {
            let v = values.get(*slot);
            v != Fr::from(0u64)
                && ScreeningKey::new(v)
                    .map(|k| set.contains(&k))
                    .unwrap_or(false)
        }) {
            return Err(refuse(
                id,
                Refusal::PartyListed {
                    party: party.as_str(),
                    slot: slot.name(),
                    list,
                },
            ));
        }
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
                leaves.push(set.leaf_witness(0).map_err(witness_err(id))?);
                continue;
            }
            let key = ScreeningKey::new(v).map_err(|_| missing())?;
            if set.contains(&key) {
                return Err(refuse(
                    id,
                    Refusal::PartyListed {
                        party: party.as_str(),
                        slot: slot.name(),
                        list,
                    },
                ));
            }
            leaves.push(set.non_membership_witness(&key).map_err(witness_err(id))?);
        }
        let public = NotSanctionedPublicInputs {
            commitment: self.tree.commitment(),
            sanctions_root: set.root(),
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
