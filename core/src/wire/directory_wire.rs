//! The directory of competent authorities on the wire (see [`crate::directory`]): its
//! protobuf message, and the one validation walk every directory goes through, read
//! from JSON or from a signed payload, with violations named by protobuf field paths.

use prost::Message;
use vrs_proto::v1 as pb;

use crate::codes::Date;
use crate::directory::{
    Competence, Contact, Directory, DirectoryError, Entry, Kind, MAX_CONTACTS, MAX_DIRECTORY_BYTES,
    MAX_ENTRIES, MAX_HOURS, MAX_LANGUAGES, MAX_NAME, MAX_TEXT, Means, is_language, plain_text,
    time_zone,
};
use crate::validate::{Checker, is_identifier};

/// The protobuf message of `d`.
pub fn directory_to_pb(d: &Directory) -> pb::Directory {
    pb::Directory {
        state: d.state.clone(),
        version: d.version,
        issued_on: d.issued_on.clone(),
        entries: d
            .entries
            .iter()
            .map(|e| pb::DirectoryEntry {
                id: e.id.clone(),
                authority: e.authority.clone(),
                kind: e.kind.code(),
                competences: e.competences.iter().map(|c| c.code()).collect(),
                contacts: e
                    .contacts
                    .iter()
                    .map(|c| pb::Contact {
                        means: c.means.code(),
                        value: c.value.clone(),
                    })
                    .collect(),
                languages: e.languages.clone(),
                legal_requirements: e.legal_requirements.clone(),
                urgent_procedure: e.urgent_procedure.clone(),
                hours: e.hours.clone(),
                time_zone: e.time_zone.clone(),
                last_reviewed: e.last_reviewed.clone(),
            })
            .collect(),
    }
}

fn no_duplicates<T: PartialEq>(
    c: &mut Checker,
    field: &str,
    items: &[T],
    show: impl Fn(&T) -> String,
) {
    for (i, x) in items.iter().enumerate() {
        if items[..i].contains(x) {
            c.push(format!("{field}[{i}]"), show(x), "listed twice");
        }
    }
}

/// A list of 1 to `max` items.
fn one_to(c: &mut Checker, field: String, n: usize, max: usize, what: &str) {
    if n == 0 || n > max {
        c.push(field, n.to_string(), format!("1 to {max} {what}"));
    }
}

/// The contacts and languages of an entry (their rules), and the contacts converted.
fn contacts_and_languages(c: &mut Checker, at: &str, e: &pb::DirectoryEntry) -> Vec<Contact> {
    let mut contacts = Vec::new();
    one_to(
        c,
        format!("{at}.contacts"),
        e.contacts.len(),
        MAX_CONTACTS,
        "contacts",
    );
    for (i, k) in e.contacts.iter().enumerate() {
        let means = Means::from_code(k.means);
        if means.is_none() {
            c.push(
                format!("{at}.contacts[{i}].means"),
                k.means.to_string(),
                "a means of communication is required",
            );
        }
        plain_text(
            c,
            format!("{at}.contacts[{i}].value"),
            &k.value,
            MAX_NAME,
            true,
        );
        if let Some(means) = means {
            contacts.push(Contact {
                means,
                value: k.value.clone(),
            });
        }
    }
    one_to(
        c,
        format!("{at}.languages"),
        e.languages.len(),
        MAX_LANGUAGES,
        "languages",
    );
    for (i, l) in e.languages.iter().enumerate() {
        if !is_language(l) {
            c.push(
                format!("{at}.languages[{i}]"),
                l,
                "not an ISO 639-1 language code (lower case, e.g. en)",
            );
        }
    }
    no_duplicates(c, &format!("{at}.languages"), &e.languages, Clone::clone);
    contacts
}

fn entry_from_proto(c: &mut Checker, at: &str, e: &pb::DirectoryEntry) -> Option<Entry> {
    if !is_identifier(&e.id) {
        c.push(format!("{at}.id"), &e.id, "1 to 64 of A-Z a-z 0-9 . _ -");
    }
    plain_text(c, format!("{at}.authority"), &e.authority, MAX_NAME, true);
    let kind = Kind::from_code(e.kind);
    if kind.is_none() {
        c.push(
            format!("{at}.kind"),
            e.kind.to_string(),
            "an authority kind is required",
        );
    }
    let mut competences = Vec::new();
    if e.competences.is_empty() {
        c.push(format!("{at}.competences"), "", "at least one competence");
    }
    for (i, v) in e.competences.iter().enumerate() {
        match Competence::from_code(*v) {
            Some(x) => competences.push(x),
            None => c.push(
                format!("{at}.competences[{i}]"),
                v.to_string(),
                "not a competence",
            ),
        }
    }
    no_duplicates(c, &format!("{at}.competences"), &e.competences, |v| {
        v.to_string()
    });
    let contacts = contacts_and_languages(c, at, e);
    plain_text(
        c,
        format!("{at}.legal_requirements"),
        &e.legal_requirements,
        MAX_TEXT,
        false,
    );
    plain_text(
        c,
        format!("{at}.urgent_procedure"),
        &e.urgent_procedure,
        MAX_TEXT,
        false,
    );
    plain_text(c, format!("{at}.hours"), &e.hours, MAX_HOURS, false);
    time_zone(c, format!("{at}.time_zone"), &e.time_zone);
    c.date(format!("{at}.last_reviewed"), &e.last_reviewed);
    Some(Entry {
        id: e.id.clone(),
        authority: e.authority.clone(),
        kind: kind?,
        competences,
        contacts,
        languages: e.languages.clone(),
        legal_requirements: e.legal_requirements.clone(),
        urgent_procedure: e.urgent_procedure.clone(),
        hours: e.hours.clone(),
        time_zone: e.time_zone.clone(),
        last_reviewed: e.last_reviewed.clone(),
    })
}

