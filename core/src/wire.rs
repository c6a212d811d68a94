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
    AgeBand, Agency, Aggravation, Benefit, Body, CountsBySex, CriminalJusticeCase, Direction,
    DocumentFraudEvent, DocumentType, FeeBasis, FeeObservation, Fine, FraudType, IccsCode, Iso3,
    Method, MovementEvent, Observed, Offence, Outcome, PaymentMode, PersonGroup, PlaceType,
    Proceeding, Purpose, Report, ReportId, ReportStatus, RouteLeg, Sex, SmugglerProfile,
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

/// A domain enum and its protobuf twin.
trait WireEnum: Sized + Copy + PartialEq {
    /// The domain value of a wire number; `None` for `UNSPECIFIED` and unknown numbers.
    fn from_wire(raw: i32) -> Option<Self>;
    /// The wire number.
    fn to_wire(self) -> i32;
    /// The protobuf name of a wire number, or the number if unknown.
    fn wire_name(raw: i32) -> String;
}

macro_rules! wire_enum {
    ($dom:ident, $pb:ident { $($d:ident = $p:ident),+ $(,)? }) => {
        impl WireEnum for $dom {
            fn from_wire(raw: i32) -> Option<Self> {
                match pb::$pb::try_from(raw) {
                    $(Ok(pb::$pb::$p) => Some($dom::$d),)+
                    _ => None,
                }
            }
            fn to_wire(self) -> i32 {
                match self {
                    $($dom::$d => pb::$pb::$p as i32,)+
                }
            }
            fn wire_name(raw: i32) -> String {
                match pb::$pb::try_from(raw) {
                    Ok(v) => v.as_str_name().to_owned(),
                    Err(_) => raw.to_string(),
                }
            }
        }
    };
}

