//! The prover and the bundle verifier end to end, with real Groth16 keys, the real OFAC
//! address list as the sanctions set, and real signatures.

use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, SlotValues};
use zktr_prover::{Parallelism, Prover, ProverError, Refusal};
use zktr_records::ProofBundle;
use zktr_testkit::sample::{SAMPLE_NOW, SampleWorld, sample_fields};
use zktr_testkit::{keys, listed_addresses, real_sanctions, world};
use zktr_verifier::{Policy, VerifyingKeys};
use zktr_verifier::{Reason, Rejection, ThresholdGap, VerifyRequest, verify_bundle};

fn verifying_keys() -> &'static VerifyingKeys {
    static VK: OnceLock<VerifyingKeys> = OnceLock::new();
    VK.get_or_init(|| VerifyingKeys::from_keys(&keys().verifying_keys()).expect("verifying keys"))
}

fn policy() -> Policy {
    Policy::new(world().policy_file().expect("policy file")).expect("policy")
}

/// Transfer 0's bundle, proven once (one proof per core).
fn bundle() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let prover = Prover::new(keys().clone(), Parallelism::across_proofs()).expect("prover");
        let w = world();
        prover
            .prove_transfer(&w.statement(0).expect("statement"), &w.context)
            .expect("bundle")
    })
}

fn verify(b: &ProofBundle) -> Result<zktr_verifier::Accepted, Rejection> {
    verify_bundle(
        b,
        verifying_keys(),
        &policy(),
        &VerifyRequest::new(SAMPLE_NOW, "FATF"),
    )
}

#[test]
fn every_claim_round_trips_through_protobuf_and_json() {
    let b = bundle();
    let circuits: Vec<CircuitId> = b.claims.iter().map(|c| c.circuit).collect();
    // An unpriced sample bundle: every circuit but threshold/v2 (tests/price_quote.rs).
    let unpriced: Vec<CircuitId> = CircuitId::ALL
        .into_iter()
        .filter(|c| *c != CircuitId::ThresholdV2)
        .collect();
    assert_eq!(circuits, unpriced);
    let accepted = verify(b).expect("fresh bundle verifies");
    assert_eq!(accepted.claims, unpriced);

    let wire = b.to_protobuf();
    let from_wire = ProofBundle::from_protobuf(&wire).expect("protobuf decodes");
    assert_eq!(&from_wire, b);
    verify(&from_wire).expect("decoded protobuf bundle verifies");

    let json = b.to_json();
    assert!(json.contains("\"circuit\": \"not_sanctioned.beneficiary/v2\""));
    let from_json = ProofBundle::from_json(&json).expect("JSON decodes");
    assert_eq!(&from_json, b);
    verify(&from_json).expect("decoded JSON bundle verifies");

    // Each claim alone verifies with its key too.
    for c in &b.claims {
        let key = verifying_keys()
            .get(&c.verifying_key_id)
            .expect("known key");
        let proof = zktr_records::encoding::proof_from_bytes(&c.proof).expect("points");
        assert!(zktr_verifier::verify_one(key, &c.public_inputs, &proof));
    }
}

#[test]
fn both_core_splits_prove_valid_bundles() {
    let w = world();
    for (i, par) in [
        (1, Parallelism::within_proof()),
        (
            2,
            Parallelism {
                workers: 2,
                threads_per_worker: 1,
            },
        ),
    ] {
        let st = w.statement(i).unwrap();
        let prover = Prover::new(keys().clone(), par).unwrap();
        let mut bundles = prover.prove_transfers(&[st], &w.context).unwrap();
        assert_eq!(bundles.len(), 1);
        let b = bundles.pop().unwrap().expect("proves");
        assert_eq!(b.commitment, st.tree.commitment());
        verify(&b).unwrap_or_else(|e| panic!("{par:?}: {e}"));
    }
}

/// A world whose only transfer pays a listed address.
fn listed_world() -> SampleWorld {
    let listed = listed_addresses()
        .into_iter()
        .find(|a| a.starts_with("0x"))
        .expect("an EVM address on the list");
    let mut f = sample_fields(0);
    f.beneficiary_address_key = zktr_sanctions::screening::address_key(&listed).unwrap();
    let tree = CommitmentTree::new(
        SlotValues::from_fields(&f),
        &MasterSalt::from_fr(Fr::from(3u64)),
    );
    SampleWorld::from_trees(vec![tree], real_sanctions(), 9)
}

