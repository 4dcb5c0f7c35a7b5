//! Soundness tests of the three circuits: true statements prove and verify with real
//! Groth16 keys, a changed public input fails verification, and false statements leave
//! the constraint system unsatisfied.

use super::test_support::{keys, prove_and_check_tampering, satisfied};
use super::*;
use crate::commitment::tests::{sample_fields, sample_tree};
use crate::commitment::{CommitmentTree, MasterSalt, Slot, SlotValues};
use crate::field::{Fr, KeyKind, ScreeningKey, Word248};
use crate::trees::log::CommitmentLog;
use crate::trees::sanctions::SanctionsTree;
use ark_ff::Zero;

fn threshold_circuit(
    tree: &CommitmentTree,
    c: crate::commitment::Commitment,
    t: u64,
    currency: u16,
    d: ThresholdDirection,
) -> ThresholdCircuit {
    let opening = tree
        .open_many(&[Slot::FiatValue, Slot::FiatCurrency])
        .unwrap();
    let public = ThresholdPublicInputs {
        commitment: c,
        threshold: t,
        currency,
        direction: d,
    };
    ThresholdCircuit::new(public, &opening).unwrap()
}

#[test]
fn threshold_true_statements_prove_and_tampering_fails() {
    let tree = sample_tree(1); // fiat value 250_000 USD cents
    let (pk, pvk) = keys(ThresholdCircuit::blank(), 1);
    for (t, d) in [
        (250_000, ThresholdDirection::AtOrAbove),
        (100_000, ThresholdDirection::AtOrAbove),
        (0, ThresholdDirection::AtOrAbove),
        (250_001, ThresholdDirection::Below),
        (u64::MAX, ThresholdDirection::Below),
    ] {
        let circuit = threshold_circuit(&tree, tree.commitment(), t, 840, d);
        let public = circuit.public_inputs().to_field_elements();
        assert!(satisfied(circuit.clone()), "T = {t}, {d:?}");
        prove_and_check_tampering(&pk, &pvk, circuit, &public);
    }
}

#[test]
fn threshold_false_statements_are_unsatisfied() {
    let tree = sample_tree(1);
    let c = tree.commitment();
    // One below the threshold, claimed at-or-above.
    assert!(!satisfied(threshold_circuit(
        &tree,
        c,
        250_001,
        840,
        ThresholdDirection::AtOrAbove
    )));
    // Equal to the threshold, claimed below.
    assert!(!satisfied(threshold_circuit(
        &tree,
        c,
        250_000,
        840,
        ThresholdDirection::Below
    )));
    // A currency other than the committed one.
    assert!(!satisfied(threshold_circuit(
        &tree,
        c,
        1_000,
        978,
        ThresholdDirection::AtOrAbove
    )));
    // Slots opened from another commitment.
    let other = sample_tree(2);
    assert!(!satisfied(threshold_circuit(
        &tree,
        other.commitment(),
        1_000,
        840,
        ThresholdDirection::AtOrAbove
    )));

    // Amounts of 2^64 or more, committed by a dishonest committer.
    let two64 = Fr::from(u64::MAX) + Fr::from(1u64);
    for (value, t, d) in [
        (two64 + Fr::from(5u64), 5u64, ThresholdDirection::AtOrAbove),
        (two64, 0, ThresholdDirection::AtOrAbove),
        (-Fr::from(1u64), 10, ThresholdDirection::Below), // "-1" wraps to p - 1
        (-Fr::from(1u64), u64::MAX, ThresholdDirection::Below),
    ] {
        let mut v = *SlotValues::from_fields(&sample_fields(1)).as_array();
        v[Slot::FiatValue.index()] = value;
        let bad = CommitmentTree::new(
            SlotValues::unchecked_for_tests(v),
            &MasterSalt::from_fr(Fr::from(7u64)),
        );
        assert!(
            !satisfied(threshold_circuit(&bad, bad.commitment(), t, 840, d)),
            "value {value}, T {t}, {d:?}"
        );
    }
}

