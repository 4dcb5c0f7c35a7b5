//! Keys that cannot be confused and sets that must be trusted: keygen refuses to
//! overwrite, a `.pub` given as a secret key is refused, and a set signed by another key
//! and relabelled as the real list is refused by `check` and `diff`, naming the
//! publisher key it names.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(path: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/sanctions"
    ))
    .join(path)
}

fn zktr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zktr"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn keys_are_typed_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("publisher.key");
    assert!(
        zktr(&["sanctions", "keygen", "--out", s(&key)])
            .status
            .success()
    );
    let before = std::fs::read(&key).unwrap();
    let o = zktr(&["sanctions", "keygen", "--out", s(&key)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("refusing to overwrite") && err(&o).contains("--force"),
        "{}",
        err(&o)
    );
    assert_eq!(std::fs::read(&key).unwrap(), before);
    assert!(
        zktr(&["sanctions", "keygen", "--out", s(&key), "--force"])
            .status
            .success()
    );
    assert_ne!(std::fs::read(&key).unwrap(), before);
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(
        text.contains("zktr.sanctions-publisher.secret-key.v1"),
        "{text}"
    );

    let pubkey = format!("{}.pub", s(&key));
    let o = zktr(&[
        "sanctions",
        "build",
        "--addresses",
        s(&data("ofac/address-lists-brave-2025-11-19")),
        "--key",
        &pubkey,
        "--out",
        s(&dir.path().join("x.zkts")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("is a public key") && err(&o).contains(&pubkey),
        "{}",
        err(&o)
    );
    assert!(!dir.path().join("x.zkts").exists());
    let o = zktr(&[
        "sanctions",
        "verify",
        s(&dir.path().join("x.zkts")),
        "--publisher",
        s(&key),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("is a secret key"), "{}", err(&o));
    let o = zktr(&[
        "sanctions",
        "build",
        "--addresses",
        s(&data("ofac/address-lists-brave-2025-11-19")),
        "--key",
        s(&key),
        "--out",
        s(&dir.path().join("f.zkts")),
        "--published-at",
        "4102444800",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("in the future"), "{}", err(&o));
}

#[test]
fn a_relabelled_set_signed_by_another_key_is_refused_by_check_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let real = d.join("real.key");
    let forger = d.join("forger.key");
    for k in [&real, &forger] {
        assert!(
            zktr(&["sanctions", "keygen", "--out", s(k)])
                .status
                .success()
        );
    }
    let lists = s(&data("ofac/address-lists-brave-2025-11-19")).to_string();
    let good = d.join("good.zkts");
    let fake = d.join("fake.zkts");
    for (k, out) in [(&real, &good), (&forger, &fake)] {
        let o = zktr(&[
            "sanctions",
            "build",
            "--addresses",
            &lists,
            "--key",
            s(k),
            "--out",
            s(out),
        ]);
        assert!(o.status.success(), "{o:?}");
    }
    let real_pub = format!("{}.pub", s(&real));
    // The forger's set names the forger's key: refused, and the message says which key.
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&fake),
        "--name",
        "Nobody Listed",
        "--publisher",
        &real_pub,
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(o.stdout.is_empty(), "answered from an untrusted set");
    assert!(
        err(&o).contains("not trusted") && err(&o).contains("ed25519:"),
        "{}",
        err(&o)
    );
    let o = zktr(&[
        "sanctions",
        "diff",
        s(&good),
        s(&fake),
        "--publisher",
        &real_pub,
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(o.stdout.is_empty());
    assert!(
        err(&o).contains("fake.zkts") && err(&o).contains("not trusted"),
        "{}",
        err(&o)
    );
    // With a trust file in the policy format, the good set answers and shows provenance.
    let pk = std::fs::read_to_string(&real_pub).unwrap();
    let pk: serde_json::Value = serde_json::from_str(&pk).unwrap();
    let trust = d.join("trust.json");
    std::fs::write(
        &trust,
        serde_json::json!({"sanctions_publishers": [{"name": "our list team",
            "public_key": pk["public_key"], "max_age_seconds": 86400}]})
        .to_string(),
    )
    .unwrap();
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&good),
        "--name",
        "Nobody Listed",
        "--trust",
        s(&trust),
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("our list team") && out.contains("version 2025-11-19"),
        "{out}"
    );
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&fake),
        "--name",
        "Nobody Listed",
        "--trust",
        s(&trust),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // Neither --publisher nor --trust: clap refuses and says what is needed.
    let o = zktr(&["sanctions", "check", "--set", s(&good), "--name", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--publisher") || err(&o).contains("--trust"),
        "{}",
        err(&o)
    );
}
