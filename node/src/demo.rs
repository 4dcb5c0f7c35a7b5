//! `zktr demo`: the whole network in one process, on loopback, with real mutual TLS.
//!
//! [`run`] builds, in a temporary folder, a dev CA made for the run and, under it:
//!
//! * a **list publisher**: the sanctions set of the newest OFAC SDN list in the data
//!   folder (ADVANCED XML, streamed from its `.bz2`) and the newest published address
//!   lists, its root signed with a key made for the run;
//! * two **VASP nodes** ([`crate::start`], servers as tokio tasks on real sockets, ports
//!   from the OS): `alice.demo`, which attests the FATF threshold (USD 1,000) and has a
//!   compliance officer, and `bob.demo`, a US VASP attesting the US threshold
//!   (USD 3,000). Both trust one policy: the publisher, both logs, alice's officer;
//! * a **verifier** (`zktr.verifier.v1`, [`crate::verifier_service`]) under that policy;
//! * a **regulator**: a client certificate whose name has the regulator role on both
//!   nodes (`[regulator]`).
//!
//! Then, through the nodes' back offices (`SendTransfer`, `ClearTransfer`):
//!
//! * (a) TRISA's example transfer (0.00206412 BTC, USD 77.86), alice to bob: proven
//!   below FATF's USD 1,000, verified by bob before decrypting, receipted;
//! * (b) USD 5,000 in ETH, bob to alice: proven at or above the US USD 3,000;
//! * (c) a transfer to an address on OFAC's list: REJECTED by alice before any proof;
//! * (d) a transfer to a person whose name is on the SDN list: held in REVIEW, cleared by
//!   alice's officer (a signed clearance in place of that party's `not_sanctioned` claim),
//!   then proven, delivered and receipted.
//!
//! The verifier checks the delivered bundles over gRPC (one stream, batched, per-claim
//! results, against the on-chain transfers); the regulator has one slot of (a) disclosed
//! and checks it against `C`, then audits alice over the period
//! ([`crate::audit::audit`]) and the report is written as `report.json` and `report.html`.
//!
//! What each party saw is reported as [`Event`]s while the demo runs; the CLI prints them.
//! Everything a reader would check afterwards is written to [`DemoOptions::out`]: every
//! bundle and receipt, the verifying keys and their manifest, the nodes' log and receipt
//! public keys, the publisher's and the officer's keys, the CA certificate, the policy,
//! the disclosed slot and the report. The nodes' folders (private keys, databases) live
//! in a temporary folder removed at the end.

