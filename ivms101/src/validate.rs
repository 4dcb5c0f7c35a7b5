//! IVMS101's constraints C1 to C12, plus the standard's required fields and formats.
//!
//! Every violation is reported (not just the first), each with the JSON path of the
//! offending element in IVMS101 JSON names (`$.originator.originatorPersons[0]...`) and
//! the constraint's id. The constraints, as IVMS101 (2020) names them:
//!
//! | id | name | rule |
//! |---|---|---|
//! | C1 | OriginatorInformationNaturalPerson | an originator natural person has a geographic address (HOME, BIZZ or GEOG), a customer identification, a national identification, or a date and place of birth |
//! | C2 | DateInPast | a date of birth is before today |
//! | C3 | ValidCountryCode | every country field is an ISO 3166-1 alpha-2 code (or `XX`) |
//! | C4 | OriginatorInformationLegalPerson | an originator legal person has a GEOG address, a customer number or a national identification |
//! | C5 | LegalNamePresentLegalPerson | a legal person has a name of type LEGL |
//! | C6 | LegalNamePresent | a natural person has a name of type LEGL |
//! | C7 | ValidNationalIdentifierLegalPerson | a legal person's national identifier type is RAID, MISC, LEIX or TXID |
//! | C8 | ValidAddress | an address has an address line, or a street name and a building name or number |
//! | C9 | CompleteNationalIdentifierLegalPerson | a legal person's national identification has no country of issue, and has a registration authority unless it is an LEI |
//! | C10 | RegistrationAuthority | a registration authority is a GLEIF RA code (`RA` + 6 digits; the list itself is not checked) |
//! | C11 | ValidLEI | an LEIX identifier is an ISO 17442 LEI: 18 alphanumerics + 2 check digits, mod 97 = 1 |
//! | C12 | SequentialIntegrity | transfer-path sequence numbers are 0, 1, 2, ... without gaps or repeats |
//!
//! Besides the C-constraints, `required` reports an element the standard requires
//! (originator/beneficiary persons, a name, a primary identifier, a town and country in
//! an address, an address type, a national identifier) and `format` a date that is not
//! `YYYY-MM-DD`.

use super::codes::{
    AddressTypeCode, LegalPersonNameTypeCode, NationalIdentifierTypeCode, NaturalPersonNameTypeCode,
};
use super::json::Document;
use super::model::*;
use time::Date;

/// A rule of IVMS101.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// OriginatorInformationNaturalPerson.
    C1,
    /// DateInPast.
    C2,
    /// ValidCountryCode (ISO 3166-1 alpha-2).
    C3,
    /// OriginatorInformationLegalPerson.
    C4,
    /// LegalNamePresentLegalPerson.
    C5,
    /// LegalNamePresent (natural person).
    C6,
    /// ValidNationalIdentifierLegalPerson.
    C7,
    /// ValidAddress.
    C8,
    /// CompleteNationalIdentifierLegalPerson.
    C9,
    /// RegistrationAuthority.
    C10,
    /// ValidLEI.
    C11,
    /// SequentialIntegrity.
    C12,
    /// A required element is missing or empty.
    Required,
    /// A value is not in the required format.
    Format,
}

