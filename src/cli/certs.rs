//! `zktr certs`: a development network's certificate authority (init, issue, revoke).

use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zktr_node::certs::{self, IssueRequest, KeyAlgorithm, Usage};

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Create a network CA in DIR (ca.pem, ca.key, crl.pem, issued.json).
    Init(InitArgs),
    /// Issue a node or client certificate signed by the CA.
    Issue(IssueArgs),
    /// Revoke a certificate and rewrite the CA's crl.pem.
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The CA folder to create.
    #[arg(long)]
    dir: PathBuf,
    /// The CA's common name.
    #[arg(long, default_value = "zktr dev network CA")]
    name: String,
    /// Validity in days.
    #[arg(long, default_value_t = 3650)]
    days: u32,
    /// Key algorithm: p256, p384, ed25519.
    #[arg(long, default_value = "p256")]
    algorithm: KeyAlgorithm,
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The CA folder.
    #[arg(long)]
    ca: PathBuf,
    /// The certificate's common name (a node's name, or an admin client's).
    #[arg(long)]
    name: String,
    /// Subject alternative names (DNS names or IP addresses); default: the name.
    #[arg(long = "san")]
    sans: Vec<String>,
    /// server, client or both.
    #[arg(long, default_value = "both")]
    usage: Usage,
    /// Validity in days.
    #[arg(long, default_value_t = 825)]
    days: u32,
    /// Key algorithm: p256, p384, ed25519.
    #[arg(long, default_value = "p256")]
    algorithm: KeyAlgorithm,
    /// Where to write NAME.pem (chain) and NAME.key.
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The CA folder.
    #[arg(long)]
    ca: PathBuf,
    /// The certificate (PEM) to revoke.
    #[arg(long, conflicts_with = "serial", required_unless_present = "serial")]
    cert: Option<PathBuf>,
    /// Or its serial number (hex).
    #[arg(long)]
    serial: Option<String>,
}

pub fn run(cmd: CertsCommand) -> anyhow::Result<ExitCode> {
    let now = time::OffsetDateTime::now_utc();
    match cmd {
        CertsCommand::Init(a) => {
            let p = certs::init_ca(&a.dir, &a.name, a.days, a.algorithm, now)?;
            crate::say!("CA {:?} created", a.name);
            crate::say!("  certificate: {}", p.cert.display());
            crate::say!("  key:         {} (keep it offline)", p.key.display());
            crate::say!("  CRL:         {}", p.crl.display());
        }
        CertsCommand::Issue(a) => {
            let p = certs::issue(
                &a.ca,
                &IssueRequest {
                    common_name: a.name.clone(),
                    sans: a.sans,
                    usage: a.usage,
                    validity_days: a.days,
                    algorithm: a.algorithm,
                },
                &a.out,
                now,
            )?;
            crate::say!("issued {} (serial {})", a.name, p.serial);
            crate::say!("  certificate: {}", p.cert.display());
            crate::say!("  key:         {}", p.key.display());
        }
        CertsCommand::Revoke(a) => {
            let r = match (a.cert, a.serial) {
                (Some(path), _) => {
                    let pem = crate::cli::io::read_bounded(
                        &path,
                        crate::cli::io::MAX_PEM_BYTES,
                        "certificate",
                    )?;
                    let pem = String::from_utf8(pem)
                        .map_err(|_| anyhow::anyhow!("{}: not a PEM file", path.display()))?;
                    certs::revoke(&a.ca, &pem, now)?
                }
                (None, Some(serial)) => certs::revoke_serial(&a.ca, &serial, now)?,
                (None, None) => anyhow::bail!("give --cert FILE or --serial HEX"),
            };
            crate::say!("revoked {} (serial {})", r.common_name, r.serial);
            crate::say!(
                "  CRL: {} (nodes read it at start: restart them)",
                r.crl.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
