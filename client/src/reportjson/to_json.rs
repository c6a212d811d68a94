//! Protobuf to JSON: the form `vrs get` prints, the inverse of [`super::from_json`].

use super::*;

pub(super) fn legs(v: &[pb::RouteLeg]) -> Value {
    Value::Array(
        v.iter()
            .map(|l| {
                json!({
                    "from_country": l.from_country,
                    "to_country": l.to_country,
                    "transport_mode": code_of::<d::TransportMode>(l.transport_mode),
                })
            })
            .collect(),
    )
}

pub(super) fn code_array<E: Code>(v: &[i32]) -> Value {
    Value::Array(v.iter().map(|&n| code_of::<E>(n)).collect())
}

pub(super) fn counts_json(c: &pb::CountsBySex) -> Value {
    json!({ "female": c.female, "male": c.male, "unknown": c.unknown })
}

/// The JSON form of a report message (what [`from_json`] reads back to the same message).
pub fn to_json(r: &pb::Report) -> Value {
    let mut m = Map::new();
    m.insert("report_id".into(), r.report_id.clone().into());
    m.insert("version".into(), r.version.into());
    if !r.supersedes.is_empty() {
        m.insert("supersedes".into(), vrs_core::hex(&r.supersedes).into());
    }
    m.insert("reporting_state".into(), r.reporting_state.clone().into());
    m.insert("agency".into(), code_of::<d::Agency>(r.agency));
    m.insert("focal_point_id".into(), r.focal_point_id.clone().into());
    m.insert("key_id".into(), r.key_id.clone().into());
    match &r.observed {
        Some(pb::report::Observed::ObservedOn(s)) => {
            m.insert("observed_on".into(), s.clone().into());
        }
        Some(pb::report::Observed::ObservedPeriod(p)) => {
            m.insert(
                "observed_period".into(),
                json!({ "start": p.start, "end": p.end }),
            );
        }
        None => {}
    }
    m.insert("submitted_at".into(), r.submitted_at.clone().into());
    m.insert("status".into(), code_of::<d::ReportStatus>(r.status));
    if let Some(b) = &r.body {
        m.insert("body".into(), body_json(b));
    }
    Value::Object(m)
}

pub(super) fn body_json(b: &pb::report::Body) -> Value {
    use pb::report::Body as B;
    match b {
        B::Movement(e) => json!({ "movement": {
            "detected_on": e.detected_on,
            "place_type": code_of::<d::PlaceType>(e.place_type),
            "direction": code_of::<d::Direction>(e.direction),
            "method": code_of::<d::Method>(e.method),
            "sub_method": code_of::<d::SubMethod>(e.sub_method),
            "route": legs(&e.route),
            "persons": e.persons.iter().map(|g| json!({
                "citizenship": g.citizenship,
                "sex": code_of::<d::Sex>(g.sex),
                "age_band": code_of::<d::AgeBand>(g.age_band),
                "count": g.count,
            })).collect::<Vec<_>>(),
            "unaccompanied_minors": e.unaccompanied_minors,
            "deaths": e.deaths,
            "injuries": e.injuries,
            "smuggling_involved": code_of::<d::Ternary>(e.smuggling_involved),
            "aggravating": code_array::<d::Aggravation>(&e.aggravating),
        }}),
        B::Smuggler(s) => {
            let mut o = json!({
                "sex": code_of::<d::Sex>(s.sex),
                "age_band": code_of::<d::AgeBand>(s.age_band),
                "citizenship": s.citizenship,
                "roles": code_array::<d::SmugglerRole>(&s.roles),
                "also_migrant": code_of::<d::Ternary>(s.also_migrant),
                "organised_group": code_of::<d::Ternary>(s.organised_group),
            });
            if !s.linked_event.is_empty()
                && let Some(m) = o.as_object_mut()
            {
                m.insert("linked_event".into(), s.linked_event.clone().into());
            }
            json!({ "smuggler": o })
        }
        B::Fee(f) => json!({ "fee": {
            "route": legs(&f.route),
            "amount": f.amount,
            "currency": f.currency,
            "basis": code_of::<d::FeeBasis>(f.basis),
            "payment_mode": code_of::<d::PaymentMode>(f.payment_mode),
            "observed_on": f.observed_on,
        }}),
        B::Document(e) => json!({ "document": {
            "detected_on": e.detected_on,
            "document_type": code_of::<d::DocumentType>(e.document_type),
            "issuing_country": e.issuing_country,
            "fraud_type": code_of::<d::FraudType>(e.fraud_type),
            "purpose": code_of::<d::Purpose>(e.purpose),
            "holder_citizenship": e.holder_citizenship,
            "count": e.count,
        }}),
        B::Case(c) => {
            let mut o = Map::new();
            o.insert("case_ref".into(), c.case_ref.clone().into());
            o.insert("offences".into(), code_array::<d::Offence>(&c.offences));
            o.insert("iccs".into(), code_of::<d::IccsCode>(c.iccs));
            o.insert(
                "aggravations".into(),
                code_array::<d::Aggravation>(&c.aggravations),
            );
            o.insert("benefit".into(), code_of::<d::Benefit>(c.benefit));
            o.insert(
                "humanitarian_motive_claimed".into(),
                code_of::<d::Ternary>(c.humanitarian_motive_claimed),
            );
            o.insert("trafficking_charged".into(), c.trafficking_charged.into());
            o.insert(
                "countries_involved".into(),
                c.countries_involved.clone().into(),
            );
            for (k, v) in [
                ("persons_suspected", &c.persons_suspected),
                ("persons_prosecuted", &c.persons_prosecuted),
                ("persons_convicted", &c.persons_convicted),
            ] {
                if let Some(v) = v {
                    o.insert(k.into(), counts_json(v));
                }
            }
            let procs = c
                .proceedings
                .iter()
                .map(|x| {
                    let mut p = Map::new();
                    p.insert("stage".into(), code_of::<d::Stage>(x.stage));
                    if !x.decided_on.is_empty() {
                        p.insert("decided_on".into(), x.decided_on.clone().into());
                    }
                    p.insert("outcome".into(), code_of::<d::Outcome>(x.outcome));
                    p.insert("sentence_months".into(), x.sentence_months.into());
                    if let Some(f) = &x.fine {
                        p.insert(
                            "fine".into(),
                            json!({ "amount": f.amount, "currency": f.currency }),
                        );
                    }
                    Value::Object(p)
                })
                .collect();
            o.insert("proceedings".into(), Value::Array(procs));
            json!({ "case": Value::Object(o) })
        }
    }
}
