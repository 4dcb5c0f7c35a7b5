//! A ceremony folder (`zktr_ceremony::folder`, what `zktr ceremony ...` runs): the
//! threshold circuit over a 2^11 phase 1, two participants and a beacon, verified and
//! finalized; a folder with an altered contribution is refused naming the step, and
//! nothing is built on it.

use zktr_ceremony::CeremonyError;
use zktr_ceremony::folder::{self, PARTIAL_DIR, zkey_path};
use zktr_ceremony::phase1::PowersOfTau;
use zktr_ceremony::phase2::Zkey;
use zktr_circuits::circuits::CircuitId;

#[test]
fn a_folder_chain_verifies_and_an_altered_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = |n: &str| dir.path().join(n);
    let ptau = d("pot11.ptau");
    PowersOfTau::single_party(11, Some("test phase 1"), b"")
        .expect("phase 1")
        .write(&ptau)
        .expect("write");
    let mut events = Vec::new();
    let mut progress = |p: folder::Progress| events.push((p.circuit, p.done));
    folder::init(
        &ptau,
        &d("0"),
        &[CircuitId::Threshold],
        false,
        &mut progress,
    )
    .expect("init");
    assert_eq!(
        events,
        [(CircuitId::Threshold, false), (CircuitId::Threshold, true)]
    );
    let mut quiet = |_| {};
    for (i, who) in ["alice", "bob"].iter().enumerate() {
        let hashes = folder::contribute(
            &ptau,
            &d(&i.to_string()),
            &d(&(i + 1).to_string()),
            Some(who),
            b"typed entropy",
            &mut quiet,
        )
        .expect("contribute");
        assert_eq!(hashes.len(), 1);
    }
    folder::beacon(
        &ptau,
        &d("2"),
        &d("3"),
        Some("beacon"),
        &[7u8; 32],
        10,
        &mut quiet,
    )
    .expect("beacon");
    assert!(!d("3").join(PARTIAL_DIR).exists(), "staging removed");
    let ceremony = folder::verify(&ptau, &d("3"), &mut quiet).expect("verify");
    assert_eq!(ceremony.contributors, ["alice", "bob", "beacon"]);
    assert_eq!(
        ceremony.hash,
        folder::ceremony_hash(&ceremony.transcripts),
        "named by its transcripts"
    );
    let (again, keys) = folder::finalize(&ptau, &d("3"), &mut quiet).expect("finalize");
    assert_eq!(again, ceremony);
    assert_eq!(keys.len(), 1);

    // bob's contribution altered (his proof of knowledge replaced by alice's).
    let bad = d("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");
    let mut z = Zkey::read(&zkey_path(&d("3"), CircuitId::Threshold)).expect("read");
    z.contributions[1].g1_sx = z.contributions[0].g1_sx;
    z.write(&zkey_path(&bad, CircuitId::Threshold))
        .expect("write");
    let e = folder::verify(&ptau, &bad, &mut quiet).expect_err("altered");
    assert_eq!(e.step(), Some(2), "{e}");
    assert!(e.to_string().contains("contribution #2 (bob)"), "{e}");
    let e = folder::contribute(&ptau, &bad, &d("4"), Some("carol"), b"", &mut quiet)
        .expect_err("refused before anyone builds on it");
    assert_eq!(e.step(), Some(2), "{e}");
    assert!(!zkey_path(&d("4"), CircuitId::Threshold).exists());
    assert!(!d("4").join(PARTIAL_DIR).exists());
    assert!(!d("4").exists(), "the output folder it made is gone too");

    // An empty folder names itself.
    std::fs::create_dir_all(d("4")).expect("mkdir");
    let e = folder::verify(&ptau, &d("4"), &mut quiet).expect_err("empty");
    assert!(matches!(e, CeremonyError::Format { .. }), "{e}");
    assert!(e.to_string().contains("no circuit's .zkey"), "{e}");
}
