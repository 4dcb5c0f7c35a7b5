//! Bounded input at the command line: `/dev/zero` given as an IVMS101 file, an envelope,
//! a payload, a key, a trust file, a set or a list fails within seconds with an error
//! naming the file and the limit, using under 200 MB (peak RSS measured with
//! `/usr/bin/time` when installed). Decompression bombs are tested on the list readers
//! themselves, with the process's peak RSS (`sanctions/tests/sanctions_bounded_memory.rs`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Exit code, stderr, seconds and peak RSS in KiB (if `/usr/bin/time` is there).
fn run(args: &[String]) -> (Option<i32>, String, f64, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let rss_file = tempfile::NamedTempFile::new().unwrap();
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(rss_file.path())
            .arg(env!("CARGO_BIN_EXE_zktr"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_zktr"))
    };
    let t = Instant::now();
    let o = c.args(args).env("RUST_LOG", "warn").output().unwrap();
    let secs = t.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string(rss_file.path())
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()));
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        secs,
        rss,
    )
}

#[test]
fn endless_inputs_fail_fast_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = d.join("k");
    assert!(
        Command::new(env!("CARGO_BIN_EXE_zktr"))
            .args(["sanctions", "keygen", "--out", &s(&key)])
            .output()
            .unwrap()
            .status
            .success()
    );
    let zero = "/dev/zero".to_string();
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            v(&["ivms101", "validate", &zero]),
            "limit for an IVMS101 JSON document",
        ),
        (
            v(&["ivms101", "convert", &zero]),
            "limit for an IVMS101 JSON document",
        ),
        (v(&["envelope", "open", &zero]), "limit for an envelope"),
        (
            v(&["envelope", "open", "--key", &zero, &zero]),
            "limit for an envelope",
        ),
        (
            v(&["envelope", "seal", "--to", &zero, "--payload", &zero]),
            "limit for a PEM key",
        ),
        (
            v(&[
                "sanctions",
                "check",
                "--set",
                &zero,
                "--name",
                "x",
                "--publisher",
                &format!("{}.pub", s(&key)),
            ]),
            "not a .zkts file",
        ),
        (
            v(&[
                "sanctions",
                "verify",
                &s(&d.join("none.zkts")),
                "--publisher",
                &zero,
            ]),
            "limit for a key file",
        ),
        (
            v(&[
                "sanctions",
                "check",
                "--set",
                &zero,
                "--name",
                "x",
                "--trust",
                &zero,
            ]),
            "limit for a trust file",
        ),
        (
            v(&[
                "sanctions",
                "build",
                "--ofac-advanced",
                &zero,
                "--key",
                &s(&key),
                "--out",
                &s(&d.join("o")),
            ]),
            "limit",
        ),
        (
            v(&[
                "sanctions",
                "build",
                "--un",
                &zero,
                "--key",
                &s(&key),
                "--out",
                &s(&d.join("o")),
            ]),
            "limit",
        ),
    ];
    for (args, expect) in cases {
        let (code, err, secs, rss) = run(&args);
        eprintln!(
            "{args:?}: {secs:.2} s, peak RSS {:?} KiB: {}",
            rss,
            err.trim()
        );
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            Duration::from_secs_f64(secs) < Duration::from_secs(20),
            "{args:?}: {secs} s"
        );
        if let Some(kib) = rss {
            assert!(kib < 200 * 1024, "{args:?}: peak RSS {kib} KiB");
        }
    }
}
