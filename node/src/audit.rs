//! The regulator's audit of one node over a period (`zktr regulator audit`, issue 15):
//! fetch every attestation of the period from the node's regulator API, then check, for
//! each transfer, everything a supervisor can check without decrypting anything:
//!
//! 1. *claims*: every bundle batch-verified under the auditor's policy and verifying keys
//!    ([`zktr_verifier::verify_bundles`]: the proofs that share a key in one batch, a bad
//!    one named with its bundle and claim). Freshness (the tree head's and the sanctions
//!    root's age) is judged at the time the transfer was received (the receipt's
//!    `received_at`, else the record's creation), not at audit time: a transfer that was
//!    fresh when it travelled does not fail an audit a year later.
//! 2. *receipt*: the beneficiary's signature under its receipt key (one the auditor
//!    pinned for that beneficiary, else the key the node reports, and the report says
//!    which), and that it names this envelope, this `C` and this tree head.
//! 3. *inclusion*: for transfers the node originated, `C`'s inclusion proof against the
//!    node's current signed tree head (itself signed by a log key the policy trusts).
//! 4. *consistency*: every tree head seen (in bundles and receipts) against the current
//!    head: a consistency proof from the node's log service for each size of its own log,
//!    and no two heads of one log and size with different roots.
//! 5. *the audit log*: the node's log of regulator requests, hash-linked and its head
//!    signed ([`zktr_records::audit_log::verify_chain`]).
//!
//! A failed check is a finding with its kind and reason in the [`Report`]; the audit goes
//! on. Only what stops the audit as a whole (the node cannot be reached, the policy
//! cannot be used) is an [`AuditError`]. [`crate::report`] writes the report's JSON and
//! HTML.

use crate::client::Dialer;
use crate::config::PeerEntry;
use crate::tls::Identity;
use ed25519_dalek::VerifyingKey;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tonic::Status;
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::{fr_from_be_bytes, fr_to_hex};
use zktr_circuits::trees::log::{ConsistencyProof, InclusionProof, LogRoot};
use zktr_proto::zktr::regulator::v1 as wire;
use zktr_proto::zktr::regulator::v1::regulator_client::RegulatorClient;
use zktr_records::{ProofBundle, Receipt, SignedTreeHead};
use zktr_verifier::claim_name;
use zktr_verifier::{Accepted, Policy, Reason, Rejection, VerifyRequest, VerifyingKeys};

/// Why the audit could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The node refused or could not be reached.
    #[error("the node answered {:?}: {}", .0.code(), .0.message())]
    Call(Status),
    /// The request is unusable.
    #[error("{0}")]
    Invalid(String),
    /// A background task failed.
    #[error("the verification task failed")]
    Task,
}

/// Most attestations one audit fetches (a node that pages beyond is refused).
pub const MAX_ATTESTATIONS: usize = 10_000_000;
/// Most audit-log entries read.
pub const MAX_AUDIT_ENTRIES: usize = 10_000_000;

/// What to audit, with what.
pub struct AuditRequest {
    /// The node's peer port (`host:port`).
    pub endpoint: String,
    /// The name its certificate carries.
    pub server_name: String,
    /// The regulator's TLS identity (its CN must have the role on the node).
    pub identity: Identity,
    /// CAs trusted for the node's certificate.
    pub ca: Vec<std::path::PathBuf>,
    /// The period, unix seconds: `[from, to)`.
    pub from: u64,
    /// End of the period (exclusive).
    pub to: u64,
    /// The policy the bundles are verified under.
    pub policy: Arc<Policy>,
    /// The verifying keys.
    pub keys: Arc<VerifyingKeys>,
    /// The policy jurisdictions whose threshold rule the verification applies.
    pub jurisdictions: Vec<String>,
    /// Receipt keys pinned by the auditor, by beneficiary name.
    pub receipt_keys: BTreeMap<String, VerifyingKey>,
    /// The node's audit-log key, if the auditor pinned it.
    pub audit_key: Option<VerifyingKey>,
    /// The audit's time (unix seconds).
    pub now: u64,
    /// Deadline of each call.
    pub timeout: Duration,
}

impl core::fmt::Debug for AuditRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuditRequest")
            .field("endpoint", &self.endpoint)
            .field("from", &self.from)
            .field("to", &self.to)
            .finish_non_exhaustive()
    }
}

/// Where the audit is (for a progress bar).
pub trait Progress: Send + Sync {
    /// The number of steps is known (or grew).
    fn set_total(&self, total: u64);
    /// `n` steps done.
    fn advance(&self, n: u64);
    /// What is being done now.
    fn stage(&self, what: &str);
}

/// No progress display.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn set_total(&self, _: u64) {}
    fn advance(&self, _: u64) {}
    fn stage(&self, _: &str) {}
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It holds.
    Ok,
    /// It does not (see the reason).
    Failed,
    /// Nothing to check (e.g. no receipt for a rejected transfer).
    Missing,
    /// The check does not apply (e.g. inclusion of a received transfer in our log).
    NotApplicable,
}

/// One check with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Its outcome.
    pub status: CheckStatus,
    /// Why (for failures), or a note.
    pub reason: String,
}

