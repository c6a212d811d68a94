//! Disclosure control and releases through the public API: threshold suppression (no
//! small value published, no withheld value recomputable from the published cells and
//! margins), the differencing guard, the exact discrete Laplace sampler, noisy releases,
//! the budget check, signing, wire checks, exports and regional sums.
// Tests may panic on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use vrs_core::aggregate::*;
use vrs_core::codes::{Date, TOTAL};
use vrs_core::disclosure::Rng;
use vrs_core::disclosure::testing::InsecureSeededRng;
use vrs_core::disclosure::*;
use vrs_core::envelope::{EnvelopeError, SigningKey};
use vrs_core::release::*;
use vrs_core::report::examples::{ExampleParams, example_case, report_id};
use vrs_core::report::*;
use vrs_core::wire::{decode_release, encode_release, release_scope};
use vrs_proto::v1 as pb;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

mod common;
use common::*;

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
    let r = build_threshold(meta(origin, TableId::Movements, 1), &tables, 5).unwrap();
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
fn the_reciprocity_policy_is_signed_into_the_release_and_read_back() {
    let (none, _) = sample_release("GRC", &sample_reports());
    assert_eq!(none.reciprocity, Reciprocity::None);
    // NONE is the absent field: a release built before the field keeps its bytes.
    assert!(pb::Release::from(&none).reciprocity.is_none());
    let tables = tables_of(&sample_reports());
    for include_secretariats in [false, true] {
        let mut m = meta("GRC", TableId::Movements, 1);
        m.reciprocity = Reciprocity::Period {
            include_secretariats,
        };
        let r = build_threshold(m, &tables, 5).unwrap();
        let bytes = encode_release(&r);
        assert_ne!(bytes, encode_release(&none));
        assert_eq!(decode_release(&bytes).unwrap(), r);
        let scope = release_scope(&bytes).unwrap();
        assert_eq!(
            (
                scope.origin.as_str(),
                scope.period.as_str(),
                scope.reciprocity
            ),
            ("GRC", MARCH, r.reciprocity)
        );
        // Signed: changing the policy breaks the signature.
        let key = SigningKey::from_seed("grc-node", &[5; 32]).unwrap();
        let mut env = sign_release(&r, &key);
        env.payload = encode_release(&none);
        assert!(open_release(&env, &key.public_key()).is_err());
    }
    assert_eq!(
        release_scope(&encode_release(&none)).unwrap().reciprocity,
        Reciprocity::None
    );
    // A present but unspecified mode, and an unknown one, are refused with the path.
    for mode in [0, 7] {
        let mut m = pb::Release::from(&none);
        m.reciprocity = Some(pb::ReciprocityPolicy {
            mode,
            include_secretariats: false,
        });
        let err = decode_release(&m.encode_to_vec()).unwrap_err();
        assert!(
            matches!(&err, ReleaseError::Invalid { field, .. } if field == "reciprocity.mode"),
            "{err}"
        );
        assert!(release_scope(&m.encode_to_vec()).is_err());
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
    let cases = build_threshold(meta("GRC", TableId::Cases, 1), &Tables::new(), 5).unwrap();
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
            lower_bound: true,
            withheld: false,
        }
    );
    // Published everywhere: exact (ITA has no AFG cell: a published zero).
    assert_eq!(
        get(&["SEA", "AFG", "GRC"], Measure::Events),
        RegionalValue {
            value: 6,
            lower_bound: false,
            withheld: false,
        }
    );
    assert_eq!(
        get(&["_T", "_T", "_T"], Measure::Persons),
        RegionalValue {
            value: 17 + 19,
            lower_bound: false,
            withheld: false,
        }
    );
    assert!(
        region
            .to_csv()
            .contains("\r\nGRC+ITA,2026-M03,MOVEMENTS,LAND,SYR,GRC,EVENTS,7,true\r\n")
    );
    let json: serde_json::Value = serde_json::from_str(&region.to_json()).unwrap();
    assert_eq!(json["origins"][1], "ITA");
    // Withheld by the only State that lists it: shown empty, never as 0.
    let alone = regional_sum(std::slice::from_ref(&grc)).unwrap();
    assert_eq!(
        alone.get(
            &key(TableId::Movements, &["LAND", "SYR", "GRC"]),
            Measure::Events
        ),
        Some(RegionalValue {
            value: 0,
            lower_bound: true,
            withheld: true,
        })
    );
    assert!(
        alone
            .to_csv()
            .contains("\r\nGRC,2026-M03,MOVEMENTS,LAND,SYR,GRC,EVENTS,,true\r\n"),
        "{}",
        alone.to_csv()
    );
    let json: serde_json::Value = serde_json::from_str(&alone.to_json()).unwrap();
    let cell = json["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["values"][0]["withheld"] == true)
        .unwrap();
    assert!(
        cell["values"][0]["value"].is_null() && cell["values"][0]["withheld"] == true,
        "{cell}"
    );
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
