//! OFAC's legacy CSV set: `sdn.csv` (one row per party: `ent_num, SDN_Name, SDN_Type,
//! Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks`),
//! `alt.csv` (aliases: `ent_num, alt_num, alt_type, alt_name, alt_remarks`) and
//! `add.csv` (postal addresses; not screening data, only checked for shape).
//!
//! OFAC's quirks, all handled here: Latin-1 text, CRLF line ends, `-0-` (often with a
//! trailing space) for an empty field, and a trailing 0x1A (DOS end-of-file) byte. Dates
//! of birth, identity documents and digital-currency addresses are only in the free-text
//! `Remarks` (`DOB 10 Dec 1948; Passport 040070827 (Cuba); Digital Currency Address -
//! XBT 12Qt...`), which is split on `;` and matched against OFAC's document types.

use super::error::{Result, SanctionsError};
use super::party::{
    CurrencyAddress, IdentityDocument, ListedParty, PartyKind, PartyName, SanctionsList,
};
use std::collections::HashMap;
use std::path::Path;

/// The list id of sets built from the legacy CSV set.
pub const OFAC_CSV_LIST_ID: &str = "ofac-sdn-csv";

/// OFAC's identity-document types (from the `IDRegDocTypeValues` of the ADVANCED XML),
/// as they appear at the start of a remark. Longer names first where one is a prefix of
/// another.
const DOCUMENT_TYPES: &[&str] = &[
    "British National Overseas Passport",
    "Diplomatic Passport",
    "Stateless Person Passport",
    "Passport",
    "Cedula No.",
    "SSN",
    "R.F.C.",
    "RFC",
    "D.N.I.",
    "NIT #",
    "US FEIN",
    "Driver's License No.",
    "RUC #",
    "N.I.E.",
    "C.I.F.",
    "Business Registration Document #",
    "Business Registration Number",
    "RIF #",
    "National ID No.",
    "National Foreign ID Number",
    "Registration ID",
    "Registration Number",
    "LE Number",
    "Bosnian Personal ID No.",
    "V.A.T. Number",
    "Credencial electoral",
    "Kenyan ID No.",
    "Italian Fiscal Code",
    "Fiscal Code",
    "C.U.I.T.",
    "C.U.R.P.",
    "C.U.I.P.",
    "C.U.I.",
    "Tax ID No.",
    "Moroccan Personal ID No.",
    "Public Security and Immigration No.",
    "UK Company Number",
    "Company Number",
    "Immigration No.",
    "Travel Document Number",
    "Electoral Registry No.",
    "Identification Number",
    "Trade License No.",
    "Commercial Registry Number",
    "Certificate of Incorporation Number",
    "Personal ID Card",
    "Federal ID Card",
    "Residency Number",
    "Matricula Mercantil No",
    "Folio Mercantil No.",
    "Turkish Identification Number",
    "Stateless Person ID Card",
    "Refugee ID Card",
    "N.I.F.",
    "Numero de Identidad",
    "Tarjeta de Identidad",
    "Tazkira National ID Card",
    "I.F.E.",
    "Citizen's Card Number",
    "UAE Identification",
    "Birth Certificate Number",
    "Chamber of Commerce Number",
    "Legal Entity Number",
    "Business Number",
    "Seafarer's Identification Document",
    "Unified Social Credit Code (USCC)",
    "MSB Registration Number",
    "Cartilla de Servicio Militar Nacional",
];

const CURRENCY_PREFIX: &str = "Digital Currency Address - ";

/// Decodes OFAC's Latin-1 bytes (every byte is the code point of the same number) and
/// drops a trailing 0x1A end-of-file marker.
pub fn decode_latin1(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .rposition(|b| *b != 0x1A && *b != b'\r' && *b != b'\n')
        .map_or(0, |i| i + 1);
    bytes
        .get(..end)
        .unwrap_or_default()
        .iter()
        .map(|b| char::from(*b))
        .collect()
}

