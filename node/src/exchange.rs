//! TRISA's transfer rules, as the node applies them on both sides (`../shared/TRISA-WIRE.md`
//! sections 3.3-3.8, `../shared/DESIGN.md` "Storage and keys").
//!
//! Receiving ([`Core::receive`], one envelope of a Transfer or TransferStream):
//!
//! 1. The envelope must be well formed (TRISA's ValidateMessage): a UUID id, an RFC 3339
//!    timestamp, a payload with every crypto field or a known error. Otherwise a
//!    `BAD_REQUEST` error envelope, and nothing is stored.
//! 2. The same request again (same id and HMAC; an error envelope by its SHA-256) gets the
//!    reply stored the first time, byte for byte, and nothing new is stored.
//! 3. A transfer belongs to the peer that started it: another certificate's envelope for
//!    the same id is refused (`PERMISSION_DENIED`). An envelope for an id we do not know
//!    that is not the first of a transfer (a reply, an error, a later state) is
//!    `NOT_FOUND`.
//! 4. A later envelope of a known transfer must be newer (its timestamp after the
//!    newest we received) and allowed by the state machine below; anything else is
//!    `FAILED_PRECONDITION` and changes nothing.
//! 5. Opening runs TRISA's order (algorithms, unseal, HMAC, decrypt, decode), then the
//!    payload and its IVMS101 identity are validated; each failure is TRISA's error
//!    envelope with its code and retry flag, and nothing is stored.
//! 6. A reply must be sealed for the sender's key from KeyExchange: without one,
//!    `NO_SIGNING_KEY` (retry), nothing stored.
//! 7. The decision, the request and our reply are stored in one transaction; the reply
//!    is returned only after it commits (acknowledged means committed).
//!
//! A new transfer (we are the beneficiary): the beneficiary address must be one of our
//! customers' (else `UNKNOWN_WALLET_ADDRESS`, stored as REJECTED); then the webhook, or the
//! configured default, decides: accept (reply ACCEPTED with the payload and
//! `received_at`), review (reply PENDING with a `Pending` payload; an officer accepts or
//! rejects later and the node sends that as a new envelope with the same id), or reject.
//!
//! Later envelopes:
//!
//! | we are | our state | incoming | result |
//! | --- | --- | --- | --- |
//! | beneficiary | ACCEPTED | COMPLETED (with the txid) | COMPLETED, echo COMPLETED |
//! | beneficiary | REVIEW | STARTED (corrected data) | decided again |
//! | beneficiary | REVIEW, PENDING | PENDING | unchanged, echo REVIEW |
//! | originator | STARTED, PENDING | ACCEPTED | ACCEPTED, echo ACCEPTED |
//! | originator | STARTED, PENDING | PENDING | unchanged, echo REVIEW |
//! | either | not final | error envelope | REJECTED (REPAIR if retry), error echoed |
//!
//! Sending goes through the outbox ([`Core::deliver`]): the envelope is stored first,
//! sealed for the peer's current key, sent with the same bytes on every retry (so the
//! receiver's idempotency recognises it), and the reply is stored with the new state in
//! one transaction.

use crate::client::Dialer;
use crate::config::{IncomingDecision, NodeConfig, PeerEntry, PeersFile, ViolationPolicy};
use crate::metrics::Metrics;
use crate::store::{Incoming, OutboxItem, Outgoing, Role, State, Store, StoreError, TransferRow};
use crate::vault::{Vault, VaultError};
use crate::webhook::{self, Decision};
use prost::Message;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;
use tokio::sync::{Notify, broadcast};
use tonic::Status;
use zktr_proto::trisa::api::v1beta1::{Error as TrisaError, SigningKey};
use zktr_proto::zktr::admin::v1 as admin;
use zktr_sanctions::screening;
use zktr_trisa::payload::{self, TransactionPayload};
use zktr_trisa::rules::{self, CheckedPayload};
use zktr_trisa::{
    ErrorCode, Payload, Pending, PublicSealingKey, SealOptions, SealingKey, SecureEnvelope,
    Transaction, TransferState,
};

/// Times as stored: RFC 3339 UTC with exactly six fractional digits, so that stored times
/// compare correctly as strings.
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// Now, as stored.
pub fn now_stamp() -> String {
    stamp(OffsetDateTime::now_utc())
}

/// Parses RFC 3339 (with or without fractional seconds).
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A TRISA error envelope: same id, new timestamp, no payload, REPAIR if `retry` else
/// REJECTED.
pub fn error_envelope(id: &str, code: ErrorCode, message: &str, retry: bool) -> SecureEnvelope {
    SecureEnvelope {
        id: id.to_string(),
        timestamp: now_stamp(),
        error: Some(TrisaError {
            code: code as i32,
            message: message.to_string(),
            retry,
            details: None,
        }),
        sealed: false,
        transfer_state: if retry {
            TransferState::Repair
        } else {
            TransferState::Rejected
        } as i32,
        ..Default::default()
    }
}

pub(crate) fn idem_key(env: &SecureEnvelope) -> Vec<u8> {
    if env.hmac.is_empty() {
        Sha256::digest(env.encode_to_vec()).to_vec()
    } else {
        env.hmac.clone()
    }
}

pub(crate) fn is_error_envelope(env: &SecureEnvelope) -> bool {
    env.payload.is_empty() && env.error.is_some()
}

/// The canonical form of an address for lookups (lower-case hex for EVM, ...).
pub fn canonical_address(address: &str) -> String {
    screening::canonical_address(address).unwrap_or_else(|_| address.trim().to_string())
}

/// The peers file, read again when it changes on disk.
#[derive(Debug)]
pub struct PeersBook {
    path: PathBuf,
    cached: std::sync::Mutex<(Option<SystemTime>, Arc<PeersFile>)>,
}

impl PeersBook {
    /// Reads the peers file at `path`.
    pub fn load(path: PathBuf) -> Result<Self, crate::config::ConfigError> {
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        let file = PeersFile::load(&path)?;
        Ok(Self {
            path,
            cached: std::sync::Mutex::new((modified, Arc::new(file))),
        })
    }

