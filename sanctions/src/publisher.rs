//! The list publisher's Ed25519 key pair, stored as self-describing JSON files whose
//! `kind` is checked on load, so a public key can never be read as a secret one (or the
//! other way round):
//!
//! ```json
//! { "kind": "zktr.sanctions-publisher.secret-key.v1", "algorithm": "ed25519",
//!   "key_id": "ed25519:<32 hex>", "secret_key": "<64 hex: the 32-byte seed>" }
//! { "kind": "zktr.sanctions-publisher.public-key.v1", "algorithm": "ed25519",
//!   "key_id": "ed25519:<32 hex>", "public_key": "<64 hex>" }
//! ```
//!
//! `public_key` is the same 64 hex digits a policy's or trust file's
//! `sanctions_publishers[].public_key` holds. `key_id` is
//! [`publisher_key_id`] and is checked
//! against the key on load (an edited file is refused). The secret key file is created
//! with mode 0600 and never overwritten unless asked to.

use super::error::{Result, SanctionsError};
use crate::limits::MAX_KEY_FILE_BYTES;
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zktr_records::publisher_key_id;

/// `kind` of a secret key file.
pub const SECRET_KEY_KIND: &str = "zktr.sanctions-publisher.secret-key.v1";
/// `kind` of a public key file.
pub const PUBLIC_KEY_KIND: &str = "zktr.sanctions-publisher.public-key.v1";
const ALGORITHM: &str = "ed25519";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kind: String,
    algorithm: String,
    key_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
}

/// A new random signing key (from the operating system's generator).
pub fn generate_key() -> SigningKey {
    let mut rng = rand::rng();
    SigningKey::generate(&mut rng)
}

/// The path of the public key that goes with secret key file `path`: `path` + `.pub`.
pub fn public_key_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// Writes the secret key to `path` and the public key to `path` + `.pub`; returns the
/// public key's path. Unless `overwrite`, an existing file at either path is
/// [`SanctionsError::KeyExists`] and nothing is written.
pub fn write_key_pair(key: &SigningKey, path: &Path, overwrite: bool) -> Result<PathBuf> {
    let pub_path = public_key_path(path);
    if !overwrite {
        for p in [path, pub_path.as_path()] {
            if p.exists() {
                return Err(SanctionsError::KeyExists {
                    path: p.to_path_buf(),
                });
            }
        }
    }
    let vk = key.verifying_key();
    let id = publisher_key_id(&vk);
    let secret = KeyFile {
        kind: SECRET_KEY_KIND.into(),
        algorithm: ALGORITHM.into(),
        key_id: id.clone(),
        secret_key: Some(hex::encode(key.to_bytes())),
        public_key: None,
    };
    let public = KeyFile {
        kind: PUBLIC_KEY_KIND.into(),
        algorithm: ALGORITHM.into(),
        key_id: id,
        secret_key: None,
        public_key: Some(hex::encode(vk.as_bytes())),
    };
    write_private(path, &to_text(&secret), overwrite)?;
    std::fs::write(&pub_path, to_text(&public)).map_err(|e| SanctionsError::write(&pub_path, e))?;
    Ok(pub_path)
}

