//! The report schema as data: every message, field, code list, label and help text,
//! read from the protobuf descriptor that `vrs-proto` embeds (with the comments of
//! `proto/vrs/v1/*.proto`) and from the code lists of [`vrs_core::report`].
//!
//! This is the one declaration that the JSON form ([`crate::reportjson`]), the bulk
//! columns and the forms of the web workspace are driven by: a field added to
//! `report.proto` (and to `core::report` and `core::wire`) appears in all of them with no
//! change here.
//!
//! * A field's [`FieldKind`] says how a person writes it: text, a count, a flag,
//!   hexadecimal bytes, a code of a list, or a group of fields (a nested message).
//! * A field's label is its name in words (`detected_on` is "Detected on"); its help is
//!   the comment above it in the `.proto` file.
//! * The oneof `body` of `vrs.v1.Report` is written as an object named after the oneof
//!   holding one record (`"body": {"movement": {…}}`); every other oneof is flat
//!   (`observed_on` or `observed_period`). [`NESTED_ONEOFS`] lists the nested ones.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor, OneofDescriptor};
use vrs_core::report::{CodeListSpec, RecordType, code_list};

/// Oneofs written as one nested object named after the oneof, by full name.
pub const NESTED_ONEOFS: &[&str] = &["vrs.v1.Report.body"];

/// The full name of the report message.
pub const REPORT: &str = "vrs.v1.Report";

/// The descriptor pool of the `vrs.v1` package.
pub fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        // The set is the build's own output (proto/build.rs): failing to decode it is a
        // broken build, not an input error.
        #[allow(clippy::expect_used)]
        DescriptorPool::decode(vrs_proto::FILE_DESCRIPTOR_SET)
            .expect("the embedded vrs.v1 descriptor set decodes")
    })
}

/// The descriptor of message `name` (full name, e.g. `vrs.v1.Report`).
pub fn message(name: &str) -> Option<MessageDescriptor> {
    pool().get_message_by_name(name)
}

/// The descriptor of `vrs.v1.Report`.
pub fn report() -> MessageDescriptor {
    // Present by construction: report.proto is one of the compiled files.
    #[allow(clippy::expect_used)]
    message(REPORT).expect("vrs.v1.Report is in the descriptor set")
}

/// The descriptor of the record message of type `t` (the body's field `t.field()`).
pub fn record(t: RecordType) -> Option<MessageDescriptor> {
    match report().get_field_by_name(t.field())?.kind() {
        Kind::Message(m) => Some(m),
        _ => None,
    }
}

/// Whether `o` is written as a nested object (see the module documentation).
pub fn is_nested(o: &OneofDescriptor) -> bool {
    NESTED_ONEOFS.contains(&o.full_name())
}

/// The nested oneof `f` belongs to, if any.
pub fn nested_oneof(f: &FieldDescriptor) -> Option<OneofDescriptor> {
    f.containing_oneof().filter(is_nested)
}

/// The keys of the JSON object of message `m`: its fields in schema order, with the
/// fields of a nested oneof replaced by the oneof's name.
pub fn json_keys(m: &MessageDescriptor) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for f in m.fields() {
        let key = match nested_oneof(&f) {
            Some(o) => o.name().to_owned(),
            None => f.name().to_owned(),
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// How a person writes a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Text (identifiers, country and currency codes, dates, timestamps).
    Text,
    /// A non-negative whole number up to `max`.
    Count {
        /// The largest value the field holds.
        max: u64,
    },
    /// True or false.
    Flag,
    /// Bytes, written in hexadecimal.
    Hex,
    /// One code of a closed list.
    Code(&'static CodeListSpec),
    /// A group of fields: the message of this full name.
    Group(String),
}

/// The error of a field whose protobuf type has no written form here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: no written form for this protobuf type")]
pub struct Unsupported {
    /// The field's full name.
    pub field: String,
}

/// How `f` is written.
pub fn field_kind(f: &FieldDescriptor) -> Result<FieldKind, Unsupported> {
    let unsupported = || Unsupported {
        field: f.full_name().to_owned(),
    };
    Ok(match f.kind() {
        Kind::String => FieldKind::Text,
        Kind::Uint32 | Kind::Fixed32 => FieldKind::Count {
            max: u64::from(u32::MAX),
        },
        Kind::Uint64 | Kind::Fixed64 => FieldKind::Count { max: u64::MAX },
        Kind::Bool => FieldKind::Flag,
        Kind::Bytes => FieldKind::Hex,
        Kind::Enum(e) => FieldKind::Code(code_list(e.full_name()).ok_or_else(unsupported)?),
        Kind::Message(m) => FieldKind::Group(m.full_name().to_owned()),
        _ => return Err(unsupported()),
    })
}

/// One field of a message, for a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field's name, which is its key in the JSON form.
    pub name: String,
    /// Its name in words.
    pub label: String,
    /// The comment above it in the `.proto` file.
    pub help: String,
    /// How it is written.
    pub kind: FieldKind,
    /// Whether it holds a list.
    pub repeated: bool,
    /// The flat oneof it belongs to (at most one field of a oneof is given).
    pub one_of: Option<String>,
}

/// One message, for a form: its fields in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSpec {
    /// The full name, e.g. `vrs.v1.MovementEvent`.
    pub name: String,
    /// The comment above it in the `.proto` file.
    pub help: String,
    /// Its fields (the fields of a nested oneof are left out: see [`record`]).
    pub fields: Vec<FieldSpec>,
}

