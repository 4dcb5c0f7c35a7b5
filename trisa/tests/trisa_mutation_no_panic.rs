//! A stable-toolchain complement to the cargo-fuzz targets in `fuzz/`: thousands of
//! deterministic byte mutations of real envelopes and IVMS101 documents go through the
//! readers and the opener, which must return errors, never panic. (The fuzz targets run
//! on nightly with coverage guidance; this runs in every `cargo test`.)

use prost::Message;
use zktr_ivms101::{Document, validate::parse_date, validate_document};
use zktr_trisa::json::{envelope_from_json, envelope_to_json, payload_from_json};
use zktr_trisa::{SealOptions, SealingKey, SecureEnvelope, open, seal};

/// xorshift64*: a fixed, dependency-free stream of pseudo-random numbers.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v.truncate(i);
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
        }
    }
    v
}

fn shared(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../shared/data/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn mutated_ivms101_documents_never_panic() {
    let today = parse_date("2026-11-21").unwrap();
    let mut rng = Rng(0x5eed_1d35);
    for file in [
        "ivms101/trisa/identity_payload.json",
        "ivms101/trisa/identity_payload.pb.json",
        "ivms101/trisa/person_legal_person.json",
    ] {
        let original = shared(file);
        for _ in 0..400 {
            let m = mutate(&mut rng, &original);
            if let Ok((doc, _)) = Document::from_json(&String::from_utf8_lossy(&m)) {
                let _ = validate_document(&doc, today);
                let _ = doc.decode_like(&mutate(&mut rng, &doc.encode()));
            }
        }
    }
}

#[test]
fn mutated_envelopes_never_panic() {
    let key = SealingKey::generate_x25519();
    let payload = payload_from_json(&String::from_utf8_lossy(&shared(
        "trisa/pending_payload.json",
    )))
    .unwrap();
    let env = seal(&payload, &key.public_key(), &SealOptions::default()).unwrap();
    let binary = env.encode_to_vec();
    let json = serde_json::to_vec(&envelope_to_json(&env).unwrap()).unwrap();
    let mut rng = Rng(0xe27e_10be);
    let mut opened = 0;
    for _ in 0..1500 {
        if let Ok(e) = SecureEnvelope::decode(mutate(&mut rng, &binary).as_slice())
            && open(&e, Some(&key)).is_ok()
        {
            opened += 1;
        }
        if let Ok(e) = envelope_from_json(&String::from_utf8_lossy(&mutate(&mut rng, &json)))
            && open(&e, Some(&key)).is_ok()
        {
            opened += 1;
        }
    }
    // Mutations that only touch unauthenticated fields (timestamp, transfer_state) may
    // still open; most must not.
    assert!(opened < 1500, "{opened}");
    for _ in 0..300 {
        let m = mutate(&mut rng, &shared("trisa/sealing_key.pem"));
        let _ = SealingKey::from_pem(&String::from_utf8_lossy(&m));
    }
}
