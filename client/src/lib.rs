//! vrs-client: the library that talks to a vrs node, and the `vrs` CLI.
//!
//! [`pki`] makes development certificates; [`local`] runs a local federation (the demo
//! and the end-to-end tests); [`demo`] is `vrs demo`. [`profile`] reads client profiles,
//! [`client`] is the typed gRPC client, [`keyfile`] reads and writes report signing keys,
//! [`reportjson`] is the JSON form of a report, [`bulk`] reads report files (JSON, NDJSON,
//! CSV), [`audit`] checks a log against the last checkpoint seen.
#![forbid(unsafe_code)]

pub mod audit;
pub mod bulk;
pub mod client;
pub mod demo;
pub mod keyfile;
pub mod local;
pub mod pki;
pub mod profile;
pub mod reportjson;
