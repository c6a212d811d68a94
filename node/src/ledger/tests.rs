//! The ledger's own tests.
#![allow(clippy::unwrap_used)]

use super::*;
use vrs_core::envelope::SigningKey;
use vrs_core::report::examples::{self, ExampleParams};

const STATE: &str = "GRC";
const FP: &str = "hcg-piraeus-01";

/// A ledger on a fresh store, with one focal point's key registered.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) ledger: Ledger,
    pub(crate) writer: std::thread::JoinHandle<()>,
    pub(crate) key: SigningKey,
}

pub(crate) async fn start(release: &crate::config::ReleaseConfig) -> Fixture {
    start_with(release, crate::aggregates::PERSIST_EVERY).await
}

/// As [`start`], with a snapshot of the aggregate tables every `aggregates_every` entries.
pub(crate) async fn start_with(
    release: &crate::config::ReleaseConfig,
    aggregates_every: u64,
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let (signer, _) = NoteSigner::generate("vrs.test/state/GRC").unwrap();
    let (ledger, writer) = Ledger::start(
        store,
        STATE,
        signer,
        LedgerOptions {
            max_batch: 16,
            max_payload_bytes: 1 << 20,
            aggregates_every,
        },
        ReleaseSettings::from_config(release).unwrap(),
        Arc::new(Metrics::default()),
    )
    .unwrap();
    let (key, _seed) = SigningKey::generate(format!("{FP}-k1"));
    ledger
        .register_key(FP, &format!("{FP}-k1"), &key.public_key())
        .await
        .unwrap();
    Fixture {
        dir,
        ledger,
        writer,
        key,
    }
}

impl Fixture {
    pub(crate) fn params(n: u64) -> ExampleParams {
        ExampleParams::new(
            vrs_core::report::Iso3::new(STATE).unwrap(),
            FP,
            examples::report_id(n),
        )
    }

    pub(crate) fn sign(&self, r: &vrs_core::report::Report) -> Envelope {
        Envelope::sign(
            vrs_proto::REPORT_PAYLOAD_TYPE,
            vrs_core::wire::encode_report(r),
            &self.key,
        )
    }

    pub(crate) async fn submit(
        &self,
        r: &vrs_core::report::Report,
    ) -> Result<Accepted, LedgerError> {
        let who = Submitter {
            state: STATE.into(),
            focal_point_id: FP.into(),
        };
        self.ledger
            .submit(self.sign(r), &who, crate::grpc::today())
            .await
    }

