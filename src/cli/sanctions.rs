//! `zktr sanctions`: build, check, diff and verify sanctions sets, and make a publisher
//! key pair.

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use zktr_circuits::field::fr_to_hex;
use zktr_sanctions::address_list::{read_address_dir, version_from_dir_name};
use zktr_sanctions::diff::diff;
use zktr_sanctions::ofac_advanced::read_ofac_advanced_file;
use zktr_sanctions::ofac_csv::read_ofac_csv_dir;
use zktr_sanctions::publisher::{
    generate_key, read_signing_key, read_verifying_key, write_key_pair,
};
use zktr_sanctions::set::BuildOptions;
use zktr_sanctions::un::read_un_file;
use zktr_sanctions::{SanctionsList, SanctionsSet, Screening};

/// `zktr sanctions ...`
#[derive(Debug, clap::Subcommand)]
pub enum SanctionsCommand {
    /// Create a list publisher's Ed25519 key pair (secret in FILE, public in FILE.pub).
    Keygen {
        /// Where to write the secret key (hex); the public key goes to `<out>.pub`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Build a signed sanctions set from published lists.
    Build(BuildArgs),
    /// Screen a name, identifier or address against a set.
    Check(CheckArgs),
    /// Keys and parties added and removed between two versions of a set.
    Diff {
        /// The older set file.
        old: PathBuf,
        /// The newer set file.
        new: PathBuf,
    },
    /// Check a set file's consistency and its publisher's signature.
    Verify {
        /// The set file.
        set: PathBuf,
        /// The publisher's public key file (`.pub`).
        #[arg(long)]
        publisher: PathBuf,
    },
}

/// Arguments of `zktr sanctions build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// OFAC's ADVANCED XML (`sdn_advanced.xml`, or `.xml.bz2` read as a stream).
    #[arg(long)]
    ofac_advanced: Option<PathBuf>,
    /// A directory with OFAC's legacy CSV set (`sdn.csv`, `alt.csv`, `add.csv`).
    #[arg(long)]
    ofac_csv: Option<PathBuf>,
    /// The UN Security Council consolidated list XML.
    #[arg(long)]
    un: Option<PathBuf>,
    /// A directory of `sanctioned_addresses_<TICKER>.txt` address lists.
    #[arg(long)]
    addresses: Option<PathBuf>,
    /// The publisher's secret key file (see `zktr sanctions keygen`).
    #[arg(long)]
    key: PathBuf,
    /// Where to write the set (`.zkts`).
    #[arg(long)]
    out: PathBuf,
    /// Publication time in unix seconds (default: now).
    #[arg(long)]
    published_at: Option<u64>,
}

/// Arguments of `zktr sanctions check`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["name", "address", "id"])))]
pub struct CheckArgs {
    /// The set file.
    #[arg(long)]
    set: PathBuf,
    /// A person's or entity's name (any case, any token order).
    #[arg(long)]
    name: Option<String>,
    /// A digital-currency address.
    #[arg(long, requires = "chain")]
    address: Option<String>,
    /// The address's chain or ticker (ETH, XBT, TRX...): EVM addresses are one key on
    /// every EVM chain, so this only labels the output.
    #[arg(long)]
    chain: Option<String>,
    /// An identity document number (passport, national id, registration number...).
    #[arg(long)]
    id: Option<String>,
}

/// Runs one `zktr sanctions` command.
pub fn run(cmd: SanctionsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SanctionsCommand::Keygen { out } => keygen(&out),
        SanctionsCommand::Build(args) => build(args),
        SanctionsCommand::Check(args) => check(args),
        SanctionsCommand::Diff { old, new } => diff_sets(&old, &new),
        SanctionsCommand::Verify { set, publisher } => verify(&set, &publisher),
    }
}

fn keygen(out: &Path) -> anyhow::Result<ExitCode> {
    let key = generate_key();
    let pub_path = write_key_pair(&key, out)?;
    println!("secret key: {}", out.display());
    println!("public key: {}", pub_path.display());
    println!(
        "key id:     {}",
        zktr_records::sanctions_root::publisher_key_id(&key.verifying_key())
    );
    Ok(ExitCode::SUCCESS)
}

fn load(path: &Path) -> anyhow::Result<SanctionsSet> {
    SanctionsSet::load(path).with_context(|| format!("loading {}", path.display()))
}

