//! `zktr receipt verify` and `zktr log sth|inclusion|consistency`: third-party checks of
//! what attested transfers leave behind.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zktr_node::logclient::LogClient;
use zktr_records::{Receipt, SignedTreeHead};

#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt file (JSON, as `zktr transfer show` prints it) under the
    /// beneficiary's receipt key: exit 0 only if the signature and its fields check.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The receipt (JSON).
    receipt: PathBuf,
    /// The beneficiary's receipt public key (64 hex digits, its keys/receipt.pub).
    #[arg(long)]
    key: String,
    /// Also require this envelope id.
    #[arg(long)]
    envelope: Option<String>,
    /// Also require the tree head's log key (hex): the head inside the receipt must be
    /// signed by the originator's log.
    #[arg(long)]
    log_key: Option<String>,
}

fn key(hex_key: &str, what: &str) -> anyhow::Result<ed25519_dalek::VerifyingKey> {
    zktr_node::attest::parse_public_key(hex_key)
        .ok_or_else(|| anyhow::anyhow!("{what}: not an Ed25519 public key (64 hex digits)"))
}

pub fn run(cmd: ReceiptCommand) -> anyhow::Result<ExitCode> {
    let ReceiptCommand::Verify(a) = cmd;
    let bytes = crate::cli::io::read_bounded(&a.receipt, 64 << 10, "receipt")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not UTF-8", a.receipt.display()))?;
    let receipt =
        Receipt::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", a.receipt.display()))?;
    let mut ok = true;
    match receipt.verify(&key(&a.key, "--key")?) {
        Ok(()) => crate::say!("signature: ok (beneficiary {})", receipt.beneficiary),
        Err(e) => {
            ok = false;
            crate::say!("signature: FAILED ({e})");
        }
    }
    if let Some(id) = &a.envelope
        && *id != receipt.envelope_id
    {
        ok = false;
        crate::say!(
            "envelope: FAILED (the receipt is for {})",
            receipt.envelope_id
        );
    }
    if let Some(k) = &a.log_key {
        match receipt.tree_head.verify(&key(k, "--log-key")?) {
            Ok(()) => crate::say!(
                "tree head: ok (log {}, size {})",
                receipt.tree_head.log_id,
                receipt.tree_head.size
            ),
            Err(e) => {
                ok = false;
                crate::say!("tree head: FAILED ({e})");
            }
        }
    }
    crate::say!(
        "envelope {}  C {}  received_at {}",
        receipt.envelope_id,
        zktr_circuits::field::fr_to_hex(&receipt.commitment.0),
        receipt.received_at
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(subcommand)]
    command: LogCommand,
}

#[derive(Debug, Args)]
pub struct NodeArg {
    /// Our node's config (its certificate and CAs are used to connect).
    #[arg(long)]
    config: PathBuf,
    /// The node whose log to read (host:port of its peer port).
    #[arg(long)]
    node: String,
    /// The name its certificate carries (default: the host of --node).
    #[arg(long)]
    server_name: Option<String>,
    /// The log's public key (hex): the tree head's signature is checked.
    #[arg(long)]
    log_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// The latest signed tree head (JSON; `--out FILE` to keep it for `consistency`).
    Sth {
        #[command(flatten)]
        node: NodeArg,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prove that a commitment C (hex) is in the log, against the latest head.
    Inclusion {
        #[command(flatten)]
        node: NodeArg,
        #[arg(long)]
        commitment: String,
    },
    /// Prove that the log still extends an earlier head (a JSON file from `sth --out`).
    Consistency {
        #[command(flatten)]
        node: NodeArg,
        #[arg(long)]
        old_head: PathBuf,
    },
}

fn connect(n: &NodeArg) -> anyhow::Result<(LogClient, Option<ed25519_dalek::VerifyingKey>)> {
    let config = zktr_node::NodeConfig::load(&n.config)?;
    let server = n.server_name.clone().unwrap_or_else(|| {
        n.node
            .rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or_else(|| n.node.clone())
    });
    let log_key = n
        .log_key
        .as_deref()
        .map(|k| key(k, "--log-key"))
        .transpose()?;
    Ok((LogClient::connect(&config, &n.node, &server)?, log_key))
}

pub fn run_log(args: LogArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        LogCommand::Sth { node, out } => {
            let (c, k) = connect(&node)?;
            let head = c.tree_head(k.as_ref())?;
            let json = serde_json::to_string_pretty(&head)?;
            if let Some(out) = out {
                std::fs::write(&out, &json)
                    .map_err(|e| anyhow::anyhow!("write {}: {e}", out.display()))?;
            }
            crate::say!("{json}");
            if k.is_some() {
                crate::say!("signature: ok");
            }
        }
        LogCommand::Inclusion { node, commitment } => {
            let (c, k) = connect(&node)?;
            let head = c.tree_head(k.as_ref())?;
            let x = zktr_circuits::field::fr_parse(&commitment)
                .map_err(|e| anyhow::anyhow!("--commitment: {e}"))?;
            let proof = c.inclusion(&zktr_circuits::commitment::Commitment(x), &head)?;
            crate::say!(
                "included: leaf {} of {} (log {}), proof verified against the head's root",
                proof.index,
                head.size,
                head.log_id
            );
        }
        LogCommand::Consistency { node, old_head } => {
            let (c, k) = connect(&node)?;
            let bytes = crate::cli::io::read_bounded(&old_head, 64 << 10, "tree head")?;
            let old: SignedTreeHead = serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: not a tree head: {e}", old_head.display()))?;
            if let Some(k) = &k {
                old.verify(k)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", old_head.display()))?;
            }
            let new = c.tree_head(k.as_ref())?;
            c.consistency(&old, &new)?;
            crate::say!(
                "consistent: size {} extends size {} (log {})",
                new.size,
                old.size,
                new.log_id
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum PeersCommand {
    /// Ask a node (its peer port) what it speaks; print a `[[peer]]` entry for the peers
    /// file: `zktr = true` with its log and receipt keys, or `zktr = false` for a plain
    /// TRISA node. Compare the keys with what the peer publishes before trusting them.
    Discover {
        #[command(flatten)]
        node: NodeArg,
    },
}

pub fn run_peers(cmd: PeersCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PeersCommand::Discover { node } => {
            let (c, _) = connect(&node)?;
            let server = node.server_name.clone();
            let entry = |name: &str, zktr: bool| {
                let mut e = format!(
                    "[[peer]]\nname = \"{name}\"\nendpoint = \"{}\"\n",
                    node.node
                );
                if let Some(s) = &server {
                    e.push_str(&format!("server_name = \"{s}\"\n"));
                }
                e.push_str(&format!("zktr = {zktr}\n"));
                e
            };
            match c.describe()? {
                None => {
                    eprintln!("{}: does not speak zktr (plain TRISA)", node.node);
                    crate::say!("{}", entry("<the peer's certificate CN>", false));
                }
                Some(d) => {
                    eprintln!(
                        "{}: {} speaks {}; bundle v{}; attests {}; keys: {} ({})",
                        node.node,
                        d.name,
                        d.protocols.join(", "),
                        d.bundle_version,
                        d.jurisdiction,
                        d.verifying_key_ids.len(),
                        d.ceremony
                    );
                    let mut e = entry(&d.name, true);
                    e.push_str(&format!(
                        "log_key = \"{}\"\nreceipt_key = \"{}\"\n",
                        d.log_public_key, d.receipt_public_key
                    ));
                    crate::say!(
                        "# log id {}; verify these keys with the peer out of band",
                        d.log_id
                    );
                    crate::say!("{e}");
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
