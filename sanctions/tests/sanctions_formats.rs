//! The other list readers on real data (OFAC's legacy CSV set, the UN consolidated XML,
//! plain address lists), and typed errors for truncated and malformed list files.

use std::io::Read;
use std::path::PathBuf;
use zktr_sanctions::address_list::{parse_address_list, read_address_dir, version_from_dir_name};
use zktr_sanctions::ofac_advanced::{read_ofac_advanced, read_ofac_advanced_file};
use zktr_sanctions::ofac_csv::{parse_ofac_csv, read_ofac_csv_dir};
use zktr_sanctions::un::{read_un, read_un_file};
use zktr_sanctions::{PartyKind, SanctionsError};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/sanctions/"
    ))
    .join(rel)
}

#[test]
fn ofac_legacy_csv_set() {
    let list = read_ofac_csv_dir(&data("ofac/sdn-csv-set-2021-07"), "2021-07").unwrap();
    let c = list.counts();
    eprintln!("OFAC CSV counts: {c:?}");
    assert_eq!(c.parties, 8_976);
    // Every SDN row has its primary name, plus the 11,910 aliases of alt.csv.
    assert_eq!(c.names, 8_976 + 11_910);
    assert!(
        c.dates_of_birth > 3_000 && c.documents > 5_000 && c.addresses == 81,
        "{c:?}"
    );
    let p = &list.parties[0];
    assert_eq!(p.id, "ofac:36");
    assert_eq!(p.names[0].full(), "AEROCARIBBEAN AIRLINES");
    assert_eq!(p.names[1].full(), "AERO-CARIBBEAN");
    assert_eq!(p.kind, PartyKind::Entity);
    // An individual: `LAST, First` split into typed parts; DOB, passport and address from
    // the remarks.
    let p = list
        .parties
        .iter()
        .find(|p| {
            p.addresses
                .iter()
                .any(|a| a.address == "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")
        })
        .unwrap();
    assert_eq!(p.kind, PartyKind::Individual);
    assert_eq!(p.names[0].parts[0].part_type, "Last Name");
    assert_eq!(p.addresses[0].ticker, "XBT");
    assert!(!p.dates_of_birth.is_empty());
    let p = list
        .parties
        .iter()
        .find(|p| p.documents.iter().any(|d| d.number == "040070827"))
        .unwrap();
    let d = p
        .documents
        .iter()
        .find(|d| d.number == "040070827")
        .unwrap();
    assert_eq!(
        (d.doc_type.as_str(), d.country.as_deref()),
        ("Passport", Some("Mexico"))
    );
    assert_eq!(p.id, "ofac:15002");
    assert_eq!(p.documents.len(), 3, "{:?}", p.documents);
    assert!(
        p.dates_of_birth.iter().any(|d| d == "09 Jun 1964"),
        "{:?}",
        p.dates_of_birth
    );
    // No `-0-` survives as data.
    assert!(
        list.parties
            .iter()
            .all(|p| p.names.iter().all(|n| !n.full().contains("-0-")))
    );
}

#[test]
fn ofac_csv_errors_name_file_and_line() {
    let sdn = b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a";
    let ok = parse_ofac_csv(sdn, b"36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n", b"", "t").unwrap();
    assert_eq!(ok.parties[0].names.len(), 2);
    // (sdn, alt, add, the file named in the error, its line)
    type Case<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a str, usize);
    let cases: [Case; 4] = [
        (b"36,\"A\",-0-\r\n", b"", b"", "sdn.csv", 1),
        (sdn, b"36,12,\"aka\",\"unterminated\r\n", b"", "alt.csv", 1),
        (sdn, b"\r\n99,12,\"aka\",\"X\",-0- \r\n", b"", "alt.csv", 2),
        (sdn, b"", b"x,1,-0- ,-0- ,-0- ,-0- \r\n", "add.csv", 1),
    ];
    for (s, alt, add, file, line) in cases {
        match parse_ofac_csv(s, alt, add, "t") {
            Err(SanctionsError::MalformedCsv {
                file: f,
                line: l,
                reason,
            }) => {
                assert_eq!((f.as_str(), l), (file, line), "{reason}")
            }
            other => panic!("expected MalformedCsv in {file}, got {other:?}"),
        }
    }
}

