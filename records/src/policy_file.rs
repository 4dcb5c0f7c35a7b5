//! The policy file format, read by verifiers, nodes and the CLI alike: Travel Rule
//! thresholds per jurisdiction, the claims a bundle must carry, trusted sanctions-list
//! publishers with the maximum age of their roots, and trusted commitment-log keys.
//! `zktr_verifier::Policy` checks a [`PolicyFile`] and applies it.
//!
//! ```json
//! {
//!   "name": "example",
//!   "required_claims": ["threshold", "committed", "not_sanctioned.originator", "not_sanctioned.beneficiary"],
//!   "jurisdictions": {
//!     "FATF": { "name": "…", "source": "…", "thresholds": [ { "currency": "USD", "currency_numeric": 840, "amount_minor": 100000 } ] }
//!   },
//!   "sanctions_publishers": [ { "name": "…", "public_key": "<64 hex>", "max_age_seconds": 172800 } ],
//!   "logs": [ { "log_id": "…", "public_key": "<64 hex>" } ]
//! }
//! ```
//!
//! `params/policy.example.json` carries the thresholds with their legal sources.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `params/policy.example.json`: the thresholds per jurisdiction with their legal sources,
/// trusting no publisher and no log yet (a verifier adds the keys it trusts).
pub const EXAMPLE_POLICY_JSON: &str = include_str!("../../params/policy.example.json");

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

/// One jurisdiction's Travel Rule threshold(s).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    /// Human-readable name.
    pub name: String,
    /// The legal source of the threshold.
    pub source: String,
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

/// A trusted sanctions-list publisher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedPublisher {
    /// Human-readable name.
    pub name: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// A root older than this (from its `published_at`) is stale.
    pub max_age_seconds: u64,
}

/// A trusted commitment log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedLog {
    /// The log id its tree heads carry.
    pub log_id: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
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
    /// Trusted sanctions publishers.
    pub sanctions_publishers: Vec<TrustedPublisher>,
    /// Trusted logs.
    pub logs: Vec<TrustedLog>,
}
