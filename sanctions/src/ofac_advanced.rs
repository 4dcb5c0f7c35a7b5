//! OFAC's ADVANCED XML (the `sdn_advanced.xml` publication), read as a stream.
//!
//! The document declares its vocabularies first (`ReferenceValueSets`: alias types,
//! name-part types, feature types, document types, party sub-types, countries), then
//! `IDRegDocuments` (identity documents, each pointing at an `Identity`), then
//! `DistinctParties`. Each `DistinctParty` has a `Profile` with an `Identity` holding
//! the `Alias`es (primary name and AKAs, each a `DocumentedName` of typed name parts)
//! and `Feature`s: `Birthdate` (a date period) and `Digital Currency Address - <TICKER>`
//! (the address in `VersionDetail`). A party's id is `ofac:<FixedRef>`, the same number
//! as the `ent_num` of OFAC's legacy CSV files.
//!
//! The reader keeps only what screening needs and never holds the document in memory,
//! so it reads the 121 MB file straight from its `.bz2` with constant memory besides
//! the parties themselves.

use super::error::{Result, SanctionsError};
use super::party::{
    CurrencyAddress, IdentityDocument, ListedParty, NamePart, PartyKind, PartyName, SanctionsList,
};
use super::xml::{XmlEvent, attr, attr_u64, stream};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

const FORMAT: &str = "OFAC advanced XML";
/// Prefix of digital-currency feature types; the ticker follows.
const CURRENCY_FEATURE_PREFIX: &str = "Digital Currency Address - ";
const BIRTHDATE_FEATURE: &str = "Birthdate";

/// The list id of sets built from the SDN list.
pub const OFAC_SDN_LIST_ID: &str = "ofac-sdn";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    // Structure.
    Sanctions,
    DateOfIssue,
    ReferenceValueSets,
    IdRegDocuments,
    DistinctParties,
    Other,
    // Reference values.
    AliasType,
    NamePartType,
    FeatureType,
    IdRegDocType,
    PartySubType,
    PartyType,
    Country,
    // Documents.
    IdRegDocument,
    IdRegistrationNo,
    // Parties.
    DistinctParty,
    Profile,
    Identity,
    Alias,
    DocumentedName,
    NamePartValue,
    NamePartGroup,
    Feature,
    VersionDetail,
    DatePeriod,
    Start,
    End,
    From,
    To,
    Year,
    Month,
    Day,
}

fn tag_of(name: &str) -> Tag {
    match name {
        "Sanctions" => Tag::Sanctions,
        "DateOfIssue" => Tag::DateOfIssue,
        "ReferenceValueSets" => Tag::ReferenceValueSets,
        "IDRegDocuments" => Tag::IdRegDocuments,
        "DistinctParties" => Tag::DistinctParties,
        "AliasType" => Tag::AliasType,
        "NamePartType" => Tag::NamePartType,
        "FeatureType" => Tag::FeatureType,
        "IDRegDocType" => Tag::IdRegDocType,
        "PartySubType" => Tag::PartySubType,
        "PartyType" => Tag::PartyType,
        "Country" => Tag::Country,
        "IDRegDocument" => Tag::IdRegDocument,
        "IDRegistrationNo" => Tag::IdRegistrationNo,
        "DistinctParty" => Tag::DistinctParty,
        "Profile" => Tag::Profile,
        "Identity" => Tag::Identity,
        "Alias" => Tag::Alias,
        "DocumentedName" => Tag::DocumentedName,
        "NamePartValue" => Tag::NamePartValue,
        "NamePartGroup" => Tag::NamePartGroup,
        "Feature" => Tag::Feature,
        "VersionDetail" => Tag::VersionDetail,
        "DatePeriod" => Tag::DatePeriod,
        "Start" => Tag::Start,
        "End" => Tag::End,
        "From" => Tag::From,
        "To" => Tag::To,
        "Year" => Tag::Year,
        "Month" => Tag::Month,
        "Day" => Tag::Day,
        _ => Tag::Other,
    }
}

/// The declared vocabularies, id -> text.
#[derive(Default)]
struct References {
    alias_types: HashMap<u64, String>,
    name_part_types: HashMap<u64, String>,
    feature_types: HashMap<u64, String>,
    doc_types: HashMap<u64, String>,
    /// sub-type id -> party-type id
    party_sub_types: HashMap<u64, u64>,
    party_types: HashMap<u64, String>,
    countries: HashMap<u64, String>,
}

#[derive(Default, Clone, Copy)]
struct Ymd {
    y: Option<u32>,
    m: Option<u32>,
    d: Option<u32>,
}

impl Ymd {
    fn format(&self) -> Option<String> {
        let y = self.y?;
        Some(match (self.m, self.d) {
            (Some(m), Some(d)) => format!("{y:04}-{m:02}-{d:02}"),
            (Some(m), None) => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}"),
        })
    }
}

