//! Tests of `vrs_core::merkle` against the RFC 6962 test vectors of
//! github.com/transparency-dev/merkle (`testonly/constants.go`,
//! `proof/verify_test.go`), exhaustively over small trees, and for the number
//! of store reads a proof costs.

use std::cell::Cell;
use std::sync::OnceLock;

use proptest::prelude::*;
use vrs_core::Hash;
use vrs_core::merkle::{
    HashStore, MemStore, MerkleError, MissingNode, ProofError, append_nodes, consistency_proof,
    empty_root, inclusion_proof, leaf_hash, node_hash, perfect_subtrees, root, root_from_leaves,
    verify_consistency, verify_inclusion,
};

fn h(s: &str) -> Hash {
    let bytes = vrs_core::unhex(s).expect("test vector is hex");
    bytes.try_into().expect("test vector is 32 bytes")
}

fn hs(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

// ---- RFC 6962 test vectors (transparency-dev/merkle) ----

/// `LeafInputs()`.
const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `RootHashes()`: roots of the trees of sizes 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `NodeHashes()`: every perfect subtree of the 8-leaf tree, by level.
const NODE_HASHES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// `inclusionProofs`: (1-based leaf, tree size, proof). The vector `{0, 0, nil}`
/// is an invalid request, checked in `vector_invalid_inclusion_request`.
const INCLUSION_PROOFS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        3,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        2,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `consistencyProofs`: (old size, new size, proof).
const CONSISTENCY_PROOFS: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn vector_leaves() -> Vec<Hash> {
    LEAF_INPUTS
        .iter()
        .map(|s| leaf_hash(&vrs_core::unhex(s).expect("hex")))
        .collect()
}

fn vector_store() -> MemStore {
    vector_leaves().into_iter().collect()
}

#[test]
fn empty_tree_root() {
    assert_eq!(
        vrs_core::hex(&empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(root(&MemStore::new(), 0).expect("root"), empty_root());
    assert_eq!(root_from_leaves(&[]), empty_root());
}

#[test]
fn vector_node_hashes() {
    let store = vector_store();
    assert_eq!(store.len(), 8);
    for (level, nodes) in NODE_HASHES.iter().enumerate() {
        for (index, want) in nodes.iter().enumerate() {
            assert_eq!(
                store.get(level as u8, index as u64),
                Ok(h(want)),
                "node ({level}, {index})"
            );
        }
    }
}

#[test]
fn vector_roots() {
    let leaves = vector_leaves();
    let store = vector_store();
    for (size, want) in ROOTS.iter().enumerate() {
        let want = h(want);
        assert_eq!(
            root(&store, size as u64).expect("root"),
            want,
            "size {size}"
        );
        assert_eq!(root_from_leaves(&leaves[..size]), want, "size {size}");
    }
}

#[test]
fn vector_inclusion_proofs() {
    let leaves = vector_leaves();
    let store = vector_store();
    for &(leaf, size, proof) in &INCLUSION_PROOFS {
        let index = leaf - 1;
        let want = hs(proof);
        let got = inclusion_proof(&store, index, size).expect("proof");
        assert_eq!(got, want, "index {index}, size {size}");
        let root = h(ROOTS[size as usize]);
        assert_eq!(
            verify_inclusion(&leaves[index as usize], index, size, &want, &root),
            Ok(())
        );
    }
}

#[test]
fn vector_invalid_inclusion_request() {
    assert!(matches!(
        inclusion_proof(&vector_store(), 0, 0),
        Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
    ));
    let some = leaf_hash(b"x");
    assert!(verify_inclusion(&some, 0, 0, &[], &empty_root()).is_err());
}

#[test]
fn vector_consistency_proofs() {
    let store = vector_store();
    for &(m, n, proof) in &CONSISTENCY_PROOFS {
        let want = hs(proof);
        let got = consistency_proof(&store, m, n).expect("proof");
        assert_eq!(got, want, "{m} -> {n}");
        let (old, new) = (h(ROOTS[m as usize]), h(ROOTS[n as usize]));
        assert_eq!(
            verify_consistency(m, n, &old, &new, &want),
            Ok(()),
            "{m} -> {n}"
        );
    }
}

/// The probes of `verifierCheck` / `TestVerifyConsistency` in
/// transparency-dev/merkle that do not depend on malformed (non-32-byte) hashes.
#[test]
fn vector_trivial_consistency_cases() {
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    let r1 = h(ROOTS[1]);
    // Sizes that are always consistent.
    assert_eq!(
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]),
        Ok(())
    );
    assert_eq!(verify_consistency(0, 1, &empty_root(), &r1, &[]), Ok(()));
    assert_eq!(verify_consistency(1, 1, &r1, &r1, &[]), Ok(()));
    // Different roots for the same size.
    assert!(verify_consistency(1, 1, &r1, &some, &[]).is_err());
    assert!(verify_consistency(0, 0, &empty_root(), &some, &[]).is_err());
    // Time travel to the past.
    assert!(verify_consistency(1, 0, &r1, &empty_root(), &[]).is_err());
    assert!(verify_consistency(2, 1, &h(ROOTS[2]), &r1, &[]).is_err());
    // Empty proof between different sizes.
    assert!(verify_consistency(1, 2, &r1, &h(ROOTS[2]), &[]).is_err());
    // Roots match but the proof is not empty.
    let e = empty_root();
    assert!(verify_consistency(0, 0, &e, &e, &[e]).is_err());
    assert!(verify_consistency(0, 1, &e, &e, &[e]).is_err());
    assert!(verify_consistency(1, 1, &e, &e, &[e]).is_err());
    // A size-0 tree must have the empty root.
    assert_eq!(
        verify_consistency(0, 1, &some, &r1, &[]),
        Err(ProofError::OldRootMismatch)
    );
}

/// The corruptions of `corruptInclusionProof` in transparency-dev/merkle,
/// applied to every vector.
#[test]
fn vector_inclusion_corruptions_fail() {
    let leaves = vector_leaves();
    let some = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for &(leaf, size, proof) in &INCLUSION_PROOFS {
        let i = leaf - 1;
        let proof = hs(proof);
        let root = h(ROOTS[size as usize]);
        let lh = leaves[i as usize];
        assert_inclusion_corruptions_fail(&lh, i, size, &proof, &root);
        assert!(verify_inclusion(&leaf_hash(b"WrongLeaf"), i, size, &proof, &root).is_err());
        assert!(verify_inclusion(&lh, i, size, &proof, &empty_root()).is_err());
        assert!(verify_inclusion(&lh, i, size, &proof, &some).is_err());
        let mut longer = proof.clone();
        longer.push(root);
        assert!(verify_inclusion(&lh, i, size, &longer, &root).is_err());
        let mut longer = vec![root];
        longer.extend_from_slice(&proof);
        assert!(verify_inclusion(&lh, i, size, &longer, &root).is_err());
        if proof.len() > 1 {
            let mut inserted = vec![proof[0], some];
            inserted.extend_from_slice(&proof[1..]);
            assert!(verify_inclusion(&lh, i, size, &inserted, &root).is_err());
        }
    }
}

// ---- exhaustive checks over small trees ----

const MAX: u64 = 300;

struct Fixture {
    leaves: Vec<Hash>,
    store: MemStore,
    /// `roots[size]` for size 0..=MAX.
    roots: Vec<Hash>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let leaves: Vec<Hash> = (0..MAX)
            .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
            .collect();
        let store: MemStore = leaves.iter().copied().collect();
        let roots = (0..=MAX)
            .map(|size| root(&store, size).expect("root"))
            .collect();
        Fixture {
            leaves,
            store,
            roots,
        }
    })
}

