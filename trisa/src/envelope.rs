//! Sealing and opening TRISA v1beta1 `SecureEnvelope`s.
//!
//! Sealing: the `Payload` is encoded as binary protobuf, encrypted with a fresh
//! AES-256-GCM key ([`super::crypto`]), MACed with a fresh HMAC secret, and both secrets
//! are sealed to the recipient's public key: RSA-OAEP with SHA-512 for hash and MGF1 and
//! an empty label (TRISA's `RSA-OAEP-SHA512`, the default), or HPKE (RFC 9180) base
//! mode with X25519 for peers that advertise an X25519 key. `public_key_signature` names
//! the key sealed to.
//!
//! Opening runs the steps in this order, and a failure names its [`Step`]:
//! unseal the two secrets, check the HMAC (before any decryption), decrypt, decode.

use super::crypto::{self, AES256_GCM, CryptoError, HMAC_SHA256};
use super::keys::{HpkeKem, KeyError, PublicSealingKey, SealingKey};
use crate::pb::api::{Payload, SecureEnvelope, TransferState};
use hpke::{Deserializable, Serializable};
use prost::Message;
use rsa::Oaep;
use rsa::rand_core::OsRng;

/// HPKE suite for X25519 sealing: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.
type HpkeKdf = hpke::kdf::HkdfSha256;
type HpkeAead = hpke::aead::AesGcm256;
/// HPKE `info` for the sealed encryption key.
const HPKE_INFO_KEY: &[u8] = b"zktr trisa-envelope v1 encryption_key";
/// HPKE `info` for the sealed HMAC secret.
const HPKE_INFO_HMAC: &[u8] = b"zktr trisa-envelope v1 hmac_secret";
/// Length of an X25519 encapsulated key.
const HPKE_ENC_LEN: usize = 32;

/// The step of opening an envelope that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reading the envelope itself (fields, algorithms, key match).
    Envelope,
    /// Unsealing the encryption key or HMAC secret with the private key.
    Unseal,
    /// Checking the HMAC over the encrypted payload.
    Hmac,
    /// Decrypting the payload.
    Decrypt,
    /// Decoding the decrypted bytes as a `Payload`.
    Decode,
}

