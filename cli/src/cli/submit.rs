//! `vrs submit`: read report files, validate and sign each record locally, send them
//! concurrently, write receipts, and report every refused record with its line and
//! field paths.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Value, json};
use vrs_client::bulk::{self, Format};
use vrs_client::client::{Client, ClientError};
use vrs_client::outbox::{self, Outbox};

use super::{Output, RecordTypeArg, Rejected, Signer, Table, UsageError};

use clap::Args;
use vrs_client::profile::Selector;

use super::OutputArg;

mod send;

use send::connect_retrying;
pub use send::send_all;

/// What `vrs submit` was asked.
pub struct Options {
    /// Report files.
    pub files: Vec<PathBuf>,
    /// Default record type of CSV rows.
    pub record_type: Option<RecordTypeArg>,
    /// Receipts directory.
    pub receipts: PathBuf,
    /// Submissions in flight.
    pub jobs: usize,
    /// Output format.
    pub output: Output,
    /// Validate and sign only: send nothing, journal nothing.
    pub dry_run: bool,
    /// Where to write the refused records with their errors (its extension gives the
    /// format).
    pub rejects: Option<PathBuf>,
    /// Attempts after the first at a record whose call failed on the way (node
    /// unreachable or unavailable, deadline passed).
    pub retries: u32,
    /// Send without journalling in the outbox (benchmarks only: a rerun may log a line
    /// twice).
    pub no_outbox: bool,
}

/// What happened to one record.
pub enum Outcome {
    /// Logged (or logged before, for a duplicate); the receipt's path.
    Accepted {
        /// Log index.
        index: u64,
        /// Whether the same bytes had been logged before.
        duplicate: bool,
        /// The receipt file.
        receipt: PathBuf,
    },
    /// Refused, by local validation or by the node: one line per problem.
    Rejected(Vec<String>),
    /// The call failed, or the node's receipt did not verify.
    Failed(String),
    /// Valid by every rule the node applies (`--dry-run`: not sent).
    Valid,
}

/// One record's result.
pub struct Row {
    /// `file:line`.
    pub source: String,
    /// Report id (empty if unknown).
    pub report_id: String,
    /// Version (0 if unknown).
    pub version: u32,
    /// What happened.
    pub outcome: Outcome,
}

impl Row {
    fn cells(&self) -> Vec<Value> {
        let (result, index, detail) = match &self.outcome {
            Outcome::Accepted {
                index,
                duplicate,
                receipt,
            } => (
                if *duplicate { "duplicate" } else { "accepted" },
                json!(index),
                receipt.display().to_string(),
            ),
            Outcome::Rejected(p) => ("rejected", Value::Null, p.join("; ")),
            Outcome::Failed(m) => ("failed", Value::Null, m.clone()),
            Outcome::Valid => ("valid", Value::Null, "not sent (--dry-run)".to_owned()),
        };
        vec![
            json!(self.source),
            json!(self.report_id),
            if self.version == 0 {
                Value::Null
            } else {
                json!(self.version)
            },
            json!(result),
            index,
            json!(detail),
        ]
    }
}

/// Columns of the result table.
pub const COLUMNS: &[&str] = &[
    "source",
    "report_id",
    "version",
    "result",
    "log_index",
    "detail",
];

/// Prints rows as a table in `format`.
pub fn print_rows(rows: &[Row], format: Output) {
    let mut t = Table::new(COLUMNS);
    for r in rows {
        t.push(r.cells());
    }
    t.print(format);
}

/// The problems of a refusal, one line each: the field violations if there are any,
/// else the node's message.
pub fn problems(e: &ClientError) -> Vec<String> {
    match e {
        ClientError::Rejected {
            message,
            violations,
            ..
        } if violations.is_empty() => vec![message.clone()],
        ClientError::Rejected { violations, .. } => {
            violations.iter().map(ToString::to_string).collect()
        }
        other => vec![other.to_string()],
    }
}

pub use vrs_client::submission::Prepared;

/// Fills in what the signer determines, where the record leaves it out.
pub fn fill_defaults(v: &mut Value, signer: &Signer) -> anyhow::Result<()> {
    vrs_client::submission::fill_defaults(v, signer)
        .map_err(|_| anyhow::anyhow!("the system random number generator failed"))
}

