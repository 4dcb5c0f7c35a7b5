//! Typed errors of the prover.

use zktr_circuits::circuits::CircuitId;
use zktr_records::ParamsError;

/// Why the prover refuses a claim before proving: the statement is false (or cannot be
/// shown with the given data), so no proof is attempted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The fiat value is not on the claimed side of the threshold.
    #[error("the committed fiat value is not {side} the threshold {threshold}")]
    WrongSideOfThreshold {
        /// `at or above` or `below`.
        side: &'static str,
        /// The threshold (minor units).
        threshold: u64,
    },
    /// The threshold's currency is not the committed one.
    #[error("the threshold's currency {claimed} is not the committed currency")]
    CurrencyMismatch {
        /// The claimed ISO 4217 numeric code.
        claimed: u16,
    },
    /// A screening key of the party is in the sanctions set (a screening hit: the
    /// transfer goes to review, no `not_sanctioned` proof can exist).
    #[error("the {party}'s {slot} is listed in the statement's sanctions set {list}")]
    PartyListed {
        /// `originator` or `beneficiary`.
        party: &'static str,
        /// Which key (slot name, e.g. `beneficiary_address_key`).
        slot: &'static str,
        /// Which set: the index into [`crate::TransferStatement::sanctions`] (0 for the
        /// first list).
        list: usize,
    },
    /// A key slot that may not be 0 is 0 (or is not a valid key).
    #[error("the {party}'s {slot} is missing or not a screening key")]
    MissingKey {
        /// `originator` or `beneficiary`.
        party: &'static str,
        /// The slot.
        slot: &'static str,
    },
    /// The commitment is not in the log under the given root.
    #[error("the commitment is not in the log under the tree head's root")]
    NotInLog,
    /// The signed tree head is of another root than the inclusion proof's.
    #[error("the signed tree head's root is not the root the inclusion proof was made for")]
    TreeHeadMismatch,
    /// The signed sanctions roots are not the roots of the given sanctions sets, in order
    /// (or there are more or fewer of them, or none).
    #[error(
        "the signed sanctions roots are not the roots of the sanctions sets, one per set in order"
    )]
    SanctionsRootMismatch,
    /// An officer's clearance is for another commitment or another sanctions set.
    #[error("the clearance is for another transfer commitment or another sanctions list")]
    ClearanceMismatch,
    /// The committed fiat value is not the one the price quote gives for the committed
    /// asset amount (`floor(amount * num / den)`).
    #[error(
        "the committed fiat value {committed} is not {priced}, the value of the committed asset amount at the price quote's price"
    )]
    FiatValueNotPriced {
        /// The committed value (minor units).
        committed: u64,
        /// The quote's value of the amount, if it fits 64 bits.
        priced: String,
    },
    /// The price quote is for another asset or currency than the committed one.
    #[error("the price quote is for another {0} than the committed one")]
    QuoteMismatch(&'static str),
    /// The commitment time is outside the price quote's validity window.
    #[error(
        "the commitment time {committed_at} is outside the price quote's window {valid_from}..={valid_until}"
    )]
    QuoteNotValidAt {
        /// The committed time (unix seconds).
        committed_at: u64,
        /// The window's first second.
        valid_from: u64,
        /// The window's last second.
        valid_until: u64,
    },
    /// A committed value is out of its slot's range.
    #[error("committed slot {slot} is out of range")]
    SlotOutOfRange {
        /// The slot.
        slot: &'static str,
    },
}

/// Everything that can go wrong while proving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProverError {
    /// The statement of a claim is false; nothing was proven.
    #[error("claim {claim} refused before proving: {reason}")]
    Refused {
        /// The claim.
        claim: CircuitId,
        /// Why.
        reason: Refusal,
    },
    /// No proving key for a circuit.
    #[error("no proving key for {0}")]
    MissingKey(CircuitId),
    /// Loading or writing parameters failed.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A witness could not be built (malformed input, e.g. wrong path lengths).
    #[error("claim {claim}: {source}")]
    Witness {
        /// The claim.
        claim: CircuitId,
        /// The circuit crate's error.
        source: zktr_circuits::Error,
    },
    /// Constraint synthesis or proof generation failed (a bug or resource problem).
    #[error("claim {claim}: proving failed: {reason}")]
    Proving {
        /// The claim.
        claim: CircuitId,
        /// arkworks' reason.
        reason: String,
    },
    /// OS randomness unavailable.
    #[error("no OS randomness: {0}")]
    Randomness(String),
    /// Building the worker thread pools failed.
    #[error("cannot start prover threads: {0}")]
    Threads(String),
}

impl ProverError {
    /// The refusal, if this is one.
    pub fn refusal(&self) -> Option<(CircuitId, &Refusal)> {
        match self {
            ProverError::Refused { claim, reason } => Some((*claim, reason)),
            _ => None,
        }
    }
}
