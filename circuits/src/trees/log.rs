//! The append-only commitment log: a 4-ary Poseidon Merkle tree of 16 levels
//! (`4^16 = 2^32` positions) whose leaves are transfer commitments, in order of commitment
//! (circuit version 2; version 1's log was a binary tree of depth 32 under the retired
//! tag 4).
//!
//! Position `i` holds the `i`-th commitment; positions at or after the size hold the empty
//! leaf 0, and empty subtrees hash to precomputed zero hashes. Only the `~4n/3` non-empty
//! nodes are stored, so the log holds millions of leaves without touching `2^32` nodes.
//! Inner nodes are `PoseidonEx([c0, c1, c2, c3], LOG_QUAD_NODE)`; leaves are the
//! commitments.
//!
//! Proofs, all verified natively (and inclusion also in-circuit, see
//! [`crate::circuits::committed`]):
//! * [`InclusionProof`]: the 48 siblings of a leaf (three per level, in child order) in
//!   the tree of a given size.
//! * [`ConsistencyProof`]: that the tree of size `m` is a prefix of the tree of size `n`
//!   (append-only), in the spirit of RFC 9162 section 2.1.4: a list of node hashes from
//!   which the verifier recomputes both roots. Here the list is the last old leaf
//!   (`m - 1`) and its 48 siblings in the new tree: at each level, the siblings left of
//!   its path are complete subtrees shared by both trees, and those right of it are empty
//!   (zero hashes) in the old tree and whatever was appended in the new one. Both roots
//!   recomputed from the same left parts prove that every old leaf is still in place.

use super::{
    QUAD, quad_children, quad_digit, quad_rebuild_levels, quad_root_from_path, quad_siblings_by,
    quad_zero_hashes,
};
use crate::commitment::Commitment;
use crate::domain::LOG_QUAD_NODE;
use crate::error::{Error, Result};
use crate::field::Fr;
use crate::poseidon::hash_n;
use std::sync::OnceLock;

/// Levels of the 4-ary commitment log.
pub const LOG_LEVELS: usize = 16;
/// Siblings on a leaf's path: three per level.
pub const LOG_PATH_SIBLINGS: usize = 3 * LOG_LEVELS;
/// Number of leaves the log can hold (`4^16`).
pub const LOG_CAPACITY: u64 = 1 << (2 * LOG_LEVELS);

/// The root of a commitment log at some size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LogRoot(pub Fr);

fn zeros() -> &'static [Fr] {
    static Z: OnceLock<Vec<Fr>> = OnceLock::new();
    Z.get_or_init(|| quad_zero_hashes(LOG_QUAD_NODE, LOG_LEVELS))
}

/// The root of the empty log.
pub fn empty_log_root() -> LogRoot {
    LogRoot(zeros()[LOG_LEVELS])
}

/// An append-only commitment log held in memory.
#[derive(Clone)]
pub struct CommitmentLog {
    /// `levels[h]`: the non-empty nodes at height `h` (0 = leaves), left to right.
    levels: Vec<Vec<Fr>>,
}

impl Default for CommitmentLog {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for CommitmentLog {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "CommitmentLog(size = {}, root = {:?})",
            self.len(),
            self.root().0
        )
    }
}

impl CommitmentLog {
    /// An empty log.
    pub fn new() -> Self {
        Self {
            levels: vec![Vec::new(); LOG_LEVELS + 1],
        }
    }

    /// A log holding `leaves` in order (bulk build: about `n/3` hashes, in parallel).
    pub fn from_leaves(leaves: &[Commitment]) -> Result<Self> {
        let mut log = Self::new();
        log.extend(leaves)?;
        Ok(log)
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels[0].len() as u64
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.levels[0].is_empty()
    }

