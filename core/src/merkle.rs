//! RFC 9162 (Certificate Transparency v2) Merkle tree maths, section 2.1.
//!
//! ```text
//! leaf hash  = SHA-256(0x00 || entry bytes)
//! node hash  = SHA-256(0x01 || left || right)
//! empty tree = SHA-256("")
//! ```
//!
//! The log keeps the hashes of *perfect* subtrees only: node `(level, index)`
//! covers leaves `[index << level, (index + 1) << level)`, level 0 being the leaf
//! hashes. Such a node never changes once it exists, so it can be written once
//! ([`append_nodes`]) and read many times through a [`HashStore`].
//!
//! A tree whose size is not a power of two has a ragged right edge. Its root and
//! the one ragged subtree that a proof may need are computed on the fly from the
//! perfect subtrees of the binary decomposition of their width, so that
//! [`root`], [`inclusion_proof`] and [`consistency_proof`] each read O(log n)
//! hashes.
//!
//! Proof generation follows PATH (2.1.3.1) and PROOF/SUBPROOF (2.1.4.1)
//! exactly; verification ([`verify_inclusion`], [`verify_consistency`]) follows
//! the algorithms of 2.1.3.2 and 2.1.4.2 and needs no store.

use crate::{Hash, sha256};

/// Hash of a log entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(&[0x00]);
    ctx.update(entry);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut buf = [0u8; 65];
    buf[0] = 0x01;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    sha256(&buf)
}

/// Root of the empty tree: `SHA-256("")`
/// (`e3b0c442...7852b855`).
pub fn empty_root() -> Hash {
    sha256(b"")
}

/// Merkle Tree Hash (MTH) of a list of leaf hashes, by the recursive definition
/// of RFC 9162 2.1.1.
///
/// Reads every leaf: meant for tests and for recomputing a whole log, not for
/// serving requests (use [`root`] there).
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = largest_pow2_below(n as u64) as usize;
            node_hash(
                &root_from_leaves(&leaves[..k]),
                &root_from_leaves(&leaves[k..]),
            )
        }
    }
}

/// Read access to the stored hashes of perfect subtrees.
pub trait HashStore {
    /// Error of the underlying storage.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Hash of the perfect subtree (level, index); only asked for nodes that
    /// exist in the tree of the current size.
    fn get(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

impl<S: HashStore + ?Sized> HashStore for &S {
    type Error = S::Error;

    fn get(&self, level: u8, index: u64) -> Result<Hash, Self::Error> {
        (**self).get(level, index)
    }
}

/// [`MemStore`] was asked for a node it does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no Merkle node at level {level}, index {index}")]
pub struct MissingNode {
    /// Level of the requested node.
    pub level: u8,
    /// Index of the requested node within its level.
    pub index: u64,
}

/// An in-memory [`HashStore`]: every perfect subtree hash, one `Vec` per level.
///
/// Used by tests, benches and tools that recompute a log; the node keeps its
/// hashes in its own storage and writes what [`append_nodes`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemStore {
    levels: Vec<Vec<Hash>>,
}

impl MemStore {
    /// An empty store (tree of size 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash, stores every perfect node it completes, and returns
    /// the index of the new leaf.
    pub fn push(&mut self, leaf_hash: Hash) -> u64 {
        let index = self.len();
        let mut hash = leaf_hash;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let nodes = &mut self.levels[level];
            nodes.push(hash);
            let n = nodes.len();
            if n % 2 == 1 {
                break;
            }
            hash = node_hash(&nodes[n - 2], &hash);
            level += 1;
        }
        index
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Whether the store holds no leaf.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl FromIterator<Hash> for MemStore {
    /// Builds a store from leaf hashes, in order.
    fn from_iter<I: IntoIterator<Item = Hash>>(iter: I) -> Self {
        let mut store = MemStore::new();
        for leaf in iter {
            store.push(leaf);
        }
        store
    }
}

impl HashStore for MemStore {
    type Error = MissingNode;

