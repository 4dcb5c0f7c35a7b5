//! The indexed (sorted linked-list) Merkle tree of a sanctions set.
//!
//! The set's distinct keys `k_1 < k_2 < ... < k_n` (each `0 < k < 2^248`) become `n + 1`
//! leaves at positions `0..=n`:
//!
//! ```text
//! leaf_0 = H(0,       k_1)        the sentinel: covers keys below the smallest
//! leaf_i = H(k_i,     k_{i+1})
//! leaf_n = H(k_n,     0)          next = 0 means +infinity
//! H      = PoseidonEx([low, next], SANCTIONS_LEAF)
//! ```
//!
//! Positions after `n` are the empty leaf 0, which is not the hash of any known
//! `(low, next)`: an empty position can never pass for a leaf (the tempting `H(0, 0)`,
//! "between 0 and infinity", would let anyone prove any key absent).
//!
//! The tree is 4-ary (tree version 2): inner nodes are
//! `PoseidonEx([c0, c1, c2, c3], SANCTIONS_QUAD_NODE)`, 12 levels, `4^12 = 2^24`
//! positions (16,777,215 keys at most, as the binary depth-24 tree of version 1). A path
//! is the position's 12 base-4 digits (leaf level first) and three siblings per level in
//! child order. In a circuit a level costs 304 constraints against 484 for the two binary
//! levels it replaces (see [`crate::gadgets::merkle`]).
//!
//! A key `k` is absent iff some leaf `(low, next)` under the root has
//! `low < k` and (`k < next` or `next = 0`). This relies on the root being of a
//! well-formed tree (strictly increasing keys below 2^248, linked in order), which the
//! builder guarantees, a loaded set re-checks ([`SanctionsTree::from_sorted_keys`]), and
//! the list publisher signs.

use super::{quad_rebuild_levels, quad_root_from_path, quad_siblings, quad_zero_hashes};
use crate::domain::{SANCTIONS_LEAF, SANCTIONS_QUAD_NODE};
use crate::error::{Error, Result};
use crate::field::{Fr, ScreeningKey, cmp_as_integers};
use crate::poseidon::hash2;
use ark_ff::Zero;
use core::cmp::Ordering;
use std::sync::OnceLock;

/// The version of the tree's shape (1: binary depth 24; 2: 4-ary, 12 levels). Set files
/// and signed roots name it, so a root of one shape is never checked against the other.
pub const SANCTIONS_TREE_VERSION: u32 = 2;
/// Levels of the 4-ary sanctions tree.
pub const SANCTIONS_LEVELS: usize = 12;
/// Siblings in a path: three per level.
pub const SANCTIONS_PATH_SIBLINGS: usize = 3 * SANCTIONS_LEVELS;
/// Number of leaf positions (keys + the sentinel): `4^12`.
pub const SANCTIONS_CAPACITY: u64 = 1 << (2 * SANCTIONS_LEVELS);

/// The root of a sanctions set's indexed tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SanctionsRoot(pub Fr);

fn zeros() -> &'static [Fr] {
    static Z: OnceLock<Vec<Fr>> = OnceLock::new();
    Z.get_or_init(|| quad_zero_hashes(SANCTIONS_QUAD_NODE, SANCTIONS_LEVELS))
}

/// The leaf hash `H(low, next)`.
pub fn sanctions_leaf(low: Fr, next: Fr) -> Fr {
    hash2(SANCTIONS_LEAF, low, next)
}

/// A sanctions set as an indexed Merkle tree.
#[derive(Clone)]
pub struct SanctionsTree {
    /// Distinct keys, ascending.
    keys: Vec<ScreeningKey>,
    levels: Vec<Vec<Fr>>,
}

impl core::fmt::Debug for SanctionsTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "SanctionsTree(keys = {}, root = {:?})",
            self.keys.len(),
            self.root().0
        )
    }
}

impl SanctionsTree {
    /// Builds the tree from keys in any order; duplicates are removed.
    pub fn build(keys: impl IntoIterator<Item = ScreeningKey>) -> Result<Self> {
        let mut keys: Vec<ScreeningKey> = keys.into_iter().collect();
        keys.sort_unstable();
        keys.dedup();
        Self::from_sorted_keys(keys)
    }