impl Constraint {
    /// The id printed with a violation (`C1`..`C12`, `required`, `format`).
    pub fn id(self) -> &'static str {
        match self {
            Constraint::C1 => "C1",
            Constraint::C2 => "C2",
            Constraint::C3 => "C3",
            Constraint::C4 => "C4",
            Constraint::C5 => "C5",
            Constraint::C6 => "C6",
            Constraint::C7 => "C7",
            Constraint::C8 => "C8",
            Constraint::C9 => "C9",
            Constraint::C10 => "C10",
            Constraint::C11 => "C11",
            Constraint::C12 => "C12",
            Constraint::Required => "required",
            Constraint::Format => "format",
        }
    }

    /// The standard's name of the constraint.
    pub fn name(self) -> &'static str {
        match self {
            Constraint::C1 => "OriginatorInformationNaturalPerson",
            Constraint::C2 => "DateInPast",
            Constraint::C3 => "ValidCountryCode",
            Constraint::C4 => "OriginatorInformationLegalPerson",
            Constraint::C5 => "LegalNamePresentLegalPerson",
            Constraint::C6 => "LegalNamePresent",
            Constraint::C7 => "ValidNationalIdentifierLegalPerson",
            Constraint::C8 => "ValidAddress",
            Constraint::C9 => "CompleteNationalIdentifierLegalPerson",
            Constraint::C10 => "RegistrationAuthority",
            Constraint::C11 => "ValidLEI",
            Constraint::C12 => "SequentialIntegrity",
            Constraint::Required => "Required",
            Constraint::Format => "Format",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the element, in IVMS101 JSON names.
    pub path: String,
    /// The rule.
    pub constraint: Constraint,
    /// What is wrong (never contains the value of a personal field).
    pub message: String,
}

impl core::fmt::Display for Violation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}: {} {}: {}",
            self.path,
            self.constraint.id(),
            self.constraint.name(),
            self.message
        )
    }
}

/// ISO 3166-1 alpha-2 codes (249 assigned codes) and IVMS101's `XX` (unknown).
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XX";

/// Whether `code` is an ISO 3166-1 alpha-2 code or `XX`.
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && COUNTRY_CODES.split(' ').any(|c| c == code)
}

/// Whether `lei` is a valid ISO 17442 Legal Entity Identifier: 20 characters, 18
/// upper-case alphanumerics then 2 digits, and the ISO 7064 MOD 97-10 check (letters as
/// 10..35) gives 1.
pub fn is_valid_lei(lei: &str) -> bool {
    let b = lei.as_bytes();
    if b.len() != 20
        || !b[..18]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        || !b[18..].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for c in b {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// Whether `ra` looks like a GLEIF registration authority code (`RA` + 6 digits).
pub fn is_registration_authority(ra: &str) -> bool {
    let b = ra.as_bytes();
    b.len() == 8 && b.starts_with(b"RA") && b[2..].iter().all(u8::is_ascii_digit)
}

/// Parses an IVMS101 date (`YYYY-MM-DD`).
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).ok()
}

struct Checker {
    today: Date,
    out: Vec<Violation>,
}

impl Checker {
    fn push(&mut self, path: &str, constraint: Constraint, message: impl Into<String>) {
        self.out.push(Violation {
            path: path.to_string(),
            constraint,
            message: message.into(),
        });
    }

    fn country(&mut self, path: &str, code: &str) {
        if !code.is_empty() && !is_country_code(code) {
            self.push(
                path,
                Constraint::C3,
                "not an ISO 3166-1 alpha-2 country code",
            );
        }
    }

