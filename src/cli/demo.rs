//! `zktr demo`: the whole Travel Rule network in one command, on loopback with real
//! mutual TLS: a list publisher signing the real OFAC SDN set, two VASP nodes, a
//! verifier service and a regulator; four transfers (below FATF's threshold, above the
//! US threshold, one to a listed address that is refused, one held on a name hit and
//! cleared by an officer), the verifier's per-claim results, a disclosed slot checked
//! against `C`, and the regulator's audit with the path of its report page.
//!
//! The data folder is `--data`, else `ZKTR_DATA`, else `../shared/data` beside this
//! repository (found from the build's source path, never from the current directory);
//! the newest OFAC list and address-list folder in it are used (by the date in their
//! names). Keys come from `--params` (which must hold a complete set), else from the
//! repository's `params/` if `zktr setup` made keys there, else single-party dev keys are
//! made for the run; the demo says so plainly whenever it runs on them.
//!
//! The flow is library code (`zktr_node::demo::run`); this file only prints its events.
//! It prints with [`say!`](crate::say), never `println!`: a closed stdout (`zktr demo |
//! head`) must not end the process in the middle of the run, which would leave the run's
//! temporary folder (the dev CA's and the nodes' private keys) behind in `/tmp`; the run
//! goes on silently and removes it.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::say;
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::field::fr_to_hex;
use zktr_node::demo::{self, DemoOptions, Event, TransferSeen};
use zktr_records::manifest::{MANIFEST_FILE, SINGLE_PARTY_DEV};

/// Arguments of `zktr demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The shared data folder (OFAC list, TRISA fixtures); default: `../shared/data`
    /// beside the repository.
    #[arg(long, env = "ZKTR_DATA")]
    data: Option<PathBuf>,
    /// Groth16 keys made by `zktr setup` (a missing or incomplete folder is an error);
    /// default: the repository's `params/` if it has keys, else dev keys for the run.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Where to keep the bundles, receipts, keys, policy and the audit's report.
    #[arg(long, default_value = "zktr-demo")]
    out: PathBuf,
}

