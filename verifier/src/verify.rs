//! Verifying one [`ProofBundle`] against a [`Policy`] and what the caller states about
//! itself (a [`VerifyRequest`]): every problem is reported with the claim it concerns
//! (index and circuit) and why; an accepted bundle says what was proven ([`Accepted`]).
//!
//! Checks, in order: the required claims are present (once each); the tree head is
//! signed by a trusted log, not from the future and not older than the log's bound; the
//! bundle carries exactly one sanctions root per list the policy requires, each signed by
//! that list's publisher, not older than its minimum version or a version already seen,
//! with enough keys, not from the future and not stale, and each party is screened
//! against every root (a `not_sanctioned` claim or a clearance per root); per claim, a verifying key the policy trusts (by id
//! or ceremony; dev keys only if allowed) made for that circuit, public inputs in range,
//! the bundle's commitment, a threshold statement that satisfies every jurisdiction the
//! caller applies (`threshold`) and, for `threshold/v2`, a price quote signed by a
//! publisher the policy trusts for that asset, not older and no longer than the policy
//! allows, whose price and window are the claim's public inputs (`threshold/v1`, unpriced,
//! only if the policy allows it), the tree head's root and the caller's on-chain transfer
//! (`committed`), one of the signed sanctions roots (`not_sanctioned`); finally every proof
//! verifies (in parallel).
//!
//! # Clearances
//!
//! A required `not_sanctioned` claim that is absent is satisfied by an officer's
//! clearance of that party's name hit ([`zktr_records::clearance`]) only if the policy
//! trusts the officer (`clearance_officers`: key, VASP and name as the clearance states
//! them), the signature verifies, and the clearance is for this bundle's `C` and for
//! exactly the list version of its signed sanctions root, and not older than the
//! officer's bound. An accepted bundle reports each clearance it relied on
//! ([`Accepted::cleared`]); the caller decides what else it needs (a beneficiary also
//! checks that the VASP named is its counterparty).
//!
//! # Which jurisdictions a threshold claim satisfies
//!
//! The caller names the jurisdictions whose rules it applies; the bundle's own
//! `jurisdiction` is only the prover's word and is reported, never trusted. A claim
//! "value below `T`" satisfies jurisdiction `J` (threshold `T_J` in the same currency) if
//! `J` accepts `below` and `T <= T_J` (then value `< T_J` too); "value at or above `T`"
//! satisfies `J` if `J` accepts `at_or_above` and `T >= T_J`. So a US "below USD 3,000"
//! proof does not satisfy a verifier applying FATF's USD 1,000, and a proof for the
//! stricter rule satisfies the looser one.

use crate::batch::{BatchError, BatchItem, batch_verify, verify_one};
use crate::keys::{CircuitKey, VerifyingKeys};
use crate::policy::{ListRule, Policy, claim_name, compare_versions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use zktr_circuits::circuits::{
    CircuitId, CommittedPublicInputs, NotSanctionedPublicInputs, Party,
    PricedThresholdPublicInputs, ThresholdDirection, ThresholdPublicInputs,
};
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::{ScreeningKey, Word248};
use zktr_records::encoding::proof_from_bytes;
use zktr_records::policy_file::Direction;
use zktr_records::{ClaimProof, ProofBundle, SignedPriceQuote};
use zktr_records::{SignedSanctionsRoot, SignedTreeHead};

/// The on-chain facts a `committed` claim binds `C` to: what the caller saw on chain, or
/// what an accepted bundle proved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnChainTransfer {
    /// The asset (SLIP-0044 coin type, or a 248-bit id).
    pub asset_id: Word248,
    /// The amount in base units.
    pub asset_amount: u128,
    /// Screening key of the destination address (`zktr_sanctions::screening::address_key`).
    pub beneficiary_address_key: ScreeningKey,
}

/// The newest version seen of each sanctions list, per publisher: a root older than one
/// already seen is refused (a prover cannot fall back to a list from before a party was
/// added). Record every accepted bundle with [`SeenLists::record`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeenLists {
    newest: BTreeMap<(String, String), String>,
}

impl SeenLists {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The newest version seen of a publisher's list.
    pub fn newest(&self, publisher_key_id: &str, list_id: &str) -> Option<&str> {
        self.newest
            .get(&(publisher_key_id.to_owned(), list_id.to_owned()))
            .map(String::as_str)
    }

    /// Remembers a version (keeps the newest).
    pub fn see(&mut self, publisher_key_id: &str, list_id: &str, version: &str) {
        let slot = self
            .newest
            .entry((publisher_key_id.to_owned(), list_id.to_owned()))
            .or_insert_with(|| version.to_owned());
        if compare_versions(version, slot).is_gt() {
            *slot = version.to_owned();
        }
    }

    /// Remembers the lists an accepted bundle was screened against.
    pub fn record(&mut self, accepted: &Accepted) {
        for s in &accepted.screened {
            self.see(&s.publisher_key_id, &s.list_id, &s.version);
        }
    }
}

/// What the caller states about its own check: the time, the jurisdictions whose rules it
/// applies, and, if it knows it, the on-chain transfer the bundle must be about.
#[derive(Clone, Debug)]
pub struct VerifyRequest<'a> {
    /// Unix seconds.
    pub now: u64,
    /// Policy jurisdiction keys whose rules the caller applies (its own, the
    /// counterparty's); the `threshold` claim must satisfy each.
    pub jurisdictions: Vec<String>,
    /// The on-chain transfer the `committed` claim must match (the beneficiary knows it).
    pub transfer: Option<OnChainTransfer>,
    /// List versions already seen (a root of an older version is refused).
    pub seen_lists: Option<&'a SeenLists>,
}

