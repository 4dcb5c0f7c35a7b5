//! `zktr verifier --config FILE`: the stateless verifier service
//! `zktr.verifier.v1.Verifier` over TLS, with health and metrics on a plain-HTTP port.
//!
//! * `Verify` checks one bundle with [`zktr_verifier::verify_bundle`]; `VerifyStream`
//!   gathers the bundles of a stream into batches (what has arrived, up to
//!   `service.max_batch`, waiting at most `service.batch_linger_ms` for more) and checks
//!   each batch with [`zktr_verifier::verify_bundles_each`], so the proofs of all bundles
//!   that share a verifying key are one random linear combination; responses come back
//!   in request order. While one batch is verified the next one is read.
//! * What a bundle must match comes from each request (jurisdictions, on-chain transfer,
//!   list versions already seen, the time to judge freshness at), what the verifier
//!   trusts from its policy file and parameters folder, loaded once at start. Nothing is
//!   kept between requests, so any number of verifier processes with the same files can
//!   sit behind one address.
//! * Every problem is reported with a typed [`pb::Reason`], per claim or for the bundle.
//!   A bundle whose fields do not decode is a rejected bundle
//!   (`REASON_MALFORMED_BUNDLE`), not a failed call. A request that is not protobuf
//!   fails with `INTERNAL` (gRPC's code for a parse error), one over
//!   `service.max_message_bytes` with `OUT_OF_RANGE`, a request with a bad field (no
//!   bundle, an unknown jurisdiction, a malformed transfer, `as_of` in the future or not
//!   allowed) with `INVALID_ARGUMENT`; on a stream that error ends the stream after the
//!   responses of the requests before it.
//! * TLS as the node's ([`crate::tls`]), client certificates `required`, `optional` or
//!   `none` per config; refused handshakes are counted by kind.
//! * `/healthz` (the process answers), `/readyz` (keys and policy loaded, not draining),
//!   `/metrics` ([`VerifierMetrics`]). SIGTERM: `/readyz` turns 503, no new
//!   connections, in-flight requests finish (at most `service.shutdown_grace_secs`).
//!
//! Logs carry counts, outcomes and reasons only: bundles hold no personal data, but the
//! caller's on-chain transfer (an address) is never logged.

use crate::config::ConfigError;
use crate::flow::{Clock, SystemClock, received_transfer};
use crate::tls::{self, Identity, TlsError};
use crate::verifier_config::VerifierConfig;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Server;
use tonic::{Request, Response, Status, Streaming};
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::field::{ScreeningKey, Word248, fr_to_be_bytes};
use zktr_proto::zktr::verifier::v1 as pb;
use zktr_proto::zktr::verifier::v1::verifier_client::VerifierClient;
use zktr_proto::zktr::verifier::v1::verifier_server::{Verifier as VerifierRpc, VerifierServer};
use zktr_records::ProofBundle;
use zktr_records::encoding::fr_from_bytes;
use zktr_verifier::{
    Accepted, OnChainTransfer, Policy, PolicyError, Reason, Rejection, SeenLists, VerifyRequest,
    VerifyingKeys, verify_bundle, verify_bundles_each,
};

/// Longest `request_id` echoed back.
pub const MAX_REQUEST_ID_BYTES: usize = 128;
/// Most jurisdictions one request may name.
const MAX_JURISDICTIONS: usize = 16;
/// Most seen-list entries one request may carry.
const MAX_SEEN_LISTS: usize = 64;

/// Why the verifier could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierError {
    /// The configuration file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// TLS material.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The policy file.
    #[error("policy {path}: {source}")]
    Policy {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PolicyError,
    },
    /// The verifying keys.
    #[error("verifying keys in {path}: {source}")]
    Keys {
        /// The parameters folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: zktr_records::manifest::ParamsError,
    },
    /// A default jurisdiction the policy does not know.
    #[error("{path}: `verify.jurisdictions` names {name:?}, which the policy does not define")]
    UnknownJurisdiction {
        /// The config file.
        path: PathBuf,
        /// The jurisdiction.
        name: String,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {addr} ({what}): {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Which listener.
        what: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A server failed while running.
    #[error("{what} server: {message}")]
    Serve {
        /// Which server.
        what: &'static str,
        /// The error.
        message: String,
    },
}

// ---------------------------------------------------------------------------------------
// Metrics

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabel {
    rpc: String,
    code: String,
}

/// The verifier's Prometheus metrics (served at `/metrics`). Labels carry outcomes,
/// reasons and gRPC codes only.
///
/// | metric | type | labels |
/// | --- | --- | --- |
/// | `zktr_verifier_bundles_total` | counter | `outcome` (accepted, rejected) |
/// | `zktr_verifier_proofs_verified_total` | counter | `outcome` (ok, failed): claims, each one proof |
/// | `zktr_verifier_failures_total` | counter | `reason` (the `Reason` enum, lower case) |
/// | `zktr_verifier_verify_seconds` | histogram | time to verify one request or one batch |
/// | `zktr_verifier_batch_size` | histogram | bundles per verified batch (1 for `Verify`) |
/// | `zktr_verifier_requests_total` | counter | `rpc`, `code` (gRPC status of refused requests and ended streams) |
/// | `zktr_tls_handshake_failures_total` | counter | `reason` (no_client_certificate, bad_certificate, protocol, timeout, ...) |
#[derive(Clone)]
pub struct VerifierMetrics {
    registry: Arc<Registry>,
    bundles: Family<OutcomeLabel, Counter>,
    proofs: Family<OutcomeLabel, Counter>,
    failures: Family<ReasonLabel, Counter>,
    verify_seconds: Histogram,
    batch_size: Histogram,
    requests: Family<RpcLabel, Counter>,
    handshakes: Family<ReasonLabel, Counter>,
}

impl core::fmt::Debug for VerifierMetrics {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VerifierMetrics")
    }
}

