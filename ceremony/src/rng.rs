//! The deterministic randomness snarkjs derives keys from, reproduced exactly, because a
//! verifier must re-derive two things bit for bit:
//!
//! - the G2 point of every proof of knowledge, `hashToG2(h)`: ffjavascript's ChaCha20
//!   generator seeded with the first 32 bytes of `h` read as eight big-endian `u32`, then
//!   `G2.fromRng` (snarkjs `keypair.js`);
//! - a random beacon's whole key: SHA-256 iterated `2^n` times over the beacon value,
//!   the digest as eight big-endian `u32` seeding the same ChaCha (snarkjs
//!   `misc.rngFromBeaconParams`), then `Fr.fromRng` / `G1.fromRng`.
//!
//! ffjavascript's facts reproduced here (ffjavascript 0.3 `chacha.js`, `wasm_field1.js`,
//! `wasm_curve.js`, wasmcurves `build_f1m.js`/`build_f2m.js`):
//! - ChaCha20 block function with the constants, the 8 seed words as key, counter words
//!   12..15 starting at 0; each block yields 16 words in order.
//! - `nextU64` = first word * 2^32 + second word; `nextBool` = low bit of a word.
//! - `F.fromRng`: four `nextU64`, the i-th shifted by 64 i, masked to the bit length of
//!   the modulus (254), rejected while not below the modulus. The result is used as the
//!   element's *Montgomery* form, so the element is `v / 2^256`.
//! - `Fq2.fromRng`: `c0` then `c1`.
//! - `G.fromRng`: draw `x` then a sign bit, until `x^3 + b` is a square; `y` is the root
//!   whose sign (see [`crate::encoding::fq2_is_negative`]) equals the bit; G2 points are
//!   then multiplied by the full cofactor (not an endomorphism shortcut).

use crate::encoding::{fq_is_negative, fq2_is_negative};
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, Field, PrimeField};
use sha2::{Digest, Sha256};

/// ffjavascript's ChaCha20-based generator.
pub struct ChaChaRng {
    state: [u32; 16],
    block: [u32; 16],
    idx: usize,
}

fn quarter(st: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    st[a] = st[a].wrapping_add(st[b]);
    st[d] = (st[d] ^ st[a]).rotate_left(16);
    st[c] = st[c].wrapping_add(st[d]);
    st[b] = (st[b] ^ st[c]).rotate_left(12);
    st[a] = st[a].wrapping_add(st[b]);
    st[d] = (st[d] ^ st[a]).rotate_left(8);
    st[c] = st[c].wrapping_add(st[d]);
    st[b] = (st[b] ^ st[c]).rotate_left(7);
}

