//! Writes a single-party phase 1, a circuit's `.r1cs` and its initial `.zkey` into a
//! folder, to compare with `snarkjs zkey new` by hand:
//! `cargo run --release -p zktr-ceremony --example export -- DIR CIRCUIT POWER`.

use std::path::PathBuf;
use zktr_ceremony::{Phase2, PowersOfTau, R1cs};
use zktr_circuits::circuits::CircuitId;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().ok_or("DIR")?);
    let circuit = CircuitId::parse(args.get(1).ok_or("CIRCUIT")?).ok_or("unknown circuit")?;
    let power: u32 = args.get(2).ok_or("POWER")?.parse()?;
    std::fs::create_dir_all(&dir)?;
    let ptau = dir.join("pot.ptau");
    let pot = PowersOfTau::single_party(power, Some("export"), b"")?;
    pot.write(&ptau)?;
    R1cs::of_circuit(circuit)?.write(&dir.join("circuit.r1cs"))?;
    let hash = Phase2::from_phase1(&pot, &ptau, circuit)?.init(&dir.join("init.zkey"))?;
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    println!("circuit hash {hex}");
    Ok(())
}
