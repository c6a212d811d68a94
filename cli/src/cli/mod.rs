//! The commands of the `vrs` binary, and what they share: profiles, output tables,
//! exit codes, signing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::Value;
use vrs_client::client::{Client, ClientError};
use vrs_client::profile::{self, Profile, Selector};
use vrs_core::envelope::{Envelope, SigningKey};
use vrs_proto::v1 as pb;

use clap::Args;

pub mod codes;
pub mod keys;
pub mod log;
pub mod outbox;
pub mod pki;
pub mod region;
pub mod releases;
pub mod reports;
pub mod submit;
pub mod sync;

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
    for cause in e.chain() {
        if cause.is::<UsageError>() {
            return Some(EXIT_USAGE);
        }
        if cause.is::<Rejected>()
            || matches!(
                cause.downcast_ref::<vrs_client::credentials::CredentialError>(),
                Some(vrs_client::credentials::CredentialError::WrongRole { .. })
            )
        {
            return Some(EXIT_REJECTED);
        }
        if let Some(c) = cause.downcast_ref::<ClientError>() {
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

/// Who signs: the signing key of the profile and the identity of its certificate.
pub struct Signer {
    /// The signing key.
    pub key: SigningKey,
    /// The certificate's State, if it names one.
    pub state: Option<String>,
    /// The certificate's focal-point id, if it is a focal point's.
    pub focal_point_id: Option<String>,
}

impl Signer {
    /// The signer of the profile.
    pub fn load(p: &Profile) -> anyhow::Result<Self> {
        let credentials = vrs_client::client::check_credentials(p)?;
        credentials.require(vrs_client::credentials::Need::FocalPoint, "signing reports")?;
        warn_exposed_keys(p);
        let key = vrs_client::keyfile::read(p.require_signing_key()?)?;
        let role = credentials.role;
        let (state, focal_point_id) = match role {
            vrs_core::identity::Role::FocalPoint { state, id } => (Some(state), Some(id)),
            other => (other.state().map(str::to_owned), None),
        };
        Ok(Self {
            key,
            state,
            focal_point_id,
        })
    }

    /// Signs a report message (its bytes as encoded once, here).
    pub fn sign(&self, report: &pb::Report) -> pb::Envelope {
        let env = Envelope::sign(
            vrs_proto::REPORT_PAYLOAD_TYPE,
            prost::Message::encode_to_vec(report),
            &self.key,
        );
        vrs_core::wire::envelope_to_pb(&env)
    }
}

/// Now, as an RFC 3339 UTC timestamp.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    vrs_core::codes::Timestamp::from_unix_seconds(secs)
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
}

/// Today (UTC), as the node computes it.
pub fn today() -> vrs_core::codes::Date {
    vrs_client::today()
}

/// A random (version 4) report id.
pub fn new_report_id() -> anyhow::Result<String> {
    let bytes: [u8; 16] = ring::rand::generate(&ring::rand::SystemRandom::new())
        .map_err(|_| anyhow::anyhow!("the system random number generator failed"))?
        .expose();
    Ok(vrs_core::report::ReportId::new_v4(bytes).to_string())
}

/// Checks a report id given on the command line.
pub fn check_report_id(id: &str) -> Result<(), UsageError> {
    vrs_core::report::ReportId::parse(id)
        .map(|_| ())
        .map_err(|_| UsageError(format!("{id:?} is not a report id (a lower-case UUID)")))
}

/// The files a receipt is saved as: `<dir>/<first two characters of the report
/// id>/<report_id>.v<version>.tlog-proof` and the entry bytes next to it (`.entry`).
/// Fanned out as git stores objects, so that a file of 50,000 reports leaves a few
/// hundred files per directory, not 100,000 in one.
pub fn receipt_paths(dir: &Path, report_id: &str, version: u32) -> (PathBuf, PathBuf) {
    let dir = dir.join(report_id.get(..2).unwrap_or("__"));
    (
        dir.join(format!("{report_id}.v{version}.tlog-proof")),
        dir.join(format!("{report_id}.v{version}.entry")),
    )
}

/// The entry file saved next to a receipt (`X.tlog-proof` → `X.entry`).
pub fn entry_beside(receipt: &Path) -> PathBuf {
    receipt.with_extension("entry")
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

/// Writes a receipt and its entry bytes; verifies the receipt when `vkey` is known.
/// Returns the receipt's path, or why the receipt is not good.
pub fn save_receipt(
    dir: &Path,
    report_id: &str,
    version: u32,
    entry: &[u8],
    receipt: &pb::Receipt,
    vkey: Option<&str>,
) -> Result<PathBuf, String> {
    let (proof, entry_path) = receipt_paths(dir, report_id, version);
    if let Some(parent) = proof.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&proof, &receipt.tlog_proof)
        .map_err(|e| format!("cannot write {}: {e}", proof.display()))?;
    std::fs::write(&entry_path, entry)
        .map_err(|e| format!("cannot write {}: {e}", entry_path.display()))?;
    if let Some(vkey) = vkey {
        verify_receipt_text(&receipt.tlog_proof, entry, vkey)
            .map_err(|e| format!("the node's receipt does not verify: {e}"))?;
    }
    Ok(proof)
}

/// Verifies a receipt against entry bytes and a verifier key, and that the checkpoint's
/// origin is the key's log.
pub fn verify_receipt_text(text: &str, entry: &[u8], vkey: &str) -> anyhow::Result<u64> {
    let verifiers = vrs_core::note::Verifiers::from_vkeys([vkey]).context("verifier key")?;
    let v = vrs_core::receipt::Receipt::parse(text)?.verify(entry, &verifiers)?;
    let name = vrs_core::note::NoteVerifier::parse(vkey)
        .map(|k| k.name().to_owned())
        .unwrap_or_default();
    if v.checkpoint.checkpoint.origin != name {
        anyhow::bail!(
            "the checkpoint is of log {}, not {name}",
            v.checkpoint.checkpoint.origin
        );
    }
    Ok(v.index)
}

/// Entry bytes (what the log holds) of an envelope.
pub fn entry_bytes(env: &pb::Envelope) -> Vec<u8> {
    vrs_core::wire::envelope_from_pb(env.clone()).to_entry_bytes()
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

/// Runs an async command on a fresh runtime.
pub fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?
        .block_on(f)
}
