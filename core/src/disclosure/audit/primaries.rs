//! Primary suppression, and the bounds and requirement of each withheld value.

use super::*;

/// What the requirement of a withheld value is, from its bounds and status.
pub(super) fn needs(
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

/// The bounds of a value withheld in the current version (see the module documentation).
pub(super) fn current_bounds(
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

/// Primary suppression of the current version (see the module documentation of
/// [`super`]): small counts, values of a cell whose contributors are fewer than k, the
/// differencing guard; and for a revision, the values the earlier version withheld
/// (still withheld as `D` unless primary now or zero). Values an earlier version
/// published and that did not change are never withheld (the reader has them).
pub(super) fn primaries(
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
