//! Attested transfers between two real nodes over mutual TLS, with real Groth16 proofs:
//! the bundle and the sealed opening beside the TRISA envelope, the beneficiary's
//! verification before decrypting, its signed receipt, both commitment logs, and every
//! bad attested input refused with its reason and nothing stored.

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use prost::Message;
use std::path::{Path, PathBuf};
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::field::Word248;
use zktr_circuits::trees::log::CommitmentLog;
use zktr_node::config::AttestConfig;
use zktr_node::flow::{CommitmentOpening, FixedClock, Originator, ThresholdRule};
use zktr_node::init::SealingAlgorithm;
use zktr_node::{RunningNode, TransferDetails};
use zktr_proto::zktr::admin::v1 as admin;
use zktr_proto::zktr::transfer::v1 as wire;
use zktr_prover::{Parallelism, Prover};
use zktr_records::Receipt;
use zktr_records::policy_file::{PolicyFile, RequiredList, TrustedLog, TrustedPublisher};
use zktr_sanctions::party::{ListedParty, PartyKind, PartyName, SanctionsList};
use zktr_sanctions::set::{BuildOptions, SanctionsSet};
use zktr_testkit::{EXAMPLE_POLICY_JSON, keys};
use zktr_trisa::{ErrorCode, PublicSealingKey, SealOptions, SealingKey};

const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
/// The log id of bundles the test makes itself (trusted under alpha's log key).
const CRAFTED_LOG: &str = "alpha-crafted";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hex_pub(k: &SigningKey) -> String {
    hex::encode(k.verifying_key().to_bytes())
}

fn read_key(path: &Path) -> SigningKey {
    let seed: [u8; 32] = hex::decode(std::fs::read_to_string(path).unwrap().trim())
        .unwrap()
        .try_into()
        .unwrap();
    SigningKey::from_bytes(&seed)
}

fn sanctions_set(publisher: &SigningKey, list_id: &str) -> SanctionsSet {
    let list = SanctionsList {
        list_id: list_id.into(),
        version: "1".into(),
        parties: vec![ListedParty {
            id: "test:1".into(),
            kind: PartyKind::Individual,
            names: vec![PartyName::whole(true, "Name", "Zed Listedperson")],
            dates_of_birth: vec![],
            documents: vec![],
            addresses: vec![],
        }],
    };
    SanctionsSet::build(
        &[list],
        &BuildOptions {
            key: publisher,
            published_at: now() - 60,
        },
    )
    .unwrap()
}

struct World {
    net: Net,
    a_cfg: PathBuf,
    b_cfg: PathBuf,
    attest: AttestConfig,
    a_log: SigningKey,
    b_receipt: SigningKey,
    publisher: SigningKey,
}

fn world() -> World {
    let net = Net::new();
    let root = net.dir.path().to_path_buf();
    let params = root.join("params");
    keys().save(&params, now()).unwrap();
    let publisher = SigningKey::from_bytes(&[21; 32]);
    let sdn = root.join("test.zkts");
    sanctions_set(&publisher, "zktr-test-names")
        .save(&sdn)
        .unwrap();
    let a_cfg = net.node("alpha.test", SealingAlgorithm::X25519);
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    let a_keys = a_cfg.parent().unwrap().join("keys");
    let b_keys = b_cfg.parent().unwrap().join("keys");
    let a_log = read_key(&a_keys.join("log.key"));
    let b_receipt = read_key(&b_keys.join("receipt.key"));
    let mut file: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON).unwrap();
    file.sanctions_publishers = vec![TrustedPublisher {
        name: "test publisher".into(),
        public_key: hex_pub(&publisher),
        max_age_seconds: 86_400,
        lists: vec![RequiredList {
            list_id: "zktr-test-names".into(),
            min_version: None,
            max_age_seconds: None,
            min_key_count: None,
        }],
    }];
    file.logs = vec![
        TrustedLog {
            log_id: "alpha.test".into(),
            public_key: hex_pub(&a_log),
            max_tree_head_age_seconds: Some(3600),
        },
        TrustedLog {
            log_id: CRAFTED_LOG.into(),
            public_key: hex_pub(&a_log),
            max_tree_head_age_seconds: Some(3600),
        },
    ];
    let policy = root.join("policy.json");
    std::fs::write(&policy, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let attest = AttestConfig {
        params,
        policy,
        sanctions: sdn,
        jurisdiction: "FATF".into(),
        apply: vec![],
        log_key: PathBuf::new(),
        receipt_key: PathBuf::new(),
        log_id: None,
        allow_unattested: true,
    };
    World {
        net,
        a_cfg,
        b_cfg,
        attest,
        a_log,
        b_receipt,
        publisher,
    }
}

