//! A federation roster for local federations and tests: a keeper's roster key (made
//! at run time, throw-away), the `[roster]` section that pins it, and rosters signed
//! with it.

use std::path::{Path, PathBuf};

use vrs_client::pki::{write_private, write_public};
use vrs_core::note::{NoteSigner, NoteVerifier};
use vrs_core::roster::{Member, Roster, sign_roster};

use crate::NodeFiles;

/// A roster keeper: a roster key, and the file of its verifier key that nodes pin.
pub struct RosterKeeper {
    signer: NoteSigner,
    /// The file of the pinned verifier key (`roster.keys_file`).
    pub vkeys: PathBuf,
}

impl RosterKeeper {
    /// A new keeper's key named `name`, written under `dir` (`<file>.key` mode 0600,
    /// `<file>.vkey`).
    pub fn new(dir: &Path, file: &str, name: &str) -> anyhow::Result<Self> {
        let (signer, _) = NoteSigner::generate(name)?;
        write_private(
            &dir.join(format!("{file}.key")),
            &format!("{}\n", signer.signer_key()),
        )?;
        let vkeys = dir.join(format!("{file}.vkey"));
        write_public(&vkeys, &format!("{}\n", signer.verifier_key()))?;
        Ok(Self { signer, vkeys })
    }

    /// The node configuration section that pins this keeper's key and takes the roster
    /// note at `file` at start.
    pub fn section_with_file(&self, file: &Path) -> String {
        format!("{}file = \"{}\"\n", self.section(), file.display())
    }

    /// Signs version 1 of the roster `federation` of `nodes` (their files and ports) into
    /// `path`; returns the note.
    pub fn write_roster<'a>(
        &self,
        federation: &str,
        path: &Path,
        nodes: impl IntoIterator<Item = (&'a NodeFiles, u16)>,
    ) -> anyhow::Result<String> {
        let members = nodes
            .into_iter()
            .map(|(f, port)| member(&f.state, &f.vkey, port, 0, 0))
            .collect::<anyhow::Result<_>>()?;
        let note = self.sign(&roster(federation, 1, members))?;
        std::fs::write(path, &note)?;
        Ok(note)
    }

    /// The node configuration section that pins this keeper's key.
    pub fn section(&self) -> String {
        format!("\n[roster]\nkeys_file = \"{}\"\n", self.vkeys.display())
    }

    /// `roster` signed by this keeper without validating it first (to test that nodes
    /// refuse an invalid one).
    pub fn sign_unchecked(&self, roster: &Roster) -> String {
        let text = roster.to_note_text().expect("a roster serialises");
        vrs_core::note::sign_note(&text, &[&self.signer]).expect("sign")
    }

    /// `roster` signed by this keeper.
    pub fn sign(&self, roster: &Roster) -> anyhow::Result<String> {
        Ok(sign_roster(roster, &[&self.signer])?)
    }
}

/// A roster member for a node: its State, the key `vkey` valid over `[from, until)`
/// (0: open-ended; its name is the member's origin), and its endpoint on `port`.
pub fn member(state: &str, vkey: &str, port: u16, from: u64, until: u64) -> anyhow::Result<Member> {
    Ok(Member::with_key(
        state,
        &NoteVerifier::parse(vkey)?,
        from,
        until,
        vec![format!("https://localhost:{port}")],
    ))
}

/// A roster of `members`, version `version`, issued 2026-12-01.
pub fn roster(federation: &str, version: u64, members: Vec<Member>) -> Roster {
    Roster {
        federation: federation.to_owned(),
        version,
        issued: "2026-12-01".into(),
        members,
        secretariats: Vec::new(),
    }
}

/// Adds a `[[peers]]` entry without a pinned key: the roster gives it.
pub fn add_roster_peer(files: &NodeFiles, state: &str, port: u16) -> anyhow::Result<()> {
    crate::append_peer(files, state, port, None)
}
