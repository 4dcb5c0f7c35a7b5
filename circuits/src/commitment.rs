//! The transfer commitment `C`: a depth-4 Merkle tree over 16 salted slots.
//!
//! ```text
//! salt_i = PoseidonEx([master_salt, i], SLOT_SALT)
//! leaf_i = PoseidonEx([i, value_i, salt_i], FIELD_LEAF)
//! node   = PoseidonEx([left, right], FIELD_NODE)
//! C      = root (level 4)
//! ```
//!
//! Opening slot `i` reveals `(i, value_i, salt_i, path_i)` and nothing about other slots
//! (their leaves are hiding: each has its own salt). Several slots can be opened together
//! in a [`MultiOpening`] that shares their common path nodes. In a circuit, slot `i` is
//! always opened *at position `i`*: the tree shape is fixed by the slot numbers, never by
//! free witnesses (see `crate::gadgets::commitment`).

use crate::domain;
use crate::error::{Error, Result};
use crate::field::{Fr, KEY_BITS, ScreeningKey, Word248, fits_bits, fr_from_u64, fr_from_u128};
use crate::poseidon::{hash_n, hash2};
use ark_ff::{UniformRand, Zero};
use ark_std::rand::{CryptoRng, RngCore};

/// Number of slots.
pub const SLOT_COUNT: usize = 16;
/// Depth of the commitment tree.
pub const COMMITMENT_DEPTH: usize = 4;
/// The slot layout version this build writes into slot 0.
pub const LAYOUT_VERSION: u64 = 1;

/// The range a slot's value must be in (layout version 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotRange {
    /// Exactly [`LAYOUT_VERSION`].
    LayoutVersion,
    /// An unsigned integer of at most `bits` bits.
    Bits {
        /// The bit width.
        bits: u32,
        /// What the value is, for errors.
        what: &'static str,
    },
    /// An ISO 4217 numeric currency code (0..=999).
    Currency,
    /// A screening key: below 2^248 and never 0.
    NonZeroKey,
    /// Always 0.
    Zero,
}

