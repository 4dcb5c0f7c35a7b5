//! The [`Prover`]: proves every claim of a transfer, or of many transfers, in parallel.
//!
//! # Dividing the cores
//!
//! arkworks parallelizes inside one proof (MSMs, FFTs) with rayon, but not everything
//! in a proof is parallel (witness synthesis is serial, MSM windows and FFT stages have
//! sync points), so one proof alone leaves cores idle part of the time. Running one
//! proof per core, each in its own single-thread rayon pool, keeps every core busy
//! without oversubscribing: `workers * threads_per_worker` threads in all, never more.
//! [`Parallelism`] chooses the split; `zktr bench` and the criterion benches measure
//! both ends (`workers = cores` x 1 thread, and 1 worker x `cores` threads). Jobs are
//! taken largest first, so a transfer's four claims of very different sizes balance
//! across the workers.

use crate::engine::CircuitProver;
use crate::error::ProverError;
use crate::keys::{ProvingKeys, os_rng};
use crate::statement::{ClaimWitness, TransferStatement};
use ark_bn254::Bn254;
use ark_groth16::Proof;
use ark_std::rand::{RngCore, SeedableRng, rngs::StdRng};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use zktr_records::SignedSanctionsRoot;
use zktr_records::SignedTreeHead;
use zktr_records::encoding::proof_to_bytes;
use zktr_records::{ClaimProof, ProofBundle};

/// How the cores are divided between proofs and arkworks' own parallelism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parallelism {
    /// Proofs made at the same time.
    pub workers: usize,
    /// rayon threads each proof may use.
    pub threads_per_worker: usize,
}

impl Parallelism {
    /// The number of cores available to this process.
    pub fn cores() -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    }

    /// One proof per core, each single-threaded (the default: no proof waits on a serial
    /// stage of another; on the loaded 2-core machine both splits measured within 6% of
    /// each other, see the README).
    pub fn across_proofs() -> Self {
        Self {
            workers: Self::cores(),
            threads_per_worker: 1,
        }
    }

    /// One proof at a time, arkworks using every core.
    pub fn within_proof() -> Self {
        Self {
            workers: 1,
            threads_per_worker: Self::cores(),
        }
    }

    /// Total threads.
    pub fn threads(&self) -> usize {
        self.workers * self.threads_per_worker
    }
}

impl Default for Parallelism {
    fn default() -> Self {
        Self::across_proofs()
    }
}

/// What a bundle refers to besides the proofs.
#[derive(Clone, Debug)]
pub struct BundleContext {
    /// The jurisdiction whose threshold the `threshold` claim states.
    pub jurisdiction: String,
    /// The log's signed tree head (its root must be the statement's `log_root`).
    pub tree_head: SignedTreeHead,
    /// The signed sanctions roots, one per sanctions set of the statement, in the same
    /// order (each root must be its set's). The first is the bundle's `sanctions_root`,
    /// the others its `more_sanctions_roots` (a version-3 bundle).
    pub sanctions_roots: Vec<SignedSanctionsRoot>,
}

/// Holds the proving keys and the worker pools.
pub struct Prover {
    keys: ProvingKeys,
    parallelism: Parallelism,
    pools: Vec<rayon::ThreadPool>,
}

impl core::fmt::Debug for Prover {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Prover")
            .field("keys", &self.keys)
            .field("parallelism", &self.parallelism)
            .finish_non_exhaustive()
    }
}

/// The outcome of one proof.
type ProofResult = Result<Proof<Bn254>, ProverError>;

/// One proof to make.
struct Job<'a> {
    prover: &'a CircuitProver,
    witness: ClaimWitness,
    seed: [u8; 32],
}

