//! A network of zktr nodes on loopback in one process, as `zktr demo` and
//! `zktr bench attested` build it: a dev CA made for the run, node folders written by
//! [`crate::init::init`] (every listener on `127.0.0.1:0`, so the OS picks the ports),
//! an `[attest]` section that points at shared keys, policy and sanctions set, peers files
//! naming each other's log and receipt keys, and back-office clients of running nodes.
//!
//! Nothing here is a shortcut around the node: the nodes are started with
//! [`crate::start`] and talk over real sockets with mutual TLS under the CA's
//! certificates.

use crate::backoffice::{BackOffice, BackOfficeError};
use crate::certs::{self, CertsError, IssueRequest, IssuedPaths, KeyAlgorithm, Usage};
use crate::config::{AttestConfig, ConfigError, NodeConfig};
use crate::init::{self, InitError, InitOutcome, InitRequest, SealingAlgorithm};
use crate::server::RunningNode;
use ed25519_dalek::SigningKey;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use zktr_records::policy_file::{
    EXAMPLE_POLICY_JSON, PolicyFile, RequiredList, TrustedLog, TrustedPublisher,
};

/// Why the local network could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalNetError {
    /// The dev CA or a certificate.
    #[error(transparent)]
    Certs(#[from] CertsError),
    /// A node folder.
    #[error(transparent)]
    Init(#[from] InitError),
    /// A node's configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A back-office client.
    #[error(transparent)]
    BackOffice(#[from] BackOfficeError),
    /// A key file or peers file.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// A signing key file.
    #[error(transparent)]
    Key(#[from] crate::attest::AttestError),
    /// The example policy does not parse (a build defect).
    #[error("the example policy: {0}")]
    Policy(#[from] serde_json::Error),
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> LocalNetError + '_ {
    move |source| LocalNetError::File {
        path: path.to_path_buf(),
        source,
    }
}

/// A dev CA in a folder, and the node folders and certificates issued under it.
#[derive(Debug, Clone)]
pub struct LocalNet {
    /// The folder holding the CA (`ca/`) and one folder per node.
    pub root: PathBuf,
    /// The CA folder.
    pub ca: PathBuf,
}

impl LocalNet {
    /// Makes a dev CA named `ca_name` in `root/ca`, valid for `days`.
    pub fn new(root: &Path, ca_name: &str, days: u32) -> Result<Self, LocalNetError> {
        let ca = root.join("ca");
        certs::init_ca(
            &ca,
            ca_name,
            days,
            KeyAlgorithm::EcdsaP256,
            time::OffsetDateTime::now_utc(),
        )?;
        Ok(Self {
            root: root.to_path_buf(),
            ca,
        })
    }

    /// The CA certificate (PEM).
    pub fn ca_cert(&self) -> PathBuf {
        self.ca.join(certs::CA_CERT)
    }

    /// Writes the node folder `root/name` (X25519 sealing, every listener on an OS port).
    pub fn node(&self, name: &str) -> Result<InitOutcome, LocalNetError> {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Ok(init::init(&InitRequest {
            dir: self.root.join(name),
            name: name.into(),
            ca: Some(self.ca.clone()),
            sans: vec![],
            listen: [any, any, any],
            sealing: SealingAlgorithm::X25519,
        })?)
    }

    /// Issues a certificate for `name` (valid for `localhost`) into `root/certs`.
    pub fn issue(&self, name: &str, usage: Usage) -> Result<IssuedPaths, LocalNetError> {
        Ok(certs::issue(
            &self.ca,
            &IssueRequest {
                common_name: name.into(),
                sans: vec!["localhost".into(), "127.0.0.1".into()],
                usage,
                validity_days: 2,
                algorithm: KeyAlgorithm::EcdsaP256,
            },
            &self.root.join("certs"),
            time::OffsetDateTime::now_utc(),
        )?)
    }
}

/// The folder of the node whose `node.toml` is `config`.
fn node_dir(config: &Path) -> &Path {
    config.parent().unwrap_or(Path::new("."))
}

/// A node's public key `keys/<which>.pub` (`log` or `receipt`), hex.
pub fn public_key(config: &Path, which: &str) -> Result<String, LocalNetError> {
    let path = node_dir(config).join(format!("keys/{which}.pub"));
    std::fs::read_to_string(&path)
        .map(|s| s.trim().to_string())
        .map_err(file_error(&path))
}

/// A node's signing key `keys/<which>.key` (`log` or `receipt`).
pub fn signing_key(config: &Path, which: &str) -> Result<SigningKey, LocalNetError> {
    Ok(crate::attest::read_seed(
        &node_dir(config).join(format!("keys/{which}.key")),
    )?)
}

/// The `[attest]` section of the node whose `node.toml` is `config`, with its own log and
/// receipt keys, attesting `jurisdiction`'s threshold and applying the same to incoming
/// bundles; no officers.
pub fn attest_config(
    config: &Path,
    params: &Path,
    policy: &Path,
    sanctions: &Path,
    jurisdiction: &str,
) -> AttestConfig {
    let keys = node_dir(config).join("keys");
    AttestConfig {
        params: params.to_path_buf(),
        policy: policy.to_path_buf(),
        sanctions: vec![sanctions.to_path_buf()],
        jurisdiction: jurisdiction.into(),
        apply: vec![],
        log_key: keys.join("log.key"),
        receipt_key: keys.join("receipt.key"),
        log_id: None,
        allow_unattested: false,
        officers: vec![],
        price_quotes: vec![],
    }
}

/// Writes the peers file of `config`'s node: each `(name, its node.toml, running node)`
/// as a zktr peer with its log and receipt keys.
pub fn write_peers(
    config: &NodeConfig,
    peers: &[(&str, &Path, &RunningNode)],
) -> Result<(), LocalNetError> {
    let mut text = String::new();
    for (name, cfg, node) in peers {
        text.push_str(&format!(
            "[[peer]]\nname = \"{name}\"\nendpoint = \"{}\"\nserver_name = \"localhost\"\nzktr = true\nlog_key = \"{}\"\nreceipt_key = \"{}\"\n",
            node.peer_addr,
            public_key(cfg, "log")?,
            public_key(cfg, "receipt")?
        ));
    }
    std::fs::write(&config.peers.file, text).map_err(file_error(&config.peers.file))
}

/// A back-office client of a running node (its listener's actual port). Synchronous: call
/// it outside the runtime the node runs on.
pub fn backoffice(config: &NodeConfig, node: &RunningNode) -> Result<BackOffice, LocalNetError> {
    let mut c = config.clone();
    c.listen.backoffice = node.backoffice_addr;
    Ok(BackOffice::connect(&c)?)
}

/// The example policy (its jurisdictions' thresholds), trusting one publisher's list and
/// the given logs (`(log id, Ed25519 public key hex)`), allowing dev keys if `dev_keys`.
pub fn trusting_policy(
    publisher: &SigningKey,
    list_id: &str,
    min_key_count: Option<u64>,
    logs: &[(String, String)],
    dev_keys: bool,
) -> Result<PolicyFile, LocalNetError> {
    let mut file: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON)?;
    file.sanctions_publishers = vec![TrustedPublisher {
        name: "local publisher".into(),
        public_key: hex::encode(publisher.verifying_key().to_bytes()),
        max_age_seconds: 86_400,
        lists: vec![RequiredList {
            list_id: list_id.into(),
            min_version: None,
            max_age_seconds: None,
            min_key_count,
        }],
    }];
    file.logs = logs
        .iter()
        .map(|(log_id, key)| TrustedLog {
            log_id: log_id.clone(),
            public_key: key.clone(),
            max_tree_head_age_seconds: Some(3600),
        })
        .collect();
    file.verifying_keys.allow_dev_keys = dev_keys;
    Ok(file)
}