#[test]
fn un_consolidated_list() {
    let list = read_un_file(&data("un/UN_consolidated_2026-02-27.xml")).unwrap();
    assert_eq!(list.version, "2026-02-27");
    let count = |k| list.parties.iter().filter(|p| p.kind == k).count();
    assert_eq!(count(PartyKind::Individual), 730);
    assert_eq!(count(PartyKind::Entity), 273);
    let c = list.counts();
    eprintln!("UN counts: {c:?}");
    assert!(c.documents > 300 && c.dates_of_birth > 700, "{c:?}");
    let p = list.parties.iter().find(|p| p.id == "un:CDi.001").unwrap();
    assert_eq!(p.names[0].full(), "ERIC BADEGE");
    assert!(p.names[0].primary);
    assert_eq!(p.dates_of_birth, vec!["1971"]);
    let p = list.parties.iter().find(|p| p.id == "un:CDi.002").unwrap();
    let aliases: Vec<String> = p.names.iter().skip(1).map(|n| n.full()).collect();
    assert!(aliases.contains(&"AIGLE BLANC".to_string()), "{aliases:?}");
    assert!(list.parties.iter().any(|p| {
        p.documents
            .iter()
            .any(|d| d.number == "OB 0243318" && d.doc_type == "Passport")
    }));
    assert!(
        list.parties
            .iter()
            .all(|p| p.names.first().is_some_and(|n| n.primary))
    );
}

#[test]
fn address_lists() {
    let new = read_address_dir(&data("ofac/address-lists-brave-2025-11-19"), "2025-11-19").unwrap();
    assert_eq!(new.parties.len(), 19);
    assert_eq!(new.counts().addresses, 758);
    let eth = new
        .parties
        .iter()
        .find(|p| p.id == "addresses:ETH")
        .unwrap();
    assert_eq!(eth.addresses.len(), 77);
    assert_eq!(eth.kind, PartyKind::AddressList);
    let old =
        read_address_dir(&data("ofac/address-lists-0xB10C-2024-09-27"), "2024-09-27").unwrap();
    assert_eq!(old.parties.len(), 17);
    assert_eq!(
        version_from_dir_name(&data("ofac/address-lists-0xB10C-2024-09-27")),
        "2024-09-27"
    );
    assert!(matches!(
        parse_address_list("ETH", "0xabc\n0x12 34\n"),
        Err(SanctionsError::MalformedCsv { line: 2, .. })
    ));
    assert!(matches!(
        read_address_dir(&data("un"), "x"),
        Err(SanctionsError::UnexpectedContent { .. })
    ));
}

fn un_bytes() -> Vec<u8> {
    std::fs::read(data("un/UN_consolidated_2026-02-27.xml")).unwrap()
}

