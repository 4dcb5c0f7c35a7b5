//! The policy file format, read by verifiers, nodes and the CLI alike: Travel Rule
//! thresholds per jurisdiction and which side of them a bundle must prove, the claims a
//! bundle must carry, the sanctions lists required (per trusted publisher), trusted
//! commitment-log keys with the maximum age of their tree heads, and the verifying keys
//! (by id or by ceremony) the policy trusts. `zktr_verifier::Policy` checks a
//! [`PolicyFile`] and applies it.
//!
//! ```json
//! {
//!   "name": "example",
//!   "required_claims": ["threshold", "committed", "not_sanctioned.originator", "not_sanctioned.beneficiary"],
//!   "jurisdictions": {
//!     "FATF": { "name": "…", "source": "…", "accepted_directions": ["below", "at_or_above"],
//!               "thresholds": [ { "currency": "USD", "currency_numeric": 840, "amount_minor": 100000 } ] }
//!   },
//!   "sanctions_publishers": [ { "name": "…", "public_key": "<64 hex>", "max_age_seconds": 172800,
//!                               "lists": [ { "list_id": "ofac-sdn", "min_version": "2025-11-19", "min_key_count": 1000 } ] } ],
//!   "logs": [ { "log_id": "…", "public_key": "<64 hex>", "max_tree_head_age_seconds": 3600 } ],
//!   "verifying_keys": { "trusted_ids": [], "accepted_ceremonies": ["mpc"],
//!                       "accepted_transcripts": ["<128 hex>"], "allow_dev_keys": false },
//!   "clock_skew_seconds": 300,
//!   "clearance_officers": [ { "vasp": "vasp-a.example", "officer": "officer-17", "public_key": "<64 hex>",
//!                             "max_age_seconds": 604800 } ]
//! }
//! ```
//!
//! `clearance_officers` (absent: empty) names the compliance officers whose signed
//! clearances of a name hit the policy accepts in place of a `not_sanctioned` claim
//! (`zktr_records::clearance`). Empty, a bundle must prove every required
//! `not_sanctioned` claim.
//!
//! Files written before these fields existed still read: a jurisdiction without
//! `accepted_directions` accepts both sides, a log without `max_tree_head_age_seconds`
//! bounds nothing, a missing `verifying_keys` trusts `mpc` keys only (dev keys refused),
//! `clock_skew_seconds` defaults to 300. A publisher without `lists` is read too, but
//! no root of it is accepted until the policy names the lists it requires: a policy that
//! trusted publishers, not lists, let a prover choose an empty list (issue 9).
//!
//! `verifying_keys.accepted_transcripts` names `mpc` ceremonies by their transcript hash
//! (the key manifest's `transcript.hash`, printed by `zktr ceremony verify` and
//! `finalize`): when the list is non-empty, `mpc` keys are trusted only if their
//! manifest carries one of these hashes (a listed `trusted_ids` entry still trusts its
//! key). Empty or absent, any `mpc` ceremony is accepted, as before.
//!
//! `params/policy.example.json` carries the thresholds with their legal sources.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `params/policy.example.json`: the thresholds per jurisdiction with their legal sources,
/// trusting no publisher and no log yet (a verifier adds the keys it trusts).
pub const EXAMPLE_POLICY_JSON: &str = include_str!("../../params/policy.example.json");

/// `ceremony` of keys from a multi-party computation (the ceremony crate's keys).
pub const MPC_CEREMONY: &str = "mpc";

/// The clock skew tolerated when no policy says otherwise: a signed time (sanctions root,
/// tree head) up to this far in the verifier's future is accepted.
pub const DEFAULT_CLOCK_SKEW_SECONDS: u64 = 300;

/// A threshold in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    /// ISO 4217 alphabetic code (for people).
    pub currency: String,
    /// ISO 4217 numeric code (what the circuit commits).
    pub currency_numeric: u16,
    /// The threshold in minor units (cents).
    pub amount_minor: u64,
}

