//! The node's configuration: a typed TOML file, `VRS_*` environment overrides, and
//! semantic checks, all run before any port is bound.
//!
//! Precedence, highest first: environment variable, file, built-in default. Every key
//! `a.b` can be set by the variable `VRS_A_B` (upper case), e.g. `listen` by
//! `VRS_LISTEN` and `limits.max_message_bytes` by `VRS_LIMITS_MAX_MESSAGE_BYTES`.
//! A `VRS_` variable that names no key is an error, except those in
//! [`NON_CONFIG_VARS`].
//!
//! Relative paths, whether they come from the file, the environment or a default, are
//! resolved against the directory of the configuration file, so a node started by a
//! service manager does not depend on its working directory.
//!
//! The binary does, in this order: [`Config::load`] (syntax, keys, types),
//! [`Config::check`] (values, files), and on any [`ConfigError`] prints it and exits
//! with [`EXIT_CONFIG`].
//!
//! Adding a key: add the field (with a serde default unless it is required), add one
//! line to `KEYS` below, add it to [`starter_config`] and to `Config::check` if it has
//! constraints. The unit tests at the end of this file fail if the three disagree.
//! Sections that hold lists (a later `[[peers]]`) need a table-array arm in
//! `validate_table`; they cannot be set from the environment.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Value;
use vrs_core::note::NoteSigner;

/// Process exit status for any configuration error (like `EX_USAGE` of sysexits.h).
pub const EXIT_CONFIG: i32 = 64;

/// File name of the configuration written by [`init`].
pub const CONFIG_FILE_NAME: &str = "vrs-node.toml";

/// File name of the node signing key written by [`init`], and the default of `node_key`.
pub const NODE_KEY_FILE_NAME: &str = "node-signing.key";

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "VRS_";

/// `VRS_` variables that are not configuration keys and are ignored by [`Config::load`]:
/// `VRS_CONFIG` (the configuration file itself, for a `--config` flag), `VRS_LOG` (the
/// binary's `tracing` filter, which overrides `log.level`) and `VRS_NODE_BIN` (the
/// end-to-end test harness's path to the binary, inherited by the nodes it starts).
pub const NON_CONFIG_VARS: &[&str] = &[
    "VRS_CONFIG",
    "VRS_LOG",
    "VRS_NODE_BIN",
    // The `vrs` CLI's variables, which operators may export in the same shell.
    "VRS_CA",
    "VRS_CERT",
    "VRS_CLIENT_CONFIG",
    "VRS_ENDPOINT",
    "VRS_KEY",
    "VRS_PROFILE",
    "VRS_SERVER_NAME",
    "VRS_SIGNING_KEY",
    "VRS_TIMEOUT_SECS",
    "VRS_VKEY",
];

/// Prefix of the default log origin, which is this prefix followed by the State code.
pub const DEFAULT_ORIGIN_PREFIX: &str = "vrs.example/state/";

/// Default of `listen`: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7400";
/// Default of `metrics.listen`: loopback only.
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9400";
/// Default of `data_dir`.
pub const DEFAULT_DATA_DIR: &str = "data";
/// Default of `tls.handshake_timeout_ms`.
pub const DEFAULT_HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// Default of `tls.first_byte_timeout_ms`: a connection that has sent nothing by then
/// (not even the start of a ClientHello) is closed.
pub const DEFAULT_FIRST_BYTE_TIMEOUT_MS: u64 = 1_500;
/// Default of `tls.max_handshakes_per_source`.
pub const DEFAULT_MAX_HANDSHAKES_PER_SOURCE: usize = 32;
/// Default of `limits.max_connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Default of `storage.cache_mb`.
pub const DEFAULT_CACHE_MB: u64 = 256;
/// Default of `limits.max_message_bytes` (1 MiB).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// Default of `limits.rpc_deadline_ms`.
pub const DEFAULT_RPC_DEADLINE_MS: u64 = 10_000;
/// Default of `limits.max_batch`.
pub const DEFAULT_MAX_BATCH: usize = 512;
/// Default of `limits.max_concurrent_streams`.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 256;
/// Default of `log.level`.
pub const DEFAULT_LOG_LEVEL: &str = "info";

/// Allowed values of `limits.max_message_bytes`: 1 KiB to 64 MiB.
pub const MAX_MESSAGE_BYTES_RANGE: RangeInclusive<u64> = 1024..=64 * 1024 * 1024;
/// Allowed values of `limits.rpc_deadline_ms`: 100 ms to 10 minutes.
pub const RPC_DEADLINE_MS_RANGE: RangeInclusive<u64> = 100..=600_000;
/// Allowed values of `limits.max_batch`.
pub const MAX_BATCH_RANGE: RangeInclusive<u64> = 1..=65_536;
/// Allowed values of `limits.max_concurrent_streams`.
pub const MAX_CONCURRENT_STREAMS_RANGE: RangeInclusive<u64> = 1..=10_000;
/// Allowed values of `tls.handshake_timeout_ms`: 100 ms to 2 minutes.
pub const HANDSHAKE_TIMEOUT_MS_RANGE: RangeInclusive<u64> = 100..=120_000;
/// Allowed values of `tls.first_byte_timeout_ms`: 100 ms to 2 minutes.
pub const FIRST_BYTE_TIMEOUT_MS_RANGE: RangeInclusive<u64> = 100..=120_000;
/// Allowed values of `tls.max_handshakes_per_source`.
pub const MAX_HANDSHAKES_PER_SOURCE_RANGE: RangeInclusive<u64> = 1..=1024;
/// Allowed values of `limits.max_connections`.
pub const MAX_CONNECTIONS_RANGE: RangeInclusive<u64> = 1..=1_000_000;
/// Allowed values of `storage.cache_mb`: 16 MiB to 1 TiB.
pub const CACHE_MB_RANGE: RangeInclusive<u64> = 16..=1_048_576;

// ---------------------------------------------------------------------------------------
// The typed configuration
// ---------------------------------------------------------------------------------------

/// The node's configuration. Build it with [`Config::load`], then run [`Config::check`].
///
/// After `load`, every path is absolute and `origin` is set (its default is
/// `vrs.example/state/<STATE>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address of the gRPC server (mutual TLS). Default `127.0.0.1:7400`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// This node's State, ISO 3166-1 alpha-3 (e.g. `AUS`). Required.
    pub state: String,
    /// Origin line of this node's log checkpoints, also the name of its signing key.
    /// Non-empty, no white space, no `+`.
    pub origin: String,
    /// Directory of the sled database; created if missing. Default `data`.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// What this node is. Default `state`. With `secretariat`, `state` holds the
    /// secretariat's id: the node keeps no reports, syncs the releases of its region's
    /// nodes and serves regional tables.
    #[serde(default)]
    pub role: Role,
    /// File holding the node's Ed25519 signing key (see [`init`], [`read_node_key`]).
    /// Default `node-signing.key`.
    #[serde(default = "default_node_key")]
    pub node_key: PathBuf,
    /// `[tls]`: mutual TLS material. Required.
    pub tls: TlsConfig,
    /// `[limits]`: resource limits.
    #[serde(default)]
    pub limits: Limits,
    /// `[storage]`: the database.
    #[serde(default)]
    pub storage: StorageConfig,
    /// `[metrics]`: the metrics endpoint.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// `[log]`: logging.
    #[serde(default)]
    pub log: LogConfig,
    /// `[release]`: aggregate releases and their disclosure control.
    #[serde(default)]
    pub release: ReleaseConfig,
    /// `[sync]`: the nightly federation sync.
    #[serde(default)]
    pub sync: SyncConfig,
    /// `[[peers]]`: the other nodes this node syncs with (not overridable from the
    /// environment).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<PeerConfig>,
    /// Where each value came from, for error messages. Filled by [`Config::load`].
    #[serde(skip)]
    pub provenance: Provenance,
}

