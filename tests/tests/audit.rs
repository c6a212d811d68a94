//! Disclosure control end to end, tested as the adversary: a real node releases a period
//! (and its revision) of varied reports, a secretariat fetches every release over mTLS,
//! and the mixed-integer attacker of `core/tests/attacker` solves everything it received.
//! No withheld value may be narrowed beyond what the model allows.

#[path = "../../core/tests/attacker/mod.rs"]
mod attacker;

use std::collections::BTreeSet;

use vrs_client::pki::Identity;
use vrs_core::aggregate::{Caps, CellKey, Measure, Period, Sign, TableId, Tables, contributions};
use vrs_core::release::Release;
use vrs_core::report::examples::{self, ExampleParams};
use vrs_core::report::{
    AgeBand, Aggravation, Body, Date, Iso3, Method, PersonGroup, RecordType, Report, RouteLeg, Sex,
    SubMethod, TransportMode,
};
use vrs_proto::v1 as pb;
use vrs_tests::StateNode;

const STATE: &str = "GRC";
const K: u32 = 5;

fn iso(c: &str) -> Iso3 {
    Iso3::new(c).expect("iso")
}

fn params(n: u64, day: u8) -> ExampleParams {
    ExampleParams::new(iso(STATE), "hcg-piraeus-01", examples::report_id(n))
        .on(Date::new(2026, 10, day).expect("date"))
}

/// A movement by `method` from `origin` to GRC with `persons` of `citizenship`.
fn movement(
    n: u64,
    method: Method,
    origin: &str,
    citizenship: &str,
    persons: u32,
    deaths: u32,
) -> Report {
    let mut r = examples::example(RecordType::Movement, &params(n, 1 + (n % 20) as u8));
    if let Some(Body::Movement(m)) = r.body.as_mut() {
        m.method = method;
        m.sub_method = SubMethod::Other;
        m.route = vec![RouteLeg {
            from_country: iso(origin),
            to_country: iso(STATE),
            transport_mode: TransportMode::Unknown,
        }];
        m.persons = vec![PersonGroup {
            citizenship: iso(citizenship),
            sex: if n.is_multiple_of(2) {
                Sex::Male
            } else {
                Sex::Female
            },
            age_band: if n.is_multiple_of(3) {
                AgeBand::Under18
            } else {
                AgeBand::From18To29
            },
            count: persons,
        }];
        m.unaccompanied_minors = 0;
        m.deaths = deaths.min(persons);
        m.injuries = 0;
        m.aggravating = if deaths > 0 {
            vec![Aggravation::EndangeringLife]
        } else {
            vec![]
        };
    }
    r
}

fn reports() -> Vec<Report> {
    let mut out = Vec::new();
    let mut n = 0;
    // A main route, a few smaller ones, a rare one; with a boat disaster.
    for (method, origin, cit, count, persons) in [
        (Method::Sea, "TUR", "SYR", 14, 9),
        (Method::Sea, "TUR", "AFG", 6, 7),
        (Method::Sea, "LBY", "ERI", 3, 40),
        (Method::Land, "TUR", "IRQ", 8, 3),
        (Method::Land, "ALB", "ALB", 2, 1),
        (Method::Air, "EGY", "EGY", 1, 2),
    ] {
        for _ in 0..count {
            n += 1;
            let deaths = if origin == "LBY" && n % 3 == 0 { 4 } else { 0 };
            out.push(movement(n, method, origin, cit, persons, deaths));
        }
    }
    for kind in [
        RecordType::Smuggler,
        RecordType::Fee,
        RecordType::Document,
        RecordType::Case,
    ] {
        for _ in 0..6 {
            n += 1;
            out.push(examples::example(kind, &params(n, 1 + (n % 20) as u8)));
        }
    }
    out
}

fn tables_of(reports: &[Report]) -> Tables {
    let period = Period::parse("2026-M10").expect("period");
    let mut t = Tables::new();
    for r in reports {
        t.apply(&contributions(r, &period, &Caps::EXACT), Sign::Add)
            .expect("apply");
    }
    t
}