impl Prover {
    /// A prover with `keys`, dividing the cores as `parallelism` says.
    pub fn new(keys: ProvingKeys, parallelism: Parallelism) -> Result<Self, ProverError> {
        let workers = parallelism.workers.max(1);
        let threads = parallelism.threads_per_worker.max(1);
        let pools = (0..workers)
            .map(|i| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(move |t| format!("zktr-prover-{i}.{t}"))
                    .build()
                    .map_err(|e| ProverError::Threads(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            keys,
            parallelism: Parallelism {
                workers,
                threads_per_worker: threads,
            },
            pools,
        })
    }

    /// The proving keys.
    pub fn keys(&self) -> &ProvingKeys {
        &self.keys
    }

    /// The core split.
    pub fn parallelism(&self) -> Parallelism {
        self.parallelism
    }

    /// Proves a list of claims (of any transfers), in parallel; results in input order.
    pub fn prove_claims(
        &self,
        claims: Vec<ClaimWitness>,
    ) -> Result<Vec<Result<Proof<Bn254>, ProverError>>, ProverError> {
        let mut rng = os_rng()?;
        let mut jobs = Vec::with_capacity(claims.len());
        for witness in claims {
            let prover = self.keys.get(witness.circuit)?;
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            jobs.push(Job {
                prover,
                witness,
                seed,
            });
        }
        Ok(self.run(jobs))
    }

    fn run(&self, jobs: Vec<Job<'_>>) -> Vec<Result<Proof<Bn254>, ProverError>> {
        let n = jobs.len();
        // Largest circuits first.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| core::cmp::Reverse(jobs[i].prover.pk.a_query.len()));
        let results: Vec<Mutex<Option<ProofResult>>> = (0..n).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let prove = |job: &Job<'_>| {
            let mut rng = StdRng::from_seed(job.seed);
            job.prover.prove(job.witness.synthesizer.clone(), &mut rng)
        };
        if self.pools.len() == 1 || n == 1 {
            if let Some(pool) = self.pools.first() {
                for (i, job) in jobs.iter().enumerate() {
                    let r = pool.install(|| prove(job));
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            }
        } else {
            std::thread::scope(|scope| {
                for pool in &self.pools {
                    let (jobs, order, results, next) = (&jobs, &order, &results, &next);
                    scope.spawn(move || {
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&i) = order.get(k) else { break };
                            let r = pool.install(|| prove(&jobs[i]));
                            if let Ok(mut slot) = results[i].lock() {
                                *slot = Some(r);
                            }
                        }
                    });
                }
            });
        }
        results
            .into_iter()
            .zip(&jobs)
            .map(|(m, job)| {
                m.into_inner().ok().flatten().unwrap_or_else(|| {
                    Err(ProverError::Proving {
                        claim: job.witness.circuit,
                        reason: "a prover thread stopped".into(),
                    })
                })
            })
            .collect()
    }

    /// Checks and proves every claim of one transfer and assembles its bundle.
    pub fn prove_transfer(
        &self,
        statement: &TransferStatement<'_>,
        context: &BundleContext,
    ) -> Result<ProofBundle, ProverError> {
        self.prove_transfers(std::slice::from_ref(statement), context)?
            .pop()
            .unwrap_or_else(|| {
                Err(ProverError::Proving {
                    claim: zktr_circuits::circuits::CircuitId::Threshold,
                    reason: "no bundle".into(),
                })
            })
    }

    /// Proves many transfers together (all their claims share the workers). The outer
    /// error is for the whole batch (keys, randomness); each transfer has its own result
    /// (a refused claim refuses only its transfer).
    pub fn prove_transfers(
        &self,
        statements: &[TransferStatement<'_>],
        context: &BundleContext,
    ) -> Result<Vec<Result<ProofBundle, ProverError>>, ProverError> {
        type Checked = Result<(Vec<ClaimWitness>, Vec<zktr_records::Clearance>), ProverError>;
        let mut per_transfer: Vec<Checked> = Vec::new();
        let mut all = Vec::new();
        for st in statements {
            let checked =
                check_context(st, context).and_then(|_| Ok((st.claims()?, st.used_clearances()?)));
            if let Ok((claims, _)) = &checked {
                all.extend(claims.iter().cloned());
            }
            per_transfer.push(checked);
        }
        let (first_root, more_roots) =
            context
                .sanctions_roots
                .split_first()
                .ok_or(ProverError::Refused {
                    claim: zktr_circuits::circuits::CircuitId::NotSanctionedOriginator,
                    reason: crate::error::Refusal::SanctionsRootMismatch,
                })?;
        let mut proofs = self.prove_claims(all)?.into_iter();
        let mut out = Vec::with_capacity(statements.len());
        for (st, checked) in statements.iter().zip(per_transfer) {
            let (claims, clearances) = match checked {
                Ok(c) => c,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            let mut bundle_claims = Vec::with_capacity(claims.len());
            let mut failed = None;
            for w in claims {
                let prover = self.keys.get(w.circuit)?;
                match proofs.next() {
                    Some(Ok(p)) => bundle_claims.push(ClaimProof {
                        circuit: w.circuit,
                        public_inputs: w.public_inputs,
                        proof: proof_to_bytes(&p),
                        verifying_key_id: prover.vk_id.clone(),
                    }),
                    Some(Err(e)) => {
                        failed.get_or_insert(e);
                    }
                    None => {
                        failed.get_or_insert(ProverError::Proving {
                            claim: w.circuit,
                            reason: "missing proof".into(),
                        });
                    }
                }
            }
            out.push(match failed {
                Some(e) => Err(e),
                None => Ok(ProofBundle {
                    version: ProofBundle::version_for(st.price, context.sanctions_roots.len()),
                    commitment: st.tree.commitment(),
                    jurisdiction: context.jurisdiction.clone(),
                    claims: bundle_claims,
                    tree_head: context.tree_head.clone(),
                    sanctions_root: first_root.clone(),
                    more_sanctions_roots: more_roots.to_vec(),
                    clearances,
                    price_quote: st.price.cloned(),
                }),
            });
        }
        Ok(out)
    }
}

fn check_context(st: &TransferStatement<'_>, ctx: &BundleContext) -> Result<(), ProverError> {
    use crate::error::Refusal;
    use zktr_circuits::circuits::CircuitId;
    if ctx.tree_head.root != st.log_root {
        return Err(ProverError::Refused {
            claim: CircuitId::Committed,
            reason: Refusal::TreeHeadMismatch,
        });
    }
    let roots = &ctx.sanctions_roots;
    let count = roots.len();
    if count == 0
        || count > zktr_records::MAX_SANCTIONS_ROOTS
        || count != st.sanctions.len()
        || roots
            .iter()
            .zip(st.sanctions.iter())
            .any(|(r, set)| r.record.root != set.root())
    {
        return Err(ProverError::Refused {
            claim: CircuitId::NotSanctionedOriginator,
            reason: Refusal::SanctionsRootMismatch,
        });
    }
    // Every clearance is for one of the signed lists, exactly as it signs it.
    if st.clearances.iter().any(|c| {
        !roots.iter().any(|r| {
            let r = &r.record;
            c.list_id == r.list_id
                && c.list_version == r.version
                && c.publisher_key_id == r.publisher_key_id
                && c.sanctions_root == r.root.0
        })
    }) {
        return Err(ProverError::Refused {
            claim: CircuitId::NotSanctionedOriginator,
            reason: Refusal::ClearanceMismatch,
        });
    }
    Ok(())
}