impl Default for VerifierMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifierMetrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let bundles = Family::<OutcomeLabel, Counter>::default();
        let proofs = Family::<OutcomeLabel, Counter>::default();
        let failures = Family::<ReasonLabel, Counter>::default();
        let verify_seconds = Histogram::new([
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
        ]);
        let batch_size = Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]);
        let requests = Family::<RpcLabel, Counter>::default();
        let handshakes = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "zktr_verifier_bundles",
            "Bundles verified, by outcome",
            bundles.clone(),
        );
        registry.register(
            "zktr_verifier_proofs_verified",
            "Claims checked (one proof each), by outcome",
            proofs.clone(),
        );
        registry.register(
            "zktr_verifier_failures",
            "Problems found in bundles, by reason",
            failures.clone(),
        );
        registry.register(
            "zktr_verifier_verify_seconds",
            "Time to verify one request or one batch of a stream",
            verify_seconds.clone(),
        );
        registry.register(
            "zktr_verifier_batch_size",
            "Bundles per verified batch",
            batch_size.clone(),
        );
        registry.register(
            "zktr_verifier_requests",
            "Requests refused and streams ended with a gRPC error, by RPC and code",
            requests.clone(),
        );
        registry.register(
            "zktr_tls_handshake_failures",
            "Refused TLS handshakes, by kind",
            handshakes.clone(),
        );
        Self {
            registry: Arc::new(registry),
            bundles,
            proofs,
            failures,
            verify_seconds,
            batch_size,
            requests,
            handshakes,
        }
    }

    fn inc(family: &Family<OutcomeLabel, Counter>, outcome: &str, by: u64) {
        if by > 0 {
            family
                .get_or_create(&OutcomeLabel {
                    outcome: outcome.into(),
                })
                .inc_by(by);
        }
    }

    fn response(&self, r: &pb::VerifyResponse) {
        Self::inc(
            &self.bundles,
            if r.accepted { "accepted" } else { "rejected" },
            1,
        );
        let ok = r.claims.iter().filter(|c| c.ok).count() as u64;
        Self::inc(&self.proofs, "ok", ok);
        Self::inc(&self.proofs, "failed", r.claims.len() as u64 - ok);
        let problems = r
            .problems
            .iter()
            .chain(r.claims.iter().flat_map(|c| &c.problems));
        for p in problems {
            let name = pb::Reason::try_from(p.reason)
                .unwrap_or(pb::Reason::Unspecified)
                .as_str_name();
            let label = name.trim_start_matches("REASON_").to_ascii_lowercase();
            self.failures
                .get_or_create(&ReasonLabel { reason: label })
                .inc();
        }
    }

    fn batch(&self, size: usize, took: Duration) {
        self.verify_seconds.observe(took.as_secs_f64());
        self.batch_size.observe(size as f64);
    }

    fn refused(&self, rpc: &str, status: &Status) {
        self.requests
            .get_or_create(&RpcLabel {
                rpc: rpc.into(),
                code: crate::metrics::grpc_code_name(status.code()).into(),
            })
            .inc();
    }

    fn handshake_failed(&self, reason: &'static str) {
        self.handshakes
            .get_or_create(&ReasonLabel {
                reason: reason.into(),
            })
            .inc();
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// The verifier's state: what it trusts, loaded once.

/// What the service verifies against (read-only after start) and its metrics.
pub struct VerifierCore {
    keys: VerifyingKeys,
    policy: Policy,
    default_jurisdictions: Vec<String>,
    allow_as_of: bool,
    max_batch: usize,
    linger: Duration,
    max_message_bytes: usize,
    clock: Arc<dyn Clock>,
    ready: AtomicBool,
    /// The metrics.
    pub metrics: VerifierMetrics,
}

impl core::fmt::Debug for VerifierCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifierCore")
            .field("policy", &self.policy.file.name)
            .field("keys", &self.keys.iter().count())
            .finish_non_exhaustive()
    }
}

