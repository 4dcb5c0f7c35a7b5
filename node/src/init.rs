//! `zktr node init`: a working node folder for a development network in one step.
//!
//! ```text
//! DIR/node.toml          the configuration (every key commented; see node.example.toml)
//! DIR/peers.toml         the peers file (empty: add [[peer]] tables)
//! DIR/ca/                the network CA (created unless an existing one is given)
//! DIR/certs/<CN>.pem     the node's certificate (server + client, SANs: CN, localhost,
//!                        127.0.0.1) and .key
//! DIR/certs/<CN>-admin.pem  the back office's client certificate and .key
//! DIR/keys/sealing.pem   the sealing key (RSA-4096 by default, as TRISA; or X25519)
//! DIR/keys/storage.key   the storage key (64 hex digits, mode 0600)
//! DIR/keys/log.key, receipt.key  Ed25519 keys of our commitment log and our receipts
//!                        (64 hex digits, 0600; .pub beside them for peers)
//! DIR/data/              the database folder
//! ```
//!
//! Nothing existing is overwritten: a folder that already has a `node.toml` is refused.
//!
//! The regulator's API (`[regulator]`, [`crate::regulator::RegulatorConfig`]) is written
//! commented out, documented key by key, and `init` issues no regulator certificate. The
//! role names the *supervisor's* certificate: its key belongs to the supervisor, not in
//! the node's folder (an operator holding it could answer its own audit and sign the
//! requests in the audit log as the supervisor), and it is issued by whoever the
//! supervisor's network trusts (`zktr certs issue` on a dev network). An API that
//! discloses commitment openings stays off until the operator names who may call it;
//! uncommenting the block with the supervisor's certificate name is all it takes
//! (`audit_key` defaults to the `[attest]` log key that `init` wrote).

use crate::certs::{self, IssueRequest, KeyAlgorithm, Usage};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use zktr_trisa::SealingKey;

/// Which sealing key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SealingAlgorithm {
    /// RSA-4096, TRISA's default (RSA-OAEP-SHA512); what plain TRISA peers can use.
    #[default]
    Rsa4096,
    /// RSA-2048 (faster to generate; for tests).
    Rsa2048,
    /// X25519 with HPKE (zktr peers only).
    X25519,
}

impl core::str::FromStr for SealingAlgorithm {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "rsa4096" | "rsa" => Ok(Self::Rsa4096),
            "rsa2048" => Ok(Self::Rsa2048),
            "x25519" => Ok(Self::X25519),
            _ => Err(format!(
                "unknown sealing algorithm {s:?} (rsa4096, rsa2048, x25519)"
            )),
        }
    }
}

/// What `node init` needs.
#[derive(Debug, Clone)]
pub struct InitRequest {
    /// The node folder.
    pub dir: PathBuf,
    /// The node's name (certificate CN).
    pub name: String,
    /// An existing network CA folder (`zktr certs init`); a new one in `DIR/ca` if `None`.
    pub ca: Option<PathBuf>,
    /// Extra SANs for the node certificate.
    pub sans: Vec<String>,
    /// Listen addresses: peer, back office, HTTP.
    pub listen: [SocketAddr; 3],
    /// The sealing key to generate.
    pub sealing: SealingAlgorithm,
}

