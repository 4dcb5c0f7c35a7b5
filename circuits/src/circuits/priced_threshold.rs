//! `priced_threshold` (to become `threshold/v2`): the committed fiat value follows exactly
//! from the committed asset amount and a price quote, was committed while the quote was
//! valid, and is at or above (or below) a threshold `T` in the quote's currency.
//!
//! `threshold/v1` takes the fiat value (slot 1) on the prover's word (DESIGN.md, "The three
//! circuits"). Here it is bound to the asset amount (slot 3) by a quote
//! `(asset_id, currency, price = num / den, valid_from, valid_until)` that the verifier checks
//! is signed by a price publisher it trusts: `price` is in minor fiat units per asset base
//! unit, the window in unix seconds (both ends included).
//!
//! Public, in this order: `(C, T, currency, direction, asset_id, price_num, price_den,
//! valid_from, valid_until)`. Private: one multi-opening of slots 1 (fiat value), 2
//! (currency), 3 (asset amount), 4 (asset id) and 14 (commitment time) of `C` (5 salts, 6
//! sibling nodes), and `rem`, the remainder of the price division.
//!
//! Constraints, each group with the reason it exists:
//! * open slots 1, 2, 3, 4, 14 of `C`, with currency and asset id being the public inputs
//!   themselves (so the quote is for the committed asset and currency, at no cost):
//!   5 leaves * 258 + 10 inner nodes * 240 + 1 (the root equals `C`) = 3,691;
//! * fiat value `< 2^64` (65), asset amount `< 2^128` (129, the bound of slot 3), `T`,
//!   `price_num`, `price_den - 1` `< 2^64` (65 each): 389. `price_den - 1 < 2^64` also makes
//!   `price_den >= 1`: `den = 0` gives `p - 1`, far above `2^64`. (The two checks on `rem`
//!   below imply `1 <= den < 2^65` on their own, still wrap-free; this one states the
//!   denominator's range directly, as the public-input parser does.) The fiat value's check
//!   is what refuses an exactly priced value of 2^64 or more, beyond slot 1's range;
//! * `rem < 2^64` and `den - 1 - rem < 2^64` (65 each, so `rem < den`): 130;
//! * `fiat * den + rem == amount * num` (1 product, 1 product-equality): 2. With the bounds
//!   above both sides are integers below the field modulus `p` (about 2^254):
//!   `fiat * den + rem < 2^64 * 2^64 + 2^64 < 2^129` and `amount * num < 2^128 * 2^64 = 2^192`,
//!   so the field equation is the integer equation, and with `0 <= rem < den` it says
//!   exactly `fiat = floor(amount * num / den)` (see [`fiat_value_from_price`]);
//! * commitment time, `valid_from`, `valid_until` `< 2^64`, and `time - valid_from` and
//!   `valid_until - time` `< 2^64` (65 each): 325. With all three below 2^64 a difference
//!   fits 64 bits exactly when it is not negative, so
//!   `valid_from <= time <= valid_until`. (Given the window's ends below 2^64, the two
//!   differences already imply `time < 2^64`; its own check bounds each operand separately.)
//! * `direction` boolean: 1;
//! * `d = direction ? fiat - T : T - 1 - fiat` (1 product) and `d < 2^64`: 66, the rule of
//!   `threshold/v1`. With both values below 2^64, `d` fits 64 bits exactly when the claim
//!   holds.
//!
//! Total: 4,604 constraints (pinned in the tests).
//!
//! The committer must commit `fiat_value_from_price(amount, num, den)` in slot 1 for the
//! quote it will prove against; any other value leaves the system unsatisfied.

use super::expect_len;
use super::threshold::ThresholdDirection;
use crate::commitment::{Commitment, MultiOpening, Slot, SlotSet};
use crate::error::{Error, Result};
use crate::field::{Fr, Word248, fr_to_u64, fr_to_u128};
use crate::gadgets::{
    commitment::{OpenedSlot, enforce_opening},
    merkle::alloc_siblings,
    range::enforce_bits,
};
use ark_ff::Zero;
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    fields::{FieldVar, fp::FpVar},
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

const NAME: &str = "priced_threshold";
/// The slots the circuit opens, in its order: fiat value, currency, asset amount, asset
/// id, commitment time (a prover opens exactly these).
pub const SLOTS: [Slot; 5] = [
    Slot::FiatValue,
    Slot::FiatCurrency,
    Slot::AssetAmount,
    Slot::AssetId,
    Slot::CommittedAt,
];

