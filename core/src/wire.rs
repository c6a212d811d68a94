//! The edge between protobuf and the domain: the only module that touches
//! `vrs_proto::v1` report messages.
//!
//! * [`decode_report`]: payload bytes to a validated [`Report`] (the node's path).
//! * [`parse_report`]: a decoded message to a validated [`Report`], every rule checked
//!   against `today`.
//! * `TryFrom<pb::X> for X` for the report and each sub-message, with error
//!   [`Violations`]. These check every rule that does not need a clock: dates are not
//!   compared with today (use [`parse_report`] or [`decode_report`] for that) and, for a
//!   sub-message on its own, not with the report's observed period; field paths are
//!   relative to the message converted.
//! * `From<&X> for pb::X` and [`encode_report`]: domain to wire, to build payloads.
//!   A report that passed validation converts back to the message it came from.
//!
//! Validation walks the wire message, so violations carry protobuf field paths; the
//! rules are listed in [`crate::validate`].
use prost::Message;
use vrs_proto::v1 as pb;

use crate::Hash;
use crate::codes::Date;
use crate::report::{
    AgeBand, Agency, Aggravation, Benefit, Body, CodeEnum, CountsBySex, CriminalJusticeCase,
    Direction, DocumentFraudEvent, DocumentType, FeeBasis, FeeObservation, Fine, FraudType,
    IccsCode, Iso3, Method, MovementEvent, Observed, Offence, Outcome, PaymentMode, PersonGroup,
    PlaceType, Proceeding, Purpose, Report, ReportId, ReportStatus, RouteLeg, Sex, SmugglerProfile,
    SmugglerRole, Stage, SubMethod, Ternary, TransportMode,
};
use crate::validate::{
    Checker, MAX_AMOUNT, MAX_CASE_PERSONS, MAX_COUNTRIES_INVOLVED, MAX_DOCUMENT_COUNT,
    MAX_GROUP_COUNT, MAX_PERSON_GROUPS, MAX_PERSONS, MAX_PROCEEDINGS, MAX_ROUTE_LEGS,
    MAX_SENTENCE_MONTHS, Violations,
};

/// Largest accepted report payload, in bytes. A valid report is far smaller (a movement
/// with the largest number of person groups is about 20 KiB).
pub const MAX_REPORT_BYTES: usize = 64 * 1024;

/// Why a report payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The bytes are not a `vrs.v1.Report` (malformed protobuf, too large, or carrying
    /// fields the schema does not define).
    #[error("not a vrs.v1.Report: {0}")]
    Decode(String),
    /// The message breaks validation rules.
    #[error("invalid report: {0}")]
    Invalid(#[from] Violations),
}

/// Decodes a report payload and validates it against every rule, with dates bounded by
/// `today`.
///
/// Refused as [`ReportError::Decode`]: more than [`MAX_REPORT_BYTES`], bytes that are not
/// protobuf of `vrs.v1.Report`, and payloads that carry more than the schema's fields
/// (unknown fields would be stored and signed unvalidated, a way around the rule that
/// reports hold no free text).
pub fn decode_report(payload: &[u8], today: Date) -> Result<Report, ReportError> {
    if payload.len() > MAX_REPORT_BYTES {
        return Err(ReportError::Decode(format!(
            "payload of {} bytes exceeds the limit of {MAX_REPORT_BYTES}",
            payload.len()
        )));
    }
    let msg = pb::Report::decode(payload).map_err(|e| ReportError::Decode(e.to_string()))?;
    // Re-encoding drops unknown fields and never makes a message longer than a
    // conforming proto3 encoder wrote it, so a shorter result means fields outside the
    // schema, a singular field sent twice, or an unusual encoding such as unpacked
    // repeated enums. Nothing is re-encoded for use: the payload stays as signed.
    let known = msg.encoded_len();
    if known < payload.len() {
        return Err(ReportError::Decode(format!(
            "{} bytes of fields that vrs.v1.Report does not define (or a non-canonical encoding)",
            payload.len() - known
        )));
    }
    Ok(parse_report(&msg, today)?)
}

/// Validates `msg` against every rule, with dates bounded by `today`, and converts it.
pub fn parse_report(msg: &pb::Report, today: Date) -> Result<Report, Violations> {
    let mut c = Checker::new(Some(today));
    let report = report(&mut c, msg);
    c.finish(report)
}

/// Serialises `report` (the bytes a focal point signs).
pub fn encode_report(report: &Report) -> Vec<u8> {
    pb::Report::from(report).encode_to_vec()
}

