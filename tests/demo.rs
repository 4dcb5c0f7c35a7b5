//! The README's main command, `zktr demo`, runs end to end on the real data: OFAC SDN
//! set, TRISA payload, four proofs, envelope, verification, and a refused listed party.

use std::process::Command;

#[test]
fn demo_runs_end_to_end() {
    let out = Command::new(env!("CARGO_BIN_EXE_zktr"))
        .args([
            "demo",
            "--data",
            "../shared/data",
            "--params",
            "target/no-such-params",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
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
        stdout.contains("refused: claim not_sanctioned.beneficiary"),
        "{stdout}"
    );
}
