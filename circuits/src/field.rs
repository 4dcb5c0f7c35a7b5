//! Field elements and the bounded integer types zktr stores in them.
//!
//! Every value that is compared or range-checked in a circuit has a Rust type that
//! guarantees its range, so out-of-range input is refused natively with a typed error
//! before anything is committed or proven.

use crate::domain;
use crate::error::{Error, Result};
use ark_ff::{BigInteger, PrimeField, Zero};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

pub use ark_bn254::Fr;

/// Bit width of screening keys, sanctions-set keys and other "words" (see the design:
/// ordered values are integers below 2^248 so that comparisons stay sound).
pub const KEY_BITS: u32 = 248;

/// `Fr` from a `u64`.
pub fn fr_from_u64(v: u64) -> Fr {
    Fr::from(v)
}

/// `Fr` from a `u128`.
pub fn fr_from_u128(v: u128) -> Fr {
    Fr::from(v)
}

/// Number of significant bits of the canonical integer of `x`.
pub fn bit_len(x: &Fr) -> u32 {
    x.into_bigint().num_bits()
}

/// Whether the canonical integer of `x` is below `2^bits`.
pub fn fits_bits(x: &Fr, bits: u32) -> bool {
    bit_len(x) <= bits
}

/// The canonical integer of `x` as a `u64`, if it fits.
pub fn fr_to_u64(x: &Fr) -> Option<u64> {
    if !fits_bits(x, 64) {
        return None;
    }
    Some(x.into_bigint().0[0])
}

/// The canonical integer of `x` as a `u128`, if it fits.
pub fn fr_to_u128(x: &Fr) -> Option<u128> {
    if !fits_bits(x, 128) {
        return None;
    }
    let limbs = x.into_bigint().0;
    Some((limbs[0] as u128) | ((limbs[1] as u128) << 64))
}

/// Compares two field elements as integers (canonical representatives).
pub fn cmp_as_integers(a: &Fr, b: &Fr) -> core::cmp::Ordering {
    a.into_bigint().cmp(&b.into_bigint())
}

/// Big-endian 32-byte encoding of the canonical integer of `x`.
pub fn fr_to_be_bytes(x: &Fr) -> [u8; 32] {
    let v = x.into_bigint().to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(&v);
    out
}

/// `Fr` from 32 big-endian bytes; refuses values at or above the modulus.
pub fn fr_from_be_bytes(bytes: &[u8; 32]) -> Result<Fr> {
    let n = BigUint::from_bytes_be(bytes);
    fr_from_biguint(&n).ok_or_else(|| Error::NotAFieldElement {
        input: format!("0x{}", hex_lower(bytes)),
    })
}

fn fr_from_biguint(n: &BigUint) -> Option<Fr> {
    let modulus: BigUint = Fr::MODULUS.into();
    if n >= &modulus {
        return None;
    }
    Some(Fr::from(n.clone()))
}

/// `0x`-prefixed, 64-digit lower-case hex of `x` (big-endian), as circom tools print it.
pub fn fr_to_hex(x: &Fr) -> String {
    format!("0x{}", hex_lower(&fr_to_be_bytes(x)))
}

/// Decimal string of the canonical integer of `x` (the form snarkjs uses).
pub fn fr_to_decimal(x: &Fr) -> String {
    let n: BigUint = x.into_bigint().into();
    n.to_str_radix(10)
}

/// Parses a decimal or `0x`-hex number below the modulus.
pub fn fr_parse(s: &str) -> Result<Fr> {
    let t = s.trim();
    let err = || Error::NotAFieldElement {
        input: t.chars().take(80).collect(),
    };
    let n = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        BigUint::parse_bytes(h.as_bytes(), 16).ok_or_else(err)?
    } else {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        BigUint::parse_bytes(t.as_bytes(), 10).ok_or_else(err)?
    };
    fr_from_biguint(&n).ok_or_else(err)
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A field element below 2^248: the width of every ordered or digest-like slot value
/// (asset ids, payload digests, VASP keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Word248(Fr);

impl Word248 {
    /// Checks the range.
    pub fn new(x: Fr) -> Result<Self> {
        if !fits_bits(&x, KEY_BITS) {
            return Err(Error::OutOfRange {
                what: "a 248-bit word",
                bits: KEY_BITS,
            });
        }
        Ok(Self(x))
    }

    /// The first 31 bytes of a digest, big-endian: always below 2^248.
    pub fn from_digest_prefix(digest: &[u8; 32]) -> Self {
        let mut b = [0u8; 32];
        b[1..].copy_from_slice(&digest[..31]);
        // 31 bytes are at most 2^248 - 1 < p, so this cannot fail.
        Self(Fr::from_be_bytes_mod_order(&b))
    }

