//! The verifier service on real sockets on 127.0.0.1, over TLS with certificates of a dev
//! CA, checking real Groth16 proofs of the sample world with real keys loaded from a
//! parameters folder: one bundle, tampered bundles, a batched stream with a bad bundle in
//! the middle, garbage and oversized requests, required client certificates, health and
//! metrics.

mod common;

use common::{Net, http_get};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;
use tonic::Code;
use zktr_circuits::circuits::CircuitId;
use zktr_circuits::field::fr_to_be_bytes;
use zktr_node::certs::{self, IssueRequest, KeyAlgorithm, Usage};
use zktr_node::tls::Identity;
use zktr_node::verifier_config::VerifierConfig;
use zktr_node::verifier_service::{self, RunningVerifier};
use zktr_proto::zktr::verifier::v1 as pb;
use zktr_prover::{Parallelism, Prover};
use zktr_records::ProofBundle;
use zktr_records::manifest::SINGLE_PARTY_DEV;
use zktr_testkit::sample::{SAMPLE_NOW, sample_fields};
use zktr_testkit::{keys, world};

/// Every test gives up after this long rather than hang.
const TEST_LIMIT: Duration = Duration::from_secs(120);
const SERVER_NAME: &str = "verifier.test";

/// The sample world's three transfers, proven once per test binary.
fn bundles() -> &'static [ProofBundle] {
    static BUNDLES: OnceLock<Vec<ProofBundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        let prover = Prover::new(keys().clone(), Parallelism::default()).unwrap();
        let w = world();
        prover
            .prove_transfers(&w.statements(), &w.context)
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect()
    })
}

/// The on-chain transfer sample transfer `i` commits to.
fn transfer(i: u64) -> pb::OnChainTransfer {
    let f = sample_fields(i);
    pb::OnChainTransfer {
        asset_id: fr_to_be_bytes(&f.asset_id.to_fr()).to_vec(),
        asset_amount: f.asset_amount.to_string(),
        beneficiary_address: String::new(),
        beneficiary_address_key: fr_to_be_bytes(&f.beneficiary_address_key.to_fr()).to_vec(),
    }
}

fn request(bundle: &ProofBundle, i: u64, id: &str) -> pb::VerifyRequest {
    pb::VerifyRequest {
        bundle: Some(bundle.to_message()),
        jurisdictions: vec![],
        transfer: Some(transfer(i)),
        // The sample world's records are signed at SAMPLE_NOW; judge them then.
        as_of: SAMPLE_NOW,
        seen_lists: vec![],
        request_id: id.into(),
    }
}

/// A dev CA, the verifier's certificate, its params folder (verifying keys only) and the
/// sample world's policy, all in one temporary folder.
struct Setup {
    net: Net,
}

