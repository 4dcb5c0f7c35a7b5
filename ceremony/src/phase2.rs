//! Phase 2 per circuit in snarkjs's `.zkey` format (Groth16), and the arkworks key.
//!
//! Sections (facts from snarkjs `zkey_new.js`, `zkey_utils.js`, `zkey_contribute.js`,
//! `zkey_beacon.js`, `zkey_verify_frominit.js`; points LEM, see `crate::encoding`):
//!
//! | id | content |
//! | ---: | --- |
//! | 1 | `u32` protocol, 1 = Groth16 |
//! | 2 | `u32` 32, Fq modulus, `u32` 32, Fr modulus, `u32` wires, `u32` public values, `u32` domain size, alpha G1, beta G1, beta G2, gamma G2 (= generator), delta G1, delta G2 |
//! | 3 | IC: `(beta A_i + alpha B_i + C_i)(tau) G1` for the constant and public inputs |
//! | 4 | `u32` count, then `u32` matrix (0 = A, 1 = B), `u32` constraint, `u32` wire, coefficient times 2^512 (32 bytes LE): the A and B entries, then `A[n_constraints + i][i] = 1` for i ≤ public |
//! | 5 | `A_i(tau) G1` per wire; 6: `B_i(tau) G1`; 7: `B_i(tau) G2` |
//! | 8 | L: `(beta A_i + alpha B_i + C_i)(tau) / delta G1` for the private wires |
//! | 9 | H: the odd-indexed Lagrange points of the domain of twice the size, `/ delta` |
//! | 10 | 64-byte circuit hash, `u32` count, contributions: delta after it (G1), `g1_s`, `g1_sx`, `g2_spx`, 64-byte transcript, `u32` type, parameters as in phase 1 |
//!
//! The circuit hash is BLAKE2b-512 over the uncompressed header points (with delta the
//! generator), then per point section (IC, H, L, A, B1, B2) its big-endian `u32` length
//! and its points; for H it hashes `tau^(n+i) - tau^i` from phase 1's powers. snarkjs
//! 0.7 hashes those in chunks of 2^14 points but sizes every chunk as the first one, so
//! for domains of 2^15 and up it hashes `i` up to the next multiple of 2^14 past `n - 2`;
//! when phase 1 has exactly the circuit's power that reads the 64 bytes that follow the
//! tauG1 section in the file, which in any snarkjs-ordered `.ptau` are section 3's
//! header and the start of `tauG2[0]` (= the G2 generator). We try to hash the same
//! (`past_tau_g1_minus`), but that does NOT yet match snarkjs: for
//! `not_sanctioned.beneficiary/v1` over a 2^15 phase 1 our circuit hash differs from
//! `snarkjs zkey new`'s although every key section is identical. Below 2^15, or with a
//! phase 1 larger than the circuit, no such read happens; [`snarkjs_can_check`] tells
//! the two cases apart and `folder::init` refuses the other one unless asked.
//!
//! A contribution multiplies delta by a secret `d` and divides L and H by it. Its proof
//! of knowledge: `g1_s` random, `g1_sx = d g1_s`, transcript = BLAKE2b(circuit hash,
//! every earlier contribution's public key, `g1_s`, `g1_sx`), `g2_spx = d hashToG2(transcript)`.
//! The contribution hash a participant publishes is BLAKE2b of its public key (delta
//! after, `g1_s`, `g1_sx`, `g2_spx`, transcript).
//!
//! **arkworks differs** in two places, both converted by [`proving_key`]: the
//! public inputs' points are `gamma_abc_g1` with `gamma = 1` (snarkjs's IC, gamma G2 the
//! generator), and arkworks' `h_query[i] = tau^i Z(tau) / delta` (i < n - 1) is not
//! snarkjs's Lagrange form: on the odd points `x_j = w^(2j+1)` of the double domain,
//! `Z(x_j) = -2`, so `h_query[i] = -2 w^i FFT_n(H)[i]`.

use crate::binfile::{BinFile, BinWriter, Reader, write_atomically};
use crate::blake2b::Blake2b;
use crate::encoding::{self, G1_LEN, G2_LEN, fr_to_le};
use crate::error::{CeremonyError, Result};
use crate::phase1::{ContributionKind, ContributionRecord, PowersOfTau, check_beacon};
use crate::points;
use crate::r1cs::R1cs;
use crate::rng::{self, ChaChaRng};
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, BigInteger, Field, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use tracing::info;
use zktr_circuits::circuits::CircuitId;