    /// The leaf at `index`.
    pub fn leaf(&self, index: u64) -> Option<Commitment> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels[0].get(i))
            .map(|x| Commitment(*x))
    }

    /// Appends one commitment; returns its index. 16 hashes.
    pub fn append(&mut self, c: Commitment) -> Result<u64> {
        let r = self.extend(&[c])?;
        Ok(r.start)
    }

    /// Appends commitments in order; returns their index range.
    pub fn extend(&mut self, leaves: &[Commitment]) -> Result<core::ops::Range<u64>> {
        let start = self.len();
        let end = ensure_room(start, leaves.len() as u64)?;
        self.levels[0].extend(leaves.iter().map(|c| c.0));
        quad_rebuild_levels(LOG_QUAD_NODE, &mut self.levels, zeros(), start as usize);
        Ok(start..end)
    }

    /// The current root.
    pub fn root(&self) -> LogRoot {
        LogRoot(
            self.levels[LOG_LEVELS]
                .first()
                .copied()
                .unwrap_or(zeros()[LOG_LEVELS]),
        )
    }

    fn check_size(&self, size: u64) -> Result<()> {
        if size > self.len() {
            return Err(Error::IndexOutOfRange {
                what: "tree size",
                index: size,
                size: self.len(),
            });
        }
        Ok(())
    }

    /// The value node `index` at height `level` had when the log had `size` leaves.
    /// Complete subtrees never change, so only the (at most one per level) partial nodes
    /// on the right edge of the old tree are recomputed.
    fn node_at(&self, level: usize, index: u64, size: u64) -> Fr {
        let span = 1u64 << (2 * level);
        let lo = index.saturating_mul(span);
        if lo >= size {
            return zeros()[level];
        }
        if lo + span <= size || size == self.len() {
            return self.levels[level][index as usize];
        }
        let first = QUAD as u64 * index;
        let child = |j: u64| self.node_at(level - 1, first + j, size);
        hash_n(LOG_QUAD_NODE, [child(0), child(1), child(2), child(3)])
    }

    /// The 48 siblings of leaf `index` in the tree of `size` leaves, leaf level first.
    fn path(&self, index: u64, size: u64) -> Vec<Fr> {
        (0..LOG_LEVELS)
            .flat_map(|h| quad_siblings_by(index, h, |i| self.node_at(h, i, size)))
            .collect()
    }

    /// The root the log had at `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<LogRoot> {
        self.check_size(size)?;
        Ok(LogRoot(self.node_at(LOG_LEVELS, 0, size)))
    }

    /// Inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<InclusionProof> {
        self.check_size(size)?;
        if index >= size {
            return Err(Error::IndexOutOfRange {
                what: "leaf index",
                index,
                size,
            });
        }
        Ok(InclusionProof {
            index,
            size,
            siblings: self.path(index, size),
        })
    }

    /// Proof that the tree of `old_size` leaves is a prefix of the tree of `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<ConsistencyProof> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(Error::IndexOutOfRange {
                what: "old tree size",
                index: old_size,
                size: new_size,
            });
        }
        let mut proof = ConsistencyProof {
            old_size,
            new_size,
            hashes: Vec::new(),
        };
        if old_size > 0 {
            let k = old_size - 1;
            proof.hashes.push(self.levels[0][k as usize]);
            proof.hashes.extend(self.path(k, new_size));
        }
        Ok(proof)
    }
}

impl CommitmentLog {
    /// The stored nodes that appending leaves `from..self.len()` created or changed, as
    /// `(height, index, value)`: at each height the nodes from `from >> height` to the
    /// right edge. A store that writes these after each append holds every node of the
    /// log, so [`CommitmentLog::from_nodes`] restores it without hashing.
    pub fn changed_nodes(&self, from: u64) -> Vec<(u32, u64, Fr)> {
        let mut out = Vec::new();
        for (h, level) in self.levels.iter().enumerate() {
            let start = usize::try_from(from >> (2 * h)).unwrap_or(usize::MAX);
            for (i, v) in level.iter().enumerate().skip(start) {
                out.push((h as u32, i as u64, *v));
            }
        }
        out
    }

    /// Restores a log from every stored node `(height, index, value)` (any order). The
    /// shape is checked (each height holds exactly the nodes its leaves need, no gaps);
    /// values are not rehashed: check the root against the last signed tree head.
    pub fn from_nodes(nodes: impl IntoIterator<Item = (u32, u64, Fr)>) -> Result<Self> {
        let mut levels: Vec<Vec<Option<Fr>>> = vec![Vec::new(); LOG_LEVELS + 1];
        let bad = |index: u64| Error::IndexOutOfRange {
            what: "stored log node",
            index,
            size: LOG_CAPACITY,
        };
        for (h, i, v) in nodes {
            let level = levels.get_mut(h as usize).ok_or(bad(u64::from(h)))?;
            let i = usize::try_from(i).map_err(|_| bad(i))?;
            if i >= (LOG_CAPACITY >> (2 * h as u64)) as usize {
                return Err(bad(i as u64));
            }
            if level.len() <= i {
                level.resize(i + 1, None);
            }
            level[i] = Some(v);
        }
        let mut out = Self::new();
        for (h, level) in levels.into_iter().enumerate() {
            let expected = if h == 0 {
                level.len()
            } else {
                out.levels[h - 1].len().div_ceil(QUAD)
            };
            if level.len() != expected {
                return Err(bad(h as u64));
            }
            out.levels[h] = level
                .into_iter()
                .enumerate()
                .map(|(i, v)| v.ok_or(bad(i as u64)))
                .collect::<Result<_>>()?;
        }
        Ok(out)
    }
}

