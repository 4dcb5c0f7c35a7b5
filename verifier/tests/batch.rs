//! Batch verification of real `threshold` proofs under one key: a correct batch passes,
//! one corrupted proof or one wrong public input is rejected and named.

use ark_bn254::G1Affine;
use ark_ec::{AffineRepr, CurveGroup};
use ark_std::rand::{SeedableRng, rngs::StdRng};
use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};
use zktr_verifier::CircuitKey;
use zktr_verifier::{BatchError, BatchItem, batch_verify};

const N: usize = 12;

fn fixture() -> &'static (CircuitKey, Vec<BatchItem>) {
    static F: OnceLock<(CircuitKey, Vec<BatchItem>)> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(21);
        let keys = ProvingKeys::generate(&[CircuitId::Threshold], &mut rng).expect("setup");
        let key = CircuitKey::new(
            CircuitId::Threshold,
            &keys.get(CircuitId::Threshold).expect("key").pk.vk,
            zktr_records::manifest::SINGLE_PARTY_DEV,
        )
        .expect("vk");
        let world = SampleWorld::new(N, synthetic_sanctions(10).expect("set"), 21);
        let claims: Vec<_> = world
            .statements()
            .iter()
            .map(|s| s.threshold_claim().expect("holds"))
            .collect();
        let publics: Vec<Vec<Fr>> = claims.iter().map(|c| c.public_inputs.clone()).collect();
        let prover = Prover::new(keys, Parallelism::default()).expect("prover");
        let items = prover
            .prove_claims(claims)
            .expect("keys")
            .into_iter()
            .zip(publics)
            .map(|(p, public_inputs)| BatchItem {
                public_inputs,
                proof: p.expect("proof"),
            })
            .collect();
        (key, items)
    })
}

#[test]
fn a_correct_batch_passes() {
    let (key, items) = fixture();
    batch_verify(key, items).expect("all proofs are valid");
    batch_verify(key, &items[..1]).expect("a batch of one");
    batch_verify(key, &[]).expect("an empty batch");
}

#[test]
fn one_corrupted_proof_is_named() {
    let (key, items) = fixture();
    let mut bad = items.clone();
    let g = G1Affine::generator();
    bad[7].proof.c = (bad[7].proof.c + g).into_affine();
    assert_eq!(
        batch_verify(key, &bad),
        Err(BatchError::BadProofs {
            bad: vec![7],
            total: N
        })
    );
}

#[test]
fn one_wrong_public_input_is_named() {
    let (key, items) = fixture();
    let mut bad = items.clone();
    bad[3].public_inputs[1] += Fr::from(1u64); // the threshold
    let err = batch_verify(key, &bad).unwrap_err();
    assert_eq!(
        err,
        BatchError::BadProofs {
            bad: vec![3],
            total: N
        }
    );
    assert!(err.to_string().contains("[3]"), "{err}");
}

#[test]
fn several_bad_proofs_and_wrong_shapes_are_all_named() {
    let (key, items) = fixture();
    let mut bad = items.clone();
    bad.swap(0, 11); // proofs stay valid: order does not matter
    batch_verify(key, &bad).expect("reordered batch");
    let p0 = bad[0].proof.clone();
    bad[0].proof = bad[5].proof.clone(); // another statement's proof
    bad[5].proof = p0;
    bad[10].public_inputs.pop(); // too few public inputs
    assert_eq!(
        batch_verify(key, &bad),
        Err(BatchError::BadProofs {
            bad: vec![0, 5, 10],
            total: N
        })
    );
}
