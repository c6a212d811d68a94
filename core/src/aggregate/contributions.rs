//! Contributions: the cells (and, for FEES, the amounts) one report version adds to,
//! with the caps the noise policy needs.

use super::*;

/// Contribution bounds: the persons, documents and case persons one report may add.
/// `None` means unbounded (exact counts). The noise policy needs them bounded
/// ([`Caps::delta`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Caps {
    /// Persons of one movement event (MOVEMENTS `PERSONS` and the PERSONS table).
    pub persons_per_event: Option<u32>,
    /// Documents of one document fraud event.
    pub documents_per_event: Option<u32>,
    /// Persons (all sexes together) of one case, at the stage reached.
    pub persons_per_case: Option<u32>,
}

impl Caps {
    /// No clamping: exact counts (the threshold policy).
    pub const EXACT: Caps = Caps {
        persons_per_event: None,
        documents_per_event: None,
        persons_per_case: None,
    };

    /// Δ of `table` under these caps: the largest total (L1 norm, all measures and all
    /// finest cells together) one report can add to the table's finest cells; `None` if
    /// a needed cap is unbounded. One report counts once: MOVEMENTS 1 + persons cap,
    /// PERSONS persons cap, SMUGGLERS 1, FEES 1 (amounts are not noised), DOCUMENTS
    /// documents cap, CASES 1 + case persons cap, PROTECTION 3 × persons cap + 2 (deaths,
    /// injuries and unaccompanied minors each clamped to the persons cap, and the two
    /// aggravations counted once each).
    pub fn delta(&self, table: TableId) -> Option<u32> {
        match table {
            TableId::Movements => self.persons_per_event?.checked_add(1),
            TableId::Persons => self.persons_per_event,
            TableId::Smugglers | TableId::Fees => Some(1),
            TableId::Documents => self.documents_per_event,
            TableId::Cases => self.persons_per_case?.checked_add(1),
            TableId::Protection => self.persons_per_event?.checked_mul(3)?.checked_add(2),
        }
    }
}

/// What one report version adds to one cell.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Contribution {
    /// Adds `amount` to a count measure of a cell.
    Count {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// A count measure of the table.
        measure: Measure,
        /// How much (positive).
        amount: i64,
    },
    /// Adds one occurrence of `value` to the amount multiset of a cell (for its median).
    Amount {
        /// The table (`FEES`).
        table: TableId,
        /// The cell (basis and currency specific).
        key: CellKey,
        /// The median measure.
        measure: Measure,
        /// The amount, in minor units.
        value: u64,
    },
}

impl Contribution {
    /// The table.
    pub fn table(&self) -> TableId {
        match self {
            Contribution::Count { table, .. } | Contribution::Amount { table, .. } => *table,
        }
    }

    /// The cell.
    pub fn key(&self) -> &CellKey {
        match self {
            Contribution::Count { key, .. } | Contribution::Amount { key, .. } => key,
        }
    }
}

/// The day that decides a report's period (see the module documentation); `None` for a
/// retraction.
pub fn reference_date(report: &Report) -> Option<Date> {
    Some(match report.body.as_ref()? {
        Body::Movement(m) => m.detected_on,
        Body::Document(d) => d.detected_on,
        Body::Fee(f) => f.observed_on,
        Body::Smuggler(_) | Body::Case(_) => report.observed.end(),
    })
}

/// The period of `granularity` a report version counts in; `None` for a retraction.
pub fn report_period(report: &Report, granularity: Granularity) -> Option<Period> {
    Period::of(reference_date(report)?, granularity)
}

/// Accumulates contributions with their margins, merged per cell.
#[derive(Default)]
pub(super) struct Acc {
    counts: BTreeMap<(TableId, CellKey, Measure), i64>,
    amounts: Vec<Contribution>,
}

