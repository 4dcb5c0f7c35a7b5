//! Each MSM of each claim's proof alone, zktr's engine against arkworks' `msm_bigint`,
//! on the real assignment (and the real `h`), in a pool of N threads; medians, CPU ms of
//! the process per run, and the scalar census (zero / ±1 / other).
//!
//! Run: `cargo run --release -p zktr-prover --example msm_parts -- [threads] [reps]`;
//! with `TABLES=1` also the fixed-base-table MSMs (window bits from the cost model, or
//! `CZ=bits CH=bits`).

use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::PrimeField;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use std::time::Instant;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;
use zktr_prover::engine::msm::{
    PreparedScalars, Scalar, ShiftedBases, msm, msm_shifted, table_window_bits,
};

mod api {
    pub use zktr_prover::{ClaimWitness, TransferStatement};
}
#[path = "../src/fast/world.rs"]
mod world;

/// A kernel's name, (wall, CPU) of ours and of arkworks.
type Row<'a> = (&'a str, (f64, f64), (f64, f64));

fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) * 10.0
}

fn time(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let cpu0 = cpu_ms();
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() / 2], (cpu_ms() - cpu0) / reps as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let mut rng = StdRng::seed_from_u64(1);
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng)?;
    let claims = world::World::new(1000, 1).claims();
    println!("threads {threads}; ms wall median / CPU; ours vs arkworks");
    pool.install(|| -> Result<(), zktr_prover::ProverError> {
        for w in &claims {
            let p = keys.get(w.circuit)?;
            let m = p.matrices()?;
            let full = p.assignment(w.synthesizer.clone())?;
            let h = p.fast_key()?.qap().witness_map(&m.abc, m.num_instance, m.num_constraints, &full);
            let h = &h[..p.pk.h_query.len()];
            let zb: Vec<Scalar> = full.iter().map(|x| x.into_bigint()).collect();
            let hb: Vec<Scalar> = h.iter().map(|x| x.into_bigint()).collect();
            let prep = time(reps, || {
                PreparedScalars::new(&zb);
            });
            let z = PreparedScalars::new(&zb);
            let hp = PreparedScalars::new(&hb);
            println!(
                "{} z: {} (0, ±1, other) = {:?} c {}; h: {} = {:?} c {}; prepare z {:.1}",
                w.circuit,
                z.len(),
                z.census(),
                z.window_bits(),
                hp.len(),
                hp.census(),
                hp.window_bits(),
                prep.0
            );
            let ni = m.num_instance;
            let rows: Vec<Row<'_>> = vec![
                (
                    "A g1",
                    time(reps, || {
                        let _ = msm(&p.pk.a_query, 0, &z);
                    }),
                    time(reps, || {
                        let _ = G1Projective::msm_bigint(&p.pk.a_query, &zb);
                    }),
                ),
                (
                    "B g1",
                    time(reps, || {
                        let _ = msm(&p.pk.b_g1_query, 0, &z);
                    }),
                    time(reps, || {
                        let _ = G1Projective::msm_bigint(&p.pk.b_g1_query, &zb);
                    }),
                ),
                (
                    "B g2",
                    time(reps, || {
                        let _ = msm(&p.pk.b_g2_query, 0, &z);
                    }),
                    time(reps, || {
                        let _ = G2Projective::msm_bigint(&p.pk.b_g2_query, &zb);
                    }),
                ),
                (
                    "L g1",
                    time(reps, || {
                        let _ = msm(&p.pk.l_query, ni, &z);
                    }),
                    time(reps, || {
                        let _ = G1Projective::msm_bigint(&p.pk.l_query, &zb[ni..]);
                    }),
                ),
                (
                    "H g1",
                    time(reps, || {
                        let _ = msm(&p.pk.h_query, 0, &hp);
                    }),
                    time(reps, || {
                        let _ = G1Projective::msm_bigint(&p.pk.h_query, &hb);
                    }),
                ),
            ];
            if std::env::var("TABLES").is_ok() {
                // CZ / CH override the table window bits (to try others than the
                // cost model's choice).
                let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse().ok());
                let cz = env("CZ").unwrap_or_else(|| table_window_bits(zb.len()));
                let ch = env("CH").unwrap_or_else(|| table_window_bits(hb.len()));
                let (ta, tb2, th) = (
                    ShiftedBases::new(&p.pk.a_query, cz),
                    ShiftedBases::new(&p.pk.b_g2_query, cz),
                    ShiftedBases::new(&p.pk.h_query, ch),
                );
                let (zt, ht) = (PreparedScalars::with_window(&zb, cz), PreparedScalars::with_window(&hb, ch));
                let a = time(reps, || {
                    let _ = msm_shifted(&ta, 0, &zt);
                });
                let b = time(reps, || {
                    let _ = msm_shifted(&tb2, 0, &zt);
                });
                let h = time(reps, || {
                    let _ = msm_shifted(&th, 0, &ht);
                });
                println!("  tables (c {cz}/{ch}): A g1 {:.1} / {:.0}, B g2 {:.1} / {:.0}, H g1 {:.1} / {:.0}", a.0, a.1, b.0, b.1, h.0, h.1);
            }
            for (name, o, a) in rows {
                println!(
                    "  {name}: ours {:7.1} / {:5.0}  ark {:7.1} / {:5.0}  x{:.2} (cpu x{:.2})",
                    o.0,
                    o.1,
                    a.0,
                    a.1,
                    a.0 / o.0,
                    a.1 / o.1.max(1e-9)
                );
            }
        }
        Ok(())
    })?;
    let _ = Fr::from(0u64);
    Ok(())
}
