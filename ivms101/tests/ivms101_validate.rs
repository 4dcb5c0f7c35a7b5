//! One test per IVMS101 constraint the validator enforces: a valid payload (TRISA's
//! `identity_payload.json`) is changed to break exactly that constraint, and the
//! violation must be reported with its JSON path and constraint id.

use zktr_ivms101::validate::{Constraint, parse_date, validate_document};
use zktr_ivms101::*;

fn today() -> time::Date {
    parse_date("2026-11-21").unwrap()
}

fn base() -> IdentityPayload {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/ivms101/trisa/identity_payload.json"
    ))
    .unwrap();
    from_json::<IdentityPayload>(&text).unwrap().0
}

fn violations(p: &IdentityPayload) -> Vec<(String, &'static str)> {
    validate_identity(p, today())
        .into_iter()
        .map(|v| (v.path, v.constraint.id()))
        .collect()
}

fn assert_only(p: &IdentityPayload, path: &str, id: &str) {
    let v = violations(p);
    assert_eq!(v, vec![(path.to_string(), id)], "{v:#?}");
}

fn originator(p: &mut IdentityPayload) -> &mut NaturalPerson {
    match &mut p.originator.as_mut().unwrap().persons[0] {
        Person::NaturalPerson(n) => n,
        Person::LegalPerson(_) => panic!("fixture originator is natural"),
    }
}

fn originating_vasp(p: &mut IdentityPayload) -> &mut LegalPerson {
    match p
        .originating_vasp
        .as_mut()
        .unwrap()
        .person
        .as_mut()
        .unwrap()
    {
        Person::LegalPerson(l) => l,
        Person::NaturalPerson(_) => panic!("fixture VASP is legal"),
    }
}

const ORIG: &str = "$.originator.originatorPersons[0].naturalPerson";
const OVASP: &str = "$.originatingVASP.originatingVASP.legalPerson";

#[test]
fn the_fixture_is_valid() {
    assert_eq!(violations(&base()), vec![]);
}

#[test]
fn c1_originator_natural_person_needs_identifying_information() {
    let mut p = base();
    let o = originator(&mut p);
    o.geographic_addresses.clear();
    o.customer_identification.clear();
    o.national_identification = None;
    o.date_and_place_of_birth = None;
    assert_only(&p, ORIG, "C1");
    // Any one of them is enough: here the customer identification.
    originator(&mut p).customer_identification = "2642".into();
    assert_eq!(violations(&p), vec![]);
    // The beneficiary does not need any of them.
    let mut p = base();
    if let Person::NaturalPerson(b) = &mut p.beneficiary.as_mut().unwrap().persons[0] {
        b.geographic_addresses.clear();
        b.customer_identification.clear();
        b.national_identification = None;
        b.date_and_place_of_birth = None;
    }
    assert_eq!(violations(&p), vec![]);
}

#[test]
fn c2_date_of_birth_in_the_past() {
    let mut p = base();
    originator(&mut p)
        .date_and_place_of_birth
        .as_mut()
        .unwrap()
        .date_of_birth = "2026-11-21".into();
    assert_only(&p, &format!("{ORIG}.dateAndPlaceOfBirth.dateOfBirth"), "C2");
    originator(&mut p)
        .date_and_place_of_birth
        .as_mut()
        .unwrap()
        .date_of_birth = "2026-11-20".into();
    assert_eq!(violations(&p), vec![]);
    originator(&mut p)
        .date_and_place_of_birth
        .as_mut()
        .unwrap()
        .date_of_birth = "04/10/1992".into();
    assert_only(
        &p,
        &format!("{ORIG}.dateAndPlaceOfBirth.dateOfBirth"),
        "format",
    );
}

