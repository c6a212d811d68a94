//! `vrs releases` and `vrs region`: aggregate releases, read from any node (a node relays
//! every origin's releases it holds) and verified under each origin's pinned verifier
//! key (the profile's `origin_keys` / `keys_file`), whoever relayed them.

use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use vrs_client::client::Client;
use vrs_client::profile::{Profile, Selector};
use vrs_client::region;
use vrs_core::envelope::Envelope;
use vrs_core::release::Release;
use vrs_proto::v1 as pb;

use super::{Output, Table, UsageError};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::OutputArg;

/// Formats of release data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// SDMX-CSV 2.0 (one table).
    SdmxCsv,
    /// Plain CSV for spreadsheets (one table).
    Csv,
    /// JSON (any tables).
    Json,
}

impl From<Format> for region::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::SdmxCsv => region::Format::SdmxCsv,
            Format::Csv => region::Format::Csv,
            Format::Json => region::Format::Json,
        }
    }
}

/// Formats of the SDMX structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StructureFormat {
    /// SDMX-ML 2.1 structure message.
    SdmxMl,
    /// SDMX-JSON 1.0 structure message.
    SdmxJson,
}

/// A release that does not verify, or is not the one asked for (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Filters of `list` and `export`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Origin State.
    pub origin: Option<String>,
    /// Table id.
    pub table: Option<String>,
    /// SDMX period.
    pub period: Option<String>,
}

pub(super) fn check_state(s: &str, what: &str) -> Result<String, UsageError> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) && vrs_core::codes::is_country(s) {
        Ok(s.to_owned())
    } else {
        Err(UsageError(format!(
            "{what} {s:?} is not a State (ISO 3166-1 alpha-3, upper case, e.g. AUS)"
        )))
    }
}

pub(super) fn check_table(s: &str) -> Result<String, UsageError> {
    vrs_core::aggregate::TableId::parse(s)
        .map(|t| t.code().to_owned())
        .map_err(|_| {
            let all: Vec<&str> = vrs_core::aggregate::TableId::ALL
                .iter()
                .map(|t| t.code())
                .collect();
            UsageError(format!("table {s:?} is not one of {}", all.join(", ")))
        })
}

pub(super) fn check_period(s: &str) -> Result<String, UsageError> {
    vrs_core::aggregate::Period::parse(s)
        .map(|p| p.to_string())
        .map_err(|_| {
            UsageError(format!(
                "period {s:?} is not an SDMX period (YYYY-Mmm, e.g. 2026-M03, or YYYY-Www)"
            ))
        })
}

impl Filter {
    fn request(&self) -> Result<pb::ListReleasesRequest, UsageError> {
        Ok(pb::ListReleasesRequest {
            origin: match &self.origin {
                Some(o) => check_state(o, "--origin")?,
                None => String::new(),
            },
            table: match &self.table {
                Some(t) => check_table(t)?,
                None => String::new(),
            },
            period: match &self.period {
                Some(p) => check_period(p)?,
                None => String::new(),
            },
        })
    }
}

pub(super) use vrs_client::region::{Check, Want};

/// Fetches and opens one release; a refusal names the release, the node and why.
pub(super) async fn fetch(
    p: &Profile,
    client: &Client,
    want: &Want,
    require_key: bool,
) -> anyhow::Result<(Release, Envelope, Check)> {
    vrs_client::region::fetch(p, client, want, require_key)
        .await
        .map_err(|e| match e {
            region::FetchError::Refused(why) => Refused(why).into(),
            region::FetchError::Client(e) => e.into(),
            e => anyhow::Error::from(e),
        })
}

fn policy_text(r: &Release) -> String {
    match &r.policy {
        vrs_core::disclosure::Policy::Threshold { k } => format!("threshold k={k}"),
        vrs_core::disclosure::Policy::Noise(n) => {
            format!("noise epsilon={} delta={} k={}", n.epsilon, n.delta, n.k)
        }
    }
}

fn render(
    releases: &[Release],
    table: Option<vrs_core::aggregate::TableId>,
    format: Format,
) -> anyhow::Result<String> {
    Ok(region::render(releases, table, format.into())?)
}

