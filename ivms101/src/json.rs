//! Reading and writing IVMS101 values in their three forms: IVMS101 JSON (camelCase,
//! four-letter codes), protobuf-JSON (snake_case proto names, enum names such as
//! `NATURAL_PERSON_NAME_TYPE_CODE_LEGL`), and binary protobuf (TRISA's `ivms101` package).

use super::convert::{ConvertError, ProtoMapped};
use super::dialect::{Dialect, Ty, normalize};
use super::model::*;
use prost::Message;
use serde::{Serialize, de::DeserializeOwned};
use std::collections::BTreeSet;
use zktr_proto::protojson::{self, ProtoJsonError};

/// The two JSON forms of an IVMS101 value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonForm {
    /// IVMS101 JSON: camelCase names, four-letter codes, empty fields left out.
    Ivms101,
    /// Protobuf-JSON: proto field names, enum value names, every field written.
    Protobuf,
}

/// Why an IVMS101 value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not an IVMS101 JSON value of the expected type.
    #[error("IVMS101 JSON: {0}")]
    Json(String),
    /// Not a protobuf-JSON value of the expected type.
    #[error("{0}")]
    ProtoJson(#[from] ProtoJsonError),
    /// Not a protobuf encoding of the expected type.
    #[error("not a protobuf encoding of the expected IVMS101 message")]
    Decode(#[source] prost::DecodeError),
    /// Well-formed, but not a valid IVMS101 value (unknown code, empty person).
    #[error("{0}")]
    Convert(#[from] ConvertError),
    /// The JSON's shape matches none of the IVMS101 types zktr reads.
    #[error("cannot tell which IVMS101 type this JSON is (top-level keys: {0})")]
    UnknownKind(String),
}

const ENUM_PREFIXES: [&str; 5] = [
    "NATURAL_PERSON_NAME_TYPE_CODE_",
    "LEGAL_PERSON_NAME_TYPE_CODE_",
    "ADDRESS_TYPE_CODE_",
    "NATIONAL_IDENTIFIER_TYPE_CODE_",
    "TRANSLITERATION_METHOD_CODE_",
];

/// Which form a JSON value is in: protobuf-JSON if any key has an underscore (IVMS101
/// names never do) or any string is a protobuf enum name; IVMS101 JSON otherwise.
pub fn detect_form(v: &serde_json::Value) -> JsonForm {
    fn walk(v: &serde_json::Value, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match v {
            serde_json::Value::Object(m) => {
                m.iter().any(|(k, v)| k.contains('_') || walk(v, depth + 1))
            }
            serde_json::Value::Array(a) => a.iter().any(|v| walk(v, depth + 1)),
            serde_json::Value::String(s) => ENUM_PREFIXES.iter().any(|p| s.starts_with(p)),
            _ => false,
        }
    }
    if walk(v, 0) {
        JsonForm::Protobuf
    } else {
        JsonForm::Ivms101
    }
}

/// Reads a value from either JSON form (detected with `detect_form`).
pub fn from_json<T>(json: &str) -> Result<(T, JsonForm), ReadError>
where
    T: ProtoMapped + DeserializeOwned,
{
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ReadError::Json(e.to_string()))?;
    let form = detect_form(&value);
    // Try the detected form first, then the other one (a name that happens to look like
    // a protobuf enum value must not make a valid IVMS101 JSON document unreadable).
    let other = match form {
        JsonForm::Ivms101 => JsonForm::Protobuf,
        JsonForm::Protobuf => JsonForm::Ivms101,
    };
    match read_as::<T>(json, &value, form) {
        Ok(v) => Ok((v, form)),
        Err(first) => match read_as::<T>(json, &value, other) {
            Ok(v) => Ok((v, other)),
            // Neither standard form: rewrite a dialect (crate::dialect) into IVMS101 JSON.
            Err(_) => read_dialect::<T>(value)
                .map(|(v, _)| (v, JsonForm::Ivms101))
                .map_err(|_| first),
        },
    }
}

/// Reads a value from one of the two standard forms only (no dialects).
fn from_standard_forms<T>(json: &str) -> Result<(T, JsonForm), ReadError>
where
    T: ProtoMapped + DeserializeOwned,
{
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| ReadError::Json(e.to_string()))?;
    let form = detect_form(&value);
    let other = match form {
        JsonForm::Ivms101 => JsonForm::Protobuf,
        JsonForm::Protobuf => JsonForm::Ivms101,
    };
    match read_as::<T>(json, &value, form) {
        Ok(v) => Ok((v, form)),
        Err(first) => read_as::<T>(json, &value, other)
            .map(|v| (v, other))
            .map_err(|_| first),
    }
}

