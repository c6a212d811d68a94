//! Durability end-to-end tests: real `vrs-node` processes on port 0, real sled files,
//! SIGKILL and SIGTERM, and `vrs-node verify` on the data directory afterwards.
//!
//! The contract under test (ARCHITECTURE.md, "Durability contract"): an acknowledged
//! write is on stable storage before its answer leaves the node, so a kill -9 loses only
//! unanswered requests, never leaves half a batch, and `vrs-node verify` recomputes the
//! log and names the first entry that does not match.
//!
//! No sleeps: every wait is on an event (a `Notify`, a process exit, an RPC answer);
//! `tokio::time::timeout` around whole phases only turns a hang into a failure.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tonic::transport::Channel;
use vrs_client::pki::{Identity, Issued};
use vrs_core::Hash;
use vrs_core::merkle;
use vrs_core::note::{Verifiers, open_checkpoint};
use vrs_core::receipt::Receipt;
use vrs_core::report::Iso3;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_node::storage::Store;
use vrs_proto::v1 as pb;
use vrs_proto::v1::log_service_client::LogServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_tests::{
    FocalPoint, NodeFiles, NodeProcess, Pki, connect, node_binary, node_files, register,
};

const STATE: &str = "GRC";
const FOCAL_POINT: &str = "hcg-piraeus-01";

/// Failure guard for one phase of a test (never a synchronisation device).
const PHASE: Duration = Duration::from_secs(60);

/// Runs `f`, failing the test if it has not finished within [`PHASE`].
async fn phase<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PHASE, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what}: not done after {PHASE:?}"),
    }
}

/// One node's PKI, files, admin certificate and focal point.
struct Fixture {
    pki: Pki,
    files: NodeFiles,
    admin: Issued,
    fp: Arc<FocalPoint>,
}

impl Fixture {
    fn new() -> Self {
        let pki = Pki::new();
        let files = node_files(&pki, STATE, None, "");
        let admin = pki.issue(Identity::admin(STATE));
        let fp = FocalPoint::new(&pki, STATE, FOCAL_POINT, &format!("{FOCAL_POINT}-k1"));
        Self {
            pki,
            files,
            admin,
            fp: Arc::new(fp),
        }
    }

    fn verifiers(&self) -> Verifiers {
        Verifiers::from_vkeys([self.files.vkey.as_str()]).expect("node vkey")
    }

    /// Starts a node process on the fixture's files.
    async fn start(&self) -> NodeProcess {
        phase("start vrs-node", NodeProcess::start(&self.files)).await
    }

    /// Starts a fresh node and registers the focal point's key (log index 0).
    async fn start_and_register(&self) -> (NodeProcess, pb::KeyResponse) {
        let node = self.start().await;
        let admin = self.channel(node.addr, &self.admin).await;
        let key = phase("register key", register(admin, &self.fp)).await;
        (node, key)
    }

    async fn channel(&self, addr: SocketAddr, who: &Issued) -> Channel {
        phase("connect", connect(addr, self.pki.ca.cert_pem(), who))
            .await
            .expect("mTLS connect")
    }

    async fn fp_channel(&self, addr: SocketAddr) -> Channel {
        self.channel(addr, &self.fp.cert).await
    }
}

/// A valid report numbered `n` (report id `report_id(n)`), cycling through the five
/// record types.
fn report(n: u64) -> pb::Report {
    let p = ExampleParams::new(
        Iso3::new(STATE).expect("state"),
        FOCAL_POINT,
        examples::report_id(n),
    );
    let r = match n % 5 {
        0 => examples::example_movement(&p),
        1 => examples::example_fee(&p),
        2 => examples::example_smuggler(&p),
        3 => examples::example_document(&p),
        _ => examples::example_case(&p),
    };
    pb::Report::from(&r)
}

fn report_id(n: u64) -> String {
    examples::report_id(n).to_string()
}

fn entry_bytes(env: &pb::Envelope) -> Vec<u8> {
    vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes()
}

fn hashes(v: &[Vec<u8>]) -> Vec<Hash> {
    v.iter()
        .map(|h| h.as_slice().try_into().expect("32-byte hash"))
        .collect()
}

/// One acknowledged submission.
#[derive(Clone)]
struct Ack {
    n: u64,
    env: pb::Envelope,
    receipt: pb::Receipt,
}

