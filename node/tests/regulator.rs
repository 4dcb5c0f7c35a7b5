//! The regulator's API and audit against two real nodes over mutual TLS, with real
//! Groth16 proofs: an audit of real attested transfers passes; a bundle and a receipt
//! tampered with in the store are reported with their reasons and the audit completes; a
//! certificate without the role is refused; disallowed or unknown disclosures are refused
//! with their kind; a disclosed slot opens C and a changed value does not; the audit log
//! is hash-linked, its signed head verifies, and it refuses changes. The report page is
//! rendered in headless Chromium (`scripts/install-chromium.sh`; under CI=true a missing
//! chromium fails the test, elsewhere it is skipped with a message).

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zktr_node::RunningNode;
use zktr_node::audit::{AuditRequest, CheckStatus, NoProgress, Regulator, Report};
use zktr_node::config::AttestConfig;
use zktr_node::init::SealingAlgorithm;
use zktr_node::regulator::{REFUSAL_KEY, RegulatorConfig};
use zktr_proto::zktr::admin::v1 as admin;
use zktr_records::policy_file::{PolicyFile, RequiredList, TrustedLog, TrustedPublisher};
use zktr_records::{ProofBundle, Receipt};
use zktr_sanctions::{BuildOptions, SanctionsSet};
use zktr_sanctions::{ListedParty, PartyKind, PartyName, SanctionsList};
use zktr_testkit::{EXAMPLE_POLICY_JSON, keys};
use zktr_verifier::{Policy, VerifyingKeys};

const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
const REGULATOR: &str = "regulator.test";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn read_key(path: &Path) -> SigningKey {
    let seed: [u8; 32] = hex::decode(std::fs::read_to_string(path).unwrap().trim())
        .unwrap()
        .try_into()
        .unwrap();
    SigningKey::from_bytes(&seed)
}

fn hex_pub(k: &SigningKey) -> String {
    hex::encode(k.verifying_key().to_bytes())
}

struct World {
    net: Net,
    a_cfg: PathBuf,
    b_cfg: PathBuf,
    attest: AttestConfig,
    policy: PathBuf,
    params: PathBuf,
    a_log: SigningKey,
    b_receipt: SigningKey,
}

