//! The node's aggregate tables: kept in memory per period, changed by the writer in
//! the same group commit as the report version that changes them, persisted cell by
//! cell (see `storage::tables`), rebuilt from storage at start-up (never from the log).

use std::collections::{BTreeMap, BTreeSet};

use vrs_core::aggregate::{
    Caps, CellKey, Contribution, Granularity, Period, Sign, TableId, Tables, contributions,
    report_period,
};
use vrs_core::report::Report;

use crate::storage::{Batch, StorageError, Store};

/// What a report version adds: its period and cells.
pub type Share = Option<(Period, Vec<Contribution>)>;

/// Aggregate tables of every period.
#[derive(Debug, Default)]
pub struct Aggregates {
    periods: BTreeMap<Period, Tables>,
}

fn corrupt(reason: String) -> StorageError {
    StorageError::Corrupt {
        key: "T/A".into(),
        reason,
    }
}

impl Aggregates {
    /// Rebuilds the tables from storage.
    pub fn load(store: &Store) -> Result<Self, StorageError> {
        let mut me = Self {
            periods: BTreeMap::new(),
        };
        let mut pending: BTreeMap<Period, Vec<Contribution>> = BTreeMap::new();
        for cell in store.table_cells() {
            let cell = cell?;
            let (period, table, key) = parse_cell(&cell.period, &cell.table, &cell.codes)?;
            for (m, v) in table.stored_measures().iter().zip(&cell.values) {
                if *v != 0 {
                    pending
                        .entry(period)
                        .or_default()
                        .push(Contribution::Count {
                            table,
                            key: key.clone(),
                            measure: *m,
                            amount: *v,
                        });
                }
            }
        }
        for a in store.table_amounts() {
            let a = a?;
            let (period, table, key) = parse_cell(&a.period, &a.table, &a.codes)?;
            let measure = table
                .median_measure()
                .ok_or_else(|| corrupt(format!("{} has no amounts", a.table)))?;
            for _ in 0..a.multiplicity {
                pending
                    .entry(period)
                    .or_default()
                    .push(Contribution::Amount {
                        table,
                        key: key.clone(),
                        measure,
                        value: a.value,
                    });
            }
        }
        for (period, cs) in pending {
            me.periods
                .entry(period)
                .or_default()
                .apply(&cs, Sign::Add)
                .map_err(|e| corrupt(e.to_string()))?;
        }
        Ok(me)
    }

    /// Replaces `old`'s contribution by `new`'s (an amendment; `new` is `None` for a
    /// retraction, `old` is `None` for a first version) and writes every changed cell
    /// into `batch`. Nothing changes on error.
    pub fn change(
        &mut self,
        old: &Share,
        new: &Share,
        batch: &mut Batch<'_>,
    ) -> Result<(), StorageError> {
        let mut by_period: BTreeMap<Period, (Vec<Contribution>, Vec<Contribution>)> =
            BTreeMap::new();
        if let Some((p, cs)) = old {
            by_period
                .entry(*p)
                .or_default()
                .0
                .extend(cs.iter().cloned());
        }
        if let Some((p, cs)) = new {
            by_period
                .entry(*p)
                .or_default()
                .1
                .extend(cs.iter().cloned());
        }
        // Each period's change is atomic (Tables::apply_change); across two periods, a
        // failure undoes the periods already changed. No copy of the tables is made.
        let mut done: Vec<(Period, &[Contribution], &[Contribution])> = Vec::new();
        for (p, (remove, add)) in &by_period {
            let r = self
                .periods
                .entry(*p)
                .or_default()
                .apply_change(remove, add);
            if let Err(e) = r {
                for (q, rm, ad) in done.into_iter().rev() {
                    if let Some(t) = self.periods.get_mut(&q) {
                        let _ = t.apply_change(ad, rm);
                    }
                }
                return Err(corrupt(format!("{p}: {e}")));
            }
            done.push((*p, remove, add));
        }
        for (p, (remove, add)) in by_period {
            let Some(tables) = self.periods.get(&p) else {
                continue;
            };
            let period = p.to_string();
            let mut cells = BTreeSet::new();
            let mut amounts = BTreeSet::new();
            for c in remove.iter().chain(&add) {
                match c {
                    Contribution::Count { table, key, .. } => {
                        cells.insert((*table, key.clone()));
                    }
                    Contribution::Amount {
                        table, key, value, ..
                    } => {
                        amounts.insert((*table, key.clone(), *value));
                    }
                }
            }
            for (table, key) in cells {
                let values: Vec<i64> = table
                    .stored_measures()
                    .iter()
                    .map(|m| tables.count(table, &key, *m))
                    .collect();
                batch.put_cell(&period, table.code(), key.codes(), &values);
            }
            for (table, key, value) in amounts {
                let m = tables
                    .amounts(table, &key)
                    .and_then(|a| a.get(&value))
                    .copied()
                    .unwrap_or(0);
                batch.put_amount(&period, table.code(), key.codes(), value, m);
            }
        }
        Ok(())
    }

    /// The tables of a period (empty if nothing counts in it).
    pub fn tables(&self, period: &Period) -> Tables {
        self.periods.get(period).cloned().unwrap_or_default()
    }

    /// Periods that hold data.
    pub fn periods(&self) -> impl Iterator<Item = &Period> {
        self.periods.keys()
    }
}

/// The period and cells a report version counts in (nothing for a retraction).
pub fn share(granularity: Granularity, caps: Caps, report: &Report) -> Share {
    let period = report_period(report, granularity)?;
    Some((period, contributions(report, &period, &caps)))
}

fn parse_cell(
    period: &str,
    table: &str,
    codes: &[String],
) -> Result<(Period, TableId, CellKey), StorageError> {
    let p = Period::parse(period).map_err(|e| corrupt(format!("period {period}: {e}")))?;
    let t = TableId::parse(table).map_err(|e| corrupt(format!("table {table}: {e}")))?;
    let k = CellKey::parse(t, codes).map_err(|e| corrupt(format!("cell of {table}: {e}")))?;
    Ok((p, t, k))
}
