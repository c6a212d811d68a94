//! The JSON form of a report: what a focal point writes by hand, what `vrs get` prints,
//! and what `vrs submit` and `vrs amend` read.
//!
//! The JSON mirrors `vrs.v1.Report` field for field, so that **the path of a JSON value
//! is the field path validation reports**: `body.movement.persons[0].count` is the
//! `count` of the first element of `persons` in the `movement` object of `body`.
//!
//! ```json
//! {
//!   "report_id": "6f1c1a7e-8d52-4b7e-9a43-2f8d5e1b0c11",
//!   "agency": "COAST_GUARD",
//!   "observed_on": "2026-03-02",
//!   "body": {
//!     "document": {
//!       "detected_on": "2026-03-02", "document_type": "PASSPORT",
//!       "issuing_country": "BEL", "fraud_type": "COUNTERFEIT_OR_ALTERED",
//!       "purpose": "ENTRY", "holder_citizenship": "SYR", "count": 3
//!     }
//!   }
//! }
//! ```
//!
//! * Top level: `report_id`, `version`, `supersedes` (hex), `reporting_state`, `agency`,
//!   `focal_point_id`, `key_id`, `observed_on` or `observed_period` (`start`, `end`),
//!   `submitted_at`, `status`, `body` (an object with exactly one of `movement`,
//!   `smuggler`, `fee`, `document`, `case`). `vrs submit` fills in what the signer's
//!   certificate and key determine (see the CLI).
//! * Coded values are written with their short code (`COAST_GUARD`, `F`, `Y18T29`, `Y`,
//!   `_U`, `ART6_1A`, `08051`, …: [`vrs_core::report`]); the protobuf names
//!   (`AGENCY_COAST_GUARD`, `SEX_FEMALE`) and the names without their prefix (`FEMALE`)
//!   are accepted too. Dates are `YYYY-MM-DD`, timestamps RFC 3339. Amounts are integers
//!   in minor units of their currency (`450000` with `"currency": "USD"` is USD 4,500.00),
//!   or a decimal in major units with the currency, `"4500.00 USD"` (then `currency` may
//!   be left out), or `"4500.00"` beside `currency`.
//! * A field that is absent or `null` is unset. A key this schema does not have is an
//!   error (so that a misspelt field is never silently dropped).
//!
//! In *lenient* mode (for CSV cells, which are all text) numbers and booleans may be
//! given as strings, and a list of codes as one string separated by `;`.

use prost::Message as _;
use prost_reflect::Value as Pv;
use prost_reflect::{DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Map, Value, json};
use vrs_core::codes::Date;
use vrs_core::report::{CodeEnum, CodeListSpec, RecordType};
use vrs_core::validate::Violation;
use vrs_proto::v1 as pb;

use crate::schema::{self, FieldKind};

mod to_json;

pub use to_json::*;

/// The protobuf number of a code of list `E` written as its short code, its protobuf
/// name, or its protobuf name without the prefix (also in lower case).
pub fn parse_code<E: CodeEnum>(s: &str) -> Option<i32> {
    let e = schema::pool().get_enum_by_name(&format!("vrs.v1.{}", E::SPEC.name))?;
    parse_code_in(E::SPEC, &e, s)
}

/// [`parse_code`] for a list given as data and its protobuf enum.
pub fn parse_code_in(list: &CodeListSpec, e: &EnumDescriptor, s: &str) -> Option<i32> {
    let up = s.trim().to_ascii_uppercase();
    for cand in [s.trim(), up.as_str()] {
        if let Some(v) = list.by_code(cand) {
            return Some(v.number);
        }
    }
    let prefix = enum_prefix(e);
    e.get_value_by_name(&up)
        .or_else(|| e.get_value_by_name(&format!("{prefix}{up}")))
        .map(|v| v.number())
        .filter(|&n| n != 0)
}

