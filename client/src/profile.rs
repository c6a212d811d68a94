//! Client profiles: where a node is and who the caller is.
//!
//! A profile lives in a TOML file, by default `$XDG_CONFIG_HOME/vrs/config.toml`
//! (`~/.config/vrs/config.toml`); another file is chosen with `--config` or
//! `VRS_CLIENT_CONFIG`:
//!
//! ```toml
//! default_profile = "aus-fp1"          # optional; a file with one profile needs none
//!
//! [profiles.aus-fp1]
//! endpoint = "https://vrs.aus.example:7400"   # the node (https only: mutual TLS)
//! ca = "tls/ca.crt"                            # CA certificate(s), PEM
//! cert = "tls/fp.crt"                          # this identity's certificate, PEM
//! key = "tls/fp.key"                           # its private key, PEM (mode 0600)
//! signing_key = "fp-k1.key"                    # focal points: report signing key
//! vkey = "vrs.example/state/AUS+1a2b3c4d+AX…"  # the node's verifier key (or vkey_file)
//! server_name = "localhost"                    # optional: TLS name to verify
//! timeout_secs = 10                            # optional: deadline of every call
//! ```
//!
//! # The federation's keys
//!
//! Releases are signed by their origin's node and relayed by any node, so commands that
//! read releases (`vrs releases`, `vrs region`) verify each one under the verifier key
//! pinned for its origin State. The pins come from a keys file, an inline table, or both,
//! set at the top of the file (for every profile) or in a profile:
//!
//! ```toml
//! keys_file = "federation.keys"      # lines "STATE VKEY" (`vrs pki init` writes one)
//!
//! [profiles.roseap]
//! # ...
//! origin_keys = { IDN = "vrs.example/state/IDN+5e6f7a8b+AY…" }
//! ```
//!
//! A keys file holds one `STATE VKEY` pair per line; blank lines and lines starting with
//! `#` are ignored. When a State is pinned more than once, the last wins, in this order:
//! the top-level `keys_file`, the top-level `origin_keys`, the profile's `keys_file`, the
//! profile's `origin_keys`. (No environment variable sets them: `vrs-node` refuses
//! `VRS_` variables it does not know, and operators share shells.)
//!
//! Relative paths are resolved against the directory of the file, `~/` against `$HOME`.
//! Environment variables override the file, key by key: [`ENV_VARS`]. With
//! `VRS_ENDPOINT`, `VRS_CA`, `VRS_CERT` and `VRS_KEY` set, no file is needed at all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Default deadline of one call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Environment variables read by [`load`], and the profile key each one overrides.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("VRS_CLIENT_CONFIG", "(the configuration file)"),
    ("VRS_PROFILE", "(the profile to use)"),
    ("VRS_ENDPOINT", "endpoint"),
    ("VRS_CA", "ca"),
    ("VRS_CERT", "cert"),
    ("VRS_KEY", "key"),
    ("VRS_SIGNING_KEY", "signing_key"),
    ("VRS_VKEY", "vkey"),
    ("VRS_SERVER_NAME", "server_name"),
    ("VRS_TIMEOUT_SECS", "timeout_secs"),
];