/// `vrs releases structure`: the SDMX structure of the exports, which depends only on
/// the table definitions (no node is asked).
pub fn structure(format: StructureFormat, out: Option<&Path>) -> anyhow::Result<()> {
    use vrs_core::release::structure as sdmx;
    let prepared = vrs_core::codes::Timestamp::parse(&super::now())?;
    let s = sdmx::structures();
    let text = match format {
        StructureFormat::SdmxMl => sdmx::structure_sdmx_ml(&s, &prepared),
        StructureFormat::SdmxJson => sdmx::structure_sdmx_json(&s, &prepared) + "\n",
    };
    emit(&text, out)
}

/// Writes `text` to `out`, or to standard output.
pub(super) fn emit(text: &str, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            use std::io::Write as _;
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
            Ok(())
        }
    }
}

fn info_row(r: &pb::ReleaseInfo) -> Vec<Value> {
    vec![
        json!(r.origin),
        json!(r.table),
        json!(r.period),
        json!(r.version),
        json!(vrs_core::hex(&r.digest)),
        json!(r.size),
        json!(r.withheld),
    ]
}

/// `withheld`: reciprocity keeps the release's contents from this caller.
const INFO_COLUMNS: &[&str] = &[
    "origin", "table", "period", "version", "digest", "size", "withheld",
];

/// `vrs releases list`.
pub async fn list(sel: &Selector, filter: &Filter, output: Output) -> anyhow::Result<()> {
    let req = filter.request()?;
    let (_, client) = super::connect(sel).await?;
    let infos = client.list_releases(req).await?;
    let mut t = Table::new(INFO_COLUMNS);
    for r in &infos {
        t.push(info_row(r));
    }
    t.print(output);
    Ok(())
}

/// Options of `vrs releases get`.
pub struct GetOptions {
    /// Origin State.
    pub origin: String,
    /// Table id.
    pub table: String,
    /// SDMX period.
    pub period: String,
    /// Version (0: the latest).
    pub version: u32,
    /// Output format.
    pub format: Format,
    /// Where to write the output (default standard output).
    pub out: Option<std::path::PathBuf>,
    /// Where to save the signed release (DSSE JSON).
    pub envelope: Option<std::path::PathBuf>,
}

/// `vrs releases get`.
pub async fn get(sel: &Selector, o: GetOptions) -> anyhow::Result<()> {
    let want = Want {
        origin: check_state(&o.origin, "ORIGIN")?,
        table: check_table(&o.table)?,
        period: check_period(&o.period)?,
        version: o.version,
    };
    let (p, client) = super::connect(sel).await?;
    let (release, env, check) = fetch(&p, &client, &want, false).await?;
    let what = format!(
        "{} {} {} version {} ({}, {} cells, origin's log at size {})",
        release.origin,
        release.table,
        release.period,
        release.version,
        policy_text(&release),
        release.cells.len(),
        release.checkpoint.size
    );
    match &check {
        Check::Verified(label) => eprintln!(
            "{what}: signature VERIFIED under {}'s pinned key {label}",
            release.origin
        ),
        Check::Unpinned => super::warn(format!(
            "{what}: NOT verified: {}",
            p.require_origin_key(&want.origin)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        )),
    }
    if let Some(path) = &o.envelope {
        let mut text = env.to_json();
        text.push('\n');
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "signed release written to {} (check it offline: vrs releases verify {} --key VKEY)",
            path.display(),
            path.display()
        );
    }
    emit(
        &render(
            std::slice::from_ref(&release),
            Some(release.table),
            o.format,
        )?,
        o.out.as_deref(),
    )
}

