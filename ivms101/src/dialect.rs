//! The IVMS101 JSON dialects VASPs send, rewritten into the standard IVMS101 JSON form
//! (camelCase, the names of `crate::model`) before it is read. The rewrite is directed
//! by the IVMS101 type at each position, since the same alternate key means different
//! fields in different places (`country` is a natural person's `countryOfResidence`, a
//! legal person's `countryOfRegistration`, an identification's `countryOfIssue` and an
//! address's `country`).
//!
//! The dialects and where their field names come from (facts only; no text copied):
//!
//! * [`Dialect::PascalCase`]: keys with an upper-case first letter. CODE's IVMS101
//!   (github codevasp-lab/IVMS101, README and `json-schema.json`) writes the entities
//!   `Originator`, `Beneficiary`, `OriginatingVASP`, `BeneficiaryVASP` in PascalCase and
//!   every value as a string (so `sequence` may be `"0"`); some producers capitalize
//!   every key. Each key's first letter is lower-cased.
//! * [`Dialect::Edition2020`] and [`Dialect::Edition2023`]: the standard's two editions
//!   (as modelled by github TransactionAuthorizationProtocol/ivms101, `src/ivms101_2020.ts`
//!   and `src/ivms101_2023.ts`). 2020: a natural person's `customerNumber`, an address's
//!   `postcode`, the VASPs as bare persons. 101.2023: `originatorPerson` /
//!   `beneficiaryPerson` (singular), `naturalPersonNameIdentifierType`, a legal person's
//!   `customerIdentification`, and `payloadMetadata.payloadVersion` (`"101.2023"`), which
//!   the standard form has no field for and is dropped.
//! * [`Dialect::Lenient`]: the alternate keys TRISA's Go reader accepts (github
//!   trisacrypto/trisa, `pkg/ivms101/ivms101.go`, its `serial*Fields` rekeying maps):
//!   plurals (`nameIdentifiers`, `geographicAddresses`, `addresses`), snake_case
//!   (`geographic_addresses`, `street_name`, `zip_code`, `date_of_birth`), and everyday
//!   words (`lastName`/`surname`/`familyName` for the primary identifier,
//!   `firstName` for the secondary, `city`/`town` for `townName`, `state`/`province` for
//!   `countrySubDivision`, `dob`, `ra`, ...).
//! * [`Dialect::Trp`]: a TRP (Travel Rule Protocol, OpenVASP) transfer message, whose
//!   identity data is the `IVMS101` member beside `asset`, `amount` and `callback`
//!   (TRP specification, docs.21analytics.ch/trp.html). The IVMS101 object is read;
//!   the transfer fields are not IVMS101 and are left out.
//!
//! Unknown keys are kept as they are, so the reader still names them in its error.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// A JSON dialect the reader understood (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// PascalCase keys (CODE).
    PascalCase,
    /// IVMS101 2020 edition names.
    Edition2020,
    /// IVMS101.2023 edition names.
    Edition2023,
    /// TRISA's lenient alternate keys.
    Lenient,
    /// A TRP / OpenVASP message embedding an `IVMS101` object.
    Trp,
    /// Values written as strings where the standard has a number or a list (CODE).
    StringValues,
}

impl Dialect {
    /// A short name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::PascalCase => "PascalCase keys (CODE)",
            Dialect::Edition2020 => "IVMS101 2020 edition",
            Dialect::Edition2023 => "IVMS101.2023 edition",
            Dialect::Lenient => "TRISA lenient keys",
            Dialect::Trp => "TRP message",
            Dialect::StringValues => "string-typed values (CODE)",
        }
    }
}

