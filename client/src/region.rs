//! Releases as a reader gets them: listed by any node (a node relays every origin's
//! releases it holds), each opened under its origin's pinned verifier key (the profile's
//! `origin_keys` / `keys_file`) whoever relayed it, summed cell by cell into regional
//! tables, and exported. One place for `vrs releases`, `vrs region table` and the
//! workspace's region dashboard, so that they show the same numbers.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;
use vrs_core::aggregate::TableId;
use vrs_core::envelope::Envelope;
use vrs_core::note::{NoteVerifier, Verifiers, open_checkpoint};
use vrs_core::release::{RegionalTable, Release, ReleaseError};
use vrs_proto::v1 as pb;

use crate::client::{Client, ClientError};
use crate::profile::Profile;

/// The identity of a release asked for (version 0: the latest).
#[derive(Debug, Clone)]
pub struct Want {
    /// Origin State.
    pub origin: String,
    /// Table id.
    pub table: String,
    /// SDMX period.
    pub period: String,
    /// Version (0: the latest).
    pub version: u32,
}

impl Want {
    /// The release a node listed.
    pub fn of(info: &pb::ReleaseInfo) -> Self {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Verified under the origin's pinned key (its `name+keyid`).
    Verified(String),
    /// The profile pins no key for the origin: decoded, not verified.
    Unpinned,
}

/// `name+keyid` of a verifier key: enough to tell keys apart in messages.
pub fn key_label(vkey: &str) -> String {
    vkey.splitn(3, '+').take(2).collect::<Vec<_>>().join("+")
}

/// Opens `env` under `vkey`: signature, payload, then the origin's checkpoint inside it.
fn open_pinned(want: &Want, env: &Envelope, vkey: &str) -> Result<(Release, Check), String> {
    let label = key_label(vkey);
    let key = NoteVerifier::parse(vkey).map_err(|e| format!("pinned key: {e}"))?;
    let release = vrs_core::release::open_release(env, key.public_key()).map_err(|e| match e {
        ReleaseError::Envelope(e) => format!(
            "its signature does not verify under {}'s pinned key {label}: {e}",
            want.origin
        ),
        e => format!(
            "it is signed under {}'s pinned key {label} but is not a valid release: {e}",
            want.origin
        ),
    })?;
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
    Ok((release, Check::Verified(label)))
}

/// Opens `env` as the release `want`: under the origin's pinned key when the profile has
/// one, else decoded only, unless `require_key`. Then checks that it is the release
/// asked for. `Err` is the reason to refuse it.
pub fn open(
    p: &Profile,
    want: &Want,
    env: &Envelope,
    require_key: bool,
) -> Result<(Release, Check), String> {
    let (release, check) = match p.origin_key(&want.origin) {
        Some(vkey) => open_pinned(want, env, vkey)?,
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

/// Why a saved signed release does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SavedError {
    /// The text is not a DSSE envelope in JSON.
    #[error("not a DSSE envelope (JSON): {0}")]
    NotEnvelope(String),
    /// The envelope does not hold a release.
    #[error("it does not hold a release: {0}")]
    NotRelease(String),
    /// The key given is not a verifier key.
    #[error("the verifier key is not valid: {0}")]
    Key(String),
    /// Refused (no key of its origin, a bad signature, another release): the release it
    /// claims to be, and why.
    #[error("REFUSED release {want}: {reason}")]
    Refused {
        /// The release the envelope claims to be.
        want: String,
        /// Why.
        reason: String,
    },
}

/// Verifies a saved signed release (the DSSE JSON `vrs releases get --envelope`
/// writes), offline: under `key` when given, else under the key `p` pins for the origin
/// it claims. The release, and the label of the key it verified under.
pub fn verify_saved(
    text: &str,
    p: &Profile,
    key: Option<&str>,
) -> Result<(Release, String), SavedError> {
    let env =
        Envelope::from_json(text.trim()).map_err(|e| SavedError::NotEnvelope(e.to_string()))?;
    // The claimed identity picks the key; the signature is then checked under it.
    let claimed = vrs_core::wire::decode_release(&env.payload)
        .map_err(|e| SavedError::NotRelease(e.to_string()))?;
    let origin = claimed.origin.to_string();
    let mut p = p.clone();
    if let Some(k) = key {
        NoteVerifier::parse(k).map_err(|e| SavedError::Key(e.to_string()))?;
        p.origin_keys.insert(origin.clone(), k.to_owned());
    }
    let want = Want {
        origin,
        table: claimed.table.code().to_owned(),
        period: claimed.period.to_string(),
        version: claimed.version,
    };
    let refused = |reason: String| SavedError::Refused {
        want: want.to_string(),
        reason,
    };
    match open(&p, &want, &env, true) {
        Ok((r, Check::Verified(label))) => Ok((r, label)),
        Ok((_, Check::Unpinned)) => Err(refused("there is no key to verify it with".into())),
        Err(reason) => Err(refused(reason)),
    }
}

/// Why a release could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// It does not verify, or is not the one asked for: the release, the node and why.
    #[error("{0}")]
    Refused(String),
    /// The node sent no envelope.
    #[error("the node sent no envelope for {0}")]
    NoEnvelope(String),
    /// The call failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A fetch in flight did not finish.
    #[error("a fetch of a release did not finish: {0}")]
    Join(String),
}

/// Fetches and opens one release.
pub async fn fetch(
    p: &Profile,
    client: &Client,
    want: &Want,
    require_key: bool,
) -> Result<(Release, Envelope, Check), FetchError> {
    let env = client
        .get_release(pb::GetReleaseRequest {
            origin: want.origin.clone(),
            table: want.table.clone(),
            period: want.period.clone(),
            version: want.version,
        })
        .await?
        .ok_or_else(|| FetchError::NoEnvelope(want.to_string()))?;
    let env = vrs_core::wire::envelope_from_pb(env);
    match open(p, want, &env, require_key) {
        Ok((r, check)) => Ok((r, env, check)),
        Err(reason) => Err(FetchError::Refused(format!(
            "REFUSED release {want} from {}: {reason}",
            client.endpoint()
        ))),
    }
}

/// A release a node listed, fetched and opened, or refused (the reason).
#[derive(Debug, Clone)]
pub struct Fetched {
    /// What the node listed.
    pub info: pb::ReleaseInfo,
    /// The release and how it was checked, or why it was refused.
    pub outcome: Result<(Release, Check), String>,
}

/// Calls in flight at once when fetching many releases (one HTTP/2 connection carries
/// them all).
const IN_FLIGHT: usize = 32;

/// Fetches and opens every release of `infos` (several at a time, in `infos`' order);
/// a refusal is kept as the release's outcome, a failed call ends it all.
pub async fn fetch_all(
    p: &Profile,
    client: &Client,
    infos: &[pb::ReleaseInfo],
    require_key: bool,
) -> Result<Vec<Fetched>, FetchError> {
    let p = std::sync::Arc::new(p.clone());
    let mut out = Vec::with_capacity(infos.len());
    for chunk in infos.chunks(IN_FLIGHT) {
        let mut set = tokio::task::JoinSet::new();
        for (i, info) in chunk.iter().enumerate() {
            let (p, client, want) = (p.clone(), client.clone(), Want::of(info));
            set.spawn(async move { (i, fetch(&p, &client, &want, require_key).await) });
        }
        let mut got: Vec<Option<Result<(Release, Check), String>>> = vec![None; chunk.len()];
        while let Some(joined) = set.join_next().await {
            let (i, r) = joined.map_err(|e| FetchError::Join(e.to_string()))?;
            let outcome = match r {
                Ok((r, _, check)) => Ok((r, check)),
                Err(FetchError::Refused(why)) => Err(why),
                Err(e) => return Err(e),
            };
            if let Some(slot) = got.get_mut(i) {
                *slot = Some(outcome);
            }
        }
        for (info, outcome) in chunk.iter().zip(got) {
            let outcome = outcome
                .ok_or_else(|| FetchError::Join(format!("no answer for {}", Want::of(info))))?;
            out.push(Fetched {
                info: info.clone(),
                outcome,
            });
        }
    }
    Ok(out)
}

/// Which releases: each set empty means every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Origin States.
    pub origins: BTreeSet<String>,
    /// Table ids.
    pub tables: BTreeSet<String>,
    /// SDMX periods.
    pub periods: BTreeSet<String>,
}

