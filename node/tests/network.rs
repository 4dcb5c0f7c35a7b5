//! Real nodes over real mutual TLS on loopback: the plain TRISA flow through every state,
//! restarts, TRISA's rules for bad and replayed envelopes, TransferStream, certificates
//! that must be refused, TRISA's own fixture envelope and TestNet identity.

mod common;

use common::*;
use prost::Message;
use tonic::Code;
use zktr_node::init::SealingAlgorithm;
use zktr_node::tls::Identity;
use zktr_proto::trisa::api::v1beta1::{Address, ConfirmationType, service_state};
use zktr_proto::zktr::admin::v1 as admin;
use zktr_trisa::{
    ErrorCode, Payload, PublicSealingKey, SealOptions, SealingKey, SecureEnvelope, Transaction,
    TransferState,
};

const ADDRESS: &str = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

fn transaction() -> Transaction {
    Transaction {
        originator: "0x1111111111111111111111111111111111111111".into(),
        beneficiary: ADDRESS.into(),
        amount: 1.25,
        network: "ETH".into(),
        asset_type: "ETH".into(),
        ..Default::default()
    }
}

fn send_request(peer: &str) -> admin::SendTransferRequest {
    admin::SendTransferRequest {
        peer: peer.into(),
        identity_json: fixture_identity_json(),
        transaction: Some(transaction()),
        ..Default::default()
    }
}

