//! Note signing key files: an Ed25519 note signer (C2SP signed-note, Go's
//! `PRIVATE+KEY+…` format) with `#` comment lines, as `vrs-node init`, `vrs pki init` and
//! `vrs roster keygen` write them. The node reads the same format
//! (`vrs_node::config::read_node_key`).

use std::path::Path;

use anyhow::Context as _;
use vrs_core::note::NoteSigner;

/// The text of a key file for `signer`: `# {title}`, the usual warning, the verifier key
/// to pin, and the signer key line.
pub fn key_file_text(signer: &NoteSigner, title: &str) -> String {
    format!(
        "# {title}\n\
         # SECRET: keep this file private (mode 0600) and backed up.\n\
         # Verifier key, for peers to pin: {}\n\
         {}\n",
        signer.verifier_key(),
        signer.signer_key()
    )
}

/// Reads a key file written with [`key_file_text`] (its one `PRIVATE+KEY+` line; `#`
/// lines are comments), warning if others can read it.
pub fn read_key_file(path: &Path) -> anyhow::Result<NoteSigner> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("PRIVATE+KEY+"))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} holds no note signing key (a PRIVATE+KEY+ line)",
                path.display()
            )
        })?;
    let signer = NoteSigner::from_signer_key(line)
        .with_context(|| format!("{} holds no valid note signing key", path.display()))?;
    if let Some(w) = vrs_client::credentials::key_exposure(path) {
        super::warn(w);
    }
    Ok(signer)
}
