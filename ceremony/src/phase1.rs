//! Phase 1: powers of tau in snarkjs's `.ptau` format (version 1).
//!
//! Sections (facts from snarkjs `powersoftau_new.js`, `powersoftau_utils.js`,
//! `powersoftau_contribute.js`, `powersoftau_preparephase2.js`; points in LEM form, see
//! `crate::encoding`):
//!
//! | id | content |
//! | ---: | --- |
//! | 1 | header: `u32` n8 = 32, Fq modulus (32 bytes LE), `u32` power, `u32` ceremony power |
//! | 2 | `tau^i G1`, i < 2^(power+1) - 1 |
//! | 3 | `tau^i G2`, i < 2^power |
//! | 4 | `alpha tau^i G1`, i < 2^power |
//! | 5 | `beta tau^i G1`, i < 2^power |
//! | 6 | `beta G2` |
//! | 7 | contributions: `u32` count, then each: tauG1 (= `tau G1`), tauG2, alphaG1, betaG1, betaG2 after it; its public key (tau, alpha, beta: `g1_s`, `g1_sx` each, then the three `g2_spx`); 216-byte paused response hash; 64-byte next challenge; `u32` type (0 contributor, 1 beacon); `u32` length of parameters, then parameters `1` name (`u8` length, UTF-8), `2` beacon iterations exponent (`u8`), `3` beacon value (`u8` length, bytes) |
//! | 12 | Lagrange basis `L_i(tau) G1` for every domain 2^0 ..= 2^(power+1), concatenated |
//! | 13 | Lagrange basis in G2, domains 2^0 ..= 2^power |
//! | 14 | Lagrange basis of `alpha tau^i G1` |
//! | 15 | Lagrange basis of `beta tau^i G1` |
//!
//! The transcript hashes are BLAKE2b-512: the first challenge hashes the hash of nothing
//! and every point of a fresh file (uncompressed); a contribution's response hash absorbs
//! the previous challenge, every new point *compressed*, then its public key
//! uncompressed; the next challenge absorbs the response hash and every new point
//! uncompressed. Each of the three secrets (tau, alpha, beta) comes with a proof of
//! knowledge: `g1_s` random, `g1_sx = x g1_s`, `g2_spx = x g2_sp` where `g2_sp` is
//! hashed to G2 from the challenge and `g1_s`, `g1_sx` (personalization byte 0, 1, 2).
//!
//! The domain 2^(power+1) of section 12 lacks `tau^(2^(power+1)-1)` (phase 1 stops one
//! short); snarkjs takes it as zero, and so do we. It is only used for phase 2's `H`
//! points, whose polynomials never reach that degree.

use crate::binfile::{BinFile, BinWriter, Reader, write_atomically};
use crate::blake2b::{Blake2b, PARTIAL_STATE_LEN, blake2b};
use crate::encoding::{self, G1_LEN, G2_LEN};
use crate::error::{CeremonyError, Result};
use crate::points;
use crate::rng::{self, ChaChaRng};
use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use std::path::{Path, PathBuf};
use tracing::info;

/// The largest phase-1 power we accept (BN254's scalar field has 2-adicity 28).
pub const MAX_POWER: u32 = 27;

/// One secret's public key with its proof of knowledge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnowledgeProof {
    /// A random G1 point `s`.
    pub g1_s: G1Affine,
    /// `x s`.
    pub g1_sx: G1Affine,
    /// `x` times the G2 point hashed from the challenge, `s` and `x s`.
    pub g2_spx: G2Affine,
}

/// The public key of one phase-1 contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Phase1PublicKey {
    /// For tau.
    pub tau: KnowledgeProof,
    /// For alpha.
    pub alpha: KnowledgeProof,
    /// For beta.
    pub beta: KnowledgeProof,
}

impl Phase1PublicKey {
    fn uncompressed(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(6 * G1_LEN + 3 * G2_LEN);
        for p in [
            self.tau.g1_s,
            self.tau.g1_sx,
            self.alpha.g1_s,
            self.alpha.g1_sx,
            self.beta.g1_s,
            self.beta.g1_sx,
        ] {
            out.extend_from_slice(&encoding::g1_uncompressed(&p));
        }
        for p in [self.tau.g2_spx, self.alpha.g2_spx, self.beta.g2_spx] {
            out.extend_from_slice(&encoding::g2_uncompressed(&p));
        }
        out
    }
}

/// How a contribution's randomness was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContributionKind {
    /// A participant's secret randomness.
    Participant,
    /// A public random beacon: SHA-256 iterated `2^iterations_exp` times over `value`.
    Beacon {
        /// The beacon value (e.g. a block hash).
        value: Vec<u8>,
        /// log2 of the number of SHA-256 iterations.
        iterations_exp: u8,
    },
}

