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
};
use zktr_prover::{Parallelism, Prover, ProverError, ProvingKeys};
use zktr_records::ProofBundle;
use zktr_records::manifest::MANIFEST_FILE;
use zktr_records::policy_file::{EXAMPLE_POLICY_JSON, PolicyFile, TrustedLog, TrustedPublisher};
use zktr_sanctions::address_list::read_address_dir;
use zktr_sanctions::ofac_advanced::read_ofac_advanced_file;
use zktr_sanctions::set::{BuildOptions, SanctionsSet};
use zktr_trisa::{self as trisa, PublicSealingKey, SealingKey};
use zktr_verifier::{Policy, VerifyingKeys};

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
    let keys = if args.params.join(MANIFEST_FILE).exists() {
        println!("    keys from {}", args.params.display());
        ProvingKeys::load(&args.params)?
    } else {
        println!(
            "    no keys in {}: generating dev keys in memory (run `zktr setup` to keep them)",
            args.params.display()
        );
        ProvingKeys::generate(&CircuitId::ALL, &mut zktr_prover::keys::os_rng()?)?
    };
    println!("    keys ready in {:.1} s", t.elapsed().as_secs_f64());
    let verifying_keys = VerifyingKeys::from_keys(&keys.verifying_keys())?;
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
    let policy = demo_policy(&publisher, &log_key)?;
    let beneficiary = Beneficiary {
        sealing_key: &recipient,
        verifying_keys: &verifying_keys,
        policy: &policy,
        clock: &clock,
    };
    let accepted = beneficiary.accept(&outgoing.envelope, &received, &outgoing.opening)?;
    for claim in &accepted.accepted.claims {
        println!("    ok  {claim}");
    }
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

/// The example policy, trusting this demo's publisher and log.
fn demo_policy(publisher: &SigningKey, log_key: &SigningKey) -> anyhow::Result<Policy> {
    let mut file: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON)?;
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
