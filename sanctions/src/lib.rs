//! # zktr-sanctions
//!
//! Screening keys and sanctions sets from published lists, with roots signed by a list
//! publisher.
//!
//! * [`screening`]: the one normalizer of names, identifiers and addresses into screening
//!   keys, used both when a set is built and when a transfer is committed.
//! * Readers: [`ofac_advanced`] (OFAC's ADVANCED XML, streamed from its `.bz2`),
//!   [`ofac_csv`] (OFAC's legacy `sdn`/`add`/`alt` CSV set), [`un`] (the UN Security
//!   Council consolidated XML) and [`address_list`] (plain per-ticker address lists).
//!   Each yields [`ListedParty`]s: every name with its parts, dates of birth, identity
//!   documents and digital-currency addresses.
//! * `keys`: the screening keys of a party, through the one shared normalizer
//!   ([`crate::screening`]).
//! * `set`: the set itself, a [`SanctionsTree`](zktr_circuits::trees::sanctions::SanctionsTree)
//!   of all keys plus a key -> parties index and the publisher's signed root;
//!   [`file`] is its `.zkts` file format, [`diff`] compares two versions.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod address_list;
mod diff;
mod error;
mod file;
mod keys;
pub mod limits;
pub mod ofac_advanced;
pub mod ofac_csv;
mod party;
pub mod publisher;
pub mod screening;
mod set;
mod trust;
pub mod un;
mod xml;

pub use diff::{SetDiff, diff};
pub use error::{Result, SanctionsError};
pub use party::{
    CurrencyAddress, IdentityDocument, ListCounts, ListedParty, NamePart, PartyKind, PartyName,
    SanctionsList,
};
pub use screening::ScreeningError;
pub use set::{BuildOptions, SanctionsSet, Screening, SetParty, SetStats};
pub use trust::{CLOCK_SKEW_SECONDS, Trust, TrustError, TrustedKey, VerifiedSet};
