//! Soundness tests of `priced_threshold`: true statements prove and verify with real
//! Groth16 keys and a changed public input fails verification; witnesses of false
//! statements (a fiat value off by one, a zero denominator, a wrap modulo the field, a
//! commitment time outside the quote's window, another asset or currency, another
//! commitment) leave the constraint system unsatisfied.

use super::test_support::{keys, prove_and_check_tampering, satisfied};
use super::*;
use crate::commitment::tests::sample_fields;
use crate::commitment::{CommitmentTree, MasterSalt, MultiOpening, Slot, SlotValues};
use crate::error::Error;
use crate::field::{Fr, Word248};
use ark_ff::Field;
use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};

/// Commitment time of `sample_fields`.
const NOW: u64 = 1_763_500_000;
const E18: u64 = 1_000_000_000_000_000_000;
const USD: u16 = 840;
/// SLIP-0044 coin type of `sample_fields`' asset (ETH).
const ETH: u64 = 60;

/// A price quote for ETH in USD cents per wei.
#[derive(Clone, Copy, Debug)]
struct Quote {
    num: u64,
    den: u64,
    valid_from: u64,
    valid_until: u64,
}

/// 3,000.00 USD per ETH, valid for five minutes either side of `NOW`.
const ETH_3000: Quote = Quote {
    num: 300_000,
    den: E18,
    valid_from: NOW - 300,
    valid_until: NOW + 300,
};

/// A commitment like sample 1's with these slot 1, 3 and 14 values (any field elements,
/// for dishonest committers too).
fn tree_with(fiat: Fr, amount: Fr, at: Fr) -> CommitmentTree {
    let mut v = *SlotValues::from_fields(&sample_fields(1)).as_array();
    v[Slot::FiatValue.index()] = fiat;
    v[Slot::AssetAmount.index()] = amount;
    v[Slot::CommittedAt.index()] = at;
    CommitmentTree::new(
        SlotValues::unchecked_for_tests(v),
        &MasterSalt::from_fr(Fr::from(17u64)),
    )
}

/// An honest commitment: the fiat value is the one the quote gives, committed at `at`.
fn honest_tree(amount: u128, q: Quote, at: u64) -> CommitmentTree {
    let fiat = fiat_value_from_price(amount, q.num, q.den).expect("the value fits");
    tree_with(Fr::from(fiat), Fr::from(amount), Fr::from(at))
}

fn opening(tree: &CommitmentTree) -> MultiOpening {
    tree.open_many(&[
        Slot::FiatValue,
        Slot::FiatCurrency,
        Slot::AssetAmount,
        Slot::AssetId,
        Slot::CommittedAt,
    ])
    .unwrap()
}

fn public(
    tree: &CommitmentTree,
    t: u64,
    d: ThresholdDirection,
    q: Quote,
) -> PricedThresholdPublicInputs {
    PricedThresholdPublicInputs {
        commitment: tree.commitment(),
        threshold: t,
        currency: USD,
        direction: d,
        asset_id: Word248::new(Fr::from(ETH)).unwrap(),
        price_num: q.num,
        price_den: q.den,
        valid_from: q.valid_from,
        valid_until: q.valid_until,
    }
}

fn circuit(
    tree: &CommitmentTree,
    t: u64,
    d: ThresholdDirection,
    q: Quote,
) -> PricedThresholdCircuit {
    PricedThresholdCircuit::new(public(tree, t, d, q), &opening(tree)).unwrap()
}

/// `(amount * num) mod den` in the test's own arithmetic (the amounts here are small
/// enough for u128).
fn rem_u128(amount: u128, q: Quote) -> u128 {
    amount * u128::from(q.num) % u128::from(q.den)
}

