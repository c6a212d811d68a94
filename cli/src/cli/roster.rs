//! `vrs roster`: the signed federation roster, offline — keys for its keepers, an
//! example to start from, signing (m of n keepers one after another), verification
//! against pinned roster keys, and a table of its members.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use vrs_client::pki::{write_private, write_public};
use vrs_core::note::{NoteSigner, Verifiers};
use vrs_core::roster::{
    self, MAX_ROSTER_NOTE, Member, ROSTER_HEADER, Roster, RosterKey, Secretariat,
};

use super::notekey::{key_file_text, read_key_file};
use super::{Output, OutputArg, Rejected, Selector, Table, UsageError};
use vrs_client::credentials::Need;

#[derive(Subcommand)]
pub enum RosterCmd {
    /// Make a roster key for a keeper: PREFIX.key (secret, mode 0600) and PREFIX.vkey
    /// (the verifier key every node pins). Refuses to overwrite either file.
    ///
    /// Example: vrs roster keygen --name roseap.example/roster/1 --out roster-1
    Keygen {
        /// The key name (non-empty, no spaces, no '+').
        #[arg(long)]
        name: String,
        /// Prefix of the two files written.
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
    },
    /// Print an example roster (JSON) with two members and a secretariat, to edit: put
    /// each node's node.vkey in place of the example keys, then sign it.
    ///
    /// Example: vrs roster template > roster.json
    Template,
    /// Sign a roster: a JSON roster is validated and signed into a roster note; a roster
    /// note already signed gets this key's signature added (the next keeper of m of n).
    ///
    /// Example: vrs roster sign roster.json --key roster-1.key -o roster.note
    Sign {
        /// A JSON roster, or a signed roster note.
        roster: PathBuf,
        /// The keeper's key file (from `vrs roster keygen`).
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
        /// Write the note here instead of standard output.
        #[arg(short = 'o', long = "out", value_name = "OUT")]
        out: Option<PathBuf>,
    },
    /// Verify a roster note against pinned roster keys: at least THRESHOLD distinct
    /// pinned keys must have signed it, and it must be a valid roster. Exits 3 if not.
    ///
    /// Example: vrs roster verify roster.note --keys roster-1.vkey roster-2.vkey --threshold 2
    Verify {
        /// The signed roster note.
        note: PathBuf,
        #[command(flatten)]
        pins: Pins,
    },
    /// Show a roster note's members (state, origin, each key with its validity,
    /// endpoints) and secretariats: of a file, or without one the roster the profile's
    /// node holds (admin). Not verified here unless --keys is given.
    ///
    /// Example: vrs roster show roster.note --keys roster-1.vkey
    Show(ShowArgs),
    /// Give the profile's node a signed roster (admin). The node takes it only if it
    /// is signed by its pinned roster keys (roster.keys_file, roster.threshold) and is
    /// strictly newer than the roster it holds; its peers then pull it at their next
    /// sync, and relay it on.
    ///
    /// Example: vrs roster publish roster.note
    Publish {
        /// The signed roster note.
        note: PathBuf,
        #[command(flatten)]
        output: OutputArg,
    },
}

/// The pinned roster keys and the threshold.
#[derive(Args)]
pub struct Pins {
    /// Files of pinned roster verifier keys, one or more per file, one per line
    /// (`#` comments and blank lines are skipped).
    #[arg(long, value_name = "VKEYFILE", num_args = 1.., required = true)]
    keys: Vec<PathBuf>,
    /// How many distinct pinned keys must have signed.
    #[arg(long, default_value_t = 1, value_name = "M",
          value_parser = clap::value_parser!(u16).range(1..))]
    threshold: u16,
}

/// Where `vrs roster show` reads the roster from.
#[derive(Args)]
pub struct ShowSource {
    /// The signed roster note; without it, the roster the profile's node holds.
    note: Option<PathBuf>,
}

