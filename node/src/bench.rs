//! `zktr bench node`: plain TRISA transfers per second between a real node process and a
//! sender on loopback (mutual TLS, gRPC), their latency, the node's resident memory, and
//! next to them the cost of the cryptography alone, measured in the same run.
//!
//! [`run`] builds everything in a temporary folder: a dev CA, the beneficiary's node
//! folder (`node init`, incoming transfers accepted at once, the sender in its peers
//! file), then starts the beneficiary as a separate process (`zktr node --config`), adds
//! a customer address through the back office and exchanges sealing keys from an
//! in-process sender that presents a certificate of the same CA. Per sealing algorithm
//! it measures:
//!
//! 1. unary `Transfer` RPCs with 1 in flight (a short run: the overhead ratio below),
//!    interleaved with
//! 2. the cryptography alone, `transfers` times on one thread while the node is idle:
//!    seal the request for the node's key, open it with the node's key (read from its
//!    folder), seal the reply for the sender's key, open the reply; interleaved so that
//!    both see the same machine (a shared VM's cores drift in speed from minute to
//!    minute),
//! 3. unary `Transfer` RPCs with `concurrency` in flight,
//! 4. the same over one `TransferStream` with `concurrency` envelopes in flight.
//!
//! Every transfer is a new one: a fresh payload (the IVMS101 identity read at run time,
//! a generic Transaction to the customer's address) sealed for the node's key from
//! KeyExchange. A latency is seal + RPC (the node opens, validates, decides, seals its
//! reply and commits the request and the reply to SQLite before answering) + opening
//! the reply. Every reply must open and be ACCEPTED or PENDING; anything else (an error
//! envelope, a gRPC status) means the bench is wrong and [`run`] fails.
//!
//! The overhead beyond the cryptography is `1 - crypto / wall` with `wall` the time per
//! transfer at 1 in flight: what the node (TLS, HTTP/2, validation, SQLite with
//! `synchronous = FULL`) adds to sealing and opening. Beside it, the **floor** ([`Floor`]):
//! a `TRISAHealth/Status` round trip over the same connection after each 1-in-flight
//! transfer (the transport alone: nothing sealed or written) and, afterwards, durable
//! SQLite commits of two 4 KiB rows on the same disk (what acknowledging only stored
//! transfers costs). A node cannot add less than the floor; [`allowance`] says how much a
//! 30% overhead allows, so the report shows whether the target is reachable at all. Resident memory (`VmRSS`) of the
//! node process is read after start and sampled every 50 ms during the runs (Linux).
//!
//! [`Harness`] is the in-process variant for the criterion bench (`benches/node.rs`):
//! a node started with [`crate::start`] on port 0 and one round trip per call.

use crate::backoffice::{BackOffice, BackOfficeError};
use crate::certs::{self, CertsError, IssueRequest, KeyAlgorithm, Usage};
use crate::client::Dialer;
use crate::config::{ConfigError, IncomingDecision, NodeConfig, PeerEntry};
use crate::init::{self, InitError, InitRequest, SealingAlgorithm};
use crate::server::{NodeError, RunningNode};
use crate::tls::{self, Identity, TlsError};
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use zktr_ivms101::{Document, IdentityPayload};
use zktr_proto::trisa::api::v1beta1::trisa_network_client::TrisaNetworkClient;
use zktr_proto::zktr::admin::v1 as admin;
use zktr_trisa::{
    ErrorCode, OpenError, Payload, PublicSealingKey, SealError, SealOptions, SealingKey,
    SecureEnvelope, Transaction, TransferState,
};

