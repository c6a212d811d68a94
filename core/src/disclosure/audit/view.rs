//! One table of one version as the audit indexes it: cells by packed coordinates, the
//! lines through them, the variable of each withheld value.

use super::*;

pub(super) fn coord(p: u64, d: usize) -> u16 {
    ((p >> (FIELD * d)) & MASK) as u16
}

pub(super) fn with_coord(p: u64, d: usize, x: u16) -> u64 {
    (p & !(MASK << (FIELD * d))) | (u64::from(x) << (FIELD * d))
}

pub(super) fn line_key(p: u64, d: usize) -> u64 {
    with_coord(p, d, u16::MAX)
}

/// One table of one version.
#[derive(Debug)]
pub(super) struct View {
    pub(super) table: TableId,
    pub(super) dims: usize,
    /// Per dimension: the number of codes, which is also the coordinate of `_T`.
    pub(super) lens: Vec<u16>,
    pub(super) nm: usize,
    pub(super) keys: Vec<CellKey>,
    pub(super) coords: Vec<u64>,
    pub(super) index: FastMap<u64, u32>,
    /// `values[cell * nm + m]`.
    pub(super) values: Vec<i64>,
    /// `var[cell * nm + m]`: the variable of a withheld value, or [`NO_VAR`].
    pub(super) var: Vec<u32>,
    /// Per dimension: line key → member cells (the margin included), in cell order.
    pub(super) lines: Vec<FastMap<u64, Vec<u32>>>,
}

impl View {
    pub(super) fn new(table: TableId, cells: &Cells) -> Result<View, DisclosureError> {
        let dims_of = table.dimensions();
        let dims = dims_of.len();
        let nm = table.count_measures().len();
        let lens: Vec<u16> = dims_of
            .iter()
            .map(|d| u16::try_from(d.codes.len()).unwrap_or(u16::MAX - 1))
            .collect();
        let mut v = View {
            table,
            dims,
            lens,
            nm,
            keys: Vec::with_capacity(cells.len()),
            coords: Vec::with_capacity(cells.len()),
            index: FastMap::with_capacity_and_hasher(cells.len(), Default::default()),
            values: Vec::with_capacity(cells.len() * nm),
            var: vec![NO_VAR; cells.len() * nm],
            lines: vec![FastMap::default(); dims],
        };
        for (i, (key, vals)) in cells.iter().enumerate() {
            let bad = || DisclosureError::BadCell {
                table,
                key: key.clone(),
            };
            // Published count measures first; hidden ones (contributors) are not part of
            // what a reader sees.
            if key.codes().len() != dims || vals.len() < nm || dims > 4 {
                return Err(bad());
            }
            let vals = &vals[..nm];
            let mut p = 0u64;
            for (d, code) in key.codes().iter().enumerate() {
                let x = if *code == TOTAL {
                    v.lens[d]
                } else {
                    let pos = dims_of[d].codes.position(code).ok_or_else(bad)?;
                    u16::try_from(pos).map_err(|_| bad())?
                };
                p = with_coord(p, d, x);
            }
            let i = u32::try_from(i).map_err(|_| bad())?;
            v.keys.push(key.clone());
            v.coords.push(p);
            v.index.insert(p, i);
            v.values.extend_from_slice(vals);
            for d in 0..dims {
                v.lines[d].entry(line_key(p, d)).or_default().push(i);
            }
        }
        Ok(v)
    }

    pub(super) fn value(&self, cell: u32, m: usize) -> i64 {
        self.values[cell as usize * self.nm + m]
    }

    pub(super) fn var_at(&self, cell: u32, m: usize) -> u32 {
        self.var[cell as usize * self.nm + m]
    }

    pub(super) fn cell(&self, key: &CellKey) -> Option<u32> {
        let dims_of = self.table.dimensions();
        let mut p = 0u64;
        for (d, code) in key.codes().iter().enumerate() {
            let x = if *code == TOTAL {
                self.lens[d]
            } else {
                u16::try_from(dims_of.get(d)?.codes.position(code)?).ok()?
            };
            p = with_coord(p, d, x);
        }
        self.index.get(&p).copied()
    }
}

/// A line of a table: the layer, table, measure, the dimension it runs along and the
/// packed coordinates of the others.
pub(super) type LineKey = (usize, TableId, usize, usize, u64);

/// Advances `idx` to the next combination of the mixed-radix counter whose digit `d`
/// runs over `0..len(d)`; false once every combination has been seen.
pub(super) fn odometer(idx: &mut [usize], len: impl Fn(usize) -> usize) -> bool {
    for (d, i) in idx.iter_mut().enumerate() {
        *i += 1;
        if *i < len(d) {
            return true;
        }
        *i = 0;
    }
    false
}