/// What a node is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A State's node (the default).
    #[default]
    State,
    /// A regional secretariat's node: no reports; it syncs the releases of the nodes
    /// of its region (`[[peers]]`) and serves regional tables.
    Secretariat,
}

/// `[tls]`: the node's certificate, key and trust anchors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain of this node (SAN `vrs://state/<ISO3>/node`). Required.
    pub cert: PathBuf,
    /// PEM private key of `cert`. Required.
    pub key: PathBuf,
    /// PEM CA certificate(s) that client and peer certificates must chain to. Required.
    pub ca: PathBuf,
    /// Optional PEM certificate revocation list of the CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crl: Option<PathBuf>,
    /// Time allowed for a TLS handshake, in milliseconds. Default 10000.
    #[serde(default = "default_handshake_timeout_ms")]
    pub handshake_timeout_ms: u64,
    /// Time allowed for a new connection's first byte (the start of its ClientHello),
    /// in milliseconds; a connection that sends nothing is closed then. Default 1500.
    #[serde(default = "default_first_byte_timeout_ms")]
    pub first_byte_timeout_ms: u64,
    /// Most TLS handshakes in progress from one source address; more are closed at
    /// once. Default 32; 1 to 1024.
    #[serde(default = "default_max_handshakes_per_source")]
    pub max_handshakes_per_source: usize,
}

impl TlsConfig {
    /// `handshake_timeout_ms` as a [`Duration`].
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms)
    }
}

/// `[limits]`: bounds on what the network can make the node do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest gRPC message accepted or sent, in bytes. Default 1 MiB; 1 KiB to 64 MiB.
    pub max_message_bytes: usize,
    /// Deadline of one RPC, in milliseconds. Default 10000; 100 to 600000.
    pub rpc_deadline_ms: u64,
    /// Most submissions made durable by one group commit. Default 512; 1 to 65536.
    pub max_batch: usize,
    /// Most concurrent HTTP/2 streams per connection. Default 256; 1 to 10000.
    pub max_concurrent_streams: u32,
    /// Most open connections whose handshake completed; counted apart from the
    /// handshakes in progress, so that a flood of handshakes never takes their place.
    /// Default 4096; 1 to 1000000.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            rpc_deadline_ms: DEFAULT_RPC_DEADLINE_MS,
            max_batch: DEFAULT_MAX_BATCH,
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// `rpc_deadline_ms` as a [`Duration`].
    pub fn rpc_deadline(&self) -> Duration {
        Duration::from_millis(self.rpc_deadline_ms)
    }
}

/// `[storage]`: the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// sled's page cache, in MiB (sled's own default is 1 GiB). Default 256; 16 to
    /// 1048576. Size it to the memory the node may use beside the aggregate tables.
    pub cache_mb: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            cache_mb: DEFAULT_CACHE_MB,
        }
    }
}

/// `[metrics]`: the plain-text metrics endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Whether to serve metrics. Default true.
    pub enabled: bool,
    /// Address of the metrics endpoint. Default `127.0.0.1:9400` (loopback only).
    pub listen: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: default_metrics_listen(),
        }
    }
}

/// `[release]`: periods, embargo and disclosure control of aggregate releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReleaseConfig {
    /// Length of a release period: `month` (default) or `week`.
    pub period: String,
    /// Days after a period's end before it closes and is released. Default 7; 0 to 366.
    pub embargo_days: u64,
    /// Threshold k of the `threshold` policy. Default 5; at least `federation_floor`.
    pub k: u64,
    /// The federation's floor for k: a node may raise k, never lower it below this.
    /// Default 5; 2 to 1000.
    pub federation_floor: u64,
    /// Tables released under the `noise` policy, comma-separated (e.g.
    /// `"PERSONS,MOVEMENTS"`); every other table uses `threshold`. Default none.
    pub noise_tables: String,
    /// ε per table per period for the noise policy, a rational `num/den`. Default `1/1`.
    pub epsilon: String,
    /// Total ε a table may spend per period (the budget cap), `num/den`. Default `2/1`.
    pub budget_cap: String,
    /// Persons one movement event (or case) may add under the noise policy; documents
    /// one event may add. Default 50; 1 to 100000.
    pub contribution_cap: u64,
    /// How often the scheduler looks for periods that are due, in seconds. Default
    /// 3600; 1 to 86400.
    pub check_interval_s: u64,
}

impl Default for ReleaseConfig {
    fn default() -> Self {
        Self {
            period: "month".into(),
            embargo_days: 7,
            k: 5,
            federation_floor: 5,
            noise_tables: String::new(),
            epsilon: "1/1".into(),
            budget_cap: "2/1".into(),
            contribution_cap: 50,
            check_interval_s: 3600,
        }
    }
}

/// `[sync]`: when and how the node syncs with its peers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    /// A five-field cron expression (minute hour day-of-month month day-of-week, UTC).
    /// Default `"0 2 * * *"` (nightly at 02:00).
    pub schedule: String,
    /// Random delay added to each scheduled run, seconds (0 to 86400). Default 900.
    pub jitter_s: u64,
    /// Deadline of one peer's whole run, seconds (1 to 86400). Default 300.
    pub peer_deadline_s: u64,
    /// Attempts per peer and run, with exponential backoff (1 to 20). Default 4.
    pub attempts: u64,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            schedule: "0 2 * * *".into(),
            jitter_s: 900,
            peer_deadline_s: 300,
            attempts: 4,
        }
    }
}

/// One `[[peers]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// The peer's State (its certificate must carry `vrs://state/<STATE>/node`).
    pub state: String,
    /// `https://host:port` of the peer's gRPC server.
    pub endpoint: String,
    /// The peer's pinned node verifier key (`name+keyid+base64`): its checkpoints and
    /// releases must verify under it.
    pub vkey: String,
}

