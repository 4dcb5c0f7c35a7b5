//! Typed errors of the native APIs. Circuits never return these for a false statement:
//! a false statement gives an unsatisfied constraint system, not an error.

use ark_relations::gr1cs::SynthesisError;

/// Result alias of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in zktr's native math.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Poseidon (circomlib) is defined here for 1 to 12 inputs.
    #[error("Poseidon takes 1 to 12 inputs, got {inputs}")]
    PoseidonArity {
        /// Number of inputs given.
        inputs: usize,
    },
    /// A value does not fit the bit width its slot or input requires.
    #[error("{what} must be below 2^{bits}")]
    OutOfRange {
        /// What the value is.
        what: &'static str,
        /// Its bit width.
        bits: u32,
    },
    /// A value that may not be zero was zero.
    #[error("{what} must not be 0")]
    ZeroNotAllowed {
        /// What the value is.
        what: &'static str,
    },
    /// A number could not be parsed as a field element.
    #[error("not a BN254 scalar (decimal, or hex with 0x, below the field modulus): {input:?}")]
    NotAFieldElement {
        /// The rejected text (numbers only, never personal data).
        input: String,
    },
    /// A commitment slot index of 16 or more.
    #[error("slot index {index} is out of range (the commitment has 16 slots, 0..=15)")]
    SlotOutOfRange {
        /// The rejected index.
        index: u64,
    },
    /// The commitment layout version is not one this build knows.
    #[error("unsupported commitment layout version {version}")]
    UnsupportedLayout {
        /// The version found in slot 0.
        version: u64,
    },
    /// A tree has no room for more leaves.
    #[error("the {tree} is full ({capacity} leaves)")]
    TreeFull {
        /// Which tree.
        tree: &'static str,
        /// Its capacity.
        capacity: u64,
    },
    /// A leaf index or tree size beyond the tree's current size.
    #[error("{what} {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// What the index is.
        what: &'static str,
        /// The index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A non-membership witness was asked for a key that is in the set.
    #[error("the key is listed in the sanctions set")]
    KeyListed,
    /// A membership witness was asked for a key that is not in the set.
    #[error("the key is not listed in the sanctions set")]
    KeyNotListed,
    /// A native proof (opening, inclusion, consistency, non-membership) does not verify.
    #[error("{what} does not verify")]
    ProofInvalid {
        /// Which proof.
        what: &'static str,
    },
    /// A public-input vector has the wrong length.
    #[error("{circuit}: expected {expected} public inputs, got {got}")]
    PublicInputCount {
        /// The circuit.
        circuit: &'static str,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// A public input has a value the circuit never accepts (e.g. an unknown direction).
    #[error("{circuit}: public input `{input}` is invalid: {reason}")]
    PublicInputInvalid {
        /// The circuit.
        circuit: &'static str,
        /// The input's name.
        input: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The witness given to a circuit has the wrong shape (e.g. openings of other slots).
    #[error("{circuit}: malformed witness: {reason}")]
    WitnessShape {
        /// The circuit.
        circuit: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Constraint synthesis failed (a bug or a resource problem, never a false statement).
    #[error("constraint synthesis failed: {0}")]
    Synthesis(String),
}

impl From<SynthesisError> for Error {
    fn from(e: SynthesisError) -> Self {
        Error::Synthesis(e.to_string())
    }
}
