//! Empty templates of a record type, from the schema declaration ([`crate::schema`]):
//! every column a person fills in, by its field path as the CSV and XLSX readers take
//! it, with its label, its help text (the `.proto` comment) and its code list. Written
//! as a CSV header, a JSON skeleton, or an XLSX workbook whose header cells carry the
//! help as notes, whose code columns offer their codes in a drop-down, and whose `codes`
//! sheet lists every code with its label.
//!
//! The fields the signer's certificate and key determine (`reporting_state`,
//! `focal_point_id`, `key_id`, `submitted_at`) and those of amendments (`report_id`,
//! `version`, `supersedes`, `status`) are left out: `vrs submit` fills them in.

use prost_reflect::MessageDescriptor;
use serde_json::{Map, Value};
use vrs_core::report::{CodeListSpec, RecordType};

use crate::schema::{self, FieldKind};

/// Report fields a template leaves out (filled in by `vrs submit`, or for amendments).
pub const FILLED_IN: &[&str] = &[
    "report_id",
    "version",
    "supersedes",
    "reporting_state",
    "focal_point_id",
    "key_id",
    "submitted_at",
    "status",
];

/// Rows of a code column's drop-down in an XLSX template.
const XLSX_ROWS: u32 = 5_000;

/// One column of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Field path, e.g. `body.fee.route[0].from_country`.
    pub path: String,
    /// The field's name in words.
    pub label: String,
    /// What it holds (the `.proto` comment).
    pub help: String,
    /// How it is written.
    pub kind: FieldKind,
    /// A list of plain values, written in one cell separated by `;`.
    pub list: bool,
}

impl Column {
    /// How the value is written, in words: "one of: A, B", "whole number", ….
    pub fn written(&self) -> String {
        let one = match &self.kind {
            FieldKind::Text => "text".to_owned(),
            FieldKind::Count { .. } => "whole number".to_owned(),
            FieldKind::Flag => "true or false".to_owned(),
            FieldKind::Hex => "hexadecimal".to_owned(),
            FieldKind::Code(list) => format!("a code of {} (vrs codes {})", list.name, list.name),
            FieldKind::Group(g) => format!("group {g}"),
        };
        if self.list {
            format!("{one}; several separated by ;")
        } else {
            one
        }
    }
}

/// The columns of a template of record type `t`.
pub fn columns(t: RecordType) -> Vec<Column> {
    let mut out = Vec::new();
    walk(&schema::report(), "", &mut out, true);
    if let Some(record) = schema::record(t) {
        walk(&record, &format!("body.{}", t.field()), &mut out, false);
    }
    out
}

fn walk(m: &MessageDescriptor, prefix: &str, out: &mut Vec<Column>, top: bool) {
    let Ok(spec) = schema::message_spec(m) else {
        return;
    };
    for f in spec.fields {
        if top && FILLED_IN.contains(&f.name.as_str()) {
            continue;
        }
        let path = if prefix.is_empty() {
            f.name.clone()
        } else {
            format!("{prefix}.{}", f.name)
        };
        if let FieldKind::Group(name) = &f.kind {
            if let Some(g) = schema::message(name) {
                let path = if f.repeated {
                    format!("{path}[0]")
                } else {
                    path
                };
                walk(&g, &path, out, false);
            }
            continue;
        }
        out.push(Column {
            path,
            label: f.label,
            help: f.help,
            kind: f.kind,
            list: f.repeated,
        });
    }
}

/// The code lists the columns use, once each, in column order.
pub fn code_lists(columns: &[Column]) -> Vec<&'static CodeListSpec> {
    let mut lists: Vec<&'static CodeListSpec> = Vec::new();
    for c in columns {
        if let FieldKind::Code(l) = c.kind
            && !lists.iter().any(|x| x.name == l.name)
        {
            lists.push(l);
        }
    }
    lists
}

/// A CSV template: the header row.
pub fn csv(t: RecordType) -> String {
    let cols = columns(t);
    let header: Vec<&str> = cols.iter().map(|c| c.path.as_str()).collect();
    crate::bulk::write_csv(&header, std::iter::empty::<Vec<String>>())
}

