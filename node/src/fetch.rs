//! Downloading the official lists, so that a VASP outside this checkout gets real lists
//! in one command (`zktr sanctions fetch`).
//!
//! Each list is streamed to `<dir>/.<name>.part` (at most [`MAX_DOWNLOAD_BYTES`]) while
//! its SHA-256 is computed; when the publisher publishes a checksum (OFAC does), it is
//! downloaded too and must match, or nothing is kept. The download is then read with the
//! list's own reader (a page of HTML or a cut file is refused here, not at build time),
//! and renamed to a name carrying the list's own date: `sdn_advanced_<DateOfIssue>.xml`,
//! `UN_consolidated_<dateGenerated>.xml` (the names `../shared/data` uses).
//!
//! It lives in `zktr-node`, the only crate that knows networks: a blocking, one-shot
//! download over HTTP or HTTPS (ureq with rustls and the ring provider, Mozilla's roots
//! from `webpki-roots`), not a service; the lists are read with `zktr-sanctions`.

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zktr_sanctions::SanctionsError;

// None of the default URLs below could be fetched from the machine this was written on
// (no network); see docs/decisions.md ("`sanctions fetch`") for what is known of each.

/// OFAC's SDN list in the ADVANCED XML format (Sanctions List Service).
pub const OFAC_SDN_ADVANCED_URL: &str =
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML";
/// Where the SHA-256 of that file is assumed to be: OFAC publishes hash values for its
/// list files ("Hash Values for List Content Assurance"), but this address follows the
/// Sanctions List Service's naming and is unconfirmed; `--ofac-checksum-url` replaces it.
pub const OFAC_SDN_ADVANCED_CHECKSUM_URL: &str = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML.SHA256";
/// The UN Security Council consolidated list.
pub const UN_CONSOLIDATED_URL: &str =
    "https://scsanctions.un.org/resources/xml/en/consolidated.xml";

/// Largest list download (the SDN advanced XML is about 121 MB).
pub const MAX_DOWNLOAD_BYTES: u64 = 1 << 30;
/// Largest checksum file.
pub const MAX_CHECKSUM_BYTES: u64 = 64 << 10;

/// Which reader checks a download and gives its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// OFAC's ADVANCED XML.
    OfacAdvanced,
    /// The UN consolidated XML.
    UnConsolidated,
}

impl ListKind {
    fn file_name(self, date: &str) -> String {
        match self {
            ListKind::OfacAdvanced => format!("sdn_advanced_{date}.xml"),
            ListKind::UnConsolidated => format!("UN_consolidated_{date}.xml"),
        }
    }
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The request failed (network, TLS, HTTP status).
    #[error("download {url}: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Longer than allowed.
    #[error("download {url}: longer than the {limit} limit")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit in words.
        limit: String,
    },
    /// The checksum file names no SHA-256, or another one than the download's.
    #[error("download {url}: {reason}")]
    Checksum {
        /// The list's URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing the file failed.
    #[error("write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The download is not the list it should be.
    #[error("download {url} is not a readable list")]
    NotAList {
        /// The URL.
        url: String,
        /// The reader's error.
        source: SanctionsError,
    },
}

/// What a download gave.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where it was written.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// Whether a published checksum was checked (and matched).
    pub checksum_checked: bool,
    /// The list's own date (its version).
    pub date: String,
    /// Parties read from it.
    pub parties: usize,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(600)))
        .http_status_as_error(true)
        .build()
        .into()
}

fn http(url: &str, e: impl std::fmt::Display) -> FetchError {
    FetchError::Http {
        url: url.to_string(),
        reason: e.to_string(),
    }
}

