//! `zktr bench audit`: the regulator's audit of many attested transfers, time and memory
//! (issue 15, "Performance": an audit of 1,000 transfers).
//!
//! [`run`] makes one originating node (`node init` in a temporary folder, a dev CA, the
//! real OFAC SDN list signed by a bench publisher, a policy trusting the node's log and the
//! publisher), fills its database with `transfers` attested transfers, starts it in this
//! process with its regulator API, and runs the auditor as *its own process*
//! (`zktr bench audit --auditor JOB`, [`run_auditor`]: the same library calls as
//! `zktr regulator audit`, i.e. load the policy and the verifying keys,
//! [`crate::audit::audit`] over gRPC and mutual TLS on loopback, [`crate::report::write`]),
//! so that its peak resident memory (`VmHWM`) is the auditor's alone.
//!
//! ## The shortcut: `distinct` proved transfers, `transfers` stored ones
//!
//! Proving a transfer takes about 3 s on 2 cores, so 1,000 would take most of an hour.
//! Instead `distinct` transfers (default 8) are proved for real ([`Originator::prepare`]:
//! commit, append to the log, sign a tree head, prove the four claims), alternately above
//! and below the FATF threshold, and each of the `transfers` stored transfers reuses the
//! bundle of proved transfer `j % distinct`. What the audit checks per transfer stays real
//! and is done once per transfer:
//!
//! * every proof is *re-randomized* (`Groth16::rerandomize_proof`: a fresh proof of the
//!   same statement, statistically indistinguishable from a new one), so the auditor
//!   batch-verifies `4 x transfers` distinct valid proofs; batch verification's cost does
//!   not depend on whether statements repeat (no verifier step is cached or deduplicated);
//! * every transfer has its own id and its own receipt, signed by the beneficiary's real
//!   Ed25519 key over (this id, `C`, the tree head, received_at), checked under the key the
//!   auditor pins;
//! * every transfer's `C` is looked up and its inclusion proof computed by the node and
//!   verified by the auditor against the node's current signed head.
//!
//! Transfers that share a bundle share its `C` and its tree head. The log therefore holds
//! `transfers - distinct` other commitments first (random field elements standing for
//! earlier transfers) and the proved ones last, so it has `transfers` leaves (inclusion
//! paths as deep as a real log's) and every `C` sits at the end: the node's lookup of a
//! `C` (a scan of the leaves in order) costs as much as for the newest transfer, more than
//! the average of a real log, never less. What is *not* as in a real period: the audit
//! sees `distinct` tree heads, so it fetches `distinct - 1` consistency proofs where a
//! node that signed a head per transfer would make it fetch one per transfer. The bench
//! measures that difference separately in the same run (`transfers - distinct` more
//! consistency proofs fetched over the same connection and verified) and reports both
//! figures and their sum. The transfers carry no stored payload or envelopes (the audit
//! never reads them).

use crate::audit::{AuditRequest, Regulator, Report};
use crate::certs::{self, IssueRequest, KeyAlgorithm, Usage};
use crate::config::{AttestConfig, NodeConfig};
use crate::flow::{Originator, SystemClock, ThresholdRule};
use crate::init::{self, InitRequest, SealingAlgorithm};
use crate::regulator::RegulatorConfig;
use crate::store::Store;
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::{fr_from_be_bytes, fr_to_be_bytes};
use zktr_circuits::trees::log::CommitmentLog;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_records::encoding::{proof_from_bytes, proof_to_bytes};
use zktr_records::policy_file::{PolicyFile, RequiredList, TrustedLog, TrustedPublisher};
use zktr_records::{ProofBundle, Receipt, SignedTreeHead};
use zktr_verifier::{Policy, VerifyingKeys};

/// The beneficiary's customer address every bench transfer pays.
const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
const NODE: &str = "alpha.bench";
const BENEFICIARY: &str = "beta.bench";
const REGULATOR: &str = "regulator.bench";

/// Why the bench could not run.
#[derive(Debug, thiserror::Error)]
#[error("bench audit: {0}")]
pub struct AuditBenchError(String);

