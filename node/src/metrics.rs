//! Prometheus metrics in the text exposition format, and the liveness and readiness
//! probes, served on a separate plain-HTTP listener (127.0.0.1 by default).
//!
//! The exposition is written by hand (a few dozen lines): every family once, with its
//! `# HELP` and `# TYPE` first, counters named `_total`, label values escaped; the
//! end-to-end test parses it with a Prometheus text parser and checks what
//! `promtool check metrics` checks. Counters are atomics or short-held locks; nothing
//! here waits on the database, except the alarm count (one prefix scan of a few keys).
//!
//! `GET /healthz` answers 200 while the process serves HTTP at all; `GET /readyz`
//! answers 200 once the database is open, its anchor and latest checkpoint checked,
//! and the gRPC listener serving ([`Readiness`]), 503 naming what is missing before
//! that and again while the node drains.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::net::TcpListener;

use crate::storage::Store;
use crate::tls::HandshakeFailure;

/// A histogram with fixed upper bounds.
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    /// Records one observation (in the histogram's unit).
    pub fn observe(&self, v: f64) {
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            if v <= *b {
                c.fetch_add(1, Relaxed);
            }
        }
        self.sum_micros.fetch_add((v * 1e6) as u64, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {}", c.load(Relaxed));
        }
        let n = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {n}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {n}");
    }
}

const LATENCY: &[f64] = &[
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

/// The outcome of a submission: the label of `vrs_submissions_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Logged.
    Accepted,
    /// Already logged (the same envelope again).
    Duplicate,
    /// Refused: malformed or invalid.
    InvalidArgument,
    /// Refused: the signature is not tied to a valid key.
    Unauthenticated,
    /// Refused: the submitter may not do this.
    PermissionDenied,
    /// Refused: conflicts with the log's state.
    FailedPrecondition,
    /// Refused: a first version of a report that exists.
    AlreadyExists,
    /// Refused: what it names does not exist.
    NotFound,
    /// Refused: the node is shutting down.
    Unavailable,
    /// Failed: storage.
    Internal,
}

impl SubmitOutcome {
    /// Every outcome, in the order they are exposed.
    pub const ALL: &[SubmitOutcome] = &[
        Self::Accepted,
        Self::Duplicate,
        Self::InvalidArgument,
        Self::Unauthenticated,
        Self::PermissionDenied,
        Self::FailedPrecondition,
        Self::AlreadyExists,
        Self::NotFound,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The metric label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
            Self::InvalidArgument => "invalid_argument",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied => "permission_denied",
            Self::FailedPrecondition => "failed_precondition",
            Self::AlreadyExists => "already_exists",
            Self::NotFound => "not_found",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// Every metric of the node.
pub struct Metrics {
    submissions: Vec<AtomicU64>,
    /// Submission latency, seconds.
    pub submit_latency: Histogram,
    /// Entries in the log.
    pub log_size: AtomicU64,
    /// Jobs per group commit.
    pub flush_batch: Histogram,
    /// Duration of a group commit (checks, flush, fdatasync), seconds.
    pub flush_duration: Histogram,
    /// Failed TLS handshakes, by [`HandshakeFailure`].
    tls_handshake_failures: Vec<AtomicU64>,
    /// What the TLS acceptor counts: handshakes in progress, open connections, and
    /// connections refused by each of its limits.
    pub tls: Arc<crate::tls::AcceptStats>,
    /// What `/readyz` answers from.
    pub ready: Readiness,
    sync: Mutex<BTreeMap<String, PeerCounters>>,
    releases: Mutex<BTreeMap<String, TableCounters>>,
    /// The database, once open: the alarm count is read from it. Weak, so that the
    /// metrics (which the endpoint's task may hold a little longer) never keep the
    /// database open after the node stops.
    store: OnceLock<Weak<Store>>,
}

/// What the node must have done before it is ready; each flag is set once done
/// (`listener_up` is cleared again when the node starts draining).
#[derive(Debug, Default)]
pub struct Readiness {
    /// The database is open.
    pub store_open: AtomicBool,
    /// The anchor and the latest checkpoint are checked (`verify::check_at_start`).
    pub anchor_checked: AtomicBool,
    /// The gRPC listener is bound and served.
    pub listener_up: AtomicBool,
}

impl Readiness {
    /// What is not done yet; empty when ready.
    pub fn missing(&self) -> Vec<&'static str> {
        [
            (&self.store_open, "database not open"),
            (&self.anchor_checked, "anchor not checked"),
            (&self.listener_up, "gRPC listener not serving"),
        ]
        .into_iter()
        .filter(|(flag, _)| !flag.load(Relaxed))
        .map(|(_, what)| what)
        .collect()
    }
}

/// One peer's sync counters since the node started.
#[derive(Debug, Default, Clone)]
struct PeerCounters {
    last_success: i64,
    runs: u64,
    failures: u64,
    fetched: u64,
    rejected: u64,
    bytes: u64,
}

/// One finished sync run with a peer, as counted.
#[derive(Debug, Default, Clone, Copy)]
pub struct SyncRun {
    /// Whether it succeeded.
    pub ok: bool,
    /// Releases fetched and stored.
    pub fetched: u64,
    /// Releases refused.
    pub rejected: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Unix seconds of the peer's last successful run (0: never).
    pub last_success: i64,
}

/// A per-peer family: name, type, help, and the value of a peer.
type PeerFamily = (
    &'static str,
    &'static str,
    &'static str,
    fn(&PeerCounters) -> String,
);

/// A per-table family (a counter): name, help, and the value of a table.
type TableFamily = (&'static str, &'static str, fn(&TableCounters) -> String);

/// One table's release counters since the node started.
#[derive(Debug, Default, Clone)]
struct TableCounters {
    releases: u64,
    cells_withheld: u64,
    epsilon_spent: f64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            submissions: SubmitOutcome::ALL
                .iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
            submit_latency: Histogram::new(LATENCY),
            log_size: AtomicU64::new(0),
            flush_batch: Histogram::new(BATCH),
            flush_duration: Histogram::new(LATENCY),
            tls_handshake_failures: HandshakeFailure::ALL
                .iter()
                .map(|_| AtomicU64::new(0))
                .collect(),
            tls: Arc::default(),
            ready: Readiness::default(),
            sync: Mutex::default(),
            releases: Mutex::default(),
            store: OnceLock::new(),
        }
    }
}