/// Why `node init` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The folder already holds a node.
    #[error("{0} already exists: refusing to overwrite a node")]
    Exists(PathBuf),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The CA step failed.
    #[error(transparent)]
    Certs(#[from] certs::CertsError),
    /// Key generation failed.
    #[error("sealing key: {0}")]
    Key(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InitError + '_ {
    move |source| InitError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_new(path: &Path, text: &str, mode: u32) -> Result<(), InitError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io(path))?;
    f.write_all(text.as_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Writes a new Ed25519 key: the secret seed as 64 hex digits to `path` (mode 0600), the
/// public key as 64 hex digits to `path` with `.pub` for `.key` (or `.pub` appended),
/// mode 0644; neither may exist. Returns the public key (hex). The format of the node's
/// log and receipt keys and of officers' clearance keys.
pub fn write_ed25519_key(path: &Path) -> Result<String, InitError> {
    let seed: [u8; 32] = zktr_trisa::crypto::random_bytes();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = hex::encode(key.verifying_key().to_bytes());
    let pub_path = public_key_path(path);
    if pub_path.exists() {
        return Err(io(&pub_path)(std::io::Error::from(
            std::io::ErrorKind::AlreadyExists,
        )));
    }
    write_new(path, &format!("{}\n", hex::encode(seed)), 0o600)?;
    write_new(&pub_path, &format!("{public}\n"), 0o644)?;
    Ok(public)
}

/// `x.key` -> `x.pub`; any other name gets `.pub` appended.
pub fn public_key_path(path: &Path) -> PathBuf {
    if path.extension().is_some_and(|e| e == "key") {
        path.with_extension("pub")
    } else {
        let mut p = path.as_os_str().to_owned();
        p.push(".pub");
        PathBuf::from(p)
    }
}

/// The files `node init` wrote.
#[derive(Debug, Clone)]
pub struct InitOutcome {
    /// `DIR/node.toml`.
    pub config: PathBuf,
    /// The CA folder used.
    pub ca_dir: PathBuf,
    /// The node certificate.
    pub cert: PathBuf,
    /// The sealing key's public half, PEM (to hand to peers out of band if wanted).
    pub sealing_public_pem: String,
    /// Our log key's public half (hex): peers put it as `log_key` in their peers file.
    pub log_public_key: String,
    /// Our receipt key's public half (hex): peers' `receipt_key`.
    pub receipt_public_key: String,
}

/// Writes a node folder.
pub fn init(req: &InitRequest) -> Result<InitOutcome, InitError> {
    let config = req.dir.join("node.toml");
    if config.exists() {
        return Err(InitError::Exists(config));
    }
    for sub in ["certs", "keys", "data"] {
        let p = req.dir.join(sub);
        std::fs::create_dir_all(&p).map_err(io(&p))?;
    }
    let now = time::OffsetDateTime::now_utc();
    let ca_dir = match &req.ca {
        Some(dir) => std::fs::canonicalize(dir).map_err(io(dir))?,
        None => {
            let dir = req.dir.join("ca");
            certs::init_ca(
                &dir,
                &format!("{} dev CA", req.name),
                3650,
                KeyAlgorithm::EcdsaP256,
                now,
            )?;
            dir
        }
    };
    let mut sans = vec![req.name.clone(), "localhost".into(), "127.0.0.1".into()];
    for s in &req.sans {
        if !sans.contains(s) {
            sans.push(s.clone());
        }
    }
    let certs_dir = req.dir.join("certs");
    let node = certs::issue(
        &ca_dir,
        &IssueRequest {
            common_name: req.name.clone(),
            sans,
            usage: Usage::Both,
            validity_days: 825,
            algorithm: KeyAlgorithm::EcdsaP256,
        },
        &certs_dir,
        now,
    )?;
    let admin_name = format!("{}-admin", req.name);
    let admin = certs::issue(
        &ca_dir,
        &IssueRequest {
            common_name: admin_name.clone(),
            sans: vec!["localhost".into()],
            usage: Usage::Client,
            validity_days: 825,
            algorithm: KeyAlgorithm::EcdsaP256,
        },
        &certs_dir,
        now,
    )?;
    let sealing = match req.sealing {
        SealingAlgorithm::X25519 => SealingKey::generate_x25519(),
        SealingAlgorithm::Rsa4096 | SealingAlgorithm::Rsa2048 => {
            let bits = if req.sealing == SealingAlgorithm::Rsa4096 {
                4096
            } else {
                2048
            };
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)
                .map_err(|e| InitError::Key(e.to_string()))?;
            SealingKey::Rsa(Box::new(key))
        }
    };
    let sealing_pem = sealing
        .to_pkcs8_pem()
        .map_err(|e| InitError::Key(e.to_string()))?;
    let sealing_path = req.dir.join("keys/sealing.pem");
    write_new(&sealing_path, &sealing_pem, 0o600)?;
    let sealing_public_pem = sealing
        .public_key()
        .to_pem()
        .map_err(|e| InitError::Key(e.to_string()))?;
    let storage_path = req.dir.join("keys/storage.key");
    write_new(
        &storage_path,
        &format!("{}\n", crate::vault::Vault::generate_hex()),
        0o600,
    )?;
    // The keys that sign our commitment log's tree heads and our receipts (attested
    // transfers); their public halves go to peers' peers files.
    let mut public_keys = Vec::new();
    for name in ["log", "receipt"] {
        public_keys.push(write_ed25519_key(
            &req.dir.join(format!("keys/{name}.key")),
        )?);
    }
    let peers = req.dir.join("peers.toml");
    if !peers.exists() {
        write_new(&peers, PEERS_TEMPLATE, 0o644)?;
    }
    let rel = |p: &Path| -> String {
        p.strip_prefix(&req.dir)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.display().to_string())
    };
    let text = CONFIG_TEMPLATE
        .replace("{name}", &req.name)
        .replace("{peer}", &req.listen[0].to_string())
        .replace("{backoffice}", &req.listen[1].to_string())
        .replace("{http}", &req.listen[2].to_string())
        .replace("{cert}", &rel(&node.cert))
        .replace("{key}", &rel(&node.key))
        .replace("{ca}", &rel(&ca_dir.join(certs::CA_CERT)))
        .replace("{crl}", &rel(&ca_dir.join(certs::CA_CRL)))
        .replace("{admin}", &admin_name)
        .replace("{admin_cert}", &rel(&admin.cert))
        .replace("{admin_key}", &rel(&admin.key));
    write_new(&config, &text, 0o644)?;
    Ok(InitOutcome {
        config,
        ca_dir,
        cert: node.cert,
        sealing_public_pem,
        log_public_key: public_keys[0].clone(),
        receipt_public_key: public_keys[1].clone(),
    })
}

