//! C2SP signed notes, checkpoints and witness cosignatures.
//!
//! * [signed-note](https://c2sp.org/signed-note): a text ending in `\n`, a blank line, then
//!   one or more lines `— <key name> base64(key ID || signature)\n` (`—` is U+2014).
//!   Ed25519 keys use signature type `0x01`; key strings follow Go's
//!   `golang.org/x/mod/sumdb/note` (`name+hex(key ID)+base64(type || public key)` for
//!   verifiers, `PRIVATE+KEY+name+hex(key ID)+base64(type || seed)` for signers).
//! * [tlog-checkpoint](https://c2sp.org/tlog-checkpoint): the note text of a log's signed
//!   tree head ([`Checkpoint`]).
//! * [tlog-cosignature](https://c2sp.org/tlog-cosignature), Ed25519 type `0x04`: a witness
//!   signs `cosignature/v1\ntime <t>\n<checkpoint body>` and adds its line to the
//!   checkpoint's signature lines ([`CosignatureSigner`]).
//!
//! Everything here is pure: no clock (timestamps are parameters) and no I/O. Inputs from
//! the outside never cause a panic; they produce a [`NoteError`] or a [`KeyError`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ring::rand::{SecureRandom as _, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use thiserror::Error;

use crate::{Hash, sha256};

mod keys;

pub use keys::*;

/// The most signature lines [`open_note`] and [`parse_note`] accept in one note (the
/// limit Go's `sumdb/note` applies; the spec requires at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The header line of an Ed25519 cosigned message (tlog-cosignature).
pub const COSIGNATURE_HEADER: &str = "cosignature/v1";

/// Prefix of every signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Prefix of a signer key string.
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Ed25519 signature length in bytes.
const ED25519_SIG_LEN: usize = 64;

/// Cosignature timestamp length in bytes (u64, big-endian).
const TIMESTAMP_LEN: usize = 8;

/// Largest timestamp a cosignature may carry (2^63 - 1).
const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// A signature type identifier byte from the signed-note registry, as far as this crate
/// supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignatureType {
    /// `0x01`: Ed25519 over the note text (signed-note).
    Ed25519,
    /// `0x04`: timestamped Ed25519 witness cosignature (tlog-cosignature).
    CosignatureV1,
}

impl SignatureType {
    /// The identifier byte: `0x01` or `0x04`.
    pub fn id(self) -> u8 {
        match self {
            SignatureType::Ed25519 => 0x01,
            SignatureType::CosignatureV1 => 0x04,
        }
    }

    /// The type for an identifier byte, if supported.
    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            0x01 => Some(SignatureType::Ed25519),
            0x04 => Some(SignatureType::CosignatureV1),
            _ => None,
        }
    }
}

/// Errors from parsing, building or collecting keys.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The key name is empty, or contains a Unicode space, a `+` or a control character.
    #[error("invalid key name")]
    InvalidName,
    /// The key string does not have the expected shape.
    #[error("malformed key: {0}")]
    Malformed(&'static str),
    /// The key's signature type byte is not one this crate supports.
    #[error("unknown key algorithm 0x{0:02x}")]
    UnknownAlgorithm(u8),
    /// The key is of a supported type, but not the one this use requires.
    #[error("wrong key algorithm: expected 0x{expected:02x}, found 0x{found:02x}")]
    WrongAlgorithm {
        /// The identifier byte required.
        expected: u8,
        /// The identifier byte found.
        found: u8,
    },
    /// The key ID written in the key string is not the one computed from name and key.
    #[error("key ID does not match name and public key")]
    KeyIdMismatch,
    /// Two different keys with the same name and key ID were added to one [`Verifiers`].
    #[error("ambiguous key {name}+{key_id:08x}")]
    Duplicate {
        /// The key name.
        name: String,
        /// The key ID.
        key_id: u32,
    },
    /// The Ed25519 implementation rejected the seed.
    #[error("Ed25519 seed rejected")]
    Rejected,
    /// The system random number generator failed.
    #[error("random number generator failed")]
    Rng,
}

