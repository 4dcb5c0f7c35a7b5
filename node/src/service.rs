//! The node's gRPC services: TRISA's `TRISANetwork` and `TRISAHealth` on the peer port,
//! zktr's `BackOffice` on the back-office listener. The handlers identify the caller
//! from its verified certificate, check it may call, and hand the work to
//! [`crate::exchange::Core`]; [`to_status`] is the one place domain errors become gRPC
//! statuses.

use crate::exchange::{self, Core, ExchangeError, canonical_address, now_stamp, summary};
use crate::store::{Outgoing, Role, State, StoreError};
use futures_util::Stream;
use prost::Message;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{BroadcastStream, ReceiverStream};
use tonic::{Request, Response, Status, Streaming};
use zktr_proto::trisa::api::v1beta1::{
    Address, AddressConfirmation, ConfirmationType, Error as TrisaError, HealthCheck,
    SecureEnvelope, ServiceState, SigningKey, service_state, trisa_health_server::TrisaHealth,
    trisa_network_server::TrisaNetwork,
};
use zktr_proto::zktr::admin::v1 as admin;
use zktr_proto::zktr::admin::v1::back_office_server::BackOffice;
use zktr_trisa::{ErrorCode, TransferState};

/// Maps a domain error to the gRPC status the back office sees.
pub fn to_status(e: ExchangeError) -> Status {
    match e {
        ExchangeError::Store(StoreError::NotFound(id)) => {
            Status::not_found(format!("no transfer {id}"))
        }
        ExchangeError::Store(StoreError::Conflict {
            id,
            expected,
            actual,
        }) => Status::failed_precondition(format!("transfer {id} is {actual}, not {expected}")),
        ExchangeError::Store(StoreError::Exists(id)) => {
            Status::already_exists(format!("transfer {id} already exists"))
        }
        ExchangeError::Store(e) => {
            tracing::error!(error = %e, "storage failed");
            Status::internal("storage failed")
        }
        ExchangeError::Vault(e) => {
            tracing::error!(error = %e, "encryption at rest failed");
            Status::internal("encryption at rest failed")
        }
        ExchangeError::Invalid(m) => Status::invalid_argument(m),
        ExchangeError::UnknownPeer(p) => {
            Status::not_found(format!("peer {p:?} is not in the peers file"))
        }
        ExchangeError::Peer { peer, message } => {
            Status::unavailable(format!("peer {peer}: {message}"))
        }
        ExchangeError::Seal(m) => Status::internal(format!("sealing: {m}")),
        ExchangeError::Refused(m) => Status::failed_precondition(m),
        ExchangeError::Listed(m) => Status::failed_precondition(m),
    }
}

fn caller<T>(req: &Request<T>) -> Result<(String, Option<String>), Status> {
    let certs = req.peer_certs();
    let slice = certs.as_deref().map(|v| v.as_slice());
    let name = crate::tls::peer_name(slice).ok_or_else(|| {
        Status::unauthenticated("could not identify the remote peer from its mTLS certificate")
    })?;
    let fingerprint = slice
        .and_then(|c| c.first())
        .map(|c| crate::tls::fingerprint(c));
    Ok((name, fingerprint))
}

/// `trisa.api.v1beta1.TRISANetwork` and `TRISAHealth`.
#[derive(Debug, Clone)]
pub struct PeerService {
    pub(crate) core: Arc<Core>,
}

impl PeerService {
    /// Serves `core`.
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    /// The caller's name, if it may use the network service.
    pub(crate) fn admit<T>(&self, req: &Request<T>) -> Result<String, Status> {
        if self.core.config.service.maintenance {
            return Err(Status::unavailable("conducting temporary maintenance"));
        }
        let (name, fingerprint) = caller(req)?;
        match self.core.peers.get(&name) {
            Some(entry) => {
                if let Some(pin) = &entry.fingerprint
                    && fingerprint.as_deref() != Some(pin.as_str())
                {
                    return Err(Status::permission_denied(
                        "the certificate does not match the pinned fingerprint of this peer",
                    ));
                }
            }
            None if self.core.config.peers.allow_unknown => {}
            None => {
                return Err(Status::permission_denied(format!(
                    "{name} is not a known peer of this node"
                )));
            }
        }
        Ok(name)
    }
}

