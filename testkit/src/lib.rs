//! # zktr-testkit
//!
//! Fixtures for zktr's tests and benchmarks (`publish = false`): never a dependency of a
//! library crate. `zktr bench` uses the [`sample`] world to measure proving on synthetic
//! transfers.
//!
//! * [`sample`]: a sample world of committed transfers in a log with a signed tree head, a
//!   sanctions set with a signed root, and the example policy trusting exactly those;
//! * `fixtures`: the shared data folder, the real OFAC address set, Groth16 keys made
//!   once per test binary;
//! * [`snarkjs`]: finding and running snarkjs for the cross-checks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod fixtures;
pub mod sample;
pub mod snarkjs;

pub use fixtures::{data, data_dir, keys, listed_addresses, real_sanctions, world};
pub use sample::{
    EXAMPLE_POLICY_JSON, SAMPLE_LIST_ID, SAMPLE_NOW, SampleWorld, sample_asset_id, sample_fields,
    sample_price, synthetic_sanctions,
};
