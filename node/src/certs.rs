//! A development certificate authority for zktr networks (a tiny `step ca` / `cfssl`).
//!
//! Used by `zktr certs init|issue|revoke` and `zktr node init`. It is meant for test and
//! development networks; production networks use their own PKI (e.g. TRISA's).
//!
//! # Files
//!
//! A CA directory holds:
//!
//! | file | format | contents |
//! | --- | --- | --- |
//! | [`CA_CERT`] `ca.pem` | PEM `CERTIFICATE` | self-signed CA certificate |
//! | [`CA_KEY`] `ca.key` | PEM PKCS#8 `PRIVATE KEY`, mode 0600 | CA private key, never overwritten |
//! | [`CA_CRL`] `crl.pem` | PEM `X509 CRL` (v2) | every revoked serial, signed by the CA |
//! | [`CA_REGISTRY`] `issued.json` | JSON | `{"version":1,"crl_number":N,"certificates":[{"serial":"<hex>","common_name":"..","not_after":"<RFC 3339>","revoked_at":null or "<RFC 3339>"}]}` |
//!
//! [`issue`] writes into its output directory `<CN>.pem` (leaf certificate then CA
//! certificate, PEM) and `<CN>.key` (PEM PKCS#8, mode 0600, never overwritten).
//!
//! # Certificates
//!
//! * Keys: ECDSA P-256 (default, signed with SHA-256), ECDSA P-384 (SHA-384) or Ed25519,
//!   see [`KeyAlgorithm`]; the CA's key type and the leaf's are chosen independently.
//! * Serial numbers: 16 random bytes, positive, written in the registry as lowercase hex
//!   without leading zero bytes.
//! * Validity: from `now - 1 hour` (clock skew) to `now + validity_days`; a leaf never
//!   outlives its CA (its `notAfter` is clamped to the CA's).
//! * CA: subject `CN=<name>, O=zktr dev network`, basicConstraints `CA:true, pathlen:0`
//!   (critical), keyUsage `keyCertSign, cRLSign, digitalSignature` (critical), subject key
//!   identifier.
//! * Leaf: subject `CN=<common name>` (the peer identity zktr nodes see, as in TRISA),
//!   basicConstraints `CA:false`, keyUsage `digitalSignature` (critical), extendedKeyUsage
//!   `serverAuth` and/or `clientAuth` ([`Usage`]), authority key identifier, and
//!   subjectAltName: each requested entry as an IP address if it parses as one, else as a
//!   DNS name; with no entries, the common name as a DNS name when it is a valid one.
//!
//! # Revocation
//!
//! [`revoke`] / [`revoke_serial`] check the certificate belongs to this CA (issuer name and
//! signature for [`revoke`], the registry for both), mark it revoked in `issued.json`,
//! increment the CRL number and rewrite `crl.pem` listing every revoked serial with its
//! revocation time (reason code absent, i.e. unspecified), `thisUpdate = now`,
//! `nextUpdate = now + 30 days`. The first CRL, written by [`init_ca`], is empty with CRL
//! number 1. A CRL is written before the registry that records it, so a failure in between
//! never leaves a certificate marked revoked but missing from the CRL.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    RevokedCertParams, SanType, SerialNumber, SignatureAlgorithm, string::Ia5String,
};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, UtcOffset};
use x509_parser::certificate::X509Certificate;
use x509_parser::error::{PEMError, X509Error};
use x509_parser::pem::Pem;

/// File name of the CA certificate (PEM) in a CA directory.
pub const CA_CERT: &str = "ca.pem";
/// File name of the CA private key (PKCS#8 PEM, mode 0600) in a CA directory.
pub const CA_KEY: &str = "ca.key";
/// File name of the CA's certificate revocation list (PEM) in a CA directory.
pub const CA_CRL: &str = "crl.pem";
/// File name of the JSON registry of issued certificates in a CA directory.
pub const CA_REGISTRY: &str = "issued.json";

/// Organization written in the CA's subject.
const CA_ORGANIZATION: &str = "zktr dev network";
/// Registry format version written and accepted.
const REGISTRY_VERSION: u32 = 1;
/// How long before `now` certificates start being valid (clock skew between nodes).
const BACKDATE: Duration = Duration::hours(1);
/// Lifetime of every CRL written.
const CRL_LIFETIME: Duration = Duration::days(30);
/// Maximum length of a common name (RFC 5280 `ub-common-name`).
const MAX_CN_LEN: usize = 64;
/// Length of random serial numbers, in bytes.
const SERIAL_LEN: usize = 16;

/// Errors of the development CA.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CertsError {
    /// Reading, writing or creating a file or directory failed.
    #[error("I/O error on {}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A file that must not be overwritten (a private key, an issued certificate) exists.
    #[error("{} already exists; refusing to overwrite it", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// A common name (or CA name) is unusable as a subject and file name.
    #[error("invalid common name {name:?}: {reason}")]
    InvalidCommonName {
        /// The rejected name.
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A subject alternative name is neither an IP address nor a valid DNS name.
    #[error("invalid subject alternative name {san:?}: {reason}")]
    InvalidSan {
        /// The rejected entry.
        san: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A request parameter is out of range (e.g. zero or too large validity).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A key algorithm name other than `p256`, `p384` or `ed25519`.
    #[error("unknown key algorithm {0:?} (expected p256, p384 or ed25519)")]
    UnknownAlgorithm(String),
    /// A usage name other than `server`, `client` or `both`.
    #[error("unknown certificate usage {0:?} (expected server, client or both)")]
    UnknownUsage(String),
    /// A serial number that is not a non-zero hexadecimal number.
    #[error("invalid serial number {0:?} (expected hex, e.g. 4a1f...)")]
    InvalidSerial(String),
    /// A PEM block could not be decoded.
    #[error("could not decode PEM in {what}")]
    Pem {
        /// Which input (a file name or "the given certificate").
        what: String,
        /// The underlying error.
        #[source]
        source: PEMError,
    },
    /// A PEM input holds no `CERTIFICATE` block.
    #[error("no CERTIFICATE block in {what}")]
    NoCertificate {
        /// Which input.
        what: String,
    },
    /// A DER certificate or CRL could not be parsed.
    #[error("could not parse X.509 data in {what}")]
    X509 {
        /// Which input.
        what: String,
        /// The underlying error.
        #[source]
        source: X509Error,
    },
    /// The CA private key could not be read as a PKCS#8 P-256, P-384 or Ed25519 key.
    #[error("could not load CA private key {}", path.display())]
    CaKey {
        /// The key file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: rcgen::Error,
    },
    /// The CA private key is not the key of the CA certificate.
    #[error("CA key {} does not match CA certificate {}", key.display(), cert.display())]
    CaKeyMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The CA certificate file does not hold a CA certificate.
    #[error("{} is not a CA certificate (basicConstraints CA:true missing)", path.display())]
    NotACa {
        /// The certificate file.
        path: PathBuf,
    },
    /// The CA certificate has expired; it can no longer issue certificates.
    #[error("the CA certificate expired at {not_after}")]
    CaExpired {
        /// The CA certificate's notAfter.
        not_after: OffsetDateTime,
    },
    /// Generating a key or signing a certificate or CRL failed.
    #[error("{context} failed")]
    Generate {
        /// What was being generated.
        context: &'static str,
        /// The underlying error.
        #[source]
        source: rcgen::Error,
    },
    /// The system random number generator failed.
    #[error("the system random number generator failed")]
    Random(#[source] getrandom::Error),
    /// The registry of issued certificates is not valid JSON of the expected shape.
    #[error("invalid registry {}", path.display())]
    Registry {
        /// The registry file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// The registry has a format version this code does not know.
    #[error("registry {} has unsupported version {version}", path.display())]
    RegistryVersion {
        /// The registry file.
        path: PathBuf,
        /// The version found.
        version: u32,
    },
    /// The certificate to revoke was not issued by this CA.
    #[error("certificate {subject:?} was not issued by this CA")]
    NotIssuedByCa {
        /// The certificate's subject.
        subject: String,
        /// The signature verification error, when the issuer name matched.
        #[source]
        source: Option<X509Error>,
    },
    /// No certificate with this serial is in the CA's registry.
    #[error("no certificate with serial {serial} in the registry of this CA")]
    UnknownCertificate {
        /// The serial (hex).
        serial: String,
    },
    /// The certificate was already revoked.
    #[error("certificate {serial} ({common_name}) was already revoked at {revoked_at}")]
    AlreadyRevoked {
        /// The serial (hex).
        serial: String,
        /// The certificate's common name.
        common_name: String,
        /// When it was revoked.
        revoked_at: OffsetDateTime,
    },
    /// The certificate's subject has no common name (or it is not a string).
    #[error("the certificate subject has no common name")]
    NoCommonName,
}

/// Key type of a generated key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256, signatures with SHA-256 (`p256`).
    #[default]
    EcdsaP256,
    /// ECDSA on NIST P-384, signatures with SHA-384 (`p384`).
    EcdsaP384,
    /// Ed25519 (`ed25519`).
    Ed25519,
}

impl KeyAlgorithm {
    fn signature_algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            Self::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Self::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            Self::Ed25519 => &rcgen::PKCS_ED25519,
        }
    }

    fn generate(self) -> Result<KeyPair, CertsError> {
        KeyPair::generate_for(self.signature_algorithm()).map_err(|source| CertsError::Generate {
            context: "key generation",
            source,
        })
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EcdsaP256 => "p256",
            Self::EcdsaP384 => "p384",
            Self::Ed25519 => "ed25519",
        })
    }
}