/// Why no usable profile could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// Neither a file nor the environment gives a profile.
    #[error("{}", no_config_message(.path))]
    NoConfig {
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("{}: {message}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// The profile asked for is not in the file.
    #[error("no profile {name:?} in {} (profiles: {})", .path.display(), list(.available))]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The file.
        path: PathBuf,
        /// The profiles it has.
        available: Vec<String>,
    },
    /// Several profiles and none chosen.
    #[error(
        "{} has several profiles ({}): choose one with --profile NAME, VRS_PROFILE, \
         or default_profile = \"NAME\" in the file",
        .path.display(), list(.available)
    )]
    Ambiguous {
        /// The file.
        path: PathBuf,
        /// The profiles it has.
        available: Vec<String>,
    },
    /// A key this command needs is not set.
    #[error(
        "profile {profile:?} has no {key} (set `{key} = …` in {source_desc}, or {var}); \
         this command needs it"
    )]
    Missing {
        /// The profile.
        profile: String,
        /// The missing key.
        key: &'static str,
        /// The environment variable that can set it.
        var: &'static str,
        /// Where the profile came from.
        source_desc: String,
    },
    /// No key is pinned for the origin of a release.
    #[error(
        "profile {profile:?} pins no verifier key for {state} (add `{state} = \"VKEY\"` to \
         origin_keys, or a line `{state} VKEY` to a keys_file, in {source_desc})"
    )]
    NoOriginKey {
        /// The profile.
        profile: String,
        /// The origin State.
        state: String,
        /// Where the profile came from.
        source_desc: String,
    },
    /// A value is not allowed.
    #[error("profile {profile:?}: {key}: {message}")]
    Invalid {
        /// The profile.
        profile: String,
        /// The key.
        key: &'static str,
        /// Why.
        message: String,
    },
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

fn no_config_message(path: &Path) -> String {
    format!(
        "no client profile: {} does not exist and VRS_ENDPOINT is not set.\n\
         Create that file with a profile, for example:\n\
         \n\
         [profiles.default]\n\
         endpoint = \"https://localhost:7401\"        # your State's node\n\
         ca = \"/path/to/ca.crt\"                     # CA certificate (PEM)\n\
         cert = \"/path/to/me.crt\"                   # your certificate (PEM)\n\
         key = \"/path/to/me.key\"                    # its private key (PEM, mode 0600)\n\
         signing_key = \"/path/to/me-k1.key\"         # focal points: from `vrs keys new`\n\
         vkey = \"vrs.example/state/AUS+…\"           # the node's verifier key, to check receipts\n\
         keys_file = \"/path/to/federation.keys\"   # \"STATE VKEY\" lines: the keys releases must verify under\n\
         \n\
         or set VRS_ENDPOINT, VRS_CA, VRS_CERT and VRS_KEY (and VRS_SIGNING_KEY, VRS_VKEY).\n\
         For a local development federation, `vrs pki init` writes a ready-made file \
         (use it with --config FILE).",
        path.display()
    )
}

/// The file: `default_profile` and `[profiles.NAME]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default_profile: Option<String>,
    keys_file: Option<String>,
    #[serde(default)]
    origin_keys: BTreeMap<String, String>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    endpoint: Option<String>,
    ca: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    signing_key: Option<String>,
    vkey: Option<String>,
    vkey_file: Option<String>,
    server_name: Option<String>,
    timeout_secs: Option<u64>,
    keys_file: Option<String>,
    #[serde(default)]
    origin_keys: BTreeMap<String, String>,
}

/// A resolved profile. Keys a command does not need may be absent: the `require_*`
/// methods name what is missing and where to set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Profile name (`env` when it comes from the environment alone).
    pub name: String,
    /// Where it came from, for messages (a file path, or "the environment").
    pub source: String,
    /// `https://host:port`.
    pub endpoint: Option<String>,
    /// CA certificate(s), PEM file.
    pub ca: Option<PathBuf>,
    /// Client certificate, PEM file.
    pub cert: Option<PathBuf>,
    /// Client private key, PEM file.
    pub key: Option<PathBuf>,
    /// Report signing key file (see [`crate::keyfile`]).
    pub signing_key: Option<PathBuf>,
    /// The node's checkpoint verifier key (`name+keyid+base64`).
    pub vkey: Option<String>,
    /// TLS server name to verify instead of the endpoint's host.
    pub server_name: Option<String>,
    /// Deadline of one call.
    pub timeout: Duration,
    /// Verifier keys pinned per origin State (`origin_keys` and `keys_file`), checked.
    pub origin_keys: BTreeMap<String, String>,
}

/// What [`load`] is asked for.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--profile NAME`.
    pub profile: Option<String>,
}