/// `floor(asset_amount * num / den)`: the fiat value (minor units) of `asset_amount` base
/// units at the price `num / den` minor units per base unit, rounded down.
///
/// Exact integer arithmetic (the product has up to 192 bits; no floating point, no
/// overflow). `None` if `den == 0` or the value does not fit a `u64` (the fiat value
/// slot's range). This is the one value `priced_threshold` accepts in slot 1.
pub fn fiat_value_from_price(asset_amount: u128, num: u64, den: u64) -> Option<u64> {
    let (q, _) = div_rem_price(asset_amount, num, den)?;
    match q {
        [q0, 0, 0] => Some(q0),
        _ => None,
    }
}

/// `amount * num` as three little-endian 64-bit limbs, divided by `den`: the quotient's
/// limbs and the remainder. `None` if `den == 0`.
fn div_rem_price(amount: u128, num: u64, den: u64) -> Option<([u64; 3], u64)> {
    if den == 0 {
        return None;
    }
    let (lo, hi) = (amount as u64, (amount >> 64) as u64);
    let p0 = u128::from(lo) * u128::from(num);
    // hi * num <= (2^64 - 1)^2 = 2^128 - 2^65 + 1, plus a carry below 2^64: no overflow.
    let p1 = u128::from(hi) * u128::from(num) + (p0 >> 64);
    let product = [p0 as u64, p1 as u64, (p1 >> 64) as u64];
    // Schoolbook division by one limb, high limb first; the running remainder stays < den.
    let mut q = [0u64; 3];
    let mut r = 0u64;
    for i in (0..3).rev() {
        let cur = (u128::from(r) << 64) | u128::from(product[i]);
        q[i] = (cur / u128::from(den)) as u64;
        r = (cur % u128::from(den)) as u64;
    }
    Some((q, r))
}

/// Public inputs of `priced_threshold`, in this order:
/// `C, T, currency, direction, asset_id, price_num, price_den, valid_from, valid_until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricedThresholdPublicInputs {
    /// The transfer commitment.
    pub commitment: Commitment,
    /// The threshold in minor units of `currency`.
    pub threshold: u64,
    /// ISO 4217 numeric code (the quote's currency; slot 2).
    pub currency: u16,
    /// The side of the threshold.
    pub direction: ThresholdDirection,
    /// The quote's asset (slot 4).
    pub asset_id: Word248,
    /// Price numerator: minor fiat units per `price_den` asset base units.
    pub price_num: u64,
    /// Price denominator (at least 1; 0 is never satisfiable).
    pub price_den: u64,
    /// First second of the quote's validity (unix seconds, included).
    pub valid_from: u64,
    /// Last second of the quote's validity (unix seconds, included).
    pub valid_until: u64,
}

impl PricedThresholdPublicInputs {
    /// Number of field elements.
    pub const COUNT: usize = 9;

    /// The field elements, in circuit order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![
            self.commitment.0,
            Fr::from(self.threshold),
            Fr::from(u64::from(self.currency)),
            Fr::from(u64::from(self.direction.to_bool())),
            self.asset_id.to_fr(),
            Fr::from(self.price_num),
            Fr::from(self.price_den),
            Fr::from(self.valid_from),
            Fr::from(self.valid_until),
        ]
    }

    /// Parses and range-checks the field elements.
    pub fn from_field_elements(xs: &[Fr]) -> Result<Self> {
        expect_len(NAME, xs, Self::COUNT)?;
        let bad = |input, reason| Error::PublicInputInvalid {
            circuit: NAME,
            input,
            reason,
        };
        let u64_at = |i: usize, input| fr_to_u64(&xs[i]).ok_or(bad(input, "must be below 2^64"));
        let (threshold, currency, direction) = super::threshold::parse_rule(NAME, xs)?;
        let asset_id = Word248::new(xs[4]).map_err(|_| bad("asset_id", "must be below 2^248"))?;
        let price_num = u64_at(5, "price_num")?;
        let price_den = fr_to_u64(&xs[6])
            .filter(|d| *d != 0)
            .ok_or(bad("price_den", "must be in 1..2^64"))?;
        Ok(Self {
            commitment: Commitment(xs[0]),
            threshold,
            currency,
            direction,
            asset_id,
            price_num,
            price_den,
            valid_from: u64_at(7, "valid_from")?,
            valid_until: u64_at(8, "valid_until")?,
        })
    }
}

