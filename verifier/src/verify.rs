//! Verifying one [`ProofBundle`] against a [`Policy`]: every problem is reported with
//! the claim it concerns (index and circuit) and why.
//!
//! Checks, in order: the required claims are present (once each); per claim, a known
//! verifying key made for that circuit, public inputs in range, the bundle's commitment,
//! the policy's threshold for the bundle's jurisdiction (`threshold`), the tree head's
//! root (`committed`), the signed sanctions root (`not_sanctioned`); the tree head is
//! signed by a trusted log; the sanctions root is signed by a trusted publisher and not
//! older than the publisher's maximum age; finally every proof verifies (in parallel).

use crate::batch::{BatchError, BatchItem, batch_verify, verify_one};
use crate::keys::{CircuitKey, VerifyingKeys};
use crate::policy::{Policy, claim_name};
use rayon::prelude::*;
use std::collections::BTreeMap;
use zktr_circuits::circuits::{
    CircuitId, CommittedPublicInputs, NotSanctionedPublicInputs, Party, ThresholdPublicInputs,
};
use zktr_circuits::commitment::Commitment;
use zktr_records::bundle::{ClaimProof, ProofBundle};
use zktr_records::encoding::proof_from_bytes;

/// Why one check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// A claim the policy requires is absent.
    #[error("required claim {0} is missing")]
    MissingClaim(&'static str),
    /// The same claim twice.
    #[error("claim appears more than once")]
    DuplicateClaim,
    /// The verifying-key id is not one this verifier trusts.
    #[error("unknown verifying key {0}")]
    UnknownKey(String),
    /// The key is for another circuit.
    #[error("verifying key {key_id} is for {key_circuit}, not this claim's circuit")]
    KeyForOtherCircuit {
        /// The key's id.
        key_id: String,
        /// Its circuit.
        key_circuit: CircuitId,
    },
    /// A public input outside the circuit's range (or a wrong count).
    #[error("public input out of range: {0}")]
    PublicInput(String),
    /// The claim's `C` is not the bundle's.
    #[error("its commitment differs from the bundle's (claims of different transfers)")]
    CommitmentMismatch,
    /// The threshold is not the policy's for the jurisdiction and currency.
    #[error(
        "threshold {got} (minor units, currency {currency}) is not the policy's {expected:?} for jurisdiction {jurisdiction}"
    )]
    WrongThreshold {
        /// The bundle's jurisdiction.
        jurisdiction: String,
        /// ISO 4217 numeric currency of the claim.
        currency: u16,
        /// The policy's threshold, if it has one for this currency.
        expected: Option<u64>,
        /// The claim's threshold.
        got: u64,
    },
    /// The bundle names a jurisdiction the policy does not know.
    #[error("jurisdiction {0:?} is not in the policy")]
    UnknownJurisdiction(String),
    /// `committed`'s log root is not the tree head's.
    #[error("its log root is not the signed tree head's root")]
    LogRootMismatch,
    /// `not_sanctioned`'s root is not the signed sanctions root.
    #[error("its sanctions root is not the signed sanctions root")]
    SanctionsRootMismatch,
    /// The tree head's log is not trusted.
    #[error("log {0:?} is not trusted by the policy")]
    UntrustedLog(String),
    /// The tree head's signature does not verify.
    #[error("the tree head's signature does not verify")]
    BadTreeHeadSignature,
    /// The sanctions root's publisher is not trusted.
    #[error("sanctions root publisher {0} is not trusted by the policy")]
    UntrustedSanctionsRoot(String),
    /// The sanctions root's signature does not verify.
    #[error("the sanctions root's signature does not verify: {0}")]
    BadSanctionsRootSignature(String),
    /// The sanctions root is older than the policy allows.
    #[error(
        "the sanctions root is stale: published {age_seconds} s ago, the policy allows {max_age_seconds} s"
    )]
    StaleSanctionsRoot {
        /// Age at verification time.
        age_seconds: u64,
        /// The publisher's maximum age.
        max_age_seconds: u64,
    },
    /// The proof's bytes are not valid curve points.
    #[error("bad proof: {0}")]
    MalformedProof(String),
    /// The proof does not verify for its public inputs.
    #[error("bad proof: it does not verify for its public inputs")]
    BadProof,
}

/// One problem, with the claim it concerns (none for bundle-level problems).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Index into `bundle.claims` and its circuit.
    pub claim: Option<(usize, CircuitId)>,
    /// Why.
    pub reason: Reason,
}

impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.claim {
            Some((i, c)) => write!(f, "claim {i} ({}): {}", claim_name(c), self.reason),
            None => write!(f, "bundle: {}", self.reason),
        }
    }
}

