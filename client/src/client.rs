//! A typed client over a node's gRPC API: mutual TLS from a [`Profile`], a deadline on
//! every call, and errors that keep what the node said, field violations included.

use std::path::Path;
use std::time::Duration;

use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Request, Status};
use tonic_types::StatusExt as _;
use vrs_proto::v1 as pb;
use vrs_proto::v1::admin_service_client::AdminServiceClient;
use vrs_proto::v1::aggregates_service_client::AggregatesServiceClient;
use vrs_proto::v1::directory_service_client::DirectoryServiceClient;
use vrs_proto::v1::log_service_client::LogServiceClient;
use vrs_proto::v1::report_service_client::ReportServiceClient;
use vrs_proto::v1::sync_service_client::SyncServiceClient;

use crate::profile::{Profile, ProfileError};

/// A service's health, as [`Client::health`] answers it.
pub use tonic_health::pb::health_check_response::ServingStatus;

/// The services a node reports the health of (`""`: the server as a whole).
pub const SERVICES: [&str; 8] = [
    "",
    "vrs.v1.ReportService",
    "vrs.v1.LogService",
    "vrs.v1.AdminService",
    "vrs.v1.FederationService",
    "vrs.v1.SyncService",
    "vrs.v1.AggregatesService",
    "vrs.v1.DirectoryService",
];

/// One field the node (or local validation) found at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Field path, e.g. `body.movement.persons[0].count`.
    pub field: String,
    /// What is wrong.
    pub description: String,
}

impl std::fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.description)
        } else {
            write!(f, "{}: {}", self.field, self.description)
        }
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The profile lacks something, or names files that cannot be read.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A TLS file could not be read.
    #[error("cannot read the {what} {}: {source}", .path.display())]
    ReadFile {
        /// Which file (CA certificate, certificate, key).
        what: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The profile's certificate or key cannot be used (checked before connecting).
    #[error(transparent)]
    Credentials(#[from] crate::credentials::CredentialError),
    /// The endpoint is not a usable URI.
    #[error("invalid endpoint {endpoint:?}: {detail}")]
    Endpoint {
        /// The endpoint.
        endpoint: String,
        /// Why.
        detail: String,
    },
    /// Nothing listens at the endpoint.
    #[error("no node answers at {endpoint} (is it running? is the endpoint right?)")]
    NoNode {
        /// The endpoint.
        endpoint: String,
    },
    /// The node's certificate does not verify under the profile's CA.
    #[error(
        "the node at {endpoint} is not the one the profile trusts: its certificate does not \
         verify under the profile's CA ({}: {reason}); check `ca` and the endpoint in the \
         profile", vrs_proto::transport::trust_words(.reason)
    )]
    NodeNotTrusted {
        /// The endpoint.
        endpoint: String,
        /// rustls' reason, e.g. `BadSignature`.
        reason: String,
    },
    /// The node refused this client's certificate during the handshake.
    #[error(
        "the node at {endpoint} refused your certificate ({alert}): it must be issued by \
         the federation's CA and still valid; ask your operator for a new one"
    )]
    CertificateRefused {
        /// The endpoint.
        endpoint: String,
        /// The TLS alert.
        alert: String,
    },
    /// No connection could be made (network, TLS handshake).
    #[error("cannot connect to {endpoint}: {detail}")]
    Connect {
        /// The endpoint.
        endpoint: String,
        /// The transport error and its causes.
        detail: String,
    },
    /// The node refused the request (bad input, permission, key, state of the log).
    #[error("{}", rejected_message(*.code, .message, .violations))]
    Rejected {
        /// gRPC status code.
        code: Code,
        /// The node's message.
        message: String,
        /// Field violations (google.rpc.BadRequest), if any.
        violations: Vec<FieldViolation>,
    },
    /// The call failed for another reason (unavailable, deadline, internal error).
    #[error("call to {endpoint} failed ({code:?}): {message}")]
    Failed {
        /// The endpoint.
        endpoint: String,
        /// gRPC status code.
        code: Code,
        /// The message, with the transport's causes.
        message: String,
    },
}

