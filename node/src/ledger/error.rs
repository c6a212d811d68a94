//! What the ledger refuses, and why: each refusal is a fact about the request or the
//! log, with the values that make it (`KeyRevoked { at }`, `NotLatest { latest, .. }`),
//! so that a rule is tested by its variant. Which gRPC status a fact is, is decided in
//! one place, `From<LedgerError> for Status` in `grpc`; [`LedgerError::field`] names the
//! field at fault for its details.

use vrs_core::Hash;
use vrs_core::validate::Violations;

use crate::releases::ReleaseRefusal;
use crate::storage::StorageError;

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The report breaks rules of `vrs_core::validate`, every one with its field path.
    #[error("invalid report: {0}")]
    Invalid(Violations),
    /// The envelope's payload type is not a report's.
    #[error("must be {}", vrs_proto::REPORT_PAYLOAD_TYPE)]
    WrongPayloadType,
    /// The payload is larger than the node accepts.
    #[error("{size} bytes, at most {max} allowed")]
    PayloadTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The envelope carries no signature.
    #[error("no signature")]
    NoSignature,
    /// The envelope carries more signatures than any report needs.
    #[error("too many signatures")]
    TooManySignatures,
    /// The payload is not a report message.
    #[error("{0}")]
    Undecodable(String),
    /// The payload names another key than the one it is signed with.
    #[error("payload names key {named} but the envelope is signed with key {signed}")]
    KeyIdMismatch {
        /// The key the payload names.
        named: String,
        /// The key whose signature verified.
        signed: String,
    },
    /// An identifier is not 1 to 64 characters of `[A-Za-z0-9._-]`.
    #[error("{value:?} must be 1 to 64 characters of [A-Za-z0-9._-]")]
    BadId {
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A public key of the wrong length.
    #[error("an Ed25519 public key is 32 bytes")]
    BadPublicKey,
    /// The signing key was revoked.
    #[error(
        "key {key_id}{} was revoked at log index {at}",
        of_focal_point(focal_point_id)
    )]
    KeyRevoked {
        /// The key.
        key_id: String,
        /// Its focal point, when the key was found through it.
        focal_point_id: Option<String>,
        /// The index of the revocation entry.
        at: u64,
    },
    /// No valid registered key of the focal point verifies the signature.
    #[error(
        "the signature does not verify under any valid registered key of focal point {focal_point_id}"
    )]
    NoValidKey {
        /// The focal point of the submitter's certificate.
        focal_point_id: String,
    },
    /// The signing key is not registered.
    #[error("key {key_id} is not registered")]
    SigningKeyUnknown {
        /// The key.
        key_id: String,
    },
    /// A key id to register is taken.
    #[error("key id {key_id} is already registered")]
    KeyExists {
        /// The key.
        key_id: String,
    },
    /// A key id to revoke is not registered.
    #[error("key id {key_id} is not registered")]
    KeyNotFound {
        /// The key.
        key_id: String,
    },
    /// A key to revoke was revoked before.
    #[error("key {key_id} was already revoked at log index {at}")]
    AlreadyRevoked {
        /// The key.
        key_id: String,
        /// The index of the revocation entry.
        at: u64,
    },
    /// The report is not the submitter's State's, or not this node's.
    #[error(
        "reporting_state {reported} does not match the submitter's State {submitter} on node {node}"
    )]
    WrongState {
        /// The State the report names.
        reported: String,
        /// The State of the submitter's certificate.
        submitter: String,
        /// This node's State.
        node: String,
    },
    /// The report names another focal point than the submitter's certificate.
    #[error("focal_point_id {reported} does not match the submitter's certificate ({certificate})")]
    WrongFocalPoint {
        /// The focal point the report names.
        reported: String,
        /// The focal point of the certificate.
        certificate: String,
    },
    /// Only a report's author amends or retracts it.
    #[error(
        "report {report_id} was written by focal point {author}; only its author may amend or retract it, not {caller}"
    )]
    NotAuthor {
        /// The report.
        report_id: String,
        /// Its author.
        author: String,
        /// The submitter.
        caller: String,
    },
    /// A later version of a report this node does not hold.
    #[error("report {report_id} has no earlier version on this node")]
    NoEarlierVersion {
        /// The report.
        report_id: String,
    },
    /// A first version of a report that exists.
    #[error(
        "report {report_id} already exists (latest version {latest}); a new version must supersede it"
    )]
    ReportExists {
        /// The report.
        report_id: String,
        /// Its latest version.
        latest: u32,
    },
    /// A new version that does not supersede the latest.
    #[error(
        "{} is not the digest of the latest version {latest_version} ({})",
        vrs_core::hex(offered),
        vrs_core::hex(latest)
    )]
    NotLatest {
        /// The digest the new version supersedes.
        offered: Vec<u8>,
        /// The latest version.
        latest_version: u32,
        /// Its digest.
        latest: Hash,
    },
    /// A new version whose number does not follow the latest.
    #[error("must be {} (latest is {latest})", latest + 1)]
    WrongVersion {
        /// The latest version.
        latest: u32,
    },
    /// No log entry at an index.
    #[error("no entry at log index {index}")]
    NoEntry {
        /// The index.
        index: u64,
    },
    /// A release cannot be made (its storage faults are [`LedgerError::Storage`]).
    #[error(transparent)]
    Release(ReleaseRefusal),
    /// The node is shutting down.
    #[error("node is shutting down")]
    ShuttingDown,
    /// Storage failed; nothing was acknowledged.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

fn of_focal_point(fp: &Option<String>) -> String {
    fp.as_ref()
        .map(|f| format!(" of focal point {f}"))
        .unwrap_or_default()
}

impl LedgerError {
    /// The field of the request at fault, when one is.
    pub fn field(&self) -> Option<&'static str> {
        use LedgerError as E;
        Some(match self {
            E::WrongPayloadType => "envelope.payload_type",
            E::PayloadTooLarge { .. } | E::Undecodable(_) => "envelope.payload",
            E::NoSignature | E::TooManySignatures => "envelope.signatures",
            E::KeyIdMismatch { .. } | E::AlreadyRevoked { .. } => "key_id",
            E::BadId { field, .. } => field,
            E::BadPublicKey => "public_key",
            E::NotAuthor { .. } | E::NoEarlierVersion { .. } | E::NotLatest { .. } => "supersedes",
            E::WrongVersion { .. } => "version",
            E::Release(_) => "period",
            _ => return None,
        })
    }
}

/// A refused release: the store's faults stay storage errors.
impl From<ReleaseRefusal> for LedgerError {
    fn from(e: ReleaseRefusal) -> Self {
        match e {
            ReleaseRefusal::Storage(e) => LedgerError::Storage(e),
            e => LedgerError::Release(e),
        }
    }
}
