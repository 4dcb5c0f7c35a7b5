//! The back office's client, for `zktr transfer ...` and scripts: a blocking wrapper over
//! the `zktr.admin.v1.BackOffice` gRPC client (the CLI stays synchronous; only this crate
//! knows async). It reads the node's config to find the back-office listener, presents
//! `backoffice.client_cert`, and checks the node's certificate against `tls.ca` under the
//! node's name.

use crate::client::Dialer;
use crate::config::{NodeConfig, PeerEntry};
use crate::tls::{self, Identity, TlsError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use tonic::Status;
use tonic::transport::Channel;
use zktr_proto::zktr::admin::v1 as admin;
use zktr_proto::zktr::admin::v1::back_office_client::BackOfficeClient;

/// Why the back office could not be reached.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackOfficeError {
    /// The client's TLS material.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The async runtime could not start.
    #[error("runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The node answered with an error (or could not be reached).
    #[error("{}: {}", code_name(.0.code()), .0.message())]
    Call(Status),
}

fn code_name(c: tonic::Code) -> String {
    format!("{c:?}")
}

/// A connection to a node's back office.
pub struct BackOffice {
    runtime: tokio::runtime::Runtime,
    client: BackOfficeClient<Channel>,
}

impl core::fmt::Debug for BackOffice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("BackOffice")
    }
}

impl BackOffice {
    /// Connects (lazily) to the back office of the node configured in `config`.
    pub fn connect(config: &NodeConfig) -> Result<Self, BackOfficeError> {
        tls::install_crypto_provider();
        let identity = Identity::load(
            &config.backoffice.client_cert,
            &config.backoffice.client_key,
        )?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BackOfficeError::Runtime)?;
        let mut addr = config.listen.backoffice;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        let node = PeerEntry {
            name: config.name.clone(),
            endpoint: addr.to_string(),
            server_name: Some(config.name.clone()),
            ca: None,
            fingerprint: None,
            zktr: false,
            log_key: None,
            receipt_key: None,
        };
        let dialer = Dialer::new(
            identity,
            config.tls.ca.clone(),
            config.tls.crl.clone(),
            config.service.max_message_bytes,
            // Sending waits for the first delivery attempt to the peer.
            config.request_timeout() + Duration::from_secs(15),
        );
        let channel = {
            let _enter = runtime.enter();
            dialer.channel(&node).map_err(BackOfficeError::Call)?
        };
        Ok(Self {
            runtime,
            client: BackOfficeClient::new(channel)
                .max_decoding_message_size(config.service.max_message_bytes)
                .max_encoding_message_size(config.service.max_message_bytes),
        })
    }

    fn call<T, F>(
        &mut self,
        f: impl FnOnce(BackOfficeClient<Channel>) -> F,
    ) -> Result<T, BackOfficeError>
    where
        F: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let client = self.client.clone();
        self.runtime
            .block_on(f(client))
            .map(tonic::Response::into_inner)
            .map_err(BackOfficeError::Call)
    }

    /// SendTransfer.
    pub fn send(
        &mut self,
        req: admin::SendTransferRequest,
    ) -> Result<admin::TransferSummary, BackOfficeError> {
        self.call(|mut c| async move { c.send_transfer(req).await })
    }

    /// ListTransfers.
    pub fn list(
        &mut self,
        state: &str,
        limit: u32,
    ) -> Result<Vec<admin::TransferSummary>, BackOfficeError> {
        let req = admin::ListTransfersRequest {
            state: state.to_string(),
            limit,
        };
        Ok(self
            .call(|mut c| async move { c.list_transfers(req).await })?
            .transfers)
    }

    /// ShowTransfer.
    pub fn show(
        &mut self,
        id: &str,
        include_payload: bool,
    ) -> Result<admin::TransferDetail, BackOfficeError> {
        let req = admin::ShowTransferRequest {
            id: id.to_string(),
            include_payload,
        };
        self.call(|mut c| async move { c.show_transfer(req).await })
    }

    /// AcceptTransfer.
    pub fn accept(
        &mut self,
        id: &str,
        note: &str,
    ) -> Result<admin::TransferSummary, BackOfficeError> {
        let req = admin::DecisionRequest {
            id: id.to_string(),
            note: note.to_string(),
        };
        self.call(|mut c| async move { c.accept_transfer(req).await })
    }

    /// ClearTransfer: an officer's signed clearance (JSON) of the name hit holding our
    /// transfer `id`.
    pub fn clear(
        &mut self,
        id: &str,
        clearance_json: &str,
    ) -> Result<admin::TransferSummary, BackOfficeError> {
        let req = admin::ClearRequest {
            id: id.to_string(),
            clearance_json: clearance_json.to_string(),
        };
        self.call(|mut c| async move { c.clear_transfer(req).await })
    }

    /// RejectTransfer.
    pub fn reject(
        &mut self,
        id: &str,
        note: &str,
    ) -> Result<admin::TransferSummary, BackOfficeError> {
        let req = admin::DecisionRequest {
            id: id.to_string(),
            note: note.to_string(),
        };
        self.call(|mut c| async move { c.reject_transfer(req).await })
    }

    /// RepairTransfer.
    pub fn repair(
        &mut self,
        id: &str,
        identity_json: &str,
    ) -> Result<admin::TransferSummary, BackOfficeError> {
        let req = admin::RepairRequest {
            id: id.to_string(),
            identity_json: identity_json.to_string(),
        };
        self.call(|mut c| async move { c.repair_transfer(req).await })
    }

    /// CompleteTransfer.
    pub fn complete(
        &mut self,
        id: &str,
        txid: &str,
    ) -> Result<admin::TransferSummary, BackOfficeError> {
        let req = admin::CompleteRequest {
            id: id.to_string(),
            txid: txid.to_string(),
        };
        self.call(|mut c| async move { c.complete_transfer(req).await })
    }

    /// EraseTransfer.
    pub fn erase(&mut self, id: &str) -> Result<admin::TransferSummary, BackOfficeError> {
        let req = admin::DecisionRequest {
            id: id.to_string(),
            note: String::new(),
        };
        self.call(|mut c| async move { c.erase_transfer(req).await })
    }

    /// AddAddress.
    pub fn add_address(
        &mut self,
        a: admin::CustomerAddress,
    ) -> Result<admin::CustomerAddress, BackOfficeError> {
        self.call(|mut c| async move { c.add_address(a).await })
    }

    /// RemoveAddress.
    pub fn remove_address(
        &mut self,
        a: admin::CustomerAddress,
    ) -> Result<Vec<admin::CustomerAddress>, BackOfficeError> {
        Ok(self
            .call(|mut c| async move { c.remove_address(a).await })?
            .addresses)
    }

    /// ListAddresses.
    pub fn addresses(&mut self) -> Result<Vec<admin::CustomerAddress>, BackOfficeError> {
        Ok(self
            .call(|mut c| async move { c.list_addresses(admin::ListAddressesRequest {}).await })?
            .addresses)
    }

    /// WatchTransfers: calls `on_event` for each event until it returns false or the
    /// stream ends.
    pub fn watch(
        &mut self,
        mut on_event: impl FnMut(admin::TransferEvent) -> bool,
    ) -> Result<(), BackOfficeError> {
        let mut client = self.client.clone();
        self.runtime.block_on(async move {
            let mut stream = client
                .watch_transfers(admin::WatchRequest {})
                .await
                .map_err(BackOfficeError::Call)?
                .into_inner();
            while let Some(ev) = stream.message().await.map_err(BackOfficeError::Call)? {
                if !on_event(ev) {
                    break;
                }
            }
            Ok(())
        })
    }
}
