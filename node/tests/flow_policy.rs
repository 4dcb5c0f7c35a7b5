//! Issue 9 on the node's flow, with real proofs: a party with a second person (a listed
//! co-owner of a joint account) is refused, never attested on its first person alone; the
//! beneficiary's check compares the committed transfer with the one it received.

use ed25519_dalek::SigningKey;
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::field::Word248;
use zktr_circuits::trees::log::CommitmentLog;
use zktr_node::{
    Beneficiary, CommitError, FixedClock, FlowError, Originator, ThresholdRule, TransferDetails,
    received_transfer,
};
use zktr_prover::{Parallelism, Prover};
use zktr_records::policy_file::{PolicyFile, RequiredList, TrustedLog, TrustedPublisher};
use zktr_sanctions::{BuildOptions, SanctionsSet};
use zktr_sanctions::{ListedParty, PartyKind, PartyName, SanctionsList};
use zktr_testkit::{EXAMPLE_POLICY_JSON, data, keys};
use zktr_trisa::{Payload, SealingKey};
use zktr_verifier::{Policy, Reason, VerifyingKeys};

const NOW: u64 = 1_763_596_800;
const CO_OWNER: &str = "Zed Listedcoowner";

fn payload() -> Payload {
    zktr_trisa::json::payload_from_json(
        &std::fs::read_to_string(data("trisa/payload.json")).unwrap(),
    )
    .unwrap()
}

fn details(p: &Payload) -> TransferDetails {
    let tx = zktr_trisa::payload::transaction(p).unwrap();
    TransferDetails {
        fiat_value: 7_786,
        fiat_currency: 840,
        asset_id: Word248::new(0u64.into()).unwrap(),
        asset_amount: 206_412,
        beneficiary_address: tx.transaction().unwrap().beneficiary.clone(),
        envelope_id: uuid::Uuid::from_u128(0x1e7b_b3cc_53ff_41b8_870f_4c22_110e_6f04),
        originator_vasp_id: "api.alice.vaspbot.net".into(),
        beneficiary_vasp_id: "api.bob.vaspbot.net".into(),
        committed_at: 0,
    }
}

/// A set listing the co-owner by name, signed by `publisher`.
fn sanctions(publisher: &SigningKey) -> SanctionsSet {
    let list = SanctionsList {
        list_id: "zktr-test-names".into(),
        version: "1".into(),
        parties: vec![ListedParty {
            id: "test:1".into(),
            kind: PartyKind::Individual,
            names: vec![PartyName::whole(true, "Name", CO_OWNER)],
            dates_of_birth: vec![],
            documents: vec![],
            addresses: vec![],
        }],
    };
    SanctionsSet::build(
        &[list],
        &BuildOptions {
            key: publisher,
            published_at: NOW - 60,
        },
    )
    .unwrap()
}

/// The payload with a second originator person: the first one renamed to the co-owner.
fn joint_account(p: &Payload) -> Payload {
    let mut identity = zktr_trisa::payload::identity(p).unwrap();
    let originator = identity.originator.as_mut().unwrap();
    let json = serde_json::to_string(&originator.persons[0]).unwrap();
    let co_owner = json
        .replace("Howard", "Listedcoowner")
        .replace("Jane", "Zed");
    assert_ne!(json, co_owner, "the fixture's name was replaced");
    originator
        .persons
        .push(serde_json::from_str(&co_owner).unwrap());
    let tx = zktr_trisa::payload::transaction(p).unwrap();
    zktr_trisa::payload::build(&identity, &tx, &p.sent_at)
}

#[test]
fn a_listed_second_person_is_refused_and_a_mismatched_transfer_too() {
    let publisher = SigningKey::from_bytes(&[21; 32]);
    let log_key = SigningKey::from_bytes(&[22; 32]);
    let set = sanctions(&publisher);
    let prover = Prover::new(keys().clone(), Parallelism::default()).unwrap();
    let clock = FixedClock(NOW);
    let recipient = SealingKey::generate_x25519();
    let mut originator = Originator {
        log_id: "test-log".into(),
        log: CommitmentLog::new(),
        log_key: log_key.clone(),
        prover: &prover,
        sanctions: std::slice::from_ref(&set),
        clock: &clock,
    };
    let rule = ThresholdRule {
        jurisdiction: "FATF".into(),
        threshold: 100_000,
        currency: 840,
        direction: ThresholdDirection::Below,
    };
    let p = payload();
    let d = details(&p);

    // Before issue 9 only the first person (Jane Howard) was committed and screened, so
    // this transfer was attested although its co-owner is listed.
    let joint = joint_account(&p);
    match originator.prepare(&joint, &d, &rule, &recipient.public_key()) {
        Err(FlowError::Commit(CommitError::TooManyPersons {
            party: "originator",
            persons: 2,
            covered: 1,
        })) => {}
        other => panic!("expected TooManyPersons, got {other:?}"),
    }

    // The single-person transfer is proven and accepted for the transfer received ...
    let out = originator
        .prepare(&p, &d, &rule, &recipient.public_key())
        .expect("one person per party");
    let mut file: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON).unwrap();
    file.sanctions_publishers = vec![TrustedPublisher {
        name: "test".into(),
        public_key: hex(&publisher),
        max_age_seconds: 86_400,
        lists: vec![RequiredList {
            list_id: "zktr-test-names".into(),
            min_version: None,
            max_age_seconds: None,
            min_key_count: None,
        }],
    }];
    file.logs = vec![TrustedLog {
        log_id: "test-log".into(),
        public_key: hex(&log_key),
        max_tree_head_age_seconds: Some(600),
    }];
    let policy = Policy::new(file).unwrap();
    let vks = VerifyingKeys::from_keys(&keys().verifying_keys()).unwrap();
    let jurisdictions = ["FATF".to_owned()];
    let beneficiary = Beneficiary {
        sealing_key: &recipient,
        verifying_keys: &vks,
        policy: &policy,
        jurisdictions: &jurisdictions,
        seen_lists: None,
        clock: &clock,
    };
    let received = received_transfer(d.asset_id, d.asset_amount, &d.beneficiary_address).unwrap();
    let ok = beneficiary
        .accept(&out.envelope, &out.bundle, &out.opening, &received)
        .expect("accepted");
    assert_eq!(ok.accepted.transfer, Some(received));
    assert_eq!(ok.accepted.screened[0].list_id, "zktr-test-names");

    // ... and refused for another amount than the one received on chain.
    let mut other = received;
    other.asset_amount -= 1;
    match beneficiary.accept(&out.envelope, &out.bundle, &out.opening, &other) {
        Err(FlowError::Rejected(r)) => {
            assert!(
                r.has(|r| *r == Reason::TransferMismatch("asset amount")),
                "{r}"
            )
        }
        other => panic!("expected a rejection, got {other:?}"),
    }

    // An opening whose commitment time is after the tree head's is refused.
    let mut late = out.opening.clone();
    late.details.committed_at = NOW + 3_600;
    assert!(matches!(
        beneficiary.accept(&out.envelope, &out.bundle, &late, &received),
        Err(FlowError::TreeHeadBeforeCommitment { .. })
    ));
}

fn hex(k: &SigningKey) -> String {
    k.verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
