//! `zktr setup --out params/`: Groth16 keys for every circuit from OS randomness, with
//! `manifest.json` (see `zktr_records::manifest`), and `zktr snarkjs`: export one claim of
//! a bundle as snarkjs files.

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;
use zktr_prover::keys::os_rng;
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
    /// The claim: threshold, committed, not_sanctioned.originator, not_sanctioned.beneficiary.
    #[arg(long)]
    claim: String,
    /// Output directory for proof.json, public.json, verification_key.json.
    #[arg(long)]
    out: PathBuf,
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
    let claim = bundle
        .claims
        .iter()
        .find(|c| zktr_verifier::policy::claim_name(c.circuit) == args.claim)
        .with_context(|| format!("the bundle has no claim {:?}", args.claim))?;
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
