//! `zktr ceremony`: the multi-party Groth16 setup (see `docs/ceremony.md`).
//!
//! Phase 1 works on one `.ptau` file (`zktr_ceremony::PowersOfTau`); phase 2 on a
//! *ceremony folder* holding one `.zkey` per circuit (`zktr_ceremony::folder`), passed
//! from participant to participant. Each command parses, calls one library function and
//! prints; long steps show a progress bar on stderr. Every command that builds on a file
//! or folder verifies it first, and a refusal names the file and the step (exit 1).

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use zktr_ceremony::folder::{self, Ceremony, Progress};
use zktr_ceremony::{ContributionKind, ContributionRecord, PowersOfTau};
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;
use zktr_prover::engine::CircuitProver;
use zktr_records::manifest::{CeremonyTranscript, MANIFEST_FILE};

/// `zktr ceremony ...`.
#[derive(Debug, clap::Subcommand)]
pub enum CeremonyCommand {
    /// Phase 1 (powers of tau, snarkjs `.ptau`): new, contribute, beacon, prepare, verify.
    #[command(subcommand)]
    Phase1(Phase1Command),
    /// Phase 2: the initial `.zkey` of every circuit from a prepared phase-1 file.
    Init(InitArgs),
    /// Phase 2: add your contribution to every circuit (verifies the input first).
    Contribute(ContributeArgs),
    /// Phase 2: close the ceremony with a public random beacon (verifies the input first).
    Beacon(BeaconArgs),
    /// Phase 2: verify a ceremony folder's whole transcript; prints every contribution hash.
    Verify(VerifyArgs),
    /// Verify, then write `params/` (keys and a manifest naming the ceremony, `mpc`).
    Finalize(FinalizeArgs),
    /// Export the circuits as circom `.r1cs` files, for `snarkjs zkey new|verify`.
    R1cs(R1csArgs),
}

/// Arguments of `zktr ceremony r1cs`.
#[derive(Debug, clap::Args)]
pub struct R1csArgs {
    /// The folder to write `<circuit>.r1cs` into (e.g. `threshold-v1.r1cs`).
    #[arg(long)]
    out: PathBuf,
    /// Only these circuits (default: every circuit); repeatable.
    #[arg(long)]
    circuit: Vec<String>,
}

/// `zktr ceremony phase1 ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Phase1Command {
    /// A local phase 1: by default made by ONE party in one go and prepared for phase 2
    /// (tests and demos only: whoever ran it could keep the secret); `--empty` starts a
    /// multi-party phase 1 with no contribution yet.
    New {
        /// log2 of the number of powers (our largest circuit needs 15).
        #[arg(long)]
        power: u32,
        /// The `.ptau` file to write.
        #[arg(long)]
        out: PathBuf,
        /// No contribution: the start of a multi-party phase 1 (then contribute, beacon,
        /// prepare).
        #[arg(long)]
        empty: bool,
    },
    /// Verify IN, add your contribution, write OUT.
    Contribute {
        /// The phase-1 file to build on.
        input: PathBuf,
        /// The phase-1 file to write.
        output: PathBuf,
        /// Your name, recorded in the transcript (at most 64 bytes).
        #[arg(long)]
        name: Option<String>,
        /// Mix entropy read from stdin (typed or piped) into the OS randomness.
        #[arg(long)]
        entropy_stdin: bool,
    },
    /// Verify IN, close it with a public beacon, write OUT.
    Beacon {
        /// The phase-1 file to build on.
        input: PathBuf,
        /// The phase-1 file to write.
        output: PathBuf,
        /// The beacon value in hex (e.g. a future block hash).
        #[arg(long)]
        beacon: String,
        /// The beacon is hashed 2^N times (10..=63).
        #[arg(long, default_value_t = 10)]
        iterations: u8,
    },
    /// Verify IN, compute the Lagrange sections phase 2 starts from, write OUT.
    Prepare {
        /// The phase-1 file.
        input: PathBuf,
        /// The prepared file to write.
        output: PathBuf,
    },
    /// Verify a phase-1 file; prints every contribution hash.
    Verify {
        /// The phase-1 file.
        file: PathBuf,
    },
}