/// Validates a directory message (dates up to `today`, if given) and converts it: the
/// one walk every directory goes through, read from JSON or from a signed payload.
pub fn directory_from_pb(
    d: &pb::Directory,
    today: Option<Date>,
) -> Result<Directory, DirectoryError> {
    let mut c = Checker::new(today);
    c.country("state".into(), &d.state);
    if d.version == 0 {
        c.push("version", "0", "at least 1");
    }
    c.date("issued_on".into(), &d.issued_on);
    if d.entries.len() > MAX_ENTRIES {
        c.push(
            "entries",
            d.entries.len().to_string(),
            format!("at most {MAX_ENTRIES} entries"),
        );
    }
    let mut entries = Vec::new();
    let mut complete = true;
    for (i, e) in d.entries.iter().enumerate() {
        if d.entries[..i].iter().any(|x| x.id == e.id) {
            c.push(
                format!("entries[{i}].id"),
                &e.id,
                "the id of an earlier entry",
            );
        }
        match entry_from_proto(&mut c, &format!("entries[{i}]"), e) {
            Some(e) => entries.push(e),
            None => complete = false,
        }
    }
    let out = complete.then(|| Directory {
        state: d.state.clone(),
        version: d.version,
        issued_on: d.issued_on.clone(),
        entries,
    });
    c.finish(out).map_err(DirectoryError::Invalid)
}

/// The payload its node signs: the `vrs.v1.Directory` message of `d`, for a DSSE
/// envelope of type [`vrs_proto::DIRECTORY_PAYLOAD_TYPE`].
pub fn encode_directory(d: &Directory) -> Vec<u8> {
    directory_to_pb(d).encode_to_vec()
}

/// Decodes and validates a signed directory's payload (its signature already verified):
/// at most [`MAX_DIRECTORY_BYTES`], canonical, no field `vrs.v1.Directory` lacks.
pub fn decode_directory(payload: &[u8]) -> Result<Directory, DirectoryError> {
    if payload.len() > MAX_DIRECTORY_BYTES {
        return Err(DirectoryError::Decode(format!(
            "payload of {} bytes exceeds the limit of {MAX_DIRECTORY_BYTES}",
            payload.len()
        )));
    }
    let msg = pb::Directory::decode(payload).map_err(|e| DirectoryError::Decode(e.to_string()))?;
    if msg.encoded_len() != payload.len() {
        return Err(DirectoryError::Decode(
            "fields that vrs.v1.Directory does not define (or a non-canonical encoding)".into(),
        ));
    }
    directory_from_pb(&msg, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_lists_are_numbered_as_the_proto_enums() {
        for k in Kind::ALL {
            let name = pb::AuthorityKind::try_from(k.code())
                .expect("known")
                .as_str_name();
            assert_eq!(
                name,
                format!("AUTHORITY_KIND_{}", k.as_str().to_uppercase())
            );
        }
        for c in Competence::ALL {
            let name = pb::Competence::try_from(c.code())
                .expect("known")
                .as_str_name();
            assert_eq!(name, format!("COMPETENCE_{}", c.as_str().to_uppercase()));
        }
        for m in Means::ALL {
            let name = pb::ContactMeans::try_from(m.code())
                .expect("known")
                .as_str_name();
            assert_eq!(name, format!("CONTACT_MEANS_{}", m.as_str().to_uppercase()));
        }
        assert_eq!(Kind::from_code(0), None);
    }

    #[test]
    fn unknown_codes_and_empty_lists_are_refused_with_their_paths() {
        let mut p = directory_to_pb(&Directory::template(
            "GRC",
            Date::new(2026, 12, 1).expect("day"),
        ));
        p.entries[0].kind = 0;
        p.entries[0].competences = vec![];
        p.entries[0].contacts[0].means = 42;
        p.entries[0].languages = vec![];
        let fields: Vec<String> = match directory_from_pb(&p, None) {
            Err(DirectoryError::Invalid(v)) => v.iter().map(|v| v.field.clone()).collect(),
            other => panic!("expected violations, got {other:?}"),
        };
        assert_eq!(
            fields,
            [
                "entries[0].kind",
                "entries[0].competences",
                "entries[0].contacts[0].means",
                "entries[0].languages",
            ]
        );
    }
}
