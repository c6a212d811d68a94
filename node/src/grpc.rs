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

#[tonic::async_trait]
impl pb::report_service_server::ReportService for Services {
    #[tracing::instrument(skip_all, fields(method = "Submit"))]
    async fn submit(
        &self,
        req: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let started = Instant::now();
        let role = authorize(&req, self.state(), &[Allow::OwnFocalPoint]).inspect_err(|_| {
            self.metrics
                .submission("permission_denied", started.elapsed());
        })?;
        let Role::FocalPoint { state, id } = role else {
            return Err(Status::permission_denied("only focal points submit"));
        };
        let Some(env) = req.into_inner().envelope else {
            self.metrics
                .submission("invalid_argument", started.elapsed());
            return Err(field_status(Code::InvalidArgument, "envelope", "required"));
        };
        let who = Submitter {
            state,
            focal_point_id: id,
        };
        let result = self
            .ledger
            .submit(vrs_core::wire::envelope_from_pb(env), &who, today())
            .await;
        match result {
            Ok(Accepted {
                receipt,
                digest,
                duplicate,
                index,
                ..
            }) => {
                self.metrics.submission(
                    if duplicate { "duplicate" } else { "accepted" },
                    started.elapsed(),
                );
                tracing::debug!(index, duplicate, "report logged");
                Ok(Response::new(pb::SubmitResponse {
                    receipt: Some(receipt_pb(&receipt, &digest)),
                    duplicate,
                }))
            }
            Err(e) => {
                self.metrics
                    .submission(outcome_label(&e), started.elapsed());
                tracing::info!(error = %e, focal_point = %who.focal_point_id, "submission refused");
                Err(e.into())
            }
        }
    }

    #[tracing::instrument(skip_all, fields(method = "GetReport"))]
    async fn get_report(
        &self,
        req: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::GetReportResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnFocalPoint, Allow::OwnAdmin])?;
        let r = req.into_inner();
        let store = self.ledger.store();
        let head = store
            .report_head(&r.report_id)
            .map_err(storage)?
            .ok_or_else(|| {
                Status::not_found(clip(
                    &format!("no report {:?}", r.report_id),
                    MAX_ERROR_MESSAGE,
                ))
            })?;
        let index = if r.version == 0 || r.version == head.version {
            head.index
        } else {
            store
                .report_version(&r.report_id, r.version)
                .map_err(storage)?
                .ok_or_else(|| {
                    Status::not_found(clip(
                        &format!("report {} has no version {}", r.report_id, r.version),
                        MAX_ERROR_MESSAGE,
                    ))
                })?
        };
        let entry = store
            .entry(index)
            .map_err(storage)?
            .ok_or_else(|| Status::internal("indexed entry is missing"))?;
        let env = Envelope::from_entry_bytes(&entry)
            .map_err(|e| Status::internal(format!("stored entry does not decode: {e}")))?;
        let receipt = self.ledger.receipt(index)?;
        Ok(Response::new(pb::GetReportResponse {
            envelope: Some(vrs_core::wire::envelope_to_pb(&env)),
            receipt: Some(receipt_pb(&receipt, &vrs_core::sha256(&entry))),
            version: if r.version == 0 {
                head.version
            } else {
                r.version
            },
            latest_version: head.version,
        }))
    }

    #[tracing::instrument(skip_all, fields(method = "ListReports"))]
    async fn list_reports(
        &self,
        req: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnFocalPoint, Allow::OwnAdmin])?;
        let r = req.into_inner();
        let page_size = match r.page_size {
            0 => 100,
            n @ 1..=1000 => n as usize,
            n => {
                return Err(field_status(
                    Code::InvalidArgument,
                    "page_size",
                    &format!("{n} is above the maximum 1000"),
                ));
            }
        };
        for (field, v) in [
            ("observed_from", &r.observed_from),
            ("observed_to", &r.observed_to),
        ] {
            if !v.is_empty() && vrs_core::codes::Date::parse(v).is_err() {
                return Err(field_status(
                    Code::InvalidArgument,
                    field,
                    &format!("{v:?} is not an ISO 8601 date"),
                ));
            }
        }
        let after = if r.page_token.is_empty() {
            None
        } else {
            let raw = B64URL
                .decode(&r.page_token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    field_status(
                        Code::InvalidArgument,
                        "page_token",
                        "not a token from this node",
                    )
                })?;
            Some(raw)
        };
        // Bound the work of one page, whatever the filters.
        const MAX_SCAN: usize = 20_000;
        let mut reports = Vec::new();
        let mut last = None;
        let mut more = false;
        for (scanned, item) in self
            .ledger
            .store()
            .report_heads_after(after.as_deref())
            .enumerate()
        {
            let (id, h) = item.map_err(storage)?;
            if reports.len() == page_size || scanned == MAX_SCAN {
                more = true;
                break;
            }
            let keep = (r.record_type == 0 || r.record_type == h.record_type)
                && (r.agency == 0 || r.agency == h.agency)
                && (r.observed_from.is_empty() || h.observed_to >= r.observed_from)
                && (r.observed_to.is_empty() || h.observed_from <= r.observed_to);
            if keep {
                reports.push(pb::ReportSummary {
                    report_id: id.clone(),
                    version: h.version,
                    record_type: h.record_type,
                    log_index: h.index,
                    digest: h.digest.to_vec(),
                    agency: h.agency,
                    observed_from: h.observed_from.clone(),
                });
            }
            last = Some(id);
        }
        let next_page_token = match (more, last) {
            (true, Some(l)) => B64URL.encode(l.as_bytes()),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListReportsResponse {
            reports,
            next_page_token,
        }))
    }
}

