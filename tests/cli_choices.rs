//! A wrong choice lists the valid ones: `snarkjs --claim` takes exactly the claim names
//! bundles and policies use, and a typo is refused before anything is read, with the
//! valid names.

use std::process::Command;

#[test]
fn a_mistyped_claim_lists_the_valid_ones() {
    let o = Command::new(env!("CARGO_BIN_EXE_zktr"))
        .args([
            "snarkjs",
            "--bundle",
            "bundle.json",
            "--claim",
            "not_sanctioned.originater",
            "--out",
            "claim",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid value 'not_sanctioned.originater' for '--claim <CLAIM>'"),
        "{err}"
    );
    assert!(
        err.contains(
            "[possible values: threshold, committed, not_sanctioned.originator, not_sanctioned.beneficiary]"
        ),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