    pub(crate) async fn stop(self) -> tempfile::TempDir {
        self.ledger.shutdown(self.writer).await;
        self.dir
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_refused_by_a_storage_error_moves_no_cell() {
    let fx = start(&Default::default()).await;
    let r = examples::example_movement(&Fixture::params(1));
    let leaf = merkle::leaf_hash(&fx.sign(&r).to_entry_bytes());
    *crate::storage::tests::FAIL_APPEND_OF.lock().unwrap() = Some(leaf);
    let refused = fx.submit(&r).await;
    *crate::storage::tests::FAIL_APPEND_OF.lock().unwrap() = None;
    assert!(
        matches!(refused, Err(LedgerError::Storage(_))),
        "{refused:?}"
    );
    let period = fx
        .ledger
        .inner
        .aggregates
        .lock()
        .unwrap()
        .periods()
        .copied()
        .collect::<Vec<_>>();
    assert!(period.is_empty(), "the tables in memory moved: {period:?}");
    let size = fx.ledger.store().size().unwrap();
    let dir = fx.stop().await;
    // Nothing of the refused job was committed: no cell on disk, no entry.
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.size().unwrap(), size);
    let stored = Aggregates::load(&store).unwrap();
    assert_eq!(
        stored.periods().count(),
        0,
        "cells of a refused job were stored"
    );
}

/// Every table of every period, as the ledger holds them in memory.
fn tables_in_memory(
    fx: &Fixture,
) -> Vec<(vrs_core::aggregate::Period, vrs_core::aggregate::Tables)> {
    let a = fx.ledger.inner.aggregates.lock().unwrap();
    a.periods().map(|p| (*p, a.tables(p))).collect()
}

fn tables_of(a: &Aggregates) -> Vec<(vrs_core::aggregate::Period, vrs_core::aggregate::Tables)> {
    a.periods().map(|p| (*p, a.tables(p))).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tables_are_a_snapshot_plus_the_entries_after_it_replayed_at_open() {
    let fx = start_with(&Default::default(), 4).await;
    // First versions of every record type, then amendments that move cells (more
    // deaths), a retraction, and an amendment of an amendment, one at a time so that
    // snapshots fall between them.
    let mut movements = Vec::new();
    for n in 1..=10u64 {
        let r = examples::example(
            vrs_core::report::RecordType::ALL[(n % 5) as usize],
            &Fixture::params(n),
        );
        let a = fx.submit(&r).await.unwrap();
        if matches!(r.body, Some(vrs_core::report::Body::Movement(_))) {
            movements.push((r, a.digest));
        }
    }
    let deaths = |mut r: vrs_core::report::Report, d: u32| {
        if let Some(vrs_core::report::Body::Movement(m)) = r.body.as_mut() {
            m.deaths += d;
        }
        r
    };
    let (m1, d1) = movements[0].clone();
    let (m2, d2) = movements[1].clone();
    let v2 = deaths(examples::example_amendment(&m1, d1), 2);
    let a2 = fx.submit(&v2).await.unwrap();
    fx.submit(&examples::example_retraction(&m2, d2))
        .await
        .unwrap();
    let v3 = deaths(examples::example_amendment(&v2, a2.digest), 1);
    fx.submit(&v3).await.unwrap();
    let before = tables_in_memory(&fx);
    assert!(!before.is_empty());
    let size = fx.ledger.store().size().unwrap();
    let dir = fx.stop().await;

    let store = Store::open(dir.path()).unwrap();
    let stored = Aggregates::load(&store).unwrap();
    let at = stored.persisted_at();
    assert!(at > 0, "no snapshot was written");
    assert!(
        at < size,
        "nothing after the snapshot to replay: {at} of {size}"
    );
    assert_ne!(
        tables_of(&stored),
        before,
        "the snapshot alone has the tail's moves"
    );
    let settings = ReleaseSettings::from_config(&Default::default()).unwrap();
    let opened = Aggregates::open(&store, settings.granularity, settings.caps).unwrap();
    assert_eq!(
        tables_of(&opened),
        before,
        "snapshot + replay differs from the tables"
    );

    // The same from the first entry: replaying the whole log gives the same tables.
    let mut scratch = Aggregates::default();
    let mut shares = std::collections::HashMap::new();
    scratch
        .replay(0, size, |i| {
            let e = store.entry(i)?.unwrap();
            let Some(r) = report_of_entry(&e).unwrap() else {
                return Ok(None);
            };
            let new = crate::aggregates::share(settings.granularity, settings.caps, &r);
            let old = shares
                .insert(r.report_id.to_string(), new.clone())
                .flatten();
            Ok(Some((old, new)))
        })
        .unwrap();
    assert_eq!(
        tables_of(&scratch),
        before,
        "the tables are not those of the log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_noised_first_table_keeps_both_spends_of_a_release_and_its_revision() {
    let release = crate::config::ReleaseConfig {
        noise_tables: "MOVEMENTS".into(),
        epsilon: "1/1".into(),
        budget_cap: "2/1".into(),
        ..Default::default()
    };
    let fx = start(&release).await;
    for n in 1..=6 {
        fx.submit(&examples::example_movement(&Fixture::params(n)))
            .await
            .unwrap();
    }
    let period = vrs_core::aggregate::Period::parse("2026-M03").unwrap();
    let today = crate::grpc::today();
    let first = fx.ledger.release(period, false, today).await.unwrap();
    let revised = fx.ledger.release(period, true, today).await.unwrap();
    let movements = |rs: &[ReleaseRecord]| {
        rs.iter()
            .find(|r| r.table == "MOVEMENTS")
            .map(|r| r.digest)
            .unwrap()
    };
    let spends = fx.ledger.store().spends("2026-M03").unwrap();
    let digests: Vec<_> = spends
        .iter()
        .filter(|s| s.table == "MOVEMENTS")
        .map(|s| s.digest)
        .collect();
    assert_eq!(
        digests,
        [movements(&first), movements(&revised)],
        "the ledger holds the release's spend and the revision's"
    );
    fx.stop().await;
}

/// Submits `r` on a task of its own.
fn submit_task(
    fx: &Fixture,
    r: &vrs_core::report::Report,
) -> tokio::task::JoinHandle<Result<Accepted, LedgerError>> {
    let (ledger, env) = (fx.ledger.clone(), fx.sign(r));
    let who = Submitter {
        state: STATE.into(),
        focal_point_id: FP.into(),
    };
    tokio::spawn(async move { ledger.submit(env, &who, crate::grpc::today()).await })
}

/// The fixture's store with the pipeline's probe and gate on (see
/// `crate::storage::tests`): it tells each batch it applies and each it starts to make
/// durable, and waits at each `fdatasync` for a word. Off again when dropped.
struct Held {
    seen: std::sync::mpsc::Receiver<(&'static str, u64)>,
    gate: std::sync::mpsc::Sender<bool>,
}

impl Held {
    fn on(fx: &Fixture) -> Held {
        use crate::storage::tests::{GATE, PROBE};
        let dir = fx.dir.path().to_path_buf();
        let (events, seen) = std::sync::mpsc::channel();
        let (gate, wait) = std::sync::mpsc::channel();
        *PROBE.lock().unwrap() = Some((dir.clone(), events));
        *GATE.lock().unwrap() = Some((dir, wait));
        Held { seen, gate }
    }

    /// The store's next event. The bound is for a broken pipeline (that would wait
    /// forever), not a synchronisation.
    fn next(&self) -> (&'static str, u64) {
        tokio::task::block_in_place(|| self.seen.recv_timeout(std::time::Duration::from_secs(60)))
            .expect("the store's next event")
    }

    /// Lets the batch held at its `fdatasync` go on (`true`) or fail (`false`).
    fn release(&self, ok: bool) {
        self.gate.send(ok).unwrap();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        *crate::storage::tests::PROBE.lock().unwrap() = None;
        *crate::storage::tests::GATE.lock().unwrap() = None;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_next_batch_is_applied_while_one_is_made_durable_and_each_is_answered_after_its_own() {
    for fail in [false, true] {
        let fx = start(&Default::default()).await;
        let held = Held::on(&fx);
        let next = || held.next();
        let a = submit_task(&fx, &examples::example_movement(&Fixture::params(1)));
        let (_, size_a) = next();
        assert_eq!(next().0, "durable");
        // Batch n is held before its fdatasync; batch n+1 is still applied on top of it.
        let b = submit_task(&fx, &examples::example_movement(&Fixture::params(2)));
        assert_eq!(next(), ("applied", size_a + 1));
        assert!(
            !a.is_finished() && !b.is_finished(),
            "nothing answered before n is durable"
        );
        // Nor is n's checkpoint served: a crash now could lose it.
        let store = &fx.ledger.inner.store;
        let size_line = |n: u64| format!("\n{n}\n");
        let served = store.durable_checkpoint().unwrap().expect("a checkpoint");
        assert!(
            !served.contains(&size_line(size_a)) && !served.contains(&size_line(size_a + 1)),
            "{served}"
        );
        assert!(
            store
                .checkpoint()
                .unwrap()
                .expect("stored")
                .contains(&size_line(size_a + 1))
        );
        held.release(!fail);
        if fail {
            let (a, b) = (a.await.unwrap(), b.await.unwrap());
            assert!(matches!(a, Err(LedgerError::Storage(_))), "{a:?}");
            // Batch n+1 was built on n: it is refused too, and the writer takes no more.
            assert!(b.is_err(), "{b:?}");
            let c = fx
                .submit(&examples::example_movement(&Fixture::params(3)))
                .await;
            assert!(matches!(c, Err(LedgerError::ShuttingDown)), "{c:?}");
        } else {
            let a = a.await.unwrap().expect("a");
            assert_eq!(next().0, "durable");
            assert!(!b.is_finished(), "n+1 waits for its own fdatasync");
            held.release(true);
            let b = b.await.unwrap().expect("b");
            assert_eq!((a.index + 1, a.index + 2), (size_a, b.index + 1));
            let anchor = fx.ledger.inner.store.anchor().expect("anchor");
            assert_eq!(anchor.size, size_a + 1, "the anchor names the later batch");
            let served = store.durable_checkpoint().unwrap().expect("cp");
            assert!(served.contains(&size_line(size_a + 1)), "{served}");
        }
        drop(held);
        fx.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_revoked_in_the_batch_being_made_durable_signs_nothing_in_the_next() {
    let fx = start(&Default::default()).await;
    let held = Held::on(&fx);
    let next = || held.next().0;
    let ledger = fx.ledger.clone();
    let revoke = tokio::spawn(async move { ledger.revoke_key(&format!("{FP}-k1"), "lost").await });
    assert_eq!(next(), "applied");
    assert_eq!(next(), "durable");
    // The revocation's batch is held before its fdatasync. A report signed with the
    // revoked key is refused now: it would be checked on top of that batch, and it
    // must not wait for that batch to be durable to be refused, nor be accepted.
    let report = submit_task(&fx, &examples::example_movement(&Fixture::params(9)));
    let refused = tokio::time::timeout(std::time::Duration::from_secs(60), report)
        .await
        .expect("refused while the revocation is being made durable")
        .unwrap();
    assert!(
        matches!(refused, Err(LedgerError::KeyRevoked { .. })),
        "{refused:?}"
    );
    assert!(
        !revoke.is_finished(),
        "the revocation itself waits for its fdatasync"
    );
    held.release(true);
    revoke.await.unwrap().expect("revoked");
    drop(held);
    fx.stop().await;
}
