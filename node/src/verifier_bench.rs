//! `zktr bench verifier`: proofs per second through a verifier process
//! (`zktr verifier --config`, TLS on loopback, one `VerifyStream` carrying every bundle,
//! verified in batches of `max_batch`) next to the same bundles verified in process with
//! [`zktr_verifier::verify_bundles_each`] in chunks of the same size, measured in the
//! same run, interleaved round by round so both see the same machine.
//!
//! [`run`] builds a dev CA, the verifier's certificate and `verifier.toml` in a
//! temporary folder around the caller's parameters folder and policy, starts the
//! verifier process, warms both sides up, then times `reps` rounds of each. The service
//! overhead is `stream / in_process - 1` on the medians: what TLS, HTTP/2, protobuf,
//! decoding the bundles and gathering batches add to verifying them. Every bundle must be
//! accepted on both sides, in order; anything else means the bench is wrong and [`run`]
//! fails.

use crate::bench::{NodeBenchError, NodeProcess, cpu_time, io_err, load_average, rpc};
use crate::certs::{self, IssueRequest, KeyAlgorithm, Usage};
use crate::tls;
use crate::verifier_service;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zktr_circuits::field::fr_to_be_bytes;
use zktr_proto::zktr::verifier::v1 as pb;
use zktr_records::ProofBundle;
use zktr_verifier::{OnChainTransfer, Policy, VerifyRequest, VerifyingKeys, verify_bundles_each};

/// The verifier's certificate CN.
const SERVER: &str = "verifier.bench";
/// How long one stream round may take.
const ROUND_TIMEOUT: Duration = Duration::from_secs(600);

/// What [`run`] measures.
#[derive(Debug, Clone)]
pub struct VerifierBenchOptions {
    /// The `zktr` binary (`zktr verifier --config ...`).
    pub exe: PathBuf,
    /// The parameters folder with the verifying keys and their manifest.
    pub params: PathBuf,
    /// The policy file the bundles satisfy.
    pub policy: PathBuf,
    /// The bundles, each with the on-chain transfer its `committed` claim is about.
    pub bundles: Vec<(ProofBundle, OnChainTransfer)>,
    /// The time to judge freshness at (the bundles' records may be old).
    pub as_of: u64,
    /// The jurisdictions applied.
    pub jurisdictions: Vec<String>,
    /// Rounds of each measurement (medians are reported).
    pub reps: usize,
    /// Bundles per batch, on both sides.
    pub max_batch: usize,
}

/// The timings of one bench.
#[derive(Debug, Clone)]
pub struct VerifierBenchReport {
    /// Bundles per round.
    pub bundles: usize,
    /// Proofs per round.
    pub proofs: usize,
    /// Bundles per batch.
    pub max_batch: usize,
    /// In-process rounds.
    pub in_process: Vec<Duration>,
    /// Service rounds (one stream each).
    pub stream: Vec<Duration>,
    /// CPU of this process over all in-process rounds.
    pub in_process_cpu: Option<Duration>,
    /// CPU of the verifier process over all stream rounds.
    pub service_cpu: Option<Duration>,
    /// CPU of this process (the client) over all stream rounds.
    pub client_cpu: Option<Duration>,
    /// Load average before and after.
    pub load: (String, String),
}

