//! The gRPC layer: the only module that implements tonic services. Every handler
//! first authorizes the caller (role from its client certificate, see [`crate::tls`]),
//! then checks and converts its input, then calls the ledger or the store.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt as _};
use vrs_core::envelope::Envelope;
use vrs_core::note::{Verifiers, open_checkpoint};
use vrs_core::receipt::Receipt;
use vrs_proto::v1 as pb;

use crate::ledger::{Accepted, Ledger, LedgerError, Submitter};
use crate::metrics::{Metrics, SubmitOutcome};
use crate::storage::{KeyRecord, StorageError};
use crate::tls::{PeerInfo, Role};

mod admin;
mod aggregates;
mod directory;
mod federation;
mod log;
mod reports;
mod sync;

/// The kinds of caller an RPC may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    /// A focal point of this node's State.
    OwnFocalPoint,
    /// This node's admin.
    OwnAdmin,
    /// Another State's node.
    PeerNode,
    /// A regional secretariat.
    Secretariat,
}

/// Returns the caller's role if it is one of `allowed` for this node's `state`.
pub fn authorize<T>(req: &Request<T>, state: &str, allowed: &[Allow]) -> Result<Role, Status> {
    let role = req
        .extensions()
        .get::<PeerInfo>()
        .and_then(|p| p.role.clone())
        .ok_or_else(|| {
            Status::unauthenticated("no verified client certificate with a vrs:// SAN URI")
        })?;
    let kind = match &role {
        Role::FocalPoint { state: s, .. } if s == state => Some(Allow::OwnFocalPoint),
        Role::Admin { state: s } if s == state => Some(Allow::OwnAdmin),
        Role::Node { state: s } if s != state => Some(Allow::PeerNode),
        // The operator of a secretariat's node is the secretariat itself.
        Role::Secretariat { id } if state.strip_prefix("secretariat:") == Some(id.as_str()) => {
            Some(Allow::OwnAdmin)
        }
        Role::Secretariat { .. } => Some(Allow::Secretariat),
        _ => None,
    };
    match kind {
        Some(k) if allowed.contains(&k) => Ok(role),
        _ => Err(Status::permission_denied(format!(
            "{role} may not call this method on the node of {state}"
        ))),
    }
}

/// Longest status message sent (`grpc-message`).
pub const MAX_ERROR_MESSAGE: usize = 2 * 1024;
/// Most bytes of field violations in one error's details (`grpc-status-details-bin`,
/// sent base64: a third more). With the message, an error answer stays under the
/// 16 KiB of headers that HTTP/2 clients accept by default (hyper's limit), far under
/// 64 KiB, whatever the request held.
pub const MAX_ERROR_DETAILS: usize = 10 * 1024;
/// Longest field path or description of one violation.
const MAX_VIOLATION_TEXT: usize = 256;
/// Longest message of an error with field violations.
const MAX_INVALID_MESSAGE: usize = 512;

/// `s` cut to at most `max` bytes (at a character boundary), with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut cut = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

/// An error with one field violation (`google.rpc.BadRequest`), both bounded.
fn field_status(code: Code, field: &str, message: &str) -> Status {
    let field = clip(field, MAX_VIOLATION_TEXT);
    let message = clip(message, MAX_ERROR_MESSAGE);
    let mut d = ErrorDetails::new();
    d.add_bad_request_violation(field.clone(), message.clone());
    Status::with_error_details(
        code,
        clip(&format!("{field}: {message}"), MAX_ERROR_MESSAGE),
        d,
    )
}

