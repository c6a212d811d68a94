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
//! | `O` | origin State | its holdings digest: SHA-256 over the `L` keys (identities) of every release of that origin held, in key order; written in the batch that stores the releases |

use serde::{Deserialize, Serialize};

use vrs_core::release::{Reciprocity, Withheld};

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
    /// The origin's signed reciprocity policy (absent in records of releases without
    /// one, and in records written before the field).
    #[serde(default, skip_serializing_if = "Reciprocity::is_none")]
    pub reciprocity: Reciprocity,
}

/// A page of the manifest (see [`Store::manifest_filtered`]).
#[derive(Debug)]
pub struct ManifestPage {
    /// Entries, with their sequence numbers.
    pub entries: Vec<(u64, ReleaseRecord)>,
    /// The last sequence number scanned.
    pub last: u64,
    /// Whether entries may follow.
    pub more: bool,
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
/// Set once the `c` index of releases under a reciprocity policy covers the manifest
/// (a store from before the index gets it at open).
const RECIPROCAL_BUILT: &[u8] = b"Srecip";

/// The key of an origin's holdings digest.
pub(super) fn holdings_key(origin: &str) -> Vec<u8> {
    let mut k = vec![b'O'];
    k.extend_from_slice(origin.as_bytes());
    k
}

/// SHA-256 over length-prefixed identities, in order.
fn digest_of<'a>(keys: impl Iterator<Item = &'a [u8]>) -> vrs_core::Hash {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"vrs holdings v1\n");
    for k in keys {
        ctx.update(&(k.len() as u32).to_be_bytes());
        ctx.update(k);
    }
    ctx.finish().as_ref().try_into().expect("32 bytes")
}

