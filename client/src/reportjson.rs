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
//!   are accepted too. Dates are `YYYY-MM-DD`, timestamps RFC 3339, amounts integers in
//!   minor units.
//! * A field that is absent or `null` is unset. A key this schema does not have is an
//!   error (so that a misspelt field is never silently dropped).
//!
//! In *lenient* mode (for CSV cells, which are all text) numbers and booleans may be
//! given as strings, and a list of codes as one string separated by `;`.

use serde_json::{Map, Value, json};
use vrs_core::codes::Date;
use vrs_core::report as d;
use vrs_core::validate::Violation;
use vrs_proto::v1 as pb;

mod to_json;

pub use to_json::*;

/// A closed code list: a domain enum of [`vrs_core::report`] and its protobuf twin.
pub trait Code: Copy + 'static {
    /// Every value.
    fn all() -> &'static [Self];
    /// The short code.
    fn code(self) -> &'static str;
    /// The protobuf number.
    fn number(self) -> i32;
    /// The protobuf name of a number.
    fn pb_name(n: i32) -> Option<&'static str>;
    /// The number of a protobuf name.
    fn pb_number(name: &str) -> Option<i32>;
    /// The protobuf names' prefix, e.g. `SEX_`.
    const PREFIX: &'static str;
}

macro_rules! codes {
    ($($dom:ident => $pb:ident, $prefix:literal;)*) => {
        $(
            impl Code for d::$dom {
                fn all() -> &'static [Self] {
                    d::$dom::ALL
                }
                fn code(self) -> &'static str {
                    d::$dom::code(self)
                }
                fn number(self) -> i32 {
                    self as i32
                }
                fn pb_name(n: i32) -> Option<&'static str> {
                    pb::$pb::try_from(n).ok().map(|v| v.as_str_name())
                }
                fn pb_number(name: &str) -> Option<i32> {
                    pb::$pb::from_str_name(name).map(|v| v as i32)
                }
                const PREFIX: &'static str = $prefix;
            }
        )*
    };
}

codes! {
    ReportStatus => ReportStatus, "REPORT_STATUS_";
    Agency => Agency, "AGENCY_";
    Sex => Sex, "SEX_";
    AgeBand => AgeBand, "AGE_BAND_";
    Ternary => Ternary, "TERNARY_";
    PlaceType => PlaceType, "PLACE_TYPE_";
    Direction => Direction, "DIRECTION_";
    Method => Method, "METHOD_";
    SubMethod => SubMethod, "SUB_METHOD_";
    TransportMode => TransportMode, "TRANSPORT_MODE_";
    Aggravation => Aggravation, "AGGRAVATION_";
    SmugglerRole => SmugglerRole, "SMUGGLER_ROLE_";
    FeeBasis => FeeBasis, "FEE_BASIS_";
    PaymentMode => PaymentMode, "PAYMENT_MODE_";
    DocumentType => DocumentType, "DOCUMENT_TYPE_";
    FraudType => FraudType, "FRAUD_TYPE_";
    Purpose => Purpose, "PURPOSE_";
    Offence => Offence, "OFFENCE_";
    IccsCode => IccsCode, "ICCS_CODE_";
    Benefit => Benefit, "BENEFIT_";
    Stage => Stage, "STAGE_";
    Outcome => Outcome, "OUTCOME_";
}

/// The protobuf number of a code written as its short code, its protobuf name, or its
/// protobuf name without the prefix (also in lower case).
pub fn parse_code<E: Code>(s: &str) -> Option<i32> {
    let up = s.trim().to_ascii_uppercase();
    for cand in [s.trim(), up.as_str()] {
        if let Some(v) = E::all().iter().find(|v| v.code() == cand) {
            return Some(v.number());
        }
    }
    E::pb_number(&up)
        .or_else(|| E::pb_number(&format!("{}{up}", E::PREFIX)))
        .filter(|&n| n != 0)
}

/// The short code of a protobuf number (the protobuf name for `UNSPECIFIED`, the number
/// if unknown).
pub fn code_of<E: Code>(n: i32) -> Value {
    match E::all().iter().find(|v| v.number() == n) {
        Some(v) => Value::String(v.code().to_owned()),
        None => match E::pb_name(n) {
            Some(name) => Value::String(name.to_owned()),
            None => Value::from(n),
        },
    }
}

