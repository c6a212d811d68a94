//! Storage: the only module that knows sled.
//!
//! Everything lives in sled's default tree under one-byte key prefixes, so that one
//! group commit is one atomic `sled::Batch`:
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `E` | log index (u64 BE) | entry bytes (the envelope as logged) |
//! | `I` | bucket (u64 BE), hash prefix, chunk | a run of the leaf-hash index (see [`leaves`]) |
//! | `M` | log index (u64 BE) | the hashes of the perfect subtrees this entry completes, level 0 (its leaf hash) first, 32 bytes each |
//! | `V` | report id, version (u32 BE) | log index (u64 BE) of a superseded version (the head's is in `R`) |
//! | `R` | report id | [`ReportHead`] (JSON) |
//! | `K` | key id | [`KeyRecord`] (JSON) |
//! | `C` | — | latest signed checkpoint note |
//! | `P` | tree size (u64 BE) | the checkpoint note signed at that size (one per group commit) |
//! | `S` | `size`, `vkey` | tree size (u64 BE); the node's verifier key |
//!
//! Durability: [`Store::commit`] ([`Store::apply`] then [`Store::make_durable`]) applies
//! the batch, calls sled's `flush` (which writes with `sync_file_range` only), then
//! `fdatasync`s sled's data file and fsyncs any new blob file (sled 0.34.7 writes blobs
//! without any sync). Only then may the caller acknowledge.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub mod anchor;
pub mod directory;
pub mod federation;
mod frontier;
pub mod leaves;
pub mod pending;
pub mod releases;
pub mod tables;

use serde::{Deserialize, Serialize};
use vrs_core::Hash;
use vrs_core::merkle::HashStore;

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// sled failed.
    #[error("database: {0}")]
    Sled(#[from] sled::Error),
    /// A file-system call failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value does not decode: corruption.
    #[error("corrupt value under {key}: {reason}")]
    Corrupt {
        /// Which key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A Merkle node the tree must have is missing: corruption.
    #[error("missing Merkle node level {level} index {index}")]
    MissingNode {
        /// Level.
        level: u8,
        /// Index.
        index: u64,
    },
}

/// The latest version of a report, as the node indexes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportHead {
    /// Latest version number.
    pub version: u32,
    /// Log index of the latest version.
    pub index: u64,
    /// SHA-256 of the latest version's entry bytes.
    pub digest: Hash,
    /// Record type code (vrs.v1.RecordType value).
    pub record_type: i32,
    /// Agency (vrs.v1.Agency value).
    pub agency: i32,
    /// First observed day, ISO 8601.
    pub observed_from: String,
    /// Last observed day, ISO 8601.
    pub observed_to: String,
    /// The focal point that wrote the report (the author of version 1, and so of every
    /// version: only its author may amend or retract a report). Empty in heads stored
    /// before it was recorded; the writer then reads it from the logged entry.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub focal_point_id: String,
}

/// A focal point's registered signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Key id.
    pub key_id: String,
    /// Focal point the key belongs to.
    pub focal_point_id: String,
    /// Raw Ed25519 public key.
    pub public_key: Vec<u8>,
    /// Log index of the registration entry.
    pub valid_from: u64,
    /// Log index of the revocation entry.
    pub revoked_at: Option<u64>,
}

/// The node's database.
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    data_file: File,
    anchor: Mutex<anchor::AnchorFile>,
    /// Highest blob id already fsynced by [`Store::flush`] (any thread).
    synced_blob: Mutex<u64>,
    /// Highest blob id already fsynced by the writer's [`Store::apply`]. A mark of its
    /// own: another thread's pass may fsync a blob the writer is still writing, and
    /// must not make the writer skip it.
    writer_synced_blob: Mutex<u64>,
    /// The right edge of the tree: the perfect subtrees left of the stored size, which
    /// every append, receipt and root reads (see [`frontier`]).
    frontier: Mutex<frontier::Frontier>,
    /// The leaves of the leaf-hash index's bucket being filled (see [`leaves`]).
    leaf_tail: Mutex<leaves::Tail>,
}

/// Runs `f`, turning a panic of sled's into [`StorageError::Corrupt`]: sled 0.34.7
/// panics on some damaged files where it should return an error.
pub fn catch_damage<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, StorageError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no reason given".to_owned());
        StorageError::Corrupt {
            key: "db".into(),
            reason: format!("the database is damaged: sled failed {what} it ({why})"),
        }
    })
}

