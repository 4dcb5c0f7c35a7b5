//! Verifying keys ready for verification: prepared keys with their ids, loaded from a
//! parameters directory (`zktr_records::manifest` describes the files) hash-checked and
//! fully validated.

use ark_bn254::Bn254;
use ark_groth16::{PreparedVerifyingKey, VerifyingKey, prepare_verifying_key};
use ark_serialize::CanonicalDeserialize;
use std::collections::BTreeMap;
use std::path::Path;
use zktr_circuits::circuits::CircuitId;
use zktr_records::manifest::{
    MAX_VERIFYING_KEY_BYTES, Manifest, ManifestCircuit, ParamsError, SINGLE_PARTY_DEV, check_entry,
    read_checked_limited, verifying_key_id,
};

/// A verifying key ready for (batch) verification.
#[derive(Clone, Debug)]
pub struct CircuitKey {
    /// The circuit it verifies.
    pub circuit: CircuitId,
    /// Its id ([`verifying_key_id`]).
    pub id: String,
    /// How the key was made (the manifest's `ceremony`, e.g. `single-party-dev`, `mpc`).
    pub ceremony: String,
    /// The ceremony's transcript hash (hex) for `mpc` keys loaded from a manifest that
    /// carries one (`transcript.hash`); policies may require it.
    pub transcript: Option<String>,
    /// The prepared key (with `e(alpha, beta)` and `-gamma`, `-delta` prepared).
    pub prepared: PreparedVerifyingKey<Bn254>,
    /// `beta` in G2, prepared for the batch verifier's multi-pairing.
    pub beta_g2_prepared: <Bn254 as ark_ec::pairing::Pairing>::G2Prepared,
    /// Fixed-base tables of the input bases, built on first single verification.
    input_tables: std::sync::OnceLock<Vec<crate::fixed_base::FixedBaseTable>>,
}

impl CircuitKey {
    /// Prepares `vk` for `circuit`, made by `ceremony`, checking its public-input count.
    pub fn new(
        circuit: CircuitId,
        vk: &VerifyingKey<Bn254>,
        ceremony: &str,
    ) -> Result<Self, ParamsError> {
        let n = vk.gamma_abc_g1.len().saturating_sub(1);
        if n != circuit.public_input_count() {
            return Err(ParamsError::Mismatch {
                circuit,
                what: "public inputs of the verifying key",
                manifest: circuit.public_input_count().to_string(),
                found: n.to_string(),
            });
        }
        Ok(Self {
            circuit,
            id: verifying_key_id(vk),
            ceremony: ceremony.to_owned(),
            transcript: None,
            prepared: prepare_verifying_key(vk),
            beta_g2_prepared: vk.beta_g2.into(),
            input_tables: std::sync::OnceLock::new(),
        })
    }

    /// The fixed-base tables of `gamma_abc_g1[1..]` (built once, on first use).
    pub(crate) fn input_tables(&self) -> &[crate::fixed_base::FixedBaseTable] {
        self.input_tables
            .get_or_init(|| crate::fixed_base::input_tables(&self.vk().gamma_abc_g1))
    }

    /// The raw verifying key.
    pub fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.prepared.vk
    }
}

/// The verifying keys a verifier trusts, by id.
#[derive(Clone, Debug, Default)]
pub struct VerifyingKeys {
    by_id: BTreeMap<String, CircuitKey>,
}

impl VerifyingKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key.
    pub fn insert(&mut self, key: CircuitKey) {
        self.by_id.insert(key.id.clone(), key);
    }

    /// The key with this id.
    pub fn get(&self, id: &str) -> Option<&CircuitKey> {
        self.by_id.get(id)
    }

    /// The (first) key of a circuit.
    pub fn for_circuit(&self, circuit: CircuitId) -> Option<&CircuitKey> {
        self.by_id.values().find(|k| k.circuit == circuit)
    }

    /// All keys.
    pub fn iter(&self) -> impl Iterator<Item = &CircuitKey> {
        self.by_id.values()
    }

    /// Prepares raw verifying keys (e.g. the ones a prover's keys embed), marked as
    /// made by a single-party dev setup: keys generated in memory are exactly that.
    pub fn from_keys<'a>(
        keys: impl IntoIterator<Item = &'a (CircuitId, VerifyingKey<Bn254>)>,
    ) -> Result<Self, ParamsError> {
        Self::from_keys_with_ceremony(keys, SINGLE_PARTY_DEV)
    }

    /// Prepares raw verifying keys made by `ceremony` (the manifest's word for it).
    pub fn from_keys_with_ceremony<'a>(
        keys: impl IntoIterator<Item = &'a (CircuitId, VerifyingKey<Bn254>)>,
        ceremony: &str,
    ) -> Result<Self, ParamsError> {
        let mut out = Self::new();
        for (circuit, vk) in keys {
            out.insert(CircuitKey::new(*circuit, vk, ceremony)?);
        }
        Ok(out)
    }

    /// Loads every verifying key of a parameters directory, hash-checked against the
    /// manifest and validated (a folder from before `threshold/v2` loads without it:
    /// [`Manifest::circuits_present`]).
    pub fn load(dir: &Path) -> Result<Self, ParamsError> {
        let manifest = Manifest::load(dir)?;
        let mut keys = Self::new();
        for circuit in manifest.circuits_present()? {
            let entry = manifest.entry(circuit)?;
            let mut key = load_verifying_key(dir, circuit, entry, &manifest.ceremony)?;
            key.transcript = manifest.transcript.as_ref().map(|t| t.hash.clone());
            keys.insert(key);
        }
        Ok(keys)
    }
}

/// Loads one verifying key and checks it against its manifest entry (reading at most
/// [`MAX_VERIFYING_KEY_BYTES`] of its file).
pub fn load_verifying_key(
    dir: &Path,
    circuit: CircuitId,
    entry: &ManifestCircuit,
    ceremony: &str,
) -> Result<CircuitKey, ParamsError> {
    check_entry(circuit, entry)?;
    let bytes = read_checked_limited(
        dir,
        &entry.verifying_key,
        MAX_VERIFYING_KEY_BYTES,
        "a verifying key",
    )?;
    let vk = VerifyingKey::<Bn254>::deserialize_compressed(&bytes[..]).map_err(|e| {
        ParamsError::CorruptKey {
            path: dir.join(&entry.verifying_key.file),
            reason: e.to_string(),
        }
    })?;
    let key = CircuitKey::new(circuit, &vk, ceremony)?;
    if key.id != entry.verifying_key_id {
        return Err(ParamsError::Mismatch {
            circuit,
            what: "verifying key id",
            manifest: entry.verifying_key_id.clone(),
            found: key.id,
        });
    }
    Ok(key)
}