use crate::audit::{self, AuditRequest, NoProgress};
use crate::certs::Usage;
use crate::config::{IncomingDecision, NodeConfig, OfficerEntry};
use crate::localnet::{self, LocalNet, LocalNetError};
use crate::regulator::RegulatorConfig;
use crate::tls::Identity;
use crate::verifier_config::{
    VerifierConfig, VerifierListen, VerifierPolicy, VerifierService, VerifierTls,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::field::fr_to_hex;
use zktr_proto::zktr::admin::v1 as admin;
use zktr_proto::zktr::verifier::v1 as vwire;
use zktr_prover::ProvingKeys;
use zktr_records::manifest::SINGLE_PARTY_DEV;
use zktr_records::policy_file::{TrustedOfficer, TrustedPricePublisher};
use zktr_records::{Clearance, ProofBundle, Receipt, ScreeningHit};
use zktr_sanctions::PartyKind;
use zktr_sanctions::{BuildOptions, SanctionsSet};
use zktr_verifier::{Policy, VerifyingKeys};

/// The originator of (a), (c), (d).
pub const ALICE: &str = "alice.demo";
/// The beneficiary of (a), (c), (d); the originator of (b).
pub const BOB: &str = "bob.demo";
/// The regulator's certificate name.
pub const REGULATOR: &str = "regulator.demo";
/// The verifier's certificate name.
pub const VERIFIER: &str = "verifier.demo";
/// Alice's compliance officer.
pub const OFFICER: &str = "officer-1";
/// Jurisdictions the verifier and the regulator apply: every bundle must satisfy both.
pub const JURISDICTIONS: [&str; 2] = ["FATF", "US"];

/// SLIP-0044 coin types.
const BTC: u64 = 0;
const ETH: u64 = 60;
/// The demo price publisher's prices, in US cents per whole coin: the fiat values the
/// transfers state (USD 77.86 for 0.00206412 BTC, USD 2,000.00 per ETH) follow from them.
const DEMO_PRICES: [(u64, &str, u64, u64); 2] = [
    (BTC, "BTC", 3_772_500, 100_000_000),
    (ETH, "ETH", 200_000, 1_000_000_000_000_000_000),
];
/// How long a demo quote is valid (and the policy's bound on windows and age).
const QUOTE_SECONDS: u64 = 3_600;
/// Bob's customer receiving (d) in ETH.
const BOB_ETH: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
/// Alice's customer receiving (b).
const ALICE_ETH: &str = "0x52908400098527886E0F7030069857D2E4169EE7";
/// The ETH address (b) and (d) are paid from.
const SENDER_ETH: &str = "0x1111111111111111111111111111111111111111";

/// What to run with.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The shared data folder (`sanctions/ofac/`, `trisa/payload.json`,
    /// `ivms101/trisa/identity_payload.json`).
    pub data: PathBuf,
    /// A complete parameters folder (`zktr setup`, a ceremony's); `None`: single-party
    /// dev keys made for the run.
    pub params: Option<PathBuf>,
    /// Where to write what a reader checks afterwards (created if needed).
    pub out: PathBuf,
    /// On SIGINT or SIGTERM during the run, remove the run's temporary folder (the dev
    /// CA's and the nodes' private keys, the databases) and exit the process with status
    /// 130. For the `zktr demo` command; a caller that handles signals itself leaves it
    /// `false`.
    pub remove_on_interrupt: bool,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// A data file is missing or unreadable.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The data folder lacks a file the demo needs.
    #[error("no {what} in {}", dir.display())]
    Missing {
        /// What was looked for.
        what: String,
        /// Where.
        dir: PathBuf,
    },
    /// Setting up the network.
    #[error(transparent)]
    Net(#[from] LocalNetError),
    /// One step failed.
    #[error("{step}: {source}")]
    Step {
        /// The step.
        step: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The network answered, but not as the Travel Rule says it must (a defect).
    #[error("unexpected: {0}")]
    Unexpected(String),
}

/// `map_err` for one step.
fn at<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    step: &'static str,
) -> impl FnOnce(E) -> DemoError {
    move |e| DemoError::Step {
        step,
        source: e.into(),
    }
}

fn read(path: &Path) -> Result<String, DemoError> {
    std::fs::read_to_string(path).map_err(|source| DemoError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<PathBuf, DemoError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| DemoError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, bytes).map_err(|source| DemoError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.to_path_buf())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The first `YYYY-MM-DD` in a file or folder name.
fn date_in(name: &str) -> Option<&str> {
    (0..name.len().saturating_sub(9)).find_map(|i| {
        let s = name.get(i..i + 10)?;
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        (digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)).then_some(s)
    })
}

/// The entry of `dir` named `prefix<...>suffix` with the newest date in its name, and
/// that date.
pub fn newest(dir: &Path, prefix: &str, suffix: &str) -> Result<(PathBuf, String), DemoError> {
    let io = |source| DemoError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut best: Option<(String, PathBuf)> = None;
    for e in std::fs::read_dir(dir).map_err(io)? {
        let e = e.map_err(io)?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(prefix) || !name.ends_with(suffix) {
            continue;
        }
        if let Some(date) = date_in(&name)
            && best.as_ref().is_none_or(|(d, _)| date > d.as_str())
        {
            best = Some((date.to_owned(), e.path()));
        }
    }
    best.map(|(d, p)| (p, d)).ok_or_else(|| DemoError::Missing {
        what: format!("{prefix}<YYYY-MM-DD>{suffix}"),
        dir: dir.to_path_buf(),
    })
}

/// What the list publisher did.
#[derive(Debug, Clone)]
pub struct PublisherSeen {
    /// The SDN list file and its date.
    pub sdn: PathBuf,
    /// Its date.
    pub sdn_date: String,
    /// The address-list folder.
    pub addresses: PathBuf,
    /// Its date.
    pub addresses_date: String,
    /// Listed parties.
    pub parties: usize,
    /// Distinct screening keys.
    pub keys: usize,
    /// Keys from names, identifiers, addresses.
    pub from: [u64; 3],
    /// The signed root (hex).
    pub root: String,
    /// The list id and version the root signs.
    pub list: String,
    /// The publisher's Ed25519 public key (hex).
    pub publisher_key: String,
    /// Seconds to read the lists and build the set.
    pub secs: f64,
}

/// The proving keys used.
#[derive(Debug, Clone)]
pub struct KeysSeen {
    /// The parameters folder, or `None` for dev keys made for the run.
    pub from: Option<PathBuf>,
    /// The manifest's ceremony.
    pub ceremony: String,
    /// Whether they are single-party dev keys (whoever made them could forge proofs).
    pub dev_keys: bool,
    /// Seconds to make or load them.
    pub secs: f64,
}

/// The network as started.
#[derive(Debug, Clone)]
pub struct NetworkSeen {
    /// Each node: name, peer port, the jurisdiction it attests.
    pub nodes: Vec<(String, SocketAddr, String)>,
    /// The verifier's gRPC port.
    pub verifier: SocketAddr,
    /// The regulator's certificate name.
    pub regulator: String,
    /// Alice's officer.
    pub officer: String,
}

/// One transfer as both sides recorded it.
#[derive(Debug, Clone)]
pub struct TransferSeen {
    /// `a`, `b`, `c` or `d`.
    pub label: &'static str,
    /// What it is, in words.
    pub what: String,
    /// Originator and beneficiary VASP.
    pub from: String,
    /// The beneficiary VASP.
    pub to: String,
    /// The transfer (envelope) id.
    pub id: String,
    /// The originator's state after `SendTransfer` (or `ClearTransfer`).
    pub state: String,
    /// The originator's reason, if it stopped the transfer.
    pub reason: String,
    /// The bundle sent (absent if nothing was proven).
    pub bundle: Option<ProofBundle>,
    /// The beneficiary's state.
    pub beneficiary_state: Option<String>,
    /// Whether the beneficiary stored the very bundle that was sent.
    pub same_bundle: bool,
    /// The receipt, checked under the beneficiary's receipt key.
    pub receipt: Option<Receipt>,
    /// Where the bundle and receipt were written.
    pub files: Vec<PathBuf>,
}

/// A transfer held on a name hit, and its clearance.
#[derive(Debug, Clone)]
pub struct ReviewSeen {
    /// The transfer.
    pub id: String,
    /// The slot that hit (`beneficiary_name`).
    pub slot: String,
    /// The SDN entry whose name the beneficiary carries, and that name.
    pub listed: String,
    /// The state it was held in.
    pub held: String,
    /// Whether the originator had proven or sent anything before the clearance.
    pub nothing_sent: bool,
    /// The officer and the basis of the clearance.
    pub officer: String,
    /// The basis (one of zktr-records' clearance bases).
    pub basis: String,
}

/// The verifier's answer for one bundle.
#[derive(Debug, Clone)]
pub struct VerifiedSeen {
    /// The transfer label.
    pub label: &'static str,
    /// Accepted under the policy.
    pub accepted: bool,
    /// `(circuit, ok, problems)` per claim.
    pub claims: Vec<(String, bool, Vec<String>)>,
    /// Bundle-level problems.
    pub problems: Vec<String>,
    /// The threshold statement, in words, and the jurisdictions it satisfies.
    pub threshold: String,
    /// Parties cleared by an officer instead of a proof.
    pub cleared: Vec<String>,
    /// Checked with single-party dev keys.
    pub dev_keys: bool,
}

/// A slot disclosed to the regulator.
#[derive(Debug, Clone)]
pub struct DisclosedSeen {
    /// The transfer.
    pub id: String,
    /// `C` (hex).
    pub commitment: String,
    /// The slot, its value and whether it opens `C`.
    pub slot: String,
    /// Its value.
    pub value: String,
    /// `Ok` if the opening verifies against `C`.
    pub opens: Result<(), String>,
}

/// The regulator's audit.
#[derive(Debug, Clone)]
pub struct AuditSeen {
    /// The node audited.
    pub node: String,
    /// The summary.
    pub summary: audit::Summary,
    /// Whether the node's audit log of regulator requests checks.
    pub audit_log: Option<String>,
    /// `report.json`.
    pub json: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
}

/// What happened, in order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// The list publisher signed the set.
    Publisher(PublisherSeen),
    /// The proving keys.
    Keys(KeysSeen),
    /// The nodes, the verifier and the regulator are up.
    Network(NetworkSeen),
    /// A transfer ended (delivered or refused).
    Transfer(Box<TransferSeen>),
    /// A transfer was held on a name hit and cleared by an officer.
    Review(ReviewSeen),
    /// The verifier's answers.
    Verified(Vec<VerifiedSeen>),
    /// A slot disclosed to the regulator.
    Disclosed(DisclosedSeen),
    /// The regulator's audit.
    Audited(AuditSeen),
    /// The files kept in the output folder.
    Written(Vec<PathBuf>),
}