impl FromStr for KeyAlgorithm {
    type Err = CertsError;

    /// Parses `p256`, `p384` or `ed25519` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "p256" => Ok(Self::EcdsaP256),
            "p384" => Ok(Self::EcdsaP384),
            "ed25519" => Ok(Self::Ed25519),
            _ => Err(CertsError::UnknownAlgorithm(s.to_owned())),
        }
    }
}

/// Which TLS side a leaf certificate may act as (its extendedKeyUsage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Usage {
    /// TLS server only (`serverAuth`).
    Server,
    /// TLS client only (`clientAuth`).
    Client,
    /// Both (`serverAuth` and `clientAuth`); the default for nodes, since peers dial each other.
    #[default]
    Both,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Server => "server",
            Self::Client => "client",
            Self::Both => "both",
        })
    }
}

impl FromStr for Usage {
    type Err = CertsError;

    /// Parses `server`, `client` or `both` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "server" => Ok(Self::Server),
            "client" => Ok(Self::Client),
            "both" => Ok(Self::Both),
            _ => Err(CertsError::UnknownUsage(s.to_owned())),
        }
    }
}

/// The files of a CA created by [`init_ca`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaPaths {
    /// The CA certificate, `<dir>/ca.pem`.
    pub cert: PathBuf,
    /// The CA private key, `<dir>/ca.key` (mode 0600).
    pub key: PathBuf,
    /// The certificate revocation list, `<dir>/crl.pem`.
    pub crl: PathBuf,
}

/// What to issue with [`issue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// Subject common name: the peer identity, and the base of the output file names.
    pub common_name: String,
    /// Subject alternative names: IP address literals or DNS names (e.g. `localhost`).
    pub sans: Vec<String>,
    /// TLS server, client or both.
    pub usage: Usage,
    /// Validity in days from now (clamped to the CA's own expiry).
    pub validity_days: u32,
    /// Key type of the new key pair.
    pub algorithm: KeyAlgorithm,
}

/// The files written by [`issue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPaths {
    /// `<out_dir>/<CN>.pem`: the leaf certificate, then the CA certificate.
    pub cert: PathBuf,
    /// `<out_dir>/<CN>.key`: the private key, PKCS#8 PEM, mode 0600.
    pub key: PathBuf,
    /// The certificate's serial number, lowercase hex.
    pub serial: String,
}

/// The outcome of [`revoke`] or [`revoke_serial`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The revoked serial number, lowercase hex.
    pub serial: String,
    /// The revoked certificate's common name, from the registry.
    pub common_name: String,
    /// The rewritten CRL, `<ca_dir>/crl.pem`.
    pub crl: PathBuf,
}

/// Creates a CA in `dir` (created if needed): `ca.key`, `ca.pem`, an empty `crl.pem` and
/// an empty `issued.json`.
///
/// Refuses with [`CertsError::Exists`] when `dir/ca.key` exists. The CA's subject is
/// `CN=<name>, O=zktr dev network`; it is valid from `now - 1h` to `now + validity_days`.
pub fn init_ca(
    dir: &Path,
    name: &str,
    validity_days: u32,
    algorithm: KeyAlgorithm,
    now: OffsetDateTime,
) -> Result<CaPaths, CertsError> {
    validate_common_name(name)?;
    let now = normalize_time(now);
    let (not_before, not_after) = validity(now, validity_days)?;
    fs::create_dir_all(dir).map_err(|source| io_err(dir, source))?;
    let paths = CaPaths {
        cert: dir.join(CA_CERT),
        key: dir.join(CA_KEY),
        crl: dir.join(CA_CRL),
    };
    let registry_path = dir.join(CA_REGISTRY);
    if exists(&paths.key)? {
        return Err(CertsError::Exists { path: paths.key });
    }

    let key = algorithm.generate()?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, CA_ORGANIZATION);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
    params.not_before = not_before;
    params.not_after = not_after;
    let ca = CertifiedIssuer::self_signed(params, key).map_err(|source| CertsError::Generate {
        context: "signing the CA certificate",
        source,
    })?;
    let crl_pem = sign_crl(&ca, 1, &[], now)?;
    let registry = Registry {
        version: REGISTRY_VERSION,
        crl_number: 1,
        certificates: Vec::new(),
    };
    let registry_json = registry_to_json(&registry, &registry_path)?;

    write_new_file(&paths.key, ca.key().serialize_pem().as_bytes(), 0o600)?;
    let rest = write_atomic(&paths.cert, ca.pem().as_bytes())
        .and_then(|()| write_atomic(&paths.crl, crl_pem.as_bytes()))
        .and_then(|()| write_atomic(&registry_path, &registry_json));
    if let Err(e) = rest {
        // The key was created by this call a moment ago and nothing was issued with it:
        // remove it so that init can simply be retried.
        let _ = fs::remove_file(&paths.key);
        return Err(e);
    }
    tracing::info!(ca = name, dir = %dir.display(), %algorithm, %not_after, "created development CA");
    Ok(paths)
}