/// Arguments of `zktr ceremony init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The prepared phase-1 file.
    #[arg(long)]
    ptau: PathBuf,
    /// The ceremony folder to write (one `.zkey` per circuit).
    #[arg(long)]
    out: PathBuf,
    /// Only these circuits (default: every circuit); repeatable.
    #[arg(long)]
    circuit: Vec<String>,
    /// Go on even where snarkjs could not check the phase 2 (a phase 1 of exactly a
    /// circuit's power, from 2^15 on); zktr itself still verifies it.
    #[arg(long)]
    snarkjs_unverifiable: bool,
}

/// Arguments of `zktr ceremony contribute`.
#[derive(Debug, clap::Args)]
pub struct ContributeArgs {
    /// The phase-1 file the ceremony started from (to verify the input).
    #[arg(long)]
    ptau: PathBuf,
    /// The ceremony folder to build on.
    #[arg(long = "in")]
    input: PathBuf,
    /// The ceremony folder to write.
    #[arg(long)]
    out: PathBuf,
    /// Your name, recorded in the transcript (at most 64 bytes).
    #[arg(long)]
    name: Option<String>,
    /// Mix entropy read from stdin (typed or piped) into the OS randomness; it is never
    /// written anywhere.
    #[arg(long)]
    entropy_stdin: bool,
}

/// Arguments of `zktr ceremony beacon`.
#[derive(Debug, clap::Args)]
pub struct BeaconArgs {
    /// The phase-1 file the ceremony started from.
    #[arg(long)]
    ptau: PathBuf,
    /// The ceremony folder to close.
    #[arg(long = "in")]
    input: PathBuf,
    /// The ceremony folder to write.
    #[arg(long)]
    out: PathBuf,
    /// The beacon value in hex: unpredictable when the last contribution was published
    /// (e.g. a future block hash).
    #[arg(long)]
    beacon: String,
    /// The beacon is hashed 2^N times with SHA-256 (10..=63).
    #[arg(long, default_value_t = 10)]
    iterations: u8,
    /// The name recorded for the beacon.
    #[arg(long, default_value = "beacon")]
    name: String,
}

/// Arguments of `zktr ceremony verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The ceremony folder.
    #[arg(long)]
    dir: PathBuf,
    /// The phase-1 file the ceremony started from.
    #[arg(long)]
    ptau: PathBuf,
}

/// Arguments of `zktr ceremony finalize`.
#[derive(Debug, clap::Args)]
pub struct FinalizeArgs {
    /// The ceremony folder (every circuit closed, usually by the beacon).
    #[arg(long)]
    dir: PathBuf,
    /// The phase-1 file the ceremony started from.
    #[arg(long)]
    ptau: PathBuf,
    /// The parameters directory to write.
    #[arg(long, default_value = "params")]
    out: PathBuf,
    /// Replace existing keys.
    #[arg(long)]
    force: bool,
}