fn committed_setup() -> (CommitmentTree, CommitmentLog, u64) {
    let tree = sample_tree(3);
    let mut log = CommitmentLog::new();
    for i in 0..7 {
        log.append(sample_tree(100 + i).commitment()).unwrap();
    }
    let index = log.append(tree.commitment()).unwrap();
    log.append(sample_tree(200).commitment()).unwrap();
    (tree, log, index)
}

fn committed_public(tree: &CommitmentTree, log: &CommitmentLog) -> CommittedPublicInputs {
    let f = sample_fields(3);
    CommittedPublicInputs {
        commitment: tree.commitment(),
        log_root: log.root(),
        asset_id: f.asset_id,
        asset_amount: f.asset_amount,
        beneficiary_address_key: f.beneficiary_address_key,
    }
}

fn committed_circuit(
    tree: &CommitmentTree,
    public: CommittedPublicInputs,
    proof: &crate::trees::log::InclusionProof,
) -> CommittedCircuit {
    let opening = tree
        .open_many(&[
            Slot::AssetAmount,
            Slot::AssetId,
            Slot::BeneficiaryAddressKey,
        ])
        .unwrap();
    CommittedCircuit::new(public, &opening, proof).unwrap()
}

#[test]
fn committed_true_statement_proves_and_tampering_fails() {
    let (tree, log, index) = committed_setup();
    let proof = log.inclusion_proof(index, log.len()).unwrap();
    let circuit = committed_circuit(&tree, committed_public(&tree, &log), &proof);
    assert!(satisfied(circuit.clone()));
    let (pk, pvk) = keys(CommittedCircuit::blank(), 2);
    let public = circuit.public_inputs().to_field_elements();
    prove_and_check_tampering(&pk, &pvk, circuit, &public);
}

#[test]
fn committed_false_statements_are_unsatisfied() {
    let (tree, log, index) = committed_setup();
    let proof = log.inclusion_proof(index, log.len()).unwrap();
    let public = committed_public(&tree, &log);

    // A commitment that is not in the log (the path of another leaf's position).
    let stranger = sample_tree(3_000);
    let mut p = public;
    p.commitment = stranger.commitment();
    assert!(!satisfied(committed_circuit(&stranger, p, &proof)));

    // A path to another root: C is in another log, but the public root is this log's.
    let mut other_log = CommitmentLog::new();
    other_log.append(tree.commitment()).unwrap();
    let other_proof = other_log.inclusion_proof(0, 1).unwrap();
    assert!(!satisfied(committed_circuit(&tree, public, &other_proof)));
    // ... and the honest statement about the other log holds.
    let mut q = public;
    q.log_root = other_log.root();
    assert!(satisfied(committed_circuit(&tree, q, &other_proof)));

    // A wrong position for the right path.
    let mut moved = proof.clone();
    moved.index ^= 1;
    assert!(!satisfied(committed_circuit(&tree, public, &moved)));

    // On-chain facts other than the committed ones.
    let mut p = public;
    p.asset_amount += 1;
    assert!(!satisfied(committed_circuit(&tree, p, &proof)));
    let mut p = public;
    p.asset_id = Word248::new(Fr::from(0u64)).unwrap();
    assert!(!satisfied(committed_circuit(&tree, p, &proof)));
    let mut p = public;
    p.beneficiary_address_key = ScreeningKey::derive(KeyKind::Address, "eth:0xdef");
    assert!(!satisfied(committed_circuit(&tree, p, &proof)));
}