fn err(what: impl core::fmt::Display) -> AuditBenchError {
    AuditBenchError(what.to_string())
}

/// What to run.
#[derive(Debug, Clone)]
pub struct AuditBenchOptions {
    /// The `zktr` binary: the auditor runs as `EXE bench audit --auditor JOB`.
    pub exe: PathBuf,
    /// The shared data folder (`ivms101/trisa/identity_payload.json`,
    /// `sanctions/ofac/...`).
    pub data: PathBuf,
    /// Proving keys (`zktr setup --out DIR` or a ceremony's params); `None`: make dev
    /// keys for this run (about a minute on 2 cores).
    pub params: Option<PathBuf>,
    /// Stored attested transfers the audit covers.
    pub transfers: usize,
    /// Transfers proved for real (the others reuse their bundles, re-randomized).
    pub distinct: usize,
    /// Copy `report.json` and `report.html` here.
    pub keep: Option<PathBuf>,
}

/// What the auditor process was asked to do (written as JSON for `--auditor`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditorJob {
    /// The node's peer port.
    pub endpoint: String,
    /// The name on its certificate.
    pub server_name: String,
    /// The regulator's certificate and key (PEM).
    pub cert: PathBuf,
    /// Its key.
    pub key: PathBuf,
    /// The CA of the node's certificate.
    pub ca: PathBuf,
    /// The auditor's policy.
    pub policy: PathBuf,
    /// The verifying keys' folder.
    pub params: PathBuf,
    /// Period start (unix seconds).
    pub from: u64,
    /// Period end (exclusive).
    pub to: u64,
    /// Where report.json and report.html go.
    pub out: PathBuf,
    /// Pinned receipt keys (hex) by beneficiary.
    pub receipt_keys: BTreeMap<String, String>,
    /// The node's audit-log key (hex), pinned.
    pub audit_key: Option<String>,
}

/// What the auditor process measured of itself (one JSON line on its stdout).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditorOutcome {
    /// Loading the policy and the verifying keys, ms.
    pub load_ms: f64,
    /// [`crate::audit::audit`]: fetch, verify, check, ms.
    pub audit_ms: f64,
    /// Writing report.json and report.html, ms.
    pub write_ms: f64,
    /// The audit's stages ([`crate::audit::Progress::stage`]) and their times, ms.
    pub stages: Vec<(String, f64)>,
    /// `VmHWM` of the auditor process at the end, KiB.
    pub peak_rss_kib: Option<u64>,
    /// Transfers in the report.
    pub transfers: u64,
    /// Transfers that passed every check.
    pub passed: u64,
    /// Claims in the bundles.
    pub claims: u64,
    /// Claims verified.
    pub claims_verified: u64,
    /// Receipts that verified.
    pub receipts_ok: u64,
    /// Failures by kind.
    pub failures_by_kind: BTreeMap<String, u64>,
    /// Tree heads of the node's log the audit saw (distinct sizes).
    pub heads_seen: u64,
    /// Whether the node's audit log checked.
    pub audit_log_ok: bool,
    /// Size of report.json, bytes.
    pub json_bytes: u64,
    /// Size of report.html, bytes.
    pub html_bytes: u64,
}

/// What was measured.
#[derive(Debug, Clone)]
pub struct AuditBenchReport {
    /// Stored transfers audited.
    pub transfers: usize,
    /// Transfers proved for real.
    pub distinct: usize,
    /// Proving the distinct transfers.
    pub prove: Duration,
    /// Writing the stored transfers (one transaction).
    pub store: Duration,
    /// The auditor process from spawn to exit.
    pub audit_wall: Duration,
    /// What the auditor measured of itself.
    pub auditor: AuditorOutcome,
    /// Consistency proofs the audit did not need because transfers share tree heads,
    /// fetched and verified afterwards over one connection: (count, time).
    pub extra_consistency: (usize, Duration),
    /// `/proc/loadavg` at the start and before the audit.
    pub load: (String, String),
    /// Where the report was kept, if asked.
    pub kept: Option<PathBuf>,
}