const LOG_READERS: &[Allow] = &[
    Allow::OwnFocalPoint,
    Allow::OwnAdmin,
    Allow::PeerNode,
    Allow::Secretariat,
];

#[tonic::async_trait]
impl pb::log_service_server::LogService for Services {
    async fn get_checkpoint(
        &self,
        req: Request<pb::GetCheckpointRequest>,
    ) -> Result<Response<pb::SignedCheckpoint>, Status> {
        authorize(&req, self.state(), LOG_READERS)?;
        Ok(Response::new(self.latest_checkpoint()?))
    }

    async fn get_inclusion_proof(
        &self,
        req: Request<pb::InclusionProofRequest>,
    ) -> Result<Response<pb::InclusionProofResponse>, Status> {
        authorize(&req, self.state(), LOG_READERS)?;
        let r = req.into_inner();
        let latest = self.latest_checkpoint()?;
        let store = self.ledger.store();
        let index = match r.leaf {
            Some(pb::inclusion_proof_request::Leaf::Index(i)) => i,
            Some(pb::inclusion_proof_request::Leaf::LeafHash(h)) => {
                let h: vrs_core::Hash = h.as_slice().try_into().map_err(|_| {
                    field_status(Code::InvalidArgument, "leaf_hash", "must be 32 bytes")
                })?;
                store
                    .index_of_leaf(&h)
                    .map_err(storage)?
                    .ok_or_else(|| Status::not_found("no entry with that leaf hash"))?
            }
            None => {
                return Err(field_status(
                    Code::InvalidArgument,
                    "leaf",
                    "index or leaf_hash required",
                ));
            }
        };
        let size = if r.tree_size == 0 {
            latest.size
        } else {
            r.tree_size
        };
        if size > latest.size {
            return Err(field_status(
                Code::OutOfRange,
                "tree_size",
                &format!("{size} is beyond the latest checkpoint ({})", latest.size),
            ));
        }
        if index >= size {
            return Err(field_status(
                Code::OutOfRange,
                "index",
                &format!("{index} is not below tree size {size}"),
            ));
        }
        let hashes = vrs_core::merkle::inclusion_proof(store, index, size)
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::InclusionProofResponse {
            index,
            tree_size: size,
            hashes: hashes.iter().map(|h| h.to_vec()).collect(),
            checkpoint: (size == latest.size).then_some(latest),
        }))
    }

    async fn get_consistency_proof(
        &self,
        req: Request<pb::ConsistencyProofRequest>,
    ) -> Result<Response<pb::ConsistencyProofResponse>, Status> {
        authorize(&req, self.state(), LOG_READERS)?;
        let r = req.into_inner();
        Ok(Response::new(self.consistency(r.first, r.second)?))
    }
}

