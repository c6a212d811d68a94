//! The last resorts, local first: withhold the lines through a value, then a box of
//! cells around it, then (from `protect_system`) the closure of linked measures.

use super::*;

impl Audit {
    /// After a local last resort withheld more values: every way of meeting `var`
    /// again, cheapest first (cubes without, then with new secondaries, the MILP, and
    /// the bounds narrowed to what the statuses alone allow).
    pub(super) fn meet_again(&mut self, var: u32) {
        self.meet(var, false);
        if !self.vars[var as usize].met() {
            self.meet(var, true);
        }
        if !self.vars[var as usize].met() {
            self.meet_by_milp(var);
        }
        if !self.vars[var as usize].met() && self.narrow_to_statuses(var) {
            self.meet(var, false);
            self.meet_by_milp(var);
        }
    }

    /// `var`, the view of its table in the current version and its cell's coordinates
    /// there; `None` when the current version does not hold it.
    fn in_current(&self, var: u32) -> Option<(Var, &View, u64)> {
        let v = self.vars[var as usize].clone();
        let cell = v.loc[self.current]?;
        let view = self.view(self.current, v.table)?;
        let p = view.coords[cell as usize];
        Some((v, view, p))
    }

    /// Withholds every value that may be withheld on the lines through `var` (in the
    /// current version): a local last resort, before the whole table. Returns how many.
    pub(super) fn withhold_lines(&mut self, var: u32) -> usize {
        let Some((v, view, p)) = self.in_current(var) else {
            return 0;
        };
        let mut cells: Vec<u32> = (0..view.dims)
            .filter_map(|d| view.lines[d].get(&line_key(p, d)))
            .flatten()
            .copied()
            .filter(|&c| self.eligible(v.table, c, v.m))
            .collect();
        cells.sort_unstable();
        cells.dedup();
        for &c in &cells {
            self.new_var(v.table, c, v.m, ConfStatus::Secondary);
        }
        cells.len()
    }

    /// Withholds every non-zero value of these table measures that a reader does not
    /// already have (an earlier version published it unchanged): the last resort.
    pub(super) fn withhold_all(&mut self, which: &BTreeSet<(TableId, usize)>) {
        for &(table, m) in which {
            let cells: Vec<u32> = match self.view(self.current, table) {
                Some(view) => (0..view.keys.len() as u32)
                    .filter(|&c| {
                        let v = view.value(c, m);
                        v != 0
                            && view.var_at(c, m) == NO_VAR
                            && self.earlier_value(table, &view.keys[c as usize], m) != Some(v)
                    })
                    .collect(),
                None => Vec::new(),
            };
            for c in cells {
                self.new_var(table, c, m, ConfStatus::Secondary);
                self.fallbacks += 1;
            }
        }
    }

    /// Withholds every value that may be withheld in the box spanned by the lines through
    /// `var`: each coordinate either its own or one that a line through it holds, i.e.
    /// every corner of every cube through it. The second local last resort.
    pub(super) fn withhold_box(&mut self, var: u32) -> usize {
        let Some((v, view, p)) = self.in_current(var) else {
            return 0;
        };
        let axes: Vec<Vec<u16>> = (0..view.dims)
            .map(|d| {
                let mut xs: Vec<u16> = view.lines[d]
                    .get(&line_key(p, d))
                    .into_iter()
                    .flatten()
                    .filter(|&&c| view.value(c, v.m) != 0)
                    .map(|&c| coord(view.coords[c as usize], d))
                    .collect();
                xs.sort_unstable();
                xs.dedup();
                xs
            })
            .collect();
        let size = axes.iter().fold(1usize, |a, x| a.saturating_mul(x.len()));
        if size > 20_000 {
            return 0;
        }
        let mut cells = Vec::new();
        let mut idx = vec![0usize; view.dims];
        'all: loop {
            let mut q = p;
            for d in 0..view.dims {
                q = with_coord(q, d, axes[d][idx[d]]);
            }
            if let Some(&c) = view.index.get(&q)
                && self.eligible(v.table, c, v.m)
            {
                cells.push(c);
            }
            if !odometer(&mut idx[..view.dims], |d| axes[d].len()) {
                break 'all;
            }
        }
        for &c in &cells {
            self.new_var(v.table, c, v.m, ConfStatus::Secondary);
        }
        cells.len()
    }
}
