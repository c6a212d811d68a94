//! Reading report files: one JSON report, a JSON array of reports, NDJSON (one report
//! per line), or CSV (one row per record), each record tagged with the line it starts on.
//!
//! The format comes from the file name: `.csv`, `.ndjson` or `.jsonl`, anything else is
//! JSON. A JSON syntax error makes the whole JSON file one bad record (nothing after it
//! can be trusted); in NDJSON and CSV a bad line is one bad record and the others are
//! read.
//!
//! CSV: the first row names the columns by their path in the JSON form
//! ([`crate::reportjson`]): `report_id`, `agency`, `observed_on`,
//! `observed_period.start`, `body.fee.amount`, `body.fee.route[0].from_country`, ….
//! Columns of the record itself may leave out `body.<type>.` when the record type is
//! given by a `record_type` column (`movement`, `smuggler`, `fee`, `document`, `case`) or
//! by the caller (`vrs submit --type fee`): `amount`, `route[0].from_country`. An empty
//! cell is an absent value. A list of codes may be one cell separated by `;`
//! (`roles` = `BOAT_PILOT;TRANSPORTER`). Quoting follows RFC 4180.
//!
//! XLSX (`.xlsx`, [`read_xlsx`]): each sheet is such a table, and a sheet named by a
//! record type (`fee`) gives its rows that type. Numbers, date cells (as `YYYY-MM-DD`)
//! and numeric codes that lost their leading zeros (`8051` for ICCS `08051`) are read as
//! a person typed them. `vrs template TYPE --format xlsx` writes an empty one.

use std::path::Path;

use serde_json::{Map, Value};

use crate::reportjson::{body_keys, report_keys};

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One report or an array of reports.
    Json,
    /// One report per line.
    Ndjson,
    /// One record per row.
    Csv,
    /// A workbook: one sheet per record type, one record per row ([`read_xlsx`]).
    Xlsx,
}

impl Format {
    /// The format of a file, from its extension.
    pub fn of(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Format::Csv,
            Some("ndjson" | "jsonl") => Format::Ndjson,
            Some("xlsx") => Format::Xlsx,
            _ => Format::Json,
        }
    }

    /// Whether values are text to be read leniently (CSV, XLSX).
    pub fn lenient(self) -> bool {
        matches!(self, Format::Csv | Format::Xlsx)
    }
}

/// One record of a file: the line it starts on, and its JSON form or why it could not
/// be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// 1-based line.
    pub line: usize,
    /// The record, or what is wrong with the line.
    pub value: Result<Value, String>,
}

/// 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads the records of `text` in `format`; `record_type` is the default record type of
/// CSV rows.
pub fn read(text: &str, format: Format, record_type: Option<&str>) -> Vec<Record> {
    let mut records = match format {
        Format::Json => read_json(text),
        Format::Ndjson => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| Record {
                line: i + 1,
                value: serde_json::from_str::<Value>(l)
                    .map_err(|e| format!("not JSON (column {}): {e}", e.column())),
            })
            .collect(),
        Format::Csv => read_csv(text, record_type),
        // A workbook is bytes, not text: [`read_xlsx`] reads it.
        Format::Xlsx => vec![Record {
            line: 1,
            value: Err("an XLSX workbook is read from its bytes (bulk::read_xlsx)".into()),
        }],
    };
    // What a rejects file added is not part of the record.
    for r in &mut records {
        if let Ok(Value::Object(m)) = &mut r.value {
            for k in ADDED_COLUMNS {
                m.remove(*k);
            }
        }
    }
    records
}