    fn get(&self, level: u8, index: u64) -> Result<Hash, MissingNode> {
        self.levels
            .get(usize::from(level))
            .and_then(|nodes| nodes.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or(MissingNode { level, index })
    }
}

/// Errors of the functions that read a [`HashStore`].
#[derive(Debug, thiserror::Error)]
pub enum MerkleError<E> {
    /// A leaf index not below the tree size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeGreater {
        /// The old (first) tree size.
        old_size: u64,
        /// The new (second) tree size.
        new_size: u64,
    },
    /// A consistency proof from the empty tree: RFC 9162 defines proofs for
    /// `0 < m` only (the empty tree is consistent with every tree and needs no proof).
    #[error("no consistency proof from the empty tree")]
    EmptyOldTree,
    /// The tree already holds `u64::MAX` leaves.
    #[error("the tree is full")]
    TreeFull,
    /// The store failed.
    #[error("hash store: {0}")]
    Store(#[source] E),
}

/// Why a proof did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The old tree is larger than the new one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeGreater {
        /// The claimed old tree size.
        old_size: u64,
        /// The claimed new tree size.
        new_size: u64,
    },
    /// The proof does not have the length these sizes call for.
    #[error("proof has {got} hashes, {expected} expected")]
    ProofLength {
        /// The length the sizes (and index) imply.
        expected: usize,
        /// The length received.
        got: usize,
    },
    /// The inclusion proof leads to another root.
    #[error("inclusion proof does not lead to the root")]
    RootMismatch,
    /// The consistency proof leads to another old root (or, for an old size of
    /// 0, the old root is not the empty-tree root).
    #[error("consistency proof does not lead to the old root")]
    OldRootMismatch,
    /// The consistency proof leads to another new root (or, for equal sizes, the
    /// two roots differ).
    #[error("consistency proof does not lead to the new root")]
    NewRootMismatch,
}

/// A perfect-subtree node to store: `(level, index, hash)`.
pub type Node = (u8, u64, Hash);

/// The nodes to store when leaf number `size` (hash `leaf`) is appended to a
/// tree of `size` leaves: the leaf itself as `(0, size, leaf)` first, then each
/// perfect parent it completes, bottom-up, as `(level, index, hash)`.
///
/// Reads one stored hash per completed parent (the number of trailing one bits
/// of `size`), so O(log n).
pub fn append_nodes<S: HashStore + ?Sized>(
    store: &S,
    size: u64,
    leaf: Hash,
) -> Result<Vec<Node>, MerkleError<S::Error>> {
    if size == u64::MAX {
        return Err(MerkleError::TreeFull);
    }
    let mut nodes = Vec::with_capacity(1 + size.trailing_ones() as usize);
    nodes.push((0, size, leaf));
    let (mut level, mut index, mut hash) = (0u8, size, leaf);
    while index & 1 == 1 {
        let left = store.get(level, index - 1).map_err(MerkleError::Store)?;
        hash = node_hash(&left, &hash);
        level += 1;
        index >>= 1;
        nodes.push((level, index, hash));
    }
    Ok(nodes)
}

/// Root (MTH) of the first `size` leaves: the perfect subtrees of the binary
/// decomposition of `size`, combined right to left. Reads `popcount(size)`
/// hashes; `size == 0` gives [`empty_root`].
pub fn root<S: HashStore + ?Sized>(store: &S, size: u64) -> Result<Hash, MerkleError<S::Error>> {
    subtree_hash(store, 0, size).map_err(MerkleError::Store)
}

/// Inclusion proof (audit path) of leaf `index` in the tree of the first `size`
/// leaves: `PATH(index, D[size])` of RFC 9162 2.1.3.1, nearest sibling first.
pub fn inclusion_proof<S: HashStore + ?Sized>(
    store: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, MerkleError<S::Error>> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    // Walk down from the root; the recursion appends the sibling of each
    // level after the path below it, so collect top-down and reverse.
    let mut path = Vec::with_capacity(bit_len(size - 1));
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let split = lo + largest_pow2_below(hi - lo);
        if index < split {
            path.push(subtree_hash(store, split, hi).map_err(MerkleError::Store)?);
            hi = split;
        } else {
            path.push(subtree_hash(store, lo, split).map_err(MerkleError::Store)?);
            lo = split;
        }
    }
    path.reverse();
    Ok(path)
}

