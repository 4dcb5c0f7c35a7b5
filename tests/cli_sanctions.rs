//! `zktr sanctions` end to end: keygen, build (UN list + address lists), check (LISTED
//! with party ids, NOT LISTED after a verified witness), diff of the 2024 and 2025 address
//! lists, verify with the right and a wrong publisher, and a tampered set file.

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn sanctions_cli_end_to_end() {
    let dir = std::env::temp_dir().join(format!("zktr-cli-sanctions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("publisher.key");
    let o = zktr(&["sanctions", "keygen", "--out", s(&key)]);
    assert!(o.status.success(), "{o:?}");
    let pubkey = dir.join("publisher.key.pub");
    assert!(pubkey.exists());

    let new = dir.join("new.zkts");
    let o = zktr(&[
        "sanctions",
        "build",
        "--un",
        s(&data("un/UN_consolidated_2026-02-27.xml")),
        "--addresses",
        s(&data("ofac/address-lists-brave-2025-11-19")),
        "--key",
        s(&key),
        "--out",
        s(&new),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{o:?}");
    for field in [
        "root:",
        "parties:      1022",
        "names:",
        "ids:",
        "addresses:    758",
        "time:",
    ] {
        assert!(out.contains(field), "{field} missing in\n{out}");
    }

    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&new),
        "--address",
        "0x08723392ED15743CC38513C4925F5E6BE5C17243",
        "--chain",
        "ETH",
        "--publisher",
        s(&pubkey),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("LISTED"), "{}", stdout(&o));
    assert!(stdout(&o).contains("addresses:ETH"));
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&new),
        "--name",
        "eric BADEGE",
        "--publisher",
        s(&pubkey),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("un:CDi.001"), "{}", stdout(&o));
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&new),
        "--name",
        "Some Unlisted Person",
        "--publisher",
        s(&pubkey),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("NOT LISTED"));
    assert!(stdout(&o).contains("non-membership witness verified"));
    // Every answer says who signed which list, when.
    for field in [
        "list un-consolidated+addresses version",
        "published ",
        "signed by ed25519:",
        "signature verified",
    ] {
        assert!(
            stdout(&o).contains(field),
            "{field} missing in\n{}",
            stdout(&o)
        );
    }
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&new),
        "--id",
        "OB 0243318",
        "--publisher",
        s(&pubkey),
    ]);
    assert_eq!(o.status.code(), Some(1));

    let o = zktr(&["sanctions", "verify", s(&new), "--publisher", s(&pubkey)]);
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).starts_with("VALID"));
    let other = dir.join("other.key");
    assert!(
        zktr(&["sanctions", "keygen", "--out", s(&other)])
            .status
            .success()
    );
    let o = zktr(&[
        "sanctions",
        "verify",
        s(&new),
        "--publisher",
        &format!("{}.pub", s(&other)),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).starts_with("INVALID"));

    let old = dir.join("old.zkts");
    let o = zktr(&[
        "sanctions",
        "build",
        "--addresses",
        s(&data("ofac/address-lists-0xB10C-2024-09-27")),
        "--key",
        s(&key),
        "--out",
        s(&old),
    ]);
    assert!(o.status.success(), "{o:?}");
    let only_new = dir.join("addr.zkts");
    let o = zktr(&[
        "sanctions",
        "build",
        "--addresses",
        s(&data("ofac/address-lists-brave-2025-11-19")),
        "--key",
        s(&key),
        "--out",
        s(&only_new),
    ]);
    assert!(o.status.success(), "{o:?}");
    let o = zktr(&[
        "sanctions",
        "diff",
        s(&old),
        s(&only_new),
        "--publisher",
        s(&pubkey),
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{o:?}");
    assert!(out.contains("keys: +194 -90; parties: +2 -0"), "{out}");
    assert!(out.contains("+ party addresses:SOL"));

    // A tampered file is refused with a clear error (exit 2), not a panic.
    let mut bytes = std::fs::read(&new).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    let bad = dir.join("bad.zkts");
    std::fs::write(&bad, &bytes).unwrap();
    let o = zktr(&[
        "sanctions",
        "check",
        "--set",
        s(&bad),
        "--name",
        "x y",
        "--publisher",
        s(&pubkey),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("checksum"),
        "{o:?}"
    );
    // A truncated list file too.
    let un = std::fs::read(data("un/UN_consolidated_2026-02-27.xml")).unwrap();
    let cut = dir.join("un-cut.xml");
    std::fs::write(&cut, &un[..un.len() / 2]).unwrap();
    let o = zktr(&[
        "sanctions",
        "build",
        "--un",
        s(&cut),
        "--key",
        s(&key),
        "--out",
        s(&dir.join("x.zkts")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("malformed UN consolidated XML"),
        "{o:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