/// Issues a leaf certificate signed by the CA in `ca_dir`, writing `<CN>.pem` (leaf then CA)
/// and `<CN>.key` into `out_dir` (created if needed), and records it in the CA's registry.
///
/// Refuses with [`CertsError::Exists`] when either output file exists.
pub fn issue(
    ca_dir: &Path,
    req: &IssueRequest,
    out_dir: &Path,
    now: OffsetDateTime,
) -> Result<IssuedPaths, CertsError> {
    validate_common_name(&req.common_name)?;
    let sans = subject_alt_names(&req.common_name, &req.sans)?;
    let now = normalize_time(now);
    let (not_before, requested_not_after) = validity(now, req.validity_days)?;

    let ca = load_ca(ca_dir)?;
    if ca.not_after <= now {
        return Err(CertsError::CaExpired {
            not_after: ca.not_after,
        });
    }
    let not_after = requested_not_after.min(ca.not_after);

    let cert_path = out_dir.join(format!("{}.pem", req.common_name));
    let key_path = out_dir.join(format!("{}.key", req.common_name));
    for path in [&key_path, &cert_path] {
        if exists(path)? {
            return Err(CertsError::Exists { path: path.clone() });
        }
    }

    let serial = random_serial()?;
    let serial_hex = hex::encode(serial);
    let key = req.algorithm.generate()?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, req.common_name.as_str());
    params.subject_alt_names = sans;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = match req.usage {
        Usage::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
        Usage::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
        Usage::Both => vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ],
    };
    params.use_authority_key_identifier_extension = true;
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params
        .signed_by(&key, &ca.issuer)
        .map_err(|source| CertsError::Generate {
            context: "signing the certificate",
            source,
        })?;
    let mut chain = cert.pem();
    if !chain.ends_with('\n') {
        chain.push('\n');
    }
    chain.push_str(&pem_encode("CERTIFICATE", &ca.cert_der));

    // Record first: an entry for a certificate whose files could not be written is
    // harmless, a certificate in use that the registry does not know could not be revoked.
    let registry_path = ca_dir.join(CA_REGISTRY);
    let mut registry = load_registry(&registry_path)?;
    registry.certificates.push(RegistryEntry {
        serial: serial_hex.clone(),
        common_name: req.common_name.clone(),
        not_after,
        revoked_at: None,
    });
    save_registry(&registry, &registry_path)?;

    fs::create_dir_all(out_dir).map_err(|source| io_err(out_dir, source))?;
    write_new_file(&key_path, key.serialize_pem().as_bytes(), 0o600)?;
    if let Err(e) = write_new_file(&cert_path, chain.as_bytes(), 0o644) {
        // The key was created by this call; without its certificate it is useless.
        let _ = fs::remove_file(&key_path);
        return Err(e);
    }
    tracing::info!(
        common_name = %req.common_name,
        serial = %serial_hex,
        usage = %req.usage,
        algorithm = %req.algorithm,
        %not_after,
        "issued certificate"
    );
    Ok(IssuedPaths {
        cert: cert_path,
        key: key_path,
        serial: serial_hex,
    })
}

/// Revokes the certificate given as PEM (the first `CERTIFICATE` block, i.e. the leaf of a
/// chain file) and rewrites the CA's CRL.
///
/// The certificate must carry this CA's name as issuer and this CA's signature
/// ([`CertsError::NotIssuedByCa`] otherwise) and be in the registry
/// ([`CertsError::UnknownCertificate`]); revoking it twice is
/// [`CertsError::AlreadyRevoked`].
pub fn revoke(ca_dir: &Path, cert_pem: &str, now: OffsetDateTime) -> Result<Revoked, CertsError> {
    const WHAT: &str = "the certificate to revoke";
    let der = first_certificate_der(cert_pem.as_bytes(), WHAT)?;
    let cert = parse_certificate(&der, WHAT)?;
    let ca = load_ca(ca_dir)?;
    let ca_cert = parse_certificate(&ca.cert_der, CA_CERT)?;
    let subject = cert.subject().to_string();
    if cert.issuer().as_raw() != ca_cert.subject().as_raw() {
        return Err(CertsError::NotIssuedByCa {
            subject,
            source: None,
        });
    }
    // x509-parser's signature verification (its "verify" feature, enabled by rcgen's
    // "ring" feature together with "x509-parser").
    cert.verify_signature(Some(ca_cert.public_key()))
        .map_err(|e| CertsError::NotIssuedByCa {
            subject,
            source: Some(e),
        })?;
    let serial = serial_to_hex(cert.raw_serial())
        .ok_or_else(|| CertsError::InvalidSerial(cert.raw_serial_as_string()))?;
    revoke_in_registry(ca_dir, &ca, &serial, now)
}

/// Revokes the certificate with serial `serial_hex` (hex, optionally with `0x`, colons or
/// leading zeros) and rewrites the CA's CRL.
///
/// The serial must be in the registry ([`CertsError::UnknownCertificate`]); revoking it
/// twice is [`CertsError::AlreadyRevoked`].
pub fn revoke_serial(
    ca_dir: &Path,
    serial_hex: &str,
    now: OffsetDateTime,
) -> Result<Revoked, CertsError> {
    let serial = normalize_serial(serial_hex)?;
    let ca = load_ca(ca_dir)?;
    revoke_in_registry(ca_dir, &ca, &serial, now)
}

/// The subject common name of a DER certificate: the peer identity, as in TRISA.
///
/// When the subject has several common names, the first one is returned.
pub fn subject_common_name(cert_der: &[u8]) -> Result<String, CertsError> {
    let cert = parse_certificate(cert_der, "the certificate")?;
    let cn = cert
        .subject()
        .iter_common_name()
        .next()
        .ok_or(CertsError::NoCommonName)?;
    cn.as_str()
        .map(str::to_owned)
        .map_err(|_| CertsError::NoCommonName)
}

// ---------------------------------------------------------------------------------------
// CA material and registry

/// A loaded CA: its certificate, signer and expiry.
struct Ca {
    cert_der: Vec<u8>,
    not_after: OffsetDateTime,
    issuer: Issuer<'static, KeyPair>,
}

fn load_ca(dir: &Path) -> Result<Ca, CertsError> {
    let cert_path = dir.join(CA_CERT);
    let key_path = dir.join(CA_KEY);
    let cert_pem = read_to_string(&cert_path)?;
    let cert_der = first_certificate_der(cert_pem.as_bytes(), CA_CERT)?;
    let cert = parse_certificate(&cert_der, CA_CERT)?;
    if !cert.is_ca() {
        return Err(CertsError::NotACa { path: cert_path });
    }
    let not_after = cert.validity().not_after.to_datetime();

    let key_pem = read_to_string(&key_path)?;
    let key = KeyPair::from_pem(&key_pem).map_err(|source| CertsError::CaKey {
        path: key_path.clone(),
        source,
    })?;
    if rcgen::PublicKeyData::subject_public_key_info(&key) != cert.public_key().raw {
        return Err(CertsError::CaKeyMismatch {
            cert: cert_path,
            key: key_path,
        });
    }
    let pem_der = pem_encode("CERTIFICATE", &cert_der);
    let issuer =
        Issuer::from_ca_cert_pem(&pem_der, key).map_err(|source| CertsError::Generate {
            context: "loading the CA certificate as issuer",
            source,
        })?;
    Ok(Ca {
        cert_der,
        not_after,
        issuer,
    })
}