impl Setup {
    fn new() -> Self {
        let net = Net::new();
        let root = net.dir.path();
        let now = SAMPLE_NOW;
        keys()
            .save_verifying_keys(&root.join("params"), now, SINGLE_PARTY_DEV, None)
            .unwrap();
        let policy = world().policy_file().unwrap();
        std::fs::write(
            root.join("policy.json"),
            serde_json::to_string_pretty(&policy).unwrap(),
        )
        .unwrap();
        certs::issue(
            &net.ca(),
            &IssueRequest {
                common_name: SERVER_NAME.into(),
                sans: vec!["localhost".into(), "127.0.0.1".into()],
                usage: Usage::Server,
                validity_days: 5,
                algorithm: KeyAlgorithm::EcdsaP256,
            },
            &root.join("certs"),
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        Self { net }
    }

    fn root(&self) -> &Path {
        self.net.dir.path()
    }

    /// Writes `verifier.toml` (with `extra` lines in `[service]`) and loads it.
    fn config(&self, client_auth: &str, service: &str) -> VerifierConfig {
        let text = format!(
            r#"[listen]
grpc = "127.0.0.1:0"
http = "127.0.0.1:0"

[tls]
cert = "certs/{SERVER_NAME}.pem"
key = "certs/{SERVER_NAME}.key"
client_auth = "{client_auth}"
ca = ["ca/ca.pem"]

[verify]
policy = "policy.json"
params = "params"
jurisdictions = ["FATF"]

[service]
max_message_bytes = 65536
{service}
"#
        );
        let path = self.root().join("verifier.toml");
        std::fs::write(&path, text).unwrap();
        VerifierConfig::load(&path).unwrap()
    }

    async fn start(&self, client_auth: &str, service: &str) -> RunningVerifier {
        verifier_service::start(self.config(client_auth, service))
            .await
            .unwrap()
    }

    fn client(
        &self,
        v: &RunningVerifier,
        identity: Option<&Identity>,
    ) -> pb::verifier_client::VerifierClient<tonic::transport::Channel> {
        verifier_service::client(
            &v.grpc_addr.to_string(),
            "localhost",
            &[self.net.ca_cert()],
            identity,
            8 << 20,
            Duration::from_secs(30),
        )
        .unwrap()
    }
}

/// `GET path` on the HTTP port: (status, body).
fn reason(p: &pb::Problem) -> pb::Reason {
    pb::Reason::try_from(p.reason).unwrap()
}

fn claim(r: &pb::VerifyResponse, c: CircuitId) -> &pb::ClaimResult {
    r.claims.iter().find(|x| x.circuit == c.as_str()).unwrap()
}

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, f)
        .await
        .expect("the test took too long")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_bundle_is_accepted_with_per_claim_results() {
    within(async {
        let setup = Setup::new();
        let v = setup.start("optional", "").await;
        // Optional client certificates: an anonymous client is served.
        let mut c = setup.client(&v, None);
        let bundle = &bundles()[0];
        let r = c
            .verify(request(bundle, 0, "first"))
            .await
            .unwrap()
            .into_inner();
        assert!(r.accepted, "{r:?}");
        assert_eq!(r.request_id, "first");
        assert_eq!(r.verified_at, SAMPLE_NOW);
        assert_eq!(r.claims.len(), bundle.claims.len());
        assert!(r.claims.iter().all(|c| c.ok && c.problems.is_empty()));
        assert!(r.problems.is_empty());
        assert!(r.dev_keys, "the test keys are single-party dev keys");
        assert_eq!(r.commitment, fr_to_be_bytes(&bundle.commitment.0).to_vec());
        let proven = r.proven.unwrap();
        let t = proven.threshold.unwrap();
        assert_eq!((t.threshold, t.currency), (100_000, 840));
        assert_eq!(t.direction, "at_or_above");
        assert_eq!(t.satisfies, vec!["FATF".to_string()]);
        assert_eq!(
            proven.transfer.unwrap().asset_amount,
            transfer(0).asset_amount
        );
        assert_eq!(proven.screened.len(), 2);

        // The same bundle against another transfer: the committed claim fails, and says why.
        let r = c
            .verify(request(bundle, 1, "wrong transfer"))
            .await
            .unwrap()
            .into_inner();
        assert!(!r.accepted);
        let committed = claim(&r, CircuitId::Committed);
        assert!(!committed.ok);
        assert!(
            committed
                .problems
                .iter()
                .all(|p| reason(p) == pb::Reason::TransferMismatch)
        );
        assert!(claim(&r, CircuitId::Threshold).ok);

        // Judged at the verifier's own clock, the sample sanctions root (2025) is stale.
        let mut now = request(bundle, 0, "now");
        now.as_of = 0;
        let r = c.verify(now).await.unwrap().into_inner();
        assert!(!r.accepted);
        assert!(
            r.problems
                .iter()
                .any(|p| reason(p) == pb::Reason::StaleSanctionsRoot)
        );

        let info = c.info(pb::InfoRequest {}).await.unwrap().into_inner();
        assert_eq!(info.keys.len(), CircuitId::ALL.len());
        assert_eq!(info.default_jurisdictions, vec!["FATF".to_string()]);

        let (status, text) = http_get(v.http_addr, "/metrics");
        assert_eq!(status, 200);
        assert!(
            text.contains("zktr_verifier_bundles_total{outcome=\"accepted\"} 1"),
            "{text}"
        );
        assert!(text.contains("zktr_verifier_failures_total{reason=\"transfer_mismatch\"}"));
        assert!(
            text.contains("zktr_verifier_verify_seconds_count 3"),
            "{text}"
        );
        assert_eq!(http_get(v.http_addr, "/healthz").0, 200);
        assert_eq!(http_get(v.http_addr, "/readyz").0, 200);
        v.shutdown().await.unwrap();
    })
    .await;
}