/// Consistency proof between the tree of the first `old_size` leaves and the
/// tree of the first `new_size` leaves: `PROOF(m, D[n])` of RFC 9162 2.1.4.1.
///
/// Empty when the sizes are equal; an error for `old_size == 0` (the RFC
/// defines no proof from the empty tree) or `old_size > new_size`.
pub fn consistency_proof<S: HashStore + ?Sized>(
    store: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, MerkleError<S::Error>> {
    if old_size > new_size {
        return Err(MerkleError::OldSizeGreater { old_size, new_size });
    }
    if old_size == 0 {
        return Err(MerkleError::EmptyOldTree);
    }
    let m = old_size;
    // SUBPROOF(m - lo, D[lo:hi], complete), unrolled; `lo < m <= hi` throughout.
    let mut proof = Vec::with_capacity(bit_len(new_size - 1) + 1);
    let (mut lo, mut hi, mut complete) = (0u64, new_size, true);
    loop {
        if m == hi {
            if !complete {
                proof.push(subtree_hash(store, lo, hi).map_err(MerkleError::Store)?);
            }
            break;
        }
        let split = lo + largest_pow2_below(hi - lo);
        if m <= split {
            proof.push(subtree_hash(store, split, hi).map_err(MerkleError::Store)?);
            hi = split;
        } else {
            proof.push(subtree_hash(store, lo, split).map_err(MerkleError::Store)?);
            lo = split;
            complete = false;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves whose
/// root is `root`, by RFC 9162 2.1.3.2.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    check_len(path_len(fn_, sn), proof.len())?;
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::ProofLength {
                expected: path_len(index, size - 1),
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::ProofLength {
            expected: path_len(index, size - 1),
            got: proof.len(),
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `new_size` leaves with root `new_root` extends the
/// tree of `old_size` leaves with root `old_root`, by RFC 9162 2.1.4.2.
///
/// Edge cases the RFC algorithm leaves out: equal sizes need an empty proof and
/// equal roots; an old size of 0 needs an empty proof and `old_root` equal to
/// [`empty_root`] (the empty tree is a prefix of every tree).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeGreater { old_size, new_size });
    }
    if old_size == 0 {
        check_len(0, proof.len())?;
        if *old_root != empty_root() {
            return Err(ProofError::OldRootMismatch);
        }
        if new_size == 0 && new_root != old_root {
            return Err(ProofError::NewRootMismatch);
        }
        return Ok(());
    }
    if old_size == new_size {
        check_len(0, proof.len())?;
        if new_root != old_root {
            return Err(ProofError::NewRootMismatch);
        }
        return Ok(());
    }
    // 0 < old_size < new_size from here on.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let seeded = old_size.is_power_of_two();
    let expected = usize::from(!seeded) + path_len(fn_, sn);
    check_len(expected, proof.len())?;
    let (seed, rest) = if seeded {
        (*old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(ProofError::ProofLength { expected, got: 0 }),
        }
    };
    let (mut fr, mut sr) = (seed, seed);
    for c in rest {
        if sn == 0 {
            return Err(ProofError::ProofLength {
                expected,
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::ProofLength {
            expected,
            got: proof.len(),
        });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// Hash of leaves `[start, end)`, where `start` is a multiple of a power of two
/// at least `end - start` (true of every subtree met by the RFC recursions):
/// the perfect subtrees of the binary decomposition of the width, combined
/// right to left. One read for a perfect subtree, `popcount(end - start)` in all.
fn subtree_hash<S: HashStore + ?Sized>(store: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let mut acc: Option<Hash> = None;
    for (level, index) in perfect_subtrees(start, end) {
        let h = store.get(level, index)?;
        acc = Some(match acc {
            None => h,
            Some(r) => node_hash(&h, &r),
        });
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// The perfect subtrees of the binary decomposition of leaves `[start, end)`, right
/// to left, as `(level, index)` (`start` a multiple of a power of two at least
/// `end - start`, as in [`subtree_hash`]). For `start == 0`, the right edge of the
/// tree of `end` leaves: every node an append or a root of that size reads.
pub fn perfect_subtrees(start: u64, end: u64) -> impl Iterator<Item = (u8, u64)> {
    let mut width = end.saturating_sub(start);
    let mut right = end;
    std::iter::from_fn(move || {
        if width == 0 {
            return None;
        }
        let level = width.trailing_zeros();
        right -= 1 << level;
        width &= width - 1;
        // `level < 64`, so the cast cannot truncate.
        Some((level as u8, right >> level))
    })
}

/// Largest power of two strictly below `n`, for `n > 1` (the `k` of RFC 9162).
fn largest_pow2_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// Number of significant bits of `n`.
fn bit_len(n: u64) -> usize {
    (64 - n.leading_zeros()) as usize
}

/// Number of proof hashes the RFC 9162 verification loop (2.1.3.2 step 4,
/// 2.1.4.2 step 6) consumes from `(fn, sn)` before `sn` reaches 0: the only
/// proof length it accepts.
fn path_len(mut fn_: u64, mut sn: u64) -> usize {
    let mut len = 0;
    while sn != 0 {
        if fn_ & 1 == 1 || fn_ == sn {
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        }
        fn_ >>= 1;
        sn >>= 1;
        len += 1;
    }
    len
}

fn check_len(expected: usize, got: usize) -> Result<(), ProofError> {
    if expected == got {
        Ok(())
    } else {
        Err(ProofError::ProofLength { expected, got })
    }
}
