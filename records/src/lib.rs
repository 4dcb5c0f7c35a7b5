//! # zktr-records
//!
//! The signed, typed vocabulary that provers, verifiers, nodes and list publishers share.
//! It knows no proving and no verification of proofs: only what the records say, how they
//! are encoded, and how their signatures are made and checked.
//!
//! * `bundle` / `wire`: the [`ProofBundle`] and its protobuf (`zktr.bundle.v1`, from
//!   `zktr-proto`) and JSON forms;
//! * `tree_head`: a commitment log's [`SignedTreeHead`];
//! * `receipt`: a beneficiary's countersigned [`Receipt`]; [`clearance`]: a compliance
//!   officer's signed [`Clearance`] of a screening hit;
//! * `sanctions_root`: a list publisher's [`SignedSanctionsRoot`];
//! * `price_quote`: a price publisher's [`SignedPriceQuote`], the price that binds a
//!   `priced_threshold` proof's fiat value to its asset amount;
//! * [`manifest`]: the key manifest and key-file format, verifying-key ids;
//! * [`policy_file`]: the verifier policy's file format;
//! * [`audit_log`]: a node's hash-linked audit log of regulator requests, its signed head;
//! * `domain`: every signature domain, once;
//! * [`encoding`]: field elements and proofs as bytes and hex.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit_log;
mod bundle;
pub mod clearance;
mod domain;
pub mod encoding;
pub mod manifest;
pub mod policy_file;
mod price_quote;
mod receipt;
mod sanctions_root;
mod tree_head;
mod wire;

pub use bundle::{
    BUNDLE_VERSION, BUNDLE_VERSIONS, BundleDecodeError, ClaimProof, MAX_SANCTIONS_ROOTS,
    ProofBundle,
};
pub use clearance::{Clearance, ClearanceError, ClearedSlot, ScreeningHit};
pub use encoding::EncodingError;
pub use manifest::{Manifest, ParamsError};
pub use policy_file::PolicyFile;
pub use price_quote::{
    InvalidQuote, MAX_QUOTE_JSON_BYTES, PriceQuote, PriceQuoteError, PricingError, SignedPriceQuote,
};
pub use receipt::{Receipt, ReceiptError};
pub use sanctions_root::{
    MAX_SANCTIONS_ROOT_JSON_BYTES, PUBLISHER_KEY_ID_PREFIX, SanctionsRootError,
    SanctionsRootRecord, SignedSanctionsRoot, publisher_key_id,
};
pub use tree_head::{SignedTreeHead, TreeHeadError};

/// Every error of this crate, for callers that map them in one place (a service's
/// handler, the CLI). The module errors stay available for callers that match finely.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A bundle does not decode.
    #[error(transparent)]
    Bundle(#[from] BundleDecodeError),
    /// Bytes or text are no field element or proof.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// Keys or their manifest cannot be used.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A signed price quote is malformed, invalid or its signature does not check.
    #[error(transparent)]
    PriceQuote(#[from] PriceQuoteError),
    /// A signed sanctions root is malformed or its signature does not check.
    #[error(transparent)]
    SanctionsRoot(#[from] SanctionsRootError),
    /// A signed tree head's signature does not check.
    #[error(transparent)]
    TreeHead(#[from] TreeHeadError),
    /// A receipt is malformed or its signature does not check.
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// A clearance is malformed or its signature does not check.
    #[error(transparent)]
    Clearance(#[from] ClearanceError),
    /// A regulator-audit head is malformed or its signature does not check.
    #[error(transparent)]
    AuditLog(#[from] audit_log::AuditLogError),
}