/// The one table of the 16 slots: index, variant, name and range, each written once.
/// It yields [`Slot`], [`Slot::ALL`], [`Slot::name`] and [`Slot::range`].
macro_rules! slot_layout {
    ($( $(#[$doc:meta])* $index:literal $variant:ident $name:literal $range:expr; )*) => {
        /// The 16 slots of layout version 1 (`../shared/DESIGN.md`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Slot {
            $( $(#[$doc])* $variant = $index, )*
        }

        impl Slot {
            /// All slots in index order.
            pub const ALL: [Slot; SLOT_COUNT] = [$(Slot::$variant),*];

            /// A short snake_case name, for tables and disclosure requests.
            pub fn name(self) -> &'static str {
                match self {
                    $(Slot::$variant => $name,)*
                }
            }

            /// The range of the slot's value.
            pub fn range(self) -> SlotRange {
                match self {
                    $(Slot::$variant => $range,)*
                }
            }
        }
    };
}

const fn bits(bits: u32, what: &'static str) -> SlotRange {
    SlotRange::Bits { bits, what }
}

slot_layout! {
    /// 0: layout version (1).
    0 LayoutVersion "layout_version" SlotRange::LayoutVersion;
    /// 1: fiat value in minor units (< 2^64).
    1 FiatValue "fiat_value" bits(64, "fiat value");
    /// 2: ISO 4217 numeric currency code (< 1000).
    2 FiatCurrency "fiat_currency" SlotRange::Currency;
    /// 3: asset amount in base units (< 2^128).
    3 AssetAmount "asset_amount" bits(128, "asset amount");
    /// 4: asset id (SLIP-0044 coin type, or a 248-bit id where a network or token is needed).
    4 AssetId "asset_id" bits(KEY_BITS, "248-bit slot value");
    /// 5: screening key of the beneficiary's address.
    5 BeneficiaryAddressKey "beneficiary_address_key" SlotRange::NonZeroKey;
    /// 6: screening key of the originator's name (never 0).
    6 OriginatorNameKey "originator_name_key" SlotRange::NonZeroKey;
    /// 7: screening key of the originator's national id / LEI (0 if none).
    7 OriginatorIdKey "originator_id_key" bits(KEY_BITS, "248-bit slot value");
    /// 8: screening key of the beneficiary's name (never 0).
    8 BeneficiaryNameKey "beneficiary_name_key" SlotRange::NonZeroKey;
    /// 9: screening key of the beneficiary's national id / LEI (0 if none).
    9 BeneficiaryIdKey "beneficiary_id_key" bits(KEY_BITS, "248-bit slot value");
    /// 10: digest of the IVMS101 identity + transaction payload bytes (248 bits).
    10 PayloadDigest "payload_digest" bits(KEY_BITS, "248-bit slot value");
    /// 11: envelope id (UUID as a 128-bit integer).
    11 EnvelopeId "envelope_id" bits(128, "envelope id");
    /// 12: key of the originator VASP's id.
    12 OriginatorVaspKey "originator_vasp_key" bits(KEY_BITS, "248-bit slot value");
    /// 13: key of the beneficiary VASP's id.
    13 BeneficiaryVaspKey "beneficiary_vasp_key" bits(KEY_BITS, "248-bit slot value");
    /// 14: commitment time (unix seconds).
    14 CommittedAt "committed_at" bits(64, "commitment time");
    /// 15: reserved (0).
    15 Reserved "reserved" SlotRange::Zero;
}

impl Slot {
    /// The slot's index (its position in the tree).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Checks that `value` is in this slot's range (layout version 1).
    pub fn check_value(self, value: &Fr) -> Result<()> {
        match self.range() {
            SlotRange::LayoutVersion => {
                if *value == fr_from_u64(LAYOUT_VERSION) {
                    Ok(())
                } else {
                    Err(Error::UnsupportedLayout {
                        version: crate::field::fr_to_u64(value).unwrap_or(u64::MAX),
                    })
                }
            }
            SlotRange::Currency => match crate::field::fr_to_u64(value) {
                Some(c) if c < 1000 => Ok(()),
                _ => Err(Error::OutOfRange {
                    what: "ISO 4217 numeric currency code (0..=999)",
                    bits: 10,
                }),
            },
            SlotRange::Zero => {
                if value.is_zero() {
                    Ok(())
                } else {
                    Err(Error::OutOfRange {
                        what: "reserved slot (must be 0)",
                        bits: 0,
                    })
                }
            }
            SlotRange::NonZeroKey => ScreeningKey::new(*value).map(|_| ()),
            SlotRange::Bits { bits, what } => {
                if fits_bits(value, bits) {
                    Ok(())
                } else {
                    Err(Error::OutOfRange { what, bits })
                }
            }
        }
    }
}

impl TryFrom<u64> for Slot {
    type Error = Error;
    fn try_from(index: u64) -> Result<Self> {
        Slot::ALL
            .get(usize::try_from(index).unwrap_or(usize::MAX))
            .copied()
            .ok_or(Error::SlotOutOfRange { index })
    }
}

/// The committed facts of one transfer, typed so that every range holds by construction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferFields {
    /// Fiat value in minor units.
    pub fiat_value: u64,
    /// ISO 4217 numeric currency code (e.g. 840 for USD, 978 for EUR).
    pub fiat_currency: u16,
    /// Asset amount in the asset's base units.
    pub asset_amount: u128,
    /// Asset id.
    pub asset_id: Word248,
    /// Screening key of the beneficiary's address.
    pub beneficiary_address_key: ScreeningKey,
    /// Screening key of the originator's name.
    pub originator_name_key: ScreeningKey,
    /// Screening key of the originator's national id / LEI, if any.
    pub originator_id_key: Option<ScreeningKey>,
    /// Screening key of the beneficiary's name.
    pub beneficiary_name_key: ScreeningKey,
    /// Screening key of the beneficiary's national id / LEI, if any.
    pub beneficiary_id_key: Option<ScreeningKey>,
    /// Digest of the IVMS101 identity + transaction payload bytes.
    pub payload_digest: Word248,
    /// Envelope id (UUID as an integer).
    pub envelope_id: u128,
    /// Key of the originator VASP's id.
    pub originator_vasp_key: Word248,
    /// Key of the beneficiary VASP's id.
    pub beneficiary_vasp_key: Word248,
    /// Commitment time, unix seconds.
    pub committed_at: u64,
}

/// The 16 slot values, each checked against its slot's range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotValues([Fr; SLOT_COUNT]);

impl SlotValues {
    /// Checks every slot's range (layout version 1).
    pub fn new(values: [Fr; SLOT_COUNT]) -> Result<Self> {
        for (slot, v) in Slot::ALL.iter().zip(&values) {
            slot.check_value(v)?;
        }
        Ok(Self(values))
    }

    /// The slot values of a transfer.
    pub fn from_fields(f: &TransferFields) -> Self {
        let opt = |k: Option<ScreeningKey>| k.map(ScreeningKey::to_fr).unwrap_or_else(Fr::zero);
        let mut v = [Fr::zero(); SLOT_COUNT];
        v[Slot::LayoutVersion.index()] = fr_from_u64(LAYOUT_VERSION);
        v[Slot::FiatValue.index()] = fr_from_u64(f.fiat_value);
        v[Slot::FiatCurrency.index()] = fr_from_u64(u64::from(f.fiat_currency));
        v[Slot::AssetAmount.index()] = fr_from_u128(f.asset_amount);
        v[Slot::AssetId.index()] = f.asset_id.to_fr();
        v[Slot::BeneficiaryAddressKey.index()] = f.beneficiary_address_key.to_fr();
        v[Slot::OriginatorNameKey.index()] = f.originator_name_key.to_fr();
        v[Slot::OriginatorIdKey.index()] = opt(f.originator_id_key);
        v[Slot::BeneficiaryNameKey.index()] = f.beneficiary_name_key.to_fr();
        v[Slot::BeneficiaryIdKey.index()] = opt(f.beneficiary_id_key);
        v[Slot::PayloadDigest.index()] = f.payload_digest.to_fr();
        v[Slot::EnvelopeId.index()] = fr_from_u128(f.envelope_id);
        v[Slot::OriginatorVaspKey.index()] = f.originator_vasp_key.to_fr();
        v[Slot::BeneficiaryVaspKey.index()] = f.beneficiary_vasp_key.to_fr();
        v[Slot::CommittedAt.index()] = fr_from_u64(f.committed_at);
        Self(v)
    }

    /// Builds slot values *without* range checks. Only for tests that must commit to
    /// out-of-range values to show that the circuits reject them.
    #[doc(hidden)]
    pub fn unchecked_for_tests(values: [Fr; SLOT_COUNT]) -> Self {
        Self(values)
    }

    /// The value of one slot.
    pub fn get(&self, slot: Slot) -> Fr {
        self.0[slot.index()]
    }

    /// All values in slot order.
    pub fn as_array(&self) -> &[Fr; SLOT_COUNT] {
        &self.0
    }
}

/// The secret from which every slot salt is derived. Never logged (`Debug` is redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterSalt(Fr);

impl MasterSalt {
    /// A fresh random master salt.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self(Fr::rand(rng))
    }

    /// A master salt from stored bytes (the envelope carries it to the counterparty).
    pub fn from_fr(x: Fr) -> Self {
        Self(x)
    }

    /// The field element (to store or send encrypted; never log it).
    pub fn expose_secret(&self) -> Fr {
        self.0
    }

    /// `salt_i = PoseidonEx([master_salt, i], SLOT_SALT)`.
    pub fn slot_salt(&self, slot: Slot) -> Fr {
        hash_n(
            domain::SLOT_SALT,
            [self.0, fr_from_u64(slot.index() as u64)],
        )
    }
}