fn flip(hash: &Hash, bit: usize) -> Hash {
    let mut out = *hash;
    out[bit / 8 % 32] ^= 1 << (bit % 8);
    out
}

/// Wrong index and wrong tree size (the `corruptInclusionProof` choices) and a
/// truncated proof must all fail.
fn assert_inclusion_corruptions_fail(lh: &Hash, i: u64, size: u64, proof: &[Hash], root: &Hash) {
    let mut wrong_indices = vec![i + 1, i ^ 2];
    if i > 0 {
        wrong_indices.push(i - 1);
    }
    for j in wrong_indices {
        if j != i {
            assert!(
                verify_inclusion(lh, j, size, proof, root).is_err(),
                "index {j} for {i}, size {size}"
            );
        }
    }
    for s in [size * 2, size / 2] {
        assert!(
            verify_inclusion(lh, i, s, proof, root).is_err(),
            "size {s} for {size}, index {i}"
        );
    }
    if let Some((_, shorter)) = proof.split_last() {
        assert!(verify_inclusion(lh, i, size, shorter, root).is_err());
    }
}

#[test]
fn root_matches_recursive_mth_for_every_size() {
    let f = fixture();
    for size in 0..=MAX as usize {
        assert_eq!(
            f.roots[size],
            root_from_leaves(&f.leaves[..size]),
            "size {size}"
        );
    }
}