impl ChaChaRng {
    /// Seeded with eight words.
    pub fn new(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]);
        state[4..12].copy_from_slice(&seed);
        Self {
            state,
            block: [0; 16],
            idx: 16,
        }
    }

    /// Seeded with the first 32 bytes of `bytes`, read as big-endian words.
    pub fn from_seed_bytes(bytes: &[u8; 32]) -> Self {
        let mut seed = [0u32; 8];
        for (i, w) in seed.iter_mut().enumerate() {
            *w = u32::from_be_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ]);
        }
        Self::new(seed)
    }

    fn refill(&mut self) {
        let mut b = self.state;
        for _ in 0..10 {
            quarter(&mut b, 0, 4, 8, 12);
            quarter(&mut b, 1, 5, 9, 13);
            quarter(&mut b, 2, 6, 10, 14);
            quarter(&mut b, 3, 7, 11, 15);
            quarter(&mut b, 0, 5, 10, 15);
            quarter(&mut b, 1, 6, 11, 12);
            quarter(&mut b, 2, 7, 8, 13);
            quarter(&mut b, 3, 4, 9, 14);
        }
        for (o, s) in b.iter_mut().zip(self.state.iter()) {
            *o = o.wrapping_add(*s);
        }
        self.block = b;
        self.idx = 0;
        for i in 12..16 {
            self.state[i] = self.state[i].wrapping_add(1);
            if self.state[i] != 0 {
                break;
            }
        }
    }

    /// The next word.
    pub fn next_u32(&mut self) -> u32 {
        if self.idx == 16 {
            self.refill();
        }
        let w = self.block[self.idx];
        self.idx += 1;
        w
    }

    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        let lo = u64::from(self.next_u32());
        (hi << 32) | lo
    }

    fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }

    fn montgomery_word(&mut self, modulus: BigInt<4>) -> BigInt<4> {
        loop {
            let mut limbs = [0u64; 4];
            for l in limbs.iter_mut() {
                *l = self.next_u64();
            }
            // mask to 254 bits (both BN254 moduli have 254 bits)
            limbs[3] &= (1u64 << 62) - 1;
            let v = BigInt(limbs);
            if v < modulus {
                return v;
            }
        }
    }

    /// ffjavascript `Fr.fromRng`.
    pub fn fr(&mut self) -> Fr {
        Fr::new_unchecked(self.montgomery_word(Fr::MODULUS))
    }

    /// ffjavascript `Fq.fromRng`.
    pub fn fq(&mut self) -> Fq {
        Fq::new_unchecked(self.montgomery_word(Fq::MODULUS))
    }

    /// ffjavascript `G1.fromRng`.
    pub fn g1(&mut self) -> G1Affine {
        let b = ark_bn254::g1::Config::COEFF_B;
        loop {
            let x = self.fq();
            let greatest = self.next_bool();
            let rhs = x.square() * x + b;
            if let Some(mut y) = rhs.sqrt() {
                if fq_is_negative(&y) != greatest {
                    y = -y;
                }
                return G1Affine::new_unchecked(x, y);
            }
        }
    }

    /// ffjavascript `G2.fromRng`.
    pub fn g2(&mut self) -> G2Affine {
        let b = ark_bn254::g2::Config::COEFF_B;
        loop {
            let x = Fq2::new(self.fq(), self.fq());
            let greatest = self.next_bool();
            let rhs = x.square() * x + b;
            if let Some(mut y) = rhs.sqrt() {
                if fq2_is_negative(&y) != greatest {
                    y = -y;
                }
                let p = G2Projective::from(G2Affine::new_unchecked(x, y));
                return p
                    .mul_bigint(<ark_bn254::g2::Config as ark_ec::CurveConfig>::COFACTOR)
                    .into_affine();
            }
        }
    }
}

/// snarkjs `hashToG2`: the G2 point a proof of knowledge is checked against.
pub fn hash_to_g2(hash: &[u8; 64]) -> G2Affine {
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&hash[..32]);
    ChaChaRng::from_seed_bytes(&seed).g2()
}

/// snarkjs `rngFromBeaconParams`: SHA-256 applied `2^iterations_exp` times.
pub fn beacon_rng(beacon: &[u8], iterations_exp: u32) -> ChaChaRng {
    let n: u128 = 1u128 << iterations_exp;
    let mut cur: Vec<u8> = beacon.to_vec();
    let mut i: u128 = 0;
    while i < n {
        cur = Sha256::digest(&cur).to_vec();
        i += 1;
    }
    let mut seed = [0u8; 32];
    // 2^0 = 1 iteration at least, so `cur` is a 32-byte digest.
    seed.copy_from_slice(&cur[..32]);
    ChaChaRng::from_seed_bytes(&seed)
}

/// snarkjs `getRandomRng`: BLAKE2b-512 of 64 bytes of OS randomness and the entropy.
/// Nothing derived from it is stored or logged.
pub fn contributor_rng(entropy: &[u8]) -> Result<ChaChaRng, getrandom::Error> {
    let mut os = [0u8; 64];
    getrandom::fill(&mut os)?;
    let mut h = crate::blake2b::Blake2b::new();
    h.update(&os);
    h.update(entropy);
    let digest = h.finalize();
    os.fill(0);
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&digest[..32]);
    Ok(ChaChaRng::from_seed_bytes(&seed))
}