/// Reads `value` after rewriting its dialect (see [`crate::dialect`]) into IVMS101 JSON;
/// returns the value and the dialects met.
pub fn read_dialect<T>(value: serde_json::Value) -> Result<(T, BTreeSet<Dialect>), ReadError>
where
    T: ProtoMapped + DeserializeOwned,
{
    let ty = Ty::of_proto_name(T::PROTO_NAME).unwrap_or(Ty::Leaf);
    let (standard, dialects) = normalize(value, ty);
    let v = T::deserialize(&standard).map_err(|e| ReadError::Json(e.to_string()))?;
    Ok((v, dialects))
}

fn read_as<T>(json: &str, value: &serde_json::Value, form: JsonForm) -> Result<T, ReadError>
where
    T: ProtoMapped + DeserializeOwned,
{
    match form {
        JsonForm::Ivms101 => T::deserialize(value).map_err(|e| ReadError::Json(e.to_string())),
        JsonForm::Protobuf => Ok(T::from_proto(protojson::from_str::<T::Proto>(
            json,
            T::PROTO_NAME,
        )?)?),
    }
}

/// Writes a value in the given JSON form (pretty-printed).
pub fn to_json<T>(v: &T, form: JsonForm) -> Result<String, ProtoJsonError>
where
    T: ProtoMapped + Serialize,
{
    let value = match form {
        JsonForm::Ivms101 => serde_json::to_value(v).map_err(|e| ProtoJsonError::Invalid {
            message: T::PROTO_NAME.to_string(),
            reason: e.to_string(),
        })?,
        JsonForm::Protobuf => protojson::to_value(&v.to_proto(), T::PROTO_NAME)?,
    };
    serde_json::to_string_pretty(&value).map_err(|e| ProtoJsonError::Invalid {
        message: T::PROTO_NAME.to_string(),
        reason: e.to_string(),
    })
}

/// The binary protobuf encoding.
pub fn encode<T: ProtoMapped>(v: &T) -> Vec<u8> {
    v.to_proto().encode_to_vec()
}

/// Decodes the binary protobuf encoding.
pub fn decode<T: ProtoMapped>(bytes: &[u8]) -> Result<T, ReadError> {
    let p = T::Proto::decode(bytes).map_err(ReadError::Decode)?;
    Ok(T::from_proto(p)?)
}

/// Any of the IVMS101 types that appear as whole JSON documents (TRISA's test files hold
/// each of these).
// One document is read at a time; boxing the payload would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// A whole identity payload.
    IdentityPayload(IdentityPayload),
    /// A person (`{"naturalPerson": ...}` or `{"legalPerson": ...}`).
    Person(Person),
    /// A bare natural person.
    NaturalPerson(NaturalPerson),
    /// A bare legal person.
    LegalPerson(LegalPerson),
    /// A bare address.
    Address(Address),
    /// A bare national identification.
    NationalIdentification(NationalIdentification),
}

fn has_any(m: &serde_json::Map<String, serde_json::Value>, keys: &[&str]) -> bool {
    keys.iter().any(|k| m.contains_key(*k))
}

impl Document {
    /// Reads a document in either JSON form or any dialect of [`crate::dialect`],
    /// telling its type from its top-level keys.
    pub fn from_json(json: &str) -> Result<(Document, JsonForm), ReadError> {
        Self::from_json_dialect(json).map(|(d, form, _)| (d, form))
    }

