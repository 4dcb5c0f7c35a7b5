//! Attested transfers (`../shared/DESIGN.md`, "The two flows"; issue 14): the proofs
//! travel beside the TRISA envelope on `zktr.transfer.v1.AttestedTransfer`.
//!
//! Originator (`Attestor::prepare`, called by the outbox for an attested transfer, every
//! step persisted so a restart resumes where it stopped and never logs or proves twice):
//!
//! 1. *commit*: the payload and the back office's facts give the 16 slots (with
//!    `attest.price_quotes`, the fiat value is the asset amount's value at a trusted
//!    publisher's quote, and the quote is kept with the opening: [`Attestor::price_for`]);
//!    a fresh master
//!    salt gives `C`; `C` is appended to our commitment log. The log's changed nodes, `C`,
//!    its position and the opening (encrypted at rest) are stored in one transaction.
//! 2. *prove*: a tree head covering `C` (one head serves every transfer committed since
//!    the last one) is signed and stored; the prover pool proves the four claims; the
//!    bundle is stored. A screening hit (a listed party) stops here: the transfer goes to
//!    REVIEW with the reason, and nothing is sent.
//! 3. *seal*: the payload is sealed for the beneficiary as plain TRISA does, the opening
//!    beside it (same id); the `AttestedEnvelope` bytes are stored and resent unchanged.
//! 4. The reply's receipt must verify under the peer's receipt key and name exactly this
//!    envelope, `C` and tree head; it is stored with the transfer.
//!
//! Beneficiary ([`receive`]): TRISA's envelope rules; then, before decrypting the payload,
//! the tree head must verify under the peer's log key (peers file); then
//! [`crate::flow::Beneficiary::accept`]: the bundle under the node's policy, the envelope
//! opened, `C` recomputed from the exact plaintext bytes and the opening; then the head
//! must be consistent with the last one seen of that log (a consistency proof fetched
//! from the peer's log service; a fork, or a log that cannot show consistency, is
//! refused); then the plain decision (customer address, webhook or review). A receipt over (envelope id, `C`, tree
//! head, received_at) is signed for every transfer held or accepted, and stored with the
//! request and reply in one transaction.

use crate::commit::TransferDetails;
use crate::config::{AttestConfig, PeerEntry};
use crate::exchange::{Core, ExchangeError, error_envelope, internal, now_stamp};
use crate::flow::{Beneficiary, CommitmentOpening, FlowError, SystemClock, received_transfer};
use crate::store::{Store, StoreError};
use ed25519_dalek::{SigningKey, VerifyingKey};
use prost::Message;
use std::sync::Arc;
use tonic::Status;
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::commitment::{Commitment, CommitmentTree, MasterSalt};
use zktr_circuits::field::{Word248, fr_from_be_bytes, fr_to_be_bytes};
use zktr_circuits::trees::log::CommitmentLog;
use zktr_proto::zktr::transfer::v1 as wire;
use zktr_prover::{BundleContext, Parallelism, Prover, ProvingKeys, TransferStatement};
use zktr_records::{ProofBundle, Receipt, SignedPriceQuote, SignedTreeHead};
use zktr_sanctions::SanctionsSet;
use zktr_trisa::{ErrorCode, Payload, PublicSealingKey, SealOptions, SecureEnvelope};
use zktr_verifier::{Policy, VerifyingKeys};

/// Why the attestation machinery could not start or a step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttestError {
    /// A file the `[attest]` section names.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The stored log does not restore.
    #[error("commitment log: {0}")]
    Log(String),
    /// Storage.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the back office states about an attested transfer, besides the payload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facts {
    /// Fiat value in minor units.
    pub fiat_value: u64,
    /// ISO 4217 numeric currency.
    pub fiat_currency: u16,
    /// Asset id (SLIP-0044 coin type).
    pub asset_id: u64,
    /// Asset amount in base units (decimal).
    pub asset_amount: String,
}