impl Metrics {
    /// Counts one submission with `outcome` and its latency.
    pub fn submission(&self, outcome: SubmitOutcome, latency: Duration) {
        self.submissions[outcome.index()].fetch_add(1, Relaxed);
        self.submit_latency.observe(latency.as_secs_f64());
    }

    /// Records one group commit.
    pub fn observe_flush(&self, jobs: usize, took: Duration) {
        self.flush_batch.observe(jobs as f64);
        self.flush_duration.observe(took.as_secs_f64());
    }

    /// Submissions counted with `outcome`.
    pub fn submissions(&self, outcome: SubmitOutcome) -> u64 {
        self.submissions[outcome.index()].load(Relaxed)
    }

    /// Counts one failed TLS handshake.
    pub fn handshake_failed(&self, why: HandshakeFailure) {
        self.tls_handshake_failures[why.index()].fetch_add(1, Relaxed);
    }

    /// Failed TLS handshakes counted with `why`.
    pub fn handshake_failures(&self, why: HandshakeFailure) -> u64 {
        self.tls_handshake_failures[why.index()].load(Relaxed)
    }

    /// Declares a peer (so that its series exist before its first run), with the
    /// last success of its stored record.
    pub fn sync_peer(&self, peer: &str, last_success: i64) {
        let mut sync = self.sync.lock().unwrap_or_else(|p| p.into_inner());
        let c = sync.entry(peer.to_owned()).or_default();
        c.last_success = c.last_success.max(last_success);
    }

    /// Counts one finished sync run with `peer`.
    pub fn sync_run(&self, peer: &str, run: SyncRun) {
        let mut sync = self.sync.lock().unwrap_or_else(|p| p.into_inner());
        let c = sync.entry(peer.to_owned()).or_default();
        c.runs += 1;
        c.failures += u64::from(!run.ok);
        c.fetched += run.fetched;
        c.rejected += run.rejected;
        c.bytes += run.bytes;
        c.last_success = c.last_success.max(run.last_success);
    }

    /// Counts one release of `table` made by this node: the cells it withheld (at
    /// least one value not published) and the ε it spent (0 under the threshold policy).
    pub fn release_made(&self, table: &str, cells_withheld: u64, epsilon: f64) {
        let mut releases = self.releases.lock().unwrap_or_else(|p| p.into_inner());
        let c = releases.entry(table.to_owned()).or_default();
        c.releases += 1;
        c.cells_withheld += cells_withheld;
        c.epsilon_spent += epsilon;
    }

