//! Storage of the directory of competent authorities (a sub-module of `storage`): per
//! State, the newest signed directory held (this node's own, and those taken from peers).
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `J` | State (ISO3) | the DSSE envelope as its origin signed it (entry bytes) |
//!
//! Like the roster (`F`), a directory is not written by the single writer: each change
//! is one compare-and-swap on the State's key, made durable before it is answered, so a
//! publication and a sync that race cannot overwrite each other.

use super::{StorageError, Store};

fn key(state: &str) -> Vec<u8> {
    let mut k = vec![b'J'];
    k.extend_from_slice(state.as_bytes());
    k
}

impl Store {
    /// The signed directory held for `state` (entry bytes of its envelope).
    pub fn directory(&self, state: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get(key(state))?.map(|v| v.to_vec()))
    }

    /// Every signed directory held, by State.
    pub fn directories(&self) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        self.db
            .scan_prefix([b'J'])
            .map(|kv| {
                let (k, v) = kv?;
                Ok((String::from_utf8_lossy(&k[1..]).into_owned(), v.to_vec()))
            })
            .collect()
    }

    /// Replaces the directory of `state` by `new`, durably, if the one stored is still
    /// `held`; false, writing nothing, when another change came first.
    pub fn swap_directory(
        &self,
        state: &str,
        held: Option<&[u8]>,
        new: &[u8],
    ) -> Result<bool, StorageError> {
        let swapped = self
            .db
            .compare_and_swap(key(state), held, Some(new))?
            .is_ok();
        if swapped {
            self.flush()?;
        }
        Ok(swapped)
    }
}
