//! A sample world for benchmarks, `zktr bench` and tests: committed transfers in a
//! commitment log with a signed tree head, a sanctions set with a signed root, and a
//! policy (the example policy's thresholds) that trusts exactly this log and publisher.
//!
//! Everything in it is real (Poseidon commitments, the 4-ary log, the indexed
//! sanctions tree, Ed25519 signatures); only the parties are invented. Keys are derived
//! from a seed so runs are reproducible; never use them outside tests and benchmarks.

use ark_std::rand::{SeedableRng, rngs::StdRng};
use ed25519_dalek::SigningKey;
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, SlotValues, TransferFields};
use zktr_circuits::field::{KeyKind, ScreeningKey, Word248};
use zktr_circuits::trees::log::{CommitmentLog, InclusionProof};
use zktr_circuits::trees::sanctions::SanctionsTree;
use zktr_prover::{BundleContext, TransferStatement};
use zktr_records::SignedTreeHead;
use zktr_records::policy_file::{
    PolicyFile, RequiredList, TrustedLog, TrustedPricePublisher, TrustedPublisher,
};
use zktr_records::{
    PriceQuote, SanctionsRootRecord, SignedPriceQuote, SignedSanctionsRoot, publisher_key_id,
};

pub use zktr_records::policy_file::EXAMPLE_POLICY_JSON;

/// The sample log's id.
pub const SAMPLE_LOG_ID: &str = "zktr-sample-log";
/// The sample sanctions list's id (what its signed root names).
pub const SAMPLE_LIST_ID: &str = "zktr-sample-list";
/// The sample's unix time (2025-11-20T00:00:00Z).
pub const SAMPLE_NOW: u64 = 1_763_596_800;

/// The sample asset's id (slot 4).
pub fn sample_asset_id() -> Word248 {
    Word248::from_digest_prefix(&[60u8; 32])
}

/// The price of sample transfer `i`'s asset in its quote: `2,500.00 + 10.00 i` USD per
/// 10^18 base units, so the quote gives exactly [`sample_fields`]'s fiat value.
pub fn sample_price(i: u64) -> (u64, u64) {
    (250_000 + i * 1_000, 1_000_000_000_000_000_000)
}

/// The committed facts of sample transfer `i`: 2,500.00 USD and up, an ETH transfer.
pub fn sample_fields(i: u64) -> TransferFields {
    let name = |s: &str| ScreeningKey::derive(KeyKind::Name, &format!("{s} {i}"));
    TransferFields {
        fiat_value: 250_000 + i * 1_000,
        fiat_currency: 840,
        asset_amount: 1_000_000_000_000_000_000 + u128::from(i),
        asset_id: sample_asset_id(),
        beneficiary_address_key: ScreeningKey::derive(
            KeyKind::Address,
            &format!("0x{:040x}", 0xbe00_0000u64 + i),
        ),
        originator_name_key: name("ALICE SAMPLE"),
        originator_id_key: Some(ScreeningKey::derive(KeyKind::Identifier, &format!("ID{i}"))),
        beneficiary_name_key: name("BOB SAMPLE"),
        beneficiary_id_key: None,
        payload_digest: Word248::from_digest_prefix(&[7u8; 32]),
        envelope_id: 0x1e7b_b3cc_53ff_41b8_870f_4c22_110e_0000 + u128::from(i),
        originator_vasp_key: Word248::from_digest_prefix(&[11u8; 32]),
        beneficiary_vasp_key: Word248::from_digest_prefix(&[12u8; 32]),
        committed_at: SAMPLE_NOW - 60,
    }
}

/// Sample transfers with their log, sanctions set and signed records.
pub struct SampleWorld {
    /// The transfers' commitment trees.
    pub transfers: Vec<CommitmentTree>,
    /// The log holding every transfer's commitment.
    pub log: CommitmentLog,
    /// Inclusion proof of each transfer at the log's current size.
    pub inclusions: Vec<InclusionProof>,
    /// The sanctions set.
    pub sanctions: SanctionsTree,
    /// The log's signing key.
    pub log_key: SigningKey,
    /// The sanctions publisher's signing key.
    pub publisher_key: SigningKey,
    /// The bundle context (jurisdiction FATF, the signed tree head, the signed root).
    pub context: BundleContext,
    /// The price publisher's signing key.
    pub price_key: SigningKey,
    /// Per transfer, a signed quote its fiat value follows from ([`sample_price`]; window
    /// `SAMPLE_NOW - 600 ..= SAMPLE_NOW + 2999`, published at `SAMPLE_NOW - 600`).
    pub quotes: Vec<SignedPriceQuote>,
}

impl core::fmt::Debug for SampleWorld {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SampleWorld")
            .field("transfers", &self.transfers.len())
            .field("log", &self.log)
            .field("sanctions", &self.sanctions)
            .finish_non_exhaustive()
    }
}

impl SampleWorld {
    /// `transfers` sample transfers, screened against `sanctions` (a built set).
    pub fn new(transfers: usize, sanctions: SanctionsTree, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let trees: Vec<CommitmentTree> = (0..transfers as u64)
            .map(|i| {
                CommitmentTree::new(
                    SlotValues::from_fields(&sample_fields(i)),
                    &MasterSalt::random(&mut rng),
                )
            })
            .collect();
        Self::from_trees(trees, sanctions, seed)
    }

