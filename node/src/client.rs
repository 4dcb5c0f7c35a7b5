//! Dialing peers: one HTTP/2 channel per peer over our own rustls connector (TLS 1.3,
//! ALPN h2, our certificate as the client identity, the peer's server certificate checked
//! against the configured CAs, the peer's own CA if the peers file names one, the CRLs,
//! and the peer's certificate pin if it has one). Every call has the configured deadline.

use crate::config::PeerEntry;
use crate::tls::{self, Identity};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use tokio::net::TcpStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};
use zktr_proto::trisa::api::v1beta1::trisa_health_client::TrisaHealthClient;
use zktr_proto::trisa::api::v1beta1::trisa_network_client::TrisaNetworkClient;
use zktr_proto::trisa::api::v1beta1::{
    Address, AddressConfirmation, HealthCheck, SecureEnvelope, ServiceState, SigningKey,
};

/// A lazily connected HTTP/2 channel to `endpoint` (`host:port`, optionally `https://`)
/// over our rustls connector with `config`, checking the server certificate for
/// `server_name` and, with `pin`, its `sha256:` fingerprint. Every call has `timeout`.
pub fn tls_channel(
    config: std::sync::Arc<rustls::ClientConfig>,
    endpoint: &str,
    server_name: &str,
    pin: Option<String>,
    timeout: Duration,
) -> Result<Channel, Status> {
    let connector = tokio_rustls::TlsConnector::from(config);
    let server_name = ServerName::try_from(server_name)
        .map_err(|_| Status::invalid_argument("bad server name"))?
        .to_owned();
    let address = endpoint.trim_start_matches("https://").to_string();
    let authority = address.clone();
    let service = tower::service_fn(move |_uri: tonic::codegen::http::Uri| {
        let connector = connector.clone();
        let server_name = server_name.clone();
        let address = address.clone();
        let pin = pin.clone();
        async move {
            let tcp = TcpStream::connect(&address).await?;
            tcp.set_nodelay(true)?;
            let stream = connector.connect(server_name, tcp).await?;
            if let Some(pin) = pin {
                let (_, conn) = stream.get_ref();
                let leaf = conn
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| tls::fingerprint(c));
                if leaf.as_deref() != Some(pin.as_str()) {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        "the peer's certificate does not match its pinned fingerprint",
                    ));
                }
            }
            Ok::<_, std::io::Error>(TokioIo::new(stream))
        }
    });
    // The URI only names the authority for HTTP/2; the connector above dials.
    let endpoint = Endpoint::from_shared(format!("http://{authority}"))
        .map_err(|_| Status::invalid_argument("bad endpoint"))?
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .timeout(timeout)
        .tcp_nodelay(true);
    Ok(endpoint.connect_with_connector_lazy(service))
}

/// Opens channels to peers.
pub struct Dialer {
    identity: Identity,
    ca: Vec<PathBuf>,
    crl: Vec<PathBuf>,
    max_message: usize,
    timeout: Duration,
    channels: Mutex<HashMap<String, (String, Channel)>>,
}

impl core::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dialer").finish_non_exhaustive()
    }
}

fn unavailable(e: impl core::fmt::Display) -> Status {
    Status::unavailable(e.to_string())
}

impl Dialer {
    /// A dialer presenting `identity`, trusting `ca` minus `crl`.
    pub fn new(
        identity: Identity,
        ca: Vec<PathBuf>,
        crl: Vec<PathBuf>,
        max_message: usize,
        timeout: Duration,
    ) -> Self {
        Self {
            identity,
            ca,
            crl,
            max_message,
            timeout,
            channels: Mutex::new(HashMap::new()),
        }
    }

    /// A channel to `peer` (connected lazily; reused while the endpoint is unchanged).
    pub fn channel(&self, peer: &PeerEntry) -> Result<Channel, Status> {
        let key = format!(
            "{}|{}|{:?}|{:?}|{:?}",
            peer.endpoint,
            peer.tls_server_name(),
            peer.ca,
            peer.fingerprint,
            peer.name
        );
        let mut map = match self.channels.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some((k, ch)) = map.get(&peer.name)
            && *k == key
        {
            return Ok(ch.clone());
        }
        let ch = self.connect(peer)?;
        map.insert(peer.name.clone(), (key, ch.clone()));
        Ok(ch)
    }

    fn connect(&self, peer: &PeerEntry) -> Result<Channel, Status> {
        let mut ca = self.ca.clone();
        if let Some(extra) = &peer.ca {
            ca.push(extra.clone());
        }
        let config = tls::client_config(&self.identity, &ca, &self.crl).map_err(unavailable)?;
        tls_channel(
            config,
            &peer.endpoint,
            &peer.tls_server_name(),
            peer.fingerprint.clone(),
            self.timeout,
        )
        .map_err(|e| Status::invalid_argument(format!("peer {}: {}", peer.name, e.message())))
    }

