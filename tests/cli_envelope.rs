//! `zktr envelope open` prints exactly the payload of TRISA's `pending_payload.json`;
//! `zktr envelope seal` writes an envelope that `zktr envelope open` opens again;
//! `zktr ivms101 validate` exits 0 / 1 and prints every violation with its id.

use std::path::PathBuf;
use std::process::Command;

fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(path)
}

fn zktr(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zktr"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("run zktr")
}

fn json_file(p: &PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn open_prints_the_trisa_fixture_payload() {
    let key = shared("trisa/sealing_key.pem");
    let env = shared("trisa/sealed_envelope.json");
    let out = zktr(&[
        "envelope".as_ref(),
        "open".as_ref(),
        "--key".as_ref(),
        key.as_os_str(),
        env.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, json_file(&shared("trisa/pending_payload.json")));
}

#[test]
fn seal_then_open_round_trips() {
    let dir = std::env::temp_dir().join(format!("zktr-cli-envelope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The fixture key's public half, as a PEM the CLI reads.
    let key = zktr_trisa::SealingKey::from_pem(
        &std::fs::read_to_string(shared("trisa/sealing_key.pem")).unwrap(),
    )
    .unwrap();
    let pubkey = dir.join("recipient.pub.pem");
    std::fs::write(&pubkey, key.public_key().to_pem().unwrap()).unwrap();
    let sealed = dir.join("sealed.json");
    let payload = shared("trisa/payload.json");
    let out = zktr(&[
        "envelope".as_ref(),
        "seal".as_ref(),
        "--to".as_ref(),
        pubkey.as_os_str(),
        "--payload".as_ref(),
        payload.as_os_str(),
        "--out".as_ref(),
        sealed.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let env = json_file(&sealed);
    assert_eq!(env["sealed"], serde_json::Value::Bool(true));
    assert_eq!(env["encryption_algorithm"], "AES256-GCM");
    let keyfile = shared("trisa/sealing_key.pem");
    let out = zktr(&[
        "envelope".as_ref(),
        "open".as_ref(),
        "--key".as_ref(),
        keyfile.as_os_str(),
        sealed.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, json_file(&payload));
    // A tampered envelope: exit code 2 and the step in the message.
    let mut tampered = env.clone();
    tampered["hmac"] = serde_json::Value::String("AAAA".into());
    let bad = dir.join("tampered.json");
    std::fs::write(&bad, tampered.to_string()).unwrap();
    let out = zktr(&[
        "envelope".as_ref(),
        "open".as_ref(),
        "--key".as_ref(),
        keyfile.as_os_str(),
        bad.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HMAC"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ivms101_validate_exit_codes() {
    let valid = shared("ivms101/trisa/identity_payload.json");
    let out = zktr(&["ivms101".as_ref(), "validate".as_ref(), valid.as_os_str()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The protobuf-JSON fixture has a country name instead of a code (C3), and its VASPs'
    // LEIs have a country of issue (C9) and wrong check digits (C11).
    let invalid = shared("ivms101/trisa/identity_payload.pb.json");
    let out = zktr(&[
        "ivms101".as_ref(),
        "validate".as_ref(),
        valid.as_os_str(),
        invalid.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "$.beneficiary.beneficiaryPersons[0].naturalPerson.geographicAddress[0].country: C3"
        ),
        "{text}"
    );
    assert!(text.contains("$.originatingVASP.originatingVASP.legalPerson.nationalIdentification.countryOfIssue: C9"), "{text}");
    assert!(text.contains("$.beneficiaryVASP.beneficiaryVASP.legalPerson.nationalIdentification.nationalIdentifier: C11"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("identity_payload.pb.json"))
            .count(),
        5,
        "{text}"
    );
}
