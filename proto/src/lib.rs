//! # zktr-proto
//!
//! Every protobuf zktr speaks, generated from the `.proto` files in `proto/` with protox
//! (no `protoc` anywhere):
//!
//! * [`ivms101`]: the IVMS101 identity messages as TRISA carries them;
//! * [`trisa::api::v1beta1`]: `SecureEnvelope`, `Payload`, `Error`, `TransferState`, the
//!   address-confirmation, key-exchange and health messages, and (with the `grpc`
//!   feature) the `TRISANetwork` and `TRISAHealth` services;
//! * [`trisa::data::generic::v1beta1`]: TRISA's generic `Transaction` and `Pending`;
//! * [`zktr::bundle::v1`]: the `ProofBundle` wire form (typed and checked in
//!   `zktr-records`);
//! * [`zktr::admin::v1`]: the node's back-office API (`BackOffice` service);
//! * [`zktr::regulator::v1`]: the regulator's API of a node (`Regulator` service).
//! * [`zktr::verifier::v1`]: the stateless verifier service (`Verifier`).
//!
//! [`protojson`] applies the proto3 JSON mapping to any of them from the embedded
//! descriptor set.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod protojson;

pub use protojson::ProtoJsonError;

/// Package `ivms101`.
#[allow(missing_docs, clippy::all)]
pub mod ivms101 {
    include!(concat!(env!("OUT_DIR"), "/ivms101.rs"));
}

/// TRISA's packages.
pub mod trisa {
    /// `trisa.api.*`.
    pub mod api {
        /// `trisa.api.v1beta1`.
        #[allow(missing_docs, clippy::all)]
        pub mod v1beta1 {
            include!(concat!(env!("OUT_DIR"), "/trisa.api.v1beta1.rs"));
        }
    }
    /// `trisa.data.*`.
    pub mod data {
        /// `trisa.data.generic.*`.
        pub mod generic {
            /// `trisa.data.generic.v1beta1`.
            #[allow(missing_docs, clippy::all)]
            pub mod v1beta1 {
                include!(concat!(env!("OUT_DIR"), "/trisa.data.generic.v1beta1.rs"));
            }
        }
    }
}

/// zktr's own packages.
pub mod zktr {
    /// `zktr.admin.*`.
    pub mod admin {
        /// `zktr.admin.v1`: the back-office API of a node.
        #[allow(missing_docs, clippy::all)]
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/zktr.admin.v1.rs"));
        }
    }
    /// `zktr.transfer.*`.
    pub mod transfer {
        /// `zktr.transfer.v1`: attested transfers between nodes.
        #[allow(missing_docs, clippy::all)]
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/zktr.transfer.v1.rs"));
        }
    }
    /// `zktr.log.*`.
    pub mod log {
        /// `zktr.log.v1`: a node's commitment-log service.
        #[allow(missing_docs, clippy::all)]
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/zktr.log.v1.rs"));
        }
    }
    /// `zktr.regulator.*`.
    pub mod regulator {
        /// `zktr.regulator.v1`: the regulator's API of a node.
        #[allow(missing_docs, clippy::all)]
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/zktr.regulator.v1.rs"));
        }
    }
    /// `zktr.verifier.*`.
    pub mod verifier {
        /// `zktr.verifier.v1`: the stateless verifier service.
        #[allow(missing_docs, clippy::all)]
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/zktr.verifier.v1.rs"));
        }
    }
    /// `zktr.bundle.*`.
    pub mod bundle {
        /// `zktr.bundle.v1`.
        #[allow(missing_docs, clippy::all)]
        pub mod v1 {
            include!(concat!(env!("OUT_DIR"), "/zktr.bundle.v1.rs"));
        }
    }
}
