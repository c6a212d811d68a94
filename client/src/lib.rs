//! vrs-client: the library that talks to a vrs node, and the `vrs` CLI.
//!
//! [`pki`] makes development certificates; [`local`] runs a local federation (the demo
//! and the end-to-end tests); [`demo`] is `vrs demo`.
#![forbid(unsafe_code)]

pub mod demo;
pub mod local;
pub mod pki;
