//! The two sides of one attested transfer, as library code the node's services and the
//! demo both call (`../shared/DESIGN.md`, "The two flows").
//!
//! * [`Originator::prepare`]: commit the payload and the transfer's facts to `C`, append
//!   `C` to the originator's commitment log and sign a tree head, prove the claims, seal
//!   the payload for the beneficiary. The result is an [`OutgoingTransfer`]: the sealed
//!   envelope, the [`ProofBundle`], and the [`CommitmentOpening`] the beneficiary needs to
//!   recompute `C`.
//! * [`Beneficiary::accept`]: verify the bundle under the beneficiary's policy, for the
//!   jurisdictions it applies and the on-chain transfer it received, without decrypting
//!   anything; then open the envelope and recompute `C` from the plaintext bytes and the
//!   opening (a `C` that differs from the bundle's means the ciphertext is not the one the
//!   proofs are about), and check that the tree head was signed after the commitment
//!   time (and, by the verifier, not after the receipt time).
//!
//! Time comes from a [`Clock`], so services, tests and the demo share the same code.
//! Persistence, the network and the opening's own encryption come with the node's
//! services; this module only computes.

use crate::commit::{CommitError, TransferDetails, slot_values, slot_values_of_bytes};
use ed25519_dalek::SigningKey;
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::commitment::{Commitment, CommitmentTree, MasterSalt};
use zktr_circuits::field::Word248;
use zktr_circuits::trees::log::CommitmentLog;
use zktr_prover::{BundleContext, Prover, ProverError, TransferStatement};
use zktr_records::{ProofBundle, SignedPriceQuote, SignedTreeHead};
use zktr_sanctions::SanctionsSet;
use zktr_sanctions::screening;
use zktr_trisa::{OpenError, Payload, PublicSealingKey, SealError, SealOptions, SealingKey};
use zktr_verifier::{
    Accepted, OnChainTransfer, Policy, Rejection, SeenLists, VerifyRequest, VerifyingKeys,
    verify_bundle,
};

/// Where the flows get the time (unix seconds).
pub trait Clock: Send + Sync {
    /// Now, in unix seconds.
    fn now(&self) -> u64;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock that always says the same time (tests, reproducible runs).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// Why a flow step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The payload and facts do not give the commitment's slots.
    #[error("commitment: {0}")]
    Commit(#[from] CommitError),
    /// The commitment log is full (2^32 leaves) or a proof of it could not be made.
    #[error("commitment log: {0}")]
    Log(#[source] zktr_circuits::Error),
    /// The prover refused (a listed party, an amount on the wrong side) or failed.
    #[error("proving: {0}")]
    Prove(#[from] ProverError),
    /// The payload could not be sealed.
    #[error("sealing: {0}")]
    Seal(#[from] SealError),
    /// The envelope could not be opened.
    #[error("opening: {0}")]
    Open(#[from] OpenError),
    /// The bundle does not verify under the policy.
    #[error("the bundle was rejected: {0}")]
    Rejected(Rejection),
    /// The decrypted payload and the opening do not give the bundle's `C`.
    #[error("the decrypted payload does not open the bundle's commitment")]
    CommitmentMismatch,
    /// The price quote cannot price this transfer: another asset or currency, a window
    /// that does not cover the commitment time, or a value beyond 2^64 minor units.
    #[error("price quote: {0}")]
    Price(#[source] zktr_records::PricingError),
    /// The tree head is dated before the commitment time (beyond the clock skew): it
    /// cannot be a head of a log that holds `C`.
    #[error(
        "the tree head (time {tree_head_time}) is older than the commitment (time {committed_at})"
    )]
    TreeHeadBeforeCommitment {
        /// The committed time (slot 14).
        committed_at: u64,
        /// The tree head's time.
        tree_head_time: u64,
    },
    /// The bundle's envelope id differs from the envelope's.
    #[error("the opening is for envelope {opening}, the envelope is {envelope}")]
    EnvelopeMismatch {
        /// The id in the opening.
        opening: String,
        /// The envelope's id.
        envelope: String,
    },
}

/// The threshold rule the originator attests: the jurisdiction's threshold in its
/// currency and which side of it the transfer is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdRule {
    /// The policy jurisdiction (`FATF`, `US`, ...).
    pub jurisdiction: String,
    /// The threshold in minor units.
    pub threshold: u64,
    /// ISO 4217 numeric currency of the threshold.
    pub currency: u16,
    /// The side the transfer is on.
    pub direction: ThresholdDirection,
}

/// What the beneficiary needs, besides the payload, to recompute `C`: the master salt
/// and the committed facts that are not in the payload. It travels to the beneficiary
/// only (never to verifiers or regulators).
#[derive(Clone)]
pub struct CommitmentOpening {
    /// The transfer's master salt.
    pub master_salt: MasterSalt,
    /// The committed facts (commitment time included).
    pub details: TransferDetails,
    /// The price quote the fiat value was computed from (a priced transfer, whose
    /// threshold claim is `threshold/v2`); public, kept beside the facts so that proving
    /// after a restart uses the same quote.
    pub price_quote: Option<SignedPriceQuote>,
}

impl core::fmt::Debug for CommitmentOpening {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The salt and the facts are secret: never in a log line.
        f.debug_struct("CommitmentOpening").finish_non_exhaustive()
    }
}

/// An attested transfer ready to send.
#[derive(Debug)]
pub struct OutgoingTransfer {
    /// The payload sealed for the beneficiary.
    pub envelope: zktr_trisa::SecureEnvelope,
    /// The proofs, verifiable without decrypting.
    pub bundle: ProofBundle,
    /// For the beneficiary only.
    pub opening: CommitmentOpening,
    /// The commitment tree (the originator keeps it to disclose single slots later).
    pub tree: CommitmentTree,
    /// `C`'s position in the originator's log.
    pub log_index: u64,
}

/// The originator's side: its commitment log, the key that signs its tree heads, the
/// prover and the sanctions sets it screens against.
pub struct Originator<'a> {
    /// The log's id (what its tree heads carry).
    pub log_id: String,
    /// The append-only commitment log.
    pub log: CommitmentLog,
    /// Signs the log's tree heads.
    pub log_key: SigningKey,
    /// The prover (one pool for every transfer).
    pub prover: &'a Prover,
    /// The signed sanctions sets both parties are screened against: one per list the
    /// counterparties' policy requires (usually one; `std::slice::from_ref(&set)`).
    pub sanctions: &'a [SanctionsSet],
    /// The time source.
    pub clock: &'a dyn Clock,
}

impl core::fmt::Debug for Originator<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Originator")
            .field("log_id", &self.log_id)
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

impl Originator<'_> {
    /// Commits, logs, proves and seals one transfer. `details.committed_at` is set from
    /// the clock. A refusal (a listed party, an amount on the wrong side of the rule)
    /// comes back as [`FlowError::Prove`] before any proof is made; the commitment is
    /// then already in the log (a log records what was committed, not what was sent).
    pub fn prepare(
        &mut self,
        payload: &Payload,
        details: &TransferDetails,
        rule: &ThresholdRule,
        recipient: &PublicSealingKey,
    ) -> Result<OutgoingTransfer, FlowError> {
        self.prepare_priced(payload, details, rule, recipient, None)
    }

