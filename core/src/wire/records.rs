//! The five record types and their parts in both directions: wire to domain, checked
//! with field paths, then domain to wire.

use super::*;

pub(super) fn movement(
    c: &mut Checker,
    ctx: &Ctx,
    p: &str,
    m: &pb::MovementEvent,
) -> Option<MovementEvent> {
    let detected_on = ctx.observed_date(c, at(p, "detected_on"), &m.detected_on);
    let place_type = enumeration(c, at(p, "place_type"), m.place_type);
    let direction = enumeration(c, at(p, "direction"), m.direction);
    let method: Option<Method> = enumeration(c, at(p, "method"), m.method);
    let sub_method: Option<SubMethod> = enumeration(c, at(p, "sub_method"), m.sub_method);
    let mut consistent = true;
    match (method, sub_method) {
        (Some(method), Some(sub)) if !sub.fits(method) => {
            c.push(
                at(p, "sub_method"),
                SubMethod::wire_name(m.sub_method),
                format!("not a sub-method of {}", Method::wire_name(m.method)),
            );
            consistent = false;
        }
        _ => {}
    }
    let route = route(c, at(p, "route"), &m.route, false);

    let persons_field = at(p, "persons");
    let mut persons_ok = c.at_most(persons_field.clone(), m.persons.len(), MAX_PERSON_GROUPS);
    let mut persons = Vec::with_capacity(m.persons.len());
    for (i, g) in m.persons.iter().enumerate() {
        match person_group(c, &format!("{persons_field}[{i}]"), g) {
            Some(g) => persons.push(g),
            None => persons_ok = false,
        }
    }
    // Totals over the groups as sent, so that they are checked even if a group is not.
    let total: u64 = m.persons.iter().map(|g| u64::from(g.count)).sum();
    let minors: u64 = m
        .persons
        .iter()
        .filter(|g| g.age_band == pb::AgeBand::Under18 as i32)
        .map(|g| u64::from(g.count))
        .sum();
    if total > MAX_PERSONS {
        c.push(
            persons_field,
            total.to_string(),
            format!("more than {MAX_PERSONS} persons in one movement"),
        );
        persons_ok = false;
    }
    let mut counts_ok = true;
    if u64::from(m.unaccompanied_minors) > minors {
        c.push(
            at(p, "unaccompanied_minors"),
            m.unaccompanied_minors.to_string(),
            format!("more than the persons in groups under 18 ({minors})"),
        );
        counts_ok = false;
    }
    for (name, n) in [("deaths", m.deaths), ("injuries", m.injuries)] {
        let n64 = u64::from(n);
        if !m.persons.is_empty() && n64 > total {
            let msg = format!("more than the persons detected ({total})");
            c.push(at(p, name), n.to_string(), msg);
            counts_ok = false;
        } else if n64 > MAX_PERSONS {
            let msg = format!("more than {MAX_PERSONS}");
            c.push(at(p, name), n.to_string(), msg);
            counts_ok = false;
        }
    }
    let smuggling_involved = enumeration(c, at(p, "smuggling_involved"), m.smuggling_involved);
    let aggravating = enum_list(c, at(p, "aggravating"), &m.aggravating, false);
    if !(consistent && persons_ok && counts_ok) {
        return None;
    }
    Some(MovementEvent {
        detected_on: detected_on?,
        place_type: place_type?,
        direction: direction?,
        method: method?,
        sub_method: sub_method?,
        route: route?,
        persons,
        unaccompanied_minors: m.unaccompanied_minors,
        deaths: m.deaths,
        injuries: m.injuries,
        smuggling_involved: smuggling_involved?,
        aggravating: aggravating?,
    })
}

