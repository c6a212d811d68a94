//! Federation sync benchmark: a simulated federation of State nodes on loopback, in one
//! process, each holding months of signed releases; times a full first sync and
//! nothing-new syncs, and reports the bytes each peer pair moves on a quiet night.
//!
//! ```text
//! cargo run --release -p vrs-tests --example federation_bench
//! cargo run --release -p vrs-tests --example federation_bench -- 50 12 mesh
//! cargo run --release -p vrs-tests --example federation_bench -- --nodes 200 --topology ring:3+2 --hubs 2
//! ```
//!
//! In one run it
//!
//! 1. makes a throw-away PKI, a roster key, and N node configurations, binding every
//!    node's listener on loopback port 0 first so that the configurations can name their
//!    peers (`[[peers]]` without a key) and the roster their endpoints; signs the roster
//!    of the N members (each node takes it at start, `roster.file`), then starts the N
//!    nodes and H secretariat hubs in this process (each with its own sled database and
//!    writer thread). A hub pulls from every node; nodes pull from their peers only;
//! 2. gives every node M closed months of data (not timed): a focal point key is
//!    registered, a few signed reports per month (movement, fee, document examples of
//!    `vrs_core::report::examples`) are submitted, and each month is released with
//!    `AggregatesService.ReleaseNow` (6 tables per month, so N x 6 x M releases in all);
//! 3. syncs the whole federation in rounds, every node's `SyncService.SyncNow` at once:
//!    the first sync (rounds until every node holds every release), then rounds until
//!    one moves nothing (cursors catching up on relayed manifest entries), then
//!    nothing-new rounds, timed, with the median; for each round the wall-clock time, the
//!    per-node round times, the per-peer-pair bytes of the `SyncStatus` records
//!    (`PeerStatus.bytes`: encoded manifests, releases, checkpoints and consistency
//!    proofs; not TLS, HTTP/2 or the `Cosign` call) and the process's memory, threads,
//!    open files and CPU time.
//!
//! Options (positional `NODES MONTHS TOPOLOGY`, or flags):
//!
//! * `--nodes N` (50), `--months M` (12), `--reports R` reports per node and month (4);
//! * `--topology mesh|ring:K|ring:K+R` (mesh): `ring:K` links every node to its K nearest
//!   neighbours on each side of a ring, `+R` adds R random links per node (fixed seed);
//!   links are symmetric (a node serves only its configured peers);
//! * `--hubs H` (0): secretariat nodes that pull from every node (and witness its log);
//! * `--cache-mb C` (the node default): each node's `storage.cache_mb`, so that hundreds
//!   of nodes fit in one process;
//! * `--quiet-rounds Q` (3): nothing-new rounds to time after the first quiet one;
//! * `--wire`: route every peer connection through a counting TCP relay in front of
//!   each node, to also report the bytes on the wire (TLS records, handshakes included);
//! * `--reciprocity`: every node releases under `reciprocity = "period"`, so that a
//!   release reaches a State only once it has released the period (every node does):
//!   the cost of the opening move and of pending entries in rounds and bytes.
//!
//! The sync engine verifies a relayed release under its *origin's* key from the roster,
//! so a sparse topology converges: a release travels about one hop per round.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tonic::transport::Channel;
use vrs_client::pki::Identity;
use vrs_core::aggregate::{Granularity, Period};
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{Date, Iso3, RecordType};
use vrs_local::roster::{RosterKeeper, add_roster_peer};
use vrs_proto::v1 as pb;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::federation_service_client::FederationServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;
use vrs_tests::{FocalPoint, InProcessNode, NodeFiles, Pki, node_files, register};

/// Tables per released period (every table).
const TABLES: usize = vrs_core::aggregate::TableId::ALL.len();
/// The default embargo (days after a period's end before it closes).
const EMBARGO_DAYS: u32 = 7;
/// Rounds allowed for the first sync and for the catch-up before giving up.
const MAX_ROUNDS: usize = 8;

/// Settings appended to every node's configuration. The node's RPC deadline also bounds
/// `SyncNow`, which lasts a whole round; the release scheduler must not release a month
/// while the bench is still filling it; no jitter, generous per-peer deadlines.
const EXTRA: &str = "\
[limits]
rpc_deadline_ms = 600000

[release]
check_interval_s = 86400

