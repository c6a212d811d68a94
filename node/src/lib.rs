//! vrs-node: a State's node.
//!
//! Focal points submit signed reports over gRPC with mutual TLS; the node verifies,
//! validates, appends the exact envelope bytes to its RFC 9162 Merkle log in sled,
//! makes the write durable and answers with a C2SP tlog-proof receipt.
//!
//! Code map: [`config`] (typed TOML + `VRS_NODE_…` overrides), [`tls`] (rustls, client
//! certificates, roles from SAN URIs), [`storage`] (the only module that knows sled),
//! [`ledger`] (the log engine: group commit, keys, report versions), [`grpc`] (the
//! only module that knows tonic services; authorization per RPC), [`metrics`]
//! (Prometheus text exposition), [`server`] (wiring, graceful shutdown).
#![forbid(unsafe_code)]

pub mod aggregates;
pub mod config;
pub mod cron;
pub mod directory;
pub mod grpc;
pub mod ledger;
pub mod metrics;
pub mod reciprocity;
pub mod releases;
pub mod roster;
pub mod server;
pub mod storage;
pub mod sync;
pub mod tls;
pub mod verify;
pub mod witness;