#[test]
fn a_sanctioned_party_is_refused_before_proving() {
    let w = listed_world();
    let st = w.statement(0).unwrap();
    // The native check alone refuses it: no key or proof is involved.
    let err = st
        .not_sanctioned_claim(zktr_circuits::circuits::Party::Beneficiary, 0)
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProverError::Refused {
                claim: CircuitId::NotSanctionedBeneficiary,
                reason: Refusal::PartyListed {
                    party: "beneficiary",
                    slot: "beneficiary_address_key",
                    list: 0,
                }
            }
        ),
        "{err}"
    );
    // Through the prover: the transfer is refused with the same typed error.
    let prover = Prover::new(keys().clone(), Parallelism::default()).unwrap();
    let err = prover.prove_transfer(&st, &w.context).unwrap_err();
    assert_eq!(
        err.refusal().map(|(c, _)| c),
        Some(CircuitId::NotSanctionedBeneficiary),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("beneficiary_address_key is listed"),
        "{err}"
    );
    // The originator is not listed, so its claim alone is fine.
    st.not_sanctioned_claim(zktr_circuits::circuits::Party::Originator, 0)
        .expect("originator not listed");
}

#[test]
fn an_amount_on_the_wrong_side_is_refused_before_proving() {
    let w = world();
    // 2,500.00 USD is below the US threshold of 3,000.00 USD.
    let mut st = w.statement(0).unwrap();
    st.threshold = 300_000;
    let err = st.threshold_claim().unwrap_err();
    assert!(
        matches!(
            err,
            ProverError::Refused {
                claim: CircuitId::Threshold,
                reason: Refusal::WrongSideOfThreshold {
                    threshold: 300_000,
                    ..
                }
            }
        ),
        "{err}"
    );
    // ... and not below 1,000.00 USD.
    let mut st = w.statement(0).unwrap();
    st.direction = ThresholdDirection::Below;
    let prover = Prover::new(keys().clone(), Parallelism::default()).unwrap();
    let err = prover.prove_transfer(&st, &w.context).unwrap_err();
    assert_eq!(
        err.refusal().map(|(c, _)| c),
        Some(CircuitId::Threshold),
        "{err}"
    );
    // A threshold in another currency than the committed one.
    let mut st = w.statement(0).unwrap();
    st.threshold_currency = 978;
    assert!(matches!(
        st.threshold_claim(),
        Err(ProverError::Refused {
            reason: Refusal::CurrencyMismatch { claimed: 978 },
            ..
        })
    ));
}

fn rejection(b: &ProofBundle) -> Rejection {
    verify(b).expect_err("must be rejected")
}

fn claim_index(b: &ProofBundle, c: CircuitId) -> usize {
    b.claims.iter().position(|x| x.circuit == c).unwrap()
}

#[test]
fn a_corrupted_proof_is_named() {
    let mut b = bundle().clone();
    let i = claim_index(&b, CircuitId::Committed);
    // Swap in another claim's (valid) proof bytes: well-formed points, wrong proof.
    b.claims[i].proof = bundle().claims[claim_index(&b, CircuitId::Threshold)].proof;
    let r = rejection(&b);
    assert_eq!(r.problems.len(), 1, "{r}");
    assert_eq!(r.problems[0].claim, Some((i, CircuitId::Committed)));
    assert_eq!(r.problems[0].reason, Reason::BadProof);
    // Garbage bytes are a malformed proof, named too.
    let mut b = bundle().clone();
    b.claims[i].proof = [0x5a; 128];
    let r = rejection(&b);
    assert!(
        matches!(r.problems[0].reason, Reason::MalformedProof(_)),
        "{r}"
    );
    assert!(r.to_string().contains("claim 1 (committed)"), "{r}");
}

#[test]
fn claims_of_another_transfer_are_caught() {
    let mut b = bundle().clone();
    b.commitment = zktr_circuits::commitment::Commitment(Fr::from(42u64));
    let r = rejection(&b);
    assert_eq!(r.problems.len(), 4, "{r}");
    assert!(
        r.problems
            .iter()
            .all(|p| p.reason == Reason::CommitmentMismatch)
    );
}

