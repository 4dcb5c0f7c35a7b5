//! The IVMS101 data model, as plain Rust values.
//!
//! Serde reads and writes the IVMS101 JSON form (camelCase, as TRISA and most VASPs
//! exchange it): empty strings, empty lists and absent parts are left out, and codes are
//! the standard's four-letter codes. The protobuf forms (binary and protobuf-JSON) go
//! through [`super::convert`] and [`super::json`].

use super::codes::{
    AddressTypeCode, LegalPersonNameTypeCode, NationalIdentifierTypeCode,
    NaturalPersonNameTypeCode, TransliterationMethodCode,
};
use serde::{Deserialize, Serialize};

fn is_empty(s: &str) -> bool {
    s.is_empty()
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The identity part of a Travel Rule message: who sends, who receives, and through
/// which VASPs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityPayload {
    /// The originator (the account holder who orders the transfer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originator: Option<Originator>,
    /// The beneficiary (the intended recipient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<Beneficiary>,
    /// The originator's VASP.
    #[serde(
        rename = "originatingVASP",
        alias = "originatingVasp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub originating_vasp: Option<OriginatingVasp>,
    /// The beneficiary's VASP.
    #[serde(
        rename = "beneficiaryVASP",
        alias = "beneficiaryVasp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub beneficiary_vasp: Option<BeneficiaryVasp>,
    /// Intermediary VASPs, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_path: Option<TransferPath>,
    /// How names were transliterated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_metadata: Option<PayloadMetadata>,
}

/// The originator: one or more persons and their accounts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Originator {
    /// The originating persons (1..n).
    #[serde(
        rename = "originatorPersons",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub persons: Vec<Person>,
    /// Account numbers (wallet addresses) of the originator.
    #[serde(
        rename = "accountNumber",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub account_numbers: Vec<String>,
}

/// The beneficiary: one or more persons and their accounts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beneficiary {
    /// The beneficiary persons (1..n).
    #[serde(
        rename = "beneficiaryPersons",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub persons: Vec<Person>,
    /// Account numbers (wallet addresses) of the beneficiary.
    #[serde(
        rename = "accountNumber",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub account_numbers: Vec<String>,
}

/// The originating VASP.
///
/// Read in the standard nested form `{"originatingVASP": {"legalPerson": ...}}` and in the
/// flattened form `{"legalPerson": ...}` some producers write (e.g. the Global Travel
/// Rule examples); always written nested.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, from = "OriginatingVaspJson")]
pub struct OriginatingVasp {
    /// The VASP as a person (normally a legal person).
    #[serde(
        rename = "originatingVASP",
        alias = "originatingVasp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub person: Option<Person>,
}

/// The beneficiary VASP.
///
/// Read in the standard nested form `{"beneficiaryVASP": {"legalPerson": ...}}` and in the
/// flattened form `{"legalPerson": ...}` some producers write (e.g. the Global Travel
/// Rule examples); always written nested.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, from = "BeneficiaryVaspJson")]
pub struct BeneficiaryVasp {
    /// The VASP as a person (normally a legal person).
    #[serde(
        rename = "beneficiaryVASP",
        alias = "beneficiaryVasp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub person: Option<Person>,
}

/// The intermediary VASPs a transfer passes through.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferPath {
    /// The intermediaries, each with its sequence number.
    #[serde(
        rename = "transferPath",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub path: Vec<IntermediaryVasp>,
}

/// One intermediary VASP.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntermediaryVasp {
    /// The intermediary VASP.
    #[serde(
        rename = "intermediaryVASP",
        alias = "intermediaryVasp",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub person: Option<Person>,
    /// Its position in the path, from 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sequence: u64,
}

/// Transliteration metadata.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PayloadMetadata {
    /// The methods used to transliterate names into Latin script.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transliteration_method: Vec<TransliterationMethodCode>,
}

/// A party: a natural or a legal person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Person {
    /// A human being.
    NaturalPerson(NaturalPerson),
    /// A company, foundation or other legal entity.
    LegalPerson(LegalPerson),
}

/// A natural person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NaturalPerson {
    /// The person's names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<NaturalPersonName>,
    /// Postal addresses.
    #[serde(
        rename = "geographicAddress",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub geographic_addresses: Vec<Address>,
    /// A national identity document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_identification: Option<NationalIdentification>,
    /// The VASP's own customer number for this person.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub customer_identification: String,
    /// Date and place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_and_place_of_birth: Option<DateAndPlaceOfBirth>,
    /// Country of residence (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub country_of_residence: String,
}

/// A natural person's names: identifying names, in local script, and phonetic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaturalPersonName {
    /// Names in Latin script.
    #[serde(
        rename = "nameIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub name_identifiers: Vec<NaturalPersonNameId>,
    /// Names in the local script.
    #[serde(
        rename = "localNameIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub local_name_identifiers: Vec<NaturalPersonNameId>,
    /// Phonetic spellings.
    #[serde(
        rename = "phoneticNameIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub phonetic_name_identifiers: Vec<NaturalPersonNameId>,
}

/// One name of a natural person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NaturalPersonNameId {
    /// The family name, or the whole name where it cannot be split.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub primary_identifier: String,
    /// Forenames, given names, initials.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub secondary_identifier: String,
    /// The nature of the name.
    #[serde(default)]
    pub name_identifier_type: NaturalPersonNameTypeCode,
}