fn codes_list<E: Code>() -> String {
    E::all()
        .iter()
        .map(|v| v.code())
        .collect::<Vec<_>>()
        .join(", ")
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
    if s.chars().count() > vrs_core::validate::MAX_SHOWN_VALUE {
        let mut t: String = s
            .chars()
            .take(vrs_core::validate::MAX_SHOWN_VALUE)
            .collect();
        t.push('…');
        t
    } else {
        s
    }
}

/// Collects violations while walking a JSON value.
struct Walker {
    lenient: bool,
    out: Vec<Violation>,
}

type Obj = Map<String, Value>;

impl Walker {
    fn push(&mut self, field: String, value: String, message: impl Into<String>) {
        self.out.push(Violation {
            field,
            value,
            message: message.into(),
        });
    }

    /// `v` as an object whose keys are all in `allowed`.
    fn object<'v>(&mut self, v: &'v Value, path: &str, allowed: &[&str]) -> Option<&'v Obj> {
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
            if !allowed.contains(&k.as_str()) {
                self.push(
                    at(path, k),
                    shown(&m[k]),
                    format!("unknown field (expected one of: {})", allowed.join(", ")),
                );
            }
        }
        Some(m)
    }

    fn get<'v>(m: &'v Obj, key: &str) -> Option<&'v Value> {
        m.get(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, m: &Obj, path: &str, key: &str) -> String {
        match Self::get(m, key) {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) if self.lenient && (v.is_number() || v.is_boolean()) => v.to_string(),
            Some(v) => {
                self.push(at(path, key), shown(v), "must be a string");
                String::new()
            }
        }
    }

    fn uint(&mut self, m: &Obj, path: &str, key: &str, max: u64) -> u64 {
        let v = match Self::get(m, key) {
            None => return 0,
            Some(v) => v,
        };
        let n = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if self.lenient => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= max => n,
            Some(_) => {
                self.push(at(path, key), shown(v), format!("must be at most {max}"));
                0
            }
            None => {
                self.push(at(path, key), shown(v), "must be a non-negative integer");
                0
            }
        }
    }

    fn u32(&mut self, m: &Obj, path: &str, key: &str) -> u32 {
        u32::try_from(self.uint(m, path, key, u64::from(u32::MAX))).unwrap_or(0)
    }

    fn boolean(&mut self, m: &Obj, path: &str, key: &str) -> bool {
        match Self::get(m, key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) if self.lenient && matches!(s.trim(), "true" | "false") => {
                s.trim() == "true"
            }
            Some(v) => {
                self.push(at(path, key), shown(v), "must be true or false");
                false
            }
        }
    }

    fn code_value<E: Code>(&mut self, v: &Value, field: String) -> i32 {
        let parsed = match v {
            Value::String(s) => parse_code::<E>(s),
            _ => None,
        };
        match parsed {
            Some(n) => n,
            None => {
                let message = format!("not a known code (one of: {})", codes_list::<E>());
                self.push(field, shown(v), message);
                // Marks the field as set, wrongly, so that validation does not also
                // report it as missing (its violation is dropped, see `check`).
                0
            }
        }
    }

    fn code<E: Code>(&mut self, m: &Obj, path: &str, key: &str) -> i32 {
        match Self::get(m, key) {
            None => 0,
            Some(v) => self.code_value::<E>(v, at(path, key)),
        }
    }

    /// The elements of a list; in lenient mode a string is split on `;`.
    fn list(&mut self, m: &Obj, path: &str, key: &str) -> Vec<(String, Value)> {
        let field = at(path, key);
        match Self::get(m, key) {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{field}[{i}]"), v.clone()))
                .collect(),
            Some(Value::String(s)) if self.lenient => s
                .split(';')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .enumerate()
                .map(|(i, p)| (format!("{field}[{i}]"), Value::String(p.to_owned())))
                .collect(),
            Some(v) => {
                self.push(field, shown(v), "must be a JSON array");
                Vec::new()
            }
        }
    }

    fn code_list<E: Code>(&mut self, m: &Obj, path: &str, key: &str) -> Vec<i32> {
        self.list(m, path, key)
            .into_iter()
            .map(|(f, v)| self.code_value::<E>(&v, f))
            .collect()
    }

    fn string_list(&mut self, m: &Obj, path: &str, key: &str) -> Vec<String> {
        self.list(m, path, key)
            .into_iter()
            .map(|(f, v)| match v {
                Value::String(s) => s,
                other => {
                    self.push(f, shown(&other), "must be a string");
                    String::new()
                }
            })
            .collect()
    }

    fn messages<T: Default>(
        &mut self,
        m: &Obj,
        path: &str,
        key: &str,
        f: impl Fn(&mut Self, &Value, &str) -> T,
    ) -> Vec<T> {
        self.list(m, path, key)
            .into_iter()
            .map(|(p, v)| {
                if v.is_null() {
                    self.push(p, String::new(), "missing element");
                    T::default()
                } else {
                    f(self, &v, &p)
                }
            })
            .collect()
    }

    fn message<T>(
        &mut self,
        m: &Obj,
        path: &str,
        key: &str,
        f: impl Fn(&mut Self, &Value, &str) -> T,
    ) -> Option<T> {
        Self::get(m, key).map(|v| f(self, v, &at(path, key)))
    }
}

