//! Report validation, conversion and code lists, through the public API.
//!
//! Each rule test starts from a valid example, breaks one thing, and asserts the exact
//! field path and value of the single violation it causes.
// Tests may panic on a broken expectation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use prost::Message;
use vrs_core::codes::{self, Date, Timestamp};
use vrs_core::report::examples::{
    self, ExampleParams, example, example_amendment, example_retraction,
};
use vrs_core::report::*;
use vrs_core::validate::{MIN_DATE, Violation, Violations};
use vrs_core::wire::{MAX_REPORT_BYTES, ReportError, decode_report, encode_report, parse_report};
use vrs_proto::v1 as pb;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The `today` of these tests: four weeks after the examples' day.
fn today() -> Date {
    date("2026-03-31")
}

fn proto(kind: RecordType) -> pb::Report {
    pb::Report::from(&example(kind, &ExampleParams::default()))
}

fn check(m: &pb::Report) -> Result<Report, Violations> {
    parse_report(m, today())
}

fn violations(m: &pb::Report) -> Violations {
    match check(m) {
        Ok(r) => panic!("expected violations, got a valid report: {r:?}"),
        Err(v) => v,
    }
}

/// Asserts that `m` has exactly one violation, of `field` holding `value`.
#[track_caller]
fn assert_one(m: &pb::Report, field: &str, value: &str) -> Violation {
    let v = violations(m);
    assert_eq!(v.len(), 1, "expected one violation, got {v}");
    let got = v.0[0].clone();
    assert_eq!(
        (got.field.as_str(), got.value.as_str()),
        (field, value),
        "{got}"
    );
    assert!(!got.message.is_empty());
    got
}

fn movement(m: &mut pb::Report) -> &mut pb::MovementEvent {
    match &mut m.body {
        Some(pb::report::Body::Movement(x)) => x,
        _ => panic!("not a movement"),
    }
}

fn smuggler(m: &mut pb::Report) -> &mut pb::SmugglerProfile {
    match &mut m.body {
        Some(pb::report::Body::Smuggler(x)) => x,
        _ => panic!("not a smuggler"),
    }
}

fn fee(m: &mut pb::Report) -> &mut pb::FeeObservation {
    match &mut m.body {
        Some(pb::report::Body::Fee(x)) => x,
        _ => panic!("not a fee"),
    }
}

fn document(m: &mut pb::Report) -> &mut pb::DocumentFraudEvent {
    match &mut m.body {
        Some(pb::report::Body::Document(x)) => x,
        _ => panic!("not a document"),
    }
}

fn case(m: &mut pb::Report) -> &mut pb::CriminalJusticeCase {
    match &mut m.body {
        Some(pb::report::Body::Case(x)) => x,
        _ => panic!("not a case"),
    }
}

/// A report whose body has no date of its own, so that the envelope's dates can be
/// changed alone.
fn smuggler_report() -> pb::Report {
    proto(RecordType::Smuggler)
}

fn retraction() -> Report {
    let previous = example(RecordType::Movement, &ExampleParams::default());
    let digest = vrs_core::sha256(&encode_report(&previous));
    example_retraction(&previous, digest)
}

// ---------------------------------------------------------------------------------------
// Valid reports
// ---------------------------------------------------------------------------------------

#[test]
fn every_example_is_valid() {
    for &kind in RecordType::ALL {
        let r = example(kind, &ExampleParams::default());
        assert_eq!(r.validate(today()), Ok(()), "{kind}");
        let parsed = check(&pb::Report::from(&r)).unwrap();
        assert_eq!(parsed.record_type(), Some(kind));
        assert_eq!(parsed.status(), ReportStatus::Active);
    }
}

#[test]
fn examples_are_valid_for_every_state() {
    for (i, c) in codes::COUNTRIES.iter().enumerate() {
        let state = Iso3::new(c.alpha3).unwrap();
        let p = ExampleParams::new(state, "fp.01", examples::report_id(i as u64));
        for &kind in RecordType::ALL {
            let r = example(kind, &p);
            assert_eq!(r.reporting_state, state);
            assert_eq!(r.validate(today()), Ok(()), "{kind} for {state}");
        }
    }
}

#[test]
fn retraction_is_valid() {
    let r = retraction();
    assert_eq!(r.validate(today()), Ok(()));
    let m = pb::Report::from(&r);
    assert_eq!(m.status, pb::ReportStatus::Retracted as i32);
    assert!(m.body.is_none());
    let parsed = check(&m).unwrap();
    assert_eq!(parsed.record_type(), None);
    assert_eq!(parsed.status(), ReportStatus::Retracted);
    assert!(parsed.is_retraction());
    assert_eq!(parsed.version, 2);
}

#[test]
fn amendment_is_valid() {
    let previous = example(RecordType::Fee, &ExampleParams::default());
    let r = example_amendment(&previous, [7; 32]);
    assert_eq!(r.validate(today()), Ok(()));
    assert_eq!(r.version, 2);
    assert_eq!(r.supersedes, Some([7; 32]));
}

#[test]
fn observed_start_and_end() {
    let p = ExampleParams::default();
    let movement = example(RecordType::Movement, &p);
    assert_eq!(movement.observed_start(), p.day);
    assert_eq!(movement.observed_end(), p.day);
    let case = example(RecordType::Case, &p);
    assert_eq!(case.observed_start(), date("2026-01-02"));
    assert_eq!(case.observed_end(), p.day);
}

// ---------------------------------------------------------------------------------------
// Round trips and decoding
// ---------------------------------------------------------------------------------------

#[test]
fn proto_domain_proto_round_trip() {
    let mut all: Vec<Report> = RecordType::ALL
        .iter()
        .map(|&k| example(k, &ExampleParams::default()))
        .collect();
    all.push(retraction());
    for r in all {
        let m = pb::Report::from(&r);
        let back = Report::try_from(m.clone()).unwrap();
        assert_eq!(back, r);
        assert_eq!(pb::Report::from(&back), m);
        // And through bytes, as the node sees them.
        let bytes = encode_report(&r);
        assert_eq!(bytes, m.encode_to_vec());
        let decoded = decode_report(&bytes, today()).unwrap();
        assert_eq!(decoded, r);
        assert_eq!(encode_report(&decoded), bytes);
    }
}