#[tonic::async_trait]
impl pb::admin_service_server::AdminService for Services {
    #[tracing::instrument(skip_all, fields(method = "RegisterKey"))]
    async fn register_key(
        &self,
        req: Request<pb::RegisterKeyRequest>,
    ) -> Result<Response<pb::KeyResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let r = req.into_inner();
        let a = self
            .ledger
            .register_key(&r.focal_point_id, &r.key_id, &r.public_key)
            .await?;
        tracing::info!(key_id = %r.key_id, focal_point = %r.focal_point_id, index = a.index, "key registered");
        Ok(Response::new(key_response(&a)))
    }

    #[tracing::instrument(skip_all, fields(method = "RevokeKey"))]
    async fn revoke_key(
        &self,
        req: Request<pb::RevokeKeyRequest>,
    ) -> Result<Response<pb::KeyResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let r = req.into_inner();
        let a = self.ledger.revoke_key(&r.key_id, &r.reason).await?;
        tracing::info!(key_id = %r.key_id, index = a.index, "key revoked");
        Ok(Response::new(key_response(&a)))
    }

    async fn list_keys(
        &self,
        req: Request<pb::ListKeysRequest>,
    ) -> Result<Response<pb::ListKeysResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        Ok(Response::new(pb::ListKeysResponse {
            keys: self.ledger.keys().iter().map(key_info).collect(),
        }))
    }
}

fn key_response(a: &Accepted) -> pb::KeyResponse {
    pb::KeyResponse {
        key: a.key.as_ref().map(key_info),
        receipt: Some(receipt_pb(&a.receipt, &a.digest)),
    }
}

/// A CSV export holds one table (one SDMX dataflow).
fn one_table(e: vrs_core::release::ReleaseError) -> Status {
    field_status(
        Code::InvalidArgument,
        "filter.table",
        &format!("{e}; choose a table, or export JSON"),
    )
}

const RELEASE_READERS: &[Allow] = &[
    Allow::OwnFocalPoint,
    Allow::OwnAdmin,
    Allow::PeerNode,
    Allow::Secretariat,
];

fn release_info(r: &crate::storage::releases::ReleaseRecord) -> pb::ReleaseInfo {
    pb::ReleaseInfo {
        origin: r.origin.clone(),
        table: r.table.clone(),
        period: r.period.clone(),
        version: r.version,
        digest: r.digest.to_vec(),
        size: r.size,
    }
}

impl Services {
    /// Held releases matching a filter (empty fields match everything).
    fn matching(
        &self,
        f: &pb::ListReleasesRequest,
    ) -> Result<Vec<crate::storage::releases::ReleaseRecord>, Status> {
        let all = self
            .ledger
            .store()
            .manifest_after(0, usize::MAX)
            .map_err(storage)?;
        let mut latest: std::collections::BTreeMap<
            (String, String, String),
            crate::storage::releases::ReleaseRecord,
        > = std::collections::BTreeMap::new();
        for (_, r) in all {
            let keep = (f.origin.is_empty() || f.origin == r.origin)
                && (f.table.is_empty() || f.table == r.table)
                && (f.period.is_empty() || f.period == r.period);
            if keep {
                let k = (r.origin.clone(), r.table.clone(), r.period.clone());
                match latest.get(&k) {
                    Some(h) if h.version >= r.version => {}
                    _ => {
                        latest.insert(k, r);
                    }
                }
            }
        }
        Ok(latest.into_values().collect())
    }

