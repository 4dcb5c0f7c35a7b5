//! The node's Prometheus metrics (served at `/metrics`, text format). Labels never carry
//! personal data, envelope ids or peer secrets: only outcomes, TRISA error codes and
//! states.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `zktr_envelopes_received_total` | counter | `outcome` (ok, trisa_error, grpc_error), `code` |
//! | `zktr_envelopes_replayed_total` | counter | |
//! | `zktr_receive_seconds` | histogram | |
//! | `zktr_deliveries_total` | counter | `outcome` (delivered, error) |
//! | `zktr_state_changes_total` | counter | `state` |
//! | `zktr_bundles_verified_total` | counter | `outcome` (accepted, refused) |
//! | `zktr_verify_batch_size` | histogram | |
//! | `zktr_verify_batch_seconds` | histogram | |
//! | `zktr_transfers_proved_total` | counter | `outcome` (proved, refused, failed) |
//! | `zktr_proofs_made_total` | counter | `claim` (the claim name, e.g. `threshold`) |
//! | `zktr_prove_seconds` | histogram | time to prove one transfer's claims |
//! | `zktr_prove_queue_depth` | gauge | transfers waiting for or in the prover pool |
//! | `zktr_storage_seconds` | histogram | `op` (the store operation, e.g. `record_incoming`) |
//! | `zktr_tls_handshake_failures_total` | counter | `reason` (no_client_certificate, bad_certificate, protocol, timeout, ...) |
//!
//! Read from the database at each scrape (by [`crate::http`]): `zktr_transfers` (gauge,
//! `state`, `peer`: the counterparty's certificate CN, a VASP's name) and
//! `zktr_outbox_depth` (gauge: envelopes of ours waiting to be delivered).

use crate::store::State;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;
use tonic::Status;
use zktr_trisa::{ErrorCode, SecureEnvelope};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Received {
    outcome: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClaimLabel {
    claim: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabel {
    op: &'static str,
}

fn storage_histogram() -> Histogram {
    Histogram::new([
        0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0,
    ])
}

/// Times the store's operations into `zktr_storage_seconds` (a cheap clone shares the
/// histograms). A store without one (tools, tests) times nothing.
#[derive(Clone)]
pub struct StorageTimer {
    family: Family<OpLabel, Histogram, fn() -> Histogram>,
}

impl core::fmt::Debug for StorageTimer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("StorageTimer")
    }
}

impl StorageTimer {
    /// Starts timing `op`; the time is recorded when the guard drops.
    pub(crate) fn start(&self, op: &'static str) -> StorageGuard<'_> {
        StorageGuard {
            timer: self,
            op,
            started: std::time::Instant::now(),
        }
    }
}

/// Records one operation's time when dropped (also when the operation failed).
pub(crate) struct StorageGuard<'a> {
    timer: &'a StorageTimer,
    op: &'static str,
    started: std::time::Instant,
}

impl Drop for StorageGuard<'_> {
    fn drop(&mut self) {
        self.timer
            .family
            .get_or_create(&OpLabel { op: self.op })
            .observe(self.started.elapsed().as_secs_f64());
    }
}

/// Counts a transfer waiting for or in the prover pool while it lives.
pub(crate) struct QueuedForProving(Gauge);

impl Drop for QueuedForProving {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The metrics of one node.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    received: Family<Received, Counter>,
    replayed: Counter,
    receive_seconds: Histogram,
    deliveries: Family<Outcome, Counter>,
    states: Family<StateLabel, Counter>,
    bundles_verified: Family<Outcome, Counter>,
    verify_batch_size: Histogram,
    verify_batch_seconds: Histogram,
    transfers_proved: Family<Outcome, Counter>,
    proofs_made: Family<ClaimLabel, Counter>,
    prove_seconds: Histogram,
    prove_queue: Gauge,
    storage: StorageTimer,
    handshake_failures: Family<ReasonLabel, Counter>,
}

