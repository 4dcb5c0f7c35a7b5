//! `zktr demo`: one Travel Rule transfer end to end, with real data and real parts.
//!
//! 1. A list publisher builds the sanctions set from the real OFAC SDN list (ADVANCED
//!    XML, streamed from its `.bz2`) and its digital-currency address lists, and signs
//!    the root.
//! 2. The originator VASP (`zktr_node::Originator`) commits TRISA's example payload (a
//!    real BTC transfer of 0.00206412 BTC worth USD 77.86) to the 16-slot commitment,
//!    appends it to its log, signs a tree head, proves the four claims (FATF: below
//!    USD 1,000; committed in the log to exactly this on-chain transfer; neither party
//!    listed) and seals the payload for the beneficiary (TRISA envelope, RSA-OAEP-SHA512).
//! 3. The beneficiary VASP (`zktr_node::Beneficiary`) verifies the bundle under its
//!    policy without decrypting, then opens the envelope and checks that the plaintext
//!    opens the same commitment.
//! 4. A regulator checks a single disclosed slot.
//! 5. The same transfer to a listed address is refused before any proof is attempted.
//!
//! Everything a regulator needs to follow the README's flow is written to `--out`
//! (default `zktr-demo/`): the bundle (JSON and protobuf), the policy the beneficiary
//! applied, the verifying keys with their manifest, and the disclosed slot.
//!
//! The data folder is `--data`, else `ZKTR_DATA`, else `../shared/data` beside this
//! repository (found from the build's source path, never from the current directory);
//! the newest OFAC list and address-list folder in it are used (by the date in their
//! names). Keys come from `--params` (which must hold a complete set), else from the
//! repository's `params/` if `zktr setup` made keys there, else dev keys are generated in
//! memory; the demo says so plainly whenever it runs on single-party dev keys.
//!
//! The flow is library code in `zktr-node`; this file only prints.

use anyhow::{Context, anyhow, bail};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::commitment::Slot;
use zktr_circuits::field::{Word248, fr_to_decimal, fr_to_hex};
use zktr_circuits::trees::log::CommitmentLog;
use zktr_node::{
    Beneficiary, Clock, FlowError, Originator, SystemClock, ThresholdRule, TransferDetails,
    received_transfer,
};
use zktr_prover::{Parallelism, Prover, ProverError, ProvingKeys};
use zktr_records::ProofBundle;
use zktr_records::manifest::{MANIFEST_FILE, SINGLE_PARTY_DEV};
use zktr_records::policy_file::{
    EXAMPLE_POLICY_JSON, PolicyFile, RequiredList, TrustedLog, TrustedPublisher,
};
use zktr_sanctions::address_list::read_address_dir;
use zktr_sanctions::ofac_advanced::read_ofac_advanced_file;
use zktr_sanctions::set::{BuildOptions, SanctionsSet};
use zktr_trisa::{self as trisa, PublicSealingKey, SealingKey};
use zktr_verifier::{Accepted, Policy, VerifyingKeys};

/// Arguments of `zktr demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The shared data folder (OFAC list, TRISA fixtures); default: `../shared/data`
    /// beside the repository.
    #[arg(long, env = "ZKTR_DATA")]
    data: Option<PathBuf>,
    /// Groth16 keys made by `zktr setup` (a missing or incomplete folder is an error);
    /// default: the repository's `params/` if it has keys, else dev keys in memory.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Where to write the bundle, policy, verifying keys and disclosed slot.
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

/// The first `YYYY-MM-DD` in a file or folder name.
fn date_in(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = name.get(i..i + 10)?;
        let sb = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| sb[r].iter().all(u8::is_ascii_digit);
        (digits(0..4) && sb[4] == b'-' && digits(5..7) && sb[7] == b'-' && digits(8..10))
            .then_some(s)
    })
}

/// The entry of `dir` whose name starts with `prefix` (and ends with `suffix`) with the
/// newest date in its name, and that date.
fn newest(dir: &Path, prefix: &str, suffix: &str) -> anyhow::Result<(PathBuf, String)> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut best: Option<(String, PathBuf)> = None;
    for e in entries {
        let e = e.with_context(|| format!("reading {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(prefix) || !name.ends_with(suffix) {
            continue;
        }
        if let Some(date) = date_in(&name)
            && best.as_ref().is_none_or(|(d, _)| date > d.as_str())
        {
            best = Some((date.to_owned(), e.path()));
        }
    }
    best.map(|(d, p)| (p, d))
        .ok_or_else(|| anyhow!("no {prefix}<YYYY-MM-DD>{suffix} in {}", dir.display()))
}

/// Where the keys come from.
enum KeySource {
    /// A complete parameters folder.
    Params(PathBuf),
    /// Dev keys generated in memory.
    InMemory,
}

