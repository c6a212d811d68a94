//! Storage of the federation state (a sub-module of `storage`): what this node has
//! witnessed of each peer's log, the cosignatures peers gave this node's checkpoints,
//! per-peer sync cursors and records, and equivocation alarms.
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `W` | peer origin | the largest checkpoint note of that log this node verified |
//! | `X` | tree size (u64 BE) | cosignature lines collected for this node's checkpoint of that size (JSON) |
//! | `Y` | peer State | roster version (u64 BE), manifest cursor (u64 BE) |
//! | `Z` | peer State | the last sync record (JSON, opaque to storage) |
//! | `N` | unix seconds (u64 BE), counter | an equivocation alarm |
//! | `F` | (none) | the federation roster note held (the newest verified) |
//!
//! Concurrency: these keys are not written by the single writer (sync and the Cosign
//! RPC run beside it). Each change is instead one atomic compare-and-swap in sled
//! (`compare_and_swap`, or `update_and_fetch`, which retries one), made durable before
//! the caller acts on it: a witnessed checkpoint replaces exactly the one that was
//! checked, a cosignature line is merged into the lines stored, a cursor only moves
//! forward, a sync record only replaces an older one. No read-check-write can
//! interleave with another and lose a write.

use super::{StorageError, Store, json_bytes, json_of, u64_of};

const ROSTER_KEY: &[u8] = b"F";

/// A stored cursor: (roster version, cursor); 8 bytes (before roster versions) are a
/// cursor of version 0.
fn cursor_of(v: &[u8]) -> Result<(u64, u64), StorageError> {
    match v.len() {
        8 => Ok((0, u64_of("Y", v)?)),
        16 => Ok((u64_of("Y", &v[..8])?, u64_of("Y", &v[8..])?)),
        n => Err(StorageError::Corrupt {
            key: "Y".into(),
            reason: format!("a cursor of {n} bytes"),
        }),
    }
}

fn key(prefix: u8, rest: &[u8]) -> Vec<u8> {
    let mut k = vec![prefix];
    k.extend_from_slice(rest);
    k
}

impl Store {
    fn put_durable(&self, k: Vec<u8>, v: Vec<u8>) -> Result<(), StorageError> {
        self.db.insert(k, v)?;
        self.flush()
    }

    /// The federation roster note held (verified when it was taken).
    pub fn roster(&self) -> Result<Option<String>, StorageError> {
        self.db
            .get(ROSTER_KEY)?
            .map(|v| {
                String::from_utf8(v.to_vec()).map_err(|_| StorageError::Corrupt {
                    key: "F".into(),
                    reason: "not UTF-8".into(),
                })
            })
            .transpose()
    }

    /// Replaces the roster note by `note`, durably, if the one stored is still `held`;
    /// false, writing nothing, when another change came first.
    pub fn swap_roster(&self, held: Option<&str>, note: &str) -> Result<bool, StorageError> {
        let swapped = self
            .db
            .compare_and_swap(ROSTER_KEY, held.map(str::as_bytes), Some(note.as_bytes()))?
            .is_ok();
        if swapped {
            self.flush()?;
        }
        Ok(swapped)
    }

    /// The largest verified checkpoint of `origin`'s log.
    pub fn witnessed(&self, origin: &str) -> Result<Option<String>, StorageError> {
        self.db
            .get(key(b'W', origin.as_bytes()))?
            .map(|v| {
                String::from_utf8(v.to_vec()).map_err(|_| StorageError::Corrupt {
                    key: "W".into(),
                    reason: "not UTF-8".into(),
                })
            })
            .transpose()
    }

    /// Replaces the witnessed checkpoint of `origin` by `note`, durably, if the one
    /// stored is still `held` (the one the caller checked `note` against; `None`: none
    /// was held). Returns false, writing nothing, when another change came first.
    pub fn swap_witnessed(
        &self,
        origin: &str,
        held: Option<&str>,
        note: &str,
    ) -> Result<bool, StorageError> {
        let swapped = self
            .db
            .compare_and_swap(
                key(b'W', origin.as_bytes()),
                held.map(str::as_bytes),
                Some(note.as_bytes()),
            )?
            .is_ok();
        if swapped {
            self.flush()?;
        }
        Ok(swapped)
    }

