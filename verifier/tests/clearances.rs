//! Officers' clearances of name hits (issue 14): with real Groth16 proofs, a bundle whose
//! beneficiary's *name* is on the list carries an officer's signed clearance instead of
//! that party's `not_sanctioned` claim. It is accepted only under a policy that trusts
//! that officer of that VASP, and only for this `C` and this list version; every other
//! clearance is refused with its reason. The prover refuses clearances that do not fit.

mod common;

use common::{dev_keys, prover};

use ed25519_dalek::SigningKey;
use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::{CircuitId, Party};
use zktr_circuits::commitment::{Commitment, CommitmentTree, MasterSalt, SlotValues};
use zktr_circuits::field::{KeyKind, ScreeningKey};
use zktr_circuits::trees::sanctions::SanctionsTree;
use zktr_prover::ProverError;
use zktr_prover::Refusal;
use zktr_records::clearance::{Clearance, ClearedSlot, ScreeningHit};
use zktr_records::policy_file::{PolicyFile, TrustedOfficer};
use zktr_records::{ProofBundle, SignedSanctionsRoot};
use zktr_testkit::sample::{SAMPLE_NOW, SampleWorld, sample_fields};
use zktr_verifier::{Accepted, Policy};
use zktr_verifier::{Reason, Rejection, VerifyRequest, verify_bundle};

const VASP: &str = "vasp-a.test";
const OFFICER: &str = "officer-17";

fn officer_key() -> SigningKey {
    SigningKey::from_bytes(&[17; 32])
}

/// A set listing a few names and the sample beneficiary's name (a name hit); with
/// `address` also the beneficiary's address (a match).
fn world_with(address: bool) -> SampleWorld {
    let f = sample_fields(0);
    let mut keys: Vec<ScreeningKey> = (0..5)
        .map(|i| ScreeningKey::derive(KeyKind::Name, &format!("LISTED PARTY {i}")))
        .collect();
    keys.push(f.beneficiary_name_key);
    if address {
        keys.push(f.beneficiary_address_key);
    }
    let tree = CommitmentTree::new(
        SlotValues::from_fields(&f),
        &MasterSalt::from_fr(Fr::from(11u64)),
    );
    SampleWorld::from_trees(vec![tree], SanctionsTree::build(keys).unwrap(), 7)
}

fn world() -> &'static SampleWorld {
    static W: OnceLock<SampleWorld> = OnceLock::new();
    W.get_or_init(|| world_with(false))
}

fn hit(w: &SampleWorld) -> ScreeningHit {
    let r = &w.context.sanctions_roots[0].record;
    ScreeningHit {
        envelope_id: "0b4f3c52-9a51-4a36-a2b1-6f1e3d3b2a10".into(),
        commitment: w.transfers[0].commitment(),
        slot: ClearedSlot::BeneficiaryName,
        list_id: r.list_id.clone(),
        list_version: r.version.clone(),
        sanctions_root: r.root.0,
        publisher_key_id: r.publisher_key_id.clone(),
        vasp: VASP.into(),
    }
}

fn clearance_of(h: &ScreeningHit, at: u64) -> Clearance {
    Clearance::sign(h, OFFICER, "different-date-of-birth", at, &officer_key()).unwrap()
}

fn clearance() -> Clearance {
    clearance_of(&hit(world()), SAMPLE_NOW - 60)
}

/// The sample transfer proved with the beneficiary's clearance: three proofs.
fn cleared_bundle() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let w = world();
        let clearances = [clearance()];
        let mut st = w.statement(0).unwrap();
        st.clearances = &clearances;
        prover().prove_transfer(&st, &w.context).expect("bundle")
    })
}

fn trusting(officers: Vec<TrustedOfficer>) -> Policy {
    let mut file: PolicyFile = world().policy_file().unwrap();
    file.clearance_officers = officers;
    Policy::new(file).unwrap()
}

fn officer(max_age: Option<u64>) -> TrustedOfficer {
    TrustedOfficer {
        vasp: VASP.into(),
        officer: OFFICER.into(),
        public_key: hex::encode(officer_key().verifying_key().to_bytes()),
        max_age_seconds: max_age,
    }
}