fn to_text(k: &KeyFile) -> String {
    // Plain strings: serializing cannot fail.
    serde_json::to_string_pretty(k).unwrap_or_default() + "\n"
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str, overwrite: bool) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).mode(0o600);
    if overwrite {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    let mut f = o.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => SanctionsError::KeyExists {
            path: path.to_path_buf(),
        },
        _ => SanctionsError::write(path, e),
    })?;
    f.write_all(text.as_bytes())
        .map_err(|e| SanctionsError::write(path, e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str, overwrite: bool) -> Result<()> {
    if !overwrite && path.exists() {
        return Err(SanctionsError::KeyExists {
            path: path.to_path_buf(),
        });
    }
    std::fs::write(path, text).map_err(|e| SanctionsError::write(path, e))
}

fn bad(path: &Path, reason: impl Into<String>) -> SanctionsError {
    SanctionsError::InvalidKey {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads a key file and checks that it is of `kind`.
fn read_key_file(path: &Path, kind: &str) -> Result<KeyFile> {
    let bytes = SanctionsError::read_limited(path, MAX_KEY_FILE_BYTES, "a key file")?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad(path, "not a text file"))?;
    let trimmed = text.trim();
    if trimmed.len() == 64 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(
            path,
            "bare hex (an old key file that does not say whether it is secret or public); \
             make a new pair with `zktr sanctions keygen`",
        ));
    }
    let file: KeyFile = serde_json::from_str(trimmed).map_err(|e| {
        bad(
            path,
            format!("not a zktr publisher key file (JSON with a \"kind\"): {e}"),
        )
    })?;
    if file.kind != kind {
        let what = match file.kind.as_str() {
            SECRET_KEY_KIND => "a secret key".to_string(),
            PUBLIC_KEY_KIND => "a public key".to_string(),
            other => format!("of kind {other:?}"),
        };
        let wanted = if kind == SECRET_KEY_KIND {
            "a secret key (the file keygen wrote without .pub)"
        } else {
            "a public key (the .pub file keygen wrote)"
        };
        return Err(bad(
            path,
            format!("this file is {what}; {wanted} is needed here"),
        ));
    }
    if file.algorithm != ALGORITHM {
        return Err(bad(
            path,
            format!(
                "algorithm {:?}; only {ALGORITHM:?} is supported",
                file.algorithm
            ),
        ));
    }
    Ok(file)
}

fn unhex32(path: &Path, field: &str, value: Option<&str>) -> Result<[u8; 32]> {
    let v = value.ok_or_else(|| bad(path, format!("no {field}")))?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(v, &mut out)
        .map_err(|_| bad(path, format!("{field}: expected 64 hex digits")))?;
    Ok(out)
}

fn check_id(path: &Path, file: &KeyFile, key: &VerifyingKey) -> Result<()> {
    let id = publisher_key_id(key);
    if file.key_id != id {
        return Err(bad(
            path,
            format!(
                "key_id {} does not belong to the key (its id is {id})",
                file.key_id
            ),
        ));
    }
    Ok(())
}

/// Reads a secret key file; a public key file (or anything else) is refused.
pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let file = read_key_file(path, SECRET_KEY_KIND)?;
    let key = SigningKey::from_bytes(&unhex32(path, "secret_key", file.secret_key.as_deref())?);
    check_id(path, &file, &key.verifying_key())?;
    Ok(key)
}

/// Reads a public key file; a secret key file (or anything else) is refused.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
    let file = read_key_file(path, PUBLIC_KEY_KIND)?;
    let key = VerifyingKey::from_bytes(&unhex32(path, "public_key", file.public_key.as_deref())?)
        .map_err(|_| bad(path, "public_key: not a valid Ed25519 public key"))?;
    check_id(path, &file, &key)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_checked_and_keygen_does_not_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("publisher.key");
        let key = SigningKey::from_bytes(&[5u8; 32]);
        let pub_path = write_key_pair(&key, &path, false).unwrap();
        assert_eq!(read_signing_key(&path).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(read_verifying_key(&pub_path).unwrap(), key.verifying_key());
        let e = read_signing_key(&pub_path).unwrap_err().to_string();
        assert!(e.contains("is a public key"), "{e}");
        let e = read_verifying_key(&path).unwrap_err().to_string();
        assert!(e.contains("is a secret key"), "{e}");
        let other = SigningKey::from_bytes(&[6u8; 32]);
        assert!(matches!(
            write_key_pair(&other, &path, false),
            Err(SanctionsError::KeyExists { .. })
        ));
        assert_eq!(read_signing_key(&path).unwrap().to_bytes(), key.to_bytes());
        write_key_pair(&other, &path, true).unwrap();
        assert_eq!(
            read_signing_key(&path).unwrap().to_bytes(),
            other.to_bytes()
        );
        std::fs::write(&path, format!("{}\n", hex::encode([5u8; 32]))).unwrap();
        let e = read_signing_key(&path).unwrap_err().to_string();
        assert!(e.contains("bare hex"), "{e}");
    }
}