#[test]
fn decode_garbage_is_a_decode_error() {
    for garbage in [
        &[0xff_u8, 0xff, 0xff, 0xff][..],
        b"\x0a\x05ab",
        b"hello world",
    ] {
        match decode_report(garbage, today()) {
            Err(ReportError::Decode(msg)) => assert!(!msg.is_empty()),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}

#[test]
fn decode_empty_payload_is_invalid_not_undecodable() {
    // Zero bytes is a valid (empty) protobuf message: every required field is missing.
    match decode_report(&[], today()) {
        Err(ReportError::Invalid(v)) => {
            assert!(v.get("report_id").is_some());
            assert!(v.get("reporting_state").is_some());
        }
        other => panic!("expected violations, got {other:?}"),
    }
}

#[test]
fn decode_refuses_unknown_fields() {
    let mut bytes = encode_report(&example(RecordType::Movement, &ExampleParams::default()));
    // Field 99, length-delimited, "John Smith": free text the schema does not define.
    bytes.extend_from_slice(&[0x9a, 0x06, 10]);
    bytes.extend_from_slice(b"John Smith");
    assert!(matches!(
        decode_report(&bytes, today()),
        Err(ReportError::Decode(_))
    ));
}

#[test]
fn decode_refuses_oversized_payload() {
    let bytes = vec![0u8; MAX_REPORT_BYTES + 1];
    assert!(matches!(
        decode_report(&bytes, today()),
        Err(ReportError::Decode(_))
    ));
}

#[test]
fn decode_invalid_report_is_invalid() {
    let mut m = smuggler_report();
    m.reporting_state = "XXX".into();
    match decode_report(&m.encode_to_vec(), today()) {
        Err(ReportError::Invalid(v)) => assert_eq!(v.fields(), ["reporting_state"]),
        other => panic!("expected violations, got {other:?}"),
    }
}

#[test]
fn try_from_does_not_bound_dates_by_today() {
    let mut m = smuggler_report();
    m.observed = Some(pb::report::Observed::ObservedOn("2030-01-01".into()));
    m.submitted_at = "2030-01-02T08:00:00Z".into();
    assert!(Report::try_from(m.clone()).is_ok());
    let v = violations(&m);
    assert_eq!(v.fields(), ["observed_on", "submitted_at"]);
}

#[test]
fn hand_built_report_is_checked_by_validate() {
    let mut r = example(RecordType::Movement, &ExampleParams::default());
    if let Some(Body::Movement(m)) = &mut r.body {
        m.persons[0].count = 0;
        m.sub_method = SubMethod::OnFoot;
    }
    let v = r.validate(today()).unwrap_err();
    assert_eq!(
        v.fields(),
        ["body.movement.sub_method", "body.movement.persons[0].count"]
    );
}

#[test]
fn sub_messages_convert_with_relative_paths() {
    let leg = pb::RouteLeg {
        from_country: "GRC".into(),
        to_country: "GRC".into(),
        transport_mode: pb::TransportMode::Sea as i32,
    };
    let v = RouteLeg::try_from(leg).unwrap_err();
    assert_eq!(v.fields(), ["to_country"]);

    let group = pb::PersonGroup {
        citizenship: "SYR".into(),
        sex: pb::Sex::Female as i32,
        age_band: pb::AgeBand::AgeBand3044 as i32,
        count: 3,
    };
    let g = PersonGroup::try_from(group).unwrap();
    assert_eq!(
        (g.sex.code(), g.age_band.code(), g.count),
        ("F", "Y30T44", 3)
    );

    let mut m = proto(RecordType::Movement);
    movement(&mut m).route[1].to_country = "ZZZ".into();
    let body = movement(&mut m).clone();
    let v = MovementEvent::try_from(body).unwrap_err();
    assert_eq!(v.fields(), ["route[1].to_country"]);

    let fine = pb::Fine {
        amount: 0,
        currency: "EUR".into(),
    };
    assert_eq!(Fine::try_from(fine).unwrap_err().fields(), ["amount"]);
}

// ---------------------------------------------------------------------------------------
// Several violations at once
// ---------------------------------------------------------------------------------------

#[test]
fn all_violations_are_reported_at_once() {
    let mut m = proto(RecordType::Movement);
    m.report_id = "not-a-uuid".into();
    m.reporting_state = "gr".into();
    m.agency = 0;
    m.key_id = "key with spaces".into();
    m.submitted_at = "yesterday".into();
    let b = movement(&mut m);
    b.method = pb::Method::Air as i32; // small boat is not an air sub-method
    b.route[1].from_country = "IRN".into(); // leg 0 ends in TUR
    b.route[1].to_country = "ZZZ".into();
    b.persons[0].count = 0;
    b.persons[2].sex = 17;
    b.unaccompanied_minors = 9; // 8 persons under 18
    b.deaths = 1000;
    b.aggravating = vec![1, 1];
    let v = violations(&m);
    let mut fields = v.fields();
    fields.sort_unstable();
    let mut expected = vec![
        "report_id",
        "reporting_state",
        "agency",
        "key_id",
        "submitted_at",
        "body.movement.sub_method",
        "body.movement.route[1].from_country",
        "body.movement.route[1].to_country",
        "body.movement.persons[0].count",
        "body.movement.persons[2].sex",
        "body.movement.unaccompanied_minors",
        "body.movement.deaths",
        "body.movement.aggravating[1]",
    ];
    expected.sort_unstable();
    assert_eq!(fields, expected, "{v}");
    // Display lists them all.
    let text = v.to_string();
    assert!(text.starts_with("13 violations: "), "{text}");
    assert!(text.contains("body.movement.persons[2].sex = \"17\": unknown value"));
}

#[test]
fn empty_message_reports_every_required_field() {
    let v = violations(&pb::Report::default());
    assert_eq!(
        v.fields(),
        [
            "report_id",
            "version",
            "reporting_state",
            "agency",
            "focal_point_id",
            "key_id",
            "observed_on",
            "submitted_at",
            "status",
        ]
    );
}

#[test]
fn empty_bodies_report_every_required_field() {
    let mut m = proto(RecordType::Case);
    m.body = Some(pb::report::Body::Case(pb::CriminalJusticeCase::default()));
    assert_eq!(
        violations(&m).fields(),
        [
            "body.case.case_ref",
            "body.case.offences",
            "body.case.iccs",
            "body.case.benefit",
            "body.case.humanitarian_motive_claimed",
        ]
    );
    m.body = Some(pb::report::Body::Fee(pb::FeeObservation::default()));
    assert_eq!(
        violations(&m).fields(),
        [
            "body.fee.route",
            "body.fee.amount",
            "body.fee.currency",
            "body.fee.basis",
            "body.fee.payment_mode",
            "body.fee.observed_on",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Envelope rules
// ---------------------------------------------------------------------------------------

#[test]
fn report_id_must_be_a_lower_case_uuid() {
    let mut m = smuggler_report();
    m.report_id = String::new();
    assert_one(&m, "report_id", "");
    m.report_id = "0E8F1F4C-3B7A-4C1D-9F3A-2B8C7D6E5F40".into();
    assert_one(&m, "report_id", "0E8F1F4C-3B7A-4C1D-9F3A-2B8C7D6E5F40");
    m.report_id = "0e8f1f4c3b7a4c1d9f3a2b8c7d6e5f40".into();
    assert_one(&m, "report_id", "0e8f1f4c3b7a4c1d9f3a2b8c7d6e5f40");
    m.report_id = "00000000-0000-0000-0000-000000000000".into();
    assert_one(&m, "report_id", "00000000-0000-0000-0000-000000000000");
    m.report_id = "0e8f1f4c-3b7a-4c1d-9f3a-2b8c7d6e5f40".into();
    assert!(check(&m).is_ok());
}

#[test]
fn version_must_be_at_least_one() {
    let mut m = smuggler_report();
    m.version = 0;
    assert_one(&m, "version", "0");
}

#[test]
fn version_one_has_no_supersedes() {
    let mut m = smuggler_report();
    m.supersedes = vec![0xab; 32];
    assert_one(&m, "supersedes", &"ab".repeat(32));
}

#[test]
fn later_versions_need_a_32_byte_supersedes() {
    let mut m = smuggler_report();
    m.version = 2;
    assert_one(&m, "supersedes", "");
    m.supersedes = vec![1; 5];
    assert_one(&m, "supersedes", "0101010101");
    m.supersedes = vec![1; 32];
    assert!(check(&m).is_ok());
}

#[test]
fn reporting_state_is_an_iso3_code() {
    let mut m = smuggler_report();
    m.reporting_state = "XKX".into(); // Kosovo's user-assigned code is not ISO 3166-1
    assert_one(&m, "reporting_state", "XKX");
    m.reporting_state = "grc".into();
    assert_one(&m, "reporting_state", "grc");
    m.reporting_state = "GR".into();
    assert_one(&m, "reporting_state", "GR");
    m.reporting_state = String::new();
    let v = assert_one(&m, "reporting_state", "");
    assert_eq!(v.message, "required");
}

#[test]
fn agency_is_a_known_value() {
    let mut m = smuggler_report();
    m.agency = 0;
    let v = assert_one(&m, "agency", "AGENCY_UNSPECIFIED");
    assert_eq!(v.message, "required");
    m.agency = 42;
    let v = assert_one(&m, "agency", "42");
    assert_eq!(v.message, "unknown value");
}

#[test]
fn focal_point_and_key_ids_are_identifiers() {
    let mut m = smuggler_report();
    m.focal_point_id = String::new();
    assert_one(&m, "focal_point_id", "");
    m.focal_point_id = "fp/01".into();
    assert_one(&m, "focal_point_id", "fp/01");
    m.focal_point_id = "x".repeat(65);
    let v = assert_one(&m, "focal_point_id", &format!("{}…", "x".repeat(64)));
    assert!(v.message.contains("64"), "{v}");
    m.focal_point_id = "x".repeat(64);
    assert!(check(&m).is_ok());
    m.key_id = "clé".into();
    assert_one(&m, "key_id", "clé");
}

#[test]
fn observed_date_is_required() {
    let mut m = smuggler_report();
    m.observed = None;
    assert_one(&m, "observed_on", "");
    m.observed = Some(pb::report::Observed::ObservedOn(String::new()));
    assert_one(&m, "observed_on", "");
}

fn observed_on(day: &str) -> Option<pb::report::Observed> {
    Some(pb::report::Observed::ObservedOn(day.into()))
}

#[test]
fn dates_must_exist() {
    let mut m = smuggler_report();
    m.observed = observed_on("2024-02-29");
    assert!(check(&m).is_ok(), "leap day");
    for bad in [
        "2023-02-29",
        "2026-13-01",
        "2026-04-31",
        "2026-00-10",
        "2026-01-00",
        "2026-3-01",
        "26-03-01",
        "2026/03/01",
        "2026-03-01T00:00:00Z",
        " 2026-03-01",
        "２０２６-03-01",
    ] {
        m.observed = observed_on(bad);
        assert_one(&m, "observed_on", bad);
    }
}

#[test]
fn dates_are_not_in_the_future() {
    let mut m = smuggler_report();
    m.observed = observed_on("2026-03-31");
    assert!(check(&m).is_ok(), "today itself");
    m.observed = observed_on("2026-04-01");
    let v = assert_one(&m, "observed_on", "2026-04-01");
    assert!(v.message.contains("future"), "{v}");
}

#[test]
fn dates_are_not_before_1990() {
    let mut m = smuggler_report();
    m.observed = observed_on("1990-01-01");
    assert!(check(&m).is_ok());
    m.observed = observed_on("1989-12-31");
    assert_one(&m, "observed_on", "1989-12-31");
}

#[test]
fn observed_period_starts_before_it_ends() {
    let mut m = smuggler_report();
    let period = |start: &str, end: &str| {
        Some(pb::report::Observed::ObservedPeriod(pb::DateRange {
            start: start.into(),
            end: end.into(),
        }))
    };
    m.observed = period("2026-01-01", "2026-01-01");
    assert!(check(&m).is_ok());
    m.observed = period("2026-02-01", "2026-01-31");
    assert_one(&m, "observed_period.end", "2026-01-31");
    m.observed = period("2025-02-29", "2026-01-31");
    assert_one(&m, "observed_period.start", "2025-02-29");
    m.observed = period("2026-01-01", "");
    assert_one(&m, "observed_period.end", "");
}

#[test]
fn submitted_at_is_rfc3339() {
    let mut m = smuggler_report();
    for good in [
        "2026-03-03T09:15:00Z",
        "2026-03-03t09:15:00z",
        "2026-03-03T09:15:00.5-05:30",
        "2026-03-03T09:15:00.123456789+02:00",
        "2026-03-03T09:15:00-00:00",
        "2016-12-31T23:59:60Z",
        // UTC 2026-03-31T20:00: today.
        "2026-04-01T10:00:00+14:00",
    ] {
        m.submitted_at = good.into();
        assert!(check(&m).is_ok(), "{good}");
    }
    for bad in [
        "2026-03-03 09:15:00Z",
        "2026-03-03T09:15:00",
        "2026-03-03T24:00:00Z",
        "2026-03-03T09:60:00Z",
        "2026-03-03T09:15:61Z",
        "2026-03-03T09:15:60Z",
        "2026-03-03T09:15:00.Z",
        "2026-03-03T09:15:00.1234567891Z",
        "2026-03-03T09:15:00+24:00",
        "2026-03-03T09:15:00+02:60",
        "2026-03-03T09:15:00+0200",
        "2026-02-30T09:15:00Z",
        "2026-03-03T9:15:00Z",
        "1989-12-31T23:00:00Z",
        "2026-04-02T00:00:00Z",
        "",
    ] {
        m.submitted_at = bad.into();
        assert_one(&m, "submitted_at", bad);
    }
}

#[test]
fn status_is_a_known_value() {
    let mut m = smuggler_report();
    m.status = 0;
    assert_one(&m, "status", "REPORT_STATUS_UNSPECIFIED");
    m.status = 3;
    assert_one(&m, "status", "3");
}

#[test]
fn active_report_has_a_body() {
    let mut m = smuggler_report();
    m.body = None;
    assert_one(&m, "body", "");
}

#[test]
fn retraction_has_no_body() {
    let mut m = pb::Report::from(&retraction());
    m.body = proto(RecordType::Movement).body;
    assert_one(&m, "body.movement", "present");
}

#[test]
fn retraction_is_version_two_or_later() {
    let mut m = pb::Report::from(&retraction());
    m.version = 1;
    m.supersedes.clear();
    assert_one(&m, "version", "1");
}

// ---------------------------------------------------------------------------------------
// Movement rules
// ---------------------------------------------------------------------------------------

#[test]
fn movement_detected_on_is_in_the_observed_day() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).detected_on = "2026-03-01".into();
    assert_one(&m, "body.movement.detected_on", "2026-03-01");
    movement(&mut m).detected_on = "2026-04-01".into();
    assert_one(&m, "body.movement.detected_on", "2026-04-01");
}

#[test]
fn movement_enums_are_required() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).place_type = 0;
    assert_one(&m, "body.movement.place_type", "PLACE_TYPE_UNSPECIFIED");
    let mut m = proto(RecordType::Movement);
    movement(&mut m).direction = 9;
    assert_one(&m, "body.movement.direction", "9");
    let mut m = proto(RecordType::Movement);
    movement(&mut m).smuggling_involved = 0;
    assert_one(
        &m,
        "body.movement.smuggling_involved",
        "TERNARY_UNSPECIFIED",
    );
}

#[test]
fn sub_method_agrees_with_method() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).sub_method = pb::SubMethod::OnFoot as i32;
    assert_one(&m, "body.movement.sub_method", "SUB_METHOD_ON_FOOT");
    movement(&mut m).sub_method = pb::SubMethod::FraudulentDocumentsAir as i32;
    assert_one(
        &m,
        "body.movement.sub_method",
        "SUB_METHOD_FRAUDULENT_DOCUMENTS_AIR",
    );
    for ok in [
        pb::SubMethod::SmallBoat,
        pb::SubMethod::LargeVessel,
        pb::SubMethod::ConcealedOnVessel,
        pb::SubMethod::Other,
    ] {
        movement(&mut m).sub_method = ok as i32;
        assert!(check(&m).is_ok(), "{ok:?}");
    }
    movement(&mut m).method = pb::Method::Land as i32;
    movement(&mut m).sub_method = pb::SubMethod::ConcealedInVehicle as i32;
    assert!(check(&m).is_ok());
}

