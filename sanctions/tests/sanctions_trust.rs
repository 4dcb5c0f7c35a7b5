//! Trust before answers: a set is accepted only under a trusted publisher's key, with a
//! verifying signature, a publication time that is not in the future and, from a trust
//! file, not older than its `max_age_seconds`. Plus the refusals of absurd lists.

use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use zktr_sanctions::BuildOptions;
use zktr_sanctions::address_list::{parse_address_list, read_address_dir};
use zktr_sanctions::publisher::write_key_pair;
use zktr_sanctions::{SanctionsError, SanctionsList, SanctionsSet};
use zktr_sanctions::{Trust, TrustError};

const PUBLISHED: u64 = 1_763_510_400;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/sanctions/"
    ))
    .join(rel)
}

fn list() -> SanctionsList {
    read_address_dir(&data("ofac/address-lists-brave-2025-11-19"), "2025-11-19").unwrap()
}

fn build(key: &SigningKey, published_at: u64) -> SanctionsSet {
    SanctionsSet::build(&[list()], &BuildOptions { key, published_at }).unwrap()
}

fn trust_file(dir: &Path, key: &SigningKey, max_age: u64) -> PathBuf {
    let path = dir.join("trust.json");
    let json = serde_json::json!({
        "sanctions_publishers": [{
            "name": "test publisher",
            "public_key": hex::encode(key.verifying_key().as_bytes()),
            "max_age_seconds": max_age,
        }]
    });
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[test]
fn a_set_signed_by_another_key_and_relabelled_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = SigningKey::from_bytes(&[1u8; 32]);
    let forger = SigningKey::from_bytes(&[2u8; 32]);
    let key_path = dir.path().join("publisher.key");
    let pub_path = write_key_pair(&real, &key_path, false).unwrap();
    let by_key = Trust::from_key_files(&[pub_path]).unwrap();
    let by_file = Trust::from_trust_file(&trust_file(dir.path(), &real, 1 << 40)).unwrap();

    let good = build(&real, PUBLISHED);
    for trust in [&by_key, &by_file] {
        let v = trust.verify(&good, PUBLISHED + 60).unwrap();
        assert_eq!(v.list_id, "addresses");
        assert_eq!(v.version, "2025-11-19");
        assert_eq!(v.published_at, PUBLISHED);
        assert!(v.key_id.starts_with("ed25519:"));
    }

    // Signed by the forger: its record names the forger's key, which is not trusted.
    let forged = build(&forger, PUBLISHED);
    let e = by_key.verify(&forged, PUBLISHED).unwrap_err();
    assert!(matches!(e, TrustError::UnknownPublisher { .. }), "{e}");
    assert!(e.to_string().contains("not trusted"), "{e}");

    // The forger relabels the record with the real publisher's key id: bad signature.
    let mut bytes = forged.to_bytes();
    let forger_id = forged.signed_root().record.publisher_key_id.clone();
    let real_id = good.signed_root().record.publisher_key_id.clone();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.contains(&forger_id));
    let pos = bytes
        .windows(forger_id.len())
        .position(|w| w == forger_id.as_bytes())
        .unwrap();
    bytes[pos..pos + real_id.len()].copy_from_slice(real_id.as_bytes());
    let n = bytes.len() - 32;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&digest);
    let relabelled = SanctionsSet::from_bytes(&bytes).unwrap();
    let e = by_file.verify(&relabelled, PUBLISHED).unwrap_err();
    assert!(matches!(e, TrustError::BadSignature { .. }), "{e}");
}

#[test]
fn future_and_stale_sets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let trust = Trust::from_trust_file(&trust_file(dir.path(), &key, 86_400)).unwrap();
    let set = build(&key, PUBLISHED);
    assert!(matches!(
        trust.verify(&set, PUBLISHED - 3600),
        Err(TrustError::FromTheFuture { .. })
    ));
    assert!(matches!(
        trust.verify(&set, PUBLISHED + 2 * 86_400),
        Err(TrustError::Stale { .. })
    ));
    trust.verify(&set, PUBLISHED + 3600).unwrap();
}

#[test]
fn malformed_trust_files_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    for (json, expect) in [
        ("{}", "sanctions_publishers"),
        (r#"{"sanctions_publishers": []}"#, "trusts no one"),
        (
            r#"{"sanctions_publishers": [{"name":"a","public_key":"zz","max_age_seconds":1}]}"#,
            "sanctions_publishers[0].public_key",
        ),
        ("not json", "not JSON"),
    ] {
        std::fs::write(&path, json).unwrap();
        let e = Trust::from_trust_file(&path).unwrap_err().to_string();
        assert!(e.contains(expect) && e.contains("t.json"), "{json}: {e}");
    }
    // The example policy (a whole policy file) is a valid trust file once it trusts a key.
    let mut policy: serde_json::Value =
        serde_json::from_str(zktr_records::policy_file::EXAMPLE_POLICY_JSON).unwrap();
    let key = SigningKey::from_bytes(&[4u8; 32]);
    policy["sanctions_publishers"] = serde_json::json!([{
        "name": "x", "public_key": hex::encode(key.verifying_key().as_bytes()), "max_age_seconds": 10
    }]);
    std::fs::write(&path, policy.to_string()).unwrap();
    assert_eq!(Trust::from_trust_file(&path).unwrap().keys().len(), 1);
}

#[test]
fn absurd_lists_are_refused() {
    let key = SigningKey::from_bytes(&[5u8; 32]);
    let empty = SanctionsList {
        list_id: "ofac-sdn".into(),
        version: "2025-11-19".into(),
        parties: Vec::new(),
    };
    let e = SanctionsSet::build(
        &[empty],
        &BuildOptions {
            key: &key,
            published_at: PUBLISHED,
        },
    )
    .unwrap_err();
    assert!(matches!(e, SanctionsError::EmptyList { .. }), "{e}");
    let long = "1".repeat(zktr_sanctions::screening::MAX_ADDRESS_CHARS + 1);
    let e = parse_address_list("XBT", &long).unwrap_err().to_string();
    assert!(e.contains("no chain's address is longer"), "{e}");
    let e = parse_address_list("XBT", "# only a comment\n\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds no address"), "{e}");
    assert!(zktr_sanctions::screening::address_key(&long).is_err());
}
