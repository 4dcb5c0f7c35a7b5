//! `zktr node`: run a node (`--config node.toml`), or `node init` a node folder for a
//! development network.

use anyhow::Context;
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use zktr_node::init::{InitRequest, SealingAlgorithm};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct NodeArgs {
    #[command(subcommand)]
    command: Option<NodeCommand>,
    /// The node's configuration file (see node/node.example.toml).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum NodeCommand {
    /// Write a working node folder: config, CA (or use --ca), certificates, keys.
    Init(InitArgs),
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The folder to create.
    #[arg(long)]
    dir: PathBuf,
    /// The node's name (its certificate's common name), e.g. alpha.example.
    #[arg(long)]
    name: String,
    /// An existing network CA folder (from `zktr certs init`); default: a new CA in DIR/ca.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Extra DNS names or IP addresses for the node certificate.
    #[arg(long = "san")]
    sans: Vec<String>,
    /// Peer port address.
    #[arg(long, default_value = "127.0.0.1:4000")]
    peer: SocketAddr,
    /// Back-office listener address.
    #[arg(long, default_value = "127.0.0.1:4001")]
    backoffice: SocketAddr,
    /// HTTP (health, metrics) address.
    #[arg(long, default_value = "127.0.0.1:4002")]
    http: SocketAddr,
    /// Sealing key: rsa4096 (TRISA's default), rsa2048, x25519.
    #[arg(long, default_value = "rsa4096")]
    sealing: SealingAlgorithm,
}

pub fn run(args: NodeArgs) -> anyhow::Result<ExitCode> {
    match (args.command, args.config) {
        (Some(NodeCommand::Init(a)), _) => init(a),
        (None, Some(config)) => serve(config),
        (None, None) => {
            anyhow::bail!("give --config node.toml (or `zktr node init --dir DIR --name CN`)")
        }
    }
}

fn init(a: InitArgs) -> anyhow::Result<ExitCode> {
    if matches!(a.sealing, SealingAlgorithm::Rsa4096) {
        eprintln!("generating an RSA-4096 sealing key (a few seconds)...");
    }
    let out = zktr_node::init::init(&InitRequest {
        dir: a.dir.clone(),
        name: a.name.clone(),
        ca: a.ca,
        sans: a.sans,
        listen: [a.peer, a.backoffice, a.http],
        sealing: a.sealing,
    })?;
    crate::say!("node {} written to {}", a.name, a.dir.display());
    crate::say!("  config:      {}", out.config.display());
    crate::say!("  certificate: {}", out.cert.display());
    crate::say!(
        "  network CA:  {} (give it to peers as their tls.ca)",
        out.ca_dir.display()
    );
    crate::say!("start it with: zktr node --config {}", out.config.display());
    Ok(ExitCode::SUCCESS)
}

fn serve(config: PathBuf) -> anyhow::Result<ExitCode> {
    let config = zktr_node::NodeConfig::load(&config)?;
    let runtime = tokio_runtime()?;
    runtime.block_on(async move {
        let node = zktr_node::start(config).await?;
        // One line on stdout for scripts and tests: where the node listens.
        crate::say!(
            "zktr node {} listening: peer={} backoffice={} http={}",
            node.core.name(),
            node.peer_addr,
            node.backoffice_addr,
            node.http_addr
        );
        node.serve_until(zktr_node::server::termination()).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn tokio_runtime() -> anyhow::Result<zktr_node::server::Runtime> {
    zktr_node::server::runtime().context("starting the async runtime")
}
