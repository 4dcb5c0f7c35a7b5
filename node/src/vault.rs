//! Encryption at rest: the storage key and per-transfer data keys.
//!
//! The storage key (32 bytes, from a file or an environment variable, as 64 hex digits)
//! never encrypts personal data itself. Each transfer we originate gets a fresh 32-byte
//! data key; its payload is AES-256-GCM under that key and the data key is stored
//! AES-256-GCM-wrapped by the storage key. Deleting a transfer's wrapped data key erases
//! its personal data (crypto-erasure) while its envelopes, states and proofs stay.
//! Received envelopes need none of this: they stay sealed for our sealing key.

use crate::config::StorageConfig;
use crate::store::SealedPayload;
use zktr_trisa::crypto;

/// Why a key could not be loaded or a value not opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The storage key source is missing or malformed (the message names it).
    #[error("storage key: {0}")]
    Key(String),
    /// A stored value did not decrypt under the storage key (wrong key or tampering).
    #[error("stored data does not decrypt with this storage key")]
    Decrypt(#[source] crypto::CryptoError),
}

/// The node's storage key.
#[derive(Clone)]
pub struct Vault {
    key: [u8; 32],
}

impl core::fmt::Debug for Vault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Vault(<redacted>)")
    }
}

fn parse_hex_key(text: &str, source: &str) -> Result<[u8; 32], VaultError> {
    let bytes =
        hex::decode(text.trim()).map_err(|_| VaultError::Key(format!("{source} is not hex")))?;
    bytes
        .try_into()
        .map_err(|_| VaultError::Key(format!("{source} must hold 32 bytes (64 hex digits)")))
}

impl Vault {
    /// Loads the storage key the configuration names.
    pub fn load(config: &StorageConfig) -> Result<Self, VaultError> {
        let key = match (&config.key_file, &config.key_env) {
            (Some(path), _) => {
                let bytes = crate::config::read_small(path, 4096)
                    .map_err(|e| VaultError::Key(e.to_string()))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| VaultError::Key(format!("{} is not text", path.display())))?;
                parse_hex_key(&text, &path.display().to_string())?
            }
            (None, Some(var)) => {
                let text = std::env::var(var).map_err(|_| {
                    VaultError::Key(format!("environment variable {var} is not set"))
                })?;
                parse_hex_key(&text, &format!("environment variable {var}"))?
            }
            (None, None) => return Err(VaultError::Key("no key_file or key_env".into())),
        };
        Ok(Self { key })
    }

    /// A vault over a given key (tests, `node init`).
    pub fn from_key(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// A fresh random storage key as 64 hex digits (for `node init`).
    pub fn generate_hex() -> String {
        hex::encode(crypto::random_bytes::<32>())
    }

    /// Encrypts `plaintext` under a fresh data key, wrapped by the storage key.
    pub fn seal(&self, plaintext: &[u8]) -> Result<SealedPayload, VaultError> {
        let data_key: [u8; 32] = crypto::random_bytes();
        let payload = crypto::encrypt(&data_key, plaintext).map_err(VaultError::Decrypt)?;
        let data_key = crypto::encrypt(&self.key, &data_key).map_err(VaultError::Decrypt)?;
        Ok(SealedPayload { payload, data_key })
    }

    /// Decrypts what [`Vault::seal`] produced.
    pub fn open(&self, sealed: &SealedPayload) -> Result<Vec<u8>, VaultError> {
        let data_key = crypto::decrypt(&self.key, &sealed.data_key).map_err(VaultError::Decrypt)?;
        crypto::decrypt(&data_key, &sealed.payload).map_err(VaultError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_wrong_key() {
        let v = Vault::from_key([7; 32]);
        let s = v.seal(b"identity").unwrap();
        assert_eq!(v.open(&s).unwrap(), b"identity");
        assert!(!s.payload.windows(8).any(|w| w == b"identity"));
        assert!(Vault::from_key([8; 32]).open(&s).is_err());
    }

    #[test]
    fn key_sources() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("k");
        std::fs::write(&f, format!("{}\n", "ab".repeat(32))).unwrap();
        let cfg = StorageConfig {
            data_dir: dir.path().into(),
            key_file: Some(f.clone()),
            key_env: None,
        };
        assert!(Vault::load(&cfg).is_ok());
        std::fs::write(&f, "abcd").unwrap();
        assert!(
            Vault::load(&cfg)
                .unwrap_err()
                .to_string()
                .contains("32 bytes")
        );
        let cfg = StorageConfig {
            data_dir: dir.path().into(),
            key_file: None,
            key_env: Some("ZKTR_TEST_UNSET_STORAGE_KEY".into()),
        };
        assert!(
            Vault::load(&cfg)
                .unwrap_err()
                .to_string()
                .contains("not set")
        );
    }
}
