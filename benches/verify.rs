//! Verification benchmarks: a single proof of each claim, and batch verification of
//! 1, 16, 64 and 256 proofs under one key (distinct proofs: real proofs of several
//! transfers, re-randomized). Run: `cargo bench --bench verify`.

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_records::encoding::proof_from_bytes;
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};
use zktr_verifier::{BatchItem, batch_verify, verify_one};

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs bench binaries without `--bench`: the setup (keys for
    // every circuit, real proofs) would only slow the test suite down, so skip it there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("skipped: benchmarks run with `cargo bench`");
        return;
    }
    let mut rng = StdRng::seed_from_u64(1);
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng).expect("setup");
    let vks = zktr_verifier::VerifyingKeys::from_keys(&keys.verifying_keys()).expect("vks");
    let world = SampleWorld::new(4, synthetic_sanctions(1_000).expect("set"), 1);
    let prover = Prover::new(keys, Parallelism::default()).expect("prover");
    let bundles: Vec<_> = prover
        .prove_transfers(&world.statements(), &world.context)
        .expect("prove")
        .into_iter()
        .map(|b| b.expect("bundle"))
        .collect();

    let mut g = c.benchmark_group("verify");
    g.measurement_time(Duration::from_secs(5));
    for claim in &bundles[0].claims {
        let key = vks.get(&claim.verifying_key_id).expect("key");
        let proof = proof_from_bytes(&claim.proof).expect("proof");
        g.bench_function(format!("single/{}", claim.circuit), |b| {
            b.iter(|| assert!(verify_one(key, &claim.public_inputs, &proof)))
        });
    }
    // Batches of `committed` proofs (5 public inputs).
    let key = vks.for_circuit(CircuitId::Committed).expect("key");
    let base: Vec<BatchItem> = bundles
        .iter()
        .map(|b| {
            let c = b.claim(CircuitId::Committed).expect("claim");
            BatchItem {
                public_inputs: c.public_inputs.clone(),
                proof: proof_from_bytes(&c.proof).expect("proof"),
            }
        })
        .collect();
    let items: Vec<BatchItem> = (0..256)
        .map(|i| {
            let it = &base[i % base.len()];
            BatchItem {
                public_inputs: it.public_inputs.clone(),
                proof: Groth16::<Bn254>::rerandomize_proof(key.vk(), &it.proof, &mut rng),
            }
        })
        .collect();
    for n in [1usize, 16, 64, 256] {
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("batch", n), &n, |b, &n| {
            b.iter(|| batch_verify(key, &items[..n]).expect("valid batch"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