/// Reads an Ed25519 secret key file (64 hex digits, as `zktr node init` and
/// [`crate::init::write_ed25519_key`] write them).
pub fn read_seed(path: &std::path::Path) -> Result<SigningKey, AttestError> {
    let err = |message: &str| AttestError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let bytes = crate::config::read_small(path, 4096).map_err(|e| err(&e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| err("not text"))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| err("must hold an Ed25519 secret key as 64 hex digits"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a signed price quote file (`zktr price quote`), at most
/// [`zktr_records::MAX_QUOTE_JSON_BYTES`].
pub fn read_quote(path: &std::path::Path) -> Result<SignedPriceQuote, AttestError> {
    let err = |message: String| AttestError::File {
        path: path.to_path_buf(),
        message,
    };
    let bytes = crate::config::read_small(path, zktr_records::MAX_QUOTE_JSON_BYTES as u64)
        .map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| err("not text".into()))?;
    SignedPriceQuote::from_json(&text).map_err(|e| err(error_chain(&e)))
}

/// Checks a quote against the policy's price publishers: signed by one trusted for its
/// asset. (Age and window length are checked when it is used, as the verifier will.)
fn trusted_quote(policy: &Policy, quote: &SignedPriceQuote) -> Result<(), String> {
    let q = &quote.quote;
    let rule = policy.prices.get(&q.publisher_key_id).ok_or_else(|| {
        format!(
            "the quote's publisher {} is not among the policy's price_publishers",
            q.publisher_key_id
        )
    })?;
    if !rule.prices(&q.asset_id) {
        return Err(format!(
            "the policy trusts {} for other assets than {:?}",
            rule.name, q.asset
        ));
    }
    quote.verify(&rule.key).map_err(|e| e.to_string())
}

/// Loads the `[attest] sanctions` sets and checks them against our own policy: each set
/// is of a list the policy requires (by publisher and list id), and every required list
/// has exactly one set. Otherwise our bundles would be refused by every counterparty
/// under the same policy, so the node does not start, naming the file or the list.
fn load_sanctions(
    paths: &[std::path::PathBuf],
    policy: &Policy,
) -> Result<Vec<SanctionsSet>, AttestError> {
    let policy_error = |message: String| AttestError::File {
        path: paths.first().cloned().unwrap_or_default(),
        message,
    };
    if paths.is_empty() {
        return Err(policy_error(
            "[attest] sanctions names no sanctions set".into(),
        ));
    }
    if paths.len() > zktr_records::MAX_SANCTIONS_ROOTS {
        return Err(policy_error(format!(
            "[attest] sanctions names {} sets; a bundle carries at most {}",
            paths.len(),
            zktr_records::MAX_SANCTIONS_ROOTS
        )));
    }
    let mut sets: Vec<SanctionsSet> = Vec::with_capacity(paths.len());
    for path in paths {
        let set = SanctionsSet::load(path).map_err(|e| AttestError::File {
            path: path.clone(),
            message: error_chain(&e),
        })?;
        let r = &set.signed_root().record;
        let required = policy.lists.iter().any(|l| l.is_list_of(r));
        // Under a policy that names no list (no screening required), any set is ours to use.
        if !policy.lists.is_empty() && !required {
            return Err(AttestError::File {
                path: path.clone(),
                message: format!(
                    "is list {:?} of publisher {}, which our policy does not require (it requires {})",
                    r.list_id,
                    r.publisher_key_id,
                    policy
                        .lists
                        .iter()
                        .map(|l| format!("{:?}", l.list.list_id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        if sets.iter().any(|s| {
            let o = &s.signed_root().record;
            o.publisher_key_id == r.publisher_key_id && o.list_id == r.list_id
        }) {
            return Err(AttestError::File {
                path: path.clone(),
                message: format!("is a second set of list {:?}", r.list_id),
            });
        }
        sets.push(set);
    }
    for l in &policy.lists {
        if !sets.iter().any(|s| l.is_list_of(&s.signed_root().record)) {
            return Err(policy_error(format!(
                "our policy requires sanctions list {:?}, and [attest] sanctions has no set of it",
                l.list.list_id
            )));
        }
    }
    Ok(sets)
}

/// Parses a hex Ed25519 public key (peers file).
pub fn parse_public_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The node's attestation state: prover pool, verifying keys, policy, sanctions sets,
/// commitment log and the keys that sign tree heads and receipts.
pub struct Attestor {
    prover: Arc<Prover>,
    verifying_keys: Arc<VerifyingKeys>,
    policy: Arc<Policy>,
    /// One per list the policy requires, in the config's order.
    sanctions: Arc<Vec<SanctionsSet>>,
    jurisdiction: String,
    apply: Vec<String>,
    log_id: String,
    log_key: SigningKey,
    receipt_key: SigningKey,
    log: tokio::sync::Mutex<CommitmentLog>,
    /// Incoming bundles are verified here, in batches across concurrent transfers.
    batcher: crate::batch::VerifyBatcher,
    /// Whether plain TRISA transfers may go to peers that do not speak zktr.
    pub allow_unattested: bool,
    /// Signed price quote files, read again at every commitment.
    price_quotes: Vec<std::path::PathBuf>,
}

impl core::fmt::Debug for Attestor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Attestor")
            .field("log_id", &self.log_id)
            .field("jurisdiction", &self.jurisdiction)
            .finish_non_exhaustive()
    }
}

impl Attestor {
    /// Loads keys, policy and sanctions sets, and restores the commitment log from storage.
    pub async fn load(
        cfg: &AttestConfig,
        store: &Store,
        name: &str,
        metrics: &crate::metrics::Metrics,
    ) -> Result<Self, AttestError> {
        let file = |path: &std::path::Path, e: &dyn std::error::Error| AttestError::File {
            path: path.to_path_buf(),
            message: error_chain(e),
        };
        let keys = ProvingKeys::load(&cfg.params).map_err(|e| file(&cfg.params, &e))?;
        if keys.have_tables() {
            tracing::info!(
                params = %cfg.params.display(),
                table_mib = keys.table_bytes() >> 20,
                "proving keys loaded with their fixed-base tables"
            );
        } else {
            tracing::info!(
                params = %cfg.params.display(),
                "proving keys loaded without fixed-base tables (`zktr tables --params DIR` makes proving about 1.2-1.4x faster)"
            );
        }
        if !cfg.price_quotes.is_empty()
            && keys
                .get(zktr_circuits::circuits::CircuitId::ThresholdV2)
                .is_err()
        {
            return Err(AttestError::File {
                path: cfg.params.clone(),
                message: "has no threshold/v2 key (made before priced thresholds), which price_quotes needs: run zktr setup again or finalize a new ceremony".into(),
            });
        }
        let verifying_keys = VerifyingKeys::load(&cfg.params).map_err(|e| file(&cfg.params, &e))?;
        let prover =
            Prover::new(keys, Parallelism::default()).map_err(|e| file(&cfg.params, &e))?;
        let policy = Policy::load(&cfg.policy).map_err(|e| file(&cfg.policy, &e))?;
        if policy.jurisdiction(&cfg.jurisdiction).is_none() {
            return Err(AttestError::File {
                path: cfg.policy.clone(),
                message: format!("has no jurisdiction {:?}", cfg.jurisdiction),
            });
        }
        let sanctions = load_sanctions(&cfg.sanctions, &policy)?;
        for path in &cfg.price_quotes {
            // Each file must hold a quote of a publisher our policy trusts; its window may
            // have ended (the publisher's refresher replaces it), so time is not checked.
            let quote = read_quote(path)?;
            trusted_quote(&policy, &quote).map_err(|message| AttestError::File {
                path: path.clone(),
                message,
            })?;
        }
        if cfg.price_quotes.is_empty() && !policy.file.allow_unpriced_threshold {
            return Err(AttestError::File {
                path: cfg.policy.clone(),
                message: "requires priced thresholds (allow_unpriced_threshold is off), but [attest] names no price_quotes".into(),
            });
        }
        let log_key = read_seed(&cfg.log_key)?;
        let receipt_key = read_seed(&cfg.receipt_key)?;
        let log = restore_log(store).await?;
        if let Some(head) = store
            .latest_log_head(cfg.log_id.as_deref().unwrap_or(name))
            .await?
            && (head.size > log.len()
                || log
                    .root_at(head.size)
                    .map_err(|e| AttestError::Log(e.to_string()))?
                    != head.root)
        {
            return Err(AttestError::Log(format!(
                "the stored log does not match our signed tree head {}",
                head.size
            )));
        }
        tracing::info!(leaves = log.len(), "commitment log restored");
        let verifying_keys = Arc::new(verifying_keys);
        let policy = Arc::new(policy);
        let batcher = crate::batch::VerifyBatcher::start(
            verifying_keys.clone(),
            policy.clone(),
            metrics.clone(),
        );
        Ok(Self {
            prover: Arc::new(prover),
            verifying_keys,
            policy,
            batcher,
            sanctions: Arc::new(sanctions),
            jurisdiction: cfg.jurisdiction.clone(),
            apply: if cfg.apply.is_empty() {
                vec![cfg.jurisdiction.clone()]
            } else {
                cfg.apply.clone()
            },
            log_id: cfg.log_id.clone().unwrap_or_else(|| name.to_string()),
            log_key,
            receipt_key,
            log: tokio::sync::Mutex::new(log),
            allow_unattested: cfg.allow_unattested,
            price_quotes: cfg.price_quotes.clone(),
        })
    }

    /// What `AttestedTransfer.Describe` answers: protocols, our log and receipt keys, the
    /// bundle version, our verifying keys and jurisdiction.
    pub fn describe(&self, name: &str) -> wire::NodeDescription {
        let keys: Vec<_> = self.verifying_keys.iter().collect();
        let mut ceremonies: Vec<&str> = keys.iter().map(|k| k.ceremony.as_str()).collect();
        ceremonies.sort_unstable();
        ceremonies.dedup();
        wire::NodeDescription {
            name: name.to_string(),
            protocols: vec![
                "zktr.transfer.v1".into(),
                "zktr.log.v1".into(),
                "zktr.bundle.v1".into(),
            ],
            log_id: self.log_id.clone(),
            log_public_key: self.log_public_key(),
            receipt_public_key: self.receipt_public_key(),
            bundle_version: zktr_records::BUNDLE_VERSION,
            verifying_key_ids: keys.iter().map(|k| k.id.clone()).collect(),
            ceremony: ceremonies.join(","),
            jurisdiction: self.jurisdiction.clone(),
        }
    }

    /// Our log's public key (hex), as peers put it in their peers file.
    pub fn log_public_key(&self) -> String {
        hex::encode(self.log_key.verifying_key().to_bytes())
    }

    /// Our receipt key's public half (hex).
    pub fn receipt_public_key(&self) -> String {
        hex::encode(self.receipt_key.verifying_key().to_bytes())
    }

    /// Our log's id.
    pub fn log_id(&self) -> &str {
        &self.log_id
    }

    /// The latest tree head, signing one if the log grew since the last (or none exists).
    pub async fn tree_head(&self, store: &Store) -> Result<SignedTreeHead, StoreError> {
        let log = self.log.lock().await;
        self.head_locked(&log, store).await
    }

    async fn head_locked(
        &self,
        log: &CommitmentLog,
        store: &Store,
    ) -> Result<SignedTreeHead, StoreError> {
        if let Some(head) = store.latest_log_head(&self.log_id).await?
            && head.size == log.len()
        {
            return Ok(head);
        }
        let head = SignedTreeHead::sign(
            &self.log_id,
            log.len(),
            log.root(),
            SystemClock.now_secs(),
            &self.log_key,
        );
        store.put_log_head(&head).await?;
        Ok(head)
    }

    /// Inclusion proof of `C` in the log at `size` (0: the latest head's size).
    pub async fn inclusion(
        &self,
        store: &Store,
        commitment: &Commitment,
        size: u64,
    ) -> Result<zktr_circuits::trees::log::InclusionProof, Status> {
        let index = store
            .log_index_of(&fr_to_be_bytes(&commitment.0))
            .await
            .map_err(|_| Status::internal("storage failed"))?
            .ok_or_else(|| Status::not_found("this commitment is not in the log"))?;
        let log = self.log.lock().await;
        let size = if size == 0 {
            self.head_locked(&log, store)
                .await
                .map_err(|_| Status::internal("storage failed"))?
                .size
        } else {
            size
        };
        log.inclusion_proof(index, size)
            .map_err(|e| Status::out_of_range(e.to_string()))
    }

    /// Consistency proof between two sizes (`new_size` 0: the latest head's size).
    pub async fn consistency(
        &self,
        store: &Store,
        old_size: u64,
        new_size: u64,
    ) -> Result<zktr_circuits::trees::log::ConsistencyProof, Status> {
        let log = self.log.lock().await;
        let new_size = if new_size == 0 {
            self.head_locked(&log, store)
                .await
                .map_err(|_| Status::internal("storage failed"))?
                .size
        } else {
            new_size
        };
        log.consistency_proof(old_size, new_size)
            .map_err(|e| Status::out_of_range(e.to_string()))
    }
}

trait NowSecs {
    fn now_secs(&self) -> u64;
}

impl NowSecs for SystemClock {
    fn now_secs(&self) -> u64 {
        crate::flow::Clock::now(self)
    }
}

/// The commitment opening on the wire.
fn opening_to_wire(o: &CommitmentOpening) -> wire::CommitmentOpening {
    let d = &o.details;
    wire::CommitmentOpening {
        master_salt: fr_to_be_bytes(&o.master_salt.expose_secret()).to_vec(),
        fiat_value: d.fiat_value,
        fiat_currency: u32::from(d.fiat_currency),
        asset_id: fr_to_be_bytes(&d.asset_id.to_fr()).to_vec(),
        asset_amount: d.asset_amount.to_string(),
        beneficiary_address: d.beneficiary_address.clone(),
        envelope_id: d.envelope_id.to_string(),
        originator_vasp_id: d.originator_vasp_id.clone(),
        beneficiary_vasp_id: d.beneficiary_vasp_id.clone(),
        committed_at: d.committed_at,
        price_quote_json: o
            .price_quote
            .as_ref()
            .map(SignedPriceQuote::to_json)
            .unwrap_or_default(),
    }
}

pub(crate) fn opening_from_wire(w: &wire::CommitmentOpening) -> Option<CommitmentOpening> {
    let fr = |b: &[u8]| -> Option<zktr_circuits::Fr> {
        let arr: [u8; 32] = b.try_into().ok()?;
        fr_from_be_bytes(&arr).ok()
    };
    Some(CommitmentOpening {
        master_salt: MasterSalt::from_fr(fr(&w.master_salt)?),
        details: TransferDetails {
            fiat_value: w.fiat_value,
            fiat_currency: u16::try_from(w.fiat_currency).ok()?,
            asset_id: Word248::new(fr(&w.asset_id)?).ok()?,
            asset_amount: w.asset_amount.parse().ok()?,
            beneficiary_address: w.beneficiary_address.clone(),
            envelope_id: uuid::Uuid::parse_str(&w.envelope_id).ok()?,
            originator_vasp_id: w.originator_vasp_id.clone(),
            beneficiary_vasp_id: w.beneficiary_vasp_id.clone(),
            committed_at: w.committed_at,
        },
        price_quote: if w.price_quote_json.is_empty() {
            None
        } else {
            Some(SignedPriceQuote::from_json(&w.price_quote_json).ok()?)
        },
    })
}

/// Seals a commitment opening for the beneficiary, beside the envelope of the same id.
pub fn opening_envelope(
    opening: &CommitmentOpening,
    recipient: &PublicSealingKey,
) -> Result<SecureEnvelope, zktr_trisa::SealError> {
    let options = SealOptions {
        id: Some(opening.details.envelope_id),
        transfer_state: zktr_trisa::TransferState::Started,
        timestamp: Some(now_stamp()),
    };
    zktr_trisa::seal_bytes(
        &opening_to_wire(opening).encode_to_vec(),
        recipient,
        &options,
    )
}

fn refused(message: impl Into<String>) -> ExchangeError {
    ExchangeError::Refused(message.into())
}

impl Attestor {
    /// The originator's steps for one transfer up to the sealed `AttestedEnvelope` (bytes),
    /// each persisted; resumes from whatever is already stored.
    pub(crate) async fn prepare(
        &self,
        core: &Core,
        id: &str,
        peer: &PeerEntry,
        payload: &Payload,
        recipient: &PublicSealingKey,
    ) -> Result<Vec<u8>, ExchangeError> {
        let store = &core.store;
        let row = store.attestation(id).await?.ok_or_else(|| {
            ExchangeError::Invalid("an attested transfer without its facts".into())
        })?;
        // 1. Commit (once).
        let (opening, commitment) = match (&row.opening, &row.commitment) {
            (Some(sealed), Some(c)) => {
                let bytes = core.vault.open(sealed)?;
                let w = wire::CommitmentOpening::decode(bytes.as_slice())
                    .ok()
                    .and_then(|w| opening_from_wire(&w))
                    .ok_or_else(|| {
                        ExchangeError::Invalid("a stored opening does not decode".into())
                    })?;
                (w, *c)
            }
            _ => self.commit(core, id, peer, payload, &row.facts).await?,
        };
        // 2. Prove (once).
        let bundle = match &row.bundle {
            Some(b) => ProofBundle::from_protobuf(b)
                .map_err(|e| ExchangeError::Invalid(format!("a stored bundle: {e}")))?,
            None => {
                let bundle = self.prove(core, id, payload, &opening, &commitment).await?;
                store.set_bundle(id, &bundle.to_protobuf()).await?;
                bundle
            }
        };
        // 3. Seal the payload and, beside it, the opening.
        let uuid = opening.details.envelope_id;
        let options = SealOptions {
            id: Some(uuid),
            transfer_state: zktr_trisa::TransferState::Started,
            timestamp: Some(now_stamp()),
        };
        let envelope = zktr_trisa::seal(payload, recipient, &options)
            .map_err(|e| ExchangeError::Seal(e.to_string()))?;
        let sealed_opening = opening_envelope(&opening, recipient)
            .map_err(|e| ExchangeError::Seal(e.to_string()))?;
        Ok(wire::AttestedEnvelope {
            envelope: Some(envelope),
            bundle: Some(bundle.to_message()),
            opening: Some(sealed_opening),
        }
        .encode_to_vec())
    }

    async fn commit(
        &self,
        core: &Core,
        id: &str,
        peer: &PeerEntry,
        payload: &Payload,
        facts: &Facts,
    ) -> Result<(CommitmentOpening, Commitment), ExchangeError> {
        let txn = zktr_trisa::payload::transaction(payload)
            .ok()
            .and_then(|t| t.transaction().cloned())
            .ok_or_else(|| ExchangeError::Invalid("the payload has no transaction".into()))?;
        let mut details = TransferDetails {
            fiat_value: facts.fiat_value,
            fiat_currency: facts.fiat_currency,
            asset_id: Word248::new(zktr_circuits::field::fr_from_u64(facts.asset_id))
                .map_err(|e| ExchangeError::Invalid(e.to_string()))?,
            asset_amount: facts.asset_amount.parse().map_err(|_| {
                ExchangeError::Invalid(
                    "the asset amount is not a whole number of base units".into(),
                )
            })?,
            beneficiary_address: txn.beneficiary.clone(),
            envelope_id: uuid::Uuid::parse_str(id)
                .map_err(|_| ExchangeError::Invalid("bad id".into()))?,
            originator_vasp_id: core.name().to_string(),
            beneficiary_vasp_id: peer.name.clone(),
            committed_at: SystemClock.now_secs(),
        };
        let price_quote = match self.price_for(&details)? {
            Some((quote, value)) => {
                if value != facts.fiat_value {
                    tracing::debug!(transfer = %id, "the fiat value is the quote's, not the back office's");
                }
                details.fiat_value = value;
                Some(quote)
            }
            None => None,
        };
        let values = crate::commit::slot_values(payload, &details)
            .map_err(|e| refused(format!("commitment: {e}")))?;
        let mut rng = zktr_prover::os_rng().map_err(|e| ExchangeError::Invalid(e.to_string()))?;
        let master_salt = MasterSalt::random(&mut rng);
        let tree = CommitmentTree::new(values, &master_salt);
        let commitment = tree.commitment();
        let opening = CommitmentOpening {
            master_salt,
            details,
            price_quote,
        };
        let sealed_opening = core
            .vault
            .seal(&opening_to_wire(&opening).encode_to_vec())?;
        let mut log = self.log.lock().await;
        let before = log.len();
        let index = log
            .append(commitment)
            .map_err(|e| ExchangeError::Invalid(format!("commitment log: {e}")))?;
        let nodes = log.changed_nodes(before);
        if let Err(e) = core
            .store
            .record_commitment(
                id,
                &fr_to_be_bytes(&commitment.0),
                index,
                &sealed_opening,
                &nodes,
            )
            .await
        {
            // Not stored: undo the in-memory append so memory and storage agree.
            if let Ok(restored) = core.store.log_nodes().await.and_then(|n| {
                CommitmentLog::from_nodes(n).map_err(|e| StoreError::Corrupt(e.to_string()))
            }) {
                *log = restored;
            }
            return Err(e.into());
        }
        tracing::info!(transfer = %id, log_index = index, "committed");
        Ok((opening, commitment))
    }

    /// The price quote a transfer is committed with: among `attest.price_quotes` (each
    /// file read now, so a publisher's refresher can replace it), one for the transfer's
    /// asset and currency, signed by a publisher the policy trusts for the asset, valid
    /// at the commitment time, not older and no longer than the policy allows (so that
    /// counterparties with the same policy accept it), with the fiat value it gives the
    /// transfer ([`zktr_records::PriceQuote::value_at`]). `None` means unpriced
    /// (`threshold/v1`): only if no quote file is configured or none is for this asset
    /// and currency, and the policy allows unpriced thresholds.
    pub fn price_for(
        &self,
        details: &TransferDetails,
    ) -> Result<Option<(SignedPriceQuote, u64)>, ExchangeError> {
        let now = details.committed_at;
        let mut why_not = Vec::new();
        let mut any_for_asset = false;
        for path in &self.price_quotes {
            let quote = match read_quote(path) {
                Ok(q) => q,
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "price quote file not read");
                    why_not.push(e.to_string());
                    continue;
                }
            };
            let q = &quote.quote;
            if q.asset_id != details.asset_id || q.currency != details.fiat_currency {
                continue;
            }
            any_for_asset = true;
            // The checks a counterparty under the same policy makes, then the value (the
            // window must cover the commitment time).
            let priced = zktr_verifier::check_price_quote(&quote, &self.policy, now)
                .map_err(|reasons| {
                    reasons
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                        + ": refresh it"
                })
                .and_then(|_| {
                    q.value_at(
                        &details.asset_id,
                        details.fiat_currency,
                        details.asset_amount,
                        now,
                    )
                    .map_err(|e| e.to_string())
                });
            match priced {
                Ok(value) => return Ok(Some((quote, value))),
                Err(e) => why_not.push(format!("{}: {e}", path.display())),
            }
        }
        if !any_for_asset && self.policy.file.allow_unpriced_threshold {
            return Ok(None);
        }
        Err(refused(format!(
            "no usable price quote for this asset in currency {} (attest.price_quotes){}{}",
            details.fiat_currency,
            if why_not.is_empty() { "" } else { ": " },
            why_not.join("; ")
        )))
    }

    async fn prove(
        &self,
        core: &Core,
        id: &str,
        payload: &Payload,
        opening: &CommitmentOpening,
        commitment: &Commitment,
    ) -> Result<ProofBundle, ExchangeError> {
        let values = crate::commit::slot_values(payload, &opening.details)
            .map_err(|e| refused(format!("commitment: {e}")))?;
        let tree = CommitmentTree::new(values, &opening.master_salt);
        if tree.commitment() != *commitment {
            return Err(ExchangeError::Invalid(
                "the stored opening does not give the stored commitment".into(),
            ));
        }
        let (head, inclusion) = {
            let log = self.log.lock().await;
            let head = self.head_locked(&log, &core.store).await?;
            let index = core
                .store
                .log_index_of(&fr_to_be_bytes(&commitment.0))
                .await?
                .ok_or_else(|| ExchangeError::Invalid("the commitment is not in our log".into()))?;
            let inclusion = log
                .inclusion_proof(index, head.size)
                .map_err(|e| ExchangeError::Invalid(e.to_string()))?;
            (head, inclusion)
        };
        let policy = self.policy.clone();
        let jurisdiction = policy
            .jurisdiction(&self.jurisdiction)
            .ok_or_else(|| ExchangeError::Invalid("the policy lost our jurisdiction".into()))?;
        let threshold = jurisdiction
            .thresholds
            .iter()
            .find(|t| t.currency_numeric == opening.details.fiat_currency)
            .ok_or_else(|| {
                refused(format!(
                    "jurisdiction {} has no threshold in currency {}",
                    self.jurisdiction, opening.details.fiat_currency
                ))
            })?;
        let direction = if opening.details.fiat_value >= threshold.amount_minor {
            ThresholdDirection::AtOrAbove
        } else {
            ThresholdDirection::Below
        };
        let amount = threshold.amount_minor;
        let currency = threshold.currency_numeric;
        let prover = self.prover.clone();
        let sanctions = self.sanctions.clone();
        // Officers' clearances still valid for this C and a loaded list; one made for an
        // older list is dropped, and the party is screened again.
        let (_, mut clearances) = core.store.review_state(id).await?;
        clearances.retain(|c| {
            let current = c.commitment == *commitment
                && sanctions.iter().any(|set| {
                    let signed = &set.signed_root().record;
                    c.list_id == signed.list_id
                        && c.list_version == signed.version
                        && c.sanctions_root == signed.root.0
                        && c.publisher_key_id == signed.publisher_key_id
                });
            if !current {
                tracing::warn!(transfer = %id, slot = c.slot.as_str(), "a clearance for another list version is not used; screening again");
            }
            current
        });
        let context = BundleContext {
            jurisdiction: self.jurisdiction.clone(),
            tree_head: head.clone(),
            sanctions_roots: sanctions.iter().map(|s| s.signed_root().clone()).collect(),
        };
        let price = opening.price_quote.clone();
        let queued = core.metrics.queued_for_proving();
        let started = std::time::Instant::now();
        let bundle = tokio::task::spawn_blocking(move || {
            let sets: Vec<_> = sanctions.iter().map(SanctionsSet::tree).collect();
            let statement = TransferStatement {
                tree: &tree,
                threshold: amount,
                threshold_currency: currency,
                direction,
                inclusion: &inclusion,
                log_root: head.root,
                sanctions: zktr_prover::SanctionsSets::Many(&sets),
                clearances: &clearances,
                price: price.as_ref(),
            };
            prover.prove_transfer(&statement, &context)
        })
        .await;
        drop(queued);
        let bundle = match bundle {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                core.metrics.not_proved("refused");
                return Err(self.refusal(core, id, e).await);
            }
            Err(_) => {
                core.metrics.not_proved("failed");
                return Err(ExchangeError::Invalid("the prover task failed".into()));
            }
        };
        let took = started.elapsed();
        core.metrics
            .proved(bundle.claims.iter().map(|c| c.circuit.as_str()), took);
        tracing::info!(transfer = %id, ms = took.as_millis() as u64, "transfer proved");
        Ok(bundle)
    }

    /// What a prover error means for the transfer: a name hit is stored and held for an
    /// officer ([`crate::review`]); an identifier or address on the list rejects it; any
    /// other false claim is held for review with its reason.
    async fn refusal(&self, core: &Core, id: &str, e: zktr_prover::ProverError) -> ExchangeError {
        use zktr_prover::Refusal;
        let Some((_, reason)) = e.refusal() else {
            return ExchangeError::Invalid(format!("proving: {e}"));
        };
        match reason {
            Refusal::PartyListed { party, slot, list } => {
                let Some(set) = self.sanctions.get(*list) else {
                    return ExchangeError::Invalid(format!("proving: {e}"));
                };
                let signed = set.signed_root();
                match crate::review::name_slot(slot) {
                    Some(name) => {
                        let hit = crate::review::StoredHit::new(name, signed);
                        if let Err(err) = core.store.set_screening_hit(id, &hit).await {
                            return err.into();
                        }
                        refused(format!(
                            "screening: the {party}'s name is on list {} version {}; an officer may clear a false positive (zktr transfer clear) or reject the transfer",
                            hit.list_id, hit.list_version
                        ))
                    }
                    None => ExchangeError::Listed(format!(
                        "screening: the {party}'s {slot} is on list {} version {}",
                        signed.record.list_id, signed.record.version
                    )),
                }
            }
            _ => refused(format!("screening: {e}")),
        }
    }

    /// Checks the receipt a beneficiary returned for our attested envelope.
    pub(crate) fn check_receipt(
        &self,
        peer: &PeerEntry,
        sent: &wire::AttestedEnvelope,
        receipt_json: &str,
    ) -> Result<Receipt, String> {
        let key = peer
            .receipt_key
            .as_deref()
            .and_then(parse_public_key)
            .ok_or("the peers file has no receipt_key for this peer")?;
        let receipt = Receipt::from_json(receipt_json).map_err(|e| e.to_string())?;
        let bundle = sent
            .bundle
            .clone()
            .ok_or("no bundle was sent")
            .and_then(|b| {
                ProofBundle::from_message(b).map_err(|_| "the sent bundle does not decode")
            })?;
        let id = sent.envelope.as_ref().map(|e| e.id.as_str()).unwrap_or("");
        receipt
            .verify_for(&key, id, &bundle.commitment, &bundle.tree_head)
            .map_err(|e| e.to_string())?;
        Ok(receipt)
    }
}

fn reply(env: SecureEnvelope, receipt: Option<&Receipt>) -> wire::AttestedReply {
    wire::AttestedReply {
        envelope: Some(env),
        receipt_json: receipt.map(Receipt::to_json).unwrap_or_default(),
    }
}

fn reject_reply(id: &str, code: ErrorCode, message: &str, retry: bool) -> wire::AttestedReply {
    reply(error_envelope(id, code, message, retry), None)
}

/// The beneficiary's handling of one `AttestedEnvelope` from `peer`.
pub async fn receive(
    core: &Core,
    peer: &str,
    req: wire::AttestedEnvelope,
) -> Result<wire::AttestedReply, Status> {
    let Some(att) = core.attestor.as_ref() else {
        return Err(Status::unimplemented(
            "this node does not accept attested transfers",
        ));
    };
    let request_bytes = req.encode_to_vec();
    let env = req
        .envelope
        .clone()
        .ok_or_else(|| Status::invalid_argument("an attested transfer needs its envelope"))?;
    if let Err(r) = zktr_trisa::rules::validate_message(&env) {
        return Ok(reject_reply(&env.id, r.code, &r.message, r.retry));
    }
    let id = env.id.clone();
    let lock = core.lock_for(&id);
    let _guard = lock.lock().await;
    // The whole attested request identifies a replay: a byte-identical resend (our own
    // outbox after a crash) gets the stored reply; the same envelope with another bundle
    // or opening is a different request, refused below as a second start.
    let idem = {
        use sha2::Digest;
        sha2::Sha256::digest(&request_bytes).to_vec()
    };
    if let Some((format, stored)) = core
        .store
        .stored_reply(&id, &idem)
        .await
        .map_err(internal)?
    {
        core.metrics.replayed();
        return if format == "attested" {
            wire::AttestedReply::decode(stored.as_slice())
                .map_err(|_| Status::internal("a stored reply does not decode"))
        } else {
            SecureEnvelope::decode(stored.as_slice())
                .map(|e| reply(e, None))
                .map_err(|_| Status::internal("a stored reply does not decode"))
        };
    }
    if let Some(t) = core.store.transfer(&id).await.map_err(internal)? {
        if t.peer != peer {
            return Err(Status::permission_denied(
                "this transfer belongs to another peer",
            ));
        }
        return Err(Status::failed_precondition(
            "an attested envelope starts a transfer; later envelopes of it go through TRISANetwork",
        ));
    }
    if crate::exchange::is_error_envelope(&env) || env.payload.is_empty() {
        return Err(Status::not_found("no transfer with this id"));
    }
    let entry = core.peers.get(peer);
    let bundle = match req.bundle.clone().map(ProofBundle::from_message) {
        Some(Ok(b)) => b,
        Some(Err(e)) => {
            return Ok(reject_reply(
                &id,
                ErrorCode::BadRequest,
                &format!("the proof bundle does not decode: {e}"),
                false,
            ));
        }
        None => {
            return Ok(reject_reply(
                &id,
                ErrorCode::MissingFields,
                "an attested transfer needs its proof bundle",
                false,
            ));
        }
    };
    // The tree head must be the sending peer's log, and consistent with what we saw.
    let log_key = entry
        .as_ref()
        .and_then(|e| e.log_key.as_deref())
        .and_then(parse_public_key);
    let Some(log_key) = log_key else {
        return Ok(reject_reply(
            &id,
            ErrorCode::Untrusted,
            "no log key for this peer in our peers file",
            false,
        ));
    };
    match bundle.tree_head.verify(&log_key) {
        Ok(()) => {}
        Err(e @ zktr_records::TreeHeadError::LogVersion1 { .. }) => {
            return Ok(reject_reply(
                &id,
                ErrorCode::Untrusted,
                &e.to_string(),
                false,
            ));
        }
        Err(_) => {
            return Ok(reject_reply(
                &id,
                ErrorCode::Untrusted,
                "the tree head is not signed by this peer's log key",
                false,
            ));
        }
    }
    let Some(opening_env) = req.opening.as_ref() else {
        return Ok(reject_reply(
            &id,
            ErrorCode::MissingFields,
            "an attested transfer needs its commitment opening",
            false,
        ));
    };
    let opening = match zktr_trisa::open_bytes(opening_env, Some(&core.sealing)) {
        Ok(bytes) => match wire::CommitmentOpening::decode(bytes.as_slice())
            .ok()
            .and_then(|w| opening_from_wire(&w))
        {
            Some(o) => o,
            None => {
                return Ok(reject_reply(
                    &id,
                    ErrorCode::EnvelopeDecodeFail,
                    "the commitment opening does not decode",
                    false,
                ));
            }
        },
        Err(e) => {
            let r = zktr_trisa::rules::open_rejection(&e);
            return Ok(reject_reply(
                &id,
                r.code,
                &format!("commitment opening: {}", r.message),
                r.retry,
            ));
        }
    };
    let Some(sender_key) = core.peer_sealing_key(peer).await.map_err(internal)? else {
        return Ok(reject_reply(
            &id,
            ErrorCode::NoSigningKey,
            "no sealing key for your certificate: exchange keys, then retry",
            true,
        ));
    };
    // Verify without decrypting, then open and recompute C (CPU: off the async threads).
    let received = match received_transfer(
        opening.details.asset_id,
        opening.details.asset_amount,
        &opening.details.beneficiary_address,
    ) {
        Ok(r) => r,
        Err(e) => {
            return Ok(reject_reply(
                &id,
                ErrorCode::ValidationError,
                &e.to_string(),
                false,
            ));
        }
    };
    // Verify without decrypting, batched with the other transfers arriving now; then
    // open and recompute C (CPU: off the async threads).
    let request = zktr_verifier::VerifyRequest {
        now: SystemClock.now_secs(),
        jurisdictions: att.apply.clone(),
        transfer: Some(received),
        seen_lists: None,
    };
    let verified = att
        .batcher
        .verify(bundle.clone(), request)
        .await
        .map_err(|_| Status::unavailable("the node is shutting down"))?;
    let accepted = match verified {
        Err(rejection) => Err(FlowError::Rejected(rejection)),
        Ok(found) => {
            let verifying_keys = att.verifying_keys.clone();
            let policy = att.policy.clone();
            let apply = att.apply.clone();
            let sealing = core.sealing.clone();
            let env2 = env.clone();
            let bundle2 = bundle.clone();
            let opening2 = opening.clone();
            tokio::task::spawn_blocking(move || {
                Beneficiary {
                    sealing_key: &sealing,
                    verifying_keys: &verifying_keys,
                    policy: &policy,
                    jurisdictions: &apply,
                    seen_lists: None,
                    clock: &SystemClock,
                }
                .open_verified(&env2, &bundle2, &opening2, found)
            })
            .await
            .map_err(|_| Status::internal("opening task failed"))?
        }
    };
    let accepted = match accepted {
        Ok(a) => a,
        Err(FlowError::Open(e)) => {
            let r = zktr_trisa::rules::open_rejection(&e);
            return Ok(reject_reply(&id, r.code, &r.message, r.retry));
        }
        Err(e) => {
            tracing::info!(transfer = %id, %peer, reason = %e, "attested transfer refused");
            return Ok(reject_reply(
                &id,
                ErrorCode::ComplianceCheckFail,
                &e.to_string(),
                false,
            ));
        }
    };
    // A clearance stands in for a screening proof only if the sending VASP's own officer
    // signed it (the policy names officers per VASP; this binds that VASP to the peer).
    if let Some(c) = accepted.accepted.cleared.iter().find(|c| c.vasp != peer) {
        return Ok(reject_reply(
            &id,
            ErrorCode::ComplianceCheckFail,
            &format!(
                "the {}'s clearance is by an officer of {}, not of the sending VASP",
                c.party.as_str(),
                c.vasp.chars().take(64).collect::<String>()
            ),
            false,
        ));
    }
    if !accepted.accepted.cleared.is_empty() {
        tracing::info!(transfer = %id, %peer, cleared = accepted.accepted.cleared.len(), "bundle relies on officers' clearances of name hits");
    }
    let checked = match zktr_trisa::rules::validate_payload(accepted.payload) {
        Ok(c) => c,
        Err(r) => return Ok(reject_reply(&id, r.code, &r.message, r.retry)),
    };
    if checked
        .transaction
        .transaction()
        .map(|t| t.beneficiary.trim() != opening.details.beneficiary_address.trim())
        .unwrap_or(true)
    {
        return Ok(reject_reply(
            &id,
            ErrorCode::ComplianceCheckFail,
            "the committed beneficiary address is not the payload's",
            false,
        ));
    }
    // Last before accepting: the head extends the last one we saw of this log.
    if let Err(why) = check_peer_head(core, entry.as_ref(), peer, &bundle.tree_head).await {
        return Ok(reject_reply(&id, ErrorCode::Untrusted, &why, false));
    }
    let (state, reply_env, note) = core.decide(peer, &env, checked, &sender_key).await?;
    let receipt = (!matches!(
        state,
        crate::store::State::Rejected | crate::store::State::Repair
    ))
    .then(|| {
        Receipt::sign(
            &id,
            accepted.commitment,
            bundle.tree_head.clone(),
            core.name(),
            SystemClock.now_secs(),
            &att.receipt_key,
        )
    });
    let out = reply(reply_env, receipt.as_ref());
    let attestation = crate::store::ReceivedAttestation {
        commitment: fr_to_be_bytes(&accepted.commitment.0).to_vec(),
        bundle: bundle.to_protobuf(),
        receipt: receipt.as_ref().map(Receipt::to_json),
    };
    core.commit_attested(
        peer,
        &env,
        &idem,
        &request_bytes,
        &out,
        state,
        &note,
        attestation,
    )
    .await?;
    if let Err(e) = core.store.put_peer_head(peer, &bundle.tree_head).await {
        tracing::warn!(error = %e, "could not store the peer's tree head");
    }
    Ok(out)
}

/// Our commitment log from the store. If only its leaves are stored (a store migrated
/// from version 1's binary log: migration 0007 keeps the leaves, the commitments in
/// order, and drops the binary inner nodes), the 4-ary log is rebuilt from them and its
/// nodes are written in one transaction before anything is served; a crash part-way
/// leaves the leaves alone, and the next start does it again.
async fn restore_log(store: &Store) -> Result<CommitmentLog, AttestError> {
    let nodes = store.log_nodes().await?;
    if nodes.is_empty() || nodes.iter().any(|(height, _, _)| *height > 0) {
        return CommitmentLog::from_nodes(nodes).map_err(|e| AttestError::Log(e.to_string()));
    }
    let mut leaves = nodes;
    leaves.sort_unstable_by_key(|(_, index, _)| *index);
    if let Some((k, _)) = leaves
        .iter()
        .enumerate()
        .find(|(k, (_, index, _))| *index != *k as u64)
    {
        return Err(AttestError::Log(format!(
            "the stored log's leaves have a gap at position {k}: cannot rebuild it"
        )));
    }
    let leaves: Vec<Commitment> = leaves.into_iter().map(|(_, _, c)| Commitment(c)).collect();
    let log = CommitmentLog::from_leaves(&leaves).map_err(|e| AttestError::Log(e.to_string()))?;
    store.put_log_nodes(&log.changed_nodes(0)).await?;
    tracing::info!(
        leaves = log.len(),
        "commitment log rebuilt from its leaves as the 4-ary log of circuit version 2"
    );
    Ok(log)
}

/// A peer's new tree head must extend the last one we saw of its log.
async fn check_peer_head(
    core: &Core,
    entry: Option<&PeerEntry>,
    peer: &str,
    head: &SignedTreeHead,
) -> Result<(), String> {
    let Ok(Some(last)) = core.store.peer_head(&head.log_id).await else {
        return Ok(());
    };
    if last.size == head.size {
        return if last.root == head.root {
            Ok(())
        } else {
            tracing::error!(%peer, log = %head.log_id, size = head.size, "two different tree heads of one size: the log forked");
            Err(format!(
                "log {} forked: two different roots at size {}",
                head.log_id, head.size
            ))
        };
    }
    if head.size < last.size {
        // An older head than one we saw: fine if it is a prefix; checked via a proof below.
    }
    let (old, new) = if head.size < last.size {
        (head, &last)
    } else {
        (&last, head)
    };
    let Some(entry) = entry else {
        return Err("the peer is not in our peers file".into());
    };
    let wire_proof = core
        .dialer
        .log_consistency(entry, old.size, new.size)
        .await
        .map_err(|s| {
            format!(
                "could not fetch the log's consistency proof: {}",
                s.message()
            )
        })?;
    let hashes = wire_proof
        .hashes
        .iter()
        .map(|h| {
            let arr: [u8; 32] = h.as_slice().try_into().ok()?;
            fr_from_be_bytes(&arr).ok()
        })
        .collect::<Option<Vec<_>>>()
        .ok_or("a malformed consistency proof")?;
    let proof = zktr_circuits::trees::log::ConsistencyProof {
        old_size: old.size,
        new_size: new.size,
        hashes,
    };
    proof.verify(&old.root, &new.root).map_err(|_| {
        tracing::error!(%peer, log = %head.log_id, "tree heads are not consistent: the log forked");
        format!(
            "log {} is not consistent with the tree head we saw at size {}",
            head.log_id, last.size
        )
    })
}

/// An error and its sources, `outer: inner: ...`, for a message that must carry the
/// whole cause in one string (a start-up error naming a file).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(inner) = next {
        out.push_str(": ");
        out.push_str(&inner.to_string());
        next = inner.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqliteConnectOptions;

    /// A store of version 1 (migrations 0001-0006, the binary log's nodes and heads) is
    /// migrated by 0007 and the 4-ary log rebuilt from its leaves at the first start: the
    /// same commitments at the same positions, the v2 root, nothing else lost.
    #[tokio::test]
    async fn a_version_1_store_is_rebuilt_as_the_4_ary_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("node.db");
        // The migrations of version 1 only, from copies of their files (same checksums).
        let v1 = dir.path().join("v1-migrations");
        std::fs::create_dir(&v1).expect("mkdir");
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for entry in std::fs::read_dir(&here).expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.get(..4).is_some_and(|version| version <= "0006") {
                std::fs::copy(&path, v1.join(name)).expect("copy");
            }
        }
        let pool = sqlx::SqlitePool::connect_with(
            SqliteConnectOptions::new()
                .filename(&db)
                .create_if_missing(true),
        )
        .await
        .expect("connect");
        sqlx::migrate::Migrator::new(v1.as_path())
            .await
            .expect("v1 migrator")
            .run(&pool)
            .await
            .expect("v1 migrations");
        // Version 1's log of 10 leaves: leaves, binary inner nodes, a head, a peer's head.
        let leaves: Vec<Commitment> = (0..10u64)
            .map(|i| Commitment(zktr_circuits::Fr::from(1_000 + i)))
            .collect();
        let put = |h: i64, i: i64, v: zktr_circuits::Fr| {
            sqlx::query("INSERT INTO log_nodes (height, idx, value) VALUES (?, ?, ?)")
                .bind(h)
                .bind(i)
                .bind(fr_to_be_bytes(&v).to_vec())
                .execute(&pool)
        };
        for (i, c) in leaves.iter().enumerate() {
            put(0, i as i64, c.0).await.expect("leaf");
        }
        for (h, n) in [(1, 5), (2, 3), (3, 2), (4, 1)] {
            for i in 0..n {
                put(h, i, zktr_circuits::Fr::from(7u64))
                    .await
                    .expect("node");
            }
        }
        sqlx::query("INSERT INTO log_heads (size, root, time, signature) VALUES (10, ?, 1, ?)")
            .bind(vec![7u8; 32])
            .bind(vec![0u8; 64])
            .execute(&pool)
            .await
            .expect("our head");
        sqlx::query(
            "INSERT INTO peer_heads (log_id, peer, size, root, time, signature)
             VALUES ('beta-log', 'beta', 10, ?, 1, ?)",
        )
        .bind(vec![7u8; 32])
        .bind(vec![0u8; 64])
        .execute(&pool)
        .await
        .expect("peer head");
        pool.close().await;

        let store = Store::open(&db).await.expect("open migrates");
        let log = restore_log(&store).await.expect("rebuilt");
        let expected = CommitmentLog::from_leaves(&leaves).expect("log");
        assert_eq!(log.len(), 10);
        assert_eq!(log.root(), expected.root());
        for (i, c) in leaves.iter().enumerate() {
            let proof = log.inclusion_proof(i as u64, 10).expect("proof");
            proof.verify(c, &expected.root()).expect("in place");
            let at = store
                .log_index_of(&fr_to_be_bytes(&c.0))
                .await
                .expect("index");
            assert_eq!(at, Some(i as u64));
        }
        assert!(store.latest_log_head("ours").await.expect("head").is_none());
        assert!(store.peer_head("beta-log").await.expect("peer").is_none());
        // The next start reads the stored 4-ary nodes without rebuilding.
        let again = restore_log(&store).await.expect("restored");
        assert_eq!(again.root(), expected.root());
        store.close().await;

        // A store whose leaves have a gap cannot be rebuilt, and says so.
        let gap = dir.path().join("gap.db");
        let store = Store::open(&gap).await.expect("open");
        store
            .put_log_nodes(&[(0, 0, leaves[0].0), (0, 2, leaves[2].0)])
            .await
            .expect("nodes");
        let err = restore_log(&store).await.expect_err("gap");
        assert!(err.to_string().contains("gap at position 1"), "{err}");
    }
}