    fn identity(&mut self, p: &IdentityPayload) {
        match &p.originator {
            None => self.push(
                "$.originator",
                Constraint::Required,
                "the originator is required",
            ),
            Some(o) => {
                if o.persons.is_empty() {
                    self.push(
                        "$.originator.originatorPersons",
                        Constraint::Required,
                        "at least one originator person is required",
                    );
                }
                for (i, person) in o.persons.iter().enumerate() {
                    let path = format!("$.originator.originatorPersons[{i}]");
                    self.person(&path, person);
                    self.originator_info(&path, person);
                }
            }
        }
        match &p.beneficiary {
            None => self.push(
                "$.beneficiary",
                Constraint::Required,
                "the beneficiary is required",
            ),
            Some(b) => {
                if b.persons.is_empty() {
                    self.push(
                        "$.beneficiary.beneficiaryPersons",
                        Constraint::Required,
                        "at least one beneficiary person is required",
                    );
                }
                for (i, person) in b.persons.iter().enumerate() {
                    self.person(&format!("$.beneficiary.beneficiaryPersons[{i}]"), person);
                }
            }
        }
        if let Some(person) = p.originating_vasp.as_ref().and_then(|v| v.person.as_ref()) {
            self.person("$.originatingVASP.originatingVASP", person);
        }
        if let Some(person) = p.beneficiary_vasp.as_ref().and_then(|v| v.person.as_ref()) {
            self.person("$.beneficiaryVASP.beneficiaryVASP", person);
        }
        if let Some(tp) = &p.transfer_path {
            for (i, hop) in tp.path.iter().enumerate() {
                let path = format!("$.transferPath.transferPath[{i}]");
                match &hop.person {
                    Some(person) => self.person(&format!("{path}.intermediaryVASP"), person),
                    None => self.push(
                        &format!("{path}.intermediaryVASP"),
                        Constraint::Required,
                        "an intermediary VASP is required",
                    ),
                }
            }
            let mut seq: Vec<u64> = tp.path.iter().map(|h| h.sequence).collect();
            seq.sort_unstable();
            if seq.iter().enumerate().any(|(i, s)| *s != i as u64) {
                self.push(
                    "$.transferPath.transferPath",
                    Constraint::C12,
                    "sequence numbers must be 0, 1, 2, ... without gaps or repeats",
                );
            }
        }
    }

    /// C1 and C4: what an originator must carry.
    fn originator_info(&mut self, path: &str, person: &Person) {
        match person {
            Person::NaturalPerson(n) => {
                let address = n.geographic_addresses.iter().any(|a| {
                    matches!(
                        a.address_type,
                        AddressTypeCode::Home | AddressTypeCode::Bizz | AddressTypeCode::Geog
                    )
                });
                if !address
                    && n.customer_identification.is_empty()
                    && n.national_identification.is_none()
                    && n.date_and_place_of_birth.is_none()
                {
                    self.push(
                        &format!("{path}.naturalPerson"),
                        Constraint::C1,
                        "an originator natural person needs a geographic address, customer identification, national identification or date and place of birth",
                    );
                }
            }
            Person::LegalPerson(l) => {
                let address = l
                    .geographic_addresses
                    .iter()
                    .any(|a| a.address_type == AddressTypeCode::Geog);
                if !address && l.customer_number.is_empty() && l.national_identification.is_none() {
                    self.push(
                        &format!("{path}.legalPerson"),
                        Constraint::C4,
                        "an originator legal person needs a GEOG address, customer number or national identification",
                    );
                }
            }
        }
    }

    fn person(&mut self, path: &str, person: &Person) {
        match person {
            Person::NaturalPerson(n) => self.natural(&format!("{path}.naturalPerson"), n),
            Person::LegalPerson(l) => self.legal(&format!("{path}.legalPerson"), l),
        }
    }

    fn natural(&mut self, path: &str, n: &NaturalPerson) {
        match &n.name {
            None => self.push(
                &format!("{path}.name"),
                Constraint::Required,
                "a name is required",
            ),
            Some(name) => {
                if name.name_identifiers.is_empty() {
                    self.push(
                        &format!("{path}.name.nameIdentifier"),
                        Constraint::Required,
                        "at least one name identifier is required",
                    );
                } else if !name
                    .name_identifiers
                    .iter()
                    .any(|i| i.name_identifier_type == NaturalPersonNameTypeCode::Legl)
                {
                    self.push(
                        &format!("{path}.name.nameIdentifier"),
                        Constraint::C6,
                        "a natural person needs a name of type LEGL",
                    );
                }
                for (list, ids) in [
                    ("nameIdentifier", &name.name_identifiers),
                    ("localNameIdentifier", &name.local_name_identifiers),
                    ("phoneticNameIdentifier", &name.phonetic_name_identifiers),
                ] {
                    for (i, id) in ids.iter().enumerate() {
                        if id.primary_identifier.trim().is_empty() {
                            self.push(
                                &format!("{path}.name.{list}[{i}].primaryIdentifier"),
                                Constraint::Required,
                                "a primary identifier is required",
                            );
                        }
                    }
                }
            }
        }
        self.addresses(path, &n.geographic_addresses);
        if let Some(id) = &n.national_identification {
            self.national_id(&format!("{path}.nationalIdentification"), id, false);
        }
        if let Some(dob) = &n.date_and_place_of_birth {
            let p = format!("{path}.dateAndPlaceOfBirth");
            match parse_date(&dob.date_of_birth) {
                None => self.push(
                    &format!("{p}.dateOfBirth"),
                    Constraint::Format,
                    "a date of birth must be YYYY-MM-DD",
                ),
                Some(d) if d >= self.today => self.push(
                    &format!("{p}.dateOfBirth"),
                    Constraint::C2,
                    "a date of birth must be in the past",
                ),
                Some(_) => {}
            }
            if dob.place_of_birth.trim().is_empty() {
                self.push(
                    &format!("{p}.placeOfBirth"),
                    Constraint::Required,
                    "a place of birth is required with a date of birth",
                );
            }
        }
        self.country(
            &format!("{path}.countryOfResidence"),
            &n.country_of_residence,
        );
    }