/// The prefix of an enum's value names: the name of its `UNSPECIFIED` value without
/// `UNSPECIFIED` (`SEX_`).
fn enum_prefix(e: &EnumDescriptor) -> String {
    e.get_value(0)
        .map(|v| v.name().trim_end_matches("UNSPECIFIED").to_owned())
        .unwrap_or_default()
}

/// The short code of a protobuf number of list `E` (the protobuf name for
/// `UNSPECIFIED`, the number if unknown).
pub fn code_of<E: CodeEnum>(n: i32) -> Value {
    match schema::pool().get_enum_by_name(&format!("vrs.v1.{}", E::SPEC.name)) {
        Some(e) => code_of_in(E::SPEC, &e, n),
        None => Value::from(n),
    }
}

/// [`code_of`] for a list given as data and its protobuf enum.
pub fn code_of_in(list: &CodeListSpec, e: &EnumDescriptor, n: i32) -> Value {
    match list.by_number(n) {
        Some(v) => Value::String(v.code.to_owned()),
        None => match e.get_value(n) {
            Some(v) => Value::String(v.name().to_owned()),
            None => Value::from(n),
        },
    }
}

// ---------------------------------------------------------------------------------------
// JSON to protobuf
// ---------------------------------------------------------------------------------------

fn at(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn shown(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    vrs_core::validate::shown(&s)
}

/// Collects violations while walking a JSON value along the schema.
struct Walker {
    lenient: bool,
    out: Vec<Violation>,
}

type Obj = Map<String, Value>;

/// `4500.5` with `digits` = 2 → 450050; `None` if it is not a plain decimal, has more
/// decimals than `digits`, or overflows.
fn minor_units(number: &str, digits: u8) -> Option<u64> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let plain = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !plain(int) || !plain(frac) || frac.len() > usize::from(digits) {
        return None;
    }
    let scale = 10u64.checked_pow(u32::from(digits))?;
    let frac_value = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().ok()? * 10u64.pow(u32::from(digits) - frac.len() as u32)
    };
    int.parse::<u64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(frac_value)
}

fn get<'v>(m: &'v Obj, key: &str) -> Option<&'v Value> {
    m.get(key).filter(|v| !v.is_null())
}

impl Walker {
    fn push(&mut self, field: String, value: String, message: impl Into<String>) {
        self.out.push(Violation {
            field,
            value,
            message: message.into(),
        });
    }

