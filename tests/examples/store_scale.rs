//! A node's store at scale: builds a store of N logged reports directly through the
//! ledger (signed as a focal point would, no gRPC), then measures what a node of that
//! size costs.
//!
//! ```text
//! cargo run --release -p vrs-tests --example store_scale -- --reports 1000000
//! ```
//!
//! 1. **Build.** Reports of the five record types over ten months of 2026 are signed
//!    by one focal point (on a thread, ahead of the ledger) and submitted through
//!    `Ledger::submit` with 256 in flight. The submission rate is printed for a window
//!    after each mark (`--marks`, default 0, 1 M and 5 M entries, those below N), so a
//!    slowdown as the log grows shows.
//! 2. **Restart.** The ledger is stopped, and the store reopened as `vrs-node` does at
//!    start: open, the start-up check (`verify::check_at_start`), `Ledger::start`
//!    (anchor check, tables and keys loaded). Timed to the point the node would serve.
//! 3. **Proofs.** 2,000 inclusion proofs of random entries, 2,000 consistency proofs
//!    from random sizes and 2,000 inclusion proofs by leaf hash (the index lookup, then
//!    the proof), first right after the restart and then again warm: p50/p99 latency
//!    and the most stored hashes one proof read (O(log n)).
//! 4. **Release.** The tables of one period (`2026-M03`).
//! 5. **Verify.** `vrs-node verify`'s check of the whole log (`--no-verify` skips it).
//! 6. RSS (now and peak) and disk bytes per report.
//!
//! Options: `--reports N` (1,000,000), `--cache-mb M` (the node's default), `--dir D`
//! (build in D and keep it; a store already in D is reused and topped up to N),
//! `--marks a,b,…`, `--no-verify`, `--random-ids` (report ids scattered as focal
//! points' UUIDs are, instead of growing in order: each report's head is then an insert
//! at a random place of the `R` index).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use vrs_core::codes::Date;
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_core::merkle::{self, HashStore};
use vrs_core::note::NoteSigner;
use vrs_core::report::Iso3;
use vrs_core::report::RecordType;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_node::ledger::{Ledger, LedgerOptions, Submitter};
use vrs_node::metrics::Metrics;
use vrs_node::releases::ReleaseSettings;
use vrs_node::storage::Store;

const STATE: &str = "GRC";
const FP: &str = "hcg-piraeus-01";
const IN_FLIGHT: usize = 256;
const CHUNK: usize = 20_000;
const WINDOW: u64 = 100_000;
/// `--random-ids`: report ids scattered (see the options above).
static RANDOM_IDS: AtomicBool = AtomicBool::new(false);

struct Args {
    reports: u64,
    cache_mb: u64,
    dir: Option<PathBuf>,
    marks: Vec<u64>,
    verify: bool,
}

fn args() -> Args {
    let mut a = Args {
        reports: 1_000_000,
        cache_mb: vrs_node::config::DEFAULT_CACHE_MB,
        dir: None,
        marks: vec![0, 1_000_000, 5_000_000],
        verify: true,
    };
    let mut it = std::env::args().skip(1);
    let usage = || -> ! {
        eprintln!(
            "usage: store_scale [--reports N] [--cache-mb M] [--dir D] [--marks a,b,..] [--no-verify] [--random-ids]"
        );
        std::process::exit(2)
    };
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--reports" => a.reports = value().parse().unwrap_or_else(|_| usage()),
            "--cache-mb" => a.cache_mb = value().parse().unwrap_or_else(|_| usage()),
            "--dir" => a.dir = Some(PathBuf::from(value())),
            "--marks" => {
                a.marks = value()
                    .split(',')
                    .map(|m| m.parse().unwrap_or_else(|_| usage()))
                    .collect()
            }
            "--no-verify" => a.verify = false,
            "--random-ids" => RANDOM_IDS.store(true, Ordering::Relaxed),
            _ => usage(),
        }
    }
    a
}

