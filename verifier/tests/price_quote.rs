//! Issue 9, gap 7: the fiat value follows from the asset amount. A `threshold/v2` claim
//! proves `fiat = floor(amount * num / den)` for a quote's price and a commitment time in
//! its window; the verifier accepts it only with that quote, signed by a price publisher
//! its policy trusts for the asset, not too old and not too long. Every test builds real
//! Groth16 proofs with testkit's keys; each refusal is shown next to an acceptance of the
//! same proofs where the rule does not apply.

mod common;

use common::{dev_keys, prover};

use ed25519_dalek::SigningKey;
use std::sync::OnceLock;
use zktr_circuits::Fr;
use zktr_circuits::circuits::{CircuitId, ThresholdDirection};
use zktr_circuits::commitment::{CommitmentTree, MasterSalt, SlotValues};
use zktr_prover::{ProverError, Refusal, TransferStatement};
use zktr_records::policy_file::PolicyFile;
use zktr_records::{BundleDecodeError, PriceQuote, ProofBundle, SignedPriceQuote};
use zktr_testkit::sample::{SAMPLE_NOW, SampleWorld, sample_fields};
use zktr_testkit::{synthetic_sanctions, world};
use zktr_verifier::{Accepted, Policy, Reason, Rejection, VerifyRequest};

/// The sample policy with unpriced thresholds refused: only `threshold/v2` passes.
fn strict_file() -> PolicyFile {
    let mut file = world().policy_file().expect("policy file");
    file.allow_unpriced_threshold = false;
    file
}

fn strict() -> Policy {
    Policy::new(strict_file()).expect("policy")
}

/// Sample transfer 1 (USD 2,510.00 for 10^18 + 1 base units), priced by its quote.
fn priced() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let w = world();
        prover()
            .prove_transfer(&w.priced_statement(1).expect("statement"), &w.context)
            .expect("bundle")
    })
}

/// The same transfer, unpriced (`threshold/v1`).
fn unpriced() -> &'static ProofBundle {
    static B: OnceLock<ProofBundle> = OnceLock::new();
    B.get_or_init(|| {
        let w = world();
        prover()
            .prove_transfer(&w.statement(1).expect("statement"), &w.context)
            .expect("bundle")
    })
}

fn fatf_at(now: u64) -> VerifyRequest<'static> {
    VerifyRequest::new(now, "FATF")
}

fn check(b: &ProofBundle, p: &Policy, now: u64) -> Result<Accepted, Rejection> {
    zktr_verifier::verify_bundle(b, dev_keys(), p, &fatf_at(now))
}

fn refused(b: &ProofBundle, p: &Policy, now: u64) -> Rejection {
    check(b, p, now).expect_err("must be refused")
}

fn threshold_index(b: &ProofBundle) -> usize {
    b.claims
        .iter()
        .position(|c| c.circuit.is_threshold())
        .expect("a threshold claim")
}

/// A quote like the bundle's, edited and signed by `key`.
fn requoted(b: &ProofBundle, key: &SigningKey, edit: impl FnOnce(&mut PriceQuote)) -> ProofBundle {
    let mut quote = b.price_quote.clone().expect("a quote").quote;
    quote.publisher_key_id = zktr_records::publisher_key_id(&key.verifying_key());
    edit(&mut quote);
    let mut out = b.clone();
    out.price_quote = Some(SignedPriceQuote::sign(quote, key).expect("sign"));
    out
}