/// A side of a threshold, as a policy names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The fiat value is below the threshold (e.g. "reduced data is enough").
    Below,
    /// The fiat value is at or above the threshold (e.g. "full data must be sent").
    AtOrAbove,
}

fn both_directions() -> Vec<Direction> {
    vec![Direction::Below, Direction::AtOrAbove]
}

/// One jurisdiction's Travel Rule threshold(s) and the sides a bundle may prove.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    /// Human-readable name.
    pub name: String,
    /// The legal source of the threshold.
    pub source: String,
    /// The sides of the threshold a `threshold` claim may prove to satisfy this
    /// jurisdiction (default: both). `["below"]` says "a bundle is accepted only as proof
    /// that the transfer is below the threshold".
    #[serde(default = "both_directions")]
    pub accepted_directions: Vec<Direction>,
    /// Thresholds per currency.
    pub thresholds: Vec<Threshold>,
}

impl Jurisdiction {
    /// The threshold for an ISO 4217 numeric currency, if the policy has one.
    pub fn threshold(&self, currency_numeric: u16) -> Option<&Threshold> {
        self.thresholds
            .iter()
            .find(|t| t.currency_numeric == currency_numeric)
    }
}

/// A sanctions list the policy requires from a publisher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredList {
    /// The list id the publisher signs (`list_id` of its root record), e.g.
    /// `ofac-sdn+addresses`.
    pub list_id: String,
    /// The oldest version accepted (versions compare by their numeric parts, so dates
    /// `2025-11-19` and counters `7` both order as expected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
    /// A root of this list older than this (from its `published_at`) is stale; the
    /// publisher's `max_age_seconds` if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
    /// A root with fewer keys is refused (an empty or test list signed by the same key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_key_count: Option<u64>,
}

/// A trusted sanctions-list publisher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPublisher {
    /// Human-readable name.
    pub name: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// A root older than this (from its `published_at`) is stale.
    pub max_age_seconds: u64,
    /// The lists of this publisher the policy requires; a root of any other list is
    /// refused.
    #[serde(default)]
    pub lists: Vec<RequiredList>,
}

/// A trusted commitment log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedLog {
    /// The log id its tree heads carry.
    pub log_id: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// A tree head older than this (from its `time`) is stale (unbounded if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tree_head_age_seconds: Option<u64>,
}

fn mpc_only() -> Vec<String> {
    vec![MPC_CEREMONY.to_owned()]
}

/// Which verifying keys the policy trusts: a key is trusted if its id is listed or its
/// ceremony is accepted (for `mpc` keys, when `accepted_transcripts` is non-empty, only
/// those of a listed transcript); keys of a single-party dev setup only if
/// `allow_dev_keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedKeys {
    /// Verifying-key ids (hex SHA-256 of the compressed key) trusted whatever their
    /// ceremony says.
    #[serde(default)]
    pub trusted_ids: Vec<String>,
    /// Ceremonies (a key manifest's `ceremony`) whose keys are trusted, e.g. `mpc`.
    #[serde(default = "mpc_only")]
    pub accepted_ceremonies: Vec<String>,
    /// Transcript hashes (hex BLAKE2b-512, a key manifest's `transcript.hash`) of the
    /// `mpc` ceremonies whose keys are trusted; empty: any `mpc` ceremony.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_transcripts: Vec<String>,
    /// Whether keys of a single-party dev setup (`zktr setup`) are accepted. Only for
    /// tests and demonstrations: whoever ran the setup can forge every proof.
    #[serde(default)]
    pub allow_dev_keys: bool,
}

impl Default for TrustedKeys {
    fn default() -> Self {
        Self {
            trusted_ids: Vec::new(),
            accepted_ceremonies: mpc_only(),
            accepted_transcripts: Vec::new(),
            allow_dev_keys: false,
        }
    }
}

/// A compliance officer whose clearances of name hits the policy accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedOfficer {
    /// The VASP the officer clears for (the originator's certificate CN, as the
    /// clearance names it).
    pub vasp: String,
    /// The officer's name or staff id, as the clearance names it.
    pub officer: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// A clearance older than this (from its `cleared_at`) is refused (unbounded if
    /// absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
}