#[test]
fn thresholds_follow_the_callers_jurisdiction() {
    let b = bundle(); // at or above USD 1,000.00 (FATF)
    let under = |j: &str| {
        verify_bundle(
            b,
            verifying_keys(),
            &policy(),
            &VerifyRequest::new(SAMPLE_NOW, j),
        )
        .expect_err("must be rejected")
    };
    // At or above 1,000.00 does not show at or above the US threshold of 3,000.00.
    let r = under("US");
    assert_eq!(
        r.problems[0].reason,
        Reason::ThresholdNotSatisfied {
            jurisdiction: "US".into(),
            bundle_jurisdiction: "FATF".into(),
            direction: "at or above",
            threshold: 100_000,
            currency: 840,
            gap: ThresholdGap::DoesNotImply {
                direction: "at or above",
                proven: 100_000,
                required: 300_000
            }
        }
    );
    assert_eq!(r.problems[0].claim, Some((0, CircuitId::Threshold)));
    // The EU policy has a EUR threshold only.
    assert!(under("EU").has(|r| matches!(
        r,
        Reason::ThresholdNotSatisfied {
            gap: ThresholdGap::NoThresholdInCurrency(840),
            ..
        }
    )));
    assert!(under("ATLANTIS").has(|r| matches!(
        r,
        Reason::ThresholdNotSatisfied {
            gap: ThresholdGap::UnknownJurisdiction,
            ..
        }
    )));
    // No jurisdiction at all cannot judge a threshold claim.
    let mut req = VerifyRequest::new(SAMPLE_NOW, "FATF");
    req.jurisdictions.clear();
    let r = verify_bundle(b, verifying_keys(), &policy(), &req).unwrap_err();
    assert!(r.has(|r| matches!(r, Reason::NoJurisdiction)), "{r}");
    // What was proven comes back typed.
    let a = verify(b).unwrap();
    let t = a.threshold.clone().expect("threshold claim");
    assert_eq!(
        (t.threshold, t.currency, t.direction),
        (100_000, 840, ThresholdDirection::AtOrAbove)
    );
    assert_eq!(t.satisfies, vec!["FATF".to_owned()]);
    let st = world().statement(0).unwrap();
    let values = st.tree.values();
    let onchain = a.transfer.expect("committed claim");
    assert_eq!(
        onchain.asset_id.to_fr(),
        values.get(zktr_circuits::commitment::Slot::AssetId)
    );
    assert_eq!(a.tree_head, w_tree_head());
    assert_eq!(a.screened.len(), 2);
    assert!(
        a.screened
            .iter()
            .all(|s| s.list_id == zktr_testkit::SAMPLE_LIST_ID)
    );
    assert_eq!(a.keys.len(), 4);
    assert!(a.on_dev_keys());
}

fn w_tree_head() -> zktr_records::SignedTreeHead {
    world().context.tree_head.clone()
}

#[test]
fn sanctions_roots_must_be_trusted_and_fresh() {
    let b = bundle();
    // Three days later the root (max age two days) is stale.
    let r = verify_bundle(
        b,
        verifying_keys(),
        &policy(),
        &VerifyRequest::new(SAMPLE_NOW + 3 * 86_400, "FATF"),
    )
    .unwrap_err();
    assert!(
        r.has(|r| matches!(r, Reason::StaleSanctionsRoot { .. })),
        "{r}"
    );
    // A policy that trusts another publisher.
    let mut file = policy().file;
    file.sanctions_publishers[0].public_key =
        hex_key(&ed25519_dalek::SigningKey::from_bytes(&[9; 32]));
    let other = Policy::new(file).unwrap();
    let r = verify_bundle(
        b,
        verifying_keys(),
        &other,
        &VerifyRequest::new(SAMPLE_NOW, "FATF"),
    )
    .unwrap_err();
    assert!(
        r.has(|r| matches!(r, Reason::UntrustedSanctionsRoot(_))),
        "{r}"
    );
    // A root that is not the one the proofs used.
    let mut b2 = b.clone();
    b2.sanctions_root.record.root.0 += Fr::from(1u64);
    let r = rejection(&b2);
    assert!(r.has(|r| matches!(r, Reason::SanctionsRootMismatch)), "{r}");
    assert!(
        r.has(|r| matches!(r, Reason::BadSanctionsRootSignature(_))),
        "{r}"
    );
    // An untrusted log.
    let mut b3 = b.clone();
    b3.tree_head.log_id = "someone-else".into();
    assert!(rejection(&b3).has(|r| matches!(r, Reason::UntrustedLog(_))));
}

