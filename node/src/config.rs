//! The node's configuration file (`node.toml`) and the peers file (`peers.toml`).
//!
//! Every relative path in either file is relative to the folder of the file that names
//! it, so a node folder can be moved as a whole. [`NodeConfig::load`] reads and checks
//! the file (unknown keys are refused, so a typo is an error and not a silently ignored
//! setting); the files it names are read when the node starts ([`crate::tls`],
//! [`crate::server`]), and any that is missing or does not match is a startup error
//! naming it. `node/node.example.toml` is the commented example of every key.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a configuration could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's error (line and column included).
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A value is out of range or inconsistent.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Where the node listens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    /// The peer port: TRISA (and zktr) over mutual TLS.
    pub peer: SocketAddr,
    /// The back-office gRPC listener (mutual TLS, admin certificates only).
    pub backoffice: SocketAddr,
    /// Plain HTTP: `/healthz`, `/readyz`, `/metrics`.
    pub http: SocketAddr,
}

/// The node's TLS identity and trust.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain (leaf first). RSA (as TRISA issues) or ECDSA.
    pub cert: PathBuf,
    /// PEM private key of the leaf (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM files of the CAs whose client and server certificates are trusted.
    pub ca: Vec<PathBuf>,
    /// Optional PEM (or DER) certificate revocation lists; revoked certificates are refused
    /// at the handshake.
    #[serde(default)]
    pub crl: Vec<PathBuf>,
}

/// The key envelopes are sealed to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealingConfig {
    /// PEM private key: RSA (TRISA's RSA-OAEP-SHA512) or X25519 (HPKE).
    pub key: PathBuf,
}

/// Where the storage key comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// The folder of the database (`node.db`).
    pub data_dir: PathBuf,
    /// A file holding the 32-byte storage key as 64 hex digits.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// Or the name of an environment variable holding it (64 hex digits).
    #[serde(default)]
    pub key_env: Option<String>,
}

/// The peers file and how long peers' sealing keys are kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeersConfig {
    /// The peers file (TOML, `[[peer]]` tables; see [`PeersFile`]).
    pub file: PathBuf,
    /// Seconds a peer's sealing key from KeyExchange is used before it is fetched again.
    #[serde(default = "default_key_ttl")]
    pub key_ttl_secs: u64,
    /// Whether callers whose certificate is trusted but whose name is not in the peers
    /// file may transfer to us. Off by default: the peers file is the allow-list.
    #[serde(default)]
    pub allow_unknown: bool,
}

fn default_key_ttl() -> u64 {
    3600
}

/// The back-office listener's clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackOfficeConfig {
    /// Subject common names of the certificates allowed on the back-office listener.
    pub admins: Vec<String>,
    /// The certificate `zktr transfer ...` presents (one of `admins`).
    pub client_cert: PathBuf,
    /// Its private key.
    pub client_key: PathBuf,
}

/// What the beneficiary side does with a valid incoming transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum IncomingDecision {
    /// Hold it for an officer (reply PENDING; accept or reject later). The default.
    #[default]
    Review,
    /// Accept it at once when the beneficiary address is one of our customers'.
    Accept,
}

/// What the beneficiary side does with an identity that breaks IVMS101's constraints
/// (C1-C12; an identity without originator or beneficiary persons is always refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ViolationPolicy {
    /// Hold it for an officer, with the violations in the note (the default: TRISA's
    /// own reference payloads break several constraints).
    #[default]
    Review,
    /// Refuse it with VALIDATION_ERROR (retry: the originator may repair it).
    Reject,
}

/// Service behaviour and limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Maintenance mode: Status says MAINTENANCE, every other RPC is UNAVAILABLE.
    #[serde(default)]
    pub maintenance: bool,
    /// Largest gRPC message accepted or sent, in bytes.
    #[serde(default = "default_max_message")]
    pub max_message_bytes: usize,
    /// Deadline of one RPC to a peer, in seconds.
    #[serde(default = "default_timeout")]
    pub request_timeout_secs: u64,
    /// What happens to a valid incoming transfer.
    #[serde(default)]
    pub incoming: IncomingDecision,
    /// What happens to an incoming identity that breaks IVMS101's constraints.
    #[serde(default)]
    pub ivms101_violations: ViolationPolicy,
    /// Most transfers handled at once per connection.
    #[serde(default = "default_concurrency")]
    pub concurrency_per_connection: usize,
}

