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
pub fn verify(data: &Path, vkey: Option<&str>) -> Result<VerifyReport, VerifyError> {
    if !data.join("db").exists() {
        return Err(VerifyError::Storage(StorageError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} holds no vrs database", data.display()),
        ))));
    }
    let store = Store::open(data)?;
    let vkey = match vkey {
        Some(k) => k.to_owned(),
        None => store
            .verifier_key()?
            .ok_or_else(|| VerifyError::Key("none stored; pass --key".into()))?,
    };
    let verifiers =
        Verifiers::from_vkeys([vkey.as_str()]).map_err(|e| VerifyError::Key(e.to_string()))?;
    let size = store.size()?;
    // The anchor outside sled records the latest signed size and root: a database
    // that silently lost entries (sled drops what it takes for a torn write) is caught.
    let anchor = store.anchor();
    if let Some(a) = anchor
        && a.size > size
    {
        return Err(VerifyError::Mismatch {
            index: size,
            reason: format!(
                "TRUNCATED: a checkpoint of size {} was signed but the database holds {size} entries",
                a.size
            ),
        });
    }
    let mut tree = MemStore::new();
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