fn rejected_message(code: Code, message: &str, violations: &[FieldViolation]) -> String {
    let mut s = format!("rejected by the node ({code:?}): {message}");
    // The message of an invalid report already lists its violations on one line; list
    // them again one per line, which is what a person reads.
    for v in violations {
        s.push_str("\n  ");
        s.push_str(&v.to_string());
    }
    s
}

impl ClientError {
    /// True when the node refused the request (as opposed to the call failing).
    pub fn is_rejection(&self) -> bool {
        matches!(self, ClientError::Rejected { .. })
    }

    /// True when the call failed on the way and the same request may succeed later:
    /// no node answering, a connection that failed, or a node unavailable, busy or past
    /// its deadline. Refusals and bad credentials are not.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::NoNode { .. } | ClientError::Connect { .. } => true,
            ClientError::Failed { code, .. } => matches!(
                code,
                Code::Unavailable
                    | Code::DeadlineExceeded
                    | Code::ResourceExhausted
                    | Code::Aborted
            ),
            _ => false,
        }
    }

    /// The field violations of a rejection (empty otherwise).
    pub fn violations(&self) -> &[FieldViolation] {
        match self {
            ClientError::Rejected { violations, .. } => violations,
            _ => &[],
        }
    }
}

/// The status codes that mean "the node refused this request": retrying the same
/// request will not help.
pub fn is_rejection_code(code: Code) -> bool {
    matches!(
        code,
        Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::OutOfRange
            | Code::PermissionDenied
            | Code::Unauthenticated
            | Code::AlreadyExists
            | Code::NotFound
    )
}

pub use vrs_proto::transport::error_chain;
use vrs_proto::transport::{ConnectFailure, classify, classify_text};

/// What a failed connection means, in the words of [`ClientError`]: nothing listening,
/// a node the profile does not trust, a certificate the node refused, or else the
/// transport's own words.
fn connect_error(endpoint: &str, e: &tonic::transport::Error) -> ClientError {
    let endpoint = endpoint.to_owned();
    match classify(e) {
        ConnectFailure::NoListener => ClientError::NoNode { endpoint },
        ConnectFailure::NotTrusted(reason) => ClientError::NodeNotTrusted { endpoint, reason },
        ConnectFailure::CertificateRefused(alert) => {
            ClientError::CertificateRefused { endpoint, alert }
        }
        ConnectFailure::Other(detail) => ClientError::Connect { endpoint, detail },
    }
}

/// Maps a status to a [`ClientError`], keeping its google.rpc.BadRequest details.
pub fn from_status(endpoint: &str, status: Status) -> ClientError {
    let code = status.code();
    if is_rejection_code(code) {
        let violations = status
            .get_details_bad_request()
            .map(|b| {
                b.field_violations
                    .into_iter()
                    .map(|v| FieldViolation {
                        field: v.field,
                        description: v.description,
                    })
                    .collect()
            })
            .unwrap_or_default();
        ClientError::Rejected {
            code,
            message: status.message().to_owned(),
            violations,
        }
    } else {
        let mut message = status.message().to_owned();
        if let Some(src) = std::error::Error::source(&status) {
            let chain = error_chain(src);
            if !message.contains(&chain) {
                message = if message.is_empty() {
                    chain
                } else {
                    format!("{message}: {chain}")
                };
            }
        }
        // In TLS 1.3 the node judges the client's certificate after the client has
        // finished its handshake: the refusal arrives as the first call's error.
        if let ConnectFailure::CertificateRefused(alert) = classify_text(&message) {
            return ClientError::CertificateRefused {
                endpoint: endpoint.to_owned(),
                alert,
            };
        }
        ClientError::Failed {
            endpoint: endpoint.to_owned(),
            code,
            message,
        }
    }
}

