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
mod tests {
    use super::*;

    fn signer(name: &str, seed: u8) -> NoteSigner {
        NoteSigner::from_seed(name, &[seed; 32]).expect("signer")
    }

    fn key(s: &NoteSigner, valid_from: u64, valid_until: u64) -> RosterKey {
        RosterKey {
            vkey: s.verifier_key(),
            valid_from,
            valid_until,
        }
    }

    fn member(state: &str, seed: u8) -> Member {
        let origin = format!("vrs.example/state/{state}");
        Member {
            state: state.into(),
            keys: vec![key(&signer(&origin, seed), 0, 0)],
            origin,
            endpoints: vec![format!("https://{}.example:7400", state.to_lowercase())],
        }
    }

    fn roster(version: u64) -> Roster {
        Roster {
            federation: "ROSEAP test".into(),
            version,
            issued: "2026-03-01".into(),
            members: vec![member("AUS", 1), member("IDN", 2)],
            secretariats: vec![Secretariat {
                name: "ROSEAP".into(),
                keys: vec![key(&signer("vrs.example/secretariat/ROSEAP", 3), 0, 0)],
            }],
        }
    }

    /// Three roster keepers' keys.
    fn keepers() -> [NoteSigner; 3] {
        [
            signer("vrs.example/roster/a", 10),
            signer("vrs.example/roster/b", 11),
            signer("vrs.example/roster/c", 12),
        ]
    }

    fn pinned(keys: &[&NoteSigner]) -> Verifiers {
        Verifiers::from_verifiers(keys.iter().map(|k| k.verifier())).expect("verifiers")
    }

