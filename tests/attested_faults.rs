//! Attested transfers between two real `zktr node` processes while things go wrong: a
//! proxy between them (a man in the middle trusted by both, as a faulty load balancer or
//! network would be) drops requests before and after delivery, delivers duplicates,
//! flips a byte of a proof and a byte of an envelope's ciphertext; the beneficiary is
//! killed with SIGKILL twice mid-run and restarted. Both nodes screen against the whole
//! OFAC SDN list (names, identifiers and addresses) and must stay under 1 GiB resident.
//!
//! Checked: every transfer the originator's back office accepted ends exactly once in a
//! final state (COMPLETED on both sides, or REJECTED on the originator with the
//! beneficiary's reason when its proof was corrupted, and then absent at the
//! beneficiary); duplicates get byte-identical replies, so no receipt is issued twice;
//! every receipt verifies; the originator's log stays consistent; a damaged envelope is
//! refused by its HMAC (nothing stored) and sent again intact. `ZKTR_FAULT_TRANSFERS`
//! sets the count (default 200; 1000 or more for a longer run).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::{Request, Response, Status, Streaming};
use zktr_node::client::Dialer;
use zktr_node::config::PeerEntry;
use zktr_node::tls::Identity;
use zktr_proto::trisa::api::v1beta1::trisa_network_server::{TrisaNetwork, TrisaNetworkServer};
use zktr_proto::trisa::api::v1beta1::{Address, AddressConfirmation, SecureEnvelope, SigningKey};
use zktr_proto::zktr::transfer::v1::attested_transfer_server::{
    AttestedTransfer, AttestedTransferServer,
};
use zktr_proto::zktr::transfer::v1::{AttestedEnvelope, AttestedReply};

mod common;

use common::{
    ADDRESS, AttestedNetwork, Proc, free_port, list, ok, wait_until, wait_while_progressing,
};
use std::process::Stdio;

/// What the proxy did, for the report and the checks.
#[derive(Default)]
struct Tally {
    attested_calls: AtomicUsize,
    trisa_calls: AtomicUsize,
    cut_before: AtomicUsize,
    cut_after: AtomicUsize,
    duplicated: AtomicUsize,
    flipped: AtomicUsize,
    envelopes_flipped: AtomicUsize,
    duplicate_mismatch: AtomicUsize,
    flipped_ids: Mutex<Vec<String>>,
}

/// Impersonates the beneficiary towards the originator and the originator towards the
/// beneficiary, and misbehaves on a fixed schedule.
#[derive(Clone)]
struct Proxy {
    to: Arc<Dialer>,
    beneficiary: PeerEntry,
    tally: Arc<Tally>,
}

fn unavailable(what: &str) -> Status {
    Status::unavailable(format!("proxy: connection lost {what}"))
}

#[tonic::async_trait]
impl AttestedTransfer for Proxy {
    async fn transfer(
        &self,
        request: Request<AttestedEnvelope>,
    ) -> Result<Response<AttestedReply>, Status> {
        let k = self.tally.attested_calls.fetch_add(1, Ordering::SeqCst);
        let mut req = request.into_inner();
        let id = req
            .envelope
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_default();
        match k % 7 {
            1 => {
                self.tally.cut_before.fetch_add(1, Ordering::SeqCst);
                return Err(unavailable("before delivery"));
            }
            3 => {
                let _ = self.to.attested_transfer(&self.beneficiary, req).await?;
                self.tally.cut_after.fetch_add(1, Ordering::SeqCst);
                return Err(unavailable("after delivery"));
            }
            4 => {
                let first = self
                    .to
                    .attested_transfer(&self.beneficiary, req.clone())
                    .await?;
                let second = self.to.attested_transfer(&self.beneficiary, req).await?;
                self.tally.duplicated.fetch_add(1, Ordering::SeqCst);
                if prost::Message::encode_to_vec(&first) != prost::Message::encode_to_vec(&second) {
                    self.tally.duplicate_mismatch.fetch_add(1, Ordering::SeqCst);
                }
                return Ok(Response::new(second));
            }
            6 if k % 21 == 6 => {
                // Damage the envelope's ciphertext: the beneficiary's HMAC check fails.
                if let Some(e) = req.envelope.as_mut()
                    && e.payload.len() > 20
                {
                    e.payload[20] ^= 0x01;
                    self.tally.envelopes_flipped.fetch_add(1, Ordering::SeqCst);
                }
            }
            5 if k % 14 == 5 => {
                if let Some(b) = req.bundle.as_mut()
                    && let Some(c) = b.claims.first_mut()
                    && c.proof.len() > 10
                {
                    c.proof[10] ^= 0x40;
                    self.tally.flipped.fetch_add(1, Ordering::SeqCst);
                    self.tally.flipped_ids.lock().unwrap().push(id);
                }
            }
            _ => {}
        }
        Ok(Response::new(
            self.to.attested_transfer(&self.beneficiary, req).await?,
        ))
    }