[sync]
jitter_s = 0
attempts = 2
peer_deadline_s = 900
";

/// Every node of the bench dials from 127.0.0.1, where in a federation each peer is a
/// source address of its own: the per-source handshake limit (32 by default, against a
/// flood from one address) is raised so that it does not refuse the bench's own peers.
fn every_peer_its_own_source(f: &NodeFiles) {
    let text = std::fs::read_to_string(&f.config).expect("config");
    let text = text.replacen("[tls]\n", "[tls]\nmax_handshakes_per_source = 1024\n", 1);
    std::fs::write(&f.config, text).expect("config");
}

/// States of the federation, in ring order; more come from the ISO 3166-1 list.
const STATES: &[&str] = &[
    "AUS", "IDN", "THA", "MYS", "PHL", "VNM", "KHM", "LAO", "MMR", "SGP", "BRN", "TLS", "PNG",
    "NZL", "FJI", "JPN", "KOR", "CHN", "IND", "BGD", "LKA", "NPL", "PAK", "IRN", "TUR", "GRC",
    "ITA", "ESP", "FRA", "DEU", "NLD", "BEL", "PRT", "MLT", "CYP", "HRV", "SVN", "AUT", "CHE",
    "POL", "CZE", "SVK", "HUN", "ROU", "BGR", "SRB", "MKD", "ALB", "MNE", "BIH", "MAR", "TUN",
    "EGY", "LBY", "NER", "MLI", "SEN", "NGA", "ETH", "SDN", "MEX", "GTM", "USA", "CAN", "BRA",
];

// ---------------------------------------------------------------------------------------
// Arguments

#[derive(Debug, Clone)]
enum Topology {
    Mesh,
    Ring { k: usize, random: usize },
}

impl std::fmt::Display for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topology::Mesh => write!(f, "mesh"),
            Topology::Ring { k, random: 0 } => write!(f, "ring:{k}"),
            Topology::Ring { k, random } => write!(f, "ring:{k}+{random}"),
        }
    }
}

fn parse_topology(s: &str) -> Option<Topology> {
    if s == "mesh" {
        return Some(Topology::Mesh);
    }
    let rest = s.strip_prefix("ring:")?;
    let (k, r) = rest.split_once('+').unwrap_or((rest, "0"));
    Some(Topology::Ring {
        k: k.parse().ok().filter(|k| *k > 0)?,
        random: r.parse().ok()?,
    })
}

struct Args {
    nodes: usize,
    months: usize,
    reports: usize,
    topology: Topology,
    quiet_rounds: usize,
    hubs: usize,
    cache_mb: Option<usize>,
    wire: bool,
    reciprocity: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: federation_bench [NODES [MONTHS [TOPOLOGY]]] [--nodes N] [--months M] \
         [--reports R] [--topology mesh|ring:K|ring:K+R] [--hubs H] [--cache-mb C] [--quiet-rounds Q] [--wire] [--reciprocity]"
    );
    std::process::exit(64)
}

fn parse_args() -> Args {
    let mut a = Args {
        nodes: 50,
        months: 12,
        reports: 4,
        topology: Topology::Mesh,
        quiet_rounds: 3,
        hubs: 0,
        cache_mb: None,
        wire: false,
        reciprocity: false,
    };
    let mut positional = 0;
    let mut it = std::env::args().skip(1);
    let num = |v: Option<String>| -> usize {
        v.and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .unwrap_or_else(|| usage())
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--nodes" => a.nodes = num(it.next()),
            "--months" => a.months = num(it.next()),
            "--reports" => a.reports = num(it.next()),
            "--quiet-rounds" => a.quiet_rounds = num(it.next()),
            "--cache-mb" => a.cache_mb = Some(num(it.next())),
            "--hubs" => {
                a.hubs = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--topology" => {
                a.topology = it
                    .next()
                    .as_deref()
                    .and_then(parse_topology)
                    .unwrap_or_else(|| usage())
            }
            "--wire" => a.wire = true,
            "--reciprocity" => a.reciprocity = true,
            s if !s.starts_with('-') => {
                match positional {
                    0 => a.nodes = num(Some(arg.clone())),
                    1 => a.months = num(Some(arg.clone())),
                    2 => a.topology = parse_topology(s).unwrap_or_else(|| usage()),
                    _ => usage(),
                }
                positional += 1;
            }
            _ => usage(),
        }
    }
    if a.nodes < 2 {
        usage();
    }
    a
}

