//! A phase 2 for several circuits at once, as one folder passed from participant to
//! participant: `<circuit stem>.zkey` per circuit (`threshold-v1.zkey`, ...), each the
//! latest `.zkey` of that circuit's chain. This is what `zktr ceremony init | contribute
//! | beacon | verify | finalize` work on, one call each.
//!
//! - Every step that builds on a folder first verifies every circuit's transcript
//!   against phase 1 (the initial keys recomputed), so a bad contribution is refused
//!   before anyone builds on it.
//! - Output is written into `OUT/.zktr-partial/` and moved into `OUT` only when every
//!   circuit succeeded: a refusal leaves `OUT` as it was.
//! - A folder's circuits must carry the same contributions, in the same order (one per
//!   participant for every circuit); a circuit with more or fewer, or another
//!   contributor at some step, is [`CeremonyError::Inconsistent`].
//! - The ceremony's name, [`Ceremony::hash`], is BLAKE2b-512 over, for every circuit in
//!   the folder in [`CircuitId::ALL`] order, its id, a zero byte and its transcript hash
//!   ([`ceremony_hash`]). Manifests and verifier policies carry it in hex.

use crate::blake2b::Blake2b;
use crate::error::{CeremonyError, Result};
use crate::phase1::{ContributionKind, ContributionRecord, PowersOfTau};
use crate::phase2::{Phase2, Transcript, Zkey};
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use std::path::{Path, PathBuf};
use zktr_circuits::circuits::CircuitId;

/// A circuit's proving key, as [`finalize`] returns them.
pub type CircuitKey = (CircuitId, ProvingKey<Bn254>);

/// Name of the staging folder inside an output folder.
pub const PARTIAL_DIR: &str = ".zktr-partial";

/// What a long step reports as it goes (for a progress bar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The circuit being worked on.
    pub circuit: CircuitId,
    /// 0-based index of the circuit among those of the step.
    pub index: usize,
    /// How many circuits the step has.
    pub total: usize,
    /// `false` when the circuit starts, `true` when it is done.
    pub done: bool,
}

/// A verified ceremony folder: phase 1's contributions, every circuit's transcript and
/// the ceremony's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ceremony {
    /// The phase-1 file's verified contributions (with their hashes), oldest first.
    pub phase1: Vec<ContributionRecord>,
    /// Per circuit (in [`CircuitId::ALL`] order), its verified transcript.
    pub transcripts: Vec<(CircuitId, Transcript)>,
    /// [`ceremony_hash`] of the transcripts.
    pub hash: [u8; 64],
    /// The contributors' names in order (`"#N"` for an unnamed one), beacons included.
    pub contributors: Vec<String>,
}

/// The `.zkey` of `circuit` in a ceremony folder: `dir/threshold-v1.zkey`.
pub fn zkey_path(dir: &Path, circuit: CircuitId) -> PathBuf {
    dir.join(format!("{}.zkey", circuit.as_str().replace('/', "-")))
}

/// The circom `.r1cs` export of `circuit` in a folder: `dir/threshold-v1.r1cs`.
pub fn r1cs_path(dir: &Path, circuit: CircuitId) -> PathBuf {
    dir.join(format!("{}.r1cs", circuit.as_str().replace('/', "-")))
}

/// The circuits whose `.zkey` a folder holds, in [`CircuitId::ALL`] order; an error
/// naming the folder if it holds none.
pub fn circuits_in(dir: &Path) -> Result<Vec<CircuitId>> {
    if !dir.is_dir() {
        return Err(CeremonyError::format(
            dir,
            "not a folder (a ceremony folder holds one .zkey per circuit)".into(),
        ));
    }
    let found: Vec<CircuitId> = CircuitId::ALL
        .into_iter()
        .filter(|c| zkey_path(dir, *c).is_file())
        .collect();
    if found.is_empty() {
        return Err(CeremonyError::format(
            dir,
            format!(
                "no circuit's .zkey in this folder (expected {})",
                CircuitId::ALL
                    .map(|c| zkey_path(Path::new(""), c).display().to_string())
                    .join(", ")
            ),
        ));
    }
    Ok(found)
}