/// A connection to one node.
#[derive(Clone, Debug)]
pub struct Client {
    channel: Channel,
    endpoint: String,
    deadline: Duration,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Checks the profile's certificate and key ([`crate::credentials::check`]) without
/// connecting: what a command that signs before it sends checks first.
pub fn check_credentials(
    profile: &Profile,
) -> Result<crate::credentials::Credentials, ClientError> {
    identity(profile).map(|(_, _, c)| c)
}

/// The profile's certificate and key (PEM), checked.
fn identity(
    profile: &Profile,
) -> Result<(Vec<u8>, Vec<u8>, crate::credentials::Credentials), ClientError> {
    let (_, cert_path, key_path) = profile.require_tls()?;
    let cert = read("certificate", cert_path)?;
    let key = read("private key", key_path)?;
    let checked = crate::credentials::check(cert_path, &cert, key_path, &key, unix_now())?;
    Ok((cert, key, checked))
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path).map_err(|source| ClientError::ReadFile {
        what,
        path: path.to_owned(),
        source,
    })
}

impl Client {
    /// Connects with the profile's endpoint, CA, certificate and key. The TLS name
    /// verified is `server_name` if set, else the endpoint's host.
    pub async fn connect(profile: &Profile) -> Result<Self, ClientError> {
        let endpoint = profile.require_endpoint()?.to_owned();
        let (ca, _, _) = profile.require_tls()?;
        let ca = read("CA certificate", ca)?;
        let (cert, key, _) = identity(profile)?;
        Self::connect_pem(
            &endpoint,
            &ca,
            &cert,
            &key,
            profile.server_name.as_deref(),
            profile.timeout,
        )
        .await
    }

