//! Issue 9: a policy that requires several sanctions lists gets one signed root per list
//! in the bundle (version 3) and each party's `not_sanctioned` claim (or clearance) per
//! root. Real Groth16 proofs, real lists: the sample world's OFAC address list and the
//! UN Security Council consolidated list (`../shared/data/sanctions/un`), each signed by
//! its own publisher.
//!
//! The gap these close: under a policy that trusts only the OFAC list (the single-list
//! policy of before), a party listed by the UN only is screened against OFAC and passes.
//! A policy that requires both lists refuses that bundle, and the prover refuses to
//! screen that party against the UN list.

mod common;

use common::{dev_keys, prover};

use ed25519_dalek::SigningKey;
use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::{CircuitId, Party};
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, SlotValues};
use zktr_prover::{BundleContext, ProverError, Refusal, SanctionsSets, TransferStatement};
use zktr_records::policy_file::{PolicyFile, RequiredList, TrustedPublisher};
use zktr_records::{BundleDecodeError, ProofBundle};
use zktr_sanctions::{BuildOptions, SanctionsSet};
use zktr_testkit::sample::{SAMPLE_LIST_ID, SAMPLE_NOW, SampleWorld, sample_fields};
use zktr_testkit::{data, world};
use zktr_verifier::{Accepted, Policy, PolicyError, Reason, Rejection, VerifyRequest};

/// The UN consolidated list as a set, signed by its own publisher a day before the
/// sample's "now".
fn un() -> &'static (SanctionsSet, SigningKey) {
    static UN: OnceLock<(SanctionsSet, SigningKey)> = OnceLock::new();
    UN.get_or_init(|| {
        let key = SigningKey::from_bytes(&[0x55; 32]);
        let list =
            zktr_sanctions::un::read_un_file(&data("sanctions/un/UN_consolidated_2026-02-27.xml"))
                .expect("the UN list reads");
        let set = SanctionsSet::build(
            &[list],
            &BuildOptions {
                key: &key,
                published_at: SAMPLE_NOW - 86_400,
            },
        )
        .expect("the UN set builds");
        (set, key)
    })
}

fn un_list_id() -> String {
    un().0.signed_root().record.list_id.clone()
}

/// The sample policy with the UN list required as well (its own publisher).
fn both_lists_policy_file() -> PolicyFile {
    let mut file = world().policy_file().expect("policy file");
    file.sanctions_publishers.push(TrustedPublisher {
        name: "UN list publisher".into(),
        public_key: hex::encode(un().1.verifying_key().as_bytes()),
        max_age_seconds: 7 * 86_400,
        lists: vec![RequiredList {
            list_id: un_list_id(),
            min_version: None,
            max_age_seconds: None,
            min_key_count: Some(1_000),
        }],
    });
    file
}

fn both_lists() -> Policy {
    Policy::new(both_lists_policy_file()).expect("a two-list policy loads")
}

fn ofac_only() -> Policy {
    Policy::new(world().policy_file().expect("policy file")).expect("policy")
}

fn fatf() -> VerifyRequest<'static> {
    VerifyRequest::new(SAMPLE_NOW, "FATF")
}

fn check(b: &ProofBundle, p: &Policy) -> Result<Accepted, Rejection> {
    zktr_verifier::verify_bundle(b, dev_keys(), p, &fatf())
}

fn refused(b: &ProofBundle, p: &Policy) -> Rejection {
    check(b, p).expect_err("must be refused")
}

/// The context with both roots, OFAC's first.
fn both_contexts(w: &SampleWorld) -> BundleContext {
    let mut context = w.context.clone();
    context.sanctions_roots.push(un().0.signed_root().clone());
    context
}

/// Transfer 0 of the sample world screened against both lists.
fn two_list_bundle() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let w = world();
        let sets = [&w.sanctions, un().0.tree()];
        let st = TransferStatement {
            sanctions: SanctionsSets::Many(&sets),
            ..w.statement(0).expect("statement")
        };
        prover()
            .prove_transfer(&st, &both_contexts(w))
            .expect("nobody of transfer 0 is on either list")
    })
}