#[test]
fn a_priced_bundle_is_accepted_and_says_its_price() {
    let b = priced();
    assert_eq!(b.version, 2);
    let circuits: Vec<CircuitId> = b.claims.iter().map(|c| c.circuit).collect();
    assert_eq!(circuits[0], CircuitId::ThresholdV2);
    assert!(!circuits.contains(&CircuitId::Threshold));
    let a = check(b, &strict(), SAMPLE_NOW).expect("accepted");
    let t = a.threshold.expect("threshold");
    assert_eq!(t.direction, ThresholdDirection::AtOrAbove);
    let p = t.price.expect("a priced threshold reports its price");
    let q = &world().quotes[1].quote;
    assert_eq!((p.price_num, p.price_den), (q.price_num, q.price_den));
    assert_eq!((p.valid_from, p.valid_until), (q.valid_from, q.valid_until));
    assert_eq!(p.publisher, "sample price publisher");
    assert_eq!(p.asset, "ETH");
    // Both encodings carry the quote, and a reader gets the same bundle back.
    assert_eq!(ProofBundle::from_protobuf(&b.to_protobuf()).unwrap(), *b);
    assert_eq!(ProofBundle::from_json(&b.to_json()).unwrap(), *b);
}

#[test]
fn an_unpriced_threshold_is_refused_unless_the_policy_allows_it() {
    // Accepted before issue 9's gap 7 was wired (and still, where allowed) ...
    let allowing = Policy::new(world().policy_file().unwrap()).unwrap();
    let a = check(unpriced(), &allowing, SAMPLE_NOW).expect("allowed");
    assert_eq!(a.threshold.expect("threshold").price, None);
    // ... refused by a policy that requires a price.
    let r = refused(unpriced(), &strict(), SAMPLE_NOW);
    assert_eq!(r.problems.len(), 1, "{r}");
    assert!(r.has(|r| matches!(r, Reason::UnpricedThreshold)), "{r}");
    // A policy requiring a threshold with neither a publisher nor unpriced thresholds is
    // refused when it loads: it could accept nothing.
    let mut file = strict_file();
    file.price_publishers.clear();
    assert!(matches!(
        Policy::new(file),
        Err(zktr_verifier::PolicyError::NoPricePublisher)
    ));
}

/// USD 500.00 committed for 10^18 base units of the sample asset, which the trusted
/// publisher prices at USD 2,500.00 (transfer 0's quote).
fn underpriced_tree() -> CommitmentTree {
    let mut f = sample_fields(0);
    f.fiat_value = 50_000;
    CommitmentTree::new(
        SlotValues::from_fields(&f),
        &MasterSalt::from_fr(Fr::from(5u64)),
    )
}

/// Transfer 0 of `w`, "below USD 1,000.00", priced by `price` if given.
fn below_with<'a>(
    w: &'a SampleWorld,
    price: Option<&'a SignedPriceQuote>,
) -> TransferStatement<'a> {
    TransferStatement {
        threshold: 100_000,
        direction: ThresholdDirection::Below,
        price,
        ..w.statement(0).expect("statement")
    }
}