/// The size after appending `adding` leaves to a log of `size`, if it fits.
fn ensure_room(size: u64, adding: u64) -> Result<u64> {
    size.checked_add(adding)
        .filter(|end| *end <= LOG_CAPACITY)
        .ok_or(Error::TreeFull {
            tree: "commitment log",
            capacity: LOG_CAPACITY,
        })
}

/// Proof that a commitment is leaf `index` of the log of `size` leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf's position.
    pub index: u64,
    /// The size of the tree the proof is for.
    pub size: u64,
    /// The 48 siblings: three per level, leaf level first, each level's in child order.
    pub siblings: Vec<Fr>,
}

impl InclusionProof {
    /// Checks that `leaf` is at `index` under `root`.
    pub fn verify(&self, leaf: &Commitment, root: &LogRoot) -> Result<()> {
        let bad = Error::ProofInvalid {
            what: "log inclusion proof",
        };
        if self.siblings.len() != LOG_PATH_SIBLINGS
            || self.index >= self.size
            || self.size > LOG_CAPACITY
        {
            return Err(bad);
        }
        if quad_root_from_path(LOG_QUAD_NODE, leaf.0, self.index, &self.siblings) == Some(root.0) {
            Ok(())
        } else {
            Err(bad)
        }
    }
}

/// Proof that a log grew only by appending between two sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    /// Size of the older tree.
    pub old_size: u64,
    /// Size of the newer tree.
    pub new_size: u64,
    /// Empty if `old_size == 0`; otherwise leaf `old_size - 1` followed by its 48
    /// siblings in the newer tree (three per level, leaf level first).
    pub hashes: Vec<Fr>,
}

impl ConsistencyProof {
    /// Checks the proof against the two roots.
    pub fn verify(&self, old_root: &LogRoot, new_root: &LogRoot) -> Result<()> {
        let bad = Error::ProofInvalid {
            what: "log consistency proof",
        };
        if self.old_size > self.new_size || self.new_size > LOG_CAPACITY {
            return Err(bad);
        }
        if self.old_size == 0 {
            return if self.hashes.is_empty() && *old_root == empty_log_root() {
                Ok(())
            } else {
                Err(bad)
            };
        }
        if self.hashes.len() != LOG_PATH_SIBLINGS + 1 {
            return Err(bad);
        }
        let k = self.old_size - 1;
        let z = zeros();
        let mut old = self.hashes[0];
        let mut new = self.hashes[0];
        for (h, sib) in self.hashes[1..].chunks_exact(3).enumerate() {
            let sib: &[Fr; 3] = sib.try_into().map_err(|_| bad.clone())?;
            let digit = quad_digit(k, h);
            // Right of the old last leaf's path, the old tree is empty.
            let mut old_sib = *sib;
            for (j, s) in old_sib.iter_mut().enumerate() {
                if j >= digit {
                    *s = z[h];
                }
            }
            old = hash_n(LOG_QUAD_NODE, quad_children(old, digit, &old_sib));
            new = hash_n(LOG_QUAD_NODE, quad_children(new, digit, sib));
        }
        if old == old_root.0 && new == new_root.0 {
            Ok(())
        } else {
            Err(bad)
        }
    }
}

#[cfg(test)]
mod frontier_tests {
    use super::*;

