//! The node's configuration: loading, defaults, `VRS_*` overrides, errors that name the
//! key at fault, and `vrs-node init`.

use std::fs;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use vrs_core::note::NoteSigner;
use vrs_node::config::{self, Config, ConfigError, EXIT_CONFIG, InitError, LogFormat, Role, SetBy};

/// `(name, value)` pairs as `Config::load` takes them.
fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A directory with dummy TLS files and a node key named after `origin`.
fn node_dir(origin: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tls_files(dir.path());
    let signer = NoteSigner::from_seed(origin, &[9u8; 32]).expect("signer");
    fs::write(
        dir.path().join("node-signing.key"),
        format!("# test key\n{}\n", signer.signer_key()),
    )
    .expect("write key");
    dir
}

fn make_tls_files(dir: &Path) {
    fs::create_dir_all(dir.join("tls")).expect("mkdir tls");
    for f in ["node.crt", "node.key", "ca.crt"] {
        fs::write(dir.join("tls").join(f), "dummy\n").expect("write tls file");
    }
}

const MINIMAL: &str = r#"
state = "AUS"
[tls]
cert = "tls/node.crt"
key = "tls/node.key"
ca = "tls/ca.crt"
"#;

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("vrs-node.toml");
    fs::write(&path, text).expect("write config");
    path
}

/// Loads `text` (written in `dir`) with `vars`, then checks it.
fn load_and_check(dir: &Path, text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let path = write_config(dir, text);
    let config = Config::load(&path, env(vars))?;
    config.check()?;
    Ok(config)
}

