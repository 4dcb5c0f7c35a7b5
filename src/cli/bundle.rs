//! `zktr bundle verify --policy FILE --params DIR BUNDLE...`: verifies bundles under a
//! policy for the jurisdictions the verifier applies (one library call,
//! `zktr_verifier::verify_bundles`, batching the proofs of all bundles), prints each
//! claim's result and every problem, and exits 0 only if every bundle is accepted.

use crate::cli::io::{MAX_BUNDLE_BYTES, read_bounded};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zktr_circuits::circuits::ThresholdDirection;
use zktr_records::ProofBundle;
use zktr_records::manifest::SINGLE_PARTY_DEV;
use zktr_verifier::claim_name;
use zktr_verifier::{Accepted, Policy, VerifyRequest, VerifyingKeys, verify_bundles};

/// `zktr bundle ...`.
#[derive(Debug, clap::Subcommand)]
pub enum BundleCommand {
    /// Verify bundles under a policy (exit 0 only if all are accepted).
    Verify(VerifyArgs),
}

/// Arguments of `zktr bundle verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The policy (JSON, `params/policy.example.json`'s format).
    #[arg(long)]
    policy: PathBuf,
    /// Parameters folder with the verifying keys and their manifest.
    #[arg(long)]
    params: PathBuf,
    /// A jurisdiction of the policy whose threshold rule this verifier applies
    /// (repeat for several; each must be satisfied).
    #[arg(long = "jurisdiction", default_value = "FATF")]
    jurisdictions: Vec<String>,
    /// Bundles (JSON, or protobuf if the file does not start with `{`).
    #[arg(required = true)]
    bundles: Vec<PathBuf>,
}

pub fn run(cmd: BundleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BundleCommand::Verify(args) => verify(args),
    }
}

/// Reads a bundle (at most [`MAX_BUNDLE_BYTES`]): JSON if it starts with `{`, protobuf
/// otherwise.
pub(crate) fn read_bundle(path: &Path) -> anyhow::Result<ProofBundle> {
    let bytes = read_bounded(path, MAX_BUNDLE_BYTES, "a proof bundle")?;
    let bundle = if bytes.first() == Some(&b'{') {
        ProofBundle::from_json(&String::from_utf8_lossy(&bytes))
    } else {
        ProofBundle::from_protobuf(&bytes)
    };
    bundle.with_context(|| format!("{}", path.display()))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let policy = Policy::load(&args.policy)?;
    let keys = VerifyingKeys::load(&args.params)
        .with_context(|| format!("--params {}", args.params.display()))?;
    let bundles = args
        .bundles
        .iter()
        .map(|p| read_bundle(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!(
        "policy {:?}; applying {}",
        policy.file.name,
        args.jurisdictions.join(", ")
    );
    if keys.iter().any(|k| k.ceremony == SINGLE_PARTY_DEV) {
        println!(
            "DEV KEYS: {} holds single-party dev keys; they are accepted only if the policy says \"allow_dev_keys\": true (it says {})",
            args.params.display(),
            policy.file.verifying_keys.allow_dev_keys
        );
    }
    let request = VerifyRequest {
        now: now(),
        jurisdictions: args.jurisdictions.clone(),
        transfer: None,
        seen_lists: None,
    };
    let results = verify_bundles(&bundles, &keys, &policy, &request);
    let mut all_ok = true;
    for ((path, bundle), result) in args.bundles.iter().zip(&bundles).zip(&results) {
        match result {
            Ok(a) => {
                println!("{}: ACCEPTED", path.display());
                for (i, c) in bundle.claims.iter().enumerate() {
                    println!("  claim {i} ({}): ok", claim_name(c.circuit));
                }
                print_accepted(a);
            }
            Err(r) => {
                all_ok = false;
                println!("{}: REJECTED", path.display());
                for (i, c) in bundle.claims.iter().enumerate() {
                    let bad = r
                        .problems
                        .iter()
                        .any(|p| p.claim.map(|(j, _)| j) == Some(i));
                    println!(
                        "  claim {i} ({}): {}",
                        claim_name(c.circuit),
                        if bad { "FAILED" } else { "no problem found" }
                    );
                }
                for p in &r.problems {
                    println!("  problem: {p}");
                }
            }
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_accepted(a: &Accepted) {
    if let Some(t) = &a.threshold {
        let side = match t.direction {
            ThresholdDirection::Below => "below",
            ThresholdDirection::AtOrAbove => "at or above",
        };
        println!(
            "  proven: fiat value {side} {} minor units (ISO 4217 {}); satisfies {} (the bundle says {})",
            t.threshold,
            t.currency,
            t.satisfies.join(", "),
            t.bundle_jurisdiction
        );
        match &t.price {
            Some(p) => println!(
                "  priced: {} minor units per {} base units of {} (quote by {}, valid {}..={}); the fiat value is the committed amount's at this price",
                p.price_num, p.price_den, p.asset, p.publisher, p.valid_from, p.valid_until
            ),
            None => println!(
                "  UNPRICED: threshold/v1, the fiat value is the prover's word (the policy allows unpriced thresholds)"
            ),
        }
    }
    if let Some(tx) = &a.transfer {
        println!(
            "  committed on-chain transfer: asset {}, amount {} base units, address key {}",
            zktr_circuits::field::fr_to_decimal(&tx.asset_id.to_fr()),
            tx.asset_amount,
            zktr_circuits::field::fr_to_hex(&tx.beneficiary_address_key.to_fr())
        );
    }
    println!(
        "  log {}: tree head of size {} signed at {}",
        a.tree_head.log_id, a.tree_head.size, a.tree_head.time
    );
    for s in &a.screened {
        println!(
            "  {} screened against {} version {} ({} keys, publisher {})",
            s.party.as_str(),
            s.list_id,
            s.version,
            s.key_count,
            s.publisher_key_id
        );
    }
    for k in &a.keys {
        println!(
            "  key {} for {}: ceremony {}",
            k.key_id, k.circuit, k.ceremony
        );
    }
}
