//! The two long-lived Merkle trees: the append-only commitment log and the indexed
//! sanctions tree. Both are fixed-depth binary Poseidon trees whose empty positions hold
//! the precomputed "zero" subtree hashes, so a tree of `n` leaves stores about `2n` nodes
//! whatever its depth.

pub mod log;
pub mod sanctions;

use crate::field::Fr;
use crate::poseidon::hash2;
use ark_ff::Zero;

/// Hashes of empty subtrees: `z[0] = 0` (an empty leaf), `z[h+1] = H(z[h], z[h])`.
pub(crate) fn zero_hashes(tag: u64, depth: usize) -> Vec<Fr> {
    let mut z = Vec::with_capacity(depth + 1);
    z.push(Fr::zero());
    for h in 0..depth {
        z.push(hash2(tag, z[h], z[h]));
    }
    z
}

/// Root from a leaf, its position and its siblings (leaf level first).
pub(crate) fn root_from_path(tag: u64, leaf: Fr, index: u64, siblings: &[Fr]) -> Fr {
    let mut cur = leaf;
    for (h, sib) in siblings.iter().enumerate() {
        cur = if (index >> h) & 1 == 0 {
            hash2(tag, cur, *sib)
        } else {
            hash2(tag, *sib, cur)
        };
    }
    cur
}

/// Fills `levels[1..]` from `levels[0]`, recomputing only nodes at positions at or after
/// `from` (a leaf index): everything to its left is unchanged. Parallel for big levels.
pub(crate) fn rebuild_levels(tag: u64, levels: &mut [Vec<Fr>], zeros: &[Fr], from: usize) {
    use rayon::prelude::*;
    let mut from = from;
    for h in 1..levels.len() {
        let (lower, upper) = levels.split_at_mut(h);
        let below = &lower[h - 1];
        let this = &mut upper[0];
        let len = below.len().div_ceil(2);
        let start = (from / 2).min(this.len());
        this.truncate(start);
        let z = zeros[h - 1];
        let compute = |i: usize| {
            let l = below[2 * i];
            let r = below.get(2 * i + 1).copied().unwrap_or(z);
            hash2(tag, l, r)
        };
        if len - start > 4096 {
            let fresh: Vec<Fr> = (start..len).into_par_iter().map(compute).collect();
            this.extend(fresh);
        } else {
            this.extend((start..len).map(compute));
        }
        from = start;
    }
}