/// Parses a positive rational `num/den` (or an integer).
pub fn parse_rational(s: &str) -> Option<(u32, u32)> {
    let (n, d) = match s.split_once('/') {
        Some((n, d)) => (n.trim().parse().ok()?, d.trim().parse().ok()?),
        None => (s.trim().parse().ok()?, 1),
    };
    (n > 0 && d > 0).then_some((n, d))
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Output format. Default `text`.
    pub format: LogFormat,
    /// A `tracing` filter: a level (`info`) or directives (`info,vrs_node=debug`).
    /// Default `info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: DEFAULT_LOG_LEVEL.to_owned(),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// The spelling in the file: `text` or `json`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl PartialEq<&str> for LogFormat {
    /// Compares with the spelling in the file, so `format == "json"` reads naturally.
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 7400))
}
fn default_metrics_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9400))
}
fn default_data_dir() -> PathBuf {
    PathBuf::from(DEFAULT_DATA_DIR)
}
fn default_node_key() -> PathBuf {
    PathBuf::from(NODE_KEY_FILE_NAME)
}
fn default_handshake_timeout_ms() -> u64 {
    DEFAULT_HANDSHAKE_TIMEOUT_MS
}
fn default_first_byte_timeout_ms() -> u64 {
    DEFAULT_FIRST_BYTE_TIMEOUT_MS
}
fn default_max_handshakes_per_source() -> usize {
    DEFAULT_MAX_HANDSHAKES_PER_SOURCE
}

// ---------------------------------------------------------------------------------------
// Provenance and errors
// ---------------------------------------------------------------------------------------

/// Where the values of a [`Config`] came from, so that errors found after loading
/// still name the file line or the environment variable at fault.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The configuration file, if any.
    pub file: Option<PathBuf>,
    /// Line (1-based) of each key written in the file, by dotted key.
    pub lines: BTreeMap<String, usize>,
    /// Environment variable that set each overridden key, by dotted key.
    pub env: BTreeMap<String, String>,
}

impl Provenance {
    /// Where the value of `key` (dotted, e.g. `tls.cert`) came from.
    pub fn of(&self, key: &str) -> SetBy {
        if let Some(var) = self.env.get(key) {
            return SetBy::Env { var: var.clone() };
        }
        match (&self.file, self.lines.get(key)) {
            (Some(path), Some(line)) => SetBy::File {
                path: path.clone(),
                line: Some(*line),
            },
            _ => SetBy::Default,
        }
    }

    fn invalid(&self, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            key: key.to_owned(),
            set_by: self.of(key),
            reason: reason.into(),
        }
    }
}

/// Where one configuration value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetBy {
    /// By an environment variable.
    Env {
        /// The variable, e.g. `VRS_TLS_CERT`.
        var: String,
    },
    /// In the configuration file.
    File {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<usize>,
    },
    /// Not set: the built-in default (or a `Config` built in code).
    Default,
}

impl SetBy {
    /// How an error names `key` set this way: `VRS_TLS_CERT (tls.cert)`,
    /// `tls.cert (/etc/vrs/vrs-node.toml line 7)` or `tls.cert`.
    pub fn name(&self, key: &str) -> String {
        match self {
            SetBy::Env { var } => format!("{var} ({key})"),
            SetBy::File {
                path,
                line: Some(line),
            } => format!("{key} ({} line {line})", path.display()),
            SetBy::File { path, line: None } => format!("{key} ({})", path.display()),
            SetBy::Default => key.to_owned(),
        }
    }
}

/// A configuration error. Its `Display` is one line naming the key (or the environment
/// variable) at fault and the reason, e.g.
/// `config error at limits.max_message_bytes: 10 is below the minimum 1024`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("config error: cannot read {}: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The configuration file is not valid TOML.
    #[error("config error in {}{}: TOML syntax: {message}", .path.display(), position(*.line, *.column))]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error, when known.
        line: Option<usize>,
        /// 1-based column (in characters) of the error, when known.
        column: Option<usize>,
        /// What the parser expected.
        message: String,
    },
    /// A key is unknown, missing, of the wrong type, or has a value that is not allowed.
    #[error("config error at {}: {reason}", .set_by.name(.key))]
    Invalid {
        /// The dotted key, e.g. `limits.max_message_bytes`.
        key: String,
        /// Where the bad value came from (names the environment variable, if any).
        set_by: SetBy,
        /// Why the value is not allowed.
        reason: String,
    },
    /// A `VRS_` environment variable that names no configuration key.
    #[error(
        "config error at {var}: no configuration key has this variable \
         (keys map to VRS_<SECTION>_<KEY>, e.g. VRS_TLS_CERT)"
    )]
    UnknownEnv {
        /// The variable.
        var: String,
    },
    /// The checked table did not deserialize: the key table and the types disagree
    /// (a bug, caught by this module's tests).
    #[error("config error: {message}")]
    Deserialize {
        /// The deserializer's message.
        message: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// The key table: what can be set, and how an environment value is read
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free text.
    Str,
    /// A file system path.
    Path,
    /// A non-negative integer (ranges are checked by `Config::check`).
    Int,
    /// `true` or `false`.
    Bool,
    /// A socket address, `ip:port`.
    Addr,
    /// One of a few words.
    Choice(&'static [&'static str]),
}

impl Kind {
    fn expected(self) -> String {
        match self {
            Kind::Str => "a string".to_owned(),
            Kind::Path => "a path (string)".to_owned(),
            Kind::Int => "an integer".to_owned(),
            Kind::Bool => "true or false".to_owned(),
            Kind::Addr => "a socket address such as \"127.0.0.1:7400\"".to_owned(),
            Kind::Choice(words) => format!("one of {}", quoted_list(words)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Defaulted,
    Optional,
}

#[derive(Debug)]
struct Key {
    path: &'static str,
    kind: Kind,
    presence: Presence,
}

const fn key(path: &'static str, kind: Kind, presence: Presence) -> Key {
    Key {
        path,
        kind,
        presence,
    }
}

const ROLES: &[&str] = &["state", "secretariat"];
const LOG_FORMATS: &[&str] = &["text", "json"];
const PERIODS: &[&str] = &["month", "week"];
const PEER_KEYS: &[&str] = &["state", "endpoint", "vkey"];
/// Table ids that `release.noise_tables` may name.
pub const TABLE_IDS: &[&str] = &[
    "MOVEMENTS",
    "PERSONS",
    "SMUGGLERS",
    "FEES",
    "DOCUMENTS",
    "CASES",
];

/// Every settable key. Keep in step with the structs above (the unit tests check).
const KEYS: &[Key] = &[
    key("listen", Kind::Addr, Presence::Defaulted),
    key("state", Kind::Str, Presence::Required),
    key("origin", Kind::Str, Presence::Defaulted),
    key("data_dir", Kind::Path, Presence::Defaulted),
    key("role", Kind::Choice(ROLES), Presence::Defaulted),
    key("node_key", Kind::Path, Presence::Defaulted),
    key("tls.cert", Kind::Path, Presence::Required),
    key("tls.key", Kind::Path, Presence::Required),
    key("tls.ca", Kind::Path, Presence::Required),
    key("tls.crl", Kind::Path, Presence::Optional),
    key("tls.handshake_timeout_ms", Kind::Int, Presence::Defaulted),
    key("tls.first_byte_timeout_ms", Kind::Int, Presence::Defaulted),
    key(
        "tls.max_handshakes_per_source",
        Kind::Int,
        Presence::Defaulted,
    ),
    key("limits.max_message_bytes", Kind::Int, Presence::Defaulted),
    key("limits.rpc_deadline_ms", Kind::Int, Presence::Defaulted),
    key("limits.max_batch", Kind::Int, Presence::Defaulted),
    key(
        "limits.max_concurrent_streams",
        Kind::Int,
        Presence::Defaulted,
    ),
    key("limits.max_connections", Kind::Int, Presence::Defaulted),
    key("storage.cache_mb", Kind::Int, Presence::Defaulted),
    key("metrics.enabled", Kind::Bool, Presence::Defaulted),
    key("metrics.listen", Kind::Addr, Presence::Defaulted),
    key("log.format", Kind::Choice(LOG_FORMATS), Presence::Defaulted),
    key("log.level", Kind::Str, Presence::Defaulted),
    key("release.period", Kind::Choice(PERIODS), Presence::Defaulted),
    key("release.embargo_days", Kind::Int, Presence::Defaulted),
    key("release.k", Kind::Int, Presence::Defaulted),
    key("release.federation_floor", Kind::Int, Presence::Defaulted),
    key("release.noise_tables", Kind::Str, Presence::Defaulted),
    key("release.epsilon", Kind::Str, Presence::Defaulted),
    key("release.budget_cap", Kind::Str, Presence::Defaulted),
    key("release.contribution_cap", Kind::Int, Presence::Defaulted),
    key("release.check_interval_s", Kind::Int, Presence::Defaulted),
    key("sync.schedule", Kind::Str, Presence::Defaulted),
    key("sync.jitter_s", Kind::Int, Presence::Defaulted),
    key("sync.peer_deadline_s", Kind::Int, Presence::Defaulted),
    key("sync.attempts", Kind::Int, Presence::Defaulted),
];

/// The dotted names of all configuration keys, e.g. `tls.cert`.
pub fn config_keys() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|k| k.path)
}

/// The environment variable that overrides `key`: `tls.cert` → `VRS_TLS_CERT`.
pub fn env_var_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "_").to_ascii_uppercase())
}

