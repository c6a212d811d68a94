//! The log engine: verification of submissions, the key registry, report versions,
//! and group commit.
//!
//! Handlers do the CPU-heavy, state-free work concurrently (signature verification,
//! decoding, validation, hashing). One writer thread owns every state change: it
//! drains whatever jobs are queued (up to `max_batch`), checks each against the state
//! including the pending batch (duplicates, version chains, revoked keys), appends the
//! accepted entries, signs one checkpoint for the batch, commits the batch durably
//! (see [`crate::storage::Store::commit`]) and only then answers every job in it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use vrs_core::envelope::Envelope;
use vrs_core::merkle;
use vrs_core::note::{Checkpoint, NoteSigner, sign_checkpoint};
use vrs_core::receipt::Receipt;
use vrs_core::{Hash, sha256};

use crate::aggregates::Aggregates;
use crate::metrics::Metrics;
use crate::releases::ReleaseSettings;
use crate::storage::releases::ReleaseRecord;
use crate::storage::{KeyRecord, ReportHead, StorageError, Store};
use crate::sync::Rejection;

mod apply;
mod error;
mod writer;

pub use error::LedgerError;
use writer::{Applied, Outcome, ReleaseOutcome, corrupt, fail_all, writer};

/// DSSE payload type of key registry events logged by the node.
pub const KEY_EVENT_PAYLOAD_TYPE: &str = "application/vnd.vrs.key-event.v1+json";

/// A key registry event: the payload of a node-signed log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEvent {
    /// "register" or "revoke".
    pub op: String,
    /// The node's State.
    pub state: String,
    /// Key id.
    pub key_id: String,
    /// Focal point id.
    pub focal_point_id: String,
    /// Raw Ed25519 public key, base64.
    pub public_key: String,
    /// Revocation reason (empty for a registration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// The answer to an accepted write.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The receipt (the original one for a duplicate).
    pub receipt: Receipt,
    /// Log index of the entry.
    pub index: u64,
    /// SHA-256 of the entry bytes.
    pub digest: Hash,
    /// True when the bytes had been logged before.
    pub duplicate: bool,
    /// The key record after a key operation.
    pub key: Option<KeyRecord>,
}

/// Who submits: from the caller's certificate.
#[derive(Debug, Clone)]
pub struct Submitter {
    /// The caller's State.
    pub state: String,
    /// The caller's focal-point id.
    pub focal_point_id: String,
}

struct ReportJob {
    entry: Vec<u8>,
    leaf: Hash,
    digest: Hash,
    report_id: String,
    version: u32,
    supersedes: Vec<u8>,
    key_id: String,
    head: ReportHead,
    /// The cells this version counts in.
    share: crate::aggregates::Share,
}

enum Op {
    /// Release (or revise) every table of a closed period.
    Release {
        period: vrs_core::aggregate::Period,
        revise: bool,
        today: vrs_core::codes::Date,
        reply: oneshot::Sender<Result<Vec<ReleaseRecord>, LedgerError>>,
    },
    /// Store releases fetched from peers (already verified under their origin's key).
    PutReleases {
        items: Vec<(ReleaseRecord, Vec<u8>)>,
        reply: oneshot::Sender<Vec<Result<bool, Rejection>>>,
    },
    /// Finish the jobs queued before this one, flush, exit.
    Stop,
    Report(Box<ReportJob>),
    Register(KeyRecord),
    Revoke {
        key_id: String,
        reason: String,
    },
}

struct Job {
    op: Op,
    reply: oneshot::Sender<Result<Accepted, LedgerError>>,
}

/// Limits the ledger enforces.
#[derive(Debug, Clone)]
pub struct LedgerOptions {
    /// Most jobs in one group commit.
    pub max_batch: usize,
    /// Largest accepted payload.
    pub max_payload_bytes: usize,
    /// Entries between two snapshots of the aggregate tables
    /// ([`crate::aggregates::PERSIST_EVERY`]).
    pub aggregates_every: u64,
}