fn default_max_message() -> usize {
    4 * 1024 * 1024
}
fn default_timeout() -> u64 {
    30
}
fn default_concurrency() -> usize {
    64
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            maintenance: false,
            max_message_bytes: default_max_message(),
            request_timeout_secs: default_timeout(),
            incoming: IncomingDecision::default(),
            ivms101_violations: ViolationPolicy::default(),
            concurrency_per_connection: default_concurrency(),
        }
    }
}

/// The optional webhook the node asks about every valid incoming transfer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `https://...` (or `http://` on a loopback address only).
    pub url: String,
    /// A file holding the HMAC-SHA256 key (hex) that signs each request body.
    pub hmac_key_file: PathBuf,
    /// PEM file of the CA certificate(s) that the webhook's HTTPS certificate must chain
    /// to, for a back office behind a private CA. Absent: the public web roots (Mozilla's
    /// list, built in). When set, only these CAs are trusted.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// How long to wait for an answer; no answer in time means review (PENDING).
    #[serde(default = "default_webhook_timeout")]
    pub timeout_ms: u64,
}

/// A path or a list of paths (`sanctions = "a.zkts"` or `sanctions = ["a.zkts", "b.zkts"]`).
fn one_or_many_paths<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(ps) => ps,
    })
}

fn default_webhook_timeout() -> u64 {
    2000
}

/// Attested transfers: what the node proves with and verifies against (issue 14). Without
/// this section the node speaks plain TRISA only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttestConfig {
    /// The Groth16 keys (`zktr setup --out DIR`, or a ceremony's `params/`).
    pub params: PathBuf,
    /// The verifier policy incoming bundles must satisfy (and whose threshold rules we
    /// attest), e.g. `params/policy.example.json`.
    pub policy: PathBuf,
    /// The signed sanctions sets (`.zkts`) both parties are screened against: one file,
    /// or a list of files, one per list the policy requires (their roots travel in the
    /// bundle in this order; more than one makes a version-3 bundle).
    #[serde(deserialize_with = "one_or_many_paths")]
    pub sanctions: Vec<PathBuf>,
    /// The policy jurisdiction whose threshold our transfers attest (`FATF`, `US`, ...).
    pub jurisdiction: String,
    /// The jurisdictions whose rules we apply to incoming bundles (default: `jurisdiction`).
    #[serde(default)]
    pub apply: Vec<String>,
    /// Our commitment log's Ed25519 key (64 hex digits; `zktr node init` writes one).
    pub log_key: PathBuf,
    /// Our receipt key (64 hex digits).
    pub receipt_key: PathBuf,
    /// Our log's id in tree heads (default: the node's name).
    #[serde(default)]
    pub log_id: Option<String>,
    /// Whether a transfer to a peer that does not speak zktr may go as plain TRISA (the
    /// record says it was sent unattested). Default true.
    #[serde(default = "default_true")]
    pub allow_unattested: bool,
    /// Our compliance officers: whose signed clearances of a name hit let a held transfer
    /// go on (`zktr transfer clear`). Empty: a name hit can only be rejected.
    #[serde(default)]
    pub officers: Vec<OfficerEntry>,
    /// Signed price quote files (`zktr price quote`; typically one per asset and
    /// currency, replaced by the price publisher's refresher). Each is checked at startup
    /// (a publisher the policy trusts) and read again at every commitment: the fiat value
    /// of a transfer is its asset amount's value at the quote's price (`threshold/v2`).
    /// Empty: transfers are unpriced (`threshold/v1`), which a policy must allow.
    #[serde(default)]
    pub price_quotes: Vec<PathBuf>,
}

/// One of our compliance officers (`[[attest.officers]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerEntry {
    /// The officer's name or staff id, as their clearances name them.
    pub name: String,
    /// The officer's Ed25519 public key, 64 hex digits (`zktr officer keygen`).
    pub public_key: String,
}

fn default_true() -> bool {
    true
}