/// Validates the JSON form of a report with every rule and signs it; or the report id,
/// version and problems.
pub fn prepare(
    v: &Value,
    lenient: bool,
    signer: &Signer,
) -> Result<Prepared, (String, u32, Vec<String>)> {
    vrs_client::submission::prepare(v, lenient, signer)
        .map_err(|r| (r.report_id.clone(), r.version, r.lines()))
}

/// Sends one signed report and saves its receipt.
pub async fn send(
    client: &Client,
    p: &Prepared,
    receipts: &Path,
    vkey: Option<&str>,
) -> Result<Outcome, ClientError> {
    Ok(
        match vrs_client::submission::send(client, p, receipts, vkey).await? {
            Ok(s) => Outcome::Accepted {
                index: s.index,
                duplicate: s.duplicate,
                receipt: s.receipt,
            },
            Err(e) => Outcome::Failed(e),
        },
    )
}

/// `vrs submit`.
pub async fn submit(sel: &vrs_client::profile::Selector, opts: Options) -> anyhow::Result<()> {
    if opts.record_type == Some(RecordTypeArg::Retracted) {
        return Err(UsageError(
            "--type retracted is for `vrs list`; retract with `vrs retract ID`".into(),
        )
        .into());
    }
    let profile = super::load_profile(sel)?;
    let signer = super::load_signer(&profile)?;
    if profile.vkey.is_none() {
        super::warn(format!(
            "profile {:?} has no vkey: receipts are saved but not verified",
            profile.name
        ));
    }

    // Read, validate and sign everything first: a bad file is reported without a node.
    // Each record signed is journalled in the outbox before anything is sent; one
    // journalled before (an earlier run of the same file) is sent as it was signed.
    let state_dir = vrs_client::profile::default_state_dir(&vrs_client::profile::process_env);
    let mut outbox = Outbox::open(&Outbox::path_for(&state_dir, &profile.name))?;
    let ReadAll {
        mut rows,
        mut ready,
        originals,
    } = read_all(&opts, &mut outbox, &signer)?;
    // Every record staged in the journal is on disk before the first is sent.
    outbox.sync()?;
    if opts.dry_run {
        for r in ready.drain(..) {
            rows.push((r.n, r.row(Outcome::Valid)));
        }
    }
    let client = if ready.is_empty() {
        None
    } else {
        match connect_retrying(&profile, opts.retries).await {
            Ok(c) => Some(c),
            Err(e) => {
                // Still say what happened to every record, then fail.
                let why = format!("{e} (queued in the outbox: run the same command again)");
                for r in ready.drain(..) {
                    rows.push((r.n, r.row(Outcome::Failed(why.clone()))));
                }
                None
            }
        }
    };
    if let Some(client) = client {
        rows.extend(send_all(&client, ready, &opts, profile.vkey.clone(), &mut outbox).await?);
    }
    rows.sort_by_key(|(n, _)| *n);
    if let Some(path) = &opts.rejects {
        write_rejects(path, &rows, &originals)?;
    }
    let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
    print_rows(&rows, opts.output);
    finish(&rows, &opts.receipts, opts.dry_run)
}

/// Writes the refused records (`rows` in input order) with their errors to `path`, in
/// the format its extension names; nothing refused: an empty file (or a header).
fn write_rejects(
    path: &Path,
    rows: &[(usize, Row)],
    originals: &std::collections::HashMap<usize, Value>,
) -> anyhow::Result<()> {
    let rejects: Vec<bulk::Reject> = rows
        .iter()
        .filter_map(|(n, r)| match &r.outcome {
            Outcome::Rejected(errors) => Some(bulk::Reject {
                source: r.source.clone(),
                record: originals.get(n).cloned(),
                errors: errors.clone(),
            }),
            _ => None,
        })
        .collect();
    // A workbook cannot be written back: its rejects are CSV (see --rejects).
    let text = bulk::write_rejects(Format::of(path), &rejects);
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if !rejects.is_empty() {
        eprintln!(
            "vrs: {} refused record(s) written to {} with their errors: fix them there and \
             submit that file",
            rejects.len(),
            path.display()
        );
    }
    Ok(())
}

/// What [`read_all`] makes of the files.
struct ReadAll {
    /// Records already settled (refused here, or acknowledged in an earlier run), by
    /// their position.
    rows: Vec<(usize, Row)>,
    /// Records to send.
    ready: Vec<Ready>,
    /// With `--rejects`: every record as read, by its position.
    originals: std::collections::HashMap<usize, Value>,
}

