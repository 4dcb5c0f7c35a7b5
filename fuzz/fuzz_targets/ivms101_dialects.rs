//! The dialect reader (PascalCase, the 2020 and 2023 editions, TRISA's lenient keys, TRP
//! messages; `ivms101/src/dialect.rs`) on arbitrary text: no panic; whatever reads writes
//! back in the standard form, which reads again, in no dialect, to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zktr_ivms101::dialect::{Ty, normalize};
use zktr_ivms101::{Document, JsonForm};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        for ty in [
            Ty::IdentityPayload,
            Ty::Person,
            Ty::Address,
            Ty::NaturalPersonNameId,
        ] {
            let _ = normalize(value.clone(), ty);
        }
    }
    let Ok((doc, _, _)) = Document::from_json_dialect(text) else {
        return;
    };
    let written = doc
        .to_json(JsonForm::Ivms101)
        .expect("the standard form writes");
    let (again, _) = doc
        .from_json_as(&written)
        .expect("the standard form reads back");
    assert_eq!(again, doc);
});