/// The records of an XLSX workbook (read by calamine), sheet by sheet: each sheet is a
/// table as in CSV (first row: the column paths), whose record type is the sheet's name
/// when it names one (`movement`, `fee`, …), else `record_type`. Lines are the sheet's
/// row numbers. Sheets with no header (the template's `codes` sheet, notes) are skipped.
pub fn read_xlsx(bytes: &[u8], record_type: Option<&str>) -> Vec<(String, Vec<Record>)> {
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        match calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)) {
            Ok(b) => b,
            Err(e) => {
                let value = Err(format!("not an XLSX workbook: {e}"));
                return vec![(String::new(), vec![Record { line: 1, value }])];
            }
        };
    let mut out = Vec::new();
    for name in book.sheet_names() {
        if name == "codes" {
            continue;
        }
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                let value = Err(format!("sheet {name:?} cannot be read: {e}"));
                out.push((name, vec![Record { line: 1, value }]));
                continue;
            }
        };
        let first = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let mut rows: Vec<(usize, Vec<String>)> = range
            .rows()
            .enumerate()
            .map(|(i, cells)| {
                let mut v = vec![String::new(); first_col];
                v.extend(cells.iter().map(cell_text));
                (first + i + 1, v)
            })
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let (header_line, mut header) = rows.remove(0);
        // Trailing empty header cells (formatting) are not columns.
        while header.last().is_some_and(|h| h.trim().is_empty()) {
            header.pop();
        }
        let width = header.len();
        for (_, cells) in &mut rows {
            while cells.len() > width && cells.last().is_some_and(|c| c.trim().is_empty()) {
                cells.pop();
            }
            cells.resize(width.max(cells.len()), String::new());
        }
        let default = body_keys().into_iter().find(|k| *k == name).or(record_type);
        let records = read_table(header_line, &header, &rows, default);
        out.push((name, records));
    }
    out
}

/// A cell as the text a CSV cell would hold: whole numbers without a decimal point,
/// dates as `YYYY-MM-DD`.
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            // Excel's serial day 25569 is 1970-01-01.
            let days = d.as_f64().floor() as i64 - 25_569;
            vrs_core::codes::Date::from_days(days).map_or_else(|| d.to_string(), |d| d.to_string())
        }
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The inverse of [`flatten`]: a record's JSON form from its cells by column path (each
/// value a string, as CSV gives it); `None` names a path that is not a field path.
pub fn unflatten<'a>(cells: impl IntoIterator<Item = (&'a str, String)>) -> Result<Value, &'a str> {
    let mut root = Value::Object(Map::new());
    for (path, v) in cells {
        insert(&mut root, &parse_path(path).ok_or(path)?, v);
    }
    Ok(root)
}

/// Where a refused record came from (`file:line`), in a rejects file.
pub const SOURCE_COLUMN: &str = "_source";
/// Why it was refused (`path: problem`, `; `-separated in CSV), in a rejects file.
pub const ERRORS_COLUMN: &str = "_errors";
/// The columns (CSV) or keys (JSON) a rejects file adds, which the readers skip: a
/// rejects file, once fixed, is submitted as it is.
pub const ADDED_COLUMNS: &[&str] = &[SOURCE_COLUMN, ERRORS_COLUMN];