/// Every record of the files: refused (with its rows) or ready to send. Records are
/// validated and signed here, and journalled in the outbox unless `--dry-run`.
fn read_all(opts: &Options, outbox: &mut Outbox, signer: &Signer) -> anyhow::Result<ReadAll> {
    let mut rows: Vec<(usize, Row)> = Vec::new();
    let mut ready: Vec<Ready> = Vec::new();
    let mut originals = std::collections::HashMap::new();
    for (file, format, rec) in records(opts)? {
        let file = file.as_path();
        let n = rows.len() + ready.len();
        let source = format!("{}:{}", file.display(), rec.line);
        if let (Some(_), Ok(v)) = (&opts.rejects, &rec.value) {
            originals.insert(n, v.clone());
        }
        let prepared = match rec.value {
            Err(e) => Err((String::new(), 0, vec![e])),
            Ok(mut v) if opts.dry_run || opts.no_outbox => {
                fill_defaults(&mut v, signer)?;
                prepare(&v, format.lenient(), signer).map(|p| Journalled::Send(String::new(), p))
            }
            Ok(v) => journalled(outbox, file, rec.line, &source, v, format, signer)?,
        };
        match prepared {
            Ok(Journalled::Send(key, p)) => ready.push(Ready { n, source, key, p }),
            Ok(Journalled::Logged(q, index)) => {
                // Acknowledged in an earlier run: nothing to send.
                let (receipt, _) = super::receipt_paths(&opts.receipts, &q.report_id, q.version);
                let outcome = Outcome::Accepted {
                    index,
                    duplicate: true,
                    receipt,
                };
                rows.push((
                    n,
                    Row {
                        source,
                        report_id: q.report_id,
                        version: q.version,
                        outcome,
                    },
                ));
            }
            Err((report_id, version, problems)) => rows.push((
                n,
                Row {
                    source,
                    report_id,
                    version,
                    outcome: Outcome::Rejected(problems),
                },
            )),
        }
    }
    Ok(ReadAll {
        rows,
        ready,
        originals,
    })
}

/// Every record of the files, with the name it is known by (the file, or `file[sheet]`
/// for a sheet of a workbook) and its format.
fn records(opts: &Options) -> anyhow::Result<Vec<(PathBuf, Format, bulk::Record)>> {
    let default_type = opts.record_type.map(RecordTypeArg::field);
    let mut out = Vec::new();
    for file in &opts.files {
        if Format::of(file) == Format::Xlsx {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            for (sheet, recs) in bulk::read_xlsx(&bytes, default_type) {
                let name = PathBuf::from(format!("{}[{sheet}]", file.display()));
                out.extend(recs.into_iter().map(|r| (name.clone(), Format::Xlsx, r)));
            }
            continue;
        }
        let text = read_input(file)?;
        let format = match Format::of(file) {
            // Standard input: one JSON text (a report or an array), else NDJSON.
            Format::Json
                if file == Path::new("-") && serde_json::from_str::<Value>(&text).is_err() =>
            {
                Format::Ndjson
            }
            f => f,
        };
        out.extend(
            bulk::read(&text, format, default_type)
                .into_iter()
                .map(|r| (file.clone(), format, r)),
        );
    }
    Ok(out)
}

