//! vrs client
pub mod pki;
