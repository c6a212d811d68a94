//! Disclosure control and releases through the public API: threshold suppression (no
//! small value published, no withheld value recomputable from the published cells and
//! margins), the differencing guard, the exact discrete Laplace sampler, noisy releases,
//! the budget check, signing, wire checks, exports and regional sums.
// Tests may panic on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use prost::Message;
use vrs_core::aggregate::*;
use vrs_core::codes::{CODE_LIST_VERSION, Date, TOTAL, Timestamp};
use vrs_core::disclosure::Rng;
use vrs_core::disclosure::testing::InsecureSeededRng;
use vrs_core::disclosure::*;
use vrs_core::envelope::{EnvelopeError, SigningKey};
use vrs_core::note::{Checkpoint, NoteSigner, sign_checkpoint};
use vrs_core::release::*;
use vrs_core::report::examples::{
    ExampleParams, example_case, example_document, example_fee, example_movement, example_smuggler,
    report_id,
};
use vrs_core::report::*;
use vrs_core::wire::{decode_release, encode_release};
use vrs_proto::v1 as pb;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const MARCH: &str = "2026-M03";

fn march() -> Period {
    Period::parse(MARCH).unwrap()
}

fn iso(c: &str) -> Iso3 {
    Iso3::parse(c).unwrap()
}

fn key(table: TableId, codes: &[&str]) -> CellKey {
    CellKey::parse(table, codes).unwrap()
}

fn checkpoint() -> ReleaseCheckpoint {
    let signer = NoteSigner::from_seed("vrs.example/state/GRC", &[9; 32]).unwrap();
    let cp = Checkpoint {
        origin: "vrs.example/state/GRC".to_owned(),
        size: 42,
        root: [3; 32],
        extensions: vec![],
    };
    ReleaseCheckpoint::from_note(sign_checkpoint(&cp, &[&signer]).unwrap()).unwrap()
}

fn meta(origin: &str, table: TableId, version: u32) -> ReleaseMeta {
    ReleaseMeta {
        origin: iso(origin),
        table,
        period: march(),
        version,
        code_list_version: CODE_LIST_VERSION.to_owned(),
        checkpoint: checkpoint(),
        computed_at: Timestamp::parse("2026-04-08T00:00:05Z").unwrap(),
    }
}

/// Movement `n` by `method` from `origin` (`None`: unknown route) to GRC with groups.
fn movement(
    n: u64,
    method: Method,
    origin: Option<&str>,
    groups: &[(&str, Sex, AgeBand, u32)],
) -> Report {
    let mut r = example_movement(&ExampleParams::default());
    r.report_id = report_id(n);
    if let Some(Body::Movement(m)) = r.body.as_mut() {
        m.method = method;
        m.sub_method = SubMethod::Other;
        m.route = origin
            .map(|o| {
                vec![RouteLeg {
                    from_country: iso(o),
                    to_country: iso("GRC"),
                    transport_mode: TransportMode::Unknown,
                }]
            })
            .unwrap_or_default();
        m.persons = groups
            .iter()
            .map(|&(c, sex, age_band, count)| PersonGroup {
                citizenship: iso(c),
                sex,
                age_band,
                count,
            })
            .collect();
        m.unaccompanied_minors = 0;
    }
    r
}

fn tables_of(reports: &[Report]) -> Tables {
    let mut t = Tables::new();
    for r in reports {
        t.apply(&contributions(r, &march(), &Caps::EXACT), Sign::Add)
            .unwrap();
    }
    t
}

/// `n` sea movements from `origin`, one person each.
fn boats(first: u64, n: u64, method: Method, origin: &str) -> Vec<Report> {
    (first..first + n)
        .map(|i| {
            movement(
                i,
                method,
                Some(origin),
                &[(origin, Sex::Male, AgeBand::From18To29, 1)],
            )
        })
        .collect()
}

/// Solves the line equations of a threshold release by substitution, to a fixpoint:
/// for every line (a `_T` cell and the cells that differ from it in one dimension) that
/// holds exactly one unknown value, that value is the margin minus the others (or, for
/// the margin, their sum); recovered values become known and may expose others.
/// Unlisted cells are published zeros. Returns every withheld value it recovers.
fn recover(release: &Release) -> Vec<(CellKey, Measure, i64)> {
    let dims = release.table.dimensions();
    let mut out = Vec::new();
    for &m in release.table.count_measures() {
        let mut known: BTreeMap<CellKey, i64> = BTreeMap::new();
        let mut unknown: BTreeSet<CellKey> = BTreeSet::new();
        for c in &release.cells {
            match c.observation(m).and_then(|o| o.value) {
                Some(v) => {
                    known.insert(c.key.clone(), v);
                }
                None => {
                    unknown.insert(c.key.clone());
                }
            }
        }
        loop {
            let mut progress = false;
            for u in unknown.clone() {
                for (d, dim) in dims.iter().enumerate() {
                    let line: Vec<CellKey> = dim
                        .codes
                        .iter()
                        .chain([TOTAL])
                        .map(|c| u.with(d, c))
                        .collect();
                    if line.iter().filter(|k| unknown.contains(*k)).count() != 1 {
                        continue;
                    }
                    let value = |k: &CellKey| known.get(k).copied().unwrap_or(0);
                    let others: i64 = line
                        .iter()
                        .filter(|k| **k != u && k.codes()[d] != TOTAL)
                        .map(value)
                        .sum();
                    let margin = u.with(d, TOTAL);
                    let v = if u == margin {
                        others
                    } else {
                        value(&margin) - others
                    };
                    unknown.remove(&u);
                    known.insert(u.clone(), v);
                    out.push((u.clone(), m, v));
                    progress = true;
                    break;
                }
            }
            if !progress {
                break;
            }
        }
    }
    out
}

