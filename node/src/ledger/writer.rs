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

/// The writer loop: one group commit per iteration.
pub(super) fn writer(inner: Arc<Inner>, mut rx: tokio::sync::mpsc::Receiver<Job>) {
    let mut stop = false;
    while !stop {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
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
        if let Err(e) = group_commit(&inner, jobs) {
            tracing::error!(error = %e, jobs = n, "group commit failed; nothing in it was acknowledged");
        }
        inner.metrics.observe_flush(n, started.elapsed());
    }
    if let Err(e) = inner.store.flush() {
        tracing::error!(error = %e, "final flush failed");
    }
}

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

pub(super) fn group_commit(inner: &Inner, jobs: Vec<Job>) -> Result<(), LedgerError> {
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
    if batch.size() != start_size || batch.is_dirty() {
        let size = batch.size();
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
        batch.put_checkpoint(size, root, &note);
        if let Err(e) = inner.store.commit(batch) {
            let e = LedgerError::Storage(e);
            inner.failed(outcomes, releases, &e);
            return Err(e);
        }
        inner
            .metrics
            .log_size
            .store(size, std::sync::atomic::Ordering::Relaxed);
    } else {
        drop(batch);
    }
    if !new_keys.is_empty() {
        let mut keys = inner.keys.write().unwrap_or_else(|p| p.into_inner());
        for k in new_keys {
            keys.insert(k.key_id.clone(), k);
        }
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
    answer_releases(inner, releases);
    for (reply, r) in relayed {
        let _ = reply.send(r);
    }
    Ok(())
}

pub(super) fn fail_all(outcomes: Vec<Outcome>, e: &LedgerError) {
    for Outcome { reply, .. } in outcomes {
        let _ = reply.send(Err(LedgerError::Storage(StorageError::Corrupt {
            key: "commit".into(),
            reason: e.to_string(),
        })));
    }
}
