//! What a sync attempt fails with, and why a peer's release is refused: typed, so that
//! a rule is tested by its variant and not by matching text. The `Display` texts are
//! what `PeerStatus.last_error` and `PeerStatus.rejected` carry on the wire.

use crate::ledger::LedgerError;
use crate::storage::StorageError;
use crate::witness::WitnessError;

/// Why one attempt at a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The peer's endpoint is not a usable URI.
    #[error("endpoint: {0}")]
    Endpoint(String),
    /// TCP, TLS or the peer's certificate failed.
    #[error("connecting to {endpoint}: {reason}")]
    Connect {
        /// The endpoint dialled.
        endpoint: String,
        /// What failed.
        reason: String,
    },
    /// The peer's deadline passed before the attempt ended.
    #[error("deadline of {0} s passed")]
    Deadline(u64),
    /// The peer answered a call with an error status.
    #[error("{call}: {message}")]
    Rpc {
        /// The call (`manifest`, `fetch`, `checkpoint`, `consistency proof`, `cosign`).
        call: &'static str,
        /// Its status code.
        code: tonic::Code,
        /// Its message.
        message: String,
    },
    /// The peer's manifest cursor is not one it could have issued.
    #[error("peer sent a bad cursor")]
    BadCursor,
    /// A hash of the peer's consistency proof is not 32 bytes.
    #[error("bad proof hash")]
    BadProofHash,
    /// No pinned key for the peer.
    #[error("no pinned key for {0}")]
    NoPinnedKey(String),
    /// This node has no checkpoint to be cosigned yet.
    #[error("no checkpoint")]
    NoCheckpoint,
    /// This node's own key or checkpoint cannot be read.
    #[error("this node's own key or checkpoint: {0}")]
    Own(String),
    /// The peer's cosignature of this node's checkpoint does not verify.
    #[error("the peer's cosignature does not verify: {0}")]
    BadCosignature(String),
    /// The peer answered twice without a cosignature.
    #[error("the peer did not cosign")]
    NotCosigned,
    /// Witnessing the peer's log failed (an `EQUIVOCATION` among them).
    #[error(transparent)]
    Witness(#[from] WitnessError),
    /// This node's storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// This node's writer failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// No attempt ran.
    #[error("not attempted")]
    NotAttempted,
}

impl SyncError {
    /// The peer showed a split view of its log: not transient, never retried.
    pub fn is_equivocation(&self) -> bool {
        matches!(
            self,
            SyncError::Witness(WitnessError::Rollback { .. } | WitnessError::Inconsistent { .. })
        )
    }

    /// The error of a call to the peer.
    pub fn rpc(call: &'static str) -> impl FnOnce(tonic::Status) -> SyncError {
        move |s| SyncError::Rpc {
            call,
            code: s.code(),
            message: s.message().to_owned(),
        }
    }
}

/// Why one release a peer offered was not stored (the others of the run go on).
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    /// The manifest announced a digest that is not 32 bytes.
    #[error("{what}: bad digest")]
    BadDigest {
        /// Origin, table and period as announced.
        what: String,
    },
    /// The peer sent a release this node did not ask for.
    #[error("a release that was not asked for")]
    NotAskedFor,
    /// The peer sent no envelope.
    #[error("{what}: empty")]
    Empty {
        /// The release as announced.
        what: String,
    },
    /// The bytes do not hash to the digest of the manifest.
    #[error("{what}: bytes do not match the manifest digest")]
    DigestMismatch {
        /// The release as announced.
        what: String,
    },
    /// The origin has no pinned key here.
    #[error("{what}: origin {origin} is not in the federation")]
    UnknownOrigin {
        /// The release as announced.
        what: String,
        /// Its origin.
        origin: String,
    },
    /// The release does not verify under its origin's key, or does not decode.
    #[error("{what}: refused: {reason}")]
    Refused {
        /// The release as announced.
        what: String,
        /// Why.
        reason: vrs_core::release::ReleaseError,
    },
    /// The release verifies under a key of its origin that was not valid when the
    /// release says it was computed (a rotated key).
    #[error("{what}: signed by a key of {origin} that was not valid at {computed_at}")]
    KeyNotValid {
        /// The release as announced.
        what: String,
        /// Its origin.
        origin: String,
        /// When it says it was computed.
        computed_at: String,
    },
    /// The peer offered a roster that this node does not take.
    #[error("roster offered: {0}")]
    Roster(String),
    /// The signed release is another one than the manifest announced.
    #[error("{what}: the signed release is not what the manifest announced")]
    NotAsAnnounced {
        /// The release as announced.
        what: String,
    },
    /// A peer offered a release of this node's own State.
    #[error("a peer cannot make releases of this node's own State")]
    OwnState,
    /// A directory of competent authorities that this node does not take.
    #[error("directory of {state}: {reason}")]
    Directory {
        /// The State whose directory it says it is.
        state: String,
        /// Why it was refused.
        reason: String,
    },
    /// A version not strictly newer than the one held.
    #[error("{what} version {version} is not newer than the held version {held}")]
    NotNewer {
        /// Origin, table and period.
        what: String,
        /// The version offered.
        version: u32,
        /// The version held.
        held: u32,
    },
    /// This node's storage failed while checking it.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_split_view_is_an_equivocation() {
        let rollback = SyncError::Witness(WitnessError::Rollback {
            origin: "THA".into(),
            held: 20,
            new: 15,
        });
        assert!(rollback.is_equivocation());
        assert!(rollback.to_string().starts_with("EQUIVOCATION"));
        let stale = SyncError::Witness(WitnessError::StaleOldSize {
            held: 20,
            claimed: 15,
        });
        assert!(!stale.is_equivocation());
        assert!(!SyncError::Deadline(4).is_equivocation());
    }

    #[test]
    fn the_wire_texts_stay_what_operators_read() {
        assert_eq!(SyncError::Deadline(4).to_string(), "deadline of 4 s passed");
        let e = SyncError::rpc("manifest")(tonic::Status::unavailable("down"));
        assert!(matches!(
            e,
            SyncError::Rpc {
                call: "manifest",
                code: tonic::Code::Unavailable,
                ..
            }
        ));
        assert_eq!(e.to_string(), "manifest: down");
        let r = Rejection::NotNewer {
            what: "IDN MOVEMENTS 2026-M03".into(),
            version: 1,
            held: 2,
        };
        assert_eq!(
            r.to_string(),
            "IDN MOVEMENTS 2026-M03 version 1 is not newer than the held version 2"
        );
    }
}
