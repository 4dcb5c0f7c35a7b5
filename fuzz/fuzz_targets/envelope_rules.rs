//! TRISA's receive rules (`trisa/src/rules.rs`), as a node applies them to every envelope
//! a peer sends: no panic, and every refusal carries a known code and a message.
//!
//! The first byte picks the mode: even, the rest is a SecureEnvelope (binary protobuf)
//! checked with ValidateMessage and opened with an X25519 key; odd, the rest is the
//! decrypted payload of a well-formed unsealed envelope, so the fuzzer reaches
//! ValidatePayload, the IVMS101 reading and the validator behind the cryptography.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use std::sync::OnceLock;
use zktr_trisa::rules::{open_checked, validate_message};
use zktr_trisa::{SealingKey, SecureEnvelope};

fn key() -> &'static SealingKey {
    static KEY: OnceLock<SealingKey> = OnceLock::new();
    KEY.get_or_init(SealingKey::generate_x25519)
}

fn check(env: &SecureEnvelope) {
    if let Err(r) = validate_message(env) {
        assert!(!r.message.is_empty());
        return;
    }
    if let Err(r) = open_checked(env, key()) {
        assert!(!r.message.is_empty());
        assert_ne!(r.code as i32, 0);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        if let Ok(env) = SecureEnvelope::decode(rest) {
            check(&env);
        }
        return;
    }
    let (k, s) = ([7u8; 32], [9u8; 32]);
    let Ok(payload) = zktr_trisa::crypto::encrypt(&k, rest) else { return };
    let Ok(hmac) = zktr_trisa::crypto::hmac_sign(&s, &payload) else { return };
    let env = SecureEnvelope {
        id: "1e7bb3cc-53ff-41b8-870f-4c22110e6f04".into(),
        payload,
        encryption_key: k.to_vec(),
        encryption_algorithm: "AES256-GCM".into(),
        hmac,
        hmac_secret: s.to_vec(),
        hmac_algorithm: "HMAC-SHA256".into(),
        timestamp: "2026-12-02T00:00:00Z".into(),
        sealed: false,
        ..Default::default()
    };
    check(&env);
});