/// The `VRS_*` variables of this process, for [`Config::load`]. Unlike
/// `std::env::vars`, it does not panic on a non-UTF-8 variable: a non-UTF-8 name is
/// skipped, a non-UTF-8 value converted lossily (invalid bytes become U+FFFD).
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            k.starts_with(ENV_PREFIX)
                .then(|| (k, v.to_string_lossy().into_owned()))
        })
        .collect()
}

fn find_key(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.path == path)
}

fn is_section(path: &str) -> bool {
    KEYS.iter().any(|k| {
        k.path
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// Checks that `v` can be deserialized as `kind`; ranges are left to `Config::check`.
fn check_kind(kind: Kind, v: &Value) -> Result<(), String> {
    match (kind, v) {
        (Kind::Str | Kind::Path, Value::String(_)) | (Kind::Bool, Value::Boolean(_)) => Ok(()),
        (Kind::Int, Value::Integer(i)) => {
            if *i < 0 {
                Err(format!("{i} is negative"))
            } else if *i > i64::from(u32::MAX) {
                Err(format!("{i} is too large"))
            } else {
                Ok(())
            }
        }
        (Kind::Addr, Value::String(s)) => s.parse::<SocketAddr>().map(|_| ()).map_err(|_| {
            format!(
                "{s:?} is not a socket address (ip:port, e.g. \"127.0.0.1:7400\" or \"[::1]:7400\")"
            )
        }),
        (Kind::Choice(words), Value::String(s)) => {
            if words.contains(&s.as_str()) {
                Ok(())
            } else {
                Err(format!("{s:?} is not {}", kind.expected()))
            }
        }
        (_, v) => Err(format!(
            "expected {}, found {}",
            kind.expected(),
            type_name(v)
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

impl Config {
    /// Reads the TOML file at `path`, applies the `VRS_*` overrides found in `env`
    /// (other variables are ignored; pass [`process_env`] in the binary), checks keys
    /// and types, fills defaults, and resolves relative paths against the file's
    /// directory. Values are checked by [`Config::check`], which the caller runs next.
    pub fn load(
        path: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let text = fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_owned(),
            error,
        })?;
        let mut provenance = Provenance {
            file: Some(path.to_owned()),
            lines: key_lines(path, &text)?,
            env: BTreeMap::new(),
        };
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| syntax_error(path, &text, &e))?;

        apply_env(&mut table, env, &mut provenance)?;
        validate_table(&table, "", &provenance)?;
        for k in KEYS.iter().filter(|k| k.presence == Presence::Required) {
            if lookup(&table, k.path).is_none() {
                return Err(ConfigError::Invalid {
                    key: k.path.to_owned(),
                    set_by: SetBy::File {
                        path: path.to_owned(),
                        line: None,
                    },
                    reason: format!(
                        "required key is missing (set it in the file or with {})",
                        env_var_name(k.path)
                    ),
                });
            }
        }
        if let (None, Some(Value::String(state))) = (table.get("origin"), table.get("state")) {
            let origin = default_origin(state);
            table.insert("origin".to_owned(), Value::String(origin));
        }

        let mut config: Config = Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Deserialize {
                message: one_line(e.message()),
            })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
        };
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_owned());
        config.resolve_paths(&base);
        config.provenance = provenance;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut self.data_dir);
        resolve(&mut self.node_key);
        resolve(&mut self.tls.cert);
        resolve(&mut self.tls.key);
        resolve(&mut self.tls.ca);
        if let Some(crl) = &mut self.tls.crl {
            resolve(crl);
        }
    }

    /// Semantic checks, after [`Config::load`]: the State code, the origin, the limits'
    /// ranges, that the TLS files and the node key exist and are readable (and that the
    /// node key parses), that the metrics and gRPC addresses differ, that `log.level`
    /// is a valid filter, and that `data_dir` is (or can be created as) a directory.
    /// Creates `data_dir` if it is missing.
    pub fn check(&self) -> Result<(), ConfigError> {
        let p = &self.provenance;
        match self.role {
            Role::State => check_state(&self.state),
            // A secretariat's node names the secretariat (its SAN vrs://secretariat/<id>).
            Role::Secretariat => check_secretariat_id(&self.state),
        }
        .map_err(|r| p.invalid("state", r))?;
        check_origin(&self.origin).map_err(|r| p.invalid("origin", r))?;

        let l = &self.limits;
        let ranges = [
            (
                "tls.handshake_timeout_ms",
                self.tls.handshake_timeout_ms,
                HANDSHAKE_TIMEOUT_MS_RANGE,
            ),
            (
                "limits.max_message_bytes",
                l.max_message_bytes as u64,
                MAX_MESSAGE_BYTES_RANGE,
            ),
            (
                "limits.rpc_deadline_ms",
                l.rpc_deadline_ms,
                RPC_DEADLINE_MS_RANGE,
            ),
            ("limits.max_batch", l.max_batch as u64, MAX_BATCH_RANGE),
            (
                "limits.max_concurrent_streams",
                u64::from(l.max_concurrent_streams),
                MAX_CONCURRENT_STREAMS_RANGE,
            ),
            (
                "tls.first_byte_timeout_ms",
                self.tls.first_byte_timeout_ms,
                FIRST_BYTE_TIMEOUT_MS_RANGE,
            ),
            (
                "tls.max_handshakes_per_source",
                self.tls.max_handshakes_per_source as u64,
                MAX_HANDSHAKES_PER_SOURCE_RANGE,
            ),
            (
                "limits.max_connections",
                l.max_connections as u64,
                MAX_CONNECTIONS_RANGE,
            ),
            ("storage.cache_mb", self.storage.cache_mb, CACHE_MB_RANGE),
        ];
        for (key, value, range) in ranges {
            check_range(value, &range).map_err(|r| p.invalid(key, r))?;
        }
        let r = &self.release;
        let release_ranges = [
            ("release.embargo_days", r.embargo_days, 0..=366),
            ("release.federation_floor", r.federation_floor, 2..=1000),
            ("release.contribution_cap", r.contribution_cap, 1..=100_000),
            ("release.check_interval_s", r.check_interval_s, 1..=86_400),
        ];
        for (key, value, range) in release_ranges {
            check_range(value, &range).map_err(|r| p.invalid(key, r))?;
        }
        if r.k < r.federation_floor || r.k > 1000 {
            return Err(p.invalid(
                "release.k",
                format!(
                    "{} is below the federation floor {} (a node may raise k, never lower it)",
                    r.k, r.federation_floor
                ),
            ));
        }
        for t in r
            .noise_tables
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if !TABLE_IDS.contains(&t) {
                return Err(p.invalid(
                    "release.noise_tables",
                    format!("{t:?} is not a table; tables are {}", TABLE_IDS.join(", ")),
                ));
            }
        }
        let sy = &self.sync;
        for (key, value, range) in [
            ("sync.jitter_s", sy.jitter_s, 0..=86_400),
            ("sync.peer_deadline_s", sy.peer_deadline_s, 1..=86_400),
            ("sync.attempts", sy.attempts, 1..=20),
        ] {
            check_range(value, &range).map_err(|r| p.invalid(key, r))?;
        }
        crate::cron::Cron::parse(&sy.schedule).map_err(|e| p.invalid("sync.schedule", e))?;
        let mut seen = std::collections::BTreeSet::new();
        for (i, peer) in self.peers.iter().enumerate() {
            check_state(&peer.state).map_err(|r| p.invalid(&format!("peers[{i}].state"), r))?;
            if peer.state == self.state || !seen.insert(peer.state.clone()) {
                return Err(p.invalid(
                    &format!("peers[{i}].state"),
                    format!("{} is this node or listed twice", peer.state),
                ));
            }
            if !peer.endpoint.starts_with("https://") {
                return Err(p.invalid(
                    &format!("peers[{i}].endpoint"),
                    format!("{:?} must be https://host:port (mutual TLS)", peer.endpoint),
                ));
            }
            vrs_core::note::NoteVerifier::parse(&peer.vkey).map_err(|e| {
                p.invalid(
                    &format!("peers[{i}].vkey"),
                    format!("not a verifier key: {e}"),
                )
            })?;
        }
        for (key, v) in [
            ("release.epsilon", &r.epsilon),
            ("release.budget_cap", &r.budget_cap),
        ] {
            if parse_rational(v).is_none() {
                return Err(p.invalid(key, format!("{v:?} is not a positive rational num/den")));
            }
        }

        if self.metrics.enabled && self.metrics.listen == self.listen && self.listen.port() != 0 {
            return Err(p.invalid(
                "metrics.listen",
                format!("{} is also the gRPC listen address", self.listen),
            ));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level).map_err(|e| {
            p.invalid(
                "log.level",
                format!("{:?} is not a valid filter: {e}", self.log.level),
            )
        })?;

        let mut files = vec![
            ("tls.cert", &self.tls.cert),
            ("tls.key", &self.tls.key),
            ("tls.ca", &self.tls.ca),
        ];
        if let Some(crl) = &self.tls.crl {
            files.push(("tls.crl", crl));
        }
        for (key, path) in files {
            check_readable(path)
                .map_err(|r| p.invalid(key, format!("{r}; TLS files are made with `vrs pki`")))?;
        }
        check_readable(&self.node_key).map_err(|r| p.invalid("node_key", r))?;
        let signer = read_node_key(&self.node_key).map_err(|e| {
            p.invalid(
                "node_key",
                format!(
                    "{} is not a node signing key: {e} (`vrs-node init` makes one)",
                    self.node_key.display()
                ),
            )
        })?;
        // The ledger signs checkpoints under the key's name: it is the log's origin.
        if signer.name() != self.origin {
            return Err(p.invalid(
                "origin",
                format!(
                    "{:?} differs from the name {:?} of the node key {}; the origin is the \
                     key's name, so changing it needs a new key",
                    self.origin,
                    signer.name(),
                    self.node_key.display()
                ),
            ));
        }
        check_data_dir(&self.data_dir).map_err(|r| p.invalid("data_dir", r))?;
        Ok(())
    }
}

