//! The log service: checkpoints, inclusion and consistency proofs.

use super::*;

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
        let role = authorize(&req, self.state(), LOG_READERS)?;
        // The node's admin sees the witnesses' cosignatures too (as peers do, through
        // the federation service); a receipt's checkpoint stays the log's own.
        let cp = if matches!(role, Role::Admin { .. }) {
            self.latest_cosigned()?
        } else {
            self.latest_checkpoint()?
        };
        Ok(Response::new(cp))
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
