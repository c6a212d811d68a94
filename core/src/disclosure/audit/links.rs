//! The links between tables of one State and period (shared totals, bounds cell by
//! cell), as equations and inequalities of the reader's programme.

use super::*;

/// A relation between two values of different tables of one version.
#[derive(Debug, Clone, Copy)]
pub(super) enum Rel {
    /// `a = b`.
    Eq,
    /// `a ≤ factor × b`.
    Le(i64),
}

/// A link instance: `(table, key, measure)` of both sides.
#[derive(Debug, Clone)]
pub(super) struct Link {
    pub(super) a: (TableId, CellKey, Measure),
    pub(super) b: (TableId, CellKey, Measure),
    pub(super) rel: Rel,
}

pub(super) fn all_total(key: &CellKey) -> bool {
    key.codes().iter().all(|c| *c == TOTAL)
}

/// The links that involve `measure` of `key` in `table` (see the module documentation).
pub(super) fn links_of(table: TableId, key: &CellKey, measure: Measure) -> Vec<Link> {
    use Measure as M;
    use TableId as T;
    let mut out = Vec::new();
    let mut push = |a: (T, M), b: (T, M), rel: Rel, akey: CellKey, bkey: CellKey| {
        out.push(Link {
            a: (a.0, akey, a.1),
            b: (b.0, bkey, b.1),
            rel,
        });
    };
    let under18 =
        || CellKey::from_static(vec![TOTAL, TOTAL, crate::report::AgeBand::Under18.code()]);
    let prot_events = [
        (M::EndangeringLife, 1),
        (M::InhumanTreatment, 1),
        (M::Deaths, MAX_PERSONS),
        (M::Injuries, MAX_PERSONS),
    ];
    match (table, measure) {
        (T::Protection, m) => {
            if let Some((_, f)) = prot_events.iter().find(|(pm, _)| *pm == m) {
                push(
                    (T::Protection, m),
                    (T::Movements, M::Events),
                    Rel::Le(*f),
                    key.clone(),
                    key.clone(),
                );
            }
            if m == M::UnaccompaniedMinors {
                push(
                    (T::Protection, m),
                    (T::Movements, M::Persons),
                    Rel::Le(1),
                    key.clone(),
                    key.clone(),
                );
                if all_total(key) {
                    push(
                        (T::Protection, m),
                        (T::Persons, M::Persons),
                        Rel::Le(1),
                        key.clone(),
                        under18(),
                    );
                }
            }
        }
        (T::Movements, M::Events) => {
            for (pm, f) in prot_events {
                push(
                    (T::Protection, pm),
                    (T::Movements, M::Events),
                    Rel::Le(f),
                    key.clone(),
                    key.clone(),
                );
            }
        }
        (T::Movements, M::Persons) => {
            push(
                (T::Protection, M::UnaccompaniedMinors),
                (T::Movements, M::Persons),
                Rel::Le(1),
                key.clone(),
                key.clone(),
            );
            if all_total(key) {
                push(
                    (T::Movements, M::Persons),
                    (T::Persons, M::Persons),
                    Rel::Eq,
                    key.clone(),
                    CellKey::total(T::Persons),
                );
            }
        }
        (T::Persons, M::Persons) => {
            if all_total(key) {
                push(
                    (T::Movements, M::Persons),
                    (T::Persons, M::Persons),
                    Rel::Eq,
                    CellKey::total(T::Movements),
                    key.clone(),
                );
            }
            if *key == under18() {
                push(
                    (T::Protection, M::UnaccompaniedMinors),
                    (T::Persons, M::Persons),
                    Rel::Le(1),
                    CellKey::total(T::Protection),
                    key.clone(),
                );
            }
        }
        _ => {}
    }
    out
}

/// The tables linked to `table` by [`links_of`].
pub(super) fn linked_tables(table: TableId) -> &'static [TableId] {
    match table {
        TableId::Movements | TableId::Persons | TableId::Protection => {
            &[TableId::Movements, TableId::Persons, TableId::Protection]
        }
        _ => &[],
    }
}

/// The measures linked to `measure` of `table` by [`links_of`] (in any cell).
pub(super) fn linked_measures(table: TableId, measure: Measure) -> &'static [(TableId, Measure)] {
    use Measure as M;
    use TableId as T;
    const EVENTS: [(T, M); 4] = [
        (T::Protection, M::EndangeringLife),
        (T::Protection, M::InhumanTreatment),
        (T::Protection, M::Deaths),
        (T::Protection, M::Injuries),
    ];
    const PERSONS: [(T, M); 3] = [
        (T::Movements, M::Persons),
        (T::Persons, M::Persons),
        (T::Protection, M::UnaccompaniedMinors),
    ];
    match (table, measure) {
        (T::Movements, M::Events) => &EVENTS,
        (T::Protection, M::EndangeringLife | M::InhumanTreatment | M::Deaths | M::Injuries) => {
            &[(T::Movements, M::Events)]
        }
        (T::Movements | T::Persons, M::Persons) | (T::Protection, M::UnaccompaniedMinors) => {
            &PERSONS
        }
        _ => &[],
    }
}
