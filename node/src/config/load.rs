//! Loading: the file, the environment over it, the key and type checks, and the value checks.

use super::*;

impl Config {
    /// Reads the TOML file at `path`, applies the `VRS_NODE_*` overrides found in
    /// `env` (other variables are ignored, old node names refused; pass [`process_env`] in the binary), checks keys
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

    pub(super) fn resolve_paths(&mut self, base: &Path) {
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
        for p in [&mut self.roster.keys_file, &mut self.roster.file]
            .into_iter()
            .flatten()
        {
            resolve(p);
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
        self.check_federation()?;
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

    /// The `[[peers]]` and `[roster]` checks of [`Config::check`].
    fn check_federation(&self) -> Result<(), ConfigError> {
        let p = &self.provenance;
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
            if peer.vkey.is_empty() && self.roster.keys_file.is_none() {
                return Err(p.invalid(
                    &format!("peers[{i}].vkey"),
                    "required unless [roster] keys_file is set (the roster then gives it)",
                ));
            }
            if !peer.vkey.is_empty() {
                vrs_core::note::NoteVerifier::parse(&peer.vkey).map_err(|e| {
                    p.invalid(
                        &format!("peers[{i}].vkey"),
                        format!("not a verifier key: {e}"),
                    )
                })?;
            }
        }
        let ro = &self.roster;
        check_range(ro.threshold, &(0..=16)).map_err(|r| p.invalid("roster.threshold", r))?;
        if ro.file.is_some() && ro.keys_file.is_none() {
            return Err(p.invalid(
                "roster.file",
                "a roster needs the keys that sign it: set roster.keys_file",
            ));
        }
        if let Some(f) = &ro.keys_file {
            let pinned =
                crate::roster::read_keys_file(f).map_err(|r| p.invalid("roster.keys_file", r))?;
            // A key listed twice counts once.
            let pinned = crate::roster::verifiers(pinned);
            if pinned.len() < ro.needed() {
                return Err(p.invalid(
                    "roster.threshold",
                    format!(
                        "{} signatures needed, but roster.keys_file pins {} keys",
                        ro.needed(),
                        pinned.len()
                    ),
                ));
            }
        }
        if let Some(f) = &ro.file {
            check_readable(f).map_err(|r| p.invalid("roster.file", r))?;
        }
        Ok(())
    }
}

/// The default origin of `state`'s log: `vrs.example/state/<STATE>`.
pub fn default_origin(state: &str) -> String {
    format!("{DEFAULT_ORIGIN_PREFIX}{state}")
}

pub(super) fn one_line(s: &str) -> String {
    s.trim().replace('\n', "; ")
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
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

pub(super) fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
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
pub(super) fn key_lines(path: &Path, text: &str) -> Result<BTreeMap<String, usize>, ConfigError> {
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

pub(super) fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut v = table.get(parts.next()?)?;
    for part in parts {
        v = v.as_table()?.get(part)?;
    }
    Some(v)
}

pub(super) fn apply_env(
    table: &mut toml::Table,
    env: impl IntoIterator<Item = (String, String)>,
    provenance: &mut Provenance,
) -> Result<(), ConfigError> {
    let mut vars: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(OLD_ENV_PREFIX) && !NON_CONFIG_VARS.contains(&k.as_str()))
        .collect();
    // Deterministic: the first error reported does not depend on the environment's order.
    vars.sort();
    for (var, raw) in vars {
        let Some(key) = KEYS.iter().find(|k| env_var_name(k.path) == var) else {
            // An old name first: `VRS_NODE_KEY` (the old `node_key`) is in the new
            // namespace too, and its message must name `VRS_NODE_NODE_KEY`.
            if let Some(new) = renamed_env_var(&var) {
                return Err(ConfigError::RenamedEnv { var, new });
            }
            if var.starts_with(ENV_PREFIX) {
                return Err(ConfigError::UnknownEnv { var });
            }
            // The client's namespace (`VRS_PROFILE`, `VRS_CA`, …): not ours.
            continue;
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

pub(super) fn validate_table(
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
                        None if !PEER_REQUIRED.contains(want) => {}
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

pub(super) fn unknown_key_reason(section: &str) -> String {
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

pub(super) fn check_state(state: &str) -> Result<(), String> {
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

pub(super) fn check_secretariat_id(id: &str) -> Result<(), String> {
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

pub(super) fn check_origin(origin: &str) -> Result<(), String> {
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

pub(super) fn check_range(value: u64, range: &RangeInclusive<u64>) -> Result<(), String> {
    if value < *range.start() {
        Err(format!("{value} is below the minimum {}", range.start()))
    } else if value > *range.end() {
        Err(format!("{value} is above the maximum {}", range.end()))
    } else {
        Ok(())
    }
}

pub(super) fn check_readable(path: &Path) -> Result<(), String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    Ok(())
}

pub(super) fn check_data_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} exists and is not a directory", dir.display()));
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}
