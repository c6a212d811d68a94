//! Protection by audit: the attacker's programme, solved by integer witnesses.
//!
//! The threshold policy of [`super`] decides the primary suppressions; this module
//! decides the secondary ones and **proves** the result: for every withheld value it
//! exhibits whole integer tables (witnesses) that agree with everything a reader knows
//! and give the value each end of the interval the reader must not be able to narrow.
//! See the [module documentation of `disclosure`](super) for the attacker model; in
//! short, a reader knows:
//!
//! * the grid, the code lists, every published value, that an unlisted cell is zero;
//! * the line equations of every table (a `_T` margin is the sum of its line), for every
//!   count measure;
//! * the bounds the status of a withheld value implies (over-approximated in the reader's
//!   favour: the audit assumes the reader knows *why* a value is withheld), integrality
//!   and non-negativity:
//!   - `A` on a value below k: 1 ..= k−1; `A` on a value withheld with its cell (its
//!     frequency is below k): ≥ 1;
//!   - `D`: ≥ k (secondaries are chosen among non-zero values that are not primary);
//! * the links between the tables of the same State and period, which make them one
//!   system: `MOVEMENTS` persons in total = `PERSONS` in total; in every cell, movements
//!   endangering life and with inhuman treatment ≤ movements, unaccompanied minors ≤
//!   persons, deaths and injuries ≤ 100,000 × movements; unaccompanied minors in total ≤
//!   `PERSONS` under 18 in total;
//! * for a revision, the earlier version of every table: what it published, what it
//!   withheld and why, and (in the reader's favour again) **which values did not change**
//!   between the versions — an unchanged value is one variable of both versions, an
//!   unchanged value the earlier version published is known, and a changed one is known to
//!   have changed by 1 ..= k−1 (differencing guard, `A`) or by at least k, with its sign.
//!
//! # Requirements
//!
//! For a value `v` withheld with bounds `[lo, hi]` (as above):
//! * a primary with a finite `hi` (a small count): witnesses at `lo` and at `hi`: the
//!   reader learns nothing beyond the status (for a first version, 1 and k−1);
//! * a primary with no upper bound (a large measure withheld with its small cell):
//!   witnesses at or below `max(lo, v − k)` and at or above `v + k`;
//! * a secondary: a witness other than `v` (never exact).
//!
//! # Witnesses
//!
//! A witness is the true tables plus an integer move that keeps every line equation: the
//! move of a **hypercube** (Repsilber's method, as in τ-ARGUS): for a cell `p` and, in every
//! dimension, another code, the 2ⁿ cells that take either code in each dimension, moved by
//! ±μ with the sign flipping across a pair of specific codes and kept across a code and
//! its `_T`. Moves of several cubes (in linked tables) are added when a link needs it.
//! Every move is **verified** here, independently of how it was found: every line through
//! every moved value balances, every moved value stays within its bounds, every link
//! holds, and only withheld values move. Protection is therefore shown, not assumed: a
//! solver (LP or MILP) can only widen what the witnesses show, and the test suite runs
//! one against the releases.
//!
//! # Secondary suppression
//!
//! Requirements are taken in a fixed order (earlier version first, then by table, cell
//! and measure). One that no cube of withheld values meets gets the cheapest cube that
//! meets it when some published values are withheld (`D`): cost `value + k` per new
//! value, so small cells first and few of them; margins are expensive. A new secondary is
//! itself moved by the cube that made it, so it is never exact. The last resorts, local
//! first: the value moved with all its margins (the one cube of a sparse table whose
//! corners are always non-zero, its published margins withheld), every value of its
//! lines, of the box its lines span, and then every value of the measure in that table
//! and of the measures linked to it (taken at once when several requirements of one such
//! closure have failed: what it withholds does not depend on when); a requirement that
//! still cannot be met makes the release fail
//! ([`super::DisclosureError::Unprotectable`]) rather than leak.
//! Deterministic: the same tables always give the same suppressions.
use std::collections::{BTreeMap, BTreeSet};

mod last_resort;
mod links;
mod primaries;
mod programme;
mod search;
mod view;

use links::*;
use primaries::*;
use view::*;

use super::{ConfStatus, DisclosureError, Suppression};
use crate::aggregate::{CellKey, Measure, TableId};
use crate::codes::TOTAL;

/// Name of the attacker model, recorded in every threshold release.
pub const MODEL: &str = "vrs-audit/1";
/// How protection is shown, recorded in every threshold release.
pub const METHOD: &str = "integer witnesses (hypercube moves, verified)";

