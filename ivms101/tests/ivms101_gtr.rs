//! The Global Travel Rule IVMS101 examples (`../shared/data/ivms101/gtr/`) use spellings
//! the standard's JSON does not: a flattened `originatingVASP`/`beneficiaryVASP`, the
//! lower-case `postcode`, and IVMS 101.2023's `customerIdentification` for legal persons.
//! They parse, and round-trip through both JSON forms to an equal value.

use zktr_ivms101::{Document, JsonForm};

#[test]
fn gtr_examples_parse_and_round_trip() {
    for name in [
        "originator-example.json",
        "beneficiary-example.json",
        "complete-example.json",
    ] {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/ivms101/gtr/"
        );
        let text = std::fs::read_to_string(format!("{path}{name}")).expect("read");
        let (doc, form) = Document::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(form, JsonForm::Ivms101, "{name}");
        for out in [JsonForm::Ivms101, JsonForm::Protobuf] {
            let written = doc.to_json(out).unwrap_or_else(|e| panic!("{name}: {e}"));
            let (again, _) =
                Document::from_json(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(again, doc, "{name} via {out:?}");
        }
    }
}
