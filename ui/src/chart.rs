//! Charts drawn as SVG on the server: no script, no library in the browser, and the
//! numbers a chart shows are in the page as a table beside it (the figure's toggle
//! switches between the two, see `assets/app.js`).
//!
//! A value is exact, a lower bound (some State withheld its part: drawn with a `≥`
//! and the class `lower-bound`), withheld (hatched, labelled, class `withheld`, never a
//! bar of zero length and never a point at zero) or missing (no release). Every mark
//! carries its data: `data-table`, `data-key` (the cell's SDMX key), `data-measure`,
//! `data-period`, `data-state` (`region` or the State) and, when it has one,
//! `data-value`.

use maud::{Markup, html};
use vrs_core::release::RegionalValue;

use crate::text::t;

/// One value as a chart shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// Published, exact.
    Exact(i64),
    /// At least this much: some part of it was withheld.
    AtLeast(i64),
    /// Withheld: nothing is known of it.
    Withheld,
    /// No release holds it.
    Missing,
}

impl Value {
    /// A regional value.
    pub fn regional(v: &RegionalValue) -> Value {
        match (v.withheld, v.lower_bound) {
            (true, _) => Value::Withheld,
            (false, true) => Value::AtLeast(v.value),
            (false, false) => Value::Exact(v.value),
        }
    }

    /// A national value: `Some` published, `None` withheld.
    pub fn national(v: Option<i64>) -> Value {
        v.map_or(Value::Withheld, Value::Exact)
    }

    /// The number drawn, if any.
    pub fn number(self) -> Option<i64> {
        match self {
            Value::Exact(v) | Value::AtLeast(v) => Some(v),
            Value::Withheld | Value::Missing => None,
        }
    }

    /// As a person reads it.
    pub fn text(self) -> String {
        let s = &t().secretariat;
        match self {
            Value::Exact(v) => v.to_string(),
            Value::AtLeast(v) => format!("{}{v}", s.at_least),
            Value::Withheld => s.withheld.to_owned(),
            Value::Missing => s.no_release.to_owned(),
        }
    }

    /// Its class.
    pub fn class(self) -> &'static str {
        match self {
            Value::Exact(_) => "exact",
            Value::AtLeast(_) => "lower-bound",
            Value::Withheld => "withheld",
            Value::Missing => "missing",
        }
    }
}

/// What a mark is of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    /// Table id.
    pub table: &'static str,
    /// SDMX key of the cell, e.g. `SEA.LKA.AUS`.
    pub key: String,
    /// Measure id.
    pub measure: &'static str,
    /// SDMX period.
    pub period: String,
    /// `region`, or the State.
    pub state: String,
}

/// One value drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// What it is, for people.
    pub label: String,
    /// The value.
    pub value: Value,
    /// What it is, for machines.
    pub tag: Tag,
}

/// A figure's identity and words.
#[derive(Debug, Clone, Default)]
pub struct Figure {
    /// Element id (unique in the page).
    pub id: String,
    /// Caption.
    pub caption: String,
    /// A note under the caption (what is drawn, what is left out).
    pub note: String,
}

/// A series of a line chart: one mark per period.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// One mark per period, in the chart's period order.
    pub marks: Vec<Mark>,
}

/// Colours of the series (the region last, darkest), all at least 4.5:1 on white.
const PALETTE: [&str; 6] = [
    "#0b6e4f", "#a23b00", "#5b2a86", "#005f99", "#7a4a00", "#8a1c4a",
];
const REGION_COLOUR: &str = "#1a1a1a";
const BAR: &str = "#0b4f8a";

fn hatch(id: &str) -> Markup {
    html! {
        defs {
            pattern id=(format!("{id}-hatch")) patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)" {
                rect width="6" height="6" fill="#fff4e0" {}
                rect width="2" height="6" fill="#7a4a00" {}
            }
        }
    }
}

