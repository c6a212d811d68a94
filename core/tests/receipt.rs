//! tlog-proof receipts (vrs_core::receipt).
//!
//! The trees and inclusion proofs here are computed by hand from the RFC 9162
//! definitions (section 2.1.1 and 2.1.3.1), independently of `vrs_core::merkle`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use proptest::prelude::*;
use vrs_core::note::{self, Checkpoint, CosignatureSigner, NoteError, NoteSigner, Verifiers};
use vrs_core::receipt::{HEADER, MAX_PROOF_HASHES, Receipt, ReceiptError};
use vrs_core::{Hash, sha256};

const ORIGIN: &str = "vrs.example/state/AUS";

fn leaf(entry: &[u8]) -> Hash {
    let mut b = vec![0u8];
    b.extend_from_slice(entry);
    sha256(&b)
}

fn node(l: &Hash, r: &Hash) -> Hash {
    let mut b = vec![1u8];
    b.extend_from_slice(l);
    b.extend_from_slice(r);
    sha256(&b)
}

/// Largest power of two strictly below n (n > 1).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]).
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => sha256(b""),
        1 => leaves[0],
        n => {
            let k = split(n);
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]).
fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn entry(i: usize) -> Vec<u8> {
    format!("entry number {i}").into_bytes()
}

struct Log {
    key: NoteSigner,
    entries: Vec<Vec<u8>>,
    note: String,
}

fn log(size: usize) -> Log {
    let key = NoteSigner::from_seed(ORIGIN, &[7u8; 32]).expect("valid key");
    let entries: Vec<Vec<u8>> = (0..size).map(entry).collect();
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf(e)).collect();
    let cp = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: size as u64,
        root: mth(&leaves),
        extensions: vec![],
    };
    let note = note::sign_checkpoint(&cp, &[&key]).expect("signs");
    Log { key, entries, note }
}

impl Log {
    fn receipt(&self, index: usize) -> Receipt {
        let leaves: Vec<Hash> = self.entries.iter().map(|e| leaf(e)).collect();
        Receipt {
            extra: None,
            index: index as u64,
            proof: path(index, &leaves),
            checkpoint_note: self.note.clone(),
        }
    }

    fn verifiers(&self) -> Verifiers {
        Verifiers::from_verifiers([self.key.verifier()]).expect("one key")
    }
}

#[test]
fn hand_computed_tree_matches_merkle_module() {
    // Cross-check of the helpers above against vrs_core::merkle.
    for n in 0..20 {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf(&entry(i))).collect();
        assert_eq!(
            mth(&leaves),
            vrs_core::merkle::root_from_leaves(&leaves),
            "size {n}"
        );
    }
    assert_eq!(leaf(b"x"), vrs_core::merkle::leaf_hash(b"x"));
}

#[test]
fn text_layout_is_tlog_proof_v1() {
    let l = log(7);
    let r = l.receipt(3);
    assert_eq!(r.proof.len(), 3);
    let want = format!(
        "c2sp.org/tlog-proof@v1\nindex 3\n{}\n{}\n{}\n\n{}",
        BASE64.encode(r.proof[0]),
        BASE64.encode(r.proof[1]),
        BASE64.encode(r.proof[2]),
        l.note
    );
    assert_eq!(r.to_text(), want);
    assert_eq!(HEADER, "c2sp.org/tlog-proof@v1");

    let with_extra = Receipt {
        extra: Some(b"hello".to_vec()),
        ..r.clone()
    };
    assert!(
        with_extra
            .to_text()
            .starts_with("c2sp.org/tlog-proof@v1\nextra aGVsbG8=\nindex 3\n")
    );
}

#[test]
fn round_trip_and_verify_every_index() {
    for size in 1..=9 {
        let l = log(size);
        for i in 0..size {
            let r = l.receipt(i);
            let text = r.to_text();
            let parsed = Receipt::parse(&text).expect("parses");
            assert_eq!(parsed, r);
            let v = parsed
                .verify(&l.entries[i], &l.verifiers())
                .expect("verifies");
            assert_eq!(v.index, i as u64);
            assert_eq!(v.leaf_hash, leaf(&l.entries[i]));
            assert_eq!(v.checkpoint.checkpoint.origin, ORIGIN);
            assert_eq!(v.checkpoint.checkpoint.size, size as u64);
            assert_eq!(
                parsed.verify_leaf_hash(&leaf(&l.entries[i]), &l.verifiers()),
                Ok(v)
            );
        }
    }
}

#[test]
fn extra_round_trips_and_is_not_authenticated() {
    let l = log(5);
    for extra in [vec![], b"a".to_vec(), b"some opaque context".to_vec()] {
        let r = Receipt {
            extra: Some(extra),
            ..l.receipt(2)
        };
        let parsed = Receipt::parse(&r.to_text()).expect("parses");
        assert_eq!(parsed, r);
        parsed
            .verify(&l.entries[2], &l.verifiers())
            .expect("verifies");
    }
}

