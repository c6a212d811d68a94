//! Prometheus metrics in the text exposition format, served on a separate plain-HTTP
//! listener (127.0.0.1 by default). Counters are atomics; nothing here blocks.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
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

/// Outcomes of a submission, as metric labels.
pub const OUTCOMES: &[&str] = &[
    "accepted",
    "duplicate",
    "invalid_argument",
    "unauthenticated",
    "permission_denied",
    "failed_precondition",
    "already_exists",
    "not_found",
    "unavailable",
    "internal",
];

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
            submissions: OUTCOMES.iter().map(|_| AtomicU64::new(0)).collect(),
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
    /// Counts one submission with `outcome` (one of [`OUTCOMES`]) and its latency.
    pub fn submission(&self, outcome: &str, latency: Duration) {
        if let Some(i) = OUTCOMES.iter().position(|o| *o == outcome) {
            self.submissions[i].fetch_add(1, Relaxed);
        }
        self.submit_latency.observe(latency.as_secs_f64());
    }

    /// Records one group commit.
    pub fn observe_flush(&self, jobs: usize, took: Duration) {
        self.flush_batch.observe(jobs as f64);
        self.flush_duration.observe(took.as_secs_f64());
    }

    /// Submissions counted with `outcome`.
    pub fn submissions(&self, outcome: &str) -> u64 {
        OUTCOMES
            .iter()
            .position(|o| *o == outcome)
            .map_or(0, |i| self.submissions[i].load(Relaxed))
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP vrs_submissions_total Report submissions by outcome.\n# TYPE vrs_submissions_total counter\n");
        for (o, c) in OUTCOMES.iter().zip(&self.submissions) {
            let _ = writeln!(
                out,
                "vrs_submissions_total{{outcome=\"{o}\"}} {}",
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

/// Serves `GET /metrics` on `listener` until `shutdown` resolves. Plain HTTP/1.1,
/// one request per connection; anything else gets 404.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (mut sock, _) = tokio::select! {
            _ = &mut shutdown => return,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics accept failed");
                    continue;
                }
            },
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let n = match tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let req = String::from_utf8_lossy(&buf[..n]);
            let (status, body) = if req.starts_with("GET /metrics ") {
                ("200 OK", metrics.render())
            } else {
                ("404 Not Found", "not found\n".to_owned())
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        });
    }
}