    type TransferStreamStream =
        tokio_stream::wrappers::ReceiverStream<Result<AttestedReply, Status>>;

    async fn transfer_stream(
        &self,
        _request: Request<Streaming<AttestedEnvelope>>,
    ) -> Result<Response<Self::TransferStreamStream>, Status> {
        Err(Status::unimplemented("proxy: unary only"))
    }

    async fn describe(
        &self,
        _request: Request<zktr_proto::zktr::transfer::v1::DescribeRequest>,
    ) -> Result<Response<zktr_proto::zktr::transfer::v1::NodeDescription>, Status> {
        Ok(Response::new(self.to.describe(&self.beneficiary).await?))
    }
}

#[tonic::async_trait]
impl TrisaNetwork for Proxy {
    async fn transfer(
        &self,
        request: Request<SecureEnvelope>,
    ) -> Result<Response<SecureEnvelope>, Status> {
        let k = self.tally.trisa_calls.fetch_add(1, Ordering::SeqCst);
        let reply = self
            .to
            .transfer(&self.beneficiary, request.into_inner())
            .await?;
        if k % 4 == 2 {
            self.tally.cut_after.fetch_add(1, Ordering::SeqCst);
            return Err(unavailable("after delivery"));
        }
        Ok(Response::new(reply))
    }

    type TransferStreamStream =
        tokio_stream::wrappers::ReceiverStream<Result<SecureEnvelope, Status>>;

    async fn transfer_stream(
        &self,
        _request: Request<Streaming<SecureEnvelope>>,
    ) -> Result<Response<Self::TransferStreamStream>, Status> {
        Err(Status::unimplemented("proxy: unary only"))
    }

    async fn confirm_address(
        &self,
        request: Request<Address>,
    ) -> Result<Response<AddressConfirmation>, Status> {
        Ok(Response::new(
            self.to
                .confirm_address(&self.beneficiary, request.into_inner())
                .await?,
        ))
    }

    async fn key_exchange(
        &self,
        request: Request<SigningKey>,
    ) -> Result<Response<SigningKey>, Status> {
        Ok(Response::new(
            self.to
                .key_exchange(&self.beneficiary, request.into_inner())
                .await?,
        ))
    }
}

/// Serves the proxy on `port` with `identity` until the runtime ends.
fn start_proxy(
    runtime: &tokio::runtime::Runtime,
    port: u16,
    identity: &Identity,
    ca: &Path,
    proxy: Proxy,
) {
    let config = zktr_node::tls::server_config(identity, &[ca.to_path_buf()], &[]).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(s) = acceptor.accept(tcp).await {
                        let _ = tx.send(Ok::<_, std::io::Error>(s)).await;
                    }
                });
            }
        });
        let _ = tonic::transport::Server::builder()
            .add_service(AttestedTransferServer::new(proxy.clone()))
            .add_service(TrisaNetworkServer::new(proxy))
            .serve_with_incoming(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await;
    });
}

