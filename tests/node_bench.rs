//! `zktr_node::bench::run` against the real `zktr` binary, with tiny numbers, so that
//! `zktr bench node` cannot rot: a node process starts, transfers go through unary and
//! stream, every reply opens, memory and CPU are read, the process is gone afterwards.

use std::path::PathBuf;
use zktr_node::bench::{NodeBenchOptions, run};
use zktr_node::init::SealingAlgorithm;

#[test]
fn node_bench_runs_against_a_node_process() {
    let identity = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/ivms101/trisa/identity_payload.json"
    ));
    let mut opts = NodeBenchOptions::new(PathBuf::from(env!("CARGO_BIN_EXE_zktr")), identity);
    opts.sealing = vec![SealingAlgorithm::X25519];
    opts.transfers = 10;
    opts.concurrency = 3;
    opts.serial_transfers = 4;
    let report = run(&opts).expect("the bench runs");
    assert_eq!(report.runs.len(), 1);
    let r = &report.runs[0];
    assert_eq!(
        (r.serial.transfers, r.unary.transfers, r.stream.transfers),
        (4, 10, 10)
    );
    assert_eq!((r.serial.in_flight, r.unary.in_flight), (1, 3));
    assert_eq!(r.crypto.iterations, 10);
    for p in [&r.serial, &r.unary, &r.stream] {
        assert!(p.per_second() > 0.0 && p.p50 <= p.p99, "{p:?}");
    }
    assert!(r.crypto.per_transfer() > std::time::Duration::ZERO);
    assert!(r.overhead < 1.0);
    // The floor is measured in the same run: Status round trips and durable commits.
    assert_eq!(r.floor.iterations, 4);
    assert!(r.floor.status_round_trip > std::time::Duration::ZERO);
    assert!(r.floor.durable_commit > std::time::Duration::ZERO);
    // Five warm-up transfers, then the three runs: every reply counted, none an error.
    assert_eq!(r.replies.values().sum::<usize>(), 5 + 4 + 10 + 10);
    if cfg!(target_os = "linux") {
        assert!(r.rss_idle_kib.is_some_and(|k| k > 0));
        assert!(r.rss_peak_kib >= r.rss_idle_kib);
    }
    let text = report.to_string();
    assert!(
        text.contains("x25519") && text.contains("TransferStream") && text.contains("floor:"),
        "{text}"
    );
}

#[test]
fn a_missing_node_binary_is_an_error_not_a_hang() {
    let identity = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/ivms101/trisa/identity_payload.json"
    ));
    let mut opts = NodeBenchOptions::new(PathBuf::from("/nonexistent/zktr"), identity);
    opts.transfers = 1;
    let e = run(&opts).expect_err("no binary");
    assert!(e.to_string().contains("/nonexistent/zktr"), "{e}");
}

#[test]
fn the_overhead_allowance_is_what_a_30_percent_overhead_leaves_beyond_the_crypto() {
    use std::time::Duration;
    use zktr_node::bench::{OVERHEAD_TARGET, allowance};
    // 0.70 ms of crypto in a 1.00 ms transfer is a 30% overhead: 0.30 ms beyond it.
    let a = allowance(Duration::from_micros(700), OVERHEAD_TARGET);
    assert!((a.as_secs_f64() * 1e6 - 300.0).abs() < 0.01, "{a:?}");
    assert_eq!(allowance(Duration::ZERO, OVERHEAD_TARGET), Duration::ZERO);
}
