//! `zktr sanctions`: build, check, diff and verify sanctions sets, and make a publisher
//! key pair.

use super::io::{now_unix, utc};
use crate::say;
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use zktr_circuits::field::fr_to_hex;
use zktr_sanctions::BuildOptions;
use zktr_sanctions::address_list::{read_address_dir, version_from_dir_name};
use zktr_sanctions::diff;
use zktr_sanctions::ofac_advanced::read_ofac_advanced_file;
use zktr_sanctions::ofac_csv::read_ofac_csv_dir;
use zktr_sanctions::publisher::{generate_key, read_signing_key, write_key_pair};
use zktr_sanctions::un::read_un_file;
use zktr_sanctions::{CLOCK_SKEW_SECONDS, Trust, VerifiedSet};
use zktr_sanctions::{SanctionsList, SanctionsSet, Screening};

/// `zktr sanctions ...`
#[derive(Debug, clap::Subcommand)]
pub enum SanctionsCommand {
    /// Create a list publisher's Ed25519 key pair (secret in FILE, public in FILE.pub).
    Keygen {
        /// Where to write the secret key (a typed JSON key file, mode 0600); the public
        /// key goes to `<out>.pub`.
        #[arg(long)]
        out: PathBuf,
        /// Replace existing key files (by default keygen refuses to overwrite a key).
        #[arg(long)]
        force: bool,
    },
    /// Build a signed sanctions set from published lists.
    Build(BuildArgs),
    /// Screen a name, identifier or address against a set.
    Check(CheckArgs),
    /// Keys and parties added and removed between two versions of a set (both verified).
    Diff {
        /// The older set file.
        old: PathBuf,
        /// The newer set file.
        new: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Check a set file's consistency and its publisher's signature.
    Verify {
        /// The set file.
        set: PathBuf,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Download the current official lists (OFAC SDN advanced XML, UN consolidated list).
    Fetch(super::fetch::FetchArgs),
}

/// Whom to trust: the publisher's public key file(s), or a trust file.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = true)]
pub struct TrustArgs {
    /// A trusted publisher's public key file (the `.pub` keygen wrote); repeatable.
    #[arg(long = "publisher", value_name = "KEY.pub")]
    publishers: Vec<PathBuf>,
    /// A trust file: a policy file, or `{"sanctions_publishers": [...]}` in its format
    /// (name, public_key, max_age_seconds per publisher).
    #[arg(long, value_name = "FILE")]
    trust: Option<PathBuf>,
}

impl TrustArgs {
    fn load(&self) -> anyhow::Result<Trust> {
        let mut trust = Trust::default();
        if let Some(file) = &self.trust {
            trust = Trust::from_trust_file(file)?;
        }
        if !self.publishers.is_empty() {
            let more = Trust::from_key_files(&self.publishers)?;
            trust = trust.with(more);
        }
        Ok(trust)
    }
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
    #[command(flatten)]
    trust: TrustArgs,
}

/// Runs one `zktr sanctions` command.
pub fn run(cmd: SanctionsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SanctionsCommand::Keygen { out, force } => keygen(&out, force),
        SanctionsCommand::Build(args) => build(args),
        SanctionsCommand::Check(args) => check(args),
        SanctionsCommand::Diff { old, new, trust } => diff_sets(&old, &new, &trust),
        SanctionsCommand::Verify { set, trust } => verify(&set, &trust),
        SanctionsCommand::Fetch(args) => super::fetch::fetch(args),
    }
}

fn keygen(out: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let key = generate_key();
    let pub_path = write_key_pair(&key, out, force)?;
    say!("secret key: {}", out.display());
    say!("public key: {}", pub_path.display());
    say!(
        "key id:     {}",
        zktr_records::publisher_key_id(&key.verifying_key())
    );
    Ok(ExitCode::SUCCESS)
}

/// A sanctions error that names `path` (I/O and size errors name their file already).
fn named(path: &Path, e: zktr_sanctions::SanctionsError) -> anyhow::Error {
    use zktr_sanctions::SanctionsError as E;
    match e {
        E::Io { .. } | E::TooLarge { .. } | E::InvalidKey { .. } | E::KeyExists { .. } => {
            anyhow::Error::new(e)
        }
        other => anyhow::Error::new(other).context(path.display().to_string()),
    }
}

/// Loads a set file; its errors name it.
fn load(path: &Path) -> anyhow::Result<SanctionsSet> {
    SanctionsSet::load(path).map_err(|e| named(path, e))
}

/// Loads and verifies a set under `trust`: no answer comes from a set that fails this.
fn load_trusted(path: &Path, trust: &Trust) -> anyhow::Result<(SanctionsSet, VerifiedSet)> {
    let set = load(path)?;
    let verified = trust
        .verify(&set, now_unix()?)
        .with_context(|| format!("{}: refusing to use this set", path.display()))?;
    Ok((set, verified))
}

/// The line every answer carries: who signed which list, when.
fn provenance(v: &VerifiedSet) -> String {
    format!(
        "list {} version {}, published {} ({}), signed by {} ({}), signature verified",
        v.list_id,
        v.version,
        utc(v.published_at),
        v.published_at,
        v.key_id,
        v.publisher
    )
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
        .map_err(|e| named(path, e))?;
        lists.push(list);
    }
    if let Some(dir) = &args.ofac_csv {
        bar.set_message("reading OFAC CSV set");
        let version = version_from_dir_name(dir);
        lists.push(read_ofac_csv_dir(dir, &version).map_err(|e| named(dir, e))?);
    }
    if let Some(path) = &args.un {
        bar.set_message("reading UN consolidated XML");
        lists.push(read_un_file(path).map_err(|e| named(path, e))?);
    }
    if let Some(dir) = &args.addresses {
        bar.set_message("reading address lists");
        let version = version_from_dir_name(dir);
        lists.push(read_address_dir(dir, &version).map_err(|e| named(dir, e))?);
    }
    let parsed = started.elapsed();
    bar.set_message("hashing the tree and signing");
    let now = now_unix()?;
    let published_at = args.published_at.unwrap_or(now);
    if published_at > now + CLOCK_SKEW_SECONDS {
        bail!(
            "--published-at {published_at} ({}) is in the future; a set cannot be published later than it is signed",
            utc(published_at)
        );
    }
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
    say!("set:          {}", args.out.display());
    say!("list:         {} version {}", rec.list_id, rec.version);
    say!("root:         {}", fr_to_hex(&rec.root.0));
    say!("publisher:    {}", rec.publisher_key_id);
    say!("parties:      {}", st.parties);
    say!("names:        {}", st.names);
    say!("ids:          {}", st.identifiers);
    say!("addresses:    {}", st.addresses);
    say!("birth dates:  {} (listed, not keyed)", st.dates_of_birth);
    if st.skipped > 0 {
        say!("skipped:      {} (empty after normalization)", st.skipped);
    }
    say!("keys:         {} distinct", rec.key_count);
    say!(
        "time:         {:.2} s ({:.2} s reading lists, {:.2} s keys, tree and signature)",
        elapsed.as_secs_f64(),
        parsed.as_secs_f64(),
        (elapsed - parsed).as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let trust = args.trust.load()?;
    let (set, verified) = load_trusted(&args.set, &trust)?;
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
            say!("LISTED ({what}) in {} {}", rec.list_id, rec.version);
            for p in parties {
                if p.name.is_empty() {
                    say!("  {} ({})", p.id, p.kind.as_str());
                } else {
                    say!("  {} ({}): {}", p.id, p.kind.as_str(), p.name);
                }
            }
            if let (Some(chain), Some(_)) = (&args.chain, &args.address) {
                say!("  chain: {chain}");
            }
            say!("  {}", provenance(&verified));
            Ok(ExitCode::from(1))
        }
        Screening::NotListed(w) => {
            say!("NOT LISTED ({what}) in {} {}", rec.list_id, rec.version);
            say!(
                "  non-membership witness verified against root {}: leaf {} (low {}, next {})",
                fr_to_hex(&rec.root.0),
                w.index,
                fr_to_hex(&w.low),
                fr_to_hex(&w.next)
            );
            say!("  {}", provenance(&verified));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn diff_sets(old: &Path, new: &Path, trust: &TrustArgs) -> anyhow::Result<ExitCode> {
    let trust = trust.load()?;
    let (a, va) = load_trusted(old, &trust)?;
    let (b, vb) = load_trusted(new, &trust)?;
    let d = diff(&a, &b);
    let (ra, rb) = (&a.signed_root().record, &b.signed_root().record);
    say!(
        "old: {} {} ({} keys, {} parties)",
        ra.list_id,
        ra.version,
        ra.key_count,
        ra.party_count
    );
    say!(
        "new: {} {} ({} keys, {} parties)",
        rb.list_id,
        rb.version,
        rb.key_count,
        rb.party_count
    );
    say!("old {}", provenance(&va));
    say!("new {}", provenance(&vb));
    say!(
        "keys: +{} -{}; parties: +{} -{}",
        d.keys_added.len(),
        d.keys_removed.len(),
        d.parties_added.len(),
        d.parties_removed.len()
    );
    for p in &d.parties_added {
        say!("+ party {} ({}) {}", p.id, p.kind.as_str(), p.name);
    }
    for p in &d.parties_removed {
        say!("- party {} ({}) {}", p.id, p.kind.as_str(), p.name);
    }
    for (k, parties) in &d.keys_added {
        say!("+ key {} [{}]", fr_to_hex(&k.to_fr()), parties.join(", "));
    }
    for (k, parties) in &d.keys_removed {
        say!("- key {} [{}]", fr_to_hex(&k.to_fr()), parties.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(set_path: &Path, trust: &TrustArgs) -> anyhow::Result<ExitCode> {
    let trust = trust.load()?;
    let set = load(set_path)?;
    let rec = &set.signed_root().record;
    match trust.verify(&set, now_unix()?) {
        Ok(v) => {
            say!("VALID: {} {}", rec.list_id, rec.version);
            say!(
                "  root {} ({} keys, {} parties) rebuilt and matching",
                fr_to_hex(&rec.root.0),
                rec.key_count,
                rec.party_count
            );
            say!("  {}", provenance(&v));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            say!("INVALID: {e}");
            say!(
                "  the set names list {} version {}, published {} ({}), publisher key {}",
                rec.list_id,
                rec.version,
                utc(rec.published_at),
                rec.published_at,
                rec.publisher_key_id
            );
            Ok(ExitCode::from(1))
        }
    }
}
