//! One test per IVMS101 JSON dialect: the same transfer written in each dialect reads to
//! the same identity payload as the standard form, validates (violations, never "not
//! IVMS101"), and writes back in the standard form. The examples are written here from
//! each dialect's published field names (sources in `ivms101/src/dialect.rs`); the
//! people, companies and addresses are made up.

use serde_json::{Value, json};
use zktr_ivms101::dialect::Dialect;
use zktr_ivms101::validate::{parse_date, validate_document};
use zktr_ivms101::{Document, JsonForm};

fn today() -> time::Date {
    parse_date("2026-01-15").unwrap()
}

/// The transfer in the standard IVMS101 JSON form. The beneficiary's customer number
/// and the VASPs' missing national identification make the validator report
/// violations, so each dialect test also checks that violations survive the rewrite.
fn standard() -> Value {
    json!({
        "originator": {
            "originatorPersons": [{ "naturalPerson": {
                "name": { "nameIdentifier": [{
                    "primaryIdentifier": "Nakamura", "secondaryIdentifier": "Aiko",
                    "nameIdentifierType": "LEGL" }] },
                "geographicAddress": [{
                    "addressType": "HOME", "streetName": "Seestrasse", "buildingNumber": "12",
                    "postCode": "8002", "townName": "Zurich", "countrySubDivision": "ZH",
                    "country": "CH" }],
                "nationalIdentification": {
                    "nationalIdentifier": "X1234567", "nationalIdentifierType": "CCPT",
                    "countryOfIssue": "CH" },
                "customerIdentification": "cust-0042",
                "dateAndPlaceOfBirth": { "dateOfBirth": "1985-03-14", "placeOfBirth": "Osaka" },
                "countryOfResidence": "CH" } }],
            "accountNumber": ["bc1qexampleoriginatoraddress00000000000"]
        },
        "beneficiary": {
            "beneficiaryPersons": [{ "legalPerson": {
                "name": { "nameIdentifier": [{
                    "legalPersonName": "Lakeside Trading AG",
                    "legalPersonNameIdentifierType": "LEGL" }] },
                "customerNumber": "B-7",
                "countryOfRegistration": "CH" } }],
            "accountNumber": ["0x1111111111111111111111111111111111111111"]
        },
        "originatingVASP": { "originatingVASP": { "legalPerson": {
            "name": { "nameIdentifier": [{
                "legalPersonName": "Alpine Exchange AG", "legalPersonNameIdentifierType": "LEGL" }] },
            "countryOfRegistration": "CH" } } },
        "beneficiaryVASP": { "beneficiaryVASP": { "legalPerson": {
            "name": { "nameIdentifier": [{
                "legalPersonName": "Harbour Custody Ltd", "legalPersonNameIdentifierType": "LEGL" }] },
            "countryOfRegistration": "GB" } } },
        "transferPath": { "transferPath": [{ "intermediaryVASP": { "legalPerson": {
            "name": { "nameIdentifier": [{
                "legalPersonName": "Bridge Relay SA", "legalPersonNameIdentifierType": "LEGL" }] },
            "countryOfRegistration": "LU" } }, "sequence": 1 }] }
    })
}

fn read(v: &Value) -> (Document, std::collections::BTreeSet<Dialect>) {
    let (doc, form, dialects) = Document::from_json_dialect(&v.to_string())
        .unwrap_or_else(|e| panic!("not read: {e}\n{v:#}"));
    assert_eq!(form, JsonForm::Ivms101);
    (doc, dialects)
}

/// Reads `dialect_doc`, compares it with the standard form, and returns its dialects.
fn same_as_standard(dialect_doc: Value) -> Vec<Dialect> {
    let (reference, none) = read(&standard());
    assert!(none.is_empty());
    let (doc, dialects) = read(&dialect_doc);
    assert_eq!(doc, reference);
    // Written back in the standard form, byte for byte as the standard document writes.
    assert_eq!(
        doc.to_json(JsonForm::Ivms101).unwrap(),
        reference.to_json(JsonForm::Ivms101).unwrap()
    );
    let v_ref = validate_document(&reference, today());
    let v = validate_document(&doc, today());
    assert_eq!(
        v.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        v_ref.iter().map(|x| x.to_string()).collect::<Vec<_>>()
    );
    dialects.into_iter().collect()
}