impl Report {
    /// Checks a report built by hand against every rule, with dates bounded by `today`
    /// (the same checks as [`decode_report`], on the message this report encodes to).
    pub fn validate(&self, today: Date) -> Result<(), Violations> {
        parse_report(&pb::Report::from(self), today).map(|_| ())
    }
}

// ---------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------

/// A domain enum and its protobuf twin: the declaration is the domain's
/// ([`CodeEnum`]: numbers, codes, labels); the wire adds only the protobuf name of a
/// number, for the value an error message shows.
trait WireEnum: CodeEnum {
    /// The domain value of a wire number; `None` for `UNSPECIFIED` and unknown numbers.
    fn from_wire(raw: i32) -> Option<Self> {
        Self::from_number(raw)
    }
    /// The wire number.
    fn to_wire(self) -> i32 {
        self.number()
    }
    /// The protobuf name of a wire number, or the number if unknown.
    fn wire_name(raw: i32) -> String;
}

/// The protobuf enum of each domain code list is the one of the same name.
macro_rules! wire_enums {
    ($($name:ident),+ $(,)?) => {
        $(
            impl WireEnum for $name {
                fn wire_name(raw: i32) -> String {
                    match pb::$name::try_from(raw) {
                        Ok(v) => v.as_str_name().to_owned(),
                        Err(_) => raw.to_string(),
                    }
                }
            }
        )+

        /// For each code list: its numbers and the protobuf enum's (less
        /// `UNSPECIFIED`), as (name, domain numbers, protobuf numbers).
        #[cfg(test)]
        fn wire_numbers() -> Vec<(&'static str, Vec<i32>, Vec<i32>)> {
            vec![$((
                stringify!($name),
                $name::ALL.iter().map(|v| v.number()).collect(),
                (1..=64).filter(|&n| pb::$name::try_from(n).is_ok()).collect(),
            )),+]
        }
    };
}

wire_enums!(
    ReportStatus,
    Agency,
    Sex,
    AgeBand,
    Ternary,
    PlaceType,
    Direction,
    Method,
    SubMethod,
    TransportMode,
    Aggravation,
    SmugglerRole,
    FeeBasis,
    PaymentMode,
    DocumentType,
    FraudType,
    Purpose,
    Offence,
    IccsCode,
    Benefit,
    Stage,
    Outcome,
);

/// A required enum field.
fn enumeration<E: WireEnum>(c: &mut Checker, field: String, raw: i32) -> Option<E> {
    let v = E::from_wire(raw);
    if v.is_none() {
        let message = if raw == 0 {
            "required"
        } else {
            "unknown value"
        };
        c.push(field, E::wire_name(raw), message);
    }
    v
}