/// One request, checked and decoded.
struct Prepared {
    index: u64,
    request_id: String,
    jurisdictions: Vec<String>,
    transfer: Option<OnChainTransfer>,
    now: u64,
    seen: SeenLists,
    bundle: Result<ProofBundle, String>,
}

impl Prepared {
    fn request(&self) -> VerifyRequest<'_> {
        VerifyRequest {
            now: self.now,
            jurisdictions: self.jurisdictions.clone(),
            transfer: self.transfer,
            seen_lists: Some(&self.seen),
        }
    }
}

fn invalid(index: u64, message: impl core::fmt::Display) -> Status {
    Status::invalid_argument(format!("request {index}: {message}"))
}

fn transfer_of(index: u64, t: pb::OnChainTransfer) -> Result<OnChainTransfer, Status> {
    let asset_id = fr_from_bytes("asset id", &t.asset_id)
        .map_err(|e| invalid(index, format!("transfer.asset_id: {e}")))?;
    let asset_id =
        Word248::new(asset_id).map_err(|e| invalid(index, format!("transfer.asset_id: {e}")))?;
    let asset_amount: u128 = t.asset_amount.trim().parse().map_err(|_| {
        invalid(
            index,
            "transfer.asset_amount must be a decimal integer below 2^128",
        )
    })?;
    match (
        t.beneficiary_address.is_empty(),
        t.beneficiary_address_key.is_empty(),
    ) {
        (false, true) => received_transfer(asset_id, asset_amount, &t.beneficiary_address)
            .map_err(|e| invalid(index, format!("transfer.beneficiary_address: {e}"))),
        (true, false) => {
            let key = fr_from_bytes("address key", &t.beneficiary_address_key)
                .map_err(|e| invalid(index, format!("transfer.beneficiary_address_key: {e}")))?;
            let key = ScreeningKey::new(key)
                .map_err(|e| invalid(index, format!("transfer.beneficiary_address_key: {e}")))?;
            Ok(OnChainTransfer {
                asset_id,
                asset_amount,
                beneficiary_address_key: key,
            })
        }
        _ => Err(invalid(
            index,
            "transfer needs exactly one of beneficiary_address and beneficiary_address_key",
        )),
    }
}

impl VerifierCore {
    /// Loads the policy and the verifying keys the configuration names.
    pub fn load(config: &VerifierConfig) -> Result<Self, VerifierError> {
        let policy =
            Policy::load(&config.verify.policy).map_err(|source| VerifierError::Policy {
                path: config.verify.policy.clone(),
                source,
            })?;
        let keys =
            VerifyingKeys::load(&config.verify.params).map_err(|source| VerifierError::Keys {
                path: config.verify.params.clone(),
                source,
            })?;
        for j in &config.verify.jurisdictions {
            if policy.jurisdiction(j).is_none() {
                return Err(VerifierError::UnknownJurisdiction {
                    path: config.path.clone(),
                    name: j.clone(),
                });
            }
        }
        Ok(Self::new(config, keys, policy, Arc::new(SystemClock)))
    }

