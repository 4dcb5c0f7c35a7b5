//! The regulator's API of a node (`zktr.regulator.v1.Regulator`, issue 15): on the peer
//! port, for client certificates whose common name `[regulator] names` lists.
//!
//! * `ListAttestations` / `GetAttestation`: the bundles and receipts of attested
//!   transfers, the tree heads they refer to (inside the bundles), our log's current head
//!   and, for transfers we originated, the inclusion proof of each `C` against it.
//! * `Disclose`: openings (value, salt, Merkle path) of chosen slots of one transfer's
//!   commitment, each checkable against `C` ([`zktr_circuits::commitment::SlotOpening`]).
//!   Only slots the node's disclosure policy allows ([`RegulatorConfig::disclosable`],
//!   default [`DEFAULT_DISCLOSABLE`]); one slot that is not allowed refuses the whole
//!   request, so nothing is disclosed that was not both asked for and allowed. The master
//!   salt never leaves the node: each opening carries only its own slot's salt.
//! * `GetAuditLog`: the node's audit log of these requests ([`zktr_records::audit_log`]).
//!
//! Every request, refused ones too, is appended to the audit log *before* it is answered;
//! if it cannot be recorded, the request fails and nothing is returned. Entries hold ids,
//! slot names and outcomes, never disclosed values; disclosed values never reach a log
//! line either.
//!
//! Refusals are typed: a gRPC code and, in the `zktr-refusal` metadata key, one of
//! [`RegulatorError::kind`]'s names.

use crate::exchange::Core;
use crate::store::{Role, Store, StoreError};
use ed25519_dalek::SigningKey;
use prost::Message;
use serde::Deserialize;
use sqlx::Row;
use std::path::PathBuf;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use zktr_circuits::commitment::{Commitment, CommitmentTree, Slot};
use zktr_circuits::field::fr_to_be_bytes;
use zktr_proto::zktr::bundle::v1 as bundle_wire;
use zktr_proto::zktr::regulator::v1 as wire;
use zktr_records::audit_log::{AuditEntry, SignedAuditHead};

/// Slots a regulator may have disclosed unless `[regulator] disclosable` says otherwise:
/// the transfer's facts (amounts, asset, the beneficiary address key, the payload digest,
/// envelope id, both VASPs, commitment time). Left out: the parties' name and
/// national-id keys (slots 6 to 9). They are hashes of personal data with little entropy
/// (a name can be guessed and hashed), so they disclose the person; a node that must
/// reveal them to its supervisor lists them explicitly.
pub const DEFAULT_DISCLOSABLE: [Slot; 12] = [
    Slot::LayoutVersion,
    Slot::FiatValue,
    Slot::FiatCurrency,
    Slot::AssetAmount,
    Slot::AssetId,
    Slot::BeneficiaryAddressKey,
    Slot::PayloadDigest,
    Slot::EnvelopeId,
    Slot::OriginatorVaspKey,
    Slot::BeneficiaryVaspKey,
    Slot::CommittedAt,
    Slot::Reserved,
];

/// `[regulator]` in `node.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulatorConfig {
    /// Certificate common names with the regulator role.
    pub names: Vec<String>,
    /// Slot names that may be disclosed (default: [`DEFAULT_DISCLOSABLE`]).
    #[serde(default)]
    pub disclosable: Option<Vec<String>>,
    /// The Ed25519 key (64 hex digits) signing the audit log's head (default: the
    /// `[attest]` log key; the signature domain keeps the two uses apart).
    #[serde(default)]
    pub audit_key: Option<PathBuf>,
}

/// A slot by its name (`fiat_value`) or index (`1`).
pub fn parse_slot(s: &str) -> Option<Slot> {
    let s = s.trim();
    Slot::ALL
        .iter()
        .copied()
        .find(|slot| slot.name() == s)
        .or_else(|| s.parse::<u64>().ok().and_then(|i| Slot::try_from(i).ok()))
}

impl RegulatorConfig {
    /// The slots the policy allows.
    pub fn disclosable_slots(&self) -> Result<Vec<Slot>, String> {
        match &self.disclosable {
            None => Ok(DEFAULT_DISCLOSABLE.to_vec()),
            Some(names) => names
                .iter()
                .map(|n| {
                    parse_slot(n)
                        .ok_or_else(|| format!("`regulator.disclosable`: {n:?} is not a slot name"))
                })
                .collect(),
        }
    }