const REPORT_KEYS: &[&str] = &[
    "report_id",
    "version",
    "supersedes",
    "reporting_state",
    "agency",
    "focal_point_id",
    "key_id",
    "observed_on",
    "observed_period",
    "submitted_at",
    "status",
    "body",
];

/// The top-level keys of the JSON form.
pub fn report_keys() -> &'static [&'static str] {
    REPORT_KEYS
}

/// The keys of `body`: one per record type.
pub const BODY_KEYS: &[&str] = &["movement", "smuggler", "fee", "document", "case"];

fn report(w: &mut Walker, v: &Value) -> pb::Report {
    let mut r = pb::Report::default();
    let Some(m) = w.object(v, "", REPORT_KEYS) else {
        return r;
    };
    r.report_id = w.string(m, "", "report_id");
    r.version = w.u32(m, "", "version");
    let sup = w.string(m, "", "supersedes");
    if !sup.is_empty() {
        match vrs_core::unhex(sup.trim()) {
            Some(b) => r.supersedes = b,
            None => w.push(
                "supersedes".into(),
                sup,
                "must be hexadecimal (the SHA-256 of the previous version's entry)",
            ),
        }
    }
    r.reporting_state = w.string(m, "", "reporting_state");
    r.agency = w.code::<d::Agency>(m, "", "agency");
    r.focal_point_id = w.string(m, "", "focal_point_id");
    r.key_id = w.string(m, "", "key_id");
    let on = Walker::get(m, "observed_on").is_some();
    let period = Walker::get(m, "observed_period").is_some();
    if on && period {
        w.push(
            "observed_period".into(),
            String::new(),
            "give observed_on or observed_period, not both",
        );
    }
    if on {
        r.observed = Some(pb::report::Observed::ObservedOn(w.string(
            m,
            "",
            "observed_on",
        )));
    } else if period {
        r.observed = w
            .message(m, "", "observed_period", |w, v, p| {
                let mut range = pb::DateRange::default();
                if let Some(o) = w.object(v, p, &["start", "end"]) {
                    range.start = w.string(o, p, "start");
                    range.end = w.string(o, p, "end");
                }
                range
            })
            .map(pb::report::Observed::ObservedPeriod);
    }
    r.submitted_at = w.string(m, "", "submitted_at");
    r.status = w.code::<d::ReportStatus>(m, "", "status");
    r.body = w.message(m, "", "body", body).flatten();
    r
}

fn body(w: &mut Walker, v: &Value, p: &str) -> Option<pb::report::Body> {
    use pb::report::Body as B;
    let m = w.object(v, p, BODY_KEYS)?;
    let present: Vec<&str> = BODY_KEYS
        .iter()
        .copied()
        .filter(|k| Walker::get(m, k).is_some())
        .collect();
    if present.len() > 1 {
        w.push(
            p.to_owned(),
            present.join(", "),
            "holds exactly one of movement, smuggler, fee, document, case",
        );
        return None;
    }
    let kind = *present.first()?;
    let q = at(p, kind);
    let v = &m[kind];
    Some(match kind {
        "movement" => B::Movement(movement(w, v, &q)),
        "smuggler" => B::Smuggler(smuggler(w, v, &q)),
        "fee" => B::Fee(fee(w, v, &q)),
        "document" => B::Document(document(w, v, &q)),
        _ => B::Case(case(w, v, &q)),
    })
}

