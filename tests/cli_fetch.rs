//! `zktr sanctions fetch` against a real HTTP server on loopback (127.0.0.1, no other
//! network) that serves the files of `../shared/data`: the OFAC SDN advanced XML (served
//! unpacked, as OFAC serves it) with its published checksum, and the UN list. Each list
//! is written with its own date; a wrong checksum, a 404 and a page that is not a list
//! keep nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

fn shared(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")).join(path)
}

/// Serves `/sdn_advanced.xml` (unpacked from the `.bz2`), `/sdn_advanced_checksum.txt`,
/// `/wrong_checksum.txt`, `/un.xml` and `/not-a-list.xml`; 404 otherwise.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut sdn = Vec::new();
    zktr_sanctions::ofac_advanced::open_unpacked(&shared(
        "sanctions/ofac/sdn_advanced_2025-11-19.xml.bz2",
    ))
    .unwrap()
    .read_to_end(&mut sdn)
    .unwrap();
    let checksum = std::fs::read(shared(
        "sanctions/ofac/sdn_advanced_checksum_2025-11-19.txt",
    ))
    .unwrap();
    let un = std::fs::read(shared("sanctions/un/UN_consolidated_2026-02-27.xml")).unwrap();
    let wrong = format!("SHA256(sdn_advanced.xml) = {}\n", "ab".repeat(32)).into_bytes();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body: Option<&[u8]> = match path.as_str() {
                "/sdn_advanced.xml" => Some(&sdn),
                "/sdn_advanced_checksum.txt" => Some(&checksum),
                "/wrong_checksum.txt" => Some(&wrong),
                "/un.xml" => Some(&un),
                "/not-a-list.xml" => Some(b"<html><body>maintenance</body></html>"),
                _ => None,
            };
            let (status, body) = match body {
                Some(b) => ("200 OK", b),
                None => ("404 Not Found", &b"not found"[..]),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(body);
        }
    });
    format!("http://{addr}")
}

fn zktr(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zktr"));
    c.args(args).env("RUST_LOG", "warn");
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        c.env_remove(v);
    }
    c.output().unwrap()
}

#[test]
fn fetch_from_a_loopback_server() {
    let base = serve();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let url = |p: &str| format!("{base}{p}");
    let o = zktr(&[
        "sanctions",
        "fetch",
        "--out",
        out,
        "--ofac-url",
        &url("/sdn_advanced.xml"),
        "--ofac-checksum-url",
        &url("/sdn_advanced_checksum.txt"),
        "--un-url",
        &url("/un.xml"),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{o:?}");
    assert!(
        stdout.contains("matches the published checksum"),
        "{stdout}"
    );
    let sdn = dir.path().join("sdn_advanced_2025-11-19.xml");
    let un = dir.path().join("UN_consolidated_2026-02-27.xml");
    assert_eq!(std::fs::metadata(&sdn).unwrap().len(), 120_977_559);
    assert_eq!(
        std::fs::read(&un).unwrap(),
        std::fs::read(shared("sanctions/un/UN_consolidated_2026-02-27.xml")).unwrap()
    );

    // A wrong checksum, a missing file and a page that is not a list: nothing is kept.
    let bad = tempfile::tempdir().unwrap();
    let bad_out = bad.path().to_str().unwrap();
    for (args, expect) in [
        (
            vec![
                "--list",
                "ofac",
                "--ofac-url",
                &*url("/sdn_advanced.xml").leak(),
                "--ofac-checksum-url",
                &*url("/wrong_checksum.txt").leak(),
            ],
            "differs from the published",
        ),
        (
            vec!["--list", "un", "--un-url", &*url("/missing.xml").leak()],
            "404",
        ),
        (
            vec!["--list", "un", "--un-url", &*url("/not-a-list.xml").leak()],
            "not a readable list",
        ),
    ] {
        let mut a = vec!["sanctions", "fetch", "--out", bad_out];
        a.extend(args);
        let o = zktr(&a);
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expect) && err.contains("download"), "{err}");
        assert_eq!(std::fs::read_dir(bad.path()).unwrap().count(), 0, "{err}");
    }
}