#[test]
fn route_legs_are_chained() {
    let mut m = proto(RecordType::Movement);
    // Example route: AFG -> TUR, TUR -> GRC.
    movement(&mut m).route[1].from_country = "IRN".into();
    let v = assert_one(&m, "body.movement.route[1].from_country", "IRN");
    assert!(v.message.contains("TUR"), "{v}");
}

#[test]
fn route_leg_goes_between_two_countries() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).route[0].to_country = "AFG".into();
    movement(&mut m).route[1].from_country = "AFG".into();
    assert_one(&m, "body.movement.route[0].to_country", "AFG");
}

#[test]
fn route_countries_are_iso3() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).route[1].to_country = "ZZZ".into();
    assert_one(&m, "body.movement.route[1].to_country", "ZZZ");
    let mut m = proto(RecordType::Movement);
    movement(&mut m).route[0].transport_mode = 0;
    assert_one(
        &m,
        "body.movement.route[0].transport_mode",
        "TRANSPORT_MODE_UNSPECIFIED",
    );
}

#[test]
fn route_length_is_limited() {
    let mut m = proto(RecordType::Movement);
    let legs: Vec<pb::RouteLeg> = (0..33)
        .map(|i| pb::RouteLeg {
            from_country: if i % 2 == 0 { "TUR" } else { "GRC" }.into(),
            to_country: if i % 2 == 0 { "GRC" } else { "TUR" }.into(),
            transport_mode: pb::TransportMode::Sea as i32,
        })
        .collect();
    movement(&mut m).route = legs;
    assert_one(&m, "body.movement.route", "33");
}

