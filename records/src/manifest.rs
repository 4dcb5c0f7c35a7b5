//! The key manifest and key-file format: `params/manifest.json` and one proving-key and
//! one verifying-key file per circuit, and the verifying-key id that bundles carry.
//!
//! ```json
//! {
//!   "format": 1,
//!   "ceremony": "single-party-dev",
//!   "created_at": 1763740800,
//!   "curve": "bn254",
//!   "circuits": [
//!     {
//!       "circuit": "threshold/v1",
//!       "constraints": 1914,
//!       "public_inputs": 4,
//!       "proving_key": { "file": "threshold-v1.pk", "sha256": "…", "bytes": 1234 },
//!       "verifying_key": { "file": "threshold-v1.vk", "sha256": "…", "bytes": 488 },
//!       "verifying_key_id": "…",
//!       "tables": { "file": "threshold-v1.tables", "sha256": "…", "bytes": 5678,
//!                   "proving_key_sha256": "…" }
//!     }
//!   ]
//! }
//! ```
//!
//! * Proving keys are arkworks' *uncompressed* encoding, read *without* point validation:
//!   they are a trusted local file whose SHA-256 the manifest pins, so decompressing and
//!   subgroup-checking some 100,000 points on every start (seconds) buys nothing.
//! * `tables` (optional) is the prover's fixed-base tables for that proving key
//!   (`zktr_prover`'s `fast::table_file` has the format): loaded with the key when listed,
//!   hash-checked like it, and refused if built for another key.
//! * Verifying keys are arkworks' compressed encoding, fully validated (they are small).
//! * The verifying-key id that bundles carry is the hex SHA-256 of the verifying-key file
//!   (the canonical compressed encoding), so it names exactly one key.
//! * `ceremony` says how the keys were made. `single-party-dev` means one machine drew
//!   the toxic waste from OS randomness and discarded it: fine for development, not a
//!   multi-party ceremony, and verifiers in production should not trust such keys.
//! * Keys from a multi-party ceremony (`zktr ceremony finalize`) say `"ceremony": "mpc"`
//!   and carry `"transcript"`: the ceremony's transcript hash (hex BLAKE2b-512 over every
//!   circuit's phase-2 transcript hash, `zktr_ceremony::folder::ceremony_hash`), each
//!   circuit's transcript hash and the contributors in order. A verifier policy's
//!   `accepted_transcripts` names ceremonies by that hash. Other manifests have no
//!   `transcript` (the field is omitted).
//! * Reads are bounded: the manifest is read up to [`MAX_MANIFEST_BYTES`] and a verifying
//!   key up to [`MAX_VERIFYING_KEY_BYTES`] (before its hash is checked), so a wrong or
//!   endless file (`/dev/zero`) fails at once with [`ParamsError::TooLarge`], which names
//!   the file and the limit.

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use ark_serialize::CanonicalSerialize;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use zktr_circuits::circuits::CircuitId;

/// The manifest's file name inside a parameters directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest format this build reads and writes.
pub const MANIFEST_FORMAT: u32 = 1;
/// `ceremony` of keys made by `zktr setup` on one machine.
pub const SINGLE_PARTY_DEV: &str = "single-party-dev";
/// Largest `manifest.json` read (the manifest of every circuit is about 2 KB).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Largest verifying-key file read: a compressed BN254 key is 32 bytes per public input
/// plus about 300, under 1 KB for every circuit; 64 KiB allows some 2,000 inputs.
pub const MAX_VERIFYING_KEY_BYTES: u64 = 64 << 10;