    /// Cosignature lines collected for this node's checkpoint of `size`.
    pub fn cosignatures(&self, size: u64) -> Result<Vec<String>, StorageError> {
        match self.db.get(key(b'X', &size.to_be_bytes()))? {
            Some(v) => json_of("X", &v),
            None => Ok(Vec::new()),
        }
    }

    /// Adds a cosignature line for this node's checkpoint of `size` (one per cosigner
    /// name: a newer line of the same cosigner replaces the older), durably. Peers
    /// cosign concurrently: the merge is one atomic update of the stored lines.
    pub fn add_cosignature(
        &self,
        size: u64,
        cosigner: &str,
        line: &str,
    ) -> Result<(), StorageError> {
        let prefix = format!("— {cosigner} ");
        let mut corrupt = None;
        self.db
            .update_and_fetch(key(b'X', &size.to_be_bytes()), |old| {
                let mut lines: Vec<String> = match old.map(|v| json_of("X", v)) {
                    Some(Ok(lines)) => lines,
                    None => Vec::new(),
                    Some(Err(e)) => {
                        corrupt = Some(e);
                        return old.map(<[u8]>::to_vec);
                    }
                };
                corrupt = None;
                lines.retain(|l| !l.starts_with(&prefix));
                lines.push(line.to_owned());
                Some(json_bytes(&lines))
            })?;
        if let Some(e) = corrupt {
            return Err(e);
        }
        self.flush()
    }

    /// The manifest cursor of `peer` for roster version `epoch` (0 for a cursor of
    /// another roster version, or none): a new roster makes every pull start over,
    /// since releases refused for want of a key may verify under it.
    pub fn sync_cursor(&self, peer: &str, epoch: u64) -> Result<u64, StorageError> {
        match self.db.get(key(b'Y', peer.as_bytes()))? {
            Some(v) => {
                let (e, c) = cursor_of(&v)?;
                Ok(if e == epoch { c } else { 0 })
            }
            None => Ok(0),
        }
    }

    /// Advances the manifest cursor of `peer` to `cursor` for roster version `epoch`,
    /// durably; atomically, never backwards within an epoch, and never over the cursor
    /// of a later epoch (a run that began under an older roster leaves it alone).
    pub fn set_sync_cursor(&self, peer: &str, cursor: u64, epoch: u64) -> Result<(), StorageError> {
        self.db
            .update_and_fetch(key(b'Y', peer.as_bytes()), |old| {
                let (e, c) = old.and_then(|v| cursor_of(v).ok()).unwrap_or((0, 0));
                let (e, c) = match e.cmp(&epoch) {
                    std::cmp::Ordering::Greater => (e, c),
                    std::cmp::Ordering::Equal => (e, c.max(cursor)),
                    std::cmp::Ordering::Less => (epoch, cursor),
                };
                let mut v = e.to_be_bytes().to_vec();
                v.extend_from_slice(&c.to_be_bytes());
                Some(v)
            })?;
        self.flush()
    }

    /// The stored sync record of `peer` (JSON text).
    pub fn sync_record(&self, peer: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get(key(b'Z', peer.as_bytes()))?.map(|v| v.to_vec()))
    }

    /// Stores the sync record of `peer` unless the one stored is newer (`newer(stored)`
    /// is true), atomically. Not synced to disk: it is an operator's record, rewritten
    /// every run, and sled's own flushes cover it.
    pub fn set_sync_record(
        &self,
        peer: &str,
        record: &[u8],
        stored_is_newer: impl Fn(&[u8]) -> bool,
    ) -> Result<(), StorageError> {
        self.db
            .update_and_fetch(key(b'Z', peer.as_bytes()), |old| match old {
                Some(v) if stored_is_newer(v) => Some(v.to_vec()),
                _ => Some(record.to_vec()),
            })?;
        Ok(())
    }

    /// Records an equivocation alarm, durably.
    pub fn add_alarm(&self, unix: u64, text: &str) -> Result<(), StorageError> {
        let n = self.db.generate_id()?;
        let mut k = unix.to_be_bytes().to_vec();
        k.extend_from_slice(&n.to_be_bytes());
        self.put_durable(key(b'N', &k), text.as_bytes().to_vec())
    }

    /// Every alarm, oldest first.
    pub fn alarms(&self) -> Result<Vec<String>, StorageError> {
        self.db
            .scan_prefix([b'N'])
            .map(|kv| Ok(String::from_utf8_lossy(&kv?.1).into_owned()))
            .collect()
    }
}
