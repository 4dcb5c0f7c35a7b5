//! `zktr demo`: one Travel Rule transfer end to end, with real data and real parts.
//!
//! 1. A list publisher builds the sanctions set from the real OFAC SDN list (ADVANCED
//!    XML, streamed from its `.bz2`) and its digital-currency address lists, and signs
//!    the root.
//! 2. The originator VASP commits TRISA's example payload (a real BTC transfer of
//!    0.00206412 BTC worth USD 77.86) to the 16-slot commitment, appends it to its log
//!    and signs a tree head.
//! 3. It proves the four claims (FATF: below USD 1,000; committed in the log to exactly
//!    this on-chain transfer; neither party listed) and assembles the ProofBundle.
//! 4. It seals the payload for the beneficiary VASP (TRISA envelope, RSA-OAEP-SHA512),
//!    which opens it and checks that the plaintext opens the same commitment.
//! 5. A verifier node checks the bundle against its policy without decrypting anything;
//!    a regulator checks a single disclosed slot.
//! 6. The same transfer to a listed address is refused before any proof is attempted.

use anyhow::{Context, anyhow, bail};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, Slot};
use zktr_circuits::field::{Word248, fr_to_decimal, fr_to_hex};
use zktr_circuits::trees::log::CommitmentLog;
use zktr_node::commit::{TransferDetails, slot_values};
use zktr_node::sanctions::address_list::read_address_dir;
use zktr_node::sanctions::ofac_advanced::read_ofac_advanced_file;
use zktr_node::sanctions::set::{BuildOptions, SanctionsSet};
use zktr_node::trisa::{self, PublicSealingKey, SealOptions, SealingKey};
use zktr_prover::{
    BundleContext, Parallelism, Prover, ProverError, ProvingKeys, TransferStatement,
};
use zktr_verifier::params::MANIFEST_FILE;
use zktr_verifier::policy::{PolicyFile, TrustedLog, TrustedPublisher};
use zktr_verifier::{Policy, ProofBundle, SignedTreeHead, verify_bundle};

/// Arguments of `zktr demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The shared data folder (OFAC list, TRISA fixtures).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Groth16 keys made by `zktr setup`; generated in memory if the folder has none.
    #[arg(long, default_value = "params")]
    params: PathBuf,
}

const LOG_ID: &str = "zktr-demo-originator-log";
/// SLIP-0044 coin type of Bitcoin.
const BTC_COIN_TYPE: u64 = 0;