impl core::fmt::Debug for MasterSalt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MasterSalt(<redacted>)")
    }
}

/// The transfer commitment `C` (the root of the slot tree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Commitment(pub Fr);

impl Commitment {
    /// The field element.
    pub fn to_fr(self) -> Fr {
        self.0
    }
}

/// `leaf_i = PoseidonEx([i, value_i, salt_i], FIELD_LEAF)`.
pub fn slot_leaf(slot: Slot, value: Fr, salt: Fr) -> Fr {
    hash_n(
        domain::FIELD_LEAF,
        [fr_from_u64(slot.index() as u64), value, salt],
    )
}

/// Inner node of the slot tree.
pub fn field_node(left: Fr, right: Fr) -> Fr {
    hash2(domain::FIELD_NODE, left, right)
}

/// The full slot tree of one transfer, held by the committer (it contains the salts).
#[derive(Clone)]
pub struct CommitmentTree {
    values: SlotValues,
    salts: [Fr; SLOT_COUNT],
    /// `levels[h][i]`: node `i` at height `h` (0 = leaves, 4 = root).
    levels: [Vec<Fr>; COMMITMENT_DEPTH + 1],
}

impl core::fmt::Debug for CommitmentTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "CommitmentTree(C = {:?}, <values and salts redacted>)",
            self.commitment().0
        )
    }
}