fn hex_key(k: &ed25519_dalek::SigningKey) -> String {
    k.verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn unknown_keys_bad_inputs_and_missing_claims_are_named() {
    let mut b = bundle().clone();
    b.claims[2].verifying_key_id = "00".repeat(32);
    let r = rejection(&b);
    assert_eq!(
        r.problems[0].claim,
        Some((2, CircuitId::NotSanctionedOriginator))
    );
    assert!(matches!(r.problems[0].reason, Reason::UnknownKey(_)));

    let mut b = bundle().clone();
    b.claims[0].public_inputs[3] = Fr::from(2u64); // direction must be 0 or 1
    let r = rejection(&b);
    assert!(
        matches!(r.problems[0].reason, Reason::PublicInput(_)),
        "{r}"
    );
    assert!(r.to_string().contains("direction"), "{r}");

    let mut b = bundle().clone();
    b.claims[1].verifying_key_id = b.claims[0].verifying_key_id.clone();
    assert!(rejection(&b).has(|r| matches!(r, Reason::KeyForOtherCircuit { .. })));

    let mut b = bundle().clone();
    b.claims.pop();
    let r = rejection(&b);
    assert_eq!(
        r.problems[0].reason,
        Reason::MissingClaim("not_sanctioned.beneficiary")
    );
}

#[test]
fn truncated_and_malformed_bundles_are_clear_errors() {
    let wire = bundle().to_protobuf();
    for len in (0..wire.len()).step_by(7) {
        let cut = &wire[..len];
        if let Ok(b) = ProofBundle::from_protobuf(cut) {
            panic!(
                "a bundle truncated to {len} bytes decoded: {} claims",
                b.claims.len()
            );
        }
    }
    let err = ProofBundle::from_protobuf(&wire[..wire.len() / 2]).unwrap_err();
    assert!(!err.to_string().is_empty());
    let json = bundle().to_json();
    for len in [0, 1, json.len() / 3, json.len() - 2] {
        assert!(ProofBundle::from_json(&json[..len]).is_err());
    }
    // A proof of the wrong length, named by its field.
    let mut msg = bundle().to_message();
    msg.claims[1].proof.truncate(100);
    let err = ProofBundle::from_message(msg).unwrap_err();
    assert!(err.to_string().contains("claims[1].proof"), "{err}");
    assert!(err.to_string().contains("128 bytes"), "{err}");
}

#[test]
fn the_example_policy_file_loads() {
    let p = Policy::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../params/policy.example.json"
    )))
    .unwrap();
    let usd = |j: &str| {
        p.jurisdiction(j)
            .unwrap()
            .threshold(840)
            .map(|t| t.amount_minor)
    };
    assert_eq!(usd("FATF"), Some(100_000));
    assert_eq!(usd("US"), Some(300_000));
    assert_eq!(
        p.jurisdiction("EU")
            .unwrap()
            .threshold(978)
            .unwrap()
            .amount_minor,
        0
    );
    assert_eq!(p.required.len(), 4);
    assert!(Policy::from_json("{\"name\": 1}").is_err());
}

// ---- parameters on disk: manifest, hash-checked loading, corruption --------------------

use zktr_prover::ProvingKeys as Keys;
use zktr_records::manifest::{MANIFEST_FILE, Manifest, ParamsError, SINGLE_PARTY_DEV, sha256_hex};

/// The keys written once with `ProvingKeys::save` (what `zktr setup` does).
fn saved_params() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        keys().save(dir.path(), 1_763_596_800).expect("save");
        dir
    })
}

/// A copy of the saved parameters to break.
fn params_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for e in std::fs::read_dir(saved_params().path()).expect("read dir") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, dir.path().join(p.file_name().expect("name"))).expect("copy");
    }
    dir
}

