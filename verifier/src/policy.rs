//! A verifier's policy: a [`PolicyFile`] (`zktr_records::policy_file`, the JSON format and
//! its defaults) checked and ready to apply: Travel Rule thresholds per jurisdiction and
//! the sides a bundle may prove, the claims a bundle must carry, the sanctions lists
//! required per trusted publisher, trusted commitment-log keys with the maximum age of
//! their tree heads, and the verifying keys it trusts (by id or ceremony; dev keys only
//! if allowed).
//!
//! Every list a policy names is required: a bundle carries one signed sanctions root per
//! list (several in a version-3 bundle, at most [`zktr_records::MAX_SANCTIONS_ROOTS`]),
//! and each party is screened against each root. A publisher may also sign the union of
//! its lists as one list (the demo's `ofac-sdn+addresses`); then the policy names that one.
//!
//! A `threshold` claim is `threshold/v2` (the fiat value priced by a quote of a trusted
//! price publisher, `price_publishers`), or `threshold/v1` (the fiat value on the
//! prover's word) only under a policy with `allow_unpriced_threshold`. A policy that
//! requires a threshold and allows neither is refused ([`PolicyError::NoPricePublisher`]).
//!
//! `params/policy.example.json` carries the thresholds with their legal sources.
//!
//! [`Policy::load`] reads at most [`MAX_POLICY_FILE_BYTES`]: a longer or endless file
//! (`/dev/zero`) is [`PolicyError::TooLarge`], naming the file and the limit.

use ed25519_dalek::VerifyingKey;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::field::Word248;
use zktr_records::encoding::bytes_from_hex;
use zktr_records::manifest::SINGLE_PARTY_DEV;
use zktr_records::policy_file::MPC_CEREMONY;
use zktr_records::policy_file::{Jurisdiction, PolicyFile, RequiredList, TrustedOfficer};
use zktr_records::publisher_key_id;

/// Largest policy file read (`params/policy.example.json`, with its thresholds and their
/// sources, is 4 KB); the same limit as a sanctions trust file.
pub const MAX_POLICY_FILE_BYTES: u64 = 1 << 20;

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
    /// The file is longer than [`MAX_POLICY_FILE_BYTES`].
    #[error("{path}: larger than the {} MiB limit for a policy file", MAX_POLICY_FILE_BYTES >> 20)]
    TooLarge {
        /// The file.
        path: String,
    },
    /// Not JSON of the policy's shape.
    #[error("malformed policy")]
    Format(#[source] serde_json::Error),
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
    /// A jurisdiction that accepts neither side of its threshold.
    #[error("policy: jurisdiction {0} accepts no direction (accepted_directions is empty)")]
    NoDirection(String),
    /// The policy requires `not_sanctioned` claims but names no list to screen against.
    #[error(
        "policy: not_sanctioned claims are required but no publisher names a list (sanctions_publishers[].lists)"
    )]
    NoListRequired,
    /// More lists are required than a bundle can carry roots.
    #[error(
        "policy: {0} lists are required, but a bundle carries at most {max} sanctions roots",
        max = zktr_records::MAX_SANCTIONS_ROOTS
    )]
    TooManyLists(usize),
    /// One publisher's list named twice.
    #[error("policy: sanctions publisher {publisher:?} names list {list_id:?} twice")]
    DuplicateList {
        /// The publisher's name.
        publisher: String,
        /// The list.
        list_id: String,
    },
    /// A price publisher's asset that is neither a decimal coin type nor a 248-bit hex id.
    #[error(
        "policy: price publisher {publisher:?}: asset {asset:?} is neither a decimal SLIP-0044 coin type nor 0x + 64 hex digits below 2^248"
    )]
    BadAsset {
        /// The publisher's name.
        publisher: String,
        /// The asset as written.
        asset: String,
    },
    /// A threshold claim is required, unpriced thresholds are not allowed, and no price
    /// publisher is trusted: no bundle could ever be accepted.
    #[error(
        "policy: a threshold claim is required but no price publisher is trusted (price_publishers) and unpriced thresholds are not allowed (allow_unpriced_threshold)"
    )]
    NoPricePublisher,
    /// `single-party-dev` named as an accepted ceremony without `allow_dev_keys`.
    #[error(
        "policy: accepted_ceremonies names {SINGLE_PARTY_DEV:?}; dev keys are accepted only with \"allow_dev_keys\": true"
    )]
    DevCeremonyListed,
}

/// One sanctions list a policy requires, with its publisher.
#[derive(Clone, Debug)]
pub struct ListRule {
    /// The publisher's key id (`ed25519:...`).
    pub publisher_key_id: String,
    /// The publisher's key.
    pub publisher_key: VerifyingKey,
    /// The list and its bounds.
    pub list: RequiredList,
    /// Maximum age of a root (the list's, else the publisher's).
    pub max_age_seconds: u64,
}