#[test]
fn group_count_is_1_to_10000() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).persons[1].count = 0;
    assert_one(&m, "body.movement.persons[1].count", "0");
    movement(&mut m).persons[1].count = 10_001;
    assert_one(&m, "body.movement.persons[1].count", "10001");
    movement(&mut m).persons[1].count = 10_000;
    assert!(check(&m).is_ok());
}

#[test]
fn person_group_fields_are_checked() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).persons[0].citizenship = "XXA".into();
    assert_one(&m, "body.movement.persons[0].citizenship", "XXA");
    let mut m = proto(RecordType::Movement);
    movement(&mut m).persons[3].sex = 0;
    assert_one(&m, "body.movement.persons[3].sex", "SEX_UNSPECIFIED");
    let mut m = proto(RecordType::Movement);
    movement(&mut m).persons[3].age_band = 7;
    assert_one(&m, "body.movement.persons[3].age_band", "7");
}

#[test]
fn total_persons_at_most_100000() {
    let mut m = proto(RecordType::Movement);
    let group = movement(&mut m).persons[0].clone();
    movement(&mut m).persons = vec![
        pb::PersonGroup {
            count: 10_000,
            ..group
        };
        11
    ];
    movement(&mut m).unaccompanied_minors = 0;
    assert_one(&m, "body.movement.persons", "110000");
}

