//! `zktr circuits` and `zktr poseidon`.

use anyhow::Context;
use std::process::ExitCode;
use zktr_circuits::circuits::constraint_table;
use zktr_circuits::field::{fr_parse, fr_to_decimal, fr_to_hex};

/// Arguments of `zktr poseidon`.
#[derive(Debug, clap::Args)]
pub struct PoseidonArgs {
    /// Domain tag placed in the capacity element (circomlib `PoseidonEx` initialState).
    #[arg(long, default_value_t = 0)]
    tag: u64,
    /// The inputs: 1 to 12 numbers below the BN254 scalar modulus.
    #[arg(required = true, num_args = 1..)]
    inputs: Vec<String>,
}

pub fn table() -> anyhow::Result<ExitCode> {
    let rows = constraint_table().context("synthesizing the circuits")?;
    println!(
        "{:<32} {:>12} {:>14} {:>18} {:>11}",
        "circuit", "constraints", "public inputs", "private witnesses", "QAP domain"
    );
    for r in rows {
        println!(
            "{:<32} {:>12} {:>14} {:>18} {:>11}",
            r.id.as_str(),
            r.constraints,
            r.public_inputs,
            r.witness_variables,
            format!("2^{}", r.qap_domain().trailing_zeros())
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn poseidon(args: PoseidonArgs) -> anyhow::Result<ExitCode> {
    let inputs = args
        .inputs
        .iter()
        .map(|s| fr_parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let h = zktr_circuits::poseidon::hash_tagged(args.tag, &inputs)?;
    println!("hex:     {}", fr_to_hex(&h));
    println!("decimal: {}", fr_to_decimal(&h));
    Ok(ExitCode::SUCCESS)
}