fn median(xs: &[Duration]) -> Duration {
    let mut v = xs.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

impl VerifierBenchReport {
    /// Proofs per second at the median of `xs`.
    pub fn proofs_per_second(&self, xs: &[Duration]) -> f64 {
        self.proofs as f64 / median(xs).as_secs_f64().max(1e-9)
    }

    /// `stream / in_process - 1` on the medians.
    pub fn overhead(&self) -> f64 {
        median(&self.stream).as_secs_f64() / median(&self.in_process).as_secs_f64().max(1e-9) - 1.0
    }

    /// `(verifier process + client CPU) / in-process CPU - 1` over all rounds: the
    /// overhead in work done, which other load on the machine disturbs less than wall
    /// time.
    pub fn cpu_overhead(&self) -> Option<f64> {
        let service = self.service_cpu? + self.client_cpu?;
        let local = self.in_process_cpu?.as_secs_f64();
        (local > 0.0).then(|| service.as_secs_f64() / local - 1.0)
    }
}

impl core::fmt::Display for VerifierBenchReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let all = |xs: &[Duration]| {
            xs.iter()
                .map(|d| format!("{:.0}", ms(*d)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        writeln!(
            f,
            "zktr bench verifier: {} bundles ({} proofs) per round, batches of {}, {} rounds; load average {} before, {} after",
            self.bundles,
            self.proofs,
            self.max_batch,
            self.in_process.len(),
            self.load.0,
            self.load.1
        )?;
        writeln!(
            f,
            "{:<44} {:>10} {:>10} {:>12}  rounds (ms)",
            "", "median ms", "proofs/s", "bundles/s"
        )?;
        for (name, xs) in [
            ("in process (verify_bundles_each)", &self.in_process),
            ("verifier service (TLS, one VerifyStream)", &self.stream),
        ] {
            writeln!(
                f,
                "{:<44} {:>10.1} {:>10.0} {:>12.0}  {}",
                name,
                ms(median(xs)),
                self.proofs_per_second(xs),
                self.bundles as f64 / median(xs).as_secs_f64().max(1e-9),
                all(xs)
            )?;
        }
        writeln!(
            f,
            "service overhead: {:+.1}% (stream / in-process - 1, medians; target under 15%)",
            self.overhead() * 100.0
        )?;
        let cpu = |c: Option<Duration>| {
            c.map(|c| format!("{:.0} ms", ms(c) / self.stream.len().max(1) as f64))
                .unwrap_or_else(|| "-".into())
        };
        write!(
            f,
            "CPU per round: in process {}; verifier process {} + client {} (CPU overhead {})",
            cpu(self.in_process_cpu),
            cpu(self.service_cpu),
            cpu(self.client_cpu),
            self.cpu_overhead()
                .map(|o| format!("{:+.1}%", o * 100.0))
                .unwrap_or_else(|| "-".into())
        )
    }
}

fn wire(
    bundle: &ProofBundle,
    t: &OnChainTransfer,
    opts: &VerifierBenchOptions,
    k: usize,
) -> pb::VerifyRequest {
    pb::VerifyRequest {
        bundle: Some(bundle.to_message()),
        jurisdictions: opts.jurisdictions.clone(),
        transfer: Some(pb::OnChainTransfer {
            asset_id: fr_to_be_bytes(&t.asset_id.to_fr()).to_vec(),
            asset_amount: t.asset_amount.to_string(),
            beneficiary_address: String::new(),
            beneficiary_address_key: fr_to_be_bytes(&t.beneficiary_address_key.to_fr()).to_vec(),
        }),
        as_of: opts.as_of,
        seen_lists: vec![],
        request_id: k.to_string(),
    }
}

fn free_port() -> Result<SocketAddr, NodeBenchError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(io_err("finding a free port"))
}

/// One stream of every request; checks every response is accepted and in order.
async fn stream_round(
    client: &mut pb::verifier_client::VerifierClient<tonic::transport::Channel>,
    requests: &[pb::VerifyRequest],
) -> Result<Duration, NodeBenchError> {
    let started = Instant::now();
    let mut replies = client
        .verify_stream(tokio_stream::iter(requests.to_vec()))
        .await
        .map_err(rpc("VerifyStream"))?
        .into_inner();
    let mut n = 0usize;
    while let Some(r) = replies.message().await.map_err(rpc("VerifyStream"))? {
        if r.index != n as u64 || !r.accepted {
            return Err(NodeBenchError::Options(format!(
                "response {n}: index {}, accepted {}: the bench's bundles should all pass ({:?})",
                r.index,
                r.accepted,
                r.problems
                    .iter()
                    .chain(r.claims.iter().flat_map(|c| &c.problems))
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
            )));
        }
        n += 1;
    }
    if n != requests.len() {
        return Err(NodeBenchError::Options(format!(
            "{n} responses for {} requests",
            requests.len()
        )));
    }
    Ok(started.elapsed())
}

/// Runs the bench (blocking; it starts its own async runtime).
pub fn run(opts: &VerifierBenchOptions) -> Result<VerifierBenchReport, NodeBenchError> {
    if opts.bundles.is_empty() || opts.reps == 0 || opts.max_batch == 0 {
        return Err(NodeBenchError::Options(
            "give at least one bundle, one round and a batch size".into(),
        ));
    }
    tls::install_crypto_provider();
    let load_before = load_average();
    let dir = tempfile::Builder::new()
        .prefix("zktr-bench-verifier-")
        .tempdir()
        .map_err(io_err("creating a temporary folder"))?;
    let now = time::OffsetDateTime::now_utc();
    let ca = dir.path().join("ca");
    certs::init_ca(&ca, "zktr bench CA", 2, KeyAlgorithm::EcdsaP256, now)?;
    let issued = certs::issue(
        &ca,
        &IssueRequest {
            common_name: SERVER.into(),
            sans: vec!["localhost".into()],
            usage: Usage::Server,
            validity_days: 1,
            algorithm: KeyAlgorithm::EcdsaP256,
        },
        &dir.path().join("certs"),
        now,
    )?;
    let quote = |p: &std::path::Path| format!("{:?}", p.display().to_string());
    let config = format!(
        "[listen]\ngrpc = \"{}\"\nhttp = \"{}\"\n\n[tls]\ncert = {}\nkey = {}\nclient_auth = \"none\"\n\n[verify]\npolicy = {}\nparams = {}\njurisdictions = {:?}\n\n[service]\nmax_batch = {}\n",
        free_port()?,
        free_port()?,
        quote(&issued.cert),
        quote(&issued.key),
        quote(&opts.policy),
        quote(&opts.params),
        opts.jurisdictions,
        opts.max_batch,
    );
    let config_path = dir.path().join("verifier.toml");
    std::fs::write(&config_path, config).map_err(io_err("writing verifier.toml"))?;
    let (mut process, line) = NodeProcess::spawn(
        &opts.exe,
        &[
            "verifier".as_ref(),
            "--config".as_ref(),
            config_path.as_os_str(),
        ],
        dir.path().join("verifier.log"),
    )?;
    let grpc = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("grpc="))
        .map(str::to_owned);
    let Some(grpc) = grpc else {
        return Err(process.failed(&format!("unexpected first line {:?}", line.trim_end())));
    };

    // The in-process side: the same files, the same requests.
    let keys = VerifyingKeys::load(&opts.params)
        .map_err(|e| NodeBenchError::Options(format!("{}: {e}", opts.params.display())))?;
    let policy = Policy::load(&opts.policy)
        .map_err(|e| NodeBenchError::Options(format!("{}: {e}", opts.policy.display())))?;
    let requests: Vec<VerifyRequest<'_>> = opts
        .bundles
        .iter()
        .map(|(_, t)| VerifyRequest {
            now: opts.as_of,
            jurisdictions: opts.jurisdictions.clone(),
            transfer: Some(*t),
            seen_lists: None,
        })
        .collect();
    let items: Vec<(&ProofBundle, &VerifyRequest<'_>)> =
        opts.bundles.iter().map(|(b, _)| b).zip(&requests).collect();
    let in_process = || -> Result<Duration, NodeBenchError> {
        let started = Instant::now();
        for chunk in items.chunks(opts.max_batch) {
            let results = verify_bundles_each(chunk, &keys, &policy);
            if let Some(Err(r)) = results.into_iter().find(Result::is_err) {
                return Err(NodeBenchError::Options(format!(
                    "a bench bundle is rejected in process: {r}"
                )));
            }
        }
        Ok(started.elapsed())
    };
    let wire_requests: Vec<pb::VerifyRequest> = opts
        .bundles
        .iter()
        .enumerate()
        .map(|(k, (b, t))| wire(b, t, opts, k))
        .collect();
    let proofs = opts.bundles.iter().map(|(b, _)| b.claims.len()).sum();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(io_err("starting the async runtime"))?;
    let _runtime = runtime.enter();
    let mut client = verifier_service::client(
        &grpc,
        "localhost",
        &[ca.join("ca.pem")],
        None,
        16 << 20,
        ROUND_TIMEOUT,
    )
    .map_err(|e| NodeBenchError::Options(e.to_string()))?;
    // Warm up both sides (TLS handshake, fixed-base tables, first allocations).
    let warm = &wire_requests[..wire_requests.len().min(2 * opts.max_batch)];
    runtime.block_on(stream_round(&mut client, warm))?;
    in_process()?;

    let pid = process.pid().to_string();
    let mut in_times = Vec::new();
    let mut stream_times = Vec::new();
    let mut service_cpu = Some(Duration::ZERO);
    let mut client_cpu = Some(Duration::ZERO);
    let mut in_process_cpu = Some(Duration::ZERO);
    let add = |acc: Option<Duration>, a: Option<Duration>, b: Option<Duration>| {
        Some(acc? + b?.saturating_sub(a?))
    };
    for _ in 0..opts.reps {
        let before = cpu_time("self");
        in_times.push(in_process()?);
        in_process_cpu = add(in_process_cpu, before, cpu_time("self"));
        let before = (cpu_time(&pid), cpu_time("self"));
        stream_times.push(runtime.block_on(stream_round(&mut client, &wire_requests))?);
        let after = (cpu_time(&pid), cpu_time("self"));
        service_cpu = add(service_cpu, before.0, after.0);
        client_cpu = add(client_cpu, before.1, after.1);
    }
    drop(process);
    Ok(VerifierBenchReport {
        bundles: opts.bundles.len(),
        proofs,
        max_batch: opts.max_batch,
        in_process: in_times,
        stream: stream_times,
        in_process_cpu,
        service_cpu,
        client_cpu,
        load: (load_before, load_average()),
    })
}
