//! The federation roster: a signed, versioned list of the federation's members.
//!
//! Per State: its log origin (the name of its node's note key), the node's verifier keys
//! with the time from which (and until which) each is valid, and its endpoints; then the
//! secretariats with their keys. A node learns a new member or a rotated node key from a
//! newer roster instead of an edit of every configuration (design 05-sync, "The
//! federation roster").
//!
//! The signed form is a C2SP signed note ([`crate::note`]) whose text is the line
//! [`ROSTER_HEADER`] followed by the roster as pretty JSON and `\n`. It is signed by one
//! or more roster keys (ordinary Ed25519 note keys) that every node pins; a reader
//! requires a threshold `m` of them ([`open_roster`]). Keepers sign one after another
//! ([`add_roster_signature`]). A roster replaces the one held only if its version is
//! strictly newer ([`check_newer`]).
//!
//! Pure: no clock and no I/O; input never causes a panic.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::codes::Date;
use crate::note::{
    self, MAX_SIGNATURES, NoteError, NoteSigner, NoteVerifier, Signature, SignatureType, Verifiers,
    is_valid_key_name,
};
use crate::report::Iso3;
use crate::validate::shown;

/// The first line of a roster note's text.
pub const ROSTER_HEADER: &str = "vrs-roster/v1";
/// The largest roster note accepted or produced, in bytes (1 MiB).
pub const MAX_ROSTER_NOTE: usize = 1 << 20;
/// The most members in a roster.
pub const MAX_MEMBERS: usize = 1000;
/// The most secretariats in a roster.
pub const MAX_SECRETARIATS: usize = 64;
/// The most keys of one member or secretariat.
pub const MAX_KEYS: usize = 16;
/// The most endpoints of one member.
pub const MAX_ENDPOINTS: usize = 8;
/// The longest string of a roster (federation, origin, vkey, endpoint, name), in bytes.
pub const MAX_STRING: usize = 256;

/// A federation roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The federation's name.
    pub federation: String,
    /// The roster's version, from 1; a node takes only a strictly newer one.
    pub version: u64,
    /// The day it was issued, `YYYY-MM-DD`.
    pub issued: String,
    /// The member States.
    pub members: Vec<Member>,
    /// The secretariats.
    pub secretariats: Vec<Secretariat>,
}

/// A member State and its node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// ISO 3166-1 alpha-3 code of the State.
    pub state: String,
    /// The node's log origin, which is the name of its note keys (e.g.
    /// `vrs.local/state/AUS`).
    pub origin: String,
    /// The node's verifier keys (checkpoints and releases), with their validity.
    pub keys: Vec<RosterKey>,
    /// The node's `https://host:port` endpoints.
    pub endpoints: Vec<String>,
}

/// A verifier key and the window in which it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterKey {
    /// The C2SP note verifier key, `name+hex(key ID)+base64(0x01 || key)`.
    pub vkey: String,
    /// Valid from this time (unix seconds, inclusive); 0: always.
    pub valid_from: u64,
    /// Valid until this time (unix seconds, exclusive); 0: open-ended.
    pub valid_until: u64,
}

/// A secretariat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secretariat {
    /// The secretariat's name (e.g. `ROSEAP`).
    pub name: String,
    /// Its verifier keys (may be empty).
    pub keys: Vec<RosterKey>,
}

