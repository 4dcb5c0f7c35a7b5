//! # zktr-node
//!
//! The VASP's running node, and the only crate that knows async, networks, TLS or storage.
//!
//! * [`server`]: `zktr node --config node.toml`: the peer port (TRISA's `TRISANetwork` and
//!   `TRISAHealth` over mutual TLS), the back-office listener (`zktr.admin.v1`), and the
//!   HTTP port for health and metrics; graceful shutdown.
//! * [`exchange`]: TRISA's transfer rules on both sides (receive, decide, reply, the
//!   outbox that delivers our envelopes), `service`: the gRPC handlers over it.
//! * `store`: SQLite through sqlx (WAL, one transaction per acknowledged step),
//!   `vault`: encryption at rest with per-transfer data keys.
//! * [`tls`], [`certs`], [`client`]: mutual TLS as TRISA peers expect, the dev network CA,
//!   dialing peers. [`config`]: `node.toml` and the peers file. [`init`]: `node init`.
//! * `batch`: incoming bundles verified in batches across concurrent transfers.
//! * [`commit`], [`flow`]: the commitment of a transfer and both sides of an attested
//!   transfer as library code (the demo's flow; the attested wire comes next).
//! * `review`: screening hits of our transfers and officers' clearances of name hits.
//! * [`regulator`]: the regulator's API (attestations, disclosures, the audit log of
//!   its requests); [`audit`]: the regulator's audit of a node over a period, written as
//!   `report.json` and a self-contained `report.html` by [`report`].
//! * [`fetch`]: downloading published sanctions lists.
//! * [`bench`](mod@bench): `zktr bench node`, plain TRISA transfers/s against a node process, next to
//!   the cost of the cryptography alone; the in-process harness of `benches/node.rs`.
//!   [`bench_attested`]: `zktr bench attested`, attested transfers/s between two nodes
//!   next to the proving they carry.
//! * [`demo`]: `zktr demo`, the whole network in one process (publisher, two nodes, a
//!   verifier, a regulator) on loopback; `localnet`: the nodes-on-loopback helpers it
//!   shares with [`bench_attested`].
//! * [`verifier_service`], [`verifier_config`]: `zktr verifier --config FILE`, the
//!   stateless `zktr.verifier.v1.Verifier` service (one bundle or a batched stream);
//!   [`verifier_bench`]: `zktr bench verifier`, the service next to in-process batches.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod attest;
pub mod audit;
pub mod backoffice;
mod batch;
pub mod bench;
pub mod bench_attested;
pub mod bench_audit;
pub mod certs;
pub mod client;
pub mod commit;
pub mod config;
pub mod demo;
pub mod exchange;
pub mod fetch;
pub mod flow;
mod http;
pub mod init;
mod localnet;
pub mod logclient;
mod metrics;
pub mod regulator;
pub mod report;
mod review;
pub mod server;
mod service;
mod store;
pub mod tls;
mod vault;
pub mod verifier_bench;
pub mod verifier_config;
pub mod verifier_service;
pub mod webhook;

pub use commit::{CommitError, TransferDetails};
pub use config::{ConfigError, NodeConfig};
pub use flow::{
    AcceptedTransfer, Beneficiary, Clock, CommitmentOpening, FixedClock, FlowError, Originator,
    OutgoingTransfer, SystemClock, ThresholdRule, received_transfer,
};
pub use server::{NodeError, RunningNode, start};