    /// The current peers (re-read if the file changed; a broken edit keeps the last good
    /// list and is logged).
    pub fn current(&self) -> Arc<PeersFile> {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut guard = match self.cached.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if modified != guard.0 {
            match PeersFile::load(&self.path) {
                Ok(f) => *guard = (modified, Arc::new(f)),
                Err(e) => {
                    tracing::warn!(error = %e, "peers file changed but does not load; keeping the previous list");
                    guard.0 = modified;
                }
            }
        }
        guard.1.clone()
    }

    /// One peer.
    pub fn get(&self, name: &str) -> Option<PeerEntry> {
        self.current().get(name).cloned()
    }
}

/// Why a back-office or delivery operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Encryption at rest failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The request is not acceptable (the message says why; no personal data).
    #[error("{0}")]
    Invalid(String),
    /// The peer is not in the peers file.
    #[error("peer {0:?} is not in the peers file")]
    UnknownPeer(String),
    /// The peer could not be reached or refused the call.
    #[error("peer {peer}: {message}")]
    Peer {
        /// The peer.
        peer: String,
        /// What happened.
        message: String,
    },
    /// Sealing for the peer failed.
    #[error("sealing: {0}")]
    Seal(String),
    /// The node refuses to send this transfer as it stands (a screening hit, data that
    /// does not commit); it is held for review with this reason.
    #[error("held: {0}")]
    Refused(String),
    /// A party's identifier or address is on the sanctions list: the transfer is
    /// rejected before anything is sent (a match, not a name collision; no clearance).
    #[error("rejected: {0}")]
    Listed(String),
}

/// The node's shared state: configuration, keys, storage, peers, the dialer.
pub struct Core {
    /// The configuration.
    pub config: NodeConfig,
    pub(crate) sealing: SealingKey,
    pub(crate) sealing_public: PublicSealingKey,
    /// Storage.
    pub store: Store,
    pub(crate) vault: Vault,
    pub(crate) peers: PeersBook,
    pub(crate) dialer: Dialer,
    /// Metrics.
    pub metrics: Metrics,
    pub(crate) events: broadcast::Sender<admin::TransferEvent>,
    pub(crate) outbox_wake: Notify,
    pub(crate) webhook: Option<webhook::Webhook>,
    /// Attested transfers (`[attest]`), if configured.
    pub attestor: Option<crate::attest::Attestor>,
    locks: std::sync::Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    /// Peers whose last delivery attempt failed: when one answers again, its waiting
    /// envelopes are retried at once instead of after their own backoff.
    unreachable: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("name", &self.config.name)
            .finish_non_exhaustive()
    }
}

/// A summary for the back office and the event stream (no personal data).
pub fn summary(t: &TransferRow) -> admin::TransferSummary {
    admin::TransferSummary {
        id: t.id.clone(),
        role: t.role.as_str().to_string(),
        peer: t.peer.clone(),
        state: t.state.to_string(),
        created_at: t.created_at.clone(),
        updated_at: t.updated_at.clone(),
        last_error: t.last_error.clone().unwrap_or_default(),
        txid: t.txid.clone().unwrap_or_default(),
        erased: t.erased,
        attested: t.attested,
    }
}

fn state_of_reply(s: i32) -> State {
    match TransferState::try_from(s).unwrap_or(TransferState::Unspecified) {
        TransferState::Accepted => State::Accepted,
        TransferState::Completed => State::Completed,
        TransferState::Rejected => State::Rejected,
        TransferState::Repair => State::Repair,
        _ => State::Pending,
    }
}