/// Why a roster could not be signed, opened, parsed or taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RosterError {
    /// The note is larger than [`MAX_ROSTER_NOTE`].
    #[error("roster note is {size} bytes, more than the {MAX_ROSTER_NOTE} accepted")]
    TooLarge {
        /// The note's size in bytes.
        size: usize,
    },
    /// The signed note is malformed, or a signature of a pinned key is invalid.
    #[error("roster note: {0}")]
    Note(#[from] NoteError),
    /// Too few distinct pinned roster keys signed.
    #[error(
        "roster signed by {verified} pinned roster key(s); {needed} required \
         ({unverified} signature(s) by keys not pinned)"
    )]
    Threshold {
        /// Distinct pinned keys whose signature verified.
        verified: usize,
        /// The threshold.
        needed: usize,
        /// Signature lines of keys that are not pinned.
        unverified: usize,
    },
    /// The note text does not start with [`ROSTER_HEADER`].
    #[error("not a roster: the note text does not start with the line {ROSTER_HEADER}")]
    NotRoster,
    /// The roster's JSON does not parse (message shortened).
    #[error("roster JSON: {0}")]
    Json(String),
    /// The roster breaks a rule.
    #[error("invalid roster: {field}: {message}")]
    Invalid {
        /// Field path, e.g. `members[3].keys[0].vkey`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The offered roster's version is the one held: nothing to do.
    #[error("the offered roster is the version already held")]
    SameVersion,
    /// The offered roster is older than the one held: refused.
    #[error("roster version {offered} is older than the version {held} held")]
    Older {
        /// The version held.
        held: u64,
        /// The version offered.
        offered: u64,
    },
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> RosterError {
    RosterError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

fn json_error(e: &serde_json::Error) -> RosterError {
    // serde_json names unknown fields and bad values in its message: shorten it.
    RosterError::Json(shown_long(&e.to_string()))
}

/// `s` shortened to a few times [`crate::validate::MAX_SHOWN_VALUE`] characters.
fn shown_long(s: &str) -> String {
    const MAX: usize = 200;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Checks a string's length and that it holds no control character.
fn check_string(field: &str, s: &str) -> Result<(), RosterError> {
    if s.len() > MAX_STRING {
        return Err(invalid(
            field,
            format!("{} bytes, more than {MAX_STRING}", s.len()),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(field, "contains a control character"));
    }
    Ok(())
}

/// Whether `host` is a DNS name (letters, digits, hyphens; dot-separated labels of 1 to
/// 63 characters, none starting or ending with a hyphen), which includes IPv4 literals.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Checks an endpoint `https://host:port`: a DNS name, an IPv4 address or a bracketed
/// IPv6 address, and a port from 1 to 65535; nothing else (no path, user or query).
fn check_endpoint(e: &str) -> Result<(), &'static str> {
    let rest = e
        .strip_prefix("https://")
        .ok_or("must be https://host:port")?;
    let (host_ok, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or("unclosed '[' in the host")?;
        let port = after
            .strip_prefix(':')
            .ok_or("must be https://host:port (no port)")?;
        (addr.parse::<std::net::Ipv6Addr>().is_ok(), port)
    } else {
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or("must be https://host:port (no port)")?;
        (is_host_name(host), port)
    };
    if !host_ok {
        return Err("the host is not a DNS name or an IP address");
    }
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the port is not a number (and nothing may follow it)");
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 && !port.starts_with('0') => Ok(()),
        _ => Err("the port is not 1 to 65535"),
    }
}

impl RosterKey {
    /// The parsed verifier key.
    pub fn verifier(&self) -> Result<NoteVerifier, note::KeyError> {
        NoteVerifier::parse(&self.vkey)
    }

    /// Whether `unix` is in the key's window: `valid_from <= unix` and, unless
    /// `valid_until` is 0, `unix < valid_until`. A key valid until T and its successor
    /// valid from T are never valid together.
    pub fn valid_at(&self, unix: u64) -> bool {
        self.valid_from <= unix && (self.valid_until == 0 || unix < self.valid_until)
    }

    /// Checks the key: length, a parsing Ed25519 (type `0x01`) vkey named `name` (if
    /// given), and a window that is not empty.
    fn validate(&self, field: &str, name: Option<&str>) -> Result<NoteVerifier, RosterError> {
        let vfield = format!("{field}.vkey");
        check_string(&vfield, &self.vkey)?;
        let v = self
            .verifier()
            .map_err(|e| invalid(&vfield, format!("not a verifier key: {e}")))?;
        if v.signature_type() != SignatureType::Ed25519 {
            return Err(invalid(
                &vfield,
                format!(
                    "an Ed25519 note key (type 0x01) is required, not type 0x{:02x}",
                    v.signature_type().id()
                ),
            ));
        }
        if let Some(name) = name
            && v.name() != name
        {
            return Err(invalid(
                &vfield,
                format!(
                    "key name {:?} is not the member's origin {:?}",
                    shown(v.name()),
                    shown(name)
                ),
            ));
        }
        if self.valid_until != 0 && self.valid_until <= self.valid_from {
            return Err(invalid(
                format!("{field}.valid_until"),
                format!(
                    "{} is not after valid_from {} (0: open-ended)",
                    self.valid_until, self.valid_from
                ),
            ));
        }
        Ok(v)
    }
}

/// Checks a list of keys: at most [`MAX_KEYS`], each valid, none twice.
fn validate_keys(field: &str, keys: &[RosterKey], name: Option<&str>) -> Result<(), RosterError> {
    if keys.len() > MAX_KEYS {
        return Err(invalid(
            field,
            format!("{} keys, more than {MAX_KEYS}", keys.len()),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, k) in keys.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let v = k.validate(&f, name)?;
        if !seen.insert((v.name().to_owned(), v.key_id())) {
            return Err(invalid(format!("{f}.vkey"), "the same key is listed twice"));
        }
    }
    Ok(())
}

impl Member {
    /// A member of State `state` with one node key, valid over `[from, until)` (0:
    /// open-ended); its log origin is the key's name.
    pub fn with_key(
        state: &str,
        key: &NoteVerifier,
        from: u64,
        until: u64,
        endpoints: Vec<String>,
    ) -> Member {
        Member {
            state: state.to_owned(),
            origin: key.name().to_owned(),
            keys: vec![RosterKey {
                vkey: key.to_vkey(),
                valid_from: from,
                valid_until: until,
            }],
            endpoints,
        }
    }

    /// The member's keys valid at `unix` (see [`RosterKey::valid_at`]).
    pub fn keys_at(&self, unix: u64) -> Vec<NoteVerifier> {
        self.keys
            .iter()
            .filter(|k| k.valid_at(unix))
            .filter_map(|k| k.verifier().ok())
            .collect()
    }

    /// All the member's keys, whatever their window (e.g. to verify old releases).
    pub fn all_keys(&self) -> Vec<NoteVerifier> {
        self.keys.iter().filter_map(|k| k.verifier().ok()).collect()
    }

    fn validate(&self, field: &str) -> Result<(), RosterError> {
        let sfield = format!("{field}.state");
        if Iso3::new(&self.state).is_none() {
            return Err(invalid(
                sfield,
                format!("{:?} is not an ISO 3166-1 alpha-3 code", shown(&self.state)),
            ));
        }
        let ofield = format!("{field}.origin");
        check_string(&ofield, &self.origin)?;
        if !is_valid_key_name(&self.origin) {
            return Err(invalid(
                ofield,
                "not a key name (non-empty, no space, no '+')",
            ));
        }
        let kfield = format!("{field}.keys");
        if self.keys.is_empty() {
            return Err(invalid(kfield, "a member needs at least one key"));
        }
        validate_keys(&kfield, &self.keys, Some(&self.origin))?;
        if self.endpoints.len() > MAX_ENDPOINTS {
            return Err(invalid(
                format!("{field}.endpoints"),
                format!(
                    "{} endpoints, more than {MAX_ENDPOINTS}",
                    self.endpoints.len()
                ),
            ));
        }
        for (i, e) in self.endpoints.iter().enumerate() {
            let efield = format!("{field}.endpoints[{i}]");
            check_string(&efield, e)?;
            check_endpoint(e).map_err(|m| invalid(efield, format!("{:?}: {m}", shown(e))))?;
        }
        Ok(())
    }
}

impl Roster {
    /// Checks every rule; the error names the first field that breaks one.
    pub fn validate(&self) -> Result<(), RosterError> {
        if self.version == 0 {
            return Err(invalid("version", "must be at least 1"));
        }
        check_string("federation", &self.federation)?;
        if self.federation.trim().is_empty() {
            return Err(invalid("federation", "must not be empty"));
        }
        check_string("issued", &self.issued)?;
        Date::parse(&self.issued).map_err(|e| invalid("issued", e.to_string()))?;
        if self.members.len() > MAX_MEMBERS {
            return Err(invalid(
                "members",
                format!("{} members, more than {MAX_MEMBERS}", self.members.len()),
            ));
        }
        let mut states = BTreeSet::new();
        let mut origins = BTreeSet::new();
        for (i, m) in self.members.iter().enumerate() {
            let field = format!("members[{i}]");
            m.validate(&field)?;
            if !states.insert(m.state.as_str()) {
                return Err(invalid(
                    format!("{field}.state"),
                    format!("{} is listed twice", m.state),
                ));
            }
            if !origins.insert(m.origin.as_str()) {
                return Err(invalid(
                    format!("{field}.origin"),
                    format!("{:?} is another member's origin", shown(&m.origin)),
                ));
            }
        }
        if self.secretariats.len() > MAX_SECRETARIATS {
            return Err(invalid(
                "secretariats",
                format!(
                    "{} secretariats, more than {MAX_SECRETARIATS}",
                    self.secretariats.len()
                ),
            ));
        }
        let mut names = BTreeSet::new();
        for (i, s) in self.secretariats.iter().enumerate() {
            let field = format!("secretariats[{i}]");
            let nfield = format!("{field}.name");
            check_string(&nfield, &s.name)?;
            if s.name.trim().is_empty() {
                return Err(invalid(nfield, "must not be empty"));
            }
            if !names.insert(s.name.as_str()) {
                return Err(invalid(
                    nfield,
                    format!("{:?} is listed twice", shown(&s.name)),
                ));
            }
            validate_keys(&format!("{field}.keys"), &s.keys, None)?;
        }
        Ok(())
    }

    /// The member for State `state` (ISO 3166-1 alpha-3).
    pub fn member(&self, state: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.state == state)
    }

    /// The member whose log origin is `origin`.
    pub fn member_by_origin(&self, origin: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.origin == origin)
    }

    /// The secretariat named `name`.
    pub fn secretariat(&self, name: &str) -> Option<&Secretariat> {
        self.secretariats.iter().find(|s| s.name == name)
    }

    /// Parses a roster from JSON and validates it.
    pub fn from_json(json: &str) -> Result<Roster, RosterError> {
        if json.len() > MAX_ROSTER_NOTE {
            return Err(RosterError::TooLarge { size: json.len() });
        }
        let r: Roster = serde_json::from_str(json).map_err(|e| json_error(&e))?;
        r.validate()?;
        Ok(r)
    }

    /// The note text of the roster: [`ROSTER_HEADER`], `\n`, pretty JSON, `\n`. Does not
    /// validate.
    pub fn to_note_text(&self) -> Result<String, RosterError> {
        let json = serde_json::to_string_pretty(self).map_err(|e| json_error(&e))?;
        Ok(format!("{ROSTER_HEADER}\n{json}\n"))
    }

    /// Parses and validates a roster note's text (the signed part of the note).
    pub fn from_note_text(text: &str) -> Result<Roster, RosterError> {
        let json = text
            .strip_prefix(ROSTER_HEADER)
            .and_then(|t| t.strip_prefix('\n'))
            .ok_or(RosterError::NotRoster)?;
        Roster::from_json(json)
    }
}

/// A roster opened from a signed note, with who signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRoster {
    /// The roster, valid.
    pub roster: Roster,
    /// The distinct pinned roster keys whose signature verified, in note order.
    pub signed_by: Vec<NoteVerifier>,
    /// The number of signature lines of the note (verified or not).
    pub signatures: usize,
}