async fn submit(ch: Channel, env: pb::Envelope) -> Result<pb::SubmitResponse, tonic::Status> {
    ReportServiceClient::new(ch)
        .submit(pb::SubmitRequest {
            envelope: Some(env),
        })
        .await
        .map(|r| r.into_inner())
}

/// Submits reports `ns` one after the other, each must be accepted.
async fn submit_all(fx: &Fixture, ch: &Channel, ns: impl IntoIterator<Item = u64>) -> Vec<Ack> {
    let mut acks = Vec::new();
    for n in ns {
        let env = fx.fp.sign(&report(n));
        let resp = phase("submit", submit(ch.clone(), env.clone()))
            .await
            .unwrap_or_else(|st| panic!("report {n} refused: {st:?}"));
        assert!(!resp.duplicate, "report {n} is new");
        acks.push(Ack {
            n,
            env,
            receipt: resp.receipt.expect("receipt"),
        });
    }
    acks
}

/// How a submitter task ended.
enum Ended {
    /// Its request failed after the node was told to stop (killed or terminated).
    FailedAfterStop,
    /// It made its bounded number of submissions.
    Exhausted,
}

/// Concurrent submitters, each on its own mTLS connection, submitting distinct reports
/// in a loop and recording every acknowledgement, until their requests fail.
struct Load {
    acks: Arc<Mutex<Vec<Ack>>>,
    count: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    stopping: Arc<AtomicBool>,
    wake: Arc<Notify>,
    tasks: JoinSet<Ended>,
}

/// Most submissions per submitter task (bounds every loop).
const MAX_PER_TASK: usize = 2_000;

impl Load {
    async fn start(
        fx: &Fixture,
        addr: SocketAddr,
        tasks: usize,
        target: usize,
        first: u64,
    ) -> Self {
        let acks = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let stopping = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(Notify::new());
        let next = Arc::new(AtomicU64::new(first));
        let mut set = JoinSet::new();
        for t in 0..tasks {
            let ch = fx.fp_channel(addr).await;
            let (acks, count, failures, stopping, wake, next, fp) = (
                acks.clone(),
                count.clone(),
                failures.clone(),
                stopping.clone(),
                wake.clone(),
                next.clone(),
                fx.fp.clone(),
            );
            set.spawn(async move {
                let mut client = ReportServiceClient::new(ch);
                for _ in 0..MAX_PER_TASK {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let env = fp.sign(&report(n));
                    let req = pb::SubmitRequest {
                        envelope: Some(env.clone()),
                    };
                    match client.submit(req).await {
                        Ok(resp) => {
                            let resp = resp.into_inner();
                            let receipt = match (resp.duplicate, resp.receipt) {
                                (false, Some(r)) => r,
                                (dup, r) => {
                                    failures.lock().expect("lock").push(format!(
                                        "task {t}, report {n}: duplicate={dup}, receipt present={}",
                                        r.is_some()
                                    ));
                                    wake.notify_one();
                                    return Ended::Exhausted;
                                }
                            };
                            acks.lock().expect("lock").push(Ack { n, env, receipt });
                            if count.fetch_add(1, Ordering::SeqCst) + 1 >= target {
                                wake.notify_one();
                            }
                        }
                        Err(st) => {
                            if stopping.load(Ordering::SeqCst) {
                                return Ended::FailedAfterStop;
                            }
                            failures
                                .lock()
                                .expect("lock")
                                .push(format!("task {t}, report {n}, before any stop: {st:?}"));
                            wake.notify_one();
                            return Ended::Exhausted;
                        }
                    }
                }
                Ended::Exhausted
            });
        }
        Self {
            acks,
            count,
            failures,
            stopping,
            wake,
            tasks: set,
        }
    }

    /// Waits until `target` acknowledgements were collected (while the submitters keep
    /// going); fails on any refusal.
    async fn wait_for(&self, target: usize) {
        phase("collect acknowledgements", async {
            loop {
                let failures = self.failures.lock().expect("lock").clone();
                assert!(failures.is_empty(), "submissions failed: {failures:#?}");
                if self.count.load(Ordering::SeqCst) >= target {
                    return;
                }
                self.wake.notified().await;
            }
        })
        .await;
    }

