//! `zktr sanctions fetch`: downloads the current official lists (OFAC's SDN ADVANCED XML
//! with its published SHA-256, the UN consolidated list), each written with its own date.
//! The download itself is `zktr_node::fetch` (the only network code outside the node services is in the node crate).

use crate::say;
use std::path::PathBuf;
use std::process::ExitCode;
use zktr_node::fetch::{
    ListKind, OFAC_SDN_ADVANCED_CHECKSUM_URL, OFAC_SDN_ADVANCED_URL, UN_CONSOLIDATED_URL,
    fetch_list,
};

/// Arguments of `zktr sanctions fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Where to write the lists.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Which lists to fetch.
    #[arg(long, value_enum, default_values_t = [Which::Ofac, Which::Un])]
    list: Vec<Which>,
    /// URL of OFAC's SDN ADVANCED XML.
    #[arg(long, default_value = OFAC_SDN_ADVANCED_URL)]
    ofac_url: String,
    /// URL of the SHA-256 OFAC publishes for it ("none" to skip the check). The default
    /// address is unconfirmed (see docs/decisions.md): if it fails, give the URL of a
    /// file that states the list's SHA-256 (`sha256sum` or OpenSSL form, or bare hex).
    #[arg(long, default_value = OFAC_SDN_ADVANCED_CHECKSUM_URL)]
    ofac_checksum_url: String,
    /// URL of the UN consolidated list XML.
    #[arg(long, default_value = UN_CONSOLIDATED_URL)]
    un_url: String,
}

/// A list `fetch` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Which {
    /// OFAC's SDN list (ADVANCED XML).
    Ofac,
    /// The UN Security Council consolidated list.
    Un,
}

/// Runs `zktr sanctions fetch`.
pub fn fetch(args: FetchArgs) -> anyhow::Result<ExitCode> {
    for which in &args.list {
        let (kind, url, checksum) = match which {
            Which::Ofac => (
                ListKind::OfacAdvanced,
                args.ofac_url.as_str(),
                Some(args.ofac_checksum_url.as_str()).filter(|c| *c != "none"),
            ),
            Which::Un => (ListKind::UnConsolidated, args.un_url.as_str(), None),
        };
        let f = fetch_list(kind, url, checksum, &args.out)?;
        say!("{}", f.path.display());
        say!("  from:     {url}");
        say!("  date:     {} ({} parties)", f.date, f.parties);
        say!("  size:     {} bytes", f.bytes);
        say!(
            "  sha256:   {} ({})",
            f.sha256,
            if f.checksum_checked {
                "matches the published checksum"
            } else {
                "no published checksum"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