#[test]
fn deaths_and_injuries_at_most_the_persons() {
    // The example has 41 persons.
    let mut m = proto(RecordType::Movement);
    movement(&mut m).deaths = 41;
    assert!(check(&m).is_ok());
    movement(&mut m).deaths = 42;
    assert_one(&m, "body.movement.deaths", "42");
    let mut m = proto(RecordType::Movement);
    movement(&mut m).injuries = 50;
    assert_one(&m, "body.movement.injuries", "50");
}

#[test]
fn deaths_without_persons_are_bounded() {
    let mut m = proto(RecordType::Movement);
    let b = movement(&mut m);
    b.persons.clear();
    b.unaccompanied_minors = 0;
    b.deaths = 12;
    assert!(check(&m).is_ok());
    movement(&mut m).deaths = 100_001;
    assert_one(&m, "body.movement.deaths", "100001");
}

#[test]
fn unaccompanied_minors_at_most_the_children() {
    // The example has 5 + 3 persons in Y_LT18 groups.
    let mut m = proto(RecordType::Movement);
    movement(&mut m).unaccompanied_minors = 8;
    assert!(check(&m).is_ok());
    movement(&mut m).unaccompanied_minors = 9;
    let v = assert_one(&m, "body.movement.unaccompanied_minors", "9");
    assert!(v.message.contains('8'), "{v}");
}

#[test]
fn aggravating_has_no_duplicates() {
    let mut m = proto(RecordType::Movement);
    movement(&mut m).aggravating = vec![1, 2, 1];
    assert_one(
        &m,
        "body.movement.aggravating[2]",
        "AGGRAVATION_ENDANGERING_LIFE",
    );
    movement(&mut m).aggravating = vec![0];
    assert_one(
        &m,
        "body.movement.aggravating[0]",
        "AGGRAVATION_UNSPECIFIED",
    );
    movement(&mut m).aggravating = vec![1, 5];
    assert_one(&m, "body.movement.aggravating[1]", "5");
    movement(&mut m).aggravating = vec![];
    assert!(check(&m).is_ok());
}

// ---------------------------------------------------------------------------------------
// Smuggler rules
// ---------------------------------------------------------------------------------------

#[test]
fn smuggler_has_roles() {
    let mut m = smuggler_report();
    smuggler(&mut m).roles.clear();
    assert_one(&m, "body.smuggler.roles", "");
}

#[test]
fn smuggler_roles_have_no_duplicates() {
    let mut m = smuggler_report();
    smuggler(&mut m).roles = vec![
        pb::SmugglerRole::Guide as i32,
        pb::SmugglerRole::Organiser as i32,
        pb::SmugglerRole::Guide as i32,
    ];
    assert_one(&m, "body.smuggler.roles[2]", "SMUGGLER_ROLE_GUIDE");
}

#[test]
fn smuggler_fields_are_checked() {
    let mut m = smuggler_report();
    smuggler(&mut m).citizenship = "TR".into();
    assert_one(&m, "body.smuggler.citizenship", "TR");
    let mut m = smuggler_report();
    smuggler(&mut m).age_band = 0;
    assert_one(&m, "body.smuggler.age_band", "AGE_BAND_UNSPECIFIED");
    let mut m = smuggler_report();
    smuggler(&mut m).organised_group = 4;
    assert_one(&m, "body.smuggler.organised_group", "4");
}

#[test]
fn linked_event_is_a_uuid_of_another_report() {
    let mut m = smuggler_report();
    smuggler(&mut m).linked_event = examples::report_id(2).to_string();
    assert!(check(&m).is_ok());
    smuggler(&mut m).linked_event = "event-17".into();
    assert_one(&m, "body.smuggler.linked_event", "event-17");
    let own = m.report_id.clone();
    smuggler(&mut m).linked_event = own.clone();
    assert_one(&m, "body.smuggler.linked_event", &own);
}

// ---------------------------------------------------------------------------------------
// Fee rules
// ---------------------------------------------------------------------------------------

#[test]
fn fee_needs_a_route() {
    let mut m = proto(RecordType::Fee);
    fee(&mut m).route.clear();
    assert_one(&m, "body.fee.route", "");
}

#[test]
fn fee_route_is_chained() {
    // Example route: AFG -> IRN -> TUR -> GRC.
    let mut m = proto(RecordType::Fee);
    fee(&mut m).route[2].from_country = "BGR".into();
    assert_one(&m, "body.fee.route[2].from_country", "BGR");
}

#[test]
fn fee_amount_is_1_to_10e12() {
    let mut m = proto(RecordType::Fee);
    fee(&mut m).amount = 0;
    assert_one(&m, "body.fee.amount", "0");
    fee(&mut m).amount = 1_000_000_000_001;
    assert_one(&m, "body.fee.amount", "1000000000001");
    fee(&mut m).amount = 1_000_000_000_000;
    assert!(check(&m).is_ok());
}