    /// Checks the section (called by [`crate::config::NodeConfig::load`]).
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.names.iter().any(|n| n.trim().is_empty()) {
            return Err("`regulator.names` has an empty name".into());
        }
        self.disclosable_slots().map(|_| ())
    }
}

/// Why a regulator request was refused or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegulatorError {
    /// The caller's certificate could not be identified.
    #[error("could not identify the caller from its mTLS certificate")]
    Unidentified,
    /// The caller's certificate does not have the regulator role.
    #[error("{0} does not have the regulator role on this node")]
    NotRegulator(String),
    /// No transfer with this id.
    #[error("no transfer {0}")]
    UnknownTransfer(String),
    /// The transfer exists but carries no attestation.
    #[error("transfer {0} is not an attested transfer (no commitment)")]
    NotAttested(String),
    /// A slot name is not a slot.
    #[error("{0:?} is not a slot name")]
    UnknownSlot(String),
    /// The policy does not allow disclosing these slots.
    #[error("slot(s) {0} may not be disclosed under this node's policy")]
    SlotNotAllowed(String),
    /// A disclosure request named no slot.
    #[error("name at least one slot to disclose")]
    NoSlots,
    /// The data needed to open the commitment was erased (crypto-erasure).
    #[error("transfer {0}'s data was erased; its commitment can no longer be opened")]
    Erased(String),
    /// A malformed request.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something stored does not check (logged; the caller sees a generic message).
    #[error("{0}")]
    Internal(String),
}

impl RegulatorError {
    /// The machine-readable kind, sent in the `zktr-refusal` metadata key.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unidentified => "unidentified",
            Self::NotRegulator(_) => "not-regulator",
            Self::UnknownTransfer(_) => "unknown-transfer",
            Self::NotAttested(_) => "not-attested",
            Self::UnknownSlot(_) => "unknown-slot",
            Self::SlotNotAllowed(_) => "slot-not-allowed",
            Self::NoSlots => "no-slots",
            Self::Erased(_) => "erased",
            Self::Invalid(_) => "invalid",
            Self::Store(_) | Self::Internal(_) => "internal",
        }
    }

    /// The gRPC status: the one place these errors meet the wire.
    pub fn to_status(&self) -> Status {
        let mut s = match self {
            Self::Unidentified => Status::unauthenticated(self.to_string()),
            Self::NotRegulator(_) | Self::SlotNotAllowed(_) => {
                Status::permission_denied(self.to_string())
            }
            Self::UnknownTransfer(_) => Status::not_found(self.to_string()),
            Self::NotAttested(_) | Self::Erased(_) => Status::failed_precondition(self.to_string()),
            Self::UnknownSlot(_) | Self::NoSlots | Self::Invalid(_) => {
                Status::invalid_argument(self.to_string())
            }
            Self::Store(e) => {
                tracing::error!(error = %e, "regulator API: storage failed");
                Status::internal("storage failed")
            }
            Self::Internal(m) => {
                tracing::error!(error = %m, "regulator API: a stored record does not check");
                Status::internal("a stored record does not check")
            }
        };
        if let Ok(v) = self.kind().parse() {
            s.metadata_mut().insert(REFUSAL_KEY, v);
        }
        s
    }
}

/// The metadata key of a refusal's kind.
pub const REFUSAL_KEY: &str = "zktr-refusal";

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn hash32(v: Vec<u8>) -> Result<[u8; 32], StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Corrupt("a stored audit hash is not 32 bytes".into()))
}

/// An attestation row as listed.
struct ListedRow {
    id: String,
    role: String,
    peer: String,
    state: String,
    created_at: String,
    txid: Option<String>,
    commitment: Option<Vec<u8>>,
    bundle: Vec<u8>,
    receipt: Option<String>,
}

fn listed(r: &sqlx::sqlite::SqliteRow) -> Result<ListedRow, StoreError> {
    let c = |e| StoreError::Database(e);
    Ok(ListedRow {
        id: r.try_get("id").map_err(c)?,
        role: r.try_get("role").map_err(c)?,
        peer: r.try_get("peer").map_err(c)?,
        state: r.try_get("state").map_err(c)?,
        created_at: r.try_get("created_at").map_err(c)?,
        txid: r.try_get("txid").map_err(c)?,
        commitment: r.try_get("commitment").map_err(c)?,
        bundle: r.try_get("bundle").map_err(c)?,
        receipt: r.try_get("receipt").map_err(c)?,
    })
}