/// Everything a threshold release must satisfy against the tables it was made from.
fn assert_safe(release: &Release, tables: &Tables, k: u32) {
    let table = release.table;
    let k = i64::from(k);
    for c in &release.cells {
        for o in &c.observations {
            if o.measure.is_count() {
                // Published values are true, and 0 or at least k.
                if let Some(v) = o.value {
                    assert_eq!(
                        v,
                        tables.count(table, &c.key, o.measure),
                        "{table} {}",
                        c.key
                    );
                    assert!(
                        v == 0 || v >= k,
                        "{table} {} {} = {v} < {k}",
                        c.key,
                        o.measure
                    );
                }
            } else if let Some(v) = o.value {
                // A median only over published observations of at least k.
                let obs = c.observation(table.frequency()).and_then(|o| o.value);
                assert!(obs.is_some_and(|n| n >= k), "{table} {} median {v}", c.key);
            }
        }
    }
    // Every non-zero cell is listed (unlisted cells are published zeros).
    for key in tables.cells(table).keys() {
        assert!(release.cell(key).is_some(), "{table} {key} not listed");
    }
    let leaks = recover(release);
    assert!(leaks.is_empty(), "{table}: recoverable {leaks:?}");
    // The receiver's check accepts it, and the bytes round-trip.
    assert_eq!(&decode_release(&encode_release(release)).unwrap(), release);
}

// ---------------------------------------------------------------------------------------
// Threshold
// ---------------------------------------------------------------------------------------

#[test]
fn the_solver_finds_what_primary_suppression_alone_leaks() {
    // Six sea boats and one land boat from AFG: LAND.AFG.GRC = 1 is primary, its line
    // along METHOD has the margin _T.AFG.GRC = 7 published.
    let mut reports = boats(1, 6, Method::Sea, "AFG");
    reports.extend(boats(100, 1, Method::Land, "AFG"));
    let tables = tables_of(&reports);
    let full = build_threshold(meta("GRC", TableId::Movements, 1), &tables, 5, None).unwrap();
    // Primary only: withhold the small values, publish everything else.
    let mut naive = full.clone();
    for c in &mut naive.cells {
        for o in &mut c.observations {
            let v = tables.count(TableId::Movements, &c.key, o.measure);
            *o = if (1..5).contains(&v) {
                Observation::withheld(o.measure, ConfStatus::Primary)
            } else {
                Observation::published(o.measure, v)
            };
        }
    }
    let leaks = recover(&naive);
    let land = key(TableId::Movements, &["LAND", "AFG", "GRC"]);
    assert!(
        leaks.contains(&(land.clone(), Measure::Events, 1)),
        "{leaks:?}"
    );
    // The real policy protects it with a secondary suppression.
    assert_safe(&full, &tables, 5);
    let cell = full.cell(&land).unwrap();
    assert_eq!(
        cell.observations[0],
        Observation::withheld(Measure::Events, ConfStatus::Primary)
    );
    assert!(
        full.cells
            .iter()
            .flat_map(|c| &c.observations)
            .any(|o| o.conf_status == ConfStatus::Secondary)
    );
}

#[test]
fn primary_and_secondary_flags_on_a_small_table() {
    // SEA: AFG 10, SYR 6, IRQ 2. The 2 is primary; along ORIGIN the next smallest
    // non-zero, SYR (6), is secondary.
    let mut reports = boats(1, 10, Method::Sea, "AFG");
    reports.extend(boats(100, 6, Method::Sea, "SYR"));
    reports.extend(boats(200, 2, Method::Sea, "IRQ"));
    let tables = tables_of(&reports);
    let r = build_threshold(meta("GRC", TableId::Movements, 1), &tables, 5, None).unwrap();
    assert_safe(&r, &tables, 5);
    let status = |o: &str| {
        r.cell(&key(TableId::Movements, &["SEA", o, "GRC"]))
            .unwrap()
            .observations[0]
            .conf_status
    };
    assert_eq!(status("IRQ"), ConfStatus::Primary);
    assert_eq!(status("SYR"), ConfStatus::Secondary);
    assert_eq!(status("AFG"), ConfStatus::Free);
    // Totals survive.
    let total = r.cell(&CellKey::total(TableId::Movements)).unwrap();
    assert_eq!(
        total.observations[0],
        Observation::published(Measure::Events, 18)
    );
}

#[test]
fn threshold_is_deterministic() {
    let mut reports = boats(1, 7, Method::Sea, "AFG");
    reports.extend(boats(100, 3, Method::Land, "SYR"));
    reports.extend(boats(200, 1, Method::Air, "IRQ"));
    reports.extend(boats(300, 2, Method::Air, "TUR"));
    let tables = tables_of(&reports);
    let a = build_threshold(meta("GRC", TableId::Movements, 1), &tables, 5, None).unwrap();
    let b = build_threshold(meta("GRC", TableId::Movements, 1), &tables.clone(), 5, None).unwrap();
    assert_eq!(encode_release(&a), encode_release(&b));
    assert_safe(&a, &tables, 5);
}

#[test]
fn the_differencing_guard_withholds_small_revisions() {
    let mut reports = boats(1, 10, Method::Sea, "AFG");
    reports.extend(boats(100, 20, Method::Sea, "SYR"));
    reports.extend(boats(200, 30, Method::Land, "TUR"));
    let t1 = tables_of(&reports);
    let v1 = build_threshold(meta("GRC", TableId::Movements, 1), &t1, 5, None).unwrap();
    assert_safe(&v1, &t1, 5);
    // Two late AFG boats: SEA.AFG.GRC 10 -> 12, published alone it would show them.
    reports.extend(boats(300, 2, Method::Sea, "AFG"));
    let t2 = tables_of(&reports);
    let v2 = build_threshold(meta("GRC", TableId::Movements, 2), &t2, 5, Some(&v1)).unwrap();
    assert_safe(&v2, &t2, 5);
    let afg = key(TableId::Movements, &["SEA", "AFG", "GRC"]);
    assert_eq!(
        v2.cell(&afg).unwrap().observations[0].conf_status,
        ConfStatus::Primary
    );
    // Unchanged cells stay published.
    let tur = key(TableId::Movements, &["LAND", "TUR", "GRC"]);
    assert_eq!(v2.published(&tur, Measure::Events), Some(30));
    // No published value of v2 differs from v1's by 1 to 4.
    for c in &v2.cells {
        for o in c.observations.iter().filter(|o| o.measure.is_count()) {
            if let (Some(new), Some(old)) = (o.value, v1.published(&c.key, o.measure)) {
                assert!(
                    !(1..5).contains(&(new - old).abs()),
                    "{} {new} vs {old}",
                    c.key
                );
            }
        }
    }
    // Without the guard the same table publishes the AFG cell.
    let plain = build_threshold(meta("GRC", TableId::Movements, 1), &t2, 5, None).unwrap();
    assert_eq!(plain.published(&afg, Measure::Events), Some(12));
}

