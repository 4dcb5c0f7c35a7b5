//! Real witnesses for the fast engine's tests, benches and examples, built only through
//! public API (`zktr_circuits` commitments, log and sanctions tree; the prover's
//! `TransferStatement::claims`). Included with `#[path]` by the benches and examples,
//! and as a test module; not part of the library.

#![allow(dead_code)]

use ark_std::rand::{SeedableRng, rngs::StdRng};
use zktr_circuits::circuits::ThresholdDirection;
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, SlotValues, TransferFields};
use zktr_circuits::field::{KeyKind, ScreeningKey, Word248};
use zktr_circuits::trees::log::{CommitmentLog, InclusionProof};
use zktr_circuits::trees::sanctions::SanctionsTree;
// The includer provides `api` (`zktr_prover` from outside, `crate` from inside).
use super::api::{ClaimWitness, TransferStatement};

/// One committed transfer in a log of one, screened against `listed` synthetic keys.
pub struct World {
    tree: CommitmentTree,
    log: CommitmentLog,
    inclusion: InclusionProof,
    sanctions: SanctionsTree,
}

impl World {
    /// A transfer of 2,500.00 USD, in a one-leaf log, against `listed` synthetic names.
    pub fn new(listed: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let name = |s: &str| ScreeningKey::derive(KeyKind::Name, s);
        let fields = TransferFields {
            fiat_value: 250_000,
            fiat_currency: 840,
            asset_amount: 1_000_000_000_000_000_000,
            asset_id: Word248::from_digest_prefix(&[60u8; 32]),
            beneficiary_address_key: ScreeningKey::derive(
                KeyKind::Address,
                "0x00000000000000000000000000000000be000000",
            ),
            originator_name_key: name("ALICE FAST"),
            originator_id_key: Some(ScreeningKey::derive(KeyKind::Identifier, "ID1")),
            beneficiary_name_key: name("BOB FAST"),
            beneficiary_id_key: None,
            payload_digest: Word248::from_digest_prefix(&[7u8; 32]),
            envelope_id: 0x1e7b_b3cc_53ff_41b8_870f_4c22_110e_0000,
            originator_vasp_key: Word248::from_digest_prefix(&[11u8; 32]),
            beneficiary_vasp_key: Word248::from_digest_prefix(&[12u8; 32]),
            committed_at: 1_763_596_740,
        };
        let tree = CommitmentTree::new(
            SlotValues::from_fields(&fields),
            &MasterSalt::random(&mut rng),
        );
        let mut log = CommitmentLog::new();
        log.append(tree.commitment())
            .expect("an empty log has room");
        let inclusion = log
            .inclusion_proof(0, log.len())
            .expect("leaf 0 is in the log");
        let sanctions =
            SanctionsTree::build((0..listed).map(|i| name(&format!("LISTED PARTY {i}"))))
                .expect("synthetic keys build a set");
        Self {
            tree,
            log,
            inclusion,
            sanctions,
        }
    }

    /// The four claims (threshold at or above 1,000.00 USD), in `CircuitId::ALL` order.
    pub fn claims(&self) -> Vec<ClaimWitness> {
        TransferStatement {
            tree: &self.tree,
            threshold: 100_000,
            threshold_currency: 840,
            direction: ThresholdDirection::AtOrAbove,
            inclusion: &self.inclusion,
            log_root: self.log.root(),
            sanctions: (&self.sanctions).into(),
            clearances: &[],
            price: None,
        }
        .claims()
        .expect("the sample transfer's claims are true")
    }
}