/// Splits one CSV record (double quotes, `""` inside quotes) and maps `-0-` to "".
pub fn split_record(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            }
            (true, c) => cur.push(c),
            (false, '"') => {
                if !cur.trim().is_empty() {
                    return Err("a quote inside an unquoted field".into());
                }
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                fields.push(clean(&cur, was_quoted));
                cur.clear();
                was_quoted = false;
            }
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("an unterminated quoted field".into());
    }
    fields.push(clean(&cur, was_quoted));
    Ok(fields)
}

fn clean(field: &str, quoted: bool) -> String {
    let t = field.trim();
    if !quoted && t == "-0-" {
        String::new()
    } else {
        t.to_string()
    }
}

/// The records of one CSV file: (line number, fields), empty lines skipped, each
/// checked to have `columns` fields.
fn records(file: &str, text: &str, columns: usize) -> Result<Vec<(usize, Vec<String>)>> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let err = |reason: String| SanctionsError::MalformedCsv {
            file: file.to_string(),
            line: i + 1,
            reason,
        };
        let fields = split_record(line).map_err(err)?;
        if fields.len() != columns {
            return Err(err(format!("{} fields, expected {columns}", fields.len())));
        }
        out.push((i + 1, fields));
    }
    Ok(out)
}

fn ent_num(file: &str, line: usize, field: &str) -> Result<u64> {
    field.parse().map_err(|_| SanctionsError::MalformedCsv {
        file: file.to_string(),
        line,
        reason: format!("entity number {field:?} is not a number"),
    })
}

/// Parses the three files' contents (raw bytes as published). `version` names the list
/// version (the CSV set carries no date of its own).
pub fn parse_ofac_csv(sdn: &[u8], alt: &[u8], add: &[u8], version: &str) -> Result<SanctionsList> {
    let mut parties: Vec<ListedParty> = Vec::new();
    let mut by_ent: HashMap<u64, usize> = HashMap::new();
    for (line, f) in records("sdn.csv", &decode_latin1(sdn), 12)? {
        let ent = ent_num("sdn.csv", line, &f[0])?;
        let kind = match f[2].to_ascii_lowercase().as_str() {
            "individual" => PartyKind::Individual,
            "vessel" | "aircraft" => PartyKind::Transport,
            _ => PartyKind::Entity,
        };
        let mut p = ListedParty::new(format!("ofac:{ent}"), kind);
        if f[1].is_empty() {
            return Err(SanctionsError::MalformedCsv {
                file: "sdn.csv".into(),
                line,
                reason: "empty SDN_Name".into(),
            });
        }
        p.names.push(name_of(true, "Name", &f[1]));
        parse_remarks(&f[11], &mut p);
        if by_ent.insert(ent, parties.len()).is_some() {
            return Err(SanctionsError::MalformedCsv {
                file: "sdn.csv".into(),
                line,
                reason: format!("entity {ent} listed twice"),
            });
        }
        parties.push(p);
    }
    for (line, f) in records("alt.csv", &decode_latin1(alt), 5)? {
        let ent = ent_num("alt.csv", line, &f[0])?;
        let idx = *by_ent
            .get(&ent)
            .ok_or_else(|| SanctionsError::MalformedCsv {
                file: "alt.csv".into(),
                line,
                reason: format!("alias of unknown entity {ent}"),
            })?;
        if let (Some(p), false) = (parties.get_mut(idx), f[3].is_empty()) {
            p.names.push(name_of(false, &f[2], &f[3]));
        }
    }
    for (line, f) in records("add.csv", &decode_latin1(add), 6)? {
        let ent = ent_num("add.csv", line, &f[0])?;
        if !by_ent.contains_key(&ent) {
            return Err(SanctionsError::MalformedCsv {
                file: "add.csv".into(),
                line,
                reason: format!("address of unknown entity {ent}"),
            });
        }
    }
    Ok(SanctionsList {
        list_id: OFAC_CSV_LIST_ID.to_string(),
        version: version.to_string(),
        parties,
    })
}

