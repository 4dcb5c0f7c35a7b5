//! The UN Security Council Consolidated List in its XML form: `INDIVIDUALS/INDIVIDUAL`
//! and `ENTITIES/ENTITY`, each with `FIRST_NAME`..`FOURTH_NAME` (the entity's name is
//! its `FIRST_NAME`), `NAME_ORIGINAL_SCRIPT`, `*_ALIAS/ALIAS_NAME` (with a `QUALITY`),
//! `INDIVIDUAL_DATE_OF_BIRTH` (`DATE`, `YEAR` or `FROM_YEAR`/`TO_YEAR`) and
//! `INDIVIDUAL_DOCUMENT` (`TYPE_OF_DOCUMENT`, `NUMBER`, `ISSUING_COUNTRY`). A party's id
//! is `un:<REFERENCE_NUMBER>` (e.g. `un:QDi.001`), or `un:<DATAID>` if it has none.

use super::error::{Result, SanctionsError};
use super::party::{IdentityDocument, ListedParty, NamePart, PartyKind, PartyName, SanctionsList};
use super::xml::{XmlEvent, attr, stream};
use std::io::{BufRead, BufReader};
use std::path::Path;

const FORMAT: &str = "UN consolidated XML";
/// The list id of sets built from the UN list.
pub const UN_LIST_ID: &str = "un-consolidated";

#[derive(Default)]
struct Dob {
    date: Option<String>,
    year: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Default)]
struct State {
    stack: Vec<String>,
    text: String,
    generated: Option<String>,
    parties: Vec<ListedParty>,
    party: Option<ListedParty>,
    data_id: String,
    reference: String,
    name_parts: Vec<NamePart>,
    original_script: Option<String>,
    alias_quality: String,
    alias_name: Option<String>,
    dob: Dob,
    doc: Option<IdentityDocument>,
}