/// `bundle` with claim `circuit`'s proof byte `at` flipped.
fn flip_proof_byte(bundle: &ProofBundle, circuit: CircuitId, at: usize) -> ProofBundle {
    let mut b = bundle.clone();
    let c = b.claims.iter_mut().find(|c| c.circuit == circuit).unwrap();
    c.proof[at] ^= 0x01;
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_bundles_are_refused_with_the_reason() {
    within(async {
        let setup = Setup::new();
        let v = setup.start("optional", "").await;
        let mut c = setup.client(&v, None);
        let good = &bundles()[0];

        // A flipped byte in a proof: not a point any more, or a proof of nothing.
        for at in [5usize, 40, 100] {
            let bad = flip_proof_byte(good, CircuitId::NotSanctionedBeneficiary, at);
            let r = c
                .verify(request(&bad, 0, "flipped"))
                .await
                .unwrap()
                .into_inner();
            assert!(!r.accepted);
            let hit = claim(&r, CircuitId::NotSanctionedBeneficiary);
            assert!(!hit.ok);
            assert!(
                hit.problems.iter().all(|p| matches!(
                    reason(p),
                    pb::Reason::BadProof | pb::Reason::MalformedProof
                )),
                "{hit:?}"
            );
            // The other claims still pass.
            assert_eq!(r.claims.iter().filter(|c| c.ok).count(), 3);
            assert!(r.proven.is_none());
        }

        // A changed public input: the threshold one above (100,001 still satisfies FATF's
        // rule), so only the proof can tell.
        let mut bad = good.clone();
        let t = bad
            .claims
            .iter_mut()
            .find(|c| c.circuit == CircuitId::Threshold)
            .unwrap();
        t.public_inputs[1] += zktr_circuits::Fr::from(1u64);
        let r = c
            .verify(request(&bad, 0, "input"))
            .await
            .unwrap()
            .into_inner();
        assert!(!r.accepted);
        let th = claim(&r, CircuitId::Threshold);
        assert_eq!(
            th.problems.iter().map(reason).collect::<Vec<_>>(),
            vec![pb::Reason::BadProof]
        );

        // A changed commitment: every claim is about another C.
        let mut bad = good.clone();
        bad.commitment.0 += zktr_circuits::Fr::from(1u64);
        let r = c
            .verify(request(&bad, 0, "commitment"))
            .await
            .unwrap()
            .into_inner();
        assert!(!r.accepted);
        assert!(r.claims.iter().all(|c| {
            c.problems
                .iter()
                .any(|p| reason(p) == pb::Reason::CommitmentMismatch)
        }));

        // A bundle whose fields do not decode is a rejected bundle, not a failed call.
        let mut msg = good.to_message();
        msg.commitment = vec![1, 2, 3];
        let mut req = request(good, 0, "malformed");
        req.bundle = Some(msg);
        let r = c.verify(req).await.unwrap().into_inner();
        assert!(!r.accepted);
        assert_eq!(reason(&r.problems[0]), pb::Reason::MalformedBundle);

        let (_, text) = http_get(v.http_addr, "/metrics");
        assert!(text.contains("zktr_verifier_failures_total{reason=\"bad_proof\"}"));
        assert!(text.contains("zktr_verifier_failures_total{reason=\"malformed_bundle\"} 1"));
        v.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_answers_in_order_with_the_bad_bundle_in_the_middle_reported() {
    within(async {
        let setup = Setup::new();
        // Wait long enough that the whole stream forms batches of several bundles.
        let v = setup
            .start("optional", "max_batch = 4\nbatch_linger_ms = 200")
            .await;
        let mut c = setup.client(&v, None);
        let b = bundles();
        let bad = flip_proof_byte(&b[1], CircuitId::Committed, 100);
        let plan: Vec<(ProofBundle, u64)> = vec![
            (b[0].clone(), 0),
            (b[1].clone(), 1),
            (b[2].clone(), 2),
            (bad, 1),
            (b[2].clone(), 2),
            (b[0].clone(), 0),
            (b[1].clone(), 1),
        ];
        let requests: Vec<pb::VerifyRequest> = plan
            .iter()
            .enumerate()
            .map(|(k, (bundle, i))| request(bundle, *i, &format!("r{k}")))
            .collect();
        let mut replies = c
            .verify_stream(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner();
        let mut got = Vec::new();
        while let Some(r) = replies.message().await.unwrap() {
            got.push(r);
        }
        assert_eq!(got.len(), plan.len());
        for (k, r) in got.iter().enumerate() {
            assert_eq!(r.index, k as u64);
            assert_eq!(r.request_id, format!("r{k}"));
            assert_eq!(
                r.commitment,
                fr_to_be_bytes(&plan[k].0.commitment.0).to_vec()
            );
            if k == 3 {
                assert!(!r.accepted);
                let bad = claim(r, CircuitId::Committed);
                assert!(!bad.ok);
                assert!(bad.problems.iter().all(|p| matches!(
                    reason(p),
                    pb::Reason::BadProof | pb::Reason::MalformedProof
                )));
            } else {
                assert!(r.accepted, "response {k}: {r:?}");
            }
        }

        // The proofs were verified in batches, not one by one.
        let (_, text) = http_get(v.http_addr, "/metrics");
        let count: f64 = metric(&text, "zktr_verifier_batch_size_count");
        let sum: f64 = metric(&text, "zktr_verifier_batch_size_sum");
        assert_eq!(sum, plan.len() as f64);
        assert!(
            count < plan.len() as f64,
            "{count} batches for {sum} bundles"
        );
        assert_eq!(
            metric(&text, "zktr_verifier_bundles_total{outcome=\"rejected\"}"),
            1.0
        );
        v.shutdown().await.unwrap();
    })
    .await;
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// A message whose field 1 (the request's `bundle`) is arbitrary bytes.
#[derive(Clone, PartialEq, prost::Message)]
struct RawField1 {
    #[prost(bytes = "vec", tag = "1")]
    value: Vec<u8>,
}

/// Sends `body` as the request message of `Verify` (any bytes: not necessarily a
/// VerifyRequest).
async fn raw_verify(
    channel: tonic::transport::Channel,
    body: RawField1,
) -> Result<pb::VerifyResponse, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel).max_encoding_message_size(8 << 20);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let codec = tonic_prost::ProstCodec::<RawField1, pb::VerifyResponse>::default();
    let path =
        tonic::codegen::http::uri::PathAndQuery::from_static("/zktr.verifier.v1.Verifier/Verify");
    grpc.unary(tonic::Request::new(body), path, codec)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_requests_get_typed_errors_and_the_server_keeps_serving() {
    within(async {
        let setup = Setup::new();
        let v = setup.start("optional", "").await;
        let mut c = setup.client(&v, None);
        let channel = tls_channel(&setup, &v);
        let good = &bundles()[0];

        // Field 1 (the bundle) holding bytes that are no protobuf: gRPC's parse error.
        let garbage = RawField1 {
            value: vec![0xff; 64],
        };
        let e = raw_verify(channel.clone(), garbage).await.unwrap_err();
        assert_eq!(e.code(), Code::Internal, "{e:?}");
        // Over the configured 64 KiB.
        let big = RawField1 {
            value: vec![0u8; 200_000],
        };
        let e = raw_verify(channel.clone(), big).await.unwrap_err();
        assert_eq!(e.code(), Code::OutOfRange, "{e:?}");
        // A real request with an oversized bundle.
        let mut huge = request(good, 0, "huge");
        if let Some(b) = huge.bundle.as_mut() {
            b.jurisdiction = "X".repeat(100_000);
        }
        assert_eq!(c.verify(huge).await.unwrap_err().code(), Code::OutOfRange);

        // Well-formed protobuf with bad fields.
        let mut no_bundle = request(good, 0, "none");
        no_bundle.bundle = None;
        assert_eq!(
            c.verify(no_bundle).await.unwrap_err().code(),
            Code::InvalidArgument
        );
        let mut unknown = request(good, 0, "j");
        unknown.jurisdictions = vec!["ATLANTIS".into()];
        assert_eq!(
            c.verify(unknown).await.unwrap_err().code(),
            Code::InvalidArgument
        );
        let mut future = request(good, 0, "t");
        future.as_of = u64::MAX;
        assert_eq!(
            c.verify(future).await.unwrap_err().code(),
            Code::InvalidArgument
        );
        let mut amount = request(good, 0, "a");
        if let Some(t) = amount.transfer.as_mut() {
            t.asset_amount = "lots".into();
        }
        assert_eq!(
            c.verify(amount).await.unwrap_err().code(),
            Code::InvalidArgument
        );
        let mut both = request(good, 0, "both");
        if let Some(t) = both.transfer.as_mut() {
            t.beneficiary_address = "0x00000000219ab540356cBB839Cbe05303d7705Fa".into();
        }
        assert_eq!(
            c.verify(both).await.unwrap_err().code(),
            Code::InvalidArgument
        );

        // On a stream: the responses before the bad request, then its error.
        let mut bad = request(good, 0, "bad");
        bad.bundle = None;
        let mut replies = c
            .verify_stream(tokio_stream::iter(vec![request(good, 0, "ok"), bad]))
            .await
            .unwrap()
            .into_inner();
        let first = replies.message().await.unwrap().unwrap();
        assert!(first.accepted);
        let e = replies.message().await.unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument);
        assert!(e.message().contains("request 1"), "{e:?}");

        // Still serving.
        let r = c
            .verify(request(good, 0, "after"))
            .await
            .unwrap()
            .into_inner();
        assert!(r.accepted);
        let (_, text) = http_get(v.http_addr, "/metrics");
        assert!(
            text.contains(
                "zktr_verifier_requests_total{rpc=\"Verify\",code=\"INVALID_ARGUMENT\"} 5"
            )
        );
        v.shutdown().await.unwrap();
    })
    .await;
}

fn tls_channel(setup: &Setup, v: &RunningVerifier) -> tonic::transport::Channel {
    let config = zktr_node::tls::client_config_anonymous(&[setup.net.ca_cert()], &[]).unwrap();
    zktr_node::client::tls_channel(
        config,
        &v.grpc_addr.to_string(),
        "localhost",
        None,
        Duration::from_secs(30),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_client_certificates_refuse_a_client_without_one() {
    within(async {
        let setup = Setup::new();
        let v = setup.start("required", "").await;
        let good = &bundles()[0];

        // Refused at the handshake: the call fails (UNAVAILABLE, UNKNOWN or CANCELLED,
        // as the connection dies); the metrics below say why.
        let mut anonymous = setup.client(&v, None);
        assert!(anonymous.verify(request(good, 0, "anon")).await.is_err());

        // A certificate of another CA is refused too.
        let other = Net::new();
        let stranger = other.client("stranger.test");
        let mut foreign = setup.client(&v, Some(&stranger));
        assert!(foreign.verify(request(good, 0, "x")).await.is_err());

        let member = setup.net.client("member.test");
        let mut ok = setup.client(&v, Some(&member));
        let r = ok.verify(request(good, 0, "m")).await.unwrap().into_inner();
        assert!(r.accepted);

        // The server counts a refused handshake after the client has seen the refusal.
        let http = v.http_addr;
        let counted = tokio::task::spawn_blocking(move || {
            for _ in 0..100 {
                let (_, text) = http_get(http, "/metrics");
                if text
                    .contains("zktr_tls_handshake_failures_total{reason=\"no_client_certificate\"}")
                    && text
                        .contains("zktr_tls_handshake_failures_total{reason=\"bad_certificate\"}")
                {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(http_get(http, "/metrics").1)
        })
        .await
        .unwrap();
        assert_eq!(counted, Ok(()));
        v.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_turns_readyz_off_and_lets_an_open_stream_finish() {
    within(async {
        let setup = Setup::new();
        let v = setup.start("none", "").await;
        let mut c = setup.client(&v, None);
        let b = bundles();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let mut replies = c
            .verify_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner();
        tx.send(request(&b[0], 0, "before")).await.unwrap();
        assert!(replies.message().await.unwrap().unwrap().accepted);

        // SIGTERM's path: /readyz turns 503 while the open stream is drained.
        let http = v.http_addr;
        let stopping = tokio::spawn(v.shutdown());
        let drained = tokio::task::spawn_blocking(move || {
            (0..100).any(|_| {
                std::thread::sleep(Duration::from_millis(20));
                http_get(http, "/readyz").0 == 503
            })
        })
        .await
        .unwrap();
        assert!(drained, "/readyz did not turn 503");
        // The open stream is still served.
        for k in 0..6 {
            tx.send(request(&b[k % 3], (k % 3) as u64, &format!("during{k}")))
                .await
                .unwrap();
        }
        drop(tx);
        let mut n = 0;
        while let Some(r) = replies.message().await.unwrap() {
            assert!(r.accepted);
            assert_eq!(r.request_id, format!("during{n}"));
            n += 1;
        }
        assert_eq!(n, 6);
        stopping.await.unwrap().unwrap();
        // Stopped: the ports are closed.
        assert!(std::net::TcpStream::connect(http).is_err());
    })
    .await;
}