/// The log engine. Cheap to clone.
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    state: String,
    signer: NoteSigner,
    keys: RwLock<HashMap<String, KeyRecord>>,
    tx: tokio::sync::mpsc::Sender<Job>,
    options: LedgerOptions,
    metrics: Arc<Metrics>,
    /// The runtime the ledger was started on: the writer hands each batch's answers to
    /// one task there, so that waking the waiting handlers costs one cross-thread
    /// wake-up per group commit instead of one per job.
    runtime: Option<tokio::runtime::Handle>,
    settings: ReleaseSettings,
    /// Owned by the writer (the only user); a lock only to share `Inner`.
    aggregates: Mutex<Aggregates>,
    /// Set when a group commit could not be made durable: the writer takes no more.
    poisoned: std::sync::atomic::AtomicBool,
}

impl Ledger {
    /// Opens the ledger on `store` and starts the writer thread. `signer` is the node's
    /// key; it signs checkpoints (its name is the log origin) and key events.
    pub fn start(
        store: Arc<Store>,
        state: &str,
        signer: NoteSigner,
        options: LedgerOptions,
        settings: ReleaseSettings,
        metrics: Arc<Metrics>,
    ) -> Result<(Self, std::thread::JoinHandle<()>), LedgerError> {
        // Refuse a database that lost part of the signed log (see storage::anchor).
        store.check_anchor()?;
        // Everything the database holds is now on disk: its latest checkpoint is the
        // one to serve.
        store.catch_up_anchor()?;
        let aggregates = Aggregates::open(&store, settings.granularity, settings.caps)?;
        let keys = store
            .keys()?
            .into_iter()
            .map(|k| (k.key_id.clone(), k))
            .collect();
        let (tx, rx) = tokio::sync::mpsc::channel(options.max_batch.max(1) * 4);
        let inner = Arc::new(Inner {
            store,
            state: state.to_owned(),
            signer,
            keys: RwLock::new(keys),
            tx,
            options,
            metrics,
            runtime: tokio::runtime::Handle::try_current().ok(),
            settings,
            aggregates: Mutex::new(aggregates),
            poisoned: Default::default(),
        });
        let w = inner.clone();
        let handle = std::thread::Builder::new()
            .name("vrs-writer".into())
            .spawn(move || writer(w, rx))
            .map_err(|e| LedgerError::Storage(StorageError::Io(e)))?;
        // Make sure a checkpoint exists, even for an empty log.
        let ledger = Self { inner };
        let vkey = ledger.inner.signer.verifier_key();
        let rotated = ledger.inner.store.verifier_key()?.as_deref() != Some(vkey.as_str());
        // A new node key (a rotation, announced in a new roster version) signs the
        // latest checkpoint again at once: same size and root, so peers verify it under
        // the new key and the cosignatures of that size still hold. The key is recorded
        // only after that commit: a crash in between leaves the old key recorded and a
        // checkpoint of either key, which the start-up check accepts, and the next start
        // signs again.
        if rotated || ledger.inner.store.checkpoint()?.is_none() {
            let store = &ledger.inner.store;
            let mut batch = store.batch()?;
            let size = batch.size();
            let (note, root) = ledger.inner.sign(&batch, size)?;
            batch.put_checkpoint(size, root, &note);
            store.commit(batch)?;
        }
        if rotated {
            ledger.inner.store.set_verifier_key(&vkey)?;
        }
        Ok((ledger, handle))
    }

    /// The store underneath (read side).
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The node's State.
    pub fn state(&self) -> &str {
        &self.inner.state
    }

    /// The node's checkpoint verifier key (C2SP vkey).
    pub fn verifier_key(&self) -> String {
        self.inner.signer.verifier_key()
    }

    /// Hands a job to the writer and waits for its durable answer. (The writer exits
    /// once every `Ledger` clone is dropped, after the queued jobs.)
    async fn send(&self, op: Op) -> Result<Accepted, LedgerError> {
        let (reply, rx) = oneshot::channel();
        self.inner
            .tx
            .send(Job { op, reply })
            .await
            .map_err(|_| LedgerError::ShuttingDown)?;
        rx.await.map_err(|_| LedgerError::ShuttingDown)?
    }

    /// Verifies, decodes and validates a signed report, then logs it durably.
    pub async fn submit(
        &self,
        env: Envelope,
        who: &Submitter,
        today: vrs_core::codes::Date,
    ) -> Result<Accepted, LedgerError> {
        let job = self.prepare(env, who, today)?;
        self.send(Op::Report(Box::new(job))).await
    }