/// The IVMS101 type at a position of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `IdentityPayload`.
    IdentityPayload,
    /// `Originator`.
    Originator,
    /// `Beneficiary`.
    Beneficiary,
    /// `OriginatingVASP` (nested or a bare person).
    OriginatingVasp,
    /// `BeneficiaryVASP` (nested or a bare person).
    BeneficiaryVasp,
    /// `TransferPath`.
    TransferPath,
    /// One intermediary.
    IntermediaryVasp,
    /// `PayloadMetadata`.
    PayloadMetadata,
    /// `Person`.
    Person,
    /// `NaturalPerson`.
    NaturalPerson,
    /// `LegalPerson`.
    LegalPerson,
    /// `NaturalPersonName`.
    NaturalPersonName,
    /// `LegalPersonName`.
    LegalPersonName,
    /// `NaturalPersonNameId` (also local and phonetic).
    NaturalPersonNameId,
    /// `LegalPersonNameId` (also local and phonetic).
    LegalPersonNameId,
    /// `Address`.
    Address,
    /// `NationalIdentification`.
    NationalIdentification,
    /// `DateAndPlaceOfBirth`.
    DateAndPlaceOfBirth,
    /// A leaf value.
    Leaf,
}

/// `(standard key, child type)` of each type, then `(alternate key, standard key, dialect)`.
fn fields(ty: Ty) -> &'static [(&'static str, Ty)] {
    use Ty::*;
    match ty {
        IdentityPayload => &[
            ("originator", Originator),
            ("beneficiary", Beneficiary),
            ("originatingVASP", OriginatingVasp),
            ("beneficiaryVASP", BeneficiaryVasp),
            ("transferPath", TransferPath),
            ("payloadMetadata", PayloadMetadata),
        ],
        Originator => &[("originatorPersons", Person), ("accountNumber", Leaf)],
        Beneficiary => &[("beneficiaryPersons", Person), ("accountNumber", Leaf)],
        OriginatingVasp => &[("originatingVASP", Person)],
        BeneficiaryVasp => &[("beneficiaryVASP", Person)],
        TransferPath => &[("transferPath", IntermediaryVasp)],
        IntermediaryVasp => &[("intermediaryVASP", Person), ("sequence", Leaf)],
        PayloadMetadata => &[("transliterationMethod", Leaf)],
        Person => &[
            ("naturalPerson", NaturalPerson),
            ("legalPerson", LegalPerson),
        ],
        NaturalPerson => &[
            ("name", NaturalPersonName),
            ("geographicAddress", Address),
            ("nationalIdentification", NationalIdentification),
            ("customerIdentification", Leaf),
            ("dateAndPlaceOfBirth", DateAndPlaceOfBirth),
            ("countryOfResidence", Leaf),
        ],
        LegalPerson => &[
            ("name", LegalPersonName),
            ("geographicAddress", Address),
            ("customerNumber", Leaf),
            ("nationalIdentification", NationalIdentification),
            ("countryOfRegistration", Leaf),
        ],
        NaturalPersonName => &[
            ("nameIdentifier", NaturalPersonNameId),
            ("localNameIdentifier", NaturalPersonNameId),
            ("phoneticNameIdentifier", NaturalPersonNameId),
        ],
        LegalPersonName => &[
            ("nameIdentifier", LegalPersonNameId),
            ("localNameIdentifier", LegalPersonNameId),
            ("phoneticNameIdentifier", LegalPersonNameId),
        ],
        NaturalPersonNameId => &[
            ("primaryIdentifier", Leaf),
            ("secondaryIdentifier", Leaf),
            ("nameIdentifierType", Leaf),
        ],
        LegalPersonNameId => &[
            ("legalPersonName", Leaf),
            ("legalPersonNameIdentifierType", Leaf),
        ],
        Address => &[
            ("addressType", Leaf),
            ("department", Leaf),
            ("subDepartment", Leaf),
            ("streetName", Leaf),
            ("buildingNumber", Leaf),
            ("buildingName", Leaf),
            ("floor", Leaf),
            ("postBox", Leaf),
            ("room", Leaf),
            ("postCode", Leaf),
            ("townName", Leaf),
            ("townLocationName", Leaf),
            ("districtName", Leaf),
            ("countrySubDivision", Leaf),
            ("addressLine", Leaf),
            ("country", Leaf),
        ],
        NationalIdentification => &[
            ("nationalIdentifier", Leaf),
            ("nationalIdentifierType", Leaf),
            ("countryOfIssue", Leaf),
            ("registrationAuthority", Leaf),
        ],
        DateAndPlaceOfBirth => &[("dateOfBirth", Leaf), ("placeOfBirth", Leaf)],
        Leaf => &[],
    }
}