/// The beneficiary node's name (its certificate CN).
const BENEFICIARY: &str = "beneficiary.bench";
/// The sender's certificate CN, in the beneficiary's peers file.
const ORIGINATOR: &str = "originator.bench";
/// The beneficiary's customer address every transfer pays.
const CUSTOMER_ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
const ORIGINATOR_ADDRESS: &str = "0x1111111111111111111111111111111111111111";
/// How long the node process may take to print its `listening` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The deadline of one RPC, and of one reply on the stream.
const RPC_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest gRPC message either way (the node's default).
const MAX_MESSAGE: usize = 4 << 20;
/// Round trips before each measurement (TLS handshake, first SQLite pages), not counted.
const WARM_UP: usize = 5;
/// Largest IVMS101 identity file read.
const MAX_IDENTITY_BYTES: u64 = 1 << 20;

/// What [`run`] measures.
#[derive(Debug, Clone)]
pub struct NodeBenchOptions {
    /// The `zktr` binary that runs the node (`zktr node --config ...`).
    pub node_exe: PathBuf,
    /// The IVMS101 identity payload (JSON) every transfer carries.
    pub identity_json: PathBuf,
    /// The sealing algorithms, one node (and one sender key) each.
    pub sealing: Vec<SealingAlgorithm>,
    /// Transfers of the concurrent unary run, of the stream run and of the crypto-only
    /// loop.
    pub transfers: usize,
    /// Transfers in flight in the concurrent runs.
    pub concurrency: usize,
    /// Transfers of the 1-in-flight run (the overhead ratio).
    pub serial_transfers: usize,
}

impl NodeBenchOptions {
    /// The defaults of `zktr bench node`: X25519, 500 transfers, 8 in flight, 100 at 1
    /// in flight.
    pub fn new(node_exe: PathBuf, identity_json: PathBuf) -> Self {
        Self {
            node_exe,
            identity_json,
            sealing: vec![SealingAlgorithm::X25519],
            transfers: 500,
            concurrency: 8,
            serial_transfers: 100,
        }
    }
}

/// Why the bench could not run (or found a reply that means it is wrong).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeBenchError {
    /// The options are unusable.
    #[error("{0}")]
    Options(String),
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The IVMS101 identity file.
    #[error("identity {path}: {message}")]
    Identity {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The dev CA or a certificate.
    #[error(transparent)]
    Certs(#[from] CertsError),
    /// Writing the node folder.
    #[error(transparent)]
    Init(#[from] InitError),
    /// The node's configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// TLS material.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// An in-process node (the criterion harness).
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A sealing key could not be read or generated.
    #[error("sealing key: {0}")]
    Key(String),
    /// The node process did not come up.
    #[error("the node process did not start: {message}\n--- its log (last lines) ---\n{log}")]
    NodeStart {
        /// What happened.
        message: String,
        /// The end of the node's log.
        log: String,
    },
    /// The back office refused or could not be reached.
    #[error("back office: {0}")]
    BackOffice(#[from] BackOfficeError),
    /// An RPC to the node failed with a gRPC status.
    #[error("{what}: {code:?}: {message}")]
    Rpc {
        /// Which call.
        what: &'static str,
        /// The status code.
        code: tonic::Code,
        /// The status message.
        message: String,
    },
    /// A reply the bench did not expect: an error envelope, a state other than ACCEPTED
    /// or PENDING, another id, a reply that does not open. The bench is wrong.
    #[error("transfer {id}: {reason}")]
    BadReply {
        /// The envelope id.
        id: String,
        /// What was wrong.
        reason: String,
    },
    /// Sealing failed.
    #[error("sealing: {0}")]
    Seal(#[from] SealError),
    /// Opening failed (in the crypto-only loop).
    #[error("opening: {0}")]
    Open(#[from] OpenError),
    /// The durable-commit floor's own SQLite file failed.
    #[error("the durable-commit floor's SQLite file: {0}")]
    Storage(#[from] sqlx::Error),
    /// A task or thread of the bench failed.
    #[error("a bench task failed: {0}")]
    Task(String),
    /// Something did not happen in time.
    #[error("timed out: {0}")]
    Timeout(&'static str),
}

pub(crate) fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> NodeBenchError {
    let what = what.into();
    move |source| NodeBenchError::Io { what, source }
}

pub(crate) fn rpc(what: &'static str) -> impl FnOnce(tonic::Status) -> NodeBenchError {
    move |s| NodeBenchError::Rpc {
        what,
        code: s.code(),
        message: s.message().chars().take(300).collect(),
    }
}

fn bad_reply(id: &str, reason: impl Into<String>) -> NodeBenchError {
    NodeBenchError::BadReply {
        id: id.to_string(),
        reason: reason.into(),
    }
}

/// The short name of a sealing algorithm, as `--sealing` takes it.
pub fn algorithm_name(a: SealingAlgorithm) -> &'static str {
    match a {
        SealingAlgorithm::Rsa4096 => "rsa4096",
        SealingAlgorithm::Rsa2048 => "rsa2048",
        SealingAlgorithm::X25519 => "x25519",
    }
}

/// One measured run of transfers.
#[derive(Debug, Clone)]
pub struct Phase {
    /// Transfers measured.
    pub transfers: usize,
    /// Transfers in flight.
    pub in_flight: usize,
    /// Wall time of the whole run.
    pub wall: Duration,
    /// Median latency (seal + RPC + open the reply).
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// CPU time (user + system) of the node process during the run (Linux).
    pub node_cpu: Option<Duration>,
    /// CPU time of the sender (this process) during the run (Linux); for the 1-in-flight
    /// run, less the interleaved crypto-only loop.
    pub sender_cpu: Option<Duration>,
}

impl Phase {
    /// Transfers per second.
    pub fn per_second(&self) -> f64 {
        self.transfers as f64 / self.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Wall time per transfer.
    pub fn wall_per_transfer(&self) -> Duration {
        self.wall / self.transfers.max(1) as u32
    }
}

/// The cryptography alone, per transfer, on one thread (timed interleaved with the
/// 1-in-flight run, while the node is idle).
#[derive(Debug, Clone)]
pub struct CryptoCost {
    /// Iterations timed.
    pub iterations: usize,
    /// The sender's part: seal the request, open the reply.
    pub sender: Duration,
    /// The node's part: open the request, seal the reply.
    pub node: Duration,
}

impl CryptoCost {
    /// Both parts: what one transfer costs in sealing and opening.
    pub fn per_transfer(&self) -> Duration {
        self.sender + self.node
    }
}

/// What no node design on this transport and with this durability can avoid, measured
/// in the same run: the floor under the node's overhead beyond the cryptography.
#[derive(Debug, Clone)]
pub struct Floor {
    /// Median round trip of `TRISAHealth/Status` to the same node over the same mutual-TLS
    /// connection (TLS records, HTTP/2, gRPC, protobuf, the node's one SQLite read;
    /// nothing sealed, opened or written), interleaved with the 1-in-flight transfers.
    pub status_round_trip: Duration,
    /// Median durable commit of one transaction writing two 4 KiB rows (a request and
    /// its reply) to a SQLite file in WAL mode with `synchronous = FULL`, as the node
    /// commits every transfer before answering; on the same disk, in this process.
    pub durable_commit: Duration,
    /// Round trips and commits timed.
    pub iterations: usize,
}

impl Floor {
    /// Both: the least a durable transfer adds to its cryptography here.
    pub fn total(&self) -> Duration {
        self.status_round_trip + self.durable_commit
    }
}

/// The most the node may add beyond `crypto` for an overhead (`1 - crypto / wall`) of
/// `overhead`: `crypto / (1 - overhead) - crypto`.
pub fn allowance(crypto: Duration, overhead: f64) -> Duration {
    let c = crypto.as_secs_f64();
    Duration::from_secs_f64((c / (1.0 - overhead).max(f64::MIN_POSITIVE) - c).max(0.0))
}

/// The overhead target of issue 13.
pub const OVERHEAD_TARGET: f64 = 0.30;

/// The figures of one sealing algorithm (one node process).
#[derive(Debug, Clone)]
pub struct SealingReport {
    /// The node's and the sender's sealing keys.
    pub sealing: SealingAlgorithm,
    /// Unary Transfer, 1 in flight.
    pub serial: Phase,
    /// Unary Transfer, `concurrency` in flight.
    pub unary: Phase,
    /// One TransferStream, `concurrency` in flight.
    pub stream: Phase,
    /// Sealing and opening alone.
    pub crypto: CryptoCost,
    /// `1 - crypto / wall per transfer at 1 in flight`.
    pub overhead: f64,
    /// The transport and durability floor, measured in the same run.
    pub floor: Floor,
    /// VmRSS of the node after start, in KiB.
    pub rss_idle_kib: Option<u64>,
    /// Largest VmRSS sampled during the runs, in KiB.
    pub rss_peak_kib: Option<u64>,
    /// VmRSS right after the runs, in KiB.
    pub rss_after_kib: Option<u64>,
    /// The states of the node's replies, with counts (warm-up included).
    pub replies: BTreeMap<String, usize>,
}

/// What [`run`] measured.
#[derive(Debug, Clone)]
pub struct NodeBenchReport {
    /// Logical cores of this machine.
    pub cores: usize,
    /// `/proc/loadavg`'s three averages when the bench started.
    pub load_average: String,
    /// Transfers per concurrent run.
    pub transfers: usize,
    /// Transfers in flight.
    pub concurrency: usize,
    /// One per sealing algorithm.
    pub runs: Vec<SealingReport>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "-".into())
}

fn cpu_per(cpu: Option<Duration>, n: usize) -> String {
    cpu.map(|c| format!("{:.2}", ms(c) / n.max(1) as f64))
        .unwrap_or_else(|| "-".into())
}

impl core::fmt::Display for NodeBenchReport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        writeln!(
            f,
            "zktr bench node: plain TRISA transfers to a node process on loopback (mutual TLS); \
             {} cores, load average at start {}",
            self.cores, self.load_average
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<8} {:<28} {:>9} {:>11} {:>8} {:>8} {:>13} {:>15}",
            "sealing",
            "run",
            "transfers",
            "transfers/s",
            "p50 ms",
            "p99 ms",
            "node CPU ms/t",
            "sender CPU ms/t"
        )?;
        for r in &self.runs {
            let name = algorithm_name(r.sealing);
            for (label, p) in [
                ("unary Transfer".to_string(), &r.serial),
                ("unary Transfer".to_string(), &r.unary),
                ("TransferStream".to_string(), &r.stream),
            ] {
                writeln!(
                    f,
                    "{:<8} {:<28} {:>9} {:>11.1} {:>8.2} {:>8.2} {:>13} {:>15}",
                    name,
                    format!("{label}, {} in flight", p.in_flight),
                    p.transfers,
                    p.per_second(),
                    ms(p.p50),
                    ms(p.p99),
                    cpu_per(p.node_cpu, p.transfers),
                    cpu_per(p.sender_cpu, p.transfers),
                )?;
            }
            let c = ms(r.crypto.per_transfer());
            writeln!(
                f,
                "{:<8} {:<28} {:>9} {:>11.1} {:>8} {:>8} {:>13.2} {:>15.2}",
                name,
                "crypto alone, one thread",
                r.crypto.iterations,
                1e3 / c.max(f64::MIN_POSITIVE),
                "-",
                "-",
                ms(r.crypto.node),
                ms(r.crypto.sender),
            )?;
        }
        writeln!(f)?;
        for r in &self.runs {
            let replies: Vec<String> = r.replies.iter().map(|(s, n)| format!("{s} {n}")).collect();
            writeln!(
                f,
                "{}: crypto alone {:.2} ms per transfer (sender {:.2}, node {:.2}); \
                 {:.2} ms per transfer at 1 in flight; overhead beyond the crypto {:.0}%",
                algorithm_name(r.sealing),
                ms(r.crypto.per_transfer()),
                ms(r.crypto.sender),
                ms(r.crypto.node),
                ms(r.serial.wall_per_transfer()),
                r.overhead * 100.0
            )?;
            let allowed = allowance(r.crypto.per_transfer(), OVERHEAD_TARGET);
            writeln!(
                f,
                "{:8}floor: Status round trip {:.2} ms + durable commit {:.2} ms = {:.2} ms; \
                 a {:.0}% overhead allows {:.2} ms beyond the crypto{}",
                "",
                ms(r.floor.status_round_trip),
                ms(r.floor.durable_commit),
                ms(r.floor.total()),
                OVERHEAD_TARGET * 100.0,
                ms(allowed),
                if r.floor.total() > allowed {
                    " (the floor alone exceeds it)"
                } else {
                    ""
                }
            )?;
            writeln!(
                f,
                "{:8}node RSS: idle {}, peak under load {}, after the load {}; replies: {}",
                "",
                mib(r.rss_idle_kib),
                mib(r.rss_peak_kib),
                mib(r.rss_after_kib),
                replies.join(", ")
            )?;
        }
        Ok(())
    }
}

// ---- procfs ---------------------------------------------------------------------------

/// VmRSS of process `pid` in KiB (Linux; `None` elsewhere or once it has gone).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of a process (`"self"` or a pid) so far, from
/// `/proc/<pid>/stat` (in clock ticks of 10 ms, as Linux reports them).
pub(crate) fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// CPU times of the node process and of this one, to difference around a run.
#[derive(Clone, Copy)]
struct CpuProbe {
    node: Option<u32>,
}

impl CpuProbe {
    fn read(self) -> (Option<Duration>, Option<Duration>) {
        (
            self.node.and_then(|pid| cpu_time(&pid.to_string())),
            cpu_time("self"),
        )
    }

    fn since(
        self,
        before: (Option<Duration>, Option<Duration>),
    ) -> (Option<Duration>, Option<Duration>) {
        let now = self.read();
        let diff =
            |a: Option<Duration>, b: Option<Duration>| a.zip(b).map(|(a, b)| b.saturating_sub(a));
        (diff(before.0, now.0), diff(before.1, now.1))
    }
}

/// Samples a process's VmRSS every 50 ms on a thread and keeps the largest.
struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Option<u64>>,
}

impl RssSampler {
    fn start(pid: u32) -> Result<Self, NodeBenchError> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("rss-sampler".into())
            .spawn(move || {
                let mut peak = None;
                loop {
                    if let Some(k) = rss_kib(pid) {
                        peak = Some(peak.map_or(k, |p: u64| p.max(k)));
                    }
                    if flag.load(Ordering::Relaxed) {
                        return peak;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
            .map_err(io_err("starting the memory sampler"))?;
        Ok(Self { stop, thread })
    }

    fn finish(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().ok().flatten()
    }
}

// ---- the network, the node folder, the node process ------------------------------------

fn read_identity(path: &Path) -> Result<IdentityPayload, NodeBenchError> {
    let err = |message: String| NodeBenchError::Identity {
        path: path.to_path_buf(),
        message,
    };
    let bytes =
        crate::config::read_small(path, MAX_IDENTITY_BYTES).map_err(|e| err(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| err("not UTF-8".into()))?;
    match Document::from_json(&text) {
        Ok((Document::IdentityPayload(p), _)) => Ok(p),
        Ok(_) => Err(err("not an IVMS101 identity payload".into())),
        Err(e) => Err(err(e.to_string())),
    }
}

fn generate_key(a: SealingAlgorithm) -> Result<SealingKey, NodeBenchError> {
    let bits = match a {
        SealingAlgorithm::X25519 => return Ok(SealingKey::generate_x25519()),
        SealingAlgorithm::Rsa4096 => 4096,
        SealingAlgorithm::Rsa2048 => 2048,
    };
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)
        .map_err(|e| NodeBenchError::Key(e.to_string()))?;
    Ok(SealingKey::Rsa(Box::new(key)))
}

fn read_sealing_key(path: &Path) -> Result<SealingKey, NodeBenchError> {
    let bytes = crate::config::read_small(path, 64 * 1024)?;
    let text =
        String::from_utf8(bytes).map_err(|_| NodeBenchError::Key("not a PEM file".into()))?;
    SealingKey::from_pem(&text).map_err(|e| NodeBenchError::Key(e.to_string()))
}

/// Three distinct free ports on 127.0.0.1 (bound together, then released).
fn free_ports() -> Result<[SocketAddr; 3], NodeBenchError> {
    let bind = || TcpListener::bind("127.0.0.1:0").map_err(io_err("finding a free port"));
    let listeners = [bind()?, bind()?, bind()?];
    let mut out = [SocketAddr::from(([127, 0, 0, 1], 0)); 3];
    for (o, l) in out.iter_mut().zip(&listeners) {
        *o = l.local_addr().map_err(io_err("finding a free port"))?;
    }
    Ok(out)
}

/// A dev network in a temporary folder: its CA and the sender's client certificate.
struct Network {
    dir: tempfile::TempDir,
    sender: Identity,
}

impl Network {
    fn new() -> Result<Self, NodeBenchError> {
        tls::install_crypto_provider();
        let dir = tempfile::Builder::new()
            .prefix("zktr-bench-node-")
            .tempdir()
            .map_err(io_err("creating a temporary folder"))?;
        let now = time::OffsetDateTime::now_utc();
        let ca = dir.path().join("ca");
        certs::init_ca(&ca, "zktr bench CA", 2, KeyAlgorithm::EcdsaP256, now)?;
        let issued = certs::issue(
            &ca,
            &IssueRequest {
                common_name: ORIGINATOR.into(),
                sans: vec!["localhost".into()],
                usage: Usage::Both,
                validity_days: 1,
                algorithm: KeyAlgorithm::EcdsaP256,
            },
            &dir.path().join("sender"),
            now,
        )?;
        let sender = Identity::load(&issued.cert, &issued.key)?;
        Ok(Self { dir, sender })
    }

    fn ca_dir(&self) -> PathBuf {
        self.dir.path().join("ca")
    }

    /// `node init` a beneficiary folder that accepts incoming transfers at once and knows
    /// the sender as a peer; returns its config path.
    fn beneficiary(
        &self,
        folder: &str,
        sealing: SealingAlgorithm,
        listen: [SocketAddr; 3],
    ) -> Result<PathBuf, NodeBenchError> {
        let out = init::init(&InitRequest {
            dir: self.dir.path().join(folder),
            name: BENEFICIARY.into(),
            ca: Some(self.ca_dir()),
            sans: vec![],
            listen,
            sealing,
        })?;
        let path = out.config;
        let text = std::fs::read_to_string(&path).map_err(io_err(path.display().to_string()))?;
        let needle = "incoming = \"review\"";
        if !text.contains(needle) {
            return Err(NodeBenchError::Options(format!(
                "{}: no `{needle}` line to change to \"accept\"",
                path.display()
            )));
        }
        let text = text.replacen(needle, "incoming = \"accept\"", 1);
        std::fs::write(&path, text).map_err(io_err(path.display().to_string()))?;
        let config = NodeConfig::load(&path)?;
        if config.service.incoming != IncomingDecision::Accept {
            return Err(NodeBenchError::Options(format!(
                "{}: service.incoming is not \"accept\"",
                path.display()
            )));
        }
        let peers = &config.peers.file;
        let mut text = std::fs::read_to_string(peers).unwrap_or_default();
        text.push_str(&format!(
            "\n[[peer]]\nname = \"{ORIGINATOR}\"\nendpoint = \"127.0.0.1:9\"\nserver_name = \"localhost\"\n"
        ));
        std::fs::write(peers, text).map_err(io_err(peers.display().to_string()))?;
        Ok(path)
    }
}

/// Adds the customer address every transfer pays, through the node's back office
/// (blocking: call it outside the bench's runtime).
fn register_customer(config: &NodeConfig, backoffice: SocketAddr) -> Result<(), NodeBenchError> {
    let mut c = config.clone();
    c.listen.backoffice = backoffice;
    let mut bo = BackOffice::connect(&c)?;
    bo.add_address(admin::CustomerAddress {
        address: CUSTOMER_ADDRESS.into(),
        network: "ETH".into(),
        customer: "bench-customer".into(),
    })?;
    Ok(())
}

/// The node as a child process; killed (and reaped) when dropped, on every path.
pub(crate) struct NodeProcess {
    child: Child,
    log: PathBuf,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeProcess {
    /// Starts `exe node --config config` and waits for its `listening` line; returns the
    /// process and its peer and back-office addresses.
    fn start(
        exe: &Path,
        config: &Path,
        log: PathBuf,
    ) -> Result<(Self, SocketAddr, SocketAddr), NodeBenchError> {
        let (mut node, line) = Self::spawn(
            exe,
            &["node".as_ref(), "--config".as_ref(), config.as_os_str()],
            log,
        )?;
        let field = |key: &str| -> Option<SocketAddr> {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(key))
                .and_then(|a| a.parse().ok())
        };
        match (
            line.contains(" listening: "),
            field("peer="),
            field("backoffice="),
        ) {
            (true, Some(peer), Some(backoffice)) => Ok((node, peer, backoffice)),
            _ => Err(node.failed(&format!("unexpected first line {:?}", line.trim_end()))),
        }
    }

    /// Starts `exe args...` (stderr to `log`) and waits for its first line on stdout.
    pub(crate) fn spawn(
        exe: &Path,
        args: &[&std::ffi::OsStr],
        log: PathBuf,
    ) -> Result<(Self, String), NodeBenchError> {
        let log_file = std::fs::File::create(&log).map_err(io_err(log.display().to_string()))?;
        let child = Command::new(exe)
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(io_err(format!("starting {}", exe.display())))?;
        let mut node = Self { child, log };
        let stdout = node
            .child
            .stdout
            .take()
            .ok_or_else(|| node.failed("no stdout"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("node-stdout".into())
            .spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut line = String::new();
                let first = reader.read_line(&mut line).map(|_| line);
                let _ = tx.send(first);
                // Keep the pipe drained until the node exits.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
            })
            .map_err(io_err("reading the node's stdout"))?;
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) if !line.is_empty() => line,
            Ok(Ok(_)) => return Err(node.failed("it exited before listening")),
            Ok(Err(e)) => return Err(node.failed(&format!("reading its stdout: {e}"))),
            Err(_) => return Err(node.failed("no `listening` line within 30 s")),
        };
        Ok((node, line))
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn failed(&mut self, message: &str) -> NodeBenchError {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        NodeBenchError::NodeStart {
            message: message.to_string(),
            log: lines[lines.len().saturating_sub(20)..].join("\n"),
        }
    }
}

// ---- the sender ------------------------------------------------------------------------

/// The in-process sender: a TRISA client with its certificate and sealing key, and the
/// node's key from KeyExchange.
struct Sender {
    dialer: Dialer,
    peer: PeerEntry,
    key: Arc<SealingKey>,
    node_key: PublicSealingKey,
    identity: IdentityPayload,
    transaction: Transaction,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, NodeBenchError> + Send + 'static,
) -> Result<T, NodeBenchError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| NodeBenchError::Task(e.to_string()))?
}

type Latencies = (Vec<Duration>, Vec<TransferState>);

impl Sender {
    /// Dials the node at `peer_addr` and exchanges sealing keys.
    async fn connect(
        identity: Identity,
        ca_cert: PathBuf,
        peer_addr: SocketAddr,
        key: SealingKey,
        payload_identity: IdentityPayload,
    ) -> Result<Arc<Self>, NodeBenchError> {
        let dialer = Dialer::new(identity, vec![ca_cert], vec![], MAX_MESSAGE, RPC_TIMEOUT);
        let peer = PeerEntry {
            name: BENEFICIARY.into(),
            endpoint: peer_addr.to_string(),
            server_name: Some("localhost".into()),
            ca: None,
            fingerprint: None,
            zktr: false,
            log_key: None,
            receipt_key: None,
        };
        let public = key.public_key();
        let ours = zktr_proto::trisa::api::v1beta1::SigningKey {
            public_key_algorithm: match public {
                PublicSealingKey::Rsa(_) => "RSA",
                PublicSealingKey::X25519(_) => "X25519",
            }
            .into(),
            data: public
                .spki_der()
                .map_err(|e| NodeBenchError::Key(e.to_string()))?,
            ..Default::default()
        };
        let theirs = dialer
            .key_exchange(&peer, ours)
            .await
            .map_err(rpc("KeyExchange"))?;
        let node_key = PublicSealingKey::from_der(&theirs.data)
            .map_err(|e| NodeBenchError::Key(format!("the node's KeyExchange key: {e}")))?;
        Ok(Arc::new(Self {
            dialer,
            peer,
            key: Arc::new(key),
            node_key,
            identity: payload_identity,
            transaction: Transaction {
                originator: ORIGINATOR_ADDRESS.into(),
                beneficiary: CUSTOMER_ADDRESS.into(),
                amount: 1.25,
                network: "ETH".into(),
                asset_type: "ETH".into(),
                ..Default::default()
            },
        }))
    }

    /// A new transfer's payload (sent now).
    fn payload(&self) -> Payload {
        crate::exchange::new_payload(&self.identity, &self.transaction)
    }

    async fn seal(self: &Arc<Self>) -> Result<SecureEnvelope, NodeBenchError> {
        let s = self.clone();
        blocking(move || {
            Ok(zktr_trisa::seal(
                &s.payload(),
                &s.node_key,
                &SealOptions::default(),
            )?)
        })
        .await
    }

    /// The node's reply must be a sealed ACCEPTED or PENDING for `id` that opens with our
    /// key and carries `received_at`.
    fn check_reply(
        &self,
        id: &str,
        reply: &SecureEnvelope,
    ) -> Result<TransferState, NodeBenchError> {
        if reply.id != id {
            return Err(bad_reply(
                id,
                format!("the reply carries the id {:?}", reply.id),
            ));
        }
        if let Some(e) = &reply.error {
            let code = ErrorCode::try_from(e.code)
                .map(|c| c.as_str_name().to_string())
                .unwrap_or_else(|_| e.code.to_string());
            let message: String = e.message.chars().take(300).collect();
            return Err(bad_reply(
                id,
                format!("an error envelope: {code}: {message}"),
            ));
        }
        let state =
            TransferState::try_from(reply.transfer_state).unwrap_or(TransferState::Unspecified);
        if !matches!(state, TransferState::Accepted | TransferState::Pending) {
            return Err(bad_reply(
                id,
                format!("the reply is {}", state.as_str_name()),
            ));
        }
        let payload = zktr_trisa::open(reply, Some(&self.key))
            .map_err(|e| bad_reply(id, format!("the reply does not open: {e}")))?;
        if payload.received_at.is_empty() {
            return Err(bad_reply(id, "the reply has no received_at"));
        }
        Ok(state)
    }

    async fn check(
        self: &Arc<Self>,
        id: String,
        reply: SecureEnvelope,
    ) -> Result<TransferState, NodeBenchError> {
        let s = self.clone();
        blocking(move || s.check_reply(&id, &reply)).await
    }

    /// One transfer: seal, Transfer, open the reply.
    /// One `TRISAHealth/Status` round trip (the transport floor); the node must be healthy.
    async fn status(&self) -> Result<(), NodeBenchError> {
        let state = self
            .dialer
            .status(&self.peer)
            .await
            .map_err(rpc("Status"))?;
        if state.status != zktr_proto::trisa::api::v1beta1::service_state::Status::Healthy as i32 {
            return Err(NodeBenchError::BadReply {
                id: "Status".into(),
                reason: format!("the node is not healthy (status {})", state.status),
            });
        }
        Ok(())
    }

    async fn round_trip(self: &Arc<Self>) -> Result<TransferState, NodeBenchError> {
        let env = self.seal().await?;
        let id = env.id.clone();
        let reply = self
            .dialer
            .transfer(&self.peer, env)
            .await
            .map_err(rpc("Transfer"))?;
        self.check(id, reply).await
    }

    /// `n` unary transfers, `in_flight` at a time.
    async fn unary(
        self: &Arc<Self>,
        n: usize,
        in_flight: usize,
    ) -> Result<(Duration, Latencies), NodeBenchError> {
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..in_flight.clamp(1, n.max(1)) {
            let s = self.clone();
            let next = next.clone();
            set.spawn(async move {
                let mut out: Latencies = (Vec::new(), Vec::new());
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let t = Instant::now();
                    let state = s.round_trip().await?;
                    out.0.push(t.elapsed());
                    out.1.push(state);
                }
                Ok::<_, NodeBenchError>(out)
            });
        }
        let mut all: Latencies = (Vec::with_capacity(n), Vec::with_capacity(n));
        while let Some(r) = set.join_next().await {
            let (lat, states) = r.map_err(|e| NodeBenchError::Task(e.to_string()))??;
            all.0.extend(lat);
            all.1.extend(states);
        }
        Ok((started.elapsed(), all))
    }

    /// `n` transfers over one TransferStream, at most `in_flight` sent and not yet
    /// answered (and opened).
    async fn stream(
        self: &Arc<Self>,
        n: usize,
        in_flight: usize,
    ) -> Result<(Duration, Latencies), NodeBenchError> {
        let channel = self
            .dialer
            .channel(&self.peer)
            .map_err(rpc("TransferStream"))?;
        let mut client = TrisaNetworkClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE)
            .max_encoding_message_size(MAX_MESSAGE);
        let window = Arc::new(Semaphore::new(in_flight.max(1)));
        type Sent = VecDeque<(String, Instant, OwnedSemaphorePermit)>;
        let sent: Arc<Mutex<Sent>> = Arc::new(Mutex::new(VecDeque::new()));
        let (tx, rx) = tokio::sync::mpsc::channel::<SecureEnvelope>(in_flight.max(1));
        let started = Instant::now();
        let producer = {
            let s = self.clone();
            let sent = sent.clone();
            tokio::spawn(async move {
                for _ in 0..n {
                    let permit = window
                        .clone()
                        .acquire_owned()
                        .await
                        .map_err(|e| NodeBenchError::Task(e.to_string()))?;
                    let t = Instant::now();
                    let env = s.seal().await?;
                    sent.lock().unwrap_or_else(|p| p.into_inner()).push_back((
                        env.id.clone(),
                        t,
                        permit,
                    ));
                    if tx.send(env).await.is_err() {
                        break;
                    }
                }
                Ok::<_, NodeBenchError>(())
            })
        };
        let mut inbound = client
            .transfer_stream(ReceiverStream::new(rx))
            .await
            .map_err(rpc("TransferStream"))?
            .into_inner();
        let mut opens = tokio::task::JoinSet::new();
        for _ in 0..n {
            let reply = tokio::time::timeout(RPC_TIMEOUT, inbound.message())
                .await
                .map_err(|_| NodeBenchError::Timeout("a reply on the TransferStream"))?
                .map_err(rpc("TransferStream"))?
                .ok_or_else(|| bad_reply("-", "the TransferStream ended early"))?;
            let (id, t, permit) = sent
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop_front()
                .ok_or_else(|| bad_reply(&reply.id, "a reply to an envelope never sent"))?;
            let s = self.clone();
            opens.spawn(async move {
                let state = s.check(id, reply).await?;
                drop(permit);
                Ok::<_, NodeBenchError>((t.elapsed(), state))
            });
        }
        let mut all: Latencies = (Vec::with_capacity(n), Vec::with_capacity(n));
        while let Some(r) = opens.join_next().await {
            let (lat, state) = r.map_err(|e| NodeBenchError::Task(e.to_string()))??;
            all.0.push(lat);
            all.1.push(state);
        }
        let elapsed = started.elapsed();
        producer
            .await
            .map_err(|e| NodeBenchError::Task(e.to_string()))??;
        Ok((elapsed, all))
    }
}

/// One transfer's cryptography, as the sender and the node do it: seal the request for
/// the node, open it with the node's key, seal the reply for the sender, open the reply.
/// Returns (sender's part, node's part).
fn crypto_once(
    payload: &Payload,
    sender_key: &SealingKey,
    sender_public: &PublicSealingKey,
    node_key: &SealingKey,
    node_public: &PublicSealingKey,
) -> Result<(Duration, Duration), NodeBenchError> {
    let t0 = Instant::now();
    let request = zktr_trisa::seal(payload, node_public, &SealOptions::default())?;
    let t1 = Instant::now();
    let mut opened = zktr_trisa::open(&request, Some(node_key))?;
    opened.received_at = crate::exchange::now_stamp();
    let id = uuid::Uuid::parse_str(&request.id).map_err(|e| NodeBenchError::Task(e.to_string()))?;
    let reply = zktr_trisa::seal(
        &opened,
        sender_public,
        &SealOptions {
            id: Some(id),
            transfer_state: TransferState::Accepted,
            timestamp: None,
        },
    )?;
    let t2 = Instant::now();
    zktr_trisa::open(&reply, Some(sender_key))?;
    let t3 = Instant::now();
    Ok(((t1 - t0) + (t3 - t2), t2 - t1))
}

/// The 1-in-flight run and the crypto-only loop, interleaved: `serial` round trips
/// spread evenly among `crypto` iterations of [`crypto_once`] (on this thread, while the
/// node is idle), so that both see the same machine. On a shared VM the speed of a core
/// drifts by 10-15% from one minute to the next (RSA-4096 timings showed it), which two
/// separate runs would read as node overhead or as a negative one.
///
/// Returns the latencies of the round trips, their states, and the crypto cost; the
/// run's wall time is the sum of the latencies (the round trips are sequential).
async fn serial_and_crypto(
    sender: &Arc<Sender>,
    node_key: &SealingKey,
    serial: usize,
    crypto: usize,
) -> Result<(Latencies, CryptoCost, Duration), NodeBenchError> {
    let payload = sender.payload();
    let mut status_times = Vec::with_capacity(serial);
    let sender_public = sender.key.public_key();
    let node_public = node_key.public_key();
    let rounds = serial.max(crypto);
    let due = |i: usize, n: usize| (i * n) / rounds != ((i + 1) * n) / rounds;
    let mut out: Latencies = (Vec::with_capacity(serial), Vec::with_capacity(serial));
    let (mut s, mut nd) = (Duration::ZERO, Duration::ZERO);
    for i in 0..rounds {
        if due(i, serial) {
            let t = Instant::now();
            let state = sender.round_trip().await?;
            out.0.push(t.elapsed());
            out.1.push(state);
            let t = Instant::now();
            sender.status().await?;
            status_times.push(t.elapsed());
        }
        if due(i, crypto) {
            let (a, b) = crypto_once(
                &payload,
                &sender.key,
                &sender_public,
                node_key,
                &node_public,
            )?;
            s += a;
            nd += b;
        }
    }
    let n = crypto.max(1) as u32;
    status_times.sort_unstable();
    Ok((
        out,
        CryptoCost {
            iterations: crypto,
            sender: s / n,
            node: nd / n,
        },
        percentile(&status_times, 0.5),
    ))
}

/// Median time of `n` durable commits of two 4 KiB rows each to a fresh SQLite file in
/// `dir`, opened as the node opens its database (WAL, `synchronous = FULL`).
async fn durable_commit_floor(dir: &Path, n: usize) -> Result<Duration, NodeBenchError> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::{ConnectOptions, Connection};
    let mut conn = SqliteConnectOptions::new()
        .filename(dir.join("commit-floor.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS envelopes (id INTEGER PRIMARY KEY, request BLOB, reply BLOB)",
    )
    .execute(&mut conn)
    .await?;
    let row = vec![0x5a_u8; 4096];
    let mut times = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let t = Instant::now();
        let mut tx = conn.begin().await?;
        sqlx::query("INSERT INTO envelopes (request, reply) VALUES (?, ?)")
            .bind(&row)
            .bind(&row)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        times.push(t.elapsed());
    }
    conn.close().await?;
    times.sort_unstable();
    Ok(percentile(&times, 0.5))
}