fn idx_key(prefix: u8, index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = prefix;
    k[1..].copy_from_slice(&index.to_be_bytes());
    k
}

fn prefixed(prefix: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + rest.len());
    k.push(prefix);
    k.extend_from_slice(rest);
    k
}

fn version_key(report_id: &str, version: u32) -> Vec<u8> {
    let mut k = prefixed(b'V', report_id.as_bytes());
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn u64_of(key: &str, v: &[u8]) -> Result<u64, StorageError> {
    let arr: [u8; 8] = v.try_into().map_err(|_| StorageError::Corrupt {
        key: key.into(),
        reason: format!("expected 8 bytes, found {}", v.len()),
    })?;
    Ok(u64::from_be_bytes(arr))
}

fn json_of<T: for<'de> Deserialize<'de>>(key: &str, v: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(v).map_err(|e| StorageError::Corrupt {
        key: key.into(),
        reason: e.to_string(),
    })
}

fn json_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_else(|_| unreachable!("plain structs serialise"))
}

/// A stored checkpoint note (the value of `C`, or of `P` at a size), as text.
fn note_of(key: String, v: &[u8]) -> Result<String, StorageError> {
    String::from_utf8(v.to_vec()).map_err(|_| StorageError::Corrupt {
        key,
        reason: "checkpoint is not UTF-8".into(),
    })
}

fn checkpoint_of((k, v): (sled::IVec, sled::IVec)) -> Result<(u64, String), StorageError> {
    let size = u64_of("P", &k[1..])?;
    Ok((size, note_of(format!("P/{size}"), &v)?))
}

const SIZE_KEY: &[u8] = b"Ssize";
const CHECKPOINT_KEY: &[u8] = b"C";
const VKEY_KEY: &[u8] = b"Svkey";
const VKEYS_KEY: &[u8] = b"Svkeys";

