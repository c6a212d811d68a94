//! The leaf-hash index: RFC 9162 leaf hash → log index, for get-proof-by-hash (a
//! sub-module of `storage`).
//!
//! A key per leaf hash would be one insert at a random place of a tree that grows with
//! the log: once that tree outgrows sled's cache, every group commit rewrites pages it
//! must first read back, the writer slows down as the log grows and sled's memory grows
//! with it. So the index is kept in buckets of [`BUCKET`] consecutive entries instead:
//!
//! - the leaves of the bucket being filled (the *tail*) are kept in memory, in index
//!   order, and rebuilt at open from the entries' `M` keys (a sequential read);
//! - the group commit that fills a bucket writes its *run* in the same atomic batch: the
//!   bucket's `(hash prefix, offset)` pairs, sorted, in chunks under sequential keys
//!   `I | bucket | first prefix | chunk`. Runs are never rewritten.
//!
//! A lookup reads the tail, then one chunk per full bucket (newest first), and confirms
//! each candidate against the stored leaf hash, so a shared 8-byte prefix is never a
//! wrong answer. Runs exist for every full bucket: each is written atomically with the
//! commit that fills its bucket, and [`Store::open`] writes any that are missing
//! (a store from before this index, whose `H` keys it then removes).

use vrs_core::Hash;
use vrs_core::merkle::HashStore;

use super::{Batch, StorageError, Store, idx_key};

/// Entries per bucket (2^16; 16 in this crate's unit tests, to cross many).
pub const BUCKET: u64 = if cfg!(test) { 16 } else { 1 << 16 };
/// Pairs per stored chunk of a run (4 in unit tests, so equal prefixes span chunks).
const CHUNK: usize = if cfg!(test) { 4 } else { 512 };
/// Bytes per pair: 8 of hash prefix, 2 of offset in the bucket.
const PAIR: usize = 10;
const RUN: u8 = b'I';
const LEGACY: u8 = b'H';

/// The leaves of the bucket being filled, in index order, from `start`.
#[derive(Debug, Default)]
pub(super) struct Tail {
    start: u64,
    leaves: Vec<Hash>,
}

fn prefix_of(leaf: &Hash) -> [u8; 8] {
    leaf[..8]
        .try_into()
        .unwrap_or_else(|_| unreachable!("32 > 8"))
}

fn run_prefix(bucket: u64) -> [u8; 9] {
    idx_key(RUN, bucket)
}

