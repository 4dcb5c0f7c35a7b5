//! Checking another node's commitment log from the command line (`zktr log ...`): a
//! blocking client of `zktr.log.v1.CommitmentLog` that verifies what it is given (the tree
//! head's signature under the log's key, inclusion proofs against the head's root,
//! consistency proofs between two heads).

use crate::client::Dialer;
use crate::config::{NodeConfig, PeerEntry};
use crate::tls::{self, Identity, TlsError};
use std::time::Duration;
use tonic::Status;
use zktr_circuits::commitment::Commitment;
use zktr_circuits::field::{fr_from_be_bytes, fr_to_be_bytes};
use zktr_circuits::trees::log::{ConsistencyProof, InclusionProof, LogRoot};
use zktr_records::SignedTreeHead;

/// Why a log answer could not be fetched or does not check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogCheckError {
    /// Our TLS identity.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The runtime.
    #[error("runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The node refused or could not be reached.
    #[error("{:?}: {}", .0.code(), .0.message())]
    Call(Status),
    /// The answer is malformed or does not verify.
    #[error("{0}")]
    Invalid(String),
}

/// A connection to a node's log.
pub struct LogClient {
    runtime: tokio::runtime::Runtime,
    dialer: Dialer,
    node: PeerEntry,
}

impl core::fmt::Debug for LogClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LogClient")
            .field("node", &self.node.endpoint)
            .finish()
    }
}

fn fr(bytes: &[u8]) -> Result<zktr_circuits::Fr, LogCheckError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| LogCheckError::Invalid("a hash is not 32 bytes".into()))?;
    fr_from_be_bytes(&arr).map_err(|e| LogCheckError::Invalid(e.to_string()))
}

impl LogClient {
    /// Dials `endpoint` (whose certificate must name `server_name`) with our node's TLS
    /// identity and trusted CAs from `config`.
    pub fn connect(
        config: &NodeConfig,
        endpoint: &str,
        server_name: &str,
    ) -> Result<Self, LogCheckError> {
        tls::install_crypto_provider();
        let identity = Identity::load(&config.tls.cert, &config.tls.key)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(LogCheckError::Runtime)?;
        let dialer = Dialer::new(
            identity,
            config.tls.ca.clone(),
            config.tls.crl.clone(),
            config.service.max_message_bytes,
            Duration::from_secs(30),
        );
        let node = PeerEntry {
            name: server_name.to_string(),
            endpoint: endpoint.to_string(),
            server_name: Some(server_name.to_string()),
            ca: None,
            fingerprint: None,
            zktr: true,
            log_key: None,
            receipt_key: None,
        };
        Ok(Self {
            runtime,
            dialer,
            node,
        })
    }

    /// Discovery: the node's description, `None` if it does not speak zktr (a plain TRISA
    /// node answers UNIMPLEMENTED). Its keys are as trustworthy as the TLS channel they
    /// came over (a certificate of a CA we trust, for the endpoint's name): compare them
    /// with what the peer publishes before putting them in a peers file.
    pub fn describe(
        &self,
    ) -> Result<Option<zktr_proto::zktr::transfer::v1::NodeDescription>, LogCheckError> {
        let _enter = self.runtime.enter();
        match self.runtime.block_on(self.dialer.describe(&self.node)) {
            Ok(d) => Ok(Some(d)),
            Err(s) if s.code() == tonic::Code::Unimplemented => Ok(None),
            Err(s) => Err(LogCheckError::Call(s)),
        }
    }

    /// The latest signed tree head; its signature checked if `log_key` is given.
    pub fn tree_head(
        &self,
        log_key: Option<&ed25519_dalek::VerifyingKey>,
    ) -> Result<SignedTreeHead, LogCheckError> {
        let _enter = self.runtime.enter();
        let h = self
            .runtime
            .block_on(self.dialer.log_tree_head(&self.node))
            .map_err(LogCheckError::Call)?;
        let head = SignedTreeHead {
            log_id: h.log_id,
            size: h.size,
            root: LogRoot(fr(&h.root)?),
            time: h.time,
            signature: h
                .signature
                .try_into()
                .map_err(|_| LogCheckError::Invalid("the signature is not 64 bytes".into()))?,
        };
        if let Some(k) = log_key {
            head.verify(k)
                .map_err(|e| LogCheckError::Invalid(e.to_string()))?;
        }
        Ok(head)
    }

    /// The inclusion proof of `C` in `head`, verified against its root.
    pub fn inclusion(
        &self,
        commitment: &Commitment,
        head: &SignedTreeHead,
    ) -> Result<InclusionProof, LogCheckError> {
        let _enter = self.runtime.enter();
        let p = self
            .runtime
            .block_on(self.dialer.log_inclusion(
                &self.node,
                fr_to_be_bytes(&commitment.0).to_vec(),
                head.size,
            ))
            .map_err(LogCheckError::Call)?;
        let proof = InclusionProof {
            index: p.leaf_index,
            size: p.tree_size,
            siblings: p.siblings.iter().map(|s| fr(s)).collect::<Result<_, _>>()?,
        };
        proof.verify(commitment, &head.root).map_err(|e| {
            LogCheckError::Invalid(format!("the inclusion proof does not verify: {e}"))
        })?;
        Ok(proof)
    }

    /// The consistency proof from `old` to `new`, verified against both roots.
    pub fn consistency(
        &self,
        old: &SignedTreeHead,
        new: &SignedTreeHead,
    ) -> Result<ConsistencyProof, LogCheckError> {
        let _enter = self.runtime.enter();
        let p = self
            .runtime
            .block_on(self.dialer.log_consistency(&self.node, old.size, new.size))
            .map_err(LogCheckError::Call)?;
        let proof = ConsistencyProof {
            old_size: p.old_size,
            new_size: p.new_size,
            hashes: p.hashes.iter().map(|s| fr(s)).collect::<Result<_, _>>()?,
        };
        if proof.old_size != old.size || proof.new_size != new.size {
            return Err(LogCheckError::Invalid(
                "the proof is for other sizes".into(),
            ));
        }
        proof
            .verify(&old.root, &new.root)
            .map_err(|e| LogCheckError::Invalid(format!("the logs are not consistent: {e}")))?;
        Ok(proof)
    }
}
