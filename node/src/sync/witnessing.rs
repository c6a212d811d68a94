//! Witnessing in the sync engine (a sub-module of `sync`): a peer's log, pulled with
//! the conditional checkpoint exchange (05-sync.md rule 12) and checked for
//! consistency; and this node's own checkpoint, offered to the peer to cosign.

use prost::Message as _;
use tonic::transport::Channel;
use vrs_core::Hash;
use vrs_core::note::{NoteVerifier, SignatureType, Verifiers, verify_cosignature};
use vrs_proto::v1 as pb;
use vrs_proto::v1::federation_service_client::FederationServiceClient;

use super::{SyncEngine, SyncError, now};
use crate::config::PeerConfig;

/// What this node holds of a peer's log, and the question that asks what changed since.
pub(super) struct Since {
    /// The peer's checkpoint note held (witnessed), if any.
    stored: Option<String>,
    /// The question (size, root, cosigners held).
    pub(super) ask: pb::CheckpointSince,
}

impl SyncEngine {
    /// The name of a peer's log (its key name), when a key of it is known.
    fn log_origin(&self, state: &str) -> Option<String> {
        self.keys
            .known_keys(state)
            .first()
            .map(|k| k.name().to_owned())
    }

    /// What is held of `state`'s log and the conditional question for it (05-sync.md
    /// rule 12); `None` when no key of the peer is known. The root goes with the size,
    /// so a second view of the same size is sent in full, and caught.
    pub(super) fn checkpoint_since(&self, state: &str) -> Result<Option<Since>, SyncError> {
        let (Some(_), Some(origin)) = (self.peer_keys(state), self.log_origin(state)) else {
            return Ok(None);
        };
        let stored = self.ledger.store().witnessed(&origin)?;
        let (held, root) = crate::witness::held_of(stored.as_deref())?;
        let cosigners = stored
            .as_deref()
            .and_then(|n| vrs_core::note::parse_note(n).ok())
            .map(|p| {
                p.signatures
                    .into_iter()
                    .map(|s| s.name)
                    .filter(|n| *n != origin)
                    .collect()
            })
            .unwrap_or_default();
        let ask = pb::CheckpointSince {
            size: held,
            root_hash: if held > 0 { root.to_vec() } else { Vec::new() },
            cosigners,
            // A State node witnesses its peers itself; the cosignatures of the other
            // witnesses are for secretariats (and move only once).
            without_cosignatures: self.cosign,
        };
        Ok(Some(Since { stored, ask }))
    }

