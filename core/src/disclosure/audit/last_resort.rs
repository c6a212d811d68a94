//! The last resorts, local first: move a value with its margins, withhold the lines
//! through it, then a box of cells around it, then (from `protect_system`) the closure
//! of linked measures.

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

    /// Meets `var` by moving it with its margins: the cube whose alternative code is `_T`
    /// in every dimension where its cell has a specific code (and a specific code of
    /// its line where it has `_T`). For a cell of specific codes every corner is one of
    /// its margins, so non-zero: a cube that exists however sparse the table, which the
    /// cheapest-first candidates never reach (margins are expensive). Tried before
    /// withholding whole lines, at the price of withholding the margins it needs.
    pub(super) fn meet_by_margins(&mut self, var: u32) {
        const ALTS: usize = 3;
        let Some((v, view, p)) = self.in_current(var) else {
            return;
        };
        let axes: Vec<Vec<u16>> = (0..view.dims)
            .map(|d| {
                if coord(p, d) != view.lens[d] {
                    return vec![view.lens[d]];
                }
                let mut xs: Vec<(i64, u16)> = view.lines[d]
                    .get(&line_key(p, d))
                    .into_iter()
                    .flatten()
                    .map(|&c| (view.value(c, v.m), coord(view.coords[c as usize], d)))
                    .filter(|&(value, x)| value != 0 && x != view.lens[d])
                    .collect();
                // Largest first: the most room to move.
                xs.sort_unstable_by_key(|&(value, x)| (std::cmp::Reverse(value), x));
                xs.into_iter().take(ALTS).map(|(_, x)| x).collect()
            })
            .collect();
        if axes.iter().any(Vec::is_empty) {
            return;
        }
        let (table, m, layer) = (v.table, v.m, self.current);
        let mut idx = vec![0usize; axes.len()];
        loop {
            let mut alt = [0u16; 4];
            for (d, a) in axes.iter().enumerate() {
                alt[d] = a[idx[d]];
            }
            let cube = Cube {
                dims: axes.len(),
                base: p,
                alt,
            };
            // Every corner a withheld value, or one that may become one.
            let usable = self.view(layer, table).is_some_and(|view| {
                cube.corners(&view.lens).all(|(q, _)| {
                    view.index
                        .get(&q)
                        .is_some_and(|&c| view.var_at(c, m) != NO_VAR || self.eligible(table, c, m))
                })
            });
            let dirs = self.vars[var as usize].unmet_moves();
            for mu in dirs.into_iter().filter(|_| usable) {
                self.budget.set(BUDGET_NEW);
                let mark = self.vars.len();
                self.withhold_corners(layer, table, m, &cube, true);
                let layers = self.cube_layers(table, m, layer, &cube);
                let mut mv = Move::default();
                let ok = self
                    .cube_move(table, m, &layers, &cube, mu, &mut mv)
                    .is_some()
                    && self.repair(&mut mv, true, 0, &[(var, mu)]);
                if ok {
                    self.record(vec![mv]);
                } else {
                    self.rollback(mark);
                }
            }
            if self.vars[var as usize].met() || !odometer(&mut idx, |d| axes[d].len()) {
                return;
            }
        }
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

    /// The measures of `vars` with the measures linked to them, transitively: once all
    /// of them are withheld, no published value is left in that system.
    pub(super) fn closure(
        &self,
        vars: impl IntoIterator<Item = u32>,
    ) -> BTreeSet<(TableId, usize)> {
        let mut out: BTreeSet<(TableId, usize)> = BTreeSet::new();
        let mut todo: Vec<(TableId, Measure)> = vars
            .into_iter()
            .map(|v| {
                let v = &self.vars[v as usize];
                (v.table, v.table.count_measures()[v.m])
            })
            .collect();
        while let Some((t, m)) = todo.pop() {
            let Some(mi) = t.count_measures().iter().position(|x| *x == m) else {
                continue;
            };
            if out.insert((t, mi)) {
                todo.extend(linked_measures(t, m).iter().copied());
            }
        }
        out
    }

    /// The last resort for a closure of measures ([`Audit::closure`]): withhold every
    /// value of them that may be withheld. Then no published value of this version is
    /// left in that system, so the reader's programme is the one of the statuses alone:
    /// published values narrow nothing, which is the requirement (see the module
    /// documentation), and every requirement of those measures is met. Counted in
    /// `fallbacks`.
    pub(super) fn fall_back(&mut self, closure: &BTreeSet<(TableId, usize)>) {
        self.withhold_all(closure);
        for var in 0..self.vars.len() as u32 {
            let v = &self.vars[var as usize];
            if closure.contains(&(v.table, v.m)) {
                self.clear_needs(var);
            }
        }
    }

    /// Drops the requirement of `var` (its measure is withheld whole).
    pub(super) fn clear_needs(&mut self, var: u32) {
        let v = &mut self.vars[var as usize];
        v.need_lo = None;
        v.need_hi = None;
        v.either = false;
    }
}
