//! Helpers shared by the disclosure and audit tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vrs_core::aggregate::*;
use vrs_core::codes::{CODE_LIST_VERSION, Timestamp};
use vrs_core::note::{Checkpoint, NoteSigner, sign_checkpoint};
use vrs_core::release::*;
use vrs_core::report::examples::{
    ExampleParams, example_case, example_document, example_fee, example_movement, example_smuggler,
    report_id,
};
use vrs_core::report::*;

pub const MARCH: &str = "2026-M03";

pub fn march() -> Period {
    Period::parse(MARCH).unwrap()
}

pub fn iso(c: &str) -> Iso3 {
    Iso3::parse(c).unwrap()
}

pub fn key(table: TableId, codes: &[&str]) -> CellKey {
    CellKey::parse(table, codes).unwrap()
}

pub fn checkpoint() -> ReleaseCheckpoint {
    let signer = NoteSigner::from_seed("vrs.example/state/GRC", &[9; 32]).unwrap();
    let cp = Checkpoint {
        origin: "vrs.example/state/GRC".to_owned(),
        size: 42,
        root: [3; 32],
        extensions: vec![],
    };
    ReleaseCheckpoint::from_note(sign_checkpoint(&cp, &[&signer]).unwrap()).unwrap()
}

pub fn meta(origin: &str, table: TableId, version: u32) -> ReleaseMeta {
    ReleaseMeta {
        origin: iso(origin),
        table,
        period: march(),
        version,
        code_list_version: CODE_LIST_VERSION.to_owned(),
        checkpoint: checkpoint(),
        computed_at: Timestamp::parse("2026-04-08T00:00:05Z").unwrap(),
        reciprocity: Default::default(),
    }
}

/// Movement `n` by `method` from `origin` (`None`: unknown route) to GRC with groups, and
/// no deaths, injuries, unaccompanied minors or aggravating circumstances.
pub fn movement(
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
        m.deaths = 0;
        m.injuries = 0;
        m.aggravating = vec![];
    }
    r
}

pub fn tables_of(reports: &[Report]) -> Tables {
    let mut t = Tables::new();
    for r in reports {
        t.apply(&contributions(r, &march(), &Caps::EXACT), Sign::Add)
            .unwrap();
    }
    t
}

/// `n` sea movements from `origin`, one person each.
pub fn boats(first: u64, n: u64, method: Method, origin: &str) -> Vec<Report> {
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

/// A random valid report of March: movements (with protection figures), fees, smugglers,
/// documents and cases, over a few countries so that cells are small and lines short.
pub fn arb_report() -> impl Strategy<Value = Report> {
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
            (0u32..3, 0u32..3, 0u32..3, any::<bool>(), any::<bool>()),
        )
            .prop_map(|(n, m, o, g, (deaths, injuries, minors, life, inhuman))| {
                let mut r = movement(n, m, o, &g);
                if let Some(Body::Movement(mv)) = r.body.as_mut() {
                    let persons = u32::try_from(mv.total_persons()).unwrap_or(0);
                    let under18 = u32::try_from(mv.minors()).unwrap_or(0);
                    mv.deaths = deaths.min(persons);
                    mv.injuries = injuries.min(persons);
                    mv.unaccompanied_minors = minors.min(under18);
                    mv.aggravating = [(life, Aggravation::EndangeringLife), (inhuman, Aggravation::InhumanTreatment)]
                        .into_iter()
                        .filter_map(|(on, a)| on.then_some(a))
                        .collect();
                }
                r
            }),
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