impl Core {
    /// Assembles the core from loaded parts.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: NodeConfig,
        sealing: SealingKey,
        store: Store,
        vault: Vault,
        peers: PeersBook,
        dialer: Dialer,
        metrics: Metrics,
        webhook: Option<webhook::Webhook>,
        attestor: Option<crate::attest::Attestor>,
    ) -> Self {
        let sealing_public = sealing.public_key();
        let (events, _) = broadcast::channel(1024);
        Self {
            config,
            sealing,
            sealing_public,
            store,
            vault,
            peers,
            dialer,
            metrics,
            events,
            outbox_wake: Notify::new(),
            webhook,
            attestor,
            locks: std::sync::Mutex::new(HashMap::new()),
            unreachable: std::sync::Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Our name (certificate CN).
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The lock that serialises everything done to one transfer in this process.
    pub(crate) fn lock_for(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = match self.locks.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if map.len() > 4096 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        if let Some(l) = map.get(id).and_then(Weak::upgrade) {
            return l;
        }
        let l = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(id.to_string(), Arc::downgrade(&l));
        l
    }

    /// Tells watchers about a transfer's new state.
    pub(crate) async fn announce(&self, id: &str, note: &str) {
        if let Ok(Some(t)) = self.store.transfer(id).await {
            self.metrics.state_change(t.state);
            let _ = self.events.send(admin::TransferEvent {
                transfer: Some(summary(&t)),
                note: note.to_string(),
            });
        }
    }

    /// Our sealing key as TRISA's KeyExchange `SigningKey`.
    pub fn our_signing_key(&self) -> Result<SigningKey, ExchangeError> {
        let data = self
            .sealing_public
            .spki_der()
            .map_err(|e| ExchangeError::Seal(e.to_string()))?;
        let now = OffsetDateTime::now_utc();
        let rfc = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        Ok(SigningKey {
            version: 3,
            signature: Vec::new(),
            signature_algorithm: String::new(),
            public_key_algorithm: match self.sealing_public {
                PublicSealingKey::Rsa(_) => "RSA",
                PublicSealingKey::X25519(_) => "X25519",
            }
            .to_string(),
            not_before: rfc(now - time::Duration::hours(1)),
            not_after: rfc(now + time::Duration::days(365)),
            revoked: false,
            data,
        })
    }

    /// Stores a peer's key from a KeyExchange (either direction).
    pub async fn store_peer_key(&self, peer: &str, key: &SigningKey) -> Result<(), ExchangeError> {
        let parsed = parse_exchange_key(&key.data).ok_or_else(|| {
            ExchangeError::Invalid(
                "the key exchange data is not a usable RSA or X25519 public key".into(),
            )
        })?;
        let der = parsed
            .spki_der()
            .map_err(|e| ExchangeError::Invalid(e.to_string()))?;
        let now = OffsetDateTime::now_utc();
        let ttl =
            time::Duration::seconds(self.config.peers.key_ttl_secs.min(i64::MAX as u64) as i64);
        self.store
            .put_peer_key(peer, &der, &stamp(now), &stamp(now + ttl))
            .await?;
        Ok(())
    }

    pub(crate) async fn peer_sealing_key(
        &self,
        peer: &str,
    ) -> Result<Option<PublicSealingKey>, StoreError> {
        Ok(self
            .store
            .peer_key(peer, &now_stamp())
            .await?
            .and_then(|der| PublicSealingKey::from_der(&der).ok()))
    }

    /// The peer's sealing key, from storage if fresh, else by KeyExchange.
    pub async fn ensure_peer_key(
        &self,
        peer: &PeerEntry,
    ) -> Result<PublicSealingKey, ExchangeError> {
        if let Some(k) = self.peer_sealing_key(&peer.name).await? {
            return Ok(k);
        }
        self.exchange_keys(peer).await
    }

    /// KeyExchange with a peer: sends our key, stores theirs.
    pub async fn exchange_keys(&self, peer: &PeerEntry) -> Result<PublicSealingKey, ExchangeError> {
        let ours = self.our_signing_key()?;
        let theirs =
            self.dialer
                .key_exchange(peer, ours)
                .await
                .map_err(|s| ExchangeError::Peer {
                    peer: peer.name.clone(),
                    message: format!("key exchange: {}", s.message()),
                })?;
        self.store_peer_key(&peer.name, &theirs).await?;
        self.peer_sealing_key(&peer.name)
            .await?
            .ok_or_else(|| ExchangeError::Peer {
                peer: peer.name.clone(),
                message: "key exchange returned no usable key".into(),
            })
    }

    fn seal_reply(
        &self,
        payload: &Payload,
        to: &PublicSealingKey,
        id: &str,
        state: TransferState,
    ) -> Result<SecureEnvelope, Status> {
        let uuid = uuid::Uuid::parse_str(id).map_err(|_| Status::internal("bad id"))?;
        zktr_trisa::seal(
            payload,
            to,
            &SealOptions {
                id: Some(uuid),
                transfer_state: state,
                timestamp: Some(now_stamp()),
            },
        )
        .map_err(|e| {
            tracing::error!(error = %e, "sealing a reply failed");
            Status::internal("sealing the reply failed")
        })
    }

    /// Handles one received envelope from the peer `peer` (its certificate CN) and returns
    /// the reply to send: TRISA rejections are error envelopes (gRPC OK); a `Status` is
    /// for what TRISA handles outside envelopes (unknown transfer, wrong peer, storage).
    pub async fn receive(&self, peer: &str, env: SecureEnvelope) -> Result<SecureEnvelope, Status> {
        let started = std::time::Instant::now();
        let result = self.receive_inner(peer, env).await;
        self.metrics.received(&result, started.elapsed());
        result
    }

    async fn receive_inner(
        &self,
        peer: &str,
        env: SecureEnvelope,
    ) -> Result<SecureEnvelope, Status> {
        if let Err(r) = rules::validate_message(&env) {
            return Ok(error_envelope(&env.id, r.code, &r.message, r.retry));
        }
        let id = env.id.clone();
        let lock = self.lock_for(&id);
        let _guard = lock.lock().await;
        let key = idem_key(&env);
        if let Some((format, reply)) = self.store.stored_reply(&id, &key).await.map_err(internal)? {
            self.metrics.replayed();
            return decode_stored_reply(&format, &reply);
        }
        let existing = self.store.transfer(&id).await.map_err(internal)?;
        match existing {
            None => self.receive_new(peer, env, &key).await,
            Some(t) => {
                if t.peer != peer {
                    return Err(Status::permission_denied(
                        "this transfer belongs to another peer",
                    ));
                }
                if let (Some(last), Some(this)) = (
                    t.last_in_ts.as_deref().and_then(parse_time),
                    parse_time(&env.timestamp),
                ) && this <= last
                {
                    return Err(Status::failed_precondition(
                        "the envelope is not newer than the last one received for this transfer",
                    ));
                }
                self.receive_update(t, env, &key).await
            }
        }
    }

    /// Opens and validates; `Err` is the error envelope to answer with.
    fn open(&self, env: &SecureEnvelope) -> Result<CheckedPayload, Box<SecureEnvelope>> {
        rules::open_checked(env, &self.sealing)
            .map_err(|r| Box::new(error_envelope(&env.id, r.code, &r.message, r.retry)))
    }

    async fn receive_new(
        &self,
        peer: &str,
        env: SecureEnvelope,
        key: &[u8],
    ) -> Result<SecureEnvelope, Status> {
        if is_error_envelope(&env) {
            return Err(Status::not_found("no transfer with this id"));
        }
        let state =
            TransferState::try_from(env.transfer_state).unwrap_or(TransferState::Unspecified);
        if !matches!(state, TransferState::Unspecified | TransferState::Started) {
            return Err(Status::not_found(
                "no transfer with this id (a later envelope of a transfer never started here)",
            ));
        }
        let opened = match self.open(&env) {
            Ok(o) => o,
            Err(reply) => return Ok(*reply),
        };
        let Some(sender_key) = self.peer_sealing_key(peer).await.map_err(internal)? else {
            return Ok(error_envelope(
                &env.id,
                ErrorCode::NoSigningKey,
                "no sealing key for your certificate: exchange keys, then retry the transfer",
                true,
            ));
        };
        let (new_state, reply, note) = self.decide(peer, &env, opened, &sender_key).await?;
        self.commit_incoming(peer, &env, key, &reply, new_state, &note, true, None, None)
            .await
    }

    /// The beneficiary's decision on a valid transfer.
    pub(crate) async fn decide(
        &self,
        peer: &str,
        env: &SecureEnvelope,
        opened: CheckedPayload,
        sender_key: &PublicSealingKey,
    ) -> Result<(State, SecureEnvelope, String), Status> {
        // A Pending (as TRISA's own fixture sends) carries its reference transaction.
        let Some(txn) = opened.transaction.transaction().cloned() else {
            let r = rules::reject(
                ErrorCode::UnparseableTransaction,
                "a new transfer needs a generic Transaction",
                true,
            );
            return Ok((
                State::Repair,
                error_envelope(&env.id, r.code, &r.message, r.retry),
                "refused: no transaction".into(),
            ));
        };
        let address = canonical_address(&txn.beneficiary);
        let ours = !address.is_empty()
            && self
                .store
                .is_customer_address(&address, &txn.network)
                .await
                .map_err(internal)?;
        if !ours {
            return Ok((
                State::Rejected,
                error_envelope(
                    &env.id,
                    ErrorCode::UnknownWalletAddress,
                    "the beneficiary address is not held by a customer of this VASP",
                    false,
                ),
                "rejected: beneficiary address unknown".into(),
            ));
        }
        if !opened.violations.is_empty()
            && self.config.service.ivms101_violations == ViolationPolicy::Reject
        {
            let list: Vec<&str> = opened
                .violations
                .iter()
                .take(10)
                .map(String::as_str)
                .collect();
            let r = rules::reject(
                ErrorCode::ValidationError,
                format!("invalid IVMS101 identity: {}", list.join("; ")),
                true,
            );
            return Ok((
                State::Repair,
                error_envelope(&env.id, r.code, &r.message, r.retry),
                format!("refused: {} IVMS101 violations", opened.violations.len()),
            ));
        }
        let decision = match &self.webhook {
            Some(hook) => hook.ask(&env.id, peer, &opened.payload).await,
            None => match self.config.service.incoming {
                IncomingDecision::Accept => Decision::Accept,
                IncomingDecision::Review => Decision::Review("held for compliance review".into()),
            },
        };
        // Never accept data that breaks IVMS101 without an officer looking at it.
        let decision = match decision {
            Decision::Accept if !opened.violations.is_empty() => Decision::Review(format!(
                "held for review: the identity breaks {} IVMS101 constraint(s): {}",
                opened.violations.len(),
                opened
                    .violations
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            d => d,
        };
        let now = OffsetDateTime::now_utc();
        let now_rfc = stamp(now);
        Ok(match decision {
            Decision::Accept => {
                let mut p = opened.payload;
                p.received_at = now_rfc;
                (
                    State::Accepted,
                    self.seal_reply(&p, sender_key, &env.id, TransferState::Accepted)?,
                    "accepted".into(),
                )
            }
            Decision::Review(message) => {
                let pending = Pending {
                    envelope_id: env.id.clone(),
                    received_by: self.config.name.clone(),
                    received_at: now_rfc.clone(),
                    message: message.clone(),
                    reply_not_before: now_rfc.clone(),
                    reply_not_after: stamp(now + time::Duration::hours(24)),
                    extra_json: String::new(),
                    transaction: Some(txn),
                };
                let identity = opened.payload.identity.clone();
                let p = Payload {
                    identity,
                    transaction: Some(prost_types::Any {
                        type_url: format!(
                            "{}trisa.data.generic.v1beta1.Pending",
                            payload::TYPE_URL_PREFIX
                        ),
                        value: pending.encode_to_vec(),
                    }),
                    sent_at: opened.payload.sent_at.clone(),
                    received_at: now_rfc,
                };
                (
                    State::Review,
                    self.seal_reply(&p, sender_key, &env.id, TransferState::Pending)?,
                    format!("review: {message}"),
                )
            }
            Decision::Reject(message) => (
                State::Rejected,
                error_envelope(&env.id, ErrorCode::Rejected, &message, false),
                "rejected by the webhook".into(),
            ),
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn commit_incoming(
        &self,
        peer: &str,
        env: &SecureEnvelope,
        key: &[u8],
        reply: &SecureEnvelope,
        state: State,
        note: &str,
        new: bool,
        expect: Option<State>,
        txid: Option<&str>,
    ) -> Result<SecureEnvelope, Status> {
        let last_error = reply.error.as_ref().or(env.error.as_ref()).map(error_text);
        let stored = self
            .commit_exchange(
                peer,
                env,
                key,
                &env.encode_to_vec(),
                &reply.encode_to_vec(),
                state,
                note,
                (new, expect, txid, last_error.as_deref()),
                "trisa",
                None,
            )
            .await?;
        match stored {
            None => Ok(reply.clone()),
            Some((format, bytes)) => decode_stored_reply(&format, &bytes),
        }
    }

    /// Stores a received attested envelope, our reply and the attestation in one
    /// transaction (a new transfer).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn commit_attested(
        &self,
        peer: &str,
        env: &SecureEnvelope,
        key: &[u8],
        request: &[u8],
        reply: &zktr_proto::zktr::transfer::v1::AttestedReply,
        state: State,
        note: &str,
        attestation: crate::store::ReceivedAttestation,
    ) -> Result<(), Status> {
        let last_error = reply
            .envelope
            .as_ref()
            .and_then(|e| e.error.as_ref())
            .map(error_text);
        self.commit_exchange(
            peer,
            env,
            key,
            request,
            &reply.encode_to_vec(),
            state,
            note,
            (true, None, None, last_error.as_deref()),
            "attested",
            Some(&attestation),
        )
        .await
        .map(|_| ())
    }

    /// Commits one exchange; `Ok(Some(reply))` if a concurrent copy of the same request
    /// was recorded first (answer with its stored reply).
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    async fn commit_exchange(
        &self,
        peer: &str,
        env: &SecureEnvelope,
        key: &[u8],
        request: &[u8],
        reply: &[u8],
        state: State,
        note: &str,
        (new, expect, txid, last_error): (bool, Option<State>, Option<&str>, Option<&str>),
        format: &str,
        attestation: Option<&crate::store::ReceivedAttestation>,
    ) -> Result<Option<(String, Vec<u8>)>, Status> {
        let now = now_stamp();
        let rec = Incoming {
            id: &env.id,
            peer,
            role: Role::Beneficiary,
            state,
            note,
            idem_key: key,
            request,
            reply,
            request_ts: &env.timestamp,
            txid,
            last_error,
            new,
            expect,
            now: &now,
            format,
            attestation,
        };
        match self.store.record_incoming(&rec).await {
            Ok(()) => {}
            Err(StoreError::Duplicate(_)) | Err(StoreError::Exists(_)) => {
                if let Some(stored) = self
                    .store
                    .stored_reply(&env.id, key)
                    .await
                    .map_err(internal)?
                {
                    return Ok(Some(stored));
                }
                return Err(Status::aborted(
                    "a concurrent envelope changed this transfer; retry",
                ));
            }
            Err(StoreError::Conflict { .. }) => {
                return Err(Status::aborted("the transfer changed meanwhile; retry"));
            }
            Err(e) => return Err(internal(e)),
        }
        self.announce(&env.id, note).await;
        fault_pause_before_reply().await;
        Ok(None)
    }

    async fn receive_update(
        &self,
        t: TransferRow,
        env: SecureEnvelope,
        key: &[u8],
    ) -> Result<SecureEnvelope, Status> {
        let refuse = |why: &str| Err(Status::failed_precondition(why.to_string()));
        if t.state.is_final() {
            return refuse("the transfer is already final");
        }
        if let Some(e) = &env.error
            && env.payload.is_empty()
        {
            // The counterparty cancels or rejects: echo the error back, as Envoy does.
            let state = if e.retry {
                State::Repair
            } else {
                State::Rejected
            };
            let code = ErrorCode::try_from(e.code).unwrap_or(ErrorCode::Unhandled);
            let reply = error_envelope(&env.id, code, &e.message, e.retry);
            let note = format!("{} by the peer: {}", state, code.as_str_name());
            return self
                .commit_incoming(
                    &t.peer,
                    &env,
                    key,
                    &reply,
                    state,
                    &note,
                    false,
                    Some(t.state),
                    None,
                )
                .await;
        }
        let incoming =
            TransferState::try_from(env.transfer_state).unwrap_or(TransferState::Unspecified);
        let opened = match self.open(&env) {
            Ok(o) => o,
            Err(reply) => return Ok(*reply),
        };
        let Some(sender_key) = self.peer_sealing_key(&t.peer).await.map_err(internal)? else {
            return Ok(error_envelope(
                &env.id,
                ErrorCode::NoSigningKey,
                "no sealing key for your certificate: exchange keys, then retry",
                true,
            ));
        };
        let echo = |state: TransferState, p: &Payload| -> Result<SecureEnvelope, Status> {
            let mut p = p.clone();
            if p.received_at.is_empty() {
                p.received_at = now_stamp();
            }
            self.seal_reply(&p, &sender_key, &env.id, state)
        };
        match (t.role, t.state, incoming) {
            (Role::Beneficiary, State::Accepted, TransferState::Completed) => {
                let txid = opened
                    .transaction
                    .transaction()
                    .map(|x| x.txid.clone())
                    .filter(|x| !x.is_empty());
                if txid.is_none() {
                    return Ok(error_envelope(
                        &env.id,
                        ErrorCode::MissingFields,
                        "a COMPLETED transfer needs the transaction's txid",
                        true,
                    ));
                }
                let reply = echo(TransferState::Completed, &opened.payload)?;
                self.commit_incoming(
                    &t.peer,
                    &env,
                    key,
                    &reply,
                    State::Completed,
                    "completed: txid received",
                    false,
                    Some(t.state),
                    txid.as_deref(),
                )
                .await
            }
            (
                Role::Beneficiary,
                State::Review,
                TransferState::Started | TransferState::Unspecified,
            ) => {
                let (state, reply, note) = self.decide(&t.peer, &env, opened, &sender_key).await?;
                self.commit_incoming(
                    &t.peer,
                    &env,
                    key,
                    &reply,
                    state,
                    &note,
                    false,
                    Some(t.state),
                    None,
                )
                .await
            }
            (Role::Beneficiary, State::Review | State::Pending, TransferState::Pending)
            | (Role::Originator, State::Started | State::Pending, TransferState::Pending) => {
                let reply = echo(TransferState::Review, &opened.payload)?;
                self.commit_incoming(
                    &t.peer,
                    &env,
                    key,
                    &reply,
                    t.state,
                    "the peer is waiting",
                    false,
                    Some(t.state),
                    None,
                )
                .await
            }
            (Role::Originator, State::Started | State::Pending, TransferState::Accepted) => {
                let reply = echo(TransferState::Accepted, &opened.payload)?;
                self.commit_incoming(
                    &t.peer,
                    &env,
                    key,
                    &reply,
                    State::Accepted,
                    "accepted by the beneficiary",
                    false,
                    Some(t.state),
                    None,
                )
                .await
            }
            _ => refuse(&format!(
                "a {} envelope is not allowed for a transfer in {} where we are the {}",
                incoming.as_str_name(),
                t.state,
                t.role.as_str()
            )),
        }
    }

    // ---- sending ------------------------------------------------------------------

    /// Delivers one outbox envelope now: seals it if needed, sends it, stores the answer.
    /// Returns whether the envelope was delivered (an answer was stored).
    pub async fn deliver(&self, item: OutboxItem) -> Result<bool, ExchangeError> {
        let lock = self.lock_for(&item.id);
        let _guard = lock.lock().await;
        // Someone else may have delivered (or replaced) it while we waited for the lock:
        // work on the outbox as it is now, never on a stale copy.
        let item = match self.store.outbox_of(&item.id).await? {
            Some(current) if current.seq == item.seq => current,
            _ => return Ok(false),
        };
        let result = self.deliver_locked(&item).await;
        match &result {
            Ok(true) => self.metrics.sent("delivered"),
            Ok(false) => {}
            Err(_) => self.metrics.sent("error"),
        }
        match &result {
            Err(e) => {
                self.retry_later(&item, &e.to_string()).await;
                self.peer_failed(&item.peer);
            }
            Ok(true) => self.peer_answered(&item.peer).await,
            Ok(false) => {}
        }
        result
    }

    fn peer_failed(&self, peer: &str) {
        if let Ok(mut down) = self.unreachable.lock() {
            down.insert(peer.to_string());
        }
    }

    /// A delivery to `peer` went through: if its previous one had failed (it was down, or
    /// the network dropped a call), the envelopes waiting for it are due now. Their
    /// attempt counts stay, so an envelope that keeps failing still backs off; each one is
    /// retried early at most once per failure-then-success of its peer.
    async fn peer_answered(&self, peer: &str) {
        let was_down = self
            .unreachable
            .lock()
            .map(|mut down| down.remove(peer))
            .unwrap_or(false);
        if !was_down {
            return;
        }
        match self.store.expedite_peer(peer, &now_stamp()).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(%peer, waiting = n, "peer answers again: retrying its waiting envelopes now");
                self.outbox_wake.notify_one();
            }
            Err(e) => {
                tracing::warn!(error = %e, %peer, "could not bring waiting envelopes forward")
            }
        }
    }

    async fn retry_later(&self, item: &OutboxItem, error: &str) {
        let backoff = 2u64
            .saturating_pow(item.attempts.clamp(0, 20) as u32)
            .min(600);
        let next = stamp(OffsetDateTime::now_utc() + time::Duration::seconds(backoff as i64));
        if let Err(e) = self
            .store
            .record_attempt_failed(&item.id, item.seq, error, &next, &now_stamp())
            .await
        {
            tracing::error!(error = %e, transfer = %item.id, "could not record a failed delivery");
        }
        tracing::info!(transfer = %item.id, attempts = item.attempts + 1, backoff_secs = backoff, %error, "delivery will be retried");
    }

    async fn deliver_locked(&self, item: &OutboxItem) -> Result<bool, ExchangeError> {
        let peer = self
            .peers
            .get(&item.peer)
            .ok_or_else(|| ExchangeError::UnknownPeer(item.peer.clone()))?;
        let attested = item.out_state == TransferState::Started as i32
            && self
                .store
                .transfer(&item.id)
                .await?
                .is_some_and(|t| t.attested && t.role == Role::Originator);
        if attested {
            return self.deliver_attested(item, &peer).await;
        }
        let envelope = if item.envelope.is_empty() {
            self.seal_outgoing(item, &peer).await?
        } else {
            SecureEnvelope::decode(item.envelope.as_slice())
                .map_err(|_| ExchangeError::Invalid("a stored envelope does not decode".into()))?
        };
        let reply =
            self.dialer
                .transfer(&peer, envelope)
                .await
                .map_err(|s| ExchangeError::Peer {
                    peer: peer.name.clone(),
                    message: format!("{:?}: {}", s.code(), s.message()),
                })?;
        let bytes = reply.encode_to_vec();
        self.finish_delivery(item, &peer, &reply, &bytes, || Ok(None))
            .await
    }

    /// The first envelope of an attested transfer: commit, prove and seal (each step
    /// stored, see [`crate::attest`]), send on AttestedTransfer, check the receipt.
    async fn deliver_attested(
        &self,
        item: &OutboxItem,
        peer: &PeerEntry,
    ) -> Result<bool, ExchangeError> {
        use zktr_proto::zktr::transfer::v1::AttestedEnvelope;
        let attestor = self.attestor.as_ref().ok_or_else(|| {
            ExchangeError::Invalid(
                "an attested transfer, but this node has no [attest] section".into(),
            )
        })?;
        if !peer.zktr {
            return Err(ExchangeError::Invalid(format!(
                "peer {} does not speak zktr (peers file)",
                peer.name
            )));
        }
        let sent_bytes = if item.envelope.is_empty() {
            let plain = item.plain.as_ref().ok_or_else(|| {
                ExchangeError::Invalid("an outbox entry has nothing to send".into())
            })?;
            let payload = Payload::decode(self.vault.open(plain)?.as_slice())
                .map_err(|_| ExchangeError::Invalid("a stored payload does not decode".into()))?;
            let key = self.ensure_peer_key(peer).await?;
            match attestor.prepare(self, &item.id, peer, &payload, &key).await {
                Ok(bytes) => {
                    self.store
                        .set_sealed_envelope(&item.id, item.seq, &bytes)
                        .await?;
                    bytes
                }
                Err(ExchangeError::Refused(why)) => {
                    let note = format!("held for review: {why}");
                    self.store
                        .hold(&item.id, item.seq, State::Review, &note, &why, &now_stamp())
                        .await?;
                    self.announce(&item.id, &note).await;
                    return Ok(true);
                }
                Err(ExchangeError::Listed(why)) => {
                    let note = format!("rejected before sending: {why}");
                    self.store
                        .hold(
                            &item.id,
                            item.seq,
                            State::Rejected,
                            &note,
                            &why,
                            &now_stamp(),
                        )
                        .await?;
                    self.announce(&item.id, &note).await;
                    return Ok(true);
                }
                Err(e) => return Err(e),
            }
        } else {
            item.envelope.clone()
        };
        let sent = AttestedEnvelope::decode(sent_bytes.as_slice()).map_err(|_| {
            ExchangeError::Invalid("a stored attested envelope does not decode".into())
        })?;
        let reply = self
            .dialer
            .attested_transfer(peer, sent.clone())
            .await
            .map_err(|s| ExchangeError::Peer {
                peer: peer.name.clone(),
                message: format!("{:?}: {}", s.code(), s.message()),
            })?;
        let envelope = reply.envelope.clone().ok_or_else(|| ExchangeError::Peer {
            peer: peer.name.clone(),
            message: "the attested reply has no envelope".into(),
        })?;
        let bytes = reply.encode_to_vec();
        let receipt_json = reply.receipt_json.clone();
        self.finish_delivery(item, peer, &envelope, &bytes, || {
            match attestor.check_receipt(peer, &sent, &receipt_json) {
                Ok(r) => Ok(Some(r.to_json())),
                Err(why) => Err(format!("the receipt does not check: {why}")),
            }
        })
        .await
    }

    /// Records the peer's answer `reply` (stored as `bytes`) to our outbox envelope.
    /// `receipt` checks what a payload reply must carry besides the envelope: `Ok(Some)`
    /// a receipt to store, `Err` a problem that is recorded on the transfer.
    async fn finish_delivery(
        &self,
        item: &OutboxItem,
        peer: &PeerEntry,
        reply: &SecureEnvelope,
        bytes: &[u8],
        receipt: impl FnOnce() -> Result<Option<String>, String>,
    ) -> Result<bool, ExchangeError> {
        if reply.id != item.id {
            return Err(ExchangeError::Peer {
                peer: peer.name.clone(),
                message: "the reply carries another envelope id".into(),
            });
        }
        if let Some(e) = &reply.error
            && reply.payload.is_empty()
        {
            let code = ErrorCode::try_from(e.code).unwrap_or(ErrorCode::Unhandled);
            if e.retry
                && matches!(code, ErrorCode::NoSigningKey | ErrorCode::InvalidKey)
                && item.plain.is_some()
                && item.peer_refusals < 3
            {
                // The peer lacks (or changed) keys: exchange again, seal afresh next time.
                self.store.count_peer_refusal(&item.id, item.seq).await?;
                self.exchange_keys(peer).await?;
                self.store
                    .set_sealed_envelope(&item.id, item.seq, &[])
                    .await?;
                return Err(ExchangeError::Peer {
                    peer: peer.name.clone(),
                    message: format!("{}: keys exchanged again", code.as_str_name()),
                });
            }
            if e.retry && code == ErrorCode::InvalidSignature && item.peer_refusals < 3 {
                // The peer's HMAC check failed: the envelope was damaged on the way (our
                // stored bytes are sealed and signed once). Nothing was stored there;
                // send the same bytes again, a few times at most (failed connections
                // before or between do not count).
                self.store.count_peer_refusal(&item.id, item.seq).await?;
                return Err(ExchangeError::Peer {
                    peer: peer.name.clone(),
                    message: format!("{}: resending the envelope", code.as_str_name()),
                });
            }
            let state = if e.retry {
                State::Repair
            } else {
                State::Rejected
            };
            let text = error_text(e);
            self.store
                .record_delivery(
                    &item.id,
                    item.seq,
                    bytes,
                    state,
                    &format!("{state} by the peer: {}", code.as_str_name()),
                    Some(&text),
                    Some(&reply.timestamp),
                    &now_stamp(),
                )
                .await?;
            self.announce(&item.id, &text).await;
            return Ok(true);
        }
        // A payload reply must open with our key; a reply we cannot read is retried.
        zktr_trisa::open(reply, Some(&self.sealing)).map_err(|e| ExchangeError::Peer {
            peer: peer.name.clone(),
            message: format!("the reply does not open: {e}"),
        })?;
        let problem = match receipt() {
            Ok(Some(json)) => {
                self.store.set_receipt(&item.id, &json).await?;
                None
            }
            Ok(None) => None,
            Err(why) => {
                tracing::warn!(transfer = %item.id, peer = %peer.name, %why, "bad receipt");
                Some(why)
            }
        };
        let state = state_of_reply(reply.transfer_state);
        let note = format!(
            "the peer answered {}",
            TransferState::try_from(reply.transfer_state)
                .unwrap_or(TransferState::Unspecified)
                .as_str_name()
        );
        self.store
            .record_delivery(
                &item.id,
                item.seq,
                bytes,
                state,
                &note,
                problem.as_deref(),
                Some(&reply.timestamp),
                &now_stamp(),
            )
            .await?;
        self.announce(&item.id, &note).await;
        Ok(true)
    }

    async fn seal_outgoing(
        &self,
        item: &OutboxItem,
        peer: &PeerEntry,
    ) -> Result<SecureEnvelope, ExchangeError> {
        let plain = item
            .plain
            .as_ref()
            .ok_or_else(|| ExchangeError::Invalid("an outbox entry has nothing to send".into()))?;
        let bytes = self.vault.open(plain)?;
        let payload = Payload::decode(bytes.as_slice())
            .map_err(|_| ExchangeError::Invalid("a stored payload does not decode".into()))?;
        let key = self.ensure_peer_key(peer).await?;
        let uuid = uuid::Uuid::parse_str(&item.id)
            .map_err(|_| ExchangeError::Invalid("a stored id is not a UUID".into()))?;
        let env = zktr_trisa::seal(
            &payload,
            &key,
            &SealOptions {
                id: Some(uuid),
                transfer_state: TransferState::try_from(item.out_state)
                    .unwrap_or(TransferState::Started),
                timestamp: Some(now_stamp()),
            },
        )
        .map_err(|e| ExchangeError::Seal(e.to_string()))?;
        self.store
            .set_sealed_envelope(&item.id, item.seq, &env.encode_to_vec())
            .await?;
        Ok(env)
    }

    /// Delivers the outbox envelope of one transfer now, if it has one.
    pub async fn deliver_transfer(&self, id: &str) -> Result<(), ExchangeError> {
        if let Some(item) = self.store.outbox_of(id).await? {
            let _ = self.deliver(item).await;
        }
        Ok(())
    }

    /// Runs the outbox until `shutdown` fires: delivers due envelopes, waits for new ones
    /// or the next retry time.
    pub async fn run_outbox(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.store.due_outbox(&now_stamp(), 32).await {
                Ok(items) => {
                    let mut set = tokio::task::JoinSet::new();
                    for item in items {
                        let core = self.clone();
                        set.spawn(async move {
                            let _ = core.deliver(item).await;
                        });
                    }
                    while set.join_next().await.is_some() {}
                }
                Err(e) => tracing::error!(error = %e, "reading the outbox failed"),
            }
            let wait = match self.store.next_outbox_time().await {
                Ok(Some(t)) => parse_time(&t)
                    .map(|t| {
                        let d = t - OffsetDateTime::now_utc();
                        Duration::from_millis(d.whole_milliseconds().clamp(10, 5_000) as u64)
                    })
                    .unwrap_or(Duration::from_secs(5)),
                _ => Duration::from_secs(5),
            };
            tokio::select! {
                _ = self.outbox_wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Fault injection for the crash tests (`tests/node_faults.rs`): with
/// `ZKTR_FAULT_PAUSE_BEFORE_REPLY_MS` set, a node waits that long after committing a
/// received envelope and before replying, so a test can kill it in exactly that window.
/// Read once; unset in production, where it costs one branch.
async fn fault_pause_before_reply() {
    static PAUSE: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    let pause = PAUSE.get_or_init(|| {
        std::env::var("ZKTR_FAULT_PAUSE_BEFORE_REPLY_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
    });
    if let Some(d) = pause {
        tracing::warn!(
            pause_ms = d.as_millis() as u64,
            "fault injection: pausing before the reply"
        );
        tokio::time::sleep(*d).await;
    }
}

/// A stored reply as the envelope a TRISANetwork caller gets (the envelope of an
/// attested reply).
fn decode_stored_reply(format: &str, bytes: &[u8]) -> Result<SecureEnvelope, Status> {
    let bad = || Status::internal("a stored reply does not decode");
    if format == "attested" {
        zktr_proto::zktr::transfer::v1::AttestedReply::decode(bytes)
            .ok()
            .and_then(|r| r.envelope)
            .ok_or_else(bad)
    } else {
        SecureEnvelope::decode(bytes).map_err(|_| bad())
    }
}

pub(crate) fn error_text(e: &TrisaError) -> String {
    let code = ErrorCode::try_from(e.code)
        .map(|c| c.as_str_name().to_string())
        .unwrap_or_else(|_| e.code.to_string());
    let msg: String = e.message.chars().take(300).collect();
    format!("{code}: {msg}")
}

/// A storage failure as the gRPC status a peer sees (logged here, never detailed).
pub(crate) fn internal(e: StoreError) -> Status {
    tracing::error!(error = %e, "storage failed");
    Status::internal("storage failed")
}

/// Reads KeyExchange `data` as TRISA does: PKIX DER, else PEM (public key or the first
/// certificate), else a DER certificate.
pub fn parse_exchange_key(data: &[u8]) -> Option<PublicSealingKey> {
    if data.is_empty() || data.len() > 64 * 1024 {
        return None;
    }
    if let Ok(k) = PublicSealingKey::from_der(data) {
        return Some(k);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(k) = PublicSealingKey::from_pem(text) {
            return Some(k);
        }
        if let Ok(blocks) = zktr_trisa::pem_blocks(text)
            && let Some((_, der)) = blocks.into_iter().find(|(l, _)| l == "CERTIFICATE")
        {
            return spki_of_certificate(&der);
        }
    }
    spki_of_certificate(data)
}

fn spki_of_certificate(der: &[u8]) -> Option<PublicSealingKey> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    PublicSealingKey::from_der(cert.public_key().raw).ok()
}

/// Builds the TRISA payload of a new transfer.
pub fn new_payload(identity: &zktr_ivms101::IdentityPayload, transaction: &Transaction) -> Payload {
    payload::build(
        identity,
        &TransactionPayload::Transaction(transaction.clone()),
        &now_stamp(),
    )
}

/// Puts a payload into the outbox for `id` (sealed for the peer at delivery time).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn queue_payload(
    core: &Core,
    id: &str,
    payload: &Payload,
    out_state: TransferState,
    expect: Option<&[State]>,
    new_state: Option<State>,
    note: &str,
    txid: Option<&str>,
) -> Result<(), ExchangeError> {
    let plain = core.vault.seal(&payload.encode_to_vec())?;
    core.store
        .queue_envelope(
            id,
            &Outgoing::Payload {
                plain,
                state: out_state as i32,
            },
            expect,
            new_state,
            note,
            txid,
            &now_stamp(),
        )
        .await?;
    core.outbox_wake.notify_one();
    Ok(())
}

/// Puts an error envelope into the outbox for `id`.
pub(crate) async fn queue_error(
    core: &Core,
    id: &str,
    code: ErrorCode,
    message: &str,
    expect: &[State],
    new_state: State,
    note: &str,
) -> Result<(), ExchangeError> {
    let env = error_envelope(id, code, message, false);
    core.store
        .queue_envelope(
            id,
            &Outgoing::Ready(env.encode_to_vec()),
            Some(expect),
            Some(new_state),
            note,
            None,
            &now_stamp(),
        )
        .await?;
    core.outbox_wake.notify_one();
    Ok(())
}

/// The originator's payload of a transfer we started (decrypted from storage).
pub(crate) async fn our_payload(core: &Core, id: &str) -> Result<Payload, ExchangeError> {
    let sealed = core.store.sealed_payload(id).await?.ok_or_else(|| {
        ExchangeError::Invalid("the transfer's data was erased or is not ours".into())
    })?;
    let bytes = core.vault.open(&sealed)?;
    Payload::decode(bytes.as_slice())
        .map_err(|_| ExchangeError::Invalid("a stored payload does not decode".into()))
}

/// The newest payload the peer sent us for a transfer (opened with our sealing key).
pub(crate) async fn received_payload(core: &Core, id: &str) -> Result<Payload, ExchangeError> {
    for (format, bytes) in core.store.received_requests(id).await? {
        let env = if format == "attested" {
            zktr_proto::zktr::transfer::v1::AttestedEnvelope::decode(bytes.as_slice())
                .ok()
                .and_then(|a| a.envelope)
        } else {
            SecureEnvelope::decode(bytes.as_slice()).ok()
        };
        let Some(env) = env else {
            continue;
        };
        if env.payload.is_empty() {
            continue;
        }
        if let Ok(p) = zktr_trisa::open(&env, Some(&core.sealing)) {
            return Ok(p);
        }
    }
    Err(ExchangeError::Invalid(
        "no readable payload was received for this transfer".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sort_as_strings() {
        let a = OffsetDateTime::from_unix_timestamp(1_700_000_005).unwrap();
        let b = a + time::Duration::milliseconds(500);
        assert!(stamp(a) < stamp(b));
        assert_eq!(stamp(a).len(), stamp(b).len());
        assert_eq!(parse_time(&stamp(b)), Some(b));
    }

    #[test]
    fn envelope_validation_follows_trisa() {
        let mut env = error_envelope(
            &uuid::Uuid::new_v4().to_string(),
            ErrorCode::Rejected,
            "no",
            false,
        );
        assert!(rules::validate_message(&env).is_ok());
        env.id = "not-a-uuid".into();
        assert_eq!(
            rules::validate_message(&env).unwrap_err().code,
            ErrorCode::BadRequest
        );
        env.id = uuid::Uuid::new_v4().to_string();
        env.timestamp = "yesterday".into();
        assert!(rules::validate_message(&env).is_err());
        env.timestamp = now_stamp();
        env.error = None;
        assert!(rules::validate_message(&env).is_err());
        env.payload = vec![1];
        assert!(
            rules::validate_message(&env).is_err(),
            "a payload without crypto fields"
        );
    }

    #[test]
    fn exchange_keys_parse_in_trisa_forms() {
        let k = SealingKey::generate_x25519().public_key();
        let der = k.spki_der().unwrap();
        assert!(parse_exchange_key(&der).is_some());
        assert!(parse_exchange_key(k.to_pem().unwrap().as_bytes()).is_some());
        assert!(parse_exchange_key(b"garbage").is_none());
        assert!(parse_exchange_key(&[]).is_none());
        let cert = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/data/trisa/alice.vaspbot.net.pem"),
        );
        if let Ok(cert) = cert {
            let k = parse_exchange_key(cert.as_bytes()).expect("the TestNet certificate's key");
            assert!(matches!(k, PublicSealingKey::Rsa(_)));
        }
    }
}
