//! `zktr ceremony` through the real binary.
//!
//! - `threshold_ceremony_through_the_cli` (seconds): a 2^11 single-party phase 1, the
//!   threshold circuit's phase 2 with three participants (one with entropy piped in)
//!   and a beacon, `verify` printing every contribution hash, `finalize` writing a
//!   manifest that names the ceremony; a folder with an altered contribution is refused
//!   by `verify` (exit 1, naming the step) and by `contribute`.
//! - `snarkjs_checks_a_cli_ceremony_and_zktr_finalizes_a_snarkjs_one` (seconds; skipped
//!   without snarkjs except under CI): `ceremony r1cs` exports the circuit, `snarkjs zkey
//!   verify` accepts the CLI's closed folder, and a folder made by `snarkjs zkey
//!   new/contribute/beacon` is verified and finalized by `zktr ceremony`.
//! - `bad_files_are_refused_naming_the_file_and_writing_nothing` (seconds): truncated,
//!   foreign and too-small phase-1 files, a truncated `.zkey` and another circuit's
//!   `.zkey` under this circuit's name.
//! - `full_ceremony_proves_a_transfer` (`#[ignore]`: every circuit over a 2^15
//!   phase 1 recompute every initial key at every step, about 8 minutes on 2 cores; run
//!   with `cargo test --release --test cli_ceremony -- --ignored`): the same chain for every
//!   circuit, then `zktr demo --params` proves a real transfer with the keys (no DEV KEYS
//!   notice), `bundle verify` accepts it under a policy that accepts the `mpc` ceremony
//!   and not dev keys, and refuses it under a policy that accepts only dev keys.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use zktr_ceremony::folder::{r1cs_path, zkey_path};
use zktr_ceremony::phase2::Zkey;
use zktr_circuits::circuits::CircuitId;
use zktr_testkit::snarkjs::{find_snarkjs, run_snarkjs};

fn zktr(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zktr"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zktr");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("wait")
}

