//! The two long-lived Merkle trees: the append-only commitment log and the indexed
//! sanctions tree. Both are fixed-depth Poseidon trees whose empty positions hold the
//! precomputed "zero" subtree hashes, so a tree of `n` leaves stores about `2n` nodes
//! whatever its depth. Both are 4-ary (circuit version 2): the log has 16 levels
//! (`4^16 = 2^32` positions), the sanctions tree 12 (`2^24`), because a 4-to-1 Poseidon
//! (width 5, 297 constraints) plus the digit selection (7) costs 304 constraints per level
//! where two binary levels cost 484: see [`crate::gadgets::merkle`]. Version 1's trees
//! were binary.

pub mod log;
pub mod sanctions;

use crate::field::Fr;
use crate::poseidon::hash_n;
use ark_ff::Zero;

/// Children per node of a 4-ary tree.
pub(crate) const QUAD: usize = 4;

/// Hashes of empty 4-ary subtrees: `z[0] = 0`, `z[h+1] = H(z[h], z[h], z[h], z[h])`.
pub(crate) fn quad_zero_hashes(tag: u64, levels: usize) -> Vec<Fr> {
    let mut z = Vec::with_capacity(levels + 1);
    z.push(Fr::zero());
    for h in 0..levels {
        z.push(hash_n(tag, [z[h]; QUAD]));
    }
    z
}

/// The base-4 digit of `index` at `level` (leaf level 0): the child position 0..=3.
pub(crate) fn quad_digit(index: u64, level: usize) -> usize {
    ((index >> (2 * level)) & 3) as usize
}

/// The four children of a node on a path: the three `siblings` in order with `cur`
/// inserted at position `digit`.
pub(crate) fn quad_children(cur: Fr, digit: usize, siblings: &[Fr; 3]) -> [Fr; QUAD] {
    let mut out = [Fr::zero(); QUAD];
    let mut s = siblings.iter();
    for (i, c) in out.iter_mut().enumerate() {
        *c = if i == digit {
            cur
        } else {
            s.next().copied().unwrap_or_else(Fr::zero)
        };
    }
    out
}

/// Root of a 4-ary tree from a leaf, its position and its siblings (three per level, leaf
/// level first, each level's siblings in child order). `None` if `siblings` is not a
/// whole number of levels.
pub(crate) fn quad_root_from_path(tag: u64, leaf: Fr, index: u64, siblings: &[Fr]) -> Option<Fr> {
    if !siblings.len().is_multiple_of(3) {
        return None;
    }
    let mut cur = leaf;
    for (h, sib) in siblings.chunks_exact(3).enumerate() {
        let sib: &[Fr; 3] = sib.try_into().ok()?;
        cur = hash_n(tag, quad_children(cur, quad_digit(index, h), sib));
    }
    Some(cur)
}

/// The three siblings of position `index` at `level` of a 4-ary tree stored as `levels`
/// (missing nodes are the empty subtree `zeros[level]`), in child order.
pub(crate) fn quad_siblings(levels: &[Vec<Fr>], zeros: &[Fr], index: u64, level: usize) -> [Fr; 3] {
    quad_siblings_by(index, level, |i| {
        usize::try_from(i)
            .ok()
            .and_then(|i| levels[level].get(i))
            .copied()
            .unwrap_or(zeros[level])
    })
}

/// The three siblings of position `index` at `level`, in child order, each read by
/// `node(i)` (the node at index `i` of that level).
pub(crate) fn quad_siblings_by(index: u64, level: usize, node: impl Fn(u64) -> Fr) -> [Fr; 3] {
    let on_path = index >> (2 * level);
    let first = on_path & !3;
    let mut out = [Fr::zero(); 3];
    let others = (first..first + QUAD as u64).filter(|i| *i != on_path);
    for (o, i) in out.iter_mut().zip(others) {
        *o = node(i);
    }
    out
}

/// Fills `levels[1..]` of a 4-ary tree from `levels[0]`, recomputing only the nodes over
/// leaves at or after `from` (a leaf index): everything to their left is unchanged, so an
/// append costs one hash per level. Parallel for big levels.
pub(crate) fn quad_rebuild_levels(tag: u64, levels: &mut [Vec<Fr>], zeros: &[Fr], from: usize) {
    use rayon::prelude::*;
    let mut from = from;
    for h in 1..levels.len() {
        let (lower, upper) = levels.split_at_mut(h);
        let below = &lower[h - 1];
        let this = &mut upper[0];
        let len = below.len().div_ceil(QUAD);
        let start = (from / QUAD).min(this.len());
        this.truncate(start);
        let z = zeros[h - 1];
        let compute = |i: usize| {
            let child = |j: usize| below.get(QUAD * i + j).copied().unwrap_or(z);
            hash_n(tag, [child(0), child(1), child(2), child(3)])
        };
        if len - start > 4096 {
            this.par_extend((start..len).into_par_iter().map(compute));
        } else {
            this.extend((start..len).map(compute));
        }
        from = start;
    }
}

#[cfg(test)]
mod quad_tests {
    use super::*;

    /// A 4-ary tree of up to 3 levels built by hand, checked against the helpers: every
    /// position's path gives the root, and a wrong digit or sibling does not.
    #[test]
    fn paths_of_every_position_give_the_root() {
        let tag = 99;
        let levels_n = 3;
        let zeros = quad_zero_hashes(tag, levels_n);
        for n in [0usize, 1, 3, 4, 5, 16, 17, 63, 64] {
            let leaves: Vec<Fr> = (0..n).map(|i| Fr::from(1000 + i as u64)).collect();
            let mut levels = vec![Vec::new(); levels_n + 1];
            levels[0] = leaves.clone();
            quad_rebuild_levels(tag, &mut levels, &zeros, 0);
            let root = levels[levels_n].first().copied().unwrap_or(zeros[levels_n]);
            // The root by the definition: pad to 64 leaves with zeros, hash fours.
            let mut full: Vec<Fr> = leaves.clone();
            full.resize(64, Fr::zero());
            while full.len() > 1 {
                full = full
                    .chunks_exact(4)
                    .map(|c| hash_n(tag, [c[0], c[1], c[2], c[3]]))
                    .collect();
            }
            assert_eq!(root, full[0], "n = {n}");
            for i in 0..n.max(1) as u64 {
                let leaf = leaves.get(i as usize).copied().unwrap_or(Fr::zero());
                let sibs: Vec<Fr> = (0..levels_n)
                    .flat_map(|h| quad_siblings(&levels, &zeros, i, h))
                    .collect();
                assert_eq!(quad_root_from_path(tag, leaf, i, &sibs), Some(root));
                let other = i ^ 1;
                if n > 1 && leaves.get(other as usize) != Some(&leaf) {
                    assert_ne!(quad_root_from_path(tag, leaf, other, &sibs), Some(root));
                }
                let mut bad = sibs.clone();
                bad[0] += Fr::from(1u64);
                assert_ne!(quad_root_from_path(tag, leaf, i, &bad), Some(root));
            }
            assert_eq!(
                quad_root_from_path(tag, Fr::zero(), 0, &[Fr::zero(); 4]),
                None
            );
        }
    }
}