/// The regulator's tables: the audit log, and reads of attestations by period.
impl Store {
    /// Appends one entry after the current last one (the caller serializes appends).
    async fn append_audit(
        &self,
        at: u64,
        caller: &str,
        action: &str,
        subject: &str,
        outcome: &str,
    ) -> Result<AuditEntry, StoreError> {
        let mut tx = self
            .writer()
            .begin_with(crate::store::WRITE_TRANSACTION)
            .await?;
        let last = sqlx::query("SELECT seq, hash FROM regulator_audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (seq, prev) = match last {
            Some(r) => {
                let s: i64 = r.try_get("seq")?;
                (s as u64 + 1, hash32(r.try_get("hash")?)?)
            }
            None => (0, [0u8; 32]),
        };
        let e = AuditEntry::new(seq, at, caller, action, subject, outcome, prev);
        sqlx::query(
            "INSERT INTO regulator_audit (seq, at, caller, action, subject, outcome, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(e.seq as i64)
        .bind(e.at as i64)
        .bind(&e.caller)
        .bind(&e.action)
        .bind(&e.subject)
        .bind(&e.outcome)
        .bind(e.prev_hash.to_vec())
        .bind(e.hash.to_vec())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Audit entries from `from_seq`, at most `limit`.
    pub async fn audit_entries(
        &self,
        from_seq: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, caller, action, subject, outcome, prev_hash, hash FROM regulator_audit
             WHERE seq >= ? ORDER BY seq LIMIT ?",
        )
        .bind(i64::try_from(from_seq).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.readers())
        .await?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get("seq")?;
                let at: i64 = r.try_get("at")?;
                Ok(AuditEntry {
                    seq: seq as u64,
                    at: at as u64,
                    caller: r.try_get("caller")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    outcome: r.try_get("outcome")?,
                    prev_hash: hash32(r.try_get("prev_hash")?)?,
                    hash: hash32(r.try_get("hash")?)?,
                })
            })
            .collect()
    }

    /// The audit log's size and last hash.
    pub async fn audit_head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        let last = sqlx::query("SELECT seq, hash FROM regulator_audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(self.readers())
            .await?;
        match last {
            Some(r) => {
                let s: i64 = r.try_get("seq")?;
                Ok((s as u64 + 1, hash32(r.try_get("hash")?)?))
            }
            None => Ok((0, [0u8; 32])),
        }
    }

    /// Attested transfers (with a bundle) created in `[from, to)` (stored-time prefixes),
    /// after the page position `after` (created_at, id), at most `limit`.
    async fn attestations_in(
        &self,
        from: &str,
        to: &str,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<ListedRow>, StoreError> {
        let (after_at, after_id) = after.unwrap_or(("", ""));
        let rows = sqlx::query(
            "SELECT t.id, t.role, t.peer, t.state, t.created_at, t.txid, a.commitment, a.bundle, a.receipt
             FROM transfers t JOIN attestations a ON a.transfer_id = t.id
             WHERE t.created_at >= ? AND t.created_at < ? AND a.bundle IS NOT NULL
               AND (t.created_at > ? OR (t.created_at = ? AND t.id > ?))
             ORDER BY t.created_at, t.id LIMIT ?",
        )
            .bind(from)
            .bind(to)
            .bind(after_at)
            .bind(after_at)
            .bind(after_id)
            .bind(i64::from(limit))
            .fetch_all(self.readers())
            .await?;
        rows.iter().map(listed).collect()
    }

    /// How many attested transfers were created in `[from, to)`.
    async fn count_attestations_in(&self, from: &str, to: &str) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM transfers t JOIN attestations a ON a.transfer_id = t.id
             WHERE t.created_at >= ? AND t.created_at < ? AND a.bundle IS NOT NULL",
        )
        .bind(from)
        .bind(to)
        .fetch_one(self.readers())
        .await?;
        Ok(n as u64)
    }

    /// One transfer's attestation row (any, with or without a bundle).
    async fn attestation_listed(&self, id: &str) -> Result<Option<ListedRow>, StoreError> {
        let row = sqlx::query(
            "SELECT t.id, t.role, t.peer, t.state, t.created_at, t.txid, a.commitment, a.bundle, a.receipt
             FROM transfers t JOIN attestations a ON a.transfer_id = t.id
             WHERE t.id = ? AND a.bundle IS NOT NULL",
        )
            .bind(id)
            .fetch_optional(self.readers())
            .await?;
        row.as_ref().map(listed).transpose()
    }
}

