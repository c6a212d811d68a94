//! The five record types and their parts, each beside its example: a field added to a
//! record is added here (the struct and its example), in `report.proto`, and in
//! `core::wire::records` (both directions), and nowhere else.

use super::*;

/// One leg of a route, between two different countries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteLeg {
    /// Country the leg starts in.
    pub from_country: Iso3,
    /// Country the leg ends in.
    pub to_country: Iso3,
    /// How the leg was travelled.
    pub transport_mode: TransportMode,
}

/// A group of persons sharing citizenship, sex and age band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PersonGroup {
    /// Citizenship.
    pub citizenship: Iso3,
    /// Sex.
    pub sex: Sex,
    /// Age band.
    pub age_band: AgeBand,
    /// Number of persons (1 to 10,000).
    pub count: u32,
}

/// A detected irregular movement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MovementEvent {
    /// Day of detection.
    pub detected_on: Date,
    /// Where it was detected.
    pub place_type: PlaceType,
    /// Direction relative to the reporting State.
    pub direction: Direction,
    /// Main method.
    pub method: Method,
    /// Sub-method, consistent with `method`.
    pub sub_method: SubMethod,
    /// Ordered legs; each starts where the previous one ended (may be empty if unknown).
    pub route: Vec<RouteLeg>,
    /// Persons detected, in groups.
    pub persons: Vec<PersonGroup>,
    /// Unaccompanied minors among the persons (at most those under 18).
    pub unaccompanied_minors: u32,
    /// Deaths during the movement.
    pub deaths: u32,
    /// Injuries during the movement.
    pub injuries: u32,
    /// Whether smuggling was involved.
    pub smuggling_involved: Ternary,
    /// Aggravating circumstances observed (no duplicates).
    pub aggravating: Vec<Aggravation>,
}

impl MovementEvent {
    /// Total persons over all groups.
    pub fn total_persons(&self) -> u64 {
        self.persons.iter().map(|g| u64::from(g.count)).sum()
    }

    /// Persons in groups of age band [`AgeBand::Under18`].
    pub fn minors(&self) -> u64 {
        self.persons
            .iter()
            .filter(|g| g.age_band == AgeBand::Under18)
            .map(|g| u64::from(g.count))
            .sum()
    }

    /// Country of origin: where the first leg starts (`None` if the route is unknown).
    pub fn origin(&self) -> Option<Iso3> {
        self.route.first().map(|l| l.from_country)
    }

    /// Country of destination: where the last leg ends (`None` if the route is unknown).
    pub fn destination(&self) -> Option<Iso3> {
        self.route.last().map(|l| l.to_country)
    }
}

/// A suspected smuggler, non-nominal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmugglerProfile {
    /// Sex.
    pub sex: Sex,
    /// Age band.
    pub age_band: AgeBand,
    /// Citizenship.
    pub citizenship: Iso3,
    /// Roles played (at least one, no duplicates).
    pub roles: Vec<SmugglerRole>,
    /// Whether the smuggler was also a migrant on the movement.
    pub also_migrant: Ternary,
    /// Whether the smuggler acted within an organised criminal group.
    pub organised_group: Ternary,
    /// Report id of a movement event of the same State, if linked.
    pub linked_event: Option<ReportId>,
}

/// A price paid for smuggling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeeObservation {
    /// Route the fee covers (at least one leg, chained).
    pub route: Vec<RouteLeg>,
    /// Amount in minor units of `currency` (1 to 10^12).
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// What the amount pays for.
    pub basis: FeeBasis,
    /// How it was paid.
    pub payment_mode: PaymentMode,
    /// Day the fee was observed.
    pub observed_on: Date,
}

impl FeeObservation {
    /// Where the first leg starts (`None` only for an invalid empty route).
    pub fn origin(&self) -> Option<Iso3> {
        self.route.first().map(|l| l.from_country)
    }

    /// Where the last leg ends (`None` only for an invalid empty route).
    pub fn destination(&self) -> Option<Iso3> {
        self.route.last().map(|l| l.to_country)
    }
}

/// Fraudulent travel or identity documents (art. 3(c), 6(1)(b)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentFraudEvent {
    /// Day of detection.
    pub detected_on: Date,
    /// Type of document.
    pub document_type: DocumentType,
    /// The (purported) issuing country.
    pub issuing_country: Iso3,
    /// Kind of fraud.
    pub fraud_type: FraudType,
    /// What the document was used for.
    pub purpose: Purpose,
    /// Citizenship of the holder.
    pub holder_citizenship: Iso3,
    /// Number of documents (1 to 10,000).
    pub count: u32,
}

/// Counts of persons by sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CountsBySex {
    /// Women.
    pub female: u32,
    /// Men.
    pub male: u32,
    /// Sex unknown.
    pub unknown: u32,
}

impl CountsBySex {
    /// Sum over the three sexes.
    pub fn total(&self) -> u64 {
        u64::from(self.female) + u64::from(self.male) + u64::from(self.unknown)
    }

    /// The count for `sex`.
    pub fn get(&self, sex: Sex) -> u32 {
        match sex {
            Sex::Female => self.female,
            Sex::Male => self.male,
            Sex::Unknown => self.unknown,
        }
    }
}

/// A fine imposed, in minor units of a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fine {
    /// Amount in minor units (1 to 10^12).
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
}

/// One stage of proceedings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Proceeding {
    /// Stage.
    pub stage: Stage,
    /// Day of the decision (`None` while pending, required otherwise).
    pub decided_on: Option<Date>,
    /// Outcome.
    pub outcome: Outcome,
    /// Custodial sentence in months, 0 for none (convictions only; at most 600).
    pub sentence_months: u32,
    /// Fine imposed (convictions only).
    pub fine: Option<Fine>,
}

/// An investigation or prosecution of smuggling of migrants.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CriminalJusticeCase {
    /// Opaque case reference (1 to 64 characters of `[A-Za-z0-9._-]`).
    pub case_ref: String,
    /// Offences (at least one, no duplicates).
    pub offences: Vec<Offence>,
    /// ICCS classification.
    pub iccs: IccsCode,
    /// Aggravating circumstances (no duplicates).
    pub aggravations: Vec<Aggravation>,
    /// Benefit obtained.
    pub benefit: Benefit,
    /// Whether a humanitarian motive was claimed.
    pub humanitarian_motive_claimed: Ternary,
    /// Whether trafficking in persons was charged alongside (true when `iccs` is 0204).
    pub trafficking_charged: bool,
    /// Countries involved (no duplicates).
    pub countries_involved: Vec<Iso3>,
    /// Persons suspected, by sex (if reported).
    pub persons_suspected: Option<CountsBySex>,
    /// Persons prosecuted, by sex (if reported).
    pub persons_prosecuted: Option<CountsBySex>,
    /// Persons convicted, by sex (if reported).
    pub persons_convicted: Option<CountsBySex>,
    /// Stages of proceedings, in order.
    pub proceedings: Vec<Proceeding>,
}

#[doc(hidden)]
pub mod examples {
    //! Realistic valid example reports, for tests, benchmarks and the demo.
    //!
    //! Every example is valid for any reporting State (routes avoid the State where needed)
    //! with `today` on or after `ExampleParams::day` plus one day.

    use super::super::*;

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
}
