//! The starter file and `vrs-node init`.

use super::*;

pub(super) fn toml_str(s: &str) -> String {
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
# Variables VRS_NODE_<SECTION>_<KEY> (VRS_NODE_LISTEN, VRS_NODE_TLS_CERT, ...) override
# this file, which overrides the defaults shown here; VRS_NODE_LOG is the log filter.
# VRS_... (VRS_PROFILE) are the vrs client's; old names (VRS_LISTEN) are refused.
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
# Reciprocity, signed into every release: "none" (default) or "period" (a peer State
# gets a period's releases once this node holds its own; honest relays apply it too).
reciprocity = "none"
reciprocity_secretariats = false  # under "period", hold secretariats to it too

[sync]
# When to sync with peers: cron (minute hour day-of-month month day-of-week, UTC).
schedule = "0 2 * * *"
# Random delay added to each scheduled run, so a federation does not stampede.
jitter_s = 900
# Deadline of one peer's run, seconds; attempts per run (exponential backoff).
peer_deadline_s = 300
attempts = 4

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
    ) + FEDERATION_TAIL
}

/// The end of the starter configuration: the roster and the peers (nothing to fill in).
const FEDERATION_TAIL: &str = r#"[roster]
# The signed federation roster (05-sync.md): members, their node keys with validity,
# endpoints. Pin the roster keys here (one verifier key per line, as `vrs roster
# keygen` writes them); a roster then needs `threshold` of them to sign it, and only a
# strictly newer version replaces the one held. With a roster, a peer's vkey may be left
# out, and releases relayed from States that are not peers verify under the roster.
# keys_file = "roster.vkeys"
threshold = 1
# A signed roster note to take at start (or give one later: vrs roster publish).
# file = "roster.note"

# One [[peers]] table per peer node: its State, endpoint and pinned verifier key (the
# key may be left out when the roster lists the peer).
# [[peers]]
# state = "IDN"
# endpoint = "https://idn.example:7400"
# vkey = "vrs.example/state/IDN+1a2b3c4d+AX..."
"#;

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
pub(super) fn write_new(path: &Path, mode: u32, bytes: &[u8]) -> Result<(), InitError> {
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