    /// [`Originator::prepare`] with the fiat value priced by a publisher's quote: the
    /// committed fiat value is the quote's value of the asset amount
    /// ([`PriceQuote::value_at`](zktr_records::PriceQuote::value_at); the value in
    /// `details` is not used), the threshold claim is `threshold/v2`, and the bundle
    /// carries the quote. The quote must be for the asset and currency of `details` and
    /// valid now. The rule's direction must be the side the priced value is on.
    pub fn prepare_priced(
        &mut self,
        payload: &Payload,
        details: &TransferDetails,
        rule: &ThresholdRule,
        recipient: &PublicSealingKey,
        price: Option<&SignedPriceQuote>,
    ) -> Result<OutgoingTransfer, FlowError> {
        let mut details = details.clone();
        details.committed_at = self.clock.now();
        if let Some(quote) = price {
            details.fiat_value = quote
                .quote
                .value_at(
                    &details.asset_id,
                    details.fiat_currency,
                    details.asset_amount,
                    details.committed_at,
                )
                .map_err(FlowError::Price)?;
        }
        let mut rng = zktr_prover::os_rng()?;
        let master_salt = MasterSalt::random(&mut rng);
        let tree = CommitmentTree::new(slot_values(payload, &details)?, &master_salt);
        let log_index = self.log.append(tree.commitment()).map_err(FlowError::Log)?;
        let tree_head = SignedTreeHead::sign(
            &self.log_id,
            self.log.len(),
            self.log.root(),
            self.clock.now(),
            &self.log_key,
        );
        let inclusion = self
            .log
            .inclusion_proof(log_index, self.log.len())
            .map_err(FlowError::Log)?;
        let context = BundleContext {
            jurisdiction: rule.jurisdiction.clone(),
            tree_head,
            sanctions_roots: self
                .sanctions
                .iter()
                .map(|s| s.signed_root().clone())
                .collect(),
        };
        let sets: Vec<_> = self.sanctions.iter().map(SanctionsSet::tree).collect();
        let statement = TransferStatement {
            tree: &tree,
            threshold: rule.threshold,
            threshold_currency: rule.currency,
            direction: rule.direction,
            inclusion: &inclusion,
            log_root: self.log.root(),
            sanctions: zktr_prover::SanctionsSets::Many(&sets),
            clearances: &[],
            price,
        };
        let bundle = self.prover.prove_transfer(&statement, &context)?;
        let envelope = zktr_trisa::seal(
            payload,
            recipient,
            &SealOptions {
                id: Some(details.envelope_id),
                ..SealOptions::default()
            },
        )?;
        Ok(OutgoingTransfer {
            envelope,
            bundle,
            opening: CommitmentOpening {
                master_salt,
                details,
                price_quote: price.cloned(),
            },
            tree,
            log_index,
        })
    }
}

