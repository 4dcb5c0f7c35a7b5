//! `zktr bench`: proving and verification speed on this machine, with a progress bar.
//!
//! Prints how the keys and the prover's fixed-base tables were loaded or built and the
//! process's resident memory with all of them; per claim: constraints, prove ms (one
//! proof, keys in memory, all cores) with zktr's engine and with arkworks'
//! `create_proof_with_reduction_and_matrices` on the same keys and witness, and their
//! ratio, microseconds per constraint, verify ms, claims/s; then whole transfers proven
//! one claim at a time (both engines) and as a batch under both core splits (claims/s,
//! transfers/s); then batch verification (proofs/s, batch verifications/s); and the
//! thread counts.
//!
//! `zktr bench node`: plain TRISA transfers/s, p50/p99 latency and resident memory of a
//! node process on loopback, next to the cost of sealing and opening alone
//! (`zktr_node::bench::run`).
//!
//! `zktr bench audit`: the regulator's audit of many stored attested transfers (default
//! 1,000) over gRPC and mutual TLS, wall time and peak memory of the auditor process
//! (`zktr_node::bench_audit::run`; the auditor is this binary with the hidden
//! `--auditor JOB`, which runs `zktr_node::bench_audit::run_auditor`).
//!
//! `zktr bench verifier`: proofs/s through a verifier process next to in-process batch
//! verification of the same bundles (`zktr_node::verifier_bench::run`, set up in
//! `cli/verifier.rs`).

use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_records::encoding::proof_from_bytes;
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};
use zktr_verifier::{BatchItem, batch_verify, verify_one};

/// Arguments of `zktr bench`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    mode: Option<BenchMode>,
    /// Load keys from this parameters directory (else generate throwaway keys).
    #[arg(long)]
    params: Option<PathBuf>,
    /// Transfers in the batch-proving run.
    #[arg(long, default_value_t = 32)]
    transfers: usize,
    /// Repetitions per single-proof measurement (the median is printed).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Write one proven sample bundle (JSON) here.
    #[arg(long)]
    save_bundle: Option<PathBuf>,
    /// Prove without the fixed-base tables (by default they are used: loaded with keys
    /// from `--params` that have them, else built for this run).
    #[arg(long)]
    no_tables: bool,
}

#[derive(Debug, clap::Subcommand)]
enum BenchMode {
    /// Plain TRISA transfers/s between a node process and a sender on loopback (mutual
    /// TLS), p50/p99 latency, the node's resident memory, and the cost of sealing and
    /// opening alone, measured in the same run.
    Node(NodeBenchArgs),
    /// Attested transfers/s between two nodes on loopback next to the proving they carry
    /// (the transfer layer's share), p50/p99 latency, the beneficiary's verification per
    /// bundle.
    Attested(AttestedBenchArgs),
    /// Proofs/s through a verifier process (TLS, one stream, batches) next to in-process
    /// batch verification of the same bundles, measured in the same run.
    Verifier(super::verifier::VerifierBenchArgs),
    /// The regulator's audit of many attested transfers stored in a node (a few proved,
    /// the others reusing their proofs re-randomized, each with its own receipt and log
    /// lookup): wall time and peak memory of the auditor process, report sizes.
    Audit(AuditBenchArgs),
}

#[derive(Debug, clap::Args)]
struct AuditBenchArgs {
    /// Stored attested transfers the audit covers.
    #[arg(long, default_value_t = 1000)]
    transfers: usize,
    /// Transfers proved for real (about 3 s each on 2 cores); the others reuse their
    /// bundles with re-randomized proofs (see docs/decisions.md).
    #[arg(long, default_value_t = 8)]
    distinct: usize,
    /// Proving keys (`zktr setup --out DIR`); default: dev keys made for this run.
    #[arg(long)]
    params: Option<PathBuf>,
    /// The shared data folder (the identity and the OFAC SDN list); default:
    /// `../shared/data` beside the repository.
    #[arg(long, env = "ZKTR_DATA")]
    data: Option<PathBuf>,
    /// Keep report.json and report.html in this folder.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Internal: run as the auditor process of a bench (a job file the bench wrote).
    #[arg(long, hide = true)]
    auditor: Option<PathBuf>,
}