#[test]
fn fee_currency_is_iso4217() {
    let mut m = proto(RecordType::Fee);
    fee(&mut m).currency = "HRK".into(); // withdrawn 2023
    assert_one(&m, "body.fee.currency", "HRK");
    fee(&mut m).currency = "eur".into();
    assert_one(&m, "body.fee.currency", "eur");
    fee(&mut m).currency = "USDT".into();
    assert_one(&m, "body.fee.currency", "USDT");
    for ok in ["USD", "TRY", "LYD", "XOF", "XCG", "ZWG"] {
        fee(&mut m).currency = ok.into();
        assert!(check(&m).is_ok(), "{ok}");
    }
}

#[test]
fn fee_enums_and_date_are_checked() {
    let mut m = proto(RecordType::Fee);
    fee(&mut m).basis = 0;
    assert_one(&m, "body.fee.basis", "FEE_BASIS_UNSPECIFIED");
    let mut m = proto(RecordType::Fee);
    fee(&mut m).payment_mode = 6;
    assert_one(&m, "body.fee.payment_mode", "6");
    let mut m = proto(RecordType::Fee);
    fee(&mut m).observed_on = "2026-03-32".into();
    assert_one(&m, "body.fee.observed_on", "2026-03-32");
    fee(&mut m).observed_on = "2026-02-28".into();
    assert_one(&m, "body.fee.observed_on", "2026-02-28");
}

// ---------------------------------------------------------------------------------------
// Document rules
// ---------------------------------------------------------------------------------------

#[test]
fn document_count_is_1_to_10000() {
    let mut m = proto(RecordType::Document);
    document(&mut m).count = 0;
    assert_one(&m, "body.document.count", "0");
    document(&mut m).count = 10_001;
    assert_one(&m, "body.document.count", "10001");
}

#[test]
fn document_fields_are_checked() {
    let mut m = proto(RecordType::Document);
    document(&mut m).issuing_country = "EUR".into();
    assert_one(&m, "body.document.issuing_country", "EUR");
    let mut m = proto(RecordType::Document);
    document(&mut m).holder_citizenship = String::new();
    assert_one(&m, "body.document.holder_citizenship", "");
    let mut m = proto(RecordType::Document);
    document(&mut m).fraud_type = 0;
    assert_one(&m, "body.document.fraud_type", "FRAUD_TYPE_UNSPECIFIED");
    let mut m = proto(RecordType::Document);
    document(&mut m).document_type = 6;
    assert_one(&m, "body.document.document_type", "6");
    let mut m = proto(RecordType::Document);
    document(&mut m).purpose = 0;
    assert_one(&m, "body.document.purpose", "PURPOSE_UNSPECIFIED");
    let mut m = proto(RecordType::Document);
    document(&mut m).detected_on = "2023-02-29".into();
    assert_one(&m, "body.document.detected_on", "2023-02-29");
}

// ---------------------------------------------------------------------------------------
// Case rules
// ---------------------------------------------------------------------------------------

#[test]
fn case_ref_is_an_identifier() {
    let mut m = proto(RecordType::Case);
    case(&mut m).case_ref = "AB 123/2026".into();
    assert_one(&m, "body.case.case_ref", "AB 123/2026");
    case(&mut m).case_ref = String::new();
    assert_one(&m, "body.case.case_ref", "");
    case(&mut m).case_ref = "c".repeat(65);
    assert_one(&m, "body.case.case_ref", &format!("{}…", "c".repeat(64)));
}

#[test]
fn case_has_offences_without_duplicates() {
    let mut m = proto(RecordType::Case);
    case(&mut m).offences.clear();
    assert_one(&m, "body.case.offences", "");
    case(&mut m).offences = vec![1, 3, 3];
    assert_one(&m, "body.case.offences[2]", "OFFENCE_ENABLING_STAY");
}

#[test]
fn case_aggravations_have_no_duplicates() {
    let mut m = proto(RecordType::Case);
    case(&mut m).aggravations = vec![2, 2];
    assert_one(
        &m,
        "body.case.aggravations[1]",
        "AGGRAVATION_INHUMAN_TREATMENT",
    );
}

#[test]
fn trafficking_charged_when_iccs_is_0204() {
    let mut m = proto(RecordType::Case);
    case(&mut m).iccs = pb::IccsCode::IccsCode0204 as i32;
    assert_one(&m, "body.case.trafficking_charged", "false");
    case(&mut m).trafficking_charged = true;
    assert!(check(&m).is_ok());
}

#[test]
fn case_enums_are_required() {
    let mut m = proto(RecordType::Case);
    case(&mut m).iccs = 0;
    assert_one(&m, "body.case.iccs", "ICCS_CODE_UNSPECIFIED");
    let mut m = proto(RecordType::Case);
    case(&mut m).benefit = 0;
    assert_one(&m, "body.case.benefit", "BENEFIT_UNSPECIFIED");
    let mut m = proto(RecordType::Case);
    case(&mut m).humanitarian_motive_claimed = 0;
    assert_one(
        &m,
        "body.case.humanitarian_motive_claimed",
        "TERNARY_UNSPECIFIED",
    );
}

#[test]
fn countries_involved_are_iso3_without_duplicates() {
    // Example: [TUR, GRC].
    let mut m = proto(RecordType::Case);
    case(&mut m).countries_involved.push("TUR".into());
    assert_one(&m, "body.case.countries_involved[2]", "TUR");
    let mut m = proto(RecordType::Case);
    case(&mut m).countries_involved[0] = "Turkey".into();
    assert_one(&m, "body.case.countries_involved[0]", "Turkey");
}

#[test]
fn case_counts_are_bounded_and_consistent() {
    // Example: suspected 4, prosecuted 2, convicted 1.
    let mut m = proto(RecordType::Case);
    case(&mut m).persons_suspected = Some(pb::CountsBySex {
        female: 0,
        male: 10_001,
        unknown: 0,
    });
    assert_one(&m, "body.case.persons_suspected.male", "10001");
    let mut m = proto(RecordType::Case);
    case(&mut m).persons_convicted = Some(pb::CountsBySex {
        female: 1,
        male: 1,
        unknown: 1,
    });
    assert_one(&m, "body.case.persons_convicted", "3");
    let mut m = proto(RecordType::Case);
    case(&mut m).persons_prosecuted = Some(pb::CountsBySex {
        female: 0,
        male: 5,
        unknown: 0,
    });
    assert_one(&m, "body.case.persons_prosecuted", "5");
    // Without prosecution counts there is nothing to compare with.
    case(&mut m).persons_prosecuted = None;
    assert!(check(&m).is_ok());
}

