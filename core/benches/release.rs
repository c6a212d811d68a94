//! Release benchmark, for the requirement "with 1,000,000 reports in a node: computing,
//! auditing and signing the release of one period, all seven tables, in under 5 s".
//!
//! In the node the tables of a period are maintained incrementally as reports arrive, so
//! a release is built from the in-memory [`Tables`] (O(cells)), encoded, signed as DSSE
//! and stored. Outside every timed loop this builds the tables of one period (2026-M03)
//! from 1,000,000 varied, valid report versions of one State (all five record types in
//! realistic proportions, codes drawn with a fixed-seed generator, skewed towards the
//! main routes and nationalities with a long tail, so that the grids hold many non-zero
//! and many small cells); every report is validated before it is counted.
//!
//! Timed:
//! * `release/period_all_tables/threshold_k5_audited`: `build_period` under the
//!   threshold policy (k = 5) for every table, audited as one system (primary and
//!   secondary suppression, every withheld value's witnesses), then `sign_release` (which
//!   serialises with `encode_release` and signs the bytes as DSSE) and the stored form
//!   (`Envelope::to_entry_bytes`) of each: one iteration is the whole release of the
//!   period;
//! * `release/threshold_k5/<TABLE>`: one table, built and audited alone;
//! * `release/noise_eps1/<TABLE>_delta<Δ>`: the noise policy (ε = 1, Δ from the caps,
//!   display bound k = 5) for PERSONS and MOVEMENTS, on tables built with the caps;
//! * `incremental/*`: what the node does per submission, `contributions` and
//!   `Tables::apply` of one report version into the 1,000,000-report tables (ns/report).
//!
//! Cells per table and release sizes are printed before the timings.
//! Run: `cargo bench -p vrs-core --bench release`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use vrs_core::aggregate::{Caps, Period, Sign, TableId, Tables, contributions};
use vrs_core::codes::{CODE_LIST_VERSION, COUNTRIES, CURRENCIES};
use vrs_core::disclosure::{ConfStatus, Epsilon, NoiseParams, Policy, SystemRng};
use vrs_core::envelope::SigningKey;
use vrs_core::note::{Checkpoint, NoteSigner, sign_checkpoint};
use vrs_core::release::{
    PeriodReleases, Release, ReleaseCheckpoint, ReleaseMeta, build_noise, build_period,
    build_threshold, sign_release,
};
use vrs_core::report::examples::{ExampleParams, example, report_id};
use vrs_core::report::{
    AgeBand, Agency, Aggravation, Benefit, Body, CountsBySex, Currency, Date, Direction,
    DocumentType, FeeBasis, Fine, FraudType, IccsCode, Iso3, Method, Observed, Offence, Outcome,
    PaymentMode, PersonGroup, PlaceType, Proceeding, Purpose, RecordType, Report, RouteLeg, Sex,
    SmugglerRole, Stage, SubMethod, Ternary, Timestamp, TransportMode,
};

/// Report versions in the period.
const REPORTS: u64 = 1_000_000;