fn aliases(ty: Ty) -> &'static [(&'static str, &'static str, Dialect)] {
    use Dialect::*;
    use Ty::*;
    match ty {
        IdentityPayload => &[
            ("originatingVasp", "originatingVASP", Lenient),
            ("beneficiaryVasp", "beneficiaryVASP", Lenient),
            ("originating_vasp", "originatingVASP", Lenient),
            ("beneficiary_vasp", "beneficiaryVASP", Lenient),
            ("transfer_path", "transferPath", Lenient),
            ("payload_metadata", "payloadMetadata", Lenient),
        ],
        Originator => &[
            ("originatorPerson", "originatorPersons", Edition2023),
            ("originator_persons", "originatorPersons", Lenient),
            ("account_number", "accountNumber", Lenient),
            ("accountNumbers", "accountNumber", Lenient),
            ("account_numbers", "accountNumber", Lenient),
        ],
        Beneficiary => &[
            ("beneficiaryPerson", "beneficiaryPersons", Edition2023),
            ("beneficiary_persons", "beneficiaryPersons", Lenient),
            ("account_number", "accountNumber", Lenient),
            ("accountNumbers", "accountNumber", Lenient),
            ("account_numbers", "accountNumber", Lenient),
        ],
        OriginatingVasp => &[
            ("originatingVasp", "originatingVASP", Lenient),
            ("originating_vasp", "originatingVASP", Lenient),
        ],
        BeneficiaryVasp => &[
            ("beneficiaryVasp", "beneficiaryVASP", Lenient),
            ("beneficiary_vasp", "beneficiaryVASP", Lenient),
        ],
        TransferPath => &[("transfer_path", "transferPath", Lenient)],
        IntermediaryVasp => &[
            ("intermediaryVasp", "intermediaryVASP", Lenient),
            ("intermediary_vasp", "intermediaryVASP", Lenient),
        ],
        PayloadMetadata => &[("transliteration_method", "transliterationMethod", Lenient)],
        Person => &[
            ("natural_person", "naturalPerson", Lenient),
            ("legal_person", "legalPerson", Lenient),
        ],
        NaturalPerson => &[
            ("names", "name", Lenient),
            ("geographicAddresses", "geographicAddress", Lenient),
            ("geographic_address", "geographicAddress", Lenient),
            ("geographic_addresses", "geographicAddress", Lenient),
            ("addresses", "geographicAddress", Lenient),
            ("address", "geographicAddress", Lenient),
            ("national_identification", "nationalIdentification", Lenient),
            ("customer_identification", "customerIdentification", Lenient),
            ("customerNumber", "customerIdentification", Edition2020),
            ("date_and_place_of_birth", "dateAndPlaceOfBirth", Lenient),
            ("dob", "dateAndPlaceOfBirth", Lenient),
            ("country_of_residence", "countryOfResidence", Lenient),
            ("country", "countryOfResidence", Lenient),
        ],
        LegalPerson => &[
            ("names", "name", Lenient),
            ("geographicAddresses", "geographicAddress", Lenient),
            ("geographic_address", "geographicAddress", Lenient),
            ("geographic_addresses", "geographicAddress", Lenient),
            ("addresses", "geographicAddress", Lenient),
            ("address", "geographicAddress", Lenient),
            ("customer_number", "customerNumber", Lenient),
            ("customerIdentification", "customerNumber", Edition2023),
            ("national_identification", "nationalIdentification", Lenient),
            ("country_of_registration", "countryOfRegistration", Lenient),
            ("country", "countryOfRegistration", Lenient),
        ],
        NaturalPersonName | LegalPersonName => &[
            ("nameIdentifiers", "nameIdentifier", Lenient),
            ("name_identifier", "nameIdentifier", Lenient),
            ("name_identifiers", "nameIdentifier", Lenient),
            ("localNameIdentifiers", "localNameIdentifier", Lenient),
            ("local_name_identifier", "localNameIdentifier", Lenient),
            ("local_name_identifiers", "localNameIdentifier", Lenient),
            ("phoneticNameIdentifiers", "phoneticNameIdentifier", Lenient),
            (
                "phonetic_name_identifier",
                "phoneticNameIdentifier",
                Lenient,
            ),
            (
                "phonetic_name_identifiers",
                "phoneticNameIdentifier",
                Lenient,
            ),
        ],
        NaturalPersonNameId => &[
            ("primary_identifier", "primaryIdentifier", Lenient),
            ("last_name", "primaryIdentifier", Lenient),
            ("lastName", "primaryIdentifier", Lenient),
            ("surname", "primaryIdentifier", Lenient),
            ("family_name", "primaryIdentifier", Lenient),
            ("familyName", "primaryIdentifier", Lenient),
            ("secondary_identifier", "secondaryIdentifier", Lenient),
            ("first_name", "secondaryIdentifier", Lenient),
            ("firstName", "secondaryIdentifier", Lenient),
            ("name_identifier_type", "nameIdentifierType", Lenient),
            (
                "naturalPersonNameIdentifierType",
                "nameIdentifierType",
                Edition2023,
            ),
        ],
        LegalPersonNameId => &[
            ("legal_person_name", "legalPersonName", Lenient),
            ("name", "legalPersonName", Lenient),
            (
                "legal_person_name_identifier_type",
                "legalPersonNameIdentifierType",
                Lenient,
            ),
        ],
        Address => &[
            ("address_type", "addressType", Lenient),
            ("sub_department", "subDepartment", Lenient),
            ("subdepartment", "subDepartment", Lenient),
            ("street_name", "streetName", Lenient),
            ("street", "streetName", Lenient),
            ("building_number", "buildingNumber", Lenient),
            ("number", "buildingNumber", Lenient),
            ("building_name", "buildingName", Lenient),
            ("building", "buildingName", Lenient),
            ("post_box", "postBox", Lenient),
            ("pob", "postBox", Lenient),
            ("postcode", "postCode", Edition2020),
            ("post_code", "postCode", Lenient),
            ("postalCode", "postCode", Lenient),
            ("postal_code", "postCode", Lenient),
            ("zipCode", "postCode", Lenient),
            ("zip_code", "postCode", Lenient),
            ("town_name", "townName", Lenient),
            ("town", "townName", Lenient),
            ("city", "townName", Lenient),
            ("town_location_name", "townLocationName", Lenient),
            ("locationName", "townLocationName", Lenient),
            ("location_name", "townLocationName", Lenient),
            ("district_name", "districtName", Lenient),
            ("district", "districtName", Lenient),
            ("country_sub_division", "countrySubDivision", Lenient),
            ("country_subdivision", "countrySubDivision", Lenient),
            ("country_Subdivision", "countrySubDivision", Lenient),
            ("state", "countrySubDivision", Lenient),
            ("province", "countrySubDivision", Lenient),
            ("addressLines", "addressLine", Lenient),
            ("address_line", "addressLine", Lenient),
            ("address_lines", "addressLine", Lenient),
        ],
        NationalIdentification => &[
            ("national_identifier", "nationalIdentifier", Lenient),
            ("number", "nationalIdentifier", Lenient),
            ("identifierNumber", "nationalIdentifier", Lenient),
            ("identifier_number", "nationalIdentifier", Lenient),
            (
                "national_identifier_type",
                "nationalIdentifierType",
                Lenient,
            ),
            ("country_of_issue", "countryOfIssue", Lenient),
            ("country", "countryOfIssue", Lenient),
            ("registration_authority", "registrationAuthority", Lenient),
            ("ra", "registrationAuthority", Lenient),
        ],
        DateAndPlaceOfBirth => &[
            ("date_of_birth", "dateOfBirth", Lenient),
            ("dob", "dateOfBirth", Lenient),
            ("place_of_birth", "placeOfBirth", Lenient),
            ("pob", "placeOfBirth", Lenient),
        ],
        Leaf => &[],
    }
}

