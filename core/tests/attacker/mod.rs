//! The attacker of 04-aggregates.md, written from the model and not from the suppression
//! code: a statistician of a partner State who holds every release of one origin and
//! period (and the earlier version of a revision) and solves the published lines as a
//! mixed-integer programme (good_lp over microlp, integer variables, branch and bound).
//!
//! What it knows (the model): the grid and code lists; every published value; that an
//! unlisted cell of a threshold release is zero; every line equation (a `_T` margin is
//! the sum of its line) of every count measure; the bounds the statuses imply (`A` on a
//! table's frequency: 1 ..= k−1; `A` on another measure: 1 ..= k−1 when the cell's
//! frequency is published, ≥ 1 when it is withheld too; `D`: ≥ k); integrality and
//! non-negativity; the links between tables (MOVEMENTS persons in total = PERSONS in
//! total; PROTECTION movements with aggravation ≤ movements, unaccompanied minors ≤
//! persons, deaths and injuries ≤ 100,000 × movements, minors in total ≤ persons under 18
//! in total); and, for a revision, the earlier version with an oracle that says which
//! values did not change (so that an unchanged value is one variable of both versions).
//!
//! For every withheld value it computes the provable interval: the minimum and the
//! maximum of the value over all integer tables consistent with all of that.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use good_lp::{
    Constraint, Expression, ProblemVariables, Solution, SolverModel, Variable, microlp, variable,
};
use vrs_core::aggregate::{CellKey, Measure, TableId, Tables};
use vrs_core::codes::TOTAL;
use vrs_core::disclosure::{ConfStatus, Policy};
use vrs_core::release::Release;

/// Upper bound standing for "unbounded" (every count of a table is far below it).
const BIG: f64 = 10_000_000.0;

/// A withheld value: (version, table, cell, measure).
pub type Loc = (u32, TableId, CellKey, Measure);

/// A provable interval; `hi = None` when unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub lo: i64,
    pub hi: Option<i64>,
}

enum Value {
    Known(i64),
    Var(usize),
}

struct Model {
    k: i64,
    /// (lo, hi) per variable.
    bounds: Vec<(f64, f64)>,
    /// Every location of a variable (a value unchanged between versions has two).
    locs: Vec<Vec<Loc>>,
    index: BTreeMap<Loc, usize>,
    /// Linear equalities: Σ coef·var = constant.
    eqs: Vec<(Vec<(usize, f64)>, f64)>,
    /// Linear inequalities: Σ coef·var ≤ constant.
    les: Vec<(Vec<(usize, f64)>, f64)>,
}

fn key(codes: Vec<&'static str>, table: TableId) -> CellKey {
    CellKey::parse(table, &codes).expect("codes of the table")
}

impl Model {
    fn value(
        &self,
        releases: &BTreeMap<TableId, &Release>,
        version: u32,
        table: TableId,
        key: &CellKey,
        m: Measure,
    ) -> Option<Value> {
        let r = releases.get(&table)?;
        if !matches!(r.policy, Policy::Threshold { .. }) {
            return None;
        }
        match r.cell(key) {
            None => Some(Value::Known(0)),
            Some(c) => {
                let o = c.observation(m)?;
                match o.value {
                    Some(v) => Some(Value::Known(v)),
                    None => self
                        .index
                        .get(&(version, table, key.clone(), m))
                        .map(|&i| Value::Var(i)),
                }
                .map(|v| {
                    match (&v, self.index.get(&(version, table, key.clone(), m))) {
                        (Value::Known(_), Some(&i)) => Value::Var(i),
                        _ => v,
                    }
                })
            }
        }
    }
}

fn add_term(terms: &mut Vec<(usize, f64)>, constant: &mut f64, v: Value, coef: f64) {
    match v {
        Value::Known(x) => *constant -= coef * x as f64,
        Value::Var(i) => terms.push((i, coef)),
    }
}

/// What the earlier version published for a value (0 for an unlisted cell of a
/// threshold release), if it published it.
fn earlier_published(
    earlier: Option<&[Release]>,
    table: TableId,
    key: &CellKey,
    m: Measure,
) -> Option<i64> {
    let r = earlier?.iter().find(|r| r.table == table)?;
    if !matches!(r.policy, Policy::Threshold { .. }) {
        return None;
    }
    r.published(key, m)
}