fn err_of(r: Result<Config, ConfigError>) -> ConfigError {
    match r {
        Ok(c) => panic!("expected an error, got {c:?}"),
        Err(e) => e,
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("address")
}

#[test]
fn exit_status_is_ex_usage() {
    assert_eq!(EXIT_CONFIG, 64);
}

#[test]
fn full_file_loads() {
    let dir = node_dir("example.org/vrs/NZL");
    fs::write(dir.path().join("tls/ca.crl"), "dummy\n").expect("crl");
    let text = r#"
listen = "0.0.0.0:7500"
state = "NZL"
origin = "example.org/vrs/NZL"
data_dir = "db"
role = "state"
node_key = "node-signing.key"

[tls]
cert = "tls/node.crt"
key = "tls/node.key"
ca = "tls/ca.crt"
crl = "tls/ca.crl"
handshake_timeout_ms = 5000

[limits]
max_message_bytes = 2048
rpc_deadline_ms = 3000
max_batch = 64
max_concurrent_streams = 32

[metrics]
enabled = false
listen = "127.0.0.1:9500"

[log]
format = "json"
level = "info,vrs_node=debug"
"#;
    let c = load_and_check(dir.path(), text, &[]).expect("valid");
    let d = std::path::absolute(dir.path()).expect("absolute");
    assert_eq!(c.listen, addr("0.0.0.0:7500"));
    assert_eq!(c.state, "NZL");
    assert_eq!(c.origin, "example.org/vrs/NZL");
    assert_eq!(c.data_dir, d.join("db"));
    assert!(c.data_dir.is_dir(), "check creates data_dir");
    assert_eq!(c.role, Role::State);
    assert_eq!(c.node_key, d.join("node-signing.key"));
    assert_eq!(c.tls.cert, d.join("tls/node.crt"));
    assert_eq!(c.tls.key, d.join("tls/node.key"));
    assert_eq!(c.tls.ca, d.join("tls/ca.crt"));
    assert_eq!(c.tls.crl, Some(d.join("tls/ca.crl")));
    assert_eq!(c.tls.handshake_timeout_ms, 5000);
    assert_eq!(c.limits.max_message_bytes, 2048);
    assert_eq!(c.limits.rpc_deadline_ms, 3000);
    assert_eq!(c.limits.max_batch, 64);
    assert_eq!(c.limits.max_concurrent_streams, 32);
    assert!(!c.metrics.enabled);
    assert_eq!(c.metrics.listen, addr("127.0.0.1:9500"));
    assert_eq!(c.log.format, LogFormat::Json);
    assert_eq!(c.log.level, "info,vrs_node=debug");
}

#[test]
fn defaults_are_applied() {
    let dir = node_dir("vrs.example/state/AUS");
    let c = load_and_check(dir.path(), MINIMAL, &[]).expect("valid");
    let d = std::path::absolute(dir.path()).expect("absolute");
    assert_eq!(c.listen, addr("127.0.0.1:7400"));
    assert_eq!(c.origin, "vrs.example/state/AUS");
    assert_eq!(c.data_dir, d.join("data"));
    assert_eq!(c.role, Role::State);
    assert_eq!(c.node_key, d.join("node-signing.key"));
    assert_eq!(c.tls.crl, None);
    assert_eq!(c.tls.handshake_timeout_ms, 10_000);
    assert_eq!(c.limits.max_message_bytes, 1024 * 1024);
    assert_eq!(c.limits.rpc_deadline_ms, 10_000);
    assert_eq!(c.limits.max_batch, 512);
    assert_eq!(c.limits.max_concurrent_streams, 256);
    assert_eq!(c.limits.max_connections, 4096);
    assert_eq!(c.tls.first_byte_timeout_ms, 1500);
    assert_eq!(c.tls.max_handshakes_per_source, 32);
    assert_eq!(c.storage.cache_mb, 256);
    assert!(c.metrics.enabled);
    assert_eq!(c.metrics.listen, addr("127.0.0.1:9400"));
    assert_eq!(c.log.format, LogFormat::Text);
    assert_eq!(c.log.level, "info");
    assert_eq!(c.release.period, "month");
    assert_eq!(c.release.embargo_days, 7);
    assert_eq!(c.release.k, 5);
}

#[test]
fn a_k_below_the_federation_floor_is_refused_at_start_up() {
    let dir = node_dir(&config::default_origin("AUS"));
    let path = write_config(dir.path(), &format!("{MINIMAL}\n[release]\nk = 3\n"));
    let c = Config::load(&path, env(&[])).expect("loads");
    let e = c.check().expect_err("k below the floor");
    assert!(e.to_string().contains("release.k"), "{e}");
    assert!(e.to_string().contains("federation floor 5"), "{e}");
    let path = write_config(
        dir.path(),
        &format!(
            "{MINIMAL}\n[release]\nk = 8\nfederation_floor = 6\nnoise_tables = \"PERSONS,NOPE\"\n"
        ),
    );
    let e = Config::load(&path, env(&[]))
        .expect("loads")
        .check()
        .expect_err("bad table");
    assert!(e.to_string().contains("release.noise_tables"), "{e}");
}

#[test]
fn every_key_can_be_set_from_the_environment() {
    let dir = node_dir("example.org/vrs/FRA");
    let d = std::path::absolute(dir.path()).expect("absolute");
    fs::write(dir.path().join("alt.crt"), "x").expect("file");
    let vars = [
        ("VRS_NODE_LISTEN", "127.0.0.1:7401"),
        ("VRS_NODE_STATE", "FRA"),
        ("VRS_NODE_ORIGIN", "example.org/vrs/FRA"),
        ("VRS_NODE_DATA_DIR", "/tmp/elsewhere"),
        ("VRS_NODE_ROLE", "secretariat"),
        ("VRS_NODE_NODE_KEY", "node-signing.key"),
        ("VRS_NODE_TLS_CERT", "alt.crt"),
        ("VRS_NODE_TLS_KEY", "alt.crt"),
        ("VRS_NODE_TLS_CA", "alt.crt"),
        ("VRS_NODE_TLS_CRL", "alt.crt"),
        ("VRS_NODE_TLS_HANDSHAKE_TIMEOUT_MS", "2000"),
        ("VRS_NODE_TLS_FIRST_BYTE_TIMEOUT_MS", "700"),
        ("VRS_NODE_TLS_MAX_HANDSHAKES_PER_SOURCE", "9"),
        ("VRS_NODE_LIMITS_MAX_CONNECTIONS", "99"),
        ("VRS_NODE_STORAGE_CACHE_MB", "64"),
        ("VRS_NODE_LIMITS_MAX_MESSAGE_BYTES", "4096"),
        ("VRS_NODE_LIMITS_RPC_DEADLINE_MS", "1500"),
        ("VRS_NODE_LIMITS_MAX_BATCH", "8"),
        ("VRS_NODE_LIMITS_MAX_CONCURRENT_STREAMS", "16"),
        ("VRS_NODE_METRICS_ENABLED", "false"),
        ("VRS_NODE_METRICS_LISTEN", "127.0.0.1:9401"),
        ("VRS_NODE_LOG_FORMAT", "json"),
        ("VRS_NODE_LOG_LEVEL", "debug"),
        ("VRS_NODE_RELEASE_PERIOD", "week"),
        ("VRS_NODE_RELEASE_EMBARGO_DAYS", "3"),
        ("VRS_NODE_RELEASE_K", "7"),
        ("VRS_NODE_RELEASE_FEDERATION_FLOOR", "6"),
        ("VRS_NODE_RELEASE_NOISE_TABLES", "PERSONS"),
        ("VRS_NODE_RELEASE_EPSILON", "1/2"),
        ("VRS_NODE_RELEASE_BUDGET_CAP", "1/1"),
        ("VRS_NODE_RELEASE_CONTRIBUTION_CAP", "20"),
        ("VRS_NODE_RELEASE_CHECK_INTERVAL_S", "60"),
        ("VRS_NODE_RELEASE_RECIPROCITY", "period"),
        ("VRS_NODE_RELEASE_RECIPROCITY_SECRETARIATS", "true"),
        ("VRS_NODE_SYNC_SCHEDULE", "*/5 * * * *"),
        ("VRS_NODE_SYNC_JITTER_S", "0"),
        ("VRS_NODE_SYNC_PEER_DEADLINE_S", "30"),
        ("VRS_NODE_SYNC_ATTEMPTS", "2"),
        ("VRS_NODE_ROSTER_KEYS_FILE", "roster.vkeys"),
        ("VRS_NODE_ROSTER_THRESHOLD", "2"),
        ("VRS_NODE_ROSTER_FILE", "roster.note"),
    ];
    // The environment names every key: none is left out.
    for key in config::config_keys() {
        let var = config::env_var_name(key);
        assert!(vars.iter().any(|(v, _)| *v == var), "{var} not tested");
    }
    let path = write_config(dir.path(), MINIMAL);
    let c = Config::load(&path, env(&vars)).expect("loads");
    assert_eq!(c.listen, addr("127.0.0.1:7401"));
    assert_eq!(c.state, "FRA");
    assert_eq!(c.origin, "example.org/vrs/FRA");
    assert_eq!(c.data_dir, PathBuf::from("/tmp/elsewhere"));
    assert_eq!(c.role, Role::Secretariat);
    assert_eq!(c.node_key, d.join("node-signing.key"));
    assert_eq!(c.tls.cert, d.join("alt.crt"));
    assert_eq!(c.tls.key, d.join("alt.crt"));
    assert_eq!(c.tls.ca, d.join("alt.crt"));
    assert_eq!(c.tls.crl, Some(d.join("alt.crt")));
    assert_eq!(c.tls.handshake_timeout_ms, 2000);
    assert_eq!(c.tls.first_byte_timeout_ms, 700);
    assert_eq!(c.tls.max_handshakes_per_source, 9);
    assert_eq!(c.limits.max_connections, 99);
    assert_eq!(c.storage.cache_mb, 64);
    assert_eq!(c.release.period, "week");
    assert_eq!(c.release.k, 7);
    assert_eq!(c.release.federation_floor, 6);
    assert_eq!(c.release.noise_tables, "PERSONS");
    assert_eq!(c.release.epsilon, "1/2");
    assert_eq!(c.release.reciprocity, "period");
    assert!(c.release.reciprocity_secretariats);
    assert_eq!(c.limits.max_message_bytes, 4096);
    assert_eq!(c.limits.rpc_deadline_ms, 1500);
    assert_eq!(c.limits.max_batch, 8);
    assert_eq!(c.limits.max_concurrent_streams, 16);
    assert!(!c.metrics.enabled);
    assert_eq!(c.metrics.listen, addr("127.0.0.1:9401"));
    assert_eq!(c.log.format, LogFormat::Json);
    assert_eq!(c.log.level, "debug");
    assert_eq!(c.roster.keys_file, Some(d.join("roster.vkeys")));
    assert_eq!(c.roster.threshold, 2);
    assert_eq!(c.roster.file, Some(d.join("roster.note")));
    assert_eq!(
        c.provenance.of("limits.max_batch"),
        SetBy::Env {
            var: "VRS_NODE_LIMITS_MAX_BATCH".into()
        }
    );
}

#[test]
fn environment_beats_the_file() {
    let dir = node_dir("vrs.example/state/AUS");
    let text =
        format!("listen = \"127.0.0.1:7000\"\n{MINIMAL}\n[limits]\nmax_message_bytes = 2048\n");
    let c = load_and_check(
        dir.path(),
        &text,
        &[
            ("VRS_NODE_LISTEN", "127.0.0.1:7001"),
            ("VRS_NODE_LIMITS_MAX_MESSAGE_BYTES", "4096"),
        ],
    )
    .expect("valid");
    assert_eq!(c.listen, addr("127.0.0.1:7001"));
    assert_eq!(c.limits.max_message_bytes, 4096);
    // Keys the environment does not set keep the file's values.
    assert_eq!(c.state, "AUS");
}

#[test]
fn environment_supplies_a_section_the_file_lacks() {
    let dir = node_dir("vrs.example/state/AUS");
    let c = load_and_check(
        dir.path(),
        "state = \"AUS\"\n",
        &[
            ("VRS_NODE_TLS_CERT", "tls/node.crt"),
            ("VRS_NODE_TLS_KEY", "tls/node.key"),
            ("VRS_NODE_TLS_CA", "tls/ca.crt"),
        ],
    )
    .expect("valid");
    assert!(c.tls.cert.ends_with("tls/node.crt"));
}

#[test]
fn other_variables_are_ignored() {
    let dir = node_dir("vrs.example/state/AUS");
    load_and_check(
        dir.path(),
        MINIMAL,
        &[
            ("HOME", "/root"),
            ("VRS_NODE_CONFIG", "/etc/vrs/vrs-node.toml"),
            ("VRS_NODE_LOG", "warn"),
            ("VRS_NODE_BIN", "/usr/bin/vrs-node"),
        ],
    )
    .expect("valid");
}

/// The `vrs` client's variables, as an operator exports them in the shell that starts
/// the node: none is the node's, and none stops it.
#[test]
fn the_clients_variables_are_ignored() {
    let dir = node_dir("vrs.example/state/AUS");
    let client = [
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
        "VRS_SOMETHING_NEW",
    ];
    let vars: Vec<(&str, &str)> = client.iter().map(|v| (*v, "x")).collect();
    let c = load_and_check(dir.path(), MINIMAL, &vars).expect("valid");
    assert!(c.provenance.env.is_empty(), "{:?}", c.provenance.env);
}

/// A node setting under its old name is refused, naming the new one, rather than
/// dropped in silence.
#[test]
fn an_old_name_is_refused_with_the_new_one() {
    let dir = node_dir("vrs.example/state/AUS");
    for (old, new) in [
        ("VRS_LISTEN", "VRS_NODE_LISTEN"),
        ("VRS_TLS_CERT", "VRS_NODE_TLS_CERT"),
        ("VRS_LIMITS_MAX_BATCH", "VRS_NODE_LIMITS_MAX_BATCH"),
        ("VRS_NODE_KEY", "VRS_NODE_NODE_KEY"),
        ("VRS_LOG", "VRS_NODE_LOG"),
        ("VRS_CONFIG", "VRS_NODE_CONFIG"),
    ] {
        let e = err_of(load_and_check(dir.path(), MINIMAL, &[(old, "127.0.0.1:1")]));
        assert!(
            matches!(&e, ConfigError::RenamedEnv { var, new: n } if var == old && n == new),
            "{old}: {e:?}"
        );
        let text = e.to_string();
        assert!(text.contains(old) && text.contains(new), "{text}");
    }
}

#[test]
fn unknown_vrs_variable_is_named() {
    let dir = node_dir("vrs.example/state/AUS");
    let e = err_of(load_and_check(
        dir.path(),
        MINIMAL,
        &[("VRS_NODE_LIMITS_MAX_BATCHES", "8")],
    ));
    assert!(matches!(&e, ConfigError::UnknownEnv { var } if var == "VRS_NODE_LIMITS_MAX_BATCHES"));
    assert!(e.to_string().contains("VRS_NODE_LIMITS_MAX_BATCHES"), "{e}");
}

/// The variable named in an error caused by an environment value.
fn env_var_at_fault(e: &ConfigError) -> Option<&str> {
    match e {
        ConfigError::Invalid {
            set_by: SetBy::Env { var },
            ..
        } => Some(var),
        _ => None,
    }
}

#[test]
fn bad_environment_values_name_the_variable() {
    let cases = [
        ("VRS_NODE_LIMITS_MAX_MESSAGE_BYTES", "lots"),
        ("VRS_NODE_LIMITS_MAX_MESSAGE_BYTES", "-5"),
        ("VRS_NODE_LIMITS_MAX_MESSAGE_BYTES", "10"),
        ("VRS_NODE_LISTEN", "localhost"),
        ("VRS_NODE_METRICS_ENABLED", "yes"),
        ("VRS_NODE_ROLE", "admin"),
        ("VRS_NODE_LOG_FORMAT", "xml"),
        ("VRS_NODE_STATE", "aus"),
        ("VRS_NODE_TLS_CERT", "missing.crt"),
        ("VRS_NODE_LOG_LEVEL", "info,[["),
    ];
    for (var, value) in cases {
        let dir = node_dir("vrs.example/state/AUS");
        let e = err_of(load_and_check(dir.path(), MINIMAL, &[(var, value)]));
        assert_eq!(env_var_at_fault(&e), Some(var), "{var}={value}: {e}");
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("config error at {var} (")),
            "{shown}"
        );
        assert!(!shown.contains('\n'), "{shown}");
    }
}