/// A mark's `<title>` (read by screen readers and shown on hover).
fn title(m: &Mark) -> Markup {
    html! { title { (m.label) ": " (m.value.text()) } }
}

fn legend() -> Markup {
    let s = &t().secretariat;
    html! {
        p.legend.muted {
            span.key-withheld { (s.legend_withheld) } " "
            span.key-lower { (s.legend_lower_bound) }
        }
    }
}

/// The figure: caption, toggle, drawing and its table.
fn figure(fig: &Figure, kind: &str, svg: Markup, table: Markup) -> Markup {
    html! {
        figure.chart id=(fig.id) data-kind=(kind) {
            figcaption elementtiming=(fig.id) { (fig.caption) }
            @if !fig.note.is_empty() { p.muted.note { (fig.note) } }
            button.secondary type="button" data-toggle="" aria-pressed="false" aria-controls=(fig.id) { (t().common.show_table) }
            (svg)
            (legend())
            div.table-view { (table) }
        }
    }
}

fn cell(v: Value) -> Markup {
    html! { td.num class=(v.class()) { (v.text()) } }
}

macro_rules! mark_attrs {
    ($el:ident . $class:ident, $m:ident, $($rest:tt)*) => {
        html! {
            $el class=(format!("mark {} {}", stringify!($class), $m.value.class())) data-table=($m.tag.table) data-key=($m.tag.key)
                data-measure=($m.tag.measure) data-period=($m.tag.period) data-state=($m.tag.state)
                data-value=[$m.value.number()] $($rest)*
        }
    };
}