    /// The valid registered key of the submitter's focal point that the envelope's
    /// signature verifies under (the envelope's keyid is only a hint), or why there is
    /// none.
    fn signing_key(&self, env: &Envelope, who: &Submitter) -> Result<KeyRecord, LedgerError> {
        let keys = self.inner.keys.read().unwrap_or_else(|p| p.into_inner());
        let mut revoked_hint = None;
        let mut found = None;
        for k in keys
            .values()
            .filter(|k| k.focal_point_id == who.focal_point_id)
        {
            if k.revoked_at.is_some() {
                if env.signatures.iter().any(|s| s.keyid == k.key_id) {
                    revoked_hint = Some(k.clone());
                }
                continue;
            }
            if env
                .verify(vrs_proto::REPORT_PAYLOAD_TYPE, &k.public_key)
                .is_ok()
            {
                found = Some(k.clone());
                break;
            }
        }
        match (found, revoked_hint) {
            (Some(k), _) => Ok(k),
            (None, Some(r)) => Err(LedgerError::KeyRevoked {
                at: r.revoked_at.unwrap_or_default(),
                key_id: r.key_id,
                focal_point_id: Some(r.focal_point_id),
            }),
            (None, None) => Err(LedgerError::NoValidKey {
                focal_point_id: who.focal_point_id.clone(),
            }),
        }
    }

    fn prepare(
        &self,
        env: Envelope,
        who: &Submitter,
        today: vrs_core::codes::Date,
    ) -> Result<ReportJob, LedgerError> {
        if env.payload_type != vrs_proto::REPORT_PAYLOAD_TYPE {
            return Err(LedgerError::WrongPayloadType);
        }
        if env.payload.len() > self.inner.options.max_payload_bytes {
            return Err(LedgerError::PayloadTooLarge {
                size: env.payload.len(),
                max: self.inner.options.max_payload_bytes,
            });
        }
        if env.signatures.is_empty() {
            return Err(LedgerError::NoSignature);
        }
        if env.signatures.len() > vrs_core::envelope::MAX_SIGNATURES {
            return Err(LedgerError::TooManySignatures);
        }
        // Verify before parsing, against the keys of the focal point named by the
        // certificate (the keyid in the envelope is only a hint).
        let key = self.signing_key(&env, who)?;
        let report = vrs_core::wire::decode_report(&env.payload, today).map_err(|e| match e {
            vrs_core::wire::ReportError::Invalid(v) => LedgerError::Invalid(v),
            other => LedgerError::Undecodable(other.to_string()),
        })?;
        if report.reporting_state.as_str() != who.state || who.state != self.inner.state {
            return Err(LedgerError::WrongState {
                reported: report.reporting_state.as_str().to_owned(),
                submitter: who.state.clone(),
                node: self.inner.state.clone(),
            });
        }
        if report.focal_point_id != who.focal_point_id {
            return Err(LedgerError::WrongFocalPoint {
                reported: report.focal_point_id.clone(),
                certificate: who.focal_point_id.clone(),
            });
        }
        if report.key_id != key.key_id {
            return Err(LedgerError::KeyIdMismatch {
                named: report.key_id.clone(),
                signed: key.key_id.clone(),
            });
        }
        let entry = env.to_entry_bytes();
        let share = crate::aggregates::share(
            self.inner.settings.granularity,
            self.inner.settings.caps,
            &report,
        );
        let (from, to) = report.observed_range();
        Ok(ReportJob {
            leaf: merkle::leaf_hash(&entry),
            digest: sha256(&entry),
            report_id: report.report_id.to_string(),
            version: report.version,
            supersedes: report.supersedes.map(|d| d.to_vec()).unwrap_or_default(),
            key_id: key.key_id,
            head: ReportHead {
                version: report.version,
                index: 0,
                digest: [0; 32],
                record_type: record_type_code(report.record_type()) as i32,
                agency: report.agency as i32,
                observed_from: from.to_string(),
                observed_to: to.to_string(),
                focal_point_id: who.focal_point_id.clone(),
            },
            entry,
            share,
        })
    }

