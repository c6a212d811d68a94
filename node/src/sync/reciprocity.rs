//! The puller's side of reciprocity (see [`crate::reciprocity`]): entries a peer lists
//! as withheld are kept pending, not fetched; each run, those of the periods this node
//! has released are asked for by digest, and what arrives is verified and stored as any
//! release.

use std::collections::HashMap;

use tonic::transport::Channel;
use vrs_core::Hash;
use vrs_proto::v1 as pb;
use vrs_proto::v1::federation_service_client::FederationServiceClient;

use super::{SyncEngine, SyncError};
use crate::storage::releases::ReleaseRecord;

/// The pending record of a withheld manifest entry.
pub(super) fn pending_record(info: &pb::ReleaseInfo, digest: Hash) -> ReleaseRecord {
    ReleaseRecord {
        origin: info.origin.clone(),
        table: info.table.clone(),
        period: info.period.clone(),
        version: info.version,
        digest,
        size: info.size,
        reciprocity: Default::default(),
    }
}

/// Whether a pending release needs fetching no more: it is held, or a version at least
/// as new of the same release is (an older one would be refused as not newer).
fn settled(store: &crate::storage::Store, rec: &ReleaseRecord) -> Result<bool, SyncError> {
    if store.has_release(&rec.digest)? {
        return Ok(true);
    }
    Ok(store
        .latest_release(&rec.origin, &rec.table, &rec.period)?
        .is_some_and(|(version, _)| version >= rec.version))
}

impl SyncEngine {
    /// Asks `peer` for what it withheld from this node and this node may now be served
    /// (releases of periods of which this node holds its own release), stores what
    /// arrives, and counts what is still pending in `st.pending`.
    pub(super) async fn fetch_pending(
        &self,
        peer: &str,
        client: &mut FederationServiceClient<Channel>,
        st: &mut pb::PeerStatus,
    ) -> Result<(), SyncError> {
        let store = self.ledger.store();
        let own = self.ledger.state();
        let mut wanted = HashMap::new();
        for rec in store.pending(peer)? {
            if settled(store, &rec)? {
                store.remove_pending(peer, &rec)?;
            } else if store.holds_period(own, &rec.period)? {
                wanted.insert(
                    rec.digest,
                    pb::ReleaseInfo {
                        origin: rec.origin,
                        table: rec.table,
                        period: rec.period,
                        version: rec.version,
                        digest: rec.digest.to_vec(),
                        size: rec.size,
                        withheld: true,
                    },
                );
            }
        }
        if !wanted.is_empty() {
            self.fetch_wanted(client, &wanted, st).await?;
        }
        st.pending = 0;
        for rec in store.pending(peer)? {
            if settled(store, &rec)? {
                store.remove_pending(peer, &rec)?;
            } else {
                st.pending += 1;
            }
        }
        Ok(())
    }

    /// What this node withholds from each configured peer by reciprocity, and why.
    pub(super) fn withholding(&self) -> std::collections::BTreeMap<String, Vec<pb::Withholding>> {
        let peers: Vec<&str> = self.peers.iter().map(|p| p.state.as_str()).collect();
        crate::reciprocity::withholding(self.ledger.store(), self.ledger.state(), &peers)
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot compute what reciprocity withholds");
                Default::default()
            })
    }
}