/// One phase-1 contribution as recorded in section 7.
#[derive(Clone, Debug)]
pub struct Phase1Contribution {
    /// `tau G1` after it.
    pub tau_g1: G1Affine,
    /// `tau G2` after it.
    pub tau_g2: G2Affine,
    /// `alpha G1` after it.
    pub alpha_g1: G1Affine,
    /// `beta G1` after it.
    pub beta_g1: G1Affine,
    /// `beta G2` after it.
    pub beta_g2: G2Affine,
    /// Its public key.
    pub key: Phase1PublicKey,
    /// The response hash paused before the public key.
    pub partial_hash: [u8; PARTIAL_STATE_LEN],
    /// The challenge the next contributor signs.
    pub next_challenge: [u8; 64],
    /// Participant or beacon.
    pub kind: ContributionKind,
    /// The contributor's name (at most 64 bytes are kept).
    pub name: Option<String>,
}

impl Phase1Contribution {
    /// The response hash: what the contributor publishes and later finds in the transcript.
    pub fn response_hash(&self) -> Option<[u8; 64]> {
        let mut h = Blake2b::from_partial_state(&self.partial_hash)?;
        h.update(&self.key.uncompressed());
        Some(h.finalize())
    }
}

/// The Lagrange-basis sections (12 to 15).
#[derive(Clone, Debug)]
pub struct LagrangeSections {
    /// Section 12 (levels 0 ..= power + 1).
    pub tau_g1: Vec<G1Affine>,
    /// Section 13 (levels 0 ..= power).
    pub tau_g2: Vec<G2Affine>,
    /// Section 14.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// Section 15.
    pub beta_tau_g1: Vec<G1Affine>,
}

/// A phase-1 transcript: the powers and the contributions that made them.
#[derive(Clone, Debug)]
pub struct PowersOfTau {
    /// log2 of the number of powers held.
    pub power: u32,
    /// log2 of the powers of the ceremony this was cut from (equal unless truncated).
    pub ceremony_power: u32,
    /// `tau^i G1`.
    pub tau_g1: Vec<G1Affine>,
    /// `tau^i G2`.
    pub tau_g2: Vec<G2Affine>,
    /// `alpha tau^i G1`.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `beta tau^i G1`.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `beta G2`.
    pub beta_g2: G2Affine,
    /// The contributions, oldest first.
    pub contributions: Vec<Phase1Contribution>,
    /// Sections 12 to 15, once prepared for phase 2.
    pub lagrange: Option<LagrangeSections>,
    /// Where this was read from (for errors), if anywhere.
    pub source: Option<PathBuf>,
}

/// What a verified contribution looks like to the people who check the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContributionRecord {
    /// 1-based position in the transcript.
    pub step: usize,
    /// The contributor's name, if given.
    pub name: Option<String>,
    /// The hash the contributor published (BLAKE2b-512).
    pub hash: [u8; 64],
    /// Participant or beacon.
    pub kind: ContributionKind,
}

fn n_tau_g1(power: u32) -> usize {
    (1usize << (power + 1)) - 1
}

fn lagrange_len(max_level: u32) -> usize {
    (1usize << (max_level + 1)) - 1
}

impl PowersOfTau {
    /// A fresh transcript with no contribution: every point is the generator.
    pub fn new(power: u32) -> Result<Self> {
        if power == 0 || power > MAX_POWER {
            return Err(CeremonyError::InvalidArgument(format!(
                "phase-1 power must be 1..={MAX_POWER}, got {power}"
            )));
        }
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let n = 1usize << power;
        Ok(Self {
            power,
            ceremony_power: power,
            tau_g1: vec![g1; n_tau_g1(power)],
            tau_g2: vec![g2; n],
            alpha_tau_g1: vec![g1; n],
            beta_tau_g1: vec![g1; n],
            beta_g2: g2,
            contributions: Vec::new(),
            lagrange: None,
            source: None,
        })
    }

    fn path(&self) -> PathBuf {
        self.source
            .clone()
            .unwrap_or_else(|| PathBuf::from("<phase 1>"))
    }