    /// The latest held releases matching `filter`, each opened under its origin's key.
    fn open_matching(
        &self,
        filter: &pb::ListReleasesRequest,
    ) -> Result<Vec<vrs_core::release::Release>, Status> {
        self.matching(filter)?
            .iter()
            .map(|rec| {
                let bytes = self
                    .ledger
                    .store()
                    .release(&rec.origin, &rec.table, &rec.period, rec.version)
                    .map_err(storage)?
                    .ok_or_else(|| Status::internal("manifest names a missing release"))?;
                self.open_stored(&rec.origin, &bytes)
            })
            .collect()
    }

    /// Opens a stored release under its origin's pinned key.
    fn open_stored(
        &self,
        origin: &str,
        bytes: &[u8],
    ) -> Result<vrs_core::release::Release, Status> {
        let env = Envelope::from_entry_bytes(bytes)
            .map_err(|e| Status::internal(format!("stored release does not decode: {e}")))?;
        let key = self
            .sync
            .origin_key(origin)
            .ok_or_else(|| Status::internal(format!("no pinned key for origin {origin}")))?;
        vrs_core::release::open_release(&env, key.public_key()).map_err(|e| {
            Status::internal(format!("stored release of {origin} does not verify: {e}"))
        })
    }
}

#[tonic::async_trait]
impl pb::aggregates_service_server::AggregatesService for Services {
    async fn list_releases(
        &self,
        req: Request<pb::ListReleasesRequest>,
    ) -> Result<Response<pb::ListReleasesResponse>, Status> {
        authorize(&req, self.state(), RELEASE_READERS)?;
        let releases = self
            .matching(req.get_ref())?
            .iter()
            .map(release_info)
            .collect();
        Ok(Response::new(pb::ListReleasesResponse { releases }))
    }

    async fn get_release(
        &self,
        req: Request<pb::GetReleaseRequest>,
    ) -> Result<Response<pb::GetReleaseResponse>, Status> {
        authorize(&req, self.state(), RELEASE_READERS)?;
        let r = req.into_inner();
        let store = self.ledger.store();
        let bytes = if r.version == 0 {
            store
                .latest_release(&r.origin, &r.table, &r.period)
                .map_err(storage)?
                .map(|(_, b)| b)
        } else {
            store
                .release(&r.origin, &r.table, &r.period, r.version)
                .map_err(storage)?
        }
        .ok_or_else(|| {
            Status::not_found(clip(
                &format!(
                    "no release {} {} {} version {}",
                    r.origin, r.table, r.period, r.version
                ),
                MAX_ERROR_MESSAGE,
            ))
        })?;
        let env = Envelope::from_entry_bytes(&bytes)
            .map_err(|e| Status::internal(format!("stored release does not decode: {e}")))?;
        Ok(Response::new(pb::GetReleaseResponse {
            envelope: Some(vrs_core::wire::envelope_to_pb(&env)),
        }))
    }

    async fn export(
        &self,
        req: Request<pb::ExportRequest>,
    ) -> Result<Response<pb::ExportResponse>, Status> {
        authorize(&req, self.state(), RELEASE_READERS)?;
        let r = req.into_inner();
        let filter = r.filter.unwrap_or_default();
        let releases = self.open_matching(&filter)?;
        let format = pb::ExportFormat::try_from(r.format).unwrap_or(pb::ExportFormat::Unspecified);
        // A CSV's columns are the requested table's, even when nothing matches.
        let table = match filter.table.as_str() {
            "" => None,
            t => Some(vrs_core::aggregate::TableId::parse(t).map_err(|e| {
                field_status(Code::InvalidArgument, "filter.table", &e.to_string())
            })?),
        };
        let (media_type, data) = match format {
            pb::ExportFormat::SdmxCsv | pb::ExportFormat::Unspecified => (
                "application/vnd.sdmx.data+csv; version=2.0.0",
                vrs_core::release::export_sdmx_csv_of(table, &releases).map_err(one_table)?,
            ),
            pb::ExportFormat::Csv => (
                "text/csv",
                vrs_core::release::export_csv_of(table, &releases).map_err(one_table)?,
            ),
            pb::ExportFormat::Json => (
                "application/json",
                vrs_core::release::export_json(&releases),
            ),
        };
        Ok(Response::new(pb::ExportResponse {
            media_type: media_type.into(),
            data: data.into_bytes(),
        }))
    }

