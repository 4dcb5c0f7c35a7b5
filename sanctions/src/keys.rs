//! The screening keys of a listed party, derived with the one shared normalizer
//! ([`crate::screening`]): a name key for every name (primary and aliases), an
//! identifier key for every identity document, an address key for every
//! digital-currency address (canonical form per chain). Dates of birth are kept with the
//! party but are not keys: a date alone identifies nobody.

use super::party::ListedParty;
use crate::screening::{address_key, identifier_key, name_key};
use zktr_circuits::field::ScreeningKey;

/// What a key was derived from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeySource {
    /// A name or alias.
    Name,
    /// An identity document number.
    Identifier,
    /// A digital-currency address.
    Address,
}

/// The keys of one party, with what each came from, and how many listed values gave no
/// key (e.g. a name made only of punctuation).
#[derive(Clone, Debug, Default)]
pub struct PartyKeys {
    /// `(key, source)`, in the party's order, duplicates kept.
    pub keys: Vec<(ScreeningKey, KeySource)>,
    /// Values that normalize to nothing.
    pub skipped: u64,
}

/// The screening keys of `party`.
pub fn party_keys(party: &ListedParty) -> PartyKeys {
    let mut out = PartyKeys::default();
    let mut push = |r: Result<ScreeningKey, _>, source| match r {
        Ok(k) => out.keys.push((k, source)),
        Err(crate::screening::ScreeningError::Empty { .. })
        | Err(crate::screening::ScreeningError::MalformedAddress)
        | Err(crate::screening::ScreeningError::AddressTooLong { .. }) => out.skipped += 1,
    };
    for n in &party.names {
        push(name_key(&n.full()), KeySource::Name);
    }
    for d in &party.documents {
        push(identifier_key(&d.number), KeySource::Identifier);
    }
    for a in &party.addresses {
        push(address_key(&a.address), KeySource::Address);
    }
    out
}
