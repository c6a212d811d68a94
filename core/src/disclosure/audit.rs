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
//! itself moved by the cube that made it, so it is never exact. As a last resort every
//! value of the measure in that table is withheld; a requirement that still cannot be met
//! makes the release fail ([`super::DisclosureError::Unprotectable`]) rather than leak.
//! Deterministic: the same tables always give the same suppressions.
use std::collections::{BTreeMap, BTreeSet};

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

fn coord(p: u64, d: usize) -> u16 {
    ((p >> (FIELD * d)) & MASK) as u16
}

fn with_coord(p: u64, d: usize, x: u16) -> u64 {
    (p & !(MASK << (FIELD * d))) | (u64::from(x) << (FIELD * d))
}

fn line_key(p: u64, d: usize) -> u64 {
    with_coord(p, d, u16::MAX)
}

/// One table of one version.
#[derive(Debug)]
struct View {
    table: TableId,
    dims: usize,
    /// Per dimension: the number of codes, which is also the coordinate of `_T`.
    lens: Vec<u16>,
    nm: usize,
    keys: Vec<CellKey>,
    coords: Vec<u64>,
    index: FastMap<u64, u32>,
    /// `values[cell * nm + m]`.
    values: Vec<i64>,
    /// `var[cell * nm + m]`: the variable of a withheld value, or [`NO_VAR`].
    var: Vec<u32>,
    /// Per dimension: line key → member cells (the margin included), in cell order.
    lines: Vec<FastMap<u64, Vec<u32>>>,
}

