//! `zktr setup --out params/`: Groth16 keys for every circuit from OS randomness, with
//! `manifest.json` (see `zktr_records::manifest`); `zktr tables` (and `setup --tables`):
//! the prover's fixed-base tables for those keys; and `zktr snarkjs`: export one claim of
//! a bundle as snarkjs files.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;
use zktr_prover::os_rng;
use zktr_records::manifest::MANIFEST_FILE;
use zktr_verifier::VerifyingKeys;

/// Arguments of `zktr setup`.
#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Directory for the keys and manifest.json.
    #[arg(long, default_value = "params")]
    out: PathBuf,
    /// Replace existing keys.
    #[arg(long)]
    force: bool,
    /// Also build the prover's fixed-base tables and write them beside the keys (as
    /// `zktr tables` does afterwards).
    #[arg(long)]
    tables: bool,
}

/// Arguments of `zktr tables`.
#[derive(Debug, clap::Args)]
pub struct TablesArgs {
    /// The parameters directory (keys and manifest.json, from `zktr setup` or a
    /// ceremony's `finalize`).
    #[arg(long, default_value = "params")]
    params: PathBuf,
}

/// Arguments of `zktr snarkjs`.
#[derive(Debug, clap::Args)]
pub struct SnarkjsArgs {
    /// The bundle (JSON, or protobuf if the file does not start with `{`).
    #[arg(long)]
    bundle: PathBuf,
    /// Parameters directory with the verifying keys.
    #[arg(long, default_value = "params")]
    params: PathBuf,
    /// The claim to export (spelled as bundles and policies name it).
    #[arg(long, value_enum)]
    claim: Claim,
    /// Output directory for proof.json, public.json, verification_key.json.
    #[arg(long)]
    out: PathBuf,
}

/// A claim of a bundle, by the name bundles and policies use (`claim_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Claim {
    /// The transfer's fiat value is on the stated side of a threshold.
    Threshold,
    /// The transfer is committed in the sender's log.
    Committed,
    /// The originator is not on the sanctions list.
    #[value(name = "not_sanctioned.originator")]
    NotSanctionedOriginator,
    /// The beneficiary is not on the sanctions list.
    #[value(name = "not_sanctioned.beneficiary")]
    NotSanctionedBeneficiary,
}

impl Claim {
    fn circuit(self) -> CircuitId {
        match self {
            Claim::Threshold => CircuitId::Threshold,
            Claim::Committed => CircuitId::Committed,
            Claim::NotSanctionedOriginator => CircuitId::NotSanctionedOriginator,
            Claim::NotSanctionedBeneficiary => CircuitId::NotSanctionedBeneficiary,
        }
    }
}

pub fn setup(args: SetupArgs) -> anyhow::Result<ExitCode> {
    if args.out.join(MANIFEST_FILE).exists() && !args.force {
        bail!(
            "{} already has keys; pass --force to replace them (bundles proven with the old keys will no longer verify)",
            args.out.display()
        );
    }
    let mut rng = os_rng()?;
    let started = Instant::now();
    eprintln!(
        "generating Groth16 keys for {} circuits (single-party dev setup, OS randomness)...",
        CircuitId::ALL.len()
    );
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng)?;
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let manifest = keys.save(&args.out, created_at)?;
    println!(
        "{:<32} {:>11} {:>6} {:>12}  verifying key id",
        "circuit", "constraints", "public", "pk bytes"
    );
    for c in &manifest.circuits {
        println!(
            "{:<32} {:>11} {:>6} {:>12}  {}",
            c.circuit, c.constraints, c.public_inputs, c.proving_key.bytes, c.verifying_key_id
        );
    }
    println!(
        "wrote {} ({}, ceremony {:?}) in {:.1} s",
        args.out.join(MANIFEST_FILE).display(),
        manifest.curve,
        manifest.ceremony,
        started.elapsed().as_secs_f64()
    );
    if args.tables {
        write_tables(&keys, &args.out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `zktr tables --params DIR`: builds and writes the fixed-base tables of the keys in
/// `DIR` (`zktr_prover::ProvingKeys::save_tables`).
pub fn tables(args: TablesArgs) -> anyhow::Result<ExitCode> {
    // Any tables listed are ignored: they are rebuilt (a stale or damaged file is
    // exactly what this command replaces).
    let keys = ProvingKeys::load_without_tables(&args.params)
        .with_context(|| format!("loading the keys in {}", args.params.display()))?;
    write_tables(&keys, &args.params)?;
    Ok(ExitCode::SUCCESS)
}

fn write_tables(keys: &ProvingKeys, dir: &std::path::Path) -> anyhow::Result<()> {
    eprintln!(
        "building the prover's fixed-base tables (about 20 s on 2 cores, 300 MiB on disk)..."
    );
    let started = Instant::now();
    let manifest = keys.save_tables(dir)?;
    println!("{:<32} {:>12}  file", "circuit", "table bytes");
    for c in &manifest.circuits {
        if let Some(t) = &c.tables {
            println!(
                "{:<32} {:>12}  {}",
                c.circuit,
                t.bytes,
                dir.join(&t.file).display()
            );
        }
    }
    println!(
        "wrote the tables and recorded them in {} in {:.1} s; provers loading these keys load them",
        dir.join(MANIFEST_FILE).display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn snarkjs(args: SnarkjsArgs) -> anyhow::Result<ExitCode> {
    let bundle = crate::cli::bundle::read_bundle(&args.bundle)?;
    let circuit = args.claim.circuit();
    let claim = bundle
        .claims
        .iter()
        // `threshold` names the claim, of either version (v2: priced by a quote).
        .find(|c| zktr_verifier::claim_name(c.circuit) == zktr_verifier::claim_name(circuit))
        .with_context(|| {
            format!(
                "{}: the bundle has no claim {}",
                args.bundle.display(),
                zktr_verifier::claim_name(circuit)
            )
        })?;
    let keys = VerifyingKeys::load(&args.params)?;
    let key = keys.get(&claim.verifying_key_id).with_context(|| {
        format!(
            "verifying key {} is not in {}",
            claim.verifying_key_id,
            args.params.display()
        )
    })?;
    let proof = zktr_records::encoding::proof_from_bytes(&claim.proof)?;
    std::fs::create_dir_all(&args.out)?;
    for (name, text) in zktr_verifier::snarkjs::export(key.vk(), &claim.public_inputs, &proof) {
        let path = args.out.join(name);
        std::fs::write(&path, text + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::Claim;
    use clap::ValueEnum;

    #[test]
    fn claim_values_are_the_names_bundles_use() {
        for c in Claim::value_variants() {
            let value = c.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(
                value.as_deref(),
                Some(zktr_verifier::claim_name(c.circuit()))
            );
        }
    }
}