impl AuditBenchReport {
    /// The audit's wall time plus the consistency proofs a node signing one tree head per
    /// transfer would have added (the upper bound of a real period's audit).
    pub fn worst_case(&self) -> Duration {
        self.audit_wall + self.extra_consistency.1
    }
}

impl core::fmt::Display for AuditBenchReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = &self.auditor;
        let s = |d: Duration| d.as_secs_f64();
        writeln!(
            f,
            "regulator audit of {} attested transfers ({} proved, proofs re-randomized), one node on loopback, gRPC + mutual TLS",
            self.transfers, self.distinct
        )?;
        writeln!(
            f,
            "  load: {} at start, {} before the audit; {} cores",
            self.load.0.trim(),
            self.load.1.trim(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        )?;
        writeln!(
            f,
            "  set-up: proving {} transfers {:.1} s, storing {} transfers {:.2} s",
            self.distinct,
            s(self.prove),
            self.transfers,
            s(self.store)
        )?;
        writeln!(
            f,
            "  audit (auditor process, spawn to exit): {:.2} s = {:.1} ms/transfer",
            s(self.audit_wall),
            1e3 * s(self.audit_wall) / self.transfers.max(1) as f64
        )?;
        writeln!(
            f,
            "    inside: load policy + verifying keys {:.0} ms, fetch + verify + check {:.0} ms, write report {:.0} ms",
            a.load_ms, a.audit_ms, a.write_ms
        )?;
        if !a.stages.is_empty() {
            let parts: Vec<String> = a
                .stages
                .iter()
                .map(|(name, t)| format!("{name} {t:.0} ms"))
                .collect();
            writeln!(f, "    stages: {}", parts.join(", "))?;
        }
        writeln!(
            f,
            "  auditor peak resident memory (VmHWM): {}",
            a.peak_rss_kib.map_or("unknown".to_string(), |k| format!(
                "{:.1} MiB",
                k as f64 / 1024.0
            ))
        )?;
        writeln!(
            f,
            "  report: {} transfers, {} passed, claims verified {}/{}, receipts ok {}, {} tree heads seen, audit log {}",
            a.transfers,
            a.passed,
            a.claims_verified,
            a.claims,
            a.receipts_ok,
            a.heads_seen,
            if a.audit_log_ok { "ok" } else { "FAILED" }
        )?;
        writeln!(
            f,
            "  report.json {:.1} KiB, report.html {:.1} KiB",
            a.json_bytes as f64 / 1024.0,
            a.html_bytes as f64 / 1024.0
        )?;
        writeln!(
            f,
            "  + {} consistency proofs a head-per-transfer log would add: {:.2} s (worst case total {:.2} s)",
            self.extra_consistency.0,
            s(self.extra_consistency.1),
            s(self.worst_case())
        )?;
        match &self.kept {
            Some(p) => write!(f, "  report kept in {}", p.display()),
            None => write!(f, "  (--keep DIR keeps report.json and report.html)"),
        }
    }
}

fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times the audit's stages.
#[derive(Default)]
struct Stages(std::sync::Mutex<Vec<(String, Instant)>>);

impl crate::audit::Progress for Stages {
    fn set_total(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn stage(&self, what: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push((what.to_string(), Instant::now()));
        }
    }
}

impl Stages {
    /// Each stage with its time until the next one (the last until `end`).
    fn times(&self, end: Instant) -> Vec<(String, f64)> {
        let v = self.0.lock().map(|v| v.clone()).unwrap_or_default();
        v.iter()
            .enumerate()
            .map(|(i, (name, at))| {
                let next = v.get(i + 1).map_or(end, |n| n.1);
                (name.clone(), ms(next.saturating_duration_since(*at)))
            })
            .collect()
    }
}

