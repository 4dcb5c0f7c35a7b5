//! `zktr_node::bench_audit::run` against the real `zktr` binary at a small size (20 stored
//! transfers, 2 proved), so that `zktr bench audit` cannot rot: the node starts with its
//! regulator API, the auditor runs as its own process, every transfer passes every
//! check, and the numbers are sane (not a timed assertion).

use std::path::PathBuf;
use zktr_node::bench_audit::{AuditBenchOptions, run};

#[test]
fn audit_bench_runs_at_a_small_size_and_every_transfer_passes() {
    let keep = tempfile::tempdir().unwrap();
    let opts = AuditBenchOptions {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_zktr")),
        data: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")),
        params: None,
        transfers: 20,
        distinct: 2,
        keep: Some(keep.path().to_path_buf()),
    };
    let r = run(&opts).expect("the bench runs");
    let a = &r.auditor;
    assert_eq!((r.transfers, r.distinct), (20, 2));
    assert_eq!(a.transfers, 20, "{a:?}");
    assert_eq!(a.passed, 20, "every transfer passes: {a:?}");
    assert!(a.failures_by_kind.is_empty(), "{a:?}");
    assert_eq!((a.claims, a.claims_verified), (80, 80));
    assert_eq!(a.receipts_ok, 20);
    assert_eq!(a.heads_seen, 2, "one tree head per proved transfer");
    assert!(a.audit_log_ok);
    // The sizes grow with the transfers: at least a row's worth each.
    assert!(a.json_bytes > 20 * 500 && a.html_bytes > 20 * 200, "{a:?}");
    assert!(r.audit_wall.as_secs_f64() > 0.0);
    let stages: Vec<&str> = a.stages.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        stages,
        [
            "fetching attestations",
            "verifying bundles",
            "checking the log",
            "checking the audit log"
        ]
    );
    assert!(a.audit_ms > 0.0 && a.audit_ms < r.audit_wall.as_secs_f64() * 1e3);
    if cfg!(target_os = "linux") {
        assert!(a.peak_rss_kib.is_some_and(|k| k > 1024), "{a:?}");
    }
    assert_eq!(r.extra_consistency.0, 18, "the sizes the audit did not see");
    assert!(r.worst_case() >= r.audit_wall);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keep.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(json["summary"]["transfers"], 20);
    assert_eq!(json["summary"]["failed"], 0);
    assert!(keep.path().join("report.html").exists());
    let text = r.to_string();
    assert!(
        text.contains("regulator audit of 20 attested transfers") && text.contains("VmHWM"),
        "{text}"
    );
}
