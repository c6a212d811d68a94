//! Storage of signed releases (own and, later, peers'), the manifest that sync reads,
//! and the differential-privacy budget ledger (a sub-module of `storage`).
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `L` | origin, 0, table, 0, period, 0, version (u32 BE) | the release envelope's bytes (as served, byte for byte) |
//! | `D` | SHA-256 of the envelope bytes | the `L` key |
//! | `Q` | sequence number (u64 BE), server-assigned and monotonic | [`ReleaseRecord`] (JSON): the manifest |
//! | `B` | period, 0, sequence (u64 BE) | [`SpendRecord`] (JSON): the budget ledger, append-only |
//! | `U` | period, 0, version (u32 BE) | the true values that version's threshold releases withheld ([`Withheld`] JSON), kept so that a revision is audited with it; never served |
//! | `S` | `seq` | the next sequence number |

use serde::{Deserialize, Serialize};

use vrs_core::release::Withheld;

use super::{Batch, StorageError, Store, json_bytes, json_of, u64_of};

/// Identity, digest and size of a held release: one manifest entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// Origin State.
    pub origin: String,
    /// Table id.
    pub table: String,
    /// SDMX period.
    pub period: String,
    /// Version (1, then 2 for a revision).
    pub version: u32,
    /// SHA-256 of the envelope bytes.
    pub digest: vrs_core::Hash,
    /// Size of the envelope bytes.
    pub size: u64,
}

/// One entry of the budget ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendRecord {
    /// Table id.
    pub table: String,
    /// Mechanism ("discrete-laplace").
    pub mechanism: String,
    /// ε numerator.
    pub epsilon_num: u32,
    /// ε denominator.
    pub epsilon_den: u32,
    /// Digest of the release that spent it.
    pub digest: vrs_core::Hash,
}

const SEQ_KEY: &[u8] = b"Sseq";

fn release_key(origin: &str, table: &str, period: &str, version: u32) -> Vec<u8> {
    let mut k = release_prefix(origin, table, period);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn release_prefix(origin: &str, table: &str, period: &str) -> Vec<u8> {
    let mut k = vec![b'L'];
    for part in [origin, table, period] {
        k.extend_from_slice(part.as_bytes());
        k.push(0);
    }
    k
}

fn withheld_key(period: &str, version: u32) -> Vec<u8> {
    let mut k = vec![b'U'];
    k.extend_from_slice(period.as_bytes());
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn spend_prefix(period: &str) -> Vec<u8> {
    let mut k = vec![b'B'];
    k.extend_from_slice(period.as_bytes());
    k.push(0);
    k
}

impl Store {
    /// The latest held version of a release: (version, envelope bytes).
    pub fn latest_release(
        &self,
        origin: &str,
        table: &str,
        period: &str,
    ) -> Result<Option<(u32, Vec<u8>)>, StorageError> {
        let prefix = release_prefix(origin, table, period);
        let Some(kv) = self.db.scan_prefix(&prefix).next_back() else {
            return Ok(None);
        };
        let (k, v) = kv?;
        let version = k
            .get(prefix.len()..)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| StorageError::Corrupt {
                key: "L".into(),
                reason: "bad version".into(),
            })?;
        Ok(Some((version, v.to_vec())))
    }

    /// One version of a release.
    pub fn release(
        &self,
        origin: &str,
        table: &str,
        period: &str,
        version: u32,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self
            .db
            .get(release_key(origin, table, period, version))?
            .map(|v| v.to_vec()))
    }

    /// A release by the digest of its envelope bytes.
    pub fn release_by_digest(
        &self,
        digest: &vrs_core::Hash,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let mut k = vec![b'D'];
        k.extend_from_slice(digest);
        let Some(l) = self.db.get(k)? else {
            return Ok(None);
        };
        Ok(self.db.get(l)?.map(|v| v.to_vec()))
    }

    /// Manifest entries after sequence number `after` (exclusive), at most `limit`.
    pub fn manifest_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, ReleaseRecord)>, StorageError> {
        let start = super::idx_key(b'Q', after.saturating_add(1));
        self.db
            .range(start.to_vec()..vec![b'R'])
            .take(limit)
            .map(|kv| {
                let (k, v) = kv?;
                Ok((u64_of("Q", &k[1..])?, json_of("Q", &v)?))
            })
            .collect()
    }

    /// The values the threshold releases of `period` at `version` withheld, if the node
    /// recorded them.
    pub fn withheld(&self, period: &str, version: u32) -> Result<Option<Withheld>, StorageError> {
        let Some(v) = self.db.get(withheld_key(period, version))? else {
            return Ok(None);
        };
        let text = std::str::from_utf8(&v).map_err(|e| StorageError::Corrupt {
            key: "U".into(),
            reason: e.to_string(),
        })?;
        Withheld::from_json(text)
            .map(Some)
            .map_err(|e| StorageError::Corrupt {
                key: "U".into(),
                reason: e.to_string(),
            })
    }

    /// The budget ledger of a period (every table).
    pub fn spends(&self, period: &str) -> Result<Vec<SpendRecord>, StorageError> {
        self.db
            .scan_prefix(spend_prefix(period))
            .map(|kv| {
                let (_, v) = kv?;
                json_of("B", &v)
            })
            .collect()
    }

    fn next_seq(&self) -> Result<u64, StorageError> {
        match self.db.get(SEQ_KEY)? {
            Some(v) => u64_of("Sseq", &v),
            None => Ok(1),
        }
    }
}

