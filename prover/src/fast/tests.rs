//! The fast engine against arkworks: MSMs on random inputs (many 0/±1 scalars) of every
//! size the circuits use, the QAP witness map, and whole proofs of every circuit
//! (bit-equal to arkworks' for the same `r`, `s`, and verifying under the unchanged key).

use super::msm::{self, PreparedScalars, Scalar};
use crate::engine::CircuitProver;
use crate::keys::ProvingKeys;
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand};
use ark_groth16::Groth16;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP};
use ark_poly::GeneralEvaluationDomain;
use ark_snark::SNARK;
use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};
use proptest::prelude::*;
use std::sync::OnceLock;
use zktr_circuits::circuits::CircuitId;

mod api {
    pub use crate::{ClaimWitness, TransferStatement};
}
#[path = "world.rs"]
mod world;

fn keys() -> &'static ProvingKeys {
    static K: OnceLock<ProvingKeys> = OnceLock::new();
    K.get_or_init(|| {
        let mut rng = StdRng::seed_from_u64(11);
        ProvingKeys::generate(&CircuitId::ALL, &mut rng).expect("keys")
    })
}

fn claims() -> &'static [crate::ClaimWitness] {
    static C: OnceLock<Vec<crate::ClaimWitness>> = OnceLock::new();
    C.get_or_init(|| world::World::new(64, 5).claims())
}

fn prover(c: CircuitId) -> &'static CircuitProver {
    keys().get(c).expect("key")
}

