//! Report forms generated from the schema declaration: one per record type, with an
//! input for every column of [`template::columns`] (the fields a person fills in, by
//! field path), so that a field added to `report.proto` appears in the form with no
//! change here.
//!
//! * An input's `name` and `id` are its field path (`body.movement.route[1].to_country`),
//!   as [`bulk::unflatten`] reads it: the posted form becomes the JSON form of the report
//!   and is checked by the node's own rules, whose violations name the same paths.
//! * Code lists are `<select>`s labelled with each code's label (a list of codes is a
//!   multiple select), counts are numbers, dates are `type=date`, flags are yes/no.
//! * A repeated group (route legs, person groups, proceedings) is a fieldset per
//!   element, and an "add another" submit button re-renders the form with one more,
//!   keeping what was typed (no JavaScript needed).

use std::collections::BTreeMap;

use maud::{Markup, html};
use serde_json::Value;
use vrs_client::bulk;
use vrs_client::schema::{self, FieldKind};
use vrs_client::template::{self, Column};
use vrs_core::report::RecordType;

use crate::text::t;

/// What a form holds: values by field path (several for a multiple select).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(pub BTreeMap<String, Vec<String>>);

/// Messages by field path (the node's violations, placed at their inputs).
pub type Errors = BTreeMap<String, Vec<String>>;

/// The name of the submit button that adds an element to a repeated group; its value is
/// the group's path.
pub const ADD: &str = "add";

/// The record type named `field` (`movement`, `fee`, …).
pub fn record_type(field: &str) -> Option<RecordType> {
    RecordType::ALL.iter().copied().find(|t| t.field() == field)
}

/// A record type in words ("Fee profile"), from the code list's labels.
pub fn type_label(rt: RecordType) -> &'static str {
    rt.label()
}

/// The wire value of a record type (`vrs.v1.RecordType`, named `RECORD_TYPE_<code>`).
pub fn wire(rt: RecordType) -> i32 {
    vrs_proto::v1::RecordType::from_str_name(&format!("RECORD_TYPE_{}", rt.code()))
        .map_or(0, |w| w as i32)
}

/// The record type of a wire value.
pub fn from_wire(n: i32) -> Option<RecordType> {
    let w = vrs_proto::v1::RecordType::try_from(n).ok()?;
    RecordType::from_code(w.as_str_name().strip_prefix("RECORD_TYPE_")?)
}

/// A field path with every index written `[0]`: the column it is an element of.
pub fn pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find(']').unwrap_or(rest.len());
        out.push('0');
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// The repeated group a column belongs to (the path before its first `[0]`), and the
/// rest of its path.
fn group_of(path: &str) -> Option<(&str, &str)> {
    path.split_once("[0]")
}

impl Values {
    /// The posted pairs of a form of record type `rt` that name one of its fields (empty
    /// values are absent); a multiple select's values are kept in order.
    pub fn from_pairs(rt: RecordType, pairs: &[(String, String)]) -> Values {
        let cols = template::columns(rt);
        let mut v = BTreeMap::<String, Vec<String>>::new();
        for (k, x) in pairs {
            let p = pattern(k);
            if x.trim().is_empty() || !cols.iter().any(|c| c.path == p) {
                continue;
            }
            v.entry(k.clone()).or_default().push(x.trim().to_owned());
        }
        Values(v)
    }

    /// The values of the JSON form `report` (a logged version, for an amendment).
    pub fn from_report(rt: RecordType, report: &Value) -> Values {
        let cols = template::columns(rt);
        let mut v = BTreeMap::new();
        for (k, x) in bulk::flatten(report) {
            let Some(c) = cols.iter().find(|c| c.path == pattern(&k)) else {
                continue;
            };
            let xs = if c.list {
                x.split(';').map(str::to_owned).collect()
            } else {
                vec![x]
            };
            v.insert(k, xs);
        }
        Values(v)
    }

    /// The JSON form of the report these values make (lists `;`-joined, as a CSV cell:
    /// read leniently).
    pub fn to_json(&self) -> Value {
        let cells = self.0.iter().map(|(k, v)| (k.as_str(), v.join(";")));
        bulk::unflatten(cells).unwrap_or_else(|_| Value::Object(serde_json::Map::new()))
    }

    fn get(&self, path: &str) -> &[String] {
        self.0.get(path).map_or(&[], Vec::as_slice)
    }

    /// How many elements of group `group` the values hold (at least one).
    pub fn count(&self, group: &str) -> usize {
        let prefix = format!("{group}[");
        self.0
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|r| r.split(']').next()?.parse::<usize>().ok())
            .map(|n| n + 1)
            .max()
            .unwrap_or(1)
    }
}