/// The cells of a record's JSON form by column path, as the CSV reader reads them back:
/// `agency`, `body.movement.route[0].from_country`; a list of plain values is one cell
/// separated by `;`; absent (null) values and empty lists have no cell.
pub fn flatten(v: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Null => {}
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, out);
                }
            }
            Value::Array(a) if a.is_empty() => {}
            Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
                let cells: Vec<String> = a.iter().map(scalar).collect();
                out.push((path.to_owned(), cells.join(";")));
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), out);
                }
            }
            other => out.push((path.to_owned(), scalar(other))),
        }
    }
    let mut out = Vec::new();
    walk(v, "", &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One refused record for a rejects file: where it came from, what it held (if it
/// could be read) and its problems.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// `file:line`.
    pub source: String,
    /// The record as read, before anything was filled in.
    pub record: Option<Value>,
    /// Its problems, one each.
    pub errors: Vec<String>,
}

/// A rejects file in `format`: each refused record as it was read, with its source and
/// errors next to it ([`ADDED_COLUMNS`]). CSV has one column per field path of any of
/// them; JSON is an array, NDJSON a line each.
pub fn write_rejects(format: Format, rejects: &[Reject]) -> String {
    match format {
        Format::Csv | Format::Xlsx => {
            let rows: Vec<Vec<(String, String)>> = rejects
                .iter()
                .map(|r| r.record.as_ref().map(flatten).unwrap_or_default())
                .collect();
            let mut header: Vec<&str> = Vec::new();
            for (k, _) in rows.iter().flatten() {
                if !header.contains(&k.as_str()) {
                    header.push(k);
                }
            }
            let n = header.len();
            header.extend(ADDED_COLUMNS);
            let lines = rows.iter().zip(rejects).map(|(cells, r)| {
                let mut line = vec![String::new(); n];
                for (k, v) in cells {
                    if let Some(i) = header.iter().position(|h| h == k) {
                        line[i] = v.clone();
                    }
                }
                line.push(r.source.clone());
                line.push(r.errors.join("; "));
                line
            });
            write_csv(&header, lines)
        }
        Format::Json | Format::Ndjson => {
            let items: Vec<String> = rejects
                .iter()
                .map(|r| {
                    let mut m = match &r.record {
                        Some(Value::Object(m)) => m.clone(),
                        _ => Map::new(),
                    };
                    m.insert(SOURCE_COLUMN.into(), Value::String(r.source.clone()));
                    m.insert(ERRORS_COLUMN.into(), serde_json::json!(r.errors));
                    Value::Object(m).to_string()
                })
                .collect();
            if format == Format::Json {
                format!("[\n{}\n]\n", items.join(",\n"))
            } else {
                items.iter().map(|l| format!("{l}\n")).collect()
            }
        }
    }
}

fn read_json(text: &str) -> Vec<Record> {
    match serde_json::from_str::<Value>(text) {
        Err(e) => vec![Record {
            line: e.line().max(1),
            value: Err(format!("not JSON (column {}): {e}", e.column())),
        }],
        Ok(Value::Array(items)) => {
            let offsets = array_element_offsets(text);
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| Record {
                    line: offsets.get(i).map_or(1, |&o| line_of(text, o)),
                    value: Ok(v),
                })
                .collect()
        }
        Ok(v) => {
            let start = text.len() - text.trim_start().len();
            vec![Record {
                line: line_of(text, start),
                value: Ok(v),
            }]
        }
    }
}

/// Byte offsets of the elements of the top-level array of a valid JSON text.
fn array_element_offsets(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut esc, mut expect) = (0usize, false, false, false);
    for (i, &c) in text.as_bytes().iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        if expect && depth == 1 && !c.is_ascii_whitespace() && c != b']' {
            out.push(i);
            expect = false;
        }
        match c {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth == 1 {
                    expect = true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect = true,
            _ => {}
        }
    }
    out
}

/// Rows of a CSV text, each with its first line.
pub type CsvRows = Vec<(usize, Vec<String>)>;

/// Parses CSV (RFC 4180, read by the `csv` crate) into rows, each with the line it
/// starts on. Blank lines are skipped; rows may differ in length (the caller says which
/// row is wrong). Errors name the line.
pub fn parse_csv(text: &str) -> Result<CsvRows, (usize, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(1, |p| p.line());
            (usize::try_from(line).unwrap_or(usize::MAX), e.to_string())
        })?;
        // The record's byte offset, past the end of the line before it (after a CRLF the
        // reader's own line count still names the line before).
        let start = record.position().map_or(0, |p| p.byte());
        let start = usize::try_from(start).unwrap_or(text.len());
        let skipped = text.as_bytes()[start.min(text.len())..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .count();
        rows.push((
            line_of(text, start + skipped),
            record.iter().map(str::to_owned).collect(),
        ));
    }
    Ok(rows)
}

/// Writes a header and rows as CSV (quoted where RFC 4180 needs it).
pub fn write_csv<R, C>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = Vec<C>>,
    C: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// One step of a column path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Largest list index a CSV column may name.
const MAX_INDEX: usize = 1000;

