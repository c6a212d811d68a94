//! The keys this node verifies others under (05-sync.md rule 13): its own, the
//! `[[peers]]` pins, and the federation roster's. A roster is taken only when signed by
//! `roster.threshold` of the pinned roster keys and strictly newer than the one held
//! (from `roster.file` at start, `vrs roster publish`, or a peer's sync); it is stored
//! durably and then used at once. A member's roster keys take precedence over a peer
//! pin of the same State, so that a rotated key needs no configuration edit.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use vrs_core::note::{NoteVerifier, Verifiers};
use vrs_core::roster::{OpenedRoster, Roster, RosterError, RosterKey, check_newer};

use crate::config::{PeerConfig, RosterConfig};
use crate::storage::{StorageError, Store};

/// Most bytes of a roster keys file.
const MAX_KEYS_FILE: u64 = 64 * 1024;

/// Reads a file of roster verifier keys: one `name+keyid+base64` per line, blank lines
/// and `#` comments skipped. At least one key.
pub fn read_keys_file(path: &Path) -> Result<Vec<NoteVerifier>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_KEYS_FILE {
        return Err(format!(
            "{}: {} bytes, more than {MAX_KEYS_FILE}",
            path.display(),
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let keys = vrs_core::roster::parse_roster_keys(&text)
        .map_err(|(line, e)| format!("{} line {line}: not a verifier key: {e}", path.display()))?;
    if keys.is_empty() {
        return Err(format!("{}: no roster key in it", path.display()));
    }
    Ok(keys)
}

/// Why a roster was not taken.
#[derive(Debug, thiserror::Error)]
pub enum RosterRefusal {
    /// This node pins no roster keys.
    #[error("this node pins no roster keys (roster.keys_file is not set)")]
    NotConfigured,
    /// The roster does not verify, does not validate, or is not newer.
    #[error("roster refused: {0}")]
    Roster(#[from] RosterError),
    /// The store failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

/// The roster held, and its note.
pub struct HeldRoster {
    /// The signed note, as received.
    pub note: String,
    /// Its contents.
    pub roster: Roster,
    /// Each member's keys, parsed once when the roster is taken (the sync looks them
    /// up for every release it fetches).
    keys: HashMap<String, Vec<WindowedKey>>,
}

/// A key with its validity window.
pub type WindowedKey = (NoteVerifier, RosterKey);

impl HeldRoster {
    fn new(note: String, roster: Roster) -> Self {
        let keys = roster
            .members
            .iter()
            .map(|m| {
                let keys = m
                    .keys
                    .iter()
                    .filter_map(|k| k.verifier().ok().map(|v| (v, k.clone())))
                    .collect();
                (m.state.clone(), keys)
            })
            .collect();
        Self { note, roster, keys }
    }
}

/// `v` valid at any time (a `[[peers]]` pin, or this node's own key).
fn always(v: NoteVerifier) -> WindowedKey {
    let k = RosterKey {
        vkey: v.to_vkey(),
        valid_from: 0,
        valid_until: 0,
    };
    (v, k)
}

/// What taking a roster did.
pub struct Taken {
    /// The version replaced (0: none was held).
    pub replaced: u64,
    /// The roster taken, with the keys that signed it.
    pub opened: OpenedRoster,
}

/// The keys of the federation, as this node knows them.
pub struct KeyBook {
    state: String,
    /// This node's keys: the one it signs with now, and those it had before.
    own: Vec<WindowedKey>,
    peers: BTreeMap<String, WindowedKey>,
    /// The pinned roster keys (`None`: no roster).
    pinned: Option<Verifiers>,
    threshold: usize,
    held: RwLock<Option<Arc<HeldRoster>>>,
    /// The version of a stored roster that no longer verifies (the pins changed): a
    /// roster taken later must still be newer, so that no older one comes back.
    floor: u64,
    /// One roster change at a time (the store's swap also guards it).
    taking: Mutex<()>,
}

impl KeyBook {
    /// The keys of a node of `state` signing with `own` (and with the keys `store`
    /// recorded before a rotation): the `[[peers]]` pins, the
    /// roster held in `store` (if it still verifies under the pinned keys), and then
    /// `roster.file` if it is newer.
    pub fn open(
        state: &str,
        own: NoteVerifier,
        peers: &[PeerConfig],
        cfg: &RosterConfig,
        store: &Store,
    ) -> Result<Self, String> {
        let mut pins = BTreeMap::new();
        for p in peers.iter().filter(|p| !p.vkey.is_empty()) {
            let v = NoteVerifier::parse(&p.vkey).map_err(|e| format!("{}: {e}", p.state))?;
            pins.insert(p.state.clone(), always(v));
        }
        let pinned = match &cfg.keys_file {
            Some(f) => Some(
                Verifiers::from_verifiers(read_keys_file(f)?)
                    .map_err(|e| format!("{}: {e}", f.display()))?,
            ),
            None => None,
        };
        let mut mine = vec![own];
        for k in store.verifier_keys().map_err(|e| e.to_string())? {
            if let Ok(v) = NoteVerifier::parse(&k)
                && !mine.contains(&v)
            {
                mine.push(v);
            }
        }
        let mut book = Self {
            state: state.to_owned(),
            own: mine.into_iter().map(always).collect(),
            peers: pins,
            pinned,
            threshold: cfg.needed(),
            held: RwLock::new(None),
            floor: 0,
            taking: Mutex::new(()),
        };
        if let (Some(pinned), Some(note)) =
            (&book.pinned, store.roster().map_err(|e| e.to_string())?)
        {
            match vrs_core::roster::open_roster(&note, pinned, book.threshold) {
                Ok(roster) => {
                    *book.held.write().unwrap_or_else(|p| p.into_inner()) =
                        Some(Arc::new(HeldRoster::new(note, roster)))
                }
                // The pins changed since it was taken: it is not used (nor deleted),
                // and only a newer version may replace it.
                Err(e) => {
                    book.floor = vrs_core::roster::parse_roster_unverified(&note)
                        .map_or(0, |(r, _)| r.version);
                    tracing::warn!(error = %e, floor = book.floor, "the roster held no longer verifies under the pinned roster keys; not used")
                }
            }
        }
        if let Some(f) = &cfg.file {
            let note = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            match book.offer(store, &note) {
                Ok(Some(t)) => tracing::info!(
                    version = t.opened.roster.version,
                    replaced = t.replaced,
                    "roster taken from roster.file"
                ),
                Ok(None) | Err(RosterRefusal::Roster(RosterError::Older { .. })) => {}
                Err(e) => return Err(format!("roster.file {}: {e}", f.display())),
            }
        }
        Ok(book)
    }

    /// Whether this node pins roster keys (takes rosters at all).
    pub fn pins_roster(&self) -> bool {
        self.pinned.is_some()
    }

    /// The roster held.
    pub fn held(&self) -> Option<Arc<HeldRoster>> {
        self.held.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The version of the roster held (0: none).
    pub fn version(&self) -> u64 {
        self.held().map_or(0, |h| h.roster.version)
    }

    /// Takes `note` if it verifies under the pinned roster keys and is strictly newer
    /// than the roster held; stores it durably before it is used. `Ok(None)`: the same
    /// version is held already.
    pub fn offer(&self, store: &Store, note: &str) -> Result<Option<Taken>, RosterRefusal> {
        let pinned = self.pinned.as_ref().ok_or(RosterRefusal::NotConfigured)?;
        let opened = vrs_core::roster::open_roster_note(note, pinned, self.threshold)?;
        let _one = self.taking.lock().unwrap_or_else(|p| p.into_inner());
        let held = self.held();
        let at_least = held
            .as_ref()
            .map(|h| h.roster.version)
            .or((self.floor > 0).then_some(self.floor));
        match check_newer(at_least, opened.roster.version) {
            Ok(()) => {}
            Err(RosterError::SameVersion) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let stored = store.roster()?;
        if !store.swap_roster(stored.as_deref(), note)? {
            return Err(RosterRefusal::Storage(StorageError::Corrupt {
                key: "F".into(),
                reason: "the roster changed during the swap".into(),
            }));
        }
        *self.held.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(HeldRoster::new(
            note.to_owned(),
            opened.roster.clone(),
        )));
        Ok(Some(Taken {
            replaced: held.map_or(0, |h| h.roster.version),
            opened,
        }))
    }

    /// The keys of `state` with their windows: this node's own; else the roster
    /// member's; else the `[[peers]]` pin (always valid).
    pub fn keys_with_windows(&self, state: &str) -> Vec<WindowedKey> {
        if state == self.state {
            return self.own.clone();
        }
        if let Some(keys) = self.held().and_then(|h| h.keys.get(state).cloned()) {
            return keys;
        }
        self.peers.get(state).cloned().into_iter().collect()
    }

    /// The keys of `state` valid at `unix` (for a checkpoint received now).
    pub fn keys_at(&self, state: &str, unix: u64) -> Vec<NoteVerifier> {
        self.keys_with_windows(state)
            .into_iter()
            .filter(|(_, k)| k.valid_at(unix))
            .map(|(v, _)| v)
            .collect()
    }

    /// Every key `state` has had (for what was verified when it was taken).
    pub fn known_keys(&self, state: &str) -> Vec<NoteVerifier> {
        self.keys_with_windows(state)
            .into_iter()
            .map(|(v, _)| v)
            .collect()
    }

    /// Whether any key of `state` is known (a member, a pinned peer, or this node).
    pub fn knows(&self, state: &str) -> bool {
        !self.keys_with_windows(state).is_empty()
    }
}

/// A verifier set of `keys` (a key listed twice counts once; a clash is dropped).
pub fn verifiers(keys: Vec<NoteVerifier>) -> Verifiers {
    let mut set = Verifiers::new();
    for k in keys {
        let _ = set.add(k);
    }
    set
}