/// The demo's outcome.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The output folder.
    pub out: PathBuf,
    /// The audit's page.
    pub report_html: PathBuf,
    /// Whether it ran on single-party dev keys.
    pub dev_keys: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// The regulator's audit and the verifier, and the keys a reader needs, come from here.
struct World {
    out: PathBuf,
    net: LocalNet,
    alice_cfg: PathBuf,
    bob_cfg: PathBuf,
    policy_path: PathBuf,
    params_out: PathBuf,
    dev_keys: bool,
}

/// Waits, on a thread of its own, for SIGINT or SIGTERM; then removes `dir` and exits
/// with 130 (128 + SIGINT), so an interrupted demo leaves no private keys behind.
fn remove_on_interrupt(dir: PathBuf) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("demo-interrupt".into())
        .spawn(move || {
            runtime.block_on(async {
                let interrupted = crate::server::termination();
                tokio::pin!(interrupted);
                // Poll once so that the handlers are registered before the run goes on.
                let _ = futures_util::FutureExt::now_or_never(interrupted.as_mut());
                let _ = ready_tx.send(());
                interrupted.await;
            });
            let _ = std::fs::remove_dir_all(&dir);
            std::process::exit(130);
        })?;
    let _ = ready_rx.recv_timeout(Duration::from_secs(5));
    Ok(())
}