fn leg(w: &mut Walker, v: &Value, p: &str) -> pb::RouteLeg {
    let mut l = pb::RouteLeg::default();
    if let Some(m) = w.object(v, p, &["from_country", "to_country", "transport_mode"]) {
        l.from_country = w.string(m, p, "from_country");
        l.to_country = w.string(m, p, "to_country");
        l.transport_mode = w.code::<d::TransportMode>(m, p, "transport_mode");
    }
    l
}

fn group(w: &mut Walker, v: &Value, p: &str) -> pb::PersonGroup {
    let mut g = pb::PersonGroup::default();
    if let Some(m) = w.object(v, p, &["citizenship", "sex", "age_band", "count"]) {
        g.citizenship = w.string(m, p, "citizenship");
        g.sex = w.code::<d::Sex>(m, p, "sex");
        g.age_band = w.code::<d::AgeBand>(m, p, "age_band");
        g.count = w.u32(m, p, "count");
    }
    g
}

fn movement(w: &mut Walker, v: &Value, p: &str) -> pb::MovementEvent {
    let mut e = pb::MovementEvent::default();
    let keys = [
        "detected_on",
        "place_type",
        "direction",
        "method",
        "sub_method",
        "route",
        "persons",
        "unaccompanied_minors",
        "deaths",
        "injuries",
        "smuggling_involved",
        "aggravating",
    ];
    if let Some(m) = w.object(v, p, &keys) {
        e.detected_on = w.string(m, p, "detected_on");
        e.place_type = w.code::<d::PlaceType>(m, p, "place_type");
        e.direction = w.code::<d::Direction>(m, p, "direction");
        e.method = w.code::<d::Method>(m, p, "method");
        e.sub_method = w.code::<d::SubMethod>(m, p, "sub_method");
        e.route = w.messages(m, p, "route", leg);
        e.persons = w.messages(m, p, "persons", group);
        e.unaccompanied_minors = w.u32(m, p, "unaccompanied_minors");
        e.deaths = w.u32(m, p, "deaths");
        e.injuries = w.u32(m, p, "injuries");
        e.smuggling_involved = w.code::<d::Ternary>(m, p, "smuggling_involved");
        e.aggravating = w.code_list::<d::Aggravation>(m, p, "aggravating");
    }
    e
}

fn smuggler(w: &mut Walker, v: &Value, p: &str) -> pb::SmugglerProfile {
    let mut s = pb::SmugglerProfile::default();
    let keys = [
        "sex",
        "age_band",
        "citizenship",
        "roles",
        "also_migrant",
        "organised_group",
        "linked_event",
    ];
    if let Some(m) = w.object(v, p, &keys) {
        s.sex = w.code::<d::Sex>(m, p, "sex");
        s.age_band = w.code::<d::AgeBand>(m, p, "age_band");
        s.citizenship = w.string(m, p, "citizenship");
        s.roles = w.code_list::<d::SmugglerRole>(m, p, "roles");
        s.also_migrant = w.code::<d::Ternary>(m, p, "also_migrant");
        s.organised_group = w.code::<d::Ternary>(m, p, "organised_group");
        s.linked_event = w.string(m, p, "linked_event");
    }
    s
}

fn fee(w: &mut Walker, v: &Value, p: &str) -> pb::FeeObservation {
    let mut f = pb::FeeObservation::default();
    let keys = [
        "route",
        "amount",
        "currency",
        "basis",
        "payment_mode",
        "observed_on",
    ];
    if let Some(m) = w.object(v, p, &keys) {
        f.route = w.messages(m, p, "route", leg);
        f.amount = w.uint(m, p, "amount", u64::MAX);
        f.currency = w.string(m, p, "currency");
        f.basis = w.code::<d::FeeBasis>(m, p, "basis");
        f.payment_mode = w.code::<d::PaymentMode>(m, p, "payment_mode");
        f.observed_on = w.string(m, p, "observed_on");
    }
    f
}