/// The non-zero cells of a table, margins included, with their count measures in
/// [`TableId::count_measures`] order.
pub type Cells = BTreeMap<CellKey, Vec<i64>>;

/// The tables of one State and period at one version, as the audit needs them.
#[derive(Debug, Clone, Copy)]
pub struct PeriodTables<'a> {
    /// The threshold k.
    pub k: u32,
    /// The true cells of every table of the period (a table not listed is empty).
    pub cells: &'a BTreeMap<TableId, Cells>,
    /// The tables released under the threshold policy: one system.
    pub audited: &'a BTreeSet<TableId>,
}

/// The earlier version of a period, for a revision: the true cells it was computed
/// from (published and withheld values; the node keeps the withheld ones privately)
/// and what it withheld.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    /// The true cells of the earlier version's threshold tables.
    pub cells: &'a BTreeMap<TableId, Cells>,
    /// What it withheld, per table (tables missing here were not under threshold).
    pub suppression: &'a BTreeMap<TableId, Suppression>,
}

/// The result of an audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protected {
    /// What each audited table withholds.
    pub suppression: BTreeMap<TableId, Suppression>,
    /// Verified witness moves found.
    pub witnesses: u32,
    /// Requirements checked (withheld values of this version and of the earlier one).
    pub requirements: u32,
    /// Tables audited together (sorted).
    pub linked: Vec<TableId>,
    /// Whether an earlier version was part of the system.
    pub with_earlier: bool,
    /// Values withheld as a last resort (the whole measure of a table withheld).
    pub fallbacks: u32,
    /// Withheld values that the statuses alone pin exactly, whatever is published
    /// (four movements from four origins in a period of four: the `A` on the total and
    /// the four `A`s say each is 1). The reader learns them from the flags, not from
    /// any published number; a State with so little data per period should release
    /// longer periods or use the noise policy.
    pub pinned_by_statuses: u32,
}

/// Maps keyed by numbers of the audit's own making (cell indices, packed
/// coordinates): a fast hasher with a fixed seed, so that nothing depends on a random
/// state; the keys are the node's own cells, not chosen by a reader.
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

const INF: i64 = i64::MAX;
const NO_VAR: u32 = u32::MAX;
const FIELD: usize = 16;
const MASK: u64 = 0xFFFF;
/// Deaths and injuries of one movement are at most this (validation).
const MAX_PERSONS: i64 = crate::validate::MAX_PERSONS as i64;
/// Candidate codes tried per dimension when new secondaries may be chosen.
const CANDIDATES: [usize; 5] = [0, 64, 24, 8, 4];
/// Candidate codes tried per dimension among withheld values only.
const WITNESS_CANDIDATES: [usize; 5] = [0, 256, 48, 12, 5];
/// Cubes verified per search before giving up.
const TRIES: usize = 12;
/// Moves verified per requirement, without and with new secondaries.
const BUDGET: u32 = 120;
const BUDGET_NEW: u32 = 200;
/// What listing the candidate cubes of one search costs, in verified moves.
const CANDIDATES_COST: u32 = 8;
/// Largest set of connected withheld values handed to the integer programme.
const MILP_MAX_VARS: usize = 80;
/// Failed requirements, still unmet, of one closure of measures after which its last
/// resort is taken at once.
const FAILED_MAX: usize = 8;

/// A withheld value (of one version, or of both when it did not change).
#[derive(Debug, Clone)]
struct Var {
    table: TableId,
    m: usize,
    /// Its cell in layer 0 and layer 1.
    loc: [Option<u32>; 2],
    value: i64,
    lo: i64,
    hi: i64,
    status: ConfStatus,
    /// A witness at or below this is needed.
    need_lo: Option<i64>,
    /// A witness at or above this is needed.
    need_hi: Option<i64>,
    /// One of the two is enough (a secondary: never exact).
    either: bool,
    met_lo: bool,
    met_hi: bool,
}

impl Var {
    fn met(&self) -> bool {
        let lo = self.need_lo.is_none() || self.met_lo;
        let hi = self.need_hi.is_none() || self.met_hi;
        if self.either {
            (self.need_lo.is_some() && self.met_lo) || (self.need_hi.is_some() && self.met_hi)
        } else {
            lo && hi
        }
    }

