//! Phase 1 interoperates with snarkjs both ways (small power: snarkjs is slow).

use zktr_ceremony::phase1::PowersOfTau;
use zktr_testkit::snarkjs as js;

#[test]
fn snarkjs_verifies_our_phase1_and_we_verify_snarkjs_phase1() {
    let Some(bin) = js::find_snarkjs() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let ours = dir.path().join("ours.ptau");
    let mut pot = PowersOfTau::new(5).expect("new");
    pot.contribute(Some("alice"), b"alice's entropy")
        .expect("contribute");
    pot.contribute(Some("bob"), b"").expect("contribute");
    pot.beacon(Some("beacon"), &[0xab; 32], 10).expect("beacon");
    pot.prepare_phase2();
    pot.write(&ours).expect("write");
    let (ok, out) = js::run_snarkjs(
        &bin,
        &["powersoftau", "verify", ours.to_str().expect("utf8")],
    );
    assert!(
        ok && !out.contains("INVALID") && out.contains("Powers of Tau Ok!"),
        "snarkjs rejected our phase 1:\n{out}"
    );

    // snarkjs's own chain, read and verified by us.
    let p = |n: &str| dir.path().join(n).to_str().expect("utf8").to_string();
    for args in [
        vec!["powersoftau", "new", "bn128", "5", &p("s0.ptau")],
        vec![
            "powersoftau",
            "contribute",
            &p("s0.ptau"),
            &p("s1.ptau"),
            "--name=carol",
            "-e=carol",
        ],
        vec![
            "powersoftau",
            "beacon",
            &p("s1.ptau"),
            &p("s2.ptau"),
            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "10",
            "-n=final",
        ],
        vec![
            "powersoftau",
            "prepare",
            "phase2",
            &p("s2.ptau"),
            &p("s3.ptau"),
        ],
    ] {
        let (ok, out) = js::run_snarkjs(&bin, &args);
        assert!(ok, "snarkjs {args:?} failed:\n{out}");
    }
    let theirs = PowersOfTau::read(&dir.path().join("s3.ptau")).expect("read snarkjs ptau");
    let records = theirs.verify().expect("snarkjs phase 1 verifies");
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].name.as_deref(), Some("carol"));
}
