//! Wiring: open the store, start the ledger, serve gRPC over mTLS and metrics over
//! plain HTTP, shut down gracefully (stop accepting, drain, flush).
//!
//! Following tokio's mini-redis, [`run`] takes already-bound listeners and a shutdown
//! future, so tests bind port 0 and stop the node without signals or sleeps.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::Ordering::Relaxed;

use anyhow::Context as _;
use tokio::net::TcpListener;
use tonic_health::ServingStatus;
use vrs_proto::v1 as pb;

use crate::config::Config;
use crate::grpc::Services;
use crate::ledger::{Ledger, LedgerOptions};
use crate::metrics::Metrics;
use crate::storage::Store;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(5);

/// Runs a node until `shutdown` resolves, then drains and flushes.
pub async fn run(
    cfg: Config,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    run_announcing(cfg, listener, metrics_listener, shutdown, || {}).await
}

/// As [`run`], calling `ready` once the node can serve: its database is open and
/// checked (the anchor, the latest checkpoint against the last group commit), the
/// ledger runs and the listener is accepting. A node that fails before never calls it,
/// so a supervisor told by `ready` (the `listening on` line, sd_notify) is never told
/// of a node about to exit.
pub async fn run_announcing(
    cfg: Config,
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    ready: impl FnOnce(),
) -> anyhow::Result<()> {
    let listeners = Listeners {
        grpc: listener,
        metrics: metrics_listener,
    };
    run_gated(cfg, listeners, shutdown, async {}, ready).await
}

/// The node's listeners, bound by the caller (port 0 in tests).
pub struct Listeners {
    /// The gRPC server's (mutual TLS).
    pub grpc: TcpListener,
    /// The metrics endpoint's (plain HTTP), when metrics are enabled.
    pub metrics: Option<TcpListener>,
}

