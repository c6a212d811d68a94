//! The directories of competent authorities in the nightly sync (design 08-directory.md):
//! after the releases, a puller sends the digest of the directories it holds; a peer
//! holding the same answers `in_sync` (a few bytes), otherwise the States and versions
//! it holds, and the puller fetches only those newer than its own. Each is taken only
//! when it verifies under its origin's key (the roster's, as for releases) valid on the
//! day it was issued, whoever relayed it; this node's own State's comes from no peer.

use tonic::transport::Channel;
use vrs_proto::v1 as pb;
use vrs_proto::v1::directory_service_client::DirectoryServiceClient;

use super::{Rejection, SyncEngine, SyncError};
use crate::directory;

impl SyncEngine {
    /// Pulls the peer's directories that are newer than those held.
    pub(super) async fn pull_directories(
        &self,
        ch: Channel,
        st: &mut pb::PeerStatus,
    ) -> Result<(), SyncError> {
        let store = self.ledger.store();
        let held = directory::list(store, None)?;
        let mut client = DirectoryServiceClient::new(ch)
            .max_decoding_message_size(vrs_proto::MAX_RESPONSE_BYTES);
        let offered = match client
            .list(pb::ListDirectoriesRequest {
                held_digest: directory::held_digest(&held).to_vec(),
                versions_only: true,
                ..Default::default()
            })
            .await
        {
            Ok(r) => r.into_inner(),
            // A peer of an earlier version keeps no directories: nothing to pull.
            Err(s) if s.code() == tonic::Code::Unimplemented => return Ok(()),
            Err(s) => return Err(SyncError::rpc("directories")(s)),
        };
        st.bytes += prost::Message::encoded_len(&offered) as u64;
        if offered.in_sync {
            return Ok(());
        }
        let own = self.ledger.state();
        // At most one per member of the federation, each a State this node has keys
        // of: a peer that lists more, or strangers, gets nothing more asked.
        let mut newer: Vec<String> = Vec::new();
        for o in offered
            .directories
            .iter()
            .take(vrs_core::roster::MAX_MEMBERS)
        {
            let wanted = o.state != own
                && !newer.contains(&o.state)
                && !self.keys.keys_with_windows(&o.state).is_empty()
                && held
                    .iter()
                    .find(|h| h.directory.state == o.state)
                    .is_none_or(|h| h.directory.version < o.version);
            if wanted {
                newer.push(o.state.clone());
            }
        }
        if newer.is_empty() {
            return Ok(());
        }
        let got = client
            .list(pb::ListDirectoriesRequest {
                states: newer.clone(),
                ..Default::default()
            })
            .await
            .map_err(SyncError::rpc("directories"))?
            .into_inner();
        st.bytes += prost::Message::encoded_len(&got) as u64;
        let mut asked: std::collections::HashSet<String> = newer.into_iter().collect();
        for s in got.directories {
            // Each State asked for once; anything else the peer sends is ignored.
            if !asked.remove(&s.state) {
                continue;
            }
            let refuse = |reason: String| {
                Rejection::Directory {
                    state: s.state.clone(),
                    reason,
                }
                .to_string()
            };
            match self.take_directory(&s) {
                Ok(true) => st.directories += 1,
                Ok(false) => {}
                Err(reason) => st.rejected.push(refuse(reason)),
            }
        }
        Ok(())
    }

    /// Verifies one offered directory under its origin's keys and takes it.
    fn take_directory(&self, s: &pb::SignedDirectory) -> Result<bool, String> {
        let env = vrs_core::wire::envelope_from_pb(
            s.envelope.clone().ok_or_else(|| "no envelope".to_owned())?,
        );
        let keys = self.keys.keys_with_windows(&s.state);
        if keys.is_empty() {
            return Err(format!("{} is not in the federation", s.state));
        }
        let mut refused = String::new();
        for (key, window) in &keys {
            match vrs_core::directory::open_directory(&env, key.public_key()) {
                Ok(d) => {
                    if d.state != s.state {
                        return Err(format!("it is signed as the directory of {}", d.state));
                    }
                    let day =
                        vrs_core::codes::Timestamp::parse(&format!("{}T00:00:00Z", d.issued_on))
                            .map_err(|e| e.to_string())?;
                    // A key rotated out signs nothing issued after its window (by the day).
                    let from = day.unix_seconds().max(0) as u64;
                    if !window.valid_at(from) && !window.valid_at(from + 86_399) {
                        return Err(format!(
                            "signed by a key of {} that was not valid on {}",
                            s.state, d.issued_on
                        ));
                    }
                    return directory::take(self.ledger.store(), &env, &d)
                        .map_err(|e| e.to_string());
                }
                Err(e) => refused = e.to_string(),
            }
        }
        Err(refused)
    }
}