impl core::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let received = Family::<Received, Counter>::default();
        let replayed = Counter::default();
        let receive_seconds = Histogram::new([
            0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
        ]);
        let deliveries = Family::<Outcome, Counter>::default();
        let states = Family::<StateLabel, Counter>::default();
        registry.register(
            "zktr_envelopes_received",
            "Envelopes received on Transfer and TransferStream",
            received.clone(),
        );
        registry.register(
            "zktr_envelopes_replayed",
            "Envelopes received again and answered from storage",
            replayed.clone(),
        );
        registry.register(
            "zktr_receive_seconds",
            "Time to handle one received envelope",
            receive_seconds.clone(),
        );
        registry.register(
            "zktr_deliveries",
            "Attempts to deliver an envelope of ours",
            deliveries.clone(),
        );
        registry.register(
            "zktr_state_changes",
            "Transfer state changes",
            states.clone(),
        );
        let bundles_verified = Family::<Outcome, Counter>::default();
        let verify_batch_size = Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]);
        let verify_batch_seconds =
            Histogram::new([0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]);
        registry.register(
            "zktr_bundles_verified",
            "Incoming proof bundles verified",
            bundles_verified.clone(),
        );
        registry.register(
            "zktr_verify_batch_size",
            "Bundles verified together in one batch",
            verify_batch_size.clone(),
        );
        registry.register(
            "zktr_verify_batch_seconds",
            "Time to verify one batch of bundles",
            verify_batch_seconds.clone(),
        );
        let transfers_proved = Family::<Outcome, Counter>::default();
        let proofs_made = Family::<ClaimLabel, Counter>::default();
        let prove_seconds = Histogram::new([0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 60.0]);
        let prove_queue = Gauge::default();
        let storage = StorageTimer {
            family: Family::new_with_constructor(storage_histogram),
        };
        let handshake_failures = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "zktr_transfers_proved",
            "Transfers given to the prover pool, by outcome",
            transfers_proved.clone(),
        );
        registry.register(
            "zktr_proofs_made",
            "Proofs made, by claim",
            proofs_made.clone(),
        );
        registry.register(
            "zktr_prove_seconds",
            "Time to prove one transfer's claims",
            prove_seconds.clone(),
        );
        registry.register(
            "zktr_prove_queue_depth",
            "Transfers waiting for or in the prover pool",
            prove_queue.clone(),
        );
        registry.register(
            "zktr_storage_seconds",
            "Time of one storage operation",
            storage.family.clone(),
        );
        registry.register(
            "zktr_tls_handshake_failures",
            "Refused TLS handshakes on the peer and back-office ports, by reason",
            handshake_failures.clone(),
        );
        Self {
            registry: Arc::new(registry),
            received,
            replayed,
            receive_seconds,
            deliveries,
            states,
            bundles_verified,
            verify_batch_size,
            verify_batch_seconds,
            transfers_proved,
            proofs_made,
            prove_seconds,
            prove_queue,
            storage,
            handshake_failures,
        }
    }

    /// The timer the node's store records its operations with.
    pub fn storage_timer(&self) -> StorageTimer {
        self.storage.clone()
    }

    /// One more transfer waiting for the prover pool, until the guard drops.
    pub(crate) fn queued_for_proving(&self) -> QueuedForProving {
        self.prove_queue.inc();
        QueuedForProving(self.prove_queue.clone())
    }

    /// A transfer's claims proved (`claims`: their names) in `took`.
    pub(crate) fn proved<'a>(&self, claims: impl IntoIterator<Item = &'a str>, took: Duration) {
        self.prove_seconds.observe(took.as_secs_f64());
        self.transfers_proved
            .get_or_create(&Outcome {
                outcome: "proved".into(),
            })
            .inc();
        for claim in claims {
            self.proofs_made
                .get_or_create(&ClaimLabel {
                    claim: claim.to_string(),
                })
                .inc();
        }
    }

    /// The prover refused a transfer (a listed party, a statement that does not hold) or
    /// failed (`outcome`: refused, failed).
    pub(crate) fn not_proved(&self, outcome: &str) {
        self.transfers_proved
            .get_or_create(&Outcome {
                outcome: outcome.into(),
            })
            .inc();
    }

    /// A refused TLS handshake (`reason` from [`crate::tls::handshake_failure_kind`]).
    pub(crate) fn handshake_failed(&self, reason: &'static str) {
        self.handshake_failures
            .get_or_create(&ReasonLabel {
                reason: reason.into(),
            })
            .inc();
    }

    pub(crate) fn received(&self, result: &Result<SecureEnvelope, Status>, took: Duration) {
        self.receive_seconds.observe(took.as_secs_f64());
        let (outcome, code) = match result {
            Ok(env) => match &env.error {
                Some(e) if env.payload.is_empty() => (
                    "trisa_error",
                    ErrorCode::try_from(e.code)
                        .map(|c| c.as_str_name())
                        .unwrap_or("UNKNOWN"),
                ),
                _ => ("ok", ""),
            },
            Err(s) => ("grpc_error", grpc_code_name(s.code())),
        };
        self.received
            .get_or_create(&Received {
                outcome: outcome.into(),
                code: code.into(),
            })
            .inc();
    }

    pub(crate) fn replayed(&self) {
        self.replayed.inc();
    }

    pub(crate) fn sent(&self, outcome: &str) {
        self.deliveries
            .get_or_create(&Outcome {
                outcome: outcome.into(),
            })
            .inc();
    }

    pub(crate) fn state_change(&self, state: State) {
        self.states
            .get_or_create(&StateLabel {
                state: state.as_str().into(),
            })
            .inc();
    }

    pub(crate) fn verified_batch(&self, size: usize, refused: usize, took: Duration) {
        self.verify_batch_size.observe(size as f64);
        self.verify_batch_seconds.observe(took.as_secs_f64());
        let count = |outcome: &str, n: usize| {
            self.bundles_verified
                .get_or_create(&Outcome {
                    outcome: outcome.into(),
                })
                .inc_by(n as u64);
        };
        count("accepted", size - refused.min(size));
        count("refused", refused);
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

pub(crate) fn grpc_code_name(c: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match c {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}