fn release_key(origin: &str, table: &str, period: &str, version: u32) -> Vec<u8> {
    let mut k = release_prefix(origin, table, period);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn release_prefix(origin: &str, table: &str, period: &str) -> Vec<u8> {
    let mut k = origin_prefix(origin);
    for part in [table, period] {
        k.extend_from_slice(part.as_bytes());
        k.push(0);
    }
    k
}

/// The prefix of every `L` key of `origin`.
fn origin_prefix(origin: &str) -> Vec<u8> {
    let mut k = vec![b'L'];
    k.extend_from_slice(origin.as_bytes());
    k.push(0);
    k
}

/// A stored holdings digest.
fn digest_at(origin: &str, v: &[u8]) -> Result<vrs_core::Hash, StorageError> {
    v.try_into().map_err(|_| StorageError::Corrupt {
        key: format!("O{origin}"),
        reason: format!("expected 32 bytes, found {}", v.len()),
    })
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

    /// Whether the release with this digest of its envelope bytes is held (without
    /// reading it).
    pub fn has_release(&self, digest: &vrs_core::Hash) -> Result<bool, StorageError> {
        let mut k = vec![b'D'];
        k.extend_from_slice(digest);
        Ok(self.db.contains_key(k)?)
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

    /// The manifest entries after `after` (exclusive) up to `until` (inclusive; `u64::MAX`
    /// for no bound), in order.
    fn manifest_range(
        &self,
        after: u64,
        until: u64,
    ) -> impl Iterator<Item = Result<(u64, ReleaseRecord), StorageError>> + use<> {
        let start = super::idx_key(b'Q', after.saturating_add(1)).to_vec();
        let end = match until.checked_add(1) {
            Some(u) => super::idx_key(b'Q', u).to_vec(),
            None => vec![b'R'],
        };
        self.db.range(start..end).map(|kv| {
            let (k, v) = kv?;
            Ok((u64_of("Q", &k[1..])?, json_of("Q", &v)?))
        })
    }

    /// Manifest entries after `after` (exclusive) up to `until` (inclusive) of the given
    /// origins (all when empty), at most `limit`, scanning at most `scan` entries.
    pub fn manifest_filtered(
        &self,
        after: u64,
        until: u64,
        origins: &std::collections::BTreeSet<String>,
        limit: usize,
        scan: usize,
    ) -> Result<ManifestPage, StorageError> {
        let mut page = ManifestPage {
            entries: Vec::new(),
            last: after,
            more: false,
        };
        for (scanned, item) in self.manifest_range(after, until).enumerate() {
            if scanned == scan {
                page.more = true;
                break;
            }
            let (seq, rec) = item?;
            if origins.is_empty() || origins.contains(&rec.origin) {
                if page.entries.len() == limit {
                    page.more = true;
                    break;
                }
                page.entries.push((seq, rec));
            }
            page.last = seq;
        }
        Ok(page)
    }

    /// The distinct origins of the manifest entries after `after` up to `until`.
    pub fn manifest_origins(
        &self,
        after: u64,
        until: u64,
    ) -> Result<std::collections::BTreeSet<String>, StorageError> {
        self.manifest_range(after, until)
            .map(|item| item.map(|(_, rec)| rec.origin))
            .collect()
    }

    /// Manifest entries after sequence number `after` (exclusive), at most `limit`.
    pub fn manifest_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, ReleaseRecord)>, StorageError> {
        self.manifest_range(after, u64::MAX).take(limit).collect()
    }

    /// Whether any release of `origin` for `period` is held (any table, any version):
    /// what reciprocity asks of a peer State (one prefix lookup per table).
    pub fn holds_period(&self, origin: &str, period: &str) -> Result<bool, StorageError> {
        for table in vrs_core::aggregate::TableId::ALL {
            let prefix = release_prefix(origin, table.code(), period);
            if self.db.scan_prefix(&prefix).next().transpose()?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
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

    /// The holdings digest of `origin` once the releases of `pending` (their `L` keys)
    /// are stored too.
    pub(super) fn origin_holdings_with(
        &self,
        origin: &str,
        pending: &std::collections::BTreeSet<Vec<u8>>,
    ) -> Result<vrs_core::Hash, StorageError> {
        let mut keys: std::collections::BTreeSet<Vec<u8>> = pending.clone();
        for kv in self.db.scan_prefix(origin_prefix(origin)).keys() {
            keys.insert(kv?.to_vec());
        }
        Ok(digest_of(keys.iter().map(Vec::as_slice)))
    }

    /// Per origin, the holdings digest (origins holding no release are absent).
    pub fn holdings(&self) -> Result<Vec<(String, vrs_core::Hash)>, StorageError> {
        self.db
            .scan_prefix([b'O'])
            .map(|kv| {
                let (k, v) = kv?;
                let origin = String::from_utf8_lossy(&k[1..]).into_owned();
                let d = digest_at(&origin, &v)?;
                Ok((origin, d))
            })
            .collect()
    }

    /// The holdings digest of one origin (`None`: no release of it held).
    pub fn origin_holdings(&self, origin: &str) -> Result<Option<vrs_core::Hash>, StorageError> {
        self.db
            .get(holdings_key(origin))?
            .map(|v| digest_at(origin, &v))
            .transpose()
    }

    /// The digest of everything held: over each origin's holdings digest, in order.
    /// Two nodes with the same digest hold the same releases (by identity).
    pub fn holdings_digest(&self) -> Result<vrs_core::Hash, StorageError> {
        let all = self.holdings()?;
        let parts: Vec<Vec<u8>> = all
            .iter()
            .map(|(o, d)| [o.as_bytes(), &[0], d].concat())
            .collect();
        Ok(digest_of(parts.iter().map(Vec::as_slice)))
    }

    /// The manifest's head: the sequence number of its last entry (0: empty).
    pub fn manifest_head(&self) -> Result<u64, StorageError> {
        Ok(self.next_seq()? - 1)
    }

    /// The releases held under a reciprocity policy (the `c` index), in manifest order:
    /// what reciprocity's status reads, without scanning the whole manifest.
    pub fn reciprocal_releases(
        &self,
    ) -> impl Iterator<Item = Result<ReleaseRecord, StorageError>> + use<> {
        self.db.scan_prefix([b'c']).map(|kv| json_of("c", &kv?.1))
    }

    /// Writes the `c` index of a store made before it existed (at open): one scan of
    /// the manifest, once.
    pub(super) fn rebuild_reciprocal(&self) -> Result<(), StorageError> {
        if self.db.get(RECIPROCAL_BUILT)?.is_some() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for item in self.manifest_range(0, u64::MAX) {
            let (seq, rec) = item?;
            if !rec.reciprocity.is_none() {
                batch.insert(&super::idx_key(b'c', seq)[..], json_bytes(&rec));
            }
        }
        batch.insert(RECIPROCAL_BUILT, &[1u8][..]);
        self.db.apply_batch(batch)?;
        self.flush()
    }

    /// Writes the holdings digests of a store made before they existed (at open).
    pub(super) fn rebuild_holdings(&self) -> Result<(), StorageError> {
        if self.db.scan_prefix([b'O']).next().is_some()
            || self.db.scan_prefix([b'L']).next().is_none()
        {
            return Ok(());
        }
        let mut origins = std::collections::BTreeSet::new();
        for k in self.db.scan_prefix([b'L']).keys() {
            let k = k?;
            if let Some(end) = k[1..].iter().position(|b| *b == 0) {
                origins.insert(String::from_utf8_lossy(&k[1..1 + end]).into_owned());
            }
        }
        let mut batch = sled::Batch::default();
        for o in origins {
            let d = self.origin_holdings_with(&o, &Default::default())?;
            batch.insert(holdings_key(&o), &d[..]);
        }
        self.db.apply_batch(batch)?;
        self.flush()
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
        self.inner.insert(d, l.clone());
        self.inner
            .insert(&super::idx_key(b'Q', seq)[..], json_bytes(rec));
        if !rec.reciprocity.is_none() {
            self.inner
                .insert(&super::idx_key(b'c', seq)[..], json_bytes(rec));
        }
        self.inner.insert(SEQ_KEY, &(seq + 1).to_be_bytes()[..]);
        self.next_seq = Some(seq + 1);
        self.pending_releases.insert(rec.digest);
        self.pending_holdings
            .entry(rec.origin.clone())
            .or_default()
            .insert(l);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(origin: &str, table: &str, version: u32) -> (ReleaseRecord, Vec<u8>) {
        let bytes = format!("{origin}{table}{version}").into_bytes();
        (
            ReleaseRecord {
                origin: origin.into(),
                table: table.into(),
                period: "2026-M10".into(),
                version,
                digest: vrs_core::sha256(&bytes),
                size: bytes.len() as u64,
                reciprocity: Reciprocity::None,
            },
            bytes,
        )
    }

    fn put(store: &Store, recs: &[(ReleaseRecord, Vec<u8>)]) {
        let mut b = store.batch().expect("batch");
        for (r, bytes) in recs {
            b.put_release(r, bytes).expect("put");
        }
        store.commit(b).expect("commit");
    }

    #[test]
    fn the_reciprocal_index_lists_the_releases_under_a_policy_and_is_rebuilt_at_open() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        let mut under = rec("AUS", "FEES", 1);
        under.0.reciprocity = Reciprocity::Period {
            include_secretariats: false,
        };
        put(&store, &[rec("IDN", "FEES", 1), under.clone()]);
        // Keys of other prefixes next to it (report versions, the checkpoint) are not read.
        store.db.insert(b"Vreport-1", &b"x"[..]).expect("insert");
        store.db.insert(b"C", &b"x"[..]).expect("insert");
        let listed = |s: &Store| -> Vec<(String, u32)> {
            s.reciprocal_releases()
                .map(|r| r.map(|r| (r.origin, r.version)).expect("record"))
                .collect()
        };
        assert_eq!(listed(&store), vec![("AUS".to_string(), 1)]);
        // A store from before the index gets it at open, once.
        store.db.remove(super::super::idx_key(b'c', 2)).expect("rm");
        store.db.remove(RECIPROCAL_BUILT).expect("rm");
        assert!(listed(&store).is_empty());
        store.close().expect("close");
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(listed(&store), vec![("AUS".to_string(), 1)]);
    }

    #[test]
    fn holdings_digests_follow_the_releases_held_and_agree_with_a_rebuild() {
        let (a, b) = (
            tempfile::tempdir().expect("tmp"),
            tempfile::tempdir().expect("tmp"),
        );
        let (sa, sb) = (
            Store::open(a.path()).expect("open"),
            Store::open(b.path()).expect("open"),
        );
        let empty = sa.holdings_digest().expect("digest");
        assert_eq!(empty, sb.holdings_digest().expect("digest"));
        // The same releases in other batches and another order: the same digests.
        put(&sa, &[rec("AUS", "FEES", 1), rec("IDN", "FEES", 1)]);
        put(&sa, &[rec("AUS", "MOVEMENTS", 1)]);
        put(
            &sb,
            &[
                rec("AUS", "MOVEMENTS", 1),
                rec("IDN", "FEES", 1),
                rec("AUS", "FEES", 1),
            ],
        );
        assert_eq!(
            sa.holdings_digest().expect("d"),
            sb.holdings_digest().expect("d")
        );
        assert_ne!(sa.holdings_digest().expect("d"), empty);
        assert_eq!(sa.manifest_head().expect("head"), 3);
        // One more version of one origin changes that origin's digest only.
        let idn = sb.origin_holdings("IDN").expect("o");
        let aus = sb.origin_holdings("AUS").expect("o");
        put(&sb, &[rec("AUS", "FEES", 2)]);
        assert_eq!(sb.origin_holdings("IDN").expect("o"), idn);
        assert_ne!(sb.origin_holdings("AUS").expect("o"), aus);
        assert_ne!(
            sa.holdings_digest().expect("d"),
            sb.holdings_digest().expect("d")
        );
        // A store made before the digests existed gets them at open, the same.
        let want = sb.holdings_digest().expect("d");
        sb.db.remove(holdings_key("AUS")).expect("rm");
        sb.db.remove(holdings_key("IDN")).expect("rm");
        sb.close().expect("close");
        let sb = Store::open(b.path()).expect("reopen");
        assert_eq!(sb.holdings_digest().expect("d"), want);
        // A filtered page of one origin skips the other's entries and stops at `until`.
        let only_aus = ["AUS".to_string()].into_iter().collect();
        let p = sb
            .manifest_filtered(0, 3, &only_aus, 10, 100)
            .expect("page");
        assert_eq!(
            p.entries.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!((p.last, p.more), (3, false));
        let p = sb
            .manifest_filtered(0, u64::MAX, &only_aus, 1, 100)
            .expect("page");
        assert_eq!(
            (p.entries.len(), p.last, p.more),
            (1, 2, true),
            "the skipped IDN entry is passed"
        );
    }
}
