//! The IVMS101 identity data model (interVASP Messaging Standard 101), as TRISA carries
//! it.
//!
//! * [`model`]: the data model (identity payload, persons, names, addresses, national
//!   identification, date and place of birth) as plain Rust values;
//! * [`codes`]: the standard's code lists (LEGL, ALIA, ...; ARNU, CCPT, ...; HOME, ...);
//! * [`json`]: reading and writing both JSON forms (IVMS101 camelCase JSON and
//!   protobuf-JSON) and the binary protobuf form;
//! * [`convert`]: the mapping to TRISA's protobuf package `ivms101` ([`pb`]);
//! * [`validate`]: IVMS101's constraints C1 to C12, every violation with its JSON path.

pub mod codes;
pub mod convert;
pub mod json;
pub mod model;
pub mod pb;
pub mod protojson;
pub mod validate;

pub use codes::{
    AddressTypeCode, LegalPersonNameTypeCode, NationalIdentifierTypeCode,
    NaturalPersonNameTypeCode, TransliterationMethodCode,
};
pub use convert::{ConvertError, ProtoMapped};
pub use json::{Document, JsonForm, ReadError, decode, encode, from_json, to_json};
pub use model::*;
pub use validate::{Constraint, Violation, validate_document, validate_identity};
