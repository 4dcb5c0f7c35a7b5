//! Byte and text encodings shared by the bundle, the keys and the exports: field
//! elements as 32 big-endian bytes (or `0x` + 64 hex digits), Groth16 proofs as 128
//! compressed bytes (arkworks' canonical compressed form of `A`, `B`, `C`).

use ark_bn254::Bn254;
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use zktr_circuits::Fr;
use zktr_circuits::field::fr_from_be_bytes;

/// A Groth16 proof over BN254.
pub type Groth16Proof = Proof<Bn254>;

/// Length of a compressed proof: `A` (G1, 32) + `B` (G2, 64) + `C` (G1, 32).
pub const PROOF_BYTES: usize = 128;

/// Why bytes or text do not decode to a field element or a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// Wrong length.
    #[error("{what} must be {expected} bytes, got {got}")]
    Length {
        /// What was decoded.
        what: &'static str,
        /// Required length.
        expected: usize,
        /// Given length.
        got: usize,
    },
    /// 32 bytes at or above the BN254 scalar modulus.
    #[error("{what} is not a BN254 scalar (at or above the modulus)")]
    NotAScalar {
        /// What was decoded.
        what: &'static str,
    },
    /// Not valid hex.
    #[error("{what} is not valid hex")]
    Hex {
        /// What was decoded.
        what: &'static str,
    },
    /// A proof whose points are not valid compressed curve points in the right subgroup.
    #[error("the proof's points are not valid compressed BN254 points: {reason}")]
    BadPoints {
        /// arkworks' reason.
        reason: String,
    },
}

/// A field element as 32 big-endian bytes.
pub use zktr_circuits::field::fr_to_be_bytes as fr_to_bytes;
/// `0x` + 64 lower-case hex digits (the form circom tools print).
pub use zktr_circuits::field::fr_to_hex;

/// A field element from exactly 32 big-endian bytes below the modulus.
pub fn fr_from_bytes(what: &'static str, bytes: &[u8]) -> Result<Fr, EncodingError> {
    let arr: &[u8; 32] = bytes.try_into().map_err(|_| EncodingError::Length {
        what,
        expected: 32,
        got: bytes.len(),
    })?;
    fr_from_be_bytes(arr).map_err(|_| EncodingError::NotAScalar { what })
}

/// Parses [`fr_to_hex`] (the `0x` is optional).
pub fn fr_from_hex(what: &'static str, s: &str) -> Result<Fr, EncodingError> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    let bytes = hex::decode(digits).map_err(|_| EncodingError::Hex { what })?;
    fr_from_bytes(what, &bytes)
}

/// Fixed-length bytes from hex.
pub fn bytes_from_hex<const N: usize>(
    what: &'static str,
    s: &str,
) -> Result<[u8; N], EncodingError> {
    let bytes =
        hex::decode(s.strip_prefix("0x").unwrap_or(s)).map_err(|_| EncodingError::Hex { what })?;
    let got = bytes.len();
    bytes.try_into().map_err(|_| EncodingError::Length {
        what,
        expected: N,
        got,
    })
}

/// The 128-byte compressed form of a proof.
pub fn proof_to_bytes(proof: &Groth16Proof) -> [u8; PROOF_BYTES] {
    let mut out = [0u8; PROOF_BYTES];
    // Writing a fixed-size proof into a buffer of exactly its size cannot fail.
    let _ = proof.serialize_compressed(&mut out[..]);
    out
}

/// A proof from its 128 compressed bytes, with full point validation (on the curve, in
/// the prime-order subgroup): proofs come from outside.
pub fn proof_from_bytes(bytes: &[u8]) -> Result<Groth16Proof, EncodingError> {
    if bytes.len() != PROOF_BYTES {
        return Err(EncodingError::Length {
            what: "proof",
            expected: PROOF_BYTES,
            got: bytes.len(),
        });
    }
    Groth16Proof::deserialize_compressed(bytes).map_err(|e| EncodingError::BadPoints {
        reason: e.to_string(),
    })
}

/// serde helpers: field elements and byte strings as hex text in JSON.
pub(crate) mod serde_hex {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// One field element as `0x` + 64 hex digits.
    pub mod fr {
        use super::*;
        /// Serializes.
        pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&fr_to_hex(x))
        }
        /// Deserializes.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
            let s = String::deserialize(d)?;
            fr_from_hex("field element", &s).map_err(D::Error::custom)
        }
    }

    /// A list of field elements.
    pub mod fr_vec {
        use super::*;
        /// Serializes.
        pub fn serialize<S: Serializer>(xs: &[Fr], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(xs.iter().map(fr_to_hex))
        }
        /// Deserializes.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
            let v = Vec::<String>::deserialize(d)?;
            v.iter()
                .map(|s| fr_from_hex("public input", s).map_err(D::Error::custom))
                .collect()
        }
    }

    /// A commitment `C` as one field element.
    pub mod commitment {
        use super::*;
        use zktr_circuits::commitment::Commitment;
        /// Serializes.
        pub fn serialize<S: Serializer>(c: &Commitment, s: S) -> Result<S::Ok, S::Error> {
            super::fr::serialize(&c.0, s)
        }
        /// Deserializes.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Commitment, D::Error> {
            super::fr::deserialize(d).map(Commitment)
        }
    }

    /// Fixed-length bytes as plain hex.
    pub mod bytes {
        use super::*;
        /// Serializes.
        pub fn serialize<S: Serializer, const N: usize>(
            b: &[u8; N],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            s.serialize_str(&hex::encode(b))
        }
        /// Deserializes.
        pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
            d: D,
        ) -> Result<[u8; N], D::Error> {
            let s = String::deserialize(d)?;
            bytes_from_hex::<N>("bytes", &s).map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_round_trip_and_refuse_the_modulus() {
        let x = -Fr::from(5u64);
        assert_eq!(fr_from_bytes("x", &fr_to_bytes(&x)).unwrap(), x);
        assert_eq!(fr_from_hex("x", &fr_to_hex(&x)).unwrap(), x);
        assert!(matches!(
            fr_from_bytes("x", &[0xff; 32]),
            Err(EncodingError::NotAScalar { .. })
        ));
        assert!(matches!(
            fr_from_bytes("x", &[1; 31]),
            Err(EncodingError::Length { got: 31, .. })
        ));
        assert!(matches!(
            fr_from_hex("x", "0xzz"),
            Err(EncodingError::Hex { .. })
        ));
    }

    #[test]
    fn garbage_is_not_a_proof() {
        assert!(matches!(
            proof_from_bytes(&[7u8; 127]),
            Err(EncodingError::Length { got: 127, .. })
        ));
        assert!(matches!(
            proof_from_bytes(&[0xabu8; 128]),
            Err(EncodingError::BadPoints { .. })
        ));
    }
}