/// The default origin of `state`'s log: `vrs.example/state/<STATE>`.
pub fn default_origin(state: &str) -> String {
    format!("{DEFAULT_ORIGIN_PREFIX}{state}")
}

fn one_line(s: &str) -> String {
    s.trim().replace('\n', "; ")
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let (line, column) = match e.span() {
        Some(span) => {
            let (l, c) = line_column(text, span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    ConfigError::Syntax {
        path: path.to_owned(),
        line,
        column,
        message: one_line(e.message()),
    }
}

/// The line of every key (leaves and tables) written in the file.
fn key_lines(path: &Path, text: &str) -> Result<BTreeMap<String, usize>, ConfigError> {
    fn walk(
        table: &toml::de::DeTable<'_>,
        prefix: &str,
        text: &str,
        out: &mut BTreeMap<String, usize>,
    ) {
        for (k, v) in table.iter() {
            let path = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            out.insert(path.clone(), line_column(text, k.span().start).0);
            if let toml::de::DeValue::Table(t) = v.get_ref() {
                walk(t, &path, text, out);
            }
        }
    }
    let root = toml::de::DeTable::parse(text).map_err(|e| syntax_error(path, text, &e))?;
    let mut out = BTreeMap::new();
    walk(root.get_ref(), "", text, &mut out);
    Ok(out)
}

fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut v = table.get(parts.next()?)?;
    for part in parts {
        v = v.as_table()?.get(part)?;
    }
    Some(v)
}

fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
    provenance: &mut Provenance,
) -> Result<(), ConfigError> {
    let mut vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !NON_CONFIG_VARS.contains(&k.as_str()))
        .collect();
    // Deterministic: the first error reported does not depend on the environment's order.
    vars.sort();
    for (var, raw) in vars {
        let Some(key) = KEYS.iter().find(|k| env_var_name(k.path) == var) else {
            return Err(ConfigError::UnknownEnv { var });
        };
        let bad = |reason: String| ConfigError::Invalid {
            key: key.path.to_owned(),
            set_by: SetBy::Env { var: var.clone() },
            reason,
        };
        let value = match key.kind {
            _ if raw.is_empty() && key.presence == Presence::Optional => None,
            Kind::Int => {
                Some(Value::Integer(raw.trim().parse::<i64>().map_err(|_| {
                    bad(format!("{raw:?} is not {}", key.kind.expected()))
                })?))
            }
            Kind::Bool => match raw.trim() {
                "true" => Some(Value::Boolean(true)),
                "false" => Some(Value::Boolean(false)),
                _ => return Err(bad(format!("{raw:?} is not {}", key.kind.expected()))),
            },
            Kind::Str | Kind::Path | Kind::Addr | Kind::Choice(_) => {
                Some(Value::String(raw.clone()))
            }
        };
        // Descend, creating sections the file does not have.
        let mut parts: Vec<&str> = key.path.split('.').collect();
        let leaf = parts.pop().unwrap_or(key.path);
        let mut t: &mut toml::Table = table;
        let mut section = String::new();
        for part in parts {
            if !section.is_empty() {
                section.push('.');
            }
            section.push_str(part);
            let entry = t
                .entry(part.to_owned())
                .or_insert_with(|| Value::Table(toml::Table::new()));
            t = match entry {
                Value::Table(inner) => inner,
                other => {
                    return Err(provenance.invalid(
                        &section,
                        format!("expected a table, found {}", type_name(other)),
                    ));
                }
            };
        }
        match value {
            Some(v) => {
                t.insert(leaf.to_owned(), v);
            }
            None => {
                t.remove(leaf);
            }
        }
        provenance.env.insert(key.path.to_owned(), var);
    }
    Ok(())
}