fn ok(args: &[&str], stdin: Option<&[u8]>) -> String {
    let o = zktr(args, stdin);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "zktr {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// phase 1, init, alice, bob (entropy on stdin), carol, beacon; returns the closed
/// folder and alice's contribution hashes line.
fn chain(dir: &Path, power: &str, only: Option<&str>) -> (std::path::PathBuf, String) {
    let ptau = dir.join("pot.ptau");
    let out = ok(
        &[
            "ceremony",
            "phase1",
            "new",
            "--power",
            power,
            "--out",
            s(&ptau),
        ],
        None,
    );
    assert!(out.contains("SINGLE-PARTY phase 1"), "{out}");
    let d = |i: usize| dir.join(format!("c{i}"));
    let c0 = d(0);
    let mut init = vec!["ceremony", "init", "--ptau", s(&ptau), "--out", s(&c0)];
    if let Some(c) = only {
        init.extend(["--circuit", c]);
    }
    ok(&init, None);
    let mut alice = String::new();
    for (i, who) in ["alice", "bob", "carol"].iter().enumerate() {
        let (from, to) = (d(i), d(i + 1));
        let mut args = vec![
            "ceremony",
            "contribute",
            "--ptau",
            s(&ptau),
            "--in",
            s(&from),
            "--out",
            s(&to),
            "--name",
            who,
        ];
        let stdin = (*who == "bob").then_some(&b"bob's dice: 4 2 6 6 1"[..]);
        if stdin.is_some() {
            args.push("--entropy-stdin");
        }
        let out = ok(&args, stdin);
        assert!(out.contains("publish"), "{out}");
        if i == 0 {
            alice = out;
        }
    }
    ok(
        &[
            "ceremony",
            "beacon",
            "--ptau",
            s(&ptau),
            "--in",
            s(&d(3)),
            "--out",
            s(&d(4)),
            "--beacon",
            "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
            "--iterations",
            "10",
        ],
        None,
    );
    (d(4), alice)
}

/// The 128-hex-digit hashes in `text`.
fn hashes(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|w| w.len() == 128 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect()
}

#[test]
fn threshold_ceremony_through_the_cli() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = dir.join("pot.ptau");
    let (last, alice) = chain(dir, "11", Some("threshold/v1"));

    let verified = ok(
        &["ceremony", "verify", "--dir", s(&last), "--ptau", s(&ptau)],
        None,
    );
    for who in ["alice", "bob", "carol", "beacon"] {
        assert!(verified.contains(who), "{who}:\n{verified}");
    }
    let alices = hashes(&alice);
    assert_eq!(alices.len(), 1, "{alice}");
    assert!(
        verified.contains(alices[0]),
        "alice finds her hash:\n{verified}"
    );
    assert!(verified.contains("VALID"), "{verified}");
    assert!(verified.contains("phase 1: 1 contributions"), "{verified}");

    // A phase-1 file changed where phase 2 does not read it (alpha*tau^1): verify checks
    // phase 1's own transcript too and refuses it, naming the file.
    let bad_ptau = dir.join("bad.ptau");
    let mut pot = zktr_ceremony::PowersOfTau::read(&ptau).expect("read ptau");
    pot.alpha_tau_g1[1] = pot.alpha_tau_g1[2];
    pot.write(&bad_ptau).expect("write ptau");
    let o = zktr(
        &[
            "ceremony",
            "verify",
            "--dir",
            s(&last),
            "--ptau",
            s(&bad_ptau),
        ],
        None,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("REFUSED") && out.contains("bad.ptau"), "{out}");

    let params = dir.join("params");
    let fin = ok(
        &[
            "ceremony",
            "finalize",
            "--dir",
            s(&last),
            "--ptau",
            s(&ptau),
            "--out",
            s(&params),
        ],
        None,
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(params.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["ceremony"], "mpc");
    let t = &manifest["transcript"];
    assert_eq!(
        t["contributors"],
        serde_json::json!(["alice", "bob", "carol", "beacon"])
    );
    let hash = t["hash"].as_str().expect("transcript hash");
    assert!(
        verified.contains(&format!("ceremony transcript hash: {hash}")),
        "{verified}"
    );
    assert!(fin.contains(hash), "{fin}");
    assert!(t["circuits"]["threshold/v1"].is_string(), "{t}");

    // bob's contribution altered: refused by verify (exit 1, naming the step) and by a
    // contributor who would build on it.
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");
    let mut z = Zkey::read(&zkey_path(&last, CircuitId::Threshold)).expect("read");
    z.contributions[1].g1_sx = z.contributions[0].g1_sx;
    z.write(&zkey_path(&bad, CircuitId::Threshold))
        .expect("write");
    let o = zktr(
        &["ceremony", "verify", "--dir", s(&bad), "--ptau", s(&ptau)],
        None,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("REFUSED"), "{out}");
    assert!(out.contains("contribution #2 (bob)"), "{out}");
    let never = dir.join("never");
    let o = zktr(
        &[
            "ceremony",
            "contribute",
            "--ptau",
            s(&ptau),
            "--in",
            s(&bad),
            "--out",
            s(&never),
            "--name",
            "dave",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("contribution #2 (bob)"), "{err}");
    assert!(!zkey_path(&never, CircuitId::Threshold).exists());
}

#[test]
fn snarkjs_checks_a_cli_ceremony_and_zktr_finalizes_a_snarkjs_one() {
    let Some(bin) = find_snarkjs() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = dir.join("pot.ptau");
    let (last, _) = chain(dir, "11", Some("threshold/v1"));
    let exported = dir.join("r1cs");
    let out = ok(
        &[
            "ceremony",
            "r1cs",
            "--out",
            s(&exported),
            "--circuit",
            "threshold/v1",
        ],
        None,
    );
    assert!(out.contains("threshold/v1"), "{out}");
    let r1cs = r1cs_path(&exported, CircuitId::Threshold);
    let zkey = zkey_path(&last, CircuitId::Threshold);
    let js = |args: &[&str]| {
        let (good, text) = run_snarkjs(&bin, args);
        assert!(good, "snarkjs {args:?} failed:\n{text}");
        text
    };
    let text = js(&["zkey", "verify", s(&r1cs), s(&ptau), s(&zkey)]);
    assert!(text.contains("ZKey Ok!"), "{text}");

    // A folder made by snarkjs alone, on our export: zktr verifies and finalizes it.
    let made = dir.join("snarkjs");
    std::fs::create_dir_all(&made).expect("mkdir");
    let (s0, s1) = (dir.join("s0.zkey"), dir.join("s1.zkey"));
    js(&["zkey", "new", s(&r1cs), s(&ptau), s(&s0)]);
    js(&[
        "zkey",
        "contribute",
        s(&s0),
        s(&s1),
        "--name=dora",
        "-e=dora's entropy",
    ]);
    js(&[
        "zkey",
        "beacon",
        s(&s1),
        s(&zkey_path(&made, CircuitId::Threshold)),
        "0102030405060708090a0b0c0d0e0f10",
        "10",
        "-n=final",
    ]);
    let verified = ok(
        &["ceremony", "verify", "--dir", s(&made), "--ptau", s(&ptau)],
        None,
    );
    assert!(
        verified.contains("dora") && verified.contains("VALID"),
        "{verified}"
    );
    let params = dir.join("params");
    ok(
        &[
            "ceremony",
            "finalize",
            "--dir",
            s(&made),
            "--ptau",
            s(&ptau),
            "--out",
            s(&params),
        ],
        None,
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(params.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["ceremony"], "mpc");
    assert_eq!(
        manifest["transcript"]["contributors"],
        serde_json::json!(["dora", "final"])
    );
}

/// Runs a command that must fail with exit 2, naming `file` in its error.
fn refused(args: &[&str], file: &Path) -> String {
    let o = zktr(args, None);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "zktr {args:?}: {err}");
    let name = file.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(err.contains(name), "the error names {name}: {err}");
    err
}

#[test]
fn bad_files_are_refused_naming_the_file_and_writing_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = dir.join("pot.ptau");
    ok(
        &[
            "ceremony",
            "phase1",
            "new",
            "--power",
            "11",
            "--out",
            s(&ptau),
        ],
        None,
    );
    let bytes = std::fs::read(&ptau).expect("read");
    let out = dir.join("never");
    let init = |p: &Path| {
        vec![
            "ceremony".to_string(),
            "init".into(),
            "--ptau".into(),
            s(p).into(),
            "--out".into(),
            s(&out).into(),
            "--circuit".into(),
            "threshold/v1".into(),
        ]
    };
    let run = |args: Vec<String>, file: &Path| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = refused(&args, file);
        assert!(!out.exists(), "nothing written after: {err}");
        err
    };
    // Truncated, foreign, too small.
    let truncated = dir.join("truncated.ptau");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    run(init(&truncated), &truncated);
    let foreign = dir.join("foreign.ptau");
    std::fs::write(&foreign, b"{\"not\": \"a ptau\"}").expect("write");
    run(init(&foreign), &foreign);
    let small = dir.join("small.ptau");
    ok(
        &[
            "ceremony",
            "phase1",
            "new",
            "--power",
            "4",
            "--out",
            s(&small),
        ],
        None,
    );
    let err = run(init(&small), &small);
    assert!(err.contains("2^4") && err.contains("2^11"), "{err}");

    // A folder whose .zkey is truncated, or is another circuit's under this one's name.
    let c0 = dir.join("c0");
    ok(
        &[
            "ceremony",
            "init",
            "--ptau",
            s(&ptau),
            "--out",
            s(&c0),
            "--circuit",
            "threshold/v1",
        ],
        None,
    );
    let zkey = zkey_path(&c0, CircuitId::Threshold);
    let good = std::fs::read(&zkey).expect("read");
    let contribute = |from: &Path| {
        vec![
            "ceremony".to_string(),
            "contribute".into(),
            "--ptau".into(),
            s(&ptau).into(),
            "--in".into(),
            s(from).into(),
            "--out".into(),
            s(&out).into(),
            "--name".into(),
            "eve".into(),
        ]
    };
    let cut = dir.join("cut");
    std::fs::create_dir_all(&cut).expect("mkdir");
    let cut_zkey = zkey_path(&cut, CircuitId::Threshold);
    std::fs::write(&cut_zkey, &good[..good.len() - 100]).expect("write");
    run(contribute(&cut), &cut_zkey);
    // Another circuit's key under this circuit's name (committed/v2 needs 2^13).
    let pot14 = dir.join("pot14.ptau");
    ok(
        &[
            "ceremony",
            "phase1",
            "new",
            "--power",
            "14",
            "--out",
            s(&pot14),
        ],
        None,
    );
    let committed = dir.join("committed");
    ok(
        &[
            "ceremony",
            "init",
            "--ptau",
            s(&pot14),
            "--out",
            s(&committed),
            "--circuit",
            "committed/v2",
        ],
        None,
    );
    let other = dir.join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    let other_zkey = zkey_path(&other, CircuitId::Threshold);
    std::fs::copy(zkey_path(&committed, CircuitId::Committed), &other_zkey).expect("copy");
    let mut args = contribute(&other);
    args[3] = s(&pot14).into();
    let err = run(args, &other_zkey);
    assert!(err.contains("threshold/v1"), "{err}");
}

