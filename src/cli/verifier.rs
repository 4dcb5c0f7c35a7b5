//! `zktr verifier --config verifier.toml`: runs the stateless verifier service
//! (`zktr_node::verifier_service`; node/verifier.example.toml documents every key) until
//! SIGTERM or Ctrl-C.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `zktr verifier`.
#[derive(Debug, clap::Args)]
pub struct VerifierArgs {
    /// The verifier's configuration file (see node/verifier.example.toml).
    #[arg(long)]
    config: PathBuf,
}

pub fn run(args: VerifierArgs) -> anyhow::Result<ExitCode> {
    let config = zktr_node::verifier_config::VerifierConfig::load(&args.config)?;
    let runtime = zktr_node::server::runtime().context("starting the async runtime")?;
    runtime.block_on(async move {
        let verifier = zktr_node::verifier_service::start(config).await?;
        // One line on stdout for scripts and tests: where the verifier listens.
        crate::say!(
            "zktr verifier listening: grpc={} http={}",
            verifier.grpc_addr,
            verifier.http_addr
        );
        verifier
            .serve_until(zktr_node::server::termination())
            .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `zktr bench verifier`.
#[derive(Debug, clap::Args)]
pub struct VerifierBenchArgs {
    /// Distinct sample transfers proven; every bundle is one of them with freshly
    /// re-randomized proofs (distinct proofs, the same statements).
    #[arg(long, default_value_t = 4)]
    transfers: usize,
    /// Bundles per round (4 proofs each).
    #[arg(long, default_value_t = 256)]
    bundles: usize,
    /// Rounds of each measurement (medians are reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Bundles per batch, in the service and in process.
    #[arg(long, default_value_t = 64)]
    max_batch: usize,
}

/// `zktr bench verifier`: sample bundles proven with throwaway dev keys, then
/// `zktr_node::verifier_bench::run` (a verifier process next to in-process batches).
pub fn bench(args: VerifierBenchArgs) -> anyhow::Result<ExitCode> {
    use zktr_circuits::circuits::CircuitId;
    use zktr_prover::{Parallelism, Prover, ProvingKeys};
    use zktr_records::encoding::{proof_from_bytes, proof_to_bytes};
    use zktr_testkit::sample::{SAMPLE_NOW, SampleWorld, sample_fields, synthetic_sanctions};

    anyhow::ensure!(
        args.transfers > 0 && args.bundles > 0,
        "--transfers and --bundles must be positive"
    );
    eprintln!(
        "zktr bench verifier: generating dev keys and proving {} sample transfers...",
        args.transfers
    );
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut zktr_prover::os_rng()?)?;
    let world = SampleWorld::new(args.transfers, synthetic_sanctions(10_000)?, 1);
    let prover = Prover::new(keys.clone(), Parallelism::default())?;
    let proven = prover
        .prove_transfers(&world.statements(), &world.context)?
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let vks = zktr_verifier::VerifyingKeys::from_keys(&keys.verifying_keys())?;
    let mut rng = zktr_prover::os_rng()?;
    let mut bundles = Vec::with_capacity(args.bundles);
    for j in 0..args.bundles {
        let i = j % proven.len();
        let mut b = proven[i].clone();
        for c in &mut b.claims {
            let vk = vks
                .for_circuit(c.circuit)
                .ok_or_else(|| anyhow::anyhow!("no key for {}", c.circuit))?
                .vk();
            let p = proof_from_bytes(&c.proof)?;
            let p = ark_groth16::Groth16::<ark_bn254::Bn254>::rerandomize_proof(vk, &p, &mut rng);
            c.proof = proof_to_bytes(&p);
        }
        let f = sample_fields(i as u64);
        let transfer = zktr_verifier::OnChainTransfer {
            asset_id: f.asset_id,
            asset_amount: f.asset_amount,
            beneficiary_address_key: f.beneficiary_address_key,
        };
        bundles.push((b, transfer));
    }
    let dir = tempfile_dir()?;
    let params = dir.join("params");
    keys.save_verifying_keys(
        &params,
        SAMPLE_NOW,
        zktr_records::manifest::SINGLE_PARTY_DEV,
        None,
    )?;
    let policy = dir.join("policy.json");
    std::fs::write(
        &policy,
        serde_json::to_string_pretty(&world.policy_file()?)?,
    )?;
    let opts = zktr_node::verifier_bench::VerifierBenchOptions {
        exe: std::env::current_exe()?,
        params,
        policy,
        bundles,
        as_of: SAMPLE_NOW,
        jurisdictions: vec!["FATF".into()],
        reps: args.reps,
        max_batch: args.max_batch,
    };
    eprintln!("zktr bench verifier: starting the verifier process...");
    let report = zktr_node::verifier_bench::run(&opts);
    let _ = std::fs::remove_dir_all(&dir);
    for line in report?.to_string().lines() {
        crate::say!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A fresh folder under the system's temporary folder (removed by the caller).
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "zktr-bench-verifier-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
