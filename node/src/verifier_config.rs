//! The verifier service's configuration file (`verifier.toml`, read by
//! `zktr verifier --config FILE`); `node/verifier.example.toml` is the commented example
//! of every key.
//!
//! Relative paths are relative to the folder of the file. [`VerifierConfig::load`] reads
//! and checks it (unknown keys are refused, so a typo is an error); the files it names
//! (certificate, key, CAs, policy, verifying keys) are read when the service starts
//! ([`crate::verifier_service::start`]), each failure naming its file.

use crate::config::{ConfigError, read_toml, resolve};
use crate::tls::ClientAuth;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the verifier listens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierListen {
    /// The gRPC port (`zktr.verifier.v1.Verifier` over TLS).
    pub grpc: SocketAddr,
    /// Plain HTTP: `/healthz`, `/readyz`, `/metrics`.
    pub http: SocketAddr,
}

/// The verifier's TLS identity and which clients it accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierTls {
    /// PEM certificate chain (leaf first).
    pub cert: PathBuf,
    /// PEM private key of the leaf.
    pub key: PathBuf,
    /// Whether clients must present a certificate: `required`, `optional` (the default:
    /// anyone may verify, a presented certificate must verify) or `none`.
    #[serde(default = "default_client_auth")]
    pub client_auth: ClientAuth,
    /// PEM files of the CAs whose client certificates are trusted (needed unless
    /// `client_auth = "none"`).
    #[serde(default)]
    pub ca: Vec<PathBuf>,
    /// Optional certificate revocation lists (PEM or DER).
    #[serde(default)]
    pub crl: Vec<PathBuf>,
}

fn default_client_auth() -> ClientAuth {
    ClientAuth::Optional
}

/// What bundles are verified against.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierPolicy {
    /// The policy file (JSON, `params/policy.example.json`'s format).
    pub policy: PathBuf,
    /// The parameters folder: verifying keys and their `manifest.json`.
    pub params: PathBuf,
    /// Policy jurisdictions applied when a request names none (each must be in the
    /// policy).
    #[serde(default = "default_jurisdictions")]
    pub jurisdictions: Vec<String>,
    /// Whether requests may set `as_of` (judge freshness at a past time, e.g. for an
    /// audit). Default true: the caller only decides what it asks.
    #[serde(default = "default_true")]
    pub allow_as_of: bool,
}

fn default_jurisdictions() -> Vec<String> {
    vec!["FATF".into()]
}

fn default_true() -> bool {
    true
}

/// Limits and batching.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierService {
    /// Largest gRPC message accepted or sent, in bytes (a bundle is about 1.5 KB).
    #[serde(default = "default_max_message")]
    pub max_message_bytes: usize,
    /// Most bundles of a stream verified together in one batch.
    #[serde(default = "default_max_batch")]
    pub max_batch: usize,
    /// How long a stream's batch waits for more bundles once it has one, milliseconds
    /// (0: take only what has already arrived).
    #[serde(default = "default_linger")]
    pub batch_linger_ms: u64,
    /// Most requests handled at once on one connection.
    #[serde(default = "default_concurrency")]
    pub concurrency_per_connection: usize,
    /// Seconds in-flight requests may take to finish after SIGTERM.
    #[serde(default = "default_drain")]
    pub shutdown_grace_secs: u64,
}

fn default_max_message() -> usize {
    1024 * 1024
}
fn default_max_batch() -> usize {
    64
}
fn default_linger() -> u64 {
    2
}
fn default_concurrency() -> usize {
    32
}
fn default_drain() -> u64 {
    30
}

impl Default for VerifierService {
    fn default() -> Self {
        Self {
            max_message_bytes: default_max_message(),
            max_batch: default_max_batch(),
            batch_linger_ms: default_linger(),
            concurrency_per_connection: default_concurrency(),
            shutdown_grace_secs: default_drain(),
        }
    }
}

/// `verifier.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierConfig {
    /// Listeners.
    pub listen: VerifierListen,
    /// TLS.
    pub tls: VerifierTls,
    /// Policy and keys.
    pub verify: VerifierPolicy,
    /// Limits and batching.
    #[serde(default)]
    pub service: VerifierService,
    /// The file this was read from (relative paths are relative to its folder).
    #[serde(skip)]
    pub path: PathBuf,
}

impl VerifierConfig {
    /// Reads and checks `path`; relative paths inside become relative to its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut c: VerifierConfig = read_toml(path)?;
        c.path = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        c.tls.cert = resolve(&base, &c.tls.cert);
        c.tls.key = resolve(&base, &c.tls.key);
        c.tls.ca = c.tls.ca.iter().map(|p| resolve(&base, p)).collect();
        c.tls.crl = c.tls.crl.iter().map(|p| resolve(&base, p)).collect();
        c.verify.policy = resolve(&base, &c.verify.policy);
        c.verify.params = resolve(&base, &c.verify.params);
        c.check()?;
        Ok(c)
    }

    fn invalid(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.clone(),
            message: message.into(),
        }
    }

    /// Checks values and their consistency (also for configs built in code).
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.tls.client_auth != ClientAuth::None && self.tls.ca.is_empty() {
            return Err(self.invalid(
                "`tls.ca` names no CA file: client certificates could not be verified (or set `tls.client_auth = \"none\"`)",
            ));
        }
        if self.verify.jurisdictions.is_empty() {
            return Err(self.invalid("`verify.jurisdictions` is empty"));
        }
        let s = &self.service;
        if !(1024..=64 * 1024 * 1024).contains(&s.max_message_bytes) {
            return Err(self.invalid("`service.max_message_bytes` must be 1 KiB to 64 MiB"));
        }
        if !(1..=4096).contains(&s.max_batch) {
            return Err(self.invalid("`service.max_batch` must be 1..=4096"));
        }
        if s.batch_linger_ms > 1000 {
            return Err(self.invalid("`service.batch_linger_ms` must be at most 1000"));
        }
        if !(1..=1024).contains(&s.concurrency_per_connection) {
            return Err(self.invalid("`service.concurrency_per_connection` must be 1..=1024"));
        }
        if s.shutdown_grace_secs > 600 {
            return Err(self.invalid("`service.shutdown_grace_secs` must be at most 600"));
        }
        if self.listen.grpc.port() != 0 && self.listen.grpc == self.listen.http {
            return Err(self.invalid(format!("listen address {} is used twice", self.listen.grpc)));
        }
        Ok(())
    }

    /// How long a stream's batch waits for more bundles.
    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.service.batch_linger_ms)
    }
}