#[test]
fn a_fiat_value_that_does_not_follow_from_the_amount_is_refused() {
    let w = SampleWorld::from_trees(vec![underpriced_tree()], synthetic_sanctions(8).unwrap(), 9);
    let below = |price| below_with(&w, price);
    // Unpriced, "USD 500 is below USD 1,000" proves, and a policy that allows unpriced
    // thresholds accepts it: this was the gap.
    let mut file = w.policy_file().unwrap();
    let v1 = prover()
        .prove_transfer(&below(None), &w.context)
        .expect("v1");
    zktr_verifier::verify_bundle(
        &v1,
        dev_keys(),
        &Policy::new(file.clone()).unwrap(),
        &fatf_at(SAMPLE_NOW),
    )
    .expect("the gap: accepted where allowed");
    file.allow_unpriced_threshold = false;
    let strict = Policy::new(file).unwrap();
    let r = zktr_verifier::verify_bundle(&v1, dev_keys(), &strict, &fatf_at(SAMPLE_NOW))
        .expect_err("refused");
    assert!(r.has(|r| matches!(r, Reason::UnpricedThreshold)), "{r}");

    // With the trusted quote (USD 2,500.00 per 10^18), the prover refuses: no proof of
    // USD 500.00 exists for that amount.
    let trusted = &w.quotes[0];
    let e = prover()
        .prove_transfer(&below(Some(trusted)), &w.context)
        .expect_err("refused");
    assert!(
        matches!(
            e,
            ProverError::Refused {
                claim: CircuitId::ThresholdV2,
                reason: Refusal::FiatValueNotPriced {
                    committed: 50_000,
                    ..
                }
            }
        ),
        "{e}"
    );

    // A quote at USD 500.00 makes the statement true, so it proves; but only a quote of a
    // publisher the policy trusts counts.
    let attacker = SigningKey::from_bytes(&[66u8; 32]);
    let mut quote = trusted.quote.clone();
    quote.price_num = 50_000;
    quote.publisher_key_id = zktr_records::publisher_key_id(&attacker.verifying_key());
    let cheap = SignedPriceQuote::sign(quote.clone(), &attacker).unwrap();
    let forged = prover()
        .prove_transfer(&below(Some(&cheap)), &w.context)
        .expect("a true statement about a false price proves");
    let r = zktr_verifier::verify_bundle(&forged, dev_keys(), &strict, &fatf_at(SAMPLE_NOW))
        .expect_err("refused");
    assert_eq!(r.problems.len(), 1, "{r}");
    assert!(
        r.has(|r| matches!(r, Reason::UntrustedPricePublisher { .. })),
        "{r}"
    );

    // The forged proof beside the trusted publisher's quote: the price inputs differ.
    let mut swapped = forged.clone();
    swapped.price_quote = Some(trusted.clone());
    let r = zktr_verifier::verify_bundle(&swapped, dev_keys(), &strict, &fatf_at(SAMPLE_NOW))
        .expect_err("refused");
    assert!(
        r.has(|r| matches!(r, Reason::PriceQuoteMismatch("price"))),
        "{r}"
    );
    // ... and the trusted price written into the claim's inputs breaks the proof.
    let i = threshold_index(&swapped);
    swapped.claims[i].public_inputs[5] = Fr::from(trusted.quote.price_num);
    let r = zktr_verifier::verify_bundle(&swapped, dev_keys(), &strict, &fatf_at(SAMPLE_NOW))
        .expect_err("refused");
    assert_eq!(r.problems.len(), 1, "{r}");
    assert!(r.has(|r| matches!(r, Reason::BadProof)), "{r}");
}

#[test]
fn an_expired_stale_or_future_quote_is_refused() {
    let w = world();
    // The commitment time outside the quote's window: the prover refuses.
    let mut late = w.quotes[1].quote.clone();
    late.valid_from = SAMPLE_NOW;
    let late = SignedPriceQuote::sign(late, &w.price_key).unwrap();
    let st = TransferStatement {
        price: Some(&late),
        ..w.statement(1).unwrap()
    };
    let e = prover()
        .prove_transfer(&st, &w.context)
        .expect_err("refused");
    assert!(
        matches!(
            e,
            ProverError::Refused {
                reason: Refusal::QuoteNotValidAt { .. },
                ..
            }
        ),
        "{e}"
    );
    // Published 600 s before SAMPLE_NOW, trusted for an hour.
    check(priced(), &strict(), SAMPLE_NOW + 3_000).expect("fresh enough");
    let r = refused(priced(), &strict(), SAMPLE_NOW + 3_001);
    assert_eq!(r.problems.len(), 1, "{r}");
    assert!(
        r.has(|r| matches!(
            r,
            Reason::StalePriceQuote {
                age_seconds: 3_601,
                max_age_seconds: 3_600
            }
        )),
        "{r}"
    );
    // Verified before the quote was published (beyond the 300 s skew).
    let early = SAMPLE_NOW - 600 - 301;
    let r = refused(priced(), &strict(), early);
    assert!(
        r.has(|r| matches!(r, Reason::FuturePriceQuote { seconds: 301 })),
        "{r}"
    );
    // The window (3,600 s) longer than the policy allows.
    let mut file = strict_file();
    file.price_publishers[0].max_window_seconds = 3_599;
    let r = refused(priced(), &Policy::new(file).unwrap(), SAMPLE_NOW);
    assert!(
        r.has(|r| matches!(
            r,
            Reason::PriceWindowTooLong {
                window_seconds: 3_600,
                max_window_seconds: 3_599
            }
        )),
        "{r}"
    );
}

