//! Mutual TLS as TRISA peers expect it, with rustls and the ring provider only.
//!
//! * TLS 1.3 only, on both sides. Key exchange groups X25519, P-256 and P-384 (TRISA's Go
//!   peers offer only P-521, P-384 and P-256; a client of ours that key-shares X25519
//!   first gets a HelloRetryRequest and continues on P-256).
//! * ALPN `h2` (grpc-go since 1.67 refuses TLS connections without it).
//! * The server requires a client certificate on every connection (the health service
//!   included), verified against the configured CAs; with CRLs configured, a revoked
//!   end-entity certificate is refused at the handshake. A certificate of a CA that
//!   publishes no CRL here is accepted on its chain alone.
//! * The peer's identity is the subject common name of the verified leaf certificate
//!   ([`peer_name`]), as in TRISA (`VerifiedChains[0][0].Subject.CommonName`).
//! * Certificates may be RSA (TRISA issues RSA-4096) or ECDSA; the key must match the
//!   leaf certificate, or the node refuses to start, naming both files.

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why TLS material could not be loaded. Every variant names its file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The private key does not belong to the certificate.
    #[error("{key} does not match the certificate {cert}")]
    KeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The certificate verifier could not be built (e.g. an unusable CA or CRL).
    #[error("certificate verifier: {0}")]
    Verifier(String),
}

fn file_err(path: &Path, message: impl Into<String>) -> TlsError {
    TlsError::File {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Installs ring as the process's rustls crypto provider (idempotent). Call it before any
/// TLS configuration is built; with two providers in the graph rustls would panic at the
/// first handshake.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The provider with the key exchange groups we offer, in order of preference.
fn provider() -> Arc<CryptoProvider> {
    use rustls::crypto::ring::kx_group;
    let mut p = rustls::crypto::ring::default_provider();
    p.kx_groups = vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1];
    Arc::new(p)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, TlsError> {
    crate::config::read_small(path, 1024 * 1024).map_err(|e| match e {
        crate::config::ConfigError::Read { source, .. } => file_err(path, source.to_string()),
        other => file_err(path, other.to_string()),
    })
}

/// Every certificate in a PEM file, in order.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read_limited(path)?;
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
    let certs = certs.map_err(|e| file_err(path, format!("bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(file_err(path, "no CERTIFICATE in this file"));
    }
    Ok(certs)
}

/// The first private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read_limited(path)?;
    PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|e| file_err(path, format!("no usable private key: {e}")))
}

fn load_crls(paths: &[PathBuf]) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let mut out = Vec::new();
    for path in paths {
        let bytes = read_limited(path)?;
        let pem: Result<Vec<_>, _> = CertificateRevocationListDer::pem_slice_iter(&bytes).collect();
        match pem {
            Ok(v) if !v.is_empty() => out.extend(v),
            // Not PEM: take the file as one DER CRL.
            _ => out.push(CertificateRevocationListDer::from(bytes)),
        }
    }
    Ok(out)
}

fn roots(ca_files: &[PathBuf]) -> Result<RootCertStore, TlsError> {
    let mut store = RootCertStore::empty();
    for path in ca_files {
        for cert in load_certs(path)? {
            store
                .add(cert)
                .map_err(|e| file_err(path, format!("not a usable CA certificate: {e}")))?;
        }
    }
    Ok(store)
}

/// The node's identity: its certificate chain and key, checked to belong together.
#[derive(Clone)]
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl core::fmt::Debug for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Identity")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Reads a chain and its key and checks that the key is the leaf's.
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let chain = load_certs(cert)?;
        let key_der = load_key(key)?;
        let signing = provider()
            .key_provider
            .load_private_key(key_der.clone_key())
            .map_err(|e| file_err(key, format!("unusable private key: {e}")))?;
        let certified = rustls::sign::CertifiedKey::new(chain.clone(), signing);
        if certified.keys_match().is_err() {
            return Err(TlsError::KeyMismatch {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
            });
        }
        Ok(Self {
            chain,
            key: Arc::new(key_der),
        })
    }

    /// The subject common name of the leaf certificate.
    pub fn common_name(&self) -> Result<String, TlsError> {
        let leaf = self
            .chain
            .first()
            .ok_or_else(|| TlsError::Verifier("empty chain".into()))?;
        crate::certs::subject_common_name(leaf).map_err(|e| TlsError::Verifier(e.to_string()))
    }
}