impl VerifyRequest<'_> {
    /// A request at `now` applying one jurisdiction's rules.
    pub fn new(now: u64, jurisdiction: &str) -> Self {
        Self {
            now,
            jurisdictions: vec![jurisdiction.to_owned()],
            transfer: None,
            seen_lists: None,
        }
    }
}

/// Why a threshold claim does not satisfy a jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdGap {
    /// The policy has no such jurisdiction.
    #[error("the policy does not know it")]
    UnknownJurisdiction,
    /// The policy has no threshold in the claim's currency for it.
    #[error("it has no threshold in currency {0}")]
    NoThresholdInCurrency(u16),
    /// The jurisdiction does not accept this side of its threshold.
    #[error("it does not accept a proof of {0}")]
    DirectionNotAccepted(&'static str),
    /// The proven threshold does not imply the jurisdiction's.
    #[error("{direction} {proven} does not imply {direction} its threshold {required}")]
    DoesNotImply {
        /// `below` or `at or above`.
        direction: &'static str,
        /// The claim's threshold (minor units).
        proven: u64,
        /// The jurisdiction's threshold.
        required: u64,
    },
}

/// Why one check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// A claim the policy requires is absent.
    #[error("required claim {0} is missing")]
    MissingClaim(&'static str),
    /// The same claim twice.
    #[error("claim appears more than once")]
    DuplicateClaim,
    /// The verifying-key id is not one this verifier has.
    #[error("unknown verifying key {0}")]
    UnknownKey(String),
    /// The verifier has the key, but the policy does not trust it (dev keys under a
    /// policy that does not allow them, an unlisted id or ceremony).
    #[error("verifying key {key_id} (ceremony {ceremony:?}) is not trusted by the policy")]
    UntrustedKey {
        /// The key's id.
        key_id: String,
        /// Its ceremony.
        ceremony: String,
    },
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
    /// The caller applies no jurisdiction, so a threshold claim cannot be judged.
    #[error("the verification names no jurisdiction whose threshold rule applies")]
    NoJurisdiction,
    /// The threshold claim does not satisfy a jurisdiction the caller applies.
    #[error(
        "proven {direction} {threshold} (minor units, currency {currency}; the bundle says {bundle_jurisdiction}) does not satisfy {jurisdiction}: {gap}"
    )]
    ThresholdNotSatisfied {
        /// The caller's jurisdiction.
        jurisdiction: String,
        /// The jurisdiction the bundle names (the prover's word).
        bundle_jurisdiction: String,
        /// `below` or `at or above`.
        direction: &'static str,
        /// The claim's threshold.
        threshold: u64,
        /// ISO 4217 numeric currency of the claim.
        currency: u16,
        /// Why not.
        gap: ThresholdGap,
    },
    /// A `threshold/v1` claim (the fiat value on the prover's word) under a policy that
    /// requires a priced threshold.
    #[error(
        "the threshold claim is unpriced (threshold/v1: the fiat value is the prover's word); the policy requires threshold/v2 with a trusted price quote"
    )]
    UnpricedThreshold,
    /// A `threshold/v2` claim in a bundle without a price quote.
    #[error("the bundle carries no price quote for its threshold/v2 claim")]
    MissingPriceQuote,
    /// A price quote beside an unpriced threshold claim (it priced nothing that was proven).
    #[error("the bundle carries a price quote, but its threshold claim is unpriced (threshold/v1)")]
    UnusedPriceQuote,
    /// The quote's publisher is not trusted, or not for this asset.
    #[error("price quote publisher {publisher_key_id} is not trusted by the policy{for_asset}")]
    UntrustedPricePublisher {
        /// The key id the quote names.
        publisher_key_id: String,
        /// Empty, or ` for asset ...` when the publisher is trusted for other assets.
        for_asset: String,
    },
    /// The quote's signature does not verify (or the quote means no price).
    #[error("the price quote does not check: {0}")]
    BadPriceQuote(String),
    /// The quote's window is longer than the policy allows.
    #[error(
        "the price quote is valid for {window_seconds} s, the policy allows {max_window_seconds} s"
    )]
    PriceWindowTooLong {
        /// `valid_until - valid_from + 1`.
        window_seconds: u64,
        /// The policy's bound.
        max_window_seconds: u64,
    },
    /// The quote is older than the policy allows.
    #[error(
        "the price quote is stale: published {age_seconds} s ago, the policy allows {max_age_seconds} s"
    )]
    StalePriceQuote {
        /// Age at verification time.
        age_seconds: u64,
        /// The policy's bound.
        max_age_seconds: u64,
    },
    /// The quote is dated after now plus the clock skew.
    #[error("the price quote is dated {seconds} s in the future")]
    FuturePriceQuote {
        /// How far ahead.
        seconds: u64,
    },
    /// The claim's price inputs (asset, currency, price, window) are not the quote's.
    #[error("its price inputs are not the signed price quote's ({0} differs)")]
    PriceQuoteMismatch(&'static str),
    /// `committed`'s log root is not the tree head's.
    #[error("its log root is not the signed tree head's root")]
    LogRootMismatch,
    /// `committed`'s on-chain facts are not the transfer the caller saw.
    #[error("the committed {0} differs from the on-chain transfer")]
    TransferMismatch(&'static str),
    /// `not_sanctioned`'s root is not the signed sanctions root.
    #[error("its sanctions root is not the signed sanctions root")]
    SanctionsRootMismatch,
    /// The tree head's log is not trusted.
    #[error("log {0:?} is not trusted by the policy")]
    UntrustedLog(String),
    /// The tree head's signature does not verify.
    #[error("the tree head's signature does not verify")]
    BadTreeHeadSignature,
    /// The tree head is older than the log's bound.
    #[error(
        "the tree head is stale: signed {age_seconds} s ago, the policy allows {max_age_seconds} s"
    )]
    StaleTreeHead {
        /// Age at verification time.
        age_seconds: u64,
        /// The policy's bound.
        max_age_seconds: u64,
    },
    /// The tree head is dated after now plus the clock skew.
    #[error("the tree head is dated {seconds} s in the future")]
    FutureTreeHead {
        /// How far ahead.
        seconds: u64,
    },
    /// The sanctions root's publisher is not trusted.
    #[error("sanctions root publisher {0} is not trusted by the policy")]
    UntrustedSanctionsRoot(String),
    /// The sanctions root is of a list the policy does not require.
    #[error(
        "sanctions list {list_id:?} is not a list the policy requires of its publisher ({required:?})"
    )]
    UnlistedSanctionsList {
        /// The root's list.
        list_id: String,
        /// The policy's lists of that publisher, comma-separated, if any.
        required: Option<String>,
    },
    /// A list the policy requires has no root in the bundle.
    #[error("the bundle carries no root of sanctions list {0:?}, which the policy requires")]
    MissingSanctionsList(String),
    /// The bundle carries two roots of one list.
    #[error("the bundle carries more than one root of sanctions list {0:?}")]
    DuplicateSanctionsList(String),
    /// A party is screened against some of the bundle's lists but not this one.
    #[error(
        "the {party} is not screened against sanctions list {list_id:?} (no not_sanctioned claim or clearance for its root)"
    )]
    MissingScreening {
        /// `originator` or `beneficiary`.
        party: &'static str,
        /// The list.
        list_id: String,
    },
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
        /// The maximum age.
        max_age_seconds: u64,
    },
    /// The sanctions root is dated after now plus the clock skew.
    #[error("the sanctions root is dated {seconds} s in the future")]
    FutureSanctionsRoot {
        /// How far ahead.
        seconds: u64,
    },
    /// The list version is older than the policy's minimum or one already seen.
    #[error("sanctions list version {version:?} is older than {newer:?} ({why})")]
    OldSanctionsVersion {
        /// The root's version.
        version: String,
        /// The minimum or the newest seen.
        newer: String,
        /// `the policy's minimum` or `a version already seen`.
        why: &'static str,
    },
    /// The root's set has fewer keys than the policy requires.
    #[error("the sanctions set has {key_count} keys, the policy requires at least {min_key_count}")]
    TooFewSanctionsKeys {
        /// The root's key count.
        key_count: u64,
        /// The policy's minimum.
        min_key_count: u64,
    },
    /// The proof's bytes are not valid curve points.
    #[error("bad proof: {0}")]
    MalformedProof(String),
    /// The proof does not verify for its public inputs.
    #[error("bad proof: it does not verify for its public inputs")]
    BadProof,
    /// A clearance whose officer the policy does not trust (or a policy that accepts no
    /// clearances).
    #[error(
        "the {party}'s clearance is by officer key {officer_key_id}, which the policy does not trust"
    )]
    UntrustedClearance {
        /// The party cleared.
        party: &'static str,
        /// The officer key id the clearance names.
        officer_key_id: String,
    },
    /// A clearance that does not verify, or names another officer or VASP than the
    /// policy's entry for its key.
    #[error("the {party}'s clearance does not check: {why}")]
    BadClearance {
        /// The party cleared.
        party: &'static str,
        /// Why.
        why: String,
    },
    /// A clearance for another transfer or another list version than the bundle's.
    #[error("the {party}'s clearance is for another {what} than this bundle's")]
    ClearanceMismatch {
        /// The party cleared.
        party: &'static str,
        /// `commitment` or `sanctions list`.
        what: &'static str,
    },
    /// A clearance older than the policy allows for its officer.
    #[error(
        "the {party}'s clearance is stale: signed {age_seconds} s ago, the policy allows {max_age_seconds} s"
    )]
    StaleClearance {
        /// The party cleared.
        party: &'static str,
        /// Age at verification time.
        age_seconds: u64,
        /// The maximum age.
        max_age_seconds: u64,
    },
    /// A clearance dated after now plus the clock skew.
    #[error("the {party}'s clearance is dated {seconds} s in the future")]
    FutureClearance {
        /// The party cleared.
        party: &'static str,
        /// How far ahead.
        seconds: u64,
    },
    /// Two clearances for one party.
    #[error("the bundle carries more than one clearance for the {0}")]
    DuplicateClearance(&'static str),
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

/// What a `threshold` claim proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenThreshold {
    /// The jurisdiction the bundle names (the prover's word, not checked).
    pub bundle_jurisdiction: String,
    /// The caller's jurisdictions it satisfies (all of them, or it is rejected).
    pub satisfies: Vec<String>,
    /// The threshold in minor units.
    pub threshold: u64,
    /// ISO 4217 numeric currency.
    pub currency: u16,
    /// The side of the threshold the fiat value is on.
    pub direction: ThresholdDirection,
    /// The price quote the fiat value follows from (`threshold/v2`); `None` for an
    /// unpriced `threshold/v1` claim (the fiat value is the prover's word).
    pub price: Option<ProvenPrice>,
}