/// Report versions in the period: [`REPORTS`], or `VRS_BENCH_REPORTS` for a quicker run.
fn reports() -> u64 {
    std::env::var("VRS_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(REPORTS)
}
/// Threshold k of the threshold policy.
const K: u32 = 5;
/// Persons cap of the noise variant (Δ of PERSONS; MOVEMENTS has Δ = cap + 1).
const PERSONS_CAP: u32 = 50;
/// Seed of the report generator.
const SEED: u64 = 0x5eed_2026_0301;

// ---------------------------------------------------------------------------------------
// A small deterministic generator (SplitMix64): no dependency, same data every run.
// ---------------------------------------------------------------------------------------

struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index of `0..n` skewed towards 0 (the head of a list ordered by frequency).
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u * n as f64) as usize).min(n - 1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for &(item, w) in items {
            if x < w {
                return item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------------------------------
// Code pools
// ---------------------------------------------------------------------------------------

fn iso3(code: &str) -> Iso3 {
    Iso3::new(code).expect("country code")
}

fn iso3s(codes: &[&str]) -> Vec<Iso3> {
    codes.iter().map(|c| iso3(c)).collect()
}

/// Country and currency lists, each ordered by how often it appears.
struct Pools {
    state: Iso3,
    all: Vec<Iso3>,
    origins: Vec<Iso3>,
    transits: Vec<Iso3>,
    destinations: Vec<Iso3>,
    smugglers: Vec<Iso3>,
    issuers: Vec<Iso3>,
    currencies: Vec<Currency>,
    all_currencies: Vec<Currency>,
}

impl Pools {
    fn new(state: Iso3) -> Pools {
        let all: Vec<Iso3> = COUNTRIES.iter().map(|c| iso3(c.alpha3)).collect();
        Pools {
            state,
            origins: iso3s(&[
                "SYR", "AFG", "IRQ", "PAK", "BGD", "EGY", "MAR", "TUN", "DZA", "ERI", "SDN", "SOM",
                "IRN", "TUR", "GIN", "CIV", "MLI", "SEN", "GMB", "NGA", "PSE", "YEM", "ETH", "CMR",
                "COD", "LBY", "IND", "LKA", "NPL", "VNM", "CHN", "GEO", "ALB", "UKR", "COL", "VEN",
                "HTI", "BFA", "NER", "TCD",
            ]),
            transits: iso3s(&[
                "TUR", "LBY", "SRB", "MKD", "BGR", "ALB", "IRN", "EGY", "TUN", "BIH", "HUN", "MAR",
                "NER", "SDN", "MNE", "ROU", "BLR", "RUS", "ARE", "QAT", "CYP", "ITA",
            ]),
            destinations: iso3s(&[
                "DEU", "FRA", "ITA", "AUT", "NLD", "BEL", "SWE", "GBR", "ESP", "CHE", "DNK", "NOR",
                "FIN", "IRL", "POL", "CZE", "HUN", "ROU", "BGR", "HRV", "SVN", "LUX", "PRT", "MLT",
                "CYP", "TUR",
            ]),
            smugglers: iso3s(&[
                "TUR", "EGY", "LBY", "SYR", "AFG", "PAK", "ALB", "SRB", "BGR", "GRC", "ROU", "UKR",
                "GEO", "IRQ", "MAR", "NGA", "TUN", "DZA", "MKD", "IRN", "BGD",
            ]),
            issuers: iso3s(&[
                "GRC", "ITA", "FRA", "DEU", "ESP", "BEL", "BGR", "ROU", "POL", "PRT", "SWE", "NLD",
                "GBR", "USA", "CAN", "TUR", "SYR", "IRQ", "AFG", "PAK", "MAR", "EGY", "ISR", "JPN",
                "KOR", "CHE", "AUT", "LTU", "LVA", "CZE", "SVK", "MLT", "CYP",
            ]),
            currencies: [
                "EUR", "USD", "TRY", "GBP", "LYD", "EGP", "PKR", "AFN", "IRR", "IQD",
            ]
            .into_iter()
            .chain([
                "SYP", "MAD", "DZD", "XOF", "NGN", "BGN", "RSD", "ALL", "TND", "AED",
            ])
            .filter_map(Currency::new)
            .collect(),
            all_currencies: CURRENCIES
                .iter()
                .filter_map(|c| Currency::new(c.code))
                .collect(),
            all,
        }
    }

    /// A country of `pool` (skewed) with probability `percent`, otherwise any country.
    fn country(&self, g: &mut Gen, pool: &[Iso3], percent: u64) -> Iso3 {
        if g.chance(percent) {
            pool[g.skewed(pool.len())]
        } else {
            g.pick(&self.all)
        }
    }

    /// A country other than `not`.
    fn country_not(&self, g: &mut Gen, pool: &[Iso3], percent: u64, not: &[Iso3]) -> Iso3 {
        loop {
            let c = self.country(g, pool, percent);
            if !not.contains(&c) {
                return c;
            }
        }
    }

    fn currency(&self, g: &mut Gen) -> Currency {
        if g.chance(95) {
            self.currencies[g.skewed(self.currencies.len())]
        } else {
            g.pick(&self.all_currencies)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Report generator
// ---------------------------------------------------------------------------------------

const FOCAL_POINTS: [&str; 6] = [
    "hcg-piraeus-01",
    "hcg-lesvos-02",
    "hp-evros-01",
    "hp-athens-03",
    "ath-airport-01",
    "prosecution-01",
];

/// A route through `points` (consecutive duplicates dropped), one mode per leg.
fn route(g: &mut Gen, points: &[Iso3], mode: TransportMode) -> Vec<RouteLeg> {
    let mut pts: Vec<Iso3> = Vec::with_capacity(points.len());
    for &p in points {
        if pts.last() != Some(&p) {
            pts.push(p);
        }
    }
    let n = pts.len().saturating_sub(1);
    pts.windows(2)
        .enumerate()
        .map(|(i, w)| RouteLeg {
            from_country: w[0],
            to_country: w[1],
            // The last leg uses the event's mode; earlier ones vary.
            transport_mode: if i + 1 == n {
                mode
            } else {
                g.weighted(&[
                    (TransportMode::Land, 60),
                    (TransportMode::Sea, 15),
                    (TransportMode::Air, 15),
                    (TransportMode::Unknown, 10),
                ])
            },
        })
        .collect()
}

/// Points of a smuggling route: an origin, 0 to `max_transits` transit countries, then
/// the reporting State and/or a destination, depending on `direction`.
fn route_points(g: &mut Gen, pools: &Pools, direction: Direction, max_transits: u64) -> Vec<Iso3> {
    let state = pools.state;
    let mut pts = vec![pools.country_not(g, &pools.origins, 85, &[state])];
    for _ in 0..g.range(0, max_transits) {
        let c = pools.country_not(g, &pools.transits, 85, &[state]);
        pts.push(c);
    }
    match direction {
        Direction::Entry | Direction::Stay => pts.push(state),
        Direction::Exit | Direction::Transit => {
            pts.push(state);
            pts.push(pools.country_not(g, &pools.destinations, 85, &[state]));
        }
    }
    if pts.len() == 2 && pts[0] == pts[1] {
        pts.pop();
    }
    pts
}

fn sex(g: &mut Gen, f: u64, m: u64, u: u64) -> Sex {
    g.weighted(&[(Sex::Female, f), (Sex::Male, m), (Sex::Unknown, u)])
}

fn age_band(g: &mut Gen) -> AgeBand {
    g.weighted(&[
        (AgeBand::Under18, 20),
        (AgeBand::From18To29, 40),
        (AgeBand::From30To44, 24),
        (AgeBand::From45To59, 8),
        (AgeBand::From60, 2),
        (AgeBand::Unknown, 6),
    ])
}

fn ternary(g: &mut Gen) -> Ternary {
    g.weighted(&[
        (Ternary::Yes, 60),
        (Ternary::No, 25),
        (Ternary::Unknown, 15),
    ])
}

fn aggravations(g: &mut Gen, percent: u64) -> Vec<Aggravation> {
    let mut out = Vec::new();
    if g.chance(percent) {
        out.push(Aggravation::EndangeringLife);
    }
    if g.chance(percent / 3) {
        out.push(Aggravation::InhumanTreatment);
    }
    out
}

fn movement(g: &mut Gen, pools: &Pools, r: &mut Report) {
    let Some(Body::Movement(m)) = r.body.as_mut() else {
        unreachable!("movement example")
    };
    m.method = g.weighted(&[(Method::Sea, 45), (Method::Land, 45), (Method::Air, 10)]);
    let (subs, place, mode): (&[SubMethod], &[PlaceType], TransportMode) = match m.method {
        Method::Sea => (
            &[
                SubMethod::SmallBoat,
                SubMethod::SmallBoat,
                SubMethod::LargeVessel,
                SubMethod::ConcealedOnVessel,
            ],
            &[
                PlaceType::Sea,
                PlaceType::Sea,
                PlaceType::BorderCrossingPoint,
            ],
            TransportMode::Sea,
        ),
        Method::Land => (
            &[
                SubMethod::OnFoot,
                SubMethod::ConcealedInVehicle,
                SubMethod::InVehicleNotConcealed,
            ],
            &[
                PlaceType::GreenBorder,
                PlaceType::BorderCrossingPoint,
                PlaceType::Inland,
            ],
            TransportMode::Land,
        ),
        Method::Air => (
            &[
                SubMethod::InadequatelyDocumentedAir,
                SubMethod::FraudulentDocumentsAir,
            ],
            &[PlaceType::Airport],
            TransportMode::Air,
        ),
    };
    m.sub_method = if g.chance(3) {
        SubMethod::Other
    } else {
        g.pick(subs)
    };
    m.place_type = g.pick(place);
    m.direction = g.weighted(&[
        (Direction::Entry, 70),
        (Direction::Exit, 10),
        (Direction::Transit, 8),
        (Direction::Stay, 12),
    ]);
    m.route = if g.chance(5) {
        Vec::new()
    } else {
        let pts = route_points(g, pools, m.direction, 2);
        route(g, &pts, mode)
    };
    let first = m.route.first().map_or(pools.origins[0], |l| l.from_country);
    let (max_groups, max_count) = match (m.method, m.sub_method) {
        (Method::Sea, SubMethod::LargeVessel) => (12, 120),
        (Method::Sea, _) => (6, 25),
        (Method::Land, _) => (4, 8),
        (Method::Air, _) => (2, 2),
    };
    let groups = g.range(1, max_groups);
    m.persons = (0..groups)
        .map(|_| PersonGroup {
            citizenship: if g.chance(55) {
                first
            } else {
                pools.country(g, &pools.origins, 92)
            },
            sex: sex(g, 25, 65, 10),
            age_band: age_band(g),
            count: g.range(1, max_count) as u32,
        })
        .collect();
    let total: u64 = m.persons.iter().map(|p| u64::from(p.count)).sum();
    let minors = m.minors();
    m.unaccompanied_minors = g.range(0, minors / 2) as u32;
    m.deaths = if g.chance(2) {
        g.range(1, total.min(5)) as u32
    } else {
        0
    };
    m.injuries = if g.chance(10) {
        g.range(1, total.min(10)) as u32
    } else {
        0
    };
    m.smuggling_involved = ternary(g);
    m.aggravating = aggravations(g, 30);
    r.agency = match m.method {
        Method::Sea => Agency::CoastGuard,
        Method::Land => g.pick(&[Agency::BorderPolice, Agency::Police]),
        Method::Air => g.pick(&[Agency::BorderPolice, Agency::Immigration]),
    };
}

fn smuggler(g: &mut Gen, pools: &Pools, r: &mut Report, n: u64) {
    let Some(Body::Smuggler(s)) = r.body.as_mut() else {
        unreachable!("smuggler example")
    };
    s.sex = sex(g, 10, 85, 5);
    s.age_band = g.weighted(&[
        (AgeBand::Under18, 3),
        (AgeBand::From18To29, 35),
        (AgeBand::From30To44, 40),
        (AgeBand::From45To59, 15),
        (AgeBand::From60, 2),
        (AgeBand::Unknown, 5),
    ]);
    s.citizenship = pools.country(g, &pools.smugglers, 90);
    let roles = [
        (SmugglerRole::Transporter, 30),
        (SmugglerRole::BoatPilot, 20),
        (SmugglerRole::Guide, 15),
        (SmugglerRole::Organiser, 10),
        (SmugglerRole::Recruiter, 6),
        (SmugglerRole::AccommodationProvider, 5),
        (SmugglerRole::DocumentForger, 4),
        (SmugglerRole::MoneyMover, 4),
        (SmugglerRole::Enforcer, 2),
        (SmugglerRole::Financier, 2),
        (SmugglerRole::CorruptOfficial, 1),
        (SmugglerRole::Other, 1),
    ];
    s.roles.clear();
    for _ in 0..g.range(1, 3) {
        let role = g.weighted(&roles);
        if !s.roles.contains(&role) {
            s.roles.push(role);
        }
    }
    s.also_migrant = ternary(g);
    s.organised_group = ternary(g);
    s.linked_event = g.chance(30).then(|| report_id(n + 1 + g.below(1000)));
}

fn fee(g: &mut Gen, pools: &Pools, r: &mut Report) {
    let Some(Body::Fee(f)) = r.body.as_mut() else {
        unreachable!("fee example")
    };
    let direction = g.weighted(&[(Direction::Entry, 75), (Direction::Transit, 25)]);
    let pts = route_points(g, pools, direction, 2);
    let mode = g.weighted(&[
        (TransportMode::Sea, 45),
        (TransportMode::Land, 45),
        (TransportMode::Air, 10),
    ]);
    f.route = route(g, &pts, mode);
    f.currency = pools.currency(g);
    f.basis = g.weighted(&[
        (FeeBasis::PerPerson, 60),
        (FeeBasis::PerLeg, 25),
        (FeeBasis::FullPackage, 15),
    ]);
    // Log-uniform from 100 to 20,000 units, rounded to 50 units (as fees are quoted).
    let units = (100.0 * 200f64.powf(g.unit())) as u64;
    let minor = f
        .currency
        .info()
        .and_then(|c| c.minor_units)
        .map_or(1, |m| 10u64.pow(u32::from(m)));
    f.amount = (units / 50).max(1) * 50 * minor;
    f.payment_mode = g.weighted(&[
        (PaymentMode::Upfront, 40),
        (PaymentMode::ViaThirdParty, 25),
        (PaymentMode::OnArrival, 20),
        (PaymentMode::InKind, 5),
        (PaymentMode::Other, 10),
    ]);
}

fn document(g: &mut Gen, pools: &Pools, r: &mut Report) {
    let Some(Body::Document(d)) = r.body.as_mut() else {
        unreachable!("document example")
    };
    d.document_type = g.weighted(&[
        (DocumentType::Passport, 40),
        (DocumentType::IdCard, 25),
        (DocumentType::Visa, 15),
        (DocumentType::ResidencePermit, 15),
        (DocumentType::Other, 5),
    ]);
    d.fraud_type = g.weighted(&[
        (FraudType::CounterfeitOrAltered, 55),
        (FraudType::Impostor, 30),
        (FraudType::ImproperlyObtained, 15),
    ]);
    d.purpose = g.weighted(&[
        (Purpose::Entry, 55),
        (Purpose::Exit, 30),
        (Purpose::Stay, 15),
    ]);
    d.issuing_country = pools.country(g, &pools.issuers, 90);
    d.holder_citizenship = pools.country(g, &pools.origins, 90);
    d.count = if g.chance(80) {
        1
    } else if g.chance(90) {
        g.range(2, 10) as u32
    } else {
        g.range(11, 60) as u32
    };
    r.agency = g.pick(&[Agency::BorderPolice, Agency::Immigration, Agency::Police]);
}

fn counts(g: &mut Gen, max: u64) -> CountsBySex {
    let total = g.range(1, max);
    let female = g.range(0, total / 3);
    let unknown = if g.chance(10) { g.range(0, 1) } else { 0 };
    CountsBySex {
        female: female as u32,
        male: (total - female) as u32,
        unknown: unknown as u32,
    }
}

/// Counts of at most `of.total()` persons.
fn fewer(g: &mut Gen, of: CountsBySex) -> CountsBySex {
    let shrink = |g: &mut Gen, n: u32| g.range(0, u64::from(n)) as u32;
    CountsBySex {
        female: shrink(g, of.female),
        male: shrink(g, of.male).max(u32::from(of.male > 0)),
        unknown: shrink(g, of.unknown),
    }
}

fn case(g: &mut Gen, pools: &Pools, r: &mut Report, n: u64, day: Date) {
    let Some(Body::Case(c)) = r.body.as_mut() else {
        unreachable!("case example")
    };
    c.case_ref = format!("c-2026.{n:07}");
    c.offences.clear();
    let offences = [
        (Offence::Smuggling, 60),
        (Offence::AttemptOrOrganising, 15),
        (Offence::FraudulentDocument, 15),
        (Offence::EnablingStay, 10),
    ];
    for _ in 0..g.range(1, 2) {
        let o = g.weighted(&offences);
        if !c.offences.contains(&o) {
            c.offences.push(o);
        }
    }
    c.iccs = if c.offences[0] == Offence::FraudulentDocument {
        IccsCode::ForgedEntryDocuments
    } else if g.chance(4) {
        IccsCode::TraffickingInPersons
    } else {
        IccsCode::SmugglingOfMigrants
    };
    c.trafficking_charged = c.iccs == IccsCode::TraffickingInPersons || g.chance(2);
    c.aggravations = aggravations(g, 25);
    c.benefit = g.weighted(&[
        (Benefit::Financial, 75),
        (Benefit::OtherMaterial, 8),
        (Benefit::NoneEstablished, 7),
        (Benefit::Unknown, 10),
    ]);
    c.humanitarian_motive_claimed = g.weighted(&[
        (Ternary::No, 75),
        (Ternary::Yes, 10),
        (Ternary::Unknown, 15),
    ]);
    c.countries_involved = vec![pools.state];
    for _ in 0..g.range(0, 3) {
        let other = pools.country(g, &pools.smugglers, 85);
        if !c.countries_involved.contains(&other) {
            c.countries_involved.push(other);
        }
    }
    // Proceedings up to the stage reached, in stage order.
    let reached = g.weighted(&[
        (None, 15),
        (Some(Stage::Investigation), 30),
        (Some(Stage::Prosecution), 20),
        (Some(Stage::FirstInstance), 25),
        (Some(Stage::Appeal), 10),
    ]);
    let decided = |g: &mut Gen| Some(day.add_days(-(g.range(0, 25) as i64)).unwrap_or(day));
    let pending = |stage| Proceeding {
        stage,
        decided_on: None,
        outcome: Outcome::Pending,
        sentence_months: 0,
        fine: None,
    };
    let currency = pools.currencies[0];
    let verdict = |g: &mut Gen, stage, allow_pending: bool| {
        let outcome = g.weighted(&[
            (Outcome::Pending, if allow_pending { 30 } else { 0 }),
            (Outcome::Convicted, 50),
            (Outcome::Acquitted, 12),
            (Outcome::Dismissed, 8),
        ]);
        match outcome {
            Outcome::Pending => pending(stage),
            Outcome::Convicted => Proceeding {
                stage,
                decided_on: decided(g),
                outcome,
                sentence_months: g.range(0, 120) as u32,
                fine: g.chance(40).then(|| Fine {
                    amount: g.range(10, 500) * 100_000,
                    currency,
                }),
            },
            _ => Proceeding {
                stage,
                decided_on: decided(g),
                outcome,
                sentence_months: 0,
                fine: None,
            },
        }
    };
    c.proceedings = match reached {
        None => Vec::new(),
        Some(s @ (Stage::Investigation | Stage::Prosecution)) => {
            if g.chance(85) {
                vec![pending(s)]
            } else {
                vec![Proceeding {
                    stage: s,
                    decided_on: decided(g),
                    outcome: Outcome::Dismissed,
                    sentence_months: 0,
                    fine: None,
                }]
            }
        }
        Some(Stage::FirstInstance) => vec![verdict(g, Stage::FirstInstance, true)],
        Some(Stage::Appeal) => vec![
            verdict(g, Stage::FirstInstance, false),
            verdict(g, Stage::Appeal, true),
        ],
    };
    let suspected = counts(g, 12);
    let prosecuted = fewer(g, suspected);
    let convicted = fewer(g, prosecuted);
    c.persons_suspected = g.chance(90).then_some(suspected);
    c.persons_prosecuted =
        (reached.is_some_and(|s| s != Stage::Investigation) && g.chance(90)).then_some(prosecuted);
    c.persons_convicted = c
        .proceedings
        .iter()
        .any(|p| p.outcome == Outcome::Convicted)
        .then_some(convicted);
    let start = day.add_days(-(g.range(30, 700) as i64)).unwrap_or(day);
    r.observed = Observed::Period { start, end: day };
}

/// Report version `n`, of one of the five record types in realistic proportions, observed
/// on a day of `period`.
fn report(g: &mut Gen, pools: &Pools, period: &Period, n: u64) -> Report {
    let rt = g.weighted(&[
        (RecordType::Movement, 50),
        (RecordType::Smuggler, 15),
        (RecordType::Fee, 8),
        (RecordType::Document, 18),
        (RecordType::Case, 9),
    ]);
    let days = (period.end().day() - period.start().day()) as u64;
    let day = period
        .start()
        .add_days(g.range(0, days) as i64)
        .expect("day of the period");
    let fp = match rt {
        RecordType::Movement => g.pick(&FOCAL_POINTS[..4]),
        RecordType::Document => g.pick(&FOCAL_POINTS[2..5]),
        RecordType::Case => FOCAL_POINTS[5],
        _ => g.pick(&FOCAL_POINTS[..5]),
    };
    let params = ExampleParams::new(pools.state, fp, report_id(n)).on(day);
    let mut r = example(rt, &params);
    match rt {
        RecordType::Movement => movement(g, pools, &mut r),
        RecordType::Smuggler => smuggler(g, pools, &mut r, n),
        RecordType::Fee => fee(g, pools, &mut r),
        RecordType::Document => document(g, pools, &mut r),
        RecordType::Case => case(g, pools, &mut r, n, day),
    }
    r
}

// ---------------------------------------------------------------------------------------
// The node's state after 1,000,000 reports
// ---------------------------------------------------------------------------------------

struct Fixture {
    period: Period,
    /// Exact tables (the threshold policy).
    tables: Tables,
    /// Tables built with the persons cap (the noise policy's Δ), MOVEMENTS and PERSONS.
    capped: Tables,
    caps: Caps,
    key: SigningKey,
    checkpoint: ReleaseCheckpoint,
    computed_at: Timestamp,
    /// Reports for the per-submission benchmarks (not in the tables).
    pool: Vec<Report>,
}

impl Fixture {
    fn meta(&self, table: TableId) -> ReleaseMeta {
        ReleaseMeta {
            origin: iso3("GRC"),
            table,
            period: self.period,
            version: 1,
            code_list_version: CODE_LIST_VERSION.into(),
            checkpoint: self.checkpoint.clone(),
            computed_at: self.computed_at.clone(),
            reciprocity: Default::default(),
        }
    }
}

fn fixture() -> Fixture {
    let state = iso3("GRC");
    let pools = Pools::new(state);
    let period = Period::month(2026, 3).expect("period");
    let today = Date::new(2026, 4, 8).expect("today");
    let caps = Caps {
        persons_per_event: Some(PERSONS_CAP),
        documents_per_event: Some(PERSONS_CAP),
        persons_per_case: Some(PERSONS_CAP),
    };
    let mut g = Gen(SEED);
    let mut tables = Tables::new();
    let mut capped = Tables::new();
    let mut by_type = [0u64; 5];
    let (mut t_gen, mut t_valid, mut t_apply) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let start = Instant::now();
    let total = reports();
    for n in 1..=total {
        let t = Instant::now();
        let r = report(&mut g, &pools, &period, n);
        let t1 = Instant::now();
        if let Err(v) = r.validate(today) {
            panic!("generated report {n} is invalid: {v:?}\n{r:#?}");
        }
        let t2 = Instant::now();
        let c = contributions(&r, &period, &Caps::EXACT);
        assert!(!c.is_empty(), "report {n} adds nothing to {period}");
        tables.apply(&c, Sign::Add).expect("apply");
        if let Some(Body::Movement(_)) = &r.body {
            let c: Vec<_> = contributions(&r, &period, &caps)
                .into_iter()
                .filter(|c| matches!(c.table(), TableId::Movements | TableId::Persons))
                .collect();
            capped.apply(&c, Sign::Add).expect("apply capped");
        }
        let t3 = Instant::now();
        t_gen += t1 - t;
        t_valid += t2 - t1;
        t_apply += t3 - t2;
        by_type[RecordType::ALL
            .iter()
            .position(|t| Some(*t) == r.record_type())
            .expect("record type")] += 1;
    }
    eprintln!(
        "built the tables of {period} from {total} valid reports in {:.1} s \
         (generate {:.1} s, validate {:.1} s, contributions + apply {:.1} s, \
         exact and capped)",
        start.elapsed().as_secs_f64(),
        t_gen.as_secs_f64(),
        t_valid.as_secs_f64(),
        t_apply.as_secs_f64()
    );
    eprintln!(
        "reports by type: {}",
        RecordType::ALL
            .iter()
            .zip(by_type)
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // A pool of further reports, for the per-submission benchmarks.
    let pool: Vec<Report> = (total + 1..=total + 4096)
        .map(|n| report(&mut g, &pools, &period, n))
        .collect();
    for r in &pool {
        r.validate(today).expect("valid pool report");
    }

    let origin = "vrs.example/state/GRC";
    let signer = NoteSigner::from_seed(origin, &[7u8; 32]).expect("note signer");
    let cp = Checkpoint {
        origin: origin.into(),
        size: total,
        root: vrs_core::sha256(b"root of the log after 1,000,000 reports"),
        extensions: Vec::new(),
    };
    let note = sign_checkpoint(&cp, &[&signer]).expect("signed checkpoint");
    Fixture {
        period,
        tables,
        capped,
        caps,
        key: SigningKey::from_seed(origin, &[7u8; 32]).expect("signing key"),
        checkpoint: ReleaseCheckpoint::from_note(note).expect("checkpoint"),
        computed_at: Timestamp::parse("2026-04-08T00:05:00Z").expect("timestamp"),
        pool,
    }
}

/// One table released as the node makes it, audited alone: build, serialise and sign
/// (DSSE), stored form.
fn release_once(fx: &Fixture, table: TableId, policy: Policy, tables: &Tables) -> Vec<u8> {
    let release = match policy {
        Policy::Threshold { k } => build_threshold(fx.meta(table), tables, k),
        Policy::Noise(p) => build_noise(fx.meta(table), tables, p, &mut SystemRng::new()),
    }
    .expect("release");
    sign_release(&release, &fx.key).to_entry_bytes()
}

/// The whole period as the node makes it: every table, the threshold ones audited as
/// one system, each signed.
fn period_once(fx: &Fixture, tables: &Tables) -> (PeriodReleases, Vec<Vec<u8>>) {
    let policies: BTreeMap<TableId, Policy> = TableId::ALL
        .into_iter()
        .map(|t| (t, Policy::Threshold { k: K }))
        .collect();
    let out = build_period(
        &fx.meta(TableId::Movements),
        &policies,
        tables,
        None,
        &mut SystemRng::new(),
    )
    .expect("period");
    let bytes = out
        .releases
        .iter()
        .map(|r| sign_release(r, &fx.key).to_entry_bytes())
        .collect();
    (out, bytes)
}

fn noise_params(fx: &Fixture, table: TableId) -> NoiseParams {
    let epsilon = Epsilon::new(1, 1).expect("epsilon");
    let delta = fx.caps.delta(table).expect("bounded delta");
    NoiseParams {
        epsilon,
        delta,
        k: vrs_core::disclosure::noise_display_bound(K, epsilon, delta),
    }
}

const NOISE_TABLES: [TableId; 2] = [TableId::Persons, TableId::Movements];

/// Withheld count values of a release, by status.
fn withheld_values(r: &Release, s: ConfStatus) -> usize {
    r.cells
        .iter()
        .flat_map(|c| &c.observations)
        .filter(|o| o.measure.is_count() && o.value.is_none() && o.conf_status == s)
        .count()
}

/// Cells, suppression and sizes of every release, the audit of the period, and a
/// one-shot split of the time.
fn describe(fx: &Fixture) {
    let t0 = Instant::now();
    let (period, stored) = period_once(fx, &fx.tables);
    let wall = t0.elapsed();
    let audit = period.audit.as_ref().expect("threshold audit");
    eprintln!(
        "the period, all {} tables audited as one system: {:.0} ms (build, audit and sign); \
         {} requirements, {} verified witnesses, {} values withheld as a last resort, \
         {} pinned by the statuses alone",
        TableId::ALL.len(),
        wall.as_secs_f64() * 1e3,
        audit.requirements,
        audit.witnesses,
        audit.fallbacks,
        audit.pinned_by_statuses
    );
    eprintln!(
        "{:<12} {:>9} {:>8} {:>12} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} {:>9}",
        "table",
        "cells",
        "finest",
        "grid",
        "listed",
        "values",
        "A",
        "D",
        "payload B",
        "stored B",
        "alone ms"
    );
    for (r, bytes) in period.releases.iter().zip(&stored) {
        let t = r.table;
        let cells = fx.tables.cells(t);
        let finest = cells.keys().filter(|k| k.is_finest()).count();
        let values = cells.len() * t.count_measures().len();
        let t1 = Instant::now();
        black_box(release_once(fx, t, Policy::Threshold { k: K }, &fx.tables));
        let alone = t1.elapsed();
        eprintln!(
            "{:<12} {:>9} {:>8} {:>12} {:>7} {:>9} {:>9} {:>9} {:>11} {:>11} {:>9.1}",
            t.code(),
            cells.len(),
            finest,
            t.grid_cells(),
            r.cells.len(),
            values,
            withheld_values(r, ConfStatus::Primary),
            withheld_values(r, ConfStatus::Secondary),
            vrs_core::wire::encode_release(r).len(),
            bytes.len(),
            alone.as_secs_f64() * 1e3,
        );
    }
    for t in NOISE_TABLES {
        let p = noise_params(fx, t);
        let t1 = Instant::now();
        let b = release_once(fx, t, Policy::Noise(p), &fx.capped);
        eprintln!(
            "{:<12} noise(ε=1,Δ={}): stored {} B in {:.1} ms",
            t.code(),
            p.delta,
            b.len(),
            t1.elapsed().as_secs_f64() * 1e3
        );
    }
    eprintln!(
        "(cells: non-zero cells held, margins included; values: count values of those \
         cells; A/D: values withheld as primary/secondary; stored B: DSSE envelope entry \
         bytes; alone ms: the table built, audited alone and signed)"
    );
}

/// CPU time of the calling thread (Linux `/proc`, clock ticks of 10 ms), to tell the cost
/// from the wait on shared cores.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(") ")?.1.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The whole release of the period a few times, wall-clock and CPU time.
fn period_cpu(fx: &Fixture) {
    for _ in 0..3 {
        let (wall, cpu) = (Instant::now(), thread_cpu());
        black_box(period_once(fx, &fx.tables));
        let wall = wall.elapsed();
        let cpu = cpu.zip(thread_cpu()).map(|(a, b)| b - a);
        eprintln!(
            "all {} tables, threshold k = {K}, audited: wall {:.0} ms, thread CPU {}",
            TableId::ALL.len(),
            wall.as_secs_f64() * 1e3,
            cpu.map_or("n/a".into(), |c| format!("{} ms", c.as_millis()))
        );
    }
}

fn benches(c: &mut Criterion) {
    let mut fx = fixture();
    describe(&fx);
    period_cpu(&fx);

    let mut g = c.benchmark_group("release");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let threshold = Policy::Threshold { k: K };
    g.bench_function("period_all_tables/threshold_k5_audited", |b| {
        b.iter(|| black_box(period_once(&fx, &fx.tables)))
    });
    for t in TableId::ALL {
        g.bench_function(format!("threshold_k5/{}", t.code()), |b| {
            b.iter(|| black_box(release_once(&fx, t, threshold, &fx.tables)))
        });
    }
    for t in NOISE_TABLES {
        let p = noise_params(&fx, t);
        g.bench_function(format!("noise_eps1/{}_delta{}", t.code(), p.delta), |b| {
            b.iter(|| black_box(release_once(&fx, t, Policy::Noise(p), &fx.capped)))
        });
    }
    g.finish();

    // Per submission: what one accepted report version costs the tables. Runs last: it
    // adds to the 1,000,000-report tables (a node's tables only grow this way too).
    let mut g = c.benchmark_group("incremental");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let period = fx.period;
    let pool = std::mem::take(&mut fx.pool);
    let mut i = 0usize;
    g.bench_function("contributions", |b| {
        b.iter(|| {
            let r = &pool[i % pool.len()];
            i += 1;
            black_box(contributions(black_box(r), &period, &Caps::EXACT))
        })
    });
    let mut i = 0usize;
    let tables = &mut fx.tables;
    g.bench_function("contributions_apply", |b| {
        b.iter(|| {
            let r = &pool[i % pool.len()];
            i += 1;
            let c = contributions(black_box(r), &period, &Caps::EXACT);
            tables.apply(&c, Sign::Add).expect("apply");
        })
    });
    g.finish();
}

criterion_group!(release_benches, benches);
criterion_main!(release_benches);