/// `committed/v2`'s 4-ary log path: a wrong digit at the lowest or the highest level, an
/// empty position, and the edge positions 0 and `2^32 - 1`.
#[test]
fn committed_v2_position_digits_empty_positions_and_edges() {
    use crate::domain::LOG_QUAD_NODE;
    use crate::trees::log::{InclusionProof, LOG_CAPACITY, LOG_PATH_SIBLINGS, LogRoot};
    let (tree, log, index) = committed_setup();
    let proof = log.inclusion_proof(index, log.len()).unwrap();
    let public = committed_public(&tree, &log);
    assert_eq!(index, 7); // digits 3, 1, 0, ...
    assert!(satisfied(committed_circuit(&tree, public, &proof)));
    // Every other digit at the lowest level, and non-zero digits at the highest.
    for other in [
        4u64,
        5,
        6,
        3,
        11,
        15,
        7 | (1 << 30),
        7 | (2 << 30),
        7 | (3 << 30),
    ] {
        let mut moved = proof.clone();
        moved.index = other;
        moved.size = LOG_CAPACITY;
        assert!(
            !satisfied(committed_circuit(&tree, public, &moved)),
            "position {other}"
        );
    }
    // An empty position (after the last leaf) with its honest siblings: the leaf there is
    // 0, not C.
    let empty = log.inclusion_proof(log.len() - 1, log.len()).unwrap();
    let mut at_empty = empty.clone();
    at_empty.index = log.len();
    assert!(!satisfied(committed_circuit(&tree, public, &at_empty)));
    // The edge positions: a log root made for C at 2^32 - 1 (and at 0) is reached from
    // there and from nowhere else.
    let siblings: Vec<Fr> = (0..LOG_PATH_SIBLINGS as u64)
        .map(|i| Fr::from(1_000 + i))
        .collect();
    for edge in [0u64, LOG_CAPACITY - 1] {
        let root =
            crate::trees::quad_root_from_path(LOG_QUAD_NODE, tree.commitment().0, edge, &siblings)
                .unwrap();
        let mut p = public;
        p.log_root = LogRoot(root);
        let at = |index| InclusionProof {
            index,
            size: LOG_CAPACITY,
            siblings: siblings.clone(),
        };
        assert!(satisfied(committed_circuit(&tree, p, &at(edge))), "{edge}");
        assert!(!satisfied(committed_circuit(&tree, p, &at(edge ^ 1))));
        assert!(!satisfied(committed_circuit(
            &tree,
            p,
            &at(edge ^ (3 << 30))
        )));
    }
}

struct SanctionsFixture {
    set: SanctionsTree,
}

fn sanctions_fixture() -> SanctionsFixture {
    let keys = (0..300).map(|i| ScreeningKey::derive(KeyKind::Name, &format!("LISTED {i}")));
    SanctionsFixture {
        set: SanctionsTree::build(keys).unwrap(),
    }
}

/// A transfer whose beneficiary name key is `name` (and id key `id`).
fn transfer_with_beneficiary(name: Fr, id: Option<Fr>) -> CommitmentTree {
    let mut v = *SlotValues::from_fields(&sample_fields(9)).as_array();
    v[Slot::BeneficiaryNameKey.index()] = name;
    v[Slot::BeneficiaryIdKey.index()] = id.unwrap_or_else(Fr::zero);
    CommitmentTree::new(
        SlotValues::unchecked_for_tests(v),
        &MasterSalt::from_fr(Fr::from(11u64)),
    )
}

fn ns_circuit(
    tree: &CommitmentTree,
    root: crate::trees::sanctions::SanctionsRoot,
    party: Party,
    leaves: Vec<crate::trees::sanctions::LeafWitness>,
) -> NotSanctionedCircuit {
    let slots: Vec<Slot> = party.key_slots().iter().map(|k| k.0).collect();
    let opening = tree.open_many(&slots).unwrap();
    let public = NotSanctionedPublicInputs {
        commitment: tree.commitment(),
        sanctions_root: root,
        party,
    };
    NotSanctionedCircuit::new(public, &opening, leaves).unwrap()
}

/// Honest witnesses: non-membership for non-zero keys, the sentinel for zero id keys.
fn honest_leaves(
    set: &SanctionsTree,
    tree: &CommitmentTree,
    party: Party,
) -> Vec<crate::trees::sanctions::LeafWitness> {
    party
        .key_slots()
        .iter()
        .map(|(s, _)| {
            let v = tree.values().get(*s);
            if v.is_zero() {
                set.leaf_witness(0).unwrap()
            } else {
                set.non_membership_witness(&ScreeningKey::new(v).unwrap())
                    .unwrap()
            }
        })
        .collect()
}