/// One phase-2 contribution as recorded in section 10.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2Contribution {
    /// delta G1 after it.
    pub delta_after: G1Affine,
    /// Random G1 point `s`.
    pub g1_s: G1Affine,
    /// `d s`.
    pub g1_sx: G1Affine,
    /// `d hashToG2(transcript)`.
    pub g2_spx: G2Affine,
    /// Hash of everything before it and `g1_s`, `g1_sx`.
    pub transcript: [u8; 64],
    /// Participant or beacon.
    pub kind: ContributionKind,
    /// The contributor's name.
    pub name: Option<String>,
}

impl Phase2Contribution {
    fn public_key_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 * G1_LEN + G2_LEN + 64);
        out.extend_from_slice(&encoding::g1_uncompressed(&self.delta_after));
        out.extend_from_slice(&encoding::g1_uncompressed(&self.g1_s));
        out.extend_from_slice(&encoding::g1_uncompressed(&self.g1_sx));
        out.extend_from_slice(&encoding::g2_uncompressed(&self.g2_spx));
        out.extend_from_slice(&self.transcript);
        out
    }

    /// The hash the contributor publishes.
    pub fn hash(&self) -> [u8; 64] {
        crate::blake2b::blake2b(&self.public_key_bytes())
    }
}

/// A Groth16 `.zkey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zkey {
    /// Wires including the constant 1.
    pub n_vars: u32,
    /// Public values (without the constant 1).
    pub n_public: u32,
    /// FFT domain size.
    pub domain_size: u32,
    /// alpha G1.
    pub alpha_g1: G1Affine,
    /// beta G1.
    pub beta_g1: G1Affine,
    /// beta G2.
    pub beta_g2: G2Affine,
    /// gamma G2 (the generator).
    pub gamma_g2: G2Affine,
    /// delta G1.
    pub delta_g1: G1Affine,
    /// delta G2.
    pub delta_g2: G2Affine,
    /// Section 3.
    pub ic: Vec<G1Affine>,
    /// Section 4, raw.
    pub coeffs: Vec<u8>,
    /// Section 5.
    pub a: Vec<G1Affine>,
    /// Section 6.
    pub b1: Vec<G1Affine>,
    /// Section 7.
    pub b2: Vec<G2Affine>,
    /// Section 8.
    pub l: Vec<G1Affine>,
    /// Section 9.
    pub h: Vec<G1Affine>,
    /// The circuit hash.
    pub circuit_hash: [u8; 64],
    /// The contributions, oldest first.
    pub contributions: Vec<Phase2Contribution>,
}

