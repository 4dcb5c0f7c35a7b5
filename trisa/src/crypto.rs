//! TRISA's payload cipher and MAC, byte-exact with TRISA's implementation:
//! AES-256-GCM with a 12-byte random nonce and no associated data, laid out as
//! `ciphertext || tag || nonce` (the nonce LAST); HMAC-SHA256 over that whole string.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit};
use hmac::{Hmac, Mac};
use rsa::rand_core::{OsRng, RngCore};
use sha2::Sha256;

/// TRISA's name of the payload cipher.
pub const AES256_GCM: &str = "AES256-GCM";
/// TRISA's name of the MAC.
pub const HMAC_SHA256: &str = "HMAC-SHA256";
/// AES-256 key length.
pub const KEY_LEN: usize = 32;
/// GCM nonce length.
pub const NONCE_LEN: usize = 12;
/// GCM tag length.
pub const TAG_LEN: usize = 16;

/// Why a cipher or MAC step failed (no detail: it would only help an attacker).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key is not 32 bytes.
    #[error("the encryption key must be {KEY_LEN} bytes, got {0}")]
    KeyLength(usize),
    /// The ciphertext is shorter than tag + nonce.
    #[error("the encrypted payload is too short ({0} bytes)")]
    TooShort(usize),
    /// The GCM tag did not verify.
    #[error("AES-256-GCM authentication failed")]
    Authentication,
    /// The HMAC secret is empty.
    #[error("the HMAC secret is empty")]
    EmptyHmacSecret,
    /// The HMAC does not match.
    #[error("HMAC-SHA256 mismatch")]
    HmacMismatch,
}

/// Fresh random bytes from the OS.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// Encrypts: `ciphertext || tag || nonce`.
pub fn encrypt(key: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::KeyLength(key.len()))?;
    let nonce: [u8; NONCE_LEN] = random_bytes();
    let mut out = cipher
        .encrypt(&nonce.into(), plaintext)
        .map_err(|_| CryptoError::Authentication)?;
    out.extend_from_slice(&nonce);
    Ok(out)
}

/// Decrypts `ciphertext || tag || nonce`.
pub fn decrypt(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| CryptoError::KeyLength(key.len()))?;
    if data.len() < TAG_LEN + NONCE_LEN {
        return Err(CryptoError::TooShort(data.len()));
    }
    let (body, nonce) = data.split_at(data.len() - NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| CryptoError::TooShort(data.len()))?;
    cipher
        .decrypt(&nonce.into(), body)
        .map_err(|_| CryptoError::Authentication)
}

fn mac(secret: &[u8]) -> Result<Hmac<Sha256>, CryptoError> {
    if secret.is_empty() {
        return Err(CryptoError::EmptyHmacSecret);
    }
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| CryptoError::EmptyHmacSecret)
}

/// HMAC-SHA256 of `data`.
pub fn hmac_sign(secret: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut m = mac(secret)?;
    m.update(data);
    Ok(m.finalize().into_bytes().to_vec())
}

/// Checks an HMAC-SHA256 in constant time.
pub fn hmac_verify(secret: &[u8], data: &[u8], tag: &[u8]) -> Result<(), CryptoError> {
    let mut m = mac(secret)?;
    m.update(data);
    m.verify_slice(tag).map_err(|_| CryptoError::HmacMismatch)
}