impl Check {
    fn ok(note: impl Into<String>) -> Self {
        Self {
            status: CheckStatus::Ok,
            reason: note.into(),
        }
    }
    fn failed(reason: impl Into<String>) -> Self {
        Self {
            status: CheckStatus::Failed,
            reason: reason.into(),
        }
    }
    fn with(status: CheckStatus, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }
}

/// One claim of one bundle.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimResult {
    /// `threshold`, `committed`, `not_sanctioned.originator`, ...
    pub claim: String,
    /// Verified or failed, with the reasons.
    pub check: Check,
}

/// One failed check of a transfer.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `bundle`, `proof`, `policy`, `freshness`, `receipt`, `inclusion`, `consistency`.
    pub kind: String,
    /// Why.
    pub reason: String,
}

/// A transfer's receipt, as checked.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptResult {
    /// The check.
    pub check: Check,
    /// The beneficiary named in it.
    pub beneficiary: String,
    /// Its `received_at` (unix seconds; 0 if none).
    pub received_at: u64,
    /// Where the key came from: `pinned`, `node`, or empty.
    pub key_source: String,
}

/// Where `C` sits in the log.
#[derive(Debug, Clone, Serialize)]
pub struct LogPosition {
    /// The log of the bundle's tree head.
    pub log_id: String,
    /// The bundle's tree head: size and time.
    pub tree_size: u64,
    /// Its time (unix seconds).
    pub tree_time: u64,
    /// `C`'s leaf index (from the inclusion proof; `None` for received transfers).
    pub leaf_index: Option<u64>,
    /// Inclusion against the node's current head.
    pub inclusion: Check,
    /// Consistency of the bundle's head with the current head.
    pub consistency: Check,
}

/// What a verified threshold claim proved.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ProvenSide {
    /// `at_or_above` or `below`.
    pub direction: &'static str,
    /// The claim's threshold (minor units).
    pub threshold: u64,
    /// ISO 4217 numeric currency.
    pub currency: u16,
}

/// One transfer of the report.
#[derive(Debug, Clone, Serialize)]
pub struct TransferResult {
    /// The transfer (envelope) id.
    pub id: String,
    /// `originator` or `beneficiary`.
    pub role: String,
    /// The counterparty.
    pub peer: String,
    /// TRISA state.
    pub state: String,
    /// When the node created the record (RFC 3339).
    pub created_at: String,
    /// The on-chain transaction id, if completed.
    pub txid: String,
    /// `C` (hex).
    pub commitment: String,
    /// The jurisdiction the bundle names.
    pub jurisdiction: String,
    /// What the threshold claim proved, in words (if the bundle verified).
    pub threshold: String,
    /// The same as data.
    pub proven: Option<ProvenSide>,
    /// Each claim.
    pub claims: Vec<ClaimResult>,
    /// Problems of the bundle as a whole (not of one claim).
    pub bundle_problems: Vec<String>,
    /// The receipt.
    pub receipt: ReceiptResult,
    /// The log position.
    pub log: LogPosition,
    /// Every failed check, by kind.
    pub findings: Vec<Finding>,
    /// Whether every check passed.
    pub passed: bool,
}

/// Per policy jurisdiction: how many verified transfers are proven on each side of its
/// threshold.
#[derive(Debug, Clone, Serialize)]
pub struct JurisdictionCount {
    /// The policy key (`FATF`, `US`, ...).
    pub jurisdiction: String,
    /// Its thresholds, in words.
    pub thresholds: String,
    /// Proven at or above it.
    pub at_or_above: u64,
    /// Proven below it.
    pub below: u64,
    /// The proven threshold implies neither side (or another currency).
    pub undetermined: u64,
}

/// The summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Attested transfers in the period.
    pub transfers: u64,
    /// Transfers whose every check passed.
    pub passed: u64,
    /// Transfers with at least one failed check.
    pub failed: u64,
    /// Claims in all bundles.
    pub claims: u64,
    /// Claims verified.
    pub claims_verified: u64,
    /// Claims failed.
    pub claims_failed: u64,
    /// Receipts that check.
    pub receipts_ok: u64,
    /// Receipts that do not.
    pub receipts_failed: u64,
    /// Transfers without a receipt.
    pub receipts_missing: u64,
    /// Failed checks by kind.
    pub failures_by_kind: BTreeMap<String, u64>,
    /// Per policy jurisdiction.
    pub thresholds: Vec<JurisdictionCount>,
}

/// The node's log as the audit saw it.
#[derive(Debug, Clone, Serialize)]
pub struct LogSummary {
    /// The node's log id.
    pub log_id: String,
    /// Its current head's size.
    pub size: u64,
    /// Its root (hex).
    pub root: String,
    /// Its time.
    pub time: u64,
    /// The head's signature under the policy's key for this log.
    pub signature: Check,
    /// Distinct tree heads seen in the period's bundles and receipts.
    pub heads_seen: u64,
}

/// The node's audit log of regulator requests, as checked.
#[derive(Debug, Clone, Serialize)]
pub struct AuditLogSummary {
    /// Entries.
    pub size: u64,
    /// Hash of the last entry (hex).
    pub head_hash: String,
    /// The chain and the signed head.
    pub check: Check,
    /// Where the key came from (`pinned` or `node`) and the key (hex).
    pub key: String,
}