pub(super) fn smuggler(
    c: &mut Checker,
    ctx: &Ctx,
    p: &str,
    m: &pb::SmugglerProfile,
) -> Option<SmugglerProfile> {
    let sex = enumeration(c, at(p, "sex"), m.sex);
    let age_band = enumeration(c, at(p, "age_band"), m.age_band);
    let citizenship = c.country(at(p, "citizenship"), &m.citizenship);
    let roles = enum_list(c, at(p, "roles"), &m.roles, true);
    let also_migrant = enumeration(c, at(p, "also_migrant"), m.also_migrant);
    let organised_group = enumeration(c, at(p, "organised_group"), m.organised_group);
    let linked_event = if m.linked_event.is_empty() {
        Some(None)
    } else {
        let field = at(p, "linked_event");
        match c.report_id(field.clone(), &m.linked_event) {
            Some(id) if Some(id) == ctx.report_id => {
                c.push(field, &m.linked_event, "a report cannot link to itself");
                None
            }
            Some(id) => Some(Some(id)),
            None => None,
        }
    };
    Some(SmugglerProfile {
        sex: sex?,
        age_band: age_band?,
        citizenship: citizenship?,
        roles: roles?,
        also_migrant: also_migrant?,
        organised_group: organised_group?,
        linked_event: linked_event?,
    })
}

pub(super) fn fee(
    c: &mut Checker,
    ctx: &Ctx,
    p: &str,
    m: &pb::FeeObservation,
) -> Option<FeeObservation> {
    let route = route(c, at(p, "route"), &m.route, true);
    let amount = c.within(at(p, "amount"), m.amount, 1, MAX_AMOUNT);
    let currency = c.currency(at(p, "currency"), &m.currency);
    let basis = enumeration(c, at(p, "basis"), m.basis);
    let payment_mode = enumeration(c, at(p, "payment_mode"), m.payment_mode);
    let observed_on = ctx.observed_date(c, at(p, "observed_on"), &m.observed_on);
    Some(FeeObservation {
        route: route?,
        amount: amount?,
        currency: currency?,
        basis: basis?,
        payment_mode: payment_mode?,
        observed_on: observed_on?,
    })
}

pub(super) fn document(
    c: &mut Checker,
    ctx: &Ctx,
    p: &str,
    m: &pb::DocumentFraudEvent,
) -> Option<DocumentFraudEvent> {
    let detected_on = ctx.observed_date(c, at(p, "detected_on"), &m.detected_on);
    let document_type = enumeration(c, at(p, "document_type"), m.document_type);
    let issuing_country = c.country(at(p, "issuing_country"), &m.issuing_country);
    let fraud_type = enumeration(c, at(p, "fraud_type"), m.fraud_type);
    let purpose = enumeration(c, at(p, "purpose"), m.purpose);
    let holder_citizenship = c.country(at(p, "holder_citizenship"), &m.holder_citizenship);
    let count = c.within(at(p, "count"), m.count.into(), 1, MAX_DOCUMENT_COUNT.into());
    Some(DocumentFraudEvent {
        detected_on: detected_on?,
        document_type: document_type?,
        issuing_country: issuing_country?,
        fraud_type: fraud_type?,
        purpose: purpose?,
        holder_citizenship: holder_citizenship?,
        count: u32::try_from(count?).ok()?,
    })
}

pub(super) fn counts_by_sex(
    c: &mut Checker,
    p: &str,
    m: Option<&pb::CountsBySex>,
) -> Option<Option<CountsBySex>> {
    let Some(m) = m else {
        return Some(None);
    };
    let mut ok = true;
    for (name, n) in [
        ("female", m.female),
        ("male", m.male),
        ("unknown", m.unknown),
    ] {
        ok &= c
            .within(at(p, name), n.into(), 0, MAX_CASE_PERSONS.into())
            .is_some();
    }
    ok.then_some(Some(CountsBySex {
        female: m.female,
        male: m.male,
        unknown: m.unknown,
    }))
}

pub(super) fn fine(c: &mut Checker, p: &str, m: &pb::Fine) -> Option<Fine> {
    let amount = c.within(at(p, "amount"), m.amount, 1, MAX_AMOUNT);
    let currency = c.currency(at(p, "currency"), &m.currency);
    Some(Fine {
        amount: amount?,
        currency: currency?,
    })
}