    /// `v` as an object whose keys are all in `allowed`.
    fn object<'v>(&mut self, v: &'v Value, path: &str, allowed: &[String]) -> Option<&'v Obj> {
        let Value::Object(m) = v else {
            let what = if path.is_empty() { "a report" } else { "this" };
            self.push(
                path.to_owned(),
                shown(v),
                format!("{what} must be a JSON object"),
            );
            return None;
        };
        for k in m.keys() {
            if !allowed.contains(k) {
                self.push(
                    at(path, k),
                    shown(&m[k]),
                    format!("unknown field (expected one of: {})", allowed.join(", ")),
                );
            }
        }
        Some(m)
    }

    /// The message `desc` written as the JSON object `v` at `path`.
    fn message(&mut self, v: &Value, path: &str, desc: &MessageDescriptor) -> DynamicMessage {
        let mut msg = DynamicMessage::new(desc.clone());
        let Some(m) = self.object(v, path, &schema::json_keys(desc)) else {
            return msg;
        };
        for f in desc.fields() {
            if let Some(o) = schema::nested_oneof(&f) {
                // The oneof's object, read once, at its first field.
                if o.fields().next().is_some_and(|first| first == f)
                    && let Some(v) = get(m, o.name())
                {
                    self.nested(v, &at(path, o.name()), &o, &mut msg);
                }
                continue;
            }
            let Some(v) = get(m, f.name()) else { continue };
            if f.name() == "amount"
                && let Value::String(text) = v
                && let Some(currency) = desc.get_field_by_name("currency")
            {
                // A money amount written as a decimal in major units.
                if let Some((minor, code)) = self.decimal_amount(text, m, path) {
                    msg.set_field(&f, Pv::U64(minor));
                    msg.set_field(&currency, Pv::String(code));
                    continue;
                }
            }
            if let Some(o) = f.containing_oneof() {
                let given: Vec<String> = o
                    .fields()
                    .filter(|g| get(m, g.name()).is_some())
                    .map(|g| g.name().to_owned())
                    .collect();
                if given.len() > 1 {
                    if given.last().map(String::as_str) == Some(f.name()) {
                        let message = format!("give {}, not both", given.join(" or "));
                        self.push(at(path, f.name()), String::new(), message);
                    }
                    if given.first().map(String::as_str) != Some(f.name()) {
                        continue;
                    }
                }
            }
            let value = self.field(v, &at(path, f.name()), &f);
            msg.set_field(&f, value);
        }
        msg
    }

    /// A money amount written in major units, `"4500.00 USD"` (or `"4500.00"` beside a
    /// `currency`), as minor units and its currency; `None` when `text` is not written so
    /// (it is then read as minor units). A wrong decimal is a violation at `amount`.
    fn decimal_amount(&mut self, text: &str, m: &Obj, path: &str) -> Option<(u64, String)> {
        let text = text.trim();
        let given = get(m, "currency").and_then(Value::as_str).map(str::trim);
        let (number, code) = match text.split_once(' ') {
            Some((n, c)) => (n.trim(), c.trim()),
            None if text.contains('.') => (text, given.unwrap_or_default()),
            None => return None,
        };
        let field = at(path, "amount");
        if let Some(g) = given
            && g != code
        {
            let message = format!("is in {code}, but currency is {g}");
            self.push(field, text.to_owned(), message);
            return Some((0, code.to_owned()));
        }
        let Some(digits) = vrs_core::codes::find_currency(code).and_then(|c| c.minor_units) else {
            let message = format!(
                "write a decimal amount with an ISO 4217 currency that has a minor unit \
                 (\"4500.00 USD\"); {code:?} is not one"
            );
            self.push(field, text.to_owned(), message);
            return Some((0, code.to_owned()));
        };
        match minor_units(number, digits) {
            Some(n) => Some((n, code.to_owned())),
            None => {
                let message = format!(
                    "must be a positive decimal with at most {digits} decimal place(s) for \
                     {code} (e.g. \"4500.00 {code}\"), or an integer in minor units"
                );
                self.push(field, text.to_owned(), message);
                Some((0, code.to_owned()))
            }
        }
    }

    /// A nested oneof: an object holding exactly one of the oneof's fields.
    fn nested(
        &mut self,
        v: &Value,
        path: &str,
        o: &prost_reflect::OneofDescriptor,
        msg: &mut DynamicMessage,
    ) {
        let names: Vec<String> = o.fields().map(|f| f.name().to_owned()).collect();
        let Some(m) = self.object(v, path, &names) else {
            return;
        };
        let present: Vec<FieldDescriptor> =
            o.fields().filter(|f| get(m, f.name()).is_some()).collect();
        if present.len() > 1 {
            let given: Vec<&str> = present.iter().map(|f| f.name()).collect();
            let message = format!("holds exactly one of {}", names.join(", "));
            self.push(path.to_owned(), given.join(", "), message);
            return;
        }
        if let Some(f) = present.first() {
            let value = self.field(&m[f.name()], &at(path, f.name()), f);
            msg.set_field(f, value);
        }
    }

    /// The value of field `f` written as `v` (not null).
    fn field(&mut self, v: &Value, path: &str, f: &FieldDescriptor) -> Pv {
        let kind = match schema::field_kind(f) {
            Ok(k) => k,
            Err(e) => {
                self.push(path.to_owned(), shown(v), e.to_string());
                return f.default_value();
            }
        };
        if !f.is_list() {
            return self.single(v, path, f, &kind);
        }
        Pv::List(
            self.list(v, path)
                .into_iter()
                .map(|(p, v)| {
                    if v.is_null() {
                        self.push(p, String::new(), "missing element");
                        return Self::default_of(f);
                    }
                    self.single(&v, &p, f, &kind)
                })
                .collect(),
        )
    }

    fn default_of(f: &FieldDescriptor) -> Pv {
        Pv::default_value(&f.kind())
    }

    /// The elements of a list; in lenient mode a string is split on `;`.
    fn list(&mut self, v: &Value, field: &str) -> Vec<(String, Value)> {
        match v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{field}[{i}]"), v.clone()))
                .collect(),
            Value::String(s) if self.lenient => s
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .enumerate()
                .map(|(i, p)| (format!("{field}[{i}]"), Value::String(p.to_owned())))
                .collect(),
            v => {
                self.push(field.to_owned(), shown(v), "must be a JSON array");
                Vec::new()
            }
        }
    }

    /// One value of field `f` (an element, for a list).
    fn single(&mut self, v: &Value, path: &str, f: &FieldDescriptor, kind: &FieldKind) -> Pv {
        match kind {
            FieldKind::Text => Pv::String(self.string(v, path)),
            FieldKind::Count { max } => {
                let n = self.uint(v, path, *max);
                match f.kind() {
                    Kind::Uint32 | Kind::Fixed32 => Pv::U32(u32::try_from(n).unwrap_or(0)),
                    _ => Pv::U64(n),
                }
            }
            FieldKind::Flag => Pv::Bool(self.boolean(v, path)),
            FieldKind::Hex => {
                let s = self.string(v, path);
                match vrs_core::unhex(s.trim()) {
                    Some(b) => Pv::Bytes(b.into()),
                    None => {
                        let help = schema::comment(f);
                        self.push(path.to_owned(), s, format!("must be hexadecimal ({help})"));
                        Self::default_of(f)
                    }
                }
            }
            FieldKind::Code(list) => {
                let Kind::Enum(e) = f.kind() else {
                    return Self::default_of(f);
                };
                Pv::EnumNumber(self.code(v, path, list, &e))
            }
            FieldKind::Group(_) => match f.kind() {
                Kind::Message(m) => Pv::Message(self.message(v, path, &m)),
                _ => Self::default_of(f),
            },
        }
    }

    fn string(&mut self, v: &Value, path: &str) -> String {
        match v {
            Value::String(s) => s.clone(),
            v if self.lenient && (v.is_number() || v.is_boolean()) => v.to_string(),
            v => {
                self.push(path.to_owned(), shown(v), "must be a string");
                String::new()
            }
        }
    }

    fn uint(&mut self, v: &Value, path: &str, max: u64) -> u64 {
        let n = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if self.lenient => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= max => n,
            Some(_) => {
                self.push(path.to_owned(), shown(v), format!("must be at most {max}"));
                0
            }
            None => {
                self.push(path.to_owned(), shown(v), "must be a non-negative integer");
                0
            }
        }
    }

    fn boolean(&mut self, v: &Value, path: &str) -> bool {
        match v {
            Value::Bool(b) => *b,
            Value::String(s) if self.lenient && matches!(s.trim(), "true" | "false") => {
                s.trim() == "true"
            }
            v => {
                self.push(path.to_owned(), shown(v), "must be true or false");
                false
            }
        }
    }

    fn code(&mut self, v: &Value, path: &str, list: &CodeListSpec, e: &EnumDescriptor) -> i32 {
        let parsed = match v {
            Value::String(s) => parse_code_in(list, e, s).or_else(|| {
                // A spreadsheet drops the leading zeros of a numeric code (08051 → 8051).
                let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
                (self.lenient && digits)
                    .then(|| {
                        let bare = s.trim_start_matches('0');
                        list.values.iter().find(|c| {
                            c.code.bytes().all(|b| b.is_ascii_digit())
                                && c.code.trim_start_matches('0') == bare
                        })
                    })
                    .flatten()
                    .map(|c| c.number)
            }),
            _ => None,
        };
        parsed.unwrap_or_else(|| {
            let message = format!("not a known code (one of: {})", list.codes());
            self.push(path.to_owned(), shown(v), message);
            // Marks the field as set, wrongly, so that validation does not also report
            // it as missing (its violation is dropped, see `check`).
            0
        })
    }
}