#[test]
fn pascal_case_as_code_sends_it() {
    // CODE: entities in PascalCase, every value a string (sequence "1", one account as a
    // string); here also every other key capitalized, as some producers do.
    let doc = json!({
        "Originator": {
            "OriginatorPersons": [{ "NaturalPerson": {
                "Name": { "NameIdentifier": [{
                    "PrimaryIdentifier": "Nakamura", "SecondaryIdentifier": "Aiko",
                    "NameIdentifierType": "LEGL" }] },
                "GeographicAddress": [{
                    "AddressType": "HOME", "StreetName": "Seestrasse", "BuildingNumber": "12",
                    "PostCode": "8002", "TownName": "Zurich", "CountrySubDivision": "ZH",
                    "Country": "CH" }],
                "NationalIdentification": {
                    "NationalIdentifier": "X1234567", "NationalIdentifierType": "CCPT",
                    "CountryOfIssue": "CH" },
                "CustomerIdentification": "cust-0042",
                "DateAndPlaceOfBirth": { "DateOfBirth": "1985-03-14", "PlaceOfBirth": "Osaka" },
                "CountryOfResidence": "CH" } }],
            "AccountNumber": "bc1qexampleoriginatoraddress00000000000"
        },
        "Beneficiary": {
            "beneficiaryPersons": [{ "legalPerson": {
                "name": { "nameIdentifier": [{
                    "legalPersonName": "Lakeside Trading AG",
                    "legalPersonNameIdentifierType": "LEGL" }] },
                "customerNumber": "B-7", "countryOfRegistration": "CH" } }],
            "accountNumber": ["0x1111111111111111111111111111111111111111"]
        },
        "OriginatingVASP": { "originatingVASP": { "legalPerson": {
            "name": { "nameIdentifier": [{
                "legalPersonName": "Alpine Exchange AG", "legalPersonNameIdentifierType": "LEGL" }] },
            "countryOfRegistration": "CH" } } },
        "BeneficiaryVASP": { "beneficiaryVASP": { "legalPerson": {
            "name": { "nameIdentifier": [{
                "legalPersonName": "Harbour Custody Ltd", "legalPersonNameIdentifierType": "LEGL" }] },
            "countryOfRegistration": "GB" } } },
        "TransferPath": { "TransferPath": [{ "IntermediaryVASP": { "LegalPerson": {
            "Name": { "NameIdentifier": [{
                "LegalPersonName": "Bridge Relay SA", "LegalPersonNameIdentifierType": "LEGL" }] },
            "CountryOfRegistration": "LU" } }, "Sequence": "1" }] }
    });
    let d = same_as_standard(doc);
    assert!(
        d.contains(&Dialect::PascalCase) && d.contains(&Dialect::StringValues),
        "{d:?}"
    );
}

#[test]
fn edition_2020_layout() {
    // 2020: a natural person's customerNumber, an address's postcode, VASPs as bare persons.
    let mut doc = standard();
    let np = &mut doc["originator"]["originatorPersons"][0]["naturalPerson"];
    let cust = np
        .as_object_mut()
        .unwrap()
        .remove("customerIdentification")
        .unwrap();
    np["customerNumber"] = cust;
    let addr = &mut np["geographicAddress"][0];
    let pc = addr.as_object_mut().unwrap().remove("postCode").unwrap();
    addr["postcode"] = pc;
    let o = doc["originatingVASP"]["originatingVASP"].take();
    doc["originatingVASP"] = o;
    let b = doc["beneficiaryVASP"]["beneficiaryVASP"].take();
    doc["beneficiaryVASP"] = b;
    let d = same_as_standard(doc);
    assert!(d.contains(&Dialect::Edition2020), "{d:?}");
}

#[test]
fn edition_2023_layout() {
    // 101.2023: originatorPerson / beneficiaryPerson, naturalPersonNameIdentifierType,
    // a legal person's customerIdentification, payloadMetadata.payloadVersion.
    let mut doc = standard();
    let persons = doc["originator"]
        .as_object_mut()
        .unwrap()
        .remove("originatorPersons")
        .unwrap();
    doc["originator"]["originatorPerson"] = persons;
    let persons = doc["beneficiary"]
        .as_object_mut()
        .unwrap()
        .remove("beneficiaryPersons")
        .unwrap();
    doc["beneficiary"]["beneficiaryPerson"] = persons;
    let id =
        &mut doc["originator"]["originatorPerson"][0]["naturalPerson"]["name"]["nameIdentifier"][0];
    let t = id
        .as_object_mut()
        .unwrap()
        .remove("nameIdentifierType")
        .unwrap();
    id["naturalPersonNameIdentifierType"] = t;
    let lp = &mut doc["beneficiary"]["beneficiaryPerson"][0]["legalPerson"];
    let c = lp
        .as_object_mut()
        .unwrap()
        .remove("customerNumber")
        .unwrap();
    lp["customerIdentification"] = c;
    doc["payloadMetadata"] = json!({ "payloadVersion": "101.2023" });
    // The standard form has no payloadVersion; the metadata left empty is not written.
    let d = same_as_standard(doc);
    assert!(d.contains(&Dialect::Edition2023), "{d:?}");
}

