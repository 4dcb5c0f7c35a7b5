//! Screening-key normalization: the one function used both when a sanctions set is built
//! and when a transfer is committed. If the two sides normalized differently, a listed
//! party would simply not match, so nothing else in zktr may derive screening keys.
//!
//! # Names
//!
//! 1. Unicode NFKD (compatibility decomposition: ligatures and full-width forms split,
//!    accented letters become base letter + combining mark);
//! 2. combining marks are removed (`é` -> `e`, `ł` stays `ł`: it has no decomposition);
//! 3. upper-case (full Unicode case mapping, so `ß` -> `SS`);
//! 4. apostrophes and periods are deleted (`O'Brien` -> `OBRIEN`, `J.R.` -> `JR`);
//!    every other character that is not a letter or digit separates tokens
//!    (`AL-QAIDA` -> `AL QAIDA`, `DOE, John` -> `DOE JOHN`);
//! 5. tokens are sorted and joined by one space (`John DOE` = `DOE, John`).
//!
//! So these spellings give one key: `José  Pérez-Díaz`, `PEREZ DIAZ, Jose`,
//! `diaz jose perez`, `JOSE PEREZ DIAZ`.
//!
//! ```
//! use zktr_sanctions::screening::{name_key, normalize_identifier, normalize_name};
//! // Case, token order, punctuation, diacritics and whitespace do not matter:
//! for s in ["José  Pérez-Díaz", "PEREZ DIAZ, Jose", "diaz\tjose perez", "JOSE PEREZ DIAZ"] {
//!     assert_eq!(normalize_name(s).unwrap(), "DIAZ JOSE PEREZ");
//! }
//! assert_eq!(name_key("Jane Howard").unwrap(), name_key("HOWARD, Jane").unwrap());
//! // Apostrophes and periods join, other punctuation splits:
//! assert_eq!(normalize_name("O'Brien, J.R.").unwrap(), "JR OBRIEN");
//! assert_eq!(normalize_identifier("864-118-996").unwrap(), "864118996");
//! // Exact keys do not catch transliteration variants, joined tokens or other scripts:
//! assert_ne!(name_key("MOHAMMED ALI").unwrap(), name_key("MUHAMMAD ALI").unwrap());
//! assert_ne!(name_key("ALQAIDA").unwrap(), name_key("AL-QAIDA").unwrap());
//! assert_ne!(name_key("Путин").unwrap(), name_key("PUTIN").unwrap());
//! ```
//!
//! # What exact-key matching does not catch
//!
//! It is no substitute for the VASP's own fuzzy screening (which the claim attests to):
//! transliteration variants (`MOHAMMED` / `MUHAMMAD`), typos, missing or extra name
//! parts (`JOHN DOE` vs `JOHN PAUL DOE`), names in another script than the list's
//! (`Путин` vs `PUTIN`), split or joined tokens (`ALQAIDA` vs `AL QAIDA`), and initials
//! (`J DOE` vs `JOHN DOE`). A list builder should therefore add every alias the list
//! publishes, and a hit on a common name is a screening hit to review, not a verdict.
//!
//! # Identifiers
//!
//! National ids, passport numbers, LEIs and other document numbers: NFKD, upper-case,
//! keep only letters and digits (`AB-123 456` -> `AB123456`). The document type and
//! issuing country are deliberately *not* part of the key, so a number listed under
//! one type (e.g. a passport) still matches when the counterparty declared another.
//!
//! # Addresses
//!
//! Each chain's canonical form, then the key. The chain is not part of the key: an EVM
//! address listed on Ethereum is the same key on every EVM chain.
//! * EVM (`0x` + 40 hex digits): lower-case (EIP-55 checksum case is dropped);
//! * bech32 / bech32m (`bc1`, `tb1`, `ltc1`, ...): lower-case (bech32 forbids mixed case);
//! * CashAddr (`bitcoincash:`...): lower-case, prefix removed;
//! * everything else (base58 Bitcoin, Tron, Monero, XRP, Solana...): exactly as given
//!   (base58 is case-sensitive), with surrounding whitespace removed.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
use zktr_circuits::field::{KeyKind, ScreeningKey};

/// Why a value cannot be turned into a screening key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScreeningError {
    /// Nothing is left after normalization (empty, or only punctuation).
    #[error("the {what} is empty after normalization")]
    Empty {
        /// Name, identifier or address.
        what: &'static str,
    },
    /// An address with whitespace or control characters inside it.
    #[error("the address contains whitespace or control characters")]
    MalformedAddress,
    /// An address longer than any chain's ([`MAX_ADDRESS_CHARS`]).
    #[error(
        "the address has {chars} characters; no chain's address is longer than {MAX_ADDRESS_CHARS}"
    )]
    AddressTooLong {
        /// Its length in characters.
        chars: usize,
    },
}

/// The longest digital-currency address accepted, in characters. The longest in use are
/// Monero integrated addresses (106); OFAC's longest listed
/// address (Monero) has 95. Anything longer is not an address.
pub const MAX_ADDRESS_CHARS: usize = 128;

fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '.'
    )
}

