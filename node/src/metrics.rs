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

use crate::store::State;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
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
        }
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