    /// The open database, for the families read from it (the alarms). Set once.
    pub fn attach_store(&self, store: &Arc<Store>) {
        let _ = self.store.set(Arc::downgrade(store));
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        let _ = writeln!(
            out,
            "# HELP vrs_build_info The running build: its version.\n# TYPE vrs_build_info gauge\nvrs_build_info{{version=\"{}\"}} 1",
            escape(env!("CARGO_PKG_VERSION"))
        );
        self.render_submissions(&mut out);
        self.render_tls(&mut out);
        self.render_sync(&mut out);
        self.render_releases(&mut out);
        out
    }

    fn render_submissions(&self, out: &mut String) {
        out.push_str("# HELP vrs_submissions_total Report submissions by outcome.\n# TYPE vrs_submissions_total counter\n");
        for (o, c) in SubmitOutcome::ALL.iter().zip(&self.submissions) {
            let _ = writeln!(
                out,
                "vrs_submissions_total{{outcome=\"{}\"}} {}",
                o.label(),
                c.load(Relaxed)
            );
        }
        self.submit_latency.render(
            out,
            "vrs_submit_latency_seconds",
            "Time from receiving a submission to answering it.",
        );
        let _ = writeln!(
            out,
            "# HELP vrs_log_size Entries in the log.\n# TYPE vrs_log_size gauge\nvrs_log_size {}",
            self.log_size.load(Relaxed)
        );
        self.flush_batch.render(
            out,
            "vrs_flush_batch_size",
            "Jobs per group commit (the count is the number of group commits).",
        );
        self.flush_duration.render(
            out,
            "vrs_flush_duration_seconds",
            "Duration of a group commit including flush and fdatasync.",
        );
    }

