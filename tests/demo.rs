//! The README's main command, `zktr demo`, runs the whole network on loopback from
//! another directory than the repository's (the data folder is found from the
//! repository): a publisher signing the real OFAC SDN set, two nodes over mutual TLS, a
//! verifier service and a regulator; four transfers (below FATF's threshold, above the US
//! threshold, one to a listed address refused before any proof, one held on a name hit
//! and cleared by an officer); the verifier's per-claim results; the regulator's audit.
//! What it keeps in `--out` checks with the CLI alone: `zktr bundle verify` accepts every
//! bundle (and refuses a tampered one), `zktr receipt verify` accepts every receipt under
//! the beneficiary's key (and refuses it under another), and `report.json` says three
//! transfers passed and none failed.

use std::path::Path;
use std::process::Command;

fn zktr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zktr"));
    c.env("RUST_LOG", "warn").env_remove("ZKTR_DATA");
    c
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn demo_runs_the_network_and_what_it_keeps_verifies() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let dir = out_dir.path();
    let out = zktr()
        .args(["demo", "--out"])
        .arg(dir)
        // Not the repository: the data folder must be found without the current directory.
        .current_dir(dir)
        .output()
        .expect("run zktr demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "zktr demo failed:\n{stdout}\n{stderr}"
    );
    let has = |s: &str| assert!(stdout.contains(s), "missing {s:?}:\n{stdout}");
    // The verifier's per-claim results: (a) and (b) carry all four claims, the threshold
    // priced by the demo publisher's quote (the policy refuses unpriced thresholds).
    for claim in [
        "threshold/v2",
        "committed/v2",
        "not_sanctioned.originator/v2",
        "not_sanctioned.beneficiary/v2",
    ] {
        has(&format!("ok  {claim}"));
    }
    assert!(!stdout.contains("BAD "), "{stdout}");
    assert_eq!(stdout.matches("\n  (a) ACCEPTED").count(), 1, "{stdout}");
    has("\n  (b) ACCEPTED");
    has("\n  (d) ACCEPTED");
    has("satisfies FATF and US");
    has("value below 1,000.00");
    has("value at or above 3,000.00");
    has("priced by demo price publisher's BTC quote");
    has("priced by demo price publisher's ETH quote");
    assert!(!stdout.contains("UNPRICED"), "{stdout}");
    // The beneficiary's view, receipts, the refused and the reviewed transfer.
    has("plaintext opens C");
    has("checks under its receipt key");
    has("REJECTED before any proof");
    has("beneficiary_address_key");
    has("(d) held: REVIEW");
    has("nothing proven or sent");
    has("beneficiary cleared by officer-1 of alice.demo");
    // Real data, dev keys said plainly, the regulator's disclosure and audit.
    has("DEV KEYS");
    has("sdn_advanced_2025-11-19");
    has("slot fiat_value = 7786 opens");
    has("3 transfers, 3 passed, 0 failed");
    has("hash-linked, head signed: ok");
    has(&format!(
        "regulator's report page: {}",
        dir.canonicalize().unwrap().join("report.html").display()
    ));

    for f in [
        "bundles/a.json",
        "bundles/b.json",
        "bundles/d.json",
        "receipts/a.json",
        "receipts/b.json",
        "receipts/d.json",
        "policy.json",
        "disclosed-slot.json",
        "params/manifest.json",
        "keys/publisher.pub",
        "keys/officer-1.pub",
        "keys/ca.pem",
        "keys/alice.demo.log.pub",
        "keys/alice.demo.receipt.pub",
        "keys/bob.demo.log.pub",
        "keys/bob.demo.receipt.pub",
        "report.json",
        "report.html",
    ] {
        assert!(dir.join(f).is_file(), "{f} not written:\n{stdout}");
    }
    assert!(
        !dir.join("bundles/c.json").exists(),
        "nothing proven for (c)"
    );

    // The audit's report: three attested transfers on alice (two sent, one received), all
    // checks passed; the refused one never had a bundle.
    let report: serde_json::Value = serde_json::from_str(&read(&dir.join("report.json"))).unwrap();
    assert_eq!(report["summary"]["transfers"], 3, "{report}");
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    assert_eq!(report["summary"]["claims_failed"], 0, "{report}");
    assert_eq!(report["summary"]["receipts_ok"], 3, "{report}");
    assert_eq!(report["dev_keys"], true);

    // The regulator's check of what the demo wrote.
    let verify = |bundle: &Path, jurisdiction: &str| {
        zktr()
            .args(["bundle", "verify", "--policy"])
            .arg(dir.join("policy.json"))
            .arg("--params")
            .arg(dir.join("params"))
            .args(["--jurisdiction", jurisdiction])
            .arg(bundle)
            .output()
            .expect("run zktr bundle verify")
    };
    for (b, j) in [("a", "FATF"), ("a", "US"), ("b", "US"), ("d", "FATF")] {
        let ok = verify(&dir.join(format!("bundles/{b}.json")), j);
        let text = String::from_utf8_lossy(&ok.stdout);
        assert!(
            ok.status.success(),
            "bundle verify {b} ({j}) failed:\n{text}"
        );
        assert!(
            text.contains("ACCEPTED") && text.contains("DEV KEYS"),
            "{text}"
        );
    }

    // A bundle whose threshold claim states another threshold is refused, exit 1.
    let json = read(&dir.join("bundles/a.json"));
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["claims"][0]["public_inputs"][1] = serde_json::Value::String(format!("0x{:064x}", 90_000u64));
    let bad = dir.join("tampered.json");
    std::fs::write(&bad, v.to_string()).unwrap();
    let r = verify(&bad, "FATF");
    let text = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{text}");
    assert!(
        text.contains("REJECTED") && text.contains("problem: claim 0 (threshold)"),
        "{text}"
    );

    // Receipts check under the beneficiary's receipt key, and not under another.
    let receipt = |name: &str, key_of: &str| {
        zktr()
            .args(["receipt", "verify", "--key"])
            .arg(read(&dir.join(format!("keys/{key_of}.receipt.pub"))).trim())
            .arg(dir.join(format!("receipts/{name}.json")))
            .output()
            .expect("run zktr receipt verify")
    };
    for (name, beneficiary) in [("a", "bob.demo"), ("b", "alice.demo"), ("d", "bob.demo")] {
        let r = receipt(name, beneficiary);
        assert!(
            r.status.success(),
            "receipt {name}: {}",
            String::from_utf8_lossy(&r.stdout)
        );
    }
    assert!(!receipt("a", "alice.demo").status.success());
}

