//! The envelope opener on arbitrary envelopes (protobuf-JSON text, or binary protobuf),
//! with an RSA key (TRISA's fixture), an X25519 key, and no key: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::OnceLock;
use zktr_trisa::json::envelope_from_json;
use zktr_trisa::{SealingKey, SecureEnvelope, open};

fn keys() -> &'static [SealingKey] {
    static KEYS: OnceLock<Vec<SealingKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pem = include_str!("../../../shared/data/trisa/sealing_key.pem");
        vec![
            SealingKey::from_pem(pem).expect("fixture key"),
            SealingKey::generate_x25519(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let env = match std::str::from_utf8(data)
        .ok()
        .and_then(|t| envelope_from_json(t).ok())
    {
        Some(env) => env,
        None => match SecureEnvelope::decode(data) {
            Ok(env) => env,
            Err(_) => return,
        },
    };
    let _ = open(&env, None);
    for key in keys() {
        let _ = open(&env, Some(key));
    }
    let _ = SealingKey::from_pem(&String::from_utf8_lossy(data));
    let _ = zktr_trisa::PublicSealingKey::from_pem(&String::from_utf8_lossy(data));
});