/// The node key of the store (kept next to it, so that a kept store can be reopened).
fn node_key(dir: &Path) -> NoteSigner {
    let path = dir.join("bench-node.key");
    if path.exists() {
        return vrs_node::config::read_node_key(&path).expect("node key");
    }
    let (signer, _) = NoteSigner::generate("vrs.bench/state/GRC").expect("node key");
    write_secret(&path, signer.signer_key().as_bytes());
    signer
}

/// Writes a throw-away key of the bench, mode 0600 from the start.
fn write_secret(path: &Path, bytes: &[u8]) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write key");
}

fn start(dir: &Path, cache_mb: u64) -> (Ledger, std::thread::JoinHandle<()>) {
    let store = Arc::new(Store::open_with_cache(dir, cache_mb).expect("open store"));
    let signer = node_key(dir);
    if store.size().expect("size") > 0 {
        vrs_node::verify::check_at_start(&store, &signer.verifier_key()).expect("start check");
    }
    Ledger::start(
        store,
        STATE,
        signer,
        LedgerOptions {
            max_batch: vrs_node::config::Limits::default().max_batch,
            max_payload_bytes: 1 << 20,
            aggregates_every: vrs_node::aggregates::PERSIST_EVERY,
        },
        ReleaseSettings::from_config(&Default::default()).expect("settings"),
        Arc::new(Metrics::default()),
    )
    .expect("start ledger")
}

/// The id of report `i`: in order, or (`--random-ids`) the SHA-256 of `i` made a
/// version-4 UUID, as scattered as focal points' random ids and the same on every run.
fn report_id(i: u64) -> vrs_core::report::ReportId {
    if !RANDOM_IDS.load(Ordering::Relaxed) {
        return examples::report_id(i + 1);
    }
    let mut b = [0u8; 16];
    b.copy_from_slice(&vrs_core::sha256(&i.to_be_bytes())[..16]);
    vrs_core::report::ReportId::new_v4(b)
}

/// Report `i` (0-based): the five types in turn, days spread over Jan–Oct 2026.
fn report(i: u64) -> vrs_core::report::Report {
    let mut p = ExampleParams::new(Iso3::new(STATE).expect("iso3"), FP, report_id(i));
    let month = 1 + (i / 5 % 10) as u8;
    let day = 1 + (i / 50 % 28) as u8;
    p.day = Date::new(2026, month, day).expect("date");
    examples::example(RecordType::ALL[(i % 5) as usize], &p)
}

fn sign_chunk(key: &SigningKey, lo: u64, hi: u64) -> Vec<Envelope> {
    (lo..hi)
        .map(|i| {
            Envelope::sign(
                vrs_proto::REPORT_PAYLOAD_TYPE,
                vrs_core::wire::encode_report(&report(i)),
                key,
            )
        })
        .collect()
}