/// Horizontal bars, one per mark.
pub fn bars(fig: &Figure, marks: &[Mark]) -> Markup {
    const LABEL: i64 = 230;
    const AREA: i64 = 330;
    const ROW: i64 = 22;
    let max = marks
        .iter()
        .filter_map(|m| m.value.number())
        .max()
        .unwrap_or(1)
        .max(1);
    let height = ROW * i64::try_from(marks.len()).unwrap_or(0) + 8;
    let hatch_fill = format!("url(#{}-hatch)", fig.id);
    let s = &t().secretariat;
    let svg = html! {
        svg viewBox=(format!("0 0 {} {height}", LABEL + AREA + 90)) width=(LABEL + AREA + 90) height=(height) role="img" aria-label=(fig.caption) {
            (hatch(&fig.id))
            @for (i, m) in marks.iter().enumerate() {
                @let y = ROW * i64::try_from(i).unwrap_or(0) + 4;
                g {
                    (title(m))
                    text x=(LABEL - 6) y=(y + 13) text-anchor="end" { (truncate(&m.label, 34)) }
                    @match m.value {
                        Value::Exact(v) | Value::AtLeast(v) => {
                            @let w = v * AREA / max;
                            (mark_attrs!(rect.bar, m, x=(LABEL) y=(y) width=(w) height="16" fill=(BAR) {}))
                            @if matches!(m.value, Value::AtLeast(_)) {
                                rect.beyond x=(LABEL + w) y=(y) width="24" height="16" fill="none" stroke=(BAR) stroke-dasharray="3 2" {}
                            }
                            text.value x=(LABEL + w + if matches!(m.value, Value::AtLeast(_)) { 30 } else { 6 }) y=(y + 13) { (m.value.text()) }
                        }
                        Value::Withheld => {
                            (mark_attrs!(rect.bar, m, x=(LABEL) y=(y) width=(AREA) height="16" fill=(hatch_fill) {}))
                            text.value x=(LABEL + 8) y=(y + 13) { (s.withheld) }
                        }
                        Value::Missing => {
                            (mark_attrs!(g.bar, m, {}))
                            text.value.muted x=(LABEL + 6) y=(y + 13) { (s.no_release) }
                        }
                    }
                }
            }
        }
    };
    let table = html! {
        table {
            thead { tr { th scope="col" { (s.col_category) } th.num scope="col" { (s.col_value) } } }
            tbody { @for m in marks { tr { th scope="row" { (m.label) } (cell(m.value)) } } }
        }
    };
    figure(fig, "bars", svg, table)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Lines over `periods`, one per series (the last is drawn as the region). A withheld
/// point is drawn in the band above the plot, never on the axis; a line breaks there.
pub fn lines(fig: &Figure, periods: &[String], series: &[Series]) -> Markup {
    const LEFT: i64 = 60;
    const PLOT_W: i64 = 560;
    const PLOT_H: i64 = 200;
    const LEGEND_W: i64 = 150;
    let band = 14 * i64::try_from(series.len()).unwrap_or(0) + 6;
    let top = band + 10;
    let max = series
        .iter()
        .flat_map(|s| s.marks.iter().filter_map(|m| m.value.number()))
        .max()
        .unwrap_or(1)
        .max(1);
    let n = i64::try_from(periods.len()).unwrap_or(1).max(1);
    let x = |i: usize| LEFT + 20 + (PLOT_W - 40) * i64::try_from(i).unwrap_or(0) / (n - 1).max(1);
    let y = |v: i64| top + PLOT_H - v * PLOT_H / max;
    let height = top + PLOT_H + 64;
    let hatch_fill = format!("url(#{}-hatch)", fig.id);
    let colour = |i: usize| {
        if i + 1 == series.len() {
            REGION_COLOUR
        } else {
            PALETTE.get(i % PALETTE.len()).copied().unwrap_or(BAR)
        }
    };
    let svg = html! {
        svg viewBox=(format!("0 0 {} {height}", LEFT + PLOT_W + LEGEND_W)) width=(LEFT + PLOT_W + LEGEND_W) height=(height) role="img" aria-label=(fig.caption) {
            (hatch(&fig.id))
            line.axis x1=(LEFT) y1=(top + PLOT_H) x2=(LEFT + PLOT_W) y2=(top + PLOT_H) stroke="#767676" {}
            line.axis x1=(LEFT) y1=(top) x2=(LEFT) y2=(top + PLOT_H) stroke="#767676" {}
            text x=(LEFT - 6) y=(top + 4) text-anchor="end" { (max) }
            text x=(LEFT - 6) y=(top + PLOT_H) text-anchor="end" { "0" }
            text x=(LEFT - 6) y=(band - 2) text-anchor="end" { (t().secretariat.withheld) }
            @for (i, p) in periods.iter().enumerate() {
                text x=(x(i)) y=(top + PLOT_H + 14) text-anchor="end" transform=(format!("rotate(-35 {} {})", x(i), top + PLOT_H + 14)) { (p) }
            }
            @for (si, s) in series.iter().enumerate() {
                @for seg in segments(&s.marks) {
                    polyline.series fill="none" stroke=(colour(si)) stroke-width=(if si + 1 == series.len() { "3" } else { "2" })
                        points=(seg.iter().map(|&(i, v)| format!("{},{}", x(i), y(v))).collect::<Vec<_>>().join(" ")) {}
                }
                @for (i, m) in s.marks.iter().enumerate() {
                    g {
                        (title(m))
                        @match m.value {
                            Value::Exact(v) => { (mark_attrs!(circle.point, m, cx=(x(i)) cy=(y(v)) r="4" fill=(colour(si)) {})) }
                            Value::AtLeast(v) => {
                                (mark_attrs!(path.point, m, d=(format!("M{} {}l5 8h-10z", x(i), y(v) - 6)) fill="#fff" stroke=(colour(si)) stroke-width="2" {}))
                                text.bound x=(x(i) + 7) y=(y(v) - 4) { (t().secretariat.at_least) }
                            }
                            Value::Withheld => {
                                @let by = 4 + 14 * i64::try_from(si).unwrap_or(0);
                                (mark_attrs!(rect.point, m, x=(x(i) - 5) y=(by) width="10" height="10" fill=(hatch_fill) stroke=(colour(si)) {}))
                            }
                            Value::Missing => { (mark_attrs!(g.point, m, {})) }
                        }
                    }
                }
                line x1=(LEFT + PLOT_W + 12) y1=(top + 10 + 18 * i64::try_from(si).unwrap_or(0)) x2=(LEFT + PLOT_W + 32) y2=(top + 10 + 18 * i64::try_from(si).unwrap_or(0)) stroke=(colour(si)) stroke-width="3" {}
                text x=(LEFT + PLOT_W + 36) y=(top + 14 + 18 * i64::try_from(si).unwrap_or(0)) { (s.name) }
            }
        }
    };
    let table = html! {
        table {
            thead { tr { th scope="col" { (t().secretariat.col_period) } @for s in series { th.num scope="col" { (s.name) } } } }
            tbody { @for (i, p) in periods.iter().enumerate() { tr {
                th scope="row" { (p) }
                @for s in series { (cell(s.marks.get(i).map_or(Value::Missing, |m| m.value))) }
            } } }
        }
    };
    figure(fig, "lines", svg, table)
}

/// Runs of consecutive points with a number, as (period index, value).
fn segments(marks: &[Mark]) -> Vec<Vec<(usize, i64)>> {
    let mut out = vec![Vec::new()];
    for (i, m) in marks.iter().enumerate() {
        match m.value.number() {
            Some(v) => {
                if let Some(last) = out.last_mut() {
                    last.push((i, v));
                }
            }
            None => out.push(Vec::new()),
        }
    }
    out.retain(|s| s.len() > 1);
    out
}

/// A matrix (heat table): `cells[r][c]` of rows × columns; `None` where no State lists
/// the cell (zero under the threshold policy), drawn as a dot.
pub fn matrix(
    fig: &Figure,
    rows: &[String],
    cols: &[String],
    cells: &[Vec<Option<Mark>>],
) -> Markup {
    const LEFT: i64 = 170;
    const TOP: i64 = 80;
    const W: i64 = 56;
    const H: i64 = 26;
    let max = cells
        .iter()
        .flatten()
        .flatten()
        .filter_map(|m| m.value.number())
        .max()
        .unwrap_or(1)
        .max(1);
    let width = LEFT + W * i64::try_from(cols.len()).unwrap_or(0) + 10;
    let height = TOP + H * i64::try_from(rows.len()).unwrap_or(0) + 10;
    let hatch_fill = format!("url(#{}-hatch)", fig.id);
    let at = |i: usize| i64::try_from(i).unwrap_or(0);
    let svg = html! {
        svg viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height) role="img" aria-label=(fig.caption) {
            (hatch(&fig.id))
            @for (c, name) in cols.iter().enumerate() {
                text x=(LEFT + W * at(c) + W / 2) y=(TOP - 6) transform=(format!("rotate(-40 {} {})", LEFT + W * at(c) + W / 2, TOP - 6)) { (truncate(name, 18)) }
            }
            @for (r, name) in rows.iter().enumerate() {
                text x=(LEFT - 6) y=(TOP + H * at(r) + 17) text-anchor="end" { (truncate(name, 26)) }
                @for (c, m) in cells.get(r).map(Vec::as_slice).unwrap_or_default().iter().enumerate() {
                    @let (x, y) = (LEFT + W * at(c), TOP + H * at(r));
                    @match m {
                        None => {
                            rect.empty x=(x) y=(y) width=(W - 2) height=(H - 2) fill="#fff" stroke="#c8c8c8" {}
                            text.muted x=(x + W / 2) y=(y + 17) text-anchor="middle" { "·" }
                        }
                        Some(m) => g {
                            (title(m))
                            @match m.value {
                                Value::Exact(v) | Value::AtLeast(v) => {
                                    @let o = 0.12 + 0.88 * (v as f64) / (max as f64);
                                    (mark_attrs!(rect.cell, m, x=(x) y=(y) width=(W - 2) height=(H - 2) fill=(BAR) fill-opacity=(format!("{o:.2}")) {}))
                                    text.value.light[o > 0.5] x=(x + W / 2) y=(y + 17) text-anchor="middle" { (m.value.text()) }
                                }
                                _ => {
                                    (mark_attrs!(rect.cell, m, x=(x) y=(y) width=(W - 2) height=(H - 2) fill=(hatch_fill) {}))
                                    text.value x=(x + W / 2) y=(y + 17) text-anchor="middle" { (t().secretariat.withheld_short) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let table = html! {
        table {
            thead { tr { td {} @for c in cols { th.num scope="col" { (c) } } } }
            tbody { @for (r, name) in rows.iter().enumerate() { tr {
                th scope="row" { (name) }
                @for m in cells.get(r).map(Vec::as_slice).unwrap_or_default() {
                    @match m { Some(m) => (cell(m.value)), None => td.num.muted { "·" } }
                }
            } } }
        }
    };
    figure(fig, "matrix", svg, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(label: &str, value: Value) -> Mark {
        Mark {
            label: label.to_owned(),
            value,
            tag: Tag {
                table: "MOVEMENTS",
                key: format!("_T.{label}._T"),
                measure: "EVENTS",
                period: "2026-M03".to_owned(),
                state: "region".to_owned(),
            },
        }
    }

    fn fig() -> Figure {
        Figure {
            id: "f".to_owned(),
            caption: "c".to_owned(),
            note: String::new(),
        }
    }

    /// The element of the mark of `key` in `html`.
    fn element<'a>(html: &'a str, key: &str) -> &'a str {
        let at = html.find(&format!("data-key=\"{key}\"")).expect("the mark");
        let start = html
            .get(..at)
            .and_then(|h| h.rfind('<'))
            .expect("its element");
        let end = at + html.get(at..).and_then(|h| h.find('>')).expect("its end");
        html.get(start..end).expect("the element")
    }

    #[test]
    fn a_withheld_value_is_hatched_and_has_no_value_and_a_lower_bound_is_marked() {
        let marks = [
            mark("AFG", Value::Exact(12)),
            mark("LKA", Value::AtLeast(7)),
            mark("MMR", Value::Withheld),
        ];
        for html in [
            bars(&fig(), &marks).into_string(),
            matrix(
                &fig(),
                &["r".to_owned()],
                &["a".to_owned(), "b".to_owned(), "c".to_owned()],
                &[marks.iter().cloned().map(Some).collect()],
            )
            .into_string(),
        ] {
            let w = element(&html, "_T.MMR._T");
            assert!(w.contains("withheld") && !w.contains("data-value"), "{w}");
            assert!(
                w.contains("url(#f-hatch)") && !w.contains("width=\"0\""),
                "{w}"
            );
            let lb = element(&html, "_T.LKA._T");
            assert!(
                lb.contains("lower-bound") && lb.contains("data-value=\"7\""),
                "{lb}"
            );
            assert!(html.contains("≥ 7"), "{html}");
            let e = element(&html, "_T.AFG._T");
            assert!(
                e.contains("exact") && e.contains("data-value=\"12\""),
                "{e}"
            );
            // The table view says withheld, never 0.
            assert!(
                html.contains(">withheld<") && !html.contains(">0<"),
                "{html}"
            );
        }
    }

    #[test]
    fn a_line_breaks_at_a_withheld_point_which_is_drawn_above_the_plot() {
        let s = Series {
            name: "AUS".to_owned(),
            marks: vec![
                mark("A", Value::Exact(5)),
                mark("B", Value::Withheld),
                mark("C", Value::Exact(6)),
                mark("D", Value::Exact(8)),
            ],
        };
        let html = lines(
            &fig(),
            &["1".into(), "2".into(), "3".into(), "4".into()],
            &[s],
        )
        .into_string();
        // One segment (C–D); A stands alone, B is no point on the line.
        assert_eq!(html.matches("<polyline").count(), 1, "{html}");
        let b = element(&html, "_T.B._T");
        assert!(b.contains("withheld") && !b.contains("data-value"), "{b}");
    }
}