/// The whole audit.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The node audited (its certificate name).
    pub node: String,
    /// Its address.
    pub endpoint: String,
    /// The period (unix seconds, `[from, to)`).
    pub from: u64,
    /// End of the period.
    pub to: u64,
    /// When the audit ran.
    pub generated_at: u64,
    /// The policy's name.
    pub policy: String,
    /// The jurisdictions applied.
    pub jurisdictions: Vec<String>,
    /// Whether some verifying key is a single-party dev key.
    pub dev_keys: bool,
    /// The summary.
    pub summary: Summary,
    /// The node's log.
    pub log: Option<LogSummary>,
    /// The node's audit log.
    pub audit_log: Option<AuditLogSummary>,
    /// One entry per transfer.
    pub transfers: Vec<TransferResult>,
}

fn fr32(b: &[u8]) -> Option<zktr_circuits::Fr> {
    let arr: [u8; 32] = b.try_into().ok()?;
    fr_from_be_bytes(&arr).ok()
}

fn head_from_wire(h: &zktr_proto::zktr::bundle::v1::SignedTreeHead) -> Option<SignedTreeHead> {
    Some(SignedTreeHead {
        log_id: h.log_id.clone(),
        size: h.size,
        root: LogRoot(fr32(&h.root)?),
        time: h.time,
        signature: h.signature.as_slice().try_into().ok()?,
    })
}

/// A node's audit log as read and checked.
#[derive(Debug, Clone)]
pub struct CheckedAuditLog {
    /// Every entry from 0, up to the head's size.
    pub entries: Vec<zktr_records::audit_log::AuditEntry>,
    /// The signed head.
    pub head: zktr_records::audit_log::SignedAuditHead,
    /// Whether the chain and the head's signature check.
    pub verdict: Result<(), String>,
    /// The key used: pinned or as the node states it.
    pub key_source: String,
}

/// A regulator's async client of one node.
pub struct Regulator {
    dialer: Dialer,
    node: PeerEntry,
    timeout: Duration,
}

impl core::fmt::Debug for Regulator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Regulator")
            .field("node", &self.node.endpoint)
            .finish()
    }
}

impl Regulator {
    /// A client presenting `identity` to the node at `endpoint` (certificate name
    /// `server_name`), trusting `ca`.
    pub fn new(
        identity: Identity,
        ca: Vec<std::path::PathBuf>,
        endpoint: &str,
        server_name: &str,
        timeout: Duration,
    ) -> Self {
        crate::tls::install_crypto_provider();
        Self {
            dialer: Dialer::new(identity, ca, vec![], 64 << 20, timeout),
            node: PeerEntry {
                name: server_name.to_string(),
                endpoint: endpoint.to_string(),
                server_name: Some(server_name.to_string()),
                ca: None,
                fingerprint: None,
                zktr: true,
                log_key: None,
                receipt_key: None,
            },
            timeout,
        }
    }

    fn client(&self) -> Result<RegulatorClient<tonic::transport::Channel>, Status> {
        Ok(RegulatorClient::new(self.dialer.channel(&self.node)?)
            .max_decoding_message_size(64 << 20))
    }

    fn request<T>(&self, m: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(m);
        r.set_timeout(self.timeout);
        r
    }

    /// One page of attestations.
    pub async fn list(&self, req: wire::ListRequest) -> Result<wire::ListReply, Status> {
        Ok(self
            .client()?
            .list_attestations(self.request(req))
            .await?
            .into_inner())
    }

    /// One attestation.
    pub async fn get(&self, transfer_id: &str) -> Result<wire::GetReply, Status> {
        Ok(self
            .client()?
            .get_attestation(self.request(wire::GetRequest {
                transfer_id: transfer_id.to_string(),
            }))
            .await?
            .into_inner())
    }

    /// Disclosure of `slots` of one transfer.
    pub async fn disclose(
        &self,
        transfer_id: &str,
        slots: &[&str],
        reason: &str,
    ) -> Result<wire::Disclosure, Status> {
        Ok(self
            .client()?
            .disclose(self.request(wire::DiscloseRequest {
                transfer_id: transfer_id.to_string(),
                slots: slots.iter().map(|s| s.to_string()).collect(),
                reason: reason.to_string(),
            }))
            .await?
            .into_inner())
    }

    /// A page of the audit log.
    pub async fn audit_log(&self, from_seq: u64, limit: u32) -> Result<wire::AuditLog, Status> {
        Ok(self
            .client()?
            .get_audit_log(self.request(wire::AuditLogRequest { from_seq, limit }))
            .await?
            .into_inner())
    }

    /// The whole audit log, checked: every entry from 0 linked and hashed, ending at the
    /// signed head (under `pinned`, else the key the node states). Returns the entries,
    /// the head and the key used.
    pub async fn checked_audit_log(
        &self,
        pinned: Option<&VerifyingKey>,
    ) -> Result<CheckedAuditLog, Status> {
        let mut entries = Vec::new();
        let mut last;
        loop {
            let page = self.audit_log(entries.len() as u64, 1000).await?;
            let n = page.entries.len();
            for e in &page.entries {
                entries.push(
                    crate::regulator::entry_from_wire(e)
                        .ok_or_else(|| Status::data_loss("a malformed audit entry"))?,
                );
            }
            last = page;
            let size = last.head.as_ref().map(|h| h.size).unwrap_or(0);
            if n == 0 || entries.len() as u64 >= size || entries.len() > MAX_AUDIT_ENTRIES {
                break;
            }
        }
        let head = last
            .head
            .as_ref()
            .and_then(crate::regulator::head_from_wire)
            .ok_or_else(|| Status::data_loss("a malformed audit head"))?;
        // Pages fetched later cover a longer log: check the prefix the head signs.
        entries.truncate(head.size as usize);
        let (key, source) = match pinned {
            Some(k) => (Some(*k), format!("pinned {}", hex::encode(k.to_bytes()))),
            None => (
                crate::attest::parse_public_key(&last.public_key),
                format!("as the node states: {}", last.public_key),
            ),
        };
        let verdict = match key {
            None => Err("the node states no usable audit key".to_string()),
            Some(k) => zktr_records::audit_log::verify_chain(&entries, &head, &k)
                .map_err(|e| e.to_string()),
        };
        Ok(CheckedAuditLog {
            entries,
            head,
            verdict,
            key_source: source,
        })
    }

