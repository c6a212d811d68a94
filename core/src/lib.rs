//! vrs-core: the signed-record core of vrs.
//!
//! Pure functions and domain types, no I/O: DSSE envelopes and Ed25519 signatures
//! ([`envelope`]), RFC 9162 Merkle log maths ([`merkle`]), C2SP signed notes,
//! checkpoints and cosignatures ([`note`]), tlog-proof receipts ([`receipt`]), the
//! report domain ([`report`]) with its code lists ([`codes`]) and validation
//! ([`validate`]), the roles of certificates ([`identity`]), and the signed federation
//! roster ([`roster`]). Only [`wire`] touches protobuf messages.
#![forbid(unsafe_code)]

pub mod aggregate;
pub mod codes;
pub mod directory;
pub mod disclosure;
pub mod envelope;
pub mod identity;
pub mod merkle;
pub mod note;
pub mod receipt;
pub mod release;
pub mod report;
pub mod roster;
pub mod validate;
pub mod wire;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// Parses lower- or upper-case hexadecimal.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