impl Store {
    /// Opens (or creates) the database in `dir`, with the default page cache
    /// ([`crate::config::DEFAULT_CACHE_MB`]).
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        Self::open_with_cache(dir, crate::config::DEFAULT_CACHE_MB)
    }

    /// Opens (or creates) the database in `dir` with a page cache of `cache_mb` MiB
    /// (the `storage.cache_mb` setting).
    pub fn open_with_cache(dir: &Path, cache_mb: u64) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir)?;
        let config = sled::Config::new()
            .path(dir)
            .cache_capacity(cache_mb.saturating_mul(1024 * 1024))
            .mode(sled::Mode::HighThroughput)
            // The node flushes explicitly at every group commit.
            .flush_every_ms(None);
        // sled 0.34.7 panics on some damaged files (a data file cut short, say)
        // instead of answering an error: report that as the damage it is.
        let db = catch_damage("opening", || config.open())??;
        let data_file = File::options()
            .read(true)
            .write(true)
            .open(dir.join("db"))?;
        // Make the directory entries of a fresh database durable too.
        File::open(dir)?.sync_all()?;
        let anchor = Mutex::new(anchor::AnchorFile::open(dir)?);
        let store = Self {
            db,
            path: dir.to_path_buf(),
            data_file,
            anchor,
            synced_blob: Mutex::new(0),
            writer_synced_blob: Mutex::new(0),
            frontier: Mutex::new(frontier::Frontier::default()),
            leaf_tail: Mutex::new(leaves::Tail::default()),
        };
        store.sync_blobs(&store.synced_blob)?;
        store.rebuild_holdings()?;
        store.rebuild_reciprocal()?;
        store.open_leaf_index()?;
        Ok(store)
    }

    /// Flushes and closes the database, returning once sled has let go of it (see
    /// [`Store::wait_released`]), so the same directory can be opened again at once.
    pub fn close(self) -> Result<(), StorageError> {
        self.flush()?;
        let dir = self.path.clone();
        drop(self);
        Self::wait_released(&dir)?;
        Ok(())
    }

    /// Blocks until nothing holds sled's lock on the database in `dir`. Dropping a
    /// sled `Db` does not release the lock at once (its background writer threads
    /// hold the file a moment longer), so a store closed in this process may still be
    /// locked; taking the lock waits for that (an event, not a sleep).
    pub fn wait_released(dir: &Path) -> std::io::Result<()> {
        let f = File::open(dir.join("db"))?;
        f.lock()?;
        f.unlock()
    }

    /// Number of entries in the log.
    pub fn size(&self) -> Result<u64, StorageError> {
        match self.db.get(SIZE_KEY)? {
            Some(v) => u64_of("Ssize", &v),
            None => Ok(0),
        }
    }

    /// The entry bytes at `index`.
    pub fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get(idx_key(b'E', index))?.map(|v| v.to_vec()))
    }

    /// The head (latest version) of a report.
    pub fn report_head(&self, report_id: &str) -> Result<Option<ReportHead>, StorageError> {
        self.db
            .get(prefixed(b'R', report_id.as_bytes()))?
            .map(|v| json_of("R", &v))
            .transpose()
    }

    /// The log index of one version of a report.
    pub fn report_version(
        &self,
        report_id: &str,
        version: u32,
    ) -> Result<Option<u64>, StorageError> {
        if let Some(v) = self.db.get(version_key(report_id, version))? {
            return u64_of("V", &v).map(Some);
        }
        // The latest version is indexed by its head record only.
        Ok(self
            .report_head(report_id)?
            .filter(|h| h.version == version)
            .map(|h| h.index))
    }

    /// Report heads in report-id order, starting after `after` (exclusive).
    pub fn report_heads_after(
        &self,
        after: Option<&str>,
    ) -> impl Iterator<Item = Result<(String, ReportHead), StorageError>> + '_ {
        let start = match after {
            Some(a) => {
                let mut k = prefixed(b'R', a.as_bytes());
                k.push(0);
                k
            }
            None => vec![b'R'],
        };
        self.db.range(start..vec![b'S']).map(|kv| {
            let (k, v) = kv?;
            let id = String::from_utf8(k[1..].to_vec()).map_err(|_| StorageError::Corrupt {
                key: "R".into(),
                reason: "report id is not UTF-8".into(),
            })?;
            Ok((id, json_of("R", &v)?))
        })
    }

    /// Every registered key, in key-id order.
    pub fn keys(&self) -> Result<Vec<KeyRecord>, StorageError> {
        self.db
            .scan_prefix([b'K'])
            .map(|kv| {
                let (_, v) = kv?;
                json_of("K", &v)
            })
            .collect()
    }

    /// The latest signed checkpoint note.
    pub fn checkpoint(&self) -> Result<Option<String>, StorageError> {
        self.db
            .get(CHECKPOINT_KEY)?
            .map(|v| note_of("C".into(), &v))
            .transpose()
    }

    /// The first checkpoint whose tree holds `index`: the one of the group commit
    /// that logged it. Returns its size and note.
    pub fn checkpoint_covering(&self, index: u64) -> Result<Option<(u64, String)>, StorageError> {
        let Some(kv) = self
            .db
            .range(idx_key(b'P', index + 1).to_vec()..vec![b'Q'])
            .next()
        else {
            return Ok(None);
        };
        checkpoint_of(kv?).map(Some)
    }

    /// The checkpoint signed before the one of `size` (the largest smaller size).
    pub fn checkpoint_before(&self, size: u64) -> Result<Option<(u64, String)>, StorageError> {
        let Some(kv) = self
            .db
            .range(vec![b'P']..idx_key(b'P', size).to_vec())
            .next_back()
        else {
            return Ok(None);
        };
        checkpoint_of(kv?).map(Some)
    }

    /// Every stored checkpoint note, in size order.
    pub fn checkpoints(&self) -> impl Iterator<Item = Result<(u64, String), StorageError>> + '_ {
        self.db
            .range(vec![b'P']..vec![b'Q'])
            .map(|kv| checkpoint_of(kv?))
    }

    /// The node's checkpoint verifier key, recorded at start-up.
    pub fn verifier_key(&self) -> Result<Option<String>, StorageError> {
        self.db
            .get(VKEY_KEY)?
            .map(|v| {
                String::from_utf8(v.to_vec()).map_err(|_| StorageError::Corrupt {
                    key: "Svkey".into(),
                    reason: "not UTF-8".into(),
                })
            })
            .transpose()
    }

    /// Records the node's checkpoint verifier key (durably), keeping the keys it had
    /// before (its checkpoints of earlier sizes are signed by them).
    pub fn set_verifier_key(&self, vkey: &str) -> Result<(), StorageError> {
        let mut all = self.verifier_keys()?;
        if !all.iter().any(|k| k == vkey) {
            all.push(vkey.to_owned());
        }
        self.db.insert(VKEYS_KEY, json_bytes(&all))?;
        self.db.insert(VKEY_KEY, vkey.as_bytes())?;
        self.flush()
    }

    /// Every checkpoint verifier key this node has had, oldest first (the current one
    /// last).
    pub fn verifier_keys(&self) -> Result<Vec<String>, StorageError> {
        let mut all: Vec<String> = match self.db.get(VKEYS_KEY)? {
            Some(v) => json_of("Svkeys", &v)?,
            None => Vec::new(),
        };
        if let Some(k) = self.verifier_key()?
            && !all.contains(&k)
        {
            all.push(k);
        }
        Ok(all)
    }

    /// Starts a batch of writes on top of the current state.
    pub fn batch(&self) -> Result<Batch<'_>, StorageError> {
        Ok(Batch {
            store: self,
            size: self.size()?,
            inner: sled::Batch::default(),
            nodes: HashMap::new(),
            appended: Vec::new(),
            heads: HashMap::new(),
            keys: HashMap::new(),
            entries: HashMap::new(),
            next_seq: None,
            anchor: None,
            pending_releases: Default::default(),
            pending_holdings: Default::default(),
            dirty: false,
        })
    }

    /// Applies `batch` atomically and makes it durable: [`Store::apply`], then
    /// [`Store::make_durable`]. Returns once the data is on disk.
    pub fn commit(&self, batch: Batch<'_>) -> Result<(), StorageError> {
        let applied = self.apply(batch)?;
        self.make_durable(applied)
    }

    /// The first half of a commit: applies `batch` atomically and writes it to sled's
    /// data file (sled's flush: `sync_file_range`, not yet durable). Reads see it from
    /// here on; nothing of it may be acknowledged before [`Store::make_durable`].
    pub fn apply(&self, mut batch: Batch<'_>) -> Result<Unsynced, StorageError> {
        batch.inner.insert(SIZE_KEY, &batch.size.to_be_bytes()[..]);
        // The holdings digests change in the same atomic batch as the releases.
        for (origin, pending) in std::mem::take(&mut batch.pending_holdings) {
            let digest = self.origin_holdings_with(&origin, &pending)?;
            batch
                .inner
                .insert(releases::holdings_key(&origin), &digest[..]);
        }
        self.write_leaf_runs(&mut batch);
        self.db.apply_batch(batch.inner)?;
        self.db.flush()?;
        // The batch's blob files are whole now (written by this thread): fsync them
        // here, before the batch is handed on to be made durable.
        self.sync_blobs(&self.writer_synced_blob)?;
        self.advance_frontier(batch.size, &batch.nodes);
        self.advance_leaf_tail(&batch.appended);
        #[cfg(test)]
        tests::probe(&self.path, "applied", batch.size);
        Ok(Unsynced {
            anchor: batch.anchor,
        })
    }

    /// The second half of a commit: `fdatasync` of sled's data file (covering every
    /// batch applied so far; the batch's blob files were fsynced by `apply`), then the
    /// anchor of the batch's checkpoint. Batches are made durable in the order they were applied.
    pub fn make_durable(&self, applied: Unsynced) -> Result<(), StorageError> {
        #[cfg(test)]
        if !tests::pass_gate(&self.path) {
            return Err(StorageError::Io(std::io::Error::other(
                "injected: fdatasync failed",
            )));
        }
        self.data_file.sync_data()?;
        if let Some(a) = applied.anchor {
            self.anchor
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .write(a)?;
        }
        Ok(())
    }

    /// fsyncs blob files newer than `mark`, and the blobs directory; moves `mark`.
    fn sync_blobs(&self, mark: &Mutex<u64>) -> Result<(), StorageError> {
        let dir = self.path.join("blobs");
        let Ok(read) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        let mut synced = mark.lock().unwrap_or_else(|p| p.into_inner());
        let mut newest = *synced;
        let mut any = false;
        for e in read {
            let e = e?;
            let id: u64 = e.file_name().to_string_lossy().parse().unwrap_or(0);
            if id > *synced {
                File::open(e.path())?.sync_all()?;
                newest = newest.max(id);
                any = true;
            }
        }
        if any {
            File::open(&dir)?.sync_all()?;
            *synced = newest;
        }
        Ok(())
    }

    /// Overwrites the entry at `index` with `bytes`, bypassing every check. For
    /// tamper-detection tests and nothing else.
    #[doc(hidden)]
    pub fn danger_overwrite_entry(&self, index: u64, bytes: &[u8]) -> Result<(), StorageError> {
        self.db.insert(idx_key(b'E', index), bytes)?;
        self.db.flush()?;
        Ok(())
    }

    /// Overwrites the stored Merkle node of `level` that the append of entry `index`
    /// completed, bypassing every check. For tamper-detection tests and nothing else.
    #[doc(hidden)]
    pub fn danger_overwrite_merkle_node(
        &self,
        index: u64,
        level: u8,
        hash: Hash,
    ) -> Result<(), StorageError> {
        let key = idx_key(b'M', index);
        let mut packed = self
            .db
            .get(key)?
            .map(|v| v.to_vec())
            .ok_or(StorageError::MissingNode { level, index })?;
        let at = usize::from(level) * 32;
        match packed.get_mut(at..at + 32) {
            Some(slot) => slot.copy_from_slice(&hash),
            None => return Err(StorageError::MissingNode { level, index }),
        }
        self.db.insert(key, packed)?;
        self.db.flush()?;
        Ok(())
    }

    /// Flushes everything (for shutdown).
    pub fn flush(&self) -> Result<(), StorageError> {
        self.db.flush()?;
        self.data_file.sync_data()?;
        self.sync_blobs(&self.synced_blob)
    }
}