/// Keys of a type the standard form has no field for, dropped with a note.
fn dropped(ty: Ty) -> &'static [(&'static str, Dialect)] {
    match ty {
        Ty::PayloadMetadata => &[("payloadVersion", Dialect::Edition2023)],
        _ => &[],
    }
}

impl Ty {
    /// The type of a protobuf message name (`ivms101.Person`), if it is one of IVMS101's.
    pub fn of_proto_name(name: &str) -> Option<Ty> {
        use Ty::*;
        Some(match name.strip_prefix("ivms101.")? {
            "IdentityPayload" => IdentityPayload,
            "Originator" => Originator,
            "Beneficiary" => Beneficiary,
            "OriginatingVasp" => OriginatingVasp,
            "BeneficiaryVasp" => BeneficiaryVasp,
            "TransferPath" => TransferPath,
            "IntermediaryVasp" => IntermediaryVasp,
            "PayloadMetadata" => PayloadMetadata,
            "Person" => Person,
            "NaturalPerson" => NaturalPerson,
            "LegalPerson" => LegalPerson,
            "NaturalPersonName" => NaturalPersonName,
            "LegalPersonName" => LegalPersonName,
            "NaturalPersonNameId" | "LocalNaturalPersonNameId" => NaturalPersonNameId,
            "LegalPersonNameId" | "LocalLegalPersonNameId" => LegalPersonNameId,
            "Address" => Address,
            "NationalIdentification" => NationalIdentification,
            "DateAndPlaceOfBirth" => DateAndPlaceOfBirth,
            _ => return None,
        })
    }
}

