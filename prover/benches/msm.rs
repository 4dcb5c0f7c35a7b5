//! The fast engine's kernels alone against arkworks, at every circuit's sizes, on the
//! circuits' real assignments: the G1 MSM over the assignment (the `A` query's size), the
//! G2 MSM (the `B` query), the G1 MSM over `h` (the domain size), and the QAP witness map.
//! Ours includes preparing the scalars (classification and recoding).
//!
//! `cargo bench -p zktr-prover --bench msm` (criterion; one rayon thread unless
//! `RAYON_NUM_THREADS` says otherwise). Under `cargo test` (no `--bench`), one small
//! random instance of each runs once, without building witnesses or matrices.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_std::rand::{SeedableRng, rngs::StdRng};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use zktr_prover::engine::Matrices;
use zktr_prover::engine::msm::{PreparedScalars, Scalar, msm};
use zktr_prover::engine::qap::QapDomain;

mod api {
    pub use zktr_prover::{ClaimWitness, TransferStatement};
}
#[path = "../src/fast/world.rs"]
mod world;

/// One circuit's inputs to the kernels.
struct Case {
    name: String,
    z: Vec<Fr>,
    h: Vec<Fr>,
    qap: Option<(Matrices, QapDomain)>,
}

/// `n` distinct points `P + i Q` (normalized together), cheap to make.
fn points<C: CurveGroup>(n: usize, rng: &mut StdRng) -> Vec<C::Affine> {
    let (p, q) = (C::rand(rng), C::rand(rng));
    let mut acc = p;
    let v: Vec<C> = (0..n)
        .map(|_| {
            acc += q;
            acc
        })
        .collect();
    C::normalize_batch(&v)
}

fn cases(full: bool) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(3);
    if !full {
        let z = (0..256).map(|_| Fr::rand(&mut rng)).collect();
        let h = (0..255).map(|_| Fr::rand(&mut rng)).collect();
        return vec![Case {
            name: "random-256".into(),
            z,
            h,
            qap: None,
        }];
    }
    world::World::new(1000, 1)
        .claims()
        .into_iter()
        .filter_map(|w| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            cs.set_optimization_goal(OptimizationGoal::Constraints);
            cs.set_mode(SynthesisMode::Prove {
                construct_matrices: false,
                generate_lc_assignments: false,
            });
            w.synthesizer.generate_constraints(cs.clone()).ok()?;
            let z = {
                let b = cs.borrow()?;
                [b.instance_assignment().ok()?, b.witness_assignment().ok()?].concat()
            };
            let m = Matrices::build(w.circuit).ok()?;
            let d = QapDomain::new(m.num_constraints, m.num_instance)?;
            let mut h = d.witness_map(&m.abc, m.num_instance, m.num_constraints, &z);
            h.truncate(d.size() - 1);
            Some(Case {
                name: w.circuit.as_str().to_owned(),
                z,
                h,
                qap: Some((m, d)),
            })
        })
        .collect()
}

fn bigints(v: &[Fr]) -> Vec<Scalar> {
    v.iter().map(|x| x.into_bigint()).collect()
}

fn kernels(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let cases = cases(full);
    let mut rng = StdRng::seed_from_u64(4);
    let max = cases
        .iter()
        .map(|k| k.z.len().max(k.h.len()))
        .max()
        .unwrap_or(0);
    let g1: Vec<G1Affine> = points::<G1Projective>(max, &mut rng);
    let g2: Vec<G2Affine> =
        points::<G2Projective>(cases.iter().map(|k| k.z.len()).max().unwrap_or(0), &mut rng);
    let _ = G1Projective::generator();

    let mut group = c.benchmark_group("msm");
    group.sample_size(10);
    for k in &cases {
        let (zb, hb) = (bigints(&k.z), bigints(&k.h));
        let (n, nh) = (k.z.len(), k.h.len());
        group.bench_with_input(BenchmarkId::new("g1_z/ours", &k.name), &n, |b, _| {
            b.iter(|| msm(&g1[..n], 0, &PreparedScalars::new(black_box(&zb))))
        });
        group.bench_with_input(BenchmarkId::new("g1_z/arkworks", &k.name), &n, |b, _| {
            b.iter(|| G1Projective::msm_bigint(&g1[..n], black_box(&zb)))
        });
        group.bench_with_input(BenchmarkId::new("g2_z/ours", &k.name), &n, |b, _| {
            b.iter(|| msm(&g2[..n], 0, &PreparedScalars::new(black_box(&zb))))
        });
        group.bench_with_input(BenchmarkId::new("g2_z/arkworks", &k.name), &n, |b, _| {
            b.iter(|| G2Projective::msm_bigint(&g2[..n], black_box(&zb)))
        });
        group.bench_with_input(BenchmarkId::new("g1_h/ours", &k.name), &nh, |b, _| {
            b.iter(|| msm(&g1[..nh], 0, &PreparedScalars::new(black_box(&hb))))
        });
        group.bench_with_input(BenchmarkId::new("g1_h/arkworks", &k.name), &nh, |b, _| {
            b.iter(|| G1Projective::msm_bigint(&g1[..nh], black_box(&hb)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("qap");
    group.sample_size(10);
    for k in &cases {
        let Some((m, d)) = &k.qap else { continue };
        group.bench_function(BenchmarkId::new("ours", &k.name), |b| {
            b.iter(|| d.witness_map(&m.abc, m.num_instance, m.num_constraints, black_box(&k.z)))
        });
        group.bench_function(BenchmarkId::new("arkworks", &k.name), |b| {
            b.iter(|| {
                LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                    &m.abc,
                    m.num_instance,
                    m.num_constraints,
                    black_box(&k.z),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
