//! The sanctions set: the indexed Merkle tree of every screening key of every listed
//! party, an index from each key to the parties it came from, and the publisher's signed
//! root record.

use super::error::{Result, SanctionsError};
use super::keys::{KeySource, party_keys};
use super::party::{PartyKind, SanctionsList};
use crate::screening::{address_key, identifier_key, name_key};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rayon::prelude::*;
use std::collections::BTreeMap;
use zktr_circuits::field::ScreeningKey;
use zktr_circuits::trees::sanctions::{LeafWitness, SanctionsRoot, SanctionsTree};
use zktr_records::{SanctionsRootRecord, SignedSanctionsRoot, publisher_key_id};

/// A party as the set keeps it: its id, kind and primary name (list data, public).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetParty {
    /// The list's id of the party, e.g. `ofac:36`.
    pub id: String,
    /// Individual, entity...
    pub kind: PartyKind,
    /// The primary name ("" for address lists).
    pub name: String,
}

/// How many listed values went into the set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetStats {
    /// Parties.
    pub parties: u64,
    /// Names keyed (primary + aliases).
    pub names: u64,
    /// Identity documents keyed.
    pub identifiers: u64,
    /// Digital-currency addresses keyed.
    pub addresses: u64,
    /// Dates of birth listed (kept with the lists, not keyed).
    pub dates_of_birth: u64,
    /// Listed values that normalize to nothing and so gave no key.
    pub skipped: u64,
}

/// What the set says about a screened value.
#[derive(Clone, Debug)]
pub enum Screening<'a> {
    /// The key is in the set: the parties it belongs to.
    Listed(Vec<&'a SetParty>),
    /// The key is not in the set: the tree leaf that proves it, already verified
    /// natively against the signed root.
    NotListed(LeafWitness),
}

/// A built or loaded sanctions set.
#[derive(Clone, Debug)]
pub struct SanctionsSet {
    pub(crate) signed: SignedSanctionsRoot,
    pub(crate) tree: SanctionsTree,
    /// Sorted by id.
    pub(crate) parties: Vec<SetParty>,
    /// Per key (tree order): indices into `parties`, ascending.
    pub(crate) index: Vec<Vec<u32>>,
    pub(crate) stats: SetStats,
}

/// Inputs of a build besides the lists.
pub struct BuildOptions<'a> {
    /// The publisher's signing key.
    pub key: &'a SigningKey,
    /// Publication time, unix seconds.
    pub published_at: u64,
}

impl SanctionsSet {
    /// Builds the set of every key of every party of `lists` and signs its root. Parties
    /// with the same id in several lists are one party. The record's list id and version
    /// join those of the lists with `+`.
    pub fn build(lists: &[SanctionsList], options: &BuildOptions<'_>) -> Result<Self> {
        // A list without parties (an empty or cut download) would give a valid, signed
        // set that answers NOT LISTED to everything.
        if let Some(empty) = lists.iter().find(|l| l.parties.is_empty()) {
            return Err(SanctionsError::EmptyList {
                list_id: empty.list_id.clone(),
                version: empty.version.clone(),
            });
        }
        if lists.is_empty() {
            return Err(SanctionsError::EmptyList {
                list_id: "(none)".into(),
                version: String::new(),
            });
        }
        let mut ids: BTreeMap<&str, SetParty> = BTreeMap::new();
        let mut stats = SetStats::default();
        for list in lists {
            for p in &list.parties {
                stats.dates_of_birth += p.dates_of_birth.len() as u64;
                ids.entry(p.id.as_str()).or_insert_with(|| SetParty {
                    id: p.id.clone(),
                    kind: p.kind,
                    name: p.primary_name().unwrap_or_default(),
                });
            }
        }
        let parties: Vec<SetParty> = ids.into_values().collect();
        let position = |id: &str| {
            parties
                .binary_search_by(|p| p.id.as_str().cmp(id))
                .ok()
                .and_then(|i| u32::try_from(i).ok())
        };
        let all: Vec<_> = lists.iter().flat_map(|l| l.parties.iter()).collect();
        let per_party: Vec<_> = all.par_iter().map(|p| party_keys(p)).collect();
        let mut pairs: Vec<(ScreeningKey, u32)> = Vec::new();
        for (p, keys) in all.iter().zip(per_party) {
            stats.skipped += keys.skipped;
            let Some(idx) = position(&p.id) else {
                continue;
            };
            for (k, source) in keys.keys {
                match source {
                    KeySource::Name => stats.names += 1,
                    KeySource::Identifier => stats.identifiers += 1,
                    KeySource::Address => stats.addresses += 1,
                }
                pairs.push((k, idx));
            }
        }
        pairs.par_sort_unstable();
        pairs.dedup();
        let mut keys: Vec<ScreeningKey> = Vec::with_capacity(pairs.len());
        let mut index: Vec<Vec<u32>> = Vec::with_capacity(pairs.len());
        for (k, p) in pairs {
            match (keys.last(), index.last_mut()) {
                (Some(last), Some(parties)) if *last == k => parties.push(p),
                _ => {
                    keys.push(k);
                    index.push(vec![p]);
                }
            }
        }
        stats.parties = parties.len() as u64;
        let tree = SanctionsTree::from_sorted_keys(keys)?;
        let join =
            |f: &dyn Fn(&SanctionsList) -> &str| lists.iter().map(f).collect::<Vec<_>>().join("+");
        let record = SanctionsRootRecord {
            list_id: join(&|l| l.list_id.as_str()),
            version: join(&|l| l.version.as_str()),
            root: tree.root(),
            key_count: tree.len() as u64,
            party_count: parties.len() as u64,
            published_at: options.published_at,
            publisher_key_id: publisher_key_id(&options.key.verifying_key()),
        };
        tracing::info!(
            list = %record.list_id,
            version = %record.version,
            keys = record.key_count,
            parties = record.party_count,
            "sanctions set built"
        );
        Ok(Self {
            signed: SignedSanctionsRoot::sign(record, options.key),
            tree,
            parties,
            index,
            stats,
        })
    }