impl Batch<'_> {
    /// Whether this batch already stores the release with `digest`.
    pub fn holds_release(&self, digest: &vrs_core::Hash) -> bool {
        self.pending_releases.contains(digest)
    }

    /// Stores a release and appends it to the manifest. Returns its manifest sequence
    /// number.
    pub fn put_release(&mut self, rec: &ReleaseRecord, bytes: &[u8]) -> Result<u64, StorageError> {
        self.dirty = true;
        let seq = match self.next_seq {
            Some(s) => s,
            None => self.store.next_seq()?,
        };
        let l = release_key(&rec.origin, &rec.table, &rec.period, rec.version);
        let mut d = vec![b'D'];
        d.extend_from_slice(&rec.digest);
        self.inner.insert(l.clone(), bytes);
        self.inner.insert(d, l);
        self.inner
            .insert(&super::idx_key(b'Q', seq)[..], json_bytes(rec));
        self.inner.insert(SEQ_KEY, &(seq + 1).to_be_bytes()[..]);
        self.next_seq = Some(seq + 1);
        self.pending_releases.insert(rec.digest);
        Ok(seq)
    }

    /// Records what the threshold releases of `period` at `version` withheld.
    pub fn put_withheld(&mut self, period: &str, version: u32, withheld: &Withheld) {
        self.dirty = true;
        self.inner.insert(
            withheld_key(period, version),
            withheld.to_json().into_bytes(),
        );
    }

    /// Appends a spend to the budget ledger of `period`, under `seq`, the manifest
    /// sequence number of the release that spent it (unique: never overwrites).
    pub fn put_spend(&mut self, period: &str, seq: u64, rec: &SpendRecord) {
        let mut k = spend_prefix(period);
        k.extend_from_slice(&seq.to_be_bytes());
        self.inner.insert(k, json_bytes(rec));
    }
}

impl Store {
    /// Overwrites a stored release's bytes, bypassing every check: for tests of what a
    /// tampering relay would serve, and nothing else.
    #[doc(hidden)]
    pub fn danger_overwrite_release(
        &self,
        origin: &str,
        table: &str,
        period: &str,
        version: u32,
        bytes: &[u8],
    ) -> Result<(), StorageError> {
        self.db
            .insert(release_key(origin, table, period, version), bytes)?;
        self.flush()
    }
}
