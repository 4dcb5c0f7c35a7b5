//! Sealing keys: RSA (TRISA's default, RSA-OAEP-SHA512) and X25519 (HPKE, RFC 9180), read
//! from PEM, and TRISA's `public_key_signature` of a public key.
//!
//! PEM labels are not trusted: TRISA's own fixture `sealing_key.pem` says
//! `RSA PRIVATE KEY` (PKCS#1) but holds PKCS#8, so a private key body is tried as PKCS#8
//! first and as PKCS#1 second, whatever the label says; a public key as
//! SubjectPublicKeyInfo first and PKCS#1 second.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hpke::{Deserializable, Kem as _, Serializable};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// The HPKE KEM zktr uses for X25519 sealing.
pub type HpkeKem = hpke::kem::X25519HkdfSha256;

/// DER prefix of an X25519 PKCS#8 private key (RFC 8410), followed by the 32-byte key.
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];
/// DER prefix of an X25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32-byte key.
const X25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
];

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No PEM block, or a broken one.
    #[error("not a PEM file: {0}")]
    Pem(&'static str),
    /// The PEM body is not base64.
    #[error("PEM body is not base64")]
    Base64,
    /// The DER is neither an RSA nor an X25519 key of the expected kind.
    #[error("not an RSA or X25519 {0} key (PKCS#8, PKCS#1 or SubjectPublicKeyInfo)")]
    Unsupported(&'static str),
    /// Encoding a key failed.
    #[error("cannot encode the key: {0}")]
    Encode(String),
}

/// A recipient's private key, which opens envelopes sealed to it.
#[derive(Clone)]
pub enum SealingKey {
    /// RSA: TRISA's RSA-OAEP-SHA512 key sealing.
    Rsa(Box<RsaPrivateKey>),
    /// X25519: HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
    X25519(<HpkeKem as hpke::Kem>::PrivateKey),
}

impl core::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SealingKey::Rsa(_) => f.write_str("SealingKey::Rsa(<redacted>)"),
            SealingKey::X25519(_) => f.write_str("SealingKey::X25519(<redacted>)"),
        }
    }
}

/// A recipient's public key, to seal envelopes to.
#[derive(Clone, Debug)]
pub enum PublicSealingKey {
    /// RSA (TRISA-compatible default).
    Rsa(RsaPublicKey),
    /// X25519 (HPKE), for peers that advertise it.
    X25519(<HpkeKem as hpke::Kem>::PublicKey),
}

/// The DER bodies of every PEM block in `pem`, with their labels.
pub fn pem_blocks(pem: &str) -> Result<Vec<(String, Vec<u8>)>, KeyError> {
    let mut out = Vec::new();
    let mut lines = pem.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut closed = false;
        for l in lines.by_ref() {
            let l = l.trim();
            if l == end {
                closed = true;
                break;
            }
            if l.contains(':') {
                return Err(KeyError::Pem("encrypted or annotated PEM is not supported"));
            }
            body.push_str(l);
        }
        if !closed {
            return Err(KeyError::Pem("a PEM block has no END line"));
        }
        let der = STANDARD
            .decode(body.as_bytes())
            .map_err(|_| KeyError::Base64)?;
        out.push((label.to_string(), der));
    }
    if out.is_empty() {
        return Err(KeyError::Pem("no PEM block found"));
    }
    Ok(out)
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

impl SealingKey {
    /// Reads the first private key in a PEM file (any label; see the module docs).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        for (label, der) in pem_blocks(pem)? {
            if !label.contains("PRIVATE KEY") {
                continue;
            }
            return Self::from_der(&der);
        }
        Err(KeyError::Pem("no PRIVATE KEY block found"))
    }

    /// Reads a PKCS#8 (RSA or X25519) or PKCS#1 (RSA) private key.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Some(raw) = der.strip_prefix(&X25519_PKCS8_PREFIX[..])
            && raw.len() == 32
        {
            let sk = <HpkeKem as hpke::Kem>::PrivateKey::from_bytes(raw)
                .map_err(|_| KeyError::Unsupported("private"))?;
            return Ok(SealingKey::X25519(sk));
        }
        RsaPrivateKey::from_pkcs8_der(der)
            .or_else(|_| RsaPrivateKey::from_pkcs1_der(der))
            .map(|k| SealingKey::Rsa(Box::new(k)))
            .map_err(|_| KeyError::Unsupported("private"))
    }

    /// A fresh X25519 key (HPKE).
    pub fn generate_x25519() -> Self {
        let (sk, _) = HpkeKem::gen_keypair();
        SealingKey::X25519(sk)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicSealingKey {
        match self {
            SealingKey::Rsa(k) => PublicSealingKey::Rsa(k.to_public_key()),
            SealingKey::X25519(sk) => PublicSealingKey::X25519(HpkeKem::sk_to_pk(sk)),
        }
    }

    /// PKCS#8 PEM (`PRIVATE KEY`).
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let der = match self {
            SealingKey::Rsa(k) => k
                .to_pkcs8_der()
                .map_err(|e| KeyError::Encode(e.to_string()))?
                .as_bytes()
                .to_vec(),
            SealingKey::X25519(sk) => {
                let mut v = X25519_PKCS8_PREFIX.to_vec();
                v.extend_from_slice(&sk.to_bytes());
                v
            }
        };
        Ok(to_pem("PRIVATE KEY", &der))
    }
}

impl PublicSealingKey {
    /// Reads the first public key in a PEM file (`PUBLIC KEY` or `RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        for (label, der) in pem_blocks(pem)? {
            if !label.contains("PUBLIC KEY") {
                continue;
            }
            return Self::from_der(&der);
        }
        Err(KeyError::Pem("no PUBLIC KEY block found"))
    }

    /// Reads a SubjectPublicKeyInfo (RSA or X25519) or PKCS#1 (RSA) public key.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        if let Some(raw) = der.strip_prefix(&X25519_SPKI_PREFIX[..])
            && raw.len() == 32
        {
            let pk = <HpkeKem as hpke::Kem>::PublicKey::from_bytes(raw)
                .map_err(|_| KeyError::Unsupported("public"))?;
            return Ok(PublicSealingKey::X25519(pk));
        }
        RsaPublicKey::from_public_key_der(der)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(der))
            .map(PublicSealingKey::Rsa)
            .map_err(|_| KeyError::Unsupported("public"))
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> Result<Vec<u8>, KeyError> {
        match self {
            PublicSealingKey::Rsa(k) => Ok(k
                .to_public_key_der()
                .map_err(|e| KeyError::Encode(e.to_string()))?
                .as_bytes()
                .to_vec()),
            PublicSealingKey::X25519(pk) => {
                let mut v = X25519_SPKI_PREFIX.to_vec();
                v.extend_from_slice(&pk.to_bytes());
                Ok(v)
            }
        }
    }

    /// SubjectPublicKeyInfo PEM (`PUBLIC KEY`).
    pub fn to_pem(&self) -> Result<String, KeyError> {
        Ok(to_pem("PUBLIC KEY", &self.spki_der()?))
    }

    /// TRISA's `public_key_signature`: `"SHA256:"` + unpadded standard base64 of SHA-256
    /// of the SubjectPublicKeyInfo DER.
    pub fn signature(&self) -> Result<String, KeyError> {
        let digest = Sha256::digest(self.spki_der()?);
        Ok(format!("SHA256:{}", STANDARD_NO_PAD.encode(digest)))
    }
}