const PEERS_TEMPLATE: &str = r#"# The counterparties of this node: one [[peer]] table each.
#
# [[peer]]
# name = "beta.example"          # the peer's certificate common name (its identity)
# endpoint = "127.0.0.1:4100"    # host:port of its peer port
# server_name = "localhost"      # optional: the name its certificate must carry
#                                # (default: the endpoint's host)
# ca = "other-ca.pem"            # optional: an extra CA trusted for this peer only
# fingerprint = "sha256:<hex>"   # optional: pin the peer's leaf certificate
# zktr = false                   # whether it speaks zktr's attested transfers
"#;

/// The configuration `node init` writes (placeholders in braces).
pub const CONFIG_TEMPLATE: &str = r#"# zktr node configuration (written by `zktr node init`; every key: node/node.example.toml).
# Relative paths are relative to this file's folder.

# This node's name: the subject common name of its certificate, as peers see it.
name = "{name}"

[listen]
peer = "{peer}"               # TRISA (and zktr) peers, mutual TLS
backoffice = "{backoffice}"   # the back office (zktr transfer ...), mutual TLS, admins only
http = "{http}"               # /healthz /readyz /metrics, plain HTTP

[tls]
cert = "{cert}"               # PEM chain, leaf first (RSA or ECDSA)
key = "{key}"                 # its private key
ca = ["{ca}"]                 # CAs whose certificates are trusted (add trisatest.dev's here)
crl = ["{crl}"]               # revocation lists; revoked certificates are refused

[sealing]
key = "keys/sealing.pem"      # envelopes are sealed to this key (RSA or X25519)

[storage]
data_dir = "data"             # node.db lives here
key_file = "keys/storage.key" # the storage key (or key_env = "VAR")

[peers]
file = "peers.toml"
key_ttl_secs = 3600           # peers' sealing keys are fetched again after this
allow_unknown = false         # refuse callers that are not in the peers file

[backoffice]
admins = ["{admin}"]          # certificate CNs allowed on the back-office listener
client_cert = "{admin_cert}"  # what `zktr transfer --config` presents
client_key = "{admin_key}"

[service]
maintenance = false           # Status says MAINTENANCE, other RPCs UNAVAILABLE
max_message_bytes = 4194304   # largest gRPC message in or out
request_timeout_secs = 30     # deadline of each call to a peer
incoming = "review"           # "review": hold valid incoming transfers for an officer;
                              # "accept": accept those to our customers' addresses at once
ivms101_violations = "review" # identities breaking IVMS101: "review" or "reject"
concurrency_per_connection = 64

# [attest]                    # attested transfers (proofs beside each envelope)
# params = "params"           # Groth16 keys (zktr setup, or a ceremony's params/)
# policy = "policy.json"      # what incoming bundles must satisfy; our threshold rules
# sanctions = "lists/sdn.zkts" # the signed sanctions set we screen against; or a list,
#                               # one per list the policy requires: ["sdn.zkts", "un.zkts"]
# jurisdiction = "FATF"       # the rule our transfers attest
# log_key = "keys/log.key"
# receipt_key = "keys/receipt.key"
# allow_unattested = true     # plain TRISA to peers that do not speak zktr
# price_quotes = ["prices/ETH-USD.json"] # signed quotes (zktr price quote), read at every
#                             # commitment: the fiat value is the amount's at the quote