fn parse_path(col: &str) -> Option<Vec<Seg>> {
    let mut out = Vec::new();
    for part in col.trim().split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return None;
        }
        out.push(Seg::Key(name.to_owned()));
        while !rest.is_empty() {
            let close = rest.find(']')?;
            let i: usize = rest.get(1..close)?.parse().ok()?;
            if i > MAX_INDEX {
                return None;
            }
            out.push(Seg::Index(i));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return None;
            }
        }
    }
    Some(out)
}

fn insert(root: &mut Value, segs: &[Seg], v: String) {
    let mut cur = root;
    for seg in segs {
        match seg {
            Seg::Key(k) => {
                if !cur.is_object() {
                    *cur = Value::Object(Map::new());
                }
                let Value::Object(m) = cur else { return };
                cur = m.entry(k.clone()).or_insert(Value::Null);
            }
            Seg::Index(i) => {
                if !cur.is_array() {
                    *cur = Value::Array(Vec::new());
                }
                let Value::Array(a) = cur else { return };
                while a.len() <= *i {
                    a.push(Value::Null);
                }
                cur = &mut a[*i];
            }
        }
    }
    *cur = Value::String(v);
}

fn read_csv(text: &str, default_type: Option<&str>) -> Vec<Record> {
    let rows = match parse_csv(text) {
        Ok(r) => r,
        Err((line, e)) => {
            return vec![Record {
                line,
                value: Err(format!("not CSV: {e}")),
            }];
        }
    };
    let Some(((header_line, header), rows)) = rows.split_first() else {
        return Vec::new();
    };
    read_table(*header_line, header, rows, default_type)
}

/// The records of a table: a header row of column paths (at `header_line`) and rows.
fn read_table(
    header_line: usize,
    header: &[String],
    rows: &[(usize, Vec<String>)],
    default_type: Option<&str>,
) -> Vec<Record> {
    let mut columns = Vec::with_capacity(header.len());
    for col in header {
        let col = col.trim();
        if col == "record_type" || ADDED_COLUMNS.contains(&col) {
            columns.push(None);
            continue;
        }
        match parse_path(col) {
            Some(p) => columns.push(Some((col.to_owned(), p))),
            None => {
                return vec![Record {
                    line: header_line,
                    value: Err(format!(
                        "header: {col:?} is not a field path such as agency, \
                         observed_period.start or body.fee.route[0].from_country"
                    )),
                }];
            }
        }
    }
    let type_col = header.iter().position(|c| c.trim() == "record_type");
    rows.iter()
        .map(|(line, cells)| Record {
            line: *line,
            value: csv_row(&columns, cells, type_col, default_type),
        })
        .collect()
}

