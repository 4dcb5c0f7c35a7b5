//! Where proving time goes, per claim: witness synthesis, QAP witness map (FFTs), and
//! the rest (MSMs), best of 3, in a rayon pool of N threads.
//! Run: `cargo run --release -p zktr-prover --example profile -- [threads]`.

use ark_bn254::Fr;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_std::rand::{SeedableRng, rngs::StdRng};
use std::time::Instant;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};

fn min_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    let threads: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let keys = ProvingKeys::generate(&CircuitId::ALL, &mut rng).unwrap();
    keys.warm_up().unwrap();
    let world = SampleWorld::new(1, synthetic_sanctions(1000).unwrap(), 1);
    let claims = world.statement(0).unwrap().claims().unwrap();
    pool.install(|| for w in &claims {
        let p = keys.get(w.circuit).unwrap();
        let m = p.matrices().unwrap();
        let synth = || {
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_optimization_goal(OptimizationGoal::Constraints);
            cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
            w.synthesizer.clone().generate_constraints(cs.clone()).unwrap();
            let b = cs.borrow().unwrap();
            [b.instance_assignment().unwrap(), b.witness_assignment().unwrap()].concat()
        };
        let full = synth();
        let t_synth = min_ms(3, || { synth(); });
        let t_qap = min_ms(3, || { LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(&m.abc, m.num_instance, m.num_constraints, &full).unwrap(); });
        let t_total = min_ms(3, || { p.prove(w.synthesizer.clone(), &mut rng).unwrap(); });
        let t_plain = min_ms(3, || { p.prove_plain(w.synthesizer.clone(), &mut rng).unwrap(); });
        println!("{:<32} cons {:>6} synth {:>7.1} qap {:>7.1} msm {:>7.1} total {:>7.1} ({:>5.1} us/c) plain {:>7.1}", w.circuit.as_str(), m.num_constraints, t_synth, t_qap, t_total - t_synth - t_qap, t_total, t_total*1e3/m.num_constraints as f64, t_plain);
    });
}
