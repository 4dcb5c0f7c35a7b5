//! From a TRISA payload and the transfer's details to the commitment's 16 slots
//! (`../shared/DESIGN.md`, layout version 1).
//!
//! | slot | from |
//! |---|---|
//! | 1, 2 | [`TransferDetails::fiat_value`], [`TransferDetails::fiat_currency`] |
//! | 3, 4 | [`TransferDetails::asset_amount`], [`TransferDetails::asset_id`] |
//! | 5 | [`screening::address_key`] of [`TransferDetails::beneficiary_address`] (checked against the payload's transaction, if it names one) |
//! | 6, 7 | the originator person (exactly one, see below): [`screening::name_key`] of its legal name, [`screening::identifier_key`] of its national identifier / LEI (0 if none) |
//! | 8, 9 | the same for the beneficiary person |
//! | 10 | [`payload_digest`] of the payload's binary protobuf bytes |
//! | 11 | the envelope id as a 128-bit integer |
//! | 12, 13 | [`screening::vasp_key`] of each VASP's id |
//! | 14 | [`TransferDetails::committed_at`] |
//!
//! Layout version 1 has key slots for **one person per party**. A party with more persons
//! (a joint account, co-owners) is refused with [`CommitError::TooManyPersons`]: a
//! `not_sanctioned` claim that screened only the first person would be a false statement
//! about the party. Covering every person needs a layout v2 (each party's key slots as a
//! small tree of all its persons' keys, each proven absent; see `docs/decisions.md`).
//!
//! The payload digest is `SHA-256(PAYLOAD_DIGEST_PREFIX || 0x00 || bytes)`, first 31
//! bytes, big-endian. It is taken over the exact plaintext bytes that travel in the
//! envelope: a counterparty hashes what it decrypted ([`zktr_trisa::open_bytes`]),
//! never a re-encoding (protobuf encodings are not canonical across implementations).

use prost::Message;
use sha2::{Digest, Sha256};
use zktr_circuits::commitment::{SlotValues, TransferFields};
use zktr_circuits::domain::PAYLOAD_DIGEST_PREFIX;
use zktr_circuits::field::{ScreeningKey, Word248};
use zktr_ivms101::{IdentityPayload, Person};
use zktr_sanctions::screening::{self, ScreeningError};
use zktr_trisa::Payload;
use zktr_trisa::payload::{self, PayloadError};

/// What the commitment needs besides the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferDetails {
    /// Fiat value in minor units (e.g. cents).
    pub fiat_value: u64,
    /// ISO 4217 numeric currency code (840 = USD, 978 = EUR); below 1000.
    pub fiat_currency: u16,
    /// Asset id (SLIP-0044 coin type, or a 248-bit id).
    pub asset_id: Word248,
    /// Asset amount in base units (satoshi, wei, ...).
    pub asset_amount: u128,
    /// The beneficiary's address on chain.
    pub beneficiary_address: String,
    /// The envelope id.
    pub envelope_id: uuid::Uuid,
    /// The originator VASP's id (its LEI or TRISA common name).
    pub originator_vasp_id: String,
    /// The beneficiary VASP's id.
    pub beneficiary_vasp_id: String,
    /// Commitment time, unix seconds.
    pub committed_at: u64,
}

/// Why the slots could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    /// The payload's identity or transaction could not be read.
    #[error("payload: {0}")]
    Payload(#[from] PayloadError),
    /// A party is missing.
    #[error("the identity has no {0} person")]
    MissingParty(&'static str),
    /// A party has more persons than layout version 1 screens (one per party): the
    /// others would go unscreened, so the transfer is not attested.
    #[error(
        "the {party} has {persons} persons, but commitment layout v1 screens {covered} per party; a not_sanctioned claim would leave the others unscreened, so this transfer cannot be attested (send full data instead)"
    )]
    TooManyPersons {
        /// `originator` or `beneficiary`.
        party: &'static str,
        /// Persons in the payload.
        persons: usize,
        /// Persons the layout screens.
        covered: usize,
    },
    /// A party has no usable legal name.
    #[error("the {0} has no name to derive a screening key from")]
    MissingName(&'static str),
    /// A value could not be normalized into a screening key.
    #[error("{what}: {source}")]
    Screening {
        /// Which value.
        what: &'static str,
        /// Why.
        source: ScreeningError,
    },
    /// The currency code is not ISO 4217 numeric.
    #[error("fiat currency {0} is not an ISO 4217 numeric code (0..=999)")]
    Currency(u16),
    /// The beneficiary address differs from the one in the payload's transaction.
    #[error("the beneficiary address differs from the payload's transaction")]
    AddressMismatch,
}

/// The payload digest (slot 10) of payload bytes as they travel.
pub fn payload_digest_of_bytes(bytes: &[u8]) -> Word248 {
    let mut h = Sha256::new();
    h.update(PAYLOAD_DIGEST_PREFIX);
    h.update([0u8]);
    h.update(bytes);
    let d: [u8; 32] = h.finalize().into();
    Word248::from_digest_prefix(&d)
}

/// The payload digest of a payload, over its binary protobuf encoding as zktr seals it.
pub fn payload_digest(p: &Payload) -> Word248 {
    payload_digest_of_bytes(&p.encode_to_vec())
}

fn screening(what: &'static str) -> impl Fn(ScreeningError) -> CommitError {
    move |source| CommitError::Screening { what, source }
}