/// The top-level keys of the JSON form.
pub fn report_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| schema::json_keys(&schema::report()))
}

/// The keys of `body`: one per record type.
pub fn body_keys() -> Vec<&'static str> {
    RecordType::ALL.iter().map(|t| t.field()).collect()
}

/// Converts the JSON form to a `vrs.v1.Report` message, with the violations of the JSON
/// itself (types, unknown keys, unknown codes). Does not validate the message: see
/// [`check`].
pub fn from_json(v: &Value, lenient: bool) -> (pb::Report, Vec<Violation>) {
    let mut w = Walker {
        lenient,
        out: Vec::new(),
    };
    let msg = w.message(v, "", &schema::report());
    // The dynamic message has the report's descriptor, so its encoding decodes.
    let r = pb::Report::decode(msg.encode_to_vec().as_slice()).unwrap_or_default();
    (r, w.out)
}

/// Converts and validates against every rule of [`vrs_core::validate`] with dates
/// bounded by `today`. The error lists every violation once, with its field path.
pub fn check(v: &Value, lenient: bool, today: Date) -> Result<pb::Report, Vec<Violation>> {
    let (msg, mut out) = from_json(v, lenient);
    if let Err(more) = vrs_core::wire::parse_report(&msg, today) {
        // A field the JSON got wrong was left unset; validation then reports it as
        // missing, which says less than what was already said.
        let covered = |f: &str| {
            out.iter().any(|x| {
                x.field.is_empty()
                    || x.field == f
                    || f.strip_prefix(x.field.as_str())
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
        };
        let extra: Vec<Violation> = more.0.into_iter().filter(|x| !covered(&x.field)).collect();
        out.extend(extra);
    }
    if out.is_empty() { Ok(msg) } else { Err(out) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use vrs_core::report::RecordType;
    use vrs_core::report::examples::{self, ExampleParams};

    fn today() -> Date {
        Date::new(2026, 11, 1).unwrap()
    }

    #[test]
    fn every_example_round_trips_through_json() {
        let p = ExampleParams::default();
        for t in RecordType::ALL {
            let report = examples::example(*t, &p);
            let msg = pb::Report::from(&report);
            let v = to_json(&msg);
            let back = check(&v, false, today()).unwrap();
            assert_eq!(back, msg, "{t}: {v}");
            // CSV-style: every scalar as a string still reads back.
            let text = serde_json::to_string(&v).unwrap();
            assert!(!text.is_empty());
        }
        let first = examples::example_movement(&p);
        let retraction = examples::example_retraction(&first, [7; 32]);
        let msg = pb::Report::from(&retraction);
        assert_eq!(check(&to_json(&msg), false, today()).unwrap(), msg);
    }

    #[test]
    fn paths_name_the_json_value_at_fault() {
        let p = ExampleParams::default();
        let mut v = to_json(&pb::Report::from(&examples::example_movement(&p)));
        v["body"]["movement"]["persons"][0]["count"] = json!(0);
        v["body"]["movement"]["persons"][1]["sex"] = json!("X");
        v["body"]["movement"]["colour"] = json!("red");
        v["agency"] = json!("AGENCY_COAST_GUARD");
        let err = check(&v, false, today()).unwrap_err();
        let fields: Vec<&str> = err.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "body.movement.colour",
                "body.movement.persons[1].sex",
                "body.movement.persons[0].count"
            ],
            "{err:?}"
        );
        assert!(err[1].message.contains("F, M, _U"), "{err:?}");
    }

    #[test]
    fn amounts_may_be_decimals_in_major_units() {
        assert_eq!(minor_units("4500.00", 2), Some(450_000));
        assert_eq!(minor_units("4500.5", 2), Some(450_050));
        assert_eq!(minor_units("4500", 0), Some(4500));
        assert_eq!(minor_units("1.234", 3), Some(1234));
        for bad in ["4500.001", "-1", "1e3", ".5", "4,500.00", ""] {
            assert_eq!(minor_units(bad, 2), None, "{bad}");
        }
        let report = examples::example(RecordType::Fee, &ExampleParams::default());
        let mut v = to_json(&pb::Report::from(&report));
        let read = |v: &Value| from_json(v, false);
        v["body"]["fee"]["amount"] = json!("4500.00 USD");
        v["body"]["fee"].as_object_mut().unwrap().remove("currency");
        let (r, errs) = read(&v);
        assert!(errs.is_empty(), "{errs:?}");
        let Some(pb::report::Body::Fee(f)) = r.body else {
            panic!()
        };
        assert_eq!((f.amount, f.currency.as_str()), (450_000, "USD"));
        v["body"]["fee"]["amount"] = json!("12.5");
        v["body"]["fee"]["currency"] = json!("JPY");
        let (_, errs) = read(&v);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, "body.fee.amount");
        assert!(errs[0].message.contains("at most 0 decimal"), "{errs:?}");
        v["body"]["fee"]["amount"] = json!("12.50 EUR");
        v["body"]["fee"]["currency"] = json!("USD");
        let (_, errs) = read(&v);
        assert!(
            errs[0].message.contains("is in EUR, but currency is USD"),
            "{errs:?}"
        );
    }

    #[test]
    fn lenient_mode_reads_text_numbers_and_code_lists() {
        let p = ExampleParams::default();
        let mut v = to_json(&pb::Report::from(&examples::example_smuggler(&p)));
        v["version"] = json!("1");
        v["body"]["smuggler"]["roles"] = json!("BOAT_PILOT;transporter");
        assert!(check(&v, false, today()).is_err());
        let msg = check(&v, true, today()).unwrap();
        let Some(pb::report::Body::Smuggler(s)) = msg.body else {
            panic!("smuggler")
        };
        assert_eq!(s.roles, [5, 3]);
    }

    #[test]
    fn oneofs_take_one_value_and_say_so() {
        let p = ExampleParams::default();
        let mut v = to_json(&pb::Report::from(&examples::example_fee(&p)));
        v["observed_period"] = json!({"start": "2026-01-01", "end": "2026-01-31"});
        let err = check(&v, false, today()).unwrap_err();
        assert_eq!(err[0].field, "observed_period", "{err:?}");
        assert_eq!(
            err[0].message,
            "give observed_on or observed_period, not both"
        );
        v.as_object_mut().unwrap().remove("observed_period");
        v["body"]["case"] = json!({});
        let err = check(&v, false, today()).unwrap_err();
        assert_eq!(
            (err[0].field.as_str(), err[0].value.as_str()),
            ("body", "fee, case")
        );
        assert!(
            err[0]
                .message
                .starts_with("holds exactly one of movement, smuggler")
        );
        v["body"] = json!({"fee": null});
        v["supersedes"] = json!("zz");
        let (msg, err) = from_json(&v, false);
        assert!(msg.body.is_none());
        assert_eq!(err[0].field, "supersedes");
        assert!(
            err[0].message.starts_with("must be hexadecimal (SHA-256"),
            "{err:?}"
        );
    }

    #[test]
    fn the_json_form_writes_every_field_and_omits_only_what_is_unset() {
        let p = ExampleParams::default();
        let v = to_json(&pb::Report::from(&examples::example_smuggler(&p)));
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        // No `supersedes` (empty bytes), no `observed_period` (the other of a oneof).
        for k in ["report_id", "observed_on", "body", "status", "agency"] {
            assert!(keys.contains(&k), "{keys:?}");
        }
        assert!(!keys.contains(&"supersedes") && !keys.contains(&"observed_period"));
        let s = &v["body"]["smuggler"];
        assert_eq!(s["sex"], json!("M"));
        assert!(s["roles"].is_array());
        assert_eq!(report_keys().len(), keys.len() + 2);
    }
}