/// One birth-date period: `[start|end][from|to]`.
#[derive(Default)]
struct Period {
    dates: [[Ymd; 2]; 2],
}

impl Period {
    fn format(&self) -> Option<String> {
        let first = self.dates[0][0].format()?;
        let last = self.dates[1][1].format().unwrap_or_else(|| first.clone());
        Some(if first == last {
            first
        } else {
            format!("{first}..{last}")
        })
    }
}

#[derive(Default)]
struct State {
    stack: Vec<Tag>,
    text: String,
    refs: References,
    issued: Ymd,
    /// Pending reference value: (tag, id, extra attribute).
    ref_value: Option<(Tag, u64, Option<u64>)>,
    /// Identity documents by identity id.
    docs: HashMap<u64, Vec<IdentityDocument>>,
    doc: Option<(u64, IdentityDocument)>,
    parties: Vec<ListedParty>,
    party: Option<ListedParty>,
    identity: Option<u64>,
    /// Names of the current identity (parts typed by group id until the identity ends).
    names: Vec<(PartyName, Vec<u64>)>,
    alias: Option<PartyName>,
    name: Option<(PartyName, Vec<u64>)>,
    part_group: u64,
    group_types: HashMap<u64, u64>,
    feature: Option<FeatureKind>,
    period: Period,
    period_half: usize,
    period_bound: usize,
}

enum FeatureKind {
    Birthdate,
    Currency(String),
    Ignored,
}

