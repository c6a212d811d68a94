//! The federation sync engine (the rules of `05-sync.md`): per peer, pull the manifest
//! from the stored cursor, fetch what is missing by digest, verify each release under
//! its origin's pinned key whoever relayed it, keep only strictly newer versions, store,
//! advance the cursor; then witness the peer's log and ask the peer to cosign ours.
//! Peers run independently, each with its own deadline and retries (exponential
//! backoff with jitter); a run leaves a record per peer.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use prost::Message as _;
use tonic::transport::Channel;
use vrs_core::Hash;
use vrs_core::note::NoteVerifier;
use vrs_proto::v1 as pb;
use vrs_proto::v1::federation_service_client::FederationServiceClient;

mod connect;
mod directories;
mod error;
mod reciprocity;
mod witnessing;

pub use error::{Rejection, SyncError};

use crate::config::{PeerConfig, RosterConfig, SyncConfig};
use crate::ledger::Ledger;
use crate::roster::{KeyBook, verifiers};
use crate::storage::releases::ReleaseRecord;
use crate::witness::PeerKeys;

/// Manifest entries asked for per call.
const MANIFEST_PAGE: u32 = 1000;
/// Releases fetched per stream.
const FETCH_CHUNK: usize = 200;
/// First retry delay; doubled each attempt, plus up to 50% jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(300);

/// Encodes a manifest cursor (opaque to clients).
pub fn cursor_token(seq: u64) -> String {
    B64URL.encode(seq.to_be_bytes())
}

/// Decodes a manifest cursor; `None` for anything this node did not issue.
pub fn parse_cursor(token: &str) -> Option<u64> {
    if token.is_empty() {
        return Some(0);
    }
    let b = B64URL.decode(token).ok()?;
    Some(u64::from_be_bytes(b.try_into().ok()?))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn random_below(n: u64) -> u64 {
    let rng = ring::rand::SystemRandom::new();
    let v: [u8; 8] = ring::rand::generate(&rng)
        .map(|r: ring::rand::Random<[u8; 8]>| r.expose())
        .unwrap_or([0; 8]);
    u64::from_le_bytes(v) % n.max(1)
}

/// Releases being fetched by some peer's run, each with a lock held until it is done.
type InFlight = Arc<Mutex<HashMap<Hash, Arc<tokio::sync::Mutex<()>>>>>;

/// A run's claim on fetching one release; released (and waiters woken) on drop.
struct Claim {
    map: InFlight,
    digest: Hash,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.digest);
    }
}

/// What the night's opening manifest call answered besides the releases.
struct Opening {
    /// The checkpoint question asked with it, and the answer.
    checkpoint: Option<(witnessing::Since, pb::CheckpointUpdate)>,
    /// The peer holds the directories this node held when it asked: none to pull.
    directories_in_sync: bool,
}

/// The sync engine of a node.
pub struct SyncEngine {
    ledger: Ledger,
    peers: Vec<PeerConfig>,
    /// The keys of the federation: this node's, the peers' pins, the roster's.
    keys: KeyBook,
    /// This node's client TLS configuration, one per peer: each with a session store of
    /// its own, so that a peer's session ticket is offered to that peer only (peers may
    /// share a host name) and the next night resumes instead of a full handshake.
    tls: HashMap<String, Arc<rustls::ClientConfig>>,
    cfg: SyncConfig,
    /// Whether to ask peers to cosign this node's checkpoints (not for a secretariat).
    cosign: bool,
    status: Mutex<BTreeMap<String, pb::PeerStatus>>,
    /// The size of this node's log each peer last said it witnessed.
    witnessed_by: Mutex<HashMap<String, u64>>,
    round: tokio::sync::Mutex<()>,
    inflight: InFlight,
}