/// The dotted key named by an error.
fn key_at_fault(e: &ConfigError) -> Option<&str> {
    match e {
        ConfigError::Invalid { key, .. } => Some(key),
        _ => None,
    }
}

#[test]
fn bad_file_values_name_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        ("lower-case state", "state = \"aus\"", "state"),
        ("unassigned state", "state = \"ZZZ\"", "state"),
        ("state of wrong type", "state = 36", "state"),
        (
            "bad listen",
            "state = \"AUS\"\nlisten = \"localhost:7400\"",
            "listen",
        ),
        (
            "origin with a space",
            "state = \"AUS\"\norigin = \"my log\"",
            "origin",
        ),
        (
            "origin with a plus",
            "state = \"AUS\"\norigin = \"a+b\"",
            "origin",
        ),
        (
            "unknown top-level key",
            "state = \"AUS\"\nlisten_port = 7400",
            "listen_port",
        ),
        ("bad role", "state = \"AUS\"\nrole = \"admin\"", "role"),
        (
            "bad reciprocity",
            "state = \"AUS\"\n[release]\nreciprocity = \"always\"",
            "release.reciprocity",
        ),
    ];
    for (what, top, key) in cases {
        let dir = node_dir("vrs.example/state/AUS");
        let text = format!(
            "{top}\n[tls]\ncert = \"tls/node.crt\"\nkey = \"tls/node.key\"\nca = \"tls/ca.crt\"\n"
        );
        let e = err_of(load_and_check(dir.path(), &text, &[]));
        assert_eq!(key_at_fault(&e), Some(*key), "{what}: {e}");
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("config error at {key} (")),
            "{what}: {shown}"
        );
        assert!(shown.contains(" line "), "{what}: {shown}");
        assert!(!shown.contains('\n'), "{what}: {shown}");
    }
}