/// Computes the provable interval of every withheld count value of `releases` (one
/// origin and period, every table), jointly with `earlier` (the earlier version's
/// releases) when given; `unchanged(table, key, measure)` says whether a value is the
/// same in both versions.
pub fn attack(
    k: u32,
    releases: &[Release],
    earlier: Option<&[Release]>,
    unchanged: &dyn Fn(TableId, &CellKey, Measure) -> bool,
    truth: &dyn Fn(&Loc) -> i64,
) -> BTreeMap<Loc, Interval> {
    programme(k, releases, earlier, unchanged, truth, None)
}

/// The status of a withheld value in `releases` (panics when it is not withheld there).
pub fn status_in(releases: &[Release], t: TableId, key: &CellKey, m: Measure) -> ConfStatus {
    releases
        .iter()
        .find(|r| r.table == t)
        .and_then(|r| r.cell(key))
        .and_then(|c| c.observation(m))
        .map(|o| o.conf_status)
        .expect("a withheld value")
}

/// The attack on a revision `v2` read with its first version `v1`, with the oracle of
/// the values that did not change between the tables behind them (`t1`, `t2`), checked
/// against what `rule` says each withheld value must keep. The violations found.
pub fn revision_violations(
    k: u32,
    v1: &[Release],
    t1: &Tables,
    v2: &[Release],
    t2: &Tables,
    rule: &dyn Fn(&Loc, i64) -> Rule,
) -> Vec<String> {
    let unchanged =
        |t: TableId, key: &CellKey, m: Measure| t1.count(t, key, m) == t2.count(t, key, m);
    let truth = |(v, t, key, m): &Loc| {
        if *v == 1 {
            t1.count(*t, key, *m)
        } else {
            t2.count(*t, key, *m)
        }
    };
    let intervals = attack(k, v2, Some(v1), &unchanged, &truth);
    violations(
        k,
        &intervals,
        &truth,
        &|loc| rule(loc, truth(loc)),
        &|only| status_only(k, v2, Some(v1), &unchanged, &truth, only),
    )
}

/// What the statuses alone let a reader prove about the values of `only`: the same
/// programme with every published non-zero value of a first version unknown (it is at
/// least k). Published values must narrow nothing beyond this.
pub fn status_only(
    k: u32,
    releases: &[Release],
    earlier: Option<&[Release]>,
    unchanged: &dyn Fn(TableId, &CellKey, Measure) -> bool,
    truth: &dyn Fn(&Loc) -> i64,
    only: &BTreeSet<Loc>,
) -> BTreeMap<Loc, Interval> {
    programme(k, releases, earlier, unchanged, truth, Some(only))
}