fn chunk_key(bucket: u64, first: [u8; 8], chunk: u16) -> Vec<u8> {
    let mut k = run_prefix(bucket).to_vec();
    k.extend_from_slice(&first);
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// The run of a full bucket: its `(key, chunk)` pairs, sorted by hash prefix.
fn run_of(bucket: u64, leaves: &[Hash]) -> Vec<(Vec<u8>, Vec<u8>)> {
    debug_assert_eq!(leaves.len() as u64, BUCKET);
    let mut pairs: Vec<([u8; 8], u16)> = leaves
        .iter()
        .enumerate()
        .map(|(i, h)| (prefix_of(h), i as u16))
        .collect();
    pairs.sort_unstable();
    pairs
        .chunks(CHUNK)
        .enumerate()
        .map(|(n, c)| {
            let mut v = Vec::with_capacity(c.len() * PAIR);
            for (p, off) in c {
                v.extend_from_slice(p);
                v.extend_from_slice(&off.to_be_bytes());
            }
            (chunk_key(bucket, c[0].0, n as u16), v)
        })
        .collect()
}

impl Store {
    /// The log index of the entry whose RFC 9162 leaf hash is `leaf`.
    pub fn index_of_leaf(&self, leaf: &Hash) -> Result<Option<u64>, StorageError> {
        // The tail first, then the runs below it: an entry leaves the tail only after
        // its run is applied (in the same commit), so read in this order none is missed.
        let full = {
            let t = self.leaf_tail.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(p) = t.leaves.iter().position(|h| h == leaf) {
                return Ok(Some(t.start + p as u64));
            }
            t.start / BUCKET
        };
        for bucket in (0..full).rev() {
            if let Some(i) = self.find_in_run(bucket, leaf)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    fn find_in_run(&self, bucket: u64, leaf: &Hash) -> Result<Option<u64>, StorageError> {
        let want = prefix_of(leaf);
        let lo = chunk_key(bucket, [0; 8], 0);
        let hi = chunk_key(bucket, want, u16::MAX);
        // Pairs with this prefix are in the last chunk starting at or below it, and
        // (when that chunk starts with it) possibly in chunks before.
        for kv in self.db.range(lo..=hi).rev() {
            let (k, v) = kv?;
            if v.len() % PAIR != 0 {
                return Err(StorageError::Corrupt {
                    key: format!("I/{bucket}"),
                    reason: format!("a chunk of {} bytes", v.len()),
                });
            }
            for pair in v.chunks_exact(PAIR) {
                if pair[..8] == want {
                    let off = u64::from(u16::from_be_bytes([pair[8], pair[9]]));
                    let index = bucket * BUCKET + off;
                    if self.get(0, index)? == *leaf {
                        return Ok(Some(index));
                    }
                }
            }
            if k[9..17] != want {
                break;
            }
        }
        Ok(None)
    }

    /// True when the stored run of `bucket` is exactly the run of `leaves` (the
    /// bucket's leaves in index order), for `vrs-node verify`.
    pub fn leaf_run_matches(&self, bucket: u64, leaves: &[Hash]) -> Result<bool, StorageError> {
        let stored = self
            .db
            .scan_prefix(run_prefix(bucket))
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(stored == run_of(bucket, leaves))
    }

    /// At open: writes the runs of full buckets that have none (a store from before
    /// this index, or one cut short while writing them), removes the old per-leaf `H`
    /// keys, and loads the tail.
    pub(super) fn open_leaf_index(&self) -> Result<(), StorageError> {
        let full = self.size()? / BUCKET;
        // Runs are written in bucket order, so those missing are the top ones.
        let mut first_missing = full;
        while first_missing > 0
            && self
                .db
                .scan_prefix(run_prefix(first_missing - 1))
                .next()
                .is_none()
        {
            first_missing -= 1;
        }
        for bucket in first_missing..full {
            let leaves = self.stored_leaves(bucket * BUCKET, BUCKET)?;
            let mut batch = sled::Batch::default();
            for (k, v) in run_of(bucket, &leaves) {
                batch.insert(k, v);
            }
            self.db.apply_batch(batch)?;
        }
        // The old keys are read no more: removed in batches of a bucket, not in one
        // batch the size of the log.
        let mut removed = 0u64;
        loop {
            let mut legacy = sled::Batch::default();
            let mut n = 0u64;
            for k in self.db.scan_prefix([LEGACY]).keys().take(BUCKET as usize) {
                legacy.remove(k?);
                n += 1;
            }
            if n == 0 {
                break;
            }
            self.db.apply_batch(legacy)?;
            removed += n;
        }
        if removed > 0 || first_missing < full {
            self.flush()?;
        }
        let start = full * BUCKET;
        let leaves = self.stored_leaves(start, self.size()? - start)?;
        *self.leaf_tail.lock().unwrap_or_else(|p| p.into_inner()) = Tail { start, leaves };
        Ok(())
    }

    /// The leaf hashes of `count` entries from `start`, in one sequential read.
    fn stored_leaves(&self, start: u64, count: u64) -> Result<Vec<Hash>, StorageError> {
        let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let range = idx_key(b'M', start)..idx_key(b'M', start + count);
        for kv in self.db.range(range) {
            let (k, v) = kv?;
            let leaf: Hash = v.get(..32).and_then(|h| h.try_into().ok()).ok_or_else(|| {
                StorageError::Corrupt {
                    key: format!("M/{:?}", &k[1..]),
                    reason: "holds no leaf hash".into(),
                }
            })?;
            out.push(leaf);
        }
        if out.len() as u64 != count {
            return Err(StorageError::MissingNode {
                level: 0,
                index: start + out.len() as u64,
            });
        }
        Ok(out)
    }

    /// In the commit of `batch`, before it is applied: the runs of the buckets it fills.
    pub(super) fn write_leaf_runs(&self, batch: &mut Batch<'_>) {
        let t = self.leaf_tail.lock().unwrap_or_else(|p| p.into_inner());
        let end = t.start + t.leaves.len() as u64;
        debug_assert_eq!(end + batch.appended.len() as u64, batch.size);
        let mut bucket = t.start / BUCKET;
        while (bucket + 1) * BUCKET <= batch.size {
            let leaves: Vec<Hash> = t
                .leaves
                .iter()
                .chain(&batch.appended)
                .skip(usize::try_from(bucket * BUCKET - t.start).unwrap_or(usize::MAX))
                .take(BUCKET as usize)
                .copied()
                .collect();
            for (k, v) in run_of(bucket, &leaves) {
                batch.inner.insert(k, v);
            }
            bucket += 1;
        }
    }

    /// After a commit: the batch's leaves join the tail, and the buckets it filled
    /// (whose runs are now durable) leave it.
    pub(super) fn advance_leaf_tail(&self, appended: &[Hash]) {
        let mut t = self.leaf_tail.lock().unwrap_or_else(|p| p.into_inner());
        t.leaves.extend_from_slice(appended);
        let full = t.leaves.len() as u64 / BUCKET;
        if full > 0 {
            t.leaves.drain(..(full * BUCKET) as usize);
            t.start += full * BUCKET;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf hash whose first 8 bytes are `prefix`'s, so that many share a prefix.
    fn leaf(prefix: u8, n: u64) -> Hash {
        let mut h = [prefix; 32];
        h[24..].copy_from_slice(&n.to_be_bytes());
        h
    }

    fn append_all(store: &Store, leaves: &[Hash]) {
        let mut b = store.batch().expect("batch");
        for (n, l) in leaves.iter().enumerate() {
            b.append(format!("entry {n}").as_bytes(), *l)
                .expect("append");
        }
        store.commit(b).expect("commit");
    }

    fn assert_all_found(store: &Store, all: &[Hash]) {
        for (i, l) in all.iter().enumerate() {
            assert_eq!(
                store.index_of_leaf(l).expect("lookup"),
                Some(i as u64),
                "{i}"
            );
        }
        assert_eq!(
            store.index_of_leaf(&leaf(7, 999_999)).expect("lookup"),
            None
        );
        assert_eq!(store.index_of_leaf(&leaf(200, 1)).expect("lookup"), None);
    }

    #[test]
    fn every_leaf_is_found_through_commits_that_fill_buckets_and_after_reopening() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut all = Vec::new();
        {
            let store = Store::open(dir.path()).expect("open");
            // Commits of 0 to 40 entries: some fill no bucket, some several at once.
            // Prefixes 1..=3 only, so each prefix has far more pairs than a chunk.
            for n in 0..12u64 {
                let new: Vec<Hash> = (0..(n * 7) % 41)
                    .map(|k| leaf(1 + (k % 3) as u8, all.len() as u64 + k))
                    .collect();
                append_all(&store, &new);
                all.extend(new);
                assert_all_found(&store, &all);
                let t = store.leaf_tail.lock().expect("lock");
                assert_eq!(t.start, all.len() as u64 / BUCKET * BUCKET);
                assert_eq!(t.start + t.leaves.len() as u64, all.len() as u64);
            }
            assert!(all.len() as u64 > 10 * BUCKET, "{}", all.len());
            for bucket in 0..all.len() as u64 / BUCKET {
                let range = (bucket * BUCKET) as usize..((bucket + 1) * BUCKET) as usize;
                assert!(store.leaf_run_matches(bucket, &all[range]).expect("run"));
            }
            store.close().expect("close");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_all_found(&store, &all);
        // A run that is not the entries' is told apart.
        let mut wrong = all[..BUCKET as usize].to_vec();
        wrong.swap(0, 1);
        assert!(!store.leaf_run_matches(0, &wrong).expect("run"));
    }

    #[test]
    fn a_store_with_per_leaf_keys_or_missing_runs_gets_its_runs_at_open() {
        let dir = tempfile::tempdir().expect("tmp");
        let all: Vec<Hash> = (0..(5 * BUCKET + 3)).map(|n| leaf(9, n)).collect();
        {
            let store = Store::open(dir.path()).expect("open");
            append_all(&store, &all);
            // As a store from before the index: no runs for the top buckets (as if cut
            // short while writing them at open), and the old per-leaf keys.
            let mut b = sled::Batch::default();
            for bucket in 2..5 {
                for k in store.db.scan_prefix(run_prefix(bucket)).keys() {
                    b.remove(k.expect("key"));
                }
            }
            for (i, l) in all.iter().enumerate() {
                let mut k = vec![LEGACY];
                k.extend_from_slice(l);
                b.insert(k, &(i as u64).to_be_bytes()[..]);
            }
            store.db.apply_batch(b).expect("apply");
            assert_eq!(
                store
                    .index_of_leaf(&all[2 * BUCKET as usize])
                    .expect("lookup"),
                None
            );
            store.close().expect("close");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_all_found(&store, &all);
        assert!(
            store.db.scan_prefix([LEGACY]).next().is_none(),
            "H keys removed"
        );
        for bucket in 0..5 {
            let range = (bucket * BUCKET) as usize..((bucket + 1) * BUCKET) as usize;
            assert!(store.leaf_run_matches(bucket, &all[range]).expect("run"));
        }
    }
}