/// Streams `url` into `out`, at most `limit` bytes; returns (bytes, SHA-256).
fn download(
    url: &str,
    limit: u64,
    out: &mut dyn Write,
    path: &Path,
) -> Result<(u64, [u8; 32]), FetchError> {
    let mut resp = agent().get(url).call().map_err(|e| http(url, e))?;
    let mut reader = resp
        .body_mut()
        .with_config()
        .limit(limit.saturating_add(1))
        .reader();
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(http(url, e)),
        };
        total += n as u64;
        if total > limit {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit: zktr_sanctions::limits::describe(limit),
            });
        }
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        out.write_all(chunk).map_err(|source| FetchError::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    Ok((total, hasher.finalize().into()))
}

/// The SHA-256 a checksum file states: `SHA256(name) = <hex>` (OpenSSL), `<hex>  name`
/// (sha256sum), or a lone hex digest. Exactly one distinct digest must appear.
pub fn parse_checksum(text: &str) -> Option<[u8; 32]> {
    let mut found: Option<[u8; 32]> = None;
    for word in text.split(|c: char| !c.is_ascii_hexdigit()) {
        if word.len() == 64 {
            let mut d = [0u8; 32];
            hex::decode_to_slice(word, &mut d).ok()?;
            if found.is_some_and(|f| f != d) {
                return None;
            }
            found = Some(d);
        }
    }
    found
}

/// Downloads the list at `url` of `kind` into `dir` (see the module docs); with
/// `checksum_url`, its published SHA-256 must match.
pub fn fetch_list(
    kind: ListKind,
    url: &str,
    checksum_url: Option<&str>,
    dir: &Path,
) -> Result<Fetched, FetchError> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FetchError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    let expected = match checksum_url {
        Some(c) => {
            let mut text = Vec::new();
            download(c, MAX_CHECKSUM_BYTES, &mut text, Path::new("(memory)"))?;
            let digest = parse_checksum(&String::from_utf8_lossy(&text)).ok_or_else(|| {
                FetchError::Checksum {
                    url: url.to_string(),
                    reason: format!("the checksum file {c} states no single SHA-256"),
                }
            })?;
            Some(digest)
        }
        None => None,
    };
    let part = dir.join(format!(".{}.part", kind.file_name("download")));
    let result = (|| {
        let mut f = std::fs::File::create(&part).map_err(write_err(&part))?;
        let (bytes, digest) = download(url, MAX_DOWNLOAD_BYTES, &mut f, &part)?;
        f.sync_all().map_err(write_err(&part))?;
        drop(f);
        if let Some(want) = expected
            && want != digest
        {
            return Err(FetchError::Checksum {
                url: url.to_string(),
                reason: format!(
                    "SHA-256 {} differs from the published {}",
                    hex::encode(digest),
                    hex::encode(want)
                ),
            });
        }
        let list = match kind {
            ListKind::OfacAdvanced => {
                zktr_sanctions::ofac_advanced::read_ofac_advanced_file(&part, &mut |_, _| {})
            }
            ListKind::UnConsolidated => zktr_sanctions::un::read_un_file(&part),
        }
        .map_err(|source| FetchError::NotAList {
            url: url.to_string(),
            source,
        })?;
        let path = dir.join(kind.file_name(&list.version));
        std::fs::rename(&part, &path).map_err(write_err(&path))?;
        Ok(Fetched {
            path,
            bytes,
            sha256: hex::encode(digest),
            checksum_checked: expected.is_some(),
            date: list.version,
            parties: list.parties.len(),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_forms() {
        let d = "36c517bd264d8d97eff353eadd8d84427d5eb293505a8ce07271a5bc258c3117";
        for text in [
            format!("SHA256(sdn_advanced.xml) = {d}\n"),
            format!("{d}  sdn_advanced.xml\n"),
            d.to_string(),
        ] {
            assert_eq!(
                super::parse_checksum(&text).map(hex::encode),
                Some(d.to_string())
            );
        }
        assert_eq!(super::parse_checksum("no digest"), None);
        let other = "0".repeat(64);
        assert_eq!(super::parse_checksum(&format!("{d}\n{other}")), None);
    }
}