impl ShowSource {
    /// A name for messages, and the note's text.
    fn read(&self, sel: &Selector) -> anyhow::Result<(String, String)> {
        match &self.note {
            Some(p) => Ok((p.display().to_string(), read_bounded(p)?)),
            None => super::block_on(async {
                let (p, client) = super::connect_as(sel, Need::Admin, "reading the roster").await?;
                let note = client.roster().await?.ok_or_else(|| {
                    Rejected(format!(
                        "the node of profile {} holds no roster (roster.keys_file, then \
                         vrs roster publish)",
                        p.name
                    ))
                })?;
                Ok((format!("the roster of profile {}", p.name), note))
            }),
        }
    }
}

/// `vrs roster show`.
#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    source: ShowSource,
    /// Verify against these pinned roster key files first (see `vrs roster verify`).
    #[arg(long, value_name = "VKEYFILE", num_args = 1..)]
    keys: Vec<PathBuf>,
    /// With --keys: how many distinct pinned keys must have signed.
    #[arg(long, default_value_t = 1, value_name = "M", requires = "keys",
          value_parser = clap::value_parser!(u16).range(1..))]
    threshold: u16,
    #[command(flatten)]
    output: OutputArg,
}

impl RosterCmd {
    /// Runs the command (offline but for `publish`, and `show` without a file).
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        match self {
            RosterCmd::Keygen { name, out } => keygen(&name, &out),
            RosterCmd::Template => template(),
            RosterCmd::Sign { roster, key, out } => sign(&roster, &key, out.as_deref()),
            RosterCmd::Verify { note, pins } => verify(&note, &pins),
            RosterCmd::Show(a) => show(a, sel),
            RosterCmd::Publish { note, output } => {
                super::block_on(publish(sel, &note, output.output))
            }
        }
    }
}

/// `prefix` with `ext` appended (`roster-1` → `roster-1.key`).
fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = OsString::from(prefix.as_os_str());
    s.push(ext);
    PathBuf::from(s)
}

/// `vrs roster keygen`.
fn keygen(name: &str, prefix: &Path) -> anyhow::Result<()> {
    let (key, vkey) = (with_ext(prefix, ".key"), with_ext(prefix, ".vkey"));
    for p in [&key, &vkey] {
        if p.exists() {
            bail!(
                "{} exists already; refusing to overwrite a key",
                p.display()
            );
        }
    }
    let (signer, _) = NoteSigner::generate(name)
        .map_err(|e| UsageError(format!("--name {name:?}: {e} (no spaces, no '+')")))?;
    write_private(
        &key,
        &key_file_text(
            &signer,
            "vrs roster key (Ed25519): signs the federation roster.",
        ),
    )?;
    write_public(&vkey, &format!("{}\n", signer.verifier_key()))?;
    println!("wrote {} (secret roster key, mode 0600)", key.display());
    println!("wrote {} (verifier key)", vkey.display());
    println!("verifier key {}", signer.verifier_key());
    println!(
        "next: every node pins {} as a roster key; sign with\n  vrs roster sign roster.json --key {}",
        vkey.display(),
        key.display()
    );
    Ok(())
}

/// Reads a roster or roster note, refusing one larger than a roster note may be.
fn read_bounded(path: &Path) -> anyhow::Result<String> {
    super::read_text_bounded(path, MAX_ROSTER_NOTE, "a roster")
}

/// Writes `text` to `out`, or to standard output.
fn write_out(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
            Ok(())
        }
    }
}

/// Whether `text` is a roster note (rather than a JSON roster).
fn is_note(text: &str) -> bool {
    text.strip_prefix(ROSTER_HEADER)
        .is_some_and(|t| t.starts_with('\n'))
}

/// `vrs roster sign`.
fn sign(input: &Path, key: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let text = read_bounded(input)?;
    let signer = read_key_file(key)?;
    let refused = |e: roster::RosterError| Rejected(format!("{}: {e}", input.display()));
    let note = if is_note(&text) {
        let note = roster::add_roster_signature(&text, &signer).map_err(refused)?;
        let (r, n) = roster::parse_roster_unverified(&note).map_err(refused)?;
        eprintln!(
            "vrs: added the signature of {} to roster {} version {}: {n} signature(s) \
             (the others are not checked here: vrs roster verify)",
            signer.name(),
            r.federation,
            r.version
        );
        note
    } else {
        let r = Roster::from_json(&text).map_err(refused)?;
        let note = roster::sign_roster(&r, &[&signer]).map_err(refused)?;
        eprintln!(
            "vrs: signed roster {} version {} ({} members) with {}",
            r.federation,
            r.version,
            r.members.len(),
            signer.name()
        );
        note
    };
    write_out(out, &note)
}