#[test]
fn section_errors_name_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "limit too small",
            "[limits]\nmax_message_bytes = 10",
            "limits.max_message_bytes",
        ),
        (
            "limit too large",
            "[limits]\nmax_message_bytes = 100000000",
            "limits.max_message_bytes",
        ),
        ("zero batch", "[limits]\nmax_batch = 0", "limits.max_batch"),
        (
            "limit of wrong type",
            "[limits]\nmax_batch = \"many\"",
            "limits.max_batch",
        ),
        (
            "negative limit",
            "[limits]\nrpc_deadline_ms = -1",
            "limits.rpc_deadline_ms",
        ),
        (
            "unknown key in a section",
            "[limits]\nmax_batches = 3",
            "limits.max_batches",
        ),
        ("unknown section", "[peer]\nname = \"x\"", "peer"),
        (
            "bad metrics listen",
            "[metrics]\nlisten = \"9400\"",
            "metrics.listen",
        ),
        (
            "metrics on the gRPC port",
            "[metrics]\nlisten = \"127.0.0.1:7400\"",
            "metrics.listen",
        ),
        ("bad log format", "[log]\nformat = \"xml\"", "log.format"),
        ("section as a value", "limits = 3", "limits"),
    ];
    for (what, extra, key) in cases {
        let dir = node_dir("vrs.example/state/AUS");
        // Top-level keys must precede the first table, so `limits = 3` goes first.
        let text = if extra.starts_with('[') {
            format!("{MINIMAL}\n{extra}\n")
        } else {
            format!("{extra}\n{MINIMAL}")
        };
        let e = err_of(load_and_check(dir.path(), &text, &[]));
        assert_eq!(key_at_fault(&e), Some(*key), "{what}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("config error at {key} (")),
            "{what}: {e}"
        );
    }
}