wire_enum!(ReportStatus, ReportStatus { Active = Active, Retracted = Retracted });
wire_enum!(Agency, Agency {
    BorderPolice = BorderPolice,
    Immigration = Immigration,
    CoastGuard = CoastGuard,
    Police = Police,
    Prosecution = Prosecution,
    Judiciary = Judiciary,
    Other = Other,
});
wire_enum!(Sex, Sex { Female = Female, Male = Male, Unknown = Unknown });
wire_enum!(AgeBand, AgeBand {
    Under18 = Under18,
    From18To29 = AgeBand1829,
    From30To44 = AgeBand3044,
    From45To59 = AgeBand4559,
    From60 = AgeBand60Plus,
    Unknown = Unknown,
});
wire_enum!(Ternary, Ternary { Yes = Yes, No = No, Unknown = Unknown });
wire_enum!(PlaceType, PlaceType {
    BorderCrossingPoint = BorderCrossingPoint,
    GreenBorder = GreenBorder,
    Sea = Sea,
    Airport = Airport,
    Inland = Inland,
});
wire_enum!(Direction, Direction { Entry = Entry, Exit = Exit, Transit = Transit, Stay = Stay });
wire_enum!(Method, Method { Air = Air, Land = Land, Sea = Sea });
wire_enum!(SubMethod, SubMethod {
    ConcealedInVehicle = ConcealedInVehicle,
    OnFoot = OnFoot,
    InVehicleNotConcealed = InVehicleNotConcealed,
    SmallBoat = SmallBoat,
    LargeVessel = LargeVessel,
    ConcealedOnVessel = ConcealedOnVessel,
    InadequatelyDocumentedAir = InadequatelyDocumentedAir,
    FraudulentDocumentsAir = FraudulentDocumentsAir,
    Other = Other,
});
wire_enum!(TransportMode, TransportMode { Air = Air, Land = Land, Sea = Sea, Unknown = Unknown });
wire_enum!(Aggravation, Aggravation {
    EndangeringLife = EndangeringLife,
    InhumanTreatment = InhumanTreatment,
});
wire_enum!(SmugglerRole, SmugglerRole {
    Organiser = Organiser,
    Recruiter = Recruiter,
    Transporter = Transporter,
    Guide = Guide,
    BoatPilot = BoatPilot,
    DocumentForger = DocumentForger,
    AccommodationProvider = AccommodationProvider,
    MoneyMover = MoneyMover,
    Enforcer = Enforcer,
    Financier = Financier,
    CorruptOfficial = CorruptOfficial,
    Other = Other,
});
wire_enum!(FeeBasis, FeeBasis { PerPerson = PerPerson, PerLeg = PerLeg, FullPackage = FullPackage });
wire_enum!(PaymentMode, PaymentMode {
    Upfront = Upfront,
    ViaThirdParty = ViaThirdParty,
    OnArrival = OnArrival,
    InKind = InKind,
    Other = Other,
});
wire_enum!(DocumentType, DocumentType {
    Passport = Passport,
    Visa = Visa,
    ResidencePermit = ResidencePermit,
    IdCard = IdCard,
    Other = Other,
});
wire_enum!(FraudType, FraudType {
    CounterfeitOrAltered = CounterfeitOrAltered,
    ImproperlyObtained = ImproperlyObtained,
    Impostor = Impostor,
});
wire_enum!(Purpose, Purpose { Entry = Entry, Exit = Exit, Stay = Stay });
wire_enum!(Offence, Offence {
    Smuggling = Smuggling,
    FraudulentDocument = FraudulentDocument,
    EnablingStay = EnablingStay,
    AttemptOrOrganising = AttemptOrOrganising,
});
wire_enum!(IccsCode, IccsCode {
    SmugglingOfMigrants = IccsCode08051,
    TraffickingInPersons = IccsCode0204,
    ForgedEntryDocuments = IccsCode07023,
});
wire_enum!(Benefit, Benefit {
    Financial = Financial,
    OtherMaterial = OtherMaterial,
    NoneEstablished = NoneEstablished,
    Unknown = Unknown,
});
wire_enum!(Stage, Stage {
    Investigation = Investigation,
    Prosecution = Prosecution,
    FirstInstance = FirstInstance,
    Appeal = Appeal,
});
wire_enum!(Outcome, Outcome {
    Pending = Pending,
    Convicted = Convicted,
    Acquitted = Acquitted,
    Dismissed = Dismissed,
});

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

