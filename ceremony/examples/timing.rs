//! Times the ceremony's steps on this machine (used for `docs/ceremony.md`):
//!
//! ```sh
//! cargo run --release -p zktr-ceremony --example timing -- phase1 12
//! cargo run --release -p zktr-ceremony --example timing -- phase2 threshold/v1
//! ```

use std::time::Instant;
use zktr_ceremony::phase1::PowersOfTau;
use zktr_ceremony::phase2::Phase2;
use zktr_circuits::circuits::CircuitId;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("phase1") => {
            let power: u32 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(10);
            let t = Instant::now();
            let mut pot = PowersOfTau::new(power)?;
            pot.contribute(Some("first"), b"")?;
            println!(
                "phase 1 2^{power}: first contribution (fixed base): {:?}",
                t.elapsed()
            );
            let t = Instant::now();
            pot.contribute(Some("second"), b"")?;
            println!("second contribution: {:?}", t.elapsed());
            let t = Instant::now();
            pot.prepare_phase2();
            println!("prepare phase 2 (group FFTs): {:?}", t.elapsed());
            let t = Instant::now();
            pot.verify()?;
            println!("verify: {:?}", t.elapsed());
            let t = Instant::now();
            PowersOfTau::single_party(power, Some("dev"), b"")?;
            println!(
                "single-party phase 1 with Lagrange sections: {:?}",
                t.elapsed()
            );
        }
        Some("phase2") => {
            let circuit =
                CircuitId::parse(args.get(1).map(String::as_str).unwrap_or("threshold/v1"))
                    .ok_or("unknown circuit")?;
            let dir =
                std::env::temp_dir().join(format!("zktr-ceremony-timing-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let ptau = dir.join("pot.ptau");
            let t = Instant::now();
            PowersOfTau::single_party(15, None, b"")?.write(&ptau)?;
            println!("single-party phase 1 2^15, written: {:?}", t.elapsed());
            let t = Instant::now();
            let pot = PowersOfTau::read(&ptau)?;
            println!("read phase 1: {:?}", t.elapsed());
            let t = Instant::now();
            let r1cs = zktr_ceremony::R1cs::of_circuit(circuit)?;
            println!("{circuit}: synthesize: {:?}", t.elapsed());
            let t = Instant::now();
            let phase2 = Phase2::from_r1cs(&pot, &ptau, &r1cs, circuit.as_str())?;
            println!("initial key: {:?}", t.elapsed());
            let t = Instant::now();
            phase2.init(&dir.join("0.zkey"))?;
            println!("init written: {:?}", t.elapsed());
            let t = Instant::now();
            phase2.contribute(&dir.join("0.zkey"), &dir.join("1.zkey"), Some("a"), b"")?;
            println!(
                "one contribution (read, verify input, contribute, write): {:?}",
                t.elapsed()
            );
            let t = Instant::now();
            phase2.verify(&dir.join("1.zkey"))?;
            println!("verify: {:?}", t.elapsed());
            let t = Instant::now();
            phase2.finalize(&dir.join("1.zkey"))?;
            println!("finalize (verify + arkworks key): {:?}", t.elapsed());
            std::fs::remove_dir_all(&dir)?;
        }
        _ => return Err("usage: timing phase1 POWER | phase2 CIRCUIT".into()),
    }
    Ok(())
}