    /// A core over keys and a policy already in memory (the bench, tests).
    pub fn new(
        config: &VerifierConfig,
        keys: VerifyingKeys,
        policy: Policy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            keys,
            policy,
            default_jurisdictions: config.verify.jurisdictions.clone(),
            allow_as_of: config.verify.allow_as_of,
            max_batch: config.service.max_batch,
            linger: config.linger(),
            max_message_bytes: config.service.max_message_bytes,
            clock,
            ready: AtomicBool::new(true),
            metrics: VerifierMetrics::new(),
        }
    }

    /// Checks a request's fields and decodes its bundle (a bundle that does not decode is
    /// kept as the reason, to be reported as a rejected bundle).
    fn prepare(&self, index: u64, req: pb::VerifyRequest) -> Result<Prepared, Status> {
        if req.request_id.len() > MAX_REQUEST_ID_BYTES {
            return Err(invalid(
                index,
                format!("request_id is longer than {MAX_REQUEST_ID_BYTES} bytes"),
            ));
        }
        let clock_now = self.clock.now();
        let now = match req.as_of {
            0 => clock_now,
            _ if !self.allow_as_of => {
                return Err(invalid(index, "this verifier does not allow as_of"));
            }
            t if t > clock_now.saturating_add(self.policy.clock_skew()) => {
                return Err(invalid(index, "as_of lies in the future"));
            }
            t => t,
        };
        let jurisdictions = if req.jurisdictions.is_empty() {
            self.default_jurisdictions.clone()
        } else {
            if req.jurisdictions.len() > MAX_JURISDICTIONS {
                return Err(invalid(
                    index,
                    format!("more than {MAX_JURISDICTIONS} jurisdictions"),
                ));
            }
            for j in &req.jurisdictions {
                if self.policy.jurisdiction(j).is_none() {
                    return Err(invalid(
                        index,
                        format!(
                            "jurisdiction {:?} is not in the verifier's policy",
                            j.chars().take(64).collect::<String>()
                        ),
                    ));
                }
            }
            req.jurisdictions
        };
        let transfer = req.transfer.map(|t| transfer_of(index, t)).transpose()?;
        if req.seen_lists.len() > MAX_SEEN_LISTS {
            return Err(invalid(
                index,
                format!("more than {MAX_SEEN_LISTS} seen_lists"),
            ));
        }
        let mut seen = SeenLists::new();
        for s in &req.seen_lists {
            seen.see(&s.publisher_key_id, &s.list_id, &s.version);
        }
        let bundle = req
            .bundle
            .ok_or_else(|| invalid(index, "no bundle"))
            .map(|b| match ProofBundle::from_message(b) {
                Err(e) => Err(e.to_string()),
                Ok(b) if b.claims.len() > CircuitId::ALL.len() => Err(format!(
                    "{} claims, but there are only {} circuits (a claim is repeated)",
                    b.claims.len(),
                    CircuitId::ALL.len()
                )),
                Ok(b) => Ok(b),
            })?;
        Ok(Prepared {
            index,
            request_id: req.request_id,
            jurisdictions,
            transfer,
            now,
            seen,
            bundle,
        })
    }

    /// Verifies prepared requests as one batch (CPU-bound: call from a blocking thread).
    fn verify_batch(&self, batch: &[Prepared]) -> Vec<pb::VerifyResponse> {
        let started = Instant::now();
        let requests: Vec<VerifyRequest<'_>> = batch.iter().map(Prepared::request).collect();
        let items: Vec<(&ProofBundle, &VerifyRequest<'_>)> = batch
            .iter()
            .zip(&requests)
            .filter_map(|(p, r)| p.bundle.as_ref().ok().map(|b| (b, r)))
            .collect();
        let mut results = if items.len() == 1 {
            vec![verify_bundle(
                items[0].0,
                &self.keys,
                &self.policy,
                items[0].1,
            )]
        } else {
            verify_bundles_each(&items, &self.keys, &self.policy)
        }
        .into_iter();
        let mut out = Vec::with_capacity(batch.len());
        for p in batch {
            let response = match &p.bundle {
                Err(why) => malformed(p, why),
                Ok(bundle) => match results.next() {
                    Some(result) => response_of(p, bundle, &result),
                    None => malformed(p, "internal: no result"),
                },
            };
            self.metrics.response(&response);
            out.push(response);
        }
        self.metrics.batch(batch.len(), started.elapsed());
        out
    }

    fn info(&self) -> pb::InfoResponse {
        pb::InfoResponse {
            policy: self.policy.file.name.clone(),
            jurisdictions: self.policy.file.jurisdictions.keys().cloned().collect(),
            default_jurisdictions: self.default_jurisdictions.clone(),
            keys: self
                .keys
                .iter()
                .map(|k| pb::Key {
                    id: k.id.clone(),
                    circuit: k.circuit.as_str().into(),
                    ceremony: k.ceremony.clone(),
                })
                .collect(),
            max_batch: u32::try_from(self.max_batch).unwrap_or(u32::MAX),
            max_message_bytes: self.max_message_bytes as u64,
            allow_as_of: self.allow_as_of,
        }
    }

    /// Whether `/readyz` says ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

// ---------------------------------------------------------------------------------------
// Results on the wire

/// The wire code of a verifier reason.
pub fn reason_code(r: &Reason) -> pb::Reason {
    use pb::Reason as P;
    match r {
        Reason::MissingClaim(_) => P::MissingClaim,
        Reason::DuplicateClaim => P::DuplicateClaim,
        Reason::UnknownKey(_) => P::UnknownKey,
        Reason::UntrustedKey { .. } => P::UntrustedKey,
        Reason::KeyForOtherCircuit { .. } => P::KeyForOtherCircuit,
        Reason::PublicInput(_) => P::PublicInput,
        Reason::CommitmentMismatch => P::CommitmentMismatch,
        Reason::NoJurisdiction => P::NoJurisdiction,
        Reason::ThresholdNotSatisfied { .. } => P::ThresholdNotSatisfied,
        Reason::LogRootMismatch => P::LogRootMismatch,
        Reason::TransferMismatch(_) => P::TransferMismatch,
        Reason::SanctionsRootMismatch => P::SanctionsRootMismatch,
        Reason::UntrustedLog(_) => P::UntrustedLog,
        Reason::BadTreeHeadSignature => P::BadTreeHeadSignature,
        Reason::StaleTreeHead { .. } => P::StaleTreeHead,
        Reason::FutureTreeHead { .. } => P::FutureTreeHead,
        Reason::UntrustedSanctionsRoot(_) => P::UntrustedSanctionsRoot,
        Reason::UnlistedSanctionsList { .. } => P::UnlistedSanctionsList,
        Reason::BadSanctionsRootSignature(_) => P::BadSanctionsRootSignature,
        Reason::StaleSanctionsRoot { .. } => P::StaleSanctionsRoot,
        Reason::FutureSanctionsRoot { .. } => P::FutureSanctionsRoot,
        Reason::OldSanctionsVersion { .. } => P::OldSanctionsVersion,
        Reason::TooFewSanctionsKeys { .. } => P::TooFewSanctionsKeys,
        Reason::MalformedProof(_) => P::MalformedProof,
        Reason::BadProof => P::BadProof,
        Reason::UntrustedClearance { .. } => P::UntrustedClearance,
        Reason::BadClearance { .. } => P::BadClearance,
        Reason::ClearanceMismatch { .. } => P::ClearanceMismatch,
        Reason::StaleClearance { .. } => P::StaleClearance,
        Reason::FutureClearance { .. } => P::FutureClearance,
        Reason::DuplicateClearance(_) => P::DuplicateClearance,
        Reason::UnpricedThreshold => P::UnpricedThreshold,
        Reason::MissingPriceQuote => P::MissingPriceQuote,
        Reason::UnusedPriceQuote => P::UnusedPriceQuote,
        Reason::UntrustedPricePublisher { .. } => P::UntrustedPricePublisher,
        Reason::BadPriceQuote(_) => P::BadPriceQuote,
        Reason::PriceWindowTooLong { .. } => P::PriceWindowTooLong,
        Reason::StalePriceQuote { .. } => P::StalePriceQuote,
        Reason::FuturePriceQuote { .. } => P::FuturePriceQuote,
        Reason::PriceQuoteMismatch(_) => P::PriceQuoteMismatch,
        Reason::MissingSanctionsList(_) => P::MissingSanctionsList,
        Reason::DuplicateSanctionsList(_) => P::DuplicateSanctionsList,
        Reason::MissingScreening { .. } => P::MissingScreening,
    }
}

fn problem(r: &Reason) -> pb::Problem {
    pb::Problem {
        reason: reason_code(r) as i32,
        message: r.to_string(),
    }
}

fn malformed(p: &Prepared, why: &str) -> pb::VerifyResponse {
    pb::VerifyResponse {
        index: p.index,
        request_id: p.request_id.clone(),
        accepted: false,
        verified_at: p.now,
        problems: vec![pb::Problem {
            reason: pb::Reason::MalformedBundle as i32,
            message: why.to_owned(),
        }],
        ..Default::default()
    }
}

fn wire_transfer(t: &OnChainTransfer) -> pb::OnChainTransfer {
    pb::OnChainTransfer {
        asset_id: fr_to_be_bytes(&t.asset_id.to_fr()).to_vec(),
        asset_amount: t.asset_amount.to_string(),
        beneficiary_address: String::new(),
        beneficiary_address_key: fr_to_be_bytes(&t.beneficiary_address_key.to_fr()).to_vec(),
    }
}

fn proven(a: &Accepted) -> pb::Proven {
    pb::Proven {
        threshold: a.threshold.as_ref().map(|t| pb::Threshold {
            bundle_jurisdiction: t.bundle_jurisdiction.clone(),
            satisfies: t.satisfies.clone(),
            threshold: t.threshold,
            currency: u32::from(t.currency),
            direction: match t.direction {
                ThresholdDirection::Below => "below",
                ThresholdDirection::AtOrAbove => "at_or_above",
            }
            .into(),
            price: t.price.as_ref().map(|p| pb::Price {
                publisher: p.publisher.clone(),
                publisher_key_id: p.publisher_key_id.clone(),
                asset: p.asset.clone(),
                asset_id: zktr_circuits::field::fr_to_be_bytes(&p.asset_id.to_fr()).to_vec(),
                price_num: p.price_num,
                price_den: p.price_den,
                valid_from: p.valid_from,
                valid_until: p.valid_until,
                published_at: p.published_at,
            }),
        }),
        transfer: a.transfer.as_ref().map(wire_transfer),
        log_id: a.tree_head.log_id.clone(),
        log_size: a.tree_head.size,
        tree_head_time: a.tree_head.time,
        screened: a
            .screened
            .iter()
            .map(|s| pb::Screened {
                party: s.party.as_str().into(),
                list_id: s.list_id.clone(),
                version: s.version.clone(),
                publisher_key_id: s.publisher_key_id.clone(),
                published_at: s.published_at,
                key_count: s.key_count,
            })
            .collect(),
        cleared: a
            .cleared
            .iter()
            .map(|c| pb::Cleared {
                party: c.party.as_str().into(),
                vasp: c.vasp.clone(),
                officer: c.officer.clone(),
                officer_key_id: c.officer_key_id.clone(),
                basis: c.basis.clone(),
                list_id: c.list_id.clone(),
                list_version: c.list_version.clone(),
                cleared_at: c.cleared_at,
            })
            .collect(),
    }
}

fn response_of(
    p: &Prepared,
    bundle: &ProofBundle,
    result: &Result<Accepted, Rejection>,
) -> pb::VerifyResponse {
    let none = Vec::new();
    let problems = match result {
        Ok(_) => &none,
        Err(r) => &r.problems,
    };
    let claims = bundle
        .claims
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mine: Vec<pb::Problem> = problems
                .iter()
                .filter(|p| p.claim.map(|(j, _)| j) == Some(i))
                .map(|p| problem(&p.reason))
                .collect();
            pb::ClaimResult {
                index: i as u32,
                circuit: c.circuit.as_str().into(),
                ok: mine.is_empty(),
                problems: mine,
                verifying_key_id: c.verifying_key_id.clone(),
            }
        })
        .collect();
    pb::VerifyResponse {
        index: p.index,
        request_id: p.request_id.clone(),
        accepted: result.is_ok(),
        commitment: fr_to_be_bytes(&bundle.commitment.0).to_vec(),
        claims,
        problems: problems
            .iter()
            .filter(|p| p.claim.is_none())
            .map(|p| problem(&p.reason))
            .collect(),
        verified_at: p.now,
        proven: result.as_ref().ok().map(proven),
        dev_keys: result.as_ref().is_ok_and(Accepted::on_dev_keys),
    }
}