impl Zkey {
    /// Reads a `.zkey` file (Groth16, BN254), checking every point.
    pub fn read(path: &Path) -> Result<Self> {
        let file = BinFile::read(path, b"zkey", 1)?;
        let mut r = Reader::new(file.section(1)?, path, "protocol (1)");
        let protocol = r.u32()?;
        if protocol != 1 {
            return Err(r.error(format!("protocol {protocol} is not Groth16")));
        }
        let mut r = Reader::new(file.section(2)?, path, "header (2)");
        if r.u32()? != 32 || r.take(32)? != Fq::MODULUS.to_bytes_le().as_slice() {
            return Err(r.error("the curve is not BN254 (bn128)"));
        }
        if r.u32()? != 32 || r.take(32)? != Fr::MODULUS.to_bytes_le().as_slice() {
            return Err(r.error("the scalar field is not BN254's"));
        }
        let n_vars = r.u32()?;
        let n_public = r.u32()?;
        let domain_size = r.u32()?;
        if n_public >= n_vars || !domain_size.is_power_of_two() {
            return Err(r.error("sizes out of range"));
        }
        let g1 = |r: &mut Reader<'_>| -> Result<G1Affine> { Ok(points::read_g1s(r, 1)?[0]) };
        let g2 = |r: &mut Reader<'_>| -> Result<G2Affine> { Ok(points::read_g2s(r, 1)?[0]) };
        let alpha_g1 = g1(&mut r)?;
        let beta_g1 = g1(&mut r)?;
        let beta_g2 = g2(&mut r)?;
        let gamma_g2 = g2(&mut r)?;
        let delta_g1 = g1(&mut r)?;
        let delta_g2 = g2(&mut r)?;
        r.finish()?;
        let sec_g1 = |id: u32, what: &'static str, n: usize| -> Result<Vec<G1Affine>> {
            let mut r = Reader::new(file.section(id)?, path, what);
            let v = points::read_g1s(&mut r, n)?;
            r.finish()?;
            Ok(v)
        };
        let nv = n_vars as usize;
        let np = n_public as usize;
        let ic = sec_g1(3, "IC (3)", np + 1)?;
        let coeffs = file.section(4)?.to_vec();
        let a = sec_g1(5, "A (5)", nv)?;
        let b1 = sec_g1(6, "B1 (6)", nv)?;
        let mut rb = Reader::new(file.section(7)?, path, "B2 (7)");
        // Compared point for point with the recomputed initial key by `verify`.
        let b2 = points::read_g2s_on_curve(&mut rb, nv)?;
        rb.finish()?;
        let l = sec_g1(8, "C (8)", nv - np - 1)?;
        let h = sec_g1(9, "H (9)", domain_size as usize)?;
        let mut r = Reader::new(file.section(10)?, path, "contributions (10)");
        let mut circuit_hash = [0u8; 64];
        circuit_hash.copy_from_slice(r.take(64)?);
        let n = r.u32()?;
        let mut contributions = Vec::new();
        for _ in 0..n {
            let delta_after = g1(&mut r)?;
            let g1_s = g1(&mut r)?;
            let g1_sx = g1(&mut r)?;
            let g2_spx = g2(&mut r)?;
            let mut transcript = [0u8; 64];
            transcript.copy_from_slice(r.take(64)?);
            let kind_id = r.u32()?;
            let (name, beacon) = crate::params::read(&mut r)?;
            let kind = match (kind_id, beacon) {
                (0, _) => ContributionKind::Participant,
                (1, Some((iterations_exp, value))) => ContributionKind::Beacon {
                    value,
                    iterations_exp,
                },
                _ => {
                    return Err(r.error(format!(
                        "contribution type {kind_id} without its parameters"
                    )));
                }
            };
            contributions.push(Phase2Contribution {
                delta_after,
                g1_s,
                g1_sx,
                g2_spx,
                transcript,
                kind,
                name,
            });
        }
        r.finish()?;
        Ok(Self {
            n_vars,
            n_public,
            domain_size,
            alpha_g1,
            beta_g1,
            beta_g2,
            gamma_g2,
            delta_g1,
            delta_g2,
            ic,
            coeffs,
            a,
            b1,
            b2,
            l,
            h,
            circuit_hash,
            contributions,
        })
    }

    /// The file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = BinWriter::new(b"zkey", 1);
        w.section(1, &1u32.to_le_bytes());
        let mut h = Vec::new();
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&Fq::MODULUS.to_bytes_le());
        h.extend_from_slice(&32u32.to_le_bytes());
        h.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        h.extend_from_slice(&self.n_vars.to_le_bytes());
        h.extend_from_slice(&self.n_public.to_le_bytes());
        h.extend_from_slice(&self.domain_size.to_le_bytes());
        points::write_g1s(&mut h, &[self.alpha_g1, self.beta_g1]);
        points::write_g2s(&mut h, &[self.beta_g2, self.gamma_g2]);
        points::write_g1s(&mut h, &[self.delta_g1]);
        points::write_g2s(&mut h, &[self.delta_g2]);
        w.section(2, &h);
        let mut b = Vec::new();
        points::write_g1s(&mut b, &self.ic);
        w.section(3, &b);
        w.section(4, &self.coeffs);
        for (id, s) in [(5u32, &self.a), (6, &self.b1)] {
            b.clear();
            points::write_g1s(&mut b, s);
            w.section(id, &b);
        }
        b.clear();
        points::write_g2s(&mut b, &self.b2);
        w.section(7, &b);
        for (id, s) in [(8u32, &self.l), (9, &self.h)] {
            b.clear();
            points::write_g1s(&mut b, s);
            w.section(id, &b);
        }
        b.clear();
        b.extend_from_slice(&self.circuit_hash);
        b.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
        for c in &self.contributions {
            points::write_g1s(&mut b, &[c.delta_after, c.g1_s, c.g1_sx]);
            points::write_g2s(&mut b, &[c.g2_spx]);
            b.extend_from_slice(&c.transcript);
            let (kind, beacon) = match &c.kind {
                ContributionKind::Participant => (0u32, None),
                ContributionKind::Beacon {
                    value,
                    iterations_exp,
                } => (1u32, Some((*iterations_exp, value.as_slice()))),
            };
            b.extend_from_slice(&kind.to_le_bytes());
            crate::params::write(&mut b, c.name.as_deref(), beacon);
        }
        w.section(10, &b);
        w.finish()
    }

    /// Writes the file (through a temporary file and a rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_bytes())
    }

    fn transcript_hasher(&self) -> Blake2b {
        let mut h = Blake2b::new();
        h.update(&self.circuit_hash);
        for c in &self.contributions {
            h.update(&c.public_key_bytes());
        }
        h
    }

    fn apply(
        &mut self,
        name: Option<&str>,
        kind: ContributionKind,
        rng: &mut ChaChaRng,
    ) -> [u8; 64] {
        let mut hasher = self.transcript_hasher();
        let d = rng.fr();
        let g1_s = rng.g1();
        let g1_sx = (g1_s * d).into_affine();
        hasher.update(&encoding::g1_uncompressed(&g1_s));
        hasher.update(&encoding::g1_uncompressed(&g1_sx));
        let transcript = hasher.finalize();
        let g2_spx = (rng::hash_to_g2(&transcript) * d).into_affine();
        self.delta_g1 = (self.delta_g1 * d).into_affine();
        self.delta_g2 = (self.delta_g2 * d).into_affine();
        let inv = d.inverse().unwrap_or(Fr::ZERO);
        info!(
            points = self.l.len() + self.h.len(),
            "phase 2: dividing L and H by the new delta"
        );
        points::scale_g1(&mut self.l, inv, Fr::ONE);
        points::scale_g1(&mut self.h, inv, Fr::ONE);
        let c = Phase2Contribution {
            delta_after: self.delta_g1,
            g1_s,
            g1_sx,
            g2_spx,
            transcript,
            kind,
            name: name.map(|n| {
                let mut end = n.len().min(64);
                while !n.is_char_boundary(end) {
                    end -= 1;
                }
                n[..end].to_string()
            }),
        };
        let hash = c.hash();
        self.contributions.push(c);
        hash
    }
}

