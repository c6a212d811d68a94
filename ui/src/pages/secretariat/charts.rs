//! The charts of one table, driven by its definition (dimensions, measures, code lists),
//! not written per table: its total over the periods per State and for the region, its
//! measures at the total, a matrix of two of its dimensions (origin → destination for
//! the route tables), one breakdown per dimension, and for `FEES` the States' medians.

use std::collections::{BTreeMap, BTreeSet};

use maud::{Markup, html};
use vrs_client::region::{self, Fetched, RegionError};
use vrs_core::aggregate::{CellKey, Dimension, Measure, TableId};
use vrs_core::codes::TOTAL;
use vrs_core::disclosure::{ObsStatus, Policy};
use vrs_core::release::{RegionalTable, Release};

use crate::chart::{self, Figure, Mark, Series, Tag, Value};
use crate::text::t;

/// At most this many categories are drawn in one chart (the table view has all).
const MOST_BARS: usize = 20;
/// At most this many rows and columns in a matrix.
const MOST_SIDE: usize = 14;

/// What the charts are drawn from.
pub struct Data<'a> {
    /// The node that listed the releases.
    pub endpoint: &'a str,
    /// The periods chosen, in order.
    pub periods: &'a [String],
    /// The States chosen.
    pub states: &'a [String],
    /// The States summed: empty when every State held is chosen (as `vrs region table`
    /// without `--states`).
    pub summed: &'a BTreeSet<String>,
    /// The period of the breakdowns.
    pub at: &'a str,
    /// Every release chosen, fetched and opened.
    pub fetched: &'a [Fetched],
}

type Regional = Result<(RegionalTable, Vec<Release>), RegionError>;

impl Data<'_> {
    fn regional(&self, table: TableId, period: &str) -> Regional {
        region::regional(
            self.endpoint,
            table.code(),
            period,
            self.summed,
            self.fetched,
        )
    }

    fn national(&self, table: TableId, state: &str, period: &str) -> Option<&Release> {
        self.fetched
            .iter()
            .find(|f| {
                f.info.table == table.code() && f.info.origin == state && f.info.period == period
            })
            .and_then(|f| f.outcome.as_ref().ok().map(|(r, _)| r))
    }
}

/// The value of a regional table's cell; a cell no State lists is zero when every
/// release summed is a threshold release, else unknown.
fn region_value(rt: &RegionalTable, releases: &[Release], key: &CellKey, m: Measure) -> Value {
    match rt.get(key, m) {
        Some(v) => Value::regional(&v),
        None if releases
            .iter()
            .all(|r| matches!(r.policy, Policy::Threshold { .. })) =>
        {
            Value::Exact(0)
        }
        None => Value::Withheld,
    }
}

fn sdmx_key(key: &CellKey) -> String {
    key.codes().join(".")
}

fn code_label(d: &Dimension, code: &str) -> String {
    d.codes.label(code).unwrap_or(code).to_owned()
}

fn tag(table: TableId, key: &CellKey, m: Measure, period: &str, state: &str) -> Tag {
    Tag {
        table: table.code(),
        key: sdmx_key(key),
        measure: m.code(),
        period: period.to_owned(),
        state: state.to_owned(),
    }
}

/// Every chart of `table`.
pub fn table_charts(table: TableId, data: &Data) -> Markup {
    let at = data.regional(table, data.at);
    html! {
        (series(table, data))
        @match &at {
            Ok((rt, releases)) => {
                @if table.count_measures().len() > 1 { (measures(table, data.at, rt, releases)) }
                (matrix(table, data.at, rt, releases))
                @for (i, _) in table.dimensions().iter().enumerate() { (margin(table, i, data.at, rt, releases)) }
            }
            Err(e) => { (problems(table, data.at, e)) }
        }
        @if table == TableId::Fees { (medians(data)) }
    }
}

/// Why a table has no regional values: every missing or refused release.
pub fn problems(table: TableId, period: &str, e: &RegionError) -> Markup {
    html! {
        div.panel.bad role="status" data-table=(table.code()) data-period=(period) {
            p { (t().secretariat.no_regional) " · " (table.code()) " " (period) ": " (e) }
            @if let RegionError::Problems { problems, .. } = e {
                ul { @for p in problems { li { (p) } } }
            }
        }
    }
}

fn lower(table: TableId) -> String {
    table.code().to_ascii_lowercase()
}