impl SyncEngine {
    /// A sync engine for `peers`, calling out with `tls` (this node's certificate),
    /// verifying under the peers' pins and the roster (`roster`).
    pub fn new(
        ledger: Ledger,
        peers: Vec<PeerConfig>,
        roster: &RosterConfig,
        tls: Arc<rustls::ClientConfig>,
        cfg: SyncConfig,
        cosign: bool,
    ) -> Result<Self, SyncError> {
        let own = NoteVerifier::parse(&ledger.verifier_key())
            .map_err(|e| SyncError::Own(e.to_string()))?;
        let keys = KeyBook::open(ledger.state(), own, &peers, roster, ledger.store())
            .map_err(SyncError::NoPinnedKey)?;
        let mut status = BTreeMap::new();
        for p in &peers {
            let stored = ledger
                .store()
                .sync_record(&p.state)
                .ok()
                .flatten()
                .and_then(|b| pb::PeerStatus::decode(b.as_slice()).ok());
            ledger
                .metrics()
                .sync_peer(&p.state, stored.as_ref().map_or(0, |st| st.last_success));
            status.insert(
                p.state.clone(),
                stored.unwrap_or_else(|| pb::PeerStatus {
                    peer: p.state.clone(),
                    endpoint: p.endpoint.clone(),
                    ..Default::default()
                }),
            );
        }
        let tls = peers
            .iter()
            .map(|p| (p.state.clone(), crate::tls::with_own_sessions(&tls)))
            .collect();
        Ok(Self {
            ledger,
            peers,
            keys,
            tls,
            cfg,
            cosign,
            status: Mutex::new(status),
            witnessed_by: Mutex::new(HashMap::new()),
            round: tokio::sync::Mutex::new(()),
            inflight: Default::default(),
        })
    }

    /// Whether `state` is a configured peer.
    pub fn is_peer(&self, state: &str) -> bool {
        self.peers.iter().any(|p| p.state == state)
    }

    /// The keys of the federation (pins and roster).
    pub fn keys(&self) -> &KeyBook {
        &self.keys
    }

    /// The keys a peer's log is witnessed under; `None` for a State that is not a
    /// configured peer, or with no key known.
    pub fn peer_keys(&self, state: &str) -> Option<PeerKeys> {
        if !self.is_peer(state) || !self.keys.knows(state) {
            return None;
        }
        Some(PeerKeys {
            now: verifiers(self.keys.keys_at(state, now() as u64)),
        })
    }

    /// The per-peer records and the alarms.
    pub fn status(&self) -> pb::SyncStatusResponse {
        let mut peers: Vec<pb::PeerStatus> = self
            .status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        let mut withholding = self.withholding();
        for p in &mut peers {
            p.withholding = withholding.remove(&p.peer).unwrap_or_default();
        }
        pb::SyncStatusResponse {
            peers,
            alarms: self.ledger.store().alarms().unwrap_or_default(),
        }
    }

    /// Runs one round: every peer (or only `only`) concurrently, each with its own
    /// deadline. Returns when all are done. The round runs in a task of its own (see
    /// [`SyncEngine::start_round`]): dropping this future does not stop it.
    pub async fn run(self: &Arc<Self>, only: Option<&str>) -> pb::SyncStatusResponse {
        let (progress, _) = tokio::sync::mpsc::unbounded_channel();
        match self.start_round(only.map(str::to_owned), progress).await {
            Ok(st) => st,
            Err(e) => {
                tracing::error!(error = %e, "sync round task failed");
                self.status()
            }
        }
    }

    /// Starts a round in a task of its own, detached from the caller: whatever happens
    /// to the caller (an RPC deadline, a client that hangs up), every peer's run goes
    /// on to its own deadline and stores its record. Each record is also sent to
    /// `progress` as soon as its peer is done. The handle yields the round's records.
    pub fn start_round(
        self: &Arc<Self>,
        only: Option<String>,
        progress: tokio::sync::mpsc::UnboundedSender<pb::PeerStatus>,
    ) -> tokio::task::JoinHandle<pb::SyncStatusResponse> {
        let me = self.clone();
        tokio::spawn(async move {
            let _round = me.round.lock().await;
            let mut set = tokio::task::JoinSet::new();
            for peer in me
                .peers
                .iter()
                .filter(|p| only.as_deref().is_none_or(|o| o == p.state))
            {
                let engine = me.clone();
                let peer = peer.clone();
                set.spawn(async move { engine.run_peer(&peer).await });
            }
            while let Some(done) = set.join_next().await {
                if let Ok(st) = done {
                    let _ = progress.send(st);
                }
            }
            me.status()
        })
    }

