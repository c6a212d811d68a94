//! The tables of a node: cells by period, moved by report versions, with the hidden contributor counts.

use super::*;

// ---------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------

/// Whether contributions are added or taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// Add (a new or amending version).
    Add,
    /// Subtract (the version an amendment or a retraction replaces).
    Remove,
}

/// Why contributions could not be applied. Nothing is changed when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TablesError {
    /// A count would become negative (subtracting what was never added).
    #[error("{table} cell {key} {measure} would become negative")]
    Negative {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The measure.
        measure: Measure,
    },
    /// An amount would be removed from a cell that does not hold it.
    #[error("{table} cell {key} holds no amount {value} to remove")]
    MissingAmount {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The amount.
        value: u64,
    },
    /// A contribution names a measure its table does not have in that role, or a key
    /// of the wrong length.
    #[error("{table} has no {measure} measure for cell {key}")]
    Measure {
        /// The table.
        table: TableId,
        /// The cell.
        key: CellKey,
        /// The measure.
        measure: Measure,
    },
    /// A count overflowed.
    #[error("count overflow")]
    Overflow,
}

/// One table's cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TableData {
    /// Count measures per non-zero cell, in [`TableId::count_measures`] order.
    counts: BTreeMap<CellKey, Vec<i64>>,
    /// Amount multisets (value → multiplicity) per cell with a median.
    amounts: BTreeMap<CellKey, BTreeMap<u64, u64>>,
}

static NO_CELLS: BTreeMap<CellKey, Vec<i64>> = BTreeMap::new();

/// In-memory aggregate tables of one period: counts per cell (only non-zero cells are
/// held) and amount multisets per median cell. Adding then removing the same
/// contributions leaves it exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables {
    tables: BTreeMap<TableId, TableData>,
}

impl Tables {
    /// Empty tables.
    pub fn new() -> Tables {
        Tables::default()
    }

    /// Whether every cell of every table is zero.
    pub fn is_empty(&self) -> bool {
        self.tables
            .values()
            .all(|t| t.counts.is_empty() && t.amounts.is_empty())
    }

    /// Adds (or subtracts) `contributions`, atomically.
    pub fn apply(&mut self, contributions: &[Contribution], sign: Sign) -> Result<(), TablesError> {
        match sign {
            Sign::Add => self.apply_change(&[], contributions),
            Sign::Remove => self.apply_change(contributions, &[]),
        }
    }