/// The default configuration file: `$XDG_CONFIG_HOME/vrs/config.toml`, else
/// `$HOME/.config/vrs/config.toml`.
pub fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let base = env("XDG_CONFIG_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))
        .unwrap_or_else(|| PathBuf::from(".config"));
    base.join("vrs").join("config.toml")
}

/// The directory for state the client keeps (e.g. the last checkpoint seen of each log):
/// `$XDG_STATE_HOME/vrs`, else `$HOME/.local/state/vrs`.
pub fn default_state_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    env("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".local").join("state")))
        .unwrap_or_else(|| PathBuf::from(".local/state"))
        .join("vrs")
}

/// The process environment, as [`load`] reads it.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The names of the profiles the configuration file chosen by `sel` holds (as [`load`]
/// chooses it), in order; `["env"]` when there is no file and `VRS_ENDPOINT` is set.
pub fn names(
    sel: &Selector,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, ProfileError> {
    let explicit = sel
        .config
        .clone()
        .or_else(|| env("VRS_CLIENT_CONFIG").map(PathBuf::from));
    let path = explicit.clone().unwrap_or_else(|| default_config_path(env));
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file: File = toml::from_str(&text).map_err(|e| ProfileError::Syntax {
                path: path.clone(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
            Ok(file.profiles.keys().cloned().collect())
        }
        Err(_) if explicit.is_none() && env("VRS_ENDPOINT").is_some() => Ok(vec!["env".into()]),
        Err(_) => load(sel, env).map(|p| vec![p.name]),
    }
}

/// Loads the profile chosen by `sel` (flags), the environment (`env`) and the file.
///
/// Choice of file: `--config`, else `VRS_CLIENT_CONFIG`, else [`default_config_path`].
/// Choice of profile: `--profile`, else `VRS_PROFILE`, else `default_profile`, else the
/// only profile of the file. A missing file is fine when `VRS_ENDPOINT` is set.
pub fn load(sel: &Selector, env: &dyn Fn(&str) -> Option<String>) -> Result<Profile, ProfileError> {
    let explicit = sel
        .config
        .clone()
        .or_else(|| env("VRS_CLIENT_CONFIG").map(PathBuf::from));
    let path = explicit.clone().unwrap_or_else(|| default_config_path(env));
    let wanted = sel.profile.clone().or_else(|| env("VRS_PROFILE"));

    let (raw, top, name, base, source) = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file: File = toml::from_str(&text).map_err(|e| ProfileError::Syntax {
                path: path.clone(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
            let available: Vec<String> = file.profiles.keys().cloned().collect();
            let name = match wanted.or(file.default_profile.clone()) {
                Some(n) => n,
                None if available.len() == 1 => available[0].clone(),
                None if available.is_empty() && env("VRS_ENDPOINT").is_some() => "env".into(),
                None => {
                    return Err(ProfileError::Ambiguous {
                        path: path.clone(),
                        available,
                    });
                }
            };
            let raw = match file.profiles.get(&name) {
                Some(r) => r.clone(),
                None if name == "env" => RawProfile::default(),
                None => {
                    return Err(ProfileError::UnknownProfile {
                        name,
                        path: path.clone(),
                        available,
                    });
                }
            };
            let base = path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."));
            let top = (file.keys_file.clone(), file.origin_keys.clone());
            (raw, top, name, base, path.display().to_string())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
            if env("VRS_ENDPOINT").is_none() {
                return Err(ProfileError::NoConfig { path });
            }
            (
                RawProfile::default(),
                (None, BTreeMap::new()),
                wanted.unwrap_or_else(|| "env".into()),
                PathBuf::from("."),
                "the environment".to_owned(),
            )
        }
        Err(source) => return Err(ProfileError::Read { path, source }),
    };

    let home = env("HOME");
    let file_path = |s: &str| resolve(s, &base, home.as_deref());
    let env_path = |s: &str| resolve(s, Path::new("."), home.as_deref());
    let pick_path = |var: &str, v: &Option<String>| {
        env(var)
            .map(|s| env_path(&s))
            .or_else(|| v.as_deref().map(file_path))
    };
    let invalid = |key: &'static str, message: String| ProfileError::Invalid {
        profile: name.clone(),
        key,
        message,
    };

    let vkey = match env("VRS_VKEY").or(raw.vkey.clone()) {
        Some(v) => Some(v.trim().to_owned()),
        None => match &raw.vkey_file {
            Some(f) => {
                let p = file_path(f);
                let text = std::fs::read_to_string(&p).map_err(|e| {
                    invalid("vkey_file", format!("cannot read {}: {e}", p.display()))
                })?;
                let line = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .ok_or_else(|| invalid("vkey_file", format!("{} is empty", p.display())))?;
                Some(line.to_owned())
            }
            None => None,
        },
    };
    let timeout = match env("VRS_TIMEOUT_SECS") {
        Some(s) => Some(s.parse::<u64>().map_err(|_| {
            invalid(
                "timeout_secs",
                format!("VRS_TIMEOUT_SECS={s:?} is not a number of seconds"),
            )
        })?),
        None => raw.timeout_secs,
    };
    let timeout = match timeout {
        None => DEFAULT_TIMEOUT,
        Some(0) => return Err(invalid("timeout_secs", "must be at least 1".into())),
        Some(n) => Duration::from_secs(n),
    };
    let mut origin_keys = BTreeMap::new();
    let layers = [(&top.0, &top.1), (&raw.keys_file, &raw.origin_keys)];
    for (keys_file, inline) in layers {
        if let Some(f) = keys_file {
            let p = file_path(f);
            let text = std::fs::read_to_string(&p)
                .map_err(|e| invalid("keys_file", format!("cannot read {}: {e}", p.display())))?;
            let pairs = parse_keys_file(&text)
                .map_err(|e| invalid("keys_file", format!("{}:{e}", p.display())))?;
            origin_keys.extend(pairs);
        }
        for (state, vkey) in inline {
            let vkey = vkey.trim();
            check_origin_key(state, vkey)
                .map_err(|e| invalid("origin_keys", format!("{state}: {e}")))?;
            origin_keys.insert(state.clone(), vkey.to_owned());
        }
    }
    let endpoint = env("VRS_ENDPOINT").or(raw.endpoint.clone());
    if let Some(e) = &endpoint
        && !e.starts_with("https://")
    {
        return Err(invalid(
            "endpoint",
            format!("{e:?} must start with https:// (nodes only speak mutual TLS)"),
        ));
    }
    Ok(Profile {
        endpoint,
        ca: pick_path("VRS_CA", &raw.ca),
        cert: pick_path("VRS_CERT", &raw.cert),
        key: pick_path("VRS_KEY", &raw.key),
        signing_key: pick_path("VRS_SIGNING_KEY", &raw.signing_key),
        vkey,
        server_name: env("VRS_SERVER_NAME").or(raw.server_name.clone()),
        timeout,
        origin_keys,
        name,
        source,
    })
}

/// Checks one pin: an ISO 3166-1 alpha-3 State and a verifier key that parses.
fn check_origin_key(state: &str, vkey: &str) -> Result<(), String> {
    if !(state.len() == 3
        && state.bytes().all(|b| b.is_ascii_uppercase())
        && vrs_core::codes::is_country(state))
    {
        return Err(format!(
            "{state:?} is not a State (ISO 3166-1 alpha-3, upper case)"
        ));
    }
    vrs_core::note::NoteVerifier::parse(vkey)
        .map(|_| ())
        .map_err(|e| format!("{vkey:?} is not a verifier key: {e}"))
}

/// Parses a keys file: one `STATE VKEY` pair per line; blank lines and `#` comments
/// are skipped. An error starts with the line number (`3: …`).
pub fn parse_keys_file(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(state), Some(vkey), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!("{}: expected \"STATE VKEY\"", i + 1));
        };
        check_origin_key(state, vkey).map_err(|e| format!("{}: {e}", i + 1))?;
        out.push((state.to_owned(), vkey.to_owned()));
    }
    Ok(out)
}