/// The `priced_threshold` circuit with its witness.
#[derive(Clone, Debug)]
pub struct PricedThresholdCircuit {
    public: PricedThresholdPublicInputs,
    fiat_value: Fr,
    asset_amount: Fr,
    committed_at: Fr,
    /// Salts of [`SLOTS`], in that order.
    salts: [Fr; 5],
    siblings: Vec<Fr>,
    rem: Fr,
}

impl PricedThresholdCircuit {
    /// The circuit for `public`, from a multi-opening of slots 1, 2, 3, 4 and 14; `rem` is
    /// computed here as `(amount * price_num) mod price_den`.
    ///
    /// Whether the statement is true is not checked here (a false one gives an unsatisfied
    /// system); the prover checks it before proving. An amount of 2^128 or more (only a
    /// dishonest committer's) gets `rem = 0`: the range check on the amount fails anyway.
    /// Refuses an opening of other slots and `price_den = 0` (no remainder exists).
    pub fn new(public: PricedThresholdPublicInputs, opening: &MultiOpening) -> Result<Self> {
        if public.price_den == 0 {
            return Err(Error::PublicInputInvalid {
                circuit: NAME,
                input: "price_den",
                reason: "must be in 1..2^64",
            });
        }
        let amount = opening.get(Slot::AssetAmount).ok_or_else(shape)?.0;
        let rem = fr_to_u128(&amount)
            .and_then(|a| div_rem_price(a, public.price_num, public.price_den))
            .map_or(0, |(_, r)| r);
        Self::with_remainder(public, opening, Fr::from(rem))
    }

    /// The circuit with a given remainder: [`Self::new`] computes it, tests give wrong ones
    /// to build witnesses of false statements.
    pub(crate) fn with_remainder(
        public: PricedThresholdPublicInputs,
        opening: &MultiOpening,
        rem: Fr,
    ) -> Result<Self> {
        let set = SlotSet::new(&SLOTS)?;
        if opening.slot_set()? != set || opening.siblings.len() != set.sibling_count() {
            return Err(shape());
        }
        let mut values = [Fr::zero(); 5];
        let mut salts = [Fr::zero(); 5];
        for ((v, s), slot) in values.iter_mut().zip(salts.iter_mut()).zip(SLOTS) {
            (*v, *s) = opening.get(slot).ok_or_else(shape)?;
        }
        Ok(Self {
            public,
            fiat_value: values[0],
            asset_amount: values[2],
            committed_at: values[4],
            salts,
            siblings: opening.siblings.clone(),
            rem,
        })
    }

    /// A circuit of the right shape with a placeholder witness.
    pub fn blank() -> Self {
        let n = SlotSet::new(&SLOTS).map(|s| s.sibling_count()).unwrap_or(0);
        Self {
            public: PricedThresholdPublicInputs {
                commitment: Commitment(Fr::zero()),
                threshold: 0,
                currency: 0,
                direction: ThresholdDirection::AtOrAbove,
                asset_id: Word248::from_digest_prefix(&[0; 32]),
                price_num: 0,
                price_den: 1,
                valid_from: 0,
                valid_until: 0,
            },
            fiat_value: Fr::zero(),
            asset_amount: Fr::zero(),
            committed_at: Fr::zero(),
            salts: [Fr::zero(); 5],
            siblings: vec![Fr::zero(); n],
            rem: Fr::zero(),
        }
    }

    /// The public inputs.
    pub fn public_inputs(&self) -> &PricedThresholdPublicInputs {
        &self.public
    }
}

fn shape() -> Error {
    Error::WitnessShape {
        circuit: NAME,
        reason: "the opening must be of slots 1 (fiat value), 2 (currency), 3 (asset amount), \
                 4 (asset id) and 14 (commitment time), with their 6 sibling nodes",
    }
}