#[test]
fn demo_refuses_a_params_folder_without_keys() {
    let out = zktr()
        .args(["demo", "--params", "target/no-such-params"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run zktr demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no-such-params"), "{stderr}");
}

/// `zktr demo` with `TMPDIR` set to a new empty folder (returned, with the `--out`
/// folder, so both live as long as the test), stderr piped.
fn spawn_demo_in_own_tmpdir(
    stdout: std::process::Stdio,
) -> (tempfile::TempDir, tempfile::TempDir, std::process::Child) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tempfile::tempdir().expect("tempdir");
    let child = zktr()
        .args(["demo", "--out"])
        .arg(out_dir.path())
        .env("TMPDIR", tmp.path())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run zktr demo");
    (tmp, out_dir, child)
}

/// The demo's temporary folder (its private keys) is gone from `tmpdir`.
fn assert_nothing_left_in(tmpdir: &Path) {
    let left: Vec<_> = std::fs::read_dir(tmpdir)
        .expect("read TMPDIR")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left behind in TMPDIR: {left:?}");
}

/// `zktr demo | head -1`: the reader goes away after the first line. The demo keeps the
/// run's private keys (its dev CA, the nodes' TLS and sealing keys) in a temporary
/// folder; a write to the closed stdout must not end the process before that folder is
/// removed. The run finishes silently with the command's own exit code and leaves nothing
/// in `TMPDIR`.
#[test]
fn demo_with_stdout_closed_early_leaves_no_keys_behind() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let (tmp, _out_dir, mut child) = spawn_demo_in_own_tmpdir(Stdio::piped());
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("read the first line");
    // The BufReader (and the pipe's read end) is dropped here: every later write fails.
    let out = child.wait_with_output().expect("wait for zktr demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!first.is_empty(), "no first line; stderr:\n{stderr}");
    assert!(
        out.status.success(),
        "zktr demo with a closed stdout: {:?}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_nothing_left_in(tmp.path());
}

/// Ctrl-C (SIGINT) during the demo removes the run's temporary folder (the dev CA's and
/// the nodes' private keys) and exits with 130.
#[test]
fn interrupted_demo_leaves_no_keys_behind() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let (tmp, _out_dir, mut child) = spawn_demo_in_own_tmpdir(Stdio::null());
    // Wait until the run has made its temporary folder (and so its interrupt handler).
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_dir(tmp.path())
        .expect("read TMPDIR")
        .next()
        .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "the demo made no temporary folder"
        );
        assert!(
            child.try_wait().expect("poll zktr demo").is_none(),
            "the demo ended before making its temporary folder"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The handler is registered a moment after the folder is made, before the publisher's
    // step (seconds of work) starts.
    std::thread::sleep(Duration::from_secs(1));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("poll zktr demo") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the demo did not stop within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().expect("collect stderr");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert_nothing_left_in(tmp.path());
}
