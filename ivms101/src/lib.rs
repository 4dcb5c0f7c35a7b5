//! # zktr-ivms101
//!
//! The IVMS101 identity data model (interVASP Messaging Standard 101), as TRISA carries
//! it. It knows no zero-knowledge and no networks.
//!
//! * `model`: the data model (identity payload, persons, names, addresses, national
//!   identification, date and place of birth) as plain Rust values;
//! * `codes`: the standard's code lists (LEGL, ALIA, ...; ARNU, CCPT, ...; HOME, ...);
//! * `json`: reading and writing both JSON forms (IVMS101 camelCase JSON and
//!   protobuf-JSON) and the binary protobuf form;
//! * [`dialect`]: the JSON dialects VASPs send (PascalCase, both editions, TRISA's
//!   lenient keys, TRP messages), rewritten into the standard form before reading;
//! * `convert`: the mapping to TRISA's protobuf package `ivms101` ([`pb`], generated in
//!   `zktr-proto`);
//! * [`validate`]: IVMS101's constraints C1 to C12, every violation with its JSON path.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod codes;
mod convert;
pub mod dialect;
mod json;
mod model;
pub mod validate;

/// The generated protobuf types of package `ivms101`.
pub use zktr_proto::ivms101 as pb;

pub use codes::{
    AddressTypeCode, LegalPersonNameTypeCode, NationalIdentifierTypeCode,
    NaturalPersonNameTypeCode, TransliterationMethodCode, UnknownCode,
};
pub use convert::{ConvertError, ProtoMapped};
pub use json::{Document, JsonForm, ReadError, decode, encode, from_json, to_json};
pub use model::{
    Address, Beneficiary, BeneficiaryVasp, DateAndPlaceOfBirth, IdentityPayload, IntermediaryVasp,
    LegalPerson, LegalPersonName, LegalPersonNameId, NationalIdentification, NaturalPerson,
    NaturalPersonName, NaturalPersonNameId, OriginatingVasp, Originator, PayloadMetadata, Person,
    TransferPath,
};
pub use validate::{Constraint, Violation, validate_document, validate_identity};

/// Every error of this crate, for callers that map them in one place (a service's
/// handler, the CLI). The module errors stay available for callers that match finely.
/// Validation is not an error: it returns every [`Violation`] found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A document in none of the dialects read, or malformed JSON.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A protobuf message that does not map onto the model.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// A code value outside its IVMS101 code list.
    #[error(transparent)]
    UnknownCode(#[from] UnknownCode),
}
