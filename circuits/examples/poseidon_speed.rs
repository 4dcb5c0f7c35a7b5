//! Native Poseidon throughput: `cargo run --release -p zktr-circuits --example poseidon_speed`.

use std::time::Instant;
use zktr_circuits::Fr;
use zktr_circuits::poseidon::{hash_n, hash_tagged};

fn main() {
    let n = 200_000u64;
    let mut acc = Fr::from(1u64);
    let t = Instant::now();
    for i in 0..n {
        acc = hash_n(4, [acc, Fr::from(i)]);
    }
    let two = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let t = Instant::now();
    for i in 0..n / 4 {
        acc = hash_tagged(2, &[acc, Fr::from(i), Fr::from(i + 1)]).unwrap_or(acc);
    }
    let three = t.elapsed().as_secs_f64() * 1e6 / (n / 4) as f64;
    println!("2 inputs: {two:.2} us/hash, 3 inputs: {three:.2} us/hash (chain end {acc})");
}