#[test]
fn priced_threshold_true_statements_prove_and_tampering_fails() {
    use ThresholdDirection::{AtOrAbove, Below};
    let (pk, pvk) = keys(PricedThresholdCircuit::blank(), 7);
    let odd = 1_500_000_000_000_000_123u128; // 450,000.0000369 cents: rem > 0
    assert_eq!(rem_u128(1_500_000_000_000_000_000, ETH_3000), 0);
    assert_ne!(rem_u128(odd, ETH_3000), 0);
    let starts_now = Quote {
        valid_from: NOW,
        valid_until: NOW + 600,
        ..ETH_3000
    };
    let ends_now = Quote {
        valid_from: NOW - 600,
        valid_until: NOW,
        ..ETH_3000
    };
    let only_now = Quote {
        valid_from: NOW,
        valid_until: NOW,
        ..ETH_3000
    };
    // The largest fiat value (2^64 - 1) with the largest remainder (den - 1 = 2^64 - 2).
    let extreme = Quote {
        num: 1,
        den: u64::MAX,
        ..ETH_3000
    };
    let extreme_amount = u128::from(u64::MAX) * u128::from(u64::MAX) + u128::from(u64::MAX) - 1;
    assert_eq!(
        fiat_value_from_price(extreme_amount, 1, u64::MAX),
        Some(u64::MAX)
    );
    for (amount, q, t, d) in [
        // rem = 0, at the threshold exactly.
        (1_500_000_000_000_000_000, ETH_3000, 450_000, AtOrAbove),
        // rem = 0, below.
        (1_500_000_000_000_000_000, ETH_3000, 450_001, Below),
        // rem > 0, committed at the first second of the window.
        (odd, starts_now, 100_000, AtOrAbove),
        // rem > 0, committed at the last second of the window.
        (odd, ends_now, 1_000_000, Below),
        // A window of one second.
        (odd, only_now, 450_000, AtOrAbove),
        (extreme_amount, extreme, u64::MAX, AtOrAbove),
        (extreme_amount, extreme, 0, AtOrAbove),
    ] {
        let tree = honest_tree(amount, q, NOW);
        let c = circuit(&tree, t, d, q);
        let public = c.public_inputs().to_field_elements();
        assert_eq!(
            PricedThresholdPublicInputs::from_field_elements(&public),
            Ok(*c.public_inputs())
        );
        assert!(satisfied(c.clone()), "{amount} at {q:?}, T = {t}, {d:?}");
        prove_and_check_tampering(&pk, &pvk, c, &public);
    }
}

#[test]
fn priced_threshold_fiat_value_off_by_one_is_unsatisfied() {
    let small_den = Quote {
        num: 5,
        den: 7,
        ..ETH_3000
    };
    for (amount, q) in [
        (1_500_000_000_000_000_000u128, ETH_3000),
        (1_500_000_000_000_000_123, ETH_3000),
        (1_000_003, small_den),
    ] {
        let honest = fiat_value_from_price(amount, q.num, q.den).unwrap();
        assert!(satisfied(circuit(
            &honest_tree(amount, q, NOW),
            0,
            ThresholdDirection::AtOrAbove,
            q
        )));
        for fiat in [honest + 1, honest - 1] {
            let tree = tree_with(Fr::from(fiat), Fr::from(amount), Fr::from(NOW));
            let p = public(&tree, 0, ThresholdDirection::AtOrAbove, q);
            // The remainder `new` computes: the equation fails.
            let c = PricedThresholdCircuit::new(p, &opening(&tree)).unwrap();
            assert!(!satisfied(c), "fiat {fiat} (honest {honest}), rem of new");
            // The remainder that makes the equation hold in the field: `rem - den` (a field
            // negative) for one more, `rem + den` (not below den) for one less. Only the
            // range checks on rem catch them.
            let rem = Fr::from(amount) * Fr::from(q.num) - Fr::from(fiat) * Fr::from(q.den);
            let expected = if fiat > honest {
                Fr::from(rem_u128(amount, q)) - Fr::from(q.den)
            } else {
                Fr::from(rem_u128(amount, q)) + Fr::from(q.den)
            };
            assert_eq!(rem, expected);
            let c = PricedThresholdCircuit::with_remainder(p, &opening(&tree), rem).unwrap();
            assert!(!satisfied(c), "fiat {fiat} (honest {honest}), rem {rem}");
        }
    }
}

#[test]
fn priced_threshold_zero_denominator_is_unsatisfied() {
    // With den = 0 the equation is `rem = amount * num` for any fiat value.
    let q = Quote {
        num: 3,
        den: 0,
        ..ETH_3000
    };
    let tree = tree_with(Fr::from(1_000_000_000u64), Fr::from(10u64), Fr::from(NOW));
    let p = public(&tree, 1_000_000_000, ThresholdDirection::AtOrAbove, q);
    assert_eq!(
        PricedThresholdCircuit::new(p, &opening(&tree)).unwrap_err(),
        Error::PublicInputInvalid {
            circuit: "priced_threshold",
            input: "price_den",
            reason: "must be in 1..2^64",
        }
    );
    for rem in [Fr::from(30u64), Fr::from(0u64), -Fr::from(1u64)] {
        let c = PricedThresholdCircuit::with_remainder(p, &opening(&tree), rem).unwrap();
        assert!(!satisfied(c), "rem {rem}");
    }
    // The verifier refuses den = 0 as a public input.
    assert!(matches!(
        PricedThresholdPublicInputs::from_field_elements(&p.to_field_elements()),
        Err(Error::PublicInputInvalid {
            input: "price_den",
            ..
        })
    ));
}

