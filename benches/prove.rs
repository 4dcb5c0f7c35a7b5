//! Proving benchmarks: each claim's proof (matrix-reusing prover and arkworks' plain
//! `Groth16::prove` for comparison), and a whole transfer's bundle under both core
//! splits. Run: `cargo bench --bench prove`.

use ark_std::rand::{SeedableRng, rngs::StdRng};
use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};

fn setup() -> (ProvingKeys, SampleWorld) {
    let mut rng = StdRng::seed_from_u64(1);
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng).expect("setup");
    keys.warm_up().expect("matrices");
    let world = SampleWorld::new(2, synthetic_sanctions(10_000).expect("set"), 1);
    (keys, world)
}

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs bench binaries without `--bench`: the setup (keys for
    // every circuit, real proofs) would only slow the test suite down, so skip it there.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("skipped: benchmarks run with `cargo bench`");
        return;
    }
    let (keys, world) = setup();
    let st = world.statement(0).expect("statement");
    let claims = st.claims().expect("claims hold");
    let mut g = c.benchmark_group("prove");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        for w in &claims {
            let p = keys.get(w.circuit).expect("key");
            let mut rng = StdRng::seed_from_u64(2);
            g.bench_function(format!("{}/reuse-matrices/{threads}t", w.circuit), |b| {
                b.iter(|| pool.install(|| p.prove(w.synthesizer.clone(), &mut rng).expect("proof")))
            });
            g.bench_function(format!("{}/plain/{threads}t", w.circuit), |b| {
                b.iter(|| {
                    pool.install(|| {
                        p.prove_plain(w.synthesizer.clone(), &mut rng)
                            .expect("proof")
                    })
                })
            });
        }
    }
    for (name, par) in [
        ("across-proofs", Parallelism::across_proofs()),
        ("within-proof", Parallelism::within_proof()),
    ] {
        let prover = Prover::new(keys.clone(), par).expect("prover");
        g.bench_function(format!("transfer-bundle/{name}"), |b| {
            b.iter(|| prover.prove_transfer(&st, &world.context).expect("bundle"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