    /// Fetches the consistency proof from `old` to `new` from the node's log service and
    /// checks it against both roots (what the audit does for each size it saw; public for
    /// `zktr bench audit`).
    pub async fn consistency(
        &self,
        old: &SignedTreeHead,
        new: &SignedTreeHead,
    ) -> Result<(), String> {
        let p = self
            .dialer
            .log_consistency(&self.node, old.size, new.size)
            .await
            .map_err(|s| format!("the node's log service: {}", s.message()))?;
        let hashes = p
            .hashes
            .iter()
            .map(|h| fr32(h))
            .collect::<Option<Vec<_>>>()
            .ok_or("a malformed consistency proof")?;
        let proof = ConsistencyProof {
            old_size: old.size,
            new_size: new.size,
            hashes,
        };
        if p.old_size != old.size || p.new_size != new.size {
            return Err("the consistency proof is for other sizes".into());
        }
        proof.verify(&old.root, &new.root).map_err(|_| {
            format!(
                "tree head {} is not consistent with the current head {}: the log forked or was rewritten",
                old.size, new.size
            )
        })
    }
}

/// A fetched attestation with the current head of its page.
struct Fetched {
    a: wire::Attestation,
    head: Option<SignedTreeHead>,
}

fn kind_of(reason: &Reason) -> &'static str {
    match reason {
        Reason::BadProof | Reason::MalformedProof(_) => "proof",
        Reason::StaleTreeHead { .. }
        | Reason::FutureTreeHead { .. }
        | Reason::StaleSanctionsRoot { .. }
        | Reason::FutureSanctionsRoot { .. } => "freshness",
        _ => "policy",
    }
}

fn direction_word(d: ThresholdDirection) -> &'static str {
    match d {
        ThresholdDirection::AtOrAbove => "at or above",
        ThresholdDirection::Below => "below",
    }
}

