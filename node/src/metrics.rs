//! Prometheus metrics in the text exposition format, served on a separate plain-HTTP
//! listener (127.0.0.1 by default). Counters are atomics; nothing here blocks.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::net::TcpListener;

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
    /// Failed TLS handshakes.
    pub tls_handshake_failures: AtomicU64,
    /// What the TLS acceptor counts: handshakes in progress, open connections, and
    /// connections refused by each of its limits.
    pub tls: Arc<crate::tls::AcceptStats>,
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
            tls_handshake_failures: AtomicU64::new(0),
            tls: Arc::default(),
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

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
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
            &mut out,
            "vrs_submit_latency_seconds",
            "Time from receiving a submission to answering it.",
        );
        let _ = writeln!(
            out,
            "# HELP vrs_log_size Entries in the log.\n# TYPE vrs_log_size gauge\nvrs_log_size {}",
            self.log_size.load(Relaxed)
        );
        self.flush_batch
            .render(&mut out, "vrs_flush_batch_size", "Jobs per group commit.");
        self.flush_duration.render(
            &mut out,
            "vrs_flush_duration_seconds",
            "Duration of a group commit including flush and fdatasync.",
        );
        let _ = writeln!(
            out,
            "# HELP vrs_tls_handshake_failures_total Failed TLS handshakes.\n# TYPE vrs_tls_handshake_failures_total counter\nvrs_tls_handshake_failures_total {}",
            self.tls_handshake_failures.load(Relaxed)
        );
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
        out
    }
}

/// Serves `GET /metrics` (the Prometheus text format) on `listener` until `shutdown`
/// resolves, with axum; any other path is 404.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use axum::http::header::CONTENT_TYPE;
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let body = metrics.render();
                async move { ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body) }
            }),
        )
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "not found\n") });
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
        stop.send(()).unwrap();
        server.await.unwrap();
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