    /// The moves still needed: to each unmet end, from the true value.
    fn unmet_moves(&self) -> Vec<i64> {
        [(self.need_lo, self.met_lo), (self.need_hi, self.met_hi)]
            .into_iter()
            .filter_map(|(need, met)| need.filter(|_| !met).map(|t| t - self.value))
            .collect()
    }

    fn mark(&mut self, w: i64) {
        if self.need_lo.is_some_and(|t| w <= t) {
            self.met_lo = true;
        }
        if self.need_hi.is_some_and(|t| w >= t) {
            self.met_hi = true;
        }
    }
}

/// A hypercube: the cell `base`, an alternative code per dimension.
#[derive(Debug, Clone, Copy)]
struct Cube {
    dims: usize,
    base: u64,
    alt: [u16; 4],
}

impl Cube {
    /// Corners other than the base, with their signs relative to it.
    fn corners(&self, lens: &[u16]) -> impl Iterator<Item = (u64, i64)> + '_ {
        let lens: Vec<u16> = lens.to_vec();
        (1u32..(1 << self.dims)).map(move |mask| {
            let mut p = self.base;
            let mut sign = 1i64;
            for (d, &len) in lens.iter().enumerate().take(self.dims) {
                if mask & (1 << d) != 0 {
                    let a = coord(self.base, d);
                    let b = self.alt[d];
                    if a != len && b != len {
                        sign = -sign;
                    }
                    p = with_coord(p, d, b);
                }
            }
            (p, sign)
        })
    }
}

/// A move: variable → change.
type Move = FastMap<u32, i64>;

/// Why a move is not a witness.
#[derive(Debug)]
enum Broken {
    /// A line or a variable that cannot move: not repairable here.
    Hard,
    /// A moved value out of its bounds; it needs to change by `by`.
    Bound { var: u32, by: i64 },
    /// A link; the other side, in layer `layer`, needs to change by `by`.
    Link {
        layer: usize,
        table: TableId,
        key: CellKey,
        measure: Measure,
        by: i64,
    },
}

struct Audit {
    k: i64,
    /// Layer 0: the earlier version if any, else the current one; layer 1: the current
    /// one when there is an earlier one.
    layers: Vec<BTreeMap<TableId, View>>,
    current: usize,
    vars: Vec<Var>,
    witnesses: u32,
    fallbacks: u32,
    /// Values the statuses alone pin (see [`Protected::pinned_by_statuses`]).
    pinned: u32,
    /// Moves that may still be verified for the requirement at hand (each search
    /// spends from it, so that a hard requirement costs bounded time).
    budget: std::cell::Cell<u32>,
    /// Earlier published values (for eligibility and bounds of the current layer).
    earlier_published: Option<BTreeMap<TableId, (Cells, Suppression)>>,
}

impl Audit {
    fn view(&self, layer: usize, table: TableId) -> Option<&View> {
        self.layers.get(layer)?.get(&table)
    }

    /// The earlier published value of a location of the current layer (0 for an unlisted
    /// cell), when there is an earlier version, the table was in it, and it published it.
    fn earlier_value(&self, table: TableId, key: &CellKey, m: usize) -> Option<i64> {
        let (cells, sup) = self.earlier_published.as_ref()?.get(&table)?;
        let measure = table.count_measures()[m];
        if sup.is_withheld(key, measure) {
            return None;
        }
        Some(cells.get(key).and_then(|v| v.get(m)).copied().unwrap_or(0))
    }

    /// Whether a published value of the current layer may become a secondary.
    fn eligible(&self, table: TableId, cell: u32, m: usize) -> bool {
        let Some(view) = self.view(self.current, table) else {
            return false;
        };
        let v = view.value(cell, m);
        if v == 0 || view.var_at(cell, m) != NO_VAR {
            return false;
        }
        match self.earlier_value(table, &view.keys[cell as usize], m) {
            // Published before with the same value: the reader knows it.
            Some(p1) if p1 == v => false,
            Some(p1) => {
                let (lo, hi) = current_bounds(self.k, v, ConfStatus::Secondary, Some(p1));
                lo < hi
            }
            None => true,
        }
    }

    /// Makes a new variable at a location of the current layer.
    fn new_var(&mut self, table: TableId, cell: u32, m: usize, status: ConfStatus) -> u32 {
        let Some(view) = self.layers[self.current].get(&table) else {
            return NO_VAR;
        };
        let value = view.value(cell, m);
        let key = view.keys[cell as usize].clone();
        let p1 = self.earlier_value(table, &key, m);
        let bounds = current_bounds(self.k, value, status, p1);
        self.add_var(self.current, table, cell, m, status, bounds)
    }