#[test]
fn priced_threshold_wrap_modulo_the_field_is_unsatisfied() {
    let q = ETH_3000;
    let amount = 1_500_000_000_000_000_123u128; // honest fiat 450,000, rem 36,900,000
    let (num, den) = (Fr::from(q.num), Fr::from(q.den));
    let inv_den = den.inverse().unwrap();
    let inv_num = num.inverse().unwrap();

    // Through the fiat value: rem = 0 and fiat = amount * num / den in the field, a huge
    // element. The equation holds modulo p; the fiat value's range does not.
    let fiat = Fr::from(amount) * num * inv_den;
    assert!(fiat * den == Fr::from(amount) * num);
    let tree = tree_with(fiat, Fr::from(amount), Fr::from(NOW));
    let p = public(&tree, 1_000_000, ThresholdDirection::AtOrAbove, q);
    let c = PricedThresholdCircuit::with_remainder(p, &opening(&tree), Fr::from(0u64)).unwrap();
    assert!(!satisfied(c));

    // Through the asset amount: claim a fiat value of 10^12 cents for an amount chosen so
    // that 10^12 * den + 7 = amount * num modulo p (the amount is far above 2^128).
    let claimed = Fr::from(1_000_000_000_000u64);
    let rem = Fr::from(7u64);
    let amount = (claimed * den + rem) * inv_num;
    assert!(claimed * den + rem == amount * num);
    let tree = tree_with(claimed, amount, Fr::from(NOW));
    let p = public(&tree, 1_000_000_000_000, ThresholdDirection::AtOrAbove, q);
    let c = PricedThresholdCircuit::with_remainder(p, &opening(&tree), rem).unwrap();
    assert!(!satisfied(c));
}

#[test]
fn priced_threshold_fiat_value_of_2_64_or_more_is_unsatisfied() {
    // Exactly priced, and at or above T, but beyond slot 1's range: a dishonest committer's.
    // Only the fiat value's own range check refuses it (the threshold rule alone would
    // accept it: fiat - T = 6 fits 64 bits).
    let q = Quote {
        num: 1,
        den: 7,
        ..ETH_3000
    };
    let big = (1u128 << 64) + 5;
    let amount = big * 7 + 6; // floor(amount / 7) = 2^64 + 5, rem 6
    assert_eq!(fiat_value_from_price(amount, q.num, q.den), None);
    let tree = tree_with(Fr::from(big), Fr::from(amount), Fr::from(NOW));
    let c = circuit(&tree, u64::MAX, ThresholdDirection::AtOrAbove, q);
    assert!(!satisfied(c));
}

#[test]
fn priced_threshold_time_outside_the_window_is_unsatisfied() {
    let amount = 1_500_000_000_000_000_000;
    let tree = honest_tree(amount, ETH_3000, NOW);
    for (valid_from, valid_until) in [
        (NOW + 1, NOW + 600), // committed one second before the quote was valid
        (NOW - 600, NOW - 1), // and one second after it expired
        (NOW + 1, NOW - 1),   // an empty window
    ] {
        let q = Quote {
            valid_from,
            valid_until,
            ..ETH_3000
        };
        assert!(
            !satisfied(circuit(&tree, 0, ThresholdDirection::AtOrAbove, q)),
            "{q:?}"
        );
    }
    // A commitment time of 2^64 or more (a dishonest committer's) is never inside a window,
    // even the widest: time = NOW + 2^64, window [NOW, 2^64 - 1].
    let at = Fr::from(NOW) + Fr::from(u64::MAX) + Fr::from(1u64);
    let fiat = fiat_value_from_price(amount, ETH_3000.num, ETH_3000.den).unwrap();
    let tree = tree_with(Fr::from(fiat), Fr::from(amount), at);
    let q = Quote {
        valid_from: NOW,
        valid_until: u64::MAX,
        ..ETH_3000
    };
    assert!(!satisfied(circuit(
        &tree,
        0,
        ThresholdDirection::AtOrAbove,
        q
    )));
}

#[test]
fn priced_threshold_other_quote_or_commitment_is_unsatisfied() {
    let q = ETH_3000;
    let tree = honest_tree(1_500_000_000_000_000_000, q, NOW);
    let honest = public(&tree, 100_000, ThresholdDirection::AtOrAbove, q);
    assert!(satisfied(
        PricedThresholdCircuit::new(honest, &opening(&tree)).unwrap()
    ));
    let mut eur = honest;
    eur.currency = 978; // a EUR quote for a USD commitment
    let mut btc = honest;
    btc.asset_id = Word248::new(Fr::from(0u64)).unwrap(); // a BTC quote for an ETH transfer
    let mut cheaper = honest;
    cheaper.price_num -= 1; // another price
    // The opening of another commitment with the same values (other salts).
    let mut other = honest;
    let other_tree =
        CommitmentTree::new(tree.values().clone(), &MasterSalt::from_fr(Fr::from(18u64)));
    other.commitment = other_tree.commitment();
    for (what, p) in [
        ("currency", eur),
        ("asset id", btc),
        ("price", cheaper),
        ("commitment", other),
    ] {
        let c = PricedThresholdCircuit::new(p, &opening(&tree)).unwrap();
        assert!(!satisfied(c), "wrong {what}");
    }
}

