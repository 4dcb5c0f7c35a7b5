//! `zktr transfer` and `zktr address`: the back office's commands, sent to a running
//! node's back-office listener (found from `--config`, the node's own config file).

use crate::cli::io::{MAX_ENVELOPE_JSON_BYTES, MAX_IVMS101_JSON_BYTES, read_bounded};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zktr_node::backoffice::BackOffice;
use zktr_proto::zktr::admin::v1 as admin;

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The node's configuration file.
    #[arg(long)]
    config: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum TransferCommand {
    /// Send a transfer to a peer: IVMS101 identity (any JSON dialect) + the transaction.
    Send(SendArgs),
    /// One line per transfer: id, state, role, peer, last update (no personal data).
    List(ListArgs),
    /// One transfer with its state history (`--payload` also decrypts its personal data).
    Show(ShowArgs),
    /// Accept a received transfer held for review.
    Accept(DecisionArgs),
    /// Reject a received transfer (or cancel one we sent).
    Reject(DecisionArgs),
    /// Clear a name hit holding our attested transfer in REVIEW: shows the hit, signs a
    /// clearance with the officer's own key, hands it to the node, which then sends the
    /// transfer with the clearance in place of that party's not_sanctioned proof.
    Clear(ClearArgs),
    /// Make a compliance officer's clearance key: FILE (secret, 0600) and its `.pub`
    /// (add it to the node's `[[attest.officers]]` and to counterparties' policies).
    OfficerKeygen {
        /// The secret key file to write (e.g. officer.key; officer.pub is written beside).
        #[arg(long)]
        out: PathBuf,
    },
    /// Resend a transfer the counterparty asked to repair, with a corrected identity.
    Repair(RepairArgs),
    /// Report the on-chain transaction id of an accepted transfer (COMPLETED).
    Complete(CompleteArgs),
    /// Print transfer events as they happen (until interrupted or --count events).
    Watch(WatchArgs),
    /// Crypto-erase a final transfer we sent: delete its data keys (proofs, states and
    /// receipts stay).
    Erase(DecisionArgs),
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The beneficiary VASP's name, as in the peers file.
    #[arg(long)]
    peer: String,
    /// IVMS101 identity payload (JSON).
    #[arg(long)]
    identity: PathBuf,
    /// The transaction as TRISA generic Transaction protobuf-JSON; or use the flags below.
    #[arg(long)]
    transaction: Option<PathBuf>,
    /// The beneficiary's address.
    #[arg(long, required_unless_present = "transaction")]
    beneficiary_address: Option<String>,
    /// The originator's address.
    #[arg(long, default_value = "")]
    originator_address: String,
    /// The amount, in the asset's units.
    #[arg(long, default_value_t = 0.0)]
    amount: f64,
    /// The network (e.g. ETH, BTC).
    #[arg(long, default_value = "")]
    network: String,
    /// The asset (e.g. ETH, USDT).
    #[arg(long, default_value = "")]
    asset_type: String,
    /// An envelope id (UUID) of your choosing: sending it again returns the same transfer.
    #[arg(long)]
    id: Option<String>,
    /// Send plain TRISA even to a zktr peer (attested is the default to zktr peers).
    #[arg(long)]
    plain: bool,
    /// Attested: the fiat value in minor units (cents).
    #[arg(long, default_value_t = 0)]
    fiat_value: u64,
    /// Attested: ISO 4217 numeric currency of the fiat value (840 = USD, 978 = EUR).
    #[arg(long, default_value_t = 840)]
    fiat_currency: u32,
    /// Attested: the asset's SLIP-0044 coin type (0 = BTC, 60 = ETH).
    #[arg(long, default_value_t = 0)]
    asset_id: u64,
    /// Attested: the amount in the asset's base units (satoshi, wei).
    #[arg(long, default_value = "")]
    asset_amount: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Only this state (STARTED, PENDING, REVIEW, REPAIR, ACCEPTED, COMPLETED, REJECTED).
    #[arg(long)]
    state: Option<String>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 1000)]
    limit: u32,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The transfer (envelope) id.
    id: String,
    /// Decrypt and print the transfer's payload (personal data; logged by the node).
    #[arg(long)]
    payload: bool,
    /// Write the beneficiary's receipt (JSON) to this file, for `zktr receipt verify`.
    #[arg(long)]
    receipt: Option<PathBuf>,
    /// Write the proof bundle (JSON) to this file, for `zktr bundle verify`.
    #[arg(long)]
    bundle: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DecisionArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The transfer id.
    id: String,
    /// Why (kept in the history; sent to the peer on a rejection). No personal data.
    #[arg(long, default_value = "")]
    note: String,
}