fn audit(args: AuditBenchArgs) -> anyhow::Result<ExitCode> {
    if let Some(job) = &args.auditor {
        let outcome = zktr_node::bench_audit::run_auditor(job)?;
        crate::say!("{}", serde_json::to_string(&outcome)?);
        return Ok(ExitCode::SUCCESS);
    }
    anyhow::ensure!(
        args.transfers > 0 && args.distinct > 0,
        "--transfers and --distinct must be positive"
    );
    let opts = zktr_node::bench_audit::AuditBenchOptions {
        exe: std::env::current_exe()?,
        data: super::demo::data_dir(args.data.as_deref())?,
        params: args.params,
        transfers: args.transfers,
        distinct: args.distinct,
        keep: args.keep,
    };
    let report = zktr_node::bench_audit::run(&opts)?;
    for line in report.to_string().lines() {
        crate::say!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
struct AttestedBenchArgs {
    /// Transfers (each also proved directly once, interleaved).
    #[arg(long, default_value_t = 20)]
    transfers: usize,
    /// Proving keys (`zktr setup --out DIR`); default: dev keys made for this run.
    #[arg(long)]
    params: Option<PathBuf>,
    /// The shared data folder (the identity and the OFAC SDN list); default:
    /// `../shared/data` beside the repository.
    #[arg(long, env = "ZKTR_DATA")]
    data: Option<PathBuf>,
}

fn attested(args: AttestedBenchArgs) -> anyhow::Result<ExitCode> {
    let opts = zktr_node::bench_attested::AttestedBenchOptions {
        data: super::demo::data_dir(args.data.as_deref())?,
        params: args.params,
        transfers: args.transfers,
    };
    let report = zktr_node::bench_attested::run(&opts)?;
    for line in report.to_string().lines() {
        crate::say!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SealingChoice {
    Rsa4096,
    X25519,
    Both,
}

#[derive(Debug, clap::Args)]
struct NodeBenchArgs {
    /// The sealing keys of the node and the sender.
    #[arg(long, value_enum, default_value = "both")]
    sealing: SealingChoice,
    /// Transfers of the concurrent unary run, of the stream run and of the crypto-only loop.
    #[arg(long, default_value_t = 500)]
    transfers: usize,
    /// Transfers in flight.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Transfers of the run with 1 in flight (the overhead ratio).
    #[arg(long, default_value_t = 100)]
    serial: usize,
    /// The shared data folder (the IVMS101 identity every transfer carries is
    /// `ivms101/trisa/identity_payload.json` in it); default: `../shared/data` beside the
    /// repository.
    #[arg(long, env = "ZKTR_DATA")]
    data: Option<PathBuf>,
}

fn node(args: NodeBenchArgs) -> anyhow::Result<ExitCode> {
    use zktr_node::init::SealingAlgorithm;
    let data = super::demo::data_dir(args.data.as_deref())?;
    let mut opts = zktr_node::bench::NodeBenchOptions::new(
        std::env::current_exe()?,
        data.join("ivms101/trisa/identity_payload.json"),
    );
    opts.sealing = match args.sealing {
        SealingChoice::Rsa4096 => vec![SealingAlgorithm::Rsa4096],
        SealingChoice::X25519 => vec![SealingAlgorithm::X25519],
        SealingChoice::Both => vec![SealingAlgorithm::X25519, SealingAlgorithm::Rsa4096],
    };
    opts.transfers = args.transfers;
    opts.concurrency = args.concurrency;
    opts.serial_transfers = args.serial;
    eprintln!("zktr bench node: starting nodes (an RSA-4096 key takes seconds to generate)...");
    let report = zktr_node::bench::run(&opts)?;
    for line in report.to_string().lines() {
        crate::say!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// CPU seconds (user + system, all threads) of this process so far, from
/// `/proc/self/stat` (Linux; `None` elsewhere). With other load on the machine, wall time
/// overstates the cost and CPU time / threads is the better estimate.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3, utime 14 and stime 15 (1-based, man proc).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// A `/proc/self/status` memory line in KiB (`VmRSS`: resident now, `VmHWM`: peak
/// resident); `None` off Linux.
fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// One claim's row of `zktr bench`.
struct ClaimRow {
    circuit: CircuitId,
    constraints: usize,
    prove_ms: f64,
    prove_cpu: Option<f64>,
    arkworks_ms: f64,
    arkworks_cpu: Option<f64>,
    witness_ms: f64,
    verify_ms: f64,
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.mode {
        Some(BenchMode::Node(a)) => return node(a),
        Some(BenchMode::Attested(a)) => return attested(a),
        Some(BenchMode::Verifier(a)) => return super::verifier::bench(a),
        Some(BenchMode::Audit(a)) => return audit(a),
        None => {}
    }
    let cores = Parallelism::cores();
    let reps = args.reps.max(1);
    let n = args.transfers.max(1);
    let batch_sizes = [1usize, 16, 64, 256];
    // Four claims per transfer (threshold/v2, committed, two not_sanctioned).
    let steps = 3 + 3 * 4 * reps + 5 + batch_sizes.len();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let bar = ProgressBar::new(steps as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    bar.set_message("keys");
    let t = Instant::now();
    let keys = match &args.params {
        // `--no-tables` must measure the engine without them, so keys that have tables
        // beside them are loaded without.
        Some(dir) if args.no_tables => ProvingKeys::load_without_tables(dir)?,
        Some(dir) => ProvingKeys::load(dir)?,
        None => ProvingKeys::generate(&CircuitId::ALL, &mut zktr_prover::os_rng()?)?,
    };
    let key_ms = ms(t);
    let loaded_tables = keys.have_tables();
    let t = Instant::now();
    keys.warm_up()?;
    let matrices_ms = ms(t);
    let vks = zktr_verifier::VerifyingKeys::from_keys(&keys.verifying_keys())?;
    bar.inc(1);
    let mut tables_built_ms = None;
    if !args.no_tables && !loaded_tables {
        bar.set_message("fixed-base tables");
        let t = Instant::now();
        keys.build_tables()?;
        tables_built_ms = Some(ms(t));
    }
    let tables_used = keys.have_tables();
    let rss_loaded = memory_kib("VmRSS");
    bar.inc(1);

    bar.set_message("sample transfers");
    let world = SampleWorld::new(n, synthetic_sanctions(10_000)?, 1);
    // Priced transfers, as a node with price quotes proves them (threshold/v2).
    let statements = world.priced_statements();
    bar.inc(1);

    // Per claim: one proof at a time with all cores, and single verification.
    let within = Prover::new(keys.clone(), Parallelism::within_proof())?;
    let mut rng = zktr_prover::os_rng()?;
    let claims = statements
        .first()
        .ok_or_else(|| anyhow::anyhow!("no transfers"))?
        .claims()?;
    let mut rows = Vec::new();
    for w in &claims {
        bar.set_message(format!("prove {}", w.circuit));
        let mut times = Vec::new();
        let mut proof = None;
        let cpu0 = process_cpu_secs();
        for _ in 0..reps {
            let t = Instant::now();
            let p = within.prove_claims(vec![w.clone()])?.pop();
            times.push(ms(t));
            proof = p;
            bar.inc(1);
        }
        let prove_cpu = cpu0
            .zip(process_cpu_secs())
            .map(|(a, b)| (b - a) * 1e3 / reps as f64);
        // The same claim with arkworks' create_proof_with_reduction_and_matrices (same
        // keys, matrices and witness-only synthesis; rayon's global pool of as many
        // threads as cores).
        bar.set_message(format!("prove {} (arkworks)", w.circuit));
        let key = keys.get(w.circuit)?;
        let mut ark_times = Vec::new();
        let cpu0 = process_cpu_secs();
        for _ in 0..reps {
            let t = Instant::now();
            key.prove_arkworks(w.synthesizer.clone(), &mut rng)?;
            ark_times.push(ms(t));
            bar.inc(1);
        }
        let ark_cpu = cpu0
            .zip(process_cpu_secs())
            .map(|(a, b)| (b - a) * 1e3 / reps as f64);
        // Witness synthesis alone (serial, part of both engines' time).
        let mut witness_times = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            key.assignment(w.synthesizer.clone())?;
            witness_times.push(ms(t));
        }
        let proof = proof.ok_or_else(|| anyhow::anyhow!("no proof"))??;
        let key = vks
            .for_circuit(w.circuit)
            .ok_or_else(|| anyhow::anyhow!("no key"))?;
        bar.set_message(format!("verify {}", w.circuit));
        let mut vt = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            let ok = verify_one(key, &w.public_inputs, &proof);
            vt.push(ms(t));
            anyhow::ensure!(ok, "{} proof does not verify", w.circuit);
            bar.inc(1);
        }
        let constraints = keys.get(w.circuit)?.matrices()?.num_constraints;
        rows.push(ClaimRow {
            circuit: w.circuit,
            constraints,
            prove_ms: median(times),
            prove_cpu,
            arkworks_ms: median(ark_times),
            arkworks_cpu: ark_cpu,
            witness_ms: median(witness_times),
            verify_ms: median(vt),
        });
    }

    // Whole transfers: one claim at a time vs batches under both splits.
    bar.set_message("transfer, claims one at a time");
    let t = Instant::now();
    let cpu0 = process_cpu_secs();
    for _ in 0..reps {
        for w in &claims {
            within.prove_claims(vec![w.clone()])?;
        }
    }
    let one_by_one_ms = ms(t) / reps as f64;
    let one_by_one_cpu = cpu0
        .zip(process_cpu_secs())
        .map(|(a, b)| (b - a) * 1e3 / reps as f64);
    bar.inc(1);
    // The same transfer's claims proved together, one per core (largest first): issue
    // 11 counts a whole transfer "one after another or together, whichever is faster".
    bar.set_message("transfer, claims together");
    let across = Prover::new(keys.clone(), Parallelism::across_proofs())?;
    let t = Instant::now();
    let cpu0 = process_cpu_secs();
    for _ in 0..reps {
        for proof in across.prove_claims(claims.to_vec())? {
            proof?;
        }
    }
    let together_ms = ms(t) / reps as f64;
    let together_cpu = cpu0
        .zip(process_cpu_secs())
        .map(|(a, b)| (b - a) * 1e3 / reps as f64);
    let together_par = across.parallelism();
    bar.inc(1);
    bar.set_message("transfer, claims one at a time (arkworks)");
    let t = Instant::now();
    let cpu0 = process_cpu_secs();
    for _ in 0..reps {
        for w in &claims {
            keys.get(w.circuit)?
                .prove_arkworks(w.synthesizer.clone(), &mut rng)?;
        }
    }
    let ark_one_by_one_ms = ms(t) / reps as f64;
    let ark_one_by_one_cpu = cpu0
        .zip(process_cpu_secs())
        .map(|(a, b)| (b - a) * 1e3 / reps as f64);
    bar.inc(1);
    let mut batch_rows = Vec::new();
    let mut sample_bundle = None;
    // The same two provers (and their thread pools) as the single-transfer rows.
    for (name, prover) in [("across proofs", &across), ("within proof", &within)] {
        bar.set_message(format!("{n} transfers, {name}"));
        let t = Instant::now();
        let cpu0 = process_cpu_secs();
        let bundles = prover.prove_transfers(&statements, &world.context)?;
        let elapsed = ms(t);
        let cpu = cpu0.zip(process_cpu_secs()).map(|(a, b)| (b - a) * 1e3);
        let mut ok = 0;
        for b in bundles {
            let b = b?;
            ok += 1;
            sample_bundle.get_or_insert(b);
        }
        batch_rows.push((name, prover.parallelism(), elapsed, cpu, ok));
        bar.inc(1);
    }

    // Batch verification of `committed` proofs (distinct: re-randomized).
    let key = vks
        .for_circuit(CircuitId::Committed)
        .ok_or_else(|| anyhow::anyhow!("no key"))?;
    let bundle = sample_bundle.ok_or_else(|| anyhow::anyhow!("no bundle"))?;
    let claim = bundle
        .claim(CircuitId::Committed)
        .ok_or_else(|| anyhow::anyhow!("no committed claim"))?;
    let base = proof_from_bytes(&claim.proof)?;
    let items: Vec<BatchItem> = (0..256)
        .map(|_| BatchItem {
            public_inputs: claim.public_inputs.clone(),
            proof: ark_groth16::Groth16::<ark_bn254::Bn254>::rerandomize_proof(
                key.vk(),
                &base,
                &mut rng,
            ),
        })
        .collect();
    let mut verify_rows = Vec::new();
    for size in batch_sizes {
        bar.set_message(format!("batch verify {size}"));
        let mut times = Vec::new();
        let cpu0 = process_cpu_secs();
        for _ in 0..reps {
            let t = Instant::now();
            batch_verify(key, &items[..size])?;
            times.push(ms(t));
        }
        let cpu = cpu0
            .zip(process_cpu_secs())
            .map(|(a, b)| (b - a) * 1e3 / reps as f64);
        verify_rows.push((size, median(times), cpu));
        bar.inc(1);
    }
    bar.finish_and_clear();

    println!(
        "zktr bench: {cores} cores, load average at start {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let tables_text = match (tables_used, loaded_tables, tables_built_ms) {
        (false, _, _) => "not used (--no-tables)".to_string(),
        (true, true, _) => "loaded with the keys".to_string(),
        (true, false, Some(t)) => format!("built for this run in {t:.0} ms"),
        (true, false, None) => "built".to_string(),
    };
    println!(
        "keys {} in {key_ms:.0} ms{}; matrices built in {matrices_ms:.0} ms; fixed-base tables {tables_text}",
        if args.params.is_some() {
            "loaded"
        } else {
            "generated in memory (single-party DEV keys)"
        },
        if loaded_tables {
            " (with their tables)"
        } else {
            ""
        },
    );
    println!(
        "prover memory: {} MiB of precomputed tables; resident {} MiB with every key and table loaded, {} MiB at peak",
        keys.table_bytes() >> 20,
        rss_loaded.map_or("-".into(), |k| (k >> 10).to_string()),
        memory_kib("VmHWM").map_or("-".into(), |k| (k >> 10).to_string()),
    );
    println!();
    let cpu_text = |c: Option<f64>| c.map(|c| format!("{c:.0}")).unwrap_or_else(|| "-".into());
    println!(
        "{:<30} {:>11} {:>9} {:>8} {:>8} {:>9} {:>8} {:>7} {:>8} {:>9} {:>9} {:>7}",
        "claim",
        "constraints",
        "prove ms",
        "us/cons",
        "CPU ms",
        "arkworks",
        "ark CPU",
        "x ark",
        "witness",
        "verify ms",
        "claims/s",
        "threads"
    );
    for r in &rows {
        println!(
            "{:<30} {:>11} {:>9.1} {:>8.1} {:>8} {:>9.1} {:>8} {:>7.2} {:>8.1} {:>9.2} {:>9.2} {:>7}",
            r.circuit.as_str(),
            r.constraints,
            r.prove_ms,
            r.prove_ms * 1e3 / r.constraints as f64,
            cpu_text(r.prove_cpu),
            r.arkworks_ms,
            cpu_text(r.arkworks_cpu),
            r.arkworks_ms / r.prove_ms,
            r.witness_ms,
            r.verify_ms,
            1e3 / r.prove_ms,
            cores
        );
    }
    println!(
        "(prove ms: zktr's engine; arkworks: create_proof_with_reduction_and_matrices on the same keys and witness; x ark = arkworks ms / prove ms; witness: its synthesis alone, serial, inside both)"
    );
    println!();
    println!(
        "{:<36} {:>9} {:>7} {:>10} {:>10} {:>9} {:>11} {:>7}",
        "proving", "transfers", "claims", "wall ms", "CPU ms", "claims/s", "transfers/s", "threads"
    );
    let k = claims.len();
    println!(
        "{:<36} {:>9} {:>7} {:>10.0} {:>10} {:>9.2} {:>11.2} {:>7}",
        "1 transfer, one claim at a time",
        1,
        k,
        one_by_one_ms,
        cpu_text(one_by_one_cpu),
        k as f64 * 1e3 / one_by_one_ms,
        1e3 / one_by_one_ms,
        cores
    );
    println!(
        "{:<36} {:>9} {:>7} {:>10.0} {:>10} {:>9.2} {:>11.2} {:>7}",
        format!(
            "1 transfer, claims together ({}x{})",
            together_par.workers, together_par.threads_per_worker
        ),
        1,
        k,
        together_ms,
        cpu_text(together_cpu),
        k as f64 * 1e3 / together_ms,
        1e3 / together_ms,
        cores
    );
    println!(
        "{:<36} {:>9} {:>7} {:>10.0} {:>10} {:>9.2} {:>11.2} {:>7}",
        "1 transfer, one claim at a time, arkworks",
        1,
        k,
        ark_one_by_one_ms,
        cpu_text(ark_one_by_one_cpu),
        k as f64 * 1e3 / ark_one_by_one_ms,
        1e3 / ark_one_by_one_ms,
        cores
    );
    println!(
        "{:<36} {:>9} {:>7} {:>10.2}",
        "  arkworks / zktr (wall)",
        "",
        "",
        ark_one_by_one_ms / one_by_one_ms
    );
    for (name, par, t, cpu, ok) in &batch_rows {
        println!(
            "{:<36} {:>9} {:>7} {:>10.0} {:>10} {:>9.2} {:>11.2} {:>7}",
            format!("batch, {name} ({}x{})", par.workers, par.threads_per_worker),
            ok,
            ok * k,
            t,
            cpu_text(*cpu),
            (ok * k) as f64 * 1e3 / t,
            *ok as f64 * 1e3 / t,
            par.threads()
        );
    }
    println!();
    println!(
        "{:<36} {:>9} {:>10} {:>8} {:>10} {:>16}",
        "batch verification (committed)", "proofs", "ms", "CPU ms", "proofs/s", "batch verif./s"
    );
    for (size, t, cpu) in &verify_rows {
        println!(
            "{:<36} {:>9} {:>10.2} {:>8} {:>10.0} {:>16.1}",
            "",
            size,
            t,
            cpu_text(*cpu),
            *size as f64 * 1e3 / t,
            1e3 / t
        );
    }
    if let Some(path) = &args.save_bundle {
        std::fs::write(path, bundle.to_json() + "\n")?;
        println!("\nwrote a sample bundle to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
