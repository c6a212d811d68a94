//! The search for witnesses: verification of a move, hypercube moves and their
//! candidates, unit steps and repairs, and the record of what a witness reaches.

use super::*;

impl Audit {
    /// Checks that `mv` is a witness: only variables move, every moved value stays in its
    /// bounds, every line through one balances, every link holds.
    pub(super) fn verify(&self, mv: &Move) -> Result<(), Broken> {
        self.budget.set(self.budget.get().saturating_sub(1));
        // Per line touched: the moves of its members and of its margin. Values that do
        // not move contribute nothing, so the moved values are all a line check needs.
        let mut lines: FastMap<LineKey, (i64, i64)> = FastMap::default();
        let mut vars: Vec<(u32, i64)> = mv.iter().map(|(&v, &d)| (v, d)).collect();
        vars.sort_unstable();
        let mut bound = None;
        for (var, d) in vars {
            let v = self.vars.get(var as usize).ok_or(Broken::Hard)?;
            let w = v.value.checked_add(d).ok_or(Broken::Hard)?;
            if (w < v.lo || w > v.hi || w < 0) && bound.is_none() {
                bound = Some(Broken::Bound {
                    var,
                    by: w.clamp(v.lo.max(0), v.hi) - w,
                });
            }
            for (layer, cell) in v.loc.iter().enumerate() {
                let Some(cell) = *cell else { continue };
                let view = self.view(layer, v.table).ok_or(Broken::Hard)?;
                if view.var_at(cell, v.m) != var {
                    return Err(Broken::Hard);
                }
                let p = view.coords[cell as usize];
                for dim in 0..view.dims {
                    let e = lines
                        .entry((layer, v.table, v.m, dim, line_key(p, dim)))
                        .or_default();
                    if coord(p, dim) == view.lens[dim] {
                        e.1 += d;
                    } else {
                        e.0 += d;
                    }
                }
            }
        }
        if lines.values().any(|(sum, margin)| sum != margin) {
            return Err(Broken::Hard);
        }
        if let Some(b) = bound {
            return Err(b);
        }
        // Links, in a fixed order.
        let mut moved: Vec<(usize, TableId, CellKey, Measure)> = Vec::new();
        for &var in mv.keys() {
            let v = &self.vars[var as usize];
            for (layer, cell) in v.loc.iter().enumerate() {
                if let (Some(cell), Some(view)) = (*cell, self.view(layer, v.table)) {
                    moved.push((
                        layer,
                        v.table,
                        view.keys[cell as usize].clone(),
                        v.table.count_measures()[v.m],
                    ));
                }
            }
        }
        moved.sort();
        for (layer, table, key, m) in moved {
            for link in links_of(table, &key, m) {
                let (Some(a), Some(b)) = (
                    self.value_under(mv, layer, link.a.0, &link.a.1, link.a.2),
                    self.value_under(mv, layer, link.b.0, &link.b.1, link.b.2),
                ) else {
                    // A side not under threshold: the reader has no exact value of it.
                    continue;
                };
                let (av, bv) = (a.0 + a.1, b.0 + b.1);
                // The side that did not move is the one to repair.
                let a_moved = a.1 != 0;
                let (other, by) = match link.rel {
                    Rel::Eq if av == bv => continue,
                    Rel::Eq if a_moved => (&link.b, av - bv),
                    Rel::Eq => (&link.a, bv - av),
                    Rel::Le(f) if av <= f.saturating_mul(bv) => continue,
                    Rel::Le(f) if a_moved => (&link.b, (av - f * bv + f - 1) / f),
                    Rel::Le(f) => (&link.a, -(av - f * bv)),
                };
                return Err(Broken::Link {
                    layer,
                    table: other.0,
                    key: other.1.clone(),
                    measure: other.2,
                    by,
                });
            }
        }
        Ok(())
    }

    /// Adds to `mv` the move of `cube` (in table `table`, measure `m`, layers `layers`)
    /// by `mu` at its base; `None` if a corner is not a variable in a layer.
    pub(super) fn cube_move(
        &self,
        table: TableId,
        m: usize,
        layers: &[usize],
        cube: &Cube,
        mu: i64,
        mv: &mut Move,
    ) -> Option<()> {
        // A variable shared by both layers moves once.
        let mut own = Move::default();
        for &layer in layers {
            let view = self.view(layer, table)?;
            let base = *view.index.get(&cube.base)?;
            let var = view.var_at(base, m);
            if var == NO_VAR {
                return None;
            }
            own.insert(var, mu);
            for (p, s) in cube.corners(&view.lens) {
                let c = *view.index.get(&p)?;
                let var = view.var_at(c, m);
                if var == NO_VAR {
                    return None;
                }
                own.insert(var, mu * s);
            }
        }
        for (var, d) in own {
            *mv.entry(var).or_insert(0) += d;
        }
        mv.retain(|_, d| *d != 0);
        Some(())
    }

