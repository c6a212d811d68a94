//! What the ledger refuses, and why.

use super::*;
use crate::releases::ReleaseRefusal;

/// Why a request was refused. Each variant maps to one gRPC status in `grpc`.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Validation failures, every one with its field path.
    #[error("invalid report: {0}")]
    Invalid(Violations),
    /// One bad field.
    #[error("{field}: {message}")]
    BadField {
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The signature could not be tied to a valid registered key.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// The caller may not do this to what one field names.
    #[error("{field}: {message}")]
    Forbidden {
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The request conflicts with the log's state.
    #[error("{field}: {message}")]
    FailedPrecondition {
        /// Field path.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The thing to create exists.
    #[error("{0}")]
    AlreadyExists(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The node is shutting down.
    #[error("node is shutting down")]
    Unavailable,
    /// Storage failed; nothing was acknowledged.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

pub(super) fn bad(field: &str, message: impl Into<String>) -> LedgerError {
    LedgerError::BadField {
        field: field.into(),
        message: message.into(),
    }
}

pub(super) fn precondition(field: &str, message: impl Into<String>) -> LedgerError {
    LedgerError::FailedPrecondition {
        field: field.into(),
        message: message.into(),
    }
}

/// A refused release: the store's faults stay storage errors, the rest are the
/// request's (the period field).
impl From<ReleaseRefusal> for LedgerError {
    fn from(e: ReleaseRefusal) -> Self {
        match e {
            ReleaseRefusal::Storage(e) => LedgerError::Storage(e),
            e => LedgerError::FailedPrecondition {
                field: "period".into(),
                message: e.to_string(),
            },
        }
    }
}