fn edit_manifest(dir: &std::path::Path, f: impl FnOnce(&mut Manifest)) {
    let mut m = Manifest::load(dir).expect("manifest");
    f(&mut m);
    m.save(dir).expect("save manifest");
}

fn params_err(r: Result<Keys, ProverError>) -> ParamsError {
    match r {
        Err(ProverError::Params(e)) => e,
        Err(e) => panic!("expected a parameters error, got {e}"),
        Ok(_) => panic!("broken parameters loaded"),
    }
}

#[test]
fn saved_keys_load_hash_checked_with_their_manifest() {
    let dir = saved_params().path();
    let m = Manifest::load(dir).unwrap();
    assert_eq!(m.ceremony, SINGLE_PARTY_DEV);
    assert_eq!(m.created_at, 1_763_596_800);
    for s in zktr_circuits::circuits::constraint_table().unwrap() {
        let e = m.entry(s.id).unwrap();
        assert_eq!(e.constraints, s.constraints, "{}", s.id);
        assert_eq!(e.public_inputs, s.public_inputs, "{}", s.id);
        let pk = std::fs::read(dir.join(&e.proving_key.file)).unwrap();
        assert_eq!(sha256_hex(&pk), e.proving_key.sha256);
        assert_eq!(e.verifying_key_id, e.verifying_key.sha256);
    }
    let loaded = Keys::load(dir).unwrap();
    for c in CircuitId::ALL {
        let (a, b) = (loaded.get(c).unwrap(), keys().get(c).unwrap());
        assert_eq!(a.vk_id, b.vk_id);
        assert!(a.pk == b.pk, "{c}: loaded proving key differs");
    }
    let vks = VerifyingKeys::load(dir).unwrap();
    for c in &bundle().claims {
        assert_eq!(vks.get(&c.verifying_key_id).unwrap().circuit, c.circuit);
    }
}

#[test]
fn a_changed_key_file_is_refused_by_its_hash() {
    let dir = params_copy();
    let path = dir.path().join("committed-v2.pk");
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let e = params_err(Keys::load(dir.path()));
    assert!(matches!(e, ParamsError::HashMismatch { .. }), "{e}");
    assert!(e.to_string().contains("committed-v2.pk"), "{e}");
    let vk = dir.path().join("threshold-v1.vk");
    std::fs::write(&vk, b"not a key").unwrap();
    let e = VerifyingKeys::load(dir.path()).unwrap_err();
    assert!(matches!(e, ParamsError::HashMismatch { .. }), "{e}");
}

#[test]
fn corrupt_keys_with_matching_hashes_are_clear_errors() {
    let dir = params_copy();
    // Truncated proving and verifying keys whose manifest hashes were updated.
    for (file, keep) in [
        ("not_sanctioned.beneficiary-v2.pk", 1000),
        ("threshold-v1.vk", 40),
    ] {
        let path = dir.path().join(file);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let hash = sha256_hex(&bytes[..keep]);
        edit_manifest(dir.path(), |m| {
            for c in &mut m.circuits {
                for k in [&mut c.proving_key, &mut c.verifying_key] {
                    if k.file == file {
                        k.sha256 = hash.clone();
                    }
                }
            }
        });
    }
    let e = params_err(Keys::load(dir.path()));
    assert!(matches!(e, ParamsError::CorruptKey { .. }), "{e}");
    assert!(
        e.to_string().contains("not_sanctioned.beneficiary-v2.pk"),
        "{e}"
    );
    let e = VerifyingKeys::load(dir.path()).unwrap_err();
    assert!(matches!(e, ParamsError::CorruptKey { .. }), "{e}");
}