// ---------------------------------------------------------------------------------------
// The gRPC service

/// `zktr.verifier.v1.Verifier` over a [`VerifierCore`].
#[derive(Debug, Clone)]
pub struct VerifierGrpc {
    core: Arc<VerifierCore>,
}

impl VerifierGrpc {
    /// Serves `core`.
    pub fn new(core: Arc<VerifierCore>) -> Self {
        Self { core }
    }
}

/// The response stream of `VerifyStream`.
pub type VerifyResponses = ReceiverStream<Result<pb::VerifyResponse, Status>>;

async fn verify_blocking(
    core: Arc<VerifierCore>,
    batch: Vec<Prepared>,
) -> Result<Vec<pb::VerifyResponse>, Status> {
    tokio::task::spawn_blocking(move || core.verify_batch(&batch))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "verification task failed");
            Status::internal("verification failed")
        })
}

/// Takes what has arrived (after `first`), up to `max`, waiting at most `linger` for
/// more. Returns the batch and the error that ends the stream, if one came.
async fn gather(
    first: Prepared,
    rx: &mut mpsc::Receiver<Result<Prepared, Status>>,
    max: usize,
    linger: Duration,
) -> (Vec<Prepared>, Option<Status>) {
    let mut batch = vec![first];
    let deadline = tokio::time::Instant::now() + linger;
    while batch.len() < max {
        let next = match rx.try_recv() {
            Ok(item) => Some(item),
            Err(mpsc::error::TryRecvError::Disconnected) => None,
            Err(mpsc::error::TryRecvError::Empty) if linger.is_zero() => None,
            Err(mpsc::error::TryRecvError::Empty) => tokio::time::timeout_at(deadline, rx.recv())
                .await
                .ok()
                .flatten(),
        };
        match next {
            Some(Ok(p)) => batch.push(p),
            Some(Err(status)) => return (batch, Some(status)),
            None => break,
        }
    }
    (batch, None)
}