/// The normalized form of a name (see the module docs).
pub fn normalize_name(name: &str) -> Result<String, ScreeningError> {
    let mut cleaned = String::with_capacity(name.len());
    for c in name.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            cleaned.extend(c.to_uppercase());
        } else if !is_joiner(c) {
            cleaned.push(' ');
        }
    }
    // Upper-casing can itself produce marks in rare cases; strip again after NFKD.
    let cleaned: String = cleaned.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    if tokens.is_empty() {
        return Err(ScreeningError::Empty { what: "name" });
    }
    tokens.sort_unstable();
    Ok(tokens.join(" "))
}

/// The normalized form of an identifier (document number, LEI...).
pub fn normalize_identifier(id: &str) -> Result<String, ScreeningError> {
    let s: String = id
        .nfkd()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if s.is_empty() {
        return Err(ScreeningError::Empty { what: "identifier" });
    }
    Ok(s)
}

/// The canonical form of a digital-currency address (see the module docs).
pub fn canonical_address(address: &str) -> Result<String, ScreeningError> {
    let a = address.trim();
    if a.is_empty() {
        return Err(ScreeningError::Empty { what: "address" });
    }
    if a.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ScreeningError::MalformedAddress);
    }
    let chars = a.chars().count();
    if chars > MAX_ADDRESS_CHARS {
        return Err(ScreeningError::AddressTooLong { chars });
    }
    let lower = a.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("bitcoincash:") {
        return Ok(rest.to_string());
    }
    let is_evm = lower.len() == 42
        && lower.starts_with("0x")
        && lower[2..].bytes().all(|b| b.is_ascii_hexdigit());
    let is_bech32 = ["bc1", "tb1", "bcrt1", "ltc1", "tltc1"]
        .iter()
        .any(|p| lower.starts_with(p))
        && a.bytes().all(|b| b.is_ascii_alphanumeric());
    if is_evm || is_bech32 {
        Ok(lower)
    } else {
        Ok(a.to_string())
    }
}

/// The screening key of a name.
pub fn name_key(name: &str) -> Result<ScreeningKey, ScreeningError> {
    Ok(ScreeningKey::derive(KeyKind::Name, &normalize_name(name)?))
}

/// The screening key of an identifier.
pub fn identifier_key(id: &str) -> Result<ScreeningKey, ScreeningError> {
    Ok(ScreeningKey::derive(
        KeyKind::Identifier,
        &normalize_identifier(id)?,
    ))
}

/// The screening key of an address.
pub fn address_key(address: &str) -> Result<ScreeningKey, ScreeningError> {
    Ok(ScreeningKey::derive(
        KeyKind::Address,
        &canonical_address(address)?,
    ))
}

/// The key of a VASP's id (its LEI if it has one, else its name), for slots 12 and 13.
pub fn vasp_key(id: &str) -> Result<ScreeningKey, ScreeningError> {
    Ok(ScreeningKey::derive(
        KeyKind::Vasp,
        &normalize_identifier(id)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_spellings_that_meet() {
        let want = normalize_name("JOSE PEREZ DIAZ").unwrap();
        assert_eq!(want, "DIAZ JOSE PEREZ");
        for s in [
            "José  Pérez-Díaz",
            "PEREZ DIAZ, Jose",
            "diaz jose perez",
            "  Jose\tPerez\nDiaz ",
            "ＪＯＳＥ ＰＥＲＥＺ ＤＩＡＺ", // full-width
        ] {
            assert_eq!(normalize_name(s).unwrap(), want, "{s:?}");
        }
        assert_eq!(normalize_name("O'Brien, Seán").unwrap(), "OBRIEN SEAN");
        assert_eq!(normalize_name("Straße").unwrap(), "STRASSE");
        assert_eq!(
            name_key("John DOE").unwrap(),
            name_key("doe, john").unwrap()
        );
    }

    #[test]
    fn what_does_not_meet() {
        assert_ne!(
            normalize_name("MOHAMMED ALI").unwrap(),
            normalize_name("MUHAMMAD ALI").unwrap()
        );
        assert_ne!(
            normalize_name("ALQAIDA").unwrap(),
            normalize_name("AL-QAIDA").unwrap()
        );
        assert_ne!(
            normalize_name("Путин").unwrap(),
            normalize_name("PUTIN").unwrap()
        );
    }

    #[test]
    fn empty_inputs_are_errors() {
        assert!(normalize_name(" ,.- ").is_err());
        assert!(normalize_identifier("--").is_err());
        assert!(canonical_address("  ").is_err());
        assert_eq!(
            canonical_address("0x12 34"),
            Err(ScreeningError::MalformedAddress)
        );
    }

    #[test]
    fn identifiers_and_addresses() {
        assert_eq!(normalize_identifier("ab-123 456").unwrap(), "AB123456");
        let evm = "0x8589427373D6D84E98730D7795D8f6f8731FDA16";
        assert_eq!(canonical_address(evm).unwrap(), evm.to_ascii_lowercase());
        assert_eq!(
            address_key(evm).unwrap(),
            address_key(&evm.to_ascii_lowercase()).unwrap()
        );
        assert_eq!(
            canonical_address("BC1QSAMPLEADDRESS0").unwrap(),
            "bc1qsampleaddress0"
        );
        let base58 = "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V";
        assert_eq!(canonical_address(base58).unwrap(), base58);
        assert_ne!(
            address_key(base58).unwrap(),
            address_key(&base58.to_lowercase()).unwrap()
        );
        assert_eq!(
            canonical_address("bitcoincash:QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A").unwrap(),
            "qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
        );
    }
}