#[test]
fn trisa_lenient_keys() {
    // The alternate keys TRISA's Go reader accepts.
    let mut doc = standard();
    doc["originator"]["originatorPersons"][0] = json!({ "natural_person": {
        "names": { "nameIdentifiers": [{
            "lastName": "Nakamura", "firstName": "Aiko", "name_identifier_type": "LEGL" }] },
        "geographic_addresses": [{
            "address_type": "HOME", "street_name": "Seestrasse", "number": "12",
            "zip_code": "8002", "city": "Zurich", "state": "ZH", "country": "CH" }],
        "national_identification": {
            "identifier_number": "X1234567", "national_identifier_type": "CCPT", "country": "CH" },
        "customer_identification": "cust-0042",
        "dob": { "date_of_birth": "1985-03-14", "pob": "Osaka" },
        "country": "CH" } });
    doc["beneficiary"]["beneficiaryPersons"][0] = json!({ "legal_person": {
        "names": { "name_identifiers": [{
            "name": "Lakeside Trading AG", "legal_person_name_identifier_type": "LEGL" }] },
        "customer_number": "B-7", "country": "CH" } });
    let d = same_as_standard(doc);
    assert_eq!(d, vec![Dialect::Lenient]);
}

#[test]
fn trp_message_embedding_ivms101() {
    // A TRP transfer message: asset, amount, callback and the IVMS101 object.
    let doc = json!({
        "asset": { "slip0044": 0 },
        "amount": "1250000",
        "callback": "https://vasp.example/transfers/42/callback",
        "IVMS101": standard(),
    });
    let d = same_as_standard(doc);
    assert_eq!(d, vec![Dialect::Trp]);
}

#[test]
fn real_samples_still_read_in_their_standard_forms() {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/ivms101/trisa"
    ));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let (_, _, dialects) = Document::from_json_dialect(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(dialects.is_empty(), "{}: {dialects:?}", path.display());
            n += 1;
        }
    }
    assert!(n >= 5, "{n} samples");
}

/// The stable complement to `fuzz/fuzz_targets/ivms101_dialects.rs`: seeded mutations of
/// the dialect examples above (key renames, case flips, truncation, byte noise) go
/// through the dialect reader, which must never panic; whatever reads writes back in
/// the standard form and reads again to the same document.
#[test]
fn mutated_dialect_documents_never_panic() {
    let mut seeds: Vec<String> = vec![standard().to_string()];
    let mut trp = json!({ "asset": { "slip0044": 60 }, "amount": "1", "IVMS101": standard() });
    seeds.push(trp.to_string());
    trp["IVMS101"]["originator"]["originatorPersons"][0]["naturalPerson"]["name"] =
        json!({ "nameIdentifiers": [{ "lastName": "A", "firstName": "B" }] });
    seeds.push(trp.to_string());
    let words: &[&str] = &[
        "\"Originator\"",
        "\"originatorPerson\"",
        "\"customerNumber\"",
        "\"postcode\"",
        "\"city\"",
        "\"zip_code\"",
        "\"IVMS101\"",
        "\"naturalPersonNameIdentifierType\"",
        "\"payloadVersion\"",
        "\"Sequence\"",
        "\"names\"",
        "\"dob\"",
        "\"country\"",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut read = 0;
    for i in 0..6000 {
        let mut text = seeds[i % seeds.len()].clone().into_bytes();
        for _ in 0..1 + next() % 3 {
            if text.is_empty() {
                break;
            }
            let at = (next() as usize) % text.len();
            match next() % 4 {
                0 => {
                    // Replace a quoted key with a dialect's key.
                    if let Some(start) = text[at..].iter().position(|b| *b == b'"').map(|p| p + at)
                        && let Some(len) = text[start + 1..].iter().position(|b| *b == b'"')
                    {
                        let w = words[(next() as usize) % words.len()].as_bytes();
                        text.splice(start..start + len + 2, w.iter().copied());
                    }
                }
                1 => text[at] = text[at].to_ascii_uppercase(),
                2 => text.truncate(at),
                _ => text[at] = next() as u8,
            }
        }
        let Ok(s) = std::str::from_utf8(&text) else {
            continue;
        };
        if let Ok((doc, _, _)) = Document::from_json_dialect(s) {
            read += 1;
            let written = doc.to_json(JsonForm::Ivms101).unwrap();
            let (again, _) = doc.from_json_as(&written).unwrap();
            assert_eq!(again, doc, "{s}");
            let _ = validate_document(&doc, today());
        }
    }
    assert!(read > 100, "only {read} mutated documents read");
}
