//! The crate's one error type. Every variant that concerns a file names it; transcript
//! refusals also name the step (1-based contribution number and the contributor's name).

use std::path::{Path, PathBuf};

/// Result with [`CeremonyError`].
pub type Result<T, E = CeremonyError> = core::result::Result<T, E>;

/// What went wrong in a ceremony step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a well-formed file of the expected kind (foreign, truncated, corrupt).
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The phase-1 file has too few powers for the circuit.
    #[error("{}: phase 1 has 2^{power} powers, {circuit} needs 2^{needed}", path.display())]
    PhaseOneTooSmall {
        /// The phase-1 file.
        path: PathBuf,
        /// The circuit.
        circuit: String,
        /// log2 of the domain the circuit needs.
        needed: u32,
        /// log2 of the powers the file has.
        power: u32,
    },
    /// snarkjs 0.7 could not check a phase 2 of this circuit over this phase-1 file (its
    /// circuit hash reads one point past the file's tauG1 section; see `docs/ceremony.md`).
    #[error(
        "{}: phase 1 has exactly the 2^{power} powers {circuit} needs; snarkjs 0.7 cannot check a phase 2 over it (its circuit hash reads past the tauG1 section), so auditors could not verify the ceremony with snarkjs. Use a phase 1 of 2^{} or more (e.g. powersOfTau28_hez_final_{}.ptau), or pass --snarkjs-unverifiable to go on anyway",
        path.display(),
        power + 1,
        power + 1
    )]
    SnarkjsCannotCheck {
        /// The phase-1 file.
        path: PathBuf,
        /// The circuit.
        circuit: String,
        /// log2 of the powers the file has (= the circuit's domain).
        power: u32,
    },
    /// The phase-1 file lacks the Lagrange-basis sections that phase 2 starts from.
    #[error("{}: phase 1 is not prepared for phase 2 (no Lagrange sections 12-15); run phase1 prepare", path.display())]
    NotPrepared {
        /// The phase-1 file.
        path: PathBuf,
    },
    /// The phase-2 file belongs to another circuit (or another phase 1).
    #[error("{}: not a phase 2 of {circuit}: {reason}", path.display())]
    WrongCircuit {
        /// The phase-2 file.
        path: PathBuf,
        /// The circuit it was checked against.
        circuit: String,
        /// The first difference found.
        reason: String,
    },
    /// A contribution in a transcript does not verify.
    #[error("{}: contribution #{step}{}: {reason}", path.display(), name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default())]
    Contribution {
        /// The file holding the transcript.
        path: PathBuf,
        /// Which contribution, from 1.
        step: usize,
        /// The contributor's name, if recorded.
        name: Option<String>,
        /// What does not hold.
        reason: String,
    },
    /// The key material does not follow from the transcript (e.g. swapped afterwards).
    #[error("{}: key does not match its transcript: {reason}", path.display())]
    KeyMismatch {
        /// The file.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
    /// The circuits of a ceremony folder do not carry the same contributions.
    #[error("{}: circuits disagree: {reason}", path.display())]
    Inconsistent {
        /// The folder.
        path: PathBuf,
        /// The first disagreement.
        reason: String,
    },
    /// A bad argument (beacon value, power, name).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The operating system's randomness failed.
    #[error("no randomness from the operating system: {0}")]
    Randomness(String),
    /// The circuit could not be synthesized.
    #[error("synthesizing {circuit}: {reason}")]
    Synthesis {
        /// The circuit.
        circuit: String,
        /// The cause.
        reason: String,
    },
}

impl CeremonyError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, reason: String) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            reason,
        }
    }

    /// The step (1-based contribution number) a transcript refusal names, if any.
    pub fn step(&self) -> Option<usize> {
        match self {
            Self::Contribution { step, .. } => Some(*step),
            _ => None,
        }
    }
}