/// Refuses a note larger than [`MAX_ROSTER_NOTE`].
fn check_size(note: &str) -> Result<(), RosterError> {
    if note.len() > MAX_ROSTER_NOTE {
        return Err(RosterError::TooLarge { size: note.len() });
    }
    Ok(())
}

/// Validates `r` and signs it into a roster note with each signer (a signer repeated
/// signs once).
pub fn sign_roster(r: &Roster, signers: &[&NoteSigner]) -> Result<String, RosterError> {
    r.validate()?;
    let note = note::sign_note(&r.to_note_text()?, signers)?;
    check_size(&note)?;
    Ok(note)
}

/// Adds `signer`'s signature to a signed roster note, keeping the other signature lines
/// (m-of-n signing by keepers one after another). The note's text must be a valid
/// roster; its existing signatures are not verified (no keys are given). A signature of
/// the same key already there is replaced (Ed25519 signatures are deterministic, so it
/// is the same line unless the old one was bad).
pub fn add_roster_signature(note: &str, signer: &NoteSigner) -> Result<String, RosterError> {
    check_size(note)?;
    let parsed = note::parse_note(note)?;
    Roster::from_note_text(&parsed.text)?;
    let new = Signature {
        name: signer.name().to_owned(),
        key_id: signer.key_id(),
        signature: signer.sign(parsed.text.as_bytes()).to_vec(),
    };
    let mut lines: Vec<Signature> = parsed
        .signatures
        .into_iter()
        .filter(|s| !(s.name == new.name && s.key_id == new.key_id))
        .collect();
    lines.push(new);
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures.into());
    }
    let mut out = parsed.text;
    out.push('\n');
    for s in &lines {
        out.push_str(&s.to_line());
        out.push('\n');
    }
    check_size(&out)?;
    Ok(out)
}