    fn network(&self, peer: &PeerEntry) -> Result<TrisaNetworkClient<Channel>, Status> {
        Ok(TrisaNetworkClient::new(self.channel(peer)?)
            .max_decoding_message_size(self.max_message)
            .max_encoding_message_size(self.max_message))
    }

    fn request<T>(&self, msg: T) -> Request<T> {
        let mut r = Request::new(msg);
        r.set_timeout(self.timeout);
        r
    }

    /// TRISANetwork/Transfer.
    pub async fn transfer(
        &self,
        peer: &PeerEntry,
        env: SecureEnvelope,
    ) -> Result<SecureEnvelope, Status> {
        let mut c = self.network(peer)?;
        Ok(c.transfer(self.request(env)).await?.into_inner())
    }

    /// TRISANetwork/KeyExchange.
    pub async fn key_exchange(
        &self,
        peer: &PeerEntry,
        ours: SigningKey,
    ) -> Result<SigningKey, Status> {
        let mut c = self.network(peer)?;
        Ok(c.key_exchange(self.request(ours)).await?.into_inner())
    }

    /// TRISANetwork/ConfirmAddress.
    pub async fn confirm_address(
        &self,
        peer: &PeerEntry,
        address: Address,
    ) -> Result<AddressConfirmation, Status> {
        let mut c = self.network(peer)?;
        Ok(c.confirm_address(self.request(address)).await?.into_inner())
    }

    /// AttestedTransfer/Transfer (zktr peers).
    pub async fn attested_transfer(
        &self,
        peer: &PeerEntry,
        req: zktr_proto::zktr::transfer::v1::AttestedEnvelope,
    ) -> Result<zktr_proto::zktr::transfer::v1::AttestedReply, Status> {
        let mut c =
            zktr_proto::zktr::transfer::v1::attested_transfer_client::AttestedTransferClient::new(
                self.channel(peer)?,
            )
            .max_decoding_message_size(self.max_message)
            .max_encoding_message_size(self.max_message);
        Ok(c.transfer(self.request(req)).await?.into_inner())
    }

    /// `AttestedTransfer.Describe`: what the node at `peer` speaks and its public keys.
    pub async fn describe(
        &self,
        peer: &PeerEntry,
    ) -> Result<zktr_proto::zktr::transfer::v1::NodeDescription, Status> {
        let mut c =
            zktr_proto::zktr::transfer::v1::attested_transfer_client::AttestedTransferClient::new(
                self.channel(peer)?,
            );
        Ok(
            c.describe(self.request(zktr_proto::zktr::transfer::v1::DescribeRequest {}))
                .await?
                .into_inner(),
        )
    }

    fn log_client(
        &self,
        peer: &PeerEntry,
    ) -> Result<
        zktr_proto::zktr::log::v1::commitment_log_client::CommitmentLogClient<Channel>,
        Status,
    > {
        Ok(
            zktr_proto::zktr::log::v1::commitment_log_client::CommitmentLogClient::new(
                self.channel(peer)?,
            ),
        )
    }

    /// CommitmentLog/GetTreeHead.
    pub async fn log_tree_head(
        &self,
        peer: &PeerEntry,
    ) -> Result<zktr_proto::zktr::bundle::v1::SignedTreeHead, Status> {
        let req = self.request(zktr_proto::zktr::log::v1::TreeHeadRequest {});
        Ok(self
            .log_client(peer)?
            .get_tree_head(req)
            .await?
            .into_inner())
    }

    /// CommitmentLog/GetInclusionProof.
    pub async fn log_inclusion(
        &self,
        peer: &PeerEntry,
        commitment: Vec<u8>,
        tree_size: u64,
    ) -> Result<zktr_proto::zktr::log::v1::InclusionProof, Status> {
        let req = self.request(zktr_proto::zktr::log::v1::InclusionRequest {
            commitment,
            tree_size,
        });
        Ok(self
            .log_client(peer)?
            .get_inclusion_proof(req)
            .await?
            .into_inner())
    }

    /// CommitmentLog/GetConsistencyProof.
    pub async fn log_consistency(
        &self,
        peer: &PeerEntry,
        old_size: u64,
        new_size: u64,
    ) -> Result<zktr_proto::zktr::log::v1::ConsistencyProof, Status> {
        let req =
            self.request(zktr_proto::zktr::log::v1::ConsistencyRequest { old_size, new_size });
        Ok(self
            .log_client(peer)?
            .get_consistency_proof(req)
            .await?
            .into_inner())
    }

    /// TRISAHealth/Status.
    pub async fn status(&self, peer: &PeerEntry) -> Result<ServiceState, Status> {
        let mut c = TrisaHealthClient::new(self.channel(peer)?);
        Ok(c.status(self.request(HealthCheck::default()))
            .await?
            .into_inner())
    }
}