    /// Witnesses the peer's log. `first` is the answer already had (with the night's
    /// opening manifest call) to a question asked from what was held then.
    pub(super) async fn witness_peer(
        &self,
        peer: &PeerConfig,
        client: &mut FederationServiceClient<Channel>,
        st: &mut pb::PeerStatus,
        mut first: Option<(Since, pb::CheckpointUpdate)>,
    ) -> Result<(), SyncError> {
        let keys = self
            .peer_keys(&peer.state)
            .ok_or_else(|| SyncError::NoPinnedKey(peer.state.clone()))?;
        let origin = self
            .log_origin(&peer.state)
            .ok_or_else(|| SyncError::NoPinnedKey(peer.state.clone()))?;
        let store = self.ledger.store();
        // What is held is read before the peer is asked: a Cosign push of the same
        // log that lands in between makes `witness` answer StaleOldSize (never a
        // false rollback alarm), and the pull starts again from the size now held.
        let mut stale = None;
        for _ in 0..3 {
            let (since, up) = match first.take() {
                Some(had) => had,
                None => {
                    let since = self
                        .checkpoint_since(&peer.state)?
                        .ok_or_else(|| SyncError::NoPinnedKey(peer.state.clone()))?;
                    let up = client
                        .get_checkpoint_since(since.ask.clone())
                        .await
                        .map_err(SyncError::rpc("checkpoint"))?
                        .into_inner();
                    st.bytes += up.encoded_len() as u64;
                    (since, up)
                }
            };
            let (held, stored) = (since.ask.size, since.stored);
            if up.note.is_empty() {
                st.witnessed_size = held;
                st.checkpoint = "unchanged".into();
                if let Some(stored) = stored.as_deref()
                    && !up.new_cosignatures.is_empty()
                {
                    // Lines that do not parse, or too many, are not kept.
                    if let Ok(more) = vrs_core::note::add_cosignatures(stored, &up.new_cosignatures)
                    {
                        let _ = store.swap_witnessed(&origin, Some(stored), &more)?;
                        st.checkpoint = "cosignatures".into();
                    }
                }
                return Ok(());
            }
            st.checkpoint = "new".into();
            // The size it states, to ask for the proof; `witness` verifies the note.
            let (size, _) = crate::witness::tree_head(&up.note).map_err(|e| {
                SyncError::Witness(crate::witness::WitnessError::BadNote(e.to_string()))
            })?;
            let proof = if held > 0 && size > held {
                let p = client
                    .get_consistency_proof(pb::ConsistencyProofRequest {
                        first: held,
                        second: size,
                    })
                    .await
                    .map_err(SyncError::rpc("consistency proof"))?
                    .into_inner();
                st.bytes += p.encoded_len() as u64;
                p.hashes
                    .iter()
                    .map(|h| <Hash>::try_from(h.as_slice()).map_err(|_| SyncError::BadProofHash))
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                Vec::new()
            };
            match crate::witness::witness(store, &keys, &up.note, held, &proof, now() as u64) {
                Ok(witnessed) => {
                    st.witnessed_size = witnessed.size.max(held);
                    return Ok(());
                }
                Err(e @ crate::witness::WitnessError::StaleOldSize { .. }) => {
                    stale = Some(e);
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(stale.map_or(SyncError::NotAttempted, SyncError::Witness))
    }

    pub(super) async fn ask_cosignature(
        &self,
        peer: &PeerConfig,
        client: &mut FederationServiceClient<Channel>,
    ) -> Result<(), SyncError> {
        let store = self.ledger.store();
        let note = store.durable_checkpoint()?.ok_or(SyncError::NoCheckpoint)?;
        // The peer cosigns with one of its node keys valid now (windows may overlap).
        let peer_keys = self.keys.keys_at(&peer.state, now() as u64);
        let peer_key = peer_keys
            .first()
            .cloned()
            .ok_or_else(|| SyncError::NoPinnedKey(peer.state.clone()))?;
        // Nothing to ask when the peer's cosignature of this very checkpoint is held.
        let size_now = store.size()?;
        let prefix = format!("— {} ", peer_key.name());
        if store
            .cosignatures(size_now)?
            .iter()
            .any(|l| l.starts_with(&prefix))
        {
            return Ok(());
        }
        let own_err = |e: &dyn std::fmt::Display| SyncError::Own(e.to_string());
        let own = NoteVerifier::parse(&self.ledger.verifier_key()).map_err(|e| own_err(&e))?;
        let cp = vrs_core::note::open_checkpoint(
            &note,
            &Verifiers::from_verifiers([own]).map_err(|e| own_err(&e))?,
        )
        .map_err(|e| own_err(&e))?
        .checkpoint;
        // Start from the size this peer last witnessed of this log, if known.
        let mut old_size = self
            .witnessed_by
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&peer.state)
            .copied()
            .unwrap_or(0);
        for _ in 0..2 {
            let proof = if old_size > 0 && old_size < cp.size {
                vrs_core::merkle::consistency_proof(store, old_size, cp.size)
                    .map_err(|e| own_err(&e))?
                    .iter()
                    .map(|h| h.to_vec())
                    .collect()
            } else {
                Vec::new()
            };
            let r = client
                .cosign(pb::CosignRequest {
                    checkpoint: note.clone(),
                    proof,
                    old_size,
                })
                .await
                .map_err(SyncError::rpc("cosign"))?
                .into_inner();
            self.witnessed_by
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(peer.state.clone(), r.witnessed_size);
            if r.cosignature.is_empty() {
                old_size = r.witnessed_size;
                continue;
            }
            let mut last = None;
            for k in &peer_keys {
                let cosigner =
                    NoteVerifier::new(k.name(), SignatureType::CosignatureV1, *k.public_key())
                        .map_err(|e| SyncError::BadCosignature(e.to_string()))?;
                match verify_cosignature(&r.cosignature, &cp, &cosigner) {
                    Ok(_) => {
                        last = None;
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            if let Some(e) = last {
                return Err(SyncError::BadCosignature(e.to_string()));
            }
            store.add_cosignature(cp.size, peer_key.name(), &r.cosignature)?;
            return Ok(());
        }
        Err(SyncError::NotCosigned)
    }
}