pub fn run(cmd: CeremonyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CeremonyCommand::Phase1(cmd) => phase1(cmd),
        CeremonyCommand::Init(a) => {
            let circuits = chosen_circuits(&a.circuit)?;
            let hashes = with_bar("init", |p| {
                folder::init(&a.ptau, &a.out, &circuits, a.snarkjs_unverifiable, p)
            })?;
            for (c, h) in hashes {
                println!("{c:<32} circuit hash {}", hex::encode(h));
            }
            println!("wrote {}", a.out.display());
            Ok(ExitCode::SUCCESS)
        }
        CeremonyCommand::Contribute(a) => {
            let entropy = read_entropy(a.entropy_stdin)?;
            let hashes = with_bar("verify + contribute", |p| {
                folder::contribute(&a.ptau, &a.input, &a.out, a.name.as_deref(), &entropy, p)
            });
            drop(entropy);
            let hashes = hashes?;
            println!("your contribution hashes (publish them):");
            for (c, h) in hashes {
                println!("  {c:<32} {}", hex::encode(h));
            }
            println!("wrote {}", a.out.display());
            Ok(ExitCode::SUCCESS)
        }
        CeremonyCommand::Beacon(a) => {
            let value =
                hex::decode(a.beacon.trim()).context("--beacon must be hex (e.g. a block hash)")?;
            let hashes = with_bar("verify + beacon", |p| {
                folder::beacon(
                    &a.ptau,
                    &a.input,
                    &a.out,
                    Some(&a.name),
                    &value,
                    a.iterations,
                    p,
                )
            })?;
            println!("beacon contribution hashes:");
            for (c, h) in hashes {
                println!("  {c:<32} {}", hex::encode(h));
            }
            println!("wrote {}", a.out.display());
            Ok(ExitCode::SUCCESS)
        }
        CeremonyCommand::Verify(a) => {
            match with_bar("verify", |p| folder::verify(&a.ptau, &a.dir, p)) {
                Ok(c) => {
                    print_ceremony(&c);
                    println!("{}: VALID", a.dir.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("{}: REFUSED: {e}", a.dir.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CeremonyCommand::Finalize(a) => finalize(a),
        CeremonyCommand::R1cs(a) => {
            let circuits = chosen_circuits(&a.circuit)?;
            std::fs::create_dir_all(&a.out)
                .with_context(|| format!("create {}", a.out.display()))?;
            for c in circuits {
                let r1cs = zktr_ceremony::R1cs::of_circuit(c)?;
                let path = folder::r1cs_path(&a.out, c);
                r1cs.write(&path)?;
                println!(
                    "{:<32} {} constraints, {} public inputs -> {}",
                    c.as_str(),
                    r1cs.constraints.len(),
                    r1cs.public,
                    path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The circuits named by `--circuit` (every circuit when none is named).
fn chosen_circuits(names: &[String]) -> anyhow::Result<Vec<CircuitId>> {
    if names.is_empty() {
        return Ok(CircuitId::ALL.to_vec());
    }
    names
        .iter()
        .map(|c| CircuitId::parse(c).with_context(|| CircuitId::unknown_reason(c)))
        .collect()
}

/// Runs `f` with a progress bar over circuits on stderr.
fn with_bar<T>(
    what: &str,
    f: impl FnOnce(&mut dyn FnMut(Progress)) -> zktr_ceremony::Result<T>,
) -> zktr_ceremony::Result<T> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(250));
    let started = Instant::now();
    let what = what.to_owned();
    let mut progress = |p: Progress| {
        bar.set_length(p.total as u64);
        if p.done {
            bar.inc(1);
            bar.println(format!(
                "{what}: {} done ({:.1} s)",
                p.circuit,
                started.elapsed().as_secs_f64()
            ));
        } else {
            bar.set_message(format!(
                "{what}: {} (initial key, then the step)",
                p.circuit
            ));
        }
    };
    let out = f(&mut progress);
    bar.finish_and_clear();
    out
}

/// Entropy typed or piped in, if asked for; held only in memory.
fn read_entropy(from_stdin: bool) -> anyhow::Result<Vec<u8>> {
    let mut entropy = Vec::new();
    if from_stdin {
        eprintln!("type random text, then Ctrl-D (it is mixed into OS randomness, never written):");
        std::io::stdin()
            .take(1 << 20)
            .read_to_end(&mut entropy)
            .context("reading entropy from stdin")?;
    }
    Ok(entropy)
}

fn kind(k: &ContributionKind) -> &'static str {
    match k {
        ContributionKind::Beacon { .. } => "beacon",
        _ => "participant",
    }
}

fn print_records(records: &[ContributionRecord]) {
    for r in records {
        println!(
            "  #{} {:<12} {:<11} {}",
            r.step,
            r.name.as_deref().unwrap_or("-"),
            kind(&r.kind),
            hex::encode(r.hash)
        );
    }
}

fn print_ceremony(c: &Ceremony) {
    println!("phase 1: {} contributions", c.phase1.len());
    print_records(&c.phase1);
    for (circuit, t) in &c.transcripts {
        println!(
            "{circuit}: {} contributions, transcript {}",
            t.contributions.len(),
            hex::encode(t.transcript_hash)
        );
        print_records(&t.contributions);
    }
    println!("contributors: {}", c.contributors.join(", "));
    println!("ceremony transcript hash: {}", hex::encode(c.hash));
}

fn finalize(a: FinalizeArgs) -> anyhow::Result<ExitCode> {
    if a.out.join(MANIFEST_FILE).exists() && !a.force {
        bail!(
            "{} already has keys; pass --force to replace them",
            a.out.display()
        );
    }
    let (ceremony, pks) = match with_bar("verify + finalize", |p| {
        folder::finalize(&a.ptau, &a.dir, p)
    }) {
        Ok(x) => x,
        Err(e) => {
            println!("{}: REFUSED: {e}", a.dir.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut keys = ProvingKeys::default();
    for (circuit, pk) in pks {
        keys.insert(CircuitProver::new(circuit, pk));
    }
    let transcript = CeremonyTranscript {
        hash: hex::encode(ceremony.hash),
        circuits: ceremony
            .transcripts
            .iter()
            .map(|(c, t)| (c.as_str().to_owned(), hex::encode(t.transcript_hash)))
            .collect(),
        contributors: ceremony.contributors.clone(),
    };
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let manifest = keys.save_from_ceremony(&a.out, created_at, transcript)?;
    print_ceremony(&ceremony);
    for c in &manifest.circuits {
        println!("{:<32} verifying key id {}", c.circuit, c.verifying_key_id);
    }
    if manifest.circuits.len() < CircuitId::ALL.len() {
        println!(
            "note: {} of {} circuits; provers and verifiers need every circuit's keys",
            manifest.circuits.len(),
            CircuitId::ALL.len()
        );
    }
    println!(
        "wrote {} (ceremony {:?})",
        a.out.join(MANIFEST_FILE).display(),
        manifest.ceremony
    );
    Ok(ExitCode::SUCCESS)
}

fn phase1(cmd: Phase1Command) -> anyhow::Result<ExitCode> {
    let spinner = |msg: String| {
        let bar = ProgressBar::new_spinner();
        bar.set_message(msg);
        bar.enable_steady_tick(std::time::Duration::from_millis(250));
        bar
    };
    match cmd {
        Phase1Command::New { power, out, empty } => {
            let bar = spinner(format!("phase 1 2^{power}"));
            let pot = if empty {
                PowersOfTau::new(power)?
            } else {
                PowersOfTau::single_party(power, Some("zktr phase1 new (single party)"), b"")?
            };
            pot.write(&out)?;
            bar.finish_and_clear();
            if !empty {
                println!(
                    "SINGLE-PARTY phase 1: whoever ran this could keep the secret; for tests and demos only (deployments start from the Perpetual Powers of Tau)"
                );
            }
            println!("wrote {} (2^{power} powers)", out.display());
        }
        Phase1Command::Contribute {
            input,
            output,
            name,
            entropy_stdin,
        } => {
            let entropy = read_entropy(entropy_stdin)?;
            let bar = spinner(format!("verify {} + contribute", input.display()));
            let hash: zktr_ceremony::Result<[u8; 64]> = (|| {
                let mut pot = PowersOfTau::read(&input)?;
                pot.verify()?;
                let h = pot.contribute(name.as_deref(), &entropy)?;
                pot.write(&output)?;
                Ok(h)
            })();
            bar.finish_and_clear();
            drop(entropy);
            println!(
                "your contribution hash (publish it): {}",
                hex::encode(hash?)
            );
            println!("wrote {}", output.display());
        }
        Phase1Command::Beacon {
            input,
            output,
            beacon,
            iterations,
        } => {
            let value = hex::decode(beacon.trim()).context("--beacon must be hex")?;
            let bar = spinner(format!("verify {} + beacon", input.display()));
            let hash: zktr_ceremony::Result<[u8; 64]> = (|| {
                let mut pot = PowersOfTau::read(&input)?;
                pot.verify()?;
                let h = pot.beacon(Some("beacon"), &value, iterations)?;
                pot.write(&output)?;
                Ok(h)
            })();
            bar.finish_and_clear();
            println!("beacon contribution hash: {}", hex::encode(hash?));
            println!("wrote {}", output.display());
        }
        Phase1Command::Prepare { input, output } => {
            let bar = spinner(format!("verify {} + prepare for phase 2", input.display()));
            let r: zktr_ceremony::Result<()> = (|| {
                let mut pot = PowersOfTau::read(&input)?;
                pot.verify()?;
                pot.prepare_phase2();
                pot.write(&output)
            })();
            bar.finish_and_clear();
            r?;
            println!("wrote {}", output.display());
        }
        Phase1Command::Verify { file } => {
            let bar = spinner(format!("verify {}", file.display()));
            let r = PowersOfTau::read(&file).and_then(|p| p.verify());
            bar.finish_and_clear();
            match r {
                Ok(records) => {
                    print_records(&records);
                    println!("{}: VALID", file.display());
                }
                Err(e) => {
                    println!("{}: REFUSED: {e}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