/// A repeated enum field without duplicates (and, if `required`, not empty).
fn enum_list<E: WireEnum>(
    c: &mut Checker,
    field: String,
    raws: &[i32],
    required: bool,
) -> Option<Vec<E>> {
    let mut ok = true;
    if required && raws.is_empty() {
        c.push(field.clone(), "", "at least one value required");
        ok = false;
    }
    let mut out = Vec::with_capacity(raws.len());
    for (i, &raw) in raws.iter().enumerate() {
        let f = format!("{field}[{i}]");
        match enumeration::<E>(c, f.clone(), raw) {
            Some(v) if out.contains(&v) => {
                c.push(f, E::wire_name(raw), "duplicate");
                ok = false;
            }
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

// ---------------------------------------------------------------------------------------
// Wire to domain
// ---------------------------------------------------------------------------------------

/// `prefix.name`, or `name` at the root.
fn at(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// What sub-messages are checked against: known only when walking a whole report.
#[derive(Default)]
struct Ctx {
    observed: Option<Observed>,
    report_id: Option<ReportId>,
}

impl Ctx {
    /// A required date that must fall in the observed day or period.
    fn observed_date(&self, c: &mut Checker, field: String, s: &str) -> Option<Date> {
        let d = c.date(field.clone(), s)?;
        match self.observed {
            Some(o) if !o.contains(d) => {
                let what = match o {
                    Observed::Day(day) => format!("the observed day ({day})"),
                    Observed::Period { start, end } => {
                        format!("the observed period ({start} to {end})")
                    }
                };
                c.push(field, s, format!("outside {what}"));
                None
            }
            _ => Some(d),
        }
    }
}

fn report(c: &mut Checker, m: &pb::Report) -> Option<Report> {
    let report_id = c.report_id("report_id".into(), &m.report_id);
    let version = if m.version == 0 {
        c.push("version", "0", "must be at least 1");
        None
    } else {
        Some(m.version)
    };
    let supersedes = supersedes(c, m.version, &m.supersedes);
    let reporting_state = c.country("reporting_state".into(), &m.reporting_state);
    let agency = enumeration::<Agency>(c, "agency".into(), m.agency);
    let focal_point_id = c.identifier("focal_point_id".into(), &m.focal_point_id);
    let key_id = c.identifier("key_id".into(), &m.key_id);
    let observed = observed(c, m.observed.as_ref());
    let submitted_at = c.timestamp("submitted_at".into(), &m.submitted_at);
    let status = enumeration::<ReportStatus>(c, "status".into(), m.status);

    let ctx = Ctx {
        observed,
        report_id,
    };
    let body = match &m.body {
        None => Some(None),
        Some(b) => body(c, &ctx, b).map(Some),
    };
    match status {
        Some(ReportStatus::Active) if m.body.is_none() => c.push(
            "body",
            "",
            "an active report needs one of movement, smuggler, fee, document or case",
        ),
        Some(ReportStatus::Retracted) => {
            if let Some(b) = &m.body {
                c.push(
                    at("body", body_field(b)),
                    "present",
                    "a retraction carries no body",
                );
            }
            if m.version == 1 {
                c.push("version", "1", "a retraction is version 2 or later");
            }
        }
        _ => {}
    }
    Some(Report {
        report_id: report_id?,
        version: version?,
        supersedes: supersedes?,
        reporting_state: reporting_state?,
        agency: agency?,
        focal_point_id: focal_point_id?,
        key_id: key_id?,
        observed: observed?,
        submitted_at: submitted_at?,
        body: body?,
    })
}

/// `supersedes`: empty for version 1, 32 bytes for later versions.
fn supersedes(c: &mut Checker, version: u32, bytes: &[u8]) -> Option<Option<Hash>> {
    let shown = crate::hex(bytes);
    if !bytes.is_empty() && bytes.len() != 32 {
        let msg = format!(
            "must be a 32-byte SHA-256 digest, not {} bytes",
            bytes.len()
        );
        c.push("supersedes", shown, msg);
        return None;
    }
    match version {
        0 => None,
        1 if bytes.is_empty() => Some(None),
        1 => {
            c.push("supersedes", shown, "must be empty for version 1");
            None
        }
        _ => match <Hash>::try_from(bytes) {
            Ok(h) => Some(Some(h)),
            Err(_) => {
                c.push(
                    "supersedes",
                    shown,
                    "required from version 2 on: the SHA-256 digest of the previous version's envelope",
                );
                None
            }
        },
    }
}

fn observed(c: &mut Checker, o: Option<&pb::report::Observed>) -> Option<Observed> {
    match o {
        None => {
            c.push(
                "observed_on",
                "",
                "required (observed_on or observed_period)",
            );
            None
        }
        Some(pb::report::Observed::ObservedOn(s)) => {
            c.date("observed_on".into(), s).map(Observed::Day)
        }
        Some(pb::report::Observed::ObservedPeriod(r)) => {
            let start = c.date("observed_period.start".into(), &r.start);
            let end = c.date("observed_period.end".into(), &r.end);
            let (start, end) = (start?, end?);
            if end < start {
                c.push(
                    "observed_period.end",
                    &r.end,
                    format!("before the start ({start})"),
                );
                return None;
            }
            Some(Observed::Period { start, end })
        }
    }
}

fn body_field(b: &pb::report::Body) -> &'static str {
    match b {
        pb::report::Body::Movement(_) => "movement",
        pb::report::Body::Smuggler(_) => "smuggler",
        pb::report::Body::Fee(_) => "fee",
        pb::report::Body::Document(_) => "document",
        pb::report::Body::Case(_) => "case",
    }
}

fn body(c: &mut Checker, ctx: &Ctx, b: &pb::report::Body) -> Option<Body> {
    let p = at("body", body_field(b));
    match b {
        pb::report::Body::Movement(m) => movement(c, ctx, &p, m).map(Body::Movement),
        pb::report::Body::Smuggler(m) => smuggler(c, ctx, &p, m).map(Body::Smuggler),
        pb::report::Body::Fee(m) => fee(c, ctx, &p, m).map(Body::Fee),
        pb::report::Body::Document(m) => document(c, ctx, &p, m).map(Body::Document),
        pb::report::Body::Case(m) => case(c, &p, m).map(Body::Case),
    }
}

/// A route: legs between different countries, each starting where the previous ended.
fn route(
    c: &mut Checker,
    field: String,
    legs: &[pb::RouteLeg],
    required: bool,
) -> Option<Vec<RouteLeg>> {
    let mut ok = c.at_most(field.clone(), legs.len(), MAX_ROUTE_LEGS);
    if required && legs.is_empty() {
        c.push(field.clone(), "", "at least one leg required");
        ok = false;
    }
    let mut out = Vec::with_capacity(legs.len());
    let mut previous_to: Option<Iso3> = None;
    for (i, l) in legs.iter().enumerate() {
        let p = format!("{field}[{i}]");
        let leg = route_leg(c, &p, l);
        // Chaining is only checked between valid codes (a bad code is reported once).
        match (previous_to, Iso3::new(&l.from_country)) {
            (Some(prev), Some(from)) if prev != from => {
                c.push(
                    at(&p, "from_country"),
                    &l.from_country,
                    format!("does not continue the route: leg {} ends in {prev}", i - 1),
                );
                ok = false;
            }
            _ => {}
        }
        previous_to = Iso3::new(&l.to_country);
        match leg {
            Some(leg) => out.push(leg),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn route_leg(c: &mut Checker, p: &str, l: &pb::RouteLeg) -> Option<RouteLeg> {
    let from_country = c.country(at(p, "from_country"), &l.from_country);
    let to_country = c.country(at(p, "to_country"), &l.to_country);
    let transport_mode = enumeration(c, at(p, "transport_mode"), l.transport_mode);
    if from_country.is_some() && from_country == to_country {
        c.push(at(p, "to_country"), &l.to_country, "same as from_country");
        return None;
    }
    Some(RouteLeg {
        from_country: from_country?,
        to_country: to_country?,
        transport_mode: transport_mode?,
    })
}

fn person_group(c: &mut Checker, p: &str, g: &pb::PersonGroup) -> Option<PersonGroup> {
    let citizenship = c.country(at(p, "citizenship"), &g.citizenship);
    let sex = enumeration(c, at(p, "sex"), g.sex);
    let age_band = enumeration(c, at(p, "age_band"), g.age_band);
    let count = c.within(at(p, "count"), g.count.into(), 1, MAX_GROUP_COUNT.into());
    Some(PersonGroup {
        citizenship: citizenship?,
        sex: sex?,
        age_band: age_band?,
        count: u32::try_from(count?).ok()?,
    })
}

mod records;
use records::*;

// ---------------------------------------------------------------------------------------
// TryFrom: wire to domain without a clock
// ---------------------------------------------------------------------------------------

impl TryFrom<pb::Report> for Report {
    type Error = Violations;
    /// Every rule except the upper bound of dates (see [`parse_report`]).
    fn try_from(m: pb::Report) -> Result<Self, Self::Error> {
        let mut c = Checker::new(None);
        let r = report(&mut c, &m);
        c.finish(r)
    }
}

/// `TryFrom<pb::$pb> for $dom` through a walker taking no context, paths relative to the
/// message.
macro_rules! try_from_plain {
    ($dom:ident, $pb:ident, $walk:ident) => {
        impl TryFrom<pb::$pb> for $dom {
            type Error = Violations;
            fn try_from(m: pb::$pb) -> Result<Self, Self::Error> {
                let mut c = Checker::new(None);
                let v = $walk(&mut c, "", &m);
                c.finish(v)
            }
        }
    };
}

/// As `try_from_plain`, for walkers that check against the report (here: nothing known).
macro_rules! try_from_ctx {
    ($dom:ident, $pb:ident, $walk:ident) => {
        impl TryFrom<pb::$pb> for $dom {
            type Error = Violations;
            fn try_from(m: pb::$pb) -> Result<Self, Self::Error> {
                let mut c = Checker::new(None);
                let v = $walk(&mut c, &Ctx::default(), "", &m);
                c.finish(v)
            }
        }
    };
}

try_from_ctx!(MovementEvent, MovementEvent, movement);
try_from_ctx!(SmugglerProfile, SmugglerProfile, smuggler);
try_from_ctx!(FeeObservation, FeeObservation, fee);
try_from_ctx!(DocumentFraudEvent, DocumentFraudEvent, document);
try_from_plain!(CriminalJusticeCase, CriminalJusticeCase, case);
try_from_plain!(RouteLeg, RouteLeg, route_leg);
try_from_plain!(PersonGroup, PersonGroup, person_group);
try_from_plain!(Proceeding, Proceeding, proceeding);
try_from_plain!(Fine, Fine, fine);

impl TryFrom<pb::CountsBySex> for CountsBySex {
    type Error = Violations;
    fn try_from(m: pb::CountsBySex) -> Result<Self, Self::Error> {
        let mut c = Checker::new(None);
        let v = counts_by_sex(&mut c, "", Some(&m)).flatten();
        c.finish(v)
    }
}

// ---------------------------------------------------------------------------------------
// Domain to wire
// ---------------------------------------------------------------------------------------

impl From<&Report> for pb::Report {
    fn from(r: &Report) -> Self {
        let observed = match r.observed {
            Observed::Day(d) => pb::report::Observed::ObservedOn(d.to_string()),
            Observed::Period { start, end } => {
                pb::report::Observed::ObservedPeriod(pb::DateRange {
                    start: start.to_string(),
                    end: end.to_string(),
                })
            }
        };
        pb::Report {
            report_id: r.report_id.to_string(),
            version: r.version,
            supersedes: r.supersedes.map(|h| h.to_vec()).unwrap_or_default(),
            reporting_state: r.reporting_state.as_str().to_owned(),
            agency: r.agency.to_wire(),
            focal_point_id: r.focal_point_id.clone(),
            key_id: r.key_id.clone(),
            observed: Some(observed),
            submitted_at: r.submitted_at.as_str().to_owned(),
            status: r.status().to_wire(),
            body: r.body.as_ref().map(pb::report::Body::from),
        }
    }
}

impl From<&Body> for pb::report::Body {
    fn from(b: &Body) -> Self {
        match b {
            Body::Movement(m) => pb::report::Body::Movement(m.into()),
            Body::Smuggler(m) => pb::report::Body::Smuggler(m.into()),
            Body::Fee(m) => pb::report::Body::Fee(m.into()),
            Body::Document(m) => pb::report::Body::Document(m.into()),
            Body::Case(m) => pb::report::Body::Case(m.into()),
        }
    }
}

fn wire_list<E: WireEnum>(v: &[E]) -> Vec<i32> {
    v.iter().map(|e| e.to_wire()).collect()
}

// ---------------------------------------------------------------------------
// Envelopes

/// The protobuf message of an envelope.
pub fn envelope_to_pb(e: &crate::envelope::Envelope) -> vrs_proto::v1::Envelope {
    vrs_proto::v1::Envelope {
        payload: e.payload.clone(),
        payload_type: e.payload_type.clone(),
        signatures: e
            .signatures
            .iter()
            .map(|s| vrs_proto::v1::Signature {
                keyid: s.keyid.clone(),
                sig: s.sig.clone(),
            })
            .collect(),
    }
}

/// An envelope from its stored form (the protobuf encoding of `vrs.v1.Envelope`).
pub fn envelope_from_entry_bytes(
    bytes: &[u8],
) -> Result<crate::envelope::Envelope, prost::DecodeError> {
    let pb: pb::Envelope = pb::Envelope::decode(bytes)?;
    Ok(envelope_from_pb(pb))
}

/// An envelope from its protobuf message.
pub fn envelope_from_pb(pb: vrs_proto::v1::Envelope) -> crate::envelope::Envelope {
    crate::envelope::Envelope {
        payload: pb.payload,
        payload_type: pb.payload_type,
        signatures: pb
            .signatures
            .into_iter()
            .map(|s| crate::envelope::Signature {
                keyid: s.keyid,
                sig: s.sig,
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// Releases

pub use release_wire::{
    MAX_RELEASE_BYTES, ReleaseScope, decode_release, encode_release, release_scope,
};

mod release_wire;

pub use directory_wire::{decode_directory, directory_from_pb, directory_to_pb, encode_directory};
mod directory_wire;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each domain code list has the numbers of the protobuf enum of its name, and every
    /// code list is there.
    #[test]
    fn code_lists_agree_with_the_wire() {
        let lists = wire_numbers();
        assert_eq!(lists.len(), crate::report::CODE_LISTS.len());
        for (name, domain, wire) in lists {
            assert_eq!(domain, wire, "{name}");
            assert!(crate::report::code_list(name).is_some(), "{name}");
        }
        assert_eq!(Sex::from_wire(0), None);
        assert_eq!(Sex::from_wire(4), None);
        assert_eq!(Sex::Male.to_wire(), pb::Sex::Male as i32);
        assert_eq!(SubMethod::wire_name(4), "SUB_METHOD_SMALL_BOAT");
        assert_eq!(SubMethod::wire_name(99), "99");
    }
}