    fn legal(&mut self, path: &str, l: &LegalPerson) {
        match &l.name {
            None => self.push(
                &format!("{path}.name"),
                Constraint::Required,
                "a name is required",
            ),
            Some(name) => {
                if name.name_identifiers.is_empty() {
                    self.push(
                        &format!("{path}.name.nameIdentifier"),
                        Constraint::Required,
                        "at least one name identifier is required",
                    );
                } else if !name
                    .name_identifiers
                    .iter()
                    .any(|i| i.legal_person_name_identifier_type == LegalPersonNameTypeCode::Legl)
                {
                    self.push(
                        &format!("{path}.name.nameIdentifier"),
                        Constraint::C5,
                        "a legal person needs a name of type LEGL",
                    );
                }
                for (list, ids) in [
                    ("nameIdentifier", &name.name_identifiers),
                    ("localNameIdentifier", &name.local_name_identifiers),
                    ("phoneticNameIdentifier", &name.phonetic_name_identifiers),
                ] {
                    for (i, id) in ids.iter().enumerate() {
                        if id.legal_person_name.trim().is_empty() {
                            self.push(
                                &format!("{path}.name.{list}[{i}].legalPersonName"),
                                Constraint::Required,
                                "a legal person name is required",
                            );
                        }
                    }
                }
            }
        }
        self.addresses(path, &l.geographic_addresses);
        if let Some(id) = &l.national_identification {
            self.national_id(&format!("{path}.nationalIdentification"), id, true);
        }
        self.country(
            &format!("{path}.countryOfRegistration"),
            &l.country_of_registration,
        );
    }

    fn addresses(&mut self, path: &str, addresses: &[Address]) {
        for (i, a) in addresses.iter().enumerate() {
            self.address(&format!("{path}.geographicAddress[{i}]"), a);
        }
    }

    fn address(&mut self, path: &str, a: &Address) {
        if a.address_type == AddressTypeCode::Misc {
            self.push(
                &format!("{path}.addressType"),
                Constraint::Required,
                "an address type (HOME, BIZZ or GEOG) is required",
            );
        }
        let lines = a.address_line.iter().any(|l| !l.trim().is_empty());
        let structured = !a.street_name.trim().is_empty()
            && (!a.building_name.trim().is_empty() || !a.building_number.trim().is_empty());
        if !lines && !structured {
            self.push(
                path,
                Constraint::C8,
                "an address needs an address line, or a street name with a building name or number",
            );
        }
        if !lines && a.town_name.trim().is_empty() {
            self.push(
                &format!("{path}.townName"),
                Constraint::Required,
                "a town name is required",
            );
        }
        if a.country.is_empty() {
            self.push(
                &format!("{path}.country"),
                Constraint::Required,
                "a country is required",
            );
        } else {
            self.country(&format!("{path}.country"), &a.country);
        }
    }

