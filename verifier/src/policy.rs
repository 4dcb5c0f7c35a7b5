//! A verifier's policy: a [`PolicyFile`] (`zktr_records::policy_file`, the JSON format)
//! checked and ready to apply: Travel Rule thresholds per jurisdiction, the claims a
//! bundle must carry, trusted sanctions-list publishers with the maximum age of their
//! roots, and trusted commitment-log keys.
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

use ed25519_dalek::VerifyingKey;
use std::collections::BTreeMap;
use std::path::Path;
use zktr_circuits::circuits::CircuitId;
use zktr_records::encoding::bytes_from_hex;
pub use zktr_records::policy_file::{
    Jurisdiction, PolicyFile, Threshold, TrustedLog, TrustedPublisher,
};
use zktr_records::sanctions_root::publisher_key_id;

/// Why a policy cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not JSON of the policy's shape.
    #[error("malformed policy: {0}")]
    Format(String),
    /// A claim name that is no circuit.
    #[error(
        "policy: unknown required claim {0:?} (known: threshold, committed, not_sanctioned.originator, not_sanctioned.beneficiary)"
    )]
    UnknownClaim(String),
    /// A public key that is not a valid Ed25519 key.
    #[error("policy: {what} {name:?} has an invalid Ed25519 public key (64 hex digits expected)")]
    BadKey {
        /// Publisher or log.
        what: &'static str,
        /// Its name or log id.
        name: String,
    },
    /// A threshold with a currency code that is no ISO 4217 numeric code.
    #[error(
        "policy: jurisdiction {jurisdiction}: currency_numeric {code} is not an ISO 4217 numeric code"
    )]
    BadCurrency {
        /// The jurisdiction.
        jurisdiction: String,
        /// The code.
        code: u16,
    },
}

/// A checked policy, ready to use.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The file as read.
    pub file: PolicyFile,
    /// Required circuits.
    pub required: Vec<CircuitId>,
    /// Publisher key id -> (key, max age).
    pub publishers: BTreeMap<String, (VerifyingKey, u64)>,
    /// Log id -> key.
    pub logs: BTreeMap<String, VerifyingKey>,
}

/// The claim name of a circuit: its id without the version (`threshold`, ...).
pub fn claim_name(circuit: CircuitId) -> &'static str {
    let s = circuit.as_str();
    match s.split_once('/') {
        Some((name, _)) => name,
        None => s,
    }
}

fn key(what: &'static str, name: &str, hex: &str) -> Result<VerifyingKey, PolicyError> {
    let bad = || PolicyError::BadKey {
        what,
        name: name.to_owned(),
    };
    let bytes = bytes_from_hex::<32>("public key", hex).map_err(|_| bad())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
}

impl Policy {
    /// Checks a parsed policy file.
    pub fn new(file: PolicyFile) -> Result<Self, PolicyError> {
        let required = file
            .required_claims
            .iter()
            .map(|name| {
                CircuitId::ALL
                    .into_iter()
                    .find(|c| claim_name(*c) == name)
                    .ok_or_else(|| PolicyError::UnknownClaim(name.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (j, jur) in &file.jurisdictions {
            for t in &jur.thresholds {
                if t.currency_numeric >= 1000 {
                    return Err(PolicyError::BadCurrency {
                        jurisdiction: j.clone(),
                        code: t.currency_numeric,
                    });
                }
            }
        }
        let mut publishers = BTreeMap::new();
        for p in &file.sanctions_publishers {
            let k = key("sanctions publisher", &p.name, &p.public_key)?;
            publishers.insert(publisher_key_id(&k), (k, p.max_age_seconds));
        }
        let mut logs = BTreeMap::new();
        for l in &file.logs {
            logs.insert(l.log_id.clone(), key("log", &l.log_id, &l.public_key)?);
        }
        Ok(Self {
            file,
            required,
            publishers,
            logs,
        })
    }

    /// Parses and checks policy JSON.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile =
            serde_json::from_str(text).map_err(|e| PolicyError::Format(e.to_string()))?;
        Self::new(file)
    }

    /// Reads a policy file.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text)
    }

    /// A jurisdiction by key.
    pub fn jurisdiction(&self, key: &str) -> Option<&Jurisdiction> {
        self.file.jurisdictions.get(key)
    }
}