#[tonic::async_trait]
impl VerifierRpc for VerifierGrpc {
    async fn verify(
        &self,
        request: Request<pb::VerifyRequest>,
    ) -> Result<Response<pb::VerifyResponse>, Status> {
        let prepared = self
            .core
            .prepare(0, request.into_inner())
            .inspect_err(|s| {
                self.core.metrics.refused("Verify", s);
            })?;
        let mut out = verify_blocking(self.core.clone(), vec![prepared]).await?;
        let response = out.pop().ok_or_else(|| Status::internal("no result"))?;
        tracing::debug!(accepted = response.accepted, "verified one bundle");
        Ok(Response::new(response))
    }

    type VerifyStreamStream = VerifyResponses;

    async fn verify_stream(
        &self,
        request: Request<Streaming<pb::VerifyRequest>>,
    ) -> Result<Response<Self::VerifyStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let core = self.core.clone();
        let max = core.max_batch;
        // Decoded requests wait here while the previous batch is verified.
        let (in_tx, mut in_rx) = mpsc::channel::<Result<Prepared, Status>>(2 * max);
        let (out_tx, out_rx) = mpsc::channel(2 * max);
        let reader = core.clone();
        tokio::spawn(async move {
            let mut index = 0u64;
            loop {
                let item = match inbound.message().await {
                    Ok(Some(req)) => reader.prepare(index, req),
                    Ok(None) => break,
                    Err(status) => Err(status),
                };
                index += 1;
                let stop = item.is_err();
                if in_tx.send(item).await.is_err() || stop {
                    break;
                }
            }
        });
        tokio::spawn(async move {
            let mut total = 0usize;
            while let Some(first) = in_rx.recv().await {
                let (batch, end) = match first {
                    Ok(p) => gather(p, &mut in_rx, max, core.linger).await,
                    Err(status) => (Vec::new(), Some(status)),
                };
                if !batch.is_empty() {
                    total += batch.len();
                    match verify_blocking(core.clone(), batch).await {
                        Ok(responses) => {
                            for r in responses {
                                if out_tx.send(Ok(r)).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Err(status) => {
                            let _ = out_tx.send(Err(status)).await;
                            return;
                        }
                    }
                }
                if let Some(status) = end {
                    core.metrics.refused("VerifyStream", &status);
                    tracing::info!(code = ?status.code(), after = total, "verify stream ended by a bad request");
                    let _ = out_tx.send(Err(status)).await;
                    return;
                }
            }
            tracing::debug!(bundles = total, "verify stream finished");
        });
        Ok(Response::new(ReceiverStream::new(out_rx)))
    }

    async fn info(
        &self,
        _request: Request<pb::InfoRequest>,
    ) -> Result<Response<pb::InfoResponse>, Status> {
        Ok(Response::new(self.core.info()))
    }
}

// ---------------------------------------------------------------------------------------
// HTTP: health and metrics

/// The HTTP routes: `/healthz`, `/readyz`, `/metrics`.
pub fn router(core: Arc<VerifierCore>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(core)
}

async fn ready(State(core): State<Arc<VerifierCore>>) -> impl IntoResponse {
    if core.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
    }
}

