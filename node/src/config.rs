//! The node's configuration: a typed TOML file, `VRS_NODE_*` environment overrides,
//! and semantic checks, all run before any port is bound.
//!
//! Precedence, highest first: environment variable, file, built-in default. Every key
//! `a.b` can be set by the variable `VRS_NODE_A_B` (upper case), e.g. `listen` by
//! `VRS_NODE_LISTEN` and `limits.max_message_bytes` by
//! `VRS_NODE_LIMITS_MAX_MESSAGE_BYTES`. A `VRS_NODE_` variable that names no key is an
//! error, except those in [`NON_CONFIG_VARS`].
//!
//! The node has a namespace of its own because the `vrs` client's variables are
//! `VRS_…` (`VRS_PROFILE`, `VRS_CA`, …) and operators export both in one shell: the
//! node ignores every other `VRS_` variable, except a name the node read before it
//! had its own prefix (`VRS_LISTEN`, `VRS_TLS_CERT`, `VRS_LOG`, …), which is refused
//! with a message that names the new one ([`ConfigError::RenamedEnv`]), so that a
//! setting is never silently dropped.
//!
//! Relative paths, whether they come from the file, the environment or a default, are
//! resolved against the directory of the configuration file, so a node started by a
//! service manager does not depend on its working directory.
//!
//! The binary does, in this order: [`Config::load`] (syntax, keys, types),
//! [`Config::check`] (values, files), and on any [`ConfigError`] prints it and exits
//! with [`EXIT_CONFIG`].
//!
//! Here: the typed settings, the node key file and the unit tests; in the submodules,
//! provenance and errors (`error`), the key table (`keys`), loading and value checks
//! (`load`), the starter file and `init` (`init`).
//!
//! Adding a key: add the field (with a serde default unless it is required), add one
//! line to `KEYS` (`config/keys.rs`), add it to [`starter_config`] and to
//! `Config::check` if it has constraints. The unit tests at the end of this file fail
//! if the three disagree. Sections that hold lists (a later `[[peers]]`) need a
//! table-array arm in `validate_table`; they cannot be set from the environment.

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

mod error;
mod init;
mod keys;
mod load;

pub use error::*;
pub use init::*;
pub use keys::*;
pub use load::default_origin;
use load::*;

/// Process exit status for any configuration error (like `EX_USAGE` of sysexits.h).
pub const EXIT_CONFIG: i32 = 64;

/// File name of the configuration written by [`init`].
pub const CONFIG_FILE_NAME: &str = "vrs-node.toml";

/// File name of the node signing key written by [`init`], and the default of `node_key`.
pub const NODE_KEY_FILE_NAME: &str = "node-signing.key";

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "VRS_NODE_";

/// The prefix the node's variables had before they had a namespace of their own; it
/// is the `vrs` client's now. A variable that was a node setting under it is refused
/// with its new name ([`renamed_env_var`]); any other is the client's and ignored.
pub const OLD_ENV_PREFIX: &str = "VRS_";

/// The `tracing` filter of the binary (overrides `log.level`), e.g.
/// `VRS_NODE_LOG=info,vrs_node::sync=debug`.
pub const LOG_FILTER_VAR: &str = "VRS_NODE_LOG";

/// `VRS_NODE_` variables that are not configuration keys and are ignored by
/// [`Config::load`]: `VRS_NODE_CONFIG` (the configuration file itself, for a `--config`
/// flag), [`LOG_FILTER_VAR`] and `VRS_NODE_BIN` (the path to the binary that the
/// end-to-end test harness and `vrs demo` read, inherited by the nodes they start).
pub const NON_CONFIG_VARS: &[&str] = &["VRS_NODE_CONFIG", LOG_FILTER_VAR, "VRS_NODE_BIN"];

/// Old names that were no configuration key but were read by the node, with their
/// new names.
pub const RENAMED_VARS: &[(&str, &str)] = &[
    ("VRS_CONFIG", "VRS_NODE_CONFIG"),
    ("VRS_LOG", LOG_FILTER_VAR),
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
    /// `[roster]`: the federation roster and the keys that sign it (05-sync.md).
    #[serde(default)]
    pub roster: RosterConfig,
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
    /// Reciprocity, signed into every release this node makes: `none` (default: every
    /// peer and secretariat is served) or `period` (a peer State is served a release
    /// of a period only by a node that holds that State's own release of the period).
    pub reciprocity: String,
    /// Under `period`, whether secretariats are held to it too. Default false.
    pub reciprocity_secretariats: bool,
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
            reciprocity: "none".into(),
            reciprocity_secretariats: false,
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

/// `[roster]`: the signed federation roster (05-sync.md). With `keys_file` set, the
/// node takes a roster signed by at least `threshold` of the keys in it (from `file` at
/// start, from `vrs roster publish`, or from a peer's sync, strictly newer versions
/// only), and verifies the releases and checkpoints of every member under the member's
/// roster keys valid at the time: an origin need not be a peer, and a rotated node key
/// needs no configuration edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RosterConfig {
    /// A file of the pinned roster verifier keys, one `name+keyid+base64` per line
    /// (`#` comments allowed; what `vrs roster keygen` writes to `<name>.vkey`).
    /// Unset: no roster; every key comes from `[[peers]]`.
    pub keys_file: Option<PathBuf>,
    /// How many distinct pinned keys must sign a roster. Default 1.
    pub threshold: u64,
    /// A signed roster note to take at start when it is newer than the one held.
    pub file: Option<PathBuf>,
}

impl RosterConfig {
    /// The signatures a roster needs (at least 1).
    pub fn needed(&self) -> usize {
        self.threshold.max(1) as usize
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
    /// releases must verify under it. May be left out when a roster lists the peer:
    /// the roster's keys then apply (and take precedence when both are given).
    #[serde(default, skip_serializing_if = "String::is_empty")]
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
            roster: RosterConfig {
                keys_file: Some("r".into()),
                threshold: 1,
                file: Some("f".into()),
            },
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
        // An old name maps to one new name, and never to a variable of the new
        // namespace that means something else.
        for key in config_keys() {
            let old = format!(
                "{OLD_ENV_PREFIX}{}",
                key.replace('.', "_").to_ascii_uppercase()
            );
            assert_eq!(
                renamed_env_var(&old).as_deref(),
                Some(env_var_name(key).as_str())
            );
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