/// The price a `threshold/v2` claim's fiat value follows from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenPrice {
    /// The publisher's name in the policy.
    pub publisher: String,
    /// The publisher's key id.
    pub publisher_key_id: String,
    /// The asset label the publisher signed (`BTC`).
    pub asset: String,
    /// The asset id (slot 4).
    pub asset_id: Word248,
    /// Minor fiat units per `price_den` base units.
    pub price_num: u64,
    /// The denominator.
    pub price_den: u64,
    /// The window the commitment time is proven to be in (unix seconds, both included).
    pub valid_from: u64,
    /// Its last second.
    pub valid_until: u64,
    /// When the publisher signed.
    pub published_at: u64,
}

/// The list one party was screened against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screened {
    /// The party.
    pub party: Party,
    /// The list id.
    pub list_id: String,
    /// Its version.
    pub version: String,
    /// Its publisher's key id.
    pub publisher_key_id: String,
    /// When the publisher signed the root (unix seconds).
    pub published_at: u64,
    /// Number of keys in the set.
    pub key_count: u64,
}

/// The verifying key one claim was checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUse {
    /// The claim's circuit.
    pub circuit: CircuitId,
    /// The key's id.
    pub key_id: String,
    /// How the key was made (`single-party-dev`, `mpc`, ...).
    pub ceremony: String,
}