fn movement(c: &mut Checker, ctx: &Ctx, p: &str, m: &pb::MovementEvent) -> Option<MovementEvent> {
    let detected_on = ctx.observed_date(c, at(p, "detected_on"), &m.detected_on);
    let place_type = enumeration(c, at(p, "place_type"), m.place_type);
    let direction = enumeration(c, at(p, "direction"), m.direction);
    let method: Option<Method> = enumeration(c, at(p, "method"), m.method);
    let sub_method: Option<SubMethod> = enumeration(c, at(p, "sub_method"), m.sub_method);
    let mut consistent = true;
    match (method, sub_method) {
        (Some(method), Some(sub)) if !sub.fits(method) => {
            c.push(
                at(p, "sub_method"),
                SubMethod::wire_name(m.sub_method),
                format!("not a sub-method of {}", Method::wire_name(m.method)),
            );
            consistent = false;
        }
        _ => {}
    }
    let route = route(c, at(p, "route"), &m.route, false);

    let persons_field = at(p, "persons");
    let mut persons_ok = c.at_most(persons_field.clone(), m.persons.len(), MAX_PERSON_GROUPS);
    let mut persons = Vec::with_capacity(m.persons.len());
    for (i, g) in m.persons.iter().enumerate() {
        match person_group(c, &format!("{persons_field}[{i}]"), g) {
            Some(g) => persons.push(g),
            None => persons_ok = false,
        }
    }
    // Totals over the groups as sent, so that they are checked even if a group is not.
    let total: u64 = m.persons.iter().map(|g| u64::from(g.count)).sum();
    let minors: u64 = m
        .persons
        .iter()
        .filter(|g| g.age_band == pb::AgeBand::Under18 as i32)
        .map(|g| u64::from(g.count))
        .sum();
    if total > MAX_PERSONS {
        c.push(
            persons_field,
            total.to_string(),
            format!("more than {MAX_PERSONS} persons in one movement"),
        );
        persons_ok = false;
    }
    let mut counts_ok = true;
    if u64::from(m.unaccompanied_minors) > minors {
        c.push(
            at(p, "unaccompanied_minors"),
            m.unaccompanied_minors.to_string(),
            format!("more than the persons in groups under 18 ({minors})"),
        );
        counts_ok = false;
    }
    for (name, n) in [("deaths", m.deaths), ("injuries", m.injuries)] {
        let n64 = u64::from(n);
        if !m.persons.is_empty() && n64 > total {
            let msg = format!("more than the persons detected ({total})");
            c.push(at(p, name), n.to_string(), msg);
            counts_ok = false;
        } else if n64 > MAX_PERSONS {
            let msg = format!("more than {MAX_PERSONS}");
            c.push(at(p, name), n.to_string(), msg);
            counts_ok = false;
        }
    }
    let smuggling_involved = enumeration(c, at(p, "smuggling_involved"), m.smuggling_involved);
    let aggravating = enum_list(c, at(p, "aggravating"), &m.aggravating, false);
    if !(consistent && persons_ok && counts_ok) {
        return None;
    }
    Some(MovementEvent {
        detected_on: detected_on?,
        place_type: place_type?,
        direction: direction?,
        method: method?,
        sub_method: sub_method?,
        route: route?,
        persons,
        unaccompanied_minors: m.unaccompanied_minors,
        deaths: m.deaths,
        injuries: m.injuries,
        smuggling_involved: smuggling_involved?,
        aggravating: aggravating?,
    })
}

fn smuggler(
    c: &mut Checker,
    ctx: &Ctx,
    p: &str,
    m: &pb::SmugglerProfile,
) -> Option<SmugglerProfile> {
    let sex = enumeration(c, at(p, "sex"), m.sex);
    let age_band = enumeration(c, at(p, "age_band"), m.age_band);
    let citizenship = c.country(at(p, "citizenship"), &m.citizenship);
    let roles = enum_list(c, at(p, "roles"), &m.roles, true);
    let also_migrant = enumeration(c, at(p, "also_migrant"), m.also_migrant);
    let organised_group = enumeration(c, at(p, "organised_group"), m.organised_group);
    let linked_event = if m.linked_event.is_empty() {
        Some(None)
    } else {
        let field = at(p, "linked_event");
        match c.report_id(field.clone(), &m.linked_event) {
            Some(id) if Some(id) == ctx.report_id => {
                c.push(field, &m.linked_event, "a report cannot link to itself");
                None
            }
            Some(id) => Some(Some(id)),
            None => None,
        }
    };
    Some(SmugglerProfile {
        sex: sex?,
        age_band: age_band?,
        citizenship: citizenship?,
        roles: roles?,
        also_migrant: also_migrant?,
        organised_group: organised_group?,
        linked_event: linked_event?,
    })
}

fn fee(c: &mut Checker, ctx: &Ctx, p: &str, m: &pb::FeeObservation) -> Option<FeeObservation> {
    let route = route(c, at(p, "route"), &m.route, true);
    let amount = c.within(at(p, "amount"), m.amount, 1, MAX_AMOUNT);
    let currency = c.currency(at(p, "currency"), &m.currency);
    let basis = enumeration(c, at(p, "basis"), m.basis);
    let payment_mode = enumeration(c, at(p, "payment_mode"), m.payment_mode);
    let observed_on = ctx.observed_date(c, at(p, "observed_on"), &m.observed_on);
    Some(FeeObservation {
        route: route?,
        amount: amount?,
        currency: currency?,
        basis: basis?,
        payment_mode: payment_mode?,
        observed_on: observed_on?,
    })
}

