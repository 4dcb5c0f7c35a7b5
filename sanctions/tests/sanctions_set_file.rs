//! Set files (`.zkts`): round trip, every kind of tampering refused with a typed error,
//! the publisher's signature, and list updates (the 2024 and 2025 address lists).

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use zktr_records::SanctionsRootError;
use zktr_sanctions::BuildOptions;
use zktr_sanctions::address_list::read_address_dir;
use zktr_sanctions::diff;
use zktr_sanctions::screening::address_key;
use zktr_sanctions::un::read_un_file;
use zktr_sanctions::{SanctionsError, SanctionsList, SanctionsSet, Screening};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/sanctions/"
    ))
    .join(rel)
}

fn publisher() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

fn build(lists: &[SanctionsList]) -> SanctionsSet {
    SanctionsSet::build(
        lists,
        &BuildOptions {
            key: &publisher(),
            published_at: 1_763_510_400,
        },
    )
    .unwrap()
}

fn addresses(dir: &str, version: &str) -> SanctionsList {
    read_address_dir(&data(dir), version).unwrap()
}

/// Replaces the checksum so that only the deeper checks can catch a change.
fn reseal(bytes: &mut [u8]) {
    let n = bytes.len() - 32;
    let digest = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&digest);
}

fn invalid(bytes: &[u8]) -> String {
    match SanctionsSet::from_bytes(bytes) {
        Err(SanctionsError::InvalidSetFile(reason)) => reason,
        Err(other) => format!("{other}"),
        Ok(_) => panic!("a tampered set file was accepted"),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn round_trip_through_a_file() {
    let un = read_un_file(&data("un/UN_consolidated_2026-02-27.xml")).unwrap();
    let set = build(&[
        un,
        addresses("ofac/address-lists-brave-2025-11-19", "2025-11-19"),
    ]);
    let rec = &set.signed_root().record;
    assert_eq!(rec.list_id, "un-consolidated+addresses");
    assert_eq!(rec.version, "2026-02-27+2025-11-19");
    assert_eq!(rec.party_count, 730 + 273 + 19);
    let path = std::env::temp_dir().join(format!("zktr-set-{}.zkts", std::process::id()));
    set.save(&path).unwrap();
    let back = SanctionsSet::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(back.root(), set.root());
    assert_eq!(back.keys(), set.keys());
    assert_eq!(back.stats(), set.stats());
    back.verify_publisher(&publisher().verifying_key()).unwrap();
    // UN names screen in any order and case.
    match back.screen_name("badege eric").unwrap() {
        Screening::Listed(p) => assert_eq!(p[0].id, "un:CDi.001"),
        other => panic!("{other:?}"),
    }
    match back.screen_identifier("ob-0243318").unwrap() {
        Screening::Listed(p) => assert!(p[0].id.starts_with("un:")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        back.screen_name("Nobody In Particular").unwrap(),
        Screening::NotListed(_)
    ));
    assert!(matches!(
        back.screen_name(" ,. "),
        Err(SanctionsError::Screening { .. })
    ));
}

#[test]
fn tampered_set_files_are_refused() {
    let set = build(&[addresses(
        "ofac/address-lists-brave-2025-11-19",
        "2025-11-19",
    )]);
    let good = set.to_bytes();
    SanctionsSet::from_bytes(&good).unwrap();

    // Any flipped byte: the checksum.
    for at in [0, 9, 100, good.len() / 2, good.len() - 40, good.len() - 1] {
        let mut b = good.clone();
        b[at] ^= 1;
        let reason = invalid(&b);
        assert!(
            reason.contains("checksum") || reason.contains("magic"),
            "{at}: {reason}"
        );
    }
    // Truncated anywhere.
    for len in [0, 8, 20, good.len() / 2, good.len() - 1] {
        invalid(&good[..len]);
    }
    // Wrong magic, a future version, the binary-tree version 1 (refused by name).
    let mut b = good.clone();
    b[0] = b'X';
    reseal(&mut b);
    assert!(invalid(&b).contains("magic"));
    assert_eq!(good[11], 2, "this build writes version 2");
    let mut b = good.clone();
    b[11] = 3;
    reseal(&mut b);
    assert!(invalid(&b).contains("version 3"));
    let mut b = good.clone();
    b[11] = 1;
    reseal(&mut b);
    let reason = invalid(&b);
    assert!(
        reason.contains("version 1") && reason.contains("binary") && reason.contains("rebuild"),
        "{reason}"
    );

    // With a valid checksum, a changed key breaks the order or the root.
    let keys_at = find(
        &good,
        &4u32
            .to_be_bytes()
            .iter()
            .chain(&((set.keys().len() * 32 + 8) as u64).to_be_bytes())
            .copied()
            .collect::<Vec<u8>>(),
    ) + 12
        + 8;
    let mut b = good.clone();
    b[keys_at + 31] ^= 1; // the last bit of the first key
    reseal(&mut b);
    let reason = invalid(&b);
    assert!(
        reason.contains("root") || reason.contains("ascending"),
        "{reason}"
    );
    // Two keys swapped: not ascending.
    let mut b = good.clone();
    let (k0, k1) = (keys_at, keys_at + 32);
    let first: Vec<u8> = b[k0..k0 + 32].to_vec();
    let second: Vec<u8> = b[k1..k1 + 32].to_vec();
    b[k0..k0 + 32].copy_from_slice(&second);
    b[k1..k1 + 32].copy_from_slice(&first);
    reseal(&mut b);
    assert!(invalid(&b).contains("ascending"));
    // A key of 0.
    let mut b = good.clone();
    b[k0..k0 + 32].fill(0);
    reseal(&mut b);
    assert!(invalid(&b).contains("key #0"));

    // The signed record edited (counts), checksum fixed: the counts disagree on load.
    let json_count = format!("\"key_count\": {}", set.keys().len());
    let at = find(&good, json_count.as_bytes());
    let mut b = good.clone();
    let last = at + json_count.len() - 1;
    b[last] = if b[last] == b'9' { b'8' } else { b[last] + 1 };
    reseal(&mut b);
    assert!(invalid(&b).contains("counts"));

    // The publication time edited: the file is consistent but the signature fails.
    let ts = b"\"published_at\": 1763510400";
    let at = find(&good, ts);
    let mut b = good.clone();
    b[at + ts.len() - 1] = b'1';
    reseal(&mut b);
    let forged = SanctionsSet::from_bytes(&b).unwrap();
    assert!(matches!(
        forged.verify_publisher(&publisher().verifying_key()),
        Err(SanctionsError::SignedRoot(SanctionsRootError::BadSignature))
    ));
    // The JSON itself broken.
    let mut b = good.clone();
    let at = find(&good, b"\"record\"");
    b[at] = b'{';
    reseal(&mut b);
    assert!(matches!(
        SanctionsSet::from_bytes(&b),
        Err(SanctionsError::SignedRoot(SanctionsRootError::Json(_)))
    ));
}

#[test]
fn wrong_publisher_is_refused() {
    let set = build(&[addresses(
        "ofac/address-lists-brave-2025-11-19",
        "2025-11-19",
    )]);
    let other = SigningKey::from_bytes(&[10u8; 32]);
    assert!(matches!(
        set.verify_publisher(&other.verifying_key()),
        Err(SanctionsError::SignedRoot(
            SanctionsRootError::PublisherMismatch { .. }
        ))
    ));
    // A set signed by someone else but naming our publisher: the signature fails.
    let mut signed = set.signed_root().clone();
    signed.signature =
        zktr_records::SignedSanctionsRoot::sign(signed.record.clone(), &other).signature;
    assert!(matches!(
        signed.verify(&publisher().verifying_key()),
        Err(SanctionsRootError::BadSignature)
    ));
}

#[test]
fn update_from_the_2024_to_the_2025_address_lists() {
    let old = build(&[addresses(
        "ofac/address-lists-0xB10C-2024-09-27",
        "2024-09-27",
    )]);
    let new = build(&[addresses(
        "ofac/address-lists-brave-2025-11-19",
        "2025-11-19",
    )]);
    assert_eq!(old.keys().len(), 641);
    assert_eq!(new.keys().len(), 745);
    let d = diff(&old, &new);
    // 90 addresses delisted, 194 added (by distinct address; the keys agree because
    // EVM addresses are case-folded).
    assert_eq!(d.keys_removed.len(), 90);
    assert_eq!(d.keys_added.len(), 194);
    assert_eq!(
        old.keys().len() - d.keys_removed.len() + d.keys_added.len(),
        new.keys().len()
    );
    let removed: Vec<_> = d.keys_removed.iter().map(|(k, _)| *k).collect();
    // Tornado Cash contracts (delisted in 2025): router, proxy, donate, 10 and 100 ETH pools.
    for tc in [
        "0xd90e2f925DA726b50C4Ed8D0Fb90Ad053324F31b",
        "0x722122dF12D4e14e13Ac3b6895a86e84145b6967",
        "0x8589427373D6D84E98730D7795D8f6f8731FDA16",
        "0x910Cbd523D972eb0a6f4cAe4618aD62622b39DbF",
        "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291",
    ] {
        let k = address_key(tc).unwrap();
        assert!(removed.contains(&k), "{tc}");
        let (_, parties) = d.keys_removed.iter().find(|(x, _)| *x == k).unwrap();
        assert_eq!(parties, &vec!["addresses:ETH".to_string()]);
        assert!(matches!(
            old.screen_address(tc).unwrap(),
            Screening::Listed(_)
        ));
        assert!(matches!(
            new.screen_address(tc).unwrap(),
            Screening::NotListed(_)
        ));
    }
    // New tickers are new listings.
    let added: Vec<&str> = d.parties_added.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(added, ["addresses:BNB", "addresses:SOL"]);
    assert!(d.parties_removed.is_empty());
    assert!(diff(&new, &new).is_empty());
}

#[test]
fn mutated_set_files_never_panic() {
    let set = build(&[addresses(
        "ofac/address-lists-0xB10C-2024-09-27",
        "2024-09-27",
    )]);
    let good = set.to_bytes();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut accepted = 0;
    for _ in 0..60 {
        let mut b = good.clone();
        // Mutations in the header and section framing are the interesting ones.
        let at = (next() % 2_000.min(b.len() as u64 - 32)) as usize;
        b[at] = (next() & 0xff) as u8;
        reseal(&mut b);
        if SanctionsSet::from_bytes(&b).is_ok() {
            accepted += 1;
        }
    }
    // Only changes inside the JSON text or party names can still load (and then the
    // signature or the names differ); nothing panics.
    assert!(accepted < 60);
}
