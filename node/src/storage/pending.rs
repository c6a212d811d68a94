//! Releases a peer lists but withholds from this node by reciprocity (a sub-module of
//! `storage`; see ARCHITECTURE.md, "Reciprocity").
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `G` | peer, 0, period, 0, origin, 0, digest | [`ReleaseRecord`] (JSON) of the withheld manifest entry |
//!
//! Written as the puller's cursor passes a withheld entry (before the cursor moves, and
//! made durable by the cursor's flush), removed once the release is held. The key puts
//! a peer's own releases of a period under one prefix: that the peer lists its own
//! release of a period is what lets this node serve it first (reciprocity's opening
//! move).

use super::releases::ReleaseRecord;
use super::{StorageError, Store, json_bytes, json_of};

fn peer_prefix(peer: &str) -> Vec<u8> {
    let mut k = vec![b'G'];
    k.extend_from_slice(peer.as_bytes());
    k.push(0);
    k
}

fn own_prefix(peer: &str, period: &str) -> Vec<u8> {
    let mut k = peer_prefix(peer);
    for part in [period, peer] {
        k.extend_from_slice(part.as_bytes());
        k.push(0);
    }
    k
}

fn pending_key(peer: &str, rec: &ReleaseRecord) -> Vec<u8> {
    let mut k = peer_prefix(peer);
    for part in [&rec.period, &rec.origin] {
        k.extend_from_slice(part.as_bytes());
        k.push(0);
    }
    k.extend_from_slice(&rec.digest);
    k
}

impl Store {
    /// Records that `peer` lists `rec` but withholds it from this node.
    pub fn put_pending(&self, peer: &str, rec: &ReleaseRecord) -> Result<(), StorageError> {
        self.db.insert(pending_key(peer, rec), json_bytes(rec))?;
        Ok(())
    }

    /// What `peer` withholds from this node, by period, origin and digest.
    pub fn pending(&self, peer: &str) -> Result<Vec<ReleaseRecord>, StorageError> {
        self.db
            .scan_prefix(peer_prefix(peer))
            .map(|kv| json_of("G", &kv?.1))
            .collect()
    }

    /// Forgets a pending release (it is held now).
    pub fn remove_pending(&self, peer: &str, rec: &ReleaseRecord) -> Result<(), StorageError> {
        self.db.remove(pending_key(peer, rec))?;
        Ok(())
    }