impl CommitmentTree {
    /// Commits to `values` with the salts derived from `master`.
    pub fn new(values: SlotValues, master: &MasterSalt) -> Self {
        let mut salts = [Fr::zero(); SLOT_COUNT];
        for s in Slot::ALL {
            salts[s.index()] = master.slot_salt(s);
        }
        let leaves: Vec<Fr> = Slot::ALL
            .iter()
            .map(|s| slot_leaf(*s, values.get(*s), salts[s.index()]))
            .collect();
        let mut levels: [Vec<Fr>; COMMITMENT_DEPTH + 1] = Default::default();
        levels[0] = leaves;
        for h in 1..=COMMITMENT_DEPTH {
            levels[h] = levels[h - 1]
                .chunks(2)
                .map(|p| field_node(p[0], p[1]))
                .collect();
        }
        Self {
            values,
            salts,
            levels,
        }
    }

    /// `C`.
    pub fn commitment(&self) -> Commitment {
        Commitment(self.levels[COMMITMENT_DEPTH][0])
    }

    /// The committed values.
    pub fn values(&self) -> &SlotValues {
        &self.values
    }

    /// The salt of one slot.
    pub fn salt(&self, slot: Slot) -> Fr {
        self.salts[slot.index()]
    }

    /// Node `index` at height `level` (0 = leaves).
    pub fn node(&self, level: usize, index: usize) -> Fr {
        self.levels[level][index]
    }

    /// Opens one slot: its value, salt and the 4 sibling nodes from leaf to root.
    pub fn open(&self, slot: Slot) -> SlotOpening {
        let mut path = [Fr::zero(); COMMITMENT_DEPTH];
        let mut idx = slot.index();
        for (h, p) in path.iter_mut().enumerate() {
            *p = self.levels[h][idx ^ 1];
            idx >>= 1;
        }
        SlotOpening {
            slot,
            value: self.values.get(slot),
            salt: self.salt(slot),
            path,
        }
    }

    /// Opens several slots at once, sharing their common path nodes.
    pub fn open_many(&self, slots: &[Slot]) -> Result<MultiOpening> {
        let set = SlotSet::new(slots)?;
        let mut siblings = Vec::new();
        fold_slot_tree(
            &set,
            &mut |_s| Ok::<(), Error>(()),
            &mut |level, index| {
                siblings.push(self.levels[level][index]);
                Ok(())
            },
            &mut |_, _| Ok(()),
        )?;
        Ok(MultiOpening {
            openings: set
                .slots()
                .map(|s| (s, self.values.get(s), self.salt(s)))
                .collect(),
            siblings,
        })
    }
}

/// One opened slot, checkable against `C` by anyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotOpening {
    /// The slot.
    pub slot: Slot,
    /// Its committed value.
    pub value: Fr,
    /// Its salt.
    pub salt: Fr,
    /// Sibling nodes from the leaf's sibling (height 0) up to the root's child (height 3).
    pub path: [Fr; COMMITMENT_DEPTH],
}

impl SlotOpening {
    /// Recomputes the root from the opening.
    pub fn root(&self) -> Commitment {
        let mut cur = slot_leaf(self.slot, self.value, self.salt);
        let mut idx = self.slot.index();
        for sib in &self.path {
            cur = if idx & 1 == 0 {
                field_node(cur, *sib)
            } else {
                field_node(*sib, cur)
            };
            idx >>= 1;
        }
        Commitment(cur)
    }

    /// Checks the opening against `C`.
    pub fn verify(&self, c: &Commitment) -> Result<()> {
        if self.root() == *c {
            Ok(())
        } else {
            Err(Error::ProofInvalid {
                what: "slot opening",
            })
        }
    }
}

/// A set of distinct slots, in index order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotSet(u16);

impl SlotSet {
    /// The set of `slots`; refuses an empty set and duplicates.
    pub fn new(slots: &[Slot]) -> Result<Self> {
        let mut bits = 0u16;
        for s in slots {
            let b = 1u16 << s.index();
            if bits & b != 0 {
                return Err(Error::WitnessShape {
                    circuit: "commitment opening",
                    reason: "a slot is listed twice",
                });
            }
            bits |= b;
        }
        if bits == 0 {
            return Err(Error::WitnessShape {
                circuit: "commitment opening",
                reason: "no slot to open",
            });
        }
        Ok(Self(bits))
    }

    /// Whether the subtree at `(level, index)` contains an opened slot.
    pub fn touches(&self, level: usize, index: usize) -> bool {
        let width = 1usize << level;
        let lo = index * width;
        let mask: u32 = (((1u32 << width) - 1) << lo) & 0xffff;
        (u32::from(self.0) & mask) != 0
    }