impl World {
    async fn start(&self, cfg: &Path) -> RunningNode {
        let keys = cfg.parent().unwrap().join("keys");
        let mut attest = self.attest.clone();
        attest.log_key = keys.join("log.key");
        attest.receipt_key = keys.join("receipt.key");
        start(cfg, move |c| c.attest = Some(attest)).await
    }

    /// Both peers files, with each other's log and receipt keys and `zktr = true`.
    fn peers(&self, a: &RunningNode, b: &RunningNode) {
        let key = |cfg: &Path, name: &str| {
            std::fs::read_to_string(cfg.parent().unwrap().join(format!("keys/{name}.pub")))
                .unwrap()
                .trim()
                .to_string()
        };
        let entry = |name: &str, node: &RunningNode, cfg: &Path| {
            format!(
                "[[peer]]\nname = \"{name}\"\nendpoint = \"{}\"\nserver_name = \"localhost\"\nzktr = true\nlog_key = \"{}\"\nreceipt_key = \"{}\"\n",
                node.peer_addr,
                key(cfg, "log"),
                key(cfg, "receipt")
            )
        };
        let write = |cfg: &Path, text: String| {
            let file = load(cfg).peers.file;
            let _ = std::fs::remove_file(&file);
            std::fs::write(file, text).unwrap();
        };
        write(&self.a_cfg, entry("beta.test", b, &self.b_cfg));
        write(&self.b_cfg, entry("alpha.test", a, &self.a_cfg));
    }
}

fn attested_request() -> admin::SendTransferRequest {
    admin::SendTransferRequest {
        peer: "beta.test".into(),
        identity_json: fixture_identity_json(),
        transaction: Some(zktr_trisa::Transaction {
            beneficiary: ADDRESS.into(),
            originator: "0x1111111111111111111111111111111111111111".into(),
            amount: 1.25,
            network: "ETH".into(),
            asset_type: "ETH".into(),
            ..Default::default()
        }),
        id: String::new(),
        plain: false,
        fiat_value: 250_000,
        fiat_currency: 840,
        asset_id: 60,
        asset_amount: "1250000000000000000".into(),
    }
}