/// The error for a refused report: its violations in the details, as many as fit in
/// [`MAX_ERROR_DETAILS`] (validation lists at most
/// [`vrs_core::validate::MAX_VIOLATIONS`]), then one violation (empty field) that
/// counts the rest; and a short message.
fn invalid_status(v: &vrs_core::validate::Violations) -> Status {
    let mut d = ErrorDetails::new();
    // Room for the last violation, which counts those not listed.
    let mut budget = MAX_ERROR_DETAILS - 128;
    let listed = v.listed();
    let mut shown = 0;
    for x in listed {
        let field = clip(&x.field, MAX_VIOLATION_TEXT);
        let description = clip(
            &format!("{} (value {:?})", x.message, x.value),
            MAX_VIOLATION_TEXT,
        );
        // Field and description, plus protobuf framing.
        let cost = field.len() + description.len() + 8;
        if cost > budget {
            break;
        }
        budget -= cost;
        d.add_bad_request_violation(field, description);
        shown += 1;
    }
    let rest = listed.len() - shown + v.omitted();
    if rest > 0 {
        d.add_bad_request_violation(
            "",
            format!("{rest} more violations not listed (only the first {shown} are)"),
        );
    }
    let message = match listed.first() {
        Some(first) => format!(
            "invalid report: {} violations; the first: {first}",
            listed.len() + v.omitted()
        ),
        None => "invalid report".to_owned(),
    };
    Status::with_error_details(
        Code::InvalidArgument,
        clip(&message, MAX_INVALID_MESSAGE),
        d,
    )
}

/// The one place where a ledger refusal becomes a gRPC status: the code each fact is,
/// and the field at fault in the details (`BadRequest`, as for validation).
impl From<LedgerError> for Status {
    fn from(e: LedgerError) -> Self {
        use LedgerError as E;
        let code = match &e {
            E::Invalid(v) => return invalid_status(v),
            E::Storage(s) => {
                tracing::error!(error = %s, "storage failure");
                return Status::internal("storage failure; nothing was acknowledged");
            }
            E::ShuttingDown => return Status::unavailable("node is shutting down"),
            E::WrongPayloadType
            | E::PayloadTooLarge { .. }
            | E::NoSignature
            | E::TooManySignatures
            | E::Undecodable(_)
            | E::KeyIdMismatch { .. }
            | E::BadId { .. }
            | E::BadPublicKey => Code::InvalidArgument,
            E::KeyRevoked { .. } | E::NoValidKey { .. } | E::SigningKeyUnknown { .. } => {
                Code::Unauthenticated
            }
            E::WrongState { .. } | E::WrongFocalPoint { .. } | E::NotAuthor { .. } => {
                Code::PermissionDenied
            }
            E::NoEarlierVersion { .. }
            | E::NotLatest { .. }
            | E::WrongVersion { .. }
            | E::AlreadyRevoked { .. }
            | E::Release(_) => Code::FailedPrecondition,
            E::ReportExists { .. } | E::KeyExists { .. } => Code::AlreadyExists,
            E::KeyNotFound { .. } | E::NoEntry { .. } => Code::NotFound,
        };
        match e.field() {
            Some(field) => field_status(code, field, &e.to_string()),
            None => Status::new(code, clip(&e.to_string(), MAX_ERROR_MESSAGE)),
        }
    }
}

fn storage(e: StorageError) -> Status {
    Status::from(LedgerError::Storage(e))
}

/// The metrics outcome of a refused submission: its status code.
fn outcome_of(code: Code) -> SubmitOutcome {
    match code {
        Code::InvalidArgument => SubmitOutcome::InvalidArgument,
        Code::Unauthenticated => SubmitOutcome::Unauthenticated,
        Code::PermissionDenied => SubmitOutcome::PermissionDenied,
        Code::FailedPrecondition => SubmitOutcome::FailedPrecondition,
        Code::AlreadyExists => SubmitOutcome::AlreadyExists,
        Code::NotFound => SubmitOutcome::NotFound,
        Code::Unavailable => SubmitOutcome::Unavailable,
        _ => SubmitOutcome::Internal,
    }
}

fn receipt_pb(r: &Receipt, digest: &[u8]) -> pb::Receipt {
    pb::Receipt {
        tlog_proof: r.to_text(),
        index: r.index,
        entry_digest: digest.to_vec(),
    }
}

/// Today's date (UTC) from the system clock.
pub fn today() -> vrs_core::codes::Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    vrs_core::codes::Date::from_days((secs / 86_400) as i64)
        .unwrap_or_else(|| unreachable!("the system clock is within the calendar"))
}

/// State shared by the services.
#[derive(Clone)]
pub struct Services {
    /// The log engine.
    pub ledger: Ledger,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The federation sync engine.
    pub sync: Arc<crate::sync::SyncEngine>,
    /// Who this node is, for authorization: its State, or `secretariat:<id>`.
    pub who: String,
}