/// A JSON template: a report with every column present and null (unset), as the
/// readers take it; lists of groups hold one element.
pub fn json(t: RecordType) -> Value {
    let cols = columns(t);
    let mut v = crate::bulk::unflatten(cols.iter().map(|c| (c.path.as_str(), String::new())))
        .unwrap_or_else(|_| Value::Object(Map::new()));
    nullify(&mut v);
    v
}

fn nullify(v: &mut Value) {
    match v {
        Value::Object(m) => m.values_mut().for_each(nullify),
        Value::Array(a) => a.iter_mut().for_each(nullify),
        other => *other = Value::Null,
    }
}

/// An XLSX template: a sheet named by the record type with the header row (each header
/// cell's note gives the label, how it is written and its help; code columns offer their
/// codes in a drop-down), and a `codes` sheet of every code list used, with labels.
pub fn xlsx(t: RecordType) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{DataValidation, Format, Formula, Note, Workbook};
    let cols = columns(t);
    let lists = code_lists(&cols);
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet().set_name(t.field())?;
    // Where each list's codes are on the codes sheet (rows, 1-based, inclusive).
    let mut at = Vec::new();
    let mut row = 2u32;
    for l in &lists {
        let n = u32::try_from(l.values.len()).unwrap_or(u32::MAX);
        at.push((l.name, row, row + n - 1));
        row += n;
    }
    for (i, c) in cols.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, &c.path, &bold)?;
        let note = format!("{}: {}.\n{}", c.label, c.written(), c.help);
        sheet.insert_note(0, col, &Note::new(note).set_width(360).set_height(160))?;
        sheet.set_column_width(col, (c.path.len() as f64 + 2.0).clamp(10.0, 40.0))?;
        if let FieldKind::Code(l) = c.kind
            && !c.list
            && let Some((_, first, last)) = at.iter().find(|(n, ..)| *n == l.name)
        {
            let dv = DataValidation::new()
                .allow_list_formula(Formula::new(format!("=codes!$B${first}:$B${last}")));
            sheet.add_data_validation(1, col, XLSX_ROWS, col, &dv)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let codes = book.add_worksheet().set_name("codes")?;
    for (c, h) in ["list", "code", "label"].iter().enumerate() {
        codes.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut row = 1u32;
    for l in &lists {
        for v in l.values {
            codes.write_string(row, 0, l.name)?;
            codes.write_string(row, 1, v.code)?;
            codes.write_string(row, 2, v.label)?;
            row += 1;
        }
    }
    codes.set_column_width(0, 20)?;
    codes.set_column_width(1, 24)?;
    codes.set_column_width(2, 60)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_template_has_every_field_a_person_fills_in() {
        let cols = columns(RecordType::Fee);
        let paths: Vec<&str> = cols.iter().map(|c| c.path.as_str()).collect();
        assert!(
            paths.contains(&"agency") && paths.contains(&"observed_on"),
            "{paths:?}"
        );
        assert!(paths.contains(&"observed_period.start"), "{paths:?}");
        assert!(
            paths.contains(&"body.fee.route[0].from_country"),
            "{paths:?}"
        );
        assert!(paths.contains(&"body.fee.amount"), "{paths:?}");
        assert!(!paths.iter().any(|p| FILLED_IN.contains(p)), "{paths:?}");
        assert!(cols.iter().all(|c| !c.help.is_empty()), "{cols:?}");
        let agency = cols.iter().find(|c| c.path == "agency").unwrap();
        assert!(agency.written().contains("Agency"), "{}", agency.written());
    }

    #[test]
    fn the_csv_and_json_templates_read_back_as_an_empty_report() {
        for t in RecordType::ALL {
            let csv = csv(*t);
            assert_eq!(csv.lines().count(), 1, "{csv}");
            let header = crate::bulk::read(&csv, crate::bulk::Format::Csv, None);
            assert!(header.is_empty(), "{header:?}");
            let v = json(*t);
            assert!(v["body"][t.field()].is_object(), "{v}");
            // Every key is one the JSON form knows: only the missing values are refused.
            let (_, errs) = crate::reportjson::from_json(&v, false);
            assert!(
                errs.iter().all(|e| !e.message.contains("unknown field")),
                "{errs:?}"
            );
        }
    }
}