/// Deepest nesting rewritten (IVMS101 nests fewer than 10 levels).
const MAX_DEPTH: usize = 32;

/// The standard key and child type of `key` in `ty`, and the dialect that renamed it.
fn resolve(ty: Ty, key: &str) -> Option<(&'static str, Ty, Option<Dialect>)> {
    let child = |std_key: &str| fields(ty).iter().find(|(k, _)| *k == std_key).map(|f| f.1);
    let direct = |k: &str| -> Option<(&'static str, Ty, Option<Dialect>)> {
        if let Some((k, t)) = fields(ty).iter().find(|(s, _)| *s == k) {
            return Some((k, *t, None));
        }
        let (_, s, d) = aliases(ty).iter().find(|(a, _, _)| *a == k)?;
        Some((s, child(s)?, Some(*d)))
    };
    if let Some(r) = direct(key) {
        return Some(r);
    }
    let mut chars = key.chars();
    let first = chars.next()?;
    if first.is_ascii_uppercase() {
        let lowered: String = first.to_ascii_lowercase().to_string() + chars.as_str();
        let (k, t, d) = direct(&lowered)?;
        return Some((k, t, Some(d.unwrap_or(Dialect::PascalCase))));
    }
    None
}

/// Rewrites `value` (of type `ty`) into the standard form; returns the dialects met.
pub fn normalize(value: Value, ty: Ty) -> (Value, BTreeSet<Dialect>) {
    let mut notes = BTreeSet::new();
    let mut value = value;
    if ty == Ty::IdentityPayload
        && let Value::Object(m) = &value
        && let Some(inner) = m
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case("ivms101") && v.is_object())
            .map(|(_, v)| v.clone())
    {
        notes.insert(Dialect::Trp);
        value = inner;
    }
    let out = rewrite(value, ty, &mut notes, 0);
    (out, notes)
}

fn rewrite(value: Value, ty: Ty, notes: &mut BTreeSet<Dialect>, depth: usize) -> Value {
    if depth > MAX_DEPTH || ty == Ty::Leaf {
        return value;
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| rewrite(v, ty, notes, depth + 1))
                .collect(),
        ),
        Value::Object(m) => Value::Object(rewrite_object(m, ty, notes, depth)),
        other => other,
    }
}

