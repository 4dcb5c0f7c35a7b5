//! The list publisher's Ed25519 key pair, stored as hex text files: the secret key file
//! holds the 32-byte seed, the `.pub` file the 32-byte public key (both 64 hex digits and
//! a newline).

use super::error::{Result, SanctionsError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::path::Path;

/// A new random signing key (from the operating system's generator).
pub fn generate_key() -> SigningKey {
    let mut rng = rand::rng();
    SigningKey::generate(&mut rng)
}

/// Writes the secret key to `path` and the public key to `path` + `.pub`; returns the
/// public key's path.
pub fn write_key_pair(key: &SigningKey, path: &Path) -> Result<std::path::PathBuf> {
    write_private(path, &format!("{}\n", hex(&key.to_bytes())))?;
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    let pub_path = std::path::PathBuf::from(pub_path);
    std::fs::write(
        &pub_path,
        format!("{}\n", hex(key.verifying_key().as_bytes())),
    )
    .map_err(|e| SanctionsError::io(&pub_path, e))?;
    Ok(pub_path)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| SanctionsError::io(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| SanctionsError::io(path, e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| SanctionsError::io(path, e))
}

fn read_32(path: &Path) -> Result<[u8; 32]> {
    let text = std::fs::read_to_string(path).map_err(|e| SanctionsError::io(path, e))?;
    unhex32(text.trim()).ok_or_else(|| SanctionsError::InvalidKey {
        path: path.to_path_buf(),
        reason: "expected 64 hex digits".into(),
    })
}

/// Reads a secret key file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    Ok(SigningKey::from_bytes(&read_32(path)?))
}

/// Reads a public key file.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey> {
    VerifyingKey::from_bytes(&read_32(path)?).map_err(|_| SanctionsError::InvalidKey {
        path: path.to_path_buf(),
        reason: "not a valid Ed25519 public key".into(),
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let hi = char::from(*pair.first()?).to_digit(16)?;
        let lo = char::from(*pair.get(1)?).to_digit(16)?;
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}
