//! The integer programmes (good_lp over microlp): a witness where no sum of cubes
//! reaches, and what the statuses alone let a reader prove (the bounds a requirement is
//! narrowed to).

use super::*;

impl Audit {
    /// Finds a witness moving `var` by exactly `mu` as an integer programme (good_lp over
    /// microlp, branch and bound) over the variables connected to it by lines and
    /// links, when no sum of cubes was found. The solution is checked by
    /// [`Audit::verify`] like any other move: the solver only proposes. Components larger
    /// than [`MILP_MAX_VARS`] are not tried.
    pub(super) fn milp(&self, var: u32, mu: i64) -> Option<Move> {
        use good_lp::{Expression, ProblemVariables, Solution, SolverModel, microlp, variable};
        // The neighbourhood: variables sharing a line or a link, breadth first from
        // `var`, at most [`MILP_MAX_VARS`] of them free to move; the others stay as they
        // are (a restriction: any solution is still a witness).
        let mut seen: BTreeSet<u32> = [var].into_iter().collect();
        let mut todo = std::collections::VecDeque::from([var]);
        let mut expanded: BTreeSet<u32> = BTreeSet::new();
        let mut rows: BTreeSet<LineKey> = BTreeSet::new();
        let mut links: Vec<(usize, Link)> = Vec::new();
        while let Some(x) = todo.pop_front() {
            if expanded.len() >= MILP_MAX_VARS {
                break;
            }
            expanded.insert(x);
            let v = &self.vars[x as usize];
            for (layer, cell) in v.loc.iter().enumerate() {
                let (Some(cell), Some(view)) = (*cell, self.view(layer, v.table)) else {
                    continue;
                };
                let p = view.coords[cell as usize];
                for d in 0..view.dims {
                    let lk = line_key(p, d);
                    if !rows.insert((layer, v.table, v.m, d, lk)) {
                        continue;
                    }
                    for &c in view.lines[d].get(&lk).into_iter().flatten() {
                        let y = view.var_at(c, v.m);
                        if y != NO_VAR && seen.insert(y) {
                            todo.push_back(y);
                        }
                    }
                }
                let measure = v.table.count_measures()[v.m];
                for link in links_of(v.table, &view.keys[cell as usize], measure) {
                    for side in [&link.a, &link.b] {
                        if let Some((_, _, y)) =
                            self.value_under(&Move::default(), layer, side.0, &side.1, side.2)
                            && y != NO_VAR
                            && seen.insert(y)
                        {
                            todo.push_back(y);
                        }
                    }
                    links.push((layer, link));
                }
            }
        }
        let mut problem = ProblemVariables::new();
        let big = 10_000_000i64;
        let mut x: BTreeMap<u32, good_lp::Variable> = BTreeMap::new();
        for &i in &expanded {
            let v = &self.vars[i as usize];
            let (lo, hi) = if i == var {
                (mu, mu)
            } else {
                (v.lo.max(0) - v.value, v.hi.min(v.value + big) - v.value)
            };
            x.insert(
                i,
                problem.add(variable().integer().min(lo as f64).max(hi as f64)),
            );
        }
        let mut model = problem.minimise(Expression::from(0.0)).using(microlp);
        for (layer, table, m, d, lk) in &rows {
            let Some(view) = self.view(*layer, *table) else {
                continue;
            };
            let mut e = Expression::from(0.0);
            let mut any = false;
            for &c in view.lines[*d].get(lk).into_iter().flatten() {
                let y = view.var_at(c, *m);
                if y == NO_VAR {
                    continue;
                }
                let Some(xv) = x.get(&y) else { continue };
                any = true;
                if coord(view.coords[c as usize], *d) == view.lens[*d] {
                    e -= *xv;
                } else {
                    e += *xv;
                }
            }
            if any {
                model = model.with(e.eq(0.0));
            }
        }
        links.sort_by(|a, b| (a.0, &a.1.a, &a.1.b).cmp(&(b.0, &b.1.a, &b.1.b)));
        for (layer, link) in &links {
            let side = |s: &(TableId, CellKey, Measure)| -> Option<(Expression, bool)> {
                let (v, _, y) = self.value_under(&Move::default(), *layer, s.0, &s.1, s.2)?;
                Some(if y == NO_VAR {
                    (Expression::from(v as f64), false)
                } else {
                    (
                        x.get(&y)
                            .map_or(Expression::from(0.0), |xv| Expression::from(*xv))
                            + v as f64,
                        true,
                    )
                })
            };
            let (Some((a, av)), Some((b, bv))) = (side(&link.a), side(&link.b)) else {
                continue;
            };
            if !av && !bv {
                continue;
            }
            model = match link.rel {
                Rel::Eq => model.with((a - b).eq(0.0)),
                Rel::Le(f) => model.with((a - f as f64 * b).leq(0.0)),
            };
        }
        let solution = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()))
            .ok()?
            .ok()?;
        let mut mv = Move::default();
        for (&i, xv) in &x {
            let d = solution.value(*xv).round() as i64;
            if d != 0 {
                mv.insert(i, d);
            }
        }
        self.verify(&mv).ok()?;
        Some(mv)
    }

    /// What the statuses alone let a reader prove about `var`: the minimum (or with `up`
    /// the maximum) of its value over the reader's programme in which every published
    /// non-zero value of this version is only known to be at least k (zeros stay known,
    /// and so does what an earlier version published), solved as an
    /// integer programme over the cells connected to it. `None` when the component is
    /// larger than [`MILP_MAX_VARS`] or the solver fails.
    pub(super) fn status_only(&self, var: u32, up: bool) -> Option<i64> {
        use good_lp::{Expression, ProblemVariables, Solution, SolverModel, microlp, variable};
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
        enum Node {
            Var(u32),
            Published(usize, TableId, u32, usize),
        }
        let k = self.k;
        let big = 10_000_000i64;
        // The node of a non-zero location.
        let node_of = |layer: usize, t: TableId, c: u32, m: usize| -> Node {
            let Some(view) = self.view(layer, t) else {
                return Node::Published(layer, t, c, m);
            };
            let var = view.var_at(c, m);
            if var != NO_VAR {
                return Node::Var(var);
            }
            // Published unchanged in both versions: one unknown.
            if layer == 1
                && let Some(v0) = self.view(0, t)
                && let Some(c0) = v0.cell(&view.keys[c as usize])
                && v0.var_at(c0, m) == NO_VAR
                && v0.value(c0, m) == view.value(c, m)
            {
                return Node::Published(0, t, c0, m);
            }
            Node::Published(layer, t, c, m)
        };
        // Locations of a node.
        let locs = |n: &Node| -> Vec<(usize, TableId, u32, usize)> {
            match n {
                Node::Var(v) => {
                    let x = &self.vars[*v as usize];
                    x.loc
                        .iter()
                        .enumerate()
                        .filter_map(|(l, c)| c.map(|c| (l, x.table, c, x.m)))
                        .collect()
                }
                Node::Published(l, t, c, m) => {
                    let mut out = vec![(*l, *t, *c, *m)];
                    if *l == 0
                        && self.layers.len() > 1
                        && let (Some(v0), Some(v1)) = (self.view(0, *t), self.view(1, *t))
                        && let Some(c1) = v1.cell(&v0.keys[*c as usize])
                        && node_of(1, *t, c1, *m) == *n
                    {
                        out.push((1, *t, c1, *m));
                    }
                    out
                }
            }
        };
        let start = Node::Var(var);
        let mut index: BTreeMap<Node, usize> = BTreeMap::new();
        let mut nodes: Vec<Node> = vec![start.clone()];
        index.insert(start.clone(), 0);
        let mut todo = std::collections::VecDeque::from([start]);
        let mut expanded = 0usize;
        let mut rows: BTreeSet<LineKey> = BTreeSet::new();
        let mut links: BTreeSet<LinkRow> = BTreeSet::new();
        let mut link_rel: BTreeMap<LinkRow, Rel> = BTreeMap::new();
        let add = |n: Node,
                   index: &mut BTreeMap<Node, usize>,
                   nodes: &mut Vec<Node>,
                   todo: &mut std::collections::VecDeque<Node>| {
            if !index.contains_key(&n) {
                index.insert(n.clone(), nodes.len());
                nodes.push(n.clone());
                todo.push_back(n);
            }
        };
        // Breadth first; past [`MILP_MAX_VARS`] expanded cells the rest are left free (a
        // relaxation: the bound found is never tighter than the true one).
        while let Some(n) = todo.pop_front() {
            if expanded >= MILP_MAX_VARS {
                break;
            }
            expanded += 1;
            for (layer, t, c, m) in locs(&n) {
                let view = self.view(layer, t)?;
                let p = view.coords[c as usize];
                for d in 0..view.dims {
                    let lk = line_key(p, d);
                    if !rows.insert((layer, t, m, d, lk)) {
                        continue;
                    }
                    for &o in view.lines[d].get(&lk).into_iter().flatten() {
                        if view.value(o, m) != 0 {
                            add(node_of(layer, t, o, m), &mut index, &mut nodes, &mut todo);
                        }
                    }
                }
                for link in links_of(t, &view.keys[c as usize], t.count_measures()[m]) {
                    let key = (
                        layer,
                        link.a.0,
                        link.a.1.clone(),
                        link.a.2,
                        link.b.0,
                        link.b.1.clone(),
                        link.b.2,
                    );
                    if links.contains(&key) {
                        continue;
                    }
                    for side in [&link.a, &link.b] {
                        let Some(sv) = self.view(layer, side.0) else {
                            continue;
                        };
                        let Some(mi) = side.0.count_measures().iter().position(|x| *x == side.2)
                        else {
                            continue;
                        };
                        if let Some(o) = sv.cell(&side.1)
                            && sv.value(o, mi) != 0
                        {
                            add(
                                node_of(layer, side.0, o, mi),
                                &mut index,
                                &mut nodes,
                                &mut todo,
                            );
                        }
                    }
                    link_rel.insert(key.clone(), link.rel);
                    links.insert(key);
                }
            }
        }
        let mut problem = ProblemVariables::new();
        let x: Vec<good_lp::Variable> = nodes
            .iter()
            .map(|n| {
                let (lo, hi) = match n {
                    Node::Var(v) => {
                        let w = &self.vars[*v as usize];
                        (w.lo.max(0), w.hi.min(big))
                    }
                    // What the earlier version published stays known: a revision
                    // cannot take it back.
                    Node::Published(0, t, c, m) if self.layers.len() > 1 => {
                        let v = self.layers[0][t].value(*c, *m);
                        (v, v)
                    }
                    Node::Published(..) => (k, big),
                };
                problem.add(variable().integer().min(lo as f64).max(hi as f64))
            })
            .collect();
        let objective = Expression::from(x[0]);
        let mut model = if up {
            problem.maximise(objective).using(microlp)
        } else {
            problem.minimise(objective).using(microlp)
        };
        let term = |layer: usize, t: TableId, c: u32, m: usize| -> Option<usize> {
            let view = self.view(layer, t)?;
            if view.value(c, m) == 0 {
                return None;
            }
            index.get(&node_of(layer, t, c, m)).copied()
        };
        for (layer, t, m, d, lk) in &rows {
            let view = &self.layers[*layer][t];
            let mut e = Expression::from(0.0);
            for &c in view.lines[*d].get(lk).into_iter().flatten() {
                let Some(i) = term(*layer, *t, c, *m) else {
                    continue;
                };
                if coord(view.coords[c as usize], *d) == view.lens[*d] {
                    e -= x[i];
                } else {
                    e += x[i];
                }
            }
            model = model.with(e.eq(0.0));
        }
        for (key, rel) in &link_rel {
            let (layer, at, ak, am, bt, bk, bm) = key;
            let side = |t: &TableId, kk: &CellKey, mm: &Measure| -> Option<Expression> {
                let sv = self.view(*layer, *t)?;
                let mi = t.count_measures().iter().position(|x| x == mm)?;
                Some(match sv.cell(kk).and_then(|c| term(*layer, *t, c, mi)) {
                    Some(i) => Expression::from(x[i]),
                    None => Expression::from(0.0),
                })
            };
            let (Some(a), Some(b)) = (side(at, ak, am), side(bt, bk, bm)) else {
                continue;
            };
            model = match rel {
                Rel::Eq => model.with((a - b).eq(0.0)),
                Rel::Le(f) => model.with((a - *f as f64 * b).leq(0.0)),
            };
        }
        let solution = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()))
            .ok()?
            .ok()?;
        Some(solution.value(x[0]).round() as i64)
    }

    /// Narrows an unmet target of `var` to what the statuses alone prove (see
    /// [`Audit::status_only`]); returns whether a target moved.
    pub(super) fn narrow_to_statuses(&mut self, var: u32) -> bool {
        let v = self.vars[var as usize].clone();
        if v.met() {
            return false;
        }
        if v.status == ConfStatus::Secondary {
            // Never exact, unless the statuses alone pin it: then nothing more can be
            // asked of the published values (counted in the audit's report).
            let pinned = self.status_only(var, true) == Some(v.value)
                && self.status_only(var, false) == Some(v.value);
            if pinned {
                let x = &mut self.vars[var as usize];
                x.need_lo = None;
                x.need_hi = None;
                x.either = false;
                self.pinned += 1;
            }
            return false;
        }
        let mut moved = false;
        if let Some(t) = v.need_hi.filter(|_| !v.met_hi)
            && let Some(h) = self.status_only(var, true)
            && h < t
        {
            self.vars[var as usize].need_hi = Some(h.max(v.value));
            moved = true;
        }
        if let Some(t) = v.need_lo.filter(|_| !v.met_lo)
            && let Some(l) = self.status_only(var, false)
            && l > t
        {
            self.vars[var as usize].need_lo = Some(l.min(v.value));
            moved = true;
        }
        if moved {
            let x = &mut self.vars[var as usize];
            let value = x.value;
            x.mark(value);
        }
        moved
    }

    /// Tries the integer programme for the unmet targets of `var`.
    pub(super) fn meet_by_milp(&mut self, var: u32) {
        let v = self.vars[var as usize].clone();
        for mu in v.unmet_moves() {
            if mu != 0
                && let Some(mv) = self.milp(var, mu)
            {
                self.record(vec![mv]);
            }
            if self.vars[var as usize].met() {
                return;
            }
        }
    }

    /// Narrows the targets of primaries to what the public statuses alone imply, by
    /// interval propagation over the reader's programme in which every published
    /// non-zero value is only known to be at least k: along every line a margin is
    /// between the sums of its members' bounds and a member between the margin's bounds
    /// less the others' sums; along every link likewise. A reader knows these bounds
    /// without reading a single published number (three cells withheld as `A` where one
    /// is the sum of the other two: each is at most k−2), so the requirement is that the
    /// published values narrow nothing further.
    pub(super) fn status_bounds(&mut self) {
        let n = self.vars.len();
        let k = self.k;
        let mut lo: Vec<i64> = self.vars.iter().map(|v| v.lo).collect();
        let mut hi: Vec<i64> = self.vars.iter().map(|v| v.hi).collect();
        // A term: a variable, or a known interval.
        #[derive(Clone, Copy)]
        enum Term {
            Var(usize),
            Fixed(i64, i64),
        }
        let term = |view: &View, c: u32, m: usize| {
            let var = view.var_at(c, m);
            if var != NO_VAR {
                Term::Var(var as usize)
            } else if view.value(c, m) == 0 {
                Term::Fixed(0, 0)
            } else {
                Term::Fixed(k, INF)
            }
        };
        // Sums: margin = Σ members.
        let mut sums: Vec<(Term, Vec<Term>)> = Vec::new();
        // a ≤ f·b.
        let mut les: Vec<(Term, Term, i64)> = Vec::new();
        for (li, layer) in self.layers.iter().enumerate() {
            for view in layer.values() {
                for m in 0..view.nm {
                    for (d, by_key) in view.lines.iter().enumerate() {
                        let mut keys: Vec<&u64> = by_key.keys().collect();
                        keys.sort_unstable();
                        for members in keys.into_iter().filter_map(|lk| by_key.get(lk)) {
                            if !members.iter().any(|&c| view.var_at(c, m) != NO_VAR) {
                                continue;
                            }
                            let mut margin = Term::Fixed(0, 0);
                            let mut rest = Vec::new();
                            for &c in members {
                                if view.value(c, m) == 0 {
                                    continue;
                                }
                                if coord(view.coords[c as usize], d) == view.lens[d] {
                                    margin = term(view, c, m);
                                } else {
                                    rest.push(term(view, c, m));
                                }
                            }
                            sums.push((margin, rest));
                        }
                    }
                    // Links of the variables of this measure.
                    let measure = view.table.count_measures()[m];
                    for c in 0..view.keys.len() as u32 {
                        if view.var_at(c, m) == NO_VAR {
                            continue;
                        }
                        for link in links_of(view.table, &view.keys[c as usize], measure) {
                            let side =
                                |(t, key, mm): &(TableId, CellKey, Measure)| -> Option<Term> {
                                    let v = layer.get(t)?;
                                    let mi = t.count_measures().iter().position(|x| x == mm)?;
                                    Some(match v.cell(key) {
                                        None => Term::Fixed(0, 0),
                                        Some(cc) => term(v, cc, mi),
                                    })
                                };
                            let (Some(a), Some(b)) = (side(&link.a), side(&link.b)) else {
                                continue;
                            };
                            match link.rel {
                                Rel::Eq => {
                                    les.push((a, b, 1));
                                    les.push((b, a, 1));
                                }
                                Rel::Le(f) => les.push((a, b, f)),
                            }
                        }
                    }
                    let _ = li;
                }
            }
        }
        let add = |a: i64, b: i64| {
            if a == INF || b == INF {
                INF
            } else {
                a.saturating_add(b)
            }
        };
        let get = |t: Term, lo: &[i64], hi: &[i64]| match t {
            Term::Var(i) => (lo[i], hi[i]),
            Term::Fixed(l, h) => (l, h),
        };
        for _ in 0..64 {
            let mut changed = false;
            let mut tighten = |t: Term, l: i64, h: i64, lo: &mut Vec<i64>, hi: &mut Vec<i64>| {
                if let Term::Var(i) = t {
                    if l > lo[i] {
                        lo[i] = l;
                        changed = true;
                    }
                    if h < hi[i] {
                        hi[i] = h;
                        changed = true;
                    }
                }
            };
            for (margin, rest) in &sums {
                let sum_lo = rest.iter().fold(0i64, |a, &r| add(a, get(r, &lo, &hi).0));
                let sum_hi = rest.iter().fold(0i64, |a, &r| add(a, get(r, &lo, &hi).1));
                tighten(*margin, sum_lo, sum_hi, &mut lo, &mut hi);
                let (mlo, mhi) = get(*margin, &lo, &hi);
                // The others' sums: the line's sums less this member (infinite upper
                // bounds counted apart).
                let inf_hi = rest.iter().filter(|&&r| get(r, &lo, &hi).1 == INF).count();
                let fin_hi = rest.iter().fold(0i64, |a, &r| {
                    let h = get(r, &lo, &hi).1;
                    if h == INF { a } else { a.saturating_add(h) }
                });
                for &r in rest {
                    let (rlo, rhi) = get(r, &lo, &hi);
                    let others_lo = sum_lo.saturating_sub(rlo);
                    let others_hi = match (inf_hi, rhi == INF) {
                        (0, _) => fin_hi.saturating_sub(rhi),
                        (1, true) => fin_hi,
                        _ => INF,
                    };
                    let h = if mhi == INF {
                        INF
                    } else {
                        mhi.saturating_sub(others_lo)
                    };
                    let l = if others_hi == INF {
                        i64::MIN
                    } else {
                        mlo.saturating_sub(others_hi)
                    };
                    tighten(r, l, h, &mut lo, &mut hi);
                }
            }
            for &(a, b, f) in &les {
                let (alo, _) = get(a, &lo, &hi);
                let (_, bhi) = get(b, &lo, &hi);
                let h = if bhi == INF {
                    INF
                } else {
                    bhi.saturating_mul(f)
                };
                tighten(a, i64::MIN, h, &mut lo, &mut hi);
                let l = (alo + f - 1) / f;
                tighten(b, l, INF, &mut lo, &mut hi);
            }
            if !changed {
                break;
            }
        }
        for i in 0..n {
            let v = &mut self.vars[i];
            if v.status == ConfStatus::Secondary {
                continue;
            }
            let (l, h) = (lo[i].max(v.lo).min(v.value), hi[i].min(v.hi).max(v.value));
            v.need_lo = v.need_lo.map(|t| t.max(l));
            v.need_hi = v.need_hi.map(|t| t.min(h));
            v.met_lo = false;
            v.met_hi = false;
            let value = v.value;
            v.mark(value);
        }
    }
}