fn rewrite_object(
    m: Map<String, Value>,
    ty: Ty,
    notes: &mut BTreeSet<Dialect>,
    depth: usize,
) -> Map<String, Value> {
    // A bare person where a VASP wrapper is expected (2020 layout): rewrite as a person.
    let ty = match ty {
        Ty::OriginatingVasp | Ty::BeneficiaryVasp
            if !m.keys().any(|k| resolve(ty, k).is_some()) =>
        {
            Ty::Person
        }
        t => t,
    };
    let mut out = Map::new();
    for (key, v) in m {
        if let Some((_, d)) = dropped(ty).iter().find(|(k, _)| *k == key) {
            notes.insert(*d);
            continue;
        }
        match resolve(ty, &key) {
            Some((std_key, child, dialect)) if !out.contains_key(std_key) => {
                if let Some(d) = dialect {
                    notes.insert(d);
                }
                let v = fix_shape(ty, std_key, v, notes);
                let was_empty = v.as_object().is_some_and(|o| o.is_empty());
                let v = rewrite(v, child, notes, depth + 1);
                // An object left empty by dropped keys (payloadMetadata holding only a
                // payloadVersion) is not written at all, as the standard form does.
                if !was_empty && v.as_object().is_some_and(|o| o.is_empty()) {
                    continue;
                }
                out.insert(std_key.to_string(), v);
            }
            _ => {
                out.insert(key, v);
            }
        }
    }
    out
}

/// Shape differences: strings where the standard has a number or a list (CODE sends
/// every value as a string), a name given as a bare list of name identifiers.
fn fix_shape(ty: Ty, key: &str, v: Value, notes: &mut BTreeSet<Dialect>) -> Value {
    match (ty, key, v) {
        (Ty::IntermediaryVasp, "sequence", Value::String(s)) => match s.trim().parse::<u64>() {
            Ok(n) => {
                notes.insert(Dialect::StringValues);
                Value::from(n)
            }
            Err(_) => Value::String(s),
        },
        (Ty::Originator | Ty::Beneficiary, "accountNumber", Value::String(s))
        | (Ty::Address, "addressLine", Value::String(s)) => {
            notes.insert(Dialect::StringValues);
            Value::Array(vec![Value::String(s)])
        }
        (Ty::Originator, "originatorPersons", v @ Value::Object(_))
        | (Ty::Beneficiary, "beneficiaryPersons", v @ Value::Object(_))
        | (Ty::TransferPath, "transferPath", v @ Value::Object(_)) => Value::Array(vec![v]),
        (Ty::NaturalPerson | Ty::LegalPerson, "name", Value::Array(ids)) => {
            notes.insert(Dialect::Edition2020);
            let mut m = Map::new();
            m.insert("nameIdentifier".into(), Value::Array(ids));
            Value::Object(m)
        }
        (_, _, v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_key_means_different_fields_by_position() {
        let (v, notes) = normalize(
            json!({"naturalPerson": {"country": "DE", "address": [{"country": "FR", "city": "Paris"}],
                    "national_identification": {"number": "X1", "country": "DE"}}}),
            Ty::Person,
        );
        assert_eq!(
            v,
            json!({"naturalPerson": {"countryOfResidence": "DE",
                "geographicAddress": [{"country": "FR", "townName": "Paris"}],
                "nationalIdentification": {"nationalIdentifier": "X1", "countryOfIssue": "DE"}}})
        );
        assert_eq!(
            notes.into_iter().collect::<Vec<_>>(),
            vec![Dialect::Lenient]
        );
    }

    #[test]
    fn deep_input_is_not_rewritten_past_the_limit() {
        let mut v = json!({});
        for _ in 0..200 {
            v = json!({ "naturalPerson": v });
        }
        let _ = normalize(v, Ty::Person);
    }
}