#[test]
fn every_inclusion_proof_verifies_and_corruptions_fail() {
    let f = fixture();
    for size in 1..=MAX {
        let root = &f.roots[size as usize];
        for i in 0..size {
            let lh = &f.leaves[i as usize];
            let proof = inclusion_proof(&f.store, i, size).expect("proof");
            assert_eq!(
                verify_inclusion(lh, i, size, &proof, root),
                Ok(()),
                "index {i}, size {size}"
            );
            // One bit flip per proof (the hash and bit vary with the leaf);
            // proptest below samples arbitrary ones.
            if !proof.is_empty() {
                let k = (i + size) as usize % proof.len();
                let mut bad = proof.clone();
                bad[k] = flip(&bad[k], (i * 7 + size * 13) as usize % 256);
                assert_eq!(
                    verify_inclusion(lh, i, size, &bad, root),
                    Err(ProofError::RootMismatch),
                    "index {i}, size {size}, flipped proof[{k}]"
                );
            }
            assert_inclusion_corruptions_fail(lh, i, size, &proof, root);
        }
    }
}

#[test]
fn every_consistency_proof_verifies() {
    let f = fixture();
    for n in 1..=MAX {
        let new = &f.roots[n as usize];
        for m in 1..=n {
            let old = &f.roots[m as usize];
            let proof = consistency_proof(&f.store, m, n).expect("proof");
            assert_eq!(
                verify_consistency(m, n, old, new, &proof),
                Ok(()),
                "{m} -> {n}"
            );
            if m == n {
                assert!(proof.is_empty());
                continue;
            }
            // One bit flip per proof (the hash and bit vary); proptest below
            // samples arbitrary ones.
            let k = (m + n) as usize % proof.len();
            let mut bad = proof.clone();
            bad[k] = flip(&bad[k], (m * 31 + n) as usize % 256);
            assert!(
                verify_consistency(m, n, old, new, &bad).is_err(),
                "{m} -> {n}, flipped proof[{k}]"
            );
        }
    }
}

/// The `corruptConsistencyProof` probes of transparency-dev/merkle, for every
/// pair with a non-empty proof.
#[test]
fn consistency_corruptions_fail() {
    let f = fixture();
    for n in 2..=MAX {
        let new = &f.roots[n as usize];
        for m in 1..n {
            let old = &f.roots[m as usize];
            let proof = consistency_proof(&f.store, m, n).expect("proof");
            let ctx = format!("{m} -> {n}");
            for m2 in [m - 1, m + 1, m ^ 2] {
                assert!(
                    verify_consistency(m2, n, old, new, &proof).is_err(),
                    "{ctx}: size1 {m2}"
                );
            }
            for n2 in [n * 2, n / 2] {
                assert!(
                    verify_consistency(m, n2, old, new, &proof).is_err(),
                    "{ctx}: size2 {n2}"
                );
            }
            assert!(
                verify_consistency(m, n, new, old, &proof).is_err(),
                "{ctx}: swapped roots"
            );
            assert!(
                verify_consistency(m, n, old, new, &[]).is_err(),
                "{ctx}: empty proof"
            );
            for extra in [*old, *new] {
                let mut longer = proof.clone();
                longer.push(extra);
                assert!(
                    verify_consistency(m, n, old, new, &longer).is_err(),
                    "{ctx}: trailing"
                );
                let mut longer = vec![extra];
                longer.extend_from_slice(&proof);
                assert!(
                    verify_consistency(m, n, old, new, &longer).is_err(),
                    "{ctx}: preceding"
                );
            }
            assert!(
                verify_consistency(m, n, old, new, &proof[..proof.len() - 1]).is_err(),
                "{ctx}: truncated"
            );
        }
    }
}

/// Decodes a proptest-chosen `(size, index)` pair with `index < size <= MAX`.
fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1..=MAX).prop_flat_map(|size| (Just(size), 0..size))
}

proptest! {
    #[test]
    fn inclusion_any_bit_flip_fails((size, i) in size_and_index(), k in any::<usize>(), bit in 0..256usize) {
        let f = fixture();
        let proof = inclusion_proof(&f.store, i, size).expect("proof");
        prop_assume!(!proof.is_empty());
        let mut bad = proof.clone();
        let k = k % bad.len();
        bad[k] = flip(&bad[k], bit);
        prop_assert!(verify_inclusion(&f.leaves[i as usize], i, size, &bad, &f.roots[size as usize]).is_err());
    }

    #[test]
    fn inclusion_wrong_index_fails((size, i) in size_and_index(), j in 0..MAX) {
        prop_assume!(i != j);
        let f = fixture();
        let proof = inclusion_proof(&f.store, i, size).expect("proof");
        prop_assert!(verify_inclusion(&f.leaves[i as usize], j, size, &proof, &f.roots[size as usize]).is_err());
    }

    #[test]
    fn consistency_any_bit_flip_fails((n, m) in size_and_index(), k in any::<usize>(), bit in 0..256usize) {
        prop_assume!(m > 0);
        let f = fixture();
        let proof = consistency_proof(&f.store, m, n).expect("proof");
        let mut bad = proof.clone();
        let k = k % bad.len();
        bad[k] = flip(&bad[k], bit);
        prop_assert!(verify_consistency(m, n, &f.roots[m as usize], &f.roots[n as usize], &bad).is_err());
    }
}