fn states(d: &admin::TransferDetail) -> Vec<String> {
    d.history.iter().map(|h| h.state.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_goes_through_every_state_and_survives_restarts() {
    let net = Net::new();
    let a_cfg = net.node("alpha.test", SealingAlgorithm::X25519);
    let b_cfg = net.node("beta.test", SealingAlgorithm::Rsa2048);
    let a = start(&a_cfg, |_| {}).await;
    let b = start(&b_cfg, |_| {}).await;
    set_peers(&a_cfg, &[("beta.test", b.peer_addr)]);
    set_peers(&b_cfg, &[("alpha.test", a.peer_addr)]);

    backoffice(&b_cfg, &b, |bo| {
        bo.add_address(admin::CustomerAddress {
            address: ADDRESS.into(),
            network: "ETH".into(),
            customer: "c-1".into(),
        })
        .unwrap()
    })
    .await;

    // Originator sends: the beneficiary holds it for review and answers PENDING.
    let sent = backoffice(&a_cfg, &a, |bo| bo.send(send_request("beta.test")).unwrap()).await;
    assert_eq!(sent.state, "PENDING", "{sent:?}");
    let id = sent.id.clone();
    let on_b = backoffice(&b_cfg, &b, |bo| bo.list("", 10).unwrap()).await;
    assert_eq!(on_b.len(), 1);
    assert_eq!(
        (on_b[0].id.as_str(), on_b[0].state.as_str()),
        (id.as_str(), "REVIEW")
    );
    assert_eq!(
        on_b[0].peer, "alpha.test",
        "the peer is the caller's certificate CN"
    );

    // Sending the same id again is idempotent.
    let again = {
        let mut r = send_request("beta.test");
        r.id = id.clone();
        backoffice(&a_cfg, &a, move |bo| bo.send(r).unwrap()).await
    };
    assert_eq!(again.id, id);

    // The officer accepts: a new envelope B -> A, ACCEPTED on both sides.
    let i = id.clone();
    let accepted = backoffice(&b_cfg, &b, move |bo| bo.accept(&i, "cleared").unwrap()).await;
    assert_eq!(accepted.state, "ACCEPTED");
    let i = id.clone();
    let on_a = backoffice(&a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    assert_eq!(on_a.summary.as_ref().unwrap().state, "ACCEPTED");

    // The originator completes with the txid.
    let i = id.clone();
    let done = backoffice(&a_cfg, &a, move |bo| bo.complete(&i, "0xfeed").unwrap()).await;
    assert_eq!(done.state, "COMPLETED", "{done:?}");

    let i = id.clone();
    let b_detail = backoffice(&b_cfg, &b, move |bo| bo.show(&i, true).unwrap()).await;
    assert_eq!(b_detail.summary.as_ref().unwrap().txid, "0xfeed");
    assert_eq!(
        states(&b_detail),
        ["REVIEW", "ACCEPTED", "ACCEPTED", "COMPLETED"]
    );
    assert!(
        b_detail.payload_json.contains("IdentityPayload"),
        "the payload decrypts on request"
    );
    let i = id.clone();
    let a_detail = backoffice(&a_cfg, &a, move |bo| bo.show(&i, false).unwrap()).await;
    assert_eq!(
        states(&a_detail),
        ["STARTED", "PENDING", "ACCEPTED", "COMPLETED"]
    );
    assert!(
        a_detail.payload_json.is_empty(),
        "no personal data unless asked for"
    );

    // Crypto-erasure: the originator deletes its data keys; the record stays, the
    // personal data is gone.
    let i = id.clone();
    let erased = backoffice(&a_cfg, &a, move |bo| bo.erase(&i).unwrap()).await;
    assert!(erased.erased);
    let i = id.clone();
    let e = backoffice(&a_cfg, &a, move |bo| bo.show(&i, true).unwrap_err()).await;
    assert!(e.to_string().contains("erased"), "{e}");
    let i = id.clone();
    let e = backoffice(&b_cfg, &b, move |bo| bo.erase(&i).unwrap_err()).await;
    assert!(e.to_string().contains("only transfers we sent"), "{e}");

    // A final transfer refuses further decisions.
    let i = id.clone();
    let e = backoffice(&b_cfg, &b, move |bo| bo.reject(&i, "").unwrap_err()).await;
    assert!(e.to_string().contains("already COMPLETED"), "{e}");

    // Address confirmation and health, over mTLS.
    let client = dialer(&net, net.client("alpha.test-probe"));
    add_peer(&b_cfg, "alpha.test-probe");
    let conf = client
        .confirm_address(
            &entry("beta.test", &b),
            Address {
                confirmation: ConfirmationType::Simple as i32,
                crypto_address: ADDRESS.to_lowercase(),
                network: "ETH".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(conf.controlled_by_entity);
    let status = client.status(&entry("beta.test", &b)).await.unwrap();
    assert_eq!(status.status, service_state::Status::Healthy as i32);

    // Both nodes stop cleanly and come back with their records.
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    let a = start(&a_cfg, |_| {}).await;
    let b = start(&b_cfg, |_| {}).await;
    for (cfg, node, want) in [
        (
            &a_cfg,
            &a,
            ["STARTED", "PENDING", "ACCEPTED", "COMPLETED", "COMPLETED"].as_slice(),
        ),
        (
            &b_cfg,
            &b,
            ["REVIEW", "ACCEPTED", "ACCEPTED", "COMPLETED"].as_slice(),
        ),
    ] {
        let i = id.clone();
        let d = backoffice(cfg, node, move |bo| bo.show(&i, false).unwrap()).await;
        assert_eq!(d.summary.as_ref().unwrap().state, "COMPLETED");
        assert_eq!(states(&d), want);
        assert_eq!(d.envelopes, 6);
    }
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// A node B, and a raw client registered as B's peer `alpha.test` with its own sealing key
/// exchanged.
struct Target {
    net: Net,
    b_cfg: std::path::PathBuf,
    b: zktr_node::RunningNode,
    client: zktr_node::client::Dialer,
    client_key: SealingKey,
    b_key: PublicSealingKey,
}

async fn target(max_message: Option<usize>) -> Target {
    let net = Net::new();
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    let b = start(&b_cfg, |c| {
        if let Some(m) = max_message {
            c.service.max_message_bytes = m;
        }
    })
    .await;
    add_peer(&b_cfg, "alpha.test");
    backoffice(&b_cfg, &b, |bo| {
        bo.add_address(admin::CustomerAddress {
            address: ADDRESS.into(),
            network: String::new(),
            customer: String::new(),
        })
        .unwrap()
    })
    .await;
    let client = dialer(&net, net.client("alpha.test"));
    let client_key = SealingKey::generate_x25519();
    Target {
        b_key: PublicSealingKey::X25519(match SealingKey::generate_x25519().public_key() {
            PublicSealingKey::X25519(k) => k,
            PublicSealingKey::Rsa(_) => unreachable!(),
        }),
        net,
        b_cfg,
        b,
        client,
        client_key,
    }
}

impl Target {
    fn b(&self) -> zktr_node::config::PeerEntry {
        entry("beta.test", &self.b)
    }

    /// KeyExchange: registers our key with B, learns B's.
    async fn exchange_keys(&mut self) {
        let ours = zktr_proto::trisa::api::v1beta1::SigningKey {
            public_key_algorithm: "X25519".into(),
            data: self.client_key.public_key().spki_der().unwrap(),
            ..Default::default()
        };
        let theirs = self.client.key_exchange(&self.b(), ours).await.unwrap();
        self.b_key = PublicSealingKey::from_der(&theirs.data).unwrap();
    }

    fn envelope(&self, payload: &Payload) -> SecureEnvelope {
        zktr_trisa::seal(payload, &self.b_key, &SealOptions::default()).unwrap()
    }

    /// A later envelope of transfer `id` in `state`.
    fn later(&self, id: &str, state: TransferState) -> SecureEnvelope {
        let options = SealOptions {
            id: Some(uuid::Uuid::parse_str(id).unwrap()),
            transfer_state: state,
            timestamp: None,
        };
        zktr_trisa::seal(&good_payload(), &self.b_key, &options).unwrap()
    }

    async fn send(&self, env: SecureEnvelope) -> Result<SecureEnvelope, tonic::Status> {
        self.client.transfer(&self.b(), env).await
    }

    async fn transfers(&self) -> usize {
        backoffice(&self.b_cfg, &self.b, |bo| bo.list("", 100).unwrap().len()).await
    }
}

fn good_payload() -> Payload {
    let (doc, _) = zktr_ivms101::Document::from_json(&fixture_identity_json()).unwrap();
    let zktr_ivms101::Document::IdentityPayload(identity) = doc else {
        panic!()
    };
    zktr_node::exchange::new_payload(&identity, &transaction())
}

fn code(env: &SecureEnvelope) -> ErrorCode {
    let e = env.error.as_ref().expect("an error envelope");
    assert!(env.payload.is_empty());
    ErrorCode::try_from(e.code).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_envelopes_get_trisa_errors_and_change_nothing() {
    let mut t = target(Some(64 * 1024)).await;

    // No key of ours yet: NO_SIGNING_KEY (retry), nothing stored.
    t.b_key = {
        // Learn B's key through another client, so that ours is still unknown to B.
        let probe = dialer(&t.net, t.net.client("probe.test"));
        add_peer(&t.b_cfg, "probe.test");
        let k = probe
            .key_exchange(
                &t.b(),
                zktr_proto::trisa::api::v1beta1::SigningKey {
                    data: SealingKey::generate_x25519()
                        .public_key()
                        .spki_der()
                        .unwrap(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        PublicSealingKey::from_der(&k.data).unwrap()
    };
    let reply = t.send(t.envelope(&good_payload())).await.unwrap();
    assert_eq!(code(&reply), ErrorCode::NoSigningKey);
    assert!(reply.error.as_ref().unwrap().retry);
    t.exchange_keys().await;

    // Not a UUID.
    let mut env = t.envelope(&good_payload());
    env.id = "transfer-1".into();
    let r = t.send(env).await.unwrap();
    assert_eq!(code(&r), ErrorCode::BadRequest);
    assert_eq!(r.transfer_state, TransferState::Rejected as i32);
    // No timestamp.
    let mut env = t.envelope(&good_payload());
    env.timestamp.clear();
    assert_eq!(code(&t.send(env).await.unwrap()), ErrorCode::BadRequest);
    // Neither payload nor error.
    let mut env = t.envelope(&good_payload());
    env.payload.clear();
    assert_eq!(code(&t.send(env).await.unwrap()), ErrorCode::BadRequest);
    // An algorithm TRISA receivers do not accept.
    let mut env = t.envelope(&good_payload());
    env.encryption_algorithm = "AES128-GCM".into();
    assert_eq!(
        code(&t.send(env).await.unwrap()),
        ErrorCode::UnhandledAlgorithm
    );
    // Sealed for another key: unknown public key signature.
    let other = SealingKey::generate_x25519().public_key();
    let env = zktr_trisa::seal(&good_payload(), &other, &SealOptions::default()).unwrap();
    let r = t.send(env).await.unwrap();
    assert_eq!(code(&r), ErrorCode::InvalidKey);
    assert!(
        r.error
            .as_ref()
            .unwrap()
            .message
            .contains("unknown public key signature")
    );
    // A tampered HMAC.
    let mut env = t.envelope(&good_payload());
    env.hmac[0] ^= 1;
    assert_eq!(
        code(&t.send(env).await.unwrap()),
        ErrorCode::InvalidSignature
    );
    // A tampered ciphertext (the HMAC is checked first).
    let mut env = t.envelope(&good_payload());
    env.payload[3] ^= 1;
    assert_eq!(
        code(&t.send(env).await.unwrap()),
        ErrorCode::InvalidSignature
    );
    // Decrypts, but is not a Payload.
    let key = [7u8; 32];
    let secret = [9u8; 32];
    let blob = zktr_trisa::crypto::encrypt(&key, &[0xff; 40]).unwrap();
    let env = SecureEnvelope {
        id: uuid::Uuid::new_v4().to_string(),
        hmac: zktr_trisa::crypto::hmac_sign(&secret, &blob).unwrap(),
        payload: blob,
        encryption_key: key.to_vec(),
        encryption_algorithm: "AES256-GCM".into(),
        hmac_secret: secret.to_vec(),
        hmac_algorithm: "HMAC-SHA256".into(),
        timestamp: zktr_node::exchange::now_stamp(),
        sealed: false,
        ..Default::default()
    };
    assert_eq!(
        code(&t.send(env).await.unwrap()),
        ErrorCode::EnvelopeDecodeFail
    );
    // A payload whose identity is not valid IVMS101 (no originator, no beneficiary...).
    let mut p = good_payload();
    p.identity = Some(prost_types::Any {
        type_url: "type.googleapis.com/ivms101.IdentityPayload".into(),
        value: Vec::new(),
    });
    let r = t.send(t.envelope(&p)).await.unwrap();
    assert_eq!(code(&r), ErrorCode::IncompleteIdentity, "{r:?}");
    assert_eq!(r.transfer_state, TransferState::Repair as i32);
    // A payload without sent_at.
    let mut p = good_payload();
    p.sent_at.clear();
    assert_eq!(
        code(&t.send(t.envelope(&p)).await.unwrap()),
        ErrorCode::ValidationError
    );
    // A transaction that does not decode.
    let mut p = good_payload();
    p.transaction = Some(prost_types::Any {
        type_url: "type.googleapis.com/trisa.data.generic.v1beta1.Transaction".into(),
        value: vec![0xff, 0xff, 0xff],
    });
    assert_eq!(
        code(&t.send(t.envelope(&p)).await.unwrap()),
        ErrorCode::UnparseableTransaction
    );
    // A reply or an error for a transfer that does not exist: NOT_FOUND.
    let mut env = t.envelope(&good_payload());
    env.transfer_state = TransferState::Accepted as i32;
    assert_eq!(t.send(env).await.unwrap_err().code(), Code::NotFound);
    let err = zktr_node::exchange::error_envelope(
        &uuid::Uuid::new_v4().to_string(),
        ErrorCode::Rejected,
        "no",
        false,
    );
    assert_eq!(t.send(err).await.unwrap_err().code(), Code::NotFound);
    // Larger than the configured message limit.
    let mut env = t.envelope(&good_payload());
    env.payload = vec![1u8; 100 * 1024];
    let s = t.send(env).await.unwrap_err();
    assert!(
        matches!(s.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{s:?}"
    );

    assert_eq!(t.transfers().await, 0, "no bad envelope left a record");

    // An unknown beneficiary address is a stored rejection.
    let mut p = good_payload();
    let mut txn = transaction();
    txn.beneficiary = "0x2222222222222222222222222222222222222222".into();
    p.transaction = Some(prost_types::Any {
        type_url: "type.googleapis.com/trisa.data.generic.v1beta1.Transaction".into(),
        value: txn.encode_to_vec(),
    });
    let r = t.send(t.envelope(&p)).await.unwrap();
    assert_eq!(code(&r), ErrorCode::UnknownWalletAddress);
    assert_eq!(t.transfers().await, 1);

    t.b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_are_answered_from_storage_and_later_envelopes_follow_the_rules() {
    let mut t = target(None).await;
    t.exchange_keys().await;
    let env = t.envelope(&good_payload());
    let first = t.send(env.clone()).await.unwrap();
    assert!(first.error.is_none(), "{first:?}");
    assert_eq!(first.transfer_state, TransferState::Pending as i32);
    assert_eq!(first.id, env.id);
    // The reply is sealed for us and carries received_at.
    let opened = zktr_trisa::open(&first, Some(&t.client_key)).unwrap();
    assert!(!opened.received_at.is_empty());
    assert!(matches!(
        zktr_trisa::payload::transaction(&opened).unwrap(),
        zktr_trisa::payload::TransactionPayload::Pending(_)
    ));
    // The same envelope again: the stored reply, byte for byte, and no second record.
    let second = t.send(env.clone()).await.unwrap();
    assert_eq!(first.encode_to_vec(), second.encode_to_vec());
    let id = env.id.clone();
    let d = backoffice(&t.b_cfg, &t.b, move |bo| bo.show(&id, false).unwrap()).await;
    assert_eq!(d.envelopes, 2, "one request, one reply");
    assert_eq!(d.history.len(), 1);

    // A later envelope that is not newer is refused and changes nothing.
    let mut older = t.later(&env.id, TransferState::Pending);
    older.timestamp = "2020-01-01T00:00:00Z".into();
    assert_eq!(
        t.send(older).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    // A state the machine does not allow (COMPLETED while in REVIEW) is refused.
    let completed = t.later(&env.id, TransferState::Completed);
    assert_eq!(
        t.send(completed).await.unwrap_err().code(),
        Code::FailedPrecondition
    );
    // Another peer cannot touch this transfer.
    add_peer(&t.b_cfg, "mallory.test");
    let mallory = dialer(&t.net, t.net.client("mallory.test"));
    let theirs = t.later(&env.id, TransferState::Pending);
    let s = mallory.transfer(&t.b(), theirs).await.unwrap_err();
    assert_eq!(s.code(), Code::PermissionDenied);
    let id = env.id.clone();
    let d = backoffice(&t.b_cfg, &t.b, move |bo| bo.show(&id, false).unwrap()).await;
    assert_eq!(d.envelopes, 2, "refused envelopes are not stored");
    assert_eq!(d.summary.unwrap().state, "REVIEW");

    // The originator cancels with an error envelope: REJECTED, the error echoed.
    let cancel = zktr_node::exchange::error_envelope(
        &env.id,
        ErrorCode::Canceled,
        "customer cancelled",
        false,
    );
    let r = t.send(cancel).await.unwrap();
    assert_eq!(code(&r), ErrorCode::Canceled);
    let id = env.id.clone();
    let d = backoffice(&t.b_cfg, &t.b, move |bo| bo.show(&id, false).unwrap()).await;
    assert_eq!(d.summary.unwrap().state, "REJECTED");
    t.b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_stream_answers_each_envelope_in_order() {
    let mut t = target(None).await;
    t.exchange_keys().await;
    let good: Vec<SecureEnvelope> = (0..3).map(|_| t.envelope(&good_payload())).collect();
    let mut bad = t.envelope(&good_payload());
    bad.id = "not-a-uuid".into();
    let sent = vec![
        good[0].clone(),
        bad,
        good[1].clone(),
        good[0].clone(),
        good[2].clone(),
    ];
    let channel = t.client.channel(&t.b()).unwrap();
    let mut client =
        zktr_proto::trisa::api::v1beta1::trisa_network_client::TrisaNetworkClient::new(channel);
    let replies: Vec<SecureEnvelope> = {
        use tokio_stream::StreamExt;
        let stream = client
            .transfer_stream(tokio_stream::iter(sent.clone()))
            .await
            .unwrap()
            .into_inner();
        stream.map(|r| r.unwrap()).collect().await
    };
    assert_eq!(replies.len(), 5);
    for (s, r) in sent.iter().zip(&replies) {
        assert_eq!(s.id, r.id);
    }
    assert_eq!(code(&replies[1]), ErrorCode::BadRequest);
    assert_eq!(
        replies[0].encode_to_vec(),
        replies[3].encode_to_vec(),
        "a replay on the stream"
    );
    assert_eq!(t.transfers().await, 3);
    t.b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_revoked_and_missing_client_certificates_are_refused() {
    let net = Net::new();
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    add_peer(&b_cfg, "gamma.test");
    add_peer(&b_cfg, "alice.vaspbot.net");
    let b = start(&b_cfg, |_| {}).await;
    let gamma = dialer(&net, net.client("gamma.test"));
    gamma
        .status(&entry("beta.test", &b))
        .await
        .expect("a trusted client certificate");

    // A trusted certificate whose name is not in the peers file: health yes, transfers no.
    let unknown = dialer(&net, net.client("unknown.test"));
    unknown
        .status(&entry("beta.test", &b))
        .await
        .expect("health for any trusted caller");
    let s = unknown
        .transfer(&entry("beta.test", &b), SecureEnvelope::default())
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::PermissionDenied);
    assert!(s.message().contains("unknown.test"));

    // A certificate of another CA.
    let other = Net::new();
    let stranger = dialer(&net, other.client("gamma.test"));
    assert!(stranger.status(&entry("beta.test", &b)).await.is_err());

    // No client certificate at all (a raw rustls client with the right roots).
    let mut roots = rustls::RootCertStore::empty();
    for c in zktr_node::tls::load_certs(&net.ca_cert()).unwrap() {
        roots.add(c).unwrap();
    }
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(b.peer_addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let refused = match connector.connect(name, tcp).await {
        Err(_) => true,
        // TLS 1.3: the client finishes first; the server's alert arrives on first read.
        Ok(mut s) => {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let _ = s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await;
            let mut buf = [0u8; 64];
            !matches!(s.read(&mut buf).await, Ok(n) if n > 0)
        }
    };
    assert!(refused, "a client without a certificate must be refused");

    // TRISA's TestNet identity: refused while trisatest.dev is not trusted.
    let alice_pem = shared_data().join("trisa/alice.vaspbot.net.pem");
    let alice = Identity::load(&alice_pem, &alice_pem).unwrap();
    let alice_client = dialer(&net, alice.clone());
    assert!(alice_client.status(&entry("beta.test", &b)).await.is_err());

    // A revoked certificate: refused after the CRL is reloaded (at start).
    let (cert, _) = net.client_paths("gamma.test");
    zktr_node::certs::revoke(
        &net.ca(),
        &std::fs::read_to_string(cert).unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    b.shutdown().await.unwrap();

    // Trust trisatest.dev (the TestNet root, the second certificate of alice's chain).
    let chain = zktr_node::tls::load_certs(&alice_pem).unwrap();
    let testnet_root = net.dir.path().join("trisatest.dev.pem");
    let der = chain[1].as_ref();
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    std::fs::write(&testnet_root, pem).unwrap();
    let b = start(&b_cfg, |c| c.tls.ca.push(testnet_root.clone())).await;
    let gamma = dialer(&net, net.client_identity_again("gamma.test"));
    assert!(
        gamma.status(&entry("beta.test", &b)).await.is_err(),
        "revoked"
    );
    let alice_client = dialer(&net, alice);
    let state = alice_client
        .status(&entry("beta.test", &b))
        .await
        .expect("TestNet identity, root trusted");
    assert_eq!(state.status, service_state::Status::Healthy as i32);
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trisas_fixture_envelope_is_accepted_with_the_fixture_sealing_key() {
    let net = Net::new();
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    add_peer(&b_cfg, "alpha.test");
    let fixture_key = shared_data().join("trisa/sealing_key.pem");
    // Even with automatic acceptance, an identity that breaks IVMS101 (TRISA's fixture
    // does: country codes, LEI check digits) is held for an officer.
    let b = start(&b_cfg, |c| {
        c.sealing.key = fixture_key.clone();
        c.service.incoming = zktr_node::config::IncomingDecision::Accept;
    })
    .await;
    // The fixture's (Pending) transaction names this beneficiary address.
    backoffice(&b_cfg, &b, |bo| {
        bo.add_address(admin::CustomerAddress {
            address: "14WU745djqecaJ1gmtWQGeMCFim1W5MNp3".into(),
            network: String::new(),
            customer: String::new(),
        })
        .unwrap()
    })
    .await;
    let client = dialer(&net, net.client("alpha.test"));
    let our_key = SealingKey::generate_x25519();
    let theirs = client
        .key_exchange(
            &entry("beta.test", &b),
            zktr_proto::trisa::api::v1beta1::SigningKey {
                data: our_key.public_key().spki_der().unwrap(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // KeyExchange hands out the fixture key's public half, as PKIX DER.
    let fixture_public = SealingKey::from_pem(&std::fs::read_to_string(&fixture_key).unwrap())
        .unwrap()
        .public_key();
    assert_eq!(theirs.data, fixture_public.spki_der().unwrap());
    assert_eq!(theirs.public_key_algorithm, "RSA");

    let json = std::fs::read_to_string(shared_data().join("trisa/sealed_envelope.json")).unwrap();
    let env = zktr_trisa::json::envelope_from_json(&json).unwrap();
    let reply = client
        .transfer(&entry("beta.test", &b), env.clone())
        .await
        .unwrap();
    assert!(reply.error.is_none(), "{:?}", reply.error);
    assert_eq!(reply.id, env.id);
    assert_eq!(reply.transfer_state, TransferState::Pending as i32);
    let opened = zktr_trisa::open(&reply, Some(&our_key)).unwrap();
    assert!(!opened.received_at.is_empty());
    let id = env.id.clone();
    let d = backoffice(&b_cfg, &b, move |bo| bo.show(&id, false).unwrap()).await;
    assert_eq!(d.summary.unwrap().state, "REVIEW");
    assert!(
        d.history[0].note.contains("IVMS101 constraint"),
        "{:?}",
        d.history
    );
    assert!(
        !d.history[0].note.contains("Alice"),
        "notes name paths, never values"
    );
    b.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_errors_name_the_file() {
    let net = Net::new();
    let cfg = net.node("beta.test", SealingAlgorithm::X25519);
    let mut c = load(&cfg);
    c.tls.cert = c.tls.cert.with_file_name("missing.pem");
    let e = zktr_node::start(c).await.unwrap_err().to_string();
    assert!(e.contains("missing.pem"), "{e}");
    // A key that is not the certificate's.
    let mut c = load(&cfg);
    c.tls.key = c.backoffice.client_key.clone();
    let e = zktr_node::start(c).await.unwrap_err().to_string();
    assert!(e.contains("does not match"), "{e}");
    // A certificate that names another node.
    let mut c = load(&cfg);
    c.name = "other.test".into();
    let e = zktr_node::start(c).await.unwrap_err().to_string();
    assert!(e.contains("common name"), "{e}");
    // A sealing key that is not a key.
    let mut c = load(&cfg);
    c.sealing.key = c.tls.cert.clone();
    let e = zktr_node::start(c).await.unwrap_err().to_string();
    assert!(e.contains("sealing key"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_mode_answers_status_only() {
    let net = Net::new();
    let cfg = net.node("beta.test", SealingAlgorithm::X25519);
    add_peer(&cfg, "alpha.test");
    let b = start(&cfg, |c| c.service.maintenance = true).await;
    let client = dialer(&net, net.client("alpha.test"));
    let s = client.status(&entry("beta.test", &b)).await.unwrap();
    assert_eq!(s.status, service_state::Status::Maintenance as i32);
    let e = client
        .transfer(&entry("beta.test", &b), SecureEnvelope::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::Unavailable);
    b.shutdown().await.unwrap();
}

/// The server's request handling under mutated envelopes: every answer is an error
/// envelope or a gRPC status, the node keeps serving, and nothing invalid is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_envelopes_never_break_the_server() {
    let mut t = target(None).await;
    t.exchange_keys().await;
    let base = t.envelope(&good_payload()).encode_to_vec();
    let mut rng_state = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let mut stored_ok = 0;
    for _ in 0..300 {
        let mut bytes = base.clone();
        for _ in 0..(1 + next() % 4) {
            let i = (next() as usize) % bytes.len();
            bytes[i] ^= (next() % 255 + 1) as u8;
        }
        let Ok(env) = SecureEnvelope::decode(bytes.as_slice()) else {
            continue;
        };
        match t.send(env).await {
            Ok(reply) if reply.error.is_none() => stored_ok += 1,
            Ok(_) => {}
            Err(s) => assert!(
                !matches!(s.code(), Code::Internal | Code::Unknown),
                "an internal error for a bad envelope: {s:?}"
            ),
        }
    }
    assert!(t.transfers().await <= stored_ok);
    t.client.status(&t.b()).await.expect("still serving");
    t.b.shutdown().await.unwrap();
}

trait WebhookIo: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> WebhookIo for T {}

/// A decision webhook on loopback (HTTPS when `tls` is given): answers per the
/// beneficiary address's last digit (1 accept, 2 reject, 3 never in time), after checking
/// the body's HMAC signature.
async fn webhook_server(
    key: Vec<u8>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let verified = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = verified.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let key = key.clone();
            let seen = seen.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let mut sock: Box<dyn WebhookIo> = match tls {
                    None => Box::new(tcp),
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(s) => Box::new(s),
                        Err(_) => return,
                    },
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        while buf.len() < i + 4 + len {
                            let n = sock.read(&mut chunk).await.unwrap_or(0);
                            if n == 0 {
                                return;
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                        break (head, buf[i + 4..i + 4 + len].to_vec());
                    }
                };
                let signature = head
                    .lines()
                    .find_map(|l| l.strip_prefix("x-zktr-signature:"))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default();
                if signature == zktr_node::webhook::Webhook::signature(&key, &body) {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                let text = String::from_utf8_lossy(&body).into_owned();
                let decision = if text.contains("0x0000000000000000000000000000000000000002") {
                    "reject"
                } else if text.contains("0x0000000000000000000000000000000000000003") {
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                    "accept"
                } else {
                    "accept"
                };
                let body =
                    format!("{{\"decision\":\"{decision}\",\"message\":\"hook says {decision}\"}}");
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (addr, verified)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_decides_and_the_back_office_hears_every_event() {
    let net = Net::new();
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    add_peer(&b_cfg, "alpha.test");
    let key = vec![0x5a; 32];
    let key_file = net.dir.path().join("webhook.key");
    std::fs::write(&key_file, hex::encode(&key)).unwrap();
    let (hook, verified) = webhook_server(key, None).await;
    let b = start(&b_cfg, |c| {
        c.webhook = Some(zktr_node::config::WebhookConfig {
            url: format!("http://{hook}/decide"),
            hmac_key_file: key_file.clone(),
            timeout_ms: 500,
            ca_file: None,
        })
    })
    .await;
    let addresses = [
        "0x0000000000000000000000000000000000000001",
        "0x0000000000000000000000000000000000000002",
        "0x0000000000000000000000000000000000000003",
    ];
    for a in addresses {
        backoffice(&b_cfg, &b, move |bo| {
            bo.add_address(admin::CustomerAddress {
                address: a.into(),
                network: String::new(),
                customer: String::new(),
            })
            .unwrap()
        })
        .await;
    }
    // The back office listens to events before anything arrives.
    let (events_tx, events_rx) = std::sync::mpsc::channel();
    {
        let mut c = load(&b_cfg);
        c.listen.backoffice = b.backoffice_addr;
        std::thread::spawn(move || {
            let mut bo = zktr_node::backoffice::BackOffice::connect(&c).unwrap();
            let mut n = 0;
            let _ = bo.watch(|ev| {
                let _ = events_tx.send(ev);
                n += 1;
                n < 3
            });
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let client = dialer(&net, net.client("alpha.test"));
    let our_key = SealingKey::generate_x25519();
    let theirs = client
        .key_exchange(
            &entry("beta.test", &b),
            zktr_proto::trisa::api::v1beta1::SigningKey {
                data: our_key.public_key().spki_der().unwrap(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b_key = PublicSealingKey::from_der(&theirs.data).unwrap();
    let mut replies = Vec::new();
    for a in addresses {
        let mut txn = transaction();
        txn.beneficiary = a.into();
        let mut p = good_payload();
        p.transaction = Some(prost_types::Any {
            type_url: "type.googleapis.com/trisa.data.generic.v1beta1.Transaction".into(),
            value: txn.encode_to_vec(),
        });
        let env = zktr_trisa::seal(&p, &b_key, &SealOptions::default()).unwrap();
        replies.push(client.transfer(&entry("beta.test", &b), env).await.unwrap());
    }
    assert_eq!(replies[0].transfer_state, TransferState::Accepted as i32);
    assert_eq!(code(&replies[1]), ErrorCode::Rejected);
    assert_eq!(
        replies[1].error.as_ref().unwrap().message,
        "hook says reject"
    );
    assert_eq!(
        replies[2].transfer_state,
        TransferState::Pending as i32,
        "no answer in time: review"
    );
    assert!(
        verified.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "signed requests"
    );

    let events: Vec<admin::TransferEvent> = (0..3)
        .map(|_| {
            events_rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .unwrap()
        })
        .collect();
    let states: Vec<String> = events
        .iter()
        .map(|e| e.transfer.as_ref().unwrap().state.clone())
        .collect();
    assert_eq!(states, ["ACCEPTED", "REJECTED", "REVIEW"]);
    b.shutdown().await.unwrap();
}

/// A webhook behind a private CA: trusted when `webhook.ca_file` names that CA (its
/// decision drives the reply), not trusted with the public web roots (the handshake fails,
/// so the transfer is held for review, never accepted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_webhook_is_trusted_through_its_configured_ca_only() {
    let net = Net::new();
    let issued = zktr_node::certs::issue(
        &net.ca(),
        &zktr_node::certs::IssueRequest {
            common_name: "hooks.back-office.test".into(),
            sans: vec!["127.0.0.1".into()],
            usage: zktr_node::certs::Usage::Server,
            validity_days: 5,
            algorithm: zktr_node::certs::KeyAlgorithm::EcdsaP256,
        },
        &net.dir.path().join("hooks"),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            zktr_node::tls::load_certs(&issued.cert).unwrap(),
            zktr_node::tls::load_key(&issued.key).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(server));
    let key = vec![0x6b; 32];
    let key_file = net.dir.path().join("webhook.key");
    std::fs::write(&key_file, hex::encode(&key)).unwrap();
    let (hook, verified) = webhook_server(key, Some(acceptor)).await;
    let address = "0x0000000000000000000000000000000000000001";
    net.client("alpha.test");

    for (name, ca_file, expected) in [
        ("beta.test", Some(net.ca_cert()), TransferState::Accepted),
        ("gamma.test", None, TransferState::Pending),
    ] {
        let cfg = net.node(name, SealingAlgorithm::X25519);
        add_peer(&cfg, "alpha.test");
        let node = start(&cfg, |c| {
            c.webhook = Some(zktr_node::config::WebhookConfig {
                url: format!("https://{hook}/decide"),
                hmac_key_file: key_file.clone(),
                timeout_ms: 2000,
                ca_file,
            })
        })
        .await;
        backoffice(&cfg, &node, move |bo| {
            bo.add_address(admin::CustomerAddress {
                address: address.into(),
                network: String::new(),
                customer: String::new(),
            })
            .unwrap()
        })
        .await;
        let client = dialer(&net, net.client_identity_again("alpha.test"));
        let our_key = SealingKey::generate_x25519();
        let theirs = client
            .key_exchange(
                &entry(name, &node),
                zktr_proto::trisa::api::v1beta1::SigningKey {
                    data: our_key.public_key().spki_der().unwrap(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let node_key = PublicSealingKey::from_der(&theirs.data).unwrap();
        let mut txn = transaction();
        txn.beneficiary = address.into();
        let mut p = good_payload();
        p.transaction = Some(prost_types::Any {
            type_url: "type.googleapis.com/trisa.data.generic.v1beta1.Transaction".into(),
            value: txn.encode_to_vec(),
        });
        let env = zktr_trisa::seal(&p, &node_key, &SealOptions::default()).unwrap();
        let reply = client.transfer(&entry(name, &node), env).await.unwrap();
        assert_eq!(reply.transfer_state, expected as i32, "{name}");
        node.shutdown().await.unwrap();
    }
    assert_eq!(
        verified.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "only the node trusting the private CA got through, with a signed request"
    );
}

async fn handshake(
    net: &Net,
    addr: std::net::SocketAddr,
    client: &str,
    groups: Vec<&'static dyn rustls::crypto::SupportedKxGroup>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<(rustls::NamedGroup, Vec<u8>), String> {
    let (cert, key) = net.client_paths(client);
    let mut roots = rustls::RootCertStore::empty();
    for c in zktr_node::tls::load_certs(&net.ca_cert()).unwrap() {
        roots.add(c).unwrap();
    }
    let mut provider = rustls::crypto::ring::default_provider();
    provider.kx_groups = groups;
    let mut config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(
            zktr_node::tls::load_certs(&cert).unwrap(),
            zktr_node::tls::load_key(&key).unwrap(),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let stream = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let (_, conn) = stream.get_ref();
    Ok((
        conn.negotiated_key_exchange_group()
            .map(|g| g.name())
            .unwrap(),
        conn.alpn_protocol().unwrap_or_default().to_vec(),
    ))
}

/// What TRISA's Go peers offer (P-256/P-384 only, TLS 1.3) works; TLS 1.2 does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_speaks_what_trisa_peers_offer() {
    use rustls::crypto::ring::kx_group;
    let net = Net::new();
    let cfg = net.node("beta.test", SealingAlgorithm::X25519);
    let b = start(&cfg, |_| {}).await;
    net.client("gamma.test");
    let tls13 = &[&rustls::version::TLS13];
    for (group, name) in [
        (kx_group::SECP256R1, rustls::NamedGroup::secp256r1),
        (kx_group::SECP384R1, rustls::NamedGroup::secp384r1),
    ] {
        let (got, alpn) = handshake(&net, b.peer_addr, "gamma.test", vec![group], tls13)
            .await
            .unwrap();
        assert_eq!(got, name);
        assert_eq!(alpn, b"h2");
    }
    let tls12 = handshake(
        &net,
        b.peer_addr,
        "gamma.test",
        vec![kx_group::SECP256R1],
        &[&rustls::version::TLS12],
    )
    .await;
    assert!(tls12.is_err(), "TLS 1.2 must be refused");
    b.shutdown().await.unwrap();
}

/// A peer's sealing key from KeyExchange is used until its TTL, then fetched again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_keys_are_fetched_again_after_their_ttl() {
    let net = Net::new();
    let a_cfg = net.node("alpha.test", SealingAlgorithm::X25519);
    let b_cfg = net.node("beta.test", SealingAlgorithm::X25519);
    let a = start(&a_cfg, |c| c.peers.key_ttl_secs = 1).await;
    let b = start(&b_cfg, |_| {}).await;
    set_peers(&a_cfg, &[("beta.test", b.peer_addr)]);
    set_peers(&b_cfg, &[("alpha.test", a.peer_addr)]);
    let beta = load(&a_cfg).peers.file;
    let entry = zktr_node::config::PeersFile::load(&beta).unwrap().peer[0].clone();
    let first = a.core.ensure_peer_key(&entry).await.unwrap();
    let now = zktr_node::exchange::now_stamp();
    assert!(
        a.core
            .store
            .peer_key("beta.test", &now)
            .await
            .unwrap()
            .is_some()
    );
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let later = zktr_node::exchange::now_stamp();
    assert!(
        a.core
            .store
            .peer_key("beta.test", &later)
            .await
            .unwrap()
            .is_none(),
        "expired after the TTL"
    );
    let again = a.core.ensure_peer_key(&entry).await.unwrap();
    assert_eq!(first.spki_der().unwrap(), again.spki_der().unwrap());
    assert!(
        a.core
            .store
            .peer_key("beta.test", &zktr_node::exchange::now_stamp())
            .await
            .unwrap()
            .is_some()
    );
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
