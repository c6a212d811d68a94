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

fn held_version(bytes: Option<&[u8]>) -> Result<Option<u32>, StorageError> {
    bytes
        .map(|b| decode_held(b).map(|h| h.directory.version))
        .transpose()
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
    directory::check_newer(held_version(held.as_deref())?, d.version)?;
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
    directory::check_newer(held_version(held.as_deref())?, d.version)?;
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

/// Every directory held (or the one of `state`), by State.
pub fn list(store: &Store, state: Option<&str>) -> Result<Vec<Held>, StorageError> {
    match state {
        Some(s) => store
            .directory(s)?
            .map(|b| decode_held(&b))
            .into_iter()
            .collect(),
        None => store
            .directories()?
            .iter()
            .map(|(_, b)| decode_held(b))
            .collect(),
    }
}
