//! Tests of the roster: signing, thresholds, versions, validity windows, validation.

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
