//! `vrs releases` and `vrs region`: aggregate releases, read from any node (a node relays
//! every origin's releases it holds) and verified under each origin's pinned verifier
//! key (the profile's `origin_keys` / `keys_file`), whoever relayed them.

use std::fmt;
use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use vrs_client::client::Client;
use vrs_client::profile::{Profile, Selector};
use vrs_core::envelope::Envelope;
use vrs_core::note::{NoteVerifier, Verifiers, open_checkpoint};
use vrs_core::release::{Release, ReleaseError};
use vrs_proto::v1 as pb;

use super::{Output, Table, UsageError};

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

/// Formats of a regional table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RegionFormat {
    /// CSV: REGION,TIME_PERIOD,TABLE,<dimensions>,MEASURE,OBS_VALUE,LOWER_BOUND.
    Csv,
    /// JSON.
    Json,
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

fn check_state(s: &str, what: &str) -> Result<String, UsageError> {
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) && vrs_core::codes::is_country(s) {
        Ok(s.to_owned())
    } else {
        Err(UsageError(format!(
            "{what} {s:?} is not a State (ISO 3166-1 alpha-3, upper case, e.g. AUS)"
        )))
    }
}

fn check_table(s: &str) -> Result<String, UsageError> {
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

fn check_period(s: &str) -> Result<String, UsageError> {
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

/// The identity of a release asked for (version 0: the latest).
#[derive(Debug, Clone)]
struct Want {
    origin: String,
    table: String,
    period: String,
    version: u32,
}

impl Want {
    fn of(info: &pb::ReleaseInfo) -> Self {
        Self {
            origin: info.origin.clone(),
            table: info.table.clone(),
            period: info.period.clone(),
            version: info.version,
        }
    }
}

impl fmt::Display for Want {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.origin, self.table, self.period)?;
        if self.version == 0 {
            f.write_str(" (latest version)")
        } else {
            write!(f, " v{}", self.version)
        }
    }
}

/// How a release was checked.
enum Check {
    /// Verified under the origin's pinned key (its `name+keyid`).
    Verified(String),
    /// The profile pins no key for the origin: decoded, not verified.
    Unpinned,
}

/// `name+keyid` of a verifier key: enough to tell keys apart in messages.
fn key_label(vkey: &str) -> String {
    vkey.splitn(3, '+').take(2).collect::<Vec<_>>().join("+")
}

/// Opens `env` as the release `want`: under the origin's pinned key when the profile has
/// one (signature, then payload, then the origin's checkpoint inside it), else decoded
/// only, unless `require_key`. Then checks that it is the release asked for. `Err` is
/// the reason to refuse it.
fn open(
    p: &Profile,
    want: &Want,
    env: &Envelope,
    require_key: bool,
) -> Result<(Release, Check), String> {
    let (release, check) = match p.origin_key(&want.origin) {
        Some(vkey) => {
            let label = key_label(vkey);
            let key = NoteVerifier::parse(vkey).map_err(|e| format!("pinned key: {e}"))?;
            let release = vrs_core::release::open_release(env, key.public_key()).map_err(
                |e| match e {
                    ReleaseError::Envelope(e) => format!(
                        "its signature does not verify under {}'s pinned key {label}: {e}",
                        want.origin
                    ),
                    e => format!(
                        "it is signed under {}'s pinned key {label} but is not a valid release: {e}",
                        want.origin
                    ),
                },
            )?;
            let verifiers = Verifiers::from_vkeys([vkey]).map_err(|e| e.to_string())?;
            let cp = open_checkpoint(&release.checkpoint.note, &verifiers).map_err(|e| {
                format!(
                    "the checkpoint it carries does not verify under {}'s pinned key {label}: {e}",
                    want.origin
                )
            })?;
            if cp.checkpoint.origin != key.name() {
                return Err(format!(
                    "the checkpoint it carries is of log {}, not {}",
                    cp.checkpoint.origin,
                    key.name()
                ));
            }
            (release, Check::Verified(label))
        }
        None if require_key => {
            return Err(p
                .require_origin_key(&want.origin)
                .err()
                .map(|e| format!("it cannot be verified: {e}"))
                .unwrap_or_default());
        }
        None => {
            if env.payload_type != vrs_proto::RELEASE_PAYLOAD_TYPE {
                return Err(format!(
                    "its payload type is {:?}, not {:?}",
                    env.payload_type,
                    vrs_proto::RELEASE_PAYLOAD_TYPE
                ));
            }
            let release = vrs_core::wire::decode_release(&env.payload)
                .map_err(|e| format!("it is not a valid release: {e}"))?;
            (release, Check::Unpinned)
        }
    };
    if release.origin.as_str() != want.origin
        || release.table.code() != want.table
        || release.period.to_string() != want.period
        || (want.version != 0 && release.version != want.version)
    {
        return Err(format!(
            "the signed release is {} {} {} v{}, not the release asked for",
            release.origin, release.table, release.period, release.version
        ));
    }
    Ok((release, check))
}