async fn metrics(State(core): State<Arc<VerifierCore>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, crate::http::OPENMETRICS_CONTENT_TYPE)],
        core.metrics.encode(),
    )
}

// ---------------------------------------------------------------------------------------
// Start and stop

/// A verifier that is serving.
pub struct RunningVerifier {
    /// The gRPC address.
    pub grpc_addr: SocketAddr,
    /// The HTTP (health, metrics) address.
    pub http_addr: SocketAddr,
    /// The shared state.
    pub core: Arc<VerifierCore>,
    grace: Duration,
    stop_grpc: watch::Sender<bool>,
    stop_http: watch::Sender<bool>,
    grpc: tokio::task::JoinHandle<Result<(), VerifierError>>,
    http: tokio::task::JoinHandle<Result<(), VerifierError>>,
}

impl core::fmt::Debug for RunningVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RunningVerifier")
            .field("grpc_addr", &self.grpc_addr)
            .field("http_addr", &self.http_addr)
            .finish_non_exhaustive()
    }
}

fn joined(
    r: Result<Result<(), VerifierError>, tokio::task::JoinError>,
    what: &'static str,
) -> Result<(), VerifierError> {
    r.map_err(|e| VerifierError::Serve {
        what,
        message: e.to_string(),
    })?
}

impl RunningVerifier {
    /// Stops gracefully: `/readyz` turns 503, no new connections, in-flight requests
    /// finish (at most `service.shutdown_grace_secs`), then the HTTP port closes.
    pub async fn shutdown(mut self) -> Result<(), VerifierError> {
        self.core.ready.store(false, Ordering::SeqCst);
        let _ = self.stop_grpc.send(true);
        let grpc = match tokio::time::timeout(self.grace, &mut self.grpc).await {
            Ok(r) => joined(r, "grpc"),
            Err(_) => {
                tracing::warn!("in-flight requests did not finish in time; stopping anyway");
                self.grpc.abort();
                Ok(())
            }
        };
        let _ = self.stop_http.send(true);
        let http = joined(self.http.await, "http");
        tracing::info!("verifier stopped");
        grpc.and(http)
    }