/// Why an envelope could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The recipient key could not be encoded.
    #[error("recipient key: {0}")]
    Key(#[from] KeyError),
    /// Encryption failed.
    #[error("encrypt: {0}")]
    Crypto(#[from] CryptoError),
    /// Sealing a secret to the recipient key failed.
    #[error("seal: {0}")]
    Seal(String),
}

/// Why an envelope could not be opened. [`OpenError::step`] says which step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The envelope carries a TRISA error instead of a payload.
    #[error("envelope: it carries a TRISA error instead of a payload: {code} ({message})")]
    ErrorEnvelope {
        /// The error code's name.
        code: String,
        /// The error message.
        message: String,
    },
    /// The envelope has no payload.
    #[error("envelope: no payload")]
    NoPayload,
    /// The envelope is sealed and no private key was given.
    #[error("envelope: it is sealed and needs the recipient's private key")]
    KeyRequired,
    /// An algorithm zktr does not implement.
    #[error("envelope: unsupported {what} algorithm {name:?}")]
    UnsupportedAlgorithm {
        /// Which algorithm field.
        what: &'static str,
        /// Its value.
        name: String,
    },
    /// The envelope was sealed to another key.
    #[error("envelope: sealed for key {envelope}, but this key is {ours}")]
    WrongKey {
        /// The envelope's `public_key_signature`.
        envelope: String,
        /// Our key's signature.
        ours: String,
    },
    /// The encryption key or HMAC secret could not be unsealed.
    #[error("unseal: the {what} could not be unsealed with this key")]
    Unseal {
        /// `encryption_key` or `hmac_secret`.
        what: &'static str,
    },
    /// The HMAC does not match the encrypted payload.
    #[error("HMAC: {0}")]
    Hmac(CryptoError),
    /// The payload did not decrypt.
    #[error("decrypt: {0}")]
    Decrypt(CryptoError),
    /// The plaintext is not a `trisa.api.v1beta1.Payload`.
    #[error("decode: the decrypted payload is not a trisa.api.v1beta1.Payload")]
    Decode(#[source] prost::DecodeError),
}

impl OpenError {
    /// The step that failed.
    pub fn step(&self) -> Step {
        match self {
            OpenError::ErrorEnvelope { .. }
            | OpenError::NoPayload
            | OpenError::KeyRequired
            | OpenError::UnsupportedAlgorithm { .. }
            | OpenError::WrongKey { .. } => Step::Envelope,
            OpenError::Unseal { .. } => Step::Unseal,
            OpenError::Hmac(_) => Step::Hmac,
            OpenError::Decrypt(_) => Step::Decrypt,
            OpenError::Decode(_) => Step::Decode,
        }
    }
}

/// What to put on the envelope besides the payload.
#[derive(Debug, Clone)]
pub struct SealOptions {
    /// Envelope id (a UUID; a fresh v4 if `None`).
    pub id: Option<uuid::Uuid>,
    /// Transfer state.
    pub transfer_state: TransferState,
    /// Timestamp (RFC 3339; now if `None`).
    pub timestamp: Option<String>,
}

impl Default for SealOptions {
    fn default() -> Self {
        Self {
            id: None,
            transfer_state: TransferState::Started,
            timestamp: None,
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn seal_secret(
    to: &PublicSealingKey,
    secret: &[u8],
    info: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, SealError> {
    match to {
        PublicSealingKey::Rsa(pk) => pk
            .encrypt(&mut OsRng, Oaep::new::<rsa::sha2::Sha512>(), secret)
            .map_err(|e| SealError::Seal(e.to_string())),
        PublicSealingKey::X25519(pk) => {
            let (enc, ct) = hpke::single_shot_seal::<HpkeAead, HpkeKdf, HpkeKem>(
                &hpke::OpModeS::Base,
                pk,
                info,
                secret,
                aad,
            )
            .map_err(|e| SealError::Seal(e.to_string()))?;
            let mut out = enc.to_bytes().to_vec();
            out.extend_from_slice(&ct);
            Ok(out)
        }
    }
}

fn unseal_secret(
    key: &SealingKey,
    sealed: &[u8],
    info: &[u8],
    aad: &[u8],
    what: &'static str,
) -> Result<Vec<u8>, OpenError> {
    let fail = || OpenError::Unseal { what };
    match key {
        SealingKey::Rsa(sk) => sk
            .decrypt(Oaep::new::<rsa::sha2::Sha512>(), sealed)
            .map_err(|_| fail()),
        SealingKey::X25519(sk) => {
            if sealed.len() < HPKE_ENC_LEN {
                return Err(fail());
            }
            let (enc, ct) = sealed.split_at(HPKE_ENC_LEN);
            let enc = <HpkeKem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| fail())?;
            hpke::single_shot_open::<HpkeAead, HpkeKdf, HpkeKem>(
                &hpke::OpModeR::Base,
                sk,
                &enc,
                info,
                ct,
                aad,
            )
            .map_err(|_| fail())
        }
    }
}

/// Seals `payload` to `to`.
pub fn seal(
    payload: &Payload,
    to: &PublicSealingKey,
    options: &SealOptions,
) -> Result<SecureEnvelope, SealError> {
    seal_bytes(&payload.encode_to_vec(), to, options)
}

/// Seals arbitrary plaintext bytes to `to` the same way (zktr uses it for the commitment
/// opening that travels beside an attested envelope; [`open_bytes`] opens it).
pub fn seal_bytes(
    plaintext: &[u8],
    to: &PublicSealingKey,
    options: &SealOptions,
) -> Result<SecureEnvelope, SealError> {
    let id = options.id.unwrap_or_else(uuid::Uuid::new_v4).to_string();
    let key: [u8; crypto::KEY_LEN] = crypto::random_bytes();
    let hmac_secret: [u8; crypto::KEY_LEN] = crypto::random_bytes();
    let encrypted = crypto::encrypt(&key, plaintext)?;
    let hmac = crypto::hmac_sign(&hmac_secret, &encrypted)?;
    Ok(SecureEnvelope {
        payload: encrypted,
        encryption_key: seal_secret(to, &key, HPKE_INFO_KEY, id.as_bytes())?,
        encryption_algorithm: AES256_GCM.to_string(),
        hmac,
        hmac_secret: seal_secret(to, &hmac_secret, HPKE_INFO_HMAC, id.as_bytes())?,
        hmac_algorithm: HMAC_SHA256.to_string(),
        error: None,
        timestamp: options.timestamp.clone().unwrap_or_else(now_rfc3339),
        sealed: true,
        public_key_signature: to.signature()?,
        transfer_state: options.transfer_state as i32,
        id,
    })
}

/// The encryption key and HMAC secret of an envelope, unsealed with `key` if it is sealed.
fn secrets(
    env: &SecureEnvelope,
    key: Option<&SealingKey>,
) -> Result<(Vec<u8>, Vec<u8>), OpenError> {
    if !env.sealed {
        return Ok((env.encryption_key.clone(), env.hmac_secret.clone()));
    }
    let key = key.ok_or(OpenError::KeyRequired)?;
    if !env.public_key_signature.is_empty()
        && let Ok(ours) = key.public_key().signature()
        && ours != env.public_key_signature
    {
        return Err(OpenError::WrongKey {
            envelope: env.public_key_signature.chars().take(80).collect(),
            ours,
        });
    }
    let aad = env.id.as_bytes();
    let enc_key = unseal_secret(
        key,
        &env.encryption_key,
        HPKE_INFO_KEY,
        aad,
        "encryption_key",
    )?;
    let hmac_secret = unseal_secret(key, &env.hmac_secret, HPKE_INFO_HMAC, aad, "hmac_secret")?;
    Ok((enc_key, hmac_secret))
}

fn check_algorithms(env: &SecureEnvelope) -> Result<(), OpenError> {
    if env.encryption_algorithm != AES256_GCM {
        return Err(OpenError::UnsupportedAlgorithm {
            what: "encryption",
            name: env.encryption_algorithm.chars().take(64).collect(),
        });
    }
    if env.hmac_algorithm != HMAC_SHA256 {
        return Err(OpenError::UnsupportedAlgorithm {
            what: "HMAC",
            name: env.hmac_algorithm.chars().take(64).collect(),
        });
    }
    Ok(())
}

/// Opens an envelope to its decrypted payload bytes (binary protobuf), without decoding.
/// `key` may be `None` for an unsealed envelope (secrets in the clear).
pub fn open_bytes(env: &SecureEnvelope, key: Option<&SealingKey>) -> Result<Vec<u8>, OpenError> {
    if let Some(err) = &env.error
        && env.payload.is_empty()
    {
        let code = crate::pb::api::error::Code::try_from(err.code)
            .map(|c| c.as_str_name().to_string())
            .unwrap_or_else(|_| err.code.to_string());
        return Err(OpenError::ErrorEnvelope {
            code,
            message: err.message.chars().take(200).collect(),
        });
    }
    if env.payload.is_empty() {
        return Err(OpenError::NoPayload);
    }
    check_algorithms(env)?;
    let (enc_key, hmac_secret) = secrets(env, key)?;
    crypto::hmac_verify(&hmac_secret, &env.payload, &env.hmac).map_err(OpenError::Hmac)?;
    crypto::decrypt(&enc_key, &env.payload).map_err(OpenError::Decrypt)
}

/// Opens an envelope to its `Payload`.
pub fn open(env: &SecureEnvelope, key: Option<&SealingKey>) -> Result<Payload, OpenError> {
    let bytes = open_bytes(env, key)?;
    Payload::decode(bytes.as_slice()).map_err(OpenError::Decode)
}