# [regulator]                 # the supervisor's API on the peer port (docs/regulator.md)
# names = ["supervisor.example"] # certificate CNs (from a CA in tls.ca) with the role
# disclosable = ["fiat_value", "fiat_currency", "asset_amount", "asset_id"]
#                             # slots it may have opened; default: all but the parties'
#                             # name and id keys (guessable hashes of personal data)
# audit_key = "keys/log.key"  # signs the head of the log of regulator requests
#                             # (default: [attest] log_key, in another signature domain)
# [webhook]                   # ask the back office about every valid incoming transfer
# url = "https://backoffice.example/zktr"
# hmac_key_file = "keys/webhook.key"
# timeout_ms = 2000           # no answer in time: review
# ca_file = "keys/backoffice-ca.pem" # the webhook's private CA (default: public web roots)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_a_config_that_loads_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let req = InitRequest {
            dir: dir.path().join("alpha"),
            name: "alpha.test".into(),
            ca: None,
            sans: vec![],
            listen: [
                "127.0.0.1:0".parse().unwrap(),
                "127.0.0.1:0".parse().unwrap(),
                "127.0.0.1:0".parse().unwrap(),
            ],
            sealing: SealingAlgorithm::X25519,
        };
        let out = init(&req).unwrap();
        let cfg = crate::config::NodeConfig::load(&out.config).unwrap();
        assert_eq!(cfg.name, "alpha.test");
        assert!(cfg.tls.cert.exists() && cfg.tls.key.exists() && cfg.sealing.key.exists());
        assert!(crate::vault::Vault::load(&cfg.storage).is_ok());
        assert!(matches!(init(&req), Err(InitError::Exists(_))));
        assert!(
            cfg.regulator.is_none(),
            "the regulator's API is off as written"
        );
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node.example.toml");
        let example = crate::config::NodeConfig::load(&example);
        assert!(example.is_ok(), "node.example.toml must load: {example:?}");
    }

    /// The written `[regulator]` block, uncommented line by line, loads with the
    /// regulator role; `audit_key` points at the log key `init` wrote.
    #[test]
    fn the_written_regulator_block_uncommented_gives_the_role() {
        let dir = tempfile::tempdir().unwrap();
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let out = init(&InitRequest {
            dir: dir.path().join("alpha"),
            name: "alpha.test".into(),
            ca: None,
            sans: vec![],
            listen: [any; 3],
            sealing: SealingAlgorithm::X25519,
        })
        .unwrap();
        let text = std::fs::read_to_string(&out.config).unwrap();
        let mut inside = false;
        let mut uncommented = 0;
        let edited: Vec<String> = text
            .lines()
            .map(|l| {
                if l.starts_with("# [") {
                    inside = l.starts_with("# [regulator]");
                }
                match l.strip_prefix("# ") {
                    Some(rest) if inside => {
                        uncommented += 1;
                        rest.to_string()
                    }
                    _ => l.to_string(),
                }
            })
            .collect();
        assert!(uncommented >= 4, "the block has its keys: {text}");
        let edited = edited.join("\n").replace(
            r#"names = ["supervisor.example"]"#,
            r#"names = ["supervisor.test"]"#,
        );
        std::fs::write(&out.config, &edited).unwrap();
        let cfg = crate::config::NodeConfig::load(&out.config).unwrap();
        let r = cfg.regulator.as_ref().expect("a [regulator] section");
        assert_eq!(r.names, ["supervisor.test"]);
        assert!(r.audit_key.as_ref().is_some_and(|k| k.exists()), "{r:?}");
        let slots = r.disclosable_slots().unwrap();
        assert_eq!(slots.len(), 4);
        assert!(!slots.contains(&zktr_circuits::commitment::Slot::OriginatorNameKey));
        // The key it names is one the regulator service can read.
        let key = std::fs::read_to_string(r.audit_key.as_ref().unwrap()).unwrap();
        assert_eq!(hex::decode(key.trim()).unwrap().len(), 32);
        // The attested section stays commented: only the block asked for was changed.
        assert!(cfg.attest.is_none());
    }
}