    /// Reads a `.ptau` file, checking its structure and every point.
    pub fn read(path: &Path) -> Result<Self> {
        let file = BinFile::read(path, b"ptau", 1)?;
        let mut h = Reader::new(file.section(1)?, path, "header (1)");
        let n8 = h.u32()?;
        if n8 != 32 {
            return Err(h.error(format!("field size {n8} bytes: not BN254")));
        }
        let q = h.take(32)?;
        if q != Fq::MODULUS.to_bytes_le().as_slice() {
            return Err(h.error("the curve is not BN254 (bn128)"));
        }
        let power = h.u32()?;
        let ceremony_power = h.u32()?;
        h.finish()?;
        if power == 0 || power > MAX_POWER || ceremony_power < power {
            return Err(h.error(format!(
                "power {power} / ceremony power {ceremony_power} out of range"
            )));
        }
        let n = 1usize << power;
        info!(path = %path.display(), power, "reading phase 1");
        let section_g1 = |id: u32, what: &'static str, count: usize| -> Result<Vec<G1Affine>> {
            let mut r = Reader::new(file.section(id)?, path, what);
            let v = points::read_g1s(&mut r, count)?;
            r.finish()?;
            Ok(v)
        };
        let section_g2 = |id: u32, what: &'static str, count: usize| -> Result<Vec<G2Affine>> {
            let mut r = Reader::new(file.section(id)?, path, what);
            // Bulk powers: on the curve; betaG2 (section 6) is fully checked below.
            let v = points::read_g2s_on_curve(&mut r, count)?;
            r.finish()?;
            Ok(v)
        };
        let tau_g1 = section_g1(2, "tauG1 (2)", n_tau_g1(power))?;
        let tau_g2 = section_g2(3, "tauG2 (3)", n)?;
        let alpha_tau_g1 = section_g1(4, "alphaTauG1 (4)", n)?;
        let beta_tau_g1 = section_g1(5, "betaTauG1 (5)", n)?;
        let beta_g2 = {
            let mut r = Reader::new(file.section(6)?, path, "betaG2 (6)");
            let v = points::read_g2s(&mut r, 1)?;
            r.finish()?;
            v[0]
        };
        let contributions = read_contributions(file.section(7)?, path)?;
        let lagrange = if [12, 13, 14, 15].iter().all(|id| file.has(*id)) {
            Some(LagrangeSections {
                tau_g1: section_g1(12, "lagrange tauG1 (12)", lagrange_len(power + 1))?,
                tau_g2: section_g2(13, "lagrange tauG2 (13)", lagrange_len(power))?,
                alpha_tau_g1: section_g1(14, "lagrange alphaTauG1 (14)", lagrange_len(power))?,
                beta_tau_g1: section_g1(15, "lagrange betaTauG1 (15)", lagrange_len(power))?,
            })
        } else {
            None
        };
        Ok(Self {
            power,
            ceremony_power,
            tau_g1,
            tau_g2,
            alpha_tau_g1,
            beta_tau_g1,
            beta_g2,
            contributions,
            lagrange,
            source: Some(path.to_path_buf()),
        })
    }

    /// The file bytes, sections in snarkjs's order (1-7, then 12-15 if prepared).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = BinWriter::new(b"ptau", 1);
        let mut header = Vec::new();
        header.extend_from_slice(&32u32.to_le_bytes());
        header.extend_from_slice(&Fq::MODULUS.to_bytes_le());
        header.extend_from_slice(&self.power.to_le_bytes());
        header.extend_from_slice(&self.ceremony_power.to_le_bytes());
        w.section(1, &header);
        let mut b = Vec::new();
        points::write_g1s(&mut b, &self.tau_g1);
        w.section(2, &b);
        b.clear();
        points::write_g2s(&mut b, &self.tau_g2);
        w.section(3, &b);
        b.clear();
        points::write_g1s(&mut b, &self.alpha_tau_g1);
        w.section(4, &b);
        b.clear();
        points::write_g1s(&mut b, &self.beta_tau_g1);
        w.section(5, &b);
        b.clear();
        points::write_g2s(&mut b, &[self.beta_g2]);
        w.section(6, &b);
        w.section(7, &write_contributions(&self.contributions));
        if let Some(l) = &self.lagrange {
            b.clear();
            points::write_g1s(&mut b, &l.tau_g1);
            w.section(12, &b);
            b.clear();
            points::write_g2s(&mut b, &l.tau_g2);
            w.section(13, &b);
            b.clear();
            points::write_g1s(&mut b, &l.alpha_tau_g1);
            w.section(14, &b);
            b.clear();
            points::write_g1s(&mut b, &l.beta_tau_g1);
            w.section(15, &b);
        }
        w.finish()
    }

    /// Writes the file (through a temporary file and a rename).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomically(path, &self.to_bytes())
    }

    /// The challenge the next contributor signs.
    pub fn challenge(&self) -> [u8; 64] {
        match self.contributions.last() {
            Some(c) => c.next_challenge,
            None => first_challenge(self.ceremony_power),
        }
    }

    /// Adds a participant's contribution: fresh OS randomness mixed with `entropy`, never
    /// stored. Returns the response hash to publish.
    pub fn contribute(&mut self, name: Option<&str>, entropy: &[u8]) -> Result<[u8; 64]> {
        let mut rng =
            rng::contributor_rng(entropy).map_err(|e| CeremonyError::Randomness(e.to_string()))?;
        self.apply(name, ContributionKind::Participant, &mut rng)
    }

    /// Closes the transcript with a public random beacon (snarkjs `powersoftau beacon`).
    pub fn beacon(
        &mut self,
        name: Option<&str>,
        value: &[u8],
        iterations_exp: u8,
    ) -> Result<[u8; 64]> {
        check_beacon(value, iterations_exp)?;
        let mut rng = rng::beacon_rng(value, u32::from(iterations_exp));
        self.apply(
            name,
            ContributionKind::Beacon {
                value: value.to_vec(),
                iterations_exp,
            },
            &mut rng,
        )
    }

    pub(crate) fn apply(
        &mut self,
        name: Option<&str>,
        kind: ContributionKind,
        rng: &mut ChaChaRng,
    ) -> Result<[u8; 64]> {
        self.apply_keeping_secrets(name, kind, rng)
            .map(|(hash, _)| hash)
    }

    fn apply_keeping_secrets(
        &mut self,
        name: Option<&str>,
        kind: ContributionKind,
        rng: &mut ChaChaRng,
    ) -> Result<([u8; 64], [Fr; 3])> {
        if self.power != self.ceremony_power {
            return Err(CeremonyError::InvalidArgument(
                "this phase 1 was truncated from a larger one; contribute to the full file".into(),
            ));
        }
        let challenge = self.challenge();
        let tau = rng.fr();
        let alpha = rng.fr();
        let beta = rng.fr();
        let key = Phase1PublicKey {
            tau: knowledge_proof(rng, tau, 0, &challenge),
            alpha: knowledge_proof(rng, alpha, 1, &challenge),
            beta: knowledge_proof(rng, beta, 2, &challenge),
        };
        info!(
            step = self.contributions.len() + 1,
            power = self.power,
            "phase 1: applying contribution"
        );
        let fresh = self.contributions.is_empty();
        scale_section_g1(&mut self.tau_g1, Fr::from(1u64), tau, fresh);
        info!("phase 1: tauG1 done");
        scale_section_g2(&mut self.tau_g2, Fr::from(1u64), tau, fresh);
        info!("phase 1: tauG2 done");
        scale_section_g1(&mut self.alpha_tau_g1, alpha, tau, fresh);
        scale_section_g1(&mut self.beta_tau_g1, beta, tau, fresh);
        self.beta_g2 = (self.beta_g2 * beta).into_affine();
        self.lagrange = None;

        let mut response = Blake2b::new();
        response.update(&challenge);
        response.update(&points::g1s_compressed(&self.tau_g1));
        response.update(&points::g2s_compressed(&self.tau_g2));
        response.update(&points::g1s_compressed(&self.alpha_tau_g1));
        response.update(&points::g1s_compressed(&self.beta_tau_g1));
        response.update(&points::g2s_compressed(&[self.beta_g2]));
        let partial_hash = response.partial_state();
        response.update(&key.uncompressed());
        let response_hash = response.finalize();
        let next_challenge = self.next_challenge(&response_hash);
        self.contributions.push(Phase1Contribution {
            tau_g1: self.tau_g1[1],
            tau_g2: self.tau_g2[1],
            alpha_g1: self.alpha_tau_g1[0],
            beta_g1: self.beta_tau_g1[0],
            beta_g2: self.beta_g2,
            key,
            partial_hash,
            next_challenge,
            kind,
            name: name.map(truncate_name),
        });
        Ok((response_hash, [tau, alpha, beta]))
    }

    /// A phase 1 made by **one party** in one go, for tests and demos only: a fresh
    /// transcript, one contribution (OS randomness and `entropy`), and the Lagrange
    /// sections computed from the secret before it is dropped, with fixed-base tables
    /// instead of group FFTs (seconds instead of minutes at 2^15). The result is an
    /// ordinary, verifiable `.ptau`; whoever ran it could have kept the secret, so a
    /// deployment starts from the public Perpetual Powers of Tau instead.
    pub fn single_party(power: u32, name: Option<&str>, entropy: &[u8]) -> Result<Self> {
        let mut pot = Self::new(power)?;
        let mut rng =
            rng::contributor_rng(entropy).map_err(|e| CeremonyError::Randomness(e.to_string()))?;
        let (_, [tau, alpha, beta]) =
            pot.apply_keeping_secrets(name, ContributionKind::Participant, &mut rng)?;
        let mut l = LagrangeSections {
            tau_g1: Vec::with_capacity(lagrange_len(power + 1)),
            tau_g2: Vec::with_capacity(lagrange_len(power)),
            alpha_tau_g1: Vec::with_capacity(lagrange_len(power)),
            beta_tau_g1: Vec::with_capacity(lagrange_len(power)),
        };
        let top = 1usize << (power + 1);
        let g1_table =
            ark_ec::scalar_mul::BatchMulPreprocessing::new(G1Projective::generator(), 4 * top);
        let g2_table =
            ark_ec::scalar_mul::BatchMulPreprocessing::new(G2Projective::generator(), top);
        for level in 0..=power + 1 {
            let n = 1usize << level;
            let domain = Radix2EvaluationDomain::<Fr>::new(n).ok_or_else(|| {
                CeremonyError::InvalidArgument(format!("no FFT domain of 2^{level}"))
            })?;
            let mut coeffs = domain.evaluate_all_lagrange_coefficients(tau);
            if level == power + 1 {
                // phase 1 stops at tau^(n-2): drop the tau^(n-1) term, as snarkjs does.
                let top_term = tau.pow([(n - 1) as u64]) * domain.size_inv();
                let w = domain.group_gen();
                let mut wi = Fr::ONE;
                for c in coeffs.iter_mut() {
                    *c -= top_term * wi;
                    wi *= w;
                }
            }
            l.tau_g1.extend(g1_table.batch_mul(&coeffs));
            if level <= power {
                l.tau_g2.extend(g2_table.batch_mul(&coeffs));
                let a: Vec<Fr> = coeffs.iter().map(|c| *c * alpha).collect();
                l.alpha_tau_g1.extend(g1_table.batch_mul(&a));
                let b: Vec<Fr> = coeffs.iter().map(|c| *c * beta).collect();
                l.beta_tau_g1.extend(g1_table.batch_mul(&b));
            }
        }
        pot.lagrange = Some(l);
        Ok(pot)
    }

    fn next_challenge(&self, response_hash: &[u8; 64]) -> [u8; 64] {
        let mut h = Blake2b::new();
        h.update(response_hash);
        h.update(&points::g1s_uncompressed(&self.tau_g1));
        h.update(&points::g2s_uncompressed(&self.tau_g2));
        h.update(&points::g1s_uncompressed(&self.alpha_tau_g1));
        h.update(&points::g1s_uncompressed(&self.beta_tau_g1));
        h.update(&points::g2s_uncompressed(&[self.beta_g2]));
        h.finalize()
    }

    /// Verifies the whole transcript (snarkjs `powersoftau verify`): every contribution's
    /// proofs of knowledge and its link to the previous one, beacons re-derived, the
    /// points against the last contribution, and the Lagrange sections if present.
    /// Returns the contributions with their hashes.
    pub fn verify(&self) -> Result<Vec<ContributionRecord>> {
        let path = self.path();
        if self.contributions.is_empty() {
            return Err(CeremonyError::Contribution {
                path,
                step: 0,
                name: None,
                reason: "no contribution: a phase 1 needs at least one".into(),
            });
        }
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let mut records = Vec::new();
        let mut challenge = first_challenge(self.ceremony_power);
        let (mut p_tau_g1, mut p_tau_g2, mut p_alpha, mut p_beta, mut p_beta_g2) =
            (g1, g2, g1, g1, g2);
        for (i, c) in self.contributions.iter().enumerate() {
            let refuse = |reason: &str| CeremonyError::Contribution {
                path: path.clone(),
                step: i + 1,
                name: c.name.clone(),
                reason: reason.to_string(),
            };
            if let ContributionKind::Beacon {
                value,
                iterations_exp,
            } = &c.kind
            {
                check_beacon(value, *iterations_exp).map_err(|e| refuse(&e.to_string()))?;
                let mut rng = rng::beacon_rng(value, u32::from(*iterations_exp));
                let (tau, alpha, beta) = (rng.fr(), rng.fr(), rng.fr());
                let expected = Phase1PublicKey {
                    tau: knowledge_proof(&mut rng, tau, 0, &challenge),
                    alpha: knowledge_proof(&mut rng, alpha, 1, &challenge),
                    beta: knowledge_proof(&mut rng, beta, 2, &challenge),
                };
                if expected != c.key {
                    return Err(refuse(
                        "the beacon's key does not follow from its beacon value",
                    ));
                }
            }
            let sp = |pers: u8, k: &KnowledgeProof| g2_sp(pers, &challenge, &k.g1_s, &k.g1_sx);
            let (tau_sp, alpha_sp, beta_sp) =
                (sp(0, &c.key.tau), sp(1, &c.key.alpha), sp(2, &c.key.beta));
            let checks = [
                (
                    points::same_ratio(c.key.tau.g1_s, c.key.tau.g1_sx, tau_sp, c.key.tau.g2_spx),
                    "proof of knowledge of tau",
                ),
                (
                    points::same_ratio(
                        c.key.alpha.g1_s,
                        c.key.alpha.g1_sx,
                        alpha_sp,
                        c.key.alpha.g2_spx,
                    ),
                    "proof of knowledge of alpha",
                ),
                (
                    points::same_ratio(
                        c.key.beta.g1_s,
                        c.key.beta.g1_sx,
                        beta_sp,
                        c.key.beta.g2_spx,
                    ),
                    "proof of knowledge of beta",
                ),
                (
                    points::same_ratio(p_tau_g1, c.tau_g1, tau_sp, c.key.tau.g2_spx),
                    "tau G1 does not follow from the previous contribution",
                ),
                (
                    points::same_ratio(c.key.tau.g1_s, c.key.tau.g1_sx, p_tau_g2, c.tau_g2),
                    "tau G2 does not follow from the previous contribution",
                ),
                (
                    points::same_ratio(p_alpha, c.alpha_g1, alpha_sp, c.key.alpha.g2_spx),
                    "alpha G1 does not follow from the previous contribution",
                ),
                (
                    points::same_ratio(p_beta, c.beta_g1, beta_sp, c.key.beta.g2_spx),
                    "beta G1 does not follow from the previous contribution",
                ),
                (
                    points::same_ratio(c.key.beta.g1_s, c.key.beta.g1_sx, p_beta_g2, c.beta_g2),
                    "beta G2 does not follow from the previous contribution",
                ),
            ];
            for (ok, what) in checks {
                if !ok {
                    return Err(refuse(what));
                }
            }
            let hash = c
                .response_hash()
                .ok_or_else(|| refuse("corrupt paused response hash"))?;
            records.push(ContributionRecord {
                step: i + 1,
                name: c.name.clone(),
                hash,
                kind: c.kind.clone(),
            });
            challenge = c.next_challenge;
            (p_tau_g1, p_tau_g2, p_alpha, p_beta, p_beta_g2) =
                (c.tau_g1, c.tau_g2, c.alpha_g1, c.beta_g1, c.beta_g2);
        }
        // The points against the last contribution.
        let last = self.contributions.len();
        let c = &self.contributions[last - 1];
        let refuse = |reason: &str| CeremonyError::Contribution {
            path: path.clone(),
            step: last,
            name: c.name.clone(),
            reason: reason.to_string(),
        };
        info!("phase 1: checking the powers against the last contribution");
        if self.tau_g1[0] != g1
            || self.tau_g1[1] != c.tau_g1
            || self.tau_g2[0] != g2
            || self.tau_g2[1] != c.tau_g2
        {
            return Err(refuse("the first powers differ from the contribution's"));
        }
        if self.alpha_tau_g1[0] != c.alpha_g1
            || self.beta_tau_g1[0] != c.beta_g1
            || self.beta_g2 != c.beta_g2
        {
            return Err(refuse("alpha/beta differ from the contribution's"));
        }
        let (a, b) = points::consecutive_g1(&self.tau_g1)?;
        if !points::same_ratio(a.into_affine(), b.into_affine(), g2, c.tau_g2) {
            return Err(refuse("tauG1 powers are not successive powers of tau"));
        }
        let (a, b) = points::consecutive_g2(&self.tau_g2)?;
        if !points::same_ratio(g1, c.tau_g1, a.into_affine(), b.into_affine()) {
            return Err(refuse("tauG2 powers are not successive powers of tau"));
        }
        for (section, what) in [
            (&self.alpha_tau_g1, "alphaTauG1"),
            (&self.beta_tau_g1, "betaTauG1"),
        ] {
            let (a, b) = points::consecutive_g1(section)?;
            if section.len() > 1
                && !points::same_ratio(a.into_affine(), b.into_affine(), g2, c.tau_g2)
            {
                return Err(refuse(&format!(
                    "{what} powers are not successive powers of tau"
                )));
            }
        }
        if self.power == self.ceremony_power
            && self.next_challenge(&records[last - 1].hash) != c.next_challenge
        {
            return Err(refuse("the next challenge does not hash the points"));
        }
        if let Some(l) = &self.lagrange {
            self.verify_lagrange(l)
                .map_err(|what| CeremonyError::KeyMismatch {
                    path: path.clone(),
                    reason: format!("Lagrange section {what} does not match the powers"),
                })?;
        }
        Ok(records)
    }

    fn verify_lagrange(&self, l: &LagrangeSections) -> core::result::Result<(), &'static str> {
        let fail = |_| "randomness";
        for level in 0..=self.power + 1 {
            let n = 1usize << level;
            let at = n - 1;
            let r = points::random_scalars(n).map_err(fail)?;
            let domain = Radix2EvaluationDomain::<Fr>::new(n).ok_or("domain")?;
            let coeffs = domain.ifft(&r);
            // sum_i r_i L_i(tau) = sum_j coeffs_j tau^j
            let k = if level == self.power + 1 { n - 1 } else { n };
            let lhs = G1Projective::msm_unchecked(&l.tau_g1[at..at + n], &r);
            let rhs = G1Projective::msm_unchecked(&self.tau_g1[..k], &coeffs[..k]);
            if lhs != rhs {
                return Err("12 (tauG1)");
            }
            if level > self.power {
                continue;
            }
            if G2Projective::msm_unchecked(&l.tau_g2[at..at + n], &r)
                != G2Projective::msm_unchecked(&self.tau_g2[..n], &coeffs)
            {
                return Err("13 (tauG2)");
            }
            if G1Projective::msm_unchecked(&l.alpha_tau_g1[at..at + n], &r)
                != G1Projective::msm_unchecked(&self.alpha_tau_g1[..n], &coeffs)
            {
                return Err("14 (alphaTauG1)");
            }
            if G1Projective::msm_unchecked(&l.beta_tau_g1[at..at + n], &r)
                != G1Projective::msm_unchecked(&self.beta_tau_g1[..n], &coeffs)
            {
                return Err("15 (betaTauG1)");
            }
        }
        Ok(())
    }

    /// Computes the Lagrange-basis sections phase 2 starts from (snarkjs `powersoftau
    /// prepare phase2`), by inverse FFTs over the group points.
    pub fn prepare_phase2(&mut self) {
        let power = self.power;
        let mut l = LagrangeSections {
            tau_g1: Vec::with_capacity(lagrange_len(power + 1)),
            tau_g2: Vec::with_capacity(lagrange_len(power)),
            alpha_tau_g1: Vec::with_capacity(lagrange_len(power)),
            beta_tau_g1: Vec::with_capacity(lagrange_len(power)),
        };
        for level in 0..=power + 1 {
            let n = 1usize << level;
            info!(level, "phase 1: Lagrange basis");
            let k = n.min(self.tau_g1.len());
            l.tau_g1.extend(lagrange_g1(&self.tau_g1[..k], n));
            if level <= power {
                l.tau_g2.extend(lagrange_g2(&self.tau_g2[..n]));
                l.alpha_tau_g1
                    .extend(lagrange_g1(&self.alpha_tau_g1[..n], n));
                l.beta_tau_g1.extend(lagrange_g1(&self.beta_tau_g1[..n], n));
            }
        }
        self.lagrange = Some(l);
    }

    /// A copy cut down to `power` (snarkjs `powersoftau truncate`), Lagrange sections
    /// recomputed if this one had them. The transcript stays, so it still verifies.
    pub fn truncate(&self, power: u32) -> Result<Self> {
        if power == 0 || power > self.power {
            return Err(CeremonyError::InvalidArgument(format!(
                "cannot cut 2^{} powers to 2^{power}",
                self.power
            )));
        }
        let n = 1usize << power;
        let mut out = Self {
            power,
            ceremony_power: self.ceremony_power,
            tau_g1: self.tau_g1[..n_tau_g1(power)].to_vec(),
            tau_g2: self.tau_g2[..n].to_vec(),
            alpha_tau_g1: self.alpha_tau_g1[..n].to_vec(),
            beta_tau_g1: self.beta_tau_g1[..n].to_vec(),
            beta_g2: self.beta_g2,
            contributions: self.contributions.clone(),
            lagrange: None,
            source: None,
        };
        if self.lagrange.is_some() {
            out.prepare_phase2();
        }
        Ok(out)
    }

    /// The Lagrange basis of tauG1 for domain 2^`level` (section 12), if prepared.
    pub(crate) fn lagrange_tau_g1(&self, level: u32) -> Option<&[G1Affine]> {
        let l = self.lagrange.as_ref()?;
        let n = 1usize << level;
        l.tau_g1.get(n - 1..2 * n - 1)
    }

    /// Levels of sections 13-15 for domain 2^`level`.
    pub(crate) fn lagrange_level(
        &self,
        level: u32,
    ) -> Option<(&[G2Affine], &[G1Affine], &[G1Affine])> {
        let l = self.lagrange.as_ref()?;
        let n = 1usize << level;
        Some((
            l.tau_g2.get(n - 1..2 * n - 1)?,
            l.alpha_tau_g1.get(n - 1..2 * n - 1)?,
            l.beta_tau_g1.get(n - 1..2 * n - 1)?,
        ))
    }
}

