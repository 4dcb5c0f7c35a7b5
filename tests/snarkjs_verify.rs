//! A claim exported in snarkjs's formats verifies with `snarkjs groth16 verify`, and a
//! tampered public input does not. snarkjs is installed by `scripts/test.sh` into
//! `target/npm` (or found via `ZKTR_SNARKJS`). Without node or snarkjs the test is
//! skipped with a message, except under CI (`CI` set), where it is mandatory.

use ark_std::rand::{SeedableRng, rngs::StdRng};
use zktr_circuits::circuits::CircuitId;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};
use zktr_testkit::snarkjs::{find_snarkjs, groth16_verify};
use zktr_verifier::snarkjs;

#[test]
fn snarkjs_verifies_an_exported_claim() {
    let Some(bin) = find_snarkjs() else { return };
    let mut rng = StdRng::seed_from_u64(11);
    let keys = ProvingKeys::generate(&[CircuitId::Threshold], &mut rng).expect("setup");
    let vk = keys.get(CircuitId::Threshold).expect("key").pk.vk.clone();
    let world = SampleWorld::new(1, synthetic_sanctions(10).expect("set"), 11);
    let claim = world
        .statement(0)
        .expect("statement")
        .threshold_claim()
        .expect("claim holds");
    let public = claim.public_inputs.clone();
    let prover = Prover::new(keys, Parallelism::default()).expect("prover");
    let proof = prover
        .prove_claims(vec![claim])
        .expect("keys")
        .pop()
        .expect("one result")
        .expect("proof");

    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in snarkjs::export(&vk, &public, &proof) {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let (ok, out) = groth16_verify(&bin, dir.path());
    assert!(ok, "snarkjs rejected the exported claim:\n{out}");

    // The same proof with the threshold changed by one must fail.
    let mut tampered = public.clone();
    tampered[1] += zktr_circuits::Fr::from(1u64);
    std::fs::write(
        dir.path().join("public.json"),
        serde_json::to_string(&snarkjs::public_json(&tampered)).expect("json"),
    )
    .expect("write");
    let (ok, out) = groth16_verify(&bin, dir.path());
    assert!(!ok, "snarkjs accepted a tampered public input:\n{out}");
}