/// How many transfers are in each state, e.g. `ACCEPTED 180, STARTED 20`.
fn states(list: &[(String, String)]) -> String {
    let mut count = std::collections::BTreeMap::<&str, usize>::new();
    for (_, s) in list {
        *count.entry(s.as_str()).or_default() += 1;
    }
    count
        .iter()
        .map(|(s, k)| format!("{s} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints each node log's warnings and errors and its last lines.
fn show_logs(dir: &Path) {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let bad: Vec<&&str> = lines
            .iter()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .collect();
        eprintln!(
            "---- {} ({} lines, {} warnings/errors)",
            f.display(),
            lines.len(),
            bad.len()
        );
        for l in bad.iter().rev().take(30).rev() {
            eprintln!("{l}");
        }
        eprintln!("---- last lines");
        for l in lines.iter().rev().take(20).rev() {
            eprintln!("{l}");
        }
    }
}

#[test]
fn attested_transfers_survive_a_faulty_network_and_a_killed_beneficiary() {
    zktr_node::tls::install_crypto_provider();
    let n: usize = std::env::var("ZKTR_FAULT_TRANSFERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let proxy_port = free_port();
    let net = AttestedNetwork::build(&["proxy.test"]);
    let dir = net.dir();
    let b_peer = net.b_peer;
    let key = |node: &str, k: &str| net.key(node, k);
    // alpha reaches beta through the proxy; beta reaches alpha directly.
    net.alpha_reaches_beta_at(proxy_port);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let tally = Arc::new(Tally::default());
    let a_identity = Identity::load(
        &dir.join("alpha.test/certs/alpha.test.pem"),
        &dir.join("alpha.test/certs/alpha.test.key"),
    )
    .unwrap();
    let proxy = Proxy {
        to: Arc::new(Dialer::new(
            a_identity,
            vec![dir.join("ca/ca.pem")],
            vec![],
            4 << 20,
            Duration::from_secs(30),
        )),
        beneficiary: PeerEntry {
            name: "beta.test".into(),
            endpoint: format!("127.0.0.1:{b_peer}"),
            server_name: Some("localhost".into()),
            ca: None,
            fingerprint: None,
            zktr: true,
            log_key: None,
            receipt_key: None,
        },
        tally: tally.clone(),
    };
    let proxy_identity = Identity::load(
        &dir.join("proxy.test/proxy.test.pem"),
        &dir.join("proxy.test/proxy.test.key"),
    )
    .unwrap();
    start_proxy(
        &runtime,
        proxy_port,
        &proxy_identity,
        &dir.join("ca/ca.pem"),
        proxy,
    );

    let a_cfg = dir.join("alpha.test/node.toml");
    let b_cfg = dir.join("beta.test/node.toml");
    // The nodes log at `info` into files, shown when a wait times out.
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let starts = AtomicUsize::new(0);
    let start = |cfg: &Path, name: &str| {
        let k = starts.fetch_add(1, Ordering::SeqCst);
        let file = std::fs::File::create(logs.join(format!("{k:02}-{name}.log"))).unwrap();
        Proc::start_with(cfg, &[("RUST_LOG", "info")], Stdio::from(file))
    };
    let alpha = start(&a_cfg, "alpha");
    let mut b = Some(start(&b_cfg, "beta"));
    ok(&[
        "address",
        "add",
        "--config",
        b_cfg.to_str().unwrap(),
        ADDRESS,
    ]);

    let mut acknowledged = Vec::new();
    let started = Instant::now();
    for i in 0..n {
        if i == n / 3 || (n >= 30 && i == 2 * n / 3) {
            // SIGKILL the beneficiary mid-run; the originator's outbox keeps everything.
            if let Some(p) = b.take() {
                p.kill9();
            }
        }
        if i == n / 3 + 2 || (n >= 30 && i == 2 * n / 3 + 2) {
            b = Some(start(&b_cfg, "beta"));
        }
        acknowledged.push(net.send(50_000 + 40_000 * i as u64));
    }
    if b.is_none() {
        b = Some(start(&b_cfg, "beta"));
    }
    eprintln!(
        "faults: {n} transfers acknowledged in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    // Every acknowledged transfer reaches ACCEPTED, or REJECTED if its proof was corrupted.
    // Proving is the slow part (one transfer after another on two cores), so the wait is
    // bounded by progress: it fails when no transfer changed state for five minutes, or
    // after half an hour in all.
    let settling = Instant::now();
    wait_while_progressing(
        "the originator's transfers to settle",
        300,
        1800,
        || {
            let l = list(&a_cfg);
            if let Some((id, _)) = l.iter().find(|(_, s)| s == "REPAIR") {
                // Only an officer moves a transfer out of REPAIR: it would never settle.
                show_logs(&logs);
                let shown = ok(&["transfer", "show", "--config", a_cfg.to_str().unwrap(), id]);
                panic!("{id} went to REPAIR: {shown}");
            }
            let done = l.len() == n && l.iter().all(|(_, s)| s == "ACCEPTED" || s == "REJECTED");
            (done, states(&l))
        },
        || show_logs(&logs),
    );
    eprintln!(
        "faults: settled {:.0} s after the last send",
        settling.elapsed().as_secs_f64()
    );
    let flipped: Vec<String> = tally.flipped_ids.lock().unwrap().clone();
    let on_a = list(&a_cfg);
    for (id, state) in &on_a {
        assert!(acknowledged.contains(id), "a transfer nobody sent: {id}");
        if state == "REJECTED" {
            // Only a corrupted proof may be refused, and the refusal says why. (A proof
            // flipped on a resend of a transfer the beneficiary already holds is not a
            // replay: it is refused in transit and the clean resend settles it.)
            assert!(
                flipped.contains(id),
                "{id} rejected without a corrupted proof"
            );
            let shown = ok(&["transfer", "show", "--config", a_cfg.to_str().unwrap(), id]);
            assert!(
                shown.contains("COMPLIANCE_CHECK_FAIL"),
                "the reason is recorded: {shown}"
            );
        }
    }
    // Complete the accepted ones; both sides end COMPLETED, exactly once.
    let accepted: Vec<&String> = on_a
        .iter()
        .filter(|(_, s)| s == "ACCEPTED")
        .map(|(i, _)| i)
        .collect();
    for (k, id) in accepted.iter().enumerate() {
        ok(&[
            "transfer",
            "complete",
            "--config",
            a_cfg.to_str().unwrap(),
            id,
            "--txid",
            &format!("0x{k:064x}"),
        ]);
    }
    wait_until(300, "completion on both sides", || {
        list(&a_cfg)
            .iter()
            .filter(|(_, s)| s == "COMPLETED")
            .count()
            == accepted.len()
            && list(&b_cfg)
                .iter()
                .filter(|(_, s)| s == "COMPLETED")
                .count()
                == accepted.len()
    });
    let on_b = list(&b_cfg);
    assert_eq!(
        on_b.len(),
        accepted.len(),
        "refused transfers are not stored at the beneficiary"
    );
    // Every receipt verifies under beta's receipt key and alpha's log key.
    for id in &accepted {
        let file = dir.join(format!("{id}.receipt.json"));
        ok(&[
            "transfer",
            "show",
            "--config",
            a_cfg.to_str().unwrap(),
            id,
            "--receipt",
            file.to_str().unwrap(),
        ]);
        ok(&[
            "receipt",
            "verify",
            file.to_str().unwrap(),
            "--key",
            &key("beta.test", "receipt"),
            "--log-key",
            &key("alpha.test", "log"),
            "--envelope",
            id,
        ]);
    }
    assert_eq!(
        tally.duplicate_mismatch.load(Ordering::SeqCst),
        0,
        "a duplicate got a different reply (a second receipt)"
    );
    eprintln!(
        "faults: {n} transfers acknowledged in {:.0} s; {} attested calls, {} TRISA calls; cut before {}, cut after {}, duplicated {}, proofs flipped {}, envelopes flipped {}; {} completed on both sides, {} rejected",
        started.elapsed().as_secs_f64(),
        tally.attested_calls.load(Ordering::SeqCst),
        tally.trisa_calls.load(Ordering::SeqCst),
        tally.cut_before.load(Ordering::SeqCst),
        tally.cut_after.load(Ordering::SeqCst),
        tally.duplicated.load(Ordering::SeqCst),
        tally.flipped.load(Ordering::SeqCst),
        tally.envelopes_flipped.load(Ordering::SeqCst),
        accepted.len(),
        on_a.iter().filter(|(_, s)| s == "REJECTED").count()
    );
    assert!(
        tally.cut_before.load(Ordering::SeqCst) > 0 && tally.duplicated.load(Ordering::SeqCst) > 0
    );
    if n >= 30 {
        assert!(tally.envelopes_flipped.load(Ordering::SeqCst) > 0);
    }
    // A node with all proving keys and the whole SDN set stays under 1 GiB while proving
    // (alpha proved every transfer; its peak is what the kernel recorded).
    let alpha_peak = alpha.peak_rss_kib();
    let beta_peak = b.as_ref().map(Proc::peak_rss_kib).unwrap_or(0);
    eprintln!(
        "memory: alpha (proving) peak {} MiB, beta (verifying, since its last restart) peak {} MiB",
        alpha_peak / 1024,
        beta_peak / 1024
    );
    assert!(
        alpha_peak > 0 && alpha_peak < 1 << 20,
        "alpha peak {alpha_peak} KiB"
    );
    assert!(beta_peak < 1 << 20, "beta peak {beta_peak} KiB");
    drop(b);
}