fn lagrange_g1(powers: &[G1Affine], n: usize) -> Vec<G1Affine> {
    let mut v: Vec<G1Projective> = powers.iter().map(|p| p.into_group()).collect();
    v.resize(n, G1Projective::default());
    if let Some(domain) = Radix2EvaluationDomain::<Fr>::new(n) {
        domain.ifft_in_place(&mut v);
    }
    G1Projective::normalize_batch(&v)
}

fn lagrange_g2(powers: &[G2Affine]) -> Vec<G2Affine> {
    let mut v: Vec<G2Projective> = powers.iter().map(|p| p.into_group()).collect();
    if let Some(domain) = Radix2EvaluationDomain::<Fr>::new(v.len()) {
        domain.ifft_in_place(&mut v);
    }
    G2Projective::normalize_batch(&v)
}

fn scale_section_g1(ps: &mut [G1Affine], first: Fr, step: Fr, fresh: bool) {
    if fresh {
        // Every point is the generator: a fixed-base table is several times faster.
        let scalars = points::geometric(ps.len(), first, step);
        let table =
            ark_ec::scalar_mul::BatchMulPreprocessing::new(G1Projective::generator(), ps.len());
        ps.copy_from_slice(&table.batch_mul(&scalars));
    } else {
        points::scale_g1(ps, first, step);
    }
}

