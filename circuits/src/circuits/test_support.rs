//! Groth16 helpers for the circuit tests: keys generated in the test, real proofs.

use crate::field::Fr;
use ark_bn254::Bn254;
use ark_groth16::{Groth16, PreparedVerifyingKey, ProvingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};

/// Whether the circuit's constraint system is satisfied by its witness.
pub fn satisfied<C: ConstraintSynthesizer<Fr>>(c: C) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    c.generate_constraints(cs.clone()).expect("synthesis");
    cs.finalize();
    cs.is_satisfied().expect("satisfiability check")
}

/// Generates keys for `blank`.
pub fn keys<C: ConstraintSynthesizer<Fr>>(
    blank: C,
    seed: u64,
) -> (ProvingKey<Bn254>, PreparedVerifyingKey<Bn254>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(blank, &mut rng).expect("setup");
    let pvk = Groth16::<Bn254>::process_vk(&vk).expect("process vk");
    (pk, pvk)
}

/// Proves, checks that the proof verifies with `public`, and that changing any one public
/// input makes it fail.
pub fn prove_and_check_tampering<C: ConstraintSynthesizer<Fr>>(
    pk: &ProvingKey<Bn254>,
    pvk: &PreparedVerifyingKey<Bn254>,
    circuit: C,
    public: &[Fr],
) {
    let mut rng = StdRng::seed_from_u64(99);
    let proof = Groth16::<Bn254>::prove(pk, circuit, &mut rng).expect("prove");
    assert!(Groth16::<Bn254>::verify_with_processed_vk(pvk, public, &proof).expect("verify"));
    for i in 0..public.len() {
        let mut tampered = public.to_vec();
        tampered[i] += Fr::from(1u64);
        assert!(
            !Groth16::<Bn254>::verify_with_processed_vk(pvk, &tampered, &proof).expect("verify"),
            "public input {i} tampered but the proof still verifies"
        );
    }
}
