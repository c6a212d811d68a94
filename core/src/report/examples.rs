//! Realistic valid example reports, for tests, benchmarks and the demo.
//!
//! Every example is valid for any reporting State (routes avoid the State where needed)
//! with `today` on or after `ExampleParams::day` plus one day.

use super::*;

/// Resolves a code written in this module at compile time.
const fn iso3(code: &str) -> Iso3 {
    match Iso3::new(code) {
        Some(c) => c,
        None => panic!("unknown country code in examples"),
    }
}

const fn currency(code: &str) -> Currency {
    match Currency::new(code) {
        Some(c) => c,
        None => panic!("unknown currency code in examples"),
    }
}

/// Greece, the default reporting State of the examples.
pub const GRC: Iso3 = iso3("GRC");
/// The default observed day of the examples, 2026-03-02.
pub const DAY: Date = match Date::new(2026, 3, 2) {
    Some(d) => d,
    None => panic!("bad example date"),
};

/// Who reports what, and when, in an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleParams {
    /// Reporting State.
    pub state: Iso3,
    /// Focal point id.
    pub focal_point_id: String,
    /// Signing key id.
    pub key_id: String,
    /// Report id.
    pub report_id: ReportId,
    /// Observed day (the end of the period, for a case); submitted the next morning.
    pub day: Date,
}

impl Default for ExampleParams {
    fn default() -> Self {
        ExampleParams {
            state: GRC,
            focal_point_id: "hcg-piraeus-01".to_owned(),
            key_id: "hcg-piraeus-01-k1".to_owned(),
            report_id: report_id(1),
            day: DAY,
        }
    }
}

impl ExampleParams {
    /// Parameters for `state`, `focal_point_id` (also used to name the key) and
    /// `report_id`, on the default day.
    pub fn new(state: Iso3, focal_point_id: &str, report_id: ReportId) -> Self {
        ExampleParams {
            state,
            focal_point_id: focal_point_id.to_owned(),
            key_id: format!("{focal_point_id}-k1"),
            report_id,
            day: DAY,
        }
    }

    /// The same parameters on another observed day.
    pub fn on(mut self, day: Date) -> Self {
        self.day = day;
        self
    }
}

/// A deterministic version-4-shaped report id numbered `n`
/// (`00000000-0000-4000-8000-00000000000n` for small `n`; `n = 0` gives the id of 1
/// with the variant bits only, so it is never nil).
pub fn report_id(n: u64) -> ReportId {
    let mut b = [0u8; 16];
    b[8..16].copy_from_slice(&n.to_be_bytes());
    b[6] = 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    ReportId::new_v4(b)
}

/// The first two of `candidates` that are not `state`.
fn two_others(state: Iso3, candidates: [&str; 3]) -> (Iso3, Iso3) {
    let mut it = candidates
        .into_iter()
        .filter_map(Iso3::new)
        .filter(move |c| *c != state);
    let a = it.next().unwrap_or(GRC);
    let b = it.next().unwrap_or(GRC);
    (a, b)
}

fn submitted(day: Date) -> Timestamp {
    Timestamp::utc(day.add_days(1).unwrap_or(day), 7, 15, 0)
}

fn envelope(p: &ExampleParams, agency: Agency, observed: Observed, body: Body) -> Report {
    Report {
        report_id: p.report_id,
        version: 1,
        supersedes: None,
        reporting_state: p.state,
        agency,
        focal_point_id: p.focal_point_id.clone(),
        key_id: p.key_id.clone(),
        observed,
        submitted_at: submitted(p.day),
        body: Some(body),
    }
}

fn leg(from: Iso3, to: Iso3, mode: TransportMode) -> RouteLeg {
    RouteLeg {
        from_country: from,
        to_country: to,
        transport_mode: mode,
    }
}

/// A boat landing: 41 persons from two countries, by land then sea into the State.
pub fn example_movement(p: &ExampleParams) -> Report {
    let (origin, transit) = two_others(p.state, ["AFG", "TUR", "SYR"]);
    let syr = if p.state == iso3("SYR") {
        iso3("IRQ")
    } else {
        iso3("SYR")
    };
    let group = |citizenship, sex, age_band, count| PersonGroup {
        citizenship,
        sex,
        age_band,
        count,
    };
    let body = Body::Movement(MovementEvent {
        detected_on: p.day,
        place_type: PlaceType::Sea,
        direction: Direction::Entry,
        method: Method::Sea,
        sub_method: SubMethod::SmallBoat,
        route: vec![
            leg(origin, transit, TransportMode::Land),
            leg(transit, p.state, TransportMode::Sea),
        ],
        persons: vec![
            group(origin, Sex::Male, AgeBand::From18To29, 19),
            group(origin, Sex::Female, AgeBand::From18To29, 6),
            group(origin, Sex::Male, AgeBand::Under18, 5),
            group(syr, Sex::Male, AgeBand::From30To44, 8),
            group(syr, Sex::Female, AgeBand::Under18, 3),
        ],
        unaccompanied_minors: 4,
        deaths: 0,
        injuries: 2,
        smuggling_involved: Ternary::Yes,
        aggravating: vec![Aggravation::EndangeringLife],
    });
    envelope(p, Agency::CoastGuard, Observed::Day(p.day), body)
}