/// Opens a roster note: refuses a note over [`MAX_ROSTER_NOTE`] before parsing it,
/// verifies its signatures against the `pinned` roster keys (a signature of a pinned key
/// that does not verify refuses the note), requires at least `threshold` (at least 1)
/// distinct pinned Ed25519 keys to have signed, then parses and validates the roster.
pub fn open_roster_note(
    note: &str,
    pinned: &Verifiers,
    threshold: usize,
) -> Result<OpenedRoster, RosterError> {
    check_size(note)?;
    let needed = threshold.max(1);
    let opened = match note::open_note(note, pinned) {
        Ok(o) => o,
        Err(NoteError::NoVerifiedSignature) => {
            let unverified = note::parse_note(note).map_or(0, |p| p.signatures.len());
            return Err(RosterError::Threshold {
                verified: 0,
                needed,
                unverified,
            });
        }
        Err(e) => return Err(e.into()),
    };
    // `open_note` lists each verified key once; only note (0x01) keys are roster keys.
    let signed_by: Vec<NoteVerifier> = opened
        .verified
        .iter()
        .filter(|s| s.signature_type == SignatureType::Ed25519)
        .filter_map(|s| pinned.get(&s.signature.name, s.signature.key_id).cloned())
        .collect();
    if signed_by.len() < needed {
        return Err(RosterError::Threshold {
            verified: signed_by.len(),
            needed,
            unverified: opened.unverified.len(),
        });
    }
    let signatures = note::parse_note(note).map_or(0, |p| p.signatures.len());
    let roster = Roster::from_note_text(&opened.text)?;
    Ok(OpenedRoster {
        roster,
        signed_by,
        signatures,
    })
}

