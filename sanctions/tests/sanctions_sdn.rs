//! The full OFAC SDN list of 2025-11-19 (ADVANCED XML, streamed from its .bz2): checksum,
//! counts, the set built from it, screening of every listed address and of listed
//! individuals' names, and `not_sanctioned` proofs against the real root.
//!
//! The 121 MB document is decompressed and parsed once per test binary.

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::{NotSanctionedCircuit, NotSanctionedPublicInputs, Party};
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, Slot, SlotValues, TransferFields};
use zktr_circuits::field::{ScreeningKey, Word248};
use zktr_sanctions::BuildOptions;
use zktr_sanctions::address_list::read_address_dir;
use zktr_sanctions::ofac_advanced::read_ofac_advanced;
use zktr_sanctions::screening::{address_key, name_key};
use zktr_sanctions::{PartyKind, SanctionsError, SanctionsList, SanctionsSet, Screening};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/sanctions/"
    ))
    .join(rel)
}

/// Passes bytes through while hashing them.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    len: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

struct Sdn {
    list: SanctionsList,
    sha256: String,
    unpacked_len: u64,
}

fn sdn() -> &'static Sdn {
    static SDN: OnceLock<Sdn> = OnceLock::new();
    SDN.get_or_init(|| {
        let t = std::time::Instant::now();
        let file = std::fs::File::open(data("ofac/sdn_advanced_2025-11-19.xml.bz2")).unwrap();
        let mut hashing = Hashing {
            inner: bzip2::read::MultiBzDecoder::new(BufReader::new(file)),
            hash: Sha256::new(),
            len: 0,
        };
        let list = read_ofac_advanced(BufReader::with_capacity(1 << 20, &mut hashing)).unwrap();
        let sha256 = hashing
            .hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        eprintln!("SDN decompressed, hashed and parsed in {:?}", t.elapsed());
        Sdn {
            list,
            sha256,
            unpacked_len: hashing.len,
        }
    })
}

fn publisher() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

fn set() -> &'static SanctionsSet {
    static SET: OnceLock<SanctionsSet> = OnceLock::new();
    SET.get_or_init(|| {
        let t = std::time::Instant::now();
        let s = SanctionsSet::build(
            std::slice::from_ref(&sdn().list),
            &BuildOptions {
                key: &publisher(),
                published_at: 1_763_510_400,
            },
        )
        .unwrap();
        eprintln!(
            "SDN set of {} keys built in {:?}",
            s.keys().len(),
            t.elapsed()
        );
        s
    })
}

#[test]
fn unpacked_sdn_matches_the_publishers_checksum() {
    let text = std::fs::read_to_string(data("ofac/sdn_advanced_checksum_2025-11-19.txt")).unwrap();
    let expected = text.rsplit('=').next().unwrap().trim().to_ascii_lowercase();
    assert_eq!(expected.len(), 64);
    assert_eq!(sdn().sha256, expected);
    assert_eq!(sdn().unpacked_len, 120_977_559);
}

#[test]
fn sdn_parties_names_documents_and_addresses() {
    let list = &sdn().list;
    assert_eq!(list.list_id, "ofac-sdn");
    assert_eq!(list.version, "2025-11-19");
    let c = list.counts();
    eprintln!("SDN counts: {c:?}");
    assert_eq!(c.parties, 18_367);
    let kinds: BTreeMap<PartyKind, usize> =
        list.parties.iter().fold(BTreeMap::new(), |mut m, p| {
            *m.entry(p.kind).or_default() += 1;
            m
        });
    assert_eq!(kinds.get(&PartyKind::Individual), Some(&7_303));
    assert_eq!(kinds.get(&PartyKind::Entity), Some(&9_359));
    assert_eq!(kinds.get(&PartyKind::Transport), Some(&1_705));
    assert_eq!(c.addresses, 761);
    let distinct: BTreeSet<&str> = list
        .parties
        .iter()
        .flat_map(|p| p.addresses.iter().map(|a| a.address.as_str()))
        .collect();
    assert_eq!(distinct.len(), 745);
    assert!(
        list.parties
            .iter()
            .all(|p| !p.names.is_empty() && p.names[0].primary)
    );
    assert!(c.names > c.parties && c.documents > 10_000 && c.dates_of_birth > 5_000);

    // The first party, as published: AEROCARIBBEAN AIRLINES a.k.a. AERO-CARIBBEAN.
    let p = &list.parties[0];
    assert_eq!(p.id, "ofac:36");
    assert_eq!(p.kind, PartyKind::Entity);
    assert_eq!(p.names[0].full(), "AEROCARIBBEAN AIRLINES");
    assert_eq!(p.names[0].parts[0].part_type, "Entity Name");
    assert_eq!(p.names[1].full(), "AERO-CARIBBEAN");
    assert_eq!(p.names[1].alias_type, "A.K.A.");

    // An individual with typed name parts, a date of birth and a passport.
    let p = list
        .parties
        .iter()
        .find(|p| p.documents.iter().any(|d| d.number == "040070827"))
        .unwrap();
    assert_eq!(p.kind, PartyKind::Individual);
    let d = p
        .documents
        .iter()
        .find(|d| d.number == "040070827")
        .unwrap();
    assert_eq!(d.doc_type, "Passport");
    assert_eq!(p.names[0].full(), "FLORES APODACA Agustin");
    let types: Vec<&str> = p.names[0]
        .parts
        .iter()
        .map(|n| n.part_type.as_str())
        .collect();
    assert_eq!(types, ["Patronymic", "Matronymic", "First Name"]);
    let x = list
        .parties
        .iter()
        .find(|p| p.dates_of_birth.iter().any(|d| d == "1948-12-10"));
    assert!(x.is_some());

    // Addresses carry their ticker.
    let a = list
        .parties
        .iter()
        .flat_map(|p| &p.addresses)
        .find(|a| a.address == "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")
        .unwrap();
    assert_eq!(a.ticker, "XBT");
}

