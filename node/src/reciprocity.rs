//! Reciprocity (design 08-directory.md; ARCHITECTURE.md, "Reciprocity"): only States
//! that provide data see the data of others.
//!
//! Every release carries its origin's signed policy ([`Reciprocity`]). Under
//! [`Reciprocity::Period`], a caller of role `Node { state: P }` is served release X
//! (origin O ≠ P, period Q) only if this node holds a release of origin P and period Q
//! (any table, any version), or P lists one of its own of Q that it withholds from this
//! node ([`Store::lists_own`]: the opening move, without which two nodes under `period`
//! would each wait for the other's release forever). A secretariat is served unless the
//! release includes secretariats. A State's own focal points and admin see everything
//! their node holds. [`Gate`] is that one rule; every path that serves release contents
//! asks it (`FetchReleases`, `GetRelease`, `Export`, `RegionalTable`), and the listings
//! (`Manifest`, `ListReleases`) mark what it withholds.
//!
//! An honest relay applies the origin's policy to what it relays, with its own holdings
//! of P's releases; a dishonest relay can still pass on whatever it was given.

use std::collections::{BTreeMap, HashMap};

use vrs_core::envelope::Envelope;
use vrs_core::identity::Role;
use vrs_core::release::Reciprocity;
use vrs_core::wire::ReleaseScope;
use vrs_proto::v1 as pb;

use crate::storage::releases::ReleaseRecord;
use crate::storage::{StorageError, Store};

/// The origin, period and signed policy of a stored release (envelope entry bytes),
/// without decoding its cells.
pub fn scope_of(bytes: &[u8]) -> Result<ReleaseScope, StorageError> {
    let corrupt = |reason: String| StorageError::Corrupt {
        key: "L".into(),
        reason,
    };
    let env = Envelope::from_entry_bytes(bytes).map_err(|e| corrupt(e.to_string()))?;
    vrs_core::wire::release_scope(&env.payload).map_err(|e| corrupt(e.to_string()))
}

/// The signed policy of a stored release.
pub fn policy_of(bytes: &[u8]) -> Result<Reciprocity, StorageError> {
    Ok(scope_of(bytes)?.reciprocity)
}

/// The reciprocity rule for one caller of this node.
pub struct Gate<'a> {
    store: &'a Store,
    /// The State a peer node's certificate names, when the caller is another State's
    /// node.
    peer: Option<&'a str>,
    /// Whether the caller is another secretariat.
    secretariat: bool,
    /// Per period, whether the peer has provided it.
    provided: HashMap<String, bool>,
}

impl<'a> Gate<'a> {
    /// The rule for `role` calling the node of `own` (a State, or `secretariat:<id>`).
    pub fn new(store: &'a Store, own: &str, role: &'a Role) -> Self {
        let (peer, secretariat) = match role {
            Role::Node { state } if state != own => (Some(state.as_str()), false),
            Role::Secretariat { id } => (None, own.strip_prefix("secretariat:") != Some(id)),
            _ => (None, false),
        };
        Self {
            store,
            peer,
            secretariat,
            provided: HashMap::new(),
        }
    }

    /// Whether the release of `origin` and `period` under `policy` is withheld from the
    /// caller.
    pub fn withholds(
        &mut self,
        origin: &str,
        period: &str,
        policy: Reciprocity,
    ) -> Result<bool, StorageError> {
        let Reciprocity::Period {
            include_secretariats,
        } = policy
        else {
            return Ok(false);
        };
        if self.secretariat {
            return Ok(include_secretariats);
        }
        let Some(peer) = self.peer else {
            return Ok(false);
        };
        if peer == origin {
            return Ok(false);
        }
        if let Some(&p) = self.provided.get(period) {
            return Ok(!p);
        }
        let p = self.store.holds_period(peer, period)? || self.store.lists_own(peer, period)?;
        self.provided.insert(period.to_owned(), p);
        Ok(!p)
    }

    /// Whether the stored release `bytes` is withheld from the caller (one that does not
    /// read back is withheld too: it is served to no one).
    pub fn withholds_stored(&mut self, bytes: &[u8]) -> bool {
        match scope_of(bytes) {
            Ok(s) => self
                .withholds(&s.origin, &s.period, s.reciprocity)
                .unwrap_or(true),
            Err(_) => true,
        }
    }

    /// Whether the manifest entry `rec` is withheld from the caller.
    pub fn withholds_record(&mut self, rec: &ReleaseRecord) -> Result<bool, StorageError> {
        self.withholds(&rec.origin, &rec.period, rec.reciprocity)
    }

    /// Why a release of `origin` and `period` is withheld, for an error message.
    pub fn why(&self, origin: &str, period: &str) -> String {
        match self.peer {
            Some(peer) => format!(
                "withheld by reciprocity: {origin}'s policy serves releases of {period} to {peer} \
                 once this node holds {peer}'s own release of {period}"
            ),
            None => format!(
                "withheld by reciprocity: {origin}'s policy does not serve secretariats its \
                 releases of {period}"
            ),
        }
    }
}

/// What this node withholds from each of `peers` (States) by reciprocity, by period:
/// the latest held versions of releases under [`Reciprocity::Period`] that the rule
/// keeps from it, with the reason. One scan of the manifest for all peers.
pub fn withholding(
    store: &Store,
    own: &str,
    peers: &[&str],
) -> Result<BTreeMap<String, Vec<pb::Withholding>>, StorageError> {
    // The latest version of every identity under a period policy: the latest of those
    // under a policy, unless a newer one without is held.
    let mut latest: BTreeMap<(String, String, String), ReleaseRecord> = BTreeMap::new();
    for rec in store.reciprocal_releases() {
        let rec = rec?;
        let k = (rec.period.clone(), rec.origin.clone(), rec.table.clone());
        if latest.get(&k).is_none_or(|held| held.version < rec.version) {
            latest.insert(k, rec);
        }
    }
    let mut superseded = Vec::new();
    for (k, rec) in &latest {
        if store
            .latest_release(&rec.origin, &rec.table, &rec.period)?
            .is_some_and(|(version, _)| version > rec.version)
        {
            superseded.push(k.clone());
        }
    }
    for k in superseded {
        latest.remove(&k);
    }
    let mut out = BTreeMap::new();
    for &peer in peers {
        let role = Role::Node {
            state: peer.to_owned(),
        };
        let mut gate = Gate::new(store, own, &role);
        let mut by_period: BTreeMap<String, u64> = BTreeMap::new();
        for rec in latest.values() {
            if gate.withholds_record(rec)? {
                *by_period.entry(rec.period.clone()).or_default() += 1;
            }
        }
        let periods = by_period
            .into_iter()
            .map(|(period, releases)| pb::Withholding {
                reason: format!("{peer} has released nothing of {period} that this node holds"),
                period,
                releases,
            })
            .collect();
        out.insert(peer.to_owned(), periods);
    }
    Ok(out)
}
