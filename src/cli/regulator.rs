//! `zktr regulator audit|disclose`: a supervisor's commands against a node's regulator
//! API. `audit` wires flags to [`zktr_node::audit::audit`] and writes the report with
//! [`zktr_node::report::write`]; `disclose` asks for chosen slots of one transfer and
//! checks each opening against the transfer's C.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use zktr_node::audit::{AuditError, AuditRequest, Progress, Regulator};
use zktr_node::tls::Identity;
use zktr_verifier::{Policy, VerifyingKeys};

#[derive(Debug, Subcommand)]
pub enum RegulatorCommand {
    /// Audit a node over a period: fetch every attestation, verify every bundle (batched),
    /// receipt, inclusion and tree head, and write report.json and report.html into
    /// --out. Exit 0 only if every transfer passed every check.
    Audit(AuditArgs),
    /// Ask a node to disclose chosen slots of one transfer; each opening is checked
    /// against the transfer's C.
    Disclose(DiscloseArgs),
}

/// The node and the regulator's TLS identity.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's peer port (host:port).
    #[arg(long)]
    node: String,
    /// The name its certificate carries (default: the host of --node).
    #[arg(long)]
    server_name: Option<String>,
    /// A node config whose certificate, key and CAs to use (as `zktr log` does); or give
    /// --cert, --key and --ca.
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    config: Option<PathBuf>,
    /// The regulator's certificate (PEM); its CN must have the regulator role on the node.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Its private key (PEM).
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// CA certificates (PEM) trusted for the node's certificate (repeat for several).
    #[arg(long)]
    ca: Vec<PathBuf>,
    /// Deadline of each call, seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

