//! Aggregate tables through the public API: SDMX periods, what a report version adds to
//! which cells (margins included), caps, medians, and exact cancellation of amendments
//! and retractions.
// Tests may panic on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

mod common;
use common::movement;

use proptest::prelude::*;
use vrs_core::aggregate::*;
use vrs_core::codes::{Date, TOTAL};
use vrs_core::report::examples::{
    ExampleParams, example_amendment, example_case, example_document, example_fee,
    example_movement, example_retraction, example_smuggler, report_id,
};
use vrs_core::report::*;

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn period(s: &str) -> Period {
    Period::parse(s).unwrap()
}

fn key(table: TableId, codes: &[&str]) -> CellKey {
    CellKey::parse(table, codes).unwrap()
}

const MARCH: &str = "2026-M03";

// ---------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------

#[test]
fn months_parse_and_format() {
    let p = period("2026-M03");
    assert_eq!(p.to_string(), "2026-M03");
    assert_eq!(p.granularity(), Granularity::Month);
    assert_eq!(
        (p.start(), p.end()),
        (date("2026-03-01"), date("2026-03-31"))
    );
    assert_eq!(period("2024-M02").end(), date("2024-02-29"));
    assert_eq!(period("2026-M02").end(), date("2026-02-28"));
    assert_eq!(period("2026-M12").next(), Some(period("2027-M01")));
    assert_eq!(period("2026-M01").previous(), Some(period("2025-M12")));
    assert_eq!(Period::of(date("2026-03-17"), Granularity::Month), Some(p));
}

#[test]
fn iso_weeks_parse_and_format() {
    let p = period("2026-W11");
    assert_eq!(p.to_string(), "2026-W11");
    assert_eq!(
        (p.start(), p.end()),
        (date("2026-03-09"), date("2026-03-15"))
    );
    // Week 1 holds 4 January; 2026-W01 starts in 2025.
    assert_eq!(period("2026-W01").start(), date("2025-12-29"));
    assert_eq!(
        Period::of(date("2025-12-31"), Granularity::Week),
        Some(period("2026-W01"))
    );
}