fn validate_table(
    table: &toml::Table,
    prefix: &str,
    provenance: &Provenance,
) -> Result<(), ConfigError> {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let Some(key) = find_key(&path) {
            check_kind(key.kind, v).map_err(|r| provenance.invalid(&path, r))?;
        } else if path == "peers" {
            let Value::Array(items) = v else {
                return Err(provenance.invalid(&path, "expected [[peers]] tables"));
            };
            for (i, item) in items.iter().enumerate() {
                let Value::Table(t) = item else {
                    return Err(provenance.invalid(&format!("peers[{i}]"), "expected a table"));
                };
                for want in PEER_KEYS {
                    match t.get(*want) {
                        Some(Value::String(_)) => {}
                        _ => {
                            return Err(provenance
                                .invalid(&format!("peers[{i}].{want}"), "required (a string)"));
                        }
                    }
                }
                if let Some(k) = t.keys().find(|k| !PEER_KEYS.contains(&k.as_str())) {
                    return Err(provenance.invalid(
                        &format!("peers[{i}].{k}"),
                        "unknown key; a peer has state, endpoint and vkey",
                    ));
                }
            }
        } else if is_section(&path) {
            match v {
                Value::Table(t) => validate_table(t, &path, provenance)?,
                other => {
                    return Err(provenance.invalid(
                        &path,
                        format!("expected a table [{path}], found {}", type_name(other)),
                    ));
                }
            }
        } else {
            return Err(provenance.invalid(&path, unknown_key_reason(prefix)));
        }
    }
    Ok(())
}

fn unknown_key_reason(section: &str) -> String {
    let known: Vec<&str> = KEYS
        .iter()
        .filter_map(|k| {
            let rest = if section.is_empty() {
                Some(k.path)
            } else {
                k.path.strip_prefix(section)?.strip_prefix('.')
            }?;
            // Direct children only: `tls` rather than `tls.cert` at the top level.
            Some(rest.split('.').next().unwrap_or(rest))
        })
        .fold(Vec::new(), |mut acc, k| {
            if !acc.contains(&k) {
                acc.push(k);
            }
            acc
        });
    let place = if section.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("in [{section}]")
    };
    format!("unknown key; known keys {place}: {}", known.join(", "))
}

// ---------------------------------------------------------------------------------------
// Value checks
// ---------------------------------------------------------------------------------------

fn check_state(state: &str) -> Result<(), String> {
    if state.len() != 3 || !state.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "{state:?} is not an ISO 3166-1 alpha-3 code (three upper-case letters, e.g. \"AUS\")"
        ));
    }
    if !vrs_core::codes::is_country(state) {
        return Err(format!(
            "{state:?} is not an assigned ISO 3166-1 alpha-3 country code"
        ));
    }
    Ok(())
}

fn check_secretariat_id(id: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not a secretariat id (1 to 64 of [A-Za-z0-9._-]) for role = \"secretariat\""
        ))
    }
}

fn check_origin(origin: &str) -> Result<(), String> {
    if origin.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if origin.chars().any(char::is_whitespace) {
        return Err(format!("{origin:?} contains white space"));
    }
    if origin.contains('+') {
        return Err(format!("{origin:?} contains '+'"));
    }
    if !vrs_core::note::is_valid_key_name(origin) {
        return Err(format!("{origin:?} contains a control character"));
    }
    Ok(())
}

fn check_range(value: u64, range: &RangeInclusive<u64>) -> Result<(), String> {
    if value < *range.start() {
        Err(format!("{value} is below the minimum {}", range.start()))
    } else if value > *range.end() {
        Err(format!("{value} is above the maximum {}", range.end()))
    } else {
        Ok(())
    }
}

fn check_readable(path: &Path) -> Result<(), String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    Ok(())
}

fn check_data_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} exists and is not a directory", dir.display()));
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

// ---------------------------------------------------------------------------------------
// Node signing key file
// ---------------------------------------------------------------------------------------