fn programme(
    k: u32,
    releases: &[Release],
    earlier: Option<&[Release]>,
    unchanged: &dyn Fn(TableId, &CellKey, Measure) -> bool,
    truth: &dyn Fn(&Loc) -> i64,
    status_only: Option<&BTreeSet<Loc>>,
) -> BTreeMap<Loc, Interval> {
    let k = i64::from(k);
    let mut versions: Vec<(u32, BTreeMap<TableId, &Release>)> = Vec::new();
    if let Some(e) = earlier {
        versions.push((1, e.iter().map(|r| (r.table, r)).collect()));
    }
    let cur_version = if earlier.is_some() { 2 } else { 1 };
    versions.push((cur_version, releases.iter().map(|r| (r.table, r)).collect()));
    let mut model = Model {
        k,
        bounds: Vec::new(),
        locs: Vec::new(),
        index: BTreeMap::new(),
        eqs: Vec::new(),
        les: Vec::new(),
    };
    // Variables, with the bounds their statuses imply.
    for (version, rels) in &versions {
        for (&table, r) in rels {
            if !matches!(r.policy, Policy::Threshold { .. }) {
                continue;
            }
            let counts = table.count_measures();
            for c in &r.cells {
                for &m in counts {
                    let o = c.observation(m).expect("measure");
                    if let Some(v) = o.value {
                        // In a revision what the earlier version published stays known.
                        if status_only.is_some() && v != 0 && !(earlier.is_some() && *version == 1)
                        {
                            let loc = (*version, table, c.key.clone(), m);
                            // Published unchanged by both versions: one unknown.
                            if *version == cur_version
                                && earlier.is_some()
                                && unchanged(table, &c.key, m)
                                && earlier_published(earlier, table, &c.key, m).is_some()
                            {
                                // Unchanged since the earlier version published it: known.
                                continue;
                            }
                            model.index.insert(loc.clone(), model.bounds.len());
                            model.bounds.push((k as f64, BIG));
                            model.locs.push(vec![loc]);
                        }
                        continue;
                    }
                    let (lo, hi) = match o.conf_status {
                        ConfStatus::Secondary => (k as f64, BIG),
                        _ => {
                            // The reader is granted the reason of an `A`: a small
                            // count (1 ..= k−1), or a value withheld with its small cell
                            // (≥ 1); in a revision, a value the earlier version published
                            // as p1 may be the differencing guard (|v − p1| < k).
                            let v = truth(&(*version, table, c.key.clone(), m));
                            let p1 = (*version == cur_version)
                                .then(|| earlier_published(earlier, table, &c.key, m))
                                .flatten();
                            match p1 {
                                _ if v < k => (1.0, (k - 1) as f64),
                                Some(p1) if (v - p1).abs() < k => {
                                    ((p1 - k + 1).max(1) as f64, (p1 + k - 1) as f64)
                                }
                                _ => (1.0, BIG),
                            }
                        }
                    };
                    let loc = (*version, table, c.key.clone(), m);
                    // A value unchanged since the earlier version and withheld there too is
                    // the same variable.
                    if *version == cur_version && earlier.is_some() && unchanged(table, &c.key, m) {
                        let prev = (1, table, c.key.clone(), m);
                        if let Some(&i) = model.index.get(&prev) {
                            let b = &mut model.bounds[i];
                            b.0 = b.0.max(lo);
                            b.1 = b.1.min(hi);
                            model.locs[i].push(loc.clone());
                            model.index.insert(loc, i);
                            continue;
                        }
                    }
                    model.index.insert(loc.clone(), model.bounds.len());
                    model.bounds.push((lo, hi));
                    model.locs.push(vec![loc]);
                }
            }
        }
    }
    // A value the earlier version published and that did not change is known.
    let mut known_now: BTreeMap<Loc, i64> = BTreeMap::new();
    if let Some(e) = earlier.filter(|_| status_only.is_none()) {
        for r in e
            .iter()
            .filter(|r| matches!(r.policy, Policy::Threshold { .. }))
        {
            for c in &r.cells {
                for &m in r.table.count_measures() {
                    if let Some(v) = c.observation(m).and_then(|o| o.value)
                        && unchanged(r.table, &c.key, m)
                    {
                        known_now.insert((cur_version, r.table, c.key.clone(), m), v);
                    }
                }
            }
        }
    }
    for (loc, v) in &known_now {
        if let Some(&i) = model.index.get(loc) {
            model.eqs.push((vec![(i, 1.0)], *v as f64));
        }
    }
    // Line equations.
    for (version, rels) in &versions {
        for (&table, r) in rels {
            if !matches!(r.policy, Policy::Threshold { .. }) {
                continue;
            }
            let dims = table.dimensions().len();
            for &m in table.count_measures() {
                // Lines through a withheld value.
                let mut lines: BTreeSet<(usize, CellKey)> = BTreeSet::new();
                for c in &r.cells {
                    if model
                        .index
                        .contains_key(&(*version, table, c.key.clone(), m))
                    {
                        for d in 0..dims {
                            lines.insert((d, c.key.with(d, TOTAL)));
                        }
                    }
                }
                for (d, margin) in lines {
                    let mut terms = Vec::new();
                    let mut constant = 0.0;
                    let mv = model
                        .value(rels, *version, table, &margin, m)
                        .expect("threshold");
                    add_term(&mut terms, &mut constant, mv, -1.0);
                    for code in table.dimensions()[d].codes.iter() {
                        let member = margin.with(d, code);
                        if r.cell(&member).is_none() {
                            continue;
                        }
                        let v = model
                            .value(rels, *version, table, &member, m)
                            .expect("threshold");
                        add_term(&mut terms, &mut constant, v, 1.0);
                    }
                    model.eqs.push((terms, constant));
                }
            }
        }
    }
    // Links between tables of the same version.
    for (version, rels) in &versions {
        let rel = |a: (TableId, CellKey, Measure),
                   b: (TableId, CellKey, Measure),
                   eq: bool,
                   factor: f64,
                   model: &mut Model| {
            let (Some(av), Some(bv)) = (
                model.value(rels, *version, a.0, &a.1, a.2),
                model.value(rels, *version, b.0, &b.1, b.2),
            ) else {
                return;
            };
            if matches!((&av, &bv), (Value::Known(_), Value::Known(_))) {
                return;
            }
            let mut terms = Vec::new();
            let mut constant = 0.0;
            add_term(&mut terms, &mut constant, av, 1.0);
            add_term(&mut terms, &mut constant, bv, -factor);
            if eq {
                model.eqs.push((terms, constant));
            } else {
                model.les.push((terms, constant));
            }
        };
        let mt = CellKey::total(TableId::Movements);
        let pt = CellKey::total(TableId::Persons);
        rel(
            (TableId::Movements, mt.clone(), Measure::Persons),
            (TableId::Persons, pt.clone(), Measure::Persons),
            true,
            1.0,
            &mut model,
        );
        let under18 = key(vec![TOTAL, TOTAL, "Y_LT18"], TableId::Persons);
        rel(
            (
                TableId::Protection,
                CellKey::total(TableId::Protection),
                Measure::UnaccompaniedMinors,
            ),
            (TableId::Persons, under18, Measure::Persons),
            false,
            1.0,
            &mut model,
        );
        if let Some(p) = rels.get(&TableId::Protection) {
            for c in &p.cells {
                for (pm, bm, f) in [
                    (Measure::EndangeringLife, Measure::Events, 1.0),
                    (Measure::InhumanTreatment, Measure::Events, 1.0),
                    (Measure::Deaths, Measure::Events, 100_000.0),
                    (Measure::Injuries, Measure::Events, 100_000.0),
                    (Measure::UnaccompaniedMinors, Measure::Persons, 1.0),
                ] {
                    rel(
                        (TableId::Protection, c.key.clone(), pm),
                        (TableId::Movements, c.key.clone(), bm),
                        false,
                        f,
                        &mut model,
                    );
                }
            }
        }
    }
    solve(&model, status_only)
}

