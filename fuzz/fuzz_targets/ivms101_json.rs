//! The IVMS101 JSON reader (both forms, type detection), the writers and the validator on
//! arbitrary text: no panic, and whatever reads must write and read back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zktr_ivms101::{Document, JsonForm, validate::parse_date, validate_document};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((doc, _)) = Document::from_json(text) else {
        return;
    };
    if let Some(today) = parse_date("2026-11-21") {
        let _ = validate_document(&doc, today);
    }
    for form in [JsonForm::Ivms101, JsonForm::Protobuf] {
        if let Ok(written) = doc.to_json(form) {
            let (again, _) = doc
                .from_json_as(&written)
                .expect("our own output reads back");
            assert_eq!(again, doc);
        }
    }
});