    fn national_id(&mut self, path: &str, id: &NationalIdentification, legal: bool) {
        if id.national_identifier.trim().is_empty() {
            self.push(
                &format!("{path}.nationalIdentifier"),
                Constraint::Required,
                "a national identifier is required",
            );
        }
        let t = id.national_identifier_type;
        if legal
            && !matches!(
                t,
                NationalIdentifierTypeCode::Raid
                    | NationalIdentifierTypeCode::Misc
                    | NationalIdentifierTypeCode::Leix
                    | NationalIdentifierTypeCode::Txid
            )
        {
            self.push(
                &format!("{path}.nationalIdentifierType"),
                Constraint::C7,
                format!(
                    "a legal person's identifier type must be RAID, MISC, LEIX or TXID, not {t}"
                ),
            );
        }
        if legal && !id.country_of_issue.is_empty() {
            self.push(
                &format!("{path}.countryOfIssue"),
                Constraint::C9,
                "a legal person's national identification must not have a country of issue",
            );
        }
        if legal && t != NationalIdentifierTypeCode::Leix && id.registration_authority.is_empty() {
            self.push(
                &format!("{path}.registrationAuthority"),
                Constraint::C9,
                "a legal person's non-LEI identifier needs a registration authority",
            );
        }
        if !id.registration_authority.is_empty()
            && !is_registration_authority(&id.registration_authority)
        {
            self.push(
                &format!("{path}.registrationAuthority"),
                Constraint::C10,
                "a registration authority is RA followed by 6 digits",
            );
        }
        if t == NationalIdentifierTypeCode::Leix && !is_valid_lei(&id.national_identifier) {
            self.push(
                &format!("{path}.nationalIdentifier"),
                Constraint::C11,
                "not a valid ISO 17442 LEI (format or check digits)",
            );
        }
        self.country(&format!("{path}.countryOfIssue"), &id.country_of_issue);
    }
}

/// Today's date (UTC), the reference for C2.
pub fn today_utc() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// Every violation in an identity payload, with `today` as the reference date for C2.
pub fn validate_identity(p: &IdentityPayload, today: Date) -> Vec<Violation> {
    let mut c = Checker {
        today,
        out: Vec::new(),
    };
    c.identity(p);
    c.out
}

/// Every violation in a document. Persons outside an identity payload are checked
/// without the originator-only rules C1 and C4; paths start at the document's root.
pub fn validate_document(doc: &Document, today: Date) -> Vec<Violation> {
    let mut c = Checker {
        today,
        out: Vec::new(),
    };
    match doc {
        Document::IdentityPayload(p) => c.identity(p),
        Document::Person(p) => c.person("$", p),
        Document::NaturalPerson(n) => c.natural("$", n),
        Document::LegalPerson(l) => c.legal("$", l),
        Document::Address(a) => c.address("$", a),
        Document::NationalIdentification(id) => c.national_id("$", id, false),
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lei_check_digits() {
        // GLEIF's own LEI and other published LEIs.
        assert!(is_valid_lei("506700GE1G29325QX363"));
        assert!(is_valid_lei("5493001KJTIIGC8Y1R12"));
        assert!(is_valid_lei("7LTWFZYICNSX8D621K86"));
        // TRISA's fixtures carry made-up LEIs whose check digits do not hold.
        assert!(!is_valid_lei("5493004YBI24IF4TIP92"));
        assert!(!is_valid_lei("506700GE1G29325QX364"));
        assert!(!is_valid_lei("506700ge1g29325qx363"));
        assert!(!is_valid_lei("506700GE1G29325QX36"));
        assert!(!is_valid_lei("é06700GE1G29325QX363"));
    }

    #[test]
    fn country_codes() {
        assert!(is_country_code("GB"));
        assert!(is_country_code("XX"));
        assert!(!is_country_code("UK"));
        assert!(!is_country_code("United Kingdom"));
        assert_eq!(COUNTRY_CODES.split(' ').count(), 250);
    }
}