impl View {
    fn new(table: TableId, cells: &Cells) -> Result<View, DisclosureError> {
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

    fn value(&self, cell: u32, m: usize) -> i64 {
        self.values[cell as usize * self.nm + m]
    }

    fn var_at(&self, cell: u32, m: usize) -> u32 {
        self.var[cell as usize * self.nm + m]
    }

    fn cell(&self, key: &CellKey) -> Option<u32> {
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

    fn mark(&mut self, w: i64) {
        if self.need_lo.is_some_and(|t| w <= t) {
            self.met_lo = true;
        }
        if self.need_hi.is_some_and(|t| w >= t) {
            self.met_hi = true;
        }
    }
}

/// What the requirement of a withheld value is, from its bounds and status.
fn needs(
    value: i64,
    lo: i64,
    hi: i64,
    status: ConfStatus,
    k: i64,
) -> (Option<i64>, Option<i64>, bool) {
    match status {
        ConfStatus::Secondary => (
            (value > lo).then_some(value - 1),
            (value < hi).then(|| value + 1),
            true,
        ),
        _ if hi != INF => (Some(lo), Some(hi), false),
        _ => (
            Some(lo.max(value - k)),
            Some(value.saturating_add(k)),
            false,
        ),
    }
}

/// A relation between two values of different tables of one version.
#[derive(Debug, Clone, Copy)]
enum Rel {
    /// `a = b`.
    Eq,
    /// `a ≤ factor × b`.
    Le(i64),
}

/// A link instance: `(table, key, measure)` of both sides.
#[derive(Debug, Clone)]
struct Link {
    a: (TableId, CellKey, Measure),
    b: (TableId, CellKey, Measure),
    rel: Rel,
}

fn all_total(key: &CellKey) -> bool {
    key.codes().iter().all(|c| *c == TOTAL)
}

/// The links that involve `measure` of `key` in `table` (see the module documentation).
fn links_of(table: TableId, key: &CellKey, measure: Measure) -> Vec<Link> {
    use Measure as M;
    use TableId as T;
    let mut out = Vec::new();
    let mut push = |a: (T, M), b: (T, M), rel: Rel, akey: CellKey, bkey: CellKey| {
        out.push(Link {
            a: (a.0, akey, a.1),
            b: (b.0, bkey, b.1),
            rel,
        });
    };
    let under18 =
        || CellKey::from_static(vec![TOTAL, TOTAL, crate::report::AgeBand::Under18.code()]);
    let prot_events = [
        (M::EndangeringLife, 1),
        (M::InhumanTreatment, 1),
        (M::Deaths, MAX_PERSONS),
        (M::Injuries, MAX_PERSONS),
    ];
    match (table, measure) {
        (T::Protection, m) => {
            if let Some((_, f)) = prot_events.iter().find(|(pm, _)| *pm == m) {
                push(
                    (T::Protection, m),
                    (T::Movements, M::Events),
                    Rel::Le(*f),
                    key.clone(),
                    key.clone(),
                );
            }
            if m == M::UnaccompaniedMinors {
                push(
                    (T::Protection, m),
                    (T::Movements, M::Persons),
                    Rel::Le(1),
                    key.clone(),
                    key.clone(),
                );
                if all_total(key) {
                    push(
                        (T::Protection, m),
                        (T::Persons, M::Persons),
                        Rel::Le(1),
                        key.clone(),
                        under18(),
                    );
                }
            }
        }
        (T::Movements, M::Events) => {
            for (pm, f) in prot_events {
                push(
                    (T::Protection, pm),
                    (T::Movements, M::Events),
                    Rel::Le(f),
                    key.clone(),
                    key.clone(),
                );
            }
        }
        (T::Movements, M::Persons) => {
            push(
                (T::Protection, M::UnaccompaniedMinors),
                (T::Movements, M::Persons),
                Rel::Le(1),
                key.clone(),
                key.clone(),
            );
            if all_total(key) {
                push(
                    (T::Movements, M::Persons),
                    (T::Persons, M::Persons),
                    Rel::Eq,
                    key.clone(),
                    CellKey::total(T::Persons),
                );
            }
        }
        (T::Persons, M::Persons) => {
            if all_total(key) {
                push(
                    (T::Movements, M::Persons),
                    (T::Persons, M::Persons),
                    Rel::Eq,
                    CellKey::total(T::Movements),
                    key.clone(),
                );
            }
            if *key == under18() {
                push(
                    (T::Protection, M::UnaccompaniedMinors),
                    (T::Persons, M::Persons),
                    Rel::Le(1),
                    CellKey::total(T::Protection),
                    key.clone(),
                );
            }
        }
        _ => {}
    }
    out
}

/// The tables linked to `table` by [`links_of`].
fn linked_tables(table: TableId) -> &'static [TableId] {
    match table {
        TableId::Movements | TableId::Persons | TableId::Protection => {
            &[TableId::Movements, TableId::Persons, TableId::Protection]
        }
        _ => &[],
    }
}

/// The measures linked to `measure` of `table` by [`links_of`] (in any cell).
fn linked_measures(table: TableId, measure: Measure) -> &'static [(TableId, Measure)] {
    use Measure as M;
    use TableId as T;
    const EVENTS: [(T, M); 4] = [
        (T::Protection, M::EndangeringLife),
        (T::Protection, M::InhumanTreatment),
        (T::Protection, M::Deaths),
        (T::Protection, M::Injuries),
    ];
    const PERSONS: [(T, M); 3] = [
        (T::Movements, M::Persons),
        (T::Persons, M::Persons),
        (T::Protection, M::UnaccompaniedMinors),
    ];
    match (table, measure) {
        (T::Movements, M::Events) => &EVENTS,
        (T::Protection, M::EndangeringLife | M::InhumanTreatment | M::Deaths | M::Injuries) => {
            &[(T::Movements, M::Events)]
        }
        (T::Movements | T::Persons, M::Persons) | (T::Protection, M::UnaccompaniedMinors) => {
            &PERSONS
        }
        _ => &[],
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

/// The bounds of a value withheld in the current version (see the module documentation).
fn current_bounds(
    k: i64,
    value: i64,
    status: ConfStatus,
    earlier_published: Option<i64>,
) -> (i64, i64) {
    let (mut lo, mut hi) = match status {
        ConfStatus::Secondary => (k, INF),
        _ if value < k => (1, k - 1),
        _ => (1, INF),
    };
    if let Some(p1) = earlier_published {
        let gap = (value - p1).abs();
        let (l, h) = match (value > p1, gap < k) {
            (true, true) => (p1 + 1, p1 + k - 1),
            (false, true) => (p1 - k + 1, p1 - 1),
            (true, false) => (p1 + k, INF),
            (false, false) => (i64::MIN, p1 - k),
        };
        lo = lo.max(l);
        hi = hi.min(h);
    }
    (lo, hi)
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

    /// Checks that `mv` is a witness: only variables move, every moved value stays in its
    /// bounds, every line through one balances, every link holds.
    fn verify(&self, mv: &Move) -> Result<(), Broken> {
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
    fn cube_move(
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
    fn cube_layers(&self, table: TableId, m: usize, layer: usize, cube: &Cube) -> Vec<usize> {
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
    fn candidates(
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
    #[allow(clippy::too_many_arguments)]
    /// `keep`: variables whose change must stay as it is (what the move is for).
    fn search(
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
    fn withhold_corners(
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
    fn steps(
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
    fn repair(&mut self, mv: &mut Move, allow_new: bool, depth: u8, keep: &[(u32, i64)]) -> bool {
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

    /// Finds a witness moving `var` by exactly `mu` as an integer programme (good_lp over
    /// microlp, branch and bound) over the variables connected to it by lines and
    /// links, when no sum of cubes was found. The solution is checked by
    /// [`Audit::verify`] like any other move: the solver only proposes. Components larger
    /// than [`MILP_MAX_VARS`] are not tried.
    fn milp(&self, var: u32, mu: i64) -> Option<Move> {
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
    fn status_only(&self, var: u32, up: bool) -> Option<i64> {
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
    fn narrow_to_statuses(&mut self, var: u32) -> bool {
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

    /// Every way of meeting `var`, cheapest first, stopping once it is met: witnesses
    /// among withheld values, then with new secondaries, the MILP, the bounds narrowed to
    /// what the statuses allow, and the local last resorts (its lines, then a box).
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
        if !met(self) && self.withhold_lines(var) > 0 {
            self.meet_again(var);
        }
        if !met(self) && self.withhold_box(var) > 0 {
            self.meet_again(var);
        }
    }

    /// After a local last resort withheld more values: every way of meeting `var`
    /// again, cheapest first (cubes without, then with new secondaries, the MILP, and
    /// the bounds narrowed to what the statuses alone allow).
    fn meet_again(&mut self, var: u32) {
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

    /// Withholds every value that may be withheld on the lines through `var` (in the
    /// current version): a local last resort, before the whole table. Returns how many.
    fn withhold_lines(&mut self, var: u32) -> usize {
        let v = self.vars[var as usize].clone();
        let Some(cell) = v.loc[self.current] else {
            return 0;
        };
        let Some(view) = self.view(self.current, v.table) else {
            return 0;
        };
        let p = view.coords[cell as usize];
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
    fn withhold_all(&mut self, which: &BTreeSet<(TableId, usize)>) {
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
    fn withhold_box(&mut self, var: u32) -> usize {
        let v = self.vars[var as usize].clone();
        let Some(cell) = v.loc[self.current] else {
            return 0;
        };
        let Some(view) = self.view(self.current, v.table) else {
            return 0;
        };
        let p = view.coords[cell as usize];
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

    /// Tries the integer programme for the unmet targets of `var`.
    fn meet_by_milp(&mut self, var: u32) {
        let v = self.vars[var as usize].clone();
        let mut dirs = Vec::new();
        if let Some(t) = v.need_lo.filter(|_| !v.met_lo) {
            dirs.push(t - v.value);
        }
        if let Some(t) = v.need_hi.filter(|_| !v.met_hi) {
            dirs.push(t - v.value);
        }
        for mu in dirs {
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

    /// Records verified moves: every value they move reaches what it reaches.
    fn record(&mut self, moves: Vec<Move>) {
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

    /// Narrows the targets of primaries to what the public statuses alone imply, by
    /// interval propagation over the reader's programme in which every published
    /// non-zero value is only known to be at least k: along every line a margin is
    /// between the sums of its members' bounds and a member between the margin's bounds
    /// less the others' sums; along every link likewise. A reader knows these bounds
    /// without reading a single published number (three cells withheld as `A` where one
    /// is the sum of the other two: each is at most k−2), so the requirement is that the
    /// published values narrow nothing further.
    fn status_bounds(&mut self) {
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

    /// Tries to meet the requirement of variable `var`: sums of cubes, then (without new
    /// secondaries) the integer programme; with `allow_new`, the cheapest cube that
    /// withholds published values.
    fn meet(&mut self, var: u32, allow_new: bool) {
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
        let mut dirs: Vec<i64> = Vec::new();
        if let Some(t) = v.need_lo.filter(|_| !v.met_lo) {
            dirs.push(t - v.value);
        }
        if let Some(t) = v.need_hi.filter(|_| !v.met_hi) {
            dirs.push(t - v.value);
        }
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

/// Primary suppression of the current version (see the module documentation of
/// [`super`]): small counts, values of a cell whose contributors are fewer than k, the
/// differencing guard; and for a revision, the values the earlier version withheld
/// (still withheld as `D` unless primary now or zero). Values an earlier version
/// published and that did not change are never withheld (the reader has them).
fn primaries(
    period: &PeriodTables<'_>,
    earlier: Option<&Earlier<'_>>,
) -> BTreeMap<TableId, BTreeMap<CellKey, BTreeMap<Measure, ConfStatus>>> {
    let k = i64::from(period.k);
    let small = |v: i64| v > 0 && v < k;
    let empty = Cells::new();
    let cells_of = |t: TableId| period.cells.get(&t).unwrap_or(&empty);
    let earlier_of =
        |t: TableId| earlier.and_then(|e| Some((e.cells.get(&t)?, e.suppression.get(&t)?)));
    // The earlier published value, if the earlier version published it.
    let published = |t: TableId, key: &CellKey, i: usize| -> Option<i64> {
        let (cells, sup) = earlier_of(t)?;
        let m = t.count_measures()[i];
        (!sup.is_withheld(key, m))
            .then(|| cells.get(key).and_then(|v| v.get(i)).copied().unwrap_or(0))
    };
    let guarded = |t: TableId, key: &CellKey, i: usize, v: i64| {
        published(t, key, i).is_some_and(|p| {
            let gap = v.abs_diff(p);
            gap > 0 && gap < k.unsigned_abs()
        })
    };
    let mut out = BTreeMap::new();
    for &table in period.audited {
        let measures = table.count_measures();
        let (ft, fm) = table.frequency_table();
        let fi = ft
            .stored_measures()
            .iter()
            .position(|m| *m == fm)
            .unwrap_or(0);
        let mut withheld: BTreeMap<CellKey, BTreeMap<Measure, ConfStatus>> = BTreeMap::new();
        for (key, vals) in cells_of(table) {
            let freq = cells_of(ft)
                .get(key)
                .and_then(|v| v.get(fi))
                .copied()
                .unwrap_or(0);
            let freq_flag = small(freq)
                || (period.audited.contains(&ft)
                    && fi < ft.count_measures().len()
                    && guarded(ft, key, fi, freq));
            let mut m = BTreeMap::new();
            for (i, (&v, &measure)) in vals.iter().zip(measures).enumerate() {
                if v == 0 || published(table, key, i) == Some(v) {
                    continue;
                }
                if freq_flag || small(v) || guarded(table, key, i, v) {
                    m.insert(measure, ConfStatus::Primary);
                } else if earlier_of(table).is_some_and(|(_, s)| s.is_withheld(key, measure)) {
                    m.insert(measure, ConfStatus::Secondary);
                }
            }
            if !m.is_empty() {
                withheld.insert(key.clone(), m);
            }
        }
        out.insert(table, withheld);
    }
    out
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
    let mut i = 0;
    while i < audit.vars.len() {
        let var = u32::try_from(i).unwrap_or(NO_VAR);
        audit.meet_every_way(var);
        i += 1;
    }
    // Last resort: where a requirement is still unmet, withhold every value of the
    // measure, and of every table and measure linked to it, that may be withheld. Then
    // no published value of this version is left in that system, so the reader's
    // programme is the one of the statuses alone: published values narrow nothing, which
    // is the requirement (see the module documentation). Counted in `fallbacks`.
    // The measure of the table, with the measures linked to it (transitively): once all
    // of them are withheld, no published value is left in that system.
    let mut unmet: BTreeSet<(TableId, usize)> = BTreeSet::new();
    let mut todo: Vec<(TableId, Measure)> = audit
        .vars
        .iter()
        .filter(|v| !v.met())
        .map(|v| (v.table, v.table.count_measures()[v.m]))
        .collect();
    while let Some((t, m)) = todo.pop() {
        let Some(mi) = t.count_measures().iter().position(|x| *x == m) else {
            continue;
        };
        if unmet.insert((t, mi)) {
            todo.extend(linked_measures(t, m).iter().copied());
        }
    }
    audit.withhold_all(&unmet);
    for v in audit.vars.iter_mut() {
        if unmet.contains(&(v.table, v.m)) {
            v.need_lo = None;
            v.need_hi = None;
            v.either = false;
        }
    }
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

/// A line of a table: the layer, table, measure, the dimension it runs along and the
/// packed coordinates of the others.
type LineKey = (usize, TableId, usize, usize, u64);

/// A link between two values in a neighbourhood programme: the layer, then each side's
/// table, cell and measure.
type LinkRow = (usize, TableId, CellKey, Measure, TableId, CellKey, Measure);

/// Advances `idx` to the next combination of the mixed-radix counter whose digit `d`
/// runs over `0..len(d)`; false once every combination has been seen.
fn odometer(idx: &mut [usize], len: impl Fn(usize) -> usize) -> bool {
    for (d, i) in idx.iter_mut().enumerate() {
        *i += 1;
        if *i < len(d) {
            return true;
        }
        *i = 0;
    }
    false
}