#[test]
fn a_quote_of_an_untrusted_publisher_or_for_another_asset_is_refused() {
    let b = priced();
    // Re-signed by a stranger, same price and window.
    let stranger = SigningKey::from_bytes(&[9u8; 32]);
    let r = refused(&requoted(b, &stranger, |_| {}), &strict(), SAMPLE_NOW);
    assert!(
        r.has(|r| matches!(r, Reason::UntrustedPricePublisher { .. })),
        "{r}"
    );
    // The trusted key, but the quote altered after signing.
    let mut tampered = b.clone();
    if let Some(q) = tampered.price_quote.as_mut() {
        q.quote.published_at += 1;
    }
    let r = refused(&tampered, &strict(), SAMPLE_NOW);
    assert!(r.has(|r| matches!(r, Reason::BadPriceQuote(_))), "{r}");
    // A publisher trusted for BTC only.
    let mut file = strict_file();
    file.price_publishers[0].assets = vec!["0".into()];
    let r = refused(b, &Policy::new(file.clone()).unwrap(), SAMPLE_NOW);
    assert!(
        r.has(|r| matches!(r, Reason::UntrustedPricePublisher { for_asset, .. } if for_asset.contains("ETH"))),
        "{r}"
    );
    // Any asset, when the policy lists none.
    file.price_publishers[0].assets.clear();
    check(b, &Policy::new(file.clone()).unwrap(), SAMPLE_NOW).expect("any asset");
    // An asset id the policy cannot read is a load error.
    file.price_publishers[0].assets = vec!["ETH".into()];
    assert!(matches!(
        Policy::new(file),
        Err(zktr_verifier::PolicyError::BadAsset { .. })
    ));
}

#[test]
fn quote_and_threshold_version_must_agree() {
    // A threshold/v2 claim without its quote (written as version 1).
    let mut bare = priced().clone();
    bare.price_quote = None;
    bare.version = 1;
    let r = refused(&bare, &strict(), SAMPLE_NOW);
    assert!(r.has(|r| matches!(r, Reason::MissingPriceQuote)), "{r}");
    // A quote beside an unpriced claim.
    let mut stray = unpriced().clone();
    stray.price_quote = priced().price_quote.clone();
    stray.version = 2;
    let allowing = Policy::new(world().policy_file().unwrap()).unwrap();
    let r = refused(&stray, &allowing, SAMPLE_NOW);
    assert!(r.has(|r| matches!(r, Reason::UnusedPriceQuote)), "{r}");
    // Both claims: one threshold claim only.
    let mut both = priced().clone();
    both.claims
        .push(unpriced().claims[threshold_index(unpriced())].clone());
    let r = refused(&both, &allowing, SAMPLE_NOW);
    assert!(r.has(|r| matches!(r, Reason::DuplicateClaim)), "{r}");
    // The version says whether a quote is there: a reader refuses a mismatch.
    let mut v1_with_quote = priced().clone();
    v1_with_quote.version = 1;
    assert!(matches!(
        ProofBundle::from_protobuf(&v1_with_quote.to_protobuf()),
        Err(BundleDecodeError::Field { .. })
    ));
    let mut v2_without = unpriced().clone();
    v2_without.version = 2;
    assert!(matches!(
        ProofBundle::from_json(&v2_without.to_json()),
        Err(BundleDecodeError::Field { .. })
    ));
    // Version 3 is for several sanctions roots (`several_lists.rs`): a priced bundle with
    // one root is not version 3, and version 4 is not read.
    let mut v3 = priced().clone();
    v3.version = 3;
    assert!(matches!(
        ProofBundle::from_protobuf(&v3.to_protobuf()),
        Err(BundleDecodeError::Field { .. })
    ));
    let mut v4 = priced().clone();
    v4.version = 4;
    assert!(matches!(
        ProofBundle::from_protobuf(&v4.to_protobuf()),
        Err(BundleDecodeError::Version(4))
    ));
}
