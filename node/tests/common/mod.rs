//! Real nodes on loopback for the node's tests: a dev CA from `certs`, node folders from
//! `init`, `start` on port 0, peers files pointing at the bound ports.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zktr_node::backoffice::BackOffice;
use zktr_node::certs::{self, IssueRequest, KeyAlgorithm, Usage};
use zktr_node::client::Dialer;
use zktr_node::config::PeerEntry;
use zktr_node::init::{InitRequest, SealingAlgorithm};
use zktr_node::tls::Identity;
use zktr_node::{NodeConfig, RunningNode};

pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}

pub fn fixture_identity_json() -> String {
    std::fs::read_to_string(shared_data().join("ivms101/trisa/identity_payload.json"))
        .expect("../shared/data/ivms101/trisa/identity_payload.json")
}

/// A dev network: one CA in a temporary folder.
pub struct Net {
    pub dir: tempfile::TempDir,
}

impl Net {
    pub fn new() -> Self {
        zktr_node::tls::install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        certs::init_ca(
            &dir.path().join("ca"),
            "test network CA",
            30,
            KeyAlgorithm::EcdsaP256,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        Self { dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca")
    }

    pub fn ca_cert(&self) -> PathBuf {
        self.ca().join("ca.pem")
    }

    /// `node init` a node folder; returns its config path.
    pub fn node(&self, name: &str, sealing: SealingAlgorithm) -> PathBuf {
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        zktr_node::init::init(&InitRequest {
            dir: self.dir.path().join(name),
            name: name.into(),
            ca: Some(self.ca()),
            sans: vec![],
            listen: [any, any, any],
            sealing,
        })
        .unwrap()
        .config
    }

    /// A client certificate of this network's CA.
    pub fn client(&self, name: &str) -> Identity {
        let out = self.dir.path().join("clients");
        let p = certs::issue(
            &self.ca(),
            &IssueRequest {
                common_name: name.into(),
                sans: vec!["localhost".into()],
                usage: Usage::Both,
                validity_days: 5,
                algorithm: KeyAlgorithm::EcdsaP256,
            },
            &out,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        Identity::load(&p.cert, &p.key).unwrap()
    }

    /// A client certificate issued before (by [`Net::client`]).
    pub fn client_identity_again(&self, name: &str) -> Identity {
        let (cert, key) = self.client_paths(name);
        Identity::load(&cert, &key).unwrap()
    }

    pub fn client_paths(&self, name: &str) -> (PathBuf, PathBuf) {
        let out = self.dir.path().join("clients");
        (
            out.join(format!("{name}.pem")),
            out.join(format!("{name}.key")),
        )
    }
}

pub fn load(config: &Path) -> NodeConfig {
    NodeConfig::load(config).unwrap()
}

pub async fn start(config: &Path, edit: impl FnOnce(&mut NodeConfig)) -> RunningNode {
    let mut c = load(config);
    edit(&mut c);
    zktr_node::start(c).await.unwrap()
}

/// Writes `config`'s peers file: each (name, running node).
pub fn set_peers(config: &Path, peers: &[(&str, SocketAddr)]) {
    let c = load(config);
    let mut text = String::new();
    for (name, addr) in peers {
        text.push_str(&format!(
            "[[peer]]\nname = \"{name}\"\nendpoint = \"{addr}\"\nserver_name = \"localhost\"\n\n"
        ));
    }
    // A new mtime even within the same clock tick: remove, then write.
    let _ = std::fs::remove_file(&c.peers.file);
    std::fs::write(&c.peers.file, text).unwrap();
}

/// Adds a peer entry without a running node (e.g. a test client's name).
pub fn add_peer(config: &Path, name: &str) {
    let c = load(config);
    let mut text = std::fs::read_to_string(&c.peers.file).unwrap_or_default();
    text.push_str(&format!(
        "[[peer]]\nname = \"{name}\"\nendpoint = \"127.0.0.1:9\"\n\n"
    ));
    let _ = std::fs::remove_file(&c.peers.file);
    std::fs::write(&c.peers.file, text).unwrap();
}

/// The back office of a running node, called from a blocking thread.
pub async fn backoffice<T: Send + 'static>(
    config: &Path,
    node: &RunningNode,
    f: impl FnOnce(&mut BackOffice) -> T + Send + 'static,
) -> T {
    let mut c = load(config);
    c.listen.backoffice = node.backoffice_addr;
    tokio::task::spawn_blocking(move || {
        let mut bo = BackOffice::connect(&c).unwrap();
        f(&mut bo)
    })
    .await
    .unwrap()
}

/// A raw TRISA client presenting `identity`, dialing `node`.
pub fn dialer(net: &Net, identity: Identity) -> Dialer {
    Dialer::new(
        identity,
        vec![net.ca_cert()],
        vec![],
        4 << 20,
        Duration::from_secs(10),
    )
}

pub fn entry(name: &str, node: &RunningNode) -> PeerEntry {
    PeerEntry {
        name: name.into(),
        endpoint: node.peer_addr.to_string(),
        server_name: Some("localhost".into()),
        ca: None,
        fingerprint: None,
        zktr: false,
        log_key: None,
        receipt_key: None,
    }
}

/// Polls `check` until it holds (at most `secs` seconds).
pub async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// `GET path` over plain HTTP/1.1: (status, body).
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}