/// N distinct States: the list above, then further ISO 3166-1 codes.
fn states(n: usize) -> Vec<String> {
    let mut out: Vec<String> = STATES.iter().map(|s| s.to_string()).collect();
    for c in vrs_core::codes::COUNTRIES {
        if out.len() >= n {
            break;
        }
        // The examples route through these; keep them out of the federation.
        if !out.iter().any(|s| s == c.alpha3) && !["AFG", "SYR", "IRQ"].contains(&c.alpha3) {
            out.push(c.alpha3.to_owned());
        }
    }
    if out.len() < n {
        eprintln!("at most {} nodes", out.len());
        std::process::exit(64);
    }
    out.truncate(n);
    out
}

/// Undirected links of the topology (a node pulls from, and serves, its neighbours).
fn links(n: usize, t: &Topology) -> Vec<BTreeSet<usize>> {
    let mut adj = vec![BTreeSet::new(); n];
    let link = |a: usize, b: usize, adj: &mut Vec<BTreeSet<usize>>| {
        if a != b {
            adj[a].insert(b);
            adj[b].insert(a);
        }
    };
    match *t {
        Topology::Mesh => {
            for a in 0..n {
                for b in a + 1..n {
                    link(a, b, &mut adj);
                }
            }
        }
        Topology::Ring { k, random } => {
            for a in 0..n {
                for d in 1..=k {
                    link(a, (a + d) % n, &mut adj);
                }
            }
            // xorshift64*, fixed seed: the same "random" links every run.
            let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
            let mut next = move || {
                x ^= x >> 12;
                x ^= x << 25;
                x ^= x >> 27;
                x.wrapping_mul(0x2545_F491_4F6C_DD1D)
            };
            for a in 0..n {
                let mut added = 0;
                let mut tries = 0;
                while added < random && tries < 20 * n {
                    tries += 1;
                    let b = (next() % n as u64) as usize;
                    if b != a && !adj[a].contains(&b) {
                        link(a, b, &mut adj);
                        added += 1;
                    }
                }
            }
        }
    }
    adj
}

// ---------------------------------------------------------------------------------------
// Process and machine figures

#[derive(Clone, Copy)]
struct Usage {
    at: Instant,
    cpu_ticks: u64,
}

impl Usage {
    fn now() -> Self {
        // utime + stime of the whole process (fields 14 and 15 of /proc/self/stat).
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after = stat.rsplit_once(')').map_or("", |(_, s)| s);
        let f: Vec<&str> = after.split_whitespace().collect();
        let tick = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        Self {
            at: Instant::now(),
            cpu_ticks: tick(11) + tick(12),
        }
    }

    /// CPU seconds used since `self`, and the wall-clock seconds.
    fn since(&self) -> (f64, f64) {
        let n = Self::now();
        (
            (n.cpu_ticks - self.cpu_ticks) as f64 / 100.0,
            n.at.duration_since(self.at).as_secs_f64(),
        )
    }
}