    /// Whether `peer` lists a release of its own of `period` that it withholds from this
    /// node: its claim, authenticated by its node certificate, to have released the
    /// period.
    pub fn lists_own(&self, peer: &str, period: &str) -> Result<bool, StorageError> {
        Ok(self
            .db
            .scan_prefix(own_prefix(peer, period))
            .next()
            .transpose()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(origin: &str, period: &str, d: u8) -> ReleaseRecord {
        ReleaseRecord {
            origin: origin.into(),
            table: "MOVEMENTS".into(),
            period: period.into(),
            version: 1,
            digest: [d; 32],
            size: 10,
            reciprocity: vrs_core::release::Reciprocity::Period {
                include_secretariats: false,
            },
        }
    }

    #[test]
    fn pending_entries_are_kept_per_peer_and_a_peers_own_are_found_by_period() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        let (own, relayed) = (rec("IDN", "2026-M03", 1), rec("THA", "2026-M03", 2));
        store.put_pending("IDN", &own).expect("put");
        store.put_pending("IDN", &relayed).expect("put");
        store
            .put_pending("AUS", &rec("IDN", "2026-M04", 3))
            .expect("put");
        assert_eq!(
            store.pending("IDN").expect("list"),
            vec![own.clone(), relayed.clone()]
        );
        assert!(store.lists_own("IDN", "2026-M03").expect("own"));
        // THA's release relayed by IDN is not THA's claim, nor IDN's of another period.
        assert!(!store.lists_own("THA", "2026-M03").expect("own"));
        assert!(!store.lists_own("IDN", "2026-M04").expect("own"));
        // A peer name that is a prefix of another's does not see its entries.
        assert!(store.pending("ID").expect("list").is_empty());
        store.remove_pending("IDN", &own).expect("remove");
        assert!(!store.lists_own("IDN", "2026-M03").expect("own"));
        assert_eq!(store.pending("IDN").expect("list"), vec![relayed]);
    }

    use crate::reciprocity::{Gate, withholding};
    use vrs_core::identity::Role;
    use vrs_core::release::Reciprocity;

    fn held(origin: &str, period: &str, reciprocity: Reciprocity) -> (ReleaseRecord, Vec<u8>) {
        let bytes = format!("{origin}{period}{reciprocity:?}").into_bytes();
        (
            ReleaseRecord {
                origin: origin.into(),
                table: "MOVEMENTS".into(),
                period: period.into(),
                version: 1,
                digest: vrs_core::sha256(&bytes),
                size: bytes.len() as u64,
                reciprocity,
            },
            bytes,
        )
    }

    #[test]
    fn the_gate_serves_by_role_policy_and_what_the_caller_provided() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("open");
        let period = Reciprocity::Period {
            include_secretariats: false,
        };
        let strict = Reciprocity::Period {
            include_secretariats: true,
        };
        let mut b = store.batch().expect("batch");
        for (r, bytes) in [
            held("AUS", "2026-M10", period),
            held("THA", "2026-M10", Reciprocity::None),
        ] {
            b.put_release(&r, &bytes).expect("put");
        }
        store.commit(b).expect("commit");
        let idn = Role::Node {
            state: "IDN".into(),
        };
        let tha = Role::Node {
            state: "THA".into(),
        };
        let sec = Role::Secretariat {
            id: "ROSEAP".into(),
        };
        let admin = Role::Admin {
            state: "AUS".into(),
        };
        let m10 = "2026-M10";
        // IDN provided nothing of M10; THA did; the origin and the node's own are served.
        assert!(
            Gate::new(&store, "AUS", &idn)
                .withholds("AUS", m10, period)
                .expect("gate")
        );
        assert!(
            !Gate::new(&store, "AUS", &idn)
                .withholds("AUS", "2026-M09", Reciprocity::None)
                .expect("gate")
        );
        assert!(
            !Gate::new(&store, "AUS", &tha)
                .withholds("AUS", m10, period)
                .expect("gate")
        );
        assert!(
            !Gate::new(&store, "AUS", &idn)
                .withholds("IDN", m10, period)
                .expect("gate")
        );
        assert!(
            !Gate::new(&store, "AUS", &admin)
                .withholds("AUS", m10, strict)
                .expect("gate")
        );
        // Secretariats: exempt unless the release includes them.
        assert!(
            !Gate::new(&store, "AUS", &sec)
                .withholds("AUS", m10, period)
                .expect("gate")
        );
        assert!(
            Gate::new(&store, "AUS", &sec)
                .withholds("AUS", m10, strict)
                .expect("gate")
        );
        // IDN listing its own M10 (withheld from this node) opens the exchange.
        let (own, _) = held("IDN", m10, period);
        store.put_pending("IDN", &own).expect("pending");
        assert!(
            !Gate::new(&store, "AUS", &idn)
                .withholds("AUS", m10, period)
                .expect("gate")
        );
        // What the status shows: AUS withholds from IDN nothing now, and one from BGD.
        let w = withholding(&store, "AUS", &["IDN", "BGD"]).expect("withholding");
        assert!(w["IDN"].is_empty());
        assert_eq!(w["BGD"].len(), 1);
        assert_eq!(
            (w["BGD"][0].period.as_str(), w["BGD"][0].releases),
            (m10, 1)
        );
        assert_eq!(
            w["BGD"][0].reason,
            "BGD has released nothing of 2026-M10 that this node holds"
        );
    }
}
