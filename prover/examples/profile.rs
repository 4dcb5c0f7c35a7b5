//! Where proving time goes, per claim, and the fast engine against arkworks side by side:
//! witness synthesis, the QAP witness map (ours and arkworks'), and whole proofs from the
//! same assignment with zktr's engine (`prove_assignment`) and with arkworks'
//! `create_proof_with_reduction_and_matrices` (`prove_assignment_arkworks`), alternating,
//! in a rayon pool of N threads; medians of wall and process CPU time.
//!
//! Run: `cargo run --release -p zktr-prover --example profile -- [threads] [reps] [tables]`
//! (`tables`: build the fast engine's fixed-base tables first, and report their time and
//! size).

use ark_bn254::Fr;
use ark_ff::UniformRand;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use std::time::Instant;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;

mod api {
    pub use zktr_prover::{ClaimWitness, TransferStatement};
}
#[path = "../src/fast/world.rs"]
mod world;

/// Process CPU time (user + system, all threads) in ms, from `/proc/self/stat`.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the ')'; 100 ticks/s.
    (ticks(11) + ticks(12)) * 10.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// (median wall ms, mean CPU ms) of `reps` runs.
fn time(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let cpu0 = cpu_ms();
    let walls = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    (median(walls), (cpu_ms() - cpu0) / reps as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let tables = args.next().is_some_and(|a| a == "tables");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let mut rng = StdRng::seed_from_u64(1);
    let t = Instant::now();
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng)?;
    eprintln!("keys generated in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    for p in keys.iter() {
        p.warm_up()?;
    }
    eprintln!(
        "warm-up (matrices, QAP tables) {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    if tables {
        let (t, c) = (Instant::now(), cpu_ms());
        let bytes = pool.install(|| -> Result<usize, zktr_prover::ProverError> {
            keys.iter().map(|p| p.build_tables()).sum()
        })?;
        eprintln!(
            "fixed-base tables of all four keys: {:.0} MiB in {:.0} ms wall, {:.0} ms CPU",
            bytes as f64 / (1 << 20) as f64,
            t.elapsed().as_secs_f64() * 1e3,
            cpu_ms() - c
        );
    }
    let claims = world::World::new(1000, 1).claims();
    println!(
        "threads {threads}, reps {reps}; ms: wall median / CPU mean\n{:<30} {:>6} {:>6} {:>13} {:>13} {:>15} {:>15} {:>6} {:>6}",
        "claim",
        "cons",
        "synth",
        "qap ours",
        "qap ark",
        "prove ours",
        "prove ark",
        "wall x",
        "cpu x"
    );
    let (mut tot_ours, mut tot_ark) = ((0.0, 0.0), (0.0, 0.0));
    pool.install(|| -> Result<(), zktr_prover::ProverError> {
        for w in &claims {
            let p = keys.get(w.circuit)?;
            let m = p.matrices()?;
            let full = p.assignment(w.synthesizer.clone())?;
            let fast = p.fast_key()?;
            let synth = time(reps, || {
                let _ = p.assignment(w.synthesizer.clone());
            });
            let qap_ours = time(reps, || {
                fast.qap().witness_map(&m.abc, m.num_instance, m.num_constraints, &full);
            });
            let qap_ark = time(reps, || {
                let _ = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                    &m.abc,
                    m.num_instance,
                    m.num_constraints,
                    &full,
                );
            });
            let (mut ours, mut ark) = (Vec::new(), Vec::new());
            let (mut cpu_ours, mut cpu_ark) = (0.0, 0.0);
            for _ in 0..reps {
                let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
                let (wall, cpu) = time(1, || {
                    let _ = p.prove_assignment(&full, r, s);
                });
                ours.push(wall);
                cpu_ours += cpu;
                let (wall, cpu) = time(1, || {
                    let _ = p.prove_assignment_arkworks(&full, r, s);
                });
                ark.push(wall);
                cpu_ark += cpu;
            }
            let (o, a) = (median(ours), median(ark));
            let (co, ca) = (cpu_ours / reps as f64, cpu_ark / reps as f64);
            tot_ours.0 += o;
            tot_ours.1 += co;
            tot_ark.0 += a;
            tot_ark.1 += ca;
            println!(
                "{:<30} {:>6} {:>6.1} {:>6.1} /{:>5.0} {:>6.1} /{:>5.0} {:>7.1} /{:>6.0} {:>7.1} /{:>6.0} {:>6.2} {:>6.2}",
                w.circuit.as_str(),
                m.num_constraints,
                synth.0,
                qap_ours.0,
                qap_ours.1,
                qap_ark.0,
                qap_ark.1,
                o,
                co,
                a,
                ca,
                a / o,
                ca / co.max(1e-9)
            );
        }
        Ok(())
    })?;
    println!(
        "{:<30} {:>6} {:>6} {:>13} {:>13} {:>7.1} /{:>6.0} {:>7.1} /{:>6.0} {:>6.2} {:>6.2}",
        "all four (sum of medians)",
        "",
        "",
        "",
        "",
        tot_ours.0,
        tot_ours.1,
        tot_ark.0,
        tot_ark.1,
        tot_ark.0 / tot_ours.0,
        tot_ark.1 / tot_ours.1
    );
    Ok(())
}
