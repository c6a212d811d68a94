//! The federation service: what peers and secretariats pull (manifests, releases, checkpoints, cosignatures).

use super::aggregates::release_info_for;
use super::*;

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
/// Most origins in one manifest filter.
const MAX_ORIGINS: usize = 4096;
/// Most manifest entries one page scans (entries of other origins are skipped).
const MAX_SCAN: usize = 20_000;

type ReleaseStream =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::FetchedRelease, Status>> + Send>>;

impl Services {
    pub(super) fn consistency(
        &self,
        first: u64,
        second: u64,
    ) -> Result<pb::ConsistencyProofResponse, Status> {
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

    /// What changed in this node's log since the checkpoint the caller holds
    /// (05-sync.md rule 12): nothing, the cosignatures it lacks, or the whole note.
    pub(super) fn checkpoint_since(
        &self,
        r: &pb::CheckpointSince,
    ) -> Result<pb::CheckpointUpdate, Status> {
        if r.cosigners.len() > vrs_core::note::MAX_SIGNATURES {
            return Err(field_status(
                Code::InvalidArgument,
                "cosigners",
                "too many cosigners",
            ));
        }
        let cp = self.latest_checkpoint()?;
        let lines = if r.without_cosignatures {
            Vec::new()
        } else {
            self.ledger.store().cosignatures(cp.size).map_err(storage)?
        };
        // An empty log has one tree head, the empty root, and nothing to witness: a
        // caller that holds nothing of it (size 0, no root) has nothing to learn.
        let empty = cp.size == 0 && r.size == 0 && r.root_hash.is_empty();
        if cp.size == r.size && (cp.root_hash == r.root_hash || empty) {
            let known: std::collections::HashSet<&str> =
                r.cosigners.iter().map(String::as_str).collect();
            let new_cosignatures = lines
                .into_iter()
                .filter(|l| {
                    !vrs_core::note::Signature::parse_line(l)
                        .is_ok_and(|sig| known.contains(sig.name.as_str()))
                })
                .collect();
            return Ok(pb::CheckpointUpdate {
                note: String::new(),
                new_cosignatures,
            });
        }
        Ok(pb::CheckpointUpdate {
            note: super::cosigned(cp.note, &lines)?,
            new_cosignatures: Vec::new(),
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
        let role = authorize_federation(self, &req)?;
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
        let store = self.ledger.store();
        if !r.holdings.is_empty() {
            // The head is read before the digests: the digests then cover at least
            // every entry up to it, so a caller told "in sync" misses nothing.
            let head = store.manifest_head().map_err(storage)?.max(after);
            let mine = store.holdings_digest().map_err(storage)?;
            let roster_version = self.sync.keys().version();
            let checkpoint = r
                .checkpoint
                .as_ref()
                .map(|c| self.checkpoint_since(c))
                .transpose()?;
            let directories_in_sync = !r.directories.is_empty()
                && r.directories.as_slice()
                    == crate::directory::store_digest(store)
                        .map_err(storage)?
                        .as_slice();
            if r.holdings.as_slice() == mine.as_slice() {
                return Ok(Response::new(pb::ManifestResponse {
                    cursor: crate::sync::cursor_token(head),
                    in_sync: true,
                    roster_version,
                    checkpoint,
                    directories_in_sync,
                    ..Default::default()
                }));
            }
            let mut news = Vec::new();
            for origin in store.manifest_origins(after, head).map_err(storage)? {
                let digest = store.origin_holdings(&origin).map_err(storage)?;
                news.push(pb::OriginHoldings {
                    origin,
                    digest: digest.map(|d| d.to_vec()).unwrap_or_default(),
                });
            }
            return Ok(Response::new(pb::ManifestResponse {
                cursor: crate::sync::cursor_token(head),
                news,
                roster_version,
                checkpoint,
                directories_in_sync,
                ..Default::default()
            }));
        }
        let until = if r.until.is_empty() {
            u64::MAX
        } else {
            crate::sync::parse_cursor(&r.until).ok_or_else(|| {
                field_status(
                    Code::InvalidArgument,
                    "until",
                    "not a cursor from this node",
                )
            })?
        };
        if r.origins.len() > MAX_ORIGINS {
            return Err(field_status(
                Code::InvalidArgument,
                "origins",
                &format!("{} origins, at most {MAX_ORIGINS}", r.origins.len()),
            ));
        }
        let origins = r.origins.into_iter().collect();
        let page = store
            .manifest_filtered(after, until, &origins, limit, MAX_SCAN)
            .map_err(storage)?;
        let mut gate = crate::reciprocity::Gate::new(store, self.state(), &role);
        Ok(Response::new(pb::ManifestResponse {
            releases: page
                .entries
                .iter()
                .map(|(_, r)| release_info_for(&mut gate, r))
                .collect::<Result<_, _>>()?,
            cursor: crate::sync::cursor_token(page.last),
            more: page.more,
            ..Default::default()
        }))
    }

    async fn fetch_releases(
        &self,
        req: Request<pb::FetchReleasesRequest>,
    ) -> Result<Response<Self::FetchReleasesStream>, Status> {
        let role = authorize_federation(self, &req)?;
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
        let state = self.state().to_owned();
        let stream = async_stream(move |tx| async move {
            let mut gate = crate::reciprocity::Gate::new(ledger.store(), &state, &role);
            for d in digests {
                let item = match ledger.store().release_by_digest(&d) {
                    // Withheld by reciprocity: as if not held (the manifest marked it).
                    Ok(Some(bytes)) if gate.withholds_stored(&bytes) => continue,
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
        Ok(Response::new(self.latest_cosigned()?))
    }

    async fn get_checkpoint_since(
        &self,
        req: Request<pb::CheckpointSince>,
    ) -> Result<Response<pb::CheckpointUpdate>, Status> {
        authorize_federation(self, &req)?;
        Ok(Response::new(self.checkpoint_since(req.get_ref())?))
    }

    async fn get_roster(
        &self,
        req: Request<pb::RosterRequest>,
    ) -> Result<Response<pb::RosterNote>, Status> {
        authorize_federation(self, &req)?;
        let have = req.into_inner().have_version;
        let note = self
            .sync
            .keys()
            .held()
            .filter(|h| h.roster.version > have)
            .map(|h| h.note.clone())
            .unwrap_or_default();
        Ok(Response::new(pb::RosterNote { note }))
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
        let keys = self.sync.peer_keys(&peer).ok_or_else(|| {
            Status::permission_denied(format!("{peer} is not a configured peer of this node"))
        })?;
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
        match crate::witness::witness(store, &keys, &r.checkpoint, r.old_size, &proof, now) {
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