    /// The slots, in index order.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        Slot::ALL
            .into_iter()
            .filter(|s| self.0 & (1 << s.index()) != 0)
    }

    /// Number of sibling nodes a multi-opening of this set needs.
    pub fn sibling_count(&self) -> usize {
        let mut n = 0;
        let _ = fold_slot_tree::<(), core::convert::Infallible>(
            self,
            &mut |_| Ok(()),
            &mut |_, _| {
                n += 1;
                Ok(())
            },
            &mut |_, _| Ok(()),
        );
        n
    }
}

/// The one traversal of the slot tree shared by native multi-openings and the in-circuit
/// opening gadget, so that both agree on which nodes are siblings and in what order.
///
/// Walks from the root, left child first. A subtree holding an opened slot is descended;
/// any other subtree is a sibling, visited by `sibling(level, index)` in traversal order.
/// Opened leaves are produced by `leaf(slot)`, inner nodes by `node(left, right)`. Every
/// position is a constant of the slot set: nothing about the shape is a witness.
pub fn fold_slot_tree<T, E>(
    set: &SlotSet,
    leaf: &mut dyn FnMut(Slot) -> core::result::Result<T, E>,
    sibling: &mut dyn FnMut(usize, usize) -> core::result::Result<T, E>,
    node: &mut dyn FnMut(T, T) -> core::result::Result<T, E>,
) -> core::result::Result<T, E> {
    fn go<T, E>(
        set: &SlotSet,
        level: usize,
        index: usize,
        leaf: &mut dyn FnMut(Slot) -> core::result::Result<T, E>,
        sibling: &mut dyn FnMut(usize, usize) -> core::result::Result<T, E>,
        node: &mut dyn FnMut(T, T) -> core::result::Result<T, E>,
    ) -> core::result::Result<T, E> {
        if !set.touches(level, index) {
            return sibling(level, index);
        }
        if level == 0 {
            return leaf(Slot::ALL[index]);
        }
        let l = go(set, level - 1, 2 * index, leaf, sibling, node)?;
        let r = go(set, level - 1, 2 * index + 1, leaf, sibling, node)?;
        node(l, r)
    }
    go(set, COMMITMENT_DEPTH, 0, leaf, sibling, node)
}

/// Several slots opened together: their values and salts, and the sibling nodes in the
/// order of [`fold_slot_tree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiOpening {
    /// `(slot, value, salt)` in slot order.
    pub openings: Vec<(Slot, Fr, Fr)>,
    /// Sibling nodes in traversal order.
    pub siblings: Vec<Fr>,
}

impl MultiOpening {
    /// The set of opened slots.
    pub fn slot_set(&self) -> Result<SlotSet> {
        SlotSet::new(&self.openings.iter().map(|o| o.0).collect::<Vec<_>>())
    }

    /// The value and salt of an opened slot.
    pub fn get(&self, slot: Slot) -> Option<(Fr, Fr)> {
        self.openings
            .iter()
            .find(|o| o.0 == slot)
            .map(|o| (o.1, o.2))
    }

    /// Recomputes the root.
    pub fn root(&self) -> Result<Commitment> {
        let set = self.slot_set()?;
        if self.siblings.len() != set.sibling_count() {
            return Err(Error::WitnessShape {
                circuit: "commitment opening",
                reason: "wrong number of sibling nodes",
            });
        }
        let mut sib = self.siblings.iter();
        let root = fold_slot_tree(
            &set,
            &mut |s| {
                let (v, salt) = self.get(s).ok_or(Error::WitnessShape {
                    circuit: "commitment opening",
                    reason: "slot missing",
                })?;
                Ok(slot_leaf(s, v, salt))
            },
            &mut |_, _| {
                sib.next().copied().ok_or(Error::WitnessShape {
                    circuit: "commitment opening",
                    reason: "too few sibling nodes",
                })
            },
            &mut |l, r| Ok(field_node(l, r)),
        )?;
        Ok(Commitment(root))
    }

