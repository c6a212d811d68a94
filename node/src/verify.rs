//! `vrs-node verify`: recompute the whole log from the stored entries and check it
//! against the stored hashes and every signed checkpoint; report the first bad index.

use std::fmt;
use std::path::Path;

use vrs_core::merkle::{self, HashStore as _, MemStore};
use vrs_core::note::{Verifiers, open_checkpoint};

use crate::storage::{StorageError, Store};

/// What a successful verification established.
#[derive(Debug)]
pub struct VerifyReport {
    /// Entries checked.
    pub size: u64,
    /// Root recomputed from the entries.
    pub root: vrs_core::Hash,
    /// Signed checkpoints checked against the recomputed tree.
    pub checkpoints: usize,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok: {} entries; root {} recomputed from the entries matches the latest signed checkpoint; {} signed checkpoints consistent",
            self.size,
            vrs_core::hex(&self.root),
            self.checkpoints
        )
    }
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The database could not be read.
    #[error("cannot read the database: {0}")]
    Storage(#[from] StorageError),
    /// No usable verifier key.
    #[error("verifier key: {0}")]
    Key(String),
    /// The log does not match: tampering or corruption.
    #[error("MISMATCH at log index {index}: {reason}")]
    Mismatch {
        /// First bad index.
        index: u64,
        /// What differs.
        reason: String,
    },
    /// A signed checkpoint does not verify or does not match the recomputed tree.
    #[error("BAD CHECKPOINT at size {size}: {reason}")]
    Checkpoint {
        /// Its tree size.
        size: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Verifies the log in `data` (the node must be stopped: sled locks its directory).
/// A damaged database is reported as such, never a panic.
pub fn verify(data: &Path, vkey: Option<&str>) -> Result<VerifyReport, VerifyError> {
    if !data.join("db").exists() {
        return Err(VerifyError::Storage(StorageError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} holds no vrs database", data.display()),
        ))));
    }
    let store = Store::open(data)?;
    crate::storage::catch_damage("reading", || verify_store(&store, vkey))?
}

fn truncated(size: u64, anchored: u64) -> VerifyError {
    VerifyError::Mismatch {
        index: size,
        reason: format!(
            "TRUNCATED: a checkpoint of size {anchored} was signed but the database holds {size} entries"
        ),
    }
}

/// The leaf-hash index's run of each full bucket must be the one its entries give.
fn check_leaf_index(
    store: &Store,
    index: u64,
    leaf: vrs_core::Hash,
    bucket_leaves: &mut Vec<vrs_core::Hash>,
) -> Result<(), VerifyError> {
    use crate::storage::leaves::BUCKET;
    bucket_leaves.push(leaf);
    if (index + 1).is_multiple_of(BUCKET) {
        let bucket = index / BUCKET;
        if !store.leaf_run_matches(bucket, bucket_leaves)? {
            return Err(VerifyError::Mismatch {
                index,
                reason: format!(
                    "the leaf-hash index of entries {} to {index} is not the one they give",
                    bucket * BUCKET
                ),
            });
        }
        bucket_leaves.clear();
    }
    Ok(())
}