/// Transfer 0 of the sample world screened against OFAC only (version 1).
fn one_list_bundle() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let w = world();
        prover()
            .prove_transfer(&w.statement(0).expect("statement"), &w.context)
            .expect("bundle")
    })
}

#[test]
fn a_bundle_screened_against_both_lists_is_accepted_and_says_so() {
    let b = two_list_bundle();
    assert_eq!(b.version, 3, "several roots make a version-3 bundle");
    assert_eq!(b.more_sanctions_roots.len(), 1);
    assert_eq!(
        b.claims.len(),
        6,
        "threshold, committed, 2 parties x 2 lists"
    );
    let ok = check(b, &both_lists()).expect("accepted under the two-list policy");
    let mut screened: Vec<(Party, String)> = ok
        .screened
        .iter()
        .map(|s| (s.party, s.list_id.clone()))
        .collect();
    screened.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
    let mut expected = vec![
        (Party::Originator, SAMPLE_LIST_ID.to_string()),
        (Party::Originator, un_list_id()),
        (Party::Beneficiary, SAMPLE_LIST_ID.to_string()),
        (Party::Beneficiary, un_list_id()),
    ];
    expected.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
    assert_eq!(screened, expected);

    // It travels: protobuf and JSON keep both roots and the version.
    let wire = ProofBundle::from_protobuf(&b.to_protobuf()).expect("decodes");
    assert_eq!(&wire, b);
    assert_eq!(&ProofBundle::from_json(&b.to_json()).expect("reads"), b);

    // A policy requiring only OFAC refuses the UN root it does not ask for.
    let r = refused(b, &ofac_only());
    assert!(
        r.has(|r| matches!(r, Reason::UntrustedSanctionsRoot(_))),
        "{r}"
    );
}

#[test]
fn a_party_listed_only_by_the_un_passes_an_ofac_only_policy_and_is_refused_when_both_are_required()
{
    // An originator whose name is on the UN list (and not on the OFAC address list).
    let (un_set, _) = un();
    let listed = un_set
        .parties()
        .iter()
        .find_map(|p| {
            let key = zktr_sanctions::screening::name_key(&p.name).ok()?;
            un_set.tree().contains(&key).then_some(key)
        })
        .expect("a UN party with a name key");
    let mut f = sample_fields(0);
    f.originator_name_key = listed;
    let tree = CommitmentTree::new(
        SlotValues::from_fields(&f),
        &MasterSalt::from_fr(Fr::from(9u64)),
    );
    // Seed 7: the sample world's log and publisher keys, so its policy trusts them.
    let w = SampleWorld::from_trees(vec![tree], zktr_testkit::real_sanctions(), 7);

    // Before: screened against OFAC only, the bundle proves and an OFAC-only policy
    // accepts it.
    let ofac_bundle = prover()
        .prove_transfer(&w.statement(0).unwrap(), &w.context)
        .expect("not on the OFAC address list: it proves");
    check(&ofac_bundle, &ofac_only()).expect("valid proofs of the OFAC list");

    // Now: a policy requiring both lists refuses it: the UN list has no root.
    let r = refused(&ofac_bundle, &both_lists());
    assert!(
        r.has(|r| matches!(r, Reason::MissingSanctionsList(l) if *l == un_list_id())),
        "{r}"
    );

    // And the prover refuses to screen the originator against the UN list: a name hit
    // on set 1 (clearable by an officer, so reported as such).
    let sets = [&w.sanctions, un_set.tree()];
    let st = TransferStatement {
        sanctions: SanctionsSets::Many(&sets),
        ..w.statement(0).unwrap()
    };
    let e = prover()
        .prove_transfer(&st, &both_contexts(&w))
        .expect_err("listed by the UN");
    assert!(
        matches!(
            e,
            ProverError::Refused {
                claim: CircuitId::NotSanctionedOriginator,
                reason: Refusal::PartyListed {
                    party: "originator",
                    slot: "originator_name_key",
                    list: 1,
                },
            }
        ),
        "{e}"
    );
}

