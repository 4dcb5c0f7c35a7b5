//! Every IVMS101 file of TRISA's test data parses, re-serializes and parses again to an
//! equal value in the form it comes in, in the other JSON form, and in binary protobuf.

use std::path::PathBuf;
use zktr_ivms101::{Document, JsonForm};

fn data_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/ivms101/trisa"
    ))
}

fn files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .expect("../shared/data/ivms101/trisa")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_trisa_file_round_trips_in_every_form() {
    let files = files();
    assert_eq!(files.len(), 8, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (doc, form) = Document::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want_form = if name.ends_with(".pb.json") {
            JsonForm::Protobuf
        } else {
            JsonForm::Ivms101
        };
        assert_eq!(form, want_form, "{name}");
        for out_form in [JsonForm::Ivms101, JsonForm::Protobuf] {
            let written = doc.to_json(out_form).unwrap();
            let (again, read_form) = Document::from_json(&written)
                .unwrap_or_else(|e| panic!("{name} {out_form:?}: {e}\n{written}"));
            assert_eq!(read_form, out_form, "{name}");
            assert_eq!(again, doc, "{name} via {out_form:?}");
        }
        let bytes = doc.encode();
        assert!(!bytes.is_empty(), "{name}");
        assert_eq!(doc.decode_like(&bytes).unwrap(), doc, "{name} via protobuf");
    }
}

/// The original text and our re-serialization are the same JSON value (for the
/// protobuf-JSON file, whose writer emits every field as TRISA's does).
#[test]
fn protobuf_json_is_written_as_trisa_writes_it() {
    let text = std::fs::read_to_string(data_dir().join("identity_payload.pb.json")).unwrap();
    let (doc, _) = Document::from_json(&text).unwrap();
    let written = doc.to_json(JsonForm::Protobuf).unwrap();
    let a: serde_json::Value = serde_json::from_str(&text).unwrap();
    let b: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(a, b);
}

/// The IVMS101 JSON files come back as the same JSON value (empty fields left out).
#[test]
fn ivms101_json_is_written_as_read() {
    for path in files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".pb.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (doc, _) = Document::from_json(&text).unwrap();
        let a: serde_json::Value = serde_json::from_str(&text).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&doc.to_json(JsonForm::Ivms101).unwrap()).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn both_forms_of_the_identity_payload_agree_on_names_and_codes() {
    let camel = std::fs::read_to_string(data_dir().join("identity_payload.json")).unwrap();
    let pbj = std::fs::read_to_string(data_dir().join("identity_payload.pb.json")).unwrap();
    let (Document::IdentityPayload(a), _) = Document::from_json(&camel).unwrap() else {
        panic!("not an identity payload")
    };
    let (Document::IdentityPayload(b), _) = Document::from_json(&pbj).unwrap() else {
        panic!("not an identity payload")
    };
    let name =
        |p: &zktr_ivms101::IdentityPayload| p.originator.as_ref().unwrap().persons[0].legal_name();
    assert_eq!(name(&a).as_deref(), Some("Jane Howard"));
    assert_eq!(name(&a), name(&b));
}

#[test]
fn malformed_inputs_are_typed_errors() {
    for bad in [
        "",
        "[]",
        "{}",
        "{\"naturalPerson\": {\"name\": {\"nameIdentifier\": [{\"nameIdentifierType\": \"NOPE\"}]}}}",
        "{\"natural_person\": {\"name\": {\"name_identifiers\": [{\"name_identifier_type\": 99}]}}}",
        "{\"naturalPerson\": {}, \"legalPerson\": {}}",
        "{\"originator\": {\"originatorPersons\": [{}]}}",
        "{\"originator\": {\"originator_persons\": [{}]}}",
    ] {
        assert!(Document::from_json(bad).is_err(), "{bad}");
    }
    // Binary garbage.
    let (doc, _) = Document::from_json(
        &std::fs::read_to_string(data_dir().join("identity_payload.json")).unwrap(),
    )
    .unwrap();
    assert!(doc.decode_like(&[0xff, 0xff, 0xff]).is_err());
}

/// Fuzzing regression (`fuzz/artifacts/ivms101_json/crash-72bdb575...`): a national
/// identification with an empty identifier wrote back without the key its type was told
/// by, and did not read again.
#[test]
fn fuzz_regression_empty_national_identifier_round_trips() {
    let input = "{\n    \"nationalIdentifier\": \"\",\n    \"registrationAuthority\": \"77777\"\n}";
    let (doc, _) = Document::from_json(input).unwrap();
    for form in [JsonForm::Ivms101, JsonForm::Protobuf] {
        let written = doc.to_json(form).unwrap();
        assert_eq!(Document::from_json(&written).unwrap().0, doc, "{written}");
        assert_eq!(doc.from_json_as(&written).unwrap().0, doc, "{written}");
    }
    // An empty legal person writes as `{}`: read as its known type, it comes back.
    let empty = Document::LegalPerson(Default::default());
    let written = empty.to_json(JsonForm::Ivms101).unwrap();
    assert_eq!(written.trim(), "{}");
    assert_eq!(empty.from_json_as(&written).unwrap().0, empty);
}

/// A name that looks like a protobuf enum value does not make IVMS101 JSON unreadable.
#[test]
fn enum_looking_names_still_read_as_ivms101_json() {
    let input = r#"{"naturalPerson": {"name": {"nameIdentifier": [
        {"primaryIdentifier": "ADDRESS_TYPE_CODE_HOME", "nameIdentifierType": "LEGL"}]}}}"#;
    let (doc, form) = Document::from_json(input).unwrap();
    assert_eq!(form, JsonForm::Ivms101);
    let written = doc.to_json(JsonForm::Ivms101).unwrap();
    assert_eq!(Document::from_json(&written).unwrap().0, doc);
}
