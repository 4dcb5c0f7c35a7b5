//! Formats do not change with the workspace layout (issue 8): a bundle (JSON and
//! protobuf), the verifying keys with their manifest, and a `.zkts` sanctions set, all
//! written by the code *before* the move (commit 54fbc8b, `zktr setup`-style keys, the
//! sample world, `zktr sanctions build` over four made-up addresses), still load and verify. Fixture files are in
//! `tests/fixtures/before-layout/` (only the verifying keys are kept; the proving keys
//! are 25 MB and are not needed to verify).

use std::path::PathBuf;
use zktr_records::ProofBundle;
use zktr_records::manifest::{Manifest, SINGLE_PARTY_DEV};
use zktr_records::policy_file::{PolicyFile, RequiredList};
use zktr_testkit::sample::SAMPLE_NOW;
use zktr_verifier::{Policy, PolicyError, VerifyRequest, VerifyingKeys, verify_bundle};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/before-layout"
    ))
    .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_bundle_from_before_the_move_verifies_in_both_encodings() {
    let manifest = Manifest::load(&fixture("params")).expect("manifest");
    assert_eq!(manifest.ceremony, SINGLE_PARTY_DEV);
    let keys = VerifyingKeys::load(&fixture("params")).expect("verifying keys");
    // The policy file from before issue 9 still reads; as it trusts a publisher without
    // naming a list, it is refused until it names one, and it must allow the dev keys.
    let text = String::from_utf8(read("policy.json")).expect("utf-8");
    assert!(matches!(
        Policy::from_json(&text),
        Err(PolicyError::NoListRequired)
    ));
    let mut file: PolicyFile = serde_json::from_str(&text).expect("old policy file reads");
    file.sanctions_publishers[0].lists = vec![RequiredList {
        list_id: "zktr-sample-list".into(),
        min_version: None,
        max_age_seconds: None,
        min_key_count: None,
    }];
    file.verifying_keys.allow_dev_keys = true;
    // Its bundles are unpriced (threshold/v1, from before price quotes): a policy
    // accepts them only if it says so, and one that neither trusts a price publisher
    // nor allows them does not load.
    assert!(matches!(
        Policy::new(file.clone()),
        Err(PolicyError::NoPricePublisher)
    ));
    file.allow_unpriced_threshold = true;
    let policy = Policy::new(file).expect("policy");
    let request = VerifyRequest::new(SAMPLE_NOW, "FATF");
    let from_json = ProofBundle::from_json(&String::from_utf8(read("bundle.json")).expect("utf-8"))
        .expect("JSON bundle");
    let from_protobuf = ProofBundle::from_protobuf(&read("bundle.pb")).expect("protobuf bundle");
    assert_eq!(from_json, from_protobuf);
    // The same bytes come out again: the encodings did not change.
    assert_eq!(from_protobuf.to_protobuf(), read("bundle.pb"));
    let accepted = verify_bundle(&from_protobuf, &keys, &policy, &request).expect("accepted");
    assert_eq!(accepted.claims.len(), 4);

    // And a tampered copy is still refused (the fixture is not trivially accepted).
    let mut tampered = from_protobuf.clone();
    tampered.claims[0].public_inputs[1] += zktr_circuits::Fr::from(1u64);
    assert!(verify_bundle(&tampered, &keys, &policy, &request).is_err());
}

#[test]
fn a_sanctions_set_from_before_the_move_loads_and_its_signature_checks() {
    let set = zktr_sanctions::SanctionsSet::load(&fixture("synthetic.zkts")).expect("set");
    let key_hex = String::from_utf8(read("publisher.key.pub")).expect("utf-8");
    let key_bytes: [u8; 32] = hex::decode(key_hex.trim())
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    let publisher = ed25519_dalek::VerifyingKey::from_bytes(&key_bytes).expect("key");
    set.verify_publisher(&publisher)
        .expect("signed by the fixture's publisher");
    // Four made-up addresses (three ETH, one XBT), written for this fixture.
    assert_eq!(set.keys().len(), 4);
    let other = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]).verifying_key();
    assert!(set.verify_publisher(&other).is_err());
}