#[test]
fn range_error_reads_well() {
    let dir = node_dir("vrs.example/state/AUS");
    let text = format!("{MINIMAL}[limits]\nmax_message_bytes = 10\n");
    let e = err_of(load_and_check(dir.path(), &text, &[]));
    let path = dir.path().join("vrs-node.toml");
    assert_eq!(
        e.to_string(),
        format!(
            "config error at limits.max_message_bytes ({} line 8): 10 is below the minimum 1024",
            path.display()
        )
    );
}

#[test]
fn missing_tls_file_is_named() {
    let dir = node_dir("vrs.example/state/AUS");
    fs::remove_file(dir.path().join("tls/node.crt")).expect("rm");
    let e = err_of(load_and_check(dir.path(), MINIMAL, &[]));
    assert_eq!(key_at_fault(&e), Some("tls.cert"), "{e}");
    assert!(e.to_string().contains("node.crt"), "{e}");
}

#[test]
fn missing_required_key_is_named() {
    let dir = node_dir("vrs.example/state/AUS");
    let text = "state = \"AUS\"\n[tls]\nkey = \"tls/node.key\"\nca = \"tls/ca.crt\"\n";
    let e = err_of(load_and_check(dir.path(), text, &[]));
    assert_eq!(key_at_fault(&e), Some("tls.cert"), "{e}");
    assert!(e.to_string().contains("VRS_NODE_TLS_CERT"), "{e}");

    let e = err_of(load_and_check(
        dir.path(),
        "[tls]\ncert = \"a\"\nkey = \"b\"\nca = \"c\"\n",
        &[],
    ));
    assert_eq!(key_at_fault(&e), Some("state"), "{e}");
}