fn csv_row(
    columns: &[Option<(String, Vec<Seg>)>],
    cells: &[String],
    type_col: Option<usize>,
    default_type: Option<&str>,
) -> Result<Value, String> {
    if cells.len() != columns.len() {
        return Err(format!(
            "{} cells, but the header has {} columns",
            cells.len(),
            columns.len()
        ));
    }
    let record_type = type_col
        .map(|i| cells[i].trim())
        .filter(|t| !t.is_empty())
        .or(default_type);
    if let Some(t) = record_type
        && !body_keys().contains(&t)
    {
        return Err(format!(
            "record_type {t:?} is not one of {}",
            body_keys().join(", ")
        ));
    }
    let mut root = Value::Object(Map::new());
    for (col, cell) in columns.iter().zip(cells) {
        let Some((name, segs)) = col else { continue };
        if cell.trim().is_empty() {
            continue;
        }
        let top = match segs.first() {
            Some(Seg::Key(k)) => k.as_str(),
            _ => "",
        };
        if report_keys().iter().any(|k| k == top) {
            insert(&mut root, segs, cell.trim().to_owned());
        } else {
            let Some(t) = record_type else {
                return Err(format!(
                    "column {name:?} is a field of the record: give its type in a \
                     record_type column, with --type, or write body.<type>.{name}"
                ));
            };
            let mut full = vec![Seg::Key("body".into()), Seg::Key(t.to_owned())];
            full.extend(segs.iter().cloned());
            insert(&mut root, &full, cell.trim().to_owned());
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn json_arrays_give_each_element_its_line() {
        let text = "[\n  {\"a\": \"[,]\"},\n\n  {\"b\": [1, 2]}\n  , {}\n]\n";
        let r = read(text, Format::Json, None);
        let lines: Vec<usize> = r.iter().map(|x| x.line).collect();
        assert_eq!(lines, [2, 4, 5]);
        let bad = read("{\n\"a\": 1,\n}", Format::Json, None);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
        assert!(bad[0].value.is_err());
    }

    #[test]
    fn a_rejects_file_reads_back_as_the_records_it_holds() {
        let rec: Value = serde_json::json!({
            "agency": "POLICE",
            "body": {"fee": {"amount": 4, "route": [{"from_country": "AFG"}, {"from_country": "IRN"}],
                              "aggravating": ["A", "B"], "empty": []}},
        });
        let rejects = [
            Reject {
                source: "a.csv:2".into(),
                record: Some(rec.clone()),
                errors: vec!["agency: unknown".into(), "x: y".into()],
            },
            Reject {
                source: "a.ndjson:3".into(),
                record: None,
                errors: vec!["not JSON".into()],
            },
        ];
        let csv = write_rejects(Format::Csv, &rejects);
        assert!(
            csv.starts_with("agency,body.fee.aggravating,body.fee.amount,body.fee.route[0].")
                && csv.lines().next().unwrap().ends_with(",_source,_errors"),
            "{csv}"
        );
        assert!(
            csv.contains("A;B") && csv.contains("agency: unknown; x: y"),
            "{csv}"
        );
        let back = read(&csv, Format::Csv, None);
        let v = back[0].value.as_ref().unwrap();
        assert_eq!(v["body"]["fee"]["route"][1]["from_country"], "IRN");
        assert_eq!(v["body"]["fee"]["aggravating"], "A;B");
        assert!(v.get(SOURCE_COLUMN).is_none() && v.get(ERRORS_COLUMN).is_none());
        for f in [Format::Ndjson, Format::Json] {
            let text = write_rejects(f, &rejects);
            let back = read(&text, f, None);
            assert_eq!(back.len(), 2, "{text}");
            assert_eq!(back[0].value.as_ref().unwrap(), &rec, "{text}");
            assert!(text.contains("\"_errors\":[\"not JSON\"]"), "{text}");
        }
    }

    /// Every example report, written as NDJSON, as CSV and as an XLSX workbook (numbers
    /// as numbers, a date as a date cell, one sheet per type), reads back to the same
    /// reports.
    #[test]
    fn xlsx_and_csv_give_the_same_reports_as_ndjson() {
        use rust_xlsxwriter::{ExcelDateTime, Format as Cell, Workbook};
        let date = Cell::new().set_num_format("dd/mm/yyyy");
        use vrs_core::report::{RecordType, examples};
        let p = examples::ExampleParams::default();
        let mut book = Workbook::new();
        for t in RecordType::ALL {
            let msg = vrs_proto::v1::Report::from(&examples::example(*t, &p));
            let json = crate::reportjson::to_json(&msg);
            let ndjson = format!("{json}\n");
            let cells = flatten(&json);
            let header: Vec<&str> = cells.iter().map(|(k, _)| k.as_str()).collect();
            let csv = write_csv(
                &header,
                [cells.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()],
            );
            let sheet = book.add_worksheet().set_name(t.field()).unwrap();
            for (i, (k, v)) in cells.iter().enumerate() {
                let col = u16::try_from(i).unwrap();
                // The record type is the sheet's: its paths may leave out body.<type>.
                // (Not where the short path is a report field: the fee's own
                // observed_on is written body.fee.observed_on.)
                let short = k
                    .strip_prefix(&format!("body.{}.", t.field()))
                    .filter(|s| !report_keys().iter().any(|r| s.split('.').next() == Some(r)))
                    .unwrap_or(k);
                sheet.write_string(0, col, short).unwrap();
                if let Ok(n) = v.parse::<u32>() {
                    sheet.write_number(1, col, f64::from(n)).unwrap();
                } else if k == "observed_on" {
                    let d = ExcelDateTime::parse_from_str(v).unwrap();
                    sheet.write_datetime_with_format(1, col, &d, &date).unwrap();
                } else {
                    sheet.write_string(1, col, v).unwrap();
                }
            }
            let from = |text: &str, f: Format| {
                let v = read(text, f, None).pop().unwrap().value.unwrap();
                crate::reportjson::from_json(&v, f.lenient())
            };
            let (a, errs) = from(&ndjson, Format::Ndjson);
            assert!(errs.is_empty(), "{t}: {errs:?}");
            assert_eq!(a, msg, "{t}");
            let (b, errs) = from(&csv, Format::Csv);
            assert!(errs.is_empty(), "{t}: {errs:?}\n{csv}");
            assert_eq!(b, msg, "{t}: {csv}");
        }
        let bytes = book.save_to_buffer().unwrap();
        let sheets = read_xlsx(&bytes, None);
        assert_eq!(sheets.len(), RecordType::ALL.len());
        for ((name, records), t) in sheets.iter().zip(RecordType::ALL) {
            assert_eq!(name, t.field());
            assert_eq!(records.len(), 1);
            assert_eq!(records[0].line, 2);
            let v = records[0].value.as_ref().unwrap();
            let (r, errs) = crate::reportjson::from_json(v, true);
            assert!(errs.is_empty(), "{t}: {errs:?}\n{v}");
            let msg = vrs_proto::v1::Report::from(&examples::example(*t, &p));
            assert_eq!(r, msg, "{t}: {v}");
        }
        let template = crate::template::xlsx(RecordType::Fee).unwrap();
        let read_back = read_xlsx(&template, None);
        assert!(read_back.iter().all(|(_, r)| r.is_empty()), "{read_back:?}");
        assert!(read_xlsx(b"not a workbook", None)[0].1[0].value.is_err());
    }

    #[test]
    fn ndjson_keeps_good_lines_after_a_bad_one() {
        let r = read("{\"a\":1}\n{oops\n\n{\"b\":2}\n", Format::Ndjson, None);
        assert_eq!(r.len(), 3);
        assert!(r[1].value.is_err());
        assert_eq!((r[1].line, r[2].line), (2, 4));
    }

    #[test]
    fn csv_quotes_lines_and_paths() {
        let rows = parse_csv("a,b\r\n\"x,\"\"y\"\"\",\"two\nlines\"\n\nz,w").unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[1],
            (2, vec!["x,\"y\"".to_owned(), "two\nlines".to_owned()])
        );
        assert_eq!(rows[2].0, 5);
        let out = write_csv(&["a", "b"], [vec!["x,\"y\"", "two\nlines"], vec!["z", "w"]]);
        assert_eq!(out, "a,b\n\"x,\"\"y\"\"\",\"two\nlines\"\nz,w\n");
        assert_eq!(parse_csv(&out).unwrap()[1].1, rows[1].1);

        let text = "record_type,agency,amount,route[0].from_country,body.fee.currency\n\
                    fee,POLICE,450000,AFG,EUR\n\
                    ,POLICE,1,AFG,EUR\n";
        let r = read(text, Format::Csv, None);
        let v = r[0].value.as_ref().unwrap();
        assert_eq!(v["body"]["fee"]["amount"], "450000");
        assert_eq!(v["body"]["fee"]["route"][0]["from_country"], "AFG");
        assert_eq!(v["agency"], "POLICE");
        assert!(r[1].value.as_ref().unwrap_err().contains("record_type"));
        let r = read(text, Format::Csv, Some("fee"));
        assert!(r[1].value.is_ok());
        assert!(
            read("bad column!\nx\n", Format::Csv, None)[0]
                .value
                .is_err()
        );
    }
}