/// The form of message `m`.
pub fn message_spec(m: &MessageDescriptor) -> Result<MessageSpec, Unsupported> {
    let mut fields = Vec::new();
    for f in m.fields() {
        if nested_oneof(&f).is_some() {
            continue;
        }
        fields.push(FieldSpec {
            name: f.name().to_owned(),
            label: label(f.name()),
            help: comment(&f),
            kind: field_kind(&f)?,
            repeated: f.is_list(),
            one_of: f.containing_oneof().map(|o| o.name().to_owned()),
        });
    }
    Ok(MessageSpec {
        name: m.full_name().to_owned(),
        help: comment_at(&m.parent_file(), m.path()),
        fields,
    })
}

/// A field name in words: `detected_on` is "Detected on".
pub fn label(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The comment above field `f` in its `.proto` file, on one line.
pub fn comment(f: &FieldDescriptor) -> String {
    comment_at(&f.parent_file(), f.path())
}

fn comment_at(file: &prost_reflect::FileDescriptor, path: &[i32]) -> String {
    let Some(info) = &file.file_descriptor_proto().source_code_info else {
        return String::new();
    };
    info.location
        .iter()
        .find(|l| l.path == path)
        .and_then(|l| l.leading_comments.as_deref())
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use vrs_core::report::CodeEnum as _;

    /// Every message a report can hold, once.
    fn reachable() -> Vec<MessageDescriptor> {
        let mut out = vec![report()];
        let mut i = 0;
        while i < out.len() {
            let here = out[i].clone();
            for f in here.fields() {
                if let Kind::Message(m) = f.kind()
                    && !out.contains(&m)
                {
                    out.push(m);
                }
            }
            i += 1;
        }
        out
    }

    #[test]
    fn every_field_of_a_report_has_a_written_form_and_help() {
        for m in reachable() {
            let spec = message_spec(&m).unwrap();
            for f in &spec.fields {
                assert!(
                    !f.help.is_empty(),
                    "{}.{} has no comment",
                    spec.name,
                    f.name
                );
            }
        }
    }

    #[test]
    fn the_forms_carry_code_lists_labels_and_help_from_the_declaration() {
        let movement = message_spec(&record(RecordType::Movement).unwrap()).unwrap();
        let names: Vec<&str> = movement.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names[..3], ["detected_on", "place_type", "direction"]);
        let sub = &movement.fields[4];
        assert_eq!(sub.label, "Sub method");
        assert_eq!(sub.kind, FieldKind::Code(vrs_core::report::SubMethod::SPEC));
        let persons = movement
            .fields
            .iter()
            .find(|f| f.name == "persons")
            .unwrap();
        assert!(persons.repeated);
        assert_eq!(persons.kind, FieldKind::Group("vrs.v1.PersonGroup".into()));

        let spec = message_spec(&report()).unwrap();
        let on = spec
            .fields
            .iter()
            .find(|f| f.name == "observed_on")
            .unwrap();
        assert_eq!(on.one_of.as_deref(), Some("observed"));
        assert!(on.help.contains("YYYY-MM-DD"), "{}", on.help);
        assert!(spec.fields.iter().all(|f| f.name != "movement"));
        assert_eq!(
            json_keys(&report()).last().map(String::as_str),
            Some("body")
        );
    }

    #[test]
    fn every_enum_of_the_report_schema_is_a_declared_code_list() {
        for m in reachable() {
            for f in m.fields() {
                if let Kind::Enum(e) = f.kind() {
                    let list = code_list(e.full_name()).unwrap();
                    let numbers: Vec<i32> = e.values().map(|v| v.number()).skip(1).collect();
                    let declared: Vec<i32> = list.values.iter().map(|v| v.number).collect();
                    assert_eq!(numbers, declared, "{}", e.full_name());
                }
            }
        }
    }
}