pub(super) fn proceeding(c: &mut Checker, p: &str, m: &pb::Proceeding) -> Option<Proceeding> {
    let stage: Option<Stage> = enumeration(c, at(p, "stage"), m.stage);
    let outcome: Option<Outcome> = enumeration(c, at(p, "outcome"), m.outcome);
    let decided_field = at(p, "decided_on");
    let decided_on = match (outcome, m.decided_on.is_empty()) {
        (Some(Outcome::Pending), true) => Some(None),
        (Some(Outcome::Pending), false) => {
            c.push(
                decided_field,
                &m.decided_on,
                "must be empty while the outcome is pending",
            );
            None
        }
        (Some(_), true) => {
            c.push(decided_field, "", "required unless the outcome is pending");
            None
        }
        // The outcome is already reported as missing or unknown.
        (None, true) => Some(None),
        (_, false) => c.date(decided_field, &m.decided_on).map(Some),
    };
    let mut ok = true;
    match (stage, outcome) {
        (Some(stage), Some(o @ (Outcome::Convicted | Outcome::Acquitted))) if !stage.is_trial() => {
            c.push(
                at(p, "outcome"),
                Outcome::wire_name(m.outcome),
                format!(
                    "{} only at first instance or on appeal, not at {}",
                    if o == Outcome::Convicted {
                        "a conviction"
                    } else {
                        "an acquittal"
                    },
                    Stage::wire_name(m.stage)
                ),
            );
            ok = false;
        }
        _ => {}
    }
    let convicted = outcome.map(|o| o == Outcome::Convicted);
    if m.sentence_months > MAX_SENTENCE_MONTHS {
        c.push(
            at(p, "sentence_months"),
            m.sentence_months.to_string(),
            format!("more than {MAX_SENTENCE_MONTHS} months"),
        );
        ok = false;
    } else if m.sentence_months > 0 && convicted == Some(false) {
        c.push(
            at(p, "sentence_months"),
            m.sentence_months.to_string(),
            "a sentence only follows a conviction",
        );
        ok = false;
    }
    let fine = match &m.fine {
        None => Some(None),
        Some(f) => {
            if convicted == Some(false) {
                c.push(at(p, "fine"), "present", "a fine only follows a conviction");
                ok = false;
            }
            fine(c, &at(p, "fine"), f).map(Some)
        }
    };
    if !ok {
        return None;
    }
    Some(Proceeding {
        stage: stage?,
        decided_on: decided_on?,
        outcome: outcome?,
        sentence_months: m.sentence_months,
        fine: fine?,
    })
}

pub(super) fn case(
    c: &mut Checker,
    p: &str,
    m: &pb::CriminalJusticeCase,
) -> Option<CriminalJusticeCase> {
    let case_ref = c.identifier(at(p, "case_ref"), &m.case_ref);
    let offences = enum_list(c, at(p, "offences"), &m.offences, true);
    let iccs: Option<IccsCode> = enumeration(c, at(p, "iccs"), m.iccs);
    let mut ok = true;
    if iccs == Some(IccsCode::TraffickingInPersons) && !m.trafficking_charged {
        c.push(
            at(p, "trafficking_charged"),
            "false",
            "required when iccs is ICCS_CODE_0204",
        );
        ok = false;
    }
    let aggravations = enum_list(c, at(p, "aggravations"), &m.aggravations, false);
    let benefit = enumeration(c, at(p, "benefit"), m.benefit);
    let humanitarian_motive_claimed = enumeration(
        c,
        at(p, "humanitarian_motive_claimed"),
        m.humanitarian_motive_claimed,
    );

    let (countries_involved, countries_ok) =
        countries(c, &at(p, "countries_involved"), &m.countries_involved);
    ok &= countries_ok;

    let suspected = counts_by_sex(c, &at(p, "persons_suspected"), m.persons_suspected.as_ref());
    let prosecuted = counts_by_sex(
        c,
        &at(p, "persons_prosecuted"),
        m.persons_prosecuted.as_ref(),
    );
    let convicted = counts_by_sex(c, &at(p, "persons_convicted"), m.persons_convicted.as_ref());
    let pairs = [
        (
            "persons_prosecuted",
            prosecuted,
            "persons_suspected",
            suspected,
        ),
        (
            "persons_convicted",
            convicted,
            "persons_prosecuted",
            prosecuted,
        ),
    ];
    for (name, later, earlier_name, earlier) in pairs {
        match (later, earlier) {
            (Some(Some(later)), Some(Some(earlier))) if later.total() > earlier.total() => {
                c.push(
                    at(p, name),
                    later.total().to_string(),
                    format!("more persons than {earlier_name} ({})", earlier.total()),
                );
                ok = false;
            }
            _ => {}
        }
    }

    let (proceedings, proceedings_ok) = proceedings(c, &at(p, "proceedings"), &m.proceedings);
    ok &= proceedings_ok;
    if !ok {
        return None;
    }
    Some(CriminalJusticeCase {
        case_ref: case_ref?,
        offences: offences?,
        iccs: iccs?,
        aggravations: aggravations?,
        benefit: benefit?,
        humanitarian_motive_claimed: humanitarian_motive_claimed?,
        trafficking_charged: m.trafficking_charged,
        countries_involved,
        persons_suspected: suspected?,
        persons_prosecuted: prosecuted?,
        persons_convicted: convicted?,
        proceedings,
    })
}