fn resolve(s: &str, base: &Path, home: Option<&str>) -> PathBuf {
    if let (Some(rest), Some(home)) = (s.strip_prefix("~/"), home) {
        return Path::new(home).join(rest);
    }
    let p = Path::new(s);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

impl Profile {
    fn missing(&self, key: &'static str, var: &'static str) -> ProfileError {
        ProfileError::Missing {
            profile: self.name.clone(),
            key,
            var,
            source_desc: self.source.clone(),
        }
    }

    /// The endpoint, or an error naming where to set it.
    pub fn require_endpoint(&self) -> Result<&str, ProfileError> {
        self.endpoint
            .as_deref()
            .ok_or_else(|| self.missing("endpoint", "VRS_ENDPOINT"))
    }

    /// CA, certificate and key paths, or an error naming the first one missing.
    pub fn require_tls(&self) -> Result<(&Path, &Path, &Path), ProfileError> {
        Ok((
            self.ca
                .as_deref()
                .ok_or_else(|| self.missing("ca", "VRS_CA"))?,
            self.cert
                .as_deref()
                .ok_or_else(|| self.missing("cert", "VRS_CERT"))?,
            self.key
                .as_deref()
                .ok_or_else(|| self.missing("key", "VRS_KEY"))?,
        ))
    }

    /// The signing key path, or an error naming where to set it.
    pub fn require_signing_key(&self) -> Result<&Path, ProfileError> {
        self.signing_key
            .as_deref()
            .ok_or_else(|| self.missing("signing_key", "VRS_SIGNING_KEY"))
    }

    /// The node's verifier key, or an error naming where to set it.
    pub fn require_vkey(&self) -> Result<&str, ProfileError> {
        self.vkey
            .as_deref()
            .ok_or_else(|| self.missing("vkey", "VRS_VKEY"))
    }

    /// The verifier key pinned for the releases of `state`, if any.
    pub fn origin_key(&self, state: &str) -> Option<&str> {
        self.origin_keys.get(state).map(String::as_str)
    }

    /// The verifier key pinned for `state`, or an error naming where to pin one.
    pub fn require_origin_key(&self, state: &str) -> Result<&str, ProfileError> {
        self.origin_key(state)
            .ok_or_else(|| ProfileError::NoOriginKey {
                profile: self.name.clone(),
                state: state.to_owned(),
                source_desc: self.source.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn no_file_and_no_environment_says_what_to_create() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let err = load(&Selector::default(), &env_of(&[("HOME", home)])).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ProfileError::NoConfig { .. }));
        assert!(msg.contains(".config/vrs/config.toml"), "{msg}");
        assert!(msg.contains("[profiles.default]"), "{msg}");
    }

    #[test]
    fn file_paths_are_relative_to_the_file_and_env_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "[profiles.a]\nendpoint = \"https://localhost:1\"\nca = \"ca.crt\"\ncert = \"/abs/x.crt\"\nkey = \"~/k.key\"\n",
        )
        .unwrap();
        let sel = Selector {
            config: Some(cfg.clone()),
            profile: None,
        };
        let p = load(&sel, &env_of(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(p.name, "a");
        assert_eq!(p.ca.unwrap(), dir.path().join("ca.crt"));
        assert_eq!(p.cert.unwrap(), PathBuf::from("/abs/x.crt"));
        assert_eq!(p.key.unwrap(), PathBuf::from("/home/u/k.key"));
        let p = load(
            &sel,
            &env_of(&[
                ("VRS_ENDPOINT", "https://other:2"),
                ("VRS_TIMEOUT_SECS", "3"),
            ]),
        )
        .unwrap();
        assert_eq!(p.endpoint.as_deref(), Some("https://other:2"));
        assert_eq!(p.timeout, Duration::from_secs(3));
        assert!(
            p.require_signing_key()
                .unwrap_err()
                .to_string()
                .contains("VRS_SIGNING_KEY")
        );
    }

    #[test]
    fn unknown_keys_and_profiles_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "[profiles.a]\nendpoit = \"x\"\n").unwrap();
        let sel = Selector {
            config: Some(cfg.clone()),
            profile: None,
        };
        assert!(
            load(&sel, &env_of(&[]))
                .unwrap_err()
                .to_string()
                .contains("endpoit")
        );
        std::fs::write(&cfg, "[profiles.a]\n[profiles.b]\n").unwrap();
        assert!(matches!(
            load(&sel, &env_of(&[])).unwrap_err(),
            ProfileError::Ambiguous { .. }
        ));
        let sel = Selector {
            config: Some(cfg),
            profile: Some("c".into()),
        };
        assert!(matches!(
            load(&sel, &env_of(&[])).unwrap_err(),
            ProfileError::UnknownProfile { .. }
        ));
    }

    fn vkey(state: &str) -> String {
        vrs_core::note::NoteSigner::generate(&format!("vrs.example/state/{state}"))
            .unwrap()
            .0
            .verifier_key()
    }

    #[test]
    fn origin_keys_come_from_keys_files_and_tables_the_profile_last() {
        let dir = tempfile::tempdir().unwrap();
        let (aus, idn, idn2, tha) = (vkey("AUS"), vkey("IDN"), vkey("IDN"), vkey("THA"));
        std::fs::write(
            dir.path().join("federation.keys"),
            format!("# the federation\n\nAUS {aus}\nIDN {idn}\n"),
        )
        .unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            format!(
                "keys_file = \"federation.keys\"\n\
                 [profiles.a]\nendpoint = \"https://localhost:1\"\n\
                 origin_keys = {{ IDN = \"{idn2}\", THA = \"{tha}\" }}\n\
                 [profiles.b]\n"
            ),
        )
        .unwrap();
        let sel = |name: &str| Selector {
            config: Some(cfg.clone()),
            profile: Some(name.into()),
        };
        let a = load(&sel("a"), &env_of(&[])).unwrap();
        assert_eq!(a.origin_key("AUS"), Some(aus.as_str()));
        assert_eq!(
            a.origin_key("IDN"),
            Some(idn2.as_str()),
            "the profile's pin wins"
        );
        assert_eq!(a.origin_key("THA"), Some(tha.as_str()));
        let b = load(&sel("b"), &env_of(&[])).unwrap();
        assert_eq!(b.origin_key("IDN"), Some(idn.as_str()));
        let err = b.require_origin_key("THA").unwrap_err().to_string();
        assert!(err.contains("pins no verifier key for THA"), "{err}");
        assert!(err.contains("origin_keys"), "{err}");
    }

    #[test]
    fn bad_pins_are_named_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let aus = vkey("AUS");
        let keys = dir.path().join("k");
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "keys_file = \"k\"\n[profiles.a]\n").unwrap();
        let sel = Selector {
            config: Some(cfg.clone()),
            profile: None,
        };
        for (text, want) in [
            (
                format!("AUS {aus}\nIDN not-a-key\n"),
                "k:2: \"not-a-key\" is not a verifier key",
            ),
            (format!("aus {aus}\n"), "k:1: \"aus\" is not a State"),
            (format!("AUS {aus} extra\n"), "k:1: expected \"STATE VKEY\""),
        ] {
            std::fs::write(&keys, text).unwrap();
            let err = load(&sel, &env_of(&[])).unwrap_err().to_string();
            assert!(err.contains("keys_file"), "{err}");
            assert!(err.contains(want), "{err}");
        }
        std::fs::remove_file(&keys).unwrap();
        let err = load(&sel, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("keys_file: cannot read"), "{err}");
        std::fs::write(
            &cfg,
            "[profiles.a]\norigin_keys = { XXX = \"vrs.example/state/X+00+AA\" }\n",
        )
        .unwrap();
        let err = load(&sel, &env_of(&[])).unwrap_err().to_string();
        assert!(err.contains("origin_keys: XXX"), "{err}");
    }
}