/// The ceremony's name: BLAKE2b-512 over every circuit's id, a zero byte and its
/// transcript hash, in the order given.
pub fn ceremony_hash(transcripts: &[(CircuitId, Transcript)]) -> [u8; 64] {
    let mut h = Blake2b::new();
    for (c, t) in transcripts {
        h.update(c.as_str().as_bytes());
        h.update(&[0]);
        h.update(&t.transcript_hash);
    }
    h.finalize()
}

/// Writes into `out/.zktr-partial/`, then moves every file into `out`.
struct Staging {
    out: PathBuf,
    dir: PathBuf,
    files: Vec<PathBuf>,
    /// `out` did not exist before: a step that fails leaves no empty folder behind.
    created_out: bool,
    committed: bool,
}

impl Staging {
    fn new(out: &Path) -> Result<Self> {
        let created_out = !out.exists();
        let dir = out.join(PARTIAL_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| CeremonyError::io(&dir, e))?;
        Ok(Self {
            out: out.to_path_buf(),
            dir,
            files: Vec::new(),
            created_out,
            committed: false,
        })
    }

    fn path(&mut self, circuit: CircuitId) -> PathBuf {
        let p = zkey_path(&self.dir, circuit);
        self.files.push(p.clone());
        p
    }

    fn commit(mut self) -> Result<()> {
        for f in std::mem::take(&mut self.files) {
            let name = f.file_name().map(PathBuf::from).unwrap_or_default();
            let to = self.out.join(name);
            std::fs::rename(&f, &to).map_err(|e| CeremonyError::io(&to, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if self.created_out && !self.committed {
            // Only if empty: never removes anything but the folder this step made.
            let _ = std::fs::remove_dir(&self.out);
        }
    }
}

fn each<T>(
    circuits: &[CircuitId],
    progress: &mut dyn FnMut(Progress),
    mut f: impl FnMut(CircuitId) -> Result<T>,
) -> Result<Vec<(CircuitId, T)>> {
    let total = circuits.len();
    let mut out = Vec::with_capacity(total);
    for (index, &circuit) in circuits.iter().enumerate() {
        let p = Progress {
            circuit,
            index,
            total,
            done: false,
        };
        progress(p);
        out.push((circuit, f(circuit)?));
        progress(Progress { done: true, ..p });
    }
    Ok(out)
}

/// `zktr ceremony init`: the initial `.zkey` of each of `circuits` over the phase-1 file
/// `ptau`, into the folder `out`. Returns each circuit hash.
///
/// Refuses, before writing anything, a circuit whose phase 2 snarkjs could not check
/// over this phase 1 ([`crate::phase2::snarkjs_can_check`]) unless
/// `allow_snarkjs_unverifiable`: a ceremony auditors cannot verify with their own tool
/// is worth less, and the fix (a larger phase 1) is only possible at the start.
pub fn init(
    ptau: &Path,
    out: &Path,
    circuits: &[CircuitId],
    allow_snarkjs_unverifiable: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<(CircuitId, [u8; 64])>> {
    let pot = PowersOfTau::read(ptau)?;
    // Each circuit is synthesized once: for the check here and for its initial key below.
    let mut systems = Vec::with_capacity(circuits.len());
    for &c in circuits {
        let r1cs = crate::R1cs::of_circuit(c)?;
        let power = r1cs.domain_power();
        if !allow_snarkjs_unverifiable
            && power <= pot.power
            && !crate::phase2::snarkjs_can_check(power, pot.power)
        {
            return Err(CeremonyError::SnarkjsCannotCheck {
                path: ptau.to_path_buf(),
                circuit: c.to_string(),
                power,
            });
        }
        systems.push(r1cs);
    }
    let mut staging = Staging::new(out)?;
    let mut systems = systems.into_iter();
    let hashes = each(circuits, progress, |c| {
        let r1cs = systems
            .next()
            .ok_or_else(|| CeremonyError::InvalidArgument(format!("{c}: no constraint system")))?;
        let phase2 = Phase2::from_r1cs(&pot, ptau, &r1cs, &c.to_string())?;
        phase2.init(&staging.path(c))
    })?;
    staging.commit()?;
    Ok(hashes)
}

/// Verifies the folder `input` (as [`verify`]), then adds one participant's contribution
/// to every circuit (fresh OS randomness per circuit mixed with `entropy`; no secret
/// outlives its circuit's step) into the folder `output`. Returns each circuit's
/// contribution hash, for the participant to publish.
pub fn contribute(
    ptau: &Path,
    input: &Path,
    output: &Path,
    name: Option<&str>,
    entropy: &[u8],
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<(CircuitId, [u8; 64])>> {
    build_on(ptau, input, output, progress, |phase2, from, to| {
        phase2.contribute(from, to, name, entropy)
    })
}

/// Verifies the folder `input`, then closes every circuit's transcript with the public
/// beacon `value` hashed `2^iterations_exp` times (snarkjs `zkey beacon`), into `output`.
pub fn beacon(
    ptau: &Path,
    input: &Path,
    output: &Path,
    name: Option<&str>,
    value: &[u8],
    iterations_exp: u8,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<(CircuitId, [u8; 64])>> {
    crate::phase1::check_beacon(value, iterations_exp)?;
    build_on(ptau, input, output, progress, |phase2, from, to| {
        phase2.beacon(from, to, name, value, iterations_exp)
    })
}

fn build_on(
    ptau: &Path,
    input: &Path,
    output: &Path,
    progress: &mut dyn FnMut(Progress),
    mut step: impl FnMut(&Phase2, &Path, &Path) -> Result<[u8; 64]>,
) -> Result<Vec<(CircuitId, [u8; 64])>> {
    let circuits = circuits_in(input)?;
    check_consistent(input, &read_all(input, &circuits)?)?;
    let pot = PowersOfTau::read(ptau)?;
    let mut staging = Staging::new(output)?;
    let hashes = each(&circuits, progress, |c| {
        let phase2 = Phase2::from_phase1(&pot, ptau, c)?;
        step(&phase2, &zkey_path(input, c), &staging.path(c))
    })?;
    staging.commit()?;
    Ok(hashes)
}

fn read_all(dir: &Path, circuits: &[CircuitId]) -> Result<Vec<(CircuitId, Vec<Option<String>>)>> {
    circuits
        .iter()
        .map(|&c| {
            let z = Zkey::read(&zkey_path(dir, c))?;
            Ok((c, z.contributions.iter().map(|k| k.name.clone()).collect()))
        })
        .collect()
}

/// Every circuit of a folder must carry the same contributors in the same order.
fn check_consistent(dir: &Path, names: &[(CircuitId, Vec<Option<String>>)]) -> Result<()> {
    let Some((first, reference)) = names.first() else {
        return Ok(());
    };
    for (c, these) in &names[1..] {
        if these.len() != reference.len() {
            return Err(CeremonyError::Inconsistent {
                path: dir.to_path_buf(),
                reason: format!(
                    "{first} has {} contributions, {c} has {} (a contribution skipped or added for one circuit)",
                    reference.len(),
                    these.len()
                ),
            });
        }
        if let Some(i) = (0..these.len()).find(|&i| these[i] != reference[i]) {
            return Err(CeremonyError::Inconsistent {
                path: dir.to_path_buf(),
                reason: format!(
                    "contribution #{} is {:?} in {first} but {:?} in {c}",
                    i + 1,
                    reference[i].as_deref().unwrap_or(""),
                    these[i].as_deref().unwrap_or("")
                ),
            });
        }
    }
    Ok(())
}

fn contributors(t: &Transcript) -> Vec<String> {
    t.contributions
        .iter()
        .map(|c| match (&c.name, &c.kind) {
            (Some(n), _) => n.clone(),
            (None, ContributionKind::Beacon { .. }) => format!("#{} (beacon)", c.step),
            (None, _) => format!("#{}", c.step),
        })
        .collect()
}

/// `zktr ceremony verify`: the phase-1 file's own transcript ([`PowersOfTau::verify`]),
/// every circuit's whole phase-2 transcript in the folder `dir`, from phase 1 to its key
/// (see [`Phase2::verify`]), and that the circuits carry the same contributions.
/// (`contribute` and `beacon` check the folder they build on but not phase 1 itself:
/// phase 1 is fixed and public, checked once by whoever verifies or finalizes.)
pub fn verify(ptau: &Path, dir: &Path, progress: &mut dyn FnMut(Progress)) -> Result<Ceremony> {
    Ok(verify_and(ptau, dir, progress, |phase2, path| {
        phase2.verify(path).map(|t| (t, ()))
    })?
    .0)
}

/// `zktr ceremony finalize`: [`verify`], then every circuit's arkworks proving key.
pub fn finalize(
    ptau: &Path,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Ceremony, Vec<CircuitKey>)> {
    verify_and(ptau, dir, progress, |phase2, path| {
        phase2.finalize(path).map(|(pk, t)| (t, pk))
    })
}

fn verify_and<T>(
    ptau: &Path,
    dir: &Path,
    progress: &mut dyn FnMut(Progress),
    mut f: impl FnMut(&Phase2, &Path) -> Result<(Transcript, T)>,
) -> Result<(Ceremony, Vec<(CircuitId, T)>)> {
    let circuits = circuits_in(dir)?;
    let pot = PowersOfTau::read(ptau)?;
    let phase1 = pot.verify()?;
    let results = each(&circuits, progress, |c| {
        let phase2 = Phase2::from_phase1(&pot, ptau, c)?;
        f(&phase2, &zkey_path(dir, c))
    })?;
    let mut transcripts = Vec::with_capacity(results.len());
    let mut extra = Vec::with_capacity(results.len());
    for (c, (t, x)) in results {
        transcripts.push((c, t));
        extra.push((c, x));
    }
    let names: Vec<_> = transcripts
        .iter()
        .map(|(c, t)| (*c, t.contributions.iter().map(|k| k.name.clone()).collect()))
        .collect();
    check_consistent(dir, &names)?;
    let contributors = transcripts
        .first()
        .map(|(_, t)| contributors(t))
        .unwrap_or_default();
    Ok((
        Ceremony {
            phase1,
            hash: ceremony_hash(&transcripts),
            transcripts,
            contributors,
        },
        extra,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|n| Some(n.to_string())).collect()
    }

    #[test]
    fn circuits_must_carry_the_same_contributions() {
        let dir = Path::new("ceremony-folder");
        let t = CircuitId::Threshold;
        let c = CircuitId::Committed;
        let same = [(t, names(&["alice", "bob"])), (c, names(&["alice", "bob"]))];
        check_consistent(dir, &same).expect("consistent");
        let skipped = [(t, names(&["alice", "bob"])), (c, names(&["alice"]))];
        let e = check_consistent(dir, &skipped).unwrap_err().to_string();
        assert!(
            e.contains("threshold/v1 has 2 contributions, committed/v2 has 1"),
            "{e}"
        );
        assert!(e.starts_with("ceremony-folder: "), "{e}");
        let swapped = [(t, names(&["alice", "bob"])), (c, names(&["bob", "alice"]))];
        let e = check_consistent(dir, &swapped).unwrap_err().to_string();
        assert!(
            e.contains("contribution #1 is \"alice\" in threshold/v1 but \"bob\""),
            "{e}"
        );
    }

    #[test]
    fn the_ceremony_hash_covers_every_circuit_and_its_order() {
        let t = |h: u8| Transcript {
            circuit: String::new(),
            circuit_hash: [0; 64],
            contributions: Vec::new(),
            transcript_hash: [h; 64],
        };
        let a = ceremony_hash(&[(CircuitId::Threshold, t(1)), (CircuitId::Committed, t(2))]);
        let b = ceremony_hash(&[(CircuitId::Threshold, t(1)), (CircuitId::Committed, t(3))]);
        let c = ceremony_hash(&[(CircuitId::Committed, t(2)), (CircuitId::Threshold, t(1))]);
        let d = ceremony_hash(&[(CircuitId::Threshold, t(1))]);
        assert!(a != b && a != c && a != d && b != c);
    }
}