#[test]
fn priced_threshold_amount_one_below_the_boundary_is_unsatisfied() {
    use ThresholdDirection::{AtOrAbove, Below};
    // 2,999.99 USD per ETH, so that the boundary amount is not a round number.
    let q = Quote {
        num: 299_999,
        den: E18,
        ..ETH_3000
    };
    let t = 450_000u64;
    // The least amount worth T: ceil(T * den / num).
    let (n, d) = (u128::from(q.num), u128::from(q.den));
    let least = (u128::from(t) * d).div_ceil(n);
    assert_eq!(fiat_value_from_price(least, q.num, q.den), Some(t));
    assert_eq!(fiat_value_from_price(least - 1, q.num, q.den), Some(t - 1));
    let at_least = honest_tree(least, q, NOW);
    let one_below = honest_tree(least - 1, q, NOW);
    assert!(satisfied(circuit(&at_least, t, AtOrAbove, q)));
    assert!(satisfied(circuit(&one_below, t, Below, q)));
    assert!(!satisfied(circuit(&one_below, t, AtOrAbove, q)));
    assert!(!satisfied(circuit(&at_least, t, Below, q)));
}

#[test]
fn priced_threshold_refuses_an_opening_of_other_slots() {
    let tree = honest_tree(1_500_000_000_000_000_000, ETH_3000, NOW);
    let p = public(&tree, 0, ThresholdDirection::AtOrAbove, ETH_3000);
    for slots in [
        vec![Slot::FiatValue, Slot::FiatCurrency],
        vec![
            Slot::FiatValue,
            Slot::FiatCurrency,
            Slot::AssetAmount,
            Slot::AssetId,
            Slot::EnvelopeId,
        ],
    ] {
        let o = tree.open_many(&slots).unwrap();
        assert!(matches!(
            PricedThresholdCircuit::new(p, &o),
            Err(Error::WitnessShape {
                circuit: "priced_threshold",
                ..
            })
        ));
    }
    let mut short = opening(&tree);
    short.siblings.pop();
    assert!(matches!(
        PricedThresholdCircuit::new(p, &short),
        Err(Error::WitnessShape { .. })
    ));
}

/// The constraint count is pinned: a count that grows is a regression. The breakdown is
/// in the module doc of `priced_threshold`.
#[test]
fn priced_threshold_constraint_count_is_pinned() {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    PricedThresholdCircuit::blank()
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    eprintln!(
        "priced_threshold {} constraints {} public {} witness",
        cs.num_constraints(),
        cs.num_instance_variables() - 1,
        cs.num_witness_variables()
    );
    assert_eq!(
        cs.num_instance_variables() - 1,
        PricedThresholdPublicInputs::COUNT
    );
    // 5 leaves, 10 inner nodes, and the root equal to C.
    let opening = 5 * 258 + 10 * 240 + 1;
    assert_eq!(opening, opening_cost());
    let bounds = 65 + 129 + 3 * 65;
    let remainder = 2 * 65;
    let equation = 2;
    let window = 5 * 65;
    let direction = 1 + 1 + 65;
    assert_eq!(
        opening + bounds + remainder + equation + window + direction,
        4_604
    );
    assert_eq!(
        cs.num_constraints(),
        4_604,
        "priced_threshold: constraint count changed; update the module doc and this pin only if intended"
    );
}

/// Constraints of the multi-opening of slots 1, 2, 3, 4, 14 alone.
fn opening_cost() -> usize {
    use crate::gadgets::commitment::{OpenedSlot, enforce_opening};
    use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar};
    let cs = ConstraintSystem::<Fr>::new_ref();
    let tree = honest_tree(1_500_000_000_000_000_000, ETH_3000, NOW);
    let o = opening(&tree);
    let var = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x)).unwrap();
    let c = var(tree.commitment().0);
    let slots: Vec<OpenedSlot> = o
        .openings
        .iter()
        .map(|(slot, value, salt)| OpenedSlot {
            slot: *slot,
            value: var(*value),
            salt: var(*salt),
        })
        .collect();
    let siblings: Vec<FpVar<Fr>> = o.siblings.iter().map(|s| var(*s)).collect();
    assert_eq!(siblings.len(), 6);
    enforce_opening(&c, &slots, &siblings).unwrap();
    assert!(cs.is_satisfied().unwrap());
    cs.num_constraints()
}
