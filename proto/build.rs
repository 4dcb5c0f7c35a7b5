//! Compiles `proto/` with protox (pure Rust, no `protoc`) and generates the prost message
//! types with tonic-prost-build's `compile_fds`; with the `grpc` feature also the tonic
//! client and server stubs of the services. The descriptor set is written to
//! `$OUT_DIR/zktr_descriptors.bin`, where the protobuf-JSON code reads it (via
//! prost-reflect) to apply the proto3 JSON mapping, including `google.protobuf.Any`.

use std::{env, fs, path::PathBuf};

const PROTOS: [&str; 9] = [
    "proto/ivms101/ivms101.proto",
    "proto/trisa/api/v1beta1/api.proto",
    "proto/trisa/data/generic/v1beta1/transaction.proto",
    "proto/zktr/bundle/v1/bundle.proto",
    "proto/zktr/admin/v1/admin.proto",
    "proto/zktr/transfer/v1/transfer.proto",
    "proto/zktr/log/v1/log.proto",
    "proto/zktr/regulator/v1/regulator.proto",
    "proto/zktr/verifier/v1/verifier.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for p in PROTOS {
        println!("cargo:rerun-if-changed={p}");
    }
    let grpc = env::var_os("CARGO_FEATURE_GRPC").is_some();
    let fds = protox::compile(PROTOS, ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out.join("zktr_descriptors.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .build_client(grpc)
        .build_server(grpc)
        .compile_fds(fds)?;
    Ok(())
}