/// Reads the pinned roster keys: every non-blank, non-`#` line of every file.
fn read_pins(files: &[PathBuf]) -> anyhow::Result<Verifiers> {
    let mut pins = Verifiers::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the key file {}", f.display()))?;
        let keys = roster::parse_roster_keys(&text).map_err(|(line, e)| {
            UsageError(format!("{}:{line}: not a verifier key: {e}", f.display()))
        })?;
        for v in &keys {
            pins.add(v.clone())
                .map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
        }
        if keys.is_empty() {
            return Err(UsageError(format!("{} holds no verifier key", f.display())).into());
        }
    }
    Ok(pins)
}

/// Opens the roster note at `path` with `pins`; a refusal is exit 3.
fn open(path: &Path, pins: &Pins) -> anyhow::Result<roster::OpenedRoster> {
    open_text(&path.display().to_string(), &read_bounded(path)?, pins)
}

/// Opens the roster `note` (named `what` in messages) with `pins`; a refusal is exit 3.
fn open_text(what: &str, note: &str, pins: &Pins) -> anyhow::Result<roster::OpenedRoster> {
    let verifiers = read_pins(&pins.keys)?;
    let threshold = usize::from(pins.threshold);
    if threshold > verifiers.len() {
        return Err(UsageError(format!(
            "--threshold {threshold}: only {} distinct key(s) are pinned",
            verifiers.len()
        ))
        .into());
    }
    roster::open_roster_note(note, &verifiers, threshold)
        .map_err(|e| Rejected(format!("{what}: {e}")).into())
}

/// The line `vrs roster verify` prints.
fn verified_line(o: &roster::OpenedRoster) -> String {
    format!(
        "verified: roster {} version {}, {} of {} signatures",
        o.roster.federation,
        o.roster.version,
        o.signed_by.len(),
        o.signatures
    )
}

/// `vrs roster verify`.
fn verify(note: &Path, pins: &Pins) -> anyhow::Result<()> {
    let opened = open(note, pins)?;
    println!("{}", verified_line(&opened));
    Ok(())
}

/// A time of a key's window: `None` for 0 (always, or open-ended).
fn when(secs: u64) -> Value {
    if secs == 0 {
        return Value::Null;
    }
    i64::try_from(secs)
        .ok()
        .and_then(vrs_core::codes::Timestamp::from_unix_seconds)
        .map_or_else(|| json!(secs), |t| json!(t.as_str()))
}

/// One row per key of each member and secretariat (one row for a secretariat without
/// keys).
fn table(r: &Roster) -> Table {
    let mut t = Table::new(&[
        "kind",
        "name",
        "origin",
        "key",
        "valid_from",
        "valid_until",
        "endpoints",
    ]);
    let key_cells = |k: Option<&RosterKey>| match k {
        Some(k) => [json!(k.vkey), when(k.valid_from), when(k.valid_until)],
        None => [Value::Null, Value::Null, Value::Null],
    };
    for m in &r.members {
        for k in &m.keys {
            let [key, from, until] = key_cells(Some(k));
            t.push(vec![
                json!("member"),
                json!(m.state),
                json!(m.origin),
                key,
                from,
                until,
                json!(m.endpoints.join(" ")),
            ]);
        }
    }
    for s in &r.secretariats {
        let keys: Vec<Option<&RosterKey>> = if s.keys.is_empty() {
            vec![None]
        } else {
            s.keys.iter().map(Some).collect()
        };
        for k in keys {
            let [key, from, until] = key_cells(k);
            t.push(vec![
                json!("secretariat"),
                json!(s.name),
                Value::Null,
                key,
                from,
                until,
                Value::Null,
            ]);
        }
    }
    t
}