#[test]
fn different_entry_rejected() {
    let l = log(7);
    let r = l.receipt(4);
    assert!(matches!(
        r.verify(b"another entry", &l.verifiers()),
        Err(ReceiptError::Inclusion(_))
    ));
    // Another entry of the same log, at this index's proof.
    assert!(r.verify(&l.entries[5], &l.verifiers()).is_err());
}

#[test]
fn flipped_proof_hash_rejected() {
    let l = log(7);
    let r = l.receipt(4);
    for h in 0..r.proof.len() {
        for bit in [0usize, 7, 100, 255] {
            let mut bad = r.clone();
            bad.proof[h][bit / 8] ^= 1 << (bit % 8);
            assert!(
                matches!(
                    bad.verify(&l.entries[4], &l.verifiers()),
                    Err(ReceiptError::Inclusion(_))
                ),
                "hash {h} bit {bit}"
            );
        }
    }
    // Missing, extra or reordered hashes.
    let mut short = r.clone();
    short.proof.pop();
    assert!(short.verify(&l.entries[4], &l.verifiers()).is_err());
    let mut long = r.clone();
    long.proof.push([0u8; 32]);
    assert!(long.verify(&l.entries[4], &l.verifiers()).is_err());
    let mut swapped = r.clone();
    swapped.proof.swap(0, 1);
    assert!(swapped.verify(&l.entries[4], &l.verifiers()).is_err());
}

#[test]
fn wrong_index_rejected() {
    let l = log(7);
    let r = l.receipt(4);
    for index in [0, 3, 5, 6, 7, 8, u64::MAX] {
        let bad = Receipt { index, ..r.clone() };
        assert!(
            matches!(
                bad.verify(&l.entries[4], &l.verifiers()),
                Err(ReceiptError::Inclusion(_))
            ),
            "index {index}"
        );
    }
}

#[test]
fn unknown_verifier_key_rejected() {
    let l = log(7);
    let r = l.receipt(4);
    let stranger = NoteSigner::from_seed(ORIGIN, &[8u8; 32]).expect("valid");
    let vs = Verifiers::from_verifiers([stranger.verifier()]).expect("one key");
    assert_eq!(
        r.verify(&l.entries[4], &vs),
        Err(ReceiptError::Checkpoint(NoteError::NoVerifiedSignature))
    );
    assert_eq!(
        r.verify(&l.entries[4], &Verifiers::new()),
        Err(ReceiptError::Checkpoint(NoteError::NoVerifiedSignature))
    );
}

#[test]
fn tampered_checkpoint_rejected() {
    let l = log(7);
    let r = l.receipt(4);
    let text = r.to_text();
    let cp_start = text.len() - l.note.len();
    // Any changed byte of the checkpoint body or of the log's signature line.
    for i in cp_start..text.len() {
        for x in [0x01u8, 0x20] {
            let mut b = text.clone().into_bytes();
            b[i] ^= x;
            let Ok(m) = String::from_utf8(b) else {
                continue;
            };
            if let Ok(bad) = Receipt::parse(&m) {
                assert!(
                    bad.verify(&l.entries[4], &l.verifiers()).is_err(),
                    "byte {i} ^ {x:#x}"
                );
            }
        }
    }
    // A checkpoint for a larger tree, re-signed by another key, with the original proof.
    let mut leaves: Vec<Hash> = l.entries.iter().map(|e| leaf(e)).collect();
    leaves.push(leaf(b"appended"));
    let forged = note::sign_checkpoint(
        &Checkpoint {
            origin: ORIGIN.to_owned(),
            size: 8,
            root: mth(&leaves),
            extensions: vec![],
        },
        &[&NoteSigner::from_seed(ORIGIN, &[9u8; 32]).expect("valid")],
    )
    .expect("signs");
    let bad = Receipt {
        checkpoint_note: forged,
        ..r.clone()
    };
    assert!(matches!(
        bad.verify(&l.entries[4], &l.verifiers()),
        Err(ReceiptError::Checkpoint(_))
    ));
}