fn step(n: u32, text: &str) {
    println!("\n[{n}] {text}");
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
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
    let data = &args.data;
    let started = Instant::now();

    step(
        1,
        "list publisher: sanctions set from the real OFAC SDN list",
    );
    let t = Instant::now();
    let sdn = data.join("sanctions/ofac/sdn_advanced_2025-11-19.xml.bz2");
    let list = read_ofac_advanced_file(&sdn, &mut |_, _| {})
        .with_context(|| format!("reading {}", sdn.display()))?;
    let addresses = data.join("sanctions/ofac/address-lists-brave-2025-11-19");
    let address_list = read_address_dir(&addresses, "2025-11-19")
        .with_context(|| format!("reading {}", addresses.display()))?;
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
        "originator VASP: commit TRISA's example transfer and log it",
    );
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
        committed_at: now(),
    };
    let mut salt_rng = zktr_prover::keys::os_rng()?;
    let master_salt = MasterSalt::random(&mut salt_rng);
    let values = slot_values(&payload, &details)?;
    let tree = CommitmentTree::new(values, &master_salt);
    let c = tree.commitment();
    let mut log = CommitmentLog::new();
    let index = log.append(c)?;
    let log_key = signing_key()?;
    let sth = SignedTreeHead::sign(LOG_ID, log.len(), log.root(), now(), &log_key);
    let inclusion = log.inclusion_proof(index, log.len())?;
    println!("    C = {}", fr_to_hex(&c.0));
    println!(
        "    log {LOG_ID}: leaf {index}, size {}, signed tree head",
        log.len()
    );

    step(3, "originator VASP: prove the four claims");
    let t = Instant::now();
    let keys = if args.params.join(MANIFEST_FILE).exists() {
        println!("    keys from {}", args.params.display());
        ProvingKeys::load(&args.params)?
    } else {
        println!(
            "    no keys in {}: generating dev keys in memory (run `zktr setup` to keep them)",
            args.params.display()
        );
        ProvingKeys::generate(&CircuitId::ALL, &mut salt_rng)?
    };
    println!("    keys ready in {:.1} s", t.elapsed().as_secs_f64());
    let verifying_keys = keys.verifying_keys()?;
    let prover = Prover::new(keys, Parallelism::default())?;
    let context = BundleContext {
        jurisdiction: "FATF".into(),
        tree_head: sth.clone(),
        sanctions_root: set.signed_root().clone(),
    };
    let statement = TransferStatement {
        tree: &tree,
        threshold: 100_000,
        threshold_currency: 840,
        direction: ThresholdDirection::Below,
        inclusion: &inclusion,
        log_root: log.root(),
        sanctions: set.tree(),
    };
    let t = Instant::now();
    let bundle = prover.prove_transfer(&statement, &context)?;
    let wire = bundle.to_protobuf();
    println!(
        "    {} proofs in {:.2} s; bundle {} bytes on the wire",
        bundle.claims.len(),
        t.elapsed().as_secs_f64(),
        wire.len()
    );

    step(
        4,
        "beneficiary VASP: open the TRISA envelope and check it opens C",
    );
    let recipient = SealingKey::from_pem(&read(&data.join("trisa/sealing_key.pem"))?)?;
    let envelope = trisa::seal(
        &payload,
        &recipient.public_key(),
        &SealOptions {
            id: Some(details.envelope_id),
            ..SealOptions::default()
        },
    )?;
    check_public_key(&recipient.public_key())?;
    let opened = trisa::open(&envelope, Some(&recipient))?;
    let reopened = CommitmentTree::new(slot_values(&opened, &details)?, &master_salt);
    if reopened.commitment() != c {
        bail!("the decrypted payload does not open the commitment");
    }
    println!(
        "    envelope {} (RSA-OAEP-SHA512, AES-256-GCM): plaintext opens C",
        details.envelope_id
    );

    step(5, "verifier node and regulator: check without decrypting");
    let received = ProofBundle::from_protobuf(&wire)?;
    let policy = demo_policy(&publisher, &log_key)?;
    match verify_bundle(&received, &verifying_keys, &policy, now()) {
        Ok(accepted) => {
            for claim in &accepted.claims {
                println!("    ok  {claim}");
            }
        }
        Err(rejection) => bail!("the verifier rejected the bundle: {rejection:?}"),
    }
    let disclosed = tree.open(Slot::FiatCurrency);
    disclosed.verify(&received.commitment)?;
    println!(
        "    regulator: slot {} ({}) = {} opens C, nothing else revealed",
        Slot::FiatCurrency.index(),
        Slot::FiatCurrency.name(),
        fr_to_decimal(&disclosed.value)
    );

    step(
        6,
        "the same transfer to a listed address is refused before proving",
    );
    let listed = first_listed_address(&addresses)?;
    let mut bad = details.clone();
    bad.beneficiary_address = listed.clone();
    let mut bad_payload = payload.clone();
    retarget(&mut bad_payload, &listed)?;
    let bad_tree = CommitmentTree::new(slot_values(&bad_payload, &bad)?, &master_salt);
    let mut bad_log = log.clone();
    let bad_index = bad_log.append(bad_tree.commitment())?;
    let bad_inclusion = bad_log.inclusion_proof(bad_index, bad_log.len())?;
    let bad_context = BundleContext {
        tree_head: SignedTreeHead::sign(LOG_ID, bad_log.len(), bad_log.root(), now(), &log_key),
        ..context
    };
    let bad_statement = TransferStatement {
        tree: &bad_tree,
        inclusion: &bad_inclusion,
        log_root: bad_log.root(),
        ..statement
    };
    match prover.prove_transfer(&bad_statement, &bad_context) {
        Err(e @ ProverError::Refused { .. }) => println!("    refused: {e}"),
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

/// The example policy, trusting this demo's publisher and log.
fn demo_policy(publisher: &SigningKey, log_key: &SigningKey) -> anyhow::Result<Policy> {
    let mut file: PolicyFile = serde_json::from_str(zktr_prover::sample::EXAMPLE_POLICY_JSON)?;
    file.sanctions_publishers = vec![TrustedPublisher {
        name: "zktr demo publisher".into(),
        public_key: hex::encode(publisher.verifying_key().as_bytes()),
        max_age_seconds: 86_400,
    }];
    file.logs = vec![TrustedLog {
        log_id: LOG_ID.into(),
        public_key: hex::encode(log_key.verifying_key().as_bytes()),
    }];
    Ok(Policy::new(file)?)
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