/// Min and max of every variable, component by component.
fn solve(model: &Model, only: Option<&BTreeSet<Loc>>) -> BTreeMap<Loc, Interval> {
    let n = model.bounds.len();
    // Components: variables that share a constraint.
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut x = x;
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for (terms, _) in model.eqs.iter().chain(&model.les) {
        for w in terms.windows(2) {
            let (a, b) = (find(&mut parent, w[0].0), find(&mut parent, w[1].0));
            parent[a] = b;
        }
    }
    let mut comps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        comps.entry(r).or_default().push(i);
    }
    let mut out = BTreeMap::new();
    for (_, members) in comps {
        let set: BTreeSet<usize> = members.iter().copied().collect();
        let rows = |rows: &[(Vec<(usize, f64)>, f64)]| -> Vec<(Vec<(usize, f64)>, f64)> {
            rows.iter()
                .filter(|(t, _)| t.first().is_some_and(|(i, _)| set.contains(i)))
                .cloned()
                .collect()
        };
        let eqs = rows(&model.eqs);
        let les = rows(&model.les);
        for &x in &members {
            if only.is_some_and(|o| !model.locs[x].iter().any(|l| o.contains(l))) {
                continue;
            }
            let lo = optimise(model, &members, &eqs, &les, x, false);
            let hi = optimise(model, &members, &eqs, &les, x, true);
            let hi = (hi < BIG as i64 - 1).then_some(hi);
            for loc in &model.locs[x] {
                out.insert(loc.clone(), Interval { lo, hi });
            }
        }
    }
    out
}