fn check(b: &ProofBundle, p: &Policy) -> Result<Accepted, Rejection> {
    verify_bundle(b, dev_keys(), p, &VerifyRequest::new(SAMPLE_NOW, "FATF"))
}

fn refused(b: &ProofBundle, p: &Policy) -> Rejection {
    check(b, p).expect_err("must be refused")
}

#[test]
fn a_name_hit_cannot_be_proven_and_a_clearance_stands_in_for_the_claim() {
    let w = world();
    let e = prover()
        .prove_transfer(&w.statement(0).unwrap(), &w.context)
        .expect_err("a listed name has no not_sanctioned proof");
    assert!(
        matches!(
            e.refusal(),
            Some((
                CircuitId::NotSanctionedBeneficiary,
                Refusal::PartyListed {
                    party: "beneficiary",
                    slot: "beneficiary_name_key",
                    list: 0,
                }
            ))
        ),
        "{e}"
    );

    let b = cleared_bundle();
    assert!(b.claim(CircuitId::NotSanctionedBeneficiary).is_none());
    assert!(b.claim(CircuitId::NotSanctionedOriginator).is_some());
    assert_eq!(b.clearances, vec![clearance()]);
    // Both encodings carry it.
    assert_eq!(&ProofBundle::from_protobuf(&b.to_protobuf()).unwrap(), b);
    assert_eq!(&ProofBundle::from_json(&b.to_json()).unwrap(), b);

    let ok = check(b, &trusting(vec![officer(Some(86_400))])).expect("accepted");
    assert_eq!(ok.cleared.len(), 1);
    assert_eq!(ok.cleared[0].party, Party::Beneficiary);
    assert_eq!(ok.cleared[0].vasp, VASP);
    assert_eq!(ok.cleared[0].officer, OFFICER);
    assert_eq!(
        ok.screened.len(),
        1,
        "only the originator was screened by proof"
    );
    assert_eq!(ok.screened[0].party, Party::Originator);
}

#[test]
fn a_policy_that_trusts_no_officer_refuses_the_clearance() {
    let r = refused(cleared_bundle(), &trusting(vec![]));
    assert!(
        r.has(|r| matches!(
            r,
            Reason::UntrustedClearance {
                party: "beneficiary",
                ..
            }
        )),
        "{r}"
    );
    // Another officer's key, even of the same VASP, is not this one.
    let mut other = officer(None);
    other.public_key = hex::encode(SigningKey::from_bytes(&[18; 32]).verifying_key().to_bytes());
    let r = refused(cleared_bundle(), &trusting(vec![other]));
    assert!(
        r.has(|r| matches!(r, Reason::UntrustedClearance { .. })),
        "{r}"
    );
}

#[test]
fn the_officer_must_be_the_one_the_policy_names_for_the_key() {
    let mut o = officer(None);
    o.vasp = "vasp-b.test".into();
    let r = refused(cleared_bundle(), &trusting(vec![o]));
    assert!(r.has(|r| matches!(r, Reason::BadClearance { .. })), "{r}");
    let mut o = officer(None);
    o.officer = "officer-99".into();
    let r = refused(cleared_bundle(), &trusting(vec![o]));
    assert!(r.has(|r| matches!(r, Reason::BadClearance { .. })), "{r}");
}

fn with_clearances(cs: Vec<Clearance>) -> ProofBundle {
    let mut b = cleared_bundle().clone();
    b.clearances = cs;
    b
}

#[test]
fn a_tampered_clearance_is_refused() {
    let mut c = clearance();
    c.basis = "different-nationality".into();
    let r = refused(&with_clearances(vec![c]), &trusting(vec![officer(None)]));
    assert!(
        r.has(|r| matches!(r, Reason::BadClearance { why, .. } if why.contains("signature"))),
        "{r}"
    );
    let mut c = clearance();
    c.signature[0] ^= 1;
    let r = refused(&with_clearances(vec![c]), &trusting(vec![officer(None)]));
    assert!(r.has(|r| matches!(r, Reason::BadClearance { .. })), "{r}");
}