    /// Adds the variable of `m` in `cell` of `table` in `layer`, with its bounds; its
    /// requirement follows from them ([`needs`]).
    fn add_var(
        &mut self,
        layer: usize,
        table: TableId,
        cell: u32,
        m: usize,
        status: ConfStatus,
        (lo, hi): (i64, i64),
    ) -> u32 {
        let Some(view) = self.layers[layer].get_mut(&table) else {
            return NO_VAR;
        };
        let value = view.value(cell, m);
        let (need_lo, need_hi, either) = needs(value, lo, hi, status, self.k);
        let id = u32::try_from(self.vars.len()).unwrap_or(NO_VAR);
        view.var[cell as usize * view.nm + m] = id;
        let mut loc = [None, None];
        loc[layer] = Some(cell);
        let mut var = Var {
            table,
            m,
            loc,
            value,
            lo,
            hi,
            status,
            need_lo,
            need_hi,
            either,
            met_lo: false,
            met_hi: false,
        };
        var.mark(value);
        self.vars.push(var);
        id
    }

    /// Undoes [`Audit::new_var`] back to `len` variables.
    fn rollback(&mut self, len: usize) {
        while self.vars.len() > len {
            if let Some(v) = self.vars.pop()
                && let (Some(cell), Some(view)) = (
                    v.loc[self.current],
                    self.layers[self.current].get_mut(&v.table),
                )
            {
                view.var[cell as usize * view.nm + v.m] = NO_VAR;
            }
        }
    }

    /// The value and change of a location under `mv`.
    fn value_under(
        &self,
        mv: &Move,
        layer: usize,
        table: TableId,
        key: &CellKey,
        m: Measure,
    ) -> Option<(i64, i64, u32)> {
        let view = self.view(layer, table)?;
        let mi = table.count_measures().iter().position(|x| *x == m)?;
        match view.cell(key) {
            None => Some((0, 0, NO_VAR)),
            Some(c) => {
                let var = view.var_at(c, mi);
                let d = mv.get(&var).copied().unwrap_or(0);
                Some((view.value(c, mi), d, var))
            }
        }
    }

    /// Every way of meeting `var`, cheapest first, stopping once it is met: witnesses
    /// among withheld values, then with new secondaries, the MILP, the bounds narrowed to
    /// what the statuses allow, and the local last resorts (a move with its margins, its
    /// lines, then a box).
    fn meet_every_way(&mut self, var: u32) {
        let met = |a: &Self| a.vars[var as usize].met();
        if met(self) {
            return;
        }
        self.meet(var, false);
        if !met(self) {
            self.meet(var, true);
        }
        if !met(self) {
            self.meet_by_milp(var);
        }
        if !met(self) && self.narrow_to_statuses(var) {
            self.meet(var, false);
            if !met(self) {
                self.meet(var, true);
            }
            if !met(self) {
                self.meet_by_milp(var);
            }
        }
        if !met(self) {
            self.meet_by_margins(var);
        }
        if !met(self) && self.withhold_lines(var) > 0 {
            self.meet_again(var);
        }
        if !met(self) && self.withhold_box(var) > 0 {
            self.meet_again(var);
        }
    }
}