    /// Builds the tree from keys that must already be strictly ascending (e.g. a set file
    /// being loaded); refuses unsorted or duplicate keys.
    pub fn from_sorted_keys(keys: Vec<ScreeningKey>) -> Result<Self> {
        if keys.len() as u64 + 1 > SANCTIONS_CAPACITY {
            return Err(Error::TreeFull {
                tree: "sanctions tree",
                capacity: SANCTIONS_CAPACITY - 1,
            });
        }
        if keys.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::WitnessShape {
                circuit: "sanctions tree",
                reason: "keys are not strictly ascending",
            });
        }
        use rayon::prelude::*;
        let leaves: Vec<Fr> = (0..=keys.len())
            .into_par_iter()
            .map(|i| {
                let (low, next) = Self::leaf_pair(&keys, i);
                sanctions_leaf(low, next)
            })
            .collect();
        let mut levels = vec![Vec::new(); SANCTIONS_LEVELS + 1];
        levels[0] = leaves;
        quad_rebuild_levels(SANCTIONS_QUAD_NODE, &mut levels, zeros(), 0);
        Ok(Self { keys, levels })
    }

    fn leaf_pair(keys: &[ScreeningKey], i: usize) -> (Fr, Fr) {
        let low = if i == 0 {
            Fr::zero()
        } else {
            keys[i - 1].to_fr()
        };
        let next = keys.get(i).map(|k| k.to_fr()).unwrap_or_else(Fr::zero);
        (low, next)
    }

    /// The root.
    pub fn root(&self) -> SanctionsRoot {
        SanctionsRoot(self.levels[SANCTIONS_LEVELS][0])
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys, ascending.
    pub fn keys(&self) -> &[ScreeningKey] {
        &self.keys
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: &ScreeningKey) -> bool {
        self.keys.binary_search(key).is_ok()
    }

    /// The witness for the leaf at `index` (0 = sentinel).
    pub fn leaf_witness(&self, index: usize) -> Result<LeafWitness> {
        if index > self.keys.len() {
            return Err(Error::IndexOutOfRange {
                what: "sanctions leaf",
                index: index as u64,
                size: self.keys.len() as u64 + 1,
            });
        }
        let (low, next) = Self::leaf_pair(&self.keys, index);
        let siblings = self.path_siblings(index as u64);
        Ok(LeafWitness {
            index: index as u32,
            low,
            next,
            siblings,
        })
    }

    /// The 36 siblings of any position, empty ones included (for tests that try to pass
    /// an empty position off as a leaf).
    pub(crate) fn path_siblings(&self, index: u64) -> Vec<Fr> {
        (0..SANCTIONS_LEVELS)
            .flat_map(|h| quad_siblings(&self.levels, zeros(), index, h))
            .collect()
    }

    /// Proof that `key` is not in the set (its predecessor's leaf).
    pub fn non_membership_witness(&self, key: &ScreeningKey) -> Result<LeafWitness> {
        match self.keys.binary_search(key) {
            Ok(_) => Err(Error::KeyListed),
            // keys[i-1] < key < keys[i]: leaf i has low = keys[i-1] (or the sentinel).
            Err(i) => self.leaf_witness(i),
        }
    }

    /// Proof that `key` is in the set (the leaf whose `low` is the key).
    pub fn membership_witness(&self, key: &ScreeningKey) -> Result<LeafWitness> {
        match self.keys.binary_search(key) {
            Ok(i) => self.leaf_witness(i + 1),
            Err(_) => Err(Error::KeyNotListed),
        }
    }
}

/// A leaf of the sanctions tree with its Merkle path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafWitness {
    /// Leaf position.
    pub index: u32,
    /// The leaf's key (0 for the sentinel).
    pub low: Fr,
    /// The next key (0 = +infinity).
    pub next: Fr,
    /// The 36 siblings: three per level, leaf level first, each level's in child order.
    pub siblings: Vec<Fr>,
}

impl LeafWitness {
    fn check_path(&self, root: &SanctionsRoot) -> Result<()> {
        if self.siblings.len() != SANCTIONS_PATH_SIBLINGS
            || u64::from(self.index) >= SANCTIONS_CAPACITY
            || quad_root_from_path(
                SANCTIONS_QUAD_NODE,
                sanctions_leaf(self.low, self.next),
                u64::from(self.index),
                &self.siblings,
            ) != Some(root.0)
        {
            return Err(Error::ProofInvalid {
                what: "sanctions tree path",
            });
        }
        Ok(())
    }

