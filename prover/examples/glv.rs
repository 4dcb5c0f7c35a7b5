//! The GLV lever measured on its own (issue 11): the beneficiary's `A` (G1) and `B` (G2)
//! MSMs with fixed-base tables, as the engine computes them, against the same MSMs
//! after BN254's GLV decomposition `z = k1 + lambda k2` (`|k1|, |k2| < 2^128`) over
//! the bases `±P` and `±phi(P)`: half the windows per scalar, twice the points. The
//! GLV run gets its own tables over the `2n` bases (built once, not timed), so it
//! measures the additions and reductions, not the memory a real GLV table would save
//! (`phi(P)` costs one `Fq` product per point, or the tables' second half). One thread.
//!
//! Run: `cargo run --release -p zktr-prover --example glv -- [reps]` (about a minute, most
//! of it building the tables). Each GLV result is checked against the MSM as built.
//! Figures: docs/performance.md, "Engine, fifth step".

use ark_bn254::Fr;
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ff::PrimeField;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use std::time::Instant;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::ProvingKeys;
use zktr_prover::engine::field::BatchInverse;
use zktr_prover::engine::msm::{
    PreparedScalars, Scalar, ShiftedBases, msm_shifted, table_window_bits,
};

mod api {
    pub use zktr_prover::{ClaimWitness, TransferStatement};
}
#[path = "../src/fast/world.rs"]
mod world;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn time_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

/// `(bases, scalars)` of the GLV form of `sum z_j P_j`: `k1_j (±P_j)` and `k2_j (±phi(P_j))`.
fn glv_form<P: GLVConfig<ScalarField = Fr>>(
    bases: &[Affine<P>],
    z: &[Fr],
) -> (Vec<Affine<P>>, Vec<Scalar>) {
    let n = bases.len();
    let (mut b, mut s) = (Vec::with_capacity(2 * n), Vec::with_capacity(2 * n));
    let mut b2 = Vec::with_capacity(n);
    let mut s2 = Vec::with_capacity(n);
    for (p, x) in bases.iter().zip(z) {
        let ((pos1, k1), (pos2, k2)) = P::scalar_decomposition(*x);
        b.push(if pos1 { *p } else { -*p });
        s.push(k1.into_bigint());
        let q = P::endomorphism_affine(p);
        b2.push(if pos2 { q } else { -q });
        s2.push(k2.into_bigint());
    }
    b.extend(b2);
    s.extend(s2);
    (b, s)
}

/// Times the MSM of `bases` with tables of window `c`, then in GLV form with windows
/// `c - 1 ..= c + 1`, each checked against the first.
fn compare<P>(name: &str, bases: &[Affine<P>], z: &[Fr], zb: &[Scalar], c: usize, reps: usize)
where
    P: GLVConfig<ScalarField = Fr>,
    P::BaseField: BatchInverse,
{
    let t = ShiftedBases::new(bases, c);
    let zs = PreparedScalars::with_window(zb, c);
    let plain: Projective<P> = msm_shifted(&t, 0, &zs);
    let ms = time_ms(reps, || {
        let _ = std::hint::black_box(msm_shifted(&t, 0, &zs));
    });
    println!("{name}, {} bases: tables c {c}: {ms:.1} ms", zb.len());
    let (gb, gs) = glv_form(bases, z);
    for cg in [c - 1, c, c + 1] {
        let t = ShiftedBases::new(&gb, cg);
        let s = PreparedScalars::with_window(&gs, cg);
        assert_eq!(msm_shifted(&t, 0, &s), plain, "GLV form of {name}");
        let ms = time_ms(reps, || {
            let _ = std::hint::black_box(msm_shifted(&t, 0, &s));
        });
        println!("  GLV, {} bases of 128 bits, c {cg}: {ms:.1} ms", gb.len());
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut rng = StdRng::seed_from_u64(1);
    let keys = ProvingKeys::generate(&[CircuitId::NotSanctionedBeneficiary], &mut rng)?;
    let claims = world::World::new(1000, 1).claims();
    let w = claims
        .iter()
        .find(|w| w.circuit == CircuitId::NotSanctionedBeneficiary)
        .ok_or("no beneficiary claim")?;
    let p = keys.get(w.circuit)?;
    let z = p.assignment(w.synthesizer.clone())?;
    let zb: Vec<Scalar> = z.iter().map(|x| x.into_bigint()).collect();
    let c = table_window_bits(zb.len());
    pool.install(|| {
        compare("G1 A", &p.pk.a_query, &z, &zb, c, reps);
        compare("G2 B", &p.pk.b_g2_query, &z, &zb, c, reps);
    });
    Ok(())
}