    /// Subtracts `remove` and adds `add` (an amendment), atomically: either all of it is
    /// applied or, on error, nothing.
    pub fn apply_change(
        &mut self,
        remove: &[Contribution],
        add: &[Contribution],
    ) -> Result<(), TablesError> {
        // Per cell: the change of each stored measure (one look-up per cell, not per
        // measure, and no allocation for a cell that exists).
        type CountDelta<'a> = BTreeMap<(TableId, &'a CellKey), Vec<i64>>;
        let mut counts: CountDelta = BTreeMap::new();
        let mut amounts: BTreeMap<(TableId, &CellKey, u64), i64> = BTreeMap::new();
        let signed = remove
            .iter()
            .map(|c| (-1i64, c))
            .chain(add.iter().map(|c| (1i64, c)));
        for (s, c) in signed {
            match c {
                Contribution::Count {
                    table,
                    key,
                    measure,
                    amount,
                } => {
                    let bad = || TablesError::Measure {
                        table: *table,
                        key: key.clone(),
                        measure: *measure,
                    };
                    if key.0.len() != table.dimensions().len() {
                        return Err(bad());
                    }
                    let i = table
                        .stored_measures()
                        .iter()
                        .position(|m| m == measure)
                        .ok_or_else(bad)?;
                    let d = amount.checked_mul(s).ok_or(TablesError::Overflow)?;
                    let e = counts
                        .entry((*table, key))
                        .or_insert_with(|| vec![0; table.stored_measures().len()]);
                    e[i] = e[i].checked_add(d).ok_or(TablesError::Overflow)?;
                }
                Contribution::Amount {
                    table,
                    key,
                    measure,
                    value,
                } => {
                    if table.median_measure() != Some(*measure) || !table.has_median(key) {
                        return Err(TablesError::Measure {
                            table: *table,
                            key: key.clone(),
                            measure: *measure,
                        });
                    }
                    *amounts.entry((*table, key, *value)).or_insert(0) += s;
                }
            }
        }
        // Check everything before changing anything.
        for (&(table, key), deltas) in &counts {
            let cell = self.tables.get(&table).and_then(|t| t.counts.get(key));
            for (i, &d) in deltas.iter().enumerate() {
                let cur = cell.and_then(|c| c.get(i)).copied().unwrap_or(0);
                match cur.checked_add(d) {
                    Some(v) if v >= 0 => {}
                    Some(_) => {
                        return Err(TablesError::Negative {
                            table,
                            key: key.clone(),
                            measure: table.stored_measures()[i],
                        });
                    }
                    None => return Err(TablesError::Overflow),
                }
            }
        }
        for (&(table, key, value), &d) in &amounts {
            let cur = self
                .tables
                .get(&table)
                .and_then(|t| t.amounts.get(key))
                .and_then(|m| m.get(&value))
                .copied()
                .unwrap_or(0);
            let ok = i128::from(cur) + i128::from(d);
            if ok < 0 {
                return Err(TablesError::MissingAmount {
                    table,
                    key: key.clone(),
                    value,
                });
            }
            if ok > i128::from(u64::MAX) {
                return Err(TablesError::Overflow);
            }
        }
        // Apply.
        for ((table, key), deltas) in counts {
            if deltas.iter().all(|d| *d == 0) {
                continue;
            }
            let data = self.tables.entry(table).or_default();
            if let Some(cell) = data.counts.get_mut(key) {
                for (v, d) in cell.iter_mut().zip(&deltas) {
                    *v += d;
                }
                if cell.iter().all(|v| *v == 0) {
                    data.counts.remove(key);
                }
            } else {
                // Checked above: a new cell's changes are all at least 0.
                data.counts.insert(key.clone(), deltas);
            }
        }
        for ((table, key, value), d) in amounts {
            if d == 0 {
                continue;
            }
            let data = self.tables.entry(table).or_default();
            let multiset = data.amounts.entry(key.clone()).or_default();
            let m = multiset.entry(value).or_insert(0);
            // Checked above: the result is within 0..=u64::MAX.
            *m = (i128::from(*m) + i128::from(d)) as u64;
            if *m == 0 {
                multiset.remove(&value);
            }
            if multiset.is_empty() {
                data.amounts.remove(key);
            }
        }
        self.tables
            .retain(|_, t| !(t.counts.is_empty() && t.amounts.is_empty()));
        Ok(())
    }

    fn count_at(&self, table: TableId, key: &CellKey, i: usize) -> i64 {
        self.tables
            .get(&table)
            .and_then(|t| t.counts.get(key))
            .and_then(|v| v.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// The non-zero cells of `table`, margins included, with their counts in
    /// [`TableId::stored_measures`] order (the published count measures first).
    pub fn cells(&self, table: TableId) -> &BTreeMap<CellKey, Vec<i64>> {
        self.tables.get(&table).map_or(&NO_CELLS, |t| &t.counts)
    }

    /// The count of `measure` in a cell (0 for an absent cell or a non-count measure).
    pub fn count(&self, table: TableId, key: &CellKey, measure: Measure) -> i64 {
        match table.stored_measures().iter().position(|m| *m == measure) {
            Some(i) => self.count_at(table, key, i),
            None => 0,
        }
    }

    /// The amount multiset of a median cell: amount → multiplicity.
    pub fn amounts(&self, table: TableId, key: &CellKey) -> Option<&BTreeMap<u64, u64>> {
        self.tables.get(&table).and_then(|t| t.amounts.get(key))
    }

    /// The median amount of a cell: the middle value, or for an even number of amounts
    /// the mean of the two middle values rounded half up; `None` without amounts.
    pub fn median(&self, table: TableId, key: &CellKey) -> Option<u64> {
        median(self.amounts(table, key)?)
    }
}

/// Median of a multiset (value → multiplicity); see [`Tables::median`].
pub fn median(multiset: &BTreeMap<u64, u64>) -> Option<u64> {
    let n: u128 = multiset.values().map(|&m| u128::from(m)).sum();
    if n == 0 {
        return None;
    }
    let (lo_i, hi_i) = ((n - 1) / 2, n / 2);
    let (mut lo, mut hi) = (None, None);
    let mut seen = 0u128;
    for (&v, &m) in multiset {
        let next = seen + u128::from(m);
        if lo.is_none() && lo_i < next {
            lo = Some(v);
        }
        if hi_i < next {
            hi = Some(v);
            break;
        }
        seen = next;
    }
    let (lo, hi) = (u128::from(lo?), u128::from(hi?));
    u64::try_from((lo + hi).div_ceil(2)).ok()
}
