//! Load generator for `vrs-node`: signed reports over real gRPC + mutual TLS.
//!
//! ```text
//! cargo run --release -p vrs-tests --example loadgen -- --clients 32 --seconds 10
//! ```
//!
//! In one run it
//!
//! 1. makes a throw-away PKI and an in-process node (the test harness), registers a
//!    focal point's key and pre-signs the reports (distinct report ids, cycling through
//!    the five record types; signing is client work and is not measured);
//! 2. drives the node with N concurrent tokio tasks sharing ONE tonic `Channel` for a
//!    warm-up and then a fixed duration (or until the pre-signed reports run out), and
//!    prints throughput and p50/p99/max latency of durable submissions, plus the group
//!    commit batch sizes read from the node's metrics (`vrs_flush_batch_size`);
//! 3. measures "the limit": the bare primitives behind the same transport. A minimal
//!    tonic `ReportService` over the node's own mTLS acceptor (`vrs_node::tls::incoming`
//!    and `server_config`, the node's server settings) whose handler does the same
//!    authorization and one ring Ed25519 verify of the envelope, then one sled insert
//!    of the entry bytes, and answers once a group-commit writer thread has done sled
//!    flush + fdatasync for its batch (same sled configuration as the node). It is
//!    driven by the same client loop. Two variants are measured: the insert made in the
//!    handler (concurrently, on the runtime's threads) and the insert made by the
//!    writer thread just before the flush; the faster one is the limit, and the ratio
//!    node/limit is printed.
//!
//! Options: `--clients N` (32), `--seconds S` (10), `--warmup S` (1), `--reports N`
//! (pre-signed pool; default enough for 16,000/s), `--max-batch N` (the node's
//! `limits.max_batch`; default the node's default), `--limit-insert handler|writer|both`
//! (both), `--no-limit`, `--limit-only`.
//!
//! Everything runs in this one process on one multi-threaded tokio runtime (one worker
//! per core), so client and server share the machine's cores, as the figures assume.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tonic::transport::Channel;
use tonic::{Request, Response, Status};
use vrs_client::pki::Identity;
use vrs_core::report::Iso3;
use vrs_core::report::RecordType;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_node::grpc::{Allow, authorize};
use vrs_proto::v1 as pb;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_tests::{FocalPoint, InProcessNode, Pki, connect, node_files, register};

const STATE: &str = "GRC";
const FOCAL_POINT: &str = "hcg-piraeus-01";

// ---------------------------------------------------------------------------------------
// Arguments

struct Args {
    clients: usize,
    seconds: f64,
    warmup: f64,
    reports: Option<usize>,
    max_batch: Option<usize>,
    node: bool,
    limit: bool,
    limit_insert: Vec<InsertIn>,
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen [--clients N] [--seconds S] [--warmup S] [--reports N] \
         [--max-batch N] [--limit-insert handler|writer|both] [--no-limit | --limit-only]"
    );
    std::process::exit(64)
}

fn parse_args() -> Args {
    let mut a = Args {
        clients: 32,
        seconds: 10.0,
        warmup: 1.0,
        reports: None,
        max_batch: None,
        node: true,
        limit: true,
        limit_insert: vec![InsertIn::Handler, InsertIn::Writer],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> String {
            it.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value");
                usage()
            })
        };
        fn num<T: std::str::FromStr>(name: &str, v: &str) -> T {
            v.parse().unwrap_or_else(|_| {
                eprintln!("{name}: {v:?} is not a number");
                usage()
            })
        }
        match flag.as_str() {
            "--clients" => a.clients = num("--clients", &value("--clients")),
            "--seconds" => a.seconds = num("--seconds", &value("--seconds")),
            "--warmup" => a.warmup = num("--warmup", &value("--warmup")),
            "--reports" => a.reports = Some(num("--reports", &value("--reports"))),
            "--max-batch" => a.max_batch = Some(num("--max-batch", &value("--max-batch"))),
            "--no-limit" => a.limit = false,
            "--limit-insert" => {
                a.limit_insert = match value("--limit-insert").as_str() {
                    "handler" => vec![InsertIn::Handler],
                    "writer" => vec![InsertIn::Writer],
                    "both" => vec![InsertIn::Handler, InsertIn::Writer],
                    other => {
                        eprintln!("--limit-insert: {other:?} is not handler, writer or both");
                        usage()
                    }
                }
            }
            "--limit-only" => a.node = false,
            "-h" | "--help" => usage(),
            other => {
                eprintln!("unknown argument {other:?}");
                usage()
            }
        }
    }
    if a.clients == 0 || a.seconds <= 0.0 || a.warmup < 0.0 {
        usage()
    }
    a
}