    /// Connects with PEM material in memory.
    pub async fn connect_pem(
        endpoint: &str,
        ca_pem: &[u8],
        cert_pem: &[u8],
        key_pem: &[u8],
        server_name: Option<&str>,
        deadline: Duration,
    ) -> Result<Self, ClientError> {
        let bad = |detail: String| ClientError::Endpoint {
            endpoint: endpoint.to_owned(),
            detail,
        };
        let uri: tonic::codegen::http::Uri = endpoint.parse().map_err(|e| bad(format!("{e}")))?;
        if uri.scheme_str() != Some("https") {
            return Err(bad("must start with https://".into()));
        }
        let host = uri
            .host()
            .ok_or_else(|| bad("no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let mut tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca_pem))
            .identity(Identity::from_pem(cert_pem, key_pem));
        tls = tls.domain_name(server_name.map(str::to_owned).unwrap_or(host));
        let ep = Endpoint::from_shared(endpoint.to_owned())
            .map_err(|e| bad(error_chain(&e)))?
            .tls_config(tls)
            .map_err(|e| bad(error_chain(&e)))?
            .connect_timeout(deadline)
            .timeout(deadline);
        let channel = ep
            .connect()
            .await
            .map_err(|e| connect_error(endpoint, &e))?;
        Ok(Self {
            channel,
            endpoint: endpoint.to_owned(),
            deadline,
        })
    }

    /// A client over an existing channel (tests, the local federation).
    pub fn from_channel(channel: Channel, endpoint: &str, deadline: Duration) -> Self {
        Self {
            channel,
            endpoint: endpoint.to_owned(),
            deadline,
        }
    }

    /// The endpoint this client talks to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn req<T>(&self, msg: T) -> Request<T> {
        let mut r = Request::new(msg);
        r.set_timeout(self.deadline);
        r
    }

    /// The aggregates service, reading responses as large as the node may send (a noisy
    /// release lists many cells).
    fn aggregates(&self) -> AggregatesServiceClient<Channel> {
        AggregatesServiceClient::new(self.channel.clone())
            .max_decoding_message_size(vrs_proto::MAX_RESPONSE_BYTES)
    }

    fn err(&self, s: Status) -> ClientError {
        from_status(&self.endpoint, s)
    }

    /// Submits a signed report.
    pub async fn submit(&self, envelope: pb::Envelope) -> Result<pb::SubmitResponse, ClientError> {
        ReportServiceClient::new(self.channel.clone())
            .submit(self.req(pb::SubmitRequest {
                envelope: Some(envelope),
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Gets a report version (0: the latest).
    pub async fn get_report(
        &self,
        report_id: &str,
        version: u32,
    ) -> Result<pb::GetReportResponse, ClientError> {
        ReportServiceClient::new(self.channel.clone())
            .get_report(self.req(pb::GetReportRequest {
                report_id: report_id.to_owned(),
                version,
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Lists one page of reports.
    pub async fn list_reports(
        &self,
        req: pb::ListReportsRequest,
    ) -> Result<pb::ListReportsResponse, ClientError> {
        ReportServiceClient::new(self.channel.clone())
            .list_reports(self.req(req))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// The latest signed checkpoint.
    pub async fn checkpoint(&self) -> Result<pb::SignedCheckpoint, ClientError> {
        LogServiceClient::new(self.channel.clone())
            .get_checkpoint(self.req(pb::GetCheckpointRequest {}))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// An inclusion proof.
    pub async fn inclusion_proof(
        &self,
        req: pb::InclusionProofRequest,
    ) -> Result<pb::InclusionProofResponse, ClientError> {
        LogServiceClient::new(self.channel.clone())
            .get_inclusion_proof(self.req(req))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// A consistency proof between two tree sizes.
    pub async fn consistency_proof(
        &self,
        first: u64,
        second: u64,
    ) -> Result<pb::ConsistencyProofResponse, ClientError> {
        LogServiceClient::new(self.channel.clone())
            .get_consistency_proof(self.req(pb::ConsistencyProofRequest { first, second }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Registers a focal point's signing key (admin).
    pub async fn register_key(
        &self,
        focal_point_id: &str,
        key_id: &str,
        public_key: &[u8],
    ) -> Result<pb::KeyResponse, ClientError> {
        AdminServiceClient::new(self.channel.clone())
            .register_key(self.req(pb::RegisterKeyRequest {
                focal_point_id: focal_point_id.to_owned(),
                key_id: key_id.to_owned(),
                public_key: public_key.to_vec(),
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Revokes a key (admin).
    pub async fn revoke_key(
        &self,
        key_id: &str,
        reason: &str,
    ) -> Result<pb::KeyResponse, ClientError> {
        AdminServiceClient::new(self.channel.clone())
            .revoke_key(self.req(pb::RevokeKeyRequest {
                key_id: key_id.to_owned(),
                reason: reason.to_owned(),
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Lists the registered keys (admin).
    pub async fn list_keys(&self) -> Result<Vec<pb::KeyInfo>, ClientError> {
        AdminServiceClient::new(self.channel.clone())
            .list_keys(self.req(pb::ListKeysRequest {}))
            .await
            .map(|r| r.into_inner().keys)
            .map_err(|s| self.err(s))
    }

    /// The standard gRPC health status of `service` ("" for the whole server): one of
    /// [`SERVICES`].
    pub async fn health(&self, service: &str) -> Result<ServingStatus, ClientError> {
        let r = tonic_health::pb::health_client::HealthClient::new(self.channel.clone())
            .check(self.req(tonic_health::pb::HealthCheckRequest {
                service: service.to_owned(),
            }))
            .await
            .map_err(|s| self.err(s))?;
        Ok(ServingStatus::try_from(r.into_inner().status).unwrap_or(ServingStatus::Unknown))
    }

    /// The releases the node holds (its own and its peers'), latest versions, filtered.
    pub async fn list_releases(
        &self,
        filter: pb::ListReleasesRequest,
    ) -> Result<Vec<pb::ReleaseInfo>, ClientError> {
        self.aggregates()
            .list_releases(self.req(filter))
            .await
            .map(|r| r.into_inner().releases)
            .map_err(|s| self.err(s))
    }

    /// One release as its origin signed it (version 0: the latest).
    pub async fn get_release(
        &self,
        req: pb::GetReleaseRequest,
    ) -> Result<Option<pb::Envelope>, ClientError> {
        self.aggregates()
            .get_release(self.req(req))
            .await
            .map(|r| r.into_inner().envelope)
            .map_err(|s| self.err(s))
    }

    /// Releases a closed period now (admin).
    pub async fn release_now(
        &self,
        period: &str,
        revise: bool,
    ) -> Result<Vec<pb::ReleaseInfo>, ClientError> {
        self.aggregates()
            .release_now(self.req(pb::ReleaseNowRequest {
                period: period.to_owned(),
                revise,
            }))
            .await
            .map(|r| r.into_inner().releases)
            .map_err(|s| self.err(s))
    }

    /// Runs a sync round now, with every peer or one, and returns the records (admin).
    pub async fn sync_now(&self, peer: &str) -> Result<pb::SyncStatusResponse, ClientError> {
        SyncServiceClient::new(self.channel.clone())
            .sync_now(self.req(pb::SyncNowRequest {
                peer: peer.to_owned(),
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Runs a sync round now (SyncRun: as long as the round lasts, whatever the RPC
    /// deadline), calls `on_peer` with each peer's record as its run ends, and returns
    /// the round's records (admin).
    pub async fn sync_run(
        &self,
        peer: &str,
        mut on_peer: impl FnMut(&pb::PeerStatus),
    ) -> Result<pb::SyncStatusResponse, ClientError> {
        let mut stream = SyncServiceClient::new(self.channel.clone())
            .sync_run(self.req(pb::SyncNowRequest {
                peer: peer.to_owned(),
            }))
            .await
            .map_err(|s| self.err(s))?
            .into_inner();
        while let Some(p) = stream.message().await.map_err(|s| self.err(s))? {
            match p.event {
                Some(pb::sync_progress::Event::Peer(st)) => on_peer(&st),
                Some(pb::sync_progress::Event::Done(st)) => return Ok(st),
                None => {}
            }
        }
        Err(self.err(tonic::Status::unavailable(
            "the node ended the sync round's stream before the round's records",
        )))
    }

    /// The per-peer sync records and alarms (admin).
    pub async fn sync_status(&self) -> Result<pb::SyncStatusResponse, ClientError> {
        SyncServiceClient::new(self.channel.clone())
            .sync_status(self.req(pb::SyncStatusRequest {}))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Gives the node a signed roster note (admin); it takes it only if it verifies
    /// under its pinned roster keys and is strictly newer.
    pub async fn publish_roster(
        &self,
        note: &str,
    ) -> Result<pb::PublishRosterResponse, ClientError> {
        SyncServiceClient::new(self.channel.clone())
            .publish_roster(self.req(pb::RosterNote {
                note: note.to_owned(),
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// Publishes a new version of the node's State's directory (admin).
    pub async fn publish_directory(
        &self,
        directory: pb::Directory,
    ) -> Result<pb::SignedDirectory, ClientError> {
        DirectoryServiceClient::new(self.channel.clone())
            .publish(self.req(pb::PublishDirectoryRequest {
                directory: Some(directory),
            }))
            .await
            .map(tonic::Response::into_inner)
            .map_err(|s| self.err(s))
    }

    /// The directories the node holds (of `state` only, if not empty), as signed.
    pub async fn directories(&self, state: &str) -> Result<Vec<pb::SignedDirectory>, ClientError> {
        DirectoryServiceClient::new(self.channel.clone())
            .max_decoding_message_size(vrs_proto::MAX_RESPONSE_BYTES)
            .list(self.req(pb::ListDirectoriesRequest {
                state: state.to_owned(),
                ..Default::default()
            }))
            .await
            .map(|r| r.into_inner().directories)
            .map_err(|s| self.err(s))
    }

    /// The roster note the node holds (admin); `None` when it holds none.
    pub async fn roster(&self) -> Result<Option<String>, ClientError> {
        SyncServiceClient::new(self.channel.clone())
            .get_roster(self.req(pb::RosterRequest { have_version: 0 }))
            .await
            .map(|r| Some(r.into_inner().note).filter(|n| !n.is_empty()))
            .map_err(|s| self.err(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_on_the_way_are_transient() {
        let endpoint = "https://n:1".to_owned();
        assert!(
            ClientError::NoNode {
                endpoint: endpoint.clone()
            }
            .is_transient()
        );
        let failed = |code| ClientError::Failed {
            endpoint: endpoint.clone(),
            code,
            message: String::new(),
        };
        assert!(failed(Code::Unavailable).is_transient());
        assert!(failed(Code::DeadlineExceeded).is_transient());
        assert!(!failed(Code::Internal).is_transient());
        let refused = from_status(&endpoint, Status::invalid_argument("bad"));
        assert!(refused.is_rejection() && !refused.is_transient());
        let cert = ClientError::CertificateRefused {
            endpoint,
            alert: "BadCertificate".into(),
        };
        assert!(!cert.is_transient());
    }
}