/// Ignored because it takes about 8 minutes on 2 cores (every step recomputes every
/// circuit's initial keys), too long for every CI run. The phase 1 is 2^15: circuit
/// version 2's largest QAP domain is 2^14, and `init` refuses a phase 1 snarkjs could
/// not check (one power above the domain); with the v1 circuits (2^15 domain) it was
/// 2^16 and 795 s. It is not in `scripts/test.sh`; run it by hand with
/// `cargo test --release --test cli_ceremony -- --ignored` (passed on 2026-12-05 in
/// 462 s). The fast
/// `threshold_ceremony_through_the_cli` above covers the same commands in CI.
#[test]
#[ignore = "every circuit over 2^15: ~8 min on 2 cores; run by hand, see the doc comment"]
fn full_ceremony_proves_a_transfer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let ptau = dir.join("pot.ptau");
    let (last, _) = chain(dir, "15", None);
    ok(
        &["ceremony", "verify", "--dir", s(&last), "--ptau", s(&ptau)],
        None,
    );
    let params = dir.join("params");
    ok(
        &[
            "ceremony",
            "finalize",
            "--dir",
            s(&last),
            "--ptau",
            s(&ptau),
            "--out",
            s(&params),
        ],
        None,
    );
    let demo = dir.join("demo");
    let out = ok(&["demo", "--params", s(&params), "--out", s(&demo)], None);
    assert!(
        !out.contains("DEV KEYS"),
        "mpc keys are no dev keys:\n{out}"
    );
    let bundle = demo.join("bundles/a.json");
    let policy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo.join("policy.json")).expect("policy"))
            .expect("json");
    assert_eq!(policy["verifying_keys"]["allow_dev_keys"], false);
    assert_eq!(
        policy["verifying_keys"]["accepted_ceremonies"],
        serde_json::json!(["mpc"])
    );
    let mpc_policy = demo.join("policy.json");
    ok(
        &[
            "bundle",
            "verify",
            "--policy",
            s(&mpc_policy),
            "--params",
            s(&params),
            s(&bundle),
        ],
        None,
    );
    // Naming the ceremony by its transcript hash: this one passes, another is refused.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(params.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    let hash = manifest["transcript"]["hash"]
        .as_str()
        .expect("hash")
        .to_owned();
    for (listed, accepted) in [(hash.clone(), true), ("ab".repeat(64), false)] {
        let mut p = policy.clone();
        p["verifying_keys"]["accepted_transcripts"] = serde_json::json!([listed]);
        let path = dir.join("by-transcript.json");
        std::fs::write(&path, p.to_string()).expect("write");
        let o = zktr(
            &[
                "bundle",
                "verify",
                "--policy",
                s(&path),
                "--params",
                s(&params),
                s(&bundle),
            ],
            None,
        );
        assert_eq!(
            o.status.success(),
            accepted,
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let mut dev_only = policy.clone();
    dev_only["verifying_keys"] = serde_json::json!({
        "trusted_ids": [], "accepted_ceremonies": [], "allow_dev_keys": true
    });
    let dev_policy = dir.join("dev-only.json");
    std::fs::write(&dev_policy, dev_only.to_string()).expect("write");
    let o = zktr(
        &[
            "bundle",
            "verify",
            "--policy",
            s(&dev_policy),
            "--params",
            s(&params),
            s(&bundle),
        ],
        None,
    );
    assert!(
        !o.status.success(),
        "a dev-only policy must refuse mpc keys:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