fn optimise(
    model: &Model,
    members: &[usize],
    eqs: &[(Vec<(usize, f64)>, f64)],
    les: &[(Vec<(usize, f64)>, f64)],
    x: usize,
    maximise: bool,
) -> i64 {
    let mut vars = ProblemVariables::new();
    let mut v: BTreeMap<usize, Variable> = BTreeMap::new();
    for &i in members {
        let (lo, hi) = model.bounds[i];
        v.insert(i, vars.add(variable().integer().min(lo).max(hi)));
    }
    let objective: Expression = v[&x].into();
    let mut problem = if maximise {
        vars.maximise(objective).using(microlp)
    } else {
        vars.minimise(objective).using(microlp)
    };
    let expr =
        |terms: &[(usize, f64)]| -> Expression { terms.iter().map(|(i, c)| *c * v[i]).sum() };
    for (terms, c) in eqs {
        let e = expr(terms);
        let con: Constraint = e.eq(*c);
        problem = problem.with(con);
    }
    for (terms, c) in les {
        let e = expr(terms);
        let con: Constraint = e.leq(*c);
        problem = problem.with(con);
    }
    let sol = problem
        .solve()
        .expect("the true tables are a solution: the programme is feasible");
    sol.value(v[&x]).round() as i64
}

/// What the model requires of a withheld value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A primary count below k: the interval is [1, ≥ k−1] (nothing beyond `A`).
    Small,
    /// A primary that is not small (a measure withheld with its small cell): the
    /// interval reaches at least k either side (down to 1 at least).
    Large,
    /// Never exact (a secondary, or a revision's guarded value).
    NotExact,
}

/// The rule of a first version's withheld value from its status and true value.
pub fn rule_of(k: u32, status: ConfStatus, value: i64) -> Rule {
    match status {
        ConfStatus::Secondary => Rule::NotExact,
        _ if value < i64::from(k) => Rule::Small,
        _ => Rule::Large,
    }
}

/// Checks the attacker's intervals against the true values and the rules; returns the
/// violations (an interval that excludes the true value is one too: a wrong model).
/// `statuses` gives, for a value, what the statuses alone prove (see [`status_only`]):
/// a target beyond it cannot be asked of the release.
pub fn violations(
    k: u32,
    intervals: &BTreeMap<Loc, Interval>,
    truth: &dyn Fn(&Loc) -> i64,
    rule: &dyn Fn(&Loc) -> Rule,
    statuses: &dyn Fn(&BTreeSet<Loc>) -> BTreeMap<Loc, Interval>,
) -> Vec<String> {
    let k = i64::from(k);
    let check = |loc: &Loc, iv: &Interval, so: Option<&Interval>| {
        let v = truth(loc);
        let hi = iv.hi.unwrap_or(i64::MAX);
        let (slo, shi) = so.map_or((1, i64::MAX), |s| (s.lo, s.hi.unwrap_or(i64::MAX)));
        let ok = match rule(loc) {
            // Never exact, unless the statuses alone already pin it.
            Rule::NotExact => iv.lo < v || hi > v || (so.is_some() && slo == v && shi == v),
            Rule::Small => iv.lo <= slo.max(1) && hi >= shi.min(k - 1),
            Rule::Large => iv.lo <= slo.max(1).max(v - k) && hi >= shi.min(v + k),
        };
        ok && iv.lo <= v && hi >= v
    };
    let suspects: BTreeSet<Loc> = intervals
        .iter()
        .filter(|(loc, iv)| !check(loc, iv, None))
        .map(|(loc, _)| loc.clone())
        .collect();
    if suspects.is_empty() {
        return Vec::new();
    }
    let so = statuses(&suspects);
    suspects
        .iter()
        .filter(|loc| !check(loc, &intervals[*loc], so.get(*loc)))
        .map(|loc| {
            let iv = intervals[loc];
            format!(
                "{loc:?}: true {}, provable [{}, {:?}], statuses alone {:?}, rule {:?}",
                truth(loc),
                iv.lo,
                iv.hi,
                so.get(loc),
                rule(loc)
            )
        })
        .collect()
}
