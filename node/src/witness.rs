//! Witnessing a peer's log (C2SP tlog-witness semantics, pull and push alike): keep
//! the largest checkpoint verified under the peer's pinned key; accept a new one only
//! with a consistency proof from it; refuse, and raise an alarm naming both
//! checkpoints, when the proof does not verify (a split view).

use vrs_core::Hash;
use vrs_core::merkle::{empty_root, verify_consistency};
use vrs_core::note::{Checkpoint, Verifiers, open_checkpoint};

use crate::storage::Store;

/// Why a checkpoint was not witnessed.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The note does not verify under the peer's pinned key.
    #[error("checkpoint does not verify under the pinned key: {0}")]
    BadNote(String),
    /// The caller's idea of what this witness holds is stale.
    #[error("this witness holds size {held}, not {claimed}")]
    StaleOldSize {
        /// Size held.
        held: u64,
        /// Size the caller assumed.
        claimed: u64,
    },
    /// The new checkpoint is smaller than the one held.
    #[error(
        "EQUIVOCATION: checkpoint of size {new} is older than the witnessed size {held} of {origin}"
    )]
    Rollback {
        /// The log.
        origin: String,
        /// Held size.
        held: u64,
        /// Offered size.
        new: u64,
    },
    /// The consistency proof does not verify: the log showed two inconsistent views.
    #[error(
        "EQUIVOCATION: {origin} checkpoint {new_size} ({new_root}) is not consistent with witnessed checkpoint {held_size} ({held_root}): {reason}"
    )]
    Inconsistent {
        /// The log.
        origin: String,
        /// Held size.
        held_size: u64,
        /// Held root (hex).
        held_root: String,
        /// Offered size.
        new_size: u64,
        /// Offered root (hex).
        new_root: String,
        /// What failed.
        reason: String,
    },
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

/// What this witness holds of `origin`: (size, root).
pub fn held(store: &Store, origin: &str) -> Result<(u64, Hash), WitnessError> {
    held_of(store.witnessed(origin)?.as_deref())
}

/// The (size, root) of a held checkpoint note. It was verified when it was stored and
/// is not verified again: a key the roster has dropped since must not make the log
/// unwitnessable.
pub fn held_of(note: Option<&str>) -> Result<(u64, Hash), WitnessError> {
    match note {
        Some(note) => {
            tree_head(note).map_err(|e| WitnessError::BadNote(format!("the held checkpoint: {e}")))
        }
        None => Ok((0, empty_root())),
    }
}

/// The (size, root) a checkpoint note states, read without verifying any signature
/// (what [`witness`] is then given is verified there).
pub fn tree_head(note: &str) -> Result<(u64, Hash), vrs_core::note::NoteError> {
    let parsed = vrs_core::note::parse_note(note)?;
    let cp = vrs_core::note::Checkpoint::parse_body(&parsed.text)?;
    Ok((cp.size, cp.root))
}

/// The keys a peer's log is witnessed under.
pub struct PeerKeys {
    /// Its keys valid now: a checkpoint offered now must verify under one of them (the
    /// checkpoint held is not verified again: see [`held_of`]).
    pub now: Verifiers,
}

/// Verifies `note` under `keys.now` (the peer's keys valid now) and, with `proof` from
/// the held size `old_size`, advances the witnessed checkpoint. Returns the checkpoint.
/// An inconsistency is recorded as an alarm before it is returned.
///
/// The Cosign RPC (a peer's push) and this node's own pull can witness the same log at
/// once: the held checkpoint is replaced by a compare-and-swap against the very one it
/// was checked against, so a larger checkpoint verified meanwhile is never overwritten
/// by a smaller one; the loser gets [`WitnessError::StaleOldSize`] with the size now
/// held, and may try again from it.
pub fn witness(
    store: &Store,
    keys: &PeerKeys,
    note: &str,
    old_size: u64,
    proof: &[Hash],
    now: u64,
) -> Result<Checkpoint, WitnessError> {
    let opened =
        open_checkpoint(note, &keys.now).map_err(|e| WitnessError::BadNote(e.to_string()))?;
    // The log a checkpoint names is the log of the key that signed it: a peer cannot
    // have another State's log witnessed (and cosigned) under its own key.
    if !opened
        .log_signatures()
        .any(|s| s.signature.name == opened.checkpoint.origin)
    {
        return Err(WitnessError::BadNote(format!(
            "the checkpoint names the log {:?}, which is not the signer's",
            opened.checkpoint.origin
        )));
    }
    let cp = opened.checkpoint;
    let stored = store.witnessed(&cp.origin)?;
    let (held_size, held_root) = held_of(stored.as_deref())?;
    if old_size != held_size {
        return Err(WitnessError::StaleOldSize {
            held: held_size,
            claimed: old_size,
        });
    }
    let err = if cp.size < held_size {
        Some(WitnessError::Rollback {
            origin: cp.origin.clone(),
            held: held_size,
            new: cp.size,
        })
    } else {
        verify_consistency(held_size, cp.size, &held_root, &cp.root, proof)
            .err()
            .map(|e| WitnessError::Inconsistent {
                origin: cp.origin.clone(),
                held_size,
                held_root: vrs_core::hex(&held_root),
                new_size: cp.size,
                new_root: vrs_core::hex(&cp.root),
                reason: e.to_string(),
            })
    };
    if let Some(e) = err {
        tracing::error!(alarm = %e, "witness refused a checkpoint");
        store.add_alarm(now, &e.to_string())?;
        return Err(e);
    }
    if cp.size > held_size && !store.swap_witnessed(&cp.origin, stored.as_deref(), note)? {
        let (held, _) = held(store, &cp.origin)?;
        return Err(WitnessError::StaleOldSize {
            held,
            claimed: old_size,
        });
    }
    Ok(cp)
}