impl State {
    fn parent(&self, n: usize) -> Tag {
        self.stack
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.stack.get(i))
            .copied()
            .unwrap_or(Tag::Other)
    }

    fn in_section(&self, section: Tag) -> bool {
        self.stack.get(1) == Some(&section)
    }

    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>) -> std::result::Result<(), String> {
        let tag = tag_of(e.local_name().as_ref());
        if self.stack.is_empty() && tag != Tag::Sanctions {
            return Err(format!(
                "the root element is <{}>, not <Sanctions>",
                e.local_name().as_ref()
            ));
        }
        self.stack.push(tag);
        self.text.clear();
        match tag {
            Tag::AliasType
            | Tag::NamePartType
            | Tag::FeatureType
            | Tag::IdRegDocType
            | Tag::PartyType
            | Tag::Country
                if self.in_section(Tag::ReferenceValueSets) =>
            {
                let id = required_u64(e, "ID")?;
                self.ref_value = Some((tag, id, None));
            }
            Tag::PartySubType if self.in_section(Tag::ReferenceValueSets) => {
                let id = required_u64(e, "ID")?;
                let party_type = required_u64(e, "PartyTypeID")?;
                self.ref_value = Some((tag, id, Some(party_type)));
            }
            Tag::IdRegDocument if self.in_section(Tag::IdRegDocuments) => {
                let type_id = required_u64(e, "IDRegDocTypeID")?;
                let identity = required_u64(e, "IdentityID")?;
                let doc_type = self.refs.doc_types.get(&type_id).cloned().ok_or_else(|| {
                    format!("IDRegDocument refers to undeclared IDRegDocType {type_id}")
                })?;
                let country = attr_u64(e, "IssuedBy-CountryID")?
                    .and_then(|c| self.refs.countries.get(&c).cloned());
                self.doc = Some((
                    identity,
                    IdentityDocument {
                        doc_type,
                        number: String::new(),
                        country,
                    },
                ));
            }
            Tag::DistinctParty if self.in_section(Tag::DistinctParties) => {
                let fixed_ref = attr(e, "FixedRef")?
                    .ok_or_else(|| "DistinctParty without FixedRef".to_string())?;
                self.party = Some(ListedParty::new(
                    format!("ofac:{}", fixed_ref.trim()),
                    PartyKind::Unknown,
                ));
            }
            _ if self.party.is_none() => {}
            Tag::Profile => {
                let sub = attr_u64(e, "PartySubTypeID")?;
                let kind = sub
                    .and_then(|s| self.refs.party_sub_types.get(&s))
                    .and_then(|t| self.refs.party_types.get(t))
                    .map(|t| match t.as_str() {
                        "Individual" => PartyKind::Individual,
                        "Entity" | "Other Entity" => PartyKind::Entity,
                        "Transport" => PartyKind::Transport,
                        _ => PartyKind::Unknown,
                    })
                    .unwrap_or(PartyKind::Unknown);
                if let Some(p) = self.party.as_mut() {
                    p.kind = kind;
                }
            }
            Tag::Identity => {
                self.identity = Some(required_u64(e, "ID")?);
                self.group_types.clear();
                self.names.clear();
            }
            Tag::Alias => {
                let type_id = required_u64(e, "AliasTypeID")?;
                let alias_type = self
                    .refs
                    .alias_types
                    .get(&type_id)
                    .cloned()
                    .ok_or_else(|| format!("Alias refers to undeclared AliasType {type_id}"))?;
                self.alias = Some(PartyName {
                    primary: attr(e, "Primary")?.as_deref() == Some("true"),
                    alias_type,
                    low_quality: attr(e, "LowQuality")?.as_deref() == Some("true"),
                    parts: Vec::new(),
                });
            }
            Tag::DocumentedName => {
                if let Some(alias) = &self.alias {
                    self.name = Some((alias.clone(), Vec::new()));
                }
            }
            Tag::NamePartValue => {
                self.part_group = attr_u64(e, "NamePartGroupID")?.unwrap_or(0);
            }
            Tag::NamePartGroup if self.identity.is_some() => {
                let id = required_u64(e, "ID")?;
                let t = required_u64(e, "NamePartTypeID")?;
                self.group_types.insert(id, t);
            }
            Tag::Feature => {
                let type_id = required_u64(e, "FeatureTypeID")?;
                let name =
                    self.refs.feature_types.get(&type_id).ok_or_else(|| {
                        format!("Feature refers to undeclared FeatureType {type_id}")
                    })?;
                self.feature = Some(if name == BIRTHDATE_FEATURE {
                    self.period = Period::default();
                    FeatureKind::Birthdate
                } else if let Some(ticker) = name.strip_prefix(CURRENCY_FEATURE_PREFIX) {
                    FeatureKind::Currency(ticker.trim().to_string())
                } else {
                    FeatureKind::Ignored
                });
            }
            Tag::Start if self.parent(1) == Tag::DatePeriod => self.period_half = 0,
            Tag::End if self.parent(1) == Tag::DatePeriod => self.period_half = 1,
            Tag::From => self.period_bound = 0,
            Tag::To => self.period_bound = 1,
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self) -> std::result::Result<(), String> {
        let tag = self.stack.pop().unwrap_or(Tag::Other);
        let text = std::mem::take(&mut self.text);
        match tag {
            Tag::AliasType
            | Tag::NamePartType
            | Tag::FeatureType
            | Tag::IdRegDocType
            | Tag::PartySubType
            | Tag::PartyType
            | Tag::Country => {
                if let Some((t, id, extra)) = self.ref_value.take() {
                    let v = text.trim().to_string();
                    let r = &mut self.refs;
                    match t {
                        Tag::AliasType => drop(r.alias_types.insert(id, v)),
                        Tag::NamePartType => drop(r.name_part_types.insert(id, v)),
                        Tag::FeatureType => drop(r.feature_types.insert(id, v)),
                        Tag::IdRegDocType => drop(r.doc_types.insert(id, v)),
                        Tag::PartyType => drop(r.party_types.insert(id, v)),
                        Tag::Country => drop(r.countries.insert(id, v)),
                        Tag::PartySubType => {
                            if let Some(pt) = extra {
                                r.party_sub_types.insert(id, pt);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Tag::Year | Tag::Month | Tag::Day => {
                let v: Option<u32> = text.trim().parse().ok();
                let target = if self.parent(0) == Tag::DateOfIssue {
                    Some(&mut self.issued)
                } else if matches!(self.feature, Some(FeatureKind::Birthdate))
                    && matches!(self.parent(0), Tag::From | Tag::To)
                {
                    self.period
                        .dates
                        .get_mut(self.period_half)
                        .and_then(|h| h.get_mut(self.period_bound))
                } else {
                    None
                };
                if let Some(ymd) = target {
                    match tag {
                        Tag::Year => ymd.y = v,
                        Tag::Month => ymd.m = v,
                        _ => ymd.d = v,
                    }
                }
            }
            Tag::IdRegistrationNo => {
                if let Some((_, doc)) = self.doc.as_mut() {
                    doc.number = text.trim().to_string();
                }
            }
            Tag::IdRegDocument => {
                if let Some((identity, doc)) = self.doc.take().filter(|(_, d)| !d.number.is_empty())
                {
                    self.docs.entry(identity).or_default().push(doc);
                }
            }
            Tag::NamePartValue => {
                let value = text.trim();
                if let Some((name, groups)) = self.name.as_mut()
                    && !value.is_empty()
                {
                    name.parts.push(NamePart {
                        part_type: String::new(),
                        value: value.to_string(),
                    });
                    groups.push(self.part_group);
                }
            }
            Tag::DocumentedName => {
                if let Some(n) = self.name.take().filter(|n| !n.0.parts.is_empty()) {
                    self.names.push(n);
                }
            }
            Tag::Alias => self.alias = None,
            Tag::Identity => {
                let identity = self.identity.take();
                let names = std::mem::take(&mut self.names);
                if let Some(party) = self.party.as_mut() {
                    for (mut name, groups) in names {
                        for (part, group) in name.parts.iter_mut().zip(groups) {
                            if let Some(t) = self
                                .group_types
                                .get(&group)
                                .and_then(|t| self.refs.name_part_types.get(t))
                            {
                                part.part_type.clone_from(t);
                            }
                        }
                        party.names.push(name);
                    }
                    if let Some(docs) = identity.and_then(|i| self.docs.remove(&i)) {
                        party.documents.extend(docs);
                    }
                }
            }
            Tag::VersionDetail => {
                if let (Some(FeatureKind::Currency(ticker)), Some(party)) =
                    (&self.feature, self.party.as_mut())
                {
                    let address = text.trim();
                    if !address.is_empty() {
                        party.addresses.push(CurrencyAddress {
                            ticker: ticker.clone(),
                            address: address.to_string(),
                        });
                    }
                }
            }
            Tag::Feature => {
                if let (Some(FeatureKind::Birthdate), Some(party), Some(d)) = (
                    self.feature.take(),
                    self.party.as_mut(),
                    self.period.format(),
                ) && !party.dates_of_birth.contains(&d)
                {
                    party.dates_of_birth.push(d);
                }
                self.feature = None;
            }
            Tag::DistinctParty => {
                if let Some(mut p) = self.party.take() {
                    // Primary name first.
                    p.names.sort_by_key(|n| !n.primary);
                    self.parties.push(p);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn required_u64(
    e: &quick_xml::events::BytesStart<'_>,
    name: &str,
) -> std::result::Result<u64, String> {
    attr_u64(e, name)?
        .ok_or_else(|| format!("<{}> without the {name} attribute", e.local_name().as_ref()))
}

/// Reads the ADVANCED XML from an uncompressed stream.
pub fn read_ofac_advanced(reader: impl BufRead) -> Result<SanctionsList> {
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
        .issued
        .format()
        .ok_or_else(|| SanctionsError::UnexpectedContent {
            format: FORMAT,
            reason: "no DateOfIssue".into(),
        })?;
    if state.refs.feature_types.is_empty() || state.refs.alias_types.is_empty() {
        return Err(SanctionsError::UnexpectedContent {
            format: FORMAT,
            reason: "no ReferenceValueSets (feature and alias types)".into(),
        });
    }
    Ok(SanctionsList {
        list_id: OFAC_SDN_LIST_ID.to_string(),
        version,
        parties: state.parties,
    })
}

/// Reads the ADVANCED XML from a `.bz2` (or, if the name does not end in `.bz2`, a plain
/// `.xml`) file, decompressing as a stream. `progress(done, total)` is called with bytes
/// of the file consumed.
pub fn read_ofac_advanced_file(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SanctionsList> {
    let file = std::fs::File::open(path).map_err(|e| SanctionsError::io(path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let counted = ProgressReader {
        inner: file,
        done: 0,
        total,
        last: 0,
        progress,
    };
    let compressed = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bz2"));
    // Bounded: total unpacked size, compression ratio, longest text node (crate::limits).
    if compressed {
        let source = crate::limits::SourceCount::default();
        let decoder = bzip2::read::MultiBzDecoder::new(BufReader::with_capacity(
            1 << 20,
            crate::limits::CountingSource::new(counted, source.clone()),
        ));
        let limited = crate::limits::LimitedStream::new(decoder, true, Some(source));
        read_ofac_advanced(BufReader::with_capacity(1 << 20, limited))
    } else {
        let limited = crate::limits::LimitedStream::new(counted, true, None);
        read_ofac_advanced(BufReader::with_capacity(1 << 20, limited))
    }
}

/// The unpacked text of a list file as a stream: a `.bz2` file is decompressed, anything
/// else read as is; bounded as every list stream is (see [`crate::limits`]).
pub fn open_unpacked(path: &Path) -> Result<Box<dyn Read>> {
    let file = std::fs::File::open(path).map_err(|e| SanctionsError::io(path, e))?;
    let compressed = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("bz2"));
    Ok(if compressed {
        let source = crate::limits::SourceCount::default();
        let decoder = bzip2::read::MultiBzDecoder::new(BufReader::new(
            crate::limits::CountingSource::new(file, source.clone()),
        ));
        Box::new(crate::limits::LimitedStream::new(
            decoder,
            false,
            Some(source),
        ))
    } else {
        Box::new(crate::limits::LimitedStream::new(file, false, None))
    })
}

/// Counts bytes read and reports them every 256 KiB.
pub(crate) struct ProgressReader<'a, R> {
    pub(crate) inner: R,
    pub(crate) done: u64,
    pub(crate) total: u64,
    pub(crate) last: u64,
    pub(crate) progress: &'a mut dyn FnMut(u64, u64),
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if n == 0 || self.done - self.last >= 256 * 1024 {
            self.last = self.done;
            (self.progress)(self.done, self.total);
        }
        Ok(n)
    }
}
