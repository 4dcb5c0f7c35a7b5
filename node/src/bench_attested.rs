//! `zktr bench attested`: attested transfers per second between two nodes on loopback,
//! next to the proving they carry, measured in the same run (issue 14, "Performance").
//!
//! [`run`] builds two nodes in a temporary folder (a dev CA, `node init` twice, X25519
//! sealing), loads the given proving keys (or makes single-party dev keys), builds a
//! signed sanctions set from the real OFAC SDN list (and the published address lists),
//! writes a policy that trusts the originator's log and the publisher, and starts both
//! nodes in this process with [`crate::start`] (the helpers of `crate::localnet`, which
//! `zktr demo` shares). Then, `transfers` times, interleaved so
//! that both see the same machine:
//!
//! 1. one attested transfer through the originator's back office (`SendTransfer`, one in
//!    flight, as an exchange's withdrawal queue would): the originator validates,
//!    screens, commits, logs, signs a tree head, proves the four claims, seals, sends;
//!    the beneficiary verifies the bundle, opens, recomputes `C`, checks its customer,
//!    stores, signs a receipt; the originator checks and stores the receipt. The time is
//!    until `SendTransfer` returns with the transfer delivered (state PENDING or
//!    ACCEPTED with a receipt).
//! 2. the same claims proved directly ([`crate::flow::Originator::prepare`]: commit,
//!    log, sign, prove, seal, in memory, with a prover of the same keys), what
//!    `zktr bench` measures as the proving of one transfer.
//!
//! The transfer layer's cost (network, TLS, storage, sealing, the beneficiary's
//! verification) is `1 - prove / transfer` of the medians. The beneficiary's verification
//! time per transfer is read from its metrics (`zktr_verify_batch_seconds`).

use crate::config::{IncomingDecision, NodeConfig};
use crate::flow::{Originator, SystemClock, ThresholdRule};
use crate::localnet::{self, LocalNet};
use crate::server::RunningNode;
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::trees::log::CommitmentLog;
use zktr_proto::zktr::admin::v1 as admin;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_sanctions::{BuildOptions, SanctionsSet};

/// The beneficiary's customer address every bench transfer pays.
const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

/// Why the bench could not run.
#[derive(Debug, thiserror::Error)]
#[error("bench attested: {0}")]
pub struct AttestedBenchError(String);

fn err(what: impl core::fmt::Display) -> AttestedBenchError {
    AttestedBenchError(what.to_string())
}

/// What to run.
#[derive(Debug, Clone)]
pub struct AttestedBenchOptions {
    /// The shared data folder (`ivms101/trisa/identity_payload.json`,
    /// `sanctions/ofac/...`).
    pub data: PathBuf,
    /// Proving keys (`zktr setup --out DIR` or a ceremony's params); `None`: make dev
    /// keys for this run (about a minute on 2 cores).
    pub params: Option<PathBuf>,
    /// Transfers (each also proved directly once).
    pub transfers: usize,
}

/// What was measured.
#[derive(Debug, Clone)]
pub struct AttestedBenchReport {
    /// Transfers sent.
    pub transfers: usize,
    /// Per transfer through both nodes, sorted.
    pub transfer_times: Vec<Duration>,
    /// Per transfer proved directly, sorted.
    pub prove_times: Vec<Duration>,
    /// The beneficiary's verification time per bundle (batched), from its metrics.
    pub verify_per_transfer: Duration,
    /// Bundles the beneficiary verified.
    pub verified: u64,
    /// Peak resident memory of this process (both nodes and the direct prover), KiB.
    pub peak_rss_kib: Option<u64>,
    /// `/proc/loadavg` at the start.
    pub load: String,
}

fn median(xs: &[Duration]) -> Duration {
    xs.get(xs.len() / 2).copied().unwrap_or_default()
}

fn percentile(xs: &[Duration], q: f64) -> Duration {
    if xs.is_empty() {
        return Duration::ZERO;
    }
    let i = ((xs.len() as f64 - 1.0) * q).round() as usize;
    xs[i.min(xs.len() - 1)]
}

impl AttestedBenchReport {
    /// Attested transfers per second at one in flight (from the median).
    pub fn per_second(&self) -> f64 {
        1.0 / median(&self.transfer_times).as_secs_f64().max(1e-9)
    }

    /// The transfer layer's share of a transfer: `1 - prove / transfer` (medians).
    pub fn layer_share(&self) -> f64 {
        1.0 - median(&self.prove_times).as_secs_f64()
            / median(&self.transfer_times).as_secs_f64().max(1e-9)
    }
}

