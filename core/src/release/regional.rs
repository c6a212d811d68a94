//! Regional tables: the sum of the States' releases of one table and period, withheld cells as lower bounds.

use super::*;

// ---------------------------------------------------------------------------------------
// Regional sums
// ---------------------------------------------------------------------------------------

/// One regional value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionalValue {
    /// Sum of the national values published.
    pub value: i64,
    /// At least one national value of this cell was withheld (suppressed, or `<k`): the
    /// value is not exact. Under threshold the true total is at least `value`; with a
    /// noise release among the inputs it is only the sum of what was shown.
    pub lower_bound: bool,
    /// No input published it (every national value withheld): `value` (0) says
    /// nothing, and the value is shown empty, never as 0.
    pub withheld: bool,
}

/// One cell of a regional table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionalCell {
    /// The cell.
    pub key: CellKey,
    /// One value per count measure of the table ([`TableId::count_measures`]).
    pub values: Vec<(Measure, RegionalValue)>,
}

/// A secretariat's regional table: national releases of one table and period summed
/// cell by cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionalTable {
    /// The table.
    pub table: TableId,
    /// The period.
    pub period: Period,
    /// Code lists of the inputs.
    pub code_list_version: String,
    /// The States summed, sorted.
    pub origins: Vec<Iso3>,
    /// Every cell listed in at least one input, sorted by key.
    pub cells: Vec<RegionalCell>,
}

/// Sums national releases of one table and period (one release per origin, same code
/// lists) cell by cell, for every count measure (medians are not summable). A cell no
/// input lists is not listed: it is zero when every input is a threshold release. A
/// regional value that includes a withheld national value is flagged as a lower bound,
/// never shown as exact. Only published values enter the sums, so the secretariat learns
/// nothing the national releases do not show.
pub fn regional_sum(releases: &[Release]) -> Result<RegionalTable, ReleaseError> {
    let first = releases
        .first()
        .ok_or(ReleaseError::Combine("no release to sum"))?;
    if releases.iter().any(|r| {
        r.table != first.table
            || r.period != first.period
            || r.code_list_version != first.code_list_version
    }) {
        return Err(ReleaseError::Combine(
            "releases of different tables, periods or code lists",
        ));
    }
    let origins: BTreeSet<Iso3> = releases.iter().map(|r| r.origin).collect();
    if origins.len() != releases.len() {
        return Err(ReleaseError::Combine("two releases of the same origin"));
    }
    let keys: BTreeSet<&CellKey> = releases
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| &c.key))
        .collect();
    let measures = first.table.count_measures();
    let mut cells = Vec::with_capacity(keys.len());
    for key in keys {
        let mut values: BTreeMap<Measure, RegionalValue> = BTreeMap::new();
        for &m in measures {
            let mut v = RegionalValue {
                value: 0,
                lower_bound: false,
                withheld: true,
            };
            for r in releases {
                match r.published(key, m) {
                    Some(x) => {
                        v.value = v.value.saturating_add(x);
                        v.withheld = false;
                    }
                    None => v.lower_bound = true,
                }
            }
            values.insert(m, v);
        }
        cells.push(RegionalCell {
            key: key.clone(),
            values: measures
                .iter()
                .filter_map(|m| values.get(m).map(|v| (*m, *v)))
                .collect(),
        });
    }
    Ok(RegionalTable {
        table: first.table,
        period: first.period,
        code_list_version: first.code_list_version.clone(),
        origins: origins.into_iter().collect(),
        cells,
    })
}

impl RegionalTable {
    /// The value of `measure` in `key`, if the cell is listed.
    pub fn get(&self, key: &CellKey, measure: Measure) -> Option<RegionalValue> {
        let i = self.cells.binary_search_by(|c| c.key.cmp(key)).ok()?;
        self.cells
            .get(i)?
            .values
            .iter()
            .find(|(m, _)| *m == measure)
            .map(|(_, v)| *v)
    }

    /// Plain CSV (CRLF line ends):
    /// `REGION,TIME_PERIOD,TABLE,<dimensions>,MEASURE,OBS_VALUE,LOWER_BOUND`, where REGION
    /// is the `+`-joined list of States summed and LOWER_BOUND is `true` or `false`;
    /// OBS_VALUE is empty (and LOWER_BOUND true) where every State withheld the value.
    pub fn to_csv(&self) -> String {
        let region: Vec<&str> = self.origins.iter().map(|o| o.as_str()).collect();
        let region = region.join("+");
        let mut out = String::from("REGION,TIME_PERIOD,TABLE,");
        for d in self.table.dimensions() {
            out.push_str(d.id);
            out.push(',');
        }
        out.push_str("MEASURE,OBS_VALUE,LOWER_BOUND");
        out.push_str(CRLF);
        for c in &self.cells {
            for (m, v) in &c.values {
                out.push_str(&format!(
                    "{region},{},{},{},{m},{},{}{CRLF}",
                    self.period,
                    self.table,
                    c.key.codes().join(","),
                    if v.withheld {
                        String::new()
                    } else {
                        v.value.to_string()
                    },
                    v.lower_bound
                ));
            }
        }
        out
    }

    /// JSON: identity, States summed, and cells with keys by dimension id and values
    /// with their lower-bound flags (`value` null and `withheld` true where every State
    /// withheld it).
    pub fn to_json(&self) -> String {
        let dims: Vec<&str> = self.table.dimensions().iter().map(|d| d.id).collect();
        let cells: Vec<Value> = self
            .cells
            .iter()
            .map(|c| {
                let key = key_json(&dims, &c.key);
                let values: Vec<Value> = c
                    .values
                    .iter()
                    .map(|(m, v)| {
                        json!({
                            "measure": m.code(),
                            "value": if v.withheld { Value::Null } else { json!(v.value) },
                            "lower_bound": v.lower_bound,
                            "withheld": v.withheld,
                        })
                    })
                    .collect();
                json!({ "key": key, "values": values })
            })
            .collect();
        json!({
            "table": self.table.code(),
            "period": self.period.to_string(),
            "code_list_version": self.code_list_version,
            "origins": self.origins.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            "dimensions": dims,
            "cells": cells,
        })
        .to_string()
    }
}