    async fn run_peer(&self, peer: &PeerConfig) -> pb::PeerStatus {
        let mut st = pb::PeerStatus {
            peer: peer.state.clone(),
            endpoint: peer.endpoint.clone(),
            started: now(),
            ..Default::default()
        };
        if let Some(prev) = self
            .status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&peer.state)
        {
            st.last_success = prev.last_success;
            st.witnessed_size = prev.witnessed_size;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(self.cfg.peer_deadline_s);
        let mut result = Err(SyncError::NotAttempted);
        let wire = Arc::new(AtomicU64::new(0));
        for attempt in 1..=self.cfg.attempts.max(1) {
            st.attempts = attempt as u32;
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            result = match tokio::time::timeout(left, self.attempt(peer, &mut st, &wire)).await {
                Ok(r) => r,
                Err(_) => {
                    st.wire_bytes = wire.load(Ordering::Relaxed);
                    Err(SyncError::Deadline(self.cfg.peer_deadline_s))
                }
            };
            // A split view is not transient: retrying would only raise the alarm again.
            let equivocation = result.as_ref().is_err_and(SyncError::is_equivocation);
            if result.is_ok() || equivocation || attempt == self.cfg.attempts.max(1) {
                break;
            }
            let base = BACKOFF_BASE * 2u32.pow((attempt - 1).min(10) as u32);
            let jitter = Duration::from_millis(random_below(base.as_millis() as u64 / 2 + 1));
            let wait = (base + jitter)
                .min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            tracing::info!(peer = %peer.state, attempt, error = %result.as_ref().err().map(ToString::to_string).unwrap_or_default(), wait_ms = wait.as_millis() as u64, "sync attempt failed; backing off");
            tokio::time::sleep(wait).await;
        }
        st.finished = now();
        self.ledger.metrics().sync_run(
            &peer.state,
            crate::metrics::SyncRun {
                ok: result.is_ok(),
                fetched: st.fetched,
                rejected: st.rejected.len() as u64,
                bytes: st.bytes,
                last_success: if result.is_ok() {
                    st.finished
                } else {
                    st.last_success
                },
            },
        );
        match result {
            Ok(()) => {
                st.last_success = st.finished;
                st.last_error.clear();
            }
            Err(e) => {
                tracing::warn!(peer = %peer.state, error = %e, "sync failed");
                st.last_error = e.to_string();
            }
        }
        // Only a record of a later run replaces this one.
        let started = st.started;
        let newer =
            |stored: &[u8]| pb::PeerStatus::decode(stored).is_ok_and(|held| held.started > started);
        if let Err(e) = self
            .ledger
            .store()
            .set_sync_record(&peer.state, &st.encode_to_vec(), newer)
        {
            tracing::error!(error = %e, "cannot store the sync record");
        }
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(peer.state.clone(), st.clone());
        st
    }

    /// One attempt: a connection, and the night's calls on it.
    async fn attempt(
        &self,
        peer: &PeerConfig,
        st: &mut pb::PeerStatus,
        wire: &Arc<AtomicU64>,
    ) -> Result<(), SyncError> {
        let ch = self.connect(peer, wire.clone()).await?;
        let open = ch.clone();
        let r = self.exchange(peer, ch, st).await;
        // Read while the connection is open: its close is not counted.
        st.wire_bytes = wire.load(Ordering::Relaxed);
        drop(open);
        r
    }

    /// The night's calls to `peer` on the connection `ch`.
    async fn exchange(
        &self,
        peer: &PeerConfig,
        ch: Channel,
        st: &mut pb::PeerStatus,
    ) -> Result<(), SyncError> {
        let mut client = FederationServiceClient::new(ch.clone())
            .max_decoding_message_size(vrs_proto::MAX_RESPONSE_BYTES);
        st.roster_version = 0;
        st.directories = 0;
        // The question about the peer's log goes with the opening manifest call (one
        // call on a quiet night); without a key of the peer yet, it is asked later.
        let since = self.checkpoint_since(&peer.state).ok().flatten();
        // So is the question about the directories of competent authorities.
        let directories = crate::directory::store_digest(self.ledger.store())?;
        let before = st.bytes;
        let pulled = self
            .pull_releases(peer, &mut client, st, since, directories)
            .await;
        st.release_bytes = st.bytes - before;
        let opening = pulled?;
        if let Some((_, up)) = &opening.checkpoint {
            st.release_bytes -= up.encoded_len() as u64;
        }
        self.witness_peer(peer, &mut client, st, opening.checkpoint)
            .await?;
        // A secretariat keeps no log of its own to be cosigned.
        if self.cosign {
            self.ask_cosignature(peer, &mut client).await?;
        }
        if opening.directories_in_sync {
            return Ok(());
        }
        self.pull_directories(ch, st).await
    }