/// Runs the audit (async: inside the caller's runtime).
pub async fn audit(req: &AuditRequest, progress: &dyn Progress) -> Result<Report, AuditError> {
    if req.to <= req.from {
        return Err(AuditError::Invalid(
            "the period is empty: --to must be after --from".into(),
        ));
    }
    let client = Regulator::new(
        req.identity.clone(),
        req.ca.clone(),
        &req.endpoint,
        &req.server_name,
        req.timeout,
    );
    // 1. Fetch every page.
    progress.stage("fetching attestations");
    let mut fetched: Vec<Fetched> = Vec::new();
    let mut token = String::new();
    let mut current: Option<SignedTreeHead> = None;
    loop {
        let page = client
            .list(wire::ListRequest {
                from: req.from,
                to: req.to,
                page_token: token.clone(),
                page_size: 100,
            })
            .await
            .map_err(AuditError::Call)?;
        if token.is_empty() {
            // Fetch, then verify: twice the transfers, plus the logs' checks.
            progress.set_total(page.total.saturating_mul(2).saturating_add(2));
        }
        let head = page.current_head.as_ref().and_then(head_from_wire);
        if let Some(h) = &head
            && current.as_ref().is_none_or(|c| h.size > c.size)
        {
            current = Some(h.clone());
        }
        progress.advance(page.attestations.len() as u64);
        for a in page.attestations {
            fetched.push(Fetched {
                a,
                head: head.clone(),
            });
        }
        if page.next_page_token.is_empty() {
            break;
        }
        // A node that pages forever (or repeats a page) cannot hold the audit.
        if page.next_page_token == token || fetched.len() > MAX_ATTESTATIONS {
            return Err(AuditError::Invalid(format!(
                "the node keeps paging (more than {MAX_ATTESTATIONS} attestations, or a repeated page)"
            )));
        }
        token = page.next_page_token;
    }

    // 2. Decode the bundles and batch-verify them (freshness judged per transfer below).
    progress.stage("verifying bundles");
    let decoded: Vec<Result<ProofBundle, String>> = fetched
        .iter()
        .map(|f| match &f.a.bundle {
            None => Err("no bundle".to_string()),
            Some(b) => ProofBundle::from_message(b.clone()).map_err(|e| e.to_string()),
        })
        .collect();
    let ok_bundles: Vec<ProofBundle> = decoded.iter().filter_map(|b| b.clone().ok()).collect();
    let timeless = Arc::new(without_age_bounds(&req.policy));
    let keys = req.keys.clone();
    let jurisdictions = req.jurisdictions.clone();
    let now = req.now;
    let verify_policy = timeless.clone();
    let results: Vec<Result<Accepted, Rejection>> = tokio::task::spawn_blocking(move || {
        let request = VerifyRequest {
            now,
            jurisdictions,
            transfer: None,
            seen_lists: None,
        };
        zktr_verifier::verify_bundles(&ok_bundles, &keys, &verify_policy, &request)
    })
    .await
    .map_err(|_| AuditError::Task)?;
    let mut results = results.into_iter();

    // 3. The node's current head, under the policy's key for its log.
    let log = current.as_ref().map(|h| {
        let signature = match req.policy.logs.get(&h.log_id) {
            None => Check::failed(format!("the policy does not trust log {:?}", h.log_id)),
            Some((k, _)) => match h.verify(k) {
                Ok(()) => Check::ok("signed by the log key the policy trusts"),
                Err(e) => Check::failed(e.to_string()),
            },
        };
        LogSummary {
            log_id: h.log_id.clone(),
            size: h.size,
            root: fr_to_hex(&h.root.0),
            time: h.time,
            signature,
            heads_seen: 0,
        }
    });
    let current_ok = log
        .as_ref()
        .is_some_and(|l| l.signature.status == CheckStatus::Ok);

    // 4. Consistency of every head seen with the current head (one proof per size), and
    // no two heads of one log and size with different roots.
    progress.stage("checking the log");
    let mut heads: BTreeMap<(String, u64), BTreeSet<String>> = BTreeMap::new();
    for b in decoded.iter().flatten() {
        heads
            .entry((b.tree_head.log_id.clone(), b.tree_head.size))
            .or_default()
            .insert(fr_to_hex(&b.tree_head.root.0));
    }
    for f in &fetched {
        if let Ok(r) = Receipt::from_json(&f.a.receipt_json) {
            heads
                .entry((r.tree_head.log_id.clone(), r.tree_head.size))
                .or_default()
                .insert(fr_to_hex(&r.tree_head.root.0));
        }
    }
    let mut consistency: BTreeMap<(String, u64), Result<(), String>> = BTreeMap::new();
    for ((log_id, size), roots) in &heads {
        if roots.len() > 1 {
            consistency.insert(
                (log_id.clone(), *size),
                Err(format!(
                    "log {log_id} has {} different roots at size {size}: it forked",
                    roots.len()
                )),
            );
        }
    }
    if let Some(cur) = &current {
        let mut sizes: BTreeMap<u64, SignedTreeHead> = BTreeMap::new();
        let page_heads = fetched.iter().filter_map(|f| f.head.as_ref());
        for h in decoded
            .iter()
            .flatten()
            .map(|b| &b.tree_head)
            .chain(page_heads)
        {
            if h.log_id == cur.log_id {
                sizes.entry(h.size).or_insert_with(|| h.clone());
            }
        }
        for (size, old) in sizes {
            let key = (cur.log_id.clone(), size);
            if consistency.contains_key(&key) {
                continue;
            }
            let verdict = if !current_ok {
                Err("the current tree head is not signed by a trusted log key".to_string())
            } else if size > cur.size {
                Err(format!(
                    "tree head {size} is larger than the current head {}: the log shrank",
                    cur.size
                ))
            } else if size == cur.size {
                if old.root == cur.root {
                    Ok(())
                } else {
                    Err(format!(
                        "two different roots at size {size}: the log forked"
                    ))
                }
            } else {
                client.consistency(&old, cur).await
            };
            consistency.insert(key, verdict);
        }
    }
    progress.advance(1);

    // 5. Each transfer.
    let mut transfers = Vec::with_capacity(fetched.len());
    for (f, bundle) in fetched.iter().zip(&decoded) {
        let verified = match bundle {
            Ok(_) => results.next(),
            Err(_) => None,
        };
        transfers.push(check_transfer(
            req,
            f,
            bundle,
            verified,
            current.as_ref(),
            current_ok,
            &consistency,
        ));
        progress.advance(1);
    }

    // 6. The audit log of our own requests (this audit's are in it).
    progress.stage("checking the audit log");
    let audit_log = match client.checked_audit_log(req.audit_key.as_ref()).await {
        Ok(log) => Some(AuditLogSummary {
            size: log.head.size,
            head_hash: hex::encode(log.head.head_hash),
            check: match log.verdict {
                Ok(()) => Check::ok("hash-linked from entry 0, head signature verified"),
                Err(e) => Check::failed(e),
            },
            key: log.key_source,
        }),
        Err(s) => Some(AuditLogSummary {
            size: 0,
            head_hash: String::new(),
            check: Check::failed(format!("could not fetch it: {}", s.message())),
            key: String::new(),
        }),
    };
    progress.advance(1);

    let summary = summarize(&transfers, &req.policy);
    let mut log = log;
    if let Some(l) = &mut log {
        l.heads_seen = heads.len() as u64;
    }
    Ok(Report {
        node: req.server_name.clone(),
        endpoint: req.endpoint.clone(),
        from: req.from,
        to: req.to,
        generated_at: req.now,
        policy: req.policy.file.name.clone(),
        jurisdictions: req.jurisdictions.clone(),
        dev_keys: req
            .keys
            .iter()
            .any(|k| k.ceremony == zktr_records::manifest::SINGLE_PARTY_DEV),
        summary,
        log,
        audit_log,
        transfers,
    })
}

