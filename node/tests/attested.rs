//! Attested transfers between two real nodes over mutual TLS, with real Groth16 proofs:
//! the bundle and the sealed opening beside the TRISA envelope, the beneficiary's
//! verification before decrypting, its signed receipt, both commitment logs, and every
//! bad attested input refused with its reason and nothing stored.

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use prost::Message;
use std::path::{Path, PathBuf};
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::field::Word248;
use zktr_circuits::trees::log::CommitmentLog;
use zktr_node::config::{AttestConfig, OfficerEntry};
use zktr_node::flow::{CommitmentOpening, FixedClock, Originator, ThresholdRule};
use zktr_node::init::SealingAlgorithm;
use zktr_node::{RunningNode, TransferDetails};
use zktr_proto::zktr::admin::v1 as admin;
use zktr_proto::zktr::transfer::v1 as wire;
use zktr_prover::{Parallelism, Prover};
use zktr_records::Receipt;
use zktr_records::policy_file::{
    PolicyFile, RequiredList, TrustedLog, TrustedOfficer, TrustedPricePublisher, TrustedPublisher,
};
use zktr_sanctions::{BuildOptions, SanctionsSet};
use zktr_sanctions::{CurrencyAddress, ListedParty, PartyKind, PartyName, SanctionsList};
use zktr_testkit::{EXAMPLE_POLICY_JSON, keys};
use zktr_trisa::{ErrorCode, PublicSealingKey, SealOptions, SealingKey};

const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
/// The log id of bundles the test makes itself (trusted under alpha's log key).
const CRAFTED_LOG: &str = "alpha-crafted";
/// Concurrent transfers of the batching test.
const BATCH: usize = 8;

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