#[test]
fn sdn_set_counts_and_signature() {
    let s = set();
    let st = s.stats();
    eprintln!("SDN set: {} keys, {st:?}", s.keys().len());
    assert_eq!(st.parties, 18_367);
    assert_eq!(st.addresses, 761);
    assert!(st.names > 18_367 && st.identifiers > 10_000);
    let rec = &s.signed_root().record;
    assert_eq!(rec.key_count, s.keys().len() as u64);
    assert_eq!(rec.party_count, 18_367);
    assert_eq!(rec.root, s.tree().root());
    s.verify_publisher(&publisher().verifying_key()).unwrap();
    let other = SigningKey::from_bytes(&[43u8; 32]);
    assert!(matches!(
        s.verify_publisher(&other.verifying_key()),
        Err(SanctionsError::SignedRoot(_))
    ));
    // The file round-trips and loads with every check.
    let bytes = s.to_bytes();
    let back = SanctionsSet::from_bytes(&bytes).unwrap();
    assert_eq!(back.root(), s.root());
    assert_eq!(back.parties(), s.parties());
}

#[test]
fn all_745_listed_addresses_are_listed() {
    let s = set();
    let lists =
        read_address_dir(&data("ofac/address-lists-brave-2025-11-19"), "2025-11-19").unwrap();
    let mut distinct = BTreeSet::new();
    for p in &lists.parties {
        for a in &p.addresses {
            distinct.insert(a.address.clone());
            match s.screen_address(&a.address).unwrap() {
                Screening::Listed(parties) => {
                    assert!(
                        parties.iter().all(|p| p.id.starts_with("ofac:")),
                        "{}",
                        a.address
                    )
                }
                Screening::NotListed(_) => panic!("{} ({}) not listed", a.address, a.ticker),
            }
        }
    }
    assert_eq!(distinct.len(), 745);
    // EVM addresses match whatever their checksum case.
    let evm = distinct.iter().find(|a| a.starts_with("0x")).unwrap();
    assert!(matches!(
        s.screen_address(&evm.to_ascii_uppercase().replacen("0X", "0x", 1))
            .unwrap(),
        Screening::Listed(_)
    ));
}