/// Runs the demo (see the module docs), reporting each step to `on`.
pub fn run(opts: &DemoOptions, on: &mut dyn FnMut(&Event)) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    let t0 = now();
    crate::tls::install_crypto_provider();
    std::fs::create_dir_all(&opts.out).map_err(|source| DemoError::Read {
        path: opts.out.clone(),
        source,
    })?;
    let out = std::fs::canonicalize(&opts.out).map_err(|source| DemoError::Read {
        path: opts.out.clone(),
        source,
    })?;
    let tmp = tempfile::tempdir().map_err(at("a temporary folder"))?;
    if opts.remove_on_interrupt {
        remove_on_interrupt(tmp.path().to_path_buf()).map_err(at("the interrupt handler"))?;
    }
    let root = tmp.path();
    let mut written = Vec::new();

    // 1. The list publisher.
    let t = Instant::now();
    let ofac = opts.data.join("sanctions/ofac");
    let (sdn_path, sdn_date) = newest(&ofac, "sdn_advanced_", ".xml.bz2")?;
    let sdn = zktr_sanctions::ofac_advanced::read_ofac_advanced_file(&sdn_path, &mut |_, _| {})
        .map_err(at("reading the SDN list"))?;
    let (addr_dir, addr_date) = newest(&ofac, "address-lists-", "")?;
    let addr_list = zktr_sanctions::address_list::read_address_dir(&addr_dir, &addr_date)
        .map_err(at("reading the address lists"))?;
    let listed_person = sdn
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::Individual)
        .find_map(|p| {
            let name = p.names.iter().find(|n| n.primary && !n.low_quality)?;
            let full = name.full();
            (full.split_whitespace().count() >= 2).then(|| (p.id.clone(), full))
        })
        .ok_or_else(|| DemoError::Unexpected("the SDN list has no individual".into()))?;
    let listed_address = read(&addr_dir.join("sanctioned_addresses_XBT.txt"))?
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
        .ok_or_else(|| DemoError::Missing {
            what: "address in sanctioned_addresses_XBT.txt".into(),
            dir: addr_dir.clone(),
        })?;
    let publisher = SigningKey::from_bytes(&zktr_trisa::crypto::random_bytes());
    let set = SanctionsSet::build(
        &[sdn, addr_list],
        &BuildOptions {
            key: &publisher,
            published_at: now(),
        },
    )
    .map_err(at("building the sanctions set"))?;
    let set_path = root.join("sdn.zkts");
    set.save(&set_path)
        .map_err(at("saving the sanctions set"))?;
    let signed = set.signed_root().record.clone();
    let publisher_key = hex::encode(publisher.verifying_key().to_bytes());
    written.push(write(
        &out.join("keys/publisher.pub"),
        format!("{publisher_key}\n").as_bytes(),
    )?);
    let stats = set.stats();
    on(&Event::Publisher(PublisherSeen {
        sdn: sdn_path,
        sdn_date,
        addresses: addr_dir,
        addresses_date: addr_date,
        parties: set.parties().len(),
        keys: set.keys().len(),
        from: [stats.names, stats.identifiers, stats.addresses],
        root: fr_to_hex(&set.root().0),
        list: format!("{} version {}", signed.list_id, signed.version),
        publisher_key,
        secs: t.elapsed().as_secs_f64(),
    }));

    // 2. The proving keys; their verifying halves go to `out/params`.
    let t = Instant::now();
    let (keys, params, ceremony, transcript) = match &opts.params {
        Some(dir) => {
            let manifest = zktr_records::Manifest::load(dir).map_err(at("the params manifest"))?;
            let keys = ProvingKeys::load(dir).map_err(at("loading the proving keys"))?;
            (keys, dir.clone(), manifest.ceremony, manifest.transcript)
        }
        None => {
            let mut rng = zktr_prover::os_rng().map_err(at("OS randomness"))?;
            let keys =
                ProvingKeys::generate(&CircuitId::ALL, &mut rng).map_err(at("making dev keys"))?;
            let dir = root.join("params");
            keys.save(&dir, now()).map_err(at("saving the dev keys"))?;
            (keys, dir, SINGLE_PARTY_DEV.to_string(), None)
        }
    };
    let dev_keys = ceremony == SINGLE_PARTY_DEV;
    let params_out = out.join("params");
    keys.save_verifying_keys(&params_out, now(), &ceremony, transcript)
        .map_err(at("writing the verifying keys"))?;
    drop(keys);
    written.push(params_out.clone());
    on(&Event::Keys(KeysSeen {
        from: opts.params.clone(),
        ceremony: ceremony.clone(),
        dev_keys,
        secs: t.elapsed().as_secs_f64(),
    }));

    // 3. The network: CA, two nodes, the officer, the policy, the verifier, the regulator.
    let net = LocalNet::new(root, "zktr demo network CA", 2)?;
    let alice_cfg = net.node(ALICE)?.config;
    let bob_cfg = net.node(BOB)?.config;
    written.push(write(
        &out.join("keys/ca.pem"),
        read(&net.ca_cert())?.as_bytes(),
    )?);
    for (name, cfg) in [(ALICE, &alice_cfg), (BOB, &bob_cfg)] {
        for which in ["log", "receipt"] {
            let key = localnet::public_key(cfg, which)?;
            written.push(write(
                &out.join(format!("keys/{name}.{which}.pub")),
                format!("{key}\n").as_bytes(),
            )?);
        }
    }
    let officer_path = root.join("officer.key");
    let officer_pub =
        crate::init::write_ed25519_key(&officer_path).map_err(at("the officer's key"))?;
    let officer = crate::attest::read_seed(&officer_path).map_err(at("the officer's key"))?;
    written.push(write(
        &out.join(format!("keys/{OFFICER}.pub")),
        format!("{officer_pub}\n").as_bytes(),
    )?);
    // The price publisher: one quote per asset, valid for the hour around now. The nodes
    // commit the fiat value the quote gives (threshold/v2); the policy refuses unpriced
    // thresholds.
    let price_key_path = root.join("price-publisher.key");
    let price_pub =
        crate::init::write_ed25519_key(&price_key_path).map_err(at("the price publisher's key"))?;
    let price_key =
        crate::attest::read_seed(&price_key_path).map_err(at("the price publisher's key"))?;
    written.push(write(
        &out.join("keys/price-publisher.pub"),
        format!("{price_pub}\n").as_bytes(),
    )?);
    let issued = now();
    let mut quote_paths = Vec::new();
    for (asset, label, num, den) in DEMO_PRICES {
        let quote = zktr_records::PriceQuote {
            asset_id: zktr_circuits::field::Word248::new(zktr_circuits::field::fr_from_u64(asset))
                .map_err(at("an asset id"))?,
            currency: 840,
            asset: label.into(),
            price_num: num,
            price_den: den,
            valid_from: issued.saturating_sub(60),
            valid_until: issued.saturating_sub(60) + QUOTE_SECONDS - 1,
            published_at: issued,
            publisher_key_id: zktr_records::publisher_key_id(&price_key.verifying_key()),
        };
        let signed = zktr_records::SignedPriceQuote::sign(quote, &price_key)
            .map_err(at("signing a price quote"))?;
        let path = write(
            &out.join(format!("prices/{label}-USD.json")),
            (signed.to_json() + "\n").as_bytes(),
        )?;
        written.push(path.clone());
        quote_paths.push(path);
    }
    let mut policy = localnet::trusting_policy(
        &publisher,
        &signed.list_id,
        Some(1_000),
        &[
            (ALICE.into(), localnet::public_key(&alice_cfg, "log")?),
            (BOB.into(), localnet::public_key(&bob_cfg, "log")?),
        ],
        dev_keys,
    )?;
    policy.name = if dev_keys {
        "zktr demo policy: ALLOWS single-party dev keys (demo only, never production)".into()
    } else {
        "zktr demo policy".into()
    };
    policy.price_publishers = vec![TrustedPricePublisher {
        name: "demo price publisher".into(),
        public_key: price_pub.clone(),
        assets: DEMO_PRICES.iter().map(|p| p.0.to_string()).collect(),
        max_window_seconds: QUOTE_SECONDS,
        max_age_seconds: QUOTE_SECONDS,
    }];
    policy.allow_unpriced_threshold = false;
    policy.clearance_officers = vec![TrustedOfficer {
        vasp: ALICE.into(),
        officer: OFFICER.into(),
        public_key: officer_pub.clone(),
        max_age_seconds: Some(86_400),
    }];
    let policy_path = write(
        &out.join("policy.json"),
        (serde_json::to_string_pretty(&policy).map_err(at("the policy"))? + "\n").as_bytes(),
    )?;
    written.push(policy_path.clone());
    let world = World {
        out: out.clone(),
        net,
        alice_cfg,
        bob_cfg,
        policy_path,
        params_out,
        dev_keys,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(at("the runtime"))?;
    let node_config = |cfg: &Path, jurisdiction: &str, officers: Vec<OfficerEntry>| {
        let mut c = NodeConfig::load(cfg).map_err(LocalNetError::from)?;
        c.service.incoming = IncomingDecision::Accept;
        let mut attest =
            localnet::attest_config(cfg, &params, &world.policy_path, &set_path, jurisdiction);
        attest.officers = officers;
        attest.price_quotes = quote_paths.clone();
        c.attest = Some(attest);
        c.regulator = Some(RegulatorConfig {
            names: vec![REGULATOR.into()],
            disclosable: None,
            audit_key: None,
        });
        Ok::<_, DemoError>(c)
    };
    let alice_conf = node_config(
        &world.alice_cfg,
        "FATF",
        vec![OfficerEntry {
            name: OFFICER.into(),
            public_key: officer_pub,
        }],
    )?;
    let bob_conf = node_config(&world.bob_cfg, "US", vec![])?;
    let alice = runtime
        .block_on(crate::start(alice_conf.clone()))
        .map_err(at("starting alice.demo"))?;
    let bob = runtime
        .block_on(crate::start(bob_conf.clone()))
        .map_err(at("starting bob.demo"))?;
    let verifier_cert = world.net.issue(VERIFIER, Usage::Server)?;
    let regulator_cert = world.net.issue(REGULATOR, Usage::Client)?;
    let verifier = runtime
        .block_on(crate::verifier_service::start(world.verifier_config(
            &verifier_cert.cert,
            &verifier_cert.key,
            root,
        )))
        .map_err(at("starting the verifier"))?;

    let outcome = (|| {
        localnet::write_peers(&alice_conf, &[(BOB, &world.bob_cfg, &bob)])?;
        localnet::write_peers(&bob_conf, &[(ALICE, &world.alice_cfg, &alice)])?;
        on(&Event::Network(NetworkSeen {
            nodes: vec![
                (ALICE.into(), alice.peer_addr, "FATF".into()),
                (BOB.into(), bob.peer_addr, "US".into()),
            ],
            verifier: verifier.grpc_addr,
            regulator: REGULATOR.into(),
            officer: OFFICER.into(),
        }));
        let mut a_bo = localnet::backoffice(&alice_conf, &alice)?;
        let mut b_bo = localnet::backoffice(&bob_conf, &bob)?;
        let payload =
            zktr_trisa::json::payload_from_json(&read(&opts.data.join("trisa/payload.json"))?)
                .map_err(at("TRISA's example payload"))?;
        let example_tx = zktr_trisa::payload::transaction(&payload)
            .map_err(at("TRISA's example payload"))?
            .transaction()
            .ok_or_else(|| DemoError::Unexpected("the example payload has no transaction".into()))?
            .clone();
        let identity = read(&opts.data.join("ivms101/trisa/identity_payload.json"))?;
        let customer = |address: &str| admin::CustomerAddress {
            address: address.into(),
            network: String::new(),
            customer: String::new(),
        };
        for address in [example_tx.beneficiary.as_str(), BOB_ETH] {
            b_bo.add_address(customer(address))
                .map_err(at("registering a customer address"))?;
        }
        a_bo.add_address(customer(ALICE_ETH))
            .map_err(at("registering a customer address"))?;

        let mut delivered = Vec::new();
        // (a) TRISA's example, below FATF's USD 1,000.
        let a = world.transfer(
            &mut a_bo,
            &mut b_bo,
            ("a", ALICE, BOB),
            "TRISA's example: 0.00206412 BTC, USD 77.86 (below FATF's USD 1,000)".into(),
            admin::SendTransferRequest {
                peer: BOB.into(),
                identity_json: identity.clone(),
                transaction: Some(example_tx.clone()),
                fiat_value: 7_786,
                fiat_currency: 840,
                asset_id: BTC,
                asset_amount: "206412".into(),
                ..Default::default()
            },
        )?;
        on(&Event::Transfer(Box::new(a.clone())));
        expect_delivered(&a)?;
        delivered.push((a.clone(), onchain(BTC, "206412", &example_tx.beneficiary)));

        // (b) Bob, a US VASP, above the US USD 3,000.
        let tx_b = eth_tx(ALICE_ETH, 2.5);
        let b = world.transfer(
            &mut b_bo,
            &mut a_bo,
            ("b", BOB, ALICE),
            "2.5 ETH, USD 5,000.00 (at or above the US USD 3,000)".into(),
            admin::SendTransferRequest {
                peer: ALICE.into(),
                identity_json: identity.clone(),
                transaction: Some(tx_b),
                fiat_value: 500_000,
                fiat_currency: 840,
                asset_id: ETH,
                asset_amount: "2500000000000000000".into(),
                ..Default::default()
            },
        )?;
        on(&Event::Transfer(Box::new(b.clone())));
        expect_delivered(&b)?;
        delivered.push((b, onchain(ETH, "2500000000000000000", ALICE_ETH)));

        // (c) To an address on OFAC's list: refused before any proof.
        let mut tx_c = example_tx.clone();
        tx_c.beneficiary = listed_address.clone();
        let c = world.transfer(
            &mut a_bo,
            &mut b_bo,
            ("c", ALICE, BOB),
            format!("0.00206412 BTC to {listed_address}, an address on OFAC's SDN list"),
            admin::SendTransferRequest {
                peer: BOB.into(),
                identity_json: identity.clone(),
                transaction: Some(tx_c),
                fiat_value: 7_786,
                fiat_currency: 840,
                asset_id: BTC,
                asset_amount: "206412".into(),
                ..Default::default()
            },
        )?;
        on(&Event::Transfer(Box::new(c.clone())));
        if c.state != "REJECTED" || c.bundle.is_some() {
            return Err(DemoError::Unexpected(format!(
                "the transfer to a listed address ended {}, not REJECTED before any proof",
                c.state
            )));
        }

        // (d) To a person named like an SDN entry: REVIEW, an officer's clearance, sent.
        let (d, review) = world.reviewed_transfer(
            &mut a_bo,
            &mut b_bo,
            &officer,
            &listed_person,
            admin::SendTransferRequest {
                peer: BOB.into(),
                identity_json: with_beneficiary_name(&identity, &listed_person.1)?,
                transaction: Some(eth_tx(BOB_ETH, 0.125)),
                fiat_value: 25_000,
                fiat_currency: 840,
                asset_id: ETH,
                asset_amount: "125000000000000000".into(),
                ..Default::default()
            },
        )?;
        on(&Event::Review(review));
        on(&Event::Transfer(Box::new(d.clone())));
        expect_delivered(&d)?;
        delivered.push((d, onchain(ETH, "125000000000000000", BOB_ETH)));
        // Close the back-office connections: a node's shutdown waits for them.
        drop(a_bo);
        drop(b_bo);

        // The verifier, over gRPC, one stream.
        let verified = runtime.block_on(world.verify(verifier.grpc_addr, &delivered))?;
        on(&Event::Verified(verified));

        // The regulator: one slot disclosed, then the audit of alice.
        let identity = || {
            Identity::load(&regulator_cert.cert, &regulator_cert.key)
                .map_err(at("the regulator's certificate"))
        };
        let disclosed = runtime.block_on(world.disclose(identity()?, alice.peer_addr, &a.id))?;
        written.push(write(
            &world.out.join("disclosed-slot.json"),
            (disclosed.1 + "\n").as_bytes(),
        )?);
        on(&Event::Disclosed(disclosed.0));
        let audited = runtime.block_on(world.audit(identity()?, alice.peer_addr, t0))?;
        written.push(audited.json.clone());
        written.push(audited.html.clone());
        let html = audited.html.clone();
        on(&Event::Audited(audited));
        Ok::<_, DemoError>(html)
    })();
    runtime.block_on(async {
        let _ = verifier.shutdown().await;
        let _ = alice.shutdown().await;
        let _ = bob.shutdown().await;
    });
    let report_html = outcome?;
    for t in ["a", "b", "d"] {
        written.push(out.join(format!("bundles/{t}.json")));
        written.push(out.join(format!("receipts/{t}.json")));
    }
    written.sort();
    on(&Event::Written(written));
    Ok(DemoReport {
        out,
        report_html,
        dev_keys: world.dev_keys,
        elapsed: started.elapsed(),
    })
}