#[test]
fn a_party_not_screened_against_every_list_is_refused() {
    let b = two_list_bundle();
    let un_root = un().0.root();
    let is_un_claim_of = |c: &zktr_records::ClaimProof, circuit: CircuitId| {
        c.circuit == circuit && c.public_inputs[1] == un_root.0
    };

    // The beneficiary's UN claim dropped: the beneficiary is screened against OFAC only.
    let mut dropped = b.clone();
    dropped
        .claims
        .retain(|c| !is_un_claim_of(c, CircuitId::NotSanctionedBeneficiary));
    assert_eq!(dropped.claims.len(), 5);
    let r = refused(&dropped, &both_lists());
    assert!(
        r.has(|r| matches!(
            r,
            Reason::MissingScreening { party: "beneficiary", list_id } if *list_id == un_list_id()
        )),
        "{r}"
    );

    // ... and in its place a second copy of the OFAC claim: a duplicate, still missing.
    let mut doubled = dropped.clone();
    let ofac_claim = b
        .claims
        .iter()
        .find(|c| {
            c.circuit == CircuitId::NotSanctionedBeneficiary && c.public_inputs[1] != un_root.0
        })
        .expect("the OFAC claim")
        .clone();
    doubled.claims.push(ofac_claim);
    let r = refused(&doubled, &both_lists());
    assert!(r.has(|r| matches!(r, Reason::DuplicateClaim)), "{r}");
    assert!(
        r.has(|r| matches!(r, Reason::MissingScreening { .. })),
        "{r}"
    );

    // Both of the originator's claims gone: the originator was never screened.
    let mut none = b.clone();
    none.claims
        .retain(|c| c.circuit != CircuitId::NotSanctionedOriginator);
    let r = refused(&none, &both_lists());
    assert!(
        r.has(|r| matches!(r, Reason::MissingClaim("not_sanctioned.originator"))),
        "{r}"
    );
}

#[test]
fn the_roots_must_be_exactly_the_required_lists() {
    let b = two_list_bundle();
    // The UN root twice (once in place of OFAC's): OFAC missing, UN duplicated.
    let mut twice = b.clone();
    twice.sanctions_root = b.more_sanctions_roots[0].clone();
    let r = refused(&twice, &both_lists());
    assert!(
        r.has(|r| matches!(r, Reason::DuplicateSanctionsList(l) if *l == un_list_id())),
        "{r}"
    );
    assert!(
        r.has(|r| matches!(r, Reason::MissingSanctionsList(l) if l == SAMPLE_LIST_ID)),
        "{r}"
    );

    // A version-3 bundle that lost its further roots no longer matches its version.
    let mut cut = b.clone();
    cut.more_sanctions_roots.clear();
    assert!(matches!(
        ProofBundle::from_protobuf(&cut.to_protobuf()),
        Err(BundleDecodeError::Field { .. })
    ));
    // And a version-1 bundle given a further root is refused the same way.
    let mut grown = one_list_bundle().clone();
    grown
        .more_sanctions_roots
        .push(un().0.signed_root().clone());
    assert!(matches!(
        ProofBundle::from_json(&grown.to_json()),
        Err(BundleDecodeError::Field { .. })
    ));
}

#[test]
fn policies_naming_a_list_twice_or_too_many_lists_do_not_load() {
    let mut twice = both_lists_policy_file();
    let again = twice.sanctions_publishers[1].lists[0].clone();
    twice.sanctions_publishers[1].lists.push(again);
    assert!(matches!(
        Policy::new(twice),
        Err(PolicyError::DuplicateList { .. })
    ));

    let mut many = both_lists_policy_file();
    many.sanctions_publishers[1].lists = (0..zktr_records::MAX_SANCTIONS_ROOTS)
        .map(|i| RequiredList {
            list_id: format!("list-{i}"),
            min_version: None,
            max_age_seconds: None,
            min_key_count: None,
        })
        .collect();
    assert!(matches!(
        Policy::new(many),
        Err(PolicyError::TooManyLists(n)) if n == zktr_records::MAX_SANCTIONS_ROOTS + 1
    ));
}
