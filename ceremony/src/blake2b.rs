//! BLAKE2b-512 (RFC 7693), the hash of every snarkjs ceremony transcript.
//!
//! Our own implementation because snarkjs stores a *paused* hash in each phase-1
//! contribution (`partialHash`, 216 bytes): the state after hashing the challenge and the
//! new points, so that a verifier can finish the response hash with the public key alone.
//! The layout is that of snarkjs's `misc.toPartialHash` (over `@noble/hashes` 1.x's
//! BLAKE2b): the 128-byte block buffer, the eight 64-bit chain words little-endian, then
//! as little-endian 32-bit words the bytes already compressed (low, high), the bytes
//! waiting in the buffer (low, high), and 8 zero bytes. As in noble, a full buffer is only
//! compressed when more input arrives, so the last block can be flagged final.

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// Size of a paused hash as snarkjs stores it.
pub const PARTIAL_STATE_LEN: usize = 216;

/// An incremental BLAKE2b with 64-byte output and no key.
#[derive(Clone)]
pub struct Blake2b {
    h: [u64; 8],
    buf: [u8; 128],
    pos: usize,
    /// Bytes already compressed.
    compressed: u64,
}

impl Default for Blake2b {
    fn default() -> Self {
        Self::new()
    }
}

impl Blake2b {
    /// A fresh hasher.
    pub fn new() -> Self {
        let mut h = IV;
        h[0] ^= 0x0101_0000 ^ 64;
        Self {
            h,
            buf: [0; 128],
            pos: 0,
            compressed: 0,
        }
    }

    fn compress(&mut self, last: bool) {
        let mut m = [0u64; 16];
        for (i, w) in m.iter_mut().enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.buf[i * 8..i * 8 + 8]);
            *w = u64::from_le_bytes(b);
        }
        let t = u128::from(self.compressed) + self.pos as u128;
        let mut v = [0u64; 16];
        v[..8].copy_from_slice(&self.h);
        v[8..].copy_from_slice(&IV);
        v[12] ^= t as u64;
        v[13] ^= (t >> 64) as u64;
        if last {
            v[14] = !v[14];
        }
        for round in 0..12 {
            let s = &SIGMA[round % 10];
            g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }
        for i in 0..8 {
            self.h[i] ^= v[i] ^ v[i + 8];
        }
    }

    /// Absorbs `data`.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.pos == 128 {
                self.compress(false);
                self.compressed += 128;
                self.pos = 0;
            }
            let take = (128 - self.pos).min(data.len());
            self.buf[self.pos..self.pos + take].copy_from_slice(&data[..take]);
            self.pos += take;
            data = &data[take..];
        }
    }

    /// The 64-byte digest.
    pub fn finalize(mut self) -> [u8; 64] {
        self.buf[self.pos..].fill(0);
        self.compress(true);
        let mut out = [0u8; 64];
        for (i, w) in self.h.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// The paused state in snarkjs's `partialHash` layout (see the module docs).
    pub fn partial_state(&self) -> [u8; PARTIAL_STATE_LEN] {
        let mut out = [0u8; PARTIAL_STATE_LEN];
        out[..self.pos].copy_from_slice(&self.buf[..self.pos]);
        for (i, w) in self.h.iter().enumerate() {
            out[128 + i * 8..136 + i * 8].copy_from_slice(&w.to_le_bytes());
        }
        out[192..200].copy_from_slice(&self.compressed.to_le_bytes());
        out[200..208].copy_from_slice(&(self.pos as u64).to_le_bytes());
        out
    }

    /// Resumes a paused state; `None` if the buffered length is impossible.
    pub fn from_partial_state(state: &[u8; PARTIAL_STATE_LEN]) -> Option<Self> {
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&state[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let pos = usize::try_from(word(200)).ok().filter(|p| *p <= 128)?;
        let compressed = word(192);
        if compressed % 128 != 0 {
            return None;
        }
        let mut h = [0u64; 8];
        for (i, w) in h.iter_mut().enumerate() {
            *w = word(128 + i * 8);
        }
        let mut buf = [0u8; 128];
        buf[..pos].copy_from_slice(&state[..pos]);
        Some(Self {
            h,
            buf,
            pos,
            compressed,
        })
    }
}

#[inline(always)]
fn g(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

/// BLAKE2b-512 of one message.
pub fn blake2b(data: &[u8]) -> [u8; 64] {
    let mut h = Blake2b::new();
    h.update(data);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn rfc_7693_vectors() {
        assert_eq!(
            hex(&blake2b(b"abc")),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
             7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        );
        assert_eq!(
            hex(&blake2b(b"")),
            "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419\
             d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"
        );
    }

    #[test]
    fn paused_state_resumes_to_the_same_digest() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for cut in [0, 1, 127, 128, 129, 256, 999] {
            let mut a = Blake2b::new();
            a.update(&data[..cut]);
            let state = a.partial_state();
            let mut b = Blake2b::from_partial_state(&state).expect("state");
            b.update(&data[cut..]);
            assert_eq!(b.finalize(), blake2b(&data), "cut {cut}");
        }
    }
}
