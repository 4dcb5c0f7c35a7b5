//! Subcommands of the `zktr` binary. Each subcommand lives in its own module.

mod bench;
mod bundle;
mod ceremony;
mod certs;
mod circuits;
mod demo;
mod envelope;
mod fetch;
pub mod io;
mod ivms101;
mod node;
mod price;
mod receipt;
mod regulator;
mod sanctions;
mod setup;
mod transfer;
mod verifier;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// zktr: zero-knowledge Travel Rule attestations.
#[derive(Debug, Parser)]
#[command(name = "zktr", version, about, long_about = None)]
pub struct Cli {
    /// How log lines are written to stderr: `text` for people, `json` (one JSON object
    /// per line: timestamp, level, target, message, fields) for log collectors. Logs never
    /// carry personal data, keys or salts, in either format.
    #[arg(long, global = true, env = "ZKTR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// The format of log lines (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one Travel Rule transfer end to end on real data (sanctions set, commitment,
    /// proofs, TRISA envelope, verification, refusal of a listed party).
    Demo(demo::DemoArgs),
    /// Print the constraint table of every circuit.
    Circuits,
    /// Generate Groth16 keys for every circuit and params/manifest.json (single-party dev setup).
    Setup(setup::SetupArgs),
    /// Build the prover's fixed-base tables for the keys in a parameters directory and
    /// record them in its manifest (about 300 MiB, loaded with the keys; proving is
    /// faster, most when many transfers are proven at once: see docs/performance.md).
    Tables(setup::TablesArgs),
    /// The multi-party setup ceremony: `phase1 ...`, `init`, `contribute`, `beacon`,
    /// `verify`, `finalize` (keys no single party can forge with).
    #[command(subcommand)]
    Ceremony(ceremony::CeremonyCommand),
    /// Measure proving and verification speed on this machine.
    Bench(bench::BenchArgs),
    /// Export one claim of a bundle as snarkjs files (proof.json, public.json, verification_key.json).
    Snarkjs(setup::SnarkjsArgs),
    /// Hash numbers with circomlib's Poseidon (decimal or 0x-hex inputs, 1 to 12).
    Poseidon(circuits::PoseidonArgs),
    /// IVMS101 identity data: `validate FILE...` (exit 1 if any file breaks a constraint).
    #[command(subcommand)]
    Ivms101(ivms101::Ivms101Command),
    /// TRISA secure envelopes: `open --key KEY.pem FILE`, `seal --to PUBKEY.pem --payload FILE`.
    #[command(subcommand)]
    Envelope(envelope::EnvelopeCommand),
    /// Proof bundles: `verify --policy FILE --params DIR BUNDLE...` (exit 0 only if all pass).
    #[command(subcommand)]
    Bundle(bundle::BundleCommand),
    /// Sanctions sets: build from OFAC/UN lists, check, diff, verify, publisher keys.
    #[command(subcommand)]
    Sanctions(sanctions::SanctionsCommand),
    /// Price quotes: `keygen` a publisher key, sign a `quote` (an asset's fiat price for a
    /// window), `show` one and verify its publisher's signature.
    #[command(subcommand)]
    Price(price::PriceCommand),
    /// Run a node (`--config node.toml`) or write one for a dev network (`node init`).
    Node(node::NodeArgs),
    /// A dev network's certificate authority: `init`, `issue`, `revoke`.
    #[command(subcommand)]
    Certs(certs::CertsCommand),
    /// The back office: send, list, show, accept, reject, repair, complete, watch transfers.
    #[command(subcommand)]
    Transfer(transfer::TransferCommand),
    /// Our customers' addresses on a node: add, remove, list.
    #[command(subcommand)]
    Address(transfer::AddressCommand),
    /// A beneficiary's receipt of an attested transfer: `verify RECEIPT --key HEX`.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// A node's commitment log: `sth`, `inclusion`, `consistency`, each verified.
    Log(receipt::LogArgs),
    /// Another node: `discover` asks whether it speaks zktr and prints its peers entry.
    #[command(subcommand)]
    Peers(receipt::PeersCommand),
    /// A supervisor's commands: `audit` a node over a period (report.json, report.html),
    /// `disclose` chosen slots of one transfer.
    #[command(subcommand)]
    Regulator(regulator::RegulatorCommand),
    /// Run the stateless verifier service (`--config verifier.toml`).
    Verifier(verifier::VerifierArgs),
}

impl Cli {
    /// The log filter when `RUST_LOG` is not set: `info`, except for `zktr demo`, whose
    /// nodes and verifier run in this process and whose story is on stdout (`warn`).
    pub fn default_log_filter(&self) -> &'static str {
        match self.command {
            Command::Demo(_) => "warn,gr1cs=off,r1cs=off",
            _ => "info,gr1cs=off,r1cs=off",
        }
    }
}

/// Logs go to stderr in the given format; `RUST_LOG` sets the filter (default
/// `default_filter`).
///
/// arkworks' gadgets open a `tracing` span (targets `r1cs`, `gr1cs`, level INFO) for every
/// gadget call; with those targets enabled, proving one transfer takes minutes instead of
/// a second. So they stay off unless `RUST_LOG` names them itself: `RUST_LOG=info` alone
/// must not slow a node's prover down.
pub fn init_tracing(format: LogFormat, default_filter: &str) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(env) if !env.trim().is_empty() => {
            let env = if env.contains("r1cs") {
                env
            } else {
                format!("{env},gr1cs=off,r1cs=off")
            };
            tracing_subscriber::EnvFilter::try_new(&env)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter))
        }
        _ => tracing_subscriber::EnvFilter::new(default_filter),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// Runs one command; the exit code is the command's verdict (e.g. 1 for "invalid").
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::demo(args),
        Command::Circuits => circuits::table(),
        Command::Setup(args) => setup::setup(args),
        Command::Tables(args) => setup::tables(args),
        Command::Ceremony(cmd) => ceremony::run(cmd),
        Command::Bench(args) => bench::run(args),
        Command::Snarkjs(args) => setup::snarkjs(args),
        Command::Poseidon(args) => circuits::poseidon(args),
        Command::Ivms101(cmd) => ivms101::run(cmd),
        Command::Envelope(cmd) => envelope::run(cmd),
        Command::Bundle(cmd) => bundle::run(cmd),
        Command::Sanctions(cmd) => sanctions::run(cmd),
        Command::Price(cmd) => price::run(cmd),
        Command::Node(args) => node::run(args),
        Command::Certs(cmd) => certs::run(cmd),
        Command::Transfer(cmd) => transfer::run(cmd),
        Command::Address(cmd) => transfer::run_address(cmd),
        Command::Receipt(cmd) => receipt::run(cmd),
        Command::Log(args) => receipt::run_log(args),
        Command::Peers(cmd) => receipt::run_peers(cmd),
        Command::Regulator(cmd) => regulator::run(cmd),
        Command::Verifier(args) => verifier::run(args),
    }
}