#[test]
fn not_sanctioned_true_statements_prove_and_tampering_fails() {
    let f = sanctions_fixture();
    let tree = sample_tree(9); // originator has an id key, beneficiary has none
    for party in [Party::Originator, Party::Beneficiary] {
        let circuit = ns_circuit(
            &tree,
            f.set.root(),
            party,
            honest_leaves(&f.set, &tree, party),
        );
        assert!(satisfied(circuit.clone()), "{party:?}");
        let (pk, pvk) = keys(NotSanctionedCircuit::blank(party), 3);
        let public = circuit.public_inputs().to_field_elements();
        prove_and_check_tampering(&pk, &pvk, circuit, &public);
    }
}

#[test]
fn not_sanctioned_false_statements_are_unsatisfied() {
    let f = sanctions_fixture();
    let set = &f.set;
    let n = set.len();
    let root = set.root();
    let party = Party::Beneficiary;
    let others = |tree: &CommitmentTree| honest_leaves(set, tree, party);

    // A listed key (the smallest, the largest, one in the middle): neither the leaf that
    // starts at the key (low = key) nor its predecessor (next = key) proves it absent.
    for j in [0, n / 2, n - 1] {
        let listed = set.keys()[j];
        let tree = transfer_with_beneficiary(listed.to_fr(), None);
        for leaf_index in [j, j + 1] {
            let mut leaves = others(&transfer_with_beneficiary(Fr::from(5u64), None));
            leaves[0] = set.leaf_witness(leaf_index).unwrap();
            assert!(
                !satisfied(ns_circuit(&tree, root, party, leaves)),
                "listed key {j}, leaf {leaf_index}"
            );
        }
        // The same key in the id slot is caught too.
        let tree = transfer_with_beneficiary(Fr::from(5u64), Some(listed.to_fr()));
        let mut leaves = others(&transfer_with_beneficiary(Fr::from(5u64), None));
        leaves[1] = set.leaf_witness(j).unwrap();
        assert!(!satisfied(ns_circuit(&tree, root, party, leaves)));
    }

    // An unlisted key with a low leaf that is not its predecessor (a leaf skipped either way).
    let unlisted = ScreeningKey::derive(KeyKind::Name, "NOT LISTED");
    let tree = transfer_with_beneficiary(unlisted.to_fr(), None);
    let honest = others(&tree);
    assert!(satisfied(ns_circuit(&tree, root, party, honest.clone())));
    let i = honest[0].index as usize;
    for wrong in [i.wrapping_sub(1), i + 1] {
        if wrong <= n {
            let mut leaves = honest.clone();
            leaves[0] = set.leaf_witness(wrong).unwrap();
            assert!(
                !satisfied(ns_circuit(&tree, root, party, leaves)),
                "leaf {wrong} instead of {i}"
            );
        }
    }

    // A name key of 0 (with the sentinel leaf (0, k_1)).
    let tree = transfer_with_beneficiary(Fr::zero(), None);
    let mut leaves = others(&transfer_with_beneficiary(Fr::from(5u64), None));
    leaves[0] = set.leaf_witness(0).unwrap();
    assert!(!satisfied(ns_circuit(&tree, root, party, leaves)));

    // A key of 2^248 or more is never accepted, even with a leaf that brackets it.
    let big = -Fr::from(1u64);
    let tree = transfer_with_beneficiary(big, None);
    let mut leaves = others(&transfer_with_beneficiary(Fr::from(5u64), None));
    leaves[0] = set.leaf_witness(n).unwrap();
    assert!(!satisfied(ns_circuit(&tree, root, party, leaves)));

    // A leaf proven against another set's root.
    let other = SanctionsTree::build(
        (0..10).map(|i| ScreeningKey::derive(KeyKind::Name, &format!("OTHER {i}"))),
    )
    .unwrap();
    let tree = transfer_with_beneficiary(set.keys()[7].to_fr(), None);
    let leaves = honest_leaves(&other, &tree, party);
    assert!(satisfied(ns_circuit(
        &tree,
        other.root(),
        party,
        leaves.clone()
    )));
    assert!(!satisfied(ns_circuit(&tree, root, party, leaves)));
}

