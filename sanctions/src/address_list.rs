//! Plain digital-currency address lists: a directory of `sanctioned_addresses_<TICKER>.txt`
//! files with one address per line (the form in which OFAC's addresses are commonly
//! republished). Each file becomes one listing, `addresses:<TICKER>`, of kind
//! [`PartyKind::AddressList`]: the files carry no party data, only the addresses.

use super::error::{Result, SanctionsError};
use super::party::{CurrencyAddress, ListedParty, PartyKind, SanctionsList};
use std::path::Path;

/// The list id of sets built from address lists.
pub const ADDRESS_LIST_ID: &str = "addresses";
const FILE_PREFIX: &str = "sanctioned_addresses_";
const FILE_SUFFIX: &str = ".txt";

/// Parses one file's text: one address per line; blank lines and `#` comments skipped.
/// An address with inner whitespace is an error naming the line.
pub fn parse_address_list(ticker: &str, text: &str) -> Result<ListedParty> {
    let mut p = ListedParty::new(
        format!("{ADDRESS_LIST_ID}:{ticker}"),
        PartyKind::AddressList,
    );
    for (i, line) in text.lines().enumerate() {
        let a = line.trim();
        if a.is_empty() || a.starts_with('#') {
            continue;
        }
        if a.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(SanctionsError::MalformedCsv {
                file: format!("{FILE_PREFIX}{ticker}{FILE_SUFFIX}"),
                line: i + 1,
                reason: "an address with whitespace or control characters inside".into(),
            });
        }
        if a.chars().count() > crate::screening::MAX_ADDRESS_CHARS {
            return Err(SanctionsError::MalformedCsv {
                file: format!("{FILE_PREFIX}{ticker}{FILE_SUFFIX}"),
                line: i + 1,
                reason: format!(
                    "an address of {} characters; no chain's address is longer than {}",
                    a.chars().count(),
                    crate::screening::MAX_ADDRESS_CHARS
                ),
            });
        }
        p.addresses.push(CurrencyAddress {
            ticker: ticker.to_string(),
            address: a.to_string(),
        });
    }
    if p.addresses.is_empty() {
        return Err(SanctionsError::UnexpectedContent {
            format: "address list",
            reason: format!("{FILE_PREFIX}{ticker}{FILE_SUFFIX} holds no address"),
        });
    }
    Ok(p)
}

/// Reads every `sanctioned_addresses_<TICKER>.txt` in `dir` (sorted by ticker). `version`
/// names the list version.
pub fn read_address_dir(dir: &Path, version: &str) -> Result<SanctionsList> {
    let entries = std::fs::read_dir(dir).map_err(|e| SanctionsError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| SanctionsError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(ticker) = name
            .strip_prefix(FILE_PREFIX)
            .and_then(|n| n.strip_suffix(FILE_SUFFIX))
        {
            files.push((ticker.to_string(), entry.path()));
        }
    }
    if files.is_empty() {
        return Err(SanctionsError::UnexpectedContent {
            format: "address list",
            reason: format!(
                "no {FILE_PREFIX}<TICKER>{FILE_SUFFIX} files in {}",
                dir.display()
            ),
        });
    }
    files.sort();
    let mut parties = Vec::new();
    for (ticker, path) in files {
        let bytes = SanctionsError::read_limited(
            &path,
            crate::limits::MAX_TEXT_LIST_FILE_BYTES,
            "an address list",
        )?;
        let text = String::from_utf8(bytes).map_err(|_| SanctionsError::UnexpectedContent {
            format: "address list",
            reason: format!("{} is not UTF-8", path.display()),
        })?;
        parties.push(parse_address_list(&ticker, &text)?);
    }
    Ok(SanctionsList {
        list_id: ADDRESS_LIST_ID.to_string(),
        version: version.to_string(),
        parties,
    })
}

/// A version for an address-list directory: the trailing `YYYY-MM-DD` of its name if it
/// has one (`address-lists-brave-2025-11-19` -> `2025-11-19`), else the name.
pub fn version_from_dir_name(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let chars: Vec<char> = name.chars().collect();
    if chars.len() >= 10 {
        let tail: String = chars[chars.len() - 10..].iter().collect();
        let b = tail.as_bytes();
        if b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        }) {
            return tail;
        }
    }
    name
}