#[test]
fn revisions_need_their_previous_release() {
    let tables = tables_of(&boats(1, 10, Method::Sea, "AFG"));
    let v1 = build_threshold(meta("GRC", TableId::Movements, 1), &tables, 5, None).unwrap();
    let m = meta("GRC", TableId::Movements, 2);
    assert!(matches!(
        build_threshold(m.clone(), &tables, 5, None),
        Err(ReleaseError::Previous(_))
    ));
    assert!(matches!(
        build_threshold(meta("ITA", TableId::Movements, 2), &tables, 5, Some(&v1)),
        Err(ReleaseError::Previous(_))
    ));
    assert!(matches!(
        build_threshold(meta("GRC", TableId::Movements, 3), &tables, 5, Some(&v1)),
        Err(ReleaseError::Version(3))
    ));
    assert!(build_threshold(m, &tables, 5, Some(&v1)).is_ok());
}

#[test]
fn fee_medians_need_k_published_observations() {
    let fee = |n: u64, amount: u64, origin: &str| {
        let mut r = example_fee(&ExampleParams::default());
        r.report_id = report_id(n);
        if let Some(Body::Fee(f)) = r.body.as_mut() {
            f.amount = amount;
            f.route = vec![RouteLeg {
                from_country: iso(origin),
                to_country: iso("GRC"),
                transport_mode: TransportMode::Land,
            }];
        }
        r
    };
    let mut reports: Vec<Report> = (1..=8).map(|i| fee(i, i * 100_000, "AFG")).collect();
    reports.extend((20..26).map(|i| fee(i, 700_000, "SYR")));
    reports.push(fee(50, 9_000_000, "IRQ"));
    let tables = tables_of(&reports);
    let r = build_threshold(meta("GRC", TableId::Fees, 1), &tables, 5, None).unwrap();
    assert_safe(&r, &tables, 5);
    let cell = |o: &str| {
        r.cell(&key(TableId::Fees, &[o, "GRC", "PER_PERSON", "EUR"]))
            .unwrap()
            .observations
            .clone()
    };
    // Eight observations 100k..800k: median (400k + 500k) / 2.
    assert_eq!(
        cell("AFG")[1],
        Observation::published(Measure::MedianAmount, 450_000)
    );
    // One IRQ fee: count and median withheld (primary); SYR protects it (secondary).
    assert_eq!(
        cell("IRQ")[0],
        Observation::withheld(Measure::Observations, ConfStatus::Primary)
    );
    assert_eq!(
        cell("IRQ")[1],
        Observation::withheld(Measure::MedianAmount, ConfStatus::Primary)
    );
    assert_eq!(cell("SYR")[0].conf_status, ConfStatus::Secondary);
    assert_eq!(
        cell("SYR")[1],
        Observation::withheld(Measure::MedianAmount, ConfStatus::Secondary)
    );
    // Across currencies a median cannot exist.
    let all = r
        .cell(&key(TableId::Fees, &["_T", "_T", "PER_PERSON", "_T"]))
        .unwrap();
    assert_eq!(
        all.observations[1],
        Observation::missing(Measure::MedianAmount)
    );
}

