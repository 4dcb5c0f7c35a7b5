//! Starting and stopping a node: load every file the configuration names (each failure a
//! startup error naming its file), open the database, bind the three listeners, serve
//! until told to stop, then stop gracefully (no new connections, in-flight requests
//! finish, the outbox worker stops, the database closes cleanly).
//!
//! [`start`] returns a [`RunningNode`] with the bound addresses (tests bind port 0);
//! `zktr node --config` calls [`start`], then waits for [`termination`] (SIGTERM or SIGINT)
//! and shuts the node down gracefully.

use crate::client::Dialer;
use crate::config::{ConfigError, NodeConfig};
use crate::exchange::{Core, PeersBook};
use crate::metrics::Metrics;
use crate::service::{BackOfficeService, PeerService};
use crate::store::{Store, StoreError};
use crate::tls::{self, Identity, TlsError};
use crate::vault::{Vault, VaultError};
use crate::webhook::{Webhook, WebhookError};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Server;
use zktr_proto::trisa::api::v1beta1::trisa_health_server::TrisaHealthServer;
use zktr_proto::trisa::api::v1beta1::trisa_network_server::TrisaNetworkServer;
use zktr_proto::zktr::admin::v1::back_office_server::BackOfficeServer;
use zktr_trisa::SealingKey;

/// Why a node could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The configuration or peers file.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// TLS material.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The sealing key.
    #[error("sealing key {path}: {message}")]
    SealingKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The storage key.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The database.
    #[error("database {path}: {source}")]
    Store {
        /// The database file.
        path: PathBuf,
        /// The error.
        #[source]
        source: StoreError,
    },
    /// The webhook's key.
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    /// The `[attest]` section's keys, policy, sanctions set or log.
    #[error(transparent)]
    Attest(#[from] crate::attest::AttestError),
    /// The certificate does not name this node.
    #[error(
        "{cert}: the certificate's common name is {found:?} but the config's `name` is {name:?}"
    )]
    NameMismatch {
        /// The certificate file.
        cert: PathBuf,
        /// Its CN.
        found: String,
        /// The configured name.
        name: String,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {addr} ({what}): {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Which listener.
        what: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A server failed while running.
    #[error("{what} server: {message}")]
    Serve {
        /// Which server.
        what: &'static str,
        /// The error.
        message: String,
    },
    /// An I/O error creating the data directory.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// A node that is serving.
pub struct RunningNode {
    /// The peer port's address.
    pub peer_addr: SocketAddr,
    /// The back-office listener's address.
    pub backoffice_addr: SocketAddr,
    /// The HTTP (health, metrics) address.
    pub http_addr: SocketAddr,
    /// The node's shared state.
    pub core: Arc<Core>,
    shutdown: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<Result<(), NodeError>>,
}

impl core::fmt::Debug for RunningNode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RunningNode")
            .field("peer_addr", &self.peer_addr)
            .field("backoffice_addr", &self.backoffice_addr)
            .field("http_addr", &self.http_addr)
            .finish_non_exhaustive()
    }
}

