//! The binary protobuf decoders (IVMS101 identity payload, TRISA Payload and its contents,
//! SecureEnvelope) and the protobuf-JSON writer on arbitrary bytes: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use zktr_ivms101::{IdentityPayload, decode};
use zktr_trisa::json::{envelope_to_json, payload_to_json};
use zktr_trisa::{Payload, SecureEnvelope, payload};

fuzz_target!(|data: &[u8]| {
    if let Ok(identity) = decode::<IdentityPayload>(data) {
        let again = decode::<IdentityPayload>(&zktr_ivms101::encode(&identity))
            .expect("our own encoding decodes");
        assert_eq!(again, identity);
    }
    if let Ok(p) = Payload::decode(data) {
        let _ = payload::identity(&p);
        let _ = payload::transaction(&p);
        let _ = payload_to_json(&p);
    }
    if let Ok(env) = SecureEnvelope::decode(data) {
        let _ = envelope_to_json(&env);
    }
});
