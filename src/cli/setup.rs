//! `zktr setup --out params/`: Groth16 keys for every circuit from OS randomness, with
//! `manifest.json` (see `zktr_records::manifest`), and `zktr snarkjs`: export one claim of
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
    Ok(ExitCode::SUCCESS)
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