/// The on-chain transfer as the beneficiary received it (the `committed` claim must be
/// about exactly this).
pub fn received_transfer(
    asset_id: Word248,
    asset_amount: u128,
    beneficiary_address: &str,
) -> Result<OnChainTransfer, CommitError> {
    Ok(OnChainTransfer {
        asset_id,
        asset_amount,
        beneficiary_address_key: screening::address_key(beneficiary_address).map_err(|source| {
            CommitError::Screening {
                what: "beneficiary address",
                source,
            }
        })?,
    })
}

/// The beneficiary's side: its sealing key, the verifying keys and the policy it accepts
/// bundles under, and the jurisdictions whose rules it applies.
pub struct Beneficiary<'a> {
    /// Opens envelopes sealed for this VASP.
    pub sealing_key: &'a SealingKey,
    /// The verifying keys it has (the policy says which it trusts).
    pub verifying_keys: &'a VerifyingKeys,
    /// Its policy.
    pub policy: &'a Policy,
    /// Policy jurisdictions whose threshold rules it applies (its own, the
    /// counterparty's).
    pub jurisdictions: &'a [String],
    /// Sanctions-list versions it has already seen (older ones are refused).
    pub seen_lists: Option<&'a SeenLists>,
    /// The time source.
    pub clock: &'a dyn Clock,
}

impl core::fmt::Debug for Beneficiary<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Beneficiary").finish_non_exhaustive()
    }
}

/// A transfer the beneficiary accepted.
#[derive(Debug)]
pub struct AcceptedTransfer {
    /// What the bundle proved.
    pub accepted: Accepted,
    /// The decrypted payload.
    pub payload: Payload,
    /// The commitment the payload opens (= the bundle's).
    pub commitment: Commitment,
}

impl Beneficiary<'_> {
    /// Checks the bundle under the policy, for this VASP's jurisdictions and the
    /// on-chain transfer it `received`, without decrypting; only then opens the envelope
    /// and checks that its exact plaintext bytes and the opening give the bundle's `C`,
    /// and that the tree head is not older than the commitment.
    pub fn accept(
        &self,
        envelope: &zktr_trisa::SecureEnvelope,
        bundle: &ProofBundle,
        opening: &CommitmentOpening,
        received: &OnChainTransfer,
    ) -> Result<AcceptedTransfer, FlowError> {
        let accepted = verify_bundle(
            bundle,
            self.verifying_keys,
            self.policy,
            &self.request(received),
        )
        .map_err(FlowError::Rejected)?;
        self.open_verified(envelope, bundle, opening, accepted)
    }

    /// What this beneficiary asks of a bundle for the on-chain transfer it `received`
    /// (for callers that verify many bundles in one batch, `zktr_verifier::verify_bundles_each`).
    pub fn request(&self, received: &OnChainTransfer) -> VerifyRequest<'_> {
        VerifyRequest {
            now: self.clock.now(),
            jurisdictions: self.jurisdictions.to_vec(),
            transfer: Some(*received),
            seen_lists: self.seen_lists,
        }
    }

    /// The steps of [`Beneficiary::accept`] after the bundle verified (`accepted`, what
    /// its verification found): the tree head is not older than the commitment, the
    /// opening is for this envelope, and the envelope's exact plaintext bytes with the
    /// opening give the bundle's `C`.
    pub fn open_verified(
        &self,
        envelope: &zktr_trisa::SecureEnvelope,
        bundle: &ProofBundle,
        opening: &CommitmentOpening,
        accepted: Accepted,
    ) -> Result<AcceptedTransfer, FlowError> {
        let committed_at = opening.details.committed_at;
        let tree_head_time = bundle.tree_head.time;
        if committed_at > tree_head_time.saturating_add(self.policy.clock_skew()) {
            return Err(FlowError::TreeHeadBeforeCommitment {
                committed_at,
                tree_head_time,
            });
        }
        let opening_id = opening.details.envelope_id.to_string();
        if envelope.id != opening_id {
            return Err(FlowError::EnvelopeMismatch {
                opening: opening_id,
                envelope: envelope.id.clone(),
            });
        }
        let bytes = zktr_trisa::open_bytes(envelope, Some(self.sealing_key))?;
        let (payload, values) = slot_values_of_bytes(&bytes, &opening.details)?;
        let commitment = CommitmentTree::new(values, &opening.master_salt).commitment();
        if commitment != bundle.commitment {
            return Err(FlowError::CommitmentMismatch);
        }
        Ok(AcceptedTransfer {
            accepted,
            payload,
            commitment,
        })
    }
}