/// The countries involved in a case: each a country, none twice, at most
/// [`MAX_COUNTRIES_INVOLVED`]; with whether all were.
fn countries(c: &mut Checker, field: &str, list: &[String]) -> (Vec<Iso3>, bool) {
    let mut ok = c.at_most(field.to_owned(), list.len(), MAX_COUNTRIES_INVOLVED);
    let mut out = Vec::with_capacity(list.len());
    for (i, s) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        match c.country(f.clone(), s) {
            Some(code) if out.contains(&code) => {
                c.push(f, s, "duplicate");
                ok = false;
            }
            Some(code) => out.push(code),
            None => ok = false,
        }
    }
    (out, ok)
}

/// The proceedings of a case, each valid and in procedural order, at most
/// [`MAX_PROCEEDINGS`]; with whether all were.
fn proceedings(c: &mut Checker, field: &str, list: &[pb::Proceeding]) -> (Vec<Proceeding>, bool) {
    let mut ok = c.at_most(field.to_owned(), list.len(), MAX_PROCEEDINGS);
    let mut out = Vec::with_capacity(list.len());
    let mut last_stage: Option<Stage> = None;
    for (i, pr) in list.iter().enumerate() {
        let pp = format!("{field}[{i}]");
        let stage = Stage::from_wire(pr.stage);
        match (last_stage, stage) {
            (Some(last), Some(stage)) if stage < last => {
                c.push(
                    at(&pp, "stage"),
                    Stage::wire_name(pr.stage),
                    format!("out of order: follows {}", Stage::wire_name(last.to_wire())),
                );
                ok = false;
            }
            _ => {}
        }
        last_stage = stage.or(last_stage);
        match proceeding(c, &pp, pr) {
            Some(pr) => out.push(pr),
            None => ok = false,
        }
    }
    (out, ok)
}

// ---------------------------------------------------------------------------------------
// Domain to wire
// ---------------------------------------------------------------------------------------

impl From<&RouteLeg> for pb::RouteLeg {
    fn from(l: &RouteLeg) -> Self {
        pb::RouteLeg {
            from_country: l.from_country.as_str().to_owned(),
            to_country: l.to_country.as_str().to_owned(),
            transport_mode: l.transport_mode.to_wire(),
        }
    }
}

impl From<&PersonGroup> for pb::PersonGroup {
    fn from(g: &PersonGroup) -> Self {
        pb::PersonGroup {
            citizenship: g.citizenship.as_str().to_owned(),
            sex: g.sex.to_wire(),
            age_band: g.age_band.to_wire(),
            count: g.count,
        }
    }
}