/// A unix time as the prefix of stored times (`YYYY-MM-DDTHH:MM:SS`, UTC): stored
/// `created_at` values (with fractional seconds and `Z`) compare with it as text.
fn stamp_prefix(secs: u64) -> Result<String, RegulatorError> {
    let t = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
        .map_err(|_| RegulatorError::Invalid(format!("time {secs} is out of range")))?;
    Ok(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

fn head_to_wire(h: &zktr_records::SignedTreeHead) -> bundle_wire::SignedTreeHead {
    bundle_wire::SignedTreeHead {
        log_id: h.log_id.clone(),
        size: h.size,
        root: fr_to_be_bytes(&h.root.0).to_vec(),
        time: h.time,
        signature: h.signature.to_vec(),
    }
}

fn clean(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
}

/// `zktr.regulator.v1.Regulator`.
pub struct RegulatorService {
    core: Arc<Core>,
    names: Vec<String>,
    allowed: Vec<Slot>,
    key: SigningKey,
    append: tokio::sync::Mutex<()>,
}

impl core::fmt::Debug for RegulatorService {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RegulatorService")
            .field("names", &self.names)
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

fn read_key(path: &std::path::Path) -> Result<SigningKey, crate::config::ConfigError> {
    let invalid = |message: &str| crate::config::ConfigError::Invalid {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let bytes = crate::config::read_small(path, 4096)?;
    let text = String::from_utf8(bytes).map_err(|_| invalid("not text"))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| invalid("must hold an Ed25519 secret key as 64 hex digits"))?;
    Ok(SigningKey::from_bytes(&seed))
}

impl RegulatorService {
    /// The service for `core`'s `[regulator]` section (`None` without one).
    pub fn load(core: Arc<Core>) -> Result<Option<Self>, crate::config::ConfigError> {
        let Some(cfg) = core.config.regulator.clone() else {
            return Ok(None);
        };
        let invalid = |message: String| crate::config::ConfigError::Invalid {
            path: core.config.path.clone(),
            message,
        };
        let allowed = cfg.disclosable_slots().map_err(invalid)?;
        let key_path = cfg
            .audit_key
            .clone()
            .or_else(|| core.config.attest.as_ref().map(|a| a.log_key.clone()))
            .ok_or_else(|| {
                invalid(
                    "`[regulator]` needs `audit_key` (or an `[attest]` log key) to sign its audit log"
                        .into(),
                )
            })?;
        let key = read_key(&key_path)?;
        Ok(Some(Self {
            core,
            names: cfg.names,
            allowed,
            key,
            append: tokio::sync::Mutex::new(()),
        }))
    }

    /// The audit head's public key (hex).
    pub fn audit_public_key(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// The caller's name if it has the role; the name as far as known either way.
    fn admit<T>(&self, req: &Request<T>) -> (String, Result<(), RegulatorError>) {
        let certs = req.peer_certs();
        let name = crate::tls::peer_name(certs.as_deref().map(|v| v.as_slice()));
        match name {
            None => ("(unidentified)".into(), Err(RegulatorError::Unidentified)),
            Some(n) if self.names.contains(&n) => (n, Ok(())),
            Some(n) => (n.clone(), Err(RegulatorError::NotRegulator(n))),
        }
    }

    /// Records a request and its outcome; the answer goes out only if this succeeded.
    async fn record<T>(
        &self,
        caller: &str,
        action: &str,
        subject: &str,
        result: Result<T, RegulatorError>,
        ok: impl FnOnce(&T) -> String,
    ) -> Result<T, Status> {
        let outcome = match &result {
            Ok(v) => format!("ok: {}", ok(v)),
            Err(e) => format!("refused ({}): {}", e.kind(), clean(&e.to_string(), 300)),
        };
        let _guard = self.append.lock().await;
        match self
            .core
            .store
            .append_audit(now_secs(), caller, action, subject, &outcome)
            .await
        {
            Ok(e) => {
                tracing::info!(seq = e.seq, %caller, action, refused = result.is_err(), "regulator request recorded");
            }
            Err(e) => {
                tracing::error!(error = %e, "could not record a regulator request; refusing it");
                return Err(Status::internal("the request could not be recorded"));
            }
        }
        result.map_err(|e| e.to_status())
    }

    async fn current_head(&self) -> Result<Option<zktr_records::SignedTreeHead>, RegulatorError> {
        match &self.core.attestor {
            Some(a) => Ok(Some(a.tree_head(&self.core.store).await?)),
            None => Ok(None),
        }
    }

    async fn to_wire(
        &self,
        r: ListedRow,
        head: Option<&zktr_records::SignedTreeHead>,
    ) -> Result<wire::Attestation, RegulatorError> {
        let bundle = bundle_wire::ProofBundle::decode(r.bundle.as_slice()).ok();
        let originator = r.role == Role::Originator.as_str();
        let mut inclusion = None;
        if originator
            && let (Some(att), Some(head), Some(c)) = (&self.core.attestor, head, &r.commitment)
        {
            let arr: Option<[u8; 32]> = c.as_slice().try_into().ok();
            if let Some(fr) = arr.and_then(|a| zktr_circuits::field::fr_from_be_bytes(&a).ok()) {
                match att
                    .inclusion(&self.core.store, &Commitment(fr), head.size)
                    .await
                {
                    Ok(p) => {
                        inclusion = Some(zktr_proto::zktr::log::v1::InclusionProof {
                            leaf_index: p.index,
                            tree_size: p.size,
                            siblings: p
                                .siblings
                                .iter()
                                .map(|s| fr_to_be_bytes(s).to_vec())
                                .collect(),
                        })
                    }
                    Err(s) => {
                        tracing::warn!(transfer = %r.id, reason = %s.message(), "no inclusion proof")
                    }
                }
            }
        }
        let receipt_key = if originator {
            self.core
                .peers
                .get(&r.peer)
                .and_then(|p| p.receipt_key)
                .unwrap_or_default()
        } else {
            self.core
                .attestor
                .as_ref()
                .map(|a| a.receipt_public_key())
                .unwrap_or_default()
        };
        Ok(wire::Attestation {
            transfer_id: r.id,
            role: r.role,
            peer: r.peer,
            state: r.state,
            created_at: r.created_at,
            commitment: r.commitment.unwrap_or_default(),
            bundle,
            receipt_json: r.receipt.unwrap_or_default(),
            inclusion,
            receipt_key,
            txid: r.txid.unwrap_or_default(),
        })
    }

    async fn list(&self, req: &wire::ListRequest) -> Result<wire::ListReply, RegulatorError> {
        if req.to <= req.from {
            return Err(RegulatorError::Invalid(
                "the period is empty: `to` must be after `from`".into(),
            ));
        }
        let from = stamp_prefix(req.from)?;
        let to = stamp_prefix(req.to)?;
        let limit = match req.page_size {
            0 => 50,
            n => n.min(200),
        };
        let after = if req.page_token.is_empty() {
            None
        } else {
            Some(
                req.page_token
                    .split_once('|')
                    .ok_or_else(|| RegulatorError::Invalid("a malformed page token".into()))?,
            )
        };
        let total = self.core.store.count_attestations_in(&from, &to).await?;
        let rows = self
            .core
            .store
            .attestations_in(&from, &to, after, limit)
            .await?;
        let next_page_token = if rows.len() as u32 == limit {
            rows.last()
                .map(|r| format!("{}|{}", r.created_at, r.id))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let head = self.current_head().await?;
        let mut attestations = Vec::with_capacity(rows.len());
        for r in rows {
            attestations.push(self.to_wire(r, head.as_ref()).await?);
        }
        Ok(wire::ListReply {
            attestations,
            current_head: head.as_ref().map(head_to_wire),
            next_page_token,
            total,
        })
    }

    async fn get(&self, id: &str) -> Result<wire::GetReply, RegulatorError> {
        let Some(row) = self.core.store.attestation_listed(id).await? else {
            return Err(if self.core.store.transfer(id).await?.is_some() {
                RegulatorError::NotAttested(id.to_string())
            } else {
                RegulatorError::UnknownTransfer(id.to_string())
            });
        };
        let head = self.current_head().await?;
        Ok(wire::GetReply {
            attestation: Some(self.to_wire(row, head.as_ref()).await?),
            current_head: head.as_ref().map(head_to_wire),
        })
    }

    /// The slots asked for, checked against the policy (all or nothing).
    fn requested_slots(&self, names: &[String]) -> Result<Vec<Slot>, RegulatorError> {
        if names.is_empty() {
            return Err(RegulatorError::NoSlots);
        }
        let mut slots = names
            .iter()
            .map(|n| parse_slot(n).ok_or_else(|| RegulatorError::UnknownSlot(clean(n, 64))))
            .collect::<Result<Vec<_>, _>>()?;
        slots.sort();
        slots.dedup();
        let refused: Vec<&str> = slots
            .iter()
            .filter(|s| !self.allowed.contains(s))
            .map(|s| s.name())
            .collect();
        if !refused.is_empty() {
            return Err(RegulatorError::SlotNotAllowed(refused.join(", ")));
        }
        Ok(slots)
    }

    /// The commitment tree of a stored transfer, rebuilt from what the node holds: the
    /// opening and our payload (originator), or the received request opened with our
    /// sealing key (beneficiary). It must give the stored `C`.
    async fn tree_of(&self, id: &str) -> Result<(Commitment, CommitmentTree), RegulatorError> {
        let store = &self.core.store;
        let t = store
            .transfer(id)
            .await?
            .ok_or_else(|| RegulatorError::UnknownTransfer(id.to_string()))?;
        let row = store
            .attestation(id)
            .await?
            .ok_or_else(|| RegulatorError::NotAttested(id.to_string()))?;
        let c = row
            .commitment
            .ok_or_else(|| RegulatorError::NotAttested(id.to_string()))?;
        let erased = || RegulatorError::Erased(id.to_string());
        let (opening, values) = match t.role {
            Role::Originator => {
                let sealed = row.opening.ok_or_else(erased)?;
                let bytes = self.core.vault.open(&sealed).map_err(|_| erased())?;
                let opening =
                    zktr_proto::zktr::transfer::v1::CommitmentOpening::decode(bytes.as_slice())
                        .ok()
                        .and_then(|w| crate::attest::opening_from_wire(&w))
                        .ok_or_else(|| {
                            RegulatorError::Internal("a stored opening does not decode".into())
                        })?;
                let sealed = store.sealed_payload(id).await?.ok_or_else(erased)?;
                let bytes = self.core.vault.open(&sealed).map_err(|_| erased())?;
                let payload = zktr_trisa::Payload::decode(bytes.as_slice()).map_err(|_| {
                    RegulatorError::Internal("a stored payload does not decode".into())
                })?;
                let values = crate::commit::slot_values(&payload, &opening.details)
                    .map_err(|e| RegulatorError::Internal(format!("commitment slots: {e}")))?;
                (opening, values)
            }
            Role::Beneficiary => {
                let requests = store.received_requests(id).await?;
                let (_, bytes) = requests
                    .iter()
                    .find(|(format, _)| format == "attested")
                    .ok_or_else(|| RegulatorError::NotAttested(id.to_string()))?;
                let req =
                    zktr_proto::zktr::transfer::v1::AttestedEnvelope::decode(bytes.as_slice())
                        .map_err(|_| {
                            RegulatorError::Internal("a stored request does not decode".into())
                        })?;
                let sealing = Some(&self.core.sealing);
                let env = req.envelope.as_ref().ok_or_else(|| {
                    RegulatorError::Internal("a stored request has no envelope".into())
                })?;
                let payload = zktr_trisa::open_bytes(env, sealing).map_err(|_| erased())?;
                let opening_env = req.opening.as_ref().ok_or_else(|| {
                    RegulatorError::Internal("a stored request has no opening".into())
                })?;
                let opening_bytes =
                    zktr_trisa::open_bytes(opening_env, sealing).map_err(|_| erased())?;
                let opening = zktr_proto::zktr::transfer::v1::CommitmentOpening::decode(
                    opening_bytes.as_slice(),
                )
                .ok()
                .and_then(|w| crate::attest::opening_from_wire(&w))
                .ok_or_else(|| {
                    RegulatorError::Internal("a stored opening does not decode".into())
                })?;
                let (_, values) =
                    crate::commit::slot_values_of_bytes(&payload, &opening.details)
                        .map_err(|e| RegulatorError::Internal(format!("commitment slots: {e}")))?;
                (opening, values)
            }
        };
        let tree = CommitmentTree::new(values, &opening.master_salt);
        if tree.commitment() != c {
            return Err(RegulatorError::Internal(format!(
                "transfer {id}: the stored data does not open its commitment"
            )));
        }
        Ok((c, tree))
    }

    async fn disclose_slots(
        &self,
        req: &wire::DiscloseRequest,
    ) -> Result<wire::Disclosure, RegulatorError> {
        let slots = self.requested_slots(&req.slots)?;
        let (c, tree) = self.tree_of(&req.transfer_id).await?;
        let openings = slots
            .iter()
            .map(|s| {
                let o = tree.open(*s);
                wire::SlotOpening {
                    slot: o.slot.index() as u32,
                    name: o.slot.name().to_string(),
                    value: fr_to_be_bytes(&o.value).to_vec(),
                    salt: fr_to_be_bytes(&o.salt).to_vec(),
                    path: o.path.iter().map(|p| fr_to_be_bytes(p).to_vec()).collect(),
                }
            })
            .collect();
        Ok(wire::Disclosure {
            transfer_id: req.transfer_id.clone(),
            commitment: fr_to_be_bytes(&c.0).to_vec(),
            openings,
        })
    }

    async fn audit_log(
        &self,
        req: &wire::AuditLogRequest,
    ) -> Result<wire::AuditLog, RegulatorError> {
        let limit = match req.limit {
            0 => 1000,
            n => n.min(1000),
        };
        let entries = self.core.store.audit_entries(req.from_seq, limit).await?;
        let (size, hash) = self.core.store.audit_head().await?;
        let head = SignedAuditHead::sign(&self.core.config.name, size, hash, now_secs(), &self.key);
        Ok(wire::AuditLog {
            entries: entries.into_iter().map(entry_to_wire).collect(),
            head: Some(wire::SignedAuditHead {
                node: head.node,
                size: head.size,
                head_hash: head.head_hash.to_vec(),
                time: head.time,
                signature: head.signature.to_vec(),
            }),
            public_key: self.audit_public_key(),
        })
    }
}

fn entry_to_wire(e: AuditEntry) -> wire::AuditEntry {
    wire::AuditEntry {
        seq: e.seq,
        at: e.at,
        caller: e.caller,
        action: e.action,
        subject: e.subject,
        outcome: e.outcome,
        prev_hash: e.prev_hash.to_vec(),
        hash: e.hash.to_vec(),
    }
}

/// An audit entry from the wire (`None` if a hash is not 32 bytes).
pub fn entry_from_wire(e: &wire::AuditEntry) -> Option<AuditEntry> {
    Some(AuditEntry {
        seq: e.seq,
        at: e.at,
        caller: e.caller.clone(),
        action: e.action.clone(),
        subject: e.subject.clone(),
        outcome: e.outcome.clone(),
        prev_hash: e.prev_hash.as_slice().try_into().ok()?,
        hash: e.hash.as_slice().try_into().ok()?,
    })
}

/// A signed audit head from the wire (`None` if malformed).
pub fn head_from_wire(h: &wire::SignedAuditHead) -> Option<SignedAuditHead> {
    Some(SignedAuditHead {
        node: h.node.clone(),
        size: h.size,
        head_hash: h.head_hash.as_slice().try_into().ok()?,
        time: h.time,
        signature: h.signature.as_slice().try_into().ok()?,
    })
}

#[tonic::async_trait]
impl wire::regulator_server::Regulator for RegulatorService {
    async fn list_attestations(
        &self,
        request: Request<wire::ListRequest>,
    ) -> Result<Response<wire::ListReply>, Status> {
        let (caller, admitted) = self.admit(&request);
        let req = request.into_inner();
        let subject = format!("period [{}, {})", req.from, req.to);
        let result = match admitted {
            Ok(()) => self.list(&req).await,
            Err(e) => Err(e),
        };
        self.record(&caller, "list", &subject, result, |r| {
            format!("{} attestation(s) of {}", r.attestations.len(), r.total)
        })
        .await
        .map(Response::new)
    }

    async fn get_attestation(
        &self,
        request: Request<wire::GetRequest>,
    ) -> Result<Response<wire::GetReply>, Status> {
        let (caller, admitted) = self.admit(&request);
        let req = request.into_inner();
        let subject = format!("transfer {}", clean(&req.transfer_id, 64));
        let result = match admitted {
            Ok(()) => self.get(&req.transfer_id).await,
            Err(e) => Err(e),
        };
        self.record(&caller, "get", &subject, result, |_| "1 attestation".into())
            .await
            .map(Response::new)
    }

    async fn disclose(
        &self,
        request: Request<wire::DiscloseRequest>,
    ) -> Result<Response<wire::Disclosure>, Status> {
        let (caller, admitted) = self.admit(&request);
        let req = request.into_inner();
        let subject = format!(
            "transfer {} slots [{}] reason {:?}",
            clean(&req.transfer_id, 64),
            req.slots
                .iter()
                .take(32)
                .map(|s| clean(s, 32))
                .collect::<Vec<_>>()
                .join(", "),
            clean(&req.reason, 200)
        );
        let result = match admitted {
            Ok(()) => self.disclose_slots(&req).await,
            Err(e) => Err(e),
        };
        self.record(&caller, "disclose", &subject, result, |d| {
            format!(
                "disclosed {}",
                d.openings
                    .iter()
                    .map(|o| o.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .await
        .map(Response::new)
    }

    async fn get_audit_log(
        &self,
        request: Request<wire::AuditLogRequest>,
    ) -> Result<Response<wire::AuditLog>, Status> {
        let (caller, admitted) = self.admit(&request);
        let req = request.into_inner();
        let subject = format!("entries from {}", req.from_seq);
        // Recorded first, so the log returned includes this request.
        let check = self
            .record(&caller, "audit-log", &subject, admitted, |_| "read".into())
            .await;
        check?;
        self.audit_log(&req)
            .await
            .map(Response::new)
            .map_err(|e| e.to_status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> RegulatorConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn the_default_policy_keeps_the_parties_keys_and_names_are_checked() {
        let c = cfg("names = [\"sup\"]");
        let slots = c.disclosable_slots().unwrap();
        assert!(slots.contains(&Slot::FiatValue));
        for s in [
            Slot::OriginatorNameKey,
            Slot::OriginatorIdKey,
            Slot::BeneficiaryNameKey,
            Slot::BeneficiaryIdKey,
        ] {
            assert!(!slots.contains(&s), "{s:?}");
        }
        let c = cfg("names = [\"sup\"]\ndisclosable = [\"fiat_value\", \"6\"]");
        assert_eq!(
            c.disclosable_slots().unwrap(),
            [Slot::FiatValue, Slot::OriginatorNameKey]
        );
        let c = cfg("names = [\"sup\"]\ndisclosable = [\"salary\"]");
        assert!(c.check().unwrap_err().contains("salary"));
        assert!(cfg("names = [\" \"]").check().is_err());
        assert!(toml::from_str::<RegulatorConfig>("names = []\nextra = 1").is_err());
    }

    #[test]
    fn periods_compare_as_stored_times() {
        assert_eq!(stamp_prefix(0).unwrap(), "1970-01-01T00:00:00");
        let p = stamp_prefix(1_767_225_600).unwrap();
        assert!("2026-01-01T00:00:00.000000Z" >= p.as_str());
        assert!("2025-12-31T23:59:59.999999Z" < p.as_str());
    }

    #[test]
    fn refusals_carry_their_kind() {
        let s = RegulatorError::SlotNotAllowed("originator_name_key".into()).to_status();
        assert_eq!(s.code(), tonic::Code::PermissionDenied);
        assert_eq!(
            s.metadata().get(REFUSAL_KEY).unwrap().to_str().unwrap(),
            "slot-not-allowed"
        );
        assert_eq!(
            RegulatorError::UnknownTransfer("x".into())
                .to_status()
                .code(),
            tonic::Code::NotFound
        );
    }
}