    /// Registers a focal point's signing key (logged as a node-signed entry).
    pub async fn register_key(
        &self,
        focal_point_id: &str,
        key_id: &str,
        public_key: &[u8],
    ) -> Result<Accepted, LedgerError> {
        check_id("focal_point_id", focal_point_id)?;
        check_id("key_id", key_id)?;
        if public_key.len() != 32 {
            return Err(LedgerError::BadPublicKey);
        }
        self.send(Op::Register(KeyRecord {
            key_id: key_id.into(),
            focal_point_id: focal_point_id.into(),
            public_key: public_key.to_vec(),
            valid_from: 0,
            revoked_at: None,
        }))
        .await
    }

    /// Revokes a key from the next log index on.
    pub async fn revoke_key(&self, key_id: &str, reason: &str) -> Result<Accepted, LedgerError> {
        check_id("key_id", key_id)?;
        check_id("reason", reason)?;
        self.send(Op::Revoke {
            key_id: key_id.into(),
            reason: reason.into(),
        })
        .await
    }

    /// Stops the writer after the jobs queued so far and waits until it has flushed
    /// and exited. Later requests get `Unavailable`.
    pub async fn shutdown(&self, writer: std::thread::JoinHandle<()>) {
        let (reply, _rx) = oneshot::channel();
        if self
            .inner
            .tx
            .send(Job {
                op: Op::Stop,
                reply,
            })
            .await
            .is_err()
        {
            return;
        }
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    }

    /// Releases every table of a closed `period` (release-once: tables already
    /// released are returned as stored), or makes its one revision.
    pub async fn release(
        &self,
        period: vrs_core::aggregate::Period,
        revise: bool,
        today: vrs_core::codes::Date,
    ) -> Result<Vec<ReleaseRecord>, LedgerError> {
        crate::releases::check_closed(&period, today, self.inner.settings.embargo_days)
            .map_err(LedgerError::from)?;
        let (reply, rx) = oneshot::channel();
        let (unused, _) = oneshot::channel();
        self.inner
            .tx
            .send(Job {
                op: Op::Release {
                    period,
                    revise,
                    today,
                    reply,
                },
                reply: unused,
            })
            .await
            .map_err(|_| LedgerError::ShuttingDown)?;
        rx.await.map_err(|_| LedgerError::ShuttingDown)?
    }

    /// Stores releases fetched from a peer, in order, through the writer (so manifest
    /// sequence numbers stay gap-free for this node's own pullers).
    pub async fn put_peer_releases(
        &self,
        items: Vec<(ReleaseRecord, Vec<u8>)>,
    ) -> Result<Vec<Result<bool, Rejection>>, LedgerError> {
        let (reply, rx) = oneshot::channel();
        let (unused, _) = oneshot::channel();
        self.inner
            .tx
            .send(Job {
                op: Op::PutReleases { items, reply },
                reply: unused,
            })
            .await
            .map_err(|_| LedgerError::ShuttingDown)?;
        rx.await.map_err(|_| LedgerError::ShuttingDown)
    }

    /// The node's metrics (sync counts its runs there).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The signer (for cosigning peers' checkpoints).
    pub fn signer(&self) -> &NoteSigner {
        &self.inner.signer
    }

    /// Releases every closed period that holds data and has no release yet (the
    /// scheduler's tick). Returns what was made.
    pub async fn release_due(
        &self,
        today: vrs_core::codes::Date,
    ) -> Result<Vec<ReleaseRecord>, LedgerError> {
        let due: Vec<_> = {
            let agg = self
                .inner
                .aggregates
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            agg.periods()
                .filter(|p| p.is_closed(today, self.inner.settings.embargo_days))
                .copied()
                .collect()
        };
        let mut made = Vec::new();
        for period in due {
            let first = vrs_core::aggregate::TableId::ALL[0];
            let held = self.inner.store.latest_release(
                &self.inner.state,
                first.code(),
                &period.to_string(),
            )?;
            if held.is_none() {
                made.extend(self.release(period, false, today).await?);
            }
        }
        Ok(made)
    }

    /// The node's raw Ed25519 public key (checkpoints, key events, releases).
    pub fn public_key(&self) -> [u8; 32] {
        *self.inner.signer.public_key()
    }

