//! The vrs wire schema, package `vrs.v1`, generated from `proto/vrs/v1/*.proto`.
//!
//! Only `vrs-core`'s `wire` module converts these messages to domain types; only the
//! node's gRPC layer and the client use the generated services.
#![allow(clippy::all, missing_docs)]

pub mod codec;
pub mod transport;

/// Package `vrs.v1`.
pub mod v1 {
    tonic::include_proto!("vrs.v1");
}

/// Encoded `FileDescriptorSet` of the schema, for gRPC reflection.
/// Largest response a node sends and a client or peer reads, in bytes (a release of a
/// large grid under the noise policy lists many cells; the release payload limit is 32
/// MiB, `vrs_core::wire::MAX_RELEASE_BYTES`).
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("vrs_descriptor");

/// DSSE payload type of a serialised [`v1::Report`].
pub const REPORT_PAYLOAD_TYPE: &str = "application/vnd.vrs.report.v1+protobuf";
/// DSSE payload type of a serialised [`v1::Release`].
pub const RELEASE_PAYLOAD_TYPE: &str = "application/vnd.vrs.release.v1+protobuf";
/// DSSE payload type of a serialised [`v1::Directory`] (design 08-directory.md).
pub const DIRECTORY_PAYLOAD_TYPE: &str = "application/vnd.vrs.directory.v1+protobuf";