/// Fetches and opens one release; a refusal names the release, the node and why.
async fn fetch(
    p: &Profile,
    client: &Client,
    want: &Want,
    require_key: bool,
) -> anyhow::Result<(Release, Envelope, Check)> {
    let env = client
        .get_release(pb::GetReleaseRequest {
            origin: want.origin.clone(),
            table: want.table.clone(),
            period: want.period.clone(),
            version: want.version,
        })
        .await?
        .with_context(|| format!("the node sent no envelope for {want}"))?;
    let env = vrs_core::wire::envelope_from_pb(env);
    match open(p, want, &env, require_key) {
        Ok((r, check)) => Ok((r, env, check)),
        Err(reason) => Err(Refused(format!(
            "REFUSED release {want} from {}: {reason}",
            client.endpoint()
        ))
        .into()),
    }
}

fn policy_text(r: &Release) -> String {
    match &r.policy {
        vrs_core::disclosure::Policy::Threshold { k } => format!("threshold k={k}"),
        vrs_core::disclosure::Policy::Noise(n) => {
            format!("noise epsilon={} delta={} k={}", n.epsilon, n.delta, n.k)
        }
    }
}

/// The releases in `format`; a CSV's columns are those of `table` when given (an empty
/// export still has the requested table's header).
fn render(
    releases: &[Release],
    table: Option<vrs_core::aggregate::TableId>,
    format: Format,
) -> anyhow::Result<String> {
    Ok(match format {
        Format::SdmxCsv => vrs_core::release::export_sdmx_csv_of(table, releases)?,
        Format::Csv => vrs_core::release::export_csv_of(table, releases)?,
        Format::Json => {
            let v: Value = serde_json::from_str(&vrs_core::release::export_json(releases))?;
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s
        }
    })
}

/// Writes `text` to `out`, or to standard output.
fn emit(text: &str, out: Option<&Path>) -> anyhow::Result<()> {
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
    ]
}