/// v2's 4-ary paths: an honest leaf claimed at any other digit of its lowest or highest
/// level, an empty position dressed as a leaf `(0, 0)` "between 0 and infinity", and the
/// edge keys (1, below every listed key; `2^248 - 1`, above every one) proven with the
/// sentinel and the last leaf, and refused with the other edge's leaf.
#[test]
fn not_sanctioned_v2_position_digits_empty_positions_and_edge_keys() {
    use crate::trees::sanctions::{SANCTIONS_CAPACITY, SANCTIONS_LEVELS};
    let f = sanctions_fixture();
    let set = &f.set;
    let n = set.len();
    let root = set.root();
    let party = Party::Beneficiary;
    let unlisted = ScreeningKey::derive(KeyKind::Name, "NOT LISTED EITHER");
    let tree = transfer_with_beneficiary(unlisted.to_fr(), None);
    let honest = honest_leaves(set, &tree, party);
    assert!(satisfied(ns_circuit(&tree, root, party, honest.clone())));

    // Wrong digits: the same leaf and siblings at every other digit of level 0 and of
    // the top level.
    let index = honest[0].index;
    for level in [0, SANCTIONS_LEVELS - 1] {
        let shift = 2 * level as u32;
        let digit = (index >> shift) & 3;
        for other in (0..4u32).filter(|d| *d != digit) {
            let mut leaves = honest.clone();
            leaves[0].index = (index & !(3 << shift)) | (other << shift);
            assert!(
                !satisfied(ns_circuit(&tree, root, party, leaves)),
                "level {level}: digit {other} instead of {digit}"
            );
        }
    }

    // Empty positions after the last leaf (the next one, one in the next 4-block, the
    // very last position) cannot pass for a leaf (0, 0).
    for empty in [n as u64 + 1, n as u64 + 5, SANCTIONS_CAPACITY - 1] {
        let mut leaves = honest.clone();
        leaves[0] = crate::trees::sanctions::LeafWitness {
            index: empty as u32,
            low: Fr::zero(),
            next: Fr::zero(),
            siblings: set.path_siblings(empty),
        };
        assert!(
            !satisfied(ns_circuit(&tree, root, party, leaves)),
            "empty position {empty}"
        );
    }

    // Edge keys: the smallest and the largest key a slot can hold.
    let smallest = Fr::from(1u64);
    let largest = Word248::from_digest_prefix(&[0xff; 32]).to_fr();
    for (key, leaf, wrong) in [(smallest, 0, n), (largest, n, 0)] {
        let tree = transfer_with_beneficiary(key, None);
        let mut leaves = honest_leaves(set, &tree, party);
        assert_eq!(leaves[0].index as usize, leaf);
        assert!(satisfied(ns_circuit(&tree, root, party, leaves.clone())));
        leaves[0] = set.leaf_witness(wrong).unwrap();
        assert!(!satisfied(ns_circuit(&tree, root, party, leaves)));
    }
}

/// The constraint counts are pinned: a count that grows is a regression.
#[test]
fn constraint_counts_are_pinned() {
    let table = constraint_table().unwrap();
    for s in &table {
        eprintln!(
            "{:<32} {:>7} constraints {:>2} public {:>6} witness",
            s.id.as_str(),
            s.constraints,
            s.public_inputs,
            s.witness_variables
        );
        assert_eq!(s.public_inputs, s.id.public_input_count());
        let pinned = match s.id {
            CircuitId::Threshold => 1_914,
            CircuitId::ThresholdV2 => 4_604,
            CircuitId::Committed => 7_080,
            CircuitId::NotSanctionedOriginator => 10_760,
            CircuitId::NotSanctionedBeneficiary => 16_377,
        };
        assert_eq!(
            s.constraints, pinned,
            "{}: constraint count changed; update README and this pin only if intended",
            s.id
        );
        // The QAP domain decides the FFT and H-MSM sizes. The beneficiary's v2 circuit
        // fits 2^14 with 3 constraints to spare (v1 needed 2^15): 4 more double its FFTs.
        // committed/v2 fits 2^13 (v1 needed 2^14).
        let domain = match s.id {
            CircuitId::Threshold => 1 << 11,
            CircuitId::ThresholdV2 | CircuitId::Committed => 1 << 13,
            CircuitId::NotSanctionedOriginator | CircuitId::NotSanctionedBeneficiary => 1 << 14,
        };
        assert_eq!(s.qap_domain(), domain, "{}: QAP domain changed", s.id);
    }
}
