//! Proving keys: generation (`zktr setup`), writing with a manifest, and loading
//! hash-checked and without point validation (see [`zktr_records::manifest`] for the
//! format and why).

use crate::engine::CircuitProver;
use crate::error::ProverError;
use crate::fast::table_file;
use ark_bn254::Bn254;
use ark_groth16::{Groth16, ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_std::rand::{CryptoRng, RngCore, SeedableRng, rngs::StdRng};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use zktr_circuits::circuits::CircuitId;
use zktr_records::manifest::{
    self, CeremonyTranscript, KeyFile, Manifest, ManifestCircuit, ParamsError, SINGLE_PARTY_DEV,
    key_file_stem, sha256_hex, verifying_key_bytes,
};
use zktr_records::policy_file::MPC_CEREMONY;

/// A CSPRNG seeded from the operating system.
pub fn os_rng() -> Result<StdRng, ProverError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| ProverError::Randomness(e.to_string()))?;
    Ok(StdRng::from_seed(seed))
}

/// The proving keys of every circuit.
#[derive(Clone, Debug, Default)]
pub struct ProvingKeys {
    by_circuit: BTreeMap<CircuitId, Arc<CircuitProver>>,
}

impl ProvingKeys {
    /// The prover of a circuit.
    pub fn get(&self, circuit: CircuitId) -> Result<&Arc<CircuitProver>, ProverError> {
        self.by_circuit
            .get(&circuit)
            .ok_or(ProverError::MissingKey(circuit))
    }

    /// Adds a circuit's key.
    pub fn insert(&mut self, prover: CircuitProver) {
        self.by_circuit.insert(prover.circuit, Arc::new(prover));
    }

