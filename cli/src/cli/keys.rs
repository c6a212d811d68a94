//! `vrs keys`: report signing keys.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use vrs_client::keyfile;
use vrs_client::profile::Selector;
use vrs_proto::v1 as pb;

use super::{Output, Table, UsageError};

use clap::Subcommand;

use super::OutputArg;

/// `vrs keys new`.
pub fn new(key_id: &str, out: Option<PathBuf>) -> anyhow::Result<()> {
    if !keyfile::is_key_id(key_id) {
        return Err(UsageError(format!(
            "--key-id {key_id:?}: 1 to 64 characters of [A-Za-z0-9._-]"
        ))
        .into());
    }
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{key_id}.key")));
    let (key, pub_path) = keyfile::generate(&path, key_id)?;
    println!("wrote {} (secret signing key, mode 0600)", path.display());
    println!("wrote {} (public key)", pub_path.display());
    println!(
        "key id {key_id}, public key {}",
        B64.encode(key.public_key())
    );
    println!(
        "next: give {} to your node's operator, who runs\n  vrs keys register --focal-point <your id> {}\n\
         then set signing_key = \"{}\" in your profile",
        pub_path.display(),
        pub_path.display(),
        path.display()
    );
    Ok(())
}

fn key_table() -> Table {
    Table::new(&[
        "key_id",
        "focal_point_id",
        "valid_from",
        "revoked_at",
        "public_key",
    ])
}

fn key_row(k: &pb::KeyInfo) -> Vec<Value> {
    vec![
        json!(k.key_id),
        json!(k.focal_point_id),
        json!(k.valid_from),
        k.revoked_at.map_or(Value::Null, |i| json!(i)),
        json!(B64.encode(&k.public_key)),
    ]
}

fn public_key(
    file: Option<&Path>,
    key_id: Option<&str>,
    public_key: Option<&str>,
) -> anyhow::Result<(String, Vec<u8>)> {
    match (file, key_id, public_key) {
        (Some(f), _, _) => {
            let p = keyfile::read_public(f)?;
            let bytes = p.key_bytes().map(|b| b.to_vec()).unwrap_or_default();
            Ok((p.key_id, bytes))
        }
        (None, Some(id), Some(pk)) => {
            let (p, bytes) = keyfile::PublicKeyFile::checked(id, pk).map_err(|e| match e {
                keyfile::PublicKeyError::Key => {
                    UsageError("--public-key must be a 32-byte Ed25519 key in base64".into())
                }
                other => UsageError(format!("--key-id: {other}")),
            })?;
            Ok((p.key_id, bytes.to_vec()))
        }
        _ => Err(UsageError("give a public key file, or --key-id and --public-key".into()).into()),
    }
}

/// `vrs keys register`.
pub async fn register(
    sel: &Selector,
    focal_point: &str,
    file: Option<&Path>,
    key_id: Option<&str>,
    pk: Option<&str>,
    output: Output,
) -> anyhow::Result<()> {
    let (key_id, bytes) = public_key(file, key_id, pk)?;
    let (_, client) =
        super::connect_as(sel, vrs_client::credentials::Need::Admin, "managing keys").await?;
    let r = client.register_key(focal_point, &key_id, &bytes).await?;
    let mut t = key_table();
    if let Some(k) = &r.key {
        t.push(key_row(k));
    }
    t.print(output);
    Ok(())
}

/// `vrs keys rotate`.
pub async fn rotate(
    sel: &Selector,
    focal_point: &str,
    old: &str,
    file: &Path,
    output: Output,
) -> anyhow::Result<()> {
    let (key_id, bytes) = public_key(Some(file), None, None)?;
    if key_id == old {
        return Err(UsageError(format!("the new key has the old key's id {old:?}")).into());
    }
    let (_, client) =
        super::connect_as(sel, vrs_client::credentials::Need::Admin, "managing keys").await?;
    let mut t = key_table();
    let r = client.register_key(focal_point, &key_id, &bytes).await?;
    if let Some(k) = &r.key {
        t.push(key_row(k));
    }
    match client.revoke_key(old, "rotated").await {
        Ok(r) => {
            if let Some(k) = &r.key {
                t.push(key_row(k));
            }
            t.print(output);
            Ok(())
        }
        Err(e) => {
            t.print(output);
            Err(anyhow::Error::from(e).context(format!(
                "the new key {key_id} is registered, but the old key {old} was not revoked"
            )))
        }
    }
}