impl RunningNode {
    /// Stops gracefully: stop accepting, let in-flight requests finish (at most 30 s),
    /// stop the outbox, close the database.
    pub async fn shutdown(mut self) -> Result<(), NodeError> {
        let _ = self.shutdown.send(true);
        let mut first_error = None;
        let drain = async {
            while let Some(r) = self.tasks.join_next().await {
                if let Ok(Err(e)) = r
                    && first_error.is_none()
                {
                    first_error = Some(e);
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(30), drain)
            .await
            .is_err()
        {
            tracing::warn!("in-flight requests did not finish within 30 s; stopping anyway");
            self.tasks.abort_all();
        }
        self.core.store.close().await;
        tracing::info!("node stopped; database closed");
        first_error.map_or(Ok(()), Err)
    }

    /// Waits until one of the servers stops by itself (an error) or `signal` resolves,
    /// then shuts down.
    pub async fn serve_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<(), NodeError> {
        tokio::select! {
            _ = signal => {
                tracing::info!("shutdown requested");
            }
            Some(r) = self.tasks.join_next() => {
                let _ = self.shutdown.send(true);
                if let Ok(Err(e)) = r {
                    let _ = self.shutdown().await;
                    return Err(e);
                }
            }
        }
        self.shutdown().await
    }
}

async fn bind(addr: SocketAddr, what: &'static str) -> Result<TcpListener, NodeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| NodeError::Bind { addr, what, source })
}

/// Accepts TCP connections and completes TLS handshakes (at most 256 at once, 10 s each);
/// refused handshakes are logged, dropped, and passed to `refused` with
/// [`tls::handshake_failure_kind`] (or `timeout`), which counts them in the metrics.
pub(crate) fn tls_incoming_observed(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    mut shutdown: watch::Receiver<bool>,
    refused: impl Fn(&'static str) + Clone + Send + Sync + 'static,
) -> ReceiverStream<Result<TlsStream<TcpStream>, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let handshakes = Arc::new(tokio::sync::Semaphore::new(256));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, remote)) => {
                        let Ok(permit) = handshakes.clone().acquire_owned().await else { break };
                        let acceptor = acceptor.clone();
                        let tx = tx.clone();
                        let refused = refused.clone();
                        tokio::spawn(async move {
                            let _permit = permit;
                            let _ = tcp.set_nodelay(true);
                            match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                                Ok(Ok(stream)) => {
                                    let _ = tx.send(Ok(stream)).await;
                                }
                                Ok(Err(e)) => {
                                    refused(tls::handshake_failure_kind(&e));
                                    tracing::info!(%remote, error = %e, "TLS handshake refused");
                                }
                                Err(_) => {
                                    refused("timeout");
                                    tracing::info!(%remote, "TLS handshake timed out");
                                }
                            }
                        });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                _ = shutdown.changed() => break,
            }
        }
    });
    ReceiverStream::new(rx)
}