#[derive(Debug, Serialize, Deserialize)]
struct Registry {
    version: u32,
    crl_number: u64,
    certificates: Vec<RegistryEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RegistryEntry {
    serial: String,
    common_name: String,
    #[serde(with = "time::serde::rfc3339")]
    not_after: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option", default)]
    revoked_at: Option<OffsetDateTime>,
}

fn load_registry(path: &Path) -> Result<Registry, CertsError> {
    let text = read_to_string(path)?;
    let registry: Registry =
        serde_json::from_str(&text).map_err(|source| CertsError::Registry {
            path: path.to_owned(),
            source,
        })?;
    if registry.version != REGISTRY_VERSION {
        return Err(CertsError::RegistryVersion {
            path: path.to_owned(),
            version: registry.version,
        });
    }
    Ok(registry)
}

fn registry_to_json(registry: &Registry, path: &Path) -> Result<Vec<u8>, CertsError> {
    let mut json = serde_json::to_vec_pretty(registry).map_err(|source| CertsError::Registry {
        path: path.to_owned(),
        source,
    })?;
    json.push(b'\n');
    Ok(json)
}

fn save_registry(registry: &Registry, path: &Path) -> Result<(), CertsError> {
    write_atomic(path, &registry_to_json(registry, path)?)
}

fn revoke_in_registry(
    ca_dir: &Path,
    ca: &Ca,
    serial: &str,
    now: OffsetDateTime,
) -> Result<Revoked, CertsError> {
    let now = normalize_time(now);
    let registry_path = ca_dir.join(CA_REGISTRY);
    let mut registry = load_registry(&registry_path)?;
    let entry = registry
        .certificates
        .iter_mut()
        .find(|e| e.serial.eq_ignore_ascii_case(serial))
        .ok_or_else(|| CertsError::UnknownCertificate {
            serial: serial.to_owned(),
        })?;
    if let Some(revoked_at) = entry.revoked_at {
        return Err(CertsError::AlreadyRevoked {
            serial: serial.to_owned(),
            common_name: entry.common_name.clone(),
            revoked_at,
        });
    }
    entry.revoked_at = Some(now);
    let common_name = entry.common_name.clone();
    registry.crl_number = registry.crl_number.saturating_add(1);

    let mut revoked = Vec::new();
    for e in &registry.certificates {
        if let Some(at) = e.revoked_at {
            let bytes =
                hex::decode(&e.serial).map_err(|_| CertsError::InvalidSerial(e.serial.clone()))?;
            revoked.push(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&bytes),
                revocation_time: at,
                reason_code: None,
                invalidity_date: None,
            });
        }
    }
    let crl_pem = sign_crl(&ca.issuer, registry.crl_number, &revoked, now)?;
    let crl_path = ca_dir.join(CA_CRL);
    // CRL first: see the module documentation.
    write_atomic(&crl_path, crl_pem.as_bytes())?;
    save_registry(&registry, &registry_path)?;
    tracing::info!(serial, common_name = %common_name, crl_number = registry.crl_number, "revoked certificate");
    Ok(Revoked {
        serial: serial.to_owned(),
        common_name,
        crl: crl_path,
    })
}

fn sign_crl(
    issuer: &Issuer<'_, KeyPair>,
    crl_number: u64,
    revoked: &[RevokedCertParams],
    now: OffsetDateTime,
) -> Result<String, CertsError> {
    let params = CertificateRevocationListParams {
        this_update: now,
        next_update: now + CRL_LIFETIME,
        crl_number: SerialNumber::from(crl_number),
        issuing_distribution_point: None,
        revoked_certs: revoked.to_vec(),
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    };
    let crl = params
        .signed_by(issuer)
        .map_err(|source| CertsError::Generate {
            context: "signing the CRL",
            source,
        })?;
    crl.pem().map_err(|source| CertsError::Generate {
        context: "encoding the CRL",
        source,
    })
}

// ---------------------------------------------------------------------------------------
// Validation

fn validate_common_name(name: &str) -> Result<(), CertsError> {
    let bad = |reason| {
        Err(CertsError::InvalidCommonName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_CN_LEN {
        return bad("it is longer than 64 characters");
    }
    if !name.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        return bad("only printable ASCII characters are allowed");
    }
    if name.contains(['/', '\\']) {
        return bad("it is also a file name: path separators are not allowed");
    }
    if name.starts_with('.') {
        return bad("it is also a file name: it must not start with '.'");
    }
    if name.trim() != name {
        return bad("leading or trailing spaces are not allowed");
    }
    Ok(())
}

/// Checks a DNS name (an optional leading `*.` wildcard label when `wildcard`).
fn dns_name_error(name: &str, wildcard: bool) -> Option<&'static str> {
    let labels = match name.strip_prefix("*.") {
        Some(rest) if wildcard => rest,
        Some(_) => return Some("wildcards are not allowed here"),
        None => name,
    };
    if labels.is_empty() || name.len() > 253 {
        return Some("a DNS name has 1 to 253 characters");
    }
    let mut last = "";
    for label in labels.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Some("each DNS label has 1 to 63 characters");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Some("DNS labels hold only letters, digits and '-'");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("DNS labels do not start or end with '-'");
        }
        last = label;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Some("not an IP address, and a DNS name's last label is not all digits");
    }
    None
}

fn subject_alt_names(common_name: &str, sans: &[String]) -> Result<Vec<SanType>, CertsError> {
    let mut out: Vec<SanType> = Vec::new();
    for raw in sans {
        let s = raw.trim();
        let unbracketed = s
            .strip_prefix('[')
            .and_then(|x| x.strip_suffix(']'))
            .unwrap_or(s);
        let san = if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            SanType::IpAddress(ip)
        } else {
            if let Some(reason) = dns_name_error(s, true) {
                return Err(CertsError::InvalidSan {
                    san: raw.clone(),
                    reason,
                });
            }
            let ia5 = Ia5String::try_from(s).map_err(|_| CertsError::InvalidSan {
                san: raw.clone(),
                reason: "not an IA5 string",
            })?;
            SanType::DnsName(ia5)
        };
        if !out.contains(&san) {
            out.push(san);
        }
    }
    if out.is_empty()
        && dns_name_error(common_name, false).is_none()
        && let Ok(ia5) = Ia5String::try_from(common_name)
    {
        out.push(SanType::DnsName(ia5));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Serials, time

fn random_serial() -> Result<[u8; SERIAL_LEN], CertsError> {
    let mut serial = [0u8; SERIAL_LEN];
    getrandom::fill(&mut serial).map_err(CertsError::Random)?;
    // Positive (top bit clear) and exactly SERIAL_LEN bytes long (first byte non-zero).
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

/// Lowercase hex of a serial's magnitude (leading zero bytes removed); `None` for zero.
fn serial_to_hex(bytes: &[u8]) -> Option<String> {
    let start = bytes.iter().position(|&b| b != 0)?;
    Some(hex::encode(&bytes[start..]))
}

fn normalize_serial(input: &str) -> Result<String, CertsError> {
    let invalid = || CertsError::InvalidSerial(input.to_owned());
    let trimmed = input.trim();
    let body = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let mut digits: String = body.chars().filter(|&c| c != ':').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid());
    }
    if digits.len() % 2 == 1 {
        digits.insert(0, '0');
    }
    let bytes = hex::decode(&digits).map_err(|_| invalid())?;
    serial_to_hex(&bytes).ok_or_else(invalid)
}