/// A trusted price publisher: its key, the assets it prices, and how long and how old a
/// quote of it may be. `threshold/v2` claims are accepted only with a quote of such a
/// publisher (the quote's spread is the tolerance of the fiat value: see
/// `docs/decisions.md`, "The price quote").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPricePublisher {
    /// Name, for messages.
    pub name: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// Asset ids it is trusted for: SLIP-0044 coin types in decimal (`"0"` BTC, `"60"`
    /// ETH) or `0x` + 64 hex digits (a 248-bit id). Empty: every asset it signs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assets: Vec<String>,
    /// Longest validity window of a quote (`valid_until - valid_from + 1`), in seconds:
    /// the window bounds how far the price may be from the market at commitment time.
    pub max_window_seconds: u64,
    /// Oldest quote accepted, in seconds since its `published_at`.
    pub max_age_seconds: u64,
}

fn default_skew() -> u64 {
    DEFAULT_CLOCK_SKEW_SECONDS
}

/// The policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFile {
    /// Name of the policy.
    pub name: String,
    /// Claim names (`threshold`, `committed`, `not_sanctioned.originator`,
    /// `not_sanctioned.beneficiary`) every bundle must carry.
    pub required_claims: Vec<String>,
    /// Thresholds per jurisdiction key (e.g. `FATF`, `US`, `EU`).
    pub jurisdictions: BTreeMap<String, Jurisdiction>,
    /// Trusted sanctions publishers and the lists required from them.
    pub sanctions_publishers: Vec<TrustedPublisher>,
    /// Trusted logs.
    pub logs: Vec<TrustedLog>,
    /// The verifying keys the policy trusts.
    #[serde(default)]
    pub verifying_keys: TrustedKeys,
    /// How far in the future a signed time may be (clock skew), in seconds.
    #[serde(default = "default_skew")]
    pub clock_skew_seconds: u64,
    /// Officers whose clearances of name hits stand in for `not_sanctioned` claims.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clearance_officers: Vec<TrustedOfficer>,
    /// Trusted price publishers (the quotes of `threshold/v2` claims).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_publishers: Vec<TrustedPricePublisher>,
    /// Whether a `threshold/v1` claim (the fiat value on the prover's word, no price
    /// quote) is accepted. Off unless set: then only priced thresholds are.
    #[serde(default)]
    pub allow_unpriced_threshold: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_the_new_fields_reads_with_strict_defaults() {
        let old = r#"{"name":"old","required_claims":[],"jurisdictions":{"FATF":{"name":"n","source":"s",
            "thresholds":[{"currency":"USD","currency_numeric":840,"amount_minor":100000}]}},
            "sanctions_publishers":[{"name":"p","public_key":"00","max_age_seconds":1}],
            "logs":[{"log_id":"l","public_key":"00"}]}"#;
        let f: PolicyFile = serde_json::from_str(old).unwrap();
        assert_eq!(
            f.jurisdictions["FATF"].accepted_directions,
            both_directions()
        );
        assert!(f.sanctions_publishers[0].lists.is_empty());
        assert_eq!(f.logs[0].max_tree_head_age_seconds, None);
        assert!(!f.verifying_keys.allow_dev_keys);
        assert_eq!(f.verifying_keys.accepted_ceremonies, vec!["mpc".to_owned()]);
        assert!(f.verifying_keys.accepted_transcripts.is_empty());
        assert_eq!(f.clock_skew_seconds, DEFAULT_CLOCK_SKEW_SECONDS);
        assert!(f.price_publishers.is_empty());
        assert!(
            !f.allow_unpriced_threshold,
            "unpriced thresholds only if allowed"
        );
        let example: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON).unwrap();
        assert!(
            example.verifying_keys.allow_dev_keys,
            "the example says it allows dev keys"
        );
        assert!(
            example.allow_unpriced_threshold && example.name.contains("unpriced"),
            "the example says it allows unpriced thresholds"
        );
    }
}