#[test]
fn node_key_must_parse_and_match_the_origin() {
    let dir = node_dir("vrs.example/state/AUS");
    fs::write(dir.path().join("node-signing.key"), "not a key\n").expect("write");
    let e = err_of(load_and_check(dir.path(), MINIMAL, &[]));
    assert_eq!(key_at_fault(&e), Some("node_key"), "{e}");

    let dir = node_dir("vrs.example/state/NZL");
    let e = err_of(load_and_check(dir.path(), MINIMAL, &[]));
    assert_eq!(key_at_fault(&e), Some("origin"), "{e}");
}

#[test]
fn data_dir_must_be_a_directory() {
    let dir = node_dir("vrs.example/state/AUS");
    fs::write(dir.path().join("data"), "a file").expect("write");
    let e = err_of(load_and_check(dir.path(), MINIMAL, &[]));
    assert_eq!(key_at_fault(&e), Some("data_dir"), "{e}");
}

#[test]
fn syntax_error_gives_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_config(dir.path(), "state = \"AUS\"\nlisten = \n");
    let e = match Config::load(&path, env(&[])) {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    };
    assert!(
        matches!(e, ConfigError::Syntax { line: Some(2), .. }),
        "{e:?}"
    );
    let shown = e.to_string();
    assert!(shown.contains("line 2, column"), "{shown}");
    assert!(!shown.contains('\n'), "{shown}");
}

#[test]
fn missing_file_is_a_read_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let e = match Config::load(&dir.path().join("nope.toml"), env(&[])) {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    };
    assert!(matches!(e, ConfigError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains("nope.toml"), "{e}");
}