#[test]
fn decided_on_required_unless_pending() {
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[0].decided_on = String::new();
    assert_one(&m, "body.case.proceedings[0].decided_on", "");
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[1].decided_on = "2026-03-01".into();
    assert_one(&m, "body.case.proceedings[1].decided_on", "2026-03-01");
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[0].decided_on = "2026-04-15".into();
    assert_one(&m, "body.case.proceedings[0].decided_on", "2026-04-15");
}

#[test]
fn sentence_and_fine_only_for_convictions() {
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[0].outcome = pb::Outcome::Acquitted as i32;
    let v = violations(&m);
    assert_eq!(
        v.fields(),
        [
            "body.case.proceedings[0].sentence_months",
            "body.case.proceedings[0].fine",
        ]
    );
    assert_eq!(v.0[0].value, "48");
    assert_eq!(v.0[1].value, "present");
}

#[test]
fn sentence_at_most_600_months() {
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[0].sentence_months = 601;
    assert_one(&m, "body.case.proceedings[0].sentence_months", "601");
    case(&mut m).proceedings[0].sentence_months = 600;
    assert!(check(&m).is_ok());
}

#[test]
fn fine_is_checked() {
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[0].fine = Some(pb::Fine {
        amount: 0,
        currency: "XYZ".into(),
    });
    let v = violations(&m);
    assert_eq!(
        v.fields(),
        [
            "body.case.proceedings[0].fine.amount",
            "body.case.proceedings[0].fine.currency",
        ]
    );
}

#[test]
fn convictions_only_at_trial_stages() {
    let mut m = proto(RecordType::Case);
    let c = case(&mut m);
    c.proceedings[0].stage = pb::Stage::Investigation as i32;
    assert_one(&m, "body.case.proceedings[0].outcome", "OUTCOME_CONVICTED");
}

#[test]
fn proceedings_are_in_stage_order() {
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings.push(pb::Proceeding {
        stage: pb::Stage::Prosecution as i32,
        decided_on: String::new(),
        outcome: pb::Outcome::Pending as i32,
        sentence_months: 0,
        fine: None,
    });
    assert_one(&m, "body.case.proceedings[2].stage", "STAGE_PROSECUTION");
}

#[test]
fn proceeding_enums_are_required() {
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[1].stage = 0;
    assert_one(&m, "body.case.proceedings[1].stage", "STAGE_UNSPECIFIED");
    let mut m = proto(RecordType::Case);
    case(&mut m).proceedings[1].outcome = 0;
    assert_one(
        &m,
        "body.case.proceedings[1].outcome",
        "OUTCOME_UNSPECIFIED",
    );
}

// ---------------------------------------------------------------------------------------
// Dates, timestamps, ids and code lists
// ---------------------------------------------------------------------------------------

#[test]
fn date_parse_is_strict() {
    assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
    assert!(Date::parse("2023-02-29").is_err());
    assert!(Date::parse("2026-13-01").is_err());
    assert!(Date::parse("2000-02-29").is_ok());
    assert!(Date::parse("1900-02-29").is_err());
    assert!(Date::parse("+2026-01-01").is_err());
    assert!(Date::parse("2026-01-1").is_err());
    assert_eq!(Date::new(2026, 2, 29), None);
    assert_eq!(codes::days_in_month(2024, 2), Some(29));
    assert_eq!(codes::days_in_month(2026, 13), None);
}

#[test]
fn date_days_since_epoch() {
    assert_eq!(date("1970-01-01").to_days(), 0);
    assert_eq!(date("1969-12-31").to_days(), -1);
    assert_eq!(date("2000-03-01").to_days(), 11_017);
    assert_eq!(date("2026-03-02").to_days(), 20_514);
    assert_eq!(Date::from_days(20_514), Some(date("2026-03-02")));
    assert_eq!(date("2024-02-28").add_days(2), Some(date("2024-03-01")));
    assert_eq!(Date::MAX.add_days(1), None);
    assert!(date("2026-03-02") < date("2026-03-10"));
    assert!(date("2025-12-31") < date("2026-01-01"));
    assert_eq!(MIN_DATE, date("1990-01-01"));
}

#[test]
fn date_weeks() {
    assert_eq!(date("2026-03-02").weekday(), 1); // a Monday
    assert_eq!(date("2026-03-08").weekday(), 7);
    assert_eq!(date("2026-01-01").iso_week(), (2026, 1));
    assert_eq!(date("2026-03-09").iso_week(), (2026, 11));
    assert_eq!(date("2021-01-03").iso_week(), (2020, 53));
    assert_eq!(date("2024-12-30").iso_week(), (2025, 1));
}

#[test]
fn timestamps() {
    let t = Timestamp::parse("2026-03-02T23:30:00-02:00").unwrap();
    assert_eq!(t.date(), date("2026-03-02"));
    assert_eq!(t.utc_date(), date("2026-03-03"));
    assert_eq!(t.offset_minutes(), -120);
    assert_eq!(t.to_string(), "2026-03-02T23:30:00-02:00");
    let u = Timestamp::from_unix_seconds(20_514 * 86_400 + 3_661).unwrap();
    assert_eq!(u.as_str(), "2026-03-02T01:01:01Z");
    assert_eq!(u.unix_seconds(), 20_514 * 86_400 + 3_661);
    assert_eq!(
        Timestamp::parse("2026-03-02T00:00:00.25Z").unwrap().nanos(),
        250_000_000
    );
}

#[test]
fn report_ids() {
    let s = "0e8f1f4c-3b7a-4c1d-9f3a-2b8c7d6e5f40";
    let id = ReportId::parse(s).unwrap();
    assert_eq!(id.to_string(), s);
    assert_eq!(ReportId::from_bytes(*id.as_bytes()), Some(id));
    assert_eq!(ReportId::from_bytes([0; 16]), None);
    let v4 = ReportId::new_v4([0xff; 16]).to_string();
    assert_eq!(&v4[14..15], "4");
    assert_eq!(&v4[19..20], "b");
    assert_eq!(
        examples::report_id(1).to_string(),
        "00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{s}\""));
}