/// A rejected bundle: every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bundle rejected: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Rejection {
    /// The problems, in check order.
    pub problems: Vec<Problem>,
}

impl Rejection {
    /// Whether some problem has this reason (compared with `matches`).
    pub fn has(&self, f: impl Fn(&Reason) -> bool) -> bool {
        self.problems.iter().any(|p| f(&p.reason))
    }
}

/// What a verifier learned from an accepted bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The commitment.
    pub commitment: Commitment,
    /// The verified claims.
    pub claims: Vec<CircuitId>,
}

/// Verifies `bundle` under `policy` with `keys`, at unix time `now`.
pub fn verify_bundle(
    bundle: &ProofBundle,
    keys: &VerifyingKeys,
    policy: &Policy,
    now: u64,
) -> Result<Accepted, Rejection> {
    let (mut problems, to_verify) = check_bundle(bundle, keys, policy, now);

    // Proofs, in parallel.
    let proof_problems: Vec<Problem> = to_verify
        .par_iter()
        .filter_map(|(i, key)| {
            let claim = &bundle.claims[*i];
            let at = Some((*i, claim.circuit));
            match proof_from_bytes(&claim.proof) {
                Err(e) => Some(Problem {
                    claim: at,
                    reason: Reason::MalformedProof(e.to_string()),
                }),
                Ok(p) if !verify_one(key, &claim.public_inputs, &p) => Some(Problem {
                    claim: at,
                    reason: Reason::BadProof,
                }),
                Ok(_) => None,
            }
        })
        .collect();
    problems.extend(proof_problems);
    outcome(bundle, problems)
}

fn outcome(bundle: &ProofBundle, problems: Vec<Problem>) -> Result<Accepted, Rejection> {
    if problems.is_empty() {
        Ok(Accepted {
            commitment: bundle.commitment,
            claims: bundle.claims.iter().map(|c| c.circuit).collect(),
        })
    } else {
        Err(Rejection { problems })
    }
}

/// Verifies many bundles at once: every check but the proofs per bundle, then all proofs
/// that share a verifying key in one batch ([`crate::batch`]); a failing batch is
/// bisected, so each bad proof is still named with its bundle and claim. Results are in
/// input order.
pub fn verify_bundles(
    bundles: &[ProofBundle],
    keys: &VerifyingKeys,
    policy: &Policy,
    now: u64,
) -> Vec<Result<Accepted, Rejection>> {
    let mut problems: Vec<Vec<Problem>> = Vec::with_capacity(bundles.len());
    // Per verifying key: (bundle, claim) and the decoded proof.
    let mut groups: BTreeMap<&str, (&CircuitKey, Vec<(usize, usize)>, Vec<BatchItem>)> =
        BTreeMap::new();
    for (b, bundle) in bundles.iter().enumerate() {
        let (mut ps, to_verify) = check_bundle(bundle, keys, policy, now);
        for (i, key) in to_verify {
            let claim = &bundle.claims[i];
            match proof_from_bytes(&claim.proof) {
                Err(e) => ps.push(Problem {
                    claim: Some((i, claim.circuit)),
                    reason: Reason::MalformedProof(e.to_string()),
                }),
                Ok(proof) => {
                    let g = groups
                        .entry(key.id.as_str())
                        .or_insert_with(|| (key, Vec::new(), Vec::new()));
                    g.1.push((b, i));
                    g.2.push(BatchItem {
                        public_inputs: claim.public_inputs.clone(),
                        proof,
                    });
                }
            }
        }
        problems.push(ps);
    }
    for (key, at, items) in groups.into_values() {
        let bad: Vec<usize> = match batch_verify(key, &items) {
            Ok(()) => Vec::new(),
            Err(BatchError::BadProofs { bad, .. }) => bad,
            // Without OS randomness a batch cannot be trusted: check one by one.
            Err(BatchError::Randomness(_)) => items
                .iter()
                .enumerate()
                .filter(|(_, it)| !verify_one(key, &it.public_inputs, &it.proof))
                .map(|(j, _)| j)
                .collect(),
        };
        for j in bad {
            if let Some(&(b, i)) = at.get(j) {
                problems[b].push(Problem {
                    claim: Some((i, bundles[b].claims[i].circuit)),
                    reason: Reason::BadProof,
                });
            }
        }
    }
    bundles
        .iter()
        .zip(problems)
        .map(|(bundle, ps)| outcome(bundle, ps))
        .collect()
}