#[test]
fn c3_country_codes() {
    let mut p = base();
    let o = originator(&mut p);
    o.country_of_residence = "USA".into();
    o.geographic_addresses[0].country = "us".into();
    o.national_identification.as_mut().unwrap().country_of_issue = "UK".into();
    originating_vasp(&mut p).country_of_registration = "Germany".into();
    let v = violations(&p);
    for path in [
        format!("{ORIG}.countryOfResidence"),
        format!("{ORIG}.geographicAddress[0].country"),
        format!("{ORIG}.nationalIdentification.countryOfIssue"),
        format!("{OVASP}.countryOfRegistration"),
    ] {
        assert!(v.contains(&(path.clone(), "C3")), "{path}: {v:#?}");
    }
    assert_eq!(v.len(), 4, "{v:#?}");
    originator(&mut p).country_of_residence = "XX".into();
    assert!(!violations(&p).contains(&(format!("{ORIG}.countryOfResidence"), "C3")));
}

#[test]
fn c4_originator_legal_person_needs_identifying_information() {
    let mut p = base();
    let mut vasp = originating_vasp(&mut p).clone();
    vasp.customer_number.clear();
    vasp.national_identification = None;
    // A BIZZ address is not enough for C4 (it asks for GEOG).
    p.originator.as_mut().unwrap().persons[0] = Person::LegalPerson(vasp.clone());
    assert_only(&p, "$.originator.originatorPersons[0].legalPerson", "C4");
    vasp.geographic_addresses[0].address_type = AddressTypeCode::Geog;
    p.originator.as_mut().unwrap().persons[0] = Person::LegalPerson(vasp);
    assert_eq!(violations(&p), vec![]);
}

#[test]
fn c5_legal_person_needs_a_legl_name() {
    let mut p = base();
    for n in &mut originating_vasp(&mut p)
        .name
        .as_mut()
        .unwrap()
        .name_identifiers
    {
        if n.legal_person_name_identifier_type == LegalPersonNameTypeCode::Legl {
            n.legal_person_name_identifier_type = LegalPersonNameTypeCode::Trad;
        }
    }
    assert_only(&p, &format!("{OVASP}.name.nameIdentifier"), "C5");
}

#[test]
fn c6_natural_person_needs_a_legl_name() {
    let mut p = base();
    originator(&mut p).name.as_mut().unwrap().name_identifiers[0].name_identifier_type =
        NaturalPersonNameTypeCode::Alia;
    assert_only(&p, &format!("{ORIG}.name.nameIdentifier"), "C6");
}

#[test]
fn c7_legal_person_identifier_types() {
    let mut p = base();
    let id = originating_vasp(&mut p)
        .national_identification
        .as_mut()
        .unwrap();
    id.national_identifier_type = NationalIdentifierTypeCode::Ccpt;
    id.registration_authority = "RA000001".into();
    assert_only(
        &p,
        &format!("{OVASP}.nationalIdentification.nationalIdentifierType"),
        "C7",
    );
}

#[test]
fn c8_address_lines_or_street_and_building() {
    let mut p = base();
    let a = &mut originator(&mut p).geographic_addresses[0];
    a.building_number.clear();
    assert_only(&p, &format!("{ORIG}.geographicAddress[0]"), "C8");
    let a = &mut originator(&mut p).geographic_addresses[0];
    a.building_name = "Greystone House".into();
    assert_eq!(violations(&p), vec![]);
    let a = &mut originator(&mut p).geographic_addresses[0];
    *a = Address {
        address_type: AddressTypeCode::Home,
        address_line: vec!["28 Greystone Street".into(), "Collierville TN 38017".into()],
        country: "US".into(),
        ..Address::default()
    };
    assert_eq!(violations(&p), vec![]);
}

#[test]
fn c9_legal_person_identification_is_complete() {
    let mut p = base();
    let id = originating_vasp(&mut p)
        .national_identification
        .as_mut()
        .unwrap();
    id.country_of_issue = "US".into();
    assert_only(
        &p,
        &format!("{OVASP}.nationalIdentification.countryOfIssue"),
        "C9",
    );
    let mut p = base();
    let id = originating_vasp(&mut p)
        .national_identification
        .as_mut()
        .unwrap();
    id.national_identifier_type = NationalIdentifierTypeCode::Raid;
    assert_only(
        &p,
        &format!("{OVASP}.nationalIdentification.registrationAuthority"),
        "C9",
    );
}