/// The text of a report file, or of standard input for `-`.
fn read_input(file: &Path) -> anyhow::Result<String> {
    if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("cannot read standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

/// A record ready to send: its position, source, outbox key and envelope.
pub struct Ready {
    /// Its position in the output.
    pub n: usize,
    /// `file:line`.
    pub source: String,
    /// Its outbox key.
    pub key: String,
    /// The signed envelope.
    pub p: Prepared,
}

impl Ready {
    fn row(&self, outcome: Outcome) -> Row {
        Row {
            source: self.source.clone(),
            report_id: self.p.report_id.clone(),
            version: self.p.version,
            outcome,
        }
    }
}

use vrs_client::submission::Journalled;

/// The record read from `file` at `line`: acknowledged in an earlier run, journalled
/// by one (sent again as it was signed), or validated, signed and journalled now; or
/// why it is refused ([`vrs_client::submission::journal`]).
#[allow(clippy::type_complexity)]
fn journalled(
    outbox: &mut Outbox,
    file: &Path,
    line: usize,
    source: &str,
    v: Value,
    format: Format,
    signer: &Signer,
) -> anyhow::Result<Result<Journalled, (String, u32, Vec<String>)>> {
    let key = outbox::key(file, line, &v);
    Ok(
        vrs_client::submission::journal(outbox, key, source, v, format.lenient(), signer)?
            .map_err(|r| (r.report_id.clone(), r.version, r.lines())),
    )
}

/// Prints the refused records and a summary on standard error; the error that sets the
/// exit code.
pub fn finish(rows: &[Row], receipts: &Path, dry_run: bool) -> anyhow::Result<()> {
    let (mut accepted, mut duplicates, mut rejected, mut failed) = (0, 0, 0, 0);
    let valid = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Valid))
        .count();
    for r in rows {
        let what = match &r.outcome {
            Outcome::Accepted { duplicate, .. } => {
                if *duplicate {
                    duplicates += 1;
                } else {
                    accepted += 1;
                }
                continue;
            }
            Outcome::Valid => continue,
            Outcome::Rejected(p) => {
                rejected += 1;
                ("rejected", p.clone())
            }
            Outcome::Failed(m) => {
                failed += 1;
                ("failed", vec![m.clone()])
            }
        };
        let id = if r.report_id.is_empty() {
            String::new()
        } else {
            format!(" (report {} v{})", r.report_id, r.version)
        };
        eprintln!("vrs: {} {}{id}:", what.0, r.source);
        for p in what.1 {
            eprintln!("  {p}");
        }
    }
    if dry_run {
        eprintln!(
            "vrs: {} record(s): {valid} valid, {rejected} rejected; nothing sent (--dry-run)",
            rows.len()
        );
    } else {
        eprintln!(
            "vrs: {} record(s): {accepted} accepted, {duplicates} already logged, {rejected} rejected, \
             {failed} failed; receipts in {}",
            rows.len(),
            receipts.display()
        );
    }
    if failed > 0 {
        anyhow::bail!("{failed} record(s) could not be submitted (see above); submit them again");
    }
    if rejected > 0 {
        return Err(Rejected(format!("{rejected} record(s) rejected (see above)")).into());
    }
    Ok(())
}

#[derive(Args)]
pub struct SubmitArgs {
    /// Report files (.json, .ndjson/.jsonl, .csv, .xlsx with one sheet per record
    /// type); `-` is standard input, read as JSON or NDJSON.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Record type of CSV rows without a record_type column.
    #[arg(long = "type", value_enum)]
    record_type: Option<RecordTypeArg>,
    /// Directory for receipts.
    #[arg(long, default_value = "receipts", value_name = "DIR")]
    receipts: PathBuf,
    /// Submissions in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
    /// Validate and sign every record locally, by the node's own rules, and send
    /// nothing (no connection, nothing journalled). Exits 3 if a record is refused.
    #[arg(long)]
    dry_run: bool,
    /// Write the refused records to FILE with their errors next to them (`_errors`),
    /// ready to fix and submit; FILE's extension (.csv, .ndjson, .json) gives its format
    /// (.xlsx is not written: use .csv, which holds any record).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Attempts after the first at a record whose call failed on the way (the node
    /// unreachable or busy, a deadline passed), with backoff from 250 ms to 8 s.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(0..=20))]
    retries: u32,
    /// Send without the outbox's journal, for the benchmark that measures what the
    /// journal costs: a rerun of the same file may log a record twice.
    #[arg(long, hide = true)]
    no_outbox: bool,
    #[command(flatten)]
    output: OutputArg,
}

impl SubmitArgs {
    /// Runs `vrs submit`.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        if let Some(r) = &self.rejects
            && Format::of(r) == Format::Xlsx
        {
            return Err(UsageError(format!(
                "--rejects {}: write the rejects as .csv (it holds records of any type and \
                 opens in a spreadsheet)",
                r.display()
            ))
            .into());
        }
        super::block_on(submit(
            sel,
            Options {
                files: self.files,
                record_type: self.record_type,
                receipts: self.receipts,
                jobs: usize::from(self.jobs),
                output: self.output.output,
                dry_run: self.dry_run,
                rejects: self.rejects,
                retries: self.retries,
                no_outbox: self.no_outbox,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::send::backoff;

    #[test]
    fn backoff_doubles_to_a_ceiling_with_bounded_jitter() {
        for _ in 0..50 {
            let first = backoff(0).as_millis();
            assert!((250..=375).contains(&first), "{first}");
            let third = backoff(2).as_millis();
            assert!((1000..=1500).contains(&third), "{third}");
            let late = backoff(30).as_millis();
            assert!((8000..=12000).contains(&late), "{late}");
        }
    }
}