    /// The layers a cube must move in: its own, and the other one if a corner's variable
    /// is shared.
    pub(super) fn cube_layers(
        &self,
        table: TableId,
        m: usize,
        layer: usize,
        cube: &Cube,
    ) -> Vec<usize> {
        let mut layers = vec![layer];
        if self.layers.len() > 1
            && let Some(view) = self.view(layer, table)
        {
            let shared = std::iter::once((cube.base, 1))
                .chain(cube.corners(&view.lens))
                .any(|(p, _)| {
                    view.index.get(&p).is_some_and(|&c| {
                        let var = view.var_at(c, m);
                        var != NO_VAR && self.vars[var as usize].loc.iter().all(Option::is_some)
                    })
                });
            if shared {
                layers.push(1 - layer);
            }
        }
        layers
    }

    /// Candidate cubes through `cell`, cheapest first, that could move it by every `mu`
    /// (bounds checked on the corners), with the new secondaries they need.
    /// `offset` is a move already made: values are taken after it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn candidates(
        &self,
        layer: usize,
        table: TableId,
        cell: u32,
        m: usize,
        mus: &[i64],
        allow_new: bool,
        offset: Option<&Move>,
    ) -> Vec<(i64, Cube)> {
        // Candidates: (a corner would leave its bounds, cost of new secondaries, corners
        // that would, cube), cheapest first.
        let Some(view) = self.view(layer, table) else {
            return Vec::new();
        };
        let allow_new = allow_new && layer == self.current;
        let p = view.coords[cell as usize];
        let k = self.k;
        let limit = if allow_new {
            CANDIDATES[view.dims.min(4)]
        } else {
            WITNESS_CANDIDATES[view.dims.min(4)]
        };
        let mut per_dim: Vec<Vec<u16>> = Vec::with_capacity(view.dims);
        for d in 0..view.dims {
            let Some(members) = view.lines[d].get(&line_key(p, d)) else {
                return Vec::new();
            };
            let a = coord(p, d);
            let mut c: Vec<(i64, u16)> = members
                .iter()
                .filter(|&&c| c != cell && view.value(c, m) != 0)
                .filter_map(|&c| {
                    let x = coord(view.coords[c as usize], d);
                    let var = view.var_at(c, m);
                    let v =
                        view.value(c, m) + offset.and_then(|o| o.get(&var)).copied().unwrap_or(0);
                    let (cost, lo, hi) = if var != NO_VAR {
                        let w = &self.vars[var as usize];
                        (0, w.lo, w.hi)
                    } else if allow_new && self.eligible(table, c, m) {
                        let p1 = self.earlier_value(table, &view.keys[c as usize], m);
                        let (lo, hi) = current_bounds(k, v, ConfStatus::Secondary, p1);
                        (view.value(c, m) + k, lo, hi)
                    } else {
                        return None;
                    };
                    // The corner on this axis moves against the base across two
                    // specific codes, with it across a code and its `_T`: it must be able
                    // to (the cheapest cells that cannot would crowd out those that can).
                    let s = if a != view.lens[d] && x != view.lens[d] {
                        -1
                    } else {
                        1
                    };
                    let fits = mus.iter().all(|mu| {
                        let w = v + mu * s;
                        w >= lo && w <= hi
                    });
                    (fits || !allow_new).then_some((cost, x))
                })
                .collect();
            c.sort_unstable();
            c.truncate(limit);
            if c.is_empty() {
                return Vec::new();
            }
            per_dim.push(c.into_iter().map(|(_, x)| x).collect());
        }
        let mut out = Vec::new();
        let mut idx = vec![0usize; view.dims];
        'combos: loop {
            let mut alt = [0u16; 4];
            for d in 0..view.dims {
                alt[d] = per_dim[d][idx[d]];
            }
            let cube = Cube {
                dims: view.dims,
                base: p,
                alt,
            };
            let mut cost = 0i64;
            let mut ok = true;
            let mut outside = 0u32;
            for (q, s) in cube.corners(&view.lens) {
                let Some(&c) = view.index.get(&q) else {
                    ok = false;
                    break;
                };
                let var = view.var_at(c, m);
                let v = view.value(c, m);
                if v == 0 {
                    ok = false;
                    break;
                }
                let v = v + offset.and_then(|o| o.get(&var)).copied().unwrap_or(0);
                let (lo, hi) = if var != NO_VAR {
                    let x = &self.vars[var as usize];
                    (x.lo, x.hi)
                } else if allow_new && self.eligible(table, c, m) {
                    cost += v + k;
                    let p1 = self.earlier_value(table, &view.keys[c as usize], m);
                    current_bounds(k, v, ConfStatus::Secondary, p1)
                } else {
                    ok = false;
                    break;
                };
                // A corner pushed out of its bounds may be brought back by a
                // compensating cube (see `repair`): counted, not refused.
                if mus.iter().any(|mu| {
                    let w = v + mu * s;
                    w < lo || w > hi
                }) {
                    outside += 1;
                }
            }
            if ok {
                // Among withheld values only, the first cube that keeps every corner in
                // its bounds is as good as any: stop there.
                if !allow_new && outside == 0 {
                    return vec![(0, cube)];
                }
                out.push((outside > 0, cost, outside, cube));
            }
            if !odometer(&mut idx[..view.dims], |d| per_dim[d].len()) {
                break 'combos;
            }
        }
        out.sort_by_key(|(o, c, n, _)| (*o, *c, *n));
        out.into_iter().map(|(_, c, _, cube)| (c, cube)).collect()
    }

    /// Finds moves of the value of `cell` (layer, table, measure) by each of `mus` that
    /// are witnesses (each verified, with companion cubes where links need them); with
    /// `allow_new`, published values of the current layer may be withheld for it (the
    /// cheapest such cube). On success the new secondaries stay and the moves are
    /// returned; on failure nothing changes.
    /// `parent` is the move this one completes (a companion's): the returned moves
    /// include it.
    /// `keep`: variables whose change must stay as it is (what the move is for).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn search(
        &mut self,
        layer: usize,
        table: TableId,
        cell: u32,
        m: usize,
        mus: &[i64],
        allow_new: bool,
        depth: u8,
        parent: Option<&Move>,
        keep: &[(u32, i64)],
    ) -> Option<Vec<Move>> {
        if self.budget.get() == 0 {
            return None;
        }
        self.budget
            .set(self.budget.get().saturating_sub(CANDIDATES_COST));
        let cands = self.candidates(layer, table, cell, m, mus, allow_new, parent);
        let tries = if depth == 0 { TRIES } else { TRIES / 3 };
        for (_, cube) in cands.into_iter().take(tries) {
            if self.budget.get() == 0 {
                return None;
            }
            let mark = self.vars.len();
            self.withhold_corners(layer, table, m, &cube, allow_new);
            let layers = self.cube_layers(table, m, layer, &cube);
            let mut moves = Vec::with_capacity(mus.len());
            let mut all = true;
            for &mu in mus {
                let mut mv = parent.cloned().unwrap_or_default();
                if self
                    .cube_move(table, m, &layers, &cube, mu, &mut mv)
                    .is_none()
                {
                    all = false;
                    break;
                }
                let mut keep = keep.to_vec();
                if let Some(var) = self.view(layer, table).map(|v| v.var_at(cell, m)) {
                    keep.push((var, mv.get(&var).copied().unwrap_or(0)));
                }
                if !self.repair(&mut mv, allow_new, depth, &keep) {
                    all = false;
                    break;
                }
                moves.push(mv);
            }
            if all {
                return Some(moves);
            }
            self.rollback(mark);
        }
        // One direction, several steps: cubes of ±1 added one at a time, each sum a
        // witness (a primary between two other small primaries of its line moves with
        // one cube, then another).
        match mus {
            [mu] if mu.abs() > 1 => {
                self.steps(layer, table, cell, m, *mu, allow_new, depth, parent, keep)
            }
            _ => None,
        }
    }

    /// Withholds the corners of `cube` that are not yet withheld, when allowed.
    pub(super) fn withhold_corners(
        &mut self,
        layer: usize,
        table: TableId,
        m: usize,
        cube: &Cube,
        allow_new: bool,
    ) {
        if !(allow_new && layer == self.current) {
            return;
        }
        let Some(view) = self.view(layer, table) else {
            return;
        };
        let news: Vec<u32> = cube
            .corners(&view.lens)
            .filter_map(|(q, _)| view.index.get(&q).copied())
            .filter(|&c| view.var_at(c, m) == NO_VAR)
            .collect();
        for c in news {
            self.new_var(table, c, m, ConfStatus::Secondary);
        }
    }

    /// [`Audit::search`] for one move `mu`, as a sum of unit cube moves.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn steps(
        &mut self,
        layer: usize,
        table: TableId,
        cell: u32,
        m: usize,
        mu: i64,
        allow_new: bool,
        depth: u8,
        parent: Option<&Move>,
        keep: &[(u32, i64)],
    ) -> Option<Vec<Move>> {
        let mark = self.vars.len();
        let mut mv = parent.cloned().unwrap_or_default();
        let unit = mu.signum();
        for _ in 0..mu.abs() {
            if self.budget.get() == 0 {
                break;
            }
            self.budget
                .set(self.budget.get().saturating_sub(CANDIDATES_COST));
            let cands = self.candidates(layer, table, cell, m, &[unit], allow_new, Some(&mv));
            let mut done = false;
            let tries = if depth == 0 { TRIES } else { TRIES / 3 };
            for (_, cube) in cands.into_iter().take(tries) {
                if self.budget.get() == 0 {
                    break;
                }
                let inner = self.vars.len();
                self.withhold_corners(layer, table, m, &cube, allow_new);
                let layers = self.cube_layers(table, m, layer, &cube);
                let mut trial = mv.clone();
                let ok = self
                    .cube_move(table, m, &layers, &cube, unit, &mut trial)
                    .is_some()
                    && {
                        let mut keep = keep.to_vec();
                        if let Some(var) = self.view(layer, table).map(|v| v.var_at(cell, m)) {
                            keep.push((var, trial.get(&var).copied().unwrap_or(0)));
                        }
                        self.repair(&mut trial, allow_new, depth, &keep)
                    };
                if ok {
                    mv = trial;
                    done = true;
                    break;
                }
                self.rollback(inner);
            }
            if !done {
                self.rollback(mark);
                return None;
            }
        }
        Some(vec![mv])
    }

    /// Verifies `mv`, adding companion cubes where a link or a bound is broken (up to
    /// two levels), never changing the variables of `keep`.
    pub(super) fn repair(
        &mut self,
        mv: &mut Move,
        allow_new: bool,
        depth: u8,
        keep: &[(u32, i64)],
    ) -> bool {
        let kept = |mv: &Move| {
            keep.iter()
                .all(|&(v, d)| mv.get(&v).copied().unwrap_or(0) == d)
        };
        for _ in 0..4 {
            let (layer, table, cell, m, by) = match self.verify(mv) {
                Ok(()) => return kept(mv),
                Err(Broken::Hard) => return false,
                Err(Broken::Bound { var, by }) => {
                    if depth >= 2 || keep.iter().any(|&(v, _)| v == var) {
                        return false;
                    }
                    let v = &self.vars[var as usize];
                    let layer = if v.loc[self.current].is_some() {
                        self.current
                    } else {
                        1 - self.current
                    };
                    let Some(cell) = v.loc[layer] else {
                        return false;
                    };
                    (layer, v.table, cell, v.m, by)
                }
                Err(Broken::Link {
                    layer,
                    table,
                    key,
                    measure,
                    by,
                }) => {
                    if depth >= 2 {
                        return false;
                    }
                    let Some(view) = self.view(layer, table) else {
                        return false;
                    };
                    let Some(cell) = view.cell(&key) else {
                        return false;
                    };
                    let Some(m) = table.count_measures().iter().position(|x| *x == measure) else {
                        return false;
                    };
                    if view.var_at(cell, m) == NO_VAR {
                        if !(allow_new && layer == self.current && self.eligible(table, cell, m)) {
                            return false;
                        }
                        self.new_var(table, cell, m, ConfStatus::Secondary);
                    }
                    (layer, table, cell, m, by)
                }
            };
            let parent = mv.clone();
            let Some(mut more) = self.search(
                layer,
                table,
                cell,
                m,
                &[by],
                allow_new,
                depth + 1,
                Some(&parent),
                keep,
            ) else {
                return false;
            };
            let Some(combined) = more.pop() else {
                return false;
            };
            *mv = combined;
        }
        self.verify(mv).is_ok() && kept(mv)
    }

    /// Records verified moves: every value they move reaches what it reaches.
    pub(super) fn record(&mut self, moves: Vec<Move>) {
        for mv in moves {
            self.witnesses += 1;
            for (var, d) in mv {
                if let Some(v) = self.vars.get_mut(var as usize) {
                    let w = v.value + d;
                    v.mark(w);
                }
            }
        }
    }

    /// Tries to meet the requirement of variable `var`: sums of cubes, then (without new
    /// secondaries) the integer programme; with `allow_new`, the cheapest cube that
    /// withholds published values.
    pub(super) fn meet(&mut self, var: u32, allow_new: bool) {
        let v = self.vars[var as usize].clone();
        if v.met() {
            return;
        }
        self.budget.set(if allow_new { BUDGET_NEW } else { BUDGET });
        let layer = if v.loc[self.current].is_some() {
            self.current
        } else {
            1 - self.current
        };
        let Some(cell) = v.loc[layer] else { return };
        let dirs = v.unmet_moves();
        if allow_new
            && !v.either
            && dirs.len() > 1
            && let Some(moves) = self.search(layer, v.table, cell, v.m, &dirs, true, 0, None, &[])
        {
            self.record(moves);
            return;
        }
        for mu in dirs {
            if let Some(moves) =
                self.search(layer, v.table, cell, v.m, &[mu], allow_new, 0, None, &[])
            {
                self.record(moves);
            }
            if v.either && self.vars[var as usize].met() {
                return;
            }
        }
    }
}