fn document(w: &mut Walker, v: &Value, p: &str) -> pb::DocumentFraudEvent {
    let mut e = pb::DocumentFraudEvent::default();
    let keys = [
        "detected_on",
        "document_type",
        "issuing_country",
        "fraud_type",
        "purpose",
        "holder_citizenship",
        "count",
    ];
    if let Some(m) = w.object(v, p, &keys) {
        e.detected_on = w.string(m, p, "detected_on");
        e.document_type = w.code::<d::DocumentType>(m, p, "document_type");
        e.issuing_country = w.string(m, p, "issuing_country");
        e.fraud_type = w.code::<d::FraudType>(m, p, "fraud_type");
        e.purpose = w.code::<d::Purpose>(m, p, "purpose");
        e.holder_citizenship = w.string(m, p, "holder_citizenship");
        e.count = w.u32(m, p, "count");
    }
    e
}

fn counts(w: &mut Walker, v: &Value, p: &str) -> pb::CountsBySex {
    let mut c = pb::CountsBySex::default();
    if let Some(m) = w.object(v, p, &["female", "male", "unknown"]) {
        c.female = w.u32(m, p, "female");
        c.male = w.u32(m, p, "male");
        c.unknown = w.u32(m, p, "unknown");
    }
    c
}

fn proceeding(w: &mut Walker, v: &Value, p: &str) -> pb::Proceeding {
    let mut x = pb::Proceeding::default();
    let keys = ["stage", "decided_on", "outcome", "sentence_months", "fine"];
    if let Some(m) = w.object(v, p, &keys) {
        x.stage = w.code::<d::Stage>(m, p, "stage");
        x.decided_on = w.string(m, p, "decided_on");
        x.outcome = w.code::<d::Outcome>(m, p, "outcome");
        x.sentence_months = w.u32(m, p, "sentence_months");
        x.fine = w.message(m, p, "fine", |w, v, p| {
            let mut f = pb::Fine::default();
            if let Some(m) = w.object(v, p, &["amount", "currency"]) {
                f.amount = w.uint(m, p, "amount", u64::MAX);
                f.currency = w.string(m, p, "currency");
            }
            f
        });
    }
    x
}

fn case(w: &mut Walker, v: &Value, p: &str) -> pb::CriminalJusticeCase {
    let mut c = pb::CriminalJusticeCase::default();
    let keys = [
        "case_ref",
        "offences",
        "iccs",
        "aggravations",
        "benefit",
        "humanitarian_motive_claimed",
        "trafficking_charged",
        "countries_involved",
        "persons_suspected",
        "persons_prosecuted",
        "persons_convicted",
        "proceedings",
    ];
    if let Some(m) = w.object(v, p, &keys) {
        c.case_ref = w.string(m, p, "case_ref");
        c.offences = w.code_list::<d::Offence>(m, p, "offences");
        c.iccs = w.code::<d::IccsCode>(m, p, "iccs");
        c.aggravations = w.code_list::<d::Aggravation>(m, p, "aggravations");
        c.benefit = w.code::<d::Benefit>(m, p, "benefit");
        c.humanitarian_motive_claimed = w.code::<d::Ternary>(m, p, "humanitarian_motive_claimed");
        c.trafficking_charged = w.boolean(m, p, "trafficking_charged");
        c.countries_involved = w.string_list(m, p, "countries_involved");
        c.persons_suspected = w.message(m, p, "persons_suspected", counts);
        c.persons_prosecuted = w.message(m, p, "persons_prosecuted", counts);
        c.persons_convicted = w.message(m, p, "persons_convicted", counts);
        c.proceedings = w.messages(m, p, "proceedings", proceeding);
    }
    c
}

/// Converts the JSON form to a `vrs.v1.Report` message, with the violations of the JSON
/// itself (types, unknown keys, unknown codes). Does not validate the message: see
/// [`check`].
pub fn from_json(v: &Value, lenient: bool) -> (pb::Report, Vec<Violation>) {
    let mut w = Walker {
        lenient,
        out: Vec::new(),
    };
    let r = report(&mut w, v);
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
}