/// Errors from signing, parsing or verifying notes, checkpoints and cosignatures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    /// The text given to be signed is not a valid note text.
    #[error("invalid note text: {0}")]
    InvalidText(&'static str),
    /// The signed note does not follow the signed-note format.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// The note has more than [`MAX_SIGNATURES`] signature lines.
    #[error("too many signatures (at most {MAX_SIGNATURES})")]
    TooManySignatures,
    /// A signature from a known key failed to verify (the whole note is rejected).
    #[error("invalid signature for key {name}+{key_id:08x}")]
    InvalidSignature {
        /// The key name on the signature line.
        name: String,
        /// The key ID on the signature line.
        key_id: u32,
    },
    /// No signature line of the note is from a known key.
    #[error("note has no verifiable signatures")]
    NoVerifiedSignature,
    /// A checkpoint is verified only by cosignatures, not by a log (type `0x01`) key.
    #[error("checkpoint has no verified log signature")]
    NoLogSignature,
    /// The note text is not a valid tlog-checkpoint body.
    #[error("malformed checkpoint: {0}")]
    Checkpoint(&'static str),
    /// The verifier key has the wrong signature type for this operation.
    #[error("wrong key type: expected 0x{expected:02x}, found 0x{found:02x}")]
    WrongKeyType {
        /// The identifier byte required.
        expected: u8,
        /// The identifier byte of the key given.
        found: u8,
    },
    /// A signature line's key name or key ID is not the given verifier's.
    #[error("signature line is not from key {name}+{key_id:08x}")]
    KeyMismatch {
        /// The verifier's key name.
        name: String,
        /// The verifier's key ID.
        key_id: u32,
    },
    /// A cosignature timestamp exceeds 2^63 - 1.
    #[error("cosignature timestamp exceeds 2^63 - 1")]
    TimestampTooLarge,
}

/// One signature line of a note, not necessarily verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The key name.
    pub name: String,
    /// The key ID (the first four bytes of the decoded signature, big-endian).
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl Signature {
    /// Parses one signature line `— <name> <base64>`, with or without its final `\n`.
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "signature line does not start with '\u{2014} '",
        ))?;
        let (name, b64) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "signature line has no space after the name",
        ))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::Malformed("invalid key name in signature line"));
        }
        let raw = BASE64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("signature is not base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("signature too short"));
        }
        let (id, sig) = raw.split_at(4);
        let key_id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        Ok(Signature {
            name: name.to_owned(),
            key_id,
            signature: sig.to_vec(),
        })
    }

    /// The signature line `— <name> base64(key ID || signature)`, without a final `\n`.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}", self.name, BASE64.encode(raw))
    }

    /// The timestamp, if the bytes have the shape of an Ed25519 cosignature (8 + 64
    /// bytes). Unverified unless this signature was verified with a type `0x04` key.
    pub fn cosignature_timestamp(&self) -> Option<u64> {
        split_timestamped(&self.signature).map(|(t, _)| t)
    }
}

/// A signed note split into text and signature lines, without any verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNote {
    /// The note text, including its final `\n` but not the separating blank line.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<Signature>,
}

/// A verified signature and the type of the key that verified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signature line.
    pub signature: Signature,
    /// The type of the verifying key.
    pub signature_type: SignatureType,
}

impl VerifiedSignature {
    /// The cosignature timestamp, for a verified type `0x04` cosignature.
    pub fn timestamp(&self) -> Option<u64> {
        match self.signature_type {
            SignatureType::CosignatureV1 => self.signature.cosignature_timestamp(),
            SignatureType::Ed25519 => None,
        }
    }
}

/// A note whose signatures were checked against a set of known keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The note text, including its final `\n`.
    pub text: String,
    /// The signatures verified by known keys (each key once, in note order).
    pub verified: Vec<VerifiedSignature>,
    /// The signatures of unknown keys, not verified (identical lines once).
    pub unverified: Vec<Signature>,
}

/// Checks a note text: non-empty, ending in `\n`, no control characters but `\n`.
fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::InvalidText("empty"));
    }
    if !text.ends_with('\n') {
        return Err(NoteError::InvalidText("does not end in a newline"));
    }
    if has_control(text) {
        return Err(NoteError::InvalidText("contains a control character"));
    }
    Ok(())
}

/// Whether `s` holds an ASCII control character other than `\n` (signed-note forbids
/// them; other Unicode control characters are allowed by the spec).
fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// Signs `text` with each signer (Ed25519, type `0x01`) and returns the signed note:
/// `text`, a blank line, one signature line per signer.
///
/// `text` must be non-empty, end in `\n` and contain no control character other than
/// `\n`; it may contain empty lines (the spec allows them: the signatures are separated
/// by the last blank line). At least one and at most [`MAX_SIGNATURES`] signers; a
/// signer repeated (same name and key ID) signs once.
pub fn sign_note(text: &str, signers: &[&NoteSigner]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::InvalidText("no signers"));
    }
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 110);
    out.push_str(text);
    out.push('\n');
    let mut seen = BTreeSet::new();
    for s in signers {
        if !seen.insert((s.name(), s.key_id())) {
            continue;
        }
        let sig = Signature {
            name: s.name().to_owned(),
            key_id: s.key_id(),
            signature: s.sign(text.as_bytes()).to_vec(),
        };
        out.push_str(&sig.to_line());
        out.push('\n');
    }
    Ok(out)
}

