//! The generated protobuf types of package `ivms101` (from `node/proto/ivms101/`).
#![allow(missing_docs, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/ivms101.rs"));