#[test]
fn manifest_mismatches_are_clear_errors() {
    // Another circuit's proving key under this circuit's name (hash updated).
    let dir = params_copy();
    std::fs::copy(
        dir.path().join("committed-v2.pk"),
        dir.path().join("threshold-v1.pk"),
    )
    .unwrap();
    let hash = sha256_hex(&std::fs::read(dir.path().join("threshold-v1.pk")).unwrap());
    edit_manifest(dir.path(), |m| {
        m.circuits
            .iter_mut()
            .find(|c| c.circuit == "threshold/v1")
            .unwrap()
            .proving_key
            .sha256 = hash;
    });
    let e = params_err(Keys::load(dir.path()));
    assert!(matches!(e, ParamsError::Mismatch { .. }), "{e}");

    // A public-input count this build's circuit does not have.
    let dir = params_copy();
    edit_manifest(dir.path(), |m| m.circuits[0].public_inputs += 1);
    assert!(matches!(
        params_err(Keys::load(dir.path())),
        ParamsError::Mismatch { .. }
    ));
    assert!(matches!(
        VerifyingKeys::load(dir.path()),
        Err(ParamsError::Mismatch { .. })
    ));

    // A verifying-key id that is not the key's.
    let dir = params_copy();
    edit_manifest(dir.path(), |m| {
        m.circuits[1].verifying_key_id = "ab".repeat(32)
    });
    assert!(matches!(
        params_err(Keys::load(dir.path())),
        ParamsError::Mismatch { .. }
    ));

    // An unknown circuit, a missing one, malformed JSON, no manifest.
    let dir = params_copy();
    edit_manifest(dir.path(), |m| {
        m.circuits[2].circuit = "threshold/v9".into()
    });
    let e = params_err(Keys::load(dir.path()));
    assert!(matches!(e, ParamsError::UnknownCircuit { .. }), "{e}");
    // Keys of a retired circuit (the binary-tree not_sanctioned/v1) are refused by name.
    let dir = params_copy();
    edit_manifest(dir.path(), |m| {
        for c in &mut m.circuits {
            c.circuit = c.circuit.replace(
                "not_sanctioned.originator/v2",
                "not_sanctioned.originator/v1",
            );
        }
    });
    let e = params_err(Keys::load(dir.path())).to_string();
    assert!(
        e.contains("not_sanctioned.originator/v1") && e.contains("retired") && e.contains("v2"),
        "{e}"
    );
    let dir = params_copy();
    edit_manifest(dir.path(), |m| {
        m.circuits.pop();
    });
    assert!(matches!(
        params_err(Keys::load(dir.path())),
        ParamsError::MissingCircuit { .. }
    ));
    let dir = params_copy();
    std::fs::write(dir.path().join(MANIFEST_FILE), "{\"format\": 1,").unwrap();
    assert!(matches!(
        params_err(Keys::load(dir.path())),
        ParamsError::ManifestFormat { .. }
    ));
    std::fs::remove_file(dir.path().join(MANIFEST_FILE)).unwrap();
    let e = params_err(Keys::load(dir.path()));
    assert!(
        matches!(e, ParamsError::Io { .. }) && e.to_string().contains(MANIFEST_FILE),
        "{e}"
    );
}

#[test]
fn many_bundles_verify_in_batches_and_bad_ones_are_named() {
    let good = bundle().clone();
    let mut bad_proof = good.clone();
    let i = claim_index(&bad_proof, CircuitId::NotSanctionedOriginator);
    bad_proof.claims[i].proof =
        good.claims[claim_index(&good, CircuitId::NotSanctionedBeneficiary)].proof;
    let mut bad_threshold = good.clone();
    bad_threshold.claims[0].public_inputs[1] = Fr::from(300_000u64); // a threshold not proven
    let bundles = vec![good.clone(), bad_proof, good.clone(), bad_threshold, good];
    let results = zktr_verifier::verify_bundles(
        &bundles,
        verifying_keys(),
        &policy(),
        &VerifyRequest::new(SAMPLE_NOW, "FATF"),
    );
    assert_eq!(results.len(), 5);
    for k in [0, 2, 4] {
        assert!(results[k].is_ok(), "bundle {k}: {:?}", results[k]);
    }
    let r = results[1].as_ref().unwrap_err();
    assert_eq!(r.problems.len(), 1, "{r}");
    assert_eq!(
        r.problems[0].claim,
        Some((i, CircuitId::NotSanctionedOriginator))
    );
    assert_eq!(r.problems[0].reason, Reason::BadProof);
    let r = results[3].as_ref().unwrap_err();
    assert!(r.has(|r| matches!(r, Reason::BadProof)), "{r}");
}