fn verify_store(store: &Store, vkey: Option<&str>) -> Result<VerifyReport, VerifyError> {
    let size = store.size()?;
    // The anchor outside sled records the latest signed size and root: a database
    // that silently lost entries (sled drops what it takes for a torn write, and
    // opens a data file cut short as an empty one) is caught, before anything that
    // the lost part held (the verifier key) is needed.
    let anchor = store.anchor();
    if let Some(a) = anchor
        && a.size > size
    {
        return Err(truncated(size, a.size));
    }
    let verifiers = node_keys(store, vkey)?;
    let mut tree = MemStore::new();
    let mut bucket_leaves = Vec::new();
    for index in 0..size {
        let entry = store.entry(index)?.ok_or_else(|| VerifyError::Mismatch {
            index,
            reason: "entry is missing".into(),
        })?;
        let leaf = merkle::leaf_hash(&entry);
        let stored = store.get(0, index)?;
        if stored != leaf {
            return Err(VerifyError::Mismatch {
                index,
                reason: format!(
                    "entry hashes to {} but the log recorded {}",
                    vrs_core::hex(&leaf),
                    vrs_core::hex(&stored)
                ),
            });
        }
        tree.push(leaf);
        check_leaf_index(store, index, leaf, &mut bucket_leaves)?;
        // The inner nodes this entry completed, which inclusion and consistency proofs
        // are built from, must be the recomputed ones too.
        let mut level = 1u8;
        while level < 64 && (index + 1) % (1u64 << level) == 0 {
            let at = ((index + 1) >> level) - 1;
            let stored = store.get(level, at)?;
            let expected = tree.get(level, at).map_err(|e| VerifyError::Mismatch {
                index,
                reason: e.to_string(),
            })?;
            if stored != expected {
                return Err(VerifyError::Mismatch {
                    index,
                    reason: format!(
                        "the stored Merkle node level {level} index {at} is {} but the entries give {}",
                        vrs_core::hex(&stored),
                        vrs_core::hex(&expected)
                    ),
                });
            }
            level += 1;
        }
    }
    let mut checkpoints = 0;
    for item in store.checkpoints() {
        let (cp_size, note) = item?;
        let bad = |reason: String| VerifyError::Checkpoint {
            size: cp_size,
            reason,
        };
        let cp = open_checkpoint(&note, &verifiers).map_err(|e| bad(e.to_string()))?;
        if cp.checkpoint.size != cp_size || cp_size > size {
            return Err(bad(format!(
                "checkpoint says size {}, log holds {size}",
                cp.checkpoint.size
            )));
        }
        let root = if cp_size == 0 {
            merkle::empty_root()
        } else {
            merkle::root(&tree, cp_size).map_err(|e| bad(e.to_string()))?
        };
        if root != cp.checkpoint.root {
            return Err(bad(format!(
                "signed root {} but the entries give {}",
                vrs_core::hex(&cp.checkpoint.root),
                vrs_core::hex(&root)
            )));
        }
        checkpoints += 1;
    }
    let latest = store
        .checkpoint()?
        .ok_or_else(|| VerifyError::Key("no signed checkpoint stored".into()))?;
    let cp = open_checkpoint(&latest, &verifiers).map_err(|e| VerifyError::Checkpoint {
        size,
        reason: e.to_string(),
    })?;
    let root = if size == 0 {
        merkle::empty_root()
    } else {
        merkle::root(&tree, size).map_err(|e| VerifyError::Checkpoint {
            size,
            reason: e.to_string(),
        })?
    };
    if cp.checkpoint.size != size || cp.checkpoint.root != root {
        return Err(VerifyError::Checkpoint {
            size: cp.checkpoint.size,
            reason: format!(
                "latest checkpoint (size {}) does not match the {size} stored entries",
                cp.checkpoint.size
            ),
        });
    }
    if let Some(a) = anchor {
        let at = if a.size == 0 {
            merkle::empty_root()
        } else {
            merkle::root(&tree, a.size).map_err(|e| VerifyError::Checkpoint {
                size: a.size,
                reason: e.to_string(),
            })?
        };
        if at != a.root {
            return Err(VerifyError::Checkpoint {
                size: a.size,
                reason: "the entries give another root than the anchored signed one".into(),
            });
        }
    }
    Ok(VerifyReport {
        size,
        root,
        checkpoints,
    })
}

/// `vkey`, or else every key the node has had: checkpoints of earlier sizes may be
/// signed by a key rotated out since.
fn node_keys(store: &Store, vkey: Option<&str>) -> Result<Verifiers, VerifyError> {
    let vkeys = match vkey {
        Some(k) => vec![k.to_owned()],
        None => store.verifier_keys()?,
    };
    if vkeys.is_empty() {
        return Err(VerifyError::Key("none stored; pass --key".into()));
    }
    Verifiers::from_vkeys(&vkeys).map_err(|e| VerifyError::Key(e.to_string()))
}

