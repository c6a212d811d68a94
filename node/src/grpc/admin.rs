//! The admin service: focal points' signing keys.

use super::*;

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