#[test]
fn c10_registration_authority_format() {
    let mut p = base();
    originator(&mut p)
        .national_identification
        .as_mut()
        .unwrap()
        .registration_authority = "RA-7777".into();
    assert_only(
        &p,
        &format!("{ORIG}.nationalIdentification.registrationAuthority"),
        "C10",
    );
}

#[test]
fn c11_lei_check_digits() {
    let mut p = base();
    let id = originating_vasp(&mut p)
        .national_identification
        .as_mut()
        .unwrap();
    assert_eq!(id.national_identifier, "506700T7Z685VUOZL877");
    id.national_identifier = "506700T7Z685VUOZL878".into();
    assert_only(
        &p,
        &format!("{OVASP}.nationalIdentification.nationalIdentifier"),
        "C11",
    );
}

#[test]
fn c12_transfer_path_sequence() {
    let mut p = base();
    let hop = |sequence| IntermediaryVasp {
        person: p.beneficiary_vasp.as_ref().unwrap().person.clone(),
        sequence,
    };
    let ok = TransferPath {
        path: vec![hop(0), hop(1)],
    };
    let gap = TransferPath {
        path: vec![hop(0), hop(2)],
    };
    let repeat = TransferPath {
        path: vec![hop(1), hop(1)],
    };
    p.transfer_path = Some(ok);
    assert_eq!(violations(&p), vec![]);
    p.transfer_path = Some(gap);
    assert_only(&p, "$.transferPath.transferPath", "C12");
    p.transfer_path = Some(repeat);
    assert_only(&p, "$.transferPath.transferPath", "C12");
}

#[test]
fn required_elements() {
    let mut p = base();
    originator(&mut p).name.as_mut().unwrap().name_identifiers[1]
        .primary_identifier
        .clear();
    originator(&mut p).geographic_addresses[0].address_type = AddressTypeCode::Misc;
    originator(&mut p).geographic_addresses[0].town_name.clear();
    p.beneficiary.as_mut().unwrap().persons.clear();
    let v = violations(&p);
    assert_eq!(
        v,
        vec![
            (
                format!("{ORIG}.name.nameIdentifier[1].primaryIdentifier"),
                "required"
            ),
            (
                format!("{ORIG}.geographicAddress[0].addressType"),
                "required"
            ),
            (format!("{ORIG}.geographicAddress[0].townName"), "required"),
            ("$.beneficiary.beneficiaryPersons".to_string(), "required"),
        ]
    );
    assert_only(
        &IdentityPayload {
            originator: None,
            ..base()
        },
        "$.originator",
        "required",
    );
}

/// Every violation is reported, not only the first one, each with its own constraint.
#[test]
fn all_violations_are_reported() {
    let mut p = base();
    originator(&mut p).name.as_mut().unwrap().name_identifiers[0].name_identifier_type =
        NaturalPersonNameTypeCode::Misc;
    originator(&mut p).country_of_residence = "ZZ".into();
    originating_vasp(&mut p)
        .national_identification
        .as_mut()
        .unwrap()
        .national_identifier = "not an LEI".into();
    let ids: Vec<&str> = violations(&p).into_iter().map(|(_, id)| id).collect();
    assert_eq!(ids, vec!["C6", "C3", "C11"]);
    // Display carries path, id and the constraint's name.
    let v = validate_identity(&p, today());
    assert_eq!(v[0].constraint, Constraint::C6);
    assert!(
        v[0].to_string()
            .starts_with(&format!("{ORIG}.name.nameIdentifier: C6 LegalNamePresent"))
    );
}

#[test]
fn bare_documents_are_validated_from_their_root() {
    let doc = Document::Address(Address {
        address_type: AddressTypeCode::Bizz,
        town_name: "Oxford".into(),
        country: "GB".into(),
        ..Address::default()
    });
    let v: Vec<(String, &str)> = validate_document(&doc, today())
        .into_iter()
        .map(|v| (v.path, v.constraint.id()))
        .collect();
    assert_eq!(v, vec![("$".to_string(), "C8")]);
}