fn only(set: &BTreeSet<String>) -> String {
    match set.len() {
        1 => set.iter().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

impl Selection {
    /// The node's filter: the one value of a set that has one.
    pub fn request(&self) -> pb::ListReleasesRequest {
        pb::ListReleasesRequest {
            origin: only(&self.origins),
            table: only(&self.tables),
            period: only(&self.periods),
        }
    }

    /// Whether the release `info` is selected.
    pub fn admits(&self, info: &pb::ReleaseInfo) -> bool {
        let within = |set: &BTreeSet<String>, v: &String| set.is_empty() || set.contains(v);
        within(&self.origins, &info.origin)
            && within(&self.tables, &info.table)
            && within(&self.periods, &info.period)
    }

    /// The one table selected, if one is.
    pub fn table(&self) -> Option<TableId> {
        TableId::from_code(&only(&self.tables))
    }
}

/// The latest releases of `sel` the node holds, in the node's order.
pub async fn list(client: &Client, sel: &Selection) -> Result<Vec<pb::ReleaseInfo>, ClientError> {
    let infos = client.list_releases(sel.request()).await?;
    Ok(infos.into_iter().filter(|i| sel.admits(i)).collect())
}

/// Why there is no regional table.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    /// The node holds no release of the table and period at all.
    #[error("the node at {endpoint} holds no release of {table} {period}")]
    Nothing {
        /// The node.
        endpoint: String,
        /// Table id.
        table: String,
        /// SDMX period.
        period: String,
    },
    /// Some national releases are missing or refused (each said in `problems`).
    #[error(
        "no regional table of {table} {period}: {} national release(s) missing or refused (above)",
        problems.len()
    )]
    Problems {
        /// Table id.
        table: String,
        /// SDMX period.
        period: String,
        /// One sentence per missing or refused release.
        problems: Vec<String>,
    },
    /// The releases cannot be summed.
    #[error(transparent)]
    Sum(#[from] ReleaseError),
    /// A call failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// The regional table of `table` and `period`: the sum of the national releases in
/// `fetched` of that table and period (of `states` only, each of which must be there,
/// when `states` is not empty), each verified. Every release missing or refused is
/// said; no table is made then. `endpoint` is the node that listed them.
pub fn regional(
    endpoint: &str,
    table: &str,
    period: &str,
    states: &BTreeSet<String>,
    fetched: &[Fetched],
) -> Result<(RegionalTable, Vec<Release>), RegionError> {
    let mine: Vec<&Fetched> = fetched
        .iter()
        .filter(|f| f.info.table == table && f.info.period == period)
        .filter(|f| states.is_empty() || states.contains(&f.info.origin))
        .collect();
    let mut problems = Vec::new();
    for s in states {
        if !mine.iter().any(|f| &f.info.origin == s) {
            problems.push(format!(
                "the node at {endpoint} holds no release of {table} {period} from {s}"
            ));
        }
    }
    if mine.is_empty() && states.is_empty() {
        return Err(RegionError::Nothing {
            endpoint: endpoint.to_owned(),
            table: table.to_owned(),
            period: period.to_owned(),
        });
    }
    let mut releases = Vec::new();
    for f in &mine {
        match &f.outcome {
            Ok((r, _)) => releases.push(r.clone()),
            Err(why) => problems.push(why.clone()),
        }
    }
    if !problems.is_empty() {
        return Err(RegionError::Problems {
            table: table.to_owned(),
            period: period.to_owned(),
            problems,
        });
    }
    Ok((vrs_core::release::regional_sum(&releases)?, releases))
}

/// `vrs region table`: lists the releases of `table` and `period`, fetches each and
/// verifies it under its origin's pinned key (required), and sums them ([`regional`]).
pub async fn region_table(
    p: &Profile,
    client: &Client,
    table: &str,
    period: &str,
    states: &BTreeSet<String>,
) -> Result<(RegionalTable, Vec<Release>), RegionError> {
    let sel = Selection {
        origins: BTreeSet::new(),
        tables: BTreeSet::from([table.to_owned()]),
        periods: BTreeSet::from([period.to_owned()]),
    };
    let infos = list(client, &sel)
        .await
        .map_err(|e| RegionError::Fetch(e.into()))?;
    let fetched = fetch_all(p, client, &infos, true).await?;
    regional(client.endpoint(), table, period, states, &fetched)
}

/// Formats of release data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SDMX-CSV 2.0 (one table).
    SdmxCsv,
    /// Plain CSV for spreadsheets (one table).
    Csv,
    /// JSON (any tables).
    Json,
}