/// Decides the key source before anything slow runs: an explicit `--params` must hold a
/// complete set (manifest and every key file).
fn key_source(given: Option<&Path>) -> anyhow::Result<KeySource> {
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
        return Ok(KeySource::Params(dir.to_owned()));
    }
    let default = repo_root().join("params");
    if default.join(MANIFEST_FILE).exists() {
        Ok(KeySource::Params(default))
    } else {
        Ok(KeySource::InMemory)
    }
}

const LOG_ID: &str = "zktr-demo-originator-log";
/// SLIP-0044 coin type of Bitcoin.
const BTC_COIN_TYPE: u64 = 0;

fn step(n: u32, text: &str) {
    println!("\n[{n}] {text}");
}

fn now() -> u64 {
    SystemClock.now()
}

fn signing_key() -> anyhow::Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow!("no OS randomness: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub fn demo(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let data = &data_dir(args.data.as_deref())?;
    let source = key_source(args.params.as_deref())?;
    let started = Instant::now();

    step(
        1,
        "list publisher: sanctions set from the real OFAC SDN list",
    );
    let t = Instant::now();
    let ofac = data.join("sanctions/ofac");
    let (sdn, sdn_date) = newest(&ofac, "sdn_advanced_", ".xml.bz2")?;
    let list = read_ofac_advanced_file(&sdn, &mut |_, _| {})
        .with_context(|| format!("reading {}", sdn.display()))?;
    let (addresses, addresses_date) = newest(&ofac, "address-lists-", "")?;
    let address_list = read_address_dir(&addresses, &addresses_date)
        .with_context(|| format!("reading {}", addresses.display()))?;
    println!(
        "    {} (SDN list of {sdn_date}), {} (address lists of {addresses_date})",
        sdn.display(),
        addresses.display()
    );
    let publisher = signing_key()?;
    let set = SanctionsSet::build(
        &[list, address_list],
        &BuildOptions {
            key: &publisher,
            published_at: now(),
        },
    )?;
    let stats = set.stats();
    println!(
        "    {} parties, {} distinct keys, root {} (signed), {:.1} s",
        set.parties().len(),
        set.keys().len(),
        fr_to_hex(&set.root().0),
        t.elapsed().as_secs_f64()
    );
    println!(
        "    keys from {} names, {} identifiers, {} addresses",
        stats.names, stats.identifiers, stats.addresses
    );

    step(
        2,
        "originator VASP: commit TRISA's example transfer, log it, prove the four claims",
    );
    let clock = SystemClock;
    let payload = trisa::json::payload_from_json(&read(&data.join("trisa/payload.json"))?)?;
    let tx = trisa::payload::transaction(&payload)?;
    let tx = tx
        .transaction()
        .ok_or_else(|| anyhow!("the example payload has no transaction"))?
        .clone();
    let details = TransferDetails {
        // "value_when_transacted": "USD $77.86" in the payload's extra_json.
        fiat_value: 7_786,
        fiat_currency: 840,
        asset_id: Word248::new(BTC_COIN_TYPE.into())?,
        asset_amount: 206_412, // 0.00206412 BTC in satoshi
        beneficiary_address: tx.beneficiary.clone(),
        envelope_id: uuid::Uuid::new_v4(),
        originator_vasp_id: "api.alice.vaspbot.net".into(),
        beneficiary_vasp_id: "api.bob.vaspbot.net".into(),
        committed_at: 0, // set by the originator's clock
    };
    let t = Instant::now();
    let (keys, ceremony, transcript) = match &source {
        KeySource::Params(dir) => {
            let manifest = zktr_records::Manifest::load(dir)?;
            println!(
                "    keys from {} (ceremony {:?})",
                dir.display(),
                manifest.ceremony
            );
            (
                ProvingKeys::load(dir)
                    .with_context(|| format!("loading keys from {}", dir.display()))?,
                manifest.ceremony,
                manifest.transcript,
            )
        }
        KeySource::InMemory => {
            println!(
                "    no keys in {}: generating keys in memory (run `zktr setup` to keep them)",
                repo_root().join("params").display()
            );
            (
                ProvingKeys::generate(&CircuitId::ALL, &mut zktr_prover::keys::os_rng()?)?,
                SINGLE_PARTY_DEV.to_owned(),
                None,
            )
        }
    };
    let dev_keys = ceremony == SINGLE_PARTY_DEV;
    if dev_keys {
        println!(
            "    DEV KEYS: single-party setup ({SINGLE_PARTY_DEV}); whoever made them could forge proofs. The demo's policy allows them (\"allow_dev_keys\": true); a production policy refuses them"
        );
    }
    println!("    keys ready in {:.1} s", t.elapsed().as_secs_f64());
    let verifying_keys = VerifyingKeys::from_keys_with_ceremony(&keys.verifying_keys(), &ceremony)?;
    let prover = Prover::new(keys, Parallelism::default())?;
    let recipient = SealingKey::from_pem(&read(&data.join("trisa/sealing_key.pem"))?)?;
    check_public_key(&recipient.public_key())?;
    let log_key = signing_key()?;
    let mut originator = Originator {
        log_id: LOG_ID.into(),
        log: CommitmentLog::new(),
        log_key: log_key.clone(),
        prover: &prover,
        sanctions: &set,
        clock: &clock,
    };
    let rule = ThresholdRule {
        jurisdiction: "FATF".into(),
        threshold: 100_000,
        currency: 840,
        direction: ThresholdDirection::Below,
    };
    let t = Instant::now();
    let outgoing = originator.prepare(&payload, &details, &rule, &recipient.public_key())?;
    let wire = outgoing.bundle.to_protobuf();
    println!("    C = {}", fr_to_hex(&outgoing.bundle.commitment.0));
    println!(
        "    log {LOG_ID}: leaf {}, size {}, signed tree head",
        outgoing.log_index,
        originator.log.len()
    );
    println!(
        "    {} proofs in {:.2} s; bundle {} bytes on the wire",
        outgoing.bundle.claims.len(),
        t.elapsed().as_secs_f64(),
        wire.len()
    );

    step(
        3,
        "beneficiary VASP: verify without decrypting, then open the envelope and check it opens C",
    );
    let received = ProofBundle::from_protobuf(&wire)?;
    let policy_file = demo_policy(
        &publisher,
        &set.signed_root().record.list_id,
        &log_key,
        dev_keys,
    )?;
    let policy = Policy::new(policy_file.clone())?;
    let jurisdictions = [rule.jurisdiction.clone()];
    let beneficiary = Beneficiary {
        sealing_key: &recipient,
        verifying_keys: &verifying_keys,
        policy: &policy,
        jurisdictions: &jurisdictions,
        seen_lists: None,
        clock: &clock,
    };
    // What the beneficiary saw arrive on chain.
    let on_chain = received_transfer(
        details.asset_id,
        details.asset_amount,
        &details.beneficiary_address,
    )?;
    let accepted =
        beneficiary.accept(&outgoing.envelope, &received, &outgoing.opening, &on_chain)?;
    for claim in &accepted.accepted.claims {
        println!("    ok  {claim}");
    }
    print_accepted(&accepted.accepted);
    println!(
        "    envelope {} (RSA-OAEP-SHA512, AES-256-GCM): plaintext opens C",
        outgoing.envelope.id
    );

    step(4, "regulator: one disclosed slot, checked against C");
    let disclosed = outgoing.tree.open(Slot::FiatCurrency);
    disclosed.verify(&received.commitment)?;
    println!(
        "    slot {} ({}) = {} opens C, nothing else revealed",
        Slot::FiatCurrency.index(),
        Slot::FiatCurrency.name(),
        fr_to_decimal(&disclosed.value)
    );
    write_out(
        &args.out,
        &received,
        &policy_file,
        prover.keys(),
        &ceremony,
        transcript,
        &disclosed,
    )?;

    step(
        5,
        "the same transfer to a listed address is refused before proving",
    );
    let listed = first_listed_address(&addresses)?;
    let mut bad = details.clone();
    bad.beneficiary_address = listed.clone();
    bad.envelope_id = uuid::Uuid::new_v4();
    let mut bad_payload = payload.clone();
    retarget(&mut bad_payload, &listed)?;
    match originator.prepare(&bad_payload, &bad, &rule, &recipient.public_key()) {
        Err(FlowError::Prove(e @ ProverError::Refused { .. })) => println!("    refused: {e}"),
        Err(e) => bail!("expected a refusal, got {e}"),
        Ok(_) => bail!("a listed beneficiary address was proven not sanctioned"),
    }
    println!("\ndone in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn check_public_key(key: &PublicSealingKey) -> anyhow::Result<()> {
    let sig = key.signature()?;
    println!("    recipient key {sig}");
    Ok(())
}

/// The example policy, trusting this demo's publisher (requiring its one list) and log,
/// and allowing dev keys only if the demo runs on them.
fn demo_policy(
    publisher: &SigningKey,
    list_id: &str,
    log_key: &SigningKey,
    dev_keys: bool,
) -> anyhow::Result<PolicyFile> {
    let mut file: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON)?;
    file.name = if dev_keys {
        "zktr demo policy: ALLOWS single-party dev keys (demo only, never production)".into()
    } else {
        "zktr demo policy".into()
    };
    file.verifying_keys.allow_dev_keys = dev_keys;
    file.sanctions_publishers = vec![TrustedPublisher {
        name: "zktr demo publisher".into(),
        public_key: hex::encode(publisher.verifying_key().as_bytes()),
        max_age_seconds: 86_400,
        lists: vec![RequiredList {
            list_id: list_id.to_owned(),
            min_version: None,
            max_age_seconds: None,
            min_key_count: Some(1_000),
        }],
    }];
    file.logs = vec![TrustedLog {
        log_id: LOG_ID.into(),
        public_key: hex::encode(log_key.verifying_key().as_bytes()),
        max_tree_head_age_seconds: Some(86_400),
    }];
    Ok(file)
}