    /// The field of an `Invalid` error.
    fn field_of(r: &Roster) -> String {
        match r.validate() {
            Err(RosterError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn round_trip() {
        let [a, _, _] = keepers();
        let r = roster(1);
        let note = sign_roster(&r, &[&a]).expect("sign");
        assert!(note.starts_with("vrs-roster/v1\n{\n"));
        let back = open_roster(&note, &pinned(&[&a]), 1).expect("open");
        assert_eq!(back, r);
        let (unverified, lines) = parse_roster_unverified(&note).expect("parse");
        assert_eq!((unverified, lines), (r, 1));
    }

    #[test]
    fn two_of_three_threshold() {
        let [a, b, c] = keepers();
        let pins = pinned(&[&a, &b, &c]);
        let r = roster(1);

        let one = sign_roster(&r, &[&a]).expect("sign");
        assert_eq!(
            open_roster(&one, &pins, 2),
            Err(RosterError::Threshold {
                verified: 1,
                needed: 2,
                unverified: 0
            })
        );

        // The same key twice (signed twice, and a line copied) counts once.
        let twice = add_roster_signature(&one, &a).expect("add");
        assert_eq!(twice, one, "the same key's signature is not added twice");
        let line = one.lines().last().expect("line");
        let copied = format!("{one}{line}\n");
        assert_eq!(parse_roster_unverified(&copied).expect("parse").1, 2);
        assert!(matches!(
            open_roster(&copied, &pins, 2),
            Err(RosterError::Threshold { verified: 1, .. })
        ));

        // A second keeper signs after the first.
        let two = add_roster_signature(&one, &c).expect("add");
        let opened = open_roster_note(&two, &pins, 2).expect("2 of 3");
        assert_eq!(opened.roster, r);
        assert_eq!(opened.signatures, 2);
        let names: Vec<&str> = opened.signed_by.iter().map(|v| v.name()).collect();
        assert_eq!(names, ["vrs.example/roster/a", "vrs.example/roster/c"]);
        assert!(open_roster(&two, &pins, 3).is_err());
        // Signed at once by two keepers: the same.
        assert!(open_roster(&sign_roster(&r, &[&a, &b]).expect("sign"), &pins, 2).is_ok());
        // A threshold of 0 means 1.
        assert!(open_roster(&one, &pins, 0).is_ok());
    }

    #[test]
    fn not_pinned_key_refused() {
        let [a, b, _] = keepers();
        let note = sign_roster(&roster(1), &[&b]).expect("sign");
        assert_eq!(
            open_roster(&note, &pinned(&[&a]), 1),
            Err(RosterError::Threshold {
                verified: 0,
                needed: 1,
                unverified: 1
            })
        );
        // A key of the pinned key's name but another seed is not the pinned key.
        let impostor = signer(a.name(), 99);
        let note = sign_roster(&roster(1), &[&impostor]).expect("sign");
        assert!(matches!(
            open_roster(&note, &pinned(&[&a]), 1),
            Err(RosterError::Threshold { verified: 0, .. })
        ));
    }

    #[test]
    fn tampered_body_refused() {
        let [a, b, _] = keepers();
        let note = sign_roster(&roster(1), &[&a, &b]).expect("sign");
        let tampered = note.replace("\"version\": 1", "\"version\": 2");
        assert_ne!(tampered, note);
        assert!(matches!(
            open_roster(&tampered, &pinned(&[&a]), 1),
            Err(RosterError::Note(NoteError::InvalidSignature { .. }))
        ));
        let tampered = note.replace("https://aus.example:7400", "https://evil.example:7400");
        assert_ne!(tampered, note);
        assert!(open_roster(&tampered, &pinned(&[&a, &b]), 1).is_err());
    }

    #[test]
    fn signed_text_that_is_not_a_valid_roster_refused() {
        let [a, _, _] = keepers();
        let mut r = roster(1);
        r.version = 0;
        let text = r.to_note_text().expect("text");
        let note = note::sign_note(&text, &[&a]).expect("sign");
        assert!(matches!(
            open_roster(&note, &pinned(&[&a]), 1),
            Err(RosterError::Invalid { field, .. }) if field == "version"
        ));
        let other = note::sign_note("vrs-release/v1\n{}\n", &[&a]).expect("sign");
        assert_eq!(
            open_roster(&other, &pinned(&[&a]), 1),
            Err(RosterError::NotRoster)
        );
        let unknown = text.replace("\"version\": 0", "\"version\": 1,\n  \"extra\": 1");
        let note = note::sign_note(&unknown, &[&a]).expect("sign");
        assert!(matches!(
            open_roster(&note, &pinned(&[&a]), 1),
            Err(RosterError::Json(m)) if m.contains("extra")
        ));
        // Nor can a signature be added to one.
        assert!(add_roster_signature(&other, &a).is_err());
    }

    #[test]
    fn oversized_note_refused_before_parsing() {
        let [a, _, _] = keepers();
        // Not even a note: refused on its size alone.
        let huge = "x".repeat(MAX_ROSTER_NOTE + 1);
        assert_eq!(
            open_roster(&huge, &pinned(&[&a]), 1),
            Err(RosterError::TooLarge {
                size: MAX_ROSTER_NOTE + 1
            })
        );
        assert!(matches!(
            add_roster_signature(&huge, &a),
            Err(RosterError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_roster_unverified(&huge),
            Err(RosterError::TooLarge { .. })
        ));
        // Exactly the limit is not refused for its size.
        let at_limit = "x".repeat(MAX_ROSTER_NOTE);
        assert!(matches!(
            open_roster(&at_limit, &pinned(&[&a]), 1),
            Err(RosterError::Note(_))
        ));
    }

    #[test]
    fn older_same_newer() {
        assert_eq!(check_newer(None, 1), Ok(()));
        assert_eq!(check_newer(Some(3), 4), Ok(()));
        assert_eq!(check_newer(Some(3), 3), Err(RosterError::SameVersion));
        assert_eq!(
            check_newer(Some(3), 2),
            Err(RosterError::Older {
                held: 3,
                offered: 2
            })
        );
    }

    #[test]
    fn key_validity_windows() {
        const T: u64 = 1_780_000_000;
        let origin = "vrs.example/state/AUS";
        let (old, new) = (signer(origin, 1), signer(origin, 2));
        let mut r = roster(2);
        r.members[0].keys = vec![key(&old, 0, T), key(&new, T, 0)];
        r.validate().expect("valid");
        let m = r.member("AUS").expect("AUS");
        assert_eq!(m.keys_at(0), vec![old.verifier()]);
        assert_eq!(m.keys_at(T - 1), vec![old.verifier()]);
        assert_eq!(m.keys_at(T), vec![new.verifier()]);
        assert_eq!(m.keys_at(u64::MAX), vec![new.verifier()]);
        assert_eq!(m.all_keys(), vec![old.verifier(), new.verifier()]);
        // A key valid only in [T, T + 10).
        r.members[0].keys = vec![key(&old, T, T + 10)];
        let m = &r.members[0];
        assert!(m.keys_at(T - 1).is_empty());
        assert_eq!(m.keys_at(T + 9).len(), 1);
        assert!(m.keys_at(T + 10).is_empty());
    }

    #[test]
    fn lookups() {
        let r = roster(1);
        assert_eq!(
            r.member("IDN").map(|m| m.origin.as_str()),
            Some("vrs.example/state/IDN")
        );
        assert!(r.member("THA").is_none());
        assert_eq!(
            r.member_by_origin("vrs.example/state/AUS")
                .map(|m| m.state.as_str()),
            Some("AUS")
        );
        assert!(r.member_by_origin("vrs.example/state/THA").is_none());
        assert!(r.secretariat("ROSEAP").is_some());
    }

    #[test]
    fn the_example_is_valid() {
        roster(1).validate().expect("valid");
    }

    #[test]
    fn version_federation_issued() {
        let mut r = roster(0);
        assert_eq!(field_of(&r), "version");
        r.version = 1;
        r.federation = " ".into();
        assert_eq!(field_of(&r), "federation");
        r.federation = "x".repeat(MAX_STRING + 1);
        assert_eq!(field_of(&r), "federation");
        r.federation = "ok".into();
        for bad in ["2026-02-30", "2026-3-01", "", "yesterday"] {
            r.issued = bad.into();
            assert_eq!(field_of(&r), "issued", "{bad:?}");
        }
    }

    #[test]
    fn member_state_rules() {
        let mut r = roster(1);
        r.members[1].state = "XXX".into();
        assert_eq!(field_of(&r), "members[1].state");
        r.members[1].state = "aus".into();
        assert_eq!(field_of(&r), "members[1].state");
        // The same State twice (with its own origin): the second is refused.
        let mut r = roster(1);
        r.members[1].state = "AUS".into();
        assert_eq!(field_of(&r), "members[1].state");
    }

    #[test]
    fn member_origin_rules() {
        let mut r = roster(1);
        r.members[0].origin = "has space".into();
        assert_eq!(field_of(&r), "members[0].origin");
        r.members[0].origin = "a+b".into();
        assert_eq!(field_of(&r), "members[0].origin");
        r.members[0].origin = String::new();
        assert_eq!(field_of(&r), "members[0].origin");
        // Two members with one origin (and the keys of that name).
        let mut r = roster(1);
        r.members[1] = Member {
            state: "IDN".into(),
            ..r.members[0].clone()
        };
        assert_eq!(field_of(&r), "members[1].origin");
    }

    #[test]
    fn member_key_rules() {
        let mut r = roster(1);
        r.members[1].keys.clear();
        assert_eq!(field_of(&r), "members[1].keys");

        let mut r = roster(1);
        r.members[0].keys[0].vkey = "not a key".into();
        assert_eq!(field_of(&r), "members[0].keys[0].vkey");

        // A key whose name is not the member's origin.
        let mut r = roster(1);
        r.members[0]
            .keys
            .push(key(&signer("vrs.example/state/IDN", 5), 0, 0));
        assert_eq!(field_of(&r), "members[0].keys[1].vkey");

        // A cosignature (0x04) key is not a log key.
        let mut r = roster(1);
        let cosigner = signer("vrs.example/state/AUS", 1).cosigner();
        r.members[0].keys[0].vkey = cosigner.verifier_key();
        assert_eq!(field_of(&r), "members[0].keys[0].vkey");

        // The same key twice.
        let mut r = roster(1);
        let k = r.members[0].keys[0].clone();
        r.members[0].keys.push(k);
        assert_eq!(field_of(&r), "members[0].keys[1].vkey");

        // valid_until == 0 or after valid_from.
        let mut r = roster(1);
        r.members[0].keys[0].valid_from = 100;
        r.members[0].keys[0].valid_until = 100;
        assert_eq!(field_of(&r), "members[0].keys[0].valid_until");
        r.members[0].keys[0].valid_until = 101;
        r.validate().expect("valid");
        r.members[0].keys[0].valid_until = 0;
        r.validate().expect("valid");

        // At most MAX_KEYS.
        let mut r = roster(1);
        r.members[0].keys = (0..=MAX_KEYS)
            .map(|i| key(&signer("vrs.example/state/AUS", 100 + i as u8), 0, 0))
            .collect();
        assert_eq!(field_of(&r), "members[0].keys");
        r.members[0].keys.pop();
        r.validate().expect("valid");
    }

    #[test]
    fn endpoint_rules() {
        let ok = [
            "https://aus.example:7400",
            "https://10.0.0.1:443",
            "https://[::1]:7400",
            "https://localhost:65535",
        ];
        let bad = [
            "http://aus.example:7400",
            "https://aus.example",
            "https://aus.example:0",
            "https://aus.example:65536",
            "https://aus.example:07400",
            "https://aus.example:7400/",
            "https://aus.example:7400/path",
            "https://user@aus.example:7400",
            "https://:7400",
            "https://-aus.example:7400",
            "https://aus..example:7400",
            "https://[::g]:7400",
            "https://[::1]",
            "aus.example:7400",
        ];
        for e in ok {
            let mut r = roster(1);
            r.members[0].endpoints = vec![e.into()];
            assert_eq!(r.validate(), Ok(()), "{e}");
        }
        for e in bad {
            let mut r = roster(1);
            r.members[0].endpoints = vec!["https://ok.example:1".into(), e.into()];
            assert_eq!(field_of(&r), "members[0].endpoints[1]", "{e}");
        }
        let mut r = roster(1);
        r.members[0].endpoints = vec!["https://a.example:1".into(); MAX_ENDPOINTS + 1];
        assert_eq!(field_of(&r), "members[0].endpoints");
        r.members[0].endpoints = vec![format!("https://{}.example:1", "a".repeat(MAX_STRING))];
        assert_eq!(field_of(&r), "members[0].endpoints[0]");
    }

    #[test]
    fn secretariat_rules() {
        let mut r = roster(1);
        r.secretariats[0].name = String::new();
        assert_eq!(field_of(&r), "secretariats[0].name");
        let mut r = roster(1);
        let s = r.secretariats[0].clone();
        r.secretariats.push(s);
        assert_eq!(field_of(&r), "secretariats[1].name");
        let mut r = roster(1);
        r.secretariats[0].keys.clear();
        r.validate().expect("a secretariat may have no keys");
        r.secretariats[0].keys.push(RosterKey {
            vkey: "x".into(),
            valid_from: 0,
            valid_until: 0,
        });
        assert_eq!(field_of(&r), "secretariats[0].keys[0].vkey");
        let mut r = roster(1);
        r.secretariats = (0..=MAX_SECRETARIATS)
            .map(|i| Secretariat {
                name: format!("S{i}"),
                keys: Vec::new(),
            })
            .collect();
        assert_eq!(field_of(&r), "secretariats");
    }

    #[test]
    fn too_many_members() {
        let mut r = roster(1);
        let m = r.members[0].clone();
        r.members = vec![m; MAX_MEMBERS + 1];
        assert_eq!(field_of(&r), "members");
    }

    #[test]
    fn errors_are_bounded() {
        let mut r = roster(1);
        r.members[0].state = "X".repeat(10_000);
        let msg = r.validate().expect_err("invalid").to_string();
        assert!(msg.len() < 300, "{msg}");
        let json = format!("{{\"{}\": 1}}", "y".repeat(10_000));
        let msg = Roster::from_json(&json).expect_err("invalid").to_string();
        assert!(msg.len() < 300, "{msg}");
    }

    #[test]
    fn sign_validates_first() {
        let [a, _, _] = keepers();
        let mut r = roster(1);
        r.members[0].state = "XXX".into();
        assert!(matches!(
            sign_roster(&r, &[&a]),
            Err(RosterError::Invalid { field, .. }) if field == "members[0].state"
        ));
    }
}
