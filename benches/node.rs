//! The node's plain TRISA transfer against the cryptography it carries: an in-process
//! node (`zktr_node::start` on port 0, mutual TLS on loopback, SQLite) and a sender that
//! has exchanged keys with it (`zktr_node::bench::Harness`).
//!
//! * `transfer/unary/{x25519,rsa4096}`: one new transfer per iteration: seal, Transfer
//!   (the node opens, validates, accepts, seals its reply, commits both), open the reply.
//! * `crypto/seal_open/{x25519,rsa4096}`: the cryptography of one transfer alone: seal
//!   the request, open it with the node's key, seal the reply, open it.
//!
//! Run: `cargo bench --bench node` (a few minutes; RSA-4096 keys take seconds to make).
//! `zktr bench node` measures the same against a node process, with concurrency.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;
use std::time::Duration;
use zktr_node::bench::{Harness, algorithm_name};
use zktr_node::init::SealingAlgorithm;

fn bench(c: &mut Criterion) {
    // `cargo test --all-targets` runs bench binaries without `--bench`: skip the setup.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("skipped: benchmarks run with `cargo bench`");
        return;
    }
    let identity = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/ivms101/trisa/identity_payload.json"
    ));
    for sealing in [SealingAlgorithm::X25519, SealingAlgorithm::Rsa4096] {
        let name = algorithm_name(sealing);
        let h = Harness::start(sealing, &identity).expect("an in-process node");
        h.transfer().expect("a first transfer");
        let (samples, time) = match sealing {
            SealingAlgorithm::X25519 => (30, Duration::from_secs(5)),
            _ => (10, Duration::from_secs(8)),
        };
        let mut g = c.benchmark_group("transfer");
        g.sample_size(samples).measurement_time(time);
        g.bench_function(format!("unary/{name}"), |b| {
            b.iter(|| h.transfer().expect("transfer"))
        });
        g.finish();
        let mut g = c.benchmark_group("crypto");
        g.sample_size(samples).measurement_time(time);
        g.bench_function(format!("seal_open/{name}"), |b| {
            b.iter(|| h.seal_open().expect("seal and open"))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