/// Prints what the beneficiary's verification established.
fn print_accepted(a: &Accepted) {
    if let Some(t) = &a.threshold {
        let side = match t.direction {
            ThresholdDirection::Below => "below",
            ThresholdDirection::AtOrAbove => "at or above",
        };
        println!(
            "    proven: fiat value {side} {} minor units of currency {}, satisfies {}",
            t.threshold,
            t.currency,
            t.satisfies.join(", ")
        );
    }
    if let Some(tx) = &a.transfer {
        println!(
            "    committed on-chain transfer: asset {}, amount {} base units (matches what arrived)",
            fr_to_decimal(&tx.asset_id.to_fr()),
            tx.asset_amount
        );
    }
    println!(
        "    logged under {} tree head of size {} (time {})",
        a.tree_head.log_id, a.tree_head.size, a.tree_head.time
    );
    for s in &a.screened {
        println!(
            "    {} screened against {} version {} ({} keys)",
            s.party.as_str(),
            s.list_id,
            s.version,
            s.key_count
        );
    }
    if a.on_dev_keys() {
        println!("    verified with single-party DEV keys (allowed by this demo's policy only)");
    }
}

/// Writes the bundle, the policy, the verifying keys and the disclosed slot to `out`.
fn write_out(
    out: &Path,
    bundle: &ProofBundle,
    policy: &PolicyFile,
    keys: &ProvingKeys,
    ceremony: &str,
    transcript: Option<zktr_records::manifest::CeremonyTranscript>,
    disclosed: &zktr_circuits::commitment::SlotOpening,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, bytes: &[u8]| -> anyhow::Result<PathBuf> {
        let path = out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    };
    let json = write("bundle.json", bundle.to_json().as_bytes())?;
    write("bundle.pb", &bundle.to_protobuf())?;
    let policy_path = write(
        "policy.json",
        (serde_json::to_string_pretty(policy)? + "\n").as_bytes(),
    )?;
    let params = out.join("params");
    keys.save_verifying_keys(&params, now(), ceremony, transcript)?;
    let slot = serde_json::json!({
        "commitment": fr_to_hex(&bundle.commitment.0),
        "slot": disclosed.slot.index(),
        "name": disclosed.slot.name(),
        "value": fr_to_decimal(&disclosed.value),
        "salt": fr_to_hex(&disclosed.salt),
        "path": disclosed.path.iter().map(fr_to_hex).collect::<Vec<_>>(),
    });
    let slot_path = write(
        "disclosed-slot.json",
        (serde_json::to_string_pretty(&slot)? + "\n").as_bytes(),
    )?;
    println!(
        "\n    wrote {} (and bundle.pb), {}, {} (verifying keys + manifest), {}",
        json.display(),
        policy_path.display(),
        params.display(),
        slot_path.display()
    );
    let o = out.display();
    println!(
        "    a regulator checks them (within a day; the policy bounds the tree head's and the list's age):"
    );
    println!(
        "      cargo run --release -- bundle verify --policy {o}/policy.json --params {o}/params {o}/bundle.json"
    );
    println!(
        "      cargo run --release -- snarkjs --params {o}/params --bundle {o}/bundle.json --claim threshold --out {o}/claim"
    );
    println!(
        "      target/npm/node_modules/.bin/snarkjs groth16 verify {o}/claim/verification_key.json {o}/claim/public.json {o}/claim/proof.json"
    );
    Ok(())
}

/// The first address of the OFAC Bitcoin list.
fn first_listed_address(dir: &Path) -> anyhow::Result<String> {
    let text = read(&dir.join("sanctioned_addresses_XBT.txt"))?;
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("the XBT address list is empty"))
}

/// Points the payload's transaction at another beneficiary address.
fn retarget(payload: &mut trisa::Payload, address: &str) -> anyhow::Result<()> {
    let tx = trisa::payload::transaction(payload)?;
    let mut tx = tx
        .transaction()
        .ok_or_else(|| anyhow!("no transaction"))?
        .clone();
    tx.beneficiary = address.to_string();
    payload.transaction = Some(prost_types::Any {
        type_url: "type.googleapis.com/trisa.data.generic.v1beta1.Transaction".into(),
        value: prost::Message::encode_to_vec(&tx),
    });
    Ok(())
}
