//! The Merkle tree's stored nodes, and its right edge kept in memory (a sub-module of
//! `storage`).

use std::collections::HashMap;

use vrs_core::Hash;
use vrs_core::merkle::HashStore;

use super::{StorageError, Store, idx_key};

/// The roots of the perfect subtrees that make up the first `size` leaves (at most
/// 64), kept in memory: each append reads its left siblings from them, each root and
/// each receipt of a batch reads them, and from sled they are random reads that get
/// slower as the store grows. Stored nodes never change, so the copy is always right;
/// it is replaced after each commit, from the batch's new nodes.
#[derive(Debug, Default)]
pub(super) struct Frontier {
    size: u64,
    nodes: Vec<(u8, u64, Hash)>,
}

impl Frontier {
    pub(super) fn get(&self, level: u8, index: u64) -> Option<Hash> {
        self.nodes
            .iter()
            .find(|(l, i, _)| *l == level && *i == index)
            .map(|(_, _, h)| *h)
    }
}

impl Store {
    /// After a commit: the frontier of `size`, from the batch's new nodes, the previous
    /// frontier, or (the first time) the store.
    pub(super) fn advance_frontier(&self, size: u64, new: &HashMap<(u8, u64), Hash>) {
        let mut f = self.frontier.lock().unwrap_or_else(|p| p.into_inner());
        if f.size == size && !f.nodes.is_empty() {
            return;
        }
        let nodes: Option<Vec<_>> = vrs_core::merkle::perfect_subtrees(0, size)
            .map(|(level, index)| {
                new.get(&(level, index))
                    .copied()
                    .or_else(|| f.get(level, index))
                    .or_else(|| self.stored_node(level, index).ok())
                    .map(|h| (level, index, h))
            })
            .collect();
        // A node that cannot be read leaves the frontier empty: reads go to sled.
        *f = match nodes {
            Some(nodes) => Frontier { size, nodes },
            None => Frontier::default(),
        };
    }
}

/// The log index whose append completes the perfect subtree `(level, index)`: its
/// last leaf. Every node is stored under that entry's `M` key (one key per entry).
fn completing_leaf(level: u8, index: u64) -> Option<u64> {
    let width = 1u64.checked_shl(u32::from(level))?;
    index.checked_add(1)?.checked_mul(width)?.checked_sub(1)
}

impl HashStore for Store {
    type Error = StorageError;

    fn get(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        let cached = self
            .frontier
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(level, index);
        match cached {
            Some(h) => Ok(h),
            None => self.stored_node(level, index),
        }
    }
}

impl Store {
    /// A stored tree node, read from sled.
    fn stored_node(&self, level: u8, index: u64) -> Result<Hash, StorageError> {
        let missing = StorageError::MissingNode { level, index };
        let leaf = completing_leaf(level, index).ok_or(missing)?;
        let v = self
            .db
            .get(idx_key(b'M', leaf))?
            .ok_or(StorageError::MissingNode { level, index })?;
        let at = usize::from(level) * 32;
        v.get(at..at + 32)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| StorageError::Corrupt {
                key: format!("M/{leaf}"),
                reason: format!("{} bytes hold no level-{level} node", v.len()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrs_core::merkle;

    #[test]
    fn the_frontier_after_each_commit_is_the_stored_right_edge() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        for n in 0..37u64 {
            let mut b = store.batch().expect("batch");
            for k in 0..(n % 4) {
                let e = format!("entry {n}.{k}").into_bytes();
                b.append(&e, merkle::leaf_hash(&e)).expect("append");
            }
            store.commit(b).expect("commit");
            let size = store.size().expect("size");
            let f = store.frontier.lock().expect("lock");
            assert_eq!(f.size, size);
            for (level, index) in vrs_core::merkle::perfect_subtrees(0, size) {
                let cached = f.get(level, index).expect("in the frontier");
                assert_eq!(cached, store.stored_node(level, index).expect("stored"));
            }
            drop(f);
            // Roots read through the frontier agree with the ones recomputed from sled.
            assert_eq!(
                merkle::root(&store, size).expect("root"),
                merkle::root(&Sled(&store), size).expect("root")
            );
        }
    }

    /// The store read from sled only.
    struct Sled<'a>(&'a Store);

    impl merkle::HashStore for Sled<'_> {
        type Error = crate::storage::StorageError;
        fn get(&self, level: u8, index: u64) -> Result<Hash, Self::Error> {
            self.0.stored_node(level, index)
        }
    }
}
