//! Protobuf to JSON: the form `vrs get` prints, the inverse of [`super::from_json`],
//! walked along the schema like it.

use prost_reflect::ReflectMessage as _;

use super::*;

/// The JSON form of a report message (what [`from_json`] reads back to the same message).
///
/// Every field is written, in schema order, except: a oneof's fields that are not set,
/// a nested message that is not set, and empty bytes. Codes are short codes, bytes
/// hexadecimal.
pub fn to_json(r: &pb::Report) -> Value {
    // The report's own encoding decodes under its descriptor.
    match DynamicMessage::decode(schema::report(), r.encode_to_vec().as_slice()) {
        Ok(m) => message_json(&m),
        Err(_) => Value::Null,
    }
}

fn message_json(m: &DynamicMessage) -> Value {
    let mut out = Map::new();
    for f in m.descriptor().fields() {
        let set = m.has_field(&f);
        if let Some(o) = schema::nested_oneof(&f) {
            if set {
                let inner = json!({ f.name(): value_json(&f, &m.get_field(&f)) });
                out.insert(o.name().to_owned(), inner);
            }
            continue;
        }
        let omitted = match f.kind() {
            _ if f.containing_oneof().is_some() => !set,
            Kind::Message(_) if !f.is_list() => !set,
            Kind::Bytes => !set,
            _ => false,
        };
        if !omitted {
            out.insert(f.name().to_owned(), value_json(&f, &m.get_field(&f)));
        }
    }
    Value::Object(out)
}

fn value_json(f: &FieldDescriptor, v: &Pv) -> Value {
    match v {
        Pv::List(items) => Value::Array(items.iter().map(|v| value_json(f, v)).collect()),
        Pv::Bool(b) => Value::Bool(*b),
        Pv::U32(n) => Value::from(*n),
        Pv::U64(n) => Value::from(*n),
        Pv::I32(n) => Value::from(*n),
        Pv::I64(n) => Value::from(*n),
        Pv::String(s) => Value::String(s.clone()),
        Pv::Bytes(b) => Value::String(vrs_core::hex(b)),
        Pv::EnumNumber(n) => match (f.kind(), schema::field_kind(f)) {
            (Kind::Enum(e), Ok(FieldKind::Code(list))) => code_of_in(list, &e, *n),
            _ => Value::from(*n),
        },
        Pv::Message(m) => message_json(m),
        Pv::F32(_) | Pv::F64(_) | Pv::Map(_) => Value::Null,
    }
}