impl State {
    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>) -> std::result::Result<(), String> {
        let name = e.local_name().as_ref().to_string();
        if self.stack.is_empty() {
            if name != "CONSOLIDATED_LIST" {
                return Err(format!(
                    "the root element is <{name}>, not <CONSOLIDATED_LIST>"
                ));
            }
            self.generated = attr(e, "dateGenerated")?;
        }
        self.text.clear();
        match (self.stack.len(), name.as_str()) {
            (2, "INDIVIDUAL") | (2, "ENTITY") => {
                let kind = if name == "INDIVIDUAL" {
                    PartyKind::Individual
                } else {
                    PartyKind::Entity
                };
                self.party = Some(ListedParty::new(String::new(), kind));
                self.data_id.clear();
                self.reference.clear();
                self.name_parts.clear();
                self.original_script = None;
            }
            (3, "INDIVIDUAL_ALIAS") | (3, "ENTITY_ALIAS") => {
                self.alias_quality.clear();
                self.alias_name = None;
            }
            (3, "INDIVIDUAL_DATE_OF_BIRTH") => self.dob = Dob::default(),
            (3, "INDIVIDUAL_DOCUMENT") => {
                self.doc = Some(IdentityDocument {
                    doc_type: String::new(),
                    number: String::new(),
                    country: None,
                })
            }
            _ => {}
        }
        self.stack.push(name);
        Ok(())
    }

    fn end(&mut self) -> std::result::Result<(), String> {
        let name = self.stack.pop().unwrap_or_default();
        let parent = self.stack.last().map(String::as_str).unwrap_or("");
        let text = std::mem::take(&mut self.text);
        let value = text.trim();
        let Some(party) = self.party.as_mut() else {
            return Ok(());
        };
        match (parent, name.as_str()) {
            ("INDIVIDUAL" | "ENTITY", "DATAID") => self.data_id = value.to_string(),
            ("INDIVIDUAL" | "ENTITY", "REFERENCE_NUMBER") => self.reference = value.to_string(),
            (
                "INDIVIDUAL" | "ENTITY",
                part @ ("FIRST_NAME" | "SECOND_NAME" | "THIRD_NAME" | "FOURTH_NAME"),
            ) if !value.is_empty() => {
                self.name_parts.push(NamePart {
                    part_type: part.to_string(),
                    value: value.to_string(),
                });
            }
            ("INDIVIDUAL" | "ENTITY", "NAME_ORIGINAL_SCRIPT") if !value.is_empty() => {
                self.original_script = Some(value.to_string());
            }
            ("INDIVIDUAL_ALIAS" | "ENTITY_ALIAS", "QUALITY") => {
                self.alias_quality = value.to_string()
            }
            ("INDIVIDUAL_ALIAS" | "ENTITY_ALIAS", "ALIAS_NAME") if !value.is_empty() => {
                self.alias_name = Some(value.to_string());
            }
            (_, "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS") => {
                if let Some(alias) = self.alias_name.take() {
                    let mut n = PartyName::whole(false, &self.alias_quality, &alias);
                    n.low_quality = self.alias_quality.eq_ignore_ascii_case("low");
                    party.names.push(n);
                }
            }
            ("INDIVIDUAL_DATE_OF_BIRTH", field) => match field {
                "DATE" => self.dob.date = Some(value.to_string()),
                "YEAR" => self.dob.year = Some(value.to_string()),
                "FROM_YEAR" => self.dob.from = Some(value.to_string()),
                "TO_YEAR" => self.dob.to = Some(value.to_string()),
                _ => {}
            },
            (_, "INDIVIDUAL_DATE_OF_BIRTH") => {
                let d = std::mem::take(&mut self.dob);
                let dob = d
                    .date
                    .filter(|s| !s.is_empty())
                    .map(|s| s.chars().take(10).collect())
                    .or(d.year.filter(|s| !s.is_empty()))
                    .or(match (d.from, d.to) {
                        (Some(f), Some(t)) if !f.is_empty() => Some(format!("{f}..{t}")),
                        _ => None,
                    });
                if let Some(dob) = dob {
                    party.dates_of_birth.push(dob);
                }
            }
            ("INDIVIDUAL_DOCUMENT", field) => {
                if let Some(doc) = self.doc.as_mut() {
                    match field {
                        "TYPE_OF_DOCUMENT" => doc.doc_type = value.to_string(),
                        "NUMBER" => doc.number = value.to_string(),
                        "ISSUING_COUNTRY" | "COUNTRY_OF_ISSUE" if !value.is_empty() => {
                            doc.country = Some(value.to_string())
                        }
                        _ => {}
                    }
                }
            }
            (_, "INDIVIDUAL_DOCUMENT") => {
                if let Some(doc) = self.doc.take().filter(|d| !d.number.is_empty()) {
                    party.documents.push(doc);
                }
            }
            (_, "INDIVIDUAL" | "ENTITY") if self.stack.len() == 2 => {
                if let Some(mut p) = self.party.take() {
                    let id = if self.reference.is_empty() {
                        &self.data_id
                    } else {
                        &self.reference
                    };
                    if id.is_empty() {
                        return Err(format!("<{name}> without REFERENCE_NUMBER or DATAID"));
                    }
                    p.id = format!("un:{id}");
                    if self.name_parts.is_empty() {
                        return Err(format!("<{name}> {id} has no name"));
                    }
                    let primary = PartyName {
                        primary: true,
                        alias_type: "Name".into(),
                        low_quality: false,
                        parts: std::mem::take(&mut self.name_parts),
                    };
                    p.names.insert(0, primary);
                    if let Some(original) = self.original_script.take() {
                        p.names
                            .push(PartyName::whole(false, "Original script", &original));
                    }
                    self.parties.push(p);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Reads the UN consolidated XML from a stream.
pub fn read_un(reader: impl BufRead) -> Result<SanctionsList> {
    let mut state = State::default();
    stream(reader, FORMAT, |ev| match ev {
        XmlEvent::Start(e) => state.start(e),
        XmlEvent::End => state.end(),
        XmlEvent::Text(t) => {
            state.text.push_str(t);
            Ok(())
        }
    })?;
    let version = state
        .generated
        .map(|g| g.chars().take(10).collect::<String>())
        .filter(|g| !g.is_empty())
        .ok_or_else(|| SanctionsError::UnexpectedContent {
            format: FORMAT,
            reason: "no dateGenerated on CONSOLIDATED_LIST".into(),
        })?;
    Ok(SanctionsList {
        list_id: UN_LIST_ID.to_string(),
        version,
        parties: state.parties,
    })
}

/// Reads the UN consolidated XML from a file.
pub fn read_un_file(path: &Path) -> Result<SanctionsList> {
    let f = std::fs::File::open(path).map_err(|e| SanctionsError::io(path, e))?;
    read_un(BufReader::new(crate::limits::LimitedStream::new(
        f, true, None,
    )))
}
