//! What a release withheld (kept by the node, never sent), and the earlier version a revision is audited with.

use super::*;

/// The true values a release withheld. The node keeps them privately, never sends them,
/// so that a revision can be audited together with the version it revises.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Withheld {
    /// Table → cell → measure → true value.
    pub values: BTreeMap<TableId, BTreeMap<CellKey, BTreeMap<Measure, i64>>>,
}

impl Withheld {
    /// JSON: `{"TABLE": [["CODE.CODE.CODE", "MEASURE", value], …], …}`.
    pub fn to_json(&self) -> String {
        let obj: serde_json::Map<String, Value> = self
            .values
            .iter()
            .map(|(t, cells)| {
                let rows: Vec<Value> = cells
                    .iter()
                    .flat_map(|(key, ms)| {
                        ms.iter()
                            .map(move |(m, v)| json!([key.codes().join("."), m.code(), v]))
                    })
                    .collect();
                (t.code().to_owned(), Value::Array(rows))
            })
            .collect();
        Value::Object(obj).to_string()
    }

    /// Parses [`Withheld::to_json`].
    pub fn from_json(s: &str) -> Result<Withheld, ReleaseError> {
        let bad = |m: &str| ReleaseError::invalid("withheld", m.to_owned());
        let v: Value = serde_json::from_str(s).map_err(|e| bad(&e.to_string()))?;
        let obj = v.as_object().ok_or_else(|| bad("not an object"))?;
        let mut out = Withheld::default();
        for (t, rows) in obj {
            let table = TableId::parse(t).map_err(|e| bad(&e.to_string()))?;
            for row in rows.as_array().ok_or_else(|| bad("not an array"))? {
                let (Some(key), Some(m), Some(value)) = (
                    row.get(0).and_then(Value::as_str),
                    row.get(1).and_then(Value::as_str),
                    row.get(2).and_then(Value::as_i64),
                ) else {
                    return Err(bad("row is not [key, measure, value]"));
                };
                let codes: Vec<&str> = key.split('.').collect();
                let key = CellKey::parse(table, &codes).map_err(|e| bad(&e.to_string()))?;
                let m = Measure::from_code(m).ok_or_else(|| bad("unknown measure"))?;
                out.values
                    .entry(table)
                    .or_default()
                    .entry(key)
                    .or_default()
                    .insert(m, value);
            }
        }
        Ok(out)
    }
}

/// The earlier version of a period, for its revision: its releases and the values they
/// withheld.
#[derive(Debug, Clone, Copy)]
pub struct EarlierVersion<'a> {
    /// The releases of the earlier version (every table of the period).
    pub releases: &'a [Release],
    /// What its threshold releases withheld.
    pub withheld: &'a Withheld,
}

/// The releases of one period, all tables together.
#[derive(Debug, Clone)]
pub struct PeriodReleases {
    /// One release per table, in [`TableId::ALL`] order.
    pub releases: Vec<Release>,
    /// What the threshold releases withheld (kept privately by the node).
    pub withheld: Withheld,
    /// The audit, when any table is under the threshold policy.
    pub audit: Option<disclosure::audit::Protected>,
}

/// The true cells and the suppression of each table of an earlier version.
type EarlierTables = (BTreeMap<TableId, Cells>, BTreeMap<TableId, Suppression>);

/// The true cells and the suppression of an earlier version, from its threshold
/// releases and their withheld values.
pub(super) fn earlier_tables(e: &EarlierVersion<'_>) -> Result<EarlierTables, ReleaseError> {
    let mut cells = BTreeMap::new();
    let mut sups = BTreeMap::new();
    for r in e
        .releases
        .iter()
        .filter(|r| matches!(r.policy, Policy::Threshold { .. }))
    {
        let counts = r.table.count_measures();
        let mut t = Cells::new();
        let mut withheld: BTreeMap<CellKey, BTreeMap<Measure, ConfStatus>> = BTreeMap::new();
        let secret = e.withheld.values.get(&r.table);
        for c in &r.cells {
            let mut vals = Vec::with_capacity(counts.len());
            for &m in counts {
                let o = c
                    .observation(m)
                    .ok_or(ReleaseError::Previous("an earlier release lacks a measure"))?;
                let v = match o.value {
                    Some(v) => v,
                    None => {
                        withheld
                            .entry(c.key.clone())
                            .or_default()
                            .insert(m, o.conf_status);
                        secret
                            .and_then(|s| s.get(&c.key))
                            .and_then(|s| s.get(&m))
                            .copied()
                            .ok_or(ReleaseError::Previous(
                                "the values the earlier version withheld are not known: it cannot be audited with a revision",
                            ))?
                    }
                };
                vals.push(v);
            }
            t.insert(c.key.clone(), vals);
        }
        cells.insert(r.table, t);
        sups.insert(r.table, Suppression::from_statuses(withheld));
    }
    Ok((cells, sups))
}