    /// The field element.
    pub fn to_fr(self) -> Fr {
        self.0
    }
}

/// Kinds of screening key. The kind is hashed into the key, so a name can never collide
/// with an address or an identifier by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum KeyKind {
    /// A normalized person or entity name.
    Name = 1,
    /// A national identifier, passport number, LEI or other identity document number,
    /// normalized and prefixed by its type and issuing country as the normalizer defines.
    Identifier = 2,
    /// A digital-currency address in its chain's canonical form, prefixed by the chain.
    Address = 3,
    /// A VASP identifier (e.g. its LEI or TRISA common name).
    Vasp = 4,
}

/// A screening key: `0 < key < 2^248`, derived from normalized text by SHA-256.
///
/// `key = first 31 bytes of SHA-256(SCREENING_KEY_PREFIX || 0x00 || kind || text)`,
/// read big-endian; the all-zero value (probability 2^-248) is mapped to 1 so that 0 can
/// mean "no key" in id slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScreeningKey(Fr);

impl ScreeningKey {
    /// Derives the key of already-normalized text. Normalization is not done here (it
    /// belongs with the IVMS101 model); callers must use the one shared normalizer.
    pub fn derive(kind: KeyKind, normalized: &str) -> Self {
        let mut h = Sha256::new();
        h.update(domain::SCREENING_KEY_PREFIX);
        h.update([0u8, kind as u8]);
        h.update(normalized.as_bytes());
        let digest: [u8; 32] = h.finalize().into();
        let w = Word248::from_digest_prefix(&digest).to_fr();
        if w.is_zero() {
            Self(Fr::from(1u64))
        } else {
            Self(w)
        }
    }

    /// Checks `0 < x < 2^248`.
    pub fn new(x: Fr) -> Result<Self> {
        if x.is_zero() {
            return Err(Error::ZeroNotAllowed {
                what: "a screening key",
            });
        }
        Word248::new(x).map_err(|_| Error::OutOfRange {
            what: "a screening key",
            bits: KEY_BITS,
        })?;
        Ok(Self(x))
    }

    /// The field element.
    pub fn to_fr(self) -> Fr {
        self.0
    }
}

impl PartialOrd for ScreeningKey {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ScreeningKey {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        cmp_as_integers(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print_round_trip() {
        let x = fr_parse(
            "7853200120776062878684798364095072458815029376092732009249414926327459813530",
        )
        .unwrap();
        assert_eq!(
            fr_to_hex(&x),
            "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a"
        );
        assert_eq!(fr_parse(&fr_to_hex(&x)).unwrap(), x);
        assert_eq!(
            fr_to_decimal(&x),
            "7853200120776062878684798364095072458815029376092732009249414926327459813530"
        );
    }

    #[test]
    fn parse_rejects_modulus_and_junk() {
        let p = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
        assert!(matches!(fr_parse(p), Err(Error::NotAFieldElement { .. })));
        for bad in ["", "0x", "-1", "12a", "0xzz", "1 2"] {
            assert!(fr_parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(fr_parse("0").unwrap(), Fr::zero());
    }

    #[test]
    fn bounded_types_refuse_out_of_range() {
        let two_248 = fr_parse(&format!("0x1{}", "0".repeat(62))).unwrap();
        assert!(Word248::new(two_248).is_err());
        assert!(Word248::new(two_248 - Fr::from(1u64)).is_ok());
        assert!(matches!(
            ScreeningKey::new(two_248),
            Err(Error::OutOfRange { .. })
        ));
        assert!(matches!(
            ScreeningKey::new(Fr::zero()),
            Err(Error::ZeroNotAllowed { .. })
        ));
        assert_eq!(fr_to_u64(&Fr::from(u64::MAX)), Some(u64::MAX));
        assert_eq!(fr_to_u64(&(Fr::from(u64::MAX) + Fr::from(1u64))), None);
        assert_eq!(fr_to_u128(&Fr::from(u128::MAX)), Some(u128::MAX));
    }

    #[test]
    fn screening_keys_depend_on_kind() {
        let a = ScreeningKey::derive(KeyKind::Name, "DOE JOHN");
        let b = ScreeningKey::derive(KeyKind::Identifier, "DOE JOHN");
        assert_ne!(a, b);
        assert!(fits_bits(&a.to_fr(), KEY_BITS));
        assert_eq!(a, ScreeningKey::derive(KeyKind::Name, "DOE JOHN"));
    }
}