fn document(
    c: &mut Checker,
    ctx: &Ctx,
    p: &str,
    m: &pb::DocumentFraudEvent,
) -> Option<DocumentFraudEvent> {
    let detected_on = ctx.observed_date(c, at(p, "detected_on"), &m.detected_on);
    let document_type = enumeration(c, at(p, "document_type"), m.document_type);
    let issuing_country = c.country(at(p, "issuing_country"), &m.issuing_country);
    let fraud_type = enumeration(c, at(p, "fraud_type"), m.fraud_type);
    let purpose = enumeration(c, at(p, "purpose"), m.purpose);
    let holder_citizenship = c.country(at(p, "holder_citizenship"), &m.holder_citizenship);
    let count = c.within(at(p, "count"), m.count.into(), 1, MAX_DOCUMENT_COUNT.into());
    Some(DocumentFraudEvent {
        detected_on: detected_on?,
        document_type: document_type?,
        issuing_country: issuing_country?,
        fraud_type: fraud_type?,
        purpose: purpose?,
        holder_citizenship: holder_citizenship?,
        count: u32::try_from(count?).ok()?,
    })
}

fn counts_by_sex(
    c: &mut Checker,
    p: &str,
    m: Option<&pb::CountsBySex>,
) -> Option<Option<CountsBySex>> {
    let Some(m) = m else {
        return Some(None);
    };
    let mut ok = true;
    for (name, n) in [
        ("female", m.female),
        ("male", m.male),
        ("unknown", m.unknown),
    ] {
        ok &= c
            .within(at(p, name), n.into(), 0, MAX_CASE_PERSONS.into())
            .is_some();
    }
    ok.then_some(Some(CountsBySex {
        female: m.female,
        male: m.male,
        unknown: m.unknown,
    }))
}

fn fine(c: &mut Checker, p: &str, m: &pb::Fine) -> Option<Fine> {
    let amount = c.within(at(p, "amount"), m.amount, 1, MAX_AMOUNT);
    let currency = c.currency(at(p, "currency"), &m.currency);
    Some(Fine {
        amount: amount?,
        currency: currency?,
    })
}

fn proceeding(c: &mut Checker, p: &str, m: &pb::Proceeding) -> Option<Proceeding> {
    let stage: Option<Stage> = enumeration(c, at(p, "stage"), m.stage);
    let outcome: Option<Outcome> = enumeration(c, at(p, "outcome"), m.outcome);
    let decided_field = at(p, "decided_on");
    let decided_on = match (outcome, m.decided_on.is_empty()) {
        (Some(Outcome::Pending), true) => Some(None),
        (Some(Outcome::Pending), false) => {
            c.push(
                decided_field,
                &m.decided_on,
                "must be empty while the outcome is pending",
            );
            None
        }
        (Some(_), true) => {
            c.push(decided_field, "", "required unless the outcome is pending");
            None
        }
        // The outcome is already reported as missing or unknown.
        (None, true) => Some(None),
        (_, false) => c.date(decided_field, &m.decided_on).map(Some),
    };
    let mut ok = true;
    match (stage, outcome) {
        (Some(stage), Some(o @ (Outcome::Convicted | Outcome::Acquitted))) if !stage.is_trial() => {
            c.push(
                at(p, "outcome"),
                Outcome::wire_name(m.outcome),
                format!(
                    "{} only at first instance or on appeal, not at {}",
                    if o == Outcome::Convicted {
                        "a conviction"
                    } else {
                        "an acquittal"
                    },
                    Stage::wire_name(m.stage)
                ),
            );
            ok = false;
        }
        _ => {}
    }
    let convicted = outcome.map(|o| o == Outcome::Convicted);
    if m.sentence_months > MAX_SENTENCE_MONTHS {
        c.push(
            at(p, "sentence_months"),
            m.sentence_months.to_string(),
            format!("more than {MAX_SENTENCE_MONTHS} months"),
        );
        ok = false;
    } else if m.sentence_months > 0 && convicted == Some(false) {
        c.push(
            at(p, "sentence_months"),
            m.sentence_months.to_string(),
            "a sentence only follows a conviction",
        );
        ok = false;
    }
    let fine = match &m.fine {
        None => Some(None),
        Some(f) => {
            if convicted == Some(false) {
                c.push(at(p, "fine"), "present", "a fine only follows a conviction");
                ok = false;
            }
            fine(c, &at(p, "fine"), f).map(Some)
        }
    };
    if !ok {
        return None;
    }
    Some(Proceeding {
        stage: stage?,
        decided_on: decided_on?,
        outcome: outcome?,
        sentence_months: m.sentence_months,
        fine: fine?,
    })
}