/// `vrs roster show`.
fn show(a: ShowArgs, sel: &Selector) -> anyhow::Result<()> {
    let (what, note) = a.source.read(sel)?;
    let (r, status) = if a.keys.is_empty() {
        let (r, n) =
            roster::parse_roster_unverified(&note).map_err(|e| Rejected(format!("{what}: {e}")))?;
        (
            r,
            format!("NOT verified ({n} signature(s); give --keys to verify)"),
        )
    } else {
        let pins = Pins {
            keys: a.keys,
            threshold: a.threshold,
        };
        let o = open_text(&what, &note, &pins)?;
        let status = format!(
            "verified: {} of {} signature(s) by pinned roster keys",
            o.signed_by.len(),
            o.signatures
        );
        (o.roster, status)
    };
    let heading = format!(
        "roster {} version {} issued {}: {} member(s), {} secretariat(s); {status}",
        r.federation,
        r.version,
        r.issued,
        r.members.len(),
        r.secretariats.len()
    );
    match a.output.output {
        Output::Json => {
            eprintln!("vrs: {heading}");
            let mut s = serde_json::to_string_pretty(&r)?;
            s.push('\n');
            write_out(None, &s)
        }
        Output::Csv => {
            eprintln!("vrs: {heading}");
            table(&r).print(Output::Csv);
            Ok(())
        }
        Output::Table => {
            println!("{heading}");
            table(&r).print(Output::Table);
            Ok(())
        }
    }
}

/// An example member with a fresh key (which nobody keeps: replace it).
fn example_member(state: &str) -> anyhow::Result<Member> {
    let origin = format!("vrs.example/state/{state}");
    let (signer, _) = NoteSigner::generate(&origin)?;
    Ok(Member {
        state: state.to_owned(),
        origin,
        keys: vec![RosterKey {
            vkey: signer.verifier_key(),
            valid_from: 0,
            valid_until: 0,
        }],
        endpoints: vec![format!(
            "https://{}.vrs.example:7400",
            state.to_ascii_lowercase()
        )],
    })
}

/// `vrs roster template`.
fn template() -> anyhow::Result<()> {
    let today = vrs_core::codes::Timestamp::parse(&super::now())
        .map(|t| t.utc_date().to_string())
        .unwrap_or_else(|_| "2026-01-01".into());
    let (secretariat, _) = NoteSigner::generate("vrs.example/secretariat/ROSEAP")?;
    let r = Roster {
        federation: "vrs.example".into(),
        version: 1,
        issued: today,
        members: vec![example_member("AUS")?, example_member("IDN")?],
        secretariats: vec![Secretariat {
            name: "ROSEAP".into(),
            keys: vec![RosterKey {
                vkey: secretariat.verifier_key(),
                valid_from: 0,
                valid_until: 0,
            }],
        }],
    };
    r.validate()?;
    let mut s = serde_json::to_string_pretty(&r)?;
    s.push('\n');
    eprintln!(
        "vrs: an example roster: put each node's origin, node.vkey and endpoints in place of \
         the example ones (whose private keys nobody keeps), then: vrs roster sign FILE --key KEYFILE"
    );
    write_out(None, &s)
}

/// `vrs roster publish`.
async fn publish(sel: &Selector, path: &Path, output: Output) -> anyhow::Result<()> {
    let note = read_bounded(path)?;
    // Checked here first, so that a file that is no roster never leaves this machine.
    let (r, n) = roster::parse_roster_unverified(&note)
        .map_err(|e| Rejected(format!("{}: {e}", path.display())))?;
    let (p, client) = super::connect_as(sel, Need::Admin, "publishing a roster").await?;
    let done = client.publish_roster(&note).await?;
    match output {
        Output::Json => write_out(
            None,
            &format!(
                "{}\n",
                json!({
                    "federation": r.federation,
                    "version": done.version,
                    "replaced": done.replaced,
                    "signed_by": done.signed_by,
                    "signatures": n,
                })
            ),
        ),
        _ => {
            let replaced = match done.replaced {
                0 => "none held before".to_owned(),
                v => format!("replaced version {v}"),
            };
            println!(
                "the node of profile {} now holds roster {} version {} ({replaced}); \
                 verified signatures: {}",
                p.name,
                r.federation,
                done.version,
                done.signed_by.join(", ")
            );
            Ok(())
        }
    }
}
