//! The domain-separation table: every use of Poseidon in zktr has its own tag.
//!
//! A tag is placed in the capacity element of the Poseidon state (`state[0]`), exactly
//! where circomlib's `PoseidonEx(nInputs, nOuts)` puts its `initialState` input, and where
//! circomlibjs' `poseidon(inputs, initState)` puts its second argument. So a circom or
//! circomlibjs user recomputes any zktr hash as `PoseidonEx` / `poseidon(inputs, TAG)`.
//! Tagging the capacity costs nothing in-circuit (the first S-box of a constant is free),
//! unlike a tag passed as an extra input, which would widen the permutation.
//!
//! The plain circomlib `Poseidon(n)` (tag 0) is never used by zktr's own structures, so
//! none of our hashes can be confused with an untagged circom hash either.
//!
//! | tag | name | inputs | where |
//! |---:|---|---|---|
//! | 1 | [`SLOT_SALT`] | (master_salt, slot) | per-slot salt of the transfer commitment |
//! | 2 | [`FIELD_LEAF`] | (slot, value, salt) | leaf of the transfer commitment tree |
//! | 3 | [`FIELD_NODE`] | (left, right) | inner node of the transfer commitment tree; its root is `C` |
//! | 4 | retired | (left, right) | inner node of the binary commitment log of circuit v1; never reused |
//! | 5 | [`SANCTIONS_LEAF`] | (low_key, next_key) | leaf of the indexed sanctions tree |
//! | 6 | retired | (left, right) | inner node of the binary sanctions tree of circuit v1; never reused |
//! | 7 | [`SANCTIONS_QUAD_NODE`] | (c0, c1, c2, c3) | inner node of the 4-ary indexed sanctions tree (v2) |
//! | 8 | [`LOG_QUAD_NODE`] | (c0, c1, c2, c3) | inner node of the 4-ary commitment log (v2); log leaves are `C` itself |
//!
//! Screening keys are not Poseidon hashes: they are SHA-256 based and tagged by
//! [`SCREENING_KEY_PREFIX`] and the key kind (see [`crate::field::ScreeningKey`]).
//!
//! Log leaves are the commitments themselves. A commitment is already the output of a
//! [`FIELD_NODE`] hash, so it can never be taken for a [`LOG_QUAD_NODE`] output, and every
//! log path in and out of a circuit has the fixed 16 levels, so no inner node can be
//! presented as a leaf. Hashing `C` once more would cost 213 constraints in every `committed` proof
//! and buy nothing.

/// Tag of the per-slot salt derivation `salt_i = PoseidonEx([master_salt, i], SLOT_SALT)`.
pub const SLOT_SALT: u64 = 1;
/// Tag of a commitment-tree leaf `PoseidonEx([i, value_i, salt_i], FIELD_LEAF)`.
pub const FIELD_LEAF: u64 = 2;
/// Tag of a commitment-tree inner node `PoseidonEx([left, right], FIELD_NODE)`.
pub const FIELD_NODE: u64 = 3;
/// Tag 4 was the binary commitment-log node of `committed/v1`; it is retired, so a v1 log
/// root can never be taken for a v2 node (the widths differ too).
pub const RETIRED_LOG_BINARY_NODE: u64 = 4;
/// Tag of a sanctions-tree leaf `PoseidonEx([low, next], SANCTIONS_LEAF)`.
pub const SANCTIONS_LEAF: u64 = 5;
/// Tag 6 was the binary sanctions-tree node of `not_sanctioned/v1`; it is retired, so a
/// v1 root can never be taken for a v2 node (the widths differ too).
pub const RETIRED_SANCTIONS_BINARY_NODE: u64 = 6;
/// Tag of a sanctions-tree inner node `PoseidonEx([c0, c1, c2, c3], SANCTIONS_QUAD_NODE)`.
pub const SANCTIONS_QUAD_NODE: u64 = 7;
/// Tag of a commitment-log inner node `PoseidonEx([c0, c1, c2, c3], LOG_QUAD_NODE)`.
pub const LOG_QUAD_NODE: u64 = 8;

/// Prefix of the SHA-256 input that derives a screening key (followed by a zero byte, the
/// key-kind byte, and the normalized UTF-8 text).
pub const SCREENING_KEY_PREFIX: &[u8] = b"zktr.screening-key.v1";
/// Prefix of the SHA-256 input that derives the payload digest of slot 10.
pub const PAYLOAD_DIGEST_PREFIX: &[u8] = b"zktr.payload-digest.v1";

/// All Poseidon tags with their names, for documentation and for the tests that check the
/// tags are pairwise distinct.
pub const ALL_TAGS: [(&str, u64); 8] = [
    ("slot_salt", SLOT_SALT),
    ("field_leaf", FIELD_LEAF),
    ("field_node", FIELD_NODE),
    ("retired_log_binary_node", RETIRED_LOG_BINARY_NODE),
    ("sanctions_leaf", SANCTIONS_LEAF),
    (
        "retired_sanctions_binary_node",
        RETIRED_SANCTIONS_BINARY_NODE,
    ),
    ("sanctions_quad_node", SANCTIONS_QUAD_NODE),
    ("log_quad_node", LOG_QUAD_NODE),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_distinct_and_nonzero() {
        for (i, (na, a)) in ALL_TAGS.iter().enumerate() {
            assert_ne!(*a, 0, "{na} must not be the untagged circomlib Poseidon");
            for (nb, b) in &ALL_TAGS[i + 1..] {
                assert_ne!(a, b, "{na} and {nb} share a tag");
            }
        }
    }
}
