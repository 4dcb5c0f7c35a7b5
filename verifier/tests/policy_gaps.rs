//! Issue 9: what `verify_bundle` accepted although the policy should not have. Each test
//! builds real Groth16 proofs (testkit's keys and sample world), shows the bundle is
//! accepted where the gap does not apply (so the proofs are good), and that the gap is
//! now refused with a typed reason.

mod common;

use common::{dev_keys, prover};

use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, SlotValues};
use zktr_records::ProofBundle;
use zktr_records::SignedSanctionsRoot;
use zktr_records::manifest::SINGLE_PARTY_DEV;
use zktr_records::policy_file::PolicyFile;
use zktr_testkit::sample::{SAMPLE_NOW, SampleWorld, sample_fields};
use zktr_testkit::{keys, listed_addresses, real_sanctions, synthetic_sanctions, world};
use zktr_verifier::{Accepted, Policy, VerifyingKeys};
use zktr_verifier::{
    OnChainTransfer, Reason, Rejection, SeenLists, ThresholdGap, VerifyRequest, verify_bundle,
};

fn policy_file() -> PolicyFile {
    world().policy_file().expect("policy file")
}

fn policy() -> Policy {
    Policy::new(policy_file()).expect("policy")
}

/// The sample world's transfer 0 (USD 2,500.00), FATF at or above USD 1,000.00.
fn bundle() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let w = world();
        prover()
            .prove_transfer(&w.statement(0).expect("statement"), &w.context)
            .expect("bundle")
    })
}

fn fatf() -> VerifyRequest<'static> {
    VerifyRequest::new(SAMPLE_NOW, "FATF")
}

fn check(b: &ProofBundle, p: &Policy, r: &VerifyRequest<'_>) -> Result<Accepted, Rejection> {
    verify_bundle(b, dev_keys(), p, r)
}

fn refused(b: &ProofBundle, p: &Policy, r: &VerifyRequest<'_>) -> Rejection {
    check(b, p, r).expect_err("must be refused")
}

/// Re-signs the bundle's sanctions root record after `edit` (same root, so the proofs
/// still hold) with the sample publisher's key.
fn resigned(
    b: &ProofBundle,
    edit: impl FnOnce(&mut zktr_records::SanctionsRootRecord),
) -> ProofBundle {
    let mut record = b.sanctions_root.record.clone();
    edit(&mut record);
    let mut out = b.clone();
    out.sanctions_root = SignedSanctionsRoot::sign(record, &world().publisher_key);
    out
}

// ---- 1. the prover chose the sanctions list ---------------------------------------------

#[test]
fn a_root_of_another_list_of_a_trusted_publisher_is_refused() {
    // The beneficiary pays an OFAC-listed address; the same publisher also signed a tiny
    // "test" list that does not list it, and the bundle carries that list's root.
    let listed = listed_addresses()
        .into_iter()
        .find(|a| a.starts_with("0x"))
        .expect("an EVM address on the list");
    assert!(
        real_sanctions().contains(&zktr_sanctions::screening::address_key(&listed).unwrap()),
        "the address is on the real list"
    );
    let mut f = sample_fields(0);
    f.beneficiary_address_key = zktr_sanctions::screening::address_key(&listed).unwrap();
    let tree = CommitmentTree::new(
        SlotValues::from_fields(&f),
        &MasterSalt::from_fr(Fr::from(5u64)),
    );
    // Seed 7: the sample world's log and publisher keys.
    let mut test_list = SampleWorld::from_trees(vec![tree], synthetic_sanctions(3).unwrap(), 7);
    let mut record = test_list.context.sanctions_roots[0].record.clone();
    record.list_id = "zktr-test-list".into();
    test_list.context.sanctions_roots =
        vec![SignedSanctionsRoot::sign(record, &test_list.publisher_key)];
    let b = prover()
        .prove_transfer(&test_list.statement(0).unwrap(), &test_list.context)
        .expect("the test list does not list the address: it proves");

    // Accepted under a policy that names the test list (the old "trust the publisher").
    let mut file = test_list.policy_file().unwrap();
    file.sanctions_publishers[0].lists[0].list_id = "zktr-test-list".into();
    check(&b, &Policy::new(file).unwrap(), &fatf()).expect("valid proofs of the test list");

    // Refused under the policy that requires the real list.
    let r = refused(&b, &policy(), &fatf());
    assert!(
        r.has(|r| matches!(r, Reason::UnlistedSanctionsList { list_id, .. } if list_id == "zktr-test-list")),
        "{r}"
    );
    // A minimum key count refuses a small set even under its own list id.
    let mut file = test_list.policy_file().unwrap();
    file.sanctions_publishers[0].lists[0].list_id = "zktr-test-list".into();
    file.sanctions_publishers[0].lists[0].min_key_count = Some(700);
    let r = refused(&b, &Policy::new(file).unwrap(), &fatf());
    assert!(
        r.has(|r| matches!(
            r,
            Reason::TooFewSanctionsKeys {
                key_count: 3,
                min_key_count: 700
            }
        )),
        "{r}"
    );
}