/// The auditor's side (`zktr bench audit --auditor JOB`): what `zktr regulator audit`
/// does, measured from inside.
pub fn run_auditor(job: &Path) -> Result<AuditorOutcome, AuditBenchError> {
    crate::tls::install_crypto_provider();
    let job: AuditorJob = serde_json::from_slice(&std::fs::read(job).map_err(err)?).map_err(err)?;
    let t = Instant::now();
    let identity = crate::tls::Identity::load(&job.cert, &job.key).map_err(err)?;
    let policy = Policy::load(&job.policy).map_err(err)?;
    let keys = VerifyingKeys::load(&job.params).map_err(err)?;
    let mut receipt_keys = BTreeMap::new();
    for (name, k) in &job.receipt_keys {
        let key = crate::attest::parse_public_key(k).ok_or_else(|| err("a receipt key"))?;
        receipt_keys.insert(name.clone(), key);
    }
    let request = AuditRequest {
        endpoint: job.endpoint.clone(),
        server_name: job.server_name.clone(),
        identity,
        ca: vec![job.ca.clone()],
        from: job.from,
        to: job.to,
        policy: Arc::new(policy),
        keys: Arc::new(keys),
        jurisdictions: vec!["FATF".into()],
        receipt_keys,
        audit_key: job
            .audit_key
            .as_deref()
            .and_then(crate::attest::parse_public_key),
        now: now(),
        timeout: Duration::from_secs(120),
    };
    let load_ms = ms(t.elapsed());
    let runtime = crate::server::runtime().map_err(err)?;
    let t = Instant::now();
    let stages = Stages::default();
    let report: Report = runtime
        .block_on(crate::audit::audit(&request, &stages))
        .map_err(err)?;
    let end = Instant::now();
    let audit_ms = ms(end - t);
    let stages = stages.times(end);
    let t = Instant::now();
    let (json, html) = crate::report::write(&report, &job.out).map_err(err)?;
    let write_ms = ms(t.elapsed());
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let s = &report.summary;
    Ok(AuditorOutcome {
        load_ms,
        audit_ms,
        write_ms,
        stages,
        peak_rss_kib: peak_rss_kib(),
        transfers: s.transfers,
        passed: s.passed,
        claims: s.claims,
        claims_verified: s.claims_verified,
        receipts_ok: s.receipts_ok,
        failures_by_kind: s.failures_by_kind.clone(),
        heads_seen: report.log.as_ref().map_or(0, |l| l.heads_seen),
        audit_log_ok: report
            .audit_log
            .as_ref()
            .is_some_and(|l| l.check.status == crate::audit::CheckStatus::Ok),
        json_bytes: size(&json),
        html_bytes: size(&html),
    })
}

/// A random field element standing for an earlier transfer's commitment.
fn filler() -> Commitment {
    let mut b: [u8; 32] = zktr_trisa::crypto::random_bytes();
    b[0] &= 0x0f; // below the BN254 scalar modulus
    Commitment(fr_from_be_bytes(&b).unwrap_or_default())
}