/// As [`run_announcing`], with the metrics endpoint (and its `/healthz` and `/readyz`)
/// serving from the start and `gate` awaited before the database is opened: a test
/// holds the gate to see `/readyz` answer 503 before the database is open.
pub async fn run_gated(
    cfg: Config,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
    gate: impl Future<Output = ()>,
    ready: impl FnOnce(),
) -> anyhow::Result<()> {
    let metrics = Arc::new(Metrics::default());
    // Dropping `_stop_metrics` (on any return) stops the endpoint.
    let (_stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
    if let Some(l) = listeners.metrics {
        tokio::spawn(crate::metrics::serve(l, metrics.clone(), async {
            let _ = metrics_stopped.await;
        }));
    }
    gate.await;
    let (store, ledger, writer) = open(&cfg, &metrics)?;
    let incoming = tls_incoming(&cfg, listeners.grpc, &metrics)?;
    let secretariat = cfg.role == crate::config::Role::Secretariat;
    let client_tls = crate::tls::client_config(
        &read(&cfg.tls.cert)?,
        &read(&cfg.tls.key)?,
        &read(&cfg.tls.ca)?,
    )?;
    let sync = Arc::new(
        crate::sync::SyncEngine::new(
            ledger.clone(),
            cfg.peers.clone(),
            &cfg.roster,
            client_tls,
            cfg.sync.clone(),
            !secretariat,
        )
        .map_err(|e| anyhow::anyhow!("sync: {e}"))?,
    );
    let services = Services {
        ledger: ledger.clone(),
        metrics: metrics.clone(),
        sync: sync.clone(),
        who: if secretariat {
            format!("secretariat:{}", cfg.state)
        } else {
            cfg.state.clone()
        },
    };
    let (health_reporter, health) = tonic_health::server::health_reporter();
    let served = served_services(secretariat);
    set_health(&health_reporter, &served, ServingStatus::Serving).await;
    let router = router(&cfg, services, health, secretariat)?;

    let sync_schedule = (!cfg.peers.is_empty()).then(|| tokio::spawn(sync.schedule()));
    let scheduler = release_scheduler(
        ledger.clone(),
        Duration::from_secs(cfg.release.check_interval_s),
    );
    let (stop_server, server_stopped) = tokio::sync::oneshot::channel::<()>();
    let server = router.serve_with_incoming_shutdown(incoming, async {
        let _ = server_stopped.await;
    });
    metrics.ready.listener_up.store(true, Relaxed);
    ready();
    tracing::info!(state = %cfg.state, origin = %ledger.verifier_key(), "node serving");
    tokio::pin!(server);
    let result = tokio::select! {
        r = &mut server => r,
        () = shutdown => {
            tracing::info!("stopping: no new connections; draining in-flight requests");
            metrics.ready.listener_up.store(false, Relaxed);
            set_health(&health_reporter, &served, ServingStatus::NotServing).await;
            let _ = stop_server.send(());
            // Drain with a deadline: idle client connections must not hold the node.
            match tokio::time::timeout(DRAIN_DEADLINE, &mut server).await {
                Ok(r) => r,
                Err(_) => {
                    tracing::warn!("drain deadline passed; closing remaining connections");
                    Ok(())
                }
            }
        }
    };
    // Aborted tasks drop what they hold (the ledger, so the store) only when the
    // runtime next polls them: wait for that, so that a node restarted on the same data
    // directory in this process finds the database released.
    scheduler.abort();
    let _ = scheduler.await;
    if let Some(s) = sync_schedule {
        s.abort();
        let _ = s.await;
    }
    // The writer finishes every queued job, flushes and exits.
    ledger.shutdown(writer).await;
    store.flush().context("final flush")?;
    result.context("gRPC server")?;
    tracing::info!("node stopped cleanly");
    Ok(())
}

fn read(p: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(p).with_context(|| format!("reading {}", p.display()))
}

/// Opens and checks the database and starts the ledger, marking each step done in
/// `metrics.ready`.
fn open(
    cfg: &Config,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<(Arc<Store>, Ledger, std::thread::JoinHandle<()>)> {
    let store = Arc::new(
        Store::open_with_cache(&cfg.data_dir, cfg.storage.cache_mb)
            .with_context(|| format!("opening the database in {}", cfg.data_dir.display()))?,
    );
    metrics.ready.store_open.store(true, Relaxed);
    let signer = crate::config::read_node_key(&cfg.node_key)
        .with_context(|| format!("reading node key {}", cfg.node_key.display()))?;
    // What `vrs-node verify` checks, cheaply: a database it would reject is not served.
    crate::verify::check_at_start(&store, &signer.verifier_key()).with_context(|| {
        format!(
            "the database in {} fails its check (run `vrs-node verify --data {}`)",
            cfg.data_dir.display(),
            cfg.data_dir.display()
        )
    })?;
    let (ledger, writer) = Ledger::start(
        store.clone(),
        &cfg.state,
        signer,
        LedgerOptions {
            max_batch: cfg.limits.max_batch,
            max_payload_bytes: cfg.limits.max_message_bytes,
            aggregates_every: crate::aggregates::PERSIST_EVERY,
        },
        crate::releases::ReleaseSettings::from_config(&cfg.release)
            .map_err(|e| anyhow::anyhow!("release settings: {e}"))?,
        metrics.clone(),
    )?;
    // `Ledger::start` checked the anchor again, and the checkpoint is in place.
    metrics.ready.anchor_checked.store(true, Relaxed);
    metrics.log_size.store(store.size()?, Relaxed);
    metrics.attach_store(&store);
    Ok((store, ledger, writer))
}

/// The mTLS acceptor on `listener`, counting in `metrics`.
fn tls_incoming(
    cfg: &Config,
    listener: TcpListener,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<
    impl tokio_stream::Stream<Item = Result<crate::tls::TlsConn, std::io::Error>> + Send + 'static,
> {
    let crl = cfg.tls.crl.as_deref().map(read).transpose()?;
    let tls = crate::tls::server_config(
        &read(&cfg.tls.cert)?,
        &read(&cfg.tls.key)?,
        &read(&cfg.tls.ca)?,
        crl.as_deref(),
    )?;
    let m = metrics.clone();
    let limits = crate::tls::AcceptLimits {
        handshake_timeout: cfg.tls.handshake_timeout(),
        first_byte_timeout: Duration::from_millis(cfg.tls.first_byte_timeout_ms),
        max_handshakes: crate::tls::MAX_PENDING_HANDSHAKES,
        max_handshakes_per_source: cfg.tls.max_handshakes_per_source,
        max_connections: cfg.limits.max_connections,
    };
    Ok(crate::tls::incoming_with(
        listener,
        tls,
        limits,
        metrics.tls.clone(),
        move |why| m.handshake_failed(why),
    ))
}

/// Every gRPC service of the node, with its limits (a secretariat's node holds no
/// reports: no report service).
fn router(
    cfg: &Config,
    services: Services,
    health: tonic_health::pb::health_server::HealthServer<
        impl tonic_health::pb::health_server::Health,
    >,
    secretariat: bool,
) -> anyhow::Result<tonic::transport::server::Router> {
    let limit = cfg.limits.max_message_bytes;
    let (reflection, reflection_v1alpha) = reflection()?;
    Ok(tonic::transport::Server::builder()
        .timeout(Duration::from_millis(cfg.limits.rpc_deadline_ms))
        .max_concurrent_streams(cfg.limits.max_concurrent_streams)
        .add_service(health)
        .add_service(reflection)
        .add_service(reflection_v1alpha)
        .add_optional_service((!secretariat).then(|| {
            pb::report_service_server::ReportServiceServer::new(services.clone())
                .max_decoding_message_size(limit)
        }))
        .add_service(
            pb::log_service_server::LogServiceServer::new(services.clone())
                .max_decoding_message_size(limit),
        )
        .add_service(
            pb::admin_service_server::AdminServiceServer::new(services.clone())
                .max_decoding_message_size(limit),
        )
        .add_service(
            pb::federation_service_server::FederationServiceServer::new(services.clone())
                .max_decoding_message_size(limit)
                .max_encoding_message_size(vrs_proto::MAX_RESPONSE_BYTES),
        )
        .add_service(pb::sync_service_server::SyncServiceServer::new(
            services.clone(),
        ))
        .add_service(
            pb::directory_service_server::DirectoryServiceServer::new(services.clone())
                .max_decoding_message_size(limit)
                .max_encoding_message_size(vrs_proto::MAX_RESPONSE_BYTES),
        )
        .add_service(
            pb::aggregates_service_server::AggregatesServiceServer::new(services)
                .max_decoding_message_size(limit)
                .max_encoding_message_size(vrs_proto::MAX_RESPONSE_BYTES),
        ))
}

/// The names of the services [`router`] serves for this role: the node's own, health
/// and both reflections (a secretariat's node serves no ReportService, whose health is
/// then unknown: NOT_FOUND).
pub fn served_services(secretariat: bool) -> Vec<&'static str> {
    use tonic::server::NamedService;
    let mut names = vec![
        <tonic_health::pb::health_server::HealthServer<tonic_health::server::HealthService> as NamedService>::NAME,
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ];
    if !secretariat {
        names
            .push(<pb::report_service_server::ReportServiceServer<Services> as NamedService>::NAME);
    }
    names.extend([
        <pb::log_service_server::LogServiceServer<Services> as NamedService>::NAME,
        <pb::admin_service_server::AdminServiceServer<Services> as NamedService>::NAME,
        <pb::federation_service_server::FederationServiceServer<Services> as NamedService>::NAME,
        <pb::sync_service_server::SyncServiceServer<Services> as NamedService>::NAME,
        <pb::directory_service_server::DirectoryServiceServer<Services> as NamedService>::NAME,
        <pb::aggregates_service_server::AggregatesServiceServer<Services> as NamedService>::NAME,
    ]);
    names
}

/// Sets the health of each of `services` (and of the server as a whole, `""`).
async fn set_health(
    reporter: &tonic_health::server::HealthReporter,
    services: &[&'static str],
    status: ServingStatus,
) {
    for name in services.iter().copied().chain([""]) {
        reporter.set_service_status(name, status).await;
    }
}

/// The release scheduler: closes due periods and releases them, exactly once.
fn release_scheduler(ledger: Ledger, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match ledger.release_due(crate::grpc::today()).await {
                Ok(made) if !made.is_empty() => {
                    tracing::info!(releases = made.len(), "scheduled releases made");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduled release failed"),
            }
        }
    })
}

/// Server reflection in both versions: v1, and v1alpha for the grpcurl and grpc_cli
/// that still speak only it.
#[allow(clippy::type_complexity)]
fn reflection() -> anyhow::Result<(
    tonic_reflection::pb::v1::server_reflection_server::ServerReflectionServer<
        impl tonic_reflection::pb::v1::server_reflection_server::ServerReflection,
    >,
    tonic_reflection::pb::v1alpha::server_reflection_server::ServerReflectionServer<
        impl tonic_reflection::pb::v1alpha::server_reflection_server::ServerReflection,
    >,
)> {
    let builder = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(vrs_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    Ok((
        builder().build_v1().context("building reflection v1")?,
        builder()
            .build_v1alpha()
            .context("building reflection v1alpha")?,
    ))
}