/// The boat pilot of the movement above, a member of an organised group.
pub fn example_smuggler(p: &ExampleParams) -> Report {
    let (citizenship, _) = two_others(p.state, ["TUR", "EGY", "LBY"]);
    let body = Body::Smuggler(SmugglerProfile {
        sex: Sex::Male,
        age_band: AgeBand::From30To44,
        citizenship,
        roles: vec![SmugglerRole::BoatPilot, SmugglerRole::Transporter],
        also_migrant: Ternary::No,
        organised_group: Ternary::Yes,
        linked_event: None,
    });
    envelope(p, Agency::CoastGuard, Observed::Day(p.day), body)
}

/// EUR 4,500 per person, upfront, for a three-leg journey ending in the State.
pub fn example_fee(p: &ExampleParams) -> Report {
    let (origin, transit) = two_others(p.state, ["AFG", "IRN", "TUR"]);
    let last = if transit == iso3("IRN") {
        // Route AFG -> IRN -> TUR -> State, unless the State is TUR.
        two_others(p.state, ["TUR", "IRQ", "ARM"]).0
    } else {
        two_others(p.state, ["BGR", "SRB", "MKD"]).0
    };
    let body = Body::Fee(FeeObservation {
        route: vec![
            leg(origin, transit, TransportMode::Land),
            leg(transit, last, TransportMode::Land),
            leg(last, p.state, TransportMode::Sea),
        ],
        amount: 450_000,
        currency: currency("EUR"),
        basis: FeeBasis::PerPerson,
        payment_mode: PaymentMode::Upfront,
        observed_on: p.day,
    });
    envelope(p, Agency::Police, Observed::Day(p.day), body)
}

/// Three counterfeit passports detected at an airport.
pub fn example_document(p: &ExampleParams) -> Report {
    let (issuer, holder) = two_others(p.state, ["BEL", "SYR", "IRQ"]);
    let body = Body::Document(DocumentFraudEvent {
        detected_on: p.day,
        document_type: DocumentType::Passport,
        issuing_country: issuer,
        fraud_type: FraudType::CounterfeitOrAltered,
        purpose: Purpose::Entry,
        holder_citizenship: holder,
        count: 3,
    });
    envelope(p, Agency::BorderPolice, Observed::Day(p.day), body)
}

/// A smuggling case over the two months before the day: one conviction at first
/// instance, appeal pending.
pub fn example_case(p: &ExampleParams) -> Report {
    let start = p.day.add_days(-59).unwrap_or(p.day);
    let decided = p.day.add_days(-10).unwrap_or(p.day);
    let (other, _) = two_others(p.state, ["TUR", "EGY", "LBY"]);
    let body = Body::Case(CriminalJusticeCase {
        case_ref: "c-2026.0042".to_owned(),
        offences: vec![Offence::Smuggling, Offence::AttemptOrOrganising],
        iccs: IccsCode::SmugglingOfMigrants,
        aggravations: vec![Aggravation::EndangeringLife],
        benefit: Benefit::Financial,
        humanitarian_motive_claimed: Ternary::No,
        trafficking_charged: false,
        countries_involved: vec![other, p.state],
        persons_suspected: Some(CountsBySex {
            female: 1,
            male: 3,
            unknown: 0,
        }),
        persons_prosecuted: Some(CountsBySex {
            female: 0,
            male: 2,
            unknown: 0,
        }),
        persons_convicted: Some(CountsBySex {
            female: 0,
            male: 1,
            unknown: 0,
        }),
        proceedings: vec![
            Proceeding {
                stage: Stage::FirstInstance,
                decided_on: Some(decided),
                outcome: Outcome::Convicted,
                sentence_months: 48,
                fine: Some(Fine {
                    amount: 2_000_000,
                    currency: currency("EUR"),
                }),
            },
            Proceeding {
                stage: Stage::Appeal,
                decided_on: None,
                outcome: Outcome::Pending,
                sentence_months: 0,
                fine: None,
            },
        ],
    });
    let observed = Observed::Period { start, end: p.day };
    envelope(p, Agency::Prosecution, observed, body)
}

/// The example of `record_type`.
pub fn example(record_type: RecordType, p: &ExampleParams) -> Report {
    match record_type {
        RecordType::Movement => example_movement(p),
        RecordType::Smuggler => example_smuggler(p),
        RecordType::Fee => example_fee(p),
        RecordType::Document => example_document(p),
        RecordType::Case => example_case(p),
    }
}

/// The next version of `previous`, with the same body: `supersedes` is the digest
/// of `previous`'s envelope bytes.
pub fn example_amendment(previous: &Report, supersedes: Hash) -> Report {
    Report {
        version: previous.version.saturating_add(1),
        supersedes: Some(supersedes),
        ..previous.clone()
    }
}

/// A retraction of `previous`: next version, no body.
pub fn example_retraction(previous: &Report, supersedes: Hash) -> Report {
    Report {
        body: None,
        ..example_amendment(previous, supersedes)
    }
}