    /// All circuit provers.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<CircuitProver>> {
        self.by_circuit.values()
    }

    /// The matching verifying keys, per circuit (`zktr_verifier::VerifyingKeys::from_keys`
    /// prepares them for verification).
    pub fn verifying_keys(&self) -> Vec<(CircuitId, VerifyingKey<Bn254>)> {
        self.by_circuit
            .values()
            .map(|p| (p.circuit, p.pk.vk.clone()))
            .collect()
    }

    /// Builds every circuit's matrices now (otherwise the first proof of each does).
    pub fn warm_up(&self) -> Result<(), ProverError> {
        self.by_circuit
            .par_iter()
            .try_for_each(|(_, p)| p.matrices().map(|_| ()))
    }

    /// Builds every circuit's fixed-base tables now (circuits in parallel) unless built
    /// or loaded; proofs use them from then on. Returns the bytes all the engine's
    /// tables hold. Cost: about 20 s of CPU and 300 MiB for the five circuits.
    pub fn build_tables(&self) -> Result<usize, ProverError> {
        self.by_circuit
            .par_iter()
            .map(|(_, p)| p.build_tables())
            .try_reduce(|| 0, |a, b| Ok(a + b))
    }

    /// Bytes the engine's precomputed tables hold over all circuits (QAP tables, and
    /// fixed-base tables where built or loaded).
    pub fn table_bytes(&self) -> usize {
        self.by_circuit
            .values()
            .filter_map(|p| p.fast_key().ok())
            .map(|f| f.table_bytes())
            .sum()
    }

    /// Whether every circuit has its fixed-base tables (built or loaded).
    pub fn have_tables(&self) -> bool {
        self.by_circuit
            .values()
            .all(|p| p.fast_key().is_ok_and(|f| f.tables().is_some()))
    }

    /// Builds (unless built) every circuit's fixed-base tables, writes them beside the
    /// keys in `dir` (`<circuit>.tables`, format in [`crate::fast::table_file`]) and
    /// records them in `dir`'s manifest, which must list exactly these keys (same
    /// verifying-key ids). [`Self::load`] then loads them with the keys.
    pub fn save_tables(&self, dir: &Path) -> Result<Manifest, ProverError> {
        let mut manifest = Manifest::load(dir)?;
        let mut entries = Vec::with_capacity(self.by_circuit.len());
        for p in self.by_circuit.values() {
            let at = manifest
                .circuits
                .iter()
                .position(|c| c.circuit == p.circuit.as_str())
                .ok_or(ParamsError::MissingCircuit { circuit: p.circuit })?;
            let entry = &manifest.circuits[at];
            if entry.verifying_key_id != p.vk_id {
                return Err(ParamsError::Mismatch {
                    circuit: p.circuit,
                    what: "verifying key of the keys the tables are built for",
                    manifest: entry.verifying_key_id.clone(),
                    found: p.vk_id.clone(),
                }
                .into());
            }
            entries.push((p, at));
        }
        self.build_tables()?;
        for (p, at) in entries {
            let entry = &mut manifest.circuits[at];
            let tables = p.fast_key()?.tables().ok_or_else(|| ProverError::Proving {
                claim: p.circuit,
                reason: "fixed-base tables were not built".into(),
            })?;
            let path = dir.join(table_file::file_name(&key_file_stem(p.circuit)));
            entry.tables = Some(table_file::write(tables, &entry.proving_key.sha256, &path)?);
        }
        manifest.save(dir)?;
        Ok(manifest)
    }

    /// Generates fresh keys for `circuits` from `rng` (the toxic waste lives only in this
    /// call). Circuits are set up in parallel.
    pub fn generate<R: RngCore + CryptoRng>(
        circuits: &[CircuitId],
        rng: &mut R,
    ) -> Result<Self, ProverError> {
        let seeds: Vec<[u8; 32]> = circuits
            .iter()
            .map(|_| {
                let mut s = [0u8; 32];
                rng.fill_bytes(&mut s);
                s
            })
            .collect();
        let provers = circuits
            .par_iter()
            .zip(seeds)
            .map(|(c, seed)| {
                let mut r = StdRng::from_seed(seed);
                let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
                    c.blank_circuit(),
                    &mut r,
                )
                .map_err(|e| ProverError::Proving {
                    claim: *c,
                    reason: e.to_string(),
                })?;
                Ok(CircuitProver::new(*c, pk))
            })
            .collect::<Result<Vec<_>, ProverError>>()?;
        let mut keys = Self::default();
        for p in provers {
            keys.insert(p);
        }
        Ok(keys)
    }

    /// Writes every key and `manifest.json` into `dir` (created if needed).
    pub fn save(&self, dir: &Path, created_at: u64) -> Result<Manifest, ProverError> {
        self.write_params(dir, created_at, SINGLE_PARTY_DEV, None, true)
    }

    /// Writes every key and `manifest.json` into `dir` for keys of a multi-party
    /// ceremony: `"ceremony": "mpc"` and its `transcript`.
    pub fn save_from_ceremony(
        &self,
        dir: &Path,
        created_at: u64,
        transcript: CeremonyTranscript,
    ) -> Result<Manifest, ProverError> {
        self.write_params(dir, created_at, MPC_CEREMONY, Some(transcript), true)
    }

    /// Writes only the verifying keys and `manifest.json` (a verifier's copy, as `zktr
    /// demo --out` hands to a regulator): the manifest pins the proving keys by hash and
    /// size, but their files are not written. `ceremony` and `transcript` are the keys' own
    /// (the source manifest's, or `single-party-dev` and none for keys made in memory).
    pub fn save_verifying_keys(
        &self,
        dir: &Path,
        created_at: u64,
        ceremony: &str,
        transcript: Option<CeremonyTranscript>,
    ) -> Result<Manifest, ProverError> {
        self.write_params(dir, created_at, ceremony, transcript, false)
    }

    fn write_params(
        &self,
        dir: &Path,
        created_at: u64,
        ceremony: &str,
        transcript: Option<CeremonyTranscript>,
        with_proving_keys: bool,
    ) -> Result<Manifest, ProverError> {
        std::fs::create_dir_all(dir).map_err(|source| ParamsError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut circuits = Vec::new();
        for p in self.by_circuit.values() {
            let stem = key_file_stem(p.circuit);
            let mut pk_bytes = Vec::with_capacity(p.pk.uncompressed_size());
            p.pk.serialize_uncompressed(&mut pk_bytes)
                .map_err(|e| ProverError::Proving {
                    claim: p.circuit,
                    reason: e.to_string(),
                })?;
            let vk_bytes = verifying_key_bytes(&p.pk.vk);
            let pk_name = format!("{stem}.pk");
            let pk_file = if with_proving_keys {
                write(dir, &pk_name, &pk_bytes)?
            } else {
                KeyFile {
                    file: pk_name,
                    sha256: sha256_hex(&pk_bytes),
                    bytes: pk_bytes.len() as u64,
                }
            };
            let vk_file = write(dir, &format!("{stem}.vk"), &vk_bytes)?;
            let m = p.matrices()?;
            circuits.push(ManifestCircuit {
                circuit: p.circuit.as_str().to_owned(),
                constraints: m.num_constraints,
                public_inputs: m.num_instance - 1,
                verifying_key_id: vk_file.sha256.clone(),
                proving_key: pk_file,
                verifying_key: vk_file,
                tables: None,
            });
        }
        let manifest = Manifest {
            format: manifest::MANIFEST_FORMAT,
            ceremony: ceremony.to_owned(),
            created_at,
            curve: "bn254".to_owned(),
            circuits,
            transcript,
        };
        manifest.save(dir)?;
        Ok(manifest)
    }

    /// Loads every circuit's proving key from `dir`: each file's SHA-256 must match the
    /// manifest (a mismatch refuses to load), the keys are decoded without point
    /// validation (trusted local files), files are read in parallel.
    ///
    /// Fixed-base tables listed in the manifest are loaded with their keys
    /// ([`crate::fast::table_file::read`]: hash, size, key and shape checked; a
    /// mismatch refuses to load, naming the file).
    pub fn load(dir: &Path) -> Result<Self, ProverError> {
        Self::load_with(dir, true)
    }

    /// [`Self::load`] ignoring any tables the manifest lists (to rebuild them, or to
    /// prove without their memory).
    pub fn load_without_tables(dir: &Path) -> Result<Self, ProverError> {
        Self::load_with(dir, false)
    }

    fn load_with(dir: &Path, with_tables: bool) -> Result<Self, ProverError> {
        let manifest = Manifest::load(dir)?;
        // A folder from before threshold/v2 loads without it (priced claims then fail
        // with MissingKey).
        let provers = manifest
            .circuits_present()?
            .par_iter()
            .map(|&circuit| {
                let entry = manifest.entry(circuit)?;
                manifest::check_entry(circuit, entry)?;
                let bytes = manifest::read_checked(dir, &entry.proving_key)?;
                let pk = ProvingKey::<Bn254>::deserialize_uncompressed_unchecked(&bytes[..])
                    .map_err(|e| ParamsError::CorruptKey {
                        path: dir.join(&entry.proving_key.file),
                        reason: e.to_string(),
                    })?;
                let inputs = pk.vk.gamma_abc_g1.len().saturating_sub(1);
                if inputs != entry.public_inputs {
                    return Err(ParamsError::Mismatch {
                        circuit,
                        what: "public inputs of the proving key",
                        manifest: entry.public_inputs.to_string(),
                        found: inputs.to_string(),
                    }
                    .into());
                }
                let prover = CircuitProver::new(circuit, pk);
                if prover.vk_id != entry.verifying_key_id {
                    return Err(ParamsError::Mismatch {
                        circuit,
                        what: "verifying key embedded in the proving key",
                        manifest: entry.verifying_key_id.clone(),
                        found: prover.vk_id.clone(),
                    }
                    .into());
                }
                if let Some(file) = entry.tables.as_ref().filter(|_| with_tables) {
                    let tables =
                        table_file::read(dir, file, &prover.pk, &entry.proving_key.sha256)?;
                    prover.install_tables(tables)?;
                }
                Ok(prover)
            })
            .collect::<Result<Vec<_>, ProverError>>()?;
        let mut keys = Self::default();
        for p in provers {
            keys.insert(p);
        }
        Ok(keys)
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<KeyFile, ProverError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|source| ParamsError::Io { path, source })?;
    Ok(KeyFile {
        file: name.to_owned(),
        sha256: sha256_hex(bytes),
        bytes: bytes.len() as u64,
    })
}
