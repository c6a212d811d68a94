//! The writer: the one thread that changes the log. It takes the jobs waiting (group
//! commit), applies each to one storage batch, signs the checkpoint, makes every
//! receipt from the pending nodes, commits durably, and only then answers.

use super::*;

pub(super) fn corrupt<E: std::fmt::Display>(e: E) -> LedgerError {
    LedgerError::Storage(StorageError::Corrupt {
        key: "M".into(),
        reason: e.to_string(),
    })
}

/// The writer: one group commit per iteration, in two stages on two threads. This
/// thread takes the jobs waiting, checks and applies them to one batch, signs its
/// checkpoint, makes its receipts and applies it to sled ([`Store::apply`]); the
/// durability thread then makes it durable ([`Store::make_durable`]) and only then
/// answers. The hand-over is a rendezvous, so while batch n is being made durable this
/// thread works on batch n+1 (on top of n, applied), never further ahead, and the jobs
/// that arrive meanwhile wait for batch n+2. Answers leave in batch order.
pub(super) fn writer(inner: Arc<Inner>, mut rx: tokio::sync::mpsc::Receiver<Job>) {
    std::thread::scope(|scope| {
        let (to_durable, from_writer) = std::sync::mpsc::sync_channel::<(Ready, Instant)>(0);
        let durable = std::thread::Builder::new()
            .name("vrs-durable".into())
            .spawn_scoped(scope, || durability(&inner, from_writer));
        if let Err(e) = durable {
            tracing::error!(error = %e, "cannot start the durability thread");
            return;
        }
        let mut stop = false;
        while !stop {
            let Some(first) = rx.blocking_recv() else {
                break;
            };
            if inner.poisoned.load(std::sync::atomic::Ordering::Acquire) {
                // Dropped unanswered: the caller gets ShuttingDown.
                break;
            }
            let mut jobs = vec![first];
            while jobs.len() < inner.options.max_batch {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            if let Some(i) = jobs.iter().position(|j| matches!(j.op, Op::Stop)) {
                stop = true;
                // Jobs queued after the stop are dropped: their callers get Unavailable.
                jobs.truncate(i);
                if jobs.is_empty() {
                    break;
                }
            }
            let started = Instant::now();
            let n = jobs.len();
            match group_commit(&inner, jobs) {
                Ok(ready) => {
                    if to_durable.send((ready, started)).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, jobs = n, "group commit failed; nothing in it was acknowledged");
                    inner.metrics.observe_flush(n, started.elapsed());
                }
            }
        }
    });
    if let Err(e) = inner.store.flush() {
        tracing::error!(error = %e, "final flush failed");
    }
}

/// A batch applied by the writer, with everything to answer once it is durable.
pub(super) struct Ready {
    /// What to make durable (`None`: the batch wrote nothing, only answers).
    unsynced: Option<crate::storage::Unsynced>,
    /// The tree size after the batch.
    size: u64,
    answers: Vec<Answer>,
    releases: Vec<ReleaseOutcome>,
    relayed: Vec<RelayOutcome>,
}

/// The durability stage: makes each applied batch durable, in order, then answers it.
/// A batch that cannot be made durable is answered with the error, and the writer stops
/// (the database may hold writes that are not on disk; a restart recovers from disk):
/// nothing after it is acknowledged either.
fn durability(inner: &Inner, batches: std::sync::mpsc::Receiver<(Ready, Instant)>) {
    for (ready, started) in batches {
        let n = ready.answers.len() + ready.releases.len() + ready.relayed.len();
        let refused = if inner.poisoned.load(std::sync::atomic::Ordering::Acquire) {
            Some(LedgerError::ShuttingDown)
        } else {
            ready
                .unsynced
                .map(|u| inner.store.make_durable(u))
                .transpose()
                .err()
                .map(LedgerError::Storage)
        };
        if let Some(e) = refused {
            if !inner
                .poisoned
                .swap(true, std::sync::atomic::Ordering::AcqRel)
            {
                tracing::error!(error = %e, jobs = n, "a group commit could not be made durable: nothing in it was acknowledged, and the node takes no more writes until it is restarted");
            }
            for (reply, _) in ready.answers {
                let _ = reply.send(Err(commit_failed(&e)));
            }
            for (reply, ..) in ready.releases {
                let _ = reply.send(Err(commit_failed(&e)));
            }
            // The relays' callers see the writer gone (ShuttingDown).
            drop(ready.relayed);
            continue;
        }
        inner
            .metrics
            .log_size
            .store(ready.size, std::sync::atomic::Ordering::Relaxed);
        publish(inner, ready.answers);
        answer_releases(inner, ready.releases);
        for (reply, r) in ready.relayed {
            let _ = reply.send(r);
        }
        inner.metrics.observe_flush(n, started.elapsed());
    }
}

