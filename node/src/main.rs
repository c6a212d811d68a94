//! `vrs-node`: run a State node, initialise one, or verify its log.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
                .and_then(|c| c.check().map(|()| c))
            {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("vrs-node: {e}");
                    return ExitCode::from(vrs_node::config::EXIT_CONFIG as u8);
                }
            };
            init_tracing(&cfg);
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

fn init_tracing(cfg: &vrs_node::config::Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env(vrs_node::config::LOG_FILTER_VAR)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cfg.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(cfg: vrs_node::config::Config) -> ExitCode {
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vrs-node: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: anyhow::Result<()> = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
        let metrics = if cfg.metrics.enabled {
            Some(tokio::net::TcpListener::bind(cfg.metrics.listen).await?)
        } else {
            None
        };
        let addr = listener.local_addr()?;
        let metrics_addr = metrics.as_ref().map(|m| m.local_addr()).transpose()?;
        // Tell whoever started us where we listen (port 0 picks a free port), once the
        // database is open and checked and the node serves: not before.
        let ready = move || {
            println!("listening on {addr}");
            if let Some(m) = metrics_addr {
                println!("metrics on http://{m}/metrics");
            }
            notify_ready();
        };
        vrs_node::server::run_announcing(cfg, listener, metrics, shutdown_signal(), ready).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrs-node: {e:#}");
            ExitCode::FAILURE
        }
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

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
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