// ---------------------------------------------------------------------------------------
// Pre-signed reports

/// Signs `n` reports with distinct report ids on all cores (client work, not measured).
fn presign(fp: &FocalPoint, n: usize) -> Vec<pb::SubmitRequest> {
    let state = Iso3::new(STATE).expect("state code");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|lo| {
                let hi = (lo + chunk).min(n);
                s.spawn(move || {
                    (lo..hi)
                        .map(|i| {
                            let p = ExampleParams::new(
                                state,
                                FOCAL_POINT,
                                examples::report_id(i as u64 + 1),
                            );
                            let report =
                                examples::example(RecordType::ALL[i % RecordType::ALL.len()], &p);
                            pb::SubmitRequest {
                                envelope: Some(fp.sign(&pb::Report::from(&report))),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signing thread"))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------
// The client loop

struct RunStats {
    /// Successful requests completed inside the measured window.
    completed: u64,
    /// Latencies (µs) of successful requests started inside the window.
    latencies_us: Vec<u32>,
    /// Failed requests (any phase) and the first error.
    errors: u64,
    first_error: Option<String>,
    /// Responses flagged `duplicate` (must be 0 for the node).
    duplicates: u64,
    window: Duration,
    /// The pre-signed pool ran out before the deadline.
    exhausted: bool,
    /// Requests sent, warm-up included.
    sent: usize,
    /// One successful answer and the index of its request, to check offline.
    sample: Option<(usize, pb::SubmitResponse)>,
}

/// Runs `clients` tasks sharing `channel` for `warmup + seconds`; a request index
/// past the end of `requests` wraps around when `cycle`, or ends the run.
async fn drive(
    channel: Channel,
    requests: Arc<Vec<pb::SubmitRequest>>,
    clients: usize,
    warmup: Duration,
    seconds: Duration,
    cycle: bool,
    at_measure_start: impl FnOnce(),
) -> RunStats {
    let next = Arc::new(AtomicUsize::new(0));
    let exhausted = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let measure_start = t0 + warmup;
    let end = measure_start + seconds;
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut client = ReportServiceClient::new(channel.clone())
            .max_decoding_message_size(16 << 20)
            .max_encoding_message_size(16 << 20);
        let requests = requests.clone();
        let next = next.clone();
        let exhausted = exhausted.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(16_384);
            let (mut completed, mut errors, mut duplicates) = (0u64, 0u64, 0u64);
            let mut first_error = None;
            let mut sample = None;
            loop {
                if Instant::now() >= end {
                    break;
                }
                let mut i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests.len() {
                    if !cycle {
                        exhausted.store(true, Ordering::Relaxed);
                        break;
                    }
                    i %= requests.len();
                }
                let req = requests[i].clone();
                let started = Instant::now();
                let r = client.submit(req).await;
                let done = Instant::now();
                match r {
                    Ok(resp) => {
                        let resp = resp.into_inner();
                        if resp.duplicate {
                            duplicates += 1;
                        }
                        if sample.is_none() && started >= measure_start {
                            sample = Some((i, resp));
                        }
                        if started >= measure_start {
                            let us = (done - started).as_micros();
                            lat.push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                        if done >= measure_start && done <= end {
                            completed += 1;
                        }
                    }
                    Err(st) => {
                        errors += 1;
                        if first_error.is_none() {
                            first_error = Some(format!("{:?}: {}", st.code(), st.message()));
                        }
                    }
                }
            }
            (lat, completed, errors, duplicates, first_error, sample)
        }));
    }
    // Call the hook at the start of the measured window.
    tokio::time::sleep_until(measure_start.into()).await;
    at_measure_start();
    let mut stats = RunStats {
        completed: 0,
        latencies_us: Vec::new(),
        errors: 0,
        first_error: None,
        duplicates: 0,
        window: seconds,
        exhausted: false,
        sent: 0,
        sample: None,
    };
    for t in tasks {
        let (lat, completed, errors, duplicates, first_error, sample) =
            t.await.expect("client task");
        if stats.sample.is_none() {
            stats.sample = sample;
        }
        stats.latencies_us.extend(lat);
        stats.completed += completed;
        stats.errors += errors;
        stats.duplicates += duplicates;
        if stats.first_error.is_none() {
            stats.first_error = first_error;
        }
    }
    stats.exhausted = exhausted.load(Ordering::Relaxed);
    stats.sent = next.load(Ordering::Relaxed).min(requests.len());
    if stats.exhausted {
        // The window ended early: use the time of the last completion instead.
        stats.window = Instant::now().saturating_duration_since(measure_start);
    }
    stats.latencies_us.sort_unstable();
    stats
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

impl RunStats {
    fn throughput(&self) -> f64 {
        self.completed as f64 / self.window.as_secs_f64()
    }

    fn print(&self, what: &str) {
        let l = &self.latencies_us;
        println!(
            "{what}: {:.0} submissions/s ({} in {:.2} s); latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; errors {}, duplicates {}",
            self.throughput(),
            self.completed,
            self.window.as_secs_f64(),
            pct(l, 50.0),
            pct(l, 99.0),
            l.last().map_or(f64::NAN, |m| f64::from(*m) / 1000.0),
            self.errors,
            self.duplicates,
        );
        if let Some(e) = &self.first_error {
            println!("  first error: {e}");
        }
        if self.exhausted {
            println!(
                "  note: the {} pre-signed reports ran out before the deadline; use --reports",
                self.sent
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Node metrics

/// `(upper bound, cumulative count)` of the buckets of histogram `name`, and its sum.
fn histogram(text: &str, name: &str) -> (Vec<(String, u64)>, f64) {
    let prefix = format!("{name}_bucket{{le=\"");
    let mut buckets = Vec::new();
    let mut sum = 0.0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(&prefix) {
            if let Some((le, count)) = rest.split_once("\"} ") {
                buckets.push((le.to_owned(), count.trim().parse().unwrap_or(0)));
            }
        } else if let Some(v) = line.strip_prefix(&format!("{name}_sum ")) {
            sum = v.trim().parse().unwrap_or(0.0);
        }
    }
    (buckets, sum)
}

/// Prints the group commits of the measured window: batch size distribution (the
/// difference of two scrapes) and the mean commit duration.
fn print_batches(before: &str, after: &str) {
    let (b0, _) = histogram(before, "vrs_flush_batch_size");
    let (b1, jobs) = histogram(after, "vrs_flush_batch_size");
    let (_, d0) = histogram(before, "vrs_flush_duration_seconds");
    let (_, d1) = histogram(after, "vrs_flush_duration_seconds");
    let (_, s0) = histogram(before, "vrs_flush_batch_size");
    let cum: Vec<(String, u64)> = b1
        .iter()
        .map(|(le, c)| {
            let old = b0.iter().find(|(l, _)| l == le).map_or(0, |(_, c)| *c);
            (le.clone(), c - old)
        })
        .collect();
    let commits = cum.last().map_or(0, |(_, c)| *c);
    if commits == 0 {
        println!("node group commits: none in the measured window");
        return;
    }
    let jobs = jobs - s0;
    println!(
        "node group commits in the window: {commits}, mean batch {:.1} jobs, mean commit {:.2} ms (vrs_flush_duration_seconds)",
        jobs / commits as f64,
        (d1 - d0) * 1000.0 / commits as f64
    );
    let mut line = String::from("  vrs_flush_batch_size distribution (commits per bucket):");
    let mut prev = ("0".to_owned(), 0u64);
    for (le, c) in &cum {
        let n = c - prev.1;
        if n > 0 {
            line.push_str(&format!(" ({},{le}]: {n};", prev.0));
        }
        prev = (le.clone(), *c);
    }
    println!("{line}");
}

// ---------------------------------------------------------------------------------------
// The limit: bare primitives behind the same transport

/// Where the limit does its one sled insert per submission.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InsertIn {
    /// In the handler, concurrently, before waiting for the group commit.
    Handler,
    /// In the group-commit writer thread, just before the batch's flush.
    Writer,
}

/// One submission waiting for a group commit: the insert still to make (writer
/// variant) and where to answer.
type Waiter = (Option<(u64, Vec<u8>)>, tokio::sync::oneshot::Sender<bool>);

/// A report service that only verifies, inserts and group-commits.
#[derive(Clone)]
struct Bare {
    public_key: Arc<[u8; 32]>,
    db: sled::Db,
    seq: Arc<AtomicU64>,
    insert_in: InsertIn,
    commit: tokio::sync::mpsc::UnboundedSender<Waiter>,
    /// Group commits and jobs committed so far.
    commits: Arc<(AtomicU64, AtomicU64)>,
}

impl Bare {
    /// Opens sled as the node does and starts the group-commit writer thread.
    fn start(
        dir: &Path,
        public_key: [u8; 32],
        insert_in: InsertIn,
    ) -> (Self, std::thread::JoinHandle<()>) {
        let db = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            .flush_every_ms(None)
            .open()
            .expect("open sled");
        let data_file = std::fs::File::options()
            .read(true)
            .write(true)
            .open(dir.join("db"))
            .expect("open sled data file");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Waiter>();
        let wdb = db.clone();
        let commits = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        let counts = commits.clone();
        let rt = tokio::runtime::Handle::current();
        let writer = std::thread::Builder::new()
            .name("bare-writer".into())
            .spawn(move || {
                while let Some(first) = rx.blocking_recv() {
                    let mut waiting = vec![first];
                    while let Ok(w) = rx.try_recv() {
                        waiting.push(w);
                    }
                    let mut ok = true;
                    for (insert, _) in &mut waiting {
                        if let Some((index, entry)) = insert.take() {
                            ok &= wdb.insert(index.to_be_bytes(), entry).is_ok();
                        }
                    }
                    // One flush + fdatasync covers every insert made before its waiter
                    // was queued.
                    ok = ok && wdb.flush().is_ok() && data_file.sync_data().is_ok();
                    counts.0.fetch_add(1, Ordering::Relaxed);
                    counts.1.fetch_add(waiting.len() as u64, Ordering::Relaxed);
                    // Wake the handlers from one task on the runtime (as the node does):
                    // one cross-thread wake-up per group commit.
                    rt.spawn(async move {
                        for (_, w) in waiting {
                            let _ = w.send(ok);
                        }
                    });
                }
            })
            .expect("spawn writer");
        (
            Self {
                public_key: Arc::new(public_key),
                db,
                seq: Arc::new(AtomicU64::new(0)),
                insert_in,
                commit: tx,
                commits,
            },
            writer,
        )
    }
}

#[tonic::async_trait]
impl pb::report_service_server::ReportService for Bare {
    async fn submit(
        &self,
        req: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        authorize(&req, STATE, &[Allow::OwnFocalPoint])?;
        let env = req
            .into_inner()
            .envelope
            .ok_or_else(|| Status::invalid_argument("envelope required"))?;
        let env = vrs_core::wire::envelope_from_pb(env);
        env.verify(vrs_proto::REPORT_PAYLOAD_TYPE, &self.public_key[..])
            .map_err(|e| Status::unauthenticated(e.to_string()))?;
        let entry = env.to_entry_bytes();
        let index = self.seq.fetch_add(1, Ordering::Relaxed);
        let insert = match self.insert_in {
            InsertIn::Handler => {
                self.db
                    .insert(index.to_be_bytes(), entry)
                    .map_err(|e| Status::internal(e.to_string()))?;
                None
            }
            InsertIn::Writer => Some((index, entry)),
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.commit
            .send((insert, tx))
            .map_err(|_| Status::unavailable("writer stopped"))?;
        match rx.await {
            Ok(true) => Ok(Response::new(pb::SubmitResponse {
                receipt: Some(pb::Receipt {
                    tlog_proof: String::new(),
                    index,
                    entry_digest: Vec::new(),
                }),
                duplicate: false,
            })),
            _ => Err(Status::internal("flush failed")),
        }
    }

    async fn get_report(
        &self,
        _: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::GetReportResponse>, Status> {
        Err(Status::unimplemented("bare"))
    }

    async fn list_reports(
        &self,
        _: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        Err(Status::unimplemented("bare"))
    }
}

/// Serves [`Bare`] over the node's mTLS acceptor on port 0, with the node's server
/// settings. Returns its address, a stop handle and the server task.
async fn serve_bare(
    pki: &Pki,
    dir: &Path,
    public_key: [u8; 32],
    insert_in: InsertIn,
) -> (
    std::net::SocketAddr,
    Arc<(AtomicU64, AtomicU64)>,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (listener, tls) = pki.node_listener(STATE).await;
    let addr = listener.local_addr().expect("addr");
    let incoming = vrs_node::tls::incoming(listener, tls, Duration::from_secs(10), |_| {});
    let (bare, writer) = Bare::start(dir, public_key, insert_in);
    let commits = bare.commits.clone();
    let limits = vrs_node::config::Limits::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        tonic::transport::Server::builder()
            .timeout(limits.rpc_deadline())
            .max_concurrent_streams(limits.max_concurrent_streams)
            .add_service(
                pb::report_service_server::ReportServiceServer::new(bare)
                    .max_decoding_message_size(limits.max_message_bytes),
            )
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stopped.await;
            })
            .await
            .expect("bare server");
        // Every `Bare` clone is gone with the server: the writer sees its channel close.
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    });
    (addr, commits, stop, task)
}

// ---------------------------------------------------------------------------------------

#[tokio::main]
async fn main() {
    let args = parse_args();
    let warmup = Duration::from_secs_f64(args.warmup);
    let seconds = Duration::from_secs_f64(args.seconds);
    let pool = args
        .reports
        .unwrap_or(((args.seconds + args.warmup) * 16_000.0).ceil() as usize);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "vrs loadgen: {} clients on one channel, {:.0} s warm-up + {:.0} s measured, {} cores shared by client and server",
        args.clients, args.warmup, args.seconds, cores
    );

    let pki = Pki::new();
    let fp = FocalPoint::new(&pki, STATE, FOCAL_POINT, &format!("{FOCAL_POINT}-k1"));
    let t = Instant::now();
    let requests = Arc::new(presign(&fp, pool));
    println!(
        "pre-signed {} reports in {:.1} s (not measured)",
        requests.len(),
        t.elapsed().as_secs_f64()
    );

    let mut node_tput = None;
    if args.node {
        let extra = match args.max_batch {
            Some(n) => format!("[limits]\nmax_batch = {n}\n"),
            None => String::new(),
        };
        let files = node_files(&pki, STATE, None, &extra);
        let node = InProcessNode::start(&files).await;
        let admin = node.channel(&pki, &pki.issue(Identity::admin(STATE))).await;
        register(admin, &fp).await;
        let channel = node.channel(&pki, &fp.cert).await;
        let before = Arc::new(std::sync::Mutex::new(
            None::<tokio::task::JoinHandle<String>>,
        ));
        let metrics_addr = node.metrics_addr;
        let b = before.clone();
        let stats = drive(
            channel,
            requests.clone(),
            args.clients,
            warmup,
            seconds,
            false,
            move || {
                let h = tokio::spawn(vrs_tests::scrape(metrics_addr));
                *b.lock().expect("lock") = Some(h);
            },
        )
        .await;
        let after = node.metrics().await;
        let h = before.lock().expect("lock").take();
        let before = match h {
            Some(h) => h.await.expect("scrape"),
            None => String::new(),
        };
        stats.print("node  (verify + validate + group commit + receipt)");
        print_batches(&before, &after);
        node_tput = Some(stats.throughput());
        let p99 = pct(&stats.latencies_us, 99.0);
        println!(
            "target (>= 5000/s, p99 < 25 ms; set for 32 clients) at {} clients: {}",
            args.clients,
            if stats.throughput() >= 5000.0 && p99 < 25.0 && stats.errors == 0 {
                "met"
            } else {
                "NOT met"
            }
        );
        // Outside the measured loop: one receipt checked offline with the node's key only.
        if let Some((i, resp)) = &stats.sample {
            let entry = requests[*i]
                .envelope
                .clone()
                .map(|e| vrs_core::wire::envelope_from_pb(e).to_entry_bytes())
                .unwrap_or_default();
            let verifiers = vrs_core::note::Verifiers::from_vkeys([node.vkey.as_str()])
                .expect("node verifier key");
            let checked = resp
                .receipt
                .as_ref()
                .ok_or_else(|| "no receipt".to_owned())
                .and_then(|r| {
                    vrs_core::receipt::Receipt::parse(&r.tlog_proof).map_err(|e| e.to_string())
                })
                .and_then(|r| r.verify(&entry, &verifiers).map_err(|e| e.to_string()));
            match checked {
                Ok(v) => println!(
                    "sample receipt (log index {}) verifies offline against the checkpoint of size {}",
                    v.index, v.checkpoint.checkpoint.size
                ),
                Err(e) => println!("sample receipt does NOT verify: {e}"),
            }
        }
        node.stop().await;
    }

    if args.limit {
        let mut best = 0.0f64;
        for (i, insert_in) in args.limit_insert.iter().enumerate() {
            let t = run_limit(&pki, &fp, &requests, &args, *insert_in, i).await;
            best = best.max(t);
        }
        if args.limit_insert.len() > 1 {
            println!("limit (best of the variants): {best:.0} submissions/s");
        }
        if let Some(n) = node_tput {
            let ratio = n / best;
            println!(
                "ratio node/limit: {:.1}% (target >= 75%: {})",
                ratio * 100.0,
                if ratio >= 0.75 { "met" } else { "NOT met" }
            );
        }
    }
}

/// Serves the bare primitives, drives them like the node, prints and returns the
/// throughput.
async fn run_limit(
    pki: &Pki,
    fp: &FocalPoint,
    requests: &Arc<Vec<pb::SubmitRequest>>,
    args: &Args,
    insert_in: InsertIn,
    n: usize,
) -> f64 {
    let dir = pki.dir.path().join(format!("bare-{n}"));
    let (addr, commits, stop, task) = serve_bare(pki, &dir, fp.key.public_key(), insert_in).await;
    let channel = connect(addr, pki.ca.cert_pem(), &fp.cert)
        .await
        .expect("connect");
    let before = Arc::new(std::sync::Mutex::new((0u64, 0u64)));
    let (b, c) = (before.clone(), commits.clone());
    let stats = drive(
        channel,
        requests.clone(),
        args.clients,
        Duration::from_secs_f64(args.warmup),
        Duration::from_secs_f64(args.seconds),
        true,
        move || {
            *b.lock().expect("lock") = (c.0.load(Ordering::Relaxed), c.1.load(Ordering::Relaxed))
        },
    )
    .await;
    stats.print(match insert_in {
        InsertIn::Handler => {
            "limit (ring verify + 1 sled insert in the handler + flush/fdatasync per batch)"
        }
        InsertIn::Writer => {
            "limit (ring verify + 1 sled insert in the writer + flush/fdatasync per batch)"
        }
    });
    let (c0, j0) = *before.lock().expect("lock");
    let (c1, j1) = (
        commits.0.load(Ordering::Relaxed),
        commits.1.load(Ordering::Relaxed),
    );
    if c1 > c0 {
        println!(
            "  group commits in the window: {}, mean batch {:.1} jobs",
            c1 - c0,
            (j1 - j0) as f64 / (c1 - c0) as f64
        );
    }
    let _ = stop.send(());
    let _ = task.await;
    stats.throughput()
}