impl core::fmt::Display for AttestedBenchReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        writeln!(
            f,
            "attested transfers between two nodes (loopback, mutual TLS, SQLite), 1 in flight, {} transfers; load {}",
            self.transfers,
            self.load.trim()
        )?;
        writeln!(
            f,
            "  transfer end to end: p50 {:.0} ms, p99 {:.0} ms, {:.2} transfers/s",
            ms(median(&self.transfer_times)),
            ms(percentile(&self.transfer_times, 0.99)),
            self.per_second()
        )?;
        writeln!(
            f,
            "  the same claims proved directly: p50 {:.0} ms ({:.2} transfers/s)",
            ms(median(&self.prove_times)),
            1.0 / median(&self.prove_times).as_secs_f64().max(1e-9)
        )?;
        writeln!(
            f,
            "  transfer layer (network, TLS, storage, sealing, the beneficiary's checks): {:.1}% of a transfer",
            100.0 * self.layer_share()
        )?;
        writeln!(
            f,
            "  beneficiary verification: {:.1} ms per bundle ({} bundles, batched)",
            ms(self.verify_per_transfer),
            self.verified
        )?;
        match self.peak_rss_kib {
            Some(k) => write!(
                f,
                "  peak resident memory of this process (both nodes + the direct prover): {} MiB",
                k / 1024
            ),
            None => write!(f, "  peak resident memory: unknown"),
        }
    }
}

fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
}

/// What both node benches start from, in `root`: the proving keys (`params`, else dev
/// keys made and saved for the run) and the real OFAC SDN set signed by a publisher key
/// made for the run, saved as `root/sdn.zkts`. `who` names the bench in its progress lines.
pub(crate) fn bench_keys_and_set(
    params: Option<&Path>,
    data: &Path,
    root: &Path,
    who: &str,
) -> Result<(PathBuf, SigningKey, SanctionsSet, PathBuf), String> {
    let e = |x: &dyn core::fmt::Display| x.to_string();
    let params = match params {
        Some(p) => p.to_path_buf(),
        None => {
            let dir = root.join("params");
            let mut rng = zktr_prover::os_rng().map_err(|x| e(&x))?;
            eprintln!("{who}: making dev proving keys (about a minute)...");
            let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng).map_err(|x| e(&x))?;
            keys.save(&dir, now()).map_err(|x| e(&x))?;
            dir
        }
    };
    eprintln!("{who}: building the sanctions set from the OFAC SDN list...");
    let publisher = SigningKey::from_bytes(&zktr_trisa::crypto::random_bytes());
    let sdn = zktr_sanctions::ofac_advanced::read_ofac_advanced_file(
        &data.join("sanctions/ofac/sdn_advanced_2025-11-19.xml.bz2"),
        &mut |_, _| {},
    )
    .map_err(|x| e(&x))?;
    let set = SanctionsSet::build(
        &[sdn],
        &BuildOptions {
            key: &publisher,
            published_at: now() - 60,
        },
    )
    .map_err(|x| e(&x))?;
    let set_path = root.join("sdn.zkts");
    set.save(&set_path).map_err(|x| e(&x))?;
    Ok((params, publisher, set, set_path))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// One value of a Prometheus text sample without labels.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Runs the bench (see the module docs).