    /// Every registered key.
    pub fn keys(&self) -> Vec<KeyRecord> {
        let keys = self.inner.keys.read().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<_> = keys.values().cloned().collect();
        v.sort_by_key(|k| k.valid_from);
        v
    }

    /// The original receipt of the entry at `index`: its inclusion proof against the
    /// checkpoint of the group commit that logged it.
    pub fn receipt(&self, index: u64) -> Result<Receipt, LedgerError> {
        self.inner.receipt(index)
    }
}

/// The wire code of a record type (retractions have their own).
pub fn record_type_code(t: Option<vrs_core::report::RecordType>) -> vrs_proto::v1::RecordType {
    use vrs_core::report::RecordType as T;
    use vrs_proto::v1::RecordType as W;
    match t {
        Some(T::Movement) => W::Movement,
        Some(T::Smuggler) => W::Smuggler,
        Some(T::Fee) => W::Fee,
        Some(T::Document) => W::Document,
        Some(T::Case) => W::Case,
        None => W::Retracted,
    }
}

fn check_id(field: &'static str, v: &str) -> Result<(), LedgerError> {
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(LedgerError::BadId {
            field,
            value: v.to_owned(),
        })
    }
}

impl Inner {
    fn sign(
        &self,
        batch: &crate::storage::Batch<'_>,
        size: u64,
    ) -> Result<(String, Hash), LedgerError> {
        let root = if size == 0 {
            merkle::empty_root()
        } else {
            merkle::root(batch, size).map_err(corrupt)?
        };
        let cp = Checkpoint {
            origin: self.signer.name().to_owned(),
            size,
            root,
            extensions: vec![],
        };
        let note = sign_checkpoint(&cp, &[&self.signer]).map_err(|e| {
            LedgerError::Storage(StorageError::Corrupt {
                key: "checkpoint".into(),
                reason: e.to_string(),
            })
        })?;
        Ok((note, root))
    }

    /// The report logged at `index` (pending or stored).
    fn logged_report(
        batch: &crate::storage::Batch<'_>,
        index: u64,
    ) -> Result<vrs_core::report::Report, LedgerError> {
        let entry = batch.entry(index)?.ok_or_else(|| {
            LedgerError::Storage(StorageError::Corrupt {
                key: format!("E/{index}"),
                reason: "indexed entry is missing".into(),
            })
        })?;
        report_of_entry(&entry)
            .and_then(|r| r.ok_or_else(|| "not a report".to_owned()))
            .map_err(corrupt)
    }

    /// The cells that the report logged at `index` counts in.
    fn share_of_entry(
        &self,
        batch: &crate::storage::Batch<'_>,
        index: u64,
    ) -> Result<crate::aggregates::Share, LedgerError> {
        let report = Self::logged_report(batch, index)?;
        Ok(crate::aggregates::share(
            self.settings.granularity,
            self.settings.caps,
            &report,
        ))
    }

    /// The focal point that wrote a report: from its head, or (for a head stored before
    /// authors were recorded) from the signed payload of its logged latest version.
    fn author(batch: &crate::storage::Batch<'_>, head: &ReportHead) -> Result<String, LedgerError> {
        if !head.focal_point_id.is_empty() {
            return Ok(head.focal_point_id.clone());
        }
        Ok(Self::logged_report(batch, head.index)?.focal_point_id)
    }

    /// Makes the releases of `period` into `batch` (see [`crate::releases`]), and adds
    /// what the metrics count of them to `counts` (counted once the batch is committed).
    fn release_into(
        &self,
        batch: &mut crate::storage::Batch<'_>,
        period: vrs_core::aggregate::Period,
        revise: bool,
        today: vrs_core::codes::Date,
        counts: &mut Vec<(String, u64, f64)>,
    ) -> Result<Vec<ReleaseRecord>, LedgerError> {
        let checkpoint = self.store.checkpoint()?.ok_or_else(|| {
            LedgerError::Storage(StorageError::Corrupt {
                key: "C".into(),
                reason: "no checkpoint".into(),
            })
        })?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let job = crate::releases::ReleaseJob {
            state: &self.state,
            signer: &self.signer,
            settings: &self.settings,
            checkpoint: &checkpoint,
            now: vrs_core::codes::Timestamp::from_unix_seconds(now)
                .unwrap_or_else(|| unreachable!()),
        };
        let _ = today;
        let tables = self
            .aggregates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .tables(&period);
        // All tables or none: a refusal of one leaves nothing stored.
        let (records, mut made) =
            crate::releases::release_period(&job, &self.store, &tables, period, revise)?;
        let made_counts = std::mem::take(&mut made.counts);
        crate::releases::store_made(batch, made)?;
        counts.extend(made_counts);
        Ok(records)
    }