/// UTC, whole seconds (X.509 times have no fractions).
fn normalize_time(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t - Duration::nanoseconds(i64::from(t.nanosecond()))
}

fn validity(
    now: OffsetDateTime,
    validity_days: u32,
) -> Result<(OffsetDateTime, OffsetDateTime), CertsError> {
    if validity_days == 0 {
        return Err(CertsError::InvalidRequest(
            "validity must be at least one day".into(),
        ));
    }
    let not_after = now
        .checked_add(Duration::days(i64::from(validity_days)))
        .filter(|t| t.year() <= 9999)
        .ok_or_else(|| {
            CertsError::InvalidRequest(format!(
                "a validity of {validity_days} days ends after year 9999"
            ))
        })?;
    let not_before = now
        .checked_sub(BACKDATE)
        .ok_or_else(|| CertsError::InvalidRequest("the current time is out of range".into()))?;
    Ok((not_before, not_after))
}

// ---------------------------------------------------------------------------------------
// PEM, X.509

fn first_certificate_der(pem: &[u8], what: &str) -> Result<Vec<u8>, CertsError> {
    for block in Pem::iter_from_buffer(pem) {
        let block = block.map_err(|source| CertsError::Pem {
            what: what.to_owned(),
            source,
        })?;
        if block.label == "CERTIFICATE" {
            return Ok(block.contents);
        }
    }
    Err(CertsError::NoCertificate {
        what: what.to_owned(),
    })
}

fn parse_certificate<'a>(der: &'a [u8], what: &str) -> Result<X509Certificate<'a>, CertsError> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| cert)
        .map_err(|e| CertsError::X509 {
            what: what.to_owned(),
            source: match e {
                x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e,
                x509_parser::nom::Err::Incomplete(_) => X509Error::InvalidCertificate,
            },
        })
}

/// PEM-encodes DER (RFC 7468: base64 with padding, 64-character lines).
fn pem_encode(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = format!("-----BEGIN {label}-----\n");
    let mut line_len = 0;
    for chunk in der.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let v = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..4 {
            let c = if i <= chunk.len() {
                char::from(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize])
            } else {
                '='
            };
            out.push(c);
            line_len += 1;
            if line_len == 64 {
                out.push('\n');
                line_len = 0;
            }
        }
    }
    if line_len != 0 {
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

// ---------------------------------------------------------------------------------------
// Files

fn io_err(path: &Path, source: io::Error) -> CertsError {
    CertsError::Io {
        path: path.to_owned(),
        source,
    }
}

fn exists(path: &Path) -> Result<bool, CertsError> {
    path.try_exists().map_err(|source| io_err(path, source))
}

fn read_to_string(path: &Path) -> Result<String, CertsError> {
    fs::read_to_string(path).map_err(|source| io_err(path, source))
}

/// Creates `path` (never overwriting: [`CertsError::Exists`]) with `mode`, writes and syncs
/// it; removes it again if writing fails.
fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), CertsError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|source| {
            if source.kind() == io::ErrorKind::AlreadyExists {
                CertsError::Exists {
                    path: path.to_owned(),
                }
            } else {
                io_err(path, source)
            }
        })?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(source) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(io_err(path, source));
    }
    Ok(())
}