    /// [`Document::from_json`], also naming the dialects the document was written in
    /// (empty for the two standard forms).
    pub fn from_json_dialect(
        json: &str,
    ) -> Result<(Document, JsonForm, BTreeSet<Dialect>), ReadError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ReadError::Json(e.to_string()))?;
        match Self::from_standard(json, &value) {
            Ok((doc, form)) => Ok((doc, form, BTreeSet::new())),
            Err(first) => {
                let Some(ty) = Self::dialect_type(&value) else {
                    return Err(first);
                };
                let (standard, dialects) = normalize(value, ty);
                let text =
                    serde_json::to_string(&standard).map_err(|e| ReadError::Json(e.to_string()))?;
                match Self::from_standard(&text, &standard) {
                    Ok((doc, _)) => Ok((doc, JsonForm::Ivms101, dialects)),
                    Err(_) if dialects.is_empty() => Err(first),
                    Err(second) => Err(second),
                }
            }
        }
    }

    /// The IVMS101 type a dialect document is, from its top-level keys (any case,
    /// underscores ignored), or None if it looks like none.
    fn dialect_type(value: &serde_json::Value) -> Option<Ty> {
        let m = value.as_object()?;
        let keys: Vec<String> = m
            .keys()
            .map(|k| k.replace('_', "").to_ascii_lowercase())
            .collect();
        let has = |names: &[&str]| keys.iter().any(|k| names.contains(&k.as_str()));
        if has(&["ivms101"]) {
            return Some(Ty::IdentityPayload);
        }
        if has(&[
            "originator",
            "beneficiary",
            "originatingvasp",
            "beneficiaryvasp",
            "transferpath",
            "payloadmetadata",
        ]) {
            return Some(Ty::IdentityPayload);
        }
        if has(&["naturalperson", "legalperson"]) {
            return Some(Ty::Person);
        }
        None
    }

    fn from_standard(
        json: &str,
        value: &serde_json::Value,
    ) -> Result<(Document, JsonForm), ReadError> {
        let serde_json::Value::Object(m) = &value else {
            return Err(ReadError::UnknownKind("not an object".into()));
        };
        fn wrap<T: ProtoMapped + DeserializeOwned>(
            json: &str,
            f: fn(T) -> Document,
        ) -> Result<(Document, JsonForm), ReadError> {
            from_standard_forms::<T>(json).map(|(v, form)| (f(v), form))
        }
        if has_any(
            m,
            &[
                "originator",
                "beneficiary",
                "originatingVASP",
                "beneficiaryVASP",
                "originating_vasp",
                "beneficiary_vasp",
                "originatingVasp",
                "beneficiaryVasp",
                "transferPath",
                "transfer_path",
                "payloadMetadata",
                "payload_metadata",
            ],
        ) {
            return wrap(json, Document::IdentityPayload);
        }
        if has_any(
            m,
            &[
                "naturalPerson",
                "legalPerson",
                "natural_person",
                "legal_person",
            ],
        ) {
            return wrap(json, Document::Person);
        }
        if has_any(
            m,
            &[
                "nationalIdentifier",
                "national_identifier",
                "nationalIdentifierType",
                "national_identifier_type",
                "countryOfIssue",
                "country_of_issue",
                "registrationAuthority",
                "registration_authority",
            ],
        ) {
            return wrap(json, Document::NationalIdentification);
        }
        if has_any(
            m,
            &[
                "addressType",
                "address_type",
                "townName",
                "town_name",
                "streetName",
                "street_name",
                "addressLine",
                "address_line",
            ],
        ) {
            return wrap(json, Document::Address);
        }
        let legal_name = value
            .pointer("/name/nameIdentifier/0/legalPersonName")
            .or_else(|| value.pointer("/name/name_identifiers/0/legal_person_name"))
            .is_some();
        if legal_name
            || has_any(
                m,
                &[
                    "customerNumber",
                    "customer_number",
                    "countryOfRegistration",
                    "country_of_registration",
                ],
            )
        {
            return wrap(json, Document::LegalPerson);
        }
        if m.contains_key("name") {
            return wrap(json, Document::NaturalPerson);
        }
        let keys: Vec<&str> = m.keys().take(8).map(String::as_str).collect();
        Err(ReadError::UnknownKind(keys.join(", ")))
    }

    /// Reads `json` (either form) as the same IVMS101 type as `self`. An empty value of
    /// some types writes as `{}`, whose type cannot be told from its keys; this reads it
    /// back all the same.
    pub fn from_json_as(&self, json: &str) -> Result<(Document, JsonForm), ReadError> {
        fn read<T: ProtoMapped + DeserializeOwned>(
            json: &str,
            f: fn(T) -> Document,
        ) -> Result<(Document, JsonForm), ReadError> {
            from_json::<T>(json).map(|(v, form)| (f(v), form))
        }
        match self {
            Document::IdentityPayload(_) => read(json, Document::IdentityPayload),
            Document::Person(_) => read(json, Document::Person),
            Document::NaturalPerson(_) => read(json, Document::NaturalPerson),
            Document::LegalPerson(_) => read(json, Document::LegalPerson),
            Document::Address(_) => read(json, Document::Address),
            Document::NationalIdentification(_) => read(json, Document::NationalIdentification),
        }
    }

    /// Writes the document in the given JSON form.
    pub fn to_json(&self, form: JsonForm) -> Result<String, ProtoJsonError> {
        match self {
            Document::IdentityPayload(v) => to_json(v, form),
            Document::Person(v) => to_json(v, form),
            Document::NaturalPerson(v) => to_json(v, form),
            Document::LegalPerson(v) => to_json(v, form),
            Document::Address(v) => to_json(v, form),
            Document::NationalIdentification(v) => to_json(v, form),
        }
    }

    /// The binary protobuf encoding of the document's message.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Document::IdentityPayload(v) => encode(v),
            Document::Person(v) => encode(v),
            Document::NaturalPerson(v) => encode(v),
            Document::LegalPerson(v) => encode(v),
            Document::Address(v) => encode(v),
            Document::NationalIdentification(v) => encode(v),
        }
    }

    /// Decodes `bytes` as the same message type as `self` (for round-trip checks).
    pub fn decode_like(&self, bytes: &[u8]) -> Result<Document, ReadError> {
        Ok(match self {
            Document::IdentityPayload(_) => Document::IdentityPayload(decode(bytes)?),
            Document::Person(_) => Document::Person(decode(bytes)?),
            Document::NaturalPerson(_) => Document::NaturalPerson(decode(bytes)?),
            Document::LegalPerson(_) => Document::LegalPerson(decode(bytes)?),
            Document::Address(_) => Document::Address(decode(bytes)?),
            Document::NationalIdentification(_) => Document::NationalIdentification(decode(bytes)?),
        })
    }
}
