//! `zktr verifier --config FILE` as a real process: started from a config file, queried
//! over TLS on 127.0.0.1 (one good bundle, one with a bad proof, a stream of both, the
//! HTTP port), then stopped with SIGTERM: it exits 0 and its ports close.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use zktr_circuits::field::fr_to_be_bytes;
use zktr_node::certs::{self, IssueRequest, KeyAlgorithm, Usage};
use zktr_node::verifier_service;
use zktr_prover::{Parallelism, Prover};
use zktr_records::manifest::SINGLE_PARTY_DEV;
use zktr_testkit::sample::{SAMPLE_NOW, sample_fields};
use zktr_testkit::{keys, world};

mod common;
use common::free_port;

const ZKTR: &str = env!("CARGO_BIN_EXE_zktr");

/// The process, killed if the test fails before it stops it.
struct Verifier {
    child: Child,
}

impl Drop for Verifier {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_status(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, text))
}

/// Writes params (verifying keys only), the sample world's policy, a CA, the verifier's
/// certificate and `verifier.toml` into `dir`; returns the config path.
fn folder(dir: &Path, grpc: u16, http: u16) -> std::path::PathBuf {
    keys()
        .save_verifying_keys(&dir.join("params"), SAMPLE_NOW, SINGLE_PARTY_DEV, None)
        .unwrap();
    std::fs::write(
        dir.join("policy.json"),
        serde_json::to_string(&world().policy_file().unwrap()).unwrap(),
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    certs::init_ca(
        &dir.join("ca"),
        "cli test CA",
        2,
        KeyAlgorithm::EcdsaP256,
        now,
    )
    .unwrap();
    certs::issue(
        &dir.join("ca"),
        &IssueRequest {
            common_name: "verifier.cli".into(),
            sans: vec!["localhost".into()],
            usage: Usage::Server,
            validity_days: 1,
            algorithm: KeyAlgorithm::EcdsaP256,
        },
        &dir.join("certs"),
        now,
    )
    .unwrap();
    let config = dir.join("verifier.toml");
    std::fs::write(
        &config,
        format!(
            "[listen]\ngrpc = \"127.0.0.1:{grpc}\"\nhttp = \"127.0.0.1:{http}\"\n\n\
             [tls]\ncert = \"certs/verifier.cli.pem\"\nkey = \"certs/verifier.cli.key\"\n\
             ca = [\"ca/ca.pem\"]\n\n[verify]\npolicy = \"policy.json\"\nparams = \"params\"\n"
        ),
    )
    .unwrap();
    config
}

#[test]
fn the_verifier_process_serves_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (grpc, http) = (free_port(), free_port());
    let config = folder(dir.path(), grpc, http);
    let w = world();
    let prover = Prover::new(keys().clone(), Parallelism::default()).unwrap();
    let bundle = prover
        .prove_transfers(&w.statements()[..1], &w.context)
        .unwrap()
        .remove(0)
        .unwrap();

    let mut child = Command::new(ZKTR)
        .args(["verifier", "--config"])
        .arg(&config)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zktr verifier");
    let stdout = child.stdout.take().unwrap();
    let mut process = Verifier { child };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("a `listening` line within 60 s");
    assert!(
        line.contains(&format!("grpc=127.0.0.1:{grpc}")) && line.contains("http="),
        "{line}"
    );

    let f = sample_fields(0);
    let request =
        |b: &zktr_records::ProofBundle, id: &str| zktr_proto::zktr::verifier::v1::VerifyRequest {
            bundle: Some(b.to_message()),
            transfer: Some(zktr_proto::zktr::verifier::v1::OnChainTransfer {
                asset_id: fr_to_be_bytes(&f.asset_id.to_fr()).to_vec(),
                asset_amount: f.asset_amount.to_string(),
                beneficiary_address_key: fr_to_be_bytes(&f.beneficiary_address_key.to_fr())
                    .to_vec(),
                ..Default::default()
            }),
            as_of: SAMPLE_NOW,
            request_id: id.into(),
            ..Default::default()
        };
    let mut bad = bundle.clone();
    bad.claims[0].proof[100] ^= 1;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = verifier_service::client(
            &format!("127.0.0.1:{grpc}"),
            "localhost",
            &[dir.path().join("ca/ca.pem")],
            None,
            1 << 20,
            Duration::from_secs(30),
        )
        .unwrap();
        let ok = client
            .verify(request(&bundle, "good"))
            .await
            .unwrap()
            .into_inner();
        assert!(ok.accepted, "{ok:?}");
        assert!(ok.claims.iter().all(|c| c.ok));
        let no = client
            .verify(request(&bad, "bad"))
            .await
            .unwrap()
            .into_inner();
        assert!(!no.accepted);
        assert!(!no.claims[0].ok);
        let mut replies = client
            .verify_stream(tokio_stream::iter(vec![
                request(&bundle, "s0"),
                request(&bad, "s1"),
                request(&bundle, "s2"),
            ]))
            .await
            .unwrap()
            .into_inner();
        let mut got = Vec::new();
        while let Some(r) = replies.message().await.unwrap() {
            got.push((r.request_id, r.accepted));
        }
        assert_eq!(
            got,
            vec![
                ("s0".to_string(), true),
                ("s1".to_string(), false),
                ("s2".to_string(), true)
            ]
        );
    });

    let http_addr: SocketAddr = format!("127.0.0.1:{http}").parse().unwrap();
    assert_eq!(http_status(http_addr, "/readyz").map(|r| r.0), Some(200));
    let (_, metrics) = http_status(http_addr, "/metrics").unwrap();
    assert!(metrics.contains("zktr_verifier_bundles_total{outcome=\"accepted\"} 3"));

    // SIGTERM: a clean exit, and the ports close.
    let pid = process.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = process.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the verifier did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(TcpStream::connect(("127.0.0.1", grpc)).is_err());
    assert!(TcpStream::connect(http_addr).is_err());
}
