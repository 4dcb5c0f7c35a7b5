//! The README's main command, `zktr demo`, runs end to end on the real data: OFAC SDN
//! set, TRISA payload, four proofs, envelope, verification, and a refused listed party.
//! It runs from another directory than the repository's (the data folder is found from
//! the repository), writes its bundle, policy and keys to `--out`, and `zktr bundle
//! verify` accepts them there (and refuses a tampered bundle).

use std::process::Command;

fn zktr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zktr"));
    c.env("RUST_LOG", "warn").env_remove("ZKTR_DATA");
    c
}

#[test]
fn demo_runs_end_to_end_and_its_bundle_verifies() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = zktr()
        .args(["demo", "--out"])
        .arg(out_dir.path())
        // Not the repository: the data folder must be found without the current directory.
        .current_dir(out_dir.path())
        .output()
        .expect("run zktr demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "zktr demo failed:\n{stdout}\n{stderr}"
    );
    for claim in [
        "threshold/v1",
        "committed/v1",
        "not_sanctioned.originator/v1",
        "not_sanctioned.beneficiary/v1",
    ] {
        assert!(
            stdout.contains(&format!("ok  {claim}")),
            "{claim} not verified:\n{stdout}"
        );
    }
    assert!(stdout.contains("plaintext opens C"), "{stdout}");
    assert!(
        stdout.contains("DEV KEYS"),
        "the demo must say it runs on dev keys:\n{stdout}"
    );
    assert!(
        stdout.contains("sdn_advanced_2025-11-19"),
        "the newest list:\n{stdout}"
    );
    assert!(
        stdout.contains("refused: claim not_sanctioned.beneficiary"),
        "{stdout}"
    );
    let dir = out_dir.path();
    for f in [
        "bundle.json",
        "bundle.pb",
        "policy.json",
        "disclosed-slot.json",
        "params/manifest.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} not written:\n{stdout}");
    }

    // The regulator's check of what the demo wrote.
    let verify = |bundle: &std::path::Path| {
        zktr()
            .args(["bundle", "verify", "--policy"])
            .arg(dir.join("policy.json"))
            .arg("--params")
            .arg(dir.join("params"))
            .arg(bundle)
            .output()
            .expect("run zktr bundle verify")
    };
    let ok = verify(&dir.join("bundle.json"));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "bundle verify failed:\n{text}");
    assert!(
        text.contains("ACCEPTED") && text.contains("DEV KEYS"),
        "{text}"
    );
    let ok = verify(&dir.join("bundle.pb"));
    assert!(ok.status.success());

    // A bundle whose threshold claim states another threshold is refused, exit 1.
    let json = std::fs::read_to_string(dir.join("bundle.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["claims"][0]["public_inputs"][1] = serde_json::Value::String(format!("0x{:064x}", 90_000u64));
    let bad = dir.join("tampered.json");
    std::fs::write(&bad, v.to_string()).unwrap();
    let r = verify(&bad);
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{text}");
    assert!(
        text.contains("REJECTED") && text.contains("problem: claim 0 (threshold)"),
        "{text}"
    );
}

#[test]
fn demo_refuses_a_params_folder_without_keys() {
    let out = zktr()
        .args(["demo", "--params", "target/no-such-params"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run zktr demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no-such-params"), "{stderr}");
}
