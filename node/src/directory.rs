//! The directory of competent authorities on a node (design 08-directory.md): this
//! State's directory, published by its admin and signed with the node key, and every
//! other State's, taken only when it verifies under that State's key and is strictly
//! newer than the one held.

use vrs_core::codes::Date;
use vrs_core::directory::{self, Directory, DirectoryError};
use vrs_core::envelope::Envelope;
use vrs_core::note::NoteSigner;

use crate::storage::{StorageError, Store};

/// Why a directory was not taken.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryRefusal {
    /// It does not verify, decode or validate, or is not newer.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// A node publishes its own State's directory only.
    #[error("this node publishes the directory of {node}, not of {state}")]
    NotOwnState {
        /// The node's State.
        node: String,
        /// The State the directory names.
        state: String,
    },
    /// Another change of the same State's directory came first.
    #[error("the directory of {0} changed meanwhile; read it again")]
    Raced(String),
    /// The store failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

/// A directory held: its contents and its envelope as signed.
pub struct Held {
    /// The contents (verified and validated when taken).
    pub directory: Directory,
    /// The envelope as its origin signed it.
    pub envelope: Envelope,
}

/// `d` may replace the directory held (`held`, its stored bytes): strictly newer, and
/// not issued before it (the issue day is what the signing key's validity is checked
/// against, so a key rotated out cannot sign a newer version dated back).
fn check_successor(held: Option<&[u8]>, d: &Directory) -> Result<(), DirectoryRefusal> {
    let Some(h) = held.map(decode_held).transpose()? else {
        return Ok(());
    };
    directory::check_newer(Some(h.directory.version), d.version)?;
    if d.issued_on < h.directory.issued_on {
        return Err(DirectoryError::IssuedBefore {
            held: h.directory.issued_on,
            issued: d.issued_on.clone(),
        }
        .into());
    }
    Ok(())
}

/// Reads back a stored directory (verified when it was stored; decoded again, not
/// verified again).
fn decode_held(bytes: &[u8]) -> Result<Held, StorageError> {
    let corrupt = |reason: String| StorageError::Corrupt {
        key: "J".into(),
        reason,
    };
    let envelope = Envelope::from_entry_bytes(bytes).map_err(|e| corrupt(e.to_string()))?;
    let directory =
        vrs_core::wire::decode_directory(&envelope.payload).map_err(|e| corrupt(e.to_string()))?;
    Ok(Held {
        directory,
        envelope,
    })
}

/// Publishes a new version of this node's State's directory: validated (dates up to
/// `today`), strictly newer than the one held, signed with the node key, stored durably.
pub fn publish(
    store: &Store,
    signer: &NoteSigner,
    state: &str,
    today: Date,
    d: &vrs_proto::v1::Directory,
) -> Result<Held, DirectoryRefusal> {
    let d = vrs_core::wire::directory_from_pb(d, Some(today))?;
    if d.state != state {
        return Err(DirectoryRefusal::NotOwnState {
            node: state.into(),
            state: d.state,
        });
    }
    let held = store.directory(state)?;
    check_successor(held.as_deref(), &d)?;
    let envelope = crate::releases::dsse_sign(
        signer,
        vrs_proto::DIRECTORY_PAYLOAD_TYPE,
        vrs_core::wire::encode_directory(&d),
    );
    if !store.swap_directory(state, held.as_deref(), &envelope.to_entry_bytes())? {
        return Err(DirectoryRefusal::Raced(state.into()));
    }
    Ok(Held {
        directory: d,
        envelope,
    })
}

/// Takes another State's signed directory (a peer's or a relay's), already verified
/// under its origin's key and opened as `d`, when strictly newer than the one held.
/// False when that very envelope is held already (identical re-delivery is a no-op).
pub fn take(store: &Store, envelope: &Envelope, d: &Directory) -> Result<bool, DirectoryRefusal> {
    let bytes = envelope.to_entry_bytes();
    let held = store.directory(&d.state)?;
    if held.as_deref() == Some(bytes.as_slice()) {
        return Ok(false);
    }
    check_successor(held.as_deref(), d)?;
    if !store.swap_directory(&d.state, held.as_deref(), &bytes)? {
        return Err(DirectoryRefusal::Raced(d.state.clone()));
    }
    Ok(true)
}

/// The digest of what `held` holds, as a puller sends it: SHA-256 over one line
/// `STATE:VERSION` per directory, in State order.
pub fn held_digest(held: &[Held]) -> [u8; 32] {
    let mut lines: Vec<String> = held
        .iter()
        .map(|h| format!("{}:{}\n", h.directory.state, h.directory.version))
        .collect();
    lines.sort();
    vrs_core::sha256(lines.concat().as_bytes())
}

/// The digest of every directory `store` holds ([`held_digest`] of [`list`]): what a
/// puller asks with and a peer compares with.
pub fn store_digest(store: &Store) -> Result<[u8; 32], StorageError> {
    Ok(held_digest(&list(store, None)?))
}

/// Every directory held (or the one of `state`), by State. One that no longer reads
/// back (a rule tightened since it was taken) is left out with a warning, so that it
/// does not stop the others being read or synced.
pub fn list(store: &Store, state: Option<&str>) -> Result<Vec<Held>, StorageError> {
    let stored = match state {
        Some(s) => store
            .directory(s)?
            .map(|b| (s.to_owned(), b))
            .into_iter()
            .collect(),
        None => store.directories()?,
    };
    Ok(stored
        .iter()
        .filter_map(|(s, b)| match decode_held(b) {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(state = %s, error = %e, "a stored directory does not read back; left out");
                None
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(signer: &NoteSigner, version: u32, issued: Date) -> (Envelope, Directory) {
        let mut d = Directory::template("GRC", issued);
        d.version = version;
        let env = crate::releases::dsse_sign(
            signer,
            vrs_proto::DIRECTORY_PAYLOAD_TYPE,
            vrs_core::wire::encode_directory(&d),
        );
        (env, d)
    }

    #[test]
    fn a_directory_is_taken_only_newer_and_not_dated_before_the_one_held() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        let (signer, _) = NoteSigner::generate("vrs.test/state/GRC").expect("key");
        let day = |d| Date::new(2026, 11, d).expect("day");
        let (v2, d2) = signed(&signer, 2, day(20));
        assert!(take(&store, &v2, &d2).expect("v2"));
        assert!(!take(&store, &v2, &d2).expect("again: a no-op"));
        let (v1, d1) = signed(&signer, 1, day(25));
        assert!(matches!(
            take(&store, &v1, &d1),
            Err(DirectoryRefusal::Directory(DirectoryError::NotNewer {
                held: 2,
                offered: 1
            }))
        ));
        // Newer, but dated before the one held (as a key rotated out would sign it).
        let (v3, d3) = signed(&signer, 3, day(10));
        assert!(matches!(
            take(&store, &v3, &d3),
            Err(DirectoryRefusal::Directory(
                DirectoryError::IssuedBefore { .. }
            ))
        ));
        let held = list(&store, Some("GRC")).expect("list");
        assert_eq!(held[0].directory.version, 2);
        let (v3, d3) = signed(&signer, 3, day(20));
        assert!(take(&store, &v3, &d3).expect("v3 the same day"));
    }
}