fn world() -> World {
    let net = Net::new();
    let root = net.dir.path().to_path_buf();
    let params = root.join("params");
    keys().save(&params, now()).unwrap();
    let publisher = SigningKey::from_bytes(&[21; 32]);
    let list = SanctionsList {
        list_id: "zktr-test-names".into(),
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
    let sdn = root.join("test.zkts");
    SanctionsSet::build(
        &[list],
        &BuildOptions {
            key: &publisher,
            published_at: now() - 60,
        },
    )
    .unwrap()
    .save(&sdn)
    .unwrap();
    let a_cfg = net.node("alpha.test", SealingAlgorithm::X25519);
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    let a_log = read_key(&a_cfg.parent().unwrap().join("keys/log.key"));
    let b_receipt = read_key(&b_cfg.parent().unwrap().join("keys/receipt.key"));
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
    file.logs = vec![TrustedLog {
        log_id: "alpha.test".into(),
        public_key: hex_pub(&a_log),
        max_tree_head_age_seconds: Some(3600),
    }];
    let policy = root.join("policy.json");
    std::fs::write(&policy, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let attest = AttestConfig {
        params: params.clone(),
        policy: policy.clone(),
        sanctions: vec![sdn],
        jurisdiction: "FATF".into(),
        apply: vec![],
        log_key: PathBuf::new(),
        receipt_key: PathBuf::new(),
        log_id: None,
        allow_unattested: true,
        officers: vec![],
        price_quotes: vec![],
    };
    World {
        net,
        a_cfg,
        b_cfg,
        attest,
        policy,
        params,
        a_log,
        b_receipt,
    }
}

impl World {
    async fn start(&self, cfg: &Path) -> RunningNode {
        let keys = cfg.parent().unwrap().join("keys");
        let mut attest = self.attest.clone();
        attest.log_key = keys.join("log.key");
        attest.receipt_key = keys.join("receipt.key");
        start(cfg, move |c| {
            c.attest = Some(attest);
            c.regulator = Some(RegulatorConfig {
                names: vec![REGULATOR.into()],
                disclosable: None,
                audit_key: None,
            });
        })
        .await
    }

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

    fn audit_request(&self, node: &RunningNode, name: &str) -> AuditRequest {
        let mut receipt_keys = std::collections::BTreeMap::new();
        receipt_keys.insert("beta.test".to_string(), self.b_receipt.verifying_key());
        AuditRequest {
            endpoint: node.peer_addr.to_string(),
            server_name: "localhost".into(),
            identity: self.net.client_identity_again(REGULATOR),
            ca: vec![self.net.ca_cert()],
            from: now() - 3600,
            to: now() + 3600,
            policy: Arc::new(Policy::load(&self.policy).unwrap()),
            keys: Arc::new(VerifyingKeys::load(&self.params).unwrap()),
            jurisdictions: vec!["FATF".into()],
            receipt_keys,
            audit_key: (name == "alpha.test").then(|| self.a_log.verifying_key()),
            now: now(),
            timeout: Duration::from_secs(30),
        }
    }

    fn regulator(&self, node: &RunningNode, who: &str) -> Regulator {
        Regulator::new(
            self.net.client_identity_again(who),
            vec![self.net.ca_cert()],
            &node.peer_addr.to_string(),
            "localhost",
            Duration::from_secs(30),
        )
    }
}

fn attested_request(fiat_value: u64) -> admin::SendTransferRequest {
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
        fiat_value,
        fiat_currency: 840,
        asset_id: 60,
        asset_amount: "1250000000000000000".into(),
    }
}

fn refusal(s: &tonic::Status) -> String {
    s.metadata()
        .get(REFUSAL_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn sql(cfg: &Path) -> sqlx::SqlitePool {
    let db = load(cfg).database_path();
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(db)
                .busy_timeout(Duration::from_secs(10)),
        )
        .await
        .unwrap()
}

async fn run_audit(req: &AuditRequest) -> Report {
    tokio::time::timeout(
        Duration::from_secs(300),
        zktr_node::audit::audit(req, &NoProgress),
    )
    .await
    .expect("the audit finishes within 5 minutes")
    .expect("the audit runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regulator_audits_real_attested_transfers_and_tampering_is_reported() {
    let w = world();
    let a = w.start(&w.a_cfg).await;
    let b = w.start(&w.b_cfg).await;
    w.peers(&a, &b);
    backoffice(&w.b_cfg, &b, |bo| {
        bo.add_address(admin::CustomerAddress {
            address: ADDRESS.into(),
            network: String::new(),
            customer: String::new(),
        })
        .unwrap()
    })
    .await;
    w.net.client(REGULATOR);
    w.net.client("intruder.test");

    // Two real attested transfers: one above the FATF threshold, one below.
    let mut ids = Vec::new();
    for value in [250_000, 50_000] {
        let sent = tokio::time::timeout(
            Duration::from_secs(300),
            backoffice(&w.a_cfg, &a, move |bo| {
                bo.send(attested_request(value)).unwrap()
            }),
        )
        .await
        .expect("a transfer within 5 minutes");
        assert_eq!(sent.state, "PENDING", "{sent:?}");
        ids.push(sent.id);
    }

    // A certificate without the role is refused (and recorded).
    let intruder = w.regulator(&a, "intruder.test");
    let s = intruder
        .list(zktr_proto::zktr::regulator::v1::ListRequest {
            from: 0,
            to: now() + 60,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(s.code(), tonic::Code::PermissionDenied, "{s:?}");
    assert_eq!(refusal(&s), "not-regulator");
    let s = intruder
        .disclose(&ids[0], &["fiat_value"], "")
        .await
        .unwrap_err();
    assert_eq!(s.code(), tonic::Code::PermissionDenied);

    // The audit of alpha passes: every claim, receipt, inclusion and head.
    let report = run_audit(&w.audit_request(&a, "alpha.test")).await;
    let s = &report.summary;
    assert_eq!(s.transfers, 2, "{report:#?}");
    assert_eq!(s.failed, 0, "{:#?}", report.transfers);
    assert_eq!(s.claims, 8);
    assert_eq!(s.claims_verified, 8);
    assert_eq!(s.receipts_ok, 2);
    for t in &report.transfers {
        assert_eq!(t.log.inclusion.status, CheckStatus::Ok, "{t:?}");
        assert_eq!(t.log.consistency.status, CheckStatus::Ok, "{t:?}");
        assert_eq!(t.receipt.key_source, "pinned");
    }
    let fatf = s
        .thresholds
        .iter()
        .find(|j| j.jurisdiction == "FATF")
        .unwrap();
    assert_eq!((fatf.at_or_above, fatf.below), (1, 1));
    let log = report.log.as_ref().unwrap();
    assert_eq!(log.size, 2);
    assert_eq!(log.signature.status, CheckStatus::Ok);
    assert_eq!(
        report.audit_log.as_ref().unwrap().check.status,
        CheckStatus::Ok,
        "{:?}",
        report.audit_log
    );

    // The beneficiary's side: its own receipts, C in the sender's log (not applicable).
    let on_b = run_audit(&w.audit_request(&b, "beta.test")).await;
    assert_eq!(on_b.summary.transfers, 2);
    assert_eq!(on_b.summary.failed, 0, "{:#?}", on_b.transfers);
    assert!(
        on_b.transfers.iter().all(
            |t| t.role == "beneficiary" && t.log.inclusion.status == CheckStatus::NotApplicable
        )
    );

    // Disclosure: allowed slots open C, a changed value does not; nothing else is given.
    let reg = w.regulator(&a, REGULATOR);
    let d = reg
        .disclose(&ids[0], &["fiat_currency", "fiat_value"], "spot check")
        .await
        .unwrap();
    let (c, openings) = zktr_node::audit::disclosure_openings(&d).unwrap();
    assert_eq!(openings.len(), 2, "exactly the slots asked for");
    let names: Vec<&str> = d.openings.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["fiat_value", "fiat_currency"]);
    for o in &openings {
        o.verify(&c).unwrap();
    }
    assert_eq!(
        openings[0].value,
        zktr_circuits::field::fr_from_u64(250_000)
    );
    let mut forged = openings[0].clone();
    forged.value = zktr_circuits::field::fr_from_u64(99_999);
    assert!(
        forged.verify(&c).is_err(),
        "a changed value does not open C"
    );
    let checked = zktr_node::audit::check_disclosure(&d).unwrap();
    assert!(checked.iter().all(|o| o.result.is_ok()));
    assert_eq!(checked[0].value, "250000");
    // The same C as the attestation's.
    let got = reg.get(&ids[0]).await.unwrap();
    assert_eq!(got.attestation.unwrap().commitment, d.commitment);
    // The beneficiary can open the same slot from what it received.
    let d_b = w
        .regulator(&b, REGULATOR)
        .disclose(&ids[0], &["asset_amount"], "")
        .await
        .unwrap();
    let (c_b, o_b) = zktr_node::audit::disclosure_openings(&d_b).unwrap();
    assert_eq!(c_b, c);
    o_b[0].verify(&c).unwrap();

    // Refusals, typed.
    let s = reg
        .disclose(&ids[0], &["fiat_value", "originator_name_key"], "")
        .await
        .unwrap_err();
    assert_eq!(s.code(), tonic::Code::PermissionDenied);
    assert_eq!(refusal(&s), "slot-not-allowed");
    assert!(
        s.message().contains("originator_name_key"),
        "{}",
        s.message()
    );
    let s = reg
        .disclose("00000000-0000-4000-8000-000000000000", &["fiat_value"], "")
        .await
        .unwrap_err();
    assert_eq!(s.code(), tonic::Code::NotFound);
    assert_eq!(refusal(&s), "unknown-transfer");
    let s = reg.disclose(&ids[0], &["salary"], "").await.unwrap_err();
    assert_eq!(s.code(), tonic::Code::InvalidArgument);
    assert_eq!(refusal(&s), "unknown-slot");
    let s = reg.disclose(&ids[0], &[], "").await.unwrap_err();
    assert_eq!(refusal(&s), "no-slots");
    let s = reg.get("no-such-transfer").await.unwrap_err();
    assert_eq!(s.code(), tonic::Code::NotFound);

    // The audit log: every request recorded (refused ones too), no disclosed value in it,
    // hash-linked and signed; the regulator checks it under the pinned key.
    let log = reg
        .checked_audit_log(Some(&w.a_log.verifying_key()))
        .await
        .unwrap();
    log.verdict.unwrap();
    let (entries, head) = (log.entries, log.head);
    assert_eq!(head.size, entries.len() as u64);
    assert!(entries.iter().any(|e| e.caller == "intruder.test"
        && e.action == "list"
        && e.outcome.contains("not-regulator")));
    assert!(
        entries
            .iter()
            .any(|e| e.action == "disclose" && e.outcome.contains("slot-not-allowed"))
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == "disclose"
                && e.outcome == "ok: disclosed fiat_value, fiat_currency")
    );
    assert!(
        entries
            .iter()
            .all(|e| !e.outcome.contains("250000") && !e.subject.contains("250000"))
    );
    // Another key does not verify the head.
    let wrong = reg
        .checked_audit_log(Some(&SigningKey::from_bytes(&[5; 32]).verifying_key()))
        .await
        .unwrap();
    assert!(wrong.verdict.is_err());

    // The store refuses to change the audit log; an entry altered behind the triggers'
    // back breaks the chain.
    let pool = sql(&w.a_cfg).await;
    let e = sqlx::query("UPDATE regulator_audit SET outcome = 'ok' WHERE seq = 0")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(
        sqlx::query("DELETE FROM regulator_audit WHERE seq = 0")
            .execute(&pool)
            .await
            .is_err()
    );

    // Tamper with a bundle (one proof byte) and a receipt (its time) in alpha's store.
    let bundle: Vec<u8> =
        sqlx::query_scalar("SELECT bundle FROM attestations WHERE transfer_id = ?")
            .bind(&ids[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut tampered = ProofBundle::from_protobuf(&bundle).unwrap();
    tampered.claims[1].proof[40] ^= 1;
    sqlx::query("UPDATE attestations SET bundle = ? WHERE transfer_id = ?")
        .bind(tampered.to_protobuf())
        .bind(&ids[0])
        .execute(&pool)
        .await
        .unwrap();
    let receipt: String =
        sqlx::query_scalar("SELECT receipt FROM attestations WHERE transfer_id = ?")
            .bind(&ids[1])
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut r = Receipt::from_json(&receipt).unwrap();
    r.received_at += 7;
    sqlx::query("UPDATE attestations SET receipt = ? WHERE transfer_id = ?")
        .bind(r.to_json())
        .bind(&ids[1])
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let report = run_audit(&w.audit_request(&a, "alpha.test")).await;
    let s = &report.summary;
    assert_eq!(s.transfers, 2, "the audit went on");
    assert_eq!(s.failed, 2, "{:#?}", report.transfers);
    let t0 = report.transfers.iter().find(|t| t.id == ids[0]).unwrap();
    assert!(
        t0.findings.iter().any(|f| f.kind == "proof"),
        "{:?}",
        t0.findings
    );
    assert_eq!(t0.claims[1].check.status, CheckStatus::Failed);
    assert_eq!(t0.claims[0].check.status, CheckStatus::Ok);
    let t1 = report.transfers.iter().find(|t| t.id == ids[1]).unwrap();
    assert_eq!(t1.receipt.check.status, CheckStatus::Failed);
    assert!(t1.findings.iter().any(|f| f.kind == "receipt"));
    assert_eq!(
        t1.claims
            .iter()
            .filter(|c| c.check.status == CheckStatus::Ok)
            .count(),
        4
    );
    assert!(s.failures_by_kind.contains_key("proof"));
    assert!(s.failures_by_kind.contains_key("receipt"));

    // The page shows both failures with their reasons, and renders in Chromium.
    let out = w.net.dir.path().join("audit");
    let (json, page) = zktr_node::report::write(&report, &out).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(parsed["summary"]["failed"], 2);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(&ids[0]) && html.contains(&ids[1]));
    assert!(html.contains("bad proof"), "the proof failure's reason");
    assert!(
        html.contains("signature does not verify"),
        "the receipt's reason"
    );
    if let Some(rendered) = render(&page) {
        for needle in [
            "zktr audit of localhost",
            "2 of 2 transfer(s) failed",
            ids[0].as_str(),
            ids[1].as_str(),
            "bad proof",
            "the receipt's signature does not verify under this key",
            "Thresholds per jurisdiction",
        ] {
            assert!(rendered.contains(needle), "rendered page lacks {needle:?}");
        }
    }

    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// Renders `page` in headless Chromium: the DOM as text, and a screenshot that must be a
/// non-trivial PNG (larger than one of an empty page). `None` (with a message) when
/// chromium is missing outside CI; under CI=true a missing chromium fails.
fn render(page: &Path) -> Option<String> {
    let Some(chromium) = ["chromium", "chromium-browser"].iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }) else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "chromium is missing under CI: scripts/install-chromium.sh should have installed it"
            );
        }
        eprintln!("SKIPPED the Chromium rendering: no chromium (run scripts/install-chromium.sh)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[String], target: &Path| -> std::process::Output {
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,1600",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .args(extra)
        .arg(format!("file://{}", target.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let child = cmd.spawn().expect("chromium starts");
        let id = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(out) => out.expect("chromium ran"),
            Err(_) => {
                let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
                panic!("chromium did not finish within 120 s");
            }
        }
    };
    let started = Instant::now();
    let dom = run(&["--dump-dom".into()], page);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let text = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(text.contains("</html>"), "a whole DOM: {text:.200}");
    assert!(!text.contains("<script"), "no script in the page");

    let shot = dir.path().join("report.png");
    let out = run(&[format!("--screenshot={}", shot.display())], page);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blank_page = dir.path().join("blank.html");
    std::fs::write(&blank_page, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let blank = dir.path().join("blank.png");
    run(&[format!("--screenshot={}", blank.display())], &blank_page);
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert!(width >= 800 && height >= 600, "{width}x{height}");
    let blank_len = std::fs::metadata(&blank).map(|m| m.len()).unwrap_or(0);
    assert!(
        png.len() as u64 > 4 * blank_len.max(1000),
        "the screenshot ({} B) is not much more than an empty page's ({blank_len} B)",
        png.len()
    );
    eprintln!(
        "chromium rendered the report ({} B DOM, {width}x{height} PNG of {} B) in {:?}",
        text.len(),
        png.len(),
        started.elapsed()
    );
    if let Ok(keep) = std::env::var("ZKTR_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&shot, keep);
    }
    Some(text)
}

/// The page alone (no nodes): hostile text from the node is shown as text, and the page
/// renders in Chromium.
#[test]
fn the_report_page_escapes_what_the_node_says_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample_report();
    let (_, page) = zktr_node::report::write(&report, dir.path()).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    if let Some(text) = render(&page) {
        assert!(
            text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "shown as text"
        );
        assert!(text.contains("1 of 1 transfer(s) failed"));
    }
}

fn sample_report() -> Report {
    use zktr_node::audit::*;
    let check = |status: CheckStatus, reason: &str| Check {
        status,
        reason: reason.into(),
    };
    Report {
        node: "alpha.test".into(),
        endpoint: "127.0.0.1:4000".into(),
        from: 1_767_225_600,
        to: 1_767_312_000,
        generated_at: 1_767_312_000,
        policy: "test policy".into(),
        jurisdictions: vec!["FATF".into()],
        dev_keys: true,
        summary: Summary {
            transfers: 1,
            failed: 1,
            claims: 1,
            claims_failed: 1,
            ..Default::default()
        },
        log: None,
        audit_log: None,
        transfers: vec![TransferResult {
            id: "0199-<script>alert(1)</script>".into(),
            role: "originator".into(),
            peer: "beta\"><img src=x>".into(),
            state: "PENDING".into(),
            created_at: "2026-01-01T00:00:00.000000Z".into(),
            txid: String::new(),
            commitment: "0x01".into(),
            jurisdiction: "FATF".into(),
            threshold: String::new(),
            proven: None,
            claims: vec![ClaimResult {
                claim: "threshold".into(),
                check: check(CheckStatus::Failed, "bad proof: it does not verify"),
            }],
            bundle_problems: vec![],
            receipt: ReceiptResult {
                check: check(CheckStatus::Missing, "no receipt"),
                beneficiary: String::new(),
                received_at: 0,
                key_source: String::new(),
            },
            log: LogPosition {
                log_id: "alpha.test".into(),
                tree_size: 1,
                tree_time: 1_767_225_600,
                leaf_index: Some(0),
                inclusion: check(CheckStatus::Ok, "leaf 0 of 1"),
                consistency: check(CheckStatus::Ok, ""),
            },
            findings: vec![Finding {
                kind: "proof".into(),
                reason: "claim 0 (threshold): bad proof".into(),
            }],
            passed: false,
        }],
    }
}