    fn render_tls(&self, out: &mut String) {
        out.push_str("# HELP vrs_tls_handshake_failures_total Connections that did not become TLS connections, by reason.\n# TYPE vrs_tls_handshake_failures_total counter\n");
        for (why, c) in HandshakeFailure::ALL
            .iter()
            .zip(&self.tls_handshake_failures)
        {
            let _ = writeln!(
                out,
                "vrs_tls_handshake_failures_total{{reason=\"{}\"}} {}",
                why.label(),
                c.load(Relaxed)
            );
        }
        let t = &self.tls;
        for (name, kind, help, v) in [
            (
                "vrs_tls_handshakes_in_progress",
                "gauge",
                "TLS handshakes in progress.",
                &t.handshakes_in_progress,
            ),
            (
                "vrs_tls_connections_open",
                "gauge",
                "Open connections whose TLS handshake completed.",
                &t.connections_open,
            ),
            (
                "vrs_tls_first_byte_timeouts_total",
                "counter",
                "Connections closed because they sent nothing in time.",
                &t.first_byte_timeouts,
            ),
            (
                "vrs_tls_handshakes_resumed_total",
                "counter",
                "TLS handshakes that resumed an earlier session.",
                &t.handshakes_resumed,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP vrs_tls_connections_refused_total Connections closed by a limit of the acceptor.\n# TYPE vrs_tls_connections_refused_total counter"
        );
        for (limit, v) in [
            ("per_source_handshakes", &t.refused_per_source),
            ("handshakes", &t.refused_handshakes_full),
            ("connections", &t.refused_connections_full),
        ] {
            let _ = writeln!(
                out,
                "vrs_tls_connections_refused_total{{limit=\"{limit}\"}} {}",
                v.load(Relaxed)
            );
        }
    }

    fn render_sync(&self, out: &mut String) {
        let sync = self.sync.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let families: [PeerFamily; 6] = [
            (
                "vrs_sync_last_success_timestamp_seconds",
                "gauge",
                "Unix time of the last successful sync run with the peer (0: never).",
                |c| c.last_success.to_string(),
            ),
            (
                "vrs_sync_runs_total",
                "counter",
                "Sync runs with the peer since the node started.",
                |c| c.runs.to_string(),
            ),
            (
                "vrs_sync_failures_total",
                "counter",
                "Sync runs with the peer that failed (every attempt).",
                |c| c.failures.to_string(),
            ),
            (
                "vrs_sync_fetched_total",
                "counter",
                "Releases fetched from the peer, verified and stored.",
                |c| c.fetched.to_string(),
            ),
            (
                "vrs_sync_rejected_total",
                "counter",
                "Releases from the peer refused (each with its reason in the sync record).",
                |c| c.rejected.to_string(),
            ),
            (
                "vrs_sync_received_bytes_total",
                "counter",
                "Bytes received from the peer by sync (manifests and releases).",
                |c| c.bytes.to_string(),
            ),
        ];
        for (name, kind, help, value) in families {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (peer, c) in &sync {
                let _ = writeln!(out, "{name}{{peer=\"{}\"}} {}", escape(peer), value(c));
            }
        }
        let alarms = self
            .store
            .get()
            .and_then(Weak::upgrade)
            .and_then(|s| s.alarms().ok())
            .map_or(0, |a| a.len());
        let _ = writeln!(
            out,
            "# HELP vrs_witness_alarms Equivocation alarms raised by witnessing (split views, rollbacks), held in the database.\n# TYPE vrs_witness_alarms gauge\nvrs_witness_alarms {alarms}"
        );
    }

    fn render_releases(&self, out: &mut String) {
        let releases = self
            .releases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let families: [TableFamily; 3] = [
            (
                "vrs_releases_made_total",
                "Releases of the table this node made and signed since it started.",
                |c| c.releases.to_string(),
            ),
            (
                "vrs_release_cells_withheld_total",
                "Cells of this node's releases of the table with at least one value withheld (suppressed or confidential).",
                |c| c.cells_withheld.to_string(),
            ),
            (
                "vrs_release_budget_spent_epsilon_total",
                "Privacy budget (epsilon) spent by this node's noise releases of the table.",
                |c| c.epsilon_spent.to_string(),
            ),
        ];
        for (name, help, value) in families {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (table, c) in &releases {
                let _ = writeln!(out, "{name}{{table=\"{}\"}} {}", escape(table), value(c));
            }
        }
    }
}

/// A label value as the text format writes it: `\\`, `\"` and `\n` escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serves `GET /metrics` (the Prometheus text format), `GET /healthz` and `GET /readyz`
/// on `listener` until `shutdown` resolves, with axum; any other path is 404.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use axum::http::StatusCode;
    use axum::http::header::CONTENT_TYPE;
    let m = metrics.clone();
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let body = m.render();
                async move { ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body) }
            }),
        )
        .route("/healthz", axum::routing::get(|| async { "ok\n" }))
        .route(
            "/readyz",
            axum::routing::get(move || {
                let missing = metrics.ready.missing();
                async move {
                    if missing.is_empty() {
                        (StatusCode::OK, "ready\n".to_owned())
                    } else {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            format!("not ready: {}\n", missing.join(", ")),
                        )
                    }
                }
            }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") });
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::warn!(error = %e, "metrics endpoint failed");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_the_exposition_and_nothing_else_until_shut_down() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::new(Metrics::default());
        metrics.submission(SubmitOutcome::Duplicate, Duration::from_millis(3));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, metrics, async {
            let _ = stopped.await;
        }));
        let ok = get(addr, "/metrics").await;
        assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
        assert!(ok.contains("text/plain; version=0.0.4"), "{ok}");
        assert!(
            ok.contains("vrs_submissions_total{outcome=\"duplicate\"} 1"),
            "{ok}"
        );
        assert!(get(addr, "/other").await.starts_with("HTTP/1.1 404"));
        assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
        let not_ready = get(addr, "/readyz").await;
        assert!(not_ready.starts_with("HTTP/1.1 503"), "{not_ready}");
        assert!(not_ready.contains("database not open"), "{not_ready}");
        stop.send(()).unwrap();
        server.await.unwrap();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }

    #[tokio::test]
    async fn readyz_answers_200_once_everything_is_done_and_503_again_when_draining() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let metrics = Arc::new(Metrics::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, metrics.clone(), async {
            let _ = stopped.await;
        }));
        metrics.ready.store_open.store(true, Relaxed);
        metrics.ready.anchor_checked.store(true, Relaxed);
        let half = get(addr, "/readyz").await;
        assert!(half.starts_with("HTTP/1.1 503"), "{half}");
        assert!(half.contains("gRPC listener not serving"), "{half}");
        assert!(!half.contains("database not open"), "{half}");
        metrics.ready.listener_up.store(true, Relaxed);
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
        metrics.ready.listener_up.store(false, Relaxed);
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 503"));
        stop.send(()).unwrap();
        server.await.unwrap();
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::default();
        metrics.sync_run("A\"B\\C\nD", SyncRun::default());
        let text = metrics.render();
        assert!(
            text.contains("vrs_sync_runs_total{peer=\"A\\\"B\\\\C\\nD\"} 1"),
            "{text}"
        );
    }
}