impl From<&MovementEvent> for pb::MovementEvent {
    fn from(m: &MovementEvent) -> Self {
        pb::MovementEvent {
            detected_on: m.detected_on.to_string(),
            place_type: m.place_type.to_wire(),
            direction: m.direction.to_wire(),
            method: m.method.to_wire(),
            sub_method: m.sub_method.to_wire(),
            route: m.route.iter().map(Into::into).collect(),
            persons: m.persons.iter().map(Into::into).collect(),
            unaccompanied_minors: m.unaccompanied_minors,
            deaths: m.deaths,
            injuries: m.injuries,
            smuggling_involved: m.smuggling_involved.to_wire(),
            aggravating: wire_list(&m.aggravating),
        }
    }
}

impl From<&SmugglerProfile> for pb::SmugglerProfile {
    fn from(m: &SmugglerProfile) -> Self {
        pb::SmugglerProfile {
            sex: m.sex.to_wire(),
            age_band: m.age_band.to_wire(),
            citizenship: m.citizenship.as_str().to_owned(),
            roles: wire_list(&m.roles),
            also_migrant: m.also_migrant.to_wire(),
            organised_group: m.organised_group.to_wire(),
            linked_event: m.linked_event.map(|id| id.to_string()).unwrap_or_default(),
        }
    }
}

impl From<&FeeObservation> for pb::FeeObservation {
    fn from(m: &FeeObservation) -> Self {
        pb::FeeObservation {
            route: m.route.iter().map(Into::into).collect(),
            amount: m.amount,
            currency: m.currency.as_str().to_owned(),
            basis: m.basis.to_wire(),
            payment_mode: m.payment_mode.to_wire(),
            observed_on: m.observed_on.to_string(),
        }
    }
}

impl From<&DocumentFraudEvent> for pb::DocumentFraudEvent {
    fn from(m: &DocumentFraudEvent) -> Self {
        pb::DocumentFraudEvent {
            detected_on: m.detected_on.to_string(),
            document_type: m.document_type.to_wire(),
            issuing_country: m.issuing_country.as_str().to_owned(),
            fraud_type: m.fraud_type.to_wire(),
            purpose: m.purpose.to_wire(),
            holder_citizenship: m.holder_citizenship.as_str().to_owned(),
            count: m.count,
        }
    }
}

impl From<&CountsBySex> for pb::CountsBySex {
    fn from(m: &CountsBySex) -> Self {
        pb::CountsBySex {
            female: m.female,
            male: m.male,
            unknown: m.unknown,
        }
    }
}

impl From<&Fine> for pb::Fine {
    fn from(m: &Fine) -> Self {
        pb::Fine {
            amount: m.amount,
            currency: m.currency.as_str().to_owned(),
        }
    }
}

impl From<&Proceeding> for pb::Proceeding {
    fn from(m: &Proceeding) -> Self {
        pb::Proceeding {
            stage: m.stage.to_wire(),
            decided_on: m.decided_on.map(|d| d.to_string()).unwrap_or_default(),
            outcome: m.outcome.to_wire(),
            sentence_months: m.sentence_months,
            fine: m.fine.as_ref().map(Into::into),
        }
    }
}

impl From<&CriminalJusticeCase> for pb::CriminalJusticeCase {
    fn from(m: &CriminalJusticeCase) -> Self {
        pb::CriminalJusticeCase {
            case_ref: m.case_ref.clone(),
            offences: wire_list(&m.offences),
            iccs: m.iccs.to_wire(),
            aggravations: wire_list(&m.aggravations),
            benefit: m.benefit.to_wire(),
            humanitarian_motive_claimed: m.humanitarian_motive_claimed.to_wire(),
            trafficking_charged: m.trafficking_charged,
            countries_involved: m
                .countries_involved
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            persons_suspected: m.persons_suspected.as_ref().map(Into::into),
            persons_prosecuted: m.persons_prosecuted.as_ref().map(Into::into),
            persons_convicted: m.persons_convicted.as_ref().map(Into::into),
            proceedings: m.proceedings.iter().map(Into::into).collect(),
        }
    }
}