/// The elements of repeated groups that the posted `pairs` showed but `values` does not
/// hold (left empty): each group once per such element, so that the form comes back
/// with as many as were shown.
pub fn empty_elements(rt: RecordType, pairs: &[(String, String)], values: &Values) -> Vec<String> {
    let cols = template::columns(rt);
    let mut shown = BTreeMap::<&str, usize>::new();
    for (k, _) in pairs {
        let Some(c) = cols.iter().find(|c| c.path == pattern(k)) else {
            continue;
        };
        let Some((g, _)) = group_of(&c.path) else {
            continue;
        };
        let n = k
            .get(g.len() + 1..)
            .and_then(|r| r.split(']').next())
            .and_then(|i| i.parse::<usize>().ok())
            .map_or(1, |i| i + 1);
        let e = shown.entry(g).or_insert(0);
        *e = (*e).max(n);
    }
    shown
        .into_iter()
        .flat_map(|(g, n)| std::iter::repeat_n(g.to_owned(), n.saturating_sub(values.count(g))))
        .collect()
}

/// The fields named `names` of a multipart form (`enctype="multipart/form-data"`, its
/// body already read and size-checked by the guard), by name: their bytes.
pub async fn multipart(
    headers: &axum::http::HeaderMap,
    body: axum::body::Bytes,
    names: &[&str],
) -> Result<std::collections::HashMap<String, Vec<u8>>, String> {
    let ctype = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(ctype).map_err(|e| e.to_string())?;
    let stream = tokio_stream::once(Ok::<axum::body::Bytes, std::io::Error>(body));
    let mut m = multer::Multipart::new(stream, boundary);
    let mut out = std::collections::HashMap::new();
    while let Some(field) = m.next_field().await.map_err(|e| e.to_string())? {
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        if names.contains(&name.as_str()) {
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            out.insert(name, bytes.to_vec());
        }
    }
    Ok(out)
}

/// The inputs of the form of record type `rt`: the report's fields, then the record's,
/// each with its value, help and messages; `more` adds an element to the groups named.
pub fn render(rt: RecordType, values: &Values, errors: &Errors, more: &[String]) -> Markup {
    let cols = template::columns(rt);
    let (head, body): (Vec<Column>, Vec<Column>) =
        cols.into_iter().partition(|c| !c.path.starts_with("body."));
    html! {
        fieldset.report { legend { (t().focal.report_fields) } (columns(&head, values, errors, more)) }
        fieldset.record { legend { (type_label(rt)) } (columns(&body, values, errors, more)) }
    }
}

fn columns(cols: &[Column], values: &Values, errors: &Errors, more: &[String]) -> Markup {
    let mut out = Vec::new();
    let mut i = 0;
    while i < cols.len() {
        let Some((g, _)) = group_of(&cols[i].path) else {
            out.push(input(&cols[i], &cols[i].path, values, errors));
            i += 1;
            continue;
        };
        let n = cols[i..]
            .iter()
            .take_while(|c| group_of(&c.path).is_some_and(|(h, _)| h == g))
            .count();
        let count = values.count(g) + more.iter().filter(|m| *m == g).count();
        out.push(group(g, &cols[i..i + n], count, values, errors));
        i += n;
    }
    html! { @for m in out { (m) } }
}

fn group(g: &str, cols: &[Column], count: usize, values: &Values, errors: &Errors) -> Markup {
    let name = schema::label(g.rsplit('.').next().unwrap_or(g));
    html! {
        fieldset.group id=(g) {
            legend { (name) }
            @for e in errors.get(g).into_iter().flatten() { p.error role="alert" { (e) } }
            @for n in 0..count {
                fieldset.item {
                    legend { (name) " " (n + 1) }
                    @for c in cols {
                        (input(c, &c.path.replacen(&format!("{g}[0]"), &format!("{g}[{n}]"), 1), values, errors))
                    }
                }
            }
            button.secondary type="submit" name=(ADD) value=(g) formnovalidate {
                (t().focal.add_another) " " (name.to_lowercase())
            }
        }
    }
}

/// Whether a text column holds a calendar day (its help says so).
fn is_date(c: &Column) -> bool {
    c.help.contains("YYYY-MM-DD") || c.help.contains("ISO 8601 date") || c.path.ends_with("_on")
}