/// A clearance an accepted bundle relied on instead of a `not_sanctioned` proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleared {
    /// The party cleared.
    pub party: Party,
    /// The originator VASP whose officer cleared it.
    pub vasp: String,
    /// The officer.
    pub officer: String,
    /// The officer's key id.
    pub officer_key_id: String,
    /// Why (a code of `zktr_records::clearance::BASES`).
    pub basis: String,
    /// The list and version that hit.
    pub list_id: String,
    /// The version.
    pub list_version: String,
    /// When the officer signed (unix seconds).
    pub cleared_at: u64,
}

/// What a verifier learned from an accepted bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The commitment.
    pub commitment: Commitment,
    /// The verified claims.
    pub claims: Vec<CircuitId>,
    /// The `threshold` claim's statement (if the bundle has one).
    pub threshold: Option<ProvenThreshold>,
    /// The on-chain transfer the `committed` claim binds `C` to (if present).
    pub transfer: Option<OnChainTransfer>,
    /// The signed tree head `C` is logged under (log id, size, time). The position in
    /// the log is private to the `committed` proof.
    pub tree_head: SignedTreeHead,
    /// Per screened party, the list, version and publisher.
    pub screened: Vec<Screened>,
    /// The verifying key of every claim with its ceremony.
    pub keys: Vec<KeyUse>,
    /// Clearances relied on in place of `not_sanctioned` claims (usually none).
    pub cleared: Vec<Cleared>,
}

impl Accepted {
    /// Whether some claim was checked with a key of a single-party dev setup.
    pub fn on_dev_keys(&self) -> bool {
        self.keys
            .iter()
            .any(|k| k.ceremony == zktr_records::manifest::SINGLE_PARTY_DEV)
    }
}

/// What the checks before the proofs found out (the makings of [`Accepted`]).
#[derive(Default)]
struct Findings {
    threshold: Option<ProvenThreshold>,
    transfer: Option<OnChainTransfer>,
    screened: Vec<Screened>,
    keys: Vec<KeyUse>,
    cleared: Vec<Cleared>,
}

/// Verifies `bundle` under `policy` with `keys`, as `request` states.
pub fn verify_bundle(
    bundle: &ProofBundle,
    keys: &VerifyingKeys,
    policy: &Policy,
    request: &VerifyRequest<'_>,
) -> Result<Accepted, Rejection> {
    let (mut problems, to_verify, findings) = check_bundle(bundle, keys, policy, request);

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
    outcome(bundle, problems, findings)
}

fn outcome(
    bundle: &ProofBundle,
    problems: Vec<Problem>,
    findings: Findings,
) -> Result<Accepted, Rejection> {
    if problems.is_empty() {
        Ok(Accepted {
            commitment: bundle.commitment,
            claims: bundle.claims.iter().map(|c| c.circuit).collect(),
            threshold: findings.threshold,
            transfer: findings.transfer,
            tree_head: bundle.tree_head.clone(),
            screened: findings.screened,
            keys: findings.keys,
            cleared: findings.cleared,
        })
    } else {
        Err(Rejection { problems })
    }
}

/// The proofs of many bundles under one verifying key: the key, (bundle, claim) of each
/// proof, and the proofs.
type KeyBatch<'k> = (&'k CircuitKey, Vec<(usize, usize)>, Vec<BatchItem>);