/// Every release of the period as a secretariat receives it, verified.
async fn received(f: &StateNode, version: u32) -> Vec<Release> {
    let sec = f.pki.issue(Identity::secretariat("ROSEAP"));
    let vkey = vrs_core::note::NoteVerifier::parse(&f.node.vkey).expect("vkey");
    let mut out = Vec::new();
    for t in TableId::ALL {
        let env = f.get_release(&sec, t.code(), "2026-M10", version).await;
        out.push(
            vrs_core::release::open_release(
                &vrs_core::wire::envelope_from_pb(env),
                vkey.public_key(),
            )
            .expect("verifies"),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn releases_of_a_real_node_and_their_revision_resist_the_solver() {
    let f = StateNode::start(STATE, "").await;
    let mut all = reports();
    for r in &all {
        f.submit(&pb::Report::from(r)).await.expect("accepted");
    }
    assert_eq!(
        f.release_now("2026-M10", false)
            .await
            .expect("released")
            .len(),
        TableId::ALL.len()
    );
    let t1 = tables_of(&all);
    let v1 = received(&f, 1).await;
    for r in &v1 {
        let a = r
            .audit
            .as_ref()
            .expect("a threshold release records its audit");
        assert!(a.witnesses > 0 && a.requirements > 0, "{a:?}");
        if matches!(
            r.table,
            TableId::Movements | TableId::Persons | TableId::Protection
        ) {
            assert_eq!(
                a.linked_tables,
                vec![TableId::Movements, TableId::Persons, TableId::Protection]
            );
        }
    }
    let truth1 = |(_, t, key, m): &attacker::Loc| t1.count(*t, key, *m);
    let intervals = attacker::attack(K, &v1, None, &|_, _, _| false, &truth1);
    assert!(!intervals.is_empty(), "something is withheld");
    let leaks = attacker::violations(
        K,
        &intervals,
        &truth1,
        &|(_, t, key, m)| {
            attacker::rule_of(
                K,
                attacker::status_in(&v1, *t, key, *m),
                t1.count(*t, key, *m),
            )
        },
        &|only| attacker::status_only(K, &v1, None, &|_, _, _| false, &truth1, only),
    );
    assert!(leaks.is_empty(), "{leaks:#?}");

    // Late reports, then the revision: audited with version 1.
    let mut n = 1000;
    for (method, origin, cit) in [
        (Method::Sea, "TUR", "SYR"),
        (Method::Air, "EGY", "EGY"),
        (Method::Land, "MKD", "PAK"),
    ] {
        n += 1;
        let r = movement(n, method, origin, cit, 2, 0);
        f.submit(&pb::Report::from(&r)).await.expect("accepted");
        all.push(r);
    }
    assert_eq!(
        f.release_now("2026-M10", true)
            .await
            .expect("released")
            .len(),
        TableId::ALL.len()
    );
    let t2 = tables_of(&all);
    let v2 = received(&f, 2).await;
    assert!(
        v2.iter()
            .all(|r| r.audit.as_ref().is_some_and(|a| a.with_version == 1))
    );
    let published_before: BTreeSet<(TableId, CellKey, Measure)> = v1
        .iter()
        .flat_map(|r| {
            r.cells.iter().flat_map(move |c| {
                c.observations
                    .iter()
                    .filter(|o| o.measure.is_count() && o.value.is_some())
                    .map(move |o| (r.table, c.key.clone(), o.measure))
            })
        })
        .collect();
    let leaks = attacker::revision_violations(K, &v1, &t1, &v2, &t2, &|(v, t, key, m), value| {
        let rels = if *v == 1 { &v1 } else { &v2 };
        if *v == 2
            && (published_before.contains(&(*t, key.clone(), *m)) || t1.count(*t, key, *m) == 0)
        {
            attacker::Rule::NotExact
        } else {
            attacker::rule_of(K, attacker::status_in(rels, *t, key, *m), value)
        }
    });
    assert!(leaks.is_empty(), "{leaks:#?}");
}