    /// Asks the peer for a roster newer than the one held, and takes it if it verifies
    /// under the pinned roster keys: before any release or checkpoint of the night is
    /// checked, so a new member or a rotated key applies at once.
    async fn pull_roster(
        &self,
        client: &mut FederationServiceClient<Channel>,
        st: &mut pb::PeerStatus,
    ) -> Result<(), SyncError> {
        let up = client
            .get_roster(pb::RosterRequest {
                have_version: self.keys.version(),
            })
            .await
            .map_err(SyncError::rpc("roster"))?
            .into_inner();
        st.bytes += up.encoded_len() as u64;
        if up.note.is_empty() {
            return Ok(());
        }
        match self.keys.offer(self.ledger.store(), &up.note) {
            Ok(Some(t)) => {
                st.roster_version = t.opened.roster.version;
                tracing::info!(
                    peer = %st.peer,
                    version = t.opened.roster.version,
                    replaced = t.replaced,
                    "roster taken from a peer"
                );
            }
            Ok(None) => {}
            Err(crate::roster::RosterRefusal::Storage(e)) => return Err(e.into()),
            Err(e) => st
                .rejected
                .push(Rejection::Roster(e.to_string()).to_string()),
        }
        Ok(())
    }

    /// Pulls what the peer holds that this node does not (and the roster, when the
    /// peer's is newer); answers what the opening call answered to the checkpoint
    /// question `since` and to the digest of the `directories` held.
    async fn pull_releases(
        &self,
        peer: &PeerConfig,
        client: &mut FederationServiceClient<Channel>,
        st: &mut pb::PeerStatus,
        since: Option<witnessing::Since>,
        directories: [u8; 32],
    ) -> Result<Opening, SyncError> {
        let store = self.ledger.store();
        // Cursors belong to a roster version: under a newer roster every pull starts
        // over (what was refused for want of a key may verify now), and a run that
        // began under an older one cannot move the newer cursor.
        let epoch = self.keys.version();
        let mut cursor = store.sync_cursor(&peer.state, epoch)?;
        // First what this node holds, in 32 bytes (05-sync.md rule 11).
        let mut first = client
            .manifest(pb::ManifestRequest {
                cursor: cursor_token(cursor),
                holdings: store.holdings_digest()?.to_vec(),
                roster_version: epoch,
                checkpoint: since.as_ref().map(|s| s.ask.clone()),
                directories: directories.to_vec(),
                ..Default::default()
            })
            .await
            .map_err(SyncError::rpc("manifest"))?
            .into_inner();
        st.bytes += first.encoded_len() as u64;
        // A newer roster is taken before any release of the night is checked.
        if self.keys.pins_roster() && first.roster_version > epoch {
            self.pull_roster(client, st).await?;
        }
        // A peer with no key known (not pinned, not in the roster) is not pulled from:
        // every release it relays would be refused and passed over.
        if self.peer_keys(&peer.state).is_none() {
            return Err(SyncError::NoPinnedKey(peer.state.clone()));
        }
        let opening = Opening {
            checkpoint: since.zip(first.checkpoint.take()),
            directories_in_sync: first.directories_in_sync,
        };
        let head = parse_cursor(&first.cursor).ok_or(SyncError::BadCursor)?;
        st.in_sync = first.in_sync;
        // Only the origins of which the peer holds something this node does not.
        let theirs: BTreeMap<String, Vec<u8>> = first
            .news
            .into_iter()
            .map(|n| (n.origin, n.digest))
            .collect();
        let mut differ = std::collections::BTreeSet::new();
        loop {
            // Before each page, again: another peer's run may have brought an origin
            // level with this peer meanwhile (the first night, every neighbour offers
            // the same origins at once); its remaining entries need not be listed.
            differ.clear();
            for (origin, digest) in &theirs {
                let mine = store.origin_holdings(origin)?;
                if mine.is_none_or(|d| d.as_slice() != digest.as_slice()) {
                    differ.insert(origin.clone());
                }
            }
            if differ.is_empty() {
                break;
            }
            let page = client
                .manifest(pb::ManifestRequest {
                    cursor: cursor_token(cursor),
                    limit: MANIFEST_PAGE,
                    origins: differ.iter().cloned().collect(),
                    until: cursor_token(head),
                    ..Default::default()
                })
                .await
                .map_err(SyncError::rpc("manifest"))?
                .into_inner();
            st.bytes += page.encoded_len() as u64;
            let next = parse_cursor(&page.cursor).ok_or(SyncError::BadCursor)?;
            let wanted = self.not_held(&peer.state, page.releases, st)?;
            self.fetch_wanted(client, &wanted, st).await?;
            if next > cursor {
                store.set_sync_cursor(&peer.state, next, epoch)?;
                cursor = next;
            }
            if !page.more {
                break;
            }
        }
        if head > cursor {
            store.set_sync_cursor(&peer.state, head, epoch)?;
        }
        self.fetch_pending(&peer.state, client, st).await?;
        Ok(opening)
    }