impl Services {
    fn state(&self) -> &str {
        &self.who
    }

    fn latest_checkpoint(&self) -> Result<pb::SignedCheckpoint, Status> {
        let note = self
            .ledger
            .store()
            .durable_checkpoint()
            .map_err(storage)?
            .ok_or_else(|| Status::unavailable("no checkpoint yet"))?;
        checkpoint_pb(&note, &self.ledger.verifier_key())
    }

    /// The latest signed checkpoint with the cosignatures its witnesses gave.
    fn latest_cosigned(&self) -> Result<pb::SignedCheckpoint, Status> {
        let mut cp = self.latest_checkpoint()?;
        let lines = self.ledger.store().cosignatures(cp.size).map_err(storage)?;
        cp.note = cosigned(cp.note, &lines)?;
        Ok(cp)
    }
}

/// `note` with the cosignature `lines` added (the note as it is when there are none).
fn cosigned(note: String, lines: &[String]) -> Result<String, Status> {
    if lines.is_empty() {
        return Ok(note);
    }
    vrs_core::note::add_cosignatures(&note, lines).map_err(|e| Status::internal(e.to_string()))
}

/// The protobuf form of a signed checkpoint note of this node.
pub fn checkpoint_pb(note: &str, vkey: &str) -> Result<pb::SignedCheckpoint, Status> {
    let verifiers = Verifiers::from_vkeys([vkey])
        .map_err(|e| Status::internal(format!("node verifier key: {e}")))?;
    let cp = open_checkpoint(note, &verifiers)
        .map_err(|e| Status::internal(format!("stored checkpoint does not verify: {e}")))?;
    Ok(pb::SignedCheckpoint {
        note: note.to_owned(),
        size: cp.checkpoint.size,
        root_hash: cp.checkpoint.root.to_vec(),
        origin: cp.checkpoint.origin,
    })
}

fn key_info(k: &KeyRecord) -> pb::KeyInfo {
    pb::KeyInfo {
        key_id: k.key_id.clone(),
        focal_point_id: k.focal_point_id.clone(),
        public_key: k.public_key.clone(),
        valid_from: k.valid_from,
        revoked_at: k.revoked_at,
    }
}

/// A stream fed by a task through a bounded channel.
fn async_stream<T, F, Fut>(f: F) -> std::pin::Pin<Box<dyn tokio_stream::Stream<Item = T> + Send>>
where
    T: Send + 'static,
    F: FnOnce(tokio::sync::mpsc::Sender<T>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_is_the_status_of_its_kind_with_its_field() {
        let s = Status::from(LedgerError::KeyRevoked {
            key_id: "k1".into(),
            focal_point_id: None,
            at: 7,
        });
        assert_eq!(s.code(), Code::Unauthenticated);
        assert_eq!(s.message(), "key k1 was revoked at log index 7");
        let s = Status::from(LedgerError::WrongVersion { latest: 2 });
        assert_eq!(s.code(), Code::FailedPrecondition);
        assert_eq!(s.message(), "version: must be 3 (latest is 2)");
        let s = Status::from(LedgerError::NotAuthor {
            report_id: "r".into(),
            author: "a".into(),
            caller: "b".into(),
        });
        assert_eq!(s.code(), Code::PermissionDenied);
        assert!(
            s.message()
                .starts_with("supersedes: report r was written by focal point a")
        );
        assert_eq!(
            Status::from(LedgerError::NoEntry { index: 9 }).code(),
            Code::NotFound
        );
        let labels: Vec<&str> = [
            Code::InvalidArgument,
            Code::Unauthenticated,
            Code::PermissionDenied,
            Code::FailedPrecondition,
            Code::AlreadyExists,
            Code::NotFound,
            Code::Unavailable,
        ]
        .into_iter()
        .map(|c| outcome_of(c).label())
        .collect();
        assert!(!labels.contains(&"internal"));
        let mut unique = labels.clone();
        unique.dedup();
        assert_eq!(unique, labels);
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("abc", 3), "abc");
        let cut = clip(&"é".repeat(100), 11);
        assert!(cut.len() <= 11 && cut.ends_with('…'), "{cut}");
    }
}
