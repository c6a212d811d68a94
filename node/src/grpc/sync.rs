//! The sync service: a round now, and the per-peer records (admin).

use super::*;

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

    async fn publish_roster(
        &self,
        req: Request<pb::RosterNote>,
    ) -> Result<Response<pb::PublishRosterResponse>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let note = req.into_inner().note;
        match self.sync.keys().offer(self.ledger.store(), &note) {
            Ok(Some(t)) => {
                tracing::info!(
                    version = t.opened.roster.version,
                    replaced = t.replaced,
                    "roster published"
                );
                Ok(Response::new(pb::PublishRosterResponse {
                    version: t.opened.roster.version,
                    replaced: t.replaced,
                    signed_by: t
                        .opened
                        .signed_by
                        .iter()
                        .map(|k| k.name().to_owned())
                        .collect(),
                }))
            }
            Ok(None) => Err(Status::already_exists(
                "this roster version is the one held already",
            )),
            Err(e) => Err(roster_status(e)),
        }
    }

    async fn get_roster(
        &self,
        req: Request<pb::RosterRequest>,
    ) -> Result<Response<pb::RosterNote>, Status> {
        authorize(&req, self.state(), &[Allow::OwnAdmin])?;
        let note = self.sync.keys().held().map(|h| h.note.clone());
        Ok(Response::new(pb::RosterNote {
            note: note.unwrap_or_default(),
        }))
    }
}

/// The status of a roster this node does not take.
fn roster_status(e: crate::roster::RosterRefusal) -> Status {
    use crate::roster::RosterRefusal as R;
    use vrs_core::roster::RosterError as E;
    let msg = e.to_string();
    match e {
        R::NotConfigured | R::Roster(E::Older { .. }) => Status::failed_precondition(msg),
        R::Roster(E::Threshold { .. }) => Status::permission_denied(msg),
        R::Roster(E::Invalid { field, message }) => {
            field_status(Code::InvalidArgument, &format!("note.{field}"), &message)
        }
        R::Roster(_) => field_status(Code::InvalidArgument, "note", &msg),
        R::Storage(_) => Status::internal(msg),
    }
}