/// A server configuration: TLS 1.3, ALPN h2, client certificates required and verified
/// against `ca` (minus anything in `crl`).
pub fn server_config(
    identity: &Identity,
    ca: &[PathBuf],
    crl: &[PathBuf],
) -> Result<Arc<ServerConfig>, TlsError> {
    server_config_with(identity, ca, crl, ClientAuth::Required)
}

/// Whether a server asks its clients for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// Every client presents a certificate of a trusted CA (the node's peer port).
    Required,
    /// A client may present one (then it must verify); clients without are served too.
    Optional,
    /// No client certificate is asked for (no CA needed).
    None,
}

/// [`server_config`] with the client-certificate rule `auth`.
pub fn server_config_with(
    identity: &Identity,
    ca: &[PathBuf],
    crl: &[PathBuf],
    auth: ClientAuth,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])?;
    let builder = if auth == ClientAuth::None {
        builder.with_no_client_auth()
    } else {
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots(ca)?), provider.clone())
                .with_crls(load_crls(crl)?)
                .only_check_end_entity_revocation()
                .allow_unknown_revocation_status();
        let verifier = if auth == ClientAuth::Optional {
            verifier.allow_unauthenticated()
        } else {
            verifier
        };
        let verifier = verifier
            .build()
            .map_err(|e| TlsError::Verifier(e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    };
    let mut config = builder.with_single_cert(identity.chain.clone(), identity.key.clone_key())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// A client configuration for dialing a peer: TLS 1.3, ALPN h2, our certificate as the
/// client identity, the peer's server certificate verified against `ca` (and `crl`).
pub fn client_config(
    identity: &Identity,
    ca: &[PathBuf],
    crl: &[PathBuf],
) -> Result<Arc<ClientConfig>, TlsError> {
    client_config_for(Some(identity), ca, crl)
}

/// A client configuration without a client certificate (for servers that do not require
/// one, such as a verifier with `client_auth = "optional"`): TLS 1.3, ALPN h2, the
/// server's certificate verified against `ca` (and `crl`).
pub fn client_config_anonymous(
    ca: &[PathBuf],
    crl: &[PathBuf],
) -> Result<Arc<ClientConfig>, TlsError> {
    client_config_for(None, ca, crl)
}

fn client_config_for(
    identity: Option<&Identity>,
    ca: &[PathBuf],
    crl: &[PathBuf],
) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    let verifier =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots(ca)?), provider.clone())
            .with_crls(load_crls(crl)?)
            .only_check_end_entity_revocation()
            .allow_unknown_revocation_status()
            .build()
            .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_webpki_verifier(verifier);
    let mut config = match identity {
        Some(id) => builder.with_client_auth_cert(id.chain.clone(), id.key.clone_key())?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// A short label for a refused TLS handshake (a metrics label: no names, no addresses).
pub fn handshake_failure_kind(e: &std::io::Error) -> &'static str {
    let Some(err) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return "io";
    };
    match err {
        rustls::Error::NoCertificatesPresented => "no_client_certificate",
        rustls::Error::InvalidCertificate(_) => "bad_certificate",
        rustls::Error::PeerIncompatible(_) => "incompatible",
        rustls::Error::AlertReceived(_) => "alert_received",
        rustls::Error::NoApplicationProtocol => "no_alpn",
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateMessage { .. }
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::PeerMisbehaved(_) => "protocol",
        _ => "other",
    }
}

/// `sha256:<hex>` of a DER certificate, the form of the peers file's `fingerprint`.
pub fn fingerprint(cert: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(cert)))
}

/// The verified peer's name (leaf subject CN) from the certificates tonic hands a handler.
pub fn peer_name(certs: Option<&[CertificateDer<'static>]>) -> Option<String> {
    let leaf = certs?.first()?;
    crate::certs::subject_common_name(leaf)
        .ok()
        .filter(|cn| !cn.is_empty())
}
