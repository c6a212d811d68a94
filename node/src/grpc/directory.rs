//! The directory service: this State's directory of competent authorities published by
//! its admin, and every directory held, for every role of the federation.

use super::*;
use crate::directory::{self, DirectoryRefusal, Held};
use vrs_core::directory::DirectoryError;

const DIRECTORY_READERS: &[Allow] = &[
    Allow::OwnFocalPoint,
    Allow::OwnAdmin,
    Allow::PeerNode,
    Allow::Secretariat,
];

fn signed(h: &Held) -> pb::SignedDirectory {
    pb::SignedDirectory {
        state: h.directory.state.clone(),
        version: h.directory.version,
        envelope: Some(vrs_core::wire::envelope_to_pb(&h.envelope)),
    }
}

fn refused(e: DirectoryRefusal) -> Status {
    match e {
        DirectoryRefusal::Directory(DirectoryError::Invalid(v)) => invalid_status(&v),
        DirectoryRefusal::Directory(e @ DirectoryError::NotNewer { .. }) => field_status(
            Code::FailedPrecondition,
            "directory.version",
            &e.to_string(),
        ),
        DirectoryRefusal::Directory(e @ DirectoryError::IssuedBefore { .. }) => field_status(
            Code::FailedPrecondition,
            "directory.issued_on",
            &e.to_string(),
        ),
        e @ DirectoryRefusal::NotOwnState { .. } => {
            field_status(Code::PermissionDenied, "directory.state", &e.to_string())
        }
        e @ DirectoryRefusal::Raced(_) => Status::aborted(e.to_string()),
        DirectoryRefusal::Storage(e) => storage(e),
        DirectoryRefusal::Directory(e) => {
            Status::invalid_argument(clip(&e.to_string(), MAX_ERROR_MESSAGE))
        }
    }
}

#[tonic::async_trait]
impl pb::directory_service_server::DirectoryService for Services {
    async fn publish(
        &self,
        req: Request<pb::PublishDirectoryRequest>,
    ) -> Result<Response<pb::SignedDirectory>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let d = req
            .into_inner()
            .directory
            .ok_or_else(|| field_status(Code::InvalidArgument, "directory", "required"))?;
        let held = directory::publish(
            self.ledger.store(),
            self.ledger.signer(),
            self.state(),
            today(),
            &d,
        )
        .map_err(refused)?;
        tracing::info!(state = %held.directory.state, version = held.directory.version, entries = held.directory.entries.len(), "directory published");
        Ok(Response::new(signed(&held)))
    }

    async fn list(
        &self,
        req: Request<pb::ListDirectoriesRequest>,
    ) -> Result<Response<pb::ListDirectoriesResponse>, Status> {
        authorize(&req, self.state(), DIRECTORY_READERS)?;
        let r = req.into_inner();
        if r.states.len() > vrs_core::roster::MAX_MEMBERS {
            return Err(field_status(
                Code::InvalidArgument,
                "states",
                "more States than a federation has",
            ));
        }
        let state = (!r.state.is_empty()).then_some(r.state.as_str());
        let held = directory::list(self.ledger.store(), state).map_err(storage)?;
        if !r.held_digest.is_empty() && r.held_digest == directory::held_digest(&held) {
            return Ok(Response::new(pb::ListDirectoriesResponse {
                directories: Vec::new(),
                in_sync: true,
            }));
        }
        let directories = held
            .iter()
            .filter(|h| r.states.is_empty() || r.states.contains(&h.directory.state))
            .map(|h| {
                let mut s = signed(h);
                if r.versions_only {
                    s.envelope = None;
                }
                s
            })
            .collect();
        Ok(Response::new(pb::ListDirectoriesResponse {
            directories,
            in_sync: false,
        }))
    }
}
