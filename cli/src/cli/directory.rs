//! `vrs directory`: the directory of competent authorities (design 08-directory.md).
//! `publish` (this node's admin) sends a JSON directory, which the node validates, signs
//! and keeps; `list`, `show` and `search` read every directory the node holds (every
//! role of the federation), each as its origin signed it.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Value, json};
use vrs_client::credentials::Need;
use vrs_client::profile::Selector;
use vrs_client::region::Check;
use vrs_core::directory::{self, Competence, Directory, Entry, Kind};

use super::{Output, OutputArg, Rejected, Table, UsageError};

#[derive(Subcommand)]
pub enum DirectoryCmd {
    /// Publish a new version of this State's directory (admin): a JSON file, whose
    /// form `vrs template directory` writes. The version must be newer than the one
    /// held; a withdrawn entry is a new version without it.
    ///
    /// Example: vrs directory publish directory.json
    Publish {
        /// The directory (JSON).
        file: PathBuf,
        #[command(flatten)]
        output: OutputArg,
    },
    /// One line per State whose directory the node holds: version, issue date, entries,
    /// the key that signed it.
    ///
    /// Example: vrs directory list
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Every entry of one State's directory, in full.
    ///
    /// Example: vrs directory show GRC
    Show {
        /// The State (ISO 3166-1 alpha-3).
        state: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// The entries of every State held that match all the filters given.
    ///
    /// Example: vrs directory search --competence smuggling_of_migrants --language en
    Search {
        /// A competence: smuggling_of_migrants, related_conduct, trafficking_in_persons.
        #[arg(long)]
        competence: Option<String>,
        /// An ISO 639-1 language code (lower case), e.g. en.
        #[arg(long)]
        language: Option<String>,
        /// A kind: mla_central_authority, extradition_authority,
        /// law_enforcement_contact, focal_point_office, prosecution_service, other.
        #[arg(long)]
        kind: Option<String>,
        /// Only this State's entries.
        #[arg(long)]
        state: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
}

impl DirectoryCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        super::block_on(async move {
            match self {
                DirectoryCmd::Publish { file, output } => publish(sel, &file, output.output).await,
                DirectoryCmd::List { output } => list(sel, output.output).await,
                DirectoryCmd::Show { state, output } => {
                    let held = held(sel, &state).await?;
                    if held.is_empty() {
                        return Err(
                            Rejected(format!("the node holds no directory of {state}")).into()
                        );
                    }
                    let all: Vec<(&Directory, Vec<&Entry>)> = held
                        .iter()
                        .map(|d| (d, d.entries.iter().collect()))
                        .collect();
                    print_rows(&all, output.output)
                }
                DirectoryCmd::Search {
                    competence,
                    language,
                    kind,
                    state,
                    output,
                } => {
                    let competence = parse_code(
                        competence.as_deref(),
                        Competence::parse,
                        "--competence",
                        Competence::ALL,
                    )?;
                    let kind = parse_code(kind.as_deref(), Kind::parse, "--kind", Kind::ALL)?;
                    if let Some(l) = &language
                        && !directory::is_language(l)
                    {
                        return Err(UsageError(format!(
                            "--language {l:?} is not an ISO 639-1 code (lower case, e.g. en)"
                        ))
                        .into());
                    }
                    let held = held(sel, state.as_deref().unwrap_or("")).await?;
                    let wanted: Vec<(&Directory, Vec<&Entry>)> = held
                        .iter()
                        .map(|d| (d, d.search(competence, language.as_deref(), kind).collect()))
                        .collect();
                    print_rows(&wanted, output.output)
                }
            }
        })
    }
}

fn parse_code<T: Copy + std::fmt::Display>(
    s: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    flag: &str,
    all: &[T],
) -> Result<Option<T>, UsageError> {
    s.map(|s| {
        parse(s).ok_or_else(|| {
            let names: Vec<String> = all.iter().map(ToString::to_string).collect();
            UsageError(format!("{flag} {s:?} is not one of {}", names.join(", ")))
        })
    })
    .transpose()
}