    /// A world around given commitment trees (e.g. one committing a listed party).
    pub fn from_trees(trees: Vec<CommitmentTree>, sanctions: SanctionsTree, seed: u64) -> Self {
        let mut log = CommitmentLog::new();
        for t in &trees {
            // A fresh log of at most a few thousand leaves cannot be full.
            let _ = log.append(t.commitment());
        }
        let inclusions = (0..trees.len() as u64)
            .filter_map(|i| log.inclusion_proof(i, log.len()).ok())
            .collect();
        let mut k = [0u8; 32];
        k[..8].copy_from_slice(&seed.to_le_bytes());
        k[31] = 1;
        let log_key = SigningKey::from_bytes(&k);
        k[31] = 2;
        let publisher_key = SigningKey::from_bytes(&k);
        let tree_head =
            SignedTreeHead::sign(SAMPLE_LOG_ID, log.len(), log.root(), SAMPLE_NOW, &log_key);
        let record = SanctionsRootRecord {
            list_id: SAMPLE_LIST_ID.into(),
            version: "2025-11-19".into(),
            root: sanctions.root(),
            key_count: sanctions.len() as u64,
            party_count: sanctions.len() as u64,
            published_at: SAMPLE_NOW - 3_600,
            publisher_key_id: publisher_key_id(&publisher_key.verifying_key()),
        };
        let sanctions_root = SignedSanctionsRoot::sign(record, &publisher_key);
        k[31] = 3;
        let price_key = SigningKey::from_bytes(&k);
        let quotes = (0..trees.len() as u64)
            .filter_map(|i| {
                let (price_num, price_den) = sample_price(i);
                SignedPriceQuote::sign(
                    PriceQuote {
                        asset_id: sample_asset_id(),
                        currency: 840,
                        asset: "ETH".into(),
                        price_num,
                        price_den,
                        valid_from: SAMPLE_NOW - 600,
                        valid_until: SAMPLE_NOW + 2_999,
                        published_at: SAMPLE_NOW - 600,
                        publisher_key_id: publisher_key_id(&price_key.verifying_key()),
                    },
                    &price_key,
                )
                .ok()
            })
            .collect();
        Self {
            transfers: trees,
            log,
            inclusions,
            sanctions,
            log_key,
            publisher_key,
            context: BundleContext {
                jurisdiction: "FATF".into(),
                tree_head,
                sanctions_roots: vec![sanctions_root],
            },
            price_key,
            quotes,
        }
    }

    /// The statement of transfer `i` with the FATF threshold (1,000.00 USD, at or above).
    pub fn statement(&self, i: usize) -> Option<TransferStatement<'_>> {
        Some(TransferStatement {
            tree: self.transfers.get(i)?,
            threshold: 100_000,
            threshold_currency: 840,
            direction: ThresholdDirection::AtOrAbove,
            inclusion: self.inclusions.get(i)?,
            log_root: self.log.root(),
            sanctions: (&self.sanctions).into(),
            clearances: &[],
            price: None,
        })
    }

    /// [`SampleWorld::statement`] priced by transfer `i`'s quote: its threshold claim is
    /// `threshold/v2` and its bundle carries the quote.
    pub fn priced_statement(&self, i: usize) -> Option<TransferStatement<'_>> {
        Some(TransferStatement {
            price: Some(self.quotes.get(i)?),
            ..self.statement(i)?
        })
    }

    /// All statements.
    pub fn statements(&self) -> Vec<TransferStatement<'_>> {
        (0..self.transfers.len())
            .filter_map(|i| self.statement(i))
            .collect()
    }

    /// All statements, priced ([`SampleWorld::priced_statement`]).
    pub fn priced_statements(&self) -> Vec<TransferStatement<'_>> {
        (0..self.transfers.len())
            .filter_map(|i| self.priced_statement(i))
            .collect()
    }

    /// The example policy file, trusting this world's log and publisher (max age 2
    /// days), requiring the sample list and trusting the price publisher for the sample
    /// asset (windows up to one hour, quotes up to one hour old); like the example, it
    /// allows dev keys (the test keys are made in memory) and unpriced thresholds.
    /// `zktr_verifier::Policy::new` checks it.
    pub fn policy_file(&self) -> Result<PolicyFile, serde_json::Error> {
        let mut file: PolicyFile = serde_json::from_str(EXAMPLE_POLICY_JSON)?;
        file.sanctions_publishers = vec![TrustedPublisher {
            name: "sample publisher".into(),
            public_key: hex::encode(self.publisher_key.verifying_key().as_bytes()),
            max_age_seconds: 2 * 86_400,
            lists: vec![RequiredList {
                list_id: SAMPLE_LIST_ID.into(),
                min_version: None,
                max_age_seconds: None,
                min_key_count: None,
            }],
        }];
        file.logs = vec![TrustedLog {
            log_id: SAMPLE_LOG_ID.into(),
            public_key: hex::encode(self.log_key.verifying_key().as_bytes()),
            max_tree_head_age_seconds: None,
        }];
        file.price_publishers = vec![TrustedPricePublisher {
            name: "sample price publisher".into(),
            public_key: hex::encode(self.price_key.verifying_key().as_bytes()),
            assets: vec![format!(
                "0x{}",
                hex::encode(zktr_circuits::field::fr_to_be_bytes(
                    &sample_asset_id().to_fr()
                ))
            )],
            max_window_seconds: 3_600,
            max_age_seconds: 3_600,
        }];
        Ok(file)
    }
}

/// A synthetic sanctions set of `n` name keys (for benches that need no real list).
pub fn synthetic_sanctions(n: usize) -> Result<SanctionsTree, zktr_circuits::Error> {
    SanctionsTree::build(
        (0..n).map(|i| ScreeningKey::derive(KeyKind::Name, &format!("LISTED PARTY {i}"))),
    )
}
