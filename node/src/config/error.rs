//! Where each setting came from, and the configuration's errors.

use super::*;

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

    pub(super) fn invalid(&self, key: &str, reason: impl Into<String>) -> ConfigError {
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
        /// The variable, e.g. `VRS_NODE_TLS_CERT`.
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
    /// How an error names `key` set this way: `VRS_NODE_TLS_CERT (tls.cert)`,
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
    /// A `VRS_NODE_` environment variable that names no configuration key.
    #[error(
        "config error at {var}: no configuration key has this variable \
         (keys map to VRS_NODE_<SECTION>_<KEY>, e.g. VRS_NODE_TLS_CERT)"
    )]
    UnknownEnv {
        /// The variable.
        var: String,
    },
    /// A variable the node read before its variables had the `VRS_NODE_` prefix.
    #[error(
        "config error at {var}: the node no longer reads this variable; use {new} \
         (the node's variables are VRS_NODE_…, and VRS_… are the vrs client's)"
    )]
    RenamedEnv {
        /// The old name, e.g. `VRS_LISTEN`.
        var: String,
        /// The new name, e.g. `VRS_NODE_LISTEN`.
        new: String,
    },
    /// The checked table did not deserialize: the key table and the types disagree
    /// (a bug, caught by this module's tests).
    #[error("config error: {message}")]
    Deserialize {
        /// The deserializer's message.
        message: String,
    },
}

pub(super) fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}