impl NodeArgs {
    fn connect(&self) -> anyhow::Result<(Identity, Vec<PathBuf>, String)> {
        let server = self.server_name.clone().unwrap_or_else(|| {
            self.node
                .rsplit_once(':')
                .map(|(h, _)| h.trim_matches(['[', ']']).to_string())
                .unwrap_or_else(|| self.node.clone())
        });
        let (identity, mut ca) = match (&self.config, &self.cert, &self.key) {
            (Some(c), _, _) => {
                let config = zktr_node::NodeConfig::load(c)?;
                (
                    Identity::load(&config.tls.cert, &config.tls.key)?,
                    config.tls.ca.clone(),
                )
            }
            (None, Some(cert), Some(key)) => (Identity::load(cert, key)?, Vec::new()),
            _ => bail!("give --cert and --key (the regulator's certificate), or --config"),
        };
        ca.extend(self.ca.iter().cloned());
        if ca.is_empty() {
            bail!("give --ca: the CA that issued the node's certificate");
        }
        Ok((identity, ca, server))
    }
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// Start of the period: YYYY-MM-DD (midnight UTC), RFC 3339, or unix seconds.
    #[arg(long)]
    from: String,
    /// End of the period: YYYY-MM-DD (that whole day included), RFC 3339 or unix
    /// seconds (excluded).
    #[arg(long)]
    to: String,
    /// Folder for report.json and report.html.
    #[arg(long)]
    out: PathBuf,
    /// The policy bundles are verified under (as `zktr bundle verify`).
    #[arg(long)]
    policy: PathBuf,
    /// Parameters folder with the verifying keys and their manifest.
    #[arg(long)]
    params: PathBuf,
    /// Policy jurisdictions whose threshold rule applies (repeat; default FATF).
    #[arg(long = "jurisdiction", default_value = "FATF")]
    jurisdictions: Vec<String>,
    /// A beneficiary's receipt key, pinned: NAME=HEX (repeat). Without one, the key the
    /// node reports is used and the report says so.
    #[arg(long = "receipt-key")]
    receipt_keys: Vec<String>,
    /// The node's audit-log key (hex), pinned; default: the key the node states.
    #[arg(long)]
    audit_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiscloseArgs {
    #[command(flatten)]
    node: NodeArgs,
    /// The transfer (envelope) id.
    #[arg(long)]
    transfer: String,
    /// Slot names to disclose (e.g. fiat_value, fiat_currency; repeat).
    #[arg(long = "slot", required = true)]
    slots: Vec<String>,
    /// Why (recorded in the node's audit log; no personal data).
    #[arg(long, default_value = "")]
    reason: String,
}

pub fn run(cmd: RegulatorCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RegulatorCommand::Audit(a) => audit(a),
        RegulatorCommand::Disclose(a) => disclose(a),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A date flag: unix seconds, RFC 3339, or YYYY-MM-DD (midnight UTC; with `end`, the
/// next midnight, so the day is included).
fn parse_date(s: &str, end: bool, flag: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    if let Some(t) = zktr_node::exchange::parse_time(s) {
        return u64::try_from(t.unix_timestamp()).context(format!("{flag}: before 1970"));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &format)
        .with_context(|| format!("{flag} {s:?}: not YYYY-MM-DD, RFC 3339 or unix seconds"))?;
    let mut secs = d.midnight().assume_utc().unix_timestamp();
    if end {
        secs += 86_400;
    }
    u64::try_from(secs).context(format!("{flag}: before 1970"))
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn set_total(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn stage(&self, what: &str) {
        self.0.set_message(what.to_string());
    }
}

fn audit(a: AuditArgs) -> anyhow::Result<ExitCode> {
    let from = parse_date(&a.from, false, "--from")?;
    let to = parse_date(&a.to, true, "--to")?;
    let (identity, ca, server_name) = a.node.connect()?;
    let policy = Policy::load(&a.policy)?;
    let keys = VerifyingKeys::load(&a.params)
        .with_context(|| format!("--params {}", a.params.display()))?;
    let mut receipt_keys = BTreeMap::new();
    for r in &a.receipt_keys {
        let (name, hex_key) = r
            .split_once('=')
            .context("--receipt-key takes NAME=HEX (the beneficiary's name and its key)")?;
        let key = zktr_node::attest::parse_public_key(hex_key)
            .with_context(|| format!("--receipt-key {name}: not an Ed25519 public key"))?;
        receipt_keys.insert(name.to_string(), key);
    }
    let audit_key = a
        .audit_key
        .as_deref()
        .map(|k| zktr_node::attest::parse_public_key(k).context("--audit-key: not an Ed25519 key"))
        .transpose()?;
    let request = AuditRequest {
        endpoint: a.node.node.clone(),
        server_name,
        identity,
        ca,
        from,
        to,
        policy: Arc::new(policy),
        keys: Arc::new(keys),
        jurisdictions: a.jurisdictions.clone(),
        receipt_keys,
        audit_key,
        now: now(),
        timeout: Duration::from_secs(a.node.timeout.max(1)),
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<24} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let runtime = zktr_node::server::runtime().context("runtime")?;
    let progress = Bar(bar.clone());
    let report = runtime.block_on(zktr_node::audit::audit(&request, &progress))?;
    bar.finish_and_clear();
    let (json, page) = zktr_node::report::write(&report, &a.out)?;
    let s = &report.summary;
    crate::say!(
        "{} transfer(s): {} passed, {} failed; claims verified {}/{}; receipts ok {}",
        s.transfers,
        s.passed,
        s.failed,
        s.claims_verified,
        s.claims,
        s.receipts_ok
    );
    for (kind, n) in &s.failures_by_kind {
        crate::say!("  failed {kind}: {n}");
    }
    if let Some(l) = &report.audit_log {
        crate::say!(
            "audit log: {} entries, {}",
            l.size,
            if l.check.reason.is_empty() {
                "checked"
            } else {
                &l.check.reason
            }
        );
    }
    crate::say!("report: {}", page.display());
    crate::say!("data:   {}", json.display());
    let log_ok = report
        .audit_log
        .as_ref()
        .is_some_and(|l| l.check.status == zktr_node::audit::CheckStatus::Ok);
    Ok(if s.failed == 0 && log_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn disclose(a: DiscloseArgs) -> anyhow::Result<ExitCode> {
    let (identity, ca, server_name) = a.node.connect()?;
    let client = Regulator::new(
        identity,
        ca,
        &a.node.node,
        &server_name,
        Duration::from_secs(a.node.timeout.max(1)),
    );
    let runtime = zktr_node::server::runtime().context("runtime")?;
    let slots: Vec<&str> = a.slots.iter().map(String::as_str).collect();
    let (att, d) = runtime.block_on(async {
        let att = client.get(&a.transfer).await.map_err(AuditError::Call)?;
        let d = client
            .disclose(&a.transfer, &slots, &a.reason)
            .await
            .map_err(AuditError::Call)?;
        Ok::<_, AuditError>((att, d))
    })?;
    let c = att
        .attestation
        .as_ref()
        .map(|x| x.commitment.clone())
        .unwrap_or_default();
    if c != d.commitment {
        bail!("the disclosure is for another commitment than the transfer's attestation");
    }
    let verified = zktr_node::audit::check_disclosure(&d)?;
    let mut ok = true;
    for zktr_node::audit::OpenedSlot {
        name,
        value,
        result,
    } in verified
    {
        match result {
            Ok(()) => crate::say!("{name} = {value}  (opens C: ok)"),
            Err(e) => {
                ok = false;
                crate::say!("{name} = {value}  (FAILED: {e})");
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