    #[test]
    fn stored_nodes_restore_the_log_without_hashing() {
        let mut log = CommitmentLog::new();
        let mut stored = std::collections::BTreeMap::new();
        for n in 0..37u64 {
            let before = log.len();
            log.append(Commitment(Fr::from(n + 1))).unwrap();
            for (h, i, v) in log.changed_nodes(before) {
                stored.insert((h, i), v);
            }
        }
        let restored =
            CommitmentLog::from_nodes(stored.iter().map(|((h, i), v)| (*h, *i, *v))).unwrap();
        assert_eq!(restored.root(), log.root());
        assert_eq!(restored.len(), 37);
        assert_eq!(restored.root_at(20).unwrap(), log.root_at(20).unwrap());
        // A missing node is refused, not silently hashed around.
        let mut gap = stored.clone();
        gap.remove(&(0, 5));
        assert!(CommitmentLog::from_nodes(gap.iter().map(|((h, i), v)| (*h, *i, *v))).is_err());
        let mut short = stored.clone();
        short.remove(&(1, 9));
        assert!(CommitmentLog::from_nodes(short.iter().map(|((h, i), v)| (*h, *i, *v))).is_err());
        // A version-1 (binary) store has twice the nodes per level above the leaves: refused.
        let mut binary = stored;
        for i in 0..19u64 {
            binary.insert((1, i), Fr::from(i));
        }
        assert!(CommitmentLog::from_nodes(binary.iter().map(|((h, i), v)| (*h, *i, *v))).is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(i: u64) -> Commitment {
        Commitment(crate::poseidon::hash_n(99, [Fr::from(i)]))
    }

    /// Reference root by the definition: all 4^16 positions, hashed lazily (only
    /// non-empty subtrees), with no shared code but the hash and the zero hashes.
    fn reference_root(leaves: &[Fr]) -> Fr {
        fn go(leaves: &[Fr], level: usize, index: u64) -> Fr {
            let span = 1u64 << (2 * level);
            let lo = index * span;
            if lo >= leaves.len() as u64 {
                return zeros()[level];
            }
            if level == 0 {
                return leaves[lo as usize];
            }
            let child = |j: u64| go(leaves, level - 1, 4 * index + j);
            hash_n(LOG_QUAD_NODE, [child(0), child(1), child(2), child(3)])
        }
        go(leaves, LOG_LEVELS, 0)
    }

    #[test]
    fn append_matches_bulk_and_reference() {
        let leaves: Vec<Commitment> = (0..37).map(c).collect();
        let mut log = CommitmentLog::new();
        assert_eq!(log.root(), empty_log_root());
        for (i, l) in leaves.iter().enumerate() {
            assert_eq!(log.append(*l).unwrap(), i as u64);
            let raw: Vec<Fr> = leaves[..=i].iter().map(|x| x.0).collect();
            assert_eq!(log.root().0, reference_root(&raw), "size {}", i + 1);
        }
        assert_eq!(
            CommitmentLog::from_leaves(&leaves).unwrap().root(),
            log.root()
        );
    }

    #[test]
    fn historical_roots_and_proofs() {
        let leaves: Vec<Commitment> = (0..45).map(c).collect();
        let log = CommitmentLog::from_leaves(&leaves).unwrap();
        for size in 0..=45u64 {
            let old = CommitmentLog::from_leaves(&leaves[..size as usize]).unwrap();
            assert_eq!(log.root_at(size).unwrap(), old.root());
            for index in 0..size {
                let p = log.inclusion_proof(index, size).unwrap();
                p.verify(&leaves[index as usize], &old.root()).unwrap();
                assert!(p.verify(&c(1000), &old.root()).is_err());
            }
        }
        assert!(log.inclusion_proof(45, 45).is_err());
        assert!(log.root_at(46).is_err());
    }

    #[test]
    fn consistency_between_all_sizes() {
        let leaves: Vec<Commitment> = (0..33).map(c).collect();
        let log = CommitmentLog::from_leaves(&leaves).unwrap();
        for n in 0..=33u64 {
            for m in 0..=n {
                let p = log.consistency_proof(m, n).unwrap();
                let (ro, rn) = (log.root_at(m).unwrap(), log.root_at(n).unwrap());
                p.verify(&ro, &rn).unwrap();
                if m > 0 && m < n {
                    // A rewritten history is caught.
                    let mut forged = leaves[..n as usize].to_vec();
                    forged[(m - 1) as usize] = c(5000);
                    let forged_root = CommitmentLog::from_leaves(&forged).unwrap().root();
                    assert!(p.verify(&ro, &forged_root).is_err());
                    let mut bad = p.clone();
                    bad.hashes[0] += Fr::from(1u64);
                    assert!(bad.verify(&ro, &rn).is_err());
                }
            }
        }
        assert!(log.consistency_proof(5, 4).is_err());
    }

    #[test]
    fn a_full_log_is_refused() {
        // A real 2^32-leaf log needs 256 GiB; the capacity rule is checked on sizes.
        assert_eq!(ensure_room(LOG_CAPACITY - 2, 2), Ok(LOG_CAPACITY));
        assert!(matches!(
            ensure_room(LOG_CAPACITY - 1, 2),
            Err(Error::TreeFull { .. })
        ));
        assert!(matches!(
            ensure_room(u64::MAX, 1),
            Err(Error::TreeFull { .. })
        ));
    }

    #[test]
    fn a_million_leaves_without_2_pow_32_nodes() {
        let leaves: Vec<Commitment> = (0..(1u64 << 20))
            .map(|i| Commitment(Fr::from(i + 1)))
            .collect();
        let mut log = CommitmentLog::from_leaves(&leaves).unwrap();
        let idx = log.append(c(1)).unwrap();
        let p = log.inclusion_proof(idx, log.len()).unwrap();
        p.verify(&c(1), &log.root()).unwrap();
        let p = log.inclusion_proof(123_456, log.len()).unwrap();
        p.verify(&Commitment(Fr::from(123_457u64)), &log.root())
            .unwrap();
    }
}