/// [`open_roster_note`], returning the roster only.
pub fn open_roster(
    note: &str,
    pinned: &Verifiers,
    threshold: usize,
) -> Result<Roster, RosterError> {
    open_roster_note(note, pinned, threshold).map(|o| o.roster)
}

/// Parses and validates a roster note WITHOUT verifying any signature (to show one);
/// returns the roster and the number of signature lines.
pub fn parse_roster_unverified(note: &str) -> Result<(Roster, usize), RosterError> {
    check_size(note)?;
    let parsed = note::parse_note(note)?;
    let roster = Roster::from_note_text(&parsed.text)?;
    Ok((roster, parsed.signatures.len()))
}

/// Parses a file of pinned roster verifier keys: one `name+keyid+base64` per line,
/// blank lines and `#` comments skipped (what `vrs roster keygen` writes to `.vkey`,
/// or several such files concatenated). An error names the line (1-based).
pub fn parse_roster_keys(text: &str) -> Result<Vec<NoteVerifier>, (usize, note::KeyError)> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        keys.push(NoteVerifier::parse(line).map_err(|e| (i + 1, e))?);
    }
    Ok(keys)
}

/// Whether an offered roster version may replace the one held: strictly newer only.
/// Equal is [`RosterError::SameVersion`] (a no-op for callers); older is
/// [`RosterError::Older`]. With none held, any version is taken.
pub fn check_newer(held: Option<u64>, offered: u64) -> Result<(), RosterError> {
    match held {
        None => Ok(()),
        Some(h) if offered > h => Ok(()),
        Some(h) if offered == h => Err(RosterError::SameVersion),
        Some(held) => Err(RosterError::Older { held, offered }),
    }
}

#[cfg(test)]
mod tests;