/// A batch applied to sled and not yet durable (see [`Store::apply`]).
#[derive(Debug)]
#[must_use = "an applied batch must be made durable before anything in it is acknowledged"]
pub struct Unsynced {
    anchor: Option<anchor::Anchor>,
}

/// The next log entry's Merkle nodes, computed by [`Batch::prepare_append`].
#[derive(Debug)]
pub struct NextEntry {
    index: u64,
    leaf: Hash,
    nodes: Vec<(u8, u64, Hash)>,
}

/// Pending writes, readable before they are committed (reads see the batch first).
pub struct Batch<'a> {
    store: &'a Store,
    size: u64,
    inner: sled::Batch,
    nodes: HashMap<(u8, u64), Hash>,
    /// The leaf hashes appended, in index order (the last `appended.len()` of `size`).
    appended: Vec<Hash>,
    heads: HashMap<String, ReportHead>,
    keys: HashMap<String, KeyRecord>,
    entries: HashMap<u64, Vec<u8>>,
    next_seq: Option<u64>,
    anchor: Option<anchor::Anchor>,
    pending_releases: std::collections::HashSet<Hash>,
    /// Per origin, the `L` keys of the releases this batch stores (for the holdings).
    pending_holdings: std::collections::BTreeMap<String, std::collections::BTreeSet<Vec<u8>>>,
    dirty: bool,
}