/// Reads a node signing key file written by [`init`]: `#` comment lines and one line
/// `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` (Go's note signer format,
/// [`NoteSigner::from_signer_key`]). The key's name is the log origin.
pub fn read_node_key(path: &Path) -> io::Result<NoteSigner> {
    let text = fs::read_to_string(path)?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("PRIVATE+KEY+"))
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no PRIVATE+KEY+ line"))?;
    NoteSigner::from_signer_key(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn format_node_key(signer: &NoteSigner) -> String {
    format!(
        "# vrs node signing key (Ed25519) for checkpoints and releases.\n\
         # SECRET: keep this file private (mode 0600) and backed up.\n\
         # Verifier key, for peers to pin: {}\n\
         {}\n",
        signer.verifier_key(),
        signer.signer_key()
    )
}

// ---------------------------------------------------------------------------------------
// Starter file and `init`
// ---------------------------------------------------------------------------------------

fn toml_str(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// A commented starter configuration for `state`, with every key, its default, and what
/// it does. `data_dir` and `node_key` are written as given (relative paths are resolved
/// against the directory of the configuration file). The TLS files point to
/// `tls/node.crt`, `tls/node.key` and `tls/ca.crt`, which `vrs pki` makes.
pub fn starter_config(state: &str, data_dir: &Path, node_key: &Path) -> String {
    let origin = default_origin(state);
    format!(
        r#"# vrs-node configuration.
#
# Every key can be overridden by an environment variable VRS_<SECTION>_<KEY> in upper
# case, e.g. VRS_LISTEN, VRS_TLS_CERT, VRS_LIMITS_MAX_MESSAGE_BYTES. The environment
# wins over this file, and this file over the built-in defaults shown here.
# Relative paths are resolved against the directory of this file.

# Address of the gRPC server (mutual TLS). Default "{listen}" (loopback only);
# use e.g. "0.0.0.0:7400" to serve other hosts.
listen = "{listen}"

# This node's State: ISO 3166-1 alpha-3 code, upper case. Required.
state = {state}

# Origin of this node's log: the first line of its checkpoints. It must be the name
# of the node key below (`vrs-node init` names the key after the default origin), so
# changing it needs a new key. No white space, no '+'. Default "{origin_prefix}<STATE>".
origin = {origin}

# Directory of the node's database; created if missing. Default "{data_dir_default}".
data_dir = {data_dir}

# "state" for a State's node (default); "secretariat" is reserved for regional
# secretariats.
role = "state"

# The node's Ed25519 signing key for checkpoints and releases, written by
# `vrs-node init` with mode 0600. Default "{node_key_default}".
node_key = {node_key}

[tls]
# Mutual TLS. Required. Make the CA, this node's certificate (SAN
# vrs://state/{state_raw}/node) and its key with the CLI: see `vrs pki --help`.
cert = "tls/node.crt"
key = "tls/node.key"
# CA certificate(s) that clients' and peers' certificates must chain to.
ca = "tls/ca.crt"
# Optional certificate revocation list of the CA (PEM).
# crl = "tls/ca.crl"
# Time allowed for a TLS handshake, milliseconds ({hs_min} to {hs_max}).
handshake_timeout_ms = {hs}
# A connection that has sent nothing after this many milliseconds is closed.
first_byte_timeout_ms = {fb}
# Most handshakes in progress from one source address (1 to 1024).
max_handshakes_per_source = {per_source}

[limits]
# Largest gRPC message, bytes ({mmb_min} to {mmb_max}; default 1 MiB).
max_message_bytes = {mmb}
# Deadline of one RPC, milliseconds ({rpc_min} to {rpc_max}).
rpc_deadline_ms = {rpc}
# Most submissions made durable by one group commit ({batch_min} to {batch_max}).
max_batch = {batch}
# Most concurrent HTTP/2 streams per connection ({streams_min} to {streams_max}).
max_concurrent_streams = {streams}
# Most open connections whose handshake completed (handshakes are counted apart).
max_connections = {max_conns}

[storage]
# sled's page cache, MiB (16 to 1048576; sled's own default would be 1 GiB).
cache_mb = {cache_mb}

[metrics]
# Serve metrics (default true).
enabled = true
# Address of the metrics endpoint. Default "{metrics}" (loopback only).
listen = "{metrics}"

[log]
# "text" (default) or "json" (one object per line).
format = "text"
# A tracing filter: a level (trace, debug, info, warn, error) or directives such as
# "info,vrs_node=debug". Default "{level}".
level = "{level}"

[release]
# Release period: "month" (default) or "week".
period = "month"
# Days after a period's end before it closes and is released (0 to 366).
embargo_days = 7
# Threshold k: cells of 1 to k-1 are suppressed. Never below the federation floor.
k = 5
# The federation's floor for k (set by the federation; a node may only raise k).
federation_floor = 5
# Tables released with differential-privacy noise instead of suppression,
# comma-separated, e.g. "PERSONS,MOVEMENTS". Default: none.
noise_tables = ""
# Epsilon per table per period for noisy tables, and the cap per period (num/den).
epsilon = "1/1"
budget_cap = "2/1"
# Persons (or documents) one report may add under the noise policy.
contribution_cap = 50
# How often the release scheduler looks for periods that are due, seconds.
check_interval_s = 3600

[sync]
# When to sync with peers: cron (minute hour day-of-month month day-of-week, UTC).
schedule = "0 2 * * *"
# Random delay added to each scheduled run, so a federation does not stampede.
jitter_s = 900
# Deadline of one peer's run, seconds; attempts per run (exponential backoff).
peer_deadline_s = 300
attempts = 4

# One [[peers]] table per peer node: its State, endpoint and pinned verifier key.
# [[peers]]
# state = "IDN"
# endpoint = "https://idn.example:7400"
# vkey = "vrs.example/state/IDN+1a2b3c4d+AX..."
"#,
        listen = DEFAULT_LISTEN,
        state = toml_str(state),
        state_raw = state,
        origin_prefix = DEFAULT_ORIGIN_PREFIX,
        origin = toml_str(&origin),
        data_dir_default = DEFAULT_DATA_DIR,
        data_dir = toml_str(&data_dir.to_string_lossy()),
        node_key_default = NODE_KEY_FILE_NAME,
        node_key = toml_str(&node_key.to_string_lossy()),
        hs = DEFAULT_HANDSHAKE_TIMEOUT_MS,
        fb = DEFAULT_FIRST_BYTE_TIMEOUT_MS,
        per_source = DEFAULT_MAX_HANDSHAKES_PER_SOURCE,
        max_conns = DEFAULT_MAX_CONNECTIONS,
        cache_mb = DEFAULT_CACHE_MB,
        hs_min = HANDSHAKE_TIMEOUT_MS_RANGE.start(),
        hs_max = HANDSHAKE_TIMEOUT_MS_RANGE.end(),
        mmb = DEFAULT_MAX_MESSAGE_BYTES,
        mmb_min = MAX_MESSAGE_BYTES_RANGE.start(),
        mmb_max = MAX_MESSAGE_BYTES_RANGE.end(),
        rpc = DEFAULT_RPC_DEADLINE_MS,
        rpc_min = RPC_DEADLINE_MS_RANGE.start(),
        rpc_max = RPC_DEADLINE_MS_RANGE.end(),
        batch = DEFAULT_MAX_BATCH,
        batch_min = MAX_BATCH_RANGE.start(),
        batch_max = MAX_BATCH_RANGE.end(),
        streams = DEFAULT_MAX_CONCURRENT_STREAMS,
        streams_min = MAX_CONCURRENT_STREAMS_RANGE.start(),
        streams_max = MAX_CONCURRENT_STREAMS_RANGE.end(),
        metrics = DEFAULT_METRICS_LISTEN,
        level = DEFAULT_LOG_LEVEL,
    )
}

/// What [`init`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOutput {
    /// The configuration file, `<dir>/vrs-node.toml`.
    pub config_path: PathBuf,
    /// The node signing key file, `<dir>/node-signing.key` (mode 0600).
    pub node_key_path: PathBuf,
    /// The signing key's name: the default origin of the State's log.
    pub key_name: String,
    /// The verifier key `name+hex(key ID)+base64(0x01 || public key)`, for peers to pin.
    pub verifier_key: String,
}

impl fmt::Display for InitOutput {
    /// What was written and what to do next, for the operator.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = self.config_path.parent().unwrap_or(Path::new("."));
        writeln!(f, "wrote {}", self.config_path.display())?;
        writeln!(
            f,
            "wrote {} (mode 0600; secret, back it up)",
            self.node_key_path.display()
        )?;
        writeln!(
            f,
            "node verifier key (give it to peers): {}",
            self.verifier_key
        )?;
        write!(
            f,
            "next: make the TLS files with `vrs pki` ({0}/tls/node.crt, node.key, ca.crt), \
             then run `vrs-node run --config {1}`",
            dir.display(),
            self.config_path.display()
        )
    }
}