fn sanctions_set(publisher: &SigningKey, list_id: &str, extra: Vec<ListedParty>) -> SanctionsSet {
    let mut parties = vec![ListedParty {
        id: "test:1".into(),
        kind: PartyKind::Individual,
        names: vec![PartyName::whole(true, "Name", "Zed Listedperson")],
        dates_of_birth: vec![],
        documents: vec![],
        addresses: vec![],
    }];
    parties.extend(extra);
    let list = SanctionsList {
        list_id: list_id.into(),
        version: "1".into(),
        parties,
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
    world_listing(vec![], vec![])
}

/// A world whose sanctions set also lists `extra`, and whose alpha node has `officers`
/// (name, public key hex), trusted by beta's policy as alpha's officers.
fn world_listing(extra: Vec<ListedParty>, officers: Vec<(String, String)>) -> World {
    let net = Net::new();
    let root = net.dir.path().to_path_buf();
    let params = root.join("params");
    keys().save(&params, now()).unwrap();
    let publisher = SigningKey::from_bytes(&[21; 32]);
    let sdn = root.join("test.zkts");
    sanctions_set(&publisher, "zktr-test-names", extra)
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
    // One log per concurrent transfer of the batching test (each its first head).
    file.logs.extend((0..BATCH).map(|i| TrustedLog {
        log_id: format!("alpha-batch-{i}"),
        public_key: hex_pub(&a_log),
        max_tree_head_age_seconds: Some(3600),
    }));
    file.clearance_officers = officers
        .iter()
        .map(|(name, key)| TrustedOfficer {
            vasp: "alpha.test".into(),
            officer: name.clone(),
            public_key: key.clone(),
            max_age_seconds: Some(86_400),
        })
        .collect();
    let policy = root.join("policy.json");
    std::fs::write(&policy, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let attest = AttestConfig {
        params,
        policy,
        sanctions: vec![sdn],
        jurisdiction: "FATF".into(),
        apply: vec![],
        log_key: PathBuf::new(),
        receipt_key: PathBuf::new(),
        log_id: None,
        allow_unattested: true,
        officers: officers
            .into_iter()
            .map(|(name, public_key)| OfficerEntry { name, public_key })
            .collect(),
        price_quotes: vec![],
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

    // The operator's view on /metrics: transfers by state and counterparty, the proofs
    // made and how long they took, the prover queue, storage latency, the outbox, and a
    // refused handshake by its reason.
    let anonymous = zktr_node::tls::client_config_anonymous(&[w.net.ca_cert()], &[]).unwrap();
    let channel = zktr_node::client::tls_channel(
        anonymous,
        &a.peer_addr.to_string(),
        "localhost",
        None,
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    let refused =
        zktr_proto::trisa::api::v1beta1::trisa_health_client::TrisaHealthClient::new(channel)
            .status(zktr_proto::trisa::api::v1beta1::HealthCheck::default())
            .await;
    assert!(
        refused.is_err(),
        "a client without a certificate is refused"
    );
    let http = a.http_addr;
    let metrics = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            let (status, text) = http_get(http, "/metrics");
            assert_eq!(status, 200);
            if text
                .contains("zktr_tls_handshake_failures_total{reason=\"no_client_certificate\"} 1")
            {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!(
            "the refused handshake is not counted: {}",
            http_get(http, "/metrics").1
        );
    })
    .await
    .unwrap();
    for line in [
        "zktr_transfers{state=\"COMPLETED\",peer=\"beta.test\"} 1",
        "zktr_transfers_proved_total{outcome=\"proved\"} 1",
        "zktr_proofs_made_total{claim=\"threshold/v1\"} 1",
        "zktr_proofs_made_total{claim=\"not_sanctioned.beneficiary/v2\"} 1",
        "zktr_prove_seconds_count 1",
        "zktr_prove_queue_depth 0",
        "zktr_outbox_depth 0",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }
    assert!(
        metrics.contains("zktr_storage_seconds_count{op=\"record_commitment\"}"),
        "{metrics}"
    );
    let (_, on_b_metrics) = {
        let http = b.http_addr;
        tokio::task::spawn_blocking(move || http_get(http, "/metrics"))
            .await
            .unwrap()
    };
    assert!(
        on_b_metrics.contains(",peer=\"alpha.test\"} 1")
            && on_b_metrics.contains("zktr_bundles_verified_total{outcome=\"accepted\"} 1")
            && on_b_metrics.contains("zktr_storage_seconds_count{op=\"record_incoming\"}"),
        "{on_b_metrics}"
    );

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
    // The last old leaf and its siblings in the 4-ary log: three per level.
    assert_eq!(
        consistency.hashes.len(),
        1 + zktr_circuits::trees::log::LOG_PATH_SIBLINGS
    );
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
    craft_in(CRAFTED_LOG, log, log_key, set, prover, b_key)
}

fn craft_in(
    log_id: &str,
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
        log_id: log_id.into(),
        log: std::mem::take(log),
        log_key: log_key.clone(),
        prover,
        sanctions: std::slice::from_ref(set),
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
    let set = sanctions_set(&w.publisher, "zktr-test-names", vec![]);
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
    let rogue = sanctions_set(
        &SigningKey::from_bytes(&[77; 32]),
        "zktr-test-names",
        vec![],
    );
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

/// A listed party with one name (a name hit for whoever carries it).
/// A compliance officer's key as `zktr` writes it: (its folder, public key hex, the key).
fn new_officer() -> (tempfile::TempDir, String, SigningKey) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("officer.key");
    let public = zktr_node::init::write_ed25519_key(&path).unwrap();
    let key = zktr_node::attest::read_seed(&path).unwrap();
    (dir, public, key)
}

fn listed_name(id: &str, name: &str) -> ListedParty {
    ListedParty {
        id: id.into(),
        kind: PartyKind::Individual,
        names: vec![PartyName::whole(true, "Name", name)],
        dates_of_birth: vec![],
        documents: vec![],
        addresses: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_hit_is_held_until_an_officer_clears_it_and_the_clearance_travels() {
    let (_keys_dir, officer_pub, officer) = new_officer();
    // The fixture's beneficiary is "Lawrence Clark": someone of that name is listed.
    let w = world_listing(
        vec![listed_name("test:2", "CLARK, Lawrence")],
        vec![("officer-17".into(), officer_pub)],
    );
    let a = w.start(&w.a_cfg).await;
    let b = w.start(&w.b_cfg).await;
    w.peers(&a, &b);
    add_customer(&w.b_cfg, &b).await;

    let held = backoffice(&w.a_cfg, &a, |bo| bo.send(attested_request()).unwrap()).await;
    assert_eq!(held.state, "REVIEW", "{held:?}");
    assert!(held.last_error.contains("name"), "{held:?}");
    let id = held.id.clone();
    let i = id.clone();
    let shown = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    assert!(shown.bundle_json.is_empty(), "nothing was proven or sent");
    let hit = zktr_records::ScreeningHit::from_json(&shown.screening_hit_json).expect("the hit");
    assert_eq!(hit.slot, zktr_records::ClearedSlot::BeneficiaryName);
    assert_eq!(hit.envelope_id, id);
    assert_eq!(hit.vasp, "alpha.test");
    let i = id.clone();
    let on_b = backoffice(&w.b_cfg, &b, move |bo| bo.show(&i, false)).await;
    assert!(on_b.is_err(), "the beneficiary never saw it");

    // Refused: a key that is not one of alpha's officers; the right key under another
    // name; a clearance of another hit. The transfer stays held.
    let stranger = SigningKey::from_bytes(&[99; 32]);
    let sign = |officer: &str, key: &SigningKey, hit: &zktr_records::ScreeningHit| {
        zktr_records::Clearance::sign(hit, officer, "different-date-of-birth", now(), key)
            .unwrap()
            .to_json()
    };
    let mut other_hit = hit.clone();
    other_hit.slot = zktr_records::ClearedSlot::OriginatorName;
    for (json, why) in [
        (
            sign("officer-17", &stranger, &hit),
            "not one of this node's officers",
        ),
        (
            sign("officer-18", &officer, &hit),
            "belongs to officer officer-17",
        ),
        (sign("officer-17", &officer, &other_hit), "another hit"),
        ("{ not json".to_string(), "not a clearance"),
    ] {
        let i = id.clone();
        let e = backoffice(&w.a_cfg, &a, move |bo| bo.clear(&i, &json).unwrap_err()).await;
        assert!(e.to_string().contains(why), "{why}: {e}");
    }
    let i = id.clone();
    let still = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    assert_eq!(still.summary.unwrap().state, "REVIEW");

    // The officer clears it: proved without the beneficiary's not_sanctioned claim, the
    // clearance in the bundle, verified and receipted by beta.
    let json = sign("officer-17", &officer, &hit);
    let i = id.clone();
    let sent = backoffice(&w.a_cfg, &a, move |bo| bo.clear(&i, &json).unwrap()).await;
    assert_eq!(sent.state, "PENDING", "{sent:?}");
    let i = id.clone();
    let on_a = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let bundle = zktr_records::ProofBundle::from_json(&on_a.bundle_json).unwrap();
    assert_eq!(bundle.claims.len(), 3);
    assert_eq!(bundle.clearances.len(), 1);
    assert_eq!(bundle.clearances[0].officer, "officer-17");
    assert!(on_a.screening_hit_json.is_empty());
    let receipt = Receipt::from_json(&on_a.receipt_json).expect("a receipt");
    receipt.verify(&w.b_receipt.verifying_key()).unwrap();
    let i = id.clone();
    let on_b = backoffice(&w.b_cfg, &b, move |bo| bo.show(&i, false).unwrap()).await;
    assert_eq!(on_b.summary.unwrap().state, "REVIEW");
    assert_eq!(on_b.bundle_json, on_a.bundle_json);
    // The history says who cleared it.
    assert!(
        on_a.history
            .iter()
            .any(|h| h.note.contains("cleared by officer officer-17")),
        "{:?}",
        on_a.history
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_address_is_rejected_before_sending_and_a_cleared_name_is_refused_by_a_policy_without_officers()
 {
    const LISTED: &str = "0x8589427373D6D84E98730D7795D8f6f8731FDA16";
    let (_keys_dir, officer_pub, officer) = new_officer();
    let mut with_address = listed_name("test:3", "Somebody Else");
    with_address.addresses = vec![CurrencyAddress {
        ticker: "ETH".into(),
        address: LISTED.into(),
    }];
    // alpha has the officer; beta's policy trusts no officer.
    let w = world_listing(
        vec![listed_name("test:2", "CLARK, Lawrence"), with_address],
        vec![],
    );
    let mut alpha_attest = w.attest.clone();
    alpha_attest.officers = vec![OfficerEntry {
        name: "officer-17".into(),
        public_key: officer_pub,
    }];
    let a = {
        let keys = w.a_cfg.parent().unwrap().join("keys");
        let mut attest = alpha_attest;
        attest.log_key = keys.join("log.key");
        attest.receipt_key = keys.join("receipt.key");
        start(&w.a_cfg, move |c| c.attest = Some(attest)).await
    };
    let b = w.start(&w.b_cfg).await;
    w.peers(&a, &b);
    add_customer(&w.b_cfg, &b).await;

    // The address is on the list: rejected on the spot, nothing to clear.
    let mut req = attested_request();
    req.transaction.as_mut().unwrap().beneficiary = LISTED.into();
    let rejected = backoffice(&w.a_cfg, &a, move |bo| bo.send(req).unwrap()).await;
    assert_eq!(rejected.state, "REJECTED", "{rejected:?}");
    assert!(
        rejected.last_error.contains("beneficiary_address_key"),
        "{rejected:?}"
    );
    let i = rejected.id.clone();
    let shown = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    assert!(shown.screening_hit_json.is_empty());

    // A name hit cleared by alpha's officer reaches beta, whose policy accepts no
    // clearance: refused with the reason, nothing accepted on beta.
    let held = backoffice(&w.a_cfg, &a, |bo| bo.send(attested_request()).unwrap()).await;
    assert_eq!(held.state, "REVIEW", "{held:?}");
    let id = held.id.clone();
    let i = id.clone();
    let shown = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let hit = zktr_records::ScreeningHit::from_json(&shown.screening_hit_json).unwrap();
    let json =
        zktr_records::Clearance::sign(&hit, "officer-17", "different-nationality", now(), &officer)
            .unwrap()
            .to_json();
    let i = id.clone();
    let after = backoffice(&w.a_cfg, &a, move |bo| bo.clear(&i, &json).unwrap()).await;
    assert_eq!(after.state, "REJECTED", "{after:?}");
    assert!(after.last_error.contains("clearance"), "{after:?}");
    let i = id.clone();
    let on_b = backoffice(&w.b_cfg, &b, move |bo| bo.show(&i, false)).await;
    assert!(on_b.is_err(), "nothing stored as accepted on beta");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// Both nodes screen against two lists their policy requires, each signed by its own
/// publisher: the test list, and a second list naming the fixture's beneficiary
/// ("Lawrence Clark"). The name hit on the second list holds the transfer; alpha's
/// officer clears it for that list; the bundle (version 3) carries both roots, both
/// parties' claims against the test list, the originator's against the second and the
/// clearance; beta verifies and receipts it. A node missing one of the lists does not
/// start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_screens_every_party_against_every_list_its_policy_requires() {
    let (_keys_dir, officer_pub, officer) = new_officer();
    let mut w = world_listing(vec![], vec![("officer-17".into(), officer_pub)]);
    let second_publisher = SigningKey::from_bytes(&[22; 32]);
    let second = w.attest.policy.parent().unwrap().join("second.zkts");
    sanctions_set(
        &second_publisher,
        "zktr-second-list",
        vec![listed_name("second:1", "CLARK, Lawrence")],
    )
    .save(&second)
    .unwrap();
    let mut file: PolicyFile =
        serde_json::from_str(&std::fs::read_to_string(&w.attest.policy).unwrap()).unwrap();
    file.sanctions_publishers.push(TrustedPublisher {
        name: "second publisher".into(),
        public_key: hex_pub(&second_publisher),
        max_age_seconds: 86_400,
        lists: vec![RequiredList {
            list_id: "zktr-second-list".into(),
            min_version: None,
            max_age_seconds: None,
            min_key_count: None,
        }],
    });
    std::fs::write(
        &w.attest.policy,
        serde_json::to_string_pretty(&file).unwrap(),
    )
    .unwrap();

    // Only the first list's file: the node names the list it lacks and does not start.
    let mut cfg = load(&w.a_cfg);
    let mut lacking = w.attest.clone();
    let keys = w.a_cfg.parent().unwrap().join("keys");
    lacking.log_key = keys.join("log.key");
    lacking.receipt_key = keys.join("receipt.key");
    cfg.attest = Some(lacking);
    let e = zktr_node::start(cfg)
        .await
        .expect_err("a required list is missing");
    assert!(e.to_string().contains("zktr-second-list"), "{e}");

    w.attest.sanctions.push(second);
    let a = w.start(&w.a_cfg).await;
    let b = w.start(&w.b_cfg).await;
    w.peers(&a, &b);
    add_customer(&w.b_cfg, &b).await;

    let held = backoffice(&w.a_cfg, &a, |bo| bo.send(attested_request()).unwrap()).await;
    assert_eq!(held.state, "REVIEW", "{held:?}");
    assert!(held.last_error.contains("zktr-second-list"), "{held:?}");
    let i = held.id.clone();
    let shown = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let hit = zktr_records::ScreeningHit::from_json(&shown.screening_hit_json).unwrap();
    assert_eq!(hit.list_id, "zktr-second-list");
    let json = zktr_records::Clearance::sign(
        &hit,
        "officer-17",
        "different-date-of-birth",
        now(),
        &officer,
    )
    .unwrap()
    .to_json();
    let i = held.id.clone();
    let sent = backoffice(&w.a_cfg, &a, move |bo| bo.clear(&i, &json).unwrap()).await;
    assert_eq!(sent.state, "PENDING", "{sent:?}");
    let i = held.id.clone();
    let on_a = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let bundle = zktr_records::ProofBundle::from_json(&on_a.bundle_json).unwrap();
    assert_eq!(bundle.version, 3);
    let lists: Vec<&str> = bundle
        .sanctions_roots()
        .map(|r| r.record.list_id.as_str())
        .collect();
    assert_eq!(lists, ["zktr-test-names", "zktr-second-list"]);
    // threshold, committed, both parties against the test list, the originator against
    // the second; the beneficiary's second screening is the officer's clearance.
    assert_eq!(bundle.claims.len(), 5);
    assert_eq!(bundle.clearances.len(), 1);
    assert_eq!(bundle.clearances[0].list_id, "zktr-second-list");
    let receipt = Receipt::from_json(&on_a.receipt_json).expect("beta receipted it");
    receipt.verify(&w.b_receipt.verifying_key()).unwrap();
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// A signed quote of ETH at USD 2,000.00 (cents per wei) for `valid_from ..= valid_until`.
fn eth_quote(key: &SigningKey, valid_from: u64, valid_until: u64, published_at: u64) -> String {
    zktr_records::SignedPriceQuote::sign(
        zktr_records::PriceQuote {
            asset_id: Word248::new(zktr_circuits::field::fr_from_u64(60)).unwrap(),
            currency: 840,
            asset: "ETH".into(),
            price_num: 200_000,
            price_den: 1_000_000_000_000_000_000,
            valid_from,
            valid_until,
            published_at,
            publisher_key_id: zktr_records::publisher_key_id(&key.verifying_key()),
        },
        key,
    )
    .unwrap()
    .to_json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priced_transfer_commits_the_quotes_value_and_an_expired_quote_stops_it() {
    let w = world();
    let root = w.net.dir.path().to_path_buf();
    // Both nodes under a policy that refuses unpriced thresholds and trusts one price
    // publisher for ETH; alpha prices with a quote file it reads at every commitment.
    let price_key = SigningKey::from_bytes(&[33; 32]);
    let mut file: PolicyFile =
        serde_json::from_str(&std::fs::read_to_string(&w.attest.policy).unwrap()).unwrap();
    file.allow_unpriced_threshold = false;
    file.price_publishers = vec![TrustedPricePublisher {
        name: "test prices".into(),
        public_key: hex_pub(&price_key),
        assets: vec!["60".into()],
        max_window_seconds: 3_600,
        max_age_seconds: 3_600,
    }];
    let policy = root.join("priced-policy.json");
    std::fs::write(&policy, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let quote = root.join("ETH-USD.json");
    let t = now();
    std::fs::write(&quote, eth_quote(&price_key, t - 60, t + 3_539, t - 60)).unwrap();
    let with = |cfg: &Path, quotes: Vec<PathBuf>| {
        let keys = cfg.parent().unwrap().join("keys");
        let mut attest = w.attest.clone();
        attest.policy = policy.clone();
        attest.price_quotes = quotes;
        attest.log_key = keys.join("log.key");
        attest.receipt_key = keys.join("receipt.key");
        attest
    };
    // Without a quote file, a node under this policy does not start.
    let unpriced = with(&w.b_cfg, vec![]);
    let mut cfg = load(&w.b_cfg);
    cfg.attest = Some(unpriced);
    let e = zktr_node::start(cfg)
        .await
        .expect_err("no quotes, strict policy");
    assert!(e.to_string().contains("price_quotes"), "{e}");

    let a_attest = with(&w.a_cfg, vec![quote.clone()]);
    let a = start(&w.a_cfg, move |c| c.attest = Some(a_attest)).await;
    let b_attest = with(&w.b_cfg, vec![quote.clone()]);
    let b = start(&w.b_cfg, move |c| c.attest = Some(b_attest)).await;
    w.peers(&a, &b);
    add_customer(&w.b_cfg, &b).await;

    // The back office says USD 1.00; 1.25 ETH at USD 2,000.00 is USD 2,500.00, which is
    // what is committed and proven at or above FATF's USD 1,000.00.
    let mut req = attested_request();
    req.fiat_value = 100;
    let sent = backoffice(&w.a_cfg, &a, move |bo| bo.send(req).unwrap()).await;
    assert_eq!(sent.state, "PENDING", "{sent:?}");
    let i = sent.id.clone();
    let on_a = backoffice(&w.a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    let bundle = zktr_records::ProofBundle::from_json(&on_a.bundle_json).unwrap();
    assert_eq!(bundle.version, 2);
    assert_eq!(bundle.claims[0].circuit, CircuitId::ThresholdV2);
    let q = bundle.price_quote.as_ref().expect("the quote travels");
    assert_eq!(q.quote.price_num, 200_000);
    assert_eq!(q.quote.fiat_value(1_250_000_000_000_000_000), Some(250_000));
    assert!(
        !on_a.receipt_json.is_empty(),
        "beta verified and receipted it"
    );

    // The publisher's file now holds a quote whose window has ended: the next transfer
    // is not committed at a stale price; it stops with the reason.
    std::fs::write(
        &quote,
        eth_quote(&price_key, t - 3_000, t - 1_000, t - 3_000),
    )
    .unwrap();
    let stopped = backoffice(&w.a_cfg, &a, |bo| bo.send(attested_request()).unwrap()).await;
    assert_ne!(stopped.state, "PENDING", "{stopped:?}");
    assert!(stopped.last_error.contains("price quote"), "{stopped:?}");
    assert!(stopped.last_error.contains("refresh"), "{stopped:?}");
    let i = stopped.id.clone();
    let on_b = backoffice(&w.b_cfg, &b, move |bo| bo.show(&i, false)).await;
    assert!(on_b.is_err(), "nothing reached beta");
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// The value of an unlabelled Prometheus sample `name` in `text`.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attested_transfers_are_verified_in_batches() {
    let w = world();
    let b = w.start(&w.b_cfg).await;
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
    std::fs::write(load(&w.b_cfg).peers.file, peer_text).unwrap();
    add_customer(&w.b_cfg, &b).await;
    let alpha = std::sync::Arc::new(dialer(&w.net, w.net.client("alpha.test")));
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
    let set = sanctions_set(&w.publisher, "zktr-test-names", vec![]);
    // One bundle in the middle is broken (a flipped proof byte): it is refused on its
    // own, the batch around it still verifies.
    let mut requests: Vec<wire::AttestedEnvelope> = (0..BATCH)
        .map(|i| {
            let mut log = CommitmentLog::new();
            craft_in(
                &format!("alpha-batch-{i}"),
                &mut log,
                &w.a_log,
                &set,
                &prover,
                &b_key,
            )
            .request
        })
        .collect();
    requests[3].bundle.as_mut().unwrap().claims[0].proof[40] ^= 1;

    let start = std::sync::Arc::new(tokio::sync::Barrier::new(BATCH));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, req) in requests.into_iter().enumerate() {
        let alpha = alpha.clone();
        let start = start.clone();
        let to = entry("beta.test", &b);
        tasks.spawn(async move {
            start.wait().await;
            (i, alpha.attested_transfer(&to, req).await)
        });
    }
    let mut replies = Vec::new();
    while let Some(r) = tasks.join_next().await {
        replies.push(r.unwrap());
    }
    replies.sort_by_key(|(i, _)| *i);
    for (i, reply) in &replies {
        let reply = reply.as_ref().unwrap();
        let error = &reply.envelope.as_ref().unwrap().error;
        if *i == 3 {
            let e = error.as_ref().expect("the broken bundle is refused");
            assert_eq!(e.code, ErrorCode::ComplianceCheckFail as i32);
            assert!(e.message.contains("bad proof"), "{}", e.message);
            assert!(reply.receipt_json.is_empty());
        } else {
            assert!(error.is_none(), "transfer {i}: {error:?}");
            assert!(!reply.receipt_json.is_empty());
        }
    }
    let metrics = b.core.metrics.encode();
    let bundles = sample(&metrics, "zktr_verify_batch_size_sum");
    let batches = sample(&metrics, "zktr_verify_batch_size_count");
    assert_eq!(bundles as usize, BATCH, "{metrics}");
    assert!(
        batches < BATCH as f64,
        "{BATCH} concurrent transfers were verified in {batches} batches: none shared one\n{metrics}"
    );
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zktr_node_describes_itself_to_any_client_of_a_trusted_ca() {
    let w = world();
    let b = w.start(&w.b_cfg).await;
    // A client beta does not know yet: discovery is how it finds beta's keys.
    let stranger = dialer(&w.net, w.net.client("gamma.test"));
    let d = stranger.describe(&entry("beta.test", &b)).await.unwrap();
    let keys = w.b_cfg.parent().unwrap().join("keys");
    let read = |f: &str| {
        std::fs::read_to_string(keys.join(f))
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(d.name, "beta.test");
    assert_eq!(d.log_id, "beta.test");
    assert_eq!(d.log_public_key, read("log.pub"));
    assert_eq!(d.receipt_public_key, read("receipt.pub"));
    assert!(d.protocols.contains(&"zktr.transfer.v1".to_string()));
    assert_eq!(d.bundle_version, zktr_records::BUNDLE_VERSION);
    assert_eq!(d.verifying_key_ids.len(), CircuitId::ALL.len());
    assert_eq!(d.jurisdiction, "FATF");
    // A plain node (no [attest]) answers UNIMPLEMENTED: it does not speak zktr.
    let plain = start(&w.a_cfg, |_| {}).await;
    let e = stranger
        .describe(&entry("alpha.test", &plain))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unimplemented);
    plain.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

#[test]
fn the_attested_bench_runs_and_reports() {
    // `zktr bench attested` with one transfer, on the test keys (made once per binary).
    let dir = tempfile::tempdir().unwrap();
    keys().save(dir.path(), now()).unwrap();
    let report = zktr_node::bench_attested::run(&zktr_node::bench_attested::AttestedBenchOptions {
        data: shared_data(),
        params: Some(dir.path().to_path_buf()),
        transfers: 1,
    })
    .unwrap();
    assert_eq!(report.transfer_times.len(), 1);
    assert_eq!(report.prove_times.len(), 1);
    assert!(
        report.verified >= 2,
        "the warm-up and the measured transfer"
    );
    assert!(report.layer_share() < 1.0);
    let text = report.to_string();
    assert!(
        text.contains("transfers/s") && text.contains("of a transfer"),
        "{text}"
    );
}