#[derive(Debug, Args)]
pub struct ClearArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The transfer id.
    id: String,
    /// The officer's name or staff id, as the node's `[[attest.officers]]` has it.
    #[arg(long)]
    officer: String,
    /// The officer's secret key file (`zktr transfer officer-keygen`).
    #[arg(long)]
    officer_key: PathBuf,
    /// Why the hit is a false positive.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(zktr_records::clearance::BASES))]
    basis: String,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The transfer id.
    id: String,
    /// The corrected IVMS101 identity payload (JSON).
    #[arg(long)]
    identity: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompleteArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The transfer id.
    id: String,
    /// The on-chain transaction id.
    #[arg(long)]
    txid: String,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Stop after this many events.
    #[arg(long)]
    count: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum AddressCommand {
    /// Add a customer's address (what ConfirmAddress and incoming transfers check).
    Add(AddressArgs),
    /// Remove one.
    Remove(AddressArgs),
    /// List them.
    List(ConfigArg),
}

#[derive(Debug, Args)]
pub struct AddressArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// The address.
    address: String,
    /// Its network (empty: any).
    #[arg(long, default_value = "")]
    network: String,
    /// An opaque customer reference.
    #[arg(long, default_value = "")]
    customer: String,
}

fn connect(config: &ConfigArg) -> anyhow::Result<BackOffice> {
    let c = zktr_node::NodeConfig::load(&config.config)?;
    Ok(BackOffice::connect(&c)?)
}

fn line(t: &admin::TransferSummary) {
    let err = if t.last_error.is_empty() {
        String::new()
    } else {
        format!("  ({})", t.last_error)
    };
    crate::say!(
        "{}  {:<9}  {:<11}  {}  {}{}",
        t.id,
        t.state,
        t.role,
        t.peer,
        t.updated_at,
        err
    );
}

fn read_text(path: &std::path::Path, limit: u64, what: &'static str) -> anyhow::Result<String> {
    let bytes = read_bounded(path, limit, what)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{}: not UTF-8", path.display()))
}