#[test]
fn week_53_exists_only_in_long_years() {
    // 1 January 2026 is a Thursday: 2026 has 53 weeks.
    assert_eq!(weeks_in_year(2026), 53);
    let w53 = period("2026-W53");
    assert_eq!(
        (w53.start(), w53.end()),
        (date("2026-12-28"), date("2027-01-03"))
    );
    assert_eq!(Period::of(date("2027-01-03"), Granularity::Week), Some(w53));
    assert_eq!(w53.next(), Some(period("2027-W01")));
    // 2020: a leap year starting on a Wednesday.
    assert_eq!(weeks_in_year(2020), 53);
    assert_eq!(period("2020-W53").end(), date("2021-01-03"));
    assert_eq!(
        Period::of(date("2021-01-01"), Granularity::Week),
        Some(period("2020-W53"))
    );
    // 2021 and 2025 have 52 weeks.
    for bad in ["2021-W53", "2025-W53", "2027-W53"] {
        assert!(Period::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(period("2025-W52").next(), Some(period("2026-W01")));
}

#[test]
fn malformed_periods_are_refused() {
    for bad in [
        "",
        "2026-M00",
        "2026-M13",
        "2026-W00",
        "2026-W54",
        "2026-m03",
        "2026-M3",
        "26-M03",
        "2026-Q1",
        "2026M03",
        "2026-M03 ",
        "+026-M03",
        "2026-W1a",
    ] {
        let err = Period::parse(bad).unwrap_err();
        assert_eq!(err.value, bad);
    }
}

#[test]
fn periods_close_after_the_embargo() {
    let p = period(MARCH);
    assert_eq!(p.closes_at(7), Some(date("2026-04-08")));
    assert_eq!(p.closes_at(0), Some(date("2026-04-01")));
    assert!(!p.is_closed(date("2026-04-07"), 7));
    assert!(p.is_closed(date("2026-04-08"), 7));
    assert_eq!(period("2026-W11").closes_at(7), Some(date("2026-03-23")));
}

#[test]
fn periods_serialise_as_their_sdmx_text() {
    let p = period("2026-W11");
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, "\"2026-W11\"");
    assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
    assert!(serde_json::from_str::<Period>("\"2026-W99\"").is_err());
}

proptest! {
    #[test]
    fn every_day_is_in_its_periods(days in 0i64..20_000) {
        let d = date("1990-01-01").add_days(days).unwrap();
        for g in [Granularity::Month, Granularity::Week] {
            let p = Period::of(d, g).unwrap();
            prop_assert!(p.contains(d));
            prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
            let next = p.next().unwrap();
            prop_assert_eq!(next.start(), p.end().add_days(1).unwrap());
            prop_assert_eq!(next.previous(), Some(p));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Tables and keys
// ---------------------------------------------------------------------------------------

#[test]
fn tables_have_fixed_dimensions_and_measures() {
    let ids = |t: TableId| t.dimensions().iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(ids(TableId::Movements), ["METHOD", "ORIGIN", "DESTINATION"]);
    assert_eq!(
        ids(TableId::Fees),
        ["ORIGIN", "DESTINATION", "FEE_BASIS", "CURRENCY"]
    );
    assert_eq!(ids(TableId::Cases), ["OFFENCE", "STAGE", "OUTCOME"]);
    let codes = |t: TableId| t.measures().iter().map(|m| m.code()).collect::<Vec<_>>();
    assert_eq!(codes(TableId::Movements), ["EVENTS", "PERSONS"]);
    assert_eq!(codes(TableId::Fees), ["OBSERVATIONS", "MEDIAN_AMOUNT"]);
    assert_eq!(
        codes(TableId::Cases),
        ["CASES", "PERSONS_F", "PERSONS_M", "PERSONS_U"]
    );
    for t in TableId::ALL {
        assert_eq!(TableId::from_code(t.code()), Some(t));
        // The stored measures are the published counts, then the hidden ones.
        assert_eq!(
            &t.stored_measures()[..t.count_measures().len()],
            t.count_measures()
        );
        let (ft, fm) = t.frequency_table();
        match t {
            TableId::Persons | TableId::Documents => {
                assert_eq!((ft, fm), (t, Measure::Contributors))
            }
            TableId::Protection => assert_eq!((ft, fm), (TableId::Movements, Measure::Events)),
            _ => assert_eq!((ft, fm), (t, t.count_measures()[0])),
        }
    }
    assert_eq!(
        codes(TableId::Protection),
        [
            "DEATHS",
            "INJURIES",
            "UNACCOMPANIED_MINORS",
            "ENDANGERING_LIFE",
            "INHUMAN_TREATMENT"
        ]
    );
    assert_eq!(TableId::Movements.grid_cells(), 4 * 251 * 251);
    let origin = TableId::Movements.dimensions()[1].codes;
    assert_eq!(origin.len(), 250);
    assert_eq!(origin.get(249), Some("_U"));
    assert_eq!(
        origin.position("GRC"),
        origin.iter().position(|c| c == "GRC")
    );
}

#[test]
fn keys_are_checked_against_their_code_lists() {
    assert_eq!(
        key(TableId::Movements, &["SEA", "AFG", "_T"]).to_string(),
        "SEA.AFG._T"
    );
    assert!(CellKey::parse(TableId::Movements, &["SEA", "AFG"]).is_err());
    assert!(CellKey::parse(TableId::Movements, &["BOAT", "AFG", "GRC"]).is_err());
    assert!(CellKey::parse(TableId::Persons, &["AFG", "M", "_O"]).is_err());
    assert!(CellKey::parse(TableId::Smugglers, &["AFG", "M", "_O"]).is_ok());
    assert!(CellKey::parse(TableId::Fees, &["AFG", "GRC", "PER_PERSON", "XYZ"]).is_err());
}

// ---------------------------------------------------------------------------------------
// Contributions
// ---------------------------------------------------------------------------------------

fn counts(cs: &[Contribution]) -> BTreeMap<(TableId, String, Measure), i64> {
    cs.iter()
        .filter_map(|c| match c {
            Contribution::Count {
                table,
                key,
                measure,
                amount,
            } => Some(((*table, key.to_string(), *measure), *amount)),
            Contribution::Amount { .. } => None,
        })
        .collect()
}

#[test]
fn a_movement_adds_to_its_cells_and_every_margin() {
    let r = example_movement(&ExampleParams::default());
    let cs = contributions(&r, &period(MARCH), &Caps::EXACT);
    let c = counts(&cs);
    // Route AFG -> TUR -> GRC, by sea, 41 persons.
    for k in [
        "SEA.AFG.GRC",
        "_T.AFG.GRC",
        "SEA._T.GRC",
        "SEA.AFG._T",
        "_T._T.GRC",
        "_T.AFG._T",
        "SEA._T._T",
        "_T._T._T",
    ] {
        assert_eq!(
            c.get(&(TableId::Movements, k.to_owned(), Measure::Events)),
            Some(&1),
            "{k}"
        );
        assert_eq!(
            c.get(&(TableId::Movements, k.to_owned(), Measure::Persons)),
            Some(&41),
            "{k}"
        );
    }
    assert_eq!(c.keys().filter(|k| k.0 == TableId::Movements).count(), 16);
    // PERSONS: AFG men 18-29 = 19; all AFG = 30; all = 41; all minors = 8.
    let p = |k: &str| {
        c.get(&(TableId::Persons, k.to_owned(), Measure::Persons))
            .copied()
    };
    assert_eq!(p("AFG.M.Y18T29"), Some(19));
    assert_eq!(p("AFG._T._T"), Some(30));
    assert_eq!(p("SYR._T._T"), Some(11));
    assert_eq!(p("_T._T.Y_LT18"), Some(8));
    assert_eq!(p("_T._T._T"), Some(41));
    assert_eq!(p("_T.F._T"), Some(9));
}

#[test]
fn each_record_type_feeds_its_table() {
    let p = ExampleParams::default();
    let march = period(MARCH);
    let c = counts(&contributions(&example_smuggler(&p), &march, &Caps::EXACT));
    // Principal role: the first listed (boat pilot).
    assert_eq!(
        c.get(&(
            TableId::Smugglers,
            "TUR.M.BOAT_PILOT".into(),
            Measure::Smugglers
        )),
        Some(&1)
    );
    assert!(!c.contains_key(&(
        TableId::Smugglers,
        "TUR.M.TRANSPORTER".into(),
        Measure::Smugglers
    )));
    let c = counts(&contributions(&example_document(&p), &march, &Caps::EXACT));
    assert_eq!(
        c.get(&(
            TableId::Documents,
            "PASSPORT.COUNTERFEIT_OR_ALTERED.BEL".into(),
            Measure::Documents
        )),
        Some(&3)
    );
    // The case's last proceeding is a pending appeal: persons prosecuted (0 F, 2 M).
    let c = counts(&contributions(&example_case(&p), &march, &Caps::EXACT));
    assert_eq!(
        c.get(&(
            TableId::Cases,
            "ART6_1A.APPEAL.PENDING".into(),
            Measure::Cases
        )),
        Some(&1)
    );
    assert_eq!(
        c.get(&(
            TableId::Cases,
            "ART6_1A.APPEAL.PENDING".into(),
            Measure::PersonsM
        )),
        Some(&2)
    );
    assert_eq!(
        c.get(&(TableId::Cases, "_T._T._T".into(), Measure::PersonsF)),
        None
    );
    let cs = contributions(&example_fee(&p), &march, &Caps::EXACT);
    let c = counts(&cs);
    assert_eq!(
        c.get(&(
            TableId::Fees,
            "AFG.GRC.PER_PERSON.EUR".into(),
            Measure::Observations
        )),
        Some(&1)
    );
    assert_eq!(c.len(), 16);
    // Amounts go to the four cells whose basis and currency are specific.
    let amounts: Vec<String> = cs
        .iter()
        .filter_map(|c| match c {
            Contribution::Amount { key, value, .. } => {
                assert_eq!(*value, 450_000);
                Some(key.to_string())
            }
            Contribution::Count { .. } => None,
        })
        .collect();
    assert_eq!(
        amounts,
        [
            "AFG.GRC.PER_PERSON.EUR",
            "AFG._T.PER_PERSON.EUR",
            "_T.GRC.PER_PERSON.EUR",
            "_T._T.PER_PERSON.EUR"
        ]
    );
}

#[test]
fn reports_count_only_in_their_own_period() {
    let r = example_movement(&ExampleParams::default());
    assert_eq!(report_period(&r, Granularity::Month), Some(period(MARCH)));
    assert_eq!(
        report_period(&r, Granularity::Week),
        Some(period("2026-W10"))
    );
    assert!(contributions(&r, &period("2026-M04"), &Caps::EXACT).is_empty());
    assert!(!contributions(&r, &period("2026-W10"), &Caps::EXACT).is_empty());
    // A case counts in the period of its last observed day.
    let c = example_case(&ExampleParams::default());
    assert_eq!(reference_date(&c), Some(date("2026-03-02")));
    assert!(contributions(&c, &period("2026-M01"), &Caps::EXACT).is_empty());
}

#[test]
fn caps_clamp_persons_and_give_delta() {
    let r = example_movement(&ExampleParams::default());
    let caps = Caps {
        persons_per_event: Some(10),
        documents_per_event: Some(2),
        persons_per_case: Some(1),
    };
    let c = counts(&contributions(&r, &period(MARCH), &caps));
    assert_eq!(
        c.get(&(TableId::Movements, "SEA.AFG.GRC".into(), Measure::Persons)),
        Some(&10)
    );
    assert_eq!(
        c.get(&(TableId::Movements, "SEA.AFG.GRC".into(), Measure::Events)),
        Some(&1)
    );
    assert_eq!(
        c.get(&(TableId::Persons, "_T._T._T".into(), Measure::Persons)),
        Some(&10)
    );
    // Largest remainder of 19, 6, 5, 8, 3 scaled to 10: 5, 1, 1, 2, 1.
    assert_eq!(
        c.get(&(TableId::Persons, "AFG.M.Y18T29".into(), Measure::Persons)),
        Some(&5)
    );
    let d = counts(&contributions(
        &example_document(&ExampleParams::default()),
        &period(MARCH),
        &caps,
    ));
    assert_eq!(
        d.get(&(TableId::Documents, "_T._T._T".into(), Measure::Documents)),
        Some(&2)
    );
    assert_eq!(caps.delta(TableId::Movements), Some(11));
    assert_eq!(caps.delta(TableId::Persons), Some(10));
    assert_eq!(caps.delta(TableId::Smugglers), Some(1));
    assert_eq!(caps.delta(TableId::Documents), Some(2));
    assert_eq!(caps.delta(TableId::Cases), Some(2));
    assert_eq!(Caps::EXACT.delta(TableId::Movements), None);
    assert_eq!(Caps::EXACT.delta(TableId::Smugglers), Some(1));
}

#[test]
fn a_retraction_contributes_nothing() {
    let r = example_movement(&ExampleParams::default());
    let retraction = example_retraction(&r, [7; 32]);
    assert!(contributions(&retraction, &period(MARCH), &Caps::EXACT).is_empty());
    assert_eq!(reference_date(&retraction), None);
}

// ---------------------------------------------------------------------------------------
// Tables: amendments, retractions, margins, medians
// ---------------------------------------------------------------------------------------

fn fee(n: u64, amount: u64, currency: &str, basis: FeeBasis) -> Report {
    let mut r = example_fee(&ExampleParams::default());
    r.report_id = report_id(n);
    let Some(Body::Fee(f)) = r.body.as_mut() else {
        unreachable!()
    };
    f.amount = amount;
    f.currency = Currency::parse(currency).unwrap();
    f.basis = basis;
    r
}

fn add(tables: &mut Tables, r: &Report) {
    tables
        .apply(&contributions(r, &period(MARCH), &Caps::EXACT), Sign::Add)
        .unwrap();
}

#[test]
fn amendment_and_retraction_cancel_exactly() {
    let march = period(MARCH);
    let v1 = example_movement(&ExampleParams::default());
    let mut v2 = example_amendment(&v1, [1; 32]);
    if let Some(Body::Movement(m)) = v2.body.as_mut() {
        m.method = Method::Land;
        m.sub_method = SubMethod::OnFoot;
        m.persons.truncate(2);
    }
    let c1 = contributions(&v1, &march, &Caps::EXACT);
    let c2 = contributions(&v2, &march, &Caps::EXACT);

    let mut t = Tables::new();
    t.apply(&c1, Sign::Add).unwrap();
    t.apply(&c1, Sign::Remove).unwrap();
    assert!(t.is_empty());
    assert_eq!(t, Tables::new());

    // Amendment v1 -> v2, then retraction of v2.
    t.apply(&c1, Sign::Add).unwrap();
    t.apply_change(&c1, &c2).unwrap();
    let mut only_v2 = Tables::new();
    only_v2.apply(&c2, Sign::Add).unwrap();
    assert_eq!(t, only_v2);
    t.apply(&c2, Sign::Remove).unwrap();
    assert!(t.is_empty());

    // Fees: amounts too.
    let f = contributions(&fee(1, 1234, "EUR", FeeBasis::PerLeg), &march, &Caps::EXACT);
    t.apply(&f, Sign::Add).unwrap();
    assert!(!t.is_empty());
    t.apply(&f, Sign::Remove).unwrap();
    assert!(t.is_empty());
}

#[test]
fn removing_what_was_never_added_changes_nothing() {
    let march = period(MARCH);
    let mut t = Tables::new();
    add(
        &mut t,
        &movement(
            1,
            Method::Sea,
            Some("AFG"),
            &[("AFG", Sex::Male, AgeBand::From18To29, 3)],
        ),
    );
    let before = t.clone();
    let other = contributions(
        &movement(2, Method::Air, Some("SYR"), &[]),
        &march,
        &Caps::EXACT,
    );
    assert!(matches!(
        t.apply(&other, Sign::Remove),
        Err(TablesError::Negative { .. })
    ));
    assert_eq!(t, before);
    let f = contributions(
        &fee(3, 99, "USD", FeeBasis::PerPerson),
        &march,
        &Caps::EXACT,
    );
    let amounts: Vec<Contribution> = f
        .into_iter()
        .filter(|c| matches!(c, Contribution::Amount { .. }))
        .collect();
    assert!(matches!(
        t.apply(&amounts, Sign::Remove),
        Err(TablesError::MissingAmount { .. })
    ));
    assert_eq!(t, before);
}

#[test]
fn medians_follow_the_multiset() {
    let mut t = Tables::new();
    for (n, amount) in [(1, 300_000), (2, 100_000), (3, 200_000)] {
        add(&mut t, &fee(n, amount, "EUR", FeeBasis::PerPerson));
    }
    add(&mut t, &fee(4, 5_000_000, "USD", FeeBasis::PerPerson));
    let k = key(TableId::Fees, &["_T", "_T", "PER_PERSON", "EUR"]);
    assert_eq!(t.median(TableId::Fees, &k), Some(200_000));
    assert_eq!(t.count(TableId::Fees, &k, Measure::Observations), 3);
    add(&mut t, &fee(5, 250_000, "EUR", FeeBasis::PerPerson));
    // 100, 200, 250, 300 thousand: (200 + 250) / 2.
    assert_eq!(t.median(TableId::Fees, &k), Some(225_000));
    // No median across currencies.
    let all = key(TableId::Fees, &["_T", "_T", "PER_PERSON", "_T"]);
    assert_eq!(t.median(TableId::Fees, &all), None);
    assert_eq!(t.count(TableId::Fees, &all, Measure::Observations), 5);
    assert!(!TableId::Fees.has_median(&all));
}

/// Checks that every `_T` cell equals the sum of its line, for every published count
/// measure (the hidden contributor counts do not add up: a movement with groups in two
/// cells of a line is one contributor of the margin).
fn assert_margins_add_up(t: &Tables) {
    for table in TableId::ALL {
        let n = table.count_measures().len();
        let cells: BTreeMap<CellKey, Vec<i64>> = t
            .cells(table)
            .iter()
            .map(|(k, v)| (k.clone(), v[..n].to_vec()))
            .collect();
        let cells = &cells;
        for (k, vals) in cells {
            for (d, code) in k.codes().iter().enumerate() {
                if *code != TOTAL {
                    continue;
                }
                let mut sum = vec![0i64; vals.len()];
                for c in table.dimensions()[d].codes.iter() {
                    if let Some(v) = cells.get(&k.with(d, c)) {
                        for (s, x) in sum.iter_mut().zip(v) {
                            *s += x;
                        }
                    }
                }
                assert_eq!(&sum, vals, "{table} {k} along dimension {d}");
            }
        }
    }
}

fn arb_report() -> impl Strategy<Value = Report> {
    let countries = prop::sample::select(vec!["AFG", "SYR", "IRQ", "TUR"]);
    let sex = prop::sample::select(Sex::ALL.to_vec());
    let age = prop::sample::select(AgeBand::ALL.to_vec());
    let group = (countries.clone(), sex, age, 1u32..40);
    prop_oneof![
        (
            any::<u64>(),
            prop::sample::select(Method::ALL.to_vec()),
            prop::option::of(countries.clone()),
            prop::collection::vec(group, 0..4),
        )
            .prop_map(|(n, m, o, g)| movement(n, m, o, &g)),
        (
            any::<u64>(),
            1u64..1_000_000,
            prop::sample::select(vec!["EUR", "USD"])
        )
            .prop_map(|(n, a, c)| fee(n, a, c, FeeBasis::PerPerson)),
        (
            any::<u64>(),
            prop::sample::select(SmugglerRole::ALL.to_vec())
        )
            .prop_map(|(n, role)| {
                let mut r = example_smuggler(&ExampleParams::default());
                r.report_id = report_id(n);
                if let Some(Body::Smuggler(s)) = r.body.as_mut() {
                    s.roles = vec![role];
                }
                r
            }),
        (any::<u64>(), 1u32..20).prop_map(|(n, count)| {
            let mut r = example_document(&ExampleParams::default());
            r.report_id = report_id(n);
            if let Some(Body::Document(d)) = r.body.as_mut() {
                d.count = count;
            }
            r
        }),
        any::<u64>().prop_map(|n| {
            let mut r = example_case(&ExampleParams::default());
            r.report_id = report_id(n);
            r
        }),
    ]
}

proptest! {
    #[test]
    fn margins_equal_the_sums_of_their_lines(reports in prop::collection::vec(arb_report(), 1..30)) {
        let mut t = Tables::new();
        for r in &reports {
            add(&mut t, r);
        }
        assert_margins_add_up(&t);
        // Removing them all, in another order, leaves nothing.
        for r in reports.iter().rev() {
            t.apply(&contributions(r, &period(MARCH), &Caps::EXACT), Sign::Remove).unwrap();
        }
        prop_assert!(t.is_empty());
    }
}

#[test]
fn a_movement_adds_its_protection_figures_and_one_contributor_per_cell() {
    let mut r = movement(
        7,
        Method::Sea,
        Some("AFG"),
        &[
            ("AFG", Sex::Male, AgeBand::From18To29, 4),
            ("AFG", Sex::Male, AgeBand::From18To29, 3),
            ("SYR", Sex::Female, AgeBand::Under18, 2),
        ],
    );
    if let Some(Body::Movement(m)) = r.body.as_mut() {
        m.deaths = 2;
        m.injuries = 1;
        m.unaccompanied_minors = 2;
        m.aggravating = vec![Aggravation::InhumanTreatment];
    }
    let c = counts(&contributions(&r, &period(MARCH), &Caps::EXACT));
    let at = |t: TableId, k: &str, m: Measure| c.get(&(t, k.to_owned(), m)).copied();
    for k in ["SEA.AFG.GRC", "_T.AFG._T", "_T._T._T"] {
        assert_eq!(at(TableId::Protection, k, Measure::Deaths), Some(2), "{k}");
        assert_eq!(
            at(TableId::Protection, k, Measure::Injuries),
            Some(1),
            "{k}"
        );
        assert_eq!(
            at(TableId::Protection, k, Measure::UnaccompaniedMinors),
            Some(2),
            "{k}"
        );
        assert_eq!(
            at(TableId::Protection, k, Measure::InhumanTreatment),
            Some(1),
            "{k}"
        );
        assert_eq!(
            at(TableId::Protection, k, Measure::EndangeringLife),
            None,
            "{k}"
        );
    }
    // Two groups in one PERSONS cell: 7 persons, one contributor; the total: 9 persons,
    // one contributor.
    assert_eq!(
        at(TableId::Persons, "AFG.M.Y18T29", Measure::Persons),
        Some(7)
    );
    assert_eq!(
        at(TableId::Persons, "AFG.M.Y18T29", Measure::Contributors),
        Some(1)
    );
    assert_eq!(at(TableId::Persons, "_T._T._T", Measure::Persons), Some(9));
    assert_eq!(
        at(TableId::Persons, "_T._T._T", Measure::Contributors),
        Some(1)
    );
    // Under caps, deaths are clamped to the persons cap and Δ counts every measure.
    let caps = Caps {
        persons_per_event: Some(1),
        documents_per_event: Some(1),
        persons_per_case: Some(1),
    };
    let c = counts(&contributions(&r, &period(MARCH), &caps));
    assert_eq!(
        c.get(&(TableId::Protection, "_T._T._T".to_owned(), Measure::Deaths)),
        Some(&1)
    );
    assert_eq!(caps.delta(TableId::Protection), Some(5));
}