#[test]
fn country_codes() {
    assert_eq!(codes::COUNTRIES.len(), 249);
    // Territories are in the list.
    for code in [
        "ABW", "ALA", "ATA", "BES", "CUW", "SXM", "SSD", "GRL", "PRI", "HKG", "MAC", "TWN", "PSE",
        "ESH", "UMI", "GUF", "REU", "MYT", "GIB", "BVT",
    ] {
        assert!(codes::is_country(code), "{code}");
    }
    for code in [
        "XKX", "EU", "EUR", "UK", "grc", "GRC ", "", "ANT", "SCG", "YUG",
    ] {
        assert!(!codes::is_country(code), "{code}");
    }
    let grc = Iso3::new("GRC").unwrap();
    assert_eq!(
        grc.info().map(|c| (c.alpha2, c.numeric)),
        Some(("GR", "300"))
    );
    assert_eq!(
        serde_json::from_str::<Iso3>("\"TUR\"").unwrap().as_str(),
        "TUR"
    );
    assert!(serde_json::from_str::<Iso3>("\"TRK\"").is_err());
}

#[test]
fn currency_codes() {
    for code in [
        "EUR", "USD", "GBP", "TRY", "LYD", "AFN", "XOF", "XAF", "CHF", "JPY",
    ] {
        assert!(codes::is_currency(code), "{code}");
    }
    for code in ["HRK", "DEM", "eur", "EURO", "", "BTC"] {
        assert!(!codes::is_currency(code), "{code}");
    }
    let minor = |c: &str| {
        Currency::new(c)
            .and_then(|c| c.info())
            .and_then(|i| i.minor_units)
    };
    assert_eq!(minor("EUR"), Some(2));
    assert_eq!(minor("JPY"), Some(0));
    assert_eq!(minor("KWD"), Some(3));
    assert_eq!(minor("XAU"), None);
}

#[test]
fn sdmx_codes_label_enums() {
    assert_eq!(Sex::Female.code(), "F");
    assert_eq!(Sex::Male.code(), "M");
    assert_eq!(Sex::Unknown.code(), "_U");
    let bands: Vec<&str> = AgeBand::ALL.iter().map(|b| b.code()).collect();
    assert_eq!(bands, codes::AGE_BAND_CODES);
    assert_eq!(
        bands,
        ["Y_LT18", "Y18T29", "Y30T44", "Y45T59", "Y_GE60", "_U"]
    );
    let sexes: Vec<&str> = Sex::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(sexes, codes::SEX_CODES);
    assert_eq!(codes::TOTAL, "_T");
    assert_eq!(SmugglerRole::Other.code(), codes::OTHER);
    assert_eq!(IccsCode::TraffickingInPersons.code(), "0204");
    assert_eq!(AgeBand::from_code("Y_GE60"), Some(AgeBand::From60));
    assert_eq!(Method::from_code("BOAT"), None);
    assert!(!codes::CODE_LIST_VERSION.is_empty());
    // Every enum's codes are distinct.
    fn distinct(codes: Vec<&str>) -> bool {
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.len() == codes.len()
    }
    assert!(distinct(SubMethod::ALL.iter().map(|v| v.code()).collect()));
    assert!(distinct(
        SmugglerRole::ALL.iter().map(|v| v.code()).collect()
    ));
    assert!(distinct(Agency::ALL.iter().map(|v| v.code()).collect()));
}

#[test]
fn violations_display_and_lookup() {
    let mut m = smuggler_report();
    m.reporting_state = "XXX".into();
    let v = violations(&m);
    assert_eq!(
        v.to_string(),
        "1 violation: reporting_state = \"XXX\": not an ISO 3166-1 alpha-3 country code"
    );
    assert_eq!(
        v.get("reporting_state").map(|x| x.value.as_str()),
        Some("XXX")
    );
    let err = ReportError::Invalid(v);
    assert!(err.to_string().starts_with("invalid report: 1 violation"));
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn days_round_trip(days in Date::MIN.to_days()..=Date::MAX.to_days()) {
        let d = Date::from_days(days).unwrap();
        prop_assert_eq!(d.to_days(), days);
        prop_assert_eq!(Date::parse(&d.to_string()), Ok(d));
        if let Some(next) = Date::from_days(days + 1) {
            prop_assert!(d < next);
        }
    }

    #[test]
    fn examples_round_trip_for_any_parameters(
        state in 0..codes::COUNTRIES.len(),
        day in MIN_DATE.to_days() + 60..=date("2026-03-30").to_days(),
        id in any::<[u8; 16]>(),
        kind in 0..RecordType::ALL.len(),
    ) {
        let state = Iso3::new(codes::COUNTRIES[state].alpha3).unwrap();
        let p = ExampleParams::new(state, "fp-x", ReportId::new_v4(id))
            .on(Date::from_days(day).unwrap());
        let r = example(RecordType::ALL[kind], &p);
        let bytes = encode_report(&r);
        prop_assert_eq!(decode_report(&bytes, today()), Ok(r));
    }
}

#[test]
fn violations_are_capped_and_the_rest_counted() {
    let mut m = proto(RecordType::Movement);
    for _ in 0..500 {
        movement(&mut m).persons.push(pb::PersonGroup {
            citizenship: "XXX".into(),
            ..Default::default()
        });
    }
    let v = violations(&m);
    assert_eq!(v.listed().len(), vrs_core::validate::MAX_VIOLATIONS);
    assert_eq!(v.len(), vrs_core::validate::MAX_VIOLATIONS + 1);
    assert!(v.omitted() > 1000, "{} omitted", v.omitted());
    // A short list has no count.
    let mut one = proto(RecordType::Movement);
    movement(&mut one).persons[0].citizenship = "XXX".into();
    assert_eq!(violations(&one).omitted(), 0);
    assert_eq!(violations(&one).listed().len(), violations(&one).len());
}