    /// Checks the opening against `C`.
    pub fn verify(&self, c: &Commitment) -> Result<()> {
        if self.root()? == *c {
            Ok(())
        } else {
            Err(Error::ProofInvalid {
                what: "multi-slot opening",
            })
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    pub(crate) fn sample_fields(seed: u64) -> TransferFields {
        let k = |s: &str| ScreeningKey::derive(crate::field::KeyKind::Name, &format!("{s}{seed}"));
        TransferFields {
            fiat_value: 250_000,
            fiat_currency: 840,
            asset_amount: 1_500_000_000_000_000_000,
            asset_id: Word248::new(Fr::from(60u64)).unwrap(),
            beneficiary_address_key: ScreeningKey::derive(
                crate::field::KeyKind::Address,
                "eth:0xabc",
            ),
            originator_name_key: k("ALICE SMITH"),
            originator_id_key: Some(k("ID-1")),
            beneficiary_name_key: k("BOB JONES"),
            beneficiary_id_key: None,
            payload_digest: Word248::from_digest_prefix(&[7u8; 32]),
            envelope_id: 0x1e7bb3cc_53ff_41b8_870f_4c22110e6f04,
            originator_vasp_key: Word248::new(Fr::from(11u64)).unwrap(),
            beneficiary_vasp_key: Word248::new(Fr::from(12u64)).unwrap(),
            committed_at: 1_763_500_000,
        }
    }

    pub(crate) fn sample_tree(seed: u64) -> CommitmentTree {
        let mut rng = StdRng::seed_from_u64(seed);
        CommitmentTree::new(
            SlotValues::from_fields(&sample_fields(seed)),
            &MasterSalt::random(&mut rng),
        )
    }

    #[test]
    fn every_slot_opens_and_only_against_its_commitment() {
        let t = sample_tree(1);
        let other = sample_tree(2);
        for s in Slot::ALL {
            let o = t.open(s);
            o.verify(&t.commitment()).unwrap();
            assert!(o.verify(&other.commitment()).is_err());
            let mut wrong = o.clone();
            wrong.value += Fr::from(1u64);
            assert!(wrong.verify(&t.commitment()).is_err());
        }
    }

    #[test]
    fn an_opening_cannot_claim_another_position() {
        let t = sample_tree(3);
        let mut o = t.open(Slot::FiatValue);
        o.slot = Slot::Reserved;
        assert!(o.verify(&t.commitment()).is_err());
    }

    #[test]
    fn multi_openings_share_nodes() {
        let t = sample_tree(4);
        for slots in [
            vec![Slot::FiatValue, Slot::FiatCurrency],
            vec![
                Slot::AssetAmount,
                Slot::AssetId,
                Slot::BeneficiaryAddressKey,
            ],
            vec![
                Slot::BeneficiaryNameKey,
                Slot::BeneficiaryIdKey,
                Slot::BeneficiaryAddressKey,
            ],
            vec![Slot::Reserved],
        ] {
            let m = t.open_many(&slots).unwrap();
            m.verify(&t.commitment()).unwrap();
            assert!(m.siblings.len() < 4 * slots.len() || slots.len() == 1);
            let mut bad = m.clone();
            bad.openings[0].1 += Fr::from(1u64);
            assert!(bad.verify(&t.commitment()).is_err());
        }
        assert_eq!(
            SlotSet::new(&[Slot::FiatValue, Slot::FiatCurrency])
                .unwrap()
                .sibling_count(),
            4
        );
        assert!(t.open_many(&[]).is_err());
        assert!(t.open_many(&[Slot::FiatValue, Slot::FiatValue]).is_err());
    }

    #[test]
    fn ranges_are_checked() {
        assert_eq!(Slot::try_from(16), Err(Error::SlotOutOfRange { index: 16 }));
        assert_eq!(Slot::try_from(15), Ok(Slot::Reserved));
        let mut v = *SlotValues::from_fields(&sample_fields(1)).as_array();
        SlotValues::new(v).unwrap();
        v[1] = Fr::from(u64::MAX) + Fr::from(1u64);
        assert!(matches!(SlotValues::new(v), Err(Error::OutOfRange { .. })));
        let mut v = *SlotValues::from_fields(&sample_fields(1)).as_array();
        v[6] = Fr::zero();
        assert!(matches!(
            SlotValues::new(v),
            Err(Error::ZeroNotAllowed { .. })
        ));
        let mut v = *SlotValues::from_fields(&sample_fields(1)).as_array();
        v[0] = Fr::from(2u64);
        assert!(matches!(
            SlotValues::new(v),
            Err(Error::UnsupportedLayout { version: 2 })
        ));
        let mut v = *SlotValues::from_fields(&sample_fields(1)).as_array();
        v[2] = Fr::from(1000u64);
        assert!(SlotValues::new(v).is_err());
    }

    #[test]
    fn debug_never_shows_salts() {
        let t = sample_tree(5);
        let s = format!(
            "{t:?} {:?}",
            MasterSalt::from_fr(Fr::from(987_654_321_987u64))
        );
        assert!(s.contains("redacted"));
        assert!(!s.contains("987654321987"));
    }
}