/// After a durable commit: its answers leave.
fn publish(inner: &Inner, answers: Vec<Answer>) {
    match &inner.runtime {
        Some(rt) => {
            rt.spawn(async move {
                for (reply, answer) in answers {
                    let _ = reply.send(answer);
                }
            });
        }
        None => {
            for (reply, answer) in answers {
                let _ = reply.send(answer);
            }
        }
    }
}

/// A report or key job's reply channel and its answer.
type Answer = (
    oneshot::Sender<Result<Accepted, LedgerError>>,
    Result<Accepted, LedgerError>,
);

/// A relayed-release job's reply channel and its per-release results.
pub(super) type RelayOutcome = (
    oneshot::Sender<Vec<Result<bool, Rejection>>>,
    Vec<Result<bool, Rejection>>,
);

/// What one report or key operation did in the batch (its receipt is made later).
pub(super) struct Applied {
    /// Its log index (the original one for a duplicate).
    pub(super) index: u64,
    /// Already logged by an earlier batch: nothing appended.
    pub(super) duplicate: bool,
    /// SHA-256 of the entry bytes.
    pub(super) digest: Hash,
    /// The key record registered or revoked.
    pub(super) key: Option<KeyRecord>,
}

/// A release job's reply channel, its result, and what the metrics count of the
/// releases it made (table, cells withheld, ε): answered and counted after the commit.
pub(super) type ReleaseOutcome = (
    oneshot::Sender<Result<Vec<ReleaseRecord>, LedgerError>>,
    Result<Vec<ReleaseRecord>, LedgerError>,
    Vec<(String, u64, f64)>,
);

/// Answers the release jobs of a committed batch, and counts what they made.
fn answer_releases(inner: &Inner, releases: Vec<ReleaseOutcome>) {
    for (reply, r, counts) in releases {
        for (table, withheld, epsilon) in counts {
            inner.metrics.release_made(&table, withheld, epsilon);
        }
        let _ = reply.send(r);
    }
}

/// A report or key job's reply channel and result, answered after the commit.
pub(super) struct Outcome {
    pub(super) reply: oneshot::Sender<Result<Accepted, LedgerError>>,
    pub(super) result: Result<Applied, LedgerError>,
    /// The receipt of an entry logged by this batch, made before the commit.
    pub(super) receipt: Option<Receipt>,
}

/// A read-through memo over the pending batch: the inclusion proofs of one batch all
/// read the same few stored nodes (the perfect subtrees left of the batch), so each is
/// read from sled once per batch instead of once per proof.
pub(super) struct Memo<'b, 'a> {
    batch: &'b crate::storage::Batch<'a>,
    seen: std::cell::RefCell<HashMap<(u8, u64), Hash>>,
}

impl merkle::HashStore for Memo<'_, '_> {
    type Error = StorageError;

    fn get(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        if let Some(h) = self.seen.borrow().get(&(level, index)) {
            return Ok(*h);
        }
        let h = merkle::HashStore::get(self.batch, level, index)?;
        self.seen.borrow_mut().insert((level, index), h);
        Ok(h)
    }
}