fn scale_section_g2(ps: &mut [G2Affine], first: Fr, step: Fr, fresh: bool) {
    if fresh {
        let scalars = points::geometric(ps.len(), first, step);
        let table =
            ark_ec::scalar_mul::BatchMulPreprocessing::new(G2Projective::generator(), ps.len());
        ps.copy_from_slice(&table.batch_mul(&scalars));
    } else {
        points::scale_g2(ps, first, step);
    }
}

pub(crate) fn check_beacon(value: &[u8], iterations_exp: u8) -> Result<()> {
    if value.is_empty() || value.len() >= 256 {
        return Err(CeremonyError::InvalidArgument(format!(
            "a beacon value must have 1 to 255 bytes, got {}",
            value.len()
        )));
    }
    if !(10..=63).contains(&iterations_exp) {
        return Err(CeremonyError::InvalidArgument(format!(
            "beacon iterations exponent must be 10..=63 (snarkjs's range), got {iterations_exp}"
        )));
    }
    Ok(())
}

fn truncate_name(name: &str) -> String {
    // snarkjs keeps the first 64 UTF-16 units; we keep whole characters up to 64 bytes.
    let mut end = name.len().min(64);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

fn g2_sp(personalization: u8, challenge: &[u8; 64], g1_s: &G1Affine, g1_sx: &G1Affine) -> G2Affine {
    let mut h = Blake2b::new();
    h.update(&[personalization]);
    h.update(challenge);
    h.update(&encoding::g1_uncompressed(g1_s));
    h.update(&encoding::g1_uncompressed(g1_sx));
    rng::hash_to_g2(&h.finalize())
}

fn knowledge_proof(
    rng: &mut ChaChaRng,
    x: Fr,
    personalization: u8,
    challenge: &[u8; 64],
) -> KnowledgeProof {
    let g1_s = rng.g1();
    let g1_sx = (g1_s * x).into_affine();
    let sp = g2_sp(personalization, challenge, &g1_s, &g1_sx);
    KnowledgeProof {
        g1_s,
        g1_sx,
        g2_spx: (sp * x).into_affine(),
    }
}

/// The challenge of a fresh transcript of `power`: the hash of the empty hash and every
/// (generator) point, uncompressed.
pub fn first_challenge(power: u32) -> [u8; 64] {
    let g1 = encoding::g1_uncompressed(&G1Affine::generator());
    let g2 = encoding::g2_uncompressed(&G2Affine::generator());
    let mut h = Blake2b::new();
    h.update(&blake2b(&[]));
    let n = 1usize << power;
    let block = |h: &mut Blake2b, p: &[u8], count: usize| {
        let chunk: Vec<u8> = p.iter().copied().cycle().take(p.len() * 4096).collect();
        let mut left = count;
        while left >= 4096 {
            h.update(&chunk);
            left -= 4096;
        }
        for _ in 0..left {
            h.update(p);
        }
    };
    block(&mut h, &g1, 2 * n - 1);
    block(&mut h, &g2, n);
    block(&mut h, &g1, n);
    block(&mut h, &g1, n);
    h.update(&g2);
    h.finalize()
}

fn read_contributions(data: &[u8], path: &Path) -> Result<Vec<Phase1Contribution>> {
    let mut r = Reader::new(data, path, "contributions (7)");
    let n = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..n {
        let g1 = |r: &mut Reader<'_>| -> Result<G1Affine> {
            let b = r.take(G1_LEN)?;
            encoding::g1_from_lem(b).map_err(|e| r.error(e.to_string()))
        };
        let g2 = |r: &mut Reader<'_>| -> Result<G2Affine> {
            let b = r.take(G2_LEN)?;
            encoding::g2_from_lem(b).map_err(|e| r.error(e.to_string()))
        };
        let tau_g1 = g1(&mut r)?;
        let tau_g2 = g2(&mut r)?;
        let alpha_g1 = g1(&mut r)?;
        let beta_g1 = g1(&mut r)?;
        let beta_g2 = g2(&mut r)?;
        let (ts, tsx, as_, asx, bs, bsx) = (
            g1(&mut r)?,
            g1(&mut r)?,
            g1(&mut r)?,
            g1(&mut r)?,
            g1(&mut r)?,
            g1(&mut r)?,
        );
        let (tspx, aspx, bspx) = (g2(&mut r)?, g2(&mut r)?, g2(&mut r)?);
        let mut partial_hash = [0u8; PARTIAL_STATE_LEN];
        partial_hash.copy_from_slice(r.take(PARTIAL_STATE_LEN)?);
        let mut next_challenge = [0u8; 64];
        next_challenge.copy_from_slice(r.take(64)?);
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
        out.push(Phase1Contribution {
            tau_g1,
            tau_g2,
            alpha_g1,
            beta_g1,
            beta_g2,
            key: Phase1PublicKey {
                tau: KnowledgeProof {
                    g1_s: ts,
                    g1_sx: tsx,
                    g2_spx: tspx,
                },
                alpha: KnowledgeProof {
                    g1_s: as_,
                    g1_sx: asx,
                    g2_spx: aspx,
                },
                beta: KnowledgeProof {
                    g1_s: bs,
                    g1_sx: bsx,
                    g2_spx: bspx,
                },
            },
            partial_hash,
            next_challenge,
            kind,
            name,
        });
    }
    r.finish()?;
    Ok(out)
}