/// The whole `node.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// This node's name: the subject common name of its certificate, as peers see it.
    pub name: String,
    /// Listen addresses.
    pub listen: ListenConfig,
    /// TLS identity and trust.
    pub tls: TlsConfig,
    /// The sealing key.
    pub sealing: SealingConfig,
    /// Storage.
    pub storage: StorageConfig,
    /// Peers.
    pub peers: PeersConfig,
    /// Back office.
    pub backoffice: BackOfficeConfig,
    /// Service behaviour.
    #[serde(default)]
    pub service: ServiceConfig,
    /// Optional webhook.
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
    /// Attested transfers (optional).
    #[serde(default)]
    pub attest: Option<AttestConfig>,
    /// The regulator API (optional): who has the role, what may be disclosed.
    #[serde(default)]
    pub regulator: Option<crate::regulator::RegulatorConfig>,
    /// The file this was read from (set by [`NodeConfig::load`]).
    #[serde(skip)]
    pub path: PathBuf,
}

/// Largest config or peers file read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

pub(crate) fn read_small(path: &Path, limit: u64) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("larger than {limit} bytes"),
        });
    }
    Ok(buf)
}

pub(crate) fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let bytes = read_small(path, MAX_CONFIG_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| ConfigError::Invalid {
        path: path.to_path_buf(),
        message: "not UTF-8".into(),
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

pub(crate) fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

impl NodeConfig {
    /// Reads and checks `path`; relative paths inside become relative to its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut c: NodeConfig = read_toml(path)?;
        c.path = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        c.tls.cert = resolve(&base, &c.tls.cert);
        c.tls.key = resolve(&base, &c.tls.key);
        c.tls.ca = c.tls.ca.iter().map(|p| resolve(&base, p)).collect();
        c.tls.crl = c.tls.crl.iter().map(|p| resolve(&base, p)).collect();
        c.sealing.key = resolve(&base, &c.sealing.key);
        c.storage.data_dir = resolve(&base, &c.storage.data_dir);
        c.storage.key_file = c.storage.key_file.as_ref().map(|p| resolve(&base, p));
        c.peers.file = resolve(&base, &c.peers.file);
        c.backoffice.client_cert = resolve(&base, &c.backoffice.client_cert);
        c.backoffice.client_key = resolve(&base, &c.backoffice.client_key);
        if let Some(w) = &mut c.webhook {
            w.hmac_key_file = resolve(&base, &w.hmac_key_file);
            w.ca_file = w.ca_file.as_ref().map(|p| resolve(&base, p));
        }
        if let Some(a) = &mut c.attest {
            a.params = resolve(&base, &a.params);
            a.policy = resolve(&base, &a.policy);
            for p in &mut a.sanctions {
                *p = resolve(&base, p);
            }
            a.log_key = resolve(&base, &a.log_key);
            a.receipt_key = resolve(&base, &a.receipt_key);
        }
        if let Some(r) = &mut c.regulator {
            r.audit_key = r.audit_key.as_ref().map(|p| resolve(&base, p));
        }
        c.check()?;
        Ok(c)
    }

    fn invalid(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            message: message.into(),
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.name.trim().is_empty() {
            return Err(self.invalid("`name` is empty"));
        }
        if self.tls.ca.is_empty() {
            return Err(self.invalid("`tls.ca` names no CA file: peers could not be verified"));
        }
        match (&self.storage.key_file, &self.storage.key_env) {
            (None, None) => {
                return Err(self.invalid("`storage` needs `key_file` or `key_env`"));
            }
            (Some(_), Some(_)) => {
                return Err(self.invalid("`storage` takes `key_file` or `key_env`, not both"));
            }
            _ => {}
        }
        if self.backoffice.admins.is_empty() {
            return Err(self.invalid("`backoffice.admins` is empty: nobody could drive the node"));
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.service.max_message_bytes) {
            return Err(self.invalid("`service.max_message_bytes` must be 1 KiB to 64 MiB"));
        }
        if self.service.request_timeout_secs == 0 || self.service.request_timeout_secs > 600 {
            return Err(self.invalid("`service.request_timeout_secs` must be 1..=600"));
        }
        if self.peers.key_ttl_secs == 0 {
            return Err(self.invalid("`peers.key_ttl_secs` must be positive"));
        }
        let ports = [self.listen.peer, self.listen.backoffice, self.listen.http];
        for (i, a) in ports.iter().enumerate() {
            if a.port() != 0 && ports[i + 1..].contains(a) {
                return Err(self.invalid(format!("listen address {a} is used twice")));
            }
        }
        if let Some(r) = &self.regulator {
            r.check().map_err(|m| self.invalid(m))?;
        }
        if let Some(w) = &self.webhook {
            let loopback_http = w.url.starts_with("http://127.0.0.1")
                || w.url.starts_with("http://[::1]")
                || w.url.starts_with("http://localhost");
            if !w.url.starts_with("https://") && !loopback_http {
                return Err(self.invalid(
                    "`webhook.url` must be https:// (plain http only on a loopback address)",
                ));
            }
        }
        Ok(())
    }

    /// The RPC deadline towards peers.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.service.request_timeout_secs)
    }

    /// The database file.
    pub fn database_path(&self) -> PathBuf {
        self.storage.data_dir.join("node.db")
    }
}