pub(crate) fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn phase(
    wall: Duration,
    mut latencies: Vec<Duration>,
    in_flight: usize,
    cpu: (Option<Duration>, Option<Duration>),
) -> Phase {
    latencies.sort_unstable();
    Phase {
        transfers: latencies.len(),
        in_flight,
        wall,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        node_cpu: cpu.0,
        sender_cpu: cpu.1,
    }
}

fn count(replies: &mut BTreeMap<String, usize>, states: &[TransferState]) {
    for s in states {
        *replies.entry(s.as_str_name().to_string()).or_default() += 1;
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, NodeBenchError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("zktr-bench")
        .build()
        .map_err(io_err("starting the async runtime"))
}

/// Runs the bench (blocking; see the module docs).
pub fn run(opts: &NodeBenchOptions) -> Result<NodeBenchReport, NodeBenchError> {
    if opts.sealing.is_empty()
        || opts.transfers == 0
        || opts.concurrency == 0
        || opts.serial_transfers == 0
    {
        return Err(NodeBenchError::Options(
            "give at least one sealing algorithm, and transfers, concurrency and serial transfers of at least 1".into(),
        ));
    }
    let load = load_average();
    let identity = read_identity(&opts.identity_json)?;
    let net = Network::new()?;
    let runtime = runtime()?;
    let mut runs = Vec::new();
    for (i, &sealing) in opts.sealing.iter().enumerate() {
        tracing::info!(sealing = algorithm_name(sealing), "bench: starting a node");
        runs.push(run_one(opts, &net, &runtime, i, sealing, &identity)?);
    }
    Ok(NodeBenchReport {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        load_average: load,
        transfers: opts.transfers,
        concurrency: opts.concurrency,
        runs,
    })
}

fn run_one(
    opts: &NodeBenchOptions,
    net: &Network,
    runtime: &tokio::runtime::Runtime,
    index: usize,
    sealing: SealingAlgorithm,
    identity: &IdentityPayload,
) -> Result<SealingReport, NodeBenchError> {
    let folder = format!("beneficiary-{index}-{}", algorithm_name(sealing));
    let config_path = net.beneficiary(&folder, sealing, free_ports()?)?;
    let config = NodeConfig::load(&config_path)?;
    let node_key = read_sealing_key(&config.sealing.key)?;
    let sender_key = generate_key(sealing)?;
    let log = net.dir.path().join(format!("{folder}.log"));
    let (node, peer_addr, backoffice_addr) = NodeProcess::start(&opts.node_exe, &config_path, log)?;
    let pid = node.pid();
    register_customer(&config, backoffice_addr)?;
    let rss_idle = rss_kib(pid);
    let probe = CpuProbe { node: Some(pid) };
    let mut replies = BTreeMap::new();

    let sender = runtime.block_on(Sender::connect(
        net.sender.clone(),
        net.ca_dir().join(certs::CA_CERT),
        peer_addr,
        sender_key,
        identity.clone(),
    ))?;
    let node_public = node_key
        .public_key()
        .spki_der()
        .map_err(|e| NodeBenchError::Key(e.to_string()))?;
    if sender.node_key.spki_der().ok() != Some(node_public) {
        return Err(NodeBenchError::Key(
            "KeyExchange returned another key than the node folder's sealing key".into(),
        ));
    }

    let sampler = RssSampler::start(pid)?;
    let measured = runtime.block_on(async {
        let (_, (_, warm)) = sender.unary(WARM_UP, 1).await?;
        count(&mut replies, &warm);
        let cpu0 = probe.read();
        let ((lat, states), crypto, status_round_trip) =
            serial_and_crypto(&sender, &node_key, opts.serial_transfers, opts.transfers).await?;
        count(&mut replies, &states);
        // The sender's CPU of the 1-in-flight run: this process's, less the crypto-only
        // loop's (single-threaded, CPU-bound: its CPU time is its wall time).
        let (node_cpu, own_cpu) = probe.since(cpu0);
        let own_cpu =
            own_cpu.map(|c| c.saturating_sub(crypto.per_transfer() * crypto.iterations as u32));
        let wall = lat.iter().sum();
        let serial = phase(wall, lat, 1, (node_cpu, own_cpu));
        let mut phases = vec![serial];
        for stream in [false, true] {
            let cpu0 = probe.read();
            let (wall, (lat, states)) = if stream {
                sender.stream(opts.transfers, opts.concurrency).await?
            } else {
                sender.unary(opts.transfers, opts.concurrency).await?
            };
            count(&mut replies, &states);
            phases.push(phase(wall, lat, opts.concurrency, probe.since(cpu0)));
        }
        let floor = Floor {
            status_round_trip,
            durable_commit: durable_commit_floor(net.dir.path(), opts.serial_transfers).await?,
            iterations: opts.serial_transfers,
        };
        Ok::<_, NodeBenchError>((phases, crypto, floor))
    });
    let rss_peak = sampler.finish();
    let rss_after = rss_kib(pid);
    let (phases, crypto, floor) = measured?;
    drop(node);
    let mut phases = phases.into_iter();
    let (Some(serial), Some(unary), Some(stream)) = (phases.next(), phases.next(), phases.next())
    else {
        return Err(NodeBenchError::Task("a run is missing".into()));
    };
    let overhead = 1.0
        - crypto.per_transfer().as_secs_f64()
            / serial
                .wall_per_transfer()
                .as_secs_f64()
                .max(f64::MIN_POSITIVE);
    Ok(SealingReport {
        sealing,
        serial,
        unary,
        stream,
        crypto,
        overhead,
        floor,
        rss_idle_kib: rss_idle,
        rss_peak_kib: rss_peak,
        rss_after_kib: rss_after,
        replies,
    })
}

// ---- the in-process harness (criterion) ----------------------------------------------

/// A node started in this process on port 0 and a sender that has exchanged keys with
/// it: one sealed transfer round trip per [`Harness::transfer`], the cryptography alone
/// per [`Harness::seal_open`]. For `benches/node.rs`.
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    node: Option<RunningNode>,
    sender: Arc<Sender>,
    node_key: SealingKey,
    sender_public: PublicSealingKey,
    payload: Payload,
    _net: Network,
}