/// Splits a signed note into text and signature lines, checking the syntax only: no
/// control characters but `\n`; text ending in `\n`; after the last blank line, 1 to
/// [`MAX_SIGNATURES`] lines `— <valid name> <base64 of at least 5 bytes>\n`.
pub fn parse_note(note: &str) -> Result<ParsedNote, NoteError> {
    if has_control(note) {
        return Err(NoteError::Malformed("control character"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    // `split` is the byte offset of an ASCII '\n', so both slices are on char boundaries.
    let text = note.get(..split + 1).ok_or(NoteError::Malformed("text"))?;
    let sigs = note
        .get(split + 2..)
        .ok_or(NoteError::Malformed("signatures"))?;
    let sigs = sigs.strip_suffix('\n').ok_or(NoteError::Malformed(
        "no signature line ending in a newline",
    ))?;
    if sigs.is_empty() {
        return Err(NoteError::Malformed("no signature line"));
    }
    let mut signatures = Vec::new();
    for line in sigs.split('\n') {
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        signatures.push(Signature::parse_line(line)?);
    }
    Ok(ParsedNote {
        text: text.to_owned(),
        signatures,
    })
}

/// Parses a signed note and verifies its signatures against `verifiers`.
///
/// Signature lines whose (name, key ID) is not in `verifiers` are ignored and returned
/// as unverified. A line from a known key must verify, or the whole note is rejected
/// ([`NoteError::InvalidSignature`]); a note with no signature from a known key is
/// rejected ([`NoteError::NoVerifiedSignature`]). Type `0x04` keys verify cosignature
/// lines over the note text.
pub fn open_note(note: &str, verifiers: &Verifiers) -> Result<OpenedNote, NoteError> {
    let parsed = parse_note(note)?;
    let mut verified: Vec<VerifiedSignature> = Vec::new();
    let mut unverified: Vec<Signature> = Vec::new();
    for sig in parsed.signatures {
        match verifiers.get(&sig.name, sig.key_id) {
            Some(v) => {
                if !v.verify(parsed.text.as_bytes(), &sig.signature) {
                    return Err(NoteError::InvalidSignature {
                        name: sig.name,
                        key_id: sig.key_id,
                    });
                }
                let dup = verified
                    .iter()
                    .any(|s| s.signature.name == sig.name && s.signature.key_id == sig.key_id);
                if !dup {
                    verified.push(VerifiedSignature {
                        signature: sig,
                        signature_type: v.signature_type(),
                    });
                }
            }
            None => {
                if !unverified.contains(&sig) {
                    unverified.push(sig);
                }
            }
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiedSignature);
    }
    Ok(OpenedNote {
        text: parsed.text,
        verified,
        unverified,
    })
}

/// A tlog-checkpoint: the note text of a log's signed tree head.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// The log's origin line (non-empty).
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 Merkle tree root hash at `size`.
    pub root: Hash,
    /// Opaque extension lines (each non-empty); NOT RECOMMENDED by the spec.
    pub extensions: Vec<String>,
}

/// Checks one checkpoint line: non-empty, no newline, no control character.
fn check_line(line: &str, what: &'static str) -> Result<(), NoteError> {
    if line.is_empty() || line.contains('\n') || has_control(line) {
        return Err(NoteError::Checkpoint(what));
    }
    Ok(())
}

impl Checkpoint {
    /// The note text: origin, decimal size, base64 root and extension lines, each ending
    /// in `\n`. Meaningful only for a checkpoint that passes [`Checkpoint::validate`].
    pub fn to_body(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Checks that the origin and extension lines are non-empty single lines without
    /// control characters, so that [`Checkpoint::to_body`] parses back to `self`.
    pub fn validate(&self) -> Result<(), NoteError> {
        check_line(&self.origin, "invalid origin line")?;
        for e in &self.extensions {
            check_line(e, "invalid extension line")?;
        }
        Ok(())
    }

    /// Parses a checkpoint note text: at least three non-empty `\n`-terminated lines:
    /// origin; tree size in ASCII decimal without leading zeros; root hash as standard
    /// padded base64 of exactly 32 bytes; then optional non-empty extension lines.
    pub fn parse_body(body: &str) -> Result<Checkpoint, NoteError> {
        let body = body
            .strip_suffix('\n')
            .ok_or(NoteError::Checkpoint("does not end in a newline"))?;
        if has_control(body) {
            return Err(NoteError::Checkpoint("control character"));
        }
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        let size = lines
            .next()
            .ok_or(NoteError::Checkpoint("missing size line"))?;
        let root = lines
            .next()
            .ok_or(NoteError::Checkpoint("missing root line"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if origin.is_empty() {
            return Err(NoteError::Checkpoint("empty origin line"));
        }
        let size = parse_decimal(size).ok_or(NoteError::Checkpoint("invalid tree size"))?;
        let root: Hash = BASE64
            .decode(root)
            .map_err(|_| NoteError::Checkpoint("root hash is not base64"))?
            .try_into()
            .map_err(|_| NoteError::Checkpoint("root hash is not 32 bytes"))?;
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::Checkpoint("empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

/// Parses an ASCII decimal u64 with no sign and no leading zeros (except `0` itself).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// A checkpoint opened from a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The parsed checkpoint body.
    pub checkpoint: Checkpoint,
    /// The note with its verified and unverified signatures.
    pub note: OpenedNote,
}

impl SignedCheckpoint {
    /// The verified log signatures (type `0x01`).
    pub fn log_signatures(&self) -> impl Iterator<Item = &VerifiedSignature> {
        self.note
            .verified
            .iter()
            .filter(|s| s.signature_type == SignatureType::Ed25519)
    }

    /// The verified witness cosignatures (type `0x04`).
    pub fn cosignatures(&self) -> impl Iterator<Item = &VerifiedSignature> {
        self.note
            .verified
            .iter()
            .filter(|s| s.signature_type == SignatureType::CosignatureV1)
    }
}

/// Signs a checkpoint: its body, a blank line, one signature line per log signer.
pub fn sign_checkpoint(
    checkpoint: &Checkpoint,
    signers: &[&NoteSigner],
) -> Result<String, NoteError> {
    checkpoint.validate()?;
    sign_note(&checkpoint.to_body(), signers)
}

/// Opens a signed checkpoint note: [`open_note`] with `verifiers`, then requires at least
/// one verified log signature (type `0x01`) and a valid checkpoint body. Cosignatures of
/// type `0x04` keys in `verifiers` are verified too (see
/// [`SignedCheckpoint::cosignatures`]).
///
/// The origin is not compared with the signing key's name (the spec only says it
/// SHOULD match): callers that trust several logs check `checkpoint.origin` themselves.
pub fn open_checkpoint(note: &str, verifiers: &Verifiers) -> Result<SignedCheckpoint, NoteError> {
    let note = open_note(note, verifiers)?;
    if !note
        .verified
        .iter()
        .any(|s| s.signature_type == SignatureType::Ed25519)
    {
        return Err(NoteError::NoLogSignature);
    }
    let checkpoint = Checkpoint::parse_body(&note.text)?;
    Ok(SignedCheckpoint { checkpoint, note })
}

/// Verifies one cosignature line (with or without its final `\n`) over `checkpoint`
/// with the cosigner's type `0x04` verifier; returns the cosignature's timestamp.
pub fn verify_cosignature(
    line: &str,
    checkpoint: &Checkpoint,
    verifier: &NoteVerifier,
) -> Result<u64, NoteError> {
    if verifier.signature_type() != SignatureType::CosignatureV1 {
        return Err(NoteError::WrongKeyType {
            expected: SignatureType::CosignatureV1.id(),
            found: verifier.signature_type().id(),
        });
    }
    checkpoint.validate()?;
    let sig = Signature::parse_line(line)?;
    if sig.name != verifier.name() || sig.key_id != verifier.key_id() {
        return Err(NoteError::KeyMismatch {
            name: verifier.name().to_owned(),
            key_id: verifier.key_id(),
        });
    }
    let body = checkpoint.to_body();
    if !verifier.verify(body.as_bytes(), &sig.signature) {
        return Err(NoteError::InvalidSignature {
            name: sig.name,
            key_id: sig.key_id,
        });
    }
    sig.cosignature_timestamp()
        .ok_or(NoteError::Malformed("cosignature length"))
}

/// Adds cosignature lines (each with or without its final `\n`) to a signed checkpoint
/// note. A new line replaces an existing signature line with the same key name and key
/// ID. Checks syntax only (the note must parse and its text must be a valid checkpoint
/// body); verify cosignatures with [`verify_cosignature`] before adding them.
pub fn add_cosignatures<S: AsRef<str>>(note: &str, lines: &[S]) -> Result<String, NoteError> {
    let parsed = parse_note(note)?;
    Checkpoint::parse_body(&parsed.text)?;
    let new: Vec<Signature> = lines
        .iter()
        .map(|l| Signature::parse_line(l.as_ref()))
        .collect::<Result<_, _>>()?;
    let replaced = |s: &Signature| new.iter().any(|n| n.name == s.name && n.key_id == s.key_id);
    let mut all: Vec<Signature> = parsed
        .signatures
        .into_iter()
        .filter(|s| !replaced(s))
        .collect();
    for n in new {
        if !all.iter().any(|s| s.name == n.name && s.key_id == n.key_id) {
            all.push(n);
        }
    }
    if all.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }
    let mut out = parsed.text;
    out.push('\n');
    for s in &all {
        out.push_str(&s.to_line());
        out.push('\n');
    }
    Ok(out)
}