const INFO_COLUMNS: &[&str] = &["origin", "table", "period", "version", "digest", "size"];

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
    let table = match req.table.as_str() {
        "" => None,
        t => Some(vrs_core::aggregate::TableId::parse(t)?),
    };
    let (p, client) = super::connect(sel).await?;
    let infos = client.list_releases(req).await?;
    let tables: std::collections::BTreeSet<&str> = infos.iter().map(|i| i.table.as_str()).collect();
    if format != Format::Json && tables.len() > 1 {
        return Err(UsageError(format!(
            "a CSV export holds one table, and the releases that match span {}: add --table \
             (or use --format json)",
            tables.into_iter().collect::<Vec<_>>().join(", ")
        ))
        .into());
    }
    if infos.is_empty() {
        super::warn("no release matches");
    }
    let mut releases = Vec::new();
    let mut unpinned = std::collections::BTreeSet::new();
    let mut refused = Vec::new();
    for info in &infos {
        match fetch(&p, &client, &Want::of(info), false).await {
            Ok((r, _, check)) => {
                if let Check::Unpinned = check {
                    unpinned.insert(r.origin.to_string());
                }
                releases.push(r);
            }
            Err(e) if e.is::<Refused>() => refused.push(e.to_string()),
            Err(e) => return Err(e),
        }
    }
    for r in &refused {
        eprintln!("vrs: {r}");
    }
    if !refused.is_empty() {
        bail!(Refused(format!(
            "{} of {} releases refused: nothing exported",
            refused.len(),
            infos.len()
        )));
    }
    if !unpinned.is_empty() {
        super::warn(format!(
            "releases of {} are NOT verified: profile {:?} pins no key for them",
            unpinned.into_iter().collect::<Vec<_>>().join(", "),
            p.name
        ));
    }
    emit(&render(&releases, table, format)?, out)?;
    if let Some(path) = out {
        eprintln!(
            "{} release(s) exported to {}",
            releases.len(),
            path.display()
        );
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
    let env = Envelope::from_json(text.trim())
        .with_context(|| format!("{} is not a DSSE envelope (JSON)", file.display()))?;
    // The claimed identity picks the key; the signature is then checked under it.
    let claimed = vrs_core::wire::decode_release(&env.payload)
        .with_context(|| format!("{} does not hold a release", file.display()))?;
    let origin = claimed.origin.to_string();
    let mut p = match key {
        Some(_) => Profile::default(),
        None => super::load_profile(sel).map_err(|e| {
            UsageError(format!(
                "give the origin's verifier key with --key, or use a profile that pins it: {e:#}"
            ))
        })?,
    };
    if let Some(k) = key {
        NoteVerifier::parse(k).map_err(|e| UsageError(format!("--key: {e}")))?;
        p.origin_keys.insert(origin.clone(), k.to_owned());
    }
    let want = Want {
        origin,
        table: claimed.table.code().to_owned(),
        period: claimed.period.to_string(),
        version: claimed.version,
    };
    match open(&p, &want, &env, true) {
        Ok((r, Check::Verified(label))) => {
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
        Ok((_, Check::Unpinned)) => bail!("no key to verify {want} with"),
        Err(reason) => bail!(Refused(format!(
            "REFUSED release {want} in {}: {reason}",
            file.display()
        ))),
    }
}

/// Options of `vrs region table`.
pub struct RegionOptions {
    /// Table id.
    pub table: String,
    /// SDMX period.
    pub period: String,
    /// Only these States (each must be held); default every origin the node holds.
    pub states: Vec<String>,
    /// Output format.
    pub format: RegionFormat,
    /// Where to write the output.
    pub out: Option<std::path::PathBuf>,
}

/// `vrs region table`.
pub async fn region_table(sel: &Selector, o: RegionOptions) -> anyhow::Result<()> {
    let table = check_table(&o.table)?;
    let period = check_period(&o.period)?;
    let states = o
        .states
        .iter()
        .map(|s| check_state(s, "--states"))
        .collect::<Result<std::collections::BTreeSet<_>, _>>()?;
    let (p, client) = super::connect(sel).await?;
    let infos = client
        .list_releases(pb::ListReleasesRequest {
            origin: String::new(),
            table: table.clone(),
            period: period.clone(),
        })
        .await?;
    let infos: Vec<_> = infos
        .into_iter()
        .filter(|i| states.is_empty() || states.contains(&i.origin))
        .collect();
    let mut problems = Vec::new();
    for s in &states {
        if !infos.iter().any(|i| &i.origin == s) {
            problems.push(format!(
                "the node at {} holds no release of {table} {period} from {s}",
                client.endpoint()
            ));
        }
    }
    if infos.is_empty() && states.is_empty() {
        bail!(
            "the node at {} holds no release of {table} {period}",
            client.endpoint()
        );
    }
    let mut releases = Vec::new();
    for info in &infos {
        match fetch(&p, &client, &Want::of(info), true).await {
            Ok((r, _, _)) => releases.push(r),
            Err(e) if e.is::<Refused>() => problems.push(e.to_string()),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        for m in &problems {
            eprintln!("vrs: {m}");
        }
        bail!(Refused(format!(
            "no regional table of {table} {period}: {} national release(s) missing or refused \
             (above)",
            problems.len()
        )));
    }
    let regional = vrs_core::release::regional_sum(&releases)?;
    let summed: Vec<String> = releases
        .iter()
        .map(|r| format!("{} v{}", r.origin, r.version))
        .collect();
    eprintln!(
        "regional {table} {period}: the sum of {} national release(s) ({}), each verified \
         under its origin's pinned key; LOWER_BOUND is true where a national value was withheld",
        releases.len(),
        summed.join(", ")
    );
    let text = match o.format {
        RegionFormat::Csv => regional.to_csv(),
        RegionFormat::Json => {
            let v: Value = serde_json::from_str(&regional.to_json())?;
            let mut s = serde_json::to_string_pretty(&v)?;
            s.push('\n');
            s
        }
    };
    emit(&text, o.out.as_deref())
}