/// What the node checks at start-up, cheaply (O(batch + log n) reads): the latest
/// signed checkpoint verifies under the node key, is of the database's size, and its
/// root is the one recomputed from the entries of the last group commit (on top of the
/// stored nodes left of it); the anchor check ([`Store::check_anchor`]) comes first.
/// A database that fails it is one `vrs-node verify` rejects: the node must not serve it.
/// The checkpoint may be signed by the node key or by the key recorded in the database
/// (the one before a rotation).
pub fn check_at_start(store: &Store, vkey: &str) -> Result<(), VerifyError> {
    crate::storage::catch_damage("reading", || check_latest_batch(store, vkey))?
}

fn check_latest_batch(store: &Store, vkey: &str) -> Result<(), VerifyError> {
    let stored = store.verifier_key()?;
    let size = store.size()?;
    if let Some(a) = store.anchor()
        && a.size > size
    {
        return Err(truncated(size, a.size));
    }
    let Some(latest) = store.checkpoint()? else {
        return match size {
            0 => Ok(()),
            _ => Err(VerifyError::Checkpoint {
                size,
                reason: "no signed checkpoint is stored".into(),
            }),
        };
    };
    let keys: Vec<&str> = std::iter::once(vkey)
        .chain(stored.as_deref().filter(|k| *k != vkey))
        .collect();
    let verifiers = Verifiers::from_vkeys(keys).map_err(|e| VerifyError::Key(e.to_string()))?;
    let bad = |reason: String| VerifyError::Checkpoint { size, reason };
    let cp = open_checkpoint(&latest, &verifiers)
        .map_err(|e| bad(format!("the latest checkpoint does not verify: {e}")))?
        .checkpoint;
    if cp.size != size {
        return Err(bad(format!(
            "the latest checkpoint is of size {} but the database holds {size} entries",
            cp.size
        )));
    }
    // The last group commit: from the checkpoint before the latest one.
    let from = store.checkpoint_before(size)?.map_or(0, |(s, _)| s);
    let mut pending = Overlay {
        store,
        nodes: std::collections::HashMap::new(),
    };
    for index in from..size {
        let entry = store.entry(index)?.ok_or_else(|| VerifyError::Mismatch {
            index,
            reason: "entry is missing".into(),
        })?;
        let leaf = merkle::leaf_hash(&entry);
        if store.get(0, index)? != leaf {
            return Err(VerifyError::Mismatch {
                index,
                reason: "the entry does not hash to the leaf the log recorded".into(),
            });
        }
        let nodes =
            merkle::append_nodes(&pending, index, leaf).map_err(|e| VerifyError::Mismatch {
                index,
                reason: e.to_string(),
            })?;
        for (level, at, h) in nodes {
            pending.nodes.insert((level, at), h);
        }
    }
    let root = if size == 0 {
        merkle::empty_root()
    } else {
        merkle::root(&pending, size).map_err(|e| bad(e.to_string()))?
    };
    if root != cp.root {
        return Err(bad(format!(
            "the entries of the last group commit (log index {from} to {}) give root {}, not the signed {}",
            size.saturating_sub(1),
            vrs_core::hex(&root),
            vrs_core::hex(&cp.root)
        )));
    }
    Ok(())
}

/// The stored Merkle nodes, under the ones recomputed from the last batch's entries.
struct Overlay<'a> {
    store: &'a Store,
    nodes: std::collections::HashMap<(u8, u64), vrs_core::Hash>,
}

impl merkle::HashStore for Overlay<'_> {
    type Error = StorageError;

    fn get(&self, level: u8, index: u64) -> Result<vrs_core::Hash, StorageError> {
        match self.nodes.get(&(level, index)) {
            Some(h) => Ok(*h),
            None => self.store.get(level, index),
        }
    }
}