fn status_field(status: &str, key: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

/// Memory, threads, open files of this process, and the machine's load average.
fn process_line() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "RSS {} (peak {}), {} threads, {} open files, load average {}",
        status_field(&status, "VmRSS:"),
        status_field(&status, "VmHWM:"),
        status_field(&status, "Threads:"),
        fds,
        load.join(" ")
    )
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// Percentile of sorted values (nearest rank).
fn pct<T: Copy>(sorted: &[T], p: f64) -> T {
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

// ---------------------------------------------------------------------------------------
// A counting TCP relay in front of a node (`--wire`)

/// Bytes through a node's relay: to the node (requests) and from it (responses).
#[derive(Default)]
struct Wire {
    to_node: AtomicU64,
    from_node: AtomicU64,
}

impl Wire {
    fn take(&self) -> (u64, u64) {
        (
            self.to_node.swap(0, Ordering::Relaxed),
            self.from_node.swap(0, Ordering::Relaxed),
        )
    }
}

async fn pump(
    mut r: tokio::net::tcp::OwnedReadHalf,
    mut w: tokio::net::tcp::OwnedWriteHalf,
    counter: Arc<Wire>,
    to_node: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if w.write_all(&buf[..n]).await.is_err() {
            break;
        }
        let c = if to_node {
            &counter.to_node
        } else {
            &counter.from_node
        };
        c.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = w.shutdown().await;
}

fn relay(listener: tokio::net::TcpListener, node: SocketAddr, wire: Arc<Wire>) {
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let wire = wire.clone();
            tokio::spawn(async move {
                let Ok(upstream) = tokio::net::TcpStream::connect(node).await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let _ = upstream.set_nodelay(true);
                let (cr, cw) = client.into_split();
                let (ur, uw) = upstream.into_split();
                tokio::join!(pump(cr, uw, wire.clone(), true), pump(ur, cw, wire, false));
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// Setting up the data (not timed)

/// The `n` most recent months that are closed on `today`, oldest first.
fn closed_months(today: Date, n: usize) -> Vec<Period> {
    let mut p = Period::of(today, Granularity::Month).expect("this month");
    while !p.is_closed(today, EMBARGO_DAYS) {
        p = p.previous().expect("previous month");
    }
    let mut out = vec![p];
    while out.len() < n {
        p = p.previous().expect("previous month");
        out.push(p);
    }
    out.reverse();
    out
}

/// Registers the focal point, submits `per_month` reports in each month and releases
/// each month. Returns (reports, releases made).
async fn fill(
    admin: Channel,
    fp_ch: Channel,
    fp: FocalPoint,
    state: String,
    months: Vec<Period>,
    per_month: usize,
) -> (usize, usize) {
    register(admin.clone(), &fp).await;
    let iso = Iso3::new(&state).expect("ISO 3166-1 code");
    let kinds = [
        RecordType::Movement,
        RecordType::Fee,
        RecordType::Document,
        RecordType::Movement,
    ];
    let mut client = ReportServiceClient::new(fp_ch);
    let mut reports = 0;
    let mut releases = 0;
    for (mi, period) in months.iter().enumerate() {
        let start = period.start();
        for j in 0..per_month {
            // Spread over the month (days 1 to 28 exist in every month).
            let day =
                Date::new(start.year(), start.month(), 1 + ((3 + 7 * j) % 28) as u8).expect("day");
            let p =
                ExampleParams::new(iso, &fp.id, examples::report_id((mi * 1000 + j + 1) as u64))
                    .on(day);
            let report = examples::example(kinds[j % kinds.len()], &p);
            let env = fp.sign(&pb::Report::from(&report));
            client
                .submit(pb::SubmitRequest {
                    envelope: Some(env),
                })
                .await
                .unwrap_or_else(|e| panic!("{state}: submit {period}: {}", e.message()));
            reports += 1;
        }
        let made = AggregatesServiceClient::new(admin.clone())
            .release_now(pb::ReleaseNowRequest {
                period: period.to_string(),
                revise: false,
            })
            .await
            .unwrap_or_else(|e| panic!("{state}: release {period}: {}", e.message()))
            .into_inner();
        releases += made.releases.len();
    }
    (reports, releases)
}

async fn held(admin: Channel) -> Vec<pb::ReleaseInfo> {
    AggregatesServiceClient::new(admin)
        .max_decoding_message_size(64 << 20)
        .list_releases(pb::ListReleasesRequest::default())
        .await
        .expect("list releases")
        .into_inner()
        .releases
}

// ---------------------------------------------------------------------------------------
// Sync rounds (timed)

struct Round {
    wall: Duration,
    cpu_s: f64,
    /// Per node: when its SyncNow answered (from the round's start), and its records.
    nodes: Vec<(Duration, pb::SyncStatusResponse)>,
    /// Wire bytes to and from the nodes, when relayed.
    wire: Option<(u64, u64)>,
}

/// Every node's SyncNow at once; returns when the last one answers.
async fn round(admins: &[Channel], wires: &[Arc<Wire>]) -> Round {
    for w in wires {
        w.take();
    }
    let usage = Usage::now();
    let t0 = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for (i, ch) in admins.iter().enumerate() {
        let ch = ch.clone();
        set.spawn(async move {
            let st = SyncServiceClient::new(ch)
                .max_decoding_message_size(64 << 20)
                .sync_now(pb::SyncNowRequest::default())
                .await
                .unwrap_or_else(|e| panic!("node {i}: sync now: {}", e.message()))
                .into_inner();
            (i, t0.elapsed(), st)
        });
    }
    let mut nodes = vec![None; admins.len()];
    while let Some(r) = set.join_next().await {
        let (i, at, st) = r.expect("sync task");
        nodes[i] = Some((at, st));
    }
    let wall = t0.elapsed();
    let (cpu_s, _) = usage.since();
    let wire = (!wires.is_empty()).then(|| {
        wires
            .iter()
            .map(|w| w.take())
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y))
    });
    Round {
        wall,
        cpu_s,
        nodes: nodes.into_iter().map(|n| n.expect("answered")).collect(),
        wire,
    }
}

struct Totals {
    pairs: usize,
    fetched: u64,
    already_held: u64,
    rejected: usize,
    errors: usize,
    retried: usize,
    bytes: Vec<u64>,
    /// `PeerStatus.wire_bytes` of each pair, sorted.
    wire: Vec<u64>,
    first_error: Option<String>,
    first_rejection: Option<String>,
}

impl Round {
    fn totals(&self) -> Totals {
        let mut t = Totals {
            pairs: 0,
            fetched: 0,
            already_held: 0,
            rejected: 0,
            errors: 0,
            retried: 0,
            bytes: Vec::new(),
            wire: Vec::new(),
            first_error: None,
            first_rejection: None,
        };
        for (_, st) in &self.nodes {
            for p in &st.peers {
                t.pairs += 1;
                t.fetched += p.fetched;
                t.already_held += p.already_held;
                t.rejected += p.rejected.len();
                if t.first_rejection.is_none() {
                    t.first_rejection = p.rejected.first().cloned();
                }
                if p.attempts > 1 {
                    t.retried += 1;
                }
                if !p.last_error.is_empty() {
                    t.errors += 1;
                    t.first_error.get_or_insert_with(|| p.last_error.clone());
                }
                t.bytes.push(p.bytes);
                t.wire.push(p.wire_bytes);
            }
        }
        t.bytes.sort_unstable();
        t.wire.sort_unstable();
        t
    }

    /// Moved nothing and failed nowhere.
    fn quiet(&self) -> bool {
        let t = self.totals();
        t.fetched == 0 && t.already_held == 0 && t.errors == 0 && t.rejected == 0
    }

    fn print(&self, name: &str, states: &[String]) {
        let t = self.totals();
        let mut per_node: Vec<(Duration, usize)> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, (d, _))| (*d, i))
            .collect();
        per_node.sort_unstable();
        let (slowest, si) = per_node[per_node.len() - 1];
        let total: u64 = t.bytes.iter().sum();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "{name}: {} wall ({:.1} CPU s, {:.0}% of {cores} cores); node rounds median {}, slowest {} ({})",
            secs(self.wall),
            self.cpu_s,
            100.0 * self.cpu_s / self.wall.as_secs_f64() / cores as f64,
            secs(pct(&per_node, 50.0).0),
            secs(slowest),
            states[si],
        );
        println!(
            "    {} pairs: fetched {}, already held {}, rejected {}, errors {}, retried {}",
            t.pairs, t.fetched, t.already_held, t.rejected, t.errors, t.retried
        );
        if let Some(e) = &t.first_error {
            println!("    first error: {e}");
        }
        if let Some(r) = &t.first_rejection {
            println!("    first rejection: {r}");
        }
        println!(
            "    PeerStatus.bytes per pair: min {} / median {} / p90 {} / max {} / mean {:.0}; federation total {}",
            t.bytes[0],
            pct(&t.bytes, 50.0),
            pct(&t.bytes, 90.0),
            t.bytes[t.bytes.len() - 1],
            total as f64 / t.pairs as f64,
            mib(total),
        );
        println!(
            "    PeerStatus.wire_bytes per pair (TLS at the socket): median {} / max {}",
            pct(&t.wire, 50.0),
            t.wire[t.wire.len() - 1],
        );
        if let Some((to, from)) = self.wire {
            println!(
                "    on the wire (TLS, relayed): to serving nodes {}, from them {}; per pair {:.0} B",
                mib(to),
                mib(from),
                (to + from) as f64 / t.pairs as f64
            );
        }
        println!("    process: {}", process_line());
    }
}