#[test]
fn a_root_dated_in_the_future_is_refused() {
    let future = resigned(bundle(), |r| r.published_at = SAMPLE_NOW + 86_400);
    let r = refused(&future, &policy(), &fatf());
    assert!(
        r.has(|r| matches!(r, Reason::FutureSanctionsRoot { seconds: 86_400 })),
        "{r}"
    );
    // Within the clock skew it is fine.
    let skewed = resigned(bundle(), |r| r.published_at = SAMPLE_NOW + 60);
    check(&skewed, &policy(), &fatf()).expect("60 s ahead is within the skew");
}

#[test]
fn an_older_list_version_than_seen_or_required_is_refused() {
    check(bundle(), &policy(), &fatf()).expect("fresh bundle");
    let mut seen = SeenLists::new();
    seen.see(
        &bundle().sanctions_root.record.publisher_key_id,
        zktr_testkit::SAMPLE_LIST_ID,
        "2025-11-20",
    );
    let mut req = fatf();
    req.seen_lists = Some(&seen);
    let r = refused(bundle(), &policy(), &req);
    assert!(
        r.has(|r| matches!(
            r,
            Reason::OldSanctionsVersion {
                why: "a version already seen",
                ..
            }
        )),
        "{r}"
    );
    let mut file = policy_file();
    file.sanctions_publishers[0].lists[0].min_version = Some("2025-12-01".into());
    let r = refused(bundle(), &Policy::new(file).unwrap(), &fatf());
    assert!(
        r.has(|r| matches!(
            r,
            Reason::OldSanctionsVersion {
                why: "the policy's minimum",
                ..
            }
        )),
        "{r}"
    );
    // Recording an accepted bundle remembers its version.
    let mut seen = SeenLists::new();
    seen.record(&check(bundle(), &policy(), &fatf()).unwrap());
    assert_eq!(
        seen.newest(
            &bundle().sanctions_root.record.publisher_key_id,
            zktr_testkit::SAMPLE_LIST_ID
        ),
        Some("2025-11-19")
    );
}

// ---- 2. the bundle named its own jurisdiction and side ------------------------------------

#[test]
fn a_self_chosen_jurisdiction_does_not_satisfy_the_callers() {
    // USD 2,500.00 proven "below USD 3,000.00" under the bundle's own jurisdiction US.
    let w = world();
    let mut st = w.statement(0).unwrap();
    st.threshold = 300_000;
    st.direction = ThresholdDirection::Below;
    let mut ctx = w.context.clone();
    ctx.jurisdiction = "US".into();
    let us = prover().prove_transfer(&st, &ctx).expect("true statement");
    // A verifier applying the US rule accepts it ...
    let a = check(&us, &policy(), &VerifyRequest::new(SAMPLE_NOW, "US")).expect("US verifier");
    assert_eq!(a.threshold.unwrap().direction, ThresholdDirection::Below);
    // ... one applying FATF (below USD 1,000.00 to skip) does not, whatever the bundle says.
    let r = refused(&us, &policy(), &fatf());
    assert!(
        r.has(|r| matches!(r, Reason::ThresholdNotSatisfied {
            jurisdiction, gap: ThresholdGap::DoesNotImply { proven: 300_000, required: 100_000, .. }, ..
        } if jurisdiction == "FATF")),
        "{r}"
    );
    // Applying both rules needs a statement that satisfies both.
    let mut both = fatf();
    both.jurisdictions.push("US".into());
    assert!(check(&us, &policy(), &both).is_err());
}