#[test]
fn cosigned_checkpoint_in_receipt() {
    let l = log(6);
    let witness = CosignatureSigner::from_seed("witness.example/w1", &[5u8; 32]).expect("valid");
    let opened = note::open_checkpoint(&l.note, &l.verifiers()).expect("opens");
    let line = witness
        .cosign(&opened.checkpoint, 1_700_000_000)
        .expect("cosigns");
    let cosigned = note::add_cosignatures(&l.note, &[line]).expect("adds");
    let r = Receipt {
        checkpoint_note: cosigned,
        ..l.receipt(5)
    };
    let parsed = Receipt::parse(&r.to_text()).expect("parses");
    assert_eq!(parsed, r);

    // Log key only: the cosignature is ignored.
    let v = parsed
        .verify(&l.entries[5], &l.verifiers())
        .expect("verifies");
    assert_eq!(v.checkpoint.cosignatures().count(), 0);
    assert_eq!(v.checkpoint.note.unverified.len(), 1);

    // Log and witness keys: the cosignature is verified and reported.
    let both = Verifiers::from_verifiers([l.key.verifier(), witness.verifier()]).expect("keys");
    let v = parsed.verify(&l.entries[5], &both).expect("verifies");
    let cosigs: Vec<_> = v.checkpoint.cosignatures().collect();
    assert_eq!(cosigs.len(), 1);
    assert_eq!(cosigs[0].timestamp(), Some(1_700_000_000));

    // Witness key only: no log signature.
    let w = Verifiers::from_verifiers([witness.verifier()]).expect("key");
    assert_eq!(
        parsed.verify(&l.entries[5], &w),
        Err(ReceiptError::Checkpoint(NoteError::NoLogSignature))
    );
}

#[test]
fn single_leaf_tree_has_empty_proof() {
    let l = log(1);
    let r = l.receipt(0);
    assert!(r.proof.is_empty());
    assert!(
        r.to_text()
            .starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\n")
    );
    Receipt::parse(&r.to_text())
        .expect("parses")
        .verify(&l.entries[0], &l.verifiers())
        .expect("verifies");
}

#[test]
fn malformed_receipts_rejected() {
    let l = log(7);
    let r = l.receipt(4);
    let h0 = BASE64.encode(r.proof[0]);
    let proof: String = r
        .proof
        .iter()
        .map(|h| format!("{}\n", BASE64.encode(h)))
        .collect();
    let n = &l.note;
    let bad = [
        String::new(),
        format!("c2sp.org/tlog-proof@v2\nindex 4\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1 \nindex 4\n{proof}\n{n}"),
        format!("index 4\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex 04\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex +4\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex  4\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nextra !!\nindex 4\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex 4\nextra aGVsbG8=\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nextra aGVsbG8=\nextra aGVsbG8=\nindex 4\n{proof}\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex 4\n{proof}{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex 4\n{proof}\n"),
        format!("c2sp.org/tlog-proof@v1\nindex 4\n{proof}"),
        format!("c2sp.org/tlog-proof@v1\nindex 4\n{proof}\n\n{n}"),
        format!("c2sp.org/tlog-proof@v1\nindex 4\n{proof}\n{n}trailing\n"),
        format!(
            "c2sp.org/tlog-proof@v1\nindex 4\n{}\n\n{n}",
            &h0[..h0.len() - 4]
        ),
        format!(
            "c2sp.org/tlog-proof@v1\nindex 4\n{}\n\n{n}",
            BASE64.encode([0u8; 33])
        ),
        format!("c2sp.org/tlog-proof@v1\nindex 4\n{h0} \n\n{n}"),
        format!("c2sp.org/tlog-proof@v1\r\nindex 4\n{proof}\n{n}"),
        format!(
            "c2sp.org/tlog-proof@v1\nindex 4\n{}\n{n}",
            format!("{h0}\n").repeat(MAX_PROOF_HASHES + 1)
        ),
        format!(
            "c2sp.org/tlog-proof@v1\nindex 4\n{proof}\nnot a checkpoint\n\n{}",
            &n[n.find("\u{2014}").unwrap_or(0)..]
        ),
    ];
    for t in &bad {
        assert!(Receipt::parse(t).is_err(), "{t:?}");
    }
    // 64 proof hashes parse (they fail verification, not parsing).
    let t = format!(
        "c2sp.org/tlog-proof@v1\nindex 4\n{}\n{n}",
        format!("{h0}\n").repeat(MAX_PROOF_HASHES)
    );
    let p = Receipt::parse(&t).expect("parses");
    assert!(p.verify(&l.entries[4], &l.verifiers()).is_err());
}

proptest! {
    #[test]
    fn parse_never_panics(s in any::<String>()) {
        let _ = Receipt::parse(&s);
        let _ = Receipt::parse(&format!("c2sp.org/tlog-proof@v1\n{s}"));
        let _ = Receipt::parse(&format!("c2sp.org/tlog-proof@v1\nindex 4\n{s}"));
    }

    #[test]
    fn mutated_receipts_never_panic_nor_verify_wrong_entry(i in 0usize..4096, x in 1u8..=255) {
        let l = log(7);
        let text = l.receipt(4).to_text();
        let mut b = text.into_bytes();
        let i = i % b.len();
        b[i] ^= x;
        let parsed = String::from_utf8(b).ok().and_then(|s| Receipt::parse(&s).ok());
        if let Some(r) = parsed {
            prop_assert!(r.verify(b"not an entry", &l.verifiers()).is_err());
        }
    }
}
