//! `vrs-node`: run a State node, initialise one, or verify its log.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vrs_node::config::LogFormat;

#[derive(Parser)]
#[command(
    name = "vrs-node",
    version,
    about = "A State node of the vrs federation"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a starter configuration and a fresh node signing key (mode 0600).
    ///
    /// Example: vrs-node init --dir /etc/vrs --state AUS
    Init {
        /// Directory to write vrs-node.toml and node-signing.key into.
        #[arg(long)]
        dir: PathBuf,
        /// ISO 3166-1 alpha-3 code of the node's State.
        #[arg(long)]
        state: String,
    },
    /// Run the node.
    ///
    /// Example: vrs-node run --config /etc/vrs/vrs-node.toml
    Run {
        /// Configuration file (every key overridable by VRS_NODE_… variables).
        #[arg(long)]
        config: PathBuf,
    },
    /// Recompute the whole log from the stored entries and check it against the
    /// latest signed checkpoint. Exits 0 when it matches, 1 on any mismatch.
    ///
    /// Example: vrs-node verify --data /var/lib/vrs
    Verify {
        /// The node's data directory.
        #[arg(long)]
        data: PathBuf,
        /// The node's verifier key (name+keyid+base64); default: the one stored.
        #[arg(long)]
        key: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Init { dir, state } => match vrs_node::config::init(&dir, &state) {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("vrs-node init: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Run { config } => {
            let cfg = match vrs_node::config::Config::load(&config, vrs_node::config::process_env())
            {
                Ok(c) => c,
                Err(e) => return config_error(&e),
            };
            // Logging starts with the file's format, before anything else is said, so
            // that a JSON log is JSON from its first line.
            init_tracing(&cfg);
            if let Err(e) = cfg.check() {
                return fail(
                    cfg.log.format,
                    &e.to_string(),
                    vrs_node::config::EXIT_CONFIG,
                );
            }
            run(cfg)
        }
        Cmd::Verify { data, key } => match vrs_node::verify::verify(&data, key.as_deref()) {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("vrs-node verify: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

/// A configuration error before the log format is known: one plain line.
fn config_error(e: &vrs_node::config::ConfigError) -> ExitCode {
    eprintln!("vrs-node: {e}");
    ExitCode::from(vrs_node::config::EXIT_CONFIG as u8)
}

/// Reports why the node stops, in the log's format, and exits with `code`.
fn fail(format: LogFormat, message: &str, code: i32) -> ExitCode {
    match format {
        LogFormat::Json => tracing::error!(error = %message, "vrs-node cannot run"),
        LogFormat::Text => eprintln!("vrs-node: {message}"),
    }
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Whether to colour the text log: only on a terminal, and not under `NO_COLOR`
/// (any non-empty value, <https://no-color.org>).
fn colour(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

fn init_tracing(cfg: &vrs_node::config::Config) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env(vrs_node::config::LOG_FILTER_VAR)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log.level));
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match cfg.log.format {
        LogFormat::Json => builder.json().with_ansi(false).init(),
        LogFormat::Text => builder.init(),
    }
}

/// Binds `addr`, the value of `key`; a failure is the configuration's (the address is
/// in use, or not this host's): it names the key and exits 64.
async fn bind(
    cfg: &vrs_node::config::Config,
    key: &str,
    addr: std::net::SocketAddr,
) -> Result<tokio::net::TcpListener, vrs_node::config::ConfigError> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse {
            "the address is in use (another process listens there)".to_owned()
        } else {
            format!("cannot listen there: {e}")
        };
        vrs_node::config::ConfigError::Invalid {
            key: key.to_owned(),
            set_by: cfg.provenance.of(key),
            reason: format!("{key} = \"{addr}\": {why}"),
        }
    })
}

/// What the node announces on standard output once it serves: `listening on <addr>`
/// (which supervisors and the tests read), and where its metrics are; under the JSON
/// log format, as JSON objects with the same message.
fn announce(format: LogFormat, addr: std::net::SocketAddr, metrics: Option<std::net::SocketAddr>) {
    let lines = std::iter::once(("listen", format!("listening on {addr}"), addr))
        .chain(metrics.map(|m| ("metrics", format!("metrics on http://{m}/metrics"), m)));
    for (key, message, at) in lines {
        match format {
            LogFormat::Text => println!("{message}"),
            LogFormat::Json => println!(
                "{}",
                serde_json::json!({
                    "level": "INFO",
                    "fields": { "message": message, key: at.to_string() },
                    "target": "vrs_node",
                })
            ),
        }
    }
}

fn run(cfg: vrs_node::config::Config) -> ExitCode {
    let format = cfg.log.format;
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(format, &format!("cannot start the runtime: {e}"), 1),
    };
    let result: Result<anyhow::Result<()>, vrs_node::config::ConfigError> =
        rt.block_on(async move {
            let listener = bind(&cfg, "listen", cfg.listen).await?;
            let metrics = if cfg.metrics.enabled {
                Some(bind(&cfg, "metrics.listen", cfg.metrics.listen).await?)
            } else {
                None
            };
            let addr = listener.local_addr().unwrap_or(cfg.listen);
            let metrics_addr = metrics.as_ref().and_then(|m| m.local_addr().ok());
            // Tell whoever started us where we listen (port 0 picks a free port), once
            // the database is open and checked and the node serves: not before.
            let ready = move || {
                announce(format, addr, metrics_addr);
                notify_ready();
            };
            Ok(
                vrs_node::server::run_announcing(cfg, listener, metrics, shutdown_signal(), ready)
                    .await,
            )
        });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => fail(format, &format!("{e:#}"), 1),
        Err(e) => fail(format, &e.to_string(), vrs_node::config::EXIT_CONFIG),
    }
}

/// systemd's `Type=notify`: READY=1 to `$NOTIFY_SOCKET` (a path, or `@` for an
/// abstract socket), when that is set. Without it, nothing.
fn notify_ready() {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let sent = (|| -> std::io::Result<()> {
        let sock = std::os::unix::net::UnixDatagram::unbound()?;
        let bytes = path.as_encoded_bytes();
        match bytes.strip_prefix(b"@") {
            Some(name) => {
                use std::os::linux::net::SocketAddrExt as _;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
                sock.send_to_addr(b"READY=1", &addr)?;
            }
            None => {
                sock.send_to(b"READY=1", &path)?;
            }
        }
        Ok(())
    })();
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not notify systemd of readiness");
    }
}

/// SIGTERM or SIGINT. The handlers are installed here, before the node announces
/// that it serves, so that a signal sent as soon as it is announced stops the node
/// cleanly instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            // Without signal handlers the node still stops when killed.
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::info!("shutdown signal received");
    }
}

#[cfg(test)]
mod tests {
    use super::colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))));
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None));
    }
}