/// Builds the system (the earlier version's withheld values, the current one's primary
/// and carried values as variables), then meets every requirement; see the module
/// documentation.
pub fn protect(
    period: &PeriodTables<'_>,
    earlier: Option<&Earlier<'_>>,
) -> Result<Protected, DisclosureError> {
    if period.k == 0 {
        return Err(DisclosureError::InvalidK);
    }
    // The audited tables fall apart into systems that share no line, link or value
    // (MOVEMENTS, PERSONS and PROTECTION are one; every other table is one alone). Each
    // is audited on its own thread: the result is the one of the whole system, since
    // nothing of one system enters the programme of another, and it is deterministic.
    let mut systems: Vec<BTreeSet<TableId>> = Vec::new();
    for &t in period.audited {
        let linked: BTreeSet<TableId> = linked_tables(t)
            .iter()
            .copied()
            .chain([t])
            .filter(|o| period.audited.contains(o))
            .collect();
        if !systems.iter().any(|s| s.contains(&t)) {
            systems.push(linked);
        }
    }
    let results: Vec<Result<Protected, DisclosureError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = systems
            .iter()
            .map(|audited| {
                let part = PeriodTables {
                    k: period.k,
                    cells: period.cells,
                    audited,
                };
                scope.spawn(move || protect_system(&part, earlier))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut out = Protected {
        with_earlier: earlier.is_some(),
        ..Protected::default()
    };
    for r in results {
        let p = r?;
        out.suppression.extend(p.suppression);
        out.witnesses += p.witnesses;
        out.requirements += p.requirements;
        out.fallbacks += p.fallbacks;
        out.pinned_by_statuses += p.pinned_by_statuses;
        out.linked.extend(p.linked);
    }
    out.linked.sort();
    Ok(out)
}

/// [`protect`] for one system of linked tables.
fn protect_system(
    period: &PeriodTables<'_>,
    earlier: Option<&Earlier<'_>>,
) -> Result<Protected, DisclosureError> {
    let k = i64::from(period.k);
    let empty = Cells::new();
    let earlier_tables: BTreeSet<TableId> = earlier
        .map(|e| {
            period
                .audited
                .iter()
                .copied()
                .filter(|t| e.suppression.contains_key(t))
                .collect()
        })
        .unwrap_or_default();
    let mut layers = Vec::new();
    if let Some(e) = earlier {
        let mut l = BTreeMap::new();
        for &t in &earlier_tables {
            l.insert(t, View::new(t, e.cells.get(&t).unwrap_or(&empty))?);
        }
        layers.push(l);
    }
    let mut cur = BTreeMap::new();
    for &t in period.audited {
        cur.insert(t, View::new(t, period.cells.get(&t).unwrap_or(&empty))?);
    }
    layers.push(cur);
    let current = layers.len() - 1;
    let mut audit = Audit {
        k,
        layers,
        current,
        vars: Vec::new(),
        witnesses: 0,
        fallbacks: 0,
        pinned: 0,
        budget: std::cell::Cell::new(0),
        earlier_published: earlier.map(|e| {
            earlier_tables
                .iter()
                .map(|&t| {
                    (
                        t,
                        (
                            e.cells.get(&t).cloned().unwrap_or_default(),
                            e.suppression.get(&t).cloned().unwrap_or_default(),
                        ),
                    )
                })
                .collect()
        }),
    };
    // The earlier version's withheld values.
    if let Some(e) = earlier {
        for &t in &earlier_tables {
            let Some(sup) = e.suppression.get(&t) else {
                continue;
            };
            let measures = t.count_measures();
            for (key, measure, status) in sup.iter() {
                let Some(m) = measures.iter().position(|x| *x == measure) else {
                    continue;
                };
                let Some(view) = audit.layers[0].get(&t) else {
                    continue;
                };
                let Some(cell) = view.cell(key) else {
                    return Err(DisclosureError::BadCell {
                        table: t,
                        key: key.clone(),
                    });
                };
                let value = view.value(cell, m);
                let bounds = current_bounds(k, value, status, None);
                audit.add_var(0, t, cell, m, status, bounds);
            }
        }
    }
    // The current version's primary and carried values.
    for (table, withheld) in primaries(period, earlier) {
        let measures = table.count_measures();
        for (key, ms) in withheld {
            for (measure, status) in ms {
                let Some(m) = measures.iter().position(|x| *x == measure) else {
                    continue;
                };
                let Some(cell) = audit.view(current, table).and_then(|v| v.cell(&key)) else {
                    continue;
                };
                // Shared with the earlier version when withheld there with the same value.
                let value_now = audit.view(current, table).map(|v| v.value(cell, m));
                let shared = if current == 1 {
                    audit.view(0, table).and_then(|v| {
                        let c = v.cell(&key)?;
                        let var = v.var_at(c, m);
                        (var != NO_VAR && Some(v.value(c, m)) == value_now).then_some((c, var))
                    })
                } else {
                    None
                };
                if let Some((_, var)) = shared {
                    let value = audit.vars[var as usize].value;
                    let (lo, hi) = current_bounds(k, value, status, None);
                    let (nl, nh, either) = needs(value, lo, hi, status, k);
                    let v = &mut audit.vars[var as usize];
                    v.loc[current] = Some(cell);
                    v.lo = v.lo.max(lo);
                    v.hi = v.hi.min(hi);
                    if status == ConfStatus::Primary {
                        v.status = ConfStatus::Primary;
                    }
                    v.need_lo = match (v.need_lo, nl) {
                        (Some(a), Some(b)) => Some(a.min(b).max(v.lo)),
                        (a, b) => a.or(b),
                    };
                    v.need_hi = match (v.need_hi, nh) {
                        (Some(a), Some(b)) => Some(a.max(b).min(v.hi)),
                        (a, b) => a.or(b),
                    };
                    v.either = v.either && either;
                    let value = v.value;
                    v.met_lo = false;
                    v.met_hi = false;
                    v.mark(value);
                    if let Some(view) = audit.layers[current].get_mut(&table) {
                        view.var[cell as usize * view.nm + m] = var;
                    }
                } else {
                    audit.new_var(table, cell, m, status);
                }
            }
        }
    }
    audit.status_bounds();
    // Witnesses among withheld values first, then new secondaries, one requirement at a
    // time in order (new secondaries are appended and taken in turn).
    // A requirement that every way failed to meet is kept in `failed`: a later witness
    // may still meet it. Once `FAILED_MAX` of one measure's closure are failed and still
    // unmet, the last resort for that closure is taken at once: what it withholds does
    // not depend on when it is taken, and the work on the rest of the closure's
    // requirements would be lost (a bet that later witnesses do not meet them all; on
    // the benchmark's data, 13 to 16 % of failed requirements were met later, never all of a
    // closure's).
    let mut failed: Vec<u32> = Vec::new();
    let mut fallen: BTreeSet<(TableId, usize)> = BTreeSet::new();
    let mut i = 0;
    while i < audit.vars.len() {
        let var = u32::try_from(i).unwrap_or(NO_VAR);
        i += 1;
        let v = &audit.vars[var as usize];
        if fallen.contains(&(v.table, v.m)) {
            audit.clear_needs(var);
            continue;
        }
        audit.meet_every_way(var);
        if audit.vars[var as usize].met() {
            continue;
        }
        failed.push(var);
        let closure = audit.closure([var]);
        failed.retain(|&f| !audit.vars[f as usize].met());
        let in_closure = failed
            .iter()
            .filter(|&&f| {
                let v = &audit.vars[f as usize];
                closure.contains(&(v.table, v.m))
            })
            .count();
        if in_closure >= FAILED_MAX {
            audit.fall_back(&closure);
            fallen.extend(closure);
        }
    }
    // Last resort where a requirement is still unmet.
    let unmet: Vec<u32> = (0..audit.vars.len() as u32)
        .filter(|&v| !audit.vars[v as usize].met())
        .collect();
    let closure = audit.closure(unmet);
    audit.fall_back(&closure);
    if let Some(v) = audit.vars.iter().find(|v| !v.met()) {
        let layer = if v.loc[current].is_some() {
            current
        } else {
            1 - current
        };
        let key = v.loc[layer]
            .and_then(|c| {
                audit
                    .view(layer, v.table)
                    .map(|view| view.keys[c as usize].clone())
            })
            .unwrap_or_else(|| CellKey::total(v.table));
        return Err(DisclosureError::Unprotectable {
            table: v.table,
            key,
            measure: v.table.count_measures()[v.m],
        });
    }
    let mut suppression = BTreeMap::new();
    for (&table, view) in &audit.layers[current] {
        let measures = table.count_measures();
        let mut withheld: BTreeMap<CellKey, BTreeMap<Measure, ConfStatus>> = BTreeMap::new();
        for c in 0..view.keys.len() {
            for (m, &measure) in measures.iter().enumerate() {
                let var = view.var[c * view.nm + m];
                if var != NO_VAR {
                    withheld
                        .entry(view.keys[c].clone())
                        .or_default()
                        .insert(measure, audit.vars[var as usize].status);
                }
            }
        }
        suppression.insert(table, Suppression { withheld });
    }
    let mut linked: BTreeSet<TableId> = BTreeSet::new();
    for &t in period.audited {
        if linked_tables(t)
            .iter()
            .any(|o| *o != t && period.audited.contains(o))
        {
            linked.insert(t);
        }
    }
    Ok(Protected {
        suppression,
        witnesses: audit.witnesses,
        requirements: u32::try_from(audit.vars.len()).unwrap_or(u32::MAX),
        linked: linked.into_iter().collect(),
        with_earlier: earlier.is_some(),
        fallbacks: audit.fallbacks,
        pinned_by_statuses: audit.pinned,
    })
}

/// A link between two values in a neighbourhood programme: the layer, then each side's
/// table, cell and measure.
type LinkRow = (usize, TableId, CellKey, Measure, TableId, CellKey, Measure);