/// Why parameters cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file is longer than its limit (or endless, like `/dev/zero`).
    #[error("{path}: larger than the {} limit for {what}", in_words(*limit))]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
        /// What it was read as.
        what: &'static str,
    },
    /// The manifest is not valid JSON of the expected shape.
    #[error("{path}: malformed manifest: {reason}")]
    ManifestFormat {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The manifest names a circuit this build does not know (or has retired).
    #[error("the manifest's keys are not for this build: {reason}")]
    UnknownCircuit {
        /// The circuit id in the manifest.
        circuit: String,
        /// Why: unknown (with the ids this build knows) or retired (with its replacement).
        reason: String,
    },
    /// The manifest has no entry for a circuit this build needs.
    #[error("the manifest has no keys for circuit {circuit}")]
    MissingCircuit {
        /// The circuit.
        circuit: CircuitId,
    },
    /// A key file's SHA-256 differs from the manifest's: the file was changed or replaced.
    #[error(
        "{path}: SHA-256 is {actual}, the manifest says {expected}; refusing to load a changed key file"
    )]
    HashMismatch {
        /// The key file.
        path: PathBuf,
        /// From the manifest.
        expected: String,
        /// Of the file.
        actual: String,
    },
    /// A key file (whose hash matched) does not decode.
    #[error("{path}: corrupt key file: {reason}")]
    CorruptKey {
        /// The key file.
        path: PathBuf,
        /// The decoder's reason.
        reason: String,
    },
    /// A fixed-base tables file (whose hash matched, or which is being written) cannot
    /// be used: it was built for another proving key, or its contents are malformed.
    #[error("{path}: fixed-base tables refused: {reason}")]
    Tables {
        /// The tables file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The manifest and the keys or this build's circuits disagree (e.g. a public-input
    /// count, or a proving key whose embedded verifying key is another).
    #[error("manifest mismatch for {circuit}: {what}: manifest says {manifest}, found {found}")]
    Mismatch {
        /// The circuit.
        circuit: CircuitId,
        /// What differs.
        what: &'static str,
        /// The manifest's value.
        manifest: String,
        /// The actual value.
        found: String,
    },
}

/// One key file in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    /// File name, relative to the manifest's directory.
    pub file: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
}

/// The keys of one circuit in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCircuit {
    /// Circuit id and version, e.g. `threshold/v1`.
    pub circuit: String,
    /// R1CS constraints.
    pub constraints: usize,
    /// Public inputs (without the constant 1).
    pub public_inputs: usize,
    /// The proving key (uncompressed arkworks encoding).
    pub proving_key: KeyFile,
    /// The verifying key (compressed arkworks encoding).
    pub verifying_key: KeyFile,
    /// The id bundles use for this verifying key (= `verifying_key.sha256`).
    pub verifying_key_id: String,
    /// The prover's fixed-base tables for this proving key, if built (`zktr setup
    /// --tables`, `zktr tables`); absent in manifests without them (older builds ignore
    /// the field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<TablesFile>,
}

/// A prover's fixed-base tables file in the manifest: the file, its hash and size, and
/// the SHA-256 of the proving-key file it was built from (the file's header repeats it;
/// a table whose key hash is not this entry's proving key is refused, never used).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablesFile {
    /// File name, relative to the manifest's directory.
    pub file: String,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    /// File size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the proving-key file the tables were built from.
    pub proving_key_sha256: String,
}

/// The ceremony that made `mpc` keys (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeremonyTranscript {
    /// The ceremony's transcript hash, 128 lower-case hex digits.
    pub hash: String,
    /// Per circuit id, its phase-2 transcript hash (hex).
    pub circuits: std::collections::BTreeMap<String, String>,
    /// The contributors' names in order, the closing beacon included.
    pub contributors: Vec<String>,
}

/// `params/manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// How the keys were made ([`SINGLE_PARTY_DEV`] for `zktr setup`).
    pub ceremony: String,
    /// When the keys were made, unix seconds.
    pub created_at: u64,
    /// Always `bn254`.
    pub curve: String,
    /// One entry per circuit.
    pub circuits: Vec<ManifestCircuit>,
    /// The ceremony's transcript, for `mpc` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<CeremonyTranscript>,
}