impl ListRule {
    /// Whether a signed root's record is of this list (same publisher, same list id).
    pub fn is_list_of(&self, r: &zktr_records::SanctionsRootRecord) -> bool {
        self.publisher_key_id == r.publisher_key_id && self.list.list_id == r.list_id
    }
}

/// A trusted price publisher, checked.
#[derive(Clone, Debug)]
pub struct PriceRule {
    /// Its name in the policy.
    pub name: String,
    /// Its key.
    pub key: VerifyingKey,
    /// The assets it is trusted for; empty: any.
    pub assets: Vec<Word248>,
    /// Longest quote window (`valid_until - valid_from + 1`), seconds.
    pub max_window_seconds: u64,
    /// Oldest quote, seconds since `published_at`.
    pub max_age_seconds: u64,
}

impl PriceRule {
    /// Whether the publisher is trusted for this asset.
    pub fn prices(&self, asset_id: &Word248) -> bool {
        self.assets.is_empty() || self.assets.contains(asset_id)
    }
}

/// Parses an asset id as a policy names it: a decimal SLIP-0044 coin type or `0x` + 64
/// hex digits (a 248-bit id, as the committed slot 4 holds it).
pub fn parse_asset_id(s: &str) -> Option<Word248> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x") {
        let bytes = bytes_from_hex::<32>("asset id", hex).ok()?;
        let fr = zktr_circuits::field::fr_from_be_bytes(&bytes).ok()?;
        return Word248::new(fr).ok();
    }
    let n: u64 = s.parse().ok()?;
    Word248::new(zktr_circuits::field::fr_from_u64(n)).ok()
}

/// A checked policy, ready to use.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The file as read.
    pub file: PolicyFile,
    /// Required circuits.
    pub required: Vec<CircuitId>,
    /// The required sanctions lists (each bundle carries one root per list), in the
    /// order the file names them.
    pub lists: Vec<ListRule>,
    /// Log id -> (key, maximum tree-head age).
    pub logs: BTreeMap<String, (VerifyingKey, Option<u64>)>,
    /// Officer key id (`zktr_records::clearance::officer_key_id`) -> the officer whose
    /// clearances are accepted, with the key.
    pub officers: BTreeMap<String, (TrustedOfficer, VerifyingKey)>,
    /// Price publisher key id (`ed25519:...`) -> the publisher whose quotes price
    /// `threshold/v2` claims.
    pub prices: BTreeMap<String, PriceRule>,
}

/// The claim name of a circuit: its id without the version (`threshold`, ...).
pub fn claim_name(circuit: CircuitId) -> &'static str {
    let s = circuit.as_str();
    match s.split_once('/') {
        Some((name, _)) => name,
        None => s,
    }
}