pub fn run(cmd: TransferCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TransferCommand::Send(a) => {
            let identity_json = read_text(&a.identity, MAX_IVMS101_JSON_BYTES, "IVMS101 identity")?;
            let transaction = match &a.transaction {
                Some(path) => {
                    let json = read_text(path, MAX_ENVELOPE_JSON_BYTES, "transaction")?;
                    zktr_proto::protojson::from_str::<zktr_trisa::Transaction>(
                        &json,
                        "trisa.data.generic.v1beta1.Transaction",
                    )?
                }
                None => zktr_trisa::Transaction {
                    beneficiary: a.beneficiary_address.clone().unwrap_or_default(),
                    originator: a.originator_address.clone(),
                    amount: a.amount,
                    network: a.network.clone(),
                    asset_type: a.asset_type.clone(),
                    ..Default::default()
                },
            };
            let mut bo = connect(&a.config)?;
            let t = bo.send(admin::SendTransferRequest {
                peer: a.peer,
                identity_json,
                transaction: Some(transaction),
                id: a.id.unwrap_or_default(),
                plain: a.plain,
                fiat_value: a.fiat_value,
                fiat_currency: a.fiat_currency,
                asset_id: a.asset_id,
                asset_amount: a.asset_amount,
            })?;
            line(&t);
        }
        TransferCommand::List(a) => {
            let mut bo = connect(&a.config)?;
            for t in bo.list(a.state.as_deref().unwrap_or(""), a.limit)? {
                line(&t);
            }
        }
        TransferCommand::Show(a) => {
            let mut bo = connect(&a.config)?;
            let d = bo.show(&a.id, a.payload)?;
            if let Some(t) = &d.summary {
                line(t);
                if !t.txid.is_empty() {
                    crate::say!("txid: {}", t.txid);
                }
            }
            crate::say!("envelopes stored: {}", d.envelopes);
            for h in &d.history {
                crate::say!("  {}  {:<9}  {}", h.at, h.state, h.note);
            }
            if let Some(t) = &d.summary
                && t.attested
            {
                if d.receipt_json.is_empty() {
                    crate::say!("attested: no receipt yet");
                } else {
                    crate::say!("receipt: {}", d.receipt_json.replace('\n', " "));
                }
            }
            for (path, json, what) in [
                (&a.receipt, &d.receipt_json, "receipt"),
                (&a.bundle, &d.bundle_json, "bundle"),
            ] {
                if let Some(path) = path {
                    if json.is_empty() {
                        anyhow::bail!("transfer {} has no {what}", a.id);
                    }
                    std::fs::write(path, json)
                        .map_err(|e| anyhow::anyhow!("write {}: {e}", path.display()))?;
                }
            }
            if a.payload {
                crate::say!("{}", d.payload_json);
            }
        }
        TransferCommand::Accept(a) => line(&connect(&a.config)?.accept(&a.id, &a.note)?),
        TransferCommand::Reject(a) => line(&connect(&a.config)?.reject(&a.id, &a.note)?),
        TransferCommand::Clear(a) => {
            let key = zktr_node::attest::read_seed(&a.officer_key)?;
            let mut bo = connect(&a.config)?;
            let d = bo.show(&a.id, false)?;
            if d.screening_hit_json.is_empty() {
                anyhow::bail!(
                    "transfer {} is not held on a name hit (state {})",
                    a.id,
                    d.summary.map(|s| s.state).unwrap_or_default()
                );
            }
            let hit = zktr_records::ScreeningHit::from_json(&d.screening_hit_json)?;
            eprintln!(
                "clearing: transfer {}, {} on list {} version {} (publisher {}), VASP {}",
                hit.envelope_id,
                hit.slot.as_str(),
                hit.list_id,
                hit.list_version,
                hit.publisher_key_id,
                hit.vasp
            );
            let clearance = zktr_records::Clearance::sign(
                &hit,
                &a.officer,
                &a.basis,
                crate::cli::io::now_unix()?,
                &key,
            )?;
            line(&bo.clear(&a.id, &clearance.to_json())?)
        }
        TransferCommand::OfficerKeygen { out } => {
            let public = zktr_node::init::write_ed25519_key(&out)?;
            let vk = zktr_node::attest::parse_public_key(&public)
                .ok_or_else(|| anyhow::anyhow!("generated an invalid key"))?;
            crate::say!("secret key: {}", out.display());
            crate::say!(
                "public key: {}",
                zktr_node::init::public_key_path(&out).display()
            );
            crate::say!("public_key = \"{public}\"");
            crate::say!(
                "key id:     {}",
                zktr_records::clearance::officer_key_id(&vk)
            );
        }
        TransferCommand::Repair(a) => {
            let identity_json = read_text(&a.identity, MAX_IVMS101_JSON_BYTES, "IVMS101 identity")?;
            line(&connect(&a.config)?.repair(&a.id, &identity_json)?)
        }
        TransferCommand::Complete(a) => line(&connect(&a.config)?.complete(&a.id, &a.txid)?),
        TransferCommand::Erase(a) => line(&connect(&a.config)?.erase(&a.id)?),
        TransferCommand::Watch(a) => {
            let mut bo = connect(&a.config)?;
            let mut seen = 0u64;
            let count = a.count;
            bo.watch(|ev| {
                if let Some(t) = &ev.transfer {
                    line(t);
                }
                seen += 1;
                count.is_none_or(|c| seen < c)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_address(cmd: AddressCommand) -> anyhow::Result<ExitCode> {
    let print = |a: &admin::CustomerAddress| {
        crate::say!("{}  {}  {}", a.address, a.network, a.customer);
    };
    match cmd {
        AddressCommand::Add(a) => {
            let added = connect(&a.config)?.add_address(admin::CustomerAddress {
                address: a.address,
                network: a.network,
                customer: a.customer,
            })?;
            print(&added);
        }
        AddressCommand::Remove(a) => {
            connect(&a.config)?.remove_address(admin::CustomerAddress {
                address: a.address,
                network: a.network,
                customer: String::new(),
            })?;
        }
        AddressCommand::List(c) => {
            for a in connect(&c)?.addresses()? {
                print(&a);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
