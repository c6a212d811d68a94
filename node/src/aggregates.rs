//! The node's aggregate tables: kept in memory per period and changed by the writer in
//! the group commit that logs the report version moving them. They are a function of
//! the log, so they are persisted as a snapshot rather than with every batch: every
//! [`PERSIST_EVERY`] entries (`LedgerOptions::aggregates_every`), the cells changed since the last snapshot are
//! written (see `storage::tables`) in the same atomic batch as the log size they are
//! exact at (`Saggregates`). At start-up the tables are the stored cells plus the
//! entries after that size, replayed ([`Aggregates::replay`]).

use std::collections::{BTreeMap, BTreeSet};

use vrs_core::aggregate::{
    Caps, CellKey, Contribution, Granularity, Period, Sign, TableId, Tables, contributions,
    report_period,
};
use vrs_core::report::Report;

use crate::storage::{Batch, StorageError, Store};

/// What a report version adds: its period and cells.
pub type Share = Option<(Period, Vec<Contribution>)>;

/// Entries between two snapshots of the tables, by default: what a start-up replays at
/// most (a few thousand report decodings, well under a second).
pub const PERSIST_EVERY: u64 = 4096;

/// Aggregate tables of every period.
#[derive(Debug, Default)]
pub struct Aggregates {
    periods: BTreeMap<Period, Tables>,
    /// Count cells changed since the last snapshot.
    dirty: BTreeSet<(Period, TableId, CellKey)>,
    /// Amounts of median cells changed since the last snapshot.
    dirty_amounts: BTreeSet<(Period, TableId, CellKey, u64)>,
    /// The log size the stored cells are exact at.
    persisted_at: u64,
}

fn corrupt(reason: String) -> StorageError {
    StorageError::Corrupt {
        key: "T/A".into(),
        reason,
    }
}

impl Aggregates {
    /// The tables as stored, exactly the tables of the log at [`Self::persisted_at`]: the
    /// entries after it are still to be [replayed](Self::replay).
    pub fn load(store: &Store) -> Result<Self, StorageError> {
        let at = match store.aggregates_at()? {
            Some(at) => at,
            None => store.size()?,
        };
        let mut me = Self {
            persisted_at: at,
            ..Self::default()
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

    /// The tables at start-up (or after a failed group commit): the stored snapshot, then
    /// every report version logged after it, replayed in log order.
    pub fn open(store: &Store, granularity: Granularity, caps: Caps) -> Result<Self, StorageError> {
        let mut me = Self::load(store)?;
        let at = me.persisted_at;
        let report_at = |i: u64| -> Result<Option<Report>, StorageError> {
            let bad = |reason: String| StorageError::Corrupt {
                key: format!("E/{i}"),
                reason,
            };
            let entry = store
                .entry(i)?
                .ok_or_else(|| bad("logged entry is missing".into()))?;
            crate::ledger::report_of_entry(&entry).map_err(bad)
        };
        let of = |r: Option<Report>| r.and_then(|r| share(granularity, caps, &r));
        me.replay(at, store.size()?, |i| {
            let Some(report) = report_at(i)? else {
                return Ok(None);
            };
            let old = match report.version {
                0 | 1 => None,
                v => {
                    let id = report.report_id.to_string();
                    let prev =
                        store
                            .report_version(&id, v - 1)?
                            .ok_or_else(|| StorageError::Corrupt {
                                key: format!("V/{id}/{}", v - 1),
                                reason: format!(
                                    "entry {i} supersedes a version that is not indexed"
                                ),
                            })?;
                    of(report_at(prev)?)
                }
            };
            Ok(Some((old, of(Some(report)))))
        })?;
        Ok(me)
    }

    /// Moves the tables by the report versions logged at `from..to` (after the stored
    /// snapshot), in log order. `shares(i)` is what entry `i` adds and what it replaces
    /// (the share of the version it supersedes); a key event adds nothing.
    pub fn replay(
        &mut self,
        from: u64,
        to: u64,
        mut shares: impl FnMut(u64) -> Result<Option<(Share, Share)>, StorageError>,
    ) -> Result<(), StorageError> {
        for i in from..to {
            if let Some((old, new)) = shares(i)? {
                self.change(&old, &new)
                    .map_err(|e| corrupt(format!("replaying entry {i}: {e}")))?;
            }
        }
        Ok(())
    }

    /// The log size the stored cells are exactly the tables of.
    pub fn persisted_at(&self) -> u64 {
        self.persisted_at
    }

    /// Whether the batch about to be applied at log size `size` should carry a snapshot.
    pub fn due(&self, size: u64, every: u64) -> bool {
        size.saturating_sub(self.persisted_at) >= every
            && !(self.dirty.is_empty() && self.dirty_amounts.is_empty())
    }

    /// Writes the cells changed since the last snapshot, and the batch's size as the one
    /// they are exact at, into `batch`. If the batch is not applied after all, the caller
    /// loads the tables again ([`Self::load`] and [`Self::replay`]), which marks the cells
    /// moved since the stored snapshot as changed once more.
    pub fn persist_into(&mut self, batch: &mut Batch<'_>) {
        for (p, table, key) in std::mem::take(&mut self.dirty) {
            let values: Vec<i64> = match self.periods.get(&p) {
                Some(t) => table
                    .stored_measures()
                    .iter()
                    .map(|m| t.count(table, &key, *m))
                    .collect(),
                None => vec![0; table.stored_measures().len()],
            };
            batch.put_cell(&p.to_string(), table.code(), key.codes(), &values);
        }
        for (p, table, key, value) in std::mem::take(&mut self.dirty_amounts) {
            let m = self
                .periods
                .get(&p)
                .and_then(|t| t.amounts(table, &key))
                .and_then(|a| a.get(&value))
                .copied()
                .unwrap_or(0);
            batch.put_amount(&p.to_string(), table.code(), key.codes(), value, m);
        }
        batch.put_aggregates_at();
        self.persisted_at = batch.size();
    }

    /// Replaces `old`'s contribution by `new`'s (an amendment; `new` is `None` for a
    /// retraction, `old` is `None` for a first version) and marks every changed cell for
    /// the next snapshot. Nothing changes on error.
    pub fn change(&mut self, old: &Share, new: &Share) -> Result<(), StorageError> {
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
            for c in remove.into_iter().chain(add) {
                match c {
                    Contribution::Count { table, key, .. } => {
                        self.dirty.insert((p, table, key));
                    }
                    Contribution::Amount {
                        table, key, value, ..
                    } => {
                        self.dirty_amounts.insert((p, table, key, value));
                    }
                }
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
