//! The key table: what can be set, and how an environment value is read.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
    pub(super) fn expected(self) -> String {
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
pub(super) enum Presence {
    Required,
    Defaulted,
    Optional,
}

#[derive(Debug)]
pub(super) struct Key {
    pub(super) path: &'static str,
    pub(super) kind: Kind,
    pub(super) presence: Presence,
}

pub(super) const fn key(path: &'static str, kind: Kind, presence: Presence) -> Key {
    Key {
        path,
        kind,
        presence,
    }
}

pub(super) const ROLES: &[&str] = &["state", "secretariat"];
pub(super) const LOG_FORMATS: &[&str] = &["text", "json"];
pub(super) const PERIODS: &[&str] = &["month", "week"];
pub(super) const RECIPROCITY: &[&str] = &["none", "period"];
pub(super) const PEER_KEYS: &[&str] = &["state", "endpoint", "vkey"];
/// Of [`PEER_KEYS`], those a peer must have (`vkey` may come from the roster).
pub(super) const PEER_REQUIRED: &[&str] = &["state", "endpoint"];
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
pub(super) const KEYS: &[Key] = &[
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
    key(
        "release.reciprocity",
        Kind::Choice(RECIPROCITY),
        Presence::Defaulted,
    ),
    key(
        "release.reciprocity_secretariats",
        Kind::Bool,
        Presence::Defaulted,
    ),
    key("sync.schedule", Kind::Str, Presence::Defaulted),
    key("sync.jitter_s", Kind::Int, Presence::Defaulted),
    key("sync.peer_deadline_s", Kind::Int, Presence::Defaulted),
    key("sync.attempts", Kind::Int, Presence::Defaulted),
    key("roster.keys_file", Kind::Path, Presence::Optional),
    key("roster.threshold", Kind::Int, Presence::Defaulted),
    key("roster.file", Kind::Path, Presence::Optional),
];

/// The dotted names of all configuration keys, e.g. `tls.cert`.
pub fn config_keys() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|k| k.path)
}

/// The environment variable that overrides `key`: `tls.cert` → `VRS_NODE_TLS_CERT`.
pub fn env_var_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "_").to_ascii_uppercase())
}

/// The new name of a variable the node read before it had the `VRS_NODE_` prefix:
/// `VRS_LISTEN` → `VRS_NODE_LISTEN`, `VRS_NODE_KEY` (the old `node_key`) →
/// `VRS_NODE_NODE_KEY`, `VRS_LOG` → `VRS_NODE_LOG`. `None` for any other name,
/// the client's (`VRS_PROFILE`) among them.
pub fn renamed_env_var(var: &str) -> Option<String> {
    if let Some((_, new)) = RENAMED_VARS.iter().find(|(old, _)| *old == var) {
        return Some((*new).to_owned());
    }
    let rest = var.strip_prefix(OLD_ENV_PREFIX)?;
    KEYS.iter()
        .find(|k| k.path.replace('.', "_").to_ascii_uppercase() == rest)
        .map(|k| env_var_name(k.path))
}

/// The `VRS_*` variables of this process (the node's `VRS_NODE_*` and, to refuse
/// the old names, the rest), for [`Config::load`]. Unlike
/// `std::env::vars`, it does not panic on a non-UTF-8 variable: a non-UTF-8 name is
/// skipped, a non-UTF-8 value converted lossily (invalid bytes become U+FFFD).
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            k.starts_with(OLD_ENV_PREFIX)
                .then(|| (k, v.to_string_lossy().into_owned()))
        })
        .collect()
}

pub(super) fn find_key(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.path == path)
}

pub(super) fn is_section(path: &str) -> bool {
    KEYS.iter().any(|k| {
        k.path
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

pub(super) fn quoted_list(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn type_name(v: &Value) -> &'static str {
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
pub(super) fn check_kind(kind: Kind, v: &Value) -> Result<(), String> {
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