/// The directories the node holds (of `state`, if not empty), each opened under its
/// origin's key when the profile pins one (decoded only otherwise: the node took it
/// under the origin's roster key).
async fn held(sel: &Selector, state: &str) -> anyhow::Result<Vec<Directory>> {
    Ok(opened(sel, state)
        .await?
        .into_iter()
        .map(|(d, _)| d)
        .collect())
}

async fn opened(sel: &Selector, state: &str) -> anyhow::Result<Vec<(Directory, Check)>> {
    let (p, client) = super::connect(sel).await?;
    client
        .directories(state)
        .await?
        .iter()
        .map(|s| {
            vrs_client::directory::open(&p, s)
                .map_err(|e| Rejected(format!("REFUSED the directory of {}: {e}", s.state)).into())
        })
        .collect()
}

async fn publish(sel: &Selector, file: &std::path::Path, output: Output) -> anyhow::Result<()> {
    let text = super::read_text_bounded(file, directory::MAX_DIRECTORY_BYTES, "a directory")?;
    // Checked here first (the node checks again), so that a file with mistakes never
    // leaves this machine and every mistake is listed with its field.
    let d = Directory::from_json(&text, Some(vrs_client::today()))
        .map_err(|e| Rejected(format!("{}: {e}", file.display())))?;
    let (p, client) = super::connect_as(sel, Need::Admin, "publishing the directory").await?;
    let done = client
        .publish_directory(vrs_core::wire::directory_to_pb(&d))
        .await?;
    let signed_by = done
        .envelope
        .as_ref()
        .and_then(|e| e.signatures.first())
        .map(|s| s.keyid.clone())
        .unwrap_or_default();
    match output {
        Output::Json => {
            println!(
                "{}",
                json!({"state": done.state, "version": done.version, "entries": d.entries.len(), "signed_by": signed_by})
            );
        }
        _ => println!(
            "the node of profile {} now publishes the directory of {} version {} ({} entries), signed by {signed_by}",
            p.name,
            done.state,
            done.version,
            d.entries.len()
        ),
    }
    Ok(())
}

async fn list(sel: &Selector, output: Output) -> anyhow::Result<()> {
    let mut table = Table::new(&["state", "version", "issued_on", "entries", "verified"]);
    for (d, check) in opened(sel, "").await? {
        let verified = match check {
            Check::Verified(key) => format!("under {key}"),
            Check::Unpinned => {
                "no key pinned in this profile (the node took it under the origin's roster key)"
                    .to_owned()
            }
        };
        table.push(vec![
            json!(d.state),
            json!(d.version),
            json!(d.issued_on),
            json!(d.entries.len()),
            json!(verified),
        ]);
    }
    print!("{}", table.render(output));
    Ok(())
}

fn entry_json(d: &Directory, e: &Entry) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("state".into(), json!(d.state));
        o.insert("directory_version".into(), json!(d.version));
    }
    v
}

fn print_rows(rows: &[(&Directory, Vec<&Entry>)], output: Output) -> anyhow::Result<()> {
    if output == Output::Json {
        let all: Vec<Value> = rows
            .iter()
            .flat_map(|(d, es)| es.iter().map(|e| entry_json(d, e)))
            .collect();
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    let mut table = Table::new(&[
        "state",
        "id",
        "authority",
        "kind",
        "competences",
        "languages",
        "contacts",
        "urgent",
        "hours",
        "last_reviewed",
    ]);
    for (d, es) in rows {
        for e in es {
            let list = |xs: Vec<String>| xs.join(" ");
            table.push(vec![
                json!(d.state),
                json!(e.id),
                json!(e.authority),
                json!(e.kind.as_str()),
                json!(list(
                    e.competences.iter().map(ToString::to_string).collect()
                )),
                json!(e.languages.join(" ")),
                json!(list(
                    e.contacts
                        .iter()
                        .map(|c| format!("{}: {}", c.means, c.value))
                        .collect()
                )),
                json!(e.urgent_procedure),
                json!(format!("{} ({})", e.hours, e.time_zone)),
                json!(e.last_reviewed),
            ]);
        }
    }
    print!("{}", table.render(output));
    Ok(())
}
