//! Shared fixtures of the tests: Groth16 keys generated once per test binary, a real
//! sanctions set built from OFAC's published digital-currency addresses, and a sample
//! world of committed transfers. They panic on a broken fixture (tests only).

use crate::sample::SampleWorld;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use std::path::PathBuf;
use std::sync::OnceLock;
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::trees::sanctions::SanctionsTree;
use zktr_prover::ProvingKeys;

/// `../shared/data` beside the checkout (the real lists and TRISA's fixtures; they are
/// third-party publications and are never copied into the repository).
pub fn data_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
}

/// A file or folder of the shared data folder.
pub fn data(path: &str) -> PathBuf {
    data_dir().join(path)
}

/// The OFAC SDN digital-currency addresses of 2025-11-19, one file per chain.
pub fn listed_addresses() -> Vec<String> {
    let dir = data_dir().join("sanctions/ofac/address-lists-brave-2025-11-19");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("../shared/data/sanctions/ofac/address-lists-brave-2025-11-19")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("address list");
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    out
}

/// The sanctions set of every listed address (keys via the shared normalization).
pub fn real_sanctions() -> SanctionsTree {
    let keys = listed_addresses()
        .iter()
        .filter_map(|a| zktr_sanctions::screening::address_key(a).ok())
        .collect::<Vec<_>>();
    assert!(keys.len() > 700, "expected the ~745 listed addresses");
    SanctionsTree::build(keys).expect("sanctions tree")
}

/// Keys for every circuit, generated once per test binary.
pub fn keys() -> &'static ProvingKeys {
    static KEYS: OnceLock<ProvingKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng).expect("setup");
        keys.warm_up().expect("matrices");
        keys
    })
}

/// Three sample transfers screened against the real set.
pub fn world() -> &'static SampleWorld {
    static WORLD: OnceLock<SampleWorld> = OnceLock::new();
    WORLD.get_or_init(|| SampleWorld::new(3, real_sanctions(), 7))
}