impl Manifest {
    /// Reads `dir/manifest.json`.
    pub fn load(dir: &Path) -> Result<Self, ParamsError> {
        let path = dir.join(MANIFEST_FILE);
        let text = read_limited(&path, MAX_MANIFEST_BYTES, "a parameters manifest")?;
        let m: Manifest =
            serde_json::from_slice(&text).map_err(|e| ParamsError::ManifestFormat {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if m.format != MANIFEST_FORMAT {
            return Err(ParamsError::ManifestFormat {
                path,
                reason: format!("format {} (this build reads {MANIFEST_FORMAT})", m.format),
            });
        }
        for c in &m.circuits {
            if CircuitId::parse(&c.circuit).is_none() {
                return Err(ParamsError::UnknownCircuit {
                    circuit: c.circuit.clone(),
                    reason: CircuitId::unknown_reason(&c.circuit),
                });
            }
        }
        Ok(m)
    }

    /// Writes `dir/manifest.json`.
    pub fn save(&self, dir: &Path) -> Result<(), ParamsError> {
        let path = dir.join(MANIFEST_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|e| ParamsError::ManifestFormat {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        std::fs::write(&path, text + "\n").map_err(|source| ParamsError::Io { path, source })
    }

    /// The entry of `circuit`.
    /// The circuits a parameters folder must hold: all but `threshold/v2`, which folders
    /// made before priced thresholds lack (their keys still verify and prove unpriced
    /// bundles; a priced claim then reports the missing key).
    pub fn required(circuit: CircuitId) -> bool {
        circuit != CircuitId::ThresholdV2
    }

    /// The circuits of [`CircuitId::ALL`] this manifest has entries for, checking that
    /// every [`Manifest::required`] one is there.
    pub fn circuits_present(&self) -> Result<Vec<CircuitId>, ParamsError> {
        let mut out = Vec::new();
        for circuit in CircuitId::ALL {
            match self.entry(circuit) {
                Ok(_) => out.push(circuit),
                Err(_) if !Self::required(circuit) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The entry of one circuit.
    pub fn entry(&self, circuit: CircuitId) -> Result<&ManifestCircuit, ParamsError> {
        self.circuits
            .iter()
            .find(|c| c.circuit == circuit.as_str())
            .ok_or(ParamsError::MissingCircuit { circuit })
    }
}

/// Reads a file with a path-naming error.
pub fn read(path: &Path) -> Result<Vec<u8>, ParamsError> {
    std::fs::read(path).map_err(|source| ParamsError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads at most `limit` bytes of `path` as `what`: a longer (or endless) file is
/// [`ParamsError::TooLarge`] after `limit + 1` bytes, or at once if its size says so.
pub fn read_limited(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ParamsError> {
    let io_err = |source| ParamsError::Io {
        path: path.to_owned(),
        source,
    };
    let too_large = || ParamsError::TooLarge {
        path: path.to_owned(),
        limit,
        what,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    if let Ok(m) = file.metadata()
        && m.is_file()
        && m.len() > limit
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// `limit` in words: `64 KiB`, `1 MiB`.
fn in_words(limit: u64) -> String {
    if limit >= 1 << 20 && limit.is_multiple_of(1 << 20) {
        format!("{} MiB", limit >> 20)
    } else if limit >= 1 << 10 && limit.is_multiple_of(1 << 10) {
        format!("{} KiB", limit >> 10)
    } else {
        format!("{limit} bytes")
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads `dir/file.file` and checks its hash against the manifest.
pub fn read_checked(dir: &Path, file: &KeyFile) -> Result<Vec<u8>, ParamsError> {
    let path = dir.join(&file.file);
    let bytes = read(&path)?;
    check_hash(path, bytes, file)
}

/// [`read_checked`] reading at most `limit` bytes (see [`read_limited`]).
pub fn read_checked_limited(
    dir: &Path,
    file: &KeyFile,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, ParamsError> {
    let path = dir.join(&file.file);
    let bytes = read_limited(&path, limit, what)?;
    check_hash(path, bytes, file)
}

fn check_hash(path: PathBuf, bytes: Vec<u8>, file: &KeyFile) -> Result<Vec<u8>, ParamsError> {
    let actual = sha256_hex(&bytes);
    if actual != file.sha256.to_ascii_lowercase() {
        return Err(ParamsError::HashMismatch {
            path,
            expected: file.sha256.clone(),
            actual,
        });
    }
    Ok(bytes)
}

/// The compressed encoding of a verifying key (the verifying-key file's content).
pub fn verifying_key_bytes(vk: &VerifyingKey<Bn254>) -> Vec<u8> {
    let mut out = Vec::with_capacity(vk.compressed_size());
    // Serializing into a Vec cannot fail.
    let _ = vk.serialize_compressed(&mut out);
    out
}

/// The id of a verifying key: hex SHA-256 of its compressed encoding.
pub fn verifying_key_id(vk: &VerifyingKey<Bn254>) -> String {
    sha256_hex(&verifying_key_bytes(vk))
}

/// Checks the manifest's counts against this build's circuit.
pub fn check_entry(circuit: CircuitId, entry: &ManifestCircuit) -> Result<(), ParamsError> {
    if entry.public_inputs != circuit.public_input_count() {
        return Err(ParamsError::Mismatch {
            circuit,
            what: "public inputs",
            manifest: entry.public_inputs.to_string(),
            found: circuit.public_input_count().to_string(),
        });
    }
    Ok(())
}

/// File name stem of a circuit's keys: `threshold/v1` -> `threshold-v1`.
pub fn key_file_stem(circuit: CircuitId) -> String {
    circuit.as_str().replace('/', "-")
}
