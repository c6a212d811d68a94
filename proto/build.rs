//! Compiles `vrs/v1/*.proto` with protox (pure Rust: no system `protoc`) and generates
//! prost messages plus tonic clients and servers, and a file descriptor set for
//! gRPC reflection.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "vrs/v1/report.proto",
        "vrs/v1/envelope.proto",
        "vrs/v1/node.proto",
        "vrs/v1/aggregates.proto",
        "vrs/v1/federation.proto",
        "vrs/v1/directory.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("vrs_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Undecodable or non-canonical requests are INVALID_ARGUMENT (src/codec.rs).
        .codec_path("crate::codec::StrictCodec")
        .compile_fds(fds)?;
    Ok(())
}
