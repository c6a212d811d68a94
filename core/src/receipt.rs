//! Receipts: C2SP [tlog-proof@v1](https://c2sp.org/tlog-proof), an offline-verifiable
//! proof that an entry is in a log.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 opaque data>          (optional, unauthenticated)
//! index <log index>
//! <inclusion proof hash 1, base64>
//! ...
//!
//! <checkpoint, with its signature and any cosignatures>
//! ```
//!
//! Receipts are stored with the extension [`FILE_EXTENSION`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use thiserror::Error;

use crate::Hash;
use crate::merkle::{self, ProofError};
use crate::note::{self, Checkpoint, NoteError, SignedCheckpoint, Verifiers};

/// The first line of a receipt.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The file extension receipts are stored with (without the dot).
pub const FILE_EXTENSION: &str = "tlog-proof";

/// The most inclusion proof hashes a receipt may carry (a tree of at most 2^64 - 1
/// leaves has paths of at most 64 hashes).
pub const MAX_PROOF_HASHES: usize = 64;

/// Errors from parsing or verifying a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    /// The receipt text does not follow tlog-proof@v1.
    #[error("malformed receipt: {0}")]
    Malformed(&'static str),
    /// The embedded checkpoint note is malformed or does not verify.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] NoteError),
    /// The inclusion proof does not verify against the checkpoint.
    #[error("inclusion proof: {0}")]
    Inclusion(#[from] ProofError),
}

/// A tlog-proof receipt: the entry's index, its inclusion proof and the signed
/// checkpoint the proof leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Opaque extra data (the optional `extra` line); not authenticated.
    pub extra: Option<Vec<u8>>,
    /// The zero-based index of the entry in the log.
    pub index: u64,
    /// The inclusion proof, from the leaf's sibling up to the root's child.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim (text, blank line, signature lines).
    pub checkpoint_note: String,
}

/// What a successful [`Receipt::verify`] established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The entry's index in the log.
    pub index: u64,
    /// The entry's leaf hash, SHA-256(0x00 || entry).
    pub leaf_hash: Hash,
    /// The verified checkpoint: origin, size, root, and which signatures (log and
    /// witness) verified.
    pub checkpoint: SignedCheckpoint,
}

impl Receipt {
    /// The receipt text, byte for byte as tlog-proof@v1 lays it out.
    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(64 + self.proof.len() * 45 + self.checkpoint_note.len());
        s.push_str(HEADER);
        s.push('\n');
        if let Some(extra) = &self.extra {
            s.push_str("extra ");
            s.push_str(&BASE64.encode(extra));
            s.push('\n');
        }
        s.push_str("index ");
        s.push_str(&self.index.to_string());
        s.push('\n');
        for h in &self.proof {
            s.push_str(&BASE64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint_note);
        s
    }

    /// Parses a receipt. Checks the layout strictly (header, optional `extra`, `index`
    /// in decimal without leading zeros, at most [`MAX_PROOF_HASHES`] base64 hashes of 32
    /// bytes, a blank line) and the syntax of the checkpoint note and its body; does not
    /// verify any signature (see [`Receipt::verify`]).
    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let rest = text
            .strip_prefix(HEADER)
            .and_then(|r| r.strip_prefix('\n'))
            .ok_or(ReceiptError::Malformed(
                "missing c2sp.org/tlog-proof@v1 header",
            ))?;
        let (mut line, mut rest) = next_line(rest)?;

        let extra = match line.strip_prefix("extra ") {
            Some(b64) => {
                let extra = BASE64
                    .decode(b64)
                    .map_err(|_| ReceiptError::Malformed("extra data is not base64"))?;
                (line, rest) = next_line(rest)?;
                Some(extra)
            }
            None => None,
        };

        let index = line
            .strip_prefix("index ")
            .ok_or(ReceiptError::Malformed("missing index line"))?;
        let index = note::parse_decimal(index).ok_or(ReceiptError::Malformed("invalid index"))?;

        let mut proof = Vec::new();
        loop {
            let (line, after) = next_line(rest)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(ReceiptError::Malformed("too many proof hashes"));
            }
            let h: Hash = BASE64
                .decode(line)
                .map_err(|_| ReceiptError::Malformed("proof hash is not base64"))?
                .try_into()
                .map_err(|_| ReceiptError::Malformed("proof hash is not 32 bytes"))?;
            proof.push(h);
        }

        let parsed = note::parse_note(rest)?;
        Checkpoint::parse_body(&parsed.text)?;
        Ok(Receipt {
            extra,
            index,
            proof,
            checkpoint_note: rest.to_owned(),
        })
    }

    /// Verifies offline that `entry` is in the log: opens the checkpoint note with
    /// `verifiers` (at least one log key, type `0x01`, must verify it; cosignatures of
    /// type `0x04` keys in `verifiers` are verified and reported), then checks the
    /// inclusion proof of SHA-256(0x00 || entry) at `index` in the tree of the
    /// checkpoint's size and root.
    ///
    /// The checkpoint's origin is reported, not checked: a caller trusting several logs
    /// compares `checkpoint.checkpoint.origin` with the log it expects, and applies its
    /// own witness quorum policy to `checkpoint.cosignatures()`.
    pub fn verify(
        &self,
        entry: &[u8],
        verifiers: &Verifiers,
    ) -> Result<VerifiedReceipt, ReceiptError> {
        self.verify_leaf_hash(&merkle::leaf_hash(entry), verifiers)
    }

    /// As [`Receipt::verify`], for a caller that holds the leaf hash instead of the entry.
    pub fn verify_leaf_hash(
        &self,
        leaf_hash: &Hash,
        verifiers: &Verifiers,
    ) -> Result<VerifiedReceipt, ReceiptError> {
        let signed = note::open_checkpoint(&self.checkpoint_note, verifiers)?;
        let cp = &signed.checkpoint;
        merkle::verify_inclusion(leaf_hash, self.index, cp.size, &self.proof, &cp.root)?;
        Ok(VerifiedReceipt {
            index: self.index,
            leaf_hash: *leaf_hash,
            checkpoint: signed,
        })
    }
}

/// Splits off the next `\n`-terminated line.
fn next_line(s: &str) -> Result<(&str, &str), ReceiptError> {
    s.split_once('\n')
        .ok_or(ReceiptError::Malformed("truncated receipt"))
}