    /// Checks that this leaf proves `key` absent under `root`.
    pub fn verify_non_membership(&self, key: &ScreeningKey, root: &SanctionsRoot) -> Result<()> {
        self.check_path(root)?;
        let k = key.to_fr();
        let above_low = cmp_as_integers(&self.low, &k) == Ordering::Less;
        let below_next = self.next.is_zero() || cmp_as_integers(&k, &self.next) == Ordering::Less;
        if above_low && below_next {
            Ok(())
        } else {
            Err(Error::ProofInvalid {
                what: "sanctions non-membership (key not between low and next)",
            })
        }
    }

    /// Checks that this leaf proves `key` present under `root`.
    pub fn verify_membership(&self, key: &ScreeningKey, root: &SanctionsRoot) -> Result<()> {
        self.check_path(root)?;
        if self.low == key.to_fr() {
            Ok(())
        } else {
            Err(Error::ProofInvalid {
                what: "sanctions membership",
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::KeyKind;

    fn key(i: u64) -> ScreeningKey {
        ScreeningKey::derive(KeyKind::Name, &format!("PERSON {i}"))
    }

    #[test]
    fn membership_and_non_membership() {
        let listed: Vec<ScreeningKey> = (0..100).map(key).collect();
        let mut input = listed.clone();
        input.extend(listed.iter().take(10).copied()); // duplicates are removed
        input.reverse();
        let t = SanctionsTree::build(input).unwrap();
        assert_eq!(t.len(), 100);
        let root = t.root();
        for k in &listed {
            assert_eq!(t.non_membership_witness(k), Err(Error::KeyListed));
            t.membership_witness(k)
                .unwrap()
                .verify_membership(k, &root)
                .unwrap();
        }
        for i in 100..200 {
            let k = key(i);
            let w = t.non_membership_witness(&k).unwrap();
            w.verify_non_membership(&k, &root).unwrap();
            assert_eq!(t.membership_witness(&k), Err(Error::KeyNotListed));
            // The same witness does not prove a listed key absent.
            for l in [t.keys()[0], t.keys()[50], t.keys()[99]] {
                assert!(w.verify_non_membership(&l, &root).is_err());
            }
        }
        // Below the smallest and above the largest.
        let tiny = ScreeningKey::new(Fr::from(1u64)).unwrap();
        let w = t.non_membership_witness(&tiny).unwrap();
        assert_eq!(w.index, 0);
        w.verify_non_membership(&tiny, &root).unwrap();
    }

    #[test]
    fn empty_positions_prove_nothing() {
        let t = SanctionsTree::build((0..5).map(key)).unwrap();
        // Position 7 is empty: pretending it is leaf (0, 0) fails.
        let mut w = t.leaf_witness(5).unwrap();
        w.index = 7;
        w.low = Fr::zero();
        w.next = Fr::zero();
        w.siblings = t.path_siblings(7);
        assert!(w.verify_non_membership(&key(3), &t.root()).is_err());
    }

    #[test]
    fn unsorted_input_to_loader_is_refused() {
        let mut ks: Vec<ScreeningKey> = (0..5).map(key).collect();
        ks.sort();
        ks.swap(1, 2);
        assert!(SanctionsTree::from_sorted_keys(ks).is_err());
        let t = SanctionsTree::build(Vec::new()).unwrap();
        let k = key(1);
        t.non_membership_witness(&k)
            .unwrap()
            .verify_non_membership(&k, &t.root())
            .unwrap();
    }

    #[test]
    fn a_full_tree_is_refused() {
        // 2^24 keys + the sentinel do not fit 2^24 positions.
        let keys: Vec<ScreeningKey> = (1..=SANCTIONS_CAPACITY)
            .map(|i| ScreeningKey::new(Fr::from(i)).unwrap())
            .collect();
        assert_eq!(
            SanctionsTree::from_sorted_keys(keys).unwrap_err(),
            Error::TreeFull {
                tree: "sanctions tree",
                capacity: SANCTIONS_CAPACITY - 1
            }
        );
    }

    #[test]
    fn hundred_thousand_keys_build() {
        let t = SanctionsTree::build((0..100_000).map(key)).unwrap();
        assert_eq!(t.len(), 100_000);
        let k = key(100_001);
        t.non_membership_witness(&k)
            .unwrap()
            .verify_non_membership(&k, &t.root())
            .unwrap();
    }
}
