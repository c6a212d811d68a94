//! vrs-client: the library that talks to a vrs node (it does not depend on the node;
//! the `vrs` binary is in `cli/`, the local federation and `vrs demo` in `local/`).
//!
//! [`pki`] makes development certificates. [`profile`] reads client profiles,
//! [`client`] is the typed gRPC client, [`keyfile`] reads and writes report signing keys,
//! [`schema`] is the report schema as data (fields, code lists, labels, help), [`reportjson`]
//! is the JSON form of a report that it drives, [`bulk`] reads report files (JSON, NDJSON,
//! CSV), [`audit`] checks a log against the last checkpoint seen; [`region`] reads releases
//! (verified under their origins' keys), sums them into regional tables and exports them;
//! [`sync`] reads a node's sync records.
#![forbid(unsafe_code)]

pub mod audit;
pub mod bulk;
pub mod client;
pub mod credentials;
pub mod directory;
pub mod keyfile;
pub mod outbox;
pub mod pki;
pub mod profile;
pub mod region;
pub mod reportjson;
pub mod schema;
pub mod submission;
pub mod sync;
pub mod template;

/// Today's date (UTC) by this machine's clock: the date a report's dates are validated
/// against before it is sent.
pub fn today() -> vrs_core::report::Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    vrs_core::report::Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
        .unwrap_or_else(|| unreachable!("the system clock is within the calendar"))
}
