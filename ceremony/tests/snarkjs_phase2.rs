//! Phase 2 interoperates with snarkjs both ways (and a snarkjs-made key proves in zktr), on `threshold/v1` (domain 2^11) over a
//! phase 1 of 2^11 made and prepared by us (snarkjs's own `prepare phase2` is the slow
//! step, so it is not run here; `tests/snarkjs_phase1.rs` cross-checks our prepare).

use zktr_ceremony::phase1::PowersOfTau;
use zktr_ceremony::phase2::Phase2;
use zktr_ceremony::r1cs::R1cs;
use zktr_circuits::Fr;
use zktr_circuits::circuits::CircuitId;
use zktr_prover::engine::CircuitProver;
use zktr_prover::{Parallelism, Prover, ProvingKeys};
use zktr_testkit::sample::{SampleWorld, synthetic_sanctions};
use zktr_testkit::snarkjs as js;
use zktr_verifier::{CircuitKey, verify_one};

#[test]
fn snarkjs_accepts_our_phase2_and_we_accept_a_snarkjs_chain() {
    let Some(bin) = js::find_snarkjs() else {
        return;
    };
    let t0 = std::time::Instant::now();
    let lap = |what: &str| eprintln!("{:>8.1?} {what}", t0.elapsed());
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n).to_str().expect("utf8").to_string();
    let pot = PowersOfTau::single_party(11, Some("p1"), b"").expect("phase 1");
    pot.write(&dir.path().join("pot.ptau")).expect("write ptau");
    lap("phase 1 2^11 made and prepared");
    let circuit = CircuitId::Threshold;
    R1cs::of_circuit(circuit)
        .expect("r1cs")
        .write(&dir.path().join("c.r1cs"))
        .expect("write r1cs");

    // Ours, checked by snarkjs.
    let phase2 = Phase2::from_phase1(&pot, &dir.path().join("pot.ptau"), circuit).expect("phase 2");
    phase2.init(&dir.path().join("z0.zkey")).expect("init");
    phase2
        .contribute(
            &dir.path().join("z0.zkey"),
            &dir.path().join("z1.zkey"),
            Some("alice"),
            b"x",
        )
        .expect("contribute");
    phase2
        .beacon(
            &dir.path().join("z1.zkey"),
            &dir.path().join("z2.zkey"),
            Some("beacon"),
            &[7; 32],
            10,
        )
        .expect("beacon");
    lap("our phase 2 made");
    let (ok, out) = js::run_snarkjs(
        &bin,
        &[
            "zkey",
            "verify",
            &p("c.r1cs"),
            &p("pot.ptau"),
            &p("z2.zkey"),
        ],
    );
    assert!(
        ok && out.contains("ZKey Ok!"),
        "snarkjs rejected our zkey:\n{out}"
    );
    lap("snarkjs zkey verify");

    // snarkjs's, checked and imported by us.
    for args in [
        vec!["zkey", "new", &p("c.r1cs"), &p("pot.ptau"), &p("s0.zkey")],
        vec![
            "zkey",
            "contribute",
            &p("s0.zkey"),
            &p("s1.zkey"),
            "--name=carol",
            "-e=carol",
        ],
        vec![
            "zkey",
            "beacon",
            &p("s1.zkey"),
            &p("s2.zkey"),
            "0102030405060708090a0b0c0d0e0f10",
            "10",
            "-n=final",
        ],
    ] {
        let (ok, out) = js::run_snarkjs(&bin, &args);
        assert!(ok, "snarkjs {args:?} failed:\n{out}");
        lap(args[1]);
    }
    let (pk, transcript) = phase2
        .finalize(&dir.path().join("s2.zkey"))
        .expect("snarkjs chain verifies");
    lap("snarkjs chain verified and imported");
    assert_eq!(transcript.contributions.len(), 2);
    assert_eq!(transcript.contributions[0].name.as_deref(), Some("carol"));
    assert_eq!(pk.vk.gamma_abc_g1.len(), circuit.public_input_count() + 1);

    // The imported key proves: a real threshold claim verifies under its verifying key,
    // and the same proof with a changed public input does not.
    let world = SampleWorld::new(1, synthetic_sanctions(10).expect("set"), 11);
    let claim = world
        .statement(0)
        .expect("statement")
        .claims()
        .expect("every claim holds")
        .into_iter()
        .find(|c| c.circuit == circuit)
        .expect("a threshold claim");
    let public = claim.public_inputs.clone();
    let mut keys = ProvingKeys::default();
    keys.insert(CircuitProver::new(circuit, pk));
    let (_, vk) = keys
        .verifying_keys()
        .into_iter()
        .find(|(c, _)| *c == circuit)
        .expect("verifying key");
    let prover = Prover::new(keys, Parallelism::default()).expect("prover");
    let proof = prover
        .prove_claims(vec![claim])
        .expect("the key is there")
        .pop()
        .expect("one proof")
        .expect("proof");
    let key = CircuitKey::new(circuit, &vk, "mpc").expect("key fits its circuit");
    assert!(
        verify_one(&key, &public, &proof),
        "a proof with the imported key verifies"
    );
    let mut tampered = public;
    tampered[0] += Fr::from(1u64);
    assert!(
        !verify_one(&key, &tampered, &proof),
        "a tampered C is refused"
    );
    lap("a threshold claim proved with the snarkjs-made key and verified");
}