/// One counterparty in the peers file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PeerEntry {
    /// The peer's certificate subject common name (its identity).
    pub name: String,
    /// `host:port` of its peer port.
    pub endpoint: String,
    /// The name its server certificate must carry (default: the endpoint's host).
    #[serde(default)]
    pub server_name: Option<String>,
    /// An extra CA (PEM) trusted for this peer only.
    #[serde(default)]
    pub ca: Option<PathBuf>,
    /// Optional pin: `sha256:<hex>` of the peer's leaf certificate (DER).
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Whether the peer speaks zktr's attested transfers (next issue); plain TRISA if not.
    #[serde(default)]
    pub zktr: bool,
    /// The peer's commitment-log key (Ed25519, hex), for attested transfers.
    #[serde(default)]
    pub log_key: Option<String>,
    /// The peer's receipt key (Ed25519, hex), for attested transfers.
    #[serde(default)]
    pub receipt_key: Option<String>,
}

impl PeerEntry {
    /// The TLS server name to verify: `server_name`, else the endpoint's host.
    pub fn tls_server_name(&self) -> String {
        if let Some(s) = &self.server_name {
            return s.clone();
        }
        let ep = self.endpoint.trim_start_matches("https://");
        match ep.rsplit_once(':') {
            Some((host, _)) => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            None => ep.to_string(),
        }
    }
}

/// The peers file: `[[peer]]` tables.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeersFile {
    /// The peers.
    #[serde(default)]
    pub peer: Vec<PeerEntry>,
}