    /// From now on, a failed request is expected (the node is being stopped).
    fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Waits for every submitter; returns the acknowledgements and how many submitters
    /// had a request fail after the stop.
    async fn finish(mut self) -> (Vec<Ack>, usize) {
        let mut failed_after_stop = 0;
        phase("submitters end", async {
            while let Some(r) = self.tasks.join_next().await {
                if let Ended::FailedAfterStop = r.expect("submitter task") {
                    failed_after_stop += 1;
                }
            }
        })
        .await;
        let failures = self.failures.lock().expect("lock").clone();
        assert!(failures.is_empty(), "submissions failed: {failures:#?}");
        let acks = std::mem::take(&mut *self.acks.lock().expect("lock"));
        (acks, failed_after_stop)
    }
}

/// The outcome of `vrs-node verify`.
struct VerifyRun {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl VerifyRun {
    fn text(&self) -> String {
        format!(
            "exit {:?}\nstdout: {}\nstderr: {}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts success and returns the number of entries verified.
    fn entries(&self) -> u64 {
        assert_eq!(self.code, Some(0), "verify failed:\n{}", self.text());
        self.stdout
            .strip_prefix("ok: ")
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected verify output:\n{}", self.text()))
    }

    /// Asserts failure (exit 1) and returns stdout and stderr together.
    fn failure(&self) -> String {
        assert_eq!(
            self.code,
            Some(1),
            "verify must exit 1 on a bad log:\n{}",
            self.text()
        );
        assert!(
            !self.stdout.contains("ok:"),
            "verify printed ok on a bad log:\n{}",
            self.text()
        );
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `vrs-node verify --data DIR [--key VKEY]`.
async fn verify(data: &Path, key: Option<&str>) -> VerifyRun {
    let mut cmd = tokio::process::Command::new(node_binary());
    cmd.arg("verify").arg("--data").arg(data).kill_on_drop(true);
    if let Some(k) = key {
        cmd.arg("--key").arg(k);
    }
    let out = phase("vrs-node verify", cmd.output())
        .await
        .expect("run vrs-node verify");
    VerifyRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The node's latest checkpoint, opened with its key: (size, root).
async fn latest_checkpoint(fx: &Fixture, ch: &Channel) -> (u64, Hash) {
    let cp = phase(
        "GetCheckpoint",
        LogServiceClient::new(ch.clone()).get_checkpoint(pb::GetCheckpointRequest {}),
    )
    .await
    .expect("checkpoint")
    .into_inner();
    let opened = open_checkpoint(&cp.note, &fx.verifiers()).expect("checkpoint verifies");
    assert_eq!(opened.checkpoint.size, cp.size);
    assert_eq!(opened.checkpoint.root.to_vec(), cp.root_hash);
    (opened.checkpoint.size, opened.checkpoint.root)
}

/// The checkpoint inside a receipt, opened with the node's key: (size, root).
fn receipt_checkpoint(fx: &Fixture, receipt: &pb::Receipt) -> (u64, Hash) {
    let r = Receipt::parse(&receipt.tlog_proof).expect("receipt parses");
    let cp = open_checkpoint(&r.checkpoint_note, &fx.verifiers()).expect("checkpoint verifies");
    (cp.checkpoint.size, cp.checkpoint.root)
}

/// Checks, on a (restarted) node, that every acknowledged entry is there byte for byte,
/// that its original receipt is still the one the node gives and still verifies, and
/// that it is included in the tree of the node's latest checkpoint.
async fn assert_all_present(fx: &Fixture, ch: &Channel, acks: &[Ack], latest: (u64, Hash)) {
    let verifiers = fx.verifiers();
    let mut reports = ReportServiceClient::new(ch.clone());
    let mut log = LogServiceClient::new(ch.clone());
    for a in acks {
        let entry = entry_bytes(&a.env);
        // The original receipt still verifies offline over these bytes.
        let ok = Receipt::parse(&a.receipt.tlog_proof)
            .expect("receipt parses")
            .verify(&entry, &verifiers)
            .unwrap_or_else(|e| panic!("receipt of report {} does not verify: {e}", a.n));
        assert_eq!(ok.index, a.receipt.index);
        assert!(
            ok.checkpoint.checkpoint.size <= latest.0,
            "report {} was acknowledged at size {} but the log now has {}",
            a.n,
            ok.checkpoint.checkpoint.size,
            latest.0
        );

        // The node still holds exactly the acknowledged envelope, and hands out the
        // very same receipt for it.
        let got = reports
            .get_report(pb::GetReportRequest {
                report_id: report_id(a.n),
                version: 0,
            })
            .await
            .unwrap_or_else(|st| panic!("acknowledged report {} is gone: {st:?}", a.n))
            .into_inner();
        assert_eq!(got.envelope.as_ref(), Some(&a.env), "report {}", a.n);
        assert_eq!(got.version, 1);
        assert_eq!(
            got.receipt.as_ref(),
            Some(&a.receipt),
            "report {}: the original receipt, byte for byte",
            a.n
        );

        // And its leaf is at the acknowledged index in the latest tree.
        let leaf = merkle::leaf_hash(&entry);
        let proof = log
            .get_inclusion_proof(pb::InclusionProofRequest {
                leaf: Some(pb::inclusion_proof_request::Leaf::LeafHash(leaf.to_vec())),
                tree_size: 0,
            })
            .await
            .unwrap_or_else(|st| panic!("no inclusion proof for report {}: {st:?}", a.n))
            .into_inner();
        assert_eq!(proof.index, a.receipt.index, "report {}", a.n);
        assert_eq!(proof.tree_size, latest.0);
        merkle::verify_inclusion(
            &leaf,
            proof.index,
            proof.tree_size,
            &hashes(&proof.hashes),
            &latest.1,
        )
        .unwrap_or_else(|e| panic!("inclusion of report {} in the latest tree: {e:?}", a.n));
    }
}

/// Checks that the node's latest tree is consistent with every checkpoint in `seen`.
async fn assert_consistent(ch: &Channel, seen: &BTreeMap<u64, Hash>, latest: (u64, Hash)) {
    let mut log = LogServiceClient::new(ch.clone());
    for (&size, root) in seen {
        assert!(
            size <= latest.0,
            "checkpoint of size {size} was handed out, the log now has {}",
            latest.0
        );
        if size == latest.0 {
            assert_eq!(*root, latest.1, "two roots for size {size}");
            continue;
        }
        let proof = log
            .get_consistency_proof(pb::ConsistencyProofRequest {
                first: size,
                second: latest.0,
            })
            .await
            .unwrap_or_else(|st| panic!("consistency proof {size} -> {}: {st:?}", latest.0))
            .into_inner();
        assert_eq!((proof.first, proof.second), (size, latest.0));
        merkle::verify_consistency(size, latest.0, root, &latest.1, &hashes(&proof.hashes))
            .unwrap_or_else(|e| {
                panic!(
                    "the log at {} is not an extension of the checkpoint at {size}: {e:?}",
                    latest.0
                )
            });
    }
}

/// Every distinct checkpoint in these receipts, by size; fails on a fork (two roots for
/// one size).
fn checkpoints_seen<'a>(
    fx: &Fixture,
    receipts: impl IntoIterator<Item = &'a pb::Receipt>,
) -> BTreeMap<u64, Hash> {
    let mut seen = BTreeMap::new();
    for r in receipts {
        let (size, root) = receipt_checkpoint(fx, r);
        if let Some(prev) = seen.insert(size, root) {
            assert_eq!(
                prev, root,
                "two different signed roots for tree size {size}"
            );
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_reports_survive_kill_9() {
    const SUBMITTERS: usize = 16;
    const TARGET: usize = 300;
    let fx = Fixture::new();
    let (node, key) = fx.start_and_register().await;
    let key_receipt = key.receipt.expect("key registration receipt");

    let load = Load::start(&fx, node.addr, SUBMITTERS, TARGET, 1).await;
    load.wait_for(TARGET).await;
    // The submitters are still running: kill the node under them.
    load.stopping();
    phase("kill -9", node.kill9()).await;
    let (acks, failed_after_kill) = load.finish().await;
    assert!(acks.len() >= TARGET, "{} acknowledgements", acks.len());
    assert!(
        failed_after_kill > 0,
        "some submissions must have been in flight at the kill"
    );
    let max_index = acks.iter().map(|a| a.receipt.index).max().expect("acks");
    let mut seen = checkpoints_seen(&fx, acks.iter().map(|a| &a.receipt));
    seen.extend(checkpoints_seen(&fx, [&key_receipt]));
    assert!(
        seen.len() > 1,
        "group commits handed out {} checkpoints",
        seen.len()
    );

    // Offline: the data directory as kill -9 left it verifies, and holds at least every
    // acknowledged entry.
    let entries = verify(&fx.files.data_dir, Some(&fx.files.vkey))
        .await
        .entries();
    assert!(
        entries > max_index,
        "verify saw {entries} entries, the highest acknowledged index is {max_index}"
    );

    // Restart on the same files: everything acknowledged is there, and the log extends
    // every checkpoint handed out before the crash.
    let node = fx.start().await;
    let ch = fx.fp_channel(node.addr).await;
    let latest = latest_checkpoint(&fx, &ch).await;
    assert_eq!(
        latest.0, entries,
        "the restarted node serves the verified log"
    );
    phase(
        "check acknowledged entries",
        assert_all_present(&fx, &ch, &acks, latest),
    )
    .await;
    phase("check consistency", assert_consistent(&ch, &seen, latest)).await;

    // An acknowledged report resubmitted after the crash is a duplicate with its
    // original receipt.
    let first = &acks[0];
    let again = phase("resubmit", submit(ch.clone(), first.env.clone()))
        .await
        .expect("resubmission");
    assert!(again.duplicate);
    assert_eq!(again.receipt.as_ref(), Some(&first.receipt));

    // The restarted node keeps accepting (the key registration survived too).
    let start = 1_000_000;
    let more = submit_all(&fx, &ch, start..start + 3).await;
    for a in &more {
        assert!(a.receipt.index >= entries, "new entries are appended");
        Receipt::parse(&a.receipt.tlog_proof)
            .expect("receipt")
            .verify(&entry_bytes(&a.env), &fx.verifiers())
            .expect("new receipt verifies");
    }
    let after = latest_checkpoint(&fx, &ch).await;
    assert_eq!(after.0, entries + 3);
    seen.insert(latest.0, latest.1);
    phase(
        "check consistency after restart",
        assert_consistent(&ch, &seen, after),
    )
    .await;

    drop(ch);
    let status = phase("SIGTERM", node.terminate()).await;
    assert!(status.success(), "restarted node exits cleanly: {status:?}");
    assert_eq!(
        verify(&fx.files.data_dir, None).await.entries(),
        entries + 3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graceful_shutdown_on_sigterm_flushes_and_exits_zero() {
    let fx = Fixture::new();
    let (node, _) = fx.start_and_register().await;
    let ch = fx.fp_channel(node.addr).await;
    let mut acks = submit_all(&fx, &ch, 1..=5).await;
    drop(ch);

    // SIGTERM while submitters are still sending: in-flight requests finish or fail,
    // the writer drains, the node flushes and exits 0.
    let load = Load::start(&fx, node.addr, 4, 20, 100).await;
    load.wait_for(20).await;
    load.stopping();
    let status = phase("SIGTERM", node.terminate()).await;
    assert!(status.success(), "SIGTERM exits 0: {status:?}");
    let (more, _) = load.finish().await;
    assert!(more.len() >= 20);
    acks.extend(more);

    let entries = verify(&fx.files.data_dir, None).await.entries();
    let max_index = acks.iter().map(|a| a.receipt.index).max().expect("acks");
    assert!(
        entries > max_index,
        "{entries} entries, max index {max_index}"
    );

    let node = fx.start().await;
    let ch = fx.fp_channel(node.addr).await;
    let latest = latest_checkpoint(&fx, &ch).await;
    assert_eq!(latest.0, entries);
    phase(
        "check acknowledged entries",
        assert_all_present(&fx, &ch, &acks, latest),
    )
    .await;
    let seen = checkpoints_seen(&fx, acks.iter().map(|a| &a.receipt));
    phase("check consistency", assert_consistent(&ch, &seen, latest)).await;
    drop(ch);
    let status = phase("SIGTERM", node.terminate()).await;
    assert!(status.success(), "second SIGTERM exits 0: {status:?}");
    assert_eq!(verify(&fx.files.data_dir, None).await.entries(), entries);
}

/// A node with the key registration at index 0 and reports 1..=20 at indices 1..=20,
/// stopped cleanly. Returns the fixture and the acknowledgements.
async fn twenty_reports_then_stop() -> (Fixture, Vec<Ack>) {
    let fx = Fixture::new();
    let (node, _) = fx.start_and_register().await;
    let ch = fx.fp_channel(node.addr).await;
    let acks = submit_all(&fx, &ch, 1..=20).await;
    for a in &acks {
        assert_eq!(
            a.receipt.index, a.n,
            "sequential submissions get sequential indices"
        );
    }
    drop(ch);
    let status = phase("SIGTERM", node.terminate()).await;
    assert!(status.success());
    assert_eq!(verify(&fx.files.data_dir, None).await.entries(), 21);
    (fx, acks)
}

/// The stored entry bytes with one byte flipped (in the DSSE signature, at the end of
/// the protobuf encoding, so the entry still decodes).
fn flipped(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let last = b.len() - 1;
    b[last] ^= 0x01;
    b
}

/// Opens the stopped node's store in this process (sled locks the directory, so the
/// node must not run), replaces entries, checks what was there, and closes it again.
async fn overwrite(data: &Path, edits: &[(u64, &[u8], &[u8])]) {
    {
        let store = Store::open(data).expect("open the stopped node's store");
        for (index, expected, bytes) in edits {
            let old = store.entry(*index).expect("read entry").expect("entry");
            assert_eq!(&old, expected, "entry {index} before the overwrite");
            store
                .danger_overwrite_entry(*index, bytes)
                .expect("overwrite entry");
        }
    }
    wait_until_unlocked(data).await;
}

/// Waits until nothing holds sled's lock on `data/db` any more (`Store::wait_released`:
/// sled's background writer threads hold the file a moment after the node stopped, and
/// `vrs-node verify` would find the database locked).
async fn wait_until_unlocked(data: &Path) {
    let data = data.to_path_buf();
    phase(
        "sled releases its lock",
        tokio::task::spawn_blocking(move || {
            vrs_node::storage::Store::wait_released(&data).expect("lock db");
        }),
    )
    .await
    .expect("lock task");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_reports_the_first_tampered_entry() {
    let (fx, acks) = twenty_reports_then_stop().await;
    let data = fx.files.data_dir.clone();
    let e7 = entry_bytes(&acks[6].env);
    let e12 = entry_bytes(&acks[11].env);
    let (bad7, bad12) = (flipped(&e7), flipped(&e12));

    // Tamper with two entries: verify names the first one.
    overwrite(&data, &[(7, &e7, &bad7), (12, &e12, &bad12)]).await;
    let out = verify(&data, Some(&fx.files.vkey)).await.failure();
    assert!(
        out.contains("MISMATCH at log index 7:"),
        "verify must name index 7:\n{out}"
    );
    assert!(
        !out.contains("index 12"),
        "only the first bad index:\n{out}"
    );

    // Put 7 back: now 12 is the first bad entry.
    overwrite(&data, &[(7, &bad7, &e7)]).await;
    let out = verify(&data, None).await.failure();
    assert!(
        out.contains("MISMATCH at log index 12:"),
        "verify must name index 12:\n{out}"
    );

    // Put 12 back: the log verifies again (verification changed nothing).
    overwrite(&data, &[(12, &bad12, &e12)]).await;
    assert_eq!(verify(&data, None).await.entries(), 21);
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Offsets of every occurrence of `needle` in `hay`.
fn occurrences(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Asserts that verify's output names the problem: sled's corruption error, or a
/// mismatch found by recomputing the log.
fn says_why(out: &str, what: &str) {
    assert!(
        out.to_lowercase().contains("corrupt")
            || out.contains("MISMATCH at log index")
            || out.contains("BAD CHECKPOINT"),
        "{what}: verify must say what is wrong:\n{out}"
    );
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("dir entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_detects_a_flipped_byte_in_the_data_files() {
    use std::os::unix::fs::FileExt as _;
    let (fx, acks) = twenty_reports_then_stop().await;
    let data = fx.files.data_dir.clone();

    // The 64 random bytes of report 10's Ed25519 signature appear nowhere else; sled
    // (no compression) stores them in clear, possibly several times (a page is
    // rewritten when sled consolidates it).
    let sig = acks[9].env.signatures[0].sig.clone();
    assert_eq!(sig.len(), 64);
    let mut copies = Vec::new();
    for path in files_under(&data) {
        let bytes = std::fs::read(&path).expect("read data file");
        let rel = path.strip_prefix(&data).expect("under data").to_path_buf();
        for at in occurrences(&bytes, &sig) {
            copies.push((rel.clone(), at + 32, bytes[at + 32]));
        }
    }
    assert!(
        !copies.is_empty(),
        "report 10's signature is stored in clear somewhere under {}",
        data.display()
    );

    // One flipped byte per experiment, on a copy of the data directory. A copy that
    // sled no longer uses may rot harmlessly: verify may then pass, but only with every
    // acknowledged entry intact. The copy sled reads must be caught (sled's CRC, or the
    // recomputed tree), with a message. Never may verify pass on a shorter log.
    //
    // The database has never been reopened: sled's snapshot still predates the whole
    // log. (After a restart, sled takes a corrupt message past its snapshot for a torn
    // write and silently drops it and everything after it; verify cannot see that.)
    let flip = |name: &str, at: &[(PathBuf, usize, u8)]| {
        let dir = fx.pki.dir.path().join(name);
        copy_dir(&data, &dir);
        for (rel, pos, byte) in at {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(dir.join(rel))
                .expect("open data file");
            f.write_at(&[byte ^ 0x01], *pos as u64)
                .expect("flip a byte");
            f.sync_all().expect("sync");
        }
        dir
    };
    let mut detected = 0;
    for (i, copy) in copies.iter().enumerate() {
        let dir = flip(&format!("flipped-{i}"), std::slice::from_ref(copy));
        let run = verify(&dir, None).await;
        let what = format!(
            "byte {} of {} flipped (copy {i} of {})",
            copy.1,
            copy.0.display(),
            copies.len()
        );
        if run.code == Some(0) {
            assert_eq!(
                run.entries(),
                21,
                "{what}: verify passed on a log that lost entries:\n{}",
                run.text()
            );
            continue;
        }
        says_why(&run.failure(), &what);
        detected += 1;
    }
    assert!(
        detected > 0,
        "no single flipped byte in report 10's {} stored copies was detected",
        copies.len()
    );

    // Every copy flipped at once: the live one is among them.
    let out = verify(&flip("flipped-all", &copies), None).await.failure();
    says_why(&out, "every copy flipped");

    // The untouched original still verifies.
    assert_eq!(verify(&data, None).await.entries(), 21);
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_without_a_database_fails_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    // An empty directory.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let out = verify(&empty, None).await.failure();
    assert!(out.contains("holds no vrs database"), "{out}");
    assert!(
        std::fs::read_dir(&empty)
            .expect("read dir")
            .next()
            .is_none(),
        "verify must not create a database"
    );
    // A directory that does not exist.
    let missing = dir.path().join("missing");
    let out = verify(&missing, None).await.failure();
    assert!(out.contains("holds no vrs database"), "{out}");
    assert!(!missing.exists(), "verify must not create the directory");
}

/// sled takes a corrupt message written after its last snapshot (every open takes one)
/// for a torn write and silently drops it and everything after it. The anchor kept
/// outside sled catches that: verify fails and the node refuses to start, instead of
/// serving a shorter log and signing new roots for sizes it had already signed.
#[tokio::test(flavor = "multi_thread")]
async fn a_log_that_sled_silently_truncates_is_refused() {
    use std::os::unix::fs::FileExt as _;
    let (fx, _) = twenty_reports_then_stop().await;
    let data = fx.files.data_dir.clone();
    // Restart, so that sled's snapshot is taken, then log reports 21..=30 after it.
    let node = fx.start().await;
    let ch = fx.fp_channel(node.addr).await;
    let acks = submit_all(&fx, &ch, 21..=30).await;
    drop(ch);
    assert!(phase("SIGTERM", node.terminate()).await.success());
    // (No verify here: opening the database would take a new snapshot past report 25.)

    // Flip one byte of the first stored copy of report 25's signature in sled's log.
    let sig = acks[4].env.signatures[0].sig.clone();
    let db = data.join("db");
    let bytes = std::fs::read(&db).expect("read");
    let at = occurrences(&bytes, &sig);
    let flipped_any = !at.is_empty();
    if let Some(at) = at.first() {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&db)
            .expect("open");
        f.write_at(&[bytes[at + 32] ^ 0x01], (at + 32) as u64)
            .expect("flip");
        f.sync_all().expect("sync");
    }
    assert!(flipped_any, "report 25's signature is stored in clear");

    let run = verify(&data, None).await;
    assert_ne!(
        run.code,
        Some(0),
        "verify passed on a damaged log:\n{}",
        run.text()
    );
    let out = run.failure();
    assert!(out.contains("TRUNCATED"), "{out}");
    // The node refuses to start on it rather than fork its own log.
    let mut cmd = tokio::process::Command::new(node_binary());
    cmd.arg("run")
        .arg("--config")
        .arg(&fx.files.config)
        .env("VRS_NODE_LOG", "error")
        .kill_on_drop(true);
    let out = phase("vrs-node run on a damaged log", cmd.output())
        .await
        .expect("run");
    assert!(!out.status.success(), "the node started on a damaged log");
}

/// `vrs-node run` on `config` with its data directory replaced by `data`, to its exit.
async fn run_on(config: &Path, data: &Path) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(node_binary());
    cmd.arg("run")
        .arg("--config")
        .arg(config)
        .env("VRS_NODE_DATA_DIR", data)
        .env("VRS_NODE_LOG", "error")
        .kill_on_drop(true);
    phase("vrs-node run on a damaged database", cmd.output())
        .await
        .expect("run")
}

/// The node refused to start, said why, never said it was up, and did not panic.
fn refused_to_start(out: &std::process::Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: the node must exit 1 (not serve, not panic):\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        !stdout.contains("listening on"),
        "{what}: a node that is about to exit announced itself:\n{stdout}"
    );
    stderr
}

/// A node with `n` reports (several of sled's 512 KiB segments), stopped cleanly.
async fn many_reports_then_stop(n: u64) -> Fixture {
    let fx = Fixture::new();
    let (node, _) = fx.start_and_register().await;
    let ch = fx.fp_channel(node.addr).await;
    let mut set = JoinSet::new();
    for lane in 0..16 {
        let (ch, fp) = (ch.clone(), fx.fp.clone());
        set.spawn(async move {
            for i in (1..=n).filter(|i| i % 16 == lane) {
                submit(ch.clone(), fp.sign(&report(i)))
                    .await
                    .unwrap_or_else(|st| panic!("report {i} refused: {st:?}"));
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("submitter");
    }
    drop(ch);
    assert!(phase("SIGTERM", node.terminate()).await.success());
    fx
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_data_file_is_reported_by_verify_and_the_node_never_a_panic() {
    let fx = many_reports_then_stop(3000).await;
    let data = fx.files.data_dir.clone();
    let len = std::fs::metadata(data.join("db")).expect("db").len();
    // At 5 to 30 % sled opens a database that lost everything; at 40 to 90 % it
    // panicked while opening it (both `verify` and the node exited 101).
    for percent in [10, 50, 75] {
        let copy = fx.pki.dir.path().join(format!("truncated-{percent}"));
        copy_dir(&data, &copy);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(copy.join("db"))
            .expect("open db");
        f.set_len(len * percent / 100).expect("truncate");
        f.sync_all().expect("sync");
        drop(f);
        let what = format!("data file truncated at {percent} %");
        let run = verify(&copy, None).await;
        assert_ne!(
            run.code,
            Some(101),
            "{what}: verify panicked:\n{}",
            run.text()
        );
        let out = run.failure();
        assert!(
            out.contains("damaged") || out.contains("TRUNCATED") || out.contains("corrupt"),
            "{what}: verify must say what is wrong:\n{out}"
        );
        let stderr = refused_to_start(&run_on(&fx.files.config, &copy).await, &what);
        assert!(
            stderr.contains("damaged")
                || stderr.contains("TRUNCATED")
                || stderr.contains("corrupt"),
            "{what}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_refuses_a_last_batch_that_verify_rejects() {
    let (fx, acks) = twenty_reports_then_stop().await;
    let data = fx.files.data_dir.clone();
    let e20 = entry_bytes(&acks[19].env);
    overwrite(&data, &[(20, &e20, &flipped(&e20))]).await;
    let out = verify(&data, None).await.failure();
    assert!(out.contains("MISMATCH at log index 20"), "{out}");
    let stderr = refused_to_start(&run_on(&fx.files.config, &data).await, "entry 20 flipped");
    assert!(stderr.contains("log index 20"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_checks_the_stored_inner_merkle_nodes() {
    let (fx, _) = twenty_reports_then_stop().await;
    let data = fx.files.data_dir.clone();
    // Entry 11 completes the level-1 node 5, the level-2 node 2 and the level-3 node 1
    // (inner nodes that inclusion proofs read); damage the level-1 node only.
    {
        let store = Store::open(&data).expect("open");
        store
            .danger_overwrite_merkle_node(11, 1, [0xab; 32])
            .expect("overwrite");
    }
    wait_until_unlocked(&data).await;
    let out = verify(&data, None).await.failure();
    assert!(out.contains("MISMATCH at log index 11"), "{out}");
    assert!(out.contains("level 1"), "{out}");
}
