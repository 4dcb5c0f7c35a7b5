//! Files written by the code *before* the workspace move (issue 8; commit 54fbc8b,
//! `zktr setup`-style keys, the sample world, `zktr sanctions build` over four made-up
//! addresses): a bundle (JSON and protobuf), the verifying keys with their manifest, and a
//! `.zkts` sanctions set. Fixture files are in `tests/fixtures/before-layout/` (only the
//! verifying keys are kept; the proving keys are 25 MB and are not needed to verify).
//!
//! Until circuit version 2 (issue 11: the sanctions tree and the commitment log became
//! 4-ary) they loaded and verified unchanged. Their `not_sanctioned` and `committed`
//! claims are of the retired v1 circuits, their set file is of the binary tree (format
//! version 1), its root was signed under the retired `zktr.sanctions-root.v1` domain and
//! the tree head under `zktr.tree-head.v1`: each is now refused *by name*, never misread
//! and never half-verified (see `docs/decisions.md`, "Circuit version 2"). The encodings
//! that did not change still read: the manifest's format and the threshold claim.

use std::path::PathBuf;
use zktr_records::ProofBundle;
use zktr_records::manifest::Manifest;
use zktr_records::policy_file::PolicyFile;
use zktr_verifier::VerifyingKeys;

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
fn a_bundle_from_before_v2_is_refused_by_name_in_both_encodings() {
    // The manifest format still reads; the keys are refused for their retired circuits.
    let manifest = Manifest::load(&fixture("params"));
    let err = match manifest {
        Ok(_) => panic!("a manifest with committed/v1 and not_sanctioned/v1 keys must be refused"),
        Err(e) => e.to_string(),
    };
    // The first retired circuit it names is the committed one (the manifest's order).
    assert!(
        err.contains("committed/v1") && err.contains("retired"),
        "{err}"
    );
    assert!(VerifyingKeys::load(&fixture("params")).is_err());
    for (encoding, decoded) in [
        (
            "JSON",
            ProofBundle::from_json(&String::from_utf8(read("bundle.json")).expect("utf-8")),
        ),
        ("protobuf", ProofBundle::from_protobuf(&read("bundle.pb"))),
    ] {
        let err = decoded.expect_err("a bundle with v1 committed and not_sanctioned claims");
        let text = err.to_string();
        assert!(
            text.contains("committed/v1") && text.contains("retired"),
            "{encoding}: {text}"
        );
    }
    // Only the retired claims are refused, the rest of the format is unchanged: with the
    // not_sanctioned claims dropped, the committed/v1 claim (binary log) is refused by
    // name; with it dropped too, the threshold claim reads.
    let text = String::from_utf8(read("bundle.json")).expect("utf-8");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let claims = json["claims"].as_array_mut().expect("claims");
    claims.retain(|c| {
        !c["circuit"]
            .as_str()
            .unwrap_or("")
            .starts_with("not_sanctioned")
    });
    assert_eq!(claims.len(), 2);
    let err = ProofBundle::from_json(&json.to_string())
        .expect_err("a committed/v1 claim")
        .to_string();
    assert!(
        err.contains("committed/v1") && err.contains("retired") && err.contains("committed/v2"),
        "{err}"
    );
    let claims = json["claims"].as_array_mut().expect("claims");
    claims.retain(|c| c["circuit"].as_str() != Some("committed/v1"));
    assert_eq!(claims.len(), 1);
    ProofBundle::from_json(&json.to_string()).expect("the threshold claim reads");
    // The policy file of that time still reads (it names no circuit version).
    let _: PolicyFile = serde_json::from_slice(&read("policy.json")).expect("old policy file");
}

#[test]
fn a_sanctions_set_from_before_v2_is_refused_by_name() {
    let err = zktr_sanctions::SanctionsSet::load(&fixture("synthetic.zkts"))
        .expect_err("a version-1 set file")
        .to_string();
    assert!(
        err.contains("version 1") && err.contains("binary") && err.contains("rebuild"),
        "{err}"
    );
}