fn series(table: TableId, data: &Data) -> Markup {
    let s = &t().secretariat;
    let m = table
        .count_measures()
        .first()
        .copied()
        .unwrap_or(Measure::Events);
    let total = CellKey::total(table);
    let mut all: Vec<Series> = data
        .states
        .iter()
        .map(|state| Series {
            name: state.clone(),
            marks: data
                .periods
                .iter()
                .map(|p| Mark {
                    label: format!("{state} {p}"),
                    value: data
                        .national(table, state, p)
                        .map_or(Value::Missing, |r| Value::national(r.published(&total, m))),
                    tag: tag(table, &total, m, p, state),
                })
                .collect(),
        })
        .collect();
    all.push(Series {
        name: s.region.to_owned(),
        marks: data
            .periods
            .iter()
            .map(|p| Mark {
                label: format!("{} {p}", s.region),
                value: match data.regional(table, p) {
                    Ok((rt, rs)) => region_value(&rt, &rs, &total, m),
                    Err(_) => Value::Missing,
                },
                tag: tag(table, &total, m, p, "region"),
            })
            .collect(),
    });
    let fig = Figure {
        id: format!("{}-series", lower(table)),
        caption: format!("{}: {} {}", table.code(), m.label(), s.series_caption),
        note: s.series_note.to_owned(),
    };
    chart::lines(&fig, data.periods, &all)
}

fn measures(table: TableId, at: &str, rt: &RegionalTable, releases: &[Release]) -> Markup {
    let total = CellKey::total(table);
    let marks: Vec<Mark> = table
        .count_measures()
        .iter()
        .map(|&m| Mark {
            label: m.label().to_owned(),
            value: region_value(rt, releases, &total, m),
            tag: tag(table, &total, m, at, "region"),
        })
        .collect();
    let fig = Figure {
        id: format!("{}-measures", lower(table)),
        caption: format!(
            "{} {at}: {}",
            table.code(),
            t().secretariat.measures_caption
        ),
        note: String::new(),
    };
    chart::bars(&fig, &marks)
}

/// The two dimensions of the matrix: origin → destination where the table has them,
/// else its first two.
fn matrix_dims(table: TableId) -> (usize, usize) {
    let dims = table.dimensions();
    let find = |id: &str| dims.iter().position(|d| d.id == id);
    match (find("ORIGIN"), find("DESTINATION")) {
        (Some(a), Some(b)) => (a, b),
        _ => (0, 1),
    }
}

/// The cells of `rt` whose dimensions `free` are specific codes and all others `_T`.
fn cells_with<'a>(rt: &'a RegionalTable, free: &[usize]) -> impl Iterator<Item = &'a CellKey> + 'a {
    let free = free.to_vec();
    rt.cells.iter().map(|c| &c.key).filter(move |k| {
        k.codes()
            .iter()
            .enumerate()
            .all(|(i, code)| (*code == TOTAL) != free.contains(&i))
    })
}

/// Codes in the order of their weight (the sum of what is known of them), heaviest first.
fn by_weight(weights: BTreeMap<&'static str, i64>) -> Vec<&'static str> {
    let mut v: Vec<(&'static str, i64)> = weights.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().map(|(c, _)| c).collect()
}

fn matrix(table: TableId, at: &str, rt: &RegionalTable, releases: &[Release]) -> Markup {
    let s = &t().secretariat;
    let (a, b) = matrix_dims(table);
    let dims = table.dimensions();
    let (Some(da), Some(db)) = (dims.get(a), dims.get(b)) else {
        return html! {};
    };
    let m = table
        .count_measures()
        .first()
        .copied()
        .unwrap_or(Measure::Events);
    let keys: Vec<&CellKey> = cells_with(rt, &[a, b]).collect();
    let mut rw = BTreeMap::new();
    let mut cw = BTreeMap::new();
    for k in &keys {
        let n = region_value(rt, releases, k, m).number().unwrap_or(0);
        if let (Some(r), Some(c)) = (k.codes().get(a), k.codes().get(b)) {
            *rw.entry(*r).or_insert(0) += n;
            *cw.entry(*c).or_insert(0) += n;
        }
    }
    let rows: Vec<&str> = by_weight(rw).into_iter().take(MOST_SIDE).collect();
    let cols: Vec<&str> = by_weight(cw).into_iter().take(MOST_SIDE).collect();
    let cells: Vec<Vec<Option<Mark>>> = rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|c| {
                    let key = keys
                        .iter()
                        .find(|k| k.codes().get(a) == Some(r) && k.codes().get(b) == Some(c))?;
                    Some(Mark {
                        label: format!("{} → {}", code_label(da, r), code_label(db, c)),
                        value: region_value(rt, releases, key, m),
                        tag: tag(table, key, m, at, "region"),
                    })
                })
                .collect()
        })
        .collect();
    let fig = Figure {
        id: format!("{}-matrix", lower(table)),
        caption: format!(
            "{} {at}: {} · {} ({}) × {} ({}), {}",
            table.code(),
            m.label(),
            da.name,
            s.rows,
            db.name,
            s.cols,
            s.matrix_caption
        ),
        note: s.matrix_note.to_owned(),
    };
    let row_names: Vec<String> = rows.iter().map(|r| code_label(da, r)).collect();
    let col_names: Vec<String> = cols.iter().map(|c| (*c).to_owned()).collect();
    chart::matrix(&fig, &row_names, &col_names, &cells)
}

