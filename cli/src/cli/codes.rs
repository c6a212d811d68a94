//! `vrs codes` (every code list with its labels) and `vrs template` (an empty file of a
//! record type to fill in), both from the schema declaration, offline.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use serde_json::json;
use vrs_client::template;
use vrs_core::codes::{COUNTRIES, CURRENCIES};
use vrs_core::report::{CODE_LISTS, RecordType};

use super::{OutputArg, RecordTypeArg, Table, UsageError};

/// The lists `vrs codes` prints beyond the report's own: the ISO lists it validates.
const ISO_LISTS: &[&str] = &["Country", "Currency"];

/// `vrs codes [LIST]`.
#[derive(Args)]
pub struct CodesArgs {
    /// One list (e.g. Agency, Sex, AgeBand, Country, Currency; any case); default: all.
    list: Option<String>,
    #[command(flatten)]
    output: OutputArg,
}

impl CodesArgs {
    /// Prints the codes.
    pub fn run(self) -> anyhow::Result<()> {
        let names: Vec<&str> = CODE_LISTS
            .iter()
            .map(|l| l.name)
            .chain(ISO_LISTS.iter().copied())
            .collect();
        let wanted = match &self.list {
            None => None,
            Some(w) => Some(
                names
                    .iter()
                    .copied()
                    .find(|n| n.eq_ignore_ascii_case(w))
                    .ok_or_else(|| {
                        UsageError(format!(
                            "no code list {w:?}; the lists are {}",
                            names.join(", ")
                        ))
                    })?,
            ),
        };
        let shown = |name: &str| wanted.is_none_or(|w| w == name);
        let mut t = Table::new(&["list", "code", "label"]);
        for l in CODE_LISTS.iter().filter(|l| shown(l.name)) {
            for v in l.values {
                t.push(vec![json!(l.name), json!(v.code), json!(v.label)]);
            }
        }
        if shown("Country") {
            for c in COUNTRIES {
                t.push(vec![json!("Country"), json!(c.alpha3), json!(c.name)]);
            }
        }
        if shown("Currency") {
            for c in CURRENCIES {
                let label = match c.minor_units {
                    Some(d) => format!("{} (amounts in 1/{} units)", c.name, 10u64.pow(d.into())),
                    None => format!("{} (no minor unit)", c.name),
                };
                t.push(vec![json!("Currency"), json!(c.code), json!(label)]);
            }
        }
        t.print(self.output.output);
        Ok(())
    }
}

/// What `vrs template` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    /// The columns described, for people: path, label, how written, help.
    Table,
    /// A CSV header row, to fill in.
    Csv,
    /// A JSON report with every field null, to fill in.
    Json,
    /// An XLSX workbook: a sheet for the type (help as notes on the header, code
    /// drop-downs) and a sheet of the codes.
    Xlsx,
}

/// What `vrs template` writes: a record type's columns, or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateOf {
    /// A record type.
    Record(RecordTypeArg),
    /// A directory of competent authorities (JSON).
    Directory,
}

impl clap::ValueEnum for TemplateOf {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            TemplateOf::Record(RecordTypeArg::Movement),
            TemplateOf::Record(RecordTypeArg::Smuggler),
            TemplateOf::Record(RecordTypeArg::Fee),
            TemplateOf::Record(RecordTypeArg::Document),
            TemplateOf::Record(RecordTypeArg::Case),
            TemplateOf::Directory,
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            TemplateOf::Record(r) => r.to_possible_value(),
            TemplateOf::Directory => Some(
                clap::builder::PossibleValue::new("directory")
                    .help("A directory of competent authorities, for vrs directory publish"),
            ),
        }
    }
}

/// `vrs template TYPE`.
#[derive(Args)]
pub struct TemplateArgs {
    /// The record type, or `directory`.
    #[arg(value_enum)]
    record_type: TemplateOf,
    /// For `directory`: the State (ISO 3166-1 alpha-3) whose directory it is.
    #[arg(long, value_name = "ISO3", default_value = "XXX")]
    state: String,
    /// What to write.
    #[arg(long, short = 'f', value_enum, default_value_t = TemplateFormat::Table)]
    format: TemplateFormat,
    /// Write to FILE instead of standard output (needed for xlsx on a terminal).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl TemplateArgs {
    /// Writes the template.
    pub fn run(self) -> anyhow::Result<()> {
        let record_type = match self.record_type {
            TemplateOf::Directory => return self.directory(),
            TemplateOf::Record(r) => r,
        };
        let t = RecordType::ALL
            .iter()
            .copied()
            .find(|t| t.field() == record_type.field())
            .ok_or_else(|| UsageError("retracted reports have no template".into()))?;
        let bytes = match self.format {
            TemplateFormat::Table => {
                let mut table = Table::new(&["column", "label", "written", "help"]);
                for c in template::columns(t) {
                    table.push(vec![
                        json!(c.path),
                        json!(c.label),
                        json!(c.written()),
                        json!(c.help),
                    ]);
                }
                table.render(super::Output::Table).into_bytes()
            }
            TemplateFormat::Csv => template::csv(t).into_bytes(),
            TemplateFormat::Json => {
                let mut s = serde_json::to_string_pretty(&template::json(t))?;
                s.push('\n');
                s.into_bytes()
            }
            TemplateFormat::Xlsx => template::xlsx(t).context("writing the workbook")?,
        };
        match &self.out {
            Some(path) => {
                std::fs::write(path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "vrs: {} template written to {} (fill it in, then: vrs submit {})",
                    t.field(),
                    path.display(),
                    path.display()
                );
            }
            None if self.format == TemplateFormat::Xlsx && std::io::stdout().is_terminal() => {
                return Err(UsageError("an xlsx template needs --out FILE".into()).into());
            }
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)?;
                out.flush()?;
            }
        }
        Ok(())
    }

    /// `vrs template directory`: an example directory (JSON) to edit and publish.
    fn directory(&self) -> anyhow::Result<()> {
        let d = vrs_core::directory::Directory::template(&self.state, vrs_client::today());
        let mut text = serde_json::to_string_pretty(&d)?;
        text.push('\n');
        match &self.out {
            Some(path) => {
                std::fs::write(path, &text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!(
                    "vrs: directory template written to {} (fill it in, then: vrs directory publish {})",
                    path.display(),
                    path.display()
                );
            }
            None => print!("{text}"),
        }
        Ok(())
    }
}