/// An ETH transaction from [`SENDER_ETH`] to `to`.
fn eth_tx(to: &str, amount: f64) -> zktr_trisa::Transaction {
    zktr_trisa::Transaction {
        beneficiary: to.into(),
        originator: SENDER_ETH.into(),
        amount,
        network: "ETH".into(),
        asset_type: "ETH".into(),
        ..Default::default()
    }
}

/// What arrived on chain, as the verifier's request states it.
fn onchain(asset: u64, amount: &str, to: &str) -> vwire::OnChainTransfer {
    let mut asset_id = vec![0u8; 24];
    asset_id.extend_from_slice(&asset.to_be_bytes());
    vwire::OnChainTransfer {
        asset_id,
        asset_amount: amount.into(),
        beneficiary_address: to.into(),
        beneficiary_address_key: vec![],
    }
}

/// The IVMS101 identity (its JSON) with the beneficiary's legal name replaced by `name`.
fn with_beneficiary_name(identity_json: &str, name: &str) -> Result<String, DemoError> {
    let mut v: serde_json::Value =
        serde_json::from_str(identity_json).map_err(at("the IVMS101 identity"))?;
    let ids = v
        .pointer_mut("/beneficiary/beneficiaryPersons/0/naturalPerson/name/nameIdentifier")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| DemoError::Unexpected("the identity has no beneficiary name".into()))?;
    // Screening keys sort the tokens: any split of the name gives the listed key.
    let (first, rest) = name.split_once(' ').unwrap_or(("", name));
    *ids = vec![serde_json::json!({
        "primaryIdentifier": rest,
        "secondaryIdentifier": first,
        "nameIdentifierType": "LEGL",
    })];
    Ok(v.to_string())
}