    /// Stores one verified peer release unless it is held (`Ok(false)`) or not strictly
    /// newer than the held version (`Err(reason)`).
    fn put_peer_release(
        &self,
        batch: &mut crate::storage::Batch<'_>,
        rec: &ReleaseRecord,
        bytes: &[u8],
    ) -> Result<bool, Rejection> {
        if rec.origin == self.state {
            return Err(Rejection::OwnState);
        }
        if self.store.has_release(&rec.digest)? || batch.holds_release(&rec.digest) {
            return Ok(false);
        }
        if let Some((held, _)) = self
            .store
            .latest_release(&rec.origin, &rec.table, &rec.period)?
            && rec.version <= held
        {
            return Err(Rejection::NotNewer {
                what: format!("{} {} {}", rec.origin, rec.table, rec.period),
                version: rec.version,
                held,
            });
        }
        batch.put_release(rec, bytes)?;
        Ok(true)
    }

    /// A group commit failed: answer every job with the error and rebuild the
    /// in-memory tables from storage, which holds none of the batch.
    fn failed(&self, outcomes: Vec<Outcome>, releases: Vec<ReleaseOutcome>, e: &LedgerError) {
        for (reply, ..) in releases {
            let _ = reply.send(Err(LedgerError::Storage(StorageError::Corrupt {
                key: "commit".into(),
                reason: e.to_string(),
            })));
        }
        fail_all(outcomes, e);
        match Aggregates::open(&self.store, self.settings.granularity, self.settings.caps) {
            Ok(a) => *self.aggregates.lock().unwrap_or_else(|p| p.into_inner()) = a,
            Err(e) => tracing::error!(error = %e, "cannot reload the aggregate tables"),
        }
    }

    fn receipt(&self, index: u64) -> Result<Receipt, LedgerError> {
        let (size, note) = self
            .store
            .checkpoint_covering(index)?
            .ok_or(LedgerError::NoEntry { index })?;
        let proof = merkle::inclusion_proof(&*self.store, index, size).map_err(corrupt)?;
        Ok(Receipt {
            extra: None,
            index,
            proof,
            checkpoint_note: note,
        })
    }

    fn key_entry(&self, op: &str, k: &KeyRecord, reason: &str) -> Vec<u8> {
        let ev = KeyEvent {
            op: op.into(),
            state: self.state.clone(),
            key_id: k.key_id.clone(),
            focal_point_id: k.focal_point_id.clone(),
            public_key: B64.encode(&k.public_key),
            reason: reason.into(),
        };
        let payload =
            serde_json::to_vec(&ev).unwrap_or_else(|_| unreachable!("plain struct serialises"));
        let sig = self
            .signer
            .sign(&vrs_core::envelope::pae(KEY_EVENT_PAYLOAD_TYPE, &payload));
        Envelope {
            payload,
            payload_type: KEY_EVENT_PAYLOAD_TYPE.into(),
            signatures: vec![vrs_core::envelope::Signature {
                keyid: self.signer.name().into(),
                sig: sig.to_vec(),
            }],
        }
        .to_entry_bytes()
    }
}

/// The report a logged entry holds (`None`: a key event), decoded without the checks
/// that depend on the day: it was valid when logged, and no later day makes it invalid.
pub(crate) fn report_of_entry(entry: &[u8]) -> Result<Option<vrs_core::report::Report>, String> {
    let env = Envelope::from_entry_bytes(entry).map_err(|e| e.to_string())?;
    if env.payload_type != vrs_proto::REPORT_PAYLOAD_TYPE {
        return Ok(None);
    }
    let far = vrs_core::codes::Date::new(9999, 12, 31).unwrap_or_else(|| unreachable!());
    vrs_core::wire::decode_report(&env.payload, far)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
