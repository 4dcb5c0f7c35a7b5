//! Times loading a parameters directory (keys, and tables where the manifest lists them),
//! and the parts of it: `cargo run --release -p zktr-prover --example load_keys -- DIR`.
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "params".into()));
    let manifest = zktr_records::Manifest::load(&dir)?;
    for c in &manifest.circuits {
        if let Some(t) = &c.tables {
            let t0 = Instant::now();
            let bytes = std::fs::read(dir.join(&t.file))?;
            let read = t0.elapsed();
            let t0 = Instant::now();
            let hash = zktr_records::manifest::sha256_hex(&bytes);
            let hashed = t0.elapsed();
            println!(
                "{:<32} {:>5} MiB: read {:>6.1} ms, SHA-256 {:>6.1} ms ({:.0} MiB/s){}",
                c.circuit,
                bytes.len() >> 20,
                read.as_secs_f64() * 1e3,
                hashed.as_secs_f64() * 1e3,
                bytes.len() as f64 / (1 << 20) as f64 / hashed.as_secs_f64(),
                if hash == t.sha256 {
                    ""
                } else {
                    " (hash differs)"
                }
            );
        }
    }
    for _ in 0..3 {
        let t0 = Instant::now();
        let keys = zktr_prover::ProvingKeys::load(&dir)?;
        println!(
            "ProvingKeys::load: {:.0} ms, tables {}",
            t0.elapsed().as_secs_f64() * 1e3,
            keys.have_tables()
        );
    }
    Ok(())
}