/// A transfer that must have been delivered, with a bundle and a receipt.
fn expect_delivered(t: &TransferSeen) -> Result<(), DemoError> {
    if t.bundle.is_some() && t.receipt.is_some() && t.same_bundle {
        return Ok(());
    }
    Err(DemoError::Unexpected(format!(
        "transfer ({}) ended {}: {}",
        t.label, t.state, t.reason
    )))
}

fn delivered_state(state: &str) -> bool {
    state == "PENDING" || state == "ACCEPTED"
}

impl World {
    fn verifier_config(&self, cert: &Path, key: &Path, root: &Path) -> VerifierConfig {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        VerifierConfig {
            listen: VerifierListen {
                grpc: any,
                http: any,
            },
            tls: VerifierTls {
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
                client_auth: crate::tls::ClientAuth::Optional,
                ca: vec![self.net.ca_cert()],
                crl: vec![],
            },
            verify: VerifierPolicy {
                policy: self.policy_path.clone(),
                params: self.params_out.clone(),
                jurisdictions: JURISDICTIONS.iter().map(|j| j.to_string()).collect(),
                allow_as_of: true,
            },
            service: VerifierService::default(),
            path: root.join("verifier.toml"),
        }
    }

    /// Sends one transfer from `from`'s back office and reads both sides' records.
    fn transfer(
        &self,
        from: &mut crate::backoffice::BackOffice,
        to: &mut crate::backoffice::BackOffice,
        (label, from_name, to_name): (&'static str, &str, &str),
        what: String,
        req: admin::SendTransferRequest,
    ) -> Result<TransferSeen, DemoError> {
        let sent = from.send(req).map_err(at("SendTransfer"))?;
        self.seen(from, to, (label, from_name, to_name), what, sent)
    }

    /// Both sides' records of a transfer whose last answer was `last`; the bundle and
    /// receipt are written to `out/bundles` and `out/receipts`.
    fn seen(
        &self,
        from: &mut crate::backoffice::BackOffice,
        to: &mut crate::backoffice::BackOffice,
        (label, from_name, to_name): (&'static str, &str, &str),
        what: String,
        last: admin::TransferSummary,
    ) -> Result<TransferSeen, DemoError> {
        let mut seen = TransferSeen {
            label,
            what,
            from: from_name.into(),
            to: to_name.into(),
            id: last.id.clone(),
            state: last.state.clone(),
            reason: last.last_error.clone(),
            bundle: None,
            beneficiary_state: None,
            same_bundle: false,
            receipt: None,
            files: vec![],
        };
        if !delivered_state(&last.state) {
            return Ok(seen);
        }
        let mine = from.show(&last.id, false).map_err(at("ShowTransfer"))?;
        let bundle =
            ProofBundle::from_json(&mine.bundle_json).map_err(at("the originator's bundle"))?;
        let receipt =
            Receipt::from_json(&mine.receipt_json).map_err(at("the beneficiary's receipt"))?;
        let to_cfg = if to_name == ALICE {
            &self.alice_cfg
        } else {
            &self.bob_cfg
        };
        let key = localnet::public_key(to_cfg, "receipt")?;
        let key = hex_key(&key)?;
        receipt
            .verify(&key)
            .map_err(at("the receipt's signature"))?;
        if receipt.commitment != bundle.commitment || receipt.envelope_id != last.id {
            return Err(DemoError::Unexpected(format!(
                "the receipt of {} is for another transfer",
                last.id
            )));
        }
        let theirs = to.show(&last.id, false).map_err(at("ShowTransfer"))?;
        seen.beneficiary_state = theirs.summary.map(|s| s.state);
        seen.same_bundle = theirs.bundle_json == mine.bundle_json;
        seen.files.push(write(
            &self.out.join(format!("bundles/{label}.json")),
            bundle.to_json().as_bytes(),
        )?);
        seen.files.push(write(
            &self.out.join(format!("receipts/{label}.json")),
            (receipt.to_json() + "\n").as_bytes(),
        )?);
        seen.bundle = Some(bundle);
        seen.receipt = Some(receipt);
        Ok(seen)
    }

    /// (d): sent, held on the name hit, cleared by the officer, delivered.
    fn reviewed_transfer(
        &self,
        from: &mut crate::backoffice::BackOffice,
        to: &mut crate::backoffice::BackOffice,
        officer: &SigningKey,
        (listed_id, listed_name): &(String, String),
        req: admin::SendTransferRequest,
    ) -> Result<(TransferSeen, ReviewSeen), DemoError> {
        let held = from.send(req).map_err(at("SendTransfer"))?;
        if held.state != "REVIEW" {
            return Err(DemoError::Unexpected(format!(
                "a beneficiary named like SDN entry {listed_id} was not held for review (state {}: {})",
                held.state, held.last_error
            )));
        }
        let shown = from.show(&held.id, false).map_err(at("ShowTransfer"))?;
        let hit =
            ScreeningHit::from_json(&shown.screening_hit_json).map_err(at("the screening hit"))?;
        let basis = "different-date-of-birth";
        let clearance = Clearance::sign(&hit, OFFICER, basis, now(), officer)
            .map_err(at("signing the clearance"))?;
        let cleared = from
            .clear(&held.id, &clearance.to_json())
            .map_err(at("ClearTransfer"))?;
        let review = ReviewSeen {
            id: held.id.clone(),
            slot: hit.slot.as_str().to_string(),
            listed: format!("{listed_id} ({listed_name})"),
            held: held.state.clone(),
            nothing_sent: shown.bundle_json.is_empty(),
            officer: OFFICER.into(),
            basis: basis.into(),
        };
        let seen = self.seen(
            from,
            to,
            ("d", ALICE, BOB),
            format!(
                "0.125 ETH, USD 250.00, to a person named like SDN entry {listed_id}: cleared by {OFFICER}"
            ),
            cleared,
        )?;
        Ok((seen, review))
    }

    /// The delivered bundles through the verifier, one stream.
    async fn verify(
        &self,
        addr: SocketAddr,
        delivered: &[(TransferSeen, vwire::OnChainTransfer)],
    ) -> Result<Vec<VerifiedSeen>, DemoError> {
        let mut client = crate::verifier_service::client(
            &addr.to_string(),
            "localhost",
            &[self.net.ca_cert()],
            None,
            1 << 20,
            Duration::from_secs(60),
        )
        .map_err(at("the verifier's client"))?;
        let mut requests = Vec::new();
        for (t, chain) in delivered {
            let bundle = t.bundle.as_ref().ok_or_else(|| {
                DemoError::Unexpected(format!("transfer ({}) has no bundle", t.label))
            })?;
            requests.push(vwire::VerifyRequest {
                bundle: Some(bundle.to_message()),
                jurisdictions: JURISDICTIONS.iter().map(|j| j.to_string()).collect(),
                transfer: Some(chain.clone()),
                request_id: t.label.into(),
                ..Default::default()
            });
        }
        let mut stream = client
            .verify_stream(tokio_stream::iter(requests))
            .await
            .map_err(at("VerifyStream"))?
            .into_inner();
        let mut seen = Vec::new();
        while let Some(r) = stream.message().await.map_err(at("VerifyStream"))? {
            let label = delivered
                .iter()
                .map(|(t, _)| t.label)
                .find(|l| *l == r.request_id)
                .unwrap_or("?");
            let problems = |ps: &[vwire::Problem]| ps.iter().map(|p| p.message.clone()).collect();
            let proven = r.proven.unwrap_or_default();
            let threshold = proven
                .threshold
                .map(|t| {
                    let priced = match &t.price {
                        Some(p) => format!(
                            ", priced by {}'s {} quote ({}/{} minor units per base unit)",
                            p.publisher, p.asset, p.price_num, p.price_den
                        ),
                        None => ", UNPRICED (the fiat value is the prover's word)".into(),
                    };
                    format!(
                        "value {} {} (currency {}), satisfies {}{priced}",
                        t.direction.replace('_', " "),
                        money(t.threshold),
                        t.currency,
                        t.satisfies.join(" and ")
                    )
                })
                .unwrap_or_default();
            seen.push(VerifiedSeen {
                label,
                accepted: r.accepted,
                claims: r
                    .claims
                    .iter()
                    .map(|c| (c.circuit.clone(), c.ok, problems(&c.problems)))
                    .collect(),
                problems: problems(&r.problems),
                threshold,
                cleared: proven
                    .cleared
                    .iter()
                    .map(|c| {
                        format!(
                            "{} cleared by {} of {} ({})",
                            c.party, c.officer, c.vasp, c.basis
                        )
                    })
                    .collect(),
                dev_keys: r.dev_keys,
            });
        }
        Ok(seen)
    }

    /// The regulator has the `fiat_value` slot of transfer `id` disclosed and checks it.
    async fn disclose(
        &self,
        identity: Identity,
        node: SocketAddr,
        id: &str,
    ) -> Result<(DisclosedSeen, String), DemoError> {
        let regulator = audit::Regulator::new(
            identity,
            vec![self.net.ca_cert()],
            &node.to_string(),
            ALICE,
            Duration::from_secs(30),
        );
        let d = regulator
            .disclose(
                id,
                &["fiat_value"],
                "demo: spot check of the declared value",
            )
            .await
            .map_err(at("Disclose"))?;
        let opened = audit::check_disclosure(&d).map_err(at("the disclosure"))?;
        let slot = opened
            .into_iter()
            .next()
            .ok_or_else(|| DemoError::Unexpected("an empty disclosure".into()))?;
        let (c, openings) = audit::disclosure_openings(&d)
            .ok_or_else(|| DemoError::Unexpected("a malformed disclosure".into()))?;
        let json = serde_json::json!({
            "transfer": id,
            "commitment": fr_to_hex(&c.0),
            "openings": openings.iter().map(|o| serde_json::json!({
                "slot": o.slot.index(),
                "name": o.slot.name(),
                "value": fr_to_hex(&o.value),
                "salt": fr_to_hex(&o.salt),
                "path": o.path.iter().map(fr_to_hex).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        let seen = DisclosedSeen {
            id: id.into(),
            commitment: fr_to_hex(&c.0),
            slot: slot.name,
            value: slot.value,
            opens: slot.result,
        };
        let json = serde_json::to_string_pretty(&json).map_err(at("the disclosure"))?;
        Ok((seen, json))
    }

    /// The regulator's audit of the node at `node` since `from`; the report is written to
    /// the output folder.
    async fn audit(
        &self,
        identity: Identity,
        node: SocketAddr,
        from: u64,
    ) -> Result<AuditSeen, DemoError> {
        let mut receipt_keys = BTreeMap::new();
        for (name, cfg) in [(ALICE, &self.alice_cfg), (BOB, &self.bob_cfg)] {
            receipt_keys.insert(
                name.to_string(),
                hex_key(&localnet::public_key(cfg, "receipt")?)?,
            );
        }
        let policy = Policy::load(&self.policy_path).map_err(at("the policy"))?;
        let keys = VerifyingKeys::load(&self.params_out).map_err(at("the verifying keys"))?;
        let req = AuditRequest {
            endpoint: node.to_string(),
            server_name: ALICE.into(),
            identity,
            ca: vec![self.net.ca_cert()],
            from: from.saturating_sub(60),
            to: now() + 60,
            policy: Arc::new(policy),
            keys: Arc::new(keys),
            jurisdictions: JURISDICTIONS.iter().map(|j| j.to_string()).collect(),
            receipt_keys,
            audit_key: Some(localnet::signing_key(&self.alice_cfg, "log")?.verifying_key()),
            now: now(),
            timeout: Duration::from_secs(60),
        };
        let report = audit::audit(&req, &NoProgress)
            .await
            .map_err(at("the regulator's audit"))?;
        let (json, html) =
            crate::report::write(&report, &self.out).map_err(at("writing the report"))?;
        Ok(AuditSeen {
            node: report.node.clone(),
            audit_log: report.audit_log.as_ref().map(|a| {
                format!(
                    "{} requests, {}",
                    a.size,
                    if a.check.status == audit::CheckStatus::Ok {
                        "hash-linked, head signed: ok".to_string()
                    } else {
                        format!("FAILED: {}", a.check.reason)
                    }
                )
            }),
            summary: report.summary,
            json,
            html,
        })
    }
}

/// An Ed25519 public key from 64 hex digits.
fn hex_key(hex_text: &str) -> Result<VerifyingKey, DemoError> {
    crate::attest::parse_public_key(hex_text)
        .ok_or_else(|| DemoError::Unexpected("a public key that is not 64 hex digits".into()))
}

/// Minor units as `1,000.00`.
pub fn money(minor: u64) -> String {
    let units = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02}", minor % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(7_786), "77.86");
        assert_eq!(money(300_000), "3,000.00");
        assert_eq!(money(123_456_789), "1,234,567.89");
    }

    #[test]
    fn the_newest_dated_entry_is_chosen() {
        let d = tempfile::tempdir().unwrap();
        for n in [
            "list-2024-01-02.x",
            "list-2025-11-19.x",
            "list-2025-01-01.y",
        ] {
            std::fs::write(d.path().join(n), "").unwrap();
        }
        let (p, date) = newest(d.path(), "list-", ".x").unwrap();
        assert_eq!(date, "2025-11-19");
        assert!(p.ends_with("list-2025-11-19.x"));
        assert!(matches!(
            newest(d.path(), "none-", ""),
            Err(DemoError::Missing { .. })
        ));
    }

    #[test]
    fn the_beneficiary_name_is_replaced() {
        let json = r#"{"beneficiary":{"beneficiaryPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"Clark","secondaryIdentifier":"Lawrence","nameIdentifierType":"LEGL"}]}}}]}}"#;
        let out = with_beneficiary_name(json, "ZED A LISTED").unwrap();
        assert!(out.contains("\"primaryIdentifier\":\"A LISTED\""), "{out}");
        assert!(out.contains("\"secondaryIdentifier\":\"ZED\""), "{out}");
        assert!(!out.contains("Clark"));
    }
}