fn input(c: &Column, path: &str, values: &Values, errors: &Errors) -> Markup {
    let current = values.get(path);
    let first = current.first().map_or("", String::as_str);
    let errs = errors.get(path);
    let described = crate::layout::described_by(path, !c.help.is_empty(), errs.is_some());
    let invalid = errs.is_some().then_some("true");
    let control = match &c.kind {
        FieldKind::Code(list) => {
            let unknown: Vec<&String> = current
                .iter()
                .filter(|x| list.by_code(x).is_none())
                .collect();
            html! {
                select id=(path) name=(path) multiple[c.list] size=[c.list.then(|| list.values.len().min(6))]
                    aria-invalid=[invalid] aria-describedby=[described.as_deref()] {
                    @if !c.list { option value="" { "—" } }
                    @for v in list.values {
                        option value=(v.code) selected[current.iter().any(|x| x == v.code)] { (v.code) " — " (v.label) }
                    }
                    @for u in unknown { option value=(u) selected { (u) } }
                }
            }
        }
        FieldKind::Flag => html! {
            select id=(path) name=(path) aria-invalid=[invalid] aria-describedby=[described.as_deref()] {
                option value="" { "—" }
                option value="true" selected[first == "true"] { (t().common.yes) }
                option value="false" selected[first == "false"] { (t().common.no) }
            }
        },
        FieldKind::Count { .. } => html! {
            input id=(path) name=(path) type="number" min="0" step="1" inputmode="numeric" value=(first)
                aria-invalid=[invalid] aria-describedby=[described.as_deref()];
        },
        _ => {
            let kind = if is_date(c) && !c.list {
                "date"
            } else {
                "text"
            };
            html! {
                input id=(path) name=(path) type=(kind) value=(current.join(";"))
                    aria-invalid=[invalid] aria-describedby=[described.as_deref()];
            }
        }
    };
    let message = errs.map(|e| e.join("; "));
    crate::layout::field(path, &c.label, &c.help, message.as_deref(), control)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every input of a rendered form: (name, id, the `for` of a label naming it).
    fn inputs(html: &str) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for tag in html
            .split('<')
            .filter(|s| s.starts_with("input ") || s.starts_with("select "))
        {
            let attr = |a: &str| {
                tag.split(&format!(" {a}=\""))
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .map(str::to_owned)
            };
            if attr("type").as_deref() == Some("hidden") {
                continue;
            }
            let name = attr("name").unwrap();
            assert_eq!(attr("id").as_deref(), Some(name.as_str()), "{tag}");
            let labelled = html.contains(&format!("<label for=\"{name}\">"));
            out.push((name, labelled));
        }
        out
    }

    /// A field added to the schema is in the form by construction: every column of the
    /// template of each record type has an input named by its path, with its label.
    #[test]
    fn every_column_of_every_record_type_has_a_labelled_input() {
        for rt in RecordType::ALL {
            let html = render(*rt, &Values::default(), &Errors::new(), &[]).into_string();
            let found = inputs(&html);
            for c in template::columns(*rt) {
                let hit = found.iter().find(|(n, _)| *n == c.path);
                assert!(
                    hit.is_some_and(|(_, l)| *l),
                    "{}: no labelled input in {html}",
                    c.path
                );
                assert!(
                    html.contains(&maud::html! { (c.label) }.into_string()),
                    "{}",
                    c.label
                );
            }
            assert_eq!(found.len(), template::columns(*rt).len(), "{rt:?}");
        }
    }

    #[test]
    fn a_group_grows_and_values_round_trip_to_the_json_form() {
        let rt = RecordType::Movement;
        let pairs: Vec<(String, String)> = [
            ("body.movement.route[0].from_country", "LKA"),
            ("body.movement.route[1].from_country", "IDN"),
            ("body.movement.aggravating", "ENDANGERING_LIFE"),
            ("body.movement.aggravating", "INHUMAN_TREATMENT"),
            ("report_id", "sneaked-in"),
            ("agency", ""),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let v = Values::from_pairs(rt, &pairs);
        assert_eq!(v.count("body.movement.route"), 2);
        assert_eq!(v.count("body.movement.persons"), 1);
        let j = v.to_json();
        assert_eq!(j["body"]["movement"]["route"][1]["from_country"], "IDN");
        assert_eq!(
            j["body"]["movement"]["aggravating"],
            "ENDANGERING_LIFE;INHUMAN_TREATMENT"
        );
        assert!(
            j.get("report_id").is_none() && j.get("agency").is_none(),
            "{j}"
        );
        let html = render(rt, &v, &Errors::new(), &["body.movement.route".into()]).into_string();
        assert!(html.contains("name=\"body.movement.route[2].to_country\""));
        assert!(!html.contains("route[3]"));
        // An element shown and left empty comes back: "add another" twice works.
        let mut shown = pairs.clone();
        shown.push(("body.movement.persons[1].count".into(), String::new()));
        shown.push(("body.movement.persons[2].sex".into(), String::new()));
        assert_eq!(
            empty_elements(rt, &shown, &v),
            ["body.movement.persons", "body.movement.persons"]
        );
        assert!(empty_elements(rt, &pairs, &v).is_empty());
        let back = Values::from_report(
            rt,
            &serde_json::json!({"body": {"movement": {"aggravating": ["A", "B"]}}}),
        );
        assert_eq!(back.get("body.movement.aggravating"), ["A", "B"]);
    }

    #[test]
    fn a_message_is_placed_at_its_input() {
        let mut e = Errors::new();
        e.insert(
            "body.fee.currency".into(),
            vec!["not an ISO 4217 code".into()],
        );
        let html = render(RecordType::Fee, &Values::default(), &e, &[]).into_string();
        let at = html.find("id=\"body.fee.currency-error\"").unwrap();
        let input = html.find("id=\"body.fee.currency\"").unwrap();
        assert!(at > input, "the message follows its input");
        assert!(
            html.contains("aria-describedby=\"body.fee.currency-help body.fee.currency-error\"")
        );
        assert_eq!(pattern("a.b[12].c[3].d"), "a.b[0].c[0].d");
    }
}