/// Scalars like a witness: a share of 0, 1, -1 and small values, the rest uniform.
fn witness_like(rng: &mut StdRng, n: usize, unit_share: f64) -> Vec<Fr> {
    (0..n)
        .map(|_| {
            let u: f64 = rng.r#gen();
            if u < unit_share * 0.8 {
                Fr::from(rng.gen_range(0u64..2))
            } else if u < unit_share {
                match rng.gen_range(0..3) {
                    0 => -Fr::from(1u64),
                    1 => Fr::from(rng.r#gen::<u16>()),
                    _ => -Fr::from(rng.r#gen::<u64>()),
                }
            } else {
                Fr::rand(rng)
            }
        })
        .collect()
}

fn bigints(v: &[Fr]) -> Vec<Scalar> {
    v.iter().map(|x| x.into_bigint()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// Every MSM size of every circuit (A, B in G1 and G2, L, H), bases from the keys.
    #[test]
    fn msm_matches_arkworks_at_circuit_sizes(seed in any::<u64>(), share in 0.0f64..1.0) {
        let mut rng = StdRng::seed_from_u64(seed);
        for c in CircuitId::ALL {
            let pk = &prover(c).pk;
            let z = witness_like(&mut rng, pk.a_query.len(), share);
            let prepared = PreparedScalars::new(&bigints(&z));
            let inputs = pk.a_query.len() - pk.l_query.len();
            prop_assert_eq!(
                msm::msm(&pk.a_query, 0, &prepared).into_affine(),
                G1Projective::msm(&pk.a_query, &z).expect("lengths").into_affine()
            );
            prop_assert_eq!(
                msm::msm(&pk.l_query, inputs, &prepared).into_affine(),
                G1Projective::msm(&pk.l_query, &z[inputs..]).expect("lengths").into_affine()
            );
            prop_assert_eq!(
                msm::msm(&pk.b_g2_query, 0, &prepared).into_affine(),
                G2Projective::msm(&pk.b_g2_query, &z).expect("lengths").into_affine()
            );
            let h = witness_like(&mut rng, pk.h_query.len(), share / 4.0);
            let prepared = PreparedScalars::new(&bigints(&h));
            prop_assert_eq!(
                msm::msm(&pk.h_query, 0, &prepared).into_affine(),
                G1Projective::msm(&pk.h_query, &h).expect("lengths").into_affine()
            );
        }
    }

    /// The QAP witness map on random assignments of every circuit's shape.
    #[test]
    fn qap_matches_libsnark_reduction(seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        for c in CircuitId::ALL {
            let p = prover(c);
            let m = p.matrices().expect("matrices");
            let mut z = witness_like(&mut rng, m.num_instance + m.num_witness, 0.5);
            z[0] = Fr::from(1u64);
            let ours = p.fast_key().expect("fast key").qap().witness_map(&m.abc, m.num_instance, m.num_constraints, &z);
            let theirs = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                &m.abc, m.num_instance, m.num_constraints, &z,
            ).expect("witness map");
            prop_assert_eq!(ours, theirs);
        }
    }
}

#[test]
fn proofs_equal_arkworks_and_verify_for_every_circuit() {
    let mut rng = StdRng::seed_from_u64(99);
    for w in claims() {
        let p = prover(w.circuit);
        let full = p.assignment(w.synthesizer.clone()).expect("assignment");
        let m = p.matrices().expect("matrices");
        // The real witness satisfies the QAP: h of the real assignment matches too.
        let h = p.fast_key().expect("fast").qap().witness_map(
            &m.abc,
            m.num_instance,
            m.num_constraints,
            &full,
        );
        let h_ark =
            LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
                &m.abc,
                m.num_instance,
                m.num_constraints,
                &full,
            )
            .expect("witness map");
        assert_eq!(h, h_ark, "{}", w.circuit);
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let ours = p.prove_assignment(&full, r, s).expect("fast proof");
        let theirs = p
            .prove_assignment_arkworks(&full, r, s)
            .expect("arkworks proof");
        assert_eq!(ours, theirs, "{}", w.circuit);
        let pvk = Groth16::<Bn254>::process_vk(&p.pk.vk).expect("pvk");
        assert!(
            Groth16::<Bn254>::verify_with_processed_vk(&pvk, &w.public_inputs, &ours)
                .expect("verify"),
            "{}",
            w.circuit
        );
        // And through `prove` with fresh randomness.
        let fresh = p.prove(w.synthesizer.clone(), &mut rng).expect("prove");
        assert!(
            Groth16::<Bn254>::verify_with_processed_vk(&pvk, &w.public_inputs, &fresh)
                .expect("verify")
        );
        assert!(
            !Groth16::<Bn254>::verify_with_processed_vk(
                &pvk,
                &[Fr::from(1u64); 8][..w.public_inputs.len()],
                &fresh
            )
            .expect("verify")
        );
    }
}

#[test]
fn state_built_for_another_key_is_refused() {
    let threshold = prover(CircuitId::Threshold);
    let w = &claims()[0];
    let full = threshold
        .assignment(w.synthesizer.clone())
        .expect("assignment");
    let m = threshold.matrices().expect("matrices");
    // A second key for the same circuit: same shapes, other points.
    let mut rng = StdRng::seed_from_u64(12);
    let other = ProvingKeys::generate(&[CircuitId::Threshold], &mut rng).expect("keys");
    let other = other.get(CircuitId::Threshold).expect("key");
    let err = threshold
        .fast_key()
        .expect("fast")
        .prove(
            &other.pk,
            &other.vk_id,
            &m.abc,
            m.num_instance,
            m.num_constraints,
            &full,
            Fr::from(1u64),
            Fr::from(2u64),
        )
        .expect_err("another key");
    assert!(
        matches!(err, super::EngineError::KeyMismatch { .. }),
        "{err}"
    );
    // Same vk id but a tampered query point is refused too.
    let mut pk = threshold.pk.clone();
    pk.a_query.swap(1, 2);
    pk.l_query.reverse();
    assert!(
        !threshold
            .fast_key()
            .expect("fast")
            .is_for(&pk, &threshold.vk_id)
    );
    // A wrong-length assignment is a shape error, not a panic.
    let err = threshold
        .fast_key()
        .expect("fast")
        .prove(
            &threshold.pk,
            &threshold.vk_id,
            &m.abc,
            m.num_instance,
            m.num_constraints,
            &full[1..],
            Fr::from(1u64),
            Fr::from(2u64),
        )
        .expect_err("short assignment");
    assert!(matches!(err, super::EngineError::Shape(_)), "{err}");
}

#[test]
fn proofs_with_fixed_base_tables_equal_arkworks() {
    // A key of its own, so the other tests keep exercising the table-free path.
    let mut rng = StdRng::seed_from_u64(13);
    let keys = ProvingKeys::generate(&[CircuitId::Threshold], &mut rng).expect("keys");
    let p = keys.get(CircuitId::Threshold).expect("key");
    let bytes = p.build_tables().expect("tables");
    assert!(bytes > p.pk.a_query.len() * 64 * 4, "{bytes}");
    let w = &claims()[0];
    let full = p.assignment(w.synthesizer.clone()).expect("assignment");
    let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let ours = p.prove_assignment(&full, r, s).expect("fast proof");
    assert_eq!(
        ours,
        p.prove_assignment_arkworks(&full, r, s)
            .expect("arkworks proof")
    );
    let pvk = Groth16::<Bn254>::process_vk(&p.pk.vk).expect("pvk");
    assert!(
        Groth16::<Bn254>::verify_with_processed_vk(&pvk, &w.public_inputs, &ours).expect("verify")
    );
    // Tables are refused for another key.
    let other = prover(CircuitId::Threshold);
    assert!(
        p.fast_key()
            .expect("fast")
            .build_tables(&other.pk, &other.vk_id)
            .is_err()
    );
}

/// The SHA-256 of a proving key's file (its uncompressed encoding), as the manifest has it.
fn pk_sha256(p: &CircuitProver) -> String {
    use ark_serialize::CanonicalSerialize;
    let mut bytes = Vec::new();
    p.pk.serialize_uncompressed(&mut bytes).expect("serialize");
    zktr_records::manifest::sha256_hex(&bytes)
}

fn same_tables(a: &super::Tables, b: &super::Tables) -> bool {
    a.z_bits == b.z_bits
        && a.h_bits == b.h_bits
        && a.a.points() == b.a.points()
        && a.b_g1.points() == b.b_g1.points()
        && a.b_g2.points() == b.b_g2.points()
        && a.l.points() == b.l.points()
        && a.h.points() == b.h.points()
}

#[test]
fn tables_saved_with_the_keys_load_with_them_and_give_the_same_proofs() {
    let dir = tempfile::tempdir().expect("tempdir");
    keys().save(dir.path(), 0).expect("save keys");
    // Loaded afresh, so the shared keys keep proving without tables.
    let built = ProvingKeys::load(dir.path()).expect("load");
    assert!(!built.have_tables(), "a manifest without tables loads none");
    let manifest = built.save_tables(dir.path()).expect("save tables");
    for c in &manifest.circuits {
        let t = c.tables.as_ref().expect("tables recorded");
        assert_eq!(t.proving_key_sha256, c.proving_key.sha256);
        let len = std::fs::metadata(dir.path().join(&t.file))
            .expect("file")
            .len();
        assert_eq!(len, t.bytes, "{}", t.file);
    }
    let loaded = ProvingKeys::load(dir.path()).expect("load with tables");
    assert!(loaded.have_tables());
    for c in CircuitId::ALL {
        let get = |k: &ProvingKeys| {
            k.get(c)
                .expect("key")
                .fast_key()
                .expect("fast")
                .tables()
                .cloned()
                .expect("tables")
        };
        assert!(same_tables(&get(&built), &get(&loaded)), "{c}");
    }
    // Proofs from loaded tables are arkworks' proofs, and verify.
    let mut rng = StdRng::seed_from_u64(17);
    for w in claims() {
        let p = loaded.get(w.circuit).expect("key");
        let full = p.assignment(w.synthesizer.clone()).expect("assignment");
        let (r, s) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
        let ours = p.prove_assignment(&full, r, s).expect("fast proof");
        assert_eq!(
            ours,
            p.prove_assignment_arkworks(&full, r, s).expect("arkworks"),
            "{}",
            w.circuit
        );
        let pvk = Groth16::<Bn254>::process_vk(&p.pk.vk).expect("pvk");
        assert!(
            Groth16::<Bn254>::verify_with_processed_vk(&pvk, &w.public_inputs, &ours)
                .expect("verify")
        );
    }
    // A changed tables file refuses the whole load, naming the file.
    let entry = manifest
        .entry(CircuitId::Committed)
        .expect("entry")
        .tables
        .clone()
        .expect("tables");
    let path = dir.path().join(&entry.file);
    let original = std::fs::read(&path).expect("read");
    let mut changed = original.clone();
    let mid = changed.len() / 2;
    changed[mid] ^= 1;
    std::fs::write(&path, &changed).expect("write");
    let err = ProvingKeys::load(dir.path()).expect_err("changed tables");
    assert!(
        matches!(&err, crate::ProverError::Params(zktr_records::ParamsError::HashMismatch { path: p, .. }) if p == &path),
        "{err}"
    );
    // Another circuit's tables under this circuit's entry (hash and size made to match):
    // built for another key, refused.
    std::fs::write(&path, &original).expect("restore");
    let mut m = zktr_records::Manifest::load(dir.path()).expect("manifest");
    let other = m
        .entry(CircuitId::Threshold)
        .expect("entry")
        .tables
        .clone()
        .expect("tables");
    for c in m.circuits.iter_mut() {
        if c.circuit == CircuitId::Committed.as_str() {
            c.tables = Some(other.clone());
        }
    }
    m.save(dir.path()).expect("save");
    let err = ProvingKeys::load(dir.path()).expect_err("tables of another key");
    assert!(err.to_string().contains(&other.file), "{err}");
    assert!(err.to_string().contains("built for proving key"), "{err}");
    // The keys still load without their tables (what `zktr tables` rebuilds from).
    let keys_only = ProvingKeys::load_without_tables(dir.path()).expect("keys only");
    assert!(!keys_only.have_tables());
}

#[test]
fn a_tables_file_of_another_key_or_changed_is_refused() {
    use super::table_file;
    use zktr_records::ParamsError;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = prover(CircuitId::Threshold);
    let sha = pk_sha256(p);
    let tables = super::Tables::new(&p.pk);
    let path = dir.path().join("threshold-v1.tables");
    let entry = table_file::write(&tables, &sha, &path).expect("write");
    assert_eq!(entry.file, "threshold-v1.tables");
    let back = table_file::read(dir.path(), &entry, &p.pk, &sha).expect("read");
    assert!(same_tables(&tables, &back));
    let refused = |entry: &zktr_records::manifest::TablesFile, bytes: &[u8], pk_sha: &str| {
        std::fs::write(&path, bytes).expect("write");
        table_file::read(dir.path(), entry, &p.pk, pk_sha).expect_err("refused")
    };
    let rehashed = |bytes: &[u8]| zktr_records::manifest::TablesFile {
        sha256: zktr_records::manifest::sha256_hex(bytes),
        bytes: bytes.len() as u64,
        ..entry.clone()
    };
    let original = std::fs::read(&path).expect("read");

    // A key other than the one the manifest says: refused before reading.
    let err = refused(&entry, &original, &"0".repeat(64));
    assert!(
        err.to_string()
            .contains("the manifest says they were built for"),
        "{err}"
    );
    // Truncated: the size differs from the manifest's; with the manifest updated, the
    // file ends inside a section.
    let short = &original[..original.len() - 100];
    let err = refused(&entry, short, &sha);
    assert!(err.to_string().contains("the manifest says"), "{err}");
    let err = refused(&rehashed(short), short, &sha);
    assert!(err.to_string().contains("truncated"), "{err}");
    // One bit changed: the hash.
    let mut flipped = original.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    assert!(matches!(
        refused(&entry, &flipped, &sha),
        ParamsError::HashMismatch { path: p, .. } if p == path
    ));
    // Wrong magic bytes, even with a matching hash.
    let mut magic = original.clone();
    magic[0] = b'X';
    let err = refused(&rehashed(&magic), &magic, &sha);
    assert!(err.to_string().contains("magic"), "{err}");
    // Bytes after the last section.
    let mut longer = original.clone();
    longer.push(0);
    let err = refused(&rehashed(&longer), &longer, &sha);
    assert!(err.to_string().contains("after the last section"), "{err}");

    // Tables of another key of the same circuit: the header names that key; with the
    // header rewritten to this key's hash, the first copy is not this key's bases.
    let mut rng = StdRng::seed_from_u64(19);
    let other = ProvingKeys::generate(&[CircuitId::Threshold], &mut rng).expect("keys");
    let other = other.get(CircuitId::Threshold).expect("key");
    let other_path = dir.path().join("other.tables");
    let other_entry = table_file::write(
        &super::Tables::new(&other.pk),
        &pk_sha256(other),
        &other_path,
    )
    .expect("write other");
    let other_bytes = std::fs::read(&other_path).expect("read other");
    let as_ours = zktr_records::manifest::TablesFile {
        proving_key_sha256: sha.clone(),
        file: entry.file.clone(),
        ..other_entry
    };
    let err = refused(&as_ours, &other_bytes, &sha);
    assert!(err.to_string().contains("built for proving key"), "{err}");
    let mut forged = other_bytes.clone();
    forged[8..40].copy_from_slice(&hex::decode(&sha).expect("hex"));
    let err = refused(&rehashed(&forged), &forged, &sha);
    assert!(
        err.to_string().contains("not the proving key's bases"),
        "{err}"
    );
    // A wrong copy in the last window of `A` (at a sampled base, re-hashed): not the
    // base's multiple, refused.
    let header = 8 + 32 + 16;
    let a_windows = 254usize.div_ceil(super::msm::table_window_bits(p.pk.a_query.len()));
    let last_copy = header + (a_windows - 1) * p.pk.a_query.len() * 64;
    let mut wrong = original.clone();
    let other_copy = header + p.pk.a_query.len() * 64; // base 0's second copy
    let (src, dst) = (other_copy..other_copy + 64, last_copy);
    wrong.copy_within(src, dst);
    let err = refused(&rehashed(&wrong), &wrong, &sha);
    assert!(err.to_string().contains("times the base"), "{err}");
    // And the untouched file still reads.
    std::fs::write(&path, &original).expect("restore");
    assert!(table_file::read(dir.path(), &entry, &p.pk, &sha).is_ok());
}
