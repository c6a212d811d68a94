//! Storage of the aggregate tables (a sub-module of `storage`, so sled stays there).
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `T` | period (SDMX text), 0, table, 0, cell codes joined by 0x1f | the cell's counts, i64 BE each, in the table's count-measure order |
//! | `A` | period, 0, table, 0, cell codes joined by 0x1f, 0, amount (u64 BE) | multiplicity (u64 BE) |
//! | `S` | `Saggregates` | the log size (u64 BE) the stored cells are exactly the tables of |
//!
//! Cells are written with absolute values, those changed since the last time, every few
//! thousand entries, in the same atomic batch as the `Saggregates` size they are exact
//! at (see `aggregates`); a cell that returns to zero is removed. A store without the key
//! (written before it) wrote its cells with every batch: exact at its size.

use super::{Batch, StorageError, Store};

fn cell_key(prefix: u8, period: &str, table: &str, codes: &[&str]) -> Vec<u8> {
    let mut k = Vec::with_capacity(64);
    k.push(prefix);
    k.extend_from_slice(period.as_bytes());
    k.push(0);
    k.extend_from_slice(table.as_bytes());
    k.push(0);
    for (i, c) in codes.iter().enumerate() {
        if i > 0 {
            k.push(0x1f);
        }
        k.extend_from_slice(c.as_bytes());
    }
    k
}

/// One stored count cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCell {
    /// SDMX period.
    pub period: String,
    /// Table id.
    pub table: String,
    /// Dimension codes.
    pub codes: Vec<String>,
    /// Counts per count measure.
    pub values: Vec<i64>,
}

/// One stored amount of a median cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAmount {
    /// SDMX period.
    pub period: String,
    /// Table id.
    pub table: String,
    /// Dimension codes.
    pub codes: Vec<String>,
    /// The amount.
    pub value: u64,
    /// How many times it occurs.
    pub multiplicity: u64,
}

fn corrupt(what: &str) -> StorageError {
    StorageError::Corrupt {
        key: what.into(),
        reason: "malformed aggregate key or value".into(),
    }
}

fn split_key(rest: &[u8]) -> Option<(String, String, Vec<String>)> {
    let mut parts = rest.splitn(3, |b| *b == 0);
    let period = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let table = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let codes = parts
        .next()?
        .split(|b| *b == 0x1f)
        .map(|c| String::from_utf8(c.to_vec()).ok())
        .collect::<Option<Vec<_>>>()?;
    Some((period, table, codes))
}

/// The log size the stored cells are exact at.
const AGGREGATES_AT: &[u8] = b"Saggregates";

impl Store {
    /// The log size the stored cells are exactly the tables of (`None`: a store from
    /// before the key, whose cells are exact at its size).
    pub fn aggregates_at(&self) -> Result<Option<u64>, StorageError> {
        self.db
            .get(AGGREGATES_AT)?
            .map(|v| super::u64_of("Saggregates", &v))
            .transpose()
    }

    /// Every stored count cell.
    pub fn table_cells(&self) -> impl Iterator<Item = Result<StoredCell, StorageError>> + '_ {
        self.db.scan_prefix([b'T']).map(|kv| {
            let (k, v) = kv?;
            let (period, table, codes) = split_key(&k[1..]).ok_or_else(|| corrupt("T"))?;
            if v.len() % 8 != 0 {
                return Err(corrupt("T"));
            }
            let values = v
                .chunks_exact(8)
                .map(|c| i64::from_be_bytes(c.try_into().unwrap_or([0; 8])))
                .collect();
            Ok(StoredCell {
                period,
                table,
                codes,
                values,
            })
        })
    }

    /// Every stored amount.
    pub fn table_amounts(&self) -> impl Iterator<Item = Result<StoredAmount, StorageError>> + '_ {
        self.db.scan_prefix([b'A']).map(|kv| {
            let (k, v) = kv?;
            if k.len() < 10 {
                return Err(corrupt("A"));
            }
            let (head, value) = k.split_at(k.len() - 8);
            // `head` ends with the 0 separator before the amount.
            let (period, table, codes) =
                split_key(&head[1..head.len() - 1]).ok_or_else(|| corrupt("A"))?;
            let value = u64::from_be_bytes(value.try_into().map_err(|_| corrupt("A"))?);
            let multiplicity = u64::from_be_bytes(v.as_ref().try_into().map_err(|_| corrupt("A"))?);
            Ok(StoredAmount {
                period,
                table,
                codes,
                value,
                multiplicity,
            })
        })
    }
}

impl Batch<'_> {
    /// Records that the stored cells, with those this batch writes, are exactly the
    /// tables of the log at this batch's size.
    pub fn put_aggregates_at(&mut self) {
        self.dirty = true;
        self.inner
            .insert(AGGREGATES_AT, &self.size.to_be_bytes()[..]);
    }

    /// Sets a count cell (removed when every value is zero).
    pub fn put_cell(&mut self, period: &str, table: &str, codes: &[&str], values: &[i64]) {
        self.dirty = true;
        let k = cell_key(b'T', period, table, codes);
        if values.iter().all(|v| *v == 0) {
            self.inner.remove(k);
        } else {
            let v: Vec<u8> = values.iter().flat_map(|x| x.to_be_bytes()).collect();
            self.inner.insert(k, v);
        }
    }

    /// Sets the multiplicity of an amount in a median cell (removed at zero).
    pub fn put_amount(
        &mut self,
        period: &str,
        table: &str,
        codes: &[&str],
        value: u64,
        multiplicity: u64,
    ) {
        self.dirty = true;
        let mut k = cell_key(b'A', period, table, codes);
        k.push(0);
        k.extend_from_slice(&value.to_be_bytes());
        if multiplicity == 0 {
            self.inner.remove(k);
        } else {
            self.inner.insert(k, &multiplicity.to_be_bytes()[..]);
        }
    }
}