/// Runs the bench (see the module docs).
pub fn run(opts: &AuditBenchOptions) -> Result<AuditBenchReport, AuditBenchError> {
    crate::tls::install_crypto_provider();
    let n = opts.transfers.max(1);
    let k = opts.distinct.clamp(1, n);
    let load0 = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let tmp = tempfile::tempdir().map_err(err)?;
    let root = tmp.path();
    let identity_json = std::fs::read_to_string(
        opts.data.join("ivms101/trisa/identity_payload.json"),
    )
    .map_err(|e| {
        err(format!(
            "the IVMS101 identity in {}: {e}",
            opts.data.display()
        ))
    })?;

    let (params, publisher, set, set_path) = crate::bench_attested::bench_keys_and_set(
        opts.params.as_deref(),
        &opts.data,
        root,
        "bench audit",
    )
    .map_err(err)?;

    // The node, its CA, the regulator's certificate, the beneficiary's receipt key.
    let ca = root.join("ca");
    certs::init_ca(
        &ca,
        "bench network CA",
        2,
        KeyAlgorithm::EcdsaP256,
        time::OffsetDateTime::now_utc(),
    )
    .map_err(err)?;
    let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    let node_dir = root.join(NODE);
    let config = init::init(&InitRequest {
        dir: node_dir.clone(),
        name: NODE.into(),
        ca: Some(ca.clone()),
        sans: vec![],
        listen: [any, any, any],
        sealing: SealingAlgorithm::X25519,
    })
    .map_err(err)?
    .config;
    let regulator = certs::issue(
        &ca,
        &IssueRequest {
            common_name: REGULATOR.into(),
            sans: vec!["localhost".into()],
            usage: Usage::Client,
            validity_days: 2,
            algorithm: KeyAlgorithm::EcdsaP256,
        },
        &root.join("regulator"),
        time::OffsetDateTime::now_utc(),
    )
    .map_err(err)?;
    let log_key = crate::attest::read_seed(&node_dir.join("keys/log.key")).map_err(err)?;
    let receipt_key = SigningKey::from_bytes(&zktr_trisa::crypto::random_bytes());

    let mut file: PolicyFile =
        serde_json::from_str(zktr_records::policy_file::EXAMPLE_POLICY_JSON).map_err(err)?;
    file.sanctions_publishers = vec![TrustedPublisher {
        name: "bench publisher".into(),
        public_key: hex::encode(publisher.verifying_key().to_bytes()),
        max_age_seconds: 86_400,
        lists: vec![RequiredList {
            list_id: set.signed_root().record.list_id.clone(),
            min_version: None,
            max_age_seconds: None,
            min_key_count: None,
        }],
    }];
    file.logs = vec![TrustedLog {
        log_id: NODE.into(),
        public_key: hex::encode(log_key.verifying_key().to_bytes()),
        max_tree_head_age_seconds: Some(3600),
    }];
    file.verifying_keys.allow_dev_keys = true;
    let policy = root.join("policy.json");
    std::fs::write(&policy, serde_json::to_string_pretty(&file).map_err(err)?).map_err(err)?;

    // Prove `k` transfers, after `n - k` earlier commitments in the log.
    let prover = Prover::new(
        ProvingKeys::load(&params).map_err(err)?,
        Parallelism::default(),
    )
    .map_err(err)?;
    let identity = match zktr_ivms101::Document::from_json(&identity_json)
        .map_err(err)?
        .0
    {
        zktr_ivms101::Document::IdentityPayload(i) => i,
        _ => return Err(err("the identity file is not an IdentityPayload")),
    };
    let txn = zktr_trisa::Transaction {
        beneficiary: ADDRESS.into(),
        originator: "0x1111111111111111111111111111111111111111".into(),
        amount: 1.25,
        network: "ETH".into(),
        asset_type: "ETH".into(),
        ..Default::default()
    };
    let payload = crate::exchange::new_payload(&identity, &txn);
    let recipient = zktr_trisa::SealingKey::generate_x25519().public_key();
    let mut log = CommitmentLog::new();
    let fillers: Vec<Commitment> = (0..n - k).map(|_| filler()).collect();
    log.extend(&fillers).map_err(err)?;
    let mut originator = Originator {
        log_id: NODE.into(),
        log,
        log_key: log_key.clone(),
        prover: &prover,
        sanctions: std::slice::from_ref(&set),
        clock: &SystemClock,
    };
    let t = Instant::now();
    let mut proved: Vec<(ProofBundle, uuid::Uuid)> = Vec::with_capacity(k);
    for i in 0..k {
        let above = i % 2 == 0;
        let fiat_value = if above { 250_000 } else { 50_000 };
        let rule = ThresholdRule {
            jurisdiction: "FATF".into(),
            threshold: 100_000,
            currency: 840,
            direction: if above {
                ThresholdDirection::AtOrAbove
            } else {
                ThresholdDirection::Below
            },
        };
        let details = crate::commit::TransferDetails {
            fiat_value,
            fiat_currency: 840,
            asset_id: zktr_circuits::field::Word248::new(zktr_circuits::field::fr_from_u64(60))
                .map_err(err)?,
            asset_amount: 1_250_000_000_000_000_000,
            beneficiary_address: ADDRESS.into(),
            envelope_id: uuid::Uuid::new_v4(),
            originator_vasp_id: NODE.into(),
            beneficiary_vasp_id: BENEFICIARY.into(),
            committed_at: 0,
        };
        let out = originator
            .prepare(&payload, &details, &rule, &recipient)
            .map_err(err)?;
        proved.push((out.bundle, details.envelope_id));
        eprint!("\rbench audit: proved {}/{k}", i + 1);
    }
    eprintln!();
    let prove = t.elapsed();
    let log = originator.log;
    drop(prover);

    // Store `n` attested transfers: transfer j carries bundle j % k, its proofs
    // re-randomized, and a receipt of its own.
    let vks = VerifyingKeys::load(&params).map_err(err)?;
    let mut rng = zktr_prover::os_rng().map_err(err)?;
    // The proofs of a bundle, each re-randomized (a fresh proof of the same statement).
    let mut rerandomized = |b: &ProofBundle| -> Result<ProofBundle, AuditBenchError> {
        let mut b = b.clone();
        for c in &mut b.claims {
            let vk = vks
                .for_circuit(c.circuit)
                .ok_or_else(|| err(format!("no verifying key for {}", c.circuit)))?
                .vk();
            let p = proof_from_bytes(&c.proof).map_err(err)?;
            let p = ark_groth16::Groth16::<ark_bn254::Bn254>::rerandomize_proof(vk, &p, &mut rng);
            c.proof = proof_to_bytes(&p);
        }
        Ok(b)
    };
    let cfg = NodeConfig::load(&config).map_err(err)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(err)?;
    let received_at = now();
    let t = Instant::now();
    let start = time::OffsetDateTime::now_utc() - time::Duration::seconds(60);
    let mut rows = Vec::with_capacity(n);
    for j in 0..n {
        let (bundle, first_id) = &proved[j % k];
        let id = if j < k {
            first_id.to_string()
        } else {
            uuid::Uuid::new_v4().to_string()
        };
        let bundle = rerandomized(bundle)?;
        let receipt = Receipt::sign(
            &id,
            bundle.commitment,
            bundle.tree_head.clone(),
            BENEFICIARY,
            received_at,
            &receipt_key,
        );
        let created = crate::exchange::stamp(start + time::Duration::milliseconds(j as i64));
        rows.push((id, created, bundle, receipt.to_json()));
    }
    let heads: Vec<SignedTreeHead> = proved.iter().map(|(b, _)| b.tree_head.clone()).collect();
    runtime.block_on(async {
        let store = Store::open(&cfg.database_path()).await.map_err(err)?;
        let mut tx = store.writer().begin().await.map_err(err)?;
        for (h, i, v) in log.changed_nodes(0) {
            sqlx::query("INSERT INTO log_nodes (height, idx, value) VALUES (?, ?, ?)")
                .bind(i64::from(h))
                .bind(i as i64)
                .bind(fr_to_be_bytes(&v).to_vec())
                .execute(&mut *tx)
                .await
                .map_err(err)?;
        }
        for (j, (id, created, bundle, receipt)) in rows.iter().enumerate() {
            sqlx::query(
                "INSERT INTO transfers (id, role, peer, state, created_at, updated_at, attested)
                 VALUES (?, 'originator', ?, 'ACCEPTED', ?, ?, 1)",
            )
            .bind(id)
            .bind(BENEFICIARY)
            .bind(created)
            .bind(created)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "INSERT INTO transfer_events (transfer_id, seq, at, state, note) VALUES (?, 0, ?, 'ACCEPTED', 'bench audit')",
            )
            .bind(id)
            .bind(created)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            sqlx::query(
                "INSERT INTO attestations (transfer_id, commitment, log_index, bundle, receipt)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(fr_to_be_bytes(&bundle.commitment.0).to_vec())
            .bind((n - k + j % k) as i64)
            .bind(bundle.to_protobuf())
            .bind(receipt)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)?;
        for h in &heads {
            store.put_log_head(h).await.map_err(err)?;
        }
        store.close().await;
        Ok::<_, AuditBenchError>(())
    })?;
    let store_time = t.elapsed();
    drop(rows);

    // Start the node with its regulator API.
    let mut c = cfg.clone();
    let keys = node_dir.join("keys");
    c.attest = Some(AttestConfig {
        params: params.clone(),
        policy: policy.clone(),
        sanctions: vec![set_path.clone()],
        jurisdiction: "FATF".into(),
        apply: vec![],
        log_key: keys.join("log.key"),
        receipt_key: keys.join("receipt.key"),
        log_id: None,
        allow_unattested: false,
        officers: vec![],
        price_quotes: vec![],
    });
    c.regulator = Some(RegulatorConfig {
        names: vec![REGULATOR.into()],
        disclosable: None,
        audit_key: None,
    });
    eprintln!("bench audit: starting the node (loading keys and the set)...");
    let node = runtime.block_on(crate::start(c)).map_err(err)?;

    // The auditor, its own process.
    let out = root.join("audit");
    let job = AuditorJob {
        endpoint: node.peer_addr.to_string(),
        server_name: "localhost".into(),
        cert: regulator.cert.clone(),
        key: regulator.key.clone(),
        ca: ca.join(certs::CA_CERT),
        policy: policy.clone(),
        params: params.clone(),
        from: now() - 3600,
        to: now() + 3600,
        out: out.clone(),
        receipt_keys: [(
            BENEFICIARY.to_string(),
            hex::encode(receipt_key.verifying_key().to_bytes()),
        )]
        .into(),
        audit_key: Some(hex::encode(log_key.verifying_key().to_bytes())),
    };
    let job_path = root.join("auditor-job.json");
    std::fs::write(&job_path, serde_json::to_vec(&job).map_err(err)?).map_err(err)?;
    let load1 = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("bench audit: auditing {n} transfers (auditor process)...");
    let result = (|| {
        let t = Instant::now();
        let mut child = Command::new(&opts.exe)
            .args(["bench", "audit", "--auditor"])
            .arg(&job_path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(format!("starting {}: {e}", opts.exe.display())))?;
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let Some(mut o) = child.stdout.take() {
            o.read_to_string(&mut stdout).map_err(err)?;
        }
        if let Some(mut e) = child.stderr.take() {
            e.read_to_string(&mut stderr).map_err(err)?;
        }
        let status = child.wait().map_err(err)?;
        let wall = t.elapsed();
        if !status.success() {
            return Err(err(format!(
                "the auditor process failed ({status}): {}{}",
                stdout.trim(),
                stderr.trim()
            )));
        }
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .ok_or_else(|| err(format!("the auditor printed no result: {stdout}{stderr}")))?;
        let outcome: AuditorOutcome = serde_json::from_str(line).map_err(err)?;
        Ok((wall, outcome))
    })();

    // The consistency proofs a head-per-transfer log would add: one per other size.
    let extra = result.as_ref().ok().map(|_| {
        runtime.block_on(async {
            let identity =
                crate::tls::Identity::load(&regulator.cert, &regulator.key).map_err(err)?;
            let client = Regulator::new(
                identity,
                vec![ca.join(certs::CA_CERT)],
                &node.peer_addr.to_string(),
                "localhost",
                Duration::from_secs(60),
            );
            let current = SignedTreeHead {
                log_id: NODE.into(),
                size: log.len(),
                root: log.root(),
                time: 0,
                signature: [0; 64],
            };
            let sizes: Vec<u64> = (1..=(n - k) as u64).collect();
            let t = Instant::now();
            for &size in &sizes {
                let old = SignedTreeHead {
                    size,
                    root: log.root_at(size).map_err(err)?,
                    ..current.clone()
                };
                client.consistency(&old, &current).await.map_err(err)?;
            }
            Ok::<_, AuditBenchError>((sizes.len(), t.elapsed()))
        })
    });
    drop(runtime.block_on(node.shutdown()));
    let (audit_wall, auditor) = result?;
    let extra_consistency = extra.transpose()?.unwrap_or_default();
    let kept = match &opts.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(err)?;
            for f in ["report.json", "report.html"] {
                std::fs::copy(out.join(f), dir.join(f)).map_err(err)?;
            }
            Some(dir.clone())
        }
        None => None,
    };
    Ok(AuditBenchReport {
        transfers: n,
        distinct: k,
        prove,
        store: store_time,
        audit_wall,
        auditor,
        extra_consistency,
        load: (load0, load1),
        kept,
    })
}