impl Batch<'_> {
    /// The entry at `index`, pending or stored.
    pub fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        match self.entries.get(&index) {
            Some(e) => Ok(Some(e.clone())),
            None => self.store.entry(index),
        }
    }

    /// True when something besides log entries was written (cells, releases).
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Tree size including the pending entries.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.appended.is_empty() && self.keys.is_empty()
    }

    /// Appends an entry to the log: stores the bytes, the leaf index and every new
    /// Merkle node. Returns the entry's index.
    pub fn append(&mut self, entry: &[u8], leaf: Hash) -> Result<u64, StorageError> {
        let next = self.prepare_append(leaf)?;
        Ok(self.finish_append(next, entry))
    }

    /// The fallible half of [`Batch::append`]: computes the Merkle nodes the next entry
    /// completes, and writes nothing. A caller that has more to check before it may
    /// log (the writer moves the aggregate tables) prepares first, then checks, then
    /// finishes, so that a refusal at any step leaves the batch as it was.
    pub fn prepare_append(&self, leaf: Hash) -> Result<NextEntry, StorageError> {
        let index = self.size;
        #[cfg(test)]
        if *tests::FAIL_APPEND_OF
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            == Some(leaf)
        {
            return Err(StorageError::MissingNode { level: 0, index });
        }
        let nodes = vrs_core::merkle::append_nodes(self, index, leaf).map_err(|e| {
            StorageError::Corrupt {
                key: "M".into(),
                reason: e.to_string(),
            }
        })?;
        Ok(NextEntry { index, leaf, nodes })
    }

    /// The infallible half of [`Batch::append`]: stores what `prepare_append` computed
    /// (in the batch, on top of which nothing was appended since). Returns the index.
    pub fn finish_append(&mut self, next: NextEntry, entry: &[u8]) -> u64 {
        let NextEntry { index, leaf, nodes } = next;
        debug_assert_eq!(index, self.size, "nothing appended in between");
        // One key for the leaf and every parent it completes (level 0 first).
        let mut packed = Vec::with_capacity(32 * nodes.len());
        for (level, i, h) in nodes {
            packed.extend_from_slice(&h);
            self.nodes.insert((level, i), h);
        }
        self.inner.insert(&idx_key(b'M', index)[..], packed);
        self.inner.insert(&idx_key(b'E', index)[..], entry);
        self.entries.insert(index, entry.to_vec());
        self.appended.push(leaf);
        self.size += 1;
        index
    }

    /// The index of the entry with leaf hash `leaf` if it is logged (pending or
    /// stored) as version `version` of `report_id`: an exact resubmission. Every
    /// entry of a report version is logged under that version, so this needs no index
    /// by leaf hash (see [`leaves`]).
    pub fn logged_as(
        &self,
        report_id: &str,
        version: u32,
        leaf: &Hash,
    ) -> Result<Option<u64>, StorageError> {
        if let Some(p) = self.appended.iter().position(|h| h == leaf) {
            return Ok(Some(self.size - self.appended.len() as u64 + p as u64));
        }
        match self.store.report_version(report_id, version)? {
            Some(i) if self.store.get(0, i)? == *leaf => Ok(Some(i)),
            _ => Ok(None),
        }
    }

    /// The head of a report, pending or stored.
    pub fn report_head(&self, report_id: &str) -> Result<Option<ReportHead>, StorageError> {
        match self.heads.get(report_id) {
            Some(h) => Ok(Some(h.clone())),
            None => self.store.report_head(report_id),
        }
    }

    /// Records a new report version as the head. The version it supersedes (if any)
    /// gets its `V` key now; the head's own index is read from the head record.
    pub fn put_report(&mut self, report_id: &str, head: ReportHead) {
        if head.version > 1 {
            match self.report_head(report_id) {
                Ok(Some(prev)) if prev.version < head.version => {
                    self.inner.insert(
                        version_key(report_id, prev.version),
                        &prev.index.to_be_bytes()[..],
                    );
                }
                // Not found (or unreadable): index the new head eagerly instead, which
                // `report_version` reads as well.
                _ => {
                    self.inner.insert(
                        version_key(report_id, head.version),
                        &head.index.to_be_bytes()[..],
                    );
                }
            }
        }
        self.inner
            .insert(prefixed(b'R', report_id.as_bytes()), json_bytes(&head));
        self.heads.insert(report_id.to_owned(), head);
    }

    /// A key record, pending or stored.
    pub fn key(&self, key_id: &str) -> Result<Option<KeyRecord>, StorageError> {
        if let Some(k) = self.keys.get(key_id) {
            return Ok(Some(k.clone()));
        }
        self.store
            .db
            .get(prefixed(b'K', key_id.as_bytes()))?
            .map(|v| json_of("K", &v))
            .transpose()
    }

    /// A key record added to this batch (not yet committed), if any.
    pub fn pending_key(&self, key_id: &str) -> Option<&KeyRecord> {
        self.keys.get(key_id)
    }

    /// Stores a key record.
    pub fn put_key(&mut self, rec: KeyRecord) {
        self.inner
            .insert(prefixed(b'K', rec.key_id.as_bytes()), json_bytes(&rec));
        self.keys.insert(rec.key_id.clone(), rec);
    }

    /// Stores the checkpoint signed at `size`, which becomes the latest.
    pub fn put_checkpoint(&mut self, size: u64, root: Hash, note: &str) {
        self.anchor = Some(anchor::Anchor { size, root });
        self.inner.insert(CHECKPOINT_KEY, note.as_bytes());
        self.inner.insert(&idx_key(b'P', size)[..], note.as_bytes());
    }
}

impl HashStore for Batch<'_> {
    type Error = StorageError;

    fn get(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        match self.nodes.get(&(level, index)) {
            Some(h) => Ok(*h),
            None => self.store.get(level, index),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