fn arb_report() -> impl Strategy<Value = Report> {
    let countries = prop::sample::select(vec!["AFG", "SYR", "IRQ", "TUR"]);
    let group = (
        countries.clone(),
        prop::sample::select(Sex::ALL.to_vec()),
        prop::sample::select(AgeBand::ALL.to_vec()),
        1u32..12,
    );
    prop_oneof![
        4 => (
            any::<u64>(),
            prop::sample::select(Method::ALL.to_vec()),
            prop::option::of(countries.clone()),
            prop::collection::vec(group, 0..3),
        )
            .prop_map(|(n, m, o, g)| movement(n, m, o, &g)),
        1 => (any::<u64>(), 1u64..1_000, countries.clone(), prop::sample::select(vec!["EUR", "USD"]))
            .prop_map(|(n, a, o, c)| {
                let mut r = example_fee(&ExampleParams::default());
                r.report_id = report_id(n);
                if let Some(Body::Fee(f)) = r.body.as_mut() {
                    f.amount = a * 1000;
                    f.currency = Currency::parse(c).unwrap();
                    f.route = vec![RouteLeg {
                        from_country: iso(o),
                        to_country: iso("GRC"),
                        transport_mode: TransportMode::Land,
                    }];
                }
                r
            }),
        1 => (any::<u64>(), countries.clone(), prop::sample::select(SmugglerRole::ALL[..4].to_vec()))
            .prop_map(|(n, c, role)| {
                let mut r = example_smuggler(&ExampleParams::default());
                r.report_id = report_id(n);
                if let Some(Body::Smuggler(s)) = r.body.as_mut() {
                    s.roles = vec![role];
                    s.citizenship = iso(c);
                }
                r
            }),
        1 => (any::<u64>(), 1u32..6, countries.clone(), prop::sample::select(DocumentType::ALL.to_vec()))
            .prop_map(|(n, count, c, ty)| {
                let mut r = example_document(&ExampleParams::default());
                r.report_id = report_id(n);
                if let Some(Body::Document(d)) = r.body.as_mut() {
                    d.count = count;
                    d.issuing_country = iso(c);
                    d.document_type = ty;
                }
                r
            }),
        1 => (any::<u64>(), prop::sample::select(Offence::ALL.to_vec()), 0usize..3).prop_map(
            |(n, offence, keep)| {
                let mut r = example_case(&ExampleParams::default());
                r.report_id = report_id(n);
                if let Some(Body::Case(c)) = r.body.as_mut() {
                    c.offences = vec![offence];
                    c.proceedings.truncate(keep);
                }
                r
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For random report sets and k, every threshold release of every table publishes
    /// only 0 or values of at least k, and no withheld value can be recomputed from the
    /// published cells and margins; the same holds for a revision built with the
    /// differencing guard after late reports, whose published values never move by 1 to
    /// k−1.
    #[test]
    fn threshold_releases_never_leak(
        reports in prop::collection::vec(arb_report(), 1..60),
        late in prop::collection::vec(arb_report(), 0..8),
        k in 2u32..8,
    ) {
        let t1 = tables_of(&reports);
        let mut all = reports.clone();
        all.extend(late);
        let t2 = tables_of(&all);
        for table in TableId::ALL {
            let v1 = build_threshold(meta("GRC", table, 1), &t1, k, None).unwrap();
            assert_safe(&v1, &t1, k);
            let v2 = build_threshold(meta("GRC", table, 2), &t2, k, Some(&v1)).unwrap();
            assert_safe(&v2, &t2, k);
            for c in &v2.cells {
                for o in c.observations.iter().filter(|o| o.measure.is_count()) {
                    if let (Some(new), Some(old)) = (o.value, v1.published(&c.key, o.measure)) {
                        let d = new.abs_diff(old);
                        prop_assert!(d == 0 || d >= u64::from(k), "{} {}: {} -> {}", table, c.key, old, new);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The threshold pass against a plain reference implementation
// ---------------------------------------------------------------------------------------

/// A line of the reference: the dimension that varies, and the other codes (`""` at that
/// dimension).
type RefLine = (usize, Vec<&'static str>);

fn ref_line(key: &CellKey, dim: usize) -> RefLine {
    let mut codes = key.codes().to_vec();
    codes[dim] = "";
    (dim, codes)
}

/// The threshold rules written plainly (string-keyed maps, every line recounted each
/// time it is looked at): what [`threshold`] must return, value for value.
fn threshold_reference(
    table: TableId,
    cells: &BTreeMap<CellKey, Vec<i64>>,
    k: u32,
    previous: Option<&PreviousValues>,
) -> Vec<(CellKey, Measure, ConfStatus)> {
    let measures = table.count_measures();
    let dims = table.dimensions().len();
    let k = u64::from(k);
    let small = |v: i64| v > 0 && v.unsigned_abs() < k;
    let guarded = |key: &CellKey, m: Measure, v: i64| {
        previous
            .and_then(|p| p.get(key, m))
            .is_some_and(|prev| (1..k).contains(&v.abs_diff(prev)))
    };
    let mut withheld: Vec<BTreeMap<CellKey, ConfStatus>> = vec![BTreeMap::new(); measures.len()];
    for (key, vals) in cells {
        let freq_flag = small(vals[0]) || guarded(key, measures[0], vals[0]);
        for ((i, &v), &m) in vals.iter().enumerate().zip(measures) {
            if v != 0 && (freq_flag || small(v) || guarded(key, m, v)) {
                withheld[i].insert(key.clone(), ConfStatus::Primary);
            }
        }
    }
    for (i, wm) in withheld.iter_mut().enumerate() {
        let mut lines: BTreeMap<RefLine, Vec<&CellKey>> = BTreeMap::new();
        for (key, vals) in cells {
            if vals[i] != 0 {
                for d in 0..dims {
                    lines.entry(ref_line(key, d)).or_default().push(key);
                }
            }
        }
        // Smallest line first; a line is looked at again whenever one of its cells is
        // withheld.
        let mut work: BTreeSet<RefLine> = wm
            .keys()
            .flat_map(|key| (0..dims).map(move |d| ref_line(key, d)))
            .collect();
        while let Some(line) = work.pop_first() {
            let Some(members) = lines.get(&line) else {
                continue;
            };
            if members.iter().filter(|m| wm.contains_key(**m)).count() != 1 {
                continue;
            }
            let partner = members
                .iter()
                .filter(|m| !wm.contains_key(**m))
                .min_by_key(|m| (cells[**m][i], m.totals(), **m));
            if let Some(&p) = partner {
                wm.insert(p.clone(), ConfStatus::Secondary);
                work.extend((0..dims).map(|d| ref_line(p, d)));
            }
        }
    }
    let mut out: Vec<(CellKey, Measure, ConfStatus)> = withheld
        .into_iter()
        .zip(measures)
        .flat_map(|(wm, &m)| wm.into_iter().map(move |(key, s)| (key, m, s)))
        .collect();
    out.sort();
    out
}

fn threshold_list(
    table: TableId,
    cells: &BTreeMap<CellKey, Vec<i64>>,
    k: u32,
    previous: Option<&PreviousValues>,
) -> Vec<(CellKey, Measure, ConfStatus)> {
    let s = threshold(table, cells, k, previous).unwrap();
    let out: Vec<_> = s.iter().map(|(key, m, st)| (key.clone(), m, st)).collect();
    assert_eq!(out.len(), s.len());
    out
}

/// What a threshold release of `cells` published, for the differencing guard.
fn previous_of(
    table: TableId,
    cells: &BTreeMap<CellKey, Vec<i64>>,
    sup: &[(CellKey, Measure, ConfStatus)],
) -> PreviousValues {
    let withheld: BTreeSet<(&CellKey, Measure)> = sup.iter().map(|(c, m, _)| (c, *m)).collect();
    let mut p = PreviousValues::new(Some(0));
    for (key, vals) in cells {
        for (&v, &m) in vals.iter().zip(table.count_measures()) {
            let shown = (!withheld.contains(&(key, m))).then_some(v);
            p.insert(key.clone(), m, shown);
        }
    }
    p
}

/// Random cells of `table`: each code drawn among the first few of its dimension or
/// `_T`, values small (many zeros and many values below k), margins not necessarily
/// consistent (the pass does not rely on them).
fn arb_cells() -> impl Strategy<Value = (TableId, BTreeMap<CellKey, Vec<i64>>)> {
    prop::sample::select(TableId::ALL.to_vec()).prop_flat_map(|table| {
        let dims = table.dimensions().len();
        let cell = (
            prop::collection::vec(0usize..5, dims),
            prop::collection::vec(
                prop_oneof![3 => Just(0i64), 4 => 1i64..6, 2 => 6i64..40, 1 => -3i64..0],
                table.count_measures().len(),
            ),
        );
        prop::collection::vec(cell, 0..120).prop_map(move |raw| {
            let mut cells = BTreeMap::new();
            for (idx, vals) in raw {
                let codes: Vec<&str> = table
                    .dimensions()
                    .iter()
                    .zip(&idx)
                    .map(|(d, &i)| {
                        let n = d.codes.len().min(4);
                        if i >= n {
                            TOTAL
                        } else {
                            d.codes.get(i).unwrap()
                        }
                    })
                    .collect();
                cells.insert(CellKey::parse(table, &codes).unwrap(), vals);
            }
            (table, cells)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The threshold pass gives exactly what the plain reference gives (same values
    /// withheld, same statuses, same secondary partners), on the tables of random
    /// reports, with and without the differencing guard.
    #[test]
    fn threshold_matches_the_reference_on_report_tables(
        reports in prop::collection::vec(arb_report(), 1..80),
        late in prop::collection::vec(arb_report(), 0..10),
        k in 1u32..9,
    ) {
        let t1 = tables_of(&reports);
        let mut all = reports.clone();
        all.extend(late);
        let t2 = tables_of(&all);
        for table in TableId::ALL {
            let v1 = threshold_list(table, t1.cells(table), k, None);
            prop_assert_eq!(&v1, &threshold_reference(table, t1.cells(table), k, None));
            let prev = previous_of(table, t1.cells(table), &v1);
            let v2 = threshold_list(table, t2.cells(table), k, Some(&prev));
            prop_assert_eq!(v2, threshold_reference(table, t2.cells(table), k, Some(&prev)));
        }
    }

    /// The same on random cell sets (inconsistent margins, negative values, zeros).
    #[test]
    fn threshold_matches_the_reference_on_random_cells(
        (table, cells) in arb_cells(),
        k in 1u32..9,
    ) {
        let v1 = threshold_list(table, &cells, k, None);
        prop_assert_eq!(&v1, &threshold_reference(table, &cells, k, None));
        let mut later = cells.clone();
        for vals in later.values_mut() {
            vals[0] += 2;
        }
        let prev = previous_of(table, &cells, &v1);
        prop_assert_eq!(
            threshold_list(table, &later, k, Some(&prev)),
            threshold_reference(table, &later, k, Some(&prev))
        );
    }
}

// ---------------------------------------------------------------------------------------
// The sampler
// ---------------------------------------------------------------------------------------

/// Upper critical value of chi-square with `df` degrees of freedom at p = 0.001
/// (Wilson–Hilferty).
fn chi2_critical_p001(df: f64) -> f64 {
    let z = 3.090_232_306_167_813;
    let a = 2.0 / (9.0 * df);
    df * (1.0 - a + z * a.sqrt()).powi(3)
}

/// Chi-square of 200,000 draws against P(x) = (1−p)/(1+p)·p^|x|, p = exp(−ε/Δ), with
/// the tails beyond ±B binned.
fn chi_square(epsilon: Epsilon, delta: u32, seed: u64) -> (f64, f64) {
    const N: usize = 200_000;
    let mut rng = InsecureSeededRng::new(seed);
    let mut hist: BTreeMap<i64, u64> = BTreeMap::new();
    for _ in 0..N {
        *hist
            .entry(discrete_laplace(&mut rng, epsilon, delta))
            .or_insert(0) += 1;
    }
    let p = (-(f64::from(epsilon.num()) / f64::from(epsilon.den())) / f64::from(delta)).exp();
    let pmf = |x: i64| (1.0 - p) / (1.0 + p) * p.powi(x.unsigned_abs() as i32);
    let n = N as f64;
    // P(X > b) = p^(b+1) / (1 + p). Bins |x| <= B, and two tail bins |x| > B each
    // expecting at least 5 draws.
    let tail_beyond = |b: i64| p.powi((b + 1) as i32) / (1.0 + p);
    let mut b = 0i64;
    while n * tail_beyond(b + 1) >= 5.0 {
        b += 1;
    }
    let tail = tail_beyond(b);
    let mut stat = 0.0;
    let mut add = |observed: u64, expected: f64| {
        let d = observed as f64 - expected;
        stat += d * d / expected;
    };
    for x in -b..=b {
        add(hist.get(&x).copied().unwrap_or(0), n * pmf(x));
    }
    add(hist.range(..-b).map(|(_, c)| c).sum(), n * tail);
    add(hist.range(b + 1..).map(|(_, c)| c).sum(), n * tail);
    let bins = (2 * b + 3) as f64;
    (stat, chi2_critical_p001(bins - 1.0))
}

#[test]
fn the_sampler_matches_the_discrete_laplace_law() {
    for (num, den, seed) in [
        (1, 1, 0x5eed_0001),
        (1, 2, 0x5eed_0002),
        (3, 1, 0x5eed_0003),
    ] {
        let eps = Epsilon::new(num, den).unwrap();
        let (stat, critical) = chi_square(eps, 1, seed);
        eprintln!("eps {eps}, delta 1: chi2 = {stat:.2}, critical (p = 0.001) = {critical:.2}");
        assert!(stat < critical, "eps {eps}: chi2 {stat} >= {critical}");
    }
    // Δ scales like 1/ε: Δ = 2, ε = 1 is the law of ε = 1/2.
    let (stat, critical) = chi_square(Epsilon::new(1, 1).unwrap(), 2, 0x5eed_0004);
    assert!(stat < critical, "delta 2: chi2 {stat} >= {critical}");
}

#[test]
fn the_chi_square_test_rejects_a_wrong_scale() {
    // Draws of scale 2 judged against the law of scale 1: the test has power.
    let mut rng = InsecureSeededRng::new(7);
    let eps = Epsilon::new(1, 2).unwrap();
    let p = (-1.0f64).exp();
    let pmf = |x: i64| (1.0 - p) / (1.0 + p) * p.powi(x.unsigned_abs() as i32);
    let n = 20_000.0;
    let mut hist: BTreeMap<i64, u64> = BTreeMap::new();
    for _ in 0..20_000 {
        *hist.entry(discrete_laplace(&mut rng, eps, 1)).or_insert(0) += 1;
    }
    let stat: f64 = (-3..=3)
        .map(|x| {
            let e = n * pmf(x);
            let d = hist.get(&x).copied().unwrap_or(0) as f64 - e;
            d * d / e
        })
        .sum();
    assert!(stat > chi2_critical_p001(6.0), "{stat}");
}

#[test]
fn the_system_rng_draws() {
    let mut rng = SystemRng::new();
    let words: BTreeSet<u64> = (0..100).map(|_| rng.next_u64()).collect();
    assert!(words.len() > 95);
    let _ = discrete_laplace(&mut rng, Epsilon::new(1, 1).unwrap(), 1);
    assert_eq!(
        discrete_laplace(&mut rng, Epsilon::new(1, 1).unwrap(), 0),
        0
    );
}

// ---------------------------------------------------------------------------------------
// Noise releases
// ---------------------------------------------------------------------------------------

fn case_reports() -> Vec<Report> {
    (0..12)
        .map(|i| {
            let mut r = example_case(&ExampleParams::default());
            r.report_id = report_id(i);
            if let Some(Body::Case(c)) = r.body.as_mut() {
                c.offences = vec![Offence::ALL[(i % 4) as usize]];
                c.proceedings.truncate((i % 3) as usize);
            }
            r
        })
        .collect()
}

#[test]
fn noisy_margins_are_sums_of_noisy_cells() {
    let caps = Caps {
        persons_per_case: Some(3),
        ..Caps::EXACT
    };
    let mut tables = Tables::new();
    for r in case_reports() {
        tables
            .apply(&contributions(&r, &march(), &caps), Sign::Add)
            .unwrap();
    }
    let params = NoiseParams {
        epsilon: Epsilon::new(1, 2).unwrap(),
        delta: caps.delta(TableId::Cases).unwrap(),
        k: 0,
    };
    let dense = build_noise(
        meta("GRC", TableId::Cases, 1),
        &tables,
        params,
        &mut InsecureSeededRng::new(11),
    )
    .unwrap();
    // k = 0: every cell of the 5 x 6 x 6 grid is listed.
    assert_eq!(dense.cells.len(), TableId::Cases.grid_cells());
    let dims = TableId::Cases.dimensions();
    for c in &dense.cells {
        for (d, dim) in dims.iter().enumerate() {
            if c.key.codes()[d] != TOTAL {
                continue;
            }
            for (i, &m) in TableId::Cases.count_measures().iter().enumerate() {
                let sum: i64 = dim
                    .codes
                    .iter()
                    .map(|code| dense.published(&c.key.with(d, code), m).unwrap())
                    .sum();
                assert_eq!(c.observations[i].value, Some(sum), "{} {m}", c.key);
            }
        }
    }
    // The noise is not zero everywhere.
    assert!(dense.cells.iter().any(|c| {
        c.observations[0].value != Some(tables.count(TableId::Cases, &c.key, Measure::Cases))
    }));
    // Same draws with k = 5: values below 5 are shown as <5, decided on the noisy value.
    let shown = build_noise(
        meta("GRC", TableId::Cases, 1),
        &tables,
        NoiseParams { k: 5, ..params },
        &mut InsecureSeededRng::new(11),
    )
    .unwrap();
    for c in &dense.cells {
        let noisy = c.observations[0].value.unwrap();
        match shown.cell(&c.key) {
            Some(s) if noisy >= 5 => assert_eq!(s.observations[0].value, Some(noisy)),
            Some(s) => {
                assert_eq!(
                    s.observations[0],
                    Observation::withheld(Measure::Cases, ConfStatus::Primary)
                );
                assert_eq!(s.observations[0].display(&shown.policy), "<5");
            }
            None => assert!(c.observations.iter().all(|o| o.value.unwrap() < 5)),
        }
    }
    assert_eq!(decode_release(&encode_release(&shown)).unwrap(), shown);
}

#[test]
fn noise_refuses_grids_it_cannot_draw_and_zero_delta() {
    let params = NoiseParams {
        epsilon: Epsilon::new(1, 1).unwrap(),
        delta: 1,
        k: 5,
    };
    let err = build_noise(
        meta("GRC", TableId::Fees, 1),
        &Tables::new(),
        params,
        &mut InsecureSeededRng::new(1),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ReleaseError::Disclosure(DisclosureError::GridTooLarge {
            table: TableId::Fees,
            ..
        })
    ));
    let err = build_noise(
        meta("GRC", TableId::Smugglers, 1),
        &Tables::new(),
        NoiseParams { delta: 0, ..params },
        &mut InsecureSeededRng::new(1),
    )
    .unwrap_err();
    assert_eq!(err, ReleaseError::Disclosure(DisclosureError::InvalidDelta));
}

// ---------------------------------------------------------------------------------------
// Budget and policy
// ---------------------------------------------------------------------------------------

#[test]
fn the_budget_refuses_an_over_budget_release() {
    let eps = |n, d| Epsilon::new(n, d).unwrap();
    let april = Period::parse("2026-M04").unwrap();
    let spent = [
        Spend {
            table: TableId::Movements,
            period: march(),
            epsilon: eps(1, 2),
        },
        Spend {
            table: TableId::Persons,
            period: march(),
            epsilon: eps(1, 3),
        },
        Spend {
            table: TableId::Movements,
            period: april,
            epsilon: eps(1, 1),
        },
    ];
    let cap = eps(1, 1);
    let fits = Spend {
        table: TableId::Cases,
        period: march(),
        epsilon: eps(1, 6),
    };
    assert_eq!(can_spend(&spent, cap, &fits), Ok(()));
    let over = Spend {
        epsilon: eps(1, 5),
        ..fits
    };
    let err = can_spend(&spent, cap, &over).unwrap_err();
    assert_eq!(
        err,
        BudgetError::Exceeded {
            table: TableId::Cases,
            period: march(),
            spent: EpsilonSum { num: 5, den: 6 },
            requested: eps(1, 5),
            cap,
        }
    );
    assert_eq!(
        err.to_string(),
        "privacy budget exceeded for period 2026-M03: 5/6 already spent + 1/5 requested for CASES > cap 1"
    );
    // Another period has its own budget.
    assert_eq!(
        can_spend(
            &spent,
            cap,
            &Spend {
                period: april,
                epsilon: eps(1, 5),
                ..fits
            }
        )
        .map_err(|_| ()),
        Err(())
    );
    let may = Period::parse("2026-M05").unwrap();
    assert_eq!(
        can_spend(
            &spent,
            cap,
            &Spend {
                period: may,
                ..over
            }
        ),
        Ok(())
    );
}

#[test]
fn k_below_the_floor_is_refused() {
    assert_eq!(check_k(DEFAULT_K, 5), Ok(()));
    assert_eq!(check_k(10, 5), Ok(()));
    assert_eq!(
        check_k(4, 5),
        Err(PolicyError::BelowFloor { k: 4, floor: 5 })
    );
    assert!(check_k(0, 0).is_err());
}

// ---------------------------------------------------------------------------------------
// Signing, the wire, exports, regional sums
// ---------------------------------------------------------------------------------------

fn sample_release(origin: &str, reports: &[Report]) -> (Release, Tables) {
    let tables = tables_of(reports);
    let r = build_threshold(meta(origin, TableId::Movements, 1), &tables, 5, None).unwrap();
    (r, tables)
}

fn sample_reports() -> Vec<Report> {
    let mut reports = boats(1, 6, Method::Sea, "AFG");
    reports.extend(boats(100, 2, Method::Land, "SYR"));
    reports.extend(boats(200, 9, Method::Land, "TUR"));
    reports
}

#[test]
fn a_release_signs_and_verifies() {
    let (release, _) = sample_release("GRC", &sample_reports());
    let key = SigningKey::from_seed("grc-node", &[5; 32]).unwrap();
    let env = sign_release(&release, &key);
    assert_eq!(env.payload_type, vrs_proto::RELEASE_PAYLOAD_TYPE);
    assert_eq!(
        env.verify(vrs_proto::RELEASE_PAYLOAD_TYPE, &key.public_key()),
        Ok(())
    );
    assert_eq!(open_release(&env, &key.public_key()).unwrap(), release);
    // Another key, or one changed byte, fails before anything is parsed.
    let other = SigningKey::from_seed("other", &[6; 32]).unwrap();
    assert_eq!(
        open_release(&env, &other.public_key()),
        Err(ReleaseError::Envelope(EnvelopeError::BadSignature))
    );
    let mut bad = env.clone();
    let last = bad.payload.len() - 1;
    bad.payload[last] ^= 1;
    assert!(
        bad.verify(vrs_proto::RELEASE_PAYLOAD_TYPE, &key.public_key())
            .is_err()
    );
    // The JSON form is plain DSSE.
    assert_eq!(
        vrs_core::envelope::Envelope::from_json(&env.to_json()).unwrap(),
        env
    );
}

#[test]
fn the_wire_refuses_small_cells_and_unknown_code_lists() {
    let (release, _) = sample_release("GRC", &sample_reports());
    let good = pb::Release::from(&release);
    // Publish the withheld LAND.SYR.GRC = 2 by hand: the receiver refuses it.
    let mut m = good.clone();
    let cell = m
        .cells
        .iter_mut()
        .find(|c| c.key == ["LAND", "SYR", "GRC"])
        .unwrap();
    cell.observations[0] = pb::Observation {
        measure: "EVENTS".into(),
        value: Some(2),
        obs_status: "A".into(),
        conf_status: "F".into(),
    };
    let err = decode_release(&m.encode_to_vec()).unwrap_err();
    assert!(
        matches!(&err, ReleaseError::Invalid { field, .. } if field.ends_with("observations[0].value")),
        "{err}"
    );
    let mut m = good.clone();
    m.code_list_version = "1999.9".into();
    assert!(matches!(
        decode_release(&m.encode_to_vec()),
        Err(ReleaseError::CodeListVersion { .. })
    ));
    let mut m = good.clone();
    m.cells.swap(0, 1);
    assert!(decode_release(&m.encode_to_vec()).is_err());
    let mut m = good.clone();
    m.cells[0].observations[0].conf_status = "F".into();
    m.cells[0].observations[0].value = None;
    assert!(decode_release(&m.encode_to_vec()).is_err());
    // Unknown fields are refused.
    let mut bytes = good.encode_to_vec();
    bytes.extend_from_slice(&[0xa8, 0x06, 0x01]); // field 101, varint 1
    assert!(matches!(
        decode_release(&bytes),
        Err(ReleaseError::Decode(_))
    ));
    // And nothing below k is in the bytes the good release puts on the wire.
    let decoded = pb::Release::decode(encode_release(&release).as_slice()).unwrap();
    for c in &decoded.cells {
        for o in &c.observations {
            assert!(o.value.is_none_or(|v| v == 0 || v >= 5), "{:?}", c.key);
        }
    }
}

#[test]
fn sdmx_csv_has_the_standard_header_and_rows() {
    let (release, _) = sample_release("GRC", &sample_reports());
    let csv = export_sdmx_csv(std::slice::from_ref(&release)).unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next(),
        Some(
            "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,METHOD,ORIGIN,DESTINATION,MEASURE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,CONF_STATUS"
        )
    );
    assert!(csv.contains(
        "\r\ndataflow,VRS:DF_MOVEMENTS(1.0),I,GRC,SEA,AFG,GRC,EVENTS,2026-M03,6,A,F\r\n"
    ));
    assert!(csv.contains(
        "\r\ndataflow,VRS:DF_MOVEMENTS(1.0),I,GRC,LAND,SYR,GRC,EVENTS,2026-M03,,Q,A\r\n"
    ));
    assert!(
        csv.contains(
            "\r\ndataflow,VRS:DF_MOVEMENTS(1.0),I,GRC,_T,_T,_T,PERSONS,2026-M03,17,A,F\r\n"
        )
    );
    assert!(csv.ends_with("\r\n"));
    // Every row has the header's number of fields.
    for line in csv.split("\r\n").filter(|l| !l.is_empty()) {
        assert_eq!(line.split(',').count(), 12, "{line}");
    }
    assert_eq!(release.to_sdmx_csv(), csv);
    // One table per export.
    let (other, _) = sample_release("GRC", &sample_reports());
    let cases = build_threshold(meta("GRC", TableId::Cases, 1), &Tables::new(), 5, None).unwrap();
    assert!(export_sdmx_csv(&[other, cases]).is_err());
}

#[test]
fn csv_and_json_exports() {
    let (release, _) = sample_release("GRC", &sample_reports());
    let csv = export_csv(std::slice::from_ref(&release)).unwrap();
    assert!(csv.starts_with(
        "REF_AREA,TIME_PERIOD,TABLE,VERSION,POLICY,METHOD,ORIGIN,DESTINATION,MEASURE,OBS_VALUE,DISPLAY,OBS_STATUS,CONF_STATUS\r\n"
    ));
    assert!(csv.contains("\r\nGRC,2026-M03,MOVEMENTS,1,threshold,LAND,SYR,GRC,EVENTS,,x,Q,A\r\n"));
    let json: serde_json::Value =
        serde_json::from_str(&export_json(std::slice::from_ref(&release))).unwrap();
    let r = &json[0];
    assert_eq!(r["structure_id"], "VRS:DF_MOVEMENTS(1.0)");
    assert_eq!(r["policy"]["k"], 5);
    assert_eq!(r["unlisted_cells"], "0");
    assert_eq!(r["cells"].as_array().unwrap().len(), release.cells.len());
    let first = &r["cells"][0];
    assert_eq!(first["key"]["METHOD"], release.cells[0].key.codes()[0]);
}

#[test]
fn regional_sums_flag_withheld_national_values() {
    let (grc, _) = sample_release("GRC", &sample_reports());
    // Italy: 12 sea boats from SYR, 7 land boats from SYR.
    let mut it = boats(1, 12, Method::Sea, "SYR");
    it.extend(boats(100, 7, Method::Land, "SYR"));
    let (ita, _) = sample_release("ITA", &it);
    let region = regional_sum(&[grc.clone(), ita.clone()]).unwrap();
    assert_eq!(region.origins, vec![iso("GRC"), iso("ITA")]);
    let get = |codes: &[&str], m| region.get(&key(TableId::Movements, codes), m).unwrap();
    // GRC withholds LAND.SYR.GRC (2): the region's 2 + 7 is a lower bound, shown as 7.
    assert_eq!(
        get(&["LAND", "SYR", "GRC"], Measure::Events),
        RegionalValue {
            value: 7,
            lower_bound: true
        }
    );
    // Published everywhere: exact (ITA has no AFG cell: a published zero).
    assert_eq!(
        get(&["SEA", "AFG", "GRC"], Measure::Events),
        RegionalValue {
            value: 6,
            lower_bound: false
        }
    );
    assert_eq!(
        get(&["_T", "_T", "_T"], Measure::Persons),
        RegionalValue {
            value: 17 + 19,
            lower_bound: false
        }
    );
    assert!(
        region
            .to_csv()
            .contains("\r\nGRC+ITA,2026-M03,MOVEMENTS,LAND,SYR,GRC,EVENTS,7,true\r\n")
    );
    let json: serde_json::Value = serde_json::from_str(&region.to_json()).unwrap();
    assert_eq!(json["origins"][1], "ITA");
    // The same State twice, or different tables, cannot be summed.
    assert!(regional_sum(&[grc.clone(), grc.clone()]).is_err());
    assert!(regional_sum(&[]).is_err());
}

#[test]
fn release_keys_and_dates_are_what_they_claim() {
    let (release, _) = sample_release("GRC", &sample_reports());
    assert_eq!(release.period.start(), Date::parse("2026-03-01").unwrap());
    assert!(release.cells.windows(2).all(|w| w[0].key < w[1].key));
    assert_eq!(release.checkpoint.size, 42);
    assert_eq!(release.dimension_ids(), ["METHOD", "ORIGIN", "DESTINATION"]);
}

#[test]
fn noise_draws_the_whole_movements_grid() {
    // The largest grid the noise policy takes: 4 x 251 x 251 cells, margins included.
    let caps = Caps {
        persons_per_event: Some(4),
        ..Caps::EXACT
    };
    let mut tables = Tables::new();
    for r in sample_reports() {
        tables
            .apply(&contributions(&r, &march(), &caps), Sign::Add)
            .unwrap();
    }
    let params = NoiseParams {
        epsilon: Epsilon::new(1, 1).unwrap(),
        delta: caps.delta(TableId::Movements).unwrap(),
        k: 5,
    };
    let r = build_noise(
        meta("GRC", TableId::Movements, 1),
        &tables,
        params,
        &mut InsecureSeededRng::new(3),
    )
    .unwrap();
    assert!(r.cells.len() < TableId::Movements.grid_cells());
    for c in &r.cells {
        assert!(
            c.observations
                .iter()
                .any(|o| o.value.is_some_and(|v| v >= 5))
        );
        for o in &c.observations {
            match o.value {
                Some(v) => assert!(v >= 5),
                None => assert_eq!(*o, Observation::withheld(o.measure, ConfStatus::Primary)),
            }
        }
    }
    let bytes = encode_release(&r);
    assert!(bytes.len() < vrs_core::wire::MAX_RELEASE_BYTES);
    assert_eq!(decode_release(&bytes).unwrap(), r);
}