impl PeersFile {
    /// Reads `path` (a missing file is an empty list); relative paths become relative to
    /// its folder. Names must be unique.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let mut f: PeersFile = read_toml(path)?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for p in &mut f.peer {
            p.ca = p.ca.as_ref().map(|c| resolve(&base, c));
            if p.name.is_empty() || p.endpoint.is_empty() {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: "a [[peer]] needs `name` and `endpoint`".into(),
                });
            }
            if let Some(fp) = &p.fingerprint
                && !(fp.starts_with("sha256:")
                    && fp.len() == 7 + 64
                    && fp[7..].chars().all(|c| c.is_ascii_hexdigit()))
            {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("peer {}: fingerprint must be sha256:<64 hex>", p.name),
                });
            }
        }
        let mut names: Vec<&str> = f.peer.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: format!("peer {} is listed twice", w[0]),
            });
        }
        Ok(f)
    }

    /// The peer named `name`.
    pub fn get(&self, name: &str) -> Option<&PeerEntry> {
        self.peer.iter().find(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "alpha.test"
[listen]
peer = "127.0.0.1:4000"
backoffice = "127.0.0.1:4001"
http = "127.0.0.1:4002"
[tls]
cert = "certs/alpha.pem"
key = "certs/alpha.key"
ca = ["ca/ca.pem"]
[sealing]
key = "keys/sealing.pem"
[storage]
data_dir = "data"
key_file = "keys/storage.key"
[peers]
file = "peers.toml"
[backoffice]
admins = ["admin"]
client_cert = "certs/admin.pem"
client_key = "certs/admin.key"
"#;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("node.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn paths_are_relative_to_the_file_and_defaults_apply() {
        let dir = tempfile::tempdir().unwrap();
        let c = NodeConfig::load(&write(dir.path(), MINIMAL)).unwrap();
        assert_eq!(c.tls.cert, dir.path().join("certs/alpha.pem"));
        assert_eq!(c.database_path(), dir.path().join("data/node.db"));
        assert_eq!(c.service.incoming, IncomingDecision::Review);
        assert_eq!(c.peers.key_ttl_secs, 3600);
        assert!(!c.peers.allow_unknown);
    }

    #[test]
    fn typos_and_inconsistencies_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let typo = MINIMAL.replace("[sealing]\nkey", "[sealing]\nkee");
        let e = NodeConfig::load(&write(dir.path(), &typo)).unwrap_err();
        assert!(e.to_string().contains("node.toml"), "{e}");
        let both = MINIMAL.replace(
            "key_file = \"keys/storage.key\"",
            "key_file = \"k\"\nkey_env = \"K\"",
        );
        let e = NodeConfig::load(&write(dir.path(), &both)).unwrap_err();
        assert!(e.to_string().contains("not both"), "{e}");
        let same = MINIMAL.replace("127.0.0.1:4002", "127.0.0.1:4001");
        let e = NodeConfig::load(&write(dir.path(), &same)).unwrap_err();
        assert!(e.to_string().contains("used twice"), "{e}");
        let hook =
            format!("{MINIMAL}[webhook]\nurl = \"http://hooks.example\"\nhmac_key_file = \"h\"\n");
        let e = NodeConfig::load(&write(dir.path(), &hook)).unwrap_err();
        assert!(e.to_string().contains("https"), "{e}");
        let e = NodeConfig::load(&dir.path().join("missing.toml")).unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }));
    }

    #[test]
    fn attest_sanctions_is_one_file_or_a_list_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let attest = |sanctions: &str| {
            format!(
                "{MINIMAL}[attest]\nparams = \"params\"\npolicy = \"policy.json\"\nsanctions = {sanctions}\njurisdiction = \"FATF\"\nlog_key = \"keys/log.key\"\nreceipt_key = \"keys/receipt.key\"\n"
            )
        };
        let one = NodeConfig::load(&write(dir.path(), &attest("\"lists/sdn.zkts\"")))
            .unwrap()
            .attest
            .unwrap();
        assert_eq!(one.sanctions, vec![dir.path().join("lists/sdn.zkts")]);
        let two = NodeConfig::load(&write(
            dir.path(),
            &attest("[\"lists/sdn.zkts\", \"lists/un.zkts\"]"),
        ))
        .unwrap()
        .attest
        .unwrap();
        assert_eq!(
            two.sanctions,
            vec![
                dir.path().join("lists/sdn.zkts"),
                dir.path().join("lists/un.zkts")
            ]
        );
        let e = NodeConfig::load(&write(dir.path(), &attest("7"))).unwrap_err();
        assert!(e.to_string().contains("node.toml"), "{e}");
    }

    #[test]
    fn peers_file_checks_names_and_pins() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("peers.toml");
        std::fs::write(
            &p,
            "[[peer]]\nname = \"b\"\nendpoint = \"localhost:1\"\n[[peer]]\nname = \"b\"\nendpoint = \"x:2\"\n",
        )
        .unwrap();
        assert!(
            PeersFile::load(&p)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        std::fs::write(
            &p,
            "[[peer]]\nname = \"b\"\nendpoint = \"[::1]:1\"\nfingerprint = \"md5:00\"\n",
        )
        .unwrap();
        assert!(PeersFile::load(&p).is_err());
        std::fs::write(&p, "[[peer]]\nname = \"b\"\nendpoint = \"[::1]:1\"\n").unwrap();
        let f = PeersFile::load(&p).unwrap();
        assert_eq!(f.get("b").unwrap().tls_server_name(), "::1");
        assert!(
            PeersFile::load(&dir.path().join("none.toml"))
                .unwrap()
                .peer
                .is_empty()
        );
    }
}