/// Every check of a bundle except the proofs: the problems found, and the claims
/// (index, key) whose proofs remain to be checked.
fn check_bundle<'k>(
    bundle: &ProofBundle,
    keys: &'k VerifyingKeys,
    policy: &Policy,
    now: u64,
) -> (Vec<Problem>, Vec<(usize, &'k CircuitKey)>) {
    let mut problems = Vec::new();
    let mut bundle_problem = |reason| {
        problems.push(Problem {
            claim: None,
            reason,
        })
    };
    for req in &policy.required {
        if bundle.claim(*req).is_none() {
            bundle_problem(Reason::MissingClaim(claim_name(*req)));
        }
    }

    // Tree head and sanctions root (bundle-level).
    match policy.logs.get(&bundle.tree_head.log_id) {
        None => bundle_problem(Reason::UntrustedLog(bundle.tree_head.log_id.clone())),
        Some(k) => {
            if bundle.tree_head.verify(k).is_err() {
                bundle_problem(Reason::BadTreeHeadSignature);
            }
        }
    }
    let sr = &bundle.sanctions_root;
    match policy.publishers.get(&sr.record.publisher_key_id) {
        None => bundle_problem(Reason::UntrustedSanctionsRoot(
            sr.record.publisher_key_id.clone(),
        )),
        Some((k, max_age)) => {
            if let Err(e) = sr.verify(k) {
                bundle_problem(Reason::BadSanctionsRootSignature(e.to_string()));
            }
            let age = now.saturating_sub(sr.record.published_at);
            if age > *max_age {
                bundle_problem(Reason::StaleSanctionsRoot {
                    age_seconds: age,
                    max_age_seconds: *max_age,
                });
            }
        }
    }

    // Per-claim statement checks.
    let mut seen = Vec::new();
    let mut to_verify = Vec::new();
    for (i, claim) in bundle.claims.iter().enumerate() {
        let at = Some((i, claim.circuit));
        let mut claim_problem = |reason| problems.push(Problem { claim: at, reason });
        if seen.contains(&claim.circuit) {
            claim_problem(Reason::DuplicateClaim);
        }
        seen.push(claim.circuit);
        let Some(key) = keys.get(&claim.verifying_key_id) else {
            claim_problem(Reason::UnknownKey(claim.verifying_key_id.clone()));
            continue;
        };
        if key.circuit != claim.circuit {
            claim_problem(Reason::KeyForOtherCircuit {
                key_id: key.id.clone(),
                key_circuit: key.circuit,
            });
            continue;
        }
        if let Err(reason) = check_statement(bundle, claim, policy) {
            claim_problem(reason);
            continue;
        }
        to_verify.push((i, key));
    }
    (problems, to_verify)
}

/// The statement checks of one claim (everything but the proof).
fn check_statement(
    bundle: &ProofBundle,
    claim: &ClaimProof,
    policy: &Policy,
) -> Result<(), Reason> {
    let range = |e: zktr_circuits::Error| Reason::PublicInput(e.to_string());
    let xs = &claim.public_inputs;
    let c = match claim.circuit {
        CircuitId::Threshold => {
            let p = ThresholdPublicInputs::from_field_elements(xs).map_err(range)?;
            let jur = policy
                .jurisdiction(&bundle.jurisdiction)
                .ok_or_else(|| Reason::UnknownJurisdiction(bundle.jurisdiction.clone()))?;
            let expected = jur.threshold(p.currency).map(|t| t.amount_minor);
            if expected != Some(p.threshold) {
                return Err(Reason::WrongThreshold {
                    jurisdiction: bundle.jurisdiction.clone(),
                    currency: p.currency,
                    expected,
                    got: p.threshold,
                });
            }
            p.commitment
        }
        CircuitId::Committed => {
            let p = CommittedPublicInputs::from_field_elements(xs).map_err(range)?;
            if p.log_root != bundle.tree_head.root {
                return Err(Reason::LogRootMismatch);
            }
            p.commitment
        }
        CircuitId::NotSanctionedOriginator | CircuitId::NotSanctionedBeneficiary => {
            let p = NotSanctionedPublicInputs::from_field_elements(xs).map_err(range)?;
            let party = if claim.circuit == CircuitId::NotSanctionedOriginator {
                Party::Originator
            } else {
                Party::Beneficiary
            };
            if p.party != party {
                return Err(Reason::PublicInput(format!(
                    "party is {}, the circuit screens the {}",
                    p.party.as_str(),
                    party.as_str()
                )));
            }
            if p.sanctions_root != bundle.sanctions_root.record.root {
                return Err(Reason::SanctionsRootMismatch);
            }
            p.commitment
        }
    };
    if c != bundle.commitment {
        return Err(Reason::CommitmentMismatch);
    }
    Ok(())
}