type EnvelopeStream = ReceiverStream<Result<SecureEnvelope, Status>>;

#[tonic::async_trait]
impl TrisaNetwork for PeerService {
    async fn transfer(
        &self,
        request: Request<SecureEnvelope>,
    ) -> Result<Response<SecureEnvelope>, Status> {
        let peer = self.admit(&request)?;
        let reply = self.core.receive(&peer, request.into_inner()).await?;
        Ok(Response::new(reply))
    }

    type TransferStreamStream = EnvelopeStream;

    async fn transfer_stream(
        &self,
        request: Request<Streaming<SecureEnvelope>>,
    ) -> Result<Response<Self::TransferStreamStream>, Status> {
        let peer = self.admit(&request)?;
        let mut inbound = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let core = self.core.clone();
        tokio::spawn(async move {
            loop {
                match inbound.message().await {
                    Ok(Some(env)) => {
                        let reply = core.receive(&peer, env).await;
                        let stop = reply.is_err();
                        if tx.send(reply).await.is_err() || stop {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        break;
                    }
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn confirm_address(
        &self,
        request: Request<Address>,
    ) -> Result<Response<AddressConfirmation>, Status> {
        self.admit(&request)?;
        let address = request.into_inner();
        if address.confirmation != ConfirmationType::Simple as i32 {
            return Ok(Response::new(AddressConfirmation {
                address: Some(address),
                controlled_by_entity: false,
                error: Some(TrisaError {
                    code: ErrorCode::UnsupportedAddressConfirmation as i32,
                    message: "only SIMPLE address confirmation is supported".into(),
                    retry: false,
                    details: None,
                }),
                confirmation_details: None,
            }));
        }
        if address.crypto_address.len() > 512 || address.network.len() > 128 {
            return Err(Status::invalid_argument("the address is too long"));
        }
        let canonical = canonical_address(&address.crypto_address);
        let controlled = !canonical.is_empty()
            && self
                .core
                .store
                .is_customer_address(&canonical, &address.network)
                .await
                .map_err(|e| to_status(e.into()))?;
        Ok(Response::new(AddressConfirmation {
            address: Some(address),
            controlled_by_entity: controlled,
            error: None,
            confirmation_details: None,
        }))
    }

    async fn key_exchange(
        &self,
        request: Request<SigningKey>,
    ) -> Result<Response<SigningKey>, Status> {
        let peer = self.admit(&request)?;
        let theirs = request.into_inner();
        self.core
            .store_peer_key(&peer, &theirs)
            .await
            .map_err(|e| match e {
                ExchangeError::Invalid(m) => Status::invalid_argument(m),
                other => to_status(other),
            })?;
        tracing::info!(%peer, "sealing keys exchanged");
        let ours = self.core.our_signing_key().map_err(to_status)?;
        Ok(Response::new(ours))
    }
}

#[tonic::async_trait]
impl TrisaHealth for PeerService {
    async fn status(
        &self,
        request: Request<HealthCheck>,
    ) -> Result<Response<ServiceState>, Status> {
        // Behind mTLS like everything else (the handshake required a trusted
        // certificate); any trusted caller may ask, as TRISA's directory does.
        caller(&request)?;
        let now = time::OffsetDateTime::now_utc();
        let rfc = |t: time::OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let status = if self.core.config.service.maintenance {
            service_state::Status::Maintenance
        } else if self.core.store.ping().await {
            service_state::Status::Healthy
        } else {
            service_state::Status::Unhealthy
        };
        Ok(Response::new(ServiceState {
            status: status as i32,
            not_before: rfc(now + time::Duration::minutes(5)),
            not_after: rfc(now + time::Duration::hours(12)),
        }))
    }
}

/// `zktr.admin.v1.BackOffice`.
#[derive(Debug, Clone)]
pub struct BackOfficeService {
    core: Arc<Core>,
}

impl BackOfficeService {
    /// Serves `core`.
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    fn admit<T>(&self, req: &Request<T>) -> Result<String, Status> {
        let (name, _) = caller(req)?;
        if !self.core.config.backoffice.admins.contains(&name) {
            return Err(Status::permission_denied(format!(
                "{name} is not a back-office administrator of this node"
            )));
        }
        Ok(name)
    }

    async fn summary_of(&self, id: &str) -> Result<admin::TransferSummary, Status> {
        match self.core.store.transfer(id).await {
            Ok(Some(t)) => Ok(summary(&t)),
            Ok(None) => Err(Status::not_found(format!("no transfer {id}"))),
            Err(e) => Err(to_status(e.into())),
        }
    }

    async fn transfer_row(&self, id: &str) -> Result<crate::store::TransferRow, Status> {
        match self.core.store.transfer(id).await {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(Status::not_found(format!("no transfer {id}"))),
            Err(e) => Err(to_status(e.into())),
        }
    }

    async fn address_list(&self) -> Result<admin::AddressList, Status> {
        let rows = self
            .core
            .store
            .addresses()
            .await
            .map_err(|e| to_status(e.into()))?;
        Ok(admin::AddressList {
            addresses: rows
                .into_iter()
                .map(|(address, network, customer)| admin::CustomerAddress {
                    address,
                    network,
                    customer,
                })
                .collect(),
        })
    }

    /// Tries to deliver now and answers with the transfer as it then is.
    async fn deliver_and_summarise(
        &self,
        id: &str,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        self.core.deliver_transfer(id).await.map_err(to_status)?;
        Ok(Response::new(self.summary_of(id).await?))
    }
}

fn read_identity(json: &str, limit: usize) -> Result<zktr_ivms101::IdentityPayload, Status> {
    if json.len() > limit {
        return Err(Status::invalid_argument(
            "the identity payload is too large",
        ));
    }
    let (doc, _) = zktr_ivms101::Document::from_json(json)
        .map_err(|e| Status::invalid_argument(format!("identity: {e}")))?;
    let zktr_ivms101::Document::IdentityPayload(identity) = doc else {
        return Err(Status::invalid_argument(
            "identity: an IVMS101 IdentityPayload is needed (originator, beneficiary, VASPs)",
        ));
    };
    let violations =
        zktr_ivms101::validate_identity(&identity, zktr_ivms101::validate::today_utc());
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().take(20).map(|v| v.to_string()).collect();
        return Err(Status::invalid_argument(format!(
            "invalid IVMS101 identity: {}",
            list.join("; ")
        )));
    }
    Ok(identity)
}

type EventStream = Pin<Box<dyn Stream<Item = Result<admin::TransferEvent, Status>> + Send>>;

#[tonic::async_trait]
impl BackOffice for BackOfficeService {
    async fn send_transfer(
        &self,
        request: Request<admin::SendTransferRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        self.admit(&request)?;
        let req = request.into_inner();
        let core = &self.core;
        if core.peers.get(&req.peer).is_none() {
            return Err(Status::not_found(format!(
                "peer {:?} is not in the peers file",
                req.peer
            )));
        }
        let identity = read_identity(&req.identity_json, core.config.service.max_message_bytes)?;
        let transaction = req
            .transaction
            .ok_or_else(|| Status::invalid_argument("the transaction is missing"))?;
        if transaction.beneficiary.trim().is_empty() {
            return Err(Status::invalid_argument(
                "the transaction needs the beneficiary address",
            ));
        }
        let id = if req.id.is_empty() {
            uuid::Uuid::new_v4()
        } else {
            uuid::Uuid::parse_str(&req.id)
                .map_err(|_| Status::invalid_argument("the id is not a UUID"))?
        }
        .to_string();
        if let Some(existing) = core
            .store
            .transfer(&id)
            .await
            .map_err(|e| to_status(e.into()))?
        {
            if existing.role == Role::Originator && existing.peer == req.peer {
                return Ok(Response::new(summary(&existing)));
            }
            return Err(Status::already_exists(format!(
                "transfer {id} already exists"
            )));
        }
        let peer_entry = core.peers.get(&req.peer);
        let speaks_zktr = peer_entry.as_ref().is_some_and(|p| p.zktr);
        let facts = match (&core.attestor, speaks_zktr && !req.plain) {
            (Some(_), true) => {
                if req.fiat_currency == 0
                    || req.fiat_currency > 999
                    || req.asset_amount.parse::<u128>().is_err()
                {
                    return Err(Status::invalid_argument(
                        "an attested transfer needs fiat_value, fiat_currency (ISO 4217 numeric) and asset_amount (base units)",
                    ));
                }
                Some(crate::attest::Facts {
                    fiat_value: req.fiat_value,
                    fiat_currency: req.fiat_currency as u16,
                    asset_id: req.asset_id,
                    asset_amount: req.asset_amount.clone(),
                })
            }
            (Some(a), false) if !a.allow_unattested => {
                return Err(Status::failed_precondition(format!(
                    "peer {} does not speak zktr (or plain was asked) and this node sends attested transfers only",
                    req.peer
                )));
            }
            _ => None,
        };
        let payload = exchange::new_payload(&identity, &transaction);
        let bytes = payload.encode_to_vec();
        let ours = core.vault.seal(&bytes).map_err(|e| to_status(e.into()))?;
        let first = Outgoing::Payload {
            plain: core.vault.seal(&bytes).map_err(|e| to_status(e.into()))?,
            state: TransferState::Started as i32,
        };
        match core
            .store
            .create_originated(&id, &req.peer, &ours, &first, facts.as_ref(), &now_stamp())
            .await
        {
            Ok(()) => {}
            Err(StoreError::Exists(_)) => {
                return Ok(Response::new(self.summary_of(&id).await?));
            }
            Err(e) => return Err(to_status(e.into())),
        }
        tracing::info!(transfer = %id, peer = %req.peer, attested = facts.is_some(), "transfer submitted");
        core.announce(&id, "submitted").await;
        self.deliver_and_summarise(&id).await
    }

    async fn list_transfers(
        &self,
        request: Request<admin::ListTransfersRequest>,
    ) -> Result<Response<admin::ListTransfersReply>, Status> {
        self.admit(&request)?;
        let req = request.into_inner();
        let state =
            if req.state.is_empty() {
                None
            } else {
                Some(req.state.parse::<State>().map_err(|_| {
                    Status::invalid_argument(format!("unknown state {:?}", req.state))
                })?)
            };
        let limit = if req.limit == 0 { 1000 } else { req.limit };
        let rows = self
            .core
            .store
            .transfers(state, limit)
            .await
            .map_err(|e| to_status(e.into()))?;
        Ok(Response::new(admin::ListTransfersReply {
            transfers: rows.iter().map(summary).collect(),
        }))
    }

    async fn show_transfer(
        &self,
        request: Request<admin::ShowTransferRequest>,
    ) -> Result<Response<admin::TransferDetail>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let t = self.transfer_row(&req.id).await?;
        let history = self
            .core
            .store
            .history(&req.id)
            .await
            .map_err(|e| to_status(e.into()))?;
        let envelopes = self
            .core
            .store
            .envelopes(&req.id)
            .await
            .map_err(|e| to_status(e.into()))?
            .len() as u32;
        let payload_json = if req.include_payload {
            tracing::info!(transfer = %req.id, admin = %who, "personal data of one transfer shown");
            let p = match t.role {
                Role::Originator => exchange::our_payload(&self.core, &req.id).await,
                Role::Beneficiary => exchange::received_payload(&self.core, &req.id).await,
            }
            .map_err(to_status)?;
            zktr_trisa::json::payload_to_json(&p)
                .map(|v| v.to_string())
                .map_err(|e| Status::internal(format!("payload to JSON: {e}")))?
        } else {
            String::new()
        };
        let (receipt_json, bundle_json) = match self.core.store.attestation(&req.id).await {
            Ok(Some(a)) => (
                a.receipt.unwrap_or_default(),
                a.bundle
                    .and_then(|b| zktr_records::ProofBundle::from_protobuf(&b).ok())
                    .map(|b| b.to_json())
                    .unwrap_or_default(),
            ),
            _ => (String::new(), String::new()),
        };
        let screening_hit_json = if t.role == Role::Originator && t.state == State::Review {
            crate::review::pending_hit(&self.core, &req.id)
                .await
                .map_err(to_status)?
                .map(|h| h.to_json())
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Response::new(admin::TransferDetail {
            receipt_json,
            bundle_json,
            screening_hit_json,
            summary: Some(summary(&t)),
            history: history
                .into_iter()
                .map(|h| admin::StateChange {
                    at: h.at,
                    state: h.state.to_string(),
                    note: h.note,
                })
                .collect(),
            envelopes,
            payload_json,
        }))
    }

    async fn accept_transfer(
        &self,
        request: Request<admin::DecisionRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let t = self.transfer_row(&req.id).await?;
        if t.role != Role::Beneficiary || t.state != State::Review {
            return Err(Status::failed_precondition(format!(
                "only a received transfer in REVIEW can be accepted; this one is {} ({})",
                t.state,
                t.role.as_str()
            )));
        }
        let mut payload = exchange::received_payload(&self.core, &req.id)
            .await
            .map_err(to_status)?;
        payload.received_at = now_stamp();
        let note = format!(
            "accepted by {who}: {}",
            req.note.chars().take(200).collect::<String>()
        );
        exchange::queue_payload(
            &self.core,
            &req.id,
            &payload,
            TransferState::Accepted,
            Some(&[State::Review]),
            Some(State::Accepted),
            &note,
            None,
        )
        .await
        .map_err(to_status)?;
        self.core.announce(&req.id, &note).await;
        self.deliver_and_summarise(&req.id).await
    }

    async fn clear_transfer(
        &self,
        request: Request<admin::ClearRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let t = self.transfer_row(&req.id).await?;
        if t.role != Role::Originator || t.state != State::Review {
            return Err(Status::failed_precondition(format!(
                "only our own transfer held in REVIEW on a name hit can be cleared; this one is {} ({})",
                t.state,
                t.role.as_str()
            )));
        }
        if req.clearance_json.len() > 16 * 1024 {
            return Err(Status::invalid_argument(
                "a clearance is at most 16 KiB of JSON",
            ));
        }
        let clearance = zktr_records::Clearance::from_json(&req.clearance_json)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let note = crate::review::clear(&self.core, &req.id, &clearance, &who, &now_stamp())
            .await
            .map_err(to_status)?;
        self.core.announce(&req.id, &note).await;
        self.core.outbox_wake.notify_one();
        self.deliver_and_summarise(&req.id).await
    }

    async fn reject_transfer(
        &self,
        request: Request<admin::DecisionRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let t = self.transfer_row(&req.id).await?;
        if t.state.is_final() {
            return Err(Status::failed_precondition(format!(
                "transfer {} is already {}",
                t.id, t.state
            )));
        }
        let (code, default) = match t.role {
            Role::Beneficiary => (
                ErrorCode::Rejected,
                "rejected by the beneficiary's compliance review",
            ),
            Role::Originator => (ErrorCode::Canceled, "canceled by the originator"),
        };
        let message = if req.note.is_empty() {
            default.to_string()
        } else {
            req.note.chars().take(300).collect()
        };
        let note = format!("rejected by {who}");
        exchange::queue_error(
            &self.core,
            &req.id,
            code,
            &message,
            &[t.state],
            State::Rejected,
            &note,
        )
        .await
        .map_err(to_status)?;
        self.core.announce(&req.id, &note).await;
        self.deliver_and_summarise(&req.id).await
    }

    async fn repair_transfer(
        &self,
        request: Request<admin::RepairRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let t = self.transfer_row(&req.id).await?;
        if t.role != Role::Originator || t.state != State::Repair {
            return Err(Status::failed_precondition(format!(
                "only a transfer we sent that is in REPAIR can be repaired; this one is {} ({})",
                t.state,
                t.role.as_str()
            )));
        }
        let identity = read_identity(
            &req.identity_json,
            self.core.config.service.max_message_bytes,
        )?;
        let old = exchange::our_payload(&self.core, &req.id)
            .await
            .map_err(to_status)?;
        let txn = zktr_trisa::payload::transaction(&old)
            .ok()
            .and_then(|t| t.transaction().cloned())
            .ok_or_else(|| Status::internal("the stored transaction does not decode"))?;
        let payload = exchange::new_payload(&identity, &txn);
        let sealed = self
            .core
            .vault
            .seal(&payload.encode_to_vec())
            .map_err(|e| to_status(e.into()))?;
        self.core
            .store
            .replace_payload(&req.id, &sealed, &now_stamp())
            .await
            .map_err(|e| to_status(e.into()))?;
        let note = format!("repaired by {who}");
        exchange::queue_payload(
            &self.core,
            &req.id,
            &payload,
            TransferState::Started,
            Some(&[State::Repair]),
            Some(State::Started),
            &note,
            None,
        )
        .await
        .map_err(to_status)?;
        self.core.announce(&req.id, &note).await;
        self.deliver_and_summarise(&req.id).await
    }

    async fn complete_transfer(
        &self,
        request: Request<admin::CompleteRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let txid = req.txid.trim().to_string();
        if txid.is_empty() || txid.len() > 256 {
            return Err(Status::invalid_argument("the txid is empty or too long"));
        }
        let t = self.transfer_row(&req.id).await?;
        if t.role != Role::Originator || t.state != State::Accepted {
            return Err(Status::failed_precondition(format!(
                "only a transfer we sent that the beneficiary ACCEPTED can be completed; this one is {} ({})",
                t.state,
                t.role.as_str()
            )));
        }
        let mut payload = exchange::our_payload(&self.core, &req.id)
            .await
            .map_err(to_status)?;
        let mut txn = zktr_trisa::payload::transaction(&payload)
            .ok()
            .and_then(|t| t.transaction().cloned())
            .ok_or_else(|| Status::internal("the stored transaction does not decode"))?;
        txn.txid = txid.clone();
        payload.transaction = Some(prost_types::Any {
            type_url: format!(
                "{}trisa.data.generic.v1beta1.Transaction",
                zktr_trisa::payload::TYPE_URL_PREFIX
            ),
            value: txn.encode_to_vec(),
        });
        let sealed = self
            .core
            .vault
            .seal(&payload.encode_to_vec())
            .map_err(|e| to_status(e.into()))?;
        self.core
            .store
            .replace_payload(&req.id, &sealed, &now_stamp())
            .await
            .map_err(|e| to_status(e.into()))?;
        exchange::queue_payload(
            &self.core,
            &req.id,
            &payload,
            TransferState::Completed,
            Some(&[State::Accepted]),
            None,
            "",
            Some(&txid),
        )
        .await
        .map_err(to_status)?;
        tracing::info!(transfer = %req.id, admin = %who, "completion queued");
        self.deliver_and_summarise(&req.id).await
    }

    async fn erase_transfer(
        &self,
        request: Request<admin::DecisionRequest>,
    ) -> Result<Response<admin::TransferSummary>, Status> {
        let who = self.admit(&request)?;
        let req = request.into_inner();
        let t = self.transfer_row(&req.id).await?;
        if t.role != Role::Originator {
            return Err(Status::failed_precondition(
                "only transfers we sent hold personal data under our data keys (received envelopes stay sealed for our sealing key)",
            ));
        }
        let note = format!("personal data erased by {who}");
        self.core
            .store
            .erase(&req.id, &note, &now_stamp())
            .await
            .map_err(|e| to_status(e.into()))?;
        tracing::info!(transfer = %req.id, admin = %who, "personal data erased");
        self.core.announce(&req.id, &note).await;
        Ok(Response::new(self.summary_of(&req.id).await?))
    }

    async fn add_address(
        &self,
        request: Request<admin::CustomerAddress>,
    ) -> Result<Response<admin::CustomerAddress>, Status> {
        self.admit(&request)?;
        let mut a = request.into_inner();
        if a.address.trim().is_empty()
            || a.address.len() > 512
            || a.network.len() > 128
            || a.customer.len() > 256
        {
            return Err(Status::invalid_argument(
                "address (1-512 bytes), network (<=128) and customer (<=256) are required in range",
            ));
        }
        a.address = canonical_address(&a.address);
        self.core
            .store
            .add_address(&a.address, &a.network, &a.customer, &now_stamp())
            .await
            .map_err(|e| to_status(e.into()))?;
        Ok(Response::new(a))
    }

    async fn remove_address(
        &self,
        request: Request<admin::CustomerAddress>,
    ) -> Result<Response<admin::AddressList>, Status> {
        self.admit(&request)?;
        let a = request.into_inner();
        let removed = self
            .core
            .store
            .remove_address(&canonical_address(&a.address), &a.network)
            .await
            .map_err(|e| to_status(e.into()))?;
        if !removed {
            return Err(Status::not_found("no such customer address"));
        }
        Ok(Response::new(self.address_list().await?))
    }

    async fn list_addresses(
        &self,
        request: Request<admin::ListAddressesRequest>,
    ) -> Result<Response<admin::AddressList>, Status> {
        self.admit(&request)?;
        Ok(Response::new(self.address_list().await?))
    }

    type WatchTransfersStream = EventStream;

    async fn watch_transfers(
        &self,
        request: Request<admin::WatchRequest>,
    ) -> Result<Response<Self::WatchTransfersStream>, Status> {
        self.admit(&request)?;
        let rx = self.core.events.subscribe();
        let stream = BroadcastStream::new(rx).filter_map(|r| match r {
            Ok(ev) => Some(Ok(ev)),
            // A slow watcher missed events: tell it rather than silently skip.
            Err(_) => Some(Err(Status::data_loss(
                "events were missed; list transfers to resync",
            ))),
        });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// `zktr.transfer.v1.AttestedTransfer` (zktr peers).
#[derive(Debug, Clone)]
pub struct AttestedService {
    peer: PeerService,
}

impl AttestedService {
    /// Serves `core`.
    pub fn new(core: Arc<Core>) -> Self {
        Self {
            peer: PeerService::new(core),
        }
    }
}

type AttestedStream = ReceiverStream<Result<zktr_proto::zktr::transfer::v1::AttestedReply, Status>>;

#[tonic::async_trait]
impl zktr_proto::zktr::transfer::v1::attested_transfer_server::AttestedTransfer
    for AttestedService
{
    async fn transfer(
        &self,
        request: Request<zktr_proto::zktr::transfer::v1::AttestedEnvelope>,
    ) -> Result<Response<zktr_proto::zktr::transfer::v1::AttestedReply>, Status> {
        let peer = self.peer.admit(&request)?;
        let reply = crate::attest::receive(&self.peer.core, &peer, request.into_inner()).await?;
        Ok(Response::new(reply))
    }

    async fn describe(
        &self,
        request: Request<zktr_proto::zktr::transfer::v1::DescribeRequest>,
    ) -> Result<Response<zktr_proto::zktr::transfer::v1::NodeDescription>, Status> {
        // Any client the CAs vouch for, known or not: this is how a new peer finds us.
        let (who, _) = caller(&request)?;
        let att = self
            .peer
            .core
            .attestor
            .as_ref()
            .ok_or_else(|| Status::unimplemented("this node does not speak zktr"))?;
        tracing::debug!(client = %who, "described ourselves");
        Ok(Response::new(att.describe(self.peer.core.name())))
    }

    type TransferStreamStream = AttestedStream;

    async fn transfer_stream(
        &self,
        request: Request<Streaming<zktr_proto::zktr::transfer::v1::AttestedEnvelope>>,
    ) -> Result<Response<Self::TransferStreamStream>, Status> {
        let peer = self.peer.admit(&request)?;
        let mut inbound = request.into_inner();
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let core = self.peer.core.clone();
        tokio::spawn(async move {
            loop {
                match inbound.message().await {
                    Ok(Some(req)) => {
                        let reply = crate::attest::receive(&core, &peer, req).await;
                        let stop = reply.is_err();
                        if tx.send(reply).await.is_err() || stop {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(status) => {
                        let _ = tx.send(Err(status)).await;
                        break;
                    }
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// `zktr.log.v1.CommitmentLog`: our log's tree heads and proofs, for any trusted caller.
#[derive(Debug, Clone)]
pub struct LogService {
    core: Arc<Core>,
}

impl LogService {
    /// Serves `core`.
    pub fn new(core: Arc<Core>) -> Self {
        Self { core }
    }

    fn attestor(&self) -> Result<&crate::attest::Attestor, Status> {
        self.core
            .attestor
            .as_ref()
            .ok_or_else(|| Status::unimplemented("this node keeps no commitment log"))
    }
}

fn fr_bytes(x: &zktr_circuits::Fr) -> Vec<u8> {
    zktr_circuits::field::fr_to_be_bytes(x).to_vec()
}

#[tonic::async_trait]
impl zktr_proto::zktr::log::v1::commitment_log_server::CommitmentLog for LogService {
    async fn get_tree_head(
        &self,
        request: Request<zktr_proto::zktr::log::v1::TreeHeadRequest>,
    ) -> Result<Response<zktr_proto::zktr::bundle::v1::SignedTreeHead>, Status> {
        caller(&request)?;
        let head = self
            .attestor()?
            .tree_head(&self.core.store)
            .await
            .map_err(|e| to_status(e.into()))?;
        Ok(Response::new(
            zktr_proto::zktr::bundle::v1::SignedTreeHead {
                log_id: head.log_id,
                size: head.size,
                root: fr_bytes(&head.root.0),
                time: head.time,
                signature: head.signature.to_vec(),
            },
        ))
    }

    async fn get_inclusion_proof(
        &self,
        request: Request<zktr_proto::zktr::log::v1::InclusionRequest>,
    ) -> Result<Response<zktr_proto::zktr::log::v1::InclusionProof>, Status> {
        caller(&request)?;
        let req = request.into_inner();
        let arr: [u8; 32] = req
            .commitment
            .as_slice()
            .try_into()
            .map_err(|_| Status::invalid_argument("the commitment must be 32 bytes"))?;
        let c = zktr_circuits::field::fr_from_be_bytes(&arr)
            .map_err(|_| Status::invalid_argument("the commitment is not a field element"))?;
        let proof = self
            .attestor()?
            .inclusion(
                &self.core.store,
                &zktr_circuits::commitment::Commitment(c),
                req.tree_size,
            )
            .await?;
        Ok(Response::new(zktr_proto::zktr::log::v1::InclusionProof {
            leaf_index: proof.index,
            tree_size: proof.size,
            siblings: proof.siblings.iter().map(fr_bytes).collect(),
        }))
    }

    async fn get_consistency_proof(
        &self,
        request: Request<zktr_proto::zktr::log::v1::ConsistencyRequest>,
    ) -> Result<Response<zktr_proto::zktr::log::v1::ConsistencyProof>, Status> {
        caller(&request)?;
        let req = request.into_inner();
        let proof = self
            .attestor()?
            .consistency(&self.core.store, req.old_size, req.new_size)
            .await?;
        Ok(Response::new(zktr_proto::zktr::log::v1::ConsistencyProof {
            old_size: proof.old_size,
            new_size: proof.new_size,
            hashes: proof.hashes.iter().map(fr_bytes).collect(),
        }))
    }
}