/// Submits reports `from..to` of focal point `key` (registered in the ledger), 256 in
/// flight; signs the next chunk on a thread while the ledger takes this one. Prints
/// the rate in the window after each mark.
async fn build(ledger: &Ledger, key: Arc<SigningKey>, from: u64, to: u64, marks: &[u64]) {
    let who = Submitter {
        state: STATE.into(),
        focal_point_id: FP.into(),
    };
    let today = vrs_node::grpc::today();
    let started = Instant::now();
    let mut window: Option<(u64, u64, Instant)> = None;
    let sign = |lo: u64| {
        let key = key.clone();
        let hi = (lo + CHUNK as u64).min(to);
        std::thread::spawn(move || sign_chunk(&key, lo, hi))
    };
    let mut next = (from < to).then(|| sign(from));
    let mut lo = from;
    while let Some(signing) = next.take() {
        let envs = Arc::new(signing.join().expect("signing thread"));
        let n = envs.len() as u64;
        if lo + n < to {
            next = Some(sign(lo + n));
        }
        let log_size = ledger.store().size().expect("size");
        if window.is_none()
            && let Some(m) = marks
                .iter()
                .find(|m| **m <= log_size && log_size < **m + CHUNK as u64)
        {
            window = Some((*m, log_size, Instant::now()));
        }
        let taken = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..IN_FLIGHT {
            let (ledger, envs, taken, who) =
                (ledger.clone(), envs.clone(), taken.clone(), who.clone());
            tasks.spawn(async move {
                loop {
                    let i = taken.fetch_add(1, Ordering::Relaxed);
                    let Some(env) = envs.get(i) else { break };
                    let a = ledger.submit(env.clone(), &who, today).await;
                    let a = a.unwrap_or_else(|e| panic!("report {i} refused: {e}"));
                    assert!(!a.duplicate, "report {i} was already logged");
                }
            });
        }
        while let Some(r) = tasks.join_next().await {
            r.expect("submit task");
        }
        lo += n;
        let log_size = ledger.store().size().expect("size");
        if let Some((m, at, t)) = window
            && (log_size - at >= WINDOW || lo == to)
        {
            let rate = (log_size - at) as f64 / t.elapsed().as_secs_f64();
            println!(
                "  at {m:>9} entries: {rate:>7.0} reports/s through the ledger ({} reports)",
                log_size - at
            );
            window = None;
        }
        if lo % 500_000 < CHUNK as u64 || lo == to {
            println!(
                "  built {lo:>9} of {to} in {:.0} s (RSS {} MB)",
                started.elapsed().as_secs_f64(),
                rss_mb("VmRSS")
            );
        }
    }
}

/// A hash store that counts the stored hashes read.
struct Counting<'a> {
    store: &'a Store,
    reads: Cell<u64>,
}

impl HashStore for Counting<'_> {
    type Error = vrs_node::storage::StorageError;
    fn get(&self, level: u8, index: u64) -> Result<vrs_core::Hash, Self::Error> {
        self.reads.set(self.reads.get() + 1);
        self.store.get(level, index)
    }
}

