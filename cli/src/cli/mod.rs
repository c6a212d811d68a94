//! The commands of the `vrs` binary, and what they share: profiles, output tables,
//! exit codes, signing.

use std::io::Write as _;

use anyhow::Context as _;

use serde_json::Value;
use vrs_client::client::{Client, ClientError};
use vrs_client::profile::{self, Profile, Selector};
use vrs_proto::v1 as pb;

use clap::Args;

pub mod codes;
pub mod directory;
pub mod keys;
pub mod log;
pub mod notekey;
pub mod outbox;
pub mod pki;
pub mod region;
pub mod releases;
pub mod reports;
pub mod roster;
pub mod submit;
pub mod sync;
pub mod ui;

/// Exit status: failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status: usage.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: rejected.
pub const EXIT_REJECTED: u8 = 3;

/// An argument value refused before anything is sent (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Some records or requests were refused (exit 3); the details were printed already.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

/// The exit code an error calls for: 2 for a usage error, 3 for a rejection, else 1.
pub fn exit_code(e: &anyhow::Error) -> Option<u8> {
    use vrs_client::credentials::CredentialError;
    use vrs_client::submission::{FetchError, SignerError};
    for cause in e.chain() {
        if cause.is::<UsageError>() {
            return Some(EXIT_USAGE);
        }
        let wrong_role = matches!(
            cause.downcast_ref::<CredentialError>(),
            Some(CredentialError::WrongRole { .. })
        ) || matches!(
            cause.downcast_ref::<SignerError>(),
            Some(SignerError::Credentials(CredentialError::WrongRole { .. }))
        );
        if cause.is::<Rejected>() || wrong_role {
            return Some(EXIT_REJECTED);
        }
        let client = cause.downcast_ref::<ClientError>().or(
            match (
                cause.downcast_ref::<FetchError>(),
                cause.downcast_ref::<SignerError>(),
            ) {
                (Some(FetchError::Client(c)), _) | (_, Some(SignerError::Client(c))) => Some(c),
                _ => None,
            },
        );
        if let Some(c) = client {
            return Some(if c.is_rejection() {
                EXIT_REJECTED
            } else {
                EXIT_FAILURE
            });
        }
    }
    Some(EXIT_FAILURE)
}

/// The message printed for an error: the error and its causes, each said once (an
/// error that prints its source in its own words is not followed by that source again).
pub fn describe(e: &anyhow::Error) -> String {
    vrs_proto::transport::error_chain(e.as_ref())
}

/// Output formats of tabular results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    Table,
    /// A JSON array of objects.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Record types, as command-line values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordTypeArg {
    /// Detected irregular movements.
    Movement,
    /// Suspected smugglers.
    Smuggler,
    /// Fees paid.
    Fee,
    /// Document fraud.
    Document,
    /// Criminal justice cases.
    Case,
    /// Retracted reports (list only).
    Retracted,
}

impl RecordTypeArg {
    /// The name of the `body` field (`movement`, …).
    pub fn field(self) -> &'static str {
        match self {
            RecordTypeArg::Movement => "movement",
            RecordTypeArg::Smuggler => "smuggler",
            RecordTypeArg::Fee => "fee",
            RecordTypeArg::Document => "document",
            RecordTypeArg::Case => "case",
            RecordTypeArg::Retracted => "retracted",
        }
    }

    /// The wire value.
    pub fn wire(self) -> pb::RecordType {
        match self {
            RecordTypeArg::Movement => pb::RecordType::Movement,
            RecordTypeArg::Smuggler => pb::RecordType::Smuggler,
            RecordTypeArg::Fee => pb::RecordType::Fee,
            RecordTypeArg::Document => pb::RecordType::Document,
            RecordTypeArg::Case => pb::RecordType::Case,
            RecordTypeArg::Retracted => pb::RecordType::Retracted,
        }
    }
}