fn build(args: BuildArgs) -> anyhow::Result<ExitCode> {
    if args.ofac_advanced.is_none()
        && args.ofac_csv.is_none()
        && args.un.is_none()
        && args.addresses.is_none()
    {
        bail!("give at least one list: --ofac-advanced, --ofac-csv, --un or --addresses");
    }
    let key = read_signing_key(&args.key)?;
    let started = Instant::now();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:<28} [{bar:30}] {bytes}/{total_bytes} {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut lists: Vec<SanctionsList> = Vec::new();
    if let Some(path) = &args.ofac_advanced {
        bar.set_message("reading OFAC advanced XML");
        let list = read_ofac_advanced_file(path, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .with_context(|| format!("reading {}", path.display()))?;
        lists.push(list);
    }
    if let Some(dir) = &args.ofac_csv {
        bar.set_message("reading OFAC CSV set");
        let version = version_from_dir_name(dir);
        lists.push(
            read_ofac_csv_dir(dir, &version)
                .with_context(|| format!("reading {}", dir.display()))?,
        );
    }
    if let Some(path) = &args.un {
        bar.set_message("reading UN consolidated XML");
        lists.push(read_un_file(path).with_context(|| format!("reading {}", path.display()))?);
    }
    if let Some(dir) = &args.addresses {
        bar.set_message("reading address lists");
        let version = version_from_dir_name(dir);
        lists.push(
            read_address_dir(dir, &version)
                .with_context(|| format!("reading {}", dir.display()))?,
        );
    }
    let parsed = started.elapsed();
    bar.set_message("hashing the tree and signing");
    let published_at = match args.published_at {
        Some(t) => t,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_secs(),
    };
    let set = SanctionsSet::build(
        &lists,
        &BuildOptions {
            key: &key,
            published_at,
        },
    )?;
    set.save(&args.out)?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let rec = &set.signed_root().record;
    let st = set.stats();
    println!("set:          {}", args.out.display());
    println!("list:         {} version {}", rec.list_id, rec.version);
    println!("root:         {}", fr_to_hex(&rec.root.0));
    println!("publisher:    {}", rec.publisher_key_id);
    println!("parties:      {}", st.parties);
    println!("names:        {}", st.names);
    println!("ids:          {}", st.identifiers);
    println!("addresses:    {}", st.addresses);
    println!("birth dates:  {} (listed, not keyed)", st.dates_of_birth);
    if st.skipped > 0 {
        println!("skipped:      {} (empty after normalization)", st.skipped);
    }
    println!("keys:         {} distinct", rec.key_count);
    println!(
        "time:         {:.2} s ({:.2} s reading lists, {:.2} s keys, tree and signature)",
        elapsed.as_secs_f64(),
        parsed.as_secs_f64(),
        (elapsed - parsed).as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let set = load(&args.set)?;
    let (what, screening) = if let Some(name) = &args.name {
        ("name", set.screen_name(name)?)
    } else if let Some(address) = &args.address {
        ("address", set.screen_address(address)?)
    } else if let Some(id) = &args.id {
        ("id", set.screen_identifier(id)?)
    } else {
        bail!("give --name, --address or --id");
    };
    let rec = &set.signed_root().record;
    match screening {
        Screening::Listed(parties) => {
            println!("LISTED ({what}) in {} {}", rec.list_id, rec.version);
            for p in parties {
                if p.name.is_empty() {
                    println!("  {} ({})", p.id, p.kind.as_str());
                } else {
                    println!("  {} ({}): {}", p.id, p.kind.as_str(), p.name);
                }
            }
            if let (Some(chain), Some(_)) = (&args.chain, &args.address) {
                println!("  chain: {chain}");
            }
            Ok(ExitCode::from(1))
        }
        Screening::NotListed(w) => {
            println!("NOT LISTED ({what}) in {} {}", rec.list_id, rec.version);
            println!(
                "  non-membership witness verified against root {}: leaf {} (low {}, next {})",
                fr_to_hex(&rec.root.0),
                w.index,
                fr_to_hex(&w.low),
                fr_to_hex(&w.next)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn diff_sets(old: &Path, new: &Path) -> anyhow::Result<ExitCode> {
    let (a, b) = (load(old)?, load(new)?);
    let d = diff(&a, &b);
    let (ra, rb) = (&a.signed_root().record, &b.signed_root().record);
    println!(
        "old: {} {} ({} keys, {} parties)",
        ra.list_id, ra.version, ra.key_count, ra.party_count
    );
    println!(
        "new: {} {} ({} keys, {} parties)",
        rb.list_id, rb.version, rb.key_count, rb.party_count
    );
    println!(
        "keys: +{} -{}; parties: +{} -{}",
        d.keys_added.len(),
        d.keys_removed.len(),
        d.parties_added.len(),
        d.parties_removed.len()
    );
    for p in &d.parties_added {
        println!("+ party {} ({}) {}", p.id, p.kind.as_str(), p.name);
    }
    for p in &d.parties_removed {
        println!("- party {} ({}) {}", p.id, p.kind.as_str(), p.name);
    }
    for (k, parties) in &d.keys_added {
        println!("+ key {} [{}]", fr_to_hex(&k.to_fr()), parties.join(", "));
    }
    for (k, parties) in &d.keys_removed {
        println!("- key {} [{}]", fr_to_hex(&k.to_fr()), parties.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(set_path: &Path, publisher: &Path) -> anyhow::Result<ExitCode> {
    let set = load(set_path)?;
    let key = read_verifying_key(publisher)?;
    let rec = &set.signed_root().record;
    match set.verify_publisher(&key) {
        Ok(()) => {
            println!("VALID: {} {}", rec.list_id, rec.version);
            println!(
                "  root {} ({} keys, {} parties) rebuilt and matching",
                fr_to_hex(&rec.root.0),
                rec.key_count,
                rec.party_count
            );
            println!(
                "  signed by {} at {}",
                rec.publisher_key_id, rec.published_at
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("INVALID: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