/// p50 and p99 of `xs` (sorted here).
fn percentiles(xs: &mut [Duration]) -> (Duration, Duration) {
    xs.sort();
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

/// A fixed pseudo-random sequence (splitmix64) below `n`: the same indices every run.
fn splitmix(x: &mut u64, n: u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % n
}

/// 2,000 proofs of each kind, twice: first after the restart (sled's cache cold),
/// then the same proofs again (warm).
fn proofs(store: &Store) {
    let size = store.size().expect("size");
    let c = Counting {
        store,
        reads: Cell::new(0),
    };
    for pass in ["after restart", "again (warm)"] {
        for kind in ["inclusion", "consistency", "by-hash"] {
            let (mut times, mut most, mut x) = (Vec::new(), 0, 7u64);
            for _ in 0..2_000 {
                c.reads.set(0);
                let t = Instant::now();
                let len = if kind == "inclusion" {
                    merkle::inclusion_proof(&c, splitmix(&mut x, size), size).map(|p| p.len())
                } else if kind == "by-hash" {
                    // GetInclusionProof by leaf hash: the index lookup, then the proof.
                    let i = splitmix(&mut x, size);
                    let leaf = store.get(0, i).expect("leaf");
                    c.reads.set(0);
                    let t = Instant::now();
                    let found = store.index_of_leaf(&leaf).expect("lookup");
                    assert_eq!(found, Some(i));
                    let len = merkle::inclusion_proof(&c, i, size).map(|p| p.len());
                    times.push(t.elapsed());
                    assert!(len.expect("proof") <= 128);
                    most = most.max(c.reads.get());
                    continue;
                } else {
                    let old = 1 + splitmix(&mut x, size - 1);
                    merkle::consistency_proof(&c, old, size).map(|p| p.len())
                };
                times.push(t.elapsed());
                assert!(len.expect("proof") <= 128);
                most = most.max(c.reads.get());
            }
            let (p50, p99) = percentiles(&mut times);
            println!(
                "  {kind:<11} proofs at size {size}, {pass:<13}: p50 {:.1} µs, p99 {:.1} µs, at most {most} stored hashes read (log2 n = {:.1})",
                p50.as_secs_f64() * 1e6,
                p99.as_secs_f64() * 1e6,
                (size as f64).log2()
            );
        }
    }
}

fn rss_mb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn disk_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => disk_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let a = args();
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = a.dir.clone().unwrap_or_else(|| tmp.path().join("data"));
    std::fs::create_dir_all(&dir).expect("data dir");
    println!(
        "vrs store_scale: {} reports in {} (sled cache {} MiB)",
        a.reports,
        dir.display(),
        a.cache_mb
    );
    let (ledger, writer) = start(&dir, a.cache_mb);
    // The focal point's key, kept with the store like the node key.
    let seed_path = dir.join("bench-fp.seed");
    let key = match std::fs::read(&seed_path) {
        Ok(seed) => SigningKey::from_seed(format!("{FP}-k1"), &seed).expect("fp seed"),
        Err(_) => {
            let (key, seed) = SigningKey::generate(format!("{FP}-k1"));
            ledger
                .register_key(FP, &format!("{FP}-k1"), &key.public_key())
                .await
                .expect("register");
            write_secret(&seed_path, &seed);
            key
        }
    };
    // Reports already logged (a kept store): one entry is the key registration.
    let have = ledger.store().size().expect("size").saturating_sub(1);
    let t = Instant::now();
    build(&ledger, Arc::new(key), have, a.reports, &a.marks).await;
    let built = t.elapsed();
    let size = ledger.store().size().expect("size");
    println!(
        "built: {} reports in {:.1} s ({:.0}/s); log size {size}",
        a.reports - have.min(a.reports),
        built.as_secs_f64(),
        (a.reports - have.min(a.reports)) as f64 / built.as_secs_f64().max(1e-9)
    );
    ledger.shutdown(writer).await;
    drop(ledger);
    let rss_built = rss_mb("VmRSS");
    measure(&dir, &a, size).await;
    println!(
        "RSS: {rss_built} MB after the build, {} MB at the end, peak {} MB",
        rss_mb("VmRSS"),
        rss_mb("VmHWM")
    );
}

/// Restart, proofs, release, verify and disk, on the built store.
async fn measure(dir: &Path, a: &Args, size: u64) {
    // Wait for sled to let go of the database before it is reopened.
    Store::wait_released(dir).expect("database released");
    let t = Instant::now();
    let (ledger, writer) = start(dir, a.cache_mb);
    println!(
        "restart to serving (open, start-up check, ledger start): {:.2} s; RSS {} MB",
        t.elapsed().as_secs_f64(),
        rss_mb("VmRSS")
    );
    proofs(ledger.store());
    let period = vrs_core::aggregate::Period::parse("2026-M03").expect("period");
    let t = Instant::now();
    let released = ledger
        .release(period, false, vrs_node::grpc::today())
        .await
        .expect("release");
    println!(
        "release of {} tables of 2026-M03: {:.1} ms",
        released.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    ledger.shutdown(writer).await;
    let store_size = ledger.store().size().expect("size");
    drop(ledger);
    let bytes = disk_bytes(dir);
    println!(
        "disk: {:.1} MB, {:.0} bytes per report",
        bytes as f64 / 1e6,
        bytes as f64 / size.max(1) as f64
    );
    if a.verify {
        Store::wait_released(dir).expect("database released");
        let vkey = node_key(dir).verifier_key();
        let t = Instant::now();
        let r = vrs_node::verify::verify(dir, Some(&vkey)).expect("verify");
        println!(
            "vrs-node verify: {} entries in {:.1} s ({:.0} entries/s)",
            r.size,
            t.elapsed().as_secs_f64(),
            r.size as f64 / t.elapsed().as_secs_f64()
        );
        assert_eq!(r.size, store_size);
    }
}