/// A postal address: either address lines or structured parts (or both).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// The nature of the address.
    #[serde(default)]
    pub address_type: AddressTypeCode,
    /// Department.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub department: String,
    /// Sub-department.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub sub_department: String,
    /// Street name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub street_name: String,
    /// Building number.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub building_number: String,
    /// Building name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub building_name: String,
    /// Floor.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub floor: String,
    /// Post box.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub post_box: String,
    /// Room.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub room: String,
    /// Post code (`postCode`; the lower-case `postcode` some producers write is read too).
    #[serde(default, alias = "postcode", skip_serializing_if = "is_empty")]
    pub post_code: String,
    /// Town name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub town_name: String,
    /// Town location name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub town_location_name: String,
    /// District name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub district_name: String,
    /// Country subdivision (state, province).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub country_sub_division: String,
    /// Unstructured address lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address_line: Vec<String>,
    /// Country (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub country: String,
}

/// Date and place of birth.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DateAndPlaceOfBirth {
    /// `YYYY-MM-DD` (ISO 8601).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub date_of_birth: String,
    /// Town and/or country of birth.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub place_of_birth: String,
}

/// A national identity document or registration number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NationalIdentification {
    /// The number.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub national_identifier: String,
    /// Its type.
    #[serde(default)]
    pub national_identifier_type: NationalIdentifierTypeCode,
    /// Issuing country (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub country_of_issue: String,
    /// GLEIF registration authority code (`RA` + 6 digits).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub registration_authority: String,
}

/// A legal person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegalPerson {
    /// The entity's names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LegalPersonName>,
    /// Postal addresses.
    #[serde(
        rename = "geographicAddress",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub geographic_addresses: Vec<Address>,
    /// The VASP's own customer number for this entity. IVMS 101.2023 renamed the JSON
    /// element to `customerIdentification` (as for natural persons); both are read,
    /// the 2020 name `customerNumber` is written (TRISA's protobuf field).
    #[serde(
        default,
        alias = "customerIdentification",
        skip_serializing_if = "is_empty"
    )]
    pub customer_number: String,
    /// A registration number, tax id or LEI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_identification: Option<NationalIdentification>,
    /// Country of registration (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub country_of_registration: String,
}

/// A legal person's names.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalPersonName {
    /// Names in Latin script.
    #[serde(
        rename = "nameIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub name_identifiers: Vec<LegalPersonNameId>,
    /// Names in the local script.
    #[serde(
        rename = "localNameIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub local_name_identifiers: Vec<LegalPersonNameId>,
    /// Phonetic spellings.
    #[serde(
        rename = "phoneticNameIdentifier",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub phonetic_name_identifiers: Vec<LegalPersonNameId>,
}

/// One name of a legal person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegalPersonNameId {
    /// The name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub legal_person_name: String,
    /// The nature of the name.
    #[serde(default)]
    pub legal_person_name_identifier_type: LegalPersonNameTypeCode,
}

impl Person {
    /// The natural person, if this is one.
    pub fn as_natural(&self) -> Option<&NaturalPerson> {
        match self {
            Person::NaturalPerson(p) => Some(p),
            Person::LegalPerson(_) => None,
        }
    }

    /// The legal person, if this is one.
    pub fn as_legal(&self) -> Option<&LegalPerson> {
        match self {
            Person::LegalPerson(p) => Some(p),
            Person::NaturalPerson(_) => None,
        }
    }

    /// The person's legal name as one string (`secondary primary` for a natural person,
    /// the `LEGL` name for a legal person); falls back to the first name given.
    pub fn legal_name(&self) -> Option<String> {
        match self {
            Person::NaturalPerson(p) => {
                let ids = &p.name.as_ref()?.name_identifiers;
                let id = ids
                    .iter()
                    .find(|n| n.name_identifier_type == NaturalPersonNameTypeCode::Legl)
                    .or_else(|| ids.first())?;
                let full = format!("{} {}", id.secondary_identifier, id.primary_identifier);
                let full = full.trim();
                (!full.is_empty()).then(|| full.to_string())
            }
            Person::LegalPerson(p) => {
                let ids = &p.name.as_ref()?.name_identifiers;
                let id = ids
                    .iter()
                    .find(|n| n.legal_person_name_identifier_type == LegalPersonNameTypeCode::Legl)
                    .or_else(|| ids.first())?;
                let n = id.legal_person_name.trim();
                (!n.is_empty()).then(|| n.to_string())
            }
        }
    }

    /// The person's national identification, if any.
    pub fn national_identification(&self) -> Option<&NationalIdentification> {
        match self {
            Person::NaturalPerson(p) => p.national_identification.as_ref(),
            Person::LegalPerson(p) => p.national_identification.as_ref(),
        }
    }
}

/// The JSON forms of [`OriginatingVasp`] (see there).
#[derive(Deserialize)]
#[serde(untagged)]
enum OriginatingVaspJson {
    Flat(Person),
    Nested(NestedOriginatingVasp),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NestedOriginatingVasp {
    #[serde(rename = "originatingVASP", alias = "originatingVasp", default)]
    person: Option<Person>,
}

impl From<OriginatingVaspJson> for OriginatingVasp {
    fn from(j: OriginatingVaspJson) -> Self {
        match j {
            OriginatingVaspJson::Flat(p) => Self { person: Some(p) },
            OriginatingVaspJson::Nested(n) => Self { person: n.person },
        }
    }
}

/// The JSON forms of [`BeneficiaryVasp`] (see there).
#[derive(Deserialize)]
#[serde(untagged)]
enum BeneficiaryVaspJson {
    Flat(Person),
    Nested(NestedBeneficiaryVasp),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NestedBeneficiaryVasp {
    #[serde(rename = "beneficiaryVASP", alias = "beneficiaryVasp", default)]
    person: Option<Person>,
}

impl From<BeneficiaryVaspJson> for BeneficiaryVasp {
    fn from(j: BeneficiaryVaspJson) -> Self {
        match j {
            BeneficiaryVaspJson::Flat(p) => Self { person: Some(p) },
            BeneficiaryVaspJson::Nested(n) => Self { person: n.person },
        }
    }
}
