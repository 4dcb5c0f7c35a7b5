//! TRISA secure envelopes: TRISA's sealed fixture opens with its key to exactly the
//! payload of `pending_payload.json`; envelopes we seal round-trip (RSA-OAEP-SHA512 and
//! X25519/HPKE); tampering fails at the step it should, with a typed error.

use std::sync::OnceLock;
use zktr_trisa::crypto;
use zktr_trisa::json::{envelope_from_json, envelope_to_json, payload_from_json, payload_to_json};
use zktr_trisa::payload::{self, TransactionPayload};
use zktr_trisa::{
    ErrorCode, OpenError, PublicSealingKey, SealOptions, SealingKey, SecureEnvelope, Step, open,
    open_bytes, seal,
};

fn data(path: &str) -> String {
    let p = format!(
        "{}/../../shared/data/trisa/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn fixture_key() -> &'static SealingKey {
    static KEY: OnceLock<SealingKey> = OnceLock::new();
    KEY.get_or_init(|| SealingKey::from_pem(&data("sealing_key.pem")).expect("sealing_key.pem"))
}

fn x25519_key() -> &'static SealingKey {
    static KEY: OnceLock<SealingKey> = OnceLock::new();
    KEY.get_or_init(SealingKey::generate_x25519)
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

#[test]
fn trisa_fixture_opens_to_pending_payload() {
    let env = envelope_from_json(&data("sealed_envelope.json")).unwrap();
    assert!(env.sealed);
    let payload = open(&env, Some(fixture_key())).unwrap();
    assert_eq!(
        payload_to_json(&payload).unwrap(),
        json(&data("pending_payload.json"))
    );
    // The contents read as typed values.
    let identity = payload::identity(&payload).unwrap();
    let name = identity.originator.as_ref().unwrap().persons[0].legal_name();
    assert_eq!(name.as_deref(), Some("Jane Howard"));
    let TransactionPayload::Pending(p) = payload::transaction(&payload).unwrap() else {
        panic!("not a Pending")
    };
    assert_eq!(p.envelope_id, "2b3b4c95-0a78-4f2a-a9fa-041970f97144");
    assert_eq!(p.transaction.unwrap().amount, 0.00206412);
}

#[test]
fn public_key_signature_matches_trisa() {
    // The PEM label says RSA PRIVATE KEY but the body is PKCS#8: we read it anyway.
    assert!(matches!(fixture_key(), SealingKey::Rsa(_)));
    let env = envelope_from_json(&data("sealed_envelope.json")).unwrap();
    assert_eq!(
        fixture_key().public_key().signature().unwrap(),
        env.public_key_signature
    );
}

#[test]
fn unsealed_and_error_envelopes() {
    let sealed = envelope_from_json(&data("sealed_envelope.json")).unwrap();
    assert_eq!(open(&sealed, None).unwrap_err(), OpenError::KeyRequired);
    let env = envelope_from_json(&data("unsealed_envelope.json")).unwrap();
    assert!(!env.sealed);
    assert_eq!(open_bytes(&env, None).unwrap(), Vec::<u8>::new());
    let err = envelope_from_json(&data("error_envelope.json")).unwrap();
    assert_eq!(
        err.error.as_ref().unwrap().code,
        ErrorCode::ComplianceCheckFail as i32
    );
    match open(&err, Some(fixture_key())) {
        Err(e @ OpenError::ErrorEnvelope { .. }) => {
            assert_eq!(e.step(), Step::Envelope);
            assert!(e.to_string().contains("COMPLIANCE_CHECK_FAIL"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn envelope_json_round_trips() {
    for f in [
        "sealed_envelope.json",
        "unsealed_envelope.json",
        "error_envelope.json",
    ] {
        let env = envelope_from_json(&data(f)).unwrap();
        let text = serde_json::to_string(&envelope_to_json(&env).unwrap()).unwrap();
        assert_eq!(envelope_from_json(&text).unwrap(), env, "{f}");
    }
    for f in ["payload.json", "pending_payload.json"] {
        let p = payload_from_json(&data(f)).unwrap();
        assert_eq!(payload_to_json(&p).unwrap(), json(&data(f)), "{f}");
    }
}

fn pending_payload() -> zktr_trisa::Payload {
    payload_from_json(&data("pending_payload.json")).unwrap()
}

#[test]
fn rsa_envelopes_we_seal_round_trip() {
    let p = pending_payload();
    let to = fixture_key().public_key();
    let env = seal(&p, &to, &SealOptions::default()).unwrap();
    assert_eq!(env.encryption_algorithm, "AES256-GCM");
    assert_eq!(env.hmac_algorithm, "HMAC-SHA256");
    assert_eq!(env.encryption_key.len(), 512, "RSA-4096 OAEP block");
    uuid::Uuid::parse_str(&env.id).unwrap();
    // Through protobuf-JSON, as the CLI writes it.
    let text = serde_json::to_string(&envelope_to_json(&env).unwrap()).unwrap();
    let back = envelope_from_json(&text).unwrap();
    assert_eq!(open(&back, Some(fixture_key())).unwrap(), p);
}

#[test]
fn hpke_envelopes_we_seal_round_trip() {
    let p = pending_payload();
    let key = x25519_key();
    let to = key.public_key();
    let pem = to.to_pem().unwrap();
    let to_again = PublicSealingKey::from_pem(&pem).unwrap();
    assert_eq!(to_again.signature().unwrap(), to.signature().unwrap());
    let env = seal(&p, &to_again, &SealOptions::default()).unwrap();
    assert_eq!(open(&env, Some(key)).unwrap(), p);
    // The private key survives PEM.
    let key_again = SealingKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
    assert_eq!(open(&env, Some(&key_again)).unwrap(), p);
    // Another X25519 key is refused before any decryption.
    let other = SealingKey::generate_x25519();
    let e = open(&env, Some(&other)).unwrap_err();
    assert!(matches!(e, OpenError::WrongKey { .. }), "{e:?}");
    // And the RSA key too.
    let e = open(&env, Some(fixture_key())).unwrap_err();
    assert_eq!(e.step(), Step::Envelope);
}

fn step_of(env: &SecureEnvelope, key: &SealingKey) -> Step {
    match open(env, Some(key)) {
        Ok(_) => panic!("a tampered envelope opened"),
        Err(e) => e.step(),
    }
}

fn flip(v: &mut [u8], i: usize) {
    v[i] ^= 0x01;
}

/// Every byte of the payload and the HMAC (HPKE: fast), and of both sealed secrets.
#[test]
fn hpke_tampering_names_the_step() {
    let key = x25519_key();
    let env = seal(
        &pending_payload(),
        &key.public_key(),
        &SealOptions::default(),
    )
    .unwrap();
    for i in 0..env.payload.len() {
        let mut e = env.clone();
        flip(&mut e.payload, i);
        assert_eq!(step_of(&e, key), Step::Hmac, "payload byte {i}");
    }
    for i in 0..env.hmac.len() {
        let mut e = env.clone();
        flip(&mut e.hmac, i);
        assert_eq!(step_of(&e, key), Step::Hmac, "hmac byte {i}");
    }
    for i in 0..env.encryption_key.len() {
        let mut e = env.clone();
        flip(&mut e.encryption_key, i);
        assert_eq!(step_of(&e, key), Step::Unseal, "encryption_key byte {i}");
    }
    for i in 0..env.hmac_secret.len() {
        let mut e = env.clone();
        flip(&mut e.hmac_secret, i);
        assert_eq!(step_of(&e, key), Step::Unseal, "hmac_secret byte {i}");
    }
    // The sealed secrets are bound to the envelope id.
    let mut e = env.clone();
    e.id = uuid::Uuid::new_v4().to_string();
    assert_eq!(step_of(&e, key), Step::Unseal);
    // Truncations.
    let mut e = env.clone();
    e.encryption_key.truncate(10);
    assert_eq!(step_of(&e, key), Step::Unseal);
    let mut e = env.clone();
    e.hmac.clear();
    assert_eq!(step_of(&e, key), Step::Hmac);
}

/// The TRISA fixture itself (RSA-4096): bytes spread over each field.
#[test]
fn rsa_tampering_names_the_step() {
    let key = fixture_key();
    let env = envelope_from_json(&data("sealed_envelope.json")).unwrap();
    let spots = |len: usize| [0, len / 3, len / 2, len - 1];
    for i in spots(env.payload.len()) {
        let mut e = env.clone();
        flip(&mut e.payload, i);
        assert_eq!(step_of(&e, key), Step::Hmac, "payload byte {i}");
    }
    for i in spots(env.hmac.len()) {
        let mut e = env.clone();
        flip(&mut e.hmac, i);
        assert_eq!(step_of(&e, key), Step::Hmac, "hmac byte {i}");
    }
    for i in spots(env.encryption_key.len()) {
        let mut e = env.clone();
        flip(&mut e.encryption_key, i);
        assert_eq!(step_of(&e, key), Step::Unseal, "encryption_key byte {i}");
    }
    for i in spots(env.hmac_secret.len()) {
        let mut e = env.clone();
        flip(&mut e.hmac_secret, i);
        assert_eq!(step_of(&e, key), Step::Unseal, "hmac_secret byte {i}");
    }
}

/// An envelope whose HMAC is right but whose ciphertext is not (someone holding the HMAC
/// secret re-MACed it) fails at decryption; a right ciphertext of bytes that are not a
/// Payload fails at decoding.
#[test]
fn decrypt_and_decode_steps() {
    let key = [7u8; 32];
    let mac = [9u8; 32];
    let unsealed = |payload: Vec<u8>| SecureEnvelope {
        id: uuid::Uuid::new_v4().to_string(),
        hmac: crypto::hmac_sign(&mac, &payload).unwrap(),
        payload,
        encryption_key: key.to_vec(),
        encryption_algorithm: "AES256-GCM".into(),
        hmac_secret: mac.to_vec(),
        hmac_algorithm: "HMAC-SHA256".into(),
        ..Default::default()
    };
    let mut ct = crypto::encrypt(&key, b"hello").unwrap();
    ct[0] ^= 1;
    let e = open(&unsealed(ct), None).unwrap_err();
    assert_eq!(e.step(), Step::Decrypt, "{e}");
    let e = open(&unsealed(vec![1, 2, 3]), None).unwrap_err();
    assert!(matches!(
        e,
        OpenError::Decrypt(crypto::CryptoError::TooShort(3))
    ));
    let ct = crypto::encrypt(&key, &[0xff, 0xff, 0xff, 0xff]).unwrap();
    let e = open(&unsealed(ct), None).unwrap_err();
    assert_eq!(e.step(), Step::Decode, "{e}");
    // Error messages name the step.
    assert!(e.to_string().starts_with("decode:"));
    // Nonce last: the last 12 bytes are the nonce, so moving it to the front breaks it.
    let mut ct = crypto::encrypt(&key, b"hello").unwrap();
    ct.rotate_right(12);
    assert_eq!(open(&unsealed(ct), None).unwrap_err().step(), Step::Decrypt);
    // Unknown algorithms are refused before anything else.
    let mut env = unsealed(crypto::encrypt(&key, b"x").unwrap());
    env.encryption_algorithm = "AES128-CBC".into();
    assert_eq!(open(&env, None).unwrap_err().step(), Step::Envelope);
}