    async fn regional_table(
        &self,
        req: Request<pb::RegionalTableRequest>,
    ) -> Result<Response<pb::ExportResponse>, Status> {
        authorize(&req, self.state(), RELEASE_READERS)?;
        let r = req.into_inner();
        let filter = pb::ListReleasesRequest {
            origin: String::new(),
            table: r.table.clone(),
            period: r.period.clone(),
        };
        if r.table.is_empty() || r.period.is_empty() {
            return Err(field_status(
                Code::InvalidArgument,
                "table",
                "table and period are required",
            ));
        }
        let releases = self.open_matching(&filter)?;
        if releases.is_empty() {
            return Err(Status::not_found(clip(
                &format!("no release of {} {} is held", r.table, r.period),
                MAX_ERROR_MESSAGE,
            )));
        }
        let table = vrs_core::release::regional_sum(&releases)
            .map_err(|e| Status::failed_precondition(e.to_string()))?;
        let (media_type, data) = match pb::ExportFormat::try_from(r.format) {
            Ok(pb::ExportFormat::Json) => ("application/json", table.to_json()),
            Ok(pb::ExportFormat::Csv | pb::ExportFormat::Unspecified) => {
                ("text/csv", table.to_csv())
            }
            _ => {
                return Err(field_status(
                    Code::InvalidArgument,
                    "format",
                    "a regional table exports as CSV or JSON",
                ));
            }
        };
        Ok(Response::new(pb::ExportResponse {
            media_type: media_type.into(),
            data: data.into_bytes(),
        }))
    }

    #[tracing::instrument(skip_all, fields(method = "ReleaseNow"))]
    async fn release_now(
        &self,
        req: Request<pb::ReleaseNowRequest>,
    ) -> Result<Response<pb::ReleaseNowResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let r = req.into_inner();
        let period = vrs_core::aggregate::Period::parse(&r.period).map_err(|e| {
            field_status(
                Code::InvalidArgument,
                "period",
                &format!("{:?}: {e}", r.period),
            )
        })?;
        let made = self.ledger.release(period, r.revise, today()).await?;
        tracing::info!(period = %period, releases = made.len(), revise = r.revise, "released");
        Ok(Response::new(pb::ReleaseNowResponse {
            releases: made.iter().map(release_info).collect(),
        }))
    }
}

/// Federation callers: configured peer nodes and secretariats.
fn authorize_federation<T>(s: &Services, req: &Request<T>) -> Result<Role, Status> {
    let role = authorize(req, s.state(), &[Allow::PeerNode, Allow::Secretariat])?;
    if let Role::Node { state } = &role
        && !s.sync.is_peer(state)
    {
        return Err(Status::permission_denied(format!(
            "{role} is not a configured peer of this node"
        )));
    }
    Ok(role)
}

/// Most digests in one fetch.
const MAX_FETCH: usize = 1000;

type ReleaseStream =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::FetchedRelease, Status>> + Send>>;

impl Services {
    fn consistency(&self, first: u64, second: u64) -> Result<pb::ConsistencyProofResponse, Status> {
        let latest = self.latest_checkpoint()?;
        let second = if second == 0 { latest.size } else { second };
        if first == 0 || first > second || second > latest.size {
            return Err(field_status(
                Code::OutOfRange,
                "first",
                &format!(
                    "need 0 < first <= second <= {} (got first {first}, second {second})",
                    latest.size
                ),
            ));
        }
        let hashes = vrs_core::merkle::consistency_proof(self.ledger.store(), first, second)
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok(pb::ConsistencyProofResponse {
            first,
            second,
            hashes: hashes.iter().map(|h| h.to_vec()).collect(),
        })
    }
}

#[tonic::async_trait]
impl pb::federation_service_server::FederationService for Services {
    type FetchReleasesStream = ReleaseStream;