/// The repository's root (where this binary was built from).
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared data folder: `--data` / `ZKTR_DATA`, else `../shared/data` beside the
/// repository. Never relative to the current directory.
pub(crate) fn data_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = match given {
        Some(d) => d.to_owned(),
        None => repo_root().join("../shared/data"),
    };
    if !dir.is_dir() {
        bail!(
            "data folder {} not found (pass --data DIR or set ZKTR_DATA)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The keys to use, decided before anything slow runs: an explicit `--params` must hold a
/// complete set (manifest and every key file); else the repository's `params/` if
/// `zktr setup` made keys there; else `None` (dev keys for the run).
fn params(given: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    if let Some(dir) = given {
        let manifest = zktr_records::Manifest::load(dir).with_context(|| {
            format!(
                "--params {}: not a folder made by `zktr setup`",
                dir.display()
            )
        })?;
        for c in CircuitId::ALL {
            let e = manifest.entry(c)?;
            for f in [&e.proving_key.file, &e.verifying_key.file] {
                if !dir.join(f).is_file() {
                    bail!(
                        "--params {}: {f} is missing (incomplete keys)",
                        dir.display()
                    );
                }
            }
        }
        return Ok(Some(dir.to_owned()));
    }
    let default = repo_root().join("params");
    Ok(default.join(MANIFEST_FILE).exists().then_some(default))
}

fn step(n: u32, text: &str) {
    say!("\n[{n}] {text}");
}

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let opts = DemoOptions {
        data: data_dir(args.data.as_deref())?,
        params: params(args.params.as_deref())?,
        out: args.out,
        remove_on_interrupt: true,
    };
    let report = demo::run(&opts, &mut print)?;
    say!(
        "\nregulator's report page: {}",
        report.report_html.display()
    );
    if report.dev_keys {
        say!(
            "(DEV KEYS: every proof above is checkable, but whoever made the keys could forge them; a real network uses keys from a ceremony)"
        );
    }
    say!("done in {:.1} s", report.elapsed.as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn print(event: &Event) {
    match event {
        Event::Publisher(p) => {
            step(
                1,
                "list publisher: sanctions set from the real OFAC SDN list",
            );
            say!(
                "    {} (SDN list of {}), {} (address lists of {})",
                p.sdn.display(),
                p.sdn_date,
                p.addresses.display(),
                p.addresses_date
            );
            say!(
                "    {} parties, {} distinct keys ({} from names, {} identifiers, {} addresses), {:.1} s",
                p.parties,
                p.keys,
                p.from[0],
                p.from[1],
                p.from[2],
                p.secs
            );
            say!(
                "    signed root {} of {} under publisher key {}",
                p.root,
                p.list,
                p.publisher_key
            );
        }
        Event::Keys(k) => {
            match &k.from {
                Some(dir) => say!(
                    "    proving keys from {} (ceremony {:?})",
                    dir.display(),
                    k.ceremony
                ),
                None => say!(
                    "    proving keys: made for this run in {:.1} s (run `zktr setup` to keep keys)",
                    k.secs
                ),
            }
            if k.dev_keys {
                say!(
                    "    DEV KEYS: single-party setup ({SINGLE_PARTY_DEV}); whoever made them could forge proofs. The demo's policy allows them (\"allow_dev_keys\": true); a production policy refuses them"
                );
            }
        }
        Event::Network(n) => {
            step(
                2,
                "the network on loopback: a dev CA for this run, mutual TLS on every connection",
            );
            for (name, addr, j) in &n.nodes {
                say!("    VASP node {name} on {addr}, attests the {j} threshold");
            }
            say!("    verifier service (zktr.verifier.v1) on {}", n.verifier);
            say!(
                "    regulator: certificate {} with the regulator role on both nodes; {} is alice's compliance officer",
                n.regulator,
                n.officer
            );
            step(3, "transfers, each through the originator's back office");
        }
        Event::Transfer(t) => print_transfer(t),
        Event::Review(r) => {
            say!("\n  (d) held: {}", r.held);
            say!(
                "    {}: screening hit on {} (a person named like SDN entry {}); {}",
                demo::ALICE,
                r.slot,
                r.listed,
                if r.nothing_sent {
                    "nothing proven or sent"
                } else {
                    "ALREADY SENT"
                }
            );
            say!(
                "    {} signs a clearance ({}) for this C and this list version; alice proves the other claims and sends it",
                r.officer,
                r.basis
            );
        }
        Event::Verified(v) => {
            step(
                4,
                "verifier service: the delivered bundles over gRPC (one stream, batched), against what arrived on chain",
            );
            for b in v {
                say!(
                    "  ({}) {}",
                    b.label,
                    if b.accepted { "ACCEPTED" } else { "REJECTED" }
                );
                for (circuit, ok, problems) in &b.claims {
                    if *ok {
                        say!("    ok  {circuit}");
                    } else {
                        say!("    BAD {circuit}: {}", problems.join("; "));
                    }
                }
                for p in &b.problems {
                    say!("    problem: {p}");
                }
                if !b.threshold.is_empty() {
                    say!("    proven: {}", b.threshold);
                }
                for c in &b.cleared {
                    say!("    {c}");
                }
                if b.dev_keys {
                    say!(
                        "    checked with single-party DEV keys (allowed by this demo's policy only)"
                    );
                }
            }
        }
        Event::Disclosed(d) => {
            step(
                5,
                "regulator: one slot disclosed, then the audit of alice.demo",
            );
            say!(
                "    transfer (a): slot {} = {} {} C = {}; nothing else revealed",
                d.slot,
                d.value,
                match &d.opens {
                    Ok(()) => "opens".to_string(),
                    Err(e) => format!("DOES NOT open ({e})"),
                },
                d.commitment
            );
        }
        Event::Audited(a) => {
            let s = &a.summary;
            say!(
                "    audit of {}: {} transfers, {} passed, {} failed; {} of {} claims verified; {} receipts ok",
                a.node,
                s.transfers,
                s.passed,
                s.failed,
                s.claims_verified,
                s.claims,
                s.receipts_ok
            );
            for j in s
                .thresholds
                .iter()
                .filter(|j| j.at_or_above + j.below + j.undetermined > 0)
            {
                say!(
                    "    {}: {} at or above, {} below ({})",
                    j.jurisdiction,
                    j.at_or_above,
                    j.below,
                    j.thresholds
                );
            }
            if let Some(log) = &a.audit_log {
                say!("    alice's audit log of regulator requests: {log}");
            }
            say!("    {}", a.json.display());
        }
        Event::Written(files) => {
            step(6, "kept for a reader to check");
            for f in files {
                say!("    {}", f.display());
            }
            if let Some(out) = files
                .iter()
                .find(|f| f.ends_with("policy.json"))
                .and_then(|f| f.parent())
            {
                let o = out.display();
                say!(
                    "    e.g. zktr bundle verify --policy {o}/policy.json --params {o}/params {o}/bundles/a.json"
                );
                say!(
                    "         zktr receipt verify --key $(cat {o}/keys/bob.demo.receipt.pub) {o}/receipts/a.json"
                );
            }
        }
        _ => {}
    }
}

fn print_transfer(t: &TransferSeen) {
    say!("\n  ({}) {} -> {}: {}", t.label, t.from, t.to, t.what);
    let Some(bundle) = &t.bundle else {
        say!("    {}: {} before any proof: {}", t.from, t.state, t.reason);
        return;
    };
    let claims: Vec<String> = bundle
        .claims
        .iter()
        .map(|c| c.circuit.to_string())
        .collect();
    say!("    {}: proved {}", t.from, claims.join(", "));
    for c in &bundle.clearances {
        say!(
            "    {}: carries {}'s clearance of the {} instead of a proof",
            t.from,
            c.officer,
            c.slot.as_str()
        );
    }
    say!("    C = {}", fr_to_hex(&bundle.commitment.0));
    say!(
        "    logged: {}'s signed tree head of size {} covers C; threshold rule {}",
        bundle.tree_head.log_id,
        bundle.tree_head.size,
        bundle.jurisdiction
    );
    say!(
        "    {}: verified the bundle without decrypting, opened the envelope: plaintext opens C; state {}{}",
        t.to,
        t.beneficiary_state.as_deref().unwrap_or("?"),
        if t.same_bundle {
            ", the same bundle stored"
        } else {
            ", ANOTHER bundle stored"
        }
    );
    if let Some(r) = &t.receipt {
        say!(
            "    receipt: signed by {} at {}, checks under its receipt key; {}: {}",
            r.beneficiary,
            r.received_at,
            t.from,
            t.state
        );
    }
}