    /// Of a manifest page's entries, those this node does not hold, by digest; those
    /// the peer withholds by reciprocity are kept pending instead.
    fn not_held(
        &self,
        peer: &str,
        entries: Vec<pb::ReleaseInfo>,
        st: &mut pb::PeerStatus,
    ) -> Result<HashMap<Hash, pb::ReleaseInfo>, SyncError> {
        let mut wanted = HashMap::new();
        for info in entries {
            let Ok(d) = <Hash>::try_from(info.digest.as_slice()) else {
                st.rejected.push(
                    Rejection::BadDigest {
                        what: format!("{} {} {}", info.origin, info.table, info.period),
                    }
                    .to_string(),
                );
                continue;
            };
            if self.ledger.store().has_release(&d)? {
                st.already_held += 1;
            } else if info.withheld {
                // Made durable with the cursor that passes it.
                self.ledger
                    .store()
                    .put_pending(peer, &reciprocity::pending_record(&info, d))?;
            } else {
                wanted.insert(d, info);
            }
        }
        Ok(wanted)
    }

    /// Fetches and stores the `wanted` releases. A release another peer's run is
    /// fetching at this moment is not fetched twice: this run waits for that one and
    /// fetches it only if it did not end up stored (a relay that served bad bytes).
    async fn fetch_wanted(
        &self,
        client: &mut FederationServiceClient<Channel>,
        wanted: &HashMap<Hash, pb::ReleaseInfo>,
        st: &mut pb::PeerStatus,
    ) -> Result<(), SyncError> {
        let mut mine = Vec::new();
        let mut theirs = Vec::new();
        for d in wanted.keys() {
            match self.claim(*d) {
                Ok(c) => mine.push(c),
                Err(busy) => theirs.push((*d, busy)),
            }
        }
        for chunk in mine.chunks(FETCH_CHUNK) {
            let digests: Vec<Hash> = chunk.iter().map(|c| c.digest).collect();
            self.fetch_chunk(client, wanted, &digests, st).await?;
        }
        drop(mine);
        let mut rest = Vec::new();
        for (d, busy) in theirs {
            let _done = busy.lock().await;
            if self.ledger.store().has_release(&d)? {
                st.already_held += 1;
            } else {
                rest.push(d);
            }
        }
        for chunk in rest.chunks(FETCH_CHUNK) {
            self.fetch_chunk(client, wanted, chunk, st).await?;
        }
        Ok(())
    }

    async fn fetch_chunk(
        &self,
        client: &mut FederationServiceClient<Channel>,
        wanted: &HashMap<Hash, pb::ReleaseInfo>,
        chunk: &[Hash],
        st: &mut pb::PeerStatus,
    ) -> Result<(), SyncError> {
        let mut stream = client
            .fetch_releases(pb::FetchReleasesRequest {
                digests: chunk.iter().map(|d| d.to_vec()).collect(),
            })
            .await
            .map_err(SyncError::rpc("fetch"))?
            .into_inner();
        let mut items = Vec::new();
        // Only the digests of this chunk, each once: a peer that streams more (the same
        // release again, or others) is cut off after as many again.
        let mut asked: std::collections::HashSet<Hash> = chunk.iter().copied().collect();
        let mut extra = 0;
        while let Some(item) = stream.message().await.map_err(SyncError::rpc("fetch"))? {
            st.bytes += item.encoded_len() as u64;
            let mine = <Hash>::try_from(item.digest.as_slice()).is_ok_and(|d| asked.remove(&d));
            if !mine {
                extra += 1;
                if extra > chunk.len() {
                    break;
                }
                st.rejected.push(Rejection::NotAskedFor.to_string());
                continue;
            }
            match self.check_release(wanted, item) {
                Ok(x) => items.push(x),
                Err(reason) => st.rejected.push(reason.to_string()),
            }
        }
        let results = self.ledger.put_peer_releases(items).await?;
        for r in results {
            match r {
                Ok(true) => st.fetched += 1,
                Ok(false) => st.already_held += 1,
                Err(reason) => st.rejected.push(reason.to_string()),
            }
        }
        Ok(())
    }