pub(crate) async fn shutdown_signal(mut rx: watch::Receiver<bool>) {
    while !*rx.borrow() {
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Loads everything the configuration names and starts serving.
pub async fn start(config: NodeConfig) -> Result<RunningNode, NodeError> {
    tls::install_crypto_provider();
    let identity = Identity::load(&config.tls.cert, &config.tls.key)?;
    let cn = identity.common_name()?;
    if cn != config.name {
        return Err(NodeError::NameMismatch {
            cert: config.tls.cert.clone(),
            found: cn,
            name: config.name.clone(),
        });
    }
    // The back office's own certificate must load too, or `zktr transfer` would fail later.
    Identity::load(
        &config.backoffice.client_cert,
        &config.backoffice.client_key,
    )?;
    let sealing_text = crate::config::read_small(&config.sealing.key, 64 * 1024)
        .map_err(|e| NodeError::SealingKey {
            path: config.sealing.key.clone(),
            message: e.to_string(),
        })
        .and_then(|b| {
            String::from_utf8(b).map_err(|_| NodeError::SealingKey {
                path: config.sealing.key.clone(),
                message: "not a PEM file".into(),
            })
        })?;
    let sealing = SealingKey::from_pem(&sealing_text).map_err(|e| NodeError::SealingKey {
        path: config.sealing.key.clone(),
        message: e.to_string(),
    })?;
    let vault = Vault::load(&config.storage)?;
    std::fs::create_dir_all(&config.storage.data_dir).map_err(|source| NodeError::Io {
        path: config.storage.data_dir.clone(),
        source,
    })?;
    let db = config.database_path();
    let metrics = Metrics::new();
    let store = Store::open(&db)
        .await
        .map_err(|source| NodeError::Store {
            path: db.clone(),
            source,
        })?
        .with_timer(metrics.storage_timer());
    let peers = PeersBook::load(config.peers.file.clone())?;
    let webhook = config.webhook.as_ref().map(Webhook::load).transpose()?;
    let attestor = match &config.attest {
        Some(a) => Some(crate::attest::Attestor::load(a, &store, &config.name, &metrics).await?),
        None => None,
    };
    let server_tls = tls::server_config(&identity, &config.tls.ca, &config.tls.crl)?;
    // The client side is built per peer; build one now so a bad CA or CRL fails at start.
    tls::client_config(&identity, &config.tls.ca, &config.tls.crl)?;
    let dialer = Dialer::new(
        identity,
        config.tls.ca.clone(),
        config.tls.crl.clone(),
        config.service.max_message_bytes,
        config.request_timeout(),
    );

    let peer_listener = bind(config.listen.peer, "peer").await?;
    let backoffice_listener = bind(config.listen.backoffice, "back office").await?;
    let http_listener = bind(config.listen.http, "http").await?;
    let addr = |l: &TcpListener, a: SocketAddr| l.local_addr().unwrap_or(a);
    let peer_addr = addr(&peer_listener, config.listen.peer);
    let backoffice_addr = addr(&backoffice_listener, config.listen.backoffice);
    let http_addr = addr(&http_listener, config.listen.http);

    let max = config.service.max_message_bytes;
    let concurrency = config.service.concurrency_per_connection;
    let core = Arc::new(Core::new(
        config, sealing, store, vault, peers, dialer, metrics, webhook, attestor,
    ));
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();

    let acceptor = TlsAcceptor::from(server_tls);
    let regulator = crate::regulator::RegulatorService::load(core.clone())?;
    let peer_service = PeerService::new(core.clone());
    let attested_core = core.clone();
    let refused = {
        let metrics = core.metrics.clone();
        move |reason| metrics.handshake_failed(reason)
    };
    let incoming = tls_incoming_observed(
        peer_listener,
        acceptor.clone(),
        shutdown_rx.clone(),
        refused.clone(),
    );
    let signal = shutdown_signal(shutdown_rx.clone());
    tasks.spawn(async move {
        Server::builder()
            .concurrency_limit_per_connection(concurrency)
            .timeout(Duration::from_secs(120))
            .add_service(
                TrisaNetworkServer::new(peer_service.clone())
                    .max_decoding_message_size(max)
                    .max_encoding_message_size(max),
            )
            .add_service(TrisaHealthServer::new(peer_service))
            .add_service(
                zktr_proto::zktr::transfer::v1::attested_transfer_server::AttestedTransferServer::new(
                    crate::service::AttestedService::new(attested_core.clone()),
                )
                .max_decoding_message_size(max)
                .max_encoding_message_size(max),
            )
            .add_service(zktr_proto::zktr::log::v1::commitment_log_server::CommitmentLogServer::new(
                crate::service::LogService::new(attested_core),
            ))
            .add_optional_service(
                regulator.map(zktr_proto::zktr::regulator::v1::regulator_server::RegulatorServer::new),
            )
            .serve_with_incoming_shutdown(incoming, signal)
            .await
            .map_err(|e| NodeError::Serve {
                what: "peer",
                message: e.to_string(),
            })
    });

    let backoffice = BackOfficeService::new(core.clone());
    let incoming =
        tls_incoming_observed(backoffice_listener, acceptor, shutdown_rx.clone(), refused);
    let signal = shutdown_signal(shutdown_rx.clone());
    tasks.spawn(async move {
        Server::builder()
            .add_service(
                BackOfficeServer::new(backoffice)
                    .max_decoding_message_size(max)
                    .max_encoding_message_size(max),
            )
            .serve_with_incoming_shutdown(incoming, signal)
            .await
            .map_err(|e| NodeError::Serve {
                what: "back office",
                message: e.to_string(),
            })
    });

    let router = crate::http::router(core.clone());
    let signal = shutdown_signal(shutdown_rx.clone());
    tasks.spawn(async move {
        axum::serve(http_listener, router)
            .with_graceful_shutdown(signal)
            .await
            .map_err(|e| NodeError::Serve {
                what: "http",
                message: e.to_string(),
            })
    });

    let outbox = core.clone();
    let rx = shutdown_rx.clone();
    tasks.spawn(async move {
        outbox.run_outbox(rx).await;
        Ok(())
    });

    tracing::info!(
        name = %core.config.name,
        peer = %peer_addr,
        backoffice = %backoffice_addr,
        http = %http_addr,
        "node started"
    );
    Ok(RunningNode {
        peer_addr,
        backoffice_addr,
        http_addr,
        core,
        shutdown,
        tasks,
    })
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The runtime `zktr node` uses (the binary knows no async itself).
pub type Runtime = tokio::runtime::Runtime;

/// A multi-threaded runtime with every driver enabled.
pub fn runtime() -> std::io::Result<Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("zktr-node")
        .build()
}