/// `vrs releases export`.
pub async fn export(
    sel: &Selector,
    filter: &Filter,
    format: Format,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let req = filter.request()?;
    let selection = region::Selection {
        origins: [req.origin].into_iter().filter(|s| !s.is_empty()).collect(),
        tables: [req.table].into_iter().filter(|s| !s.is_empty()).collect(),
        periods: [req.period].into_iter().filter(|s| !s.is_empty()).collect(),
    };
    let (p, client) = super::connect(sel).await?;
    let export = match region::export(&p, &client, &selection, format.into()).await {
        Ok(x) => x,
        Err(e @ region::ExportError::Tables(_)) => return Err(UsageError(e.to_string()).into()),
        Err(region::ExportError::Refused { refused, of }) => {
            for r in &refused {
                eprintln!("vrs: {r}");
            }
            bail!(Refused(format!(
                "{} of {of} releases refused: nothing exported",
                refused.len()
            )));
        }
        Err(region::ExportError::Fetch(region::FetchError::Client(e))) => return Err(e.into()),
        Err(e) => return Err(e.into()),
    };
    let releases = &export.releases;
    if releases.is_empty() {
        super::warn("no release matches");
    }
    if !export.unpinned.is_empty() {
        super::warn(format!(
            "releases of {} are NOT verified: profile {:?} pins no key for them",
            export
                .unpinned
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            p.name
        ));
    }
    emit(&export.text, out)?;
    // Say which origins' releases listed no cell: their rows are absent, not zero rows.
    let empty: std::collections::BTreeSet<String> = releases
        .iter()
        .filter(|r| r.cells.is_empty())
        .map(|r| format!("{} {} {}", r.origin, r.table, r.period))
        .collect();
    if let Some(path) = out {
        let with_cells = releases.len() - releases.iter().filter(|r| r.cells.is_empty()).count();
        eprintln!(
            "{} release(s) exported to {} ({with_cells} with cells)",
            releases.len(),
            path.display()
        );
    }
    if !empty.is_empty() {
        super::warn(format!(
            "{} release(s) list no cell, so the export has no row of them: {}",
            empty.len(),
            empty.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(())
}

/// `vrs releases release`.
pub async fn release(
    sel: &Selector,
    period: &str,
    revise: bool,
    output: Output,
) -> anyhow::Result<()> {
    let period = check_period(period)?;
    let (_, client) = super::connect(sel).await?;
    let made = client.release_now(&period, revise).await?;
    let mut t = Table::new(INFO_COLUMNS);
    for r in &made {
        t.push(info_row(r));
    }
    t.print(output);
    Ok(())
}

/// `vrs releases verify`: a saved signed release, offline.
pub fn verify(sel: &Selector, file: &Path, key: Option<&str>) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let p = match key {
        Some(_) => Profile::default(),
        None => super::load_profile(sel).map_err(|e| {
            UsageError(format!(
                "give the origin's verifier key with --key, or use a profile that pins it: {e:#}"
            ))
        })?,
    };
    match region::verify_saved(&text, &p, key) {
        Ok((r, label)) => {
            println!(
                "ok: {} {} {} version {} ({}, {} cells) is signed by {label}, with a checkpoint of its log at size {}",
                r.origin,
                r.table,
                r.period,
                r.version,
                policy_text(&r),
                r.cells.len(),
                r.checkpoint.size
            );
            Ok(())
        }
        Err(region::SavedError::Key(e)) => Err(UsageError(format!("--key: {e}")).into()),
        Err(e @ region::SavedError::Refused { .. }) => {
            bail!(Refused(format!("{e} (in {})", file.display())))
        }
        Err(e) => Err(anyhow::anyhow!("{}: {e}", file.display())),
    }
}

// ---------------------------------------------------------------------------------------
// The commands

#[derive(Args)]
pub struct ReleaseFilterArgs {
    /// Only releases of this origin State (e.g. IDN).
    #[arg(long, value_name = "STATE")]
    origin: Option<String>,
    /// Only this table (MOVEMENTS, PERSONS, SMUGGLERS, FEES, DOCUMENTS, CASES).
    #[arg(long)]
    table: Option<String>,
    /// Only this SDMX period (e.g. 2026-M03).
    #[arg(long)]
    period: Option<String>,
}

impl ReleaseFilterArgs {
    pub fn filter(self) -> Filter {
        Filter {
            origin: self.origin,
            table: self.table,
            period: self.period,
        }
    }
}

#[derive(Subcommand)]
pub enum ReleasesCmd {
    /// The releases the node holds (its own and its peers'), latest versions.
    ///
    /// Example: vrs releases list --period 2026-M03 --output csv
    List {
        #[command(flatten)]
        filter: ReleaseFilterArgs,
        #[command(flatten)]
        output: OutputArg,
    },
    /// One release: verified under its origin's pinned key when the profile pins one
    /// (otherwise shown with a warning), then printed.
    ///
    /// Refused (exit 1) when its signature, or the origin's checkpoint it carries, does
    /// not verify under the pinned key, or when it is not the release asked for.
    ///
    /// Example: vrs releases get IDN MOVEMENTS 2026-M03 --envelope idn.release.json
    Get {
        /// Origin State (ISO 3166-1 alpha-3).
        origin: String,
        /// Table id (MOVEMENTS, PERSONS, SMUGGLERS, FEES, DOCUMENTS, CASES).
        table: String,
        /// SDMX period (e.g. 2026-M03).
        period: String,
        /// Version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write the output to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also save the signed release, as its origin signed it (DSSE JSON), for
        /// `vrs releases verify`.
        #[arg(long, value_name = "FILE")]
        envelope: Option<PathBuf>,
    },
    /// Export releases (latest versions): each fetched and verified under its origin's
    /// pinned key, then written as SDMX-CSV 2.0, CSV or JSON. Nothing is written when one
    /// is refused (exit 1). A CSV export holds one table.
    ///
    /// Example: vrs releases export --format sdmx-csv --table MOVEMENTS --period 2026-M03 --out movements.csv
    Export {
        /// Format.
        #[arg(long, value_enum, default_value_t = Format::SdmxCsv)]
        format: Format,
        #[command(flatten)]
        filter: ReleaseFilterArgs,
        /// Write the export to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// The SDMX structure of the exports: the code lists (with labels), concepts, data
    /// structure definitions and dataflows of every table, which the `STRUCTURE_ID`s of
    /// an SDMX-CSV export name (`VRS:DF_<TABLE>(1.0)`). Needs no node.
    ///
    /// Example: vrs releases structure --format sdmx-ml --out vrs-structure.xml
    Structure {
        /// Format.
        #[arg(long, value_enum, default_value_t = StructureFormat::SdmxMl)]
        format: StructureFormat,
        /// Write the structure to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Release a closed period now (admin): every table, once (a second call returns the
    /// releases held); with --revise, the period's one revision (version 2).
    ///
    /// Example: vrs releases release 2026-M03
    Release {
        /// SDMX period (e.g. 2026-M03); it must be closed (its end plus the embargo).
        period: String,
        /// Make the period's one revision instead.
        #[arg(long)]
        revise: bool,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Verify a saved signed release (from `vrs releases get --envelope`) offline, under
    /// the origin's verifier key (--key, or the key the profile pins for its origin).
    ///
    /// Example: vrs releases verify idn.release.json --key "$(cat node.vkey)"
    Verify {
        /// The signed release (DSSE JSON).
        file: PathBuf,
        /// The origin node's verifier key (name+keyid+base64), or a file holding it.
        #[arg(long, value_parser = super::verifier_key)]
        key: Option<String>,
    },
}

impl ReleasesCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        match self {
            ReleasesCmd::List { filter, output } => {
                super::block_on(list(sel, &filter.filter(), output.output))
            }
            ReleasesCmd::Get {
                origin,
                table,
                period,
                version,
                format,
                out,
                envelope,
            } => super::block_on(get(
                sel,
                GetOptions {
                    origin,
                    table,
                    period,
                    version: version.unwrap_or(0),
                    format,
                    out,
                    envelope,
                },
            )),
            ReleasesCmd::Export {
                format,
                filter,
                out,
            } => super::block_on(export(sel, &filter.filter(), format, out.as_deref())),
            ReleasesCmd::Structure { format, out } => structure(format, out.as_deref()),
            ReleasesCmd::Release {
                period,
                revise,
                output,
            } => super::block_on(release(sel, &period, revise, output.output)),
            ReleasesCmd::Verify { file, key } => verify(sel, &file, key.as_deref()),
        }
    }
}
