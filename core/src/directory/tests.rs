//! The directory's tests.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::envelope::SigningKey;

fn sign_directory(d: &Directory, key: &SigningKey) -> Envelope {
    Envelope::sign(
        vrs_proto::DIRECTORY_PAYLOAD_TYPE,
        crate::wire::encode_directory(d),
        key,
    )
}

fn today() -> Date {
    Date::new(2026, 12, 1).unwrap()
}

fn example() -> Directory {
    Directory::template("GRC", today())
}

fn invalid_fields(r: Result<Directory, DirectoryError>) -> Vec<String> {
    match r {
        Err(DirectoryError::Invalid(v)) => v.iter().map(|v| v.field.clone()).collect(),
        other => panic!("expected violations, got {other:?}"),
    }
}

#[test]
fn the_template_is_valid_and_survives_json_and_signing() {
    let d = example();
    let json = serde_json::to_string_pretty(&d).unwrap();
    assert_eq!(Directory::from_json(&json, Some(today())).unwrap(), d);
    let (key, _) = SigningKey::generate("vrs.test/state/GRC");
    let env = sign_directory(&d, &key);
    assert_eq!(env.payload_type, vrs_proto::DIRECTORY_PAYLOAD_TYPE);
    assert_eq!(open_directory(&env, &key.public_key()).unwrap(), d);
}

#[test]
fn a_directory_signed_by_another_key_or_altered_is_refused_before_it_is_parsed() {
    let (key, _) = SigningKey::generate("vrs.test/state/GRC");
    let (other, _) = SigningKey::generate("vrs.test/state/ITA");
    let env = sign_directory(&example(), &other);
    assert!(matches!(
        open_directory(&env, &key.public_key()),
        Err(DirectoryError::Signature(_))
    ));
    let mut env = sign_directory(&example(), &key);
    // Garbage that would not even decode: the signature is what refuses it.
    env.payload = vec![0xff; 64];
    assert!(matches!(
        open_directory(&env, &key.public_key()),
        Err(DirectoryError::Signature(_))
    ));
}

#[test]
fn every_rule_names_its_field() {
    let mut d = example();
    d.state = "XXX".into();
    d.version = 0;
    d.issued_on = "2026-02-30".into();
    let e = &mut d.entries[0];
    e.id = "has space".into();
    e.authority = String::new();
    e.competences = vec![Competence::RelatedConduct, Competence::RelatedConduct];
    e.contacts[1].value = "call <b>now</b>".into();
    e.languages = vec!["en".into(), "eng".into(), "en".into()];
    e.legal_requirements = "bell \u{7}".into();
    e.urgent_procedure = "x".repeat(MAX_TEXT + 1);
    e.time_zone = "Athens".into();
    e.last_reviewed = "2027-01-01".into();
    let mut twice = example().entries[0].clone();
    twice.id = "dup".into();
    d.entries.push(twice.clone());
    d.entries.push(twice);
    let json = serde_json::to_string(&d).unwrap();
    let fields = invalid_fields(Directory::from_json(&json, Some(today())));
    assert_eq!(
        fields,
        [
            "state",
            "version",
            "issued_on",
            "entries[0].id",
            "entries[0].authority",
            "entries[0].competences[1]",
            "entries[0].contacts[1].value",
            "entries[0].languages[1]",
            "entries[0].languages[2]",
            "entries[0].legal_requirements",
            "entries[0].urgent_procedure",
            "entries[0].time_zone",
            "entries[0].last_reviewed",
            "entries[2].id",
        ]
    );
}

#[test]
fn json_with_an_unknown_field_or_code_is_refused() {
    let json = serde_json::to_string(&example()).unwrap();
    let extra = json.replacen("\"version\"", "\"officer_name\":\"J. Doe\",\"version\"", 1);
    assert!(matches!(
        Directory::from_json(&extra, None),
        Err(DirectoryError::Json(_))
    ));
    let bad = json.replace("mla_central_authority\"", "ministry\"");
    assert!(matches!(
        Directory::from_json(&bad, None),
        Err(DirectoryError::Json(_))
    ));
    let huge = " ".repeat(MAX_DIRECTORY_BYTES + 1);
    assert!(matches!(
        Directory::from_json(&huge, None),
        Err(DirectoryError::Json(_))
    ));
}

#[test]
fn only_a_strictly_newer_version_is_taken() {
    assert!(check_newer(None, 1).is_ok());
    assert!(check_newer(Some(1), 2).is_ok());
    assert!(matches!(
        check_newer(Some(2), 2),
        Err(DirectoryError::NotNewer {
            held: 2,
            offered: 2
        })
    ));
    assert!(check_newer(Some(3), 2).is_err());
}

#[test]
fn search_filters_by_competence_language_and_kind() {
    let mut d = example();
    let mut police = d.entries[0].clone();
    police.id = "police".into();
    police.kind = Kind::LawEnforcementContact;
    police.competences = vec![Competence::SmugglingOfMigrants];
    police.languages = vec!["el".into()];
    d.entries.push(police);
    let ids = |it: Vec<&Entry>| it.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(d.search(None, None, None).collect()),
        ["mla-central-authority", "police"]
    );
    assert_eq!(
        ids(d
            .search(Some(Competence::RelatedConduct), None, None)
            .collect()),
        ["mla-central-authority"]
    );
    assert_eq!(ids(d.search(None, Some("el"), None).collect()), ["police"]);
    assert_eq!(
        ids(d
            .search(
                Some(Competence::SmugglingOfMigrants),
                Some("en"),
                Some(Kind::LawEnforcementContact)
            )
            .collect()),
        Vec::<String>::new()
    );
}

#[test]
fn the_language_list_is_sorted_and_complete() {
    assert!(ISO_639_1.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(ISO_639_1.len(), 183);
    assert!(is_language("en") && is_language("el") && !is_language("EN") && !is_language("xx"));
}