#[test]
fn init_writes_a_config_and_a_private_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("etc");
    let out = config::init(&target, "AUS").expect("init");
    assert_eq!(out.config_path, target.join("vrs-node.toml"));
    assert_eq!(out.node_key_path, target.join("node-signing.key"));
    assert_eq!(out.key_name, "vrs.example/state/AUS");
    let mode = fs::metadata(&out.node_key_path)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let signer = config::read_node_key(&out.node_key_path).expect("key parses");
    assert_eq!(signer.name(), "vrs.example/state/AUS");
    assert_eq!(signer.verifier_key(), out.verifier_key);
    assert!(out.to_string().contains(&out.verifier_key));
}

#[test]
fn init_twice_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = config::init(dir.path(), "AUS").expect("init");
    let key_before = fs::read(&first.node_key_path).expect("read");
    match config::init(dir.path(), "AUS") {
        Err(InitError::Exists { path }) => {
            assert!(
                path == first.config_path || path == first.node_key_path,
                "{path:?}"
            );
        }
        other => panic!("expected Exists, got {other:?}"),
    }
    assert_eq!(fs::read(&first.node_key_path).expect("read"), key_before);
}

#[test]
fn init_refuses_when_only_the_key_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("node-signing.key"), "old").expect("write");
    assert!(matches!(
        config::init(dir.path(), "AUS"),
        Err(InitError::Exists { .. })
    ));
    assert!(!dir.path().join("vrs-node.toml").exists());
}

#[test]
fn init_rejects_a_bad_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(matches!(
        config::init(dir.path(), "Australia"),
        Err(InitError::Config(_))
    ));
    assert!(!dir.path().join("vrs-node.toml").exists());
}

#[test]
fn starter_config_passes_check_once_tls_files_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = config::init(dir.path(), "NZL").expect("init");
    let before = Config::load(&out.config_path, env(&[])).expect("loads");
    let e = before.check().expect_err("TLS files are missing");
    assert_eq!(key_at_fault(&e), Some("tls.cert"), "{e}");
    assert!(e.to_string().contains("vrs pki"), "{e}");

    make_tls_files(dir.path());
    let c = Config::load(&out.config_path, env(&[])).expect("loads");
    c.check().expect("passes");
    assert_eq!(c.state, "NZL");
    assert_eq!(c.origin, out.key_name);
    assert_eq!(
        c.node_key,
        std::path::absolute(&out.node_key_path).expect("abs")
    );
}

#[test]
fn starter_config_shows_the_defaults() {
    let text = config::starter_config("AUS", Path::new("data"), Path::new("node-signing.key"));
    let parsed: toml::Table = text.parse().expect("valid TOML");
    assert_eq!(parsed["listen"].as_str(), Some("127.0.0.1:7400"));
    assert_eq!(
        parsed["limits"]["max_message_bytes"].as_integer(),
        Some(1024 * 1024)
    );
    assert!(text.contains("vrs pki"));
}

#[test]
fn a_peer_without_a_key_needs_a_roster_whose_keys_are_pinned_enough() {
    let dir = node_dir(&config::default_origin("AUS"));
    let peer = "\n[[peers]]\nstate = \"IDN\"\nendpoint = \"https://idn.example:7400\"\n";
    let e = err_of(load_and_check(dir.path(), &format!("{MINIMAL}{peer}"), &[]));
    assert!(e.to_string().contains("peers[0].vkey"), "{e}");
    assert!(e.to_string().contains("roster"), "{e}");
    let (k1, _) = NoteSigner::generate("vrs.test/roster/1").expect("key");
    fs::write(
        dir.path().join("roster.vkeys"),
        format!("# the keeper\n{}\n", k1.verifier_key()),
    )
    .expect("write");
    let roster = |threshold: u64| {
        format!(
            "{MINIMAL}\n[roster]\nkeys_file = \"roster.vkeys\"\nthreshold = {threshold}\n{peer}"
        )
    };
    let c = load_and_check(dir.path(), &roster(1), &[]).expect("a roster gives the key");
    assert_eq!(c.peers[0].vkey, "");
    let e = err_of(load_and_check(dir.path(), &roster(2), &[]));
    assert!(e.to_string().contains("roster.threshold"), "{e}");
    assert!(e.to_string().contains("pins 1 keys"), "{e}");
    fs::write(dir.path().join("roster.vkeys"), "not a key\n").expect("write");
    let e = err_of(load_and_check(dir.path(), &roster(1), &[]));
    assert!(e.to_string().contains("roster.keys_file"), "{e}");
    assert!(e.to_string().contains("line 1"), "{e}");
}