/// A verified phase-2 transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// The circuit's name (e.g. `threshold/v1`).
    pub circuit: String,
    /// snarkjs's circuit hash (the circuit's constraints over this phase 1).
    pub circuit_hash: [u8; 64],
    /// Every contribution with the hash its contributor published.
    pub contributions: Vec<ContributionRecord>,
    /// The ceremony's name for manifests and policies: BLAKE2b-512 of the circuit hash
    /// and every contribution's public key, in order.
    pub transcript_hash: [u8; 64],
}

/// Phase 2 of one circuit over one phase 1: the initial key (recomputed, never trusted
/// from a file) against which every step is checked.
pub struct Phase2 {
    circuit: String,
    ptau_path: PathBuf,
    initial: Zkey,
}

impl Phase2 {
    /// Reads the phase-1 file and prepares phase 2 of `circuit` over it.
    pub fn new(ptau: &Path, circuit: CircuitId) -> Result<Self> {
        let pot = PowersOfTau::read(ptau)?;
        Self::from_phase1(&pot, ptau, circuit)
    }

    /// As [`Phase2::new`] with a phase 1 already read from `ptau_path`.
    pub fn from_phase1(pot: &PowersOfTau, ptau_path: &Path, circuit: CircuitId) -> Result<Self> {
        Self::from_r1cs(
            pot,
            ptau_path,
            &R1cs::of_circuit(circuit)?,
            &circuit.to_string(),
        )
    }

    /// Phase 2 of any constraint system (`label` names it in errors and transcripts).
    pub fn from_r1cs(
        pot: &PowersOfTau,
        ptau_path: &Path,
        r1cs: &R1cs,
        label: &str,
    ) -> Result<Self> {
        let initial = points::with_big_stacks(|| initial_zkey(pot, ptau_path, r1cs, label))??;
        Ok(Self {
            circuit: label.to_string(),
            ptau_path: ptau_path.to_path_buf(),
            initial,
        })
    }

    /// The circuit's name.
    pub fn circuit(&self) -> &str {
        &self.circuit
    }

    /// The initial key, no contribution yet (`zktr ceremony init`).
    pub fn initial(&self) -> &Zkey {
        &self.initial
    }

    /// Writes the initial `.zkey`; returns the circuit hash.
    pub fn init(&self, out: &Path) -> Result<[u8; 64]> {
        self.initial.write(out)?;
        Ok(self.initial.circuit_hash)
    }

    /// Verifies `input`, adds a participant's contribution (fresh OS randomness mixed
    /// with `entropy`; the secret is dropped when this returns), writes `output` and
    /// returns the contribution hash to publish.
    pub fn contribute(
        &self,
        input: &Path,
        output: &Path,
        name: Option<&str>,
        entropy: &[u8],
    ) -> Result<[u8; 64]> {
        let mut zkey = Zkey::read(input)?;
        self.verify_zkey(&zkey, input)?;
        let mut rng =
            rng::contributor_rng(entropy).map_err(|e| CeremonyError::Randomness(e.to_string()))?;
        let hash = zkey.apply(name, ContributionKind::Participant, &mut rng);
        zkey.write(output)?;
        Ok(hash)
    }