fn margin(table: TableId, d: usize, at: &str, rt: &RegionalTable, releases: &[Release]) -> Markup {
    let s = &t().secretariat;
    let Some(dim) = table.dimensions().get(d) else {
        return html! {};
    };
    let m = table
        .count_measures()
        .first()
        .copied()
        .unwrap_or(Measure::Events);
    let mut marks: Vec<Mark> = cells_with(rt, &[d])
        .map(|k| Mark {
            label: k
                .codes()
                .get(d)
                .map_or_else(String::new, |c| code_label(dim, c)),
            value: region_value(rt, releases, k, m),
            tag: tag(table, k, m, at, "region"),
        })
        .collect();
    marks.sort_by(|x, y| {
        y.value
            .number()
            .cmp(&x.value.number())
            .then(x.label.cmp(&y.label))
    });
    let shown = marks.len().min(MOST_BARS);
    let fig = Figure {
        id: format!("{}-by-{}", lower(table), dim.id.to_ascii_lowercase()),
        caption: format!(
            "{} {at}: {} {} {}, {}",
            table.code(),
            m.label(),
            s.margin_caption,
            dim.name,
            s.matrix_caption
        ),
        note: if shown < marks.len() {
            format!("{shown} / {} {}", marks.len(), s.drawn_of)
        } else {
            String::new()
        },
    };
    let drawn = chart::bars(&fig, marks.get(..shown).unwrap_or_default());
    if shown < marks.len() {
        // The drawing has the heaviest; the table view of a second figure has them all.
        let all = Figure {
            id: format!("{}-all", fig.id),
            ..fig.clone()
        };
        html! { (drawn) details { summary { (all.note) } (chart::bars(&all, &marks)) } }
    } else {
        drawn
    }
}

/// `FEES`: each State's medians, by route, basis and currency (never summed).
fn medians(data: &Data) -> Markup {
    let s = &t().secretariat;
    let table = TableId::Fees;
    let dims = table.dimensions();
    let mut marks = Vec::new();
    for state in data.states {
        let Some(r) = data.national(table, state, data.at) else {
            continue;
        };
        for c in &r.cells {
            let codes = c.key.codes();
            if !table.has_median(&c.key) || codes.iter().take(2).any(|x| *x == TOTAL) {
                continue;
            }
            let Some(o) = c.observation(Measure::MedianAmount) else {
                continue;
            };
            if o.obs_status == ObsStatus::Missing {
                continue;
            }
            let label = dims
                .iter()
                .zip(codes)
                .map(|(_, code)| *code)
                .collect::<Vec<_>>();
            marks.push(Mark {
                label: format!("{state}: {}", route_label(&label)),
                value: Value::national(o.value),
                tag: tag(table, &c.key, Measure::MedianAmount, data.at, state),
            });
        }
    }
    let fig = Figure {
        id: "fees-medians".to_owned(),
        caption: format!("FEES {}: {}", data.at, s.medians_caption),
        note: s.medians_note.to_owned(),
    };
    chart::bars(&fig, &marks)
}

fn route_label(codes: &[&str]) -> String {
    match codes {
        [o, d, rest @ ..] => format!("{o} → {d} {}", rest.join(" ")),
        _ => codes.join(" "),
    }
}