#[test]
fn the_wrong_direction_for_the_callers_jurisdiction_is_refused() {
    // FATF "at or above" is accepted by the sample policy (both directions) ...
    check(bundle(), &policy(), &fatf()).expect("at or above accepted");
    // ... and refused by a policy that accepts FATF bundles only as proof of "below".
    let mut file = policy_file();
    file.jurisdictions
        .get_mut("FATF")
        .unwrap()
        .accepted_directions = vec![zktr_records::policy_file::Direction::Below];
    let r = refused(bundle(), &Policy::new(file).unwrap(), &fatf());
    assert!(
        r.has(|r| matches!(
            r,
            Reason::ThresholdNotSatisfied {
                gap: ThresholdGap::DirectionNotAccepted("at or above"),
                ..
            }
        )),
        "{r}"
    );
}

// ---- 3. the on-chain transfer was never compared ------------------------------------------

#[test]
fn a_committed_transfer_other_than_the_one_on_chain_is_refused() {
    let a = check(bundle(), &policy(), &fatf()).unwrap();
    let proven = a.transfer.expect("the committed claim's transfer");
    let mut req = fatf();
    req.transfer = Some(proven);
    check(bundle(), &policy(), &req).expect("the same transfer");
    let mut other = proven;
    other.asset_amount += 1;
    req.transfer = Some(other);
    let r = refused(bundle(), &policy(), &req);
    assert_eq!(r.problems.len(), 1, "{r}");
    assert_eq!(r.problems[0].claim, Some((1, CircuitId::Committed)));
    assert_eq!(
        r.problems[0].reason,
        Reason::TransferMismatch("asset amount")
    );
    req.transfer = Some(OnChainTransfer {
        beneficiary_address_key: zktr_sanctions::screening::address_key(
            "0x000000000000000000000000000000000000dead",
        )
        .unwrap(),
        ..proven
    });
    assert!(
        refused(bundle(), &policy(), &req)
            .has(|r| *r == Reason::TransferMismatch("beneficiary address"))
    );
}

// ---- 4. the tree head's time was never read -----------------------------------------------

#[test]
fn a_stale_or_future_tree_head_is_refused() {
    let mut file = policy_file();
    file.logs[0].max_tree_head_age_seconds = Some(3_600);
    let bounded = Policy::new(file).unwrap();
    check(bundle(), &bounded, &fatf()).expect("signed just now");
    let later = VerifyRequest::new(SAMPLE_NOW + 2 * 3_600, "FATF");
    let r = refused(bundle(), &bounded, &later);
    assert!(
        r.has(|r| matches!(
            r,
            Reason::StaleTreeHead {
                age_seconds: 7_200,
                max_age_seconds: 3_600
            }
        )),
        "{r}"
    );
    // A head dated an hour after the verifier's now.
    let earlier = VerifyRequest::new(SAMPLE_NOW - 3_600, "FATF");
    let r = refused(bundle(), &policy(), &earlier);
    assert!(
        r.has(|r| matches!(r, Reason::FutureTreeHead { seconds: 3_600 })),
        "{r}"
    );
}

// ---- 6. dev keys were accepted by every policy --------------------------------------------

#[test]
fn dev_keys_are_refused_by_a_strict_policy() {
    let mut file = policy_file();
    file.verifying_keys.allow_dev_keys = false;
    let strict = Policy::new(file.clone()).unwrap();
    let r = refused(bundle(), &strict, &fatf());
    assert_eq!(r.problems.len(), 4, "{r}");
    assert!(r.problems.iter().all(|p| matches!(&p.reason, Reason::UntrustedKey { ceremony, .. } if ceremony == SINGLE_PARTY_DEV)));
    // Listing the ids does not make dev keys acceptable.
    file.verifying_keys.trusted_ids = bundle()
        .claims
        .iter()
        .map(|c| c.verifying_key_id.clone())
        .collect();
    assert!(check(bundle(), &Policy::new(file.clone()).unwrap(), &fatf()).is_err());
    // The same keys from an MPC ceremony are trusted by ceremony ...
    let mpc = VerifyingKeys::from_keys_with_ceremony(&keys().verifying_keys(), "mpc").unwrap();
    let a = verify_bundle(bundle(), &mpc, &strict, &fatf()).expect("mpc keys");
    assert!(!a.on_dev_keys());
    assert!(a.keys.iter().all(|k| k.ceremony == "mpc"));
    // ... and by id under a policy that accepts no ceremony.
    file.verifying_keys.accepted_ceremonies.clear();
    verify_bundle(bundle(), &mpc, &Policy::new(file.clone()).unwrap(), &fatf()).expect("by id");
    file.verifying_keys.trusted_ids.clear();
    assert!(verify_bundle(bundle(), &mpc, &Policy::new(file).unwrap(), &fatf()).is_err());
}