/// `vrs keys revoke`.
pub async fn revoke(
    sel: &Selector,
    key_id: &str,
    reason: &str,
    output: Output,
) -> anyhow::Result<()> {
    let (_, client) =
        super::connect_as(sel, vrs_client::credentials::Need::Admin, "managing keys").await?;
    let r = client.revoke_key(key_id, reason).await?;
    let mut t = key_table();
    if let Some(k) = &r.key {
        t.push(key_row(k));
    }
    t.print(output);
    Ok(())
}

/// `vrs keys list`.
pub async fn list(sel: &Selector, output: Output) -> anyhow::Result<()> {
    let (_, client) =
        super::connect_as(sel, vrs_client::credentials::Need::Admin, "managing keys").await?;
    let mut t = key_table();
    for k in client.list_keys().await? {
        t.push(key_row(&k));
    }
    t.print(output);
    Ok(())
}

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Make a report signing key (Ed25519): FILE (mode 0600) and FILE.pub for the
    /// node's operator.
    ///
    /// Example: vrs keys new --key-id aus-fp1-k2 --out ~/.config/vrs/aus-fp1-k2.key
    New {
        /// Key id (1 to 64 of [A-Za-z0-9._-]; unique on the node).
        #[arg(long)]
        key_id: String,
        /// Where to write the key [default: KEY_ID.key].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Register a focal point's public key (admin).
    ///
    /// Example: vrs keys register --focal-point aus-fp1 aus-fp1-k2.key.pub
    Register {
        /// The focal point's id (as in its certificate).
        #[arg(long)]
        focal_point: String,
        /// Public key file (.pub from `vrs keys new`).
        #[arg(required_unless_present = "public_key", value_name = "PUBFILE")]
        file: Option<PathBuf>,
        /// Key id, with --public-key instead of a file.
        #[arg(long, requires = "public_key", conflicts_with = "file")]
        key_id: Option<String>,
        /// Raw Ed25519 public key, base64, with --key-id.
        #[arg(long, requires = "key_id", conflicts_with = "file")]
        public_key: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Rotate: register a new key, then revoke the old one (admin).
    ///
    /// Example: vrs keys rotate --focal-point aus-fp1 --old aus-fp1-k1 aus-fp1-k2.key.pub
    Rotate {
        /// The focal point's id.
        #[arg(long)]
        focal_point: String,
        /// Key id to revoke once the new one is registered.
        #[arg(long, value_name = "KEY_ID")]
        old: String,
        /// The new public key file.
        #[arg(value_name = "PUBFILE")]
        file: PathBuf,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Revoke a key from the next log index on (admin).
    ///
    /// Example: vrs keys revoke aus-fp1-k1 --reason compromised
    Revoke {
        /// Key id.
        key_id: String,
        /// Reason code (1 to 64 of [A-Za-z0-9._-]).
        #[arg(long, default_value = "revoked")]
        reason: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// List the registered keys (admin).
    ///
    /// Example: vrs keys list --output json
    List {
        #[command(flatten)]
        output: OutputArg,
    },
}

impl KeysCmd {
    /// Runs the command.
    pub fn run(self, sel: &Selector) -> anyhow::Result<()> {
        match self {
            KeysCmd::New { key_id, out } => new(&key_id, out),
            KeysCmd::Register {
                focal_point,
                file,
                key_id,
                public_key,
                output,
            } => super::block_on(register(
                sel,
                &focal_point,
                file.as_deref(),
                key_id.as_deref(),
                public_key.as_deref(),
                output.output,
            )),
            KeysCmd::Rotate {
                focal_point,
                old,
                file,
                output,
            } => super::block_on(rotate(sel, &focal_point, &old, &file, output.output)),
            KeysCmd::Revoke {
                key_id,
                reason,
                output,
            } => super::block_on(revoke(sel, &key_id, &reason, output.output)),
            KeysCmd::List { output } => super::block_on(list(sel, output.output)),
        }
    }
}
