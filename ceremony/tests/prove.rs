//! A key from the ceremony proves and verifies with arkworks (a small circuit, so that no
//! witness of our claim circuits is needed here), and a tampered public input fails.

use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use zktr_ceremony::phase1::PowersOfTau;
use zktr_ceremony::phase2::Phase2;
use zktr_ceremony::r1cs::R1cs;

#[path = "common/demo.rs"]
mod demo;
use demo::Demo;

#[test]
fn ceremony_key_proves_and_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ptau = dir.path().join("pot.ptau");
    let mut pot = PowersOfTau::new(4).expect("new");
    pot.contribute(Some("a"), b"").expect("contribute");
    pot.contribute(Some("b"), b"").expect("contribute");
    pot.prepare_phase2();
    pot.write(&ptau).expect("write");
    let demo = Demo { x: Fr::from(3u64) };
    let r1cs = R1cs::of_synthesizer(demo.clone(), "demo").expect("r1cs");
    let phase2 = Phase2::from_r1cs(&pot, &ptau, &r1cs, "demo").expect("phase 2");
    let z = |n: &str| dir.path().join(n);
    phase2.init(&z("0.zkey")).expect("init");
    phase2
        .contribute(&z("0.zkey"), &z("1.zkey"), Some("c1"), b"")
        .expect("c1");
    phase2
        .contribute(&z("1.zkey"), &z("2.zkey"), Some("c2"), b"")
        .expect("c2");
    phase2
        .beacon(&z("2.zkey"), &z("3.zkey"), None, b"block hash", 10)
        .expect("beacon");
    let (pk, t) = phase2.finalize(&z("3.zkey")).expect("finalize");
    assert_eq!(t.contributions.len(), 3);

    let mut rng = StdRng::seed_from_u64(1);
    let proof = Groth16::<Bn254>::prove(&pk, demo.clone(), &mut rng).expect("prove");
    let public = demo.publics();
    assert!(Groth16::<Bn254>::verify(&pk.vk, &public, &proof).expect("verify"));
    let mut wrong = public.clone();
    wrong[1] += Fr::from(1u64);
    assert!(!Groth16::<Bn254>::verify(&pk.vk, &wrong, &proof).expect("verify"));
}