/// The policy with no age bounds: the audit judges age at the time of receipt itself.
fn without_age_bounds(p: &Policy) -> Policy {
    let mut p = p.clone();
    for (_, (_, max_age)) in p.logs.iter_mut() {
        *max_age = None;
    }
    for l in &mut p.lists {
        l.max_age_seconds = u64::MAX;
    }
    p
}

#[allow(clippy::too_many_arguments)]
fn check_transfer(
    req: &AuditRequest,
    f: &Fetched,
    bundle: &Result<ProofBundle, String>,
    verified: Option<Result<Accepted, Rejection>>,
    current: Option<&SignedTreeHead>,
    current_ok: bool,
    consistency: &BTreeMap<(String, u64), Result<(), String>>,
) -> TransferResult {
    let a = &f.a;
    let mut findings = Vec::new();
    let mut find = |kind: &str, reason: String| {
        findings.push(Finding {
            kind: kind.to_string(),
            reason,
        })
    };
    let commitment = fr32(&a.commitment);
    let mut claims = Vec::new();
    let mut bundle_problems = Vec::new();
    let mut threshold = String::new();
    let mut proven_side = None;
    let mut jurisdiction = String::new();
    match (bundle, &verified) {
        (Err(e), _) => {
            find("bundle", format!("the bundle does not decode: {e}"));
            bundle_problems.push(format!("does not decode: {e}"));
        }
        (Ok(b), v) => {
            jurisdiction = b.jurisdiction.clone();
            if commitment.is_some_and(|c| c != b.commitment.0) {
                find(
                    "bundle",
                    "the bundle's C is not the transfer's stored C".into(),
                );
                bundle_problems.push("its C is not the transfer's stored C".into());
            }
            let rejection = match v {
                Some(Err(r)) => Some(r),
                _ => None,
            };
            for (i, c) in b.claims.iter().enumerate() {
                let reasons: Vec<String> = rejection
                    .map(|r| {
                        r.problems
                            .iter()
                            .filter(|p| p.claim.map(|(j, _)| j) == Some(i))
                            .map(|p| p.reason.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                claims.push(ClaimResult {
                    claim: claim_name(c.circuit).to_string(),
                    check: if reasons.is_empty() {
                        Check::ok("verified")
                    } else {
                        Check::failed(reasons.join("; "))
                    },
                });
            }
            // An officer's clearance stands in for a party's screening claim; the policy
            // decides whether it is accepted (its problems are the bundle's).
            for c in &b.clearances {
                claims.push(ClaimResult {
                    claim: format!("not_sanctioned.{} (cleared)", c.slot.party()),
                    check: if matches!(v, Some(Ok(_))) {
                        Check::ok(format!(
                            "name hit on {} {} cleared by officer {} of {} ({})",
                            c.list_id, c.list_version, c.officer, c.vasp, c.basis
                        ))
                    } else {
                        Check::failed("the bundle was rejected (see its problems)")
                    },
                });
            }
            if let Some(r) = rejection {
                for p in &r.problems {
                    find(kind_of(&p.reason), p.to_string());
                    if p.claim.is_none() {
                        bundle_problems.push(p.reason.to_string());
                    }
                }
            }
            if let Some(Ok(acc)) = v
                && let Some(t) = &acc.threshold
            {
                threshold = format!(
                    "{} {} (minor units, currency {})",
                    direction_word(t.direction),
                    t.threshold,
                    t.currency
                );
                proven_side = Some(ProvenSide {
                    direction: match t.direction {
                        ThresholdDirection::AtOrAbove => "at_or_above",
                        ThresholdDirection::Below => "below",
                    },
                    threshold: t.threshold,
                    currency: t.currency,
                });
            }
        }
    }

    // Receipt.
    let receipt = if a.receipt_json.is_empty() {
        ReceiptResult {
            check: Check::with(
                CheckStatus::Missing,
                format!("no receipt (state {})", a.state),
            ),
            beneficiary: String::new(),
            received_at: 0,
            key_source: String::new(),
        }
    } else {
        match Receipt::from_json(&a.receipt_json) {
            Err(e) => {
                find("receipt", format!("the receipt does not parse: {e}"));
                ReceiptResult {
                    check: Check::failed(format!("does not parse: {e}")),
                    beneficiary: String::new(),
                    received_at: 0,
                    key_source: String::new(),
                }
            }
            Ok(r) => {
                let (key, source) = match req.receipt_keys.get(&r.beneficiary) {
                    Some(k) => (Some(*k), "pinned"),
                    None => (crate::attest::parse_public_key(&a.receipt_key), "node"),
                };
                let check = match (key, bundle) {
                    (None, _) => Check::failed("no receipt key for this beneficiary"),
                    (Some(k), Ok(b)) => {
                        match r.verify_for(&k, &a.transfer_id, &b.commitment, &b.tree_head) {
                            Ok(()) => Check::ok(format!("signed by {}", r.beneficiary)),
                            Err(e) => Check::failed(e.to_string()),
                        }
                    }
                    (Some(k), Err(_)) => match r.verify(&k) {
                        Ok(()) => Check::ok("signature ok (the bundle does not decode)"),
                        Err(e) => Check::failed(e.to_string()),
                    },
                };
                if check.status == CheckStatus::Failed {
                    find("receipt", format!("receipt: {}", check.reason));
                }
                ReceiptResult {
                    check,
                    beneficiary: r.beneficiary.clone(),
                    received_at: r.received_at,
                    key_source: source.to_string(),
                }
            }
        }
    };

    // Freshness at the time of receipt (else of the record's creation).
    if let Ok(b) = bundle {
        let as_of = if receipt.check.status == CheckStatus::Ok {
            receipt.received_at
        } else {
            crate::exchange::parse_time(&a.created_at)
                .map(|t| t.unix_timestamp().max(0) as u64)
                .unwrap_or(req.now)
        };
        for why in freshness(b, &req.policy, as_of) {
            find("freshness", why);
        }
    }

    // Log position: inclusion against the current head, consistency of the bundle's head.
    let (log_id, tree_size, tree_time) = match bundle {
        Ok(b) => (
            b.tree_head.log_id.clone(),
            b.tree_head.size,
            b.tree_head.time,
        ),
        Err(_) => (String::new(), 0, 0),
    };
    let originator = a.role == "originator";
    let mut leaf_index = None;
    let inclusion = if !originator {
        Check::with(
            CheckStatus::NotApplicable,
            "received: C is in the sender's log (the committed claim proves it under the bundle's head)",
        )
    } else {
        let page_head = f.head.as_ref().or(current);
        let page_head_ok = page_head.is_some_and(|h| {
            current_ok
                && req
                    .policy
                    .logs
                    .get(&h.log_id)
                    .is_some_and(|(k, _)| h.verify(k).is_ok())
        });
        match (&a.inclusion, page_head, commitment) {
            (None, _, _) => Check::failed("the node gave no inclusion proof"),
            (_, None, _) => Check::failed("the node gave no current tree head"),
            (_, _, None) => Check::failed("the stored C is not a field element"),
            (Some(p), Some(cur), Some(c)) => {
                leaf_index = Some(p.leaf_index);
                let proof = p
                    .siblings
                    .iter()
                    .map(|s| fr32(s))
                    .collect::<Option<Vec<_>>>()
                    .map(|siblings| InclusionProof {
                        index: p.leaf_index,
                        size: p.tree_size,
                        siblings,
                    });
                match proof {
                    None => Check::failed("a malformed inclusion proof"),
                    Some(_) if p.tree_size != cur.size => {
                        Check::failed("the inclusion proof is not for the current head's size")
                    }
                    Some(pr) => match pr.verify(&Commitment(c), &cur.root) {
                        Ok(()) if page_head_ok => Check::ok(format!(
                            "leaf {} of {} (current head)",
                            p.leaf_index, cur.size
                        )),
                        Ok(()) => Check::failed(
                            "included, but the current head is not signed by a trusted log key",
                        ),
                        Err(_) => Check::failed(
                            "the inclusion proof does not verify against the current head",
                        ),
                    },
                }
            }
        }
    };
    if inclusion.status == CheckStatus::Failed {
        find("inclusion", inclusion.reason.clone());
    }
    let cons = match consistency.get(&(log_id.clone(), tree_size)) {
        Some(Ok(())) => Check::ok("consistent with the current head"),
        Some(Err(e)) => Check::failed(e.clone()),
        None if originator => Check::failed("not checked: no current head of this log"),
        None => Check::with(
            CheckStatus::NotApplicable,
            "the sender's log (no other head of that size seen)",
        ),
    };
    if cons.status == CheckStatus::Failed {
        find("consistency", cons.reason.clone());
    }
    let passed = findings.is_empty();
    TransferResult {
        id: a.transfer_id.clone(),
        role: a.role.clone(),
        peer: a.peer.clone(),
        state: a.state.clone(),
        created_at: a.created_at.clone(),
        txid: a.txid.clone(),
        commitment: commitment.map(|c| fr_to_hex(&c)).unwrap_or_default(),
        jurisdiction,
        threshold,
        proven: proven_side,
        claims,
        bundle_problems,
        receipt,
        log: LogPosition {
            log_id,
            tree_size,
            tree_time,
            leaf_index,
            inclusion,
            consistency: cons,
        },
        findings,
        passed,
    }
}

/// The tree head's and the sanctions root's age at `as_of`, under the policy's bounds.
fn freshness(b: &ProofBundle, policy: &Policy, as_of: u64) -> Vec<String> {
    let mut out = Vec::new();
    let skew = policy.clock_skew();
    if let Some((_, Some(max))) = policy.logs.get(&b.tree_head.log_id) {
        let t = b.tree_head.time;
        if t > as_of.saturating_add(skew) {
            out.push(format!(
                "the tree head is dated {} s after the transfer was received",
                t - as_of
            ));
        } else if as_of.saturating_sub(t) > *max {
            out.push(format!(
                "the tree head was {} s old when the transfer was received; the policy allows {max} s",
                as_of.saturating_sub(t)
            ));
        }
    }
    for sr in b.sanctions_roots() {
        let r = &sr.record;
        let Some(rule) = policy.lists.iter().find(|l| l.is_list_of(r)) else {
            continue;
        };
        let t = r.published_at;
        if t > as_of.saturating_add(skew) {
            out.push(format!(
                "the root of sanctions list {:?} is dated {} s after the transfer was received",
                r.list_id,
                t - as_of
            ));
        } else if as_of.saturating_sub(t) > rule.max_age_seconds {
            out.push(format!(
                "the root of sanctions list {:?} was {} s old when the transfer was received; the policy allows {} s",
                r.list_id,
                as_of.saturating_sub(t),
                rule.max_age_seconds
            ));
        }
    }
    out
}

fn summarize(transfers: &[TransferResult], policy: &Policy) -> Summary {
    let mut s = Summary {
        transfers: transfers.len() as u64,
        ..Summary::default()
    };
    for t in transfers {
        if t.passed {
            s.passed += 1;
        } else {
            s.failed += 1;
        }
        for c in &t.claims {
            s.claims += 1;
            if c.check.status == CheckStatus::Ok {
                s.claims_verified += 1;
            } else {
                s.claims_failed += 1;
            }
        }
        match t.receipt.check.status {
            CheckStatus::Ok => s.receipts_ok += 1,
            CheckStatus::Failed => s.receipts_failed += 1,
            _ => s.receipts_missing += 1,
        }
        for f in &t.findings {
            *s.failures_by_kind.entry(f.kind.clone()).or_insert(0) += 1;
        }
    }
    s.thresholds = policy
        .file
        .jurisdictions
        .iter()
        .map(|(key, j)| {
            let mut c = JurisdictionCount {
                jurisdiction: key.clone(),
                thresholds: j
                    .thresholds
                    .iter()
                    .map(|t| format!("{} {}", t.currency, minor(t.amount_minor)))
                    .collect::<Vec<_>>()
                    .join(", "),
                at_or_above: 0,
                below: 0,
                undetermined: 0,
            };
            for t in transfers {
                let Some((dir, amount, currency)) = proven(t) else {
                    continue;
                };
                let side = j
                    .thresholds
                    .iter()
                    .find(|x| x.currency_numeric == currency)
                    .and_then(|x| match dir {
                        ThresholdDirection::AtOrAbove if amount >= x.amount_minor => {
                            Some(ThresholdDirection::AtOrAbove)
                        }
                        ThresholdDirection::Below if amount <= x.amount_minor => {
                            Some(ThresholdDirection::Below)
                        }
                        _ => None,
                    });
                match side {
                    Some(ThresholdDirection::AtOrAbove) => c.at_or_above += 1,
                    Some(ThresholdDirection::Below) => c.below += 1,
                    None => c.undetermined += 1,
                }
            }
            c
        })
        .collect();
    s
}

/// What a transfer's verified threshold claim proved.
fn proven(t: &TransferResult) -> Option<(ThresholdDirection, u64, u16)> {
    let p = t.proven?;
    let dir = if p.direction == "below" {
        ThresholdDirection::Below
    } else {
        ThresholdDirection::AtOrAbove
    };
    Some((dir, p.threshold, p.currency))
}

fn minor(v: u64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// The openings of a disclosure as typed values, with `C` (`None` if malformed: a field
/// that is not 32 bytes or not a field element, an unknown slot, a path of another
/// length).
pub fn disclosure_openings(
    d: &wire::Disclosure,
) -> Option<(Commitment, Vec<zktr_circuits::commitment::SlotOpening>)> {
    let c = Commitment(fr32(&d.commitment)?);
    let openings = d
        .openings
        .iter()
        .map(|o| {
            let slot = zktr_circuits::commitment::Slot::try_from(u64::from(o.slot)).ok()?;
            let path: Vec<_> = o.path.iter().map(|p| fr32(p)).collect::<Option<_>>()?;
            Some(zktr_circuits::commitment::SlotOpening {
                slot,
                value: fr32(&o.value)?,
                salt: fr32(&o.salt)?,
                path: path.try_into().ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((c, openings))
}

/// One disclosed slot, checked.
#[derive(Debug, Clone)]
pub struct OpenedSlot {
    /// The slot's name.
    pub name: String,
    /// Its value (decimal when it fits 128 bits, else hex).
    pub value: String,
    /// Whether it opens `C` (and is named for the slot it opens).
    pub result: Result<(), String>,
}

/// Checks every opening of a disclosure against its `C`.
pub fn check_disclosure(d: &wire::Disclosure) -> Result<Vec<OpenedSlot>, AuditError> {
    let (c, openings) = disclosure_openings(d)
        .ok_or_else(|| AuditError::Invalid("a malformed disclosure".into()))?;
    Ok(openings
        .iter()
        .zip(&d.openings)
        .map(|(o, w)| {
            let named = if w.name == o.slot.name() {
                Ok(())
            } else {
                Err(format!(
                    "named {:?} but opens slot {}",
                    w.name,
                    o.slot.name()
                ))
            };
            let result = named.and_then(|()| o.verify(&c).map_err(|e| e.to_string()));
            OpenedSlot {
                name: o.slot.name().to_string(),
                value: decimal_or_hex(&o.value),
                result,
            }
        })
        .collect())
}

/// A field element in decimal when it fits 128 bits, else hex.
fn decimal_or_hex(x: &zktr_circuits::Fr) -> String {
    let b = zktr_circuits::field::fr_to_be_bytes(x);
    if b[..16].iter().all(|&v| v == 0) {
        let mut lo = [0u8; 16];
        lo.copy_from_slice(&b[16..]);
        u128::from_be_bytes(lo).to_string()
    } else {
        fr_to_hex(x)
    }
}