/// The writer's stage of a group commit: applies the jobs to one batch, signs its
/// checkpoint, makes its receipts and answers, and applies it to sled. Nothing is
/// answered here but failures; the rest is answered once the batch is durable.
pub(super) fn group_commit(inner: &Inner, jobs: Vec<Job>) -> Result<Ready, LedgerError> {
    let mut batch = inner.store.batch()?;
    let start_size = batch.size();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(jobs.len());
    let mut releases = Vec::new();
    let mut relayed = Vec::new();
    for job in jobs {
        if let Op::PutReleases { items, reply } = job.op {
            let r: Vec<_> = items
                .iter()
                .map(|(rec, bytes)| inner.put_peer_release(&mut batch, rec, bytes))
                .collect();
            relayed.push((reply, r));
            continue;
        }
        if let Op::Release {
            period,
            revise,
            today,
            reply,
        } = job.op
        {
            let mut counts = Vec::new();
            let r = inner.release_into(&mut batch, period, revise, today, &mut counts);
            releases.push((reply, r, counts));
            continue;
        }
        let r = inner.apply(&mut batch, job.op);
        outcomes.push(Outcome {
            reply: job.reply,
            result: r,
            receipt: None,
        });
    }
    let new_keys: Vec<KeyRecord> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok().and_then(|a| a.key.clone()))
        .collect();
    let size = batch.size();
    let mut unsynced = None;
    if size != start_size || batch.is_dirty() {
        let (note, root) = match inner.sign(&batch, size) {
            Ok(n) => n,
            Err(e) => {
                inner.failed(outcomes, releases, &e);
                return Err(e);
            }
        };
        // Every entry of this batch is proved against the checkpoint signed for it (the
        // one `checkpoint_covering` finds later). The proofs are made from the pending
        // nodes now; they are sent only after the commit below is durable.
        let memo = Memo {
            batch: &batch,
            seen: std::cell::RefCell::new(HashMap::new()),
        };
        for o in &mut outcomes {
            let Ok(Applied { index, .. }) = o.result else {
                continue;
            };
            if index < start_size {
                continue;
            }
            match merkle::inclusion_proof(&memo, index, size) {
                Ok(proof) => {
                    o.receipt = Some(Receipt {
                        extra: None,
                        index,
                        proof,
                        checkpoint_note: note.clone(),
                    });
                }
                Err(e) => {
                    let e = corrupt(e);
                    inner.failed(outcomes, releases, &e);
                    return Err(e);
                }
            }
        }
        drop(memo);
        snapshot_if_due(inner, &mut batch);
        batch.put_checkpoint(size, root, &note);
        match inner.store.apply(batch) {
            Ok(u) => {
                unsynced = Some(u);
                // The keys the batch registered or revoked apply to the next batch at
                // once, which is checked on top of this one before this one is durable
                // (a report signed with a key revoked here is refused in the next). A
                // key registered here signs nothing acknowledged before this batch is
                // durable: what uses it is answered after its own, later, batch.
                let mut keys = inner.keys.write().unwrap_or_else(|p| p.into_inner());
                for k in &new_keys {
                    keys.insert(k.key_id.clone(), k.clone());
                }
            }
            Err(e) => {
                // sled may hold the batch (its flush failed after apply_batch) while
                // the frontier, the leaf tail and the key registry do not: take no more.
                inner
                    .poisoned
                    .store(true, std::sync::atomic::Ordering::Release);
                let e = LedgerError::Storage(e);
                inner.failed(outcomes, releases, &e);
                return Err(e);
            }
        }
    } else {
        drop(batch);
    }
    let mut answers = Vec::with_capacity(outcomes.len());
    for Outcome {
        reply,
        result,
        receipt,
    } in outcomes
    {
        let answer = result.and_then(
            |Applied {
                 index,
                 duplicate,
                 digest,
                 key,
             }| {
                let receipt = match receipt {
                    Some(r) => r,
                    // A duplicate of an entry logged by an earlier batch: its original receipt.
                    None => inner.receipt(index)?,
                };
                Ok(Accepted {
                    receipt,
                    index,
                    digest,
                    duplicate,
                    key,
                })
            },
        );
        answers.push((reply, answer));
    }
    Ok(Ready {
        unsynced,
        size,
        answers,
        releases,
        relayed,
    })
}

/// Every few thousand entries, the cells moved since the last snapshot of the tables go
/// with the batch, beside the size they are exact at (see `aggregates`).
fn snapshot_if_due(inner: &Inner, batch: &mut crate::storage::Batch<'_>) {
    let mut aggregates = inner.aggregates.lock().unwrap_or_else(|p| p.into_inner());
    if aggregates.due(batch.size(), inner.options.aggregates_every) {
        aggregates.persist_into(batch);
    }
}

/// The error a job of a batch that was not committed gets.
fn commit_failed(e: &LedgerError) -> LedgerError {
    LedgerError::Storage(StorageError::Corrupt {
        key: "commit".into(),
        reason: e.to_string(),
    })
}

pub(super) fn fail_all(outcomes: Vec<Outcome>, e: &LedgerError) {
    for Outcome { reply, .. } in outcomes {
        let _ = reply.send(Err(commit_failed(e)));
    }
}