    /// The signed root record.
    pub fn signed_root(&self) -> &SignedSanctionsRoot {
        &self.signed
    }

    /// The root.
    pub fn root(&self) -> SanctionsRoot {
        self.tree.root()
    }

    /// The tree.
    pub fn tree(&self) -> &SanctionsTree {
        &self.tree
    }

    /// The parties, sorted by id.
    pub fn parties(&self) -> &[SetParty] {
        &self.parties
    }

    /// The keys, ascending.
    pub fn keys(&self) -> &[ScreeningKey] {
        self.tree.keys()
    }

    /// The counts of listed values.
    pub fn stats(&self) -> SetStats {
        self.stats
    }

    /// Checks the publisher's signature over the root record (the tree itself was
    /// checked against the record when the set was built or loaded).
    pub fn verify_publisher(&self, publisher: &VerifyingKey) -> Result<()> {
        Ok(self.signed.verify(publisher)?)
    }

    /// The parties a key belongs to (empty if the key is not listed).
    pub fn parties_of(&self, key: &ScreeningKey) -> Vec<&SetParty> {
        match self.tree.keys().binary_search(key) {
            Ok(i) => self
                .index
                .get(i)
                .map(|ps| {
                    ps.iter()
                        .filter_map(|p| self.parties.get(*p as usize))
                        .collect()
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The non-membership witness of `key`; [`SanctionsError::KeyListed`] (naming the
    /// parties) if the key is listed.
    pub fn non_membership_witness(&self, key: &ScreeningKey) -> Result<LeafWitness> {
        match self.tree.non_membership_witness(key) {
            Ok(w) => Ok(w),
            Err(zktr_circuits::Error::KeyListed) => Err(SanctionsError::KeyListed {
                parties: self.parties_of(key).iter().map(|p| p.id.clone()).collect(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Screens a key: the listed parties, or a non-membership witness verified natively
    /// against the signed root.
    pub fn screen_key(&self, key: &ScreeningKey) -> Result<Screening<'_>> {
        let parties = self.parties_of(key);
        if !parties.is_empty() {
            return Ok(Screening::Listed(parties));
        }
        let witness = self.non_membership_witness(key)?;
        witness.verify_non_membership(key, &self.signed.record.root)?;
        Ok(Screening::NotListed(witness))
    }

    /// Screens a name (any case, any token order: see [`crate::screening`]).
    pub fn screen_name(&self, name: &str) -> Result<Screening<'_>> {
        let key = name_key(name).map_err(|source| SanctionsError::Screening {
            what: "name",
            value: name.to_string(),
            source,
        })?;
        self.screen_key(&key)
    }

    /// Screens an identity document number.
    pub fn screen_identifier(&self, id: &str) -> Result<Screening<'_>> {
        let key = identifier_key(id).map_err(|source| SanctionsError::Screening {
            what: "identifier",
            value: id.to_string(),
            source,
        })?;
        self.screen_key(&key)
    }

    /// Screens a digital-currency address (the key does not depend on the chain: see
    /// [`crate::screening`]).
    pub fn screen_address(&self, address: &str) -> Result<Screening<'_>> {
        let key = address_key(address).map_err(|source| SanctionsError::Screening {
            what: "address",
            value: address.to_string(),
            source,
        })?;
        self.screen_key(&key)
    }
}