    /// Verifies `input` and closes it with a public beacon (snarkjs `zkey beacon`).
    pub fn beacon(
        &self,
        input: &Path,
        output: &Path,
        name: Option<&str>,
        value: &[u8],
        iterations_exp: u8,
    ) -> Result<[u8; 64]> {
        check_beacon(value, iterations_exp)?;
        let mut zkey = Zkey::read(input)?;
        self.verify_zkey(&zkey, input)?;
        let mut rng = rng::beacon_rng(value, u32::from(iterations_exp));
        let hash = zkey.apply(
            name,
            ContributionKind::Beacon {
                value: value.to_vec(),
                iterations_exp,
            },
            &mut rng,
        );
        zkey.write(output)?;
        Ok(hash)
    }

    /// Verifies a `.zkey` file's whole transcript (snarkjs `zkey verify`).
    pub fn verify(&self, path: &Path) -> Result<Transcript> {
        let zkey = Zkey::read(path)?;
        self.verify_zkey(&zkey, path)
    }

    /// Verifies and converts to the arkworks key our prover uses.
    pub fn finalize(&self, path: &Path) -> Result<(ProvingKey<Bn254>, Transcript)> {
        let zkey = Zkey::read(path)?;
        let t = self.verify_zkey(&zkey, path)?;
        let pk = proving_key(&zkey).map_err(|reason| CeremonyError::format(path, reason))?;
        Ok((pk, t))
    }