impl core::fmt::Debug for Harness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Harness").finish_non_exhaustive()
    }
}

impl Harness {
    /// Starts a node sealing with `sealing` (an RSA key takes seconds to generate) and a
    /// sender with a key of the same algorithm; every transfer carries the identity of
    /// `identity_json`.
    pub fn start(sealing: SealingAlgorithm, identity_json: &Path) -> Result<Self, NodeBenchError> {
        let identity = read_identity(identity_json)?;
        let net = Network::new()?;
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let config_path = net.beneficiary("beneficiary", sealing, [any, any, any])?;
        let config = NodeConfig::load(&config_path)?;
        let node_key = read_sealing_key(&config.sealing.key)?;
        let sender_key = generate_key(sealing)?;
        let runtime = runtime()?;
        let node = runtime.block_on(crate::server::start(config.clone()))?;
        let mut harness_node = Some(node);
        let result = (|| {
            let node = harness_node
                .as_ref()
                .ok_or_else(|| NodeBenchError::Task("no node".into()))?;
            register_customer(&config, node.backoffice_addr)?;
            runtime.block_on(Sender::connect(
                net.sender.clone(),
                net.ca_dir().join(certs::CA_CERT),
                node.peer_addr,
                sender_key,
                identity,
            ))
        })();
        let sender = match result {
            Ok(s) => s,
            Err(e) => {
                if let Some(node) = harness_node.take() {
                    let _ = runtime.block_on(node.shutdown());
                }
                return Err(e);
            }
        };
        let payload = sender.payload();
        let sender_public = sender.key.public_key();
        Ok(Self {
            runtime,
            node: harness_node,
            sender,
            node_key,
            sender_public,
            payload,
            _net: net,
        })
    }

    /// One new transfer: seal, Transfer, open the reply (which must be ACCEPTED or
    /// PENDING).
    pub fn transfer(&self) -> Result<(), NodeBenchError> {
        self.runtime.block_on(self.sender.round_trip()).map(|_| ())
    }

    /// The cryptography of one transfer alone (see [`CryptoCost`]).
    pub fn seal_open(&self) -> Result<(), NodeBenchError> {
        crypto_once(
            &self.payload,
            &self.sender.key,
            &self.sender_public,
            &self.node_key,
            &self.sender.node_key,
        )
        .map(|_| ())
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            let _ = self.runtime.block_on(node.shutdown());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let xs: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&xs, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&xs, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&xs[..1], 0.99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn procfs_readers_see_this_process() {
        if cfg!(target_os = "linux") {
            assert!(rss_kib(std::process::id()).is_some_and(|k| k > 0));
            assert!(cpu_time("self").is_some());
        }
    }
}
