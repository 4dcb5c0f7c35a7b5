//! # zktr-ceremony
//!
//! The multi-party Groth16 setup ceremony (work in progress).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