    async fn manifest(
        &self,
        req: Request<pb::ManifestRequest>,
    ) -> Result<Response<pb::ManifestResponse>, Status> {
        authorize_federation(self, &req)?;
        let r = req.into_inner();
        let after = crate::sync::parse_cursor(&r.cursor).ok_or_else(|| {
            field_status(
                Code::InvalidArgument,
                "cursor",
                "not a cursor from this node",
            )
        })?;
        let limit = match r.limit {
            0 => 1000,
            n => n.min(1000) as usize,
        };
        let page = self
            .ledger
            .store()
            .manifest_after(after, limit + 1)
            .map_err(storage)?;
        let more = page.len() > limit;
        let page = &page[..page.len().min(limit)];
        let cursor = page.last().map_or(after, |(seq, _)| *seq);
        Ok(Response::new(pb::ManifestResponse {
            releases: page.iter().map(|(_, r)| release_info(r)).collect(),
            cursor: crate::sync::cursor_token(cursor),
            more,
        }))
    }

    async fn fetch_releases(
        &self,
        req: Request<pb::FetchReleasesRequest>,
    ) -> Result<Response<Self::FetchReleasesStream>, Status> {
        authorize_federation(self, &req)?;
        let r = req.into_inner();
        if r.digests.len() > MAX_FETCH {
            return Err(field_status(
                Code::InvalidArgument,
                "digests",
                &format!("{} digests, at most {MAX_FETCH} per call", r.digests.len()),
            ));
        }
        let mut digests = Vec::with_capacity(r.digests.len());
        for (i, d) in r.digests.iter().enumerate() {
            let d: vrs_core::Hash = d.as_slice().try_into().map_err(|_| {
                field_status(
                    Code::InvalidArgument,
                    &format!("digests[{i}]"),
                    "must be 32 bytes",
                )
            })?;
            digests.push(d);
        }
        let ledger = self.ledger.clone();
        let stream = async_stream(move |tx| async move {
            for d in digests {
                let item = match ledger.store().release_by_digest(&d) {
                    Ok(Some(bytes)) => match Envelope::from_entry_bytes(&bytes) {
                        Ok(env) => Ok(pb::FetchedRelease {
                            digest: d.to_vec(),
                            envelope: Some(vrs_core::wire::envelope_to_pb(&env)),
                        }),
                        Err(e) => Err(Status::internal(e.to_string())),
                    },
                    Ok(None) => continue,
                    Err(e) => Err(storage(e)),
                };
                if tx.send(item).await.is_err() {
                    return;
                }
            }
        });
        Ok(Response::new(stream))
    }

    async fn get_checkpoint(
        &self,
        req: Request<pb::GetCheckpointRequest>,
    ) -> Result<Response<pb::SignedCheckpoint>, Status> {
        authorize_federation(self, &req)?;
        let mut cp = self.latest_checkpoint()?;
        let lines = self.ledger.store().cosignatures(cp.size).map_err(storage)?;
        if !lines.is_empty() {
            cp.note = vrs_core::note::add_cosignatures(&cp.note, &lines)
                .map_err(|e| Status::internal(e.to_string()))?;
        }
        Ok(Response::new(cp))
    }

    async fn get_consistency_proof(
        &self,
        req: Request<pb::ConsistencyProofRequest>,
    ) -> Result<Response<pb::ConsistencyProofResponse>, Status> {
        authorize_federation(self, &req)?;
        let r = req.into_inner();
        Ok(Response::new(self.consistency(r.first, r.second)?))
    }

