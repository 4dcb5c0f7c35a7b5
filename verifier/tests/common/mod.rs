//! What the verifier's integration tests share: testkit's keys, once per test binary, as
//! prepared verifying keys (dev keys: made in memory) and as a prover.

use std::sync::OnceLock;
use zktr_prover::{Parallelism, Prover};
use zktr_testkit::keys;
use zktr_verifier::VerifyingKeys;

/// The verifying halves of testkit's keys.
pub fn dev_keys() -> &'static VerifyingKeys {
    static VK: OnceLock<VerifyingKeys> = OnceLock::new();
    VK.get_or_init(|| VerifyingKeys::from_keys(&keys().verifying_keys()).expect("verifying keys"))
}

/// A prover with testkit's keys.
pub fn prover() -> &'static Prover {
    static P: OnceLock<Prover> = OnceLock::new();
    P.get_or_init(|| Prover::new(keys().clone(), Parallelism::default()).expect("prover"))
}
