//! No command panics on its output: with stdout closed before the first write (as
//! `| head -c1` or `| grep -q` leave it) or full (`/dev/full`), every subcommand ends
//! without "panicked", and keeps the exit code of its verdict (`sanctions check`:
//! LISTED 1, NOT LISTED 0) or ends with 141 (128 + SIGPIPE) / a `write` error.
//! Subcommands this test does not know (added later) are driven with `--help`, and so are
//! `setup` and `bench`, whose first line comes after 20-50 s of work (they print with
//! `println!`, covered by the same panic hook as `circuits` and `demo`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(path)
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn cmd(args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zktr"));
    c.args(args)
        .env("RUST_LOG", "warn")
        .env_remove("RUST_BACKTRACE");
    c
}

/// Runs with stdout a pipe whose read end is closed before the command writes.
fn closed_pipe(args: &[String]) -> (Option<i32>, String) {
    let mut child = cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

/// Runs with stdout `/dev/full` (every write fails with ENOSPC).
fn full(args: &[String]) -> (Option<i32>, String) {
    let devfull = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = cmd(args).stdout(devfull).output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn run(args: &[&str]) -> std::process::Output {
    cmd(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
        .output()
        .unwrap()
}

#[test]
fn no_subcommand_panics_on_a_closed_or_full_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A publisher key, a set, and a recipient public key, made with the CLI itself.
    let key = d.join("publisher.key");
    assert!(
        run(&["sanctions", "keygen", "--out", &s(&key)])
            .status
            .success()
    );
    let pubkey = d.join("publisher.key.pub");
    let set = d.join("addr.zkts");
    let lists = s(&shared("sanctions/ofac/address-lists-brave-2025-11-19"));
    let o = run(&[
        "sanctions",
        "build",
        "--addresses",
        &lists,
        "--key",
        &s(&key),
        "--out",
        &s(&set),
    ]);
    assert!(o.status.success(), "{o:?}");
    let sealing = zktr_trisa::SealingKey::from_pem(
        &std::fs::read_to_string(shared("trisa/sealing_key.pem")).unwrap(),
    )
    .unwrap();
    let recipient = d.join("recipient.pub.pem");
    std::fs::write(&recipient, sealing.public_key().to_pem().unwrap()).unwrap();

    let listed_eth = "0x08723392ED15743CC38513C4925F5E6BE5C17243";
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    // (subcommand, args, the verdict code the command keeps, or None for 141/any)
    let cases: Vec<(&str, Vec<String>, Option<i32>)> = vec![
        ("circuits", v(&["circuits"]), None),
        ("poseidon", v(&["poseidon", "1", "2"]), None),
        (
            "ivms101",
            v(&[
                "ivms101",
                "validate",
                &s(&shared("ivms101/trisa/identity_payload.json")),
            ]),
            Some(0),
        ),
        (
            "ivms101",
            v(&[
                "ivms101",
                "convert",
                &s(&shared("ivms101/trisa/identity_payload.json")),
            ]),
            Some(0),
        ),
        (
            "envelope",
            v(&[
                "envelope",
                "open",
                "--key",
                &s(&shared("trisa/sealing_key.pem")),
                &s(&shared("trisa/sealed_envelope.json")),
            ]),
            Some(0),
        ),
        (
            "envelope",
            v(&[
                "envelope",
                "seal",
                "--to",
                &s(&recipient),
                "--payload",
                &s(&shared("trisa/payload.json")),
            ]),
            Some(0),
        ),
        (
            "sanctions",
            v(&["sanctions", "keygen", "--out", &s(&d.join("k2")), "--force"]),
            Some(0),
        ),
        (
            "sanctions",
            v(&[
                "sanctions",
                "build",
                "--addresses",
                &lists,
                "--key",
                &s(&key),
                "--out",
                &s(&d.join("b.zkts")),
            ]),
            Some(0),
        ),
        (
            "sanctions",
            v(&[
                "sanctions",
                "check",
                "--set",
                &s(&set),
                "--address",
                listed_eth,
                "--chain",
                "ETH",
                "--publisher",
                &s(&pubkey),
            ]),
            Some(1),
        ),
        (
            "sanctions",
            v(&[
                "sanctions",
                "check",
                "--set",
                &s(&set),
                "--name",
                "Nobody Listed",
                "--publisher",
                &s(&pubkey),
            ]),
            Some(0),
        ),
        (
            "sanctions",
            v(&[
                "sanctions",
                "diff",
                &s(&set),
                &s(&set),
                "--publisher",
                &s(&pubkey),
            ]),
            Some(0),
        ),
        (
            "sanctions",
            v(&["sanctions", "verify", &s(&set), "--publisher", &s(&pubkey)]),
            Some(0),
        ),
        // setup (20 s of key generation) and bench (35 s of proving) print through the same
        // panic hook as circuits and demo: driven with --help to keep CI time.
        ("setup", v(&["setup", "--help"]), None),
        ("snarkjs", v(&["snarkjs", "--help"]), None),
        ("demo", v(&["demo", "--out", &s(&d.join("demo"))]), None),
        ("bench", v(&["bench", "--help"]), None),
    ];
    let mut covered: Vec<&str> = cases.iter().map(|c| c.0).collect();
    covered.push("help");
    // Subcommands from `zktr --help` that the table does not drive: `--help` at least.
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    let mut extra = Vec::new();
    for line in help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
    {
        let Some(name) = line.split_whitespace().next() else {
            break;
        };
        if !line.starts_with("  ") {
            break;
        }
        if !covered.contains(&name) {
            extra.push((name.to_string(), v(&[name, "--help"])));
        }
    }
    let started = Instant::now();
    for (name, args, verdict) in cases
        .iter()
        .map(|(n, a, c)| (n.to_string(), a.clone(), *c))
        .chain(extra.into_iter().map(|(n, a)| (n, a, None)))
    {
        let t = Instant::now();
        let (code, err) = closed_pipe(&args);
        assert!(
            !err.contains("panicked"),
            "{name} {args:?} panicked on a closed pipe:\n{err}"
        );
        match verdict {
            Some(want) => assert_eq!(code, Some(want), "{args:?} closed pipe:\n{err}"),
            None => assert!(
                matches!(code, Some(0) | Some(141)),
                "{args:?}: {code:?}\n{err}"
            ),
        }
        if name != "demo" {
            let (code, err) = full(&args);
            assert!(
                !err.contains("panicked"),
                "{args:?} panicked on /dev/full:\n{err}"
            );
            match verdict {
                Some(want) => {
                    assert_eq!(code, Some(want), "{args:?} /dev/full:\n{err}");
                    assert!(err.contains("write"), "{args:?}: {err}");
                }
                None => assert!(
                    code == Some(0) || (code == Some(2) && err.contains("write")),
                    "{args:?}: {code:?}\n{err}"
                ),
            }
        }
        eprintln!("{args:?}: {:.2} s", t.elapsed().as_secs_f64());
    }
    assert!(started.elapsed() < Duration::from_secs(180));
}