/// Reads `sdn.csv`, `alt.csv` and `add.csv` from `dir`.
pub fn read_ofac_csv_dir(dir: &Path, version: &str) -> Result<SanctionsList> {
    let read = |name: &str| {
        let p = dir.join(name);
        SanctionsError::read_limited(
            &p,
            crate::limits::MAX_TEXT_LIST_FILE_BYTES,
            "an OFAC CSV file",
        )
    };
    parse_ofac_csv(
        &read("sdn.csv")?,
        &read("alt.csv")?,
        &read("add.csv")?,
        version,
    )
}

/// OFAC writes individuals as `LAST, First`: the two parts are typed accordingly.
fn name_of(primary: bool, alias_type: &str, full: &str) -> PartyName {
    let mut n = PartyName::whole(primary, alias_type, full);
    if let Some((last, first)) = full.split_once(", ") {
        n.parts = vec![
            super::party::NamePart {
                part_type: "Last Name".into(),
                value: last.trim().to_string(),
            },
            super::party::NamePart {
                part_type: "First Name".into(),
                value: first.trim().to_string(),
            },
        ];
    }
    n
}

/// Pulls dates of birth, documents and addresses out of the `Remarks` text.
fn parse_remarks(remarks: &str, p: &mut ListedParty) {
    for item in remarks.split(';') {
        let item = item.trim().trim_end_matches('.').trim();
        // A second document or address of the same kind is written `alt. Passport ...`.
        let item = item.strip_prefix("alt. ").unwrap_or(item);
        if let Some(dob) = item.strip_prefix("DOB ") {
            p.dates_of_birth.push(dob.trim().to_string());
        } else if let Some(rest) = item.strip_prefix(CURRENCY_PREFIX) {
            if let Some((ticker, address)) = rest.trim().split_once(' ') {
                p.addresses.push(CurrencyAddress {
                    ticker: ticker.to_string(),
                    address: address.trim().to_string(),
                });
            }
        } else if let Some((doc_type, rest)) = DOCUMENT_TYPES.iter().find_map(|t| {
            item.strip_prefix(*t)
                .filter(|rest| rest.starts_with(' '))
                .map(|rest| (*t, rest.trim()))
        }) {
            // `NUMBER (Country)`, possibly followed by more text such as `issued ...`.
            let (number, country) = match rest.split_once(" (") {
                Some((n, c)) => (n.trim(), c.split(')').next().map(|c| c.trim().to_string())),
                None => (rest, None),
            };
            if !number.is_empty() {
                p.documents.push(IdentityDocument {
                    doc_type: doc_type.to_string(),
                    number: number.to_string(),
                    country,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quirks() {
        assert_eq!(decode_latin1(b"Jos\xe9\r\n\x1a"), "José");
        assert_eq!(
            split_record(r#"36,"AERO ""X"", LTD.",-0- ,"CUBA""#).unwrap(),
            vec!["36", "AERO \"X\", LTD.", "", "CUBA"]
        );
        assert!(split_record(r#"1,"open"#).is_err());
    }

    #[test]
    fn remarks() {
        let mut p = ListedParty::new("ofac:1".into(), PartyKind::Individual);
        parse_remarks(
            "DOB 10 Dec 1948; POB Havana; Passport 040070827 (Cuba); Cedula No. 123 (Colombia) issued 2001; Digital Currency Address - XBT 12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h.",
            &mut p,
        );
        assert_eq!(p.dates_of_birth, vec!["10 Dec 1948"]);
        assert_eq!(p.documents.len(), 2);
        assert_eq!(p.documents[0].number, "040070827");
        assert_eq!(p.documents[0].country.as_deref(), Some("Cuba"));
        assert_eq!(p.documents[1].doc_type, "Cedula No.");
        assert_eq!(p.addresses[0].ticker, "XBT");
        assert_eq!(p.addresses[0].address, "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h");
    }
}