pub fn run(opts: &AttestedBenchOptions) -> Result<AttestedBenchReport, AttestedBenchError> {
    crate::tls::install_crypto_provider();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let tmp = tempfile::tempdir().map_err(err)?;
    let root = tmp.path();
    let identity_json = std::fs::read_to_string(
        opts.data.join("ivms101/trisa/identity_payload.json"),
    )
    .map_err(|e| {
        err(format!(
            "the IVMS101 identity in {}: {e}",
            opts.data.display()
        ))
    })?;

    let (params, publisher, set, set_path) = crate::bench_attested::bench_keys_and_set(
        opts.params.as_deref(),
        &opts.data,
        root,
        "bench attested",
    )
    .map_err(err)?;

    // Two nodes.
    let net = LocalNet::new(root, "bench network CA", 2).map_err(err)?;
    let configs = [
        net.node("alpha.bench").map_err(err)?.config,
        net.node("beta.bench").map_err(err)?.config,
    ];
    let a_log = localnet::signing_key(&configs[0], "log").map_err(err)?;
    let file = localnet::trusting_policy(
        &publisher,
        &set.signed_root().record.list_id,
        None,
        &[(
            "alpha.bench".into(),
            hex::encode(a_log.verifying_key().to_bytes()),
        )],
        true,
    )
    .map_err(err)?;
    let policy = root.join("policy.json");
    std::fs::write(&policy, serde_json::to_string_pretty(&file).map_err(err)?).map_err(err)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(err)?;
    let start = |cfg: &Path| -> Result<RunningNode, AttestedBenchError> {
        let mut c = NodeConfig::load(cfg).map_err(err)?;
        c.service.incoming = IncomingDecision::Accept;
        c.attest = Some(localnet::attest_config(
            cfg, &params, &policy, &set_path, "FATF",
        ));
        runtime.block_on(crate::start(c)).map_err(err)
    };
    eprintln!("bench attested: starting both nodes (loading keys and the set)...");
    let a = start(&configs[0])?;
    let b = start(&configs[1])?;
    let a_cfg = NodeConfig::load(&configs[0]).map_err(err)?;
    let b_cfg = NodeConfig::load(&configs[1]).map_err(err)?;
    localnet::write_peers(&a_cfg, &[("beta.bench", &configs[1], &b)]).map_err(err)?;
    localnet::write_peers(&b_cfg, &[("alpha.bench", &configs[0], &a)]).map_err(err)?;
    let backoffice =
        |cfg: &NodeConfig, node: &RunningNode| localnet::backoffice(cfg, node).map_err(err);
    backoffice(&b_cfg, &b)?
        .add_address(admin::CustomerAddress {
            address: ADDRESS.into(),
            network: String::new(),
            customer: String::new(),
        })
        .map_err(err)?;
    let mut alpha = backoffice(&a_cfg, &a)?;

    // The direct prover: the same keys, the same set, its own log.
    let prover = Prover::new(
        ProvingKeys::load(&params).map_err(err)?,
        Parallelism::default(),
    )
    .map_err(err)?;
    let identity = match zktr_ivms101::Document::from_json(&identity_json)
        .map_err(err)?
        .0
    {
        zktr_ivms101::Document::IdentityPayload(i) => i,
        _ => return Err(err("the identity file is not an IdentityPayload")),
    };
    let txn = zktr_trisa::Transaction {
        beneficiary: ADDRESS.into(),
        originator: "0x1111111111111111111111111111111111111111".into(),
        amount: 1.25,
        network: "ETH".into(),
        asset_type: "ETH".into(),
        ..Default::default()
    };
    let payload = crate::exchange::new_payload(&identity, &txn);
    let recipient = zktr_trisa::SealingKey::generate_x25519().public_key();
    let mut originator = Originator {
        log_id: "bench-direct".into(),
        log: CommitmentLog::new(),
        log_key: a_log.clone(),
        prover: &prover,
        sanctions: std::slice::from_ref(&set),
        clock: &SystemClock,
    };
    let rule = ThresholdRule {
        jurisdiction: "FATF".into(),
        threshold: 100_000,
        currency: 840,
        direction: ThresholdDirection::AtOrAbove,
    };

    let n = opts.transfers.max(1);
    let mut transfer_times = Vec::with_capacity(n);
    let mut prove_times = Vec::with_capacity(n);
    // One warm-up of each (first-use costs: key exchange, caches).
    for i in 0..=n {
        let req = admin::SendTransferRequest {
            peer: "beta.bench".into(),
            identity_json: identity_json.clone(),
            transaction: Some(txn.clone()),
            id: String::new(),
            plain: false,
            fiat_value: 250_000,
            fiat_currency: 840,
            asset_id: 60,
            asset_amount: "1250000000000000000".into(),
        };
        let t = Instant::now();
        let sent = alpha.send(req).map_err(err)?;
        let took = t.elapsed();
        if sent.state != "PENDING" && sent.state != "ACCEPTED" {
            return Err(err(format!(
                "transfer {} ended {} ({}): the bench is wrong",
                sent.id, sent.state, sent.last_error
            )));
        }
        let details = crate::commit::TransferDetails {
            fiat_value: 250_000,
            fiat_currency: 840,
            asset_id: zktr_circuits::field::Word248::new(zktr_circuits::field::fr_from_u64(60))
                .map_err(err)?,
            asset_amount: 1_250_000_000_000_000_000,
            beneficiary_address: ADDRESS.into(),
            envelope_id: uuid::Uuid::new_v4(),
            originator_vasp_id: "alpha.bench".into(),
            beneficiary_vasp_id: "beta.bench".into(),
            committed_at: 0,
        };
        let t = Instant::now();
        originator
            .prepare(&payload, &details, &rule, &recipient)
            .map_err(err)?;
        let proved = t.elapsed();
        if i > 0 {
            transfer_times.push(took);
            prove_times.push(proved);
        }
        eprint!("\rbench attested: {i}/{n}");
    }
    eprintln!();
    transfer_times.sort();
    prove_times.sort();
    let metrics = b.core.metrics.encode();
    let verified = sample(&metrics, "zktr_verify_batch_size_sum");
    let verify_secs = sample(&metrics, "zktr_verify_batch_seconds_sum");
    let report = AttestedBenchReport {
        transfers: n,
        transfer_times,
        prove_times,
        verify_per_transfer: Duration::from_secs_f64(verify_secs / verified.max(1.0)),
        verified: verified as u64,
        peak_rss_kib: peak_rss_kib(),
        load,
    };
    // Close our back-office connection first: shutdown waits for open connections.
    drop(alpha);
    runtime.block_on(async {
        let _ = a.shutdown().await;
        let _ = b.shutdown().await;
    });
    Ok(report)
}
