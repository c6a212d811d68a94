//! `vrs demo --keep --ui`: the web workspace on the demo's federation, with a profile for
//! every kind of person: a focal point and the administrator of each State, and the
//! regional secretariat.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use vrs_client::pki::{Identity, write_public};

use crate::{FocalPoint, LocalNode, Pki};

/// Writes the identities and `workspace.toml` under `dir/workspace`: per State a focal
/// point `<state>-desk` (its signing key registered with `register`) and `<state>-admin`,
/// and `roseap` for the secretariat's node; returns the file's path.
pub async fn write_profiles(
    dir: &Path,
    pki: &Pki,
    members: &[&LocalNode],
    secretariat: &LocalNode,
) -> anyhow::Result<PathBuf> {
    let ws = dir.join("workspace");
    std::fs::create_dir_all(&ws).with_context(|| format!("creating {}", ws.display()))?;
    let ca = pki.ca_path();
    let ca_pem = pki.ca.cert_pem().to_owned();
    let mut keys = String::new();
    let mut toml =
        String::from("# The demo federation's profiles for `vrs ui` (throw-away PKI and keys).\n");
    for m in members {
        let _ = writeln!(keys, "{} {}", m.state, m.vkey);
    }
    write_public(&ws.join("federation.keys"), &keys)?;
    let _ = writeln!(
        toml,
        "keys_file = \"{}\"",
        ws.join("federation.keys").display()
    );
    let mut first = None;
    for m in members {
        let state = &m.state;
        let lower = state.to_lowercase();
        let vkey_file = ws.join(format!("{lower}.vkey"));
        write_public(&vkey_file, &format!("{}\n", m.vkey))?;
        // The administrator.
        let admin = pki.issue(Identity::admin(state))?;
        let (cert, key) = identity_files(&ws, &format!("{lower}-admin"))?;
        admin.write(&cert, &key)?;
        profile(
            &mut toml,
            &format!("{lower}-admin"),
            m.addr,
            &ca,
            &cert,
            &key,
            &vkey_file,
            None,
        );
        // A focal point whose signing key is a file (the workspace signs with it).
        let id = format!("{lower}-desk");
        let (cert, key) = identity_files(&ws, &id)?;
        let fp = pki.issue(Identity::focal_point(state, &id))?;
        fp.write(&cert, &key)?;
        let signing = ws.join(&id).join("signing.key");
        let (sk, _) = vrs_client::keyfile::generate(&signing, &format!("{id}-k1"))?;
        let channel = m.channel(&ca_pem, &admin).await?;
        let holder = FocalPoint {
            state: state.clone(),
            id: id.clone(),
            cert: fp,
            key: sk,
        };
        crate::register(channel, &holder)
            .await
            .with_context(|| format!("registering the key of {id}"))?;
        profile(
            &mut toml,
            &id,
            m.addr,
            &ca,
            &cert,
            &key,
            &vkey_file,
            Some(&signing),
        );
        first.get_or_insert(id);
    }
    // The secretariat reads the region's releases from its own node.
    let sec = pki
        .ca
        .issue_with_hosts(&Identity::secretariat("ROSEAP"), &["localhost"])?;
    let (cert, key) = identity_files(&ws, "roseap")?;
    sec.write(&cert, &key)?;
    let vkey_file = ws.join("roseap.vkey");
    write_public(&vkey_file, &format!("{}\n", secretariat.vkey))?;
    profile(
        &mut toml,
        "roseap",
        secretariat.addr,
        &ca,
        &cert,
        &key,
        &vkey_file,
        None,
    );
    if let Some(first) = first {
        toml = toml.replacen('\n', &format!("\ndefault_profile = \"{first}\"\n"), 1);
    }
    let path = ws.join("workspace.toml");
    std::fs::write(&path, toml).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn identity_files(ws: &Path, name: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    let d = ws.join(name);
    std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    Ok((d.join("client.crt"), d.join("client.key")))
}

#[allow(clippy::too_many_arguments)]
fn profile(
    toml: &mut String,
    name: &str,
    addr: SocketAddr,
    ca: &Path,
    cert: &Path,
    key: &Path,
    vkey_file: &Path,
    signing: Option<&Path>,
) {
    let _ = write!(
        toml,
        "\n[profiles.{name}]\nendpoint = \"https://localhost:{port}\"\nca = \"{ca}\"\ncert = \"{cert}\"\nkey = \"{key}\"\nvkey_file = \"{vkey}\"\n",
        port = addr.port(),
        ca = ca.display(),
        cert = cert.display(),
        key = key.display(),
        vkey = vkey_file.display(),
    );
    if let Some(s) = signing {
        let _ = writeln!(toml, "signing_key = \"{}\"", s.display());
    }
}

/// Binds the workspace on `listen` over the profiles of `config`, its state under `dir`.
pub async fn bind(config: &Path, dir: &Path, listen: SocketAddr) -> anyhow::Result<vrs_ui::Bound> {
    Ok(vrs_ui::bind(vrs_ui::Options {
        selector: vrs_client::profile::Selector {
            config: Some(config.to_path_buf()),
            profile: None,
        },
        listen,
        state_dir: dir.join("workspace").join("state"),
        idle: Duration::from_secs(30 * 60),
    })
    .await?)
}
