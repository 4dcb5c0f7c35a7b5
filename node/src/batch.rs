//! Batch verification across concurrent incoming attested transfers
//! (`../shared/DESIGN.md`, "The two flows": "verify the bundle ... (batch verifier)").
//!
//! Every incoming attested transfer hands its bundle, with what this node asks of it
//! (its jurisdictions, the on-chain transfer the opening states), to one
//! [`VerifyBatcher`]. A single worker takes the first waiting bundle and every other one
//! already queued (up to [`MAX_BATCH`]), and verifies them together with
//! `zktr_verifier::verify_bundles_each`: the statement checks per bundle, then all proofs under
//! one verifying key in one randomized batch (a failing batch is bisected, so a bad
//! bundle is named and the others still pass). Nothing waits on purpose: a lone transfer
//! is verified at once; under load, the bundles that arrive while a batch is verified
//! form the next one, so the batch grows with the load (no added latency, fewer
//! pairings per proof as the node gets busier).
//!
//! Cost: a batch of `n` bundles of `k` claims under the same keys costs about
//! `4 + n*k` Miller loops and one final exponentiation per verifying key, against
//! `4*n*k` pairings one by one (`zktr bench` and `docs/performance.md`).

use crate::metrics::Metrics;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use zktr_records::ProofBundle;
use zktr_verifier::{Accepted, Rejection, VerifyRequest, verify_bundles_each};
use zktr_verifier::{Policy, VerifyingKeys};

/// The most bundles verified in one batch.
pub const MAX_BATCH: usize = 64;

/// Bundles waiting at most (backpressure: a full queue makes callers wait).
const QUEUE: usize = 1024;

/// The batcher stopped (the node is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the verification worker has stopped")]
pub struct BatcherStopped;

struct Job {
    bundle: ProofBundle,
    request: VerifyRequest<'static>,
    reply: oneshot::Sender<Result<Accepted, Rejection>>,
}

/// The node's one verification queue; cheap to clone.
#[derive(Clone)]
pub struct VerifyBatcher {
    jobs: mpsc::Sender<Job>,
}

impl core::fmt::Debug for VerifyBatcher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifyBatcher").finish_non_exhaustive()
    }
}

impl VerifyBatcher {
    /// Starts the worker (on the current tokio runtime) under `policy` with `keys`. It
    /// stops when the last clone of the batcher is dropped.
    pub fn start(keys: Arc<VerifyingKeys>, policy: Arc<Policy>, metrics: Metrics) -> Self {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(work(rx, keys, policy, metrics));
        Self { jobs }
    }

    /// Verifies `bundle` as `request` asks, in whatever batch it joins.
    pub async fn verify(
        &self,
        bundle: ProofBundle,
        request: VerifyRequest<'static>,
    ) -> Result<Result<Accepted, Rejection>, BatcherStopped> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                bundle,
                request,
                reply,
            })
            .await
            .map_err(|_| BatcherStopped)?;
        answer.await.map_err(|_| BatcherStopped)
    }
}

async fn work(
    mut rx: mpsc::Receiver<Job>,
    keys: Arc<VerifyingKeys>,
    policy: Arc<Policy>,
    metrics: Metrics,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let keys = keys.clone();
        let policy = policy.clone();
        let started = std::time::Instant::now();
        let size = batch.len();
        // CPU work off the async threads; the jobs travel with it and come back.
        let done = tokio::task::spawn_blocking(move || {
            let items: Vec<(&ProofBundle, &VerifyRequest<'_>)> =
                batch.iter().map(|j| (&j.bundle, &j.request)).collect();
            let results = verify_bundles_each(&items, &keys, &policy);
            drop(items);
            (batch, results)
        })
        .await;
        let Ok((batch, results)) = done else {
            // A panic in verification: the callers see the worker's answer dropped.
            tracing::error!(size, "a verification batch failed");
            continue;
        };
        let refused = results.iter().filter(|r| r.is_err()).count();
        metrics.verified_batch(size, refused, started.elapsed());
        tracing::debug!(
            size,
            refused,
            ms = started.elapsed().as_millis() as u64,
            "bundles verified"
        );
        for (job, result) in batch.into_iter().zip(results) {
            // A caller that went away (its connection closed) no longer needs the answer.
            let _ = job.reply.send(result);
        }
    }
}