    /// Serves until `signal` resolves (or a server fails), then shuts down.
    pub async fn serve_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<(), VerifierError> {
        tokio::select! {
            _ = signal => tracing::info!("shutdown requested"),
            r = &mut self.grpc => {
                let _ = self.stop_http.send(true);
                let _ = (&mut self.http).await;
                return joined(r, "grpc").and(Err(VerifierError::Serve {
                    what: "grpc",
                    message: "stopped by itself".into(),
                }));
            }
        }
        self.shutdown().await
    }
}

async fn bind(addr: SocketAddr, what: &'static str) -> Result<TcpListener, VerifierError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| VerifierError::Bind { addr, what, source })
}

/// Loads what the configuration names and starts serving.
pub async fn start(config: VerifierConfig) -> Result<RunningVerifier, VerifierError> {
    config.check()?;
    let core = Arc::new(VerifierCore::load(&config)?);
    start_with(config, core).await
}

/// Starts serving `core` with the listeners and TLS of `config`.
pub async fn start_with(
    config: VerifierConfig,
    core: Arc<VerifierCore>,
) -> Result<RunningVerifier, VerifierError> {
    tls::install_crypto_provider();
    let identity = Identity::load(&config.tls.cert, &config.tls.key)?;
    let server_tls = tls::server_config_with(
        &identity,
        &config.tls.ca,
        &config.tls.crl,
        config.tls.client_auth,
    )?;
    let grpc_listener = bind(config.listen.grpc, "grpc").await?;
    let http_listener = bind(config.listen.http, "http").await?;
    let grpc_addr = grpc_listener.local_addr().unwrap_or(config.listen.grpc);
    let http_addr = http_listener.local_addr().unwrap_or(config.listen.http);

    let (stop_grpc, grpc_rx) = watch::channel(false);
    let (stop_http, http_rx) = watch::channel(false);
    let metrics = core.metrics.clone();
    let incoming = crate::server::tls_incoming_observed(
        grpc_listener,
        TlsAcceptor::from(server_tls),
        grpc_rx.clone(),
        move |kind| metrics.handshake_failed(kind),
    );
    let max = config.service.max_message_bytes;
    let service = VerifierServer::new(VerifierGrpc::new(core.clone()))
        .max_decoding_message_size(max)
        .max_encoding_message_size(max);
    let signal = crate::server::shutdown_signal(grpc_rx);
    let concurrency = config.service.concurrency_per_connection;
    let grpc = tokio::spawn(async move {
        Server::builder()
            .concurrency_limit_per_connection(concurrency)
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, signal)
            .await
            .map_err(|e| VerifierError::Serve {
                what: "grpc",
                message: e.to_string(),
            })
    });
    let router = router(core.clone());
    let signal = crate::server::shutdown_signal(http_rx);
    let http = tokio::spawn(async move {
        axum::serve(http_listener, router)
            .with_graceful_shutdown(signal)
            .await
            .map_err(|e| VerifierError::Serve {
                what: "http",
                message: e.to_string(),
            })
    });
    tracing::info!(
        grpc = %grpc_addr,
        http = %http_addr,
        policy = %core.policy.file.name,
        client_auth = ?config.tls.client_auth,
        "verifier started"
    );
    Ok(RunningVerifier {
        grpc_addr,
        http_addr,
        core,
        grace: Duration::from_secs(config.service.shutdown_grace_secs),
        stop_grpc,
        stop_http,
        grpc,
        http,
    })
}

// ---------------------------------------------------------------------------------------
// Client

/// A client of the verifier at `endpoint` (`host:port`): TLS 1.3 with the server's
/// certificate checked for `server_name` against `ca`, presenting `identity` if given;
/// messages up to `max_message` bytes; every call has `timeout`. Call it inside a Tokio
/// runtime (the channel's connection task runs there).
pub fn client(
    endpoint: &str,
    server_name: &str,
    ca: &[PathBuf],
    identity: Option<&Identity>,
    max_message: usize,
    timeout: Duration,
) -> Result<VerifierClient<tonic::transport::Channel>, VerifierError> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(VerifierError::Serve {
            what: "client",
            message: "a verifier client needs a Tokio runtime".into(),
        });
    }
    tls::install_crypto_provider();
    let config = match identity {
        Some(id) => tls::client_config(id, ca, &[])?,
        None => tls::client_config_anonymous(ca, &[])?,
    };
    let channel = crate::client::tls_channel(config, endpoint, server_name, None, timeout)
        .map_err(|s| VerifierError::Serve {
            what: "client",
            message: s.message().to_owned(),
        })?;
    Ok(VerifierClient::new(channel)
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message))
}
