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
use crate::metrics::Metrics;
use crate::storage::{KeyRecord, StorageError};
use crate::tls::{PeerInfo, Role};

mod admin;
mod aggregates;
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

impl From<LedgerError> for Status {
    fn from(e: LedgerError) -> Self {
        match e {
            LedgerError::Invalid(v) => invalid_status(&v),
            LedgerError::BadField { field, message } => {
                field_status(Code::InvalidArgument, &field, &message)
            }
            LedgerError::Unauthenticated(m) => Status::unauthenticated(clip(&m, MAX_ERROR_MESSAGE)),
            LedgerError::PermissionDenied(m) => {
                Status::permission_denied(clip(&m, MAX_ERROR_MESSAGE))
            }
            LedgerError::FailedPrecondition { field, message } => {
                field_status(Code::FailedPrecondition, &field, &message)
            }
            LedgerError::Forbidden { field, message } => {
                field_status(Code::PermissionDenied, &field, &message)
            }
            LedgerError::AlreadyExists(m) => Status::already_exists(clip(&m, MAX_ERROR_MESSAGE)),
            LedgerError::NotFound(m) => Status::not_found(clip(&m, MAX_ERROR_MESSAGE)),
            LedgerError::Unavailable => Status::unavailable("node is shutting down"),
            LedgerError::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                Status::internal("storage failure; nothing was acknowledged")
            }
        }
    }
}

fn storage(e: StorageError) -> Status {
    Status::from(LedgerError::Storage(e))
}

fn outcome_label(e: &LedgerError) -> &'static str {
    match e {
        LedgerError::Invalid(_) | LedgerError::BadField { .. } => "invalid_argument",
        LedgerError::Unauthenticated(_) => "unauthenticated",
        LedgerError::PermissionDenied(_) | LedgerError::Forbidden { .. } => "permission_denied",
        LedgerError::FailedPrecondition { .. } => "failed_precondition",
        LedgerError::AlreadyExists(_) => "already_exists",
        LedgerError::NotFound(_) => "not_found",
        LedgerError::Storage(_) => "internal",
        LedgerError::Unavailable => "unavailable",
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
            .checkpoint()
            .map_err(storage)?
            .ok_or_else(|| Status::unavailable("no checkpoint yet"))?;
        checkpoint_pb(&note, &self.ledger.verifier_key())
    }
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
    fn every_refusal_has_its_own_metrics_label() {
        let all = [
            LedgerError::Invalid(Default::default()),
            LedgerError::Unauthenticated(String::new()),
            LedgerError::PermissionDenied(String::new()),
            LedgerError::FailedPrecondition {
                field: String::new(),
                message: String::new(),
            },
            LedgerError::AlreadyExists(String::new()),
            LedgerError::NotFound(String::new()),
            LedgerError::Unavailable,
        ];
        for e in &all {
            let label = outcome_label(e);
            assert!(crate::metrics::OUTCOMES.contains(&label), "{label}");
            assert_ne!(label, "internal", "{e:?} is not a storage failure");
        }
        assert_eq!(
            outcome_label(&LedgerError::NotFound(String::new())),
            "not_found"
        );
    }

    #[test]
    fn clip_cuts_at_a_character_boundary() {
        assert_eq!(clip("abc", 3), "abc");
        let cut = clip(&"é".repeat(100), 11);
        assert!(cut.len() <= 11 && cut.ends_with('…'), "{cut}");
    }
}