/// Verifies many bundles at once: every check but the proofs per bundle, then all proofs
/// that share a verifying key in one batch (`crate::batch`); a failing batch is
/// bisected, so each bad proof is still named with its bundle and claim. Results are in
/// input order.
pub fn verify_bundles(
    bundles: &[ProofBundle],
    keys: &VerifyingKeys,
    policy: &Policy,
    request: &VerifyRequest<'_>,
) -> Vec<Result<Accepted, Rejection>> {
    let items: Vec<(&ProofBundle, &VerifyRequest<'_>)> =
        bundles.iter().map(|b| (b, request)).collect();
    verify_bundles_each(&items, keys, policy)
}

/// [`verify_bundles`] with a request of its own per bundle (e.g. each bundle's on-chain
/// transfer, as the verifier service receives them): the proofs of all bundles that
/// share a verifying key are still checked in one batch. Results are in input order.
pub fn verify_bundles_each(
    checks: &[(&ProofBundle, &VerifyRequest<'_>)],
    keys: &VerifyingKeys,
    policy: &Policy,
) -> Vec<Result<Accepted, Rejection>> {
    let mut problems: Vec<Vec<Problem>> = Vec::with_capacity(checks.len());
    let mut findings: Vec<Findings> = Vec::with_capacity(checks.len());
    // Per verifying key: (bundle, claim) and the decoded proof.
    let mut groups: BTreeMap<&str, KeyBatch<'_>> = BTreeMap::new();
    // The checks before the batch (signatures, statements, decoding the proofs' points
    // with their subgroup checks) cost as much as the batch itself: bundles in parallel.
    let checked: Vec<_> = checks
        .par_iter()
        .map(|(bundle, request)| {
            let (ps, to_verify, found) = check_bundle(bundle, keys, policy, request);
            let decoded: Vec<_> = to_verify
                .into_iter()
                .map(|(i, key)| (i, key, proof_from_bytes(&bundle.claims[i].proof)))
                .collect();
            (ps, decoded, found)
        })
        .collect();
    for (b, ((bundle, _), (mut ps, decoded, found))) in checks.iter().zip(checked).enumerate() {
        for (i, key, proof) in decoded {
            let claim = &bundle.claims[i];
            match proof {
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
        findings.push(found);
    }
    for (key, at, proofs) in groups.into_values() {
        let bad: Vec<usize> = match batch_verify(key, &proofs) {
            Ok(()) => Vec::new(),
            Err(BatchError::BadProofs { bad, .. }) => bad,
            // Without OS randomness a batch cannot be trusted: check one by one.
            Err(BatchError::Randomness(_)) => proofs
                .iter()
                .enumerate()
                .filter(|(_, it)| !verify_one(key, &it.public_inputs, &it.proof))
                .map(|(j, _)| j)
                .collect(),
        };
        for j in bad {
            if let Some(&(b, i)) = at.get(j) {
                problems[b].push(Problem {
                    claim: Some((i, checks[b].0.claims[i].circuit)),
                    reason: Reason::BadProof,
                });
            }
        }
    }
    checks
        .iter()
        .zip(problems)
        .zip(findings)
        .map(|(((bundle, _), ps), found)| outcome(bundle, ps, found))
        .collect()
}

/// The time checks every signed record gets (tree heads, sanctions roots, clearances,
/// price quotes): `future(seconds)` if `signed_at` is beyond `now` plus the clock skew,
/// `stale(age, max_age)` if it is older than `max_age`.
fn signed_time(
    signed_at: u64,
    now: u64,
    skew: u64,
    max_age: Option<u64>,
    future: impl FnOnce(u64) -> Reason,
    stale: impl FnOnce(u64, u64) -> Reason,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if signed_at > now.saturating_add(skew) {
        out.push(future(signed_at - now));
    }
    let age = now.saturating_sub(signed_at);
    if let Some(max) = max_age
        && age > max
    {
        out.push(stale(age, max));
    }
    out
}

/// The tree head's checks: trusted log, signature, not from the future, not stale.
fn check_tree_head(bundle: &ProofBundle, policy: &Policy, now: u64) -> Vec<Reason> {
    let mut out = Vec::new();
    let sth = &bundle.tree_head;
    match policy.logs.get(&sth.log_id) {
        None => out.push(Reason::UntrustedLog(sth.log_id.clone())),
        Some((k, max_age)) => {
            if sth.verify(k).is_err() {
                out.push(Reason::BadTreeHeadSignature);
            }
            out.extend(signed_time(
                sth.time,
                now,
                policy.clock_skew(),
                *max_age,
                |seconds| Reason::FutureTreeHead { seconds },
                |age_seconds, max_age_seconds| Reason::StaleTreeHead {
                    age_seconds,
                    max_age_seconds,
                },
            ));
        }
    }
    out
}

/// The sanctions roots' checks: each root of a list the policy requires of a trusted
/// publisher, each required list exactly once; per root its publisher's signature,
/// version, key count and time.
fn check_sanctions_roots(
    bundle: &ProofBundle,
    policy: &Policy,
    request: &VerifyRequest<'_>,
) -> Vec<Reason> {
    let mut out = Vec::new();
    let mut matched = vec![false; policy.lists.len()];
    for sr in bundle.sanctions_roots() {
        let r = &sr.record;
        let of_publisher: Vec<(usize, &ListRule)> = policy
            .lists
            .iter()
            .enumerate()
            .filter(|(_, l)| l.publisher_key_id == r.publisher_key_id)
            .collect();
        let Some(&(_, first)) = of_publisher.first() else {
            out.push(Reason::UntrustedSanctionsRoot(
                r.publisher_key_id.chars().take(80).collect(),
            ));
            continue;
        };
        let Some(&(i, rule)) = of_publisher
            .iter()
            .find(|(_, l)| l.list.list_id == r.list_id)
        else {
            if let Err(e) = sr.verify(&first.publisher_key) {
                out.push(Reason::BadSanctionsRootSignature(e.to_string()));
            }
            out.push(Reason::UnlistedSanctionsList {
                list_id: r.list_id.chars().take(80).collect(),
                required: Some(
                    of_publisher
                        .iter()
                        .map(|(_, l)| l.list.list_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            });
            continue;
        };
        if matched[i] {
            out.push(Reason::DuplicateSanctionsList(r.list_id.clone()));
            continue;
        }
        matched[i] = true;
        out.extend(check_sanctions_root(sr, rule, policy, request));
    }
    for (rule, found) in policy.lists.iter().zip(matched) {
        if !found {
            out.push(Reason::MissingSanctionsList(rule.list.list_id.clone()));
        }
    }
    out
}

/// One sanctions root's checks under the list rule it is of.
fn check_sanctions_root(
    sr: &SignedSanctionsRoot,
    rule: &ListRule,
    policy: &Policy,
    request: &VerifyRequest<'_>,
) -> Vec<Reason> {
    let mut out = Vec::new();
    let r = &sr.record;
    if let Err(e) = sr.verify(&rule.publisher_key) {
        out.push(Reason::BadSanctionsRootSignature(e.to_string()));
    }
    if let Some(min) = &rule.list.min_version
        && compare_versions(&r.version, min).is_lt()
    {
        out.push(Reason::OldSanctionsVersion {
            version: r.version.clone(),
            newer: min.clone(),
            why: "the policy's minimum",
        });
    }
    if let Some(seen) = request
        .seen_lists
        .and_then(|s| s.newest(&r.publisher_key_id, &r.list_id))
        && compare_versions(&r.version, seen).is_lt()
    {
        out.push(Reason::OldSanctionsVersion {
            version: r.version.clone(),
            newer: seen.to_owned(),
            why: "a version already seen",
        });
    }
    if let Some(min) = rule.list.min_key_count
        && r.key_count < min
    {
        out.push(Reason::TooFewSanctionsKeys {
            key_count: r.key_count,
            min_key_count: min,
        });
    }
    out.extend(signed_time(
        r.published_at,
        request.now,
        policy.clock_skew(),
        Some(rule.max_age_seconds),
        |seconds| Reason::FutureSanctionsRoot { seconds },
        |age_seconds, max_age_seconds| Reason::StaleSanctionsRoot {
            age_seconds,
            max_age_seconds,
        },
    ));
    out
}

/// The sanctions root a `not_sanctioned` claim screens against, if its inputs parse.
fn screened_root(claim: &ClaimProof) -> Option<zktr_circuits::trees::sanctions::SanctionsRoot> {
    match claim.circuit {
        CircuitId::NotSanctionedOriginator | CircuitId::NotSanctionedBeneficiary => {
            NotSanctionedPublicInputs::from_field_elements(&claim.public_inputs)
                .ok()
                .map(|p| p.sanctions_root)
        }
        _ => None,
    }
}

/// The clearance of `party` in place of its `not_sanctioned` claim against `root`:
/// `Ok(None)` if the bundle has none, `Ok(Some)` if it is accepted, `Err` with every
/// reason it is not. With one root, any clearance of the party is judged against it (one
/// for another list is a mismatch); with several, the party's clearance of this root's
/// list.
fn check_clearance(
    bundle: &ProofBundle,
    party: Party,
    root: &SignedSanctionsRoot,
    policy: &Policy,
    now: u64,
) -> Result<Option<Cleared>, Vec<Reason>> {
    let who = party.as_str();
    let one_root = bundle.more_sanctions_roots.is_empty();
    let mut of_party = bundle
        .clearances
        .iter()
        .filter(|c| c.slot.party() == who && (one_root || c.sanctions_root == root.record.root.0));
    let Some(c) = of_party.next() else {
        return Ok(None);
    };
    if of_party.next().is_some() {
        return Err(vec![Reason::DuplicateClearance(who)]);
    }
    let Some((officer, key)) = policy.officers.get(&c.officer_key_id) else {
        return Err(vec![Reason::UntrustedClearance {
            party: who,
            officer_key_id: c.officer_key_id.chars().take(80).collect(),
        }]);
    };
    let mut reasons = Vec::new();
    if let Err(e) = c.verify(key) {
        reasons.push(Reason::BadClearance {
            party: who,
            why: e.to_string(),
        });
    }
    if c.vasp != officer.vasp || c.officer != officer.officer {
        reasons.push(Reason::BadClearance {
            party: who,
            why: format!(
                "the policy trusts this key as {} of {}",
                officer.officer, officer.vasp
            ),
        });
    }
    if c.commitment != bundle.commitment {
        reasons.push(Reason::ClearanceMismatch {
            party: who,
            what: "commitment",
        });
    }
    let r = &root.record;
    if c.list_id != r.list_id
        || c.list_version != r.version
        || c.sanctions_root != r.root.0
        || c.publisher_key_id != r.publisher_key_id
    {
        reasons.push(Reason::ClearanceMismatch {
            party: who,
            what: "sanctions list",
        });
    }
    reasons.extend(signed_time(
        c.cleared_at,
        now,
        policy.clock_skew(),
        officer.max_age_seconds,
        |seconds| Reason::FutureClearance {
            party: who,
            seconds,
        },
        |age_seconds, max_age_seconds| Reason::StaleClearance {
            party: who,
            age_seconds,
            max_age_seconds,
        },
    ));
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(Some(Cleared {
        party,
        vasp: c.vasp.clone(),
        officer: c.officer.clone(),
        officer_key_id: c.officer_key_id.clone(),
        basis: c.basis.clone(),
        list_id: c.list_id.clone(),
        list_version: c.list_version.clone(),
        cleared_at: c.cleared_at,
    }))
}

/// Every check of a bundle except the proofs: the problems found, the claims (index,
/// key) whose proofs remain to be checked, and what the claims state.
fn check_bundle<'k>(
    bundle: &ProofBundle,
    keys: &'k VerifyingKeys,
    policy: &Policy,
    request: &VerifyRequest<'_>,
) -> (Vec<Problem>, Vec<(usize, &'k CircuitKey)>, Findings) {
    let mut problems = Vec::new();
    let mut findings = Findings::default();
    for req in &policy.required {
        let party = match req {
            CircuitId::NotSanctionedOriginator => Some(Party::Originator),
            CircuitId::NotSanctionedBeneficiary => Some(Party::Beneficiary),
            _ => None,
        };
        let Some(party) = party else {
            // A `threshold` requirement is met by either version (the statement checks
            // decide whether an unpriced one is acceptable).
            if !bundle
                .claims
                .iter()
                .any(|c| claim_name(c.circuit) == claim_name(*req))
            {
                problems.push(Problem {
                    claim: None,
                    reason: Reason::MissingClaim(claim_name(*req)),
                });
            }
            continue;
        };
        // One screening of the party per root: its claim for that root, or a clearance.
        let claims_of_party: Vec<&ClaimProof> =
            bundle.claims.iter().filter(|c| c.circuit == *req).collect();
        let one_root = bundle.more_sanctions_roots.is_empty();
        let mut missing = Vec::new();
        for root in bundle.sanctions_roots() {
            // With one root, a claim with another root is that claim's problem
            // (`SanctionsRootMismatch`), as before several lists.
            if claims_of_party
                .iter()
                .any(|c| one_root || screened_root(c) == Some(root.record.root))
            {
                continue;
            }
            match check_clearance(bundle, party, root, policy, request.now) {
                Ok(Some(c)) => findings.cleared.push(c),
                Err(reasons) => problems.extend(reasons.into_iter().map(|reason| Problem {
                    claim: None,
                    reason,
                })),
                Ok(None) => missing.push(root.record.list_id.clone()),
            }
        }
        let screened_somewhere = !claims_of_party.is_empty()
            || bundle
                .clearances
                .iter()
                .any(|c| c.slot.party() == party.as_str());
        if !screened_somewhere {
            problems.push(Problem {
                claim: None,
                reason: Reason::MissingClaim(claim_name(*req)),
            });
        } else {
            problems.extend(missing.into_iter().map(|list_id| Problem {
                claim: None,
                reason: Reason::MissingScreening {
                    party: party.as_str(),
                    list_id,
                },
            }));
        }
    }
    for reason in check_tree_head(bundle, policy, request.now)
        .into_iter()
        .chain(check_sanctions_roots(bundle, policy, request))
    {
        problems.push(Problem {
            claim: None,
            reason,
        });
    }

    // Per-claim statement checks.
    let mut seen = Vec::new();
    let mut to_verify = Vec::new();
    for (i, claim) in bundle.claims.iter().enumerate() {
        let at = Some((i, claim.circuit));
        let mut claim_problem = |reason| problems.push(Problem { claim: at, reason });
        // One claim of each kind; `not_sanctioned` once per party and root.
        let kind = (claim_name(claim.circuit), screened_root(claim));
        if seen.contains(&kind) {
            claim_problem(Reason::DuplicateClaim);
        }
        seen.push(kind);
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
        if !policy.trusts_key(&key.id, &key.ceremony, key.transcript.as_deref()) {
            claim_problem(Reason::UntrustedKey {
                key_id: key.id.clone(),
                ceremony: key.ceremony.clone(),
            });
            continue;
        }
        findings.keys.push(KeyUse {
            circuit: claim.circuit,
            key_id: key.id.clone(),
            ceremony: key.ceremony.clone(),
        });
        match check_statement(bundle, claim, policy, request, &mut findings) {
            Ok(()) => to_verify.push((i, key)),
            Err(reasons) => reasons.into_iter().for_each(&mut claim_problem),
        }
    }
    (problems, to_verify, findings)
}

fn direction_words(d: ThresholdDirection) -> &'static str {
    match d {
        ThresholdDirection::Below => "below",
        ThresholdDirection::AtOrAbove => "at or above",
    }
}

/// Whether a proven threshold statement satisfies jurisdiction `j` of the policy.
fn satisfies(policy: &Policy, j: &str, p: &ThresholdPublicInputs) -> Result<(), ThresholdGap> {
    let jur = policy
        .jurisdiction(j)
        .ok_or(ThresholdGap::UnknownJurisdiction)?;
    let required = jur
        .threshold(p.currency)
        .ok_or(ThresholdGap::NoThresholdInCurrency(p.currency))?
        .amount_minor;
    let (side, implies) = match p.direction {
        ThresholdDirection::Below => (Direction::Below, p.threshold <= required),
        ThresholdDirection::AtOrAbove => (Direction::AtOrAbove, p.threshold >= required),
    };
    if !jur.accepted_directions.contains(&side) {
        return Err(ThresholdGap::DirectionNotAccepted(direction_words(
            p.direction,
        )));
    }
    if !implies {
        return Err(ThresholdGap::DoesNotImply {
            direction: direction_words(p.direction),
            proven: p.threshold,
            required,
        });
    }
    Ok(())
}

/// A price quote's own checks under `policy` at `now`: signed by a publisher the policy
/// trusts for its asset, its window not longer and its publication not older than the
/// publisher's bounds, not dated in the future. What a verifier checks of a bundle's
/// quote before comparing it with the claim, and what a node checks of a quote before
/// committing a transfer with it (so that counterparties under the same policy accept
/// it). Whether the window covers a time is the circuit's part (and the node's).
pub fn check_price_quote(
    signed: &SignedPriceQuote,
    policy: &Policy,
    now: u64,
) -> Result<ProvenPrice, Vec<Reason>> {
    let q = &signed.quote;
    let Some(rule) = policy.prices.get(&q.publisher_key_id) else {
        return Err(vec![Reason::UntrustedPricePublisher {
            publisher_key_id: q.publisher_key_id.chars().take(80).collect(),
            for_asset: String::new(),
        }]);
    };
    let mut reasons = Vec::new();
    if !rule.prices(&q.asset_id) {
        reasons.push(Reason::UntrustedPricePublisher {
            publisher_key_id: q.publisher_key_id.clone(),
            for_asset: format!(
                " for asset {:?}",
                q.asset.chars().take(16).collect::<String>()
            ),
        });
    }
    if let Err(e) = signed.verify(&rule.key) {
        reasons.push(Reason::BadPriceQuote(e.to_string()));
    }
    let window = q.valid_until.saturating_sub(q.valid_from).saturating_add(1);
    if window > rule.max_window_seconds {
        reasons.push(Reason::PriceWindowTooLong {
            window_seconds: window,
            max_window_seconds: rule.max_window_seconds,
        });
    }
    reasons.extend(signed_time(
        q.published_at,
        now,
        policy.clock_skew(),
        Some(rule.max_age_seconds),
        |seconds| Reason::FuturePriceQuote { seconds },
        |age_seconds, max_age_seconds| Reason::StalePriceQuote {
            age_seconds,
            max_age_seconds,
        },
    ));
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(ProvenPrice {
        publisher: rule.name.clone(),
        publisher_key_id: q.publisher_key_id.clone(),
        asset: q.asset.clone(),
        asset_id: q.asset_id,
        price_num: q.price_num,
        price_den: q.price_den,
        valid_from: q.valid_from,
        valid_until: q.valid_until,
        published_at: q.published_at,
    })
}

/// The price quote of a `threshold/v2` claim: carried by the bundle, passing
/// [`check_price_quote`], and exactly the claim's price inputs. (That the commitment time
/// is in the window, and the fiat value follows from the amount, is the proof's part.)
fn check_price(
    bundle: &ProofBundle,
    claim: &PricedThresholdPublicInputs,
    policy: &Policy,
    now: u64,
) -> Result<ProvenPrice, Vec<Reason>> {
    let Some(signed) = &bundle.price_quote else {
        return Err(vec![Reason::MissingPriceQuote]);
    };
    let checked = check_price_quote(signed, policy, now);
    let mut reasons = checked.as_ref().err().cloned().unwrap_or_default();
    let expected = signed
        .quote
        .public_inputs(claim.commitment, claim.threshold, claim.direction);
    for (differs, what) in [
        (expected.asset_id != claim.asset_id, "asset"),
        (expected.currency != claim.currency, "currency"),
        (
            (expected.price_num, expected.price_den) != (claim.price_num, claim.price_den),
            "price",
        ),
        (
            (expected.valid_from, expected.valid_until) != (claim.valid_from, claim.valid_until),
            "window",
        ),
    ] {
        if differs {
            reasons.push(Reason::PriceQuoteMismatch(what));
        }
    }
    match checked {
        Ok(price) if reasons.is_empty() => Ok(price),
        _ => Err(reasons),
    }
}

/// The statement checks of one claim (everything but the proof).
fn check_statement(
    bundle: &ProofBundle,
    claim: &ClaimProof,
    policy: &Policy,
    request: &VerifyRequest<'_>,
    findings: &mut Findings,
) -> Result<(), Vec<Reason>> {
    let range = |e: zktr_circuits::Error| vec![Reason::PublicInput(e.to_string())];
    let xs = &claim.public_inputs;
    let mut reasons = Vec::new();
    let c = match claim.circuit {
        CircuitId::Threshold | CircuitId::ThresholdV2 => {
            let (p, price) = if claim.circuit == CircuitId::ThresholdV2 {
                let priced = PricedThresholdPublicInputs::from_field_elements(xs).map_err(range)?;
                let price = match check_price(bundle, &priced, policy, request.now) {
                    Ok(price) => Some(price),
                    Err(r) => {
                        reasons.extend(r);
                        None
                    }
                };
                let p = ThresholdPublicInputs {
                    commitment: priced.commitment,
                    threshold: priced.threshold,
                    currency: priced.currency,
                    direction: priced.direction,
                };
                (p, price)
            } else {
                let p = ThresholdPublicInputs::from_field_elements(xs).map_err(range)?;
                if !policy.file.allow_unpriced_threshold {
                    reasons.push(Reason::UnpricedThreshold);
                }
                if bundle.price_quote.is_some() {
                    reasons.push(Reason::UnusedPriceQuote);
                }
                (p, None)
            };
            if request.jurisdictions.is_empty() {
                reasons.push(Reason::NoJurisdiction);
            }
            for j in &request.jurisdictions {
                if let Err(gap) = satisfies(policy, j, &p) {
                    reasons.push(Reason::ThresholdNotSatisfied {
                        jurisdiction: j.clone(),
                        bundle_jurisdiction: bundle.jurisdiction.clone(),
                        direction: direction_words(p.direction),
                        threshold: p.threshold,
                        currency: p.currency,
                        gap,
                    });
                }
            }
            findings.threshold = Some(ProvenThreshold {
                bundle_jurisdiction: bundle.jurisdiction.clone(),
                satisfies: request.jurisdictions.clone(),
                threshold: p.threshold,
                currency: p.currency,
                direction: p.direction,
                price,
            });
            p.commitment
        }
        CircuitId::Committed => {
            let p = CommittedPublicInputs::from_field_elements(xs).map_err(range)?;
            if p.log_root != bundle.tree_head.root {
                reasons.push(Reason::LogRootMismatch);
            }
            let proven = OnChainTransfer {
                asset_id: p.asset_id,
                asset_amount: p.asset_amount,
                beneficiary_address_key: p.beneficiary_address_key,
            };
            if let Some(seen) = &request.transfer {
                if seen.asset_id != proven.asset_id {
                    reasons.push(Reason::TransferMismatch("asset id"));
                }
                if seen.asset_amount != proven.asset_amount {
                    reasons.push(Reason::TransferMismatch("asset amount"));
                }
                if seen.beneficiary_address_key != proven.beneficiary_address_key {
                    reasons.push(Reason::TransferMismatch("beneficiary address"));
                }
            }
            findings.transfer = Some(proven);
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
                return Err(vec![Reason::PublicInput(format!(
                    "party is {}, the circuit screens the {}",
                    p.party.as_str(),
                    party.as_str()
                ))]);
            }
            match bundle
                .sanctions_roots()
                .find(|r| r.record.root == p.sanctions_root)
            {
                None => reasons.push(Reason::SanctionsRootMismatch),
                Some(r) => {
                    let r = &r.record;
                    findings.screened.push(Screened {
                        party,
                        list_id: r.list_id.clone(),
                        version: r.version.clone(),
                        publisher_key_id: r.publisher_key_id.clone(),
                        published_at: r.published_at,
                        key_count: r.key_count,
                    });
                }
            }
            p.commitment
        }
    };
    if c != bundle.commitment {
        reasons.push(Reason::CommitmentMismatch);
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}