fn party_keys(
    person: &Person,
    what: &'static str,
) -> Result<(ScreeningKey, Option<ScreeningKey>), CommitError> {
    let name = person.legal_name().ok_or(CommitError::MissingName(what))?;
    let name_key = screening::name_key(&name).map_err(screening("name"))?;
    let id_key = match person.national_identification() {
        Some(id) if !id.national_identifier.trim().is_empty() => Some(
            screening::identifier_key(&id.national_identifier)
                .map_err(screening("national identifier"))?,
        ),
        _ => None,
    };
    Ok((name_key, id_key))
}

fn vasp_word(id: &str, what: &'static str) -> Result<Word248, CommitError> {
    let key = screening::vasp_key(id).map_err(screening(what))?;
    // A screening key is below 2^248 by construction.
    Word248::new(key.to_fr()).map_err(|_| CommitError::Screening {
        what,
        source: ScreeningError::Empty { what },
    })
}

/// Persons per party that layout version 1 screens.
pub const PERSONS_PER_PARTY: usize = 1;

/// The one person of a party, or why there is not exactly one.
fn only_person<'p>(
    persons: Option<&'p [Person]>,
    party: &'static str,
) -> Result<&'p Person, CommitError> {
    match persons.unwrap_or_default() {
        [] => Err(CommitError::MissingParty(party)),
        [one] => Ok(one),
        many => Err(CommitError::TooManyPersons {
            party,
            persons: many.len(),
            covered: PERSONS_PER_PARTY,
        }),
    }
}

/// The committed fields of a transfer from its identity, its payload digest and details.
pub fn fields_from_identity(
    identity: &IdentityPayload,
    payload_digest: Word248,
    details: &TransferDetails,
) -> Result<TransferFields, CommitError> {
    if details.fiat_currency > 999 {
        return Err(CommitError::Currency(details.fiat_currency));
    }
    let originator = only_person(
        identity.originator.as_ref().map(|o| o.persons.as_slice()),
        "originator",
    )?;
    let beneficiary = only_person(
        identity.beneficiary.as_ref().map(|b| b.persons.as_slice()),
        "beneficiary",
    )?;
    let (originator_name_key, originator_id_key) = party_keys(originator, "originator")?;
    let (beneficiary_name_key, beneficiary_id_key) = party_keys(beneficiary, "beneficiary")?;
    Ok(TransferFields {
        fiat_value: details.fiat_value,
        fiat_currency: details.fiat_currency,
        asset_amount: details.asset_amount,
        asset_id: details.asset_id,
        beneficiary_address_key: screening::address_key(&details.beneficiary_address)
            .map_err(screening("beneficiary address"))?,
        originator_name_key,
        originator_id_key,
        beneficiary_name_key,
        beneficiary_id_key,
        payload_digest,
        envelope_id: details.envelope_id.as_u128(),
        originator_vasp_key: vasp_word(&details.originator_vasp_id, "originator VASP id")?,
        beneficiary_vasp_key: vasp_word(&details.beneficiary_vasp_id, "beneficiary VASP id")?,
        committed_at: details.committed_at,
    })
}

/// The committed fields of a transfer from the payload as sealed and the details. If the
/// payload's transaction names a beneficiary address, it must be the same address as
/// `details.beneficiary_address` (after canonicalization).
pub fn transfer_fields(
    payload_msg: &Payload,
    details: &TransferDetails,
) -> Result<TransferFields, CommitError> {
    transfer_fields_with_digest(payload_msg, payload_digest(payload_msg), details)
}

/// As [`transfer_fields`], with the payload digest given (a receiver hashes the exact
/// bytes it decrypted: [`slot_values_of_bytes`]).
fn transfer_fields_with_digest(
    payload_msg: &Payload,
    digest: Word248,
    details: &TransferDetails,
) -> Result<TransferFields, CommitError> {
    let identity = payload::identity(payload_msg)?;
    if let Some(tx) = payload::transaction(payload_msg)?.transaction()
        && !tx.beneficiary.trim().is_empty()
    {
        let theirs = screening::canonical_address(&tx.beneficiary)
            .map_err(screening("beneficiary address"))?;
        let ours = screening::canonical_address(&details.beneficiary_address)
            .map_err(screening("beneficiary address"))?;
        if theirs != ours {
            return Err(CommitError::AddressMismatch);
        }
    }
    fields_from_identity(&identity, digest, details)
}

/// The 16 slot values of a transfer.
pub fn slot_values(
    payload_msg: &Payload,
    details: &TransferDetails,
) -> Result<SlotValues, CommitError> {
    Ok(SlotValues::from_fields(&transfer_fields(
        payload_msg,
        details,
    )?))
}

/// The 16 slot values from the exact payload bytes a receiver decrypted (the digest is
/// taken over these bytes, never over a re-encoding) and the committed facts.
pub fn slot_values_of_bytes(
    payload_bytes: &[u8],
    details: &TransferDetails,
) -> Result<(Payload, SlotValues), CommitError> {
    let payload_msg = Payload::decode(payload_bytes).map_err(|e| {
        CommitError::Payload(PayloadError::Decode {
            what: "payload",
            reason: e.to_string(),
        })
    })?;
    let fields = transfer_fields_with_digest(
        &payload_msg,
        payload_digest_of_bytes(payload_bytes),
        details,
    )?;
    Ok((payload_msg, SlotValues::from_fields(&fields)))
}