/// Orders list versions by their numeric parts (`2025-11-19` < `2025-12-01`, `9` < `10`),
/// then as text. This is the order `min_version` and "older than already seen" use.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<u128> {
        s.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse::<u128>().unwrap_or(u128::MAX))
            .collect()
    }
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
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
            if jur.accepted_directions.is_empty() {
                return Err(PolicyError::NoDirection(j.clone()));
            }
            for t in &jur.thresholds {
                if t.currency_numeric >= 1000 {
                    return Err(PolicyError::BadCurrency {
                        jurisdiction: j.clone(),
                        code: t.currency_numeric,
                    });
                }
            }
        }
        let mut lists = Vec::new();
        for p in &file.sanctions_publishers {
            let k = key("sanctions publisher", &p.name, &p.public_key)?;
            for l in &p.lists {
                let id = publisher_key_id(&k);
                if lists
                    .iter()
                    .any(|m: &ListRule| m.publisher_key_id == id && m.list.list_id == l.list_id)
                {
                    return Err(PolicyError::DuplicateList {
                        publisher: p.name.clone(),
                        list_id: l.list_id.clone(),
                    });
                }
                lists.push(ListRule {
                    publisher_key_id: publisher_key_id(&k),
                    publisher_key: k,
                    list: l.clone(),
                    max_age_seconds: l.max_age_seconds.unwrap_or(p.max_age_seconds),
                });
            }
        }
        if lists.len() > zktr_records::MAX_SANCTIONS_ROOTS {
            return Err(PolicyError::TooManyLists(lists.len()));
        }
        let screens = required.iter().any(|c| {
            matches!(
                c,
                CircuitId::NotSanctionedOriginator | CircuitId::NotSanctionedBeneficiary
            )
        });
        if screens && lists.is_empty() && !file.sanctions_publishers.is_empty() {
            // Publishers are trusted but no list is named: the pre-issue-9 form, which let
            // a prover pick any list of the publisher. Refuse it loudly.
            return Err(PolicyError::NoListRequired);
        }
        if file
            .verifying_keys
            .accepted_ceremonies
            .iter()
            .any(|c| c == SINGLE_PARTY_DEV)
            && !file.verifying_keys.allow_dev_keys
        {
            return Err(PolicyError::DevCeremonyListed);
        }
        let mut logs = BTreeMap::new();
        for l in &file.logs {
            logs.insert(
                l.log_id.clone(),
                (
                    key("log", &l.log_id, &l.public_key)?,
                    l.max_tree_head_age_seconds,
                ),
            );
        }
        let mut officers = BTreeMap::new();
        for o in &file.clearance_officers {
            let k = key("clearance officer", &o.officer, &o.public_key)?;
            officers.insert(zktr_records::clearance::officer_key_id(&k), (o.clone(), k));
        }
        let mut prices = BTreeMap::new();
        for p in &file.price_publishers {
            let k = key("price publisher", &p.name, &p.public_key)?;
            let assets = p
                .assets
                .iter()
                .map(|a| {
                    parse_asset_id(a).ok_or_else(|| PolicyError::BadAsset {
                        publisher: p.name.clone(),
                        asset: a.clone(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            prices.insert(
                publisher_key_id(&k),
                PriceRule {
                    name: p.name.clone(),
                    key: k,
                    assets,
                    max_window_seconds: p.max_window_seconds,
                    max_age_seconds: p.max_age_seconds,
                },
            );
        }
        if required.contains(&CircuitId::Threshold)
            && prices.is_empty()
            && !file.allow_unpriced_threshold
        {
            return Err(PolicyError::NoPricePublisher);
        }
        Ok(Self {
            file,
            required,
            lists,
            logs,
            officers,
            prices,
        })
    }

    /// Parses and checks policy JSON.
    pub fn from_json(text: &str) -> Result<Self, PolicyError> {
        let file: PolicyFile = serde_json::from_str(text).map_err(PolicyError::Format)?;
        Self::new(file)
    }

    /// Reads a policy file (at most [`MAX_POLICY_FILE_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let io_err = |source| PolicyError::Io {
            path: path.display().to_string(),
            source,
        };
        let too_large = || PolicyError::TooLarge {
            path: path.display().to_string(),
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        if let Ok(m) = file.metadata()
            && m.is_file()
            && m.len() > MAX_POLICY_FILE_BYTES
        {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        file.take(MAX_POLICY_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        if bytes.len() as u64 > MAX_POLICY_FILE_BYTES {
            return Err(too_large());
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            io_err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "not UTF-8 text",
            ))
        })?;
        Self::from_json(&text)
    }

    /// A jurisdiction by key.
    pub fn jurisdiction(&self, key: &str) -> Option<&Jurisdiction> {
        self.file.jurisdictions.get(key)
    }

    /// The tolerated clock skew in seconds.
    pub fn clock_skew(&self) -> u64 {
        self.file.clock_skew_seconds
    }

    /// Whether a verifying key (its id, its manifest's ceremony and, for `mpc` keys, the
    /// ceremony's transcript hash) is trusted.
    pub fn trusts_key(&self, id: &str, ceremony: &str, transcript: Option<&str>) -> bool {
        let k = &self.file.verifying_keys;
        if ceremony == SINGLE_PARTY_DEV && !k.allow_dev_keys {
            return false;
        }
        if ceremony == SINGLE_PARTY_DEV || k.trusted_ids.iter().any(|t| t.eq_ignore_ascii_case(id))
        {
            return true;
        }
        if ceremony == MPC_CEREMONY && !k.accepted_transcripts.is_empty() {
            let listed = transcript.is_some_and(|t| {
                k.accepted_transcripts
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(t))
            });
            if !listed {
                return false;
            }
        }
        k.accepted_ceremonies.iter().any(|c| c == ceremony)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_by_their_numbers() {
        assert_eq!(compare_versions("2025-11-19", "2025-12-01"), Ordering::Less);
        assert_eq!(compare_versions("9", "10"), Ordering::Less);
        assert_eq!(
            compare_versions("2025-11-19", "2025-11-19"),
            Ordering::Equal
        );
        assert_eq!(compare_versions("v2", "v1"), Ordering::Greater);
    }

    #[test]
    fn mpc_keys_must_come_from_a_listed_transcript_when_the_policy_lists_any() {
        let mut file: PolicyFile =
            serde_json::from_str(zktr_records::policy_file::EXAMPLE_POLICY_JSON).unwrap();
        file.verifying_keys.allow_dev_keys = false;
        let p = Policy::new(file.clone()).unwrap();
        assert!(p.trusts_key("id", "mpc", None), "no list: any mpc ceremony");
        assert!(p.trusts_key("id", "mpc", Some("aa")));
        assert!(!p.trusts_key("id", SINGLE_PARTY_DEV, None));
        file.verifying_keys.accepted_transcripts = vec!["AA".into()];
        let p = Policy::new(file.clone()).unwrap();
        assert!(p.trusts_key("id", "mpc", Some("aa")));
        assert!(!p.trusts_key("id", "mpc", Some("bb")), "another ceremony");
        assert!(
            !p.trusts_key("id", "mpc", None),
            "a manifest without transcript"
        );
        file.verifying_keys.trusted_ids = vec!["ID".into()];
        let p = Policy::new(file).unwrap();
        assert!(p.trusts_key("id", "mpc", Some("bb")), "a listed key id");
    }
}