/// Releases held per node, checked against `expected`; returns (min, total, converged).
async fn holdings(admins: &[Channel], expected: usize, n: usize) -> (usize, usize, bool) {
    let mut set = tokio::task::JoinSet::new();
    for ch in admins {
        set.spawn(held(ch.clone()));
    }
    let (mut min, mut total, mut all) = (usize::MAX, 0, true);
    while let Some(r) = set.join_next().await {
        let releases = r.expect("list task");
        let origins: BTreeSet<&str> = releases.iter().map(|r| r.origin.as_str()).collect();
        min = min.min(releases.len());
        total += releases.len();
        all &= releases.len() == expected && origins.len() == n;
    }
    (min, total, all)
}

// ---------------------------------------------------------------------------------------

#[tokio::main]
async fn main() {
    let args = parse_args();
    let n = args.nodes;
    let today = vrs_node::grpc::today();
    let months = closed_months(today, args.months);
    let states = states(n);
    let adj = links(n, &args.topology);
    let directed: usize = adj.iter().map(BTreeSet::len).sum();
    let expected = n * TABLES * months.len();
    println!(
        "federation_bench: {n} nodes, topology {} ({} directed peer pairs, degree {}..{}), \
         {} months {}..{} (today {today}), {} reports per node and month, {} releases expected per node{}",
        args.topology,
        directed,
        adj.iter().map(BTreeSet::len).min().unwrap_or(0),
        adj.iter().map(BTreeSet::len).max().unwrap_or(0),
        months.len(),
        months[0],
        months[months.len() - 1],
        args.reports,
        expected,
        [
            (args.wire, ", wire bytes via relays"),
            (args.reciprocity, ", reciprocity = \"period\""),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, what)| *what)
        .collect::<String>(),
    );
    println!(
        "machine: {} CPUs, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        process_line()
    );

    // 1. PKI, listeners, configurations, nodes.
    let t = Instant::now();
    let pki = Pki::new();
    let keeper =
        RosterKeeper::new(pki.dir.path(), "roster", "vrs.bench/roster/1").expect("roster key");
    let roster_note = pki.dir.path().join("roster.note");
    let cache = args
        .cache_mb
        .map(|c| format!("\n[storage]\ncache_mb = {c}\n"))
        .unwrap_or_default();
    let base = match args.reciprocity {
        true => EXTRA.replacen("[release]\n", "[release]\nreciprocity = \"period\"\n", 1),
        false => EXTRA.to_owned(),
    };
    let extra = format!("{base}{cache}{}", keeper.section_with_file(&roster_note));
    let mut listeners = Vec::new();
    let mut relays = Vec::new();
    let mut files: Vec<NodeFiles> = Vec::new();
    for s in &states {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        if args.wire {
            relays.push(
                tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind relay"),
            );
        }
        listeners.push(l);
        let f = node_files(&pki, s, None, &extra);
        every_peer_its_own_source(&f);
        files.push(f);
    }
    let ports: Vec<u16> = if args.wire {
        relays
            .iter()
            .map(|l| l.local_addr().expect("addr").port())
            .collect()
    } else {
        listeners
            .iter()
            .map(|l| l.local_addr().expect("addr").port())
            .collect()
    };
    // Peers name no key: every key comes from the roster.
    for (a, peers) in adj.iter().enumerate() {
        for &b in peers {
            add_roster_peer(&files[a], &states[b], ports[b]).expect("peer");
        }
    }
    let note = keeper
        .write_roster(
            "vrs.bench",
            &roster_note,
            files.iter().zip(ports.iter().copied()),
        )
        .expect("the roster");
    let hub_ids: Vec<String> = (1..=args.hubs).map(|h| format!("HUB{h}")).collect();
    let mut hub_files = Vec::new();
    for id in &hub_ids {
        let f = vrs_local::secretariat_files(&pki, id, &extra).expect("hub files");
        every_peer_its_own_source(&f);
        for (b, s) in states.iter().enumerate() {
            add_roster_peer(&f, s, ports[b]).expect("hub peer");
        }
        hub_files.push(f);
    }
    let mut nodes = Vec::new();
    for (f, l) in files.iter().zip(listeners) {
        nodes.push(InProcessNode::start_on(f, l).await);
    }
    let mut hubs = Vec::new();
    for f in &hub_files {
        hubs.push(InProcessNode::start(f).await);
    }
    let mut wires = Vec::new();
    for (l, node) in relays.into_iter().zip(&nodes) {
        let w = Arc::new(Wire::default());
        relay(l, node.addr, w.clone());
        wires.push(w);
    }
    let mut admins = Vec::new();
    let mut fills = tokio::task::JoinSet::new();
    for (s, node) in states.iter().zip(&nodes) {
        let admin = node
            .channel(&pki, &pki.issue(Identity::admin(s.as_str())))
            .await;
        let fp = FocalPoint::new(&pki, s, "fp1", "fp1-k1");
        let fp_ch = node.channel(&pki, &fp.cert).await;
        fills.spawn(fill(
            admin.clone(),
            fp_ch,
            fp,
            s.clone(),
            months.clone(),
            args.reports,
        ));
        admins.push(admin);
    }
    let (mut reports, mut made) = (0, 0);
    while let Some(r) = fills.join_next().await {
        let (a, b) = r.expect("fill task");
        reports += a;
        made += b;
    }
    let (min, _, _) = holdings(&admins, n * TABLES * months.len(), n).await;
    let own = made / n;
    println!(
        "setup (not timed): {} nodes started, {reports} reports submitted, {made} releases made \
         ({own} per node; every node holds at least {min}) in {}",
        n,
        secs(t.elapsed())
    );
    let sizes: Vec<u64> = held(admins[0].clone())
        .await
        .iter()
        .map(|r| r.size)
        .collect();
    println!(
        "    release envelope size: mean {:.0} B, max {} B; data on disk {}",
        sizes.iter().sum::<u64>() as f64 / sizes.len().max(1) as f64,
        sizes.iter().max().copied().unwrap_or(0),
        mib(dir_bytes(pki.dir.path()))
    );
    println!(
        "    roster: {} B note, {} members; {} hub(s) pulling from every node",
        note.len(),
        n,
        hubs.len()
    );
    println!("    process: {}", process_line());
    assert_eq!(
        own,
        TABLES * months.len(),
        "a release per table per month per node"
    );
    // From here on the hubs sync (and are counted) with the nodes.
    let mut names = states.clone();
    for (id, hub) in hub_ids.iter().zip(&hubs) {
        admins.push(
            hub.channel(&pki, &pki.issue(Identity::secretariat(id)))
                .await,
        );
        names.push(id.clone());
    }
    let directed = directed + hubs.len() * n;

    // 2. The first sync: rounds until every node holds every release.
    println!();
    let mut first = Duration::ZERO;
    let mut rounds = 0;
    let mut last_total = 0;
    let mut converged = false;
    while rounds < MAX_ROUNDS {
        rounds += 1;
        let r = round(&admins, &wires).await;
        first += r.wall;
        r.print(&format!("first sync, round {rounds}"), &names);
        let (min, total, all) = holdings(&admins, expected, n).await;
        println!(
            "    held: min {min} per node, {total} in all (expected {expected} per node{})",
            if all { ": converged" } else { "" }
        );
        if all {
            converged = true;
            break;
        }
        if total == last_total {
            println!("    no progress: stopping the first sync");
            break;
        }
        last_total = total;
    }

    // 3. Rounds until one moves nothing: cursors catch up on the manifest entries of
    //    releases relayed during the first sync (nothing new was published).
    let mut catch_up = Vec::new();
    let mut quiet = Vec::new();
    for i in 1..=MAX_ROUNDS {
        let r = round(&admins, &wires).await;
        if r.quiet() {
            r.print("nothing-new sync 1", &names);
            quiet.push(r);
            break;
        }
        r.print(&format!("catch-up round {i} (nothing published)"), &names);
        catch_up.push(r);
    }
    // 4. More nothing-new rounds.
    while !quiet.is_empty() && quiet.len() < args.quiet_rounds {
        let r = round(&admins, &wires).await;
        r.print(&format!("nothing-new sync {}", quiet.len() + 1), &names);
        if !r.quiet() {
            println!("    (not quiet!)");
        }
        quiet.push(r);
    }

    // The checkpoint each peer pair fetches every night, with its cosignatures.
    let sec = nodes[0]
        .channel(&pki, &pki.issue(Identity::secretariat("ROSEAP")))
        .await;
    let cp = FederationServiceClient::new(sec)
        .get_checkpoint(pb::GetCheckpointRequest {})
        .await
        .expect("checkpoint")
        .into_inner();
    let sig_lines = cp
        .note
        .lines()
        .filter(|l| l.starts_with('\u{2014}'))
        .count();

    // Summary.
    println!();
    println!(
        "SUMMARY ({n} nodes + {} hubs, {}, {} directed pairs, {} months, {} releases per node)",
        hubs.len(),
        args.topology,
        directed,
        months.len(),
        expected
    );
    println!(
        "  first sync: {} in {rounds} round(s){} (target < 60 s)",
        secs(first),
        if converged {
            ", every node holds every release"
        } else {
            ", NOT converged"
        }
    );
    for (i, r) in catch_up.iter().enumerate() {
        let t = r.totals();
        println!(
            "  catch-up night {}: {} ({} relayed manifest entries, {} in PeerStatus.bytes)",
            i + 1,
            secs(r.wall),
            t.already_held,
            mib(t.bytes.iter().sum())
        );
    }
    if quiet.is_empty() {
        println!("  no quiet round reached");
    } else {
        let mut walls: Vec<Duration> = quiet.iter().map(|r| r.wall).collect();
        walls.sort_unstable();
        let mut per_pair: Vec<u64> = quiet
            .iter()
            .flat_map(|r| r.totals().bytes)
            .collect::<Vec<_>>();
        per_pair.sort_unstable();
        println!(
            "  nothing-new sync: median {} of {} rounds ({}) (target < 3 s)",
            secs(pct(&walls, 50.0)),
            walls.len(),
            walls
                .iter()
                .map(|w| format!("{:.3}", w.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  nothing-new bytes per peer pair (PeerStatus.bytes): median {} B, min {} B, max {} B; \
             federation {} per night",
            pct(&per_pair, 50.0),
            per_pair[0],
            per_pair[per_pair.len() - 1],
            mib(per_pair.iter().sum::<u64>() / quiet.len() as u64)
        );
        let mut wire: Vec<u64> = quiet.iter().flat_map(|r| r.totals().wire).collect();
        wire.sort_unstable();
        println!(
            "  nothing-new bytes per peer pair on the wire (PeerStatus.wire_bytes, TLS at the \
             socket, close not counted): median {} B, max {} B (target < 1 KB)",
            pct(&wire, 50.0),
            wire[wire.len() - 1],
        );
        if let Some((to, from)) = quiet[quiet.len() - 1].wire {
            println!(
                "  nothing-new bytes per peer pair on the wire (TLS incl. handshake, Cosign): {:.0} B",
                (to + from) as f64 / directed as f64
            );
        }
    }
    match (quiet.first(), catch_up.first()) {
        (Some(q), Some(c)) => {
            let (qb, cb): (u64, u64) =
                (q.totals().bytes.iter().sum(), c.totals().bytes.iter().sum());
            println!(
                "  catch-up night 1 / nothing-new night (PeerStatus.bytes): {:.2} (target <= 2)",
                cb as f64 / qb.max(1) as f64
            );
        }
        (Some(_), None) => println!(
            "  the first night after the first sync was already a nothing-new night \
             (catch-up / quiet = 1)"
        ),
        _ => {}
    }
    // What each hub saw of the nodes' logs in the last round.
    if let Some(last) = quiet.last().or(catch_up.last()) {
        for (i, id) in hub_ids.iter().enumerate() {
            let (_, st) = &last.nodes[n + i];
            let witnessed = st.peers.iter().filter(|p| p.witnessed_size > 0).count();
            println!("  hub {id}: witnessed the logs of {witnessed} of {n} nodes");
        }
    }
    println!(
        "  served checkpoint: {} B note with {} signature lines (the node's own + cosignatures)",
        cp.note.len(),
        sig_lines
    );
    println!("  data on disk: {}", mib(dir_bytes(pki.dir.path())));
    println!("  process: {}", process_line());

    // Stop: drop client connections first so the nodes drain at once.
    drop(admins);
    let t = Instant::now();
    let mut stops = tokio::task::JoinSet::new();
    for node in nodes.into_iter().chain(hubs) {
        stops.spawn(node.stop());
    }
    while let Some(r) = stops.join_next().await {
        r.expect("stop task");
    }
    println!("  nodes stopped in {}", secs(t.elapsed()));
}