    /// Claims the fetch of `digest` for this run, or answers the lock that is released
    /// when the run that claimed it is done with it.
    fn claim(&self, digest: Hash) -> Result<Claim, Arc<tokio::sync::Mutex<()>>> {
        let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(busy) = map.get(&digest) {
            return Err(busy.clone());
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        let guard = lock.clone().try_lock_owned().expect("a new lock is free");
        map.insert(digest, lock);
        Ok(Claim {
            map: self.inflight.clone(),
            digest,
            _guard: guard,
        })
    }

    /// Verifies a fetched release end to end: digest, origin in the federation,
    /// signature under the origin's pinned key, identity as announced.
    fn check_release(
        &self,
        wanted: &HashMap<Hash, pb::ReleaseInfo>,
        item: pb::FetchedRelease,
    ) -> Result<(ReleaseRecord, Vec<u8>), Rejection> {
        let d = <Hash>::try_from(item.digest.as_slice()).map_err(|_| Rejection::BadDigest {
            what: "a fetched release".into(),
        })?;
        let info = wanted.get(&d).ok_or(Rejection::NotAskedFor)?;
        let what = format!(
            "{} {} {} v{}",
            info.origin, info.table, info.period, info.version
        );
        let Some(envelope) = item.envelope else {
            return Err(Rejection::Empty { what });
        };
        let env = vrs_core::wire::envelope_from_pb(envelope);
        let bytes = env.to_entry_bytes();
        if vrs_core::sha256(&bytes) != d {
            return Err(Rejection::DigestMismatch { what });
        }
        let keys = self.keys.keys_with_windows(&info.origin);
        if keys.is_empty() {
            return Err(Rejection::UnknownOrigin {
                what,
                origin: info.origin.clone(),
            });
        }
        // Under whichever of the origin's keys signed it; that key must have been valid
        // when the release was computed (a key rotated out signs nothing newer).
        let mut refused = None;
        let mut opened = None;
        for (key, window) in &keys {
            match vrs_core::release::open_release(&env, key.public_key()) {
                Ok(r) => {
                    opened = Some((r, window));
                    break;
                }
                Err(reason) => refused = Some(reason),
            }
        }
        let Some((release, window)) = opened else {
            let reason = refused.expect("at least one key was tried");
            return Err(Rejection::Refused { what, reason });
        };
        let at = release.computed_at.unix_seconds();
        if !window.valid_at(at.max(0) as u64) {
            return Err(Rejection::KeyNotValid {
                what,
                origin: info.origin.clone(),
                computed_at: release.computed_at.to_string(),
            });
        }
        if release.origin.as_str() != info.origin
            || release.table.code() != info.table
            || release.period.to_string() != info.period
            || release.version != info.version
        {
            return Err(Rejection::NotAsAnnounced { what });
        }
        Ok((
            ReleaseRecord {
                origin: info.origin.clone(),
                table: info.table.clone(),
                period: info.period.clone(),
                version: info.version,
                digest: d,
                size: bytes.len() as u64,
                reciprocity: release.reciprocity,
            },
            bytes,
        ))
    }

    /// Runs rounds on the cron schedule, with jitter, until the task is dropped.
    pub async fn schedule(self: Arc<Self>) {
        let Ok(cron) = crate::cron::Cron::parse(&self.cfg.schedule) else {
            return;
        };
        loop {
            let Some(next) = cron.next_after(now()) else {
                return;
            };
            let wait = (next - now()).max(0) as u64 + random_below(self.cfg.jitter_s + 1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            let st = self.run(None).await;
            tracing::info!(peers = st.peers.len(), "scheduled sync round done");
        }
    }
}