/// A table of results.
pub struct Table {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: &[&'static str]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    /// The table in `format`.
    pub fn render(&self, format: Output) -> String {
        match format {
            Output::Json => {
                let items: Vec<Value> = self
                    .rows
                    .iter()
                    .map(|r| {
                        Value::Object(
                            self.columns
                                .iter()
                                .zip(r)
                                .map(|(c, v)| ((*c).to_owned(), v.clone()))
                                .collect(),
                        )
                    })
                    .collect();
                let mut s = serde_json::to_string_pretty(&Value::Array(items))
                    .unwrap_or_else(|_| "[]".into());
                s.push('\n');
                s
            }
            Output::Csv => vrs_client::bulk::write_csv(
                &self.columns,
                self.rows
                    .iter()
                    .map(|r| r.iter().map(cell_text).collect::<Vec<_>>()),
            ),
            Output::Table => {
                let texts: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|v| cell_text(v).replace('\n', " ")).collect())
                    .collect();
                let mut widths: Vec<usize> = self.columns.iter().map(|c| c.len()).collect();
                for r in &texts {
                    for (w, t) in widths.iter_mut().zip(r) {
                        *w = (*w).max(t.chars().count());
                    }
                }
                let line = |cells: Vec<String>| {
                    let n = cells.len();
                    let mut s = String::new();
                    for (i, (c, w)) in cells.into_iter().zip(&widths).enumerate() {
                        if i + 1 == n {
                            s.push_str(&c);
                        } else {
                            let pad = w.saturating_sub(c.chars().count());
                            s.push_str(&c);
                            s.push_str(&" ".repeat(pad + 2));
                        }
                    }
                    s.trim_end().to_owned() + "\n"
                };
                let mut s = line(self.columns.iter().map(|c| c.to_uppercase()).collect());
                for r in texts {
                    s.push_str(&line(r));
                }
                s
            }
        }
    }

    /// Prints the table on standard output.
    pub fn print(&self, format: Output) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(self.render(format).as_bytes());
        let _ = out.flush();
    }
}

/// Loads the selected profile.
pub fn load_profile(sel: &Selector) -> anyhow::Result<Profile> {
    Ok(profile::load(sel, &profile::process_env)?)
}

/// Loads the selected profile and connects to its node.
pub async fn connect(sel: &Selector) -> anyhow::Result<(Profile, Client)> {
    connect_profile(load_profile(sel)?).await
}

async fn connect_profile(p: Profile) -> anyhow::Result<(Profile, Client)> {
    warn_exposed_keys(&p);
    let c = Client::connect(&p).await?;
    Ok((p, c))
}

/// As [`connect`], for a command that `needs` (e.g. "managing keys") the role `need`:
/// a certificate of another role is refused before connecting, in one sentence.
pub async fn connect_as(
    sel: &Selector,
    need: vrs_client::credentials::Need,
    needs: &'static str,
) -> anyhow::Result<(Profile, Client)> {
    let p = load_profile(sel)?;
    vrs_client::client::check_credentials(&p)?.require(need, needs)?;
    connect_profile(p).await
}

/// Warns about the profile's private keys (TLS and signing) that others can read.
pub fn warn_exposed_keys(p: &Profile) {
    for key in [p.key.as_deref(), p.signing_key.as_deref()]
        .into_iter()
        .flatten()
    {
        if let Some(w) = vrs_client::credentials::key_exposure(key) {
            warn(w);
        }
    }
}

pub use vrs_client::submission::{Signer, entry_beside, now, receipt_paths, verify_receipt_text};

/// The signer of a profile, with a warning for private keys others can read.
pub fn load_signer(p: &Profile) -> anyhow::Result<Signer> {
    let signer = Signer::load(p)?;
    warn_exposed_keys(p);
    Ok(signer)
}

/// Checks a report id given on the command line.
pub fn check_report_id(id: &str) -> Result<(), UsageError> {
    vrs_core::report::ReportId::parse(id)
        .map(|_| ())
        .map_err(|_| UsageError(format!("{id:?} is not a report id (a lower-case UUID)")))
}

/// A verifier key given on the command line (`name+keyid+base64`), or the path of a
/// file that holds one (`node.vkey`), as cosign and minisign users type.
pub fn verifier_key(arg: &str) -> Result<String, String> {
    if arg.contains('+') {
        return Ok(arg.to_owned());
    }
    match std::fs::read_to_string(arg) {
        Ok(text) if text.trim().contains('+') => Ok(text.trim().to_owned()),
        Ok(_) => Err(format!(
            "{arg} does not hold a verifier key (name+keyid+base64)"
        )),
        Err(e) => Err(format!(
            "{arg:?} is neither a verifier key (name+keyid+base64) nor a file holding one ({e})"
        )),
    }
}

/// A warning on standard error.
pub fn warn(msg: impl std::fmt::Display) {
    eprintln!("vrs: warning: {msg}");
}

#[derive(Args)]
pub struct OutputArg {
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

/// Reads the UTF-8 text file `path`, refusing (exit 3) one of more than `max` bytes, as
/// `what` ("a roster") may not be; never reads more than that.
pub fn read_text_bounded(path: &std::path::Path, max: usize, what: &str) -> anyhow::Result<String> {
    use std::io::Read as _;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut text = String::new();
    file.take(max as u64 + 1)
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read {} (as UTF-8 text)", path.display()))?;
    if text.len() > max {
        return Err(Rejected(format!(
            "{}: larger than {what} may be ({max} bytes)",
            path.display()
        ))
        .into());
    }
    Ok(text)
}

/// Runs an async command on a fresh runtime.
pub fn block_on<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?
        .block_on(f)
}