impl Acc {
    /// Adds `amount` to the cell `codes` and to every margin of it.
    fn add(&mut self, table: TableId, codes: &[&'static str], measure: Measure, amount: u64) {
        self.add_all(table, codes, &[(measure, amount)]);
    }

    /// [`Acc::add`] of several measures of one cell: its margins computed once.
    fn add_all(&mut self, table: TableId, codes: &[&'static str], amounts: &[(Measure, u64)]) {
        let amounts: Vec<(Measure, i64)> = amounts
            .iter()
            .filter_map(|&(m, a)| i64::try_from(a).ok().filter(|a| *a != 0).map(|a| (m, a)))
            .collect();
        let Some((&(last, last_amount), rest)) = amounts.split_last() else {
            return;
        };
        for key in with_margins(codes, &[]) {
            for &(measure, amount) in rest {
                *self
                    .counts
                    .entry((table, key.clone(), measure))
                    .or_insert(0) += amount;
            }
            *self.counts.entry((table, key, last)).or_insert(0) += last_amount;
        }
    }

    fn finish(self) -> Vec<Contribution> {
        let mut out: Vec<Contribution> = self
            .counts
            .into_iter()
            .filter(|(_, amount)| *amount != 0)
            .map(|((table, key, measure), amount)| Contribution::Count {
                table,
                key,
                measure,
                amount,
            })
            .collect();
        out.extend(self.amounts);
        out
    }
}

/// `codes` and every key obtained by replacing a subset of its positions with `_T`,
/// except positions listed in `fixed`, which keep their code.
pub(super) fn with_margins(codes: &[&'static str], fixed: &[usize]) -> Vec<CellKey> {
    let free: Vec<usize> = (0..codes.len()).filter(|i| !fixed.contains(i)).collect();
    (0u32..(1u32 << free.len()))
        .map(|mask| {
            let mut key = codes.to_vec();
            for (bit, &pos) in free.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    key[pos] = TOTAL;
                }
            }
            CellKey(key)
        })
        .collect()
}

/// Scales `counts` down so that they sum to at most `cap`, by the largest-remainder
/// method (ties to the earlier entry); unchanged when the total is within the cap.
pub(super) fn clamp(counts: &[u64], cap: Option<u32>) -> Vec<u64> {
    let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
    let Some(cap) = cap.map(u128::from) else {
        return counts.to_vec();
    };
    if total <= cap {
        return counts.to_vec();
    }
    // total > cap >= 0, so total > 0.
    let mut out: Vec<u128> = counts
        .iter()
        .map(|&c| u128::from(c) * cap / total)
        .collect();
    let mut rest: Vec<(u128, usize)> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (u128::from(c) * cap % total, i))
        .collect();
    let given: u128 = out.iter().sum();
    // Largest remainder first; among equal remainders the earlier entry.
    rest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rest
        .iter()
        .take(usize::try_from(cap - given).unwrap_or(usize::MAX))
    {
        out[i] += 1;
    }
    out.into_iter()
        .map(|c| u64::try_from(c).unwrap_or(u64::MAX))
        .collect()
}

pub(super) fn country_or_unknown(c: Option<Iso3>) -> &'static str {
    c.map_or(UNKNOWN, |c| c.as_str())
}

