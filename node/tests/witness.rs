//! The witness under concurrency: a peer's Cosign push and this node's own pull of the
//! same log race, and the witness must never forget the larger checkpoint it verified.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Barrier};

use vrs_core::Hash;
use vrs_core::merkle::{self, MemStore};
use vrs_core::note::{Checkpoint, NoteSigner, Verifiers, sign_checkpoint};
use vrs_node::storage::Store;
use vrs_node::witness::{PeerKeys, WitnessError, held, witness};

/// A peer's log of 20 entries: its signed checkpoints and consistency proofs.
struct PeerLog {
    signer: NoteSigner,
    tree: MemStore,
}

impl PeerLog {
    fn new(origin: &str) -> Self {
        let (signer, _) = NoteSigner::generate(origin).unwrap();
        let mut tree = MemStore::new();
        for i in 0..20u32 {
            tree.push(merkle::leaf_hash(&i.to_be_bytes()));
        }
        Self { signer, tree }
    }

    fn verifiers(&self) -> Verifiers {
        Verifiers::from_vkeys([self.signer.verifier_key().as_str()]).unwrap()
    }

    fn keys(&self) -> PeerKeys {
        PeerKeys {
            now: self.verifiers(),
        }
    }

    fn note(&self, size: u64) -> String {
        let cp = Checkpoint {
            origin: self.signer.name().to_owned(),
            size,
            root: merkle::root(&self.tree, size).unwrap(),
            extensions: vec![],
        };
        sign_checkpoint(&cp, &[&self.signer]).unwrap()
    }

    fn proof(&self, from: u64, to: u64) -> Vec<Hash> {
        merkle::consistency_proof(&self.tree, from, to).unwrap()
    }
}

#[test]
fn a_concurrent_smaller_checkpoint_never_overwrites_a_larger_one_verified() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let mut lost = Vec::new();
    for trial in 0..100 {
        let log = Arc::new(PeerLog::new(&format!("vrs.test/state/P{trial:02}")));
        witness(&store, &log.keys(), &log.note(10), 0, &[], 0).unwrap();
        // Both start from the held size 10: the pull verified 15, the push 20.
        let barrier = Arc::new(Barrier::new(2));
        let run = |size: u64| {
            let (store, log, barrier) = (store.clone(), log.clone(), barrier.clone());
            std::thread::spawn(move || {
                let (note, proof, k) = (log.note(size), log.proof(10, size), log.keys());
                barrier.wait();
                witness(&store, &k, &note, 10, &proof, 0)
            })
        };
        let (small, large) = (run(15), run(20));
        let (small, large) = (small.join().unwrap(), large.join().unwrap());
        let (now, _) = held(&store, log.signer.name()).unwrap();
        // Whichever came second is told the size now held, or both went through in
        // order; but once 20 was verified (and so cosigned) it is never forgotten.
        if large.is_ok() && now < 20 {
            lost.push((trial, now));
        }
        for r in [&small, &large] {
            assert!(
                matches!(r, Ok(_) | Err(WitnessError::StaleOldSize { .. })),
                "{r:?}"
            );
        }
    }
    assert!(
        lost.is_empty(),
        "a verified size 20 was overwritten by 15 in trials {lost:?}"
    );
}

#[test]
fn concurrent_cosignatures_are_all_kept_and_cursors_never_go_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let (store, barrier) = (store.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let name = format!("peer{i}");
                store
                    .add_cosignature(7, &name, &format!("— {name} c2ln"))
                    .unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store.cosignatures(7).unwrap().len(), 8);
    store.set_sync_cursor("AUS", 5, 1).unwrap();
    store.set_sync_cursor("AUS", 3, 1).unwrap();
    assert_eq!(store.sync_cursor("AUS", 1).unwrap(), 5);
    // A cursor belongs to a roster version: under another it reads 0, a run of an
    // older version cannot move it, a newer version starts it over.
    assert_eq!(store.sync_cursor("AUS", 2).unwrap(), 0);
    store.set_sync_cursor("AUS", 9, 0).unwrap();
    assert_eq!(store.sync_cursor("AUS", 1).unwrap(), 5);
    store.set_sync_cursor("AUS", 2, 2).unwrap();
    assert_eq!(store.sync_cursor("AUS", 2).unwrap(), 2);
    assert_eq!(store.sync_cursor("AUS", 1).unwrap(), 0);
}

#[test]
fn a_peer_cannot_have_another_log_witnessed_under_its_own_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let p = PeerLog::new("vrs.test/state/PPP");
    // P signs a checkpoint that names Q's log.
    let forged = Checkpoint {
        origin: "vrs.test/state/QQQ".into(),
        size: 10,
        root: merkle::root(&p.tree, 10).unwrap(),
        extensions: vec![],
    };
    let note = sign_checkpoint(&forged, &[&p.signer]).unwrap();
    let e = witness(&store, &p.keys(), &note, 0, &[], 0).unwrap_err();
    assert!(matches!(e, WitnessError::BadNote(_)), "{e:?}");
    assert!(e.to_string().contains("not the signer's"), "{e}");
    assert_eq!(store.witnessed("vrs.test/state/QQQ").unwrap(), None);
    // Its own log it may.
    witness(&store, &p.keys(), &p.note(10), 0, &[], 0).unwrap();
}