// ---- errors ----

#[test]
fn inclusion_index_out_of_range_is_an_error() {
    let store = vector_store();
    assert!(matches!(
        inclusion_proof(&store, 5, 5),
        Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
    ));
    assert!(matches!(
        inclusion_proof(&store, u64::MAX, 3),
        Err(MerkleError::IndexOutOfRange { .. })
    ));
    let lh = leaf_hash(b"");
    assert_eq!(
        verify_inclusion(&lh, 5, 5, &[], &lh),
        Err(ProofError::IndexOutOfRange { index: 5, size: 5 })
    );
}

#[test]
fn consistency_old_larger_than_new_is_an_error() {
    assert!(matches!(
        consistency_proof(&vector_store(), 5, 4),
        Err(MerkleError::OldSizeGreater {
            old_size: 5,
            new_size: 4
        })
    ));
    let r = empty_root();
    assert_eq!(
        verify_consistency(5, 4, &r, &r, &[]),
        Err(ProofError::OldSizeGreater {
            old_size: 5,
            new_size: 4
        })
    );
}

#[test]
fn consistency_from_empty_tree_is_an_error() {
    assert!(matches!(
        consistency_proof(&vector_store(), 0, 4),
        Err(MerkleError::EmptyOldTree)
    ));
    assert!(matches!(
        consistency_proof(&vector_store(), 0, 0),
        Err(MerkleError::EmptyOldTree)
    ));
}

#[test]
fn wrong_proof_length_is_an_error() {
    let f = fixture();
    let proof = inclusion_proof(&f.store, 3, 10).expect("proof");
    let got = verify_inclusion(&f.leaves[3], 3, 10, &proof[1..], &f.roots[10]);
    assert_eq!(
        got,
        Err(ProofError::ProofLength {
            expected: proof.len(),
            got: proof.len() - 1
        })
    );
}

#[test]
fn reading_beyond_the_store_is_a_store_error() {
    let store = vector_store();
    assert!(matches!(
        root(&store, 9),
        Err(MerkleError::Store(MissingNode { level: 0, index: 8 }))
    ));
    assert!(matches!(
        inclusion_proof(&store, 0, 1000),
        Err(MerkleError::Store(_))
    ));
    assert!(matches!(
        consistency_proof(&store, 3, 1 << 40),
        Err(MerkleError::Store(_))
    ));
    assert!(matches!(root(&store, u64::MAX), Err(MerkleError::Store(_))));
    assert!(matches!(
        inclusion_proof(&store, u64::MAX - 1, u64::MAX),
        Err(MerkleError::Store(_))
    ));
    assert!(matches!(
        append_nodes(&store, 1 << 40 | 1, [0; 32]),
        Err(MerkleError::Store(_))
    ));
}

#[test]
fn append_to_full_tree_is_an_error() {
    assert!(matches!(
        append_nodes(&MemStore::new(), u64::MAX, [0; 32]),
        Err(MerkleError::TreeFull)
    ));
}

#[test]
fn errors_display() {
    let e: MerkleError<MissingNode> = MerkleError::Store(MissingNode { level: 2, index: 7 });
    assert_eq!(
        e.to_string(),
        "hash store: no Merkle node at level 2, index 7"
    );
    assert!(std::error::Error::source(&e).is_some());
}

// ---- append_nodes and read counts ----

/// A [`HashStore`] that counts reads.
struct Counting<S> {
    inner: S,
    reads: Cell<u64>,
}

impl<S> Counting<S> {
    fn new(inner: S) -> Self {
        Self {
            inner,
            reads: Cell::new(0),
        }
    }

    fn take(&self) -> u64 {
        self.reads.replace(0)
    }
}

impl<S: HashStore> HashStore for Counting<S> {
    type Error = S::Error;

    fn get(&self, level: u8, index: u64) -> Result<Hash, S::Error> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get(level, index)
    }
}