    /// Verifies a key in memory (`path` names it in errors).
    pub fn verify_zkey(&self, z: &Zkey, path: &Path) -> Result<Transcript> {
        let init = &self.initial;
        let wrong = |reason: String| CeremonyError::WrongCircuit {
            path: path.to_path_buf(),
            circuit: self.circuit.to_string(),
            reason,
        };
        if (z.n_vars, z.n_public, z.domain_size) != (init.n_vars, init.n_public, init.domain_size) {
            return Err(wrong(format!(
                "{} wires, {} public, domain {}; expected {}, {}, {}",
                z.n_vars, z.n_public, z.domain_size, init.n_vars, init.n_public, init.domain_size
            )));
        }
        if z.circuit_hash != init.circuit_hash {
            return Err(wrong(format!(
                "circuit hash differs (another circuit, or phase 1 {} is not the one it was made from)",
                self.ptau_path.display()
            )));
        }
        let mismatch = |reason: &str| CeremonyError::KeyMismatch {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        // The transcript, step by step.
        let mut hasher = Blake2b::new();
        hasher.update(&z.circuit_hash);
        let mut delta = G1Affine::generator();
        let mut records = Vec::new();
        for (i, c) in z.contributions.iter().enumerate() {
            let refuse = |reason: &str| CeremonyError::Contribution {
                path: path.to_path_buf(),
                step: i + 1,
                name: c.name.clone(),
                reason: reason.to_string(),
            };
            let mut mine = hasher.clone();
            mine.update(&encoding::g1_uncompressed(&c.g1_s));
            mine.update(&encoding::g1_uncompressed(&c.g1_sx));
            if mine.finalize() != c.transcript {
                return Err(refuse(
                    "its transcript hash does not cover the contributions before it (altered, removed or reordered)",
                ));
            }
            let sp = rng::hash_to_g2(&c.transcript);
            if !points::same_ratio(c.g1_s, c.g1_sx, sp, c.g2_spx) {
                return Err(refuse("proof of knowledge of its secret does not verify"));
            }
            if !points::same_ratio(delta, c.delta_after, sp, c.g2_spx) {
                return Err(refuse(
                    "delta after it is not the previous delta times its secret",
                ));
            }
            if let ContributionKind::Beacon {
                value,
                iterations_exp,
            } = &c.kind
            {
                check_beacon(value, *iterations_exp).map_err(|e| refuse(&e.to_string()))?;
                let mut rng = rng::beacon_rng(value, u32::from(*iterations_exp));
                let d = rng.fr();
                let s = rng.g1();
                if s != c.g1_s || (s * d).into_affine() != c.g1_sx {
                    return Err(refuse(
                        "the beacon's key does not follow from its beacon value",
                    ));
                }
            }
            hasher.update(&c.public_key_bytes());
            records.push(ContributionRecord {
                step: i + 1,
                name: c.name.clone(),
                hash: c.hash(),
                kind: c.kind.clone(),
            });
            delta = c.delta_after;
        }
        // The key against the transcript.
        if z.alpha_g1 != init.alpha_g1
            || z.beta_g1 != init.beta_g1
            || z.beta_g2 != init.beta_g2
            || z.gamma_g2 != init.gamma_g2
        {
            return Err(mismatch("alpha/beta/gamma differ from phase 1"));
        }
        if z.delta_g1 != delta {
            return Err(mismatch("delta G1 is not the last contribution's delta"));
        }
        if !points::same_ratio(
            G1Affine::generator(),
            delta,
            G2Affine::generator(),
            z.delta_g2,
        ) {
            return Err(mismatch("delta G2 does not match delta G1"));
        }
        if z.ic != init.ic
            || z.coeffs != init.coeffs
            || z.a != init.a
            || z.b1 != init.b1
            || z.b2 != init.b2
        {
            return Err(mismatch(
                "IC/A/B sections differ from the circuit over phase 1",
            ));
        }
        // L and H must be the initial ones divided by delta: e(sum r L0, g2) = e(sum r L, delta).
        for (now, before, what) in [(&z.l, &init.l, "L (8)"), (&z.h, &init.h, "H (9)")] {
            if now.len() != before.len() {
                return Err(mismatch(&format!("section {what} has the wrong size")));
            }
            if now.is_empty() {
                continue;
            }
            let r = points::random_scalars(now.len())?;
            let a = G1Projective::msm_unchecked(before, &r).into_affine();
            let b = G1Projective::msm_unchecked(now, &r).into_affine();
            if !points::same_ratio(b, a, G2Affine::generator(), z.delta_g2) {
                return Err(mismatch(&format!(
                    "section {what} is not divided by the transcript's delta"
                )));
            }
        }
        let transcript_hash = hasher.finalize();
        Ok(Transcript {
            circuit: self.circuit.clone(),
            circuit_hash: z.circuit_hash,
            contributions: records,
            transcript_hash,
        })
    }
}

/// log2 of the domain snarkjs (and arkworks) use: the smallest power of two holding
/// every constraint and one row per public value and the constant.
/// Whether snarkjs 0.7 can check a phase 2 with a domain of 2^`domain_power` over a
/// phase 1 of 2^`ptau_power` powers: not when its circuit hash reads past the tauG1
/// section (`2^(ptau_power+1) - 1` points), which happens from 2^15 on when the two
/// powers are equal (see the module docs).
pub fn snarkjs_can_check(domain_power: u32, ptau_power: u32) -> bool {
    let n = 1usize << domain_power;
    const CHUNK: usize = 1 << 14;
    let hashed = (n - 1).div_ceil(CHUNK) * (n - 1).min(CHUNK);
    let tau_g1 = (1usize << (ptau_power + 1)) - 1;
    n + hashed <= tau_g1
}

fn domain_power(r1cs: &R1cs) -> u32 {
    r1cs.domain_power()
}

/// snarkjs `zkey new`: the key before any contribution, from the circuit and phase 1.
pub fn initial_zkey(
    pot: &PowersOfTau,
    ptau_path: &Path,
    r1cs: &R1cs,
    circuit: &str,
) -> Result<Zkey> {
    let power = domain_power(r1cs);
    if power > pot.power {
        return Err(CeremonyError::PhaseOneTooSmall {
            path: ptau_path.to_path_buf(),
            circuit: circuit.to_string(),
            needed: power,
            power: pot.power,
        });
    }
    if power >= 28 {
        return Err(CeremonyError::InvalidArgument(format!(
            "{circuit}: domain 2^{power} is beyond BN254's FFTs"
        )));
    }
    let not_prepared = || CeremonyError::NotPrepared {
        path: ptau_path.to_path_buf(),
    };
    let lg1 = pot.lagrange_tau_g1(power).ok_or_else(not_prepared)?;
    let (lg2, lalpha, lbeta) = pot.lagrange_level(power).ok_or_else(not_prepared)?;
    let double = pot.lagrange_tau_g1(power + 1).ok_or_else(not_prepared)?;
    info!(circuit, power, "phase 2: computing the initial key");
    let n = 1usize << power;
    let nv = r1cs.wires as usize;
    let np = r1cs.public as usize;
    let nc = r1cs.constraints.len();
    // Per wire: its (lagrange row, coefficient) terms in A, B, C.
    let mut a_terms: Vec<Vec<(usize, Fr)>> = vec![Vec::new(); nv];
    let mut b_terms: Vec<Vec<(usize, Fr)>> = vec![Vec::new(); nv];
    let mut c_terms: Vec<Vec<(usize, Fr)>> = vec![Vec::new(); nv];
    let r2 = Fr::from(2u64).pow([512u64]);
    let mut coeffs = Vec::new();
    let mut count = 0u32;
    coeffs.extend_from_slice(&0u32.to_le_bytes());
    let mut push_coef = |m: u32, c: usize, s: u32, v: Fr| {
        coeffs.extend_from_slice(&m.to_le_bytes());
        coeffs.extend_from_slice(&(c as u32).to_le_bytes());
        coeffs.extend_from_slice(&s.to_le_bytes());
        coeffs.extend_from_slice(&fr_to_le(&(v * r2)));
        count += 1;
    };
    for (row, (a, b, c)) in r1cs.constraints.iter().enumerate() {
        for (s, v) in a {
            a_terms[*s as usize].push((row, *v));
            push_coef(0, row, *s, *v);
        }
        for (s, v) in b {
            b_terms[*s as usize].push((row, *v));
            push_coef(1, row, *s, *v);
        }
        for (s, v) in c {
            c_terms[*s as usize].push((row, *v));
        }
    }
    for (s, terms) in a_terms.iter_mut().enumerate().take(np + 1) {
        terms.push((nc + s, Fr::ONE));
        push_coef(0, nc + s, s as u32, Fr::ONE);
    }
    coeffs[..4].copy_from_slice(&count.to_le_bytes());

    let a: Vec<G1Projective> = a_terms
        .par_iter()
        .map(|t| points::combine(t, lg1))
        .collect();
    let b1: Vec<G1Projective> = b_terms
        .par_iter()
        .map(|t| points::combine(t, lg1))
        .collect();
    let b2: Vec<G2Projective> = b_terms
        .par_iter()
        .map(|t| points::combine(t, lg2))
        .collect();
    let abc: Vec<G1Projective> = (0..nv)
        .into_par_iter()
        .map(|s| {
            points::combine::<G1Projective>(&a_terms[s], lbeta)
                + points::combine::<G1Projective>(&b_terms[s], lalpha)
                + points::combine::<G1Projective>(&c_terms[s], lg1)
        })
        .collect();
    let abc = G1Projective::normalize_batch(&abc);
    let h: Vec<G1Affine> = (0..n).map(|i| double[2 * i + 1]).collect();

    let g1 = G1Affine::generator();
    let g2 = G2Affine::generator();
    let mut z = Zkey {
        n_vars: r1cs.wires,
        n_public: r1cs.public,
        domain_size: n as u32,
        alpha_g1: pot.alpha_tau_g1[0],
        beta_g1: pot.beta_tau_g1[0],
        beta_g2: pot.beta_g2,
        gamma_g2: g2,
        delta_g1: g1,
        delta_g2: g2,
        ic: abc[..=np].to_vec(),
        coeffs,
        a: G1Projective::normalize_batch(&a),
        b1: G1Projective::normalize_batch(&b1),
        b2: G2Projective::normalize_batch(&b2),
        l: abc[np + 1..].to_vec(),
        h,
        circuit_hash: [0; 64],
        contributions: Vec::new(),
    };
    z.circuit_hash = circuit_hash(&z, pot);
    Ok(z)
}

fn hash_len(h: &mut Blake2b, n: usize) {
    h.update(&(n as u32).to_be_bytes());
}

fn circuit_hash(z: &Zkey, pot: &PowersOfTau) -> [u8; 64] {
    let mut h = Blake2b::new();
    h.update(&encoding::g1_uncompressed(&z.alpha_g1));
    h.update(&encoding::g1_uncompressed(&z.beta_g1));
    h.update(&encoding::g2_uncompressed(&z.beta_g2));
    h.update(&encoding::g2_uncompressed(&z.gamma_g2));
    h.update(&encoding::g1_uncompressed(&z.delta_g1));
    h.update(&encoding::g2_uncompressed(&z.delta_g2));
    hash_len(&mut h, z.ic.len());
    h.update(&points::g1s_uncompressed(&z.ic));
    // H: tau^(n+i) - tau^i, with snarkjs 0.7's chunking (see the module docs).
    let n = z.domain_size as usize;
    hash_len(&mut h, n - 1);
    const CHUNK: usize = 1 << 14;
    let per_chunk = (n - 1).min(CHUNK);
    let chunks = (n - 1).div_ceil(CHUNK);
    let total = chunks * per_chunk;
    let diffs: Vec<G1Projective> = (0..total)
        .into_par_iter()
        .map(|i| match pot.tau_g1.get(n + i) {
            Some(hi) => hi.into_group() - pot.tau_g1[i],
            None => past_tau_g1_minus(pot, &pot.tau_g1[i]),
        })
        .collect();
    h.update(&points::g1s_uncompressed(&G1Projective::normalize_batch(
        &diffs,
    )));
    // then C (L), A, B1, B2, as snarkjs composes them
    for s in [&z.l, &z.a, &z.b1] {
        hash_len(&mut h, s.len());
        h.update(&points::g1s_uncompressed(s));
    }
    hash_len(&mut h, z.b2.len());
    h.update(&points::g2s_uncompressed(&z.b2));
    h.finalize()
}

/// snarkjs reads one point past the tauG1 section when phase 1 has exactly the circuit's
/// power and the domain is 2^15 or more: the 64 bytes there are section 3's id (`u32` 3),
/// its length (`u64`), and the first 52 bytes of `tauG2[0]` in LEM form, taken as an
/// affine point in Montgomery form, and it subtracts with the chord formula. (Our
/// result differs from snarkjs's; see the module docs.)
fn past_tau_g1_minus(pot: &PowersOfTau, p: &G1Affine) -> G1Projective {
    let mut bytes = Vec::with_capacity(64);
    bytes.extend_from_slice(&3u32.to_le_bytes());
    bytes.extend_from_slice(&((1u64 << pot.power) * G2_LEN as u64).to_le_bytes());
    let mut g2 = [0u8; G2_LEN];
    encoding::g2_to_lem(&mut g2, &pot.tau_g2[0]);
    bytes.extend_from_slice(&g2[..52]);
    let r_inv = Fq::from(2u64).pow([256u64]).inverse().unwrap_or(Fq::ZERO);
    let x = Fq::from_le_bytes_mod_order(&bytes[..32]) * r_inv;
    let y = Fq::from_le_bytes_mod_order(&bytes[32..64]) * r_inv;
    let lambda = (y + p.y) * (x - p.x).inverse().unwrap_or(Fq::ZERO);
    let x3 = lambda.square() - x - p.x;
    let y3 = lambda * (x - x3) - y;
    // Not on the curve: only hashed, never used as a point.
    G1Affine::new_unchecked(x3, y3).into_group()
}

/// Converts a `.zkey` to the arkworks proving key (see the module docs for the two
/// differences). Does not verify anything: call [`Phase2::verify`] first.
pub fn proving_key(z: &Zkey) -> core::result::Result<ProvingKey<Bn254>, String> {
    let n = z.domain_size as usize;
    let domain = Radix2EvaluationDomain::<Fr>::new(n).ok_or("domain too large")?;
    let double = Radix2EvaluationDomain::<Fr>::new(2 * n).ok_or("domain too large")?;
    let mut h: Vec<G1Projective> = z.h.iter().map(|p| p.into_group()).collect();
    domain.fft_in_place(&mut h);
    let w = double.group_gen();
    let minus_two = -Fr::from(2u64);
    let scalars = points::geometric(n - 1, minus_two, w);
    let h_query: Vec<G1Projective> = h[..n - 1]
        .par_iter()
        .zip(scalars.par_iter())
        .map(|(p, s)| *p * s)
        .collect();
    let vk = VerifyingKey::<Bn254> {
        alpha_g1: z.alpha_g1,
        beta_g2: z.beta_g2,
        gamma_g2: z.gamma_g2,
        delta_g2: z.delta_g2,
        gamma_abc_g1: z.ic.clone(),
    };
    Ok(ProvingKey {
        vk,
        beta_g1: z.beta_g1,
        delta_g1: z.delta_g1,
        a_query: z.a.clone(),
        b_g1_query: z.b1.clone(),
        b_g2_query: z.b2.clone(),
        h_query: G1Projective::normalize_batch(&h_query),
        l_query: z.l.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::snarkjs_can_check;

    #[test]
    fn snarkjs_reads_past_phase1_only_at_equal_powers_from_2_15() {
        // (domain power, phase-1 power, snarkjs can check)
        for (domain, ptau, ok) in [
            (4, 4, true),
            (11, 11, true),
            (14, 14, true),
            (14, 15, true),
            (15, 15, false),
            (15, 16, true),
            (16, 16, false),
            (16, 17, true),
            (20, 20, false),
        ] {
            assert_eq!(
                snarkjs_can_check(domain, ptau),
                ok,
                "2^{domain} over 2^{ptau}"
            );
        }
    }
}