#[test]
fn listed_individuals_names_match_whatever_case_and_order() {
    let s = set();
    let mut checked = 0;
    for p in sdn()
        .list
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::Individual)
    {
        let name = p.names[0].full();
        let mut tokens: Vec<&str> = name.split_whitespace().collect();
        tokens.reverse();
        for variant in [
            name.to_lowercase(),
            tokens.join(" ").to_uppercase(),
            tokens.join(", "),
        ] {
            match s.screen_name(&variant) {
                Ok(Screening::Listed(parties)) => {
                    assert!(
                        parties.iter().any(|q| q.id == p.id),
                        "{variant:?} -> {parties:?}"
                    )
                }
                other => panic!("{variant:?} of {} not listed: {other:?}", p.id),
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 7_303);
    // Every alias too.
    let p = sdn()
        .list
        .parties
        .iter()
        .find(|p| p.kind == PartyKind::Individual && p.names.len() > 2)
        .unwrap();
    for n in &p.names {
        assert!(matches!(
            s.screen_name(&n.full()).unwrap(),
            Screening::Listed(_)
        ));
    }
}

#[test]
fn unlisted_values_get_verified_non_membership_witnesses() {
    let s = set();
    for name in ["Jane Q. Example", "Zyxwv Qponm", "ACME Widgets Ltd"] {
        match s.screen_name(name).unwrap() {
            Screening::NotListed(w) => w
                .verify_non_membership(&name_key(name).unwrap(), &s.signed_root().record.root)
                .unwrap(),
            Screening::Listed(p) => panic!("{name} listed as {p:?}"),
        }
    }
    assert!(matches!(
        s.screen_address("0x0000000000000000000000000000000000000001")
            .unwrap(),
        Screening::NotListed(_)
    ));
}

fn transfer(beneficiary_name: ScreeningKey, beneficiary_address: ScreeningKey) -> CommitmentTree {
    let fields = TransferFields {
        fiat_value: 250_000,
        fiat_currency: 840,
        asset_amount: 1_000_000,
        asset_id: Word248::new(Fr::from(60u64)).unwrap(),
        beneficiary_address_key: beneficiary_address,
        originator_name_key: name_key("Alice Example").unwrap(),
        originator_id_key: None,
        beneficiary_name_key: beneficiary_name,
        beneficiary_id_key: None,
        payload_digest: Word248::from_digest_prefix(&[7u8; 32]),
        envelope_id: 1,
        originator_vasp_key: Word248::new(Fr::from(11u64)).unwrap(),
        beneficiary_vasp_key: Word248::new(Fr::from(12u64)).unwrap(),
        committed_at: 1_763_510_400,
    };
    CommitmentTree::new(
        SlotValues::from_fields(&fields),
        &MasterSalt::from_fr(Fr::from(99u64)),
    )
}

fn circuit(
    tree: &CommitmentTree,
    root: zktr_circuits::trees::sanctions::SanctionsRoot,
    leaves: Vec<zktr_circuits::trees::sanctions::LeafWitness>,
) -> NotSanctionedCircuit {
    let party = Party::Beneficiary;
    let slots: Vec<Slot> = party.key_slots().iter().map(|k| k.0).collect();
    let opening = tree.open_many(&slots).unwrap();
    let public = NotSanctionedPublicInputs {
        commitment: tree.commitment(),
        sanctions_root: root,
        party,
    };
    NotSanctionedCircuit::new(public, &opening, leaves).unwrap()
}

fn satisfied(c: NotSanctionedCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    c.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    cs.is_satisfied().unwrap()
}

#[test]
fn not_sanctioned_proof_against_the_real_root() {
    let s = set();
    let root = s.signed_root().record.root;
    let unlisted_name = name_key("Bob Unlisted Example").unwrap();
    let unlisted_addr = address_key("0x1111111111111111111111111111111111111111").unwrap();
    let tree = transfer(unlisted_name, unlisted_addr);
    let sentinel = s.tree().leaf_witness(0).unwrap();
    let leaves = vec![
        s.non_membership_witness(&unlisted_name).unwrap(),
        sentinel.clone(), // no id key (0): any leaf
        s.non_membership_witness(&unlisted_addr).unwrap(),
    ];
    let honest = circuit(&tree, root, leaves);
    assert!(satisfied(honest.clone()));

    let mut rng = StdRng::seed_from_u64(5);
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(
        NotSanctionedCircuit::blank(Party::Beneficiary),
        &mut rng,
    )
    .unwrap();
    let public = honest.public_inputs().to_field_elements();
    let proof = Groth16::<Bn254>::prove(&pk, honest, &mut rng).unwrap();
    assert!(Groth16::<Bn254>::verify(&vk, &public, &proof).unwrap());
    // The proof is bound to this root: another root's public inputs fail.
    let mut other = public.clone();
    other[1] += Fr::from(1u64);
    assert!(!Groth16::<Bn254>::verify(&vk, &other, &proof).unwrap());

    // A listed individual and a listed address: the native witness is refused, and a
    // forced one (the key's own leaf or its predecessor) leaves the circuit unsatisfied.
    let listed_party = sdn()
        .list
        .parties
        .iter()
        .find(|p| p.kind == PartyKind::Individual)
        .unwrap();
    let listed_name = name_key(&listed_party.names[0].full()).unwrap();
    let listed_addr = address_key("12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h").unwrap();
    for (key, slot) in [(listed_name, 0usize), (listed_addr, 2usize)] {
        match s.non_membership_witness(&key) {
            Err(SanctionsError::KeyListed { parties }) => assert!(!parties.is_empty()),
            other => panic!("expected KeyListed, got {other:?}"),
        }
        let j = s.keys().binary_search(&key).unwrap();
        let tree = if slot == 0 {
            transfer(key, unlisted_addr)
        } else {
            transfer(unlisted_name, key)
        };
        for forced in [j, j + 1] {
            let mut leaves = vec![
                s.non_membership_witness(&unlisted_name).unwrap(),
                sentinel.clone(),
                s.non_membership_witness(&unlisted_addr).unwrap(),
            ];
            leaves[slot] = s.tree().leaf_witness(forced).unwrap();
            assert!(
                !satisfied(circuit(&tree, root, leaves)),
                "slot {slot}, leaf {forced}"
            );
        }
    }
}