/// A store fed only through `append_nodes`, as the node's storage layer is.
#[derive(Default)]
struct NodeMap(std::collections::HashMap<(u8, u64), Hash>);

impl HashStore for NodeMap {
    type Error = MissingNode;

    fn get(&self, level: u8, index: u64) -> Result<Hash, MissingNode> {
        self.0
            .get(&(level, index))
            .copied()
            .ok_or(MissingNode { level, index })
    }
}

#[test]
fn append_nodes_builds_the_same_tree_as_memstore() {
    let f = fixture();
    let mut store = Counting::new(NodeMap::default());
    for (size, leaf) in f.leaves.iter().enumerate() {
        let size = size as u64;
        let nodes = append_nodes(&store, size, *leaf).expect("append");
        assert_eq!(
            store.take(),
            u64::from(size.trailing_ones()),
            "reads at size {size}"
        );
        assert_eq!(nodes.len() as u32, 1 + size.trailing_ones());
        assert_eq!(nodes[0], (0, size, *leaf));
        for &(level, index, hash) in &nodes {
            assert_eq!(
                f.store.get(level, index),
                Ok(hash),
                "node ({level}, {index})"
            );
            assert!(store.inner.0.insert((level, index), hash).is_none());
        }
        assert_eq!(
            root(&store, size + 1).expect("root"),
            f.roots[size as usize + 1]
        );
        store.take();
    }
    // Every perfect node of a 300-leaf tree: 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1.
    assert_eq!(store.inner.0.len(), 596);
}

#[test]
fn proofs_read_logarithmically_many_hashes() {
    const N: u64 = 1_000_000;
    let store = Counting::new(
        (0..N)
            .map(|i| leaf_hash(&i.to_be_bytes()))
            .collect::<MemStore>(),
    );
    assert_eq!(store.inner.len(), N);
    for size in [N, N - 1, 999_937, 524_288, 524_289, 655_359] {
        // 2 * ceil(log2(size)) + 2.
        let bound = 2 * u64::from(64 - (size - 1).leading_zeros()) + 2;
        let root_hash = root(&store, size).expect("root");
        assert_eq!(store.take(), u64::from(size.count_ones()));
        let indices = [0, 1, size / 3, size / 2, size - 2, size - 1]
            .into_iter()
            .chain((1..50).map(|k| size * k / 50 + k));
        for i in indices.filter(|&i| i < size) {
            let proof = inclusion_proof(&store, i, size).expect("proof");
            let reads = store.take();
            assert!(
                reads <= bound,
                "inclusion {i}/{size}: {reads} reads > {bound}"
            );
            let lh = store.inner.get(0, i).expect("leaf");
            assert_eq!(verify_inclusion(&lh, i, size, &proof, &root_hash), Ok(()));
        }
        store.take();
        for m in [
            1,
            2,
            3,
            size / 2,
            size / 2 + 1,
            size - 1,
            size - 2,
            333_333,
            262_143,
        ]
        .into_iter()
        .chain((1..50).map(|k| size * k / 50 + 2 * k + 1))
        .filter(|&m| 0 < m && m < size)
        {
            let proof = consistency_proof(&store, m, size).expect("proof");
            let reads = store.take();
            assert!(
                reads <= bound,
                "consistency {m} -> {size}: {reads} reads > {bound}"
            );
            let old_root = root(&store, m).expect("root");
            store.take();
            assert_eq!(
                verify_consistency(m, size, &old_root, &root_hash, &proof),
                Ok(())
            );
        }
    }
}

#[test]
fn node_hash_is_domain_separated() {
    let a = leaf_hash(b"a");
    let b = leaf_hash(b"b");
    let mut concat = vec![0x01];
    concat.extend_from_slice(&a);
    concat.extend_from_slice(&b);
    assert_eq!(node_hash(&a, &b), vrs_core::sha256(&concat));
    assert_eq!(leaf_hash(b"a"), vrs_core::sha256(b"\x00a"));
}

#[test]
fn perfect_subtrees_are_the_binary_decomposition_right_to_left() {
    assert_eq!(perfect_subtrees(0, 0).count(), 0);
    assert_eq!(
        perfect_subtrees(0, 0b1011).collect::<Vec<_>>(),
        vec![(0, 10), (1, 4), (3, 0)]
    );
    // A subtree of a larger tree: leaves [8, 14) are the 4 of [8, 12) and the 2 of [12, 14).
    assert_eq!(
        perfect_subtrees(8, 14).collect::<Vec<_>>(),
        vec![(1, 6), (2, 2)]
    );
}