impl Format {
    /// The media type of a download.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::SdmxCsv => vrs_core::release::SDMX_CSV_MEDIA_TYPE,
            Format::Csv => vrs_core::release::CSV_MEDIA_TYPE,
            Format::Json => vrs_core::release::JSON_MEDIA_TYPE,
        }
    }

    /// The file name's ending.
    pub fn extension(self) -> &'static str {
        match self {
            Format::SdmxCsv => "sdmx.csv",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// Why nothing was exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A CSV export holds one table.
    #[error(
        "a CSV export holds one table, and the releases that match span {0}: add --table (or use --format json)"
    )]
    Tables(String),
    /// Some releases were refused (each reason in the list).
    #[error("{} of {of} releases refused: nothing exported", refused.len())]
    Refused {
        /// One sentence per refused release.
        refused: Vec<String>,
        /// Releases listed.
        of: usize,
    },
    /// The releases cannot be written in the format.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A call failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// The releases in `format`; a CSV's columns are those of `table` when given (an empty
/// export still has the requested table's header).
pub fn render(
    releases: &[Release],
    table: Option<TableId>,
    format: Format,
) -> Result<String, ExportError> {
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

/// An export.
#[derive(Debug, Clone)]
pub struct Export {
    /// The text written.
    pub text: String,
    /// The releases in it.
    pub releases: Vec<Release>,
    /// Origins whose releases are not verified (no key pinned for them).
    pub unpinned: BTreeSet<String>,
}

/// `vrs releases export`: the latest releases of `sel`, each fetched and verified under
/// its origin's pinned key (decoded only when none is pinned), written in `format`.
/// Nothing is exported when one is refused.
pub async fn export(
    p: &Profile,
    client: &Client,
    sel: &Selection,
    format: Format,
) -> Result<Export, ExportError> {
    let table = sel.table();
    let infos = list(client, sel).await.map_err(FetchError::from)?;
    let tables: BTreeSet<&str> = infos.iter().map(|i| i.table.as_str()).collect();
    if format != Format::Json && tables.len() > 1 {
        return Err(ExportError::Tables(
            tables.into_iter().collect::<Vec<_>>().join(", "),
        ));
    }
    let fetched = fetch_all(p, client, &infos, false).await?;
    let mut releases = Vec::new();
    let mut unpinned = BTreeSet::new();
    let mut refused = Vec::new();
    for f in fetched {
        match f.outcome {
            Ok((r, check)) => {
                if check == Check::Unpinned {
                    unpinned.insert(r.origin.to_string());
                }
                releases.push(r);
            }
            Err(why) => refused.push(why),
        }
    }
    if !refused.is_empty() {
        return Err(ExportError::Refused {
            refused,
            of: infos.len(),
        });
    }
    let text = render(&releases, table, format)?;
    Ok(Export {
        text,
        releases,
        unpinned,
    })
}