/// The cells one report version adds to in `period`, `_T` margins included, merged per
/// cell and sorted: empty for a retraction or when the report's [`reference_date`] is
/// not in `period`. Counts are clamped by `caps`. Contributions of a valid report never
/// fail; the values come from the report's own codes.
pub fn contributions(report: &Report, period: &Period, caps: &Caps) -> Vec<Contribution> {
    let Some(body) = report.body.as_ref() else {
        return Vec::new();
    };
    if !reference_date(report).is_some_and(|d| period.contains(d)) {
        return Vec::new();
    }
    let mut acc = Acc::default();
    match body {
        Body::Movement(m) => {
            let key = [
                m.method.code(),
                country_or_unknown(m.origin()),
                country_or_unknown(m.destination()),
            ];
            let counts: Vec<u64> = m.persons.iter().map(|g| u64::from(g.count)).collect();
            let clamped = clamp(&counts, caps.persons_per_event);
            acc.add_all(
                TableId::Movements,
                &key,
                &[
                    (Measure::Events, 1),
                    (Measure::Persons, clamped.iter().sum()),
                ],
            );
            let mut touched = std::collections::BTreeSet::new();
            for (g, &n) in m.persons.iter().zip(&clamped) {
                let key = [g.citizenship.as_str(), g.sex.code(), g.age_band.code()];
                acc.add(TableId::Persons, &key, Measure::Persons, n);
                if n > 0 {
                    touched.extend(with_margins(&key, &[]));
                }
            }
            // One contributor per cell, however many of its groups fall in it.
            for key in touched {
                *acc.counts
                    .entry((TableId::Persons, key, Measure::Contributors))
                    .or_insert(0) += 1;
            }
            let one = |n: u32| clamp(&[u64::from(n)], caps.persons_per_event)[0];
            let has = |a: Aggravation| u64::from(m.aggravating.contains(&a));
            let protection = [
                (Measure::Deaths, one(m.deaths)),
                (Measure::Injuries, one(m.injuries)),
                (Measure::UnaccompaniedMinors, one(m.unaccompanied_minors)),
                (Measure::EndangeringLife, has(Aggravation::EndangeringLife)),
                (
                    Measure::InhumanTreatment,
                    has(Aggravation::InhumanTreatment),
                ),
            ];
            acc.add_all(TableId::Protection, &key, &protection);
        }
        Body::Smuggler(s) => {
            let role = s.roles.first().copied().unwrap_or(SmugglerRole::Other);
            let key = [s.citizenship.as_str(), s.sex.code(), role.code()];
            acc.add(TableId::Smugglers, &key, Measure::Smugglers, 1);
        }
        Body::Fee(f) => {
            let key = [
                country_or_unknown(f.origin()),
                country_or_unknown(f.destination()),
                f.basis.code(),
                f.currency.as_str(),
            ];
            acc.add(TableId::Fees, &key, Measure::Observations, 1);
            // Medians only where basis and currency are specific (positions 2 and 3).
            for key in with_margins(&key, &[2, 3]) {
                acc.amounts.push(Contribution::Amount {
                    table: TableId::Fees,
                    key,
                    measure: Measure::MedianAmount,
                    value: f.amount,
                });
            }
            acc.amounts.sort();
        }
        Body::Document(d) => {
            let key = [
                d.document_type.code(),
                d.fraud_type.code(),
                d.issuing_country.as_str(),
            ];
            let n: u64 = clamp(&[u64::from(d.count)], caps.documents_per_event)
                .iter()
                .sum();
            acc.add(TableId::Documents, &key, Measure::Documents, n);
            if n > 0 {
                acc.add(TableId::Documents, &key, Measure::Contributors, 1);
            }
        }
        Body::Case(c) => {
            let Some(offence) = c.offences.first() else {
                return Vec::new();
            };
            let last = c.proceedings.last();
            let stage = last.map_or(UNKNOWN, |p| p.stage.code());
            let outcome = last.map_or(UNKNOWN, |p| p.outcome.code());
            let key = [offence.code(), stage, outcome];
            acc.add(TableId::Cases, &key, Measure::Cases, 1);
            if let Some(persons) = case_persons(c) {
                let by_sex = [persons.female, persons.male, persons.unknown].map(u64::from);
                let clamped = clamp(&by_sex, caps.persons_per_case);
                let measures = [Measure::PersonsF, Measure::PersonsM, Measure::PersonsU];
                for (m, n) in measures.into_iter().zip(clamped) {
                    acc.add(TableId::Cases, &key, m, n);
                }
            }
        }
    }
    acc.finish()
}

/// Persons by sex at the stage a case reached (see the module documentation).
pub(super) fn case_persons(c: &crate::report::CriminalJusticeCase) -> Option<CountsBySex> {
    match c.proceedings.last() {
        Some(p) if p.outcome == Outcome::Convicted => c.persons_convicted,
        None
        | Some(crate::report::Proceeding {
            stage: Stage::Investigation,
            ..
        }) => c.persons_suspected,
        Some(_) => c.persons_prosecuted,
    }
}