/// Replaces `path` atomically: writes a temporary file in the same directory, then renames.
fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), CertsError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut nonce = [0u8; 6];
    getrandom::fill(&mut nonce).map_err(CertsError::Random)?;
    let tmp = dir.join(format!(
        ".{file_name}.{}.{}.tmp",
        std::process::id(),
        hex::encode(nonce)
    ));
    write_new_file(&tmp, contents, 0o644)?;
    if let Err(source) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(path, source));
    }
    // Make the rename durable; failing to sync a directory is not worth failing over.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
    use std::os::unix::fs::PermissionsExt;
    use webpki::{
        CertRevocationList, EndEntityCert, OwnedCertRevocationList, RevocationCheckDepth,
        RevocationOptionsBuilder, UnknownStatusPolicy,
    };

    const TRISA_CERT: &str = "/work/shared/data/trisa/alice.vaspbot.net.pem";

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn at(t: OffsetDateTime) -> UnixTime {
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(t.unix_timestamp()).unwrap(),
        ))
    }

    fn req(cn: &str, sans: &[&str], usage: Usage, algorithm: KeyAlgorithm) -> IssueRequest {
        IssueRequest {
            common_name: cn.into(),
            sans: sans.iter().map(|s| s.to_string()).collect(),
            usage,
            validity_days: 365,
            algorithm,
        }
    }

    fn chain(path: &Path) -> Vec<CertificateDer<'static>> {
        CertificateDer::pem_file_iter(path)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    }

    fn ca_der(dir: &Path) -> CertificateDer<'static> {
        CertificateDer::from_pem_file(dir.join(CA_CERT)).unwrap()
    }

    fn load_crl(dir: &Path) -> CertRevocationList<'static> {
        let der = rustls_pki_types::CertificateRevocationListDer::from_pem_file(dir.join(CA_CRL))
            .unwrap();
        OwnedCertRevocationList::from_der(&der).unwrap().into()
    }

    /// Verifies `leaf` against the single trust anchor `ca` as rustls would.
    fn verify(
        ca: &CertificateDer<'_>,
        leaf: &CertificateDer<'_>,
        usage: webpki::KeyUsage,
        crls: &[&CertRevocationList<'_>],
        time: OffsetDateTime,
    ) -> Result<(), webpki::Error> {
        let anchors = [webpki::anchor_from_trusted_cert(ca)?];
        let ee = EndEntityCert::try_from(leaf)?;
        let revocation = if crls.is_empty() {
            None
        } else {
            Some(
                RevocationOptionsBuilder::new(crls)
                    .unwrap()
                    .with_depth(RevocationCheckDepth::EndEntity)
                    .with_status_policy(UnknownStatusPolicy::Deny)
                    .build(),
            )
        };
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &[],
            at(time),
            usage,
            revocation,
            None,
        )
        .map(|_| ())
    }

    fn registry(dir: &Path) -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(dir.join(CA_REGISTRY)).unwrap()).unwrap()
    }

    #[test]
    fn issue_server_client_cert_verifies_with_webpki() {
        let tmp = tempfile::tempdir().unwrap();
        let ca_dir = tmp.path().join("ca");
        let out = tmp.path().join("out");
        let t = now();
        let paths = init_ca(&ca_dir, "zktr test CA", 3650, KeyAlgorithm::default(), t).unwrap();
        assert_eq!(paths.cert, ca_dir.join(CA_CERT));
        assert_eq!(
            fs::metadata(&paths.key).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let r = req(
            "node-a",
            &["localhost", "127.0.0.1"],
            Usage::Both,
            KeyAlgorithm::EcdsaP256,
        );
        let issued = issue(&ca_dir, &r, &out, t).unwrap();
        assert_eq!(issued.cert, out.join("node-a.pem"));
        assert_eq!(issued.key, out.join("node-a.key"));
        assert_eq!(issued.serial.len(), 32);
        assert_eq!(
            fs::metadata(&issued.key).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let ca = ca_der(&ca_dir);
        let certs = chain(&issued.cert);
        assert_eq!(certs.len(), 2, "leaf then CA");
        assert_eq!(certs[1], ca, "second certificate of the chain is the CA");
        let leaf = &certs[0];
        let later = t + Duration::minutes(1);
        verify(&ca, leaf, webpki::KeyUsage::server_auth(), &[], later).unwrap();
        verify(&ca, leaf, webpki::KeyUsage::client_auth(), &[], later).unwrap();
        // Not yet valid more than an hour before issuance, expired after a year.
        assert!(
            verify(
                &ca,
                leaf,
                webpki::KeyUsage::server_auth(),
                &[],
                t - Duration::hours(2)
            )
            .is_err()
        );
        assert!(
            verify(
                &ca,
                leaf,
                webpki::KeyUsage::server_auth(),
                &[],
                t + Duration::days(366)
            )
            .is_err()
        );

        let ee = EndEntityCert::try_from(leaf).unwrap();
        for name in ["localhost", "127.0.0.1"] {
            ee.verify_is_valid_for_subject_name(&ServerName::try_from(name).unwrap())
                .unwrap();
        }
        assert!(
            ee.verify_is_valid_for_subject_name(&ServerName::try_from("node-b").unwrap())
                .is_err()
        );

        assert_eq!(subject_common_name(leaf).unwrap(), "node-a");
        assert_eq!(subject_common_name(&ca).unwrap(), "zktr test CA");

        // The key file loads and is the leaf's key.
        let key = KeyPair::from_pem(&fs::read_to_string(&issued.key).unwrap()).unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(leaf).unwrap();
        assert_eq!(
            rcgen::PublicKeyData::subject_public_key_info(&key),
            parsed.public_key().raw
        );
        assert_eq!(hex::encode(parsed.raw_serial()), issued.serial);
    }

    #[test]
    fn usage_restricts_extended_key_usage() {
        let tmp = tempfile::tempdir().unwrap();
        let t = now();
        init_ca(tmp.path(), "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let ca = ca_der(tmp.path());
        let later = t + Duration::minutes(1);
        let server = issue(
            tmp.path(),
            &req("srv", &[], Usage::Server, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t,
        )
        .unwrap();
        let client = issue(
            tmp.path(),
            &req("cli", &[], Usage::Client, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t,
        )
        .unwrap();
        let server = &chain(&server.cert)[0];
        let client = &chain(&client.cert)[0];
        verify(&ca, server, webpki::KeyUsage::server_auth(), &[], later).unwrap();
        assert!(verify(&ca, server, webpki::KeyUsage::client_auth(), &[], later).is_err());
        verify(&ca, client, webpki::KeyUsage::client_auth(), &[], later).unwrap();
        assert!(verify(&ca, client, webpki::KeyUsage::server_auth(), &[], later).is_err());
        // With no SANs, the CN (a valid DNS name) is the DNS SAN.
        let ee = EndEntityCert::try_from(server).unwrap();
        ee.verify_is_valid_for_subject_name(&ServerName::try_from("srv").unwrap())
            .unwrap();
    }

    #[test]
    fn every_key_algorithm_verifies() {
        let algs = [
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
        ];
        let t = now();
        for ca_alg in algs {
            let tmp = tempfile::tempdir().unwrap();
            init_ca(tmp.path(), "ca", 30, ca_alg, t).unwrap();
            let ca = ca_der(tmp.path());
            for leaf_alg in algs {
                let cn = format!("leaf-{leaf_alg}");
                let issued = issue(
                    tmp.path(),
                    &req(&cn, &["::1"], Usage::Both, leaf_alg),
                    tmp.path(),
                    t,
                )
                .unwrap();
                let leaf = &chain(&issued.cert)[0];
                verify(
                    &ca,
                    leaf,
                    webpki::KeyUsage::server_auth(),
                    &[],
                    t + Duration::minutes(1),
                )
                .unwrap_or_else(|e| panic!("CA {ca_alg}, leaf {leaf_alg}: {e:?}"));
                let key = KeyPair::from_pem(&fs::read_to_string(&issued.key).unwrap()).unwrap();
                assert_eq!(key.algorithm(), leaf_alg.signature_algorithm());
            }
        }
    }

    #[test]
    fn certificate_of_another_ca_fails_verification() {
        let tmp = tempfile::tempdir().unwrap();
        let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
        let t = now();
        // Same CA name on purpose: only the key tells them apart.
        init_ca(&one, "zktr test CA", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        init_ca(&two, "zktr test CA", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let issued = issue(
            &two,
            &req("node", &["localhost"], Usage::Both, KeyAlgorithm::EcdsaP256),
            &two,
            t,
        )
        .unwrap();
        let leaf = &chain(&issued.cert)[0];
        let later = t + Duration::minutes(1);
        verify(
            &ca_der(&two),
            leaf,
            webpki::KeyUsage::server_auth(),
            &[],
            later,
        )
        .unwrap();
        assert!(
            verify(
                &ca_der(&one),
                leaf,
                webpki::KeyUsage::server_auth(),
                &[],
                later
            )
            .is_err()
        );
    }

    #[test]
    fn leaf_validity_is_clamped_to_the_ca() {
        let tmp = tempfile::tempdir().unwrap();
        let t = now();
        init_ca(tmp.path(), "ca", 10, KeyAlgorithm::EcdsaP256, t).unwrap();
        let issued = issue(
            tmp.path(),
            &req("n", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t,
        )
        .unwrap();
        let ca = ca_der(tmp.path());
        let leaf = &chain(&issued.cert)[0];
        let (_, ca) = x509_parser::parse_x509_certificate(&ca).unwrap();
        let (_, leaf) = x509_parser::parse_x509_certificate(leaf).unwrap();
        assert_eq!(leaf.validity().not_after, ca.validity().not_after);
        assert_eq!(
            leaf.validity().not_before.timestamp(),
            normalize_time(t - Duration::hours(1)).unix_timestamp()
        );
        // An expired CA issues nothing.
        let err = issue(
            tmp.path(),
            &req("m", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t + Duration::days(11),
        )
        .unwrap_err();
        assert!(matches!(err, CertsError::CaExpired { .. }), "{err:?}");
    }

    #[test]
    fn initial_crl_is_empty_and_accepted() {
        let tmp = tempfile::tempdir().unwrap();
        let t = now();
        init_ca(tmp.path(), "ca", 30, KeyAlgorithm::EcdsaP384, t).unwrap();
        let der =
            rustls_pki_types::CertificateRevocationListDer::from_pem_file(tmp.path().join(CA_CRL))
                .unwrap();
        let (_, parsed) = x509_parser::parse_x509_crl(&der).unwrap();
        assert_eq!(parsed.crl_number().unwrap().to_string(), "1");
        assert_eq!(parsed.iter_revoked_certificates().count(), 0);
        assert_eq!(parsed.last_update().timestamp(), t.unix_timestamp());
        assert_eq!(
            parsed.next_update().unwrap().timestamp(),
            (t + Duration::days(30)).unix_timestamp()
        );
        let issued = issue(
            tmp.path(),
            &req("n", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t,
        )
        .unwrap();
        let crl = load_crl(tmp.path());
        verify(
            &ca_der(tmp.path()),
            &chain(&issued.cert)[0],
            webpki::KeyUsage::client_auth(),
            &[&crl],
            t + Duration::minutes(1),
        )
        .unwrap();

        let reg = registry(tmp.path());
        assert_eq!(reg["version"], 1);
        assert_eq!(reg["crl_number"], 1);
        let entry = &reg["certificates"][0];
        assert_eq!(entry["serial"], issued.serial.as_str());
        assert_eq!(entry["common_name"], "n");
        assert!(entry["revoked_at"].is_null());
        let not_after = entry["not_after"].as_str().unwrap();
        OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339).unwrap();
    }

    #[test]
    fn revoke_lists_the_serial_in_the_crl() {
        let tmp = tempfile::tempdir().unwrap();
        let ca_dir = tmp.path();
        let t = now();
        init_ca(ca_dir, "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let a = issue(
            ca_dir,
            &req("a", &["localhost"], Usage::Both, KeyAlgorithm::EcdsaP256),
            ca_dir,
            t,
        )
        .unwrap();
        let b = issue(
            ca_dir,
            &req("b", &["localhost"], Usage::Both, KeyAlgorithm::Ed25519),
            ca_dir,
            t,
        )
        .unwrap();
        let ca = ca_der(ca_dir);
        let (leaf_a, leaf_b) = (chain(&a.cert).remove(0), chain(&b.cert).remove(0));
        let later = t + Duration::minutes(2);

        let rt = t + Duration::minutes(1);
        let revoked = revoke(ca_dir, &fs::read_to_string(&a.cert).unwrap(), rt).unwrap();
        assert_eq!(revoked.serial, a.serial);
        assert_eq!(revoked.common_name, "a");
        assert_eq!(revoked.crl, ca_dir.join(CA_CRL));

        let crl_der =
            rustls_pki_types::CertificateRevocationListDer::from_pem_file(&revoked.crl).unwrap();
        webpki::BorrowedCertRevocationList::from_der(&crl_der).unwrap();
        let (_, parsed) = x509_parser::parse_x509_crl(&crl_der).unwrap();
        assert_eq!(parsed.crl_number().unwrap().to_string(), "2");
        let serials: Vec<String> = parsed
            .iter_revoked_certificates()
            .map(|r| hex::encode(r.raw_serial()))
            .collect();
        assert_eq!(serials, vec![a.serial.clone()]);

        let crl = load_crl(ca_dir);
        for usage in [
            webpki::KeyUsage::server_auth(),
            webpki::KeyUsage::client_auth(),
        ] {
            let err = verify(&ca, &leaf_a, usage, &[&crl], later).unwrap_err();
            assert_eq!(err, webpki::Error::CertRevoked);
        }
        verify(
            &ca,
            &leaf_b,
            webpki::KeyUsage::server_auth(),
            &[&crl],
            later,
        )
        .unwrap();

        let reg = registry(ca_dir);
        assert_eq!(reg["crl_number"], 2);
        let entries = reg["certificates"].as_array().unwrap();
        let ra = entries
            .iter()
            .find(|e| e["serial"] == a.serial.as_str())
            .unwrap();
        let rb = entries
            .iter()
            .find(|e| e["serial"] == b.serial.as_str())
            .unwrap();
        let at = OffsetDateTime::parse(
            ra["revoked_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(at.unix_timestamp(), rt.unix_timestamp());
        assert!(rb["revoked_at"].is_null());

        // Twice: refused, by PEM and by serial.
        let err = revoke(ca_dir, &fs::read_to_string(&a.cert).unwrap(), later).unwrap_err();
        assert!(matches!(err, CertsError::AlreadyRevoked { .. }), "{err:?}");
        let err = revoke_serial(ca_dir, &a.serial.to_uppercase(), later).unwrap_err();
        assert!(matches!(err, CertsError::AlreadyRevoked { .. }), "{err:?}");

        // By serial, colon-separated with a leading zero byte: now both are listed.
        let colon: Vec<String> = hex::decode(&b.serial)
            .unwrap()
            .iter()
            .map(|x| format!("{x:02X}"))
            .collect();
        let revoked = revoke_serial(ca_dir, &format!("00:{}", colon.join(":")), later).unwrap();
        assert_eq!(
            (revoked.serial.as_str(), revoked.common_name.as_str()),
            (b.serial.as_str(), "b")
        );
        let crl = load_crl(ca_dir);
        assert_eq!(
            verify(
                &ca,
                &leaf_b,
                webpki::KeyUsage::server_auth(),
                &[&crl],
                later
            )
            .unwrap_err(),
            webpki::Error::CertRevoked
        );
        assert_eq!(
            verify(
                &ca,
                &leaf_a,
                webpki::KeyUsage::server_auth(),
                &[&crl],
                later
            )
            .unwrap_err(),
            webpki::Error::CertRevoked
        );
        assert_eq!(registry(ca_dir)["crl_number"], 3);
    }

    #[test]
    fn revoke_refuses_foreign_and_unknown_certificates() {
        let tmp = tempfile::tempdir().unwrap();
        let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
        let t = now();
        init_ca(&one, "zktr test CA", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        init_ca(&two, "zktr test CA", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let other = issue(
            &two,
            &req("x", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            &two,
            t,
        )
        .unwrap();
        let crl_before = fs::read(one.join(CA_CRL)).unwrap();

        // Same issuer name, other key: the signature check refuses it.
        let err = revoke(&one, &fs::read_to_string(&other.cert).unwrap(), t).unwrap_err();
        assert!(
            matches!(
                err,
                CertsError::NotIssuedByCa {
                    source: Some(_),
                    ..
                }
            ),
            "{err:?}"
        );
        // Other issuer name.
        let three = tmp.path().join("three");
        init_ca(&three, "another CA", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let third = issue(
            &three,
            &req("y", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            &three,
            t,
        )
        .unwrap();
        let err = revoke(&one, &fs::read_to_string(&third.cert).unwrap(), t).unwrap_err();
        assert!(
            matches!(err, CertsError::NotIssuedByCa { source: None, .. }),
            "{err:?}"
        );
        // By serial: not in this CA's registry.
        let err = revoke_serial(&one, &other.serial, t).unwrap_err();
        assert!(
            matches!(err, CertsError::UnknownCertificate { .. }),
            "{err:?}"
        );
        for bad in ["", "xyz", "00", "0x"] {
            let err = revoke_serial(&one, bad, t).unwrap_err();
            assert!(
                matches!(err, CertsError::InvalidSerial(_)),
                "{bad:?}: {err:?}"
            );
        }
        let err = revoke(&one, "not a certificate", t).unwrap_err();
        assert!(matches!(err, CertsError::NoCertificate { .. }), "{err:?}");
        assert_eq!(
            fs::read(one.join(CA_CRL)).unwrap(),
            crl_before,
            "CRL untouched"
        );
        assert_eq!(registry(&one)["crl_number"], 1);
    }

    #[test]
    fn init_refuses_an_existing_ca() {
        let tmp = tempfile::tempdir().unwrap();
        let t = now();
        let paths = init_ca(tmp.path(), "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let key = fs::read(&paths.key).unwrap();
        let cert = fs::read(&paths.cert).unwrap();
        let err = init_ca(tmp.path(), "ca", 30, KeyAlgorithm::Ed25519, t).unwrap_err();
        assert!(
            matches!(&err, CertsError::Exists { path } if *path == paths.key),
            "{err:?}"
        );
        assert_eq!(fs::read(&paths.key).unwrap(), key);
        assert_eq!(fs::read(&paths.cert).unwrap(), cert);
    }

    #[test]
    fn issue_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let t = now();
        init_ca(tmp.path(), "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let out = tmp.path().join("out");
        let r = req("node", &[], Usage::Both, KeyAlgorithm::EcdsaP256);
        let first = issue(tmp.path(), &r, &out, t).unwrap();
        let key = fs::read(&first.key).unwrap();
        let cert = fs::read(&first.cert).unwrap();
        let err = issue(tmp.path(), &r, &out, t).unwrap_err();
        assert!(
            matches!(&err, CertsError::Exists { path } if *path == first.key),
            "{err:?}"
        );
        assert_eq!(fs::read(&first.key).unwrap(), key);
        assert_eq!(fs::read(&first.cert).unwrap(), cert);
        // A stray certificate file alone also blocks issuance.
        fs::remove_file(&first.key).unwrap();
        let err = issue(tmp.path(), &r, &out, t).unwrap_err();
        assert!(
            matches!(&err, CertsError::Exists { path } if *path == first.cert),
            "{err:?}"
        );
        assert_eq!(
            registry(tmp.path())["certificates"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn bad_requests_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let t = now();
        init_ca(tmp.path(), "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        let long = "a".repeat(100);
        for cn in [
            "",
            "../x",
            long.as_str(),
            "a/b",
            "a\\b",
            "a\nb",
            ".hidden",
            " pad",
            "é",
        ] {
            let err = issue(
                tmp.path(),
                &req(cn, &[], Usage::Both, KeyAlgorithm::EcdsaP256),
                tmp.path(),
                t,
            )
            .unwrap_err();
            assert!(
                matches!(err, CertsError::InvalidCommonName { .. }),
                "{cn:?}: {err:?}"
            );
        }
        assert!(
            issue(
                tmp.path(),
                &req(&"a".repeat(64), &[], Usage::Both, KeyAlgorithm::EcdsaP256),
                tmp.path(),
                t
            )
            .is_ok()
        );
        for san in [
            "exa mple.com",
            "-a.com",
            "a..b",
            "under_score",
            "1.2.3.999",
            "*.*.x",
            "",
        ] {
            let err = issue(
                tmp.path(),
                &req("s", &[san], Usage::Both, KeyAlgorithm::EcdsaP256),
                tmp.path(),
                t,
            )
            .unwrap_err();
            assert!(
                matches!(err, CertsError::InvalidSan { .. }),
                "{san:?}: {err:?}"
            );
        }
        let mut r = req("s", &[], Usage::Both, KeyAlgorithm::EcdsaP256);
        r.validity_days = 0;
        assert!(matches!(
            issue(tmp.path(), &r, tmp.path(), t),
            Err(CertsError::InvalidRequest(_))
        ));
        r.validity_days = u32::MAX;
        assert!(matches!(
            issue(tmp.path(), &r, tmp.path(), t),
            Err(CertsError::InvalidRequest(_))
        ));
        let err = init_ca(&tmp.path().join("x"), "", 30, KeyAlgorithm::EcdsaP256, t).unwrap_err();
        assert!(
            matches!(err, CertsError::InvalidCommonName { .. }),
            "{err:?}"
        );
        // Nothing was recorded or written for refused requests except the 64-char one.
        assert_eq!(
            registry(tmp.path())["certificates"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Missing CA.
        let err = issue(
            &tmp.path().join("none"),
            &req("s", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t,
        )
        .unwrap_err();
        assert!(
            matches!(&err, CertsError::Io { path, .. } if path.ends_with(CA_CERT)),
            "{err:?}"
        );
    }

    #[test]
    fn ca_key_must_match_ca_certificate() {
        let tmp = tempfile::tempdir().unwrap();
        let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
        let t = now();
        init_ca(&one, "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        init_ca(&two, "ca", 30, KeyAlgorithm::EcdsaP256, t).unwrap();
        fs::copy(two.join(CA_KEY), one.join(CA_KEY)).unwrap();
        let err = issue(
            &one,
            &req("n", &[], Usage::Both, KeyAlgorithm::EcdsaP256),
            tmp.path(),
            t,
        )
        .unwrap_err();
        assert!(matches!(err, CertsError::CaKeyMismatch { .. }), "{err:?}");
    }

    #[test]
    fn subject_common_name_of_trisa_testnet_certificate() {
        let pem = fs::read(TRISA_CERT).unwrap();
        let der = first_certificate_der(&pem, TRISA_CERT).unwrap();
        assert_eq!(subject_common_name(&der).unwrap(), "alice.vaspbot.net");
        // The same certificate through rustls' PEM reader.
        let first = CertificateDer::pem_slice_iter(&pem)
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(subject_common_name(&first).unwrap(), "alice.vaspbot.net");
    }

    #[test]
    fn subject_common_name_errors() {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["only-a-san".to_string()]).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::OrganizationName, "no CN");
        let cert = params.self_signed(&key).unwrap();
        assert!(matches!(
            subject_common_name(cert.der()),
            Err(CertsError::NoCommonName)
        ));
        assert!(matches!(
            subject_common_name(b"garbage"),
            Err(CertsError::X509 { .. })
        ));
    }

    #[test]
    fn names_parse_and_display() {
        for alg in [
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
            KeyAlgorithm::Ed25519,
        ] {
            assert_eq!(alg.to_string().parse::<KeyAlgorithm>().unwrap(), alg);
        }
        assert_eq!(
            "P384".parse::<KeyAlgorithm>().unwrap(),
            KeyAlgorithm::EcdsaP384
        );
        assert!("rsa".parse::<KeyAlgorithm>().is_err());
        assert_eq!(KeyAlgorithm::default(), KeyAlgorithm::EcdsaP256);
        for usage in [Usage::Server, Usage::Client, Usage::Both] {
            assert_eq!(usage.to_string().parse::<Usage>().unwrap(), usage);
        }
        assert_eq!(Usage::default(), Usage::Both);
        assert!("peer".parse::<Usage>().is_err());
    }

    #[test]
    fn pem_encoding_round_trips() {
        for len in 0..200usize {
            let der: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let pem = pem_encode("TEST", &der);
            let block = Pem::iter_from_buffer(pem.as_bytes())
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(block.label, "TEST");
            assert_eq!(block.contents, der, "length {len}");
            assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        }
    }

    #[test]
    fn serials_normalize() {
        assert_eq!(normalize_serial("0x00AB:cd").unwrap(), "abcd");
        assert_eq!(normalize_serial(" abc ").unwrap(), "0abc");
        assert_eq!(serial_to_hex(&[0, 0, 1, 2]).unwrap(), "0102");
        let s = random_serial().unwrap();
        assert!(s[0] & 0x80 == 0 && s[0] != 0);
        assert_ne!(random_serial().unwrap(), s);
    }
}
