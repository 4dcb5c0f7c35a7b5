//! Every signature domain, once.
//!
//! Each kind of signed record signs `domain || 0x00 || fields` (length-prefixed, see the
//! record's module), never JSON. The domain names the record kind and its version, so a
//! signature made for one kind can never verify as another, even under the same key (a
//! node's log key may also sign receipts). This is the signature twin of
//! `zktr_circuits::domain`, the table of hash tags.
//!
//! | domain | record | module |
//! | --- | --- | --- |
//! | `zktr.tree-head.v2` | a commitment log's signed tree head (of the 4-ary log, tree version 2) | [`crate::tree_head`] |
//! | `zktr.tree-head.v1` | retired: a head of the binary log of version 1 (recognized only to refuse it by name) | [`crate::tree_head`] |
//! | `zktr.sanctions-root.v2` | a list publisher's signed sanctions root (of the 4-ary tree, tree version 2) | [`crate::sanctions_root`] |
//! | `zktr.sanctions-root.v1` | retired: a root of the binary tree of version 1 (recognized only to refuse it by name) | [`crate::sanctions_root`] |
//! | `zktr.receipt.v1` | a beneficiary's countersigned receipt | [`crate::receipt`] |
//! | `zktr.clearance.v1` | a compliance officer's clearance of a screening hit | [`crate::clearance`] |
//! | `zktr.price-quote.v1` | a price publisher's signed quote of an asset's price | [`crate::price_quote`] |
//! | `zktr.regulator-audit.v1` | the signed head of a node's audit log of regulator requests | [`crate::audit_log`] |
//!
//! A domain, once used, is never reused for a different layout or meaning: a new one gets
//! `v2` (the sanctions root and the tree head went to `v2` when the trees they name became
//! 4-ary).

/// Signed tree heads of a commitment log (roots of the 4-ary log, version 2).
pub const TREE_HEAD: &[u8] = b"zktr.tree-head.v2";
/// The retired domain of heads of the binary commitment log (version 1).
pub const RETIRED_TREE_HEAD_V1: &[u8] = b"zktr.tree-head.v1";
/// Signed sanctions roots of a list publisher (roots of the 4-ary tree, version 2).
pub const SANCTIONS_ROOT: &[u8] = b"zktr.sanctions-root.v2";
/// The retired domain of roots of the binary sanctions tree (version 1).
pub const RETIRED_SANCTIONS_ROOT_V1: &[u8] = b"zktr.sanctions-root.v1";
/// Receipts countersigned by a beneficiary VASP.
pub const RECEIPT: &[u8] = b"zktr.receipt.v1";
/// A compliance officer's clearance of a screening hit.
pub const CLEARANCE: &[u8] = b"zktr.clearance.v1";
/// A price publisher's signed quote.
pub const PRICE_QUOTE: &[u8] = b"zktr.price-quote.v1";

/// The signed head of a node's audit log of regulator requests.
pub const REGULATOR_AUDIT: &[u8] = b"zktr.regulator-audit.v1";

/// Every domain, for the distinctness test.
#[cfg(test)]
pub(crate) const ALL: [(&str, &[u8]); 8] = [
    ("tree head", TREE_HEAD),
    ("retired tree head v1", RETIRED_TREE_HEAD_V1),
    ("sanctions root", SANCTIONS_ROOT),
    ("retired sanctions root v1", RETIRED_SANCTIONS_ROOT_V1),
    ("receipt", RECEIPT),
    ("clearance", CLEARANCE),
    ("price quote", PRICE_QUOTE),
    ("regulator audit head", REGULATOR_AUDIT),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_distinct_and_none_is_a_prefix_of_another() {
        for (i, (a_name, a)) in ALL.iter().enumerate() {
            assert!(
                a.starts_with(b"zktr.") && (a.ends_with(b".v1") || a.ends_with(b".v2")),
                "{a_name}"
            );
            assert!(
                !a.contains(&0),
                "{a_name}: the 0x00 separator must not occur"
            );
            for (b_name, b) in &ALL[i + 1..] {
                assert_ne!(a, b, "{a_name} and {b_name}");
                assert!(
                    !a.starts_with(b) && !b.starts_with(a),
                    "{a_name} / {b_name}"
                );
            }
        }
    }
}