async fn add_customer(cfg: &Path, node: &RunningNode) {
    backoffice(cfg, node, |bo| {
        bo.add_address(admin::CustomerAddress {
            address: ADDRESS.into(),
            network: String::new(),
            customer: String::new(),
        })
        .unwrap()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attested_transfer_is_verified_receipted_and_logged() {
    let w = world();
    let a = w.start(&w.a_cfg).await;
    let b = w.start(&w.b_cfg).await;
    w.peers(&a, &b);
    add_customer(&w.b_cfg, &b).await;

    let sent = backoffice(&w.a_cfg, &a, |bo| bo.send(attested_request()).unwrap()).await;
    assert_eq!(sent.state, "PENDING", "{sent:?}");
    assert!(sent.attested);
    let id = sent.id.clone();

    // The originator holds the beneficiary's receipt; a third party checks it with the
    // beneficiary's receipt key alone.
    let i = id.clone();
    let on_a = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let receipt = Receipt::from_json(&on_a.receipt_json).expect("a receipt");
    receipt.verify(&w.b_receipt.verifying_key()).unwrap();
    assert_eq!(receipt.envelope_id, id);
    assert_eq!(receipt.beneficiary, "beta.test");
    let bundle = zktr_records::ProofBundle::from_json(&on_a.bundle_json).unwrap();
    assert_eq!(receipt.commitment, bundle.commitment);
    assert_eq!(receipt.tree_head, bundle.tree_head);

    // The beneficiary verified before decrypting and stored the same bundle.
    let i = id.clone();
    let on_b = backoffice(&w.b_cfg, &b, move |bo| bo.show(&i, false).unwrap()).await;
    let s = on_b.summary.as_ref().unwrap();
    assert!(s.attested);
    assert_eq!(s.state, "REVIEW");
    assert_eq!(
        on_b.receipt_json, on_a.receipt_json,
        "one receipt, the same on both sides"
    );

    // The rest of the transfer is plain TRISA under the same id.
    let i = id.clone();
    backoffice(&w.b_cfg, &b, move |bo| bo.accept(&i, "ok").unwrap()).await;
    let i = id.clone();
    let done = backoffice(&w.a_cfg, &a, move |bo| bo.complete(&i, "0xbeef").unwrap()).await;
    assert_eq!(done.state, "COMPLETED");

    // alpha's log: the tree head covers C, with an inclusion proof that verifies.
    let client = dialer(&w.net, w.net.client("auditor.test"));
    let head = client
        .log_tree_head(&entry("alpha.test", &a))
        .await
        .unwrap();
    assert_eq!(head.size, 1);
    let proof = client
        .log_inclusion(
            &entry("alpha.test", &a),
            zktr_circuits::field::fr_to_be_bytes(&bundle.commitment.0).to_vec(),
            0,
        )
        .await
        .unwrap();
    assert_eq!(proof.leaf_index, 0);

    // alpha restarts: its log comes back from storage (no rehash), and the next transfer's
    // head is checked by beta for consistency with the one it saw.
    a.shutdown().await.unwrap();
    let a = w.start(&w.a_cfg).await;
    w.peers(&a, &b);
    let second = backoffice(&w.a_cfg, &a, |bo| bo.send(attested_request()).unwrap()).await;
    assert_eq!(second.state, "PENDING", "{second:?}");
    let i = second.id.clone();
    let d = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let b2 = zktr_records::ProofBundle::from_json(&d.bundle_json).unwrap();
    assert_eq!(b2.tree_head.size, 2);
    let consistency = client
        .log_consistency(&entry("alpha.test", &a), 1, 2)
        .await
        .unwrap();
    assert_eq!(consistency.hashes.len(), 33);
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// An attested envelope made by the test with the library flow (its own log, trusted
/// under alpha's log key as `alpha-crafted`), to alter before sending.
struct Crafted {
    request: wire::AttestedEnvelope,
    opening: CommitmentOpening,
}

fn craft(
    log: &mut CommitmentLog,
    log_key: &SigningKey,
    set: &SanctionsSet,
    prover: &Prover,
    b_key: &PublicSealingKey,
) -> Crafted {
    let identity = match zktr_ivms101::Document::from_json(&fixture_identity_json())
        .unwrap()
        .0
    {
        zktr_ivms101::Document::IdentityPayload(i) => i,
        _ => unreachable!(),
    };
    let txn = attested_request().transaction.unwrap();
    let payload = zktr_node::exchange::new_payload(&identity, &txn);
    let clock = FixedClock(now());
    let mut originator = Originator {
        log_id: CRAFTED_LOG.into(),
        log: std::mem::take(log),
        log_key: log_key.clone(),
        prover,
        sanctions: set,
        clock: &clock,
    };
    let details = TransferDetails {
        fiat_value: 250_000,
        fiat_currency: 840,
        asset_id: Word248::new(zktr_circuits::field::fr_from_u64(60)).unwrap(),
        asset_amount: 1_250_000_000_000_000_000,
        beneficiary_address: ADDRESS.into(),
        envelope_id: uuid::Uuid::new_v4(),
        originator_vasp_id: "alpha.test".into(),
        beneficiary_vasp_id: "beta.test".into(),
        committed_at: 0,
    };
    let rule = ThresholdRule {
        jurisdiction: "FATF".into(),
        threshold: 100_000,
        currency: 840,
        direction: ThresholdDirection::AtOrAbove,
    };
    let out = originator
        .prepare(&payload, &details, &rule, b_key)
        .unwrap();
    *log = originator.log;
    let opening = zktr_node::attest::opening_envelope(&out.opening, b_key).unwrap();
    Crafted {
        request: wire::AttestedEnvelope {
            envelope: Some(out.envelope),
            bundle: Some(out.bundle.to_message()),
            opening: Some(opening),
        },
        opening: out.opening,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_attested_transfers_are_refused_with_their_reason_and_nothing_is_stored() {
    let w = world();
    let b = w.start(&w.b_cfg).await;
    // The test plays alpha: a client with alpha's name, its keys in beta's peers file.
    let a_dir = w.a_cfg.parent().unwrap();
    let peer_text = format!(
        "[[peer]]\nname = \"alpha.test\"\nendpoint = \"127.0.0.1:9\"\nzktr = true\nlog_key = \"{}\"\nreceipt_key = \"{}\"\n",
        std::fs::read_to_string(a_dir.join("keys/log.pub"))
            .unwrap()
            .trim(),
        std::fs::read_to_string(a_dir.join("keys/receipt.pub"))
            .unwrap()
            .trim(),
    );
    let peers = load(&w.b_cfg).peers.file;
    std::fs::write(&peers, peer_text).unwrap();
    add_customer(&w.b_cfg, &b).await;
    let alpha = dialer(&w.net, w.net.client("alpha.test"));
    let our_key = SealingKey::generate_x25519();
    let theirs = alpha
        .key_exchange(
            &entry("beta.test", &b),
            zktr_proto::trisa::api::v1beta1::SigningKey {
                data: our_key.public_key().spki_der().unwrap(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b_key = PublicSealingKey::from_der(&theirs.data).unwrap();
    let prover = Prover::new(keys().clone(), Parallelism::default()).unwrap();
    let set = sanctions_set(&w.publisher, "zktr-test-names");
    let mut log = CommitmentLog::new();
    let transfers =
        || async { backoffice(&w.b_cfg, &b, |bo| bo.list("", 100).unwrap().len()).await };
    let code = |r: &wire::AttestedReply| {
        let e = r
            .envelope
            .as_ref()
            .unwrap()
            .error
            .as_ref()
            .expect("an error envelope");
        (ErrorCode::try_from(e.code).unwrap(), e.message.clone())
    };

    // A good one first: accepted for review, with a receipt.
    let good = craft(&mut log, &w.a_log, &set, &prover, &b_key);
    let reply = alpha
        .attested_transfer(&entry("beta.test", &b), good.request.clone())
        .await
        .unwrap();
    assert!(
        reply.envelope.as_ref().unwrap().error.is_none(),
        "{reply:?}"
    );
    assert!(!reply.receipt_json.is_empty());
    assert_eq!(transfers().await, 1);
    // Replayed byte for byte: the stored reply, the same receipt, nothing new.
    let again = alpha
        .attested_transfer(&entry("beta.test", &b), good.request.clone())
        .await
        .unwrap();
    assert_eq!(again.encode_to_vec(), reply.encode_to_vec());
    // The same envelope with another bundle is not a replay: refused, changes nothing.
    let other = craft(&mut log, &w.a_log, &set, &prover, &b_key);
    let mut swapped = good.request.clone();
    swapped.bundle = other.request.bundle.clone();
    let s = alpha
        .attested_transfer(&entry("beta.test", &b), swapped)
        .await
        .unwrap_err();
    assert_eq!(s.code(), tonic::Code::FailedPrecondition);

    // A bundle whose C is not the envelope's (another transfer's valid proofs).
    let x = craft(&mut log, &w.a_log, &set, &prover, &b_key);
    let mut mixed = x.request.clone();
    mixed.bundle = other.request.bundle.clone();
    let r = alpha
        .attested_transfer(&entry("beta.test", &b), mixed)
        .await
        .unwrap();
    let (c, m) = code(&r);
    assert_eq!(c, ErrorCode::ComplianceCheckFail);
    assert!(m.contains("commitment"), "{m}");
    assert!(r.receipt_json.is_empty());

    // A proof with one flipped byte.
    let y = craft(&mut log, &w.a_log, &set, &prover, &b_key);
    let mut flipped = y.request.clone();
    flipped.bundle.as_mut().unwrap().claims[0].proof[5] ^= 1;
    let (c, m) = code(
        &alpha
            .attested_transfer(&entry("beta.test", &b), flipped)
            .await
            .unwrap(),
    );
    assert_eq!(c, ErrorCode::ComplianceCheckFail, "{m}");

    // A tree head signed by another key.
    let z = craft(
        &mut log,
        &SigningKey::from_bytes(&[99; 32]),
        &set,
        &prover,
        &b_key,
    );
    let (c, m) = code(
        &alpha
            .attested_transfer(&entry("beta.test", &b), z.request)
            .await
            .unwrap(),
    );
    assert_eq!(c, ErrorCode::Untrusted, "{m}");

    // Screened against a set from a publisher the policy does not trust.
    let rogue = sanctions_set(&SigningKey::from_bytes(&[77; 32]), "zktr-test-names");
    let mut log2 = log.clone();
    let u = craft(&mut log2, &w.a_log, &rogue, &prover, &b_key);
    let (c, m) = code(
        &alpha
            .attested_transfer(&entry("beta.test", &b), u.request)
            .await
            .unwrap(),
    );
    assert_eq!(c, ErrorCode::ComplianceCheckFail, "{m}");

    // A forked log: a different head at a size beta has already seen.
    let mut fork = CommitmentLog::new();
    let f = craft(&mut fork, &w.a_log, &set, &prover, &b_key);
    let (c, m) = code(
        &alpha
            .attested_transfer(&entry("beta.test", &b), f.request)
            .await
            .unwrap(),
    );
    assert_eq!(c, ErrorCode::Untrusted, "{m}");
    assert!(
        m.contains("forked") || m.contains("consistent") || m.contains("consistency"),
        "{m}"
    );

    // An opening that is not the envelope's.
    let v = craft(&mut log, &w.a_log, &set, &prover, &b_key);
    let mut wrong_opening = v.request.clone();
    let mut o = v.opening.clone();
    o.details.fiat_value += 1;
    wrong_opening.opening = Some(zktr_node::attest::opening_envelope(&o, &b_key).unwrap());
    let (c, _) = code(
        &alpha
            .attested_transfer(&entry("beta.test", &b), wrong_opening)
            .await
            .unwrap(),
    );
    assert_eq!(c, ErrorCode::ComplianceCheckFail);

    assert_eq!(transfers().await, 1, "no refused transfer was stored");
    let _ = SealOptions::default();
    b.shutdown().await.unwrap();
}
