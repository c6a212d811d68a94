//! Storage of the federation state (a sub-module of `storage`): what this node has
//! witnessed of each peer's log, the cosignatures peers gave this node's checkpoints,
//! per-peer sync cursors and records, and equivocation alarms.
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `W` | peer origin | the largest checkpoint note of that log this node verified |
//! | `X` | tree size (u64 BE) | cosignature lines collected for this node's checkpoint of that size (JSON) |
//! | `Y` | peer State | manifest cursor (u64 BE) |
//! | `Z` | peer State | the last sync record (JSON, opaque to storage) |
//! | `N` | unix seconds (u64 BE), counter | an equivocation alarm |

use super::{StorageError, Store, json_bytes, json_of, u64_of};

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

    /// Records a newly verified (larger, consistent) checkpoint of `origin`, durably.
    pub fn set_witnessed(&self, origin: &str, note: &str) -> Result<(), StorageError> {
        self.put_durable(key(b'W', origin.as_bytes()), note.as_bytes().to_vec())
    }

    /// Cosignature lines collected for this node's checkpoint of `size`.
    pub fn cosignatures(&self, size: u64) -> Result<Vec<String>, StorageError> {
        match self.db.get(key(b'X', &size.to_be_bytes()))? {
            Some(v) => json_of("X", &v),
            None => Ok(Vec::new()),
        }
    }

    /// Adds a cosignature line for this node's checkpoint of `size` (one per cosigner
    /// name: a newer line of the same cosigner replaces the older).
    pub fn add_cosignature(
        &self,
        size: u64,
        cosigner: &str,
        line: &str,
    ) -> Result<(), StorageError> {
        // Read-modify-write: peers cosign concurrently.
        let _one_at_a_time = self.cosign_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut lines = self.cosignatures(size)?;
        let prefix = format!("— {cosigner} ");
        lines.retain(|l| !l.starts_with(&prefix));
        lines.push(line.to_owned());
        self.put_durable(key(b'X', &size.to_be_bytes()), json_bytes(&lines))
    }

    /// The manifest cursor of `peer`.
    pub fn sync_cursor(&self, peer: &str) -> Result<u64, StorageError> {
        match self.db.get(key(b'Y', peer.as_bytes()))? {
            Some(v) => u64_of("Y", &v),
            None => Ok(0),
        }
    }

    /// Advances the manifest cursor of `peer`, durably.
    pub fn set_sync_cursor(&self, peer: &str, cursor: u64) -> Result<(), StorageError> {
        self.put_durable(key(b'Y', peer.as_bytes()), cursor.to_be_bytes().to_vec())
    }

    /// The stored sync record of `peer` (JSON text).
    pub fn sync_record(&self, peer: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get(key(b'Z', peer.as_bytes()))?.map(|v| v.to_vec()))
    }

    /// Stores the sync record of `peer` (not synced to disk: it is an operator's
    /// record, rewritten every run, and sled's own flushes cover it).
    pub fn set_sync_record(&self, peer: &str, json: &[u8]) -> Result<(), StorageError> {
        self.db.insert(key(b'Z', peer.as_bytes()), json)?;
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