fn case(c: &mut Checker, p: &str, m: &pb::CriminalJusticeCase) -> Option<CriminalJusticeCase> {
    let case_ref = c.identifier(at(p, "case_ref"), &m.case_ref);
    let offences = enum_list(c, at(p, "offences"), &m.offences, true);
    let iccs: Option<IccsCode> = enumeration(c, at(p, "iccs"), m.iccs);
    let mut ok = true;
    if iccs == Some(IccsCode::TraffickingInPersons) && !m.trafficking_charged {
        c.push(
            at(p, "trafficking_charged"),
            "false",
            "required when iccs is ICCS_CODE_0204",
        );
        ok = false;
    }
    let aggravations = enum_list(c, at(p, "aggravations"), &m.aggravations, false);
    let benefit = enumeration(c, at(p, "benefit"), m.benefit);
    let humanitarian_motive_claimed = enumeration(
        c,
        at(p, "humanitarian_motive_claimed"),
        m.humanitarian_motive_claimed,
    );

    let countries_field = at(p, "countries_involved");
    ok &= c.at_most(
        countries_field.clone(),
        m.countries_involved.len(),
        MAX_COUNTRIES_INVOLVED,
    );
    let mut countries_involved = Vec::with_capacity(m.countries_involved.len());
    for (i, s) in m.countries_involved.iter().enumerate() {
        let f = format!("{countries_field}[{i}]");
        match c.country(f.clone(), s) {
            Some(code) if countries_involved.contains(&code) => {
                c.push(f, s, "duplicate");
                ok = false;
            }
            Some(code) => countries_involved.push(code),
            None => ok = false,
        }
    }

    let suspected = counts_by_sex(c, &at(p, "persons_suspected"), m.persons_suspected.as_ref());
    let prosecuted = counts_by_sex(
        c,
        &at(p, "persons_prosecuted"),
        m.persons_prosecuted.as_ref(),
    );
    let convicted = counts_by_sex(c, &at(p, "persons_convicted"), m.persons_convicted.as_ref());
    let pairs = [
        (
            "persons_prosecuted",
            prosecuted,
            "persons_suspected",
            suspected,
        ),
        (
            "persons_convicted",
            convicted,
            "persons_prosecuted",
            prosecuted,
        ),
    ];
    for (name, later, earlier_name, earlier) in pairs {
        match (later, earlier) {
            (Some(Some(later)), Some(Some(earlier))) if later.total() > earlier.total() => {
                c.push(
                    at(p, name),
                    later.total().to_string(),
                    format!("more persons than {earlier_name} ({})", earlier.total()),
                );
                ok = false;
            }
            _ => {}
        }
    }

    let proceedings_field = at(p, "proceedings");
    ok &= c.at_most(
        proceedings_field.clone(),
        m.proceedings.len(),
        MAX_PROCEEDINGS,
    );
    let mut proceedings = Vec::with_capacity(m.proceedings.len());
    let mut last_stage: Option<Stage> = None;
    for (i, pr) in m.proceedings.iter().enumerate() {
        let pp = format!("{proceedings_field}[{i}]");
        let stage = Stage::from_wire(pr.stage);
        match (last_stage, stage) {
            (Some(last), Some(stage)) if stage < last => {
                c.push(
                    at(&pp, "stage"),
                    Stage::wire_name(pr.stage),
                    format!("out of order: follows {}", Stage::wire_name(last.to_wire())),
                );
                ok = false;
            }
            _ => {}
        }
        last_stage = stage.or(last_stage);
        match proceeding(c, &pp, pr) {
            Some(pr) => proceedings.push(pr),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    Some(CriminalJusticeCase {
        case_ref: case_ref?,
        offences: offences?,
        iccs: iccs?,
        aggravations: aggravations?,
        benefit: benefit?,
        humanitarian_motive_claimed: humanitarian_motive_claimed?,
        trafficking_charged: m.trafficking_charged,
        countries_involved,
        persons_suspected: suspected?,
        persons_prosecuted: prosecuted?,
        persons_convicted: convicted?,
        proceedings,
    })
}

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

impl From<&RouteLeg> for pb::RouteLeg {
    fn from(l: &RouteLeg) -> Self {
        pb::RouteLeg {
            from_country: l.from_country.as_str().to_owned(),
            to_country: l.to_country.as_str().to_owned(),
            transport_mode: l.transport_mode.to_wire(),
        }
    }
}

impl From<&PersonGroup> for pb::PersonGroup {
    fn from(g: &PersonGroup) -> Self {
        pb::PersonGroup {
            citizenship: g.citizenship.as_str().to_owned(),
            sex: g.sex.to_wire(),
            age_band: g.age_band.to_wire(),
            count: g.count,
        }
    }
}

impl From<&MovementEvent> for pb::MovementEvent {
    fn from(m: &MovementEvent) -> Self {
        pb::MovementEvent {
            detected_on: m.detected_on.to_string(),
            place_type: m.place_type.to_wire(),
            direction: m.direction.to_wire(),
            method: m.method.to_wire(),
            sub_method: m.sub_method.to_wire(),
            route: m.route.iter().map(Into::into).collect(),
            persons: m.persons.iter().map(Into::into).collect(),
            unaccompanied_minors: m.unaccompanied_minors,
            deaths: m.deaths,
            injuries: m.injuries,
            smuggling_involved: m.smuggling_involved.to_wire(),
            aggravating: wire_list(&m.aggravating),
        }
    }
}

impl From<&SmugglerProfile> for pb::SmugglerProfile {
    fn from(m: &SmugglerProfile) -> Self {
        pb::SmugglerProfile {
            sex: m.sex.to_wire(),
            age_band: m.age_band.to_wire(),
            citizenship: m.citizenship.as_str().to_owned(),
            roles: wire_list(&m.roles),
            also_migrant: m.also_migrant.to_wire(),
            organised_group: m.organised_group.to_wire(),
            linked_event: m.linked_event.map(|id| id.to_string()).unwrap_or_default(),
        }
    }
}

impl From<&FeeObservation> for pb::FeeObservation {
    fn from(m: &FeeObservation) -> Self {
        pb::FeeObservation {
            route: m.route.iter().map(Into::into).collect(),
            amount: m.amount,
            currency: m.currency.as_str().to_owned(),
            basis: m.basis.to_wire(),
            payment_mode: m.payment_mode.to_wire(),
            observed_on: m.observed_on.to_string(),
        }
    }
}

impl From<&DocumentFraudEvent> for pb::DocumentFraudEvent {
    fn from(m: &DocumentFraudEvent) -> Self {
        pb::DocumentFraudEvent {
            detected_on: m.detected_on.to_string(),
            document_type: m.document_type.to_wire(),
            issuing_country: m.issuing_country.as_str().to_owned(),
            fraud_type: m.fraud_type.to_wire(),
            purpose: m.purpose.to_wire(),
            holder_citizenship: m.holder_citizenship.as_str().to_owned(),
            count: m.count,
        }
    }
}

impl From<&CountsBySex> for pb::CountsBySex {
    fn from(m: &CountsBySex) -> Self {
        pb::CountsBySex {
            female: m.female,
            male: m.male,
            unknown: m.unknown,
        }
    }
}

impl From<&Fine> for pb::Fine {
    fn from(m: &Fine) -> Self {
        pb::Fine {
            amount: m.amount,
            currency: m.currency.as_str().to_owned(),
        }
    }
}

impl From<&Proceeding> for pb::Proceeding {
    fn from(m: &Proceeding) -> Self {
        pb::Proceeding {
            stage: m.stage.to_wire(),
            decided_on: m.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            outcome: m.outcome.to_wire(),
            sentence_months: m.sentence_months,
            fine: m.fine.as_ref().map(Into::into),
        }
    }
}

impl From<&CriminalJusticeCase> for pb::CriminalJusticeCase {
    fn from(m: &CriminalJusticeCase) -> Self {
        pb::CriminalJusticeCase {
            case_ref: m.case_ref.clone(),
            offences: wire_list(&m.offences),
            iccs: m.iccs.to_wire(),
            aggravations: wire_list(&m.aggravations),
            benefit: m.benefit.to_wire(),
            humanitarian_motive_claimed: m.humanitarian_motive_claimed.to_wire(),
            trafficking_charged: m.trafficking_charged,
            countries_involved: m
                .countries_involved
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            persons_suspected: m.persons_suspected.as_ref().map(Into::into),
            persons_prosecuted: m.persons_prosecuted.as_ref().map(Into::into),
            persons_convicted: m.persons_convicted.as_ref().map(Into::into),
            proceedings: m.proceedings.iter().map(Into::into).collect(),
        }
    }
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

pub use release_wire::{MAX_RELEASE_BYTES, decode_release, encode_release};

mod release_wire;

#[cfg(test)]
mod tests {
    use super::*;

    /// Domain discriminants are the protobuf numbers, and every domain value maps to
    /// the wire and back.
    fn agrees<E: WireEnum + std::fmt::Debug>(all: &[E], as_i32: impl Fn(E) -> i32) {
        for &v in all {
            assert_eq!(v.to_wire(), as_i32(v), "{v:?}");
            assert_eq!(E::from_wire(v.to_wire()), Some(v));
        }
        assert_eq!(E::from_wire(0), None);
        assert_eq!(E::from_wire(all.len() as i32 + 1), None);
    }

    #[test]
    fn enums_agree_with_the_wire() {
        agrees(ReportStatus::ALL, |v| v as i32);
        agrees(Agency::ALL, |v| v as i32);
        agrees(Sex::ALL, |v| v as i32);
        agrees(AgeBand::ALL, |v| v as i32);
        agrees(Ternary::ALL, |v| v as i32);
        agrees(PlaceType::ALL, |v| v as i32);
        agrees(Direction::ALL, |v| v as i32);
        agrees(Method::ALL, |v| v as i32);
        agrees(SubMethod::ALL, |v| v as i32);
        agrees(TransportMode::ALL, |v| v as i32);
        agrees(Aggravation::ALL, |v| v as i32);
        agrees(SmugglerRole::ALL, |v| v as i32);
        agrees(FeeBasis::ALL, |v| v as i32);
        agrees(PaymentMode::ALL, |v| v as i32);
        agrees(DocumentType::ALL, |v| v as i32);
        agrees(FraudType::ALL, |v| v as i32);
        agrees(Purpose::ALL, |v| v as i32);
        agrees(Offence::ALL, |v| v as i32);
        agrees(IccsCode::ALL, |v| v as i32);
        agrees(Benefit::ALL, |v| v as i32);
        agrees(Stage::ALL, |v| v as i32);
        agrees(Outcome::ALL, |v| v as i32);
    }
}