impl ConstraintSynthesizer<Fr> for PricedThresholdCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let p = self.public;
        let input = |x: Fr| FpVar::new_input(cs.clone(), || Ok(x));
        let c = input(p.commitment.0)?;
        let t = input(Fr::from(p.threshold))?;
        let currency = input(Fr::from(u64::from(p.currency)))?;
        let direction = Boolean::new_input(cs.clone(), || Ok(p.direction.to_bool()))?;
        let asset_id = input(p.asset_id.to_fr())?;
        let num = input(Fr::from(p.price_num))?;
        let den = input(Fr::from(p.price_den))?;
        let valid_from = input(Fr::from(p.valid_from))?;
        let valid_until = input(Fr::from(p.valid_until))?;

        let witness = |x: Fr| FpVar::new_witness(cs.clone(), || Ok(x));
        let fiat = witness(self.fiat_value)?;
        let amount = witness(self.asset_amount)?;
        let time = witness(self.committed_at)?;
        let rem = witness(self.rem)?;
        // Currency and asset id are the public inputs themselves: the quote's.
        let values = [
            fiat.clone(),
            currency,
            amount.clone(),
            asset_id,
            time.clone(),
        ];
        let mut opened = Vec::with_capacity(SLOTS.len());
        for ((slot, value), salt) in SLOTS.into_iter().zip(values).zip(self.salts) {
            opened.push(OpenedSlot {
                slot,
                value,
                salt: witness(salt)?,
            });
        }
        let siblings = alloc_siblings(cs.clone(), &self.siblings)?;
        enforce_opening(&c, &opened, &siblings)?;

        let one = FpVar::Constant(Fr::from(1u64));
        // Operand bounds that keep `fiat * den + rem = amount * num` free of wrap-around.
        enforce_bits(cs.clone(), &fiat, 64)?;
        enforce_bits(cs.clone(), &amount, 128)?;
        enforce_bits(cs.clone(), &t, 64)?;
        enforce_bits(cs.clone(), &num, 64)?;
        let den_minus_one = &den - &one;
        enforce_bits(cs.clone(), &den_minus_one, 64)?; // den in 1..=2^64: never 0
        // 0 <= rem < den: the quotient is the floor, not any nearby value.
        enforce_bits(cs.clone(), &rem, 64)?;
        enforce_bits(cs.clone(), &(&den_minus_one - &rem), 64)?;
        let product = &amount * &num;
        fiat.mul_equals(&den, &(product - &rem))?;

        // valid_from <= time <= valid_until: the quote was valid when C was committed.
        enforce_bits(cs.clone(), &time, 64)?;
        enforce_bits(cs.clone(), &valid_from, 64)?;
        enforce_bits(cs.clone(), &valid_until, 64)?;
        enforce_bits(cs.clone(), &(&time - &valid_from), 64)?;
        enforce_bits(cs.clone(), &(&valid_until - &time), 64)?;

        // As threshold/v1:
        // d = dir * (v - T) + (1 - dir) * (T - 1 - v) = 2 * dir * (v - T) - (v - T) - 1 + dir
        let dir = FpVar::from(direction);
        let delta = &fiat - &t;
        let d = (&dir * &delta).double()? - &delta - one + &dir;
        enforce_bits(cs, &d, 64)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    /// The same floor division with arbitrary-precision integers.
    fn reference(amount: u128, num: u64, den: u64) -> Option<(u64, u64)> {
        if den == 0 {
            return None;
        }
        let x = BigUint::from(amount) * num;
        let q = u64::try_from(&x / den).ok()?;
        let r = u64::try_from(&x % den).ok()?;
        Some((q, r))
    }

    #[test]
    fn fiat_value_from_price_is_exact() {
        // ETH at 3,000.00 USD: 300,000 cents per 10^18 wei.
        let e18 = 1_000_000_000_000_000_000u64;
        assert_eq!(
            fiat_value_from_price(1_500_000_000_000_000_000, 300_000, e18),
            Some(450_000)
        );
        // Rounds down, never up.
        assert_eq!(
            fiat_value_from_price(1_500_000_000_000_000_123, 300_000, e18),
            Some(450_000)
        );
        assert_eq!(fiat_value_from_price(7, 1, 2), Some(3));
        assert_eq!(fiat_value_from_price(0, u64::MAX, 1), Some(0));
        assert_eq!(fiat_value_from_price(5, 0, 3), Some(0));
        assert_eq!(fiat_value_from_price(5, 3, 0), None);
        assert_eq!(fiat_value_from_price(u128::MAX, u64::MAX, 0), None);
        // Near the top: amount * num has up to 192 bits.
        assert_eq!(
            fiat_value_from_price(u128::MAX, u64::MAX, u64::MAX),
            None,
            "2^128 - 1 does not fit a u64"
        );
        assert_eq!(
            fiat_value_from_price(u128::MAX, 1, u64::MAX),
            None,
            "(2^128 - 1) / (2^64 - 1) = 2^64 + 1"
        );
        let max_fitting = u128::from(u64::MAX) * u128::from(u64::MAX);
        assert_eq!(
            fiat_value_from_price(max_fitting, 1, u64::MAX),
            Some(u64::MAX)
        );
        assert_eq!(
            fiat_value_from_price(max_fitting + u128::from(u64::MAX) - 1, 1, u64::MAX),
            Some(u64::MAX),
            "remainder den - 1"
        );
        assert_eq!(
            fiat_value_from_price(max_fitting + u128::from(u64::MAX), 1, u64::MAX),
            None,
            "one more crosses 2^64"
        );
        // num near 2^64 with a result that fits: (2^64 - 3)(2^64 - 5) / (2^64 - 1).
        let (amount, num, den) = (u128::from(u64::MAX - 2), u64::MAX - 4, u64::MAX);
        let (q, r) = reference(amount, num, den).unwrap();
        assert_eq!(q, u64::MAX - 6);
        assert_eq!(r, 8);
        assert_eq!(fiat_value_from_price(amount, num, den), Some(q));
        for (a, n, d) in [
            (u128::MAX, u64::MAX, u64::MAX),
            (u128::MAX, u64::MAX, 1),
            (u128::MAX - 1, u64::MAX - 1, 3),
            ((1u128 << 127) + 5, (1u64 << 63) + 1, u64::MAX),
        ] {
            let (q, r) = div_rem_price(a, n, d).unwrap();
            let x = BigUint::from(a) * n;
            let q_big = BigUint::from(q[0])
                + (BigUint::from(q[1]) << 64u32)
                + (BigUint::from(q[2]) << 128u32);
            assert_eq!(q_big, &x / d);
            assert_eq!(BigUint::from(r), &x % d);
        }
    }

    proptest! {
        #[test]
        fn fiat_value_from_price_matches_big_integers(
            amount in any::<u128>(),
            num in any::<u64>(),
            den in any::<u64>(),
            shift in 0u32..128,
        ) {
            // Shifting the amount down covers results that fit as well as ones that don't.
            let amount = amount >> shift;
            prop_assert_eq!(
                fiat_value_from_price(amount, num, den),
                reference(amount, num, den).map(|(q, _)| q)
            );
            if let Some((_, r)) = reference(amount, num, den) {
                prop_assert_eq!(div_rem_price(amount, num, den).map(|(_, r)| r), Some(r));
            }
        }
    }

    #[test]
    fn public_inputs_round_trip_and_are_range_checked() {
        let p = PricedThresholdPublicInputs {
            commitment: Commitment(Fr::from(42u64)),
            threshold: 100_000,
            currency: 978,
            direction: ThresholdDirection::Below,
            asset_id: Word248::new(Fr::from(60u64)).unwrap(),
            price_num: 300_000,
            price_den: 1_000_000_000_000_000_000,
            valid_from: 1_763_499_700,
            valid_until: 1_763_500_300,
        };
        let xs = p.to_field_elements();
        assert_eq!(xs.len(), PricedThresholdPublicInputs::COUNT);
        assert_eq!(PricedThresholdPublicInputs::from_field_elements(&xs), Ok(p));
        assert!(matches!(
            PricedThresholdPublicInputs::from_field_elements(&xs[..8]),
            Err(Error::PublicInputCount {
                expected: 9,
                got: 8,
                ..
            })
        ));
        let two64 = Fr::from(u64::MAX) + Fr::from(1u64);
        for (i, bad, input) in [
            (1, two64, "threshold"),
            (2, Fr::from(1000u64), "currency"),
            (3, Fr::from(2u64), "direction"),
            (4, -Fr::from(1u64), "asset_id"),
            (5, two64, "price_num"),
            (6, Fr::zero(), "price_den"),
            (6, two64, "price_den"),
            (7, two64, "valid_from"),
            (8, -Fr::from(1u64), "valid_until"),
        ] {
            let mut ys = xs.clone();
            ys[i] = bad;
            match PricedThresholdPublicInputs::from_field_elements(&ys) {
                Err(Error::PublicInputInvalid {
                    circuit: NAME,
                    input: got,
                    ..
                }) => assert_eq!(got, input),
                other => panic!("input {i} = {bad}: {other:?}"),
            }
        }
    }
}