    #[tracing::instrument(skip_all, fields(method = "Cosign"))]
    async fn cosign(
        &self,
        req: Request<pb::CosignRequest>,
    ) -> Result<Response<pb::CosignResponse>, Status> {
        let role = authorize(&req, self.state(), &[Allow::PeerNode])?;
        let Role::Node { state: peer } = role else {
            return Err(Status::permission_denied(
                "only peer nodes ask for cosignatures",
            ));
        };
        let key = self.sync.peer_key(&peer).ok_or_else(|| {
            Status::permission_denied(format!("{peer} is not a configured peer of this node"))
        })?;
        let verifiers = Verifiers::from_verifiers([key.clone()])
            .map_err(|e| Status::internal(e.to_string()))?;
        let r = req.into_inner();
        let mut proof = Vec::with_capacity(r.proof.len());
        for (i, h) in r.proof.iter().enumerate() {
            proof.push(<vrs_core::Hash>::try_from(h.as_slice()).map_err(|_| {
                field_status(
                    Code::InvalidArgument,
                    &format!("proof[{i}]"),
                    "must be 32 bytes",
                )
            })?);
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let store = self.ledger.store();
        match crate::witness::witness(store, &verifiers, &r.checkpoint, r.old_size, &proof, now) {
            Ok(cp) => {
                let line = self
                    .ledger
                    .signer()
                    .cosigner()
                    .cosign(&cp, now)
                    .map_err(|e| Status::internal(e.to_string()))?;
                Ok(Response::new(pb::CosignResponse {
                    cosignature: line,
                    witnessed_size: cp.size,
                }))
            }
            Err(crate::witness::WitnessError::StaleOldSize { held, .. }) => {
                Ok(Response::new(pb::CosignResponse {
                    cosignature: String::new(),
                    witnessed_size: held,
                }))
            }
            Err(crate::witness::WitnessError::BadNote(e)) => {
                Err(field_status(Code::InvalidArgument, "checkpoint", &e))
            }
            Err(e @ crate::witness::WitnessError::Storage(_)) => {
                Err(Status::internal(e.to_string()))
            }
            Err(e) => Err(Status::failed_precondition(e.to_string())),
        }
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

type SyncStream =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::SyncProgress, Status>> + Send>>;

impl Services {
    /// The peer a SyncNow or SyncRun asks for (`None`: every peer).
    fn sync_peer(&self, peer: String) -> Result<Option<String>, Status> {
        if !peer.is_empty() && !self.sync.is_peer(&peer) {
            return Err(field_status(
                Code::NotFound,
                "peer",
                &format!("{peer} is not a configured peer"),
            ));
        }
        Ok((!peer.is_empty()).then_some(peer))
    }
}

#[tonic::async_trait]
impl pb::sync_service_server::SyncService for Services {
    type SyncRunStream = SyncStream;

    async fn sync_now(
        &self,
        req: Request<pb::SyncNowRequest>,
    ) -> Result<Response<pb::SyncStatusResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let peer = self.sync_peer(req.into_inner().peer)?;
        // The round is detached: if this call's deadline passes, it goes on.
        let (progress, _) = tokio::sync::mpsc::unbounded_channel();
        let st = self
            .sync
            .start_round(peer, progress)
            .await
            .map_err(|e| Status::internal(format!("sync round: {e}")))?;
        Ok(Response::new(st))
    }

    async fn sync_run(
        &self,
        req: Request<pb::SyncNowRequest>,
    ) -> Result<Response<Self::SyncRunStream>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let peer = self.sync_peer(req.into_inner().peer)?;
        let (progress, mut records) = tokio::sync::mpsc::unbounded_channel();
        let round = self.sync.start_round(peer, progress);
        let stream = async_stream(move |tx| async move {
            use pb::sync_progress::Event;
            while let Some(st) = records.recv().await {
                let event = Some(Event::Peer(st));
                if tx.send(Ok(pb::SyncProgress { event })).await.is_err() {
                    // The caller left; the round goes on.
                    return;
                }
            }
            let done = round
                .await
                .map(|st| pb::SyncProgress {
                    event: Some(Event::Done(st)),
                })
                .map_err(|e| Status::internal(format!("sync round: {e}")));
            let _ = tx.send(done).await;
        });
        Ok(Response::new(stream))
    }

    async fn sync_status(
        &self,
        req: Request<pb::SyncStatusRequest>,
    ) -> Result<Response<pb::SyncStatusResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        Ok(Response::new(self.sync.status()))
    }
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