/// Why [`init`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// The State code is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file to be written exists already; nothing was written.
    #[error("init error: {} already exists; refusing to overwrite it", .path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// A directory or file could not be created or written.
    #[error("init error: cannot write {}: {error}", .path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The system's random number generator failed.
    #[error("init error: the system random number generator failed")]
    Random,
}

/// Creates `dir` if needed and writes in it a starter `vrs-node.toml` for `state`
/// and a fresh node signing key (Ed25519 seed from the system CSPRNG, mode 0600 from
/// creation). Refuses, writing nothing, if either file exists. Does not make TLS
/// material (that is `vrs pki`).
pub fn init(dir: &Path, state: &str) -> Result<InitOutput, InitError> {
    check_state(state).map_err(|reason| ConfigError::Invalid {
        key: "state".to_owned(),
        set_by: SetBy::Default,
        reason,
    })?;
    let config_path = dir.join(CONFIG_FILE_NAME);
    let node_key_path = dir.join(NODE_KEY_FILE_NAME);
    for path in [&config_path, &node_key_path] {
        if fs::symlink_metadata(path).is_ok() {
            return Err(InitError::Exists { path: path.clone() });
        }
    }
    fs::create_dir_all(dir).map_err(|error| InitError::Write {
        path: dir.to_owned(),
        error,
    })?;

    let rng = ring::rand::SystemRandom::new();
    let seed: [u8; 32] = ring::rand::generate(&rng)
        .map_err(|_| InitError::Random)?
        .expose();
    let key_name = default_origin(state);
    let signer = NoteSigner::from_seed(&key_name, &seed).map_err(|e| ConfigError::Invalid {
        key: "origin".to_owned(),
        set_by: SetBy::Default,
        reason: format!("{key_name:?} is not a key name: {e}"),
    })?;

    write_new(&node_key_path, 0o600, format_node_key(&signer).as_bytes())?;
    let config = starter_config(
        state,
        Path::new(DEFAULT_DATA_DIR),
        Path::new(NODE_KEY_FILE_NAME),
    );
    write_new(&config_path, 0o644, config.as_bytes())?;
    // Make the new directory entries durable too.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(InitOutput {
        config_path,
        node_key_path,
        key_name,
        verifier_key: signer.verifier_key(),
    })
}

/// Creates `path` (failing if it exists) with `mode` from the start, writes and syncs.
fn write_new(path: &Path, mode: u32, bytes: &[u8]) -> Result<(), InitError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|error| {
            if error.kind() == io::ErrorKind::AlreadyExists {
                InitError::Exists {
                    path: path.to_owned(),
                }
            } else {
                InitError::Write {
                    path: path.to_owned(),
                    error,
                }
            }
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|error| InitError::Write {
            path: path.to_owned(),
            error,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config with every optional field set, serialized: its leaves must be exactly
    /// the key table, with matching kinds.
    #[test]
    fn key_table_matches_the_structs() {
        let config = Config {
            listen: default_listen(),
            state: "AUS".into(),
            origin: default_origin("AUS"),
            data_dir: "d".into(),
            role: Role::Secretariat,
            node_key: "k".into(),
            tls: TlsConfig {
                cert: "c".into(),
                key: "k".into(),
                ca: "a".into(),
                crl: Some("r".into()),
                handshake_timeout_ms: 1,
                first_byte_timeout_ms: 1,
                max_handshakes_per_source: 1,
            },
            limits: Limits::default(),
            storage: StorageConfig::default(),
            metrics: MetricsConfig::default(),
            log: LogConfig::default(),
            release: ReleaseConfig::default(),
            sync: SyncConfig::default(),
            peers: Vec::new(),
            provenance: Provenance::default(),
        };
        let Value::Table(table) = Value::try_from(&config).expect("serializes") else {
            panic!("not a table");
        };
        let mut leaves = Vec::new();
        fn walk(t: &toml::Table, prefix: &str, out: &mut Vec<(String, Value)>) {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v {
                    Value::Table(inner) => walk(inner, &path, out),
                    v => out.push((path, v.clone())),
                }
            }
        }
        walk(&table, "", &mut leaves);
        let mut paths: Vec<&str> = leaves.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort_unstable();
        let mut keys: Vec<&str> = config_keys().collect();
        keys.sort_unstable();
        assert_eq!(paths, keys);
        for (path, v) in &leaves {
            let key = find_key(path).expect("known");
            assert_eq!(check_kind(key.kind, v), Ok(()), "{path}");
        }
    }

    #[test]
    fn choices_match_the_enums() {
        for w in ROLES {
            assert!(Role::deserialize(Value::String((*w).into())).is_ok(), "{w}");
        }
        for w in LOG_FORMATS {
            let f = LogFormat::deserialize(Value::String((*w).into())).expect("variant");
            assert_eq!(f.as_str(), *w);
        }
    }

    #[test]
    fn env_var_names_are_unique() {
        let mut names: Vec<String> = config_keys().map(env_var_name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
        for v in NON_CONFIG_VARS {
            assert!(!names.iter().any(|n| n == v), "{v}");
        }
    }

    #[test]
    fn starter_config_mentions_every_key() {
        let text = starter_config("AUS", Path::new("data"), Path::new("k"));
        let mut section = String::new();
        let mut seen = Vec::new();
        for line in text.lines() {
            let line = line.trim_start_matches("# ").trim();
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = s.to_owned();
            } else if let Some((k, _)) = line.split_once(" = ") {
                let k = k.trim();
                seen.push(if section.is_empty() {
                    k.to_owned()
                } else {
                    format!("{section}.{k}")
                });
            }
        }
        for k in config_keys() {
            assert!(seen.iter().any(|s| s == k), "starter config lacks {k}");
        }
    }

    #[test]
    fn node_key_file_holds_a_signer_key_line() {
        let signer = NoteSigner::from_seed("vrs.example/state/AUS", &[7u8; 32]).expect("key");
        let text = format_node_key(&signer);
        let line = text
            .lines()
            .find(|l| l.starts_with("PRIVATE+KEY+vrs.example/state/AUS+"))
            .expect("signer line");
        let back = NoteSigner::from_signer_key(line).expect("parses");
        assert_eq!(back.verifier_key(), signer.verifier_key());
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("a = 1\nbé = x", 10), (2, 4));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