fn write_contributions(cs: &[Phase1Contribution]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(cs.len() as u32).to_le_bytes());
    for c in cs {
        let mut g1 = [0u8; G1_LEN];
        let mut g2 = [0u8; G2_LEN];
        let mut put1 = |out: &mut Vec<u8>, p: &G1Affine| {
            encoding::g1_to_lem(&mut g1, p);
            out.extend_from_slice(&g1);
        };
        put1(&mut out, &c.tau_g1);
        encoding::g2_to_lem(&mut g2, &c.tau_g2);
        out.extend_from_slice(&g2);
        put1(&mut out, &c.alpha_g1);
        put1(&mut out, &c.beta_g1);
        encoding::g2_to_lem(&mut g2, &c.beta_g2);
        out.extend_from_slice(&g2);
        for p in [
            c.key.tau.g1_s,
            c.key.tau.g1_sx,
            c.key.alpha.g1_s,
            c.key.alpha.g1_sx,
            c.key.beta.g1_s,
            c.key.beta.g1_sx,
        ] {
            put1(&mut out, &p);
        }
        for p in [c.key.tau.g2_spx, c.key.alpha.g2_spx, c.key.beta.g2_spx] {
            encoding::g2_to_lem(&mut g2, &p);
            out.extend_from_slice(&g2);
        }
        out.extend_from_slice(&c.partial_hash);
        out.extend_from_slice(&c.next_challenge);
        let (kind, beacon) = match &c.kind {
            ContributionKind::Participant => (0u32, None),
            ContributionKind::Beacon {
                value,
                iterations_exp,
            } => (1u32, Some((*iterations_exp, value.as_slice()))),
        };
        out.extend_from_slice(&kind.to_le_bytes());
        crate::params::write(&mut out, c.name.as_deref(), beacon);
    }
    out
}