#[test]
fn a_clearance_of_another_transfer_or_list_version_is_refused() {
    let policy = trusting(vec![officer(None)]);
    // Validly signed, for another commitment.
    let mut h = hit(world());
    h.commitment = Commitment(Fr::from(99u64));
    let r = refused(
        &with_clearances(vec![clearance_of(&h, SAMPLE_NOW - 60)]),
        &policy,
    );
    assert!(
        r.has(|r| matches!(
            r,
            Reason::ClearanceMismatch {
                what: "commitment",
                ..
            }
        )),
        "{r}"
    );
    // Validly signed, for an older version of the list.
    let mut h = hit(world());
    h.list_version = "2025-01-01".into();
    let r = refused(
        &with_clearances(vec![clearance_of(&h, SAMPLE_NOW - 60)]),
        &policy,
    );
    assert!(
        r.has(|r| matches!(
            r,
            Reason::ClearanceMismatch {
                what: "sanctions list",
                ..
            }
        )),
        "{r}"
    );
}

#[test]
fn stale_future_duplicate_and_missing_clearances_are_refused() {
    let r = refused(cleared_bundle(), &trusting(vec![officer(Some(30))]));
    assert!(
        r.has(|r| matches!(
            r,
            Reason::StaleClearance {
                age_seconds: 60,
                max_age_seconds: 30,
                ..
            }
        )),
        "{r}"
    );
    let policy = trusting(vec![officer(None)]);
    let future = clearance_of(&hit(world()), SAMPLE_NOW + 3_600);
    let r = refused(&with_clearances(vec![future]), &policy);
    assert!(
        r.has(|r| matches!(r, Reason::FutureClearance { .. })),
        "{r}"
    );
    let r = refused(
        &with_clearances(vec![
            clearance(),
            clearance_of(&hit(world()), SAMPLE_NOW - 30),
        ]),
        &policy,
    );
    assert!(
        r.has(|r| matches!(r, Reason::DuplicateClearance("beneficiary"))),
        "{r}"
    );
    let r = refused(&with_clearances(vec![]), &policy);
    assert!(
        r.has(|r| matches!(r, Reason::MissingClaim("not_sanctioned.beneficiary"))),
        "{r}"
    );
}

#[test]
fn a_clearance_of_the_wrong_party_does_not_replace_the_claim() {
    // An originator clearance cannot stand in for the beneficiary's missing claim.
    let mut h = hit(world());
    h.slot = ClearedSlot::OriginatorName;
    let r = refused(
        &with_clearances(vec![clearance_of(&h, SAMPLE_NOW - 60)]),
        &trusting(vec![officer(None)]),
    );
    assert!(
        r.has(|r| matches!(r, Reason::MissingClaim("not_sanctioned.beneficiary"))),
        "{r}"
    );
}

#[test]
fn the_prover_refuses_clearances_that_do_not_fit() {
    // The address is listed too: a match, which no clearance covers.
    let w = world_with(true);
    let clearances = [clearance_of(&hit(&w), SAMPLE_NOW)];
    let mut st = w.statement(0).unwrap();
    st.clearances = &clearances;
    let e = prover().prove_transfer(&st, &w.context).unwrap_err();
    assert!(
        matches!(
            e,
            ProverError::Refused {
                reason: Refusal::PartyListed {
                    slot: "beneficiary_address_key",
                    ..
                },
                ..
            }
        ),
        "{e}"
    );
    // A clearance for another commitment.
    let w = world();
    let mut h = hit(w);
    h.commitment = Commitment(Fr::from(5u64));
    let clearances = [clearance_of(&h, SAMPLE_NOW)];
    let mut st = w.statement(0).unwrap();
    st.clearances = &clearances;
    let e = prover().prove_transfer(&st, &w.context).unwrap_err();
    assert!(
        matches!(
            e,
            ProverError::Refused {
                reason: Refusal::ClearanceMismatch,
                ..
            }
        ),
        "{e}"
    );
    // A clearance for another list version (same root).
    let mut context = w.context.clone();
    let mut record = context.sanctions_roots[0].record.clone();
    record.version = "2026-01-01".into();
    context.sanctions_roots = vec![SignedSanctionsRoot::sign(record, &w.publisher_key)];
    let clearances = [clearance()];
    let mut st = w.statement(0).unwrap();
    st.clearances = &clearances;
    let e = prover().prove_transfer(&st, &context).unwrap_err();
    assert!(
        matches!(
            e,
            ProverError::Refused {
                reason: Refusal::ClearanceMismatch,
                ..
            }
        ),
        "{e}"
    );
}
