//! # zktr-ceremony
//!
//! The multi-party Groth16 setup ceremony for zktr's circuits (BN254), in snarkjs's
//! file formats so that auditors can check every step with snarkjs as well:
//!
//! - **Phase 1** ([`phase1::PowersOfTau`]): powers of tau in snarkjs's `.ptau` format.
//!   Deployments start from the public Perpetual Powers of Tau transcript (a `.ptau`
//!   prepared for phase 2); [`phase1::PowersOfTau::new`], `contribute`, `beacon`,
//!   `prepare_phase2` and `verify` make and check a local one, each contribution with
//!   its proofs of knowledge exactly as snarkjs writes them (`snarkjs powersoftau verify`
//!   accepts ours, we accept snarkjs's). [`phase1::PowersOfTau::single_party`] is the
//!   fast one-party phase 1 for tests and the demo.
//! - **Circuits as `.r1cs`** ([`r1cs::R1cs`]): our constraint systems in circom's format.
//! - **Phase 2** ([`phase2::Phase2`]): per circuit, the `.zkey` chain: `init` from phase 1
//!   and the circuit, `contribute` (OS randomness mixed with optional entropy, never
//!   written anywhere), `beacon` (snarkjs's iterated-SHA-256 beacon), `verify` (the whole
//!   transcript from phase 1 to the final key) and `finalize` (verify, then the arkworks
//!   [`ark_groth16::ProvingKey`] our prover uses). Every step that builds on a file
//!   verifies it first, so a bad contribution is refused before anyone builds on it.
//!
//! Every refusal is a [`CeremonyError`] naming the file and, for transcripts, the step.
//! Long steps log their progress with `tracing` (`info` level); no secret is logged.
//!
//! ## The CLI (`zktr ceremony ...`), one library call each
//!
//! | command | call |
//! | --- | --- |
//! | `phase1 new --power P --out pot.ptau [--empty]` | [`phase1::PowersOfTau::single_party`] (or `new`) then `write` |
//! | `phase1 contribute IN OUT [--name N] [--entropy-stdin]` | `read`, `verify`, `contribute`, `write` |
//! | `phase1 beacon IN OUT --beacon HEX --iterations E` | `read`, `verify`, `beacon`, `write` |
//! | `phase1 prepare IN OUT` | `read`, `verify`, `prepare_phase2`, `write` |
//! | `phase1 verify FILE` | `read`, `verify` (prints the contribution hashes) |
//! | `init --ptau P --out DIR [--circuit C]` | [`folder::init`] |
//! | `contribute --ptau P --in DIR --out DIR [--name N] [--entropy-stdin]` | [`folder::contribute`] (prints the hashes) |
//! | `beacon --ptau P --in DIR --out DIR --beacon HEX [--iterations E]` | [`folder::beacon`] |
//! | `verify --ptau P --dir DIR` | [`folder::verify`] (prints every contribution hash) |
//! | `finalize --ptau P --dir DIR --out params/` | [`folder::finalize`] -> proving keys and the [`folder::Ceremony`] for the manifest |
//!
//! See `docs/ceremony.md` for how to run a ceremony and the snarkjs commands that
//! cross-check it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod binfile;
mod blake2b;
mod encoding;
mod error;
pub mod folder;
mod params;
pub mod phase1;
pub mod phase2;
mod points;
pub mod r1cs;
mod rng;

pub use error::{CeremonyError, Result};
pub use phase1::{ContributionKind, ContributionRecord, PowersOfTau};
pub use phase2::{Phase2, Transcript, Zkey};
pub use r1cs::R1cs;
