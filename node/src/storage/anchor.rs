//! The anchor: the size and root of the latest signed checkpoint, kept outside sled.
//!
//! sled 0.34.7 treats a corrupt message after its last snapshot as a torn write when it
//! reopens a database and silently drops it and everything after it. Without a record
//! outside sled, a node would then restart on a shorter log and sign new roots for
//! sizes it had already signed: a fork under its own key. So every group commit also
//! writes `{size, root}` into `<data_dir>/anchor` (two alternating slots with a
//! sequence number and a checksum, `fdatasync`ed before the acknowledgement). At
//! start-up and in `vrs-node verify`, a database that holds fewer entries than the
//! anchor, or another root at its size, is refused.

use std::fs::File;
use std::os::unix::fs::FileExt as _;
use std::path::Path;

use vrs_core::Hash;

use super::{StorageError, idx_key, note_of};

const SLOT: u64 = 64;
const MAGIC: &[u8; 4] = b"VRSA";

/// What the anchor holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// Tree size of the latest signed checkpoint.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
}

fn encode(seq: u64, a: &Anchor) -> [u8; SLOT as usize] {
    let mut b = [0u8; SLOT as usize];
    b[..4].copy_from_slice(MAGIC);
    b[4..12].copy_from_slice(&seq.to_be_bytes());
    b[12..20].copy_from_slice(&a.size.to_be_bytes());
    b[20..52].copy_from_slice(&a.root);
    let sum = vrs_core::sha256(&b[..52]);
    b[52..60].copy_from_slice(&sum[..8]);
    b
}

fn decode(b: &[u8]) -> Option<(u64, Anchor)> {
    if b.len() < 60 || &b[..4] != MAGIC || vrs_core::sha256(&b[..52])[..8] != b[52..60] {
        return None;
    }
    let seq = u64::from_be_bytes(b[4..12].try_into().ok()?);
    let size = u64::from_be_bytes(b[12..20].try_into().ok()?);
    let root: Hash = b[20..52].try_into().ok()?;
    Some((seq, Anchor { size, root }))
}

/// The anchor file of a data directory.
pub struct AnchorFile {
    file: File,
    seq: u64,
    /// The latest anchor (None for a new database).
    pub current: Option<Anchor>,
}

impl AnchorFile {
    /// Opens (or creates) `<dir>/anchor`.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        let path = dir.join("anchor");
        let fresh = !path.exists();
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        if fresh {
            file.sync_all()?;
            File::open(dir)?.sync_all()?;
        }
        let mut buf = [0u8; 2 * SLOT as usize];
        let n = file.read_at(&mut buf, 0)?;
        let best = [0, 1]
            .iter()
            .filter_map(|i| {
                let lo = (i * SLOT) as usize;
                decode(buf.get(lo..(lo + SLOT as usize).min(n))?)
            })
            .max_by_key(|(seq, _)| *seq);
        Ok(Self {
            file,
            seq: best.map_or(0, |(s, _)| s),
            current: best.map(|(_, a)| a),
        })
    }

    /// Reads the anchor of `dir` without creating anything.
    pub fn read(dir: &Path) -> std::io::Result<Option<Anchor>> {
        let Ok(file) = File::open(dir.join("anchor")) else {
            return Ok(None);
        };
        let mut buf = [0u8; 2 * SLOT as usize];
        let n = file.read_at(&mut buf, 0)?;
        Ok([0, 1]
            .iter()
            .filter_map(|i| {
                let lo = (i * SLOT) as usize;
                decode(buf.get(lo..(lo + SLOT as usize).min(n))?)
            })
            .max_by_key(|(seq, _)| *seq)
            .map(|(_, a)| a))
    }

    /// Records `a` durably (the slot not holding the current anchor is overwritten).
    pub fn write(&mut self, a: Anchor) -> std::io::Result<()> {
        let seq = self.seq + 1;
        self.file.write_all_at(&encode(seq, &a), (seq % 2) * SLOT)?;
        self.file.sync_data()?;
        self.seq = seq;
        self.current = Some(a);
        Ok(())
    }
}

impl super::Store {
    /// At start: brings the anchor up to the latest checkpoint the database holds. A
    /// crash between a batch's `fdatasync` and its anchor leaves the anchor one batch
    /// behind, and a kill can leave written data that was never synced: the data file
    /// is synced first, so what this process reads is on disk before it is anchored
    /// (and served, [`Store::durable_checkpoint`]).
    pub fn catch_up_anchor(&self) -> Result<(), StorageError> {
        let size = self.size()?;
        if size == 0
            || self.anchor().is_some_and(|a| a.size >= size)
            || self.checkpoint()?.is_none()
        {
            return Ok(());
        }
        let root = vrs_core::merkle::root(self, size).map_err(|e| StorageError::Corrupt {
            key: "M".into(),
            reason: e.to_string(),
        })?;
        self.data_file.sync_data()?;
        self.anchor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .write(Anchor { size, root })?;
        Ok(())
    }

    /// The latest checkpoint whose batch is durable, the one to serve: the checkpoint
    /// of the size the anchor names. A batch applied and not yet made durable has its
    /// checkpoint stored already; served, it could be lost in a crash and the node
    /// would then sign another root at that size. Without an anchor (a store from
    /// before it), the latest stored.
    pub fn durable_checkpoint(&self) -> Result<Option<String>, StorageError> {
        let Some(a) = self.anchor() else {
            return self.checkpoint();
        };
        match self.db.get(idx_key(b'P', a.size))? {
            Some(v) => note_of(format!("P/{}", a.size), &v).map(Some),
            None => self.checkpoint(),
        }
    }

    /// The latest anchor written (size and root of the latest signed checkpoint).
    pub fn anchor(&self) -> Option<Anchor> {
        self.anchor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .current
    }

    /// Checks that the database holds the whole log the anchor records: the size is at
    /// least the anchor's and the root at the anchor's size is the anchored one.
    pub fn check_anchor(&self) -> Result<(), StorageError> {
        let Some(a) = self.anchor() else {
            return Ok(());
        };
        let size = self.size()?;
        let truncated = |reason: String| StorageError::Corrupt {
            key: "anchor".into(),
            reason,
        };
        if size < a.size {
            return Err(truncated(format!(
                "TRUNCATED: a checkpoint of size {} was signed but the database holds {size} entries",
                a.size
            )));
        }
        if a.size > 0 {
            let root =
                vrs_core::merkle::root(self, a.size).map_err(|e| truncated(e.to_string()))?;
            if root != a.root {
                return Err(truncated(format!(
                    "the database's root at size {} differs from the signed one",
                    a.size
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_valid_slot_wins_and_a_torn_slot_is_ignored() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut f = AnchorFile::open(dir.path()).expect("open");
        assert_eq!(f.current, None);
        let a = |n: u64| Anchor {
            size: n,
            root: [n as u8; 32],
        };
        f.write(a(1)).expect("w");
        f.write(a(2)).expect("w");
        f.write(a(3)).expect("w");
        assert_eq!(AnchorFile::read(dir.path()).expect("r"), Some(a(3)));
        // Tear the newest slot: the previous one is used.
        let file = File::options()
            .write(true)
            .open(dir.path().join("anchor"))
            .expect("f");
        file.write_all_at(b"garbage", SLOT).expect("tear");
        assert_eq!(AnchorFile::read(dir.path()).expect("r"), Some(a(2)));
        assert_eq!(
            AnchorFile::open(dir.path()).expect("open").current,
            Some(a(2))
        );
    }
}