#[test]
fn truncated_and_malformed_xml_are_typed_errors() {
    let un = un_bytes();
    // Cut anywhere: never a short list, always an error naming the format.
    for cut in [
        0,
        10,
        100,
        un.len() / 3,
        un.len() / 2,
        un.len() - 30,
        un.len() - 2,
    ] {
        match read_un(&un[..cut]) {
            Err(SanctionsError::MalformedXml { format, reason, .. }) => {
                assert_eq!(format, "UN consolidated XML", "{reason}")
            }
            other => panic!("cut at {cut}: {:?}", other.map(|l| l.parties.len())),
        }
    }
    // Broken markup, a mismatched end tag, an undeclared entity, garbage.
    for bad in [
        &b"<CONSOLIDATED_LIST dateGenerated=\"2026\"><INDIVIDUALS></ENTITIES></CONSOLIDATED_LIST>"
            [..],
        b"<CONSOLIDATED_LIST dateGenerated=\"2026\">&nosuch;</CONSOLIDATED_LIST>",
        b"\x00\x01\x02 not xml",
        b"<a",
    ] {
        assert!(
            matches!(read_un(bad), Err(SanctionsError::MalformedXml { .. })),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // Well-formed but the wrong document: the UN list given to the OFAC reader, and
    // vice versa; an OFAC document without its reference values.
    assert!(
        matches!(read_ofac_advanced(&un[..]), Err(SanctionsError::MalformedXml { reason, .. }) if reason.contains("<Sanctions>"))
    );
    assert!(matches!(
        read_un(&b"<Sanctions/>"[..]),
        Err(SanctionsError::MalformedXml { .. })
    ));
    assert!(matches!(
        read_ofac_advanced(
            &b"<Sanctions><DateOfIssue><Year>2025</Year></DateOfIssue></Sanctions>"[..]
        ),
        Err(SanctionsError::UnexpectedContent { .. })
    ));
    // A reference to an undeclared value.
    let doc = br#"<Sanctions><DateOfIssue><Year>2025</Year></DateOfIssue><ReferenceValueSets><AliasTypeValues><AliasType ID="1403">Name</AliasType></AliasTypeValues><FeatureTypeValues><FeatureType ID="8">Birthdate</FeatureType></FeatureTypeValues></ReferenceValueSets><DistinctParties><DistinctParty FixedRef="1"><Profile ID="1"><Identity ID="1"><Alias AliasTypeID="9999" Primary="true"/></Identity></Profile></DistinctParty></DistinctParties></Sanctions>"#;
    match read_ofac_advanced(&doc[..]) {
        Err(SanctionsError::MalformedXml { reason, .. }) => {
            assert!(reason.contains("AliasType 9999"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // A non-numeric id attribute.
    let doc = br#"<Sanctions><ReferenceValueSets><AliasTypeValues><AliasType ID="x">Name</AliasType></AliasTypeValues></ReferenceValueSets></Sanctions>"#;
    assert!(
        matches!(read_ofac_advanced(&doc[..]), Err(SanctionsError::MalformedXml { reason, .. }) if reason.contains("not a number"))
    );
}

#[test]
fn truncated_and_corrupt_bz2_are_typed_errors() {
    let full = std::fs::read(data("ofac/sdn_advanced_2025-11-19.xml.bz2")).unwrap();
    let dir = std::env::temp_dir().join(format!("zktr-sanctions-bz2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A truncated download: the stream ends early (decompressing only a small prefix
    // keeps this fast).
    let truncated = dir.join("truncated.xml.bz2");
    std::fs::write(&truncated, &full[..200_000]).unwrap();
    match read_ofac_advanced_file(&truncated, &mut |_, _| {}) {
        Err(SanctionsError::MalformedXml { reason, .. }) => eprintln!("truncated: {reason}"),
        other => panic!("{:?}", other.map(|l| l.parties.len())),
    }
    // Corrupt bytes inside the compressed stream.
    let mut corrupt = full[..200_000].to_vec();
    for b in corrupt.iter_mut().skip(5_000).take(64) {
        *b ^= 0x5a;
    }
    let path = dir.join("corrupt.xml.bz2");
    std::fs::write(&path, &corrupt).unwrap();
    match read_ofac_advanced_file(&path, &mut |_, _| {}) {
        Err(SanctionsError::MalformedXml { reason, .. }) => eprintln!("corrupt: {reason}"),
        other => panic!("{:?}", other.map(|l| l.parties.len())),
    }
    // Not bzip2 at all.
    let path = dir.join("plain.xml.bz2");
    std::fs::write(&path, b"<Sanctions/>").unwrap();
    assert!(matches!(
        read_ofac_advanced_file(&path, &mut |_, _| {}),
        Err(SanctionsError::MalformedXml { .. })
    ));
    // A missing file names its path.
    match read_ofac_advanced_file(&dir.join("missing.bz2"), &mut |_, _| {}) {
        Err(SanctionsError::Io { path, .. }) => assert!(path.ends_with("missing.bz2")),
        other => panic!("{:?}", other.map(|l| l.parties.len())),
    }
    let mut check = Vec::new();
    std::fs::File::open(&truncated)
        .unwrap()
        .read_to_end(&mut check)
        .unwrap();
    assert_eq!(check.len(), 200_000);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A small deterministic generator for the mutation test (no external RNG needed).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn mutated_list_files_never_panic() {
    let un = un_bytes();
    let csv = std::fs::read(data("ofac/sdn-csv-set-2021-07/sdn.csv")).unwrap();
    let alt = std::fs::read(data("ofac/sdn-csv-set-2021-07/alt.csv")).unwrap();
    let mut rng = 0x5eed_u64;
    let (mut ok, mut err) = (0, 0);
    for _ in 0..40 {
        let mut doc = un.clone();
        for _ in 0..1 + next(&mut rng) % 8 {
            let at = (next(&mut rng) % doc.len() as u64) as usize;
            doc[at] = [b'<', b'>', b'&', b'"', b'/', 0xff, b'x', 0][(next(&mut rng) % 8) as usize];
        }
        let cut = doc.len() - (next(&mut rng) % 64) as usize;
        match read_un(&doc[..cut]) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
        let mut sdn = csv.clone();
        for _ in 0..1 + next(&mut rng) % 8 {
            let at = (next(&mut rng) % sdn.len() as u64) as usize;
            sdn[at] = [b'"', b',', b'\n', b'\r', 0x1a, 0xe9][(next(&mut rng) % 6) as usize];
        }
        let _ = parse_ofac_csv(&sdn, &alt, b"", "t");
    }
    // Most mutations are caught (some land in text and are harmless).
    assert!(err > 0, "ok {ok}, err {err}");
}
